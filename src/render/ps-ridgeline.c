/* ps-ridgeline.c — see ps-ridgeline.h. */
#include "ps-ridgeline.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_ridgeline_options_init (PsRidgelineOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->overlap = 1.2;
}

typedef struct {
  double x0, x1, y0, y1;
  double vmin, vmax;
  double row_h;
  double cmax;
} RFrame;

static void
ridge_frame (const PsRidgeline *r, double width, double height, RFrame *f)
{
  const PsRidgelineOptions *o = r->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  f->x0 = pad + 78 * s;
  f->x1 = width - pad - 10 * s;
  f->y1 = height - pad - 44 * s;
  double ov = CLAMP (o->overlap, 0.0, 3.0);
  double top = pad + hh + 6 * s;
  /* n rows; the first row's peak may rise ov rows above its band */
  f->row_h = (f->y1 - top) / MAX (r->n + ov, 1.0);
  f->y0 = top + ov * f->row_h;
  f->vmin = INFINITY;
  f->vmax = -INFINITY;
  f->cmax = 1;
  for (int i = 0; i < r->n; i++)
    {
      const PsHistogram *h = r->hists[i];
      f->vmin = MIN (f->vmin, h->edges[0]);
      f->vmax = MAX (f->vmax, h->edges[h->n_bins]);
      f->cmax = MAX (f->cmax, (double) ps_histogram_max_count (h));
    }
  if (!(f->vmax > f->vmin))
    {
      f->vmin = -1;
      f->vmax = 1;
    }
}

static double
rx (const RFrame *f, double v)
{
  return f->x0 + (v - f->vmin) / (f->vmax - f->vmin) * (f->x1 - f->x0);
}

/* baseline of row i */
static double
ry (const RFrame *f, int i)
{
  return f->y0 + (i + 1) * f->row_h;
}

static void
x_axis (cairo_t *cr, double x0, double x1, double y, double vmin, double vmax, const char *label,
        double s)
{
  double ticks[PS_PLOT_MAX_TICKS], step;
  ps_color_set_source (cr, PS_PLOT_FG);
  cairo_set_line_width (cr, 1.2 * s);
  cairo_move_to (cr, x0, y);
  cairo_line_to (cr, x1, y);
  cairo_stroke (cr);
  int nt = ps_plot_nice_ticks (vmin, vmax, MAX (3, MIN (11, (int) ((x1 - x0) / (70 * s)))), ticks, &step);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  for (int i = 0; i < nt; i++)
    {
      double x = x0 + (ticks[i] - vmin) / (vmax - vmin) * (x1 - x0);
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x, y + 4 * s);
      cairo_stroke (cr);
      ps_plot_text (cr, x, y + 6 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, (x0 + x1) / 2, y + 24 * s, label, PS_ALIGN_CENTER, PS_ALIGN_START);
}

void
ps_ridgeline_draw (const PsRidgeline *r, cairo_t *cr, double width, double height)
{
  const PsRidgelineOptions *o = r->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  RFrame f;
  ridge_frame (r, width, height, &f);
  if (r->n == 0 || f.row_h <= 0 || f.x1 <= f.x0)
    {
      cairo_restore (cr);
      return;
    }
  double peak = f.row_h * (1 + CLAMP (o->overlap, 0.0, 3.0));
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_VIRIDIS);
  /* with many steps, label every k-th row so labels never overlap */
  int every = MAX (1, (int) ceil (14 * s / f.row_h));
  /* top row first, so each lower (later) row is drawn over the one above it */
  for (int i = 0; i < r->n; i++)
    {
      const PsHistogram *h = r->hists[i];
      double base = ry (&f, i);
      cairo_move_to (cr, rx (&f, h->edges[0]), base);
      for (int b = 0; b < h->n_bins; b++)
        {
          double y = base - (double) h->counts[b] / f.cmax * peak;
          cairo_line_to (cr, rx (&f, h->edges[b]), y);
          cairo_line_to (cr, rx (&f, h->edges[b + 1]), y);
        }
      cairo_line_to (cr, rx (&f, h->edges[h->n_bins]), base);
      cairo_close_path (cr);
      /* colour by position in time, from the dark to the light end of viridis */
      guint32 c = cm->lut[r->n > 1 ? (int) (40 + 170.0 * i / (r->n - 1)) : 120];
      ps_color_set_source (cr, c);
      cairo_fill_preserve (cr);
      ps_color_set_source (cr, PS_PLOT_BG);
      cairo_set_line_width (cr, 1.2 * s);
      cairo_stroke (cr);
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_set_line_width (cr, 0.8 * s);
      cairo_move_to (cr, f.x0, base);
      cairo_line_to (cr, f.x1, base);
      cairo_stroke (cr);
      if (i % every == 0 || i == r->n - 1)
        {
          char label[64];
          g_snprintf (label, sizeof label, "%s %" G_GINT64_FORMAT, o->x_title ? o->x_title : "step",
                      r->steps ? r->steps[i] : (int64_t) i);
          ps_plot_set_font (cr, 11.5 * s, FALSE);
          ps_color_set_source (cr, PS_PLOT_FG);
          if (i == r->n - 1 || (r->n - 1) % every == 0 || (r->n - 1 - i) >= every)
            ps_plot_text (cr, f.x0 - 8 * s, base - 1 * s, label, PS_ALIGN_END, PS_ALIGN_END);
        }
    }
  x_axis (cr, f.x0, f.x1, f.y1 + 2 * s, f.vmin, f.vmax, "value (exact bins; one shared count scale)", s);
  cairo_restore (cr);
}

void
ps_ridgeline_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_ridgeline_draw (data, cr, width, height);
}

gboolean
ps_ridgeline_hit (const PsRidgeline *r, double width, double height, double x, double y,
                  int *row, int *bin)
{
  RFrame f;
  ridge_frame (r, width, height, &f);
  if (r->n == 0 || y < f.y0 || y > f.y1 || x < f.x0 || x > f.x1)
    return FALSE;
  int i = (int) floor ((y - f.y0) / f.row_h);
  i = CLAMP (i, 0, r->n - 1);
  *row = i;
  if (bin)
    {
      double v = f.vmin + (x - f.x0) / (f.x1 - f.x0) * (f.vmax - f.vmin);
      int b = ps_histogram_bin_of (r->hists[i], v);
      *bin = b == -2 ? -1 : b;
    }
  return TRUE;
}

gboolean
ps_ridgeline_row_point (const PsRidgeline *r, double width, double height, int row, double *x,
                        double *y)
{
  if (row < 0 || row >= r->n)
    return FALSE;
  RFrame f;
  ridge_frame (r, width, height, &f);
  *x = (f.x0 + f.x1) / 2;
  *y = ry (&f, row) - f.row_h / 2;
  return TRUE;
}

/* ---- percentile bands ----------------------------------------------------------------------- */

typedef struct {
  double x0, x1, y0, y1;
  double smin, smax, vmin, vmax;
} BFrame;

static const double *
qrow (const PsBands *b, int i)
{
  return b->quantiles + (gsize) i * PS_STATS_N_STANDARD_QUANTILES;
}

static void
bands_frame (const PsBands *b, double width, double height, BFrame *f)
{
  const PsRidgelineOptions *o = b->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  f->x0 = pad + 64 * s;
  f->x1 = width - pad - 150 * s;
  f->y0 = pad + hh + 8 * s;
  f->y1 = height - pad - 44 * s;
  f->smin = b->n ? (double) b->steps[0] : 0;
  f->smax = b->n ? (double) b->steps[b->n - 1] : 1;
  if (!(f->smax > f->smin))
    {
      f->smin -= 0.5;
      f->smax += 0.5;
    }
  f->vmin = INFINITY;
  f->vmax = -INFINITY;
  for (int i = 0; i < b->n; i++)
    for (int k = 0; k < PS_STATS_N_STANDARD_QUANTILES; k++)
      if (isfinite (qrow (b, i)[k]))
        {
          f->vmin = MIN (f->vmin, qrow (b, i)[k]);
          f->vmax = MAX (f->vmax, qrow (b, i)[k]);
        }
  if (!(f->vmax > f->vmin))
    {
      double c = isfinite (f->vmin) ? f->vmin : 0;
      f->vmin = c - 1;
      f->vmax = c + 1;
    }
  double m = 0.05 * (f->vmax - f->vmin);
  f->vmin -= m;
  f->vmax += m;
}

static double
bx (const BFrame *f, double step)
{
  return f->x0 + (step - f->smin) / (f->smax - f->smin) * (f->x1 - f->x0);
}

static double
by (const BFrame *f, double v)
{
  return f->y1 - (v - f->vmin) / (f->vmax - f->vmin) * (f->y1 - f->y0);
}

void
ps_bands_draw (const PsBands *b, cairo_t *cr, double width, double height)
{
  const PsRidgelineOptions *o = b->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  BFrame f;
  bands_frame (b, width, height, &f);
  if (b->n == 0 || f.x1 <= f.x0 || f.y1 <= f.y0)
    {
      cairo_restore (cr);
      return;
    }
  /* y grid and labels */
  double ticks[PS_PLOT_MAX_TICKS], step;
  int nt = ps_plot_nice_ticks (f.vmin, f.vmax, MAX (3, (int) ((f.y1 - f.y0) / (40 * s))), ticks, &step);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  cairo_set_line_width (cr, 1 * s);
  for (int i = 0; i < nt; i++)
    {
      char buf[64];
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_move_to (cr, f.x0, by (&f, ticks[i]));
      cairo_line_to (cr, f.x1, by (&f, ticks[i]));
      cairo_stroke (cr);
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, f.x0 - 6 * s, by (&f, ticks[i]), buf, PS_ALIGN_END, PS_ALIGN_CENTER);
    }
  /* bands: outer to inner, lighter to darker blues */
  static const guint32 band_colors[4] = { 0xffdeebf7u, 0xffc6dbefu, 0xff9ecae1u, 0xff6baed6u };
  static const char *band_names[4] = { "0.1–99.9 %", "1–99 %", "5–95 %", "25–75 %" };
  for (int k = 0; k < 4; k++)
    {
      int lo = k, hi = PS_STATS_N_STANDARD_QUANTILES - 1 - k;
      /* steps whose quantiles are not finite (no finite value at that step) are left out */
      gboolean started = FALSE;
      for (int i = 0; i < b->n; i++)
        {
          double x = bx (&f, (double) b->steps[i]), y = by (&f, qrow (b, i)[hi]);
          if (!isfinite (y) || !isfinite (qrow (b, i)[lo]))
            continue;
          if (!started)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
          started = TRUE;
        }
      for (int i = b->n - 1; i >= 0; i--)
        if (isfinite (qrow (b, i)[lo]) && isfinite (qrow (b, i)[hi]))
          cairo_line_to (cr, bx (&f, (double) b->steps[i]), by (&f, qrow (b, i)[lo]));
      cairo_close_path (cr);
      ps_color_set_source (cr, band_colors[k]);
      if (b->n == 1 || !started)
        {
          /* a single step: draw the band as a short vertical bar */
          cairo_new_path (cr);
          if (b->n != 1 || !isfinite (qrow (b, 0)[lo]) || !isfinite (qrow (b, 0)[hi]))
            continue;
          double x = bx (&f, (double) b->steps[0]);
          cairo_rectangle (cr, x - 6 * s, by (&f, qrow (b, 0)[hi]), 12 * s,
                           by (&f, qrow (b, 0)[lo]) - by (&f, qrow (b, 0)[hi]));
        }
      cairo_fill (cr);
    }
  int med = PS_STATS_N_STANDARD_QUANTILES / 2;
  ps_color_set_source (cr, PS_BANDS_MEDIAN_COLOR);
  cairo_set_line_width (cr, 2.5 * s);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gboolean any = FALSE;
  for (int i = 0; i < b->n; i++)
    {
      double x = bx (&f, (double) b->steps[i]), y = by (&f, qrow (b, i)[med]);
      if (!isfinite (y))
        continue;
      if (!any)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
      any = TRUE;
    }
  if (any && b->n == 1)
    cairo_rel_line_to (cr, 0.01, 0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);

  /* x axis: steps */
  double sticks[PS_PLOT_MAX_TICKS], sstep;
  int ns = ps_plot_nice_ticks (f.smin, f.smax, MAX (3, MIN (11, (int) ((f.x1 - f.x0) / (70 * s)))),
                               sticks, &sstep);
  if (sstep < 1)
    {
      ns = 0;
      for (int i = 0; i < b->n && ns < PS_PLOT_MAX_TICKS; i++)
        sticks[ns++] = (double) b->steps[i];
      sstep = 1;
    }
  ps_color_set_source (cr, PS_PLOT_FG);
  cairo_set_line_width (cr, 1.2 * s);
  cairo_move_to (cr, f.x0, f.y1);
  cairo_line_to (cr, f.x1, f.y1);
  cairo_stroke (cr);
  for (int i = 0; i < ns; i++)
    {
      char buf[64];
      double x = bx (&f, sticks[i]);
      g_snprintf (buf, sizeof buf, "%.0f", sticks[i]);
      cairo_move_to (cr, x, f.y1);
      cairo_line_to (cr, x, f.y1 + 4 * s);
      cairo_stroke (cr);
      ps_plot_text (cr, x, f.y1 + 6 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, (f.x0 + f.x1) / 2, f.y1 + 24 * s, b->o->x_title ? b->o->x_title : "step", PS_ALIGN_CENTER,
                PS_ALIGN_START);

  /* legend at the right */
  double lx = f.x1 + 16 * s, ly = f.y0 + 8 * s;
  for (int k = 0; k < 4; k++)
    ps_plot_swatch (cr, lx, ly + k * 20 * s, band_colors[k], 0, band_names[k], s);
  ps_color_set_source (cr, PS_BANDS_MEDIAN_COLOR);
  cairo_set_line_width (cr, 2.5 * s);
  cairo_move_to (cr, lx, ly + 4 * 20 * s);
  cairo_line_to (cr, lx + 13 * s, ly + 4 * 20 * s);
  cairo_stroke (cr);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  ps_color_set_source (cr, PS_PLOT_FG);
  ps_plot_text (cr, lx + 18 * s, ly + 4 * 20 * s, "median", PS_ALIGN_START, PS_ALIGN_CENTER);
  cairo_restore (cr);
}

void
ps_bands_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_bands_draw (data, cr, width, height);
}

gboolean
ps_bands_hit (const PsBands *b, double width, double height, double x, double y, int *step_index)
{
  BFrame f;
  bands_frame (b, width, height, &f);
  if (b->n == 0 || x < f.x0 - 10 || x > f.x1 + 10 || y < f.y0 || y > f.y1)
    return FALSE;
  int best = 0;
  for (int i = 1; i < b->n; i++)
    if (fabs (bx (&f, (double) b->steps[i]) - x) < fabs (bx (&f, (double) b->steps[best]) - x))
      best = i;
  *step_index = best;
  return TRUE;
}

gboolean
ps_bands_point (const PsBands *b, double width, double height, int step_index, int q_index,
                double *x, double *y)
{
  if (step_index < 0 || step_index >= b->n || q_index < 0 || q_index >= PS_STATS_N_STANDARD_QUANTILES)
    return FALSE;
  BFrame f;
  bands_frame (b, width, height, &f);
  *x = bx (&f, (double) b->steps[step_index]);
  *y = by (&f, qrow (b, step_index)[q_index]);
  return TRUE;
}
