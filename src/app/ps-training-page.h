/* ps-training-page.h — the Training page of the main window: what a `train` op did and is doing.
 *
 * Views (each drawn by a render-layer figure, the same function the CLI and exports use): the
 * loss/accuracy curve with the learning rate and a cursor at the shown sub-step; the grad/data
 * and update/data ratios per parameter (log10, 1e-3 guide); per-layer activation histograms at
 * the shown sub-step; the decision boundary for 2-D data sets; the first layer's weights as
 * 28 × 28 tiles; and for a chosen parameter its value, its .grad or an optimizer state tensor as
 * a heatmap or histogram, or the difference between two sub-steps.
 *
 * The sub-step scale scrubs through every recorded optimizer step of the document's train ops;
 * the page shows that step's exact snapshot. While a run is live (ps_training_page_set_monitor)
 * the page follows the newest sub-step at a steady frame rate from a frame clock tick, shows
 * step, total and steps/s, and offers Pause/Resume and Cancel. */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"
#include "ps-layer-diagnostics.h"
#include "ps-train-object.h"
#include "ps-train-records.h"
#include "ps-figure.h"
#include "ps-loss-curve.h"

G_BEGIN_DECLS

#define PS_TYPE_TRAINING_PAGE (ps_training_page_get_type ())
G_DECLARE_FINAL_TYPE (PsTrainingPage, ps_training_page, PS, TRAINING_PAGE, GtkBox)

typedef enum {
  PS_TRAINING_VIEW_LOSS,
  PS_TRAINING_VIEW_RATIOS,
  PS_TRAINING_VIEW_ACTIVATIONS,
  PS_TRAINING_VIEW_GRADIENTS,      /* each parameter's .grad at the sub-step, one histogram per layer */
  PS_TRAINING_VIEW_BOUNDARY,
  PS_TRAINING_VIEW_WEIGHT_GRID,
  /* the chosen parameter's value / .grad / optimizer state: */
  PS_TRAINING_VIEW_HEATMAP,
  PS_TRAINING_VIEW_HISTOGRAM,
  PS_TRAINING_VIEW_RIDGELINE,      /* over the recorded sub-steps (ps_figure_new_for_series) */
  PS_TRAINING_VIEW_BANDS,
  PS_TRAINING_VIEW_DIFFERENCE,
  PS_TRAINING_VIEW_OUTPUT_GRADIENTS,   /* d loss / d output of each layer on the activations' rows */
  PS_TRAINING_N_VIEWS
} PsTrainingView;

/* The training x axis is PsTrainAxis (ps-train-object.h): the loss curve, ratios, sub-step labels,
 * the main window's sub-steps and `paramscope-cli loss-curve` count the same steps. A record's
 * description: ps_train_record_describe (ps-train-records.h). */

void      ps_training_page_set_document (PsTrainingPage *self, PsDocument *doc);
/* A live run: follow it until ps_training_page_set_monitor (self, NULL, NULL). cancellable is the
 * run's (Cancel cancels it). */
void      ps_training_page_set_monitor  (PsTrainingPage *self, PsTrainMonitor *monitor, GCancellable *cancellable);
void      ps_training_page_set_view     (PsTrainingPage *self, PsTrainingView view);
/* Recorded sub-steps known to the page (live: so far), and the one shown (index). */
guint     ps_training_page_get_n_substeps (PsTrainingPage *self);
guint     ps_training_page_get_substep  (PsTrainingPage *self);
/* Where sub-step i sits on the training axis (PsTrainAxis; live too), or -1. */
int64_t   ps_training_page_get_axis_step (PsTrainingPage *self, guint i);
/* Show sub-step i (clamped); its optimizer step count in *opt_step. */
void      ps_training_page_set_substep  (PsTrainingPage *self, guint i);
/* The snapshot shown (no ref; NULL if none) and the tensor the parameter views draw (no ref). */
PsState  *ps_training_page_get_shown_state (PsTrainingPage *self);
/* A sub-step whose snapshot was dropped (memory budget) is replayed in a worker; meanwhile the
 * previous picture stays. TRUE while that replay runs; the sub-step the picture (and
 * get_shown_state) belongs to; the last finished replay's time from request to result (ms). */
gboolean  ps_training_page_get_replaying (PsTrainingPage *self);
guint     ps_training_page_get_picture_substep (PsTrainingPage *self);
double    ps_training_page_get_last_replay_ms (PsTrainingPage *self);
/* The line under the sub-step scale ("Sub-step 12 of 80: training step 12 · …"). */
const char *ps_training_page_get_substep_text (PsTrainingPage *self);
PsTensor *ps_training_page_get_shown_tensor (PsTrainingPage *self);
/* Select the parameter (recipe target "fc1.weight") and what of it: "value", "grad" or an
 * optimizer state name ("momentum_buffer", "exp_avg" …). FALSE if not listed. */
gboolean  ps_training_page_select_param (PsTrainingPage *self, const char *target, const char *what);
/* Difference view: shown sub-step minus sub-step `from`. */
void      ps_training_page_set_diff_from (PsTrainingPage *self, guint from);
/* The status line ("step 120 / 500 · 2,300 steps/s · loss 0.31") and why a view is empty. */
const char *ps_training_page_get_status (PsTrainingPage *self);
const char *ps_training_page_get_empty_text (PsTrainingPage *self);
/* TRUE while a live run is paused, its worker waits (no step in flight) and the page has taken
 * in every sub-step it recorded: nothing shown changes until Resume. */
gboolean  ps_training_page_get_run_held (PsTrainingPage *self);
/* Export the current view (PNG/SVG/PDF by extension). */
gboolean  ps_training_page_export       (PsTrainingPage *self, const char *path, double width, double height,
                                         GError **error);
/* The current view over recorded sub-steps from, from + every, … ≤ to (clamped; the last one in
 * range always included), by the extension of path: .gif an animated GIF; .png / .svg a numbered
 * series DIR/STEM-0001.png … beside path (STEM = its name without the extension); .pdf one frame
 * per page (slides). Drawn by ps-animation, as `paramscope-cli animate` writes its frames. The
 * shown sub-step is restored afterwards. *n_frames (may be NULL) gets the frame count. Errors:
 * nothing to draw, no sub-steps, at most PS_TRAINING_MAX_FRAMES frames, unknown extension, I/O. */
#define PS_TRAINING_MAX_FRAMES 1000
gboolean  ps_training_page_export_frames (PsTrainingPage *self, const char *path, guint from, guint to,
                                          guint every, double width, double height, guint delay_cs,
                                          guint *n_frames, GError **error);
/* The same without holding up the main loop: the frames' dropped snapshots (memory budget) are first
 * recomputed in a worker while the page shows a progress bar and Cancel Export (the view's controls
 * held still), then the frames are drawn. `callback` runs in the main context; _finish gives the
 * frame count, or FALSE and the error (G_IO_ERROR_CANCELLED: cancelled, nothing written; also when
 * the document's training changed meanwhile). One export at a time. */
void      ps_training_page_export_frames_async (PsTrainingPage *self, const char *path, guint from, guint to,
                                                guint every, double width, double height, guint delay_cs,
                                                GAsyncReadyCallback callback, gpointer user_data);
gboolean  ps_training_page_export_frames_finish (PsTrainingPage *self, GAsyncResult *result, guint *n_frames,
                                                 GError **error);
/* A contact sheet of CHOSEN sub-steps: `steps` as typed ("1, 10, 50, last", ranges "5-8", 1-based,
 * in the order given), the shown view at each, side by side on one .png/.svg/.pdf page in `columns`
 * columns (0 = ⌈√n⌉), or PS_TRAINING_SHEET_PAGES: a .pdf with a page per frame. Heatmaps share one
 * colour range and histograms one set of bins (ps-figure-sequence, as the CLI). Dropped snapshots
 * are recomputed in the export's worker (progress, Cancel Export); an error (a bad list, an unknown
 * extension, nothing to draw) writes nothing. Finish with ps_training_page_export_frames_finish. */
#define PS_TRAINING_SHEET_PAGES G_MAXUINT
void      ps_training_page_export_sheet_async (PsTrainingPage *self, const char *path, const char *steps,
                                               guint columns, double width, double height,
                                               GAsyncReadyCallback callback, gpointer user_data);
/* TRUE while the ridgeline / bands views recompute dropped sub-steps in their worker. */
gboolean  ps_training_page_get_series_replaying (PsTrainingPage *self);
/* The tensor a series view recomputed for dropped sub-step i (no ref), or NULL. */
PsTensor *ps_training_page_get_series_tensor (PsTrainingPage *self, guint i);
/* The figure of a parameter / series view (no ref), the loss view's curve; NULL otherwise. */
PsFigure *ps_training_page_get_figure (PsTrainingPage *self);
const PsLossCurve *ps_training_page_get_loss_curve (PsTrainingPage *self);
/* The commands' flow box (Train…, the one-step actions, the run's controls, the exports). */
GtkWidget *ps_training_page_get_command_bar (PsTrainingPage *self);
gboolean  ps_training_page_get_exporting (PsTrainingPage *self);
/* While the export's snapshots are recomputed: TRUE, how many of how many are done so far. */
gboolean  ps_training_page_get_export_progress (PsTrainingPage *self, guint *done, guint *n);
/* Press Pause/Resume or Cancel as a user would (for tests and scripted demos). */
void      ps_training_page_press_pause  (PsTrainingPage *self, gboolean paused);
void      ps_training_page_press_cancel (PsTrainingPage *self);
/* The per-layer histograms the Activations / Gradients views draw (NULL on other views or when
 * there is nothing to draw). */
const PsLayerDiagnostics *ps_training_page_get_layer_diagnostics (PsTrainingPage *self);
/* Rebuilds of the figure so far (live updates are throttled to the frame clock). */
guint     ps_training_page_get_n_rebuilds (PsTrainingPage *self);

G_END_DECLS
