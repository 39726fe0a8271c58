/* ps-substep-tensors.c — see ps-substep-tensors.h. */
#include "ps-config.h"
#include "ps-substep-tensors.h"
#include "ps-substep-replay.h"

struct _PsSubstepTensors {
  PsSubstepTensorsPick pick;
  PsSubstepTensorsReady ready;
  gpointer data;
  GHashTable *tensors;             /* record index → PsTensor* (ref) */
  GCancellable *cancellable;       /* ref while a batch runs */
  guint gen;                       /* bumped by forget and free: an older batch's result is dropped */
  char *error;                     /* why the last batch failed */
};

/* The object lives (g_rc_box) until its last running batch has reported. */
static void
tensors_clear (gpointer p)
{
  PsSubstepTensors *t = p;
  g_hash_table_unref (t->tensors);
  g_free (t->error);
}

PsSubstepTensors *
ps_substep_tensors_new (PsSubstepTensorsPick pick, PsSubstepTensorsReady ready, gpointer data)
{
  PsSubstepTensors *t = g_rc_box_new0 (PsSubstepTensors);
  t->pick = pick;
  t->ready = ready;
  t->data = data;
  t->tensors = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_tensor_unref);
  return t;
}

void
ps_substep_tensors_forget (PsSubstepTensors *t)
{
  t->gen++;
  if (t->cancellable != NULL)
    g_cancellable_cancel (t->cancellable);
  g_clear_object (&t->cancellable);
  g_hash_table_remove_all (t->tensors);
  g_clear_pointer (&t->error, g_free);
}

void
ps_substep_tensors_free (PsSubstepTensors *t)
{
  if (t == NULL)
    return;
  ps_substep_tensors_forget (t);   /* a late result finds another generation: dropped */
  g_rc_box_release_full (t, tensors_clear);
}

typedef struct {
  PsSubstepTensors *t;             /* a ref */
  guint gen;
  GArray *indices;                 /* the records, in the order of the worker's states */
} Batch;

static void
on_batch_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  Batch *b = data;
  PsSubstepTensors *t = b->t;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  if (b->gen == t->gen)   /* not forgotten or freed since */
    {
      g_clear_object (&t->cancellable);
      if (states == NULL)
        t->error = g_strdup (error->message);
      for (guint i = 0; states != NULL && i < states->len; i++)
        {
          PsTensor *v = t->pick (states->pdata[i], t->data);
          if (v != NULL)
            g_hash_table_replace (t->tensors, GUINT_TO_POINTER (g_array_index (b->indices, guint, i)), v);
        }
      if (t->ready != NULL)
        t->ready (t->data);
    }
  g_array_unref (b->indices);
  g_free (b);
  g_rc_box_release_full (t, tensors_clear);
}

gboolean
ps_substep_tensors_request (PsSubstepTensors *t, PsState *const *owners, const guint *ks, const guint *indices,
                            guint n)
{
  if (t->cancellable != NULL)
    return TRUE;
  if (t->error != NULL || n == 0)
    return FALSE;
  Batch *b = g_new0 (Batch, 1);
  b->t = g_rc_box_acquire (t);
  b->gen = t->gen;
  b->indices = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  g_array_append_vals (b->indices, indices, n);
  t->cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = ps_substep_replay_start (owners, ks, n, t->cancellable, on_batch_replayed, b);
  return TRUE;
}

PsTensor *
ps_substep_tensors_get (PsSubstepTensors *t, guint i)
{
  return g_hash_table_lookup (t->tensors, GUINT_TO_POINTER (i));
}

void
ps_substep_tensors_keep_only (PsSubstepTensors *t, gboolean (*keep) (guint i, gpointer data), gpointer data)
{
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, t->tensors);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!keep (GPOINTER_TO_UINT (key), data))
      g_hash_table_iter_remove (&it);
}

gboolean
ps_substep_tensors_get_replaying (PsSubstepTensors *t)
{
  return t->cancellable != NULL;
}

const char *
ps_substep_tensors_get_error (PsSubstepTensors *t)
{
  return t->error;
}
