/* ps-dataset.c — see ps-dataset.h. */
#include "ps-dataset.h"
#include "ps-threads.h"

#include <string.h>

PsDataset *
ps_dataset_new (PsTensor *x, PsTensor *y, GError **error)
{
  if (x->ndim < 1 || y->ndim < 1 || x->shape[0] != y->shape[0])
    {
      g_autofree char *a = ps_tensor_shape_string (x);
      g_autofree char *b = ps_tensor_shape_string (y);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Size mismatch between tensors: X %s and y %s", a, b);
      return NULL;
    }
  if ((x->dtype != PS_DTYPE_FLOAT32 && x->dtype != PS_DTYPE_INT64)
      || (y->dtype != PS_DTYPE_FLOAT32 && y->dtype != PS_DTYPE_INT64))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "data set inputs and targets must be float32 or int64 "
                   "(indices), got %s and %s", ps_dtype_name (x->dtype), ps_dtype_name (y->dtype));
      return NULL;
    }
  PsDataset *d = g_new0 (PsDataset, 1);
  g_atomic_ref_count_init (&d->ref_count);
  d->x = ps_tensor_ref (x);
  d->y = ps_tensor_ref (y);
  if (y->dtype == PS_DTYPE_INT64)
    {
      const int64_t *v = ps_tensor_ci64 (y);
      int64_t mx = -1;
      for (int64_t i = 0; i < y->numel; i++)
        mx = MAX (mx, v[i]);
      d->n_classes = mx + 1;
    }
  return d;
}

PsDataset *
ps_dataset_ref (PsDataset *d)
{
  g_atomic_ref_count_inc (&d->ref_count);
  return d;
}

void
ps_dataset_unref (PsDataset *d)
{
  if (d == NULL || !g_atomic_ref_count_dec (&d->ref_count))
    return;
  ps_tensor_unref (d->x);
  ps_tensor_unref (d->y);
  g_free (d);
}

int64_t
ps_dataset_len (const PsDataset *d)
{
  return d->x->shape[0];
}

PsDataset *
ps_dataset_new_toy (const char *type, int64_t n, PsGenerator *gen, GError **error)
{
  if (g_strcmp0 (type, "xor") != 0 && g_strcmp0 (type, "circles") != 0 && g_strcmp0 (type, "blobs") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "unknown data set type '%s' (expected xor, circles, blobs or fashion_mnist)",
                   type ? type : "");
      return NULL;
    }
  if (n < 1 || n > (1 << 24))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "data set size n must be in 1..16777216, got %" G_GINT64_FORMAT, n);
      return NULL;
    }
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, n, 2, error);
  g_autoptr (PsTensor) y = x ? ps_tensor_new_1d (PS_DTYPE_INT64, n, error) : NULL;
  g_autofree float *noise = g_try_new (float, (gsize) (2 * n));
  if (x == NULL || y == NULL)
    return NULL;
  if (noise == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the data set's noise (%" G_GINT64_FORMAT " samples)", n);
      return NULL;
    }
  float *X = ps_tensor_f32 (x);
  int64_t *Y = ps_tensor_i64 (y);
  if (g_str_equal (type, "xor"))
    {
      ps_generator_uniform_f32 (gen, X, (size_t) (2 * n), 0.0, 1.0);
      for (int64_t i = 0; i < 2 * n; i++)
        X[i] = (X[i] * 2.0f) - 1.0f;
      for (int64_t i = 0; i < n; i++)
        Y[i] = (X[2 * i] > 0.0f) ^ (X[2 * i + 1] > 0.0f);
      ps_generator_normal_f32 (gen, noise, (size_t) (2 * n), 0.0, 1.0, TRUE);
      for (int64_t i = 0; i < 2 * n; i++)
        X[i] = X[i] + noise[i] * 0.1f;
    }
  else if (g_str_equal (type, "circles"))
    {
      ps_generator_normal_f32 (gen, X, (size_t) (2 * n), 0.0, 1.0, TRUE);
      for (int64_t i = 0; i < n; i++)
        Y[i] = (X[2 * i] * X[2 * i] + X[2 * i + 1] * X[2 * i + 1]) < 1.0f;
    }
  else
    {
      static const float centers[3][2] = { { -2.0f, -1.0f }, { 2.0f, -1.0f }, { 0.0f, 2.0f } };
      if (!ps_generator_randint (gen, 0, 3, Y, (size_t) n, error))
        return NULL;
      ps_generator_normal_f32 (gen, noise, (size_t) (2 * n), 0.0, 1.0, TRUE);
      for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
          X[2 * i + k] = centers[Y[i]][k] + noise[2 * i + k] * 0.4f;
    }
  return ps_dataset_new (x, y, error);
}

/* rows [begin, end) of a batch: each row of the batch is a copy of the data set's row idx[i] */
typedef struct {
  const PsDataset *d;
  const int64_t *idx;
  PsTensor *bx, *by;
  gsize xrow, yrow;
} BatchGather;

static void
gather_rows (int64_t begin, int64_t end, void *data)
{
  const BatchGather *j = data;
  for (int64_t i = begin; i < end; i++)
    {
      memcpy ((char *) j->bx->data + (gsize) i * j->xrow, (const char *) j->d->x->data + (gsize) j->idx[i] * j->xrow,
              j->xrow);
      memcpy ((char *) j->by->data + (gsize) i * j->yrow, (const char *) j->d->y->data + (gsize) j->idx[i] * j->yrow,
              j->yrow);
    }
}

gboolean
ps_dataset_batch (const PsDataset *d, const int64_t *idx, int64_t count, PsTensor **x, PsTensor **y,
                  GError **error)
{
  int64_t xs[PS_MAX_DIMS], ys[PS_MAX_DIMS];
  memcpy (xs, d->x->shape, sizeof xs);
  memcpy (ys, d->y->shape, sizeof ys);
  xs[0] = ys[0] = count;
  g_autoptr (PsTensor) bx = ps_tensor_new_empty (d->x->dtype, d->x->ndim, xs, error);
  g_autoptr (PsTensor) by = bx ? ps_tensor_new_empty (d->y->dtype, d->y->ndim, ys, error) : NULL;
  if (by == NULL)
    return FALSE;
  const gsize xrow = ps_tensor_nbytes (d->x) / (gsize) MAX (d->x->shape[0], 1);
  const gsize yrow = ps_tensor_nbytes (d->y) / (gsize) MAX (d->y->shape[0], 1);
  BatchGather job = { d, idx, bx, by, xrow, yrow };
  /* rows from all over the data set (a Fashion-MNIST batch of 128 reads 400 KB from a 19 MB set):
   * shared by the CPUs in grains of at least 32 KiB; small batches stay on this thread */
  ps_threads_parallel_for (count, (int64_t) MAX ((gsize) 1, (gsize) 32768 / MAX (xrow + yrow, 1)), gather_rows, &job);
  *x = g_steal_pointer (&bx);
  *y = g_steal_pointer (&by);
  return TRUE;
}

gboolean
ps_data_loader_epoch_order (PsGenerator *gen, int64_t n, gboolean shuffle, int64_t *order, GError **error)
{
  (void) ps_generator_random64 (gen);   /* _BaseDataLoaderIter: _base_seed */
  if (!shuffle)
    {
      for (int64_t i = 0; i < n; i++)
        order[i] = i;
      return TRUE;
    }
  uint64_t seed = ps_generator_random64 (gen) % ((uint64_t) 1 << 63);
  PsGenerator local;
  ps_generator_init (&local, seed, gen->flavour);
  return ps_generator_randperm (&local, n, order, error);
}

int64_t
ps_data_loader_n_batches (int64_t n, int64_t batch_size, gboolean drop_last)
{
  return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}
