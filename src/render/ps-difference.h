/* ps-difference.h — B − A of two same-shape tensors (e.g. a parameter at step B and at step A),
 * to be drawn as a heatmap with the diverging map (ps_heatmap_options_init_difference). */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-heatmap.h"

G_BEGIN_DECLS

/* A new tensor b − a: float32 subtraction for float32 (as torch computes b - a), exact int64
 * subtraction for int64 (overflow is PS_ERROR_OVERFLOW). Different shapes → PS_ERROR_SHAPE,
 * different dtypes → PS_ERROR_INVALID_ARGUMENT. */
PsTensor *ps_difference_new                  (const PsTensor *a, const PsTensor *b, GError **error);
/* Diverging map, symmetric range: zero change is the neutral colour. */
void      ps_heatmap_options_init_difference (PsHeatmapOptions *o);

G_END_DECLS
