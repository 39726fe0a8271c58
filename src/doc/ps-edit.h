/* ps-edit.h — the recipe ops a user's command builds from what is selected. The app's dialogs
 * and actions call these; they read the state and never change it (the document applies the op).
 *
 * A selection is a path below a module: `base` is a module id (NULL = the model root, the state's
 * root id) and `path` a state_dict-style path below it ("" = that module itself, "0.weight").
 * `is_param` says the path's last component names a parameter or buffer. A NULL selection (or
 * path) means nothing is selected: commands then apply to the model root. */
#pragma once

#include <json-glib/json-glib.h>
#include "ps-state.h"

G_BEGIN_DECLS

typedef struct {
  const char *base;
  const char *path;
  gboolean    is_param;
} PsEditSelection;

/* The recipe target ("<id>.<path>") of the selection; want_module strips a parameter's name to
 * its module. NULL when nothing is selected and there is no model root (or !want_module). */
char       *ps_edit_target        (const PsState *st, const PsEditSelection *sel, gboolean want_module);
/* What a module command (forward, reset, train/eval, the init loop) acts on: the selected module,
 * and with a parameter (or nothing) selected the model root — or the object the parameter hangs
 * from. (A parameter selected used to make Ctrl+F run only its layer, silently.) */
char       *ps_edit_command_target (const PsState *st, const PsEditSelection *sel);
/* That module and a sentence saying so for a dialog ("the whole model “model” (Sequential)"). */
PsModule   *ps_edit_module        (const PsState *st, const PsEditSelection *sel);
char       *ps_edit_describe      (const PsState *st, const PsEditSelection *sel);

/* A fresh module id: lowercase type + the first free number (linear1, linear2, …). */
char       *ps_edit_unique_id     (const PsState *st, const char *type);
/* The next free forward output name: y, y2, y3 … (the article's spelling). */
char       *ps_edit_output_name   (const PsState *st);

/* "module": constructs `type` with args (a container gets `children`, ids in order, and may carry
 * a user class name). An empty id picks ps_edit_unique_id — except that the first container of a
 * document without its model takes the root id, so it becomes the model. */
JsonObject *ps_edit_module_op     (const PsState *st, const char *type, const char *id, JsonObject *args,
                                   const char *const *children, const char *class_name);
/* "attach" child to the container nearest the selection (the selected container, else the
 * container holding the selected module or parameter, else the root if it is a container); an
 * empty name is the next index. NULL when no container is there. */
JsonObject *ps_edit_attach_op     (const PsState *st, const PsEditSelection *sel, const char *child,
                                   const char *name);
/* A selected parameter gets "init" fn(args); anything else "init_modules" of type `match`
 * (default Linear) below the selected module, weights by fn and, if bias_fn is non-empty, biases
 * by bias_fn (the article's loop over model.modules()). */
JsonObject *ps_edit_init_op       (const PsState *st, const PsEditSelection *sel, const char *fn, JsonObject *args,
                                   const char *match, const char *bias_fn);
/* "forward" of the selected module on an input `kind` (randn, rand, ones, zeros, randint) of the
 * shape typed as "1, 10" or "(1, 10)"; the output gets ps_edit_output_name. */
JsonObject *ps_edit_forward_op    (const PsState *st, const PsEditSelection *sel, const char *kind,
                                   const char *shape_text, GError **error);
JsonObject *ps_edit_reset_op      (const PsState *st, const PsEditSelection *sel);
JsonObject *ps_edit_mode_op       (const PsState *st, const PsEditSelection *sel);   /* toggles train/eval */
/* "detach" / a second "attach" of the selected child module; NULL + error if it is not one. */
JsonObject *ps_edit_detach_op     (const PsState *st, const PsEditSelection *sel, GError **error);
JsonObject *ps_edit_reuse_op      (const PsState *st, const PsEditSelection *sel, GError **error);
/* The selected module when it is a child of a container: its parent's target, its name, index
 * and the parent's number of children. */
gboolean    ps_edit_selected_child (const PsState *st, const PsEditSelection *sel, char **parent_target,
                                    char **name, guint *index, guint *n_children);
JsonObject *ps_edit_rename_op     (const PsState *st, const PsEditSelection *sel, const char *new_name);
JsonObject *ps_edit_move_op       (const PsState *st, const PsEditSelection *sel, int delta);   /* −1 up, +1 down */

/* An input shape the selected module most likely accepts (batch 1 × its first layer's input). */
/* The Forward dialog's default input for the selection's module, as "1, 10" (its class's
 * example input); ex (may be NULL) receives the dtype and bounds too. */
char       *ps_edit_guess_input_shape (const PsState *st, const PsEditSelection *sel,
                                       PsExampleInput *ex);

G_END_DECLS
