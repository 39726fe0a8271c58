/* ps-rename-dialog.h — Rename: the new name of a container's child ("rename" response; disabled while invalid).
 * A small AdwMessageDialog subclass with its template in ui/ps-rename-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_TYPE_RENAME_DIALOG (ps_rename_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsRenameDialog, ps_rename_dialog, PS, RENAME_DIALOG, AdwMessageDialog)
PsRenameDialog   *ps_rename_dialog_new             (GtkWindow *parent, const char *name, const char *path);
GtkEditable      *ps_rename_dialog_get_entry       (PsRenameDialog *self);
const char       *ps_rename_dialog_get_path        (PsRenameDialog *self);   /* the module it was opened for */

G_END_DECLS
