/* ps-torch-file.c — see ps-torch-file.h. */
#include "ps-torch-file.h"
#include "ps-zip-archive.h"
#include "ps-regular-file.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PICKLE_BYTES ((guint64) 1 << 30)
#define MAX_INDEX_BYTES  ((gsize) 64 << 20)
#define MAX_SHARDS       10000

static const guint8 legacy_magic[15] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a,
                                         0xa8, 0x50, 0x19, 0x2e };

/* One opened torch.save file. */
typedef struct {
  char *label;                /* base name, for errors */
  int fd;                     /* legacy: storage bytes are read with pread */
  PsZipArchive *zip;
  char *prefix;               /* zip: "P/" */
  gboolean big_endian;
  PsPickle *pickle;
  GHashTable *legacy_offsets; /* legacy: storage key → guint64* absolute data offset */
} Shard;

/* Where a storage's bytes are. */
typedef struct {
  Shard *shard;
  const PsZipEntry *record;   /* zip */
  guint64 offset;             /* legacy */
} StorageLoc;

typedef struct {
  PsTorchTensorInfo info;
  PsPickleValue *tensor;
} Entry;

struct _PsTorchFile {
  PsTorchFileFormat format;
  PsTorchOpenFlags flags;
  GPtrArray *shards;          /* Shard* */
  GPtrArray *entries;         /* Entry* */
  GHashTable *by_name;        /* name → Entry* */
  GStringChunk *strings;
  GHashTable *metadata;       /* key → repr (strings in `strings`) */
  GHashTable *locs;           /* PsPickleValue* storage → StorageLoc* */
  GPtrArray *unknown;         /* char*, NULL-terminated */
  char *state_dict_prefix;
};

static void
shard_free (Shard *s)
{
  g_free (s->label);
  if (s->fd >= 0)
    close (s->fd);
  ps_zip_archive_free (s->zip);
  g_free (s->prefix);
  ps_pickle_free (s->pickle);
  if (s->legacy_offsets)
    g_hash_table_unref (s->legacy_offsets);
  g_free (s);
}

void
ps_torch_file_free (PsTorchFile *tf)
{
  if (tf == NULL)
    return;
  g_clear_pointer (&tf->entries, g_ptr_array_unref);
  g_clear_pointer (&tf->by_name, g_hash_table_unref);
  g_clear_pointer (&tf->metadata, g_hash_table_unref);
  g_clear_pointer (&tf->locs, g_hash_table_unref);
  g_clear_pointer (&tf->shards, g_ptr_array_unref);
  g_clear_pointer (&tf->strings, g_string_chunk_free);
  g_clear_pointer (&tf->unknown, g_ptr_array_unref);
  g_free (tf->state_dict_prefix);
  g_free (tf);
}

gboolean
ps_torch_file_sniff (const guint8 *head, gsize n)
{
  return (n >= 4 && memcmp (head, "PK\x03\x04", 4) == 0) || (n >= sizeof legacy_magic
                                                              && memcmp (head, legacy_magic, sizeof legacy_magic) == 0);
}

static gboolean
parse_error (GError **error, const char *label, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
parse_error (GError **error, const char *label, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: %s", label, msg);
  return FALSE;
}

/* ---- zip format ---------------------------------------------------------------------------- */

static gboolean
open_zip (Shard *sh, int fd, PsPickleFlags pflags, GError **error)
{
  if ((sh->zip = ps_zip_archive_open_fd (fd, sh->label, error)) == NULL)
    return FALSE;
  PsZipArchive *z = sh->zip;
  guint n = ps_zip_archive_get_n_entries (z);
  if (n == 0)
    return parse_error (error, sh->label, "empty zip archive (no records)");
  const char *first = ps_zip_archive_get_entry (z, 0)->name;
  const char *slash = strchr (first, '/');
  if (slash == NULL || slash == first)
    return parse_error (error, sh->label, "record \"%s\" is not in a folder (torch.save puts every record in "
                        "one top folder)", first);
  sh->prefix = g_strndup (first, (gsize) (slash - first) + 1);
  for (guint i = 0; i < n; i++)
    {
      const char *name = ps_zip_archive_get_entry (z, i)->name;
      if (!g_str_has_prefix (name, sh->prefix))
        return parse_error (error, sh->label, "record \"%s\" is outside the archive's folder %s", name, sh->prefix);
    }
  g_autofree char *pkl_name = g_strconcat (sh->prefix, "data.pkl", NULL);
  g_autofree char *ver_name = g_strconcat (sh->prefix, "version", NULL);
  g_autofree char *const_name = g_strconcat (sh->prefix, "constants.pkl", NULL);
  g_autofree char *order_name = g_strconcat (sh->prefix, "byteorder", NULL);
  if (ps_zip_archive_lookup (z, const_name) != NULL)
    return parse_error (error, sh->label, "a TorchScript archive (torch.jit.save; it has constants.pkl and code/), "
                        "not a torch.save checkpoint: it is loaded by torch.jit.load, which runs its code. "
                        "Save the weights with torch.save(model.state_dict(), …) to open them here");
  const PsZipEntry *pkl = ps_zip_archive_lookup (z, pkl_name);
  const PsZipEntry *ver = ps_zip_archive_lookup (z, ver_name);
  if (pkl == NULL && ver != NULL && n == 1)
    return parse_error (error, sh->label, "the archive holds only its version record and no data.pkl: torch.save "
                        "did not finish writing it (interrupted, or still being written)");
  if (pkl == NULL)
    return parse_error (error, sh->label, "no %s record (not a torch.save archive)", pkl_name);
  if (ver == NULL)
    return parse_error (error, sh->label, "no %s record (not a torch.save archive)", ver_name);
  g_autofree guint8 *vbytes = ps_zip_archive_read_all (z, ver, 64, error);
  if (vbytes == NULL)
    return FALSE;
  gsize vlen = (gsize) ver->size;
  if (vlen > 0 && vbytes[vlen - 1] == '\n')
    vlen--;
  guint64 version = 0;
  gboolean digits = vlen > 0 && vlen <= 4;
  for (gsize k = 0; k < vlen && digits; k++)
    {
      digits = g_ascii_isdigit (vbytes[k]);
      version = version * 10 + (guint64) (vbytes[k] - '0');
    }
  if (!digits || version < 1 || version > 10)
    return parse_error (error, sh->label, "unsupported serialization version record (torch reads 1 to 10)");
  const PsZipEntry *order = ps_zip_archive_lookup (z, order_name);
  if (order != NULL)
    {
      g_autofree guint8 *ob = ps_zip_archive_read_all (z, order, 16, error);
      if (ob == NULL)
        return FALSE;
      if (order->size == 3 && memcmp (ob, "big", 3) == 0)
        sh->big_endian = TRUE;
      else if (!(order->size == 6 && memcmp (ob, "little", 6) == 0))
        return parse_error (error, sh->label, "byteorder record is neither \"little\" nor \"big\"");
    }
  g_autofree guint8 *data = ps_zip_archive_read_all (z, pkl, MAX_PICKLE_BYTES, error);
  if (data == NULL)
    return FALSE;
  g_autofree char *plabel = g_strdup_printf ("%s: data.pkl", sh->label);
  if ((sh->pickle = ps_pickle_parse (data, (gsize) pkl->size, pflags, plabel, NULL, error)) == NULL)
    return FALSE;
  return TRUE;
}

/* ---- legacy format --------------------------------------------------------------------------- */

static gboolean
open_legacy (Shard *sh, PsPickleFlags pflags, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) map = g_mapped_file_new_from_fd (sh->fd, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot map %s: %s", sh->label, local->message);
      return FALSE;
    }
  const guint8 *d = (const guint8 *) g_mapped_file_get_contents (map);
  gsize len = g_mapped_file_get_length (map), pos = 0, used = 0;
  if (len < sizeof legacy_magic || memcmp (d, legacy_magic, sizeof legacy_magic) != 0)
    return parse_error (error, sh->label, "not a legacy torch file (bad magic number)");
  pos = sizeof legacy_magic;
  PsPickleFlags f = pflags | PS_PICKLE_LEGACY | PS_PICKLE_PREFIX;
  g_autofree char *l2 = g_strdup_printf ("%s: protocol-version pickle", sh->label);
  g_autoptr (PsPickle) p2 = ps_pickle_parse (d + pos, len - pos, f & ~PS_PICKLE_OPEN_ANYWAY, l2, &used, error);
  if (p2 == NULL)
    return FALSE;
  PsPickleValue *pv = ps_pickle_get_root (p2);
  if (pv->kind != PS_PV_INT || pv->i != 1001)
    return parse_error (error, sh->label, "legacy protocol version is not 1001");
  pos += used;
  g_autofree char *l3 = g_strdup_printf ("%s: sys_info pickle", sh->label);
  g_autoptr (PsPickle) p3 = ps_pickle_parse (d + pos, len - pos, f & ~PS_PICKLE_OPEN_ANYWAY, l3, &used, error);
  if (p3 == NULL)
    return FALSE;
  if (ps_pickle_get_root (p3)->kind != PS_PV_DICT)
    return parse_error (error, sh->label, "legacy sys_info is not a dict");
  PsPickleValue *little = ps_pickle_dict_get (ps_pickle_get_root (p3), "little_endian");
  pos += used;
  g_autofree char *l4 = g_strdup_printf ("%s: object pickle", sh->label);
  if ((sh->pickle = ps_pickle_parse (d + pos, len - pos, f, l4, &used, error)) == NULL)
    return FALSE;
  pos += used;
  g_autofree char *l5 = g_strdup_printf ("%s: storage-key pickle", sh->label);
  g_autoptr (PsPickle) p5 = ps_pickle_parse (d + pos, len - pos, f & ~PS_PICKLE_OPEN_ANYWAY, l5, &used, error);
  if (p5 == NULL)
    return FALSE;
  pos += used;
  (void) little;   /* torch ignores it; the raw data is always little-endian */
  PsPickleValue *keys = ps_pickle_get_root (p5);
  if (keys->kind != PS_PV_LIST)
    return parse_error (error, sh->label, "legacy storage-key list is not a list");
  sh->legacy_offsets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint k = 0; k < keys->items->len; k++)
    {
      PsPickleValue *key = keys->items->pdata[k];
      if (key->kind != PS_PV_STR)
        return parse_error (error, sh->label, "legacy storage key %u is not a string", k);
      if (g_hash_table_contains (sh->legacy_offsets, key->str))
        return parse_error (error, sh->label, "legacy storage key '%s' listed twice", key->str);
      PsPickleValue *s = NULL;
      for (guint j = 0; j < ps_pickle_get_n_storages (sh->pickle); j++)
        if (strcmp (ps_pickle_get_storage (sh->pickle, j)->key, key->str) == 0)
          s = ps_pickle_get_storage (sh->pickle, j);
      if (s == NULL)
        return parse_error (error, sh->label, "legacy storage key '%s' is listed but no tensor uses it", key->str);
      if (len - pos < 8)
        return parse_error (error, sh->label, "storage '%s': the file ends before its header (truncated)", key->str);
      guint64 hraw;
      memcpy (&hraw, d + pos, 8);
      int64_t hn = (int64_t) GUINT64_FROM_LE (hraw);
      pos += 8;
      if (hn != s->numel)
        return parse_error (error, sh->label, "storage '%s': the header says %" G_GINT64_FORMAT " elements, the pickle %"
                            G_GINT64_FORMAT, key->str, hn, s->numel);
      guint64 nbytes = (guint64) s->numel * ps_torch_storage_itemsize (s->stype);
      if (nbytes > len - pos)
        return parse_error (error, sh->label, "storage '%s': %" G_GUINT64_FORMAT " bytes but the file ends after %"
                            G_GSIZE_FORMAT " (truncated)", key->str, nbytes, len - pos);
      guint64 *off = g_new (guint64, 1);
      *off = pos;
      g_hash_table_insert (sh->legacy_offsets, g_strdup (key->str), off);
      pos += (gsize) nbytes;
    }
  for (guint j = 0; j < ps_pickle_get_n_storages (sh->pickle); j++)
    if (!g_hash_table_contains (sh->legacy_offsets, ps_pickle_get_storage (sh->pickle, j)->key))
      return parse_error (error, sh->label, "storage '%s' is used but missing from the storage-key list (torch would "
                          "hand back uninitialised memory)", ps_pickle_get_storage (sh->pickle, j)->key);
  if (pos != len)
    return parse_error (error, sh->label, "%" G_GSIZE_FORMAT " bytes after the last storage", len - pos);
  return TRUE;
}

/* ---- the object tree ----------------------------------------------------------------------- */

typedef struct {
  PsTorchFile *tf;
  Shard *shard;
  guint shard_index;
  GHashTable *visited;         /* PsPickleValue* → first name (containers: "" ) */
  GHashTable *geometry;        /* "storage-ptr offset size stride" → first name */
  GError **error;
} Walk;

static char *
scalar_repr (PsPickleValue *v)
{
  switch (v->kind)
    {
    case PS_PV_NONE: return g_strdup ("None");
    case PS_PV_BOOL: return g_strdup (v->b ? "True" : "False");
    case PS_PV_INT: return g_strdup_printf ("%" G_GINT64_FORMAT, v->i);
    case PS_PV_BIGINT: return g_strdup_printf ("(%" G_GSIZE_FORMAT "-byte integer)", v->len);
    case PS_PV_FLOAT:
      {
        if (isnan (v->f))
          return g_strdup ("nan");
        if (isinf (v->f))
          return g_strdup (v->f > 0 ? "inf" : "-inf");
        /* Python's repr: the shortest form that reads back, with ".0" for integral values */
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        for (int prec = 1; prec <= 17; prec++)
          {
            g_ascii_formatd (buf, sizeof buf, prec == 17 ? "%.17g" : (char[]) { '%', '.', (char) ('0' + prec / 10), (char) ('0' + prec % 10), 'g', 0 }, v->f);
            if (g_ascii_strtod (buf, NULL) == v->f)
              break;
          }
        if (strpbrk (buf, ".en") == NULL)
          return g_strconcat (buf, ".0", NULL);
        return g_strdup (buf);
      }
    case PS_PV_STR:
      {
        g_autofree char *esc = g_strescape (v->str, NULL);
        if (strlen (esc) > 200)
          esc[200] = 0;
        return g_strdup_printf ("'%s'", esc);
      }
    case PS_PV_BYTES: return g_strdup_printf ("(%" G_GSIZE_FORMAT " bytes)", v->len);
    case PS_PV_GLOBAL: return g_strdup_printf ("%s.%s", v->module, v->name);
    case PS_PV_OBJECT:
      if (strcmp (v->module, "torch") == 0 && strcmp (v->name, "device") == 0)
        return g_strdup_printf ("device(%s)", ((PsPickleValue *) v->args->items->pdata[0])->str);
      return g_strdup_printf ("<%s.%s>", v->module, v->name);
    default: return NULL;
    }
}

static gboolean
is_scalar (PsPickleValue *v)
{
  return v->kind <= PS_PV_BYTES || v->kind == PS_PV_GLOBAL
         || (v->kind == PS_PV_OBJECT && strcmp (v->module, "torch") == 0);
}

static char *
child_path (const char *path, const char *key)
{
  return *path ? g_strconcat (path, ".", key, NULL) : g_strdup (key);
}

/* A dict key as a path component: str as is, others as Python would print them (tuples too;
 * hashable keys nest at most 8 deep, ps-pickle.c). */
static char *
key_string (PsPickleValue *k)
{
  if (k->kind == PS_PV_STR)
    return g_strdup (k->str);
  if (k->kind == PS_PV_TUPLE)
    {
      GString *s = g_string_new ("(");
      for (guint i = 0; i < k->items->len; i++)
        {
          PsPickleValue *x = k->items->pdata[i];
          g_autofree char *r = x->kind == PS_PV_TUPLE ? key_string (x) : scalar_repr (x);
          g_string_append_printf (s, "%s%s", i ? ", " : "", r ? r : "?");
        }
      g_string_append (s, k->items->len == 1 ? ",)" : ")");
      return g_string_free (s, FALSE);
    }
  char *r = scalar_repr (k);
  return r ? r : g_strdup ("?");
}

static gboolean walk (Walk *w, PsPickleValue *v, const char *path, int depth);

static gboolean
add_tensor (Walk *w, PsPickleValue *t, const char *path)
{
  PsTorchFile *tf = w->tf;
  const char *name = *path ? path : "tensor";
  if (g_hash_table_contains (tf->by_name, name))
    return parse_error (w->error, w->shard->label, "two tensors named \"%s\" (a dict key repeated)", name);
  if (t->ndim > PS_MAX_DIMS)
    return parse_error (w->error, w->shard->label, "tensor \"%s\" has %d dimensions (at most %d are shown)", name,
                        t->ndim, PS_MAX_DIMS);
  Entry *e = g_new0 (Entry, 1);
  e->tensor = t;
  PsTorchTensorInfo *i = &e->info;
  i->name = g_string_chunk_insert (tf->strings, name);
  PsPickleValue *s = t->storage;
  i->stype = s->stype;
  i->dtype = ps_torch_storage_dtype_name (s->stype);
  PsRawDType raw;
  i->target_dtype = ps_torch_storage_raw_dtype (s->stype, &raw) ? ps_raw_dtype_target (raw) : PS_DTYPE_FLOAT32;
  i->ndim = t->ndim;
  i->numel = 1;
  gboolean contiguous = TRUE;
  int64_t expect = 1;
  for (int k = t->ndim - 1; k >= 0; k--)
    {
      i->shape[k] = t->size[k];
      i->stride[k] = t->stride[k];
      i->numel *= t->size[k];     /* checked by the unpickler */
      if (t->size[k] != 1 && t->stride[k] != expect)
        contiguous = FALSE;
      expect *= t->size[k];
    }
  i->offset = t->offset;
  i->storage_key = s->key;
  i->storage_numel = s->numel;
  i->shard = w->shard_index;
  i->is_parameter = t->is_parameter;
  i->requires_grad = t->requires_grad;
  i->is_view = !contiguous || t->offset != 0 || i->numel != s->numel;

  const char *first = g_hash_table_lookup (w->visited, t);
  if (first == NULL)
    {
      GString *g = g_string_new (NULL);
      g_string_printf (g, "%p %" G_GINT64_FORMAT, (void *) s, t->offset);
      for (int k = 0; k < t->ndim; k++)
        g_string_append_printf (g, " %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, t->size[k], t->stride[k]);
      first = g_hash_table_lookup (w->geometry, g->str);
      if (first == NULL)
        g_hash_table_insert (w->geometry, g_string_free (g, FALSE), (gpointer) i->name);
      else
        g_string_free (g, TRUE);
      g_hash_table_insert (w->visited, t, (gpointer) i->name);
    }
  i->alias_of = first;
  g_ptr_array_add (tf->entries, e);
  g_hash_table_insert (tf->by_name, (gpointer) i->name, e);
  return TRUE;
}

static void
add_metadata (PsTorchFile *tf, const char *path, const char *value)
{
  const char *k = g_string_chunk_insert (tf->strings, *path ? path : "value");
  g_hash_table_insert (tf->metadata, (gpointer) k, g_string_chunk_insert (tf->strings, value));
}

/* A list or tuple of scalars as one metadata value ("[0, 1, 2]"), or FALSE. */
static gboolean
scalar_list (PsTorchFile *tf, PsPickleValue *v, const char *path)
{
  if (v->items->len > 64)
    return FALSE;
  for (guint k = 0; k < v->items->len; k++)
    {
      PsPickleValue *x = v->items->pdata[k];
      if (!is_scalar (x) || x->kind == PS_PV_GLOBAL)
        return FALSE;
    }
  GString *s = g_string_new (v->kind == PS_PV_TUPLE ? "(" : v->kind == PS_PV_SET ? "{" : "[");
  for (guint k = 0; k < v->items->len; k++)
    {
      g_autofree char *r = scalar_repr (v->items->pdata[k]);
      g_string_append_printf (s, "%s%s", k ? ", " : "", r);
    }
  if (v->kind == PS_PV_TUPLE && v->items->len == 1)
    g_string_append_c (s, ',');
  g_string_append (s, v->kind == PS_PV_TUPLE ? ")" : v->kind == PS_PV_SET ? "}" : "]");
  add_metadata (tf, path, s->str);
  g_string_free (s, TRUE);
  return TRUE;
}

/* A whole nn.Module (open anyway): state_dict names from _parameters, _buffers (persistent ones)
 * and _modules. */
static gboolean
walk_module (Walk *w, PsPickleValue *obj, const char *path, int depth)
{
  PsPickleValue *st = obj->attrs;
  PsPickleValue *params = ps_pickle_dict_get (st, "_parameters");
  PsPickleValue *buffers = ps_pickle_dict_get (st, "_buffers");
  PsPickleValue *nonpersist = ps_pickle_dict_get (st, "_non_persistent_buffers_set");
  PsPickleValue *modules = ps_pickle_dict_get (st, "_modules");
  PsPickleValue *groups[3] = { params, buffers, modules };
  for (int g = 0; g < 3; g++)
    {
      PsPickleValue *d = groups[g];
      if (d == NULL || d->kind != PS_PV_DICT)
        continue;
      for (guint k = 0; k + 1 < d->items->len; k += 2)
        {
          PsPickleValue *key = d->items->pdata[k], *val = d->items->pdata[k + 1];
          if (key->kind != PS_PV_STR || val->kind == PS_PV_NONE)
            continue;
          if (g == 1 && nonpersist && nonpersist->kind == PS_PV_SET)
            {
              gboolean skip = FALSE;
              for (guint j = 0; j < nonpersist->items->len; j++)
                {
                  PsPickleValue *x = nonpersist->items->pdata[j];
                  skip |= x->kind == PS_PV_STR && strcmp (x->str, key->str) == 0;
                }
              if (skip)
                continue;
            }
          g_autofree char *p = child_path (path, key->str);
          if (!walk (w, val, p, depth + 1))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
walk (Walk *w, PsPickleValue *v, const char *path, int depth)
{
  if (depth > PS_PICKLE_MAX_DEPTH)
    return parse_error (w->error, w->shard->label, "containers nested deeper than %d (at \"%s\")",
                        PS_PICKLE_MAX_DEPTH, path);
  if (v->kind == PS_PV_TENSOR)
    return add_tensor (w, v, path);
  if (v->kind == PS_PV_STORAGE)
    {
      add_metadata (w->tf, path, ps_torch_storage_class_name (v->stype));
      return TRUE;
    }
  if (is_scalar (v))
    {
      g_autofree char *r = scalar_repr (v);
      add_metadata (w->tf, path, r);
      return TRUE;
    }
  /* containers: each visited once (memo DAGs are not expanded, cycles end) */
  if (g_hash_table_contains (w->visited, v))
    return TRUE;
  g_hash_table_insert (w->visited, v, (gpointer) "");
  switch (v->kind)
    {
    case PS_PV_DICT:
      for (guint k = 0; k + 1 < v->items->len; k += 2)
        {
          g_autofree char *ks = key_string (v->items->pdata[k]);
          g_autofree char *p = child_path (path, ks);
          if (!walk (w, v->items->pdata[k + 1], p, depth + 1))
            return FALSE;
        }
      return TRUE;
    case PS_PV_LIST:
    case PS_PV_TUPLE:
    case PS_PV_SET:
      if (scalar_list (w->tf, v, path))
        return TRUE;
      for (guint k = 0; k < v->items->len; k++)
        {
          g_autofree char *ks = g_strdup_printf ("%u", k);
          g_autofree char *p = child_path (path, ks);
          if (!walk (w, v->items->pdata[k], p, depth + 1))
            return FALSE;
        }
      return TRUE;
    case PS_PV_OBJECT:
      if (v->attrs != NULL && v->attrs->kind == PS_PV_DICT && ps_pickle_dict_get (v->attrs, "_modules") != NULL)
        return walk_module (w, v, path, depth);
      if (v->attrs != NULL)
        return walk (w, v->attrs, path, depth + 1);
      {
        g_autofree char *r = g_strdup_printf ("<%s.%s>", v->module, v->name);
        add_metadata (w->tf, path, r);
      }
      return TRUE;
    default:
      return TRUE;
    }
}

static gboolean
is_buffer_name (const char *name)
{
  return g_str_has_suffix (name, "running_mean") || g_str_has_suffix (name, "running_var")
         || g_str_has_suffix (name, "num_batches_tracked");
}

/* A dict whose values are all tensors (at least one): a state dict. */
static gboolean
is_tensor_dict (PsPickleValue *v)
{
  if (v == NULL || v->kind != PS_PV_DICT || v->items->len == 0)
    return FALSE;
  for (guint k = 0; k + 1 < v->items->len; k += 2)
    if (((PsPickleValue *) v->items->pdata[k])->kind != PS_PV_STR
        || ((PsPickleValue *) v->items->pdata[k + 1])->kind != PS_PV_TENSOR)
      return FALSE;
  return TRUE;
}

static void
find_state_dict (PsTorchFile *tf, PsPickleValue *root)
{
  static const char *const keys[] = { "state_dict", "model_state_dict", "model", "module", "net", "network",
                                      "model_state", "weights", NULL };
  PsPickleValue *sd = NULL;
  GString *prefix = g_string_new (NULL);
  if (is_tensor_dict (root))
    sd = root;
  for (int level = 0; sd == NULL && level < 2 && root->kind == PS_PV_DICT; level++)
    {
      PsPickleValue *next = NULL;
      for (guint k = 0; keys[k] && next == NULL; k++)
        if ((next = ps_pickle_dict_get (root, keys[k])) != NULL)
          g_string_append_printf (prefix, "%s.", keys[k]);
      if (next == NULL)
        break;
      if (is_tensor_dict (next))
        sd = next;
      root = next;
    }
  if (sd == NULL)
    {
      g_string_free (prefix, TRUE);
      return;
    }
  gboolean all_module = TRUE;
  for (guint k = 0; k + 1 < sd->items->len; k += 2)
    all_module &= g_str_has_prefix (((PsPickleValue *) sd->items->pdata[k])->str, "module.");
  g_autofree char *outer = g_string_free (prefix, FALSE);   /* the names' prefix before the sd's keys */
  tf->state_dict_prefix = g_strconcat (outer, all_module ? "module." : "", NULL);

  /* optimizer state beside its parameters: a top-level dict with "state" and "param_groups" */
  PsPickleValue *opt = NULL;
  const char *opt_key = NULL;
  PsPickleValue *top = ps_pickle_get_root (((Shard *) tf->shards->pdata[0])->pickle);
  for (guint k = 0; tf->shards->len == 1 && top->kind == PS_PV_DICT && k + 1 < top->items->len && opt == NULL; k += 2)
    {
      PsPickleValue *key = top->items->pdata[k], *val = top->items->pdata[k + 1];
      if (key->kind == PS_PV_STR && ps_pickle_dict_get (val, "state") && ps_pickle_dict_get (val, "param_groups"))
        {
          opt = val;
          opt_key = key->str;
        }
    }
  if (opt == NULL)
    return;
  g_autofree char *opt_prefix = g_strconcat (opt_key, ".", NULL);
  /* positions in param_groups[*].params → state-dict parameter names (buffers skipped) */
  g_autoptr (GPtrArray) pnames = g_ptr_array_new ();
  for (guint k = 0; k + 1 < sd->items->len; k += 2)
    {
      const char *n = ((PsPickleValue *) sd->items->pdata[k])->str;
      if (!is_buffer_name (n))
        g_ptr_array_add (pnames, (gpointer) n);
    }
  PsPickleValue *groups = ps_pickle_dict_get (opt, "param_groups");
  g_autoptr (GHashTable) pos_of = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint pos = 0;
  for (guint g = 0; groups->kind == PS_PV_LIST && g < groups->items->len; g++)
    {
      PsPickleValue *ids = ps_pickle_dict_get (groups->items->pdata[g], "params");
      for (guint k = 0; ids && ids->kind == PS_PV_LIST && k < ids->items->len; k++, pos++)
        if (((PsPickleValue *) ids->items->pdata[k])->kind == PS_PV_INT)
          g_hash_table_insert (pos_of, &((PsPickleValue *) ids->items->pdata[k])->i, GUINT_TO_POINTER (pos + 1));
    }
  if (pos != pnames->len)
    return;   /* the optimizer does not cover exactly the parameters: no guess */
  g_autofree char *state_prefix = g_strconcat (opt_prefix, "state.", NULL);
  for (guint i = 0; i < tf->entries->len; i++)
    {
      Entry *e = tf->entries->pdata[i];
      if (!g_str_has_prefix (e->info.name, state_prefix))
        continue;
      const char *rest = e->info.name + strlen (state_prefix);
      char *end = NULL;
      gint64 id = g_ascii_strtoll (rest, &end, 10);
      if (end == rest || *end != '.')
        continue;
      guint p = GPOINTER_TO_UINT (g_hash_table_lookup (pos_of, &id));
      if (p == 0)
        continue;
      g_autofree char *pname = g_strconcat (outer, pnames->pdata[p - 1], NULL);
      Entry *param = g_hash_table_lookup (tf->by_name, pname);
      if (param == NULL)
        continue;
      /* state tensors with a shape must have the parameter's shape (Adam's 0-dim step has none) */
      if (e->info.ndim > 0 && (e->info.ndim != param->info.ndim
                               || memcmp (e->info.shape, param->info.shape, sizeof (int64_t) * (gsize) e->info.ndim) != 0))
        continue;
      e->info.param_of = param->info.name;
    }
}

/* ---- opening ----------------------------------------------------------------------------- */

static gboolean
check_storages (PsTorchFile *tf, Shard *sh, GError **error)
{
  for (guint j = 0; j < ps_pickle_get_n_storages (sh->pickle); j++)
    {
      PsPickleValue *s = ps_pickle_get_storage (sh->pickle, j);
      StorageLoc *loc = g_new0 (StorageLoc, 1);
      loc->shard = sh;
      g_hash_table_insert (tf->locs, s, loc);
      guint64 nbytes = (guint64) s->numel * ps_torch_storage_itemsize (s->stype);
      if (sh->zip != NULL)
        {
          g_autofree char *rname = g_strconcat (sh->prefix, "data/", s->key, NULL);
          loc->record = ps_zip_archive_lookup (sh->zip, rname);
          if (loc->record == NULL)
            return parse_error (error, sh->label, "storage '%s' (%s of %" G_GINT64_FORMAT " elements) has no record %s",
                                s->key, ps_torch_storage_class_name (s->stype), s->numel, rname);
          if (loc->record->method != 0 || loc->record->csize != loc->record->size)
            return parse_error (error, sh->label, "record %s is compressed (method %u); torch.save stores storages "
                                "uncompressed, and compressed records are not inflated", rname, loc->record->method);
          if (loc->record->size != nbytes)
            return parse_error (error, sh->label, "storage '%s' claims %" G_GINT64_FORMAT " × %" G_GSIZE_FORMAT
                                " = %" G_GUINT64_FORMAT " bytes but its record holds %" G_GUINT64_FORMAT,
                                s->key, s->numel, ps_torch_storage_itemsize (s->stype), nbytes, loc->record->size);
        }
      else
        loc->offset = *(guint64 *) g_hash_table_lookup (sh->legacy_offsets, s->key);
    }
  return TRUE;
}

/* `fd` is taken over (closed with the shard). */
static Shard *
open_shard_fd (PsTorchFile *tf, int fd, const char *label, GError **error)
{
  Shard *sh = g_new0 (Shard, 1);
  sh->fd = -1;
  sh->label = g_strdup (label);
  g_ptr_array_add (tf->shards, sh);
  guint8 head[16] = { 0 };
  gsize n = 0;
  ssize_t r = pread (fd, head, sizeof head, 0);
  n = r > 0 ? (gsize) r : 0;
  PsPickleFlags pflags = (tf->flags & PS_TORCH_OPEN_ANYWAY) ? PS_PICKLE_OPEN_ANYWAY : PS_PICKLE_STRICT;
  gboolean ok;
  if (n >= 4 && memcmp (head, "PK\x03\x04", 4) == 0)
    {
      ok = open_zip (sh, fd, pflags, error);
      close (fd);
    }
  else if (n >= sizeof legacy_magic && memcmp (head, legacy_magic, sizeof legacy_magic) == 0)
    {
      sh->fd = fd;
      ok = open_legacy (sh, pflags, error);
      if (ok && tf->format != PS_TORCH_FILE_SHARDED)
        tf->format = PS_TORCH_FILE_LEGACY;
    }
  else
    {
      close (fd);
      ok = parse_error (error, sh->label, "not a PyTorch file: it starts with neither a zip header (torch ≥ 1.6) nor "
                        "the legacy magic number%s", n >= 4 && memcmp (head, "PK", 2) == 0 ? " (junk before the zip?)" : "");
    }
  if (!ok || !check_storages (tf, sh, error))
    return NULL;
  return sh;
}

static Shard *
open_shard (PsTorchFile *tf, const char *path, GError **error)
{
  int fd = ps_regular_file_open (path, error);
  if (fd < 0)
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  return open_shard_fd (tf, fd, base, error);
}

static gboolean
walk_shard (PsTorchFile *tf, guint index, GHashTable *geometry, GError **error)
{
  Shard *sh = tf->shards->pdata[index];
  Walk w = { tf, sh, index, g_hash_table_new (NULL, NULL), geometry, error };
  gboolean ok = walk (&w, ps_pickle_get_root (sh->pickle), "", 0);
  g_hash_table_unref (w.visited);
  return ok;
}

static PsTorchFile *
torch_file_new (PsTorchOpenFlags flags)
{
  PsTorchFile *tf = g_new0 (PsTorchFile, 1);
  tf->flags = flags;
  tf->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) shard_free);
  tf->entries = g_ptr_array_new_with_free_func (g_free);
  tf->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  tf->strings = g_string_chunk_new (4096);
  tf->metadata = g_hash_table_new (g_str_hash, g_str_equal);
  tf->locs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  tf->unknown = g_ptr_array_new ();
  return tf;
}

static void
collect_unknown (PsTorchFile *tf)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < tf->shards->len; i++)
    for (const char *const *u = ps_pickle_get_unknown_globals (((Shard *) tf->shards->pdata[i])->pickle); *u; u++)
      if (g_hash_table_add (seen, (gpointer) *u))
        g_ptr_array_add (tf->unknown, (gpointer) *u);
  g_ptr_array_add (tf->unknown, NULL);
}

static int
str_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
shard_name_is_safe (const char *f)
{
  return *f && strchr (f, '/') == NULL && strcmp (f, ".") != 0 && strcmp (f, "..") != 0;
}

static PsTorchFile *
open_index (const char *path, PsTorchOpenFlags flags, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = ps_regular_file_read (path, MAX_INDEX_BYTES, error);
  if (bytes == NULL)
    return NULL;
  gsize len = 0;
  const char *text = g_bytes_get_data (bytes, &len);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (len == 0 || !json_parser_load_from_data (parser, text, (gssize) len, &local))
    return parse_error (error, base, "invalid JSON: %s", local ? local->message : "empty file"), NULL;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *wm = obj ? json_object_get_member (obj, "weight_map") : NULL;
  if (wm == NULL || !JSON_NODE_HOLDS_OBJECT (wm))
    return parse_error (error, base, "no \"weight_map\" object"), NULL;
  JsonObject *map = json_node_get_object (wm);
  g_autoptr (GList) names = json_object_get_members (map);
  g_autoptr (PsTorchFile) tf = torch_file_new (flags);
  tf->format = PS_TORCH_FILE_SHARDED;
  g_autoptr (GHashTable) shard_of = g_hash_table_new (g_str_hash, g_str_equal);   /* file → index + 1 */
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *f = json_object_get_member (map, l->data);
      if (!JSON_NODE_HOLDS_VALUE (f) || json_node_get_value_type (f) != G_TYPE_STRING)
        return parse_error (error, base, "weight_map[\"%s\"] is not a file name", (const char *) l->data), NULL;
      const char *file = json_node_get_string (f);
      if (!shard_name_is_safe (file))
        return parse_error (error, base, "shard \"%s\" is not a plain file name in the index's folder", file), NULL;
      if (!g_hash_table_contains (shard_of, file))
        {
          if (files->len >= MAX_SHARDS)
            return parse_error (error, base, "more than %d shards", MAX_SHARDS), NULL;
          g_ptr_array_add (files, (gpointer) file);
          g_hash_table_insert (shard_of, (gpointer) file, GUINT_TO_POINTER (files->len));
        }
    }
  if (files->len == 0)
    return parse_error (error, base, "empty weight_map"), NULL;
  g_ptr_array_sort (files, str_ptr_cmp);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GHashTable) geometry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < files->len; i++)
    {
      g_hash_table_insert (shard_of, files->pdata[i], GUINT_TO_POINTER (i + 1));
      g_autofree char *sp = g_build_filename (dir, files->pdata[i], NULL);
      if (open_shard (tf, sp, error) == NULL || !walk_shard (tf, i, geometry, error))
        return NULL;
    }
  /* the map and the shards must agree, name for name */
  for (GList *l = names; l; l = l->next)
    {
      const char *file = json_object_get_string_member (map, l->data);
      Entry *e = g_hash_table_lookup (tf->by_name, l->data);
      if (e == NULL)
        return parse_error (error, base, "tensor \"%s\" is mapped to %s but is not in it", (const char *) l->data, file), NULL;
      if (e->info.shard + 1 != GPOINTER_TO_UINT (g_hash_table_lookup (shard_of, file)))
        return parse_error (error, base, "tensor \"%s\" is mapped to %s but found in %s", e->info.name, file,
                            (const char *) files->pdata[e->info.shard]), NULL;
    }
  for (guint i = 0; i < tf->entries->len; i++)
    {
      Entry *e = tf->entries->pdata[i];
      if (json_object_get_member (map, e->info.name) == NULL)
        return parse_error (error, base, "tensor \"%s\" of %s is missing from weight_map", e->info.name,
                            (const char *) files->pdata[e->info.shard]), NULL;
    }
  collect_unknown (tf);
  find_state_dict (tf, ps_pickle_get_root (((Shard *) tf->shards->pdata[0])->pickle));
  if (tf->state_dict_prefix == NULL)
    tf->state_dict_prefix = g_strdup ("");
  return g_steal_pointer (&tf);
}

PsTorchFile *
ps_torch_file_open (const char *path, PsTorchOpenFlags flags, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_str_has_suffix (path, ".index.json"))
    return open_index (path, flags, error);
  g_autoptr (PsTorchFile) tf = torch_file_new (flags);
  tf->format = PS_TORCH_FILE_ZIP;
  g_autoptr (GHashTable) geometry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (open_shard (tf, path, error) == NULL || !walk_shard (tf, 0, geometry, error))
    return NULL;
  collect_unknown (tf);
  find_state_dict (tf, ps_pickle_get_root (((Shard *) tf->shards->pdata[0])->pickle));
  return g_steal_pointer (&tf);
}

PsTorchFile *
ps_torch_file_open_fd (int fd, const char *label, PsTorchOpenFlags flags, GError **error)
{
  int own = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", label, g_strerror (errno));
      return NULL;
    }
  g_autoptr (PsTorchFile) tf = torch_file_new (flags);
  tf->format = PS_TORCH_FILE_ZIP;
  g_autoptr (GHashTable) geometry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (open_shard_fd (tf, own, label, error) == NULL || !walk_shard (tf, 0, geometry, error))
    return NULL;
  collect_unknown (tf);
  find_state_dict (tf, ps_pickle_get_root (((Shard *) tf->shards->pdata[0])->pickle));
  return g_steal_pointer (&tf);
}

guint ps_torch_file_get_n_tensors (PsTorchFile *tf) { return tf->entries->len; }

const PsTorchTensorInfo *
ps_torch_file_get_info (PsTorchFile *tf, guint index)
{
  g_return_val_if_fail (index < tf->entries->len, NULL);
  return &((Entry *) tf->entries->pdata[index])->info;
}

const PsTorchTensorInfo *
ps_torch_file_lookup (PsTorchFile *tf, const char *name)
{
  Entry *e = g_hash_table_lookup (tf->by_name, name);
  return e ? &e->info : NULL;
}

const char *
ps_torch_file_get_metadata (PsTorchFile *tf, const char *key)
{
  return g_hash_table_lookup (tf->metadata, key);
}

const char **
ps_torch_file_get_metadata_keys (PsTorchFile *tf)
{
  guint n = 0;
  const char **keys = (const char **) g_hash_table_get_keys_as_array (tf->metadata, &n);
  qsort (keys, n, sizeof (char *), str_ptr_cmp);
  return keys;
}

const char *const *
ps_torch_file_get_unknown_globals (PsTorchFile *tf)
{
  return (const char *const *) tf->unknown->pdata;
}

const char *
ps_torch_file_get_state_dict_prefix (PsTorchFile *tf)
{
  return tf->state_dict_prefix;
}

/* ---- values ------------------------------------------------------------------------------ */

static gboolean
read_storage_bytes (StorageLoc *loc, guint64 offset, guint8 *buf, gsize len, GError **error)
{
  if (loc->record != NULL)
    {
      if (!ps_zip_archive_read (loc->shard->zip, loc->record, offset, buf, len, error))
        return FALSE;
      /* CRC over the whole record, once: on the bytes just read when they are the record */
      return ps_zip_archive_verify (loc->shard->zip, loc->record,
                                    offset == 0 && len == loc->record->size ? buf : NULL, error);
    }
  guint64 at = loc->offset + offset;
  while (len > 0)
    {
      ssize_t n = pread (loc->shard->fd, buf, MIN (len, (gsize) 1 << 30), (off_t) at);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", loc->shard->label,
                       n < 0 ? g_strerror (errno) : "the file is shorter than when it was opened");
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
      at += (guint64) n;
    }
  return TRUE;
}

static PsTensor *
load_info (PsTorchFile *tf, Entry *e, GError **error)
{
  const PsTorchTensorInfo *i = &e->info;
  PsPickleValue *s = e->tensor->storage;
  StorageLoc *loc = g_hash_table_lookup (tf->locs, s);
  PsRawDType raw;
  if (!ps_torch_storage_raw_dtype (i->stype, &raw))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "tensor \"%s\": %s tensors are listed but not decoded",
                   i->name, i->dtype);
      return NULL;
    }
  g_autoptr (PsTensor) t = ps_tensor_new_empty (i->target_dtype, i->ndim, i->shape, error);
  if (t == NULL)
    return NULL;
  if (i->numel == 0)
    return g_steal_pointer (&t);
  /* the storage elements the view touches: [first, last] */
  int64_t first = i->offset, last = i->offset;
  for (int k = 0; k < i->ndim; k++)
    last += (i->shape[k] - 1) * i->stride[k];     /* checked by the unpickler */
  guint64 count = (guint64) (last - first + 1);
  gsize isz = ps_raw_dtype_size (raw), tsz = ps_dtype_size (i->target_dtype);
  if (count > ps_tensor_get_max_bytes () / MAX (isz, tsz))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "tensor \"%s\" spans %" G_GUINT64_FORMAT
                   " storage elements, more than can be read at once", i->name, count);
      return NULL;
    }
  /* contiguous views decode straight into the tensor; others decode the span, then gather */
  gboolean contiguous = TRUE;
  int64_t expect = 1;
  for (int k = i->ndim - 1; k >= 0; k--)
    {
      if (i->shape[k] != 1 && i->stride[k] != expect)
        contiguous = FALSE;
      expect *= i->shape[k];
    }
  /* float32/int64 stored little-endian as the tensor holds them: read into the tensor directly */
  if (contiguous && !loc->shard->big_endian && G_BYTE_ORDER == G_LITTLE_ENDIAN
      && (raw == PS_RAW_F32 || raw == PS_RAW_I64))
    {
      if (!read_storage_bytes (loc, (guint64) first * isz, t->data, (gsize) count * isz, error))
        return NULL;
      return g_steal_pointer (&t);
    }
  g_autofree guint8 *bytes = g_try_malloc ((gsize) count * isz);
  g_autofree guint8 *vals = NULL;
  if (bytes == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "tensor \"%s\": out of memory", i->name);
      return NULL;
    }
  if (!read_storage_bytes (loc, (guint64) first * isz, bytes, (gsize) count * isz, error))
    return NULL;
  if (contiguous)
    {
      if (!ps_raw_decode (raw, loc->shard->big_endian, bytes, (gsize) i->numel, t->data, error))
        return NULL;
      return g_steal_pointer (&t);
    }
  vals = g_try_malloc ((gsize) count * tsz);
  if (vals == NULL || !ps_raw_decode (raw, loc->shard->big_endian, bytes, (gsize) count, vals, error))
    {
      if (vals == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "tensor \"%s\": out of memory", i->name);
      return NULL;
    }
  int64_t idx[PS_MAX_DIMS] = { 0 };
  guint8 *dst = t->data;
  for (int64_t n = 0; n < i->numel; n++)
    {
      int64_t off = 0;
      for (int k = 0; k < i->ndim; k++)
        off += idx[k] * i->stride[k];
      memcpy (dst + (gsize) n * tsz, vals + (gsize) off * tsz, tsz);
      for (int k = i->ndim - 1; k >= 0; k--)
        {
          if (++idx[k] < i->shape[k])
            break;
          idx[k] = 0;
        }
    }
  return g_steal_pointer (&t);
}

static const float *map_f32 (PsTorchFile *tf, const char *name, int64_t *numel, PsZipCrc *crc, GError **error);

const float *
ps_torch_file_map_f32 (PsTorchFile *tf, const char *name, int64_t *numel, GError **error)
{
  return map_f32 (tf, name, numel, NULL, error);
}

const float *
ps_torch_file_map_f32_unchecked (PsTorchFile *tf, const char *name, int64_t *numel, PsZipCrc *crc, GError **error)
{
  memset (crc, 0, sizeof *crc);
  return map_f32 (tf, name, numel, crc, error);
}

static const float *
map_f32 (PsTorchFile *tf, const char *name, int64_t *numel, PsZipCrc *crc, GError **error)
{
  Entry *e = g_hash_table_lookup (tf->by_name, name);
  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor named \"%s\"", name);
      return NULL;
    }
  const PsTorchTensorInfo *i = &e->info;
  StorageLoc *loc = g_hash_table_lookup (tf->locs, e->tensor->storage);
  PsRawDType raw;
  if (loc == NULL || loc->record == NULL || loc->shard->big_endian || G_BYTE_ORDER != G_LITTLE_ENDIAN
      || !ps_torch_storage_raw_dtype (i->stype, &raw) || raw != PS_RAW_F32 || i->target_dtype != PS_DTYPE_FLOAT32
      || i->numel == 0)
    return NULL;   /* not mappable as float32 values: the caller reads */
  int64_t expect = 1;
  for (int k = i->ndim - 1; k >= 0; k--)
    {
      if (i->shape[k] != 1 && i->stride[k] != expect)
        return NULL;   /* a strided view */
      expect *= i->shape[k];
    }
  /* the view lies inside its storage record (checked by the unpickler against the record) */
  guint64 first = (guint64) i->offset * 4, len = (guint64) i->numel * 4;
  if (first > loc->record->size || len > loc->record->size - first || (loc->record->data_offset + first) % 4 != 0)
    return NULL;
  const guint8 *rec = ps_zip_archive_map (loc->shard->zip, loc->record, error);
  if (rec == NULL)
    return NULL;
  if (crc != NULL && !ps_zip_archive_is_verified (loc->shard->zip, loc->record))
    ps_zip_crc_init (crc, loc->shard->zip, loc->record, rec);   /* the caller checks it as it reads */
  else if (!ps_zip_archive_verify (loc->shard->zip, loc->record, rec, error))
    return NULL;
  *numel = i->numel;
  return (const float *) (const void *) (rec + first);
}

PsTensor *
ps_torch_file_load (PsTorchFile *tf, const char *name, GError **error)
{
  Entry *e = g_hash_table_lookup (tf->by_name, name);
  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor named \"%s\"", name);
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  PsTensor *t = load_info (tf, e, &local);
  if (t == NULL)
    g_set_error (error, PS_ERROR, local->code, "%s", local->message);
  return t;
}
