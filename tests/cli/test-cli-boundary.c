/* paramscope-cli boundary as a user runs it (PS_CLI): a recipe's 2-input classifier run over the
 * plane at a step — the regions' colours where the model's decision is known in closed form, data
 * points from a CSV file, and the errors (wrong input width, unknown module, bad CSV, bad range). */
#include <cairo.h>
#include <gif_lib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "ps-decision-boundary.h"
#include "cli-run.h"
#include "picture-test-util.h"

/* logit(s) = the identity on (x1, x2): eye_ weight, zeros_ bias */
static char *
linear_recipe (int outputs, int inputs)
{
  return g_strdup_printf (
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"fc\", \"ops\": ["
    " {\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": %d, \"out_features\": %d}},"
    " {\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"eye_\"},"
    " {\"op\": \"init\", \"target\": \"fc.bias\", \"fn\": \"zeros_\"}]}", inputs, outputs);
}

static char *dir;

static char *
write_file (const char *name, const char *text)
{
  char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, text, -1, NULL));
  return p;
}

static guint32
png_pixel (const char *path, double x, double y)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_flush (s);
  guint32 p = ((guint32 *) (cairo_image_surface_get_data (s) + (int) y * cairo_image_surface_get_stride (s)))[(int) x];
  cairo_surface_destroy (s);
  return p | 0xff000000u;
}

/* Where the plane point lands in the command's default 760 × 600 picture of [x0, x1] × [y0, y1]. */
static void
to_screen (double x0, double x1, double y0, double y1, double px, double py, double *sx, double *sy)
{
  PsDecisionBoundaryOptions o;
  ps_decision_boundary_options_init (&o);
  o.title = "t";
  o.subtitle = "s";
  float v = 0;
  PsDecisionBoundary db = { x0, x1, y0, y1, 1, 1, 1, &v, TRUE, NULL, NULL, 0, &o };
  g_assert_true (ps_decision_boundary_to_screen (&db, 760, 600, px, py, sx, sy));
}

static void
test_binary (void)
{
  g_autofree char *text = linear_recipe (1, 2);
  g_autofree char *recipe = write_file ("bin.json", text);
  g_autofree char *png = g_build_filename (dir, "bin.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "boundary", recipe, "--out", png, "--grid", "50", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "1 output"));
  /* logit = x1: class 1 right of x1 = 0, with p = sigmoid(x1); class 0 left */
  static const double probe[][2] = { { 0.61, 0.37 }, { -0.7, -0.5 }, { 0.9, -0.9 }, { -0.3, 0.8 } };
  for (guint i = 0; i < G_N_ELEMENTS (probe); i++)
    {
      /* the centre of the grid cell holding the probe, so the colour is the sample's own */
      double cx = -1 + (floor ((probe[i][0] + 1) / 2 * 50) + 0.5) * 2 / 50.0;
      double cy = -1 + (floor ((probe[i][1] + 1) / 2 * 50) + 0.5) * 2 / 50.0;
      double sx, sy;
      to_screen (-1, 1, -1, 1, cx, cy, &sx, &sy);
      double p1 = 1 / (1 + exp (-cx));
      int cls = p1 > 0.5;
      guint32 want = ps_decision_boundary_region_color (cls, cls ? p1 : 1 - p1, 2);
      g_assert_cmpint (color_dist (png_pixel (png, sx, sy), want), <=, 8);
    }
  /* the two sides differ */
  double lx, ly, rx, ry;
  to_screen (-1, 1, -1, 1, -0.8, 0, &lx, &ly);
  to_screen (-1, 1, -1, 1, 0.8, 0, &rx, &ry);
  g_assert_cmpint (color_dist (png_pixel (png, lx, ly), png_pixel (png, rx, ry)), >, 60);
}

static void
test_points_and_softmax (void)
{
  g_autofree char *text = linear_recipe (2, 2);
  g_autofree char *recipe = write_file ("two.json", text);
  g_autofree char *csv = write_file ("pts.csv", "x,y,label\n-1.5,0.5,1\n1.5,-0.5,0\n\n# a comment\n0.2,1.0,1\n");
  g_autofree char *png = g_build_filename (dir, "two.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "boundary", recipe, "--out", png, "--points", csv, "--range", "-2,2,-2,2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "2 outputs"));
  /* the points in their label's colour */
  static const double pts[3][3] = { { -1.5, 0.5, 1 }, { 1.5, -0.5, 0 }, { 0.2, 1.0, 1 } };
  for (int i = 0; i < 3; i++)
    {
      double sx, sy;
      to_screen (-2, 2, -2, 2, pts[i][0], pts[i][1], &sx, &sy);
      g_assert_cmpint (color_dist (png_pixel (png, sx, sy), ps_decision_boundary_class_color ((int) pts[i][2])), <=, 30);
    }
  /* argmax(x1, x2): class 1 above the diagonal, class 0 below, deep far from it */
  double ax, ay, bx, by;
  to_screen (-2, 2, -2, 2, -1.4, 1.7, &ax, &ay);
  to_screen (-2, 2, -2, 2, 1.7, -1.4, &bx, &by);
  guint32 a = png_pixel (png, ax, ay), b = png_pixel (png, bx, by);
  g_assert_cmpint (color_dist (a, ps_decision_boundary_region_color (1, 0.95, 2)), <, 20);
  g_assert_cmpint (color_dist (b, ps_decision_boundary_region_color (0, 0.95, 2)), <, 20);
  /* the points' box is the default rectangle */
  g_autofree char *svg = g_build_filename (dir, "two.svg", NULL);
  run (&r, "boundary", recipe, "--out", svg, "--points", csv, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
test_errors (void)
{
  g_autofree char *text3 = linear_recipe (1, 3);
  g_autofree char *three = write_file ("three.json", text3);
  g_autofree char *text = linear_recipe (1, 2);
  g_autofree char *recipe = write_file ("ok.json", text);
  g_autofree char *bad_csv = write_file ("bad.csv", "0,0,0\n1,x,1\n");
  g_autofree char *label_csv = write_file ("label.csv", "0,0,0\n1,1,2\n");
  g_autofree char *png = g_build_filename (dir, "e.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "boundary", three, "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "2-D points"));
  run (&r, "boundary", recipe, "--out", png, "--module", "nope", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nope"));
  run (&r, "boundary", recipe, "--out", png, "--step", "0", NULL);
  g_assert_cmpint (r.status, ==, 1);
  run (&r, "boundary", recipe, "--out", png, "--points", bad_csv, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "line 2"));
  /* a label the model has no class for */
  run (&r, "boundary", recipe, "--out", png, "--points", label_csv, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "label 2"));
  run (&r, "boundary", recipe, "--out", png, "--range", "1,0,0,1", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "boundary", recipe, "--out", "x.bmp", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

/* A model ending in MaxPool1d(return_indices=True) returns (output, indices): the boundary refuses it
 * (torch's argmax of a tuple fails) instead of drawing element [0]; without return_indices it draws. */
static void
test_tuple_output (void)
{
  const char *fmt =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"model\", \"ops\": ["
    " {\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 4}},"
    " {\"op\": \"module\", \"id\": \"pool\", \"type\": \"MaxPool1d\", \"args\": {\"kernel_size\": 2, \"return_indices\": %s}},"
    " {\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", \"children\": {\"fc\": \"fc\", \"pool\": \"pool\"}}]}";
  g_autofree char *t_text = g_strdup_printf (fmt, "true");
  g_autofree char *f_text = g_strdup_printf (fmt, "false");
  g_autofree char *tuple = write_file ("tuple.json", t_text);
  g_autofree char *plain = write_file ("plain.json", f_text);
  g_autofree char *png = g_build_filename (dir, "t.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "boundary", tuple, "--out", png, "--grid", "20", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "the model Sequential returns a tuple (output, indices) (from its 'pool', a MaxPool1d "
                                   "with return_indices=True)"));
  g_assert_nonnull (strstr (r.err, "must be Tensor, not tuple"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  run (&r, "boundary", plain, "--out", png, "--grid", "20", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
}

static void
test_gif (void)
{
  g_autofree char *text = linear_recipe (1, 2);
  g_autofree char *recipe = write_file ("gif.json", text);
  g_autofree char *gif_path = g_build_filename (dir, "b.gif", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "boundary", recipe, "--out", gif_path, "--grid", "40", "--width", "400", "--height", "320",
       "--delay", "30", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "3 frames: steps 1–3"));
  g_assert_nonnull (strstr (r.err, "skipped"));   /* step 0: no model yet */
  int err = 0;
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 3);
  g_assert_cmpint (gif->SWidth, ==, 400);
  GraphicsControlBlock gcb;
  g_assert_cmpint (DGifSavedExtensionToGCB (gif, 2, &gcb), ==, GIF_OK);
  g_assert_cmpint (gcb.DelayTime, ==, 30);
  /* step 1 (kaiming init) decides differently from step 3 (logit = x1) over part of the plane */
  int differ = 0;
  SavedImage *a = &gif->SavedImages[0], *z = &gif->SavedImages[2];
  ColorMapObject *ma = a->ImageDesc.ColorMap ? a->ImageDesc.ColorMap : gif->SColorMap;
  ColorMapObject *mz = z->ImageDesc.ColorMap ? z->ImageDesc.ColorMap : gif->SColorMap;
  for (int k = 0; k < 400 * 320; k++)
    {
      GifColorType ca = ma->Colors[a->RasterBits[k]], cz = mz->Colors[z->RasterBits[k]];
      differ += ca.Red != cz.Red || ca.Green != cz.Green || ca.Blue != cz.Blue;
    }
  g_assert_cmpint (differ, >, 400 * 320 / 20);
  DGifCloseFile (gif, &err);
  /* --step is for one picture; --from etc. for a GIF */
  run (&r, "boundary", recipe, "--out", gif_path, "--step", "2", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_autofree char *png = g_build_filename (dir, "b.png", NULL);
  run (&r, "boundary", recipe, "--out", png, "--from", "1", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "boundary", recipe, "--out", gif_path, "--from", "0", "--to", "0", NULL);
  g_assert_cmpint (r.status, ==, 1);
}

int
main (int argc, char **argv)
{
  if (!cli_test_init (&argc, &argv))
    return g_test_run ();
  dir = g_dir_make_tmp ("ps-cli-boundary-XXXXXX", NULL);
  g_test_add_func ("/cli-boundary/binary", test_binary);
  g_test_add_func ("/cli-boundary/points-softmax", test_points_and_softmax);
  g_test_add_func ("/cli-boundary/errors", test_errors);
  g_test_add_func ("/cli-boundary/gif", test_gif);
  g_test_add_func ("/cli-boundary/tuple-output", test_tuple_output);
  int rc = g_test_run ();
  rm_rf (dir);
  g_free (dir);
  return rc;
}
