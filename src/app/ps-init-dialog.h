/* ps-init-dialog.h — Initialize: a torch.nn.init function and its arguments; for a module, the module type it loops over and what the biases get (the article's loop in one step).
 * A small AdwMessageDialog subclass with its template in ui/ps-init-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>
#include "ps-args-editor.h"

G_BEGIN_DECLS

#define PS_TYPE_INIT_DIALOG (ps_init_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsInitDialog, ps_init_dialog, PS, INIT_DIALOG, AdwMessageDialog)
/* The scope chooser offers "every module of a type in <loop_scope>" (the default: the article's
 * loop) and, with a parameter selected, "only the parameter <param>". */
PsInitDialog     *ps_init_dialog_new               (GtkWindow *parent, const char *loop_scope, const char *param);
gboolean          ps_init_dialog_get_for_param     (PsInitDialog *self);
void              ps_init_dialog_set_for_param     (PsInitDialog *self, gboolean for_param);
void              ps_init_dialog_set_function      (PsInitDialog *self, const char *fn);
const char       *ps_init_dialog_get_function      (PsInitDialog *self);
GtkEditable      *ps_init_dialog_get_match_entry   (PsInitDialog *self);
void              ps_init_dialog_set_bias_function (PsInitDialog *self, const char *fn);   /* NULL: leave biases */
const char       *ps_init_dialog_get_bias_function (PsInitDialog *self);   /* NULL: leave biases */
PsArgsEditor     *ps_init_dialog_get_args          (PsInitDialog *self);

G_END_DECLS
