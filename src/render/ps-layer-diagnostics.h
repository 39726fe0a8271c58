/* ps-layer-diagnostics.h — the per-layer diagnostics page ("Building makemore, part 3"): one
 * histogram per layer of its activations (or of their gradients), so a sick layer stands out —
 * saturated tanh units pile up at ±1, dead ReLU units are a spike at 0, vanishing gradients
 * shrink toward 0 layer by layer.
 *
 * Two layouts: OVERLAY draws every layer as a density line (count / (n · bin width), so layers of
 * different sizes and bin widths compare) on one shared value axis, with a legend row per layer;
 * GRID draws small multiples, one bar histogram per layer, each on its own value axis (its
 * histogram's range: a tanh layer in ±1 beside a linear one in ±300 is not a spike at 0). Each
 * layer's legend says its mean and std, its saturation share (|x| > threshold, 0.97 for tanh)
 * and its share of exact zeros — "dead" for the outputs of a ReLU-like layer (dead_units), where
 * a zero is a unit that does not fire, "zero" elsewhere (a Linear output, a gradient) — and how
 * many values fell outside the bins; a share over 5 % is shown in bold red. Either share may be
 * left out (NaN), e.g. saturation for gradients.
 *
 * Data is plain: histograms (ps-histogram), statistics and the two shares, which
 * ps_layer_shares computes from a tensor. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-histogram.h"
#include "ps-stats.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

#define PS_LAYER_SATURATION_THRESHOLD 0.97
#define PS_LAYER_WARN_SHARE 0.05

typedef struct {
  const char *name;          /* "layer 1 (Tanh)" */
  const PsHistogram *hist;
  const PsStats *stats;      /* mean/std for the legend; NULL = none */
  double saturated;          /* fraction of values with |x| > threshold; NaN = not shown */
  double dead;               /* fraction exactly 0; NaN = not shown */
  gboolean dead_units;       /* the zeros are dead units (ReLU-like outputs): "dead"; else "zero" */
} PsLayerHistogram;

typedef enum {
  PS_LAYER_DIAGNOSTICS_OVERLAY,
  PS_LAYER_DIAGNOSTICS_GRID,
} PsLayerDiagnosticsLayout;

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;
  PsLayerDiagnosticsLayout layout;
  const char *value_label;   /* the x axis: "activation", "gradient" */
  double saturation_threshold; /* for the legend text; default 0.97 */
} PsLayerDiagnosticsOptions;

void ps_layer_diagnostics_options_init (PsLayerDiagnosticsOptions *o);

typedef struct {
  const PsLayerHistogram *layers;
  guint n;
  const PsLayerDiagnosticsOptions *o;
} PsLayerDiagnostics;

/* Shares of the values of t (float32 or int64) with |x| > threshold and x == 0, among all of its
 * values (NaN counts in neither). For float32 the threshold is rounded to float32 first, as torch
 * compares (h.abs() > 0.97). An empty tensor gives NaN for both. */
void     ps_layer_shares                (const PsTensor *t, double threshold, double *saturated,
                                         double *dead);
/* The colour layer i is drawn in. */
guint32  ps_layer_diagnostics_color     (guint i);
void     ps_layer_diagnostics_draw_func (cairo_t *cr, double width, double height, gpointer data);
/* Where bin `bin` of layer `layer` is drawn (OVERLAY: the density line's point at the bin
 * centre; GRID: the top centre of its bar). */
gboolean ps_layer_diagnostics_bin_point (const PsLayerDiagnostics *d, double width, double height,
                                         guint layer, int bin, double *x, double *y);
/* Hover: the layer and bin under (x, y). GRID: the cell's layer and the bin under x; OVERLAY: the
 * bin under x of the layer whose density line is nearest to y there (within 12 units × scale). */
gboolean ps_layer_diagnostics_hit       (const PsLayerDiagnostics *d, double width, double height,
                                         double x, double y, guint *layer, int *bin);
/* The legend text of a layer ("mean +0.012 · std 0.63 · saturated 4.2 % · dead 0.0 %"). */
char    *ps_layer_diagnostics_legend    (const PsLayerDiagnostics *d, guint layer);

G_END_DECLS
