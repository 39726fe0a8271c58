/* ps-ratio-chart.c — see ps-ratio-chart.h. */
#include "ps-ratio-chart.h"
#include "ps-chart-axes.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

#define GUIDE_COLOR 0xff555555u

void
ps_ratio_chart_options_init (PsRatioChartOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->guide = 1e-3;
}

double
ps_ratio_of_stds (const PsStats *num, const PsStats *data)
{
  if (num->n_nan || num->n_posinf || num->n_neginf || data->n_nan || data->n_posinf || data->n_neginf)
    return NAN;
  if (!(data->std_pop > 0) || !isfinite (data->std_pop) || !isfinite (num->std_pop))
    return NAN;
  return num->std_pop / data->std_pop;
}

guint32
ps_ratio_chart_color (guint param)
{
  return ps_chart_series_color (param);
}

typedef struct {
  PsChartAxes panel[2];
  gboolean shown[2];
  double legend_x, legend_w;
  guint bad[2];              /* ratios with no log10 (gaps) per panel */
  double note_h;             /* the line above a panel that counts its gaps */
} Layout;

static const double *
ratios (const PsRatioChart *rc, int k)
{
  return k == PS_RATIO_GRAD ? rc->grad_ratio : rc->update_ratio;
}

static double
legend_width (const PsRatioChart *rc, double s)
{
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (surf);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  double w = 0;
  for (guint p = 0; p < rc->n_params; p++)
    w = MAX (w, ps_plot_text_width (cr, rc->names && rc->names[p] ? rc->names[p] : "?"));
  cairo_destroy (cr);
  cairo_surface_destroy (surf);
  return MIN (w, 220 * s) + 34 * s;
}

static guint
count_gaps (const PsRatioChart *rc, int k)
{
  const double *r = ratios (rc, k);
  guint bad = 0;
  for (gsize i = 0; r != NULL && i < (gsize) rc->n_params * rc->n_steps; i++)
    bad += !(r[i] > 0 && isfinite (r[i]));
  return bad;
}

static void
layout (const PsRatioChart *rc, double width, double height, Layout *L)
{
  const PsRatioChartOptions *o = rc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  memset (L, 0, sizeof *L);
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  L->legend_w = rc->n_params ? legend_width (rc, s) : 0;
  double x0 = pad + 62 * s, x1 = width - pad - L->legend_w - 10 * s;
  L->legend_x = x1 + 14 * s;
  double top = pad + hh + 10 * s, bottom = height - pad - 36 * s;
  L->shown[0] = rc->grad_ratio != NULL;
  L->shown[1] = rc->update_ratio != NULL;
  int n_panels = L->shown[0] + L->shown[1];
  double gap = 26 * s;
  /* a panel with gaps says how many on a line of its own above it, never over its curves */
  L->note_h = 15 * s;
  double notes = 0;
  for (int k = 0; k < 2; k++)
    {
      L->bad[k] = L->shown[k] ? count_gaps (rc, k) : 0;
      notes += L->bad[k] ? L->note_h : 0;
    }
  double ph = n_panels ? (bottom - top - notes - (n_panels - 1) * gap) / n_panels : 0;
  double smin = rc->n_steps ? (double) rc->steps[0] : 0;
  double smax = rc->n_steps ? (double) rc->steps[rc->n_steps - 1] : 1;
  if (smax <= smin)
    {
      smin -= 0.5;
      smax += 0.5;
    }
  double y = top;
  for (int k = 0; k < 2; k++)
    {
      if (!L->shown[k])
        continue;
      if (L->bad[k])
        y += L->note_h;
      double lo = INFINITY, hi = -INFINITY;
      const double *r = ratios (rc, k);
      for (gsize i = 0; i < (gsize) rc->n_params * rc->n_steps; i++)
        if (r[i] > 0 && isfinite (r[i]))
          ps_chart_range_add (&lo, &hi, log10 (r[i]), FALSE);
      if (o->guide > 0)
        ps_chart_range_add (&lo, &hi, log10 (o->guide), FALSE);
      if (hi >= lo)
        {
          /* whole decades, at least two */
          lo = floor (lo - 0.25);
          hi = ceil (hi + 0.25);
        }
      ps_chart_range_finish (&lo, &hi, FALSE, 0);
      L->panel[k] = (PsChartAxes) { x0, x1, y, y + ph, smin, smax, lo, hi, FALSE, s };
      y += ph + gap;
    }
}

static void
draw_panel (const PsRatioChart *rc, cairo_t *cr, const PsChartAxes *a, int k, gboolean last, guint bad)
{
  const PsRatioChartOptions *o = rc->o;
  double s = a->scale;
  ps_chart_x_axis (cr, a, "step", TRUE, last);
  ps_chart_y_axis (cr, a, 0, k == PS_RATIO_GRAD ? "log10(grad / data)" : "log10(update / data)",
                   PS_PLOT_FG, TRUE);
  const double *r = ratios (rc, k);
  cairo_save (cr);
  cairo_rectangle (cr, a->x0, a->y0, a->x1 - a->x0, a->y1 - a->y0);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint p = 0; p < rc->n_params; p++)
    {
      gboolean pen = FALSE;
      for (guint i = 0; i < rc->n_steps; i++)
        {
          double v = r[(gsize) p * rc->n_steps + i];
          if (!(v > 0) || !isfinite (v))
            {
              pen = FALSE;
              continue;
            }
          double x = ps_chart_x (a, (double) rc->steps[i]), y = ps_chart_y (a, log10 (v));
          if (!pen)
            {
              cairo_move_to (cr, x, y);
              double nv = i + 1 < rc->n_steps ? r[(gsize) p * rc->n_steps + i + 1] : NAN;
              if (!(nv > 0) || !isfinite (nv))
                {
                  cairo_arc (cr, x, y, 1.8 * s, 0, 2 * G_PI);
                  cairo_move_to (cr, x, y);
                }
            }
          else
            cairo_line_to (cr, x, y);
          pen = TRUE;
        }
      ps_color_set_source (cr, ps_ratio_chart_color (p));
      cairo_set_line_width (cr, 1.8 * s);
      ps_chart_series_dash (cr, p, s);
      cairo_stroke (cr);
    }
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_restore (cr);
  if (o->guide > 0)
    {
      char label[64];
      double e = log10 (o->guide);
      if (fabs (e - round (e)) < 1e-9)
        g_snprintf (label, sizeof label, "guide 1e%d", (int) round (e));
      else
        g_snprintf (label, sizeof label, "guide %g", o->guide);
      ps_chart_guide (cr, a, log10 (o->guide), label, GUIDE_COLOR);
    }
  if (o->show_cursor && o->cursor_step >= a->xmin && o->cursor_step <= a->xmax)
    {
      double x = ps_chart_x (a, (double) o->cursor_step);
      ps_color_set_source (cr, 0xff303030u);
      cairo_set_line_width (cr, 1.4 * s);
      cairo_move_to (cr, x, a->y0);
      cairo_line_to (cr, x, a->y1);
      cairo_stroke (cr);
    }
  ps_chart_frame (cr, a);
  /* gaps counted, on the line layout() left above the panel */
  if (bad)
    {
      char buf[96];
      g_snprintf (buf, sizeof buf, g_dngettext (NULL, "%u ratio NaN, Inf or 0 (gap)", "%u ratios NaN, Inf or 0 (gaps)", bad), bad);
      ps_plot_set_font (cr, 11 * s, TRUE);
      ps_color_set_source (cr, 0xffd62728u);
      ps_plot_text (cr, a->x0, a->y0 - 3 * s, buf, PS_ALIGN_START, PS_ALIGN_END);
    }
}

static void
ps_ratio_chart_draw (const PsRatioChart *rc, cairo_t *cr, double width, double height)
{
  const PsRatioChartOptions *o = rc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  Layout L;
  layout (rc, width, height, &L);
  int last = L.shown[1] ? 1 : 0;
  for (int k = 0; k < 2; k++)
    if (L.shown[k] && L.panel[k].x1 - L.panel[k].x0 > 20 * s && L.panel[k].y1 - L.panel[k].y0 > 20 * s)
      draw_panel (rc, cr, &L.panel[k], k, k == last, L.bad[k]);

  /* legend: one row per parameter */
  double y0 = L.shown[0] ? L.panel[0].y0 : L.panel[1].y0;
  double row = 18 * s;
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  for (guint p = 0; p < rc->n_params; p++)
    {
      double y = y0 + 8 * s + p * row;
      if (y > height - pad)
        {
          ps_color_set_source (cr, PS_PLOT_MUTED);
          char more[64];
          g_snprintf (more, sizeof more, "… %u more", rc->n_params - p);
          ps_plot_text (cr, L.legend_x, y, more, PS_ALIGN_START, PS_ALIGN_CENTER);
          break;
        }
      cairo_save (cr);
      ps_color_set_source (cr, ps_ratio_chart_color (p));
      cairo_set_line_width (cr, 2.2 * s);
      ps_chart_series_dash (cr, p, s);
      cairo_move_to (cr, L.legend_x, y);
      cairo_line_to (cr, L.legend_x + 20 * s, y);
      cairo_stroke (cr);
      cairo_restore (cr);
      ps_color_set_source (cr, PS_PLOT_FG);
      const char *name = rc->names && rc->names[p] ? rc->names[p] : "?";
      cairo_save (cr);
      cairo_rectangle (cr, L.legend_x + 24 * s, y - row, width - pad - L.legend_x - 24 * s, 2 * row);
      cairo_clip (cr);
      ps_plot_text (cr, L.legend_x + 26 * s, y, name, PS_ALIGN_START, PS_ALIGN_CENTER);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

void
ps_ratio_chart_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_ratio_chart_draw (data, cr, width, height);
}

gboolean
ps_ratio_chart_point (const PsRatioChart *rc, double width, double height, PsRatioKind kind,
                      guint param, guint i, double *x, double *y)
{
  Layout L;
  layout (rc, width, height, &L);
  if (!L.shown[kind] || param >= rc->n_params || i >= rc->n_steps)
    return FALSE;
  double v = ratios (rc, kind)[(gsize) param * rc->n_steps + i];
  if (!(v > 0) || !isfinite (v))
    return FALSE;
  *x = ps_chart_x (&L.panel[kind], (double) rc->steps[i]);
  *y = ps_chart_y (&L.panel[kind], log10 (v));
  return TRUE;
}

gboolean
ps_ratio_chart_panel (const PsRatioChart *rc, double width, double height, PsRatioKind kind,
                      double *x0, double *y0, double *x1, double *y1)
{
  Layout L;
  layout (rc, width, height, &L);
  if (!L.shown[kind])
    return FALSE;
  *x0 = L.panel[kind].x0;
  *y0 = L.panel[kind].y0;
  *x1 = L.panel[kind].x1;
  *y1 = L.panel[kind].y1;
  return TRUE;
}

gboolean
ps_ratio_chart_guide_y (const PsRatioChart *rc, double width, double height, PsRatioKind kind,
                        double *y)
{
  Layout L;
  layout (rc, width, height, &L);
  if (!L.shown[kind] || !(rc->o->guide > 0))
    return FALSE;
  *y = ps_chart_y (&L.panel[kind], log10 (rc->o->guide));
  return TRUE;
}

gboolean
ps_ratio_chart_hit (const PsRatioChart *rc, double width, double height, double x, double y,
                    PsRatioKind *kind, guint *param, guint *step_index)
{
  Layout L;
  layout (rc, width, height, &L);
  double s = rc->o->scale > 0 ? rc->o->scale : 1;
  for (int k = 0; k < 2; k++)
    {
      const PsChartAxes *a = &L.panel[k];
      if (!L.shown[k] || rc->n_steps == 0 || x < a->x0 || x > a->x1 || y < a->y0 || y > a->y1)
        continue;
      guint best_i = 0;
      for (guint i = 1; i < rc->n_steps; i++)
        if (fabs (ps_chart_x (a, (double) rc->steps[i]) - x) <
            fabs (ps_chart_x (a, (double) rc->steps[best_i]) - x))
          best_i = i;
      const double *r = ratios (rc, k);
      double best_d = 12 * s;
      gboolean found = FALSE;
      for (guint p = 0; p < rc->n_params; p++)
        {
          double v = r[(gsize) p * rc->n_steps + best_i];
          if (!(v > 0) || !isfinite (v))
            continue;
          double d = fabs (ps_chart_y (a, log10 (v)) - y);
          if (d <= best_d)
            {
              best_d = d;
              *param = p;
              found = TRUE;
            }
        }
      if (!found)
        return FALSE;
      *kind = (PsRatioKind) k;
      *step_index = best_i;
      return TRUE;
    }
  return FALSE;
}
