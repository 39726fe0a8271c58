/* ps-sleef.h — the Sleef functions torch 1.13's vectorized float kernels call, from the same
 * libsleef.so.3 Debian's torch links (ONEDNN-PARITY.md §6).
 *
 * On AVX2, ATen's Vectorized<float>::exp/log/log1p/tanh/erf call Sleef_<f>f8_u10. Sleef works lane
 * by lane, and Sleef_<f>f8_u10 equals the scalar Sleef_<f>f1_u10purecfma bit for bit over every
 * input (verified there for expf, logf, log1pf, tanhf, erff; 613 M inputs each), so these call the
 * scalar functions element by element. Those need FMA; on a CPU without it (where torch would not
 * run its AVX2 kernels anyway) exp, tanh and log fall back to the scalar ports below, which are also the
 * references the tests compare the library with. */
#pragma once

#include <glib.h>
#include <stdint.h>

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

float     ps_sleef_expf       (float x);
float     ps_sleef_tanhf      (float x);
float     ps_sleef_logf       (float x);   /* log_softmax and the BCE losses */
float     ps_sleef_log1pf     (float x);
float     ps_sleef_erff       (float x);

/* out[i] = tanh(in[i]) for i < n (in == out allowed), the way torch.tanh runs over a float tensor:
 * Sleef_tanhf8_u10 / Sleef_tanhf16_u10 on whole vectors at ATen's AVX2 / AVX512 capability (the
 * same bits as ps_sleef_tanhf, lane by lane), ps_sleef_tanhf element by element otherwise. */
void      ps_sleef_tanhf_map  (const float *in, float *out, int64_t n);

/* Scalar ports of Sleef 3.5.1's xexpf, xtanhf and xlogf_u1 (FMA flavour), independent of
 * libsleef; tests/core/test-onednn.c checks them against the library. */
float     ps_sleef_expf_port  (float x);
float     ps_sleef_tanhf_port (float x);
float     ps_sleef_logf_port  (float x);

/* TRUE when the library functions are used (the CPU has FMA). */
gboolean  ps_sleef_available  (void);

G_END_DECLS
