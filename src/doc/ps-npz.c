/* ps-npz.c — see ps-npz.h for the zip-bomb rules. */
#include "ps-npz.h"
#include "ps-atomic-file.h"
#include "ps-regular-file.h"

#include <string.h>
#include <unistd.h>
#include <zip.h>

#define READ_CHUNK ((gsize) 1 << 20)

typedef struct {
  PsNpzInfo info;
  char *name;
  char *member;         /* the zip member's name, for messages */
  zip_uint64_t index;
} Member;

struct _PsNpz {
  zip_t *zip;
  GBytes *bytes;            /* for archives in memory */
  char *label;
  GPtrArray *members;       /* Member* */
  GHashTable *by_name;      /* name → Member* */
};

static void
member_free (Member *m)
{
  g_free (m->name);
  g_free (m->member);
  g_free (m);
}

void
ps_npz_free (PsNpz *npz)
{
  if (npz == NULL)
    return;
  if (npz->zip != NULL)
    zip_discard (npz->zip);
  g_clear_pointer (&npz->bytes, g_bytes_unref);
  g_clear_pointer (&npz->members, g_ptr_array_unref);
  g_clear_pointer (&npz->by_name, g_hash_table_unref);
  g_free (npz->label);
  g_free (npz);
}

static void
set_zip_error (GError **error, const char *label, const char *what, zip_error_t *ze)
{
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: %s: %s", label, what, zip_error_strerror (ze));
}

/* Reads up to `want` bytes (fewer only at the end of the member). -1 on a zip error (bad CRC,
 * corrupt deflate stream, …). */
static gint64
read_full (zip_file_t *zf, guint8 *buf, guint64 want)
{
  guint64 got = 0;
  while (got < want)
    {
      zip_int64_t n = zip_fread (zf, buf + got, MIN (want - got, READ_CHUNK));
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += (guint64) n;
    }
  return (gint64) got;
}

static gboolean
read_member_header (PsNpz *npz, Member *m, GError **error)
{
  zip_file_t *zf = zip_fopen_index (npz->zip, m->index, 0);
  if (zf == NULL)
    {
      set_zip_error (error, npz->label, m->member, zip_get_error (npz->zip));
      return FALSE;
    }
  guint8 buf[12 + PS_NPY_MAX_HEADER];
  gint64 n = read_full (zf, buf, MIN (m->info.size, (guint64) sizeof buf));
  if (n < 0)
    {
      set_zip_error (error, npz->label, m->member, zip_file_get_error (zf));
      zip_fclose (zf);
      return FALSE;
    }
  zip_fclose (zf);
  g_autoptr (GError) local = NULL;
  if (!ps_npy_parse_header (buf, (gsize) n, &m->info.header, &local))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s: %s", npz->label, m->member,
                   local->message);
      return FALSE;
    }
  guint64 implied = m->info.header.data_offset + m->info.header.data_nbytes;
  if (implied < m->info.header.data_nbytes || implied != m->info.size)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s declares %" G_GUINT64_FORMAT
                   " uncompressed bytes but its .npy header implies %" G_GUINT64_FORMAT,
                   npz->label, m->member, m->info.size, implied);
      return FALSE;
    }
  return TRUE;
}

/* libzip refuses archives with duplicate names on open, as "File already exists". */
static const char *
describe_zip_error (zip_error_t *ze)
{
  if (zip_error_code_zip (ze) == ZIP_ER_EXISTS)
    return "the archive has two members with the same name";
  return zip_error_strerror (ze);
}

static PsNpz *
npz_init (PsNpz *npz, GError **error)
{
  g_autoptr (PsNpz) owned = npz;
  npz->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  npz->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  zip_int64_t n = zip_get_num_entries (npz->zip, 0);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (zip_int64_t i = 0; i < n; i++)
    {
      zip_stat_t sb;
      zip_stat_init (&sb);
      if (zip_stat_index (npz->zip, (zip_uint64_t) i, 0, &sb) != 0)
        {
          set_zip_error (error, npz->label, "cannot read the directory", zip_get_error (npz->zip));
          return NULL;
        }
      if (!(sb.valid & ZIP_STAT_NAME) || sb.name == NULL)
        continue;
      if (!g_hash_table_add (seen, g_strdup (sb.name)))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member name %s appears twice",
                       npz->label, sb.name);
          return NULL;
        }
      if (!g_str_has_suffix (sb.name, ".npy"))
        continue;
      if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s is encrypted", npz->label, sb.name);
          return NULL;
        }
      if (!(sb.valid & ZIP_STAT_COMP_METHOD)
          || (sb.comp_method != ZIP_CM_STORE && sb.comp_method != ZIP_CM_DEFLATE))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s uses an unsupported compression "
                       "method (only stored and deflate)", npz->label, sb.name);
          return NULL;
        }
      if (!(sb.valid & ZIP_STAT_SIZE) || sb.size > PS_NPZ_MAX_MEMBER_BYTES)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s declares %" G_GUINT64_FORMAT
                       " uncompressed bytes, more than the limit of %" G_GUINT64_FORMAT, npz->label,
                       sb.name, (guint64) sb.size, PS_NPZ_MAX_MEMBER_BYTES);
          return NULL;
        }
      Member *m = g_new0 (Member, 1);
      m->name = g_strndup (sb.name, strlen (sb.name) - 4);
      m->member = g_strdup (sb.name);
      m->index = (zip_uint64_t) i;
      m->info.name = m->name;
      m->info.compressed = sb.comp_method == ZIP_CM_DEFLATE;
      m->info.size = sb.size;
      m->info.compressed_size = (sb.valid & ZIP_STAT_COMP_SIZE) ? sb.comp_size : 0;
      g_ptr_array_add (npz->members, m);
      g_hash_table_insert (npz->by_name, m->name, m);
      if (!read_member_header (npz, m, error))
        return NULL;
      guint64 comp = (sb.valid & ZIP_STAT_COMP_SIZE) ? (guint64) sb.comp_size : 0;
      if (!(sb.valid & ZIP_STAT_COMP_SIZE)
          || (sb.comp_method == ZIP_CM_STORE && comp != (guint64) sb.size)
          || (sb.comp_method == ZIP_CM_DEFLATE && (guint64) sb.size > comp * PS_NPZ_MAX_RATIO + PS_NPZ_RATIO_SLACK))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s declares %" G_GUINT64_FORMAT
                       " uncompressed bytes from %" G_GUINT64_FORMAT " compressed, more than %s can give "
                       "(at most %d:1): refusing to inflate it", npz->label, sb.name, (guint64) sb.size, comp,
                       sb.comp_method == ZIP_CM_STORE ? "storing" : "deflate",
                       sb.comp_method == ZIP_CM_STORE ? 1 : PS_NPZ_MAX_RATIO);
          return NULL;
        }
    }
  return g_steal_pointer (&owned);
}

PsNpz *
ps_npz_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  int zerr = 0;
  int fd = ps_regular_file_open (path, error);   /* a FIFO or /dev/zero is refused, not read */
  if (fd < 0)
    return NULL;
  zip_t *z = zip_fdopen (fd, ZIP_CHECKCONS, &zerr);   /* owns fd when it succeeds */
  if (z == NULL)
    {
      close (fd);
      zip_error_t ze;
      zip_error_init_with_code (&ze, zerr);
      if (zerr == ZIP_ER_OPEN || zerr == ZIP_ER_NOENT || zerr == ZIP_ER_READ)
        g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, describe_zip_error (&ze));
      else
        {
          g_autofree char *base = g_path_get_basename (path);
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not a valid zip archive: %s", base,
                       describe_zip_error (&ze));
        }
      zip_error_fini (&ze);
      return NULL;
    }
  PsNpz *npz = g_new0 (PsNpz, 1);
  npz->zip = z;
  npz->label = g_path_get_basename (path);
  return npz_init (npz, error);
}

PsNpz *
ps_npz_new_from_bytes (GBytes *bytes, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  zip_error_t ze;
  zip_error_init (&ze);
  zip_source_t *src = zip_source_buffer_create (len ? data : "", len, 0, &ze);
  zip_t *z = src ? zip_open_from_source (src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
  if (z == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "<memory>: not a valid zip archive: %s",
                   describe_zip_error (&ze));
      zip_error_fini (&ze);
      if (src != NULL)
        zip_source_free (src);
      return NULL;
    }
  zip_error_fini (&ze);
  PsNpz *npz = g_new0 (PsNpz, 1);
  npz->zip = z;
  npz->bytes = g_bytes_ref (bytes);
  npz->label = g_strdup ("<memory>");
  return npz_init (npz, error);
}

guint
ps_npz_get_n_arrays (PsNpz *npz)
{
  return npz->members->len;
}

const PsNpzInfo *
ps_npz_get_info (PsNpz *npz, guint index)
{
  g_return_val_if_fail (index < npz->members->len, NULL);
  return &((Member *) npz->members->pdata[index])->info;
}

const PsNpzInfo *
ps_npz_lookup (PsNpz *npz, const char *name)
{
  Member *m = g_hash_table_lookup (npz->by_name, name);
  return m ? &m->info : NULL;
}

PsTensor *
ps_npz_load (PsNpz *npz, const char *name, GError **error)
{
  Member *m = g_hash_table_lookup (npz->by_name, name);
  if (m == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no array named \"%s\"", npz->label, name);
      return NULL;
    }
  zip_file_t *zf = zip_fopen_index (npz->zip, m->index, 0);
  if (zf == NULL)
    {
      set_zip_error (error, npz->label, m->member, zip_get_error (npz->zip));
      return NULL;
    }
  /* The size was checked against the cap and the .npy header on open. The buffer grows only as
   * data actually arrives, so a member that lies about its size costs no more than it delivers. */
  guint64 want = m->info.size;
  gsize cap = (gsize) MIN (want, (guint64) READ_CHUNK);
  g_autofree guint8 *buf = g_try_malloc (MAX (cap, 1));
  guint64 got = 0;
  gboolean ok = buf != NULL;
  while (ok && got < want)
    {
      if (got == cap)
        {
          gsize ncap = (gsize) MIN (want, (guint64) cap * 2);
          guint8 *nb = g_try_realloc (buf, ncap);
          if (nb == NULL)
            {
              ok = FALSE;
              break;
            }
          buf = nb;
          cap = ncap;
        }
      zip_int64_t n = zip_fread (zf, buf + got, MIN (cap - got, READ_CHUNK));
      if (n <= 0)
        break;
      got += (guint64) n;
    }
  if (buf == NULL || !ok)
    {
      zip_fclose (zf);
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "%s: member %s: out of memory", npz->label, m->member);
      return NULL;
    }
  /* One more read checks that the member ends where declared (and makes libzip verify the CRC). */
  guint8 extra;
  zip_int64_t tail = got == want ? zip_fread (zf, &extra, 1) : 0;
  if (got != want || tail != 0)
    {
      if (tail < 0 || got != want)
        {
          zip_error_t *ze = zip_file_get_error (zf);
          if (zip_error_code_zip (ze) != ZIP_ER_OK)
            set_zip_error (error, npz->label, m->member, ze);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s is truncated (%" G_GUINT64_FORMAT
                         " of %" G_GUINT64_FORMAT " bytes)", npz->label, m->member, got, want);
        }
      else
        g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: member %s has more data than its declared "
                     "%" G_GUINT64_FORMAT " bytes", npz->label, m->member, want);
      zip_fclose (zf);
      return NULL;
    }
  zip_fclose (zf);
  g_autoptr (GError) local = NULL;
  PsTensor *t = ps_npy_load_from_data (buf, (gsize) got, NULL, &local);
  if (t == NULL)
    g_set_error (error, PS_ERROR, local->code, "%s: member %s: %s", npz->label, m->member, local->message);
  return t;
}

gboolean
ps_npz_write (const char *path, guint n_tensors, const char *const *names, PsTensor *const *tensors,
              gboolean compress, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_tensors; i++)
    if (names[i][0] == '\0' || !g_utf8_validate (names[i], -1, NULL)
        || !g_hash_table_add (seen, (gpointer) names[i]))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "array name \"%s\" is empty, not UTF-8 or given twice", names[i]);
        return FALSE;
      }
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < n_tensors; i++)
    {
      GBytes *b = ps_npy_serialize (tensors[i], error);
      if (b == NULL)
        return FALSE;
      g_ptr_array_add (images, b);
    }

  /* Build the archive in memory, then write it atomically. */
  zip_error_t ze;
  zip_error_init (&ze);
  zip_source_t *out = zip_source_buffer_create (NULL, 0, 0, &ze);
  zip_t *z = out ? zip_open_from_source (out, ZIP_TRUNCATE, &ze) : NULL;
  if (z == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "cannot create a zip archive: %s", zip_error_strerror (&ze));
      zip_error_fini (&ze);
      if (out)
        zip_source_free (out);
      return FALSE;
    }
  zip_source_keep (out);
  gboolean ok = TRUE;
  for (guint i = 0; i < n_tensors && ok; i++)
    {
      gsize len;
      const void *d = g_bytes_get_data (images->pdata[i], &len);
      g_autofree char *member = g_strconcat (names[i], ".npy", NULL);
      zip_source_t *s = zip_source_buffer (z, d, len, 0);
      zip_int64_t idx = s ? zip_file_add (z, member, s, ZIP_FL_ENC_UTF_8) : -1;
      if (idx < 0)
        {
          if (s)
            zip_source_free (s);
          ok = FALSE;
        }
      else if (zip_set_file_compression (z, (zip_uint64_t) idx, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
        ok = FALSE;
    }
  if (!ok || zip_close (z) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "cannot build the zip archive: %s",
                   zip_strerror (z));
      zip_discard (z);
      zip_source_free (out);
      zip_error_fini (&ze);
      return FALSE;
    }
  zip_stat_t st;
  zip_stat_init (&st);
  g_autofree guint8 *data = NULL;
  gsize size = 0;
  if (zip_source_stat (out, &st) == 0 && zip_source_open (out) == 0)
    {
      size = (gsize) st.size;
      data = g_try_malloc (MAX (size, 1));
      if (data == NULL || zip_source_read (out, data, size) != (zip_int64_t) size)
        ok = FALSE;
      zip_source_close (out);
    }
  else
    ok = FALSE;
  zip_source_free (out);
  zip_error_fini (&ze);
  if (!ok)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "cannot read back the zip archive built in memory");
      return FALSE;
    }
  return ps_atomic_file_set_contents (path, data, size, error);
}
