/* ps-model-tree.h — the main window's model tree, its rules without the widgets: the line under it
 * (parameters and state dict entries, or how to start a model), the row selected when the one
 * selected before is gone, and the row a module just constructed selects. */
#pragma once

#include "ps-tree-node.h"

G_BEGIN_DECLS

/* "55 parameters (shared ones counted once); the state dict lists 4 entries" (+ "; 1 uninitialized
 * (lazy)"); without a model, how to make one — `has_objects`: modules exist outside a model. */
char       *ps_model_tree_count_text   (PsModule *root, gboolean has_objects);
/* The path to select when nothing (or a row that is gone) was: the model's first parameter with
 * values, else the first "Not in the model" module's first one (`objects`, may be NULL); NULL when
 * there is none. */
char       *ps_model_tree_default_path (PsModule *root, PsTreeNode *objects);
/* The row a module just constructed selects, shown by `node` (a row of the module): a layer with
 * parameters and no children its first parameter (its values at once), else its own row. */
char       *ps_model_tree_module_path  (PsTreeNode *node);

G_END_DECLS
