/* test-train-recipe.c — the training ops of recipe version 3 against torch 1.13: every end-to-end run
 * of tests/data/train-golden/ is rebuilt as a recipe (dataset, module, optimizer, scheduler and
 * train ops) and replayed through ps_op_apply; each recorded sub-step's snapshot must hold torch's
 * parameters and .grad bit for bit, and the loss and learning rate must be torch's. Also the
 * dissected step (forward with a loss, backward, step, zero_grad, scheduler_step), the example
 * recipe, and the errors. */
#include <math.h>
#include <string.h>
#include "ps-op.h"
#include "ps-fashion-mnist.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-train-ops.h"
#include "ps-loss.h"
#include "train-golden.h"

static PsOp *
parse_op (const char *json, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return ps_op_new_from_json (json_node_get_object (json_parser_get_root (p)), 9, error);
}

static PsState *
apply (PsState *st, guint n, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsOp) op = parse_op (json, &error);
  if (op == NULL)
    g_error ("op %u %s: %s", n, json, error->message);
  PsState *next = ps_op_apply (st, op, n, &error);
  if (next == NULL)
    g_error ("op %u %s: %s", n, json, error->message);
  ps_state_unref (st);
  return next;
}

static char *
node_json (JsonNode *n)
{
  return json_to_string (n, FALSE);
}

/* data: FALSE = record as torch's script did (every k-th step, each record compared); TRUE = record
 * only the last step, so every step before it runs in the train loop's in-place path (tensors that
 * no snapshot holds are updated where they are) and the end must still be torch's. */
static void
test_golden_runs (gconstpointer data)
{
  const gboolean last_only = GPOINTER_TO_INT (data);
  JsonArray *runs = tg_section ("runs");
  tg_compared = 0;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      const char *name = json_object_get_string_member (c, "name");
      const int64_t steps = json_object_get_int_member (c, "steps"), every = json_object_get_int_member (c, "every");
      if (last_only && steps % every != 0)
        continue;   /* torch's last record is not the last step */
      PsState *st = ps_state_new (json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2, "model");
      guint n = 1;
      g_autofree char *ds = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"data\",\"type\":\"%s\",\"args\":{\"n\":%" G_GINT64_FORMAT "}}",
                                             json_object_get_string_member (c, "data"), json_object_get_int_member (c, "n"));
      st = apply (st, n++, ds);
      JsonArray *lspec = json_object_get_array_member (c, "loss");
      gboolean float_target = !g_str_equal (json_array_get_string_element (lspec, 0), "CrossEntropyLoss");
      int64_t n_out = float_target ? 1 : (g_str_equal (json_object_get_string_member (c, "data"), "blobs") ? 3 : 2);
      JsonArray *spec = json_object_get_array_member (c, "model");
      g_autoptr (GString) children = g_string_new (NULL);
      int64_t dims = 2;
      for (guint i = 0; i < json_array_get_length (spec); i++)
        {
          JsonArray *item = json_array_get_array_element (spec, i);
          const char *k = json_array_get_string_element (item, 0);
          g_autofree char *id = g_strdup_printf ("l%u", i);
          g_autofree char *op = NULL;
          if (g_str_equal (k, "Shared"))
            {
              g_string_append_printf (children, "%s\"l%" G_GINT64_FORMAT "\"", children->len ? "," : "",
                                      json_array_get_int_element (item, 1));
              continue;
            }
          if (g_str_equal (k, "Linear"))
            {
              JsonNode *o = json_array_get_element (item, 1);
              int64_t out = JSON_NODE_HOLDS_NULL (o) ? n_out : json_node_get_int (o);
              op = g_strdup_printf ("{\"op\":\"module\",\"id\":\"%s\",\"type\":\"Linear\",\"args\":{\"in_features\":%"
                                    G_GINT64_FORMAT ",\"out_features\":%" G_GINT64_FORMAT "}}", id, dims, out);
              dims = out;
            }
          else if (g_str_equal (k, "LeakyReLU"))
            op = g_strdup_printf ("{\"op\":\"module\",\"id\":\"%s\",\"type\":\"LeakyReLU\",\"args\":{\"negative_slope\":%.17g}}",
                                  id, json_array_get_double_element (item, 1));
          else if (g_str_equal (k, "Dropout"))
            op = g_strdup_printf ("{\"op\":\"module\",\"id\":\"%s\",\"type\":\"Dropout\",\"args\":{\"p\":%.17g}}", id,
                                  json_array_get_double_element (item, 1));
          else
            op = g_strdup_printf ("{\"op\":\"module\",\"id\":\"%s\",\"type\":\"%s\"}", id, k);
          st = apply (st, n++, op);
          g_string_append_printf (children, "%s\"%s\"", children->len ? "," : "", id);
        }
      g_autofree char *seq = g_strdup_printf ("{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[%s]}",
                                              children->str);
      st = apply (st, n++, seq);
      JsonArray *ospec = json_object_get_array_member (c, "opt");
      g_autofree char *oargs = node_json (json_array_get_element (ospec, 1));
      g_autofree char *oop = g_strdup_printf ("{\"op\":\"optimizer\",\"id\":\"opt\",\"type\":\"%s\",\"params\":\"model\",\"args\":%s}",
                                              json_array_get_string_element (ospec, 0), oargs);
      st = apply (st, n++, oop);
      gboolean has_sched = !JSON_NODE_HOLDS_NULL (json_object_get_member (c, "sched"));
      if (has_sched)
        {
          JsonArray *sspec = json_object_get_array_member (c, "sched");
          g_autofree char *sargs = node_json (json_array_get_element (sspec, 1));
          g_autofree char *sop = g_strdup_printf ("{\"op\":\"scheduler\",\"id\":\"sched\",\"type\":\"%s\",\"optimizer\":\"opt\",\"args\":%s}",
                                                  json_array_get_string_element (sspec, 0), sargs);
          st = apply (st, n++, sop);
        }
      g_autofree char *largs = node_json (json_array_get_element (lspec, 1));
      JsonNode *clip = json_object_get_member (c, "clip");
      g_autofree char *clip_json = node_json (clip);   /* a number, or "nan" / "inf" */
      g_autofree char *clip_s = JSON_NODE_HOLDS_NULL (clip) ? g_strdup ("")
                                : g_strdup_printf (",\"clip_grad_norm\":%s", clip_json);
      g_autofree char *top = g_strdup_printf (
        "{\"op\":\"train\",\"model\":\"model\",\"optimizer\":\"opt\",\"data\":\"data\",\"loss\":{\"type\":\"%s\",\"args\":%s},"
        "\"batch_size\":%" G_GINT64_FORMAT ",\"shuffle\":%s,\"drop_last\":%s,\"steps\":%" G_GINT64_FORMAT
        ",\"record_every\":%" G_GINT64_FORMAT "%s%s}",
        json_array_get_string_element (lspec, 0), largs, json_object_get_int_member (c, "batch_size"),
        json_object_get_boolean_member (c, "shuffle") ? "true" : "false",
        json_object_get_boolean_member (c, "drop_last") ? "true" : "false", json_object_get_int_member (c, "steps"),
        last_only ? steps : every, clip_s, has_sched ? ",\"scheduler\":\"sched\",\"scheduler_every\":\"step\"" : "");
      st = apply (st, n++, top);
      g_assert_nonnull (st->train_log);
      JsonArray *rec = json_object_get_array_member (c, "record");
      const guint n_rec = json_array_get_length (rec), first = last_only ? n_rec - 1 : 0;
      g_assert_cmpuint (st->train_log->records->len, ==, n_rec - first);
      for (guint k = first; k < n_rec; k++)
        {
          JsonObject *e = json_array_get_object_element (rec, k);
          const PsTrainRecord *tr = st->train_log->records->pdata[k - first];
          if (last_only)
            g_assert_cmpint (tr->step, ==, steps);
          g_autofree char *what = g_strdup_printf ("recipe run %s record %u (step %" G_GINT64_FORMAT ")", name, k, tr->step);
          tg_check_values (what, &tr->loss, 1, json_object_get_object_member (e, "loss"));
          PsTrainObject *o = ps_state_get_train_object (tr->state, "opt");
          g_assert_cmpfloat (ps_optimizer_get_lr (o->optimizer), ==, tg_hex_double (json_object_get_string_member (e, "lr")));
          PsModule *model = ps_state_get_module (tr->state, "model");
          const char *sect[2] = { "params", "grads" };
          for (int s = 0; s < 2; s++)
            {
              JsonObject *ps = json_object_get_object_member (e, sect[s]);
              g_autoptr (GList) names = json_object_get_members (ps);
              for (GList *l = names; l; l = l->next)
                {
                  PsParam *p = NULL;
                  g_assert_true (ps_module_resolve (model, l->data, NULL, &p, NULL));
                  g_autofree char *w2 = g_strdup_printf ("%s %s %s", what, sect[s], (char *) l->data);
                  tg_check (w2, s == 0 ? p->value : p->grad, json_object_get_object_member (ps, l->data));
                }
            }
        }
      /* the generator after the run: torch.randint(0, 2**31, (2,)) */
      int64_t v[2];
      g_assert_true (ps_generator_randint (&st->gen, 0, (int64_t) 1 << 31, v, 2, NULL));
      JsonArray *probe = json_object_get_array_member (c, "probe");
      g_assert_cmpint (v[0], ==, json_array_get_int_element (probe, 0));
      g_assert_cmpint (v[1], ==, json_array_get_int_element (probe, 1));
      ps_state_unref (st);
    }
  g_test_message ("%u recipes%s: %" G_GUINT64_FORMAT " recorded values bit-identical to torch",
                  json_array_get_length (runs), last_only ? " (last step recorded only)" : "", tg_compared);
}

/* One step dissected equals the train op's first step: same loss, gradients and parameters. */
static void
test_dissected (void)
{
  const char *setup[] = {
    "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":4,\"out_features\":3}}",
    "{\"op\":\"optimizer\",\"id\":\"opt\",\"type\":\"Adam\",\"params\":\"fc\",\"args\":{\"lr\":0.01}}",
    "{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"ExponentialLR\",\"optimizer\":\"opt\",\"args\":{\"gamma\":0.5}}",
    "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"randn\":[5,4]},\"name\":\"loss\","
    "\"loss\":{\"type\":\"MSELoss\",\"args\":{},\"target\":{\"randn\":[5,3]}}}",
    "{\"op\":\"backward\",\"output\":\"loss\"}",
  };
  PsState *st = ps_state_new (3, PS_FLAVOUR_AVX2, "fc");
  guint n = 1;
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    st = apply (st, n++, setup[i]);
  PsModule *fc = ps_state_get_module (st, "fc");
  PsParam *w = ps_module_get_param (fc, "weight");
  g_assert_nonnull (w->grad);
  g_autoptr (PsTensor) w0 = ps_tensor_ref (w->value);
  g_autoptr (PsTensor) g0 = ps_tensor_ref (w->grad);
  /* a second backward through the freed graph fails as in torch, and changes nothing */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (PsOp) op = parse_op ("{\"op\":\"backward\",\"output\":\"loss\"}", &error);
    g_assert_no_error (error);
    g_assert_null (ps_op_apply (st, op, n, &error));
    g_assert_true (strstr (error->message, "Trying to backward through the graph a second time") != NULL);
  }
  st = apply (st, n++, "{\"op\":\"step\",\"optimizer\":\"opt\"}");
  w = ps_module_get_param (ps_state_get_module (st, "fc"), "weight");
  g_assert_false (ps_tensor_equal (w->value, w0));
  g_assert_true (ps_tensor_equal (w->grad, g0));   /* step leaves .grad */
  st = apply (st, n++, "{\"op\":\"scheduler_step\",\"scheduler\":\"s\"}");
  g_assert_cmpfloat (ps_optimizer_get_lr (ps_state_get_train_object (st, "opt")->optimizer), ==, 0.005);
  st = apply (st, n++, "{\"op\":\"zero_grad\",\"optimizer\":\"opt\"}");
  w = ps_module_get_param (ps_state_get_module (st, "fc"), "weight");
  for (int64_t k = 0; k < w->grad->numel; k++)
    g_assert_cmpfloat (ps_tensor_f32 (w->grad)[k], ==, 0.0f);   /* 1.13: set_to_none=False */
  st = apply (st, n++, "{\"op\":\"zero_grad\",\"optimizer\":\"opt\",\"set_to_none\":true}");
  g_assert_null (ps_module_get_param (ps_state_get_module (st, "fc"), "weight")->grad);
  /* two backwards accumulate: .grad = g1 + g2 */
  st = apply (st, n++, "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[2,4]},\"name\":\"l2\","
                        "\"loss\":{\"type\":\"L1Loss\",\"args\":{\"reduction\":\"sum\"},\"target\":{\"zeros\":[2,3]}}}");
  st = apply (st, n++, "{\"op\":\"backward\",\"output\":\"l2\"}");
  g_autoptr (PsTensor) g1 = ps_tensor_ref (ps_module_get_param (ps_state_get_module (st, "fc"), "bias")->grad);
  st = apply (st, n++, "{\"op\":\"forward\",\"target\":\"fc\",\"input\":{\"ones\":[2,4]},\"name\":\"l3\","
                        "\"loss\":{\"type\":\"L1Loss\",\"args\":{\"reduction\":\"sum\"},\"target\":{\"zeros\":[2,3]}}}");
  st = apply (st, n++, "{\"op\":\"backward\",\"output\":\"l3\"}");
  PsTensor *g2 = ps_module_get_param (ps_state_get_module (st, "fc"), "bias")->grad;
  for (int64_t k = 0; k < g2->numel; k++)
    g_assert_cmpfloat (ps_tensor_f32 (g2)[k], ==, 2.0f * ps_tensor_f32 (g1)[k]);
  ps_state_unref (st);
}

/* `needle` occurs in `message` and is not the start of a longer number there ("-1" is not in
 * "… rate: -1.0"). */
static gboolean
has_text (const char *message, const char *needle)
{
  for (const char *p = strstr (message, needle); p != NULL; p = strstr (p + 1, needle))
    {
      const char *end = p + strlen (needle);
      if (!g_ascii_isdigit (end[-1]) || (*end != '.' && !g_ascii_isdigit (*end) && *end != 'e'))
        return TRUE;
    }
  return FALSE;
}

static void
expect_error (PsState *st, const char *json, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsOp) op = parse_op (json, &error);
  PsGenerator before = st->gen;
  if (op != NULL)
    g_assert_null (ps_op_apply (st, op, 9, &error));
  g_assert_nonnull (error);
  if (!has_text (error->message, needle))
    g_error ("expected '%s' in: %s", needle, error->message);
  g_assert_true (ps_generator_equal (&before, &st->gen));
}

static void
test_errors (void)
{
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  st = apply (st, 1, "{\"op\":\"module\",\"id\":\"m\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}");
  st = apply (st, 2, "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"blobs\",\"args\":{\"n\":20}}");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"e\",\"type\":\"moons\"}", "unknown data set type 'moons'");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\"}", "'d' is already used");
  /* torch prints the value as Python has it: SGD(lr=-1) says -1, SGD(lr=-1.0) says -1.0 */
  expect_error (st, "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":\"m\",\"args\":{\"lr\":-1}}",
                "Invalid learning rate: -1");
  expect_error (st, "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":\"m\",\"args\":{\"lr\":-1.0}}",
                "Invalid learning rate: -1.0");
  expect_error (st, "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":\"m\",\"args\":{\"lr\":0.1,\"mom\":1}}",
                "unexpected keyword argument 'mom'");
  expect_error (st, "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"Lion\",\"params\":\"m\"}", "unknown optimizer 'Lion'");
  st = apply (st, 3, "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":\"m\",\"args\":{\"lr\":0.1}}");
  expect_error (st, "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\"},"
                    "\"steps\":3,\"batch_size\":4}", "Target 2 is out of bounds.");
  expect_error (st, "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"MSELoss\"},"
                    "\"epochs\":1,\"steps\":3}", "give exactly one of");
  expect_error (st, "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"MSELoss\"},"
                    "\"steps\":3,\"batch_size\":4}", "Using a target size ([4, 1]) that is different to the input size ([4, 2])");
  expect_error (st, "{\"op\":\"backward\",\"output\":\"nothing\"}", "no output named 'nothing'");
  expect_error (st, "{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"OneCycleLR\",\"optimizer\":\"o\",\"args\":{\"max_lr\":1}}",
                "You must define either total_steps OR (epochs AND steps_per_epoch)");
  ps_state_unref (st);
}

/* NaN, infinities and negative values in optimizer, scheduler and loss arguments (the recipe's
 * "nan", "inf", "-inf"), taken or refused as torch 1.13 does with its exact message (golden from
 * tests/golden/gen_train_nonfinite.py): SGD's `lr < 0.0` lets NaN through, Adam's `not 0.0 <= lr`
 * does not; an explicit NaN is not "missing"; a loss checks in its call. */
static void
test_nonfinite_numbers (void)
{
  g_autoptr (JsonNode) golden = golden_merge_dir ("train-nonfinite-golden");   /* one file a type */
  JsonArray *cases = json_object_get_array_member (json_node_get_object (golden), "cases");
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  st = apply (st, 1, "{\"op\":\"module\",\"id\":\"m\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}");
  st = apply (st, 2, "{\"op\":\"optimizer\",\"id\":\"sgd\",\"type\":\"SGD\",\"params\":\"m\",\"args\":{\"lr\":0.1,\"momentum\":0.9}}");
  const int64_t shape[2] = { 4, 2 };
  const float xs[8] = { 0.5f, -1.0f, 2.0f, 0.25f, -0.5f, 1.5f, 0.0f, 1.0f };
  const float ts[8] = { 0.0f, 1.0f, -1.0f, 0.5f, 2.0f, 0.0f, 1.0f, -2.0f };
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, xs, NULL);
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (2, shape, ts, NULL);
  g_autoptr (PsTensor) y = ps_tensor_new_1d (PS_DTYPE_INT64, 4, NULL);
  ps_tensor_i64 (y)[1] = ps_tensor_i64 (y)[2] = 1;
  guint n_refused = 0, n_taken = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *kind = json_object_get_string_member (c, "kind"), *type = json_object_get_string_member (c, "type");
      g_autofree char *args = node_json (json_object_get_member (c, "args"));
      JsonNode *want = json_object_get_member (c, "error");
      g_autoptr (GError) error = NULL;
      gboolean ok;
      if (strcmp (kind, "loss") == 0)
        {
          g_autofree char *text = g_strdup_printf ("{\"type\": \"%s\", \"args\": %s}", type, args);
          g_autoptr (JsonParser) lp = json_parser_new ();
          g_assert_true (json_parser_load_from_data (lp, text, -1, NULL));
          PsLoss loss;
          ok = ps_train_loss_from_json (json_parser_get_root (lp), &loss, &error);
          if (ok)
            {
              PsTensor *v = ps_loss_compute (&loss, x, ps_loss_wants_indices (&loss) ? y : t, NULL, &error);
              ok = v != NULL;
              ps_tensor_unref (v);
            }
          ps_loss_clear (&loss);
        }
      else
        {
          g_autofree char *text = strcmp (kind, "optimizer") == 0
            ? g_strdup_printf ("{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"%s\",\"params\":\"m\",\"args\":%s}", type, args)
            : g_strdup_printf ("{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"%s\",\"optimizer\":\"sgd\",\"args\":%s}", type, args);
          g_autoptr (PsOp) op = parse_op (text, &error);
          PsState *next = op != NULL ? ps_op_apply (st, op, 3, &error) : NULL;
          ok = next != NULL;
          if (next != NULL)
            ps_state_unref (next);
        }
      if (JSON_NODE_HOLDS_NULL (want))
        {
          if (!ok)
            g_error ("%s %s(%s): torch takes it, got: %s", kind, type, args, error->message);
          n_taken++;
        }
      else
        {
          if (ok)
            g_error ("%s %s(%s): torch refuses it (%s), got success", kind, type, args, json_node_get_string (want));
          if (!has_text (error->message, json_node_get_string (want)))
            g_error ("%s %s(%s): expected \"%s\", got \"%s\"", kind, type, args, json_node_get_string (want), error->message);
          n_refused++;
        }
    }
  g_test_message ("%u cases taken, %u refused as torch does", n_taken, n_refused);
  g_assert_cmpuint (n_taken + n_refused, >=, 155 + 48);   /* + optimizer arguments as Python ints */
  g_assert_cmpuint (n_refused, >=, 87 + 27);
  ps_state_unref (st);
}

/* Each training op kind checks its own fields when the op is read (before any state exists). */
static void
test_load_errors (void)
{
#define TRAIN_HEAD "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"MSELoss\"},"
  static const struct { const char *json, *message; } cases[] = {
    { "{\"op\":\"dataset\",\"id\":3,\"type\":\"xor\"}", "op 9 (dataset): field 'id': expected a string" },
    { "{\"op\":\"dataset\",\"id\":\"\",\"type\":\"xor\"}", "op 9 (dataset): field 'id': must not be empty" },
    { "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":[1]}", "op 9 (dataset): field 'args': expected an object" },
    { "{\"op\":\"dataset\",\"id\":\"d\"}",
      "op 9 (dataset): field 'type': give either \"type\" (xor, circles, blobs, fashion_mnist) or \"file\"" },
    { "{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"a.npz\",\"x\":\"X\"}",
      "op 9 (dataset): field 'y': missing (the array names of inputs and targets in the file)" },
    { "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\"}", "op 9 (optimizer): field 'params': missing" },
    { "{\"op\":\"zero_grad\",\"optimizer\":\"o\",\"set_to_none\":1}", "op 9 (zero_grad): field 'set_to_none': expected a boolean" },
    { "{\"op\":\"scheduler_step\",\"scheduler\":true}", "op 9 (scheduler_step): field 'scheduler': expected a string" },
    { "{\"op\":\"backward\",\"output\":\"l\",\"retain_graph\":true}", "op 9 (backward): field 'retain_graph': unknown field" },
    { TRAIN_HEAD "\"steps\":2.5}", "op 9 (train): field 'steps': expected an integer" },
    { TRAIN_HEAD "\"steps\":0}", "op 9 (train): field 'steps': must be at least 1" },
    { TRAIN_HEAD "\"steps\":1,\"record_every\":0}", "op 9 (train): field 'record_every': must be at least 1" },
    { TRAIN_HEAD "\"steps\":1,\"scheduler_every\":\"batch\"}",
      "op 9 (train): field 'scheduler_every': expected \"epoch\" or \"step\", got \"batch\"" },
    { TRAIN_HEAD "\"steps\":1,\"clip_grad_norm\":\"1\"}", "op 9 (train): field 'clip_grad_norm': expected a number" },
    { TRAIN_HEAD "\"steps\":1,\"loss\":\"MSELoss\"}", "op 9 (train): field 'loss': expected an object" },
  };
#undef TRAIN_HEAD
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsOp) op = parse_op (cases[i].json, &error);
      g_assert_null (op);
      g_assert_nonnull (error);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("%s: expected '%s', got: %s", cases[i].json, cases[i].message, error->message);
    }
  /* a valid op keeps its fields: written back as given */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsOp) op = parse_op ("{\"op\":\"zero_grad\",\"optimizer\":\"o\",\"set_to_none\":true}", &error);
  g_assert_no_error (error);
  g_assert_true (ps_op_has_field (op, "set_to_none"));
  g_autoptr (JsonObject) back = ps_op_to_json (op);
  g_assert_true (json_object_get_boolean_member (back, "set_to_none"));
  g_autofree char *d = ps_op_describe (op, NULL, NULL, NULL);
  g_assert_true (g_str_has_prefix (d, "o.zero_grad() failed"));   /* no state after: an action */
}

static void
test_example (void)
{
  const char *src = g_getenv ("PS_SOURCE_DIR");
  g_assert_nonnull (src);
  g_autofree char *path = g_build_filename (src, "examples", "train-xor.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_recipe_required_version (recipe), ==, 3);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, NULL);
  PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
  g_assert_nonnull (st->train_log);
  g_assert_cmpuint (st->train_log->records->len, ==, 20);
  /* the same run as the golden "xor-Tanh-sgd" (seed 0): the last record's parameters */
  JsonArray *runs = tg_section ("runs");
  JsonObject *golden = NULL;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (runs, r), "name"), "xor-Tanh-sgd"))
      golden = json_array_get_object_element (runs, r);
  g_assert_nonnull (golden);
  JsonArray *rec = json_object_get_array_member (golden, "record");
  JsonObject *last = json_array_get_object_element (rec, json_array_get_length (rec) - 1);
  PsModule *mlp = ps_state_get_module (st, "mlp");
  const char *paths[] = { "0.weight", "0.bias", "2.weight", "2.bias" };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      PsParam *p = NULL;
      g_assert_true (ps_module_resolve (mlp, paths[i], NULL, &p, NULL));
      tg_check (paths[i], p->value, json_object_get_object_member (json_object_get_object_member (last, "params"), paths[i]));
    }
}


/* Fashion-MNIST from the Debian package: shapes, pixel scaling, labels; SKIP without the package. */
static void
test_fashion_mnist (void)
{
  if (!g_file_test (PS_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz", G_FILE_TEST_EXISTS) && g_getenv ("PS_FASHION_MNIST_DIR") == NULL)
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  st = apply (st, 1, "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"fashion_mnist\",\"args\":{\"split\":\"test\",\"limit\":100}}");
  PsDataset *d = ps_state_get_train_object (st, "d")->dataset;
  g_assert_cmpint (d->x->ndim, ==, 4);
  g_assert_cmpint (d->x->shape[0], ==, 100);
  g_assert_cmpint (d->x->shape[2], ==, 28);
  g_assert_cmpint (d->n_classes, ==, 10);   /* the first 100 test images cover all ten classes */
  /* pixels are k/255 for bytes k: 0 and 1 occur, everything in between is such a fraction */
  const float *x = ps_tensor_cf32 (d->x);
  float mx = 0.0f;
  for (int64_t i = 0; i < d->x->numel; i++)
    {
      float k = x[i] * 255.0f;
      g_assert_cmpfloat (fabsf (k - rintf (k)), <, 1e-4);
      mx = MAX (mx, x[i]);
    }
  g_assert_cmpfloat (mx, ==, 1.0f);
  /* torchvision's FashionMNIST test set begins with labels 9, 2, 1, 1, 6 */
  const int64_t first[5] = { 9, 2, 1, 1, 6 };
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (ps_tensor_ci64 (d->y)[i], ==, first[i]);
  ps_state_unref (st);
  /* a missing directory names the package */
  g_setenv ("PS_FASHION_MNIST_DIR", "/nonexistent", TRUE);
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_fashion_mnist_load ("train", 10, &error));
  g_assert_true (strstr (error->message, "dataset-fashion-mnist") != NULL);
  g_unsetenv ("PS_FASHION_MNIST_DIR");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/train-recipe/golden-runs", GINT_TO_POINTER (FALSE), test_golden_runs);
  g_test_add_data_func ("/train-recipe/golden-runs-last-only", GINT_TO_POINTER (TRUE), test_golden_runs);
  g_test_add_func ("/train-recipe/dissected", test_dissected);
  g_test_add_func ("/train-recipe/errors", test_errors);
  g_test_add_func ("/train-recipe/nonfinite-numbers", test_nonfinite_numbers);
  g_test_add_func ("/train-recipe/load-errors", test_load_errors);
  g_test_add_func ("/train-recipe/example", test_example);
  g_test_add_func ("/train-recipe/fashion-mnist", test_fashion_mnist);
  return g_test_run ();
}
