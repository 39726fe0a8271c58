/* ps-teardown.h — what a window does as it goes away so that GTK 4.8 and libadwaita 1.2 leave
 * nothing behind: its open popovers closed, its view switchers' indicator bindings dropped. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void ps_teardown_popdown_popovers (GtkWidget *root);
void ps_teardown_view_switchers (GtkWidget *root);

G_END_DECLS
