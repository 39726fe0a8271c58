/* ps-heatmap.c — see ps-heatmap.h for the folding, pooling and drawing rules. */
#include "ps-heatmap.h"
#include "ps-cpu.h"
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

/* ---- colorize -------------------------------------------------------------------------------- */

/* Pooling key of a float's bits: rotated left by one, so the 31 magnitude bits come first and
 * the sign last. As unsigned integers keys order by |x| with finite < Inf < NaN, and for equal
 * |x| the negative value wins — a fixed rule, so a texel and its hover always agree. The key
 * also keeps the value: bits = rotate right by one. */
static inline guint32
rot_key (guint32 bits)
{
  return (bits << 1) | (bits >> 31);
}

static inline guint32
unrot_key (guint32 k)
{
  return (k >> 1) | (k << 31);
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

static inline guint32
color_of_bits (guint32 bits, const PsColormap *cm, double lo, double inv)
{
  guint32 k = bits & 0x7fffffffu;
  if (G_UNLIKELY (k >= 0x7f800000u))
    return k > 0x7f800000u ? cm->nan_color : (bits >> 31 ? cm->neginf_color : cm->posinf_color);
  float v;
  memcpy (&v, &bits, 4);
  double f = ((double) v - lo) * inv + 0.5;
  int i = f >= 255 ? 255 : (f >= 0 ? (int) f : 0);
  return cm->lut[i];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PS_HEATMAP_SIMD 1

static gboolean
have_avx2 (void)
{
  return (ps_cpu_features () & PS_CPU_AVX2) != 0;
}

/* keys[c] = max (keys[c], rot_key(rows[r][c]) for every row), kept in registers (one store per
 * column). Returns how many columns it did (a multiple of 8). */
__attribute__ ((target ("avx2"))) static int64_t
pool_block_avx2 (const guint32 *const *rows, int64_t nrows, int64_t n, guint32 *restrict keys)
{
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    {
      __m256i k = _mm256_loadu_si256 ((const __m256i *) (keys + c));
      for (int64_t r = 0; r < nrows; r++)
        {
          __m256i x = _mm256_loadu_si256 ((const __m256i *) (rows[r] + c));
          x = _mm256_or_si256 (_mm256_slli_epi32 (x, 1), _mm256_srli_epi32 (x, 31));
          k = _mm256_max_epu32 (k, x);
        }
      _mm256_storeu_si256 ((__m256i *) (keys + c), k);
    }
  return c;
}

/* The same with AVX-512: the rotation is one instruction and 16 columns go at a time. */
__attribute__ ((target ("avx512f"))) static int64_t
pool_block_avx512 (const guint32 *const *rows, int64_t nrows, int64_t n, guint32 *restrict keys)
{
  int64_t c = 0;
  for (; c + 16 <= n; c += 16)
    {
      __m512i k = _mm512_loadu_si512 ((const void *) (keys + c));
      for (int64_t r = 0; r < nrows; r++)
        k = _mm512_max_epu32 (k, _mm512_rol_epi32 (_mm512_loadu_si512 ((const void *) (rows[r] + c)), 1));
      _mm512_storeu_si512 ((void *) (keys + c), k);
    }
  return c;
}

static gboolean
have_avx512 (void)
{
  return (ps_cpu_features () & PS_CPU_AVX512F) != 0;
}

/* In place: keys of length n (a multiple of 16) → n/2, the max of each neighbouring pair. */
__attribute__ ((target ("avx2"))) static void
halve_avx2 (guint32 *keys, int64_t n)
{
  const __m256i even_odd = _mm256_setr_epi32 (0, 2, 4, 6, 1, 3, 5, 7);
  for (int64_t i = 0, o = 0; i < n; i += 16, o += 8)
    {
      __m256i a = _mm256_permutevar8x32_epi32 (_mm256_loadu_si256 ((const __m256i *) (keys + i)), even_odd);
      __m256i b = _mm256_permutevar8x32_epi32 (_mm256_loadu_si256 ((const __m256i *) (keys + i + 8)), even_odd);
      __m256i e = _mm256_permute2x128_si256 (a, b, 0x20), od = _mm256_permute2x128_si256 (a, b, 0x31);
      _mm256_storeu_si256 ((__m256i *) (keys + o), _mm256_max_epu32 (e, od));
    }
}

/* Colours of n keys (rotated = TRUE) or float bits: color_of_bits's arithmetic four lanes at a
 * time in double; non-finite lanes are patched afterwards. */
__attribute__ ((target ("avx2"))) static void
color_row_avx2 (const guint32 *x, gboolean rotated, int64_t n, guint32 *out, const PsColormap *cm,
                double lo, double inv)
{
  const __m256d vlo = _mm256_set1_pd (lo), vinv = _mm256_set1_pd (inv), half = _mm256_set1_pd (0.5);
  const __m256d zero = _mm256_setzero_pd (), top = _mm256_set1_pd (255.0);
  const __m128i absmask = _mm_set1_epi32 (0x7fffffff), finmax = _mm_set1_epi32 (0x7f7fffff);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    {
      __m128i bits = _mm_loadu_si128 ((const __m128i *) (x + i));
      if (rotated)
        bits = _mm_or_si128 (_mm_srli_epi32 (bits, 1), _mm_slli_epi32 (bits, 31));
      __m256d f = _mm256_add_pd (_mm256_mul_pd (_mm256_sub_pd (_mm256_cvtps_pd (_mm_castsi128_ps (bits)), vlo), vinv), half);
      f = _mm256_min_pd (_mm256_max_pd (f, zero), top);
      __m128i col = _mm_i32gather_epi32 ((const int *) cm->lut, _mm256_cvttpd_epi32 (f), 4);
      _mm_storeu_si128 ((__m128i *) (out + i), col);
      __m128i nonfinite = _mm_cmpgt_epi32 (_mm_and_si128 (bits, absmask), finmax);
      if (G_UNLIKELY (_mm_movemask_epi8 (nonfinite)))
        for (int k = 0; k < 4; k++)
          out[i + k] = color_of_bits (rotated ? unrot_key (x[i + k]) : x[i + k], cm, lo, inv);
    }
  for (; i < n; i++)
    out[i] = color_of_bits (rotated ? unrot_key (x[i]) : x[i], cm, lo, inv);
}

/* Eight lanes at a time with AVX-512 doubles; same arithmetic. */
__attribute__ ((target ("avx512f,avx2"))) static void
color_row_avx512 (const guint32 *x, gboolean rotated, int64_t n, guint32 *out,
                  const PsColormap *cm, double lo, double inv)
{
  const __m512d vlo = _mm512_set1_pd (lo), vinv = _mm512_set1_pd (inv), half = _mm512_set1_pd (0.5);
  const __m512d zero = _mm512_setzero_pd (), top = _mm512_set1_pd (255.0);
  const __m256i absmask = _mm256_set1_epi32 (0x7fffffff), finmax = _mm256_set1_epi32 (0x7f7fffff);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    {
      __m256i bits = _mm256_loadu_si256 ((const __m256i *) (x + i));
      if (rotated)
        bits = _mm256_or_si256 (_mm256_srli_epi32 (bits, 1), _mm256_slli_epi32 (bits, 31));
      __m512d f = _mm512_add_pd (_mm512_mul_pd (_mm512_sub_pd (_mm512_cvtps_pd (_mm256_castsi256_ps (bits)), vlo), vinv), half);
      f = _mm512_min_pd (_mm512_max_pd (f, zero), top);
      __m256i col = _mm256_i32gather_epi32 ((const int *) cm->lut, _mm512_cvttpd_epi32 (f), 4);
      _mm256_storeu_si256 ((__m256i *) (out + i), col);
      __m256i nonfinite = _mm256_cmpgt_epi32 (_mm256_and_si256 (bits, absmask), finmax);
      if (G_UNLIKELY (_mm256_movemask_epi8 (nonfinite)))
        for (int k = 0; k < 8; k++)
          out[i + k] = color_of_bits (rotated ? unrot_key (x[i + k]) : x[i + k], cm, lo, inv);
    }
  for (; i < n; i++)
    out[i] = color_of_bits (rotated ? unrot_key (x[i]) : x[i], cm, lo, inv);
}
#else
static gboolean
have_avx2 (void)
{
  return FALSE;
}
#endif

static void
color_row (const guint32 *x, gboolean rotated, int64_t n, guint32 *out, const PsColormap *cm,
           double lo, double inv)
{
#ifdef PS_HEATMAP_SIMD
  if (have_avx512 () && have_avx2 ())
    {
      color_row_avx512 (x, rotated, n, out, cm, lo, inv);
      return;
    }
  if (have_avx2 ())
    {
      color_row_avx2 (x, rotated, n, out, cm, lo, inv);
      return;
    }
#endif
  for (int64_t c = 0; c < n; c++)
    out[c] = color_of_bits (rotated ? unrot_key (x[c]) : x[c], cm, lo, inv);
}

static gboolean
region_of (const PsHeatmapGrid *g, const PsHeatmapRegion *region, PsHeatmapRegion *out)
{
  if (region == NULL || region->rows <= 0 || region->cols <= 0)
    {
      *out = (PsHeatmapRegion) { 0, 0, g->rows, g->cols };
      return TRUE;
    }
  if (region->row0 < 0 || region->col0 < 0 || region->row0 + region->rows > g->rows ||
      region->col0 + region->cols > g->cols)
    return FALSE;
  *out = *region;
  return TRUE;
}

gboolean
ps_heatmap_colorize_into (cairo_surface_t *img, const PsTensor *t, const PsHeatmapGrid *g,
                          const PsHeatmapRegion *region, int64_t kx, int64_t ky,
                          const PsColormap *cm, double lo, double hi)
{
  PsHeatmapRegion rg;
  if (!region_of (g, region, &rg) || kx < 1 || ky < 1)
    return FALSE;
  const int64_t C0 = rg.col0, NC = rg.cols, R0 = rg.row0, RE = rg.row0 + rg.rows;
  int64_t pr = (rg.rows + ky - 1) / ky, pc = (NC + kx - 1) / kx;
  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS ||
      cairo_image_surface_get_format (img) != CAIRO_FORMAT_RGB24 ||
      cairo_image_surface_get_width (img) != MAX (pc, 1) ||
      cairo_image_surface_get_height (img) != MAX (pr, 1))
    return FALSE;
  if (t->numel == 0)
    return TRUE;
  cairo_surface_flush (img);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img) / 4;
  /* kx a power of two: pool columns by repeated SIMD halving of a zero-padded row (zero is the
   * smallest key, the one of +0.0, so padding never changes a texel's colour) */
  gboolean pow2 = kx > 1 && (kx & (kx - 1)) == 0;
  int64_t padded = pow2 ? (NC + 16 * kx - 1) / (16 * kx) * (16 * kx) : NC;
  /* 2-D float32 rows are read in place; other layouts are gathered into one buffer per row */
  gboolean direct = t->dtype == PS_DTYPE_FLOAT32 && t->ndim <= 2;
  guint32 *bufs = direct ? NULL : g_new (guint32, (gsize) g->cols * MIN (ky, 64));
  guint32 *keys = g_new0 (guint32, padded);
  guint32 *row = g_new (guint32, pc);
  /* the same arithmetic as ps_colormap_index, with the division hoisted */
  double inv = 255.0 / (hi - lo);
  for (int64_t r0 = R0, prow = 0; r0 < RE; r0 += ky, prow++)
    {
      int64_t r1 = MIN (r0 + ky, RE);
      guint32 *out = px + prow * stride;
      if (ky == 1 && kx == 1)
        {
          color_row (fetch_row (t, g, r0, bufs) + C0, FALSE, NC, out, cm, lo, inv);
          continue;
        }
      /* vertical: keys[c] = max over the block's rows, 64 rows at a time */
      memset (keys, 0, padded * 4);
      for (int64_t rb = r0; rb < r1; rb += 64)
        {
          int64_t re = MIN (rb + 64, r1);
          const guint32 *rows[64];
          for (int64_t r = rb; r < re; r++)
            rows[r - rb] = fetch_row (t, g, r, direct ? NULL : bufs + (gsize) (r - rb) * g->cols) + C0;
          int64_t done = 0;
#ifdef PS_HEATMAP_SIMD
          if (have_avx512 ())
            done = pool_block_avx512 (rows, re - rb, NC, keys);
          else if (have_avx2 ())
            done = pool_block_avx2 (rows, re - rb, NC, keys);
#endif
          for (int64_t c = done; c < NC; c++)
            for (int64_t r = 0; r < re - rb; r++)
              keys[c] = MAX (keys[c], rot_key (rows[r][c]));
        }
      /* horizontal */
      if (kx == 1)
        color_row (keys, TRUE, NC, out, cm, lo, inv);
      else if (pow2)
        {
          for (int64_t n = padded; n > padded / kx; n /= 2)
            {
#ifdef PS_HEATMAP_SIMD
              if (have_avx2 () && n % 16 == 0)
                {
                  halve_avx2 (keys, n);
                  continue;
                }
#endif
              for (int64_t j = 0; j < n / 2; j++)
                keys[j] = MAX (keys[2 * j], keys[2 * j + 1]);
            }
          color_row (keys, TRUE, pc, out, cm, lo, inv);
        }
      else
        {
          for (int64_t c0 = 0, pcol = 0; c0 < NC; c0 += kx, pcol++)
            {
              guint32 k = 0;
              for (int64_t c = c0; c < MIN (c0 + kx, NC); c++)
                k = MAX (k, keys[c]);
              row[pcol] = k;
            }
          color_row (row, TRUE, pc, out, cm, lo, inv);
        }
    }
  g_free (row);
  g_free (keys);
  g_free (bufs);
  cairo_surface_mark_dirty (img);
  return TRUE;
}

const char *
ps_heatmap_pool_name (PsHeatmapPool pool)
{
  switch (pool)
    {
    case PS_HEATMAP_POOL_MEAN: return "mean";
    case PS_HEATMAP_POOL_STRIDE: return "stride sample";
    default: return "largest |x|";
    }
}

/* Mean or stride pooling (the rare, explicit choices: plain loops). */
static void
colorize_other (cairo_surface_t *img, const PsTensor *t, const PsHeatmapGrid *g, const PsHeatmapRegion *rg,
                int64_t kx, int64_t ky, PsHeatmapPool pool, const PsColormap *cm, double lo, double hi)
{
  const int64_t C0 = rg->col0, NC = rg->cols, R0 = rg->row0, RE = rg->row0 + rg->rows;
  int64_t pc = (NC + kx - 1) / kx;
  cairo_surface_flush (img);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img) / 4;
  gboolean direct = t->dtype == PS_DTYPE_FLOAT32 && t->ndim <= 2;
  guint32 *buf = direct ? NULL : g_new (guint32, (gsize) g->cols);
  double *sum = g_new (double, pc);
  for (int64_t r0 = R0, prow = 0; r0 < RE; r0 += ky, prow++)
    {
      int64_t r1 = pool == PS_HEATMAP_POOL_STRIDE ? r0 + 1 : MIN (r0 + ky, RE);
      guint32 *out = px + prow * stride;
      memset (sum, 0, pc * sizeof (double));
      for (int64_t r = r0; r < r1; r++)
        {
          const guint32 *x = fetch_row (t, g, r, buf) + C0;
          for (int64_t c0 = 0, pcol = 0; c0 < NC; c0 += kx, pcol++)
            {
              int64_t c1 = pool == PS_HEATMAP_POOL_STRIDE ? c0 + 1 : MIN (c0 + kx, NC);
              for (int64_t c = c0; c < c1; c++)
                {
                  float v;
                  memcpy (&v, &x[c], 4);
                  sum[pcol] += v;
                }
            }
        }
      for (int64_t pcol = 0; pcol < pc; pcol++)
        {
          double n = pool == PS_HEATMAP_POOL_STRIDE ? 1
                     : (double) (r1 - r0) * (double) (MIN ((pcol + 1) * kx, NC) - pcol * kx);
          out[pcol] = ps_colormap_map (cm, sum[pcol] / n, lo, hi) & 0xffffffu;
        }
    }
  g_free (sum);
  g_free (buf);
  cairo_surface_mark_dirty (img);
}

/* ps_heatmap_colorize with another pooling rule (MAXABS is ps_heatmap_colorize). */
static cairo_surface_t *
ps_heatmap_colorize_pooled (const PsTensor *t, const PsHeatmapGrid *g, const PsHeatmapRegion *region,
                            int64_t kx, int64_t ky, PsHeatmapPool pool, const PsColormap *cm, double lo,
                            double hi)
{
  kx = MAX (kx, 1);
  ky = MAX (ky, 1);
  if (pool == PS_HEATMAP_POOL_MAXABS || (kx == 1 && ky == 1))
    return ps_heatmap_colorize (t, g, region, kx, ky, cm, lo, hi);
  PsHeatmapRegion rg;
  if (!region_of (g, region, &rg))
    rg = (PsHeatmapRegion) { 0, 0, g->rows, g->cols };
  int64_t pr = (rg.rows + ky - 1) / ky, pc = (rg.cols + kx - 1) / kx;
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) MAX (pc, 1),
                                                     (int) MAX (pr, 1));
  if (cairo_surface_status (img) == CAIRO_STATUS_SUCCESS && t->numel > 0)
    colorize_other (img, t, g, &rg, kx, ky, pool, cm, lo, hi);
  return img;
}

cairo_surface_t *
ps_heatmap_colorize (const PsTensor *t, const PsHeatmapGrid *g, const PsHeatmapRegion *region,
                     int64_t kx, int64_t ky, const PsColormap *cm, double lo, double hi)
{
  PsHeatmapRegion rg;
  if (!region_of (g, region, &rg))
    rg = (PsHeatmapRegion) { 0, 0, g->rows, g->cols };
  kx = MAX (kx, 1);
  ky = MAX (ky, 1);
  int64_t pr = (rg.rows + ky - 1) / ky, pc = (rg.cols + kx - 1) / kx;
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) MAX (pc, 1),
                                                     (int) MAX (pr, 1));
  ps_heatmap_colorize_into (img, t, g, &rg, kx, ky, cm, lo, hi);
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
  PsHeatmapRegion view;         /* the cells shown (whole grid by default) */
  cairo_surface_t *image;       /* cached colorization of view for (image_kx, image_ky) */
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
  hm->view = (PsHeatmapRegion) { 0, 0, hm->grid.rows, hm->grid.cols };
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
ps_heatmap_set_view (PsHeatmap *hm, const PsHeatmapRegion *view)
{
  const PsHeatmapGrid *g = &hm->grid;
  PsHeatmapRegion v = { 0, 0, g->rows, g->cols };
  if (view && view->rows > 0 && view->cols > 0)
    {
      v.rows = MIN (view->rows, g->rows);
      v.cols = MIN (view->cols, g->cols);
      v.row0 = CLAMP (view->row0, 0, g->rows - v.rows);
      v.col0 = CLAMP (view->col0, 0, g->cols - v.cols);
    }
  if (memcmp (&v, &hm->view, sizeof v) == 0)
    return;
  hm->view = v;
  if (hm->image)
    cairo_surface_destroy (hm->image);
  hm->image = NULL;
  hm->last.valid = FALSE;
}

void
ps_heatmap_get_downsampling (PsHeatmap *hm, int64_t *kx, int64_t *ky)
{
  *kx = hm->last.valid ? hm->last.kx : 1;
  *ky = hm->last.valid ? hm->last.ky : 1;
}

static const char *
range_name (const PsHeatmapOptions *o)
{
  if (o->range == PS_HEATMAP_RANGE_FIXED && o->range_label != NULL)
    return o->range_label;
  switch (o->range)
    {
    case PS_HEATMAP_RANGE_SYMMETRIC: return "symmetric ±max|x|";
    case PS_HEATMAP_RANGE_ROBUST: return "robust";
    case PS_HEATMAP_RANGE_MINMAX: return "min–max";
    default: return "fixed";
    }
}

char *
ps_heatmap_range_text (PsHeatmap *hm)
{
  char a[64], b[64];
  ps_plot_format_value (hm->lo, a, sizeof a);
  ps_plot_format_value (hm->hi, b, sizeof b);
  if (hm->o.range == PS_HEATMAP_RANGE_ROBUST)
    return g_strdup_printf ("colour range [%s, %s], robust (%.4g %% quantile%s)", a, b,
                            hm->o.robust_q * 100, hm->cm->diverging ? " of |x|" : "s");
  return g_strdup_printf ("colour range [%s, %s], %s", a, b, range_name (&hm->o));
}

static char *
layout_text (PsHeatmap *hm)
{
  const PsTensor *t = hm->t;
  if (t->ndim == 0)
    return g_strdup ("scalar");
  if (t->ndim == 1)
    return g_strdup_printf (g_dngettext (NULL, "strip of %" G_GINT64_FORMAT " value", "strip of %" G_GINT64_FORMAT " values",
                                         (gulong) t->shape[0]), t->shape[0]);
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
  double vx0, vy0, vx1, vy1;
  cairo_clip_extents (cr, &vx0, &vy0, &vx1, &vy1);
  for (int64_t i = 0; i < t->numel; i++)
    if (!isfinite (x[i]))
      {
        int64_t r, c;
        ps_heatmap_grid_cell (t, &hm->grid, i, &r, &c);
        r -= hm->view.row0;
        c -= hm->view.col0;
        if (r < 0 || c < 0 || r >= hm->view.rows || c >= hm->view.cols)
          continue;
        double gx = l->ix + (c + 0.5) * l->cw, gy = l->iy + (r + 0.5) * l->ch;
        if (gx + l->cw < vx0 || gx - l->cw > vx1 || gy + l->ch < vy0 || gy - l->ch > vy1)
          continue;   /* zoomed in: most cells are off screen */
        char glyph = isnan (x[i]) ? 'x' : x[i] > 0 ? '+' : '-';
        guint32 col = ps_colormap_map (hm->cm, x[i], hm->lo, hm->hi);
        ps_plot_glyph (cr, gx, gy, MIN (l->cw, l->ch), glyph, col);
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
  const PsHeatmapRegion *v = &hm->view;
  cairo_save (cr);
  cairo_rectangle (cr, l->ix, l->iy, w, h);
  cairo_clip (cr);
  /* boundaries strictly inside the view, at grid columns/rows that are multiples of a tile */
  if (tw * ds >= 6 && g->tile_cols > 1)
    for (int64_t gc = (v->col0 / g->tile_cols + 1) * g->tile_cols; gc < v->col0 + v->cols; gc += g->tile_cols)
      cairo_rectangle (cr, l->ix + (double) (gc - v->col0) / g->tile_cols * tw - gap / 2, l->iy, gap, h);
  if (th * ds >= 6 && g->tile_rows > 1)
    for (int64_t gr = (v->row0 / g->tile_rows + 1) * g->tile_rows; gr < v->row0 + v->rows; gr += g->tile_rows)
      cairo_rectangle (cr, l->ix, l->iy + (double) (gr - v->row0) / g->tile_rows * th - gap / 2, w, gap);
  cairo_fill (cr);
  cairo_restore (cr);
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
  const PsHeatmapRegion *v = &hm->view;
  l.kx = MAX (1, (int64_t) ceil (v->cols / MAX (pw_px, 1)));
  l.ky = v->rows == 1 ? 1 : MAX (1, (int64_t) ceil (v->rows / MAX (ph_px, 1)));
  l.pcols = (v->cols + l.kx - 1) / l.kx;
  l.prows = (v->rows + l.ky - 1) / l.ky;
  /* Square texels as large as fit; an elongated matrix may stretch its short side to a fifth
   * of the area so it stays visible; a strip is at least a fifth of the height. */
  double sq = MIN (pw / l.pcols, ph / l.prows);
  l.cw = MAX (sq, MIN (pw / l.pcols, 0.2 * pw / l.pcols));
  l.ch = MAX (sq, MIN (ph / l.prows, 0.2 * ph / l.prows));
  if (v->rows == 1 && hm->t->ndim <= 1)
    l.ch = MAX (sq, MIN (ph, MAX (0.2 * ph, 36 * s)));
  l.cw = MIN (l.cw, pw / l.pcols);
  l.ch = MIN (l.ch, ph / l.prows);
  /* whole device pixels per texel when texels are big: equal cell widths */
  if (l.cw * ds >= 3)
    l.cw = floor (l.cw * ds) / ds;
  if (l.ch * ds >= 3)
    l.ch = floor (l.ch * ds) / ds;
  double iw = l.pcols * l.cw, ih = l.prows * l.ch;
  /* centre the picture with its colorbar: it reads better on a slide */
  l.ix = px + MAX (0.0, floor ((pw - iw) / 2 * ds) / ds);
  l.iy = py;

  /* The texels the target shows (its clip, in user units). Zoomed in (a screen's plot view under
   * a magnifying transform) that is a small part of the picture: only those cells are colorized,
   * so the image follows what is visible, never the zoom factor times the tensor. */
  double vx0, vy0, vx1, vy1;
  cairo_clip_extents (cr, &vx0, &vy0, &vx1, &vy1);
  int64_t pc0 = (int64_t) CLAMP (floor ((vx0 - l.ix) / l.cw), 0, (double) l.pcols);
  int64_t pc1 = (int64_t) CLAMP (ceil ((vx1 - l.ix) / l.cw), 0, (double) l.pcols);
  int64_t pr0 = (int64_t) CLAMP (floor ((vy0 - l.iy) / l.ch), 0, (double) l.prows);
  int64_t pr1 = (int64_t) CLAMP (ceil ((vy1 - l.iy) / l.ch), 0, (double) l.prows);
  gboolean whole = pc0 == 0 && pr0 == 0 && pc1 == l.pcols && pr1 == l.prows;
  cairo_surface_t *part = NULL;
  if (whole && (hm->image == NULL || hm->image_kx != l.kx || hm->image_ky != l.ky))
    {
      if (hm->image)
        cairo_surface_destroy (hm->image);
      hm->image = ps_heatmap_colorize_pooled (hm->t, g, &hm->view, l.kx, l.ky, hm->o.pool, hm->cm, hm->lo, hm->hi);
      hm->image_kx = l.kx;
      hm->image_ky = l.ky;
    }
  else if (!whole && pc1 > pc0 && pr1 > pr0)
    {
      /* pooled cells keep their boundaries: the part starts on one */
      PsHeatmapRegion sub = { v->row0 + pr0 * l.ky, v->col0 + pc0 * l.kx,
                              MIN ((pr1 - pr0) * l.ky, v->rows - pr0 * l.ky),
                              MIN ((pc1 - pc0) * l.kx, v->cols - pc0 * l.kx) };
      part = ps_heatmap_colorize_pooled (hm->t, g, &sub, l.kx, l.ky, hm->o.pool, hm->cm, hm->lo, hm->hi);
    }

  if (whole || part != NULL)
    {
      cairo_save (cr);
      cairo_rectangle (cr, l.ix + pc0 * l.cw, l.iy + pr0 * l.ch, (pc1 - pc0) * l.cw, (pr1 - pr0) * l.ch);
      cairo_clip (cr);
      cairo_translate (cr, l.ix + pc0 * l.cw, l.iy + pr0 * l.ch);
      cairo_scale (cr, l.cw, l.ch);
      cairo_set_source_surface (cr, part != NULL ? part : hm->image, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
      cairo_restore (cr);
    }
  g_clear_pointer (&part, cairo_surface_destroy);

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
      double fx = l.ix;
      char buf[256];
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
      g_autofree char *range = ps_heatmap_range_text (hm);
      ps_plot_set_font (cr, 11.5 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_FG);
      /* a small tile (Compare's multiples) shortens its footer with an ellipsis, never cuts a word */
      g_autofree char *range_fit = ps_plot_fit_text (cr, range, width - pad - fx);
      ps_plot_text (cr, fx, fy, range_fit, PS_ALIGN_START, PS_ALIGN_CENTER);

      g_autofree char *lt0 = layout_text (hm);
      g_autofree char *lt = NULL;
      if (v->rows != g->rows || v->cols != g->cols)
        lt = g_strdup_printf ("%s  ·  zoomed: rows %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT
                              ", columns %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT, lt0, v->row0,
                              v->row0 + v->rows - 1, v->col0, v->col0 + v->cols - 1);
      else
        lt = g_steal_pointer (&lt0);
      g_autofree char *line2 = NULL;
      if (l.kx > 1 || l.ky > 1)
        {
          /* the rule is named: a saturated look must not be read as the data's */
          const char *rule = hm->o.pool == PS_HEATMAP_POOL_STRIDE ? "stride sample: first cell"
                             : hm->o.pool == PS_HEATMAP_POOL_MEAN ? "mean" : "largest |x|";
          if (l.kx == l.ky)
            line2 = g_strdup_printf ("%s  ·  downsampled %" G_GINT64_FORMAT "× (%s of each "
                                     "%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " block)",
                                     lt, l.kx, rule, l.ky, l.kx);
          else
            line2 = g_strdup_printf ("%s  ·  downsampled %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                                     " (%s of each %" G_GINT64_FORMAT " rows × %"
                                     G_GINT64_FORMAT " columns)",
                                     lt, l.ky, l.kx, rule, l.ky, l.kx);
          ps_plot_set_font (cr, 11.5 * s, TRUE);
          ps_color_set_source (cr, PS_PLOT_WARN);
        }
      else
        {
          line2 = g_steal_pointer (&lt);
          ps_plot_set_font (cr, 11.5 * s, FALSE);
          ps_color_set_source (cr, PS_PLOT_MUTED);
        }
      g_autofree char *line2_fit = ps_plot_fit_text (cr, line2, width - pad - l.ix);
      ps_plot_text (cr, l.ix, fy + line, line2_fit, PS_ALIGN_START, PS_ALIGN_CENTER);
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
  return rot_key (b);
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
  const PsHeatmapRegion *v = &hm->view;
  int64_t r0 = v->row0 + pr * l->ky, r1 = MIN (r0 + l->ky, v->row0 + v->rows);
  int64_t c0 = v->col0 + pc * l->kx, c1 = MIN (c0 + l->kx, v->col0 + v->cols);
  hit->pool = hm->o.pool;
  hit->block_rows = r1 - r0;
  hit->block_cols = c1 - c0;
  if (hm->o.pool != PS_HEATMAP_POOL_MAXABS && (l->kx > 1 || l->ky > 1))
    {
      /* what the colorizer showed: the block's first cell, or the mean of the block */
      hit->row = r0;
      hit->col = c0;
      hit->offset = ps_heatmap_grid_offset (hm->t, g, r0, c0);
      hit->ndim = hm->t->ndim;
      ps_tensor_offset_to_index (hm->t, hit->offset, hit->index);
      hit->value = element_value (hm->t, hit->offset);
      if (hm->o.pool == PS_HEATMAP_POOL_MEAN)
        {
          double sum = 0;
          for (int64_t r = r0; r < r1; r++)
            for (int64_t c = c0; c < c1; c++)
              sum += (float) element_value (hm->t, ps_heatmap_grid_offset (hm->t, g, r, c));
          hit->value = sum / ((double) (r1 - r0) * (double) (c1 - c0));
        }
      return TRUE;
    }
  /* the element the colorizer showed: the largest pooling key (rot_key) of the block; equal
   * keys are equal values, the first in column-then-row order is reported */
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
  const PsHeatmapRegion *v = &hm->view;
  row -= v->row0;
  col -= v->col0;
  if (!l->valid || l->pcols == 0 || row < 0 || col < 0 || row >= v->rows || col >= v->cols)
    return FALSE;
  rect[0] = l->ix + (col / l->kx) * l->cw;
  rect[1] = l->iy + (row / l->ky) * l->ch;
  rect[2] = l->cw;
  rect[3] = l->ch;
  return TRUE;
}
