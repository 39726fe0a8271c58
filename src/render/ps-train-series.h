/* ps-train-series.h — the Training page's "Parameter ridgeline / percentile bands over sub-steps":
 * one parameter's chosen tensor (value, grad or an optimizer state) over the recorded sub-steps
 * (PsTrainRecords) that the series' thinning keeps (ps_figure_series_keeps), at their places on the
 * training axis, as one figure (ps_figure_new_for_series) — not a frame per sub-step. A kept
 * sub-step whose snapshot was dropped under the memory budget is recomputed: in a worker, all the
 * missing ones in one batch (ps_substep_replay_start; only their chosen tensor is kept, until the
 * records or the choice change), or — `now`, for an export that draws at once — in the caller's
 * thread. `ready` runs in the main context when a batch has finished (its tensors kept, or its
 * error said), never after ps_train_series_forget or _free. No GTK: tested headless
 * (test-train-series). */
#pragma once

#include "ps-train-records.h"
#include "ps-figure.h"

G_BEGIN_DECLS

typedef struct _PsTrainSeries PsTrainSeries;
typedef void (*PsTrainSeriesReady) (gpointer data);

/* recs must outlive it. */
PsTrainSeries *ps_train_series_new    (PsTrainRecords *recs, PsTrainSeriesReady ready, gpointer data);
/* Cancels the batch running; its late result is dropped. */
void           ps_train_series_free   (PsTrainSeries *s);
/* The records changed: cancel the batch, drop the recomputed tensors and the last error. */
void           ps_train_series_forget (PsTrainSeries *s);
/* The figure (kind: PS_FIGURE_RIDGELINE or PS_FIGURE_BANDS) of `what` ("value", "grad" or an
 * optimizer state) of `param` (NULL: none chosen) over the recorded sub-steps; a choice other than
 * the last one's forgets first. NULL and *message (a new string) instead: kept sub-steps' snapshots
 * are being recomputed (a batch started now unless one runs or the last one failed; `ready`
 * follows), or there is nothing to draw (`live`: the run has not finished; the batch's error; no
 * such tensor). A sub-step without the tensor (a live record, a failed batch, a parameter made
 * later) is left out. */
PsFigure      *ps_train_series_figure (PsTrainSeries *s, const char *param, const char *what, PsFigureKind kind,
                                       gboolean live, gboolean now, char **message);
/* A batch is running. */
gboolean       ps_train_series_get_replaying (PsTrainSeries *s);
/* Record i's recomputed tensor (no ref), NULL if there is none. */
PsTensor      *ps_train_series_get_tensor    (PsTrainSeries *s, guint i);
/* Why the last batch failed (until forgotten or another choice), or NULL. */
const char    *ps_train_series_get_error     (PsTrainSeries *s);

G_END_DECLS
