/* ps-ratio-chart.h — how fast each parameter changes, relative to its size, over training steps
 * ("Building makemore, part 3"): for every parameter the grad/data ratio std(grad)/std(data) and
 * the update/data ratio std(update)/std(data) (update = the change the optimizer step made, for
 * SGD lr·grad), plotted as log10 over steps, one line per parameter, with the dashed 1e-3 guide
 * (log10 = −3): updates far below it learn too slowly, far above it too fast. Two panels sharing
 * the step axis (either may be left out); a legend names each parameter by colour and dash.
 *
 * A ratio that is NaN, ±Inf or ≤ 0 (a zero gradient, a parameter whose std is 0) has no log10 and
 * leaves a gap; a line above the panel counts them, so a gap is never silent. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>
#include "ps-stats.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;
  double guide;              /* the guide ratio, default 1e-3; ≤ 0 = none */
  gboolean show_cursor;
  int64_t cursor_step;
} PsRatioChartOptions;

void ps_ratio_chart_options_init (PsRatioChartOptions *o);

typedef enum {
  PS_RATIO_GRAD = 0,         /* grad / data */
  PS_RATIO_UPDATE = 1,       /* update / data */
} PsRatioKind;

typedef struct {
  const char *const *names;  /* n_params parameter names for the legend */
  guint n_params;
  const int64_t *steps;      /* n_steps, increasing */
  guint n_steps;
  /* n_params × n_steps, row-major (ratio[p·n_steps + i]); raw ratios, not log10. NULL = that
   * panel is not drawn. */
  const double *grad_ratio;
  const double *update_ratio;
  const PsRatioChartOptions *o;
} PsRatioChart;

/* std(num) / std(data), both population stds (torch's .std() is unbiased; the ratio of the two
 * differs from torch's only through n/(n−1) factors that cancel). NaN when data's std is 0 or
 * not finite, or either has NaN/Inf values. */
double   ps_ratio_of_stds       (const PsStats *num, const PsStats *data);

void     ps_ratio_chart_draw_func (cairo_t *cr, double width, double height, gpointer data);
/* Where ratio (kind, param, step index i) is drawn; FALSE when it has no place or the panel is
 * not shown. */
gboolean ps_ratio_chart_point     (const PsRatioChart *rc, double width, double height,
                                   PsRatioKind kind, guint param, guint i, double *x, double *y);
/* A panel's plotting area (inside its frame); FALSE when the panel is not shown. Text the chart
 * adds about a panel (its gap count) stays outside it. */
gboolean ps_ratio_chart_panel     (const PsRatioChart *rc, double width, double height,
                                   PsRatioKind kind, double *x0, double *y0, double *x1, double *y1);
/* y of the guide line in a panel. */
gboolean ps_ratio_chart_guide_y   (const PsRatioChart *rc, double width, double height,
                                   PsRatioKind kind, double *y);
/* Hover: the panel under (x, y), the recorded step nearest to x and the parameter whose line is
 * nearest to y at that step (within 12 units × scale); FALSE when none is that close. */
gboolean ps_ratio_chart_hit       (const PsRatioChart *rc, double width, double height, double x,
                                   double y, PsRatioKind *kind, guint *param, guint *step_index);
/* The colour a parameter's line is drawn in. */
guint32  ps_ratio_chart_color     (guint param);

G_END_DECLS
