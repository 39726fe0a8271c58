/* ps-plot-view.c — see ps-plot-view.h. */
#include "ps-plot-view.h"

#include <adwaita.h>
#include <math.h>

#include "ps-colormap.h"
#include "ps-plot.h"

struct _PsPlotView {
  GtkWidget parent_instance;

  PsPlotDrawFunc draw;
  PsPlotQueryFunc query;
  gpointer user_data;
  GDestroyNotify destroy;

  cairo_surface_t *surface;   /* the picture at the widget's size, drawn once per data change */
  int surface_width, surface_height;
  double scale;
  int reserve_bottom;         /* pixels at the bottom the picture leaves free (a toast shows there) */

  double zoom;                /* ≥ 1: magnification of the painted surface */
  double pan_x, pan_y;        /* offset of the picture origin, widget coordinates */
  double drag_start_x, drag_start_y;

  /* Zoomed in, the cached picture scaled up keeps cells crisp (nearest) but pixelates text. Once
   * zoom and pan rest, the visible region is drawn again at the zoomed resolution: crisp text and
   * lines, cells still nearest-filtered by the renderer. */
  cairo_surface_t *zoomed;    /* the widget's area at (zoomed_zoom, zoomed_pan_*) */
  double zoomed_zoom, zoomed_pan_x, zoomed_pan_y;
  guint zoomed_timeout;
};

enum { PROP_0, PROP_ZOOM, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PsPlotView, ps_plot_view, GTK_TYPE_WIDGET)

/* The plots follow the desktop's style (AdwStyleManager): dark chrome in dark style. */
static gboolean
style_is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static void
ensure_surface (PsPlotView *self, int width, int height)
{
  if (self->surface != NULL && self->surface_width == width && self->surface_height == height)
    return;
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  if (width <= 0 || height <= 0 || self->draw == NULL)
    return;
  self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  self->surface_width = width;
  self->surface_height = height;
  cairo_t *cr = cairo_create (self->surface);
  ps_color_set_dark (cr, style_is_dark ());
  self->draw (cr, width, height, self->scale, self->user_data);
  cairo_destroy (cr);
}

static void
render_zoomed (PsPlotView *self, int width, int height)
{
  g_clear_pointer (&self->zoomed, cairo_surface_destroy);
  if (self->surface == NULL || self->draw == NULL)
    return;
  self->zoomed = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (self->zoomed);
  ps_color_set_dark (cr, style_is_dark ());
  cairo_translate (cr, self->pan_x, self->pan_y);
  cairo_scale (cr, self->zoom, self->zoom);
  /* the same picture at the cached size, only under a transform: hover coordinates stay valid */
  self->draw (cr, self->surface_width, self->surface_height, self->scale, self->user_data);
  cairo_destroy (cr);
  self->zoomed_zoom = self->zoom;
  self->zoomed_pan_x = self->pan_x;
  self->zoomed_pan_y = self->pan_y;
}

static gboolean
zoomed_timeout_cb (gpointer data)
{
  PsPlotView *self = data;
  self->zoomed_timeout = 0;
  render_zoomed (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static gboolean
zoomed_is_current (PsPlotView *self, int width, int height)
{
  return self->zoomed != NULL && self->zoomed_zoom == self->zoom && self->zoomed_pan_x == self->pan_x &&
         self->zoomed_pan_y == self->pan_y && cairo_image_surface_get_width (self->zoomed) == width &&
         cairo_image_surface_get_height (self->zoomed) == height;
}

#define MAX_ZOOM 64.0
/* the sharp redraw waits until zoom and pan have rested this long (ms): longer than the gap between
 * two scroll or drag events, short enough to feel immediate */
#define SHARP_REDRAW_DELAY_MS 120

/* Every zoom and pan value stays finite and in range: one NaN (a scroll event without a position,
 * a gesture's degenerate centre) would otherwise stick in the pan and blank the plot until restart. */
static void
clamp_pan (PsPlotView *self, int width, int height)
{
  if (!isfinite (self->zoom))
    self->zoom = 1.0;
  self->zoom = CLAMP (self->zoom, 1.0, MAX_ZOOM);
  width = MAX (width, 0);
  height = MAX (height, 0);
  double min_x = width - width * self->zoom, min_y = height - height * self->zoom;
  self->pan_x = isfinite (self->pan_x) ? CLAMP (self->pan_x, min_x, 0) : 0;
  self->pan_y = isfinite (self->pan_y) ? CLAMP (self->pan_y, min_y, 0) : 0;
}

/* The picture's height: the widget's, less the reserved strip at the bottom. */
static int
picture_height (PsPlotView *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  return self->reserve_bottom > 0 ? MAX (height - self->reserve_bottom, MIN (height, 60)) : height;
}

void
ps_plot_view_set_reserve_bottom (PsPlotView *self, int pixels)
{
  g_return_if_fail (PS_IS_PLOT_VIEW (self));
  pixels = MAX (pixels, 0);
  if (pixels == self->reserve_bottom)
    return;
  self->reserve_bottom = pixels;
  ps_plot_view_invalidate (self);
}

int
ps_plot_view_get_picture_height (PsPlotView *self)
{
  g_return_val_if_fail (PS_IS_PLOT_VIEW (self), 0);
  return picture_height (self);
}

static void
ps_plot_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsPlotView *self = PS_PLOT_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  ensure_surface (self, width, picture_height (self));
  if (self->surface == NULL)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->zoom > 1.0 && zoomed_is_current (self, width, height))
    {
      cairo_set_source_surface (cr, self->zoomed, 0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      return;
    }
  cairo_translate (cr, self->pan_x, self->pan_y);
  cairo_scale (cr, self->zoom, self->zoom);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  /* nearest: zoomed small matrices stay crisp cells, never blurred (GTK 4.8 has no scaled-texture filter) */
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
  if (self->zoom > 1.0)
    {
      /* while zooming and panning, the fast path above; a sharp redraw once it rests */
      g_clear_handle_id (&self->zoomed_timeout, g_source_remove);
      self->zoomed_timeout = g_timeout_add (SHARP_REDRAW_DELAY_MS, zoomed_timeout_cb, self);
    }
}

static void
ps_plot_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PsPlotView *self = PS_PLOT_VIEW (widget);
  clamp_pan (self, width, height);
}

static void
ps_plot_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                      int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 420;
}

static void
set_zoom_at (PsPlotView *self, double zoom, double x, double y)
{
  if (!isfinite (zoom))
    return;
  int width = gtk_widget_get_width (GTK_WIDGET (self)), height = gtk_widget_get_height (GTK_WIDGET (self));
  if (!isfinite (x) || !isfinite (y))
    x = width / 2.0, y = height / 2.0;
  zoom = CLAMP (zoom, 1.0, MAX_ZOOM);
  /* keep the point under the pointer fixed */
  double px = (x - self->pan_x) / self->zoom, py = (y - self->pan_y) / self->zoom;
  self->zoom = zoom;
  self->pan_x = x - px * zoom;
  self->pan_y = y - py * zoom;
  clamp_pan (self, width, height);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, PsPlotView *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (!(state & GDK_CONTROL_MASK) && self->zoom <= 1.0)
    return FALSE;
  if (!isfinite (dx) || !isfinite (dy))
    return TRUE;
  double x = NAN, y = NAN;   /* set_zoom_at zooms about the centre when the event has no position */
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  if (event != NULL && gdk_event_get_position (event, &x, &y))
    {
      graphene_point_t p;
      GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
      double nx, ny;
      gtk_native_get_surface_transform (native, &nx, &ny);
      if (native != NULL && gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self),
                                                      &GRAPHENE_POINT_INIT (x - nx, y - ny), &p))
        x = p.x, y = p.y;
      else
        x = y = NAN;
    }
  if (state & GDK_CONTROL_MASK)
    set_zoom_at (self, self->zoom * pow (1.15, -dy), x, y);
  else
    {
      self->pan_x -= dx * 20;
      self->pan_y -= dy * 20;
      clamp_pan (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, PsPlotView *self)
{
  self->drag_start_x = self->pan_x;
  self->drag_start_y = self->pan_y;
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, PsPlotView *self)
{
  if (!isfinite (dx) || !isfinite (dy))
    return;
  self->pan_x = self->drag_start_x + dx;
  self->pan_y = self->drag_start_y + dy;
  clamp_pan (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, PsPlotView *self)
{
  double x = NAN, y = NAN;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = y = NAN;
  set_zoom_at (self, self->zoom * scale, x, y);
}

/* A double-click shows the whole picture again (as Ctrl+0 does) */
static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, PsPlotView *self)
{
  if (n_press == 2 && (self->zoom != 1.0 || self->pan_x != 0 || self->pan_y != 0))
    ps_plot_view_reset_zoom (self);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  PsPlotView *self = PS_PLOT_VIEW (widget);
  if (self->surface == NULL)
    return FALSE;
  g_autofree char *text = ps_plot_view_query (self, x, y);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_markup (tooltip, text);
  return TRUE;
}

void
ps_plot_view_set_zoom (PsPlotView *self, double zoom, double x, double y)
{
  g_return_if_fail (PS_IS_PLOT_VIEW (self));
  set_zoom_at (self, zoom, x, y);
}

void
ps_plot_view_pan_by (PsPlotView *self, double dx, double dy)
{
  g_return_if_fail (PS_IS_PLOT_VIEW (self));
  if (!isfinite (dx) || !isfinite (dy))
    return;
  self->pan_x += dx;
  self->pan_y += dy;
  clamp_pan (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

cairo_surface_t *
ps_plot_view_render_for_test (PsPlotView *self, gboolean sharp)
{
  g_return_val_if_fail (PS_IS_PLOT_VIEW (self), NULL);
  int width = gtk_widget_get_width (GTK_WIDGET (self)), height = gtk_widget_get_height (GTK_WIDGET (self));
  ensure_surface (self, width, picture_height (self));
  if (sharp)
    render_zoomed (self, width, height);
  else
    g_clear_pointer (&self->zoomed, cairo_surface_destroy);
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  GtkSnapshot *snap = gtk_snapshot_new ();
  ps_plot_view_snapshot (GTK_WIDGET (self), snap);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snap);
  g_clear_handle_id (&self->zoomed_timeout, g_source_remove);
  if (node != NULL)
    {
      cairo_t *cr = cairo_create (out);
      gsk_render_node_draw (node, cr);
      cairo_destroy (cr);
    }
  return out;
}

char *
ps_plot_view_query (PsPlotView *self, double x, double y)
{
  g_return_val_if_fail (PS_IS_PLOT_VIEW (self), NULL);
  ensure_surface (self, gtk_widget_get_width (GTK_WIDGET (self)), picture_height (self));
  if (self->query == NULL || self->surface == NULL)
    return NULL;
  double px = (x - self->pan_x) / self->zoom, py = (y - self->pan_y) / self->zoom;
  return self->query (px, py, self->surface_width, self->surface_height, self->scale, self->user_data);
}

static void
ps_plot_view_dispose (GObject *object)
{
  PsPlotView *self = PS_PLOT_VIEW (object);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_pointer (&self->zoomed, cairo_surface_destroy);
  g_clear_handle_id (&self->zoomed_timeout, g_source_remove);
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  self->destroy = NULL;
  self->user_data = NULL;
  G_OBJECT_CLASS (ps_plot_view_parent_class)->dispose (object);
}

static void
ps_plot_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsPlotView *self = PS_PLOT_VIEW (object);
  switch (prop_id)
    {
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_plot_view_class_init (PsPlotViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ps_plot_view_dispose;
  object_class->get_property = ps_plot_view_get_property;
  widget_class->snapshot = ps_plot_view_snapshot;
  widget_class->measure = ps_plot_view_measure;
  widget_class->size_allocate = ps_plot_view_size_allocate;
  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 1.0, MAX_ZOOM, 1.0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "plotview");
}

static void
ps_plot_view_init (PsPlotView *self)
{
  self->zoom = 1.0;
  self->scale = 1.0;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  GtkGesture *zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (ps_plot_view_invalidate),
                           self, G_CONNECT_SWAPPED);
}

void
ps_plot_view_set_draw_func (PsPlotView *self, PsPlotDrawFunc draw, PsPlotQueryFunc query,
                            gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (PS_IS_PLOT_VIEW (self));
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  self->draw = draw;
  self->query = query;
  self->user_data = user_data;
  self->destroy = destroy;
  ps_plot_view_invalidate (self);
}

void
ps_plot_view_invalidate (PsPlotView *self)
{
  g_return_if_fail (PS_IS_PLOT_VIEW (self));
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_pointer (&self->zoomed, cairo_surface_destroy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ps_plot_view_reset_zoom (PsPlotView *self)
{
  self->zoom = 1.0;
  self->pan_x = self->pan_y = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
ps_plot_view_set_scale (PsPlotView *self, double scale)
{
  if (self->scale == scale)
    return;
  self->scale = scale;
  ps_plot_view_invalidate (self);
}

double
ps_plot_view_get_zoom (PsPlotView *self)
{
  return self->zoom;
}

/* the message wraps inside the plot less both side margins (px), never narrower than MESSAGE_MIN_WIDTH */
#define MESSAGE_SIDE_MARGINS 80
#define MESSAGE_MIN_WIDTH 100

void
ps_plot_view_draw_message (cairo_t *cr, int width, int height, double scale, const char *text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("Sans");
  pango_font_description_set_absolute_size (font, 15 * scale * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (layout, (int) (MAX (width - MESSAGE_SIDE_MARGINS, MESSAGE_MIN_WIDTH) * PANGO_SCALE));
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);
  int lw, lh;
  pango_layout_get_pixel_size (layout, &lw, &lh);
  ps_color_set_source (cr, PS_PLOT_MUTED);   /* light in dark style */
  cairo_move_to (cr, 40, (height - lh) / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}
