/* ps-animation.h — any figure over time: a sequence of frames drawn by a PsFrameDrawFunc (frame i
 * of n; typically a figure at the i-th chosen step) written as
 *  - an animated GIF (giflib): per-frame delay, loop count;
 *  - a numbered PNG/SVG/PDF series (DIR/STEM-0001.png …), one file per frame;
 *  - a contact sheet: the frames side by side on one page (PNG, SVG or PDF), or one frame per
 *    page of a PDF (columns = 0), for slides.
 *
 * GIF colours. A GIF frame holds at most 256 colours; cairo's antialiased text and lines make
 * thousands. Each frame gets its own palette (a local colour table), built so the data's colours
 * stay exact: a frame with ≤ 256 distinct colours is stored losslessly; otherwise the colours in
 * `keep_colors` that occur (pass a colormap's 256 LUT entries, see ps_animation_options_keep_colormap)
 * and then the most frequent colours (flat areas: heatmap cells, background, text) are kept exactly,
 * up to 224 entries, and the remaining (antialiasing) colours are median-cut into the other
 * entries and mapped to the nearest entry. So a heatmap cell in the GIF has exactly its colormap
 * colour, and frames that draw the same data are identical.
 *
 * Every file is written atomically (GIF through ps-atomic-file, pictures through ps-export): on
 * any error the target is left as it was. A series writes each file atomically; an error stops
 * the series and names the frame. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-export.h"
#include "ps-colormap.h"

G_BEGIN_DECLS

typedef void (*PsFrameDrawFunc) (cairo_t *cr, double width, double height, guint frame,
                                 gpointer data);

#define PS_ANIMATION_MAX_FRAMES 100000
#define PS_ANIMATION_GIF_MAX_SIDE 16384     /* pixels; GIF allows 65535, memory does not */

typedef struct {
  double width, height;      /* of a frame, user units (points for SVG/PDF) */
  double scale;              /* pixels per unit for GIF and PNG; default 1 */
  double dpi;                /* PNG pHYs; ≤ 0 none */
  guint delay_cs;            /* GIF: every frame's delay in 1/100 s; default 50 */
  const guint *delays_cs;    /* GIF: n_frames delays (overrides delay_cs), or NULL */
  int loop;                  /* GIF: 0 = forever (default); n > 0 = repeat n times; −1 = once,
                              * no loop extension */
  const guint32 *keep_colors; /* colours kept exactly in GIF palettes (0xAARRGGBB) */
  gsize n_keep;
} PsAnimationOptions;

void     ps_animation_options_init          (PsAnimationOptions *o, double width, double height);
/* Keep the colormap's LUT and its NaN/±Inf colours exact in GIF frames. The colours live in a
 * static table per map; the options only point at it. */
void     ps_animation_options_keep_colormap (PsAnimationOptions *o, PsColormapKind kind);

gboolean ps_animation_write_gif    (const char *path, guint n_frames, PsFrameDrawFunc draw,
                                    gpointer data, const PsAnimationOptions *o, GError **error);
/* DIR/STEM-NNNN.EXT for frames 1..n (at least 4 digits), EXT = png, svg or pdf. DIR is created
 * when missing. The written paths are appended to `written` (may be NULL). */
gboolean ps_animation_write_series (const char *dir, const char *stem, PsExportFormat format,
                                    guint n_frames, PsFrameDrawFunc draw, gpointer data,
                                    const PsAnimationOptions *o, GPtrArray *written,
                                    GError **error);
/* columns > 0: one page, frames in rows of `columns` (format by extension: png, svg, pdf);
 * columns = 0: a PDF with one frame per page. */
gboolean ps_animation_write_contact_sheet (const char *path, guint n_frames, PsFrameDrawFunc draw,
                                           gpointer data, guint columns,
                                           const PsAnimationOptions *o, GError **error);

/* The frames of an export over a range of n_available items (sub-steps, steps): from, from + every,
 * … up to to (clamped to n_available − 1), and to itself when the stride misses it; every 0 counts
 * as 1. Returns a GArray of guint, or NULL with an error when the range is empty or holds more than
 * max_frames frames. `unit` names the items in messages ("sub-steps"); numbers there are 1-based. */
GArray  *ps_animation_frame_range  (guint from, guint to, guint every, guint n_available, guint max_frames,
                                    const char *unit, GError **error);
/* Writes n_frames frames by path's extension (any case): .gif an animation, .pdf one frame per
 * page, .png/.svg a numbered series DIR/STEM-NNNN.EXT beside path (STEM = the file name without
 * its extension). Any other extension: an error naming path, nothing written. */
gboolean ps_animation_write_by_extension (const char *path, guint n_frames, PsFrameDrawFunc draw,
                                          gpointer data, const PsAnimationOptions *o, GError **error);

/* Exposed for tests: quantize an opaque ARGB32/RGB24 image of w × h pixels (stride in bytes) to
 * at most 256 colours. Writes w·h indices and the palette (0x00RRGGBB) and returns its size. */
guint    ps_animation_quantize     (const guint8 *pixels, int w, int h, int stride,
                                    const guint32 *keep, gsize n_keep, guint8 *indices,
                                    guint32 palette[256]);

G_END_DECLS
