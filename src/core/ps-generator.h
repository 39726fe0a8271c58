/* ps-generator.h — PyTorch's CPU generator (at::CPUGeneratorImpl, 1.13), bit for bit.
 *
 * A plain value type: copying the struct saves the whole state, which is how every operation
 * that may fail restores the generator ("a failed op leaves the generator as it was").
 * See ../shared/PYTORCH-PARITY.md §1–3 for the facts implemented here. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-error.h"

G_BEGIN_DECLS

#define PS_MT_N 624

/* torch's results differ by CPU kernel flavour; both are computed in portable scalar C. */
typedef enum {
  PS_FLAVOUR_AVX2,     /* what torch 1.13 produces on any x86-64 CPU with AVX2 (the default) */
  PS_FLAVOUR_DEFAULT,  /* ATEN_CPU_CAPABILITY=default */
} PsFlavour;

typedef struct {
  uint32_t state[PS_MT_N];
  int left;                 /* at::mt19937 bookkeeping: left = 1, next = 0 after seeding */
  int next;
  uint64_t seed;            /* full 64-bit seed as given (initial_seed()) */
  gboolean has_next_double_normal;
  double next_double_normal;
  gboolean has_next_float_normal;
  float next_float_normal;
  PsFlavour flavour;
} PsGenerator;

void      ps_generator_init          (PsGenerator *gen, uint64_t seed, PsFlavour flavour);
/* torch.manual_seed(seed): reseeds the engine, clears both normal caches; keeps the flavour. */
void      ps_generator_manual_seed   (PsGenerator *gen, uint64_t seed);
uint32_t  ps_generator_random        (PsGenerator *gen);
uint64_t  ps_generator_random64      (PsGenerator *gen);
/* The same stream: TRUE when every field matches. */
gboolean  ps_generator_equal         (const PsGenerator *a, const PsGenerator *b);
const char *ps_flavour_name          (PsFlavour flavour);   /* "avx2", "default" */
gboolean  ps_flavour_from_name       (const char *name, PsFlavour *out, GError **error);

/* Tensor.uniform_(a, b) on n contiguous float32 values (one draw each). */
void      ps_generator_uniform_f32   (PsGenerator *gen, float *out, size_t n, double a, double b);
/* Tensor.uniform_ on float64 values (53-bit, random64). */
void      ps_generator_uniform_f64   (PsGenerator *gen, double *out, size_t n, double a, double b);
/* Tensor.normal_(mean, std) on n float32 values; contiguous = FALSE forces the per-element path
 * (§3a) as torch does for non-contiguous tensors. n >= 16 && contiguous → block path (§3b). */
void      ps_generator_normal_f32    (PsGenerator *gen, float *out, size_t n, double mean, double std,
                                      gboolean contiguous);
/* torch.randperm(n): 1.13's forward Fisher-Yates, random() % (n - i), for every n (verified
 * against torch 1.13 at n = 214748365 > 2^32/20, where 2.x switches to random64); n - 1 draws. */
gboolean  ps_generator_randperm      (PsGenerator *gen, int64_t n, int64_t *out, GError **error);
/* torch.randint(low, high, (n,)) into int64 values. Requires low < high. */
gboolean  ps_generator_randint       (PsGenerator *gen, int64_t low, int64_t high, int64_t *out, size_t n,
                                      GError **error);
/* Bernoulli draws for Dropout masks as torch draws them (train mode); p = drop probability.
 * out[i] = 1 (keep) or 0, one random64 per element: keep iff uniform53 < 1 - p (noise.bernoulli_(1-p)).
 * p == 0 and p == 1 draw nothing (at::dropout returns early). torch then computes
 * y = x * (mask / (float)(1 - p)) in float; Dropout2d/3d draw one value per (N, C). */
void      ps_generator_bernoulli_f32 (PsGenerator *gen, float *out, size_t n, double p);

G_END_DECLS
