/* ps-linear.c — nn.Linear and nn.LazyLinear.
 *
 * Parameters: weight (out_features, in_features), bias (out_features) when bias=True.
 * Default init (PYTORCH-PARITY.md §5): kaiming_uniform_(weight, a=√5), then bias ~ U(±1/√in)
 * (bound 0 when in_features = 0), in that draw order.
 *
 * LazyLinear (§6) constructs like Linear(0, 0) with both parameters uninitialized and no draws.
 * Its first forward sets in_features = x.shape[-1], materializes the parameters, runs Linear's
 * reset_parameters on the generator at that moment (unless in_features = 0: then torch leaves
 * them uninitialized and draws nothing), and the module becomes a Linear. Both classes
 * share the LinearPriv struct so the class swap keeps priv valid. */
#include "ps-layers.h"
#include "ps-ops.h"
#include "ps-linear-reset.h"

#include <math.h>

static PS_DECLARE_BACKWARD (linear_backward);

typedef struct {
  int64_t in_features;
  int64_t out_features;
  gboolean bias;
} LinearPriv;

static const PsArgSpec linear_args[] = {
  /* both as given to torch.empty((out_features, in_features)) (ps_py_empty_check) */
  { .name = "in_features", .kind = PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each input sample" },
  { .name = "out_features", .kind = PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each output sample" },
  { .name = "bias", .kind = PS_ARG_BOOL, .def_bool = TRUE, .doc = "learn an additive bias" },
  { NULL }
};

static const PsArgSpec lazy_linear_args[] = {
  /* stored as given; the first forward's materialize((out_features, in_features)) checks it */
  { .name = "out_features", .kind = PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each output sample" },
  { .name = "bias", .kind = PS_ARG_BOOL, .def_bool = TRUE, .doc = "learn an additive bias" },
  { NULL }
};

/* torch.empty's check, with its message: "Trying to create tensor with negative dimension -1: [5, -1]". */
static gboolean
check_shape (int ndim, const int64_t *shape, GError **error)
{
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0)
      {
        g_autofree char *s = ps_shape_to_string (ndim, shape);
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": %s", shape[i], s);
        return FALSE;
      }
  return TRUE;
}

/* Registers weight and bias with zero values of their shapes. */
static gboolean
register_params (PsModule *self, GError **error)
{
  LinearPriv *priv = PS_MODULE_PRIV (self, LinearPriv);
  int64_t wshape[2] = { priv->out_features, priv->in_features };
  if (!check_shape (2, wshape, error) || !check_shape (1, &priv->out_features, error))
    return FALSE;
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 2, wshape, error);
  if (w == NULL)
    return FALSE;
  g_autoptr (PsTensor) b = NULL;
  if (priv->bias && (b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, priv->out_features, error)) == NULL)
    return FALSE;
  if (ps_module_get_param (self, "weight") == NULL)
    {
      ps_module_register (self, "weight", w, FALSE);
      if (priv->bias)
        ps_module_register (self, "bias", b, FALSE);
    }
  else
    {
      /* materializing a lazy module: the params exist with value NULL */
      ps_param_set_value (ps_module_get_param (self, "weight"), w);
      if (priv->bias)
        ps_param_set_value (ps_module_get_param (self, "bias"), b);
    }
  return TRUE;
}

static gboolean
linear_construct (PsModule *self, GError **error)
{
  LinearPriv *priv = PS_MODULE_PRIV (self, LinearPriv);
  const PsValue *iv = ps_args_lookup (self->args, "in_features"), *ov = ps_args_lookup (self->args, "out_features");
  if (!ps_py_empty_check ((const PsValue *[]) { ov, iv }, 2, FALSE, error))
    return FALSE;
  priv->in_features = ps_value_size (iv);
  priv->out_features = ps_value_size (ov);
  priv->bias = ps_args_get_bool (self->args, "bias");
  return register_params (self, error);
}

static gboolean
linear_reset_parameters (PsModule *self, PsGenerator *gen, GError **error)
{
  LinearPriv *priv = PS_MODULE_PRIV (self, LinearPriv);
  return ps_linear_like_reset (self, priv->bias, PS_RESET_ZERO_FAN_IN_BOUND_ZERO, gen, error);
}

static PsTensor *
linear_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = ps_module_get_param (self, "bias");
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "mat1 and mat2 must have the same dtype");
      return NULL;
    }
  return ps_ops_linear (input, pw->value, pb ? pb->value : NULL, error);
}

static char *
linear_extra_repr (const PsModule *self)
{
  const LinearPriv *priv = PS_MODULE_PRIV (self, const LinearPriv);
  /* as given (True); LazyLinear has no in_features argument: 0 until materialized */
  const PsValue *iv = ps_args_lookup (self->args, "in_features");
  g_autofree char *in = iv != NULL ? ps_value_to_str (iv) : g_strdup_printf ("%" G_GINT64_FORMAT, priv->in_features);
  g_autofree char *out = ps_value_to_str (ps_args_lookup (self->args, "out_features"));
  return g_strdup_printf ("in_features=%s, out_features=%s, bias=%s", in, out, priv->bias ? "True" : "False");
}

static void
linear_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 2, (int64_t[]) { 1, PS_MODULE_PRIV (self, const LinearPriv)->in_features });
}

const PsModuleClass ps_linear_class = {
  .name = "Linear",
  .args = linear_args,
  .priv_size = sizeof (LinearPriv),
  .construct = linear_construct,
  .reset_parameters = linear_reset_parameters,
  .forward = linear_forward,
  .extra_repr = linear_extra_repr,
  .example_input = linear_example_input,
  .backward = (gpointer) linear_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("linear", "input", 1),
};

/* ---------- LazyLinear ---------- */

static gboolean
lazy_linear_construct (PsModule *self, GError **error)
{
  LinearPriv *priv = PS_MODULE_PRIV (self, LinearPriv);
  priv->in_features = 0;
  priv->out_features = ps_value_size (ps_args_lookup (self->args, "out_features"));   /* checked at materialize */
  priv->bias = ps_args_get_bool (self->args, "bias");
  /* torch accepts a negative out_features here (UninitializedParameter has no shape) and fails
   * at materialization; so do we. */
  ps_module_register (self, "weight", NULL, FALSE);
  if (priv->bias)
    ps_module_register (self, "bias", NULL, FALSE);
  return TRUE;
}

/* LazyModuleMixin._infer_parameters + the class swap. All checks come before any change. */
static gboolean
lazy_linear_materialize (PsModule *self, const PsTensor *input, PsGenerator *gen, GError **error)
{
  LinearPriv *priv = PS_MODULE_PRIV (self, LinearPriv);
  g_return_val_if_fail (gen != NULL, FALSE);   /* materialization draws */
  if (input->ndim == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "tuple index out of range");
      return FALSE;
    }
  /* weight.materialize((out_features, in_features)): torch.empty's parser sees out_features first */
  if (!ps_py_empty_check ((const PsValue *[]) { ps_args_lookup (self->args, "out_features"), NULL }, 2, TRUE, error))
    return FALSE;
  LinearPriv saved = *priv;
  PsGenerator saved_gen = *gen;
  priv->in_features = input->shape[input->ndim - 1];
  /* LazyLinear.reset_parameters skips in_features == 0: the parameters stay torch.empty (we
   * hold zeros and record PS_DIST_NONE) and nothing is drawn. */
  if (!register_params (self, error)
      || (priv->in_features != 0 && !linear_reset_parameters (self, gen, error)))
    {
      /* the caller drops the whole state clone on error, but keep this module consistent anyway */
      *priv = saved;
      *gen = saved_gen;
      ps_param_set_value (ps_module_get_param (self, "weight"), NULL);
      if (priv->bias)
        ps_param_set_value (ps_module_get_param (self, "bias"), NULL);
      return FALSE;
    }
  PsArgs *args = ps_args_new ();
  ps_args_set_int (args, "in_features", priv->in_features);
  ps_args_set_int (args, "out_features", priv->out_features);
  ps_args_set_bool (args, "bias", priv->bias);
  ps_args_free (self->args);
  self->args = args;
  self->klass = &ps_linear_class;
  return TRUE;
}

static PsTensor *
lazy_linear_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (!lazy_linear_materialize (self, input, gen, error))
    return NULL;
  return linear_forward (self, input, gen, error);
}

const PsModuleClass ps_lazy_linear_class = {
  .name = "LazyLinear",
  .args = lazy_linear_args,
  .is_lazy = TRUE,
  .priv_size = sizeof (LinearPriv),
  .construct = lazy_linear_construct,
  .reset_parameters = linear_reset_parameters,  /* skipped by ps-module.c while lazy */
  .forward = lazy_linear_forward,
  .extra_repr = linear_extra_repr,
  .base = &ps_linear_class,   /* any last dimension: [1, 10] */
  .tuple_input_error = PS_TUPLE_NO_ATTR ("shape"),
};

/* ---------- backward ----------
 * at::linear on a 2-D input with bias is addmm(b, x, W.t()), without bias mm(x, W.t()); autograd
 * (FunctionsManual.cpp, 1.13) then runs, with ATen's stride rules (ps-aten-mm.h):
 *   grad_input  = mm_mat1_backward: gy.mm(W), or W.t().mm(gy.t()).t() when x is column-major
 *                 (strides[0] == 1 and strides[1] == N: torch's strides for in == 1, N == 1);
 *   grad_weight = mm_mat2_backward of W.t() — always column-major — so gy.t().mm(x), whose
 *                 (out, in) result is W's gradient after the two transposes;
 *   grad_bias   = gy.sum(0) (sum_to of the broadcast bias), ATen's outer cascade sum.
 * An (…, in) input of more dims runs the same on its rows flattened: 1.13 takes a contiguous 3-D
 * input with bias through _flatten_3d_linear (addmm on the (B·T, in) view) and anything else through
 * matmul, which folds the leading dims into one mm; sum_to over the leading dims of a contiguous
 * gradient coalesces to the same (rows, out) outer reduction.
 * A 1-D input goes through matmul's 1-D × 2-D case, x.unsqueeze(0).mm(W.t()).squeeze_(0), then
 * add_(bias): the same three products on one row (unsqueeze(0) gives the row torch's contiguous
 * strides), and the bias gradient is gy itself (no sum_to). */
#include "ps-aten-mm.h"
#include "ps-reduce.h"

#include <string.h>

static gboolean
linear_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                 PsGradSink *sink, GError **error)
{
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = ps_module_get_param (self, "bias");
  const PsTensor *x = entry->input;
  const int64_t in = pw->value->shape[1], out = pw->value->shape[0];
  const int64_t N = in > 0 ? x->numel / in : 0;   /* rows of the (…, in) input flattened */
  const float *W = ps_tensor_cf32 (pw->value);
  const float *X = ps_tensor_cf32 (x);
  const float *GY = ps_tensor_cf32 (grad_output);
  PsMatView gy = ps_mat_view (GY, N, out);
  PsMatView xv = ps_mat_view (X, N, in);
  g_autoptr (PsTensor) gx = NULL;
  if (grad_input != NULL)
    {
      if ((gx = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error)) == NULL)
        return FALSE;
      PsMatView wt = ps_mat_view_t (ps_mat_view (W, out, in));   /* mat2 = W.t(), (in, out) */
      if (xv.stride[0] == 1 && xv.stride[1] == N)
        {
          /* (in, N) result, transposed back into gx */
          g_autofree float *tmp = g_new (float, (gsize) MAX (in * N, 1));
          if (!ps_aten_mm (wt, ps_mat_view_t (gy), tmp, error))
            return FALSE;
          float *GX = ps_tensor_f32 (gx);
          for (int64_t i = 0; i < N; i++)
            for (int64_t j = 0; j < in; j++)
              GX[i * in + j] = tmp[j * N + i];
        }
      else if (!ps_aten_mm (gy, ps_mat_view_t (wt), ps_tensor_f32 (gx), error))
        return FALSE;
    }
  g_autoptr (PsTensor) gw = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, pw->value->shape, error);
  if (gw == NULL || !ps_aten_mm (ps_mat_view_t (gy), xv, ps_tensor_f32 (gw), error))
    return FALSE;
  g_autoptr (PsTensor) gb = NULL;
  if (pb != NULL)
    {
      if ((gb = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 1, pb->value->shape, error)) == NULL)
        return FALSE;
      if (x->ndim == 1)   /* add_'s gradient reaches a bias of the output's own shape: gy as it is */
        memcpy (ps_tensor_f32 (gb), GY, (gsize) out * sizeof (float));
      else
        ps_reduce_sum_dim0 (GY, N, out, ps_tensor_f32 (gb));
    }
  ps_grad_sink_add (sink, pw, gw);
  if (gb != NULL)
    ps_grad_sink_add (sink, pb, gb);
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}
