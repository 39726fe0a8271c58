/* ps-checkpoint-open.c — see ps-checkpoint-open.h (moved out of the checkpoint window's worker). */
#include "ps-config.h"
#include "ps-checkpoint-open.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ps-error.h"

void
ps_checkpoint_opened_clear (PsCheckpointOpened *o)
{
  g_clear_pointer (&o->ck, ps_checkpoint_free);
  g_clear_pointer (&o->summary, ps_checkpoint_summary_free);
  g_clear_pointer (&o->series, ps_checkpoint_series_free);
}

gboolean
ps_checkpoint_is_named (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_autofree char *base = g_file_get_basename (file);
  return ps_checkpoint_is_file_name (base);
}

static gboolean
open_series (PsCheckpointOpened *out, GFile *file, GFile *const *files, guint n_files, char **path, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (files != NULL)
    {
      /* chosen files: a series of exactly these, in the order of the step/epoch stored in them */
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < n_files; i++)
        {
          char *p = g_file_get_path (files[i]);
          if (p == NULL)
            {
              g_autofree char *b = g_file_get_basename (files[i]);
              g_set_error (error, PS_ERROR, PS_ERROR_IO, _("Could not open %s: only local files can be read"), b);
              return FALSE;
            }
          g_ptr_array_add (paths, p);
        }
      out->series = ps_checkpoint_series_open ((const char *const *) paths->pdata, paths->len, &local);
      if (out->series == NULL)
        {
          g_set_error (error, local->domain, local->code, _("Could not open the checkpoints as a series: %s"),
                       local->message);
          return FALSE;
        }
    }
  else if (g_file_test (*path, G_FILE_TEST_IS_DIR))
    {
      /* a folder: its checkpoints as a series (headers only); the tree shows the newest, read again
       * with a handle of its own (the series' readers stay on the main thread) */
      out->series = ps_checkpoint_series_open ((const char *const[]) { *path }, 1, &local);
      if (out->series == NULL)
        {
          g_set_error (error, local->domain, local->code, _("Could not open the folder: %s"), local->message);
          return FALSE;
        }
    }
  else
    return TRUE;
  g_free (*path);
  *path = g_strdup (ps_checkpoint_series_get_path (out->series, ps_checkpoint_series_get_n_steps (out->series) - 1));
  return TRUE;
}

gboolean
ps_checkpoint_opened_open (PsCheckpointOpened *out, GFile *file, GFile *const *files, guint n_files,
                           PsCheckpointOpenFlags flags, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (out != NULL && G_IS_FILE (file), FALSE);
  g_return_val_if_fail (files == NULL || n_files > 0, FALSE);
  *out = (PsCheckpointOpened) { NULL, NULL, NULL };
  g_autoptr (GError) local = NULL;
  g_autofree char *path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *base = g_file_get_basename (file);
      g_set_error (error, PS_ERROR, PS_ERROR_IO, _("Could not open %s: only local files can be read"), base);
      return FALSE;
    }
  if (!open_series (out, file, files, n_files, &path, error))
    {
      ps_checkpoint_opened_clear (out);
      return FALSE;
    }
  g_autofree char *base = g_path_get_basename (path);
  /* headers only: the tree lists at once even for a multi-GB file; values are read later */
  out->ck = ps_checkpoint_open_full (path, flags, &local);
  if (out->ck != NULL)
    out->summary = ps_checkpoint_summary_new (out->ck, FALSE, cancellable, &local);
  if (out->summary == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else if (strstr (local->message, base) != NULL)   /* the readers name the file already */
        g_set_error (error, local->domain, local->code, _("Could not open the checkpoint: %s"), local->message);
      else
        g_set_error (error, local->domain, local->code, _("Could not open %s: %s"), base, local->message);
      ps_checkpoint_opened_clear (out);
      return FALSE;
    }
  return TRUE;
}
