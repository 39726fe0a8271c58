/* ps-bilinear.c — nn.Bilinear (torch 1.13).
 *
 * weight (out, in1, in2), bias (out). reset_parameters: bound = 1/√in1; uniform_(±bound) on the
 * weight, then on the bias.
 *
 * forward: y[…, o] = Σ_ij x1[…, i]·W[o, i, j]·x2[…, j] + b[o]. A module forward has ONE input, so
 * the same tensor is used as x1 and x2 — which needs in1_features == in2_features (a clear error
 * otherwise). The arithmetic follows ATen's _trilinear (see bilinear_forward); so does the backward
 * (_trilinear_backward, see bilinear_backward). */
#include "ps-layers.h"
#include "ps-linear-reset.h"
#include "ps-ops.h"

#include <math.h>
#include <string.h>

typedef struct {
  int64_t in1, in2, out;
  gboolean bias;
} BilinearPriv;

static const PsArgSpec bilinear_args[] = {
  /* as given to torch.empty((out_features, in1_features, in2_features)) (ps_py_empty_check) */
  { "in1_features", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each first input sample" },
  { "in2_features", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each second input sample" },
  { "out_features", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of each output sample" },
  { "bias", PS_ARG_BOOL, .def_bool = TRUE, .doc = "add a learnable bias" },
  { NULL }
};

static gboolean
bilinear_construct (PsModule *self, GError **error)
{
  BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  const PsValue *v1 = ps_args_lookup (self->args, "in1_features"), *v2 = ps_args_lookup (self->args, "in2_features");
  const PsValue *vo = ps_args_lookup (self->args, "out_features");
  if (!ps_py_empty_check ((const PsValue *[]) { vo, v1, v2 }, 3, FALSE, error))
    return FALSE;
  p->in1 = ps_value_size (v1);
  p->in2 = ps_value_size (v2);
  p->out = ps_value_size (vo);
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
  ps_linear_like_commit (pw, w, &wi, pb, b, &bi);
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
  g_autofree char *i1 = ps_value_to_str (ps_args_lookup (self->args, "in1_features"));   /* as given */
  g_autofree char *i2 = ps_value_to_str (ps_args_lookup (self->args, "in2_features"));
  g_autofree char *o = ps_value_to_str (ps_args_lookup (self->args, "out_features"));
  return g_strdup_printf ("in1_features=%s, in2_features=%s, out_features=%s, bias=%s", i1, i2, o,
                          p->bias ? "True" : "False");
}

static void
bilinear_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 2, (int64_t[]) { 1, PS_MODULE_PRIV (self, const BilinearPriv)->in1 });
}

static gboolean bilinear_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output,
                                   PsTensor **grad_input, PsGradSink *sink, GError **error);

const PsModuleClass ps_bilinear_class = {
  .name = "Bilinear",
  .args = bilinear_args,
  .priv_size = sizeof (BilinearPriv),
  .construct = bilinear_construct,
  .reset_parameters = bilinear_reset,
  .forward = bilinear_forward,
  .backward = bilinear_backward,
  .extra_repr = bilinear_extra_repr,
  .n_inputs = 2,   /* the document passes x as both x1 and x2 */
  .example_input = bilinear_example_input,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("bilinear", "input1", 1),
};

/* ---------- backward ----------
 * torch.bilinear's autograd (1.13): output + bias (grad_bias = gy.sum_to(bias), ATen's outer sum),
 * and _trilinear's derivative, _trilinear_backward (FunctionsManual.cpp), which is three more
 * _trilinear calls with the expand/sum dims permuted — each unrolled over the output features k
 * (unroll_dim = 1) with sumproduct_pair's bmm (naive float loops below 400 multiply-adds per batch,
 * else one mm per batch through ATen's stride rules, ps-aten-mm.h):
 *   grad_x1 = Σ_k (from zeros, in k order) bmm((gy[:, k]·W[k]) as (rows, in1, in2), x2 as (rows, in2, 1))
 *   grad_W[k] = 0 + bmm((x1·gy[:, k]) as (1, in1, rows), x2 as (1, rows, in2))
 *   grad_x2 = Σ_k (from zeros, in k order) (x1·W[k]) · gy[:, k]   (the forward's first bmm, then mul)
 * x1 and x2 are the same tensor here: grad_input = grad_x1 + grad_x2. */
#include "ps-aten-mm.h"
#include "ps-reduce.h"

/* bmm (1, rows, in1) × (1, in1, in2) of the forward: tmp = x1·W[k] */
static void
bilinear_x1_w (const float *x, const float *wk, int64_t rows, int64_t in1, int64_t in2, float *tmp)
{
  if (in1 * rows * in2 < 400)
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j = 0; j < in2; j++)
        {
          float acc = 0.0f;
          for (int64_t i = 0; i < in1; i++)
            acc += x[r * in1 + i] * wk[i * in2 + j];
          tmp[r * in2 + j] = acc;
        }
  else
    ps_ops_sgemm (false, false, rows, in2, in1, 1.0f, x, in1, wk, in2, 0.0f, tmp, in2);
}

static gboolean
bilinear_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                   PsGradSink *sink, GError **error)
{
  BilinearPriv *p = PS_MODULE_PRIV (self, BilinearPriv);
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = p->bias ? ps_module_get_param (self, "bias") : NULL;
  const PsTensor *x = entry->input;
  const int64_t in1 = p->in1, in2 = p->in2, out = p->out;
  const int64_t rows = in1 > 0 ? x->numel / in1 : 0;
  const float *X = ps_tensor_cf32 (x), *W = ps_tensor_cf32 (pw->value), *GY = ps_tensor_cf32 (grad_output);
  g_autoptr (PsTensor) gw = ps_tensor_new (PS_DTYPE_FLOAT32, 3, pw->value->shape, error);
  g_autoptr (PsTensor) gx = NULL, gb = NULL;
  if (gw == NULL || (grad_input != NULL && (gx = ps_tensor_new (PS_DTYPE_FLOAT32, x->ndim, x->shape, error)) == NULL)
      || (pb != NULL && (gb = ps_tensor_new (PS_DTYPE_FLOAT32, 1, pb->value->shape, error)) == NULL))
    return FALSE;
  /* scratch: a (rows, in1, in2) product and (rows, in1) + (rows, in2) partial gradients */
  int64_t big, shape3[3] = { MAX (rows, 1), MAX (in1, 1), MAX (in2, 1) };
  if (!ps_shape_numel (3, shape3, &big, error))
    return FALSE;
  const guint64 n_scratch = (guint64) big + (guint64) rows * (guint64) (in1 + 2 * in2) + (guint64) in1 * (guint64) in2;
  if (!ps_tensor_check_scratch (n_scratch * sizeof (float), "the bilinear backward", error))
    return FALSE;
  g_autofree float *buf = g_try_new (float, (gsize) MAX (n_scratch, 1));
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the bilinear backward");
      return FALSE;
    }
  float *prod = buf, *part = buf + big, *gx2 = part + rows * MAX (in1, in2), *res = gx2 + rows * in2;
  float *gwd = ps_tensor_f32 (gw);
  if (rows > 0 && out > 0 && in1 > 0 && in2 > 0)
    for (int64_t k = 0; k < out; k++)
      {
        const float *wk = W + k * in1 * in2;
        /* grad_W[k]: prod (rows, in1) = x1 · gy[:, k] (mul), then bmm over the rows */
        for (int64_t r = 0; r < rows; r++)
          for (int64_t i = 0; i < in1; i++)
            prod[r * in1 + i] = X[r * in1 + i] * GY[r * out + k];
        float *gk = gwd + k * in1 * in2;
        if (rows * in1 * in2 < 400)
          for (int64_t i = 0; i < in1; i++)
            for (int64_t j = 0; j < in2; j++)
              {
                float acc = 0.0f;
                for (int64_t r = 0; r < rows; r++)
                  acc += prod[r * in1 + i] * X[r * in2 + j];
                gk[i * in2 + j] = 0.0f + acc;
              }
        else
          {
            PsMatView l = ps_mat_view_t (ps_mat_view (prod, rows, in1));   /* (in1, rows), strides (1, in1) */
            if (!ps_aten_mm (l, ps_mat_view (X, rows, in2), res, error))
              return FALSE;
            for (int64_t e = 0; e < in1 * in2; e++)
              gk[e] = 0.0f + res[e];
          }
        if (gx == NULL)
          continue;
        /* grad_x1 += bmm(gy[:, k]·W[k], x2) */
        for (int64_t r = 0; r < rows; r++)
          for (int64_t e = 0; e < in1 * in2; e++)
            prod[r * in1 * in2 + e] = GY[r * out + k] * wk[e];
        for (int64_t r = 0; r < rows; r++)
          {
            const float *xr = X + r * in2;
            float *pr = part + r * in1;
            if (in1 * in2 < 400)
              for (int64_t i = 0; i < in1; i++)
                {
                  float acc = 0.0f;
                  for (int64_t j = 0; j < in2; j++)
                    acc += prod[(r * in1 + i) * in2 + j] * xr[j];
                  pr[i] = acc;
                }
            else
              {
                PsMatView rv = { xr, { in2, 1 }, { 1, in2 } };
                if (!ps_aten_mm (ps_mat_view (prod + r * in1 * in2, in1, in2), rv, pr, error))
                  return FALSE;
              }
          }
        float *g1 = ps_tensor_f32 (gx);
        for (int64_t e = 0; e < rows * in1; e++)
          g1[e] = g1[e] + part[e];
        /* grad_x2 += (x1·W[k]) · gy[:, k] */
        bilinear_x1_w (X, wk, rows, in1, in2, part);
        for (int64_t r = 0; r < rows; r++)
          for (int64_t j = 0; j < in2; j++)
            gx2[r * in2 + j] = (k == 0 ? 0.0f : gx2[r * in2 + j]) + part[r * in2 + j] * GY[r * out + k];
      }
  if (gx != NULL)
    {
      float *g1 = ps_tensor_f32 (gx);
      for (int64_t e = 0; rows > 0 && out > 0 && e < rows * in2; e++)
        g1[e] = g1[e] + gx2[e];
    }
  if (gb != NULL)
    ps_reduce_sum_dim0 (GY, rows, out, ps_tensor_f32 (gb));
  ps_grad_sink_add (sink, pw, gw);
  if (gb != NULL)
    ps_grad_sink_add (sink, pb, gb);
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}
