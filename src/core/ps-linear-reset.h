/* ps-linear-reset.h — the reset_parameters that nn.Linear and the _ConvNd layers share:
 *
 *   init.kaiming_uniform_(self.weight, a=math.sqrt(5))
 *   fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
 *   bound = 1 / math.sqrt(fan_in)          # Linear: `if fan_in > 0 else 0`; Conv: only `if fan_in != 0`
 *   init.uniform_(self.bias, -bound, bound)
 *
 * Draw order weight then bias, both filled into fresh tensors and swapped in only when both
 * succeeded, so a failure leaves the module as it was. */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

typedef enum {
  PS_RESET_ZERO_FAN_IN_BOUND_ZERO,   /* nn.Linear: bias ~ U(0, 0) when fan_in = 0 */
  PS_RESET_ZERO_FAN_IN_SKIP_BIAS,    /* _ConvNd: no bias draw when fan_in = 0 */
} PsResetZeroFanIn;

/* Resets `self`'s "weight" and, when has_bias, its "bias" parameter as above; records the
 * PsInitInfo (formula, fans) of each. */
gboolean ps_linear_like_reset (PsModule *self, gboolean has_bias, PsResetZeroFanIn zero_fan_in,
                               PsGenerator *gen, GError **error);

/* The last step of such a reset (Bilinear's too): both new tensors drawn, swapped in with their
 * PsInitInfo — the weight, then the bias when `pb` is not NULL. */
void     ps_linear_like_commit (PsParam *pw, PsTensor *w, const PsInitInfo *wi, PsParam *pb, PsTensor *b,
                                const PsInitInfo *bi);

G_END_DECLS
