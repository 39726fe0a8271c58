/* ps-plot.h — small drawing helpers shared by the pictures: text with alignment, "nice" axis
 * ticks and their labels, the header (title + subtitle) and the colorbar. Sizes are in user
 * units multiplied by the picture's scale (projector mode = larger text and strokes). */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <stdint.h>
#include "ps-colormap.h"

G_BEGIN_DECLS

typedef enum { PS_ALIGN_START, PS_ALIGN_CENTER, PS_ALIGN_END } PsAlign;

#define PS_PLOT_MAX_TICKS 32
#define PS_PLOT_FONT "DejaVu Sans"

/* Colours of the chrome (text, axes, grid, background). */
#define PS_PLOT_FG      0xff202020u
#define PS_PLOT_MUTED   0xff606060u
#define PS_PLOT_GRID    0xffe4e4e4u
#define PS_PLOT_BG      0xffffffffu
#define PS_PLOT_WARN    0xffb03000u   /* e.g. "downsampled" */
/* Their dark-style counterparts (ps_color_set_dark): contrast ≥ 12:1 for text, as on a projector. */
#define PS_PLOT_DARK_FG    0xfff2f2f2u
#define PS_PLOT_DARK_MUTED 0xffb4b4b8u
#define PS_PLOT_DARK_GRID  0xff3c3c40u
#define PS_PLOT_DARK_BG    0xff1e1e20u
#define PS_PLOT_DARK_WARN  0xffff9a5cu

void    ps_plot_set_font        (cairo_t *cr, double size, gboolean bold);
double  ps_plot_text_width      (cairo_t *cr, const char *s);
/* s shortened with an ellipsis to fit max_w (at the current font); a new string. */
char   *ps_plot_fit_text        (cairo_t *cr, const char *s, double max_w);
/* Text anchored at (x, y): ha for x; va START = top edge, CENTER = middle, END = bottom edge. */
void    ps_plot_text            (cairo_t *cr, double x, double y, const char *s, PsAlign ha,
                                 PsAlign va);
/* Ticks at multiples of 1, 2 or 5 × 10^k inside [lo, hi], at most max_ticks of them (≥ 2);
 * returns the count and the step. */
int     ps_plot_nice_ticks      (double lo, double hi, int max_ticks, double *ticks, double *step);
/* Ticks for counts 0…hi: nice ticks, but never a fraction of a count (small counts used to be
 * labelled 0, 1, 1, 2, 2 … by rounding 0.5-steps); at most max_ticks. */
int     ps_plot_count_ticks     (double hi, int max_ticks, double *ticks, double *step);
/* A tick label with as many decimals as the step needs, a real minus sign, exponent form for
 * very large or small numbers. */
void    ps_plot_format_number   (double v, double step, char *buf, gsize len);
/* Significant-digits form for values shown alone ("0.3162", "−1.2e-05"). */
void    ps_plot_format_value    (double v, char *buf, gsize len);
/* 1234567 → "1,234,567" */
void    ps_plot_format_count    (int64_t v, char *buf, gsize len);

void    ps_plot_background      (cairo_t *cr, double width, double height);
/* Title (bold) followed by title_extra (regular, muted, e.g. the shape), subtitle below it.
 * Returns the height used (0 when both are NULL/empty). */
double  ps_plot_header          (cairo_t *cr, double x, double y, double width, const char *title,
                                 const char *title_extra, const char *subtitle, double scale);
/* The height ps_plot_header will use, without drawing (for hit testing). */
double  ps_plot_header_height   (const char *title, const char *title_extra, const char *subtitle,
                                 double scale);
/* Width a colorbar with its tick labels needs. */
double  ps_plot_colorbar_width  (cairo_t *cr, double lo, double hi, double scale);
/* Vertical colorbar in the rectangle (x, y, ·, h): the map from lo (bottom) to hi (top), ticks
 * and labels to the right, a triangle at an end whose values were clipped (ext_lo / ext_hi). */
void    ps_plot_colorbar        (cairo_t *cr, double x, double y, double h,
                                 const PsColormap *cm, double lo, double hi, gboolean ext_lo,
                                 gboolean ext_hi, double scale);
/* A legend swatch with a label; returns the width used. glyph: 0, '+', '-', 'x'. */
double  ps_plot_swatch          (cairo_t *cr, double x, double y, guint32 color, char glyph,
                                 const char *label, double scale);
/* The glyph that marks NaN ('x'), +Inf ('+') and −Inf ('-') cells, centred in a box. */
void    ps_plot_glyph           (cairo_t *cr, double cx, double cy, double size, char glyph,
                                 guint32 over_color);

G_END_DECLS
