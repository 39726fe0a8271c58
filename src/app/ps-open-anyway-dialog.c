/* ps-open-anyway-dialog.c — see ps-open-anyway-dialog.h. */
#include "ps-config.h"
#include "ps-open-anyway-dialog.h"

#include <glib/gi18n.h>

struct _PsOpenAnywayDialog {
  AdwMessageDialog parent_instance;
};

G_DEFINE_FINAL_TYPE (PsOpenAnywayDialog, ps_open_anyway_dialog, ADW_TYPE_MESSAGE_DIALOG)

PsOpenAnywayDialog *
ps_open_anyway_dialog_new (GtkWindow *parent, GFile *file, const char *why)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *heading = g_strdup_printf (_("Open %s anyway?"), base);
  g_autofree char *body = g_strdup_printf (_("%s\n\nOpening it anyway lists those objects as inert data: "
                                             "nothing in the file is run or built, and its tensors show as usual."),
                                           why);
  return g_object_new (PS_TYPE_OPEN_ANYWAY_DIALOG, "transient-for", parent, "heading", heading, "body", body, NULL);
}

static void
ps_open_anyway_dialog_class_init (PsOpenAnywayDialogClass *klass)
{
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/paramscope/Paramscope/ps-open-anyway-dialog.ui");
}

static void
ps_open_anyway_dialog_init (PsOpenAnywayDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
