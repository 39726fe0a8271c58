/* ps-contact-sheet-dialog.c — see ps-contact-sheet-dialog.h. */
#include "ps-config.h"
#include "ps-contact-sheet-dialog.h"
#include "ps-training-page.h"
#include "ps-frame-list.h"
#include "ps-error.h"

#include <glib/gi18n.h>

struct _PsContactSheetDialog {
  PsFormDialog parent_instance;
  guint n_substeps;
  GtkEditable *steps_entry;
  GtkSpinButton *columns_spin;
  GtkSpinButton *width_spin;
  GtkSpinButton *height_spin;
};

G_DEFINE_FINAL_TYPE (PsContactSheetDialog, ps_contact_sheet_dialog, PS_TYPE_FORM_DIALOG)

enum { SIGNAL_CHOOSE_FILE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* the typed list and tile size checked: a bad one is said in the dialog, which stays */
static void
ps_contact_sheet_dialog_choose (PsFormDialog *dialog)
{
  PsContactSheetDialog *self = PS_CONTACT_SHEET_DIALOG (dialog);
  const char *text = gtk_editable_get_text (self->steps_entry);
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GError) error = NULL;
  if (!ps_frame_list_parse (text, self->n_substeps, PS_TRAINING_MAX_FRAMES, "sub-step", frames, &error))
    {
      ps_form_dialog_refuse (dialog, error->message, GTK_WIDGET (self->steps_entry));
      return;
    }
  guint width = 0, height = 0;
  if (!ps_contact_sheet_dialog_get_tile (self, &width, &height, &error))
    {
      ps_form_dialog_refuse (dialog, error->message, GTK_WIDGET (self->width_spin));
      return;
    }
  g_autofree char *steps = g_strdup (text);   /* the handler may close the dialog */
  g_signal_emit (self, signals[SIGNAL_CHOOSE_FILE], 0, steps, ps_contact_sheet_dialog_get_columns (self), width,
                 height);
}

static void
on_steps_activate (GtkEntry *entry, PsContactSheetDialog *self)
{
  gtk_widget_activate_default (GTK_WIDGET (self));
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
  PS_FORM_DIALOG_CLASS (klass)->choose = ps_contact_sheet_dialog_choose;
  /* a good choice: the sub-steps as typed, the columns (0: as many as make a square), the tile size */
  signals[SIGNAL_CHOOSE_FILE] = g_signal_new ("choose-file", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT,
                                              G_TYPE_UINT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-contact-sheet-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, steps_entry);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, columns_spin);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, PsContactSheetDialog, height_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_steps_activate);
}

static void
ps_contact_sheet_dialog_init (PsContactSheetDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

PsContactSheetDialog *
ps_contact_sheet_dialog_new (GtkWindow *parent, guint n_substeps)
{
  PsContactSheetDialog *self = g_object_new (PS_TYPE_CONTACT_SHEET_DIALOG, "transient-for", parent, NULL);
  self->n_substeps = n_substeps;
  g_autofree char *intro = g_strdup_printf (_("The Training page's view at the sub-steps you choose, side by side on "
                                              "one page (PNG, SVG or PDF). Sub-steps are 1 to %u; write numbers, "
                                              "ranges such as 5-8, and last."), n_substeps);
  ps_form_dialog_set_intro (PS_FORM_DIALOG (self), intro);
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

gboolean
ps_contact_sheet_dialog_get_tile (PsContactSheetDialog *self, guint *width, guint *height, GError **error)
{
  gtk_spin_button_update (self->width_spin);   /* a half-typed number counts */
  gtk_spin_button_update (self->height_spin);
  int w = gtk_spin_button_get_value_as_int (self->width_spin), h = gtk_spin_button_get_value_as_int (self->height_spin);
  if (w < PS_CONTACT_SHEET_TILE_MIN || w > PS_CONTACT_SHEET_TILE_MAX || h < PS_CONTACT_SHEET_TILE_MIN
      || h > PS_CONTACT_SHEET_TILE_MAX)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("A tile is %d × %d points: each side must be %d to %d."),
                   w, h, PS_CONTACT_SHEET_TILE_MIN, PS_CONTACT_SHEET_TILE_MAX);
      return FALSE;
    }
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

const char *
ps_contact_sheet_dialog_get_note (PsContactSheetDialog *self)
{
  return ps_form_dialog_get_note (PS_FORM_DIALOG (self));
}
