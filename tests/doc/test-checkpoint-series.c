/* A training run's checkpoints as a timeline (ps-checkpoint-series.c): tests/data/pt/series is one
 * torch.save per epoch of a small MLP trained by torch (tests/golden/gen_pt.py), with the norms torch
 * computed in norms.json. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include "ps-checkpoint-series.h"
#include "ps-safetensors.h"
#include "ps-series-watch.h"
#include "tmp-dir-util.h"
#include "series-test-util.h"
#include <stdio.h>
#include <unistd.h>

static void
test_order_and_presence (void)
{
  g_autofree char *dir = series_dir ();
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 6);
  g_assert_cmpint (ps_checkpoint_series_get_order (s), ==, PS_SERIES_ORDER_EPOCH);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpint (ps_checkpoint_series_get_order_value (s, i), ==, i);
      g_autofree char *label = g_strdup_printf ("epoch_%03u.pt", i);
      g_assert_cmpstr (ps_checkpoint_series_get_label (s, i), ==, label);
    }
  g_assert_null (ps_checkpoint_series_get_skipped (s)[0]);
  /* the model by its state_dict keys; the optimizer state by its path, missing before the first step */
  int w = ps_checkpoint_series_find_tensor (s, "0.weight");
  g_assert_cmpint (w, ==, 0);
  g_assert_cmpint (ps_checkpoint_series_find_tensor (s, "model.0.weight"), ==, w);
  int ea = ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  g_assert_cmpint (ea, >, 0);
  g_assert_cmpint (ps_checkpoint_series_get_presence (s, 0, (guint) ea), ==, PS_SERIES_MISSING);
  g_assert_cmpint (ps_checkpoint_series_get_presence (s, 1, (guint) ea), ==, PS_SERIES_PRESENT);
  g_assert_cmpint (ps_checkpoint_series_find_tensor (s, "nope"), ==, -1);

  /* files given in any order are ordered the same */
  g_autofree char *f3 = g_build_filename (dir, "epoch_003.pt", NULL);
  g_autofree char *f1 = g_build_filename (dir, "epoch_001.pt", NULL);
  const char *files[] = { f3, f1 };
  g_autoptr (PsCheckpointSeries) two = ps_checkpoint_series_open (files, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_checkpoint_series_get_label (two, 0), ==, "epoch_001.pt");
  const char *dup[] = { f1, f1 };
  g_assert_null (ps_checkpoint_series_open (dup, 2, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

/* Largest changes from epoch 3 to epoch 5: ‖a‖ as torch computed it (norms.json), the ranking as a
 * naive recomputation from the decoded tensors; tensors missing in one file are left out. */
static void
test_rank_changes (void)
{
  g_autofree char *dir = series_dir ();
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) ch = ps_checkpoint_series_rank_changes (s, 3, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ch->len, ==, 16);   /* 4 model tensors + 12 optimizer state tensors */
  g_autofree char *npath = g_build_filename (dir, "norms.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, npath, &error));
  JsonObject *golden = json_node_get_object (json_parser_get_root (parser));
  JsonObject *g3 = json_object_get_object_member (golden, "epoch_003.pt");
  JsonObject *g5 = json_object_get_object_member (golden, "epoch_005.pt");
  guint golden_checked = 0;
  for (guint i = 0; i < ch->len; i++)
    {
      PsSeriesChange *c = &g_array_index (ch, PsSeriesChange, i);
      if (i > 0)
        g_assert_cmpfloat (c->rel, <=, g_array_index (ch, PsSeriesChange, i - 1).rel);
      const char *name = ps_checkpoint_series_get_tensor_name (s, c->tensor);
      g_autoptr (PsTensor) a = ps_checkpoint_series_load (s, 3, c->tensor, &error);
      g_autoptr (PsTensor) b = ps_checkpoint_series_load (s, 5, c->tensor, &error);
      g_assert_no_error (error);
      double na = 0, d = 0;
      for (int64_t j = 0; j < a->numel; j++)
        {
          double x = ps_tensor_cf32 (a)[j], y = ps_tensor_cf32 (b)[j];
          na += x * x;
          d += (y - x) * (y - x);
        }
      g_assert_cmpfloat (fabs (c->rel - sqrt (d) / sqrt (na)), <=, 1e-12 * c->rel);
      if (json_object_has_member (g3, name))
        {
          g_assert_cmpfloat (fabs (c->norm_a - json_object_get_double_member (g3, name)), <=, 1e-12 * c->norm_a);
          g_assert_cmpfloat (fabs (c->norm_b - json_object_get_double_member (g5, name)), <=, 1e-12 * c->norm_b);
          golden_checked++;
        }
    }
  g_assert_cmpuint (golden_checked, ==, 4);
  /* from epoch 0 (no optimizer state yet) to 1: only the model's tensors */
  g_autoptr (GArray) first = ps_checkpoint_series_rank_changes (s, 0, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 4);
  /* cancelled: an error, nothing returned */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (ps_checkpoint_series_rank_changes (s, 0, 1, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Values read in place from the mapping equal the decoded ones; what cannot be mapped so
 * (BF16, float16, an .npz) says so without an error. */
static void
test_mapped_values (void)
{
  g_autofree char *dir = series_dir ();
  g_autofree char *pt = g_build_filename (dir, "epoch_003.pt", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (pt, &error);
  g_assert_no_error (error);
  guint mapped = 0;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (ck); i++)
    {
      const char *name = ps_checkpoint_get_entry (ck, i)->name;
      int64_t n = 0;
      const float *f = ps_checkpoint_map_f32 (ck, name, &n, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) t = ps_checkpoint_load (ck, name, &error);
      g_assert_no_error (error);
      if (f == NULL)
        continue;
      g_assert_cmpint ((guintptr) f % 4, ==, 0);
      g_assert_cmpint (n, ==, t->numel);
      g_assert_cmpint (memcmp (f, t->data, (gsize) n * 4), ==, 0);
      mapped++;
    }
  g_assert_cmpuint (mapped, ==, ps_checkpoint_get_n_entries (ck));   /* all float32, contiguous */

  g_autofree char *stp = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "all_dtypes.safetensors", NULL);
  g_autoptr (PsCheckpoint) st = ps_checkpoint_open (stp, &error);
  g_assert_no_error (error);
  g_autoptr (PsSafetensors) raw = ps_safetensors_open (stp, &error);
  g_assert_no_error (error);
  guint st_mapped = 0, st_read = 0;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (st); i++)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (st, i);
      int64_t n = 0;
      const float *f = ps_checkpoint_map_f32 (st, e->name, &n, &error);
      g_assert_no_error (error);
      if (f == NULL)
        {
          /* float32 at an offset that is not a multiple of 4 (after odd-sized F16/BF16 data) is read */
          g_assert_true (strcmp (e->dtype, "F32") != 0 || e->numel == 0
                         || ps_safetensors_lookup (raw, e->name)->offset % 4 != 0);
          st_read++;
          continue;
        }
      g_assert_cmpstr (e->dtype, ==, "F32");
      g_autoptr (PsTensor) t = ps_checkpoint_load (st, e->name, &error);
      g_assert_no_error (error);
      g_assert_cmpint (memcmp (f, t->data, (gsize) n * 4), ==, 0);
      st_mapped++;
    }
  g_assert_cmpuint (st_read, >, 0);   /* every F32 there follows odd-sized data */
  /* a sharded safetensors model (aligned float32 in both shards, one float16) */
  g_autofree char *idx = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "sharded",
                                           "model.safetensors.index.json", NULL);
  g_autoptr (PsCheckpoint) sh = ps_checkpoint_open (idx, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ps_checkpoint_get_n_entries (sh); i++)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (sh, i);
      int64_t n = 0;
      const float *f = ps_checkpoint_map_f32 (sh, e->name, &n, &error);
      g_assert_no_error (error);
      g_assert_true ((f != NULL) == (strcmp (e->dtype, "F32") == 0));
      if (f == NULL)
        continue;
      g_autoptr (PsTensor) t = ps_checkpoint_load (sh, e->name, &error);
      g_assert_cmpint (memcmp (f, t->data, (gsize) n * 4), ==, 0);
      st_mapped++;
    }
  g_assert_cmpuint (st_mapped, ==, 3);
}

/* The same norms (bit for bit) whatever the number of threads: each tensor is summed by one
 * worker in the same order. */
static void
test_norms_threads (void)
{
  g_autofree char *dir = series_dir ();
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  double *ref = NULL;
  guint cells = 0;
  for (guint threads = 1; threads <= 3; threads++)
    {
      ps_checkpoint_series_set_threads (threads);
      g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
      g_assert_no_error (error);
      g_assert_true (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      guint ns = ps_checkpoint_series_get_n_steps (s), nt = ps_checkpoint_series_get_n_tensors (s);
      if (ref == NULL)
        {
          cells = ns * nt;
          ref = g_new (double, 2 * cells);
        }
      for (guint i = 0; i < ns; i++)
        for (guint k = 0; k < nt; k++)
          {
            double n = ps_checkpoint_series_get_norm (s, i, k), r = ps_checkpoint_series_get_rel_change (s, i, k);
            if (threads == 1)
              {
                ref[i * nt + k] = n;
                ref[cells + i * nt + k] = r;
              }
            else
              {
                g_assert_cmpint (memcmp (&n, &ref[i * nt + k], sizeof n), ==, 0);
                g_assert_cmpint (memcmp (&r, &ref[cells + i * nt + k], sizeof r), ==, 0);
              }
          }
    }
  ps_checkpoint_series_set_threads (0);
  g_free (ref);
}

/* The norms' sums are eight lanes of double sums over 8-value groups, lanes added as
 * ((0 + 2) + (4 + 6)) + ((1 + 3) + (5 + 7)), then the last partial group in order: the reference
 * here, written out element by element, against the series at every sum width the processor has
 * (2, 4, 8 doubles per instruction), one and two threads, values mapped and read — bit for bit. The
 * series: safetensors files with a tensor of many pieces and a partial last group, one with a
 * missing checkpoint, one changing shape, one of 7 values; and the torch golden series (CRC-32
 * checked in the same pass). Adding the lanes in another order changes some cell's norm, so the
 * comparison would see a changed order. */
static void
lane_sums (const float *y, const float *x, int64_t n, double *ss, double *ds, double *ss_other_order)
{
  double ls[8] = { 0 }, ld[8] = { 0 };
  int64_t whole = n / 8 * 8;
  for (int64_t i = 0; i < whole; i++)
    {
      double v = y[i];
      ls[i % 8] += v * v;
      if (x != NULL)
        {
          double e = v - (double) x[i];
          ld[i % 8] += e * e;
        }
    }
  double s = ((ls[0] + ls[2]) + (ls[4] + ls[6])) + ((ls[1] + ls[3]) + (ls[5] + ls[7]));
  double d = ((ld[0] + ld[2]) + (ld[4] + ld[6])) + ((ld[1] + ld[3]) + (ld[5] + ld[7]));
  *ss_other_order = ((ls[0] + ls[1]) + (ls[2] + ls[3])) + ((ls[4] + ls[5]) + (ls[6] + ls[7]));
  for (int64_t i = whole; i < n; i++)
    {
      double v = y[i];
      s += v * v;
      *ss_other_order += v * v;
      if (x != NULL)
        {
          double e = v - (double) x[i];
          d += e * e;
        }
    }
  *ss = s;
  *ds = d;
}

static void
write_bits_series (const char *dir)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (15);
  for (guint e = 0; e < 6; e++)
    {
      /* "a": 3 pieces of 8192 values and 3 more; values over eight binades, so the sums round */
      g_autoptr (PsTensor) a = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3 * 8192 + 3, NULL);
      g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 7, NULL);
      g_autoptr (PsTensor) c = ps_tensor_new_1d (PS_DTYPE_FLOAT32, e < 2 ? 100 : 101, NULL);
      g_autoptr (PsTensor) d = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 33, 5, NULL);
      g_autoptr (PsTensor) f = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 257, 33, NULL);
      PsTensor *all[] = { a, b, c, d, f };
      for (guint t = 0; t < G_N_ELEMENTS (all); t++)
        for (int64_t j = 0; j < all[t]->numel; j++)
          ps_tensor_f32 (all[t])[j] = (float) (g_rand_double_range (rand, -1, 1) * exp2 (g_rand_int_range (rand, -4, 4)));
      const char *names[] = { "a", "b", "c", "d", "f" };
      if (e == 1)
        all[3] = f, names[3] = "f";   /* "d" missing at epoch 1 */
      g_autofree char *path = g_strdup_printf ("%s/epoch_%03u.safetensors", dir, e);
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_safetensors_write (path, e == 1 ? 4 : 5, names, all, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
check_bits (const char *dir, gboolean *order_matters)
{
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  guint ns = ps_checkpoint_series_get_n_steps (s), nt = ps_checkpoint_series_get_n_tensors (s);
  g_autofree double *ref = g_new (double, 2 * ns * nt + 1);
  for (guint k = 0; k < nt; k++)
    {
      g_autoptr (PsTensor) prev = NULL;
      int prev_step = -1;
      for (guint i = 0; i < ns; i++)
        {
          ref[i * nt + k] = ref[ns * nt + i * nt + k] = NAN;
          if (ps_checkpoint_series_get_entry (s, i, k) == NULL)
            continue;
          g_autoptr (PsTensor) t = ps_checkpoint_series_load (s, i, k, &error);
          g_assert_no_error (error);
          if (t->dtype != PS_DTYPE_FLOAT32)
            continue;   /* the step counters: no float sums */
          const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (s, i, k);
          const PsCheckpointEntry *pe = prev != NULL ? ps_checkpoint_series_get_entry (s, (guint) prev_step, k) : NULL;
          gboolean compare = pe != NULL && pe->ndim == e->ndim && memcmp (pe->shape, e->shape, sizeof (int64_t) * (gsize) e->ndim) == 0;
          double ss, ds, other;
          lane_sums (ps_tensor_f32 (t), compare ? ps_tensor_f32 (prev) : NULL, t->numel, &ss, &ds, &other);
          if (sqrt (other) != sqrt (ss))
            *order_matters = TRUE;
          ref[i * nt + k] = sqrt (ss);
          double pn = prev_step >= 0 ? ref[(guint) prev_step * nt + k] : 0;
          if (compare && pn > 0)
            ref[ns * nt + i * nt + k] = sqrt (ds) / pn;
          g_clear_pointer (&prev, ps_tensor_unref);
          prev = g_steal_pointer (&t);
          prev_step = (int) i;
        }
    }
  guint n_ref = 0;
  for (guint c = 0; c < ns * nt; c++)
    n_ref += !isnan (ref[c]);
  g_test_message ("%s: %u steps, %u tensors, %u float32 cells", dir, ns, nt, n_ref);
  guint widths[] = { 2, 4, 8 };
  for (guint wi = 0; wi < G_N_ELEMENTS (widths); wi++)
    {
      if (ps_checkpoint_series_set_sum_width (widths[wi]) != widths[wi])
        {
          g_test_message ("%u doubles per instruction: not on this processor, not checked", widths[wi]);
          continue;
        }
      for (guint v = 0; v < 4; v++)
        {
          ps_checkpoint_series_set_threads (v % 2 ? 2 : 1);
          ps_checkpoint_series_set_mapping (v < 2);
          g_autoptr (PsCheckpointSeries) c = ps_checkpoint_series_open (paths, 1, &error);
          g_assert_no_error (error);
          g_assert_true (ps_checkpoint_series_compute_norms (c, NULL, NULL, NULL, &error));
          g_assert_no_error (error);
          for (guint i = 0; i < ns; i++)
            for (guint k = 0; k < nt; k++)
              {
                double n = ps_checkpoint_series_get_norm (c, i, k), r = ps_checkpoint_series_get_rel_change (c, i, k);
                if (isnan (ref[i * nt + k]))
                  continue;   /* not a float32 cell */
                if (memcmp (&n, &ref[i * nt + k], sizeof n) != 0 || memcmp (&r, &ref[ns * nt + i * nt + k], sizeof r) != 0)
                  g_error ("%s, step %u, %s, width %u, %u thread(s), %s: norm %.17g rel %.17g, expected %.17g %.17g", dir, i,
                           ps_checkpoint_series_get_tensor_name (c, k), widths[wi], v % 2 ? 2 : 1, v < 2 ? "mapped" : "read",
                           n, r, ref[i * nt + k], ref[ns * nt + i * nt + k]);
              }
        }
    }
  ps_checkpoint_series_set_sum_width (0);
  ps_checkpoint_series_set_threads (0);
  ps_checkpoint_series_set_mapping (TRUE);
}

static void
test_norms_bits (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-series-bits-XXXXXX", NULL);
  write_bits_series (dir);
  gboolean order_matters = FALSE;
  check_bits (dir, &order_matters);
  g_autofree char *golden = series_dir ();
  check_bits (golden, &order_matters);
  g_assert_true (order_matters);
  rm_rf (dir);
}

/* A series growing one file at a time (a watched folder, files written out of order): after each
 * add_file only the new file's cells and, per tensor, the next checkpoint's are computed again, and
 * the norms equal a fresh computation over all the files bit for bit. */
static void
test_norms_incremental (void)
{
  g_autofree char *dir = series_dir ();
  char *p[6];
  for (guint i = 0; i < 6; i++)
    p[i] = g_strdup_printf ("%s/epoch_%03u.pt", dir, i);
  g_autoptr (GError) error = NULL;
  const char *all[] = { p[0], p[1], p[2], p[3], p[4], p[5] };
  g_autoptr (PsCheckpointSeries) full = ps_checkpoint_series_open (all, 6, &error);
  g_assert_no_error (error);
  g_assert_true (ps_checkpoint_series_compute_norms (full, NULL, NULL, NULL, &error));
  const char *start[] = { p[0], p[2], p[4] };
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (start, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_unknown_norms (s), ==,
                    ps_checkpoint_series_get_n_steps (s) * ps_checkpoint_series_get_n_tensors (s));
  g_assert_true (ps_checkpoint_series_update_norms (s, NULL, NULL, NULL, &error));   /* none known: all */
  g_assert_true (ps_checkpoint_series_has_norms (s));
  guint order[] = { 5, 1, 3 };   /* at the end, then between two, then between two again */
  for (guint a = 0; a < G_N_ELEMENTS (order); a++)
    {
      g_assert_true (ps_checkpoint_series_add_file (s, p[order[a]], &error));
      g_assert_no_error (error);
      g_assert_false (ps_checkpoint_series_has_norms (s));
      /* expected: the new file's tensors, and for each the next checkpoint that has it */
      guint ns = ps_checkpoint_series_get_n_steps (s), nt = ps_checkpoint_series_get_n_tensors (s), at = ns;
      for (guint i = 0; i < ns; i++)
        if (g_strcmp0 (ps_checkpoint_series_get_path (s, i), p[order[a]]) == 0)
          at = i;
      g_assert_cmpuint (at, <, ns);
      guint want = 0;
      for (guint k = 0; k < nt; k++)
        if (ps_checkpoint_series_get_entry (s, at, k) != NULL)
          {
            want++;
            for (guint i = at + 1; i < ns; i++)
              if (ps_checkpoint_series_get_entry (s, i, k) != NULL)
                {
                  want++;
                  break;
                }
          }
      g_assert_cmpuint (ps_checkpoint_series_get_n_unknown_norms (s), ==, want);
      g_assert_cmpuint (want, <, ns * nt / 2);
      g_assert_true (ps_checkpoint_series_update_norms (s, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ps_checkpoint_series_get_n_unknown_norms (s), ==, 0);
    }
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 6);
  g_assert_cmpuint (ps_checkpoint_series_get_n_tensors (s), ==, ps_checkpoint_series_get_n_tensors (full));
  guint compared = 0;
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpstr (ps_checkpoint_series_get_path (s, i), ==, ps_checkpoint_series_get_path (full, i));
      for (guint k = 0; k < ps_checkpoint_series_get_n_tensors (s); k++)
        {
          int fk = ps_checkpoint_series_find_tensor (full, ps_checkpoint_series_get_tensor_name (s, k));
          g_assert_cmpint (fk, >=, 0);
          double n = ps_checkpoint_series_get_norm (s, i, k), fn = ps_checkpoint_series_get_norm (full, i, (guint) fk);
          double r = ps_checkpoint_series_get_rel_change (s, i, k), fr = ps_checkpoint_series_get_rel_change (full, i, (guint) fk);
          g_assert_cmpint (memcmp (&n, &fn, sizeof n), ==, 0);
          g_assert_cmpint (memcmp (&r, &fr, sizeof r), ==, 0);
          compared += !isnan (r);
        }
    }
  g_assert_cmpuint (compared, >, 40);   /* relative changes, not only NaNs */
  for (guint i = 0; i < 6; i++)
    g_free (p[i]);
}

/* A bit flipped in a tensor's values (the record's CRC-32 no longer matches): the norms, which
 * check each record's CRC in the same pass as they sum its values, fail with an error naming the
 * file and the record — mapped or read, one thread or two — and keep no norms. The intact files'
 * records are checked on the way (a second computation does not check them again and gives the
 * same norms). */
static void
test_norms_crc (void)
{
  g_autofree char *dir = series_dir ();
  g_autofree char *tmp = g_dir_make_tmp ("ps-crc-XXXXXX", NULL);
  const char *names[] = { "epoch_001.pt", "epoch_002.pt", "epoch_003.pt" };
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *src = g_build_filename (dir, names[i], NULL);
      g_autofree char *dst = g_build_filename (tmp, names[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (src, &bytes, &len, NULL));
      if (i == 1)
        {
          /* the values of model.2.weight (2 × 16 float32) in the file: one bit of the 10th flipped */
          g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (src, NULL);
          g_autoptr (PsTensor) t = ps_checkpoint_load (ck, "model.2.weight", NULL);
          g_assert_nonnull (t);
          guint8 *at = memmem (bytes, len, t->data, 128);
          g_assert_nonnull (at);
          at[9 * 4 + 1] ^= 0x10;
        }
      g_assert_true (g_file_set_contents (dst, bytes, (gssize) len, NULL));
    }
  const char *paths[] = { tmp };
  for (guint v = 0; v < 3; v++)
    {
      ps_checkpoint_series_set_threads (v == 2 ? 2 : 1);
      ps_checkpoint_series_set_mapping (v != 1);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
      g_assert_no_error (error);
      g_assert_false (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "epoch_002.pt"));
      g_assert_nonnull (strstr (error->message, "CRC-32 mismatch"));
      g_assert_false (ps_checkpoint_series_has_norms (s));
    }
  ps_checkpoint_series_set_threads (0);
  ps_checkpoint_series_set_mapping (TRUE);
  /* the intact files alone: computed twice (records checked in the first pass only), same norms */
  g_autofree char *bad = g_build_filename (tmp, "epoch_002.pt", NULL);
  g_unlink (bad);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  ps_checkpoint_series_set_threads (1);
  g_assert_true (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
  guint nt = ps_checkpoint_series_get_n_tensors (s);
  g_autofree double *first = g_new (double, 2 * nt);
  for (guint k = 0; k < nt; k++)
    first[k] = ps_checkpoint_series_get_norm (s, 1, k), first[nt + k] = ps_checkpoint_series_get_rel_change (s, 1, k);
  g_assert_true (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
  ps_checkpoint_series_set_threads (0);
  g_assert_no_error (error);
  for (guint k = 0; k < nt; k++)
    {
      double n = ps_checkpoint_series_get_norm (s, 1, k), r = ps_checkpoint_series_get_rel_change (s, 1, k);
      g_assert_cmpint (memcmp (&n, &first[k], sizeof n), ==, 0);
      g_assert_cmpint (memcmp (&r, &first[nt + k], sizeof r), ==, 0);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *p = g_build_filename (tmp, names[i], NULL);
      g_unlink (p);
    }
  g_rmdir (tmp);
}

/* A checkpoint truncated after the series was opened (a script overwriting it): the norms fail
 * with an error naming it, nothing crashes, and the series keeps no half-computed norms. */
static void
test_norms_truncated (void)
{
  g_autofree char *dir = series_dir ();
  g_autofree char *tmp = g_dir_make_tmp ("ps-trunc-XXXXXX", NULL);
  const char *names[] = { "epoch_000.pt", "epoch_001.pt" };
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *src = g_build_filename (dir, names[i], NULL);
      g_autofree char *dst = g_build_filename (tmp, names[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (src, &bytes, &len, NULL));
      g_assert_true (g_file_set_contents (dst, bytes, (gssize) len, NULL));
    }
  const char *paths[] = { tmp };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_autofree char *victim = g_build_filename (tmp, "epoch_001.pt", NULL);
  g_assert_cmpint (truncate (victim, 1000), ==, 0);
  ps_checkpoint_series_set_threads (1);   /* the caller's own readers, opened before the truncation */
  g_assert_false (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
  ps_checkpoint_series_set_threads (0);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "epoch_001.pt"));
  g_assert_false (ps_checkpoint_series_has_norms (s));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *p = g_build_filename (tmp, names[i], NULL);
      g_unlink (p);
    }
  g_rmdir (tmp);
}

/* How often needle occurs in hay. */
static guint
occurrences (const char *hay, const char *needle)
{
  guint n = 0;
  for (const char *p = hay; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* Every class of error reading the values of one checkpoint of a series (damaged record, file cut
 * after the series was opened, in each format), read through the mapping and read with copies:
 * one message naming the file once, saying what is wrong ("epoch_001.pt: epoch_001.pt: …" was what
 * the read path said), the same through ps_checkpoint_series_load. */
static void
test_read_errors (void)
{
  g_autofree char *dir = series_dir ();
  g_autofree char *data = g_build_filename (g_getenv ("PS_TEST_DATA"), NULL);
  struct {
    const char *name;       /* the damaged file */
    const char *source;     /* copied from, under tests/data ("" = written here) */
    const char *damage;     /* "crc": a value bit flipped; "cut": truncated after opening */
    const char *tensor;     /* one of its tensors */
    const char *says;       /* in the message */
  } cases[] = {
    { "epoch_001.pt", "pt/series/epoch_001.pt", "crc", "model.2.weight", "CRC-32 mismatch" },
    { "epoch_001.pt", "pt/series/epoch_001.pt", "cut", "model.2.weight", "shorter" },
    { "epoch_001.pt", "pt/valid/linear_legacy.pt", "cut", "weight", "shorter" },
    { "epoch_001.safetensors", "", "cut", "0.weight", "shorter" },
    { "epoch_001.npz", "formats/stored.npz", "crc", NULL, "CRC" },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint mapped = 0; mapped < 2; mapped++)
      {
        g_autofree char *tmp = g_dir_make_tmp ("ps-read-errors-XXXXXX", NULL);
        g_autofree char *first_src = g_build_filename (dir, "epoch_000.pt", NULL);
        g_autofree char *first = g_build_filename (tmp, "epoch_000.pt", NULL);
        copy_file (first_src, first);
        g_autofree char *victim = g_build_filename (tmp, cases[c].name, NULL);
        if (*cases[c].source)
          {
            g_autofree char *src = g_build_filename (data, cases[c].source, NULL);
            copy_file (src, victim);
          }
        else
          {
            g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 64, 64, NULL);
            const char *names[] = { "0.weight" };
            PsTensor *ts[] = { w };
            g_assert_true (ps_safetensors_write (victim, 1, names, ts, NULL, NULL));
          }
        const char *tensor = cases[c].tensor;
        g_autofree char *only = NULL;
        if (tensor == NULL)   /* npz: its first tensor */
          {
            g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (victim, NULL);
            g_assert_nonnull (ck);
            tensor = only = g_strdup (ps_checkpoint_get_entry (ck, 0)->name);
          }
        if (g_str_equal (cases[c].damage, "crc"))
          {
            /* one bit of the 2nd value flipped where the values are stored */
            g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (victim, NULL);
            g_autoptr (PsTensor) t = ps_checkpoint_load (ck, tensor, NULL);
            g_assert_nonnull (t);
            g_autofree char *bytes = NULL;
            gsize len;
            g_assert_true (g_file_get_contents (victim, &bytes, &len, NULL));
            gsize n = MIN ((gsize) t->numel * ps_dtype_size (t->dtype), 64);
            guint8 *at = memmem (bytes, len, t->data, n);
            g_assert_nonnull (at);
            at[ps_dtype_size (t->dtype) + 1] ^= 0x10;
            g_assert_true (g_file_set_contents (victim, bytes, (gssize) len, NULL));
          }
        const char *paths[] = { tmp };
        g_autoptr (GError) error = NULL;
        g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 2);
        g_assert_cmpstr (ps_checkpoint_series_get_label (s, 1), ==, cases[c].name);
        if (g_str_equal (cases[c].damage, "cut"))
          {
            GStatBuf st;
            g_assert_cmpint (g_stat (victim, &st), ==, 0);
            g_assert_cmpint (truncate (victim, st.st_size / 2), ==, 0);
          }
        ps_checkpoint_series_set_threads (1);   /* the readers opened before the damage */
        ps_checkpoint_series_set_mapping (mapped);
        g_assert_false (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
        ps_checkpoint_series_set_threads (0);
        ps_checkpoint_series_set_mapping (TRUE);
        g_assert_nonnull (error);
        g_test_message ("%s %s %s: %s", cases[c].name, cases[c].damage, mapped ? "mapped" : "read", error->message);
        g_assert_true (g_str_has_prefix (error->message, cases[c].name));
        g_assert_cmpuint (occurrences (error->message, cases[c].name), ==, 1);
        g_assert_nonnull (strstr (error->message, cases[c].says));
        g_assert_false (ps_checkpoint_series_has_norms (s));
        /* one tensor read alone: the same rule */
        int k = ps_checkpoint_series_find_tensor (s, tensor);
        g_assert_cmpint (k, >=, 0);
        g_clear_error (&error);
        g_autoptr (PsTensor) t = ps_checkpoint_series_load (s, 1, (guint) k, &error);
        g_assert_null (t);
        g_assert_nonnull (error);
        g_test_message ("  load: %s", error->message);
        g_assert_true (g_str_has_prefix (error->message, cases[c].name));
        g_assert_cmpuint (occurrences (error->message, cases[c].name), ==, 1);
        g_assert_nonnull (strstr (error->message, cases[c].says));
        g_unlink (victim);
        g_unlink (first);
        g_rmdir (tmp);
      }
}

static void
test_norms_match_torch (void)
{
  g_autofree char *dir = series_dir ();
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_assert_false (ps_checkpoint_series_has_norms (s));
  g_assert_true (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *npath = g_build_filename (dir, "norms.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, npath, &error));
  JsonObject *norms = json_node_get_object (json_parser_get_root (parser));
  guint checked = 0;
  for (guint i = 0; i < ps_checkpoint_series_get_n_steps (s); i++)
    {
      JsonObject *per = json_object_get_object_member (norms, ps_checkpoint_series_get_label (s, i));
      g_autoptr (GList) names = json_object_get_members (per);
      for (GList *l = names; l; l = l->next)
        {
          int k = ps_checkpoint_series_find_tensor (s, l->data);
          g_assert_cmpint (k, >=, 0);
          double want = json_object_get_double_member (per, l->data);
          double got = ps_checkpoint_series_get_norm (s, i, (guint) k);
          g_assert_cmpfloat (fabs (got - want), <=, 1e-12 * MAX (1.0, want));
          checked++;
        }
    }
  g_assert_cmpuint (checked, ==, 6 * 4);

  /* relative change against a naive recomputation from the decoded tensors */
  int w = ps_checkpoint_series_find_tensor (s, "2.weight");
  g_assert_true (isnan (ps_checkpoint_series_get_rel_change (s, 0, (guint) w)));
  for (guint i = 1; i < 6; i++)
    {
      g_autoptr (PsTensor) a = ps_checkpoint_series_load (s, i - 1, (guint) w, &error);
      g_autoptr (PsTensor) b = ps_checkpoint_series_load (s, i, (guint) w, &error);
      g_assert_no_error (error);
      double d = 0, n = 0;
      for (int64_t j = 0; j < a->numel; j++)
        {
          double x = ps_tensor_cf32 (a)[j], y = ps_tensor_cf32 (b)[j];
          d += (y - x) * (y - x);
          n += x * x;
        }
      g_assert_cmpfloat (fabs (ps_checkpoint_series_get_rel_change (s, i, (guint) w) - sqrt (d) / sqrt (n)), <=, 1e-12);
      g_assert_cmpfloat (ps_checkpoint_series_get_rel_change (s, i, (guint) w), >, 0);
    }
  /* Adam's exp_avg appears at epoch 1: no change there, one at epoch 2 */
  int ea = ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  g_assert_true (isnan (ps_checkpoint_series_get_norm (s, 0, (guint) ea)));
  g_assert_true (isnan (ps_checkpoint_series_get_rel_change (s, 1, (guint) ea)));
  g_assert_false (isnan (ps_checkpoint_series_get_rel_change (s, 2, (guint) ea)));

  g_autofree char *csv = ps_checkpoint_series_to_csv (s);
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step_index,epoch,file,tensor,status,numel,norm,rel_change");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 6 * ps_checkpoint_series_get_n_tensors (s) + 1);
  g_assert_true (g_str_has_prefix (lines[1], "0,0,epoch_000.pt,0.weight,present,32,"));
  g_assert_nonnull (strstr (csv, "0,0,epoch_000.pt,optimizer.state.0.exp_avg,missing,,,"));
}

typedef struct {
  PsCheckpointSeries *s;
  gboolean done, ok;
  GError *error;
} AsyncData;

static void
async_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncData *d = data;
  d->ok = ps_checkpoint_series_compute_norms_finish (d->s, result, &d->error);
  d->done = TRUE;
}

static void
test_async (void)
{
  g_autofree char *dir = series_dir ();
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  AsyncData d = { s, FALSE, FALSE, NULL };
  ps_checkpoint_series_compute_norms_async (s, c, async_cb, &d);
  while (!d.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (d.ok);
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&d.error);
  g_assert_false (ps_checkpoint_series_has_norms (s));
  d.done = FALSE;
  ps_checkpoint_series_compute_norms_async (s, NULL, async_cb, &d);
  while (!d.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);
  g_assert_true (ps_checkpoint_series_has_norms (s));
  g_assert_false (isnan (ps_checkpoint_series_get_norm (s, 5, 0)));
}

/* A folder mixing formats, with a half-written torch.save and a tensor whose shape changes. */
static void
test_mixed_folder (void)
{
  g_autofree char *src = series_dir ();
  g_autofree char *dir = g_dir_make_tmp ("ps-series-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("epoch_%03u.pt", i);
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (from, &data, &len, NULL));
      g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
    }
  /* epoch 2 as safetensors (epoch in its metadata), with 0.bias of another shape */
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 16, 2, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 7, NULL);
  for (int j = 0; j < 32; j++)
    ps_tensor_f32 (w)[j] = (float) j;
  const char *names[] = { "0.weight", "0.bias" };
  PsTensor *ts[] = { w, b };
  g_autoptr (GHashTable) md = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (md, "epoch", "2");
  g_autofree char *st = g_build_filename (dir, "epoch_002.safetensors", NULL);
  g_assert_true (ps_safetensors_write (st, 2, names, ts, md, &error));
  /* the interrupted save of tests/data/pt/valid, as epoch 3 */
  g_autofree char *intr_src = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "valid", "interrupted_save.pt", NULL);
  g_autofree char *intr = g_build_filename (dir, "epoch_003.pt", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (intr_src, &data, &len, NULL));
  g_assert_true (g_file_set_contents (intr, data, (gssize) len, NULL));
  g_autofree char *other = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (other, "hello", -1, NULL));

  const char *paths[] = { dir };
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 3);
  g_assert_cmpint (ps_checkpoint_series_get_order (s), ==, PS_SERIES_ORDER_EPOCH);
  g_assert_cmpstr (ps_checkpoint_series_get_label (s, 2), ==, "epoch_002.safetensors");
  const char *const *sk = ps_checkpoint_series_get_skipped (s);
  g_assert_nonnull (sk[0]);
  g_assert_nonnull (strstr (sk[0], "torch.save did not finish"));
  g_assert_null (sk[1]);
  int wk = ps_checkpoint_series_find_tensor (s, "0.weight"), bk = ps_checkpoint_series_find_tensor (s, "0.bias");
  int k2 = ps_checkpoint_series_find_tensor (s, "2.weight");
  g_assert_cmpint (ps_checkpoint_series_get_presence (s, 2, (guint) wk), ==, PS_SERIES_PRESENT);
  g_assert_cmpint (ps_checkpoint_series_get_presence (s, 2, (guint) bk), ==, PS_SERIES_SHAPE_CHANGED);
  g_assert_cmpint (ps_checkpoint_series_get_presence (s, 2, (guint) k2), ==, PS_SERIES_MISSING);
  g_assert_true (ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error));
  g_assert_cmpfloat (fabs (ps_checkpoint_series_get_norm (s, 2, (guint) wk) - sqrt (31.0 * 32 * 63 / 6)), <, 1e-9);
  g_assert_true (isnan (ps_checkpoint_series_get_rel_change (s, 2, (guint) bk)));
  g_assert_false (isnan (ps_checkpoint_series_get_rel_change (s, 2, (guint) wk)));

  /* the interrupted file completes: add_file takes it (here: a copy of epoch 1 with another name) */
  g_assert_false (ps_checkpoint_series_add_file (s, intr, &error));
  g_assert_nonnull (strstr (error->message, "did not finish"));
  g_clear_error (&error);
  g_autofree char *e1 = g_build_filename (src, "epoch_001.pt", NULL);
  g_autofree char *e1d = NULL;
  g_assert_true (g_file_get_contents (e1, &e1d, &len, NULL));
  g_assert_true (g_file_set_contents (intr, e1d, (gssize) len, NULL));
  g_assert_true (ps_checkpoint_series_add_file (s, intr, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 4);
  g_assert_false (ps_checkpoint_series_has_norms (s));
  /* it says epoch 1 inside, so it sorts second (by name after epoch_001.pt) */
  g_assert_cmpstr (ps_checkpoint_series_get_label (s, 2), ==, "epoch_003.pt");

  rm_rf (dir);
}

static void
on_added (PsCheckpointSeries *s, const char *path, gpointer data)
{
  g_ptr_array_add (data, g_path_get_basename (path));
}

/* Waits (main loop) until cond() or about 10 s. */
static gboolean
wait_for (gboolean (*cond) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!cond (data) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return cond (data);
}

static gboolean
has_pending (gpointer w)
{
  return ps_series_watch_get_pending (w)[0] != NULL;
}

static gboolean
added_two (gpointer a)
{
  return ((GPtrArray *) a)->len >= 2;
}

static gboolean
added_one (gpointer a)
{
  return ((GPtrArray *) a)->len >= 1;
}

/* A folder written to while it is watched: a half-written torch.save (only its version record)
 * stays out; the complete file comes in, whether written in place or renamed into the folder. */
static void
test_watch (void)
{
  g_autofree char *src = series_dir ();
  g_autofree char *dir = g_dir_make_tmp ("ps-watch-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *e0 = NULL, *e1 = NULL, *e2 = NULL, *intr = NULL;
  gsize n0, n1, n2, ni;
  g_autofree char *p0 = g_build_filename (src, "epoch_000.pt", NULL);
  g_autofree char *p1 = g_build_filename (src, "epoch_001.pt", NULL);
  g_autofree char *p2 = g_build_filename (src, "epoch_002.pt", NULL);
  g_autofree char *pi = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "valid", "interrupted_save.pt", NULL);
  g_assert_true (g_file_get_contents (p0, &e0, &n0, NULL) && g_file_get_contents (p1, &e1, &n1, NULL)
                 && g_file_get_contents (p2, &e2, &n2, NULL) && g_file_get_contents (pi, &intr, &ni, NULL));
  g_autofree char *d0 = g_build_filename (dir, "epoch_000.pt", NULL);
  g_autofree char *d1 = g_build_filename (dir, "epoch_001.pt", NULL);
  g_autofree char *d2 = g_build_filename (dir, "epoch_002.pt", NULL);
  g_assert_true (g_file_set_contents (d0, e0, (gssize) n0, NULL));
  const char *paths[] = { dir };
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PsSeriesWatch) w = ps_series_watch_new (s, dir, on_added, added, &error);
  g_assert_no_error (error);

  /* what an unfinished torch.save leaves, renamed into place */
  g_assert_true (g_file_set_contents (d1, intr, (gssize) ni, NULL));
  g_assert_true (wait_for (has_pending, w));
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 1);
  g_assert_cmpuint (added->len, ==, 0);
  g_assert_nonnull (strstr (ps_series_watch_get_pending (w)[0], "did not finish"));

  /* the finished file replaces it */
  g_assert_true (g_file_set_contents (d1, e1, (gssize) n1, NULL));
  g_assert_true (wait_for (added_one, added));
  g_assert_cmpstr (added->pdata[0], ==, "epoch_001.pt");
  g_assert_null (ps_series_watch_get_pending (w)[0]);

  /* written in place in two halves (a reader in between sees a truncated zip) */
  FILE *f = fopen (d2, "wb");
  g_assert_nonnull (f);
  g_assert_cmpuint (fwrite (e2, 1, n2 / 2, f), ==, n2 / 2);
  fflush (f);
  for (int k = 0; k < 50; k++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 2);
  g_assert_cmpuint (fwrite (e2 + n2 / 2, 1, n2 - n2 / 2, f), ==, n2 - n2 / 2);
  fclose (f);
  g_assert_true (wait_for (added_two, added));
  g_assert_cmpstr (added->pdata[1], ==, "epoch_002.pt");
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 3);
  g_assert_cmpint (ps_checkpoint_series_get_order_value (s, 2), ==, 2);

  g_clear_pointer (&w, ps_series_watch_free);
  g_unlink (d0);
  g_unlink (d1);
  g_unlink (d2);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint-series/order-and-presence", test_order_and_presence);
  g_test_add_func ("/checkpoint-series/norms-match-torch", test_norms_match_torch);
  g_test_add_func ("/checkpoint-series/rank-changes", test_rank_changes);
  g_test_add_func ("/checkpoint-series/mapped-values", test_mapped_values);
  g_test_add_func ("/checkpoint-series/norms-threads", test_norms_threads);
  g_test_add_func ("/checkpoint-series/norms-bits", test_norms_bits);
  g_test_add_func ("/checkpoint-series/norms-incremental", test_norms_incremental);
  g_test_add_func ("/checkpoint-series/norms-truncated", test_norms_truncated);
  g_test_add_func ("/checkpoint-series/read-errors", test_read_errors);
  g_test_add_func ("/checkpoint-series/norms-crc", test_norms_crc);
  g_test_add_func ("/checkpoint-series/async-cancel", test_async);
  g_test_add_func ("/checkpoint-series/mixed-folder", test_mixed_folder);
  g_test_add_func ("/checkpoint-series/watch", test_watch);
  return g_test_run ();
}
