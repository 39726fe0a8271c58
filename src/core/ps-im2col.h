/* ps-im2col.h — the convolution engine behind Conv{1,2,3}d and ConvTranspose{1,2,3}d.
 *
 * Everything is done in 3-D: a 1-D convolution is a 3-D one with depth = height = 1 and a 2-D one
 * has depth 1. The column layouts then coincide with ATen's im2col (2-D) and vol2col (3-D), and
 * every copy and every accumulation happens in ATen's order, so results equal torch's Slow2d /
 * Slow3d / SlowDilated / SlowTranspose backends bit for bit when the same OpenBLAS runs:
 *
 *   conv:       y[n] = bias (pre-filled); per sample and group g:
 *               col = vol2col(x[n, g]) — (Cg·kD·kH·kW) rows × (oD·oH·oW) columns, row-major;
 *               sgemm_('N','N', oD·oH·oW, Og, Cg·kvol, 1, col, oD·oH·oW, w_g, Cg·kvol,
 *                      beta = bias ? 1 : 0, y_g, oD·oH·oW)           (column-major, as ATen calls it)
 *   transposed: per sample and group: col = sgemm_('N','T', iD·iH·iW, Og·kvol, Cg, 1, x_g, iD·iH·iW,
 *                      w_g, Og·kvol, 0, col, iD·iH·iW); y_g = col2vol(col) (zero fill, then +=
 *                      in (c, kd, kh, kw, d, h, w) order); then y += bias per channel.
 *
 * Tensors are contiguous row-major float32:
 *   conv x (N, C, iD, iH, iW), weight (O, C/groups, kD, kH, kW), y (N, O, oD, oH, oW);
 *   transposed x (N, C, iD, iH, iW), weight (C, O/groups, kD, kH, kW), y (N, O, oD, oH, oW).
 * The BLAS calls go through ps_ops_sgemm (row-major, so OpenBLAS receives exactly the calls above;
 * thread count pinned as for Linear). A 1×1×1 kernel with stride 1 and no padding uses the input
 * as its columns (same values, no copy). The per-sample gemm shape matters: splitting it (tiling
 * the spatial dim) changes OpenBLAS's results, so it is kept whole.
 * A naive direct kernel (double accumulation) is the reference the tests compare against. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-error.h"

G_BEGIN_DECLS

/* One image ↔ columns mapping. in: the image's spatial size; out: the column grid. */
typedef struct {
  int64_t channels;
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t pad[3];       /* low-side padding; any high-side padding only shows in `out` */
  int64_t stride[3];
  int64_t dilation[3];
} PsColGeometry;


typedef struct {
  gboolean transposed;
  int64_t batch;
  int64_t in_channels;
  int64_t out_channels;
  int64_t groups;
  int64_t in[3];             /* input spatial size (D, H, W); unused leading dims are 1 */
  int64_t kernel[3];
  int64_t stride[3];
  int64_t pad_lo[3];
  int64_t pad_hi[3];         /* = pad_lo except for padding='same' with an odd total; conv only */
  int64_t dilation[3];
  int64_t output_padding[3]; /* transposed only */
} PsConvShape;

/* Output spatial size; FALSE with torch's message when the (padded) input is smaller than the
 * dilated kernel or a size is not positive. */
gboolean  ps_conv_output_size   (const PsConvShape *s, int64_t out[3], GError **error);
/* Output (N, O, oD, oH, oW) element count, overflow-checked. */
gboolean  ps_conv_output_numel  (const PsConvShape *s, int64_t *numel, GError **error);

/* Which backend torch 1.13's CPU _select_conv_backend picks for a float32 convolution of this
 * shape (contiguous input, oneDNN enabled, no NNPACK/XNNPACK — the Debian build), with
 * `torch_threads` = torch.get_num_threads(): "Slow2d", "SlowDilated2d", "SlowTranspose2d",
 * "Slow3d", "SlowDilated3d", "SlowTranspose3d" (im2col + OpenBLAS here) or "Mkldnn" (oneDNN,
 * ps-onednn.h). A 1-D convolution is selected as its 2-D view; an asymmetric padding
 * (padding='same', even kernel) as the explicitly padded input torch selects with. */
const char *ps_conv_torch_backend  (const PsConvShape *s, int nd, int torch_threads);
/* torch.backends.mkldnn.enabled (TRUE by default): FALSE sends every convolution to the Slow
 * backends, as torch.backends.mkldnn.flags(enabled=False) does. Process-wide. */
void      ps_conv_set_mkldnn_enabled (gboolean enabled);
/* y must hold ps_conv_output_numel floats. bias may be NULL. The fast path may fail only to
 * allocate its column buffer. */
gboolean  ps_conv_forward_gemm  (const PsConvShape *s, const float *x, const float *w, const float *bias,
                                 float *y, GError **error);
/* Reference: direct loops, double accumulation (not bit-exact with torch). */
void      ps_conv_forward_naive (const PsConvShape *s, const float *x, const float *w, const float *bias,
                                 float *y);

/* Backward of a (non-transposed) convolution as torch 1.13's slow_conv2d_backward computes it
 * (TRAINING-PARITY.md, Slow2d: verified bit-exact there), per group:
 *   grad_input, per sample: col = sgemm_('N','T', oHW, CKK, O, 1, gy_n, oHW, W, CKK, 0, col, oHW),
 *               then col2vol (ATen's unfolded2d_acc order);
 *   grad_weight: zero, then per sample sgemm_('T','N', CKK, O, oHW, 1, col_n, oHW, gy_n, oHW, 1, gW, CKK);
 *   grad_bias:   per sample, per channel gb[o] += sum(gy[n, o]) (ATen's inner-row cascade sum, 8 lanes);
 *                with one output channel per group, one sum over the group's N·out values (torch's
 *                per-group slices are contiguous, so the reduced dims coalesce).
 * x (N, C, in…), w (O, C/G, k…), gy (N, O, out…); gx, gw, gb may each be NULL (not wanted).
 * Dilated and 3-D variants use the same calls (not verified against torch separately). */
gboolean  ps_conv_backward_gemm (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                 float *gx, float *gw, float *gb, GError **error);
/* The backward of a transposed convolution as ATen's SlowTranspose2d/3d runs it (same arguments). */
gboolean  ps_conv_transpose_backward_gemm (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                           float *gx, float *gw, float *gb, GError **error);
void      ps_conv_transpose_backward_naive (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                            float *gx, float *gw, float *gb);
/* Reference: direct loops, double accumulation. Same contract (non-transposed). */
void      ps_conv_backward_naive (const PsConvShape *s, const float *x, const float *w, const float *gy,
                                  float *gx, float *gw, float *gb);

G_END_DECLS
