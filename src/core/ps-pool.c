/* ps-pool.c — torch 1.13's pooling geometry (ATen/native/Pool.h), see ps-pool.h. */
#include "ps-pool.h"

static int64_t
div_rtn (int64_t x, int64_t y)
{
  int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0)))
    q--;
  return q;
}

gboolean
ps_pool_output_size (int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, gboolean ceil_mode,
                     int64_t *out, GError **error)
{
  if (stride == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "stride should not be zero");
      return FALSE;
    }
  if (pad < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "pad must be non-negative, but got pad: %" G_GINT64_FORMAT, pad);
      return FALSE;
    }
  if (pad > k / 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "pad should be at most half of kernel size, but got pad=%" G_GINT64_FORMAT
                   " and kernel_size=%" G_GINT64_FORMAT, pad, k);
      return FALSE;
    }
  /* in + 2·pad − dilation·(k − 1) − 1 (+ stride − 1), every step checked: the 1-d max pool takes
   * any int64 */
  int64_t span, num, in_pad;
  if (__builtin_mul_overflow (dilation, k - 1, &span)
      || __builtin_add_overflow (in, pad, &in_pad)
      || __builtin_add_overflow (in_pad, pad, &num)
      || __builtin_sub_overflow (num, span, &num)
      || __builtin_sub_overflow (num, 1, &num)
      || (ceil_mode && __builtin_add_overflow (num, stride - 1, &num)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "pooling: the output size overflows");
      return FALSE;
    }
  int64_t o = div_rtn (num, stride) + 1;
  if (ceil_mode)
    {
      int64_t start;
      /* the last window must start inside the input or the left padding */
      if (!__builtin_mul_overflow (o - 1, stride, &start) && start >= in_pad)
        o--;
    }
  *out = o;
  return TRUE;
}

gboolean
ps_pool2d_shape_check (const PsTensor *x, int64_t kH, int64_t kW, int64_t dH, int64_t dW, int64_t padH,
                       int64_t padW, int64_t dilationH, int64_t dilationW, int64_t planes, int64_t inH, int64_t inW,
                       int64_t outH, int64_t outW, GError **error)
{
  if (!(kW > 0 && kH > 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "kernel size should be greater than zero, but got kH: %" G_GINT64_FORMAT " kW: %" G_GINT64_FORMAT,
                   kH, kW);
      return FALSE;
    }
  if (!(dW > 0 && dH > 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "stride should be greater than zero, but got dH: %" G_GINT64_FORMAT " dW: %" G_GINT64_FORMAT,
                   dH, dW);
      return FALSE;
    }
  if (!(dilationH > 0 && dilationW > 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "dilation should be greater than zero, but got dilationH: %" G_GINT64_FORMAT
                   " dilationW: %" G_GINT64_FORMAT, dilationH, dilationW);
      return FALSE;
    }
  const int nd = x->ndim;
  const gboolean valid_dims = x->shape[1] != 0 && x->shape[2] != 0;
  if (!((nd == 3 && x->shape[0] != 0 && valid_dims) || (nd == 4 && valid_dims && x->shape[3] != 0)))
    {
      g_autofree char *s = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:%s", s);
      return FALSE;
    }
  if (!(kW / 2 >= padW && kH / 2 >= padH))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "pad should be smaller than or equal to half of kernel size, but got padW = %" G_GINT64_FORMAT
                   ", padH = %" G_GINT64_FORMAT ", kW = %" G_GINT64_FORMAT ", kH = %" G_GINT64_FORMAT,
                   padW, padH, kW, kH);
      return FALSE;
    }
  if (!(outW >= 1 && outH >= 1))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Given input size: (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "). "
                   "Calculated output size: (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "). "
                   "Output size is too small", planes, inH, inW, planes, outH, outW);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_pool_size (const PsTensor *x, int dim, int64_t *size, GError **error)
{
  if (x->ndim == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Dimension specified as %d but tensor has no dimensions", dim);
      return FALSE;
    }
  if (dim < -x->ndim || dim >= x->ndim)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Dimension out of range (expected to be in range of [%d, %d], but got %d)", -x->ndim,
                   x->ndim - 1, dim);
      return FALSE;
    }
  *size = x->shape[dim < 0 ? dim + x->ndim : dim];
  return TRUE;
}

int
ps_pool_arg (const PsModule *m, const char *name, int64_t v[8])
{
  if (ps_args_is_none (m->args, name))
    return 0;
  return ps_args_get_int_list (m->args, name, v);
}

void
ps_pool_example_input (int nd, int64_t span, PsExampleInput *ex)
{
  const int64_t s = CLAMP (span, 8, 64);
  int64_t shape[4] = { 1, 4, s, s };
  ps_example_input_set (ex, 2 + nd, shape);
}

PsTensor *
ps_pool_grad_input_new (const PsTensor *input, const PsTensor *grad_output, const float **go, float **gi,
                        GError **error)
{
  PsTensor *t = ps_tensor_new (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (t == NULL)
    return NULL;
  *go = ps_tensor_cf32 (grad_output);
  *gi = ps_tensor_f32 (t);
  return t;
}
