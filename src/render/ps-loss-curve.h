/* ps-loss-curve.h — the training curve: one or more loss series (train, validation) over optimizer
 * steps, the learning rate on a secondary (right) axis, accuracy series in a panel of their own
 * below (0–100 %), a step cursor that says the values at that step, and every recorded step whose
 * loss is NaN or ±Inf marked with a red tick at the top of the plot (the line breaks there) and
 * counted in the legend — a diverging run is never drawn as a silent gap.
 *
 * Log scale (log_y) puts the loss on a log10 axis; values ≤ 0 then have no place and leave a gap
 * that the legend counts. The learning rate uses a log axis when it spans more than 20× (decays,
 * warm-up) and a linear axis from 0 otherwise; it is drawn as a staircase because a rate holds
 * until the step that changes it.
 *
 * Smoothing (0 ≤ smoothing < 1) draws each series as TensorBoard does: the raw values faint, and
 * over them the debiased exponential moving average s_i = m_i / (1 − w^k), m_i = w·m_{i−1} +
 * (1 − w)·v_i over the k finite values so far (non-finite values are skipped, and still marked).
 *
 * Data is plain arrays, so the app, the CLI and `train`'s recorded metrics all draw the same
 * picture. One draw function for the screen and every export format. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* legend label, e.g. "train loss" */
  const int64_t *steps;      /* n, increasing */
  const double *values;      /* n; NaN / ±Inf allowed (marked) */
  guint n;
} PsSeries;

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;              /* text and strokes */
  gboolean log_y;            /* loss on a log10 axis */
  double smoothing;          /* 0 = none; TensorBoard's weight w in [0, 1) */
  gboolean show_cursor;
  int64_t cursor_step;       /* the step cursor (the app's current step) */
} PsLossCurveOptions;

void ps_loss_curve_options_init (PsLossCurveOptions *o);

typedef struct {
  const PsSeries *losses;      /* n_losses ≥ 0 */
  guint n_losses;
  const PsSeries *accuracies;  /* fractions in [0, 1]; own panel; may be 0 */
  guint n_accuracies;
  const PsSeries *lr;          /* learning rate per step; NULL = none */
  const PsLossCurveOptions *o;
} PsLossCurve;

#define PS_LOSS_CURVE_NONFINITE_COLOR 0xffd62728u
#define PS_LOSS_CURVE_LR_COLOR        0xff7b5aa6u

void     ps_loss_curve_draw       (const PsLossCurve *lc, cairo_t *cr, double width, double height);
/* PsDrawFunc-compatible, data = PsLossCurve. */
void     ps_loss_curve_draw_func  (cairo_t *cr, double width, double height, gpointer data);
/* The recorded step nearest to x (scrubbing, hover); FALSE outside the plot or with no steps. */
gboolean ps_loss_curve_step_at    (const PsLossCurve *lc, double width, double height, double x,
                                   double y, int64_t *step);
/* Where value i of loss series k is drawn (accuracy series: k ≥ n_losses); FALSE for a value
 * that has no place (non-finite, ≤ 0 on a log axis). */
gboolean ps_loss_curve_point      (const PsLossCurve *lc, double width, double height, guint k,
                                   guint i, double *x, double *y);
/* x of a step (cursor position). */
gboolean ps_loss_curve_step_x     (const PsLossCurve *lc, double width, double height,
                                   int64_t step, double *x);
/* y of a loss value (k < n_losses) or an accuracy value (k ≥ n_losses) on the axis series k is
 * drawn on; FALSE when it has no place. */
gboolean ps_loss_curve_value_y    (const PsLossCurve *lc, double width, double height, guint k,
                                   double value, double *y);
/* The debiased EMA of s (see above) into out (s->n values; NaN before the first finite value). */
void     ps_series_smooth         (const PsSeries *s, double weight, double *out);
/* Recorded values of a series that are NaN or ±Inf. */
guint    ps_series_count_nonfinite (const PsSeries *s);

G_END_DECLS
