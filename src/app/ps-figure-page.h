/* ps-figure-page.h — one figure page of a window: a PsPlotView drawing a PsFigure, or the reason
 * there is none, exposed to assistive technologies as an image named by what it shows and
 * described by its numbers. The main window and the checkpoint window (and every later page with
 * a figure) use this one widget: the figure's lifetime, the empty state, zoom reset, projector
 * scale and the accessible name live here once. */
#pragma once

#include <gtk/gtk.h>
#include "ps-figure.h"
#include "ps-plot-view.h"

G_BEGIN_DECLS

#define PS_TYPE_FIGURE_PAGE (ps_figure_page_get_type ())
G_DECLARE_FINAL_TYPE (PsFigurePage, ps_figure_page, PS, FIGURE_PAGE, GtkWidget)

/* Made by the windows' templates (ui/); its "title" property is the page's name ("Heatmap"): the
 * accessible name while it shows no figure. */
/* Shows fig (taken; NULL = nothing at all). `what` names the tensor for the accessible name
 * ("Heatmap of fc.weight"; NULL: the figure's title), `context` starts its description
 * ("Step 3"; may be NULL); the rest of the description is the tensor's shape and statistics. */
void        ps_figure_page_set_figure   (PsFigurePage *self, PsFigure *fig, const char *what,
                                         const char *context);
/* Shows why there is no figure (drawn centred, and the accessible description). */
void        ps_figure_page_set_message  (PsFigurePage *self, const char *text);
PsFigure   *ps_figure_page_get_figure   (PsFigurePage *self);   /* no ref, may be NULL */
const char *ps_figure_page_get_message  (PsFigurePage *self);   /* NULL while a figure is shown */
PsPlotView *ps_figure_page_get_view     (PsFigurePage *self);
/* Text and stroke scale of the figures drawn (ps_projector_plot_scale). */
void        ps_figure_page_set_scale    (PsFigurePage *self, double scale);
void        ps_figure_page_reset_zoom   (PsFigurePage *self);
/* The plot's accessible description as last set (what it shows; "zoomed 2.0× …" while zoomed). */
const char *ps_figure_page_get_description (PsFigurePage *self);

G_END_DECLS
