/* ps-layer-diagnostics.c — see ps-layer-diagnostics.h. */
#include "ps-layer-diagnostics.h"
#include "ps-chart-axes.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

#define WARN_COLOR 0xffd62728u

void
ps_layer_diagnostics_options_init (PsLayerDiagnosticsOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->value_label = "activation";
  o->saturation_threshold = PS_LAYER_SATURATION_THRESHOLD;
}

void
ps_layer_shares (const PsTensor *t, double threshold, double *saturated, double *dead)
{
  int64_t sat = 0, zero = 0;
  if (t->dtype == PS_DTYPE_FLOAT32)
    {
      /* compared in float32, as torch's (h.abs() > 0.97) does for a float32 tensor */
      const float *x = ps_tensor_cf32 (t);
      const float th = (float) threshold;
      for (int64_t i = 0; i < t->numel; i++)
        {
          sat += fabsf (x[i]) > th;
          zero += x[i] == 0;
        }
    }
  else
    {
      const int64_t *x = ps_tensor_ci64 (t);
      for (int64_t i = 0; i < t->numel; i++)
        {
          sat += fabs ((double) x[i]) > threshold;
          zero += x[i] == 0;
        }
    }
  *saturated = t->numel ? (double) sat / (double) t->numel : NAN;
  *dead = t->numel ? (double) zero / (double) t->numel : NAN;
}

guint32
ps_layer_diagnostics_color (guint i)
{
  return ps_chart_series_color (i);
}

static int64_t
in_bins (const PsHistogram *h)
{
  int64_t n = 0;
  for (int i = 0; i < h->n_bins; i++)
    n += h->counts[i];
  return n;
}

static double
density (const PsHistogram *h, int bin)
{
  int64_t n = in_bins (h) + h->underflow + h->overflow;
  double w = h->edges[bin + 1] - h->edges[bin];
  return n > 0 && w > 0 ? (double) h->counts[bin] / ((double) n * w) : 0;
}

/* "saturated 4.2 % · zero 0.0 %", "dead 48.1 %" (what the page is for, so first) */
static void
append_shares (GString *s, const PsLayerHistogram *L)
{
  if (isfinite (L->saturated))
    g_string_append_printf (s, "%ssaturated %.1f %%", s->len ? " · " : "", 100 * L->saturated);
  if (isfinite (L->dead))
    g_string_append_printf (s, "%s%s %.1f %%", s->len ? " · " : "", L->dead_units ? "dead" : "zero", 100 * L->dead);
}

/* "mean +0.01 · std 0.63 · 12 outside" */
static void
append_stats (GString *s, const PsLayerHistogram *L)
{
  if (L->stats)
    {
      char m[64], sd[64];
      ps_plot_format_value (L->stats->mean, m, sizeof m);
      ps_plot_format_value (L->stats->std, sd, sizeof sd);
      g_string_append_printf (s, "%smean %s · std %s", s->len ? " · " : "", m, sd);
    }
  if (L->hist && (L->hist->underflow || L->hist->overflow || L->hist->nan))
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT " outside%s", s->len ? " · " : "",
                            L->hist->underflow + L->hist->overflow,
                            L->hist->nan ? " + NaN" : "");
}

char *
ps_layer_diagnostics_legend (const PsLayerDiagnostics *d, guint layer)
{
  GString *s = g_string_new (NULL);
  append_shares (s, &d->layers[layer]);
  append_stats (s, &d->layers[layer]);
  return g_string_free (s, FALSE);
}

typedef struct {
  double vmin, vmax;
  /* OVERLAY */
  PsChartAxes axes;
  double legend_y0, legend_row, legend_bottom;
  /* GRID */
  int cols, rows;
  double cell_x0, cell_y0, cell_w, cell_h;
} Layout;

static void
value_range (const PsLayerDiagnostics *d, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (guint i = 0; i < d->n; i++)
    if (d->layers[i].hist)
      {
        *lo = MIN (*lo, d->layers[i].hist->edges[0]);
        *hi = MAX (*hi, d->layers[i].hist->edges[d->layers[i].hist->n_bins]);
      }
  if (!(*hi > *lo))
    {
      *lo = -1;
      *hi = 1;
    }
}

static void
layout (const PsLayerDiagnostics *d, double width, double height, Layout *L)
{
  const PsLayerDiagnosticsOptions *o = d->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  memset (L, 0, sizeof *L);
  value_range (d, &L->vmin, &L->vmax);
  double top = pad + ps_plot_header_height (o->title, NULL, o->subtitle, s) + 6 * s;
  double bottom = height - pad;
  if (o->layout == PS_LAYER_DIAGNOSTICS_OVERLAY)
    {
      L->legend_row = 34 * s;
      double legend_h = d->n * L->legend_row;
      /* the legend takes at most 40 % of the height */
      legend_h = MIN (legend_h, (bottom - top) * 0.4);
      L->legend_y0 = bottom - legend_h;
      L->legend_bottom = bottom;
      double ymax = 0;
      for (guint i = 0; i < d->n; i++)
        if (d->layers[i].hist)
          for (int b = 0; b < d->layers[i].hist->n_bins; b++)
            ymax = MAX (ymax, density (d->layers[i].hist, b));
      if (!(ymax > 0))
        ymax = 1;
      L->axes = (PsChartAxes) { pad + 62 * s, width - pad - 10 * s, top, L->legend_y0 - 46 * s,
                                L->vmin, L->vmax, 0, ymax * 1.05, FALSE, s };
      return;
    }
  guint n = MAX (d->n, 1);
  L->cols = (int) ceil (sqrt (n * MAX (width, 1.0) / MAX (height, 1.0) / 1.6));
  L->cols = CLAMP (L->cols, 1, (int) n);
  L->rows = (int) ((n + L->cols - 1) / L->cols);
  L->cell_x0 = pad;
  L->cell_y0 = top;
  L->cell_w = (width - 2 * pad) / L->cols;
  L->cell_h = (bottom - top) / L->rows;
}

/* GRID: cell i's value range — its own histogram's (each panel its own x axis) */
static void
cell_range (const PsLayerDiagnostics *d, const Layout *L, guint i, double *lo, double *hi)
{
  const PsHistogram *h = d->layers[i].hist;
  *lo = L->vmin;
  *hi = L->vmax;
  if (h != NULL && h->n_bins > 0 && h->edges[h->n_bins] > h->edges[0])
    {
      *lo = h->edges[0];
      *hi = h->edges[h->n_bins];
    }
  /* out to the nearest round values (tanh's ±0.9999 → ±1), so the axis ends are labelled */
  double ticks[PS_PLOT_MAX_TICKS], step = 0;
  if (ps_plot_nice_ticks (*lo, *hi, 8, ticks, &step) > 0 && step > 0 && isfinite (step))
    {
      *lo = floor (*lo / step) * step;
      *hi = ceil (*hi / step) * step;
    }
}

/* GRID: the plot box of cell i. */
static void
cell_box (const Layout *L, guint i, double s, double *x0, double *y0, double *x1, double *y1)
{
  int c = i % L->cols, r = i / L->cols;
  double cx = L->cell_x0 + c * L->cell_w, cy = L->cell_y0 + r * L->cell_h;
  /* room between cells for the end labels of neighbouring value axes */
  *x0 = cx + 14 * s;
  *x1 = cx + L->cell_w - 24 * s;
  *y0 = cy + 54 * s;
  *y1 = cy + L->cell_h - 26 * s;
}

static int64_t
max_count (const PsHistogram *h)
{
  return MAX (ps_histogram_max_count (h), 1);
}

/* part 0: the whole legend; 1: the shares only; 2: the statistics only */
static void
draw_legend_text (cairo_t *cr, const PsLayerDiagnostics *d, guint i, int part, double x, double y,
                  double s)
{
  const PsLayerHistogram *Lh = &d->layers[i];
  GString *text = g_string_new (NULL);
  if (part != 2)
    append_shares (text, Lh);
  if (part != 1)
    append_stats (text, Lh);
  /* the shares in bold red when a warning: saturation, or dead units of a ReLU-like layer, over the
   * warning level; a share of plain zeros (Flatten of image pixels, a sparse input) is no warning */
  gboolean warn = part != 2 && ((isfinite (Lh->saturated) && Lh->saturated > PS_LAYER_WARN_SHARE) ||
                                (Lh->dead_units && isfinite (Lh->dead) && Lh->dead > PS_LAYER_WARN_SHARE));
  ps_plot_set_font (cr, 11 * s, warn);
  ps_color_set_source (cr, warn ? WARN_COLOR : PS_PLOT_MUTED);
  ps_plot_text (cr, x, y, text->str, PS_ALIGN_START, PS_ALIGN_CENTER);
  g_string_free (text, TRUE);
}

static void
draw_overlay (const PsLayerDiagnostics *d, cairo_t *cr, const Layout *L, double width, double s)
{
  const PsChartAxes *a = &L->axes;
  if (a->x1 - a->x0 < 20 * s || a->y1 - a->y0 < 20 * s)
    return;
  ps_chart_x_axis (cr, a, d->o->value_label, FALSE, TRUE);
  ps_chart_y_axis (cr, a, 0, "density", PS_PLOT_FG, TRUE);
  cairo_save (cr);
  cairo_rectangle (cr, a->x0, a->y0, a->x1 - a->x0, a->y1 - a->y0);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < d->n; i++)
    {
      const PsHistogram *h = d->layers[i].hist;
      if (h == NULL)
        continue;
      for (int b = 0; b < h->n_bins; b++)
        {
          double x = ps_chart_x (a, (h->edges[b] + h->edges[b + 1]) / 2);
          double y = ps_chart_y (a, density (h, b));
          if (b == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      ps_color_set_source (cr, ps_layer_diagnostics_color (i));
      cairo_set_line_width (cr, 2 * s);
      ps_chart_series_dash (cr, i, s);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  ps_chart_frame (cr, a);
  double y = L->legend_y0 + L->legend_row / 2;
  for (guint i = 0; i < d->n; i++, y += L->legend_row)
    {
      if (y + L->legend_row / 2 > L->legend_bottom + 1)
        {
          char more[64];
          g_snprintf (more, sizeof more, "… %u more layers", d->n - i);
          ps_plot_set_font (cr, 11 * s, FALSE);
          ps_color_set_source (cr, PS_PLOT_MUTED);
          ps_plot_text (cr, a->x0, y - L->legend_row / 2, more, PS_ALIGN_START, PS_ALIGN_END);
          break;
        }
      cairo_save (cr);
      ps_color_set_source (cr, ps_layer_diagnostics_color (i));
      cairo_set_line_width (cr, 2.4 * s);
      ps_chart_series_dash (cr, i, s);
      cairo_move_to (cr, a->x0, y - 7 * s);
      cairo_line_to (cr, a->x0 + 22 * s, y - 7 * s);
      cairo_stroke (cr);
      cairo_restore (cr);
      ps_plot_set_font (cr, 12 * s, TRUE);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, a->x0 + 28 * s, y - 7 * s, d->layers[i].name ? d->layers[i].name : "layer",
                    PS_ALIGN_START, PS_ALIGN_CENTER);
      draw_legend_text (cr, d, i, 0, a->x0 + 28 * s, y + 8 * s, s);
    }
}

static void
draw_grid (const PsLayerDiagnostics *d, cairo_t *cr, const Layout *L, double s)
{
  for (guint i = 0; i < d->n; i++)
    {
      double x0, y0, x1, y1;
      cell_box (L, i, s, &x0, &y0, &x1, &y1);
      if (x1 - x0 < 20 * s || y1 - y0 < 10 * s)
        continue;
      ps_plot_set_font (cr, 12 * s, TRUE);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, x0, y0 - 46 * s, d->layers[i].name ? d->layers[i].name : "layer",
                    PS_ALIGN_START, PS_ALIGN_CENTER);
      cairo_save (cr);
      cairo_rectangle (cr, x0, y0 - 38 * s, x1 - x0 + 16 * s, 32 * s);
      cairo_clip (cr);
      draw_legend_text (cr, d, i, 1, x0, y0 - 29 * s, s);
      draw_legend_text (cr, d, i, 2, x0, y0 - 13 * s, s);
      cairo_restore (cr);
      double vlo, vhi;
      cell_range (d, L, i, &vlo, &vhi);
      PsChartAxes a = { x0, x1, y0, y1, vlo, vhi, 0, 1, FALSE, s };
      const PsHistogram *h = d->layers[i].hist;
      if (h)
        {
          double cm = (double) max_count (h) * 1.05;
          ps_color_set_source (cr, ps_layer_diagnostics_color (i));
          for (int b = 0; b < h->n_bins; b++)
            {
              if (h->counts[b] == 0)
                continue;
              double xa = ps_chart_x (&a, h->edges[b]), xb = ps_chart_x (&a, h->edges[b + 1]);
              double yt = y1 - (double) h->counts[b] / cm * (y1 - y0);
              cairo_rectangle (cr, xa, yt, MAX (xb - xa, 0.5), y1 - yt);
            }
          cairo_fill (cr);
        }
      /* zero line and the value axis */
      ps_color_set_source (cr, PS_PLOT_MUTED);
      cairo_set_line_width (cr, 1 * s);
      cairo_move_to (cr, x0, y1);
      cairo_line_to (cr, x1, y1);
      cairo_stroke (cr);
      double ticks[PS_PLOT_MAX_TICKS], step;
      int want = MAX (2, MIN (7, (int) ((x1 - x0) / (55 * s))));
      int nt = ps_plot_nice_ticks (vlo, vhi, want, ticks, &step);
      /* at least three labelled values where they fit (a lone "0" says nothing about the scale) */
      while (nt < 3 && want < 7 && (x1 - x0) / (want + 1) > 36 * s)
        nt = ps_plot_nice_ticks (vlo, vhi, ++want, ticks, &step);
      ps_plot_set_font (cr, 10.5 * s, FALSE);
      for (int t = 0; t < nt; t++)
        {
          char buf[64];
          double x = ps_chart_x (&a, ticks[t]);
          ps_plot_format_number (ticks[t], step, buf, sizeof buf);
          ps_color_set_source (cr, PS_PLOT_FG);
          cairo_move_to (cr, x, y1);
          cairo_line_to (cr, x, y1 + 3 * s);
          cairo_stroke (cr);
          ps_plot_text (cr, x, y1 + 5 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
        }
    }
}

static void
ps_layer_diagnostics_draw (const PsLayerDiagnostics *d, cairo_t *cr, double width, double height)
{
  const PsLayerDiagnosticsOptions *o = d->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  Layout L;
  layout (d, width, height, &L);
  if (o->layout == PS_LAYER_DIAGNOSTICS_OVERLAY)
    draw_overlay (d, cr, &L, width, s);
  else
    draw_grid (d, cr, &L, s);
  cairo_restore (cr);
}

void
ps_layer_diagnostics_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_layer_diagnostics_draw (data, cr, width, height);
}

gboolean
ps_layer_diagnostics_bin_point (const PsLayerDiagnostics *d, double width, double height,
                                guint layer, int bin, double *x, double *y)
{
  if (layer >= d->n || d->layers[layer].hist == NULL || bin < 0 ||
      bin >= d->layers[layer].hist->n_bins)
    return FALSE;
  const PsHistogram *h = d->layers[layer].hist;
  Layout L;
  layout (d, width, height, &L);
  double s = d->o->scale > 0 ? d->o->scale : 1;
  if (d->o->layout == PS_LAYER_DIAGNOSTICS_OVERLAY)
    {
      *x = ps_chart_x (&L.axes, (h->edges[bin] + h->edges[bin + 1]) / 2);
      *y = ps_chart_y (&L.axes, density (h, bin));
      return TRUE;
    }
  double x0, y0, x1, y1, vlo, vhi;
  cell_box (&L, layer, s, &x0, &y0, &x1, &y1);
  cell_range (d, &L, layer, &vlo, &vhi);
  PsChartAxes a = { x0, x1, y0, y1, vlo, vhi, 0, 1, FALSE, s };
  *x = ps_chart_x (&a, (h->edges[bin] + h->edges[bin + 1]) / 2);
  *y = y1 - (double) h->counts[bin] / ((double) max_count (h) * 1.05) * (y1 - y0);
  return TRUE;
}

gboolean
ps_layer_diagnostics_hit (const PsLayerDiagnostics *d, double width, double height, double x,
                          double y, guint *layer, int *bin)
{
  Layout L;
  layout (d, width, height, &L);
  double s = d->o->scale > 0 ? d->o->scale : 1;
  if (d->o->layout == PS_LAYER_DIAGNOSTICS_OVERLAY)
    {
      const PsChartAxes *a = &L.axes;
      if (x < a->x0 || x > a->x1 || y < a->y0 || y > a->y1)
        return FALSE;
      double v = ps_chart_x_value (a, x), best_d = 12 * s;
      gboolean found = FALSE;
      for (guint i = 0; i < d->n; i++)
        {
          const PsHistogram *h = d->layers[i].hist;
          if (h == NULL)
            continue;
          int b = ps_histogram_bin_of (h, v);
          if (b < 0 || b >= h->n_bins)
            continue;
          double dy = fabs (ps_chart_y (a, density (h, b)) - y);
          if (dy <= best_d)
            {
              best_d = dy;
              *layer = i;
              *bin = b;
              found = TRUE;
            }
        }
      return found;
    }
  for (guint i = 0; i < d->n; i++)
    {
      double x0, y0, x1, y1;
      cell_box (&L, i, s, &x0, &y0, &x1, &y1);
      if (x < x0 || x > x1 || y < y0 || y > y1 || d->layers[i].hist == NULL)
        continue;
      double vlo, vhi;
      cell_range (d, &L, i, &vlo, &vhi);
      PsChartAxes a = { x0, x1, y0, y1, vlo, vhi, 0, 1, FALSE, s };
      int b = ps_histogram_bin_of (d->layers[i].hist, ps_chart_x_value (&a, x));
      if (b < 0 || b >= d->layers[i].hist->n_bins)
        return FALSE;
      *layer = i;
      *bin = b;
      return TRUE;
    }
  return FALSE;
}
