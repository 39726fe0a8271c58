/* ps-file-chooser.h — releasing a GtkFileChooserNative safely on GTK 4.8. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void ps_file_chooser_release (GtkNativeDialog *chooser);

G_END_DECLS
