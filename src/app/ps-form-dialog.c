/* ps-form-dialog.c — see ps-form-dialog.h. */
#include "ps-config.h"
#include "ps-form-dialog.h"

typedef struct {
  GtkLabel *intro_label;
  GtkBox *fields_slot;
  GtkLabel *note_label;
  GtkWidget *fields;
} PsFormDialogPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (PsFormDialog, ps_form_dialog, GTK_TYPE_WINDOW)

enum { PROP_0, PROP_INTRO, PROP_FIELDS, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
on_cancel_clicked (GtkButton *button, PsFormDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_choose_clicked (GtkButton *button, PsFormDialog *self)
{
  PsFormDialogClass *klass = PS_FORM_DIALOG_GET_CLASS (self);
  if (klass->choose != NULL)
    klass->choose (self);
}

/* Enter in a spin button's text activates the dialog's default widget (Choose File) */
static void
spins_activate_default (GtkWidget *w)
{
  if (GTK_IS_SPIN_BUTTON (w))
    {
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        if (GTK_IS_TEXT (c))
          gtk_text_set_activates_default (GTK_TEXT (c), TRUE);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    spins_activate_default (c);
}

static void
ps_form_dialog_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsFormDialog *self = PS_FORM_DIALOG (object);
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  switch (id)
    {
    case PROP_INTRO:
      ps_form_dialog_set_intro (self, g_value_get_string (value));
      break;
    case PROP_FIELDS:
      if (priv->fields != NULL)
        gtk_box_remove (priv->fields_slot, priv->fields);
      priv->fields = g_value_get_object (value);
      if (priv->fields != NULL)
        gtk_box_append (priv->fields_slot, priv->fields);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_form_dialog_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (PS_FORM_DIALOG (object));
  switch (id)
    {
    case PROP_INTRO:
      g_value_set_string (value, gtk_label_get_text (priv->intro_label));
      break;
    case PROP_FIELDS:
      g_value_set_object (value, priv->fields);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_form_dialog_constructed (GObject *object)
{
  G_OBJECT_CLASS (ps_form_dialog_parent_class)->constructed (object);
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (PS_FORM_DIALOG (object));
  if (priv->fields != NULL)
    spins_activate_default (priv->fields);   /* the subclass's template is built by now */
}

static void
ps_form_dialog_dispose (GObject *object)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (PS_FORM_DIALOG (object));
  priv->fields = NULL;
  /* not gtk_widget_dispose_template: GTK 4.8 asserts there on a template whose subclass has one
   * too (its fields are gone by then); the window's dispose drops the frame with its child */
  G_OBJECT_CLASS (ps_form_dialog_parent_class)->dispose (object);
}

static void
ps_form_dialog_class_init (PsFormDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->set_property = ps_form_dialog_set_property;
  object_class->get_property = ps_form_dialog_get_property;
  object_class->constructed = ps_form_dialog_constructed;
  object_class->dispose = ps_form_dialog_dispose;
  props[PROP_INTRO] = g_param_spec_string ("intro", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_FIELDS] = g_param_spec_object ("fields", NULL, NULL, GTK_TYPE_WIDGET,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-form-dialog.ui");
  gtk_widget_class_bind_template_child_private (widget_class, PsFormDialog, intro_label);
  gtk_widget_class_bind_template_child_private (widget_class, PsFormDialog, fields_slot);
  gtk_widget_class_bind_template_child_private (widget_class, PsFormDialog, note_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
  /* a plain GtkWindow is a "frame" to screen readers (GTK 4.8), this one is a dialog */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
  /* Escape closes, as in every dialog */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ps_form_dialog_init (PsFormDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
ps_form_dialog_set_intro (PsFormDialog *self, const char *intro)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  gtk_label_set_text (priv->intro_label, intro ? intro : "");
}

void
ps_form_dialog_say (PsFormDialog *self, const char *text)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  gtk_label_set_text (priv->note_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (priv->note_label), "error");
}

void
ps_form_dialog_refuse (PsFormDialog *self, const char *why, GtkWidget *field)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  gtk_label_set_text (priv->note_label, why);
  gtk_widget_add_css_class (GTK_WIDGET (priv->note_label), "error");
  if (field != NULL)
    gtk_widget_grab_focus (field);
}

const char *
ps_form_dialog_get_note (PsFormDialog *self)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  return gtk_label_get_text (priv->note_label);
}

gboolean
ps_form_dialog_note_is_error (PsFormDialog *self)
{
  PsFormDialogPrivate *priv = ps_form_dialog_get_instance_private (self);
  return gtk_widget_has_css_class (GTK_WIDGET (priv->note_label), "error");
}
