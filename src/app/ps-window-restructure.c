/* ps-window-restructure.c — the tree commands that restructure a container without adding or
 * removing anything: Rename (F2) and Move Up / Move Down (Alt+Up / Alt+Down). Each is one recipe
 * op ("rename", "move") on the selected module's parent, so undo takes it back in one step. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* The selected module when it is a child of a container: its parent's recipe target, its child
 * name, its position and the parent's number of children. FALSE for anything else (nothing
 * selected, a parameter, the model itself, out_proj inside MultiheadAttention, an output). */
static gboolean
selected_child (PsWindow *self, char **parent_target, char **name, guint *index, guint *n_children)
{
  PsTreeNode *node = ps_window_get_selected_node (self);
  if (node == NULL)
    return FALSE;
  PsTreeNodeKind kind = ps_tree_node_get_kind (node);
  if (kind == PS_TREE_NODE_OUTPUTS || kind == PS_TREE_NODE_OUTPUT || ps_tree_node_get_param (node) != NULL)
    return FALSE;
  PsState *st = ps_document_get_current_state (self->document);
  const char *path = ps_tree_node_get_path (node);
  if (st->root == NULL || path == NULL || *path == '\0')
    return FALSE;
  const char *dot = strrchr (path, '.');
  const char *child = dot ? dot + 1 : path;
  g_autofree char *ppath = dot ? g_strndup (path, (gsize) (dot - path)) : g_strdup ("");
  g_autofree char *target = *ppath ? g_strconcat (st->root, ".", ppath, NULL) : g_strdup (st->root);
  PsModule *pm = NULL;
  if (!ps_state_resolve (st, target, &pm, NULL, NULL) || pm == NULL || !pm->klass->is_container)
    return FALSE;
  for (guint i = 0; i < pm->child_names->len; i++)
    if (strcmp (g_ptr_array_index (pm->child_names, i), child) == 0)
      {
        if (parent_target)
          *parent_target = g_steal_pointer (&target);
        if (name)
          *name = g_strdup (child);
        if (index)
          *index = i;
        if (n_children)
          *n_children = pm->child_names->len;
        return TRUE;
      }
  return FALSE;
}

static gboolean
at_last_step (PsWindow *self)
{
  return ps_document_get_current_step (self->document) == ps_document_get_n_steps (self->document);
}

JsonObject *
ps_window_build_rename_op (PsWindow *self, const char *new_name)
{
  g_autofree char *parent = NULL, *name = NULL;
  if (new_name == NULL || !selected_child (self, &parent, &name, NULL, NULL))
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "rename");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  json_object_set_string_member (op, "new_name", new_name);
  return op;
}

JsonObject *
ps_window_build_move_op (PsWindow *self, int delta)
{
  g_autofree char *parent = NULL, *name = NULL;
  guint index, n;
  if (!selected_child (self, &parent, &name, &index, &n))
    return NULL;
  gint64 to = (gint64) index + delta;
  if (delta == 0 || to < 0 || to >= (gint64) n)
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "move");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  json_object_set_int_member (op, "index", to);
  return op;
}

gboolean
ps_window_rename_selected (PsWindow *self, const char *new_name)
{
  g_autoptr (JsonObject) op = ps_window_build_rename_op (self, new_name);
  if (op == NULL || !at_last_step (self))
    return FALSE;
  PsTreeNode *node = ps_window_get_selected_node (self);
  const char *path = ps_tree_node_get_path (node);
  const char *dot = strrchr (path, '.');
  g_autofree char *new_path = dot ? g_strdup_printf ("%.*s.%s", (int) (dot - path), path, new_name)
                                  : g_strdup (new_name);
  if (!ps_window_apply_op (self, op))
    return FALSE;
  ps_window_select_path (self, new_path);   /* the selection follows the renamed module */
  return TRUE;
}

gboolean
ps_window_move_selected (PsWindow *self, int delta)
{
  g_autoptr (JsonObject) op = ps_window_build_move_op (self, delta);
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
rename_entry_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);
  gboolean ok = *text != '\0' && strchr (text, '.') == NULL;
  adw_message_dialog_set_response_enabled (dialog, "rename", ok);
}

static void
rename_response (AdwMessageDialog *dialog, const char *response, PsWindow *self)
{
  if (strcmp (response, "rename") != 0)
    return;
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  /* the module the dialog was opened for, even if the selection moved meanwhile */
  const char *path = g_object_get_data (G_OBJECT (dialog), "ps-path");
  if (path != NULL && ps_window_select_path (self, path))
    ps_window_rename_selected (self, gtk_editable_get_text (entry));
}

static void
rename_module_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  g_autofree char *name = NULL;
  if (!at_last_step (self) || !selected_child (self, NULL, &name, NULL, NULL))
    {
      ps_window_toast (self, _("Select a module inside a container at the last step to rename it"));
      return;
    }
  g_autofree char *body = g_strdup_printf (_("The new name of “%s”. Its parameters' state_dict keys change with it."),
                                           name);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Rename Module"),
                                                                         body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  GtkWidget *entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), name);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  g_signal_connect (entry, "changed", G_CALLBACK (rename_entry_changed), dialog);
  adw_message_dialog_set_extra_child (dialog, entry);
  g_object_set_data_full (G_OBJECT (dialog), "ps-path",
                          g_strdup (ps_tree_node_get_path (ps_window_get_selected_node (self))), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (rename_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
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

static void
set_enabled (PsWindow *self, const char *name, gboolean enabled)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  if (a != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), enabled);
}

void
ps_window_restructure_update_actions (PsWindow *self)
{
  guint index = 0, n = 0;
  gboolean ok = !ps_document_get_busy (self->document) && at_last_step (self)
                && selected_child (self, NULL, NULL, &index, &n);
  set_enabled (self, "rename-module", ok);
  set_enabled (self, "move-up", ok && index > 0);
  set_enabled (self, "move-down", ok && index + 1 < n);
}
