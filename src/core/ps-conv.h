/* ps-conv.h — what the convolution modules (ps-conv.c) expose beyond their PsModuleClass. */
#pragma once

#include "ps-module.h"
#include "ps-im2col.h"

G_BEGIN_DECLS

/* The backend torch 1.13 would run for `m(input)` on the CPU (see ps_conv_torch_backend in
 * ps-im2col.h): "Slow2d", "SlowDilated2d", "SlowTranspose2d", "Slow3d", "SlowDilated3d",
 * "SlowTranspose3d" (im2col + OpenBLAS) or "Mkldnn" (oneDNN through libdnnl).
 * torch_threads is torch.get_num_threads() of the torch being compared with. NULL with torch's
 * error when the forward itself would fail (or m is not a materialized convolution). */
const char *ps_conv_module_torch_backend (PsModule *m, const PsTensor *input, int torch_threads, GError **error);

/* The convolution engine as torch 1.13 runs it on the CPU. The backend is ps_conv_torch_backend
 * (s, nd, ps_threads_intra_op ()): "Mkldnn" runs oneDNN exactly as torch/ideep sets it up
 * (ps-onednn.h), every other backend im2col + OpenBLAS (ps-im2col.h). An asymmetric padding
 * (pad_hi > pad_lo: padding='same' with an even kernel) is applied as torch applies it: the input
 * zero-padded by the difference, then a symmetric convolution. Tensors are contiguous float32:
 * x (N, C, in…), w (O, C/G, k…) or (C, O/G, k…) when transposed, y (N, O, out…); nd = 1, 2, 3. */
const char *ps_conv_backend  (const PsConvShape *s, int nd);
gboolean  ps_conv_forward    (const PsConvShape *s, int nd, const float *x, const float *w, const float *bias,
                              float *y, GError **error);
/* grad_input gx (x's shape), grad_weight gw (w's shape), grad_bias gb (O) from gy (y's shape);
 * each output may be NULL when not wanted. Torch's order: grad_input, then grad_weight and
 * grad_bias (one oneDNN primitive). Non-transposed convolutions only (PS_ERROR_NOT_IMPLEMENTED
 * otherwise). Bit-exact with torch under the same conditions as the forward (ONEDNN-PARITY.md). */
gboolean  ps_conv_backward   (const PsConvShape *s, int nd, const float *x, const float *w, const float *gy,
                              float *gx, float *gw, float *gb, GError **error);

G_END_DECLS
