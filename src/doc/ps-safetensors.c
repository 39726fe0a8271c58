/* ps-safetensors.c — see ps-safetensors.h for the layout and the rules enforced. */
#include "ps-safetensors.h"
#include "ps-atomic-file.h"
#include "ps-regular-file.h"
#include "ps-json-reader.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define MAX_JSON_DEPTH 32
#define MAX_INDEX_BYTES ((gsize) 100000000)

typedef struct {
  char *path;        /* NULL for memory */
  char *label;       /* for messages: the file's base name or "<memory>" */
  GMappedFile *map;  /* NULL for memory */
  int fd;            /* -1 for memory; tensors are read with pread */
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
  if (s->fd >= 0)
    close (s->fd);
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

/* Reads a non-negative JSON integer; *ok is FALSE (no error) when the value is some other JSON
 * value, which is skipped. */
static gboolean
read_uint (PsJsonReader *r, gint64 *v, gboolean *ok, GError **error)
{
  char c = ps_json_reader_peek (r);
  *ok = FALSE;
  if (c == '-' || (c >= '0' && c <= '9'))
    {
      gboolean is_int;
      if (!ps_json_reader_read_number (r, v, &is_int, error))
        return FALSE;
      *ok = is_int && *v >= 0;
      return TRUE;
    }
  return ps_json_reader_skip_value (r, error);
}

/* A JSON syntax error inside the header, prefixed with the file. */
static gboolean
syntax_error (const Shard *sh, GError *local, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: header is not valid JSON: %s", sh->label,
               local->message);
  g_error_free (local);
  return FALSE;
}

/* Skips a value that has the wrong type for the schema. A syntax error in it is reported as such
 * (returns FALSE with *error set); otherwise returns TRUE and the caller reports the schema rule. */
static gboolean
skip_wrong (const Shard *sh, PsJsonReader *r, GError **error)
{
  GError *local = NULL;
  if (!ps_json_reader_skip_value (r, &local))
    return syntax_error (sh, local, error);
  return TRUE;
}

/* Skips a tensor's value of the wrong type and says what is wrong ("dtype is not a string"). */
static gboolean
wrong_type (const Shard *sh, PsJsonReader *r, const char *name, const char *what, GError **error)
{
  if (!skip_wrong (sh, r, error))
    return FALSE;
  FAIL ("%s: tensor \"%s\": %s", sh->label, name, what);
}

static gboolean
parse_metadata (const Shard *sh, PsJsonReader *r, GHashTable *into, GError **error)
{
  if (ps_json_reader_peek (r) != '{')
    {
      if (!skip_wrong (sh, r, error))
        return FALSE;
      FAIL ("%s: __metadata__ is not a JSON object (it must map strings to strings)", sh->label);
    }
  GError *local = NULL;
  if (!ps_json_reader_begin_object (r, &local))
    return syntax_error (sh, local, error);
  for (;;)
    {
      gboolean done;
      g_autofree char *k = NULL;
      if (!ps_json_reader_next_member (r, &done, &k, &local))
        return syntax_error (sh, local, error);
      if (done)
        return TRUE;
      if (ps_json_reader_peek (r) != '"')
        {
          if (!skip_wrong (sh, r, error))
            return FALSE;
          FAIL ("%s: __metadata__ value of \"%s\" is not a string (metadata maps strings to strings)",
                sh->label, k);
        }
      char *v;
      if (!ps_json_reader_read_string (r, &v, &local))
        return syntax_error (sh, local, error);
      if (g_hash_table_contains (into, k))
        {
          g_free (v);
          FAIL ("%s: __metadata__: duplicate key \"%s\"", sh->label, k);
        }
      g_hash_table_insert (into, g_steal_pointer (&k), v);
    }
}

/* {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, keys in any order. */
static gboolean
parse_entry (const Shard *sh, guint shard_index, const char *name, PsJsonReader *r, Entry **out,
             GError **error)
{
  GError *local = NULL;
  if (ps_json_reader_peek (r) != '{')
    return wrong_type (sh, r, name, "entry is not a JSON object", error);
  if (!ps_json_reader_begin_object (r, &local))
    return syntax_error (sh, local, error);

  g_autofree char *dtype = NULL;
  gboolean have_shape = FALSE, have_offsets = FALSE;
  guint ndim = 0;
  int64_t shape[PS_MAX_DIMS] = { 0 };
  gint64 begin = 0, end = 0;
  for (;;)
    {
      gboolean done;
      g_autofree char *k = NULL;
      if (!ps_json_reader_next_member (r, &done, &k, &local))
        return syntax_error (sh, local, error);
      if (done)
        break;
      gboolean seen = strcmp (k, "dtype") == 0 ? dtype != NULL
                      : strcmp (k, "shape") == 0 ? have_shape
                      : strcmp (k, "data_offsets") == 0 ? have_offsets : FALSE;
      if (seen)
        FAIL ("%s: tensor \"%s\": duplicate key \"%s\"", sh->label, name, k);
      if (strcmp (k, "dtype") == 0)
        {
          if (ps_json_reader_peek (r) != '"')
            return wrong_type (sh, r, name, "dtype is not a string", error);
          if (!ps_json_reader_read_string (r, &dtype, &local))
            return syntax_error (sh, local, error);
        }
      else if (strcmp (k, "shape") == 0)
        {
          have_shape = TRUE;
          if (ps_json_reader_peek (r) != '[')
            return wrong_type (sh, r, name, "shape is not an array", error);
          if (!ps_json_reader_begin_array (r, &local))
            return syntax_error (sh, local, error);
          for (guint i = 0;; i++)
            {
              if (!ps_json_reader_next_element (r, &done, &local))
                return syntax_error (sh, local, error);
              if (done)
                break;
              if (i == PS_MAX_DIMS)
                FAIL ("%s: tensor \"%s\": more than %d dimensions; at most %d are supported", sh->label,
                      name, PS_MAX_DIMS, PS_MAX_DIMS);
              gboolean ok;
              gint64 d;
              if (!read_uint (r, &d, &ok, &local))
                return syntax_error (sh, local, error);
              if (!ok)
                FAIL ("%s: tensor \"%s\": shape element %u is not a non-negative integer", sh->label,
                      name, i);
              shape[i] = d;
              ndim = i + 1;
            }
        }
      else if (strcmp (k, "data_offsets") == 0)
        {
          have_offsets = TRUE;
          gboolean ok = ps_json_reader_peek (r) == '[';
          if (!ok && !skip_wrong (sh, r, error))
            return FALSE;
          if (ok && !ps_json_reader_begin_array (r, &local))
            return syntax_error (sh, local, error);
          gint64 v[2];
          for (guint i = 0; ok; i++)
            {
              if (!ps_json_reader_next_element (r, &done, &local))
                return syntax_error (sh, local, error);
              if (done)
                {
                  ok = i == 2;
                  break;
                }
              if (i == 2)
                {
                  ok = FALSE;
                  break;
                }
              gboolean is_uint;
              if (!read_uint (r, &v[i], &is_uint, &local))
                {
                  g_prefix_error (&local, "tensor \"%s\": data_offsets: ", name);
                  return syntax_error (sh, local, error);
                }
              if (!is_uint)
                FAIL ("%s: tensor \"%s\": data_offsets are not non-negative integers", sh->label, name);
            }
          if (!ok)
            FAIL ("%s: tensor \"%s\": data_offsets is not an array of two integers", sh->label, name);
          begin = v[0];
          end = v[1];
        }
      else
        FAIL ("%s: tensor \"%s\": unexpected key \"%s\" (an entry has exactly dtype, shape and "
              "data_offsets)", sh->label, name, k);
    }
  if (dtype == NULL || !have_shape || !have_offsets)
    FAIL ("%s: tensor \"%s\": missing \"%s\"", sh->label, name,
          dtype == NULL ? "dtype" : !have_shape ? "shape" : "data_offsets");

  PsRawDType raw;
  if (!ps_raw_dtype_from_safetensors (dtype, &raw))
    FAIL ("%s: tensor \"%s\": unknown dtype \"%s\"", sh->label, name, dtype);
  int64_t numel;
  if (!ps_shape_numel ((int) ndim, shape, &numel, &local))
    {
      g_prefix_error (&local, "%s: tensor \"%s\": ", sh->label, name);
      g_propagate_error (error, local);
      return FALSE;
    }
  gsize esize = ps_raw_dtype_size (raw);
  if ((guint64) numel > G_MAXUINT64 / esize)
    {
      g_autofree char *s = ps_shape_to_string ((int) ndim, shape);
      FAIL ("%s: tensor \"%s\": the byte size of shape %s overflows", sh->label, name, s);
    }
  guint64 nbytes = (guint64) numel * esize;
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
  e->dtype = g_steal_pointer (&dtype);
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
  PsJsonReader r;
  GError *local = NULL;
  if (!ps_json_reader_init (&r, text, (gsize) n, MAX_JSON_DEPTH, &local))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: header: %s", sh->label, local->message);
      g_error_free (local);
      return FALSE;
    }
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean have_meta = FALSE;
  if (!ps_json_reader_begin_object (&r, &local))
    return syntax_error (sh, local, error);
  for (;;)
    {
      gboolean done;
      g_autofree char *name = NULL;
      if (!ps_json_reader_next_member (&r, &done, &name, &local))
        return syntax_error (sh, local, error);
      if (done)
        break;
      if (strcmp (name, "__metadata__") == 0)
        {
          if (have_meta)
            FAIL ("%s: duplicate key \"__metadata__\" in the header", sh->label);
          have_meta = TRUE;
          if (!parse_metadata (sh, &r, meta, error))
            return FALSE;
          continue;
        }
      if (g_hash_table_contains (names, name))
        FAIL ("%s: duplicate key \"%s\" in the header (a tensor named twice)", sh->label, name);
      Entry *e = NULL;
      if (!parse_entry (sh, shard_index, name, &r, &e, error))
        return FALSE;
      g_ptr_array_add (found, e);
      g_hash_table_add (names, e->name);
    }
  if (!ps_json_reader_end (&r, &local))
    return syntax_error (sh, local, error);

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

/* Turns __metadata__["paramscope.aliases"] (a JSON object alias → stored name) into alias entries. */
static gboolean
add_aliases (PsSafetensors *st, const char *label, GError **error)
{
  const char *text = g_hash_table_lookup (st->metadata, PS_SAFETENSORS_ALIASES_KEY);
  if (text == NULL)
    return TRUE;
  g_autoptr (GError) local = NULL;
  PsJsonReader r;
  g_autoptr (GPtrArray) aliases = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  if (!ps_json_reader_init (&r, text, strlen (text), 1, &local)
      || !ps_json_reader_begin_object (&r, &local))
    FAIL ("%s: __metadata__[\"%s\"] is not a JSON object: %s", label, PS_SAFETENSORS_ALIASES_KEY,
          local->message);
  for (;;)
    {
      gboolean done;
      g_autofree char *alias = NULL;
      g_autofree char *target = NULL;
      if (!ps_json_reader_next_member (&r, &done, &alias, &local))
        FAIL ("%s: __metadata__[\"%s\"]: %s", label, PS_SAFETENSORS_ALIASES_KEY, local->message);
      if (done)
        break;
      if (!ps_json_reader_read_string (&r, &target, &local))
        FAIL ("%s: alias \"%s\": the stored name is not a string (%s)", label, alias, local->message);
      if (g_hash_table_contains (st->by_name, alias) || strcmp (alias, "__metadata__") == 0)
        FAIL ("%s: alias \"%s\" is also the name of a stored tensor", label, alias);
      if (g_hash_table_contains (seen, alias))
        FAIL ("%s: alias \"%s\" is given twice", label, alias);
      Entry *t = g_hash_table_lookup (st->by_name, target);
      if (t == NULL)
        FAIL ("%s: alias \"%s\" refers to \"%s\", which is not a stored tensor", label, alias, target);
      Entry *e = g_new0 (Entry, 1);
      e->info = t->info;
      e->name = g_steal_pointer (&alias);
      e->dtype = g_strdup (t->dtype);
      e->alias_of = g_strdup (t->name);
      e->info.name = e->name;
      e->info.dtype = e->dtype;
      e->info.alias_of = e->alias_of;
      g_ptr_array_add (aliases, e);
      g_hash_table_add (seen, e->name);
    }
  if (!ps_json_reader_end (&r, &local))
    FAIL ("%s: __metadata__[\"%s\"]: %s", label, PS_SAFETENSORS_ALIASES_KEY, local->message);
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

/* A pinned open (sum != NULL) reads each file into memory once and hashes those bytes, so what is
 * parsed is what was hashed; otherwise a shard is mapped and its tensors read with pread. */
static Shard *
shard_map (const char *path, GChecksum *sum, GError **error)
{
  if (sum != NULL)
    {
      GBytes *b = ps_regular_file_read (path, G_MAXINT64, error);
      if (b == NULL)
        return NULL;
      gsize len;
      const guchar *d = g_bytes_get_data (b, &len);
      g_checksum_update (sum, d, (gssize) len);
      Shard *sh = g_new0 (Shard, 1);
      sh->path = g_strdup (path);
      sh->label = g_path_get_basename (path);
      sh->fd = -1;
      sh->bytes = b;
      return sh;
    }
  g_autoptr (GError) local = NULL;
  int fd = ps_regular_file_open (path, error);   /* a FIFO or /dev/zero is refused, not read */
  if (fd < 0)
    return NULL;
  GMappedFile *map = g_mapped_file_new_from_fd (fd, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, local->message);
      close (fd);
      return NULL;
    }
  Shard *sh = g_new0 (Shard, 1);
  sh->path = g_strdup (path);
  sh->label = g_path_get_basename (path);
  sh->map = map;
  sh->fd = fd;   /* g_mapped_file_new_from_fd leaves the descriptor to us */
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
  sh->fd = -1;
  sh->bytes = g_bytes_ref (bytes);
  g_ptr_array_add (st->shards, sh);
  if (!parse_shard (sh, 0, st->entries, st->metadata, error) || !index_names (st, 0, error)
      || !add_aliases (st, sh->label, error))
    return NULL;
  return g_steal_pointer (&st);
}

static PsSafetensors *
open_single (const char *path, GChecksum *sum, GError **error)
{
  g_autoptr (PsSafetensors) st = safetensors_new ();
  Shard *sh = shard_map (path, sum, error);
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
#define INDEX_FAIL(...) G_STMT_START { \
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, __VA_ARGS__); \
    return NULL; \
  } G_STMT_END

static PsSafetensors *
open_index (const char *path, GChecksum *sum, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *label = g_path_get_basename (path);
  g_autoptr (GBytes) bytes = NULL;
  if (sum != NULL)
    bytes = ps_regular_file_read (path, MAX_INDEX_BYTES, error);
  else
    {
      g_autoptr (GMappedFile) map = ps_regular_file_map (path, error);
      bytes = map ? g_mapped_file_get_bytes (map) : NULL;
    }
  if (bytes == NULL)
    return NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);
  if (sum != NULL)
    g_checksum_update (sum, (const guchar *) text, (gssize) len);
  if (len > MAX_INDEX_BYTES)
    INDEX_FAIL ("%s: %" G_GSIZE_FORMAT " bytes, more than the limit of %" G_GSIZE_FORMAT, label, len,
                MAX_INDEX_BYTES);

  g_autoptr (PsSafetensors) st = safetensors_new ();
  g_autoptr (GHashTable) weight_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();   /* borrowed from weight_map, in file order */
  g_autoptr (GHashTable) file_set = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) meta_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean have_map = FALSE, have_meta = FALSE;
  PsJsonReader r;
  if (len == 0 || !ps_json_reader_init (&r, text, len, MAX_JSON_DEPTH, &local))
    INDEX_FAIL ("%s: not valid JSON: %s", label, local ? local->message : "empty file");
  if (ps_json_reader_peek (&r) != '{')
    INDEX_FAIL ("%s: not a JSON object with a \"weight_map\"", label);
  if (!ps_json_reader_begin_object (&r, &local))
    INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
  for (;;)
    {
      gboolean done;
      g_autofree char *key = NULL;
      if (!ps_json_reader_next_member (&r, &done, &key, &local))
        INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
      if (done)
        break;
      gboolean is_map = strcmp (key, "weight_map") == 0, is_meta = strcmp (key, "metadata") == 0;
      if ((is_map && have_map) || (is_meta && have_meta))
        INDEX_FAIL ("%s: duplicate key \"%s\"", label, key);
      if ((!is_map && !is_meta) || ps_json_reader_peek (&r) != '{')
        {
          /* Other keys, and a metadata that is not an object, are ignored. */
          if (!ps_json_reader_skip_value (&r, &local))
            INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
          if (is_map)
            INDEX_FAIL ("%s: \"weight_map\" is not an object", label);
          continue;
        }
      have_map |= is_map;
      have_meta |= is_meta;
      if (!ps_json_reader_begin_object (&r, &local))
        INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
      for (;;)
        {
          g_autofree char *k = NULL;
          if (!ps_json_reader_next_member (&r, &done, &k, &local))
            INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
          if (done)
            break;
          if (is_meta)
            {
              /* The index's metadata holds numbers too (total_size); keep its strings. */
              char *v = NULL;
              if (!g_hash_table_add (meta_keys, g_strdup (k)))
                INDEX_FAIL ("%s: duplicate key \"%s\" in \"metadata\"", label, k);
              if (ps_json_reader_peek (&r) == '"' ? !ps_json_reader_read_string (&r, &v, &local)
                                                  : !ps_json_reader_skip_value (&r, &local))
                INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
              if (v != NULL)
                g_hash_table_insert (st->metadata, g_steal_pointer (&k), v);
              continue;
            }
          if (g_hash_table_contains (weight_map, k))
            INDEX_FAIL ("%s: duplicate key \"%s\" in \"weight_map\"", label, k);
          g_autofree char *f = NULL;
          if (ps_json_reader_peek (&r) != '"')
            INDEX_FAIL ("%s: tensor \"%s\": shard is not a string", label, k);
          if (!ps_json_reader_read_string (&r, &f, &local))
            INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
          if (!shard_name_is_safe (f))
            INDEX_FAIL ("%s: tensor \"%s\": shard \"%s\" is not a file name in the index's directory",
                        label, k, f);
          char *file = g_steal_pointer (&f);
          g_ptr_array_add (names, k);
          g_hash_table_insert (weight_map, g_steal_pointer (&k), file);
          g_hash_table_add (file_set, file);
        }
    }
  if (!ps_json_reader_end (&r, &local))
    INDEX_FAIL ("%s: not valid JSON: %s", label, local->message);
  if (!have_map)
    INDEX_FAIL ("%s: no \"weight_map\" object", label);

  guint n_files;
  g_autofree const char **files = (const char **) g_hash_table_get_keys_as_array (file_set, &n_files);
  qsort (files, n_files, sizeof (char *), str_ptr_cmp);
  g_autofree char *dir = g_path_get_dirname (path);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *p = g_build_filename (dir, files[i], NULL);
      Shard *sh = shard_map (p, sum, error);
      if (sh == NULL)
        return NULL;
      g_ptr_array_add (st->shards, sh);
      guint first = st->entries->len;
      if (!parse_shard (sh, i, st->entries, st->metadata, error) || !index_names (st, first, error))
        return NULL;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      const char *f = g_hash_table_lookup (weight_map, name);
      Entry *e = g_hash_table_lookup (st->by_name, name);
      Shard *sh = e ? st->shards->pdata[e->info.shard] : NULL;
      if (e == NULL || strcmp (sh->label, f) != 0)
        INDEX_FAIL ("%s: tensor \"%s\" is not in its shard %s", label, name, f);
    }
  for (guint i = 0; i < st->entries->len; i++)
    {
      Entry *e = st->entries->pdata[i];
      if (!g_hash_table_contains (weight_map, e->name))
        {
          Shard *sh = st->shards->pdata[e->info.shard];
          INDEX_FAIL ("%s: tensor \"%s\" of shard %s is not in the weight map", label, e->name, sh->label);
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
    return open_index (path, NULL, error);
  return open_single (path, NULL, error);
}

PsSafetensors *
ps_safetensors_open_hashed (const char *path, char **sha256, GError **error)
{
  g_return_val_if_fail (path != NULL && sha256 != NULL, NULL);
  *sha256 = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  PsSafetensors *st = g_str_has_suffix (path, ".index.json") ? open_index (path, sum, error)
                                                              : open_single (path, sum, error);
  if (st != NULL)
    *sha256 = g_strdup (g_checksum_get_string (sum));
  return st;
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

/* pread until `len` bytes or the end of the file. */
static gboolean
pread_full (int fd, guint8 *buf, gsize len, guint64 offset, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pread (fd, buf, MIN (len, (gsize) 1 << 30), (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s",
                       n < 0 ? g_strerror (errno) : "the file is shorter than when it was opened");
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

#define DECODE_CHUNK ((gsize) 1 << 20)

/* Files are read with pread rather than through the mapping: faster than faulting the pages in
 * one by one, and a file truncated since it was opened gives an error instead of SIGBUS. Data
 * already in memory (ps_safetensors_new_from_bytes) is decoded in place. Either way the values
 * land in new 64-byte-aligned storage; the file's bytes are never accessed as typed values. */
static gboolean
decode_into (Shard *sh, const PsSafetensorsInfo *info, PsTensor *t, GError **error)
{
  if (sh->fd < 0)
    {
      const guint8 *base = g_bytes_get_data (sh->bytes, NULL);
      return ps_raw_decode (info->raw_dtype, FALSE, base + info->offset, (gsize) info->numel, t->data,
                            error);
    }
  gsize esize = ps_raw_dtype_size (info->raw_dtype);
  gboolean direct = G_BYTE_ORDER == G_LITTLE_ENDIAN
                    && (info->raw_dtype == PS_RAW_F32 || info->raw_dtype == PS_RAW_I64);
  if (direct)
    return pread_full (sh->fd, t->data, (gsize) info->nbytes, info->offset, error);
  gsize per_chunk = DECODE_CHUNK / esize;
  g_autofree guint8 *buf = g_malloc (MIN ((gsize) info->nbytes, per_chunk * esize) + 1);
  gsize tsize = ps_dtype_size (t->dtype);
  for (gsize done = 0; done < (gsize) info->numel;)
    {
      gsize n = MIN (per_chunk, (gsize) info->numel - done);
      if (!pread_full (sh->fd, buf, n * esize, info->offset + (guint64) done * esize, error)
          || !ps_raw_decode (info->raw_dtype, FALSE, buf, n, (guint8 *) t->data + done * tsize, error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static PsTensor *
decode (PsSafetensors *st, const PsSafetensorsInfo *info, GError **error)
{
  Shard *sh = st->shards->pdata[info->shard];
  g_autoptr (GError) local = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_empty (info->target_dtype, info->ndim, info->shape, &local);
  if (t == NULL || !decode_into (sh, info, t, &local))
    {
      g_set_error (error, PS_ERROR, local->code, "%s: tensor \"%s\": %s", sh->label, info->name,
                   local->message);
      return NULL;
    }
  return g_steal_pointer (&t);
}

const float *
ps_safetensors_map_f32 (PsSafetensors *st, const char *name, int64_t *numel, GError **error)
{
  const PsSafetensorsInfo *info = ps_safetensors_lookup (st, name);
  if (info == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor named \"%s\"", name);
      return NULL;
    }
  Shard *sh = st->shards->pdata[info->shard];
  if (sh->map == NULL || info->raw_dtype != PS_RAW_F32 || G_BYTE_ORDER != G_LITTLE_ENDIAN || info->numel == 0
      || info->offset % 4 != 0)
    return NULL;   /* read it instead */
  gsize len = 0;
  const guint8 *base = g_bytes_get_data (sh->bytes, &len);
  if (info->offset > len || info->nbytes > len - info->offset)
    return NULL;
  *numel = info->numel;
  return (const float *) (const void *) (base + info->offset);
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
