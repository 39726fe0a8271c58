/* test-cli-train.c — paramscope-cli on a training recipe: run, metrics (text, --csv, --json) and
 * loss-curve, with values checked against torch 1.13 (tests/data/train-golden/, run
 * "xor-Tanh-sgd", which examples/train-xor.json reproduces), and Ctrl+C stopping a long run cleanly. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "train-golden.h"
#include "cli-run.h"
#include "picture-test-util.h"
#include "ps-fashion-mnist.h"
#include <cairo.h>

static char *
example (void)
{
  return g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", "train-xor.json", NULL);
}

static JsonArray *
golden_record (void)
{
  JsonArray *runs = tg_section ("runs");
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      if (g_str_equal (json_object_get_string_member (c, "name"), "xor-Tanh-sgd"))
        return json_object_get_array_member (c, "record");
    }
  g_assert_not_reached ();
}

static float
golden_loss (guint k)
{
  JsonObject *e = json_array_get_object_element (golden_record (), k);
  JsonArray *hex = json_object_get_array_member (json_object_get_object_member (e, "loss"), "hex");
  return tg_hex_float (json_array_get_string_element (hex, 0));
}

static void
test_metrics_csv (void)
{
  g_autofree char *recipe = example ();
  g_auto (Result) r = { 0 };
  run (&r, "metrics", recipe, "--csv", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 21);   /* header + 20 steps */
  g_assert_true (g_str_has_prefix (lines[0], "op_step,step,epoch,loss,accuracy,lr,grad_norm,mlp.0.weight:grad_norm"));
  g_assert_nonnull (strstr (lines[0], "1(Tanh):saturated"));
  for (guint k = 0; k < 20; k++)
    {
      g_auto (GStrv) f = g_strsplit (lines[k + 1], ",", -1);
      g_assert_cmpint (g_ascii_strtoll (f[1], NULL, 10), ==, k + 1);
      g_assert_cmpint (g_ascii_strtoll (f[2], NULL, 10), ==, k / 7);   /* 7 batches per epoch */
      /* 9 significant digits round-trip the float32 loss: torch's bits */
      float loss = (float) g_ascii_strtod (f[3], NULL);
      g_assert_cmpuint (memcmp (&loss, &(float) { golden_loss (k) }, 4), ==, 0);
    }
}

static void
test_metrics_json_and_text (void)
{
  g_autofree char *recipe = example ();
  g_auto (Result) r = { 0 };
  run (&r, "metrics", recipe, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, r.out, -1, NULL));
  JsonArray *a = json_node_get_array (json_parser_get_root (p));
  g_assert_cmpuint (json_array_get_length (a), ==, 20);
  JsonObject *first = json_array_get_object_element (a, 0);
  g_assert_cmpfloat (json_object_get_double_member (first, "lr"), ==, 0.1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first, "parameters")), ==, 4);
  JsonArray *layers = json_object_get_array_member (first, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (layers, 1), "class"), ==, "Tanh");
  /* grad_ratio = std(grad) / std(θ after the step) (unbiased), from torch's grads and parameters */
  JsonArray *golden = golden_record ();
  for (guint k = 0; k < 20; k++)
    {
      JsonObject *ge = json_array_get_object_element (golden, k);
      JsonArray *params = json_object_get_array_member (json_array_get_object_element (a, k), "parameters");
      for (guint q = 0; q < json_array_get_length (params); q++)
        {
          JsonObject *pq = json_array_get_object_element (params, q);
          const char *path = json_object_get_string_member (pq, "path") + strlen ("mlp.");
          double sd[2];
          for (int which = 0; which < 2; which++)
            {
              JsonArray *hex = json_object_get_array_member (
                json_object_get_object_member (json_object_get_object_member (ge, which ? "params" : "grads"), path), "hex");
              guint n = json_array_get_length (hex);
              double sum = 0, sq = 0;
              for (guint i = 0; i < n; i++)
                sum += tg_hex_float (json_array_get_string_element (hex, i));
              for (guint i = 0; i < n; i++)
                {
                  double d = tg_hex_float (json_array_get_string_element (hex, i)) - sum / n;
                  sq += d * d;
                }
              sd[which] = sqrt (sq / (n - 1));
            }
          double want = sd[0] / sd[1], got = json_object_get_double_member (pq, "grad_ratio");
          g_assert_cmpfloat (fabs (got - want), <=, 1e-12 * want);
        }
    }
  g_auto (Result) t = { 0 };
  run (&t, "metrics", recipe, NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "loss"));
  g_auto (Result) bad = { 0 };
  run (&bad, "metrics", recipe, "--csv", "--json", NULL);
  g_assert_cmpint (bad.status, ==, 2);
}

static void
test_loss_curve (void)
{
  g_autofree char *recipe = example ();
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-train-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "loss.png", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "loss-curve", recipe, "--out", png, "--smoothing", "0.6", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (png, &data, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  /* two runs, the second with a new optimizer: its steps continue the axis (as on the app's
   * Training page), 40 + 40 */
  g_autofree char *two = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", "tanh-saturation.json", NULL);
  g_auto (Result) r2 = { 0 };
  run (&r2, "loss-curve", two, "--out", png, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  g_assert_nonnull (strstr (r2.out, "80 recorded steps, training steps 1–80"));
  g_unlink (png);
  g_rmdir (dir);
  g_auto (Result) none = { 0 };
  g_autofree char *demo = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", "demo.json", NULL);
  run (&none, "loss-curve", demo, "--out", "/tmp/never-written.png", NULL);
  g_assert_cmpint (none.status, ==, 1);
  g_assert_nonnull (strstr (none.err, "no train op"));
}

/* ---------- the Training page's diagnostics as pictures ---------- */

static char *
example_named (const char *name)
{
  return g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", name, NULL);
}

static void
test_ratios (void)
{
  g_autofree char *two = example_named ("tanh-saturation.json");
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-ratios-XXXXXX", NULL);
  g_autofree char *both = g_build_filename (dir, "both.png", NULL);
  g_autofree char *upd = g_build_filename (dir, "update.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "r.svg", NULL);
  g_auto (Result) r = { 0 };
  run (&r, "ratios", two, "--out", both, "--width", "700", "--height", "500", NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* every parameter of both runs, on the training axis the loss curve uses */
  g_assert_nonnull (strstr (r.out, "6 parameters × 80 recorded steps, training steps 1–80"));
  cairo_surface_t *a = load_png (both, 700, 500);
  run (&r, "ratios", two, "--out", upd, "--width", "700", "--height", "500", "--panels", "update", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *b = load_png (upd, 700, 500);
  /* one panel instead of two: much of the picture changes */
  g_assert_cmpuint (pixels_differing (a, b), >, 700 * 500 / 10);
  cairo_surface_destroy (b);
  /* another recipe's ratios (other data): other pixels */
  g_autofree char *xor = example ();
  g_autofree char *other = g_build_filename (dir, "xor.png", NULL);
  run (&r, "ratios", xor, "--out", other, "--width", "700", "--height", "500", "--scale", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "4 parameters × 20 recorded steps"));
  b = load_png (other, 700, 500);
  g_assert_cmpuint (pixels_differing (a, b), >, 1000);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  run (&r, "ratios", two, "--out", svg, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_svg (svg);
  /* bad arguments: usage errors (2), no file */
  g_autofree char *never = g_build_filename (dir, "never.png", NULL);
  run (&r, "ratios", two, "--out", never, "--panels", "sideways", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--panels"));
  g_autofree char *bmp = g_build_filename (dir, "x.bmp", NULL);
  run (&r, "ratios", two, "--out", bmp, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "ratios", two, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--out"));
  /* a recipe without training, a folder that does not exist: errors (1) */
  g_autofree char *demo = example_named ("demo.json");
  run (&r, "ratios", demo, "--out", never, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no train op"));
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
  g_autofree char *nodir = g_build_filename (dir, "no", "such", "r.png", NULL);
  run (&r, "ratios", two, "--out", nodir, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_unlink (both);
  g_unlink (upd);
  g_unlink (other);
  g_unlink (svg);
  g_rmdir (dir);
}

static void
test_layers (void)
{
  g_autofree char *two = example_named ("tanh-saturation.json");
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-layers-XXXXXX", NULL);
  g_autofree char *a1 = g_build_filename (dir, "a1.png", NULL);
  g_autofree char *a1b = g_build_filename (dir, "a1b.png", NULL);
  g_autofree char *a60 = g_build_filename (dir, "a60.png", NULL);
  g_autofree char *g1 = g_build_filename (dir, "g1.png", NULL);
  g_autofree char *g60 = g_build_filename (dir, "g60.svg", NULL);
  g_auto (Result) r = { 0 };
  /* training step 1 (default init) and 60 (the ×5 run): the same layers, other data, other pixels */
  run (&r, "activations", two, "--out", a1, "--train-step", "1", "--scale", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "5 layers"));
  run (&r, "activations", two, "--out", a1b, "--train-step", "1", "--scale", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run (&r, "activations", two, "--out", a60, "--train-step", "60", "--scale", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *s1 = load_png (a1, 1800, 1200), *s1b = load_png (a1b, 1800, 1200), *s60 = load_png (a60, 1800, 1200);
  g_assert_cmpuint (pixels_differing (s1, s1b), ==, 0);    /* the same step: the same picture */
  g_assert_cmpuint (pixels_differing (s1, s60), >, 10000);
  cairo_surface_destroy (s1);
  cairo_surface_destroy (s1b);
  cairo_surface_destroy (s60);
  run (&r, "gradients", two, "--out", g1, "--train-step", "1", "--layout", "overlay", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "6 gradients"));
  cairo_surface_destroy (load_png (g1, 900, 600));
  run (&r, "gradients", two, "--out", g60, "--step", "9", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_svg (g60);
  /* gradients of the layer outputs (the train op's loss): five layers, another picture than the
   * parameters' gradients at the same step */
  g_autofree char *o80 = g_build_filename (dir, "o80.png", NULL);
  g_autofree char *p80 = g_build_filename (dir, "p80.png", NULL);
  run (&r, "gradients", two, "--out", o80, "--train-step", "80", "--outputs", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "5 output gradients"));
  run (&r, "gradients", two, "--out", p80, "--train-step", "80", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *so = load_png (o80, 900, 600), *sp = load_png (p80, 900, 600);
  g_assert_cmpuint (pixels_differing (so, sp), >, 10000);
  cairo_surface_destroy (so);
  cairo_surface_destroy (sp);
  g_unlink (o80);
  g_unlink (p80);
  /* errors: a training step that was not recorded, both step options, bad layout, --rows for
   * gradients, a model without a data set */
  g_autofree char *never = g_build_filename (dir, "never.png", NULL);
  run (&r, "activations", two, "--out", never, "--train-step", "81", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "not a recorded training step (80 recorded, from 1 to 80)"));
  run (&r, "activations", two, "--out", never, "--train-step", "3", "--step", "2", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "gradients", two, "--out", never, "--outputs", "--step", "3", NULL);   /* before any train op */
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no train op"));
  run (&r, "activations", two, "--out", never, "--outputs", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "activations", two, "--out", never, "--layout", "pie", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "gradients", two, "--out", never, "--rows", "8", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "activations", two, "--out", never, "--rows", "0", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "activations", two, "--out", never, "--step", "999", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_autofree char *demo = example_named ("demo.json");
  run (&r, "activations", demo, "--out", never, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "data set"));
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
  g_unlink (a1);
  g_unlink (a1b);
  g_unlink (a60);
  g_unlink (g1);
  g_unlink (g60);
  g_rmdir (dir);
}

static void
test_weight_tiles (void)
{
  g_autofree char *fm = example_named ("fashion-mnist-templates.json");
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-tiles-XXXXXX", NULL);
  g_autofree char *last = g_build_filename (dir, "last.png", NULL);
  g_autofree char *first = g_build_filename (dir, "first.png", NULL);
  const char *d = g_getenv ("PS_FASHION_MNIST_DIR");
  g_autofree char *f = g_build_filename (d && *d ? d : PS_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz", NULL);
  if (!g_file_test (f, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      g_rmdir (dir);
      return;
    }
  g_auto (Result) r = { 0 };
  run (&r, "weight-tiles", fm, "--out", last, "--width", "640", "--height", "480", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "weight: 32 tiles"));
  run (&r, "weight-tiles", fm, "--out", first, "--width", "640", "--height", "480", "--train-step", "4", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *a = load_png (last, 640, 480), *b = load_png (first, 640, 480);
  g_assert_cmpuint (pixels_differing (a, b), >, 1000);   /* the templates formed in between */
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  g_autofree char *never = g_build_filename (dir, "never.png", NULL);
  g_autofree char *xor = example ();
  run (&r, "weight-tiles", xor, "--out", never, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "square image"));
  run (&r, "weight-tiles", fm, "--out", never, "--robust", "2", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run (&r, "weight-tiles", fm, "--out", never, "--columns", "0", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
  g_unlink (last);
  g_unlink (first);
  g_rmdir (dir);
}

/* Reads fd into buf until `needle` appears (or EOF when needle is NULL); FALSE when nothing came
 * for `timeout_s` seconds. */
static gboolean
read_until (int fd, GString *buf, const char *needle, int timeout_s)
{
  while (needle == NULL || strstr (buf->str, needle) == NULL)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      if (poll (&pfd, 1, timeout_s * 1000) <= 0)
        return FALSE;
      char chunk[4096];
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0)
        return FALSE;
      if (n == 0)
        return needle == NULL;
      g_string_append_len (buf, chunk, n);
    }
  return TRUE;
}

/* Ctrl+C (SIGINT) during a long train op: the run stops cleanly — exit status 1, "interrupted at
 * step N of M" after the progress line, and no --state-dict file written. */
static void
test_interrupt (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-interrupt-XXXXXX", NULL);
  g_autofree char *recipe = g_build_filename (dir, "long.json", NULL);
  g_autofree char *sd = g_build_filename (dir, "after.safetensors", NULL);
  g_assert_true (g_file_set_contents (recipe,
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 0, \"root\": \"m\", \"ops\": ["
    " {\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    " {\"op\": \"dataset\", \"id\": \"d\", \"type\": \"xor\", \"args\": {\"n\": 64}},"
    " {\"op\": \"optimizer\", \"id\": \"opt\", \"type\": \"SGD\", \"params\": \"m\", \"args\": {\"lr\": 0.01}},"
    " {\"op\": \"train\", \"model\": \"m\", \"optimizer\": \"opt\", \"data\": \"d\","
    "  \"loss\": {\"type\": \"CrossEntropyLoss\", \"args\": {}}, \"batch_size\": 8, \"steps\": 1000000000,"
    "  \"record_every\": 1000000}]}", -1, NULL));
  const char *argv[] = { g_getenv ("PS_CLI"), "run", recipe, "--state-dict", sd, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  int err_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD
                                           | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, NULL, NULL, &err_fd, &error));
  g_autoptr (GString) err = g_string_new (NULL);
  /* the progress line comes after the first second of training */
  if (!read_until (err_fd, err, "train: step ", 300))
    {
      kill (pid, SIGKILL);
      g_error ("no progress line within 300 s: %s", err->str);
    }
  g_assert_cmpint (kill (pid, SIGINT), ==, 0);
  gboolean ended = read_until (err_fd, err, NULL, 300);
  if (!ended)
    kill (pid, SIGKILL);
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  close (err_fd);
  g_test_message ("%s", err->str);
  g_assert_true (ended);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_nonnull (strstr (err->str, "\nerror: op 4 (train): interrupted at step "));
  g_assert_nonnull (strstr (err->str, " of 1000000000"));
  g_assert_false (g_file_test (sd, G_FILE_TEST_EXISTS));
  g_remove (recipe);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-train/metrics-csv", test_metrics_csv);
  g_test_add_func ("/cli-train/metrics-json-text", test_metrics_json_and_text);
  g_test_add_func ("/cli-train/loss-curve", test_loss_curve);
  g_test_add_func ("/cli-train/ratios", test_ratios);
  g_test_add_func ("/cli-train/layers", test_layers);
  g_test_add_func ("/cli-train/weight-tiles", test_weight_tiles);
  g_test_add_func ("/cli-train/interrupt", test_interrupt);
  return g_test_run ();
}
