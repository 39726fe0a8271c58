/* ps-export-dialog.c — see ps-export-dialog.h. */
#include "ps-config.h"
#include "ps-export-dialog.h"

struct _PsExportDialog {
  AdwMessageDialog parent_instance;
  GtkSpinButton *width_spin, *height_spin, *scale_spin, *dpi_spin;
};

G_DEFINE_FINAL_TYPE (PsExportDialog, ps_export_dialog, ADW_TYPE_MESSAGE_DIALOG)

PsExportDialog *
ps_export_dialog_new (GtkWindow *parent, int width, int height, double scale, double dpi)
{
  PsExportDialog *self = g_object_new (PS_TYPE_EXPORT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  gtk_spin_button_set_value (self->width_spin, width);
  gtk_spin_button_set_value (self->height_spin, height);
  gtk_spin_button_set_value (self->scale_spin, scale);
  gtk_spin_button_set_value (self->dpi_spin, dpi);
  return self;
}

void
ps_export_dialog_get_values (PsExportDialog *self, int *width, int *height, double *scale, double *dpi)
{
  *width = gtk_spin_button_get_value_as_int (self->width_spin);
  *height = gtk_spin_button_get_value_as_int (self->height_spin);
  *scale = gtk_spin_button_get_value (self->scale_spin);
  *dpi = gtk_spin_button_get_value (self->dpi_spin);
}

static void
ps_export_dialog_class_init (PsExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsExportDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, PsExportDialog, height_spin);
  gtk_widget_class_bind_template_child (widget_class, PsExportDialog, scale_spin);
  gtk_widget_class_bind_template_child (widget_class, PsExportDialog, dpi_spin);
}

static void
ps_export_dialog_init (PsExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
