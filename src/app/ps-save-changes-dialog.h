/* ps-save-changes-dialog.h — "Save Changes?" (Cancel, Discard, Save) before the document is replaced
 * or closed. A small AdwMessageDialog subclass with its template in ui/ps-save-changes-dialog.ui;
 * the caller connects "response" and acts on "discard" / "save" (close answers "cancel"). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_TYPE_SAVE_CHANGES_DIALOG (ps_save_changes_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsSaveChangesDialog, ps_save_changes_dialog, PS, SAVE_CHANGES_DIALOG, AdwMessageDialog)
/* Over parent; body says what is lost without saving. */
PsSaveChangesDialog *ps_save_changes_dialog_new (GtkWindow *parent, const char *body);

G_END_DECLS
