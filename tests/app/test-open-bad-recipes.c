/* The app's own open path (ps_window_open_file: what File → Open, Open Recent and `paramscope FILE`
 * use) on the recipe cases of issue #10: numbers beyond double range, special files (a FIFO, a
 * directory, /dev/zero), a recipe over the size limit and a structure that explodes. Each gives a
 * clear message in the window's error banner, never a crash or a hang.
 *
 * Two outcomes, as the app is designed:
 *  - a file that is refused before it is parsed (not a regular file, too big) leaves the window's
 *    document exactly as it was: the same timeline, title and number of steps;
 *  - a recipe that parses but whose op N fails opens with the steps before op N and the op's error
 *    in the banner (the document's own "a failing op leaves the steps before it" rule, as
 *    `paramscope-cli stats` shows them). */
#include "ps-config.h"
#include "ps-window-private.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "window-test-util.h"

static char *tmpdir;

static char *
write_recipe (const char *name, const char *extra, const char *ops)
{
  g_autofree char *text = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "
                                           "\"root\": \"m\", %s\"ops\": [%s]}", extra, ops);
  char *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

#define LINEAR "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}}"

static void
open_path (PsWindow *w, const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  ps_window_open_file (w, file);
  iterate ();
  wait_job (w);
}

/* Opens `path` in a window on the demo scenario: the banner holds `want` and the path, and the
 * document is untouched (same timeline object, title, steps, current step). */
static void
assert_refused_keeps_document (const char *path, const char *want)
{
  PsWindow *w = new_window ("demo");
  PsDocument *doc = ps_window_get_document (w);
  guint n = ps_document_get_n_steps (doc);
  g_assert_cmpuint (n, >, 0);
  ps_document_set_current_step (doc, 1);
  iterate ();
  PsTimeline *tl = ps_document_get_timeline (doc);
  g_autofree char *title = g_strdup (ps_document_get_title (doc));
  g_assert_null (ps_window_get_error_text (w));

  open_path (w, path);

  const char *banner = ps_window_get_error_text (w);
  if (banner == NULL || strstr (banner, want) == NULL || strstr (banner, path) == NULL)
    g_error ("%s: banner '%s', want '%s' and the path", path, banner ? banner : "(none)", want);
  g_test_message ("%s", banner);
  g_assert_true (ps_document_get_timeline (doc) == tl);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, 1);
  g_assert_cmpstr (ps_document_get_title (doc), ==, title);
  g_assert_false (ps_document_get_modified (doc));
  gtk_window_destroy (GTK_WINDOW (w));
}

/* Opens a recipe that parses in a window on the demo scenario. want == NULL: it opens with no
 * error and `n_steps` steps. Otherwise: it opens with the `n_steps` steps before the failing op and
 * the banner holds `want`. With `replay`, Replay, which works on a copy of the recipe, then gives
 * the same. */
static void
assert_opens (const char *path, guint n_steps, const char *want, gboolean replay)
{
  PsWindow *w = new_window ("demo");
  PsDocument *doc = ps_window_get_document (w);
  g_assert_null (ps_window_get_error_text (w));
  open_path (w, path);
  const char *banner = ps_window_get_error_text (w);
  if (want == NULL && banner != NULL)
    g_error ("%s: unexpected error '%s'", path, banner);
  if (want != NULL && (banner == NULL || strstr (banner, want) == NULL))
    g_error ("%s: banner '%s', want '%s'", path, banner ? banner : "(none)", want);
  if (banner)
    g_test_message ("%s", banner);
  g_autofree char *base = g_path_get_basename (path);
  g_assert_cmpstr (ps_document_get_title (doc), ==, base);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n_steps);
  g_assert_nonnull (ps_document_get_current_state (doc));
  g_assert_false (ps_document_get_modified (doc));
  /* Replay copies the recipe for its worker (the path that aborted on 1e400): the same steps,
   * the same message or none */
  if (!replay)
    {
      gtk_window_destroy (GTK_WINDOW (w));
      return;
    }
  g_autofree char *before = g_strdup (banner);
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (w), "replay"));
  g_action_group_activate_action (G_ACTION_GROUP (w), "replay", NULL);
  iterate ();
  wait_job (w);
  banner = ps_window_get_error_text (w);
  if (g_strcmp0 (banner, before) != 0 && (want == NULL || banner == NULL || strstr (banner, want) == NULL))
    g_error ("%s: after replay, banner '%s' (was '%s')", path, banner ? banner : "(none)", before ? before : "(none)");
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n_steps);
  gtk_window_destroy (GTK_WINDOW (w));
}

/* 1e400 / -1.8e308 read as ±inf, like Python's float('1e400'): in an ignored field and where torch
 * accepts it the recipe opens; where torch refuses it, torch's message. This aborted the app once
 * (the recipe was deep-copied by a text round trip). */
static void
test_out_of_range_numbers (void)
{
  g_autofree char *ignored = write_recipe ("ignored.json", "\"x-big\": [1e400, -1.8e308, {\"a\": 1e999}],", LINEAR);
  assert_opens (ignored, 1, NULL, TRUE);
  g_autofree char *eps = write_recipe ("eps.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", \"args\": {\"normalized_shape\": 3, \"eps\": 1e400}}");
  assert_opens (eps, 1, NULL, TRUE);
  g_autofree char *value = write_recipe ("value.json", "",
    LINEAR ", {\"op\": \"forward\", \"target\": \"m\", \"input\": {\"value\": [[1e400, -1e400, 1e39]]}, \"name\": \"y\"}");
  assert_opens (value, 2, NULL, TRUE);
  g_autofree char *uniform = write_recipe ("uniform.json", "",
    LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"uniform_\", \"args\": {\"b\": 1e400}}");
  assert_opens (uniform, 1, "uniform_: to is out of bounds for float", TRUE);
  g_autofree char *constant = write_recipe ("constant.json", "",
    LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"constant_\", \"args\": {\"val\": 1e39}}");
  assert_opens (constant, 1, "constant_: value cannot be converted to type float without overflow", TRUE);
  g_autofree char *dropout = write_recipe ("dropout.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Dropout\", \"args\": {\"p\": 1e400}}");
  assert_opens (dropout, 0, "dropout probability has to be between 0 and 1, but got inf", TRUE);
}

static void
test_fifo (void)
{
  g_autofree char *fifo = g_build_filename (tmpdir, "recipe-fifo.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* opened for reading with no writer, it would block the UI for ever */
  assert_refused_keeps_document (fifo, "it is a FIFO, not a regular file");
  g_unlink (fifo);
}

static void
test_directory (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "recipe-dir.json", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  assert_refused_keeps_document (dir, "it is a directory, not a regular file");
  g_rmdir (dir);
}

static void
test_dev_zero (void)
{
  /* never ends: read to the size limit (64 MiB of NULs) and then a parse error, without the check */
  assert_refused_keeps_document ("/dev/zero", "it is a character device, not a regular file");
}

static void
test_over_size_limit (void)
{
  g_autofree char *huge = g_build_filename (tmpdir, "huge.json", NULL);
  int fd = open (huge, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, ((off_t) 64 << 20) + 1), ==, 0);   /* sparse: nothing to read */
  close (fd);
  assert_refused_keeps_document (huge, "67108865 bytes, more than the limit of 67108864 bytes");
  g_unlink (huge);
}

/* A Linear listed ten times in each of ten nested Sequentials: 10^10 state_dict paths in torch.
 * Refused at the op that crosses 2^17 entries (op 6, s5), in bounded time and memory; the recipe
 * opens with the five ops before it. */
static void
test_exploding_structure (void)
{
  GString *ops = g_string_new (LINEAR);
  for (int d = 1; d <= 10; d++)
    {
      g_string_append_printf (ops, ", {\"op\": \"module\", \"id\": \"s%d\", \"type\": \"Sequential\", \"children\": [", d);
      for (int k = 0; k < 10; k++)
        {
          if (d == 1)
            g_string_append_printf (ops, "%s\"m\"", k ? ", " : "");
          else
            g_string_append_printf (ops, "%s\"s%d\"", k ? ", " : "", d - 1);
        }
      g_string_append (ops, "]}");
    }
  g_autofree char *ops_s = g_string_free (ops, FALSE);
  g_autofree char *rec = write_recipe ("explode.json", "", ops_s);
  /* no replay: it would only repeat the refusal (78 s for this path under ASan with replay) */
  assert_opens (rec, 5, "s5 would have more than 131072 state_dict entries", FALSE);
}

int
main (int argc, char **argv)
{
  if (!window_test_init (&argc, &argv))
    return 0;
  tmpdir = g_dir_make_tmp ("ps-open-bad-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/open-bad-recipes/out-of-range-numbers", test_out_of_range_numbers);
  g_test_add_func ("/open-bad-recipes/fifo", test_fifo);
  g_test_add_func ("/open-bad-recipes/directory", test_directory);
  g_test_add_func ("/open-bad-recipes/dev-zero", test_dev_zero);
  g_test_add_func ("/open-bad-recipes/over-size-limit", test_over_size_limit);
  g_test_add_func ("/open-bad-recipes/exploding-structure", test_exploding_structure);
  int ret = window_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
  (void) system (cmd);
  g_free (tmpdir);
  return ret;
}
