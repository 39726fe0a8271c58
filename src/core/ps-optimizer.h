/* ps-optimizer.h — torch.optim 1.13 SGD, Adam, AdamW, RMSprop, Adagrad (CPU, one param group),
 * bit for bit: the default single-tensor implementations (foreach=None → False), scalars in
 * double as Python computes them, each cast to float once where it meets a tensor, and the fused
 * multiply-adds ATen's AVX2 kernels perform as explicit fmaf (TRAINING-PARITY.md §1–2). The
 * "default" flavour (ATEN_CPU_CAPABILITY=default) runs the same sequences unfused.
 *
 * The optimizer refers to parameters by their named_parameters() path, so it survives the
 * document's copy-on-write clones of the module tree; its state (momentum_buffer, exp_avg, …) is
 * immutable tensors like parameter values, listed by ps_optimizer_state_items. */
#pragma once

#include <glib.h>
#include "ps-module.h"
#include "ps-generator.h"

G_BEGIN_DECLS

typedef enum {
  PS_OPTIM_SGD,
  PS_OPTIM_ADAM,
  PS_OPTIM_ADAMW,
  PS_OPTIM_RMSPROP,
  PS_OPTIM_ADAGRAD,
} PsOptimKind;

/* param_groups[0] hyper-parameters; every 1.13 argument (foreach/differentiable/fused/capturable
 * only as their defaults). */
typedef struct {
  PsOptimKind kind;
  double lr;
  double momentum, dampening;         /* SGD, RMSprop(momentum) */
  gboolean nesterov;
  double weight_decay;
  gboolean maximize;
  double beta1, beta2, eps;           /* Adam/AdamW; eps also RMSprop/Adagrad */
  gboolean amsgrad;
  double alpha;                       /* RMSprop */
  gboolean centered;
  double lr_decay, initial_accumulator_value;   /* Adagrad */
  gboolean lr_missing;                /* SGD's lr not given (then lr is NAN): refused */
  guint int_args;                     /* 1 << PsOptimArg for each given as a Python int: torch's
                                         messages print it so ("Invalid learning rate: -1") */
} PsOptimConfig;

/* The numeric arguments, for PsOptimConfig.int_args. */
typedef enum {
  PS_OPTIM_ARG_LR, PS_OPTIM_ARG_MOMENTUM, PS_OPTIM_ARG_DAMPENING, PS_OPTIM_ARG_WEIGHT_DECAY, PS_OPTIM_ARG_BETA1,
  PS_OPTIM_ARG_BETA2, PS_OPTIM_ARG_EPS, PS_OPTIM_ARG_ALPHA, PS_OPTIM_ARG_LR_DECAY,
  PS_OPTIM_ARG_INITIAL_ACCUMULATOR_VALUE,
} PsOptimArg;

typedef struct _PsOptimizer PsOptimizer;

gboolean      ps_optim_kind_from_name     (const char *name, PsOptimKind *kind);
const char   *ps_optim_kind_name          (PsOptimKind kind);
/* torch.optim.<Kind> defaults (SGD's lr is required in 1.13: NAN and lr_missing here, and checked;
 * an lr given as NaN is taken, as torch takes it). */
void          ps_optim_config_init        (PsOptimConfig *cfg, PsOptimKind kind);
/* Validates like torch, NaN included: SGD checks `x < 0.0` (NaN passes), Adam, AdamW, RMSprop and
 * Adagrad `not 0.0 <= x` (NaN refused) ("Invalid learning rate: -1.0", "optimizer got an empty parameter list",
 * "Nesterov momentum requires a momentum and zero dampening" …) and builds the state Adagrad
 * creates in __init__. params: the model whose parameters() it optimizes. */
PsOptimizer  *ps_optimizer_new            (const PsOptimConfig *cfg, PsModule *params, GError **error);
PsOptimizer  *ps_optimizer_copy           (const PsOptimizer *opt);   /* tensors shared */
void          ps_optimizer_free           (PsOptimizer *opt);
const PsOptimConfig *ps_optimizer_config  (const PsOptimizer *opt);
/* The current group values schedulers change: lr, and momentum (SGD/RMSprop) or betas[0]. */
double        ps_optimizer_get_lr         (const PsOptimizer *opt);
void          ps_optimizer_set_lr         (PsOptimizer *opt, double lr);
gboolean      ps_optimizer_has_momentum   (const PsOptimizer *opt);   /* 'momentum' or 'betas' in defaults */
void          ps_optimizer_set_momentum   (PsOptimizer *opt, double momentum);

/* Keys a scheduler adds to param_groups[0]: 'initial_lr' (every scheduler's group.setdefault, or
 * OneCycleLR's assignment) and OneCycleLR's 'max_lr', 'min_lr', 'max_momentum', 'base_momentum'.
 * A later scheduler with last_epoch != -1 reads them ("resuming an optimizer"). */
typedef enum {
  PS_GROUP_INITIAL_LR, PS_GROUP_MAX_LR, PS_GROUP_MIN_LR, PS_GROUP_MAX_MOMENTUM, PS_GROUP_BASE_MOMENTUM,
  PS_GROUP_N_KEYS
} PsGroupKey;
const char   *ps_group_key_name           (PsGroupKey key);
/* FALSE when the group has no such key (then *value is untouched) */
gboolean      ps_optimizer_group_get      (const PsOptimizer *opt, PsGroupKey key, double *value);
void          ps_optimizer_group_set      (PsOptimizer *opt, PsGroupKey key, double value);

/* opt.step() on the parameters of root (resolved by path); params whose .grad is None are skipped. */
gboolean      ps_optimizer_step           (PsOptimizer *opt, PsModule *root, PsFlavour flavour, GError **error);
/* opt.zero_grad(set_to_none): 1.13's default set_to_none=False writes zeros into every existing .grad. */
gboolean      ps_optimizer_zero_grad      (PsOptimizer *opt, PsModule *root, gboolean set_to_none, GError **error);

/* state[p] as torch names it, in torch's insertion order: names[k]/values[k] for k < return value
 * (≤ 4). "step" is a 0-d float32 tensor for Adam/AdamW/Adagrad (as in 1.13), a Python int shown
 * as an int64 tensor for RMSprop. Empty before the first step (except Adagrad). */
guint         ps_optimizer_state_items    (const PsOptimizer *opt, guint i, const char *names[4],
                                           PsTensor *values[4]);

G_END_DECLS
