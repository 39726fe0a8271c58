/* Facts each layer's class carries (src/core/ps-module.h): torch's hasattr(reset_parameters), the
 * registered classes it derives from (isinstance), how many inputs forward takes, whether it
 * returns a tuple — checked against torch 1.13 (tests/data/layer-facts.json, made by
 * tests/golden/gen_layer_facts.py) for every registered type; and the example input (the Forward
 * dialog's default): every registered type, built with small valid arguments, runs forward on it. */
#include "ps-autograd.h"
#include "ps-module.h"
#include "layer-args-test-util.h"

#include <json-glib/json-glib.h>
#include <string.h>

static JsonObject *
facts (JsonParser *p)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), "layer-facts.json", NULL);
  g_autoptr (GError) error = NULL;
  if (!json_parser_load_from_file (p, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "facts");
}

static void
test_facts_match_torch (void)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *all = facts (p);
  const PsModuleClass *const *classes = ps_module_classes ();
  guint n = 0;
  for (guint i = 0; classes[i] != NULL; i++, n++)
    {
      const PsModuleClass *k = classes[i];
      if (!json_object_has_member (all, k->name))
        g_error ("%s is not in layer-facts.json: run /usr/bin/python3 tests/golden/gen_layer_facts.py", k->name);
      JsonObject *f = json_object_get_object_member (all, k->name);
      g_test_message ("%s", k->name);
      g_assert_cmpint (ps_module_class_has_reset_parameters (k), ==,
                       json_object_get_boolean_member (f, "has_reset_parameters"));
      /* bases: the other registered classes it is a subclass of */
      GString *bases = g_string_new (NULL);
      for (guint j = 0; classes[j] != NULL; j++)
        if (classes[j] != k && ps_module_class_is_a (k, classes[j]))
          g_string_append_printf (bases, "%s%s", bases->len ? "," : "", classes[j]->name);
      GString *want = g_string_new (NULL);
      JsonArray *wb = json_object_get_array_member (f, "bases");
      for (guint j = 0; j < json_array_get_length (wb); j++)
        g_string_append_printf (want, "%s%s", j ? "," : "", json_array_get_string_element (wb, j));
      g_assert_cmpstr (bases->str, ==, want->str);
      g_string_free (bases, TRUE);
      g_string_free (want, TRUE);
      if (k->is_container)
        continue;   /* no forward of their own */
      g_assert_cmpint (k->n_inputs > 1 ? k->n_inputs : 1, ==, json_object_get_int_member (f, "n_inputs"));
      g_assert_cmpint (k->returns_tuple, ==, json_object_get_boolean_member (f, "returns_tuple"));
      g_assert_true (!k->returns_tuple || k->tuple_note != NULL);
      if (k->backward != NULL)   /* a class naming its backward: the tape finds it */
        g_assert_true (ps_backward_lookup (k) == (PsBackwardFunc) k->backward);
    }
  g_assert_cmpuint (n, ==, json_object_get_size (all));
}

static PsTensor *
make_example (const PsExampleInput *ex, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  PsTensor *x = ps_tensor_new_empty (ex->dtype, ex->ndim, ex->shape, &error);
  g_assert_no_error (error);
  if (ex->dtype == PS_DTYPE_INT64)
    g_assert_true (ps_generator_randint (gen, 0, ex->high, ps_tensor_i64 (x), (size_t) x->numel, NULL));
  else
    ps_generator_normal_f32 (gen, ps_tensor_f32 (x), (size_t) x->numel, 0.0, 1.0, TRUE);
  return x;
}

static void
run_example (PsModule *m, PsGenerator *gen, const char *what)
{
  PsExampleInput ex;
  ps_module_example_input (m, &ex);
  g_assert_cmpint (ex.ndim, >=, 1);
  g_autoptr (PsTensor) x = make_example (&ex, gen);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) y = ps_module_forward (m, x, gen, &error);
  if (y == NULL)
    g_error ("%s: forward on its example input %s failed: %s", what, ps_shape_to_string (ex.ndim, ex.shape),
             error->message);
}

static void
test_example_input_runs (void)
{
  const PsModuleClass *const *classes = ps_module_classes ();
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      g_autoptr (GError) error = NULL;
      if (k->is_container)
        {
          /* a container's example is its first child's; an empty Sequential passes its input on */
          g_autoptr (PsModule) c = ps_module_new_container (k->name, NULL, &error);
          g_assert_no_error (error);
          if (strcmp (k->name, "Sequential") == 0)
            run_example (c, &gen, "Sequential()");
          continue;
        }
      g_autoptr (PsArgs) args = small_args (k);
      g_autoptr (PsModule) m = ps_module_new (k->name, args, &gen, &error);
      g_assert_no_error (error);
      run_example (m, &gen, k->name);
      /* in a Sequential, as the dialog sees a model */
      g_autoptr (PsModule) fresh = ps_module_new (k->name, args, &gen, &error);
      g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, &error);
      g_assert_true (ps_module_add_child (s, "0", fresh, &error));
      PsExampleInput a, b;
      ps_module_example_input (s, &a);
      ps_module_example_input (fresh, &b);
      g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
    }
}

/* The cases the old guess in the app got wrong: the example follows the layer's arguments. */
static void
test_example_input_follows_args (void)
{
  static const struct { const char *type, *arg; int64_t value; const char *shape; } cases[] = {
    { "Conv1d", "kernel_size", 5, "[1, 4, 8]" },
    { "Conv3d", "kernel_size", 3, "[1, 4, 6, 6, 6]" },
    { "BatchNorm2d", NULL, 0, "[2, 4, 4, 4]" },
    { "LSTM", NULL, 0, "[5, 1, 4]" },
    { "Embedding", NULL, 0, "[1, 5]" },
  };
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (PsArgs) args = small_args (ps_module_class_lookup (cases[i].type));
      if (cases[i].arg)
        ps_args_set_int (args, cases[i].arg, cases[i].value);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new (cases[i].type, args, &gen, &error);
      g_assert_no_error (error);
      PsExampleInput ex;
      ps_module_example_input (m, &ex);
      g_autofree char *shape = ps_shape_to_string (ex.ndim, ex.shape);
      g_assert_cmpstr (shape, ==, cases[i].shape);
      run_example (m, &gen, cases[i].type);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/layer-facts/match-torch", test_facts_match_torch);
  g_test_add_func ("/layer-facts/example-input-runs", test_example_input_runs);
  g_test_add_func ("/layer-facts/example-input-follows-args", test_example_input_follows_args);
  return g_test_run ();
}
