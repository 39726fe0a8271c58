/* ps-chart-axes.c — see ps-chart-axes.h. */
#include "ps-chart-axes.h"
#include "ps-plot.h"

#include <math.h>

void
ps_chart_range_add (double *lo, double *hi, double v, gboolean log)
{
  if (!isfinite (v) || (log && !(v > 0)))
    return;
  *lo = MIN (*lo, v);
  *hi = MAX (*hi, v);
}

void
ps_chart_range_finish (double *lo, double *hi, gboolean log, double pad)
{
  if (log)
    {
      if (!(*hi >= *lo))
        {
          *lo = 1e-3;
          *hi = 1;
        }
      double l = floor (log10 (*lo)), h = ceil (log10 (*hi));
      if (h <= l)
        h = l + 1;
      *lo = l;
      *hi = h;
      return;
    }
  if (!(*hi >= *lo))
    {
      *lo = 0;
      *hi = 1;
      return;
    }
  if (*hi == *lo)
    {
      double d = *lo == 0 ? 1 : fabs (*lo) * 0.1;
      *lo -= d;
      *hi += d;
      return;
    }
  double m = (*hi - *lo) * pad;
  *lo -= m;
  *hi += m;
}

double
ps_chart_x (const PsChartAxes *a, double v)
{
  return a->x0 + (v - a->xmin) / (a->xmax - a->xmin) * (a->x1 - a->x0);
}

double
ps_chart_x_value (const PsChartAxes *a, double x)
{
  return a->xmin + (x - a->x0) / (a->x1 - a->x0) * (a->xmax - a->xmin);
}

double
ps_chart_y (const PsChartAxes *a, double v)
{
  if (a->log_y)
    {
      if (!(v > 0) || !isfinite (v))
        return NAN;
      v = log10 (v);
    }
  else if (!isfinite (v))
    return NAN;
  return a->y1 - (v - a->ymin) / (a->ymax - a->ymin) * (a->y1 - a->y0);
}

static void
format_log_tick (double e, char *buf, gsize len)
{
  double v = pow (10, e);
  if (e >= -4 && e <= 4)
    {
      char tmp[32];
      g_snprintf (tmp, sizeof tmp, "%.*f", e < 0 ? (int) -e : 0, v);
      g_strlcpy (buf, tmp, len);
    }
  else
    g_snprintf (buf, len, "1e%+d", (int) e);
}

void
ps_chart_y_axis (cairo_t *cr, const PsChartAxes *a, int side, const char *title, guint32 color,
                 gboolean grid)
{
  double s = a->scale, ticks[PS_PLOT_MAX_TICKS], step;
  int want = MAX (2, MIN (10, (int) ((a->y1 - a->y0) / (34 * s))));
  int n = ps_plot_nice_ticks (a->ymin, a->ymax, want, ticks, &step);
  if (a->log_y && step < 1)
    n = ps_plot_nice_ticks (a->ymin, a->ymax, (int) (a->ymax - a->ymin) + 1, ticks, &step);
  ps_plot_set_font (cr, 11 * s, FALSE);
  cairo_set_line_width (cr, 1 * s);
  double label_w = 0;
  for (int i = 0; i < n; i++)
    {
      char buf[64];
      double y = a->y1 - (ticks[i] - a->ymin) / (a->ymax - a->ymin) * (a->y1 - a->y0);
      if (a->log_y)
        format_log_tick (ticks[i], buf, sizeof buf);
      else
        ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      if (grid)
        {
          ps_color_set_source (cr, PS_PLOT_GRID);
          cairo_move_to (cr, a->x0, y);
          cairo_line_to (cr, a->x1, y);
          cairo_stroke (cr);
        }
      ps_color_set_source (cr, color);
      if (side == 0)
        ps_plot_text (cr, a->x0 - 5 * s, y, buf, PS_ALIGN_END, PS_ALIGN_CENTER);
      else
        ps_plot_text (cr, a->x1 + 5 * s, y, buf, PS_ALIGN_START, PS_ALIGN_CENTER);
      label_w = MAX (label_w, ps_plot_text_width (cr, buf));
    }
  if (title && *title)
    {
      cairo_save (cr);
      double x = side == 0 ? a->x0 - label_w - 12 * s : a->x1 + label_w + 12 * s;
      cairo_translate (cr, x, (a->y0 + a->y1) / 2);
      cairo_rotate (cr, side == 0 ? -G_PI / 2 : G_PI / 2);
      ps_color_set_source (cr, color);
      ps_plot_text (cr, 0, 0, title, PS_ALIGN_CENTER, PS_ALIGN_END);
      cairo_restore (cr);
    }
}

void
ps_chart_x_axis (cairo_t *cr, const PsChartAxes *a, const char *title, gboolean integer_steps,
                 gboolean labels)
{
  double s = a->scale, ticks[PS_PLOT_MAX_TICKS], step;
  int want = MAX (2, MIN (11, (int) ((a->x1 - a->x0) / (70 * s))));
  int n = ps_plot_nice_ticks (a->xmin, a->xmax, want, ticks, &step);
  if (integer_steps && step < 1)
    {
      n = 0;
      for (double t = ceil (a->xmin); t <= a->xmax && n < PS_PLOT_MAX_TICKS; t++)
        ticks[n++] = t;
      step = 1;
    }
  ps_plot_set_font (cr, 11 * s, FALSE);
  cairo_set_line_width (cr, 1 * s);
  for (int i = 0; i < n; i++)
    {
      double x = ps_chart_x (a, ticks[i]);
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_move_to (cr, x, a->y0);
      cairo_line_to (cr, x, a->y1);
      cairo_stroke (cr);
      if (!labels)
        continue;
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      ps_color_set_source (cr, PS_PLOT_FG);
      cairo_move_to (cr, x, a->y1);
      cairo_line_to (cr, x, a->y1 + 4 * s);
      cairo_stroke (cr);
      ps_plot_text (cr, x, a->y1 + 6 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
  if (labels && title && *title)
    {
      ps_color_set_source (cr, PS_PLOT_MUTED);
      ps_plot_text (cr, (a->x0 + a->x1) / 2, a->y1 + 22 * s, title, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
}

void
ps_chart_frame (cairo_t *cr, const PsChartAxes *a)
{
  ps_color_set_source (cr, PS_PLOT_MUTED);
  cairo_set_line_width (cr, 1 * a->scale);
  cairo_rectangle (cr, a->x0, a->y0, a->x1 - a->x0, a->y1 - a->y0);
  cairo_stroke (cr);
}

void
ps_chart_guide (cairo_t *cr, const PsChartAxes *a, double v, const char *label, guint32 color)
{
  double y = ps_chart_y (a, v), s = a->scale;
  if (!isfinite (y) || y < a->y0 || y > a->y1)
    return;
  cairo_save (cr);
  double dash[2] = { 6 * s, 4 * s };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1.5 * s);
  ps_color_set_source (cr, color);
  cairo_move_to (cr, a->x0, y);
  cairo_line_to (cr, a->x1, y);
  cairo_stroke (cr);
  cairo_restore (cr);
  if (label && *label)
    {
      ps_plot_set_font (cr, 11 * s, FALSE);
      ps_color_set_source (cr, color);
      ps_plot_text (cr, a->x1 - 4 * s, y - 3 * s, label, PS_ALIGN_END, PS_ALIGN_END);
    }
}

/* Okabe & Ito (2008), without yellow (poor on white), then the same hues darker. */
static const guint32 series_colors[] = {
  0xff0072b2u, 0xffe69f00u, 0xff009e73u, 0xffd55e00u, 0xffcc79a7u, 0xff56b4e9u, 0xff000000u,
  0xff8c6d1fu,
};

guint32
ps_chart_series_color (guint i)
{
  return series_colors[i % G_N_ELEMENTS (series_colors)];
}

void
ps_chart_series_dash (cairo_t *cr, guint i, double scale)
{
  guint k = (i / G_N_ELEMENTS (series_colors)) % 3;
  if (k == 0)
    cairo_set_dash (cr, NULL, 0, 0);
  else
    {
      double d[2] = { (k == 1 ? 7 : 2) * scale, 3 * scale };
      cairo_set_dash (cr, d, 2, 0);
    }
}
