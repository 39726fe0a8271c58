/* paramscope-cli animate / contact-sheet as a user runs them (the built binary, PS_CLI): the GIF
 * decoded with giflib (frame count, size, delays, loop, exact cell colours, frames differ where the
 * data differs), the numbered PNG/SVG series, the contact sheet's PDF pages and PNG size, and
 * errors that leave files alone. */
#include <cairo.h>
#include <gif_lib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "ps-colormap.h"
#include "ps-heatmap.h"
#include "cli-run.h"
#include "eye-fixture.h"
#include "picture-test-util.h"

static void
test_animate_gif (EyeFixture *f, gconstpointer data)
{
  g_autofree char *gif_path = g_build_filename (f->dir, "w.gif", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "0", "--to", "3", "--out", gif_path,
       "--width", "400", "--height", "300", "--delay", "25", "--last-delay", "200", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "3 frames: steps 1–3"));
  g_assert_nonnull (strstr (r.err, "skipped"));   /* step 0: fc does not exist yet */
  int err = 0;
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 3);
  g_assert_cmpint (gif->SWidth, ==, 400);
  g_assert_cmpint (gif->SHeight, ==, 300);
  static const int want_delay[3] = { 25, 25, 200 };
  for (int i = 0; i < 3; i++)
    {
      GraphicsControlBlock gcb;
      g_assert_cmpint (DGifSavedExtensionToGCB (gif, i, &gcb), ==, GIF_OK);
      g_assert_cmpint (gcb.DelayTime, ==, want_delay[i]);
    }
  /* colour range shared by the frames: ±1 (eye_'s ones; kaiming's bound is 1/√5) */
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  int x00, y00, x01, y01;
  heatmap_cell_center ("fc.weight", 5, 5, 400, 300, 0, 0, &x00, &y00);
  heatmap_cell_center ("fc.weight", 5, 5, 400, 300, 0, 1, &x01, &y01);
  /* frames 2 and 3 (steps 2, 3) show the identity exactly */
  for (int i = 1; i < 3; i++)
    {
      g_assert_cmphex (gif_pixel (gif, i, x00, y00), ==, cm->lut[255]);
      g_assert_cmphex (gif_pixel (gif, i, x01, y01), ==, cm->lut[128]);
    }
  /* frame 1 (kaiming init) differs there; frames 2 and 3 are the same data, the same cells */
  g_assert_cmphex (gif_pixel (gif, 0, x00, y00), !=, gif_pixel (gif, 1, x00, y00));
  for (int r0 = 0; r0 < 5; r0++)
    for (int c0 = 0; c0 < 5; c0++)
      {
        int x, y;
        heatmap_cell_center ("fc.weight", 5, 5, 400, 300, r0, c0, &x, &y);
        g_assert_cmphex (gif_pixel (gif, 1, x, y), ==, gif_pixel (gif, 2, x, y));
      }
  DGifCloseFile (gif, &err);

  /* play once: no NETSCAPE loop block */
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--out", gif_path, "--loop", "-1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (gif_path, &bytes, &len, NULL));
  g_assert_null (memmem (bytes, len, "NETSCAPE2.0", 11));
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--out", gif_path, "--loop", "2", NULL);
  g_free (bytes);
  g_assert_true (g_file_get_contents (gif_path, &bytes, &len, NULL));
  const char *ns = memmem (bytes, len, "NETSCAPE2.0", 11);
  g_assert_nonnull (ns);
  g_assert_cmpint (ns[11], ==, 3);
  g_assert_cmpint (ns[12], ==, 1);
  g_assert_cmpint (ns[13] | (ns[14] << 8), ==, 2);
}

static void
test_animate_series (EyeFixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->dir, "frames", NULL);
  g_autofree char *dir_slash = g_strconcat (dir, "/", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "1", "--out", dir_slash,
       "--width", "400", "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_files (dir), ==, 3);
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  int x, y;
  heatmap_cell_center ("fc.weight", 5, 5, 400, 300, 2, 2, &x, &y);
  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("fc.weight-%04d.png", i);
      g_autofree char *p = g_build_filename (dir, name, NULL);
      cairo_surface_t *s = cairo_image_surface_create_from_png (p);
      g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, 400);
      cairo_surface_flush (s);
      guint32 px = ((guint32 *) (cairo_image_surface_get_data (s) + y * cairo_image_surface_get_stride (s)))[x];
      if (i >= 2)
        g_assert_cmphex (px | 0xff000000u, ==, cm->lut[255]);
      else
        g_assert_cmphex (px | 0xff000000u, !=, cm->lut[255]);
      cairo_surface_destroy (s);
    }
  /* histogram frames as SVG into an existing folder (no trailing slash needed) */
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--kind", "histogram", "--format", "svg",
       "--from", "2", "--to", "3", "--out", dir, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_files (dir), ==, 5);
  g_autofree char *svg_path = g_build_filename (dir, "fc.weight-0002.svg", NULL);
  g_autofree char *svg = NULL;
  g_assert_true (g_file_get_contents (svg_path, &svg, NULL, NULL));
  g_assert_nonnull (strstr (svg, "<svg"));
  /* --every */
  g_autofree char *dir2 = g_build_filename (f->dir, "every/", NULL);
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "1", "--every", "2", "--out", dir2, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "(step 1)"));
  g_assert_nonnull (strstr (r.out, "(step 3)"));
  g_assert_null (strstr (r.out, "(step 2)"));
}

static void
test_contact_sheet (EyeFixture *f, gconstpointer data)
{
  g_autofree char *pdf = g_build_filename (f->dir, "sheet.pdf", NULL);
  g_autofree char *png = g_build_filename (f->dir, "sheet.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1,2,3", "--out", pdf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (pdf_pages (pdf), ==, 3);
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1-3", "--columns", "3", "--out", pdf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (pdf_pages (pdf), ==, 1);
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1,3,2", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* 3 frames of 480 × 320: 2 per row, 8-point gaps */
  cairo_surface_t *s = load_png (png, 2 * 488 + 8, 2 * 328 + 8);
  cairo_surface_destroy (s);

  /* a chosen step without the parameter is an error, and the sheet stays as it was */
  g_autofree char *before = NULL, *after = NULL;
  gsize lb, la;
  g_assert_true (g_file_get_contents (png, &before, &lb, NULL));
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "0,2", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "step 0"));
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1,9", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--steps: step 9 does not exist (they are 0 to "));
  /* the timeline's steps count from 0 and have no "last" (that is --sub-steps' numbering) */
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1,last", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--steps: 'last' is not a step number (0 to "));
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "3-1", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--steps: the range 3-1 goes backwards"));
  run (&r, "contact-sheet", f->recipe, "--param", "fc.weight", "--steps", "1", "--columns", "0", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_true (g_file_get_contents (png, &after, &la, NULL));
  g_assert_cmpmem (before, lb, after, la);
}

static void
test_errors (EyeFixture *f, gconstpointer data)
{
  g_autofree char *mp4 = g_build_filename (f->dir, "x.mp4", NULL);
  g_autofree char *gif = g_build_filename (f->dir, "x.gif", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--out", mp4, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, ".gif"));
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "9", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "3", "--to", "2", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "animate", f->recipe, "--param", "nope.weight", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nope.weight"));
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--from", "0", "--to", "0", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--kind", "ridgeline", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--format", "svg", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_false (g_file_test (gif, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (mp4, G_FILE_TEST_EXISTS));
  /* only the recipe is left: no temporary files */
  g_assert_cmpuint (count_files (f->dir), ==, 1);
  run (&r, "animate", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--last-delay"));
  run (&r, "--help", NULL);
  g_assert_nonnull (strstr (r.out, "contact-sheet"));
}

/* animate --sub-steps: the frames are the recorded sub-steps of the recipe's train ops (train-xor:
 * 20, the Training page's numbering 1..20); --every 3 shows 1, 4, …, 19 and the last one, 20; the
 * frames share one colour range and differ where training moved the weights; sub-step 20 draws
 * exactly what `animate` draws at the timeline step after the run (the same tensor, the same range);
 * a recipe without training, --to beyond it and --from 0 are refused with nothing written. */
static void
test_animate_sub_steps (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", "train-xor.json", NULL);
  g_autofree char *gif_path = g_build_filename (f->dir, "sub.gif", NULL);
  g_autofree char *last_path = g_build_filename (f->dir, "last.gif", NULL);
  g_autofree char *step_path = g_build_filename (f->dir, "step.gif", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", xor, "--param", "0.weight", "--sub-steps", "--every", "3", "--out", gif_path, "--width", "400",
       "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "8 frames: sub-steps 1–20 of 20"));
  int err = 0;
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 8);
  guint differ = 0;
  for (int y = 60; y < gif->SHeight; y += 2)
    for (int x = 0; x < gif->SWidth; x += 2)
      differ += gif_pixel (gif, 0, x, y) != gif_pixel (gif, 7, x, y);
  g_assert_cmpuint (differ, >, 20);
  DGifCloseFile (gif, &err);

  /* sub-step 20 = the state after the train op (timeline step 7) */
  run (&r, "animate", xor, "--param", "0.weight", "--sub-steps", "--from", "20", "--to", "20", "--out", last_path,
       "--width", "400", "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run (&r, "animate", xor, "--param", "0.weight", "--from", "7", "--to", "7", "--out", step_path, "--width", "400",
       "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  GifFileType *a = gif_open (last_path), *b = gif_open (step_path);
  g_assert_cmpint (a->ImageCount, ==, 1);
  g_assert_cmpint (b->ImageCount, ==, 1);
  /* below the title and subtitle (which say different things), inside flat areas — the heatmap's
   * cells, the colour bar, the background (edges of text are quantized per frame, so may differ) */
  guint flat = 0, differ_flat = 0;
  for (int y = 61; y + 1 < a->SHeight; y++)
    for (int x = 1; x + 1 < a->SWidth; x++)
      {
        guint32 c = gif_pixel (a, 0, x, y);
        if (c != gif_pixel (a, 0, x - 1, y) || c != gif_pixel (a, 0, x + 1, y) || c != gif_pixel (a, 0, x, y - 1)
            || c != gif_pixel (a, 0, x, y + 1) || c == 0xffffff)
          continue;
        flat++;
        differ_flat += c != gif_pixel (b, 0, x, y);
      }
  g_assert_cmpuint (flat, >, 1500);   /* the 32 cells and the colour bar */
  g_assert_cmpuint (differ_flat, ==, 0);
  DGifCloseFile (a, &err);
  DGifCloseFile (b, &err);

  g_autofree char *bad = g_build_filename (f->dir, "bad.gif", NULL);
  run (&r, "animate", xor, "--param", "0.weight", "--sub-steps", "--from", "0", "--out", bad, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "at least 1"));
  /* a well-formed number beyond what the recipe records, or no training at all: errors about the
   * recipe (exit 1), naming what it records */
  run (&r, "animate", xor, "--param", "0.weight", "--sub-steps", "--to", "21", "--out", bad, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "sub-steps 1 to 20"));
  run (&r, "animate", f->recipe, "--param", "fc.weight", "--sub-steps", "--out", bad, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "records no training sub-steps"));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  if (!cli_test_init (&argc, &argv))
    return g_test_run ();
  g_test_add ("/cli-animate/gif", EyeFixture, NULL, eye_fixture_setup, test_animate_gif, eye_fixture_teardown);
  g_test_add ("/cli-animate/series", EyeFixture, NULL, eye_fixture_setup, test_animate_series, eye_fixture_teardown);
  g_test_add ("/cli-animate/contact-sheet", EyeFixture, NULL, eye_fixture_setup, test_contact_sheet, eye_fixture_teardown);
  g_test_add ("/cli-animate/sub-steps", EyeFixture, NULL, eye_fixture_setup, test_animate_sub_steps, eye_fixture_teardown);
  g_test_add ("/cli-animate/errors", EyeFixture, NULL, eye_fixture_setup, test_errors, eye_fixture_teardown);
  return g_test_run ();
}
