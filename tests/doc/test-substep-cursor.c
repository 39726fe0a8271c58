/* test-substep-cursor — the main timeline inside a train step (PsSubstepCursor): which steps offer
 * sub-steps, their place on the training x axis (continuing the train op before), the shown one
 * kept while the same train step stays, clamping, Play's next sub-step (≤ 150 frames, the last
 * sub-step and the run's end included), and the shown sub-step's state: a kept snapshot at once,
 * a dropped one replayed in a worker (equal to ps_train_log_get_state), only the newest request
 * answered; the slider's line for each case. */
#include "ps-substep-cursor.h"
#include "substep-test-util.h"

static void
count_ready (PsSubstepCursor *c, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_sync_axis (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (30, G_MAXUINT64);
  guint ready = 0;
  g_autoptr (PsSubstepCursor) c = ps_substep_cursor_new (count_ready, &ready);
  guint pn;
  /* a step that is not a train op: nothing offered */
  g_assert_true (ps_substep_cursor_sync (c, tl, 5, ps_timeline_get_state (tl, 5)));
  g_assert_cmpuint (ps_substep_cursor_get_n (c), ==, 0);
  g_assert_null (ps_substep_cursor_get_owner (c));
  g_autofree char *none = ps_substep_cursor_describe (c, NULL);
  g_assert_cmpstr (none, ==, "No sub-steps here: a train step's recorded optimizer steps show up on this slider");
  g_assert_false (ps_substep_cursor_play_next (c, TRUE, &pn));
  g_assert_true (ps_substep_cursor_sync (c, tl, 5, ps_timeline_get_state (tl, 5)));   /* still none: a reset */
  /* the second train op: 20 records after the whole run, at training steps 31 … 50 */
  PsState *second = ps_timeline_get_state (tl, 8);
  g_assert_true (ps_substep_cursor_sync (c, tl, 8, second));
  g_assert_cmpuint (ps_substep_cursor_get_n (c), ==, 20);
  g_assert_cmpuint (ps_substep_cursor_get_index (c), ==, 20);
  g_assert_true (ps_substep_cursor_get_owner (c) == second);
  g_assert_cmpuint (ps_substep_cursor_get_axis (c)->len, ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_cmpint (ps_substep_cursor_get_x (c, i), ==, 31 + i);
      g_assert_cmpint (ps_substep_cursor_get_record (c, i)->step, ==, 31 + i);
    }
  /* moving and clamping; the same train step again keeps the one shown */
  g_assert_true (ps_substep_cursor_go_to (c, 4));
  g_assert_false (ps_substep_cursor_go_to (c, 4));
  g_assert_false (ps_substep_cursor_sync (c, tl, 8, second));
  g_assert_cmpuint (ps_substep_cursor_get_index (c), ==, 4);
  g_assert_true (ps_substep_cursor_go_to (c, 1000));
  g_assert_cmpuint (ps_substep_cursor_get_index (c), ==, 20);
  /* the first train op: training steps 1 … 30 */
  g_assert_true (ps_substep_cursor_sync (c, tl, 7, ps_timeline_get_state (tl, 7)));
  g_assert_cmpuint (ps_substep_cursor_get_n (c), ==, 30);
  g_assert_cmpuint (ps_substep_cursor_get_index (c), ==, 30);
  g_assert_cmpint (ps_substep_cursor_get_x (c, 0), ==, 1);
  g_assert_cmpint (ps_substep_cursor_get_x (c, 29), ==, 30);
  g_autofree char *after = ps_substep_cursor_describe (c, "ignored");
  g_assert_cmpstr (after, ==, "After the whole run: 30 recorded sub-steps — drag to see each one");
  /* after the whole run there is no sub-step state */
  gboolean pending = TRUE;
  g_assert_null (ps_substep_cursor_get_state (c, &pending));
  g_assert_false (pending);
  ps_substep_cursor_clear (c);
  g_assert_cmpuint (ps_substep_cursor_get_n (c), ==, 0);
  g_assert_cmpuint (ready, ==, 0);
}

static guint
next_of (PsSubstepCursor *c, guint from)
{
  guint next = G_MAXUINT;
  ps_substep_cursor_go_to (c, from);
  g_assert_true (ps_substep_cursor_play_next (c, FALSE, &next));
  return next;
}

static void
test_play (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (400, G_MAXUINT64);
  g_autoptr (PsSubstepCursor) c = ps_substep_cursor_new (NULL, NULL);
  guint next = G_MAXUINT;
  /* 20 sub-steps: one frame each, then the run's end, then nothing */
  ps_substep_cursor_sync (c, tl, 8, ps_timeline_get_state (tl, 8));
  g_assert_false (ps_substep_cursor_play_next (c, FALSE, &next));   /* at the end */
  g_assert_true (ps_substep_cursor_play_next (c, TRUE, &next));
  g_assert_cmpuint (next, ==, 0);
  g_assert_cmpuint (next_of (c, 0), ==, 1);
  g_assert_cmpuint (next_of (c, 18), ==, 19);
  g_assert_cmpuint (next_of (c, 19), ==, 20);
  /* 400 sub-steps: every third (⌈400/150⌉), the last sub-step, then the end */
  ps_substep_cursor_sync (c, tl, 7, ps_timeline_get_state (tl, 7));
  g_assert_cmpuint (ps_substep_cursor_get_n (c), ==, 400);
  g_assert_cmpuint (next_of (c, 0), ==, 3);
  g_assert_cmpuint (next_of (c, 396), ==, 399);
  g_assert_cmpuint (next_of (c, 397), ==, 399);
  g_assert_cmpuint (next_of (c, 399), ==, 400);
  guint frames = 0;
  ps_substep_cursor_play_next (c, TRUE, &next);
  ps_substep_cursor_go_to (c, next);
  while (ps_substep_cursor_play_next (c, FALSE, &next))
    {
      g_assert_cmpuint (next, >, ps_substep_cursor_get_index (c));
      ps_substep_cursor_go_to (c, next);
      frames++;
    }
  g_assert_cmpuint (ps_substep_cursor_get_index (c), ==, 400);
  g_assert_cmpuint (frames, <=, PS_SUBSTEP_PLAY_FRAMES);
  g_assert_cmpuint (frames, >=, 133);
}

static void
test_state (void)
{
  g_autoptr (PsTimeline) tl = substep_test_timeline (60, 4 * 1024);   /* a few snapshots kept */
  PsState *first = ps_timeline_get_state (tl, 7);
  guint ready = 0, replaying = G_MAXUINT;
  g_autoptr (PsSubstepCursor) c = ps_substep_cursor_new (count_ready, &ready);
  ps_substep_cursor_sync (c, tl, 7, first);
  gboolean pending = TRUE;
  /* a kept snapshot at once */
  guint kept = substep_test_find (first, 0, FALSE);
  ps_substep_cursor_go_to (c, kept);
  g_assert_true (ps_substep_cursor_get_state (c, &pending) == ps_substep_cursor_get_record (c, kept)->state);
  g_assert_false (pending);
  g_assert_false (ps_substep_cursor_get_replaying (c, NULL));
  /* a dropped one: replayed in a worker; asking again while it runs starts nothing new */
  guint d1 = substep_test_find (first, 0, TRUE), d2 = substep_test_find (first, d1 + 5, TRUE);
  ps_substep_cursor_go_to (c, d1);
  g_assert_null (ps_substep_cursor_get_state (c, &pending));
  g_assert_true (pending);
  g_assert_true (ps_substep_cursor_get_replaying (c, &replaying));
  g_assert_cmpuint (replaying, ==, d1);
  /* moved on before it ended: only the newest request is answered */
  ps_substep_cursor_go_to (c, d2);
  g_assert_null (ps_substep_cursor_get_state (c, &pending));
  g_assert_true (pending);
  g_assert_true (ps_substep_cursor_get_replaying (c, &replaying));
  g_assert_cmpuint (replaying, ==, d2);
  g_autofree char *busy = ps_substep_cursor_describe (c, "its record");
  g_autofree char *busy_want = g_strdup_printf ("Sub-step %u of 60: its record — recomputing its snapshot…", d2 + 1);
  g_assert_cmpstr (busy, ==, busy_want);
  substep_test_wait (&ready, 1);
  g_autofree char *done = ps_substep_cursor_describe (c, "its record");
  g_autofree char *done_want = g_strdup_printf ("Sub-step %u of 60: its record", d2 + 1);
  g_assert_cmpstr (done, ==, done_want);
  g_assert_false (ps_substep_cursor_get_replaying (c, NULL));
  g_assert_null (ps_substep_cursor_get_replay_error (c));
  PsState *st = ps_substep_cursor_get_state (c, &pending);
  g_assert_false (pending);
  g_assert_nonnull (st);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) want = ps_train_log_get_state (first->train_log, d2, &error);
  g_assert_no_error (error);
  g_assert_true (substep_test_same (st, want));
  g_autoptr (PsState) other = ps_train_log_get_state (first->train_log, d1, &error);
  g_assert_false (substep_test_same (st, other));
  /* the cancelled first replay never calls back */
  for (guint k = 0; k < 200; k++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (ready, ==, 1);
  /* another train step forgets it */
  ps_substep_cursor_sync (c, tl, 8, ps_timeline_get_state (tl, 8));
  ps_substep_cursor_sync (c, tl, 7, first);
  ps_substep_cursor_go_to (c, d2);
  g_assert_null (ps_substep_cursor_get_state (c, &pending));
  g_assert_true (pending);
  /* a cursor let go while it replays: nobody is called */
  g_clear_object (&c);
  for (guint k = 0; k < 500; k++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (ready, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/substep-cursor/sync-axis", test_sync_axis);
  g_test_add_func ("/substep-cursor/play", test_play);
  g_test_add_func ("/substep-cursor/state", test_state);
  return g_test_run ();
}
