/* ps-norm.c — LayerNorm, GroupNorm, BatchNorm1d, BatchNorm2d (torch.nn, 1.13).
 *
 * reset_parameters: weight = 1, bias = 0 (when affine); BatchNorm buffers running_mean = 0,
 * running_var = 1, num_batches_tracked = 0 (int64 scalar). No draws.
 *
 * BatchNorm forward follows ATen's CPU kernels (batch_norm_kernel.cpp) operation by operation and
 * is bit-exact against torch 1.13 with one thread (verified by tests/golden/gen_conv.py):
 *   statistics per channel c over n = N·spatial values —
 *     spatial > 1 ("contiguous" kernel): mean = (float)(Σ_double x / n);
 *                  var_sum = (float) Σ_double (float)((x − mean)²)
 *     spatial = 1 ((N, C) input, the channels-last kernel): float sums in batch order, one per
 *                  thread of torch's parallel_for over N, the thread sums added in double:
 *                  mean = (float)((double) Σ_float x / n); var_sum = Σ fmaf(d, d, ·), d = x − mean
 *   invstd = (float)(1 / sqrt((double)(var_sum / (float) n) + eps))
 *   running_mean = m·mean + (1 − m)·running_mean (float), running_var = (float)((double) m ·
 *   (double)(var_sum/(n − 1)) + (double)((1 − m)·running_var)), m = (float) momentum (or
 *   1/num_batches_tracked when momentum is None)
 *   y = fmaf(x, alpha, beta), alpha = invstd·weight, beta = fmaf(−mean, alpha, bias)
 *   eval: invstd = 1 / sqrtf(running_var + (float) eps), same y.
 * Training swaps in NEW buffer tensors (running stats, num_batches_tracked); nothing is mutated.
 *
 * LayerNorm and GroupNorm reproduce ATen's vectorised Welford (RowwiseMoments, 8 float lanes, no
 * FMA; torch's forward gives the same bits at ATEN_CPU_CAPABILITY=avx512, tests/data/
 * backward-avx512/{LayerNorm,GroupNorm}.json) and its affine step (LayerNorm: fmaf(fmaf(x, rstd, −rstd·mean), γ, β); GroupNorm:
 * fmaf(scale, x, −scale·mean + β), scale = rstd·γ), so they are bit-exact against torch 1.13 on
 * AVX2 too (tests/golden/gen_conv.py cases). */
#include "ps-layers.h"
#include "ps-norm.h"
#include "ps-reduce.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

static PS_DECLARE_BACKWARD (layer_norm_backward);
static PS_DECLARE_BACKWARD (batch_norm_backward);

/* ---------- shared ---------- */

static gboolean
set_constant (PsModule *self, const char *name, double v, GError **error)
{
  PsParam *p = ps_module_get_param (self, name);
  if (p == NULL)
    return TRUE;
  g_autoptr (PsTensor) t = ps_param_new_like (p, error);
  if (t == NULL)
    return FALSE;
  PsInitInfo info;
  ps_init_info_clear (&info);
  if (t->dtype == PS_DTYPE_FLOAT32)
    {
      float *d = ps_tensor_f32 (t);
      for (int64_t i = 0; i < t->numel; i++)
        d[i] = (float) v;
      g_strlcpy (info.fn, v == 0.0 ? "zeros_" : "ones_", sizeof info.fn);
    }
  else
    {
      int64_t *d = ps_tensor_i64 (t);
      for (int64_t i = 0; i < t->numel; i++)
        d[i] = (int64_t) v;
      g_strlcpy (info.fn, "zero_", sizeof info.fn);
    }
  info.dist = PS_DIST_CONSTANT;
  info.value = v;
  ps_param_set_value (p, t);
  p->init = info;
  return TRUE;
}

static gboolean
register_1d (PsModule *self, const char *name, int64_t n, gboolean buffer, GError **error)
{
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, error);
  if (t == NULL)
    return FALSE;
  ps_module_register (self, name, t, buffer);
  return TRUE;
}

static PsTensor *
new_output_like (const PsTensor *x, GError **error)
{
  return ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
}

static gboolean
check_float_input (const PsTensor *x, const char *what, GError **error)
{
  if (x->dtype == PS_DTYPE_FLOAT32)
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "expected a float32 input to %s, got %s", what,
               ps_dtype_name (x->dtype));
  return FALSE;
}

/* ---------- ATen's RowwiseMoments (moments_utils.h, float, AVX2: 8 lanes) ----------
 *
 * Welford per lane over chunks of 16 vectors, chunk results merged through a cascade stack, then
 * the scalar tail and the 8 lanes merged into one. torch's AVX2 build does not contract any of
 * these operations into FMAs (verified against torch 1.13 for N = 1 … 4100), so plain float
 * arithmetic under -ffp-contract=off reproduces mean and variance bit for bit. */

#define MOMENTS_LANES 8
#define MOMENTS_CHUNK 16

typedef struct {
  float v[MOMENTS_LANES];
} Lanes;

static void
add_moments_lanes (int64_t m0_add, const Lanes *m1_add, const Lanes *m2_add, int64_t *m0, Lanes *m1, Lanes *m2)
{
  const int64_t n = *m0 + m0_add;
  const float c = n == 0 ? 0.0f : (float) m0_add / (float) n;
  for (int l = 0; l < MOMENTS_LANES; l++)
    {
      const float delta = m1_add->v[l] - m1->v[l];
      m1->v[l] += c * delta;
      m2->v[l] += m2_add->v[l] + delta * delta * c * (float) *m0;
    }
  *m0 = n;
}

static void
add_moments (int64_t m0_add, float m1_add, float m2_add, int64_t *m0, float *m1, float *m2)
{
  const int64_t n = *m0 + m0_add;
  const float c = n == 0 ? 0.0f : (float) m0_add / (float) n;
  const float delta = m1_add - *m1;
  *m1 += c * delta;
  *m2 += m2_add + delta * delta * c * (float) *m0;
  *m0 = n;
}

/* mean and biased variance of X[0..N) */
static void
rowwise_moments (const float *X, int64_t N, float *mean, float *var)
{
  const int64_t n = N / MOMENTS_LANES;
  const int64_t m = (n + MOMENTS_CHUNK - 1) / MOMENTS_CHUNK;
  int depth = 1;   /* utils::CeilLog2, which is 1 for m <= 2 */
  while (m > 2 && ((int64_t) 1 << depth) < m)
    depth++;
  int64_t m0_stk[64] = { 0 };
  Lanes m1_stk[64], m2_stk[64];
  memset (m1_stk, 0, sizeof (Lanes) * (gsize) depth);
  memset (m2_stk, 0, sizeof (Lanes) * (gsize) depth);
  for (int64_t i = 0; i < m; i++)
    {
      const float *xp = X + i * MOMENTS_CHUNK * MOMENTS_LANES;
      const int64_t m0 = MIN (MOMENTS_CHUNK, n - i * MOMENTS_CHUNK);
      Lanes m1 = { { 0 } }, m2 = { { 0 } };
      for (int64_t j = 0; j < m0; j++)
        {
          const float c = 1.0f / (float) (j + 1);
          for (int l = 0; l < MOMENTS_LANES; l++)
            {
              const float x = xp[j * MOMENTS_LANES + l];
              const float delta = x - m1.v[l];
              m1.v[l] += delta * c;
              m2.v[l] += delta * (x - m1.v[l]);
            }
        }
      add_moments_lanes (m0, &m1, &m2, &m0_stk[0], &m1_stk[0], &m2_stk[0]);
      int64_t mask = i + 1;
      for (int j = 1; j < depth && (mask & 1) == 0; j++)
        {
          add_moments_lanes (m0_stk[j - 1], &m1_stk[j - 1], &m2_stk[j - 1], &m0_stk[j], &m1_stk[j], &m2_stk[j]);
          m0_stk[j - 1] = 0;
          memset (&m1_stk[j - 1], 0, sizeof (Lanes));
          memset (&m2_stk[j - 1], 0, sizeof (Lanes));
          mask >>= 1;
        }
    }
  for (int i = 1; i < depth; i++)
    add_moments_lanes (m0_stk[i], &m1_stk[i], &m2_stk[i], &m0_stk[0], &m1_stk[0], &m2_stk[0]);
  int64_t m0 = 0;
  float m1 = 0.0f, m2 = 0.0f;
  for (int64_t i = n * MOMENTS_LANES; i < N; i++)
    {
      const float delta = X[i] - m1;
      ++m0;
      m1 += delta / (float) m0;
      m2 += delta * (X[i] - m1);
    }
  for (int l = 0; l < MOMENTS_LANES; l++)
    add_moments (n, m1_stk[0].v[l], m2_stk[0].v[l], &m0, &m1, &m2);
  *mean = m1;
  *var = m2 / (float) N;
}

/* ---------- vec::reduce_all's lanes and fold (the backward kernels) ----------
 * Vectorized<float>::size(): 8 in torch's AVX2 build, 16 at ATEN_CPU_CAPABILITY=avx512, folded
 * as VecReduceAllSIMD<float> does (ps_reduce_fold). */

#define MAX_LANES PS_REDUCE_MAX_LANES

static int
vec_lanes (void)
{
  return ps_threads_aten_lanes ();
}

static float
fold_lanes (const float *a, int lanes)
{
  return ps_reduce_fold (a, lanes);
}

/* the DEFAULT build's vec_reduce_all: no shuffles, the lanes added in order */
static float
fold_in_order (const float *a, int lanes)
{
  float s = a[0];
  for (int l = 1; l < lanes; l++)
    s = s + a[l];
  return s;
}

/* ---------- LayerNorm ---------- */

typedef struct {
  int nd;
  int64_t shape[PS_MAX_DIMS];
  double eps;
  gboolean affine;
} LayerNormPriv;

static const PsArgSpec layer_norm_args[] = {
  /* a scalar of another type is kept as given: __init__ makes an int a 1-tuple and tuple()s the rest */
  { "normalized_shape", PS_ARG_INT_LIST, .required = TRUE, .any_value = TRUE, .doc = "shape of the trailing dimensions to normalize" },
  { "eps", PS_ARG_FLOAT, .def_double = 1e-5, .aten_position = 5, .aten_type = "float", .doc = "added to the variance" },
  { "elementwise_affine", PS_ARG_BOOL, .def_bool = TRUE, .doc = "learnable weight and bias" },
  { NULL }
};

static gboolean
layer_norm_construct (PsModule *self, GError **error)
{
  LayerNormPriv *p = PS_MODULE_PRIV (self, LayerNormPriv);
  int64_t list[8];
  const PsValue *sv = ps_args_lookup (self->args, "normalized_shape");
  const PsValueType st = ps_value_given_type (sv);
  if (st == PS_VALUE_NONE || st == PS_VALUE_DOUBLE)
    {
      /* tuple(normalized_shape) */
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'%s' object is not iterable", ps_value_given_type_name (sv));
      return FALSE;
    }
  if (st == PS_VALUE_BOOL || (st == PS_VALUE_STRING && sv->s != NULL && sv->s[0] != '\0'))
    {
      /* (True,) or ('x',): torch.empty's parser refuses the first size; without elementwise_affine
       * nothing is created and F.layer_norm would see it: not supported here */
      if (!ps_args_get_bool (self->args, "elementwise_affine"))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "LayerNorm(normalized_shape=%s, elementwise_affine=False) "
                       "is not supported", ps_value_given_type_name (sv));
          return FALSE;
        }
      return ps_py_empty_check ((const PsValue *[]) { sv, NULL }, 2, FALSE, error);
    }
  p->nd = st == PS_VALUE_STRING ? 0 : ps_args_get_int_list (self->args, "normalized_shape", list);
  if (p->nd < 1 || p->nd > PS_MAX_DIMS - 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "normalized_shape must have between 1 and %d dimensions", PS_MAX_DIMS - 1);
      return FALSE;
    }
  memcpy (p->shape, list, (gsize) p->nd * sizeof (int64_t));
  p->eps = ps_args_get_number (self->args, "eps");   /* NAN: not a number, refused at the forward */
  p->affine = ps_args_get_bool (self->args, "elementwise_affine");
  for (int d = 0; d < p->nd; d++)
    if (p->shape[d] < 0)
      {
        g_autofree char *s = ps_shape_to_string (p->nd, p->shape);
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": %s", p->shape[d], s);
        return FALSE;
      }
  if (p->affine)
    {
      g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, p->nd, p->shape, error);
      g_autoptr (PsTensor) b = w ? ps_tensor_new (PS_DTYPE_FLOAT32, p->nd, p->shape, error) : NULL;
      if (b == NULL)
        return FALSE;
      ps_module_register (self, "weight", w, FALSE);
      ps_module_register (self, "bias", b, FALSE);
    }
  return TRUE;
}

static gboolean
affine_reset (PsModule *self, PsGenerator *gen, GError **error)
{
  return set_constant (self, "weight", 1.0, error) && set_constant (self, "bias", 0.0, error);
}

static PsTensor *
layer_norm_forward (PsModule *self, PsTensor *x, PsGenerator *gen, GError **error)
{
  LayerNormPriv *p = PS_MODULE_PRIV (self, LayerNormPriv);
  if (!check_float_input (x, "layer_norm", error))
    return NULL;
  gboolean ok = x->ndim >= p->nd;
  for (int d = 0; ok && d < p->nd; d++)
    ok = x->shape[x->ndim - p->nd + d] == p->shape[d];
  if (!ok)
    {
      g_autofree char *ns = ps_shape_to_string (p->nd, p->shape);
      g_autofree char *tail = g_strndup (ns + 1, strlen (ns) - 2);
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Given normalized_shape=%s, expected input with shape [*, %s], but got input of size%s",
                   ns, tail, xs);
      return NULL;
    }
  int64_t inner = 1;
  for (int d = 0; d < p->nd; d++)
    inner *= p->shape[d];
  const int64_t rows = inner > 0 ? x->numel / inner : 0;
  g_autoptr (PsTensor) y = new_output_like (x, error);
  if (y == NULL)
    return NULL;
  const float *xd = ps_tensor_cf32 (x);
  float *yd = ps_tensor_f32 (y);
  const float *w = p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "weight")->value) : NULL;
  const float *b = p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "bias")->value) : NULL;
  /* layer_norm_kernel.cpp: rstd = 1/sqrt(var + eps) in float; y = (x·scale + bias)·γ + β with
   * both steps contracted to FMAs in torch's AVX2 build */
  const float eps = (float) p->eps;
  /* ATEN_CPU_CAPABILITY=default (the "default" flavour): the same steps, each product rounded */
  const gboolean fused = (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT;
  for (int64_t r = 0; r < rows; r++)
    {
      const float *xr = xd + r * inner;
      float *yr = yd + r * inner;
      float mean, var;
      rowwise_moments (xr, inner, &mean, &var);
      const float rstd = 1.0f / sqrtf (var + eps);
      const float scale = rstd, bias = -rstd * mean;
      for (int64_t i = 0; i < inner; i++)
        yr[i] = fused ? fmaf (fmaf (xr[i], scale, bias), w ? w[i] : 1.0f, b ? b[i] : 0.0f)
                      : (xr[i] * scale + bias) * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
    }
  return g_steal_pointer (&y);
}

static char *
layer_norm_extra_repr (const PsModule *self)
{
  const LayerNormPriv *p = PS_MODULE_PRIV (self, LayerNormPriv);
  PsValue shape = { .type = PS_VALUE_INT_LIST, .n_list = p->nd };
  memcpy (shape.list, p->shape, (gsize) p->nd * sizeof (int64_t));
  g_autofree char *s = ps_value_to_python (&shape);
  g_autofree char *e = ps_value_to_str (ps_args_lookup (self->args, "eps"));   /* str() as given: 2, inf, x */
  g_autofree char *af = ps_value_to_str (ps_args_lookup (self->args, "elementwise_affine"));   /* as given: 2 */
  return g_strdup_printf ("%s, eps=%s, elementwise_affine=%s", s, e, af);
}

/* [2, normalized_shape…] */
static void
layer_norm_example_input (const PsModule *self, PsExampleInput *ex)
{
  const LayerNormPriv *p = PS_MODULE_PRIV (self, LayerNormPriv);
  int64_t shape[PS_MAX_DIMS] = { 2 };
  memcpy (shape + 1, p->shape, (gsize) p->nd * sizeof (int64_t));
  ps_example_input_set (ex, 1 + p->nd, shape);
}

const PsModuleClass ps_layer_norm_class = {
  .name = "LayerNorm",
  .args = layer_norm_args,
  .priv_size = sizeof (LayerNormPriv),
  .construct = layer_norm_construct,
  .reset_parameters = affine_reset,
  .forward = layer_norm_forward,
  .extra_repr = layer_norm_extra_repr,
  .example_input = layer_norm_example_input,
  .backward = (gpointer) layer_norm_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("layer_norm", "input", 1),
};

/* LayerNorm backward: ATen 1.13's LayerNormBackwardKernelImplInternal (layer_norm_kernel.cpp, AVX2
 * build). Per row i (a = rstd, mean as the forward computed them; 8-lane reductions as in
 * vec::map*_reduce_all — 16 lanes and the AVX512 fold at that capability —, GCC's contractions
 * spelled out):
 *   dgamma_buf[j] = fma(dy, fma(a, x, −a·mean), dgamma_buf[j]);  dbeta_buf[j] += dy
 *   ds = Σ dy·x·γ (acc = fma(dy·x, γ, acc)),  db = Σ dy·γ (acc = fma(dy, γ, acc))
 *   b = fma(db, mean, −ds)·a·a·a·(1/N);  c = fma(−b, mean, −(db·a·(1/N)))
 *   dx = fma(b, x, (a·dy)·γ) + c
 * The buffers are per thread of torch's parallel_for over the rows; dgamma/dbeta = 0 + Σ of the
 * thread rows. Verified on 12 shapes (N = 5 … 40 000): 0 mismatches; a·dy·γ + b·x fused the other
 * way round differs in ~20 % of dx. */
static void
layer_norm_vec_dot (const float *a, const float *b, const float *c, int64_t n, gboolean fused, float *out)
{
  /* Σ a·b·c (c NULL: Σ a·b); b NULL: Σ a. Unfused (DEFAULT build): 8 lanes folded in order. */
#define LN_TERM(i) (b == NULL ? a[i] : (c != NULL ? (a[i] * b[i]) * c[i] : a[i] * b[i]))
#define LN_ACC(i, acc) (b == NULL ? (acc) + a[i] : !fused ? (acc) + LN_TERM (i) \
                        : (c != NULL ? fmaf (a[i] * b[i], c[i], acc) : fmaf (a[i], b[i], acc)))
  const int L = fused ? vec_lanes () : 8;
  if (n < L)
    {
      float s = LN_TERM (0);
      for (int64_t i = 1; i < n; i++)
        s = s + LN_TERM (i);
      *out = s;
      return;
    }
  float acc[MAX_LANES];
  for (int l = 0; l < L; l++)
    acc[l] = LN_TERM (l);
  int64_t i = L;
  for (; i < n - n % L; i += L)
    for (int l = 0; l < L; l++)
      acc[l] = LN_ACC (i + l, acc[l]);
  for (int l = 0; l < n - i; l++)
    acc[l] = LN_ACC (i + l, acc[l]);
  if (fused)
    *out = fold_lanes (acc, L);
  else
    {
      float s = acc[0];
      for (int l = 1; l < L; l++)
        s = s + acc[l];
      *out = s;
    }
#undef LN_TERM
#undef LN_ACC
}

static gboolean
layer_norm_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                     PsGradSink *sink, GError **error)
{
  LayerNormPriv *p = PS_MODULE_PRIV (self, LayerNormPriv);
  const PsTensor *x = entry->input;
  int64_t N = 1;
  for (int d = 0; d < p->nd; d++)
    N *= p->shape[d];
  const int64_t M = N > 0 ? x->numel / N : 0;
  PsParam *pw = p->affine ? ps_module_get_param (self, "weight") : NULL;
  PsParam *pb = p->affine ? ps_module_get_param (self, "bias") : NULL;
  const float *gamma = pw ? ps_tensor_cf32 (pw->value) : NULL;
  const float *X = ps_tensor_cf32 (x), *dY = ps_tensor_cf32 (grad_output);
  g_autoptr (PsTensor) gx = NULL, gw = NULL, gb = NULL;
  if (grad_input != NULL && (gx = new_output_like (x, error)) == NULL)
    return FALSE;
  if (pw != NULL && ((gw = ps_tensor_new (PS_DTYPE_FLOAT32, p->nd, p->shape, error)) == NULL
                     || (gb = ps_tensor_new (PS_DTYPE_FLOAT32, p->nd, p->shape, error)) == NULL))
    return FALSE;
  const int64_t T = MAX (ps_threads_intra_op (), 1);
  g_autofree float *buf = NULL;
  if (pw != NULL && M > 0
      && !ps_tensor_check_scratch ((guint64) (2 * T * N) * sizeof (float), "the layer_norm backward", error))
    return FALSE;
  if (pw != NULL && M > 0 && (buf = g_try_new0 (float, (gsize) (2 * T * N))) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the layer_norm backward");
      return FALSE;
    }
  const float scale = 1.0f / (float) N, eps = (float) p->eps;
  /* ATEN_CPU_CAPABILITY=default: the same loops without FMA, reductions folded in lane order */
  const gboolean fused = entry->flavour != PS_FLAVOUR_DEFAULT;
  const int64_t used = M < 2 || T == 1 ? 1 : MIN (T, M);
  const int64_t chunk = M > 0 ? (M + used - 1) / used : 0;
  for (int64_t t = 0; t < used; t++)
    for (int64_t i = t * chunk; i < MIN (M, (t + 1) * chunk); i++)
      {
        const float *xr = X + i * N, *dy = dY + i * N;
        float mean, var;
        rowwise_moments (xr, N, &mean, &var);
        const float a = 1.0f / sqrtf (var + eps);
        if (buf != NULL)
          {
            float *dgamma = buf + t * N, *dbeta = buf + T * N + t * N;
            const float b = -a * mean;
            for (int64_t j = 0; j < N; j++)
              {
                dgamma[j] = fused ? fmaf (dy[j], fmaf (a, xr[j], b), dgamma[j]) : dgamma[j] + dy[j] * (a * xr[j] + b);
                dbeta[j] = dbeta[j] + dy[j];
              }
          }
        if (gx == NULL)
          continue;
        float ds, db;
        layer_norm_vec_dot (dy, xr, gamma, N, fused, &ds);
        layer_norm_vec_dot (dy, gamma, NULL, N, fused, &db);
        const float b = (fused ? fmaf (db, mean, -ds) : db * mean - ds) * a * a * a * scale;
        const float c = fused ? fmaf (-b, mean, -(db * a * scale)) : -b * mean - db * a * scale;
        float *dx = ps_tensor_f32 (gx) + i * N;
        for (int64_t j = 0; j < N; j++)
          {
            const float ady = gamma ? (a * dy[j]) * gamma[j] : a * dy[j];
            dx[j] = (fused ? fmaf (b, xr[j], ady) : ady + b * xr[j]) + c;
          }
      }
  if (pw != NULL)
    {
      float *dg = ps_tensor_f32 (gw), *dbt = ps_tensor_f32 (gb);
      for (int64_t j = 0; buf != NULL && j < N; j++)
        {
          float g = 0.0f, bsum = 0.0f;
          for (int64_t t = 0; t < T; t++)
            {
              g += buf[t * N + j];
              bsum += buf[T * N + t * N + j];
            }
          dg[j] = g;
          dbt[j] = bsum;
        }
      ps_grad_sink_add (sink, pw, gw);
      ps_grad_sink_add (sink, pb, gb);
    }
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}

/* ---------- GroupNorm ---------- */

typedef struct {
  int64_t num_groups;
  int64_t num_channels;
  double eps;
  gboolean affine;
} GroupNormPriv;

static const PsArgSpec group_norm_args[] = {
  /* group_norm(input, num_groups, weight, bias, eps, cudnn): any value constructs if Python's
   * num_channels % num_groups is 0 (group_norm_construct) */
  { "num_groups", PS_ARG_INT, .required = TRUE, .aten_position = 2, .aten_type = "int", .doc = "number of groups to separate the channels into" },
  { "num_channels", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "number of channels expected in the input" },
  { "eps", PS_ARG_FLOAT, .def_double = 1e-5, .aten_position = 5, .aten_type = "float", .doc = "added to the variance" },
  { "affine", PS_ARG_BOOL, .def_bool = TRUE, .doc = "learnable per-channel weight and bias" },
  { NULL }
};

static gboolean
group_norm_construct (PsModule *self, GError **error)
{
  GroupNormPriv *p = PS_MODULE_PRIV (self, GroupNormPriv);
  const PsValue *gv = ps_args_lookup (self->args, "num_groups");
  const PsValue *cv = ps_args_lookup (self->args, "num_channels");
  p->eps = ps_args_get_number (self->args, "eps");   /* NAN: not a number, refused at the forward */
  p->affine = ps_args_get_bool (self->args, "affine");
  /* num_groups as given: Python's `num_channels % num_groups` (a bool is 0/1; a float's remainder is
   * a float; None and str fail in the operator); the forward's group_norm refuses all but an int */
  const PsValueType gt = ps_value_given_type (gv);
  if (!ps_value_is_int (cv))
    {
      /* num_channels as given (stored, and torch.empty(num_channels) when affine): Python's % with
       * an int num_groups */
      const PsValueType ct = ps_value_given_type (cv);
      if (gt != PS_VALUE_INT)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "GroupNorm: num_groups=%s with num_channels=%s "
                       "is not supported", ps_value_given_type_name (gv), ps_value_given_type_name (cv));
          return FALSE;
        }
      if (ct == PS_VALUE_NONE || ct == PS_VALUE_STRING)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, ct == PS_VALUE_STRING
                       ? "not all arguments converted during string formatting"
                       : "unsupported operand type(s) for %%: 'NoneType' and 'int'");
          return FALSE;
        }
      const double c = ct == PS_VALUE_BOOL ? (cv->b ? 1.0 : 0.0) : cv->d;
      if (gv->i == 0)
        {
          g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                               ct == PS_VALUE_BOOL ? "integer modulo by zero" : "float modulo");
          return FALSE;
        }
      if (fmod (c, (double) gv->i) != 0.0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "num_channels must be divisible by num_groups");
          return FALSE;
        }
      if (p->affine && !ps_py_empty_check (&cv, 1, FALSE, error))
        return FALSE;
      p->num_groups = gv->i;
      p->num_channels = -1;   /* only stored: nothing has its size */
      return TRUE;
    }
  p->num_channels = cv->i;
  if (gt == PS_VALUE_NONE || gt == PS_VALUE_STRING)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unsupported operand type(s) for %%: 'int' and '%s'",
                   gt == PS_VALUE_STRING ? "str" : "NoneType");
      return FALSE;
    }
  if (gt == PS_VALUE_DOUBLE)
    {
      if (gv->d == 0.0)
        {
          g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "float modulo");
          return FALSE;
        }
      if (fmod ((double) p->num_channels, gv->d) != 0.0)   /* the sign of Python's % does not matter here */
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "num_channels must be divisible by num_groups");
          return FALSE;
        }
      p->num_groups = 1;   /* never used: the forward refuses a float */
    }
  else
    p->num_groups = gt == PS_VALUE_BOOL ? (gv->b ? 1 : 0) : gv->i;
  if (p->num_groups == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "integer modulo by zero");
      return FALSE;
    }
  /* x % -1 is 0, but INT64_MIN % -1 overflows in C: skip it */
  if (p->num_groups != -1 && p->num_channels % p->num_groups != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "num_channels must be divisible by num_groups");
      return FALSE;
    }
  /* a negative num_groups constructs in torch (its forward refuses it); a negative num_channels
   * fails where the affine tensors are created */
  if (p->affine && p->num_channels < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Trying to create tensor with negative "
                   "dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT "]", p->num_channels, p->num_channels);
      return FALSE;
    }
  if (p->affine)
    return register_1d (self, "weight", p->num_channels, FALSE, error)
           && register_1d (self, "bias", p->num_channels, FALSE, error);
  return TRUE;
}

static PsTensor *
group_norm_forward (PsModule *self, PsTensor *x, PsGenerator *gen, GError **error)
{
  GroupNormPriv *p = PS_MODULE_PRIV (self, GroupNormPriv);
  if (!check_float_input (x, "group_norm", error))
    return NULL;
  if (x->ndim < 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Dimension out of range (expected to be in range of [%d, %d], but got 1)",
                   -MAX (x->ndim, 1), MAX (x->ndim, 1) - 1);
      return NULL;
    }
  const int64_t N = x->shape[0], C = x->shape[1];
  g_autofree char *xs = ps_tensor_shape_string (x);
  /* ATen's check_group_norm_inputs, in its order */
  if (p->num_groups <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Expected num groups to be greater than 0, got %" G_GINT64_FORMAT, p->num_groups);
      return NULL;
    }
  if (C % p->num_groups != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected number of channels in input to be divisible by num_groups, but got input of "
                   "shape %s and num_groups=%" G_GINT64_FORMAT, xs, p->num_groups);
      return NULL;
    }
  if (p->affine && C != p->num_channels)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected weight to be a vector of size equal to the number of channels in input, "
                   "but got weight of shape [%" G_GINT64_FORMAT "] and input of shape %s", p->num_channels, xs);
      return NULL;
    }
  const int64_t HxW = N * C > 0 ? x->numel / (N * C) : 0;
  const int64_t D = C / p->num_groups;
  g_autoptr (PsTensor) y = new_output_like (x, error);
  if (y == NULL)
    return NULL;
  const float *xd = ps_tensor_cf32 (x);
  float *yd = ps_tensor_f32 (y);
  const float *w = p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "weight")->value) : NULL;
  const float *b = p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "bias")->value) : NULL;
  /* group_norm_kernel.cpp: moments over each (sample, group); rstd = 1/sqrt(max(var, 0) + eps) */
  const float eps = (float) p->eps;
  /* ATEN_CPU_CAPABILITY=default: no FMA in the affine step */
  const gboolean fused = (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT;
  for (int64_t n = 0; n < N; n++)
    for (int64_t g = 0; g < p->num_groups; g++)
      {
        const int64_t off = (n * C + g * D) * HxW;
        float mean, var;
        rowwise_moments (xd + off, D * HxW, &mean, &var);
        const float rstd = 1.0f / sqrtf (MAX (var, 0.0f) + eps);
        if (w == NULL)
          {
            for (int64_t k = 0; k < D * HxW; k++)
              yd[off + k] = (xd[off + k] - mean) * rstd;
            continue;
          }
        for (int64_t c = 0; c < D; c++)
          {
            const float scale = rstd * w[g * D + c];
            const float bias = -scale * mean + b[g * D + c];
            for (int64_t k = 0; k < HxW; k++)
              yd[off + c * HxW + k] = fused ? fmaf (scale, xd[off + c * HxW + k], bias)
                                            : scale * xd[off + c * HxW + k] + bias;
          }
      }
  return g_steal_pointer (&y);
}

static char *
group_norm_extra_repr (const PsModule *self)
{
  g_autofree char *e = ps_value_to_str (ps_args_lookup (self->args, "eps"));   /* str() as given: 2, inf, x */
  g_autofree char *g = ps_value_to_str (ps_args_lookup (self->args, "num_groups"));   /* as given */
  g_autofree char *c = ps_value_to_str (ps_args_lookup (self->args, "num_channels"));
  g_autofree char *af = ps_value_to_str (ps_args_lookup (self->args, "affine"));   /* as given: 2 */
  return g_strdup_printf ("%s, %s, eps=%s, affine=%s", g, c, e, af);
}

static void
group_norm_example_input (const PsModule *self, PsExampleInput *ex)
{
  const GroupNormPriv *p = PS_MODULE_PRIV (self, GroupNormPriv);
  /* GroupNorm(G, C<0, affine=False) constructs and normalizes any input whose channels G divides */
  int64_t c = p->num_channels >= 0 ? p->num_channels : MAX (p->num_groups, 1);
  ps_example_input_set (ex, 3, (int64_t[]) { 2, c, 4 });
}

/* GroupNorm backward: ATen 1.13's GroupNormBackwardKernelImplInternal (group_norm_kernel.cpp), as
 * torch's AVX2 build compiles it: the per-capability kernels get -O3 -mavx2 -mfma on top of GCC 12's
 * -O2, so a·b + c contracts to an FMA and the scalar tail loops are vectorised. Contiguous input:
 *   per (n, c): ds = Σ dy·x, db = Σ dy — 8 lanes (acc = fma(dy, x, acc); acc += dy) over HxW/8·8
 *     values, the lanes summed 0 + l0 + … + l7 (std::accumulate), then the t = HxW mod 8 tail in
 *     order: when t ≥ 4 the first 4 products come from one vmulps (ds = ds + dy·x, unfused), the
 *     remaining < 4 are scalar FMAs (ds = fma(dy, x, ds)); db += dy. At ATEN_CPU_CAPABILITY=avx512
 *     (built with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma) 16 lanes, and GCC's epilogue is
 *     8 wide: when t ≥ 8 the first 8 products are unfused, the remaining < 8 scalar FMAs (read in
 *     GCC 12's code for that loop; torch's avx512 fixtures agree on every t from 0 to 15);
 *   per (n, g): ds_g = Σ_c ds·γ, db_g = Σ_c db·γ the same way over the D channels of the group
 *     (γ = 1 without affine), c2 = fma(db_g, mean, −ds_g)·rstd·rstd·rstd·s, s = 1/(D·HxW),
 *     c3 = fma(−c2, mean, −((db_g·rstd)·s)); per channel c1 = rstd·γ_c and
 *     dx = fma(c1, dy, c2·x) + c3;
 *   dgamma_c = Σ_n fma(fma(−db, mean, ds), rstd, ·) from 0 in batch order; dbeta_c = Σ_n db.
 * mean and rstd are the forward's (RowwiseMoments; rstd = 1/sqrt(max(var, 0) + eps)). A model of
 * the loops compiled that way agreed with the compiled loops on 3,000 random shapes (2.6 M values)
 * and the fixtures from torch agree bit for bit; the same loops at -O2 (scalar tail FMAs) differ
 * in ~4 % of dx. Under ATEN_CPU_CAPABILITY=default (the recipe's "default" flavour) the same loops
 * run without any FMA (that build has none), the lanes summed the same way. */
static void
group_norm_lanes (const float *a, const float *b, int64_t n, gboolean fused, float *out_ab, float *out_a)
{
  /* Σ a·b and, when out_a is not NULL, Σ a */
  const int L = vec_lanes ();
  float ab[MAX_LANES] = { 0 }, sa[MAX_LANES] = { 0 };
  const int64_t inner = n / L * L;
  for (int64_t i = 0; i < inner; i += L)
    for (int l = 0; l < L; l++)
      {
        ab[l] = fused ? fmaf (a[i + l], b[i + l], ab[l]) : ab[l] + a[i + l] * b[i + l];
        sa[l] = sa[l] + a[i + l];
      }
  float vab = 0.0f, va = 0.0f;
  for (int l = 0; l < L; l++)
    {
      vab = vab + ab[l];
      va = va + sa[l];
    }
  int64_t i = inner;
  /* GCC's vectorised epilogue of the tail loop: one half-width step (4 products in the AVX2 build,
   * 8 in the AVX512 one) rounded, then added in order; the rest scalar FMAs */
  const int half = L / 2;
  if (fused && n - i >= half)
    for (int k = 0; k < half; k++, i++)
      vab = vab + a[i] * b[i];
  for (; i < n; i++)
    vab = fused ? fmaf (a[i], b[i], vab) : vab + a[i] * b[i];
  for (int64_t k = inner; k < n; k++)
    va = va + a[k];
  *out_ab = vab;
  if (out_a != NULL)
    *out_a = va;
}

static gboolean
group_norm_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                  PsGradSink *sink, GError **error)
{
  GroupNormPriv *p = PS_MODULE_PRIV (self, GroupNormPriv);
  const PsTensor *x = entry->input;
  const int64_t N = x->shape[0], C = x->shape[1], G = p->num_groups, D = C / G;
  const int64_t HxW = N * C > 0 ? x->numel / (N * C) : 0;
  PsParam *pw = p->affine ? ps_module_get_param (self, "weight") : NULL;
  PsParam *pb = p->affine ? ps_module_get_param (self, "bias") : NULL;
  const float *gamma = pw ? ps_tensor_cf32 (pw->value) : NULL;
  const float *X = ps_tensor_cf32 (x), *dY = ps_tensor_cf32 (grad_output);
  /* ATEN_CPU_CAPABILITY=default: no FMA (the recorded call's flavour, not the module's last forward's) */
  const gboolean fused = entry->flavour != PS_FLAVOUR_DEFAULT;
  g_autoptr (PsTensor) gx = NULL, gw = NULL, gb = NULL;
  if (grad_input != NULL && (gx = new_output_like (x, error)) == NULL)
    return FALSE;
  if (pw != NULL && ((gw = ps_tensor_new_1d (PS_DTYPE_FLOAT32, C, error)) == NULL
                     || (gb = ps_tensor_new_1d (PS_DTYPE_FLOAT32, C, error)) == NULL))
    return FALSE;
  /* ds, db: (N, C); mean, rstd: (N, G) */
  const guint64 n_scratch = 2 * (guint64) (N * C) + 2 * (guint64) (N * G);
  if (!ps_tensor_check_scratch (n_scratch * sizeof (float), "the group_norm backward", error))
    return FALSE;
  g_autofree float *buf = g_try_new (float, (gsize) MAX (n_scratch, 1));
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the group_norm backward");
      return FALSE;
    }
  float *ds = buf, *db = buf + N * C, *mean = db + N * C, *rstd = mean + N * G;
  const float eps = (float) p->eps;
  for (int64_t i = 0; i < N * G; i++)
    {
      float var;
      rowwise_moments (X + i * D * HxW, D * HxW, &mean[i], &var);
      rstd[i] = 1.0f / sqrtf (MAX (var, 0.0f) + eps);
    }
  for (int64_t i = 0; i < N * C; i++)
    group_norm_lanes (dY + i * HxW, X + i * HxW, HxW, fused, &ds[i], &db[i]);
  if (gx != NULL)
    {
      const float s = 1.0f / (float) (D * HxW);
      float *dX = ps_tensor_f32 (gx);
      g_autofree float *ones = gamma == NULL ? g_new (float, (gsize) MAX (D, 1)) : NULL;
      for (int64_t j = 0; ones != NULL && j < D; j++)
        ones[j] = 1.0f;
      for (int64_t i = 0; i < N * G; i++)
        {
          const int64_t g = i % G;
          const float *gm = gamma != NULL ? gamma + g * D : ones;
          float ds_val, db_val;
          group_norm_lanes (ds + i * D, gm, D, fused, &ds_val, NULL);
          group_norm_lanes (db + i * D, gm, D, fused, &db_val, NULL);
          const float r = rstd[i], mu = mean[i];
          const float c2 = (fused ? fmaf (db_val, mu, -ds_val) : db_val * mu - ds_val) * r * r * r * s;
          const float c3 = fused ? fmaf (-c2, mu, -((db_val * r) * s)) : -c2 * mu - (db_val * r) * s;
          for (int64_t j = 0; j < D; j++)
            {
              const float c1 = r * gm[j];
              const int64_t off = (i * D + j) * HxW;
              for (int64_t k = 0; k < HxW; k++)
                dX[off + k] = (fused ? fmaf (c1, dY[off + k], c2 * X[off + k]) : c1 * dY[off + k] + c2 * X[off + k]) + c3;
            }
        }
    }
  if (pw != NULL)
    {
      float *dg = ps_tensor_f32 (gw), *dbt = ps_tensor_f32 (gb);
      for (int64_t c = 0; c < C; c++)
        dg[c] = dbt[c] = 0.0f;
      for (int64_t i = 0; i < N * G; i++)
        {
          const int64_t g = i % G;
          for (int64_t j = 0; j < D; j++)
            {
              const int64_t c = g * D + j;
              dg[c] = fused ? fmaf (fmaf (-db[i * D + j], mean[i], ds[i * D + j]), rstd[i], dg[c])
                            : dg[c] + (ds[i * D + j] - db[i * D + j] * mean[i]) * rstd[i];
            }
        }
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
          dbt[c] = dbt[c] + db[n * C + c];
      ps_grad_sink_add (sink, pw, gw);
      ps_grad_sink_add (sink, pb, gb);
    }
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}

const PsModuleClass ps_group_norm_class = {
  .name = "GroupNorm",
  .args = group_norm_args,
  .priv_size = sizeof (GroupNormPriv),
  .construct = group_norm_construct,
  .reset_parameters = affine_reset,
  .forward = group_norm_forward,
  .backward = group_norm_backward,
  .extra_repr = group_norm_extra_repr,
  .example_input = group_norm_example_input,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("size"),
};

/* ---------- BatchNorm1d / BatchNorm2d ---------- */

typedef PsNormBase BatchNormPriv;

static const PsArgSpec batch_norm_args[] = {
  /* stored as given; torch.empty(num_features) reads it only with affine or track_running_stats */
  { "num_features", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "number of channels C" },
  /* torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn) */
  { "eps", PS_ARG_FLOAT, .def_double = 1e-5, .aten_position = 8, .aten_type = "float", .aten_function = "batch_norm",
    .doc = "added to the variance" },
  { "momentum", PS_ARG_FLOAT, .nullable = TRUE, .def_double = 0.1, .aten_position = 7, .aten_type = "float",
    .aten_function = "batch_norm",
    .doc = "running stats update factor; None = cumulative average" },
  { "affine", PS_ARG_BOOL, .def_bool = TRUE, .doc = "learnable per-channel weight and bias" },
  { "track_running_stats", PS_ARG_BOOL, .def_bool = TRUE, .doc = "keep running_mean / running_var buffers" },
  { NULL }
};

gboolean
ps_norm_base_construct (PsModule *self, GError **error)
{
  BatchNormPriv *p = PS_MODULE_PRIV (self, BatchNormPriv);
  const PsValue *nf = ps_args_lookup (self->args, "num_features");
  p->num_features = nf->type == PS_VALUE_INT ? nf->i : -1;   /* -1: not an int (only stored, see below) */
  p->eps = ps_args_get_number (self->args, "eps");   /* NAN: not a number, refused at the forward */
  p->has_momentum = !ps_args_is_none (self->args, "momentum");
  p->momentum = p->has_momentum ? ps_args_get_number (self->args, "momentum") : 0.0;
  p->affine = ps_args_get_bool (self->args, "affine");
  p->track = ps_args_get_bool (self->args, "track_running_stats");
  /* weight = torch.empty(num_features) (or running_mean): anything but an int fails in its parser */
  if ((p->affine || p->track) && !ps_py_empty_check (&nf, 1, FALSE, error))
    return FALSE;
  if (p->num_features < 0 && (p->affine || p->track))   /* torch fails when it makes a tensor */
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT "]",
                   p->num_features, p->num_features);
      return FALSE;
    }
  if (p->affine && !(register_1d (self, "weight", p->num_features, FALSE, error)
                     && register_1d (self, "bias", p->num_features, FALSE, error)))
    return FALSE;
  if (p->track)
    {
      if (!register_1d (self, "running_mean", p->num_features, TRUE, error)
          || !register_1d (self, "running_var", p->num_features, TRUE, error))
        return FALSE;
      g_autoptr (PsTensor) nbt = ps_tensor_new (PS_DTYPE_INT64, 0, NULL, error);
      if (nbt == NULL)
        return FALSE;
      ps_module_register (self, "num_batches_tracked", nbt, TRUE);
    }
  return TRUE;
}

gboolean
ps_norm_base_reset (PsModule *self, PsGenerator *gen, GError **error)
{
  /* reset_running_stats(), then the affine parameters */
  return set_constant (self, "running_mean", 0.0, error) && set_constant (self, "running_var", 1.0, error)
         && set_constant (self, "num_batches_tracked", 0.0, error) && affine_reset (self, gen, error);
}

/* ATen's batch_norm on contiguous float (N, C, S) data (see the top of this file): per channel,
 * the batch statistics (use_batch) or the running ones rm/rv; y = x normalized, scaled by w and
 * shifted by b (NULL: 1 and 0). With new_rm/new_rv non-NULL, the updated running statistics are
 * written there (momentum: _BatchNorm.forward's exponential_average_factor). */
/* Batch statistics of channel c (save_mean, and the var_sum whose invstd the forward saves). */
static void
channel_stats (const float *xd, int64_t N, int64_t C, int64_t S, int64_t c, gboolean fused, float *mean_out,
               float *var_sum_out)
{
  const int64_t n = N * S;
  float mean, var_sum;
  if (S == 1)
    {
      /* the channels-last kernel: one float row per thread of torch's parallel_for over N (chunks of
       * ⌈N / min(T, N)⌉ samples), the rows then summed in double in thread order */
      const int64_t T = MAX (ps_threads_intra_op (), 1);
      const int64_t used = N < 2 || T == 1 ? 1 : MIN (T, N);
      const int64_t chunk = (N + used - 1) / used;
      double acc = 0.0;
      for (int64_t t = 0; t < used; t++)
        {
          float part = 0.0f;
          for (int64_t i = t * chunk; i < MIN (N, (t + 1) * chunk); i++)
            part += xd[i * C + c];
          acc += part;
        }
      mean = (float) (acc / (double) n);
      double vacc = 0.0;
      for (int64_t t = 0; t < used; t++)
        {
          float part = 0.0f;
          for (int64_t i = t * chunk; i < MIN (N, (t + 1) * chunk); i++)
            {
              const float d = xd[i * C + c] - mean;
              part = fused ? fmaf (d, d, part) : part + d * d;   /* DEFAULT build: no FMA */
            }
          vacc += part;
        }
      var_sum = (float) vacc;
    }
  else
    {
      double acc = 0.0;
      for (int64_t i = 0; i < N; i++)
        for (int64_t s = 0; s < S; s++)
          acc += xd[(i * C + c) * S + s];
      mean = (float) (acc / (double) n);
      double vacc = 0.0;
      for (int64_t i = 0; i < N; i++)
        for (int64_t s = 0; s < S; s++)
          {
            const float d = xd[(i * C + c) * S + s] - mean;
            vacc += (float) (d * d);
          }
      var_sum = (float) vacc;
    }
  *mean_out = mean;
  *var_sum_out = var_sum;
}

static float
batch_invstd (float var_sum, int64_t n, double eps)
{
  return (float) (1.0 / sqrt ((double) (var_sum / (float) n) + eps));
}

static void batch_channels (const float *xd, float *yd, int64_t N, int64_t C, int64_t S, gboolean use_batch,
                            const float *w, const float *b, const float *rm, const float *rv, double momentum,
                            double eps, gboolean fused, float *new_rm, float *new_rv);

void
ps_norm_batch_channels (const float *xd, float *yd, int64_t N, int64_t C, int64_t S, gboolean use_batch,
                        const float *w, const float *b, const float *rm, const float *rv, double momentum,
                             double eps, gboolean fused, float *new_rm, float *new_rv)
{
  batch_channels (xd, yd, N, C, S, use_batch, w, b, rm, rv, momentum, eps, fused, new_rm, new_rv);
}

/* fused FALSE: ATEN_CPU_CAPABILITY=default's affine step, beta = b − mean·alpha and y = x·alpha + beta
 * with every product rounded */
static void
batch_channels (const float *xd, float *yd, int64_t N, int64_t C, int64_t S, gboolean use_batch,
                const float *w, const float *b, const float *rm, const float *rv, double momentum,
                double eps, gboolean fused, float *new_rm, float *new_rv)
{
  const int64_t n = N * S;
  const float mom = (float) momentum;

  for (int64_t c = 0; c < C; c++)
    {
      float mean, invstd;
      if (use_batch)
        {
          float var_sum;
          channel_stats (xd, N, C, S, c, fused, &mean, &var_sum);
          invstd = batch_invstd (var_sum, n, eps);
          if (new_rm != NULL)
            {
              const float unbiased = var_sum / (float) (n - 1);
              /* running_mean in float; running_var mixes float and ATen's double accscalar_t */
              new_rm[c] = mom * mean + (1.0f - mom) * rm[c];
              new_rv[c] = (float) ((double) mom * (double) unbiased + (double) ((1.0f - mom) * rv[c]));
            }
        }
      else
        {
          mean = rm[c];
          invstd = 1.0f / sqrtf (rv[c] + (float) eps);
        }
      const float alpha = invstd * (w ? w[c] : 1.0f);
      /* contracted in torch's AVX2 build */
      const float beta = fused ? fmaf (-mean, alpha, b ? b[c] : 0.0f) : (b ? b[c] : 0.0f) - mean * alpha;
      for (int64_t i = 0; i < N; i++)
        for (int64_t s = 0; s < S; s++)
          {
            const int64_t k = (i * C + c) * S + s;
            yd[k] = fused ? fmaf (xd[k], alpha, beta) : xd[k] * alpha + beta;
          }
    }
}

/* ---------- batch_norm backward (ATen 1.13, batch_norm_kernel.cpp, AVX2 build) ----------
 *
 * S > 1, the "contiguous" kernel, per channel: sum and dotp are double accumulators (accscalar_t)
 * over the samples of float per-plane reductions — vec::reduce_all(dy) and
 * vec::map2_reduce_all((x − mean)·dy) in 8 lanes (16 and the AVX512 fold at that capability) (the first vector loads the accumulator, the
 * partial last vector adds into its first lanes, GCC contracts acc + (x − mean)·dy into an FMA,
 * then the AVX2 fold (a_l + a_{l+4}), (h0 + h2) + (h1 + h3); below 8 values one lane in order).
 *   k = (float) dotp·invstd·invstd / n, grad_mean = (float)(sum / n),
 *   dx = fma(−(x − mean), k, dy − grad_mean)·invstd·w          (train)
 *   dx = dy·invstd·w                                           (eval; invstd from running_var
 *                                                                 in double)
 *   grad_weight = (float)(dotp·invstd), grad_bias = (float) sum.
 * S == 1 ((N, C) input; torch takes NC11 as channels-last): per thread of torch's parallel_for over
 * N a float buffer row, sum += dy and dotp = fma(x − mean, dy, dotp) in sample order; the rows
 * summed from 0 in thread order; then the same dx formula in float (k = dotp·invstd·invstd/n,
 * grad_mean = sum/n). Verified against native_batch_norm_backward on 10 shapes (0 mismatches); the
 * unfused forms or float accumulators differ in 5–60 % of the values. */

/* vec::reduce_all(+) of d[0..n) */
static float
vec_sum (const float *d, int64_t n, gboolean fused)
{
  const int L = fused ? vec_lanes () : 8;
  if (n < L)
    {
      float a = d[0];
      for (int64_t i = 1; i < n; i++)
        a = a + d[i];
      return a;
    }
  float acc[MAX_LANES];
  memcpy (acc, d, (gsize) L * sizeof (float));
  int64_t i = L;
  for (; i < n - n % L; i += L)
    for (int l = 0; l < L; l++)
      acc[l] = acc[l] + d[i + l];
  for (int l = 0; l < n - i; l++)
    acc[l] = acc[l] + d[i + l];
  return fused ? fold_lanes (acc, L) : fold_in_order (acc, L);
}

/* vec::map2_reduce_all((x − mean)·dy, +) with the contracted accumulation (fused), or without */
static float
vec_centered_dot (const float *x, const float *dy, float mean, int64_t n, gboolean fused)
{
  const int L = fused ? vec_lanes () : 8;
  if (n < L)
    {
      float a = (x[0] - mean) * dy[0];
      for (int64_t i = 1; i < n; i++)
        a = a + (x[i] - mean) * dy[i];
      return a;
    }
  float acc[MAX_LANES];
  for (int l = 0; l < L; l++)
    acc[l] = (x[l] - mean) * dy[l];
  int64_t i = L;
  for (; i < n - n % L; i += L)
    for (int l = 0; l < L; l++)
      acc[l] = fused ? fmaf (x[i + l] - mean, dy[i + l], acc[l]) : acc[l] + (x[i + l] - mean) * dy[i + l];
  for (int l = 0; l < n - i; l++)
    acc[l] = fused ? fmaf (x[i + l] - mean, dy[i + l], acc[l]) : acc[l] + (x[i + l] - mean) * dy[i + l];
  return fused ? fold_lanes (acc, L) : fold_in_order (acc, L);
}

static gboolean batch_backward (const float *xd, const float *gy, int64_t N, int64_t C, int64_t S, gboolean train,
                                const float *w, const float *rm, const float *rv, double eps, int threads,
                                gboolean fused, float *gx, float *gw, float *gb, GError **error);

gboolean
ps_norm_batch_backward (const float *xd, const float *gy, int64_t N, int64_t C, int64_t S, gboolean train,
                        const float *w, const float *rm, const float *rv, double eps, int threads, gboolean fused,
                             float *gx, float *gw, float *gb, GError **error)
{
  return batch_backward (xd, gy, N, C, S, train, w, rm, rv, eps, threads, fused, gx, gw, gb, error);
}

/* fused FALSE: ATEN_CPU_CAPABILITY=default — dx = ((dy − grad_mean) − (x − mean)·k)·invstd·w and
 * the reductions without FMA, 8 lanes added in order */
static gboolean
batch_backward (const float *xd, const float *gy, int64_t N, int64_t C, int64_t S, gboolean train,
                const float *w, const float *rm, const float *rv, double eps, int threads,
                gboolean fused, float *gx, float *gw, float *gb, GError **error)
{
  const int64_t n = N * S;
  g_autofree float *mean = g_try_new (float, MAX (C, 1));
  g_autofree float *invstd = g_try_new (float, MAX (C, 1));
  if (mean == NULL || invstd == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the batch_norm backward");
      return FALSE;
    }
  for (int64_t c = 0; c < C; c++)
    if (train)
      {
        float var_sum;
        channel_stats (xd, N, C, S, c, fused, &mean[c], &var_sum);
        invstd[c] = batch_invstd (var_sum, n, eps);
      }
    else
      {
        mean[c] = rm[c];
        invstd[c] = (float) (1.0 / sqrt ((double) rv[c] + eps));
      }

  if (S > 1)
    {
      for (int64_t c = 0; c < C; c++)
        {
          double sum = 0.0, dotp = 0.0;
          for (int64_t i = 0; i < N; i++)
            {
              const int64_t off = (i * C + c) * S;
              sum += vec_sum (gy + off, S, fused);
              dotp += vec_centered_dot (xd + off, gy + off, mean[c], S, fused);
            }
          const float wc = w ? w[c] : 1.0f, inv = invstd[c];
          if (gx != NULL)
            {
              const float k = (float) dotp * inv * inv / (float) n;
              const float grad_mean = (float) (sum / (double) n);
              for (int64_t i = 0; i < N; i++)
                for (int64_t s = 0; s < S; s++)
                  {
                    const int64_t j = (i * C + c) * S + s;
                    gx[j] = !train ? gy[j] * inv * wc
                            : fused ? fmaf (-(xd[j] - mean[c]), k, gy[j] - grad_mean) * inv * wc
                            : ((gy[j] - grad_mean) - (xd[j] - mean[c]) * k) * inv * wc;
                  }
            }
          if (gw != NULL)
            gw[c] = (float) (dotp * inv);
          if (gb != NULL)
            gb[c] = (float) sum;
        }
      return TRUE;
    }

  /* S == 1: per-thread rows of torch's parallel_for(0, N, 1) (chunks of ⌈N / min(T, N)⌉ samples) */
  const int64_t T = MAX (threads, 1);
  g_autofree float *buf = g_try_new0 (float, (gsize) (2 * T * MAX (C, 1)));
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the batch_norm backward");
      return FALSE;
    }
  float *sums = buf, *dots = buf + T * C;
  const int64_t used = N < 2 || T == 1 ? 1 : MIN (T, N);
  const int64_t chunk = (N + used - 1) / used;
  for (int64_t t = 0; t < used; t++)
    for (int64_t i = t * chunk; i < MIN (N, (t + 1) * chunk); i++)
      for (int64_t c = 0; c < C; c++)
        {
          const float x = xd[i * C + c], dy = gy[i * C + c];
          sums[t * C + c] = sums[t * C + c] + dy;
          dots[t * C + c] = fused ? fmaf (x - mean[c], dy, dots[t * C + c]) : dots[t * C + c] + (x - mean[c]) * dy;
        }
  for (int64_t c = 0; c < C; c++)
    {
      float s = 0.0f, d = 0.0f;
      for (int64_t t = 0; t < T; t++)
        {
          s += sums[t * C + c];
          d += dots[t * C + c];
        }
      sums[c] = s;
      dots[c] = d;
    }
  if (gx != NULL)
    for (int64_t i = 0; i < N; i++)
      for (int64_t c = 0; c < C; c++)
        {
          const float inv = invstd[c], wc = w ? w[c] : 1.0f, dy = gy[i * C + c];
          if (train)
            {
              const float k = dots[c] * inv * inv / (float) n;
              const float grad_mean = sums[c] / (float) n;
              gx[i * C + c] = fused ? fmaf (-(xd[i * C + c] - mean[c]), k, dy - grad_mean) * inv * wc
                                    : ((dy - grad_mean) - (xd[i * C + c] - mean[c]) * k) * inv * wc;
            }
          else
            gx[i * C + c] = dy * inv * wc;
        }
  for (int64_t c = 0; c < C; c++)
    {
      if (gw != NULL)
        gw[c] = dots[c] * invstd[c];
      if (gb != NULL)
        gb[c] = sums[c];
    }
  return TRUE;
}

static PsTensor *
batch_norm_forward (PsModule *self, PsTensor *x, PsGenerator *gen, GError **error)
{
  BatchNormPriv *p = PS_MODULE_PRIV (self, BatchNormPriv);
  const gboolean is1d = self->klass == &ps_batch_norm1d_class;
  if (!check_float_input (x, "batch_norm", error))
    return NULL;
  if (is1d ? (x->ndim != 2 && x->ndim != 3) : x->ndim != 4)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "expected %s input (got %dD input)",
                   is1d ? "2D or 3D" : "4D", x->ndim);
      return NULL;
    }
  const int64_t N = x->shape[0], C = x->shape[1];
  const int64_t S = N * C > 0 ? x->numel / (N * C) : 1;
  /* bn_training: batch statistics in train mode or when no running stats are tracked */
  const gboolean use_batch = self->training || !p->track;
  PsParam *prm = ps_module_get_param (self, "running_mean");
  PsParam *prv = ps_module_get_param (self, "running_var");
  PsParam *pnb = ps_module_get_param (self, "num_batches_tracked");

  /* torch's own check order: the training size check in F.batch_norm, then ATen's shape checks */
  if (use_batch && N * S == 1)
    {
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Expected more than 1 value per channel when training, got input size torch.Size(%s)", xs);
      return NULL;
    }
  /* without weight and running statistics nothing has num_features' size: torch takes any C (and a
   * num_features of any type, which it only stored) */
  if (C != p->num_features && (p->track || p->affine))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s should contain %" G_GINT64_FORMAT " elements not %"
                   G_GINT64_FORMAT, p->track ? "running_mean" : "weight", C, p->num_features);
      return NULL;
    }
  /* momentum: exponential_average_factor as _BatchNorm.forward computes it */
  double factor = p->momentum;
  g_autoptr (PsTensor) new_nb = NULL, new_rm = NULL, new_rv = NULL;
  const gboolean update = self->training && p->track;
  if (update)
    {
      if ((new_nb = ps_tensor_new (PS_DTYPE_INT64, 0, NULL, error)) == NULL)
        return NULL;
      ps_tensor_i64 (new_nb)[0] = ps_tensor_ci64 (pnb->value)[0] + 1;
      if (!p->has_momentum)
        factor = 1.0 / (double) ps_tensor_ci64 (new_nb)[0];
      if ((new_rm = ps_param_new_like (prm, error)) == NULL || (new_rv = ps_param_new_like (prv, error)) == NULL)
        return NULL;
    }

  g_autoptr (PsTensor) y = new_output_like (x, error);
  if (y == NULL)
    return NULL;
  if (x->numel == 0)
    {
      /* an empty batch: empty output; torch still counts the batch (Python side) but leaves the
       * running statistics alone */
      if (update)
        ps_param_set_value (pnb, new_nb);
      return g_steal_pointer (&y);
    }
  batch_channels (ps_tensor_cf32 (x), ps_tensor_f32 (y), N, C, S, use_batch,
                  p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "weight")->value) : NULL,
                  p->affine ? ps_tensor_cf32 (ps_module_get_param (self, "bias")->value) : NULL,
                  p->track ? ps_tensor_cf32 (prm->value) : NULL, p->track ? ps_tensor_cf32 (prv->value) : NULL,
                  factor, p->eps, (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT,
                  update ? ps_tensor_f32 (new_rm) : NULL, update ? ps_tensor_f32 (new_rv) : NULL);
  if (update)
    {
      ps_param_set_value (prm, new_rm);
      ps_param_set_value (prv, new_rv);
      ps_param_set_value (pnb, new_nb);
    }
  return g_steal_pointer (&y);
}

/* BatchNorm1d/2d backward: native_batch_norm_backward with the forward's mode (batch statistics
 * recomputed from the input exactly as the forward computed save_mean / save_invstd). */
static gboolean
batch_norm_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                     PsGradSink *sink, GError **error)
{
  BatchNormPriv *p = PS_MODULE_PRIV (self, BatchNormPriv);
  const PsTensor *x = entry->input;
  const int64_t N = x->shape[0], C = x->shape[1];
  const int64_t S = N * C > 0 ? x->numel / (N * C) : 1;
  const gboolean train = self->training || !p->track;
  PsParam *pw = p->affine ? ps_module_get_param (self, "weight") : NULL;
  PsParam *pb = p->affine ? ps_module_get_param (self, "bias") : NULL;
  PsParam *prm = ps_module_get_param (self, "running_mean"), *prv = ps_module_get_param (self, "running_var");
  g_autoptr (PsTensor) gx = NULL, gw = NULL, gb = NULL;
  if (grad_input != NULL && (gx = new_output_like (x, error)) == NULL)
    return FALSE;
  if (pw != NULL && ((gw = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &C, error)) == NULL
                     || (gb = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &C, error)) == NULL))
    return FALSE;
  if (x->numel > 0
      && !batch_backward (ps_tensor_cf32 (x), ps_tensor_cf32 (grad_output), N, C, S, train,
                          pw ? ps_tensor_cf32 (pw->value) : NULL,
                          !train ? ps_tensor_cf32 (prm->value) : NULL,
                          !train ? ps_tensor_cf32 (prv->value) : NULL, p->eps, ps_threads_intra_op (),
                          entry->flavour != PS_FLAVOUR_DEFAULT, gx ? ps_tensor_f32 (gx) : NULL,
                          gw ? ps_tensor_f32 (gw) : NULL, gb ? ps_tensor_f32 (gb) : NULL, error))
    return FALSE;
  if (gw != NULL)
    {
      ps_grad_sink_add (sink, pw, gw);
      ps_grad_sink_add (sink, pb, gb);
    }
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}

char *
ps_norm_base_extra_repr (const PsModule *self)
{
  /* a value that is not a number as given: str() of it (torch constructs, its forward refuses) */
  g_autofree char *e = ps_value_to_str (ps_args_lookup (self->args, "eps"));   /* str() as given: 2, inf, x */
  g_autofree char *m = ps_value_to_str (ps_args_lookup (self->args, "momentum"));
  g_autofree char *nf = ps_value_to_str (ps_args_lookup (self->args, "num_features"));   /* as given */
  g_autofree char *af = ps_value_to_str (ps_args_lookup (self->args, "affine"));   /* as given: affine=2 */
  g_autofree char *tr = ps_value_to_str (ps_args_lookup (self->args, "track_running_stats"));
  return g_strdup_printf ("%s, eps=%s, momentum=%s, affine=%s, track_running_stats=%s",
                          nf, e, m, af, tr);
}

/* A batch of 2: training-mode statistics need more than one value per channel. */
static void
batch_norm1d_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 2, (int64_t[]) { 2, MAX (PS_MODULE_PRIV (self, BatchNormPriv)->num_features, 0) });
}

static void
batch_norm2d_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 4, (int64_t[]) { 2, MAX (PS_MODULE_PRIV (self, BatchNormPriv)->num_features, 0), 4, 4 });
}

const PsModuleClass ps_batch_norm1d_class = {
  .init_owner = "_BatchNorm",
  .name = "BatchNorm1d",
  .args = batch_norm_args,
  .priv_size = sizeof (BatchNormPriv),
  .construct = ps_norm_base_construct,
  .reset_parameters = ps_norm_base_reset,
  .forward = batch_norm_forward,
  .extra_repr = ps_norm_base_extra_repr,
  .example_input = batch_norm1d_example_input,
  .backward = (gpointer) batch_norm_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),
};

const PsModuleClass ps_batch_norm2d_class = {
  .init_owner = "_BatchNorm",
  .name = "BatchNorm2d",
  .args = batch_norm_args,
  .priv_size = sizeof (BatchNormPriv),
  .construct = ps_norm_base_construct,
  .reset_parameters = ps_norm_base_reset,
  .forward = batch_norm_forward,
  .extra_repr = ps_norm_base_extra_repr,
  .example_input = batch_norm2d_example_input,
  .backward = (gpointer) batch_norm_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),
};
