/* `paramscope-cli series` on the checkpoints of a real torch training run (tests/data/pt/series,
 * tests/golden/gen_pt.py), and `inspect` on torch files: the built binary (PS_CLI) is spawned. */
#include <cairo.h>
#include <string.h>
#include <glib/gstdio.h>
#include "cli-run.h"

static char *
pt (const char *a, const char *b)
{
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", a, b, NULL);
}

static void
test_series (void)
{
  g_autofree char *dir = pt ("series", NULL);
  g_auto (Result) list = { 0 };
  run (&list, "series", dir, NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.out, "6 checkpoints ordered by epoch, 16 tensors"));
  g_assert_nonnull (strstr (list.out, "epoch_000.pt                             4 tensors, 12 missing"));

  g_auto (Result) csv = { 0 };
  run (&csv, "series", dir, "--csv", NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (csv.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 6 * 16 + 1);
  g_assert_cmpstr (lines[0], ==, "step_index,epoch,file,tensor,status,numel,norm,rel_change");

  g_autofree char *tmp = g_dir_make_tmp ("ps-cli-series-XXXXXX", NULL);
  g_autofree char *bands = g_build_filename (tmp, "bands.png", NULL);
  g_autofree char *ridge = g_build_filename (tmp, "ridgeline.png", NULL);
  g_auto (Result) b = { 0 };
  run (&b, "series", dir, "--param", "0.weight", "--out", bands, "--width", "480", "--height", "300", NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_auto (Result) r = { 0 };
  run (&r, "series", dir, "--param", "model.2.weight", "--out", ridge, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cairo_surface_t *sb = cairo_image_surface_create_from_png (bands);
  cairo_surface_t *sr = cairo_image_surface_create_from_png (ridge);
  g_assert_cmpint (cairo_surface_status (sb), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (sb), ==, 480);
  g_assert_cmpint (cairo_image_surface_get_width (sr), ==, 960);
  cairo_surface_destroy (sb);
  cairo_surface_destroy (sr);
  g_unlink (bands);
  g_unlink (ridge);
  g_rmdir (tmp);

  g_auto (Result) bad = { 0 };
  run (&bad, "series", dir, "--param", "nope", "--out", "/tmp/never-written.png", NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "error: no tensor \"nope\" in the series"));
  g_auto (Result) usage = { 0 };
  run (&usage, "series", dir, "--param", "0.weight", NULL);
  g_assert_cmpint (usage.status, ==, 2);
}

static void
test_inspect_torch (void)
{
  g_autofree char *ck = pt ("valid", "checkpoint_sgd.pt");
  g_auto (Result) r = { 0 };
  run (&r, "inspect", ck, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "model.fc1.weight"));
  g_assert_nonnull (strstr (r.out, "optimizer state of model.fc1.weight"));
  g_assert_nonnull (strstr (r.out, "  epoch                                      3\n"));
  g_autofree char *rce = pt ("malicious", "rce_os_system.pt");
  g_auto (Result) e = { 0 };
  run (&e, "inspect", rce, NULL);
  g_assert_cmpint (e.status, ==, 1);
  g_assert_nonnull (strstr (e.err, "forbidden global os.system"));
  g_autofree char *whole = pt ("valid", "whole_module.pt");
  g_auto (Result) w = { 0 };
  run (&w, "inspect", whole, NULL);
  g_assert_cmpint (w.status, ==, 1);
  g_auto (Result) wa = { 0 };
  run (&wa, "inspect", "--open-anyway", whole, NULL);
  g_assert_cmpint (wa.status, ==, 0);
  g_assert_nonnull (strstr (wa.out, "2.running_var"));
}

/* What a picture says (pdftotext of a PDF export): a tensor missing from a checkpoint is said so in
 * the subtitle, and the x axis is titled by what orders the series (epoch); the CSV marks it
 * missing there. */
static void
test_missing_said (void)
{
  g_autofree char *dir = pt ("series", NULL);
  g_auto (Result) csv = { 0 };
  run (&csv, "series", dir, "--csv", NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_assert_nonnull (strstr (csv.out, "\n0,0,epoch_000.pt,optimizer.state.0.exp_avg,missing,"));
  g_assert_nonnull (strstr (csv.out, "\n1,1,epoch_001.pt,optimizer.state.0.exp_avg,present,"));
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils, build-aux/deps) is not installed");
      return;
    }
  g_autofree char *tmp = g_dir_make_tmp ("ps-cli-series-XXXXXX", NULL);
  g_autofree char *pdf = g_build_filename (tmp, "bands.pdf", NULL);
  g_auto (Result) b = { 0 };
  run (&b, "series", dir, "--param", "optimizer.state.0.exp_avg", "--out", pdf, NULL);
  g_assert_cmpint (b.status, ==, 0);
  const char *argv[] = { pdftotext, pdf, "-", NULL };
  g_autofree char *text = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "5 checkpoints by epoch, epoch_000.pt … epoch_005.pt · missing from 1"));
  g_auto (GStrv) words = g_strsplit_set (text, " \n", -1);
  g_assert_true (g_strv_contains ((const char *const *) words, "epoch"));
  g_assert_false (g_strv_contains ((const char *const *) words, "step"));
  g_unlink (pdf);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-series/series", test_series);
  g_test_add_func ("/cli-series/inspect-torch", test_inspect_torch);
  g_test_add_func ("/cli-series/missing-said", test_missing_said);
  return g_test_run ();
}
