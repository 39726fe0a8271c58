/* ps-checkpoint.c — see ps-checkpoint.h. */
#include "ps-checkpoint.h"
#include "ps-npy.h"
#include "ps-npz.h"
#include "ps-safetensors.h"

#include "ps-regular-file.h"
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

struct _PsCheckpoint {
  PsCheckpointFormat format;
  PsSafetensors *st;
  PsNpz *npz;
  char *npy_path;
  PsNpyHeader npy_header;
  char *npy_name;
  GArray *entries;            /* PsCheckpointEntry (strings borrowed from the readers) */
  GHashTable *by_name;        /* name → index + 1 */
  PsCheckpointNode *tree;
  GHashTable *nodes;          /* path → PsCheckpointNode* (borrowed) */
};

static void
node_free (PsCheckpointNode *n)
{
  g_free (n->name);
  g_free (n->path);
  g_ptr_array_unref (n->children);
  g_free (n);
}

static PsCheckpointNode *
node_new (const char *name, const char *path)
{
  PsCheckpointNode *n = g_new0 (PsCheckpointNode, 1);
  n->name = g_strdup (name);
  n->path = g_strdup (path);
  n->entry = -1;
  n->children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return n;
}

void
ps_checkpoint_free (PsCheckpoint *ck)
{
  if (ck == NULL)
    return;
  g_clear_pointer (&ck->tree, node_free);
  g_clear_pointer (&ck->nodes, g_hash_table_unref);
  g_clear_pointer (&ck->by_name, g_hash_table_unref);
  g_clear_pointer (&ck->entries, g_array_unref);
  g_clear_pointer (&ck->st, ps_safetensors_unref);
  g_clear_pointer (&ck->npz, ps_npz_free);
  g_free (ck->npy_path);
  g_free (ck->npy_name);
  g_free (ck);
}

static void
add_entry (PsCheckpoint *ck, const char *name, const char *dtype, PsDType target, int ndim,
           const int64_t *shape, int64_t numel, const char *alias_of)
{
  PsCheckpointEntry e = { name, dtype, target, ndim, { 0 }, numel, alias_of };
  memcpy (e.shape, shape, sizeof (int64_t) * (gsize) ndim);
  g_array_append_val (ck->entries, e);
  g_hash_table_insert (ck->by_name, (gpointer) name, GUINT_TO_POINTER (ck->entries->len));
}

/* Reads the first bytes to tell .npy and zip (.npz) from safetensors. */
static gboolean
sniff (const char *path, guint8 magic[8], gsize *n, GError **error)
{
  int fd = ps_regular_file_open (path, error);   /* a FIFO or /dev/zero is refused, not read */
  if (fd < 0)
    return FALSE;
  ssize_t r;
  do
    r = read (fd, magic, 8);
  while (r < 0 && errno == EINTR);
  *n = r > 0 ? (gsize) r : 0;
  close (fd);
  return TRUE;
}

PsCheckpoint *
ps_checkpoint_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (PsCheckpoint) ck = g_new0 (PsCheckpoint, 1);
  ck->entries = g_array_new (FALSE, TRUE, sizeof (PsCheckpointEntry));
  ck->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  guint8 magic[8] = { 0 };
  gsize n = 0;
  if (!g_str_has_suffix (path, ".index.json") && !sniff (path, magic, &n, error))
    return NULL;
  gboolean npy_magic = n >= 6 && memcmp (magic, "\x93NUMPY", 6) == 0;
  gboolean zip_magic = n >= 4 && (memcmp (magic, "PK\x03\x04", 4) == 0 || memcmp (magic, "PK\x05\x06", 4) == 0);
  /* Without a known magic the name decides, so a damaged .npy or .npz is reported by its own
   * reader ("bad magic", "not a zip archive") rather than as a strange safetensors header. */
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (!npy_magic && !zip_magic)
    {
      npy_magic = g_str_has_suffix (lower, ".npy");
      zip_magic = g_str_has_suffix (lower, ".npz");
    }
  if (npy_magic)
    {
      ck->format = PS_CHECKPOINT_NPY;
      /* The header is at most 12 + 10,000 bytes; parse it from a mapping (no data decoded). */
      g_autoptr (GError) local = NULL;
      g_autoptr (GMappedFile) map = ps_regular_file_map (path, error);
      if (map == NULL)
        return NULL;
      gsize len = g_mapped_file_get_length (map);
      if (!ps_npy_parse_header ((const guint8 *) g_mapped_file_get_contents (map), len,
                                &ck->npy_header, &local))
        {
          g_autofree char *base = g_path_get_basename (path);
          g_set_error (error, PS_ERROR, local->code, "%s: %s", base, local->message);
          return NULL;
        }
      /* the data must cover the rest of the file exactly, as for safetensors: checked now (no
       * decoding needed) so a truncated file is refused when opened, not when first viewed */
      guint64 have = (guint64) (len - MIN (len, ck->npy_header.data_offset));
      if (have != ck->npy_header.data_nbytes)
        {
          g_autofree char *base = g_path_get_basename (path);
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "%s: .npy: %" G_GUINT64_FORMAT " bytes of data where shape and dtype '%s' need %"
                       G_GUINT64_FORMAT "%s", base, have, ck->npy_header.descr, ck->npy_header.data_nbytes,
                       have < ck->npy_header.data_nbytes ? " (truncated file)" : " (trailing bytes)");
          return NULL;
        }
      ck->npy_path = g_strdup (path);
      g_autofree char *base = g_path_get_basename (path);
      ck->npy_name = g_str_has_suffix (base, ".npy") ? g_strndup (base, strlen (base) - 4) : g_strdup (base);
      const PsNpyHeader *h = &ck->npy_header;
      add_entry (ck, ck->npy_name, h->descr, ps_raw_dtype_target (h->raw_dtype), h->ndim, h->shape,
                 h->numel, NULL);
    }
  else if (zip_magic)
    {
      ck->format = PS_CHECKPOINT_NPZ;
      if ((ck->npz = ps_npz_open (path, error)) == NULL)
        return NULL;
      for (guint i = 0; i < ps_npz_get_n_arrays (ck->npz); i++)
        {
          const PsNpzInfo *info = ps_npz_get_info (ck->npz, i);
          const PsNpyHeader *h = &info->header;
          add_entry (ck, info->name, h->descr, ps_raw_dtype_target (h->raw_dtype), h->ndim, h->shape,
                     h->numel, NULL);
        }
    }
  else
    {
      ck->format = PS_CHECKPOINT_SAFETENSORS;
      if ((ck->st = ps_safetensors_open (path, error)) == NULL)
        return NULL;
      for (guint i = 0; i < ps_safetensors_get_n_tensors (ck->st); i++)
        {
          const PsSafetensorsInfo *info = ps_safetensors_get_info (ck->st, i);
          add_entry (ck, info->name, info->dtype, info->target_dtype, info->ndim, info->shape,
                     info->numel, info->alias_of);
        }
    }
  return g_steal_pointer (&ck);
}

PsCheckpointFormat
ps_checkpoint_get_format (PsCheckpoint *ck)
{
  return ck->format;
}

guint
ps_checkpoint_get_n_entries (PsCheckpoint *ck)
{
  return ck->entries->len;
}

const PsCheckpointEntry *
ps_checkpoint_get_entry (PsCheckpoint *ck, guint index)
{
  g_return_val_if_fail (index < ck->entries->len, NULL);
  return &g_array_index (ck->entries, PsCheckpointEntry, index);
}

const PsCheckpointEntry *
ps_checkpoint_lookup (PsCheckpoint *ck, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (ck->by_name, name));
  return i ? &g_array_index (ck->entries, PsCheckpointEntry, i - 1) : NULL;
}

const char *
ps_checkpoint_get_metadata (PsCheckpoint *ck, const char *key)
{
  return ck->st ? ps_safetensors_get_metadata (ck->st, key) : NULL;
}

PsTensor *
ps_checkpoint_load (PsCheckpoint *ck, const char *name, GError **error)
{
  switch (ck->format)
    {
    case PS_CHECKPOINT_SAFETENSORS:
      return ps_safetensors_load (ck->st, name, error);
    case PS_CHECKPOINT_NPZ:
      return ps_npz_load (ck->npz, name, error);
    case PS_CHECKPOINT_NPY:
    default:
      if (strcmp (name, ck->npy_name) != 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor named \"%s\"", name);
          return NULL;
        }
      return ps_npy_load (ck->npy_path, NULL, error);
    }
}

static void
build_tree (PsCheckpoint *ck)
{
  ck->tree = node_new ("", "");
  ck->nodes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (ck->nodes, ck->tree->path, ck->tree);
  for (guint i = 0; i < ck->entries->len; i++)
    {
      const PsCheckpointEntry *e = &g_array_index (ck->entries, PsCheckpointEntry, i);
      g_auto (GStrv) parts = g_strsplit (e->name, ".", -1);
      PsCheckpointNode *node = ck->tree;
      GString *path = g_string_new (NULL);
      /* Aliased storage counts once, in the subtree of its stored name only. */
      int64_t numel = e->alias_of ? 0 : e->numel;
      node->numel += numel;
      node->n_tensors++;
      for (guint k = 0; parts[k] != NULL; k++)
        {
          if (k > 0)
            g_string_append_c (path, '.');
          g_string_append (path, parts[k]);
          PsCheckpointNode *child = g_hash_table_lookup (ck->nodes, path->str);
          if (child == NULL)
            {
              child = node_new (parts[k], path->str);
              g_ptr_array_add (node->children, child);
              g_hash_table_insert (ck->nodes, child->path, child);
            }
          node = child;
          node->numel += numel;
          node->n_tensors++;
        }
      node->entry = (int) i;
      g_string_free (path, TRUE);
    }
}

const PsCheckpointNode *
ps_checkpoint_get_tree (PsCheckpoint *ck)
{
  if (ck->tree == NULL)
    build_tree (ck);
  return ck->tree;
}

const PsCheckpointNode *
ps_checkpoint_find_node (PsCheckpoint *ck, const char *path)
{
  ps_checkpoint_get_tree (ck);
  return g_hash_table_lookup (ck->nodes, path);
}
