/* ps-args-editor.h — one labelled entry per constructor or init argument, as PyTorch names them;
 * an empty entry shows PyTorch's default and means it. Shared by the Add Layer and Initialize
 * dialogs. Each label is the accessible name of its entry; Enter activates the dialog's default. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include "ps-args.h"

G_BEGIN_DECLS

#define PS_TYPE_ARGS_EDITOR (ps_args_editor_get_type ())
G_DECLARE_FINAL_TYPE (PsArgsEditor, ps_args_editor, PS, ARGS_EDITOR, GtkWidget)

/* Rows for these specs ({ NULL }-terminated; NULL = none), replacing the old ones. */
void        ps_args_editor_set_specs  (PsArgsEditor *self, const PsArgSpec *specs);
/* The entry of argument `name` (for tests and keyboard focus), or NULL. */
GtkEditable *ps_args_editor_get_entry (PsArgsEditor *self, const char *name);
/* The typed values (Python literals) by name; NULL + error naming a malformed one. */
JsonObject *ps_args_editor_get_args   (PsArgsEditor *self, GError **error);

G_END_DECLS
