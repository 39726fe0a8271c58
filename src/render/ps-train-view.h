/* ps-train-view.h — the Training page's views at chosen recorded sub-steps, as frames for an
 * animation, a numbered series or a contact sheet (ps-animation): what `paramscope-cli animate
 * --view` and `contact-sheet --sub-steps` draw, with the figures and data the app's Training page
 * draws with (ps-train-figures, ps-loss-curve, ps-ratio-chart, ps-layer-diagnostics,
 * ps-decision-boundary, ps-weight-grid, ps-figure-sequence) and its settings (256 data rows for
 * activations, a 100 × 100 boundary grid, the parameter's value / .grad / optimizer state):
 *
 *   loss, ratios          the whole curve of every recorded sub-step, the step cursor at the frame's
 *                         sub-step (no state needed);
 *   activations, gradients, output-gradients   per-layer histograms at the frame's state;
 *   boundary              the decision boundary of a classifier of 2-D points with its data;
 *   weight-tiles          the first layer's weights as 28 × 28 tiles (Fashion-MNIST templates);
 *   heatmap, histogram    a parameter's value, .grad or optimizer state (exp_avg, momentum_buffer …).
 *
 * Frames of a heatmap, a histogram or weight tiles share one colour range / one set of bins (the
 * union over the frames), so a change of colour is a change of value. Every frame is built and
 * checked before anything is drawn: a view that does not apply at a sub-step (no 2-D data set, no
 * square-image first layer, no .grad yet) is an error naming the sub-step and the reason, so a
 * caller writes nothing. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-figure.h"
#include "ps-layer-diagnostics.h"
#include "ps-loss-curve.h"
#include "ps-op.h"
#include "ps-state.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

typedef enum {
  PS_TRAIN_VIEW_LOSS,
  PS_TRAIN_VIEW_RATIOS,
  PS_TRAIN_VIEW_ACTIVATIONS,
  PS_TRAIN_VIEW_GRADIENTS,
  PS_TRAIN_VIEW_OUTPUT_GRADIENTS,
  PS_TRAIN_VIEW_BOUNDARY,
  PS_TRAIN_VIEW_WEIGHT_TILES,
  PS_TRAIN_VIEW_HEATMAP,
  PS_TRAIN_VIEW_HISTOGRAM,
  /* the parameter's tensor at each frame minus at a reference sub-step (ps_train_frames_set_reference),
   * as a heatmap: the Training page's Difference view (not a CLI view) */
  PS_TRAIN_VIEW_DIFFERENCE,
} PsTrainViewKind;

#define PS_TRAIN_VIEW_BOUNDARY_GRID 100      /* the Training page's boundary samples per side */
#define PS_TRAIN_VIEW_MAX_FRAMES 1000

/* "loss", "ratios", "activations", "gradients", "output-gradients", "boundary", "weight-tiles",
 * "heatmap", "histogram". */
gboolean     ps_train_view_parse       (const char *name, PsTrainViewKind *kind);
const char  *ps_train_view_name        (PsTrainViewKind kind);
/* The names above as one comma-separated list, for messages. */
const char  *ps_train_view_all_names   (void);
/* FALSE for the loss and ratio views (drawn from the records alone). */
gboolean     ps_train_view_needs_state (PsTrainViewKind kind);

typedef struct {
  PsTrainViewKind kind;
  const char *param;         /* heatmap / histogram: the parameter ("mlp.0.weight" or "0.weight") */
  const char *what;          /* "value" (default NULL), "grad", or an optimizer state name */
  PsFigureOptions figure;    /* heatmap / histogram options (kind set from the view) */
  gboolean shared_range;     /* one colour range / bins over the frames; default TRUE */
  guint rows;                /* activations, output-gradients: data rows (default 256) */
  int boundary_grid;         /* default PS_TRAIN_VIEW_BOUNDARY_GRID */
  double scale;              /* text and strokes (default 1) */
  /* The Training page's live picture of one sub-step (frame index n_records or more: a state with no
   * record, the document's before any training): the page's captions — no sub-step subtitle (the
   * line under its scale says it; a parameter view's subtitle is ps_train_record_describe), the
   * loss curve's note when `axis_continues`, the tiles' own title —, and the page's messages
   * (translated, no "sub-step k of n" prefix) when the view does not apply. Set shared_range FALSE
   * with it: each picture its own range, as the page draws it. */
  gboolean live;
  gboolean axis_continues;
} PsTrainViewOptions;

void ps_train_view_options_init (PsTrainViewOptions *o);

/* The optimizer of the state's model (the newest one), or NULL: the one whose state (exp_avg,
 * momentum_buffer …) the parameter views show. */
PsTrainObject *ps_train_view_optimizer (PsState *st);

/* The record indices (0-based, a GArray of guint) of an export of n recorded sub-steps to `path`:
 * from, from + every, … ≤ to (ps_animation_frame_range: clamped, the last one in range always
 * included). Errors: an extension other than .gif, .png, .svg (a numbered series) or .pdf, more
 * than PS_TRAIN_VIEW_MAX_FRAMES frames. */
GArray        *ps_train_view_plan_frames (const char *path, guint from, guint to, guint every, guint n,
                                          GError **error);

/* The record indices of a contact sheet to `path` (.png, .svg or .pdf) of the sub-steps `steps`
 * lists ("1, 10, 50, last", ranges "5-8"; 1-based, in the order given; ps_frame_list_parse) of n
 * recorded, and its *columns: 0 becomes ⌈√frames⌉, PS_TRAIN_VIEW_SHEET_PAGES (a .pdf with a page per
 * frame) 0. Errors: a bad list, an unknown extension, a page per frame for a PNG or SVG. */
#define PS_TRAIN_VIEW_SHEET_PAGES G_MAXUINT
GArray        *ps_train_view_plan_sheet  (const char *path, const char *steps, guint n, guint *columns,
                                          GError **error);

/* The parameter `param` of st's model ("mlp.0.weight", a recipe target, or "0.weight", a
 * state_dict key): its value (`what` NULL or "value"), .grad ("grad") or an optimizer state
 * ("exp_avg", "momentum_buffer" …, ps_train_view_optimizer's), a new ref; *title (if not NULL; set
 * once the parameter is found) "mlp.0.weight" or "mlp.0.weight · grad". Errors begin with `where`
 * and say what is missing. */
PsTensor      *ps_train_view_param_tensor (PsState *st, const char *param, const char *what, const char *where,
                                           char **title, GError **error);

typedef struct _PsTrainFrames PsTrainFrames;

/* records: every recorded sub-step in order (the Training page numbers them 1..n_records), x their
 * places on the training axis (ps_train_axis_next). Both must outlive the frames. */
PsTrainFrames *ps_train_frames_new        (const PsTrainViewOptions *o, const PsTrainRecord *const *records,
                                           const int64_t *x, guint n_records);
void           ps_train_frames_free       (PsTrainFrames *f);
/* The frame of record `index` (0-based) from `state` (the record's snapshot, replayed when it was
 * dropped; may be NULL for loss / ratios) and `train_op` (the op that recorded it: the output
 * gradients are of its loss). Errors name the sub-step ("sub-step 3 of 20") and why the view does
 * not apply there. */
gboolean       ps_train_frames_add        (PsTrainFrames *f, guint index, PsState *state, const PsOp *train_op,
                                           GError **error);
/* Difference view, before the first add: the parameter's tensor at record `index` (its `state`)
 * is what every frame subtracts. */
gboolean       ps_train_frames_set_reference (PsTrainFrames *f, guint index, PsState *state, GError **error);
/* After the last add: the shared ranges. Error: no frame. */
gboolean       ps_train_frames_finish     (PsTrainFrames *f, GError **error);
guint          ps_train_frames_get_n      (PsTrainFrames *f);
/* The record index (0-based) frame i shows. */
guint          ps_train_frames_get_index  (PsTrainFrames *f, guint frame);
/* The shared colour range (heatmap, weight tiles) or bin range (histogram); FALSE for other views. */
gboolean       ps_train_frames_get_range  (PsTrainFrames *f, double *lo, double *hi);
/* PsFrameDrawFunc-compatible (data = the frames): white background, then the view. */
void           ps_train_frames_draw_frame (cairo_t *cr, double width, double height, guint frame, gpointer data);
/* Text and strokes of the curves, charts, layer histograms and boundary from now on (a screen's
 * scale factor). */
void           ps_train_frames_set_scale  (PsTrainFrames *f, double scale);
/* What frame i draws, for callers that inspect it (no ref; NULL when the view draws something else):
 * the loss curve (its cursor at the frame), the per-layer histograms, a parameter view's figure
 * (shared_range FALSE) and tensor (the difference for the Difference view). */
const PsLossCurve        *ps_train_frames_get_loss_curve        (PsTrainFrames *f, guint frame);
const PsLayerDiagnostics *ps_train_frames_get_layer_diagnostics (PsTrainFrames *f, guint frame);
PsFigure                 *ps_train_frames_get_figure            (PsTrainFrames *f, guint frame);
PsTensor                 *ps_train_frames_get_tensor            (PsTrainFrames *f, guint frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainFrames, ps_train_frames_free)

G_END_DECLS
