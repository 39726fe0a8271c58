/* test-series-cursor.c — the series pane's scrubber rules without a display (ps-series-cursor.c,
 * moved out of the pane): on the real run's checkpoints (tests/data/pt/series, ordered by their
 * epoch), the newest shown and followed at first, scrubbing (following only at the newest),
 * "Compare with" (the previous one by default, a chosen file kept by name), a watched folder adding
 * files before and after the one shown (the same file stays shown unless following, and not while
 * playing), "Follow newest", and Play (from the first again at the newest, held while a picture
 * is read, ending at the newest and following it). The GUI test (/series-window/watch,
 * /series-window/changes-and-play) drives the same through the pane. */
#include "ps-series-cursor.h"

static char *
fixture (guint epoch)
{
  g_autofree char *file = g_strdup_printf ("epoch_%03u.pt", epoch);
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", file, NULL);
}

static PsCheckpointSeries *
open_epochs (const guint *epochs, guint n)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (paths, fixture (epochs[i]));
  g_autoptr (GError) error = NULL;
  PsCheckpointSeries *s = ps_checkpoint_series_open ((const char *const *) paths->pdata, n, &error);
  g_assert_no_error (error);
  return s;
}

static void
add_epoch (PsCheckpointSeries *s, guint epoch)
{
  g_autofree char *path = fixture (epoch);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_checkpoint_series_add_file (s, path, &error));
  g_assert_no_error (error);
}

/* The epoch of the checkpoint at `step`, from its file name. */
static guint
epoch_at (PsCheckpointSeries *s, guint step)
{
  g_autofree char *base = g_path_get_basename (ps_checkpoint_series_get_path (s, step));
  return (guint) g_ascii_strtoull (base + 6, NULL, 10);
}

static void
test_scrub_and_compare (void)
{
  g_autoptr (PsSeriesCursor) c = ps_series_cursor_new ();
  g_assert_cmpuint (ps_series_cursor_get_n_steps (c), ==, 0);
  g_assert_true (ps_series_cursor_get_following (c));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, -1);
  g_assert_false (ps_series_cursor_go_to (c, 3));

  const guint epochs[] = { 1, 2, 4 };
  g_autoptr (PsCheckpointSeries) s = open_epochs (epochs, 3);
  ps_series_cursor_set_series (c, s);
  g_assert_cmpuint (ps_series_cursor_get_n_steps (c), ==, 3);
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 2);     /* the newest */
  g_assert_true (ps_series_cursor_get_following (c));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, 1);   /* the previous one */
  g_assert_cmpint (ps_series_cursor_get_compare_choice (c), ==, -1);

  /* scrubbing: following only when the newest is chosen */
  g_assert_true (ps_series_cursor_scrub (c, 0));
  g_assert_false (ps_series_cursor_get_following (c));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, -1);  /* the first has no previous one */
  g_assert_false (ps_series_cursor_scrub (c, 0));
  g_assert_true (ps_series_cursor_scrub (c, 99));
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 2);
  g_assert_true (ps_series_cursor_get_following (c));
  g_assert_true (ps_series_cursor_go_to (c, 1));
  g_assert_true (ps_series_cursor_get_following (c));          /* go_to alone does not change it */

  /* compare with a chosen checkpoint; past the newest nothing changes */
  g_assert_true (ps_series_cursor_set_compare (c, 0));
  g_assert_false (ps_series_cursor_set_compare (c, 3));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, 0);
  g_assert_cmpint (ps_series_cursor_get_compare_choice (c), ==, 0);
  g_assert_true (ps_series_cursor_set_compare (c, -1));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, 0);   /* the previous of step 1 */
  g_assert_cmpint (ps_series_cursor_get_compare_choice (c), ==, -1);

  /* a new series without the chosen file: it is not compared with any more */
  g_assert_true (ps_series_cursor_set_compare (c, 0));         /* epoch 1 */
  const guint others[] = { 2, 3 };
  g_autoptr (PsCheckpointSeries) s2 = open_epochs (others, 2);
  ps_series_cursor_set_series (c, s2);
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 1);
  g_assert_true (ps_series_cursor_get_following (c));
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, -1);
  g_assert_cmpint (ps_series_cursor_get_compare_choice (c), ==, -1);
}

static void
test_grow (void)
{
  const guint epochs[] = { 1, 2, 4 };
  g_autoptr (PsCheckpointSeries) s = open_epochs (epochs, 3);
  g_autoptr (PsSeriesCursor) c = ps_series_cursor_new ();
  ps_series_cursor_set_series (c, s);
  g_assert_true (ps_series_cursor_scrub (c, 1));               /* epoch 2 */
  g_assert_true (ps_series_cursor_set_compare (c, 0));         /* epoch 1 */
  /* epoch 0 goes first: the same files stay shown and compared with, at new positions */
  add_epoch (s, 0);
  g_assert_cmpuint (epoch_at (s, 0), ==, 0);
  g_assert_true (ps_series_cursor_series_grew (c, FALSE));
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 2);
  g_assert_cmpuint (epoch_at (s, 2), ==, 2);
  g_assert_cmpint (ps_series_cursor_get_compare (c), ==, 1);
  g_assert_false (ps_series_cursor_get_following (c));
  /* following, not playing: the newest */
  g_assert_true (ps_series_cursor_follow (c, TRUE));
  g_assert_cmpuint (epoch_at (s, ps_series_cursor_get_step (c)), ==, 4);
  add_epoch (s, 5);
  g_assert_true (ps_series_cursor_series_grew (c, FALSE));
  g_assert_cmpuint (epoch_at (s, ps_series_cursor_get_step (c)), ==, 5);
  /* following but playing: Play keeps its place */
  g_assert_true (ps_series_cursor_go_to (c, 1));
  add_epoch (s, 3);
  g_assert_false (ps_series_cursor_series_grew (c, TRUE));
  g_assert_cmpuint (epoch_at (s, ps_series_cursor_get_step (c)), ==, 1);
  /* "Follow newest" off stays where it is */
  g_assert_false (ps_series_cursor_follow (c, FALSE));
  g_assert_false (ps_series_cursor_get_following (c));
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 1);
}

static void
test_play (void)
{
  const guint epochs[] = { 0, 1, 2 };
  g_autoptr (PsCheckpointSeries) s = open_epochs (epochs, 3);
  g_autoptr (PsSeriesCursor) c = ps_series_cursor_new ();
  ps_series_cursor_set_series (c, s);
  gboolean moved = FALSE;
  /* at the newest: from the first again, not following while it plays */
  g_assert_true (ps_series_cursor_play_start (c, &moved));
  g_assert_true (moved);
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 0);
  g_assert_false (ps_series_cursor_get_following (c));
  /* held while the picture shown is read */
  g_assert_true (ps_series_cursor_play_tick (c, TRUE, &moved));
  g_assert_false (moved);
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 0);
  g_assert_true (ps_series_cursor_play_tick (c, FALSE, &moved));
  g_assert_true (moved);
  g_assert_true (ps_series_cursor_play_tick (c, FALSE, &moved));
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 2);
  g_assert_false (ps_series_cursor_get_following (c));
  /* at the newest Play ends, following it */
  g_assert_false (ps_series_cursor_play_tick (c, FALSE, &moved));
  g_assert_false (moved);
  g_assert_true (ps_series_cursor_get_following (c));
  /* not at the newest: Play starts where it is */
  g_assert_true (ps_series_cursor_scrub (c, 1));
  g_assert_true (ps_series_cursor_play_start (c, &moved));
  g_assert_false (moved);
  g_assert_cmpuint (ps_series_cursor_get_step (c), ==, 1);
  /* one checkpoint: nothing to play */
  const guint one[] = { 3 };
  g_autoptr (PsCheckpointSeries) s1 = open_epochs (one, 1);
  ps_series_cursor_set_series (c, s1);
  g_assert_false (ps_series_cursor_play_start (c, &moved));
  g_assert_true (ps_series_cursor_get_following (c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-cursor/scrub-and-compare", test_scrub_and_compare);
  g_test_add_func ("/series-cursor/grow", test_grow);
  g_test_add_func ("/series-cursor/play", test_play);
  return g_test_run ();
}
