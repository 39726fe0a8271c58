/* ps-form-dialog.h — the frame the Training page's small dialogs share (Contact Sheet of Sub-steps,
 * Export Over Sub-steps): a modal GtkWindow announced as a dialog to screen readers, whose template
 * (ui/ps-form-dialog.ui) lays out an intro text, the subclass's grid of labelled fields (its
 * "fields" property, set in the subclass's own template), a note that says what is wrong or what
 * will be made, and Cancel / Choose File… (the default widget). Escape and Cancel close it; Choose
 * File (or Enter in a field) calls the subclass's choose(). Spin buttons in the fields activate the
 * default widget on Enter (GTK 4.8's spin buttons have no activates-default of their own). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_FORM_DIALOG (ps_form_dialog_get_type ())
G_DECLARE_DERIVABLE_TYPE (PsFormDialog, ps_form_dialog, PS, FORM_DIALOG, GtkWindow)

struct _PsFormDialogClass {
  GtkWindowClass parent_class;
  /* Choose File… was pressed: check the fields, then say what is wrong (ps_form_dialog_refuse) or
   * hand the choice over */
  void (*choose) (PsFormDialog *self);
};

void        ps_form_dialog_set_intro (PsFormDialog *self, const char *intro);
/* the note: what the choice makes (plain), or why it was refused (error style; focus to `field`
 * when not NULL) */
void        ps_form_dialog_say       (PsFormDialog *self, const char *text);
void        ps_form_dialog_refuse    (PsFormDialog *self, const char *why, GtkWidget *field);
const char *ps_form_dialog_get_note  (PsFormDialog *self);
gboolean    ps_form_dialog_note_is_error (PsFormDialog *self);

G_END_DECLS
