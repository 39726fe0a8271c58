/* ps-weight-grid.h — a first layer's weights as images ("the weights become templates"): a
 * (units × tile_h·tile_w) matrix — Linear(784, units) on Fashion-MNIST — drawn as a grid of
 * tile_h × tile_w tiles, one per unit, row-major like the input image (weight[u, r·tile_w + c] is
 * pixel (r, c) of tile u). All tiles share one symmetric colour scale ±m (diverging map, zero =
 * the light centre), so tiles compare: a unit with small weights looks pale, not rescaled. m is
 * max|w| or, with robust_q, the q-quantile of |w| (the rest saturates, marked on the colorbar).
 *
 * The tiles are colorized once into one image (a one-texel gap between tiles) and painted
 * NEAREST-scaled, so 28 × 28 pixels stay crisp. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-tensor.h"
#include "ps-colormap.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *subtitle;
  double scale;
  int tile_h, tile_w;        /* 0 × 0: square tiles of √(in_features) when that is whole */
  int columns;               /* tiles per row; 0 = chosen to fit the picture's aspect */
  PsColormapKind colormap;   /* default diverging */
  double robust_q;           /* 0 = ±max|w|; in (0.5, 1): ±quantile(|w|, q) */
  double fixed_max;          /* > 0: the scale is ±fixed_max (one range over several grids, frames
                              * over time); overrides robust_q */
  gboolean show_labels;      /* unit numbers under the tiles (when there is room); default TRUE */
} PsWeightGridOptions;

void ps_weight_grid_options_init (PsWeightGridOptions *o);

typedef struct _PsWeightGrid PsWeightGrid;

/* weight: 2-D float32 (units × in_features), in_features = tile_h · tile_w. Takes a reference.
 * Errors: not 2-D / not float32, a tile size that does not match, no finite value is fine (scale
 * ±1). */
PsWeightGrid *ps_weight_grid_new        (PsTensor *weight, const PsWeightGridOptions *o,
                                         GError **error);
void          ps_weight_grid_free       (PsWeightGrid *wg);
void          ps_weight_grid_get_range  (PsWeightGrid *wg, double *lo, double *hi);
/* Tiles per row and rows of tiles (for a picture of this size when columns = 0). */
void          ps_weight_grid_get_layout (PsWeightGrid *wg, double width, double height,
                                         int *columns, int *rows);
void          ps_weight_grid_draw_func  (cairo_t *cr, double width, double height, gpointer data);
/* The unit and the pixel (row, col) of its tile under (x, y); FALSE between tiles / outside. */
gboolean      ps_weight_grid_hit        (PsWeightGrid *wg, double width, double height, double x,
                                         double y, int64_t *unit, int *row, int *col);
/* Centre of pixel (row, col) of unit's tile. */
gboolean      ps_weight_grid_pixel_point (PsWeightGrid *wg, double width, double height,
                                          int64_t unit, int row, int col, double *x, double *y);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsWeightGrid, ps_weight_grid_free)

G_END_DECLS
