/* ps-train-monitor.h — a window onto a `train` op while a worker thread applies it: the app's
 * live views read the sub-steps recorded so far, the step count and the steps per second, and
 * pause, resume or cancel the run. Thread-safe: the worker reports through the train op's
 * per-thread hooks (ps_train_ops_set_progress / _set_record_hook), the main thread reads.
 *
 * Records handed out are copies of the metrics (no snapshot state; the newest snapshot is kept
 * apart, ps_train_monitor_dup_latest_state), immutable and owned by the monitor until it is
 * finalized: a pointer from ps_train_monitor_get_record stays valid while you hold the monitor. */
#pragma once

#include <gio/gio.h>
#include "ps-state.h"

G_BEGIN_DECLS

#define PS_TYPE_TRAIN_MONITOR (ps_train_monitor_get_type ())
G_DECLARE_FINAL_TYPE (PsTrainMonitor, ps_train_monitor, PS, TRAIN_MONITOR, GObject)

PsTrainMonitor *ps_train_monitor_new        (void);

/* Worker side: report the train ops applied in the calling thread from now on to this monitor;
 * a paused run waits in its next progress report, a cancelled one stops there (the op then fails
 * and changes nothing). */
void     ps_train_monitor_attach            (PsTrainMonitor *self, GCancellable *cancellable);
void     ps_train_monitor_detach            (PsTrainMonitor *self);

/* Main side. */
void     ps_train_monitor_set_paused        (PsTrainMonitor *self, gboolean paused);
gboolean ps_train_monitor_get_paused        (PsTrainMonitor *self);
/* TRUE while the worker waits in a pause: its step, records and loss stay as they are until it
 * is resumed or cancelled (a step in flight when Pause was pressed has finished). */
gboolean ps_train_monitor_get_held          (PsTrainMonitor *self);
/* TRUE once the monitored op made its first optimizer step (earlier ops are replayed before). */
gboolean ps_train_monitor_get_started       (PsTrainMonitor *self);
/* Optimizer steps of the running op so far, and its total (0 before it started). */
int64_t  ps_train_monitor_get_step          (PsTrainMonitor *self, int64_t *total);
/* Steps per second of the op, paused time left out (0 before two steps). */
double   ps_train_monitor_get_steps_per_second (PsTrainMonitor *self);
/* The loss of the newest step (recorded or not); NaN before the first. */
float    ps_train_monitor_get_last_loss     (PsTrainMonitor *self);
guint    ps_train_monitor_get_n_records     (PsTrainMonitor *self);
/* Record i (0 ≤ i < n_records) without its state; no copy, valid while the monitor lives. */
const PsTrainRecord *ps_train_monitor_get_record (PsTrainMonitor *self, guint i);
/* The snapshot after the newest recorded sub-step (a ref), or NULL. */
PsState *ps_train_monitor_dup_latest_state  (PsTrainMonitor *self);

G_END_DECLS
