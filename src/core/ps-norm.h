/* ps-norm.h — what torch's _NormBase gives BatchNorm (ps-norm.c) and InstanceNorm
 * (ps-instance-norm.c): one config, construction, reset, repr, and ATen's per-channel batch_norm
 * kernel. Private to the core. */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

/* The module's priv for every _NormBase layer. */
typedef struct {
  int64_t num_features;
  double eps;
  gboolean has_momentum;   /* momentum is not None */
  double momentum;
  gboolean affine;
  gboolean track;          /* track_running_stats */
} PsNormBase;

/* _NormBase.__init__: args num_features, eps, momentum, affine, track_running_stats; registers
 * weight, bias (affine), running_mean, running_var, num_batches_tracked (track). */
gboolean ps_norm_base_construct  (PsModule *self, GError **error);
/* _NormBase.reset_parameters: running stats reset, weight = 1, bias = 0. No draws. */
gboolean ps_norm_base_reset      (PsModule *self, PsGenerator *gen, GError **error);
/* "4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True" */
char    *ps_norm_base_extra_repr (const PsModule *self);

/* batch_norm over contiguous float (N, C, S) data (BatchNorm, InstanceNorm's (1, N·C, S) view);
 * fused FALSE for torch's DEFAULT build (no fused multiply-adds). */
void     ps_norm_batch_channels  (const float *x, float *y, int64_t N, int64_t C, int64_t S, gboolean use_batch,
                                  const float *w, const float *b, const float *rm, const float *rv,
                                  double momentum, double eps, gboolean fused, float *new_rm, float *new_rv);

/* native_batch_norm_backward on contiguous float (N, C, S) data (ps-norm.c explains the kernels):
 * train = batch statistics (recomputed from x as the forward saved them), else the running ones
 * rm/rv. w NULL = 1. threads = torch's intra-op thread count (the S == 1 kernel's buffers). Any
 * of gx (x's size), gw, gb (C) may be NULL. fused FALSE for torch's DEFAULT build. */
gboolean ps_norm_batch_backward  (const float *x, const float *gy, int64_t N, int64_t C, int64_t S, gboolean train,
                                  const float *w, const float *rm, const float *rv, double eps, int threads,
                                  gboolean fused, float *gx, float *gw, float *gb, GError **error);

G_END_DECLS
