/* ps-activation.c — parameter-free (and nearly so) layers: ReLU, LeakyReLU, PReLU, GELU, Tanh,
 * Sigmoid, SiLU, Softmax, Identity, Flatten.
 *
 * Numerics follow ATen 1.13's CPU kernels as torch runs them here (AVX2, one intra-op thread),
 * written as scalar float C with every fused multiply-add spelled out (PYTORCH-PARITY.md §8):
 *   - exact: ReLU (clamp_min keeps -0 and NaN), LeakyReLU, PReLU, Identity, Flatten;
 *   - exact: GELU(approximate='none') — oneDNN's eltwise_gelu_erf through libdnnl (ps-onednn.h)
 *     for a tensor torch holds contiguous, else ATen's GeluKernel (Vectorized<float>::erf on the
 *     vector blocks, glibc's erff on the tail; erff everywhere for ≤ 1 element), as torch dispatches;
 *   - exact: Sigmoid, SiLU, Softmax — Sleef's expf (what Vectorized<float>::exp() calls) on the
 *     elements the vector code handles, glibc's expf on the scalar tails, in the kernels'
 *     summation orders;
 *   - exact: Tanh — Sleef's tanhf (at::vml::vtanh runs the vector code on every element);
 *   - exact: GELU('tanh') — ATen's formula (with the FMA GCC contracts in its AVX2 build) and
 *     Sleef's tanhf, glibc's on the scalar tail.
 * The vector/scalar split follows the chunking of a single thread (with several torch threads a few
 * tail elements could differ) and torch's memory order: a tensor torch holds as a swapped view
 * (PsTensor.swapped01) is split where its (T, B, H) buffer is, and a backward whose gradient is
 * contiguous over a swapped saved tensor runs per row of the last dim (PsTapeEntry.grad_rows).
 * Every forward returns a new tensor (Identity/Flatten may return the input or a view: tensors
 * are immutable once stored). */
#include "ps-layers.h"
#include "ps-cpu.h"
#include "ps-onednn.h"
#include "ps-reduce.h"
#include "ps-sleef.h"
#include "ps-threads.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static PS_DECLARE_BACKWARD (relu_backward);
static PS_DECLARE_BACKWARD (leaky_relu_backward);
static PS_DECLARE_BACKWARD (tanh_backward);
static PS_DECLARE_BACKWARD (sigmoid_backward);
static PS_DECLARE_BACKWARD (identity_backward);
static PS_DECLARE_BACKWARD (flatten_backward);
static PS_DECLARE_BACKWARD (gelu_backward);
static PS_DECLARE_BACKWARD (silu_backward);
static PS_DECLARE_BACKWARD (softmax_backward);
static PS_DECLARE_BACKWARD (prelu_backward);

/* ---------- shared helpers ---------- */

static gboolean
check_float (const PsTensor *x, const char *what, GError **error)
{
  if (x->dtype == PS_DTYPE_FLOAT32)
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "%s: expected a float32 input, got %s", what, ps_dtype_name (x->dtype));
  return FALSE;
}

typedef float (*UnaryFn) (float x, const void *data);

static PsTensor *
map_unary (const PsTensor *x, const char *what, UnaryFn fn, const void *data, GError **error)
{
  if (!check_float (x, what, error))
    return NULL;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
  if (y == NULL)
    return NULL;
  y->swapped01 = x->swapped01;   /* torch allocates the output like its input */
  const float *in = ps_tensor_cf32 (x);
  float *out = ps_tensor_f32 (y);
  for (int64_t i = 0; i < x->numel; i++)
    out[i] = fn (in[i], data);
  return y;
}

/* ATen's cpu_kernel_vec on one inner loop of n elements: the vectorised op on blocks of two vectors
 * (2 × 8 floats in the AVX2 build, 2 × 16 at the AVX512 capability), the scalar op on the remaining
 * elements. */
static int64_t
vec_block_end (int64_t numel)
{
  const int64_t block = 2 * ps_threads_aten_lanes ();
  return numel - numel % block;
}

/* Which elements (C order) an element-wise kernel computes with its vector code. TensorIterator
 * coalesces operands that share a layout into one inner loop over their memory: C order, or the
 * (T, B, H) buffer of a tensor torch holds swapped (PsTensor.swapped01). A contiguous gradient over
 * a swapped saved tensor cannot be coalesced: the inner loop is one row of the last dim (rows). */
typedef struct {
  enum { SPLIT_C, SPLIT_SWAPPED, SPLIT_ROWS } order;
  int64_t end;        /* vector code below this position of an inner loop */
  int64_t B, T, H;    /* SWAPPED: the C-order shape (B, T, H); ROWS: H */
} VecSplit;

static VecSplit
vec_split (const PsTensor *x, gboolean grad_rows)
{
  VecSplit s = { SPLIT_C, vec_block_end (x->numel), 0, 0, 0 };
  if (grad_rows && x->ndim > 0 && x->shape[x->ndim - 1] > 0)
    {
      s.order = SPLIT_ROWS;
      s.H = x->shape[x->ndim - 1];
      s.end = vec_block_end (s.H);
    }
  else if (x->swapped01 && x->ndim == 3 && x->numel > 0)
    {
      s.order = SPLIT_SWAPPED;
      s.B = x->shape[0], s.T = x->shape[1], s.H = x->shape[2];
    }
  return s;
}

static inline gboolean
vec_split_has (const VecSplit *s, int64_t i)
{
  switch (s->order)
    {
    case SPLIT_ROWS:
      return i % s->H < s->end;
    case SPLIT_SWAPPED:
      {
        const int64_t b = i / (s->T * s->H), t = i / s->H % s->T, h = i % s->H;
        return (t * s->B + b) * s->H + h < s->end;   /* its position in torch's (T, B, H) buffer */
      }
    default:
      return i < s->end;
    }
}

static PsTensor *
map_unary_vec (const PsTensor *x, const char *what, UnaryFn vec_fn, UnaryFn scalar_fn, GError **error)
{
  if (!check_float (x, what, error))
    return NULL;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
  if (y == NULL)
    return NULL;
  y->swapped01 = x->swapped01;
  const float *in = ps_tensor_cf32 (x);
  float *out = ps_tensor_f32 (y);
  const VecSplit split = vec_split (x, FALSE);
  for (int64_t i = 0; i < x->numel; i++)
    out[i] = (vec_split_has (&split, i) ? vec_fn : scalar_fn) (in[i], NULL);
  return y;
}

/* ATen's maybe_wrap_dim: a 0-D tensor accepts dims -1 and 0. */
static gboolean
wrap_dim (int64_t dim, int ndim, int64_t *out, GError **error)
{
  int64_t n = ndim > 0 ? ndim : 1;
  if (dim < -n || dim > n - 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Dimension out of range (expected to be in range of [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   "], but got %" G_GINT64_FORMAT ")", -n, n - 1, dim);
      return FALSE;
    }
  *out = dim < 0 ? dim + n : dim;
  return TRUE;
}

/* ps_module_new requires a construct; layers without parameters or config have nothing to do. */
static gboolean
no_construct (PsModule *self, GError **error)
{
  return TRUE;
}

static char *
inplace_repr (const PsModule *self)
{
  return g_strdup (ps_args_get_bool (self->args, "inplace") ? "inplace=True" : "");
}

/* An argument as torch's extra_repr prints it (str() of the value: inf, not float('inf')). */
static char *
arg_python (const PsModule *self, const char *name)
{
  const PsValue *v = ps_args_lookup (self->args, name);
  if (v->type == PS_VALUE_DOUBLE && isnan (v->d))
    return g_strdup ("nan");
  if (v->type == PS_VALUE_DOUBLE && isinf (v->d))
    return g_strdup (v->d > 0 ? "inf" : "-inf");
  return ps_value_to_python (v);
}

static const PsArgSpec inplace_only_args[] = {
  { .name = "inplace", .kind = PS_ARG_BOOL, .def_bool = FALSE,
    .doc = "accepted for compatibility; Paramscope never modifies its input" },
  { NULL }
};

/* ---------- ReLU ---------- */

static float
relu_fn (float x, const void *data)
{
  return x < 0.0f ? 0.0f : x;   /* clamp_min(x, 0): -0 and NaN pass through, as in ATen */
}

/* ReLU forward and backward select, never compute: the same bits at any vector width. Eight at a
 * time with AVX2 where the CPU has it (a call per element was a fifth of a small convnet's training
 * step); the scalar functions do the rest and every element without AVX2. */
#if defined(__x86_64__) && defined(__GNUC__)
#define PS_RELU_AVX2 1
#pragma GCC push_options
#pragma GCC target ("avx2")
#include <immintrin.h>

/* out[i] = relu_fn (in[i]) for the leading multiple of 8; returns how many it did */
static int64_t
relu_avx2 (const float *in, float *out, int64_t n)
{
  const __m256 zero = _mm256_setzero_ps ();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    {
      const __m256 x = _mm256_loadu_ps (in + i);
      /* x < 0 (ordered: NaN and −0 pass through) → +0 */
      _mm256_storeu_ps (out + i, _mm256_andnot_ps (_mm256_cmp_ps (x, zero, _CMP_LT_OQ), x));
    }
  return i;
}

/* o[i] = relu_bwd (g[i], y[i]) for the leading multiple of 8; returns how many it did */
static int64_t
relu_bwd_avx2 (const float *g, const float *y, float *o, int64_t n)
{
  const __m256 zero = _mm256_setzero_ps ();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    {
      const __m256 mask = _mm256_cmp_ps (_mm256_loadu_ps (y + i), zero, _CMP_LE_OQ);   /* y <= 0 (NaN: no) */
      _mm256_storeu_ps (o + i, _mm256_andnot_ps (mask, _mm256_loadu_ps (g + i)));
    }
  return i;
}
#pragma GCC pop_options
#endif

static gboolean
relu_have_avx2 (void)
{
#ifdef PS_RELU_AVX2
  return (ps_cpu_features () & PS_CPU_AVX2) != 0;
#else
  return FALSE;
#endif
}

static PsTensor *
relu_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (!check_float (input, "ReLU", error))
    return NULL;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL)
    return NULL;
  y->swapped01 = input->swapped01;
  const float *in = ps_tensor_cf32 (input);
  float *out = ps_tensor_f32 (y);
  int64_t i = 0;
#ifdef PS_RELU_AVX2
  if (relu_have_avx2 ())
    i = relu_avx2 (in, out, input->numel);
#endif
  for (; i < input->numel; i++)
    out[i] = relu_fn (in[i], NULL);
  return y;
}

const PsModuleClass ps_relu_class = {
  .name = "ReLU",
  .args = inplace_only_args,
  .construct = no_construct,
  .forward = relu_forward,
  .extra_repr = inplace_repr,
  .backward = (gpointer) relu_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("relu", "input", 1),
  .output_keeps_layout = TRUE,
  .grad_follows_saved = TRUE,
  .zero_output_is_dead = TRUE,
};

/* ---------- LeakyReLU ---------- */

typedef struct {
  float negative_slope;
} LeakyReluPriv;

static const PsArgSpec leaky_relu_args[] = {
  { .name = "negative_slope", .kind = PS_ARG_FLOAT, .def_double = 0.01, .aten_position = 2, .aten_type = "Number", .aten_function = "leaky_relu",
    .doc = "slope for x < 0" },
  { .name = "inplace", .kind = PS_ARG_BOOL, .def_bool = FALSE,
    .doc = "accepted for compatibility; Paramscope never modifies its input" },
  { NULL }
};

static gboolean
leaky_relu_construct (PsModule *self, GError **error)
{
  /* the kernel converts the slope to the tensor's scalar type once; a slope beyond float range
   * constructs in torch and fails at the forward (leaky_relu_forward) */
  double ns = ps_args_get_number (self->args, "negative_slope");   /* NAN: not a number, refused at the forward */
  PS_MODULE_PRIV (self, LeakyReluPriv)->negative_slope = ps_check_float_scalar (ns, NULL) ? (float) ns : 0.0f;
  return TRUE;
}

static float
leaky_relu_fn (float x, const void *data)
{
  float ns = *(const float *) data;
  return x > 0.0f ? x : x * ns;
}

static PsTensor *
leaky_relu_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (!ps_check_float_scalar (ps_args_get_number (self->args, "negative_slope"), error))
    return NULL;
  return map_unary (input, "LeakyReLU", leaky_relu_fn, &PS_MODULE_PRIV (self, LeakyReluPriv)->negative_slope,
                    error);
}

static char *
leaky_relu_extra_repr (const PsModule *self)
{
  g_autofree char *ns = ps_value_to_str (ps_args_lookup (self->args, "negative_slope"));   /* str(), as given */
  return g_strdup_printf ("negative_slope=%s%s", ns,
                          ps_args_get_bool (self->args, "inplace") ? ", inplace=True" : "");
}

const PsModuleClass ps_leaky_relu_class = {
  .name = "LeakyReLU",
  .args = leaky_relu_args,
  .priv_size = sizeof (LeakyReluPriv),
  .construct = leaky_relu_construct,
  .forward = leaky_relu_forward,
  .extra_repr = leaky_relu_extra_repr,
  .backward = (gpointer) leaky_relu_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("leaky_relu", "input", 1),
  .output_keeps_layout = TRUE,
  .grad_follows_saved = TRUE,
};

/* ---------- PReLU ----------
 * weight (num_parameters): one slope shared by all elements, or one per channel (input dim 1). */

static const PsArgSpec prelu_args[] = {
  /* both stored as given: torch.empty(num_parameters), then weight.fill_(init) check them */
  { .name = "num_parameters", .kind = PS_ARG_INT, .def_int = 1, .any_value = TRUE, .doc = "1, or the number of input channels" },
  { .name = "init", .kind = PS_ARG_FLOAT, .def_double = 0.25, .any_value = TRUE, .doc = "initial slope" },
  { NULL }
};

static gboolean
prelu_construct (PsModule *self, GError **error)
{
  const PsValue *nv = ps_args_lookup (self->args, "num_parameters");
  if (!ps_py_empty_check (&nv, 1, FALSE, error))
    return FALSE;
  const int64_t n = nv->i;
  if (n < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT "]", n, n);
      return FALSE;
    }
  g_autoptr (PsTensor) w = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, error);
  if (w == NULL)
    return FALSE;
  ps_module_register (self, "weight", w, FALSE);
  return TRUE;
}

static gboolean
prelu_reset_parameters (PsModule *self, PsGenerator *gen, GError **error)
{
  PsParam *pw = ps_module_get_param (self, "weight");
  g_autoptr (PsTensor) w = ps_param_new_like (pw, error);
  if (w == NULL)
    return FALSE;
  PsInitInfo info;
  ps_init_info_clear (&info);
  /* init.constant_(weight, init) is weight.fill_(init): its parser takes a number only */
  const double v = ps_args_get_number (self->args, "init");
  if (isnan (v) && ps_args_lookup (self->args, "init")->type != PS_VALUE_DOUBLE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "fill_() received an invalid combination of arguments - "
                   "got (%s), but expected one of:", ps_value_given_type_name (ps_args_lookup (self->args, "init")));
      return FALSE;
    }
  if (!ps_init_constant_ (w, v, &info, error))
    return FALSE;
  ps_param_set_value (pw, w);
  pw->init = info;
  return TRUE;
}

static PsTensor *
prelu_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  const PsTensor *w = ps_module_get_param (self, "weight")->value;
  if (!check_float (input, "PReLU", error))
    return NULL;
  int64_t nw = w->numel;
  int64_t channels = 1, inner = 1;
  if (nw != 1)
    {
      if (input->ndim == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Not allow zero-dim input tensor.");
          return NULL;
        }
      if (input->ndim > 1)
        channels = input->shape[1];
      if (channels != nw)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Mismatch of parameter numbers and input channel size. Found parameter numbers = %"
                       G_GINT64_FORMAT " and channel size = %" G_GINT64_FORMAT ".", nw, channels);
          return NULL;
        }
      for (int i = 2; i < input->ndim && input->numel > 0; i++)
        inner *= input->shape[i];   /* a sub-product of a non-zero numel: no overflow */
    }
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL)
    return NULL;
  const float *x = ps_tensor_cf32 (input), *a = ps_tensor_cf32 (w);
  float *out = ps_tensor_f32 (y);
  for (int64_t i = 0; i < input->numel; i++)
    {
      float slope = nw == 1 ? a[0] : a[(i / inner) % channels];
      out[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    }
  return y;
}

static char *
prelu_extra_repr (const PsModule *self)
{
  g_autofree char *n = ps_value_to_str (ps_args_lookup (self->args, "num_parameters"));
  return g_strdup_printf ("num_parameters=%s", n);
}

const PsModuleClass ps_prelu_class = {
  .name = "PReLU",
  .args = prelu_args,
  .construct = prelu_construct,
  .init_parameters = prelu_reset_parameters,   /* torch 1.13's PReLU fills in __init__; it has no
                                                  reset_parameters */
  .forward = prelu_forward,
  .extra_repr = prelu_extra_repr,
  .backward = (gpointer) prelu_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("prelu", "input", 1),
};

/* Sleef's expf and tanhf (ATen's Vectorized<float>::exp/tanh on AVX2) come from libsleef:
 * ps-sleef.h. */

/* ---------- GELU ---------- */

typedef struct {
  gboolean tanh_approx;
} GeluPriv;

static const PsArgSpec gelu_args[] = {
  /* F.gelu(input, approximate=…): a keyword of the parser, which takes only a str */
  { .name = "approximate", .kind = PS_ARG_STRING, .def_string = "none", .aten_position = -1, .aten_type = "str",
    .aten_function = "gelu", .doc = "'none' (erf) or 'tanh'" },
  { NULL }
};

static gboolean
gelu_construct (PsModule *self, GError **error)
{
  const PsValue *av = ps_args_lookup (self->args, "approximate");
  const char *a = av->type == PS_VALUE_STRING ? av->s : "";
  /* torch constructs GELU('foo') (or GELU(1)) and fails at every forward (gelu_forward) */
  PS_MODULE_PRIV (self, GeluPriv)->tanh_approx = strcmp (a, "tanh") == 0;
  return TRUE;
}

/* ATen's scalar GELU kernel: torch uses it for tensors of at most one element. */
static float
gelu_erf_fn (float x, const void *data)
{
  const float alpha = (float) M_SQRT1_2;
  return x * 0.5f * (1.0f + erff (x * alpha));
}

/* GeluKernel's vector op, approximate='none': x·½·(1 + erf(x·√½)) (nothing GCC could contract),
 * with 1.13's Vectorized<float>::erf = Sleef_erff8_u10 (Sleef_erff16_u10 at AVX512: the same bits
 * lane by lane, ONEDNN-PARITY.md §6 — not the Abramowitz–Stegun polynomial of later torch) */
static float
gelu_erf_vec_fn (float x, const void *data)
{
  const float alpha = (float) M_SQRT1_2;
  return x * 0.5f * (1.0f + ps_sleef_erff (x * alpha));
}

/* Whether torch's tensor is contiguous (Tensor::is_contiguous ignores the strides of size-1 dims). */
static gboolean
torch_contiguous (const PsTensor *x)
{
  return !x->swapped01 || x->ndim != 3 || x->shape[0] == 1 || x->shape[1] == 1;
}

/* ATen's GeluKernel, approximate='tanh': the same float expression in the vector code (Sleef's
 * tanhf) and the scalar tail (glibc's tanhf). */
static float
gelu_tanh_expr (float x, float (*tanh_f) (float), gboolean fused)
{
  const float beta = (float) (M_SQRT2 * M_2_SQRTPI * 0.5);
  const float kappa = 0.044715f;
  float x_cube = x * x * x;
  /* GCC contracts x + κ·x³ into one FMA in ATen's AVX2+FMA kernel (vector and scalar code); the
   * DEFAULT build has no FMA */
  float inner = beta * (fused ? fmaf (kappa, x_cube, x) : x + kappa * x_cube);
  return 0.5f * x * (1.0f + tanh_f (inner));
}

static float
gelu_tanh_fn (float x, const void *data)
{
  return gelu_tanh_expr (x, tanhf, TRUE);
}

static float
gelu_tanh_vec_fn (float x, const void *data)
{
  return gelu_tanh_expr (x, ps_sleef_tanhf, TRUE);
}

/* ATEN_CPU_CAPABILITY=default: std::tanh on every element, no FMA */
static float
gelu_tanh_default_fn (float x, const void *data)
{
  return gelu_tanh_expr (x, tanhf, FALSE);
}

static PsTensor *
gelu_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  const PsValue *av = ps_args_lookup (self->args, "approximate");
  const char *a = av->type == PS_VALUE_STRING ? av->s : "";
  if (strcmp (a, "none") != 0 && strcmp (a, "tanh") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "approximate argument must be either none or tanh.");
      return NULL;
    }
  if (PS_MODULE_PRIV (self, GeluPriv)->tanh_approx && gen != NULL && gen->flavour == PS_FLAVOUR_DEFAULT)
    return map_unary (input, "GELU", gelu_tanh_default_fn, NULL, error);
  if (PS_MODULE_PRIV (self, GeluPriv)->tanh_approx)
    return map_unary_vec (input, "GELU", gelu_tanh_vec_fn, gelu_tanh_fn, error);
  /* torch 1.13 runs GELU(approximate='none') through oneDNN's eltwise_gelu_erf (the same libdnnl
   * call, ps-onednn.h) when use_mkldnn(input): a contiguous float tensor of more than one element;
   * else ATen's GeluKernel — std::erf on one element or in the DEFAULT build, else vector erf on
   * the blocks and std::erf on the tail, in the tensor's memory order */
  if (input->numel <= 1 || !check_float (input, "GELU", error)
      || (!torch_contiguous (input) && gen != NULL && gen->flavour == PS_FLAVOUR_DEFAULT))
    return map_unary (input, "GELU", gelu_erf_fn, NULL, error);
  if (!torch_contiguous (input))
    return map_unary_vec (input, "GELU", gelu_erf_vec_fn, gelu_erf_fn, error);
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL || !ps_onednn_gelu_forward (input->ndim, input->shape, ps_tensor_cf32 (input), ps_tensor_f32 (y), error))
    return NULL;
  return g_steal_pointer (&y);
}

static char *
gelu_extra_repr (const PsModule *self)
{
  g_autofree char *a = arg_python (self, "approximate");
  return g_strdup_printf ("approximate=%s", a);
}

const PsModuleClass ps_gelu_class = {
  .name = "GELU",
  .args = gelu_args,
  .priv_size = sizeof (GeluPriv),
  .construct = gelu_construct,
  .forward = gelu_forward,
  .extra_repr = gelu_extra_repr,
  .backward = (gpointer) gelu_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("gelu", "input", 1),
  .output_keeps_layout = TRUE,
};

/* ---------- Tanh, Sigmoid, SiLU ---------- */

static float
tanh_fn (float x, const void *data)
{
  return ps_sleef_tanhf (x);
}

static float
tanh_default_fn (float x, const void *data)
{
  return tanhf (x);
}

/* torch.tanh on a contiguous float tensor goes through at::vml::vtanh = vec::map, whose partial
 * last vector is computed by the vector code too: Sleef on every element. */
static PsTensor *
tanh_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (input->dtype != PS_DTYPE_FLOAT32)
    return map_unary (input, "Tanh", tanh_fn, NULL, error);   /* its error */
  /* ATEN_CPU_CAPABILITY=default: no Sleef, std::tanh on every element */
  if (gen != NULL && gen->flavour == PS_FLAVOUR_DEFAULT)
    return map_unary (input, "Tanh", tanh_default_fn, NULL, error);
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y != NULL)
    {
      y->swapped01 = input->swapped01;
      ps_sleef_tanhf_map (ps_tensor_cf32 (input), ps_tensor_f32 (y), input->numel);
    }
  return y;
}

const PsModuleClass ps_tanh_class = {
  .name = "Tanh",
  .init_owner = "Module",   /* Tanh has no __init__: nn.Module's takes no keywords */
  .construct = no_construct,
  .forward = tanh_forward,
  .backward = (gpointer) tanh_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("tanh", "input", 1),
  .output_keeps_layout = TRUE,
  .saturation_low = -1.0f,
  .saturation_high = 1.0f,
};

static float
sigmoid_fn (float x, const void *data)
{
  return 1.0f / (1.0f + expf (-x));
}

static float
sigmoid_vec_fn (float x, const void *data)
{
  return 1.0f / (ps_sleef_expf (0.0f - x) + 1.0f);   /* (0 − a).exp() + 1, reciprocal */
}

static PsTensor *
sigmoid_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  /* ATEN_CPU_CAPABILITY=default: std::exp on every element (the vector expression is the same) */
  if (gen != NULL && gen->flavour == PS_FLAVOUR_DEFAULT)
    return map_unary (input, "Sigmoid", sigmoid_fn, NULL, error);
  return map_unary_vec (input, "Sigmoid", sigmoid_vec_fn, sigmoid_fn, error);
}

const PsModuleClass ps_sigmoid_class = {
  .name = "Sigmoid",
  .init_owner = "Module",   /* Sigmoid has no __init__: nn.Module's takes no keywords */
  .construct = no_construct,
  .forward = sigmoid_forward,
  .backward = (gpointer) sigmoid_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("sigmoid", "input", 1),
  .output_keeps_layout = TRUE,
  .saturation_low = 0.0f,
  .saturation_high = 1.0f,
};

static float
silu_fn (float x, const void *data)
{
  return x / (1.0f + expf (-x));
}

static float
silu_vec_fn (float x, const void *data)
{
  return x / (1.0f + ps_sleef_expf (-x));
}

static PsTensor *
silu_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  /* ATEN_CPU_CAPABILITY=default: no Sleef, std::exp on every element */
  if (gen != NULL && gen->flavour == PS_FLAVOUR_DEFAULT)
    return map_unary (input, "SiLU", silu_fn, NULL, error);
  return map_unary_vec (input, "SiLU", silu_vec_fn, silu_fn, error);
}

const PsModuleClass ps_silu_class = {
  .name = "SiLU",
  .args = inplace_only_args,
  .construct = no_construct,
  .forward = silu_forward,
  .extra_repr = inplace_repr,
  .backward = (gpointer) silu_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("silu", "input", 1),
  .output_keeps_layout = TRUE,
};

/* ---------- Softmax ---------- */

static const PsArgSpec softmax_args[] = {
  { .name = "dim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .any_value = TRUE,
    .doc = "dimension to normalize; None picks it from the input's ndim like torch (with a warning)" },
  { NULL }
};

/* torch.nn.functional._get_softmax_dim: the legacy implicit choice. */
static int64_t
implicit_softmax_dim (int ndim)
{
  return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1;
}

/* _vec_softmax_lastdim: max, Sleef exp (vec::map, tail included), lane sum, × (1 / sum). */
static void
softmax_lastdim (const float *x, float *y, int64_t n, gboolean fused)
{
  float max = x[0];
  for (int64_t k = 1; k < n; k++)
    if (isnan (x[k]) || x[k] > max)   /* vec::maximum propagates NaN */
      max = isnan (max) ? max : x[k];
  /* the DEFAULT build (fused FALSE) has no Sleef: Vectorized<float>::exp() is std::exp per lane */
  for (int64_t k = 0; k < n; k++)
    y[k] = fused ? ps_sleef_expf (x[k] - max) : expf (x[k] - max);
  float r = 1.0f / ps_reduce_all_sum (y, n, fused);
  for (int64_t k = 0; k < n; k++)
    y[k] *= r;
}

/* _vec_softmax (softmax over a dim that is not the last), one inner position: a sequential float
 * sum and a division. Lanes of full 8-wide groups run the vector code (Sleef exp, NaN-propagating
 * max); the others the scalar code (glibc expf, std::max). */
static void
softmax_strided (const float *x, float *y, int64_t n, int64_t stride, gboolean vec, gboolean fused)
{
  float max = x[0];
  for (int64_t k = 1; k < n; k++)
    {
      float v = x[k * stride];
      if (vec ? (isnan (v) || v > max) && !isnan (max) : max < v)
        max = v;
    }
  float sum = 0.0f;
  for (int64_t k = 0; k < n; k++)
    {
      float e = vec && fused ? ps_sleef_expf (x[k * stride] - max) : expf (x[k * stride] - max);
      y[k * stride] = e;
      sum += e;
    }
  for (int64_t k = 0; k < n; k++)
    y[k * stride] = y[k * stride] / sum;
}

static PsTensor *
softmax_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (!check_float (input, "Softmax", error))
    return NULL;
  int64_t dim;
  if (!ps_module_dim_arg_check (self, "softmax", "dim", NULL, error))
    return NULL;
  if (ps_args_is_none (self->args, "dim"))
    dim = implicit_softmax_dim (input->ndim);
  else if (!wrap_dim (ps_args_get_int (self->args, "dim"), input->ndim, &dim, error))
    return NULL;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL || input->numel == 0)
    return y;
  /* view the input as (outer, n, inner) with n = shape[dim] */
  int64_t n = input->ndim > 0 ? input->shape[dim] : 1;
  int64_t inner = 1, outer = 1;
  for (int i = 0; i < input->ndim; i++)
    {
      if (i < dim)
        outer *= input->shape[i];
      else if (i > dim)
        inner *= input->shape[i];
    }
  const float *x = ps_tensor_cf32 (input);
  float *out = ps_tensor_f32 (y);
  const gboolean fused = (gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2) != PS_FLAVOUR_DEFAULT;
  for (int64_t o = 0; o < outer; o++)
    {
      const float *xo = x + o * n * inner;
      float *yo = out + o * n * inner;
      if (inner == 1)
        softmax_lastdim (xo, yo, n, fused);
      else
        for (int64_t j = 0; j < inner; j++)
          /* _vec_softmax vectorises a vector of inner positions (8; 16 at AVX512) at a time; the
           * rest of the row is scalar */
          softmax_strided (xo + j, yo + j, n, inner, j < inner - inner % ps_threads_aten_lanes (), fused);
    }
  return y;
}

static char *
softmax_extra_repr (const PsModule *self)
{
  g_autofree char *d = ps_value_to_str (ps_args_lookup (self->args, "dim"));   /* str() of it, as given */
  return g_strdup_printf ("dim=%s", d);
}

const PsModuleClass ps_softmax_class = {
  .name = "Softmax",
  .args = softmax_args,
  .construct = no_construct,
  .forward = softmax_forward,
  .extra_repr = softmax_extra_repr,
  .backward = (gpointer) softmax_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),
};

/* ---------- Identity ---------- */

static PsTensor *
identity_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  return ps_tensor_ref (input);
}

/* torch's Identity(*args, **kwargs) ignores any arguments; we take none. */
const PsModuleClass ps_identity_class = {
  .name = "Identity",
  .construct = no_construct,
  .forward = identity_forward,
  .backward = (gpointer) identity_backward,
  .takes_any_args = TRUE,   /* nn.Identity(*args, **kwargs) */
  .passes_input_on = TRUE,
  .output_keeps_layout = TRUE,
};

/* ---------- Flatten ---------- */

static const PsArgSpec flatten_args[] = {
  /* stored as given; input.flatten(start_dim, end_dim)'s parser refuses all but ints */
  { .name = "start_dim", .kind = PS_ARG_INT, .def_int = 1, .any_value = TRUE, .doc = "first dim to flatten" },
  { .name = "end_dim", .kind = PS_ARG_INT, .def_int = -1, .any_value = TRUE, .doc = "last dim to flatten" },
  { NULL }
};

static PsTensor *
flatten_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  int64_t start, end;
  if (!ps_module_dim_arg_check (self, "flatten", "start_dim", "end_dim", error))
    return NULL;
  if (!wrap_dim (ps_args_get_int (self->args, "start_dim"), input->ndim, &start, error)
      || !wrap_dim (ps_args_get_int (self->args, "end_dim"), input->ndim, &end, error))
    return NULL;
  if (start > end)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "flatten() has invalid args: start_dim cannot come after end_dim");
      return NULL;
    }
  if (input->ndim == 0)
    {
      int64_t one = 1;
      return ps_tensor_reshape (input, 1, &one, error);
    }
  if (start == end)
    return ps_tensor_ref (input);
  int64_t shape[PS_MAX_DIMS];
  int nd = 0;
  for (int64_t i = 0; i < start; i++)
    shape[nd++] = input->shape[i];
  int64_t flat = 1;
  for (int64_t i = start; i <= end; i++)
    {
      /* a zero elsewhere lets numel be 0 while this sub-product overflows */
      if (input->shape[i] != 0 && flat > INT64_MAX / input->shape[i])
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "flatten: the flattened size overflows");
          return NULL;
        }
      flat *= input->shape[i];
    }
  shape[nd++] = flat;
  for (int64_t i = end + 1; i < input->ndim; i++)
    shape[nd++] = input->shape[i];
  return ps_tensor_reshape (input, nd, shape, error);
}

static char *
flatten_extra_repr (const PsModule *self)
{
  g_autofree char *s = ps_value_to_str (ps_args_lookup (self->args, "start_dim"));
  g_autofree char *e = ps_value_to_str (ps_args_lookup (self->args, "end_dim"));
  return g_strdup_printf ("start_dim=%s, end_dim=%s", s, e);
}

const PsModuleClass ps_flatten_class = {
  .name = "Flatten",
  .args = flatten_args,
  .construct = no_construct,
  .forward = flatten_forward,
  .extra_repr = flatten_extra_repr,
  .backward = (gpointer) flatten_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("flatten"),
};

/* ---------- backward (ps-autograd.h) ----------
 * ATen 1.13's backward kernels (BinaryOpsKernel.cpp / Activation.cpp), the AVX2 build's fused
 * forms spelled out (TRAINING-PARITY.md §5):
 *   ReLU     threshold_backward(g, y, 0): y <= 0 ? 0 : g
 *   LeakyReLU leaky_relu_backward(g, x, slope): x > 0 ? g : g·slope
 *   Tanh     tanh_backward(g, y): g·fmaf(−y, y, 1)
 *   Sigmoid  sigmoid_backward(g, y): (g·(1 − y))·y
 *   Identity, Flatten: the gradient itself (reshaped to the input's shape). */

typedef float (*BinaryFn) (float g, float v, const void *data);

static gboolean
map_backward (const PsTensor *v, PsTensor *grad_output, PsTensor **grad_input, BinaryFn fn, const void *data,
              GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  PsTensor *gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, v->ndim, v->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *x = ps_tensor_cf32 (v);
  float *o = ps_tensor_f32 (gi);
  for (int64_t i = 0; i < v->numel; i++)
    o[i] = fn (g[i], x[i], data);
  *grad_input = gi;
  return TRUE;
}

static float
relu_bwd (float g, float y, const void *data)
{
  return y <= 0.0f ? 0.0f : g;
}

static gboolean
relu_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
               PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  const PsTensor *v = entry->output;
  PsTensor *gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, v->ndim, v->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *y = ps_tensor_cf32 (v);
  float *o = ps_tensor_f32 (gi);
  int64_t i = 0;
#ifdef PS_RELU_AVX2
  if (relu_have_avx2 ())
    i = relu_bwd_avx2 (g, y, o, v->numel);
#endif
  for (; i < v->numel; i++)
    o[i] = relu_bwd (g[i], y[i], NULL);
  *grad_input = gi;
  return TRUE;
}

static float
leaky_relu_bwd (float g, float x, const void *data)
{
  return x > 0.0f ? g : g * *(const float *) data;
}

static gboolean
leaky_relu_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                     PsGradSink *sink, GError **error)
{
  return map_backward (entry->input, grad_output, grad_input, leaky_relu_bwd,
                       &PS_MODULE_PRIV (self, LeakyReluPriv)->negative_slope, error);
}

static PS_FMA_CLONES float
tanh_bwd (float g, float y, const void *data)
{
  return g * fmaf (-y, y, 1.0f);
}

/* the DEFAULT build: g·(1 − y·y), no FMA */
static float
tanh_bwd_default (float g, float y, const void *data)
{
  return g * (1.0f - y * y);
}

static gboolean
tanh_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
               PsGradSink *sink, GError **error)
{
  return map_backward (entry->output, grad_output, grad_input,
                       entry->flavour == PS_FLAVOUR_DEFAULT ? tanh_bwd_default : tanh_bwd, NULL, error);
}

static float
sigmoid_bwd (float g, float y, const void *data)
{
  return (g * (1.0f - y)) * y;
}

static gboolean
sigmoid_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                  PsGradSink *sink, GError **error)
{
  return map_backward (entry->output, grad_output, grad_input, sigmoid_bwd, NULL, error);
}

static gboolean
identity_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                   PsGradSink *sink, GError **error)
{
  if (grad_input != NULL)
    *grad_input = ps_tensor_ref (grad_output);
  return TRUE;
}

static gboolean
flatten_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                  PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  *grad_input = ps_tensor_reshape (grad_output, entry->input->ndim, entry->input->shape, error);
  return *grad_input != NULL;
}

/* GELU: torch 1.13's gelu_backward runs oneDNN's eltwise_gelu_erf backward (the same libdnnl call,
 * ps-onednn.h) for approximate='none' on a contiguous input of more than one element (use_mkldnn),
 * else ATen's GeluBackwardKernel: the vector expression on blocks of 16 (32 at AVX512) of each inner
 * loop (VecSplit: memory order, or rows under a contiguous gradient), the scalar one
 * (std::erf/tanh) on the tail, with the FMAs GCC contracts in the AVX2 build:
 *   none: dy·(cdf + x·pdf), cdf = 0.5·(1 + erf(x·√½)), pdf = exp(−½x²)·(2/√π·√½·½) — the scalar
 *         code is not contracted in either build (tests/golden/gen_gelu_scalar.py: 48 one-element
 *         tensors, AVX2 and DEFAULT agree; a fused x·pdf + cdf differs from both); the vector code
 *         (Sleef erf/exp) is, dy·fma(x, pdf, cdf) (gelu_erf_bwd_vec)
 *   tanh: t = tanh(β·fma(κ, x³, x)); dy·(½·(1 + t) + (½x·fma(−t, t, 1))·β·fma(3κ, x², 1)) — the
 *         last sum is not contracted (100 000 vector and 45 000 tail values checked; fusing it:
 *         ~10 % differ) */
static float
gelu_erf_bwd (float dy, float x, const void *data)
{
  const float kAlpha = (float) (M_SQRT1_2);
  const float kBeta = (float) (M_2_SQRTPI * M_SQRT1_2 * 0.5);
  const float cdf = 0.5f * (1.0f + erff (x * kAlpha));
  const float pdf = kBeta * expf (-0.5f * x * x);
  return dy * (cdf + x * pdf);
}

/* GeluBackwardKernel's vector op, approximate='none' (AVX2/AVX512): Sleef's erf and exp, and
 * x·pdf + cdf contracted into one FMA by GCC (tests/golden/gen_swapped_activations.py: the unfused
 * sum leaves 22 of its 294 AVX2 runs different, 15 at AVX512) */
static float
gelu_erf_bwd_vec (float dy, float x)
{
  const float kAlpha = (float) (M_SQRT1_2);
  const float kBeta = (float) (M_2_SQRTPI * M_SQRT1_2 * 0.5);
  const float cdf = 0.5f * (1.0f + ps_sleef_erff (x * kAlpha));
  const float pdf = kBeta * ps_sleef_expf (x * x * -0.5f);
  return dy * fmaf (x, pdf, cdf);
}

static float
gelu_tanh_bwd_expr (float dy, float x, float (*tanh_f) (float), gboolean fused)
{
  const float kBeta = (float) (M_SQRT2 * M_2_SQRTPI * 0.5);
  const float kKappa = 0.044715f;
  const float x_sq = x * x;
  const float x_cube = x_sq * x;
  const float inner = kBeta * (fused ? fmaf (kKappa, x_cube, x) : x + kKappa * x_cube);
  const float t = tanh_f (inner);
  const float left = 0.5f * x;
  const float right = 1.0f + t;
  const float left_derivative = 0.5f * right;
  const float tanh_derivative = fused ? fmaf (-t, t, 1.0f) : 1.0f - t * t;
  const float inner_derivative = kBeta * (fused ? fmaf (3.0f * kKappa, x_sq, 1.0f) : 1.0f + 3.0f * kKappa * x_sq);
  return dy * (left_derivative + (left * tanh_derivative) * inner_derivative);
}

static gboolean
gelu_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
               PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  const PsTensor *x = entry->input;
  g_autoptr (PsTensor) gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *xd = ps_tensor_cf32 (x);
  float *o = ps_tensor_f32 (gi);
  gi->swapped01 = x->swapped01 && !entry->grad_rows;   /* a contiguous gradient decides the layout */
  const gboolean tanh_approx = PS_MODULE_PRIV (self, GeluPriv)->tanh_approx;
  /* use_mkldnn(input), as the forward */
  if (!tanh_approx && x->numel > 1 && torch_contiguous (x))
    {
      if (!ps_onednn_gelu_backward (x->ndim, x->shape, g, xd, o, error))
        return FALSE;
    }
  else
    {
      /* ATEN_CPU_CAPABILITY=default: std::tanh / std::erf everywhere, no FMA */
      const gboolean fused = entry->flavour != PS_FLAVOUR_DEFAULT;
      const VecSplit split = vec_split (x, entry->grad_rows);
      for (int64_t i = 0; i < x->numel; i++)
        {
          const gboolean vec = fused && x->numel > 1 && vec_split_has (&split, i);
          if (tanh_approx)
            o[i] = gelu_tanh_bwd_expr (g[i], xd[i], vec ? ps_sleef_tanhf : tanhf, fused);
          else
            o[i] = vec ? gelu_erf_bwd_vec (g[i], xd[i]) : gelu_erf_bwd (g[i], xd[i], NULL);
        }
    }
  *grad_input = g_steal_pointer (&gi);
  return TRUE;
}

/* SiLU: silu_backward_kernel (cpu_kernel_vec: vector code on blocks of 16, scalar tail), with
 * sigmoid = 1/(1 + exp(−x)) (Sleef in the vector code, glibc in the tail):
 *   dy·σ·fma(x, 1 − σ, 1); the DEFAULT build: glibc everywhere, dy·σ·(1 + x·(1 − σ)) */
static float
silu_bwd_expr (float dy, float x, float (*exp_f) (float), gboolean fused)
{
  const float sigmoid = 1.0f / (1.0f + exp_f (-x));
  return (dy * sigmoid) * (fused ? fmaf (x, 1.0f - sigmoid, 1.0f) : 1.0f + x * (1.0f - sigmoid));
}

static gboolean
silu_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
               PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  const PsTensor *x = entry->input;
  g_autoptr (PsTensor) gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *xd = ps_tensor_cf32 (x);
  float *o = ps_tensor_f32 (gi);
  /* ATEN_CPU_CAPABILITY=default: std::exp everywhere and no FMA */
  const gboolean fused = entry->flavour != PS_FLAVOUR_DEFAULT;
  /* grad_rows (a contiguous gradient over a swapped input): TensorIterator cannot coalesce, so
   * cpu_kernel_vec's vectorized loop runs per row of the last dim, its blocks from each row's start */
  const VecSplit split = vec_split (x, entry->grad_rows);
  gi->swapped01 = x->swapped01 && !entry->grad_rows;
  for (int64_t i = 0; i < x->numel; i++)
    o[i] = silu_bwd_expr (g[i], xd[i], fused && vec_split_has (&split, i) ? ps_sleef_expf : expf, fused);
  *grad_input = g_steal_pointer (&gi);
  return TRUE;
}

/* Softmax: _softmax_backward_data. Over the last dim, _vec_softmax_backward: per row
 * s = Σ g·y (vec::map2_reduce_all: 8 lanes, 16 at AVX512, acc = fma(g, y, acc), ps_reduce_fold),
 * gi = (g − s)·y.
 * Over another dim, the kernel vectorised across inner positions: s = fma(g, y, s) from 0 along the
 * dim, gi = (g − s)·y (checked on 2 100 values: a double or unfused sum differs in 20–50 %). */
static gboolean
softmax_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                  PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  const PsTensor *y = entry->output;
  int64_t dim;
  if (ps_args_is_none (self->args, "dim"))
    dim = implicit_softmax_dim (y->ndim);
  else if (!wrap_dim (ps_args_get_int (self->args, "dim"), y->ndim, &dim, error))
    return FALSE;
  g_autoptr (PsTensor) gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, y->ndim, y->shape, error);
  if (gi == NULL)
    return FALSE;
  int64_t n = y->ndim > 0 ? y->shape[dim] : 1, inner = 1, outer = 1;
  for (int i = 0; i < y->ndim; i++)
    {
      if (i < dim)
        outer *= y->shape[i];
      else if (i > dim)
        inner *= y->shape[i];
    }
  const float *g = ps_tensor_cf32 (grad_output), *yd = ps_tensor_cf32 (y);
  float *o = ps_tensor_f32 (gi);
  const gboolean lastdim = y->ndim == 0 || dim == y->ndim - 1;
  const gboolean fused = entry->flavour != PS_FLAVOUR_DEFAULT;   /* ATEN_CPU_CAPABILITY=default: no FMA */
  for (int64_t a = 0; y->numel > 0 && a < outer; a++)
    for (int64_t j = 0; j < inner; j++)
      {
        const int64_t base = a * n * inner + j;
        if (lastdim)
          {
            const float s = ps_reduce_dot_all (g + base, yd + base, n, fused);
            for (int64_t k = 0; k < n; k++)
              o[base + k] = (g[base + k] - s) * yd[base + k];
          }
        else
          {
            float s = 0.0f;
            for (int64_t k = 0; k < n; k++)
              s = fused ? fmaf (g[base + k * inner], yd[base + k * inner], s)
                        : s + g[base + k * inner] * yd[base + k * inner];
            for (int64_t k = 0; k < n; k++)
              o[base + k * inner] = (g[base + k * inner] - s) * yd[base + k * inner];
          }
      }
  *grad_input = g_steal_pointer (&gi);
  return TRUE;
}

/* PReLU: _prelu_kernel_backward, then autograd's sum_to for the broadcast weight.
 * grad_input = x > 0 ? g : w·g; the collector x > 0 ? 0 : x·g is summed by at::sum: one shared
 * weight — the full cascade sum (ps_reduce_sum; a plain float loop differs in 80 % of 200 trials);
 * per channel — over dims 0 and 2…: an (N, C) input is the outer cascade reduction, (N, C, S) sums
 * each plane by the inner rule and adds the planes in batch order. */
static gboolean
prelu_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                PsGradSink *sink, GError **error)
{
  const PsTensor *x = entry->input;
  PsParam *pw = ps_module_get_param (self, "weight");
  const int64_t nw = pw->value->numel;
  int64_t channels = 1, inner = 1;
  if (nw != 1)
    {
      channels = x->ndim > 1 ? x->shape[1] : 1;
      for (int i = 2; i < x->ndim; i++)
        inner *= x->shape[i];
    }
  const float *xd = ps_tensor_cf32 (x), *g = ps_tensor_cf32 (grad_output), *a = ps_tensor_cf32 (pw->value);
  g_autoptr (PsTensor) gi = NULL;
  if (grad_input != NULL)
    {
      if ((gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, x->shape, error)) == NULL)
        return FALSE;
      float *o = ps_tensor_f32 (gi);
      for (int64_t i = 0; i < x->numel; i++)
        {
          const float slope = nw == 1 ? a[0] : a[(i / inner) % channels];
          o[i] = xd[i] > 0.0f ? g[i] : slope * g[i];
        }
    }
  g_autoptr (PsTensor) gw = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &nw, error);
  if (gw == NULL)
    return FALSE;
  float *gwd = ps_tensor_f32 (gw);
  if (x->numel > 0)
    {
      if (!ps_tensor_check_scratch ((guint64) x->numel * sizeof (float), "the PReLU weight gradient", error))
        return FALSE;
      g_autofree float *col = g_try_new (float, (gsize) x->numel);
      if (col == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the PReLU backward");
          return FALSE;
        }
      for (int64_t i = 0; i < x->numel; i++)
        col[i] = xd[i] > 0.0f ? 0.0f : xd[i] * g[i];
      const int64_t N = x->numel / (channels * inner);
      if (nw == 1)
        gwd[0] = ps_reduce_sum (col, x->numel);
      else if (inner == 1)
        ps_reduce_sum_dim0 (col, N, channels, gwd);
      else
        for (int64_t c = 0; c < channels; c++)
          {
            float s = 0.0f;
            for (int64_t b = 0; b < N; b++)
              s += ps_reduce_sum (col + (b * channels + c) * inner, inner);
            gwd[c] = s;
          }
    }
  ps_grad_sink_add (sink, pw, gw);
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gi);
  return TRUE;
}
