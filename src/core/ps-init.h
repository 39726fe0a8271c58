/* ps-init.h — torch.nn.init, bit for bit (PYTORCH-PARITY.md §4).
 *
 * Every function validates first (fans of a 1-D tensor, unknown nonlinearity, wrong ndim …) and
 * only then draws and writes, so on error neither the tensor nor the generator has changed. The
 * tensor must be float32 and writable (freshly allocated: see the immutability rule in
 * ps-tensor.h). Each function can describe what it did in a PsInitInfo: the theoretical
 * distribution it sampled from, fans, gain and the resulting bound or std — used by the timeline,
 * the histogram overlay and the "explain" panel. */
#pragma once

#include <glib.h>
#include "ps-error.h"
#include "ps-tensor.h"
#include "ps-generator.h"
#include "ps-args.h"

G_BEGIN_DECLS

typedef enum {
  PS_DIST_NONE,          /* never written (torch.empty) or unknown */
  PS_DIST_UNIFORM,       /* U(a, b) */
  PS_DIST_NORMAL,        /* N(mean, std) */
  PS_DIST_TRUNC_NORMAL,  /* N(mean, std) truncated to [a, b] */
  PS_DIST_CONSTANT,      /* every value = value */
  PS_DIST_OTHER,         /* eye_, dirac_, orthogonal_, sparse_, loaded from a file, … */
} PsDistKind;

typedef struct {
  char fn[32];            /* "kaiming_uniform_", "" when unknown */
  char args[96];          /* "a=2.23607, mode='fan_in', nonlinearity='leaky_relu'" as the user gave them */
  char formula[160];      /* "bound = gain·√(3/fan_in) = 1/√10 = 0.316228" — human explanation */
  PsDistKind dist;
  double a, b;            /* uniform / truncation bounds */
  double mean, std;       /* normal parameters */
  double value;           /* constant */
  gboolean has_fans;
  int64_t fan_in, fan_out;
  double gain;            /* NAN when not applicable */
} PsInitInfo;

void      ps_init_info_clear            (PsInitInfo *info);   /* dist = NONE, gain = NAN */
/* An init's expected mean and std: ps_distribution_moments() in ps-distribution.h (the one source). */

gboolean  ps_init_calculate_gain  (const char *nonlinearity, gboolean has_param, double param,
                                   double *gain, GError **error);
gboolean  ps_init_fans            (const PsTensor *t, int64_t *fan_in, int64_t *fan_out, GError **error);

/* info may be NULL. */
gboolean  ps_init_uniform_         (PsTensor *t, double a, double b, PsGenerator *gen, PsInitInfo *info, GError **error);
gboolean  ps_init_normal_          (PsTensor *t, double mean, double std, PsGenerator *gen, PsInitInfo *info, GError **error);
gboolean  ps_init_trunc_normal_    (PsTensor *t, double mean, double std, double a, double b, PsGenerator *gen, PsInitInfo *info, GError **error);
gboolean  ps_init_constant_        (PsTensor *t, double value, PsInitInfo *info, GError **error);
gboolean  ps_init_zeros_           (PsTensor *t, PsInitInfo *info, GError **error);
gboolean  ps_init_eye_             (PsTensor *t, PsInitInfo *info, GError **error);
gboolean  ps_init_xavier_uniform_  (PsTensor *t, double gain, PsGenerator *gen, PsInitInfo *info, GError **error);
gboolean  ps_init_xavier_normal_   (PsTensor *t, double gain, PsGenerator *gen, PsInitInfo *info, GError **error);
/* mode: "fan_in" | "fan_out"; nonlinearity as calculate_gain. */
gboolean  ps_init_kaiming_uniform_ (PsTensor *t, double a, const char *mode, const char *nonlinearity, PsGenerator *gen, PsInitInfo *info, GError **error);
gboolean  ps_init_kaiming_normal_  (PsTensor *t, double a, const char *mode, const char *nonlinearity, PsGenerator *gen, PsInitInfo *info, GError **error);

/* By name with PyTorch keyword arguments and defaults, e.g. fn = "xavier_uniform_",
 * args = {gain: 1.0}. Unknown function or argument → PS_ERROR_NOT_FOUND / INVALID_ARGUMENT
 * naming it. Used by recipes and the app. */
/* TRUE when fn writes every element of its tensor (whatever was there before is never read), so
 * the caller may hand it uninitialized storage: the random, constant and fan-based schemes. Each
 * of them checks all its arguments (and the tensor's shape) before it writes the first value and
 * cannot fail after that, so when it fails the tensor is as it was: a caller may hand it a
 * tensor whose old values must survive a failure (the timeline's in-place re-init). */
gboolean  ps_init_writes_every_element (const char *fn);
gboolean  ps_init_apply            (PsTensor *t, const char *fn, const PsArgs *args, PsGenerator *gen, PsInitInfo *info, GError **error);
/* Names of every supported init function, NULL-terminated, and each one's argument specs. */
const char *const *ps_init_function_names (void);
const PsArgSpec   *ps_init_function_args  (const char *fn);

/* "~ U(−0.316, 0.316) by kaiming_uniform_(a=√5)"; "" when nothing is known (the timeline, the
 * CLI's parameter table and the figures' captions all say it this way). */
char       *ps_init_info_summary (const PsInitInfo *info);

G_END_DECLS
