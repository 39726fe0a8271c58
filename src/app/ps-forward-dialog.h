/* ps-forward-dialog.h — Forward: the input's kind (randn, rand, ones, zeros, randint) and shape.
 * A small AdwMessageDialog subclass with its template in ui/ps-forward-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_TYPE_FORWARD_DIALOG (ps_forward_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsForwardDialog, ps_forward_dialog, PS, FORWARD_DIALOG, AdwMessageDialog)
PsForwardDialog  *ps_forward_dialog_new            (GtkWindow *parent, const char *applies_to, const char *shape);
const char       *ps_forward_dialog_get_kind       (PsForwardDialog *self);
/* Select the input kind by its name ("randn", "rand", "ones", "zeros", "randint"). */
void              ps_forward_dialog_set_kind       (PsForwardDialog *self, const char *kind);
GtkEditable      *ps_forward_dialog_get_shape_entry (PsForwardDialog *self);

G_END_DECLS
