/* test-series-status.c — the series pane's status line without a display (ps-series-status.c,
 * moved out of the pane): idle, a watched folder with files still being written (one, several),
 * the norms without and with progress, comparing and reading, all joined by " · ". The GUI test
 * (/series-window/watch) reads the same line through the pane. */
#include "ps-series-status.h"

static void
assert_text (const PsSeriesActivity *a, const char *want)
{
  g_autofree char *text = ps_series_status_text (a);
  g_assert_cmpstr (text, ==, want);
}

static void
test_status (void)
{
  assert_text (&(PsSeriesActivity) { 0 }, "");
  assert_text (&(PsSeriesActivity) { .watching = TRUE }, "Watching the folder");
  assert_text (&(PsSeriesActivity) { .watching = TRUE, .n_pending = 1 },
               "Watching the folder · 1 file not complete yet");
  assert_text (&(PsSeriesActivity) { .watching = TRUE, .n_pending = 3, .computing_norms = TRUE },
               "Watching the folder · 3 files not complete yet · computing norms…");
  assert_text (&(PsSeriesActivity) { .computing_norms = TRUE, .norms_done = 2, .norms_total = 5 },
               "computing norms… 40 %");
  assert_text (&(PsSeriesActivity) { .computing_norms = TRUE, .norms_done = 5, .norms_total = 5, .comparing = TRUE,
                                     .reading = TRUE },
               "computing norms… 100 % · comparing… · reading…");
  assert_text (&(PsSeriesActivity) { .norms_done = 2, .norms_total = 5, .reading = TRUE }, "reading…");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-status/status", test_status);
  return g_test_run ();
}
