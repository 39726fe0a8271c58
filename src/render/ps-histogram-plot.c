/* ps-histogram-plot.c — see ps-histogram-plot.h. */
#include "ps-histogram-plot.h"
#include "ps-distribution.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_histogram_plot_options_init (PsHistogramPlotOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->bar_color = 0xff4a7bb7u;        /* a calm blue: reads on white and on projectors */
  o->expected_color = 0xffd1495bu;   /* contrasting red-pink for the theoretical curve */
}

typedef struct {
  double x0, x1, y0, y1;       /* axis box: x0 left, y1 bottom (device y grows down) */
  double ux0, ux1;             /* underflow / overflow bar slots (0 width when unused) */
  double slot;
  double legend_x;             /* legend column's left edge; 0 = legend drawn over the plot */
  double bottom;               /* the lowest y anything may be drawn at (the picture's edge, less a margin) */
  double vmin, vmax;           /* value range on x */
  double cmin, cmax;           /* count range on y (log10 when log_y) */
  gboolean log_y;
} Frame;

static gboolean
has_known_init (const PsHistogramPlot *p)
{
  return p->o->init && ps_distribution_known (p->o->init);
}

static int64_t
n_values (const PsHistogram *h)
{
  int64_t n = h->underflow + h->overflow;
  for (int i = 0; i < h->n_bins; i++)
    n += h->counts[i];
  return n;
}

double
ps_histogram_plot_expected_count (const PsHistogramPlot *p, int bin)
{
  const PsHistogram *h = p->h;
  if (!has_known_init (p) || bin < 0 || bin >= h->n_bins)
    return NAN;
  const PsInitInfo *d = p->o->init;
  return (double) n_values (h) * (ps_distribution_cdf (d, h->edges[bin + 1]) -
                                  ps_distribution_cdf (d, h->edges[bin]));
}

static double
y_of (const Frame *f, double count)
{
  double c = f->log_y ? log10 (MAX (count, 0.5)) : count;
  double t = (c - f->cmin) / (f->cmax - f->cmin);
  return f->y1 - CLAMP (t, 0.0, 1.05) * (f->y1 - f->y0);
}

static double
x_of (const Frame *f, double v)
{
  return f->x0 + (v - f->vmin) / (f->vmax - f->vmin) * (f->x1 - f->x0);
}

static void
frame_of (const PsHistogramPlot *p, double width, double height, Frame *f)
{
  const PsHistogram *h = p->h;
  const PsHistogramPlotOptions *o = p->o;
  double s = o->scale, pad = 14 * s;
  double hh = ps_plot_header_height (o->title, NULL, o->subtitle, s);
  gboolean side = h->underflow > 0 || h->overflow > 0;
  f->slot = side ? 30 * s : 0;
  double legend_w = 245 * s;
  f->legend_x = width >= legend_w + 380 * s ? width - pad - legend_w : 0;
  double left = pad + 64 * s;
  double right = (f->legend_x > 0 ? f->legend_x - 12 * s : width - pad) - (side ? 8 * s : 0);
  f->ux0 = left;
  f->ux1 = right - f->slot;
  f->x0 = left + (side ? f->slot + 10 * s : 0);
  f->x1 = right - (side ? f->slot + 10 * s : 0);
  f->y0 = pad + hh + 6 * s;
  f->y1 = height - pad - 44 * s;
  f->bottom = height - 4 * s;
  f->vmin = h->edges[0];
  f->vmax = h->edges[h->n_bins];
  f->log_y = o->log_y;

  double top = MAX ((double) ps_histogram_max_count (h), (double) MAX (h->underflow, h->overflow));
  if (has_known_init (p))
    {
      /* leave room for the curve's peak (not for a point mass) */
      double peak = 0;
      for (int i = 0; i < h->n_bins; i++)
        peak = MAX (peak, ps_histogram_plot_expected_count (p, i));
      if (isfinite (peak))
        top = MAX (top, peak);
    }
  top = MAX (top, 1);
  if (f->log_y)
    {
      f->cmin = log10 (0.5);
      f->cmax = log10 (top) + 0.25;
    }
  else
    {
      f->cmin = 0;
      f->cmax = top * 1.08;
    }
}

static void
fill_bar (cairo_t *cr, const Frame *f, double xa, double xb, double count)
{
  if (count <= 0)
    return;
  double yt = y_of (f, count);
  cairo_rectangle (cr, xa, yt, xb - xa, f->y1 - yt);
}

static void
draw_side_bar (cairo_t *cr, const Frame *f, double x, int64_t count, const char *label,
               double s)
{
  ps_color_set_source (cr, 0xff8a8a8au);
  if (count > 0)
    {
      /* at least a few pixels tall: a single outlier must be seen */
      double yt = MIN (y_of (f, (double) count), f->y1 - 3 * s);
      cairo_rectangle (cr, x, yt, f->slot, f->y1 - yt);
      cairo_fill (cr);
    }
  /* hatch so it does not read as an ordinary bin */
  char buf[64];
  ps_plot_format_count (count, buf, sizeof buf);
  ps_plot_set_font (cr, 10.5 * s, FALSE);
  ps_color_set_source (cr, PS_PLOT_FG);
  double yt = count > 0 ? MIN (y_of (f, (double) count), f->y1 - 3 * s) : f->y1;
  ps_plot_text (cr, x + f->slot / 2, yt - 3 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_END);
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, x + f->slot / 2, f->y1 + 24 * s, label, PS_ALIGN_CENTER, PS_ALIGN_START);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
draw_expected (const PsHistogramPlot *p, cairo_t *cr, const Frame *f, double s)
{
  const PsInitInfo *d = p->o->init;
  const PsHistogram *h = p->h;
  double at;
  ps_color_set_source (cr, p->o->expected_color);
  cairo_set_line_width (cr, 2.2 * s);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (ps_distribution_point_mass (d, &at))
    {
      if (at >= f->vmin && at <= f->vmax)
        {
          double dash[2] = { 6 * s, 4 * s };
          cairo_set_dash (cr, dash, 2, 0);
          cairo_move_to (cr, x_of (f, at), f->y1);
          cairo_line_to (cr, x_of (f, at), f->y0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      return;
    }
  /* Expected count per bin width: N·pdf(x)·w. Samples on a fine grid plus both sides of the
   * support's ends, so a uniform's edges are vertical. */
  double N = (double) n_values (h);
  double w = (h->edges[h->n_bins] - h->edges[0]) / h->n_bins;
  double lo, hi;
  ps_distribution_support (d, &lo, &hi);
  int n = 600;
  GArray *xs = g_array_sized_new (FALSE, FALSE, sizeof (double), n + 8);
  for (int i = 0; i <= n; i++)
    {
      double v = f->vmin + (f->vmax - f->vmin) * i / n;
      g_array_append_val (xs, v);
    }
  double ends[4] = { lo, lo, hi, hi };
  for (int k = 0; k < 4; k++)
    if (isfinite (ends[k]) && ends[k] > f->vmin && ends[k] < f->vmax)
      g_array_append_val (xs, ends[k]);
  g_array_sort (xs, cmp_double);
  cairo_save (cr);
  cairo_rectangle (cr, f->x0, f->y0 - 4 * s, f->x1 - f->x0, f->y1 - f->y0 + 4 * s);
  cairo_clip (cr);
  gboolean started = FALSE;
  for (guint i = 0; i < xs->len; i++)
    {
      double v = g_array_index (xs, double, i);
      /* at a duplicated end point take the inside value first, then the outside one */
      double pdfv;
      gboolean dup_next = i + 1 < xs->len && g_array_index (xs, double, i + 1) == v;
      gboolean dup_prev = i > 0 && g_array_index (xs, double, i - 1) == v;
      if (dup_next)
        pdfv = v == lo ? 0 : ps_distribution_pdf (d, v);
      else if (dup_prev)
        pdfv = v == lo ? ps_distribution_pdf (d, v) : 0;
      else
        pdfv = ps_distribution_pdf (d, v);
      double c = N * pdfv * w;
      double y = f->log_y && c < 0.5 ? f->y1 : y_of (f, c);
      if (!started)
        cairo_move_to (cr, x_of (f, v), y);
      else
        cairo_line_to (cr, x_of (f, v), y);
      started = TRUE;
    }
  cairo_stroke (cr);
  cairo_restore (cr);
  g_array_unref (xs);
}

typedef struct {
  int mark;        /* 0 none, 1 bar swatch, 2 line swatch */
  gboolean muted;
  char *text;
  const char *key; /* drawn in its own column before text ("std", "mean"), or NULL */
} LegendLine;

static void
add_line (GArray *a, int mark, gboolean muted, char *text)
{
  LegendLine l = { mark, muted, text, NULL };
  g_array_append_val (a, l);
}

static void
add_keyed (GArray *a, const char *key, gboolean muted, char *text)
{
  LegendLine l = { 0, muted, text, key };
  g_array_append_val (a, l);
}

/* Over the plot the legend covers at most this share of the axis box's width or height. */
#define LEGEND_MAX_SHARE 0.4

static double
legend_text_width (cairo_t *cr, GArray *lines, double keyw)
{
  double tw = 0;
  for (guint i = 0; i < lines->len; i++)
    {
      LegendLine *l = &g_array_index (lines, LegendLine, i);
      tw = MAX (tw, ps_plot_text_width (cr, l->text) + (l->key ? keyw : 0));
    }
  return tw;
}

static void
draw_legend (const PsHistogramPlot *p, cairo_t *cr, const Frame *f, double s)
{
  const PsHistogramPlotOptions *o = p->o;
  const PsHistogram *h = p->h;
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (LegendLine));
  char n[48], b[48];
  int64_t nv = n_values (h) + h->nan;
  ps_plot_format_count (nv, n, sizeof n);
  add_line (lines, 1, FALSE, g_strdup ("observed"));
  g_autofree char *bins = g_strdup_printf (g_dngettext (NULL, "%d bin", "%d bins", (gulong) h->n_bins), h->n_bins);
  add_line (lines, 0, TRUE, g_strdup_printf (g_dngettext (NULL, "%s value · %s", "%s values · %s", (gulong) nv), n, bins));
  gboolean known = has_known_init (p);
  if (known)
    {
      add_line (lines, 2, FALSE, g_strdup ("expected"));
      if (o->init->fn[0])
        add_line (lines, 0, TRUE, g_strdup (o->init->fn));
      add_line (lines, 0, TRUE, ps_distribution_label (o->init));
    }
  double em, es;
  if (o->stats && o->stats->n_finite > 0)
    {
      char a[64];
      gboolean mom = known && ps_distribution_moments (o->init, &em, &es);
      ps_plot_format_value (o->stats->std, a, sizeof a);
      if (mom)
        {
          ps_plot_format_value (es, b, sizeof b);
          add_keyed (lines, "std", FALSE, g_strdup_printf ("expected %s", b));
          if (es > 0)
            add_keyed (lines, "", FALSE, g_strdup_printf ("observed %s (×%.3f)", a, o->stats->std / es));
          else
            add_keyed (lines, "", FALSE, g_strdup_printf ("observed %s", a));
          ps_plot_format_value (em, b, sizeof b);
          add_keyed (lines, "mean", TRUE, g_strdup_printf ("expected %s", b));
          ps_plot_format_value (o->stats->mean, b, sizeof b);
          add_keyed (lines, "", TRUE, g_strdup_printf ("observed %s", b));
        }
      else
        {
          add_keyed (lines, "std", FALSE, g_strdup (a));
          ps_plot_format_value (o->stats->mean, b, sizeof b);
          add_keyed (lines, "mean", TRUE, g_strdup (b));
        }
    }
  if (h->underflow > 0 || h->overflow > 0)
    {
      char u[48], v[48];
      ps_plot_format_count (h->underflow, u, sizeof u);
      ps_plot_format_count (h->overflow, v, sizeof v);
      add_line (lines, 0, TRUE, g_strdup_printf ("outside range: %s below, %s above", u, v));
    }
  if (h->nan > 0)
    {
      ps_plot_format_count (h->nan, n, sizeof n);
      add_line (lines, 0, FALSE, g_strdup_printf ("NaN: %s (not drawn)", n));
    }
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  double keyw = 40 * s, lh = 17 * s, sw = 22 * s;
  double tw = legend_text_width (cr, lines, keyw);
  double bw = tw + sw + 16 * s, bh = lines->len * lh + 8 * s;
  gboolean over_too_much = f->legend_x <= 0 && (bw > LEGEND_MAX_SHARE * (f->x1 - f->x0)
                                                || bh > LEGEND_MAX_SHARE * (f->y1 - f->y0));
  /* in its column beside a short plot (a wide window of little height, a projector's larger
   * text) the whole legend ran past the picture's bottom and its last lines were cut */
  gboolean column_too_tall = f->legend_x > 0 && f->y0 + 4 * s + bh > f->bottom;
  if (over_too_much || column_too_tall)
    {
      /* drawn over a small plot (Compare's small multiples): the whole legend hid half the bars;
       * only its keys (observed, expected) stay — the numbers are on the Histogram page (and in
       * the plot's accessible description) */
      guint k = 0;
      for (guint i = 0; i < lines->len; i++)
        {
          LegendLine *l = &g_array_index (lines, LegendLine, i);
          if (l->mark != 0)
            g_array_index (lines, LegendLine, k++) = *l;
          else
            g_free (l->text);
        }
      g_array_set_size (lines, k);
      tw = legend_text_width (cr, lines, keyw);
      bw = tw + sw + 16 * s;
      bh = lines->len * lh + 8 * s;
    }
  double bx, by = f->y0 + 4 * s;
  if (f->legend_x > 0)
    bx = f->legend_x;
  else
    {
      bx = f->x1 - bw - 6 * s;
      ps_color_set_source (cr, (PS_PLOT_BG & 0xffffffu) | 0xe0000000u);   /* 88 % opaque */
      cairo_rectangle (cr, bx, by, bw, bh);
      cairo_fill_preserve (cr);
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_set_line_width (cr, 1 * s);
      cairo_stroke (cr);
    }
  for (guint i = 0; i < lines->len; i++)
    {
      LegendLine *l = &g_array_index (lines, LegendLine, i);
      double ly = by + 4 * s + lh * (i + 0.5);
      if (l->mark == 1)
        {
          ps_color_set_source (cr, o->bar_color);
          cairo_rectangle (cr, bx + 4 * s, ly - 6 * s, 14 * s, 12 * s);
          cairo_fill (cr);
        }
      else if (l->mark == 2)
        {
          ps_color_set_source (cr, o->expected_color);
          cairo_set_line_width (cr, 2.2 * s);
          cairo_move_to (cr, bx + 3 * s, ly);
          cairo_line_to (cr, bx + 19 * s, ly);
          cairo_stroke (cr);
        }
      ps_plot_set_font (cr, 11.5 * s, l->mark != 0);
      ps_color_set_source (cr, l->muted ? PS_PLOT_MUTED : PS_PLOT_FG);
      if (l->key)
        ps_plot_text (cr, bx + sw + 2 * s, ly, l->key, PS_ALIGN_START, PS_ALIGN_CENTER);
      ps_plot_text (cr, bx + sw + 2 * s + (l->key ? keyw : 0), ly, l->text, PS_ALIGN_START,
                    PS_ALIGN_CENTER);
      g_free (l->text);
    }
  g_array_unref (lines);
}

/* The count axis' ticks: powers of ten on a log axis, else whole counts up to the top of the
 * frame (never above it: a tick past cmax would be drawn over the header). */
static int
frame_y_ticks (const Frame *f, double s, double *ticks, double *ys)
{
  int nt = 0;
  double step;
  if (f->log_y)
    {
      for (int e = 0; e <= (int) floor (f->cmax) && nt < PS_PLOT_MAX_TICKS; e++)
        ticks[nt++] = pow (10, e);
    }
  else
    nt = ps_plot_count_ticks (f->cmax, MAX (3, (int) ((f->y1 - f->y0) / (40 * s))), ticks, &step);
  for (int i = 0; i < nt; i++)
    ys[i] = y_of (f, ticks[i]);
  return nt;
}

int
ps_histogram_plot_y_ticks (const PsHistogramPlot *p, double width, double height, double *ticks,
                           double *ys, double *top, double *bottom)
{
  g_return_val_if_fail (p != NULL && p->h != NULL && p->o != NULL, 0);
  double s = p->o->scale > 0 ? p->o->scale : 1;
  Frame f;
  frame_of (p, width, height, &f);
  if (top)
    *top = f.y0;
  if (bottom)
    *bottom = f.y1;
  return frame_y_ticks (&f, s, ticks, ys);
}

void
ps_histogram_plot_draw (const PsHistogramPlot *p, cairo_t *cr, double width, double height)
{
  g_return_if_fail (p != NULL && p->h != NULL && p->o != NULL);
  const PsHistogram *h = p->h;
  const PsHistogramPlotOptions *o = p->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  Frame f;
  frame_of (p, width, height, &f);
  if (f.x1 - f.x0 < 20 || f.y1 - f.y0 < 20)
    {
      cairo_restore (cr);
      return;
    }

  /* grid and y ticks */
  double ticks[PS_PLOT_MAX_TICKS], ys[PS_PLOT_MAX_TICKS];
  int nt = frame_y_ticks (&f, s, ticks, ys);
  cairo_set_line_width (cr, 1 * s);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  double label_w = 0;
  for (int i = 0; i < nt; i++)
    {
      double y = ys[i];
      ps_color_set_source (cr, PS_PLOT_GRID);
      cairo_move_to (cr, f.ux0, y);
      cairo_line_to (cr, f.ux1 + f.slot, y);
      cairo_stroke (cr);
      char buf[64];
      if (f.log_y || ticks[i] >= 1e5)
        g_snprintf (buf, sizeof buf, ticks[i] >= 1e5 ? "%.0e" : "%.0f", ticks[i]);
      else
        ps_plot_format_count ((int64_t) llround (ticks[i]), buf, sizeof buf);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, f.ux0 - 6 * s, y, buf, PS_ALIGN_END, PS_ALIGN_CENTER);
      label_w = MAX (label_w, ps_plot_text_width (cr, buf));
    }
  /* the count axis's title, turned, left of its numbers (kept inside the picture) */
  if (nt > 0)
    {
      cairo_save (cr);
      cairo_translate (cr, MAX (16 * s, f.ux0 - 6 * s - label_w - 6 * s), (f.y0 + f.y1) / 2);
      cairo_rotate (cr, -G_PI / 2);
      ps_color_set_source (cr, PS_PLOT_MUTED);
      ps_plot_text (cr, 0, 0, f.log_y ? "count (log scale)" : "count", PS_ALIGN_CENTER, PS_ALIGN_END);
      cairo_restore (cr);
    }

  /* bars: exact edges; a hairline gap between bars when they are wide enough */
  ps_color_set_source (cr, o->bar_color);
  double gap = (f.x1 - f.x0) / h->n_bins > 5 * s ? 0.6 * s : 0;
  for (int i = 0; i < h->n_bins; i++)
    {
      double xa = x_of (&f, h->edges[i]), xb = x_of (&f, h->edges[i + 1]);
      fill_bar (cr, &f, xa + gap / 2, MAX (xa + gap / 2 + 0.5, xb - gap / 2), (double) h->counts[i]);
    }
  cairo_fill (cr);

  if (h->underflow > 0 || h->overflow > 0)
    {
      char lo[64], hi[64], a[80], b[80];
      ps_plot_format_value (h->edges[0], lo, sizeof lo);
      ps_plot_format_value (h->edges[h->n_bins], hi, sizeof hi);
      g_snprintf (a, sizeof a, "< %s", lo);
      g_snprintf (b, sizeof b, "> %s", hi);
      draw_side_bar (cr, &f, f.ux0, h->underflow, a, s);
      draw_side_bar (cr, &f, f.ux1, h->overflow, b, s);
    }

  if (has_known_init (p))
    draw_expected (p, cr, &f, s);

  /* axes */
  ps_color_set_source (cr, PS_PLOT_FG);
  cairo_set_line_width (cr, 1.2 * s);
  cairo_move_to (cr, f.x0, f.y1);
  cairo_line_to (cr, f.x1, f.y1);
  cairo_stroke (cr);
  double step;
  nt = ps_plot_nice_ticks (f.vmin, f.vmax, MAX (3, MIN (11, (int) ((f.x1 - f.x0) / (70 * s)))),
                           ticks, &step);
  ps_plot_set_font (cr, 11.5 * s, FALSE);
  for (int i = 0; i < nt; i++)
    {
      double x = x_of (&f, ticks[i]);
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      cairo_move_to (cr, x, f.y1);
      cairo_line_to (cr, x, f.y1 + 4 * s);
      cairo_stroke (cr);
      ps_plot_text (cr, x, f.y1 + 6 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, (f.x0 + f.x1) / 2, f.y1 + 24 * s,
                "value", PS_ALIGN_CENTER, PS_ALIGN_START);

  draw_legend (p, cr, &f, s);
  cairo_restore (cr);
}

void
ps_histogram_plot_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_histogram_plot_draw (data, cr, width, height);
}

gboolean
ps_histogram_plot_hit (const PsHistogramPlot *p, double width, double height, double x, double y,
                       PsHistogramPlotHit *hit)
{
  Frame f;
  frame_of (p, width, height, &f);
  const PsHistogram *h = p->h;
  if (y < f.y0 - 4 || y > f.y1)
    return FALSE;
  if (f.slot > 0 && x >= f.ux0 && x < f.ux0 + f.slot)
    {
      *hit = (PsHistogramPlotHit) { -1, -INFINITY, h->edges[0], h->underflow };
      return TRUE;
    }
  if (f.slot > 0 && x >= f.ux1 && x < f.ux1 + f.slot)
    {
      *hit = (PsHistogramPlotHit) { h->n_bins, h->edges[h->n_bins], INFINITY, h->overflow };
      return TRUE;
    }
  if (x < f.x0 || x >= f.x1)
    return FALSE;
  double v = f.vmin + (x - f.x0) / (f.x1 - f.x0) * (f.vmax - f.vmin);
  /* by the drawn edges (exact bins may be uneven in float32) */
  int b = ps_histogram_bin_of (h, v);
  b = CLAMP (b, 0, h->n_bins - 1);
  while (b > 0 && x < x_of (&f, h->edges[b]))
    b--;
  while (b < h->n_bins - 1 && x >= x_of (&f, h->edges[b + 1]))
    b++;
  *hit = (PsHistogramPlotHit) { b, h->edges[b], h->edges[b + 1], h->counts[b] };
  return TRUE;
}

gboolean
ps_histogram_plot_bin_point (const PsHistogramPlot *p, double width, double height, int bin,
                             double *x, double *y)
{
  const PsHistogram *h = p->h;
  if (bin < 0 || bin >= h->n_bins || h->counts[bin] == 0)
    return FALSE;
  Frame f;
  frame_of (p, width, height, &f);
  *x = (x_of (&f, h->edges[bin]) + x_of (&f, h->edges[bin + 1])) / 2;
  double top = y_of (&f, (double) h->counts[bin]);
  *y = f.y1 - MIN (4.0, (f.y1 - top) / 2);
  return TRUE;
}
