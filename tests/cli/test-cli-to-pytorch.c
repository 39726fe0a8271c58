/* test-cli-to-pytorch.c — the CLI command that writes a recipe's PyTorch script
 * (ps_cli_to_pytorch, src/cli/ps-cli-export.c; `paramscope-cli to-pytorch`), called in process:
 * the script is written, and a bad option, no recipe and a missing recipe give the CLI's exit codes.
 * What the script says is tests/doc/test-export-pytorch.c's. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ps-cli-export.h"
#include "export-test-util.h"

static void
test_to_pytorch (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-export-XXXXXX", NULL);
  g_autofree char *recipe = g_build_filename (dir, "r.json", NULL);
  g_autofree char *script = g_build_filename (dir, "r.py", NULL);
  g_assert_true (g_file_set_contents (recipe, HEAD
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 3}}"
    "]}", -1, NULL));
  char *argv[] = { recipe, (char *) "-o", script, NULL };
  g_assert_cmpint (ps_cli_to_pytorch (3, argv), ==, 0);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (script, &text, NULL, NULL));
  assert_contains (text, "m = nn.Linear(in_features=2, out_features=3)\n");
  char *bad[] = { (char *) "--frobnicate", NULL };
  g_assert_cmpint (ps_cli_to_pytorch (1, bad), ==, 2);
  char *none[] = { NULL };
  g_assert_cmpint (ps_cli_to_pytorch (0, none), ==, 2);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  char *miss[] = { missing, NULL };
  g_assert_cmpint (ps_cli_to_pytorch (1, miss), ==, 1);
  g_unlink (script);
  g_unlink (recipe);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-to-pytorch/command", test_to_pytorch);
  return g_test_run ();
}
