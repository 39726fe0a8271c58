/* ps-commands.c — see the header. */
#include "ps-config.h"
#include "ps-commands.h"

#include <string.h>

gboolean
ps_commands_selection (PsTreeNode *node, PsEditSelection *sel)
{
  PsTreeNodeKind kind = node ? ps_tree_node_get_kind (node) : PS_TREE_NODE_OUTPUTS;
  *sel = (PsEditSelection) { NULL, NULL, FALSE };
  if (kind == PS_TREE_NODE_OUTPUTS || kind == PS_TREE_NODE_OUTPUT || kind == PS_TREE_NODE_OBJECTS)
    return FALSE;
  sel->base = ps_tree_node_get_base (node);
  sel->path = ps_tree_node_get_rel_path (node);
  sel->is_param = ps_tree_node_get_param (node) != NULL;
  return TRUE;
}

gboolean
ps_commands_selected_child (const PsState *st, const PsEditSelection *sel, char **name, guint *index,
                            guint *n_children)
{
  g_autofree char *parent = NULL, *child = NULL;
  PsModule *pm = NULL;
  if (sel == NULL || !ps_edit_selected_child (st, sel, &parent, &child, index, n_children)
      || !ps_state_resolve (st, parent, &pm, NULL, NULL) || !pm->klass->is_container)
    return FALSE;
  if (name)
    *name = g_steal_pointer (&child);
  return TRUE;
}

char *
ps_commands_renamed_path (const char *path, const char *new_name)
{
  const char *dot = strrchr (path, '.');
  return dot ? g_strdup_printf ("%.*s.%s", (int) (dot - path), path, new_name) : g_strdup (new_name);
}

static void
add (PsCommandState *out, guint *n, const char *name, gboolean enabled)
{
  g_assert (*n < PS_COMMANDS_MAX);
  out[(*n)++] = (PsCommandState) { name, enabled };
}

guint
ps_commands_get_states (PsDocument *doc, const PsEditSelection *sel, PsCommandState out[PS_COMMANDS_MAX])
{
  PsState *st = ps_document_get_current_state (doc);
  guint step = ps_document_get_current_step (doc);
  guint n_steps = ps_document_get_n_steps (doc);
  /* while a job rebuilds the timeline, nothing may change it under the job's feet */
  gboolean idle = !ps_document_get_busy (doc);
  gboolean has_model = idle && ps_state_get_root (st) != NULL;
  static const char *const mutating[] = { "replay", "reseed", "reseed-to", "set-seed", "add-layer", "reuse-module",
                                          "remove-module", "open", "open-recent", "scenario", "new", "save",
                                          "save-as" };
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (mutating); i++)
    add (out, &n, mutating[i], idle);
  add (out, &n, "cancel-job", !idle);
  add (out, &n, "first-step", step > 0);
  add (out, &n, "step-back", step > 0);
  add (out, &n, "step-forward", step < n_steps);
  add (out, &n, "last-step", step < n_steps);
  add (out, &n, "undo", ps_document_can_undo (doc));
  add (out, &n, "redo", ps_document_can_redo (doc));
  add (out, &n, "reset-parameters", has_model);
  add (out, &n, "initialize", has_model);
  add (out, &n, "forward", has_model);
  add (out, &n, "toggle-train", has_model);
  /* rename and move: a child of a container, at the last step (steps are appended) */
  guint index = 0, n_children = 0;
  gboolean child = idle && step == n_steps && ps_commands_selected_child (st, sel, NULL, &index, &n_children);
  add (out, &n, "rename-module", child);
  add (out, &n, "move-up", child && index > 0);
  add (out, &n, "move-down", child && index + 1 < n_children);
  return n;
}

gboolean
ps_commands_get_enabled (PsDocument *doc, const PsEditSelection *sel, const char *name)
{
  PsCommandState states[PS_COMMANDS_MAX];
  guint n = ps_commands_get_states (doc, sel, states);
  for (guint i = 0; i < n; i++)
    if (g_str_equal (states[i].name, name))
      return states[i].enabled;
  return FALSE;
}
