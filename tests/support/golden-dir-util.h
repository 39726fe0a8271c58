/* golden-dir-util.h — reading a golden fixture split per layer type (tests/golden/golden_split.py):
 * a folder of tests/data with one <Type>.json a type and maybe a _shared.json. Used through
 * gen-golden-util.h (golden_load_dir) and train-golden.h (tg_seq_section), and by
 * test-swapped-activations (tests/golden/swapped_split.py's folders). */
#pragma once

#include <json-glib/json-glib.h>
#include <string.h>

static inline int
golden_strcmp_p (const char **a, const char **b)
{
  return strcmp (*a, *b);
}

/* A golden fixture split per layer type into a folder of PS_TEST_DATA (tests/golden/golden_split.py:
 * <Type>.json files, maybe a _shared.json). Returns one object with each section's cases
 * concatenated in file-name order; members that are not arrays ("meta", the same in every file;
 * "inputs") taken once. */
static inline JsonNode *
golden_merge_dir (const char *subdir)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (data);
  g_autofree char *dir = g_build_filename (data, subdir, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) golden_strcmp_p);
  g_assert_cmpuint (names->len, >=, 1);
  JsonObject *merged = json_object_new ();
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      json_parser_load_from_file (parser, path, &error);
      g_assert_no_error (error);
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      g_autoptr (GList) members = json_object_get_members (o);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          JsonNode *v = json_object_get_member (o, key);
          if (JSON_NODE_HOLDS_ARRAY (v))
            {
              if (!json_object_has_member (merged, key))
                json_object_set_array_member (merged, key, json_array_new ());
              JsonArray *dst = json_object_get_array_member (merged, key);
              JsonArray *src = json_node_get_array (v);
              for (guint k = 0; k < json_array_get_length (src); k++)
                json_array_add_element (dst, json_node_copy (json_array_get_element (src, k)));
            }
          else if (!json_object_has_member (merged, key))
            json_object_set_member (merged, key, json_node_copy (v));
        }
    }
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, merged);
  return root;
}
