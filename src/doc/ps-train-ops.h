/* ps-train-ops.h — the training ops of recipe version 3 (docs/recipe-format.md):
 *   dataset, optimizer, scheduler, backward, step, zero_grad, scheduler_step, train,
 * and the "loss" field of forward. Each kind has a validator (fields and their types, before any
 * state is touched), an apply function working on the state clone ps_op_apply made, the modules it
 * may write (for ps_state_clone_for_write) and a one-line description. */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "ps-state.h"
#include "ps-loss.h"

G_BEGIN_DECLS


/* The "loss" object {"type", "args"} → a PsLoss (errors name the argument). */
gboolean   ps_train_loss_from_json   (JsonNode *node, PsLoss *loss, GError **error);
/* forward with a loss: y = loss_fn(target(x), t); records the graph for a later backward and sets
 * output `name` to the loss value. */
gboolean   ps_train_forward_with_loss (PsState *state, const char *target_id, PsModule *target, PsTensor *x,
                                       const PsLoss *loss, PsTensor *t, const char *name, GError **error);

/* Progress of train ops, process-wide (the CLI prints it): called after every optimizer step with
 * the op's step count so far, its total and the step's loss. Returning FALSE stops the op, which
 * then fails with "interrupted" (and changes nothing, as any failed op). NULL: no reporting. */
typedef gboolean (*PsTrainProgressFunc) (int64_t step, int64_t total, float loss, gpointer data);
void       ps_train_ops_set_progress (PsTrainProgressFunc fn, gpointer data);
/* Both hooks are per thread (set them in the thread that applies the op). The record hook sees
 * every sub-step as it is recorded (its snapshot state is complete and immutable: take a ref to
 * keep it; the metrics belong to the record). NULL: none. */
typedef void (*PsTrainRecordFunc) (const PsTrainRecord *record, gpointer data);
void       ps_train_ops_set_record_hook (PsTrainRecordFunc fn, gpointer data);

/* The memory budget for the snapshots of a train op's recorded sub-steps, per thread (the timeline
 * sets its own around each op it applies; G_MAXUINT64, the default: keep every snapshot). Beyond
 * it a train op keeps every stride-th snapshot (stride doubling as needed) and its log can
 * recompute the others. */
void       ps_train_ops_set_snapshot_budget (guint64 bytes);
/* The state after recorded sub-step i of a train op's log: its snapshot, or — when that was dropped
 * — a replay of the loop from the nearest earlier kept snapshot (or the op's starting state),
 * bit-identical to what the op computed. A new reference; NULL and an error if the replay fails. */
PsState   *ps_train_log_get_state    (const PsTrainLog *log, guint i, GError **error);
/* The same, stopping between two optimizer steps when `cancellable` is cancelled (then NULL and
 * G_IO_ERROR_CANCELLED). */
PsState   *ps_train_log_get_state_cancellable (const PsTrainLog *log, guint i, GCancellable *cancellable,
                                               GError **error);
/* The same in a worker thread (GTask): `owner` is the state whose train_log holds record i (kept
 * alive by a ref until the worker ends). The callback runs in the caller's thread-default main
 * context; _finish gives the new reference, or NULL and the error (G_IO_ERROR_CANCELLED when
 * cancelled). Nothing is shared with the caller but immutable snapshots. */
void       ps_train_log_get_state_async  (PsState *owner, guint i, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
PsState   *ps_train_log_get_state_finish (GAsyncResult *result, GError **error);

G_END_DECLS
