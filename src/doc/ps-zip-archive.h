/* ps-zip-archive.h — a strict, read-only zip reader for torch.save archives.
 *
 * Own central-directory parser (libzip has no API for an entry's data offset and checks CRCs only
 * on a read past the end): the end record, the zip64 end record + locator, the central directory
 * and every local header are read with pread and checked, with overflow-safe 64-bit arithmetic:
 *   - the central directory is trusted for sizes and offsets (torch writes zero sizes and
 *     non-standard zip64 extras in local headers); the local header must have the same name;
 *   - no duplicate names, no byte < 0x20 or 0x7f in a name;
 *   - every record [local header, data end) lies inside the file, before the central directory,
 *     and no two records overlap;
 *   - zip64 sizes and offsets (0xFFFFFFFF markers) are taken from the zip64 extra field;
 *   - data is only ever read from stored (method 0), unencrypted records whose compressed size
 *     equals their size, so nothing is inflated (no compression bombs); other records are listed
 *     and refused on read;
 *   - the CRC-32 of a record is verified the first time it is read in full (ps_zip_archive_read_all
 *     or ps_zip_archive_verify).
 * Listing reads only the end records and the central directory (plus 30 + name + extra bytes per
 * record), never the data. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Limits that no torch-written archive comes near. */
#define PS_ZIP_MAX_RECORDS   ((guint64) 4000000)
#define PS_ZIP_MAX_CD_BYTES  ((guint64) 512 << 20)

typedef struct {
  const char *name;        /* NUL-free UTF-8/ASCII as stored */
  guint16 method;          /* 0 = stored */
  guint16 flags;
  guint32 crc32;
  guint64 size;            /* uncompressed */
  guint64 csize;           /* compressed */
  guint64 header_offset;   /* local header */
  guint64 data_offset;     /* first data byte */
} PsZipEntry;

typedef struct _PsZipArchive PsZipArchive;

/* Same over an open file (the fd is duplicated; the caller keeps its own). */
PsZipArchive *ps_zip_archive_open_fd     (int fd, const char *label, GError **error);
void          ps_zip_archive_free        (PsZipArchive *z);

guint         ps_zip_archive_get_n_entries (PsZipArchive *z);
const PsZipEntry *ps_zip_archive_get_entry (PsZipArchive *z, guint index);
const PsZipEntry *ps_zip_archive_lookup    (PsZipArchive *z, const char *name);

/* Reads `len` bytes at `offset` within a stored record (bounds checked; no CRC check). */
gboolean      ps_zip_archive_read        (PsZipArchive *z, const PsZipEntry *e, guint64 offset,
                                          guint8 *buf, gsize len, GError **error);
/* The whole record into new memory (g_free), its CRC verified. Records larger than `max` refused. */
guint8       *ps_zip_archive_read_all    (PsZipArchive *z, const PsZipEntry *e, guint64 max,
                                          GError **error);
/* The record's bytes in a read-only mapping of the whole file (made once, kept until the archive
 * is freed), without copying; no CRC check (ps_zip_archive_verify with the pointer does it).
 * Touching the bytes raises SIGBUS if the file was truncated since: use ps_sigbus_guard_run. */
const guint8 *ps_zip_archive_map         (PsZipArchive *z, const PsZipEntry *e, GError **error);
/* Checks the CRC of a stored record (cached: done once per record). If `data` is non-NULL it holds
 * the whole record already (no read). */
gboolean      ps_zip_archive_verify      (PsZipArchive *z, const PsZipEntry *e, const guint8 *data,
                                          GError **error);

/* The CRC check of a mapped record done by its reader, in the same pass as its own use of the
 * bytes (while they are in the cache): feed every byte of the record once, in order, then finish.
 * `entry` NULL: nothing to check (the record was checked before, or is not in a zip archive). */
typedef struct {
  PsZipArchive *zip;
  const PsZipEntry *entry;
  const guint8 *record;      /* the mapped record */
  guint32 crc;
  guint64 fed;
} PsZipCrc;

/* TRUE when the record's CRC was checked already. */
gboolean      ps_zip_archive_is_verified (PsZipArchive *z, const PsZipEntry *e);
void          ps_zip_crc_init            (PsZipCrc *c, PsZipArchive *z, const PsZipEntry *e, const guint8 *record);
void          ps_zip_crc_feed            (PsZipCrc *c, const guint8 *p, gsize n);
/* Every byte fed and the CRC as stored: the record counts as checked. Else an error naming it. */
gboolean      ps_zip_crc_finish          (PsZipCrc *c, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsZipArchive, ps_zip_archive_free)

G_END_DECLS
