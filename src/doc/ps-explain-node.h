/* ps-explain-node.h — what the Explain page says about the row selected in the model tree: the
 * outputs group, the "Not in the model" group, an output, a module (its arguments and parameters,
 * shared or not) or a parameter (its statistics and init). */
#pragma once

#include "ps-tree-node.h"

G_BEGIN_DECLS

/* node NULL: nothing is selected. */
char *ps_explain_node (PsTreeNode *node);

G_END_DECLS
