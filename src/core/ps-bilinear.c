/* ps-bilinear.c — nn.Bilinear (torch 1.13).
 *
 * weight (out, in1, in2), bias (out). reset_parameters: bound = 1/√in1; uniform_(±bound) on the
 * weight, then on the bias.
 *
 * forward: y[…, o] = Σ_ij x1[…, i]·W[o, i, j]·x2[…, j] + b[o]. A module forward has ONE input, so
 * the same tensor is used as x1 and x2 — which needs in1_features == in2_features (a clear error
 * otherwise). Accumulation is in double; torch's _trilinear path is not reproduced bit for bit. */
#include "ps-layers.h"

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
  const float *xd = ps_tensor_cf32 (x);
  const float *w = ps_tensor_cf32 (ps_module_get_param (self, "weight")->value);
  const float *b = p->bias ? ps_tensor_cf32 (ps_module_get_param (self, "bias")->value) : NULL;
  float *yd = ps_tensor_f32 (y);
  for (int64_t r = 0; r < rows; r++)
    {
      const float *xr = xd + r * p->in1;
      for (int64_t o = 0; o < p->out; o++)
        {
          double acc = 0.0;
          for (int64_t i = 0; i < p->in1; i++)
            {
              double inner = 0.0;
              for (int64_t j = 0; j < p->in2; j++)
                inner += (double) w[(o * p->in1 + i) * p->in2 + j] * xr[j];
              acc += inner * xr[i];
            }
          yd[r * p->out + o] = (float) (acc + (b ? b[o] : 0.0));
        }
    }
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

const PsModuleClass ps_bilinear_class = {
  .name = "Bilinear",
  .args = bilinear_args,
  .priv_size = sizeof (BilinearPriv),
  .construct = bilinear_construct,
  .reset_parameters = bilinear_reset,
  .forward = bilinear_forward,
  .extra_repr = bilinear_extra_repr,
};
