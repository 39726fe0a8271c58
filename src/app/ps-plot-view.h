/* ps-plot-view.h — a widget that shows one render-layer picture (heatmap, histogram, …).
 *
 * The picture is drawn by a PsPlotDrawFunc with cairo — the very function the exporters use — into
 * a cached image surface whenever the data or the size changes, then painted in snapshot. Zoom
 * (ctrl+scroll, pinch) and pan (drag) transform the painted surface; hover asks a query function
 * for a tooltip text at the point under the pointer, in picture coordinates. */
#pragma once

#include <gtk/gtk.h>
#include <cairo.h>

G_BEGIN_DECLS

#define PS_TYPE_PLOT_VIEW (ps_plot_view_get_type ())
G_DECLARE_FINAL_TYPE (PsPlotView, ps_plot_view, PS, PLOT_VIEW, GtkWidget)

/* Draws the picture at width × height (device-independent units; scale for projector mode). */
typedef void  (*PsPlotDrawFunc)  (cairo_t *cr, int width, int height, double scale, gpointer user_data);
/* Returns a newly allocated tooltip for the point (x, y) of a width × height picture, or NULL. */
typedef char *(*PsPlotQueryFunc) (double x, double y, int width, int height, double scale, gpointer user_data);

/* Made by templates (ui/), as the figure page's child. */
void       ps_plot_view_set_draw_func (PsPlotView *self, PsPlotDrawFunc draw, PsPlotQueryFunc query,
                                       gpointer user_data, GDestroyNotify destroy);
/* The data changed: redraw the cached surface. */
void       ps_plot_view_invalidate   (PsPlotView *self);
void       ps_plot_view_reset_zoom   (PsPlotView *self);
/* Leave `pixels` at the bottom free (the picture is drawn that much shorter; 0 = none): where a
 * toast shows, so it never covers the axis labels. */
void       ps_plot_view_set_reserve_bottom (PsPlotView *self, int pixels);
int        ps_plot_view_get_picture_height (PsPlotView *self);
void       ps_plot_view_set_scale    (PsPlotView *self, double scale);   /* text/stroke scale, 1 or 1.6 */
double     ps_plot_view_get_zoom     (PsPlotView *self);
/* Zoom (1…64) keeping the widget point (x, y) fixed, and pan by a widget offset — what ctrl+scroll
 * and dragging do. */
void       ps_plot_view_set_zoom     (PsPlotView *self, double zoom, double x, double y);
void       ps_plot_view_pan_by       (PsPlotView *self, double dx, double dy);
/* One frame as the screen would paint it, into a new image surface: sharp = after the zoomed
 * redraw (zoom and pan at rest), else the fast path used while zooming or panning. For tests and
 * benchmarks. */
cairo_surface_t *ps_plot_view_render_for_test (PsPlotView *self, gboolean sharp);
/* The tooltip for the widget point (x, y) — what hovering shows (zoom and pan applied). */
char      *ps_plot_view_query        (PsPlotView *self, double x, double y);

/* For a draw function with nothing to plot: the reason, centred and wrapped, in a muted colour. */
void       ps_plot_view_draw_message (cairo_t *cr, int width, int height, double scale, const char *text);

G_END_DECLS
