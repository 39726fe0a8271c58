/* ps-linear-reset.c — see ps-linear-reset.h. */
#include "ps-linear-reset.h"
#include "ps-init.h"

#include <math.h>

gboolean
ps_linear_like_reset (PsModule *self, gboolean has_bias, PsResetZeroFanIn zero_fan_in,
                      PsGenerator *gen, GError **error)
{
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = has_bias ? ps_module_get_param (self, "bias") : NULL;
  /* kaiming_uniform_ checks its arguments, then writes every element */
  g_autoptr (PsTensor) w = ps_param_new_for_overwrite (pw, error);
  if (w == NULL)
    return FALSE;
  g_autoptr (PsTensor) b = NULL;
  if (pb != NULL && (b = ps_param_new_like (pb, error)) == NULL)
    return FALSE;
  int64_t fan_in, fan_out;
  if (!ps_init_fans (w, &fan_in, &fan_out, error))
    return FALSE;

  PsInitInfo wi, bi;
  ps_init_info_clear (&wi);
  ps_init_info_clear (&bi);
  if (!ps_init_kaiming_uniform_ (w, sqrt (5.0), "fan_in", "leaky_relu", gen, &wi, error))
    return FALSE;
  if (b != NULL && (fan_in > 0 || zero_fan_in == PS_RESET_ZERO_FAN_IN_BOUND_ZERO))
    {
      const double bound = fan_in > 0 ? 1.0 / sqrt ((double) fan_in) : 0.0;
      if (!ps_init_uniform_ (b, -bound, bound, gen, &bi, error))
        return FALSE;
      bi.has_fans = TRUE;
      bi.fan_in = fan_in;
      bi.fan_out = fan_out;
      if (fan_in > 0)
        g_snprintf (bi.formula, sizeof bi.formula,
                    "bound = 1/√fan_in = 1/√%" G_GINT64_FORMAT " = %g", fan_in, bound);
      else
        g_snprintf (bi.formula, sizeof bi.formula, "bound = 0 (fan_in = 0)");
    }
  ps_linear_like_commit (pw, w, &wi, pb, b, &bi);
  return TRUE;
}

void
ps_linear_like_commit (PsParam *pw, PsTensor *w, const PsInitInfo *wi, PsParam *pb, PsTensor *b, const PsInitInfo *bi)
{
  ps_param_set_value (pw, w);
  pw->init = *wi;
  if (pb != NULL)
    {
      ps_param_set_value (pb, b);
      pb->init = *bi;
    }
}
