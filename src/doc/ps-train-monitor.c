/* ps-train-monitor.c — see ps-train-monitor.h. */
#include "ps-config.h"
#include "ps-train-monitor.h"
#include "ps-train-ops.h"

#include <math.h>

struct _PsTrainMonitor {
  GObject parent_instance;
  GMutex lock;
  GCond wake;
  gboolean paused;
  gboolean held;               /* the worker waits in its progress report (paused) */
  GCancellable *cancellable;   /* the attached job's; ref */
  gulong cancel_handler;
  int64_t step, total;
  float last_loss;
  gint64 last_time;            /* monotonic µs of the last report (0: none yet) */
  gint64 active_us;            /* time between reports, pauses left out */
  int64_t timed_steps;         /* steps that active_us covers */
  GPtrArray *records;          /* PsTrainRecord* copies without state */
  PsState *latest;             /* ref */
};

G_DEFINE_FINAL_TYPE (PsTrainMonitor, ps_train_monitor, G_TYPE_OBJECT)

PsTrainMonitor *
ps_train_monitor_new (void)
{
  return g_object_new (PS_TYPE_TRAIN_MONITOR, NULL);
}

static gboolean
on_progress (int64_t step, int64_t total, float loss, gpointer data)
{
  PsTrainMonitor *self = data;
  g_mutex_lock (&self->lock);
  gint64 now = g_get_monotonic_time ();
  if (self->last_time != 0 && step > self->step)
    {
      self->active_us += now - self->last_time;
      self->timed_steps += step - self->step;
    }
  self->step = step;
  self->total = total;
  self->last_loss = loss;
  while (self->paused && !(self->cancellable && g_cancellable_is_cancelled (self->cancellable)))
    {
      self->held = TRUE;
      g_cond_wait (&self->wake, &self->lock);
    }
  self->held = FALSE;
  /* the clock restarts after a pause: waiting is not training time */
  self->last_time = g_get_monotonic_time ();
  gboolean go_on = !(self->cancellable && g_cancellable_is_cancelled (self->cancellable));
  g_mutex_unlock (&self->lock);
  return go_on;
}

static void
on_record (const PsTrainRecord *r, gpointer data)
{
  PsTrainMonitor *self = data;
  PsTrainRecord *c = ps_train_record_new ();
  c->step = r->step;
  c->run_step = r->run_step;
  c->run_steps = r->run_steps;
  c->epoch = r->epoch;
  c->loss = r->loss;
  c->accuracy = r->accuracy;
  c->lr = r->lr;
  c->grad_norm = r->grad_norm;
  for (guint i = 0; i < r->params->len; i++)
    {
      PsParamStat s = g_array_index (r->params, PsParamStat, i);
      s.path = g_strdup (s.path);
      g_array_append_val (c->params, s);
    }
  for (guint i = 0; i < r->layers->len; i++)
    {
      PsLayerStat s = g_array_index (r->layers, PsLayerStat, i);
      s.path = g_strdup (s.path);
      s.klass = g_strdup (s.klass);
      g_array_append_val (c->layers, s);
    }
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->records, c);
  if (r->state != NULL)
    {
      g_clear_pointer (&self->latest, ps_state_unref);
      self->latest = ps_state_ref (r->state);
    }
  g_mutex_unlock (&self->lock);
}

static void
on_cancelled (GCancellable *c, gpointer data)
{
  PsTrainMonitor *self = data;
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);
}

void
ps_train_monitor_attach (PsTrainMonitor *self, GCancellable *cancellable)
{
  g_return_if_fail (PS_IS_TRAIN_MONITOR (self));
  g_mutex_lock (&self->lock);
  g_set_object (&self->cancellable, cancellable);
  g_mutex_unlock (&self->lock);
  if (cancellable != NULL)
    self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  ps_train_ops_set_progress (on_progress, self);
  ps_train_ops_set_record_hook (on_record, self);
}

void
ps_train_monitor_detach (PsTrainMonitor *self)
{
  g_return_if_fail (PS_IS_TRAIN_MONITOR (self));
  ps_train_ops_set_progress (NULL, NULL);
  ps_train_ops_set_record_hook (NULL, NULL);
  if (self->cancellable != NULL)
    g_cancellable_disconnect (self->cancellable, self->cancel_handler);
  self->cancel_handler = 0;
}

void
ps_train_monitor_set_paused (PsTrainMonitor *self, gboolean paused)
{
  g_return_if_fail (PS_IS_TRAIN_MONITOR (self));
  g_mutex_lock (&self->lock);
  self->paused = paused;
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);
}

gboolean
ps_train_monitor_get_paused (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  gboolean p = self->paused;
  g_mutex_unlock (&self->lock);
  return p;
}

gboolean
ps_train_monitor_get_held (PsTrainMonitor *self)
{
  g_return_val_if_fail (PS_IS_TRAIN_MONITOR (self), FALSE);
  g_mutex_lock (&self->lock);
  gboolean h = self->held;
  g_mutex_unlock (&self->lock);
  return h;
}

gboolean
ps_train_monitor_get_started (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  gboolean s = self->total > 0;
  g_mutex_unlock (&self->lock);
  return s;
}

int64_t
ps_train_monitor_get_step (PsTrainMonitor *self, int64_t *total)
{
  g_mutex_lock (&self->lock);
  int64_t s = self->step;
  if (total != NULL)
    *total = self->total;
  g_mutex_unlock (&self->lock);
  return s;
}

double
ps_train_monitor_get_steps_per_second (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  double r = self->active_us > 0 ? (double) self->timed_steps * 1e6 / (double) self->active_us : 0.0;
  g_mutex_unlock (&self->lock);
  return r;
}

float
ps_train_monitor_get_last_loss (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  float l = self->total > 0 ? self->last_loss : NAN;
  g_mutex_unlock (&self->lock);
  return l;
}

guint
ps_train_monitor_get_n_records (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  guint n = self->records->len;
  g_mutex_unlock (&self->lock);
  return n;
}

const PsTrainRecord *
ps_train_monitor_get_record (PsTrainMonitor *self, guint i)
{
  g_mutex_lock (&self->lock);
  const PsTrainRecord *r = i < self->records->len ? self->records->pdata[i] : NULL;
  g_mutex_unlock (&self->lock);
  return r;
}

PsState *
ps_train_monitor_dup_latest_state (PsTrainMonitor *self)
{
  g_mutex_lock (&self->lock);
  PsState *s = self->latest ? ps_state_ref (self->latest) : NULL;
  g_mutex_unlock (&self->lock);
  return s;
}

static void
ps_train_monitor_finalize (GObject *object)
{
  PsTrainMonitor *self = PS_TRAIN_MONITOR (object);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->records);
  g_clear_pointer (&self->latest, ps_state_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  G_OBJECT_CLASS (ps_train_monitor_parent_class)->finalize (object);
}

static void
ps_train_monitor_class_init (PsTrainMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_train_monitor_finalize;
}

static void
ps_train_monitor_init (PsTrainMonitor *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_train_record_free);
  self->last_loss = NAN;
}
