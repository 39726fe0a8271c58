/* ps-loss-curve.c — see ps-loss-curve.h. */
#include "ps-loss-curve.h"
#include "ps-chart-axes.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_loss_curve_options_init (PsLossCurveOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
}

guint
ps_series_count_nonfinite (const PsSeries *s)
{
  guint c = 0;
  for (guint i = 0; i < s->n; i++)
    c += !isfinite (s->values[i]);
  return c;
}

typedef struct {
  PsChartAxes loss, acc, lr;
  gboolean has_acc, has_lr, lr_log;
  double legend_y;
} Layout;

static void
step_range (const PsSeries *s, guint n, double *lo, double *hi)
{
  for (guint k = 0; k < n; k++)
    if (s[k].n > 0)
      {
        *lo = MIN (*lo, (double) s[k].steps[0]);
        *hi = MAX (*hi, (double) s[k].steps[s[k].n - 1]);
      }
}

static void
layout (const PsLossCurve *lc, double width, double height, Layout *L)
{
  const PsLossCurveOptions *o = lc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  memset (L, 0, sizeof *L);
  L->has_acc = lc->n_accuracies > 0;
  L->has_lr = lc->lr != NULL && lc->lr->n > 0;
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  L->legend_y = pad + hh + 8 * s;
  double top = L->legend_y + 16 * s;
  double bottom = height - pad - 36 * s;
  double x0 = pad + 70 * s, x1 = width - pad - (L->has_lr ? 76 * s : 12 * s);

  double smin = INFINITY, smax = -INFINITY;
  step_range (lc->losses, lc->n_losses, &smin, &smax);
  step_range (lc->accuracies, lc->n_accuracies, &smin, &smax);
  if (L->has_lr)
    step_range (lc->lr, 1, &smin, &smax);
  if (!(smax >= smin))
    {
      smin = 0;
      smax = 1;
    }
  if (smax == smin)
    {
      smin -= 0.5;
      smax += 0.5;
    }

  double split = L->has_acc ? top + (bottom - top) * 0.68 : bottom;
  PsChartAxes base = { x0, x1, top, split, smin, smax, 0, 1, FALSE, s };
  L->loss = base;
  L->loss.log_y = o->log_y;
  double lo = INFINITY, hi = -INFINITY;
  for (guint k = 0; k < lc->n_losses; k++)
    for (guint i = 0; i < lc->losses[k].n; i++)
      ps_chart_range_add (&lo, &hi, lc->losses[k].values[i], o->log_y);
  if (!o->log_y && hi >= lo && lo >= 0)
    lo = 0;   /* a loss is read against zero */
  ps_chart_range_finish (&lo, &hi, o->log_y, 0.04);
  L->loss.ymin = lo;
  L->loss.ymax = hi;

  if (L->has_acc)
    {
      L->acc = base;
      L->acc.y0 = split + 18 * s;
      L->acc.y1 = bottom;
      L->acc.ymin = 0;
      L->acc.ymax = 1;
    }
  if (L->has_lr)
    {
      L->lr = base;
      double llo = INFINITY, lhi = -INFINITY;
      for (guint i = 0; i < lc->lr->n; i++)
        ps_chart_range_add (&llo, &lhi, lc->lr->values[i], FALSE);
      L->lr_log = llo > 0 && lhi / llo > 20;
      L->lr.log_y = L->lr_log;
      if (!L->lr_log && lhi >= llo && llo >= 0)
        llo = 0;
      ps_chart_range_finish (&llo, &lhi, L->lr_log, 0.06);
      L->lr.ymin = llo;
      L->lr.ymax = lhi;
    }
}

/* A polyline that breaks at values with no place on the axis. */
static void
series_path (cairo_t *cr, const PsChartAxes *a, const PsSeries *se, gboolean staircase)
{
  gboolean pen = FALSE;
  double prev_y = 0;
  for (guint i = 0; i < se->n; i++)
    {
      double x = ps_chart_x (a, (double) se->steps[i]), y = ps_chart_y (a, se->values[i]);
      if (isnan (y))
        {
          pen = FALSE;
          continue;
        }
      if (!pen)
        cairo_move_to (cr, x, y);
      else
        {
          if (staircase)
            cairo_line_to (cr, x, prev_y);
          cairo_line_to (cr, x, y);
        }
      /* a lone point still shows */
      gboolean next_ok = i + 1 < se->n && !isnan (ps_chart_y (a, se->values[i + 1]));
      if (!pen && !next_ok)
        {
          cairo_arc (cr, x, y, 1.8 * a->scale, 0, 2 * G_PI);
          cairo_move_to (cr, x, y);
        }
      pen = TRUE;
      prev_y = y;
    }
}

static void
legend_line (cairo_t *cr, double *x, double y, guint32 color, guint dash_i, const char *label,
             double s)
{
  cairo_save (cr);
  ps_color_set_source (cr, color);
  cairo_set_line_width (cr, 2.2 * s);
  ps_chart_series_dash (cr, dash_i, s);
  cairo_move_to (cr, *x, y);
  cairo_line_to (cr, *x + 18 * s, y);
  cairo_stroke (cr);
  cairo_restore (cr);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  ps_color_set_source (cr, PS_PLOT_FG);
  ps_plot_text (cr, *x + 23 * s, y, label, PS_ALIGN_START, PS_ALIGN_CENTER);
  *x += 23 * s + ps_plot_text_width (cr, label) + 16 * s;
}

/* Value of a series at `step`: the last recorded step ≤ step (index), or −1. */
static int
index_at (const PsSeries *se, int64_t step)
{
  int lo = -1;
  for (guint i = 0; i < se->n && se->steps[i] <= step; i++)
    lo = (int) i;
  return lo;
}

static void
draw_nonfinite_marks (cairo_t *cr, const PsChartAxes *a, const PsSeries *se)
{
  double s = a->scale;
  for (guint i = 0; i < se->n; i++)
    {
      if (isfinite (se->values[i]))
        continue;
      double x = ps_chart_x (a, (double) se->steps[i]);
      ps_color_set_source (cr, PS_LOSS_CURVE_NONFINITE_COLOR);
      /* a downward triangle on the top edge and a faint line through the plot */
      cairo_move_to (cr, x - 5 * s, a->y0);
      cairo_line_to (cr, x + 5 * s, a->y0);
      cairo_line_to (cr, x, a->y0 + 8 * s);
      cairo_close_path (cr);
      cairo_fill (cr);
      cairo_save (cr);
      cairo_set_source_rgba (cr, 0.84, 0.15, 0.16, 0.35);
      cairo_set_line_width (cr, 1 * s);
      cairo_move_to (cr, x, a->y0 + 8 * s);
      cairo_line_to (cr, x, a->y1);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
}

void
ps_loss_curve_draw (const PsLossCurve *lc, cairo_t *cr, double width, double height)
{
  const PsLossCurveOptions *o = lc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  Layout L;
  layout (lc, width, height, &L);
  if (L.loss.x1 - L.loss.x0 < 20 * s || L.loss.y1 - L.loss.y0 < 20 * s)
    {
      cairo_restore (cr);
      return;
    }

  /* legend */
  double lx = L.loss.x0;
  guint nonfinite = 0, nonpositive = 0;
  int64_t first_bad = G_MAXINT64;
  for (guint k = 0; k < lc->n_losses; k++)
    {
      const PsSeries *se = &lc->losses[k];
      legend_line (cr, &lx, L.legend_y, ps_chart_series_color (k), k, se->name ? se->name : "loss", s);
      for (guint i = 0; i < se->n; i++)
        {
          if (!isfinite (se->values[i]))
            {
              nonfinite++;
              first_bad = MIN (first_bad, se->steps[i]);
            }
          else if (o->log_y && !(se->values[i] > 0))
            nonpositive++;
        }
    }
  for (guint k = 0; k < lc->n_accuracies; k++)
    legend_line (cr, &lx, L.legend_y, ps_chart_series_color (lc->n_losses + k), lc->n_losses + k,
                 lc->accuracies[k].name ? lc->accuracies[k].name : "accuracy", s);
  if (L.has_lr)
    legend_line (cr, &lx, L.legend_y, PS_LOSS_CURVE_LR_COLOR, 0,
                 lc->lr->name ? lc->lr->name : "learning rate", s);
  if (nonfinite > 0)
    {
      char buf[128];
      g_snprintf (buf, sizeof buf, "▼ %u NaN/Inf (first at step %" G_GINT64_FORMAT ")", nonfinite,
                  first_bad);
      ps_plot_set_font (cr, 11.5 * s, TRUE);
      ps_color_set_source (cr, PS_LOSS_CURVE_NONFINITE_COLOR);
      ps_plot_text (cr, lx, L.legend_y, buf, PS_ALIGN_START, PS_ALIGN_CENTER);
      lx += ps_plot_text_width (cr, buf) + 16 * s;
    }
  if (nonpositive > 0)
    {
      char buf[96];
      g_snprintf (buf, sizeof buf, "%u values ≤ 0 not on the log axis", nonpositive);
      ps_plot_set_font (cr, 11.5 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_MUTED);
      ps_plot_text (cr, lx, L.legend_y, buf, PS_ALIGN_START, PS_ALIGN_CENTER);
    }

  /* loss panel */
  ps_chart_x_axis (cr, &L.loss, "step", TRUE, !L.has_acc);
  ps_chart_y_axis (cr, &L.loss, 0, o->log_y ? "loss (log scale)" : "loss", PS_PLOT_FG, TRUE);
  if (L.has_lr)
    {
      ps_chart_y_axis (cr, &L.lr, 1, L.lr_log ? "learning rate (log)" : "learning rate",
                       PS_LOSS_CURVE_LR_COLOR, FALSE);
      cairo_save (cr);
      cairo_rectangle (cr, L.lr.x0, L.lr.y0, L.lr.x1 - L.lr.x0, L.lr.y1 - L.lr.y0);
      cairo_clip (cr);
      series_path (cr, &L.lr, lc->lr, TRUE);
      ps_color_set_source (cr, PS_LOSS_CURVE_LR_COLOR);
      cairo_set_line_width (cr, 1.6 * s);
      double d[2] = { 4 * s, 3 * s };
      cairo_set_dash (cr, d, 2, 0);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  cairo_save (cr);
  cairo_rectangle (cr, L.loss.x0, L.loss.y0, L.loss.x1 - L.loss.x0, L.loss.y1 - L.loss.y0);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint k = 0; k < lc->n_losses; k++)
    {
      series_path (cr, &L.loss, &lc->losses[k], FALSE);
      ps_color_set_source (cr, ps_chart_series_color (k));
      cairo_set_line_width (cr, 2 * s);
      ps_chart_series_dash (cr, k, s);
      cairo_stroke (cr);
    }
  cairo_set_dash (cr, NULL, 0, 0);
  for (guint k = 0; k < lc->n_losses; k++)
    draw_nonfinite_marks (cr, &L.loss, &lc->losses[k]);
  cairo_restore (cr);
  ps_chart_frame (cr, &L.loss);

  /* accuracy panel */
  if (L.has_acc)
    {
      ps_chart_x_axis (cr, &L.acc, "step", TRUE, TRUE);
      ps_chart_y_axis (cr, &L.acc, 0, "accuracy", PS_PLOT_FG, TRUE);
      cairo_save (cr);
      cairo_rectangle (cr, L.acc.x0, L.acc.y0, L.acc.x1 - L.acc.x0, L.acc.y1 - L.acc.y0);
      cairo_clip (cr);
      for (guint k = 0; k < lc->n_accuracies; k++)
        {
          series_path (cr, &L.acc, &lc->accuracies[k], FALSE);
          ps_color_set_source (cr, ps_chart_series_color (lc->n_losses + k));
          cairo_set_line_width (cr, 2 * s);
          ps_chart_series_dash (cr, lc->n_losses + k, s);
          cairo_stroke (cr);
        }
      cairo_set_dash (cr, NULL, 0, 0);
      for (guint k = 0; k < lc->n_accuracies; k++)
        draw_nonfinite_marks (cr, &L.acc, &lc->accuracies[k]);
      cairo_restore (cr);
      ps_chart_frame (cr, &L.acc);
    }

  /* step cursor with the values at that step */
  if (o->show_cursor && o->cursor_step >= L.loss.xmin && o->cursor_step <= L.loss.xmax)
    {
      double x = ps_chart_x (&L.loss, (double) o->cursor_step);
      double yb = L.has_acc ? L.acc.y1 : L.loss.y1;
      ps_color_set_source (cr, 0xff303030u);
      cairo_set_line_width (cr, 1.4 * s);
      cairo_move_to (cr, x, L.loss.y0);
      cairo_line_to (cr, x, yb);
      cairo_stroke (cr);
      GString *label = g_string_new (NULL);
      g_string_append_printf (label, "step %" G_GINT64_FORMAT, o->cursor_step);
      for (guint k = 0; k < lc->n_losses + lc->n_accuracies; k++)
        {
          gboolean is_acc = k >= lc->n_losses;
          const PsSeries *se = is_acc ? &lc->accuracies[k - lc->n_losses] : &lc->losses[k];
          int i = index_at (se, o->cursor_step);
          if (i < 0)
            continue;
          char v[64];
          if (is_acc && isfinite (se->values[i]))
            g_snprintf (v, sizeof v, "%.1f %%", 100 * se->values[i]);
          else
            ps_plot_format_value (se->values[i], v, sizeof v);
          g_string_append_printf (label, " · %s %s", se->name ? se->name : (is_acc ? "accuracy" : "loss"), v);
          const PsChartAxes *a = is_acc ? &L.acc : &L.loss;
          double py = ps_chart_y (a, se->values[i]);
          if (isfinite (py))
            {
              ps_color_set_source (cr, ps_chart_series_color (k));
              cairo_arc (cr, ps_chart_x (a, (double) se->steps[i]), py, 3.5 * s, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
      if (L.has_lr)
        {
          int i = index_at (lc->lr, o->cursor_step);
          if (i >= 0)
            {
              char v[64];
              ps_plot_format_value (lc->lr->values[i], v, sizeof v);
              g_string_append_printf (label, " · lr %s", v);
            }
        }
      ps_plot_set_font (cr, 11 * s, TRUE);
      double tw = ps_plot_text_width (cr, label->str);
      double bx0 = x + 6 * s;
      if (bx0 + tw + 8 * s > L.loss.x1)
        bx0 = MAX (L.loss.x0, x - 6 * s - tw - 8 * s);
      double by0 = L.loss.y0 + 12 * s;
      cairo_set_source_rgba (cr, 1, 1, 1, 0.88);
      cairo_rectangle (cr, bx0, by0 - 8 * s, tw + 8 * s, 16 * s);
      cairo_fill (cr);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, bx0 + 4 * s, by0, label->str, PS_ALIGN_START, PS_ALIGN_CENTER);
      g_string_free (label, TRUE);
    }
  cairo_restore (cr);
}

void
ps_loss_curve_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_loss_curve_draw (data, cr, width, height);
}

gboolean
ps_loss_curve_step_x (const PsLossCurve *lc, double width, double height, int64_t step, double *x)
{
  Layout L;
  layout (lc, width, height, &L);
  if (step < L.loss.xmin || step > L.loss.xmax)
    return FALSE;
  *x = ps_chart_x (&L.loss, (double) step);
  return TRUE;
}

gboolean
ps_loss_curve_point (const PsLossCurve *lc, double width, double height, guint k, guint i,
                     double *x, double *y)
{
  Layout L;
  layout (lc, width, height, &L);
  gboolean is_acc = k >= lc->n_losses;
  if (k >= lc->n_losses + lc->n_accuracies)
    return FALSE;
  const PsSeries *se = is_acc ? &lc->accuracies[k - lc->n_losses] : &lc->losses[k];
  if (i >= se->n)
    return FALSE;
  const PsChartAxes *a = is_acc ? &L.acc : &L.loss;
  *x = ps_chart_x (a, (double) se->steps[i]);
  *y = ps_chart_y (a, se->values[i]);
  return isfinite (*y);
}

static void
nearest_in (const PsSeries *se, double v, double *best_d, int64_t *best)
{
  for (guint i = 0; i < se->n; i++)
    {
      double d = fabs ((double) se->steps[i] - v);
      if (d < *best_d)
        {
          *best_d = d;
          *best = se->steps[i];
        }
    }
}

gboolean
ps_loss_curve_step_at (const PsLossCurve *lc, double width, double height, double x, double y,
                       int64_t *step)
{
  Layout L;
  layout (lc, width, height, &L);
  double yb = L.has_acc ? L.acc.y1 : L.loss.y1;
  if (x < L.loss.x0 || x > L.loss.x1 || y < L.loss.y0 || y > yb)
    return FALSE;
  double v = ps_chart_x_value (&L.loss, x), best_d = INFINITY;
  for (guint k = 0; k < lc->n_losses; k++)
    nearest_in (&lc->losses[k], v, &best_d, step);
  for (guint k = 0; k < lc->n_accuracies; k++)
    nearest_in (&lc->accuracies[k], v, &best_d, step);
  if (L.has_lr)
    nearest_in (lc->lr, v, &best_d, step);
  return isfinite (best_d);
}
