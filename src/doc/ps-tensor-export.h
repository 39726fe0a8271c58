/* ps-tensor-export.h — Export Data: a tensor written to a file whose name's extension picks the
 * format (.npy, NumPy's; .csv, ps-csv's), case-insensitively. */
#pragma once

#include "ps-tensor.h"
#include <glib.h>

G_BEGIN_DECLS

/* t NULL (nothing with values selected) or another extension: an error, nothing written. */
gboolean ps_tensor_export (const PsTensor *t, const char *path, GError **error);

G_END_DECLS
