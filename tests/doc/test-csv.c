#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ps-csv.h"

static void
test_matrix_rows (void)
{
  float v[6] = { 0.1f, -2.0f, 1e-10f, 3.40282347e38f, NAN, -INFINITY };
  int64_t shape[2] = { 2, 3 };
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (2, shape, v, NULL);
  g_autofree char *s = ps_csv_format (t);
  g_assert_cmpstr (s, ==, "0.100000001,-2,1.00000001e-10\n3.40282347e+38,nan,-inf\n");
}

/* %.9g reads back every float32 exactly. */
static void
test_full_precision (void)
{
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1000, NULL);
  guint32 x = 12345;
  for (int i = 0; i < 1000; i++)
    {
      x = x * 1664525u + 1013904223u;
      float f;
      guint32 bits = x & 0xbfffffffu;   /* finite */
      memcpy (&f, &bits, 4);
      ps_tensor_f32 (t)[i] = f;
    }
  g_autofree char *s = ps_csv_format (t);
  g_auto (GStrv) lines = g_strsplit (s, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "# shape: [1000]");
  for (int i = 0; i < 1000; i++)
    {
      float back = strtof (lines[i + 1], NULL);
      g_assert_cmpint (memcmp (&back, &ps_tensor_cf32 (t)[i], 4), ==, 0);
    }
  g_assert_cmpstr (lines[1001], ==, "");
}

static void
test_other_ranks (void)
{
  int64_t shape[3] = { 2, 1, 2 };
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_INT64, 3, shape, NULL);
  ps_tensor_i64 (t)[0] = INT64_MIN;
  ps_tensor_i64 (t)[3] = 9007199254740993;
  g_autofree char *s = ps_csv_format (t);
  g_assert_cmpstr (s, ==, "# shape: [2, 1, 2]\n-9223372036854775808\n0\n0\n9007199254740993\n");
  g_autoptr (PsTensor) sc = ps_tensor_new (PS_DTYPE_FLOAT32, 0, NULL, NULL);
  ps_tensor_f32 (sc)[0] = 0.5f;
  g_autofree char *s2 = ps_csv_format (sc);
  g_assert_cmpstr (s2, ==, "# shape: []\n0.5\n");
}

static void
test_write_locale_independent (void)
{
  /* A decimal-comma locale must not change the output (skipped silently if not installed). */
  setlocale (LC_NUMERIC, "de_DE.UTF-8");
  float v[2] = { 1.5f, -0.25f };
  int64_t shape[2] = { 1, 2 };
  g_autoptr (PsTensor) t = ps_tensor_new_from_f32 (2, shape, v, NULL);
  g_autofree char *dir = g_dir_make_tmp ("ps-csv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_csv_write (path, t, &error));
  g_assert_no_error (error);
  gchar *raw;
  g_assert_true (g_file_get_contents (path, &raw, NULL, NULL));
  g_assert_cmpstr (raw, ==, "1.5,-0.25\n");
  g_free (raw);
  setlocale (LC_NUMERIC, "C");
  g_unlink (path);
  g_rmdir (dir);
}

/* The field and number writers the series' norms CSV and the app's largest-changes CSV share. */
static void
test_append_field_number (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  ps_csv_append_field (out, "fc1.weight");
  g_string_append_c (out, '|');
  ps_csv_append_field (out, "a,b");
  g_string_append_c (out, '|');
  ps_csv_append_field (out, "say \"hi\"");
  g_string_append_c (out, '|');
  ps_csv_append_field (out, "two\nlines\r");
  g_string_append_c (out, '|');
  ps_csv_append_field (out, "");
  g_assert_cmpstr (out->str, ==, "fc1.weight|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\r\"|");
  g_string_truncate (out, 0);
  setlocale (LC_NUMERIC, "de_DE.UTF-8");   /* a decimal comma must not show */
  ps_csv_append_number (out, "%.9g", 0.1);
  g_string_append_c (out, ',');
  ps_csv_append_number (out, "%.17g", 0.1);
  g_string_append_c (out, ',');
  ps_csv_append_number (out, "%.9g", NAN);
  g_string_append_c (out, ',');
  ps_csv_append_number (out, "%.9g", -INFINITY);
  g_string_append_c (out, ',');
  ps_csv_append_number (out, "%.9g", 1e-300);
  setlocale (LC_NUMERIC, "C");
  g_assert_cmpstr (out->str, ==, "0.1,0.10000000000000001,,-inf,1e-300");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/csv/matrix-rows", test_matrix_rows);
  g_test_add_func ("/csv/full-precision", test_full_precision);
  g_test_add_func ("/csv/other-ranks", test_other_ranks);
  g_test_add_func ("/csv/write-locale-independent", test_write_locale_independent);
  g_test_add_func ("/csv/append-field-number", test_append_field_number);
  return g_test_run ();
}
