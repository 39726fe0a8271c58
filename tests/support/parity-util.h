/* parity-util.h — reading the recipe fixtures of tests/data/recipes (tests/golden/gen_parity.py).
 *
 *   NAME.recipe.json   a recipe
 *   NAME.torch.json    what torch 1.13.1 made of it (tests/golden/torch_recipe.py):
 *                      {"tensors": [{shape, dtype, hex | int}], "steps": [{"step", "state": {key: index
 *                      or -1}, "approx": [keys]}], "outputs": {name: index}, "error": null | {step, type,
 *                      message}, "probe_after": [hex, hex], …}
 *   NAME.export.py     the golden PyTorch export of the recipe
 *   NAME.export.json   the result of running NAME.export.py with torch (digests)
 *
 * Header-only: each test includes it once. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ps-tensor.h"

static char *
parity_data_dir (void)
{
  const char *d = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (d);
  return g_build_filename (d, "recipes", NULL);
}

static gint
parity_cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted fixture names (NAME of every NAME.recipe.json). */
static GPtrArray *
parity_fixture_names (void)
{
  g_autofree char *dir = parity_data_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *f;
  while ((f = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (f, ".recipe.json"))
      g_ptr_array_add (names, g_strndup (f, strlen (f) - strlen (".recipe.json")));
  g_ptr_array_sort (names, parity_cmp_str);
  return names;
}

static char *
parity_fixture_path (const char *name, const char *suffix)
{
  g_autofree char *dir = parity_data_dir ();
  g_autofree char *base = g_strconcat (name, suffix, NULL);
  return g_build_filename (dir, base, NULL);
}

static JsonNode *
parity_load_json (const char *path)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (p, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (p));
}

/* A fixture tensor as a PsTensor (float32 from the bit patterns, int64 from the ints). */
static PsTensor *
parity_tensor (JsonObject *t)
{
  JsonArray *shape = json_object_get_array_member (t, "shape");
  int ndim = (int) json_array_get_length (shape);
  g_assert_cmpint (ndim, <=, PS_MAX_DIMS);
  int64_t dims[PS_MAX_DIMS];
  for (int i = 0; i < ndim; i++)
    dims[i] = json_array_get_int_element (shape, (guint) i);
  gboolean f32 = strcmp (json_object_get_string_member (t, "dtype"), "float32") == 0;
  g_autoptr (GError) error = NULL;
  PsTensor *out = ps_tensor_new (f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_INT64, ndim, dims, &error);
  g_assert_no_error (error);
  JsonArray *vals = json_object_get_array_member (t, f32 ? "hex" : "int");
  g_assert_cmpuint (json_array_get_length (vals), ==, (guint) out->numel);
  for (int64_t i = 0; i < out->numel; i++)
    {
      if (f32)
        {
          guint32 bits = (guint32) g_ascii_strtoull (json_array_get_string_element (vals, (guint) i), NULL, 16);
          memcpy (ps_tensor_f32 (out) + i, &bits, 4);
        }
      else
        ps_tensor_i64 (out)[i] = json_array_get_int_element (vals, (guint) i);
    }
  return out;
}

/* SHA-256 of the raw little-endian bytes, as numpy's tobytes() gives them (x86-64 is LE). */
G_GNUC_UNUSED static char *
parity_sha256 (const PsTensor *t)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, ps_tensor_nbytes (t));
}
