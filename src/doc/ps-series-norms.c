/* ps-series-norms.c — see ps-series-norms.h. */
#include "ps-config.h"
#include "ps-series-norms.h"

static gboolean
has_paths (PsCheckpointSeries *s, const char *const *paths, guint n)
{
  if (ps_checkpoint_series_get_n_steps (s) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (s, i), paths[i]) != 0)
      return FALSE;
  return TRUE;
}

gboolean
ps_series_norms_match (PsCheckpointSeries *norm_series, PsCheckpointSeries *series)
{
  if (norm_series == NULL || series == NULL)
    return FALSE;
  guint n = ps_checkpoint_series_get_n_steps (series);
  if (ps_checkpoint_series_get_n_steps (norm_series) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (norm_series, i), ps_checkpoint_series_get_path (series, i)) != 0)
      return FALSE;
  return TRUE;
}

/* `base` grown by the files it lacks, or NULL (freed) when that does not give `paths` in order. */
static PsCheckpointSeries *
grown (PsCheckpointSeries *base, const char *const *paths, guint n)
{
  for (guint i = 0; i < n && base != NULL; i++)
    {
      gboolean there = FALSE;
      for (guint k = 0; k < ps_checkpoint_series_get_n_steps (base) && !there; k++)
        there = g_strcmp0 (ps_checkpoint_series_get_path (base, k), paths[i]) == 0;
      if (!there && !ps_checkpoint_series_add_file (base, paths[i], NULL))
        g_clear_pointer (&base, ps_checkpoint_series_free);
    }
  if (base != NULL && !has_paths (base, paths, n))
    g_clear_pointer (&base, ps_checkpoint_series_free);
  return base;
}

PsCheckpointSeries *
ps_series_norms_compute (PsCheckpointSeries *base, const char *const *paths, guint n_paths, GCancellable *cancellable,
                         PsSeriesProgress progress, gpointer user_data, guint *cells, GError **error)
{
  PsCheckpointSeries *s = base ? grown (base, paths, n_paths) : NULL;
  if (s == NULL)
    s = ps_checkpoint_series_open (paths, n_paths, error);
  if (s == NULL)
    return NULL;
  if (cells)
    *cells = ps_checkpoint_series_get_n_unknown_norms (s);
  if (!ps_checkpoint_series_update_norms (s, cancellable, progress, user_data, error))
    g_clear_pointer (&s, ps_checkpoint_series_free);
  return s;
}

typedef struct {
  PsCheckpointSeries *base;
  GStrv paths;
  PsSeriesProgress progress;
  gpointer progress_data;
  guint cells;                 /* out */
} Job;

static void
job_free (gpointer p)
{
  Job *j = p;
  g_clear_pointer (&j->base, ps_checkpoint_series_free);
  g_strfreev (j->paths);
  g_free (j);
}

typedef struct {
  GTask *task;                 /* owned: keeps the job (its progress callback) alive */
  guint done, total;
} Progress;

static gboolean
show_progress (gpointer data)
{
  Progress *p = data;
  Job *j = g_task_get_task_data (p->task);
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (p->task)))
    j->progress (p->done, p->total, j->progress_data);
  g_object_unref (p->task);
  g_free (p);
  return G_SOURCE_REMOVE;
}

/* In the worker, after each tensor: queued on the caller's main context and
 * run by its loop.  Not g_main_context_invoke: when no thread owns that
 * context at this moment (the caller is busy outside its loop), invoke runs
 * the callback right here, in the worker, beside the caller's own code. */
static void
on_progress (guint done, guint total, gpointer data)
{
  GTask *task = data;
  Progress *p = g_new0 (Progress, 1);
  p->task = g_object_ref (task);
  p->done = done;
  p->total = total;
  g_autoptr (GSource) source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, show_progress, p, NULL);
  g_source_set_static_name (source, "[paramscope] series norms progress");
  g_source_attach (source, g_task_get_context (task));
}

static void
compute_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *j = data;
  GError *error = NULL;
  PsCheckpointSeries *s = ps_series_norms_compute (g_steal_pointer (&j->base), (const char *const *) j->paths,
                                                   g_strv_length (j->paths), cancellable,
                                                   j->progress ? on_progress : NULL, task, &j->cells, &error);
  if (s == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, s, (GDestroyNotify) ps_checkpoint_series_free);
}

void
ps_series_norms_compute_async (PsCheckpointSeries *base, const char *const *paths, guint n_paths,
                               GCancellable *cancellable, PsSeriesProgress progress, gpointer progress_data,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_series_norms_compute_async);
  Job *j = g_new0 (Job, 1);
  j->base = base;
  j->paths = g_new0 (char *, n_paths + 1);
  for (guint i = 0; i < n_paths; i++)
    j->paths[i] = g_strdup (paths[i]);
  j->progress = progress;
  j->progress_data = progress_data;
  g_task_set_task_data (task, j, job_free);
  g_task_run_in_thread (task, compute_thread);
}

PsCheckpointSeries *
ps_series_norms_compute_finish (GAsyncResult *result, guint *cells, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (cells)
    *cells = ((Job *) g_task_get_task_data (G_TASK (result)))->cells;
  return g_task_propagate_pointer (G_TASK (result), error);
}
