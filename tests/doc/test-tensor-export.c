/* Export Data's writer (ps-tensor-export), headless: the extension picks NumPy's .npy or CSV,
 * whatever its case; another extension or no tensor is an error and writes nothing. */
#include "ps-tensor-export.h"
#include "ps-error.h"
#include "ps-npy.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_formats (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-tensor-export-XXXXXX", &error);
  g_assert_no_error (error);
  float v[6] = { 1, 2, 3, 4, 5, 6.5f };
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (2, (const int64_t[]) { 2, 3 }, v, NULL);

  g_autofree char *npy = g_build_filename (dir, "w.NPY", NULL);
  g_assert_true (ps_tensor_export (t, npy, &error));
  g_assert_no_error (error);
  g_autoptr (PsTensor) back = ps_npy_load (npy, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (t, back));

  g_autofree char *csv = g_build_filename (dir, "w.Csv", NULL);
  g_assert_true (ps_tensor_export (t, csv, &error));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "6.5"));
  g_assert_null (strstr (text, "NUMPY"));   /* text, not the .npy format */

  /* neither: an error, no file */
  g_autofree char *txt = g_build_filename (dir, "w.txt", NULL);
  g_assert_false (ps_tensor_export (t, txt, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Choose a file name ending in .npy or .csv");
  g_clear_error (&error);
  g_assert_false (g_file_test (txt, G_FILE_TEST_EXISTS));

  /* nothing with values selected */
  g_autofree char *none = g_build_filename (dir, "none.npy", NULL);
  g_assert_false (ps_tensor_export (NULL, none, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));

  g_unlink (npy);
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor-export/formats", test_formats);
  return g_test_run ();
}
