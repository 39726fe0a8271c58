/* A figure of one tensor outside any timeline (what the checkpoint window shows). */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "ps-figure.h"
#include "ps-recipe.h"
#include "ps-timeline.h"

static PsTensor *
ramp (int64_t rows, int64_t cols)
{
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, rows, cols, NULL);
  float *x = ps_tensor_f32 (t);
  for (int64_t i = 0; i < t->numel; i++)
    x[i] = (float) (i - t->numel / 2) / 8.0f;
  return g_steal_pointer (&t);
}

/* Every tooltip over a grid of the drawing; returns how many points had one. */
static guint
scan (PsFigure *fig, double w, double h, GPtrArray *out)
{
  /* hit-testing uses the layout of the last drawing, as on screen */
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) w, (int) h);
  cairo_t *cr = cairo_create (surface);
  ps_figure_draw (fig, cr, w, h);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  guint n = 0;
  for (double y = 0; y < h; y += 7)
    for (double x = 0; x < w; x += 7)
      {
        char *q = ps_figure_query (fig, x, y, w, h);
        if (q == NULL)
          continue;
        n++;
        g_ptr_array_add (out, q);
      }
  return n;
}

static void
test_heatmap (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ramp (4, 6);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  g_autoptr (PsFigure) fig = ps_figure_new_for_tensor (t, "enc.0.weight", "BF16 in the file", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_figure_get_title (fig), ==, "enc.0.weight");
  g_assert_true (ps_figure_get_tensor (fig) == t);
  /* hovering shows exactly the tensor's values, and every one of them somewhere */
  g_autoptr (GPtrArray) tips = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpuint (scan (fig, 600, 400, tips), >, 24);
  gboolean seen[24] = { FALSE };
  for (guint i = 0; i < tips->len; i++)
    {
      const char *b = strstr (tips->pdata[i], "<b>");
      g_assert_nonnull (b);
      double v = g_ascii_strtod (b + 3, NULL);
      int k = (int) lround (v * 8) + 12;
      g_assert_cmpint (k, >=, 0);
      g_assert_cmpint (k, <, 24);
      g_assert_cmpfloat (v, ==, ps_tensor_cf32 (t)[k]);
      seen[k] = TRUE;
    }
  for (int k = 0; k < 24; k++)
    g_assert_true (seen[k]);
  /* the same drawing exports */
  g_autofree char *dir = g_dir_make_tmp ("ps-figt-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "w.png", NULL);
  g_assert_true (ps_figure_export (fig, png, 400, 300, 1, 0, &error));
  g_assert_no_error (error);
  cairo_surface_t *s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 400);
  cairo_surface_destroy (s);
  g_unlink (png);
  g_rmdir (dir);
}

static void
test_histogram (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ramp (4, 6);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = PS_FIGURE_HISTOGRAM;
  o.bins = 8;
  g_autoptr (PsFigure) fig = ps_figure_new_for_tensor (t, "enc.0.weight", NULL, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_figure_get_title (fig), ==, "enc.0.weight [4, 6]");
  /* the bins seen by hovering hold every value once */
  g_autoptr (GPtrArray) tips = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpuint (scan (fig, 700, 400, tips), >, 0);
  g_autoptr (GHashTable) bins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int64_t total = 0;
  for (guint i = 0; i < tips->len; i++)
    {
      const char *tip = tips->pdata[i];
      const char *b = strstr (tip, "<b>");
      g_assert_nonnull (b);
      char *edges = g_strndup (tip, (gsize) (b - tip));
      if (g_hash_table_add (bins, edges))
        total += g_ascii_strtoll (b + 3, NULL, 10);
    }
  g_assert_cmpint (g_hash_table_size (bins), ==, 8);
  g_assert_cmpint (total, ==, 24);
}

static void
test_needs_a_timeline (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ramp (2, 2);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = PS_FIGURE_RIDGELINE;
  g_assert_null (ps_figure_new_for_tensor (t, "x", NULL, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  o.kind = PS_FIGURE_HEATMAP;
  o.diff_from = 0;
  g_assert_null (ps_figure_new_for_tensor (t, "x", NULL, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

/* b − a of two checkpoints' tensors: float32 subtraction, the diverging map, mismatches refused. */
static void
test_difference (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) a = ramp (3, 4);
  g_autoptr (PsTensor) b = ramp (3, 4);
  float *x = ps_tensor_f32 (b);
  for (int64_t i = 0; i < b->numel; i++)
    x[i] = x[i] * 3.0f + 0.1f;
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = PS_FIGURE_HEATMAP;
  g_autoptr (PsFigure) fig = ps_figure_new_for_difference (a, b, "fc.weight", "epoch 2 − epoch 1", &o, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_figure_get_title (fig), ==, "Δ fc.weight");
  PsTensor *d = ps_figure_get_tensor (fig);
  for (int64_t i = 0; i < d->numel; i++)
    {
      float want = ps_tensor_f32 (b)[i] - ps_tensor_f32 (a)[i];
      g_assert_cmpint (memcmp (&ps_tensor_f32 (d)[i], &want, sizeof want), ==, 0);
    }
  g_autoptr (GPtrArray) tips = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpuint (scan (fig, 500, 400, tips), >, 0);
  o.kind = PS_FIGURE_HISTOGRAM;
  g_autoptr (PsFigure) hist = ps_figure_new_for_difference (a, b, "fc.weight", NULL, &o, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ps_figure_get_title (hist), "Δ fc.weight [3, 4]"));
  /* another shape, another kind */
  g_autoptr (PsTensor) c = ramp (4, 3);
  g_assert_null (ps_figure_new_for_difference (a, c, "x", NULL, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  o.kind = PS_FIGURE_BANDS;
  g_assert_null (ps_figure_new_for_difference (a, b, "x", NULL, &o, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

static cairo_surface_t *
draw (PsFigure *fig)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 600, 400);
  cairo_t *cr = cairo_create (s);
  ps_figure_draw (fig, cr, 600, 400);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

/* Over time, a timeline that keeps no snapshot but step 0 and the last (what the CLI uses) rebuilds
 * each step's tensor one at a time; the ridgeline and the bands must be the ones drawn from a
 * timeline that keeps every step, pixel for pixel. */
static void
test_over_time_budget (void)
{
  static const char text[] =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, \"root\": \"fc\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 64, \"out_features\": 32}},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 2.0}},"
    "{\"op\": \"init\", \"target\": \"fc.bias\", \"fn\": \"zeros_\"},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"uniform_\", \"args\": {\"a\": -3.0, \"b\": 0.5}},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"xavier_uniform_\"},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"constant_\", \"args\": {\"val\": 0.25}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) all = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autoptr (PsTimeline) few = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
  g_assert_null (ps_timeline_get_error (all));
  g_assert_null (ps_timeline_get_error (few));
  g_assert_false (ps_timeline_is_kept (few, 3));
  PsFigureKind kinds[] = { PS_FIGURE_RIDGELINE, PS_FIGURE_BANDS };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      PsFigureOptions o;
      ps_figure_options_init (&o);
      o.kind = kinds[k];
      o.step = ps_timeline_get_n_steps (all);
      g_autoptr (PsFigure) fa = ps_figure_new (all, "fc.weight", &o, &error);
      g_assert_no_error (error);
      g_autoptr (PsFigure) ff = ps_figure_new (few, "fc.weight", &o, &error);
      g_assert_no_error (error);
      cairo_surface_t *a = draw (fa), *b = draw (ff);
      g_assert_cmpint (cairo_image_surface_get_stride (a) * 400, ==, cairo_image_surface_get_stride (b) * 400);
      g_assert_cmpint (memcmp (cairo_image_surface_get_data (a), cairo_image_surface_get_data (b),
                               (size_t) cairo_image_surface_get_stride (a) * 400), ==, 0);
      /* and the rows are the steps: one per step where the weight has values (1 to 6) */
      g_autofree char *q = ps_figure_query (ff, 300, 200, 600, 400);
      g_assert_true (q == NULL || strstr (q, "step") != NULL);
      cairo_surface_destroy (a);
      cairo_surface_destroy (b);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/figure-tensor/heatmap", test_heatmap);
  g_test_add_func ("/figure-tensor/histogram", test_histogram);
  g_test_add_func ("/figure-tensor/needs-a-timeline", test_needs_a_timeline);
  g_test_add_func ("/figure-tensor/difference", test_difference);
  g_test_add_func ("/figure-tensor/over-time-budget", test_over_time_budget);
  return g_test_run ();
}
