/* ps-ridgeline.h — one tensor over steps: a ridgeline (TensorBoard's "offset" mode: one exact
 * histogram per step, stacked with the first step at the top, all on one shared x range and one
 * count scale) and percentile bands (per-step quantile sets at ps_stats_standard_quantiles:
 * 0.1–99.9 %, 1–99 %, 5–95 %, 25–75 % bands and the median line). */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-histogram.h"
#include "ps-stats.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;        /* text and strokes */
  double overlap;      /* ridgeline: how far a peak may reach into the rows above (0..3) */
  const char *x_title; /* what the steps are: "epoch", "checkpoint", … (NULL: "step") */
} PsRidgelineOptions;

void ps_ridgeline_options_init (PsRidgelineOptions *o);

typedef struct {
  const PsHistogram *const *hists;   /* n histograms, e.g. one per step; any edges */
  const int64_t *steps;              /* n step numbers (labels) */
  int n;
  const PsRidgelineOptions *o;
} PsRidgeline;

void     ps_ridgeline_draw       (const PsRidgeline *r, cairo_t *cr, double width, double height);
void     ps_ridgeline_draw_func  (cairo_t *cr, double width, double height, gpointer data);
/* Row (index into hists) whose band contains y, and the bin under x in that row's histogram
 * (−1/n_bins outside its range; bin may be NULL). */
gboolean ps_ridgeline_hit        (const PsRidgeline *r, double width, double height, double x,
                                  double y, int *row, int *bin);
gboolean ps_ridgeline_row_point  (const PsRidgeline *r, double width, double height, int row,
                                  double *x, double *y);

#define PS_BANDS_MEDIAN_COLOR 0xff08306bu

typedef struct {
  const double *quantiles;    /* n × PS_STATS_N_STANDARD_QUANTILES, row-major */
  const int64_t *steps;       /* n, increasing */
  int n;
  const PsRidgelineOptions *o;
} PsBands;

void     ps_bands_draw           (const PsBands *b, cairo_t *cr, double width, double height);
void     ps_bands_draw_func      (cairo_t *cr, double width, double height, gpointer data);
/* Nearest step index to x (hover). */
gboolean ps_bands_hit            (const PsBands *b, double width, double height, double x,
                                  double y, int *step_index);
/* Where quantile q_index of step step_index is drawn. */
gboolean ps_bands_point          (const PsBands *b, double width, double height, int step_index,
                                  int q_index, double *x, double *y);

G_END_DECLS
