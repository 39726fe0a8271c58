/* ps-onednn.h — the oneDNN primitives torch 1.13 runs on the CPU, set up exactly as torch/ideep
 * sets them up, through the same system libdnnl.so.2 Debian's torch links (ONEDNN-PARITY.md).
 *
 * Convolution (torch's "Mkldnn" backend; ps_conv_torch_backend decides when):
 *   - every primitive descriptor with format `any` for all tensors, prop_kind forward_training
 *     (also for inference), algorithm convolution_direct, padding_l = padding_r = pad_lo,
 *     oneDNN dilation = torch dilation − 1, attr scratchpad_mode = user;
 *   - user tensors plain: x/y (N, C, H, W) or (N, C, D, H, W); weight (O, C/G, k…), viewed as
 *     (G, O/G, C/G, k…) when grouped (same bytes); bias (O). A 1-D convolution runs as 2-D with
 *     height 1;
 *   - reorders between user and chosen layouts with attr scratchpad = user, in ideep's order;
 *   - backward_data takes the hint fwd pd (no bias, default attr); backward_weights the hint with
 *     bias `any` when grad_bias is wanted; grad_weight and grad_bias come from one primitive;
 *   - the calling thread's OpenMP count is set to ps_threads_intra_op() first (oneDNN sizes its
 *     kernels from it; grad_weight/grad_bias depend on it).
 * GELU(approximate='none'): eltwise_gelu_erf forward_training on the plain md, forward and
 * backward (hint = forward pd with default attr).
 *
 * Results are torch's bit for bit when torch runs the same libdnnl with the same ISA cap
 * (ONEDNN_MAX_CPU_ISA) and thread count; they differ between ISAs, so naive references live in
 * ps-im2col.h (convolution) and the tests. Shapes use PsConvShape (ps-im2col.h); the pads must be
 * symmetric (pad_lo == pad_hi: torch pads 'same' asymmetry explicitly first). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-im2col.h"

G_BEGIN_DECLS

/* y (N, O, out…) = conv(x, w) + bias. bias may be NULL. nd = 1, 2 or 3. */
gboolean  ps_onednn_conv_forward          (const PsConvShape *s, int nd, const float *x, const float *w,
                                           const float *bias, float *y, GError **error);
/* grad_input (N, C, in…) from grad_output gy (N, O, out…). */
gboolean  ps_onednn_conv_backward_data    (const PsConvShape *s, int nd, const float *gy, const float *w,
                                           float *gx, GError **error);
/* grad_weight (w's shape) and, if gb is not NULL, grad_bias (O) from x and gy, one primitive. */
gboolean  ps_onednn_conv_backward_weights (const PsConvShape *s, int nd, const float *x, const float *gy,
                                           float *gw, float *gb, GError **error);

/* GELU(approximate='none') of a contiguous tensor of `ndim` dims (1..12), as torch does for
 * numel > 1. */
gboolean  ps_onednn_gelu_forward          (int ndim, const int64_t *shape, const float *x, float *y,
                                           GError **error);
/* grad_input = GELU'(x)·gy. */
gboolean  ps_onednn_gelu_backward         (int ndim, const int64_t *shape, const float *gy, const float *x,
                                           float *gx, GError **error);

/* "2.6.3 (N/A)" */
char     *ps_onednn_version               (void);
/* The ISA oneDNN dispatches to, e.g. "AVX2" or "AVX512_CORE_BF16" (after ONEDNN_MAX_CPU_ISA). */
const char *ps_onednn_isa                 (void);

G_END_DECLS
