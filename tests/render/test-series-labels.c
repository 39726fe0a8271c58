/* The series pane's texts about its checkpoints (ps-series-labels), headless, on the real run's
 * six epochs (tests/data/pt/series): the "compare with" list, the checkpoint line, and the
 * sentence when the selected tensor is not in the series. */
#include "ps-series-labels.h"

static void
test_labels (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", NULL);
  const char *paths[] = { dir };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (s), ==, 6);

  g_auto (GStrv) items = ps_series_labels_compare_items (s, 6);
  g_assert_cmpuint (g_strv_length (items), ==, 7);
  g_assert_cmpstr (items[0], ==, "previous checkpoint");
  g_assert_cmpstr (items[1], ==, "epoch 0 · epoch_000.pt");
  g_assert_cmpstr (items[6], ==, "epoch 5 · epoch_005.pt");
  g_auto (GStrv) none = ps_series_labels_compare_items (NULL, 0);
  g_assert_cmpuint (g_strv_length (none), ==, 1);

  g_autofree char *step = ps_series_labels_step_text (s, 3, 6);
  g_assert_cmpstr (step, ==, "epoch 3 · epoch_003.pt (4 of 6)");
  g_autofree char *empty = ps_series_labels_step_text (NULL, 0, 0);
  g_assert_cmpstr (empty, ==, "");

  g_autofree char *missing = ps_series_labels_no_tensor ("fc9.weight");
  g_assert_cmpstr (missing, ==, "fc9.weight is not a tensor of this series");
  g_autofree char *nothing = ps_series_labels_no_tensor (NULL);
  g_assert_cmpstr (nothing, ==, "Select a tensor to see it over the checkpoints");

  g_autofree char *computing = ps_series_labels_norms_pending (NULL);
  g_assert_cmpstr (computing, ==, "Computing the norms of every checkpoint…");
  g_autofree char *failed = ps_series_labels_norms_pending ("epoch_003.pt: truncated");
  g_assert_cmpstr (failed, ==, "No norms: epoch_003.pt: truncated");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-labels/labels", test_labels);
  return g_test_run ();
}
