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
