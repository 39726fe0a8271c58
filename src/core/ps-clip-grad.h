/* ps-clip-grad.h — torch.nn.utils.clip_grad_norm_ (1.13, norm_type 2, foreach-free). */
#pragma once

#include <glib.h>
#include "ps-generator.h"   /* PsFlavour */
#include "ps-module.h"

G_BEGIN_DECLS

/* The 2-norm of one contiguous float tensor as ATen 1.13's norm kernel computes it on the
 * reduce-lastdim fast path (see ps-clip-grad.c): `lanes` (8, or 16 at the AVX512 capability) lane
 * accumulators, fused multiply-adds unless `fused` is FALSE (ATEN_CPU_CAPABILITY=default), lanes
 * folded left to right, the tail as GCC 12 vectorized it in torch's build. */
float     ps_grad_norm2_lanes   (const float *x, int64_t n, int lanes, gboolean fused);
/* ps_grad_norm2_lanes at this process's ATen capability (ps_threads_aten_lanes) and flavour. */
float     ps_grad_norm2_flavour (const float *x, int64_t n, PsFlavour flavour);
/* clip_grad_norm_(root.parameters(), max_norm): total = norm(stack([norm(g) for g])),
 * coef = min((1/(total + 1e-6))·max_norm, 1), every .grad ← .grad·coef (new tensors). Params
 * without .grad are skipped. Returns the total norm in *total (NAN-free inputs assumed as torch). */
gboolean  ps_clip_grad_norm_full (PsModule *root, double max_norm, PsFlavour flavour, float *total,
                                  GError **error);
/* The total of clip_grad_norm_ without clipping: norm(stack([norm(g) for g])) over the .grads. */
float     ps_grad_total_norm    (PsModule *root, PsFlavour flavour);

G_END_DECLS
