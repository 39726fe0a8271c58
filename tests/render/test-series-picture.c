/* test-series-picture.c — the series pane's pictures without a display (ps-series-picture.c, moved
 * out of src/app): on the real run's checkpoints (tests/data/pt/series, six epochs written by torch,
 * the optimizer state absent from epoch 0), what is read and how it is titled, the sentences for a
 * tensor missing from a checkpoint or in another shape, the figures built from the files (values
 * equal to the file's), a read error naming the checkpoint, cancellation, and the norm chart's
 * numbers and subtitle. The GUI test (/series-window/missing-and-reshaped) shows the same through
 * the window. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ps-series-picture.h"
#include "ps-error.h"
#include "ps-safetensors.h"
#include "async-test-util.h"
#include "tmp-dir-util.h"
#include "series-test-util.h"

static PsCheckpointSeries *
open_dir (const char *dir)
{
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  PsCheckpointSeries *s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  return s;
}

static void
assert_same_values (PsTensor *a, PsTensor *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (ps_tensor_same_shape (a, b));
  g_assert_cmpint (a->dtype, ==, b->dtype);
  g_assert_cmpint (memcmp (a->data, b->data, ps_tensor_nbytes (a)), ==, 0);
}

static PsFigure *
build (PsSeriesPicture *p)
{
  g_autoptr (GError) error = NULL;
  PsFigure *fig = ps_series_picture_build (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fig);
  return fig;
}

static void
test_names (void)
{
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 6);
  g_autofree char *e3 = ps_series_step_name (s, 3);
  g_assert_cmpstr (e3, ==, "epoch 3");
  g_assert_cmpstr (ps_series_axis_name (s, TRUE), ==, "epoch");
  g_assert_cmpstr (ps_series_axis_name (s, FALSE), ==, "checkpoint");
  int ea = ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  int w = ps_checkpoint_series_find_tensor (s, "0.weight");
  g_assert_cmpint (ea, >, 0);
  g_assert_cmpint (w, >=, 0);
  guint missing, reshaped;
  ps_series_count_absent (s, (guint) ea, &missing, &reshaped);
  g_assert_cmpuint (missing, ==, 1);
  g_assert_cmpuint (reshaped, ==, 0);
  ps_series_count_absent (s, (guint) w, &missing, &reshaped);
  g_assert_cmpuint (missing, ==, 0);
  g_autofree char *absent = ps_series_missing_text (s, (guint) ea, 0);
  g_assert_cmpstr (absent, ==, "optimizer.state.0.exp_avg is not in epoch 0 (epoch_000.pt): it is in 5 of the 6 checkpoints");
  g_assert_null (ps_series_missing_text (s, (guint) ea, 1));
}

static void
test_at_step (void)
{
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  guint ea = (guint) ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.scale = 1.5;
  char *message = NULL;

  /* at epoch 5: read from epoch_005.pt, the values as stored */
  g_autoptr (PsSeriesPicture) heat = ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_HEATMAP, 5, -1, &o, &message);
  g_assert_null (message);
  g_assert_nonnull (heat);
  g_assert_cmpuint (ps_series_picture_get_n_reads (heat), ==, 1);
  g_assert_cmpstr (ps_series_picture_get_name (heat), ==, "optimizer.state.0.exp_avg");
  g_assert_cmpstr (ps_series_picture_get_subtitle (heat), ==, "epoch 5 · epoch_005.pt");
  g_assert_cmpstr (ps_series_picture_get_context (heat), ==, "epoch 5");
  g_assert_cmpint (ps_series_picture_get_options (heat)->kind, ==, PS_FIGURE_HEATMAP);
  g_assert_cmpfloat (ps_series_picture_get_options (heat)->scale, ==, 1.5);
  g_autoptr (PsFigure) fig = build (heat);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) e5 = ps_checkpoint_series_load (s, 5, ea, &error);
  g_assert_no_error (error);
  assert_same_values (ps_figure_get_tensor (fig), e5);
  g_assert_cmpstr (ps_figure_get_subtitle (fig), ==, "epoch 5 · epoch_005.pt");

  g_autoptr (PsSeriesPicture) hist = ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_HISTOGRAM, 5, -1, &o, &message);
  g_assert_cmpint (ps_series_picture_get_options (hist)->kind, ==, PS_FIGURE_HISTOGRAM);

  /* at epoch 0 it is not there: said, nothing to read */
  g_assert_null (ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_HISTOGRAM, 0, -1, &o, &message));
  g_assert_cmpstr (message, ==, "optimizer.state.0.exp_avg is not in epoch 0 (epoch_000.pt): it is in 5 of the 6 checkpoints");
  g_clear_pointer (&message, g_free);
  /* a difference with epoch 0 from epoch 2: also said; without a checkpoint to compare with: asked for */
  g_assert_null (ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_DIFFERENCE, 2, 0, &o, &message));
  g_assert_nonnull (strstr (message, "is not in epoch 0 (epoch_000.pt)"));
  g_clear_pointer (&message, g_free);
  g_assert_null (ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_DIFFERENCE, 2, -1, &o, &message));
  g_assert_cmpstr (message, ==, "The first checkpoint has no previous one: choose one to compare with");
  g_clear_pointer (&message, g_free);
  g_autoptr (PsSeriesPicture) diff = ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_DIFFERENCE, 2, 1, &o, &message);
  g_assert_nonnull (diff);
  g_assert_cmpuint (ps_series_picture_get_n_reads (diff), ==, 2);
  g_assert_cmpstr (ps_series_picture_get_context (diff), ==, "epoch 2 − epoch 1");
  g_assert_cmpstr (ps_series_picture_get_subtitle (diff), ==, "epoch 2 − epoch 1 (epoch_002.pt − epoch_001.pt)");
  g_autoptr (PsFigure) dfig = build (diff);
  g_assert_cmpstr (ps_figure_get_subtitle (dfig), ==, "epoch 2 − epoch 1 (epoch_002.pt − epoch_001.pt)");

  /* cancelled before the first read: nothing built, said as cancelled */
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  g_assert_null (ps_series_picture_build (heat, c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_over_series (void)
{
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  guint ea = (guint) ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  guint w = (guint) ps_checkpoint_series_find_tensor (s, "0.weight");
  char *message = NULL;
  /* bands over the 5 checkpoints that have it, at their epochs, saying that one lacks it */
  g_autoptr (PsSeriesPicture) bands = ps_series_picture_plan (s, ea, PS_SERIES_PICTURE_BANDS, 0, -1, NULL, &message);
  g_assert_nonnull (bands);
  g_assert_cmpuint (ps_series_picture_get_n_reads (bands), ==, 5);
  g_assert_cmpstr (ps_series_picture_get_subtitle (bands), ==, "5 checkpoints by epoch · missing from 1");
  g_assert_cmpint (ps_series_picture_get_options (bands)->kind, ==, PS_FIGURE_BANDS);
  g_autoptr (PsFigure) fig = build (bands);
  guint n = 0;
  const int64_t *steps = ps_figure_get_steps (fig, &n);
  g_assert_cmpuint (n, ==, 5);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (steps[i], ==, i + 1);
  g_assert_cmpstr (ps_figure_get_subtitle (fig), ==, "5 checkpoints by epoch · missing from 1");
  /* a ridgeline over all six */
  g_autoptr (PsSeriesPicture) ridge = ps_series_picture_plan (s, w, PS_SERIES_PICTURE_RIDGELINE, 0, -1, NULL, &message);
  g_assert_cmpstr (ps_series_picture_get_subtitle (ridge), ==, "6 checkpoints by epoch");
  g_assert_cmpint (ps_series_picture_get_options (ridge)->kind, ==, PS_FIGURE_RIDGELINE);
  g_autoptr (PsFigure) rfig = build (ridge);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) last = ps_checkpoint_series_load (s, 5, w, &error);
  assert_same_values (ps_figure_get_tensor (rfig), last);
}

/* epochs 0 and 1 as torch saved them, epoch 2 as safetensors with 0.bias of 7 values and no 2.*;
 * then epoch 1's file goes away between planning and reading. */
static void
test_reshaped_and_read_error (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ps-series-picture-XXXXXX", NULL);
  g_autoptr (PsTensor) b = series_write_mixed (tmp);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = open_dir (tmp);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 3);
  guint bias = (guint) ps_checkpoint_series_find_tensor (s, "0.bias");
  guint w2 = (guint) ps_checkpoint_series_find_tensor (s, "2.weight");
  char *message = NULL;
  /* bands over the checkpoints of its first shape, saying one has another */
  g_autoptr (PsSeriesPicture) bands = ps_series_picture_plan (s, bias, PS_SERIES_PICTURE_BANDS, 0, -1, NULL, &message);
  g_assert_cmpuint (ps_series_picture_get_n_reads (bands), ==, 2);
  g_assert_cmpstr (ps_series_picture_get_subtitle (bands), ==, "2 checkpoints by epoch · 1 with another shape left out");
  g_autoptr (PsFigure) fig = build (bands);
  g_assert_cmpint (ps_figure_get_tensor (fig)->numel, ==, 16);
  /* the newest has it in its own shape: drawn as it is */
  g_autoptr (PsSeriesPicture) heat = ps_series_picture_plan (s, bias, PS_SERIES_PICTURE_HEATMAP, 2, -1, NULL, &message);
  g_autoptr (PsFigure) hfig = build (heat);
  assert_same_values (ps_figure_get_tensor (hfig), b);
  /* 2.weight is not in the newest checkpoint */
  g_assert_null (ps_series_picture_plan (s, w2, PS_SERIES_PICTURE_HEATMAP, 2, -1, NULL, &message));
  g_assert_cmpstr (message, ==, "2.weight is not in epoch 2 (epoch_002.safetensors): it is in 2 of the 3 checkpoints");
  g_clear_pointer (&message, g_free);
  g_autoptr (PsSeriesPicture) wb = ps_series_picture_plan (s, w2, PS_SERIES_PICTURE_BANDS, 0, -1, NULL, &message);
  g_assert_cmpstr (ps_series_picture_get_subtitle (wb), ==, "2 checkpoints by epoch · missing from 1");

  /* planned, then the file is gone: the error names the tensor and the checkpoint */
  g_autoptr (PsSeriesPicture) at1 = ps_series_picture_plan (s, w2, PS_SERIES_PICTURE_HISTOGRAM, 1, -1, NULL, &message);
  g_assert_nonnull (at1);
  g_autofree char *e1 = g_build_filename (tmp, "epoch_001.pt", NULL);
  g_assert_cmpint (g_unlink (e1), ==, 0);
  g_assert_null (ps_series_picture_build (at1, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "No 2.weight at epoch 1: "));
  rm_rf (tmp);
}

static void
test_norms (void)
{
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  g_autoptr (PsCheckpointSeries) ns = open_dir (dir);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_checkpoint_series_compute_norms (ns, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  guint ea = (guint) ps_checkpoint_series_find_tensor (s, "optimizer.state.0.exp_avg");
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) norms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) rel = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_set_size (steps, 3);   /* emptied first */
  char *message = NULL;
  g_autoptr (PsFigure) fig = ps_series_norms_figure (s, ns, ea, 2, 1, 1.0, steps, norms, rel, &message);
  g_assert_null (message);
  g_assert_nonnull (fig);
  g_assert_cmpuint (steps->len, ==, 6);
  g_assert_cmpuint (norms->len, ==, 6);
  g_assert_true (isnan (g_array_index (norms, double, 0)));
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpint (g_array_index (steps, int64_t, i), ==, i);
      double nv = ps_checkpoint_series_get_norm (ns, i, ea);
      double rv = ps_checkpoint_series_get_rel_change (ns, i, ea);
      g_assert_true (memcmp (&g_array_index (norms, double, i), &nv, sizeof nv) == 0);
      g_assert_true (memcmp (&g_array_index (rel, double, i), &rv, sizeof rv) == 0);
    }
  g_assert_false (isnan (g_array_index (norms, double, 1)));
  g_assert_cmpstr (ps_figure_get_title (fig), ==, "optimizer.state.0.exp_avg");
  g_assert_nonnull (strstr (ps_figure_get_subtitle (fig), "over 6 checkpoints · missing from 1"));
  /* norms computed over files without that tensor: said */
  g_autofree char *e0 = g_build_filename (dir, "epoch_000.pt", NULL);
  const char *only[] = { e0 };
  g_autoptr (PsCheckpointSeries) first = ps_checkpoint_series_open (only, 1, &error);
  g_assert_no_error (error);
  g_assert_null (ps_series_norms_figure (s, first, ea, 2, 1, 1.0, steps, norms, rel, &message));
  g_assert_cmpstr (message, ==, "No norms for optimizer.state.0.exp_avg");
  g_assert_cmpuint (norms->len, ==, 0);
  g_free (message);
}

/* The worker: the figure read from the files, the picture given back; cancelled before it runs,
 * an error (and the picture still given back). */
static void
test_async (void)
{
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  g_autofree char *message = NULL;
  int w = ps_checkpoint_series_find_tensor (s, "0.weight");
  PsSeriesPicture *p = ps_series_picture_plan (s, (guint) w, PS_SERIES_PICTURE_HEATMAP, 3, -1, &o, &message);
  g_assert_nonnull (p);
  PsFigure *direct = build (p);
  g_autoptr (GAsyncResult) result = NULL;
  ps_series_picture_build_async (p, NULL, store_result, &result);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSeriesPicture) back = NULL;
  g_autoptr (PsFigure) fig = ps_series_picture_build_finish (wait_result (&result), &back, &error);
  g_assert_no_error (error);
  g_assert_true (back == p);
  g_assert_cmpstr (ps_series_picture_get_name (back), ==, "0.weight");
  assert_same_values (ps_figure_get_tensor (fig), ps_figure_get_tensor (direct));
  ps_figure_free (direct);

  g_autoptr (GAsyncResult) cancelled_result = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  ps_series_picture_build_async (g_steal_pointer (&back), cancelled, store_result, &cancelled_result);
  g_assert_null (ps_series_picture_build_finish (wait_result (&cancelled_result), &back, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (back == p);
}

/* What the pane's Export offers and writes: the file name from the tensor and the page, and a page
 * without a figure says why instead of writing. */
static void
test_export (void)
{
  const char *cases[][3] = {
    { "model.0.weight", "heatmap", "model.0.weight-heatmap.png" },
    { "a/b\\c", "norms", "a_b_c-norms.png" },
    { NULL, "bands", "series-bands.png" },
    { "model.0.weight", "changes", "series-changes.csv" },   /* the table is about every tensor */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = ps_series_export_name (cases[i][0], cases[i][1]);
      g_assert_cmpstr (name, ==, cases[i][2]);
    }
  g_autofree char *tmp = g_dir_make_tmp ("ps-series-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (tmp, "x.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_series_export_figure (NULL, "Reading 0.weight…", png, 640, 420, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Nothing to export: Reading 0.weight…");
  g_clear_error (&error);
  g_assert_false (ps_series_export_figure (NULL, NULL, png, 640, 420, &error));
  g_assert_cmpstr (error->message, ==, "Nothing to export: select a tensor");
  g_clear_error (&error);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  /* a figure: written as drawn */
  g_autofree char *dir = series_dir ();
  g_autoptr (PsCheckpointSeries) s = open_dir (dir);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  g_autofree char *message = NULL;
  int w = ps_checkpoint_series_find_tensor (s, "0.weight");
  g_autoptr (PsSeriesPicture) p = ps_series_picture_plan (s, (guint) w, PS_SERIES_PICTURE_HEATMAP, 2, -1, &o, &message);
  g_assert_nonnull (p);
  PsFigure *fig = build (p);
  g_assert_true (ps_series_export_figure (fig, NULL, png, 640, 420, &error));
  g_assert_no_error (error);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 8);
  g_assert_cmpint (memcmp (bytes, "\x89PNG", 4), ==, 0);
  ps_figure_free (fig);
  g_unlink (png);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-picture/names", test_names);
  g_test_add_func ("/series-picture/at-step", test_at_step);
  g_test_add_func ("/series-picture/over-series", test_over_series);
  g_test_add_func ("/series-picture/reshaped-and-read-error", test_reshaped_and_read_error);
  g_test_add_func ("/series-picture/norms", test_norms);
  g_test_add_func ("/series-picture/export", test_export);
  g_test_add_func ("/series-picture/async", test_async);
  return g_test_run ();
}
