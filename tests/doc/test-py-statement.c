/* Typed PyTorch lines → recipe ops (ps-py-statement): the article's three examples typed line by
 * line give exactly the ops of the example recipes (so the same bits), the loop is one
 * init_modules step, the export still writes the article's loop, and bad text is refused with a
 * message naming the problem. */
#include "ps-py-statement.h"
#include "ps-error.h"
#include "ps-export-pytorch.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-module.h"

#include <string.h>

static char *
op_text (JsonObject *op)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (n, op);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, n);
  return json_generator_to_data (g, NULL);
}

/* Type each line as a user does (one batch per line) into a timeline; returns it. */
static PsTimeline *
type_lines (const char *const *lines)
{
  PsTimeline *tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), lines[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (ops);
      for (guint k = 0; k < ops->len; k++)
        {
          g_assert_true (ps_timeline_append_op (tl, ops->pdata[k], &error));
          g_assert_no_error (error);
        }
    }
  return tl;
}

/* The ops of a recipe file without their descriptions, one JSON text per op. */
static GPtrArray *
example_ops (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", name, NULL);
  g_autofree char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, data, -1, NULL));
  JsonArray *ops = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "ops");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (ops); i++)
    {
      JsonObject *op = json_array_get_object_element (ops, i);
      json_object_remove_member (op, "description");
      g_ptr_array_add (out, op_text (op));
    }
  return out;
}

static GPtrArray *
timeline_ops (PsTimeline *tl)
{
  g_autoptr (PsRecipe) r = ps_timeline_to_recipe (tl);
  g_autofree char *data = ps_recipe_to_data (r, NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, data, -1, NULL));
  JsonArray *ops = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "ops");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (ops); i++)
    g_ptr_array_add (out, op_text (json_array_get_object_element (ops, i)));
  return out;
}

/* The recipe's ops re-read through the op table (defaults written the same way on both sides). */
static GPtrArray *
normalized (GPtrArray *texts)
{
  PsTimeline *tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  for (guint i = 0; i < texts->len; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_data (p, texts->pdata[i], -1, NULL));
      ps_timeline_append_op (tl, json_node_get_object (json_parser_get_root (p)), NULL);
    }
  GPtrArray *out = timeline_ops (tl);
  ps_timeline_free (tl);
  return out;
}

static void
assert_same_ops (GPtrArray *typed, GPtrArray *file)
{
  g_autoptr (GPtrArray) a = normalized (typed);
  g_autoptr (GPtrArray) b = normalized (file);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

static void
test_example_2 (void)
{
  /* the article's example 2, five lines: two layers, the user model, the loop as ONE step, y */
  static const char *const lines[] = {
    "linear1 = nn.Linear(10, 5)",
    "linear2 = nn.Linear(5, 2)",
    "model = CustomModel(linear1, linear2)",
    "for m in model.modules(): if isinstance(m, nn.Linear): nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)",
    "y = model(torch.randn(1, 10))",
    NULL
  };
  g_autoptr (PsTimeline) tl = type_lines (lines);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);
  g_autoptr (GPtrArray) typed = timeline_ops (tl);
  g_autoptr (GPtrArray) file = example_ops ("article-2-custom-init.json");
  assert_same_ops (typed, file);
  PsState *st = ps_timeline_get_last_state (tl);
  g_assert_cmpstr (ps_module_class_name (ps_state_get_root (st)), ==, "CustomModel");
  /* the exported script still writes the article's loop */
  g_autoptr (PsRecipe) r = ps_timeline_to_recipe (tl);
  g_autofree char *py = ps_export_pytorch (r, NULL);
  g_assert_nonnull (py);
  g_assert_nonnull (strstr (py, "class CustomModel(nn.Module)"));
  g_assert_nonnull (strstr (py, "xavier_uniform_"));
  g_assert_nonnull (strstr (py, "isinstance("));
  g_assert_nonnull (strstr (py, "modules()"));

  /* the same loop as the article prints it, over four lines, pasted: the same one op */
  g_autoptr (PsTimeline) tl2 = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (
    ps_timeline_get_last_state (tl2),
    "import torch\nimport torch.nn as nn\n\n"
    "self.linear1 = nn.Linear(10, 5)   # default init, drawn now\n"
    "self.linear2 = nn.Linear(5, 2)\n"
    "model = CustomModel(linear1, linear2)\n"
    "for m in self.modules():\n"
    "    if isinstance(m, nn.Linear):\n"
    "        nn.init.xavier_uniform_(m.weight)\n"
    "        nn.init.zeros_(m.bias)\n"
    "y = model(torch.randn(1, 10))\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 5);
  g_assert_true (ps_py_ops_have_forward (ops));
  g_autoptr (GPtrArray) pasted = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < ops->len; i++)
    g_ptr_array_add (pasted, op_text (ops->pdata[i]));
  assert_same_ops (pasted, file);
}

static void
test_examples_1_and_3 (void)
{
  static const char *const one[] = { "fc = nn.Linear(10, 5)", NULL };
  g_autoptr (PsTimeline) t1 = type_lines (one);
  g_autoptr (GPtrArray) typed1 = timeline_ops (t1);
  g_autoptr (GPtrArray) file1 = example_ops ("article-1-construction.json");
  /* the example recipe goes on with a forward; its first op is the one line */
  g_assert_cmpuint (file1->len, >=, 1);
  g_ptr_array_set_size (file1, 1);
  assert_same_ops (typed1, file1);

  static const char *const three[] = { "l = nn.Linear(10, 5)", "model = nn.Sequential(l, l)", NULL };
  g_autoptr (PsTimeline) t3 = type_lines (three);
  g_autoptr (GPtrArray) typed3 = timeline_ops (t3);
  g_autoptr (GPtrArray) file3 = example_ops ("article-3-shared.json");
  /* the example names its Sequential s; typed into a new document it is the model */
  g_assert_cmpuint (file3->len, >=, 2);
  g_assert_cmpstr (file3->pdata[1], ==, "{\"op\":\"module\",\"id\":\"s\",\"type\":\"Sequential\",\"children\":[\"l\",\"l\"]}");
  g_free (file3->pdata[1]);
  file3->pdata[1] = g_strdup ("{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[\"l\",\"l\"]}");
  g_ptr_array_set_size (file3, 2);
  assert_same_ops (typed3, file3);
  /* the forward fails as in PyTorch (1x5 and 10x5), and nothing is appended */
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) fwd = ps_py_statements_to_ops (ps_timeline_get_last_state (t3), "y = model(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_assert_false (ps_timeline_append_op (t3, fwd->pdata[0], &error));
  g_assert_nonnull (strstr (error->message, "(1x5 and 10x5)"));
}

static void
test_forms (void)
{
  static const struct { const char *line; const char *op; } cases[] = {
    { "fc0 = nn.Linear(10, 5, bias=False)",
      "{\"op\":\"module\",\"id\":\"fc0\",\"type\":\"Linear\",\"args\":{\"in_features\":10,\"out_features\":5,\"bias\":false}}" },
    { "conv = torch.nn.Conv2d(3, 8, 3, padding=1)",
      "{\"op\":\"module\",\"id\":\"conv\",\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":8,\"kernel_size\":3,\"padding\":1}}" },
    { "act = nn.ReLU()", "{\"op\":\"module\",\"id\":\"act\",\"type\":\"ReLU\",\"args\":{}}" },
    { "lsm = nn.LogSoftmax(dim=1)", "{\"op\":\"module\",\"id\":\"lsm\",\"type\":\"LogSoftmax\",\"args\":{\"dim\":1}}" },
    { "fc1 = nn.Linear(10, 5, False)",
      "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":10,\"out_features\":5,\"bias\":false}}" },
    { "c2 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)",
      "{\"op\":\"module\",\"id\":\"c2\",\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":8,\"kernel_size\":3,\"stride\":1,\"padding\":1,\"bias\":false}}" },
    { "nn.init.zeros_(fc.bias)", "{\"op\":\"init\",\"target\":\"fc.bias\",\"fn\":\"zeros_\",\"args\":{}}" },
    { "torch.nn.init.uniform_(fc.weight, -0.5, 0.25)",
      "{\"op\":\"init\",\"target\":\"fc.weight\",\"fn\":\"uniform_\",\"args\":{\"a\":-0.5,\"b\":0.25}}" },
    { "nn.init.kaiming_normal_(fc.weight, mode='fan_out', nonlinearity='relu')",
      "{\"op\":\"init\",\"target\":\"fc.weight\",\"fn\":\"kaiming_normal_\",\"args\":{\"mode\":\"fan_out\",\"nonlinearity\":\"relu\"}}" },
    { "torch.manual_seed(42)", "{\"op\":\"manual_seed\",\"seed\":42}" },
    { "fc.eval()", "{\"op\":\"mode\",\"target\":\"fc\",\"train\":false}" },
    { "fc.train()", "{\"op\":\"mode\",\"target\":\"fc\",\"train\":true}" },
    { "fc.reset_parameters()", "{\"op\":\"reset_parameters\",\"target\":\"fc\"}" },
    { "out = fc(torch.rand((2, 10)))",
      "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"rand\":[2,10]},\"name\":\"out\"}" },
    { "fc(torch.ones(1, 10))", "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[1,10]},\"name\":\"y\"}" },
    { "e = emb(torch.randint(0, 20, (1, 4)))",
      "{\"op\":\"forward\",\"target\":\"emb\",\"input\":{\"randint\":{\"low\":0,\"high\":20,\"size\":[1,4]}},\"name\":\"e\"}" },
    /* containers by their constructor's syntax (PsModuleClass.children_syntax): one list for a
     * ModuleList; a user class is a Sequential with its class name, children by attribute (no
     * container is made yet, so each would be the model: "root") */
    { "ml = nn.ModuleList([fc, emb])",
      "{\"op\":\"module\",\"id\":\"ml\",\"type\":\"ModuleList\",\"children\":[\"fc\",\"emb\"],\"root\":true}" },
    { "net = CustomModel(fc, e=emb)",
      "{\"op\":\"module\",\"id\":\"net\",\"type\":\"Sequential\",\"children\":{\"fc\":\"fc\",\"e\":\"emb\"},\"class\":\"CustomModel\",\"root\":true}" },
  };
  /* a state with fc and emb constructed */
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  static const char *const setup[] = { "fc = nn.Linear(10, 5)", "emb = nn.Embedding(20, 3)", NULL };
  for (guint i = 0; setup[i]; i++)
    {
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), setup[i], NULL);
      g_assert_true (ps_timeline_append_op (tl, ops->pdata[0], NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), cases[i].line, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ops->len, ==, 1);
      g_autofree char *got = op_text (ops->pdata[0]);
      g_test_message ("%s → %s", cases[i].line, got);
      g_assert_cmpstr (got, ==, cases[i].op);
    }
  /* inline children get fresh ids; several statements in one line are one batch */
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl),
                                                        "model = nn.Sequential(fc, nn.ReLU(), nn.Linear(5, 2)); y = model(torch.randn(1, 10))",
                                                        &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 4);
  g_autofree char *seq = op_text (ops->pdata[2]);
  g_assert_cmpstr (seq, ==, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[\"fc\",\"relu1\",\"linear1\"]}");
  for (guint k = 0; k < ops->len; k++)
    {
      g_assert_true (ps_timeline_append_op (tl, ops->pdata[k], &error));
      g_assert_no_error (error);
    }
  PsTensor *y = ps_state_get_output (ps_timeline_get_last_state (tl), "y");
  g_assert_nonnull (y);
  g_autofree char *shape = ps_tensor_shape_string (y);
  g_assert_cmpstr (shape, ==, "[1, 2]");
}

static void
test_errors (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  static const char *const setup[] = { "fc = nn.Linear(10, 5)", NULL };
  g_autoptr (GPtrArray) s = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), setup[0], NULL);
  g_assert_true (ps_timeline_append_op (tl, s->pdata[0], NULL));
  static const struct { const char *line; const char *needle; } cases[] = {
    { "", "Type a PyTorch line" },
    { "# just a comment\nimport torch", "Type a PyTorch line" },
    { "fc2 = nn.Linaer(10, 5)", "nn.Linaer is not a layer" },
    { "fc2 = nn.Linear(10, 5, False, 'cpu')", "give “'cpu'” by name" },
    { "fc2 = nn.Linear(10, (5", "not a line Paramscope reads" },
    { "fc = nn.Linear(3, 4)", "fc already exists" },
    { "model = nn.Sequential(fc, nope)", "“nope” is not a module made before" },
    { "model = CustomModel(fc, 3)", "“3” is not a module" },
    { "nn.init.xavier_unifrom_(fc.weight)", "not an init function" },
    { "y = fc(x)", "The input must be made in the same line" },
    { "x = torch.randn(1, 10)", "An input alone makes no step" },
    { "y = fc(torch.randn(1, -10))", "The input shape must be sizes" },
    { "for m in model.modules(): nn.init.zeros_(m.bias)", "The loop needs the type" },
    { "for m in model.modules(): if isinstance(m, nn.Linear): nn.init.zeros_(m.bias); nn.init.ones_(m.bias)",
      "initialize m.weight and m.bias once each" },
    { "fc9 = nn.Linear(1, 1)\nprint(fc9)", "Line 2: “print(fc9)” is not a line" },
    { "class CustomModel(nn.Module):", "not a class" },
    { "torch.manual_seed('x')", "takes one integer" },
    { "a.b = nn.ReLU()", "Only a plain name" },
    { "d = nn.ModuleDict(fc)", "nn.ModuleDict(…) here takes modules in order" },
    { "l = nn.ModuleList(fc, fc)", "nn.ModuleList takes one list" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), cases[i].line, &error);
      g_test_message ("%s → %s", cases[i].line, error ? error->message : "(no error)");
      g_assert_null (ops);
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
  /* a bad value surfaces from the op table when applied, and then nothing is appended */
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), "bad = nn.Linear(10, -5)", &error);
  g_assert_no_error (error);
  guint n = ps_timeline_get_n_steps (tl);
  g_assert_false (ps_timeline_append_op (tl, ops->pdata[0], &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, n);
}

/* Constructor arguments by position go where torch puts them: for every registered layer, its
 * argument table's order is the order of torch 1.13's signature (tests/data/layer-facts.json,
 * "positional", from tests/golden/gen_layer_facts.py), so nn.T(a, b, c, …) typed with every
 * argument by position names them as torch does; one more than the table has is refused. */
static void
test_positional_as_torch (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), "layer-facts.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  JsonObject *facts = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "facts");
  g_autoptr (GList) names = json_object_get_members (facts);
  guint checked = 0, args_checked = 0, wrong = 0;
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const PsModuleClass *klass = ps_module_class_lookup (name);
      g_assert_nonnull (klass);
      if (klass->is_container)
        continue;
      JsonArray *torch = json_object_get_array_member (json_object_get_object_member (facts, name), "positional");
      g_assert_nonnull (torch);
      guint n = 0, n_all = 0;   /* (keyword-only ones are left out: nonlinearity=) */
      for (; klass->args != NULL && klass->args[n_all].name != NULL; n_all++)
        n += !klass->args[n_all].keyword_only;
      GString *line = g_string_new (NULL);
      g_string_append_printf (line, "m = nn.%s(", name);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (line, "%s%u", i ? ", " : "", i + 1);
      g_string_append (line, ")");
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (NULL, line->str, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ops->len, ==, 1);
      JsonObject *args = json_object_get_object_member (ops->pdata[0], "args");
      g_autoptr (GList) got = json_object_get_members (args);
      g_assert_cmpuint (g_list_length (got), ==, n);
      g_assert_cmpuint (n, <=, json_array_get_length (torch));
      guint i = 0;
      for (GList *g = got; g != NULL; g = g->next, i++)
        {
          if (g_strcmp0 (g->data, json_array_get_string_element (torch, i)) != 0)
            {
              g_test_message ("%s: argument %u by position is %s here, %s in torch", name, i + 1, (const char *) g->data,
                              json_array_get_string_element (torch, i));
              wrong++;
            }
          args_checked++;
        }
      /* one more is refused, naming it */
      g_string_truncate (line, line->len - 1);
      g_string_append_printf (line, "%s99)", n ? ", " : "");
      g_autoptr (GPtrArray) none = ps_py_statements_to_ops (NULL, line->str, &error);
      g_assert_null (none);
      g_assert_nonnull (strstr (error->message, "give “99” by name"));
      g_clear_error (&error);
      g_string_free (line, TRUE);
      checked++;
    }
  g_test_message ("%u layer types, %u arguments by position, %u not where torch has them", checked, args_checked, wrong);
  g_assert_cmpuint (wrong, ==, 0);
  g_assert_cmpuint (checked, >=, 40);
}

/* x = torch.randn(1, 10) on one Enter, y = fc(x) on a later one: the input is remembered. A
 * random one is drawn by the forward that takes it, so a line drawing in between is refused
 * (PyTorch drew x first), and it is given once; zeros/ones inputs are kept and reused. */
static void
test_remembered_inputs (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autoptr (GHashTable) inputs = ps_py_inputs_new ();
  g_autoptr (GError) error = NULL;
  static const char *const setup = "fc = nn.Linear(10, 5)";
  g_autoptr (GPtrArray) s0 = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), setup, inputs, &error);
  g_assert_no_error (error);
  g_assert_true (ps_timeline_append_op (tl, s0->pdata[0], NULL));
  /* the assignment alone: no op, remembered */
  g_autoptr (GPtrArray) a = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), "x = torch.randn(1, 10)",
                                                                  inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 0);
  g_assert_true (ps_py_inputs_pending (inputs));
  /* a line that draws before x is used: refused, nothing remembered changes */
  g_autoptr (GPtrArray) b = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), "fc2 = nn.Linear(10, 5)",
                                                                  inputs, &error);
  g_assert_null (b);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "x = torch.randn(1, 10) is drawn from the generator before this line"));
  g_clear_error (&error);
  g_assert_true (ps_py_inputs_pending (inputs));
  /* one that does not draw is fine (the mode), then the forward takes x: the same op as typed inline */
  g_autoptr (GPtrArray) c = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), "fc.eval()", inputs, &error);
  g_assert_no_error (error);
  g_assert_true (ps_timeline_append_op (tl, c->pdata[0], NULL));
  g_autoptr (GPtrArray) d = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), "y = fc(x)", inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->len, ==, 1);
  g_autoptr (GPtrArray) inline_ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), "y = fc(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_autofree char *t1 = op_text (d->pdata[0]);
  g_autofree char *t2 = op_text (inline_ops->pdata[0]);
  g_assert_cmpstr (t1, ==, t2);
  g_assert_false (ps_py_inputs_pending (inputs));
  g_assert_true (ps_timeline_append_op (tl, d->pdata[0], NULL));
  /* x was drawn by that forward: not again */
  g_autoptr (GPtrArray) e = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), "y2 = fc(x)", inputs, &error);
  g_assert_null (e);
  g_assert_nonnull (strstr (error->message, "x was drawn for an earlier forward"));
  g_clear_error (&error);
  /* within one text too (it used to draw x after fc2) */
  g_autoptr (GPtrArray) f = ps_py_statements_to_ops (ps_timeline_get_last_state (tl),
                                                     "x = torch.rand(1, 10); fc3 = nn.Linear(10, 5); y3 = fc3(x)", &error);
  g_assert_null (f);
  g_assert_nonnull (strstr (error->message, "is drawn from the generator before this line"));
  g_clear_error (&error);
  /* zeros: remembered, reused, and lines that draw may come between */
  static const char *const z[] = { "z = torch.zeros(2, 10)", "fc4 = nn.Linear(10, 3)", "a = fc4(z)", "b = fc(z)", NULL };
  guint appended = 0;
  for (guint i = 0; z[i]; i++)
    {
      g_autoptr (GPtrArray) ops = ps_py_statements_to_ops_with_inputs (ps_timeline_get_last_state (tl), z[i], inputs, &error);
      g_assert_no_error (error);
      for (guint k = 0; k < ops->len; k++, appended++)
        g_assert_true (ps_timeline_append_op (tl, ops->pdata[k], NULL));
    }
  g_assert_cmpuint (appended, ==, 3);
  g_autofree char *shape = ps_tensor_shape_string (ps_state_get_output (ps_timeline_get_last_state (tl), "b"));
  g_assert_cmpstr (shape, ==, "[2, 5]");
}

/* net = nn.Sequential(…) as the first container is the model, under its own name: the module op
 * says so ("root": true), the model tree's root is net from that step on, self. means net, the
 * recipe saves, loads and exports; a second container is not the model; one Undo (the state
 * before) has no model again. */
static void
test_first_container_is_model (void)
{
  static const char *const lines[] = { "fc = nn.Linear(10, 5)", "net = nn.Sequential(fc, nn.ReLU())",
                                       "net2 = nn.Sequential(fc)", "for m in self.modules(): if isinstance(m, nn.Linear): nn.init.zeros_(m.bias)",
                                       "y = net(torch.randn(1, 10))", NULL };
  g_autoptr (PsTimeline) tl = type_lines (lines);
  g_autoptr (GPtrArray) ops = timeline_ops (tl);
  g_assert_cmpuint (ops->len, ==, 6);   /* fc, relu1, net, net2, the loop, the forward */
  g_assert_cmpstr (ops->pdata[2], ==, "{\"op\":\"module\",\"id\":\"net\",\"type\":\"Sequential\",\"children\":[\"fc\",\"relu1\"],\"root\":true}");
  g_assert_cmpstr (ops->pdata[3], ==, "{\"op\":\"module\",\"id\":\"net2\",\"type\":\"Sequential\",\"children\":[\"fc\"]}");
  g_assert_cmpstr (ops->pdata[4], ==, "{\"op\":\"init_modules\",\"target\":\"net\",\"match\":\"Linear\",\"bias\":{\"fn\":\"zeros_\"}}");
  PsState *st = ps_timeline_get_last_state (tl);
  g_assert_cmpstr (st->root, ==, "net");
  g_assert_true (ps_state_get_root (st) == ps_state_get_module (st, "net"));
  g_assert_null (ps_state_get_root (ps_timeline_get_state (tl, 2)));   /* before the Sequential: no model */
  g_assert_nonnull (ps_state_get_output (st, "y"));
  /* saved and read back: the same ops, the same model */
  g_autoptr (PsRecipe) r = ps_timeline_to_recipe (tl);
  gsize len;
  g_autofree char *data = ps_recipe_to_data (r, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) back = ps_recipe_load_from_data (data, (gssize) len, &error);
  g_assert_no_error (error);
  g_autofree char *again = ps_recipe_to_data (back, NULL);
  g_assert_cmpstr (again, ==, data);
  g_autofree char *py = ps_export_pytorch (r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (py, "net = nn.Sequential("));
}

/* y = net(x) while there is no model: the container called becomes the model (the forward op
 * says so, "root": true, version 4), as the first container typed would. Here `block` exists but
 * is not the model (a recipe made it without "root"); a forward through it makes it the model;
 * describe says so; undo gives no model again; the recipe saves, loads (its top-level root id
 * created by no op: valid through the forward) and needs version 4. With a model already, or
 * through a plain layer, a forward changes nothing of the model. */
static void
test_called_container_is_model (void)
{
  static const char *const first[] = { "fc = nn.Linear(10, 5)", NULL };
  g_autoptr (PsTimeline) tl = type_lines (first);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, "{\"op\":\"module\",\"id\":\"block\",\"type\":\"Sequential\",\"children\":[\"fc\"]}", -1, NULL));
  g_assert_true (ps_timeline_append_op (tl, json_node_get_object (json_parser_get_root (p)), &error));
  g_assert_no_error (error);
  g_assert_null (ps_state_get_root (ps_timeline_get_last_state (tl)));   /* block exists, no model */
  /* a plain layer called: not the model */
  g_autoptr (GPtrArray) by_layer = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), "y = fc(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_autofree char *layer_text = op_text (by_layer->pdata[0]);
  g_assert_null (strstr (layer_text, "root"));
  /* the container called: the model from here on */
  g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), "y = block(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 1);
  g_autofree char *text = op_text (ops->pdata[0]);
  g_assert_cmpstr (text, ==, "{\"op\":\"forward\",\"target\":\"block\",\"input\":{\"randn\":[1,10]},\"name\":\"y\",\"root\":true}");
  g_assert_true (ps_timeline_append_op (tl, ops->pdata[0], &error));
  g_assert_no_error (error);
  PsState *st = ps_timeline_get_last_state (tl);
  g_assert_cmpstr (st->root, ==, "block");
  g_assert_true (ps_state_get_root (st) == ps_state_get_module (st, "block"));
  g_assert_nonnull (ps_state_get_output (st, "y"));
  g_assert_nonnull (strstr (ps_timeline_get_description (tl, 3), "; block is the model from here on"));
  /* self. now means block; a second forward through it changes nothing of the model */
  g_autoptr (GPtrArray) again = ps_py_statements_to_ops (st, "y2 = block(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_autofree char *again_text = op_text (again->pdata[0]);
  g_assert_null (strstr (again_text, "root"));
  /* saved and read back: the same ops; the forward makes the file valid and needs version 4 */
  g_autoptr (PsRecipe) r = ps_timeline_to_recipe (tl);
  g_assert_cmpint (ps_recipe_required_version (r), ==, 4);
  gsize len;
  g_autofree char *data = ps_recipe_to_data (r, &len);
  g_autoptr (PsRecipe) back = ps_recipe_load_from_data (data, (gssize) len, &error);
  g_assert_no_error (error);
  g_autofree char *again_data = ps_recipe_to_data (back, NULL);
  g_assert_cmpstr (again_data, ==, data);
  /* undone: no model again */
  g_assert_true (ps_timeline_undo (tl));
  g_assert_null (ps_state_get_root (ps_timeline_get_last_state (tl)));
  /* a forward op that claims the model while there is one is refused, naming it */
  static const char *const with_model[] = { "fc = nn.Linear(10, 5)", "net = nn.Sequential(fc)", "block = nn.Sequential(fc)", NULL };
  g_autoptr (PsTimeline) tl2 = type_lines (with_model);
  g_autoptr (GPtrArray) ops2 = ps_py_statements_to_ops (ps_timeline_get_last_state (tl2), "y = block(torch.randn(1, 10))", &error);
  g_assert_no_error (error);
  g_autofree char *text2 = op_text (ops2->pdata[0]);
  g_assert_null (strstr (text2, "root"));
  g_assert_true (json_parser_load_from_data (p, "{\"op\":\"forward\",\"target\":\"block\",\"input\":{\"zeros\":[1,10]},\"root\":true}", -1, NULL));
  guint n_before = ps_timeline_get_n_steps (tl2);
  g_assert_false (ps_timeline_append_op (tl2, json_node_get_object (json_parser_get_root (p)), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "the model is already 'net'"));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl2), ==, n_before);
  g_assert_cmpstr (ps_timeline_get_last_state (tl2)->root, ==, "net");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/py-statement/example-2", test_example_2);
  g_test_add_func ("/py-statement/examples-1-and-3", test_examples_1_and_3);
  g_test_add_func ("/py-statement/forms", test_forms);
  g_test_add_func ("/py-statement/errors", test_errors);
  g_test_add_func ("/py-statement/positional-as-torch", test_positional_as_torch);
  g_test_add_func ("/py-statement/remembered-inputs", test_remembered_inputs);
  g_test_add_func ("/py-statement/first-container-is-model", test_first_container_is_model);
  g_test_add_func ("/py-statement/called-container-is-model", test_called_container_is_model);
  return g_test_run ();
}
