/* ps-contact-sheet-dialog.h — Contact Sheet of Sub-steps: the Training page's sub-steps to show
 * (typed: "1, 10, 50, last", ranges "5-8"), the number of columns and the tile size (as
 * `paramscope-cli contact-sheet --width/--height`: default 480 × 320, 16 to 8192), before the file is
 * chosen. A PsFormDialog (the shared frame: intro, fields, note, Cancel / Choose File…; Escape
 * closes; a dialog to screen readers) with its fields in ui/ps-contact-sheet-dialog.ui. Choose File
 * checks the list against the page's n sub-steps and the tile size: a bad one is said in the
 * dialog's note, which stays; a good one is handed over by the "choose-file" signal (steps, columns,
 * width, height) — the window then closes the dialog and asks where to write. Its fields are
 * labelled (the label is the accessible name, with a mnemonic), Enter in a field is Choose File. */
#pragma once

#include "ps-form-dialog.h"

G_BEGIN_DECLS

#define PS_CONTACT_SHEET_TILE_WIDTH  480
#define PS_CONTACT_SHEET_TILE_HEIGHT 320
#define PS_CONTACT_SHEET_TILE_MIN    16
#define PS_CONTACT_SHEET_TILE_MAX    8192

#define PS_TYPE_CONTACT_SHEET_DIALOG (ps_contact_sheet_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsContactSheetDialog, ps_contact_sheet_dialog, PS, CONTACT_SHEET_DIALOG, PsFormDialog)

/* A modal dialog over `parent` for a page of `n_substeps` recorded sub-steps (its list empty). */
PsContactSheetDialog *ps_contact_sheet_dialog_new           (GtkWindow *parent, guint n_substeps);
const char           *ps_contact_sheet_dialog_get_steps     (PsContactSheetDialog *self);
void                  ps_contact_sheet_dialog_set_steps     (PsContactSheetDialog *self, const char *steps);
guint                 ps_contact_sheet_dialog_get_columns   (PsContactSheetDialog *self);
/* the tile size as typed; FALSE and the error when a side is outside 16–8192 */
gboolean              ps_contact_sheet_dialog_get_tile      (PsContactSheetDialog *self, guint *width, guint *height,
                                                             GError **error);
/* why the last Choose File was refused ("" before any) */
const char           *ps_contact_sheet_dialog_get_note      (PsContactSheetDialog *self);

G_END_DECLS
