/* ps-heatmap.h — a tensor as a colour picture, with colorbar, legend and hover mapping.
 *
 * Folding (PsHeatmapGrid): a 0-D tensor is one cell; 1-D (n) a strip of 1 × n cells; 2-D (r, c)
 * a matrix, row = dim 0 (the output unit of a weight); n-D (d0, d1, …, d_{n-2}, d_{n-1}) with
 * n >= 3 a grid of tiles sharing one colour scale: d0 tile rows × (d1·…·d_{n-3}) tile columns, each
 * tile d_{n-2} × d_{n-1} cells (conv2d weights: out × in tiles of kh × kw); for n = 3 the tiles
 * are 1 × d2 (conv1d: out × in tiles of 1 × k). Thin gaps separate tiles when they are large
 * enough to see.
 *
 * The picture is colorized once into a cairo image surface (one texel per cell) and painted
 * scaled with CAIRO_FILTER_NEAREST, so small matrices stay crisp. When there are more cells than
 * device pixels, kx × ky blocks of cells are pooled into one texel keeping the value of largest
 * magnitude (NaN > ±Inf > max |x|; of two values with equal |x| the negative one), so a single
 * extreme value stays visible, and the picture says "downsampled". That saturates a large
 * matrix of similar values; PsHeatmapPool offers the block's mean (NaN/Inf propagate as in a sum)
 * or a stride sample (the block's first cell) instead, and the footer names the one used. The image is cached and re-colorized only when the pooling changes.
 *
 * ps_heatmap_draw() is the one drawing function used by the screen and every export format;
 * ps_heatmap_hit() maps a point of the last drawn picture back to the tensor index and value. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-tensor.h"
#include "ps-stats.h"
#include "ps-colormap.h"

G_BEGIN_DECLS

typedef enum {
  PS_HEATMAP_RANGE_SYMMETRIC,   /* ±max|x| (finite values); zero in the middle of the map */
  PS_HEATMAP_RANGE_ROBUST,      /* ±quantile(|x|, robust_q) for a diverging map, the
                                 * [1 − q, q] quantiles for a sequential one; the rest saturates */
  PS_HEATMAP_RANGE_MINMAX,      /* [min, max] */
  PS_HEATMAP_RANGE_FIXED,       /* [lo, hi] as given */
} PsHeatmapRange;

/* How kx × ky cells become one texel when there are more cells than pixels. */
typedef enum {
  PS_HEATMAP_POOL_MAXABS,       /* the value of largest magnitude (default): extremes stay visible */
  PS_HEATMAP_POOL_MEAN,         /* the block's mean */
  PS_HEATMAP_POOL_STRIDE,       /* the block's first (top-left) cell: every kx-th column, ky-th row */
  PS_HEATMAP_POOL_N
} PsHeatmapPool;

/* "largest |x|", "mean", "stride sample" */
const char *ps_heatmap_pool_name (PsHeatmapPool pool);

typedef struct {
  const char *title;            /* e.g. the parameter path "features.0.weight"; shape appended */
  const char *subtitle;         /* e.g. "step 3 · seed 42 · kaiming_uniform_(a=√5)" */
  PsColormapKind colormap;
  PsHeatmapRange range;
  double robust_q;              /* ROBUST: default 0.995 */
  double lo, hi;                /* FIXED */
  const char *range_label;      /* FIXED: how the footer names the range ("shared" for small
                                 * multiples); a static string; NULL = "fixed" */
  double scale;                 /* text and stroke scale: 1 on screen, ~2 for a projector */
  gboolean show_colorbar;
  gboolean show_footer;         /* range, layout, NaN/Inf legend, downsampling note */
  PsHeatmapPool pool;           /* downsampling; default PS_HEATMAP_POOL_MAXABS */
} PsHeatmapOptions;

void ps_heatmap_options_init (PsHeatmapOptions *o);

typedef struct {
  int64_t rows, cols;           /* cells */
  int64_t tile_rows, tile_cols; /* cells per tile (1 × 1 when not folded) */
  int64_t tiles_per_row;        /* tile columns (folded), 1 otherwise */
} PsHeatmapGrid;

/* A rectangle of grid cells (zoom/pan view). rows or cols <= 0 means the whole grid. */
typedef struct {
  int64_t row0, col0, rows, cols;
} PsHeatmapRegion;

void     ps_heatmap_grid_of        (const PsTensor *t, PsHeatmapGrid *g);
/* Element offset (row-major) of the cell at (row, col). */
int64_t  ps_heatmap_grid_offset    (const PsTensor *t, const PsHeatmapGrid *g, int64_t row,
                                    int64_t col);
/* Inverse: the cell of an element offset. */
void     ps_heatmap_grid_cell      (const PsTensor *t, const PsHeatmapGrid *g, int64_t offset,
                                    int64_t *row, int64_t *col);

typedef struct _PsHeatmap PsHeatmap;

typedef struct {
  int ndim;
  int64_t index[PS_MAX_DIMS];   /* of the element shown by the cell */
  int64_t offset;
  double value;                 /* exact (float32/int64 → double) */
  int64_t row, col;             /* grid cell */
  int64_t block_rows, block_cols; /* cells pooled into the texel (1 × 1 when not downsampled) */
  PsHeatmapPool pool;           /* MEAN: value is the block's mean, index its first cell */
} PsHeatmapHit;

/* Takes a reference on t (which must not be written afterwards, see ps-tensor.h). Computes the
 * statistics and the colour range. Errors: robust range allocation failure; a FIXED range
 * that is not finite with lo < hi. */
PsHeatmap  *ps_heatmap_new          (PsTensor *t, const PsHeatmapOptions *options, GError **error);
void        ps_heatmap_free         (PsHeatmap *hm);
const PsStats *ps_heatmap_get_stats (PsHeatmap *hm);
/* The footer's range line: "colour range [−0.5, 0.5], symmetric ±max|x|" (or robust, min–max,
 * the FIXED range's label). */
char       *ps_heatmap_range_text   (PsHeatmap *hm);
void        ps_heatmap_get_range    (PsHeatmap *hm, double *lo, double *hi);
const PsHeatmapGrid *ps_heatmap_get_grid (PsHeatmap *hm);
/* Zoom and pan: show only these cells (clamped to the grid; NULL or empty = everything). The
 * colour range stays that of the whole tensor, so zoomed views compare. */
void        ps_heatmap_set_view     (PsHeatmap *hm, const PsHeatmapRegion *view);

void        ps_heatmap_draw         (PsHeatmap *hm, cairo_t *cr, double width, double height);
/* PsDrawFunc-compatible wrapper for ps_export (data = the PsHeatmap). */
void        ps_heatmap_draw_func    (cairo_t *cr, double width, double height, gpointer data);

/* After a draw: the cell under (x, y) (user units of that draw). FALSE outside the image. */
gboolean    ps_heatmap_hit          (PsHeatmap *hm, double x, double y, PsHeatmapHit *hit);
/* After a draw: the rectangle (x, y, w, h) of the texel showing grid cell (row, col). */
gboolean    ps_heatmap_cell_rect    (PsHeatmap *hm, int64_t row, int64_t col, double rect[4]);
/* After a draw: pooling factors (1 = not downsampled). */
void        ps_heatmap_get_downsampling (PsHeatmap *hm, int64_t *kx, int64_t *ky);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsHeatmap, ps_heatmap_free)

/* Colorize a region of a grid (NULL = all) into a new RGB24 surface of ceil(cols/kx) ×
 * ceil(rows/ky) texels with max-magnitude pooling. Exposed for the benchmark and tests. */
cairo_surface_t *ps_heatmap_colorize (const PsTensor *t, const PsHeatmapGrid *g,
                                      const PsHeatmapRegion *region, int64_t kx, int64_t ky,
                                      const PsColormap *cm, double lo, double hi);
/* The same into an existing RGB24 surface of exactly that size (FALSE otherwise, or for a
 * region outside the grid): re-colorizing reuses the memory (fresh pages are costly). */
gboolean ps_heatmap_colorize_into    (cairo_surface_t *img, const PsTensor *t,
                                      const PsHeatmapGrid *g, const PsHeatmapRegion *region,
                                      int64_t kx, int64_t ky, const PsColormap *cm, double lo,
                                      double hi);

G_END_DECLS
