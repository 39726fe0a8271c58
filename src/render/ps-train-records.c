/* ps-train-records.c — see ps-train-records.h. */
#include "ps-config.h"
#include "ps-train-records.h"
#include <glib/gi18n.h>
#include "ps-train-figures.h"
#include "ps-train-walk.h"

#include <math.h>

struct _PsTrainRecords {
  GPtrArray *records;              /* const PsTrainRecord* (no ref; kept alive by `held`) */
  GPtrArray *states;               /* PsState* (ref) — NULL entries when dropped or live */
  GPtrArray *held;                 /* PsState* refs of the timeline states that own the logs */
  GArray *x;                       /* int64_t: each record's place on the training axis */
  GArray *op_steps;                /* guint: the timeline step of each record's train op (0 = live) */
  PsTrainAxis axis;
  char *skipped;
};

PsTrainRecords *
ps_train_records_new (void)
{
  PsTrainRecords *r = g_new0 (PsTrainRecords, 1);
  r->records = g_ptr_array_new ();
  r->states = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_state_unref);
  r->held = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_state_unref);
  r->x = g_array_new (FALSE, FALSE, sizeof (int64_t));
  r->op_steps = g_array_new (FALSE, FALSE, sizeof (guint));
  return r;
}

void
ps_train_records_free (PsTrainRecords *r)
{
  if (r == NULL)
    return;
  /* the records before the states that own them */
  g_ptr_array_unref (r->records);
  g_ptr_array_unref (r->states);
  g_ptr_array_unref (r->held);
  g_array_unref (r->x);
  g_array_unref (r->op_steps);
  g_free (r->skipped);
  g_free (r);
}

void
ps_train_records_clear (PsTrainRecords *r)
{
  g_ptr_array_set_size (r->records, 0);
  g_ptr_array_set_size (r->states, 0);
  g_ptr_array_set_size (r->held, 0);
  g_array_set_size (r->x, 0);
  g_array_set_size (r->op_steps, 0);
  r->axis = (PsTrainAxis) { 0, 0, 0 };
  g_clear_pointer (&r->skipped, g_free);
}

static void
add_record (PsTrainRecords *r, const PsTrainRecord *rec, PsState *state, guint op_step, int64_t x)
{
  g_array_append_val (r->op_steps, op_step);
  g_ptr_array_add (r->records, (gpointer) rec);
  g_ptr_array_add (r->states, state ? ps_state_ref (state) : NULL);
  g_array_append_val (r->x, x);
}

static void
index_record (const PsTrainWalkItem *item, gpointer data)
{
  PsTrainRecords *r = data;
  if (item->index == 0)
    g_ptr_array_add (r->held, ps_state_ref (item->state));
  add_record (r, item->record, item->record->state, item->op_step, item->x);
}

void
ps_train_records_index_timeline (PsTrainRecords *r, PsTimeline *tl)
{
  ps_train_records_clear (r);
  /* only the train ops' states are built; a step dropped to keep within the memory budget, and no
   * memory to rebuild it now: its records are left out and `skipped` says why */
  ps_train_walk (tl, ps_timeline_get_n_steps (tl), NULL, &r->axis, index_record, r, &r->skipped, NULL);
}

void
ps_train_records_begin_live (PsTrainRecords *r, PsTimeline *tl)
{
  ps_train_records_clear (r);
  /* a train step dropped under the memory budget that cannot be rebuilt now (no memory): its
   * records are left out of the count, so the live run's points start that much lower on the axis */
  if (tl != NULL)
    ps_train_walk (tl, ps_timeline_get_n_steps (tl), NULL, &r->axis, NULL, NULL, NULL, NULL);
}

void
ps_train_records_index_monitor (PsTrainRecords *r, PsTrainMonitor *monitor)
{
  guint n = ps_train_monitor_get_n_records (monitor);
  for (guint i = r->records->len; i < n; i++)
    {
      const PsTrainRecord *rec = ps_train_monitor_get_record (monitor, i);
      if (i == 0)
        ps_train_axis_begin_run (&r->axis, rec);   /* the live run continues the timeline's axis */
      add_record (r, rec, NULL, 0, ps_train_axis_next (&r->axis, rec->step));
    }
}

guint
ps_train_records_get_n (PsTrainRecords *r)
{
  return r->records->len;
}

const PsTrainRecord *
ps_train_records_get (PsTrainRecords *r, guint i)
{
  g_return_val_if_fail (i < r->records->len, NULL);
  return r->records->pdata[i];
}

const PsTrainRecord *const *
ps_train_records_get_all (PsTrainRecords *r)
{
  return (const PsTrainRecord *const *) r->records->pdata;
}

const int64_t *
ps_train_records_get_xs (PsTrainRecords *r)
{
  return (const int64_t *) r->x->data;
}

int64_t
ps_train_records_get_x (PsTrainRecords *r, guint i)
{
  return i < r->x->len ? g_array_index (r->x, int64_t, i) : -1;
}

PsState *
ps_train_records_get_state (PsTrainRecords *r, guint i)
{
  return i < r->states->len ? r->states->pdata[i] : NULL;
}

PsState *
ps_train_records_get_owner (PsTrainRecords *r, guint i, guint *index_in_log)
{
  if (i >= r->records->len)
    return NULL;
  const PsTrainRecord *rec = r->records->pdata[i];
  for (guint h = 0; h < r->held->len; h++)
    {
      PsState *owner = r->held->pdata[h];
      const PsTrainLog *log = owner->train_log;
      for (guint k = 0; log != NULL && k < log->records->len; k++)
        if (log->records->pdata[k] == rec)
          {
            *index_in_log = k;
            return owner;
          }
    }
  return NULL;
}

const PsOp *
ps_train_records_get_op (PsTrainRecords *r, guint i, const PsRecipe *recipe)
{
  guint op_step = i < r->op_steps->len ? g_array_index (r->op_steps, guint, i) : 0;
  return recipe != NULL && op_step >= 1 && op_step <= recipe->ops->len ? recipe->ops->pdata[op_step - 1] : NULL;
}

gboolean
ps_train_records_axis_continues (PsTrainRecords *r)
{
  return r->axis.base > 0;
}

const char *
ps_train_records_get_skipped (PsTrainRecords *r)
{
  return r->skipped;
}

char *
ps_train_record_describe (const PsTrainRecord *r, int64_t axis_step)
{
  g_autofree char *acc = isnan (r->accuracy) ? g_strdup ("") : g_strdup_printf (_(" · accuracy %.1f %%"), 100 * r->accuracy);
  g_autofree char *step = axis_step == r->step
                          ? g_strdup_printf (_("training step %lld"), (long long) axis_step)
                          : g_strdup_printf (_("training step %lld (optimizer step %lld of its run)"),
                                             (long long) axis_step, (long long) r->step);
  return g_strdup_printf (_("%s · epoch %lld · loss %.5g%s · lr %.3g · ‖g‖ %.3g"), step, (long long) r->epoch,
                          ps_train_figures_printable (r->loss), acc, ps_train_figures_printable (r->lr),
                          ps_train_figures_printable (r->grad_norm));
}
