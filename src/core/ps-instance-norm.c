/* ps-instance-norm.c — InstanceNorm1d and InstanceNorm2d (torch.nn, 1.13).
 *
 * Construction, reset_parameters and repr are _NormBase's (ps-norm.h): weight = 1 and bias = 0
 * when affine, running_mean = 0, running_var = 1, num_batches_tracked = 0 when
 * track_running_stats; the defaults are affine=False, track_running_stats=False. No draws.
 *
 * Forward is ATen's instance_norm (Normalization.cpp): the (N, C, …) input is viewed as
 * (1, N·C, …) and run through batch_norm (ps_norm_batch_channels) with weight, bias and the
 * running statistics repeated N times; batch statistics when training or not tracking. When the
 * running statistics are tracked they are then replaced by the mean over N of their N updated
 * copies — at::mean(0), ATen's float cascade sum divided by N — in eval mode too, where the copies are
 * unchanged (so N copies of v become sum(v…)/N). num_batches_tracked is never touched. An
 * unbatched (C, …) input runs as (1, C, …). Bit-exact against torch 1.13 (tests/data/
 * instance-norm-golden.json). */
#include "ps-layers.h"
#include "ps-norm.h"
#include "ps-reduce.h"
#include "ps-threads.h"

#include <string.h>

static PS_DECLARE_BACKWARD (instance_norm_backward);

static const PsArgSpec instance_norm_args[] = {
  /* stored as given; torch.empty(num_features) reads it only with affine or track_running_stats */
  { "num_features", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "number of channels C" },
  /* torch.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn) */
  { "eps", PS_ARG_FLOAT, .def_double = 1e-5, .aten_position = 8, .aten_type = "float", .aten_function = "instance_norm",
    .doc = "added to the variance" },
  { "momentum", PS_ARG_FLOAT, .nullable = TRUE, .def_double = 0.1, .aten_position = 7, .aten_type = "float",
    .aten_function = "instance_norm",
    .doc = "running stats update factor (None fails at forward, as in torch)" },
  { "affine", PS_ARG_BOOL, .def_bool = FALSE, .doc = "learnable per-channel weight and bias" },
  { "track_running_stats", PS_ARG_BOOL, .def_bool = FALSE, .doc = "keep running_mean / running_var buffers" },
  { NULL }
};

/* v (n values) repeated `times` times, or NULL for NULL. */
static float *
repeat (const float *v, int64_t n, int64_t times)
{
  if (v == NULL)
    return NULL;
  float *r = g_new (float, MAX (n * times, 1));
  for (int64_t t = 0; t < times; t++)
    memcpy (r + t * n, v, (size_t) n * sizeof (float));
  return r;
}

static const float *
param_data (PsModule *self, const char *name)
{
  PsParam *p = ps_module_get_param (self, name);
  return p != NULL ? ps_tensor_cf32 (p->value) : NULL;
}

static PsTensor *
instance_norm_forward (PsModule *self, PsTensor *x, PsGenerator *gen, GError **error)
{
  const PsNormBase *p = PS_MODULE_PRIV (self, PsNormBase);
  const int no_batch = self->klass == &ps_instance_norm1d_class ? 2 : 3;   /* _get_no_batch_dim */
  if (x->ndim != no_batch && x->ndim != no_batch + 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "expected %dD or %dD input (got %dD input)",
                   no_batch, no_batch + 1, x->ndim);
      return NULL;
    }
  if (x->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "expected a float32 input to instance_norm, got %s",
                   ps_dtype_name (x->dtype));
      return NULL;
    }
  const gboolean batched = x->ndim == no_batch + 1;
  const int64_t N = batched ? x->shape[0] : 1, C = x->shape[batched ? 1 : 0];
  int64_t S = 1;
  for (int d = batched ? 2 : 1; d < x->ndim; d++)
    S *= x->shape[d];   /* no overflow: numel is */
  const gboolean use_input_stats = self->training || !p->track;
  if (use_input_stats && S == 1)
    {
      /* F.instance_norm's _verify_spatial_size, on the batched size */
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Expected more than 1 spatial element when training, got input size torch.Size(%s%s%s)",
                   batched ? "" : "[1, ", batched ? xs : xs + 1, "");
      return NULL;
    }
  if (!p->has_momentum)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "instance_norm(): argument 'momentum' (position 7) must be float, not NoneType");
      return NULL;
    }
  /* batch_norm's checks on the repeated tensors */
  if (C != p->num_features && (p->affine || p->track))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s should contain %" G_GINT64_FORMAT " elements not %"
                   G_GINT64_FORMAT, p->affine ? "weight" : "running_mean", N * C, N * p->num_features);
      return NULL;
    }

  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
  if (y == NULL)
    return NULL;
  if (x->numel == 0)
    return g_steal_pointer (&y);
  g_autofree float *w = repeat (param_data (self, "weight"), C, N);
  g_autofree float *b = repeat (param_data (self, "bias"), C, N);
  g_autofree float *rm = repeat (param_data (self, "running_mean"), C, N);
  g_autofree float *rv = repeat (param_data (self, "running_var"), C, N);
  const gboolean update = p->track && use_input_stats;
  if (!use_input_stats && ps_tape_recording ())
    {
      /* the backward normalizes with the running statistics this forward reads (it rewrites them) */
      g_autoptr (PsTensor) saved = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, (int64_t[]) { 2, C }, error);
      if (saved == NULL)
        return NULL;
      memcpy (ps_tensor_f32 (saved), rm, (size_t) C * sizeof (float));
      memcpy (ps_tensor_f32 (saved) + C, rv, (size_t) C * sizeof (float));
      ps_tape_save (saved);
    }
  g_autofree float *new_rm = update ? g_new (float, N * C) : NULL;
  g_autofree float *new_rv = update ? g_new (float, N * C) : NULL;
  /* "flavour": "default" (torch's DEFAULT build): batch_norm without fused multiply-adds */
  const gboolean fused = (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT;
  ps_norm_batch_channels (ps_tensor_cf32 (x), ps_tensor_f32 (y), 1, N * C, S, use_input_stats, w, b, rm, rv,
                          p->momentum, p->eps, fused, new_rm, new_rv);
  if (!p->track)
    return g_steal_pointer (&y);

  /* running_mean.copy_(running_mean_.view({N, C}).mean(0)), the same for running_var */
  const char *const names[] = { "running_mean", "running_var" };
  const float *copies[] = { update ? new_rm : rm, update ? new_rv : rv };
  for (int k = 0; k < 2; k++)
    {
      PsParam *prm = ps_module_get_param (self, names[k]);
      g_autoptr (PsTensor) t = ps_param_new_like (prm, error);
      if (t == NULL)
        return NULL;
      float *d = ps_tensor_f32 (t);
      ps_reduce_sum_dim0 (copies[k], N, C, d);   /* at::mean(0) = sum(0) / (float) N */
      for (int64_t c = 0; c < C; c++)
        d[c] /= (float) N;
      /* a new tensor only when a value changed (eval mode usually leaves them as they were) */
      if (memcmp (ps_tensor_cf32 (t), ps_tensor_cf32 (prm->value), (size_t) C * sizeof (float)) != 0)
        ps_param_set_value (prm, t);
    }
  return g_steal_pointer (&y);
}

/* Backward: batch_norm's backward on the (1, N·C, S) view (ps_norm_batch_backward, the contiguous
 * kernel, or eval with the running statistics the forward read), then repeat()'s backward for
 * weight and bias: the (N·C) gradient viewed as (N, C) and summed over N (at::sum(0), ATen's
 * cascade; with N = 1 the gradient itself). */
static gboolean
instance_norm_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                        PsGradSink *sink, GError **error)
{
  const PsNormBase *p = PS_MODULE_PRIV (self, PsNormBase);
  const PsTensor *x = entry->input;
  const int no_batch = self->klass == &ps_instance_norm1d_class ? 2 : 3;
  const gboolean batched = x->ndim == no_batch + 1;
  const int64_t N = batched ? x->shape[0] : 1, C = x->shape[batched ? 1 : 0];
  const int64_t S = N * C > 0 ? x->numel / (N * C) : 1;
  const gboolean use_input_stats = self->training || !p->track;
  if (!ps_tensor_check_scratch ((guint64) (p->affine ? 3 : 0) * (guint64) (N * C) * sizeof (float),
                                "the instance_norm backward", error))
    return FALSE;
  g_autofree float *w = repeat (param_data (self, "weight"), C, N);
  g_autofree float *gw_rep = p->affine ? g_try_new (float, MAX (N * C, 1)) : NULL;
  g_autofree float *gb_rep = p->affine ? g_try_new (float, MAX (N * C, 1)) : NULL;
  g_autofree float *rm = NULL, *rv = NULL;
  if (!use_input_stats)
    {
      if (entry->saved == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "instance_norm backward: the forward's running statistics were not recorded");
          return FALSE;
        }
      rm = repeat (ps_tensor_cf32 (entry->saved), C, N);
      rv = repeat (ps_tensor_cf32 (entry->saved) + C, C, N);
    }
  g_autoptr (PsTensor) gx = NULL;
  if (grad_input != NULL && (gx = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error)) == NULL)
    return FALSE;
  if (p->affine && (gw_rep == NULL || gb_rep == NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the instance_norm backward");
      return FALSE;
    }
  if (x->numel > 0
      && !ps_norm_batch_backward (ps_tensor_cf32 (x), ps_tensor_cf32 (grad_output), 1, N * C, S, use_input_stats,
                                  w, rm, rv, p->eps, ps_threads_intra_op (), entry->flavour != PS_FLAVOUR_DEFAULT,
                                  gx ? ps_tensor_f32 (gx) : NULL, gw_rep, gb_rep, error))
    return FALSE;
  if (p->affine)
    {
      const char *const names[] = { "weight", "bias" };
      const float *reps[] = { gw_rep, gb_rep };
      for (int k = 0; k < 2; k++)
        {
          g_autoptr (PsTensor) g = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &C, error);
          if (g == NULL)
            return FALSE;
          if (N == 1)
            memcpy (ps_tensor_f32 (g), reps[k], (size_t) C * sizeof (float));
          else if (x->numel > 0)
            ps_reduce_sum_dim0 (reps[k], N, C, ps_tensor_f32 (g));
          ps_grad_sink_add (sink, ps_module_get_param (self, names[k]), g);
        }
    }
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}

/* [1, C, 8] and [1, C, 8, 8]: more than one spatial element per channel. */
static void
instance_norm_example_input (const PsModule *self, PsExampleInput *ex)
{
  const int64_t nf = PS_MODULE_PRIV (self, PsNormBase)->num_features;
  const int64_t C = nf >= 0 ? nf : 3;   /* num_features not an int: only stored, any C runs */
  if (self->klass == &ps_instance_norm1d_class)
    ps_example_input_set (ex, 3, (int64_t[]) { 1, C, 8 });
  else
    ps_example_input_set (ex, 4, (int64_t[]) { 1, C, 8, 8 });
}

#define INSTANCE_NORM_CLASS(var, cname)                \
  const PsModuleClass var = {                          \
    .name = cname,                                     \
    .args = instance_norm_args,                        \
    .priv_size = sizeof (PsNormBase),                  \
    .construct = ps_norm_base_construct,               \
    .reset_parameters = ps_norm_base_reset,            \
    .forward = instance_norm_forward,                  \
    .extra_repr = ps_norm_base_extra_repr,             \
    .example_input = instance_norm_example_input,      \
    .backward = (gpointer) instance_norm_backward,     \
    .init_owner = "_InstanceNorm",                     \
    .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),     \
  }

INSTANCE_NORM_CLASS (ps_instance_norm1d_class, "InstanceNorm1d");
INSTANCE_NORM_CLASS (ps_instance_norm2d_class, "InstanceNorm2d");
