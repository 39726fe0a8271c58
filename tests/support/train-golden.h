/* train-golden.h — reading tests/data/train-golden/ (tests/golden/gen_train.py) and comparing
 * bit for bit. Tensors are {"shape", "hex"}, doubles 16-hex-digit strings. */
#pragma once

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "ps-module.h"
#include "ps-tensor.h"
#include "golden-dir-util.h"

static guint64 tg_compared = 0;

/* The root object of tests/data/FILE (parsed once per file); FILE may be a folder of a fixture split
 * per type (golden_merge_dir: its files' sections together). */
static inline JsonObject *
tg_root_of (const char *file)
{
  static GHashTable *roots = NULL;   /* file → JsonNode, kept for the test's life */
  if (roots == NULL)
    roots = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *root = g_hash_table_lookup (roots, file);
  if (root == NULL)
    {
      const char *dir = g_getenv ("PS_TEST_DATA");
      g_assert_nonnull (dir);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        root = golden_merge_dir (file);
      else
        {
          g_autoptr (JsonParser) parser = json_parser_new ();
          g_autoptr (GError) error = NULL;
          json_parser_load_from_file (parser, path, &error);
          g_assert_no_error (error);
          root = json_parser_steal_root (parser);
        }
      g_hash_table_insert (roots, (gpointer) file, root);
    }
  return json_node_get_object (root);
}

/* train-golden/ (one file a type, the runs in _shared.json), or PS_TRAIN_GOLDEN's file
 * (test-train-recipe-avx512: the runs torch made at ATEN_CPU_CAPABILITY=avx512) */
static inline JsonObject *
tg_root (void)
{
  const char *f = g_getenv ("PS_TRAIN_GOLDEN");
  return tg_root_of (f != NULL ? f : "train-golden");
}

static inline JsonArray *
tg_section (const char *name)
{
  return json_object_get_array_member (tg_root (), name);
}

/* A section of tests/data/train-seq-golden/ (tests/golden/gen_train_seq.py; one file a layer or loss
 * type, the runs in _shared.json), the folder read once. */
static inline JsonArray *
tg_seq_section (const char *name)
{
  static JsonNode *root = NULL;   /* kept for the test's life */
  if (root == NULL)
    root = golden_merge_dir ("train-seq-golden");
  return json_object_get_array_member (json_node_get_object (root), name);
}

static inline float
tg_hex_float (const char *s)
{
  uint32_t u = (uint32_t) g_ascii_strtoull (s, NULL, 16);
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

static inline double
tg_hex_double (const char *s)
{
  uint64_t u = g_ascii_strtoull (s, NULL, 16);
  double d;
  memcpy (&d, &u, sizeof d);
  return d;
}

static inline PsTensor *
tg_tensor (JsonObject *o)
{
  JsonArray *shape = json_object_get_array_member (o, "shape");
  JsonArray *hex = json_object_get_array_member (o, "hex");
  int64_t dims[PS_MAX_DIMS];
  int nd = (int) json_array_get_length (shape);
  for (int i = 0; i < nd; i++)
    dims[i] = json_array_get_int_element (shape, i);
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, nd, dims, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->numel, ==, json_array_get_length (hex));
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_f32 (t)[i] = tg_hex_float (json_array_get_string_element (hex, (guint) i));
  return t;
}

/* An int64 tensor of the given shape and values (JSON integer arrays; the count must match): index
 * inputs ("xshape", "xi") and bool masks as 0/1. */
static inline PsTensor *
tg_int64_tensor (JsonArray *shape, JsonArray *values)
{
  int64_t dims[PS_MAX_DIMS];
  int nd = (int) json_array_get_length (shape);
  g_assert_cmpint (nd, <=, PS_MAX_DIMS);
  for (int i = 0; i < nd; i++)
    dims[i] = json_array_get_int_element (shape, (guint) i);
  PsTensor *t = ps_tensor_new (PS_DTYPE_INT64, nd, dims, NULL);
  g_assert_nonnull (t);
  g_assert_cmpint (t->numel, ==, json_array_get_length (values));
  for (int64_t i = 0; i < t->numel; i++)
    ps_tensor_i64 (t)[i] = json_array_get_int_element (values, (guint) i);
  return t;
}

/* A sequence case's index input: {"xshape": [...], "xi": [...]} (test-attn-mask, test-rnn-backward). */
static inline PsTensor *
tg_index_input (JsonObject *c)
{
  return tg_int64_tensor (json_object_get_array_member (c, "xshape"), json_object_get_array_member (c, "xi"));
}

static inline PsTensor *
tg_index_tensor (JsonArray *a)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_INT64, json_array_get_length (a), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (a); i++)
    ps_tensor_i64 (t)[i] = json_array_get_int_element (a, i);
  return t;
}

/* Bitwise equality of values (shape by count); a failure names the case and the first index.
 * {"shape", "sha256"} (large tensors): the SHA-256 of the little-endian float32 bytes. */
static inline void
tg_check_values (const char *what, const float *got, int64_t n, JsonObject *expect)
{
  if (json_object_has_member (expect, "sha256"))
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) got,
                                                          (gsize) n * sizeof (float));
      if (strcmp (sha, json_object_get_string_member (expect, "sha256")) != 0)
        g_error ("%s: the %" G_GINT64_FORMAT " values differ from torch's (SHA-256)", what, n);
      tg_compared += (guint64) n;
      return;
    }
  JsonArray *hex = json_object_get_array_member (expect, "hex");
  g_assert_cmpint (n, ==, json_array_get_length (hex));
  for (int64_t i = 0; i < n; i++)
    {
      float e = tg_hex_float (json_array_get_string_element (hex, (guint) i));
      if (memcmp (&e, &got[i], sizeof e) != 0 && !(isnan (e) && isnan (got[i])))
        g_error ("%s: value %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " is %.9g (%a), torch has %.9g (%a)",
                 what, i, n, got[i], got[i], e, e);
    }
  tg_compared += (guint64) n;
}

static inline void
tg_check (const char *what, const PsTensor *got, JsonObject *expect)
{
  g_assert_nonnull (got);
  tg_check_values (what, ps_tensor_cf32 (got), got->numel, expect);
}

/* After a backward: every parameter named in `grads` has a .grad equal to torch's (test-attn-mask,
 * test-rnn-backward). */
static inline void
tg_check_grads (const char *what, PsModule *m, JsonObject *grads)
{
  g_autoptr (GList) names = json_object_get_members (grads);
  for (GList *l = names; l; l = l->next)
    {
      PsParam *p = NULL;
      g_assert_true (ps_module_resolve (m, l->data, NULL, &p, NULL));
      g_autofree char *w2 = g_strdup_printf ("%s grad %s", what, (char *) l->data);
      g_assert_nonnull (p->grad);
      tg_check (w2, p->grad, json_object_get_object_member (grads, l->data));
    }
}
