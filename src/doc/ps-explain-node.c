/* ps-explain-node.c — see the header. */
#include "ps-config.h"
#include "ps-explain-node.h"

#include <glib/gi18n.h>

char *
ps_explain_node (PsTreeNode *node)
{
  if (node == NULL)
    return g_strdup (_("Select a parameter or a module in the tree."));
  switch (ps_tree_node_get_kind (node))
    {
    case PS_TREE_NODE_OUTPUTS:
      return g_strdup (_("The outputs of the forward passes so far, by name. An output is kept until a later "
                         "forward with the same name replaces it."));
    case PS_TREE_NODE_OBJECTS:
      return g_strdup (_("Modules that exist but are not in the model (yet). In PyTorch, `linear1 = nn.Linear(10, 5)` "
                         "draws its weights at once, long before a Sequential or a model class holds it. Add a "
                         "Sequential whose children name them to make them the model."));
    case PS_TREE_NODE_OUTPUT:
      return ps_explain_output (ps_tree_node_get_output_name (node), ps_tree_node_get_tensor (node));
    default:
      break;
    }
  if (ps_tree_node_get_param (node) == NULL)
    return ps_explain_module (ps_tree_node_get_module (node),
                              ps_tree_node_get_shared (node) ? MAX (2, ps_tree_node_get_n_places (node)) : 1);
  return ps_explain_param (ps_tree_node_get_path (node), ps_tree_node_get_param (node));
}
