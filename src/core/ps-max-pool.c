/* ps-max-pool.c — nn.MaxPool1d and nn.MaxPool2d (kernel_size, stride=None, padding=0, dilation=1,
 * return_indices=False, ceil_mode=False), torch 1.13 CPU.
 *
 * Forward (MaxPoolKernel.cpp cpu_max_pool, contiguous): per plane and output position, the window
 * rows ih0 = oh·dH − padH … (clipped to the input; a start in the padding steps forward by the
 * dilation), maxval starts at −inf with maxindex at the window's first element, and an element
 * replaces it when `val > maxval || isnan(val)` — so ties keep the first element in row-major order
 * (0 and −0 alike) and NaN propagates (the last NaN wins). A max is exact, so the 1-d layer's
 * no-autograd kernel (max_pool1d_impl) gives the same values; we run every layer through this one
 * with the 1-d input as planes of height 1.
 * Backward (cpu_max_pool_backward): grad_input = 0, then per plane in output order
 * grad_input[maxindex] += grad_output — overlapping windows add in that order. The forward saves
 * the indices (int64, output-shaped) on the tape as torch's max_pool2d_with_indices does.
 *
 * Checks and messages follow the paths torch takes: max_pool2d_with_indices's (also under no_grad
 * in 1.13) and, for MaxPool1d, max_pool1d's dimension check then check_max_pool1d of
 * max_pool1d_impl — or, with return_indices=True or an input that requires grad under autograd
 * (ps_tape_input_requires_grad), max_pool1d_with_indices's: its own dimension and size checks, then
 * max_pool2d_with_indices's on x.unsqueeze(-2), which refuses an empty output ("Output size is too
 * small") where max_pool1d_impl returns one (measured: tests/golden/gen_max_pool1d_errors.py).
 * return_indices=True: forward returns the tuple (output, indices) — the indices int64, output-shaped,
 * each the flat position of the max in its input plane (the kernel's maxindex) — as
 * output->tuple_next (ps-tensor.h); the next module gets the tuple and fails as torch's does
 * (ps-tuple-input.c). */
#include "ps-layers.h"
#include "ps-cpu.h"
#include "ps-pool.h"

#include <math.h>
#include <string.h>

static const PsArgSpec max_pool_args[] = {
  { .name = "kernel_size", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 2, .expand_one = TRUE, .required = TRUE, .keep_int = TRUE,
    .doc = "the size of the window to take a max over" },
  { .name = "stride", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 3, .expand_one = TRUE, .nullable = TRUE, .def_none = TRUE, .keep_int = TRUE,
    .doc = "the stride of the window (None: kernel_size)" },
  { .name = "padding", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 4, .expand_one = TRUE, .def_int = 0, .keep_int = TRUE,
    .doc = "implicit negative infinity padding on both sides" },
  { .name = "dilation", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 5, .expand_one = TRUE, .def_int = 1, .keep_int = TRUE,
    .doc = "the stride between elements within a window" },
  { .name = "return_indices", .kind = PS_ARG_BOOL, .def_bool = FALSE,
    .doc = "return the max indices along with the outputs: forward returns (output, indices)" },
  { .name = "ceil_mode", .kind = PS_ARG_BOOL, .def_bool = FALSE, .aten_bool_position = 6,
    .doc = "use ceil instead of floor to compute the output shape" },
  { NULL }
};

/* No parameters; the sizes are checked at forward, as torch does. */
static gboolean
max_pool_construct (PsModule *self, GError **error)
{
  return TRUE;
}

/* safe_downcast<int, int64_t> */
static gboolean
to_int (int64_t v, int64_t *out, GError **error)
{
  if (v < G_MININT32 || v > G_MAXINT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "integer out of range");
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean geometry_2d_sized (const PsTensor *x, gboolean ceil_mode, PsPoolGeometry *g, GError **error);

/* max_pool2d_with_indices's meta function */
static gboolean
geometry_2d (const PsModule *self, const PsTensor *x, PsPoolGeometry *g, GError **error)
{
  int64_t k[8], s[8], p[8], d[8];
  const int nk = ps_pool_arg (self, "kernel_size", k), ns = ps_pool_arg (self, "stride", s);
  const int np = ps_pool_arg (self, "padding", p), ndl = ps_pool_arg (self, "dilation", d);
  memset (g, 0, sizeof *g);
  if (nk != 1 && nk != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
      return FALSE;
    }
  if (!to_int (k[0], &g->kH, error) || !to_int (k[nk - 1], &g->kW, error))
    return FALSE;
  if (ns > 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
      return FALSE;
    }
  if (ns == 0)
    g->dH = g->kH, g->dW = g->kW;
  else if (!to_int (s[0], &g->dH, error) || !to_int (s[ns - 1], &g->dW, error))
    return FALSE;
  if (np != 1 && np != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool2d: padding must be either be a single int, or a tuple of two ints");
      return FALSE;
    }
  if (!to_int (p[0], &g->padH, error) || !to_int (p[np - 1], &g->padW, error))
    return FALSE;
  if (ndl != 1 && ndl != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool2d: dilation must be either a single int, or a tuple of two ints");
      return FALSE;
    }
  if (!to_int (d[0], &g->dilH, error) || !to_int (d[ndl - 1], &g->dilW, error))
    return FALSE;
  return geometry_2d_sized (x, ps_args_get_bool (self->args, "ceil_mode"), g, error);
}

/* the rest of max_pool2d_with_indices's meta function, g's kernel, stride, padding and dilation set */
static gboolean
geometry_2d_sized (const PsTensor *x, gboolean ceil_mode, PsPoolGeometry *g, GError **error)
{
  if (x->ndim != 3 && x->ndim != 4)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "non-empty 3D or 4D (batch mode) tensor expected for input");
      return FALSE;
    }
  const int64_t batch = x->ndim == 4 ? x->shape[0] : 1, channels = x->shape[x->ndim - 3];
  g->inH = x->shape[x->ndim - 2];
  g->inW = x->shape[x->ndim - 1];
  if (!ps_pool_output_size (g->inH, g->kH, g->padH, g->dH, g->dilH, ceil_mode, &g->outH, error)
      || !ps_pool_output_size (g->inW, g->kW, g->padW, g->dW, g->dilW, ceil_mode, &g->outW, error)
      || !ps_pool2d_shape_check (x, g->kH, g->kW, g->dH, g->dW, g->padH, g->padW, g->dilH, g->dilW, channels,
                                 g->inH, g->inW, g->outH, g->outW, error))
    return FALSE;
  g->planes = batch * channels;
  g->out_ndim = x->ndim;
  for (int i = 0; i < x->ndim - 2; i++)
    g->out_shape[i] = x->shape[i];
  g->out_shape[x->ndim - 2] = g->outH;
  g->out_shape[x->ndim - 1] = g->outW;
  return TRUE;
}

/* max_pool1d_with_indices: checkDimRange(2, 3), check1d of each argument, then
 * max_pool2d_with_indices of x.unsqueeze(-2) with kernel (1, K), stride (1, S), padding (0, P),
 * dilation (1, D), squeezed back */
static gboolean
geometry_1d_with_indices (const PsModule *self, const PsTensor *x, PsPoolGeometry *g, GError **error)
{
  int64_t k[8], s[8], p[8], d[8];
  const int nk = ps_pool_arg (self, "kernel_size", k), ns = ps_pool_arg (self, "stride", s);
  const int np = ps_pool_arg (self, "padding", p), ndl = ps_pool_arg (self, "dilation", d);
  const int nd = x->ndim;
  if (nd < 2 || nd > 3)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' (while checking "
                   "arguments for max_pool1d)", nd);
      return FALSE;
    }
  /* stride None is kernel_size */
  const char *const names[4] = { "kernel_size", "stride", "padding", "dilation" };
  const int n[4] = { nk, ns == 0 ? nk : ns, np, ndl };
  for (int i = 0; i < 4; i++)
    if (n[i] != 1)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "max_pool1d() argument '%s' should contain one int (got %d)", names[i], n[i]);
        return FALSE;
      }
  g->kH = g->dH = g->dilH = 1;
  g->padH = 0;
  if (!to_int (k[0], &g->kW, error) || !to_int (ns == 0 ? k[0] : s[0], &g->dW, error)
      || !to_int (p[0], &g->padW, error) || !to_int (d[0], &g->dilW, error))
    return FALSE;
  PsTensor x2 = { .dtype = x->dtype, .ndim = nd + 1 };
  memcpy (x2.shape, x->shape, (gsize) (nd - 1) * sizeof (int64_t));
  x2.shape[nd - 1] = 1;
  x2.shape[nd] = x->shape[nd - 1];
  if (!geometry_2d_sized (&x2, ps_args_get_bool (self->args, "ceil_mode"), g, error))
    return FALSE;
  g->out_ndim = nd;
  for (int i = 0; i < nd - 1; i++)
    g->out_shape[i] = x->shape[i];
  g->out_shape[nd - 1] = g->outW;
  return TRUE;
}

/* max_pool1d: its dimension check, then (return_indices=True, or an input that requires grad under
 * autograd) max_pool1d_with_indices, else check_max_pool1d (max_pool1d_impl's checks) */
static gboolean
geometry_1d (const PsModule *self, const PsTensor *x, PsPoolGeometry *g, GError **error)
{
  int64_t k[8], s[8], p[8], d[8];
  const int nk = ps_pool_arg (self, "kernel_size", k), ns = ps_pool_arg (self, "stride", s);
  const int np = ps_pool_arg (self, "padding", p), ndl = ps_pool_arg (self, "dilation", d);
  memset (g, 0, sizeof *g);
  const int nd = x->ndim;
  const gboolean with_indices = ps_args_get_bool (self->args, "return_indices");
  if (with_indices)   /* F.max_pool1d_with_indices calls torch.max_pool1d_with_indices directly */
    return geometry_1d_with_indices (self, x, g, error);
  if (!((nd == 2 && x->shape[0] != 0 && x->shape[1] != 0) || (nd == 3 && x->shape[1] != 0 && x->shape[2] != 0)))
    {
      g_autofree char *sh = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                   "but got:%s", sh);
      return FALSE;
    }
  if (ps_tape_input_requires_grad ())
    return geometry_1d_with_indices (self, x, g, error);
  static const char *const size_msg[4] = {
    "max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size %d",
    "max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but got size %d",
    "max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got size %d",
    "max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got size %d",
  };
  const int n[4] = { nk, ns, np, ndl };
  for (int i = 0; i < 4; i++)
    if (n[i] != 1 && !(i == 1 && n[i] == 0))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, size_msg[i], n[i]);
        return FALSE;
      }
  const int64_t K = k[0], S = ns == 0 ? k[0] : s[0], P = p[0], D = d[0];
  if (K <= 0 || S <= 0 || P < 0)
    {
      if (K <= 0)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "max_pool1d() kernel_size must be greater than zero, but got %" G_GINT64_FORMAT, K);
      else if (S <= 0)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "max_pool1d() stride must be greater than zero, but got %" G_GINT64_FORMAT, S);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "max_pool1d() padding must be non-negative, but got %" G_GINT64_FORMAT, P);
      return FALSE;
    }
  if (P > K / 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool1d() padding should be at most half of kernel size, but got padding=%" G_GINT64_FORMAT
                   " and kernel_size=%" G_GINT64_FORMAT, P, K);
      return FALSE;
    }
  if (D <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "max_pool1d() dilation must be greater than zero, but got %" G_GINT64_FORMAT, D);
      return FALSE;
    }
  g->inH = 1;
  g->inW = x->shape[nd - 1];
  if (!ps_pool_output_size (g->inW, K, P, S, D, ps_args_get_bool (self->args, "ceil_mode"), &g->outW, error))
    return FALSE;
  if (g->outW < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "max_pool1d() Invalid computed output size: %" G_GINT64_FORMAT,
                   g->outW);
      return FALSE;
    }
  g->outH = 1;
  g->kH = g->dH = g->dilH = 1;
  g->kW = K, g->dW = S, g->padW = P, g->dilW = D;
  g->planes = (nd == 3 ? x->shape[0] : 1) * x->shape[nd - 2];
  g->out_ndim = nd;
  for (int i = 0; i < nd - 1; i++)
    g->out_shape[i] = x->shape[i];
  g->out_shape[nd - 1] = g->outW;
  return TRUE;
}

static gboolean
geometry (const PsModule *self, const PsTensor *x, PsPoolGeometry *g, GError **error)
{
  return self->klass == &ps_max_pool1d_class ? geometry_1d (self, x, g, error) : geometry_2d (self, x, g, error);
}

/* One output of cpu_max_pool: the window's rows ih0 … ih1 (already clipped), columns from ow's. */
static inline void
max_pool_one (const PsPoolGeometry *g, const float *ip, int64_t ih0, int64_t ih1, int64_t ow, float *out,
              int64_t *idx)
{
  int64_t iw0 = ow * g->dW - g->padW;
  const int64_t iw1 = MIN (iw0 + (g->kW - 1) * g->dilW + 1, g->inW);
  while (iw0 < 0)
    iw0 += g->dilW;
  int64_t maxindex = ih0 * g->inW + iw0;
  float maxval = -INFINITY;
  for (int64_t ih = ih0; ih < ih1; ih += g->dilH)
    for (int64_t iw = iw0; iw < iw1; iw += g->dilW)
      {
        const int64_t index = ih * g->inW + iw;
        const float val = ip[index];
        /* `val > maxval || isnan (val)` without a branch: which element wins is data, unpredictable */
        const gboolean take = (val > maxval) | (val != val);
        maxval = take ? val : maxval;
        maxindex = take ? index : maxindex;
      }
  *out = maxval;
  if (idx != NULL)
    *idx = maxindex;
}

/* Eight outputs at once where the CPU has AVX2: lane j is output ow0 + j, its window's elements
 * gathered in the scalar order and taken by the same test (`val > maxval || isnan (val)`, compare
 * and blend), so values and indices are the scalar kernel's. Only for outputs whose window is not
 * clipped at the left or right edge (rows are clipped alike for a whole row of outputs) and planes
 * whose indices fit 32 bits; a branch per element that mispredicted half the time was a fifth of a
 * small convnet's training step. */
#if defined(__x86_64__) && defined(__GNUC__)
#define PS_MAX_POOL_AVX2 1
#pragma GCC push_options
#pragma GCC target ("avx2")
#include <immintrin.h>

/* One window element for eight lanes: take it where it is greater or NaN (the scalar test). */
static inline void
max_take_avx2 (const float *ip, __m256i index, __m256 *maxval, __m256i *maxindex)
{
  const __m256 val = _mm256_i32gather_ps (ip, index, 4);
  const __m256 take = _mm256_or_ps (_mm256_cmp_ps (val, *maxval, _CMP_GT_OQ), _mm256_cmp_ps (val, val, _CMP_UNORD_Q));
  *maxval = _mm256_blendv_ps (*maxval, val, take);
  *maxindex = _mm256_castps_si256 (_mm256_blendv_ps (_mm256_castsi256_ps (*maxindex), _mm256_castsi256_ps (index),
                                                     take));
}

/* Eight results: values, and (idx not NULL) their indices widened to int64. */
static inline void
max_store_avx2 (float *out, int64_t *idx, __m256 maxval, __m256i maxindex)
{
  _mm256_storeu_ps (out, maxval);
  if (idx != NULL)
    {
      _mm256_storeu_si256 ((__m256i *) idx, _mm256_cvtepi32_epi64 (_mm256_castsi256_si128 (maxindex)));
      _mm256_storeu_si256 ((__m256i *) (idx + 4), _mm256_cvtepi32_epi64 (_mm256_extracti128_si256 (maxindex, 1)));
    }
}

static void
max_pool_eight_avx2 (const PsPoolGeometry *g, const float *ip, int64_t ih0, int64_t ih1, int64_t ow0, float *out,
                     int64_t *idx)
{
  const __m256i lane = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i iw0 = _mm256_sub_epi32 (_mm256_mullo_epi32 (_mm256_add_epi32 (_mm256_set1_epi32 ((int) ow0), lane),
                                                            _mm256_set1_epi32 ((int) g->dW)),
                                        _mm256_set1_epi32 ((int) g->padW));
  const __m256i dil = _mm256_set1_epi32 ((int) g->dilW);
  __m256 maxval = _mm256_set1_ps (-INFINITY);
  __m256i maxindex = _mm256_add_epi32 (_mm256_set1_epi32 ((int) (ih0 * g->inW)), iw0);
  for (int64_t ih = ih0; ih < ih1; ih += g->dilH)
    {
      __m256i index = _mm256_add_epi32 (_mm256_set1_epi32 ((int) (ih * g->inW)), iw0);
      for (int64_t kw = 0; kw < g->kW; kw++, index = _mm256_add_epi32 (index, dil))
        max_take_avx2 (ip, index, &maxval, &maxindex);
    }
  max_store_avx2 (out, idx, maxval, maxindex);
}

/* A whole plane whose every window lies inside it (no padding reached, none clipped): eight
 * outputs at once in row-major output order, across rows; base[o] is output o's window origin
 * (oh·dH·inW + ow·dW). Returns how many outputs it did (a multiple of 8). */
static int64_t
max_pool_plane_avx2 (const PsPoolGeometry *g, const float *ip, const int32_t *base, int64_t n, float *out,
                     int64_t *idx)
{
  int64_t o = 0;
  for (; o + 8 <= n; o += 8)
    {
      const __m256i b = _mm256_loadu_si256 ((const __m256i *) (base + o));
      __m256 maxval = _mm256_set1_ps (-INFINITY);
      __m256i maxindex = b;
      for (int64_t kh = 0; kh < g->kH; kh++)
        for (int64_t kw = 0; kw < g->kW; kw++)
          {
            const __m256i index = _mm256_add_epi32 (b, _mm256_set1_epi32 ((int) (kh * g->dilH * g->inW + kw * g->dilW)));
            max_take_avx2 (ip, index, &maxval, &maxindex);
          }
      max_store_avx2 (out + o, idx != NULL ? idx + o : NULL, maxval, maxindex);
    }
  return o;
}
#pragma GCC pop_options
#endif

/* cpu_max_pool: out and idx are (planes, outH, outW) */
static void
max_pool_kernel (const PsPoolGeometry *g, const float *in, float *out, int64_t *idx)
{
  /* the outputs whose window lies inside the row: ow·dW − padW >= 0 and its last column < inW */
  int64_t lo = 0, hi = 0;
#ifdef PS_MAX_POOL_AVX2
  const int64_t span = (g->kW - 1) * g->dilW + 1;
  if ((ps_cpu_features () & PS_CPU_AVX2) && g->inH * g->inW <= G_MAXINT32 / 2
      && g->outW * g->dW + span + 8 * g->dW <= G_MAXINT32 / 2 && g->inW + g->padW >= span)
    {
      lo = MIN ((g->padW + g->dW - 1) / g->dW, g->outW);
      hi = MIN ((g->inW + g->padW - span) / g->dW + 1, g->outW);
      hi = MAX (hi, lo);
    }
  /* every window of the plane inside it: vectors run across output rows */
  const int64_t out_plane = g->outH * g->outW;
  g_autofree int32_t *base = NULL;
  if (hi > lo && g->padH == 0 && g->padW == 0 && (g->outH - 1) * g->dH + (g->kH - 1) * g->dilH + 1 <= g->inH
      && (g->outW - 1) * g->dW + span <= g->inW && out_plane >= 8)
    {
      base = g_new (int32_t, out_plane);
      for (int64_t oh = 0; oh < g->outH; oh++)
        for (int64_t ow = 0; ow < g->outW; ow++)
          base[oh * g->outW + ow] = (int32_t) (oh * g->dH * g->inW + ow * g->dW);
    }
#endif
  for (int64_t c = 0; c < g->planes; c++)
    {
#ifdef PS_MAX_POOL_AVX2
      if (base != NULL)
        {
          float *op = out + c * out_plane;
          int64_t *xp = idx != NULL ? idx + c * out_plane : NULL;
          const float *ip = in + c * g->inH * g->inW;
          int64_t o = max_pool_plane_avx2 (g, ip, base, out_plane, op, xp);
          for (; o < out_plane; o++)
            {
              const int64_t oh = o / g->outW, ow = o % g->outW;
              max_pool_one (g, ip, oh * g->dH, oh * g->dH + (g->kH - 1) * g->dilH + 1, ow, op + o, xp ? xp + o : NULL);
            }
          continue;
        }
#endif
      const float *ip = in + c * g->inH * g->inW;
      for (int64_t oh = 0; oh < g->outH; oh++)
        {
          int64_t ih0 = oh * g->dH - g->padH;
          const int64_t ih1 = MIN (ih0 + (g->kH - 1) * g->dilH + 1, g->inH);
          while (ih0 < 0)
            ih0 += g->dilH;
          const int64_t row = (c * g->outH + oh) * g->outW;
          float *orow = out + row;
          int64_t *irow = idx != NULL ? idx + row : NULL;
          int64_t ow = 0;
          for (; ow < lo; ow++)
            max_pool_one (g, ip, ih0, ih1, ow, orow + ow, irow ? irow + ow : NULL);
#ifdef PS_MAX_POOL_AVX2
          for (; ow + 8 <= hi; ow += 8)
            max_pool_eight_avx2 (g, ip, ih0, ih1, ow, orow + ow, irow ? irow + ow : NULL);
#endif
          for (; ow < g->outW; ow++)
            max_pool_one (g, ip, ih0, ih1, ow, orow + ow, irow ? irow + ow : NULL);
        }
    }
}

static PsTensor *
max_pool_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input, got %s",
                   self->klass->name, ps_dtype_name (input->dtype));
      return NULL;
    }
  PsPoolGeometry g;
  if (!geometry (self, input, &g, error))
    return NULL;
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, g.out_ndim, g.out_shape, error);
  if (y == NULL)
    return NULL;
  g_autoptr (PsTensor) idx = NULL;
  const gboolean with_indices = ps_args_get_bool (self->args, "return_indices");
  if (ps_tape_recording () || with_indices)
    {
      idx = ps_tensor_new_empty (PS_DTYPE_INT64, g.out_ndim, g.out_shape, error);
      if (idx == NULL)
        return NULL;
    }
  max_pool_kernel (&g, ps_tensor_cf32 (input), ps_tensor_f32 (y), idx != NULL ? ps_tensor_i64 (idx) : NULL);
  if (idx != NULL && ps_tape_recording ())
    ps_tape_save (idx);
  if (with_indices)
    y->tuple_next = g_steal_pointer (&idx);
  return g_steal_pointer (&y);
}

/* cpu_max_pool_backward */
static gboolean
max_pool_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                   PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  g_return_val_if_fail (entry->saved != NULL && entry->saved->numel == grad_output->numel, FALSE);
  PsPoolGeometry g;
  if (!geometry (self, entry->input, &g, error))
    return FALSE;
  const float *go;
  float *gid;
  PsTensor *gi = ps_pool_grad_input_new (entry->input, grad_output, &go, &gid, error);
  if (gi == NULL)
    return FALSE;
  const int64_t *ind = ps_tensor_ci64 (entry->saved);
  const int64_t out_plane = g.outH * g.outW, in_plane = g.inH * g.inW;
  for (int64_t c = 0; c < g.planes; c++)
    for (int64_t i = 0; i < out_plane; i++)
      {
        float *cell = gid + c * in_plane + ind[c * out_plane + i];
        *cell = *cell + go[c * out_plane + i];
      }
  *grad_input = gi;
  return TRUE;
}

static char *
max_pool_extra_repr (const PsModule *self)
{
  const PsValue *k = ps_args_lookup (self->args, "kernel_size"), *s = ps_args_lookup (self->args, "stride");
  g_autofree char *ks = ps_value_to_python (k);
  g_autofree char *ss = ps_value_to_python (s->type == PS_VALUE_NONE ? k : s);
  g_autofree char *ps = ps_value_to_python (ps_args_lookup (self->args, "padding"));
  g_autofree char *ds = ps_value_to_python (ps_args_lookup (self->args, "dilation"));
  g_autofree char *cm = ps_value_to_str (ps_args_lookup (self->args, "ceil_mode"));   /* as given: ceil_mode=2 */
  return g_strdup_printf ("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s", ks, ss, ps, ds, cm);
}

static void
max_pool_example_input (const PsModule *self, PsExampleInput *ex)
{
  int64_t k[8], d[8];
  const int nk = ps_pool_arg (self, "kernel_size", k), nd = ps_pool_arg (self, "dilation", d);
  int64_t span = 0;
  for (int i = 0; i < nk && nd > 0; i++)
    if (k[i] > 0 && k[i] < 64 && d[MIN (i, nd - 1)] > 0 && d[MIN (i, nd - 1)] < 64)
      span = MAX (span, (k[i] - 1) * d[MIN (i, nd - 1)] + 1);
  ps_pool_example_input (self->klass == &ps_max_pool1d_class ? 1 : 2, span, ex);
}

const PsModuleClass ps_max_pool1d_class = {
  .init_owner = "_MaxPoolNd",
  .name = "MaxPool1d",
  .args = max_pool_args,
  .construct = max_pool_construct,
  .forward = max_pool_forward,
  .extra_repr = max_pool_extra_repr,
  .example_input = max_pool_example_input,
  .backward = (gpointer) max_pool_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("max_pool1d", "input", 1),
};

const PsModuleClass ps_max_pool2d_class = {
  .init_owner = "_MaxPoolNd",
  .name = "MaxPool2d",
  .args = max_pool_args,
  .construct = max_pool_construct,
  .forward = max_pool_forward,
  .extra_repr = max_pool_extra_repr,
  .example_input = max_pool_example_input,
  .backward = (gpointer) max_pool_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("max_pool2d", "input", 1),
};
