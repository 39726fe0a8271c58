/* ps-tensor-reading.h — one tensor of a checkpoint file read for the checkpoint window, in a
 * worker: the file opened again (readers are not shared across threads), the tensor decoded,
 * described (ps_checkpoint_describe_tensor) and drawn with the options given (a heatmap and a
 * histogram in the window; none for a series, which draws its own). A tensor that cannot be read
 * is not an error of the call: the reading says why ("Could not read …"). No GTK: tested headless
 * (test-tensor-reading). */
#pragma once

#include "ps-checkpoint.h"
#include "ps-figure.h"

G_BEGIN_DECLS

#define PS_TENSOR_READING_MAX_FIGURES 4

typedef struct _PsTensorReading PsTensorReading;

/* What to read: tensor `name` (as the file stores it) of `path`, drawn once per options (at most
 * PS_TENSOR_READING_MAX_FIGURES; 0: not drawn). */
PsTensorReading *ps_tensor_reading_new        (const char *path, PsCheckpointOpenFlags flags, const char *name,
                                               const PsFigureOptions *options, guint n_figures);
void             ps_tensor_reading_free       (PsTensorReading *r);
/* In any thread: reads, describes and draws. FALSE only when `cancellable` was cancelled. */
gboolean         ps_tensor_reading_run        (PsTensorReading *r, GCancellable *cancellable);
/* The same in a worker thread; takes `r`. The finish gives it back, or NULL with
 * G_IO_ERROR_CANCELLED. `callback` runs in the caller's thread-default main context. */
void             ps_tensor_reading_run_async  (PsTensorReading *r, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
PsTensorReading *ps_tensor_reading_run_finish (GAsyncResult *result, GError **error);

const char      *ps_tensor_reading_get_name   (PsTensorReading *r);
guint            ps_tensor_reading_get_n_figures (PsTensorReading *r);
const PsFigureOptions *ps_tensor_reading_get_options (PsTensorReading *r, guint i);
/* TRUE when the tensor could not be read: get_text says why. */
gboolean         ps_tensor_reading_failed     (PsTensorReading *r);
/* The tensor's description, or why it could not be read. */
const char      *ps_tensor_reading_get_text   (PsTensorReading *r);
/* Figure i (the caller owns it), or NULL with get_figure_error saying why. */
PsFigure        *ps_tensor_reading_steal_figure (PsTensorReading *r, guint i);
const char      *ps_tensor_reading_get_figure_error (PsTensorReading *r, guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTensorReading, ps_tensor_reading_free)

G_END_DECLS
