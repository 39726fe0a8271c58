/* ps-model-tree.c — see the header. */
#include "ps-config.h"
#include "ps-model-tree.h"

#include <glib/gi18n.h>

#include "ps-count-text.h"

char *
ps_model_tree_count_text (PsModule *root, gboolean has_objects)
{
  if (root == NULL)
    return g_strdup (has_objects
                     ? _("No model yet: the modules constructed so far are listed under “Not in the model”. "
                         "Add a Sequential with them as its children to make the model.")
                     : _("No model yet: type a PyTorch line above (Ctrl+K), e.g. fc = nn.Linear(10, 5), or add a layer with the + button."));
  int lazy = 0;
  int64_t n = ps_module_count_parameters (root, &lazy);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
  g_autofree char *num = ps_count_text (n);
  g_autofree char *params = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter (shared ones counted once)",
                                                          "%s parameters (shared ones counted once)", (gulong) n), num);
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s; the state dict lists %u entry",
                                                        "%s; the state dict lists %u entries", sd->len), params, sd->len);
  if (lazy > 0)
    return g_strdup_printf (_("%s; %d uninitialized (lazy)"), text, lazy);
  return g_steal_pointer (&text);
}

char *
ps_model_tree_default_path (PsModule *root, PsTreeNode *objects)
{
  /* keep a parameter selected so the views show something: the first weight */
  g_autoptr (GPtrArray) params = root ? ps_module_named_parameters (root) : NULL;
  for (guint i = 0; params && i < params->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (params, i);
      if (it->param->value != NULL)
        return g_strdup (it->path);
    }
  if (objects == NULL)
    return NULL;
  /* no model yet: the first constructed module's first parameter (scenario 2, step 1) */
  g_autoptr (GListModel) kids = ps_tree_node_get_children (objects);
  g_autoptr (PsTreeNode) obj = g_list_model_get_item (kids, 0);
  PsModule *m = ps_tree_node_get_module (obj);
  for (guint i = 0; i < m->params->len; i++)
    {
      PsParam *p = g_ptr_array_index (m->params, i);
      if (p->value != NULL)
        return g_strdup_printf ("%s.%s", ps_tree_node_get_path (obj), p->name);
    }
  return NULL;
}

char *
ps_model_tree_module_path (PsTreeNode *node)
{
  PsModule *m = ps_tree_node_get_module (node);
  const char *base = ps_tree_node_get_path (node);
  if (ps_module_n_children (m) == 0 && m->params->len > 0)
    {
      PsParam *p = g_ptr_array_index (m->params, 0);
      return *base ? g_strdup_printf ("%s.%s", base, p->name) : g_strdup (p->name);
    }
  return g_strdup (base);
}
