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

void
ps_series_smooth (const PsSeries *s, double weight, double *out)
{
  double w = CLAMP (weight, 0.0, 0.999999), m = 0, debias = 1;
  gboolean any = FALSE;
  for (guint i = 0; i < s->n; i++)
    {
      double v = s->values[i];
      if (isfinite (v))
        {
          m = w * m + (1 - w) * v;
          debias *= w;
          any = TRUE;
        }
      out[i] = any ? m / (1 - debias) : NAN;
    }
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


/* ---- legend: items flowed into rows that fit the width ---------------------------------------- */

#define MAX_ITEMS 40

typedef struct {
  gboolean is_line;           /* a line swatch with a label; else a note */
  guint32 color;
  guint dash;
  gboolean bold;
  char text[160];
} Item;

static guint
legend_items (const PsLossCurve *lc, Item *it)
{
  const PsLossCurveOptions *o = lc->o;
  guint n = 0, nonfinite = 0, nonpositive = 0;
  int64_t first_bad = G_MAXINT64;
  for (guint k = 0; k < lc->n_losses && n < MAX_ITEMS - 3; k++)
    {
      const PsSeries *se = &lc->losses[k];
      it[n] = (Item) { TRUE, ps_chart_series_color (k), k, FALSE, "" };
      g_strlcpy (it[n++].text, se->name ? se->name : "loss", sizeof it->text);
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
  for (guint k = 0; k < lc->n_accuracies && n < MAX_ITEMS - 3; k++)
    {
      it[n] = (Item) { TRUE, ps_chart_series_color (lc->n_losses + k), lc->n_losses + k, FALSE, "" };
      g_strlcpy (it[n++].text, lc->accuracies[k].name ? lc->accuracies[k].name : "accuracy", sizeof it->text);
    }
  if (lc->lr != NULL && lc->lr->n > 0)
    {
      it[n] = (Item) { TRUE, PS_LOSS_CURVE_LR_COLOR, 0, FALSE, "" };
      g_strlcpy (it[n++].text, lc->lr->name ? lc->lr->name : "learning rate", sizeof it->text);
    }
  if (nonfinite > 0)
    {
      it[n] = (Item) { FALSE, PS_LOSS_CURVE_NONFINITE_COLOR, 0, TRUE, "" };
      g_snprintf (it[n++].text, sizeof it->text, "▼ %u NaN/Inf (first at step %" G_GINT64_FORMAT ")",
                  nonfinite, first_bad);
    }
  if (o->smoothing > 0)
    {
      it[n] = (Item) { FALSE, PS_PLOT_MUTED, 0, FALSE, "" };
      g_snprintf (it[n++].text, sizeof it->text, "smoothed (EMA %.2g), raw values faint", o->smoothing);
    }
  if (nonpositive > 0)
    {
      it[n] = (Item) { FALSE, PS_PLOT_MUTED, 0, FALSE, "" };
      g_snprintf (it[n++].text, sizeof it->text,
                  g_dngettext (NULL, "%u value ≤ 0 not on the log axis", "%u values ≤ 0 not on the log axis", nonpositive),
                  nonpositive);
    }
  return n;
}

static double
item_width (cairo_t *cr, const Item *it, double s)
{
  ps_plot_set_font (cr, 11.5 * s, it->bold);
  return (it->is_line ? 23 * s : 0) + ps_plot_text_width (cr, it->text) + 16 * s;
}

/* Positions of the items (x and row) between x0 and x1; returns the number of rows. */
static int
legend_flow (cairo_t *cr, const Item *it, guint n, double x0, double x1, double s, double *xs,
             int *rows)
{
  double x = x0;
  int row = 0;
  for (guint i = 0; i < n; i++)
    {
      double w = item_width (cr, &it[i], s);
      if (x > x0 && x + w - 16 * s > x1)
        {
          row++;
          x = x0;
        }
      xs[i] = x;
      rows[i] = row;
      x += w;
    }
  return n ? row + 1 : 1;
}

static int
legend_rows (const PsLossCurve *lc, double x0, double x1, double s)
{
  Item it[MAX_ITEMS];
  double xs[MAX_ITEMS];
  int rows[MAX_ITEMS];
  guint n = legend_items (lc, it);
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (surf);
  int r = legend_flow (cr, it, n, x0, x1, s, xs, rows);
  cairo_destroy (cr);
  cairo_surface_destroy (surf);
  return r;
}

#define LEGEND_ROW 18

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
  double x0 = pad + 70 * s, x1 = width - pad - (L->has_lr ? 76 * s : 12 * s);
  int rows = legend_rows (lc, x0, width - pad, s);
  double top = L->legend_y + (rows - 1) * LEGEND_ROW * s + 16 * s;
  double bottom = height - pad - 36 * s;

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

/* A series as a line in its colour and dash; with smoothing, the raw line faint under the EMA. */
static void
stroke_series (cairo_t *cr, const PsChartAxes *a, const PsSeries *se, guint k, double smoothing)
{
  double s = a->scale;
  guint32 color = ps_chart_series_color (k);
  cairo_save (cr);
  ps_chart_series_dash (cr, k, s);
  if (smoothing > 0 && se->n > 0)
    {
      series_path (cr, a, se, FALSE);
      cairo_set_source_rgba (cr, ((color >> 16) & 255) / 255.0, ((color >> 8) & 255) / 255.0,
                             (color & 255) / 255.0, 0.28);
      cairo_set_line_width (cr, 1.2 * s);
      cairo_stroke (cr);
      double *sm = g_new (double, se->n);
      ps_series_smooth (se, smoothing, sm);
      PsSeries ss = { se->name, se->steps, sm, se->n };
      series_path (cr, a, &ss, FALSE);
      ps_color_set_source (cr, color);
      cairo_set_line_width (cr, 2 * s);
      cairo_stroke (cr);
      g_free (sm);
    }
  else
    {
      series_path (cr, a, se, FALSE);
      ps_color_set_source (cr, color);
      cairo_set_line_width (cr, 2 * s);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
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
  {
    Item it[MAX_ITEMS];
    double xs[MAX_ITEMS];
    int rows[MAX_ITEMS];
    guint n = legend_items (lc, it);
    legend_flow (cr, it, n, L.loss.x0, width - pad, s, xs, rows);
    for (guint i = 0; i < n; i++)
      {
        double lx = xs[i], ly = L.legend_y + rows[i] * LEGEND_ROW * s;
        if (it[i].is_line)
          legend_line (cr, &lx, ly, it[i].color, it[i].dash, it[i].text, s);
        else
          {
            ps_plot_set_font (cr, 11.5 * s, it[i].bold);
            ps_color_set_source (cr, it[i].color);
            ps_plot_text (cr, lx, ly, it[i].text, PS_ALIGN_START, PS_ALIGN_CENTER);
          }
      }
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
    stroke_series (cr, &L.loss, &lc->losses[k], k, o->smoothing);
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
        stroke_series (cr, &L.acc, &lc->accuracies[k], lc->n_losses + k, o->smoothing);
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
      /* the values at the cursor, one line each, in a box beside the cursor */
      GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (lines, g_strdup_printf ("step %" G_GINT64_FORMAT, o->cursor_step));
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
          g_ptr_array_add (lines, g_strdup_printf ("%s %s", se->name ? se->name : (is_acc ? "accuracy" : "loss"), v));
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
              g_ptr_array_add (lines, g_strdup_printf ("%s %s", lc->lr->name ? lc->lr->name : "learning rate", v));
            }
        }
      double line_h = 15 * s, tw = 0;
      for (guint i = 0; i < lines->len; i++)
        {
          ps_plot_set_font (cr, 11 * s, i == 0);
          tw = MAX (tw, ps_plot_text_width (cr, g_ptr_array_index (lines, i)));
        }
      double bw = tw + 10 * s, bh = lines->len * line_h + 6 * s;
      double bx0 = x + 8 * s;
      if (bx0 + bw > L.loss.x1)
        bx0 = MAX (L.loss.x0 + 2 * s, x - 8 * s - bw);
      double by0 = L.loss.y0 + 10 * s;
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_rectangle (cr, bx0, by0, bw, bh);
      cairo_fill_preserve (cr);
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_set_line_width (cr, 1 * s);
      cairo_stroke (cr);
      for (guint i = 0; i < lines->len; i++)
        {
          ps_plot_set_font (cr, 11 * s, i == 0);
          ps_color_set_source (cr, PS_PLOT_FG);
          ps_plot_text (cr, bx0 + 5 * s, by0 + 3 * s + (i + 0.5) * line_h, g_ptr_array_index (lines, i),
                        PS_ALIGN_START, PS_ALIGN_CENTER);
        }
      g_ptr_array_unref (lines);
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

gboolean
ps_loss_curve_value_y (const PsLossCurve *lc, double width, double height, guint k, double value,
                       double *y)
{
  if (k >= lc->n_losses + lc->n_accuracies)
    return FALSE;
  Layout L;
  layout (lc, width, height, &L);
  *y = ps_chart_y (k >= lc->n_losses ? &L.acc : &L.loss, value);
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
