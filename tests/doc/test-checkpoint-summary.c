/* The whole-checkpoint summary: parameter count, dtype mix, per-layer L2 norms; and the text
 * shown for one tensor. */
#include <locale.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ps-checkpoint-summary.h"
#include "ps-safetensors.h"
#include "formats-test-util.h"
#include "checkpoint-test-util.h"

static void
test_nested (void)
{
  g_autoptr (GError) error = NULL;
  char *path = nested_write ();
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointSummary) s = ps_checkpoint_summary_new (ck, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n_params, ==, 6 + 2 + 4 + 2 + 1);
  g_assert_cmpuint (s->n_tensors, ==, 5);
  g_assert_cmpuint (s->dtypes->len, ==, 2);
  /* in file order: the writer puts 8-byte dtypes first, so "step" (I64) leads */
  PsCheckpointDtypeCount *i64 = s->dtypes->pdata[0], *f32 = s->dtypes->pdata[1];
  g_assert_cmpstr (f32->dtype, ==, "F32");
  g_assert_cmpuint (f32->n_tensors, ==, 4);
  g_assert_cmpint (f32->numel, ==, 14);
  g_assert_cmpstr (i64->dtype, ==, "I64");
  g_assert_cmpint (i64->numel, ==, 1);
  /* layers: the dotted prefix that owns the tensors, in file order */
  const char *layers[] = { "", "encoder.layers.0.self_attn.q_proj", "encoder.layers.1.fc", "head" };
  g_assert_cmpuint (s->layers->len, ==, G_N_ELEMENTS (layers));
  for (guint l = 0; l < G_N_ELEMENTS (layers); l++)
    {
      PsCheckpointLayerNorm *ln = s->layers->pdata[l];
      g_assert_cmpstr (ln->path, ==, layers[l]);
      double sumsq = 0;
      int64_t numel = 0;
      for (int k = 0; k < NESTED_N; k++)
        {
          const char *dot = strrchr (nested_names[k], '.');
          g_autofree char *prefix = dot ? g_strndup (nested_names[k], (gsize) (dot - nested_names[k])) : g_strdup ("");
          if (strcmp (prefix, layers[l]) != 0)
            continue;
          int64_t n = nested_shapes[k][0] * (nested_shapes[k][1] ? nested_shapes[k][1] : 1);
          for (int64_t i = 0; i < n; i++)
            {
              double v = k == NESTED_N - 1 ? 7.0 : (double) (float) nested_value (k, i);
              sumsq += v * v;
            }
          numel += n;
        }
      g_assert_cmpint (ln->numel, ==, numel);
      g_assert_cmpfloat_with_epsilon (ln->l2_norm, sqrt (sumsq), 1e-9 * sqrt (sumsq));
    }
  g_autofree char *text = ps_checkpoint_summary_to_text (s);
  /* counts only: instant, and says the norms are coming */
  g_autoptr (PsCheckpointSummary) quick = ps_checkpoint_summary_new (ck, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (quick->has_norms);
  g_assert_cmpuint (quick->layers->len, ==, 0);
  g_assert_cmpint (quick->n_params, ==, s->n_params);
  g_assert_cmpint (((PsCheckpointDtypeCount *) quick->dtypes->pdata[1])->numel, ==, 14);
  g_autofree char *quick_text = ps_checkpoint_summary_to_text (quick);
  g_assert_nonnull (strstr (quick_text, "computing"));
  g_assert_nonnull (strstr (text, "15 parameters in 5 tensors"));
  g_assert_nonnull (strstr (text, "F32    4 tensors, 14 values"));
  g_assert_nonnull (strstr (text, "encoder.layers.1.fc  "));

  const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, "encoder.layers.1.fc.weight");
  g_autoptr (PsTensor) t = ps_checkpoint_load (ck, e->name, &error);
  g_assert_no_error (error);
  g_autofree char *desc = ps_checkpoint_describe_tensor (e, t);
  /* values 1.5, 3, 4.5, 6 */
  g_assert_nonnull (strstr (desc, "dtype F32 (shown as float32) · shape [2, 2] · 4 values"));
  g_assert_nonnull (strstr (desc, "mean 3.75\n"));
  g_assert_nonnull (strstr (desc, "min 1.5\nmax 6\n"));
  nested_remove (path);
}

static void
test_all_dtypes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointSummary) s = ps_checkpoint_summary_new (ck, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n_params, ==, ps_checkpoint_get_tree (ck)->numel);
  guint n = 0;
  int64_t numel = 0;
  for (guint i = 0; i < s->dtypes->len; i++)
    {
      PsCheckpointDtypeCount *d = s->dtypes->pdata[i];
      n += d->n_tensors;
      numel += d->numel;
    }
  g_assert_cmpuint (n, ==, 17);
  g_assert_cmpint (numel, ==, s->n_params);
  /* the special values (NaN, ±Inf) stay out of the norm and are counted */
  gboolean found = FALSE;
  for (guint i = 0; i < s->layers->len; i++)
    {
      PsCheckpointLayerNorm *l = s->layers->pdata[i];
      g_assert_true (isfinite (l->l2_norm));
      if (strcmp (l->path, "f32") == 0)
        {
          found = TRUE;
          g_assert_cmpint (l->n_nonfinite, >, 0);
        }
    }
  g_assert_true (found);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  g_assert_null (ps_checkpoint_summary_new (ck, TRUE, c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Counts read well (thousands separators, as the issue asks: "41,000 parameters", was "41000") and
 * tied weights (one storage under several names, as torch saves a decoder tied to its encoder)
 * keep their layer's row in "L2 norm per layer" — a group holding only a tied weight had no row.
 * A tie within one layer is counted once in its norm, as layer.parameters() would. */
static void
test_tied_and_grouped (void)
{
  setlocale (LC_NUMERIC, "C");   /* no separator of its own: "," */
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-sum-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tied.safetensors", NULL);
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 40, 1000, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1000, NULL);
  for (int64_t i = 0; i < w->numel; i++)
    ps_tensor_f32 (w)[i] = 0.5f;
  for (int64_t i = 0; i < b->numel; i++)
    ps_tensor_f32 (b)[i] = 2.0f;
  const char *names[] = { "enc.weight", "enc.bias", "enc.again", "dec.weight" };
  PsTensor *ts[] = { w, b, w, w };
  g_assert_true (ps_safetensors_write (path, 4, names, ts, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointSummary) s = ps_checkpoint_summary_new (ck, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n_params, ==, 41000);   /* the storage once */
  g_assert_cmpuint (s->layers->len, ==, 2);
  PsCheckpointLayerNorm *enc = s->layers->pdata[0], *dec = s->layers->pdata[1];
  g_assert_cmpstr (enc->path, ==, "enc");
  g_assert_cmpuint (enc->n_tensors, ==, 3);
  g_assert_cmpuint (enc->n_tied, ==, 1);
  g_assert_cmpint (enc->numel, ==, 41000);   /* enc.again is enc.weight: once */
  g_assert_cmpfloat_with_epsilon (enc->l2_norm, sqrt (40000 * 0.25 + 1000 * 4.0), 1e-9);
  g_assert_cmpstr (dec->path, ==, "dec");     /* the tied group has its row */
  g_assert_cmpuint (dec->n_tensors, ==, 1);
  g_assert_cmpuint (dec->n_tied, ==, 1);
  g_assert_cmpint (dec->numel, ==, 40000);
  g_assert_cmpfloat_with_epsilon (dec->l2_norm, 100.0, 1e-9);
  g_autofree char *text = ps_checkpoint_summary_to_text (s);
  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text, "41,000 parameters in 4 tensors\n"));
  g_assert_nonnull (strstr (text, "F32    4 tensors, 41,000 values (100.0%)\n"));
  g_assert_nonnull (strstr (text, "  enc  "));
  g_assert_nonnull (strstr (text, "(3 tensors, 41,000 values, 1 tied: stored under another name)\n"));
  g_assert_nonnull (strstr (text, "  dec  "));
  g_assert_nonnull (strstr (text, "(1 tensor, 40,000 values, tied: stored under another name)\n"));
  g_clear_pointer (&ck, ps_checkpoint_free);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint-summary/nested", test_nested);
  g_test_add_func ("/checkpoint-summary/all-dtypes", test_all_dtypes);
  g_test_add_func ("/checkpoint-summary/tied-and-grouped", test_tied_and_grouped);
  return g_test_run ();
}
