/* ps-series-picture.h — the pictures of one tensor over a checkpoint series (the checkpoint window's
 * series pane): what to read and how to title it, planned from the series on the main thread, then
 * built (files read, figure made) in any thread; the norm chart from norms already computed; and
 * the names and sentences they share (a checkpoint's name, the x axis, "not in epoch 0 …"). No GTK:
 * tested headless (test-series-picture), drawn by the app and exportable like any PsFigure. */
#pragma once

#include "ps-checkpoint-series.h"
#include "ps-figure.h"

G_BEGIN_DECLS

typedef enum {
  PS_SERIES_PICTURE_HEATMAP,      /* the tensor at one checkpoint */
  PS_SERIES_PICTURE_HISTOGRAM,
  PS_SERIES_PICTURE_DIFFERENCE,   /* at one checkpoint minus another (a heatmap) */
  PS_SERIES_PICTURE_BANDS,        /* over the checkpoints that have it in its first shape */
  PS_SERIES_PICTURE_RIDGELINE,
} PsSeriesPictureKind;

/* At most this many checkpoints are read for bands and a ridgeline (as ps_figure_new_for_series
 * thins them: evenly, the newest kept). */
#define PS_SERIES_PICTURE_MAX_STEPS 48

typedef struct _PsSeriesPicture PsSeriesPicture;

/* Checkpoint i by its order ("epoch 3", "step 200") or, ordered by file name, its label. */
char            *ps_series_step_name         (PsCheckpointSeries *series, guint i);
/* What the series' positions are, for axes and hover texts: "epoch" or "step" from the files'
 * metadata when they increase, else "checkpoint". */
const char      *ps_series_axis_name         (PsCheckpointSeries *series, gboolean increasing);
/* Checkpoints without tensor `tensor` (missing) and with it in another shape than where it first
 * appears (reshaped). */
void             ps_series_count_absent      (PsCheckpointSeries *series, guint tensor, guint *missing,
                                              guint *reshaped);
/* What a page says when `tensor` is not in checkpoint `step` ("… is not in epoch 0 (epoch_000.pt): it
 * is in 5 of the 6 checkpoints"); NULL when it is there. */
char            *ps_series_missing_text      (PsCheckpointSeries *series, guint tensor, guint step);

/* Plans a picture of `tensor` at checkpoint `step` (heatmap, histogram; a difference minus checkpoint
 * `compare`, −1: none) or over the series (bands, ridgeline: `step` and `compare` unused). `o` gives
 * the colormap and scale (its kind is set here). Reads the series only (no file). NULL with
 * *message when there is nothing to read: the tensor is not in a checkpoint asked for, nothing to
 * compare with, no checkpoint has values. */
PsSeriesPicture *ps_series_picture_plan      (PsCheckpointSeries *series, guint tensor, PsSeriesPictureKind kind,
                                              guint step, int compare, const PsFigureOptions *o, char **message);
/* In any thread: reads the planned tensors (a reader of its own for each file) and makes the
 * figure. NULL with an error naming the tensor and the checkpoint ("No 0.weight at epoch 3: …"),
 * or G_IO_ERROR_CANCELLED when `cancellable` was cancelled between two reads. */
PsFigure        *ps_series_picture_build     (PsSeriesPicture *p, GCancellable *cancellable, GError **error);
/* The same in a worker thread; takes `p` (the finish gives it back in *p, for its name and
 * context); `callback` runs in the caller's thread-default main context. */
void             ps_series_picture_build_async  (PsSeriesPicture *p, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
PsFigure        *ps_series_picture_build_finish (GAsyncResult *result, PsSeriesPicture **p, GError **error);
const char      *ps_series_picture_get_name  (PsSeriesPicture *p);     /* the tensor, as the series names it */
/* The start of the accessible description ("epoch 3", "epoch 3 − epoch 2", the subtitle over time). */
const char      *ps_series_picture_get_context (PsSeriesPicture *p);
const char      *ps_series_picture_get_subtitle (PsSeriesPicture *p);
guint            ps_series_picture_get_n_reads (PsSeriesPicture *p);   /* tensors it reads */
const PsFigureOptions *ps_series_picture_get_options (PsSeriesPicture *p);
void             ps_series_picture_free      (PsSeriesPicture *p);

/* The norm chart of `tensor` of `series` (cursor at `step`, compared with `compare`, −1 none) from
 * `norm_series`, the same files with their norms computed (ps_checkpoint_series_compute_norms).
 * `steps`, `norms`, `rel` (int64_t, double, double; emptied first) get the chart's numbers. NULL
 * with *message when `norm_series` has no such tensor. */
PsFigure        *ps_series_norms_figure      (PsCheckpointSeries *series, PsCheckpointSeries *norm_series,
                                              guint tensor, guint step, int compare, double scale,
                                              GArray *steps, GArray *norms, GArray *rel, char **message);

/* The file name an export of the series pane's page `page` offers: "<tensor>-<page>.png" ('/' and '\'
 * in the name become '_'); "series-changes.csv" for the largest-changes table ("changes", about every
 * tensor) and "series-<page>.png" when no tensor is shown (`tensor` NULL). */
char            *ps_series_export_name       (const char *tensor, const char *page);
/* Writes `fig` as the series pane exports a page (PNG/SVG/PDF by extension, atomic, at width ×
 * height); without a figure the error says why there is none ("Nothing to export: " and `why`, or
 * "select a tensor" when `why` is NULL). */
gboolean         ps_series_export_figure     (PsFigure *fig, const char *why, const char *path, double width,
                                              double height, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSeriesPicture, ps_series_picture_free)

G_END_DECLS
