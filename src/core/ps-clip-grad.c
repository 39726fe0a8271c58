/* ps-clip-grad.c — see ps-clip-grad.h. */
#include "ps-clip-grad.h"
#include "ps-sleef.h"   /* PS_FMA_CLONES */
#include "ps-threads.h"

#include <math.h>

/* torch.norm(g, 2) as ATen 1.13's norm kernel computes it on the reduce-lastdim fast path
 * (norm_kernel_tensor_iterator_impl): one accumulator per vector lane over the whole vectors
 * (fused multiply-adds in the vector builds, a rounded square then an add in the DEFAULT one),
 * the lanes folded left to right, then the scalar tail `buffer[0] += v * v`. GCC 12 vectorizes that
 * tail loop of Debian's build as an in-order (fold-left) reduction: its vector part squares a block
 * of `block` values in a vector register (rounded) and adds them one by one in order, the rest is
 * scalar and contracted to fused multiply-adds. The block is 4 at AVX2 (the 128-bit epilogue of an
 * 8-lane loop whose tail is shorter than 8) and 8 at AVX512 (a 256-bit block of a 16-lane loop's
 * tail; no 4-block after it). Measured against torch 1.13 at ATEN_CPU_CAPABILITY=avx2/avx512/default:
 * every length 1..4096, three random vectors each, bit-equal (tests/golden/gen_grad_norm.py). */
PS_FMA_CLONES float
ps_grad_norm2_lanes (const float *x, int64_t n, int lanes, gboolean fused)
{
  g_return_val_if_fail (lanes == 8 || lanes == 16, NAN);
  float acc[16] = { 0 };
  int64_t d = 0;
  for (; d < n - (n % lanes); d += lanes)
    for (int l = 0; l < lanes; l++)
      acc[l] = fused ? fmaf (x[d + l], x[d + l], acc[l]) : acc[l] + x[d + l] * x[d + l];
  for (int l = 1; l < lanes; l++)
    acc[0] = acc[0] + acc[l];
  const int block = lanes / 2;   /* unfused: squares then adds either way (same bits) */
  if (n - d >= block)
    for (const int64_t e = d + block; d < e; d++)
      {
        const float sq = x[d] * x[d];
        acc[0] = acc[0] + sq;
      }
  for (; d < n; d++)
    acc[0] = fused ? fmaf (x[d], x[d], acc[0]) : acc[0] + x[d] * x[d];
  return sqrtf (acc[0]);
}

float
ps_grad_norm2_flavour (const float *x, int64_t n, PsFlavour flavour)
{
  /* "default" models torch at ATEN_CPU_CAPABILITY=default: 8 lanes whatever this process's capability */
  if (flavour == PS_FLAVOUR_DEFAULT)
    return ps_grad_norm2_lanes (x, n, 8, FALSE);
  return ps_grad_norm2_lanes (x, n, ps_threads_aten_lanes (), TRUE);
}

/* torch.nn.utils.clip_grad_norm_'s total: the 2-norm of the parameters' gradient norms (those with
 * a .grad, in named_parameters order; *n_grads of them). */
static float
total_norm (GPtrArray *items, PsFlavour flavour, guint *n_grads)
{
  g_autofree float *norms = g_new (float, items->len + 1);
  guint k = 0;
  for (guint i = 0; i < items->len; i++)
    {
      PsParam *p = ((PsNamedItem *) items->pdata[i])->param;
      if (p->grad != NULL)
        norms[k++] = ps_grad_norm2_flavour (ps_tensor_cf32 (p->grad), p->grad->numel, flavour);
    }
  *n_grads = k;
  return ps_grad_norm2_flavour (norms, k, flavour);
}

float
ps_grad_total_norm (PsModule *root, PsFlavour flavour)
{
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  guint k;
  return total_norm (items, flavour, &k);
}

gboolean
ps_clip_grad_norm_full (PsModule *root, double max_norm, PsFlavour flavour, float *total, GError **error)
{
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  guint k = 0;
  const float tn = total_norm (items, flavour, &k);
  if (k == 0)
    {
      *total = 0.0f;
      return TRUE;
    }
  float coef = (1.0f / (tn + (float) 1e-6)) * (float) max_norm;
  coef = coef > 1.0f ? 1.0f : coef;   /* clamp(max=1.0) */
  for (guint i = 0; i < items->len; i++)
    {
      PsParam *p = ((PsNamedItem *) items->pdata[i])->param;
      if (p->grad == NULL)
        continue;
      g_autoptr (PsTensor) g = ps_tensor_new_empty (PS_DTYPE_FLOAT32, p->grad->ndim, p->grad->shape, error);
      if (g == NULL)
        return FALSE;
      const float *a = ps_tensor_cf32 (p->grad);
      float *o = ps_tensor_f32 (g);
      for (int64_t j = 0; j < g->numel; j++)
        o[j] = a[j] * coef;
      ps_param_set_grad (p, g);
    }
  *total = tn;
  return TRUE;
}
