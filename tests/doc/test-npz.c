#include <glib/gstdio.h>
#include <string.h>
#include "ps-npz.h"
#include "formats-test-util.h"

static const char *const arrays[] = { "weight", "bias", "steps", "layer/nested" };

static void
check_archive (const char *file, gboolean compressed)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fmt_data_path (file);
  g_autoptr (PsNpz) npz = ps_npz_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_npz_get_n_arrays (npz), ==, G_N_ELEMENTS (arrays));
  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    {
      const PsNpzInfo *info = ps_npz_lookup (npz, arrays[i]);
      g_assert_nonnull (info);
      g_assert_cmpint (info->compressed, ==, compressed);
      JsonObject *e = fmt_expected (file, arrays[i]);
      g_assert_cmpstr (info->header.descr, ==, json_object_get_string_member (e, "dtype"));
      g_assert_cmpuint (info->size, ==, info->header.data_offset + info->header.data_nbytes);
      g_autoptr (PsTensor) t = ps_npz_load (npz, arrays[i], &error);
      g_assert_no_error (error);
      fmt_assert_tensor (t, file, arrays[i]);
    }
  g_assert_null (ps_npz_load (npz, "nope", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
}

static void
test_read_stored (void)
{
  check_archive ("stored.npz", FALSE);
}

static void
test_read_deflated (void)
{
  check_archive ("deflated.npz", TRUE);
}

static void
test_write_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-npz-XXXXXX", NULL);
  for (int compress = 0; compress < 2; compress++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, "x.npz", NULL);
      int64_t shape[2] = { 30, 20 };
      g_autoptr (PsTensor) a = ps_tensor_new (PS_DTYPE_FLOAT32, 2, shape, &error);
      for (int64_t i = 0; i < a->numel; i += 7)
        ps_tensor_f32 (a)[i] = (float) i * 0.25f;
      g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_INT64, 2, &error);
      ps_tensor_i64 (b)[1] = 77;
      const char *names[] = { "enc.weight", "steps" };
      PsTensor *ts[] = { a, b };
      g_assert_true (ps_npz_write (path, 2, names, ts, compress, &error));
      g_assert_no_error (error);
      g_autoptr (PsNpz) npz = ps_npz_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ps_npz_get_n_arrays (npz), ==, 2);
      g_assert_cmpstr (ps_npz_get_info (npz, 0)->name, ==, "enc.weight");
      g_assert_cmpint (ps_npz_get_info (npz, 0)->compressed, ==, compress);
      if (compress)
        g_assert_cmpuint (ps_npz_get_info (npz, 0)->compressed_size, <, ps_npz_get_info (npz, 0)->size);
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr (PsTensor) t = ps_npz_load (npz, names[i], &error);
          g_assert_no_error (error);
          g_assert_true (ps_tensor_equal (t, ts[i]));
        }
      /* From memory too. */
      gchar *raw;
      gsize len;
      g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
      g_autoptr (GBytes) bytes = g_bytes_new_take (raw, len);
      g_autoptr (PsNpz) mem = ps_npz_new_from_bytes (bytes, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) t = ps_npz_load (mem, "steps", &error);
      g_assert_no_error (error);
      g_assert_true (ps_tensor_equal (t, b));
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
check_bad (const char *path, const char *file, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsNpz) npz = ps_npz_open (path, &error);
  /* Most problems are found on open; a bad CRC only when the member is read. */
  if (npz != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (ps_npz_get_n_arrays (npz), >, 0);
      g_autoptr (PsTensor) t = ps_npz_load (npz, ps_npz_get_info (npz, 0)->name, &error);
      g_assert_null (t);
    }
  fmt_assert_error_contains (error, file, want);
}

static void
test_malformed (void)
{
  g_assert_cmpuint (fmt_for_each_bad ("npz", check_bad), >=, 8);
}

static void
load_fuzzed (GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsNpz) npz = ps_npz_new_from_bytes (bytes, &error);
  g_assert_true ((npz == NULL) == (error != NULL));
  for (guint i = 0; npz != NULL && i < ps_npz_get_n_arrays (npz); i++)
    {
      g_autoptr (PsTensor) t = ps_npz_load (npz, ps_npz_get_info (npz, i)->name, &error);
      g_assert_true ((t == NULL) == (error != NULL));
      g_clear_error (&error);
    }
}

static void
test_fuzz_regressions (void)
{
  g_assert_cmpuint (fmt_for_each_fuzz_regression ("npz", load_fuzzed), >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npz/read-stored", test_read_stored);
  g_test_add_func ("/npz/read-deflated", test_read_deflated);
  g_test_add_func ("/npz/write-round-trip", test_write_round_trip);
  g_test_add_func ("/npz/malformed", test_malformed);
  g_test_add_func ("/npz/fuzz-regressions", test_fuzz_regressions);
  return g_test_run ();
}
