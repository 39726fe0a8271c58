/* ps-figure.h — one picture of a document, ready to draw on screen or export: the glue between a
 * timeline (what to show) and the render layer (how to draw it). The app's views and every CLI
 * picture command go through this, so what the screen shows is exactly what gets exported.
 *
 * A figure is built once per data change (statistics, histogram bins, colorized surface are
 * computed in ps_figure_new) and then drawn at any size. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-timeline.h"
#include "ps-heatmap.h"
#include "ps-norm-chart.h"

G_BEGIN_DECLS

typedef enum {
  PS_FIGURE_HEATMAP,      /* the tensor; with diff_from ≥ 0 the difference step − diff_from */
  PS_FIGURE_HISTOGRAM,    /* exact bins, theoretical overlay of the init that produced it */
  PS_FIGURE_RIDGELINE,    /* one histogram per step where the tensor exists, shared bins */
  PS_FIGURE_BANDS,        /* percentile bands across steps */
  PS_FIGURE_MULTIPLES,    /* several figures side by side (ps_figure_new_multiples only) */
  PS_FIGURE_NORMS,        /* L2 norm and relative change over checkpoints (ps_figure_new_for_norms only) */
} PsFigureKind;

typedef struct {
  PsFigureKind kind;
  guint step;               /* the step shown */
  int diff_from;            /* −1: none; else the step subtracted (heatmap and histogram) */
  PsColormapKind colormap;
  PsHeatmapRange range;
  double robust_q;          /* for PS_HEATMAP_RANGE_ROBUST; default 0.995 */
  int bins;                 /* histogram bins; default 64 */
  gboolean log_y;
  double scale;             /* text and strokes: 1 on screen; larger for a projector */
  PsHeatmapPool pool;       /* heatmap downsampling; default largest |x| */
  const char *step_name;    /* ridgeline/bands: what the steps are ("epoch", "checkpoint"); NULL: "step" */
} PsFigureOptions;

typedef struct _PsFigure PsFigure;

void        ps_figure_options_init (PsFigureOptions *o);

/* `path` names a parameter or buffer: a state_dict key of the root ("0.weight") or a recipe target
 * ("fc.weight"). Errors: unknown path, uninitialized (lazy) parameter, step out of range,
 * mismatched shapes for a difference. */
PsFigure   *ps_figure_new          (const PsTimeline *tl, const char *path, const PsFigureOptions *o,
                                    GError **error);
/* A figure of one tensor that is not part of a timeline (a tensor read from a checkpoint):
 * PS_FIGURE_HEATMAP or PS_FIGURE_HISTOGRAM only (the other kinds need steps; diff_from must be
 * −1). `title` names it ("encoder.0.weight"); `subtitle` (may be NULL) says where it came from. */
PsFigure   *ps_figure_new_for_tensor (PsTensor *tensor, const char *title, const char *subtitle,
                                      const PsFigureOptions *o, GError **error);
/* The tensor a figure of `path` in state `st` draws (as ps_figure_new resolves it: a state_dict
 * key of the root, a recipe target, an output name); no ref. Errors: not found, uninitialized.
 * `where` names the state in messages ("sub-step 3"). */
PsTensor   *ps_figure_find_tensor  (const PsState *st, const char *path, const char *where, GError **error);
/* b − a of two same-shape tensors read from checkpoints (ps_difference_new), as a heatmap (the
 * diverging map, zero neutral) or a histogram; `title` names the tensor ("Δ " is prepended). */
PsFigure   *ps_figure_new_for_difference (PsTensor *a, PsTensor *b, const char *title, const char *subtitle,
                                          const PsFigureOptions *o, GError **error);
/* One tensor over a series of checkpoints: PS_FIGURE_RIDGELINE or PS_FIGURE_BANDS of `tensors` at
 * `steps` (n, increasing; the labels), thinned like a timeline's. `title` names the tensor. Only
 * the tensors the thinning keeps (ps_figure_series_keeps) are read: the others may be NULL. */
gboolean    ps_figure_series_keeps   (guint n, guint i);
/* The steps an over-time figure (ridgeline, bands) draws, after thinning; *n of them. */
const int64_t *ps_figure_get_steps   (PsFigure *fig, guint *n);
PsFigure   *ps_figure_new_for_series (PsTensor *const *tensors, const int64_t *steps, guint n,
                                      const char *title, const char *subtitle,
                                      const PsFigureOptions *o, GError **error);
/* A norm chart (ps-norm-chart) as a figure: its arrays and strings are copied, so it draws,
 * hovers and exports like any other figure. Has no tensor (ps_figure_get_tensor gives NULL). */
PsFigure   *ps_figure_new_for_norms (const PsNormChart *chart);
/* Small multiples: the tensors at `paths` (n ≥ 1, at most PS_FIGURE_MAX_MULTIPLES) at o->step,
 * each a heatmap or a histogram (o->kind), side by side in one picture — drawn, hovered and
 * exported as one. shared_range: one colour range (heatmaps: the union of their ranges under
 * o->range) or one value range and bin edges (histograms) for all, so they compare; the header
 * states it. Errors: as ps_figure_new for any path; another kind; n out of range. */
#define PS_FIGURE_MAX_MULTIPLES 16
PsFigure   *ps_figure_new_multiples (const PsTimeline *tl, const char *const *paths, guint n,
                                     const PsFigureOptions *o, gboolean shared_range,
                                     GError **error);
/* The steps where the tensor at `path` has values that differ from the step before (the first
 * step where it has values counts), thinned evenly to at most max_steps (first and last kept):
 * the moments worth comparing (constructed, initialized, trained). Returns how many were written;
 * 0 with an error when a step dropped to keep within the memory budget cannot be rebuilt (which
 * step and why: its values are not known, so neither is whether it changed). */
guint       ps_figure_steps_of_change (const PsTimeline *tl, const char *path, guint *steps, guint max_steps,
                                       GError **error);
/* Small multiples of one tensor: `path` at each of `steps` (n ≥ 1, at most PS_FIGURE_MAX_MULTIPLES),
 * side by side with one range when shared_range, as ps_figure_new_multiples. */
PsFigure   *ps_figure_new_multiples_over_steps (const PsTimeline *tl, const char *path, const guint *steps,
                                                guint n, const PsFigureOptions *o, gboolean shared_range,
                                                GError **error);
/* The figures side by side (1 for any other kind). */
guint       ps_figure_get_n_parts  (PsFigure *fig);
/* Part i of small multiples (i < n_parts), or the figure itself for i = 0 of any other kind; no ref. */
PsFigure   *ps_figure_get_part     (PsFigure *fig, guint i);
/* The heatmap a PS_FIGURE_HEATMAP figure draws (NULL for other kinds); no ref. */
PsHeatmap  *ps_figure_get_heatmap  (PsFigure *fig);
void        ps_figure_free         (PsFigure *fig);
void        ps_figure_draw         (PsFigure *fig, cairo_t *cr, double width, double height);
/* Pango-markup tooltip for the point (x, y) of a width × height drawing, or NULL. */
char       *ps_figure_query        (PsFigure *fig, double x, double y, double width, double height);
/* PNG/SVG/PDF by extension, atomic. dpi ≤ 0: none recorded. */
gboolean    ps_figure_export       (PsFigure *fig, const char *path, double width, double height,
                                    double scale, double dpi, GError **error);
/* Title of the figure, e.g. "0.weight [5, 10]". */
const char *ps_figure_get_title    (PsFigure *fig);
/* The tensor drawn (for a difference, the difference; small multiples: the first); no ref. */
PsTensor   *ps_figure_get_tensor   (PsFigure *fig);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsFigure, ps_figure_free)

G_END_DECLS
