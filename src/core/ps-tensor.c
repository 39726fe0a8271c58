/* ps-tensor.c — see ps-tensor.h for the layout and the immutability rule. */
#include "ps-tensor.h"
#include "ps-memory.h"

#include <stdlib.h>
#include <string.h>

struct _PsStorage {
  gatomicrefcount ref_count;
  gsize nbytes;
  void *data;
};

static guint64 max_bytes = PS_TENSOR_MAX_BYTES;

/* Freed large buffers are kept, a few of them, for the next allocation of the same size. Snapshots
 * are immutable, so replaying a recipe allocates a fresh tensor per op and frees the dropped state's
 * right after: without this a 64 MB weight went back to the kernel and was faulted in again, page by
 * page, at every op (a fifth of `paramscope-cli run`'s CPU time for a 4096×4096 Linear). A training
 * step of a convnet allocates several activations and gradients over 1 MiB of the same few sizes at
 * every step (a batch of 64 through Conv2d(1, 8, 3) on 28×28 images: 1.4 MB each); with one spare,
 * malloc grew and trimmed its heap and the pages were faulted in again at every step (a sixth of the
 * step's CPU time). SPARE_SLOTS blocks of up to SPARE_MAX_BYTES in all are kept; a new one replaces
 * the oldest. Contents are never relied on (zeroed storage is cleared again). Not in
 * AddressSanitizer builds, where reusing a freed buffer would hide a use after free. */
#define SPARE_MIN_BYTES ((gsize) 1 << 20)
#define SPARE_MAX_BYTES ((gsize) 256 << 20)
#define SPARE_SLOTS 8
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARE_ENABLED 0
#endif
#endif
#ifndef SPARE_ENABLED
#define SPARE_ENABLED 1
#endif
G_LOCK_DEFINE_STATIC (spare);
static struct {
  void *data;
  gsize size;
  guint64 age;   /* when it was given (a counter): the oldest goes first */
} spare[SPARE_SLOTS];
static gsize spare_total;
static guint64 spare_clock;

/* The spares and the cached blocks below are counted in the memory ledger (ps-memory.h) as
 * PS_MEMORY_BLOCK_CACHE while they are kept, and given back (cache_reclaim) when a reservation
 * would not fit the budget otherwise. */
static void *
spare_take (gsize padded)
{
  void *data = NULL;
  if (!SPARE_ENABLED || padded < SPARE_MIN_BYTES)
    return NULL;
  G_LOCK (spare);
  int best = -1;
  for (int i = 0; i < SPARE_SLOTS; i++)   /* the newest of that size: most likely still in cache */
    if (spare[i].data != NULL && spare[i].size == padded && (best < 0 || spare[i].age > spare[best].age))
      best = i;
  if (best >= 0)
    {
      data = spare[best].data;
      spare[best].data = NULL;
      spare[best].size = 0;
      spare_total -= padded;
    }
  G_UNLOCK (spare);
  if (data != NULL)
    ps_memory_release (PS_MEMORY_BLOCK_CACHE, padded);
  return data;
}

/* Keeps data as a spare (freeing the oldest ones while there is no slot or the total would pass
 * SPARE_MAX_BYTES) or frees it. */
static void
spare_give (void *data, gsize padded)
{
  if (!(SPARE_ENABLED && padded >= SPARE_MIN_BYTES && padded <= SPARE_MAX_BYTES))
    {
      free (data);
      return;
    }
  void *evicted[SPARE_SLOTS];
  gsize evicted_size[SPARE_SLOTS];
  int n_evicted = 0;
  ps_memory_count (PS_MEMORY_BLOCK_CACHE, padded);
  G_LOCK (spare);
  for (;;)
    {
      int empty = -1, oldest = -1;
      for (int i = 0; i < SPARE_SLOTS; i++)
        if (spare[i].data == NULL)
          empty = empty < 0 ? i : empty;
        else if (oldest < 0 || spare[i].age < spare[oldest].age)
          oldest = i;
      if (empty >= 0 && spare_total + padded <= SPARE_MAX_BYTES)
        {
          spare[empty].data = data;
          spare[empty].size = padded;
          spare[empty].age = ++spare_clock;
          spare_total += padded;
          break;
        }
      /* oldest >= 0 here: with every slot empty the total is 0 and padded fits */
      evicted[n_evicted] = spare[oldest].data;
      evicted_size[n_evicted++] = spare[oldest].size;
      spare_total -= spare[oldest].size;
      spare[oldest].data = NULL;
      spare[oldest].size = 0;
    }
  G_UNLOCK (spare);
  for (int i = 0; i < n_evicted; i++)
    {
      free (evicted[i]);
      ps_memory_release (PS_MEMORY_BLOCK_CACHE, evicted_size[i]);
    }
}

/* Freed blocks of up to 1 MiB are kept, a few per size, for the next allocation of that size: a
 * training step allocates the same activations, gradients and optimizer results at every step,
 * and aligned_alloc always takes malloc's slow path (a third of a small MLP's step). Sizes up to
 * 4 KiB are their own classes (multiples of 64 bytes); larger ones are rounded up to a power of two.
 * At most CACHE_MAX_TOTAL bytes are held. Off under AddressSanitizer, like the spare. */
#define CACHE_SMALL_MAX ((gsize) 4096)
#define CACHE_MAX_BLOCK ((gsize) 1 << 20)
#define CACHE_PER_CLASS 16
#define CACHE_MAX_TOTAL ((gsize) 16 << 20)
#define CACHE_N_SMALL (CACHE_SMALL_MAX / 64)
#define CACHE_N_CLASSES (CACHE_N_SMALL + 8)   /* + 8 KiB, 16 KiB, …, 1 MiB */
G_LOCK_DEFINE_STATIC (cache);
static struct {
  guint n;
  void *blocks[CACHE_PER_CLASS];
} cache[CACHE_N_CLASSES];
static gsize cache_total;

/* The class of a padded size (and the size actually allocated for it), or -1 when not cached. */
static int
cache_class (gsize padded, gsize *alloc_size)
{
  if (!SPARE_ENABLED || padded > CACHE_MAX_BLOCK)
    {
      *alloc_size = padded;
      return -1;
    }
  if (padded <= CACHE_SMALL_MAX)
    {
      *alloc_size = padded;
      return (int) (padded / 64) - 1;
    }
  int k = 0;
  gsize sz = CACHE_SMALL_MAX * 2;
  while (sz < padded)
    {
      sz <<= 1;
      k++;
    }
  *alloc_size = sz;
  return (int) CACHE_N_SMALL + k;
}

static void *
cache_take (int cls, gsize alloc_size)
{
  void *data = NULL;
  if (cls < 0)
    return NULL;
  G_LOCK (cache);
  if (cache[cls].n > 0)
    {
      data = cache[cls].blocks[--cache[cls].n];
      cache_total -= alloc_size;
    }
  G_UNLOCK (cache);
  if (data != NULL)
    ps_memory_release (PS_MEMORY_BLOCK_CACHE, alloc_size);
  return data;
}

static gboolean
cache_give (int cls, gsize alloc_size, void *data)
{
  gboolean kept = FALSE;
  if (cls < 0)
    return FALSE;
  G_LOCK (cache);
  if (cache[cls].n < CACHE_PER_CLASS && cache_total + alloc_size <= CACHE_MAX_TOTAL)
    {
      cache[cls].blocks[cache[cls].n++] = data;
      cache_total += alloc_size;
      kept = TRUE;
    }
  G_UNLOCK (cache);
  if (kept)
    ps_memory_count (PS_MEMORY_BLOCK_CACHE, alloc_size);
  return kept;
}

/* Frees every kept block and the spares (the ledger's reclaimer: memory held only for reuse goes
 * before an allocation is refused). */
static void
cache_reclaim (void)
{
  for (int cls = 0; cls < (int) CACHE_N_CLASSES; cls++)
    {
      gsize alloc_size;
      cache_class (cls < (int) CACHE_N_SMALL ? (gsize) (cls + 1) * 64 : CACHE_SMALL_MAX << (cls - (int) CACHE_N_SMALL + 1),
                   &alloc_size);
      void *data;
      while ((data = cache_take (cls, alloc_size)) != NULL)
        free (data);
    }
  void *old[SPARE_SLOTS];
  gsize old_size[SPARE_SLOTS];
  G_LOCK (spare);
  for (int i = 0; i < SPARE_SLOTS; i++)
    {
      old[i] = spare[i].data;
      old_size[i] = spare[i].size;
      spare[i].data = NULL;
      spare[i].size = 0;
    }
  spare_total = 0;
  G_UNLOCK (spare);
  for (int i = 0; i < SPARE_SLOTS; i++)
    if (old[i] != NULL)
      {
        free (old[i]);
        ps_memory_release (PS_MEMORY_BLOCK_CACHE, old_size[i]);
      }
}

void
ps_tensor_set_max_bytes (guint64 limit)
{
  max_bytes = limit == 0 || limit > PS_TENSOR_MAX_BYTES ? PS_TENSOR_MAX_BYTES : limit;
}

guint64
ps_tensor_get_max_bytes (void)
{
  return max_bytes;
}

/* The process-wide memory budget is the ledger's (ps-memory.h); a storage counts its nbytes there
 * as PS_MEMORY_TENSORS while it lives. */
void
ps_tensor_set_budget (guint64 bytes)
{
  ps_memory_set_budget (bytes);
}

guint64
ps_tensor_get_budget (void)
{
  return ps_memory_get_budget ();
}

guint64
ps_tensor_get_bytes_in_use (void)
{
  return ps_memory_in_use (PS_MEMORY_TENSORS);
}

gboolean
ps_tensor_budget_from_env (GError **error)
{
  return ps_memory_budget_from_env (error);
}

static gboolean
over_max (guint64 bytes, const char *what, GError **error)
{
  if (bytes > max_bytes)
    {
      g_autofree char *b = ps_format_bytes (bytes), *m = ps_format_bytes (max_bytes);
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "cannot allocate %s for %s: more than the limit of %s for one allocation",
                   b, what, m);
      return TRUE;
    }
  return FALSE;
}

gboolean
ps_tensor_check_scratch (guint64 bytes, const char *what, GError **error)
{
  /* checked against everything the ledger counts (reserved and given back at once) */
  if (over_max (bytes, what, error) || !ps_memory_reserve (PS_MEMORY_SCRATCH, bytes, what, error))
    return FALSE;
  ps_memory_release (PS_MEMORY_SCRATCH, bytes);
  return TRUE;
}

gboolean
ps_tensor_scratch_f32 (int64_t a, int64_t b, int64_t c, const char *what, float **out, GError **error)
{
  int64_t n;
  if (__builtin_mul_overflow (a, b, &n) || __builtin_mul_overflow (n, c, &n)
      || n > (int64_t) (PS_TENSOR_MAX_BYTES / sizeof (float)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT " floats is too large", what, a, b, c);
      return FALSE;
    }
  if (!ps_tensor_check_scratch ((guint64) n * sizeof (float), what, error))
    return FALSE;
  *out = g_try_malloc0 ((gsize) MAX (n, 1) * sizeof (float));
  if (*out == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for %s", what);
      return FALSE;
    }
  return TRUE;
}

static PsStorage *
storage_new (gsize nbytes, gboolean zero, GError **error)
{
  static gsize registered = 0;
  if (g_once_init_enter (&registered))
    {
      ps_memory_add_reclaimer (cache_reclaim);
      g_once_init_leave (&registered, 1);
    }
  /* Reserve first, so concurrent allocations cannot both pass the budget check. */
  if (over_max (nbytes, "a tensor", error) || !ps_memory_reserve (PS_MEMORY_TENSORS, nbytes, "a tensor", error))
    return NULL;
  /* aligned_alloc wants a multiple of the alignment; always allocate at least one block. */
  gsize padded = (nbytes + 63) & ~(gsize) 63;
  if (padded == 0)
    padded = 64;
  gsize alloc_size;
  const int cls = cache_class (padded, &alloc_size);
  void *data = cls >= 0 ? cache_take (cls, alloc_size) : spare_take (padded);
  if (data == NULL)
    data = aligned_alloc (64, alloc_size);
  if (data == NULL)
    {
      ps_memory_release (PS_MEMORY_TENSORS, nbytes);
      g_autofree char *b = ps_format_bytes (nbytes);
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory allocating %s for a tensor", b);
      return NULL;
    }
  if (zero)
    memset (data, 0, padded);
  PsStorage *s = g_new0 (PsStorage, 1);
  g_atomic_ref_count_init (&s->ref_count);
  s->nbytes = nbytes;
  s->data = data;
  return s;
}

static void
storage_unref (PsStorage *s)
{
  if (g_atomic_ref_count_dec (&s->ref_count))
    {
      ps_memory_release (PS_MEMORY_TENSORS, s->nbytes);
      gsize padded = (s->nbytes + 63) & ~(gsize) 63, alloc_size;
      if (padded == 0)
        padded = 64;
      const int cls = cache_class (padded, &alloc_size);
      if (cls < 0)
        spare_give (s->data, padded);
      else if (!cache_give (cls, alloc_size, s->data))
        free (s->data);
      g_free (s);
    }
}

gsize
ps_dtype_size (PsDType dtype)
{
  switch (dtype)
    {
    case PS_DTYPE_FLOAT32: return 4;
    case PS_DTYPE_INT64: return 8;
    default: g_return_val_if_reached (0);
    }
}

const char *
ps_dtype_name (PsDType dtype)
{
  switch (dtype)
    {
    case PS_DTYPE_FLOAT32: return "float32";
    case PS_DTYPE_INT64: return "int64";
    default: g_return_val_if_reached ("?");
    }
}

gboolean
ps_shape_numel (int ndim, const int64_t *shape, int64_t *numel, GError **error)
{
  if (ndim < 0 || ndim > PS_MAX_DIMS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "tensors have at most %d dimensions, got %d", PS_MAX_DIMS, ndim);
      return FALSE;
    }
  /* nz: the product of the non-zero dims, which the strides reach even when numel is 0
   * ([0, 2^63 − 1, 5] overflowed computing its strides) */
  int64_t n = 1, nz = 1;
  for (int i = 0; i < ndim; i++)
    {
      if (shape[i] < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "negative dimension %" G_GINT64_FORMAT " in shape", shape[i]);
          return FALSE;
        }
      if (shape[i] != 0 && __builtin_mul_overflow (nz, shape[i], &nz))
        {
          g_autofree char *s = ps_shape_to_string (ndim, shape);
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                       "the number of elements of shape %s overflows", s);
          return FALSE;
        }
      n *= shape[i];
    }
  *numel = n;
  return TRUE;
}

char *
ps_shape_to_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static PsTensor *
tensor_alloc (PsDType dtype, int ndim, const int64_t *shape, gboolean zero, GError **error)
{
  int64_t numel;
  if (!ps_shape_numel (ndim, shape, &numel, error))
    return NULL;
  gsize esize = ps_dtype_size (dtype);
  if ((guint64) numel > G_MAXSIZE / esize)
    {
      g_autofree char *s = ps_shape_to_string (ndim, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "the byte size of shape %s overflows", s);
      return NULL;
    }
  PsStorage *storage = storage_new ((gsize) numel * esize, zero, error);
  if (storage == NULL)
    return NULL;
  PsTensor *t = g_new0 (PsTensor, 1);
  g_atomic_ref_count_init (&t->ref_count);
  t->dtype = dtype;
  t->ndim = ndim;
  t->numel = numel;
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; i--)
    {
      t->shape[i] = shape[i];
      t->strides[i] = stride;
      stride *= shape[i] ? shape[i] : 1;   /* ≤ the product of non-zero dims: checked */
    }
  t->storage = storage;
  t->data = storage->data;
  return t;
}

PsTensor *
ps_tensor_new (PsDType dtype, int ndim, const int64_t *shape, GError **error)
{
  return tensor_alloc (dtype, ndim, shape, TRUE, error);
}

PsTensor *
ps_tensor_new_empty (PsDType dtype, int ndim, const int64_t *shape, GError **error)
{
  return tensor_alloc (dtype, ndim, shape, FALSE, error);
}

PsTensor *
ps_tensor_new_1d (PsDType dtype, int64_t n0, GError **error)
{
  return ps_tensor_new (dtype, 1, &n0, error);
}

PsTensor *
ps_tensor_new_2d (PsDType dtype, int64_t n0, int64_t n1, GError **error)
{
  int64_t shape[2] = { n0, n1 };
  return ps_tensor_new (dtype, 2, shape, error);
}

PsTensor *
ps_tensor_new_like (const PsTensor *t, GError **error)
{
  return ps_tensor_new (t->dtype, t->ndim, t->shape, error);
}

PsTensor *
ps_tensor_new_from_f32 (int ndim, const int64_t *shape, const float *values, GError **error)
{
  PsTensor *t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (t != NULL && t->numel > 0)
    memcpy (t->data, values, (gsize) t->numel * sizeof (float));
  return t;
}

PsTensor *
ps_tensor_ref (PsTensor *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  g_atomic_ref_count_inc (&t->ref_count);
  return t;
}

void
ps_tensor_unref (PsTensor *t)
{
  if (t == NULL)
    return;
  if (g_atomic_ref_count_dec (&t->ref_count))
    {
      storage_unref (t->storage);
      ps_tensor_unref (t->tuple_next);
      g_free (t);
    }
}

PsTensor *
ps_tensor_copy (const PsTensor *t, GError **error)
{
  PsTensor *c = ps_tensor_new_empty (t->dtype, t->ndim, t->shape, error);
  if (c != NULL && t->numel > 0)
    memcpy (c->data, t->data, ps_tensor_nbytes (t));
  return c;
}

PsTensor *
ps_tensor_reshape (PsTensor *t, int ndim, const int64_t *shape, GError **error)
{
  int64_t numel;
  if (!ps_shape_numel (ndim, shape, &numel, error))
    return NULL;
  if (numel != t->numel)
    {
      g_autofree char *a = ps_tensor_shape_string (t);
      g_autofree char *b = ps_shape_to_string (ndim, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "shape '%s' is invalid for input of size %" G_GINT64_FORMAT " (from %s)",
                   b, t->numel, a);
      return NULL;
    }
  PsTensor *v = g_new0 (PsTensor, 1);
  g_atomic_ref_count_init (&v->ref_count);
  v->dtype = t->dtype;
  v->ndim = ndim;
  v->numel = numel;
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; i--)
    {
      v->shape[i] = shape[i];
      v->strides[i] = stride;
      stride *= shape[i] ? shape[i] : 1;   /* ≤ the product of non-zero dims: checked */
    }
  g_atomic_ref_count_inc (&t->storage->ref_count);
  v->storage = t->storage;
  v->data = t->data;
  return v;
}

gboolean
ps_tensor_same_shape (const PsTensor *a, const PsTensor *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return FALSE;
  return TRUE;
}

gboolean
ps_tensor_equal (const PsTensor *a, const PsTensor *b)
{
  return a->dtype == b->dtype && ps_tensor_same_shape (a, b)
         && (a->numel == 0 || memcmp (a->data, b->data, ps_tensor_nbytes (a)) == 0);
}

char *
ps_tensor_shape_string (const PsTensor *t)
{
  return ps_shape_to_string (t->ndim, t->shape);
}

gsize
ps_tensor_nbytes (const PsTensor *t)
{
  return (gsize) t->numel * ps_dtype_size (t->dtype);
}

gboolean
ps_tensor_is_exclusive (const PsTensor *t)
{
  return g_atomic_ref_count_compare ((gatomicrefcount *) &t->ref_count, 1)
         && g_atomic_ref_count_compare ((gatomicrefcount *) &t->storage->ref_count, 1);
}

gboolean
ps_tensor_storage_is_exclusive (const PsTensor *t)
{
  return g_atomic_ref_count_compare ((gatomicrefcount *) &t->storage->ref_count, 1);
}

void
ps_tensor_offset_to_index (const PsTensor *t, int64_t offset, int64_t *index)
{
  for (int d = t->ndim - 1; d >= 0; d--)
    {
      int64_t n = t->shape[d];
      index[d] = n ? offset % n : 0;
      offset = n ? offset / n : 0;
    }
}

PsTensor *
ps_tensor_copy_to_dtype (const PsTensor *t, PsDType dtype, GError **error)
{
  if (t->dtype == dtype)
    return ps_tensor_copy (t, error);
  PsTensor *out = ps_tensor_new_empty (dtype, t->ndim, t->shape, error);
  if (out == NULL)
    return NULL;
  if (dtype == PS_DTYPE_FLOAT32)
    {
      const int64_t *src = t->data;
      float *dst = out->data;
      for (int64_t i = 0; i < t->numel; i++)
        dst[i] = (float) src[i];
      return out;
    }
  const float *src = t->data;
  int64_t *dst = out->data;
  for (int64_t i = 0; i < t->numel; i++)
    {
      /* [-2^63, 2^63) exactly representable bounds as floats */
      if (!(src[i] >= -9223372036854775808.0f && src[i] < 9223372036854775808.0f))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "element %" G_GINT64_FORMAT " (%g) cannot be converted to int64", i, (double) src[i]);
          ps_tensor_unref (out);
          return NULL;
        }
      dst[i] = (int64_t) src[i];
    }
  return out;
}
