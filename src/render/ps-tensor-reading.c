/* ps-tensor-reading.c — see ps-tensor-reading.h. */
#include "ps-config.h"
#include "ps-tensor-reading.h"

#include <glib/gi18n.h>

#include "ps-checkpoint-summary.h"
#include "ps-error.h"

struct _PsTensorReading {
  char *path;
  PsCheckpointOpenFlags flags;
  char *name;
  guint n_figures;
  PsFigureOptions o[PS_TENSOR_READING_MAX_FIGURES];
  PsFigure *figs[PS_TENSOR_READING_MAX_FIGURES];     /* out */
  char *fig_errors[PS_TENSOR_READING_MAX_FIGURES];   /* out, when there is no figure */
  char *text;                                        /* out: the description, or why it could not be read */
  gboolean failed;                                   /* out: text is the error */
};

PsTensorReading *
ps_tensor_reading_new (const char *path, PsCheckpointOpenFlags flags, const char *name, const PsFigureOptions *options,
                       guint n_figures)
{
  g_return_val_if_fail (path != NULL && name != NULL && n_figures <= PS_TENSOR_READING_MAX_FIGURES, NULL);
  PsTensorReading *r = g_new0 (PsTensorReading, 1);
  r->path = g_strdup (path);
  r->flags = flags;
  r->name = g_strdup (name);
  r->n_figures = n_figures;
  for (guint i = 0; i < n_figures; i++)
    r->o[i] = options[i];
  return r;
}

static void
clear_results (PsTensorReading *r)
{
  for (guint i = 0; i < PS_TENSOR_READING_MAX_FIGURES; i++)
    {
      g_clear_pointer (&r->figs[i], ps_figure_free);
      g_clear_pointer (&r->fig_errors[i], g_free);
    }
  g_clear_pointer (&r->text, g_free);
  r->failed = FALSE;
}

void
ps_tensor_reading_free (PsTensorReading *r)
{
  if (r == NULL)
    return;
  clear_results (r);
  g_free (r->path);
  g_free (r->name);
  g_free (r);
}

gboolean
ps_tensor_reading_run (PsTensorReading *r, GCancellable *cancellable)
{
  clear_results (r);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open_full (r->path, r->flags, &error);
  const PsCheckpointEntry *e = ck ? ps_checkpoint_lookup (ck, r->name) : NULL;
  if (ck != NULL && e == NULL)
    g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, _("the file has no tensor \"%s\" any more"), r->name);
  g_autoptr (PsTensor) t = e ? ps_checkpoint_load (ck, e->name, &error) : NULL;
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  if (t == NULL)
    {
      r->failed = TRUE;
      r->text = g_strdup_printf (_("Could not read %s: %s"), r->name, error->message);
      return TRUE;
    }
  g_autofree char *subtitle = g_strdup_printf (_("%s in the file"), e->dtype);
  for (guint i = 0; i < r->n_figures && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr (GError) ferror = NULL;
      r->figs[i] = ps_figure_new_for_tensor (t, e->name, subtitle, &r->o[i], &ferror);
      if (r->figs[i] == NULL)
        r->fig_errors[i] = g_strdup (ferror->message);
    }
  r->text = ps_checkpoint_describe_tensor (e, t);
  return TRUE;
}

typedef struct {
  PsTensorReading *r;
} Job;

static void
job_free (gpointer data)
{
  Job *j = data;
  ps_tensor_reading_free (j->r);
  g_free (j);
}

static void
run_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *j = data;
  if (ps_tensor_reading_run (j->r, cancellable))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

void
ps_tensor_reading_run_async (PsTensorReading *r, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_tensor_reading_run_async);
  Job *j = g_new0 (Job, 1);
  j->r = r;
  g_task_set_task_data (task, j, job_free);
  g_task_run_in_thread (task, run_thread);
}

PsTensorReading *
ps_tensor_reading_run_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  Job *j = g_task_get_task_data (G_TASK (result));
  return g_steal_pointer (&j->r);
}

const char *ps_tensor_reading_get_name (PsTensorReading *r) { return r->name; }
guint ps_tensor_reading_get_n_figures (PsTensorReading *r) { return r->n_figures; }
gboolean ps_tensor_reading_failed (PsTensorReading *r) { return r->failed; }
const char *ps_tensor_reading_get_text (PsTensorReading *r) { return r->text; }

const PsFigureOptions *
ps_tensor_reading_get_options (PsTensorReading *r, guint i)
{
  g_return_val_if_fail (i < r->n_figures, NULL);
  return &r->o[i];
}

PsFigure *
ps_tensor_reading_steal_figure (PsTensorReading *r, guint i)
{
  g_return_val_if_fail (i < r->n_figures, NULL);
  return g_steal_pointer (&r->figs[i]);
}

const char *
ps_tensor_reading_get_figure_error (PsTensorReading *r, guint i)
{
  g_return_val_if_fail (i < r->n_figures, NULL);
  return r->fig_errors[i];
}
