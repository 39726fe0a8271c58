/* test-cli-train.c — paramscope-cli on a training recipe: run, metrics (text, --csv, --json) and
 * loss-curve, with values checked against torch 1.13 (tests/data/train-golden.json, run
 * "xor-Tanh-sgd", which examples/train-xor.json reproduces). */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "train-golden.h"
#include "cli-run.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-train/metrics-csv", test_metrics_csv);
  g_test_add_func ("/cli-train/metrics-json-text", test_metrics_json_and_text);
  g_test_add_func ("/cli-train/loss-curve", test_loss_curve);
  return g_test_run ();
}
