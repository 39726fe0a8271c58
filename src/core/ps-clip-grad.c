/* ps-clip-grad.c — see ps-clip-grad.h. */
#include "ps-clip-grad.h"
#include "ps-sleef.h"   /* PS_FMA_CLONES */
#include "ps-threads.h"

#include <math.h>

/* torch.norm(g, 2): one fused multiply-add accumulator per vector lane (Vectorized<float>::size():
 * 8, 16 at ATen's AVX512 capability), the lanes added in order, then the tail. */
PS_FMA_CLONES float
ps_grad_norm2 (const float *x, int64_t n)
{
  const int lanes = ps_threads_aten_lanes ();
  if (lanes == 8 && n >= 4 && n < 8)   /* measured at AVX2; not checked at avx512 */
    {
      /* torch.norm(x, 2) of 4 to 7 elements sums a 4-lane vector of rounded squares in lane order,
       * then the rest with fused multiply-adds (measured against torch 1.13: 3000 random vectors
       * of 4 to 7 elements equal; tests/doc/test-train-random.c random-train-16, whose
       * clip_grad_norm_ stacks 4 norms) */
      float s = x[0] * x[0];
      for (int l = 1; l < 4; l++)
        s = s + x[l] * x[l];
      for (int64_t d = 4; d < n; d++)
        s = fmaf (x[d], x[d], s);
      return sqrtf (s);
    }
  float acc[16] = { 0 };
  int64_t d = 0;
  for (; d < n - (n % lanes); d += lanes)
    for (int l = 0; l < lanes; l++)
      acc[l] = fmaf (x[d + l], x[d + l], acc[l]);
  for (int l = 1; l < lanes; l++)
    acc[0] = acc[0] + acc[l];
  for (; d < n; d++)
    acc[0] = fmaf (x[d], x[d], acc[0]);
  return sqrtf (acc[0]);
}

gboolean
ps_clip_grad_norm (PsModule *root, double max_norm, float *total, GError **error)
{
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  g_autofree float *norms = g_new (float, items->len + 1);
  guint k = 0;
  for (guint i = 0; i < items->len; i++)
    {
      PsParam *p = ((PsNamedItem *) items->pdata[i])->param;
      if (p->grad != NULL)
        norms[k++] = ps_grad_norm2 (ps_tensor_cf32 (p->grad), p->grad->numel);
    }
  if (k == 0)
    {
      *total = 0.0f;
      return TRUE;
    }
  const float tn = ps_grad_norm2 (norms, k);
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
