/* ps-file-chooser.h — file choosers that are never finalized while the app runs (GTK 4.8). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* the answer: called once, then the callee calls ps_file_chooser_release */
typedef void (*PsFileChooserResponse) (GtkNativeDialog *chooser, int response, gpointer data);

GtkFileChooserNative *ps_file_chooser_new (const char *title, GtkWindow *parent,
                                           GtkFileChooserAction action, const char *accept_label);
/* TRUE: it was used before and has its filters already */
gboolean ps_file_chooser_is_reused (GtkFileChooserNative *chooser);
void ps_file_chooser_show (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data);
void ps_file_chooser_release (GtkNativeDialog *chooser);

G_END_DECLS
