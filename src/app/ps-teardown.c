/* ps-teardown.c — what a window does as it goes away (see ps-teardown.h).
 *
 * Popovers: a window destroyed while one of its popovers is open (a drop-down's list) leaves that
 * GtkPopover alive after the window is finalized (one reference left; none when it was closed
 * first). With the pointer over its items GTK's tooltip timeout then asks the popover's native for
 * its surface, which is gone: "gdk_surface_get_device_position: assertion 'GDK_IS_SURFACE
 * (surface)'" and "_gtk_widget_find_at_coords" criticals. So every window closes its popovers when
 * it is unmapped (ps-application.c connects this to each window it gets).
 *
 * View switchers: libadwaita 1.2's view switcher buttons bind their badge and needs-attention
 * indicators (AdwIndicatorBin) to the button itself (template expressions whose object is the
 * button, watched with the button as "this"). When such a button is finalized with those bindings
 * still in place, GTK 4.8 frees one of the expressions from inside the button's weak-reference
 * notification while its own notification is still queued: "g_object_weak_unref: couldn't find
 * weak ref" (monkey seed 2613, at Ctrl+Q), and the queued callback then runs on freed memory.
 * Removing the indicators while the buttons are alive drops those bindings the ordinary way first.
 * Every window that holds a view switcher calls this from its dispose. */
#include "ps-teardown.h"

#include <adwaita.h>

static void
popdown_all (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_POPOVER (c) && gtk_widget_get_visible (c))
        gtk_popover_popdown (GTK_POPOVER (c));
      popdown_all (c);
    }
}

void
ps_teardown_popdown_popovers (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));
  popdown_all (root);
}

static void
drop_indicators (GtkWidget *widget, GType indicator)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, indicator) && GTK_IS_BOX (widget))
        gtk_box_remove (GTK_BOX (widget), child);
      else
        drop_indicators (child, indicator);
      child = next;
    }
}

static gboolean
is_view_switcher (GtkWidget *widget)
{
  return ADW_IS_VIEW_SWITCHER (widget) || ADW_IS_VIEW_SWITCHER_BAR (widget) || ADW_IS_VIEW_SWITCHER_TITLE (widget);
}

static void
find_switchers (GtkWidget *widget, GType indicator)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (is_view_switcher (c))
        drop_indicators (c, indicator);
      else
        find_switchers (c, indicator);
    }
}

void
ps_teardown_view_switchers (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));
  GType indicator = g_type_from_name ("AdwIndicatorBin");   /* libadwaita's private type */
  if (indicator == 0)
    return;
  if (is_view_switcher (root))
    drop_indicators (root, indicator);
  else
    find_switchers (root, indicator);
}
