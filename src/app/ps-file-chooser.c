/* ps-file-chooser.c — see ps-file-chooser.h.
 *
 * GTK 4.8's fallback file chooser (no portal) keeps asynchronous queries on its folder in flight
 * after it answers: a file created or replaced in that folder (the save the chooser was for) is
 * queried, and the answer arrives in the widget's "row-changed" handler, which reads the widget
 * (g_file_equal on its renamed_file field). Finalizing the chooser before that answer let it land
 * in freed memory: SIGSEGV in g_file_equal under a GIO callback (monkey seed 309, 422 actions,
 * under load; a first fix that dropped the chooser 3 s after its answer was not enough on a loaded
 * machine). So no chooser is finalized while the app runs: a released chooser is hidden, forgets its
 * answer callback and waits in a pool; the next chooser with the same title and action is that
 * one. It keeps its filters (removing a filter from a GTK 4.8 chooser and adding one again crashed
 * in g_object_unref: ps_file_chooser_is_reused tells the caller not to add them twice). The pool
 * holds at most one chooser per title for each one open at the same time.
 *
 * A chooser is modal, and if its window goes away while it is open anyway (another window quits
 * the app), it is released without answering: its answer callback holds that window (monkey
 * seed 201: SIGSEGV in ps_window_toast from an export chooser's answer). */
#include "ps-file-chooser.h"

static GPtrArray *pool;   /* released GtkFileChooserNative, hidden */

static void on_parent_destroy (GtkWindow *parent, GtkNativeDialog *chooser);

static void
forget_parent (GtkNativeDialog *chooser)
{
  GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);
  if (parent != NULL)
    g_signal_handlers_disconnect_by_func (parent, on_parent_destroy, chooser);
  gtk_native_dialog_set_transient_for (chooser, NULL);   /* the pool outlives the window */
}

static void
watch_parent (GtkFileChooserNative *chooser, GtkWindow *parent)
{
  gtk_native_dialog_set_transient_for (GTK_NATIVE_DIALOG (chooser), parent);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (parent != NULL)
    g_signal_connect (parent, "destroy", G_CALLBACK (on_parent_destroy), chooser);
}

typedef struct {
  PsFileChooserResponse callback;
  gpointer data;
} Answer;

/* GTK 4.8 emits "response" once more for each earlier show of the same chooser (a reused chooser
 * answered twice: a double free of an export job); only the first answer after a show counts. */
static void
on_response (GtkNativeDialog *chooser, int response, gpointer unused)
{
  Answer *answer = g_object_steal_data (G_OBJECT (chooser), "ps-answer");
  if (answer == NULL)
    return;
  answer->callback (chooser, response, answer->data);
  g_free (answer);
}

void
ps_file_chooser_show (GtkFileChooserNative *chooser, PsFileChooserResponse callback, gpointer data)
{
  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  Answer *answer = g_new (Answer, 1);
  *answer = (Answer) { callback, data };
  g_object_set_data_full (G_OBJECT (chooser), "ps-answer", answer, g_free);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

GtkFileChooserNative *
ps_file_chooser_new (const char *title, GtkWindow *parent, GtkFileChooserAction action, const char *accept_label)
{
  for (guint i = 0; pool != NULL && i < pool->len; i++)
    {
      GtkFileChooserNative *chooser = g_ptr_array_index (pool, i);
      if (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) != action ||
          g_strcmp0 (gtk_native_dialog_get_title (GTK_NATIVE_DIALOG (chooser)), title) != 0)
        continue;
      g_ptr_array_remove_index_fast (pool, i);
      g_object_set_data (G_OBJECT (chooser), "ps-chooser-reused", GINT_TO_POINTER (TRUE));
      gtk_file_chooser_native_set_accept_label (chooser, accept_label);
      watch_parent (chooser, parent);
      return chooser;
    }
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, NULL, action, accept_label, NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), NULL);
  watch_parent (chooser, parent);
  return chooser;
}

gboolean
ps_file_chooser_is_reused (GtkFileChooserNative *chooser)
{
  return g_object_get_data (G_OBJECT (chooser), "ps-chooser-reused") != NULL;
}

void
ps_file_chooser_release (GtkNativeDialog *chooser)
{
  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  gtk_native_dialog_hide (chooser);
  forget_parent (chooser);
  g_object_set_data (G_OBJECT (chooser), "ps-answer", NULL);   /* no answer: its window is gone */
  if (pool == NULL)
    pool = g_ptr_array_new ();
  g_ptr_array_add (pool, chooser);   /* the caller's reference */
}

static void
on_parent_destroy (GtkWindow *parent, GtkNativeDialog *chooser)
{
  ps_file_chooser_release (chooser);   /* what its handlers were given is not freed: a small leak */
}
