/* paramscope-cli heatmap / histogram / ridgeline / bands / stats as a user runs them (the built
 * binary, PS_CLI): the files they write and their errors. */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "ps-colormap.h"
#include "cli-run.h"
#include "picture-test-util.h"
#include "eye-fixture.h"

static guint
count_pixels (cairo_surface_t *s, guint32 rgb)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  int stride = cairo_image_surface_get_stride (s);
  const guint8 *data = cairo_image_surface_get_data (s);
  guint n = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if ((((const guint32 *) (data + y * stride))[x] & 0xffffff) == (rgb & 0xffffff))
        n++;
  return n;
}

static void
test_heatmap_png (EyeFixture *f, gconstpointer data)
{
  g_autofree char *png = g_build_filename (f->dir, "w.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "heatmap", f->recipe, "--param", "weight", "--out", png, "--width", "400", "--height", "300",
       "--scale", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *s = load_png (png, 800, 600);
  /* symmetric range ±1: the diagonal cells have the top colour, the other 20 the zero colour; the
   * 5 diagonal cells cover much more area than the colorbar's top texel row */
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  guint top = count_pixels (s, cm->lut[255]);
  guint zero = count_pixels (s, ps_colormap_map (cm, 0.0, -1.0, 1.0));
  g_assert_cmpuint (top, >, 5 * 100);
  g_assert_cmpuint (zero, >, 3 * top);   /* 20 zero cells vs 5 diagonal ones */
  cairo_surface_destroy (s);
}

static void
test_histogram_svg_pdf (EyeFixture *f, gconstpointer data)
{
  g_autofree char *svg = g_build_filename (f->dir, "h.svg", NULL);
  g_autofree char *pdf = g_build_filename (f->dir, "h.pdf", NULL);
  g_auto (Result) a = { 0 };
  run (&a, "histogram", f->recipe, "--param", "fc.weight", "--out", svg, "--bins", "10", "--log", NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (svg, &text, &len, NULL));
  g_autoptr (GMarkupParseContext) ctx = g_markup_parse_context_new (&(GMarkupParser) { 0 }, 0, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_markup_parse_context_parse (ctx, text, (gssize) len, &error) &&
                 g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);

  g_auto (Result) b = { 0 };
  run (&b, "histogram", f->recipe, "--param", "weight", "--step", "1", "--out", pdf, NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_autofree char *pdftext = NULL;
  g_assert_true (g_file_get_contents (pdf, &pdftext, &len, NULL));
  g_assert_true (g_str_has_prefix (pdftext, "%PDF-"));
  guint pages = 0;
  /* the PDF has binary streams: search bytes, not a C string */
  for (const char *p = pdftext; (p = memmem (p, len - (gsize) (p - pdftext), "/Type /Page", 11)) != NULL; p++)
    if (p[11] != 's')
      pages++;
  g_assert_cmpuint (pages, ==, 1);
}

static void
test_over_time_and_difference (EyeFixture *f, gconstpointer data)
{
  g_autofree char *r1 = g_build_filename (f->dir, "r.png", NULL);
  g_autofree char *b1 = g_build_filename (f->dir, "b.svg", NULL);
  g_autofree char *d1 = g_build_filename (f->dir, "d.png", NULL);
  g_auto (Result) a = { 0 }, b = { 0 }, c = { 0 };
  run (&a, "ridgeline", f->recipe, "--param", "fc.weight", "--out", r1, NULL);
  g_assert_cmpint (a.status, ==, 0);
  run (&b, "bands", f->recipe, "--param", "fc.weight", "--out", b1, NULL);
  g_assert_cmpint (b.status, ==, 0);
  run (&c, "heatmap", f->recipe, "--param", "weight", "--step", "2", "--diff-from", "1", "--out", d1, NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_true (g_file_test (r1, G_FILE_TEST_IS_REGULAR) && g_file_test (b1, G_FILE_TEST_IS_REGULAR)
                 && g_file_test (d1, G_FILE_TEST_IS_REGULAR));
}

static void
test_stats_json (EyeFixture *f, gconstpointer data)
{
  g_auto (Result) r = { 0 };
  run (&r, "stats", f->recipe, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, r.out, -1, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpint (json_object_get_int_member (root, "step"), ==, 3);
  JsonArray *params = json_object_get_array_member (root, "parameters");
  g_assert_cmpuint (json_array_get_length (params), ==, 2);
  JsonObject *w = json_array_get_object_element (params, 0);
  g_assert_cmpstr (json_object_get_string_member (w, "path"), ==, "fc.weight");
  g_assert_cmpint (json_object_get_int_member (w, "count"), ==, 25);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (w, "mean"), 0.2, 1e-12);
  g_assert_cmpfloat (json_object_get_double_member (w, "max"), ==, 1.0);
  g_assert_cmpint (json_object_get_int_member (w, "created_step"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (w, "written_step"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (w, "init"), ==, "eye_");
  g_auto (Result) s = { 0 };
  run (&s, "stats", f->recipe, "--step", "1", NULL);
  g_assert_cmpint (s.status, ==, 0);
  g_assert_nonnull (strstr (s.out, "kaiming_uniform_"));
}

static void
test_errors (EyeFixture *f, gconstpointer data)
{
  g_autofree char *png = g_build_filename (f->dir, "x.png", NULL);
  g_autofree char *nodir = g_build_filename (f->dir, "no", "such", "dir", "x.png", NULL);
  g_auto (Result) a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 };
  run (&a, "heatmap", f->recipe, "--param", "nope", "--out", png, NULL);
  g_assert_cmpint (a.status, ==, 1);
  g_assert_nonnull (strstr (a.err, "'nope' is not a parameter"));
  run (&b, "heatmap", f->recipe, "--param", "weight", "--out", png, "--range", "wide", NULL);
  g_assert_cmpint (b.status, ==, 2);
  g_assert_nonnull (strstr (b.err, "--range"));
  run (&c, "heatmap", f->recipe, "--param", "weight", "--out", nodir, NULL);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_nonnull (strstr (c.err, "x.png"));
  run (&d, "histogram", f->recipe, "--param", "weight", "--out", png, "--step", "9", NULL);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_nonnull (strstr (d.err, "step 9"));
  g_autofree char *gif = g_build_filename (f->dir, "x.gif", NULL);
  run (&e, "heatmap", f->recipe, "--param", "weight", "--out", gif, NULL);
  g_assert_cmpint (e.status, ==, 1);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));   /* no file left behind by the failures */
}

/* A recipe that fails at its last op: the pictures of the steps before it are still made, with a
 * note on stderr (ps_cli_keep_partial, shared by every picture command); a file that is no recipe
 * at all is an error. */
static void
test_partial_recipe (EyeFixture *f, gconstpointer data)
{
  g_autofree char *bad = g_build_filename (f->dir, "bad.json", NULL);
  g_autofree char *text = g_strdup (eye_recipe);
  char *end = strrchr (text, ']');
  g_assert_nonnull (end);
  *end = '\0';
  g_autofree char *json = g_strconcat (text, ", {\"op\": \"init\", \"target\": \"fc.nope\", \"fn\": \"zeros_\"}]}", NULL);
  g_assert_true (g_file_set_contents (bad, json, -1, NULL));
  g_autofree char *png = g_build_filename (f->dir, "partial.png", NULL);
  g_autofree char *gif = g_build_filename (f->dir, "partial.gif", NULL);
  g_auto (Result) a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
  run (&a, "heatmap", bad, "--param", "weight", "--out", png, NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_nonnull (strstr (a.err, "note: "));
  g_assert_nonnull (strstr (a.err, "fc.nope"));
  g_assert_nonnull (strstr (a.err, "; showing the steps before it"));
  g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
  run (&b, "stats", bad, NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_nonnull (strstr (b.err, "; showing the steps before it"));
  /* one step before the failing op: only up to it is replayed, so nothing to note */
  g_auto (Result) e = { 0 };
  run (&e, "stats", bad, "--step", "2", NULL);
  g_assert_cmpint (e.status, ==, 0);
  g_assert_null (strstr (e.err, "showing the steps before it"));
  run (&c, "animate", bad, "--param", "weight", "--out", gif, NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_nonnull (strstr (c.err, "; showing the steps before it"));
  g_assert_true (g_file_test (gif, G_FILE_TEST_EXISTS));
  g_autofree char *junk = g_build_filename (f->dir, "junk.json", NULL);
  g_assert_true (g_file_set_contents (junk, "not a recipe", -1, NULL));
  run (&d, "heatmap", junk, "--param", "weight", "--out", png, NULL);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_null (strstr (d.err, "showing the steps before it"));
}

/* inspect on a torch-written safetensors file: F32, F16 and BF16 values (expected.json has their
 * float32 bit patterns as torch decoded them) come out with the right extrema and mean. */
static void
test_inspect_torch_checkpoint (void)
{
  g_autofree char *file = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "all_dtypes.safetensors", NULL);
  g_autofree char *expected = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "expected.json", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "inspect", file, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) out = json_parser_new ();
  g_assert_true (json_parser_load_from_data (out, r.out, -1, NULL));
  g_autoptr (JsonParser) exp = json_parser_new ();
  g_assert_true (json_parser_load_from_file (exp, expected, NULL));
  JsonObject *fixtures = json_object_get_object_member (json_node_get_object (json_parser_get_root (exp)), "fixtures");
  JsonObject *want = json_object_get_object_member (fixtures, "all_dtypes.safetensors");
  JsonArray *tensors = json_object_get_array_member (json_node_get_object (json_parser_get_root (out)), "tensors");
  guint checked = 0;
  for (guint i = 0; i < json_array_get_length (tensors); i++)
    {
      JsonObject *t = json_array_get_object_element (tensors, i);
      const char *name = json_object_get_string_member (t, "name");
      if (!g_str_has_suffix (name, ".matrix"))
        continue;
      JsonObject *w = json_object_get_object_member (want, name);
      g_assert_cmpstr (json_object_get_string_member (t, "dtype"), ==, json_object_get_string_member (w, "dtype"));
      JsonArray *bits = json_object_get_array_member (w, "f32_bits");
      double lo = INFINITY, hi = -INFINITY, sum = 0;
      guint n = json_array_get_length (bits);
      for (guint k = 0; k < n; k++)
        {
          guint32 b = (guint32) json_array_get_int_element (bits, k);
          float v;
          memcpy (&v, &b, 4);
          lo = MIN (lo, v);
          hi = MAX (hi, v);
          sum += v;
        }
      g_assert_cmpint (json_object_get_int_member (t, "count"), ==, n);
      g_assert_cmpfloat (json_object_get_double_member (t, "min"), ==, lo);
      g_assert_cmpfloat (json_object_get_double_member (t, "max"), ==, hi);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (t, "mean"), sum / n, 1e-9);
      checked++;
    }
  g_assert_cmpuint (checked, ==, 3);   /* f32, f16 and bf16 */
  /* a malformed file: a clear error, exit 1 */
  g_autofree char *bad_dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "bad", NULL);
  g_autoptr (GDir) d = g_dir_open (bad_dir, 0, NULL);
  const char *bad;
  guint n_bad = 0;
  while (d && (bad = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (bad, ".safetensors"))
      {
        g_autofree char *path = g_build_filename (bad_dir, bad, NULL);
        g_auto (Result) b = { 0 };
        run (&b, "inspect", path, NULL);
        g_assert_cmpint (b.status, ==, 1);
        g_assert_true (g_str_has_prefix (b.err, "error: "));
        n_bad++;
      }
  g_assert_cmpuint (n_bad, >, 10);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-pictures/heatmap-png", EyeFixture, NULL, eye_fixture_setup, test_heatmap_png, eye_fixture_teardown);
  g_test_add ("/cli-pictures/histogram-svg-pdf", EyeFixture, NULL, eye_fixture_setup, test_histogram_svg_pdf, eye_fixture_teardown);
  g_test_add ("/cli-pictures/over-time-and-difference", EyeFixture, NULL, eye_fixture_setup, test_over_time_and_difference,
              eye_fixture_teardown);
  g_test_add ("/cli-pictures/stats-json", EyeFixture, NULL, eye_fixture_setup, test_stats_json, eye_fixture_teardown);
  g_test_add ("/cli-pictures/errors", EyeFixture, NULL, eye_fixture_setup, test_errors, eye_fixture_teardown);
  g_test_add ("/cli-pictures/partial-recipe", EyeFixture, NULL, eye_fixture_setup, test_partial_recipe, eye_fixture_teardown);
  g_test_add_func ("/cli-pictures/inspect-torch-checkpoint", test_inspect_torch_checkpoint);
  return g_test_run ();
}
