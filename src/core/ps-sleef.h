/* ps-sleef.h — scalar ports of the Sleef 3.5.1 float kernels ATen's Vectorized<float> calls
 * (Sleef_*f8_u10 on AVX2, FMA variants), lane for lane. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Vectorized<float>::exp() (xexpf). Defined in ps-activation.c beside tanhf. */
float ps_sleef_expf (float x);
/* Vectorized<float>::log() (xlogf_u1, non-AVX512 branch, FMA double-float steps). ps-sleef-logf.c */
float ps_sleef_logf (float x);

G_END_DECLS
