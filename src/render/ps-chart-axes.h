/* ps-chart-axes.h — the plot frame the training figures share (loss curve, ratio chart, layer
 * diagnostics): a data rectangle with linear x (steps or values) and linear or log10 y, grid
 * lines, tick labels and axis titles, a dashed guide line, and a categorical palette.
 *
 * Log y: values are placed at log10(v); ticks fall on decades and are labelled with the value
 * ("0.01", "1", "1e+05"). Non-positive values have no place on a log axis (the caller leaves a
 * gap and says so). */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  double x0, x1, y0, y1;     /* the data rectangle, user units (y0 top) */
  double xmin, xmax;         /* data range along x */
  double ymin, ymax;         /* along y; for log_y, log10 of the values */
  gboolean log_y;
  double scale;
} PsChartAxes;

/* Range helper: grows [*lo, *hi] to include v (finite, and > 0 for log). */
void     ps_chart_range_add   (double *lo, double *hi, double v, gboolean log);
/* Finishes a range collected with ps_chart_range_add (lo = +Inf, hi = −Inf to start): empty →
 * [0, 1] (log: [1e-3, 1]); lo == hi widened; log ranges returned as log10; pad = fraction of the
 * span added each side (linear only). */
void     ps_chart_range_finish (double *lo, double *hi, gboolean log, double pad);

double   ps_chart_x           (const PsChartAxes *a, double v);
/* y of v (for log_y, v is the value, not its log); NaN when v has no place on the axis. */
double   ps_chart_y           (const PsChartAxes *a, double v);
/* Inverse of ps_chart_x. */
double   ps_chart_x_value     (const PsChartAxes *a, double x);

/* Grid lines and tick labels on the left (side 0) or right (side 1) of the data rectangle, with
 * the axis title written vertically beside them. `color` colours the labels (a secondary axis
 * takes the colour of its series). grid: draw horizontal grid lines. */
void     ps_chart_y_axis      (cairo_t *cr, const PsChartAxes *a, int side, const char *title,
                               guint32 color, gboolean grid);
/* x ticks along the bottom; integer_steps: ticks only at whole numbers. */
void     ps_chart_x_axis      (cairo_t *cr, const PsChartAxes *a, const char *title,
                               gboolean integer_steps, gboolean labels);
/* Frame around the data rectangle. */
void     ps_chart_frame       (cairo_t *cr, const PsChartAxes *a);
/* Dashed horizontal line at value v (log_y: v is the value), labelled at the right end. */
void     ps_chart_guide       (cairo_t *cr, const PsChartAxes *a, double v, const char *label,
                               guint32 color);

/* Categorical colours (Okabe–Ito, colour-blind safe, then repeated darker); i any index. */
guint32  ps_chart_series_color (guint i);
/* Dash pattern index for series i: solid for the first 8, then dashed, so >8 series stay apart. */
void     ps_chart_series_dash  (cairo_t *cr, guint i, double scale);

G_END_DECLS
