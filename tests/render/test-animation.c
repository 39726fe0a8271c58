/* test-animation.c — export over time: animated GIF (decoded back with giflib: frame count, size,
 * delays, loop, exact colormap colours, frames differ where the data differs), the palette
 * quantizer, numbered PNG/SVG series, contact sheets (PDF pages, PNG grid), atomic writes and
 * errors. */
#include <cairo.h>
#include <gif_lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "ps-animation.h"
#include "ps-colormap.h"
#include "ps-heatmap.h"
#include "ps-error.h"
#include "ps-loss-curve.h"
#include "ps-figure-sequence.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-state.h"
#include "ps-stats.h"
#include "ps-frame-list.h"
#include "picture-test-util.h"

/* Frames: a 6 × 8 heatmap whose cell (2, 3) grows with the frame, the rest fixed. */
typedef struct {
  PsTensor *t[8];
  PsHeatmap *hm[8];
  guint drawn;
} Frames;

static void
frames_init (Frames *f, guint n)
{
  memset (f, 0, sizeof *f);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      f->t[i] = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 6, 8, &error);
      g_assert_no_error (error);
      float *x = ps_tensor_f32 (f->t[i]);
      for (int k = 0; k < 48; k++)
        x[k] = (float) ((k % 7) - 3) / 3.0f;
      x[2 * 8 + 3] = -1.0f + 2.0f * i / MAX (n - 1, 1);
      PsHeatmapOptions o;
      ps_heatmap_options_init (&o);
      o.title = "w";
      o.range = PS_HEATMAP_RANGE_FIXED;
      o.lo = -1;
      o.hi = 1;
      f->hm[i] = ps_heatmap_new (f->t[i], &o, &error);
      g_assert_no_error (error);
    }
}

static void
frames_clear (Frames *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->t); i++)
    {
      if (f->hm[i])
        ps_heatmap_free (f->hm[i]);
      if (f->t[i])
        ps_tensor_unref (f->t[i]);
    }
}

static void
frame_draw (cairo_t *cr, double w, double h, guint frame, gpointer data)
{
  Frames *f = data;
  f->drawn++;
  ps_heatmap_draw (f->hm[frame], cr, w, h);
}

static char *
tmp_dir (void)
{
  return g_dir_make_tmp ("ps-animation-XXXXXX", NULL);
}

static gboolean
has_loop_extension (GifFileType *gif, int *count)
{
  SavedImage *im = &gif->SavedImages[0];
  for (int k = 0; k + 1 < im->ExtensionBlockCount; k++)
    {
      ExtensionBlock *b = &im->ExtensionBlocks[k];
      if (b->Function == APPLICATION_EXT_FUNC_CODE && b->ByteCount == 11 &&
          memcmp (b->Bytes, "NETSCAPE2.0", 11) == 0)
        {
          ExtensionBlock *d = &im->ExtensionBlocks[k + 1];
          g_assert_cmpint (d->ByteCount, ==, 3);
          *count = d->Bytes[1] | (d->Bytes[2] << 8);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_gif (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "w.gif", NULL);
  Frames f;
  const guint N = 5;
  frames_init (&f, N);
  PsAnimationOptions o;
  ps_animation_options_init (&o, 420, 300);
  ps_animation_options_keep_colormap (&o, PS_COLORMAP_DIVERGING);
  guint delays[5] = { 10, 20, 30, 40, 250 };
  o.delays_cs = delays;
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_animation_write_gif (path, N, frame_draw, &f, &o, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.drawn, ==, N);
  g_assert_cmpuint (count_files (dir), ==, 1);   /* no temporary file left */
  if (g_getenv ("PS_RENDER_SAMPLES"))
    {
      g_autofree char *copy = g_build_filename (g_getenv ("PS_RENDER_SAMPLES"), "animation.gif", NULL);
      g_autofree char *bytes = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
      g_assert_true (g_file_set_contents (copy, bytes, len, NULL));
    }

  int err = 0;
  GifFileType *gif = gif_open (path);
  g_assert_cmpint (gif->ImageCount, ==, N);
  g_assert_cmpint (gif->SWidth, ==, 420);
  g_assert_cmpint (gif->SHeight, ==, 300);
  int loop = -1;
  g_assert_true (has_loop_extension (gif, &loop));
  g_assert_cmpint (loop, ==, 0);
  for (guint i = 0; i < N; i++)
    {
      GraphicsControlBlock gcb;
      g_assert_cmpint (DGifSavedExtensionToGCB (gif, i, &gcb), ==, GIF_OK);
      g_assert_cmpint (gcb.DelayTime, ==, (int) delays[i]);
      g_assert_cmpint (gif->SavedImages[i].ImageDesc.Width, ==, 420);
    }
  /* every heatmap cell is exactly its colormap colour in every frame: render the frame the same
   * way to find the cells, then compare */
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  for (guint i = 0; i < N; i++)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 420, 300);
      cairo_t *cr = cairo_create (s);
      ps_heatmap_draw (f.hm[i], cr, 420, 300);
      cairo_destroy (cr);
      cairo_surface_destroy (s);
      const float *x = ps_tensor_cf32 (f.t[i]);
      for (int r = 0; r < 6; r++)
        for (int c = 0; c < 8; c++)
          {
            double rect[4];
            g_assert_true (ps_heatmap_cell_rect (f.hm[i], r, c, rect));
            int px = (int) (rect[0] + rect[2] / 2), py = (int) (rect[1] + rect[3] / 2);
            g_assert_cmphex (gif_pixel (gif, i, px, py), ==, ps_colormap_map (cm, x[r * 8 + c], -1, 1));
          }
    }
  /* frames differ exactly where the data differs: cell (2, 3) changes, cell (0, 0) does not */
  double rect[4];
  g_assert_true (ps_heatmap_cell_rect (f.hm[0], 2, 3, rect));
  int cx = (int) (rect[0] + rect[2] / 2), cy = (int) (rect[1] + rect[3] / 2);
  g_assert_cmphex (gif_pixel (gif, 0, cx, cy), !=, gif_pixel (gif, N - 1, cx, cy));
  g_assert_true (ps_heatmap_cell_rect (f.hm[0], 0, 0, rect));
  int sx = (int) (rect[0] + rect[2] / 2), sy = (int) (rect[1] + rect[3] / 2);
  for (guint i = 1; i < N; i++)
    g_assert_cmphex (gif_pixel (gif, 0, sx, sy), ==, gif_pixel (gif, i, sx, sy));
  DGifCloseFile (gif, &err);

  /* play once: no loop extension; a fixed delay; scale 2 doubles the pixels */
  o.delays_cs = NULL;
  o.delay_cs = 7;
  o.loop = -1;
  o.scale = 2;
  g_assert_true (ps_animation_write_gif (path, 2, frame_draw, &f, &o, &error));
  gif = gif_open (path);
  g_assert_cmpint (gif->ImageCount, ==, 2);
  g_assert_cmpint (gif->SWidth, ==, 840);
  g_assert_false (has_loop_extension (gif, &loop));
  GraphicsControlBlock gcb;
  g_assert_cmpint (DGifSavedExtensionToGCB (gif, 1, &gcb), ==, GIF_OK);
  g_assert_cmpint (gcb.DelayTime, ==, 7);
  DGifCloseFile (gif, &err);
  o.loop = 3;
  o.scale = 1;
  g_assert_true (ps_animation_write_gif (path, 1, frame_draw, &f, &o, &error));
  gif = gif_open (path);
  g_assert_true (has_loop_extension (gif, &loop));
  g_assert_cmpint (loop, ==, 3);
  DGifCloseFile (gif, &err);

  /* errors leave the file as it was */
  g_autofree char *before = NULL;
  gsize before_len;
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  g_assert_false (ps_animation_write_gif (path, 0, frame_draw, &f, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  o.width = 20000;
  g_assert_false (ps_animation_write_gif (path, 1, frame_draw, &f, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  o.width = 420;
  o.loop = -2;
  g_assert_false (ps_animation_write_gif (path, 1, frame_draw, &f, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  o.loop = 0;
  g_autofree char *after = NULL;
  gsize after_len;
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "x.gif", NULL);
  g_assert_false (ps_animation_write_gif (missing, 1, frame_draw, &f, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 1);
  frames_clear (&f);
  rm_rf (dir);
}

/* A smooth gradient has far more than 256 colours: the kept colours stay exact, the rest land
 * close to their true colour. */
static void
test_quantize (void)
{
  const int W = 256, H = 128;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  guint8 *d = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_VIRIDIS);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 c;
        if (y < 32)
          c = cm->lut[x];                          /* every viridis colour: kept exactly */
        else
          c = (guint32) ((x << 16) | (((y * 2) & 255) << 8) | ((x + y) & 255));   /* ~24k colours */
        ((guint32 *) (d + y * stride))[x] = c;
      }
  guint8 *idx = g_new (guint8, W * H);
  guint32 pal[256];
  /* without keep colours: the frequent (the lut's) colours are kept anyway up to 224 */
  PsAnimationOptions o;
  ps_animation_options_init (&o, W, H);
  ps_animation_options_keep_colormap (&o, PS_COLORMAP_VIRIDIS);
  guint n = ps_animation_quantize (d, W, H, stride, o.keep_colors, o.n_keep, idx, pal);
  g_assert_cmpuint (n, <=, 256);
  g_assert_cmpuint (n, >, 224);
  int exact = 0, worst = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 want = ((guint32 *) (d + y * stride))[x] & 0xffffff, got = pal[idx[y * W + x]];
        g_assert_cmpuint (idx[y * W + x], <, n);
        if (y < 32)
          exact += got == want;
        else
          for (int sh = 0; sh < 24; sh += 8)
            worst = MAX (worst, abs ((int) ((got >> sh) & 255) - (int) ((want >> sh) & 255)));
      }
  /* 224 of viridis's 256 colours fit in the exact slots (the rest come close) */
  g_assert_cmpint (exact, >=, 224 * 32);
  g_assert_cmpint (worst, <, 100);
  /* few colours: lossless */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      ((guint32 *) (d + y * stride))[x] = cm->lut[(x / 16) * 16];
  n = ps_animation_quantize (d, W, H, stride, NULL, 0, idx, pal);
  g_assert_cmpuint (n, ==, 16);
  for (int x = 0; x < W; x++)
    g_assert_cmphex (pal[idx[x]], ==, cm->lut[(x / 16) * 16] & 0xffffff);
  g_free (idx);
  cairo_surface_destroy (s);
}

static void
test_series (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *sub = g_build_filename (dir, "frames", NULL);
  Frames f;
  frames_init (&f, 3);
  PsAnimationOptions o;
  ps_animation_options_init (&o, 300, 200);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (ps_animation_write_series (sub, "w", PS_EXPORT_PNG, 3, frame_draw, &f, &o, written, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (written->len, ==, 3);
  g_assert_cmpuint (count_files (sub), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("w-%04u.png", i + 1);
      g_autofree char *want = g_build_filename (sub, name, NULL);
      g_assert_cmpstr (g_ptr_array_index (written, i), ==, want);
      cairo_surface_t *png = cairo_image_surface_create_from_png (want);
      g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (png), ==, 300);
      cairo_surface_destroy (png);
    }
  g_ptr_array_set_size (written, 0);
  g_assert_true (ps_animation_write_series (sub, "v", PS_EXPORT_SVG, 2, frame_draw, &f, &o, written, &error));
  g_autofree char *svg = NULL;
  g_assert_true (g_file_get_contents (g_ptr_array_index (written, 1), &svg, NULL, NULL));
  g_assert_nonnull (strstr (svg, "<svg"));
  g_assert_false (ps_animation_write_series (sub, "a/b", PS_EXPORT_PNG, 2, frame_draw, &f, &o, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  frames_clear (&f);
  rm_rf (dir);
}

static void
assert_frames (GArray *a, const guint *want, guint n)
{
  g_assert_nonnull (a);
  g_assert_cmpuint (a->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (a, guint, i), ==, want[i]);
  g_array_unref (a);
}

/* ps_animation_frame_range: the frames of an export over sub-steps (the Training page's
 * Export Over Sub-steps uses it). */
static void
test_frame_range (void)
{
  g_autoptr (GError) error = NULL;
  assert_frames (ps_animation_frame_range (10, 19, 3, 100, 1000, "sub-steps", &error),
                 (const guint[]) { 10, 13, 16, 19 }, 4);
  assert_frames (ps_animation_frame_range (0, 99, 5, 100, 1000, "sub-steps", &error),
                 (const guint[]) { 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85,
                                   90, 95, 99 }, 21);
  /* to is clamped to the last item; the last item is always a frame; every 0 counts as 1 */
  assert_frames (ps_animation_frame_range (0, 1000, 10, 20, 1000, "sub-steps", &error),
                 (const guint[]) { 0, 10, 19 }, 3);
  assert_frames (ps_animation_frame_range (2, 4, 0, 20, 1000, "sub-steps", &error),
                 (const guint[]) { 2, 3, 4 }, 3);
  assert_frames (ps_animation_frame_range (7, 7, 5, 20, 1000, "sub-steps", &error), (const guint[]) { 7 }, 1);
  g_assert_no_error (error);
  /* exactly the cap passes, one more fails naming it */
  GArray *a = ps_animation_frame_range (0, 9, 1, 10, 10, "sub-steps", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 10);
  g_array_unref (a);
  g_assert_null (ps_animation_frame_range (0, 10, 3, 11, 4, "sub-steps", &error));   /* 0 3 6 9 10 */
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "5 frames: at most 4 (record fewer sub-steps or export every k-th)");
  g_clear_error (&error);
  g_assert_null (ps_animation_frame_range (5, 3, 1, 20, 1000, "sub-steps", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "sub-steps 6 to 4: the range is empty");
  g_clear_error (&error);
  g_assert_null (ps_animation_frame_range (0, 3, 1, 0, 1000, "steps", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "no recorded steps to export");
  g_clear_error (&error);
  /* the largest range: no overflow */
  g_assert_null (ps_animation_frame_range (0, G_MAXUINT, 1, G_MAXUINT, 1000, "sub-steps", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "4294967295 frames: at most 1000 (record fewer sub-steps or export every k-th)");
}

/* ps_animation_write_by_extension: .gif/.GIF an animation, .pdf pages, .png/.svg a numbered series
 * beside the path, anything else an error with nothing written. */
static void
test_by_extension (void)
{
  g_autofree char *dir = tmp_dir ();
  Frames f;
  frames_init (&f, 3);
  PsAnimationOptions o;
  ps_animation_options_init (&o, 120, 80);
  g_autoptr (GError) error = NULL;
  g_autofree char *gif_path = g_build_filename (dir, "a.GIF", NULL);
  g_assert_true (ps_animation_write_by_extension (gif_path, 3, frame_draw, &f, &o, &error));
  g_assert_no_error (error);
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 3);
  DGifCloseFile (gif, NULL);
  g_autofree char *pdf_path = g_build_filename (dir, "b.pdf", NULL);
  g_assert_true (ps_animation_write_by_extension (pdf_path, 3, frame_draw, &f, &o, &error));
  g_autofree char *pdf = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (pdf_path, &pdf, &len, NULL));
  g_assert_true (len > 5 && memcmp (pdf, "%PDF-", 5) == 0);
  g_autofree char *png_path = g_build_filename (dir, "frame.png", NULL);
  g_assert_true (ps_animation_write_by_extension (png_path, 3, frame_draw, &f, &o, &error));
  g_autofree char *svg_path = g_build_filename (dir, "v.svg", NULL);
  g_assert_true (ps_animation_write_by_extension (svg_path, 2, frame_draw, &f, &o, &error));
  g_assert_no_error (error);
  const char *want[] = { "a.GIF", "b.pdf", "frame-0001.png", "frame-0002.png", "frame-0003.png", "v-0001.svg",
                         "v-0002.svg" };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *p = g_build_filename (dir, want[i], NULL);
      g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_false (g_file_test (png_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (dir), ==, G_N_ELEMENTS (want));
  const char *bad[] = { "c.txt", "noext", "d.gif.bak" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *p = g_build_filename (dir, bad[i], NULL);
      g_assert_false (ps_animation_write_by_extension (p, 3, frame_draw, &f, &o, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
  g_assert_cmpuint (count_files (dir), ==, G_N_ELEMENTS (want));
  frames_clear (&f);
  rm_rf (dir);
}

static void
test_contact_sheet (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *pdf = g_build_filename (dir, "sheet.pdf", NULL);
  g_autofree char *png = g_build_filename (dir, "sheet.png", NULL);
  Frames f;
  frames_init (&f, 4);
  PsAnimationOptions o;
  ps_animation_options_init (&o, 300, 200);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_animation_write_contact_sheet (pdf, 4, frame_draw, &f, 0, &o, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pdf_pages (pdf), ==, 4);
  g_assert_true (ps_animation_write_contact_sheet (pdf, 3, frame_draw, &f, 2, &o, &error));
  g_assert_cmpint (pdf_pages (pdf), ==, 1);
  g_assert_true (ps_animation_write_contact_sheet (png, 4, frame_draw, &f, 3, &o, &error));
  cairo_surface_t *s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  /* 3 columns, 2 rows of 300 × 200 with 8-unit gaps */
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 3 * 308 + 8);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 2 * 208 + 8);
  cairo_surface_destroy (s);
  if (g_getenv ("PS_RENDER_SAMPLES"))
    {
      g_autofree char *copy = g_build_filename (g_getenv ("PS_RENDER_SAMPLES"), "contact-sheet.png", NULL);
      g_assert_true (ps_animation_write_contact_sheet (copy, 4, frame_draw, &f, 2, &o, &error));
    }
  /* one frame per page is PDF only */
  g_assert_false (ps_animation_write_contact_sheet (png, 2, frame_draw, &f, 0, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 2);
  frames_clear (&f);
  rm_rf (dir);
}

/* Any figure animates: the loss curve with its step cursor moving over 4 frames. */
typedef struct {
  PsLossCurve lc;
  PsLossCurveOptions o;
  int64_t cursor[4];
} CursorFrames;

static void
cursor_draw (cairo_t *cr, double w, double h, guint frame, gpointer data)
{
  CursorFrames *c = data;
  c->o.cursor_step = c->cursor[frame];
  ps_loss_curve_draw (&c->lc, cr, w, h);
}

static void
test_gif_loss_cursor (void)
{
  int64_t steps[40];
  double loss[40];
  for (int i = 0; i < 40; i++)
    {
      steps[i] = i;
      loss[i] = 2 * exp (-i / 10.0) + 0.1;
    }
  PsSeries se = { "loss", steps, loss, 40 };
  CursorFrames c = { .cursor = { 5, 15, 25, 35 } };
  ps_loss_curve_options_init (&c.o);
  c.o.title = "loss";
  c.o.show_cursor = TRUE;
  c.lc = (PsLossCurve) { &se, 1, NULL, 0, NULL, &c.o };
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "loss.gif", NULL);
  PsAnimationOptions o;
  ps_animation_options_init (&o, 500, 320);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_animation_write_gif (path, 4, cursor_draw, &c, &o, &error));
  g_assert_no_error (error);
  if (g_getenv ("PS_RENDER_SAMPLES"))
    {
      g_autofree char *copy = g_build_filename (g_getenv ("PS_RENDER_SAMPLES"), "loss-cursor.gif", NULL);
      g_assert_true (ps_animation_write_gif (copy, 4, cursor_draw, &c, &o, &error));
    }
  int err = 0;
  GifFileType *gif = gif_open (path);
  g_assert_cmpint (gif->ImageCount, ==, 4);
  /* the cursor's column is dark in its own frame only; y in the middle of the plot */
  for (int f = 0; f < 4; f++)
    {
      double x;
      g_assert_true (ps_loss_curve_step_x (&c.lc, 500, 320, c.cursor[f], &x));
      for (int g = 0; g < 4; g++)
        {
          int dark = 0;
          for (int y = 120; y < 240; y++)
            {
              /* the 1.4-unit line is antialiased over two pixel columns: the darkest of three */
              gboolean d = FALSE;
              for (int dx = -1; dx <= 1; dx++)
                {
                  guint32 p = gif_pixel (gif, g, (int) floor (x) + dx, y);
                  d |= ((p >> 16) & 255) < 140 && ((p >> 8) & 255) < 140 && (p & 255) < 140;
                }
              dark += d;
            }
          if (g == f)
            g_assert_cmpint (dark, >, 100);
          else
            g_assert_cmpint (dark, <, 10);
        }
    }
  DGifCloseFile (gif, &err);
  rm_rf (dir);
}

/* A parameter over steps: missing steps skipped (or an error), one colour range for all frames. */
static void
test_figure_sequence (void)
{
  static const char recipe_text[] =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"fc\", \"ops\": ["
    " {\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 5, \"out_features\": 5}},"
    " {\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"eye_\"},"
    " {\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 3}}]}";
  g_autoptr (GError) error = NULL;
  PsRecipe *recipe = ps_recipe_load_from_data (recipe_text, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe (recipe, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 3);
  PsFigureOptions fo;
  ps_figure_options_init (&fo);
  guint steps[4] = { 0, 1, 2, 3 };
  /* step 0: fc does not exist yet */
  g_assert_null (ps_figure_sequence_new (tl, "fc.weight", steps, 4, &fo, FALSE, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ps_figure_sequence_new (tl, "fc.weight", steps, 1, &fo, TRUE, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  PsFigureSequence *seq = ps_figure_sequence_new (tl, "fc.weight", steps, 4, &fo, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_figure_sequence_get_n_frames (seq), ==, 3);
  g_assert_cmpuint (ps_figure_sequence_get_step (seq, 0), ==, 1);
  g_assert_cmpuint (ps_figure_sequence_get_step (seq, 2), ==, 3);
  /* symmetric: ±max |w| over all frames (the normal_(std=3) frame has the largest) */
  double lo, hi;
  ps_figure_sequence_get_range (seq, &lo, &hi);
  PsStats st;
  PsParam *param = NULL;
  g_assert_true (ps_state_resolve (ps_timeline_get_state (tl, 3), "fc.weight", NULL, &param, NULL));
  g_assert_nonnull (param);
  ps_stats_compute (param->value, &st);
  g_assert_cmpfloat (hi, ==, st.abs_max);
  g_assert_cmpfloat (lo, ==, -hi);
  /* every frame draws; the eye frame's diagonal is the colour of +1 on that shared range */
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 400, 300);
  for (guint i = 0; i < 3; i++)
    {
      cairo_t *cr = cairo_create (s);
      ps_figure_sequence_draw_frame (cr, 400, 300, i, seq);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
    }
  cairo_surface_destroy (s);
  ps_figure_sequence_free (seq);
  /* histograms share their bins */
  fo.kind = PS_FIGURE_HISTOGRAM;
  fo.bins = 20;
  seq = ps_figure_sequence_new (tl, "fc.weight", steps + 1, 3, &fo, FALSE, &error);
  g_assert_no_error (error);
  ps_figure_sequence_get_range (seq, &lo, &hi);
  g_assert_cmpfloat (lo, ==, st.min);
  g_assert_cmpfloat (hi, ==, st.max);
  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 400, 300);
  cairo_t *cr = cairo_create (s);
  ps_figure_sequence_draw_frame (cr, 400, 300, 1, seq);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
  ps_figure_sequence_free (seq);
  /* ridgelines are not frames */
  fo.kind = PS_FIGURE_RIDGELINE;
  g_assert_null (ps_figure_sequence_new (tl, "fc.weight", steps + 1, 3, &fo, FALSE, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  ps_timeline_free (tl);
  ps_recipe_free (recipe);
}

/* A typed list of chosen frames (the app's Contact Sheet…): 1-based numbers, ranges and "last", in
 * the order typed; a bad entry is an error naming it and leaves the output as it was. */
static void
test_frame_list (void)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_frame_list_parse (" 1, 10 ,50, last, 3-5, 49-last,", 50, 100, "sub-step", out, &error));
  g_assert_no_error (error);
  static const guint want[] = { 0, 9, 49, 49, 2, 3, 4, 48, 49 };
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, guint, i), ==, want[i]);
  static const struct { const char *text, *says; } bad[] = {
    { "0", "sub-step 0 does not exist (they are 1 to 50)" },
    { "51", "sub-step 51 does not exist" },
    { "1,,2", "empty entry" },
    { "", "no sub-step given" },
    { " , ", "empty entry" },
    { "x", "'x' is not a sub-step number" },
    { "-3", "'' is not a sub-step number" },
    { "5-2", "the range 5-2 goes backwards" },
    { "1-50, 1-50, 1-50", "more than 100 frames" },
    { "1.5", "'1.5' is not" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (ps_frame_list_parse (bad[i].text, 50, 100, "sub-step", out, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, bad[i].says) == NULL)
        g_error ("'%s': %s (wanted '%s')", bad[i].text, error->message, bad[i].says);
      g_clear_error (&error);
      g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want));   /* unchanged */
    }
  g_assert_false (ps_frame_list_parse ("1", 0, 100, "sub-step", out, &error));
  g_assert_nonnull (strstr (error->message, "no recorded sub-step"));
}

/* The same parser for every caller's numbering: a timeline's steps from 0 (no "last"), and values
 * (the training step of each recorded sub-step: a single value must be recorded, a range takes
 * the recorded ones in it, each value's first sub-step once); malformed text is PS_ERROR_PARSE,
 * what is not there PS_ERROR_NOT_FOUND (the CLI tells usage errors from the others by it). */
static void
test_frame_list_numbering (void)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GError) error = NULL;
  const PsFrameListRules steps = { PS_FRAME_LIST_FROM_0, 4, NULL, 6, "step", NULL };   /* steps 0..3 */
  g_assert_true (ps_frame_list_parse_rules ("0, 3,1-2, 0", &steps, out, &error));
  g_assert_no_error (error);
  static const guint want_steps[] = { 0, 3, 1, 2, 0 };
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want_steps));
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, guint, i), ==, want_steps[i]);
  static const struct { const char *text, *says; int code; } bad_steps[] = {
    { "4", "step 4 does not exist (they are 0 to 3)", PS_ERROR_NOT_FOUND },
    { "last", "'last' is not a step number (0 to 3)", PS_ERROR_PARSE },
    { "x", "'x' is not a step number (0 to 3)", PS_ERROR_PARSE },
    { "3-1", "the range 3-1 goes backwards", PS_ERROR_PARSE },
    { "0-3,0-3", "more than 6 frames on one sheet", PS_ERROR_INVALID_ARGUMENT },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad_steps); i++)
    {
      g_assert_false (ps_frame_list_parse_rules (bad_steps[i].text, &steps, out, &error));
      if (!g_error_matches (error, PS_ERROR, bad_steps[i].code) || strcmp (error->message, bad_steps[i].says) != 0)
        g_error ("'%s': %s (wanted '%s', code %d)", bad_steps[i].text, error->message, bad_steps[i].says,
                 bad_steps[i].code);
      g_clear_error (&error);
      g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want_steps));   /* unchanged */
    }

  /* recorded at training steps 2, 4, 4, 6, 9 (two sub-steps at step 4) */
  static const gint64 at[] = { 2, 4, 4, 6, 9 };
  const PsFrameListRules values = { PS_FRAME_LIST_VALUES, G_N_ELEMENTS (at), at, 5, "sub-step", "training step" };
  /* the widest range: the recorded values in it, without walking every number */
  g_array_set_size (out, 0);
  g_assert_true (ps_frame_list_parse_rules ("0-9223372036854775807", &values, out, &error));
  g_assert_no_error (error);
  static const guint want_all[] = { 0, 1, 3, 4 };
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want_all));
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, guint, i), ==, want_all[i]);
  g_array_set_size (out, 0);
  g_assert_true (ps_frame_list_parse_rules ("4, last ,3-7", &values, out, &error));
  g_assert_no_error (error);
  static const guint want_values[] = { 1, 4, 1, 3 };
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want_values));
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, guint, i), ==, want_values[i]);
  static const struct { const char *text, *says; int code; } bad_values[] = {
    { "3", "training step 3 is not recorded: the recipe records 5 sub-steps at training steps 2 to 9",
      PS_ERROR_NOT_FOUND },
    { "10-20", "no recorded sub-step in '10-20'", PS_ERROR_NOT_FOUND },
    { "x", "'x' is not a training step (a whole number, or last)", PS_ERROR_PARSE },
    { "9-2", "the range 9-2 goes backwards", PS_ERROR_PARSE },
    { "0-100,2,4", "more than 5 frames on one sheet", PS_ERROR_INVALID_ARGUMENT },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_assert_false (ps_frame_list_parse_rules (bad_values[i].text, &values, out, &error));
      if (!g_error_matches (error, PS_ERROR, bad_values[i].code) || strcmp (error->message, bad_values[i].says) != 0)
        g_error ("'%s': %s (wanted '%s', code %d)", bad_values[i].text, error->message, bad_values[i].says,
                 bad_values[i].code);
      g_clear_error (&error);
      g_assert_cmpuint (out->len, ==, 4);   /* unchanged */
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/animation/gif", test_gif);
  g_test_add_func ("/animation/frame-list", test_frame_list);
  g_test_add_func ("/animation/frame-list-numbering", test_frame_list_numbering);
  g_test_add_func ("/animation/quantize", test_quantize);
  g_test_add_func ("/animation/gif-loss-cursor", test_gif_loss_cursor);
  g_test_add_func ("/animation/series", test_series);
  g_test_add_func ("/animation/figure-sequence", test_figure_sequence);
  g_test_add_func ("/animation/contact-sheet", test_contact_sheet);
  g_test_add_func ("/animation/frame-range", test_frame_range);
  g_test_add_func ("/animation/by-extension", test_by_extension);
  return g_test_run ();
}
