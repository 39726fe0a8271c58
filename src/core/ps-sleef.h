/* ps-sleef.h — scalar ports of the Sleef 3.5.1 float kernels ATen's Vectorized<float> calls
 * (Sleef_*f8_u10 on AVX2, FMA variants), lane for lane. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Speed, not results: a function marked PS_FMA_CLONES is compiled twice, and the FMA-capable CPU
 * runs a copy in which each explicit fmaf() is one instruction instead of a libm call. fmaf is
 * exactly rounded either way and -ffp-contract=off still forbids implicit contraction, so both
 * copies return identical bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define PS_FMA_CLONES __attribute__ ((target_clones ("fma", "default")))
#else
#define PS_FMA_CLONES
#endif

/* Vectorized<float>::exp() (xexpf). Defined in ps-activation.c beside tanhf. */
float ps_sleef_expf (float x);
/* Vectorized<float>::log() (xlogf_u1, non-AVX512 branch, FMA double-float steps). ps-sleef-logf.c */
float ps_sleef_logf (float x);

G_END_DECLS
