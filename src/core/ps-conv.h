/* ps-conv.h — what the convolution modules (ps-conv.c) expose beyond their PsModuleClass. */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

/* The backend torch 1.13 would run for `m(input)` on the CPU (see ps_conv_torch_backend in
 * ps-im2col.h): "Slow2d", "SlowDilated2d", "SlowTranspose2d", "Slow3d", "SlowDilated3d",
 * "SlowTranspose3d" — reproduced bit for bit — or "Mkldnn" (oneDNN, within 1e-5 + 1e-4·|t|).
 * torch_threads is torch.get_num_threads() of the torch being compared with. NULL with torch's
 * error when the forward itself would fail (or m is not a materialized convolution). */
const char *ps_conv_module_torch_backend (PsModule *m, const PsTensor *input, int torch_threads, GError **error);

G_END_DECLS
