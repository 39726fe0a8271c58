/* ps-series-cursor.c — see ps-series-cursor.h. */
#include "ps-config.h"
#include "ps-series-cursor.h"

struct _PsSeriesCursor {
  PsCheckpointSeries *series;      /* borrowed */
  guint step;
  char *step_path;                 /* the file shown, kept across re-ordering */
  gboolean following;
  char *compare_path;              /* the file chosen to compare with; NULL: the previous one */
};

PsSeriesCursor *
ps_series_cursor_new (void)
{
  PsSeriesCursor *c = g_new0 (PsSeriesCursor, 1);
  c->following = TRUE;
  return c;
}

void
ps_series_cursor_free (PsSeriesCursor *c)
{
  if (c == NULL)
    return;
  g_free (c->step_path);
  g_free (c->compare_path);
  g_free (c);
}

guint
ps_series_cursor_get_n_steps (PsSeriesCursor *c)
{
  return c->series ? ps_checkpoint_series_get_n_steps (c->series) : 0;
}

static int
index_of_path (PsSeriesCursor *c, const char *path)
{
  for (guint i = 0; path != NULL && i < ps_series_cursor_get_n_steps (c); i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (c->series, i), path) == 0)
      return (int) i;
  return -1;
}

static void
show (PsSeriesCursor *c, guint step)
{
  c->step = step;
  g_free (c->step_path);
  c->step_path = g_strdup (ps_checkpoint_series_get_path (c->series, step));
}

void
ps_series_cursor_set_series (PsSeriesCursor *c, PsCheckpointSeries *series)
{
  g_return_if_fail (series != NULL && ps_checkpoint_series_get_n_steps (series) > 0);
  c->series = series;
  c->following = TRUE;
  show (c, ps_series_cursor_get_n_steps (c) - 1);
}

guint ps_series_cursor_get_step (PsSeriesCursor *c) { return c->step; }
gboolean ps_series_cursor_get_following (PsSeriesCursor *c) { return c->following; }

int
ps_series_cursor_get_compare_choice (PsSeriesCursor *c)
{
  return index_of_path (c, c->compare_path);
}

int
ps_series_cursor_get_compare (PsSeriesCursor *c)
{
  if (c->compare_path != NULL)
    return index_of_path (c, c->compare_path);
  return c->series != NULL && c->step > 0 ? (int) c->step - 1 : -1;
}

gboolean
ps_series_cursor_go_to (PsSeriesCursor *c, guint step)
{
  guint n = ps_series_cursor_get_n_steps (c);
  if (n == 0)
    return FALSE;
  gboolean changed = MIN (step, n - 1) != c->step;
  show (c, MIN (step, n - 1));
  return changed;
}

gboolean
ps_series_cursor_scrub (PsSeriesCursor *c, guint step)
{
  guint n = ps_series_cursor_get_n_steps (c);
  c->following = n > 0 && step >= n - 1;
  return ps_series_cursor_go_to (c, step);
}

gboolean
ps_series_cursor_set_compare (PsSeriesCursor *c, int step)
{
  if (step >= (int) ps_series_cursor_get_n_steps (c))
    return FALSE;
  g_free (c->compare_path);
  c->compare_path = step >= 0 ? g_strdup (ps_checkpoint_series_get_path (c->series, (guint) step)) : NULL;
  return TRUE;
}

gboolean
ps_series_cursor_follow (PsSeriesCursor *c, gboolean follow)
{
  c->following = follow;
  guint n = ps_series_cursor_get_n_steps (c);
  return follow && n > 0 && ps_series_cursor_go_to (c, n - 1);
}

gboolean
ps_series_cursor_series_grew (PsSeriesCursor *c, gboolean playing)
{
  guint before = c->step;
  int at = index_of_path (c, c->step_path);
  if (c->following && !playing)
    show (c, ps_series_cursor_get_n_steps (c) - 1);
  else
    show (c, at >= 0 ? (guint) at : c->step);
  return c->step != before;
}

gboolean
ps_series_cursor_play_start (PsSeriesCursor *c, gboolean *moved)
{
  guint n = ps_series_cursor_get_n_steps (c);
  gboolean changed = FALSE;
  if (n >= 2)
    {
      c->following = FALSE;
      if (c->step + 1 >= n)
        changed = ps_series_cursor_go_to (c, 0);   /* from the start again */
    }
  if (moved)
    *moved = changed;
  return n >= 2;
}

gboolean
ps_series_cursor_play_tick (PsSeriesCursor *c, gboolean hold, gboolean *moved)
{
  guint n = ps_series_cursor_get_n_steps (c);
  if (moved)
    *moved = FALSE;
  if (n == 0 || c->step + 1 >= n)
    {
      c->following = n > 0;
      return FALSE;
    }
  /* at most as fast as the pictures are read: the one shown is finished before moving on */
  if (!hold)
    {
      gboolean changed = ps_series_cursor_go_to (c, c->step + 1);
      if (moved)
        *moved = changed;
    }
  return TRUE;
}
