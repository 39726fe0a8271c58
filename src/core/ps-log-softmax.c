/* ps-log-softmax.c — nn.LogSoftmax(dim=None), torch 1.13 CPU, forward and backward.
 *
 * Forward (SoftMax.cpp log_softmax_cpu_out on the contiguous input; a 0-D input is viewed as [1]):
 *   - over the last dim, _vec_log_softmax_lastdim (SoftMaxKernel.cpp): per row max = vec::reduce_all
 *     (vec::maximum, NaN-propagating), s = vec::map_reduce_all(exp(x − max), +) (lane accumulators
 *     folded as VecReduceAllSIMD: ps_reduce_all_sum), vec::map(log) over the row sums, then
 *     y = (x − max) − log s. Vectorized<float>::exp/log are Sleef's (ps_sleef_expf/logf) on every
 *     element at ATen's AVX2 and AVX512 capabilities (8 / 16 lanes), std::exp/std::log per lane in the
 *     portable DEFAULT build (lanes added in order);
 *   - over another dim, host_softmax<float, LogSoftMax=true> (scalar code, the same in every build):
 *     max by std::max from element 0, tmpsum a double (acc_type) += expf(x − max), log in double,
 *     y = float((x − max) − tmpsum).
 * Backward (_log_softmax_backward_data):
 *   - last dim, _vec_host_softmax_backward_lastdim<log_softmax=true>: s = vec::reduce_all(+) of the row
 *     of g, gi = g − exp(y)·s — one fused multiply-add in torch's AVX2/AVX512 builds (GCC contracts the
 *     vector expression), a product and a difference in the DEFAULT build (std::exp there);
 *   - another dim, host_softmax_backward<float, true>: s a double sum of g from element 0,
 *     gi = float(g − double(expf(y))·s).
 * nn.LogSoftmax() with dim None picks the dim as F._get_softmax_dim does (0 for 0-, 1- and 3-D inputs,
 * else 1), as nn.Softmax. */
#include "ps-layers.h"
#include "ps-reduce.h"
#include "ps-sleef.h"
#include "ps-threads.h"

#include <math.h>
#include <stdint.h>

static const PsArgSpec log_softmax_args[] = {
  { .name = "dim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .any_value = TRUE,
    .doc = "dimension to normalize; None picks it from the input's ndim like torch (with a warning)" },
  { NULL }
};

static gboolean
log_softmax_construct (PsModule *self, GError **error)
{
  return TRUE;
}

/* The dim to work over (maybe_wrap_dim; None: _get_softmax_dim) and the (outer, n, inner) view. */
static gboolean
log_softmax_geometry (const PsModule *self, const PsTensor *t, int64_t *dim, int64_t *outer, int64_t *n,
                      int64_t *inner, GError **error)
{
  const int64_t nd = t->ndim > 0 ? t->ndim : 1;
  if (!ps_module_dim_arg_check ((PsModule *) self, "log_softmax", "dim", NULL, error))
    return FALSE;
  if (ps_args_is_none (self->args, "dim"))
    *dim = (t->ndim == 0 || t->ndim == 1 || t->ndim == 3) ? 0 : 1;
  else
    {
      const int64_t d = ps_args_get_int (self->args, "dim");
      if (d < -nd || d > nd - 1)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Dimension out of range (expected to be in range of [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                       "], but got %" G_GINT64_FORMAT ")", -nd, nd - 1, d);
          return FALSE;
        }
      *dim = d < 0 ? d + nd : d;
    }
  *n = t->ndim > 0 ? t->shape[*dim] : 1;
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < t->ndim; i++)
    {
      if (i < *dim)
        *outer *= t->shape[i];
      else if (i > *dim)
        *inner *= t->shape[i];
    }
  return TRUE;
}

/* _vec_log_softmax_lastdim, one row (e: n floats of scratch) */
static void
log_softmax_lastdim (const float *x, float *y, float *e, int64_t n, gboolean vec)
{
  float max = x[0];
  for (int64_t k = 1; k < n; k++)
    if (isnan (x[k]) || x[k] > max)   /* vec::maximum propagates NaN */
      max = isnan (max) ? max : x[k];
  for (int64_t k = 0; k < n; k++)
    e[k] = vec ? ps_sleef_expf (x[k] - max) : expf (x[k] - max);
  const float s = ps_reduce_all_sum (e, n, vec);
  const float ls = vec ? ps_sleef_logf (s) : logf (s);
  for (int64_t k = 0; k < n; k++)
    y[k] = (x[k] - max) - ls;
}

/* CHUNK_SIZE of the kernels over a dim that is not the last: 128 KiB of a column block, at least one
 * vector, whole vectors */
static int64_t
log_softmax_chunk (int64_t n, int64_t lanes)
{
  const int64_t chunk = MAX ((int64_t) (128 * 1024) / n / (int64_t) sizeof (float), lanes);
  return chunk / lanes * lanes;
}

/* _vec_log_softmax (a dim that is not the last): the inner positions in chunks of
 * max(128 KiB / n / 4, L) rounded down to whole vectors of L lanes (8; 16 at AVX512); in each chunk
 * the positions of its whole vectors run the vector code (Sleef exp), the rest std::exp. Per
 * position: max from −inf by `x > max`, a float sum of exp(x − max) along the dim, log of the sums by
 * vec::map (Sleef on every position), y = (x − max) − log s. */
static gboolean
log_softmax_strided (const float *x, float *y, int64_t outer, int64_t n, int64_t inner, gboolean vec,
                     GError **error)
{
  const int64_t L = vec ? ps_threads_aten_lanes () : 8, chunk = log_softmax_chunk (n, L);
  g_autofree float *mx = g_try_new (float, (gsize) MIN (chunk, inner));
  g_autofree float *sum = g_try_new (float, (gsize) MIN (chunk, inner));
  if (mx == NULL || sum == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the LogSoftmax forward");
      return FALSE;
    }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t begin = 0; begin < inner; begin += chunk)
      {
        const int64_t size = MIN (chunk, inner - begin), nvec = size - size % L;
        const float *xb = x + o * n * inner + begin;
        float *yb = y + o * n * inner + begin;
        for (int64_t j = 0; j < size; j++)
          {
            mx[j] = -INFINITY;
            sum[j] = 0.0f;
          }
        for (int64_t k = 0; k < n; k++)
          for (int64_t j = 0; j < size; j++)
            if (xb[k * inner + j] > mx[j])
              mx[j] = xb[k * inner + j];
        for (int64_t k = 0; k < n; k++)
          for (int64_t j = 0; j < size; j++)
            sum[j] += (vec && j < nvec ? ps_sleef_expf : expf) (xb[k * inner + j] - mx[j]);
        for (int64_t j = 0; j < size; j++)
          sum[j] = vec ? ps_sleef_logf (sum[j]) : logf (sum[j]);
        for (int64_t k = 0; k < n; k++)
          for (int64_t j = 0; j < size; j++)
            yb[k * inner + j] = (xb[k * inner + j] - mx[j]) - sum[j];
      }
  return TRUE;
}

static PsTensor *
log_softmax_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "LogSoftmax: expected a float32 input, got %s",
                   ps_dtype_name (input->dtype));
      return NULL;
    }
  int64_t dim, outer, n, inner;
  if (!log_softmax_geometry (self, input, &dim, &outer, &n, &inner, error))
    return NULL;
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL)
    return NULL;
  if (input->numel == 0)
    return g_steal_pointer (&y);
  const float *x = ps_tensor_cf32 (input);
  float *out = ps_tensor_f32 (y);
  /* the DEFAULT build has no Sleef: Vectorized<float>::exp()/log() are std::exp/std::log per lane */
  const gboolean vec = (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT;
  if (inner == 1)
    {
      g_autofree float *e = g_try_new (float, (gsize) n);
      if (e == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the LogSoftmax forward");
          return NULL;
        }
      for (int64_t o = 0; o < outer; o++)
        log_softmax_lastdim (x + o * n, out + o * n, e, n, vec);
    }
  else if (!log_softmax_strided (x, out, outer, n, inner, vec, error))
    return NULL;
  return g_steal_pointer (&y);
}

static gboolean
log_softmax_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                      PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  const PsTensor *y = entry->output;
  int64_t dim, outer, n, inner;
  if (!log_softmax_geometry (self, y, &dim, &outer, &n, &inner, error))
    return FALSE;
  g_autoptr (PsTensor) gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, y->ndim, y->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *yd = ps_tensor_cf32 (y);
  float *o = ps_tensor_f32 (gi);
  const gboolean vec = entry->flavour != PS_FLAVOUR_DEFAULT;   /* ATEN_CPU_CAPABILITY=default: no FMA, std::exp */
  const int64_t L = vec ? ps_threads_aten_lanes () : 8, chunk = log_softmax_chunk (n, L);
  for (int64_t a = 0; y->numel > 0 && a < outer; a++)
    {
      if (inner == 1)
        {
          const int64_t base = a * n;
          const float s = ps_reduce_all_sum (g + base, n, vec);
          for (int64_t k = 0; k < n; k++)
            o[base + k] = vec ? fmaf (-ps_sleef_expf (yd[base + k]), s, g[base + k])
                              : g[base + k] - expf (yd[base + k]) * s;
          continue;
        }
      /* _vec_log_softmax_backward: chunks of inner positions as the forward's; s = Σ g along the
       * dim in float from 0, gi = g − exp(y)·s fused in the AVX2/AVX512 builds (Sleef exp on the
       * whole vectors of a chunk, std::exp on the rest) */
      for (int64_t begin = 0; begin < inner; begin += chunk)
        {
          const int64_t size = MIN (chunk, inner - begin), nvec = size - size % L;
          const int64_t base = a * n * inner + begin;
          for (int64_t j = 0; j < size; j++)
            {
              float s = 0.0f;
              for (int64_t k = 0; k < n; k++)
                s += g[base + k * inner + j];
              for (int64_t k = 0; k < n; k++)
                {
                  const int64_t i = base + k * inner + j;
                  o[i] = vec ? fmaf (-(j < nvec ? ps_sleef_expf : expf) (yd[i]), s, g[i]) : g[i] - expf (yd[i]) * s;
                }
            }
        }
    }
  *grad_input = g_steal_pointer (&gi);
  return TRUE;
}

static char *
log_softmax_extra_repr (const PsModule *self)
{
  g_autofree char *d = ps_value_to_str (ps_args_lookup (self->args, "dim"));   /* as given */
  return g_strdup_printf ("dim=%s", d);
}

const PsModuleClass ps_log_softmax_class = {
  .name = "LogSoftmax",
  .args = log_softmax_args,
  .construct = log_softmax_construct,
  .forward = log_softmax_forward,
  .extra_repr = log_softmax_extra_repr,
  .backward = (gpointer) log_softmax_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),
};
