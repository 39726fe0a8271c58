/* ps-difference.c — see ps-difference.h. */
#include "ps-difference.h"

PsTensor *
ps_difference_new (const PsTensor *a, const PsTensor *b, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  if (!ps_tensor_same_shape (a, b))
    {
      g_autofree char *sa = ps_tensor_shape_string (a);
      g_autofree char *sb = ps_tensor_shape_string (b);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "cannot subtract tensors of shapes %s and %s", sb, sa);
      return NULL;
    }
  if (a->dtype != b->dtype)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot subtract a %s tensor from a %s tensor", ps_dtype_name (a->dtype),
                   ps_dtype_name (b->dtype));
      return NULL;
    }
  if (a->dtype == PS_DTYPE_INT64)
    {
      const int64_t *x = ps_tensor_ci64 (a), *y = ps_tensor_ci64 (b);
      for (int64_t i = 0; i < a->numel; i++)
        {
          int64_t d;
          if (__builtin_sub_overflow (y[i], x[i], &d))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                           "int64 difference overflows at element %" G_GINT64_FORMAT, i);
              return NULL;
            }
        }
    }
  PsTensor *d = ps_tensor_new_like (a, error);
  if (d == NULL)
    return NULL;
  if (a->dtype == PS_DTYPE_FLOAT32)
    {
      const float *x = ps_tensor_cf32 (a), *y = ps_tensor_cf32 (b);
      float *o = ps_tensor_f32 (d);
      for (int64_t i = 0; i < a->numel; i++)
        o[i] = y[i] - x[i];
    }
  else
    {
      const int64_t *x = ps_tensor_ci64 (a), *y = ps_tensor_ci64 (b);
      int64_t *o = ps_tensor_i64 (d);
      for (int64_t i = 0; i < a->numel; i++)
        o[i] = y[i] - x[i];
    }
  return d;
}

void
ps_heatmap_options_init_difference (PsHeatmapOptions *o)
{
  ps_heatmap_options_init (o);
  o->colormap = PS_COLORMAP_DIVERGING;
  o->range = PS_HEATMAP_RANGE_SYMMETRIC;
}
