/* ps-cpu.h — the one CPU-feature check behind every run-time kernel choice (statistics,
 * histograms, the colorizer, the generator's fills, torch's capability in ps-threads.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PS_CPU_AVX2    = 1 << 0,
  PS_CPU_FMA     = 1 << 1,
  PS_CPU_AVX512F = 1 << 2,
} PsCpuFeatures;

/* What this CPU has (x86-64; 0 elsewhere). Computed once. */
guint ps_cpu_hw_features (void);
/* The same minus what the environment turns off so tests reach every kernel: PS_DISABLE_SIMD
 * (all of it), PS_DISABLE_AVX512 (AVX-512 only). Computed once. */
guint ps_cpu_features    (void);

G_END_DECLS
