/* ps-colormap.h — 256-entry colour look-up tables and the marked colours for NaN and ±Inf.
 *
 * Maps (all built once by interpolating published control colours in CIELAB, so that equal
 * steps in value are close to equal steps in perceived colour):
 *  - PS_COLORMAP_DIVERGING "RdBu": ColorBrewer's 11-class RdBu, blue for negative, near-white
 *    #f7f7f7 exactly at zero, red for positive. Chosen because ColorBrewer lists it as
 *    colour-blind safe (the blue–red axis survives deuteranopia and protanopia), its light
 *    centre makes zero weights recede so sign and magnitude read at a glance, and blue/red for
 *    −/+ is what readers of weight plots expect. Entry 128 is the zero colour; entries 0 and
 *    255 the darkest blue and red.
 *  - PS_COLORMAP_VIRIDIS: viridis's published 9-step colours (#440154 … #fde725), a
 *    monotonic-lightness sequential map, for magnitudes and non-negative data.
 *  - PS_COLORMAP_GRAY: CIELAB lightness 0 → 100.
 * NaN, +Inf and −Inf have a colour outside each map (see ps-colormap.c) and are also marked with
 * a glyph where cells are large enough (heatmap) and counted in the legend.
 *
 * Colours are 0xAARRGGBB, opaque, i.e. CAIRO_FORMAT_RGB24/ARGB32 pixels. */
#pragma once

#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

typedef enum {
  PS_COLORMAP_DIVERGING,
  PS_COLORMAP_VIRIDIS,
  PS_COLORMAP_GRAY,
  PS_COLORMAP_N
} PsColormapKind;

typedef struct {
  PsColormapKind kind;
  const char *name;         /* "rdbu", "viridis", "gray" */
  gboolean diverging;       /* centred at zero */
  guint32 lut[256];
  guint32 nan_color, posinf_color, neginf_color;
} PsColormap;

const PsColormap *ps_colormap_get      (PsColormapKind kind);
/* NULL for an unknown name. */
const PsColormap *ps_colormap_by_name  (const char *name);

/* LUT index of v for the range [lo, hi] (lo < hi): round((v − lo)·(255/(hi − lo))), saturated.
 * With lo = −hi, zero maps to 128. (The heatmap colorizer uses exactly this arithmetic.) */
static inline int
ps_colormap_index (double v, double lo, double hi)
{
  double f = (v - lo) * (255.0 / (hi - lo)) + 0.5;
  if (!(f >= 0))
    return 0;
  if (f >= 255)
    return 255;
  return (int) f;
}

/* Colour of v, including NaN/±Inf. */
guint32  ps_colormap_map        (const PsColormap *cm, double v, double lo, double hi);
void     ps_color_set_source    (cairo_t *cr, guint32 argb);
/* Dark style: after ps_color_set_dark (cr, TRUE), ps_color_set_source on cr draws the chrome
 * colours of ps-plot.h (PS_PLOT_FG, MUTED, GRID, BG, WARN; any alpha) as their dark-style
 * counterparts — a near-black background with light, high-contrast text for a projector — while
 * data colours (colormaps, bars, curves) stay as they are. Screens follow the desktop's style;
 * exports stay light. */
void     ps_color_set_dark      (cairo_t *cr, gboolean dark);
/* Relative luminance, for choosing a readable glyph colour over a cell. */
double   ps_color_luminance     (guint32 argb);

G_END_DECLS
