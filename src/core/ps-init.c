/* ps-init.c — placeholder; torch.nn.init is being implemented. */
#include "ps-init.h"

#include <math.h>
#include <string.h>

void
ps_init_info_clear (PsInitInfo *info)
{
  memset (info, 0, sizeof *info);
  info->dist = PS_DIST_NONE;
  info->gain = NAN;
}
