/* ps-bilinear.c — nn.Bilinear (torch 1.13).
 *
 * weight (out, in1, in2), bias (out). reset_parameters: bound = 1/√in1; uniform_(±bound) on the
 * weight, then on the bias.
 *
 * forward: y[…, o] = Σ_ij x1[…, i]·W[o, i, j]·x2[…, j] + b[o]. A module forward has ONE input, so
 * the same tensor is used as x1 and x2 — which needs in1_features == in2_features (a clear error
 * otherwise). The arithmetic follows ATen's _trilinear (see bilinear_forward). */
#include "ps-layers.h"
#include "ps-ops.h"

#include <math.h>
#include <string.h>

typedef struct {
  int64_t in1, in2, out;
  gboolean bias;
} BilinearPriv;

static const PsArgSpec bilinear_args[] = {
  { "in1_features", PS_ARG_INT, .required = TRUE, .doc = "size of each first input sample" },
  { "in2_features", PS_ARG_INT, .required = TRUE, .doc = "size of each second input sample" },
  { "out_features", PS_ARG_INT, .required = TRUE, .doc = "size of each output sample" },
  { "bias", PS_ARG_BOOL, .def_bool = TRUE, .doc = "add a learnable bias" },
  { NULL }
};

static gboolean
bilinear_construct (PsModule *self, GError **error)
{
  BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  p->in1 = ps_args_get_int (self->args, "in1_features");
  p->in2 = ps_args_get_int (self->args, "in2_features");
  p->out = ps_args_get_int (self->args, "out_features");
  p->bias = ps_args_get_bool (self->args, "bias");
  int64_t shape[3] = { p->out, p->in1, p->in2 };
  for (int d = 0; d < 3; d++)
    if (shape[d] < 0)
      {
        g_autofree char *s = ps_shape_to_string (3, shape);
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": %s", shape[d], s);
        return FALSE;
      }
  /* reset_parameters computes 1 / math.sqrt(in1_features) */
  if (p->in1 == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "float division by zero");
      return FALSE;
    }
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape, error);
  if (w == NULL)
    return FALSE;
  ps_module_register (self, "weight", w, FALSE);
  if (p->bias)
    {
      g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, p->out, error);
      if (b == NULL)
        return FALSE;
      ps_module_register (self, "bias", b, FALSE);
    }
  return TRUE;
}

static gboolean
bilinear_reset (PsModule *self, PsGenerator *gen, GError **error)
{
  BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = p->bias ? ps_module_get_param (self, "bias") : NULL;
  g_autoptr (PsTensor) w = ps_param_new_like (pw, error);
  g_autoptr (PsTensor) b = pb && w ? ps_param_new_like (pb, error) : NULL;
  if (w == NULL || (pb != NULL && b == NULL))
    return FALSE;
  const double bound = 1.0 / sqrt ((double) p->in1);
  PsInitInfo wi, bi;
  ps_init_info_clear (&wi);
  ps_init_info_clear (&bi);
  if (!ps_init_uniform_ (w, -bound, bound, gen, &wi, error))
    return FALSE;
  if (b != NULL && !ps_init_uniform_ (b, -bound, bound, gen, &bi, error))
    return FALSE;
  g_snprintf (wi.formula, sizeof wi.formula, "bound = 1/√in1_features = 1/√%" G_GINT64_FORMAT " = %g", p->in1, bound);
  g_strlcpy (bi.formula, wi.formula, sizeof bi.formula);
  ps_param_set_value (pw, w);
  pw->init = wi;
  if (pb != NULL)
    {
      ps_param_set_value (pb, b);
      pb->init = bi;
    }
  return TRUE;
}

static PsTensor *
bilinear_forward (PsModule *self, PsTensor *x, PsGenerator *gen, GError **error)
{
  BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  if (x->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "expected a float32 input to bilinear, got %s",
                   ps_dtype_name (x->dtype));
      return NULL;
    }
  if (p->in1 != p->in2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Bilinear in a model gets one input and uses it as both x1 and x2, which needs "
                   "in1_features == in2_features (got %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ")", p->in1, p->in2);
      return NULL;
    }
  if (x->ndim < 1 || x->shape[x->ndim - 1] != p->in1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "bilinear(): input1 size does not match weight size: got %" G_GINT64_FORMAT " but expected %"
                   G_GINT64_FORMAT, x->ndim < 1 ? 0 : x->shape[x->ndim - 1], p->in1);
      return NULL;
    }
  int64_t shape[PS_MAX_DIMS];
  memcpy (shape, x->shape, sizeof shape);
  shape[x->ndim - 1] = p->out;
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, shape, error);
  if (y == NULL)
    return NULL;
  const int64_t rows = p->in1 > 0 ? x->numel / p->in1 : 0;
  const int64_t in1 = p->in1, in2 = p->in2;
  const float *xd = ps_tensor_cf32 (x);
  const float *w = ps_tensor_cf32 (ps_module_get_param (self, "weight")->value);
  const float *b = p->bias ? ps_tensor_cf32 (ps_module_get_param (self, "bias")->value) : NULL;
  float *yd = ps_tensor_f32 (y);
  if (rows == 0 || p->out == 0)
    return g_steal_pointer (&y);
  int64_t tmp_n;
  int64_t tmp_shape[2] = { rows, in2 };
  if (!ps_shape_numel (2, tmp_shape, &tmp_n, error))
    return NULL;
  g_autofree float *tmp = g_try_new (float, MAX (tmp_n, 1));
  if (tmp == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory in bilinear");
      return NULL;
    }
  /* at::_trilinear, unrolled over the output features k (ATen's unroll_dim = 1):
   *   tmp = x1 · W[k]            bmm (1, rows, in1) × (1, in1, in2)
   *   y[:, k] = Σ_j tmp·x2       bmm (rows, 1, in2) × (rows, in2, 1)
   * each bmm as ATen runs it: naive float loops when contraction·rows·cols < 400, else sgemm per
   * batch; then + bias. */
  for (int64_t k = 0; k < p->out; k++)
    {
      const float *wk = w + k * in1 * in2;
      if (in1 * rows * in2 < 400)
        for (int64_t r = 0; r < rows; r++)
          for (int64_t j = 0; j < in2; j++)
            {
              float acc = 0.0f;
              for (int64_t i = 0; i < in1; i++)
                acc += xd[r * in1 + i] * wk[i * in2 + j];
              tmp[r * in2 + j] = acc;
            }
      else
        ps_ops_sgemm (false, false, rows, in2, in1, 1.0f, xd, in1, wk, in2, 0.0f, tmp, in2);
      for (int64_t r = 0; r < rows; r++)
        {
          float acc = 0.0f;
          if (in2 < 400)
            for (int64_t j = 0; j < in2; j++)
              acc += tmp[r * in2 + j] * xd[r * in2 + j];
          else
            ps_ops_sgemm (false, false, 1, 1, in2, 1.0f, tmp + r * in2, in2, xd + r * in2, 1, 0.0f, &acc, 1);
          yd[r * p->out + k] = acc;
        }
    }
  if (b != NULL)
    for (int64_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < p->out; k++)
        yd[r * p->out + k] += b[k];
  return g_steal_pointer (&y);
}

static char *
bilinear_extra_repr (const PsModule *self)
{
  const BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  return g_strdup_printf ("in1_features=%" G_GINT64_FORMAT ", in2_features=%" G_GINT64_FORMAT
                          ", out_features=%" G_GINT64_FORMAT ", bias=%s",
                          p->in1, p->in2, p->out, p->bias ? "True" : "False");
}

static void
bilinear_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 2, (int64_t[]) { 1, PS_MODULE_PRIV (self, const BilinearPriv)->in1 });
}

const PsModuleClass ps_bilinear_class = {
  .name = "Bilinear",
  .args = bilinear_args,
  .priv_size = sizeof (BilinearPriv),
  .construct = bilinear_construct,
  .reset_parameters = bilinear_reset,
  .forward = bilinear_forward,
  .extra_repr = bilinear_extra_repr,
  .n_inputs = 2,   /* the document passes x as both x1 and x2 */
  .example_input = bilinear_example_input,
};
