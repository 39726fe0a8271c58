/* ps-export.h — write any picture (a PsDrawFunc: the same drawing the screen uses) as PNG, SVG
 * or PDF, chosen by the file extension (case-insensitive).
 *
 * Sizes: width × height are user units — points for SVG/PDF; for PNG the image is
 * ceil(width·scale) × ceil(height·scale) pixels (scale 2 = "retina"), and when dpi > 0 a pHYs
 * chunk records the resolution so slide software places it at the intended physical size.
 *
 * Files are written atomically: to a temporary file in the same directory, fsync'ed, then
 * renamed over the target; on any error the temporary file is removed and the target is left
 * as it was. Cairo and I/O errors come back as PS_ERROR_IO (bad arguments as
 * PS_ERROR_INVALID_ARGUMENT) with a message naming the file. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-error.h"

G_BEGIN_DECLS

typedef void (*PsDrawFunc) (cairo_t *cr, double width, double height, gpointer data);

typedef enum {
  PS_EXPORT_PNG,
  PS_EXPORT_SVG,
  PS_EXPORT_PDF,
} PsExportFormat;

#define PS_EXPORT_MAX_PIXELS 32767   /* cairo's image size limit per side */

gboolean ps_export_format_for_path (const char *path, PsExportFormat *format, GError **error);

gboolean ps_export_picture (const char *path, double width, double height, double scale,
                            double dpi, PsDrawFunc draw, gpointer data, GError **error);

/* Several pictures, one per page (PDF only; for PNG and SVG n_pages must be 1). */
gboolean ps_export_pages   (const char *path, double width, double height, double scale,
                            double dpi, guint n_pages, const PsDrawFunc *draws,
                            gpointer const *datas, GError **error);

G_END_DECLS
