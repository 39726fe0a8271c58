/* picture-test-util.h — reading back what a figure drew: pixels of a cairo drawing made the way the
 * PNG export makes it, colour distances, frames of a GIF (giflib), temporary folders. Shared by the
 * render tests and the CLI picture tests. */
#pragma once

#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ps-export.h"
#include "ps-heatmap.h"
#include "tmp-dir-util.h"

/* With PS_RENDER_SAMPLES=dir set, the picture is also written there for a human to look at. */
static inline void
save_sample (const char *name, double w, double h, PsDrawFunc draw, gpointer data)
{
  const char *dir = g_getenv ("PS_RENDER_SAMPLES");
  if (dir == NULL)
    return;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_export_picture (path, w, h, 1.0, 96, draw, data, &error));
  g_assert_no_error (error);
}

/* Draw into an ARGB32 image the same way the PNG export does. */
static inline cairo_surface_t *
render (PsDrawFunc draw, gpointer data, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  draw (cr, w, h, data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

/* 0xffRRGGBB of the pixel containing (x, y). */
static inline guint32
pixel (cairo_surface_t *s, double x, double y)
{
  int xi = (int) floor (x), yi = (int) floor (y);
  g_assert_cmpint (xi, >=, 0);
  g_assert_cmpint (yi, >=, 0);
  g_assert_cmpint (xi, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (yi, <, cairo_image_surface_get_height (s));
  const guint8 *d = cairo_image_surface_get_data (s);
  return *(const guint32 *) (d + yi * cairo_image_surface_get_stride (s) + xi * 4) | 0xff000000u;
}

/* The largest difference of one channel. */
static inline int
color_dist (guint32 a, guint32 b)
{
  int d = 0;
  for (int k = 0; k < 24; k += 8)
    d = MAX (d, abs ((int) ((a >> k) & 255) - (int) ((b >> k) & 255)));
  return d;
}

/* Pixels within tol of color in the rectangle [x0, x1) × [y0, y1) (clipped to the picture). */
static inline int
count_color (cairo_surface_t *s, int x0, int y0, int x1, int y1, guint32 color, int tol)
{
  int n = 0, w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  for (int y = MAX (0, y0); y < MIN (h, y1); y++)
    for (int x = MAX (0, x0); x < MIN (w, x1); x++)
      n += color_dist (pixel (s, x, y), color) <= tol;
  return n;
}

static inline guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

/* A PNG a command wrote: decodes, and has w × h pixels (a negative w or h is not checked).
 * Destroy with cairo_surface_destroy. */
static inline cairo_surface_t *
load_png (const char *path, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  if (w >= 0)
    g_assert_cmpint (cairo_image_surface_get_width (s), ==, w);
  if (h >= 0)
    g_assert_cmpint (cairo_image_surface_get_height (s), ==, h);
  return s;
}

/* Pixels that differ (any channel) between two same-size images. */
static inline guint64
pixels_differing (cairo_surface_t *a, cairo_surface_t *b)
{
  g_assert_cmpint (cairo_image_surface_get_width (a), ==, cairo_image_surface_get_width (b));
  g_assert_cmpint (cairo_image_surface_get_height (a), ==, cairo_image_surface_get_height (b));
  guint64 n = 0;
  int w = cairo_image_surface_get_width (a), h = cairo_image_surface_get_height (a);
  const guint8 *da = cairo_image_surface_get_data (a), *db = cairo_image_surface_get_data (b);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      n += memcmp (da + y * cairo_image_surface_get_stride (a) + 4 * x,
                   db + y * cairo_image_surface_get_stride (b) + 4 * x, 4) != 0;
  return n;
}

/* An SVG file: its text opens and closes an <svg> element. */
static inline void
assert_svg (const char *path)
{
  g_autofree char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_assert_nonnull (strstr (data, "<svg"));
  g_assert_nonnull (strstr (data, "</svg>"));
}

/* The number of pages of a PDF file (its "/Type /Page" objects). */
static inline int
pdf_pages (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_true (len > 5 && memcmp (data, "%PDF-", 5) == 0);
  int n = 0;
  for (const char *p = data; (p = memmem (p, len - (gsize) (p - data), "/Type /Page", 11)) != NULL; p++)
    if (p[11] != 's')
      n++;
  return n;
}

#ifdef GIFLIB_MAJOR
/* The whole GIF decoded (DGifSlurp); close with DGifCloseFile. */
static inline GifFileType *
gif_open (const char *path)
{
  int err = 0;
  GifFileType *gif = DGifOpenFileName (path, &err);
  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  return gif;
}

/* 0xffRRGGBB of pixel (x, y) of decoded frame i (its own colour map, else the global one). */
static inline guint32
gif_pixel (GifFileType *gif, int i, int x, int y)
{
  SavedImage *im = &gif->SavedImages[i];
  ColorMapObject *map = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap : gif->SColorMap;
  g_assert_nonnull (map);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, im->ImageDesc.Width);
  g_assert_cmpint (y, <, im->ImageDesc.Height);
  int idx = im->RasterBits[y * im->ImageDesc.Width + x];
  g_assert_cmpint (idx, <, map->ColorCount);
  GifColorType c = map->Colors[idx];
  return 0xff000000u | ((guint32) c.Red << 16) | ((guint32) c.Green << 8) | c.Blue;
}
#endif

/* Where a picture of w × h draws cell (r, c) of a rows × cols heatmap titled `title` with a subtitle
 * and the default options (fixed range -1 to 1): the same layout drawn here, its cell's centre. */
static inline void
heatmap_cell_center (const char *title, int rows, int cols, int w, int h, int r, int c, int *x, int *y)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, rows, cols, &error);
  g_assert_no_error (error);
  PsHeatmapOptions o;
  ps_heatmap_options_init (&o);
  o.title = title;
  o.subtitle = "step";
  o.range = PS_HEATMAP_RANGE_FIXED;
  o.lo = -1;
  o.hi = 1;
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &o, &error);
  g_assert_no_error (error);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (s);
  ps_heatmap_draw (hm, cr, w, h);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (hm, r, c, rect));
  *x = (int) (rect[0] + rect[2] / 2);
  *y = (int) (rect[1] + rect[3] / 2);
}
