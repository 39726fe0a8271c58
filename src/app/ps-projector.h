/* ps-projector.h — projector mode, the same in every window: the application's "projector-mode"
 * setting makes text larger (the window's "projector" style class, style.css) and the plots'
 * text and strokes PS_PROJECTOR_PLOT_SCALE times larger. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_PROJECTOR_PLOT_SCALE 1.6

/* 1, or PS_PROJECTOR_PLOT_SCALE in projector mode (settings may be NULL: 1). */
double ps_projector_plot_scale (GSettings *settings);
/* Adds or removes the window's "projector" style class to match the settings. */
void   ps_projector_apply      (GtkWidget *window, GSettings *settings);

G_END_DECLS
