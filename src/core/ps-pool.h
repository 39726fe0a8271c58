/* ps-pool.h — what torch 1.13's pooling layers share (ATen/native/Pool.h): the output size of a
 * window sliding over one dimension and the 2-D shape check, with torch's messages and in torch's
 * order. The layers are MaxPool1d/2d (ps-max-pool.c), AvgPool1d/2d (ps-avg-pool.c) and
 * AdaptiveAvgPool2d (ps-adaptive-avg-pool.c). Every kernel works on contiguous (planes, H, W)
 * blocks: a batch (N, C, H, W) or an unbatched (C, H, W) input is N·C or C planes; a 1-d layer's
 * (N, C, L) is planes of height 1. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-tensor.h"
#include "ps-module.h"

G_BEGIN_DECLS

/* One pooling call on contiguous planes: input (planes, inH, inW) → output (planes, outH, outW);
 * the output tensor's shape is out_shape[out_ndim] (the caller's layout: batched or not, 1-d or 2-d). */
typedef struct {
  int64_t planes, inH, inW, outH, outW;
  int64_t kH, kW, dH, dW, padH, padW, dilH, dilW;
  int out_ndim;
  int64_t out_shape[4];
} PsPoolGeometry;

/* pooling_output_shape(in, k, pad, stride, dilation, ceil_mode): torch's checks (stride not zero,
 * pad >= 0, pad <= k/2), then ⌊(in + 2·pad − dilation·(k − 1) − 1 [+ stride − 1]) / stride⌋ + 1,
 * in ceil mode one less when the last window would start in the right padding. */
gboolean ps_pool_output_size   (int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation,
                                gboolean ceil_mode, int64_t *out, GError **error);

/* pool2d_shape_check for a contiguous input: positive kernel, stride and dilation, a 3-D or 4-D input
 * whose non-batch dimensions are not empty, pad <= k/2, an output of at least 1×1. */
gboolean ps_pool2d_shape_check (const PsTensor *x, int64_t kH, int64_t kW, int64_t dH, int64_t dW,
                                int64_t padH, int64_t padW, int64_t dilationH, int64_t dilationW,
                                int64_t planes, int64_t inH, int64_t inW, int64_t outH, int64_t outW,
                                GError **error);

/* x.size(dim) with torch's "Dimension out of range" error. */
gboolean ps_pool_size          (const PsTensor *x, int dim, int64_t *size, GError **error);

/* An int-or-tuple argument as a list (an int is one value); 0 for None. */
int      ps_pool_arg           (const PsModule *m, const char *name, int64_t v[8]);

/* The example input of a pooling layer: (1, 4, S) or (1, 4, S, S) with S = max(8, the span of
 * the largest window). */
void     ps_pool_example_input (int nd, int64_t span, PsExampleInput *ex);

/* The start of a pooling layer's backward: grad_input as a new zero float32 tensor of the input's
 * shape, with *gi its data and *go grad_output's; NULL (and the error) when it cannot be made. */
PsTensor *ps_pool_grad_input_new (const PsTensor *input, const PsTensor *grad_output, const float **go,
                                  float **gi, GError **error);

G_END_DECLS
