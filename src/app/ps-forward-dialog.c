/* ps-forward-dialog.c — see ps-forward-dialog.h. */
#include "ps-config.h"
#include "ps-forward-dialog.h"

struct _PsForwardDialog {
  AdwMessageDialog parent_instance;
  GtkLabel *applies_label;
  GtkDropDown *kind_dropdown;
  GtkEntry *shape_entry;
};

G_DEFINE_FINAL_TYPE (PsForwardDialog, ps_forward_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *const kinds[] = { "randn", "rand", "ones", "zeros", "randint" };

PsForwardDialog *
ps_forward_dialog_new (GtkWindow *parent, const char *applies_to, const char *shape)
{
  PsForwardDialog *self = g_object_new (PS_TYPE_FORWARD_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  gtk_label_set_text (self->applies_label, applies_to);
  gtk_editable_set_text (GTK_EDITABLE (self->shape_entry), shape);
  return self;
}

const char *
ps_forward_dialog_get_kind (PsForwardDialog *self)
{
  guint i = gtk_drop_down_get_selected (self->kind_dropdown);
  return i < G_N_ELEMENTS (kinds) ? kinds[i] : kinds[0];
}

void
ps_forward_dialog_set_kind (PsForwardDialog *self, const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i], kind))
      gtk_drop_down_set_selected (self->kind_dropdown, i);
}

GtkEditable *
ps_forward_dialog_get_shape_entry (PsForwardDialog *self)
{
  return GTK_EDITABLE (self->shape_entry);
}

/* The shape is what one checks or edits: it has the focus, so Enter runs at once. (Set once
 * shown: focusing before the map made the dialog a "filler" in the accessibility tree.) */
static void
ps_forward_dialog_map (GtkWidget *widget)
{
  PsForwardDialog *self = PS_FORWARD_DIALOG (widget);
  GTK_WIDGET_CLASS (ps_forward_dialog_parent_class)->map (widget);
  gtk_widget_grab_focus (GTK_WIDGET (self->shape_entry));
}

static void
ps_forward_dialog_class_init (PsForwardDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  widget_class->map = ps_forward_dialog_map;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-forward-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsForwardDialog, applies_label);
  gtk_widget_class_bind_template_child (widget_class, PsForwardDialog, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsForwardDialog, shape_entry);
}

static void
ps_forward_dialog_init (PsForwardDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
