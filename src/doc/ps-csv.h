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

/* A data table for a data set: a header line of column names, then one line of numbers per sample
 * (comma-separated, no quoting; "\r\n" or "\n"; blank lines ignored). x_cols: the input columns in
 * order, or NULL for every column but y_col. *x: float32 (rows, len(x_cols)), each value parsed as
 * Python's float() does and rounded to float32; *y: int64 when every y value is an integer, else
 * float32 (as torch.tensor of Python ints or floats). name labels the errors. */
gboolean  ps_csv_read_xy (GBytes *bytes, const char *name, const char *const *x_cols, const char *y_col,
                          PsTensor **x, PsTensor **y, GError **error);

/* Writing CSV tables by hand (the series' norms, the largest changes): one field, as it is, or in
 * double quotes with inner quotes doubled when it holds a comma, a quote, CR or LF (RFC 4180). */
void      ps_csv_append_field  (GString *out, const char *field);
/* v printed with `format` ("%.9g", "%.17g"), locale-independent; NaN appends nothing (an empty
 * field); ±inf as "inf"/"-inf". */
void      ps_csv_append_number (GString *out, const char *format, double v);

G_END_DECLS
