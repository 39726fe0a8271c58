/* The op table's field types that the training ops use (ps-op.c): a non-empty string, an integer,
 * a boolean, a number, a JSON object kept as JSON. Parsed once at load; copied and written back
 * without sharing anything with the JSON they came from. */
#include "ps-op.h"

#include <math.h>

#include <json-glib/json-glib.h>

#define TRAIN "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\"," \
              "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{\"label_smoothing\":0.1}}," \
              "\"batch_size\":4,\"shuffle\":true,\"steps\":3,\"clip_grad_norm\":\"inf\"}"

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, text, -1, NULL));
  return json_node_copy (json_parser_get_root (p));
}

static PsOp *
parse_op (const char *text, GError **error)
{
  g_autoptr (JsonNode) n = parse_json (text);
  return ps_op_new_from_json (json_node_get_object (n), 2, error);
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsOp) op = parse_op (TRAIN, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) want = parse_json (TRAIN);
  g_autoptr (JsonObject) back = ps_op_to_json (op);
  g_autoptr (JsonNode) got = json_node_init_object (json_node_alloc (), back);
  g_assert_true (json_node_equal (got, want));
  /* a copy writes back the same, and its object is its own */
  g_autoptr (PsOp) copy = ps_op_copy (op);
  g_autoptr (JsonObject) back2 = ps_op_to_json (copy);
  g_autoptr (JsonNode) got2 = json_node_init_object (json_node_alloc (), back2);
  g_assert_true (json_node_equal (got2, want));
  const PsOpTrain *t = &op->u.train, *c = &copy->u.train;
  g_assert_nonnull (t->loss);
  g_assert_true (c->loss != t->loss);
  g_assert_cmpstr (c->model, ==, "m");
  g_assert_true (c->model != t->model);
  g_assert_cmpint (c->batch_size, ==, 4);
  g_assert_true (c->shuffle);
  g_assert_true (isinf (c->clip_grad_norm.value) && !c->clip_grad_norm.integer);
}

static void
test_errors (void)
{
  const struct { const char *json, *message; } cases[] = {
    { "{\"op\":\"optimizer\",\"id\":\"\",\"type\":\"SGD\",\"params\":\"m\"}", "op 2 (optimizer): field 'id': must not be empty" },
    { "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":7}",
      "op 2 (optimizer): field 'params': expected a string, got an integer" },
    { "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"SGD\",\"params\":\"m\",\"args\":\"lr\"}",
      "op 2 (optimizer): field 'args': expected an object, got a string" },
    { "{\"op\":\"zero_grad\",\"optimizer\":\"o\",\"set_to_none\":\"yes\"}",
      "op 2 (zero_grad): field 'set_to_none': expected a boolean, got a string" },
    { "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{},\"steps\":true}",
      "op 2 (train): field 'steps': expected an integer, got a boolean" },
    { "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{},\"clip_grad_norm\":\"big\"}",
      "op 2 (train): field 'clip_grad_norm': expected a number, got 'big'" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsOp) op = parse_op (cases[i].json, &error);
      g_assert_null (op);
      g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("%s: expected '%s', got: %s", cases[i].json, cases[i].message, error->message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/op-field-types/round-trip", test_round_trip);
  g_test_add_func ("/op-field-types/errors", test_errors);
  return g_test_run ();
}
