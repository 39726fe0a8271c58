/* ps-file-chooser.c — see ps-file-chooser.h.
 *
 * GTK 4.8's fallback file chooser (no portal) keeps asynchronous work on its folder in flight after
 * it answers (a folder still being enumerated, a file created or replaced there queried), and the
 * answers arrive in handlers that read the chooser widget (its "row-changed" handler calls
 * g_file_equal on a field of the widget). Finalizing the chooser before they arrive let them land
 * in freed memory: SIGSEGV in g_file_equal under a GIO callback (monkey seed 309, with a 3 s grace
 * on a machine at load 20). So a released chooser is hidden at once and finalized a minute later.
 * Not reused instead: a GTK 4.8 chooser shown again answers once more per earlier show, and keeps
 * the pressed state of a button it was hidden under ("Broken accounting of active state").
 *
 * Only the first answer after a show counts, the chooser is modal, and if its window goes away
 * while it is open anyway (another window quits the app) it is released without answering: its
 * answer callback holds that window (monkey seed 201: SIGSEGV in ps_window_toast from an export
 * chooser's answer). */
#include "ps-file-chooser.h"

#define GRACE_S 60

typedef struct {
  PsFileChooserResponse callback;
  gpointer data;
  GDestroyNotify destroy;   /* of data, may be NULL */
} Answer;

static void
answer_free (gpointer p)
{
  Answer *answer = p;
  if (answer->destroy != NULL)
    answer->destroy (answer->data);
  g_free (answer);
}

static void on_parent_destroy (GtkWindow *parent, GtkNativeDialog *chooser);

static void
on_response (GtkNativeDialog *chooser, int response, gpointer unused)
{
  Answer *answer = g_object_steal_data (G_OBJECT (chooser), "ps-answer");
  if (answer == NULL)
    return;
  answer->callback (chooser, response, answer->data);
  answer_free (answer);
}

GtkFileChooserNative *
ps_file_chooser_new (const char *title, GtkWindow *parent, GtkFileChooserAction action, const char *accept_label)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, parent, action, accept_label, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), NULL);
  if (parent != NULL)
    g_signal_connect (parent, "destroy", G_CALLBACK (on_parent_destroy), chooser);
  g_object_set_data (G_OBJECT (chooser), "ps-chooser", GINT_TO_POINTER (TRUE));
  return chooser;
}

void
ps_file_chooser_show_full (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data,
                           GDestroyNotify destroy)
{
  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  Answer *answer = g_new (Answer, 1);
  *answer = (Answer) { callback, data, destroy };
  g_object_set_data_full (G_OBJECT (chooser), "ps-answer", answer, answer_free);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
ps_file_chooser_show (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data)
{
  ps_file_chooser_show_full (chooser, callback, data, NULL);
}

static gboolean
drop (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

void
ps_file_chooser_release (GtkNativeDialog *chooser)
{
  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  g_return_if_fail (g_object_get_data (G_OBJECT (chooser), "ps-chooser") != NULL);   /* from ps_file_chooser_new */
  g_object_set_data (G_OBJECT (chooser), "ps-answer", NULL);   /* no answer any more */
  gtk_native_dialog_hide (chooser);
  GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);
  if (parent != NULL)
    g_signal_handlers_disconnect_by_func (parent, on_parent_destroy, chooser);
  gtk_native_dialog_set_transient_for (chooser, NULL);   /* it outlives its window by a minute */
  g_timeout_add_seconds_full (G_PRIORITY_LOW, GRACE_S, drop, chooser, NULL);   /* the caller's reference */
}

static void
on_parent_destroy (GtkWindow *parent, GtkNativeDialog *chooser)
{
  ps_file_chooser_release (chooser);   /* its data is freed now if it was shown with a destroy */
}
