/* test-substep-figure — what the main window's plot pages draw inside a train step
 * (ps-substep-figure): the heatmap of the shown sub-step's tensor (a dropped snapshot first says it
 * is recomputing, then draws the replayed one), the difference from the sub-step before
 * (recomputed first when it was dropped; the state before the run for the first) or from a chosen
 * step, an unknown parameter said instead of a picture, and Over Time's ridgeline over the kept
 * sub-steps at their training steps, its dropped ones recomputed in one batch. */
#include "ps-substep-figure.h"
#include "substep-test-util.h"

#include <string.h>

static void
count_ready (gpointer object, gpointer data)
{
  (*(guint *) data)++;
}

static PsTensor *
weight_of (PsState *st)
{
  PsTensor *t = ps_figure_find_tensor (st, "0.weight", "test", NULL);
  g_assert_nonnull (t);
  return t;
}

/* diff = b − a, element by element (float32) */
static void
assert_difference (const PsTensor *diff, const PsTensor *b, const PsTensor *a)
{
  g_assert_cmpint (diff->numel, ==, b->numel);
  g_assert_cmpint (a->numel, ==, b->numel);
  const float *pd = diff->data, *pa = a->data, *pb = b->data;
  for (int64_t k = 0; k < b->numel; k++)
    g_assert_cmpfloat (pd[k], ==, pb[k] - pa[k]);
}

static void
options (PsFigureOptions *o, PsFigureKind kind)
{
  ps_figure_options_init (o);
  o->kind = kind;
  o->step = 7;
}

static void
test_at (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (60, 4 * 1024);
  PsState *run = ps_timeline_get_state (tl, 7);
  guint ready = 0;
  g_autoptr (PsSubstepCursor) c = ps_substep_cursor_new ((PsSubstepCursorReady) count_ready, &ready);
  ps_substep_cursor_sync (c, tl, 7, run);
  PsFigureOptions o;
  options (&o, PS_FIGURE_HEATMAP);
  PsSubstepPicture pic;

  /* a kept sub-step: its tensor, and where it is */
  guint kept = substep_test_find (run, 1, FALSE);
  ps_substep_cursor_go_to (c, kept);
  ps_substep_figure_at (c, tl, 7, "0.weight", FALSE, -1, "what", &o, &pic);
  g_assert_nonnull (pic.figure);
  g_assert_false (pic.pending);
  g_assert_true (ps_tensor_equal (ps_figure_get_tensor (pic.figure), weight_of (ps_substep_cursor_get_record (c, kept)->state)));
  g_autofree char *ctx = g_strdup_printf ("Step 7, sub-step %u of 60 (training step %u)", kept + 1, kept + 1);
  g_assert_cmpstr (pic.context, ==, ctx);
  g_autofree char *sub = g_strdup_printf ("step 7, sub-step %u · what", kept + 1);
  g_assert_cmpstr (ps_figure_get_subtitle (pic.figure), ==, sub);
  ps_substep_picture_clear (&pic);

  /* an unknown parameter: said instead */
  ps_substep_figure_at (c, tl, 7, "9.weight", FALSE, -1, "what", &o, &pic);
  g_assert_null (pic.figure);
  g_assert_nonnull (pic.message);
  g_assert_nonnull (strstr (pic.message, "9.weight"));
  ps_substep_picture_clear (&pic);

  /* a dropped one: recomputing, then the replayed tensor */
  guint d = substep_test_find (run, 1, TRUE);
  ps_substep_cursor_go_to (c, d);
  ps_substep_figure_at (c, tl, 7, "0.weight", FALSE, -1, "what", &o, &pic);
  g_assert_true (pic.pending);
  g_assert_null (pic.figure);
  g_autofree char *coming = g_strdup_printf ("Recomputing sub-step %u…", d + 1);
  g_assert_cmpstr (pic.message, ==, coming);
  ps_substep_picture_clear (&pic);
  substep_test_wait (&ready, 1);
  ps_substep_figure_at (c, tl, 7, "0.weight", FALSE, -1, "what", &o, &pic);
  g_assert_nonnull (pic.figure);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) want = ps_train_log_get_state (run->train_log, d, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (ps_figure_get_tensor (pic.figure), weight_of (want)));
  ps_substep_picture_clear (&pic);

  /* the difference from the sub-step before, when that one was dropped: recomputed first (its own
   * replay), then b − a of the two */
  g_assert_null (ps_substep_cursor_get_record (c, kept - 1)->state);
  ps_substep_cursor_go_to (c, kept);
  options (&o, PS_FIGURE_HEATMAP);
  ps_substep_figure_at (c, tl, 7, "0.weight", TRUE, -1, "what", &o, &pic);
  g_assert_null (pic.figure);
  g_assert_true (pic.pending);
  g_autofree char *prev = g_strdup_printf ("Recomputing sub-step %u…", kept);
  g_assert_cmpstr (pic.message, ==, prev);
  ps_substep_picture_clear (&pic);
  substep_test_wait (&ready, 2);
  ps_substep_figure_at (c, tl, 7, "0.weight", TRUE, -1, "what", &o, &pic);
  g_assert_nonnull (pic.figure);
  g_autoptr (PsState) before = ps_train_log_get_state (run->train_log, kept - 1, &error);
  g_assert_no_error (error);
  assert_difference (ps_figure_get_tensor (pic.figure), weight_of (ps_substep_cursor_get_record (c, kept)->state),
                     weight_of (before));
  g_autofree char *from_prev = g_strdup_printf ("training step %u − training step %u", kept + 1, kept);
  g_assert_cmpstr (ps_figure_get_subtitle (pic.figure), ==, from_prev);
  ps_substep_picture_clear (&pic);
  /* from a kept one: one optimizer update (o's own diff_from is not used) */
  g_autoptr (PsTimeline) all = substep_test_timeline (60, G_MAXUINT64);
  ps_substep_cursor_sync (c, all, 7, ps_timeline_get_state (all, 7));
  ps_substep_cursor_go_to (c, 10);
  o.diff_from = 3;
  ps_substep_figure_at (c, all, 7, "0.weight", TRUE, -1, "what", &o, &pic);
  g_assert_nonnull (pic.figure);
  PsTensor *b = weight_of (ps_substep_cursor_get_record (c, 10)->state);
  PsTensor *a = weight_of (ps_substep_cursor_get_record (c, 9)->state);
  assert_difference (ps_figure_get_tensor (pic.figure), b, a);
  g_assert_cmpstr (ps_figure_get_subtitle (pic.figure), ==, "training step 11 − training step 10");
  ps_substep_picture_clear (&pic);

  /* the first sub-step: minus the state before the run; a chosen step: minus that step */
  ps_substep_cursor_go_to (c, 0);
  ps_substep_figure_at (c, all, 7, "0.weight", TRUE, -1, "what", &o, &pic);
  g_assert_nonnull (pic.figure);
  g_assert_cmpstr (ps_figure_get_subtitle (pic.figure), ==, "training step 1 − step 6 (before the run)");
  ps_substep_picture_clear (&pic);
  ps_substep_figure_at (c, all, 7, "0.weight", TRUE, 8, "what", &o, &pic);   /* the run after */
  g_assert_nonnull (pic.figure);
  g_assert_cmpstr (ps_figure_get_subtitle (pic.figure), ==, "training step 1 − step 8");
  ps_substep_picture_clear (&pic);
  ps_substep_figure_at (c, all, 7, "0.weight", TRUE, 2, "what", &o, &pic);   /* no model yet */
  g_assert_null (pic.figure);
  g_assert_nonnull (strstr (pic.message, "0.weight"));
  ps_substep_picture_clear (&pic);
}

static void
test_over_time (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (60, 4 * 1024);
  PsState *run = ps_timeline_get_state (tl, 7);
  guint ready = 0;
  g_autoptr (PsSubstepCursor) c = ps_substep_cursor_new (NULL, NULL);
  g_autoptr (PsSubstepSeries) s = ps_substep_series_new ((PsSubstepSeriesReady) count_ready, &ready);
  ps_substep_cursor_sync (c, tl, 7, run);
  const guint k = 49;
  ps_substep_cursor_go_to (c, k);
  PsFigureOptions o;
  options (&o, PS_FIGURE_RIDGELINE);
  PsSubstepPicture pic;
  guint dropped = 0, mid = 0;
  for (guint i = 0; i <= k; i++)
    if (ps_figure_series_keeps (k + 1, i) && ps_substep_cursor_get_record (c, i)->state == NULL)
      {
        dropped++;
        mid = i;
      }
  g_assert_cmpuint (dropped, >=, 10);
  ps_substep_series_figure (s, c, 7, "0.weight", &o, &pic);
  g_assert_true (pic.pending);
  g_assert_true (ps_substep_series_get_replaying (s));
  g_autofree char *coming = g_strdup_printf ("Recomputing %u dropped sub-steps for Over Time…", dropped);
  g_assert_cmpstr (pic.message, ==, coming);
  ps_substep_picture_clear (&pic);
  substep_test_wait (&ready, 1);
  g_assert_false (ps_substep_series_get_replaying (s));
  ps_substep_series_figure (s, c, 7, "0.weight", &o, &pic);
  g_assert_nonnull (pic.figure);
  g_assert_false (pic.pending);
  /* its rows: every kept sub-step 0..k at its training step */
  guint n_rows = 0, expect = 0;
  const int64_t *rows = ps_figure_get_steps (pic.figure, &n_rows);
  for (guint i = 0; i <= k; i++)
    if (ps_figure_series_keeps (k + 1, i))
      {
        g_assert_cmpuint (expect, <, n_rows);
        g_assert_cmpint (rows[expect++], ==, ps_substep_cursor_get_x (c, i));
      }
  g_assert_cmpuint (n_rows, ==, expect);
  g_autofree char *ctx = g_strdup_printf ("Step 7, sub-step %u of 60 (training step %u)", k + 1, k + 1);
  g_assert_cmpstr (pic.context, ==, ctx);
  ps_substep_picture_clear (&pic);
  /* a recomputed row is the replayed sub-step's tensor */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) want = ps_train_log_get_state (run->train_log, mid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ps_substep_series_get_tensor (s, mid));
  g_assert_true (ps_tensor_equal (ps_substep_series_get_tensor (s, mid), weight_of (want)));
  /* another parameter forgets them */
  ps_substep_series_figure (s, c, 7, "2.weight", &o, &pic);
  g_assert_true (pic.pending);
  g_assert_null (ps_substep_series_get_tensor (s, mid));
  ps_substep_picture_clear (&pic);
  ps_substep_series_forget (s);
  g_assert_false (ps_substep_series_get_replaying (s));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/substep-figure/at", test_at);
  g_test_add_func ("/substep-figure/over-time", test_over_time);
  return g_test_run ();
}
