/* test-op-questions.c — what the op table says about an op (ps-op.h's ps_op_* questions), which
 * the timeline, the recipe, the train walk, the figures, the CLI and the app ask instead of
 * comparing the kind's name: the module it builds, whether it makes the model, runs a forward
 * (and its output name), loads a file, records training, may draw from the generator, and the
 * size check after module and attach ops. And the PyTorch line parser's typed ops
 * (ps_py_statements_parse), applied by the document as they are (ps_document_apply_parsed_ops,
 * ps_document_train_parsed_async). And the forward's loss, whose target input is typed at load. */
#include "ps-document.h"
#include "ps-error.h"
#include "ps-op.h"
#include "ps-py-statement.h"
#include "../support/async-test-util.h"

static PsOp *
op_from (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (text, &error);
  g_assert_no_error (error);
  PsOp *op = ps_op_new_from_json (json_node_get_object (node), 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);
  return op;
}

typedef struct {
  const char *json;
  const char *built;          /* ps_op_get_built_module */
  gboolean root;              /* ps_op_makes_root (op, NULL) */
  gboolean forward;
  const char *output;
  gboolean loads, records, draws;
} Case;

static void
test_questions (void)
{
  static const Case cases[] = {
    { "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":3}}",
      "fc", FALSE, FALSE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"module\",\"id\":\"net\",\"type\":\"Sequential\",\"children\":[],\"root\":true}",
      "net", TRUE, FALSE, NULL, FALSE, FALSE, FALSE },                    /* a container draws nothing */
    { "{\"op\":\"module\",\"id\":\"r\",\"type\":\"ReLU\"}", "r", FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"attach\",\"parent\":\"net\",\"name\":\"0\",\"child\":\"fc\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"detach\",\"parent\":\"net\",\"name\":\"0\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"init\",\"target\":\"fc.weight\",\"fn\":\"zeros_\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"init\",\"target\":\"fc.weight\",\"fn\":\"normal_\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"reset_parameters\",\"target\":\"fc\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"manual_seed\",\"seed\":3}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"mode\",\"target\":\"fc\",\"train\":false}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"randn\":[1,2]},\"name\":\"y\"}", NULL, FALSE, TRUE, "y", FALSE, FALSE, TRUE },
    { "{\"op\":\"forward\",\"target\":\"net\",\"input\":{\"randn\":[1,2]},\"root\":true}", NULL, TRUE, TRUE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"load\",\"target\":\"fc\",\"file\":\"fc.safetensors\"}", NULL, FALSE, FALSE, NULL, TRUE, FALSE, TRUE },
    { "{\"op\":\"note\",\"text\":\"hello\"}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, FALSE },
    { "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":8}}", NULL, FALSE, FALSE, NULL, FALSE, FALSE, TRUE },
    { "{\"op\":\"train\",\"model\":\"net\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"MSELoss\",\"args\":{}},\"steps\":2}",
      NULL, FALSE, FALSE, NULL, FALSE, TRUE, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr (PsOp) op = op_from (c->json);
      g_test_message ("%s", c->json);
      g_assert_cmpstr (ps_op_get_built_module (op), ==, c->built);
      g_assert_cmpint (ps_op_makes_root (op, NULL), ==, c->root);
      /* a module op makes the model the recipe's "root" names when it creates that id */
      g_assert_cmpint (ps_op_makes_root (op, "fc"), ==, c->root || g_strcmp0 (c->built, "fc") == 0);
      g_assert_cmpint (ps_op_runs_forward (op), ==, c->forward);
      g_assert_cmpstr (ps_op_get_output_name (op), ==, c->output);
      g_assert_cmpint (ps_op_loads_file (op), ==, c->loads);
      g_assert_cmpint (ps_op_records_training (op), ==, c->records);
      g_assert_cmpint (ps_op_may_draw (op), ==, c->draws);
    }
}

/* Module and attach ops are refused when the model would get more than PS_STATE_MAX_ENTRIES
 * (2^17) state_dict paths; other ops are not checked (ps_op_check_size through the timeline). */
static void
test_size_check (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\","
                                                 "\"args\":{\"in_features\":1,\"out_features\":1}}", &error));
  /* 64 copies of fc: 128 paths; 64 of those: 8192 */
  g_autoptr (GString) s1 = g_string_new ("{\"op\":\"module\",\"id\":\"s1\",\"type\":\"Sequential\",\"children\":[");
  g_autoptr (GString) s2 = g_string_new ("{\"op\":\"module\",\"id\":\"s2\",\"type\":\"Sequential\",\"children\":[");
  g_autoptr (GString) s3 = g_string_new ("{\"op\":\"module\",\"id\":\"s3\",\"type\":\"Sequential\",\"children\":[");
  for (guint i = 0; i < 64; i++)
    {
      g_string_append_printf (s1, "%s\"fc\"", i ? "," : "");
      g_string_append_printf (s2, "%s\"s1\"", i ? "," : "");
      g_string_append_printf (s3, "%s\"s2\"", i ? "," : "");
    }
  g_string_append (s1, "]}");
  g_string_append (s2, "]}");
  g_string_append (s3, "]}");
  g_assert_true (ps_document_apply_op_json (doc, s1->str, &error));
  g_assert_true (ps_document_apply_op_json (doc, s2->str, &error));
  g_assert_no_error (error);
  guint n = ps_document_get_n_steps (doc);
  /* a module op: 64 × 8192 paths */
  g_assert_false (ps_document_apply_op_json (doc, s3->str, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "op 4 (module): s3 would have more than 131072 state_dict entries"));
  g_clear_error (&error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  /* attach ops: 16 × 8192 = 2^17 paths pass, the 17th does not */
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"module\",\"id\":\"top\",\"type\":\"Sequential\",\"children\":[]}", &error));
  for (guint i = 0; i < 17; i++)
    {
      g_autofree char *at = g_strdup_printf ("{\"op\":\"attach\",\"parent\":\"top\",\"name\":\"c%u\",\"child\":\"s2\"}", i);
      gboolean ok = ps_document_apply_op_json (doc, at, &error);
      g_assert_cmpint (ok, ==, i < 16);
    }
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "(attach): top would have more than 131072 state_dict entries"));
  g_clear_error (&error);
  /* a rename is not checked (it adds no containment); the model stays as it was */
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"rename\",\"parent\":\"top\",\"name\":\"c0\",\"new_name\":\"first\"}", &error));
  g_assert_no_error (error);
}

/* The line parser's typed ops: numbered after the state's step, asked through the table, applied
 * as they are as one user action; a failed parse leaves the remembered inputs as they were. */
static void
test_parsed_lines (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) inputs = ps_py_inputs_new ();
  g_autoptr (GPtrArray) a = ps_py_statements_parse (ps_document_get_current_state (doc),
                                                    "fc = nn.Linear(3, 2); model = nn.Sequential(fc)", inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpstr (ps_op_get_kind (a->pdata[0]), ==, "module");
  g_assert_cmpstr (ps_op_get_built_module (a->pdata[0]), ==, "fc");
  g_assert_cmpstr (ps_op_get_built_module (a->pdata[1]), ==, "model");
  g_assert_true (ps_document_apply_parsed_ops (doc, (PsOp *const *) a->pdata, a->len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 2);
  g_assert_nonnull (ps_state_get_module (ps_document_get_current_state (doc), "model"));

  /* an input kept for a later line; a line that fails keeps the inputs as they were */
  g_autoptr (GPtrArray) b = ps_py_statements_parse (ps_document_get_current_state (doc), "x = torch.ones(1, 3)", inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->len, ==, 0);
  g_assert_true (g_hash_table_contains (inputs, "x"));
  g_assert_null (ps_py_statements_parse (ps_document_get_current_state (doc), "z = torch.ones(1, 3); nn.Nope(1)", inputs, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (g_hash_table_contains (inputs, "z"));
  g_assert_true (g_hash_table_contains (inputs, "x"));

  /* a forward: the table says it runs one, and its output's name */
  g_autoptr (GPtrArray) c = ps_py_statements_parse (ps_document_get_current_state (doc), "y = model(x)", inputs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->len, ==, 1);
  g_assert_true (ps_op_runs_forward (c->pdata[0]));
  g_assert_cmpstr (ps_op_get_output_name (c->pdata[0]), ==, "y");
  g_assert_null (ps_op_get_built_module (c->pdata[0]));
  GAsyncResult *res = NULL;
  ps_document_train_parsed_async (doc, (PsOp *const *) c->pdata, c->len, NULL, NULL, store_result, &res);
  g_assert_true (ps_document_apply_op_finish (doc, wait_result (&res), &error));
  g_assert_no_error (error);
  g_object_unref (res);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 3);
  g_assert_nonnull (ps_state_get_output (ps_document_get_current_state (doc), "y"));

  /* one Undo takes back the first line's two steps */
  g_assert_true (ps_document_undo (doc));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 0);
}

static char *
loss_text (const PsOp *op)
{
  g_autoptr (JsonObject) o = ps_op_to_json (op);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), json_object_get_object_member (o, "loss"));
  json_generator_set_root (g, n);
  return json_generator_to_data (g, NULL);
}

/* The forward's loss target is an input parsed at load (a bad one is refused then, not when the
 * op runs); its type and keyword arguments are saved back as given; copies share nothing. */
static void
test_forward_loss (void)
{
  static const char ok_op[] = "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[1,2]},\"name\":\"l\","
                              "\"loss\":{\"args\":{\"reduction\":\"mean\"},\"target\":{\"zeros\":[1,3]},\"type\":\"MSELoss\"}}";
  g_autoptr (PsOp) op = op_from (ok_op);
  g_autofree char *saved = loss_text (op);
  g_assert_cmpstr (saved, ==, "{\"args\":{\"reduction\":\"mean\"},\"target\":{\"zeros\":[1,3]},\"type\":\"MSELoss\"}");
  g_autoptr (PsOp) copy = ps_op_copy (op);
  g_autofree char *copied = loss_text (copy);
  g_assert_cmpstr (copied, ==, saved);

  static const struct { const char *loss, *error; } bad[] = {
    { "{\"type\":\"MSELoss\"}", "op 1 (forward): field 'loss': field 'target': missing" },
    { "{\"type\":\"MSELoss\",\"target\":{\"randn\":\"x\"}}", "op 1 (forward): field 'loss': field 'target': " },
    { "[1]", "op 1 (forward): field 'loss': expected an object" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[1,2]},\"loss\":%s}",
                                               bad[i].loss);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = json_from_string (text, &error);
      g_assert_no_error (error);
      g_autoptr (PsOp) refused = ps_op_new_from_json (json_node_get_object (node), 1, &error);
      g_assert_null (refused);
      g_assert_nonnull (error);
      g_test_message ("%s → %s", bad[i].loss, error->message);
      g_assert_true (g_str_has_prefix (error->message, bad[i].error));
    }

  /* applied: the loss of fc(ones) against the typed zeros target is mean(y²) */
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\","
                                                 "\"args\":{\"in_features\":2,\"out_features\":3}}", &error));
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[1,2]},"
                                                 "\"name\":\"y\"}", &error));
  g_assert_true (ps_document_apply_parsed_ops (doc, &op, 1, &error));
  g_assert_no_error (error);
  PsState *st = ps_document_get_current_state (doc);
  const float *y = ps_tensor_cf32 (ps_state_get_output (st, "y"));
  double want = ((double) y[0] * y[0] + (double) y[1] * y[1] + (double) y[2] * y[2]) / 3;
  g_assert_cmpfloat_with_epsilon (ps_tensor_cf32 (ps_state_get_output (st, "l"))[0], want, 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/op-questions/kinds", test_questions);
  g_test_add_func ("/op-questions/size-check", test_size_check);
  g_test_add_func ("/op-questions/parsed-lines", test_parsed_lines);
  g_test_add_func ("/op-questions/forward-loss", test_forward_loss);
  return g_test_run ();
}
