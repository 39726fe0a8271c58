/* ps-zip-archive.c — see ps-zip-archive.h. */
#include "ps-zip-archive.h"
#include "ps-error.h"
#include "ps-regular-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

struct _PsZipArchive {
  int fd;
  char *label;
  guint64 file_size;
  GArray *entries;          /* PsZipEntry, central-directory order */
  GStringChunk *names;
  GHashTable *by_name;      /* name → index + 1 */
  guint8 *verified;         /* per entry: CRC checked */
  GMappedFile *map;         /* the whole file, mapped on first ps_zip_archive_map */
};

#define SIG_LOCAL   0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END     0x06054b50u
#define SIG_END64   0x06064b50u
#define SIG_LOC64   0x07064b50u

static guint16 rd16 (const guint8 *p) { return (guint16) (p[0] | (p[1] << 8)); }
static guint32 rd32 (const guint8 *p) { return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24); }
static guint64 rd64 (const guint8 *p) { return (guint64) rd32 (p) | ((guint64) rd32 (p + 4) << 32); }

static gboolean
fail (PsZipArchive *z, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (PsZipArchive *z, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: zip: %s", z->label, msg);
  return FALSE;
}

static gboolean
pread_exact (PsZipArchive *z, guint8 *buf, gsize len, guint64 offset, GError **error)
{
  if (offset > z->file_size || len > z->file_size - offset)
    return fail (z, error, "read of %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT " past the end of the file",
                 len, offset);
  while (len > 0)
    {
      ssize_t n = pread (z->fd, buf, MIN (len, (gsize) 1 << 30), (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", z->label,
                       n < 0 ? g_strerror (errno) : "the file is shorter than when it was opened");
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

void
ps_zip_archive_free (PsZipArchive *z)
{
  if (z == NULL)
    return;
  if (z->fd >= 0)
    close (z->fd);
  g_free (z->label);
  if (z->entries)
    g_array_unref (z->entries);
  if (z->names)
    g_string_chunk_free (z->names);
  if (z->by_name)
    g_hash_table_unref (z->by_name);
  g_free (z->verified);
  if (z->map)
    g_mapped_file_unref (z->map);
  g_free (z);
}

/* Finds the classic end record: torch writes no comment, but a comment of up to 65535 bytes is legal. */
static gboolean
find_end (PsZipArchive *z, guint64 *end_off, guint8 rec[22], GError **error)
{
  if (z->file_size < 22)
    return fail (z, error, "file too short for a zip archive (%" G_GUINT64_FORMAT " bytes)", z->file_size);
  guint64 tail = MIN (z->file_size, (guint64) 22 + 65535);
  g_autofree guint8 *buf = g_malloc (tail);
  if (!pread_exact (z, buf, tail, z->file_size - tail, error))
    return FALSE;
  for (guint64 i = tail - 22 + 1; i-- > 0;)
    if (rd32 (buf + i) == SIG_END && i + 22 + rd16 (buf + i + 20) == tail)
      {
        memcpy (rec, buf + i, 22);
        *end_off = z->file_size - tail + i;
        return TRUE;
      }
  return fail (z, error, "no end-of-central-directory record (truncated or not a zip file)");
}

/* Applies a zip64 extra field (id 1) to the fields that hold 0xFFFFFFFF, in the standard order. */
static gboolean
apply_zip64 (PsZipArchive *z, const char *name, const guint8 *extra, gsize extra_len, guint64 *usize,
             guint64 *csize, guint64 *offset, GError **error)
{
  gboolean need_u = *usize == 0xFFFFFFFFu, need_c = *csize == 0xFFFFFFFFu, need_o = *offset == 0xFFFFFFFFu;
  gboolean found = FALSE;
  for (gsize p = 0; p < extra_len;)
    {
      if (extra_len - p < 4)
        return fail (z, error, "record \"%s\": truncated extra field", name);
      guint16 id = rd16 (extra + p), len = rd16 (extra + p + 2);
      if (len > extra_len - p - 4)
        return fail (z, error, "record \"%s\": extra field longer than its area", name);
      if (id == 1)
        {
          if (found)
            return fail (z, error, "record \"%s\": two zip64 extra fields", name);
          found = TRUE;
          const guint8 *f = extra + p + 4;
          gsize need = 8 * ((gsize) need_u + need_c + need_o);
          if (len < need)
            return fail (z, error, "record \"%s\": zip64 extra field too short", name);
          if (need_u) { *usize = rd64 (f); f += 8; }
          if (need_c) { *csize = rd64 (f); f += 8; }
          if (need_o) { *offset = rd64 (f); }
        }
      p += 4 + (gsize) len;
    }
  if ((need_u || need_c || need_o) && !found)
    return fail (z, error, "record \"%s\": size or offset 0xFFFFFFFF without a zip64 extra field", name);
  return TRUE;
}

typedef struct { guint64 begin, end; guint index; } Range;

static int
range_cmp (gconstpointer a, gconstpointer b)
{
  const Range *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static PsZipArchive *
open_fd (int fd, const char *label, GError **error)
{
  g_autoptr (PsZipArchive) z = g_new0 (PsZipArchive, 1);
  z->fd = fd;
  z->label = g_strdup (label);
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", label, g_strerror (errno));
      return NULL;
    }
  z->file_size = (guint64) st.st_size;

  guint8 end[22] = { 0 };
  guint64 end_off = 0;
  if (!find_end (z, &end_off, end, error))
    return NULL;
  if (rd16 (end + 4) != 0 || rd16 (end + 6) != 0 || rd16 (end + 8) != rd16 (end + 10))
    return fail (z, error, "multi-disk archives are not supported"), NULL;
  guint64 n_entries = rd16 (end + 10);
  guint64 cd_size = rd32 (end + 12);
  guint64 cd_off = rd32 (end + 16);
  guint64 cd_limit = end_off;      /* the central directory must end where the end records begin */
  /* zip64: a locator 20 bytes before the end record points at the zip64 end record. */
  if (end_off >= 20)
    {
      guint8 loc[20];
      if (!pread_exact (z, loc, 20, end_off - 20, error))
        return NULL;
      if (rd32 (loc) == SIG_LOC64)
        {
          guint64 e64 = rd64 (loc + 8);
          if (rd32 (loc + 4) != 0 || rd32 (loc + 16) > 1)
            return fail (z, error, "multi-disk zip64 archives are not supported"), NULL;
          guint8 r[56];
          if (e64 > end_off - 20 || end_off - 20 - e64 < 56)
            return fail (z, error, "zip64 end record offset %" G_GUINT64_FORMAT " out of range", e64), NULL;
          if (!pread_exact (z, r, 56, e64, error))
            return NULL;
          if (rd32 (r) != SIG_END64)
            return fail (z, error, "no zip64 end record where the locator points"), NULL;
          guint64 rec_size = rd64 (r + 4);
          if (rec_size < 44 || rec_size > end_off - 20 - e64 - 12)
            return fail (z, error, "zip64 end record size %" G_GUINT64_FORMAT " out of range", rec_size), NULL;
          if (rd32 (r + 16) != 0 || rd32 (r + 20) != 0 || rd64 (r + 24) != rd64 (r + 32))
            return fail (z, error, "multi-disk zip64 archives are not supported"), NULL;
          guint64 n64 = rd64 (r + 32), size64 = rd64 (r + 40), off64 = rd64 (r + 48);
          /* the classic fields must agree unless they hold the 0xFFFF(FFFF) markers */
          if ((n_entries != 0xFFFF && n_entries != n64) || (cd_size != 0xFFFFFFFFu && cd_size != size64)
              || (cd_off != 0xFFFFFFFFu && cd_off != off64))
            return fail (z, error, "zip64 end record disagrees with the end record"), NULL;
          n_entries = n64;
          cd_size = size64;
          cd_off = off64;
          cd_limit = e64;
        }
    }
  if (n_entries > PS_ZIP_MAX_RECORDS)
    return fail (z, error, "%" G_GUINT64_FORMAT " records (limit %" G_GUINT64_FORMAT ")", n_entries,
                 PS_ZIP_MAX_RECORDS), NULL;
  if (cd_size > PS_ZIP_MAX_CD_BYTES)
    return fail (z, error, "central directory of %" G_GUINT64_FORMAT " bytes is too large", cd_size), NULL;
  if (cd_off > cd_limit || cd_size != cd_limit - cd_off)
    return fail (z, error, "central directory [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                 ") does not end where the end records begin (%" G_GUINT64_FORMAT "); junk or missing bytes",
                 cd_off, cd_size, cd_limit), NULL;
  if (n_entries > cd_size / 46)
    return fail (z, error, "%" G_GUINT64_FORMAT " records cannot fit in a %" G_GUINT64_FORMAT
                 "-byte central directory", n_entries, cd_size), NULL;

  g_autofree guint8 *cd = g_malloc (cd_size + 1);
  if (!pread_exact (z, cd, cd_size, cd_off, error))
    return NULL;
  z->entries = g_array_sized_new (FALSE, TRUE, sizeof (PsZipEntry), (guint) n_entries);
  z->names = g_string_chunk_new (4096);
  z->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree Range *ranges = g_new (Range, n_entries + 1);
  gsize lbuf_size = 30 + 65535;
  g_autofree guint8 *lbuf = g_malloc (lbuf_size);
  gsize p = 0;
  for (guint64 i = 0; i < n_entries; i++)
    {
      if (cd_size - p < 46 || rd32 (cd + p) != SIG_CENTRAL)
        return fail (z, error, "central directory entry %" G_GUINT64_FORMAT " is malformed", i), NULL;
      const guint8 *c = cd + p;
      guint16 flags = rd16 (c + 8), method = rd16 (c + 10);
      guint32 crc = rd32 (c + 16);
      guint64 csize = rd32 (c + 20), usize = rd32 (c + 24);
      gsize name_len = rd16 (c + 28), extra_len = rd16 (c + 30), comment_len = rd16 (c + 32);
      guint64 hoff = rd32 (c + 42);
      if (rd16 (c + 34) != 0 && rd16 (c + 34) != 0xFFFF)
        return fail (z, error, "central directory entry %" G_GUINT64_FORMAT " on another disk", i), NULL;
      if (46 + name_len + extra_len + comment_len > cd_size - p)
        return fail (z, error, "central directory entry %" G_GUINT64_FORMAT " runs past the directory", i), NULL;
      if (name_len == 0)
        return fail (z, error, "record %" G_GUINT64_FORMAT " has an empty name", i), NULL;
      GString *printable = g_string_new (NULL);
      for (gsize k = 0; k < name_len; k++)
        {
          guint8 ch = c[46 + k];
          if (ch < 0x20 || ch == 0x7f)
            {
              g_string_append_printf (printable, "\\x%02x", ch);
              g_autofree char *s = g_string_free (printable, FALSE);
              return fail (z, error, "record name \"%s\" contains control byte 0x%02x", s, ch), NULL;
            }
          g_string_append_c (printable, (char) ch);
        }
      g_autofree char *tmp = g_string_free (printable, FALSE);
      if (g_hash_table_contains (z->by_name, tmp))
        return fail (z, error, "duplicate record name \"%s\"", tmp), NULL;
      const char *name = g_string_chunk_insert (z->names, tmp);
      if (!apply_zip64 (z, name, c + 46 + name_len, extra_len, &usize, &csize, &hoff, error))
        return NULL;

      /* the local header: same name; its own sizes are not trusted (torch writes zeros there).
       * Header and name in one read (one pread per record keeps listing fast). */
      if (hoff > cd_off || cd_off - hoff < 30)
        return fail (z, error, "record \"%s\": local header offset %" G_GUINT64_FORMAT " outside the data area",
                     name, hoff), NULL;
      gsize want = (gsize) MIN ((guint64) (30 + name_len), cd_off - hoff);
      if (want > lbuf_size)
        {
          lbuf_size = want;
          lbuf = g_realloc (lbuf, lbuf_size);
        }
      if (!pread_exact (z, lbuf, want, hoff, error))
        return NULL;
      const guint8 *lh = lbuf;
      if (rd32 (lh) != SIG_LOCAL)
        return fail (z, error, "record \"%s\": no local header at offset %" G_GUINT64_FORMAT, name, hoff), NULL;
      gsize lname = rd16 (lh + 26), lextra = rd16 (lh + 28);
      if (lname != name_len || want < 30 + lname || memcmp (lh + 30, c + 46, lname) != 0)
        return fail (z, error, "record \"%s\": local header names another record", name), NULL;
      if (rd16 (lh + 8) != method)
        return fail (z, error, "record \"%s\": local and central compression methods differ", name), NULL;
      guint64 data_off = hoff + 30 + lname + lextra;   /* no overflow: hoff < 2^64 - 2^18 checked below */
      if (hoff > G_MAXUINT64 - 30 - 65535 - 65535 || data_off > cd_off || csize > cd_off - data_off)
        return fail (z, error, "record \"%s\": data [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                     ") runs into the central directory or past the file", name, data_off, csize), NULL;
      PsZipEntry e = { name, method, flags, crc, usize, csize, hoff, data_off };
      g_array_append_val (z->entries, e);
      g_hash_table_insert (z->by_name, (gpointer) name, GUINT_TO_POINTER (z->entries->len));
      ranges[i] = (Range) { hoff, data_off + csize, (guint) i };
      p += 46 + name_len + extra_len + comment_len;
    }
  if (p != cd_size)
    return fail (z, error, "%" G_GSIZE_FORMAT " unexplained bytes in the central directory", (gsize) (cd_size - p)), NULL;
  qsort (ranges, n_entries, sizeof (Range), range_cmp);
  for (guint64 i = 1; i < n_entries; i++)
    if (ranges[i].begin < ranges[i - 1].end)
      {
        const PsZipEntry *a = &g_array_index (z->entries, PsZipEntry, ranges[i - 1].index);
        const PsZipEntry *b = &g_array_index (z->entries, PsZipEntry, ranges[i].index);
        return fail (z, error, "records \"%s\" and \"%s\" overlap", a->name, b->name), NULL;
      }
  z->verified = g_malloc0 (n_entries + 1);
  return g_steal_pointer (&z);
}

PsZipArchive *
ps_zip_archive_open_fd (int fd, const char *label, GError **error)
{
  int dup_fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", label, g_strerror (errno));
      return NULL;
    }
  PsZipArchive *z = open_fd (dup_fd, label, error);
  if (z == NULL)
    close (dup_fd);
  return z;
}

guint
ps_zip_archive_get_n_entries (PsZipArchive *z)
{
  return z->entries->len;
}

const PsZipEntry *
ps_zip_archive_get_entry (PsZipArchive *z, guint index)
{
  g_return_val_if_fail (index < z->entries->len, NULL);
  return &g_array_index (z->entries, PsZipEntry, index);
}

const PsZipEntry *
ps_zip_archive_lookup (PsZipArchive *z, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (z->by_name, name));
  return i ? &g_array_index (z->entries, PsZipEntry, i - 1) : NULL;
}

static gboolean
check_stored (PsZipArchive *z, const PsZipEntry *e, GError **error)
{
  if (e->flags & 1)
    return fail (z, error, "record \"%s\" is encrypted", e->name);
  if (e->method != 0)
    return fail (z, error, "record \"%s\" is compressed (method %u); torch.save stores its records "
                 "uncompressed, and compressed records are not inflated", e->name, e->method);
  if (e->csize != e->size)
    return fail (z, error, "record \"%s\" is stored but its sizes differ (%" G_GUINT64_FORMAT " vs %"
                 G_GUINT64_FORMAT ")", e->name, e->csize, e->size);
  return TRUE;
}

gboolean
ps_zip_archive_read (PsZipArchive *z, const PsZipEntry *e, guint64 offset, guint8 *buf, gsize len,
                     GError **error)
{
  if (!check_stored (z, e, error))
    return FALSE;
  if (offset > e->size || len > e->size - offset)
    return fail (z, error, "read of %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT " past the end of record \"%s\" (%"
                 G_GUINT64_FORMAT " bytes)", len, offset, e->name, e->size);
  return pread_exact (z, buf, len, e->data_offset + offset, error);
}

static guint
entry_index (PsZipArchive *z, const PsZipEntry *e)
{
  return (guint) (e - &g_array_index (z->entries, PsZipEntry, 0));
}

/* The zip CRC-32 (zlib's polynomial and conventions) with libdeflate's, which folds with carry-less
 * multiplication where the CPU has it: several times zlib's speed, so checking a mapped record
 * costs about one pass over memory. */
static guint32
crc_update (guint32 crc, const guint8 *p, guint64 n)
{
  while (n > 0)
    {
      gsize k = (gsize) MIN (n, (guint64) 1 << 30);
      crc = (guint32) libdeflate_crc32 (crc, p, k);
      p += k;
      n -= k;
    }
  return crc;
}

gboolean
ps_zip_archive_verify (PsZipArchive *z, const PsZipEntry *e, const guint8 *data, GError **error)
{
  guint i = entry_index (z, e);
  if (z->verified[i])
    return TRUE;
  if (!check_stored (z, e, error))
    return FALSE;
  guint32 crc = 0;
  if (data != NULL)
    crc = crc_update (crc, data, e->size);
  else
    {
      gsize chunk = 1 << 20;
      g_autofree guint8 *buf = g_malloc (chunk);
      for (guint64 done = 0; done < e->size;)
        {
          gsize n = (gsize) MIN ((guint64) chunk, e->size - done);
          if (!pread_exact (z, buf, n, e->data_offset + done, error))
            return FALSE;
          crc = crc_update (crc, buf, n);
          done += n;
        }
    }
  if (crc != e->crc32)
    return fail (z, error, "record \"%s\": CRC-32 mismatch (stored %08x, computed %08x): the file is damaged",
                 e->name, e->crc32, crc);
  z->verified[i] = 1;
  return TRUE;
}

gboolean
ps_zip_archive_is_verified (PsZipArchive *z, const PsZipEntry *e)
{
  return z->verified[entry_index (z, e)] != 0;
}

void
ps_zip_crc_init (PsZipCrc *c, PsZipArchive *z, const PsZipEntry *e, const guint8 *record)
{
  c->zip = z;
  c->entry = e;
  c->record = record;
  c->crc = 0;
  c->fed = 0;
}

void
ps_zip_crc_feed (PsZipCrc *c, const guint8 *p, gsize n)
{
  if (c->entry == NULL || n == 0)
    return;
  c->crc = crc_update (c->crc, p, n);
  c->fed += n;
}

gboolean
ps_zip_crc_finish (PsZipCrc *c, GError **error)
{
  if (c->entry == NULL)
    return TRUE;
  const PsZipEntry *e = c->entry;
  if (c->fed != e->size)
    return fail (c->zip, error, "record \"%s\": %" G_GUINT64_FORMAT " of its %" G_GUINT64_FORMAT
                 " bytes checked", e->name, c->fed, e->size);
  if (c->crc != e->crc32)
    return fail (c->zip, error, "record \"%s\": CRC-32 mismatch (stored %08x, computed %08x): the file is damaged",
                 e->name, e->crc32, c->crc);
  c->zip->verified[entry_index (c->zip, e)] = 1;
  return TRUE;
}

const guint8 *
ps_zip_archive_map (PsZipArchive *z, const PsZipEntry *e, GError **error)
{
  if (!check_stored (z, e, error))
    return NULL;
  if (z->map == NULL)
    {
      g_autoptr (GError) local = NULL;
      z->map = g_mapped_file_new_from_fd (z->fd, FALSE, &local);
      if (z->map == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: cannot map: %s", z->label, local->message);
          return NULL;
        }
    }
  /* the records were checked against the size at opening; a file truncated since is refused here
   * (and a truncation after this point is the caller's SIGBUS guard's) */
  guint64 len = g_mapped_file_get_length (z->map);
  if (len < z->file_size || e->data_offset > len || e->size > len - e->data_offset)
    return fail (z, error, "the file is shorter than when it was opened"), NULL;
  return (const guint8 *) g_mapped_file_get_contents (z->map) + e->data_offset;
}

guint8 *
ps_zip_archive_read_all (PsZipArchive *z, const PsZipEntry *e, guint64 max, GError **error)
{
  if (!check_stored (z, e, error))
    return NULL;
  if (e->size > max || e->size >= G_MAXSIZE)
    return fail (z, error, "record \"%s\" of %" G_GUINT64_FORMAT " bytes is larger than the %" G_GUINT64_FORMAT
                 "-byte limit", e->name, e->size, max), NULL;
  g_autofree guint8 *buf = g_try_malloc ((gsize) e->size + 1);
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "%s: cannot allocate %" G_GUINT64_FORMAT " bytes",
                   z->label, e->size);
      return NULL;
    }
  if (!pread_exact (z, buf, (gsize) e->size, e->data_offset, error) || !ps_zip_archive_verify (z, e, buf, error))
    return NULL;
  return g_steal_pointer (&buf);
}
