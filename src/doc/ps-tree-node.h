/* ps-tree-node.h — one row of the model tree: a module (at one place in the tree), a parameter
 * or a buffer. Built from a PsModule root; a module placed at several places appears at each one,
 * every appearance pointing to the same PsModule and marked shared. GtkTreeListModel expands a node
 * through ps_tree_node_get_children. No display needed: the tree is tested headlessly. */
#pragma once

#include <gio/gio.h>
#include "ps-state.h"

G_BEGIN_DECLS

typedef enum {
  PS_TREE_NODE_MODULE,
  PS_TREE_NODE_PARAMETER,
  PS_TREE_NODE_BUFFER,
  PS_TREE_NODE_OUTPUTS,      /* the group of forward outputs */
  PS_TREE_NODE_OUTPUT,       /* one forward output (path "outputs/NAME") */
  PS_TREE_NODE_OBJECTS,      /* the group of modules that exist but are not (yet) in the model */
} PsTreeNodeKind;

#define PS_TYPE_TREE_NODE (ps_tree_node_get_type ())
G_DECLARE_FINAL_TYPE (PsTreeNode, ps_tree_node, PS, TREE_NODE, GObject)

/* The root node ("model") of a module tree; children are built lazily. */
PsTreeNode     *ps_tree_node_new_root      (PsModule *root, const char *root_name);
PsTreeNodeKind  ps_tree_node_get_kind      (PsTreeNode *self);
const char     *ps_tree_node_get_name      (PsTreeNode *self);   /* "0", "weight" */
const char     *ps_tree_node_get_path      (PsTreeNode *self);   /* state_dict-style path, "" for root */
/* "[5, 10]" for tensors, "55 parameters" for modules, "uninitialized" for lazy parameters */
const char     *ps_tree_node_get_detail    (PsTreeNode *self);
PsModule       *ps_tree_node_get_module    (PsTreeNode *self);   /* owning module for params */
PsParam        *ps_tree_node_get_param     (PsTreeNode *self);   /* NULL for modules */
/* Number of places the (owning) module appears in the whole tree; > 1 means shared. */
guint           ps_tree_node_get_n_places  (PsTreeNode *self);
gboolean        ps_tree_node_get_shared    (PsTreeNode *self);
gboolean        ps_tree_node_get_highlight (PsTreeNode *self);
/* The "Outputs" group: one child per forward output of the state (names, shapes); NULL when the
 * state has none. Outputs are not parameters: no module, never shared. */
PsTreeNode     *ps_tree_node_new_outputs   (GPtrArray *output_names, GHashTable *outputs);
/* The "Not in the model" group: every module of the state that is neither the model nor inside
 * another module (in Python: `linear1 = nn.Linear(…)` before the Sequential exists), each as a
 * tree of its own with its parameters. NULL when there is none. Their paths are "@ID" and
 * "@ID.weight", so they never collide with the model's. */
PsTreeNode     *ps_tree_node_new_objects   (const PsState *state);
/* For nodes below an object: the module id it hangs from and the path below it ("" for the
 * object itself); NULL / the node's path for the model's nodes. */
const char     *ps_tree_node_get_base      (PsTreeNode *self);
const char     *ps_tree_node_get_rel_path  (PsTreeNode *self);
/* The output's name for an output node ("logits"), else NULL. */
const char     *ps_tree_node_get_output_name (PsTreeNode *self);
/* The tensor a node shows: a parameter's or buffer's value (NULL while lazy) or an output. */
PsTensor       *ps_tree_node_get_tensor    (PsTreeNode *self);
/* GListModel of PsTreeNode, or NULL for leaves (parameters, buffers, modules without members). */
GListModel     *ps_tree_node_get_children  (PsTreeNode *self);
/* For GtkTreeListModel's create_func. */
GListModel     *ps_tree_node_create_children_model (gpointer item, gpointer user_data);

/* Mark every node that shows `module` (or a parameter of it) as highlighted and the rest not;
 * module NULL clears. Walks only expanded (built) nodes and returns how many were highlighted. */
guint           ps_tree_node_highlight_module (PsTreeNode *root, PsModule *module);
/* An indented text dump of the whole tree for tests: "model Sequential 55 parameters\n  0 Linear… [shared]" */
char           *ps_tree_node_to_string     (PsTreeNode *root);

G_END_DECLS
