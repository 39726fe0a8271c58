/* ps-tensor.h — dense tensors with refcounted storage.
 *
 * Layout: always contiguous row-major (C order); strides are in elements and derived from the
 * shape. A tensor can be a view (reshape) sharing its storage with another tensor.
 *
 * Immutability rule, which the timeline's copy-on-write snapshots rely on: once a tensor has been
 * stored in a parameter, a buffer, an output or a snapshot, its data is never written again. A
 * writer allocates a new tensor, fills it, and swaps it in (ps_param_set_value). Only a tensor you
 * have just created (refcount 1, storage refcount 1) may be written.
 *
 * Every size computation is overflow-checked and allocations larger than PS_TENSOR_MAX_BYTES or
 * that fail are reported as PS_ERROR_OVERFLOW / PS_ERROR_NO_MEMORY, never abort. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-error.h"
#include "ps-memory.h"

G_BEGIN_DECLS

#define PS_MAX_DIMS 8
/* Largest single allocation we attempt. Linux overcommit would otherwise "succeed" and kill the
 * process on first touch. */
#define PS_TENSOR_MAX_BYTES ((guint64) 8 << 30)
/* The limit in force: PS_TENSOR_MAX_BYTES unless lowered. Test hook for the fuzzers, which must
 * keep their memory bounded: set_max_bytes lowers the limit (never raises it above
 * PS_TENSOR_MAX_BYTES); 0 restores the default. Not thread-safe; call before any tensor work. */
void         ps_tensor_set_max_bytes (guint64 max_bytes);
guint64      ps_tensor_get_max_bytes (void);
/* A process-wide memory budget for tensor storage (issue #10: running out is an error, never an
 * abort): the budget of the one memory ledger (ps-memory.h), which also counts the freed blocks
 * kept for reuse and oneDNN's pooled buffers; get_bytes_in_use is the tensors' share. Every live
 * storage counts against it; an allocation that would exceed it fails with
 * PS_ERROR_NO_MEMORY naming the sizes, and the op that asked for it fails without changing anything.
 * 0 (the default) = no budget, only PS_TENSOR_MAX_BYTES per allocation. budget_from_env reads
 * PS_MEMORY_BUDGET_MB (whole MiB; the CLI and the app call it at start). Scratch buffers of the
 * kernels (im2col, attention, RNN, quantiles) are checked with check_scratch against what is left. */
void         ps_tensor_set_budget (guint64 bytes);
guint64      ps_tensor_get_budget (void);
guint64      ps_tensor_get_bytes_in_use (void);
gboolean     ps_tensor_budget_from_env (GError **error);
gboolean     ps_tensor_check_scratch (guint64 bytes, const char *what, GError **error);
/* A kernel's zero-filled working buffer of a·b·c floats (free with g_free), checked like
 * check_scratch; `what` names it in the error ("an RNN working buffer"). */
gboolean     ps_tensor_scratch_f32 (int64_t a, int64_t b, int64_t c, const char *what, float **out,
                                    GError **error);
/* ps_format_bytes ("64.0 MiB (67108864 bytes)") is in ps-memory.h. */

typedef enum {
  PS_DTYPE_FLOAT32,
  PS_DTYPE_INT64,
} PsDType;

typedef struct _PsStorage PsStorage;

typedef struct _PsTensor PsTensor;
struct _PsTensor {
  gatomicrefcount ref_count;
  PsDType dtype;
  int ndim;                        /* 0 = scalar */
  int64_t shape[PS_MAX_DIMS];
  int64_t strides[PS_MAX_DIMS];    /* elements, contiguous row-major */
  int64_t numel;
  PsStorage *storage;
  void *data;                      /* = storage bytes; aligned to 64 bytes */
  /* A forward that returns a tuple of tensors returns its element [0] with the other elements
   * here (owned, set once before the tensor is shared): MaxPool1d/2d(return_indices=True) returns
   * (output, indices) as output->tuple_next = indices. NULL: a plain tensor (everything else). */
  PsTensor *tuple_next;
  /* torch's layout of this 3-D tensor, where it is not C order: TRUE when torch holds it as a view
   * with dims 0 and 1 swapped (memory order dims 1, 0, 2), as a batch_first RNN/LSTM/GRU's
   * output.transpose(0, 1) or a batch_first MultiheadAttention's attn_output.transpose(1, 0); the
   * element-wise layers, whose outputs torch allocates like their inputs, pass it on. Paramscope's
   * data stay C order; the element-wise kernels read this to split vector and scalar code where
   * torch's memory order does (ps-activation.c). Set once, before the tensor is shared. */
  gboolean swapped01;
};

gsize        ps_dtype_size           (PsDType dtype);
const char  *ps_dtype_name           (PsDType dtype);   /* "float32", "int64" */

/* numel of a shape, overflow-checked (negative dims are an error). */
gboolean     ps_shape_numel          (int ndim, const int64_t *shape, int64_t *numel, GError **error);
/* "[5, 10]" */
char        *ps_shape_to_string      (int ndim, const int64_t *shape);

/* Zero-filled new tensor. */
PsTensor    *ps_tensor_new           (PsDType dtype, int ndim, const int64_t *shape, GError **error);
/* Like ps_tensor_new but the contents are unspecified (torch.empty). */
PsTensor    *ps_tensor_new_empty     (PsDType dtype, int ndim, const int64_t *shape, GError **error);
/* Convenience: shape given as a variable argument list of int64_t, e.g. ps_tensor_new_2d. */
PsTensor    *ps_tensor_new_1d        (PsDType dtype, int64_t n0, GError **error);
PsTensor    *ps_tensor_new_2d        (PsDType dtype, int64_t n0, int64_t n1, GError **error);
PsTensor    *ps_tensor_new_like      (const PsTensor *t, GError **error);
PsTensor    *ps_tensor_new_from_f32  (int ndim, const int64_t *shape, const float *values, GError **error);

PsTensor    *ps_tensor_ref           (PsTensor *t);
void         ps_tensor_unref         (PsTensor *t);

/* Deep copy into new storage. */
PsTensor    *ps_tensor_copy          (const PsTensor *t, GError **error);
/* A new tensor of `dtype` with t's values converted as torch's copy_ does: int64 → float32 rounds
 * to nearest (static_cast<float>); float32 → int64 truncates toward zero. A float that is NaN, ±inf
 * or outside int64's range (undefined in C++, platform-dependent in torch) is refused with an error
 * naming the element. Same dtype: a plain copy. */
PsTensor    *ps_tensor_copy_to_dtype (const PsTensor *t, PsDType dtype, GError **error);
/* A view with another shape of the same numel, sharing storage. */
PsTensor    *ps_tensor_reshape       (PsTensor *t, int ndim, const int64_t *shape, GError **error);

gboolean     ps_tensor_same_shape    (const PsTensor *a, const PsTensor *b);
/* Bitwise equality of dtype, shape and data. */
gboolean     ps_tensor_equal         (const PsTensor *a, const PsTensor *b);
char        *ps_tensor_shape_string  (const PsTensor *t);
/* Row-major element offset → multi-index (i0, i1, …, i_{ndim-1}); index holds ndim entries. */
void         ps_tensor_offset_to_index (const PsTensor *t, int64_t offset, int64_t *index);
gsize        ps_tensor_nbytes        (const PsTensor *t);
/* TRUE when the tensor's storage is referenced by no other tensor (so it may be written). */
gboolean     ps_tensor_is_exclusive  (const PsTensor *t);
/* TRUE when no other tensor (view) shares t's storage; t itself may have several holders. */
gboolean     ps_tensor_storage_is_exclusive (const PsTensor *t);

static inline float *
ps_tensor_f32 (PsTensor *t)
{
  g_assert (t->dtype == PS_DTYPE_FLOAT32);
  return (float *) t->data;
}

static inline const float *
ps_tensor_cf32 (const PsTensor *t)
{
  g_assert (t->dtype == PS_DTYPE_FLOAT32);
  return (const float *) t->data;
}

static inline int64_t *
ps_tensor_i64 (PsTensor *t)
{
  g_assert (t->dtype == PS_DTYPE_INT64);
  return (int64_t *) t->data;
}

static inline const int64_t *
ps_tensor_ci64 (const PsTensor *t)
{
  g_assert (t->dtype == PS_DTYPE_INT64);
  return (const int64_t *) t->data;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTensor, ps_tensor_unref)

G_END_DECLS
