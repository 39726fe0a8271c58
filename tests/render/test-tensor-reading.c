/* test-tensor-reading.c — the checkpoint window's read of a selected tensor without a display
 * (ps-tensor-reading.c, moved out of the window): a tensor of a safetensors file described as the
 * summary describes it and drawn as a heatmap and a histogram of its values (the file's values,
 * converted as the figures convert them), not drawn when no figure is asked for, a tensor the file
 * no longer has and a file that is gone (the reading says why: not an error of the call), a
 * cancelled read, and the same in a worker. The GUI test (test-checkpoint-window) shows it. */
#include <string.h>
#include "ps-checkpoint-summary.h"
#include "ps-tensor-reading.h"
#include "formats-test-util.h"
#include "async-test-util.h"

static void
two_options (PsFigureOptions o[2])
{
  ps_figure_options_init (&o[0]);
  o[0].kind = PS_FIGURE_HEATMAP;
  ps_figure_options_init (&o[1]);
  o[1].kind = PS_FIGURE_HISTOGRAM;
  o[1].scale = 2;
}

static void
test_read (void)
{
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsFigureOptions o[2];
  two_options (o);
  g_autoptr (PsTensorReading) r = ps_tensor_reading_new (path, 0, "model.layer.0.weight", o, 2);
  g_assert_true (ps_tensor_reading_run (r, NULL));
  g_assert_false (ps_tensor_reading_failed (r));
  g_assert_cmpstr (ps_tensor_reading_get_name (r), ==, "model.layer.0.weight");
  /* described as the summary describes it */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, "model.layer.0.weight");
  g_autoptr (PsTensor) t = ps_checkpoint_load (ck, e->name, &error);
  g_assert_no_error (error);
  g_autofree char *want = ps_checkpoint_describe_tensor (e, t);
  g_assert_cmpstr (ps_tensor_reading_get_text (r), ==, want);
  /* drawn with the options given, the file's values */
  g_assert_cmpuint (ps_tensor_reading_get_n_figures (r), ==, 2);
  g_assert_cmpfloat (ps_tensor_reading_get_options (r, 1)->scale, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (PsFigure) fig = ps_tensor_reading_steal_figure (r, i);
      g_assert_nonnull (fig);
      g_assert_null (ps_tensor_reading_get_figure_error (r, i));
      g_assert_true (g_str_has_prefix (ps_figure_get_title (fig), "model.layer.0.weight"));
      g_assert_nonnull (strstr (ps_figure_get_subtitle (fig), "in the file"));
      PsTensor *shown = ps_figure_get_tensor (fig);
      g_assert_nonnull (shown);
      g_assert_cmpint (shown->numel, ==, t->numel);
      g_assert_cmpint (memcmp (shown->data, t->data, ps_tensor_nbytes (t)), ==, 0);
      g_assert_null (ps_tensor_reading_steal_figure (r, i));   /* stolen once */
    }
  /* not drawn: described only */
  g_autoptr (PsTensorReading) plain = ps_tensor_reading_new (path, 0, "model.layer.0.weight", NULL, 0);
  g_assert_true (ps_tensor_reading_run (plain, NULL));
  g_assert_cmpstr (ps_tensor_reading_get_text (plain), ==, want);
  g_assert_cmpuint (ps_tensor_reading_get_n_figures (plain), ==, 0);
}

static void
test_failures (void)
{
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsFigureOptions o[2];
  two_options (o);
  g_autoptr (PsTensorReading) gone = ps_tensor_reading_new (path, 0, "model.nope", o, 2);
  g_assert_true (ps_tensor_reading_run (gone, NULL));
  g_assert_true (ps_tensor_reading_failed (gone));
  g_assert_cmpstr (ps_tensor_reading_get_text (gone), ==,
                   "Could not read model.nope: the file has no tensor \"model.nope\" any more");
  g_assert_null (ps_tensor_reading_steal_figure (gone, 0));
  g_autoptr (PsTensorReading) no_file = ps_tensor_reading_new ("/nonexistent/x.safetensors", 0, "w", o, 2);
  g_assert_true (ps_tensor_reading_run (no_file, NULL));
  g_assert_true (ps_tensor_reading_failed (no_file));
  g_assert_true (g_str_has_prefix (ps_tensor_reading_get_text (no_file), "Could not read w: "));
  /* cancelled: no result */
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  g_autoptr (PsTensorReading) r = ps_tensor_reading_new (path, 0, "model.layer.0.weight", o, 2);
  g_assert_false (ps_tensor_reading_run (r, cancelled));
  g_assert_null (ps_tensor_reading_get_text (r));
}

static void
test_async (void)
{
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsFigureOptions o[2];
  two_options (o);
  g_autoptr (GAsyncResult) result = NULL;
  ps_tensor_reading_run_async (ps_tensor_reading_new (path, 0, "model.layer.0.weight", o, 2), NULL, store_result,
                               &result);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensorReading) r = ps_tensor_reading_run_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_false (ps_tensor_reading_failed (r));
  g_autoptr (PsFigure) fig = ps_tensor_reading_steal_figure (r, 0);
  g_assert_nonnull (fig);
  g_autoptr (GAsyncResult) cancelled_result = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  ps_tensor_reading_run_async (ps_tensor_reading_new (path, 0, "model.layer.0.weight", o, 2), cancelled, store_result,
                               &cancelled_result);
  g_assert_null (ps_tensor_reading_run_finish (wait_result (&cancelled_result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor-reading/read", test_read);
  g_test_add_func ("/tensor-reading/failures", test_failures);
  g_test_add_func ("/tensor-reading/async", test_async);
  return g_test_run ();
}
