/* test-backward.c — every layer's backward against torch 1.13 (tests/data/backward/, one file a
 * layer type, made by tests/golden/gen_backward.py): each case is replayed from its seed (construction draws,
 * init.uniform_ calls, x = randn·scale + shift, gy = randn), then y = m(x) on a gradient tape and
 * y.backward(gy) with x.requires_grad_(); y, x.grad, every parameter's .grad and the buffers after
 * the forward (running statistics) are compared with torch's bit for bit.
 *
 * /backward/runs trains small models end to end as gen_backward.py's run() does (data from the seed,
 * default init, DataLoader order, CrossEntropyLoss, backward, optimizer step): a convnet
 * (Conv2d → BatchNorm2d → ReLU → Conv2d stride 2 → ReLU → Flatten → Linear; batches of 16 through
 * oneDNN and a last batch of 1 through Slow2d) with SGD-momentum and Adam, and an MLP with
 * LayerNorm, GELU, SiLU and BatchNorm1d with AdamW; at every step the loss, every parameter,
 * every .grad and every buffer equal torch's in every bit.
 *
 * Cases that are not bit-exact are listed in `tolerated` below with the reason and the largest
 * difference in units in the last place (ulp) that is accepted; everything else must match in
 * every bit. */
#include "layer-golden.h"
#include "ps-autograd.h"
#include "ps-dataset.h"
#include "ps-layers.h"
#include "ps-loss.h"
#include "ps-optimizer.h"
#include "ps-threads.h"
#include "ps-train-step.h"
#include "train-config.h"
#include "train-golden.h"
#include "ps-reduce.h"

/* The fixture's folder in tests/data (split per layer type, its _shared.json holding the runs and
 * the sums): backward/, or PS_BACKWARD_GOLDEN's (tests/meson.build's test-backward-avx512:
 * backward-avx512/, torch's cases made at ATEN_CPU_CAPABILITY=avx512, replayed at that capability —
 * Vectorized<float> of 16 lanes in every norm kernel (InstanceNorm too), softmax and reduction,
 * MultiheadAttention's softmax backward, the RNN gates' sigmoid chunks of 32). */
static const char *
golden_dir (void)
{
  const char *d = g_getenv ("PS_BACKWARD_GOLDEN");
  return d != NULL ? d : "backward";
}

/* The folder's _shared.json, as a path inside tests/data (one string for the test's life: tg_root_of
 * keeps it as its key). */
static const char *
golden_shared (void)
{
  g_autofree char *path = g_build_filename (golden_dir (), "_shared.json", NULL);
  return g_intern_string (path);
}

typedef struct {
  const char *name;     /* case name prefix */
  const char *tensor;   /* "gx", "grad.weight", …; NULL: every tensor of the case */
  int64_t max_ulp;
  const char *why;
} Tolerated;

static const Tolerated tolerated[] = {
  { NULL }
};

static guint64 n_values = 0, n_exact_tensors = 0, n_tolerated_tensors = 0;
static guint n_interleaved = 0;

static int64_t
ulp_distance (float a, float b)
{
  int32_t ia, ib;
  memcpy (&ia, &a, 4);
  memcpy (&ib, &b, 4);
  if (ia < 0)
    ia = INT32_MIN - ia;
  if (ib < 0)
    ib = INT32_MIN - ib;
  return ia > ib ? (int64_t) ia - ib : (int64_t) ib - ia;
}

static const Tolerated *
find_tolerance (const char *name, const char *tensor)
{
  for (const Tolerated *t = tolerated; t->name != NULL; t++)
    if (g_str_has_prefix (name, t->name) && (t->tensor == NULL || strcmp (t->tensor, tensor) == 0))
      return t;
  return NULL;
}

/* got against {"shape", "hex"} or {"shape", "sha256"}, by bits, or within the case's tolerance */
static void
check (const char *name, const char *tensor, const PsTensor *got, JsonObject *want)
{
  g_autofree char *what = g_strdup_printf ("%s: %s", name, tensor);
  g_assert_nonnull (got);
  golden_assert_shape (what, got, want);
  if (strcmp (tensor, "x") != 0 && strcmp (tensor, "gy") != 0 && !g_str_has_prefix (tensor, "state."))
    n_values += (guint64) got->numel;   /* results only, not the replayed inputs */
  const Tolerated *tol = find_tolerance (name, tensor);
  if (got->dtype != PS_DTYPE_FLOAT32)
    {
      layer_assert_bits (what, got, want);   /* num_batches_tracked */
      return;
    }
  if (json_object_has_member (want, "sha256"))
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, got->data, ps_tensor_nbytes (got));
      if (tol == NULL && strcmp (sha, json_object_get_string_member (want, "sha256")) != 0)
        g_error ("%s: the %" G_GINT64_FORMAT " values differ from torch's (SHA-256)", what, got->numel);
      if (tol != NULL)
        n_tolerated_tensors++;
      else
        n_exact_tensors++;
      return;
    }
  if (tol == NULL || got->dtype != PS_DTYPE_FLOAT32)
    {
      layer_assert_bits (what, got, want);
      n_exact_tensors++;
      return;
    }
  g_autoptr (PsTensor) t = layer_tensor_from_json (want);
  int64_t worst = 0, differ = 0;
  for (int64_t i = 0; i < t->numel; i++)
    {
      int64_t u = ulp_distance (ps_tensor_cf32 (got)[i], ps_tensor_cf32 (t)[i]);
      differ += u != 0;
      worst = MAX (worst, u);
    }
  if (worst > tol->max_ulp)
    g_error ("%s: %" G_GINT64_FORMAT " ulp from torch (tolerated: %" G_GINT64_FORMAT ", %s)", what, worst,
             tol->max_ulp, tol->why);
  g_test_message ("%s: %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " values differ, max %" G_GINT64_FORMAT
                  " ulp (%s)", what, differ, t->numel, worst, tol->why);
  n_tolerated_tensors++;
}

static void
run_case (JsonObject *c)
{
  const char *name = json_object_get_string_member (c, "name");
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  /* torch's kernels as ATEN_CPU_CAPABILITY chose them (the generator carries the flavour) */
  const char *cap = json_object_get_string_member_with_default (c, "capability", "avx2");
  ps_generator_init (&gen, json_object_get_int_member (c, "seed"),
                     strcmp (cap, "default") == 0 ? PS_FLAVOUR_DEFAULT : PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
  g_autoptr (PsModule) m = ps_module_new (json_object_get_string_member (c, "type"), args, &gen, &error);
  g_assert_no_error (error);
  JsonArray *init = json_object_get_array_member (c, "init");
  for (guint i = 0; i < json_array_get_length (init); i++)
    {
      JsonArray *a = json_array_get_array_element (init, i);
      layer_uniform_ (m, json_array_get_string_element (a, 0), json_array_get_double_element (a, 1),
                      json_array_get_double_element (a, 2), &gen);
    }
  JsonObject *state = json_object_get_object_member (c, "state");
  g_autoptr (GList) keys = json_object_get_members (state);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_autofree char *key = g_strconcat ("state.", (const char *) l->data, NULL);
      check (name, key, layer_state_value (m, l->data), json_object_get_object_member (state, l->data));
    }
  ps_module_set_training (m, strcmp (json_object_get_string_member (c, "mode"), "train") == 0);
  /* torch.set_num_threads for the case (the kernels' per-thread buffers); restored at the end */
  const int threads_before = ps_threads_intra_op ();
  ps_threads_set_intra_op ((int) json_object_get_int_member (c, "threads"));

  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (c, "shape"), shape);
  g_autoptr (PsTensor) x = golden_randn (&gen, nd, shape, json_object_get_double_member (c, "scale"),
                                         json_object_get_double_member (c, "shift"));
  check (name, "x", x, json_object_get_object_member (c, "x"));
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
  g_assert_no_error (error);
  check (name, "y", y, json_object_get_object_member (c, "y"));
  g_autoptr (PsTensor) gy = golden_randn (&gen, y->ndim, y->shape, 1.0, 0.0);
  check (name, "gy", gy, json_object_get_object_member (c, "gy"));
  g_autoptr (GPtrArray) buffers = ps_module_named_buffers (m);
  if (gen.flavour == PS_FLAVOUR_DEFAULT && buffers->len == 0)
    {
      /* the module used again between the recorded forward and its backward (another state or
       * thread sharing it) under the other flavour: the backward must still replay the recorded
       * call's flavour (the tape entry's), not the last forward's */
      PsGenerator other;
      ps_generator_init (&other, 1, PS_FLAVOUR_AVX2);
      g_autoptr (PsTensor) y2 = ps_module_forward (m, x, &other, &error);
      g_assert_no_error (error);
      n_interleaved++;
    }

  g_autoptr (PsTensor) gx = NULL;
  const gboolean want_gx = !JSON_NODE_HOLDS_NULL (json_object_get_member (c, "gx"));
  if (want_gx)
    g_assert_true (ps_tape_backward_input (tape, gy, &gx, &error));
  else
    g_assert_true (ps_tape_backward (tape, gy, &error));
  g_assert_no_error (error);
  ps_tape_free (tape);
  if (want_gx)
    check (name, "gx", gx, json_object_get_object_member (c, "gx"));

  JsonObject *grads = json_object_get_object_member (c, "grads");
  g_autoptr (GPtrArray) params = ps_module_named_parameters (m);
  g_assert_cmpuint (params->len, ==, json_object_get_size (grads));
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (params, i);
      g_autofree char *key = g_strconcat ("grad.", it->path, NULL);
      g_assert_true (json_object_has_member (grads, it->path));
      check (name, key, it->param->grad, json_object_get_object_member (grads, it->path));
    }
  ps_threads_set_intra_op (threads_before);
  JsonObject *after = json_object_get_object_member (c, "after");
  g_autoptr (GList) bufs = json_object_get_members (after);
  for (GList *l = bufs; l != NULL; l = l->next)
    {
      g_autofree char *key = g_strconcat ("buffer.", (const char *) l->data, NULL);
      check (name, key, layer_state_value (m, l->data), json_object_get_object_member (after, l->data));
    }
}

static void
test_cases (void)
{
  g_autoptr (JsonParser) p = golden_load_dir (golden_dir ());
  JsonArray *cases = golden_cases (p);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    run_case (json_array_get_object_element (cases, i));
  if (g_getenv ("PS_BACKWARD_GOLDEN") == NULL)   /* the avx512 fixture has no default-flavour cases */
    g_assert_cmpuint (n_interleaved, >=, 5);
  g_test_message ("%u cases (%u with an interleaved forward), %" G_GUINT64_FORMAT " values; %" G_GUINT64_FORMAT " tensors bit-exact, %"
                  G_GUINT64_FORMAT " within their stated tolerance", json_array_get_length (cases), n_interleaved, n_values,
                  n_exact_tensors, n_tolerated_tensors);
  g_assert_cmpuint (json_array_get_length (cases), >=, 15);
}

/* The data of a run, drawn as run() draws it from the global generator. */
static PsDataset *
run_data (const char *kind, int64_t n, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  if (strcmp (kind, "conv8") != 0)
    {
      PsDataset *d = ps_dataset_new_toy (kind, n, gen, &error);
      g_assert_no_error (error);
      return d;
    }
  /* y = randint(0, 2, (n,)); X = randn(n, 1, 8, 8) * 0.5; X[:, 0, 2:6, 2:6] += y */
  g_autoptr (PsTensor) y = ps_tensor_new_1d (PS_DTYPE_INT64, n, NULL);
  g_assert_true (ps_generator_randint (gen, 0, 2, ps_tensor_i64 (y), (size_t) n, NULL));
  int64_t shape[4] = { n, 1, 8, 8 };
  g_autoptr (PsTensor) x = golden_randn (gen, 4, shape, 0.5, 0.0);
  for (int64_t i = 0; i < n; i++)
    for (int r = 2; r < 6; r++)
      for (int c = 2; c < 6; c++)
        {
          float *v = ps_tensor_f32 (x) + i * 64 + r * 8 + c;
          *v = *v + (float) ps_tensor_ci64 (y)[i];
        }
  PsDataset *d = ps_dataset_new (x, y, &error);
  g_assert_no_error (error);
  return d;
}

static void
test_runs (void)
{
  JsonArray *runs = json_object_get_array_member (tg_root_of (golden_shared ()), "runs");
  guint64 before = n_values;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      const int64_t n = json_object_get_int_member (c, "n");
      g_autoptr (PsDataset) data = run_data (json_object_get_string_member (c, "data"), n, &gen);
      g_autoptr (PsModule) model = ps_module_new_container ("Sequential", NULL, &error);
      JsonArray *spec = json_object_get_array_member (c, "model");
      for (guint i = 0; i < json_array_get_length (spec); i++)
        {
          JsonArray *item = json_array_get_array_element (spec, i);
          g_autoptr (PsArgs) args = layer_args (json_array_get_object_element (item, 1));
          g_autoptr (PsModule) m = ps_module_new (json_array_get_string_element (item, 0), args, &gen, &error);
          g_assert_no_error (error);
          g_autofree char *child = g_strdup_printf ("%u", i);
          g_assert_true (ps_module_add_child (model, child, m, &error));
        }
      PsLoss loss;
      ps_loss_init (&loss, PS_LOSS_CROSS_ENTROPY);
      JsonArray *ospec = json_object_get_array_member (c, "opt");
      PsOptimConfig ocfg;
      optim_config_from_json (json_array_get_string_element (ospec, 0), json_array_get_object_element (ospec, 1), &ocfg);
      PsOptimizer *opt = ps_optimizer_new (&ocfg, model, &error);
      g_assert_no_error (error);
      const int64_t bs = json_object_get_int_member (c, "batch_size"), steps = json_object_get_int_member (c, "steps");
      JsonArray *rec = json_object_get_array_member (c, "record");
      PsTape *tape = ps_tape_new ();
      g_autofree int64_t *order = g_new (int64_t, n);
      int64_t step = 0;
      while (step < steps)
        {
          g_assert_true (ps_data_loader_epoch_order (&gen, n, TRUE, order, NULL));
          const int64_t nb = ps_data_loader_n_batches (n, bs, FALSE);
          for (int64_t b = 0; b < nb && step < steps; b++)
            {
              g_autoptr (PsTensor) xb = NULL, yb = NULL;
              g_assert_true (ps_dataset_batch (data, order + b * bs, MIN (bs, n - b * bs), &xb, &yb, NULL));
              PsTrainStepResult res;
              if (!ps_train_step (model, tape, &loss, opt, xb, yb, &gen, 0.0, PS_FLAVOUR_AVX2, &res, &error))
                g_error ("%s step %" G_GINT64_FORMAT ": %s", name, step + 1, error->message);
              JsonObject *e = json_array_get_object_element (rec, (guint) step);
              step++;
              g_autofree char *what = g_strdup_printf ("run %s step %" G_GINT64_FORMAT, name, step);
              g_autoptr (PsTensor) lt = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1, NULL);
              ps_tensor_f32 (lt)[0] = res.loss;
              check (what, "loss", lt, json_object_get_object_member (e, "loss"));
              const char *sect[3] = { "params", "grads", "buffers" };
              for (int k = 0; k < 3; k++)
                {
                  JsonObject *o = json_object_get_object_member (e, sect[k]);
                  g_autoptr (GList) names = json_object_get_members (o);
                  for (GList *l = names; l; l = l->next)
                    {
                      PsParam *prm = NULL;
                      g_assert_true (ps_module_resolve (model, l->data, NULL, &prm, NULL));
                      g_autofree char *key = g_strdup_printf ("%s %s", sect[k], (const char *) l->data);
                      check (what, key, k == 1 ? prm->grad : prm->value, json_object_get_object_member (o, l->data));
                    }
                }
            }
        }
      g_assert_cmpuint ((guint) step, ==, json_array_get_length (rec));
      int64_t probe[2];
      g_assert_true (ps_generator_randint (&gen, 0, (int64_t) 1 << 31, probe, 2, NULL));
      JsonArray *pa = json_object_get_array_member (c, "probe");
      g_assert_cmpint (probe[0], ==, json_array_get_int_element (pa, 0));
      g_assert_cmpint (probe[1], ==, json_array_get_int_element (pa, 1));
      ps_tape_free (tape);
      ps_optimizer_free (opt);
      ps_loss_clear (&loss);
    }
  g_test_message ("%u runs: %" G_GUINT64_FORMAT " losses, parameters, gradients and buffers bit-identical to torch",
                  json_array_get_length (runs), n_values - before);
  g_assert_cmpuint (json_array_get_length (runs), ==, 3);
}

/* Every layer class has a backward now; a class without one (here a copy of Linear's class without
 * its .backward) fails with a clear error and leaves every .grad as it was. */
static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (JsonParser) jp = json_parser_new ();
  g_assert_true (json_parser_load_from_data (jp, "{\"in_features\": 3, \"out_features\": 2}", -1, NULL));
  g_autoptr (PsArgs) args = layer_args (json_node_get_object (json_parser_get_root (jp)));
  g_autoptr (PsModule) m = ps_module_new ("Linear", args, &gen, &error);
  g_assert_no_error (error);
  PsModuleClass no_backward = ps_linear_class;
  no_backward.name = "NoBackward";
  no_backward.backward = NULL;
  const PsModuleClass *klass = m->klass;
  m->klass = &no_backward;
  g_autoptr (PsTensor) x = golden_randn (&gen, 2, (int64_t[]) { 4, 3 }, 1.0, 0.0);
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) gy = golden_randn (&gen, y->ndim, y->shape, 1.0, 0.0);
  g_autoptr (PsTensor) gx = NULL;
  g_assert_false (ps_tape_backward_input (tape, gy, &gx, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED);
  g_assert_cmpstr (error->message, ==, "backward is not implemented for NoBackward yet");
  g_assert_null (gx);
  g_autoptr (GPtrArray) params = ps_module_named_parameters (m);
  g_assert_cmpuint (params->len, ==, 2);
  for (guint k = 0; k < params->len; k++)
    g_assert_null (((PsNamedItem *) g_ptr_array_index (params, k))->param->grad);
  ps_tape_free (tape);
  m->klass = klass;
}

/* x.sum(), x.sum(0), x.sum(1) (ps_reduce_sum, ps_reduce_sum_dim0) against the fixture's "sums" */
static void
test_sums (void)
{
  JsonArray *sums = json_object_get_array_member (tg_root_of (golden_shared ()), "sums");
  for (guint i = 0; i < json_array_get_length (sums); i++)
    {
      JsonObject *c = json_array_get_object_element (sums, i);
      const char *op = json_object_get_string_member (c, "op");
      g_autoptr (PsTensor) x = tg_tensor (json_object_get_object_member (c, "x"));
      g_autoptr (PsTensor) out = NULL;
      const float *xd = ps_tensor_cf32 (x);
      if (strcmp (op, "sum") == 0)
        {
          out = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1, NULL);
          ps_tensor_f32 (out)[0] = ps_reduce_sum (xd, x->numel);
        }
      else
        {
          const int64_t R = x->shape[0], C = x->shape[1];
          out = ps_tensor_new_1d (PS_DTYPE_FLOAT32, strcmp (op, "sum0") == 0 ? C : R, NULL);
          if (strcmp (op, "sum0") == 0)
            ps_reduce_sum_dim0 (xd, R, C, ps_tensor_f32 (out));
          else
            for (int64_t r = 0; r < R; r++)
              ps_tensor_f32 (out)[r] = ps_reduce_sum (xd + r * C, C);
        }
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_autofree char *what = g_strdup_printf ("%s of %s", op, xs);
      tg_check (what, out, json_object_get_object_member (c, "out"));
    }
  g_assert_cmpuint (json_array_get_length (sums), >=, 30);
  g_test_message ("%u sums bit-identical to torch's", json_array_get_length (sums));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("PS_BACKWARD_GOLDEN") != NULL)
    {
      /* the fixture was made at the capability named in it; our kernels must run there too (they
       * are scalar models of the vector code, so any x86-64 or other CPU can) */
      g_assert_cmpstr (ps_threads_aten_capability (), ==, "AVX512");
      g_test_add_func ("/backward/cases", test_cases);
      g_test_add_func ("/backward/sums", test_sums);
      return g_test_run ();
    }
  g_test_add_func ("/backward/cases", test_cases);
  g_test_add_func ("/backward/runs", test_runs);
  g_test_add_func ("/backward/errors", test_errors);
  return g_test_run ();
}
