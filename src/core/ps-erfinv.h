/* ps-erfinv.h — ATen's calc_erfinv<float> (native/Math.h, 1.13), bit for bit (private to src/core).
 *
 * A rational first guess (Pavlis' MATLAB erfinv port) and two Newton steps with erff/expf/logf.
 * The AVX2 flavour reproduces the torch build that was compiled with FMA: every Horner step is a
 * fmaf. The DEFAULT flavour rounds every product. Exact only with the same libm float functions
 * as torch's process (glibc; PYTORCH-PARITY.md §4, §10). */
#pragma once

#include "ps-generator.h"

G_BEGIN_DECLS

float ps_erfinv_f32 (float y, PsFlavour flavour);

G_END_DECLS
