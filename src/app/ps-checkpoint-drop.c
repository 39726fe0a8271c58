/* ps-checkpoint-drop.c — see ps-checkpoint-drop.h. */
#include "ps-config.h"
#include "ps-checkpoint-drop.h"

#include <glib/gi18n.h>

#include "ps-application.h"
#include "ps-checkpoint-open.h"
#include "ps-error.h"

/* What a drop of files does (the asking window shows a failure, as for File → Open Checkpoint).
 * FALSE, with error set and nothing opened, for an empty drop or a file that is not a checkpoint. */
static gboolean
ps_checkpoint_drop_open (GtkWindow *window, GFile *const *files, guint n_files, GError **error)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);
  GtkApplication *app = gtk_window_get_application (window);
  if (n_files == 0 || !PS_IS_APPLICATION (app))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Nothing to open was dropped"));
      return FALSE;
    }
  /* everything checked before anything opens */
  g_autoptr (GPtrArray) folders = g_ptr_array_new ();
  g_autoptr (GPtrArray) checkpoints = g_ptr_array_new ();
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *local = g_file_get_path (files[i]);
      if (local == NULL)
        {
          /* a URI with no path on this computer (a link dragged from a browser, a remote folder):
           * named as the user sees it, since it has no local name */
          g_autofree char *name = g_file_get_parse_name (files[i]);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       _("Could not open the dropped files: %s is not a file on this computer (download it first)"),
                       name);
          return FALSE;
        }
      if (g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        g_ptr_array_add (folders, files[i]);
      else if (ps_checkpoint_is_named (files[i]))
        g_ptr_array_add (checkpoints, files[i]);
      else
        {
          g_autofree char *name = g_file_get_parse_name (files[i]);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       _("Could not open the dropped files: %s is not a checkpoint (.pt .pth .bin .ckpt .safetensors "
                         ".npz .npy or a sharded index) nor a folder of them"),
                       name);
          return FALSE;
        }
    }
  PsApplication *ps_app = PS_APPLICATION (app);
  /* several files: one series of them; each folder: a series of its own, watched */
  if (checkpoints->len > 0)
    ps_application_open_checkpoints (ps_app, (GFile *const *) checkpoints->pdata, checkpoints->len, window);
  for (guint i = 0; i < folders->len; i++)
    ps_application_open_checkpoint (ps_app, folders->pdata[i], window);
  return TRUE;
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, GtkWindow *window)
{
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  GSList *list = gdk_file_list_get_files (g_value_get_boxed (value));   /* the list only is ours */
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  g_autoptr (GError) error = NULL;
  if (!ps_checkpoint_drop_open (window, (GFile *const *) files->pdata, files->len, &error))
    {
      ps_application_show_error (window, error);
      return FALSE;
    }
  return TRUE;
}

GtkDropTarget *
ps_checkpoint_drop_attach (GtkWindow *window)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (target, "drop", G_CALLBACK (on_drop), window, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), GTK_EVENT_CONTROLLER (target));
  return target;
}
