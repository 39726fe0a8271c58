/* ps-rng-kernels.h — the hot loops behind PsGenerator (private to src/core).
 *
 * Every function here is plain C whose result depends only on IEEE-754 single/double arithmetic
 * (add, mul, sqrt, fmaf, conversions) or, for the DEFAULT flavour, on the platform libm. On x86-64
 * the same source is also compiled for AVX2+FMA and picked at run time; that clone is bit-identical
 * (fmaf is exactly rounded on every ISA) and only faster. See PYTORCH-PARITY.md §1–3. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "ps-generator.h"

G_BEGIN_DECLS

/* at::mt19937::next_state(): regenerates all 624 words in place (the stream is unchanged; the loops
 * are just split where the 397-word lag changes sides so they vectorize). */
void  ps_mt_twist               (uint32_t state[PS_MT_N]);


/* uniform_(from, to) on float32 from n untempered state words:
 * x = (temper(w) & 0xFFFFFF) * 2^-24;  AVX2: fmaf(x, range, from);  DEFAULT: x*range + from. */
void  ps_kernel_uniform_f32     (const uint32_t *words, float *out, size_t n, float from, float range,
                                 PsFlavour flavour);

/* normal_fill_16 applied to n_blocks consecutive blocks of 16 floats that hold uniforms in [0, 1):
 * lanes j < 8 give u1 = 1 - d[j], u2 = d[j + 8]; output d[j] = r·cos·std + mean,
 * d[j + 8] = r·sin·std + mean (AVX2: Cephes/Pommier float math with torch's FMA pattern and an
 * explicit final fmaf; DEFAULT: glibc logf/cosf/sinf, no FMA). */
void  ps_kernel_normal_fill16   (float *d, size_t n_blocks, float mean, float std, PsFlavour flavour);

/* One lane of avx_mathfun's log256_ps / sincos256_ps as GCC compiled them into torch's AVX2
 * kernel (exposed for tests). */
float ps_avx_mathfun_logf       (float x);
void  ps_avx_mathfun_sincosf    (float x, float *s, float *c);

G_END_DECLS
