/* MaxPool1d/2d(return_indices=True) against torch 1.13 (tests/data/tuple-input-errors.json, made by
 * tests/golden/gen_tuple_input.py): the (output, indices) tuple bit for bit (ties, ±0, NaN,
 * padding, dilation, ceil_mode, unbatched), with and without a gradient tape; the tuple fed to every
 * registered class (as the second child of a Sequential) passes through Identity / a Sequential and
 * otherwise fails with torch's text for that class (convolutions: per bias / padding / padding_mode);
 * a loss given the tuple fails with torch's text; the generator is untouched by a failed forward. */
#include "layer-golden.h"
#include "layer-args-test-util.h"
#include "ps-autograd.h"
#include "ps-loss.h"

static JsonObject *
root (JsonParser *p)
{
  return json_node_get_object (json_parser_get_root (p));
}

static void
assert_indices (const char *what, const PsTensor *got, JsonObject *want)
{
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (want, "shape"), shape);
  g_assert_nonnull (got);
  g_assert_cmpint (got->dtype, ==, PS_DTYPE_INT64);
  g_assert_cmpint (got->ndim, ==, nd);
  g_assert_cmpmem (got->shape, nd * sizeof (int64_t), shape, nd * sizeof (int64_t));
  JsonArray *a = json_object_get_array_member (want, "int");
  g_assert_cmpuint (json_array_get_length (a), ==, (guint) got->numel);
  for (int64_t i = 0; i < got->numel; i++)
    if (ps_tensor_ci64 (got)[i] != json_array_get_int_element (a, (guint) i))
      g_error ("%s: indices[%" G_GINT64_FORMAT "] = %" G_GINT64_FORMAT ", torch %" G_GINT64_FORMAT, what, i,
               ps_tensor_ci64 (got)[i], json_array_get_int_element (a, (guint) i));
}

static void
test_tuple (void)
{
  g_autoptr (JsonParser) p = golden_load ("tuple-input-errors.json");
  JsonArray *cases = json_object_get_array_member (root (p), "indices");
  guint64 n = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (PsModule) m = ps_module_new (json_object_get_string_member (c, "type"), args, &gen, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) x = layer_tensor_from_json (json_object_get_object_member (c, "x"));
      for (int taped = 0; taped < 2; taped++)
        {
          g_autofree char *what = g_strdup_printf ("%s%s", name, taped ? " (tape)" : "");
          PsTape *tape = taped ? ps_tape_new () : NULL;
          g_autoptr (PsTensor) y = taped ? ps_tape_forward (tape, m, x, &gen, &error)
                                         : ps_module_forward (m, x, &gen, &error);
          g_assert_no_error (error);
          layer_assert_bits (what, y, json_object_get_object_member (c, "y"));
          assert_indices (what, y->tuple_next, json_object_get_object_member (c, "indices"));
          g_assert_null (y->tuple_next->tuple_next);
          n += (guint64) y->numel * 2;
          if (tape != NULL)
            ps_tape_free (tape);
        }
    }
  g_test_message ("%u cases, %" G_GUINT64_FORMAT " values and indices identical to torch",
                  json_array_get_length (cases), n);
  g_assert_cmpuint (json_array_get_length (cases), ==, 11);
}

/* Sequential(MaxPool2d(2, return_indices=True), m)(x) with x (2, 4, 8, 8): NULL when it returns the
 * tuple, else the error text; the generator must be untouched on error. */
/* A MaxPool of `type` with kernel_size 2 (returning its indices too when asked). */
static PsModule *
new_max_pool (const char *type, gboolean return_indices, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) pa = ps_args_new ();
  ps_args_set_int (pa, "kernel_size", 2);
  ps_args_set_bool (pa, "return_indices", return_indices);
  PsModule *pool = ps_module_new (type, pa, gen, &error);
  g_assert_no_error (error);
  return pool;
}

static PsModule *
new_identity (PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) none = ps_args_new ();
  PsModule *id = ps_module_new ("Identity", none, gen, &error);
  g_assert_no_error (error);
  return id;
}

static char *
feed (PsModule *m, gboolean *passed)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 3, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) pool = new_max_pool ("MaxPool2d", TRUE, &gen);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", "CustomModel", &error);
  g_assert_true (ps_module_add_child (s, "pool", pool, &error));
  g_assert_true (ps_module_add_child (s, "next", m, &error));
  int64_t shape[] = { 2, 4, 8, 8 };
  g_autoptr (PsTensor) x = golden_randn (&gen, 4, shape, 1.0, 0.0);
  PsGenerator before = gen;
  g_autoptr (PsTensor) y = ps_module_forward (s, x, &gen, &error);
  *passed = y != NULL;
  if (y != NULL)
    {
      g_assert_nonnull (y->tuple_next);   /* the tuple itself */
      g_assert_cmpint (y->tuple_next->dtype, ==, PS_DTYPE_INT64);
      return NULL;
    }
  g_assert_cmpmem (&before, sizeof before, &gen, sizeof gen);
  g_autofree char *direct = ps_module_tuple_input_error (m);
  g_assert_cmpstr (direct, ==, error->message);
  return g_strdup (error->message);
}

static void
test_next_layer (void)
{
  g_autoptr (JsonParser) p = golden_load ("tuple-input-errors.json");
  JsonObject *layers = json_object_get_object_member (root (p), "layers");
  const PsModuleClass *const *classes = ps_module_classes ();
  guint n = 0;
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      if (k->is_container && strcmp (k->name, "Sequential") != 0)
        continue;   /* ModuleList, ModuleDict: no forward */
      if (!json_object_has_member (layers, k->name))
        g_error ("%s is not in tuple-input-errors.json: run /usr/bin/python3 tests/golden/gen_tuple_input.py",
                 k->name);
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = small_args (k);
      g_autoptr (PsModule) m = k->is_container ? ps_module_new_container (k->name, NULL, &error)
                                               : ps_module_new (k->name, args, &gen, &error);
      g_assert_no_error (error);
      gboolean passed;
      g_autofree char *got = feed (m, &passed);
      JsonNode *want = json_object_get_member (layers, k->name);
      g_test_message ("%s: %s", k->name, passed ? "passes the tuple on" : got);
      if (JSON_NODE_HOLDS_NULL (want))
        g_assert_true (passed);
      else
        g_assert_cmpstr (got, ==, json_node_get_string (want));
      n++;
    }
  g_assert_cmpuint (n, ==, json_object_get_size (layers));

  JsonObject *convs = json_object_get_object_member (root (p), "convs");
  g_autoptr (GList) keys = json_object_get_members (convs);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonObject *c = json_object_get_object_member (convs, l->data);
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (PsModule) m = ps_module_new (json_object_get_string_member (c, "type"), args, &gen, &error);
      g_assert_no_error (error);
      gboolean passed;
      g_autofree char *got = feed (m, &passed);
      g_assert_false (passed);
      g_assert_cmpstr (got, ==, json_object_get_string_member (c, "text"));
    }
  g_assert_cmpuint (g_list_length (keys), ==, 5);
}

static void
test_losses (void)
{
  g_autoptr (JsonParser) p = golden_load ("tuple-input-errors.json");
  JsonObject *losses = json_object_get_object_member (root (p), "losses");
  g_autoptr (GList) names = json_object_get_members (losses);
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) pool = new_max_pool ("MaxPool2d", TRUE, &gen);
  int64_t shape[] = { 2, 4, 8, 8 };
  g_autoptr (PsTensor) x = golden_randn (&gen, 4, shape, 1.0, 0.0);
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, pool, x, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, y->ndim, y->shape, &error);
  for (GList *l = names; l != NULL; l = l->next)
    {
      PsLoss loss = { 0 };
      g_assert_true (ps_loss_kind_from_name (l->data, &loss.kind));
      loss.reduction = PS_REDUCTION_MEAN;
      g_autoptr (GError) e = NULL;
      g_autoptr (PsTensor) gout = NULL;
      g_autoptr (PsTensor) out = ps_loss_compute (&loss, y, t, &gout, &e);
      g_assert_null (out);
      g_assert_cmpstr (e->message, ==, json_object_get_string_member (losses, l->data));
    }
  g_assert_cmpuint (g_list_length (names), ==, 8);
  ps_tape_free (tape);
}

/* MaxPool1d's checks as torch 1.13 runs them (tests/data/max-pool1d-errors.json, made by
 * tests/golden/gen_max_pool1d_errors.py): return_indices=True and an input that requires grad under
 * autograd take max_pool1d_with_indices (the 2-d texts, an empty output refused); otherwise
 * max_pool1d_impl's checks. Each case on the data without a tape, on the data under a tape (the
 * data does not require grad: torch's impl path) and after a PReLU under a tape. */
static void
test_errors_1d (void)
{
  g_autoptr (JsonParser) p = golden_load ("max-pool1d-errors.json");
  JsonArray *cases = json_object_get_array_member (root (p), "cases");
  guint n_err = 0, n_ok = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const gboolean ri = json_object_get_boolean_member (c, "return_indices");
      const gboolean rg = json_object_get_boolean_member (c, "requires_grad");
      int64_t shape[PS_MAX_DIMS];
      const int nd = golden_shape (json_object_get_array_member (c, "shape"), shape);
      JsonNode *want_err = json_object_get_member (c, "error");
      for (int taped = rg; taped < 2; taped++)
        {
          g_autofree char *what = g_strdup_printf ("%s return_indices=%d %s", json_object_get_string_member (c, "name"),
                                                   ri, rg ? "after PReLU (tape)" : taped ? "on the data (tape)"
                                                                                      : "on the data");
          g_autoptr (GError) error = NULL;
          PsGenerator gen;
          ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
          g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
          ps_args_set_bool (args, "return_indices", ri);
          g_autoptr (PsModule) pool = ps_module_new ("MaxPool1d", args, &gen, &error);
          g_assert_no_error (error);
          g_autoptr (PsModule) m = NULL;
          if (rg)
            {
              g_autoptr (PsArgs) none = ps_args_new ();
              g_autoptr (PsModule) prelu = ps_module_new ("PReLU", none, &gen, &error);
              g_assert_no_error (error);
              m = ps_module_new_container ("Sequential", NULL, &error);
              g_assert_true (ps_module_add_child (m, "0", prelu, &error));
              g_assert_true (ps_module_add_child (m, "1", pool, &error));
            }
          else
            m = ps_module_ref (pool);
          g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, &error);
          g_assert_no_error (error);
          PsTape *tape = taped ? ps_tape_new () : NULL;
          g_autoptr (PsTensor) y = taped ? ps_tape_forward (tape, m, x, &gen, &error) : ps_module_forward (m, x, &gen, &error);
          if (tape)
            ps_tape_free (tape);
          g_test_message ("%s: %s", what, y ? "ok" : error->message);
          if (!JSON_NODE_HOLDS_NULL (want_err))
            {
              if (y != NULL)
                g_error ("%s: no error, torch: %s", what, json_node_get_string (want_err));
              g_assert_cmpstr (error->message, ==, json_node_get_string (want_err));
              n_err++;
              continue;
            }
          if (y == NULL)
            g_error ("%s: %s (torch runs it)", what, error->message);
          int64_t want[PS_MAX_DIMS];
          const int wn = golden_shape (json_object_get_array_member (c, "out_shape"), want);
          g_assert_cmpint (y->ndim, ==, wn);
          g_assert_cmpmem (y->shape, wn * sizeof (int64_t), want, wn * sizeof (int64_t));
          g_assert_true ((y->tuple_next != NULL) == ri);
          if (ri)
            g_assert_cmpmem (y->tuple_next->shape, wn * sizeof (int64_t), want, wn * sizeof (int64_t));
          n_ok++;
        }
    }
  g_test_message ("%u errors, %u outputs as torch", n_err, n_ok);
  g_assert_cmpuint (json_array_get_length (cases), ==, 100);
  g_assert_cmpuint (n_err, >, 100);
}

/* A caller that needs one tensor (the decision boundary) gets a clear error for a model returning
 * MaxPool's tuple — naming the model, the pool's path and torch's argmax text — not element [0]. */
static void
test_forward_tensor (void)
{
  for (int ri = 0; ri < 2; ri++)
    {
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) la = ps_args_new ();
      ps_args_set_int (la, "in_features", 2);
      ps_args_set_int (la, "out_features", 4);
      g_autoptr (PsModule) fc = ps_module_new ("Linear", la, &gen, &error);
      g_assert_no_error (error);
      g_autoptr (PsModule) pool = new_max_pool ("MaxPool1d", ri, &gen);
      g_autoptr (PsModule) id = new_identity (&gen);
      g_autoptr (PsModule) head = ps_module_new_container ("Sequential", NULL, &error);
      g_assert_true (ps_module_add_child (head, "pool", pool, &error));
      g_assert_true (ps_module_add_child (head, "same", id, &error));
      g_autoptr (PsModule) model = ps_module_new_container ("Sequential", "Net", &error);
      g_assert_true (ps_module_add_child (model, "fc", fc, &error));
      g_assert_true (ps_module_add_child (model, "head", head, &error));
      int64_t shape[] = { 5, 2 };
      g_autoptr (PsTensor) x = golden_randn (&gen, 2, shape, 1.0, 0.0);
      g_autoptr (PsTensor) plain = ps_module_forward (model, x, &gen, &error);
      g_assert_no_error (error);
      g_assert_true ((plain->tuple_next != NULL) == ri);   /* the model does return the tuple */
      g_autoptr (PsTensor) y = ps_module_forward_tensor (model, x, &gen, "the decision boundary", &error);
      if (!ri)
        {
          g_assert_no_error (error);
          g_assert_cmpint (y->shape[0], ==, 5);
          g_assert_cmpint (y->shape[1], ==, 2);
          continue;
        }
      g_assert_null (y);
      g_assert_cmpstr (error->message, ==,
                       "the model Net returns a tuple (output, indices) (from its 'head.pool', a MaxPool1d with "
                       "return_indices=True), not one tensor of class scores: the decision boundary needs a tensor, "
                       "as torch's argmax does (argmax(): argument 'input' (position 1) must be Tensor, not tuple)");
    }
  /* the pair passed on by a last child Sequential(Identity()): the message still names its pool */
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) pool = new_max_pool ("MaxPool1d", TRUE, &gen);
  g_autoptr (PsModule) id = new_identity (&gen);
  g_autoptr (PsModule) block = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_true (ps_module_add_child (block, "pool", pool, &error));
  g_autoptr (PsModule) tail = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_true (ps_module_add_child (tail, "same", id, &error));
  g_autoptr (PsModule) model = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_true (ps_module_add_child (model, "block", block, &error));
  g_assert_true (ps_module_add_child (model, "tail", tail, &error));
  int64_t shape[] = { 5, 4 };
  g_autoptr (PsTensor) x = golden_randn (&gen, 2, shape, 1.0, 0.0);
  g_autoptr (PsTensor) y = ps_module_forward_tensor (model, x, &gen, "the decision boundary", &error);
  g_assert_null (y);
  g_assert_nonnull (strstr (error->message, "the model Sequential returns a tuple (output, indices) (from its "
                                            "'block.pool', a MaxPool1d with return_indices=True)"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/max-pool-indices/tuple", test_tuple);
  g_test_add_func ("/max-pool-indices/next-layer", test_next_layer);
  g_test_add_func ("/max-pool-indices/losses", test_losses);
  g_test_add_func ("/max-pool-indices/errors-1d", test_errors_1d);
  g_test_add_func ("/max-pool-indices/forward-tensor", test_forward_tensor);
  return g_test_run ();
}
