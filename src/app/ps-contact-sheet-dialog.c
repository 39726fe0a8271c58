/* ps-contact-sheet-dialog.c — see ps-contact-sheet-dialog.h. */
#include "ps-config.h"
#include "ps-contact-sheet-dialog.h"
#include "ps-training-page.h"
#include "ps-frame-list.h"

#include <glib/gi18n.h>

struct _PsContactSheetDialog {
  GtkWindow parent_instance;
  guint n_substeps;
  GtkLabel *intro_label;
  GtkEditable *steps_entry;
  GtkSpinButton *columns_spin;
  GtkLabel *note_label;
  GtkButton *choose_button;
};

G_DEFINE_FINAL_TYPE (PsContactSheetDialog, ps_contact_sheet_dialog, GTK_TYPE_WINDOW)

enum { SIGNAL_CHOOSE_FILE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
on_cancel_clicked (GtkButton *button, PsContactSheetDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

/* the typed list checked: a bad one is said in the dialog, which stays */
static void
on_choose_clicked (GtkButton *button, PsContactSheetDialog *self)
{
  const char *text = gtk_editable_get_text (self->steps_entry);
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GError) error = NULL;
  if (!ps_frame_list_parse (text, self->n_substeps, PS_TRAINING_MAX_FRAMES, "sub-step", frames, &error))
    {
      gtk_label_set_text (self->note_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->note_label), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->steps_entry));
      return;
    }
  g_autofree char *steps = g_strdup (text);   /* the handler may close the dialog */
  g_signal_emit (self, signals[SIGNAL_CHOOSE_FILE], 0, steps, ps_contact_sheet_dialog_get_columns (self));
}

static void
on_steps_activate (GtkEntry *entry, PsContactSheetDialog *self)
{
  gtk_widget_activate (GTK_WIDGET (self->choose_button));
}

static void
ps_contact_sheet_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PS_TYPE_CONTACT_SHEET_DIALOG);
  G_OBJECT_CLASS (ps_contact_sheet_dialog_parent_class)->dispose (object);
}

static void
ps_contact_sheet_dialog_class_init (PsContactSheetDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_contact_sheet_dialog_dispose;
  /* a good list: the sub-steps as typed and the columns (0: as many as make a square) */
  signals[SIGNAL_CHOOSE_FILE] = g_signal_new ("choose-file", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-contact-sheet-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, steps_entry);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, columns_spin);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, choose_button);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_steps_activate);
}

static void
ps_contact_sheet_dialog_init (PsContactSheetDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_window_set_default_size (GTK_WINDOW (self), 420, -1);
}

PsContactSheetDialog *
ps_contact_sheet_dialog_new (GtkWindow *parent, guint n_substeps)
{
  PsContactSheetDialog *self = g_object_new (PS_TYPE_CONTACT_SHEET_DIALOG, "transient-for", parent, NULL);
  self->n_substeps = n_substeps;
  g_autofree char *intro = g_strdup_printf (_("The Training page's view at the sub-steps you choose, side by side on "
                                              "one page (PNG, SVG or PDF). Sub-steps are 1 to %u; write numbers, "
                                              "ranges such as 5-8, and last."), n_substeps);
  gtk_label_set_text (self->intro_label, intro);
  return self;
}

const char *
ps_contact_sheet_dialog_get_steps (PsContactSheetDialog *self)
{
  return gtk_editable_get_text (self->steps_entry);
}

void
ps_contact_sheet_dialog_set_steps (PsContactSheetDialog *self, const char *steps)
{
  gtk_editable_set_text (self->steps_entry, steps);
}

guint
ps_contact_sheet_dialog_get_columns (PsContactSheetDialog *self)
{
  return (guint) gtk_spin_button_get_value_as_int (self->columns_spin);
}

const char *
ps_contact_sheet_dialog_get_note (PsContactSheetDialog *self)
{
  return gtk_label_get_text (self->note_label);
}
