/* ps-im2col.c — see ps-im2col.h. */
#include "ps-im2col.h"
#include "ps-reduce.h"
#include "ps-tensor.h"
#include "ps-ops.h"
#include "ps-threads.h"

#include <limits.h>
#include <string.h>

static int64_t
vol3 (const int64_t v[3])
{
  return v[0] * v[1] * v[2];
}

/* Range of output positions o in [0, n_out) whose input index o·stride + off lands in [0, n_in). */
static void
valid_range (int64_t n_out, int64_t n_in, int64_t stride, int64_t off, int64_t *lo, int64_t *hi)
{
  /* o·stride + off >= 0  ⇔  o >= ceil(-off / stride) */
  int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
  /* o·stride + off <= n_in - 1  ⇔  o <= floor((n_in - 1 - off) / stride) */
  int64_t b = n_in - 1 - off < 0 ? -1 : (n_in - 1 - off) / stride;
  *lo = MIN (a, n_out);
  *hi = MAX (*lo, MIN (b + 1, n_out));
}

static void
ps_vol2col (const float *im, const PsColGeometry *g, float *col)
{
  const int64_t kD = g->kernel[0], kH = g->kernel[1], kW = g->kernel[2];
  const int64_t iD = g->in[0], iH = g->in[1], iW = g->in[2];
  const int64_t oD = g->out[0], oH = g->out[1], oW = g->out[2];
  const int64_t rows = g->channels * kD * kH * kW;
  for (int64_t r = 0; r < rows; r++)
    {
      const int64_t kw = r % kW, kh = (r / kW) % kH, kd = (r / kW / kH) % kD, c = r / kW / kH / kD;
      const float *src = im + c * iD * iH * iW;
      float *dst = col + r * oD * oH * oW;
      const int64_t offw = kw * g->dilation[2] - g->pad[2];
      int64_t wlo, whi;
      valid_range (oW, iW, g->stride[2], offw, &wlo, &whi);
      for (int64_t od = 0; od < oD; od++)
        {
          const int64_t id = od * g->stride[0] - g->pad[0] + kd * g->dilation[0];
          for (int64_t oh = 0; oh < oH; oh++, dst += oW)
            {
              const int64_t ih = oh * g->stride[1] - g->pad[1] + kh * g->dilation[1];
              if (id < 0 || id >= iD || ih < 0 || ih >= iH)
                {
                  memset (dst, 0, (size_t) oW * sizeof (float));
                  continue;
                }
              const float *row = src + (id * iH + ih) * iW;
              if (wlo > 0)
                memset (dst, 0, (size_t) wlo * sizeof (float));
              if (g->stride[2] == 1)
                {
                  if (whi > wlo)
                    memcpy (dst + wlo, row + wlo + offw, (size_t) (whi - wlo) * sizeof (float));
                }
              else
                for (int64_t ow = wlo; ow < whi; ow++)
                  dst[ow] = row[ow * g->stride[2] + offw];
              if (whi < oW)
                memset (dst + whi, 0, (size_t) (oW - whi) * sizeof (float));
            }
        }
    }
}

static void
ps_col2vol (const float *col, const PsColGeometry *g, float *im)
{
  const int64_t kD = g->kernel[0], kH = g->kernel[1], kW = g->kernel[2];
  const int64_t iD = g->in[0], iH = g->in[1], iW = g->in[2];
  const int64_t oD = g->out[0], oH = g->out[1], oW = g->out[2];
  const int64_t rows = g->channels * kD * kH * kW;
  memset (im, 0, (size_t) (g->channels * iD * iH * iW) * sizeof (float));
  /* ATen's col2im/col2vol order: row (c, kd, kh, kw), then d, h, w — each += is one rounding, so
   * this order is what makes the sums bit-exact. */
  for (int64_t r = 0; r < rows; r++)
    {
      const int64_t kw = r % kW, kh = (r / kW) % kH, kd = (r / kW / kH) % kD, c = r / kW / kH / kD;
      float *dst = im + c * iD * iH * iW;
      const float *src = col + r * oD * oH * oW;
      const int64_t offw = kw * g->dilation[2] - g->pad[2];
      int64_t wlo, whi;
      valid_range (oW, iW, g->stride[2], offw, &wlo, &whi);
      for (int64_t od = 0; od < oD; od++)
        {
          const int64_t id = od * g->stride[0] - g->pad[0] + kd * g->dilation[0];
          for (int64_t oh = 0; oh < oH; oh++, src += oW)
            {
              const int64_t ih = oh * g->stride[1] - g->pad[1] + kh * g->dilation[1];
              if (id < 0 || id >= iD || ih < 0 || ih >= iH)
                continue;
              float *row = dst + (id * iH + ih) * iW;
              for (int64_t ow = wlo; ow < whi; ow++)
                row[ow * g->stride[2] + offw] += src[ow];
            }
        }
    }
}

gboolean
ps_conv_output_size (const PsConvShape *s, int64_t out[3], GError **error)
{
  for (int d = 0; d < 3; d++)
    {
      if (s->stride[d] <= 0 || s->dilation[d] <= 0 || s->kernel[d] < 0 || s->in[d] < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "non-positive stride or dilation");
          return FALSE;
        }
      /* every term overflow-checked: arguments come from users, sizes from tensors */
      int64_t dk, t, o;
      gboolean bad = __builtin_mul_overflow (s->dilation[d], s->kernel[d] > 0 ? s->kernel[d] - 1 : 0, &dk)
                     || __builtin_add_overflow (dk, (int64_t) 1, &dk);
      if (!bad && s->transposed)
        bad = __builtin_mul_overflow (s->in[d] > 0 ? s->in[d] - 1 : 0, s->stride[d], &t)
              || __builtin_sub_overflow (t, s->pad_lo[d], &o) || __builtin_sub_overflow (o, s->pad_hi[d], &o)
              || __builtin_add_overflow (o, dk, &o) || __builtin_add_overflow (o, s->output_padding[d], &o);
      else if (!bad)
        {
          bad = __builtin_add_overflow (s->in[d], s->pad_lo[d], &t) || __builtin_add_overflow (t, s->pad_hi[d], &t);
          o = bad || t < dk ? -1 : (t - dk) / s->stride[d] + 1;
        }
      if (bad)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "convolution size computation overflows");
          return FALSE;
        }
      /* a transposed convolution of an empty input has (in − 1) = −1 rows: keep torch's value */
      if (s->transposed && s->in[d] == 0)
        o -= s->stride[d];
      out[d] = o;
    }
  return TRUE;
}

gboolean
ps_conv_output_numel (const PsConvShape *s, int64_t *numel, GError **error)
{
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  int64_t shape[5] = { s->batch, s->out_channels, out[0], out[1], out[2] };
  return ps_shape_numel (5, shape, numel, error);
}

static gboolean
fits_int (int64_t v)
{
  return v >= 0 && v <= INT_MAX;
}

/* The column buffer of im2col / col2im: channels × kvol × vol floats, for GEMMs whose dimensions
 * (dims, n_dims of them) BLAS takes as int. NULL with an error when a size overflows or does not fit
 * an int (named_dims: the message names dims[0..2]), the scratch budget refuses it, or memory runs out.
 * *numel: the buffer's number of floats. */
static float *
alloc_columns (int64_t channels, int64_t kvol, int64_t vol, const int64_t *dims, int n_dims, gboolean named_dims,
               int64_t *numel, GError **error)
{
  int64_t col_n;
  int64_t col_shape[3] = { channels, kvol, vol };
  if (!ps_shape_numel (3, col_shape, &col_n, error))
    return NULL;
  *numel = col_n;
  gboolean fit = fits_int (col_n);
  for (int i = 0; i < n_dims; i++)
    fit = fit && fits_int (dims[i]);
  if (!fit)
    {
      if (named_dims)
        g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                     "convolution too large for a single BLAS call (%" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                     " × %" G_GINT64_FORMAT ")", dims[0], dims[1], dims[2]);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "convolution too large for a single BLAS call");
      return NULL;
    }
  if (!ps_tensor_check_scratch ((guint64) col_n * sizeof (float), "the convolution column buffer", error))
    return NULL;
  float *col = g_try_malloc (MAX (col_n, 1) * sizeof (float));
  if (col == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the convolution column buffer");
  return col;
}

gboolean
ps_conv_forward_gemm (const PsConvShape *s, const float *x, const float *w, const float *bias,
                      float *y, GError **error)
{
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in), ovol = vol3 (out);
  const int64_t m = s->transposed ? ivol : ovol;
  const int64_t n = s->transposed ? Og * kvol : Og;
  const int64_t k = s->transposed ? Cg : Cg * kvol;
  const int64_t dims[3] = { m, n, k };
  int64_t col_n;
  float *col = alloc_columns (s->transposed ? Og : Cg, kvol, s->transposed ? ivol : ovol, dims, 3, TRUE, &col_n,
                              error);
  if (col == NULL)
    return FALSE;

  PsColGeometry geo = { .channels = s->transposed ? Og : Cg };
  for (int d = 0; d < 3; d++)
    {
      geo.in[d] = s->transposed ? out[d] : s->in[d];
      geo.out[d] = s->transposed ? s->in[d] : out[d];
      geo.kernel[d] = s->kernel[d];
      geo.pad[d] = s->pad_lo[d];
      geo.stride[d] = s->stride[d];
      geo.dilation[d] = s->dilation[d];
    }

  gboolean identity_cols = !s->transposed && kvol == 1;
  for (int d = 0; d < 3; d++)
    identity_cols &= s->stride[d] == 1 && s->pad_lo[d] == 0 && s->pad_hi[d] == 0;

  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t g = 0; g < G; g++)
      {
        const float *xg = x + (b * s->in_channels + g * Cg) * ivol;
        float *yg = y + (b * s->out_channels + g * Og) * ovol;
        if (!s->transposed)
          {
            const float *wg = w + g * Og * Cg * kvol;
            if (bias != NULL)
              for (int64_t o = 0; o < Og; o++)
                for (int64_t i = 0; i < ovol; i++)
                  yg[o * ovol + i] = bias[g * Og + o];
            else
              memset (yg, 0, (size_t) (Og * ovol) * sizeof (float));
            if (m == 0 || n == 0 || k == 0)
              continue;
            /* a 1×1×1 kernel with stride 1 and no padding: the columns are the input itself */
            const float *cols = col;
            if (identity_cols)
              cols = xg;
            else
              ps_vol2col (xg, &geo, col);
            /* row-major (Og × ovol) = w_g (Og × k) · col (k × ovol): OpenBLAS turns this into
             * exactly ATen's column-major sgemm_('N','N', ovol, Og, k, …) */
            ps_ops_sgemm (false, false, n, m, k, 1.0f, wg, k, cols, m, bias != NULL ? 1.0f : 0.0f, yg, m);
          }
        else
          {
            const float *wg = w + g * Cg * Og * kvol;
            /* row-major col (Og·kvol × ivol) = w_gᵀ · x_g: ATen's sgemm_('N','T', ivol, Og·kvol, Cg, …) */
            if (m == 0 || n == 0 || k == 0)
              memset (col, 0, (size_t) col_n * sizeof (float));
            else
              ps_ops_sgemm (true, false, n, m, k, 1.0f, wg, n, xg, m, 0.0f, col, m);
            ps_col2vol (col, &geo, yg);
            if (bias != NULL)
              for (int64_t o = 0; o < Og; o++)
                for (int64_t i = 0; i < ovol; i++)
                  yg[o * ovol + i] += bias[g * Og + o];
          }
      }
  g_free (col);
  return TRUE;
}

static gint mkldnn_disabled;   /* torch.backends.mkldnn.enabled = not this */

void
ps_conv_set_mkldnn_enabled (gboolean enabled)
{
  g_atomic_int_set (&mkldnn_disabled, !enabled);
}

static gboolean
ps_conv_get_mkldnn_enabled (void)
{
  return !g_atomic_int_get (&mkldnn_disabled);
}

const char *
ps_conv_torch_backend (const PsConvShape *s, int nd, int torch_threads)
{
  gboolean strided = FALSE, dilated = FALSE;
  for (int d = 3 - nd; d < 3; d++)
    {
      strided |= s->stride[d] != 1;
      dilated |= s->dilation[d] != 1;
    }
  /* ConvParams::use_mkldnn (1.13): float CPU, not transposed; the weight's last two dims are those
   * of the 2-D view (a 1-D weight (O, C, k) is viewed as (O, C, 1, k)); the size product is over
   * the first four input dims. */
  const int64_t kw = s->kernel[2];
  const int64_t kh = nd == 1 ? 1 : s->kernel[1];
  /* with padding='same' and an even kernel torch first pads the input explicitly by pad_hi − pad_lo */
  int64_t in[3];
  for (int d = 0; d < 3; d++)
    in[d] = s->in[d] + (s->transposed ? 0 : MAX (s->pad_hi[d] - s->pad_lo[d], 0));
  const int64_t d2 = nd == 3 ? in[0] : (nd == 2 ? in[1] : 1);
  const int64_t d3 = nd == 1 ? in[2] : (nd == 2 ? in[2] : in[1]);
  const double prod = (double) s->batch * (double) s->in_channels * (double) d2 * (double) d3;
  const gboolean mkldnn = ps_conv_get_mkldnn_enabled () && !s->transposed
    && (strided || dilated || s->batch >= 16 || kw != 1 || kh != 1 || torch_threads > 1)
    && (s->groups > 1 || (kw > 3 && kh > 3) || s->batch > 1 || prod > 20480.0);
  if (mkldnn)
    return "Mkldnn";
  if (nd == 3)
    return s->transposed ? "SlowTranspose3d" : dilated ? "SlowDilated3d" : "Slow3d";
  return s->transposed ? "SlowTranspose2d" : dilated ? "SlowDilated2d" : "Slow2d";
}

void
ps_conv_forward_naive (const PsConvShape *s, const float *x, const float *w, const float *bias,
                       float *y)
{
  int64_t out[3];
  if (!ps_conv_output_size (s, out, NULL))
    g_return_if_reached ();
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in), ovol = vol3 (out);
  const int64_t *st = s->stride, *dl = s->dilation, *pd = s->pad_lo, *kk = s->kernel;

  if (!s->transposed)
    {
      for (int64_t b = 0; b < s->batch; b++)
        for (int64_t o = 0; o < s->out_channels; o++)
          for (int64_t od = 0; od < out[0]; od++)
            for (int64_t oh = 0; oh < out[1]; oh++)
              for (int64_t ow = 0; ow < out[2]; ow++)
                {
                  const int64_t g = o / Og;
                  double acc = bias ? bias[o] : 0.0;
                  for (int64_t c = 0; c < Cg; c++)
                    for (int64_t a = 0; a < kk[0]; a++)
                      for (int64_t e = 0; e < kk[1]; e++)
                        for (int64_t f = 0; f < kk[2]; f++)
                          {
                            const int64_t id = od * st[0] - pd[0] + a * dl[0];
                            const int64_t ih = oh * st[1] - pd[1] + e * dl[1];
                            const int64_t iw = ow * st[2] - pd[2] + f * dl[2];
                            if (id < 0 || id >= s->in[0] || ih < 0 || ih >= s->in[1] || iw < 0 || iw >= s->in[2])
                              continue;
                            const double xv = x[((b * s->in_channels + g * Cg + c) * s->in[0] + id) * s->in[1] * s->in[2]
                                                + ih * s->in[2] + iw];
                            const double wv = w[((o * Cg + c) * kk[0] + a) * kk[1] * kk[2] + e * kk[2] + f];
                            acc += xv * wv;
                          }
                  y[((b * s->out_channels + o) * out[0] + od) * out[1] * out[2] + oh * out[2] + ow] = (float) acc;
                }
      return;
    }

  /* transposed: scatter every input element through the kernel */
  double *acc = g_new0 (double, MAX (s->out_channels * ovol, 1));
  for (int64_t b = 0; b < s->batch; b++)
    {
      for (int64_t o = 0; o < s->out_channels; o++)
        for (int64_t i = 0; i < ovol; i++)
          acc[o * ovol + i] = bias ? bias[o] : 0.0;
      for (int64_t c = 0; c < s->in_channels; c++)
        {
          const int64_t g = c / Cg;
          for (int64_t id = 0; id < s->in[0]; id++)
            for (int64_t ih = 0; ih < s->in[1]; ih++)
              for (int64_t iw = 0; iw < s->in[2]; iw++)
                {
                  const double xv = x[(b * s->in_channels + c) * ivol + (id * s->in[1] + ih) * s->in[2] + iw];
                  for (int64_t oo = 0; oo < Og; oo++)
                    for (int64_t a = 0; a < kk[0]; a++)
                      for (int64_t e = 0; e < kk[1]; e++)
                        for (int64_t f = 0; f < kk[2]; f++)
                          {
                            const int64_t od = id * st[0] - pd[0] + a * dl[0];
                            const int64_t oh = ih * st[1] - pd[1] + e * dl[1];
                            const int64_t ow = iw * st[2] - pd[2] + f * dl[2];
                            if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2])
                              continue;
                            const double wv = w[(c * Og + oo) * kvol + (a * kk[1] + e) * kk[2] + f];
                            acc[(g * Og + oo) * ovol + (od * out[1] + oh) * out[2] + ow] += xv * wv;
                          }
                }
        }
      for (int64_t i = 0; i < s->out_channels * ovol; i++)
        y[b * s->out_channels * ovol + i] = (float) acc[i];
    }
  g_free (acc);
}

/* ---------- backward (Slow2d) ---------- */

gboolean
ps_conv_backward_gemm (const PsConvShape *s, const float *x, const float *w, const float *gy,
                       float *gx, float *gw, float *gb, GError **error)
{
  g_return_val_if_fail (!s->transposed, FALSE);
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in), ovol = vol3 (out);
  const int64_t ckk = Cg * kvol;
  const int64_t dims[3] = { ovol, ckk, Og };
  int64_t col_n;
  float *col = alloc_columns (Cg, kvol, ovol, dims, 3, FALSE, &col_n, error);
  if (col == NULL)
    return FALSE;
  PsColGeometry geo = { .channels = Cg };
  gboolean identity_cols = kvol == 1;
  for (int d = 0; d < 3; d++)
    {
      geo.in[d] = s->in[d];
      geo.out[d] = out[d];
      geo.kernel[d] = s->kernel[d];
      geo.pad[d] = s->pad_lo[d];
      geo.stride[d] = s->stride[d];
      geo.dilation[d] = s->dilation[d];
      identity_cols &= s->stride[d] == 1 && s->pad_lo[d] == 0 && s->pad_hi[d] == 0;
    }
  if (gw != NULL)
    memset (gw, 0, (size_t) (s->out_channels * ckk) * sizeof (float));
  if (gb != NULL)
    memset (gb, 0, (size_t) s->out_channels * sizeof (float));
  const int V = ps_threads_aten_lanes ();

  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t g = 0; g < G; g++)
      {
        const float *xg = x + (b * s->in_channels + g * Cg) * ivol;
        const float *gyg = gy + (b * s->out_channels + g * Og) * ovol;
        const float *wg = w + g * Og * ckk;
        if (gx != NULL)
          {
            float *gxg = gx + (b * s->in_channels + g * Cg) * ivol;
            /* row-major col (CKK × oHW) = W_gᵀ · gy_n: OpenBLAS receives sgemm_('N','T', oHW, CKK, O, …);
             * then the zero-filled accumulation, also for 1×1 kernels (it turns −0 into +0) */
            ps_ops_sgemm (true, false, ckk, ovol, Og, 1.0f, wg, ckk, gyg, ovol, 0.0f, col, ovol);
            ps_col2vol (col, &geo, gxg);
          }
        if (gw != NULL && ovol > 0)
          {
            const float *cols = xg;
            if (!identity_cols)
              {
                ps_vol2col (xg, &geo, col);
                cols = col;
              }
            /* row-major gW_g (O × CKK) += gy_n · colᵀ: OpenBLAS receives sgemm_('T','N', CKK, O, oHW, …, 1, gW, CKK) */
            ps_ops_sgemm (false, true, Og, ckk, ovol, 1.0f, gyg, ovol, cols, ovol, 1.0f, gw + g * Og * ckk, ckk);
          }
        if (gb != NULL && Og > 1)
          for (int64_t o = 0; o < Og; o++)
            gb[g * Og + o] += ps_reduce_sum_lanes (gyg + o * ovol, ovol, V);
      }
  /* One output channel per group: torch sums the group's contiguous (N, 1, out…) gradient, whose
   * reduced dims coalesce into one row of N·out values. */
  if (gb != NULL && Og == 1 && s->batch > 0)
    {
      float *row = g_try_malloc (MAX (s->batch * ovol, 1) * sizeof (float));
      if (row == NULL)
        {
          g_free (col);
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the convolution's grad_bias");
          return FALSE;
        }
      for (int64_t g = 0; g < G; g++)
        {
          for (int64_t b = 0; b < s->batch; b++)
            memcpy (row + b * ovol, gy + (b * s->out_channels + g) * ovol, (size_t) ovol * sizeof (float));
          gb[g] = 0.0f + ps_reduce_sum_lanes (row, s->batch * ovol, V);
        }
      g_free (row);
    }
  g_free (col);
  return TRUE;
}

void
ps_conv_backward_naive (const PsConvShape *s, const float *x, const float *w, const float *gy,
                        float *gx, float *gw, float *gb)
{
  int64_t out[3];
  if (!ps_conv_output_size (s, out, NULL))
    g_return_if_reached ();
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in);
  const int64_t *st = s->stride, *dl = s->dilation, *pd = s->pad_lo, *kk = s->kernel;
  double *ax = gx ? g_new0 (double, MAX (s->batch * s->in_channels * ivol, 1)) : NULL;
  double *aw = gw ? g_new0 (double, MAX (s->out_channels * Cg * kvol, 1)) : NULL;
  double *ab = gb ? g_new0 (double, MAX (s->out_channels, 1)) : NULL;
  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t o = 0; o < s->out_channels; o++)
      for (int64_t od = 0; od < out[0]; od++)
        for (int64_t oh = 0; oh < out[1]; oh++)
          for (int64_t ow = 0; ow < out[2]; ow++)
            {
              const int64_t g = o / Og;
              const double gv = gy[((b * s->out_channels + o) * out[0] + od) * out[1] * out[2] + oh * out[2] + ow];
              if (ab)
                ab[o] += gv;
              for (int64_t c = 0; c < Cg; c++)
                for (int64_t a = 0; a < kk[0]; a++)
                  for (int64_t e = 0; e < kk[1]; e++)
                    for (int64_t f = 0; f < kk[2]; f++)
                      {
                        const int64_t id = od * st[0] - pd[0] + a * dl[0];
                        const int64_t ih = oh * st[1] - pd[1] + e * dl[1];
                        const int64_t iw = ow * st[2] - pd[2] + f * dl[2];
                        if (id < 0 || id >= s->in[0] || ih < 0 || ih >= s->in[1] || iw < 0 || iw >= s->in[2])
                          continue;
                        const int64_t xi = ((b * s->in_channels + g * Cg + c) * s->in[0] + id) * s->in[1] * s->in[2]
                                           + ih * s->in[2] + iw;
                        const int64_t wi = ((o * Cg + c) * kk[0] + a) * kk[1] * kk[2] + e * kk[2] + f;
                        if (ax)
                          ax[xi] += gv * w[wi];
                        if (aw)
                          aw[wi] += gv * x[xi];
                      }
            }
  for (int64_t i = 0; gx && i < s->batch * s->in_channels * ivol; i++)
    gx[i] = (float) ax[i];
  for (int64_t i = 0; gw && i < s->out_channels * Cg * kvol; i++)
    gw[i] = (float) aw[i];
  for (int64_t i = 0; gb && i < s->out_channels; i++)
    gb[i] = (float) ab[i];
  g_free (ax);
  g_free (aw);
  g_free (ab);
}

/* ---------- backward of a transposed convolution (SlowTranspose2d / SlowTranspose3d) ----------
 * slow_conv_transpose2d's backward (NaiveConvolutionTranspose2d.cpp), per group as
 * _convolution_backward_nogroup_backend runs it, per batch element:
 *   cols = im2col(gy_n) — gy seen through the convolution that maps x's size to gy's;
 *   grad_input_n (C × in) = W (C × O·K) · cols      sgemm_('N','N', in, C, O·K, 1, cols, in, W, O·K, 0, …)
 *   grad_weight (C × O·K) += x_n (C × in) · colsᵀ    sgemm_('T','N', O·K, C, in, 1, cols, in, x_n, in, 1, …)
 *   grad_bias += gy_n.view(O, −1).sum(1)             (from zeros, batch by batch). */
gboolean
ps_conv_transpose_backward_gemm (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                 float *gx, float *gw, float *gb, GError **error)
{
  g_return_val_if_fail (s->transposed, FALSE);
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in), ovol = vol3 (out);
  const int64_t okk = Og * kvol;
  const int64_t dims[3] = { ivol, okk, Cg };
  int64_t col_n;
  g_autofree float *col = alloc_columns (Og, kvol, ivol, dims, 3, FALSE, &col_n, error);
  if (col == NULL)
    return FALSE;
  PsColGeometry geo = { .channels = Og };
  for (int d = 0; d < 3; d++)
    {
      geo.in[d] = out[d];
      geo.out[d] = s->in[d];
      geo.kernel[d] = s->kernel[d];
      geo.pad[d] = s->pad_lo[d];
      geo.stride[d] = s->stride[d];
      geo.dilation[d] = s->dilation[d];
    }
  if (gw != NULL)
    memset (gw, 0, (size_t) (s->in_channels * okk) * sizeof (float));
  if (gb != NULL)
    memset (gb, 0, (size_t) s->out_channels * sizeof (float));
  const int V = ps_threads_aten_lanes ();
  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t g = 0; g < G; g++)
      {
        const float *xg = x + (b * s->in_channels + g * Cg) * ivol;
        const float *gyg = gy + (b * s->out_channels + g * Og) * ovol;
        const float *wg = w + g * Cg * okk;
        if ((gx != NULL || gw != NULL) && col_n > 0)
          ps_vol2col (gyg, &geo, col);
        if (gx != NULL)
          {
            float *gxg = gx + (b * s->in_channels + g * Cg) * ivol;
            if (okk == 0)
              memset (gxg, 0, (size_t) (Cg * ivol) * sizeof (float));
            else
              ps_ops_sgemm (false, false, Cg, ivol, okk, 1.0f, wg, okk, col, ivol, 0.0f, gxg, ivol);
          }
        if (gw != NULL && ivol > 0)
          ps_ops_sgemm (false, true, Cg, okk, ivol, 1.0f, xg, ivol, col, ivol, 1.0f, gw + g * Cg * okk, okk);
        if (gb != NULL)
          for (int64_t o = 0; o < Og; o++)
            gb[g * Og + o] = gb[g * Og + o] + ps_reduce_sum_lanes (gyg + o * ovol, ovol, V);
      }
  return TRUE;
}

/* The naive reference of ps_conv_transpose_backward_gemm: the scatter of ps_conv_forward_naive's
 * transposed branch, differentiated, in double. */
void
ps_conv_transpose_backward_naive (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                  float *gx, float *gw, float *gb)
{
  int64_t out[3];
  if (!s->transposed || !ps_conv_output_size (s, out, NULL))
    g_return_if_reached ();
  const int64_t G = s->groups;
  const int64_t Cg = s->in_channels / G, Og = s->out_channels / G;
  const int64_t kvol = vol3 (s->kernel), ivol = vol3 (s->in), ovol = vol3 (out);
  const int64_t *st = s->stride, *dl = s->dilation, *pd = s->pad_lo, *kk = s->kernel;
  const int64_t nx = s->batch * s->in_channels * ivol, nw = s->in_channels * Og * kvol;
  double *ax = g_new0 (double, MAX (nx, 1)), *aw = g_new0 (double, MAX (nw, 1));
  double *ab = g_new0 (double, MAX (s->out_channels, 1));
  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t c = 0; c < s->in_channels; c++)
      for (int64_t id = 0; id < s->in[0]; id++)
        for (int64_t ih = 0; ih < s->in[1]; ih++)
          for (int64_t iw = 0; iw < s->in[2]; iw++)
            {
              const int64_t xi = (b * s->in_channels + c) * ivol + (id * s->in[1] + ih) * s->in[2] + iw;
              const int64_t g = c / Cg;
              for (int64_t oo = 0; oo < Og; oo++)
                for (int64_t a = 0; a < kk[0]; a++)
                  for (int64_t e = 0; e < kk[1]; e++)
                    for (int64_t f = 0; f < kk[2]; f++)
                      {
                        const int64_t od = id * st[0] - pd[0] + a * dl[0];
                        const int64_t oh = ih * st[1] - pd[1] + e * dl[1];
                        const int64_t ow = iw * st[2] - pd[2] + f * dl[2];
                        if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2])
                          continue;
                        const int64_t wi = (c * Og + oo) * kvol + (a * kk[1] + e) * kk[2] + f;
                        const double g_y = gy[(b * s->out_channels + g * Og + oo) * ovol + (od * out[1] + oh) * out[2] + ow];
                        ax[xi] += g_y * w[wi];
                        aw[wi] += g_y * x[xi];
                      }
            }
  for (int64_t b = 0; b < s->batch; b++)
    for (int64_t o = 0; o < s->out_channels; o++)
      for (int64_t i = 0; i < ovol; i++)
        ab[o] += gy[(b * s->out_channels + o) * ovol + i];
  for (int64_t i = 0; gx && i < nx; i++)
    gx[i] = (float) ax[i];
  for (int64_t i = 0; gw && i < nw; i++)
    gw[i] = (float) aw[i];
  for (int64_t i = 0; gb && i < s->out_channels; i++)
    gb[i] = (float) ab[i];
  g_free (ax);
  g_free (aw);
  g_free (ab);
}
