/* test-checkpoint-open.c — what the checkpoint window opens, without a display
 * (ps-checkpoint-open.c, moved out of the window's worker): one file, a folder as a series showing
 * its newest file, chosen files as a series ordered by their epochs, the refusal of a whole pickled
 * module and its inert "open anyway", and the errors (missing file, a folder without checkpoints,
 * a non-local file, a cancelled summary) with nothing left open; and which files open as weights
 * by their names. */
#include <string.h>
#include <glib/gstdio.h>
#include "ps-checkpoint-open.h"

static char *
data_path (const char *a, const char *b)
{
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", a, b, NULL);
}

static void
assert_empty (const PsCheckpointOpened *o)
{
  g_assert_null (o->ck);
  g_assert_null (o->summary);
  g_assert_null (o->series);
}

/* What a drop and the command line open as weights rather than as a recipe: by the file's name only
 * (a path or a file: URI; the folder it is in does not count). */
static void
test_is_named (void)
{
  const char *yes[] = { "/tmp/model.safetensors", "/tmp/a b/epoch_003.PT", "/tmp/x.pth", "/tmp/w.npz",
                        "/tmp/pytorch_model.bin.index.json", "/tmp/last.ckpt", "file:///tmp/w.npy" };
  const char *no[] = { "/tmp/recipe.json", "/tmp/x.pt/recipe.json", "/tmp/model.safetensors.bak",
                       "/tmp/x.tar", "/tmp/pt", "file:///tmp/notes.txt" };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      g_autoptr (GFile) f = g_file_new_for_commandline_arg (yes[i]);
      if (!ps_checkpoint_is_named (f))
        g_error ("%s is named as a checkpoint", yes[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    {
      g_autoptr (GFile) f = g_file_new_for_commandline_arg (no[i]);
      if (ps_checkpoint_is_named (f))
        g_error ("%s is not named as a checkpoint", no[i]);
    }
}

static void
test_file_and_series (void)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointOpened o;
  /* one file: its headers, no series */
  g_autofree char *sgd = data_path ("valid", "checkpoint_sgd.pt");
  g_autoptr (GFile) f = g_file_new_for_path (sgd);
  g_assert_true (ps_checkpoint_opened_open (&o, f, NULL, 0, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (o.ck);
  g_assert_nonnull (o.summary);
  g_assert_null (o.series);
  g_assert_nonnull (ps_checkpoint_lookup (o.ck, "model.fc1.weight"));
  g_assert_cmpuint (o.summary->n_tensors, ==, ps_checkpoint_get_n_entries (o.ck));
  g_assert_false (o.summary->has_norms);   /* headers only */
  ps_checkpoint_opened_clear (&o);
  assert_empty (&o);

  /* a folder: its six epochs as a series, the newest shown */
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", NULL);
  g_autoptr (GFile) d = g_file_new_for_path (dir);
  g_assert_true (ps_checkpoint_opened_open (&o, d, NULL, 0, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (o.series);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (o.series), ==, 6);
  g_assert_cmpstr (ps_checkpoint_get_metadata (o.ck, "epoch"), ==, "5");
  ps_checkpoint_opened_clear (&o);

  /* chosen files, given newest first: a series of those two, ordered, the newest shown */
  g_autofree char *e3 = data_path ("series", "epoch_003.pt");
  g_autofree char *e1 = data_path ("series", "epoch_001.pt");
  g_autoptr (GFile) f3 = g_file_new_for_path (e3);
  g_autoptr (GFile) f1 = g_file_new_for_path (e1);
  GFile *files[] = { f3, f1 };
  g_assert_true (ps_checkpoint_opened_open (&o, d, files, 2, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_series_get_n_steps (o.series), ==, 2);
  g_assert_cmpstr (ps_checkpoint_series_get_label (o.series, 0), ==, "epoch_001.pt");
  g_assert_cmpstr (ps_checkpoint_get_metadata (o.ck, "epoch"), ==, "3");
  ps_checkpoint_opened_clear (&o);
}

static void
test_anyway (void)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointOpened o;
  g_autofree char *whole = data_path ("valid", "whole_module.pt");
  g_autoptr (GFile) f = g_file_new_for_path (whole);
  g_assert_false (ps_checkpoint_opened_open (&o, f, NULL, 0, 0, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "forbidden global torch.nn.modules.container.Sequential"));
  g_assert_nonnull (strstr (error->message, "whole_module.pt"));
  assert_empty (&o);
  g_clear_error (&error);
  g_assert_true (ps_checkpoint_opened_open (&o, f, NULL, 0, PS_CHECKPOINT_OPEN_ANYWAY, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (o.summary);
  g_assert_cmpuint (o.summary->n_tensors, >, 0);
  ps_checkpoint_opened_clear (&o);
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointOpened o;
  /* a missing file: named once */
  g_autoptr (GFile) nope = g_file_new_for_path ("/nonexistent/nope.pt");
  g_assert_false (ps_checkpoint_opened_open (&o, nope, NULL, 0, 0, NULL, &error));
  g_assert_nonnull (strstr (error->message, "nope.pt"));
  g_assert_true (g_str_has_prefix (error->message, "Could not open"));
  assert_empty (&o);
  g_clear_error (&error);
  /* a folder with no checkpoint */
  g_autofree char *tmp = g_dir_make_tmp ("ps-ck-open-XXXXXX", NULL);
  g_autoptr (GFile) empty = g_file_new_for_path (tmp);
  g_assert_false (ps_checkpoint_opened_open (&o, empty, NULL, 0, 0, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "Could not open the folder: "));
  assert_empty (&o);
  g_clear_error (&error);
  g_rmdir (tmp);
  /* chosen files that are not a series (the same file twice) */
  g_autofree char *e1 = data_path ("series", "epoch_001.pt");
  g_autoptr (GFile) f1 = g_file_new_for_path (e1);
  GFile *twice[] = { f1, f1 };
  g_assert_false (ps_checkpoint_opened_open (&o, f1, twice, 2, 0, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "Could not open the checkpoints as a series: "));
  assert_empty (&o);
  g_clear_error (&error);
  /* not a local file */
  g_autoptr (GFile) remote = g_file_new_for_uri ("http://example.invalid/model.pt");
  if (g_file_get_path (remote) == NULL)
    {
      g_assert_false (ps_checkpoint_opened_open (&o, remote, NULL, 0, 0, NULL, &error));
      g_assert_cmpstr (error->message, ==, "Could not open model.pt: only local files can be read");
      assert_empty (&o);
      g_clear_error (&error);
    }
  /* cancelled while summarising: said as cancelled, nothing kept */
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  g_autoptr (GFile) f = g_file_new_for_path (e1);
  g_assert_false (ps_checkpoint_opened_open (&o, f, NULL, 0, 0, c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_empty (&o);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint-open/is-named", test_is_named);
  g_test_add_func ("/checkpoint-open/file-and-series", test_file_and_series);
  g_test_add_func ("/checkpoint-open/anyway", test_anyway);
  g_test_add_func ("/checkpoint-open/errors", test_errors);
  return g_test_run ();
}
