#include <glib/gstdio.h>
#include <string.h>
#include "ps-npy.h"
#include "formats-test-util.h"

static const char *const good[] = {
  "v1_f4.npy", "v2_f4.npy", "v3_f8.npy", "be_f8.npy", "be_i4.npy", "be_u2.npy", "fortran_f4.npy",
  "fortran_3d_i8.npy", "fortran_be_f2.npy", "f2.npy", "i1.npy", "i2.npy", "i8.npy", "u1.npy",
  "u4.npy", "u8.npy", "b1.npy", "scalar_f4.npy", "empty_f4.npy",
};

static void
test_read_numpy_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = fmt_data_path (good[i]);
      PsNpyHeader h;
      g_autoptr (PsTensor) t = ps_npy_load (path, &h, &error);
      g_assert_no_error (error);
      JsonObject *e = fmt_expected (good[i], "");
      g_assert_cmpstr (h.descr, ==, json_object_get_string_member (e, "dtype"));
      g_assert_true (((guintptr) t->data % 64) == 0);
      fmt_assert_tensor (t, good[i], "");
    }
}

static void
test_header_fields (void)
{
  g_autoptr (GError) error = NULL;
  static const struct { const char *file; int major; gboolean fortran; gboolean big; } cases[] = {
    { "v1_f4.npy", 1, FALSE, FALSE },
    { "v2_f4.npy", 2, FALSE, FALSE },
    { "v3_f8.npy", 3, FALSE, FALSE },
    { "be_f8.npy", 1, FALSE, TRUE },
    { "fortran_f4.npy", 1, TRUE, FALSE },
    { "fortran_be_f2.npy", 1, TRUE, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = fmt_data_path (cases[i].file);
      gchar *raw;
      gsize len;
      g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
      PsNpyHeader h;
      g_assert_true (ps_npy_parse_header ((guint8 *) raw, len, &h, &error));
      g_assert_no_error (error);
      g_assert_cmpint (h.major, ==, cases[i].major);
      g_assert_cmpint (h.fortran_order, ==, cases[i].fortran);
      g_assert_cmpint (h.big_endian, ==, cases[i].big);
      g_assert_cmpuint (h.data_offset + h.data_nbytes, ==, len);
      g_free (raw);
    }
}

/* Our writer produces the very bytes np.save writes. */
static void
test_write_matches_numpy (void)
{
  static const char *const refs[] = { "ref_write_f4.npy", "ref_write_i8_1d.npy", "ref_write_scalar.npy" };
  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = fmt_data_path (refs[i]);
      g_autoptr (PsTensor) t = ps_npy_load (path, NULL, &error);
      g_assert_no_error (error);
      g_autoptr (GBytes) out = ps_npy_serialize (t, &error);
      g_assert_no_error (error);
      gchar *raw;
      gsize len;
      g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
      gsize olen;
      const guint8 *o = g_bytes_get_data (out, &olen);
      g_assert_cmpmem (o, olen, raw, len);
      g_free (raw);
    }
}

static void
test_write_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.npy", NULL);
  int64_t shape[4] = { 2, 1, 3, 2 };
  g_autoptr (PsTensor) t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 4, shape, &error);
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = (float) i / 3.0f - 2.0f;
  g_assert_true (ps_npy_write (path, t, &error));
  g_assert_no_error (error);
  PsNpyHeader h;
  g_autoptr (PsTensor) back = ps_npy_load (path, &h, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (t, back));
  g_assert_cmpuint (h.data_offset % 64, ==, 0);
  g_assert_cmpstr (h.descr, ==, "<f4");

  /* A header too long for version 1.0 switches to 2.0. */
  g_autoptr (PsTensor) l = ps_tensor_new_1d (PS_DTYPE_INT64, 3, &error);
  ps_tensor_i64 (l)[2] = INT64_MIN;
  g_autoptr (GBytes) b = ps_npy_serialize (l, &error);
  g_autoptr (PsTensor) lb = ps_npy_load_from_data (g_bytes_get_data (b, NULL), g_bytes_get_size (b), &h, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (l, lb));
  g_assert_cmpint (h.major, ==, 1);
  g_unlink (path);
  g_rmdir (dir);
}

static void
check_bad (const char *path, const char *file, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_npy_load (path, NULL, &error);
  g_assert_null (t);
  fmt_assert_error_contains (error, file, want);
  fmt_assert_error_contains (error, file, file);
}

static void
test_malformed (void)
{
  g_assert_cmpuint (fmt_for_each_bad ("npy", check_bad), >=, 20);
}

static void
test_fortran_transpose (void)
{
  /* A 2×3 float32 in Fortran order: memory holds columns [1 4] [2 5] [3 6]. */
  static const char dict[] = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n";
  guint8 buf[10 + sizeof dict - 1 + 24];
  memcpy (buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = sizeof dict - 1;
  buf[9] = 0;
  memcpy (buf + 10, dict, sizeof dict - 1);
  const float col[6] = { 1, 4, 2, 5, 3, 6 };
  memcpy (buf + 10 + sizeof dict - 1, col, 24);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_npy_load_from_data (buf, sizeof buf, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (ps_tensor_cf32 (t)[i], ==, (float) (i + 1));
}

static void
load_fuzzed (GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_npy_load_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL,
                                                  &error);
  g_assert_true ((t == NULL) == (error != NULL));
}

static void
test_fuzz_regressions (void)
{
  g_assert_cmpuint (fmt_for_each_fuzz_regression ("npy", load_fuzzed), >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/read-numpy-files", test_read_numpy_files);
  g_test_add_func ("/npy/header-fields", test_header_fields);
  g_test_add_func ("/npy/write-matches-numpy", test_write_matches_numpy);
  g_test_add_func ("/npy/write-round-trip", test_write_round_trip);
  g_test_add_func ("/npy/fortran-transpose", test_fortran_transpose);
  g_test_add_func ("/npy/malformed", test_malformed);
  g_test_add_func ("/npy/fuzz-regressions", test_fuzz_regressions);
  return g_test_run ();
}
