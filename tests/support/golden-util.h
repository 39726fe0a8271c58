/* golden-util.h — reading tests/data/stats-golden.json (tests/golden/gen_stats.py). */
#pragma once

#include <json-glib/json-glib.h>
#include <math.h>
#include "ps-tensor.h"

/* A JSON number, or "nan" / "inf" / "-inf". */
static inline double
golden_double (JsonNode *n)
{
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (n);
      if (g_str_equal (s, "nan"))
        return NAN;
      if (g_str_equal (s, "inf"))
        return INFINITY;
      if (g_str_equal (s, "-inf"))
        return -INFINITY;
      g_error ("bad number %s", s);
    }
  return json_node_get_double (n);
}

static inline double
golden_member (JsonObject *o, const char *name)
{
  return golden_double (json_object_get_member (o, name));
}

static inline JsonParser *
golden_load (void)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "stats-golden.json", NULL);
  JsonParser *p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (p, path, &error);
  g_assert_no_error (error);
  return p;
}

/* The case's data as a new 1-D tensor. */
static inline PsTensor *
golden_tensor (JsonObject *c)
{
  JsonArray *a = json_object_get_array_member (c, "data");
  guint n = json_array_get_length (a);
  gboolean f32 = g_str_equal (json_object_get_string_member (c, "dtype"), "float32");
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_1d (f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_INT64, n, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *v = json_array_get_element (a, i);
      if (f32)
        ps_tensor_f32 (t)[i] = (float) golden_double (v);
      else
        ps_tensor_i64 (t)[i] = json_node_get_int (v);
    }
  return t;
}
