/* paramscope-cli animate --view / contact-sheet --sub-steps as a user runs them (the built binary,
 * PS_CLI): every Training page view over the recorded sub-steps of a train op as a GIF (decoded with
 * giflib: frame count, size, first and last frames differ) and as numbered PNG/SVG series; a
 * parameter's .grad frames equal the values of the sub-step's snapshot computed here in-process
 * with every snapshot kept (the CLI keeps none and replays them); contact sheets of chosen sub-steps
 * (PNG tiles, PDF pages) on one shared colour range; weight tiles over a Fashion-MNIST run chosen by
 * training step; and the errors: a view that does not apply, a sub-step out of range, an unknown
 * optimizer state — exit 1, the message naming the problem, nothing written. */
#include <cairo.h>
#include <gif_lib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "ps-cli-private.h"
#include "ps-colormap.h"
#include "ps-fashion-mnist.h"
#include "ps-heatmap.h"
#include "ps-stats.h"
#include "ps-train-ops.h"
#include "ps-weight-grid.h"
#include "cli-run.h"
#include "eye-fixture.h"
#include "picture-test-util.h"

static char *
example (const char *name)
{
  return g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", name, NULL);
}

/* The recipe's timeline with every snapshot kept (nothing replayed) and its recorded sub-steps. */
typedef struct {
  PsTimeline *tl;
  PsCliRecords rs;
} Reference;

static void
reference_load_budget (Reference *ref, const char *path, guint64 budget)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_path_get_dirname (path);
  ref->tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, dir, budget);
  g_assert_nonnull (ref->tl);
  g_assert_true (ps_cli_records_collect (ref->tl, &ref->rs, &error));
  g_assert_no_error (error);
}

static void
reference_load (Reference *ref, const char *path)
{
  reference_load_budget (ref, path, G_MAXUINT64);
}

static void
reference_clear (Reference *ref)
{
  ps_cli_records_clear (&ref->rs);
  g_clear_pointer (&ref->tl, ps_timeline_free);
}

/* The snapshot of sub-step k (1-based). */
static PsState *
reference_state (Reference *ref, guint k)
{
  g_autoptr (GError) error = NULL;
  PsState *st = ps_train_log_get_state (ref->rs.logs->pdata[k - 1], g_array_index (ref->rs.index, guint, k - 1),
                                        &error);
  g_assert_no_error (error);
  return st;
}

/* A parameter (state_dict key of the model) of a state: its value or .grad (no ref). */
static PsTensor *
param_of (PsState *st, const char *key, gboolean grad)
{
  g_autoptr (GPtrArray) items = ps_module_named_parameters (ps_state_get_root (st));
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      if (strcmp (it->path, key) == 0)
        return grad ? it->param->grad : it->param->value;
    }
  g_assert_not_reached ();
  return NULL;
}

static double
abs_max (const PsTensor *t)
{
  PsStats s;
  ps_stats_compute (t, &s);
  return s.abs_max;
}

/* The colour at (x, y) is the LUT's colour of v on [lo, hi] (± one entry: the colorizer hoists the
 * division). */
static void
assert_lut_color (guint32 px, double v, double lo, double hi)
{
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  int i = ps_colormap_index (v, lo, hi);
  gboolean ok = FALSE;
  for (int d = -1; d <= 1; d++)
    ok |= i + d >= 0 && i + d <= 255 && (px & 0xffffffu) == (cm->lut[i + d] & 0xffffffu);
  if (!ok)
    g_error ("pixel %06x is not the colour of %g on [%g, %g] (LUT %d = %06x)", px & 0xffffffu, v, lo, hi, i,
             cm->lut[i] & 0xffffffu);
}

static guint
frames_differing (GifFileType *gif, int a, int b)
{
  guint differ = 0;
  for (int y = 60; y < gif->SHeight; y += 2)
    for (int x = 0; x < gif->SWidth; x += 2)
      differ += gif_pixel (gif, a, x, y) != gif_pixel (gif, b, x, y);
  return differ;
}

/* Every view of the Training page as a GIF over train-xor's 20 sub-steps: 5 frames (1, 6, 11, 16,
 * 20), the size asked for, the first and last frames differ (the cursor moved, the data changed). */
static void
test_every_view (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = example ("train-xor.json");
  static const char *const views[][4] = {
    { "loss" }, { "ratios" }, { "activations" }, { "gradients" }, { "output-gradients" }, { "boundary" },
    { "heatmap", "0.weight", "grad" }, { "histogram", "0.weight", "momentum_buffer" }, { "heatmap", "mlp.2.weight" },
  };
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u.gif", views[v][0], v);
      g_autofree char *gif_path = g_build_filename (f->dir, name, NULL);
      g_autoptr (GPtrArray) args = g_ptr_array_new ();
      const char *base[] = { "animate", xor, "--view", views[v][0], "--every", "5", "--out", gif_path, "--width",
                             "400", "--height", "300" };
      for (guint i = 0; i < G_N_ELEMENTS (base); i++)
        g_ptr_array_add (args, (gpointer) base[i]);
      if (views[v][1])
        {
          g_ptr_array_add (args, "--param");
          g_ptr_array_add (args, (gpointer) views[v][1]);
        }
      if (views[v][2])
        {
          g_ptr_array_add (args, "--what");
          g_ptr_array_add (args, (gpointer) views[v][2]);
        }
      g_ptr_array_add (args, NULL);
      g_auto (Result) r = { 0 };
      cli_run_env (&r, NULL, (const char *const *) args->pdata);
      if (r.status != 0)
        g_error ("--view %s: exit %d: %s", views[v][0], r.status, r.err);
      g_assert_nonnull (strstr (r.out, "5 frames: sub-steps 1–20 of 20"));
      int err = 0;
      GifFileType *gif = gif_open (gif_path);
      g_assert_cmpint (gif->ImageCount, ==, 5);
      g_assert_cmpint (gif->SWidth, ==, 400);
      g_assert_cmpint (gif->SHeight, ==, 300);
      guint differ = frames_differing (gif, 0, 4);
      if (differ <= 20)
        g_error ("--view %s: the first and last frames differ in %u sampled pixels only", views[v][0], differ);
      DGifCloseFile (gif, &err);
    }
}

/* Numbered series: PNG (boundary, sub-steps 18–20) and SVG (activations, 19–20), named by the view,
 * each file said with its sub-step and training step. */
static void
test_series (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = example ("train-xor.json");
  g_autofree char *dir = g_build_filename (f->dir, "frames", NULL);
  g_autofree char *dir_slash = g_strconcat (dir, "/", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", xor, "--view", "boundary", "--from", "18", "--out", dir_slash, "--width", "500", "--height",
       "400", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_files (dir), ==, 3);
  g_assert_nonnull (strstr (r.out, "(sub-step 18, training step 18)"));
  g_assert_nonnull (strstr (r.out, "(sub-step 20, training step 20)"));
  g_autofree char *p1 = g_build_filename (dir, "boundary-0001.png", NULL);
  g_autofree char *p3 = g_build_filename (dir, "boundary-0003.png", NULL);
  cairo_surface_t *a = load_png (p1, 500, 400), *b = load_png (p3, 500, 400);
  g_assert_cmpuint (pixels_differing (a, b), >, 100);   /* the boundary moved in two steps */
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  run (&r, "animate", xor, "--view", "activations", "--from", "19", "--format", "svg", "--out", dir, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_files (dir), ==, 5);
  g_autofree char *svg = g_build_filename (dir, "activations-0002.svg", NULL);
  assert_svg (svg);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "<svg"));
}

/* The .grad heatmap over sub-steps shows the sub-step's values: sub-steps 1 and 20 of train-xor,
 * every one of 0.weight's 16 × 2 cells has the colour of its .grad value (computed here from
 * snapshots kept in memory) on the one shared range ±max|grad| over both frames — with the CLI
 * keeping almost no snapshot within a 104-byte budget (PS_TIMELINE_BUDGET_MB, as the app's document), so it
 * replays each sub-step; that GIF is byte-identical to the one drawn from kept snapshots (the
 * default budget). */
static void
test_grad_values (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = example ("train-xor.json");
  g_autofree char *gif_path = g_build_filename (f->dir, "grad.gif", NULL);
  g_autofree char *kept_path = g_build_filename (f->dir, "grad-kept.gif", NULL);
  g_auto (Result) r = { 0 };
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "PS_TIMELINE_BUDGET_MB", "0.0001", TRUE);
  run_env (&r, env, "animate", xor, "--view", "heatmap", "--param", "0.weight", "--what", "grad", "--from", "1",
           "--every", "19", "--out", gif_path, "--width", "400", "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "2 frames: sub-steps 1–20 of 20"));
  g_auto (GStrv) env_default = g_environ_unsetenv (g_get_environ (), "PS_TIMELINE_BUDGET_MB");
  run_env (&r, env_default, "animate", xor, "--view", "heatmap", "--param", "0.weight", "--what", "grad", "--from",
           "1", "--every", "19", "--out", kept_path, "--width", "400", "--height", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *replayed_bytes = NULL, *kept_bytes = NULL;
  gsize lr, lk;
  g_assert_true (g_file_get_contents (gif_path, &replayed_bytes, &lr, NULL));
  g_assert_true (g_file_get_contents (kept_path, &kept_bytes, &lk, NULL));
  g_assert_cmpmem (replayed_bytes, lr, kept_bytes, lk);
  /* that budget drops the sub-steps' snapshots (so the first GIF's frames were replayed) */
  Reference small = { 0 };
  reference_load_budget (&small, xor, (guint64) (0.0001 * 1024 * 1024));
  guint dropped = 0;
  for (guint i = 0; i < small.rs.records->len; i++)
    dropped += ((const PsTrainRecord *) small.rs.records->pdata[i])->state == NULL;
  g_assert_cmpuint (dropped, >=, 15);
  reference_clear (&small);
  Reference ref = { 0 };
  reference_load (&ref, xor);
  g_assert_cmpuint (ref.rs.records->len, ==, 20);
  g_autoptr (PsState) s1 = reference_state (&ref, 1);
  g_autoptr (PsState) s20 = reference_state (&ref, 20);
  PsTensor *g[2] = { param_of (s1, "0.weight", TRUE), param_of (s20, "0.weight", TRUE) };
  g_assert_nonnull (g[0]);
  g_assert_nonnull (g[1]);
  double m = MAX (abs_max (g[0]), abs_max (g[1]));
  g_assert_cmpfloat (m, >, 0);
  int err = 0;
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 2);
  guint differ = 0;
  for (int fr = 0; fr < 2; fr++)
    for (int i = 0; i < 16; i++)
      for (int j = 0; j < 2; j++)
        {
          int x, y;
          heatmap_cell_center ("0.weight", 16, 2, 400, 300, i, j, &x, &y);
          double v = ps_tensor_cf32 (g[fr])[i * 2 + j];
          assert_lut_color (gif_pixel (gif, fr, x, y), v, -m, m);
          differ += fr == 1 && gif_pixel (gif, 0, x, y) != gif_pixel (gif, 1, x, y);
        }
  g_assert_cmpuint (differ, >, 4);
  DGifCloseFile (gif, &err);
  reference_clear (&ref);
}

/* contact-sheet --sub-steps --steps 1,10,last: 3 tiles of 480 × 320 (2 per row) on one colour range
 * — the printed ±max|w| over the three sub-steps, and each tile's cells the colours of its sub-step's
 * values on it; as a PDF one page per frame, with --columns 3 one page. */
static void
test_contact_sheet (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = example ("train-xor.json");
  g_autofree char *png = g_build_filename (f->dir, "sheet.png", NULL);
  g_autofree char *pdf = g_build_filename (f->dir, "sheet.pdf", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "contact-sheet", xor, "--view", "heatmap", "--param", "0.weight", "--sub-steps", "--steps", "1,10,last",
       "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "3 frames, 2 per row: sub-steps 1,10,20 of 20, view heatmap"));
  Reference ref = { 0 };
  reference_load (&ref, xor);
  static const guint ks[3] = { 1, 10, 20 };
  PsState *st[3];
  double m = 0;
  for (int i = 0; i < 3; i++)
    {
      st[i] = reference_state (&ref, ks[i]);
      m = MAX (m, abs_max (param_of (st[i], "0.weight", FALSE)));
    }
  g_autofree char *range = g_strdup_printf ("one range %.4g to %.4g", -m, m);
  g_assert_nonnull (strstr (r.out, range));
  cairo_surface_t *s = load_png (png, 2 * 488 + 8, 2 * 328 + 8);
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < 16; i++)
      for (int j = 0; j < 2; j++)
        {
          int x, y;
          heatmap_cell_center ("0.weight", 16, 2, 480, 320, i, j, &x, &y);
          x += 8 + (t % 2) * 488;
          y += 8 + (t / 2) * 328;
          double v = ps_tensor_cf32 (param_of (st[t], "0.weight", FALSE))[i * 2 + j];
          assert_lut_color (pixel (s, x, y), v, -m, m);
        }
  cairo_surface_destroy (s);
  for (int i = 0; i < 3; i++)
    ps_state_unref (st[i]);
  reference_clear (&ref);

  run (&r, "contact-sheet", xor, "--view", "loss", "--steps", "1,5,10,last", "--sub-steps", "--out", pdf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (pdf_pages (pdf), ==, 4);
  run (&r, "contact-sheet", xor, "--view", "boundary", "--train-steps", "1-3", "--columns", "3", "--out", pdf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "sub-steps 1,2,3 of 20"));
  g_assert_cmpint (pdf_pages (pdf), ==, 1);
}

/* Weight tiles of a small Fashion-MNIST run recorded every 2nd step (training steps 2, 4, 6, 8):
 * chosen by training step, one colour range (±max|w| over the chosen sub-steps); the animation has
 * a frame per sub-step; the decision boundary does not apply (28 × 28 images), a training step that
 * is not recorded is refused, and nothing is written. */
static void
test_weight_tiles (EyeFixture *f, gconstpointer data)
{
  const char *d = g_getenv ("PS_FASHION_MNIST_DIR");
  g_autofree char *idx = g_build_filename (d && *d ? d : PS_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz", NULL);
  if (!g_file_test (idx, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  static const char recipe[] =
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 0, \"root\": \"net\", \"ops\": ["
    " {\"op\": \"dataset\", \"id\": \"data\", \"type\": \"fashion_mnist\", \"args\": {\"split\": \"train\", \"limit\": 512}},"
    " {\"op\": \"module\", \"id\": \"flat\", \"type\": \"Flatten\"},"
    " {\"op\": \"module\", \"id\": \"fc1\", \"type\": \"Linear\", \"args\": {\"in_features\": 784, \"out_features\": 16}},"
    " {\"op\": \"module\", \"id\": \"relu\", \"type\": \"ReLU\"},"
    " {\"op\": \"module\", \"id\": \"head\", \"type\": \"Linear\", \"args\": {\"in_features\": 16, \"out_features\": 10}},"
    " {\"op\": \"module\", \"id\": \"net\", \"type\": \"Sequential\", \"children\": [\"flat\", \"fc1\", \"relu\", \"head\"]},"
    " {\"op\": \"optimizer\", \"id\": \"opt\", \"type\": \"Adam\", \"params\": \"net\", \"args\": {\"lr\": 0.01}},"
    " {\"op\": \"train\", \"model\": \"net\", \"optimizer\": \"opt\", \"data\": \"data\","
    "  \"loss\": {\"type\": \"CrossEntropyLoss\", \"args\": {}}, \"batch_size\": 64, \"shuffle\": true, \"steps\": 8,"
    "  \"record_every\": 2}]}";
  g_autofree char *path = g_build_filename (f->dir, "fm.json", NULL);
  g_assert_true (g_file_set_contents (path, recipe, -1, NULL));
  g_autofree char *png = g_build_filename (f->dir, "tiles.png", NULL);
  g_autofree char *gif_path = g_build_filename (f->dir, "tiles.gif", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "contact-sheet", path, "--view", "weight-tiles", "--train-steps", "2,last", "--out", png, "--width", "600",
       "--height", "450", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "2 frames, 2 per row: sub-steps 1,4 of 4, view weight-tiles"));
  Reference ref = { 0 };
  reference_load (&ref, path);
  g_assert_cmpuint (ref.rs.records->len, ==, 4);
  g_assert_cmpint (g_array_index (ref.rs.x, int64_t, 0), ==, 2);
  g_assert_cmpint (g_array_index (ref.rs.x, int64_t, 3), ==, 8);
  g_autoptr (PsState) a = reference_state (&ref, 1);
  g_autoptr (PsState) b = reference_state (&ref, 4);
  double m = MAX (abs_max (param_of (a, "1.weight", FALSE)), abs_max (param_of (b, "1.weight", FALSE)));
  g_assert_cmpfloat (abs_max (param_of (a, "1.weight", FALSE)), !=, abs_max (param_of (b, "1.weight", FALSE)));
  g_autofree char *range = g_strdup_printf ("one range %.4g to %.4g", -m, m);
  g_assert_nonnull (strstr (r.out, range));
  /* each tile's texels are the colours of that sub-step's weights on the one range ±m: where a
   * frame of 600 × 450 puts texel (14, 14) of every unit */
  cairo_surface_t *s = load_png (png, 2 * 608 + 8, 458 + 8);
  PsState *sts[2] = { a, b };
  for (int t = 0; t < 2; t++)
    {
      PsTensor *w = param_of (sts[t], "1.weight", FALSE);
      PsWeightGridOptions o;
      ps_weight_grid_options_init (&o);
      o.title = "First-layer weights (net.1.weight)";
      o.subtitle = "training step";
      o.fixed_max = m;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsWeightGrid) wg = ps_weight_grid_new (w, &o, &error);
      g_assert_no_error (error);
      for (int u = 0; u < 16; u++)
        {
          double x, y;
          g_assert_true (ps_weight_grid_pixel_point (wg, 600, 450, u, 14, 14, &x, &y));
          assert_lut_color (pixel (s, 8 + t * 608 + x, 8 + y), ps_tensor_cf32 (w)[u * 784 + 14 * 28 + 14], -m, m);
        }
    }
  cairo_surface_destroy (s);
  reference_clear (&ref);

  run (&r, "animate", path, "--view", "weight-tiles", "--out", gif_path, "--width", "480", "--height", "360", NULL);
  g_assert_cmpint (r.status, ==, 0);
  int err = 0;
  GifFileType *gif = gif_open (gif_path);
  g_assert_cmpint (gif->ImageCount, ==, 4);
  g_assert_cmpuint (frames_differing (gif, 0, 3), >, 20);
  DGifCloseFile (gif, &err);

  g_autofree char *bad = g_build_filename (f->dir, "bad.gif", NULL);
  g_autofree char *bad_png = g_build_filename (f->dir, "bad.png", NULL);
  run (&r, "animate", path, "--view", "boundary", "--out", bad, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "2-D points"));
  g_assert_nonnull (strstr (r.err, "[512, 1, 28, 28]"));
  g_assert_nonnull (strstr (r.err, "sub-step 1 of 4"));
  run (&r, "contact-sheet", path, "--view", "weight-tiles", "--train-steps", "2,3", "--out", bad_png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "training step 3 is not recorded"));
  g_assert_nonnull (strstr (r.err, "training steps 2 to 8"));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (bad_png, G_FILE_TEST_EXISTS));
}

/* Views that do not apply and sub-steps out of range: exit 1 with the problem named, bad usage exit
 * 2; no output, no temporary file left. */
static void
test_errors (EyeFixture *f, gconstpointer data)
{
  g_autofree char *xor = example ("train-xor.json");
  g_autofree char *gif = g_build_filename (f->dir, "x.gif", NULL);
  g_autofree char *png = g_build_filename (f->dir, "x.png", NULL);
  g_autofree char *dir = g_build_filename (f->dir, "series/", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "animate", xor, "--view", "weight-tiles", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "sub-step 1 of 20"));
  g_assert_nonnull (strstr (r.err, "square image"));
  g_assert_nonnull (strstr (r.err, "the first one, mlp.0.weight, has 2 inputs"));
  run (&r, "animate", xor, "--view", "weight-tiles", "--out", dir, NULL);
  g_assert_cmpint (r.status, ==, 1);
  run (&r, "animate", xor, "--view", "heatmap", "--param", "0.weight", "--what", "exp_avg", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no optimizer state 'exp_avg'"));
  g_assert_nonnull (strstr (r.err, "momentum_buffer"));
  run (&r, "animate", xor, "--view", "heatmap", "--param", "9.weight", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no parameter '9.weight'"));
  run (&r, "animate", xor, "--view", "loss", "--to", "21", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "sub-step 21 is out of range: the recipe records sub-steps 1 to 20"));
  run (&r, "contact-sheet", xor, "--view", "boundary", "--sub-steps", "--steps", "0,10", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--steps: sub-step 0 does not exist (they are 1 to 20)"));
  run (&r, "contact-sheet", xor, "--view", "boundary", "--sub-steps", "--steps", "10,50", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "sub-step 50 does not exist"));
  run (&r, "contact-sheet", f->recipe, "--view", "loss", "--sub-steps", "--steps", "1", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "records no training sub-steps"));
  /* usage */
  run (&r, "animate", xor, "--view", "losses", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "output-gradients"));
  run (&r, "animate", xor, "--view", "loss", "--param", "0.weight", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "animate", xor, "--view", "heatmap", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--param"));
  run (&r, "contact-sheet", xor, "--view", "loss", "--steps", "1", "--train-steps", "1", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "contact-sheet", xor, "--view", "loss", "--sub-steps", "--steps", "1,x", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "'x' is not a sub-step number"));
  run (&r, "contact-sheet", xor, "--view", "loss", "--train-steps", "1,x", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--train-steps: 'x' is not a training step (a whole number, or last)"));
  /* a range takes the recorded training steps in it, without walking every number */
  run (&r, "contact-sheet", xor, "--view", "loss", "--train-steps", "100000-9223372036854775807", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--train-steps: no recorded sub-step in '100000-9223372036854775807'"));
  g_assert_false (g_file_test (gif, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS) && count_files (dir) > 0);
  /* the recipe and perhaps the empty series folder: no temporary files */
  g_assert_cmpuint (count_files (f->dir), <=, 2);
  run (&r, "animate", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--view VIEW"));
  g_assert_nonnull (strstr (r.out, "weight-tiles"));
  run (&r, "contact-sheet", "--help", NULL);
  g_assert_nonnull (strstr (r.out, "--train-steps"));
}

int
main (int argc, char **argv)
{
  if (!cli_test_init (&argc, &argv))
    return g_test_run ();
  g_test_add ("/cli-train-frames/every-view", EyeFixture, NULL, eye_fixture_setup, test_every_view, eye_fixture_teardown);
  g_test_add ("/cli-train-frames/series", EyeFixture, NULL, eye_fixture_setup, test_series, eye_fixture_teardown);
  g_test_add ("/cli-train-frames/grad-values", EyeFixture, NULL, eye_fixture_setup, test_grad_values, eye_fixture_teardown);
  g_test_add ("/cli-train-frames/contact-sheet", EyeFixture, NULL, eye_fixture_setup, test_contact_sheet,
              eye_fixture_teardown);
  g_test_add ("/cli-train-frames/weight-tiles", EyeFixture, NULL, eye_fixture_setup, test_weight_tiles,
              eye_fixture_teardown);
  g_test_add ("/cli-train-frames/errors", EyeFixture, NULL, eye_fixture_setup, test_errors, eye_fixture_teardown);
  return g_test_run ();
}
