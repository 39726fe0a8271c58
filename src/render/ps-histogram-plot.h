/* ps-histogram-plot.h — a histogram as bars with axes, the theoretical distribution of the
 * init overlaid (scaled to expected counts), "expected std / observed std" in the legend, and
 * the underflow / overflow / NaN counts shown beside the axis — so an outlier never squashes
 * the picture silently. Linear or log y. One draw function for the screen and export. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-histogram.h"
#include "ps-stats.h"
#include "ps-init.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *subtitle;
  gboolean log_y;
  const PsInitInfo *init;      /* theoretical distribution to overlay; NULL = none */
  const PsStats *stats;        /* observed mean/std for the legend; NULL = none */
  double scale;                /* text and strokes */
  guint32 bar_color;
  guint32 expected_color;
} PsHistogramPlotOptions;

void ps_histogram_plot_options_init (PsHistogramPlotOptions *o);

typedef struct {
  const PsHistogram *h;
  const PsHistogramPlotOptions *o;
} PsHistogramPlot;

typedef struct {
  int bin;            /* 0..n_bins-1; −1 = the underflow bar, n_bins = the overflow bar */
  double lo, hi;      /* bin edges (±Inf for under/overflow) */
  int64_t count;
} PsHistogramPlotHit;

void     ps_histogram_plot_draw        (const PsHistogramPlot *p, cairo_t *cr, double width,
                                        double height);
/* PsDrawFunc-compatible, data = PsHistogramPlot. */
void     ps_histogram_plot_draw_func   (cairo_t *cr, double width, double height, gpointer data);
gboolean ps_histogram_plot_hit         (const PsHistogramPlot *p, double width, double height,
                                        double x, double y, PsHistogramPlotHit *hit);
/* A point inside the drawn bar of `bin` (for tests and keyboard focus). */
gboolean ps_histogram_plot_bin_point   (const PsHistogramPlot *p, double width, double height,
                                        int bin, double *x, double *y);
/* The count axis' ticks (at most PS_PLOT_MAX_TICKS) and their y positions as drawn; top and bottom
 * (may be NULL) receive the plot frame's edges. */
int      ps_histogram_plot_y_ticks     (const PsHistogramPlot *p, double width, double height,
                                        double *ticks, double *ys, double *top, double *bottom);
/* Expected count of a bin under the overlaid distribution: N·(F(hi) − F(lo)), N = the
 * non-NaN count. NaN without a known distribution. */
double   ps_histogram_plot_expected_count (const PsHistogramPlot *p, int bin);

G_END_DECLS
