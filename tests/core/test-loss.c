/* test-loss.c — every loss and reduction against torch 1.13 (tests/data/train-golden/
 * "losses"): the loss value and x.grad after loss.backward(), bit for bit. */
#include <math.h>
#include "ps-cpu.h"
#include "ps-loss.h"
#include "ps-reduce.h"
#include "ps-sleef.h"
#include "ps-threads.h"
#include "train-golden.h"

static PsTensor *
float_list (JsonArray *a)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, json_array_get_length (a), &error);
  for (guint i = 0; i < json_array_get_length (a); i++)
    ps_tensor_f32 (t)[i] = (float) json_array_get_double_element (a, i);
  return t;
}

static void
loss_from_case (JsonObject *c, PsLoss *loss)
{
  PsLossKind kind;
  g_assert_true (ps_loss_kind_from_name (json_object_get_string_member (c, "type"), &kind));
  ps_loss_init (loss, kind);
  JsonObject *args = json_object_get_object_member (c, "args");
  g_autoptr (GList) names = json_object_get_members (args);
  for (GList *l = names; l; l = l->next)
    {
      const char *k = l->data;
      if (g_str_equal (k, "reduction"))
        g_assert_true (ps_reduction_from_name (json_object_get_string_member (args, k), &loss->reduction, NULL));
      else if (g_str_equal (k, "beta"))
        loss->beta = json_object_get_double_member (args, k);
      else if (g_str_equal (k, "delta"))
        loss->delta = json_object_get_double_member (args, k);
      else if (g_str_equal (k, "ignore_index"))
        loss->ignore_index = json_object_get_int_member (args, k);
      else if (g_str_equal (k, "weight"))
        loss->weight = float_list (json_object_get_array_member (args, k));
      else if (g_str_equal (k, "pos_weight"))
        loss->pos_weight = float_list (json_object_get_array_member (args, k));
      else if (g_str_equal (k, "label_smoothing"))
        loss->label_smoothing = json_object_get_double_member (args, k);
      else
        g_error ("unknown loss arg %s", k);
    }
}

static void
check_cases (JsonArray *cases)
{
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsLoss loss;
      loss_from_case (c, &loss);
      g_autoptr (PsTensor) x = tg_tensor (json_object_get_object_member (c, "x"));
      g_autoptr (PsTensor) t = json_object_has_member (c, "ti")
                                 ? tg_index_tensor (json_object_get_array_member (c, "ti"))
                                 : tg_tensor (json_object_get_object_member (c, "t"));
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_autofree char *what = g_strdup_printf ("loss case %u (%s, %s, x %s)", i, ps_loss_kind_name (loss.kind),
                                               ps_reduction_name (loss.reduction), xs);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsTensor) grad = NULL;
      gboolean scalar = json_object_has_member (c, "grad");
      g_autoptr (PsTensor) l = ps_loss_compute (&loss, x, t, scalar ? &grad : NULL, &error);
      g_assert_no_error (error);
      tg_check (what, l, json_object_get_object_member (c, "loss"));
      if (scalar)
        tg_check (what, grad, json_object_get_object_member (c, "grad"));
      ps_loss_clear (&loss);
    }
}

static void
test_golden (void)
{
  JsonArray *cases = tg_section ("losses");
  g_assert_cmpuint (json_array_get_length (cases), >, 200);
  check_cases (cases);
  g_test_message ("%" G_GUINT64_FORMAT " loss and gradient values bit-identical to torch", tg_compared);
}

/* CrossEntropyLoss with label_smoothing (class indices, weight, ignore_index) and probability
 * targets (tests/golden/gen_train_seq.py). */
static void
test_golden_smoothing (void)
{
  JsonArray *cases = tg_seq_section ("losses");
  g_assert_cmpuint (json_array_get_length (cases), >=, 180);
  guint64 before = tg_compared;
  check_cases (cases);
  g_test_message ("%" G_GUINT64_FORMAT " label-smoothing/probability-target values bit-identical to torch",
                  tg_compared - before);
}

static void
test_smoothing_errors (void)
{
  PsLoss loss;
  ps_loss_init (&loss, PS_LOSS_CROSS_ENTROPY);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_INT64, 2, NULL);
  g_autoptr (PsTensor) p = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsTensor) ti = ps_tensor_new_2d (PS_DTYPE_INT64, 2, 3, NULL);
  loss.label_smoothing = 1.5;
  g_assert_null (ps_loss_compute (&loss, x, t, NULL, &error));
  g_assert_cmpstr (error->message, ==, "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  g_clear_error (&error);
  loss.ignore_index = 0;
  g_assert_null (ps_loss_compute (&loss, x, p, NULL, &error));
  g_assert_cmpstr (error->message, ==, "ignore_index is not supported for floating point target");
  g_clear_error (&error);
  loss.ignore_index = -100;
  g_assert_null (ps_loss_compute (&loss, x, p, NULL, &error));
  g_assert_cmpstr (error->message, ==, "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  g_clear_error (&error);
  loss.label_smoothing = 0.0;
  g_assert_null (ps_loss_compute (&loss, x, ti, NULL, &error));
  g_assert_cmpstr (error->message, ==, "Expected floating point type for target with class probabilities, got Long");
  g_clear_error (&error);
  /* probabilities: the gradient of a one-hot target equals the class-index one */
  ps_tensor_i64 (t)[0] = 2;
  ps_tensor_f32 (p)[2] = 1.0f;
  ps_tensor_f32 (p)[3] = 1.0f;
  for (int i = 0; i < 6; i++)
    ps_tensor_f32 (x)[i] = (float) i * 0.5f - 1.0f;
  g_autoptr (PsTensor) g1 = NULL, g2 = NULL;
  g_autoptr (PsTensor) l1 = ps_loss_compute (&loss, x, t, &g1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) l2 = ps_loss_compute (&loss, x, p, &g2, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (ps_tensor_cf32 (l1)[0], ps_tensor_cf32 (l2)[0], 1e-6);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (ps_tensor_cf32 (g1)[i], ps_tensor_cf32 (g2)[i], 1e-6);
}

static void
test_errors (void)
{
  PsLoss loss;
  ps_loss_init (&loss, PS_LOSS_CROSS_ENTROPY);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_INT64, 2, NULL);
  ps_tensor_i64 (t)[1] = 3;
  g_assert_null (ps_loss_compute (&loss, x, t, NULL, &error));
  g_assert_cmpstr (error->message, ==, "Target 3 is out of bounds.");
  g_clear_error (&error);
  ps_loss_init (&loss, PS_LOSS_MSE);
  g_autoptr (PsTensor) t2 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 3, 2, NULL);
  g_assert_null (ps_loss_compute (&loss, x, t2, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  loss.reduction = PS_REDUCTION_NONE;
  g_autoptr (PsTensor) t3 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsTensor) gi = NULL;
  g_assert_null (ps_loss_compute (&loss, x, t3, &gi, &error));
  g_assert_cmpstr (error->message, ==, "grad can be implicitly created only for scalar outputs");
}

/* The cascade sum against a double reference: exact for small integers, and close for random values. */
static void
test_reduce (void)
{
  for (int64_t n = 1; n < 3000; n += 37)
    {
      g_autofree float *v = g_new (float, n);
      for (int64_t i = 0; i < n; i++)
        v[i] = (float) (i % 7) - 3.0f;
      g_assert_cmpfloat (ps_reduce_sum (v, n), ==, (float) ps_reduce_sum_naive (v, n));
    }
  g_assert_cmpfloat (ps_sleef_logf (1.0f), ==, 0.0f);
  g_assert_true (isinf (ps_sleef_logf (0.0f)) && ps_sleef_logf (0.0f) < 0);
  g_assert_true (isnan (ps_sleef_logf (-1.0f)));
  g_assert_cmpfloat_with_epsilon (ps_sleef_logf (10.0f), logf (10.0f), 1e-6);
}

/* PS_LOSS_GOLDEN (test-loss-avx512): the losses torch computed at ATEN_CPU_CAPABILITY=avx512
 * (tests/golden/gen_backward.py), replayed at that capability: 16-lane sums and log_softmax rows. */
static void
test_golden_avx512 (void)
{
  g_assert_cmpstr (ps_threads_aten_capability (), ==, "AVX512");
  JsonArray *cases = json_object_get_array_member (tg_root_of (g_getenv ("PS_LOSS_GOLDEN")), "losses");
  g_assert_cmpuint (json_array_get_length (cases), >=, 100);
  check_cases (cases);
  g_test_message ("%" G_GUINT64_FORMAT " loss and gradient values bit-identical to torch at AVX512", tg_compared);
}

/* PS_LOSS_GOLDEN=loss-golden-capabilities (test-loss-capability, and -avx512 in a process at
 * ATEN_CPU_CAPABILITY=avx512; a folder, one file a loss type): each loss as torch computed it at
 * AVX2, AVX512 and DEFAULT (tests/golden/gen_loss_capability.py). The cases with one capability's results as check_cases wants
 * them ("loss", "grad"). */
static JsonArray *
capability_cases (const char *cap)
{
  JsonArray *all = json_object_get_array_member (tg_root_of (g_getenv ("PS_LOSS_GOLDEN")), "losses");
  JsonArray *out = json_array_new ();
  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *c = json_array_get_object_element (all, i);
      JsonObject *r = json_object_get_object_member (json_object_get_object_member (c, "results"), cap);
      g_assert_nonnull (r);
      JsonObject *o = json_object_new ();
      g_autoptr (GList) names = json_object_get_members (c);
      for (GList *l = names; l; l = l->next)
        if (strcmp (l->data, "results") != 0)
          json_object_set_member (o, l->data, json_node_copy (json_object_get_member (c, l->data)));
      json_object_set_member (o, "loss", json_node_copy (json_object_get_member (r, "loss")));
      if (json_object_has_member (r, "grad"))
        json_object_set_member (o, "grad", json_node_copy (json_object_get_member (r, "grad")));
      json_array_add_object_element (out, o);
    }
  return out;
}

/* A recipe of the default flavour "avx2": torch's vector build at the process's capability — AVX512
 * with ATEN_CPU_CAPABILITY=avx512, else AVX2 (also where the process's capability is DEFAULT: only
 * the recipe's flavour selects the portable build). */
static void
test_golden_capability (void)
{
  const char *cap = strcmp (ps_threads_aten_capability (), "AVX512") == 0 ? "AVX512" : "AVX2";
  if (strcmp (cap, "AVX512") == 0 && (ps_cpu_features () & PS_CPU_AVX512F) == 0)
    {
      g_test_skip ("torch's AVX512 results: this CPU has no AVX-512");
      return;
    }
  g_autofree char *lower = g_ascii_strdown (cap, -1);
  g_autoptr (JsonArray) cases = capability_cases (lower);
  g_assert_cmpuint (json_array_get_length (cases), >=, 300);
  const guint64 before = tg_compared;
  check_cases (cases);
  g_test_message ("%u cases, %" G_GUINT64_FORMAT " loss and gradient values bit-identical to torch at %s",
                  json_array_get_length (cases), tg_compared - before, cap);
}

/* A "flavour": "default" recipe's losses: the calling thread's flavour PS_FLAVOUR_DEFAULT, as the
 * recipe's train op sets it, gives torch's DEFAULT build (glibc exp/log, no FMA, lanes added in
 * order, 8 lanes) whatever the process's capability. */
static void
test_golden_default (void)
{
  g_autoptr (JsonArray) cases = capability_cases ("default");
  g_assert_cmpuint (json_array_get_length (cases), >=, 300);
  const PsFlavour old = ps_threads_set_flavour (PS_FLAVOUR_DEFAULT);
  g_assert_cmpint (ps_threads_aten_lanes (), ==, 8);
  const guint64 before = tg_compared;
  check_cases (cases);
  ps_threads_set_flavour (old);
  g_assert_cmpint (ps_threads_get_flavour (), ==, PS_FLAVOUR_AVX2);
  g_test_message ("%u cases, %" G_GUINT64_FORMAT " loss and gradient values bit-identical to torch's DEFAULT build "
                  "(ATEN_CPU_CAPABILITY here: %s)", json_array_get_length (cases), tg_compared - before,
                  g_getenv ("ATEN_CPU_CAPABILITY") ? g_getenv ("ATEN_CPU_CAPABILITY") : "unset");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("PS_LOSS_GOLDEN") != NULL)
    {
      if (json_object_has_member (tg_root_of (g_getenv ("PS_LOSS_GOLDEN")), "capabilities"))
        {
          g_test_add_func ("/loss/golden-capability", test_golden_capability);
          g_test_add_func ("/loss/golden-default", test_golden_default);
        }
      else
        g_test_add_func ("/loss/golden-avx512", test_golden_avx512);
      g_test_add_func ("/loss/errors", test_errors);
      return g_test_run ();
    }
  g_test_add_func ("/loss/golden", test_golden);
  g_test_add_func ("/loss/golden-smoothing", test_golden_smoothing);
  g_test_add_func ("/loss/errors", test_errors);
  g_test_add_func ("/loss/smoothing-errors", test_smoothing_errors);
  g_test_add_func ("/loss/reduce", test_reduce);
  return g_test_run ();
}
