/* ps-decision-boundary.h — what a classifier of 2-D points decides everywhere in the plane (TF
 * Playground's view): the region of each class shaded in its colour — deeper where the model is
 * more confident — the boundary drawn as a contour line, and the data points on top in their
 * label's colour (white-outlined, so a point on the wrong side stands out against the region).
 *
 * The model's outputs come as a grid of values sampled at cell centres over a rectangle of the
 * plane (the data's bounding box plus a margin, see ps_decision_boundary_bounds), or from a
 * callback (ps_decision_boundary_sample), so the render layer needs no model code. Outputs may be
 * probabilities or logits: K ≥ 2 outputs per sample are class scores (softmax of logits); one
 * output is a binary classifier's p(class 1) (sigmoid of a logit). The boundary is where the top
 * class changes: the zero contour of p_c − max_{k≠c} p_k (p − 0.5 for one output), found by marching
 * squares on the grid.
 *
 * x and y keep the same scale (a circle stays round). */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>

G_BEGIN_DECLS

#define PS_DECISION_BOUNDARY_MAX_GRID 4096
#define PS_DECISION_BOUNDARY_MAX_CLASSES 64

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;
  const char *const *class_names;   /* n_classes names for the legend, or NULL ("class 0", …) */
  gboolean show_boundary;           /* default TRUE */
} PsDecisionBoundaryOptions;

void ps_decision_boundary_options_init (PsDecisionBoundaryOptions *o);

typedef struct {
  double xmin, xmax, ymin, ymax;    /* the rectangle the grid covers */
  int grid_w, grid_h;               /* samples along x and y */
  int n_outputs;                    /* 1 (binary) or K ≥ 2 */
  /* grid_h × grid_w × n_outputs; row 0 is the TOP row (y near ymax), column 0 the left (x near
   * xmin); sample (r, c) is at x = xmin + (c + ½)·(xmax − xmin)/grid_w, y = ymax − (r + ½)·(ymax − ymin)/grid_h */
  const float *values;
  gboolean logits;                  /* values are logits (softmax / sigmoid applied) */
  const float *points;              /* n_points × 2 (x, y); may be NULL */
  const int64_t *labels;            /* n_points class indices; may be NULL (points drawn grey) */
  gsize n_points;
  const PsDecisionBoundaryOptions *o;
} PsDecisionBoundary;

/* Model outputs for n points xy (n × 2) into out (n × n_outputs). */
typedef gboolean (*PsDecisionFunc) (const float *xy, gsize n, float *out, gpointer data,
                                    GError **error);

/* The points' bounding box grown by `margin` (a fraction of the larger side) each way, made
 * square around its centre; [−1, 1]² with no finite point. */
void      ps_decision_boundary_bounds  (const float *points, gsize n_points, double margin,
                                        double *xmin, double *xmax, double *ymin, double *ymax);
/* Samples func at the grid's cell centres, in rows of grid_w points. Returns grid_h × grid_w ×
 * n_outputs floats (g_free), NULL with the callback's error or for a bad size. */
float    *ps_decision_boundary_sample  (PsDecisionFunc func, gpointer data, double xmin,
                                        double xmax, double ymin, double ymax, int grid_w,
                                        int grid_h, int n_outputs, GError **error);
/* Checks sizes and ranges (grid 1..MAX per side, outputs 1..MAX, finite rectangle, labels in
 * range). */
gboolean  ps_decision_boundary_check   (const PsDecisionBoundary *db, GError **error);
/* The class decided at grid sample (r, c), with its probability in *p (may be NULL). */
int       ps_decision_boundary_class_at (const PsDecisionBoundary *db, int r, int c, double *p);
guint32   ps_decision_boundary_class_color (int cls);
/* The region colour for class cls decided with probability p among n_classes classes. */
guint32   ps_decision_boundary_region_color (int cls, double p, int n_classes);

void      ps_decision_boundary_draw      (const PsDecisionBoundary *db, cairo_t *cr, double width,
                                          double height);
void      ps_decision_boundary_draw_func (cairo_t *cr, double width, double height, gpointer data);
/* Where the plane point (px, py) is drawn. */
gboolean  ps_decision_boundary_to_screen (const PsDecisionBoundary *db, double width,
                                          double height, double px, double py, double *x,
                                          double *y);

/* Inverse (hover): the plane point under (x, y); FALSE outside the plotted rectangle. */
gboolean  ps_decision_boundary_from_screen (const PsDecisionBoundary *db, double width,
                                            double height, double x, double y, double *px,
                                            double *py);
/* The grid sample (row, col) nearest to the plane point (px, py); FALSE outside the rectangle. */
gboolean  ps_decision_boundary_sample_at (const PsDecisionBoundary *db, double px, double py,
                                          int *row, int *col);

G_END_DECLS
