/* test-substep-replay — several recorded sub-steps' states at once, replayed in a worker
 * (ps_substep_replay_start): each state equals ps_train_log_get_state's for the same record, in
 * the order asked (kept and dropped snapshots, from two train ops' logs), the progress counter
 * reaches n, and a cancelled batch ends with G_IO_ERROR_CANCELLED. */
#include "ps-substep-replay.h"
#include "substep-test-util.h"
#include "async-test-util.h"

static void
test_batch (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (30, 4 * 1024);   /* a few snapshots kept, the others dropped */
  const guint n_steps = ps_timeline_get_n_steps (tl);
  PsState *first = ps_timeline_get_state (tl, n_steps - 1), *second = ps_timeline_get_state (tl, n_steps);
  g_assert_nonnull (first->train_log);
  g_assert_nonnull (second->train_log);
  g_assert_cmpuint (first->train_log->records->len, ==, 30);
  g_assert_cmpuint (second->train_log->records->len, ==, 20);
  /* out of order, a repeat, both logs; some dropped, the newest (kept) of each */
  PsState *owners[] = { first, first, second, first, second, first, second };
  const guint indices[] = { 17, 3, 11, 29, 19, 17, 0 };
  const guint n = G_N_ELEMENTS (indices);
  guint dropped = 0;
  for (guint i = 0; i < n; i++)
    dropped += ((const PsTrainRecord *) owners[i]->train_log->records->pdata[indices[i]])->state == NULL;
  g_assert_cmpuint (dropped, >=, 3);

  GAsyncResult *result = NULL;
  g_autoptr (GTask) task = ps_substep_replay_start (owners, indices, n, NULL, store_result, &result);
  g_assert_nonnull (task);
  g_assert_cmpuint (ps_substep_replay_get_n (task), ==, n);
  wait_result (&result);
  g_assert_cmpuint (ps_substep_replay_get_done (task), ==, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_cmpuint (states->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PsState) want = ps_train_log_get_state (owners[i]->train_log, indices[i], &error);
      g_assert_no_error (error);
      if (!substep_test_same (want, states->pdata[i]))
        g_error ("entry %u (record %u) differs", i, indices[i]);
    }
  /* the two logs differ: the same index of the other log is another state */
  g_autoptr (PsState) other = ps_train_log_get_state (second->train_log, 17, &error);
  g_assert_no_error (error);
  g_assert_false (substep_test_same (states->pdata[0], other));
}

/* cancelled before it starts: the worker stops and says so; nothing is returned */
static void
test_cancelled (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (30, 0);   /* only the newest snapshot of each log */
  PsState *owner = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl) - 1);
  const guint indices[] = { 5, 20 };
  PsState *owners[] = { owner, owner };
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  GAsyncResult *result = NULL;
  g_autoptr (GTask) task = ps_substep_replay_start (owners, indices, 2, c, store_result, &result);
  wait_result (&result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_object_unref (result);
  g_assert_null (states);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (ps_substep_replay_get_done (task), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/substep-replay/batch", test_batch);
  g_test_add_func ("/substep-replay/cancelled", test_cancelled);
  return g_test_run ();
}
