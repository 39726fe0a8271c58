/* ps-rename-dialog.c — see ps-rename-dialog.h. */
#include "ps-config.h"
#include "ps-rename-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsRenameDialog {
  AdwMessageDialog parent_instance;
  GtkEntry *entry;
  char *path;
};

G_DEFINE_FINAL_TYPE (PsRenameDialog, ps_rename_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
on_changed (GtkEditable *entry, PsRenameDialog *self)
{
  const char *text = gtk_editable_get_text (entry);
  gboolean ok = *text != '\0' && strchr (text, '.') == NULL;
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "rename", ok);
}

PsRenameDialog *
ps_rename_dialog_new (GtkWindow *parent, const char *name, const char *path)
{
  PsRenameDialog *self = g_object_new (PS_TYPE_RENAME_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  g_autofree char *body = g_strdup_printf (_("The new name of “%s”. Its parameters' state_dict keys change with it."),
                                           name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), name);
  self->path = g_strdup (path);
  return self;
}

GtkEditable *
ps_rename_dialog_get_entry (PsRenameDialog *self)
{
  return GTK_EDITABLE (self->entry);
}

const char *
ps_rename_dialog_get_path (PsRenameDialog *self)
{
  return self->path;
}

static void
ps_rename_dialog_finalize (GObject *object)
{
  g_free (PS_RENAME_DIALOG (object)->path);
  G_OBJECT_CLASS (ps_rename_dialog_parent_class)->finalize (object);
}

static void
ps_rename_dialog_class_init (PsRenameDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = ps_rename_dialog_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-rename-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsRenameDialog, entry);
}

static void
ps_rename_dialog_init (PsRenameDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->entry, "changed", G_CALLBACK (on_changed), self);
}
