/* ps-init-dialog.c — see ps-init-dialog.h. */
#include "ps-config.h"
#include "ps-init-dialog.h"

#include <glib/gi18n.h>

#include "ps-init.h"

struct _PsInitDialog {
  AdwMessageDialog parent_instance;
  GtkDropDown *scope_dropdown;
  GtkStringList *scope_dropdown_items;
  GtkDropDown *function_dropdown;
  GtkStringList *function_dropdown_items;
  GtkEntry *match_entry;
  GtkWidget *match_label, *bias_label;
  GtkDropDown *bias_dropdown;
  PsArgsEditor *args_editor;
};

G_DEFINE_FINAL_TYPE (PsInitDialog, ps_init_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *const bias_fns[] = { NULL, "zeros_", "ones_" };

const char *
ps_init_dialog_get_function (PsInitDialog *self)
{
  GtkStringObject *o = gtk_drop_down_get_selected_item (self->function_dropdown);
  return o ? gtk_string_object_get_string (o) : NULL;
}

static void
on_function_changed (PsInitDialog *self)
{
  const char *fn = ps_init_dialog_get_function (self);
  ps_args_editor_set_specs (self->args_editor, fn ? ps_init_function_args (fn) : NULL);
}

gboolean
ps_init_dialog_get_for_param (PsInitDialog *self)
{
  return gtk_drop_down_get_selected (self->scope_dropdown) == 1;
}

static void
on_scope_changed (PsInitDialog *self)
{
  /* a parameter gets the function itself; a module loops over its submodules of a type */
  gboolean loop = !ps_init_dialog_get_for_param (self);
  gtk_widget_set_visible (self->match_label, loop);
  gtk_widget_set_visible (GTK_WIDGET (self->match_entry), loop);
  gtk_widget_set_visible (self->bias_label, loop);
  gtk_widget_set_visible (GTK_WIDGET (self->bias_dropdown), loop);
}

PsInitDialog *
ps_init_dialog_new (GtkWindow *parent, const char *loop_scope, const char *param)
{
  PsInitDialog *self = g_object_new (PS_TYPE_INIT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  g_autofree char *loop = g_strdup_printf (_("every module of a type in %s"), loop_scope);
  gtk_string_list_append (self->scope_dropdown_items, loop);
  if (param != NULL)
    {
      g_autofree char *only = g_strdup_printf (_("only the parameter %s"), param);
      gtk_string_list_append (self->scope_dropdown_items, only);
    }
  gtk_drop_down_set_selected (self->scope_dropdown, 0);
  g_signal_connect_swapped (self->scope_dropdown, "notify::selected", G_CALLBACK (on_scope_changed), self);
  on_scope_changed (self);
  return self;
}

void
ps_init_dialog_set_for_param (PsInitDialog *self, gboolean for_param)
{
  gtk_drop_down_set_selected (self->scope_dropdown, for_param ? 1 : 0);
}

void
ps_init_dialog_set_function (PsInitDialog *self, const char *fn)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->function_dropdown_items)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->function_dropdown_items, i), fn) == 0)
      gtk_drop_down_set_selected (self->function_dropdown, i);
}

GtkEditable *ps_init_dialog_get_match_entry (PsInitDialog *self) { return GTK_EDITABLE (self->match_entry); }
PsArgsEditor *ps_init_dialog_get_args (PsInitDialog *self) { return self->args_editor; }

void
ps_init_dialog_set_bias_function (PsInitDialog *self, const char *fn)
{
  for (guint i = 0; i < G_N_ELEMENTS (bias_fns); i++)
    if (g_strcmp0 (bias_fns[i], fn) == 0)
      gtk_drop_down_set_selected (self->bias_dropdown, i);
}

const char *
ps_init_dialog_get_bias_function (PsInitDialog *self)
{
  guint i = gtk_drop_down_get_selected (self->bias_dropdown);
  return gtk_widget_get_visible (GTK_WIDGET (self->bias_dropdown)) && i < G_N_ELEMENTS (bias_fns) ? bias_fns[i] : NULL;
}

static void
ps_init_dialog_class_init (PsInitDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_type_ensure (PS_TYPE_ARGS_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-init-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, scope_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, scope_dropdown_items);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, function_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, function_dropdown_items);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, match_entry);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, match_label);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, bias_label);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, bias_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsInitDialog, args_editor);
}

static void
ps_init_dialog_init (PsInitDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (const char *const *n = ps_init_function_names (); *n; n++)
    gtk_string_list_append (self->function_dropdown_items, *n);
  g_signal_connect_swapped (self->function_dropdown, "notify::selected", G_CALLBACK (on_function_changed), self);
  on_function_changed (self);
}
