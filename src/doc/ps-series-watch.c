/* ps-series-watch.c — see ps-series-watch.h. */
#include "ps-series-watch.h"

struct _PsSeriesWatch {
  PsCheckpointSeries *series;
  GFileMonitor *monitor;
  PsSeriesWatchAdded added;
  gpointer user_data;
  GHashTable *pending;          /* path → reason */
  GPtrArray *pending_list;      /* for get_pending */
};

static void
try_add (PsSeriesWatch *w, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  if (path == NULL || !ps_checkpoint_series_is_candidate (path))
    return;
  for (guint i = 0; i < ps_checkpoint_series_get_n_steps (w->series); i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (w->series, i), path) == 0)
      return;   /* already a step (a rewrite of a known file is not followed) */
  g_autoptr (GError) error = NULL;
  if (!ps_checkpoint_series_add_file (w->series, path, &error))
    {
      g_hash_table_insert (w->pending, g_strdup (path), g_strdup (error->message));
      return;
    }
  g_hash_table_remove (w->pending, path);
  if (w->added)
    w->added (w->series, path, w->user_data);
}

static void
on_changed (GFileMonitor *m, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
  PsSeriesWatch *w = data;
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:   /* a file created by a link/copy may have no later hint */
      try_add (w, file);
      break;
    case G_FILE_MONITOR_EVENT_MOVED_IN:
      try_add (w, file);
      break;
    case G_FILE_MONITOR_EVENT_RENAMED:
      if (other != NULL)
        try_add (w, other);   /* torch.save to a temporary name, then rename */
      break;
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      {
        g_autofree char *path = g_file_get_path (file);
        if (path)
          g_hash_table_remove (w->pending, path);
        break;
      }
    default:
      break;
    }
}

PsSeriesWatch *
ps_series_watch_new (PsCheckpointSeries *series, const char *dir, PsSeriesWatchAdded added, gpointer user_data,
                     GError **error)
{
  g_autoptr (GFile) d = g_file_new_for_path (dir);
  g_autoptr (GError) local = NULL;
  GFileMonitor *monitor = g_file_monitor_directory (d, G_FILE_MONITOR_WATCH_MOVES, NULL, &local);
  if (monitor == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot watch %s: %s", dir, local->message);
      return NULL;
    }
  PsSeriesWatch *w = g_new0 (PsSeriesWatch, 1);
  w->series = series;
  w->monitor = monitor;
  w->added = added;
  w->user_data = user_data;
  w->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (monitor, "changed", G_CALLBACK (on_changed), w);
  return w;
}

void
ps_series_watch_free (PsSeriesWatch *w)
{
  if (w == NULL)
    return;
  g_signal_handlers_disconnect_by_data (w->monitor, w);
  g_file_monitor_cancel (w->monitor);
  g_object_unref (w->monitor);
  g_hash_table_unref (w->pending);
  if (w->pending_list)
    g_ptr_array_unref (w->pending_list);
  g_free (w);
}

const char *const *
ps_series_watch_get_pending (PsSeriesWatch *w)
{
  if (w->pending_list)
    g_ptr_array_unref (w->pending_list);
  w->pending_list = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, w->pending);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_ptr_array_add (w->pending_list, g_strdup (v));
  g_ptr_array_add (w->pending_list, NULL);
  return (const char *const *) w->pending_list->pdata;
}
