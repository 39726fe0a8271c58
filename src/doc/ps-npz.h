/* ps-npz.h — NumPy .npz archives: a zip (stored or deflated members) of "<name>.npy" files.
 *
 * Opening reads the zip directory and each member's .npy header (a bounded read of at most
 * 12 + 10,000 bytes), so listing is cheap. Zip bombs: a member's declared uncompressed size must
 * not exceed PS_NPZ_MAX_MEMBER_BYTES and must equal what its .npy header implies (header + numel ×
 * itemsize), and no more than PS_NPZ_MAX_RATIO times its compressed size; all are checked before
 * anything is inflated, and data is read in bounded chunks that
 * never go past the declared size. Encrypted members, compression methods other than stored and
 * deflate, and duplicate member names are refused. Members not ending in ".npy" are ignored. */
#pragma once

#include <glib.h>
#include "ps-npy.h"

G_BEGIN_DECLS

#define PS_NPZ_MAX_MEMBER_BYTES ((guint64) 4 << 30)
/* Deflate cannot expand more than 1032:1 (258-byte matches in 2-bit codes): a member declaring a
 * larger ratio (plus a small allowance for tiny members), or a stored member whose sizes differ,
 * is refused before it is inflated. */
#define PS_NPZ_MAX_RATIO 1032
#define PS_NPZ_RATIO_SLACK 1024

typedef struct _PsNpz PsNpz;

typedef struct {
  const char *name;           /* member name without ".npy" */
  PsNpyHeader header;         /* descr, shape, fortran_order, … */
  gboolean compressed;        /* deflate (else stored) */
  guint64 size;               /* declared uncompressed size of the member */
  guint64 compressed_size;
} PsNpzInfo;

PsNpz      *ps_npz_open            (const char *path, GError **error);
/* `bytes` is referenced for the archive's lifetime. */
PsNpz      *ps_npz_new_from_bytes  (GBytes *bytes, GError **error);
void        ps_npz_free            (PsNpz *npz);

/* Members in archive order. */
guint       ps_npz_get_n_arrays    (PsNpz *npz);
const PsNpzInfo *ps_npz_get_info   (PsNpz *npz, guint index);
const PsNpzInfo *ps_npz_lookup     (PsNpz *npz, const char *name);
PsTensor   *ps_npz_load            (PsNpz *npz, const char *name, GError **error);

/* Write float32/int64 tensors as "<name>.npy" members, deflated or stored, in the given order.
 * Atomic. */
gboolean    ps_npz_write           (const char *path, guint n_tensors, const char *const *names,
                                    PsTensor *const *tensors, gboolean compress, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsNpz, ps_npz_free)

G_END_DECLS
