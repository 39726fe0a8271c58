/* ps-distribution.h — the theoretical distribution an init sampled from (a PsInitInfo): its
 * density, distribution function, moments, and how far a tensor's values are from it
 * (Kolmogorov–Smirnov). Used by the histogram overlay ("expected std / observed std").
 *
 * Conventions: U(a, b) is uniform on [a, b]; N(mean, std); the truncated normal is N(mean, std)
 * restricted to [a, b] (torch.nn.init.trunc_normal_'s absolute bounds); a constant — and a
 * normal with std 0 or a uniform with a == b — is a point mass, whose pdf is reported as 0
 * (ps_distribution_point_mass says where it is). PS_DIST_NONE / PS_DIST_OTHER have no
 * distribution: the functions return FALSE / NaN. */
#pragma once

#include <glib.h>
#include "ps-error.h"
#include "ps-tensor.h"
#include "ps-init.h"

G_BEGIN_DECLS

/* TRUE when info describes a distribution we know. */
gboolean  ps_distribution_known      (const PsInitInfo *info);
/* TRUE (and *at) when the distribution is a single value. */
gboolean  ps_distribution_point_mass (const PsInitInfo *info, double *at);
gboolean  ps_distribution_moments    (const PsInitInfo *info, double *mean, double *std);
double    ps_distribution_pdf        (const PsInitInfo *info, double x);
double    ps_distribution_cdf        (const PsInitInfo *info, double x);
/* Support [lo, hi] (infinite for the normal). */
gboolean  ps_distribution_support    (const PsInitInfo *info, double *lo, double *hi);
/* Short label: "U(−0.316, 0.316)", "N(0, 0.02)", "N(0, 1) on [−2, 2]", "const 0". */
char     *ps_distribution_label      (const PsInitInfo *info);

/* Kolmogorov–Smirnov: D = sup |F_n(x) − F(x)| over the tensor's finite values (sorted exactly,
 * radix sort on a copy) and the asymptotic p-value (Kolmogorov distribution with Stephens'
 * small-sample correction; p_value may be NULL). Errors: unknown distribution, no finite value,
 * out of memory. */
gboolean  ps_distribution_ks         (const PsTensor *t, const PsInitInfo *info, double *d,
                                      double *p_value, GError **error);

G_END_DECLS
