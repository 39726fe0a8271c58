/* ps-norm-chart.c — see ps-norm-chart.h. */
#include "ps-norm-chart.h"
#include "ps-chart-axes.h"
#include "ps-colormap.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_norm_chart_options_init (PsNormChartOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->cursor = -1;
  o->compare = -1;
}

typedef struct {
  PsChartAxes panel[2];
} Layout;

static const double *
values (const PsNormChart *nc, int k)
{
  return k == 0 ? nc->norms : nc->rel;
}

static void
layout (const PsNormChart *nc, double width, double height, Layout *L)
{
  const PsNormChartOptions *o = nc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  double x0 = pad + 66 * s, x1 = width - pad - 10 * s;
  double top = pad + hh + 20 * s, bottom = height - pad - 36 * s, gap = 30 * s;
  double ph = MAX (0, (bottom - top - gap) / 2);
  double smin = nc->n ? (double) nc->steps[0] : 0, smax = nc->n ? (double) nc->steps[nc->n - 1] : 1;
  if (smax <= smin)
    {
      smin -= 0.5;
      smax += 0.5;
    }
  for (int k = 0; k < 2; k++)
    {
      const double *v = values (nc, k);
      double lo = INFINITY, hi = -INFINITY;
      gboolean log_y = FALSE;
      if (k == 1)
        {
          /* relative changes: a log axis when they span more than 20× (they shrink as training settles) */
          double plo = INFINITY, phi = -INFINITY;
          for (guint i = 0; i < nc->n; i++)
            ps_chart_range_add (&plo, &phi, v[i], TRUE);
          log_y = phi >= plo && phi > 20 * plo;
        }
      for (guint i = 0; i < nc->n; i++)
        ps_chart_range_add (&lo, &hi, v[i], log_y);
      if (k == 1 && !log_y)
        ps_chart_range_add (&lo, &hi, 0, FALSE);
      ps_chart_range_finish (&lo, &hi, log_y, 0.08);
      double y = top + k * (ph + gap);
      L->panel[k] = (PsChartAxes) { x0, x1, y, y + ph, smin, smax, lo, hi, log_y, s };
    }
}

static void
cursor_line (cairo_t *cr, const PsChartAxes *a, const PsNormChart *nc, int index, gboolean dashed)
{
  if (index < 0 || (guint) index >= nc->n)
    return;
  double s = a->scale, x = ps_chart_x (a, (double) nc->steps[index]);
  cairo_save (cr);
  ps_color_set_source (cr, dashed ? 0xff808080u : 0xff303030u);
  cairo_set_line_width (cr, 1.4 * s);
  if (dashed)
    {
      double d[2] = { 4 * s, 3 * s };
      cairo_set_dash (cr, d, 2, 0);
    }
  cairo_move_to (cr, x, a->y0);
  cairo_line_to (cr, x, a->y1);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_panel (const PsNormChart *nc, cairo_t *cr, const PsChartAxes *a, int k)
{
  const PsNormChartOptions *o = nc->o;
  double s = a->scale;
  const char *xt = o->x_title && *o->x_title ? o->x_title : "checkpoint";
  ps_chart_x_axis (cr, a, xt, TRUE, k == 1);
  ps_chart_y_axis (cr, a, 0, k == 0 ? "L2 norm" : a->log_y ? "relative change (log)" : "relative change",
                   k == 0 ? PS_NORM_CHART_NORM_COLOR : PS_NORM_CHART_REL_COLOR, TRUE);
  const double *v = values (nc, k);
  guint32 color = k == 0 ? PS_NORM_CHART_NORM_COLOR : PS_NORM_CHART_REL_COLOR;
  /* the cursors under the values */
  cursor_line (cr, a, nc, o->compare, TRUE);
  cursor_line (cr, a, nc, o->cursor, FALSE);
  cairo_save (cr);
  cairo_rectangle (cr, a->x0 - 4 * s, a->y0 - 4 * s, a->x1 - a->x0 + 8 * s, a->y1 - a->y0 + 8 * s);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gboolean pen = FALSE;
  guint gaps = 0;
  for (guint i = 0; i < nc->n; i++)
    {
      double y = ps_chart_y (a, v[i]);
      if (isnan (y))
        {
          pen = FALSE;
          gaps++;
          continue;
        }
      double x = ps_chart_x (a, (double) nc->steps[i]);
      if (pen)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen = TRUE;
    }
  ps_color_set_source (cr, color);
  cairo_set_line_width (cr, 2 * s);
  cairo_stroke (cr);
  for (guint i = 0; i < nc->n; i++)
    {
      double y = ps_chart_y (a, v[i]);
      if (isnan (y))
        continue;
      cairo_arc (cr, ps_chart_x (a, (double) nc->steps[i]), y, 3 * s, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
  ps_chart_frame (cr, a);
  if (gaps)
    {
      char buf[96];
      g_snprintf (buf, sizeof buf, k == 0 ? "%u %s without this tensor (gaps)"
                                          : "%u %s without a change to measure (gaps)", gaps,
                  gaps == 1 ? "checkpoint" : "checkpoints");
      ps_plot_set_font (cr, 11 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_MUTED);
      /* above the panel, right-aligned: never over a point */
      ps_plot_text (cr, a->x1, a->y0 - 3 * s, buf, PS_ALIGN_END, PS_ALIGN_END);
    }
}

void
ps_norm_chart_draw (const PsNormChart *nc, cairo_t *cr, double width, double height)
{
  const PsNormChartOptions *o = nc->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  Layout L;
  layout (nc, width, height, &L);
  for (int k = 0; k < 2; k++)
    if (L.panel[k].x1 - L.panel[k].x0 > 20 * s && L.panel[k].y1 - L.panel[k].y0 > 20 * s)
      draw_panel (nc, cr, &L.panel[k], k);
  cairo_restore (cr);
}

gboolean
ps_norm_chart_point (const PsNormChart *nc, double width, double height, int panel, guint i, double *x, double *y)
{
  if (i >= nc->n || panel < 0 || panel > 1)
    return FALSE;
  Layout L;
  layout (nc, width, height, &L);
  double yy = ps_chart_y (&L.panel[panel], values (nc, panel)[i]);
  if (isnan (yy))
    return FALSE;
  *x = ps_chart_x (&L.panel[panel], (double) nc->steps[i]);
  *y = yy;
  return TRUE;
}

gboolean
ps_norm_chart_hit (const PsNormChart *nc, double width, double height, double x, double y, guint *index)
{
  if (nc->n == 0)
    return FALSE;
  Layout L;
  layout (nc, width, height, &L);
  const PsChartAxes *a = &L.panel[0];
  if (x < a->x0 - 6 * a->scale || x > a->x1 + 6 * a->scale || y < L.panel[0].y0 || y > L.panel[1].y1)
    return FALSE;
  double best = INFINITY;
  for (guint i = 0; i < nc->n; i++)
    {
      double d = fabs (ps_chart_x (a, (double) nc->steps[i]) - x);
      if (d < best)
        {
          best = d;
          *index = i;
        }
    }
  return TRUE;
}

char *
ps_norm_chart_query (const PsNormChart *nc, double width, double height, double x, double y)
{
  guint i;
  if (!ps_norm_chart_hit (nc, width, height, x, y, &i))
    return NULL;
  char n[64] = "—", r[64] = "—";
  if (isfinite (nc->norms[i]))
    ps_plot_format_value (nc->norms[i], n, sizeof n);
  if (isfinite (nc->rel[i]))
    ps_plot_format_value (nc->rel[i], r, sizeof r);
  const char *xt = nc->o->x_title && *nc->o->x_title ? nc->o->x_title : "checkpoint";
  return g_markup_printf_escaped ("<b>%s %" G_GINT64_FORMAT "</b>\nL2 norm %s\nrelative change %s", xt,
                                  nc->steps[i], n, r);
}
