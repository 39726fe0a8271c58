/* ps-document.h — the open document as a GObject: a PsTimeline, the file it came from, whether it
 * has unsaved changes, and the step being looked at. Views listen to ::changed (structure: steps
 * added/removed/replayed) and notify::current-step. Every user command ends up as one of these
 * calls, so the window's actions stay thin and the document is testable without a display. */
#pragma once

#include <gio/gio.h>
#include "ps-timeline.h"
#include "ps-train-monitor.h"

G_BEGIN_DECLS

#define PS_TYPE_DOCUMENT (ps_document_get_type ())
G_DECLARE_FINAL_TYPE (PsDocument, ps_document, PS, DOCUMENT, GObject)

PsDocument   *ps_document_new               (void);
/* Replace the content with a recipe (parsed from data). On a failing op the document still loads
 * up to that op and *error_out (if non-NULL) receives the op's error; a malformed recipe is an
 * error and leaves the document as it was. */
gboolean      ps_document_load_data         (PsDocument *self, const char *data, gsize len, GFile *file,
                                             const char *title, GError **op_error, GError **error);
gboolean      ps_document_save              (PsDocument *self, GFile *file, GError **error);
/* A new, empty recipe (File → New): no steps, seed 0, the model root id "model", no file, nothing
 * to undo. The first container added becomes the model. */
void          ps_document_reset             (PsDocument *self);

PsTimeline   *ps_document_get_timeline      (PsDocument *self);
PsState      *ps_document_get_current_state (PsDocument *self);   /* no ref */
guint         ps_document_get_current_step  (PsDocument *self);
guint         ps_document_get_n_steps       (PsDocument *self);
void          ps_document_set_current_step  (PsDocument *self, guint step);
/* The same, saying why it failed: a step dropped to keep within the memory budget is rebuilt by
 * replay, and without the memory for it the step shown stays as it was. */
gboolean      ps_document_go_to_step        (PsDocument *self, guint step, GError **error);
GFile        *ps_document_get_file          (PsDocument *self);
const char   *ps_document_get_title         (PsDocument *self);
gboolean      ps_document_get_modified      (PsDocument *self);
int64_t       ps_document_get_seed          (PsDocument *self);

/* Append an op (JSON object). On failure nothing changes. Moves to the new last step. */
gboolean      ps_document_apply_op          (PsDocument *self, JsonObject *op, GError **error);
/* Parses a JSON object text and applies it — handy for tests and scripted demos. */
gboolean      ps_document_apply_op_json     (PsDocument *self, const char *json, GError **error);
/* Append ops as one user action (Add Layer = construct + attach): all or none is applied, and
 * one Undo takes them all back. On failure the document is as before (minus its redo history). */
gboolean      ps_document_apply_ops         (PsDocument *self, JsonObject *const *ops, guint n_ops, GError **error);
/* The same for ops parsed already (ps_py_statements_parse; numbered as the document appends them). */
gboolean      ps_document_apply_parsed_ops  (PsDocument *self, PsOp *const *ops, guint n_ops, GError **error);
/* Undo/Redo take back or bring back one user action: the steps one command appended, or a seed
 * change (New Seed). Steps that came with a loaded recipe are undone one at a time. Both are
 * refused while a job runs. */
gboolean      ps_document_undo              (PsDocument *self);
/* The same, saying why nothing was undone (busy, nothing to undo, or the step before the action
 * was dropped to keep within the memory budget and rebuilding it failed: nothing changes). */
gboolean      ps_document_undo_full         (PsDocument *self, GError **error);
gboolean      ps_document_redo              (PsDocument *self, GError **error);
gboolean      ps_document_can_undo          (PsDocument *self);
gboolean      ps_document_can_redo          (PsDocument *self);
gboolean      ps_document_reseed            (PsDocument *self, int64_t seed, GError **error);
/* Long work off the UI thread. A worker builds a new timeline from a private deep copy of the
 * recipe (nothing is shared with the main thread), op by op, checking the cancellable and counting
 * progress between ops; the finish swaps it in on the main thread. One job at a time: starting a
 * second one while busy fails with G_IO_ERROR_BUSY. A cancelled job leaves the document as it was. */
void          ps_document_replay_async      (PsDocument *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean      ps_document_replay_finish     (PsDocument *self, GAsyncResult *result, GError **error);
void          ps_document_reseed_async      (PsDocument *self, int64_t seed, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean      ps_document_reseed_finish     (PsDocument *self, GAsyncResult *result, GError **error);
/* Like ps_document_load_data; `bytes` is the recipe text. op_error as there. */
void          ps_document_load_async        (PsDocument *self, GBytes *bytes, GFile *file, const char *title,
                                             GCancellable *cancellable, GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean      ps_document_load_finish       (PsDocument *self, GAsyncResult *result, GError **op_error,
                                             GError **error);
/* Append an op (a forward, typically) in the worker: the recipe with the op appended is replayed
 * there and swapped in, so the UI stays live and the job can be cancelled. On failure nothing
 * changes. (Replaying costs every earlier op again: a doc-layer "apply one op to a state" would
 * make this O(op).) */
void          ps_document_apply_op_async    (PsDocument *self, JsonObject *op, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean      ps_document_apply_op_finish   (PsDocument *self, GAsyncResult *result, GError **error);
/* Append ops (a training run: data set, optimizer, scheduler, train) in the worker as one user
 * action (one Undo), reporting the appended ops' optimizer steps and recorded sub-steps to
 * `monitor` (may be NULL) as they happen; the monitor also pauses the run. Cancelling stops the
 * run at its next optimizer step and leaves the document exactly as it was. Finish with
 * ps_document_apply_op_finish. */
void          ps_document_train_async       (PsDocument *self, JsonObject *const *ops, guint n_ops,
                                             PsTrainMonitor *monitor, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
/* The same for ops parsed already. */
void          ps_document_train_parsed_async (PsDocument *self, PsOp *const *ops, guint n_ops,
                                              PsTrainMonitor *monitor, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean      ps_document_get_busy          (PsDocument *self);
/* Fraction of the running job's ops done, 0…1 (0 when idle). */
double        ps_document_get_progress      (PsDocument *self);


G_END_DECLS
