/* ps-add-layer-dialog.c — see ps-add-layer-dialog.h. The type list is the module registry's; the
 * argument rows follow the chosen type; a container shows its class name and children instead. */
#include "ps-config.h"
#include "ps-add-layer-dialog.h"

#include <string.h>

#include "ps-module.h"

struct _PsAddLayerDialog {
  AdwMessageDialog parent_instance;
  GtkLabel *applies_label;
  GtkDropDown *type_dropdown;
  GtkStringList *type_dropdown_items;
  GtkEntry *id_entry, *name_entry, *class_entry, *children_entry;
  GtkWidget *class_label, *children_label;
  PsArgsEditor *args_editor;
};

G_DEFINE_FINAL_TYPE (PsAddLayerDialog, ps_add_layer_dialog, ADW_TYPE_MESSAGE_DIALOG)

const char *
ps_add_layer_dialog_get_type_name (PsAddLayerDialog *self)
{
  GtkStringObject *o = gtk_drop_down_get_selected_item (self->type_dropdown);
  return o ? gtk_string_object_get_string (o) : NULL;
}

static void
on_type_changed (PsAddLayerDialog *self)
{
  const PsModuleClass *klass = ps_module_class_lookup (ps_add_layer_dialog_get_type_name (self));
  gboolean container = klass != NULL && klass->is_container;
  ps_args_editor_set_specs (self->args_editor, klass ? klass->args : NULL);
  gtk_widget_set_visible (self->class_label, container);
  gtk_widget_set_visible (GTK_WIDGET (self->class_entry), container);
  gtk_widget_set_visible (self->children_label, container);
  gtk_widget_set_visible (GTK_WIDGET (self->children_entry), container);
}

PsAddLayerDialog *
ps_add_layer_dialog_new (GtkWindow *parent, const char *attach_text)
{
  PsAddLayerDialog *self = g_object_new (PS_TYPE_ADD_LAYER_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  gtk_label_set_text (self->applies_label, attach_text);
  return self;
}

void
ps_add_layer_dialog_set_type (PsAddLayerDialog *self, const char *type)
{
  GListModel *m = G_LIST_MODEL (self->type_dropdown_items);
  for (guint i = 0; i < g_list_model_get_n_items (m); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->type_dropdown_items, i), type) == 0)
      gtk_drop_down_set_selected (self->type_dropdown, i);
}

GtkEditable *ps_add_layer_dialog_get_id_entry (PsAddLayerDialog *self) { return GTK_EDITABLE (self->id_entry); }
GtkEditable *ps_add_layer_dialog_get_name_entry (PsAddLayerDialog *self) { return GTK_EDITABLE (self->name_entry); }
GtkEditable *ps_add_layer_dialog_get_class_entry (PsAddLayerDialog *self) { return GTK_EDITABLE (self->class_entry); }
GtkEditable *ps_add_layer_dialog_get_children_entry (PsAddLayerDialog *self) { return GTK_EDITABLE (self->children_entry); }
PsArgsEditor *ps_add_layer_dialog_get_args (PsAddLayerDialog *self) { return self->args_editor; }

GStrv
ps_add_layer_dialog_dup_children (PsAddLayerDialog *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (self->children_entry)), ", ", -1);
  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_strv_builder_add (b, parts[i]);
  return g_strv_builder_end (b);
}

static void
ps_add_layer_dialog_class_init (PsAddLayerDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_type_ensure (PS_TYPE_ARGS_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-add-layer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, applies_label);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, type_dropdown_items);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, id_entry);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, class_entry);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, children_entry);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, class_label);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, children_label);
  gtk_widget_class_bind_template_child (widget_class, PsAddLayerDialog, args_editor);
}

static void
ps_add_layer_dialog_init (PsAddLayerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (const PsModuleClass *const *c = ps_module_classes (); *c; c++)
    gtk_string_list_append (self->type_dropdown_items, (*c)->name);
  g_signal_connect_swapped (self->type_dropdown, "notify::selected", G_CALLBACK (on_type_changed), self);
  on_type_changed (self);
}
