/* ps-commands.h — which of the main window's commands are enabled, as a headless rule over the
 * document (busy or not, the step shown, undo/redo, a model or none) and what is selected in the
 * model tree. The window only applies it to its GActions (ps_window_update_actions); the Training
 * commands have their own rule (ps-window-train.c). */
#pragma once

#include "ps-document.h"
#include "ps-edit.h"
#include "ps-tree-node.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;   /* the window action's name ("undo", "move-up") */
  gboolean    enabled;
} PsCommandState;

#define PS_COMMANDS_MAX 32

/* What the commands act on when `node` is selected in the tree: FALSE (and *sel = nothing) when
 * nothing of the model is (no node, the outputs, an output, the "Not in the model" group). */
gboolean    ps_commands_selection     (PsTreeNode *node, PsEditSelection *sel);
/* The selected module when it is a child of a container (rename and move apply to it): its name,
 * index and the container's number of children. FALSE when sel is NULL (nothing of the model
 * selected), a parameter, the root, or a module held by a module that is no container. */
gboolean    ps_commands_selected_child (const PsState *st, const PsEditSelection *sel, char **name, guint *index,
                                        guint *n_children);
/* The tree path of the selected module at `path` once renamed to `new_name` (its last component
 * replaced: "0.1" → "0.head"), for the selection to follow it. */
char       *ps_commands_renamed_path  (const char *path, const char *new_name);
/* Every command of the rule with whether it is enabled for `doc` with `sel` selected (NULL:
 * nothing of the model); fills `out` (PS_COMMANDS_MAX entries) and returns how many. */
guint       ps_commands_get_states    (PsDocument *doc, const PsEditSelection *sel,
                                       PsCommandState out[PS_COMMANDS_MAX]);
/* The same for one command by its name; FALSE for a name the rule does not cover. */
gboolean    ps_commands_get_enabled   (PsDocument *doc, const PsEditSelection *sel, const char *name);

G_END_DECLS
