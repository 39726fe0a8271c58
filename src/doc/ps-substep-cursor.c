/* ps-substep-cursor.c — see ps-substep-cursor.h. */
#include "ps-config.h"
#include "ps-substep-cursor.h"
#include "ps-train-walk.h"
#include "ps-train-ops.h"

#include <glib/gi18n.h>
#include <string.h>

/* One dropped sub-step replayed in a worker: the shown one, or the one before it (Difference). */
typedef struct {
  GCancellable *cancellable;  /* ref while a replay runs */
  guint index, gen;           /* the sub-step it replays; a callback of another gen is stale */
  PsState *replayed;          /* ref: the last one replayed, or NULL */
  guint replayed_index;
  char *error;                /* why that replay failed */
} Slot;

struct _PsSubstepCursor {
  GObject parent_instance;
  PsSubstepCursorReady ready;
  gpointer ready_data;
  PsState *owner;             /* ref: the train step's state, whose log is offered; NULL = none */
  guint n;                    /* its records */
  guint index;                /* the one shown; n = the step's own state (after the run) */
  GArray *axis;               /* int64 training-axis step of each record */
  Slot shown, before;
};

G_DEFINE_FINAL_TYPE (PsSubstepCursor, ps_substep_cursor, G_TYPE_OBJECT)

static void
slot_cancel (Slot *s)
{
  s->gen++;
  if (s->cancellable != NULL)
    g_cancellable_cancel (s->cancellable);
  g_clear_object (&s->cancellable);
}

static void
slot_clear (Slot *s)
{
  slot_cancel (s);
  g_clear_pointer (&s->replayed, ps_state_unref);
  g_clear_pointer (&s->error, g_free);
}

void
ps_substep_cursor_clear (PsSubstepCursor *c)
{
  g_return_if_fail (PS_IS_SUBSTEP_CURSOR (c));
  g_clear_pointer (&c->owner, ps_state_unref);
  slot_clear (&c->shown);
  slot_clear (&c->before);
  c->n = c->index = 0;
  g_array_set_size (c->axis, 0);
}

static void
ps_substep_cursor_finalize (GObject *object)
{
  PsSubstepCursor *c = PS_SUBSTEP_CURSOR (object);
  ps_substep_cursor_clear (c);
  g_array_unref (c->axis);
  G_OBJECT_CLASS (ps_substep_cursor_parent_class)->finalize (object);
}

static void
ps_substep_cursor_class_init (PsSubstepCursorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_substep_cursor_finalize;
}

static void
ps_substep_cursor_init (PsSubstepCursor *c)
{
  c->axis = g_array_new (FALSE, FALSE, sizeof (int64_t));
}

PsSubstepCursor *
ps_substep_cursor_new (PsSubstepCursorReady ready, gpointer data)
{
  PsSubstepCursor *c = g_object_new (PS_TYPE_SUBSTEP_CURSOR, NULL);
  c->ready = ready;
  c->ready_data = data;
  return c;
}

/* the train log of `step` (its state `state`), or NULL: not a train op, or no records */
static PsTrainLog *
step_log (PsTimeline *tl, guint step, PsState *state)
{
  if (step == 0 || step > ps_timeline_get_n_steps (tl))
    return NULL;
  const PsOp *op = g_ptr_array_index (ps_timeline_get_recipe (tl)->ops, step - 1);
  if (!ps_op_records_training (op) || state->train_log == NULL || state->train_log->records->len == 0)
    return NULL;
  return state->train_log;
}

typedef struct {
  guint step;
  GArray *axis;
} AxisWalk;

static void
append_axis_step (const PsTrainWalkItem *item, gpointer data)
{
  AxisWalk *w = data;
  if (item->op_step == w->step)
    g_array_append_val (w->axis, item->x);
}

gboolean
ps_substep_cursor_sync (PsSubstepCursor *c, PsTimeline *tl, guint step, PsState *state)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && tl != NULL && state != NULL, FALSE);
  PsTrainLog *log = step_log (tl, step, state);
  if (log != NULL && state == c->owner)
    return FALSE;   /* the same train step: keep the sub-step shown */
  ps_substep_cursor_clear (c);
  c->n = c->index = log ? log->records->len : 0;
  if (log != NULL)
    {
      c->owner = ps_state_ref (state);
      /* x-axis steps of this op's records: continue the count of the train ops before it. A train
       * step dropped to keep within the memory budget that cannot be rebuilt now: its records are
       * not counted (the numbers shift; the views say so when they need the step). */
      PsTrainAxis axis = { 0, 0, 0 };
      AxisWalk w = { step, c->axis };
      ps_train_walk (tl, step, state, &axis, append_axis_step, &w, NULL, NULL);
    }
  return TRUE;
}

PsState *
ps_substep_cursor_get_owner (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), NULL);
  return c->owner;
}

guint
ps_substep_cursor_get_n (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), 0);
  return c->n;
}

guint
ps_substep_cursor_get_index (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), 0);
  return c->index;
}

gboolean
ps_substep_cursor_go_to (PsSubstepCursor *c, guint i)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), FALSE);
  i = MIN (i, c->n);
  if (i == c->index)
    return FALSE;
  c->index = i;
  return TRUE;
}

gboolean
ps_substep_cursor_play_next (PsSubstepCursor *c, gboolean from_start, guint *next)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && next != NULL, FALSE);
  if (c->n == 0)
    return FALSE;
  if (from_start)
    {
      *next = 0;
      return TRUE;
    }
  if (c->index >= c->n)
    return FALSE;
  guint stride = MAX (1, (c->n + PS_SUBSTEP_PLAY_FRAMES - 1) / PS_SUBSTEP_PLAY_FRAMES);
  guint k = c->index + stride;
  if (k >= c->n && c->index + 1 < c->n)
    k = c->n - 1;   /* the last sub-step is a frame of its own */
  else if (k > c->n)
    k = c->n;
  *next = k;
  return TRUE;
}

const PsTrainRecord *
ps_substep_cursor_get_record (PsSubstepCursor *c, guint i)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && i < c->n, NULL);
  return c->owner->train_log->records->pdata[i];
}

int64_t
ps_substep_cursor_get_x (PsSubstepCursor *c, guint i)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && i < c->axis->len, 0);
  return g_array_index (c->axis, int64_t, i);
}

GArray *
ps_substep_cursor_get_axis (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), NULL);
  return c->axis;
}

typedef struct {
  GWeakRef cursor;
  gboolean before;            /* for the slot of the sub-step before */
  guint index, gen;
} ReplayRequest;

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  ReplayRequest *q = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) st = ps_train_log_get_state_finish (result, &error);
  g_autoptr (PsSubstepCursor) c = g_weak_ref_get (&q->cursor);
  const guint index = q->index, gen = q->gen;
  const gboolean before = q->before;
  g_weak_ref_clear (&q->cursor);
  g_free (q);
  Slot *s = c == NULL ? NULL : before ? &c->before : &c->shown;
  if (s == NULL || gen != s->gen)
    return;   /* the cursor is gone, or another sub-step or step was asked for */
  g_clear_object (&s->cancellable);
  g_clear_pointer (&s->replayed, ps_state_unref);
  g_clear_pointer (&s->error, g_free);
  s->replayed_index = index;
  if (st != NULL)
    s->replayed = g_steal_pointer (&st);
  else
    s->error = g_strdup (error->message);
  if (c->ready != NULL)
    c->ready (c, c->ready_data);
}

/* record i's state: its snapshot, the slot's replay of it, or NULL (*pending: a replay started or
 * runs; else it failed) */
static PsState *
slot_get (PsSubstepCursor *c, Slot *s, guint i, gboolean *pending)
{
  *pending = FALSE;
  const PsTrainRecord *r = c->owner->train_log->records->pdata[i];
  if (r->state != NULL)
    return r->state;
  if (s->replayed_index == i && (s->replayed != NULL || s->error != NULL) && s->cancellable == NULL)
    return s->replayed;
  *pending = TRUE;
  if (s->cancellable != NULL && s->index == i)
    return NULL;
  slot_cancel (s);
  s->index = i;
  s->cancellable = g_cancellable_new ();
  ReplayRequest *q = g_new0 (ReplayRequest, 1);
  g_weak_ref_init (&q->cursor, c);
  q->before = s == &c->before;
  q->index = i;
  q->gen = s->gen;
  ps_train_log_get_state_async (c->owner, i, s->cancellable, on_replayed, q);
  return NULL;
}

PsState *
ps_substep_cursor_get_state (PsSubstepCursor *c, gboolean *pending)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && pending != NULL, NULL);
  PsState *st = NULL;
  *pending = FALSE;
  if (c->owner != NULL && c->index < c->n)
    st = slot_get (c, &c->shown, c->index, pending);
  return st;
}

PsState *
ps_substep_cursor_get_state_before (PsSubstepCursor *c, gboolean *pending)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c) && pending != NULL, NULL);
  PsState *st = NULL;
  *pending = FALSE;
  if (c->owner != NULL && c->index > 0 && c->index < c->n)
    st = slot_get (c, &c->before, c->index - 1, pending);
  return st;
}

const char *
ps_substep_cursor_get_before_error (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), NULL);
  const Slot *s = &c->before;
  return s->error != NULL && c->index > 0 && s->replayed_index == c->index - 1 ? s->error : NULL;
}

gboolean
ps_substep_cursor_get_replaying (PsSubstepCursor *c, guint *index)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), FALSE);
  if (index != NULL)
    *index = c->shown.index;
  return c->shown.cancellable != NULL;
}

const char *
ps_substep_cursor_get_replay_error (PsSubstepCursor *c)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), NULL);
  return c->shown.error != NULL && c->shown.replayed_index == c->index ? c->shown.error : NULL;
}

char *
ps_substep_cursor_describe (PsSubstepCursor *c, const char *record_text)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_CURSOR (c), NULL);
  if (c->n == 0)
    return g_strdup (_("No sub-steps here: a train step's recorded optimizer steps show up on this slider"));
  if (c->index >= c->n)
    return g_strdup_printf (_("After the whole run: %u recorded sub-steps — drag to see each one"), c->n);
  g_autofree char *text = g_strdup_printf (_("Sub-step %u of %u: %s"), c->index + 1, c->n, record_text ? record_text : "");
  const char *failed = ps_substep_cursor_get_replay_error (c);
  if (c->shown.cancellable != NULL && c->shown.index == c->index)
    return g_strdup_printf (_("%s — recomputing its snapshot…"), text);
  if (failed != NULL)
    return g_strdup_printf (_("%s — its snapshot could not be recomputed: %s"), text, failed);
  return g_steal_pointer (&text);
}
