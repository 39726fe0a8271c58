/* layout-test-util.h — what the GUI tests (tests/app/test-narrow-window.c, test-narrow-dialogs.c,
 * test-window.c, test-checkpoint-window.c, test-series-window.c) share: counting GLib/GTK warnings,
 * saving a widget as a PNG for a human to look at ($PS_SCREENSHOTS), finding a widget by type or a
 * button by its label, and checking that every mapped widget lies inside its window. */
#pragma once

#include <gtk/gtk.h>

static guint layout_warnings;   /* warnings and criticals logged since layout_count_warnings() */

static inline GLogWriterOutput
layout_warning_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
    layout_warnings++;
  return g_log_writer_default (level, fields, n_fields, data);
}

/* Counts every warning and critical in layout_warnings (they still reach the default writer, which
 * g_test_init makes fatal). Call once, in main(). */
static inline void
layout_count_warnings (void)
{
  g_log_set_writer_func (layout_warning_writer, NULL, NULL);
}

/* With PS_SCREENSHOTS=dir the widget is saved there as file_name (a PNG), as it is drawn now. */
static inline void
save_widget_png (GtkWidget *widget, const char *file_name)
{
  const char *dir = g_getenv ("PS_SCREENSHOTS");
  if (dir == NULL)
    return;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, width, height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snap);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (s);
  if (node != NULL)
    gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  g_autofree char *path = g_build_filename (dir, file_name, NULL);
  g_assert_cmpint (cairo_surface_write_to_png (s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (s);
}

/* The first widget of `type` in w's tree (w included, depth first), or NULL. */
static inline GtkWidget *
find_type (GtkWidget *w, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *f = find_type (c, type);
      if (f != NULL)
        return f;
    }
  return NULL;
}

/* The first GtkButton in w's tree (depth first) whose label is `label`, or NULL. */
static inline GtkWidget *
find_button (GtkWidget *w, const char *label)
{
  if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *f = find_button (c, label);
      if (f != NULL)
        return f;
    }
  return NULL;
}

/* TRUE when c's bounds (in *b, relative to win) lie inside win, with 1 px of slack (libadwaita
 * lays the header bar over the window's 1 px border). */
static inline gboolean
inside (GtkWidget *c, GtkWidget *win, graphene_rect_t *b)
{
  g_assert_true (gtk_widget_compute_bounds (c, win, b));
  return b->origin.x >= -1.5 && b->origin.y >= -1.5 && b->origin.x + b->size.width <= gtk_widget_get_width (win) + 1.5 &&
         b->origin.y + b->size.height <= gtk_widget_get_height (win) + 1.5;
}

/* Every mapped widget below w lies inside win, except what a scrolled window shows part of (its
 * content scrolls: only its sizes are checked) and separate surfaces (popovers); sizes are never
 * negative. Aborts naming the first widget outside. Returns how many widgets were checked. */
static inline guint
check_inside (GtkWidget *w, GtkWidget *win, gboolean scrolled)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (!gtk_widget_get_mapped (c) || GTK_IS_NATIVE (c))
        continue;
      graphene_rect_t b;
      gboolean in = inside (c, win, &b);
      g_assert_cmpfloat (b.size.width, >=, 0);
      g_assert_cmpfloat (b.size.height, >=, 0);
      if (!scrolled && !in)
        g_error ("%s (%s) lies at %.0f, %.0f, %.0f × %.0f: outside the %d × %d %s", G_OBJECT_TYPE_NAME (c),
                 gtk_widget_get_css_name (c), b.origin.x, b.origin.y, b.size.width, b.size.height,
                 gtk_widget_get_width (win), gtk_widget_get_height (win), G_OBJECT_TYPE_NAME (win));
      n++;
      n += check_inside (c, win, scrolled || GTK_IS_SCROLLED_WINDOW (c));
    }
  return n;
}
