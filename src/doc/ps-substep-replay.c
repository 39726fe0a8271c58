/* ps-substep-replay.c — see ps-substep-replay.h. */
#include "ps-config.h"
#include "ps-substep-replay.h"
#include "ps-train-ops.h"
#include "ps-train-object.h"

typedef struct {
  GPtrArray *owners;        /* refs: keep the logs (and every snapshot they read) alive */
  GArray *indices;
  gint done;                /* atomic */
} Job;

static void
job_free (gpointer data)
{
  Job *j = data;
  g_ptr_array_unref (j->owners);
  g_array_unref (j->indices);
  g_free (j);
}

static void
replay_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *j = data;
  g_autoptr (GPtrArray) out = g_ptr_array_new_full (j->owners->len, (GDestroyNotify) ps_state_unref);
  for (guint i = 0; i < j->owners->len; i++)
    {
      GError *error = NULL;
      PsState *owner = j->owners->pdata[i];
      PsState *st = ps_train_log_get_state_cancellable (owner->train_log, g_array_index (j->indices, guint, i),
                                                        cancellable, &error);
      if (st == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (out, st);
      g_atomic_int_set (&j->done, (gint) i + 1);
    }
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

GTask *
ps_substep_replay_start (PsState *const *owners, const guint *indices, guint n, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  for (guint i = 0; i < n; i++)
    g_return_val_if_fail (owners[i] != NULL && owners[i]->train_log != NULL
                          && indices[i] < owners[i]->train_log->records->len, NULL);
  Job *j = g_new0 (Job, 1);
  j->owners = g_ptr_array_new_full (n, (GDestroyNotify) ps_state_unref);
  j->indices = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (j->owners, ps_state_ref (owners[i]));
      g_array_append_val (j->indices, indices[i]);
    }
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_substep_replay_start);
  g_task_set_return_on_cancel (task, FALSE);   /* the worker ends a replay itself, between two steps */
  g_task_set_task_data (task, j, job_free);
  g_task_run_in_thread (task, replay_thread);
  return task;
}

guint
ps_substep_replay_get_done (GTask *task)
{
  g_return_val_if_fail (G_IS_TASK (task), 0);
  Job *j = g_task_get_task_data (task);
  return (guint) g_atomic_int_get (&j->done);
}

guint
ps_substep_replay_get_n (GTask *task)
{
  g_return_val_if_fail (G_IS_TASK (task), 0);
  Job *j = g_task_get_task_data (task);
  return j->owners->len;
}

GPtrArray *
ps_substep_replay_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
