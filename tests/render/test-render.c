/* test-render.c — pixel tests of the heatmap (colours of cells, NaN colour, hover mapping,
 * downsampling keeps extremes), the histogram plot, ridgeline and bands, and the export formats
 * (PNG read back, SVG parsed as XML, PDF header and page count, atomic write, errors).
 *
 * With PS_RENDER_SAMPLES=dir set, the pictures are also written there for a human to look at. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ps-colormap.h"
#include "ps-plot.h"
#include "ps-heatmap.h"
#include "ps-difference.h"
#include "ps-histogram-plot.h"
#include "ps-ridgeline.h"
#include "ps-export.h"
#include "ps-histogram.h"
#include "picture-test-util.h"
#include "lcg-test-util.h"

static PsTensor *
tensor_nd (int ndim, const int64_t *shape)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new (PS_DTYPE_FLOAT32, ndim, shape, &error);
  g_assert_no_error (error);
  return t;
}

static void
cell_centre (PsHeatmap *hm, int64_t r, int64_t c, double *x, double *y)
{
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (hm, r, c, rect));
  *x = rect[0] + rect[2] / 2;
  *y = rect[1] + rect[3] / 2;
}

/* eye_-like 5×5 weight: the diagonal is the top colour of the map, the rest the zero colour;
 * a NaN cell has the NaN colour; hover at every cell centre gives back its index. */
static void
test_heatmap_eye (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 5, 5 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  for (int i = 0; i < 5; i++)
    ps_tensor_f32 (t)[i * 5 + i] = 1.0f;
  ps_tensor_f32 (t)[1 * 5 + 3] = NAN;
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "fc.weight";
  o.subtitle = "step 1 · seed 0 · eye_()";
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  g_assert_no_error (error);
  double lo, hi;
  ps_heatmap_get_range (hm, &lo, &hi);
  g_assert_cmpfloat (lo, ==, -1);
  g_assert_cmpfloat (hi, ==, 1);
  g_assert_cmpint (ps_heatmap_get_stats (hm)->n_nan, ==, 1);

  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 640, 480);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  int64_t kx, ky;
  ps_heatmap_get_downsampling (hm, &kx, &ky);
  g_assert_cmpint (kx, ==, 1);
  g_assert_cmpint (ky, ==, 1);
  for (int r = 0; r < 5; r++)
    for (int c = 0; c < 5; c++)
      {
        double x, y;
        cell_centre (hm, r, c, &x, &y);
        /* sample beside the centre so the NaN glyph does not cover the sample point */
        guint32 want = r == c ? cm->lut[255] : (r == 1 && c == 3) ? cm->nan_color : cm->lut[128];
        double rect[4];
        ps_heatmap_cell_rect (hm, r, c, rect);
        g_assert_cmphex (pixel (s, rect[0] + 2, rect[1] + 2), ==, want);
        PsHeatmapHit hit;
        g_assert_true (ps_heatmap_hit (hm, x, y, &hit));
        g_assert_cmpint (hit.ndim, ==, 2);
        g_assert_cmpint (hit.index[0], ==, r);
        g_assert_cmpint (hit.index[1], ==, c);
        g_assert_cmpint (hit.block_rows, ==, 1);
        if (r == 1 && c == 3)
          g_assert_true (isnan (hit.value));
        else
          g_assert_cmpfloat (hit.value, ==, r == c ? 1.0 : 0.0);
      }
  g_assert_cmphex (cm->lut[128], ==, 0xfff7f7f7u);   /* ColorBrewer's centre, exactly */
  PsHeatmapHit hit;
  g_assert_false (ps_heatmap_hit (hm, 1, 1, &hit));   /* the margin is not a cell */
  cairo_surface_destroy (s);
  save_sample ("heatmap-eye.png", 640, 480, ps_heatmap_draw_func, hm);
}

/* Drawn under a magnifying transform (the plot view's zoom), only the visible cells are colorized
 * (the picture's image no longer grows with zoom × tensor): each visible cell still has exactly its
 * colour, at the right place, and cells off the target are not needed. */
static void
test_heatmap_zoomed_visible_part (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 600, 900 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  float *x = ps_tensor_f32 (t);
  for (int64_t r = 0; r < shape[0]; r++)
    for (int64_t c = 0; c < shape[1]; c++)
      x[r * shape[1] + c] = (float) ((r * 7 + c * 13) % 41) / 20.0f - 1.0f;
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  g_assert_no_error (error);
  double lo, hi;
  ps_heatmap_get_range (hm, &lo, &hi);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  cairo_surface_t *whole = render (ps_heatmap_draw_func, hm, 640, 480);
  int64_t kx, ky;
  ps_heatmap_get_downsampling (hm, &kx, &ky);
  g_assert_cmpint (kx, >, 1);   /* unzoomed, 900 columns pool into fewer than 640 pixels */
  cairo_surface_destroy (whole);

  /* zoom 40 about cell (300, 450): a 240 × 160 target shows a few dozen cells */
  const double Z = 40, W = 240, H = 160;
  double cx, cy;
  cell_centre (hm, 300, 450, &cx, &cy);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) W, (int) H);
  cairo_t *cr = cairo_create (s);
  cairo_translate (cr, W / 2 - cx * Z, H / 2 - cy * Z);
  cairo_scale (cr, Z, Z);
  ps_heatmap_draw (hm, cr, 640, 480);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  ps_heatmap_get_downsampling (hm, &kx, &ky);
  g_assert_cmpint (kx, ==, 1);
  g_assert_cmpint (ky, ==, 1);
  int checked = 0;
  for (int64_t r = 298; r <= 302; r++)
    for (int64_t c = 447; c <= 453; c++)
      {
        double rect[4];
        g_assert_true (ps_heatmap_cell_rect (hm, r, c, rect));
        double px = W / 2 + (rect[0] + rect[2] / 2 - cx) * Z, py = H / 2 + (rect[1] + rect[3] / 2 - cy) * Z;
        if (px < 0 || py < 0 || px >= W || py >= H)
          continue;
        g_assert_cmphex (pixel (s, px, py), ==, ps_colormap_map (cm, x[r * shape[1] + c], lo, hi));
        checked++;
      }
  g_assert_cmpint (checked, >=, 9);
  cairo_surface_destroy (s);
}

/* A 4-D conv weight folds into out × in tiles; hover inside a tile gives (o, i, kh, kw). */
static void
test_heatmap_conv_tiles (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[4] = { 8, 3, 5, 5 };
  g_autoptr (PsTensor) t = tensor_nd (4, shape);
  lcg_state = 3;
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) lcg_bell (0.1);
  ps_tensor_f32 (t)[((6 * 3 + 2) * 5 + 4) * 5 + 1] = 2.0f;   /* (6, 2, 4, 1) */
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "conv1.weight";
  o.subtitle = "kaiming_uniform_(a=√5) · bound = 1/√75 = 0.1155";
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  const PsHeatmapGrid *g = ps_heatmap_get_grid (hm);
  g_assert_cmpint (g->rows, ==, 40);
  g_assert_cmpint (g->cols, ==, 15);
  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 800, 600);
  int64_t row, col;
  ps_heatmap_grid_cell (t, g, ((6 * 3 + 2) * 5 + 4) * 5 + 1, &row, &col);
  g_assert_cmpint (row, ==, 6 * 5 + 4);
  g_assert_cmpint (col, ==, 2 * 5 + 1);
  double x, y;
  cell_centre (hm, row, col, &x, &y);
  PsHeatmapHit hit;
  g_assert_true (ps_heatmap_hit (hm, x, y, &hit));
  int64_t want[4] = { 6, 2, 4, 1 };
  for (int d = 0; d < 4; d++)
    g_assert_cmpint (hit.index[d], ==, want[d]);
  g_assert_cmpfloat (hit.value, ==, 2.0);
  g_assert_cmphex (pixel (s, x, y), ==, ps_colormap_get (PS_COLORMAP_DIVERGING)->lut[255]);
  /* every cell round-trips through offset → cell → offset */
  for (int64_t i = 0; i < t->numel; i++)
    {
      ps_heatmap_grid_cell (t, g, i, &row, &col);
      g_assert_cmpint (ps_heatmap_grid_offset (t, g, row, col), ==, i);
    }
  cairo_surface_destroy (s);
  save_sample ("heatmap-conv.png", 800, 600, ps_heatmap_draw_func, hm);
}

/* Dark style: the chrome (background, text, frame) turns dark, the data's colours do not. */
static void
draw_dark (cairo_t *cr, double width, double height, gpointer data)
{
  ps_color_set_dark (cr, TRUE);
  ps_heatmap_draw (data, cr, width, height);
}

/* A heatmap drawn in a narrow tile (Compare's small multiples) keeps its footer inside the tile:
 * shortened with an ellipsis ("…, symmetric ±…"), not cut mid-word at the tile's edge (it ran
 * past it: "colour range [−0.8066, 0.8066], shar"). Drawn 300 wide on a 500-wide red surface: nothing
 * but red right of 300. */
static void
test_heatmap_footer_fits_tile (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 64, 64 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) ((i * 37) % 101 - 50) / 400.0f;
  for (int pool = 0; pool < 2; pool++)
    {
      PsHeatmapOptions o;
      ps_heatmap_options_init (&o);
      o.title = "default.weight";
      o.subtitle = "step 12 · seed 0 · ~ U(−0.125, 0.125) by kaiming_uniform_(a=2.23606797749979)";
      g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
      g_assert_no_error (error);
      int h = pool ? 120 : 330;   /* short: the 64 rows downsampled, a longer second line */
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 500, h);
      cairo_t *cr = cairo_create (s);
      cairo_set_source_rgb (cr, 1, 0, 0);   /* the surface red: the tile's own background is white */
      cairo_paint (cr);
      ps_heatmap_draw (hm, cr, 300, h);
      cairo_destroy (cr);
      cairo_surface_flush (s);
      int ink = 0;
      for (int y = 0; y < h; y++)
        for (int x = 300; x < 500; x++)
          ink += pixel (s, x, y) != 0xffff0000u;
      g_test_message ("300 × %d: %d pixels of ink right of the tile", h, ink);
      g_assert_cmpint (ink, ==, 0);
      cairo_surface_destroy (s);
    }
}

static void
test_heatmap_dark_style (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 4, 6 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) (i - 12) / 12.0f;
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "fc.weight";
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  cairo_surface_t *light = render (ps_heatmap_draw_func, hm, 600, 400);
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (hm, 0, 0, rect));
  guint32 cell_light = pixel (light, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2);
  cairo_surface_t *dark = render (draw_dark, hm, 600, 400);
  g_assert_cmphex (pixel (light, 2, 2), ==, PS_PLOT_BG);
  g_assert_cmphex (pixel (dark, 2, 2), ==, PS_PLOT_DARK_BG);
  g_assert_true (ps_heatmap_cell_rect (hm, 0, 0, rect));
  g_assert_cmphex (pixel (dark, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2), ==, cell_light);
  /* text: the title's darkest pixel on white, its lightest on the dark background */
  guint min_light = 255, max_dark = 0;
  for (int y = 8; y < 30; y++)
    for (int x = 10; x < 120; x++)
      {
        min_light = MIN (min_light, pixel (light, x, y) & 0xff);
        max_dark = MAX (max_dark, pixel (dark, x, y) & 0xff);
      }
  g_assert_cmpuint (min_light, <, 0x40);
  g_assert_cmpuint (max_dark, >, 0xd0);
  cairo_surface_destroy (light);
  cairo_surface_destroy (dark);
  save_sample ("heatmap-dark.png", 600, 400, draw_dark, hm);
}

/* The other downsampling rules: the texel of a block is its mean (computed here the same way) or
 * its first cell, hover reports that value, and the extreme no longer saturates its texel. */
static void
test_heatmap_downsampling_rules (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 2000, 3000 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  lcg_state = 11;
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) lcg_bell (0.02);
  int64_t er = 1234, ec = 2345;
  ps_tensor_f32 (t)[er * 3000 + ec] = -5.0f;
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  for (int pool = PS_HEATMAP_POOL_MEAN; pool <= PS_HEATMAP_POOL_STRIDE; pool++)
    {
      PsHeatmapOptions o;
      ps_heatmap_options_init (&o);
      o.title = "embed.weight";
      o.pool = (PsHeatmapPool) pool;
      g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
      g_assert_no_error (error);
      cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 700, 500);
      int64_t kx, ky;
      ps_heatmap_get_downsampling (hm, &kx, &ky);
      g_assert_cmpint (kx, >, 1);
      g_assert_cmpint (ky, >, 1);
      double rect[4], lo, hi;
      ps_heatmap_get_range (hm, &lo, &hi);
      g_assert_cmpfloat (lo, ==, -5.0);   /* the range is the data's whatever the pooling */
      g_assert_true (ps_heatmap_cell_rect (hm, er, ec, rect));
      int64_t r0 = er / ky * ky, c0 = ec / kx * kx;
      double expect = ps_tensor_f32 (t)[r0 * 3000 + c0];
      if (pool == PS_HEATMAP_POOL_MEAN)
        {
          double sum = 0;
          for (int64_t r = r0; r < MIN (r0 + ky, 2000); r++)
            for (int64_t c = c0; c < MIN (c0 + kx, 3000); c++)
              sum += ps_tensor_f32 (t)[r * 3000 + c];
          expect = sum / ((double) (MIN (r0 + ky, 2000) - r0) * (double) (MIN (c0 + kx, 3000) - c0));
        }
      guint32 texel = pixel (s, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2);
      g_assert_cmphex (texel, ==, ps_colormap_map (cm, expect, lo, hi));
      g_assert_cmphex (texel, !=, cm->lut[0]);   /* not saturated by the one extreme */
      PsHeatmapHit hit;
      g_assert_true (ps_heatmap_hit (hm, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2, &hit));
      g_assert_cmpint (hit.pool, ==, pool);
      g_assert_cmpint (hit.index[0], ==, r0);
      g_assert_cmpint (hit.index[1], ==, c0);
      g_assert_cmpfloat (hit.value, ==, expect);
      cairo_surface_destroy (s);
      save_sample (pool == PS_HEATMAP_POOL_MEAN ? "heatmap-downsampled-mean.png" : "heatmap-downsampled-stride.png",
                   700, 500, ps_heatmap_draw_func, hm);
    }
  g_assert_cmpstr (ps_heatmap_pool_name (PS_HEATMAP_POOL_MEAN), ==, "mean");
}

/* A single extreme value in a large matrix survives downsampling, and hover on its texel
 * reports it with the block size. */
static void
test_heatmap_downsampling_keeps_extreme (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 2000, 3000 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  lcg_state = 9;
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) lcg_bell (0.02);
  int64_t er = 1234, ec = 2345;
  ps_tensor_f32 (t)[er * 3000 + ec] = -5.0f;
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "embed.weight";
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 700, 500);
  int64_t kx, ky;
  ps_heatmap_get_downsampling (hm, &kx, &ky);
  g_assert_cmpint (kx, >, 1);
  g_assert_cmpint (ky, >, 1);
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (hm, er, ec, rect));
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  /* the texel is at least one pixel; its colour is the bottom of the map (−5 is the min) */
  g_assert_cmphex (pixel (s, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2), ==, cm->lut[0]);
  PsHeatmapHit hit;
  g_assert_true (ps_heatmap_hit (hm, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2, &hit));
  g_assert_cmpint (hit.index[0], ==, er);
  g_assert_cmpint (hit.index[1], ==, ec);
  g_assert_cmpfloat (hit.value, ==, -5.0);
  g_assert_cmpint (hit.block_rows, ==, ky);
  g_assert_cmpint (hit.block_cols, ==, kx);
  /* a neighbouring texel has an ordinary (pale) colour */
  guint32 other = pixel (s, rect[0] + rect[2] * 4.5, rect[1] + rect[3] / 2);
  g_assert_cmphex (other, !=, cm->lut[0]);
  cairo_surface_destroy (s);
  save_sample ("heatmap-downsampled.png", 700, 500, ps_heatmap_draw_func, hm);

  /* zoom into 20 × 30 cells around the extreme: no pooling, exact cells, hover maps back */
  PsHeatmapRegion view = { er - 10, ec - 15, 20, 30 };
  ps_heatmap_set_view (hm, &view);
  s = render (ps_heatmap_draw_func, hm, 700, 500);
  ps_heatmap_get_downsampling (hm, &kx, &ky);
  g_assert_cmpint (kx, ==, 1);
  g_assert_cmpint (ky, ==, 1);
  g_assert_true (ps_heatmap_cell_rect (hm, er, ec, rect));
  g_assert_true (ps_heatmap_cell_rect (hm, er, ec, rect));
  g_assert_cmphex (pixel (s, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2), ==, cm->lut[0]);
  g_assert_true (ps_heatmap_hit (hm, rect[0] + rect[2] / 2, rect[1] + rect[3] / 2, &hit));
  g_assert_cmpint (hit.index[0], ==, er);
  g_assert_cmpint (hit.index[1], ==, ec);
  g_assert_cmpint (hit.block_rows, ==, 1);
  double r2[4];
  g_assert_true (ps_heatmap_cell_rect (hm, er - 10, ec - 15, r2));
  g_assert_true (ps_heatmap_hit (hm, r2[0] + 1, r2[1] + 1, &hit));
  g_assert_cmpint (hit.index[0], ==, er - 10);
  g_assert_cmpint (hit.index[1], ==, ec - 15);
  g_assert_cmpfloat (hit.value, ==, ps_tensor_f32 (t)[(er - 10) * 3000 + ec - 15]);
  g_assert_false (ps_heatmap_cell_rect (hm, er - 11, ec, r2));   /* outside the view */
  cairo_surface_destroy (s);
  save_sample ("heatmap-zoom.png", 700, 500, ps_heatmap_draw_func, hm);

  /* the colorizer directly: a block with NaN shows NaN, with +Inf shows +Inf */
  int64_t sh2[2] = { 4, 4 };
  g_autoptr (PsTensor) u = tensor_nd (2, sh2);
  ps_tensor_f32 (u)[1] = NAN;
  ps_tensor_f32 (u)[2 * 4 + 3] = INFINITY;
  ps_tensor_f32 (u)[3 * 4 + 0] = -0.5f;
  PsHeatmapGrid g;
  ps_heatmap_grid_of (u, &g);
  cairo_surface_t *img = ps_heatmap_colorize (u, &g, NULL, 2, 2, cm, -1, 1);
  g_assert_cmpint (cairo_image_surface_get_width (img), ==, 2);
  g_assert_cmphex (pixel (img, 0, 0), ==, cm->nan_color);
  g_assert_cmphex (pixel (img, 1, 1), ==, cm->posinf_color);
  g_assert_cmphex (pixel (img, 0, 1), ==, cm->lut[ps_colormap_index (-0.5, -1, 1)]);
  g_assert_cmphex (pixel (img, 1, 0), ==, cm->lut[128]);
  cairo_surface_destroy (img);
}

/* The fast colorizer (SIMD pooling and colouring) against a naive reference, for many shapes and
 * pooling factors, with NaN/±Inf/ties sprinkled in. */
static void
test_colorize_matches_reference (void)
{
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  int64_t shapes[][4] = { { 2, 37, 53 }, { 2, 10, 10 }, { 2, 64, 300 }, { 1, 1000 }, { 4, 3, 5, 3 },
                          { 3, 6, 4, 7 } };
  int64_t ks[][2] = { { 1, 1 }, { 2, 2 }, { 4, 4 }, { 3, 5 }, { 8, 1 }, { 1, 3 }, { 16, 16 } };
  lcg_state = 77;
  for (guint si = 0; si < G_N_ELEMENTS (shapes); si++)
    {
      int nd = (int) shapes[si][0];
      g_autoptr (PsTensor) t = tensor_nd (nd, &shapes[si][1]);
      float *x = ps_tensor_f32 (t);
      for (int64_t i = 0; i < t->numel; i++)
        {
          double u = lcg_uniform ();
          x[i] = u < 0.01 ? NAN : u < 0.02 ? INFINITY : u < 0.03 ? -INFINITY : u < 0.1 ? 0.5f
                 : u < 0.17 ? -0.5f : (float) lcg_bell (0.3);
        }
      PsHeatmapGrid g;
      ps_heatmap_grid_of (t, &g);
      for (guint ki = 0; ki < G_N_ELEMENTS (ks); ki++)
        {
          int64_t kx = ks[ki][0], ky = ks[ki][1];
          cairo_surface_t *img = ps_heatmap_colorize (t, &g, NULL, kx, ky, cm, -0.7, 0.9);
          for (int64_t pr = 0; pr * ky < g.rows; pr++)
            for (int64_t pc = 0; pc * kx < g.cols; pc++)
              {
                /* the largest |x| of the block; for equal |x| the negative one (ps-heatmap.h) */
                int64_t best = -1;
                for (int64_t c = pc * kx; c < MIN ((pc + 1) * kx, g.cols); c++)
                  for (int64_t r = pr * ky; r < MIN ((pr + 1) * ky, g.rows); r++)
                    {
                      int64_t off = ps_heatmap_grid_offset (t, &g, r, c);
                      if (best < 0)
                        {
                          best = off;
                          continue;
                        }
                      float a = fabsf (x[off]), b = fabsf (x[best]);
                      gboolean nan_a = isnan (x[off]), nan_b = isnan (x[best]);
                      if ((nan_a && !nan_b) || (!nan_b && a > b) ||
                          (nan_a == nan_b && (a == b || nan_a) && signbit (x[off]) && !signbit (x[best])))
                        best = off;
                    }
                guint32 want = ps_colormap_map (cm, x[best], -0.7, 0.9);
                if (pixel (img, pc, pr) != want)
                  g_error ("shape %u k %ux%u texel (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                           "): %08x, want %08x", si, (guint) ky, (guint) kx, pr, pc,
                           pixel (img, pc, pr), want);
              }
          cairo_surface_destroy (img);
        }
    }
}

static void
test_heatmap_strip_and_ranges (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 64, &error);
  for (int i = 0; i < 64; i++)
    ps_tensor_f32 (t)[i] = (float) i / 63.0f;
  ps_tensor_f32 (t)[63] = 100.0f;   /* outlier */
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "fc.bias";
  o.colormap = PS_COLORMAP_VIRIDIS;
  o.range = PS_HEATMAP_RANGE_ROBUST;
  o.robust_q = 0.95;
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  g_assert_no_error (error);
  double lo, hi;
  ps_heatmap_get_range (hm, &lo, &hi);
  g_assert_cmpfloat (hi, <, 1.5);   /* the outlier does not set the scale */
  g_assert_cmpfloat (lo, >, 0);
  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 600, 260);
  double x, y;
  cell_centre (hm, 0, 63, &x, &y);
  g_assert_cmphex (pixel (s, x, y), ==, ps_colormap_get (PS_COLORMAP_VIRIDIS)->lut[255]);
  PsHeatmapHit hit;
  g_assert_true (ps_heatmap_hit (hm, x, y, &hit));
  g_assert_cmpint (hit.ndim, ==, 1);
  g_assert_cmpint (hit.index[0], ==, 63);
  cairo_surface_destroy (s);
  save_sample ("heatmap-strip.png", 600, 260, ps_heatmap_draw_func, hm);

  /* an int64 scalar buffer (num_batches_tracked): one cell, exact value on hover */
  g_autoptr (PsTensor) n = ps_tensor_new (PS_DTYPE_INT64, 0, NULL, &error);
  g_assert_no_error (error);
  ps_tensor_i64 (n)[0] = 123456789012345;
  PsHeatmapOptions on;
  ps_heatmap_options_init (&on);
  on.title = "bn.num_batches_tracked";
  on.colormap = PS_COLORMAP_GRAY;
  on.range = PS_HEATMAP_RANGE_MINMAX;
  g_autoptr (PsHeatmap) hn = ps_heatmap_new (n, &on, &error);
  g_assert_no_error (error);
  cairo_surface_t *sn = render (ps_heatmap_draw_func, hn, 300, 240);
  cell_centre (hn, 0, 0, &x, &y);
  g_assert_true (ps_heatmap_hit (hn, x, y, &hit));
  g_assert_cmpint (hit.ndim, ==, 0);
  g_assert_cmpfloat (hit.value, ==, 123456789012345.0);
  cairo_surface_destroy (sn);

  o.range = PS_HEATMAP_RANGE_FIXED;
  o.lo = 1;
  o.hi = 1;
  g_assert_null (ps_heatmap_new (t, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

static void
test_difference (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 3, 4 };
  g_autoptr (PsTensor) a = tensor_nd (2, shape);
  g_autoptr (PsTensor) b = tensor_nd (2, shape);
  for (int i = 0; i < 12; i++)
    {
      ps_tensor_f32 (a)[i] = 0.1f * i;
      ps_tensor_f32 (b)[i] = 0.1f * i + (i == 5 ? 0.5f : 0.0f);
    }
  g_autoptr (PsTensor) d = ps_difference_new (a, b, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (ps_tensor_f32 (d)[i], ==, ps_tensor_f32 (b)[i] - ps_tensor_f32 (a)[i]);
  PsHeatmapOptions o;
  ps_heatmap_options_init_difference (&o);
  o.title = "fc.weight: step 5 − step 2";
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (d, &o, &error);
  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 500, 400);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  double x, y;
  cell_centre (hm, 1, 1, &x, &y);
  g_assert_cmphex (pixel (s, x, y), ==, cm->lut[255]);
  cell_centre (hm, 2, 2, &x, &y);
  g_assert_cmphex (pixel (s, x, y), ==, cm->lut[128]);
  cairo_surface_destroy (s);

  int64_t other[2] = { 4, 3 };
  g_autoptr (PsTensor) c = tensor_nd (2, other);
  g_assert_null (ps_difference_new (a, c, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
}

static PsHistogram *
bell_histogram (int n, double std, PsTensor **out)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, &error);
  for (int i = 0; i < n; i++)
    ps_tensor_f32 (t)[i] = (float) (std * sqrt (3.0) * (2 * lcg_uniform () - 1));
  PsHistogram *h = ps_histogram_compute (t, 40, -0.2, 0.2, &error);
  g_assert_no_error (error);
  if (out)
    *out = t;
  else
    ps_tensor_unref (t);
  return h;
}

/* A histogram as small as one of Compare's small multiples: the legend drawn over it keeps to its
 * keys (it used to be the whole legend, nine lines, hiding the right half of the bars); at a full
 * size the whole legend is beside the plot as before. Each nonempty bin's bar shows its colour at
 * the bottom of the bar. */
static void
test_histogram_small_legend (void)
{
  lcg_state = 23;
  PsTensor *t = NULL;
  g_autoptr (PsHistogram) h = bell_histogram (4096, 0.1, &t);
  g_autoptr (PsTensor) tt = t;
  PsStats st;
  ps_stats_compute (t, &st);
  PsInitInfo info;
  memset (&info, 0, sizeof info);
  info.dist = PS_DIST_UNIFORM;
  info.a = -0.1 * sqrt (3.0);
  info.b = 0.1 * sqrt (3.0);
  g_strlcpy (info.fn, "kaiming_uniform_", sizeof info.fn);
  PsHistogramPlotOptions o;
  ps_histogram_plot_options_init (&o);
  o.title = "default.weight [64, 64]";
  o.subtitle = "step 12 · seed 0";
  o.init = &info;
  o.stats = &st;
  PsHistogramPlot plot = { h, &o };
  static const int sizes[][2] = { { 440, 190 }, { 720, 440 } };
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int w = sizes[k][0], hh = sizes[k][1];
      cairo_surface_t *s = render (ps_histogram_plot_draw_func, &plot, w, hh);
      int shown = 0, bins = 0;
      for (int b = 0; b < h->n_bins; b++)
        {
          double bx, by;
          if (!ps_histogram_plot_bin_point (&plot, w, hh, b, &bx, &by))
            continue;
          bins++;
          shown += pixel (s, bx, by) == o.bar_color;
        }
      g_test_message ("%d × %d: %d of %d bars visible at their base", w, hh, shown, bins);
      g_assert_cmpint (bins, >, 20);
      g_assert_cmpint (shown * 10, >=, bins * 9);
      cairo_surface_destroy (s);
    }
  save_sample ("histogram-small.png", 440, 190, ps_histogram_plot_draw_func, &plot);
}

static void
draw_histogram_dark (cairo_t *cr, double width, double height, gpointer data)
{
  ps_color_set_dark (cr, TRUE);
  ps_histogram_plot_draw (data, cr, width, height);
}

/* The lines of text in the legend column (x ≥ x0): runs of rows holding ink other than the
 * background, the bars' and the curve's colours (the keys' swatches are left of the text). */
static int
legend_lines (cairo_surface_t *s, int x0, guint32 bg, int *last_row)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  int lines = 0;
  gboolean in = FALSE;
  *last_row = -1;
  for (int y = 0; y < h; y++)
    {
      gboolean ink = FALSE;
      for (int x = x0; x < w && !ink; x++)
        ink = pixel (s, x, y) != bg;
      if (ink && !in)
        lines++;
      if (ink)
        *last_row = y;
      in = ink;
    }
  return lines;
}

/* The Histogram legend in its column beside the plot, light and dark: whole when it fits (9
 * lines: observed, the count, expected, the init, its distribution, std and mean expected and
 * observed), its keys only when the plot is too short for it — never cut at the picture's
 * bottom (a wide, short window cut its last lines: "mean … observed 0.0997" half drawn). */
static void
test_histogram_legend_column (void)
{
  lcg_state = 29;
  PsTensor *t = NULL;
  g_autoptr (PsHistogram) h = bell_histogram (4096, 0.1, &t);
  g_autoptr (PsTensor) tt = t;
  PsStats st;
  ps_stats_compute (t, &st);
  PsInitInfo info;
  memset (&info, 0, sizeof info);
  info.dist = PS_DIST_UNIFORM;
  info.a = -0.1 * sqrt (3.0);
  info.b = 0.1 * sqrt (3.0);
  g_strlcpy (info.fn, "kaiming_uniform_", sizeof info.fn);
  PsHistogramPlotOptions o;
  ps_histogram_plot_options_init (&o);
  o.title = "0.weight [16, 4]";
  o.subtitle = "step 9 · seed 42";
  o.init = &info;
  o.stats = &st;
  PsHistogramPlot plot = { h, &o };
  /* width, height, scale; the lines expected: 9 (whole) or 2 (keys) */
  static const struct { int w, h; double scale; int lines; } cases[] = {
    { 1000, 330, 1, 9 }, { 829, 640, 1, 9 }, { 1000, 200, 1, 2 }, { 1000, 230, 1, 2 },
    { 1400, 280, 1.35, 2 }, { 1400, 400, 1.35, 9 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    for (int dark = 0; dark < 2; dark++)
      {
        o.scale = cases[k].scale;
        cairo_surface_t *s = render (dark ? draw_histogram_dark : ps_histogram_plot_draw_func, &plot, cases[k].w, cases[k].h);
        guint32 bg = dark ? PS_PLOT_DARK_BG : PS_PLOT_BG;
        g_assert_cmphex (pixel (s, 2, 2), ==, bg);
        /* the column starts 14 + 245 points left of the right edge (frame_of); its text 22 further */
        int x0 = (int) ceil (cases[k].w - (14 + 245 - 24) * cases[k].scale);
        int last = -1;
        int lines = legend_lines (s, x0, bg, &last);
        g_test_message ("%d × %d at %.2f (%s): %d legend lines, the last ink at row %d of %d", cases[k].w, cases[k].h,
                        cases[k].scale, dark ? "dark" : "light", lines, last, cases[k].h);
        g_assert_cmpint (lines, ==, cases[k].lines);
        g_assert_cmpint (last, <, cases[k].h - 2);   /* a margin of background below: nothing cut */
        cairo_surface_destroy (s);
      }
  o.scale = 1;
  save_sample ("histogram-legend-short.png", 1000, 200, ps_histogram_plot_draw_func, &plot);
}

/* The count axis has a title ("count", turned, left of its numbers; "count (log scale)" on a log
 * axis): ink in the band left of where the numbers start — the band was empty when only the value
 * axis had a title. */
static void
test_histogram_count_title (void)
{
  lcg_state = 31;
  PsTensor *t = NULL;
  g_autoptr (PsHistogram) h = bell_histogram (4096, 0.1, &t);
  g_autoptr (PsTensor) tt = t;
  PsHistogramPlotOptions o;
  ps_histogram_plot_options_init (&o);
  o.title = "0.weight [64, 64]";
  PsHistogramPlot plot = { h, &o };
  for (int log_y = 0; log_y < 2; log_y++)
    for (int dark = 0; dark < 2; dark++)
      for (int big = 0; big < 2; big++)
        {
          o.log_y = log_y;
          o.scale = big ? 1.35 : 1;
          cairo_surface_t *s = render (dark ? draw_histogram_dark : ps_histogram_plot_draw_func, &plot, 900, 420);
          guint32 bg = dark ? PS_PLOT_DARK_BG : PS_PLOT_BG;
          /* the plot's rows: below the header, above the value axis (frame_of: 14 + 44 points) */
          int y0 = (int) (120 * o.scale), y1 = (int) (420 - 60 * o.scale);
          int ink = 0;
          for (int y = y0; y < y1; y++)
            for (int x = 4; x < (int) (40 * o.scale); x++)
              ink += pixel (s, x, y) != bg;
          g_test_message ("log %d, dark %d, scale %.2f: %d ink pixels left of the count numbers", log_y, dark,
                          o.scale, ink);
          g_assert_cmpint (ink, >, 40);
          cairo_surface_destroy (s);
        }
  o.scale = 1;
  o.log_y = FALSE;
  save_sample ("histogram-count-title.png", 900, 420, ps_histogram_plot_draw_func, &plot);
}

static void
test_histogram_plot (void)
{
  lcg_state = 17;
  PsTensor *t = NULL;
  g_autoptr (PsHistogram) h = bell_histogram (20000, 0.1, &t);
  g_autoptr (PsTensor) tt = t;
  PsStats st;
  ps_stats_compute (t, &st);
  PsInitInfo info;
  memset (&info, 0, sizeof info);
  info.dist = PS_DIST_UNIFORM;
  info.a = -0.1 * sqrt (3.0);
  info.b = 0.1 * sqrt (3.0);
  PsHistogramPlotOptions o;
  ps_histogram_plot_options_init (&o);
  o.title = "fc.weight";
  o.subtitle = "step 1 · seed 42 · uniform_(−0.173, 0.173)";
  o.init = &info;
  o.stats = &st;
  PsHistogramPlot plot = { h, &o };
  cairo_surface_t *s = render (ps_histogram_plot_draw_func, &plot, 720, 440);
  /* hover: the bin under a point inside the plot area */
  PsHistogramPlotHit hit;
  double bx, by;
  g_assert_true (ps_histogram_plot_bin_point (&plot, 720, 440, 10, &bx, &by));
  g_assert_true (ps_histogram_plot_hit (&plot, 720, 440, bx, by, &hit));
  g_assert_cmpint (hit.bin, ==, 10);
  g_assert_cmpfloat (hit.lo, ==, h->edges[10]);
  g_assert_cmpfloat (hit.hi, ==, h->edges[11]);
  g_assert_cmpint (hit.count, ==, h->counts[10]);
  /* the bar is drawn in the bar colour */
  g_assert_cmphex (pixel (s, bx, by), ==, o.bar_color);
  cairo_surface_destroy (s);
  save_sample ("histogram.png", 720, 440, ps_histogram_plot_draw_func, &plot);
  o.log_y = TRUE;
  save_sample ("histogram-log.png", 720, 440, ps_histogram_plot_draw_func, &plot);

  /* projector scale, a truncated normal with outliers outside the range: the under/overflow
   * bars are there and hover reports them */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t2 = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 30000, &error);
  for (int i = 0; i < 30000; i++)
    {
      double v;
      do
        v = lcg_bell (1.0);
      while (fabs (v) > 2);
      ps_tensor_f32 (t2)[i] = (float) (0.02 * v);
    }
  ps_tensor_f32 (t2)[5] = 0.5f;
  ps_tensor_f32 (t2)[6] = -0.7f;
  ps_tensor_f32 (t2)[7] = 0.9f;
  ps_tensor_f32 (t2)[8] = NAN;
  g_autoptr (PsHistogram) h2 = ps_histogram_compute (t2, 64, -0.05, 0.05, &error);
  PsStats st2;
  ps_stats_compute (t2, &st2);
  PsInitInfo tn;
  memset (&tn, 0, sizeof tn);
  g_strlcpy (tn.fn, "trunc_normal_", sizeof tn.fn);
  tn.dist = PS_DIST_TRUNC_NORMAL;
  tn.mean = 0;
  tn.std = 0.02;
  tn.a = -0.04;
  tn.b = 0.04;
  PsHistogramPlotOptions o2;
  ps_histogram_plot_options_init (&o2);
  o2.title = "vit.pos_embed";
  o2.subtitle = "step 2 · seed 7 · trunc_normal_(std=0.02, a=−0.04, b=0.04)";
  o2.init = &tn;
  o2.stats = &st2;
  o2.scale = 2;
  PsHistogramPlot plot2 = { h2, &o2 };
  g_assert_cmpint (h2->underflow, ==, 1);
  g_assert_cmpint (h2->overflow, ==, 2);
  g_assert_cmpint (h2->nan, ==, 1);
  save_sample ("histogram-projector.png", 1440, 880, ps_histogram_plot_draw_func, &plot2);
  gboolean found_under = FALSE;
  for (double x = 0; x < 400 && !found_under; x += 1)
    if (ps_histogram_plot_hit (&plot2, 1440, 880, x, 700, &hit) && hit.bin == -1)
      {
        found_under = TRUE;
        g_assert_cmpint (hit.count, ==, 1);
        g_assert_true (isinf (hit.lo));
      }
  g_assert_true (found_under);

  /* the expected count of a bin from the overlay matches the pdf × N × width */
  double e = ps_histogram_plot_expected_count (&plot, 10);
  g_assert_cmpfloat_with_epsilon (e, 20000 * (h->edges[11] - h->edges[10]) / (info.b - info.a), 1e-6);
}

static void
test_ridgeline_and_bands (void)
{
  lcg_state = 23;
  PsHistogram *hs[6];
  PsStats stats[6];
  double quantiles[6][PS_STATS_N_STANDARD_QUANTILES];
  int64_t steps[6];
  for (int i = 0; i < 6; i++)
    {
      PsTensor *t = NULL;
      hs[i] = bell_histogram (5000, 0.02 + 0.015 * i, &t);
      ps_stats_compute (t, &stats[i]);
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_stats_quantiles (t, ps_stats_standard_quantiles,
                                         PS_STATS_N_STANDARD_QUANTILES, quantiles[i], &error));
      ps_tensor_unref (t);
      steps[i] = i * 10;
    }
  PsRidgelineOptions o;
  ps_ridgeline_options_init (&o);
  o.title = "fc.weight over steps";
  PsRidgeline r = { (const PsHistogram *const *) hs, steps, 6, &o };
  cairo_surface_t *s = render (ps_ridgeline_draw_func, &r, 700, 500);
  int hit_step;
  double x, y;
  g_assert_true (ps_ridgeline_row_point (&r, 700, 500, 3, &x, &y));
  g_assert_true (ps_ridgeline_hit (&r, 700, 500, x, y, &hit_step, NULL));
  g_assert_cmpint (hit_step, ==, 3);
  cairo_surface_destroy (s);
  save_sample ("ridgeline.png", 700, 500, ps_ridgeline_draw_func, &r);

  PsBands b = { &quantiles[0][0], steps, 6, &o };
  s = render (ps_bands_draw_func, &b, 700, 420);
  /* the median line's pixel at a step is the median colour */
  g_assert_true (ps_bands_point (&b, 700, 420, 2, 4, &x, &y));
  g_assert_cmphex (pixel (s, x, y), ==, PS_BANDS_MEDIAN_COLOR);
  cairo_surface_destroy (s);
  save_sample ("bands.png", 700, 420, ps_bands_draw_func, &b);
  for (int i = 0; i < 6; i++)
    ps_histogram_free (hs[i]);
}

/* Degenerate inputs draw something sensible and never fail: an empty tensor, a picture too small
 * to hold a plot, a histogram of only NaN, no steps at all, quantiles of NaN. */
static void
test_degenerate_inputs (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 0, 5 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, NULL, &error);
  g_assert_no_error (error);
  cairo_surface_t *s = render (ps_heatmap_draw_func, hm, 300, 200);
  PsHeatmapHit hit;
  g_assert_false (ps_heatmap_hit (hm, 150, 100, &hit));
  cairo_surface_destroy (s);

  int64_t sh2[2] = { 3, 3 };
  g_autoptr (PsTensor) u = tensor_nd (2, sh2);
  g_autoptr (PsHeatmap) hu = ps_heatmap_new (u, NULL, &error);
  s = render (ps_heatmap_draw_func, hu, 20, 10);   /* too small for the plot area */
  g_assert_false (ps_heatmap_hit (hu, 10, 5, &hit));
  cairo_surface_destroy (s);
  double lo, hi;
  ps_heatmap_get_range (hu, &lo, &hi);   /* all zeros: a unit range around zero */
  g_assert_cmpfloat (lo, ==, -1);
  g_assert_cmpfloat (hi, ==, 1);

  g_autoptr (PsTensor) nan = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 4, &error);
  for (int i = 0; i < 4; i++)
    ps_tensor_f32 (nan)[i] = NAN;
  g_autoptr (PsHistogram) h = ps_histogram_compute (nan, 8, -1, 1, &error);
  g_assert_cmpint (h->nan, ==, 4);
  PsStats st;
  ps_stats_compute (nan, &st);
  PsHistogramPlotOptions o;
  ps_histogram_plot_options_init (&o);
  o.stats = &st;
  PsHistogramPlot plot = { h, &o };
  s = render (ps_histogram_plot_draw_func, &plot, 400, 300);
  double bx, by;
  g_assert_false (ps_histogram_plot_bin_point (&plot, 400, 300, 3, &bx, &by));   /* empty bin */
  cairo_surface_destroy (s);

  PsRidgelineOptions ro;
  ps_ridgeline_options_init (&ro);
  PsRidgeline r = { NULL, NULL, 0, &ro };
  s = render (ps_ridgeline_draw_func, &r, 400, 300);
  int row;
  g_assert_false (ps_ridgeline_hit (&r, 400, 300, 200, 150, &row, NULL));
  cairo_surface_destroy (s);

  double q[PS_STATS_N_STANDARD_QUANTILES];
  for (int k = 0; k < PS_STATS_N_STANDARD_QUANTILES; k++)
    q[k] = NAN;
  int64_t step = 7;
  PsBands b = { q, &step, 1, &ro };
  s = render (ps_bands_draw_func, &b, 400, 300);
  int si = -1;
  double x, y;
  g_assert_true (ps_bands_point (&b, 400, 300, 0, 4, &x, &y));
  g_assert_true (ps_bands_hit (&b, 400, 300, x, 150, &si));
  g_assert_cmpint (si, ==, 0);
  cairo_surface_destroy (s);
}

/* ---- export ---------------------------------------------------------------------------------- */

static void
markup_start (GMarkupParseContext *c, const char *name, const char **an, const char **av,
              gpointer data, GError **error)
{
  int *n = data;
  (*n)++;
}

static PsHeatmap *
small_heatmap (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 6, 9 };
  g_autoptr (PsTensor) t = tensor_nd (2, shape);
  lcg_state = 4;
  for (int i = 0; i < 54; i++)
    ps_tensor_f32 (t)[i] = (float) lcg_bell (1);
  ps_tensor_f32 (t)[7] = INFINITY;
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = "w";
  o.subtitle = "step 0";
  PsHeatmap *hm = ps_heatmap_new (t, &o, &error);
  g_assert_no_error (error);
  return hm;
}

static void
test_export_formats (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-render-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr (PsHeatmap) hm = small_heatmap ();

  /* PNG: size × scale pixels, pHYs chunk, same colours as on screen */
  g_autofree char *png = g_build_filename (dir, "a.PNG", NULL);
  g_assert_true (ps_export_picture (png, 400, 300, 2.0, 192, ps_heatmap_draw_func, hm, &error));
  g_assert_no_error (error);
  cairo_surface_t *img = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (img), ==, 800);
  g_assert_cmpint (cairo_image_surface_get_height (img), ==, 600);
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (hm, 0, 7, rect));   /* in user units of that draw */
  g_assert_cmphex (pixel (img, 2 * (rect[0] + 1), 2 * (rect[1] + 1)), ==,
                   ps_colormap_get (PS_COLORMAP_DIVERGING)->posinf_color);
  cairo_surface_destroy (img);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  g_assert_nonnull (memmem (bytes, MIN (len, 100), "pHYs", 4));

  /* SVG: well-formed XML with an <svg> root */
  g_autofree char *svg = g_build_filename (dir, "b.svg", NULL);
  g_assert_true (ps_export_picture (svg, 400, 300, 1, 0, ps_heatmap_draw_func, hm, &error));
  g_autofree char *svg_text = NULL;
  g_assert_true (g_file_get_contents (svg, &svg_text, &len, NULL));
  g_assert_nonnull (strstr (svg_text, "<svg"));
  int elements = 0;
  GMarkupParser parser = { markup_start, NULL, NULL, NULL, NULL };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &elements, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, svg_text, len, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
  g_assert_cmpint (elements, >, 10);

  /* PDF: header and page count */
  g_autofree char *pdf = g_build_filename (dir, "c.pdf", NULL);
  g_autoptr (PsHeatmap) hm2 = small_heatmap ();
  PsDrawFunc draws[3] = { ps_heatmap_draw_func, ps_heatmap_draw_func, ps_heatmap_draw_func };
  gpointer datas[3] = { hm, hm2, hm };
  g_assert_true (ps_export_pages (pdf, 400, 300, 1, 0, 3, draws, datas, &error));
  g_autofree char *pdf_text = NULL;
  g_assert_true (g_file_get_contents (pdf, &pdf_text, &len, NULL));
  g_assert_true (len > 8 && memcmp (pdf_text, "%PDF-", 5) == 0);
  int pages = 0;
  for (const char *p = pdf_text; (p = memmem (p, len - (p - pdf_text), "/Type /Page", 11)); p++)
    if (p[11] != 's')
      pages++;
  g_assert_cmpint (pages, ==, 3);

  /* no temporary file left behind */
  GDir *d = g_dir_open (dir, 0, NULL);
  int files = 0;
  for (const char *n; (n = g_dir_read_name (d)); files++)
    g_assert_false (n[0] == '.');
  g_dir_close (d);
  g_assert_cmpint (files, ==, 3);

  /* errors name the file; the old file is untouched */
  g_autofree char *jpg = g_build_filename (dir, "x.jpg", NULL);
  g_assert_false (ps_export_picture (jpg, 10, 10, 1, 0, ps_heatmap_draw_func, hm, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "x.jpg"));
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "no-such-dir", "d.png", NULL);
  g_assert_false (ps_export_picture (missing, 10, 10, 1, 0, ps_heatmap_draw_func, hm, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "d.png"));
  g_clear_error (&error);
  g_assert_false (ps_export_pages (svg, 10, 10, 1, 0, 2, draws, datas, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ps_export_picture (png, 40000, 10, 1, 0, ps_heatmap_draw_func, hm, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_autofree char *svg_again = NULL;
  g_assert_true (g_file_get_contents (svg, &svg_again, NULL, NULL));
  g_assert_cmpstr (svg_again, ==, svg_text);

  g_unlink (png);
  g_unlink (svg);
  g_unlink (pdf);
  g_rmdir (dir);
}

static void
test_colormaps (void)
{
  for (int k = 0; k < PS_COLORMAP_N; k++)
    {
      const PsColormap *cm = ps_colormap_get (k);
      g_assert_true (ps_colormap_by_name (cm->name) == cm);
      /* special colours are not in the map */
      for (int i = 0; i < 256; i++)
        {
          g_assert_cmphex (cm->lut[i], !=, cm->nan_color);
          g_assert_cmphex (cm->lut[i], !=, cm->posinf_color);
          g_assert_cmphex (cm->lut[i], !=, cm->neginf_color);
        }
    }
  const PsColormap *d = ps_colormap_get (PS_COLORMAP_DIVERGING);
  g_assert_cmpint (ps_colormap_index (0, -3, 3), ==, 128);
  g_assert_cmpint (ps_colormap_index (3, -3, 3), ==, 255);
  g_assert_cmpint (ps_colormap_index (-3, -3, 3), ==, 0);
  g_assert_cmpint (ps_colormap_index (-30, -3, 3), ==, 0);
  g_assert_cmphex (d->lut[0], ==, 0xff053061u);
  g_assert_cmphex (d->lut[255], ==, 0xff67001fu);
  /* lightness rises monotonically from each end to the centre (diverging) and along viridis */
  for (int i = 1; i <= 128; i++)
    g_assert_cmpfloat (ps_color_luminance (d->lut[i]), >=, ps_color_luminance (d->lut[i - 1]) - 1e-3);
  for (int i = 129; i < 256; i++)
    g_assert_cmpfloat (ps_color_luminance (d->lut[i]), <=, ps_color_luminance (d->lut[i - 1]) + 1e-3);
  const PsColormap *v = ps_colormap_get (PS_COLORMAP_VIRIDIS);
  for (int i = 1; i < 256; i++)
    g_assert_cmpfloat (ps_color_luminance (v->lut[i]), >=, ps_color_luminance (v->lut[i - 1]) - 1e-3);
  g_assert_cmphex (v->lut[0], ==, 0xff440154u);
  g_assert_cmphex (v->lut[255], ==, 0xfffde725u);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  lcg_state = 1;   /* the seed of the draws before a test sets its own */
  g_test_add_func ("/render/colormaps", test_colormaps);
  g_test_add_func ("/render/heatmap-eye", test_heatmap_eye);
  g_test_add_func ("/render/heatmap-zoomed-visible-part", test_heatmap_zoomed_visible_part);
  g_test_add_func ("/render/heatmap-conv-tiles", test_heatmap_conv_tiles);
  g_test_add_func ("/render/heatmap-downsampling-keeps-extreme", test_heatmap_downsampling_keeps_extreme);
  g_test_add_func ("/render/heatmap-downsampling-rules", test_heatmap_downsampling_rules);
  g_test_add_func ("/render/heatmap-dark-style", test_heatmap_dark_style);
  g_test_add_func ("/render/heatmap-footer-fits-tile", test_heatmap_footer_fits_tile);
  g_test_add_func ("/render/heatmap-strip-and-ranges", test_heatmap_strip_and_ranges);
  g_test_add_func ("/render/colorize-matches-reference", test_colorize_matches_reference);
  g_test_add_func ("/render/difference", test_difference);
  g_test_add_func ("/render/histogram-plot", test_histogram_plot);
  g_test_add_func ("/render/histogram-small-legend", test_histogram_small_legend);
  g_test_add_func ("/render/histogram-legend-column", test_histogram_legend_column);
  g_test_add_func ("/render/histogram-count-title", test_histogram_count_title);
  g_test_add_func ("/render/ridgeline-and-bands", test_ridgeline_and_bands);
  g_test_add_func ("/render/degenerate-inputs", test_degenerate_inputs);
  g_test_add_func ("/render/export-formats", test_export_formats);
  return g_test_run ();
}
