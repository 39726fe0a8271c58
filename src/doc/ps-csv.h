/* ps-csv.h — one tensor as CSV text.
 *
 * A 2-D tensor [rows, cols] is written as `rows` lines of `cols` comma-separated values. Any other
 * rank is flattened in C order, one value per line, after a "# shape: [d0, d1, …]" comment line.
 * Floats use "%.9g" (enough digits to read back every float32 exactly), locale-independent;
 * non-finite values are written nan, inf and -inf. Lines end with "\n". */
#pragma once

#include <glib.h>
#include "ps-tensor.h"

G_BEGIN_DECLS

char     *ps_csv_format  (const PsTensor *t);
/* Atomic. */
gboolean  ps_csv_write   (const char *path, const PsTensor *t, GError **error);

G_END_DECLS
