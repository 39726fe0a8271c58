/* ps-aten-mm.h — torch.mm on CPU exactly as ATen 1.13 calls BLAS (addmm_impl_cpu_ in
 * LinearAlgebra.cpp, then cpublas::gemm's normalize_last_dims, then sgemm_).
 *
 * Which operand is transposed, the leading dimensions and even whether the result is computed
 * transposed depend on the operands' strides — and torch gives size-1 dimensions stride 1 in a
 * contiguous tensor, so a (k, 1) matrix is "both" layouts. The backward of Linear runs three such
 * products whose operands are views (W.t(), gy.t()); reproducing the strides reproduces the calls,
 * and with the same OpenBLAS kernel and thread count the bits (TRAINING-PARITY.md §5). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-error.h"

G_BEGIN_DECLS

/* A strided 2-D float view, as an ATen tensor: element (i, j) at data[i*stride[0] + j*stride[1]]. */
typedef struct {
  const float *data;
  int64_t size[2];
  int64_t stride[2];
} PsMatView;

/* A row-major (rows, cols) buffer with torch's contiguous strides (size-1 dims get stride 1). */
PsMatView ps_mat_view          (const float *data, int64_t rows, int64_t cols);
/* .t() */
PsMatView ps_mat_view_t        (PsMatView v);

/* out (a fresh contiguous (m1.size[0], m2.size[1]) result, row-major) = m1.mm(m2). */
gboolean  ps_aten_mm           (PsMatView m1, PsMatView m2, float *out, GError **error);
/* out.addmm_(m1, m2) with beta = alpha = 1: out (contiguous, as above) holds the addend; sgemm with
 * beta 1 adds the product to it (baddbmm's per-batch path). */
gboolean  ps_aten_addmm_       (PsMatView m1, PsMatView m2, float *out, GError **error);

G_END_DECLS
