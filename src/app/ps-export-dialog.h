/* ps-export-dialog.h — Export Picture: size (or a slide size), PNG pixel scale and DPI; the "choose" response opens the file chooser.
 * A small AdwMessageDialog subclass with its template in ui/ps-export-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_TYPE_EXPORT_DIALOG (ps_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsExportDialog, ps_export_dialog, PS, EXPORT_DIALOG, AdwMessageDialog)
PsExportDialog   *ps_export_dialog_new             (GtkWindow *parent, int width, int height, double scale, double dpi);
void              ps_export_dialog_get_values      (PsExportDialog *self, int *width, int *height, double *scale,
                                                    double *dpi);
/* The Size drop-down: Custom, then the slide sizes (16:9, half of 16:9, 4:3); choosing one sets
 * width, height and pixels per unit, and it follows what is typed. */
GtkDropDown      *ps_export_dialog_get_preset_dropdown (PsExportDialog *self);

G_END_DECLS
