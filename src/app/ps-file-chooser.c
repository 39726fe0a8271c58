/* ps-file-chooser.c — see ps-file-chooser.h.
 *
 * GTK 4.8's fallback file chooser (no portal) can still have asynchronous folder queries in flight
 * when it answers; destroying it from its "response" handler let one complete into the freed
 * widget (SIGSEGV in g_file_equal under a GIO callback, found by the monkey test). So the chooser
 * is hidden at once and dropped a few seconds later, when those queries are done. */
#include "ps-file-chooser.h"

#define GRACE_MS 3000

static gboolean
drop (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

void
ps_file_chooser_release (GtkNativeDialog *chooser)
{
  g_return_if_fail (GTK_IS_NATIVE_DIALOG (chooser));
  gtk_native_dialog_hide (chooser);
  g_timeout_add_full (G_PRIORITY_LOW, GRACE_MS, drop, chooser, NULL);
}
