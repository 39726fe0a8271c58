/* ps-file-chooser.h — GTK 4.8 file choosers that answer once and outlive their answer safely. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* the answer: called once, then the callee calls ps_file_chooser_release */
typedef void (*PsFileChooserResponse) (GtkNativeDialog *chooser, int response, gpointer data);

GtkFileChooserNative *ps_file_chooser_new (const char *title, GtkWindow *parent,
                                           GtkFileChooserAction action, const char *accept_label);
void ps_file_chooser_show (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data);
/* as ps_file_chooser_show; `destroy` frees `data` once the chooser is done with it: after the
 * answer, or when the chooser is released without answering (its window went away) */
void ps_file_chooser_show_full (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data,
                                GDestroyNotify destroy);
void ps_file_chooser_release (GtkNativeDialog *chooser);

G_END_DECLS
