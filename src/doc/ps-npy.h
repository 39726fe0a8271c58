/* ps-npy.h — NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: "\x93NUMPY", major, minor, header length (u16 LE in v1, u32 LE in v2/v3), then a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and
 * a newline, then the raw data. The header is read by a small strict parser (no eval): at most
 * 10,000 bytes, exactly the three keys, no object ('O') or structured dtypes. Byte order ('<', '>',
 * '|', '=') is honoured and Fortran-ordered data is transposed into C order.
 *
 * Element types f2/f4/f8/i1/i2/i4/i8/u1/u2/u4/u8/b1 decode as described in ps-raw-dtype.h. The data
 * must have exactly numel × itemsize bytes (trailing bytes are an error). */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-raw-dtype.h"

G_BEGIN_DECLS

#define PS_NPY_MAX_HEADER 10000

typedef struct {
  guint8 major, minor;
  char descr[8];            /* as in the file, e.g. "<f4" */
  PsRawDType raw_dtype;
  gboolean big_endian;      /* of the data ('=' and '|' mean this machine's order) */
  gboolean fortran_order;
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t numel;
  gsize data_offset;        /* bytes before the data: magic, version, length and dict */
  guint64 data_nbytes;      /* numel × itemsize, overflow-checked */
} PsNpyHeader;

/* Parse the header at the start of `data`; `len` may be just a prefix of the file (it must cover
 * the header). */
gboolean   ps_npy_parse_header     (const guint8 *data, gsize len, PsNpyHeader *header, GError **error);
/* A whole .npy image in memory. `header` (optional) receives the parsed header. */
PsTensor  *ps_npy_load_from_data   (const guint8 *data, gsize len, PsNpyHeader *header, GError **error);
/* A file (memory-mapped). */
PsTensor  *ps_npy_load             (const char *path, PsNpyHeader *header, GError **error);

/* The .npy image of a float32 ('<f4') or int64 ('<i8') tensor, as numpy.save writes it (version
 * 1.0 unless the header needs 2.0; header padded to a multiple of 64 bytes). */
GBytes    *ps_npy_serialize        (const PsTensor *t, GError **error);
/* Atomic. */
gboolean   ps_npy_write            (const char *path, const PsTensor *t, GError **error);

G_END_DECLS
