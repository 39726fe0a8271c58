/* test-training-figures.c — the training figures drawn from plain data: the loss curve (series,
 * learning-rate axis, accuracy panel, NaN/Inf marks, log scale, step cursor), the ratio-over-time
 * chart, the per-layer diagnostics, the decision boundary and the weight-template grid. Pixels are
 * read back from the same drawing the PNG export makes.
 *
 * With PS_RENDER_SAMPLES=dir set, the pictures are also written there for a human to look at. */
#include <math.h>
#include <string.h>
#include "ps-loss-curve.h"
#include "ps-chart-axes.h"
#include "ps-export.h"
#include "ps-plot.h"
#include "ps-ratio-chart.h"
#include "ps-layer-diagnostics.h"
#include "ps-train-figures.h"
#include "ps-decision-boundary.h"
#include "ps-error.h"
#include "ps-weight-grid.h"
#include "ps-colormap.h"
#include "picture-test-util.h"
#include "lcg-test-util.h"

/* The series colour within a 2-pixel radius of (x, y). */
static gboolean
near_color (cairo_surface_t *s, double x, double y, guint32 color, int tol)
{
  return count_color (s, (int) x - 2, (int) y - 2, (int) x + 3, (int) y + 3, color, tol) > 0;
}

/* ---------- loss curve ---------- */

#define N_STEPS 60

typedef struct {
  int64_t steps[N_STEPS];
  double loss[N_STEPS], val[N_STEPS], acc[N_STEPS], lr[N_STEPS];
  PsSeries losses[2], accs[1], lr_series;
  PsLossCurveOptions o;
  PsLossCurve lc;
} LossData;

static void
loss_data_init (LossData *d, gboolean with_nan)
{
  memset (d, 0, sizeof *d);
  for (int i = 0; i < N_STEPS; i++)
    {
      d->steps[i] = i * 10;
      d->loss[i] = 2.3 * exp (-i / 15.0) + 0.05;
      d->val[i] = 2.3 * exp (-i / 18.0) + 0.12;
      d->acc[i] = 0.1 + 0.85 * (1 - exp (-i / 12.0));
      d->lr[i] = i < 30 ? 0.1 : 0.01;
    }
  if (with_nan)
    {
      d->loss[40] = NAN;
      d->loss[41] = INFINITY;
    }
  d->losses[0] = (PsSeries) { "train loss", d->steps, d->loss, N_STEPS };
  d->losses[1] = (PsSeries) { "validation loss", d->steps, d->val, N_STEPS };
  d->accs[0] = (PsSeries) { "accuracy", d->steps, d->acc, N_STEPS };
  d->lr_series = (PsSeries) { "learning rate", d->steps, d->lr, N_STEPS };
  ps_loss_curve_options_init (&d->o);
  d->o.title = "Training";
  d->o.subtitle = "SGD · batch 32";
  d->lc = (PsLossCurve) { d->losses, 2, d->accs, 1, &d->lr_series, &d->o };
}

static void
test_loss_curve_lines (void)
{
  LossData d;
  loss_data_init (&d, FALSE);
  const int W = 900, H = 560;
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  save_sample ("loss-curve.png", W, H, ps_loss_curve_draw_func, &d.lc);
  save_sample ("loss-curve.svg", W, H, ps_loss_curve_draw_func, &d.lc);
  /* every point of both loss series and the accuracy series is on its line */
  for (guint k = 0; k < 3; k++)
    for (guint i = 0; i < N_STEPS; i += 7)
      {
        double x, y;
        g_assert_true (ps_loss_curve_point (&d.lc, W, H, k, i, &x, &y));
        g_assert_true (near_color (s, x, y, ps_chart_series_color (k), 40));
      }
  /* the accuracy panel is below the loss panel; higher accuracy is higher up */
  double xa, ya0, ya1, xl, yl;
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 2, 0, &xa, &ya0));
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 2, N_STEPS - 1, &xa, &ya1));
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, N_STEPS - 1, &xl, &yl));
  g_assert_cmpfloat (ya1, <, ya0);
  g_assert_cmpfloat (ya0, >, yl);
  /* the learning rate is drawn in its colour; without it, that colour is nowhere */
  int lr_px = count_color (s, 0, 0, W, H, PS_LOSS_CURVE_LR_COLOR, 20);
  g_assert_cmpint (lr_px, >, 100);
  /* no NaN: no red marks */
  g_assert_cmpint (count_color (s, 0, 0, W, H, PS_LOSS_CURVE_NONFINITE_COLOR, 20), ==, 0);
  cairo_surface_destroy (s);
  d.lc.lr = NULL;
  s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  g_assert_cmpint (count_color (s, 0, 0, W, H, PS_LOSS_CURVE_LR_COLOR, 20), ==, 0);
  cairo_surface_destroy (s);
}

static void
test_loss_curve_nonfinite (void)
{
  LossData d;
  loss_data_init (&d, TRUE);
  d.lc.n_accuracies = 0;
  const int W = 800, H = 480;
  g_assert_cmpuint (ps_series_count_nonfinite (&d.losses[0]), ==, 2);
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  save_sample ("loss-curve-nan.png", W, H, ps_loss_curve_draw_func, &d.lc);
  double x, y;
  g_assert_false (ps_loss_curve_point (&d.lc, W, H, 0, 40, &x, &y));
  g_assert_true (ps_loss_curve_step_x (&d.lc, W, H, 400, &x));
  /* a red mark in the NaN step's column, none in a finite step's column */
  int red_nan = count_color (s, (int) x - 2, 0, (int) x + 3, H, PS_LOSS_CURVE_NONFINITE_COLOR, 30);
  g_assert_cmpint (red_nan, >, 10);
  double x_ok;
  g_assert_true (ps_loss_curve_step_x (&d.lc, W, H, 200, &x_ok));
  g_assert_cmpint (count_color (s, (int) x_ok - 2, 0, (int) x_ok + 3, H, PS_LOSS_CURVE_NONFINITE_COLOR, 30), ==, 0);
  /* the points around the gap are still drawn */
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, 39, &x, &y));
  g_assert_true (near_color (s, x, y, ps_chart_series_color (0), 40));
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, 42, &x, &y));
  g_assert_true (near_color (s, x, y, ps_chart_series_color (0), 40));
  cairo_surface_destroy (s);
}

static void
test_loss_curve_log (void)
{
  int64_t steps[3] = { 0, 1, 2 };
  double v[3] = { 1, 0.1, 0.01 };
  PsSeries se = { "loss", steps, v, 3 };
  PsLossCurveOptions o;
  ps_loss_curve_options_init (&o);
  o.log_y = TRUE;
  PsLossCurve lc = { &se, 1, NULL, 0, NULL, &o };
  double x[3], y[3];
  for (int i = 0; i < 3; i++)
    g_assert_true (ps_loss_curve_point (&lc, 600, 400, 0, i, &x[i], &y[i]));
  /* decades equally spaced */
  g_assert_cmpfloat (fabs ((y[1] - y[0]) - (y[2] - y[1])), <, 1e-9);
  g_assert_cmpfloat (y[1] - y[0], >, 20);
  /* linear: 1 → 0.1 is ten times 0.1 → 0.01 */
  o.log_y = FALSE;
  for (int i = 0; i < 3; i++)
    g_assert_true (ps_loss_curve_point (&lc, 600, 400, 0, i, &x[i], &y[i]));
  g_assert_cmpfloat (fabs ((y[1] - y[0]) / (y[2] - y[1]) - 10), <, 1e-9);
  /* zero has no place on a log axis */
  v[2] = 0;
  o.log_y = TRUE;
  g_assert_false (ps_loss_curve_point (&lc, 600, 400, 0, 2, &x[2], &y[2]));
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &lc, 600, 400);
  cairo_surface_destroy (s);
}

static void
test_loss_curve_cursor (void)
{
  LossData d;
  loss_data_init (&d, FALSE);
  const int W = 900, H = 560;
  d.o.show_cursor = TRUE;
  d.o.cursor_step = 250;
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  save_sample ("loss-curve-cursor.png", W, H, ps_loss_curve_draw_func, &d.lc);
  double x;
  g_assert_true (ps_loss_curve_step_x (&d.lc, W, H, 250, &x));
  int64_t step = -1;
  g_assert_true (ps_loss_curve_step_at (&d.lc, W, H, x + 1, H / 2.0, &step));
  g_assert_cmpint (step, ==, 250);
  g_assert_false (ps_loss_curve_step_at (&d.lc, W, H, 2, H / 2.0, &step));
  /* the cursor is a dark vertical line through both panels */
  double xa, ya, xl, yl;
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 2, 0, &xa, &ya));
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, 0, &xl, &yl));
  int dark = count_color (s, (int) floor (x), (int) yl, (int) floor (x) + 1, (int) ya, 0xff303030u, 60);
  g_assert_cmpint (dark, >, (int) (ya - yl) / 2);
  cairo_surface_destroy (s);
  /* without the cursor that column is not dark */
  d.o.show_cursor = FALSE;
  s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  dark = count_color (s, (int) floor (x), (int) yl, (int) floor (x) + 1, (int) ya, 0xff303030u, 60);
  g_assert_cmpint (dark, <, 20);
  cairo_surface_destroy (s);
}

static void
test_loss_curve_degenerate (void)
{
  /* no data, one point, tiny sizes: draws without error */
  PsLossCurveOptions o;
  ps_loss_curve_options_init (&o);
  PsLossCurve empty = { NULL, 0, NULL, 0, NULL, &o };
  cairo_surface_destroy (render (ps_loss_curve_draw_func, &empty, 400, 300));
  int64_t st = 5;
  double v = 0.7;
  PsSeries one = { "loss", &st, &v, 1 };
  PsLossCurve lc = { &one, 1, NULL, 0, &one, &o };
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &lc, 400, 300);
  double x, y;
  g_assert_true (ps_loss_curve_point (&lc, 400, 300, 0, 0, &x, &y));
  g_assert_true (near_color (s, x, y, ps_chart_series_color (0), 40));
  cairo_surface_destroy (s);
  cairo_surface_destroy (render (ps_loss_curve_draw_func, &lc, 30, 20));
}

/* ---------- ratio chart ---------- */

#define RP 4
#define RS 50

static void
test_ratio_chart (void)
{
  static const char *names[RP] = { "0.weight", "0.bias", "2.weight", "2.bias" };
  int64_t steps[RS];
  double grad[RP * RS], upd[RP * RS];
  for (int i = 0; i < RS; i++)
    {
      steps[i] = i;
      for (int p = 0; p < RP; p++)
        {
          grad[p * RS + i] = pow (10, -1.0 - 0.3 * p - i / 60.0);
          upd[p * RS + i] = pow (10, -2.0 - 0.4 * p - i / 40.0);
        }
    }
  upd[1 * RS + 20] = NAN;
  upd[1 * RS + 21] = 0;
  PsRatioChartOptions o;
  ps_ratio_chart_options_init (&o);
  o.title = "update / data";
  PsRatioChart rc = { names, RP, steps, RS, grad, upd, &o };
  const int W = 900, H = 620;
  cairo_surface_t *s = render (ps_ratio_chart_draw_func, &rc, W, H);
  save_sample ("ratio-chart.png", W, H, ps_ratio_chart_draw_func, &rc);
  for (int k = 0; k < 2; k++)
    for (guint p = 0; p < RP; p++)
      for (guint i = 0; i < RS; i += 9)
        {
          double x, y;
          if (k == 1 && p == 1 && (i == 20 || i == 21))
            continue;
          g_assert_true (ps_ratio_chart_point (&rc, W, H, k, p, i, &x, &y));
          g_assert_true (near_color (s, x, y, ps_ratio_chart_color (p), 50));
        }
  double x, y, gy;
  /* hover finds the line under the pointer */
  for (guint p = 0; p < RP; p++)
    {
      g_assert_true (ps_ratio_chart_point (&rc, W, H, PS_RATIO_UPDATE, p, 30, &x, &y));
      PsRatioKind hk;
      guint hp, hi;
      g_assert_true (ps_ratio_chart_hit (&rc, W, H, x + 1, y + 2, &hk, &hp, &hi));
      g_assert_cmpint (hk, ==, PS_RATIO_UPDATE);
      g_assert_cmpuint (hp, ==, p);
      g_assert_cmpuint (hi, ==, 30);
    }
  PsRatioKind hk;
  guint hp, hi;
  g_assert_false (ps_ratio_chart_hit (&rc, W, H, 3, 3, &hk, &hp, &hi));
  g_assert_false (ps_ratio_chart_point (&rc, W, H, PS_RATIO_UPDATE, 1, 20, &x, &y));
  g_assert_false (ps_ratio_chart_point (&rc, W, H, PS_RATIO_UPDATE, 1, 21, &x, &y));
  /* log10 axis: one decade apart is the same distance anywhere; the guide sits at 1e-3 */
  double ya, yb;
  g_assert_true (ps_ratio_chart_point (&rc, W, H, PS_RATIO_GRAD, 0, 0, &x, &ya));   /* 1e-1 */
  g_assert_true (ps_ratio_chart_guide_y (&rc, W, H, PS_RATIO_GRAD, &gy));             /* 1e-3 */
  g_assert_true (ps_ratio_chart_point (&rc, W, H, PS_RATIO_UPDATE, 0, 0, &x, &yb));  /* 1e-2 */
  double yg2;
  g_assert_true (ps_ratio_chart_guide_y (&rc, W, H, PS_RATIO_UPDATE, &yg2));
  g_assert_cmpfloat (gy, >, ya);
  g_assert_cmpfloat (yg2, >, yb);
  /* the guide is a dashed grey line: grey pixels along its row, in both panels */
  g_assert_cmpint (count_color (s, 100, (int) gy, W - 200, (int) gy + 1, 0xff555555u, 40), >, 100);
  g_assert_cmpint (count_color (s, 100, (int) yg2, W - 200, (int) yg2 + 1, 0xff555555u, 40), >, 100);
  cairo_surface_destroy (s);
  /* no guide when asked for none */
  o.guide = 0;
  g_assert_false (ps_ratio_chart_guide_y (&rc, W, H, PS_RATIO_GRAD, &gy));
  /* one panel only */
  rc.grad_ratio = NULL;
  g_assert_false (ps_ratio_chart_point (&rc, W, H, PS_RATIO_GRAD, 0, 0, &x, &y));
  g_assert_true (ps_ratio_chart_point (&rc, W, H, PS_RATIO_UPDATE, 0, 0, &x, &y));
  s = render (ps_ratio_chart_draw_func, &rc, W, H);
  g_assert_true (near_color (s, x, y, ps_ratio_chart_color (0), 50));
  cairo_surface_destroy (s);
}

/* The red line counting a panel's gaps (NaN, Inf or 0 ratios) sits above the panel, never over its
 * curves: no red pixel inside either panel, the count's red in the line just above each. Before,
 * it was drawn at the panel's top-left corner, over the lines that start there. */
static void
test_ratio_chart_gap_label (void)
{
  static const char *names[1] = { "fc1.weight" };
  enum { N = 40 };
  int64_t steps[N];
  double grad[N], upd[N];
  for (int i = 0; i < N; i++)
    {
      steps[i] = i;
      /* high at the start (the top-left corner, where the label was) and gaps every 3rd step */
      grad[i] = i % 3 == 2 ? NAN : pow (10, -0.5 - i / 20.0);
      upd[i] = i % 3 == 2 ? 0 : pow (10, -1.0 - i / 15.0);
    }
  PsRatioChartOptions o;
  ps_ratio_chart_options_init (&o);
  o.title = "gaps";
  o.guide = 0;
  PsRatioChart rc = { names, 1, steps, N, grad, upd, &o };
  const int W = 700, H = 480;
  save_sample ("ratio-chart-gaps.png", W, H, ps_ratio_chart_draw_func, &rc);
  cairo_surface_t *s = render (ps_ratio_chart_draw_func, &rc, W, H);
  for (int k = 0; k < 2; k++)
    {
      double x0, y0, x1, y1;
      g_assert_true (ps_ratio_chart_panel (&rc, W, H, k, &x0, &y0, &x1, &y1));
      /* the line's first point is high in the panel's left: the label's old place */
      double px, py;
      g_assert_true (ps_ratio_chart_point (&rc, W, H, k, 0, 0, &px, &py));
      g_assert_cmpfloat (py, <, y0 + (y1 - y0) / 3);
      g_assert_cmpint (count_color (s, (int) x0, (int) y0, (int) x1, (int) y1, 0xffd62728u, 80), ==, 0);
      g_assert_cmpint (count_color (s, (int) x0, (int) y0 - 16, (int) x1, (int) y0, 0xffd62728u, 80), >, 20);
    }
  cairo_surface_destroy (s);
}

static void
test_ratio_of_stds (void)
{
  float a[4] = { 1, -1, 1, -1 }, b[4] = { 0.01f, -0.01f, 0.01f, -0.01f }, z[4] = { 0 };
  PsStats sa, sb, sz;
  ps_stats_init (&sa);
  ps_stats_add_f32 (&sa, a, 4);
  ps_stats_finish (&sa);
  ps_stats_init (&sb);
  ps_stats_add_f32 (&sb, b, 4);
  ps_stats_finish (&sb);
  ps_stats_init (&sz);
  ps_stats_add_f32 (&sz, z, 4);
  ps_stats_finish (&sz);
  g_assert_cmpfloat (fabs (ps_ratio_of_stds (&sb, &sa) - 0.01), <, 1e-8);
  g_assert_true (isnan (ps_ratio_of_stds (&sa, &sz)));
  g_assert_cmpfloat (ps_ratio_of_stds (&sz, &sa), ==, 0);
  b[2] = NAN;
  ps_stats_init (&sb);
  ps_stats_add_f32 (&sb, b, 4);
  ps_stats_finish (&sb);
  g_assert_true (isnan (ps_ratio_of_stds (&sb, &sa)));
}

/* ---------- per-layer diagnostics ---------- */

#define NL 4
#define NV 4000

typedef struct {
  PsTensor *t[NL];
  PsHistogram *h[NL];
  PsStats st[NL];
  PsLayerHistogram layers[NL];
  char names[NL][32];
  PsLayerDiagnosticsOptions o;
  PsLayerDiagnostics d;
} LayerData;

static void
layer_data_init (LayerData *ld, gboolean gradients)
{
  g_autoptr (GError) error = NULL;
  static const double gains[NL] = { 0.5, 1.0, 3.0, 1.0 };
  for (int l = 0; l < NL; l++)
    {
      ld->t[l] = ps_tensor_new_1d (PS_DTYPE_FLOAT32, NV, &error);
      g_assert_no_error (error);
      float *x = ps_tensor_f32 (ld->t[l]);
      for (int i = 0; i < NV; i++)
        {
          double v = lcg_bell (gains[l]);
          if (gradients)
            x[i] = (float) (v * 1e-3 / (l + 1));
          else if (l == NL - 1)
            x[i] = (float) MAX (v, 0.0);        /* ReLU: about half dead */
          else
            x[i] = (float) tanh (v);
        }
      double lo = gradients ? -0.004 : -1, hi = gradients ? 0.004 : 1;
      ld->h[l] = ps_histogram_compute (ld->t[l], 50, lo, hi, &error);
      g_assert_no_error (error);
      ps_stats_compute (ld->t[l], &ld->st[l]);
      double sat, dead;
      ps_layer_shares (ld->t[l], PS_LAYER_SATURATION_THRESHOLD, &sat, &dead);
      g_snprintf (ld->names[l], sizeof ld->names[l], "layer %d (%s)", l + 1, l == NL - 1 ? "ReLU" : "Tanh");
      /* saturation means something for tanh only */
      ld->layers[l] = (PsLayerHistogram) { ld->names[l], ld->h[l], &ld->st[l], gradients || l == NL - 1 ? NAN : sat, dead,
                                           !gradients && l == NL - 1 };
    }
  ps_layer_diagnostics_options_init (&ld->o);
  ld->o.title = gradients ? "Gradient histograms per layer" : "Activation histograms per layer";
  ld->o.value_label = gradients ? "gradient" : "activation";
  ld->d = (PsLayerDiagnostics) { ld->layers, NL, &ld->o };
}

static void
layer_data_clear (LayerData *ld)
{
  for (int l = 0; l < NL; l++)
    {
      ps_tensor_unref (ld->t[l]);
      ps_histogram_free (ld->h[l]);
    }
}

static void
test_layer_shares (void)
{
  g_autoptr (GError) error = NULL;
  float v[8] = { 0, -0.0f, 0.5f, 0.98f, -0.99f, 0.97f, NAN, 1 };   /* 0.97f > 0.97 in double */
  int64_t shape[1] = { 8 };
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (1, shape, v, &error);
  g_assert_no_error (error);
  double sat, dead;
  ps_layer_shares (t, 0.97, &sat, &dead);
  g_assert_cmpfloat (sat, ==, 3.0 / 8);   /* 0.98, −0.99, 1 (0.97f is not above 0.97f, as in torch) */
  g_assert_cmpfloat (dead, ==, 2.0 / 8);  /* 0 and −0 */
}

/* Saturation by module class (ps-train-figures): a Tanh output above 0.97 in magnitude, a Sigmoid
 * output within 0.015 of 0 or 1 (|2y − 1| > 0.97), nothing for any other class. */
static void
test_saturation_by_class (void)
{
  g_autoptr (GError) error = NULL;
  float v[8] = { 0, 0.01f, 0.5f, 0.98f, -0.99f, 0.99f, 0.3f, 1 };
  int64_t shape[1] = { 8 };
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (1, shape, v, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ps_train_figures_saturation (t, "Tanh"), ==, 4.0 / 8);      /* 0.98, −0.99, 0.99, 1 */
  g_assert_cmpfloat (ps_train_figures_saturation (t, "Sigmoid"), ==, 5.0 / 8);   /* 0, 0.01, 0.99, 1 (and −0.99, not a sigmoid value) */
  g_assert_true (isnan (ps_train_figures_saturation (t, "Linear")));
  g_assert_true (isnan (ps_train_figures_saturation (t, "ReLU")));
}

static void
test_layer_diagnostics (void)
{
  LayerData ld;
  layer_data_init (&ld, FALSE);
  /* the too-large gain saturates: more than 5 % above 0.97; the ReLU layer is about half dead */
  g_assert_cmpfloat (ld.layers[2].saturated, >, 0.3);
  g_assert_cmpfloat (ld.layers[0].saturated, <, 0.01);
  g_assert_cmpfloat (fabs (ld.layers[3].dead - 0.5), <, 0.05);
  g_autofree char *legend = ps_layer_diagnostics_legend (&ld.d, 2);
  g_autofree char *expect = g_strdup_printf ("saturated %.1f %%", 100 * ld.layers[2].saturated);
  g_assert_nonnull (strstr (legend, expect));
  g_assert_nonnull (strstr (legend, "zero 0.0 %"));   /* a tanh output's zeros are not dead units */
  g_assert_null (strstr (legend, "dead"));
  g_autofree char *relu_legend = ps_layer_diagnostics_legend (&ld.d, NL - 1);
  g_autofree char *relu_expect = g_strdup_printf ("dead %.1f %%", 100 * ld.layers[NL - 1].dead);
  g_assert_nonnull (strstr (relu_legend, relu_expect));
  g_assert_nonnull (strstr (legend, "mean "));
  const int W = 900, H = 640;
  for (int layout_i = 0; layout_i < 2; layout_i++)
    {
      ld.o.layout = layout_i ? PS_LAYER_DIAGNOSTICS_GRID : PS_LAYER_DIAGNOSTICS_OVERLAY;
      cairo_surface_t *s = render (ps_layer_diagnostics_draw_func, &ld.d, W, H);
      save_sample (layout_i ? "layers-grid.png" : "layers-overlay.png", W, H,
                   ps_layer_diagnostics_draw_func, &ld.d);
      /* the tallest bin of every layer is drawn in its colour */
      for (guint l = 0; l < NL; l++)
        {
          int best = 0;
          for (int b = 0; b < ld.h[l]->n_bins; b++)
            if (ld.h[l]->counts[b] > ld.h[l]->counts[best])
              best = b;
          double x, y;
          g_assert_true (ps_layer_diagnostics_bin_point (&ld.d, W, H, l, best, &x, &y));
          g_assert_true (near_color (s, x, y + (layout_i ? 2 : 0), ps_layer_diagnostics_color (l), 50));
        }
      /* hover over a bar / a line point gives back its layer and bin */
      for (guint l = 0; l < NL; l++)
        {
          double hx, hy;
          g_assert_true (ps_layer_diagnostics_bin_point (&ld.d, W, H, l, 20, &hx, &hy));
          guint hl;
          int hb;
          g_assert_true (ps_layer_diagnostics_hit (&ld.d, W, H, hx, hy - (layout_i ? 1 : 0), &hl, &hb));
          if (layout_i)
            g_assert_cmpuint (hl, ==, l);
          g_assert_cmpint (hb, ==, 20);
        }
      guint hl0;
      int hb0;
      g_assert_false (ps_layer_diagnostics_hit (&ld.d, W, H, 1, 1, &hl0, &hb0));
      /* the saturated layer's peaks at ±1 are higher than its centre (GRID: per-layer scale) */
      double xe, ye, xc, yc;
      g_assert_true (ps_layer_diagnostics_bin_point (&ld.d, W, H, 2, 49, &xe, &ye));
      g_assert_true (ps_layer_diagnostics_bin_point (&ld.d, W, H, 2, 25, &xc, &yc));
      g_assert_cmpfloat (ye, <, yc);
      /* the warning is in red */
      g_assert_cmpint (count_color (s, 0, 0, W, H, 0xffd62728u, 30), >, 30);
      cairo_surface_destroy (s);
    }
  layer_data_clear (&ld);

  layer_data_init (&ld, TRUE);
  g_autofree char *glegend = ps_layer_diagnostics_legend (&ld.d, 0);
  g_assert_null (strstr (glegend, "saturated"));
  g_assert_null (strstr (glegend, "dead"));   /* a zero gradient is not a dead unit */
  ld.o.layout = PS_LAYER_DIAGNOSTICS_GRID;
  cairo_surface_destroy (render (ps_layer_diagnostics_draw_func, &ld.d, W, H));
  save_sample ("layers-gradients.png", W, H, ps_layer_diagnostics_draw_func, &ld.d);
  ld.o.layout = PS_LAYER_DIAGNOSTICS_OVERLAY;
  save_sample ("layers-gradients-overlay.png", W, H, ps_layer_diagnostics_draw_func, &ld.d);
  /* too small, or no layers: no error */
  cairo_surface_destroy (render (ps_layer_diagnostics_draw_func, &ld.d, 40, 30));
  ld.d.n = 0;
  cairo_surface_destroy (render (ps_layer_diagnostics_draw_func, &ld.d, 400, 300));
  layer_data_clear (&ld);
}

/* Only saturation and dead units warn (bold red): a large share of plain zeros — Flatten of image
 * pixels, mostly background — is said ("zero 80.0 %") in the muted colour (it was drawn red). */
static void
test_layer_zero_not_warning (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1000, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 1000; i++)
    ps_tensor_f32 (t)[i] = i < 800 ? 0.0f : (float) (i - 799) / 200.0f;
  PsHistogram *h = ps_histogram_compute (t, 40, 0, 1, &error);
  g_assert_no_error (error);
  double sat, dead;
  ps_layer_shares (t, PS_LAYER_SATURATION_THRESHOLD, &sat, &dead);
  g_assert_cmpfloat (dead, ==, 0.8);
  PsLayerHistogram layers[1] = { { "layer 1 (Flatten)", h, NULL, NAN, dead, FALSE } };
  PsLayerDiagnosticsOptions o;
  ps_layer_diagnostics_options_init (&o);
  PsLayerDiagnostics d = { layers, 1, &o };
  const int W = 700, H = 400;
  for (int layout_i = 0; layout_i < 2; layout_i++)
    {
      o.layout = layout_i ? PS_LAYER_DIAGNOSTICS_GRID : PS_LAYER_DIAGNOSTICS_OVERLAY;
      layers[0].dead_units = FALSE;
      g_autofree char *legend = ps_layer_diagnostics_legend (&d, 0);
      g_assert_nonnull (strstr (legend, "zero 80.0 %"));
      cairo_surface_t *s = render (ps_layer_diagnostics_draw_func, &d, W, H);
      g_assert_cmpint (count_color (s, 0, 0, W, H, 0xffd62728u, 30), ==, 0);
      cairo_surface_destroy (s);
      /* the same share as dead ReLU units is a warning */
      layers[0].dead_units = TRUE;
      s = render (ps_layer_diagnostics_draw_func, &d, W, H);
      g_assert_cmpint (count_color (s, 0, 0, W, H, 0xffd62728u, 30), >, 30);
      cairo_surface_destroy (s);
    }
  ps_histogram_free (h);
}

/* GRID: each panel has its own value axis, so a tanh layer in ±1 beside a Linear layer in ±300
 * spreads over its panel (a shared range drew it as a spike at 0 with a lone "0" tick). */
static void
test_layer_grid_own_ranges (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) a = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1000, &error);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1000, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 1000; i++)
    {
      ps_tensor_f32 (a)[i] = (float) (300.0 * (i / 999.0 * 2 - 1));   /* Linear: ±300 */
      ps_tensor_f32 (b)[i] = (float) tanh (3.0 * (i / 999.0 * 2 - 1));   /* Tanh: ±0.995 */
    }
  PsHistogram *ha = ps_histogram_compute (a, 40, -300, 300, &error);
  PsHistogram *hb = ps_histogram_compute (b, 40, -1, 1, &error);
  g_assert_no_error (error);
  PsLayerHistogram layers[2] = { { "layer 1 (Linear)", ha, NULL, NAN, 0, FALSE },
                                 { "layer 2 (Tanh)", hb, NULL, 0.2, 0, FALSE } };
  PsLayerDiagnosticsOptions o;
  ps_layer_diagnostics_options_init (&o);
  o.layout = PS_LAYER_DIAGNOSTICS_GRID;
  PsLayerDiagnostics d = { layers, 2, &o };
  const int W = 900, H = 400;
  double span[2];
  for (guint l = 0; l < 2; l++)
    {
      double xa, ya, xb, yb;
      g_assert_true (ps_layer_diagnostics_bin_point (&d, W, H, l, 0, &xa, &ya));
      g_assert_true (ps_layer_diagnostics_bin_point (&d, W, H, l, 39, &xb, &yb));
      span[l] = xb - xa;
      /* hover finds the bin again on the panel's own axis */
      guint hl;
      int hbin;
      g_assert_true (ps_layer_diagnostics_hit (&d, W, H, xb, yb + 2, &hl, &hbin));
      g_assert_cmpuint (hl, ==, l);
      g_assert_cmpint (hbin, ==, 39);
    }
  g_assert_cmpfloat (span[0], >, 200);
  /* the tanh panel is (nearly: its axis ends at ±1) as wide as the Linear one */
  g_assert_cmpfloat (fabs (span[1] - span[0]), <, 0.03 * span[0]);
  save_sample ("layers-grid-own-ranges.png", W, H, ps_layer_diagnostics_draw_func, &d);
  ps_histogram_free (ha);
  ps_histogram_free (hb);
}

/* ---------- decision boundary ---------- */

/* a "model": logit 6·(0.8 − |p|), i.e. class 1 inside the circle of radius 0.8 */
static gboolean
circle_model (const float *xy, gsize n, float *out, gpointer data, GError **error)
{
  int *calls = data;
  (*calls)++;
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (6 * (0.8 - hypot (xy[2 * i], xy[2 * i + 1])));
  return TRUE;
}

/* three classes by angle sector, as logits */
static gboolean
sector_model (const float *xy, gsize n, float *out, gpointer data, GError **error)
{
  for (gsize i = 0; i < n; i++)
    {
      double a = atan2 (xy[2 * i + 1], xy[2 * i]);
      for (int k = 0; k < 3; k++)
        out[3 * i + k] = (float) (3 * cos (a - (k * 2 * G_PI / 3)));
    }
  return TRUE;
}

static gboolean
failing_model (const float *xy, gsize n, float *out, gpointer data, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "model exploded");
  return FALSE;
}

#define NP 200

static void
test_decision_boundary (void)
{
  g_autoptr (GError) error = NULL;
  float pts[2 * NP];
  int64_t labels[NP];
  for (int i = 0; i < NP; i++)
    {
      double a = lcg_uniform () * 2 * G_PI;
      double r = i % 2 ? 0.2 + 0.4 * lcg_uniform () : 1.0 + 0.4 * lcg_uniform ();
      pts[2 * i] = (float) (r * cos (a));
      pts[2 * i + 1] = (float) (r * sin (a));
      labels[i] = i % 2;
    }
  double x0, x1, y0, y1;
  ps_decision_boundary_bounds (pts, NP, 0.1, &x0, &x1, &y0, &y1);
  g_assert_cmpfloat (x1 - x0, ==, y1 - y0);
  g_assert_cmpfloat (x0, <, -1.3);
  g_assert_cmpfloat (x1, >, 1.3);
  int calls = 0;
  const int G = 64;
  g_autofree float *grid = ps_decision_boundary_sample (circle_model, &calls, x0, x1, y0, y1, G, G, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (calls, ==, G);   /* one call per row */
  /* sample (r, c) is the model at the cell centre, row 0 at the top */
  double sx = x0 + 5.5 * (x1 - x0) / G, sy = y1 - 3.5 * (y1 - y0) / G;
  g_assert_cmpfloat (fabs (grid[3 * G + 5] - 6 * (0.8 - hypot ((float) sx, (float) sy))), <, 1e-5);

  PsDecisionBoundaryOptions o;
  ps_decision_boundary_options_init (&o);
  o.title = "Decision boundary";
  static const char *names[2] = { "outer", "inner" };
  o.class_names = names;
  PsDecisionBoundary db = { x0, x1, y0, y1, G, G, 1, grid, TRUE, pts, labels, NP, &o };
  g_assert_true (ps_decision_boundary_check (&db, &error));
  double p;
  g_assert_cmpint (ps_decision_boundary_class_at (&db, G / 2, G / 2, &p), ==, 1);
  g_assert_cmpfloat (p, >, 0.95);
  g_assert_cmpint (ps_decision_boundary_class_at (&db, 0, 0, &p), ==, 0);

  const int W = 760, H = 600;
  cairo_surface_t *s = render (ps_decision_boundary_draw_func, &db, W, H);
  save_sample ("decision-boundary.png", W, H, ps_decision_boundary_draw_func, &db);
  /* every point is drawn in its label's colour */
  for (int i = 0; i < NP; i += 13)
    {
      double x, y;
      g_assert_true (ps_decision_boundary_to_screen (&db, W, H, pts[2 * i], pts[2 * i + 1], &x, &y));
      g_assert_true (near_color (s, x, y, ps_decision_boundary_class_color ((int) labels[i]), 30));
    }
  cairo_surface_destroy (s);
  /* without points: the region colour inside and outside, the dark boundary on the circle */
  db.n_points = 0;
  s = render (ps_decision_boundary_draw_func, &db, W, H);
  double x, y;
  /* screen ↔ plane ↔ grid sample */
  double qx, qy;
  g_assert_true (ps_decision_boundary_to_screen (&db, W, H, 0.5, -0.25, &x, &y));
  g_assert_true (ps_decision_boundary_from_screen (&db, W, H, x, y, &qx, &qy));
  g_assert_cmpfloat (fabs (qx - 0.5), <, 1e-9);
  g_assert_cmpfloat (fabs (qy + 0.25), <, 1e-9);
  int sr, sc;
  g_assert_true (ps_decision_boundary_sample_at (&db, x0 + 5.5 * (x1 - x0) / G, y1 - 3.5 * (y1 - y0) / G, &sr, &sc));
  g_assert_cmpint (sr, ==, 3);
  g_assert_cmpint (sc, ==, 5);
  g_assert_false (ps_decision_boundary_from_screen (&db, W, H, 2, 2, &qx, &qy));
  g_assert_false (ps_decision_boundary_sample_at (&db, x1 + 1, 0, &sr, &sc));
  g_assert_true (ps_decision_boundary_to_screen (&db, W, H, 0.01, 0.01, &x, &y));
  double pc;
  int cc = ps_decision_boundary_class_at (&db, G / 2, G / 2, &pc);
  g_assert_cmpint (color_dist (pixel (s, x, y), ps_decision_boundary_region_color (cc, pc, 2)), <=, 6);
  g_assert_true (ps_decision_boundary_to_screen (&db, W, H, 1.3, 1.3, &x, &y));
  g_assert_cmpint (color_dist (pixel (s, x, y), ps_decision_boundary_region_color (0, 1.0, 2)), <=, 12);
  g_assert_true (ps_decision_boundary_to_screen (&db, W, H, 0.8, 0, &x, &y));
  g_assert_cmpint (count_color (s, (int) x - 3, (int) y - 1, (int) x + 4, (int) y + 2, 0xff1a1a1au, 70), >, 0);
  g_assert_true (ps_decision_boundary_to_screen (&db, W, H, 0.4, 0, &x, &y));
  g_assert_cmpint (count_color (s, (int) x - 3, (int) y - 1, (int) x + 4, (int) y + 2, 0xff1a1a1au, 70), ==, 0);
  cairo_surface_destroy (s);

  /* three classes from logits */
  g_autofree float *grid3 = ps_decision_boundary_sample (sector_model, NULL, -1, 1, -1, 1, 48, 48, 3, &error);
  g_assert_no_error (error);
  PsDecisionBoundary db3 = { -1, 1, -1, 1, 48, 48, 3, grid3, TRUE, NULL, NULL, 0, &o };
  o.class_names = NULL;
  g_assert_cmpint (ps_decision_boundary_class_at (&db3, 24, 47, NULL), ==, 0);   /* +x */
  g_assert_cmpint (ps_decision_boundary_class_at (&db3, 0, 10, NULL), ==, 1);    /* upper left */
  g_assert_cmpint (ps_decision_boundary_class_at (&db3, 47, 10, NULL), ==, 2);   /* lower left */
  save_sample ("decision-boundary-3.png", W, H, ps_decision_boundary_draw_func, &db3);
  cairo_surface_destroy (render (ps_decision_boundary_draw_func, &db3, 50, 40));

  /* bad input: clear errors */
  g_assert_null (ps_decision_boundary_sample (failing_model, NULL, -1, 1, -1, 1, 8, 8, 1, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "exploded"));
  g_clear_error (&error);
  g_assert_null (ps_decision_boundary_sample (circle_model, &calls, -1, 1, -1, 1, 0, 8, 1, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ps_decision_boundary_sample (circle_model, &calls, 1, 1, -1, 1, 8, 8, 1, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  labels[3] = 2;
  db.n_points = NP;
  g_assert_false (ps_decision_boundary_check (&db, &error));
  g_assert_nonnull (strstr (error->message, "point 3"));
  /* an invalid figure draws its background only, without a cairo error */
  cairo_surface_destroy (render (ps_decision_boundary_draw_func, &db, 300, 200));
}

/* ---------- weight-template grid ---------- */

static void
test_weight_grid (void)
{
  g_autoptr (GError) error = NULL;
  const int U = 10;
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, U, 784, &error);
  g_assert_no_error (error);
  float *x = ps_tensor_f32 (w);
  /* unit u: a blob centred at a different place, negative surround, unit 9 ten times weaker */
  for (int u = 0; u < U; u++)
    for (int r = 0; r < 28; r++)
      for (int c = 0; c < 28; c++)
        {
          double cy = 6 + 1.7 * u, cx = 22 - 1.6 * u;
          double d2 = (r - cy) * (r - cy) + (c - cx) * (c - cx);
          double v = 0.08 * exp (-d2 / 18) - 0.02 + 0.004 * (lcg_uniform () - 0.5);
          x[u * 784 + r * 28 + c] = (float) (u == 9 ? v / 10 : v);
        }
  PsWeightGridOptions o;
  ps_weight_grid_options_init (&o);
  o.title = "fc1.weight";
  o.subtitle = "step 0";
  g_autoptr (PsWeightGrid) wg = ps_weight_grid_new (w, &o, &error);
  g_assert_no_error (error);
  double lo, hi;
  ps_weight_grid_get_range (wg, &lo, &hi);
  PsStats st;
  ps_stats_compute (w, &st);
  g_assert_cmpfloat (hi, ==, st.abs_max);
  g_assert_cmpfloat (lo, ==, -hi);
  const int W = 900, H = 520;
  int cols, rows;
  ps_weight_grid_get_layout (wg, W, H, &cols, &rows);
  g_assert_cmpint (cols * rows, >=, U);
  g_assert_cmpint ((cols - 1) * rows, <, U);
  cairo_surface_t *s = render (ps_weight_grid_draw_func, wg, W, H);
  save_sample ("weight-grid.png", W, H, ps_weight_grid_draw_func, wg);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  /* every pixel of every tile is exactly its weight's colour on the shared scale */
  for (int u = 0; u < U; u++)
    for (int r = 0; r < 28; r += 3)
      for (int c = 0; c < 28; c += 5)
        {
          double px, py;
          g_assert_true (ps_weight_grid_pixel_point (wg, W, H, u, r, c, &px, &py));
          g_assert_cmphex (pixel (s, px, py), ==, ps_colormap_map (cm, x[u * 784 + r * 28 + c], lo, hi));
          int64_t hu;
          int hr, hc;
          g_assert_true (ps_weight_grid_hit (wg, W, H, px, py, &hu, &hr, &hc));
          g_assert_cmpint (hu, ==, u);
          g_assert_cmpint (hr, ==, r);
          g_assert_cmpint (hc, ==, c);
        }
  /* the weak unit's peak is pale: shared scale, not rescaled per tile */
  double px, py;
  g_assert_true (ps_weight_grid_pixel_point (wg, W, H, 9, (int) (6 + 1.7 * 9), (int) (22 - 1.6 * 9), &px, &py));
  g_assert_cmpfloat (ps_color_luminance (pixel (s, px, py)), >, 0.6);
  g_assert_true (ps_weight_grid_pixel_point (wg, W, H, 0, 6, 22, &px, &py));
  g_assert_cmpfloat (ps_color_luminance (pixel (s, px, py)), <, 0.2);
  cairo_surface_destroy (s);

  /* robust scale: narrower, clipped values saturate */
  o.robust_q = 0.9;
  g_autoptr (PsWeightGrid) wr = ps_weight_grid_new (w, &o, &error);
  g_assert_no_error (error);
  double rlo, rhi;
  ps_weight_grid_get_range (wr, &rlo, &rhi);
  g_assert_cmpfloat (rhi, <, hi);
  cairo_surface_destroy (render (ps_weight_grid_draw_func, wr, 300, 200));
  cairo_surface_destroy (render (ps_weight_grid_draw_func, wr, 20, 20));

  /* explicit tile shape and columns */
  o.robust_q = 0;
  o.tile_h = 14;
  o.tile_w = 56;
  o.columns = 2;
  g_autoptr (PsWeightGrid) w2 = ps_weight_grid_new (w, &o, &error);
  g_assert_no_error (error);
  ps_weight_grid_get_layout (w2, W, H, &cols, &rows);
  g_assert_cmpint (cols, ==, 2);
  g_assert_cmpint (rows, ==, 5);

  /* errors */
  o.tile_h = 27;
  o.tile_w = 28;
  g_assert_null (ps_weight_grid_new (w, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  o.tile_h = o.tile_w = 0;
  g_autoptr (PsTensor) odd = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 3, 785, &error);
  g_assert_null (ps_weight_grid_new (odd, &o, &error));
  g_assert_nonnull (strstr (error->message, "785"));
  g_clear_error (&error);
  int64_t shape3[3] = { 2, 28, 28 };
  g_autoptr (PsTensor) t3 = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape3, &error);
  g_assert_null (ps_weight_grid_new (t3, &o, &error));
  g_assert_nonnull (strstr (error->message, "2-D"));
  g_clear_error (&error);
  o.robust_q = 0.3;
  g_assert_null (ps_weight_grid_new (w, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

/* Projector mode: text and strokes scaled up; every figure still draws, and its data points stay
 * inside the picture. */
static void
test_projector_scale (void)
{
  const int W = 1000, H = 640;
  LossData d;
  loss_data_init (&d, TRUE);
  d.o.scale = 1.8;
  d.o.show_cursor = TRUE;
  d.o.cursor_step = 300;
  cairo_surface_destroy (render (ps_loss_curve_draw_func, &d.lc, W, H));
  save_sample ("projector-loss.png", W, H, ps_loss_curve_draw_func, &d.lc);
  double x, y;
  g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, 0, &x, &y));
  g_assert_true (x > 0 && x < W && y > 0 && y < H);

  LayerData ld;
  layer_data_init (&ld, FALSE);
  ld.o.scale = 1.8;
  for (int l = 0; l < 2; l++)
    {
      ld.o.layout = l ? PS_LAYER_DIAGNOSTICS_GRID : PS_LAYER_DIAGNOSTICS_OVERLAY;
      cairo_surface_destroy (render (ps_layer_diagnostics_draw_func, &ld.d, W, H));
      g_assert_true (ps_layer_diagnostics_bin_point (&ld.d, W, H, 3, 0, &x, &y));
      g_assert_true (x > 0 && x < W && y > 0 && y < H);
    }
  save_sample ("projector-layers.png", W, H, ps_layer_diagnostics_draw_func, &ld.d);
  layer_data_clear (&ld);
}

static void
test_loss_curve_smoothing (void)
{
  /* TensorBoard's debiased EMA, by hand: w = 0.5, values 4, NaN, 2, 0 */
  int64_t st[4] = { 0, 1, 2, 3 };
  double v[4] = { 4, NAN, 2, 0 }, out[4];
  PsSeries se = { "loss", st, v, 4 };
  ps_series_smooth (&se, 0.5, out);
  g_assert_cmpfloat (out[0], ==, 4);                                    /* 2 / 0.5 */
  g_assert_cmpfloat (out[1], ==, 4);                                    /* NaN skipped */
  g_assert_cmpfloat (fabs (out[2] - (0.5 * 2 + 0.5 * 2) / 0.75), <, 1e-12);  /* m = 2, /(1 − 0.25) */
  g_assert_cmpfloat (fabs (out[3] - (0.5 * 2 + 0) / 0.875), <, 1e-12);
  double nan_first[2] = { NAN, 1 }, o2[2];
  PsSeries s2 = { "x", st, nan_first, 2 };
  ps_series_smooth (&s2, 0.9, o2);
  g_assert_true (isnan (o2[0]));
  g_assert_cmpfloat (fabs (o2[1] - 1), <, 1e-12);

  /* a noisy series: the smoothed line is drawn solid where the EMA is */
  LossData d;
  loss_data_init (&d, FALSE);
  for (int i = 0; i < N_STEPS; i++)
    d.loss[i] += (i % 2 ? 0.25 : -0.25);
  d.lc.n_losses = 1;
  d.lc.n_accuracies = 0;
  d.lc.lr = NULL;
  d.o.smoothing = 0.8;
  const int W = 800, H = 480;
  cairo_surface_t *s = render (ps_loss_curve_draw_func, &d.lc, W, H);
  save_sample ("loss-curve-smoothed.png", W, H, ps_loss_curve_draw_func, &d.lc);
  double sm[N_STEPS];
  ps_series_smooth (&d.losses[0], 0.8, sm);
  for (int i = 10; i < N_STEPS; i += 10)
    {
      double x, y, ys;
      g_assert_true (ps_loss_curve_point (&d.lc, W, H, 0, i, &x, &y));
      g_assert_true (ps_loss_curve_value_y (&d.lc, W, H, 0, sm[i], &ys));
      g_assert_true (near_color (s, x, ys, ps_chart_series_color (0), 12));
      /* the raw zig-zag is faint: not the full colour */
      g_assert_cmpfloat (fabs (ys - y), >, 6);
      g_assert_false (near_color (s, x, y, ps_chart_series_color (0), 12));
    }
  cairo_surface_destroy (s);
}

/* A NaN loss reads "nan" as torch prints it, in the Training page's line and every frame's subtitle
 * (the CLI's frames over sub-steps said "loss -nan": x86 gives 0·inf and inf − inf the sign bit). */
static void
test_printable_nan (void)
{
  volatile double zero = 0.0, inf = INFINITY;
  double neg_nan = zero * inf;     /* the default NaN of x86's SSE: sign bit set */
  double values[] = { neg_nan, -NAN, NAN, 1.5, -2.0, INFINITY, -INFINITY };
  const char *want[] = { "nan", "nan", "nan", "1.5", "-2", "inf", "-inf" };
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "%.5g", ps_train_figures_printable (values[i]));
      g_assert_cmpstr (buf, ==, want[i]);
    }
  char raw[32];
  g_snprintf (raw, sizeof raw, "%.5g", -NAN);
  g_test_message ("printf of a NaN with its sign bit: %s", raw);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  lcg_state = 7;   /* the seed of the draws before a test sets its own */
  g_test_add_func ("/loss-curve/lines", test_loss_curve_lines);
  g_test_add_func ("/loss-curve/nonfinite", test_loss_curve_nonfinite);
  g_test_add_func ("/loss-curve/log", test_loss_curve_log);
  g_test_add_func ("/loss-curve/cursor", test_loss_curve_cursor);
  g_test_add_func ("/loss-curve/degenerate", test_loss_curve_degenerate);
  g_test_add_func ("/loss-curve/smoothing", test_loss_curve_smoothing);
  g_test_add_func ("/ratio-chart/draw", test_ratio_chart);
  g_test_add_func ("/ratio-chart/ratio-of-stds", test_ratio_of_stds);
  g_test_add_func ("/ratio-chart/gap-label-outside", test_ratio_chart_gap_label);
  g_test_add_func ("/layer-diagnostics/shares", test_layer_shares);
  g_test_add_func ("/layer-diagnostics/draw", test_layer_diagnostics);
  g_test_add_func ("/layer-diagnostics/zero-not-warning", test_layer_zero_not_warning);
  g_test_add_func ("/layer-diagnostics/grid-own-ranges", test_layer_grid_own_ranges);
  g_test_add_func ("/layer-diagnostics/saturation-by-class", test_saturation_by_class);
  g_test_add_func ("/decision-boundary/draw", test_decision_boundary);
  g_test_add_func ("/weight-grid/draw", test_weight_grid);
  g_test_add_func ("/figures/projector-scale", test_projector_scale);
  g_test_add_func ("/figures/printable-nan", test_printable_nan);
  return g_test_run ();
}
