/* ps-train-object.c — see ps-train-object.h. */
#include "ps-train-object.h"
#include "ps-state.h"

static PsTrainObject *
object_new (PsTrainObjectKind kind, const char *type)
{
  PsTrainObject *o = g_new0 (PsTrainObject, 1);
  g_atomic_ref_count_init (&o->ref_count);
  o->kind = kind;
  o->type = g_strdup (type);
  return o;
}

PsTrainObject *
ps_train_object_new_dataset (const char *type, PsDataset *d)
{
  PsTrainObject *o = object_new (PS_TRAIN_DATASET, type);
  o->dataset = ps_dataset_ref (d);
  return o;
}

PsTrainObject *
ps_train_object_new_optimizer (const char *type, PsOptimizer *opt, const char *model_id)
{
  PsTrainObject *o = object_new (PS_TRAIN_OPTIMIZER, type);
  o->optimizer = opt;
  o->model_id = g_strdup (model_id);
  return o;
}

PsTrainObject *
ps_train_object_new_scheduler (const char *type, PsScheduler *s, const char *optimizer_id)
{
  PsTrainObject *o = object_new (PS_TRAIN_SCHEDULER, type);
  o->scheduler = s;
  o->optimizer_id = g_strdup (optimizer_id);
  return o;
}

PsTrainObject *
ps_train_object_copy (const PsTrainObject *src)
{
  PsTrainObject *o = object_new (src->kind, src->type);
  o->dataset = src->dataset ? ps_dataset_ref (src->dataset) : NULL;
  o->optimizer = src->optimizer ? ps_optimizer_copy (src->optimizer) : NULL;
  o->model_id = g_strdup (src->model_id);
  o->n_steps = src->n_steps;
  o->scheduler = src->scheduler ? ps_scheduler_copy (src->scheduler) : NULL;
  o->optimizer_id = g_strdup (src->optimizer_id);
  return o;
}

PsTrainObject *
ps_train_object_ref (PsTrainObject *o)
{
  g_atomic_ref_count_inc (&o->ref_count);
  return o;
}

void
ps_train_object_unref (PsTrainObject *o)
{
  if (o == NULL || !g_atomic_ref_count_dec (&o->ref_count))
    return;
  g_free (o->type);
  ps_dataset_unref (o->dataset);
  ps_optimizer_free (o->optimizer);
  g_free (o->model_id);
  ps_scheduler_free (o->scheduler);
  g_free (o->optimizer_id);
  g_free (o);
}

PsTrainGraph *
ps_train_graph_new (PsTape *tape, const char *target_id, const char *output, PsTensor *grad_output)
{
  PsTrainGraph *g = g_new0 (PsTrainGraph, 1);
  g_atomic_ref_count_init (&g->ref_count);
  g->tape = tape;
  g->target_id = g_strdup (target_id);
  g->output = g_strdup (output);
  g->grad_output = ps_tensor_ref (grad_output);
  return g;
}

PsTrainGraph *
ps_train_graph_remap (const PsTrainGraph *g, GHashTable *map)
{
  return ps_train_graph_new (ps_tape_copy_remapped (g->tape, map), g->target_id, g->output, g->grad_output);
}

void
ps_train_graph_unref (PsTrainGraph *g)
{
  if (g == NULL || !g_atomic_ref_count_dec (&g->ref_count))
    return;
  ps_tape_free (g->tape);
  g_free (g->target_id);
  g_free (g->output);
  ps_tensor_unref (g->grad_output);
  g_free (g);
}

static void
param_stat_clear (gpointer data)
{
  g_free (((PsParamStat *) data)->path);
}

static void
layer_stat_clear (gpointer data)
{
  PsLayerStat *s = data;
  g_free (s->path);
  g_free (s->klass);
}

PsTrainRecord *
ps_train_record_new (void)
{
  PsTrainRecord *r = g_new0 (PsTrainRecord, 1);
  r->params = g_array_new (FALSE, TRUE, sizeof (PsParamStat));
  g_array_set_clear_func (r->params, param_stat_clear);
  r->layers = g_array_new (FALSE, TRUE, sizeof (PsLayerStat));
  g_array_set_clear_func (r->layers, layer_stat_clear);
  return r;
}

void
ps_train_record_free (PsTrainRecord *r)
{
  if (r == NULL)
    return;
  g_array_unref (r->params);
  g_array_unref (r->layers);
  ps_state_unref (r->state);
  g_free (r);
}

int64_t
ps_train_axis_next (PsTrainAxis *axis, int64_t optimizer_step)
{
  int64_t x = optimizer_step + axis->base;
  if (x <= axis->last)
    {
      /* a new optimizer counts from 1 again: continue the axis after the last step */
      axis->base = axis->last;
      x = optimizer_step + axis->base;
    }
  axis->last = x;
  return x;
}

void
ps_train_axis_begin_run (PsTrainAxis *axis, const PsTrainRecord *first)
{
  if (first == NULL || first->run_step <= 0)
    return;
  const int64_t start = first->step - first->run_step;   /* the optimizer's count when the run began */
  const int64_t end = MAX (axis->end, axis->last);       /* where the run before ended on the axis */
  axis->base = MAX (end - start, 0);
  axis->end = start + first->run_steps + axis->base;
}

PsTrainLog *
ps_train_log_new (void)
{
  PsTrainLog *log = g_new0 (PsTrainLog, 1);
  g_atomic_ref_count_init (&log->ref_count);
  log->records = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_train_record_free);
  return log;
}

void
ps_train_log_unref (PsTrainLog *log)
{
  if (log == NULL || !g_atomic_ref_count_dec (&log->ref_count))
    return;
  g_ptr_array_unref (log->records);
  if (log->replay != NULL && log->replay_free != NULL)
    log->replay_free (log->replay);
  g_free (log);
}
