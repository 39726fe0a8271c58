#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>
#include "ps-safetensors.h"
#include "ps-npy.h"
#include "ps-json-reader.h"
#include "formats-test-util.h"

static const char *const all_names[] = {
  "f32.matrix", "f32.special", "f16.matrix", "f16.special", "bf16.matrix", "bf16.special",
  "f64.values", "f64.rounding", "i8", "i16", "i32", "i64", "u8", "bool", "scalar", "empty",
  "model.layer.0.weight",
};

static void
test_read_all_dtypes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (all_names));
  g_assert_cmpuint (ps_safetensors_get_n_shards (st), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (all_names); i++)
    {
      const PsSafetensorsInfo *info = ps_safetensors_lookup (st, all_names[i]);
      g_assert_nonnull (info);
      JsonObject *e = fmt_expected ("all_dtypes.safetensors", all_names[i]);
      g_assert_cmpstr (info->dtype, ==, json_object_get_string_member (e, "dtype"));
      g_assert_null (info->alias_of);
      g_autoptr (PsTensor) t = ps_safetensors_load (st, all_names[i], &error);
      g_assert_no_error (error);
      g_assert_true (((guintptr) t->data % 64) == 0);
      fmt_assert_tensor (t, "all_dtypes.safetensors", all_names[i]);
    }
  /* The fixture's header length is odd, so the data in the file is misaligned. */
  const PsSafetensorsInfo *f32 = ps_safetensors_lookup (st, "f32.matrix");
  g_assert_cmpuint (f32->offset % 4, !=, 0);
  g_assert_cmpint (f32->target_dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpint (ps_safetensors_lookup (st, "i32")->target_dtype, ==, PS_DTYPE_INT64);
  g_assert_cmpint (ps_safetensors_lookup (st, "i16")->target_dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpuint (ps_safetensors_lookup (st, "bf16.matrix")->nbytes, ==, 30);
  g_assert_cmpstr (ps_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (ps_safetensors_get_metadata (st, "note"), ==, "written by gen_formats.py");
  g_assert_null (ps_safetensors_get_metadata (st, "missing"));
  g_autofree const char **keys = ps_safetensors_get_metadata_keys (st);
  g_assert_cmpstr (keys[0], ==, "format");
  g_assert_cmpstr (keys[1], ==, "note");
  g_assert_null (keys[2]);

  /* Listing order is file order: offsets increase. */
  guint64 prev = 0;
  for (guint i = 0; i < ps_safetensors_get_n_tensors (st); i++)
    {
      const PsSafetensorsInfo *info = ps_safetensors_get_info (st, i);
      g_assert_cmpuint (info->offset, >=, prev);
      prev = info->offset;
    }
  g_assert_null (ps_safetensors_load (st, "nope", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
}

/* Every one of the 65536 half values converts exactly as torch's .float() does. */
static void
test_half_exhaustive (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hp = fmt_data_path ("f16_all.npy");
  g_autofree char *fp = fmt_data_path ("f16_all_as_f32.npy");
  g_autoptr (PsTensor) h = ps_npy_load (hp, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) f = ps_npy_load (fp, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h->numel, ==, 65536);
  g_assert_true (ps_tensor_equal (h, f));
  for (guint32 i = 0; i < 65536; i++)
    {
      float a = ps_half_to_float ((guint16) i), b = ps_tensor_cf32 (f)[i];
      g_assert_cmpint (memcmp (&a, &b, 4), ==, 0);
    }
  g_assert_cmpfloat (ps_bfloat16_to_float (0x3f80), ==, 1.0f);
}

static void
test_unsigned_and_float8 (void)
{
  g_autoptr (GError) error = NULL;
  const char *file = "unsigned.safetensors";
  g_autofree char *path = fmt_data_path (file);
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  static const char *const names[] = { "u16", "u32", "u64" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (PsTensor) t = ps_safetensors_load (st, names[i], &error);
      g_assert_no_error (error);
      fmt_assert_tensor (t, file, names[i]);
    }
  /* float8 is listed with its size but not decoded. */
  const PsSafetensorsInfo *f8 = ps_safetensors_lookup (st, "f8");
  g_assert_cmpstr (f8->dtype, ==, "F8_E4M3");
  g_assert_cmpuint (f8->nbytes, ==, 2);
  g_assert_null (ps_safetensors_load (st, "f8", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED);
  fmt_assert_error_contains (error, file, "tensor \"f8\": decoding F8_E4M3 tensors is not supported");
  g_clear_error (&error);
  /* A U64 value above INT64_MAX cannot become int64. */
  g_assert_null (ps_safetensors_load (st, "u64.too_big", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
  fmt_assert_error_contains (error, file, "(9223372036854775808) of an unsigned 64-bit tensor does not fit");
  g_clear_error (&error);
  /* load_all fails as a whole. */
  g_autoptr (GPtrArray) n = NULL;
  g_autoptr (GPtrArray) t = NULL;
  g_assert_false (ps_safetensors_load_all (st, &n, &t, &error));
  g_assert_nonnull (error);
  g_assert_null (n);
}

static void
test_write_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL);
  const char *names[] = { "x" };
  g_assert_false (ps_safetensors_write ("/nonexistent-dir/x.safetensors", 1, names, &t, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  g_assert_null (ps_safetensors_open ("/nonexistent-dir/x.safetensors", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
}

/* A file truncated after it was opened: loading reports it (no SIGBUS from the mapping). */
static void
test_truncated_after_open (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.safetensors", NULL);
  g_autoptr (PsTensor) a = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 64, 64, NULL);
  const char *names[] = { "a" };
  g_assert_true (ps_safetensors_write (path, 1, names, &a, NULL, &error));
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (truncate (path, (off_t) ps_safetensors_get_info (st, 0)->offset + 100), ==, 0);
  g_assert_null (ps_safetensors_load (st, "a", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  fmt_assert_error_contains (error, "truncated", "t.safetensors: tensor \"a\": the file is shorter than when it was opened");
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_sharded (void)
{
  g_autoptr (GError) error = NULL;
  const char *file = "sharded/model.safetensors.index.json";
  g_autofree char *path = fmt_data_path (file);
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_shards (st), ==, 2);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st), ==, 4);
  static const char *const names[] = { "embed.weight", "layers.0.weight", "layers.1.weight", "head.bias" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (PsTensor) t = ps_safetensors_load (st, names[i], &error);
      g_assert_no_error (error);
      fmt_assert_tensor (t, file, names[i]);
    }
  g_assert_cmpuint (ps_safetensors_lookup (st, "head.bias")->shard, ==, 1);
  g_assert_cmpstr (ps_safetensors_lookup (st, "layers.1.weight")->dtype, ==, "F16");
  /* total_size is a number in the index's metadata: not kept; the shards' strings are. */
  g_assert_null (ps_safetensors_get_metadata (st, "total_size"));
  g_assert_cmpstr (ps_safetensors_get_metadata (st, "format"), ==, "pt");
}

static char *
write_temp_file (const char *dir, const char *name, const char *contents)
{
  char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, contents, -1, NULL));
  return p;
}

static void
test_sharded_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-st-XXXXXX", NULL);
  g_autofree char *src = fmt_data_path ("sharded/model-00001-of-00002.safetensors");
  g_autofree char *shard = g_build_filename (dir, "s1.safetensors", NULL);
  gchar *contents;
  gsize len;
  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (shard, contents, (gssize) len, NULL));
  g_free (contents);

  static const struct { const char *json; const char *error; } cases[] = {
    { "{\"weight_map\": {\"embed.weight\": \"../s1.safetensors\"}}", "is not a file name in the index's directory" },
    { "{\"weight_map\": {\"embed.weight\": \"/etc/passwd\"}}", "is not a file name" },
    { "{\"weight_map\": {\"embed.weight\": \"s1.safetensors\"}}", "tensor \"layers.0.weight\" of shard s1.safetensors is not in the weight map" },
    { "{\"weight_map\": {\"embed.weight\": \"s1.safetensors\", \"layers.0.weight\": \"s1.safetensors\", \"x\": \"s1.safetensors\"}}", "tensor \"x\" is not in its shard" },
    { "{\"weight_map\": {\"embed.weight\": \"missing.safetensors\"}}", "cannot open" },
    { "{\"weight_map\": {\"a\": \"s1.safetensors\", \"a\": \"s1.safetensors\"}}", "duplicate key \"a\"" },
    { "{\"metadata\": {}}", "no \"weight_map\" object" },
    { "[]", "not a JSON object with a \"weight_map\"" },
    { "{\"weight_map\": []}", "\"weight_map\" is not an object" },
    { "{\"weight_map\": {}, \"metadata\": {\"a\": 1, \"a\": \"x\"}}", "duplicate key \"a\" in \"metadata\"" },
    { "{\"weight_map\": {}, \"weight_map\": {}}", "duplicate key \"weight_map\"" },
    { "{\"metadata\": {\"deep\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}, \"weight_map\": {}}", "JSON nesting deeper than 32 levels" },
    { "{\"weight_map\": {\"a\": \"s1.safetensors\"}} x", "not valid JSON" },
    { "", "not valid JSON" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *p = write_temp_file (dir, "model.safetensors.index.json", cases[i].json);
      g_autoptr (PsSafetensors) st = ps_safetensors_open (p, &error);
      g_assert_null (st);
      fmt_assert_error_contains (error, cases[i].json, cases[i].error);
      g_clear_error (&error);
      g_unlink (p);
    }
  /* The same tensor stored in two shards. */
  g_autofree char *shard2 = g_build_filename (dir, "s2.safetensors", NULL);
  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (shard2, contents, (gssize) len, NULL));
  g_free (contents);
  g_autofree char *p = write_temp_file (dir, "model.safetensors.index.json",
                                        "{\"weight_map\": {\"embed.weight\": \"s1.safetensors\", "
                                        "\"layers.0.weight\": \"s2.safetensors\"}}");
  g_assert_null (ps_safetensors_open (p, &error));
  fmt_assert_error_contains (error, "twice", "is stored twice (in s1.safetensors and in s2.safetensors)");
  g_unlink (p);
  g_unlink (shard);
  g_unlink (shard2);
  g_rmdir (dir);
}

static PsTensor *
make_f32 (int ndim, const int64_t *shape, float start)
{
  PsTensor *t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, NULL);
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = start + (float) i * 0.37f;
  return t;
}

static void
test_write_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out.safetensors", NULL);

  int64_t s23[2] = { 2, 3 }, s5[1] = { 5 }, s0[2] = { 0, 4 };
  g_autoptr (PsTensor) w = make_f32 (2, s23, -1.0f);
  g_autoptr (PsTensor) b = make_f32 (1, s5, 0.5f);
  g_autoptr (PsTensor) e = make_f32 (2, s0, 0.0f);
  g_autoptr (PsTensor) sc = make_f32 (0, NULL, 42.0f);
  g_autoptr (PsTensor) steps = ps_tensor_new_1d (PS_DTYPE_INT64, 1, NULL);
  ps_tensor_i64 (steps)[0] = -(INT64_C (1) << 62);
  int64_t s6[1] = { 6 };
  g_autoptr (PsTensor) view = ps_tensor_reshape (w, 1, s6, NULL);   /* shares storage, other shape */
  /* "dec.weight" is the same PsTensor as "enc.weight" (tied weights); "z.tied" too. */
  const char *names[] = { "enc.weight", "enc.bias", "dec.weight", "empty", "scalar", "steps",
                          "z.tied", "flat" };
  PsTensor *tensors[] = { w, b, w, e, sc, steps, w, view };
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "seed", "42");
  g_assert_true (ps_safetensors_write (path, G_N_ELEMENTS (names), names, tensors, meta, &error));
  g_assert_no_error (error);

  /* Header: starts with '{', padded with spaces to a multiple of 8. */
  gchar *raw;
  gsize len;
  g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
  guint64 hlen;
  memcpy (&hlen, raw, 8);
  hlen = GUINT64_FROM_LE (hlen);
  g_assert_cmpuint (hlen % 8, ==, 0);
  g_assert_cmpint (raw[8], ==, '{');
  g_assert_nonnull (strstr (raw + 8, "\"paramscope.aliases\":\"{\\\"dec.weight\\\":\\\"enc.weight\\\","
                                       "\\\"z.tied\\\":\\\"enc.weight\\\"}\""));
  /* 6 + 5 + 0 + 1 + 6 floats and one int64 stored; the two aliases are not. */
  g_assert_cmpuint (len, ==, 8 + hlen + 18 * 4 + 8);
  g_free (raw);

  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (names));
  /* Stable order: int64 first, then float32 by name, then the aliases. */
  static const char *const order[] = { "steps", "empty", "enc.bias", "enc.weight", "flat", "scalar",
                                       "dec.weight", "z.tied" };
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (ps_safetensors_get_info (st, i)->name, ==, order[i]);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (ps_safetensors_get_info (st, i)->offset % 8 == 0
                      || ps_safetensors_get_info (st, i)->target_dtype == PS_DTYPE_FLOAT32, ==, TRUE);
  g_assert_cmpstr (ps_safetensors_lookup (st, "dec.weight")->alias_of, ==, "enc.weight");
  g_assert_cmpstr (ps_safetensors_get_metadata (st, "seed"), ==, "42");

  g_autoptr (GPtrArray) rn = NULL;
  g_autoptr (GPtrArray) rt = NULL;
  g_assert_true (ps_safetensors_load_all (st, &rn, &rt, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < rn->len; i++)
    {
      guint j;
      for (j = 0; j < G_N_ELEMENTS (names); j++)
        if (strcmp (names[j], rn->pdata[i]) == 0)
          break;
      g_assert_cmpuint (j, <, G_N_ELEMENTS (names));
      g_assert_true (ps_tensor_equal (rt->pdata[i], tensors[j]));
    }
  /* Aliases come back sharing storage. */
  PsTensor *enc = rt->pdata[3], *dec = rt->pdata[6], *flat = rt->pdata[4];
  g_assert_true (enc->data == dec->data);
  g_assert_false (enc->data == flat->data);

  /* Writer errors: nothing is written. */
  g_autofree char *p2 = g_build_filename (dir, "bad.safetensors", NULL);
  const char *dup[] = { "a", "a" };
  PsTensor *two[] = { b, b };
  g_assert_false (ps_safetensors_write (p2, 2, dup, two, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  const char *reserved[] = { "__metadata__" };
  g_assert_false (ps_safetensors_write (p2, 1, reserved, two, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_hash_table_insert (meta, PS_SAFETENSORS_ALIASES_KEY, "{}");
  g_assert_false (ps_safetensors_write (p2, 1, names, tensors, meta, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (p2, G_FILE_TEST_EXISTS));

  /* Only the written file is left: no temporary files. */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint count = 0;
  while (g_dir_read_name (d) != NULL)
    count++;
  g_assert_cmpuint (count, ==, 1);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_write_empty_and_overwrite (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "e.safetensors", NULL);
  g_assert_true (g_file_set_contents (path, "old contents", -1, NULL));
  g_assert_true (ps_safetensors_write (path, 0, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  gchar *raw;
  gsize len;
  g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
  g_assert_cmpuint (len, ==, 16);
  g_assert_cmpmem (raw + 8, 8, "{}      ", 8);
  g_free (raw);
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st), ==, 0);
  g_unlink (path);
  g_rmdir (dir);
}

static void
check_bad (const char *path, const char *file, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_null (st);
  g_assert_true (error->domain == PS_ERROR);
  fmt_assert_error_contains (error, file, want);
  /* The message names the file. */
  fmt_assert_error_contains (error, file, file);
  /* The same bytes from memory fail the same way. */
  gchar *contents;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_autoptr (GBytes) bytes = g_bytes_new_take (contents, len);
  g_autoptr (GError) error2 = NULL;
  g_autoptr (PsSafetensors) st2 = ps_safetensors_new_from_bytes (bytes, &error2);
  g_assert_null (st2);
  fmt_assert_error_contains (error2, file, want);
}

static void
test_malformed (void)
{
  guint n = fmt_for_each_bad ("safetensors", check_bad);
  g_assert_cmpuint (n, >=, 30);
}

/* Inputs found by fuzzing, kept as regression tests (tests/data/formats/fuzz-regressions/). */
static void
load_fuzzed (GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_new_from_bytes (bytes, &error);
  g_assert_true ((st == NULL) == (error != NULL));
  for (guint i = 0; st != NULL && i < ps_safetensors_get_n_tensors (st); i++)
    {
      g_autoptr (PsTensor) t = ps_safetensors_load (st, ps_safetensors_get_info (st, i)->name, &error);
      g_assert_true ((t == NULL) == (error != NULL));
      g_clear_error (&error);
    }
}

static void
test_fuzz_regressions (void)
{
  g_assert_cmpuint (fmt_for_each_fuzz_regression ("safetensors", load_fuzzed), >, 0);
}

/* The strict JSON reader behind the header and index parsers. */
static gboolean
json_skips (const char *text, guint depth, GError **error)
{
  PsJsonReader r;
  return ps_json_reader_init (&r, text, strlen (text), depth, error)
         && ps_json_reader_skip_value (&r, error) && ps_json_reader_end (&r, error);
}

static void
test_json_reader (void)
{
  static const char *const good[] = {
    "{}", "[]", "0", "-0", "1.5e-3", "-12E+2", "true", "false", "null", "\"\"",
    "{\"a\": [1, {\"b\": null}, \"x\\u00e9\\ud83d\\ude00\"], \"c\": {}}", " [ 1 , 2 ] ",
    "9223372036854775807", "-9223372036854775808",
  };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      if (!json_skips (good[i], 8, &error))
        g_error ("'%s' rejected: %s", good[i], error->message);
    }
  static const struct { const char *text; const char *error; } bad[] = {
    { "[1,]", "trailing comma" }, { "{\"a\":1,}", "trailing comma" }, { "[1 2]", "expected ',' or ']'" },
    { "{\"a\" 1}", "expected ':'" }, { "{1: 2}", "expected a string" }, { "01", "unexpected text" },
    { "1.", "malformed number" }, { "1e", "malformed number" }, { "-", "expected a number" },
    { "+1", "expected a value" }, { "tru", "expected a value" }, { "\"a", "unterminated string" },
    { "\"\\x\"", "invalid escape" }, { "\"\\u0000\"", "invalid escape" },
    { "\"\\ud800\"", "invalid escape" }, { "\"\\udc00\"", "invalid escape" },
    { "\"a\tb\"", "control character" }, { "[[[[[[[[[]]]]]]]]]", "nesting deeper than 8 levels" },
    { "9223372036854775808", "not a valid 64-bit integer" }, { "[1] [2]", "unexpected text" },
    { "", "expected a value" }, { "\xff", "invalid UTF-8" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (json_skips (bad[i].text, 8, &error));
      fmt_assert_error_contains (error, bad[i].text, bad[i].error);
    }
  /* Decoded strings and integers. */
  const char *text = "{\"k\\u0061\": [\"\\\"\\/\\n\", -42, 7.5]}";
  PsJsonReader r;
  g_autoptr (GError) error = NULL;
  gboolean done, is_int;
  gint64 v;
  g_autofree char *key = NULL;
  g_autofree char *str = NULL;
  g_assert_true (ps_json_reader_init (&r, text, strlen (text), 4, &error));
  g_assert_true (ps_json_reader_begin_object (&r, &error));
  g_assert_true (ps_json_reader_next_member (&r, &done, &key, &error));
  g_assert_false (done);
  g_assert_cmpstr (key, ==, "ka");
  g_assert_true (ps_json_reader_begin_array (&r, &error));
  g_assert_true (ps_json_reader_next_element (&r, &done, &error));
  g_assert_true (ps_json_reader_read_string (&r, &str, &error));
  g_assert_cmpstr (str, ==, "\"/\n");
  g_assert_true (ps_json_reader_next_element (&r, &done, &error));
  g_assert_true (ps_json_reader_read_number (&r, &v, &is_int, &error));
  g_assert_true (is_int);
  g_assert_cmpint (v, ==, -42);
  g_assert_true (ps_json_reader_next_element (&r, &done, &error));
  g_assert_true (ps_json_reader_read_number (&r, &v, &is_int, &error));
  g_assert_false (is_int);
  g_assert_true (ps_json_reader_next_element (&r, &done, &error));
  g_assert_true (done);
  g_clear_pointer (&key, g_free);   /* next_member hands out a new key */
  g_assert_true (ps_json_reader_next_member (&r, &done, &key, &error));
  g_assert_true (done);
  g_assert_true (ps_json_reader_end (&r, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/json-reader", test_json_reader);
  g_test_add_func ("/safetensors/read-all-dtypes", test_read_all_dtypes);
  g_test_add_func ("/safetensors/half-exhaustive", test_half_exhaustive);
  g_test_add_func ("/safetensors/unsigned-and-float8", test_unsigned_and_float8);
  g_test_add_func ("/safetensors/write-errors", test_write_errors);
  g_test_add_func ("/safetensors/truncated-after-open", test_truncated_after_open);
  g_test_add_func ("/safetensors/sharded", test_sharded);
  g_test_add_func ("/safetensors/sharded-errors", test_sharded_errors);
  g_test_add_func ("/safetensors/write-round-trip", test_write_round_trip);
  g_test_add_func ("/safetensors/write-empty-and-overwrite", test_write_empty_and_overwrite);
  g_test_add_func ("/safetensors/malformed", test_malformed);
  g_test_add_func ("/safetensors/fuzz-regressions", test_fuzz_regressions);
  return g_test_run ();
}
