/* ps-norm-chart.h — one tensor's size and movement over a series of checkpoints: its L2 norm per
 * checkpoint (top panel) and the relative change from the checkpoint before,
 * ‖x_t − x_{t−1}‖ / ‖x_{t−1}‖ (bottom panel, log10 axis when it spans more than 20×, else linear
 * from 0), sharing the step/epoch axis. A checkpoint where the value is not defined (tensor
 * missing, shape changed, first appearance, zero previous norm) leaves a gap that the panel
 * counts, so a gap is never silent. A cursor marks the scrubbed checkpoint and a second, dashed
 * one the checkpoint it is compared with. One draw function for the screen and every export. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *subtitle;
  const char *x_title;       /* "epoch", "step", … (default "checkpoint") */
  double scale;
  int cursor;                /* index of the scrubbed checkpoint, −1 none */
  int compare;               /* index of the compared checkpoint, −1 none */
} PsNormChartOptions;

void ps_norm_chart_options_init (PsNormChartOptions *o);

typedef struct {
  const int64_t *steps;      /* n, increasing (x positions and labels) */
  const double *norms;       /* n; NaN = not defined */
  const double *rel;         /* n; NaN = not defined */
  guint n;
  const PsNormChartOptions *o;
} PsNormChart;

#define PS_NORM_CHART_NORM_COLOR 0xff0072b2u
#define PS_NORM_CHART_REL_COLOR  0xffd55e00u

void     ps_norm_chart_draw      (const PsNormChart *nc, cairo_t *cr, double width, double height);
/* Where value i is drawn: panel 0 the norm, 1 the relative change; FALSE when it has no place. */
gboolean ps_norm_chart_point     (const PsNormChart *nc, double width, double height, int panel,
                                  guint i, double *x, double *y);
/* The checkpoint index nearest to x inside the plot; FALSE outside or with no checkpoints. */
gboolean ps_norm_chart_hit       (const PsNormChart *nc, double width, double height, double x,
                                  double y, guint *index);
/* Pango-markup tooltip for the checkpoint under (x, y), or NULL. */
char    *ps_norm_chart_query     (const PsNormChart *nc, double width, double height, double x, double y);

G_END_DECLS
