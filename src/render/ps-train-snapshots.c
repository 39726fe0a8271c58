/* ps-train-snapshots.c — see ps-train-snapshots.h. */
#include "ps-config.h"
#include "ps-train-snapshots.h"
#include "ps-train-ops.h"

struct _PsTrainSnapshots {
  PsTrainRecords *recs;
  PsTrainSnapshotsReady ready;
  gpointer data;
  GCancellable *cancellable;       /* ref while a replay runs */
  guint index;                     /* the record it replays (or replayed last) */
  guint gen;                       /* bumped by each request, forget and free: older results are dropped */
  GHashTable *replayed;            /* record index → PsState* (ref) */
  GQueue order;                    /* its keys (GUINT_TO_POINTER), oldest first */
  char *error;                     /* why the last replay failed */
  gint64 started;                  /* monotonic µs */
  double last_ms;
};

/* The object lives (g_rc_box) until its last running replay has reported. */
static void
snapshots_clear (gpointer p)
{
  PsTrainSnapshots *s = p;
  g_hash_table_unref (s->replayed);
  g_queue_clear (&s->order);
  g_free (s->error);
}

PsTrainSnapshots *
ps_train_snapshots_new (PsTrainRecords *recs, PsTrainSnapshotsReady ready, gpointer data)
{
  PsTrainSnapshots *s = g_rc_box_new0 (PsTrainSnapshots);
  s->recs = recs;
  s->ready = ready;
  s->data = data;
  s->replayed = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_state_unref);
  g_queue_init (&s->order);
  return s;
}

static void
cancel (PsTrainSnapshots *s)
{
  s->gen++;
  if (s->cancellable != NULL)
    g_cancellable_cancel (s->cancellable);
  g_clear_object (&s->cancellable);
}

void
ps_train_snapshots_free (PsTrainSnapshots *s)
{
  if (s == NULL)
    return;
  cancel (s);   /* a late result finds another generation: dropped */
  s->recs = NULL;
  g_rc_box_release_full (s, snapshots_clear);
}

void
ps_train_snapshots_forget (PsTrainSnapshots *s)
{
  cancel (s);
  g_hash_table_remove_all (s->replayed);
  g_queue_clear (&s->order);
  g_clear_pointer (&s->error, g_free);
}

typedef struct {
  PsTrainSnapshots *s;             /* a ref */
  guint index, gen;
} Request;

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  Request *q = data;
  PsTrainSnapshots *s = q->s;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) st = ps_train_log_get_state_finish (result, &error);
  const gboolean current = q->gen == s->gen;   /* not superseded, forgotten or freed */
  const guint index = q->index;
  g_free (q);
  if (current)
    {
      g_clear_object (&s->cancellable);
      s->last_ms = (double) (g_get_monotonic_time () - s->started) / 1000.0;
      if (st == NULL)
        s->error = g_strdup (error->message);
      else
        {
          /* keep the newest few (the shown sub-step and the difference view's other one among them) */
          if (g_queue_get_length (&s->order) >= PS_TRAIN_SNAPSHOTS_KEEP)
            g_hash_table_remove (s->replayed, g_queue_pop_head (&s->order));
          g_hash_table_replace (s->replayed, GUINT_TO_POINTER (index), g_steal_pointer (&st));
          g_queue_push_tail (&s->order, GUINT_TO_POINTER (index));
        }
      s->ready (s->data);
    }
  g_rc_box_release_full (s, snapshots_clear);
}

PsState *
ps_train_snapshots_get (PsTrainSnapshots *s, guint i, gboolean now, gboolean *pending)
{
  *pending = FALSE;
  PsState *st = ps_train_records_get_state (s->recs, i);
  if (st == NULL)
    st = g_hash_table_lookup (s->replayed, GUINT_TO_POINTER (i));
  if (st != NULL)
    return ps_state_ref (st);
  guint k = 0;
  PsState *owner = ps_train_records_get_owner (s->recs, i, &k);
  if (owner == NULL)
    return NULL;
  if (now)
    return ps_train_log_get_state (owner->train_log, k, NULL);
  if (s->cancellable != NULL && s->index == i)
    {
      *pending = TRUE;   /* already on its way */
      return NULL;
    }
  if (s->error != NULL && s->cancellable == NULL && s->index == i)
    return NULL;   /* it failed: the caller says why (a new request for it comes with another record) */
  cancel (s);
  g_clear_pointer (&s->error, g_free);
  s->index = i;
  s->started = g_get_monotonic_time ();
  s->cancellable = g_cancellable_new ();
  Request *q = g_new0 (Request, 1);
  q->s = g_rc_box_acquire (s);
  q->index = i;
  q->gen = s->gen;
  ps_train_log_get_state_async (owner, k, s->cancellable, on_replayed, q);
  *pending = TRUE;
  return NULL;
}

void
ps_train_snapshots_missing (PsTrainSnapshots *s, const guint *want, guint n, GArray *indices, GPtrArray *owners,
                            GArray *in_log)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  for (guint f = 0; f < n; f++)
    {
      guint i = want[f], k = 0;
      if (ps_train_records_get_state (s->recs, i) != NULL || ps_train_snapshots_has_result (s, i)
          || !g_hash_table_add (seen, GUINT_TO_POINTER (i)))
        continue;
      PsState *owner = ps_train_records_get_owner (s->recs, i, &k);
      if (owner == NULL)
        continue;   /* no snapshot and none to replay (a live record) */
      g_array_append_val (indices, i);
      g_ptr_array_add (owners, owner);
      g_array_append_val (in_log, k);
    }
}

gboolean
ps_train_snapshots_get_replaying (PsTrainSnapshots *s)
{
  return s->cancellable != NULL;
}

gboolean
ps_train_snapshots_has_result (PsTrainSnapshots *s, guint i)
{
  return g_hash_table_contains (s->replayed, GUINT_TO_POINTER (i));
}

const char *
ps_train_snapshots_get_error (PsTrainSnapshots *s, guint i)
{
  return s->cancellable == NULL && s->index == i ? s->error : NULL;
}

double
ps_train_snapshots_get_last_ms (PsTrainSnapshots *s)
{
  return s->last_ms;
}
