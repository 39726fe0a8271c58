/* ps-heatmap.c — see ps-heatmap.h for the folding, pooling and drawing rules. */
#include "ps-heatmap.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_heatmap_options_init (PsHeatmapOptions *o)
{
  memset (o, 0, sizeof *o);
  o->colormap = PS_COLORMAP_DIVERGING;
  o->range = PS_HEATMAP_RANGE_SYMMETRIC;
  o->robust_q = 0.995;
  o->scale = 1.0;
  o->show_colorbar = TRUE;
  o->show_footer = TRUE;
}

/* ---- grid ----------------------------------------------------------------------------------- */

void
ps_heatmap_grid_of (const PsTensor *t, PsHeatmapGrid *g)
{
  g->tile_rows = g->tile_cols = g->tiles_per_row = 1;
  switch (t->ndim)
    {
    case 0:
      g->rows = g->cols = 1;
      break;
    case 1:
      g->rows = 1;
      g->cols = t->shape[0];
      break;
    case 2:
      g->rows = t->shape[0];
      g->cols = t->shape[1];
      break;
    default:
      {
        int n = t->ndim;
        int64_t mid = 1;
        for (int i = 1; i <= n - 3; i++)
          mid *= t->shape[i];
        if (n == 3)
          {
            mid = t->shape[1];
            g->tile_rows = 1;
          }
        else
          g->tile_rows = t->shape[n - 2];
        g->tile_cols = t->shape[n - 1];
        g->tiles_per_row = mid;
        g->rows = t->shape[0] * g->tile_rows;
        g->cols = mid * g->tile_cols;
        break;
      }
    }
}

int64_t
ps_heatmap_grid_offset (const PsTensor *t, const PsHeatmapGrid *g, int64_t row, int64_t col)
{
  if (t->ndim <= 2)
    return row * g->cols + col;
  int64_t o = row / g->tile_rows, ir = row % g->tile_rows;
  int64_t tc = col / g->tile_cols, ic = col % g->tile_cols;
  return ((o * g->tiles_per_row + tc) * g->tile_rows + ir) * g->tile_cols + ic;
}

void
ps_heatmap_grid_cell (const PsTensor *t, const PsHeatmapGrid *g, int64_t offset, int64_t *row,
                      int64_t *col)
{
  if (t->ndim <= 2)
    {
      *row = g->cols ? offset / g->cols : 0;
      *col = g->cols ? offset % g->cols : 0;
      return;
    }
  int64_t ic = offset % g->tile_cols;
  offset /= g->tile_cols;
  int64_t ir = offset % g->tile_rows;
  offset /= g->tile_rows;
  int64_t tc = offset % g->tiles_per_row;
  int64_t o = offset / g->tiles_per_row;
  *row = o * g->tile_rows + ir;
  *col = tc * g->tile_cols + ic;
}

void
ps_tensor_offset_to_index (const PsTensor *t, int64_t offset, int64_t *index)
{
  for (int d = t->ndim - 1; d >= 0; d--)
    {
      int64_t n = t->shape[d];
      index[d] = n ? offset % n : 0;
      offset = n ? offset / n : 0;
    }
}

/* ---- colorize -------------------------------------------------------------------------------- */

/* Magnitude key of a float's bits: |x| as an unsigned integer orders finite < Inf < NaN. */
static inline guint32
mag_key (guint32 bits)
{
  return bits & 0x7fffffffu;
}

/* One grid row as float bits (int64 data is converted). */
static const guint32 *
fetch_row (const PsTensor *t, const PsHeatmapGrid *g, int64_t row, guint32 *buf)
{
  if (t->dtype == PS_DTYPE_FLOAT32 && t->ndim <= 2)
    return (const guint32 *) ps_tensor_cf32 (t) + row * g->cols;
  if (t->dtype == PS_DTYPE_FLOAT32)
    {
      const guint32 *x = (const guint32 *) ps_tensor_cf32 (t);
      for (int64_t tc = 0; tc < g->tiles_per_row; tc++)
        memcpy (buf + tc * g->tile_cols, x + ps_heatmap_grid_offset (t, g, row, tc * g->tile_cols),
                g->tile_cols * sizeof (guint32));
      return buf;
    }
  const int64_t *x = ps_tensor_ci64 (t);
  for (int64_t c = 0; c < g->cols; c++)
    {
      float f = (float) x[ps_heatmap_grid_offset (t, g, row, c)];
      memcpy (&buf[c], &f, 4);
    }
  return buf;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__ ((target ("avx2"))) static int64_t
pool_rows_avx2 (const guint32 *restrict x, guint32 *restrict bk, guint32 *restrict bv, int64_t n)
{
  const __m256i mask = _mm256_set1_epi32 (0x7fffffff);
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    {
      __m256i v = _mm256_loadu_si256 ((const __m256i *) (x + c));
      __m256i k = _mm256_and_si256 (v, mask);
      __m256i ok = _mm256_loadu_si256 ((const __m256i *) (bk + c));
      /* keys are < 2^31, so the signed compare is an unsigned one */
      __m256i gt = _mm256_cmpgt_epi32 (k, ok);
      _mm256_storeu_si256 ((__m256i *) (bk + c), _mm256_blendv_epi8 (ok, k, gt));
      __m256i ov = _mm256_loadu_si256 ((const __m256i *) (bv + c));
      _mm256_storeu_si256 ((__m256i *) (bv + c), _mm256_blendv_epi8 (ov, v, gt));
    }
  return c;
}
#endif

/* Column-wise running maximum of magnitude over the rows of one pooled row. */
static void
pool_rows (const guint32 *restrict x, guint32 *restrict bk, guint32 *restrict bv, int64_t n)
{
  int64_t c = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports ("avx2"))
    c = pool_rows_avx2 (x, bk, bv, n);
#endif
  for (; c < n; c++)
    {
      guint32 k = mag_key (x[c]);
      if (k > bk[c])
        {
          bk[c] = k;
          bv[c] = x[c];
        }
    }
}

static inline guint32
color_of_bits (guint32 bits, const PsColormap *cm, double lo, double inv)
{
  guint32 k = mag_key (bits);
  if (G_UNLIKELY (k >= 0x7f800000u))
    return k > 0x7f800000u ? cm->nan_color : (bits >> 31 ? cm->neginf_color : cm->posinf_color);
  float v;
  memcpy (&v, &bits, 4);
  double f = ((double) v - lo) * inv + 0.5;
  int i = f >= 255 ? 255 : (f >= 0 ? (int) f : 0);
  return cm->lut[i];
}

cairo_surface_t *
ps_heatmap_colorize (const PsTensor *t, const PsHeatmapGrid *g, int64_t kx, int64_t ky,
                     const PsColormap *cm, double lo, double hi)
{
  int64_t pr = (g->rows + ky - 1) / ky, pc = (g->cols + kx - 1) / kx;
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) MAX (pc, 1),
                                                     (int) MAX (pr, 1));
  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS || t->numel == 0)
    return img;
  cairo_surface_flush (img);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img) / 4;
  guint32 *buf = g_new (guint32, g->cols);
  guint32 *bk = g_new (guint32, g->cols), *bv = g_new (guint32, g->cols);
  /* the same arithmetic as ps_colormap_index, with the division hoisted */
  double inv = 255.0 / (hi - lo);
  for (int64_t r0 = 0, prow = 0; r0 < g->rows; r0 += ky, prow++)
    {
      int64_t r1 = MIN (r0 + ky, g->rows);
      const guint32 *x = fetch_row (t, g, r0, buf);
      if (ky == 1 && kx == 1)
        {
          guint32 *out = px + prow * stride;
          for (int64_t c = 0; c < g->cols; c++)
            out[c] = color_of_bits (x[c], cm, lo, inv);
          continue;
        }
      memcpy (bv, x, g->cols * 4);
      for (int64_t c = 0; c < g->cols; c++)
        bk[c] = mag_key (x[c]);
      for (int64_t r = r0 + 1; r < r1; r++)
        pool_rows (fetch_row (t, g, r, buf), bk, bv, g->cols);
      guint32 *out = px + prow * stride;
      for (int64_t c0 = 0, pcol = 0; c0 < g->cols; c0 += kx, pcol++)
        {
          int64_t c1 = MIN (c0 + kx, g->cols), best = c0;
          for (int64_t c = c0 + 1; c < c1; c++)
            if (bk[c] > bk[best])
              best = c;
          out[pcol] = color_of_bits (bv[best], cm, lo, inv);
        }
    }
  g_free (buf);
  g_free (bk);
  g_free (bv);
  cairo_surface_mark_dirty (img);
  return img;
}

/* ---- the heatmap object ---------------------------------------------------------------------- */

typedef struct {
  gboolean valid;
  double width, height;
  double ix, iy, cw, ch;        /* image origin and texel size in user units */
  int64_t kx, ky, prows, pcols;
} Layout;

struct _PsHeatmap {
  PsTensor *t;
  PsHeatmapOptions o;
  char *title, *subtitle;
  PsStats stats;
  PsHeatmapGrid grid;
  const PsColormap *cm;
  double lo, hi;
  cairo_surface_t *image;       /* cached colorization for (image_kx, image_ky) */
  int64_t image_kx, image_ky;
  Layout last;
};

static gboolean
compute_range (PsHeatmap *hm, GError **error)
{
  const PsStats *s = &hm->stats;
  double lo = -1, hi = 1;
  if (hm->o.range == PS_HEATMAP_RANGE_FIXED)
    {
      if (!isfinite (hm->o.lo) || !isfinite (hm->o.hi) || !(hm->o.lo < hm->o.hi))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "colour range [%g, %g] is not a finite interval", hm->o.lo, hm->o.hi);
          return FALSE;
        }
      hm->lo = hm->o.lo;
      hm->hi = hm->o.hi;
      return TRUE;
    }
  if (s->n_finite > 0)
    switch (hm->o.range)
      {
      case PS_HEATMAP_RANGE_SYMMETRIC:
        lo = -s->abs_max;
        hi = s->abs_max;
        break;
      case PS_HEATMAP_RANGE_MINMAX:
        lo = s->min;
        hi = s->max;
        break;
      case PS_HEATMAP_RANGE_ROBUST:
        {
          double q = hm->o.robust_q;
          if (!(q > 0.5 && q <= 1))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "robust quantile %g is not in (0.5, 1]", q);
              return FALSE;
            }
          if (hm->cm->diverging)
            {
              /* quantile of |x| over the finite values */
              gsize n = (gsize) s->n_finite, k = 0;
              float *a = g_try_new (float, MAX (n, 1));
              if (a == NULL)
                {
                  g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                               "out of memory for the robust colour range");
                  return FALSE;
                }
              for (int64_t i = 0; i < hm->t->numel; i++)
                {
                  double v = hm->t->dtype == PS_DTYPE_FLOAT32 ? ps_tensor_cf32 (hm->t)[i]
                                                              : (double) ps_tensor_ci64 (hm->t)[i];
                  if (isfinite (v))
                    a[k++] = (float) fabs (v);
                }
              double m;
              ps_stats_quantiles_inplace_f32 (a, k, &q, 1, &m);
              g_free (a);
              lo = -m;
              hi = m;
            }
          else
            {
              double qs[2] = { 1 - q, q }, v[2];
              if (!ps_stats_quantiles (hm->t, qs, 2, v, error))
                return FALSE;
              lo = v[0];
              hi = v[1];
            }
          break;
        }
      default:
        break;
      }
  if (!(hi > lo))
    {
      /* all equal (or all zero): a unit-wide range around the value */
      double c = isfinite (lo) ? lo : 0;
      double w = c != 0 ? fabs (c) * 0.5 : 1;
      lo = hm->cm->diverging && c == 0 ? -1 : c - w;
      hi = hm->cm->diverging && c == 0 ? 1 : c + w;
    }
  hm->lo = lo;
  hm->hi = hi;
  return TRUE;
}

PsHeatmap *
ps_heatmap_new (PsTensor *t, const PsHeatmapOptions *options, GError **error)
{
  g_return_val_if_fail (t != NULL, NULL);
  PsHeatmap *hm = g_new0 (PsHeatmap, 1);
  if (options)
    hm->o = *options;
  else
    ps_heatmap_options_init (&hm->o);
  if (!(hm->o.scale > 0))
    hm->o.scale = 1;
  hm->t = ps_tensor_ref (t);
  hm->title = g_strdup (hm->o.title);
  hm->subtitle = g_strdup (hm->o.subtitle);
  hm->o.title = hm->title;
  hm->o.subtitle = hm->subtitle;
  hm->cm = ps_colormap_get (hm->o.colormap < PS_COLORMAP_N ? hm->o.colormap : 0);
  ps_stats_compute (t, &hm->stats);
  ps_heatmap_grid_of (t, &hm->grid);
  if (!compute_range (hm, error))
    {
      ps_heatmap_free (hm);
      return NULL;
    }
  return hm;
}

void
ps_heatmap_free (PsHeatmap *hm)
{
  if (hm == NULL)
    return;
  ps_tensor_unref (hm->t);
  g_free (hm->title);
  g_free (hm->subtitle);
  if (hm->image)
    cairo_surface_destroy (hm->image);
  g_free (hm);
}

const PsStats *
ps_heatmap_get_stats (PsHeatmap *hm)
{
  return &hm->stats;
}

void
ps_heatmap_get_range (PsHeatmap *hm, double *lo, double *hi)
{
  *lo = hm->lo;
  *hi = hm->hi;
}

const PsHeatmapGrid *
ps_heatmap_get_grid (PsHeatmap *hm)
{
  return &hm->grid;
}

void
ps_heatmap_get_downsampling (PsHeatmap *hm, int64_t *kx, int64_t *ky)
{
  *kx = hm->last.valid ? hm->last.kx : 1;
  *ky = hm->last.valid ? hm->last.ky : 1;
}

static const char *
range_name (PsHeatmapRange r)
{
  switch (r)
    {
    case PS_HEATMAP_RANGE_SYMMETRIC: return "symmetric ±max|x|";
    case PS_HEATMAP_RANGE_ROBUST: return "robust";
    case PS_HEATMAP_RANGE_MINMAX: return "min–max";
    default: return "fixed";
    }
}

static char *
layout_text (PsHeatmap *hm)
{
  const PsTensor *t = hm->t;
  if (t->ndim == 0)
    return g_strdup ("scalar");
  if (t->ndim == 1)
    return g_strdup_printf ("strip of %" G_GINT64_FORMAT " values", t->shape[0]);
  if (t->ndim == 2)
    return g_strdup_printf ("rows = dim 0 (%" G_GINT64_FORMAT "), columns = dim 1 (%" G_GINT64_FORMAT ")",
                            t->shape[0], t->shape[1]);
  return g_strdup_printf ("tiles: %" G_GINT64_FORMAT " (dim 0) × %" G_GINT64_FORMAT
                          ", each %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT,
                          t->shape[0], hm->grid.tiles_per_row, hm->grid.tile_rows,
                          hm->grid.tile_cols);
}

static void
draw_glyphs (PsHeatmap *hm, cairo_t *cr, const Layout *l, double ds)
{
  const PsStats *s = &hm->stats;
  if (s->n_nan + s->n_posinf + s->n_neginf == 0 || l->kx != 1 || l->ky != 1)
    return;
  if (MIN (l->cw, l->ch) * ds < 8)
    return;
  const PsTensor *t = hm->t;
  if (t->dtype != PS_DTYPE_FLOAT32)
    return;
  const float *x = ps_tensor_cf32 (t);
  for (int64_t i = 0; i < t->numel; i++)
    if (!isfinite (x[i]))
      {
        int64_t r, c;
        ps_heatmap_grid_cell (t, &hm->grid, i, &r, &c);
        char glyph = isnan (x[i]) ? 'x' : x[i] > 0 ? '+' : '-';
        guint32 col = ps_colormap_map (hm->cm, x[i], hm->lo, hm->hi);
        ps_plot_glyph (cr, l->ix + (c + 0.5) * l->cw, l->iy + (r + 0.5) * l->ch,
                       MIN (l->cw, l->ch), glyph, col);
      }
}

static void
draw_tile_gaps (PsHeatmap *hm, cairo_t *cr, const Layout *l, double ds)
{
  const PsHeatmapGrid *g = &hm->grid;
  if (hm->t->ndim < 3)
    return;
  double tw = g->tile_cols * l->cw / l->kx, th = g->tile_rows * l->ch / l->ky;
  double gap = MAX (1.0 / ds, 0.16 * MIN (l->cw, l->ch));
  gap = MIN (gap, 3 * hm->o.scale);
  ps_color_set_source (cr, PS_PLOT_BG);
  double w = l->pcols * l->cw, h = l->prows * l->ch;
  /* vertical gaps between tile columns, horizontal ones between tile rows (when tiles have
   * more than one row of cells); only when a tile is several pixels wide */
  if (tw * ds >= 6 && g->tiles_per_row > 1 && g->tile_cols > 1)
    for (int64_t k = 1; k < g->tiles_per_row; k++)
      cairo_rectangle (cr, l->ix + k * tw - gap / 2, l->iy, gap, h);
  if (th * ds >= 6 && g->tile_rows > 1)
    for (int64_t k = 1; k < g->rows / g->tile_rows; k++)
      cairo_rectangle (cr, l->ix, l->iy + k * th - gap / 2, w, gap);
  cairo_fill (cr);
}

void
ps_heatmap_draw (PsHeatmap *hm, cairo_t *cr, double width, double height)
{
  g_return_if_fail (hm != NULL && cr != NULL);
  const double s = hm->o.scale;
  const PsStats *st = &hm->stats;
  const PsHeatmapGrid *g = &hm->grid;
  double ds_x = 1, ds_y = 0;
  cairo_user_to_device_distance (cr, &ds_x, &ds_y);
  double ds = MAX (fabs (ds_x), 1e-6);

  cairo_save (cr);
  ps_plot_background (cr, width, height);
  double pad = 14 * s;
  g_autofree char *shape = ps_tensor_shape_string (hm->t);
  double hh = ps_plot_header (cr, pad, pad, width - 2 * pad, hm->o.title, shape, hm->o.subtitle, s);

  double line = 19 * s;
  double footer = hm->o.show_footer ? 2 * line + 4 * s : 0;
  double cbw = hm->o.show_colorbar ? ps_plot_colorbar_width (cr, hm->lo, hm->hi, s) + 18 * s : 0;
  double px = pad, py = pad + hh;
  double pw = width - 2 * pad - cbw, ph = height - py - pad - footer;

  Layout l = { 0 };
  l.valid = TRUE;
  l.width = width;
  l.height = height;
  if (pw < 4 || ph < 4 || hm->t->numel == 0)
    {
      ps_plot_set_font (cr, 13 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_MUTED);
      ps_plot_text (cr, px, py + 4 * s, hm->t->numel == 0 ? "empty tensor" : "too small to draw",
                    PS_ALIGN_START, PS_ALIGN_START);
      hm->last = (Layout) { 0 };
      cairo_restore (cr);
      return;
    }

  /* Pooling: at least one device pixel per texel. */
  double pw_px = floor (pw * ds), ph_px = floor (ph * ds);
  l.kx = MAX (1, (int64_t) ceil (g->cols / MAX (pw_px, 1)));
  l.ky = g->rows == 1 ? 1 : MAX (1, (int64_t) ceil (g->rows / MAX (ph_px, 1)));
  l.pcols = (g->cols + l.kx - 1) / l.kx;
  l.prows = (g->rows + l.ky - 1) / l.ky;
  /* Square texels as large as fit; an elongated matrix may stretch its short side to a fifth
   * of the area so it stays visible; a strip is at least a fifth of the height. */
  double sq = MIN (pw / l.pcols, ph / l.prows);
  l.cw = MAX (sq, MIN (pw / l.pcols, 0.2 * pw / l.pcols));
  l.ch = MAX (sq, MIN (ph / l.prows, 0.2 * ph / l.prows));
  if (g->rows == 1 && hm->t->ndim <= 1)
    l.ch = MAX (sq, MIN (ph, MAX (0.2 * ph, 36 * s)));
  l.cw = MIN (l.cw, pw / l.pcols);
  l.ch = MIN (l.ch, ph / l.prows);
  /* whole device pixels per texel when texels are big: equal cell widths */
  if (l.cw * ds >= 3)
    l.cw = floor (l.cw * ds) / ds;
  if (l.ch * ds >= 3)
    l.ch = floor (l.ch * ds) / ds;
  l.ix = px;
  l.iy = py;
  double iw = l.pcols * l.cw, ih = l.prows * l.ch;

  if (hm->image == NULL || hm->image_kx != l.kx || hm->image_ky != l.ky)
    {
      if (hm->image)
        cairo_surface_destroy (hm->image);
      hm->image = ps_heatmap_colorize (hm->t, g, l.kx, l.ky, hm->cm, hm->lo, hm->hi);
      hm->image_kx = l.kx;
      hm->image_ky = l.ky;
    }

  cairo_save (cr);
  cairo_rectangle (cr, l.ix, l.iy, iw, ih);
  cairo_clip (cr);
  cairo_translate (cr, l.ix, l.iy);
  cairo_scale (cr, l.cw, l.ch);
  cairo_set_source_surface (cr, hm->image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);

  draw_tile_gaps (hm, cr, &l, ds);
  draw_glyphs (hm, cr, &l, ds);
  ps_color_set_source (cr, PS_PLOT_MUTED);
  cairo_set_line_width (cr, 1 * s);
  cairo_rectangle (cr, l.ix - 0.5 * s, l.iy - 0.5 * s, iw + s, ih + s);
  cairo_stroke (cr);

  if (hm->o.show_colorbar)
    {
      double cbh = MIN (ph, MAX (ih, 160 * s));
      gboolean ext_lo = st->n_finite > 0 && st->min < hm->lo;
      gboolean ext_hi = st->n_finite > 0 && st->max > hm->hi;
      ps_plot_colorbar (cr, l.ix + iw + 18 * s, l.iy, cbh, hm->cm, hm->lo, hm->hi, ext_lo, ext_hi, s);
    }

  if (hm->o.show_footer)
    {
      double fy = l.iy + MAX (ih, hm->o.show_colorbar ? MIN (ph, MAX (ih, 160 * s)) : 0) + 6 * s + line / 2;
      double fx = px;
      char buf[256], a[64], b[64];
      if (st->n_nan > 0)
        {
          char c[48];
          ps_plot_format_count (st->n_nan, c, sizeof c);
          g_snprintf (buf, sizeof buf, "NaN %s", c);
          fx += ps_plot_swatch (cr, fx, fy, hm->cm->nan_color, 'x', buf, s);
        }
      if (st->n_posinf > 0)
        {
          char c[48];
          ps_plot_format_count (st->n_posinf, c, sizeof c);
          g_snprintf (buf, sizeof buf, "+Inf %s", c);
          fx += ps_plot_swatch (cr, fx, fy, hm->cm->posinf_color, '+', buf, s);
        }
      if (st->n_neginf > 0)
        {
          char c[48];
          ps_plot_format_count (st->n_neginf, c, sizeof c);
          g_snprintf (buf, sizeof buf, "\u2212Inf %s", c);
          fx += ps_plot_swatch (cr, fx, fy, hm->cm->neginf_color, '-', buf, s);
        }
      ps_plot_format_value (hm->lo, a, sizeof a);
      ps_plot_format_value (hm->hi, b, sizeof b);
      if (hm->o.range == PS_HEATMAP_RANGE_ROBUST)
        g_snprintf (buf, sizeof buf, "colour range [%s, %s], robust (%.4g %% quantile%s)", a, b,
                    hm->o.robust_q * 100, hm->cm->diverging ? " of |x|" : "s");
      else
        g_snprintf (buf, sizeof buf, "colour range [%s, %s], %s", a, b, range_name (hm->o.range));
      ps_plot_set_font (cr, 11.5 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, fx, fy, buf, PS_ALIGN_START, PS_ALIGN_CENTER);

      g_autofree char *lt = layout_text (hm);
      g_autofree char *line2 = NULL;
      if (l.kx > 1 || l.ky > 1)
        {
          if (l.kx == l.ky)
            line2 = g_strdup_printf ("%s  ·  downsampled %" G_GINT64_FORMAT "× (largest |x| of each "
                                     "%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " block)",
                                     lt, l.kx, l.ky, l.kx);
          else
            line2 = g_strdup_printf ("%s  ·  downsampled %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                                     " (largest |x| of each %" G_GINT64_FORMAT " rows × %"
                                     G_GINT64_FORMAT " columns)",
                                     lt, l.ky, l.kx, l.ky, l.kx);
          ps_plot_set_font (cr, 11.5 * s, TRUE);
          ps_color_set_source (cr, 0xffb03000u);
        }
      else
        {
          line2 = g_steal_pointer (&lt);
          ps_plot_set_font (cr, 11.5 * s, FALSE);
          ps_color_set_source (cr, PS_PLOT_MUTED);
        }
      ps_plot_text (cr, px, fy + line, line2, PS_ALIGN_START, PS_ALIGN_CENTER);
    }
  hm->last = l;
  cairo_restore (cr);
}

void
ps_heatmap_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_heatmap_draw (data, cr, width, height);
}

static double
element_value (const PsTensor *t, int64_t off)
{
  return t->dtype == PS_DTYPE_FLOAT32 ? (double) ps_tensor_cf32 (t)[off]
                                      : (double) ps_tensor_ci64 (t)[off];
}

static guint32
element_key (const PsTensor *t, int64_t off)
{
  float f = t->dtype == PS_DTYPE_FLOAT32 ? ps_tensor_cf32 (t)[off] : (float) ps_tensor_ci64 (t)[off];
  guint32 b;
  memcpy (&b, &f, 4);
  return mag_key (b);
}

gboolean
ps_heatmap_hit (PsHeatmap *hm, double x, double y, PsHeatmapHit *hit)
{
  const Layout *l = &hm->last;
  if (!l->valid || l->pcols == 0)
    return FALSE;
  double fx = (x - l->ix) / l->cw, fy = (y - l->iy) / l->ch;
  if (fx < 0 || fy < 0 || fx >= l->pcols || fy >= l->prows)
    return FALSE;
  int64_t pc = (int64_t) fx, pr = (int64_t) fy;
  const PsHeatmapGrid *g = &hm->grid;
  int64_t r0 = pr * l->ky, r1 = MIN (r0 + l->ky, g->rows);
  int64_t c0 = pc * l->kx, c1 = MIN (c0 + l->kx, g->cols);
  /* the element the colorizer showed: per column the first row of largest magnitude, then the
   * first such column */
  int64_t best_r = r0, best_c = c0;
  guint32 best_k = 0;
  gboolean first = TRUE;
  for (int64_t c = c0; c < c1; c++)
    {
      int64_t br = r0;
      guint32 bk = element_key (hm->t, ps_heatmap_grid_offset (hm->t, g, r0, c));
      for (int64_t r = r0 + 1; r < r1; r++)
        {
          guint32 k = element_key (hm->t, ps_heatmap_grid_offset (hm->t, g, r, c));
          if (k > bk)
            {
              bk = k;
              br = r;
            }
        }
      if (first || bk > best_k)
        {
          best_k = bk;
          best_r = br;
          best_c = c;
          first = FALSE;
        }
    }
  hit->row = best_r;
  hit->col = best_c;
  hit->offset = ps_heatmap_grid_offset (hm->t, g, best_r, best_c);
  hit->ndim = hm->t->ndim;
  ps_tensor_offset_to_index (hm->t, hit->offset, hit->index);
  hit->value = element_value (hm->t, hit->offset);
  hit->block_rows = r1 - r0;
  hit->block_cols = c1 - c0;
  return TRUE;
}

gboolean
ps_heatmap_cell_rect (PsHeatmap *hm, int64_t row, int64_t col, double rect[4])
{
  const Layout *l = &hm->last;
  if (!l->valid || l->pcols == 0 || row < 0 || col < 0 || row >= hm->grid.rows ||
      col >= hm->grid.cols)
    return FALSE;
  rect[0] = l->ix + (col / l->kx) * l->cw;
  rect[1] = l->iy + (row / l->ky) * l->ch;
  rect[2] = l->cw;
  rect[3] = l->ch;
  return TRUE;
}
