/* ps-figure-page.c — see ps-figure-page.h. */
#include "ps-config.h"
#include "ps-figure-page.h"
#include "ps-figure-text.h"

#include <glib/gi18n.h>
#include <inttypes.h>


struct _PsFigurePage {
  GtkWidget parent_instance;
  PsPlotView *view;
  char *title;
  PsFigure *figure;
  char *message;
  char *label, *description;   /* what the plot says to assistive technology (zoom appended) */
  char *said;                  /* the description as last given to assistive technology */
};

enum { PROP_0, PROP_TITLE, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PsFigurePage, ps_figure_page, GTK_TYPE_WIDGET)

static void
draw_page (cairo_t *cr, int width, int height, double scale, gpointer data)
{
  PsFigurePage *self = data;
  if (self->figure != NULL)
    ps_figure_draw (self->figure, cr, width, height);
  else if (self->message != NULL)
    ps_plot_view_draw_message (cr, width, height, scale, self->message);
}

static char *
query_page (double x, double y, int width, int height, double scale, gpointer data)
{
  PsFigurePage *self = data;
  return self->figure != NULL ? ps_figure_query (self->figure, x, y, width, height) : NULL;
}

/* The description says when the picture is zoomed (a screen-reader user hears that only part
 * of it is shown, and how to see it whole again). */
static void
update_accessible (PsFigurePage *self)
{
  double zoom = self->view != NULL ? ps_plot_view_get_zoom (self->view) : 1.0;
  g_autofree char *zoomed = zoom > 1.0 ? g_strdup_printf (_("zoomed %.1f× (Ctrl+0 or a double-click shows it whole)"), zoom)
                                       : NULL;
  g_autofree char *description = zoomed == NULL ? g_strdup (self->description ? self->description : "")
                                 : self->description && *self->description ? g_strdup_printf ("%s; %s", self->description, zoomed)
                                 : g_strdup (zoomed);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->label ? self->label : "", GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  g_free (self->said);
  self->said = g_steal_pointer (&description);
}

const char *
ps_figure_page_get_description (PsFigurePage *self)
{
  g_return_val_if_fail (PS_IS_FIGURE_PAGE (self), NULL);
  return self->said;
}

static void
set_accessible (PsFigurePage *self, const char *label, const char *description)
{
  char *l = g_strdup (label), *d = g_strdup (description);
  g_free (self->label);
  g_free (self->description);
  self->label = l;
  self->description = d;
  update_accessible (self);
}

void
ps_figure_page_set_figure (PsFigurePage *self, PsFigure *fig, const char *what, const char *context)
{
  g_return_if_fail (PS_IS_FIGURE_PAGE (self));
  g_clear_pointer (&self->figure, ps_figure_free);
  g_clear_pointer (&self->message, g_free);
  self->figure = fig;
  if (fig != NULL)
    {
      g_autofree char *label = NULL, *description = NULL;
      ps_figure_text (fig, self->title, what, context, &label, &description);
      set_accessible (self, label, description);
    }
  else
    set_accessible (self, self->title, NULL);
  ps_plot_view_invalidate (self->view);
}

void
ps_figure_page_set_message (PsFigurePage *self, const char *text)
{
  g_return_if_fail (PS_IS_FIGURE_PAGE (self));
  char *copy = g_strdup (text);
  g_clear_pointer (&self->figure, ps_figure_free);
  g_free (self->message);
  self->message = copy;
  set_accessible (self, self->title, text);
  ps_plot_view_invalidate (self->view);
}

PsFigure *
ps_figure_page_get_figure (PsFigurePage *self)
{
  g_return_val_if_fail (PS_IS_FIGURE_PAGE (self), NULL);
  return self->figure;
}

const char *
ps_figure_page_get_message (PsFigurePage *self)
{
  g_return_val_if_fail (PS_IS_FIGURE_PAGE (self), NULL);
  return self->message;
}

PsPlotView *
ps_figure_page_get_view (PsFigurePage *self)
{
  g_return_val_if_fail (PS_IS_FIGURE_PAGE (self), NULL);
  return self->view;
}


void
ps_figure_page_set_scale (PsFigurePage *self, double scale)
{
  g_return_if_fail (PS_IS_FIGURE_PAGE (self));
  ps_plot_view_set_scale (self->view, scale);
}

void
ps_figure_page_reset_zoom (PsFigurePage *self)
{
  g_return_if_fail (PS_IS_FIGURE_PAGE (self));
  ps_plot_view_reset_zoom (self->view);
}

static void
ps_figure_page_dispose (GObject *object)
{
  PsFigurePage *self = PS_FIGURE_PAGE (object);
  g_clear_pointer (&self->figure, ps_figure_free);
  if (self->view != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->view));
  self->view = NULL;
  G_OBJECT_CLASS (ps_figure_page_parent_class)->dispose (object);
}

static void
ps_figure_page_finalize (GObject *object)
{
  PsFigurePage *self = PS_FIGURE_PAGE (object);
  g_free (self->title);
  g_free (self->message);
  g_free (self->label);
  g_free (self->description);
  g_free (self->said);
  G_OBJECT_CLASS (ps_figure_page_parent_class)->finalize (object);
}

static void
ps_figure_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PsFigurePage *self = PS_FIGURE_PAGE (object);
  switch (prop_id)
    {
    case PROP_TITLE:
      g_free (self->title);
      self->title = g_value_dup_string (value);
      if (self->figure == NULL)
        set_accessible (self, self->title, self->message);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_figure_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsFigurePage *self = PS_FIGURE_PAGE (object);
  switch (prop_id)
    {
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_figure_page_class_init (PsFigurePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ps_figure_page_dispose;
  object_class->finalize = ps_figure_page_finalize;
  object_class->set_property = ps_figure_page_set_property;
  object_class->get_property = ps_figure_page_get_property;
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "figurepage");
}

static void
ps_figure_page_init (PsFigurePage *self)
{
  self->view = g_object_new (PS_TYPE_PLOT_VIEW, "accessible-role", GTK_ACCESSIBLE_ROLE_IMG,
                             "hexpand", TRUE, "vexpand", TRUE, NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->view), GTK_WIDGET (self));
  ps_plot_view_set_draw_func (self->view, draw_page, query_page, self, NULL);
  g_signal_connect_swapped (self->view, "notify::zoom", G_CALLBACK (update_accessible), self);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}
