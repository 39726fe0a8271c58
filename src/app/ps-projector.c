/* ps-projector.c — see ps-projector.h. */
#include "ps-config.h"
#include "ps-projector.h"

static gboolean
projector_on (GSettings *settings)
{
  return settings != NULL && g_settings_get_boolean (settings, "projector-mode");
}

double
ps_projector_plot_scale (GSettings *settings)
{
  return projector_on (settings) ? PS_PROJECTOR_PLOT_SCALE : 1.0;
}

void
ps_projector_apply (GtkWidget *window, GSettings *settings)
{
  if (projector_on (settings))
    gtk_widget_add_css_class (window, "projector");
  else
    gtk_widget_remove_css_class (window, "projector");
}
