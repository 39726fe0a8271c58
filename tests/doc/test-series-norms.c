/* test-series-norms.c — the norms of a growing series without a display (ps-series-norms.c, moved
 * out of the series pane's worker): on the real run's checkpoints (tests/data/pt/series), a series
 * computed afresh, one grown from the series of fewer files (only the new file's cells computed, the same norms bit for bit as afresh), a base that cannot be grown (opened
 * afresh), whether a norm series matches the shown one, a missing file and cancellation. The GUI
 * test (/series-window/watch) shows the same through a watched folder. */
#include <math.h>
#include <string.h>
#include "ps-checkpoint.h"
#include "ps-series-norms.h"
#include "async-test-util.h"

static char *
fixture (guint epoch)
{
  g_autofree char *file = g_strdup_printf ("epoch_%03u.pt", epoch);
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", file, NULL);
}

/* The paths of epochs [0, n). */
static GPtrArray *
paths (guint n)
{
  GPtrArray *p = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (p, fixture (i));
  return p;
}

static PsCheckpointSeries *
compute (PsCheckpointSeries *base, GPtrArray *p, guint *cells)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointSeries *s = ps_series_norms_compute (base, (const char *const *) p->pdata, p->len, NULL, NULL, NULL,
                                                   cells, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
  g_assert_true (ps_checkpoint_series_has_norms (s));
  return s;
}

static void
assert_same_norms (PsCheckpointSeries *x, PsCheckpointSeries *y)
{
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (x), ==, ps_checkpoint_series_get_n_steps (y));
  g_assert_cmpuint (ps_checkpoint_series_get_n_tensors (x), ==, ps_checkpoint_series_get_n_tensors (y));
  guint nan_cells = 0;
  for (guint i = 0; i < ps_checkpoint_series_get_n_steps (x); i++)
    for (guint t = 0; t < ps_checkpoint_series_get_n_tensors (x); t++)
      {
        double a = ps_checkpoint_series_get_norm (x, i, t), b = ps_checkpoint_series_get_norm (y, i, t);
        double ra = ps_checkpoint_series_get_rel_change (x, i, t), rb = ps_checkpoint_series_get_rel_change (y, i, t);
        g_assert_cmpint (isnan (a), ==, isnan (b));
        g_assert_true (isnan (a) || memcmp (&a, &b, sizeof a) == 0);
        g_assert_cmpint (isnan (ra), ==, isnan (rb));
        g_assert_true (isnan (ra) || memcmp (&ra, &rb, sizeof ra) == 0);
        nan_cells += isnan (a);
      }
  g_assert_cmpuint (nan_cells, <, ps_checkpoint_series_get_n_steps (x) * ps_checkpoint_series_get_n_tensors (x));
}

static void
test_grow (void)
{
  g_autoptr (GPtrArray) two = paths (2), three = paths (3);
  guint cells = 0;
  g_autoptr (PsCheckpointSeries) fresh = compute (NULL, three, &cells);
  guint all = cells;
  g_assert_cmpuint (all, >, 0);
  /* grown: only epoch 2's cells computed (the newest: no later relative change) */
  PsCheckpointSeries *base = compute (NULL, two, &cells);
  g_assert_cmpuint (cells, <, all);
  g_autoptr (PsCheckpointSeries) grown = compute (base, three, &cells);
  g_autofree char *e2 = fixture (2);
  g_autoptr (PsCheckpoint) e2_file = ps_checkpoint_open (e2, NULL);
  g_assert_cmpuint (cells, ==, ps_checkpoint_get_n_entries (e2_file));
  assert_same_norms (grown, fresh);
  g_assert_true (ps_series_norms_match (grown, fresh));

  /* a base with a file the paths do not have: opened afresh, every cell computed */
  g_autoptr (GPtrArray) other = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (other, fixture (0));
  g_ptr_array_add (other, fixture (5));
  PsCheckpointSeries *stale = compute (NULL, other, NULL);
  g_autoptr (PsCheckpointSeries) afresh = compute (stale, three, &cells);
  g_assert_cmpuint (cells, ==, all);
  assert_same_norms (afresh, fresh);
}

static void
test_match (void)
{
  g_autoptr (GPtrArray) two = paths (2), three = paths (3);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s2 = ps_checkpoint_series_open ((const char *const *) two->pdata, two->len, &error);
  g_autoptr (PsCheckpointSeries) s3 = ps_checkpoint_series_open ((const char *const *) three->pdata, three->len, &error);
  g_autoptr (PsCheckpointSeries) s2b = ps_checkpoint_series_open ((const char *const *) two->pdata, two->len, &error);
  g_assert_no_error (error);
  g_assert_true (ps_series_norms_match (s2, s2b));
  g_assert_false (ps_series_norms_match (s2, s3));
  g_assert_false (ps_series_norms_match (s3, s2));
  g_assert_false (ps_series_norms_match (NULL, s2));
  /* the same number of files, another one */
  g_autoptr (GPtrArray) other = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (other, fixture (0));
  g_ptr_array_add (other, fixture (4));
  g_autoptr (PsCheckpointSeries) s04 = ps_checkpoint_series_open ((const char *const *) other->pdata, other->len, &error);
  g_assert_no_error (error);
  g_assert_false (ps_series_norms_match (s04, s2));
}


typedef struct {
  guint calls, done, total;
  GThread *thread;
  gint elsewhere;                /* atomic: calls outside the thread that started the job */
  GThread *owner;
} Seen;

static void
on_progress (guint done, guint total, gpointer data)
{
  Seen *seen = data;
  seen->calls++;
  seen->done = done;
  seen->total = total;
  seen->thread = g_thread_self ();
  if (seen->owner != NULL && seen->thread != seen->owner)
    g_atomic_int_inc (&seen->elsewhere);
}

/* The caller is busy outside its main loop while the worker reports progress (a window
 * test that calls the pane directly, a long redraw): no thread owns the main context then,
 * and g_main_context_invoke would run the callback in the worker, beside the caller's own
 * code (CI's ASan run caught the pane's status text freed twice that way).  The progress
 * must still wait for the caller's loop. */
static void
test_progress_waits_for_loop (void)
{
  g_autoptr (GPtrArray) three = paths (3);
  Seen seen = { .owner = g_thread_self () };
  g_autoptr (GAsyncResult) result = NULL;
  ps_series_norms_compute_async (NULL, (const char *const *) three->pdata, three->len, NULL, on_progress, &seen,
                                 store_result, &result);
  /* without running the loop: until the first progress was queued here or ran elsewhere */
  while (g_atomic_int_get (&seen.elsewhere) == 0 && !g_main_context_pending (NULL))
    g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&seen.elsewhere), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_series_norms_compute_finish (wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (seen.calls, >, 0);
  g_assert_cmpint (g_atomic_int_get (&seen.elsewhere), ==, 0);
  g_assert_cmpuint (seen.done, ==, seen.total);
}

/* The worker: the same norms as computed here, its progress in this thread, up to the end;
 * cancelled before it runs, an error and no progress. */
static void
test_async (void)
{
  g_autoptr (GPtrArray) three = paths (3);
  guint all = 0;
  g_autoptr (PsCheckpointSeries) fresh = compute (NULL, three, &all);
  Seen seen = { 0 };
  g_autoptr (GAsyncResult) result = NULL;
  ps_series_norms_compute_async (NULL, (const char *const *) three->pdata, three->len, NULL, on_progress, &seen,
                                 store_result, &result);
  g_autoptr (GError) error = NULL;
  guint cells = 0;
  g_autoptr (PsCheckpointSeries) s = ps_series_norms_compute_finish (wait_result (&result), &cells, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cells, ==, all);
  assert_same_norms (s, fresh);
  while (g_main_context_iteration (NULL, FALSE))
    ;   /* the last progress may come after the result */
  g_assert_cmpuint (seen.calls, >, 0);
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.done, ==, seen.total);

  Seen none = { 0 };
  g_autoptr (GAsyncResult) cancelled_result = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  ps_series_norms_compute_async (NULL, (const char *const *) three->pdata, three->len, cancelled, on_progress, &none,
                                 store_result, &cancelled_result);
  g_assert_null (ps_series_norms_compute_finish (wait_result (&cancelled_result), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (none.calls, ==, 0);
}

static void
test_errors (void)
{
  g_autoptr (GPtrArray) p = paths (2);
  g_ptr_array_add (p, g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", "epoch_999.pt", NULL));
  g_autoptr (GError) error = NULL;
  guint cells = 7;
  g_assert_null (ps_series_norms_compute (NULL, (const char *const *) p->pdata, p->len, NULL, NULL, NULL, &cells,
                                          &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_autoptr (GPtrArray) two = paths (2);
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  g_assert_null (ps_series_norms_compute (NULL, (const char *const *) two->pdata, two->len, cancelled, NULL, NULL,
                                          NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-norms/grow", test_grow);
  g_test_add_func ("/series-norms/match", test_match);
  g_test_add_func ("/series-norms/errors", test_errors);
  g_test_add_func ("/series-norms/async", test_async);
  g_test_add_func ("/series-norms/progress-waits-for-loop", test_progress_waits_for_loop);
  return g_test_run ();
}
