/* ps-contact-sheet-dialog.h — Contact Sheet of Sub-steps: the Training page's sub-steps to show
 * (typed: "1, 10, 50, last", ranges "5-8") and the number of columns, before the file is chosen.
 * A small GtkWindow subclass with its template in ui/ps-contact-sheet-dialog.ui. Choose File checks
 * the list against the page's n sub-steps: a bad one is said in the dialog (its note), which stays;
 * a good one is handed over by the "choose-file" signal (steps, columns) — the window then closes
 * the dialog and asks where to write. Its fields are labelled (the label is the accessible name,
 * with a mnemonic), Enter in the list is Choose File. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_CONTACT_SHEET_DIALOG (ps_contact_sheet_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsContactSheetDialog, ps_contact_sheet_dialog, PS, CONTACT_SHEET_DIALOG, GtkWindow)

/* A modal dialog over `parent` for a page of `n_substeps` recorded sub-steps (its list empty). */
PsContactSheetDialog *ps_contact_sheet_dialog_new           (GtkWindow *parent, guint n_substeps);
const char           *ps_contact_sheet_dialog_get_steps     (PsContactSheetDialog *self);
void                  ps_contact_sheet_dialog_set_steps     (PsContactSheetDialog *self, const char *steps);
guint                 ps_contact_sheet_dialog_get_columns   (PsContactSheetDialog *self);
/* why the last Choose File was refused ("" before any) */
const char           *ps_contact_sheet_dialog_get_note      (PsContactSheetDialog *self);

G_END_DECLS
