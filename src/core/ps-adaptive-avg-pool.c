/* ps-adaptive-avg-pool.c — nn.AdaptiveAvgPool2d(output_size), torch 1.13 CPU.
 *
 * Two paths, as at::adaptive_avg_pool2d takes them:
 *   - output_size (1, 1): x.mean((-1, -2), keepdim=True) — ATen's cascade sum over each contiguous
 *     H·W block (ps-reduce.h; 16 lanes at ATen's AVX512 capability, else 8 — the window kernels
 *     below give the same bits at every capability), then .div_(H·W) in float; backward: grad / (H·W) to every element
 *     (mean_backward). No dimension checks beyond mean's: a 2-D input works, an empty one gives NaN.
 *   - otherwise _adaptive_avg_pool2d (AdaptiveAvgPoolKernel.cpp, contiguous): output (oh, ow) averages
 *     rows [⌊oh·H/oH⌋, ⌈(oh+1)·H/oH⌉) (computed in float, as 1.13's start_index/end_index) and the
 *     columns likewise: sum in float row by row, then sum / kh / kw; backward adds
 *     grad / kh / kw to every element of the window, in output order.
 * Before both, F.adaptive_avg_pool2d's _list_with_default: a tuple output_size needs an input of more
 * dimensions than it has elements, and each None in it (PS_VALUE_LIST_NONE) becomes the matching
 * one of the input's last sizes — before ATen sees it, so (None, 1) of a one-row input is the mean
 * path too. */
#include "ps-layers.h"
#include "ps-pool.h"
#include "ps-reduce.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

static const PsArgSpec adaptive_avg_pool2d_args[] = {
  /* a scalar of another type is stored as given (the module keeps it) and refused by the forward
   * (adaptive_type_check) */
  { .name = "output_size", .kind = PS_ARG_INT_OR_TUPLE, .required = TRUE, .keep_int = TRUE, .any_value = TRUE,
    .none_elements = TRUE, .doc = "the target output size H x W (an int: H x H; None in the tuple: keep that input size)" },
  { NULL }
};

static gboolean
adaptive_construct (PsModule *self, GError **error)
{
  const PsValue *v = ps_args_lookup (self->args, "output_size");
  if (ps_value_given_type (v) == PS_VALUE_STRING)
    {
      /* zip() of a str in _list_with_default: not taken here */
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "argument 'output_size' must be an integer or a tuple of integers, not a string");
      return FALSE;
    }
  return TRUE;
}

/* F.adaptive_avg_pool2d's _list_with_default(output_size, input.size()): an int (a bool is one)
 * goes to ATen's parser, which takes only a tuple of ints; anything else needs len() */
static gboolean
adaptive_type_check (const PsModule *self, GError **error)
{
  const PsValue *v = ps_args_lookup (self->args, "output_size");
  const PsValueType t = ps_value_given_type (v);
  if (t == PS_VALUE_BOOL)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "adaptive_avg_pool2d(): argument 'output_size' "
                           "(position 2) must be tuple of SymInts, not bool");
      return FALSE;
    }
  if (t == PS_VALUE_DOUBLE || t == PS_VALUE_NONE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "object of type '%s' has no len()",
                   ps_value_given_type_name (v));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  gboolean mean;            /* the (1, 1) path */
  PsPoolGeometry g;
} AdaptivePlan;

static gboolean
plan (const PsModule *self, const PsTensor *x, AdaptivePlan *pl, GError **error)
{
  int64_t o[8];
  const int n = ps_pool_arg (self, "output_size", o);
  memset (pl, 0, sizeof *pl);
  const gboolean is_int = ps_args_lookup (self->args, "output_size")->type == PS_VALUE_INT;
  if (!is_int && x->ndim <= n)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Input dimension should be at least %d", n + 1);
      return FALSE;
    }
  if (is_int)
    o[1] = o[0];
  else
    for (int i = 0; i < n; i++)   /* zip(out_size, input.size()[-len(out_size):]) */
      if (o[i] == PS_VALUE_LIST_NONE)
        o[i] = x->shape[x->ndim - n + i];
  if (!is_int && n != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "adaptive_avg_pool2d: output_size must be 2");
      return FALSE;
    }
  if (o[0] < 0 || o[1] < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {%"
                   G_GINT64_FORMAT ", %" G_GINT64_FORMAT "}", o[0], o[1]);
      return FALSE;
    }
  PsPoolGeometry *g = &pl->g;
  if (o[0] == 1 && o[1] == 1)
    {
      if (x->ndim < 2)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Dimension out of range (expected to be in range of [-1, 0], but got -2)");
          return FALSE;
        }
      pl->mean = TRUE;
    }
  else
    {
      if (x->ndim != 3 && x->ndim != 4)
        {
          g_autofree char *s = ps_tensor_shape_string (x);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got %s",
                       s);
          return FALSE;
        }
      for (int i = -2; i <= -1; i++)
        if (x->shape[x->ndim + i] <= 0)
          {
            g_autofree char *s = ps_tensor_shape_string (x);
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but "
                         "input has sizes %s with dimension %d being empty", s, x->ndim + i);
            return FALSE;
          }
    }
  g->inH = x->shape[x->ndim - 2];
  g->inW = x->shape[x->ndim - 1];
  g->outH = o[0];
  g->outW = o[1];
  g->planes = 1;
  for (int i = 0; i < x->ndim - 2; i++)
    g->planes *= x->shape[i];   /* a factor of numel, or numel is 0 */
  g->out_ndim = x->ndim;
  memcpy (g->out_shape, x->shape, (gsize) x->ndim * sizeof (int64_t));
  g->out_shape[x->ndim - 2] = o[0];
  g->out_shape[x->ndim - 1] = o[1];
  return TRUE;
}

/* 1.13's start_index / end_index (AdaptivePooling.h), in float */
static int64_t
start_index (int64_t a, int64_t b, int64_t c)
{
  return (int64_t) floorf ((float) (a * c) / (float) b);
}

static int64_t
end_index (int64_t a, int64_t b, int64_t c)
{
  return (int64_t) ceilf ((float) ((a + 1) * c) / (float) b);
}

static PsTensor *
adaptive_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (!adaptive_type_check (self, error))   /* F.adaptive_avg_pool2d's first line */
    return NULL;
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "AdaptiveAvgPool2d: expected a float32 input, got %s",
                   ps_dtype_name (input->dtype));
      return NULL;
    }
  AdaptivePlan pl;
  if (!plan (self, input, &pl, error))
    return NULL;
  const PsPoolGeometry *g = &pl.g;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, g->out_ndim, g->out_shape, error);
  if (y == NULL)
    return NULL;
  const float *x = ps_tensor_cf32 (input);
  float *o = ps_tensor_f32 (y);
  const int64_t hw = g->inH * g->inW;
  if (y->numel == 0)
    return y;   /* (a zero output size with a huge other one would loop for nothing) */
  if (pl.mean)
    {
      /* the cascade sum has Vectorized<float>'s lanes: 16 in ATen's AVX512 build, else 8 */
      const int lanes = ps_threads_aten_lanes ();
      for (int64_t c = 0; c < g->planes; c++)
        o[c] = (0.0f + ps_reduce_sum_lanes (x + c * hw, hw, lanes)) / (float) hw;
      return y;
    }
  for (int64_t c = 0; c < g->planes; c++)
    {
      const float *ip = x + c * hw;
      for (int64_t oh = 0; oh < g->outH; oh++)
        {
          const int64_t ih0 = start_index (oh, g->outH, g->inH), ih1 = end_index (oh, g->outH, g->inH);
          for (int64_t ow = 0; ow < g->outW; ow++)
            {
              const int64_t iw0 = start_index (ow, g->outW, g->inW), iw1 = end_index (ow, g->outW, g->inW);
              float sum = 0.0f;
              for (int64_t ih = ih0; ih < ih1; ih++)
                for (int64_t iw = iw0; iw < iw1; iw++)
                  sum += ip[ih * g->inW + iw];
              o[(c * g->outH + oh) * g->outW + ow] = sum / (float) (ih1 - ih0) / (float) (iw1 - iw0);
            }
        }
    }
  return y;
}

static gboolean
adaptive_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                   PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  AdaptivePlan pl;
  if (!plan (self, entry->input, &pl, error))
    return FALSE;
  const PsPoolGeometry *g = &pl.g;
  const float *go;
  float *gid;
  PsTensor *gi = ps_pool_grad_input_new (entry->input, grad_output, &go, &gid, error);
  if (gi == NULL)
    return FALSE;
  const int64_t hw = g->inH * g->inW;
  for (int64_t c = 0; c < g->planes && grad_output->numel > 0; c++)
    {
      float *gp = gid + c * hw;
      if (pl.mean)
        {
          const float v = go[c] / (float) hw;
          for (int64_t i = 0; i < hw; i++)
            gp[i] = v;
          continue;
        }
      for (int64_t oh = 0; oh < g->outH; oh++)
        {
          const int64_t ih0 = start_index (oh, g->outH, g->inH), ih1 = end_index (oh, g->outH, g->inH);
          for (int64_t ow = 0; ow < g->outW; ow++)
            {
              const int64_t iw0 = start_index (ow, g->outW, g->inW), iw1 = end_index (ow, g->outW, g->inW);
              const float delta = go[(c * g->outH + oh) * g->outW + ow] / (float) (ih1 - ih0) / (float) (iw1 - iw0);
              for (int64_t ih = ih0; ih < ih1; ih++)
                for (int64_t iw = iw0; iw < iw1; iw++)
                  gp[ih * g->inW + iw] += delta;
            }
        }
    }
  *grad_input = gi;
  return TRUE;
}

static char *
adaptive_extra_repr (const PsModule *self)
{
  g_autofree char *o = ps_value_to_python (ps_args_lookup (self->args, "output_size"));
  return g_strdup_printf ("output_size=%s", o);
}

static void
adaptive_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_pool_example_input (2, 8, ex);
}

const PsModuleClass ps_adaptive_avg_pool2d_class = {
  .name = "AdaptiveAvgPool2d",
  .init_owner = "_AdaptiveAvgPoolNd",
  .args = adaptive_avg_pool2d_args,
  .construct = adaptive_construct,
  .forward = adaptive_forward,
  .extra_repr = adaptive_extra_repr,
  .example_input = adaptive_example_input,
  .backward = (gpointer) adaptive_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("size"),
};
