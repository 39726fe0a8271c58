/* ps-export-dialog.c — see ps-export-dialog.h. */
#include "ps-config.h"
#include "ps-export-dialog.h"

struct _PsExportDialog {
  AdwMessageDialog parent_instance;
  GtkSpinButton *width_spin, *height_spin, *scale_spin, *dpi_spin;
  GtkDropDown *preset_dropdown;
  gboolean applying;   /* a preset is setting the spin buttons */
};

/* The sizes for slides (the drop-down's items after "Custom"): the picture is laid out at width ×
 * height points and written at `scale` pixels per point, so its text is twice as large as on a
 * 1920-point-wide picture and reads from the back of a room. */
static const struct { int width, height; double scale; } presets[] = {
  { 960, 540, 2 },   /* 16:9: 1920 × 1080 px */
  { 480, 540, 2 },   /* half of a 16:9 slide, beside text: 960 × 1080 px */
  { 800, 600, 2 },   /* 4:3: 1600 × 1200 px */
};

G_DEFINE_FINAL_TYPE (PsExportDialog, ps_export_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* The drop-down shows the preset the values match, "Custom" otherwise. */
static void
values_changed (PsExportDialog *self)
{
  if (self->applying)
    return;
  guint match = 0;
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (gtk_spin_button_get_value_as_int (self->width_spin) == presets[i].width
        && gtk_spin_button_get_value_as_int (self->height_spin) == presets[i].height
        && gtk_spin_button_get_value (self->scale_spin) == presets[i].scale)
      match = i + 1;
  self->applying = TRUE;
  gtk_drop_down_set_selected (self->preset_dropdown, match);
  self->applying = FALSE;
}

static void
preset_selected (PsExportDialog *self)
{
  guint i = gtk_drop_down_get_selected (self->preset_dropdown);
  if (self->applying || i == 0 || i > G_N_ELEMENTS (presets))
    return;
  self->applying = TRUE;
  gtk_spin_button_set_value (self->width_spin, presets[i - 1].width);
  gtk_spin_button_set_value (self->height_spin, presets[i - 1].height);
  gtk_spin_button_set_value (self->scale_spin, presets[i - 1].scale);
  self->applying = FALSE;
}

/* Enter in a size field applies the dialog, as in every other dialog: GTK 4.8's spin buttons have
 * no activates-default of their own, their text part has */
static void
activates_default (GtkSpinButton *spin)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (spin)); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TEXT (c))
      gtk_text_set_activates_default (GTK_TEXT (c), TRUE);
}

GtkDropDown *
ps_export_dialog_get_preset_dropdown (PsExportDialog *self)
{
  return self->preset_dropdown;
}

PsExportDialog *
ps_export_dialog_new (GtkWindow *parent, int width, int height, double scale, double dpi)
{
  PsExportDialog *self = g_object_new (PS_TYPE_EXPORT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  gtk_spin_button_set_value (self->width_spin, width);
  gtk_spin_button_set_value (self->height_spin, height);
  gtk_spin_button_set_value (self->scale_spin, scale);
  gtk_spin_button_set_value (self->dpi_spin, dpi);
  values_changed (self);
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
  gtk_widget_class_bind_template_child (widget_class, PsExportDialog, preset_dropdown);
}

static void
ps_export_dialog_init (PsExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->preset_dropdown, "notify::selected", G_CALLBACK (preset_selected), self);
  g_signal_connect_swapped (self->width_spin, "value-changed", G_CALLBACK (values_changed), self);
  g_signal_connect_swapped (self->height_spin, "value-changed", G_CALLBACK (values_changed), self);
  g_signal_connect_swapped (self->scale_spin, "value-changed", G_CALLBACK (values_changed), self);
  GtkSpinButton *spins[] = { self->width_spin, self->height_spin, self->scale_spin, self->dpi_spin };
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    activates_default (spins[i]);
}
