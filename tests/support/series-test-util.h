/* series-test-util.h — what the checkpoint-series tests (doc, render, app) share: the fixture
 * series (tests/data/pt/series) and a mixed copy of it, and the reference the largest-changes table
 * is checked against, computed here from the files: ‖b − a‖ / ‖a‖ (in double) of every float tensor
 * both checkpoints hold with the same element count. */
#pragma once

#include <glib.h>
#include <math.h>
#include "ps-checkpoint.h"
#include "ps-safetensors.h"

/* The fixture series torch saved: tests/data/pt/series (epoch_000.pt …). */
static inline char *
series_dir (void)
{
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", NULL);
}

static inline void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
}

/* Writes into tmp a series of mixed formats and shapes: epochs 0 and 1 as torch saved them, epoch 2
 * as safetensors ({"epoch": "2"}) with 0.weight (16 × 2: 0 … 31), 0.bias of 7 values (−3 … 3)
 * instead of 16, and no 2.*. Returns that 0.bias. */
static inline PsTensor *
series_write_mixed (const char *tmp)
{
  g_autofree char *dir = series_dir ();
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("epoch_%03u.pt", i);
      g_autofree char *from = g_build_filename (dir, name, NULL);
      g_autofree char *to = g_build_filename (tmp, name, NULL);
      copy_file (from, to);
    }
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 16, 2, NULL);
  PsTensor *b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 7, NULL);
  for (int j = 0; j < 32; j++)
    ps_tensor_f32 (w)[j] = (float) j;
  for (int j = 0; j < 7; j++)
    ps_tensor_f32 (b)[j] = (float) j - 3.f;
  const char *names[] = { "0.weight", "0.bias" };
  PsTensor *ts[] = { w, b };
  g_autoptr (GHashTable) md = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (md, "epoch", "2");
  g_autofree char *st = g_build_filename (tmp, "epoch_002.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_safetensors_write (st, 2, names, ts, md, &error));
  g_assert_no_error (error);
  return b;
}

/* The name (without a "model." prefix) of the tensor that changed most from a to b, and that
 * change in *best (−1 and NULL if none). */
static inline char *
series_test_largest_change (PsCheckpoint *a, PsCheckpoint *b, double *best)
{
  char *name = NULL;
  *best = -1;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (b); i++)
    {
      const char *n = ps_checkpoint_get_entry (b, i)->name;
      g_autoptr (PsTensor) tb = ps_checkpoint_load (b, n, NULL);
      g_autoptr (PsTensor) ta = ps_checkpoint_load (a, n, NULL);
      if (ta == NULL || tb == NULL || ta->numel != tb->numel)
        continue;
      double sa = 0, sd = 0;
      for (int64_t j = 0; j < ta->numel; j++)
        {
          double x = ((float *) ta->data)[j], y = ((float *) tb->data)[j];
          sa += x * x;
          sd += (y - x) * (y - x);
        }
      if (sa > 0 && sqrt (sd / sa) > *best)
        {
          *best = sqrt (sd / sa);
          g_free (name);
          name = g_strdup (g_str_has_prefix (n, "model.") ? n + 6 : n);
        }
    }
  return name;
}
