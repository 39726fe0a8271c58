/* ps-safetensors.c — see ps-safetensors.h for the layout and the rules enforced. */
#include "ps-safetensors.h"
#include "ps-atomic-file.h"
#include "ps-json-check.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define MAX_JSON_DEPTH 32
#define MAX_INDEX_BYTES ((gsize) 100000000)

typedef struct {
  char *path;        /* NULL for memory */
  char *label;       /* for messages: the file's base name or "<memory>" */
  GMappedFile *map;  /* NULL for memory */
  GBytes *bytes;
  guint64 data_start;
  guint64 data_len;
} Shard;

typedef struct {
  PsSafetensorsInfo info;   /* first: the public view */
  char *name;
  char *dtype;
  char *alias_of;
} Entry;

struct _PsSafetensors {
  gatomicrefcount ref_count;
  GPtrArray *shards;        /* Shard* */
  GPtrArray *entries;       /* Entry*, in listing order */
  GHashTable *by_name;      /* name → Entry* (borrowed) */
  GHashTable *metadata;     /* string → string (owned) */
};

static void
shard_free (Shard *s)
{
  g_free (s->path);
  g_free (s->label);
  g_clear_pointer (&s->bytes, g_bytes_unref);
  g_clear_pointer (&s->map, g_mapped_file_unref);
  g_free (s);
}

static void
entry_free (Entry *e)
{
  g_free (e->name);
  g_free (e->dtype);
  g_free (e->alias_of);
  g_free (e);
}

static PsSafetensors *
safetensors_new (void)
{
  PsSafetensors *st = g_new0 (PsSafetensors, 1);
  g_atomic_ref_count_init (&st->ref_count);
  st->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) shard_free);
  st->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return st;
}

PsSafetensors *
ps_safetensors_ref (PsSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_atomic_ref_count_inc (&st->ref_count);
  return st;
}

void
ps_safetensors_unref (PsSafetensors *st)
{
  if (st == NULL)
    return;
  if (g_atomic_ref_count_dec (&st->ref_count))
    {
      g_hash_table_unref (st->by_name);
      g_hash_table_unref (st->metadata);
      g_ptr_array_unref (st->entries);
      g_ptr_array_unref (st->shards);
      g_free (st);
    }
}

/* ---- header parsing ---------------------------------------------------------------------- */

#define FAIL(...) G_STMT_START { \
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

static gboolean
node_get_uint (JsonNode *n, gint64 *v)
{
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *v = json_node_get_int (n);
  return *v >= 0;
}

static gboolean
parse_metadata (const Shard *sh, JsonNode *node, GHashTable *into, GError **error)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    FAIL ("%s: __metadata__ is not a JSON object (it must map strings to strings)", sh->label);
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *k = l->data;
      JsonNode *v = json_object_get_member (o, k);
      if (JSON_NODE_TYPE (v) != JSON_NODE_VALUE || json_node_get_value_type (v) != G_TYPE_STRING)
        FAIL ("%s: __metadata__ value of \"%s\" is not a string (metadata maps strings to strings)",
              sh->label, k);
      if (!g_hash_table_contains (into, k))
        g_hash_table_insert (into, g_strdup (k), g_strdup (json_node_get_string (v)));
    }
  return TRUE;
}

static gboolean
parse_entry (const Shard *sh, guint shard_index, const char *name, JsonNode *node, Entry **out,
             GError **error)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    FAIL ("%s: tensor \"%s\": entry is not a JSON object", sh->label, name);
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, "dtype") != 0 && strcmp (l->data, "shape") != 0
        && strcmp (l->data, "data_offsets") != 0)
      FAIL ("%s: tensor \"%s\": unexpected key \"%s\" (an entry has exactly dtype, shape and "
            "data_offsets)", sh->label, name, (const char *) l->data);
  static const char *const required[] = { "dtype", "shape", "data_offsets" };
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!json_object_has_member (o, required[i]))
      FAIL ("%s: tensor \"%s\": missing \"%s\"", sh->label, name, required[i]);

  JsonNode *dn = json_object_get_member (o, "dtype");
  if (JSON_NODE_TYPE (dn) != JSON_NODE_VALUE || json_node_get_value_type (dn) != G_TYPE_STRING)
    FAIL ("%s: tensor \"%s\": dtype is not a string", sh->label, name);
  const char *dtype = json_node_get_string (dn);
  PsRawDType raw;
  if (!ps_raw_dtype_from_safetensors (dtype, &raw))
    FAIL ("%s: tensor \"%s\": unknown dtype \"%s\"", sh->label, name, dtype);

  JsonNode *sn = json_object_get_member (o, "shape");
  if (JSON_NODE_TYPE (sn) != JSON_NODE_ARRAY)
    FAIL ("%s: tensor \"%s\": shape is not an array", sh->label, name);
  JsonArray *sa = json_node_get_array (sn);
  guint ndim = json_array_get_length (sa);
  if (ndim > PS_MAX_DIMS)
    FAIL ("%s: tensor \"%s\": %u dimensions; at most %d are supported", sh->label, name, ndim,
          PS_MAX_DIMS);
  int64_t shape[PS_MAX_DIMS] = { 0 };
  for (guint i = 0; i < ndim; i++)
    {
      gint64 d;
      if (!node_get_uint (json_array_get_element (sa, i), &d))
        FAIL ("%s: tensor \"%s\": shape element %u is not a non-negative integer", sh->label, name, i);
      shape[i] = d;
    }
  int64_t numel;
  g_autoptr (GError) local = NULL;
  if (!ps_shape_numel ((int) ndim, shape, &numel, &local))
    FAIL ("%s: tensor \"%s\": %s", sh->label, name, local->message);
  gsize esize = ps_raw_dtype_size (raw);
  if ((guint64) numel > G_MAXUINT64 / esize)
    {
      g_autofree char *s = ps_shape_to_string ((int) ndim, shape);
      FAIL ("%s: tensor \"%s\": the byte size of shape %s overflows", sh->label, name, s);
    }
  guint64 nbytes = (guint64) numel * esize;

  JsonNode *on = json_object_get_member (o, "data_offsets");
  if (JSON_NODE_TYPE (on) != JSON_NODE_ARRAY || json_array_get_length (json_node_get_array (on)) != 2)
    FAIL ("%s: tensor \"%s\": data_offsets is not an array of two integers", sh->label, name);
  JsonArray *oa = json_node_get_array (on);
  gint64 begin, end;
  if (!node_get_uint (json_array_get_element (oa, 0), &begin)
      || !node_get_uint (json_array_get_element (oa, 1), &end))
    FAIL ("%s: tensor \"%s\": data_offsets are not non-negative integers", sh->label, name);
  if (begin > end)
    FAIL ("%s: tensor \"%s\": data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] end before "
          "they begin", sh->label, name, begin, end);
  if ((guint64) (end - begin) != nbytes)
    {
      g_autofree char *s = ps_shape_to_string ((int) ndim, shape);
      FAIL ("%s: tensor \"%s\": data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] hold %"
            G_GUINT64_FORMAT " bytes but shape %s of %s needs %" G_GUINT64_FORMAT " bytes",
            sh->label, name, begin, end, (guint64) (end - begin), s, dtype, nbytes);
    }
  if ((guint64) end > sh->data_len)
    FAIL ("%s: tensor \"%s\": data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] run past the "
          "end of the data (%" G_GUINT64_FORMAT " bytes after the header)", sh->label, name, begin, end,
          sh->data_len);

  Entry *e = g_new0 (Entry, 1);
  e->name = g_strdup (name);
  e->dtype = g_strdup (dtype);
  e->info.name = e->name;
  e->info.dtype = e->dtype;
  e->info.raw_dtype = raw;
  e->info.target_dtype = ps_raw_dtype_target (raw);
  e->info.ndim = (int) ndim;
  memcpy (e->info.shape, shape, sizeof shape);
  e->info.numel = numel;
  e->info.nbytes = nbytes;
  e->info.shard = shard_index;
  e->info.offset = sh->data_start + (guint64) begin;   /* <= file size: checked above */
  *out = e;
  return TRUE;
}

static int
entry_cmp_offset (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry *const *) a, *y = *(Entry *const *) b;
  if (x->info.offset != y->info.offset)
    return x->info.offset < y->info.offset ? -1 : 1;
  if (x->info.nbytes != y->info.nbytes)
    return x->info.nbytes < y->info.nbytes ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* Parses one shard's header; appends its entries (in offset order) to `entries` and its metadata to
 * `metadata` (first value of a key wins). Nothing is appended on failure. */
static gboolean
parse_shard (Shard *sh, guint shard_index, GPtrArray *entries, GHashTable *metadata, GError **error)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (sh->bytes, &size);
  if (size < 8)
    FAIL ("%s: the file is %" G_GSIZE_FORMAT " bytes, too short for the 8-byte header length",
          sh->label, size);
  guint64 n;
  memcpy (&n, d, 8);
  n = GUINT64_FROM_LE (n);
  if (n > PS_SAFETENSORS_MAX_HEADER)
    FAIL ("%s: header length %" G_GUINT64_FORMAT " exceeds the limit of %" G_GUINT64_FORMAT " bytes",
          sh->label, n, PS_SAFETENSORS_MAX_HEADER);
  if (n > (guint64) size - 8)
    FAIL ("%s: header length %" G_GUINT64_FORMAT " runs past the end of the file (%" G_GSIZE_FORMAT
          " bytes): truncated file?", sh->label, n, size);
  if (n == 0 || d[8] != '{')
    FAIL ("%s: the header does not start with '{' (it must be a JSON object)", sh->label);
  sh->data_start = 8 + n;
  sh->data_len = (guint64) size - 8 - n;

  const char *text = (const char *) d + 8;
  g_autoptr (GError) local = NULL;
  if (!ps_json_check_strict (text, (gsize) n, MAX_JSON_DEPTH, &local))
    FAIL ("%s: header: %s", sh->label, local->message);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) n, &local))
    FAIL ("%s: header is not valid JSON: %s", sh->label, local->message);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    FAIL ("%s: the header is not a JSON object", sh->label);

  JsonObject *o = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (o);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (o, name);
      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (sh, node, meta, error))
            return FALSE;
          continue;
        }
      Entry *e;
      if (!parse_entry (sh, shard_index, name, node, &e, error))
        return FALSE;
      g_ptr_array_add (found, e);
    }

  /* Sorted by offset, the tensors must tile the data section: no hole, no overlap, no tail. */
  g_ptr_array_sort (found, entry_cmp_offset);
  guint64 expected = sh->data_start;
  const char *prev = NULL;
  for (guint i = 0; i < found->len; i++)
    {
      Entry *e = found->pdata[i];
      guint64 rel = e->info.offset - sh->data_start;
      if (e->info.offset < expected)
        FAIL ("%s: tensor \"%s\": data_offsets begin at %" G_GUINT64_FORMAT ", overlapping tensor "
              "\"%s\" which ends at %" G_GUINT64_FORMAT, sh->label, e->name, rel, prev,
              expected - sh->data_start);
      if (e->info.offset > expected)
        FAIL ("%s: tensor \"%s\": data_offsets begin at %" G_GUINT64_FORMAT ", leaving a hole of %"
              G_GUINT64_FORMAT " bytes after %s%s%s", sh->label, e->name, rel, e->info.offset - expected,
              prev ? "tensor \"" : "the start of the data", prev ? prev : "", prev ? "\"" : "");
      expected += e->info.nbytes;
      prev = e->name;
    }
  if (expected != sh->data_start + sh->data_len)
    FAIL ("%s: %" G_GUINT64_FORMAT " bytes after the last tensor's data are not covered by any tensor "
          "(the data must cover the rest of the file exactly)", sh->label,
          sh->data_start + sh->data_len - expected);

  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, meta);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (!g_hash_table_contains (metadata, k))
      g_hash_table_insert (metadata, g_strdup (k), g_strdup (v));
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (entries, g_steal_pointer (&found->pdata[i]));
  g_ptr_array_set_free_func (found, NULL);
  return TRUE;
}

static int
entry_cmp_name (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Entry *const *) a)->name, (*(Entry *const *) b)->name);
}

/* Turns __metadata__["paramscope.aliases"] into alias entries. */
static gboolean
add_aliases (PsSafetensors *st, const char *label, GError **error)
{
  const char *text = g_hash_table_lookup (st->metadata, PS_SAFETENSORS_ALIASES_KEY);
  if (text == NULL)
    return TRUE;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!ps_json_check_strict (text, strlen (text), 4, &local)
      || !json_parser_load_from_data (parser, text, -1, &local))
    FAIL ("%s: __metadata__[\"%s\"] is not valid JSON: %s", label, PS_SAFETENSORS_ALIASES_KEY, local->message);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    FAIL ("%s: __metadata__[\"%s\"] is not a JSON object", label, PS_SAFETENSORS_ALIASES_KEY);
  JsonObject *o = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (o);
  g_autoptr (GPtrArray) aliases = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *alias = l->data;
      JsonNode *v = json_object_get_member (o, alias);
      if (JSON_NODE_TYPE (v) != JSON_NODE_VALUE || json_node_get_value_type (v) != G_TYPE_STRING)
        FAIL ("%s: alias \"%s\": the stored name is not a string", label, alias);
      const char *target = json_node_get_string (v);
      if (g_hash_table_contains (st->by_name, alias) || strcmp (alias, "__metadata__") == 0)
        FAIL ("%s: alias \"%s\" is also the name of a stored tensor", label, alias);
      Entry *t = g_hash_table_lookup (st->by_name, target);
      if (t == NULL)
        FAIL ("%s: alias \"%s\" refers to \"%s\", which is not a stored tensor", label, alias, target);
      Entry *e = g_new0 (Entry, 1);
      e->info = t->info;
      e->name = g_strdup (alias);
      e->dtype = g_strdup (t->dtype);
      e->alias_of = g_strdup (t->name);
      e->info.name = e->name;
      e->info.dtype = e->dtype;
      e->info.alias_of = e->alias_of;
      g_ptr_array_add (aliases, e);
    }
  g_ptr_array_sort (aliases, entry_cmp_name);
  for (guint i = 0; i < aliases->len; i++)
    {
      Entry *e = g_steal_pointer (&aliases->pdata[i]);
      g_ptr_array_add (st->entries, e);
      g_hash_table_insert (st->by_name, e->name, e);
    }
  g_ptr_array_set_free_func (aliases, NULL);
  return TRUE;
}

static gboolean
index_names (PsSafetensors *st, guint first, GError **error)
{
  for (guint i = first; i < st->entries->len; i++)
    {
      Entry *e = st->entries->pdata[i];
      Entry *other = g_hash_table_lookup (st->by_name, e->name);
      if (other != NULL)
        {
          Shard *a = st->shards->pdata[other->info.shard], *b = st->shards->pdata[e->info.shard];
          FAIL ("tensor \"%s\" is stored twice (in %s and in %s)", e->name, a->label, b->label);
        }
      g_hash_table_insert (st->by_name, e->name, e);
    }
  return TRUE;
}

static Shard *
shard_map (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  GMappedFile *map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, local->message);
      return NULL;
    }
  Shard *sh = g_new0 (Shard, 1);
  sh->path = g_strdup (path);
  sh->label = g_path_get_basename (path);
  sh->map = map;
  sh->bytes = g_mapped_file_get_bytes (map);
  return sh;
}

PsSafetensors *
ps_safetensors_new_from_bytes (GBytes *bytes, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_autoptr (PsSafetensors) st = safetensors_new ();
  Shard *sh = g_new0 (Shard, 1);
  sh->label = g_strdup ("<memory>");
  sh->bytes = g_bytes_ref (bytes);
  g_ptr_array_add (st->shards, sh);
  if (!parse_shard (sh, 0, st->entries, st->metadata, error) || !index_names (st, 0, error)
      || !add_aliases (st, sh->label, error))
    return NULL;
  return g_steal_pointer (&st);
}

static PsSafetensors *
open_single (const char *path, GError **error)
{
  g_autoptr (PsSafetensors) st = safetensors_new ();
  Shard *sh = shard_map (path, error);
  if (sh == NULL)
    return NULL;
  g_ptr_array_add (st->shards, sh);
  if (!parse_shard (sh, 0, st->entries, st->metadata, error) || !index_names (st, 0, error)
      || !add_aliases (st, sh->label, error))
    return NULL;
  return g_steal_pointer (&st);
}

static int
str_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
shard_name_is_safe (const char *f)
{
  return f[0] != '\0' && strchr (f, '/') == NULL && strchr (f, '\\') == NULL
         && strcmp (f, ".") != 0 && strcmp (f, "..") != 0;
}

/* model.safetensors.index.json: {"metadata": {...}, "weight_map": {tensor: shard file name}}.
 * Shards must be plain file names in the index's directory. Every tensor of the weight map must
 * be in its shard and every tensor of a shard in the weight map. */
static PsSafetensors *
open_index (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *label = g_path_get_basename (path);
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, local->message);
      return NULL;
    }
  gsize len = g_mapped_file_get_length (map);
  const char *text = g_mapped_file_get_contents (map);
  if (len > MAX_INDEX_BYTES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: %" G_GSIZE_FORMAT " bytes, more than the "
                   "limit of %" G_GSIZE_FORMAT, label, len, MAX_INDEX_BYTES);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (len == 0 || !ps_json_check_strict (text, len, MAX_JSON_DEPTH, &local)
      || !json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not valid JSON: %s", label,
                   local ? local->message : "empty file");
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonNode *wm = root && JSON_NODE_TYPE (root) == JSON_NODE_OBJECT
                 ? json_object_get_member (json_node_get_object (root), "weight_map") : NULL;
  if (wm == NULL || JSON_NODE_TYPE (wm) != JSON_NODE_OBJECT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: no \"weight_map\" object", label);
      return NULL;
    }
  JsonObject *wmo = json_node_get_object (wm);
  g_autoptr (GList) names = json_object_get_members (wmo);
  g_autoptr (GPtrArray) files = g_ptr_array_new ();   /* borrowed from the parser */
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (wmo, l->data);
      if (JSON_NODE_TYPE (v) != JSON_NODE_VALUE || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: tensor \"%s\": shard is not a string",
                       label, (const char *) l->data);
          return NULL;
        }
      const char *f = json_node_get_string (v);
      if (!shard_name_is_safe (f))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: tensor \"%s\": shard \"%s\" is not a "
                       "file name in the index's directory", label, (const char *) l->data, f);
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (files, f, g_str_equal, NULL))
        g_ptr_array_add (files, (gpointer) f);
    }
  g_ptr_array_sort (files, str_ptr_cmp);

  g_autoptr (PsSafetensors) st = safetensors_new ();
  JsonNode *meta = json_object_get_member (json_node_get_object (root), "metadata");
  if (meta != NULL && JSON_NODE_TYPE (meta) == JSON_NODE_OBJECT)
    {
      /* The index's metadata holds numbers too (total_size); keep its strings. */
      JsonObject *mo = json_node_get_object (meta);
      g_autoptr (GList) keys = json_object_get_members (mo);
      for (GList *l = keys; l != NULL; l = l->next)
        {
          JsonNode *v = json_object_get_member (mo, l->data);
          if (JSON_NODE_TYPE (v) == JSON_NODE_VALUE && json_node_get_value_type (v) == G_TYPE_STRING)
            g_hash_table_insert (st->metadata, g_strdup (l->data), g_strdup (json_node_get_string (v)));
        }
    }
  g_autofree char *dir = g_path_get_dirname (path);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *p = g_build_filename (dir, (const char *) files->pdata[i], NULL);
      Shard *sh = shard_map (p, error);
      if (sh == NULL)
        return NULL;
      g_ptr_array_add (st->shards, sh);
      guint first = st->entries->len;
      if (!parse_shard (sh, i, st->entries, st->metadata, error) || !index_names (st, first, error))
        return NULL;
    }
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *f = json_object_get_string_member (wmo, l->data);
      Entry *e = g_hash_table_lookup (st->by_name, l->data);
      Shard *sh = e ? st->shards->pdata[e->info.shard] : NULL;
      if (e == NULL || strcmp (sh->label, f) != 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: tensor \"%s\" is not in its shard %s",
                       label, (const char *) l->data, f);
          return NULL;
        }
    }
  for (guint i = 0; i < st->entries->len; i++)
    {
      Entry *e = st->entries->pdata[i];
      if (!json_object_has_member (wmo, e->name))
        {
          Shard *sh = st->shards->pdata[e->info.shard];
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: tensor \"%s\" of shard %s is not in the "
                       "weight map", label, e->name, sh->label);
          return NULL;
        }
    }
  if (!add_aliases (st, label, error))
    return NULL;
  return g_steal_pointer (&st);
}

PsSafetensors *
ps_safetensors_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_str_has_suffix (path, ".index.json"))
    return open_index (path, error);
  return open_single (path, error);
}

#undef FAIL

/* ---- access ------------------------------------------------------------------------------ */

guint
ps_safetensors_get_n_tensors (PsSafetensors *st)
{
  return st->entries->len;
}

const PsSafetensorsInfo *
ps_safetensors_get_info (PsSafetensors *st, guint index)
{
  g_return_val_if_fail (index < st->entries->len, NULL);
  return &((Entry *) st->entries->pdata[index])->info;
}

const PsSafetensorsInfo *
ps_safetensors_lookup (PsSafetensors *st, const char *name)
{
  Entry *e = g_hash_table_lookup (st->by_name, name);
  return e ? &e->info : NULL;
}

guint
ps_safetensors_get_n_shards (PsSafetensors *st)
{
  return st->shards->len;
}

const char *
ps_safetensors_get_metadata (PsSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

const char **
ps_safetensors_get_metadata_keys (PsSafetensors *st)
{
  guint n;
  const char **keys = (const char **) g_hash_table_get_keys_as_array (st->metadata, &n);
  qsort (keys, n, sizeof (char *), str_ptr_cmp);
  return keys;
}

static PsTensor *
decode (PsSafetensors *st, const PsSafetensorsInfo *info, GError **error)
{
  Shard *sh = st->shards->pdata[info->shard];
  const guint8 *base = g_bytes_get_data (sh->bytes, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_empty (info->target_dtype, info->ndim, info->shape, &local);
  if (t == NULL
      || !ps_raw_decode (info->raw_dtype, FALSE, base + info->offset, (gsize) info->numel, t->data,
                         &local))
    {
      g_set_error (error, PS_ERROR, local->code, "%s: tensor \"%s\": %s", sh->label, info->name,
                   local->message);
      return NULL;
    }
  return g_steal_pointer (&t);
}

PsTensor *
ps_safetensors_load (PsSafetensors *st, const char *name, GError **error)
{
  const PsSafetensorsInfo *info = ps_safetensors_lookup (st, name);
  if (info == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor named \"%s\"", name);
      return NULL;
    }
  return decode (st, info, error);
}

gboolean
ps_safetensors_load_all (PsSafetensors *st, GPtrArray **names, GPtrArray **tensors, GError **error)
{
  g_autoptr (GPtrArray) n = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) t = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GHashTable) loaded = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < st->entries->len; i++)
    {
      const PsSafetensorsInfo *info = &((Entry *) st->entries->pdata[i])->info;
      PsTensor *x;
      if (info->alias_of != NULL)
        x = ps_tensor_ref (g_hash_table_lookup (loaded, info->alias_of));
      else if ((x = decode (st, info, error)) == NULL)
        return FALSE;
      g_hash_table_insert (loaded, (gpointer) info->name, x);
      g_ptr_array_add (n, g_strdup (info->name));
      g_ptr_array_add (t, x);
    }
  *names = g_steal_pointer (&n);
  *tensors = g_steal_pointer (&t);
  return TRUE;
}

/* ---- writing ----------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  PsTensor *tensor;
  const char *alias_of;
  guint64 begin;
} WriteItem;

static int
write_item_cmp (gconstpointer a, gconstpointer b)
{
  const WriteItem *x = a, *y = b;
  /* int64 (alignment 8) before float32 (4), then by name, as the Python library orders them. */
  if (x->tensor->dtype != y->tensor->dtype)
    return x->tensor->dtype == PS_DTYPE_INT64 ? -1 : 1;
  return strcmp (x->name, y->name);
}

static int
write_item_cmp_name (gconstpointer a, gconstpointer b)
{
  return strcmp (((const WriteItem *) a)->name, ((const WriteItem *) b)->name);
}

static gboolean
write_tensor_data (PsAtomicFile *f, const PsTensor *t, GError **error)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return ps_atomic_file_write (f, t->data, ps_tensor_nbytes (t), error);
#else
  gsize es = ps_dtype_size (t->dtype);
  guint8 buf[4096];
  const guint8 *src = t->data;
  gsize total = ps_tensor_nbytes (t);
  for (gsize off = 0; off < total; off += sizeof buf)
    {
      gsize n = MIN (sizeof buf, total - off);
      for (gsize i = 0; i < n; i += es)
        for (gsize j = 0; j < es; j++)
          buf[i + j] = src[off + i + es - 1 - j];
      if (!ps_atomic_file_write (f, buf, n, error))
        return FALSE;
    }
  return TRUE;
#endif
}

gboolean
ps_safetensors_write (const char *path, guint n_tensors, const char *const *names,
                      PsTensor *const *tensors, GHashTable *metadata, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n_tensors == 0 || (names != NULL && tensors != NULL), FALSE);

  /* Validate everything first. */
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_tensors; i++)
    {
      g_return_val_if_fail (names[i] != NULL && tensors[i] != NULL, FALSE);
      if (!g_utf8_validate (names[i], -1, NULL) || strcmp (names[i], "__metadata__") == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "\"%s\" cannot be a tensor name in a safetensors file", names[i]);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) names[i]))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "tensor name \"%s\" given twice",
                       names[i]);
          return FALSE;
        }
    }
  if (metadata != NULL)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (k, PS_SAFETENSORS_ALIASES_KEY) == 0 || !g_utf8_validate (k, -1, NULL)
            || v == NULL || !g_utf8_validate (v, -1, NULL))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         "metadata key \"%s\" is reserved or not a UTF-8 string pair", (char *) k);
            return FALSE;
          }
    }

  /* The first name of a shared storage in the caller's order is stored (like named_parameters,
   * which keeps the first occurrence); the others become aliases. Tensors that share storage but
   * differ in shape (reshape views) are simply stored twice. */
  g_autoptr (GArray) items = g_array_sized_new (FALSE, TRUE, sizeof (WriteItem), n_tensors);
  for (guint i = 0; i < n_tensors; i++)
    {
      WriteItem w = { names[i], tensors[i], NULL, 0 };
      g_array_append_val (items, w);
    }
  g_autoptr (GHashTable) by_data = g_hash_table_new (NULL, NULL);   /* data pointer → WriteItem index */
  for (guint i = 0; i < items->len; i++)
    {
      WriteItem *w = &g_array_index (items, WriteItem, i);
      if (w->tensor->numel == 0)
        continue;
      gpointer idx;
      if (g_hash_table_lookup_extended (by_data, w->tensor->data, NULL, &idx))
        {
          WriteItem *c = &g_array_index (items, WriteItem, GPOINTER_TO_UINT (idx));
          if (c->tensor->dtype == w->tensor->dtype && ps_tensor_same_shape (c->tensor, w->tensor))
            w->alias_of = c->name;
        }
      else
        g_hash_table_insert (by_data, w->tensor->data, GUINT_TO_POINTER (i));
    }
  g_array_sort (items, write_item_cmp);

  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  json_builder_begin_object (b);
  gboolean has_aliases = FALSE;
  for (guint i = 0; i < items->len; i++)
    has_aliases |= g_array_index (items, WriteItem, i).alias_of != NULL;
  if (metadata != NULL || has_aliases)
    {
      g_autoptr (GHashTable) all = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *aliases_json = NULL;
      if (metadata != NULL)
        {
          GHashTableIter it;
          gpointer k, v;
          g_hash_table_iter_init (&it, metadata);
          while (g_hash_table_iter_next (&it, &k, &v))
            g_hash_table_insert (all, k, v);
        }
      if (has_aliases)
        {
          g_autoptr (GArray) by_name = g_array_copy (items);
          g_array_sort (by_name, write_item_cmp_name);
          g_autoptr (JsonBuilder) ab = json_builder_new_immutable ();
          json_builder_begin_object (ab);
          for (guint i = 0; i < by_name->len; i++)
            {
              WriteItem *w = &g_array_index (by_name, WriteItem, i);
              if (w->alias_of == NULL)
                continue;
              json_builder_set_member_name (ab, w->name);
              json_builder_add_string_value (ab, w->alias_of);
            }
          json_builder_end_object (ab);
          g_autoptr (JsonNode) an = json_builder_get_root (ab);
          aliases_json = json_to_string (an, FALSE);
          g_hash_table_insert (all, (gpointer) PS_SAFETENSORS_ALIASES_KEY, aliases_json);
        }
      guint nk;
      g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (all, &nk);
      qsort (keys, nk, sizeof (char *), str_ptr_cmp);
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; i < nk; i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_string_value (b, g_hash_table_lookup (all, keys[i]));
        }
      json_builder_end_object (b);
    }
  guint64 offset = 0;
  for (guint i = 0; i < items->len; i++)
    {
      WriteItem *w = &g_array_index (items, WriteItem, i);
      if (w->alias_of != NULL)
        continue;
      PsTensor *t = w->tensor;
      json_builder_set_member_name (b, w->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, t->dtype == PS_DTYPE_INT64 ? "I64" : "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < t->ndim; d++)
        json_builder_add_int_value (b, t->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      offset += ps_tensor_nbytes (t);   /* each < PS_TENSOR_MAX_BYTES: no overflow for n < 2^31 */
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  gsize hlen;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  g_autofree char *json = json_generator_to_data (gen, &hlen);
  /* Pad with spaces so the data section starts 8-byte aligned. */
  gsize padded = (hlen + 7) & ~(gsize) 7;
  if (padded > PS_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "the header would be %" G_GSIZE_FORMAT " bytes, more than the format's limit", padded);
      return FALSE;
    }
  g_autofree char *header = g_malloc (padded);
  memcpy (header, json, hlen);
  memset (header + hlen, ' ', padded - hlen);
  guint64 le = GUINT64_TO_LE ((guint64) padded);

  g_autoptr (PsAtomicFile) f = ps_atomic_file_new (path, error);
  if (f == NULL || !ps_atomic_file_write (f, &le, 8, error)
      || !ps_atomic_file_write (f, header, padded, error))
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      WriteItem *w = &g_array_index (items, WriteItem, i);
      if (w->alias_of == NULL && !write_tensor_data (f, w->tensor, error))
        return FALSE;
    }
  return ps_atomic_file_commit (f, error);
}
