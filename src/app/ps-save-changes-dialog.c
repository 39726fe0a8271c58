/* ps-save-changes-dialog.c — see ps-save-changes-dialog.h. */
#include "ps-config.h"
#include "ps-save-changes-dialog.h"

struct _PsSaveChangesDialog {
  AdwMessageDialog parent_instance;
};

G_DEFINE_FINAL_TYPE (PsSaveChangesDialog, ps_save_changes_dialog, ADW_TYPE_MESSAGE_DIALOG)

PsSaveChangesDialog *
ps_save_changes_dialog_new (GtkWindow *parent, const char *body)
{
  return g_object_new (PS_TYPE_SAVE_CHANGES_DIALOG, "transient-for", parent, "body", body, NULL);
}

static void
ps_save_changes_dialog_class_init (PsSaveChangesDialogClass *klass)
{
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/paramscope/Paramscope/ps-save-changes-dialog.ui");
}

static void
ps_save_changes_dialog_init (PsSaveChangesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
