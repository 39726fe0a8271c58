/* formats-test-util.h — shared helpers of the file-format tests: fixture paths, the expected
 * values written by tests/golden/gen_formats.py, and the malformed-file manifest. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include "ps-tensor.h"

static inline char *
fmt_data_path (const char *name)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  return g_build_filename (dir, "formats", name, NULL);
}

/* The node fixtures[file][name] of expected.json (the parser is kept alive for the process). */
static inline JsonObject *
fmt_expected (const char *file, const char *name)
{
  static JsonParser *parser;
  if (parser == NULL)
    {
      g_autofree char *p = fmt_data_path ("expected.json");
      g_autoptr (GError) error = NULL;
      parser = json_parser_new ();
      g_assert_true (json_parser_load_from_file (parser, p, &error));
      g_assert_no_error (error);
    }
  JsonObject *fx = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "fixtures");
  JsonObject *f = json_object_get_object_member (fx, file);
  g_assert_nonnull (f);
  JsonObject *e = json_object_get_object_member (f, name);
  g_assert_nonnull (e);
  return e;
}

/* Asserts that t holds exactly the expected dtype, shape and values (bitwise for float32). */
static inline void
fmt_assert_tensor (const PsTensor *t, const char *file, const char *name)
{
  JsonObject *e = fmt_expected (file, name);
  JsonArray *shape = json_object_get_array_member (e, "shape");
  g_assert_cmpint (t->ndim, ==, (int) json_array_get_length (shape));
  for (int d = 0; d < t->ndim; d++)
    g_assert_cmpint (t->shape[d], ==, json_array_get_int_element (shape, (guint) d));
  if (json_object_has_member (e, "int64"))
    {
      JsonArray *v = json_object_get_array_member (e, "int64");
      g_assert_cmpint (t->dtype, ==, PS_DTYPE_INT64);
      g_assert_cmpint (t->numel, ==, (int64_t) json_array_get_length (v));
      for (int64_t i = 0; i < t->numel; i++)
        g_assert_cmpint (ps_tensor_ci64 (t)[i], ==, json_array_get_int_element (v, (guint) i));
    }
  else
    {
      JsonArray *v = json_object_get_array_member (e, "f32_bits");
      g_assert_cmpint (t->dtype, ==, PS_DTYPE_FLOAT32);
      g_assert_cmpint (t->numel, ==, (int64_t) json_array_get_length (v));
      for (int64_t i = 0; i < t->numel; i++)
        {
          guint32 bits;
          memcpy (&bits, &ps_tensor_cf32 (t)[i], 4);
          if (bits != (guint32) json_array_get_int_element (v, (guint) i))
            g_error ("%s %s element %" G_GINT64_FORMAT ": bits %08x, expected %08x", file, name, i,
                     bits, (guint32) json_array_get_int_element (v, (guint) i));
        }
    }
}

/* Calls fn(bytes) for every input fuzzing found for the format (tests/data/formats/fuzz-regressions/
 * FORMAT/), kept as regression tests: each must load or fail with an error, nothing else. Returns
 * how many (a test asserts there are some). */
static inline guint
fmt_for_each_fuzz_regression (const char *format, void (*fn) (GBytes *bytes))
{
  g_autofree char *rel = g_build_filename ("fuzz-regressions", format, NULL);
  g_autofree char *dir = fmt_data_path (rel);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  guint n = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      gchar *raw;
      gsize len;
      g_assert_true (g_file_get_contents (p, &raw, &len, NULL));
      g_autoptr (GBytes) bytes = g_bytes_new_take (raw, len);
      fn (bytes);
      n++;
    }
  return n;
}

/* Calls fn(path, expected_error_substring) for every bad file of the given format. */
static inline guint
fmt_for_each_bad (const char *format, void (*fn) (const char *path, const char *file, const char *error))
{
  g_autofree char *mp = fmt_data_path ("bad/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, mp, NULL));
  JsonArray *a = json_node_get_array (json_parser_get_root (parser));
  guint n = 0;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (strcmp (json_object_get_string_member (o, "format"), format) != 0)
        continue;
      const char *file = json_object_get_string_member (o, "file");
      g_autofree char *rel = g_build_filename ("bad", file, NULL);
      g_autofree char *path = fmt_data_path (rel);
      fn (path, file, json_object_get_string_member (o, "error"));
      n++;
    }
  return n;
}

static inline void
fmt_assert_error_contains (const GError *error, const char *file, const char *want)
{
  if (error == NULL)
    g_error ("%s: no error, expected one containing '%s'", file, want);
  if (strstr (error->message, want) == NULL)
    g_error ("%s: error '%s' does not contain '%s'", file, error->message, want);
}
