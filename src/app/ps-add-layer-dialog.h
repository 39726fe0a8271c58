/* ps-add-layer-dialog.h — Add Layer: a type, optional id and name in the parent, a container's class name and children (ids), the constructor arguments.
 * A small AdwMessageDialog subclass with its template in ui/ps-add-layer-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>
#include "ps-args-editor.h"

G_BEGIN_DECLS

#define PS_TYPE_ADD_LAYER_DIALOG (ps_add_layer_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsAddLayerDialog, ps_add_layer_dialog, PS, ADD_LAYER_DIALOG, AdwMessageDialog)
PsAddLayerDialog *ps_add_layer_dialog_new          (GtkWindow *parent, const char *attach_text);
void              ps_add_layer_dialog_set_type     (PsAddLayerDialog *self, const char *type);
const char       *ps_add_layer_dialog_get_type_name (PsAddLayerDialog *self);
GtkEditable      *ps_add_layer_dialog_get_id_entry (PsAddLayerDialog *self);
GtkEditable      *ps_add_layer_dialog_get_name_entry (PsAddLayerDialog *self);
GtkEditable      *ps_add_layer_dialog_get_class_entry (PsAddLayerDialog *self);
GtkEditable      *ps_add_layer_dialog_get_children_entry (PsAddLayerDialog *self);
PsArgsEditor     *ps_add_layer_dialog_get_args     (PsAddLayerDialog *self);
/* The children typed as "linear1, linear2" (commas or spaces). */
GStrv             ps_add_layer_dialog_dup_children (PsAddLayerDialog *self);

G_END_DECLS
