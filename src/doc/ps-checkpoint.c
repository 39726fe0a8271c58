/* ps-checkpoint.c — see ps-checkpoint.h. */
#include "ps-checkpoint.h"
#include "ps-npy.h"
#include "ps-npz.h"
#include "ps-safetensors.h"
#include "ps-torch-file.h"

#include "ps-regular-file.h"
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

struct _PsCheckpoint {
  PsCheckpointFormat format;
  PsSafetensors *st;
  PsTorchFile *torch;
  GStringChunk *notes;
  char *sd_prefix;            /* ps_checkpoint_open_state_dict of a torch file: stripped from names */
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
  g_clear_pointer (&ck->torch, ps_torch_file_free);
  if (ck->notes)
    g_string_chunk_free (ck->notes);
  g_clear_pointer (&ck->npz, ps_npz_free);
  g_free (ck->npy_path);
  g_free (ck->npy_name);
  g_free (ck->sd_prefix);
  g_free (ck);
}

static void
add_entry (PsCheckpoint *ck, const char *name, const char *dtype, PsDType target, int ndim,
           const int64_t *shape, int64_t numel, const char *alias_of)
{
  PsCheckpointEntry e = { name, dtype, target, ndim, { 0 }, numel, alias_of, NULL };
  memcpy (e.shape, shape, sizeof (int64_t) * (gsize) ndim);
  g_array_append_val (ck->entries, e);
  g_hash_table_insert (ck->by_name, (gpointer) name, GUINT_TO_POINTER (ck->entries->len));
}

gboolean
ps_checkpoint_name_is (const char *name, PsCheckpointNameUse use)
{
  enum { O = PS_CHECKPOINT_NAME_OPENS, T = PS_CHECKPOINT_NAME_TORCH, S = PS_CHECKPOINT_NAME_SERIES };
  static const struct { const char *ext; guint uses; } extensions[] = {
    { ".safetensors", O | S }, { ".index.json", O }, { ".bin.index.json", O | T }, { ".npy", O },
    { ".npz", O | S }, { ".pt", O | T | S }, { ".pth", O | T | S }, { ".bin", O | T | S },
    { ".ckpt", O | T | S }, { ".tar", T },
  };
  g_autofree char *lower = g_ascii_strdown (name ? name : "", -1);
  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if ((extensions[i].uses & use) && g_str_has_suffix (lower, extensions[i].ext))
      return TRUE;
  return FALSE;
}

gboolean
ps_checkpoint_is_file_name (const char *name)
{
  return ps_checkpoint_name_is (name, PS_CHECKPOINT_NAME_OPENS);
}

/* Reads the first bytes to tell .npy, zip (.npz or torch) and legacy torch files from safetensors. */
static gboolean
sniff (const char *path, guint8 magic[64], gsize *n, GError **error)
{
  int fd = ps_regular_file_open (path, error);   /* a FIFO or /dev/zero is refused, not read */
  if (fd < 0)
    return FALSE;
  ssize_t r;
  do
    r = read (fd, magic, 64);
  while (r < 0 && errno == EINTR);
  *n = r > 0 ? (gsize) r : 0;
  close (fd);
  return TRUE;
}

/* A zip whose first record is in a folder (torch.save's "P/data.pkl"; .npz members are plain). */
static gboolean
torch_zip_head (const guint8 *m, gsize n)
{
  if (n < 30 || memcmp (m, "PK\x03\x04", 4) != 0)
    return FALSE;
  gsize name_len = (gsize) (m[26] | (m[27] << 8));
  return memchr (m + 30, '/', MIN (name_len, n - 30)) != NULL;
}

/* The file copied once into anonymous memory while its SHA-256 is computed, so what is parsed
 * and decoded later is exactly what was hashed. Returns the memory file's descriptor. */
static int
copy_hashed (const char *path, char **sha256, GError **error)
{
  int in = ps_regular_file_open (path, error);
  if (in < 0)
    return -1;
  int out = memfd_create ("paramscope-pinned", MFD_CLOEXEC);
  if (out < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, g_strerror (errno));
      close (in);
      return -1;
    }
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize chunk = (gsize) 1 << 20;
  g_autofree guint8 *buf = g_malloc (chunk);
  for (;;)
    {
      ssize_t r = read (in, buf, chunk);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 || (r > 0 && write (out, buf, (gsize) r) != r))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, g_strerror (errno));
          close (in);
          close (out);
          return -1;
        }
      if (r == 0)
        break;
      g_checksum_update (sum, buf, (gssize) r);
    }
  close (in);
  *sha256 = g_strdup (g_checksum_get_string (sum));
  return out;
}

static gboolean
open_torch (PsCheckpoint *ck, const char *path, PsCheckpointOpenFlags flags, char **sha256, GError **error)
{
  ck->format = PS_CHECKPOINT_TORCH;
  PsTorchOpenFlags tflags = (flags & PS_CHECKPOINT_OPEN_ANYWAY) ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT;
  if (sha256 != NULL)
    {
      if (g_str_has_suffix (path, ".index.json"))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "%s: a sha256 pin on a sharded PyTorch checkpoint "
                       "is not supported (pin a single file)", path);
          return FALSE;
        }
      int fd = copy_hashed (path, sha256, error);
      if (fd < 0)
        return FALSE;
      g_autofree char *base = g_path_get_basename (path);
      ck->torch = ps_torch_file_open_fd (fd, base, tflags, error);
      close (fd);
    }
  else
    ck->torch = ps_torch_file_open (path, tflags, error);
  if (ck->torch == NULL)
    return FALSE;
  ck->notes = g_string_chunk_new (1024);
  for (guint i = 0; i < ps_torch_file_get_n_tensors (ck->torch); i++)
    {
      const PsTorchTensorInfo *info = ps_torch_file_get_info (ck->torch, i);
      add_entry (ck, info->name, info->dtype, info->target_dtype, info->ndim, info->shape, info->numel,
                 info->alias_of);
      PsCheckpointEntry *e = &g_array_index (ck->entries, PsCheckpointEntry, ck->entries->len - 1);
      if (info->param_of != NULL)
        {
          g_autofree char *note = g_strdup_printf ("optimizer state of %s", info->param_of);
          e->note = g_string_chunk_insert (ck->notes, note);
        }
      else if (info->is_view && info->alias_of == NULL)
        {
          g_autofree char *note = g_strdup_printf ("view of storage %s (%" G_GINT64_FORMAT " elements) at offset %"
                                                   G_GINT64_FORMAT, info->storage_key, info->storage_numel, info->offset);
          e->note = g_string_chunk_insert (ck->notes, note);
        }
    }
  return TRUE;
}

PsCheckpoint *
ps_checkpoint_open (const char *path, GError **error)
{
  return ps_checkpoint_open_full (path, PS_CHECKPOINT_OPEN_DEFAULT, error);
}

static PsCheckpoint *open_impl (const char *path, PsCheckpointOpenFlags flags, char **sha256, GError **error);

PsCheckpoint *
ps_checkpoint_open_full (const char *path, PsCheckpointOpenFlags flags, GError **error)
{
  return open_impl (path, flags, NULL, error);
}

static gboolean
no_pin (const char *path, char **sha256, GError **error)
{
  if (sha256 == NULL)
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "%s: sha256 pins are supported for safetensors and "
               "PyTorch files", path);
  return FALSE;
}

static PsCheckpoint *
open_impl (const char *path, PsCheckpointOpenFlags flags, char **sha256, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (PsCheckpoint) ck = g_new0 (PsCheckpoint, 1);
  ck->entries = g_array_new (FALSE, TRUE, sizeof (PsCheckpointEntry));
  ck->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  guint8 magic[64] = { 0 };
  gsize n = 0;
  if (g_str_has_suffix (path, ".bin.index.json"))
    return open_torch (ck, path, flags, sha256, error) ? g_steal_pointer (&ck) : NULL;
  if (!g_str_has_suffix (path, ".index.json") && !sniff (path, magic, &n, error))
    return NULL;
  /* torch: a zip whose first record is in a folder (unless named .npz), the legacy magic, or no
   * known magic at all under a torch file name (so the torch reader reports what is wrong) */
  g_autofree char *lower0 = g_ascii_strdown (path, -1);
  gboolean is_zip = n >= 4 && memcmp (magic, "PK\x03\x04", 4) == 0;
  gboolean known = is_zip || (n >= 6 && memcmp (magic, "\x93NUMPY", 6) == 0) || (n >= 4 && memcmp (magic, "PK\x05\x06", 4) == 0);
  if ((is_zip && torch_zip_head (magic, n) && !g_str_has_suffix (lower0, ".npz"))
      || (!is_zip && ps_torch_file_sniff (magic, n))
      || (!known && ps_checkpoint_name_is (path, PS_CHECKPOINT_NAME_TORCH) && !g_str_has_suffix (path, ".index.json")))
    return open_torch (ck, path, flags, sha256, error) ? g_steal_pointer (&ck) : NULL;
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
  if ((npy_magic || zip_magic) && !no_pin (path, sha256, error))
    return NULL;
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
      if ((ck->st = sha256 ? ps_safetensors_open_hashed (path, sha256, error) : ps_safetensors_open (path, error)) == NULL)
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

const char *
ps_checkpoint_format_name (PsCheckpointFormat format)
{
  switch (format)
    {
    case PS_CHECKPOINT_SAFETENSORS: return "safetensors";
    case PS_CHECKPOINT_NPZ: return "npz";
    case PS_CHECKPOINT_NPY: return "npy";
    case PS_CHECKPOINT_TORCH: return "PyTorch";
    default: return "?";
    }
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
  if (ck->torch)
    return ps_torch_file_get_metadata (ck->torch, key);
  return ck->st ? ps_safetensors_get_metadata (ck->st, key) : NULL;
}

const char **
ps_checkpoint_get_metadata_keys (PsCheckpoint *ck)
{
  if (ck->torch)
    return ps_torch_file_get_metadata_keys (ck->torch);
  if (ck->st)
    return ps_safetensors_get_metadata_keys (ck->st);
  return g_new0 (const char *, 1);
}

const char *
ps_checkpoint_get_state_dict_prefix (PsCheckpoint *ck)
{
  if (ck->torch == NULL || ck->sd_prefix != NULL)
    return "";
  const char *p = ps_torch_file_get_state_dict_prefix (ck->torch);
  return p ? p : "";
}

const char *
ps_checkpoint_state_dict_name (PsCheckpoint *ck, const char *key)
{
  if (ck->torch == NULL)
    {
      const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, key);
      return e ? e->name : NULL;
    }
  const char *prefix = ps_torch_file_get_state_dict_prefix (ck->torch);
  if (prefix == NULL)
    prefix = "";
  g_autofree char *full = g_strconcat (prefix, key, NULL);
  const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, full);
  return e ? e->name : NULL;
}

const float *
ps_checkpoint_map_f32 (PsCheckpoint *ck, const char *name, int64_t *numel, GError **error)
{
  switch (ck->format)
    {
    case PS_CHECKPOINT_SAFETENSORS:
      return ps_safetensors_map_f32 (ck->st, name, numel, error);
    case PS_CHECKPOINT_TORCH:
      if (ck->sd_prefix != NULL && ps_checkpoint_lookup (ck, name) != NULL)
        {
          g_autofree char *full = g_strconcat (ck->sd_prefix, name, NULL);
          return ps_torch_file_map_f32 (ck->torch, full, numel, error);
        }
      return ps_torch_file_map_f32 (ck->torch, name, numel, error);
    default:
      return NULL;
    }
}

const float *
ps_checkpoint_map_f32_unchecked (PsCheckpoint *ck, const char *name, int64_t *numel, PsZipCrc *crc, GError **error)
{
  memset (crc, 0, sizeof *crc);
  if (ck->format != PS_CHECKPOINT_TORCH)
    return ps_checkpoint_map_f32 (ck, name, numel, error);
  if (ck->sd_prefix != NULL && ps_checkpoint_lookup (ck, name) != NULL)
    {
      g_autofree char *full = g_strconcat (ck->sd_prefix, name, NULL);
      return ps_torch_file_map_f32_unchecked (ck->torch, full, numel, crc, error);
    }
  return ps_torch_file_map_f32_unchecked (ck->torch, name, numel, crc, error);
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
    case PS_CHECKPOINT_TORCH:
      if (ck->sd_prefix != NULL && ps_checkpoint_lookup (ck, name) != NULL)
        {
          g_autofree char *full = g_strconcat (ck->sd_prefix, name, NULL);
          return ps_torch_file_load (ck->torch, full, error);
        }
      return ps_torch_file_load (ck->torch, name, error);
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

PsCheckpoint *
ps_checkpoint_open_state_dict (const char *path, char **sha256, GError **error)
{
  g_autoptr (PsCheckpoint) ck = open_impl (path, PS_CHECKPOINT_OPEN_DEFAULT, sha256, error);
  if (ck == NULL || ck->torch == NULL)
    return g_steal_pointer (&ck);
  const char *prefix = ps_torch_file_get_state_dict_prefix (ck->torch);
  if (prefix == NULL || *prefix == 0)
    return g_steal_pointer (&ck);
  gsize plen = strlen (prefix);
  g_autoptr (GArray) all = g_steal_pointer (&ck->entries);
  ck->entries = g_array_new (FALSE, TRUE, sizeof (PsCheckpointEntry));
  g_hash_table_remove_all (ck->by_name);
  for (guint i = 0; i < all->len; i++)
    {
      PsCheckpointEntry e = g_array_index (all, PsCheckpointEntry, i);
      if (!g_str_has_prefix (e.name, prefix))
        continue;
      e.name += plen;
      e.alias_of = e.alias_of && g_str_has_prefix (e.alias_of, prefix) ? e.alias_of + plen : NULL;
      g_array_append_val (ck->entries, e);
      g_hash_table_insert (ck->by_name, (gpointer) e.name, GUINT_TO_POINTER (ck->entries->len));
    }
  ck->sd_prefix = g_strdup (prefix);
  return g_steal_pointer (&ck);
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
