/* ps-clip-grad.h — torch.nn.utils.clip_grad_norm_ (1.13, norm_type 2, foreach-free). */
#pragma once

#include <glib.h>
#include "ps-module.h"

G_BEGIN_DECLS

/* The 2-norm of one tensor as ATen's norm kernel computes it on the reduce-lastdim fast path:
 * 8 fused lane accumulators over whole vectors, lanes folded left to right, tail fused, sqrt. */
float     ps_grad_norm2         (const float *x, int64_t n);
/* clip_grad_norm_(root.parameters(), max_norm): total = norm(stack([norm(g) for g])),
 * coef = min((1/(total + 1e-6))·max_norm, 1), every .grad ← .grad·coef (new tensors). Params
 * without .grad are skipped. Returns the total norm in *total (NAN-free inputs assumed as torch). */
gboolean  ps_clip_grad_norm     (PsModule *root, double max_norm, float *total, GError **error);

G_END_DECLS
