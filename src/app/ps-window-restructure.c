/* ps-window-restructure.c — the tree commands that restructure a container without adding or
 * removing anything: Rename (F2) and Move Up / Move Down (Alt+Up / Alt+Down). Each is one recipe
 * op ("rename", "move") on the selected module's parent, so undo takes it back in one step. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-rename-dialog.h"
#include "ps-commands.h"

#include <glib/gi18n.h>

static PsState *
state (PsWindow *self)
{
  return ps_document_get_current_state (self->document);
}

/* The selected module when it is a child of a container: its name (rename's default). */
static gboolean
selected_child (PsWindow *self, char **name)
{
  PsEditSelection sel;
  return ps_window_get_edit_selection (self, &sel) && ps_commands_selected_child (state (self), &sel, name, NULL, NULL);
}

static gboolean
at_last_step (PsWindow *self)
{
  return ps_document_get_current_step (self->document) == ps_document_get_n_steps (self->document);
}

gboolean
ps_window_rename_selected (PsWindow *self, const char *new_name)
{
  PsEditSelection sel;
  ps_window_get_edit_selection (self, &sel);
  g_autoptr (JsonObject) op = ps_edit_rename_op (state (self), &sel, new_name);
  if (op == NULL || !at_last_step (self))
    return FALSE;
  g_autofree char *new_path = ps_commands_renamed_path (ps_tree_node_get_path (ps_window_get_selected_node (self)),
                                                        new_name);
  if (!ps_window_apply_op (self, op))
    return FALSE;
  ps_window_select_path (self, new_path);   /* the selection follows the renamed module */
  return TRUE;
}

static gboolean
ps_window_move_selected (PsWindow *self, int delta)
{
  PsEditSelection sel;
  ps_window_get_edit_selection (self, &sel);
  g_autoptr (JsonObject) op = ps_edit_move_op (state (self), &sel, delta);
  if (op == NULL || !at_last_step (self))
    return FALSE;
  /* child names do not change with the position: the path stays the module's */
  g_autofree char *path = g_strdup (ps_tree_node_get_path (ps_window_get_selected_node (self)));
  if (!ps_window_apply_op (self, op))
    return FALSE;
  ps_window_select_path (self, path);
  return TRUE;
}

/* ---------- the rename dialog ---------- */

static void
rename_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  PsRenameDialog *d = PS_RENAME_DIALOG (dialog);
  /* the module the dialog was opened for, even if the selection moved meanwhile */
  const char *path = ps_rename_dialog_get_path (d);
  if (path != NULL && ps_window_select_path (self, path))
    ps_window_rename_selected (self, gtk_editable_get_text (ps_rename_dialog_get_entry (d)));
}

static void
rename_module_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  g_autofree char *name = NULL;
  if (!at_last_step (self) || !selected_child (self, &name))
    {
      ps_window_toast (self, _("Select a module inside a container at the last step to rename it"));
      return;
    }
  PsRenameDialog *dialog = ps_rename_dialog_new (GTK_WINDOW (self), name,
                                                 ps_tree_node_get_path (ps_window_get_selected_node (self)));
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (dialog), rename_apply);
  gtk_widget_grab_focus (GTK_WIDGET (ps_rename_dialog_get_entry (dialog)));
}

static void
move_up_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_move_selected (data, -1);
}

static void
move_down_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_move_selected (data, 1);
}

static const GActionEntry restructure_actions[] = {
  { "rename-module", rename_module_activated },
  { "move-up", move_up_activated },
  { "move-down", move_down_activated },
};

void
ps_window_restructure_init_actions (PsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), restructure_actions, G_N_ELEMENTS (restructure_actions),
                                   self);
}
