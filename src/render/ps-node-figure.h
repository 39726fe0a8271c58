/* ps-node-figure.h — what the main window's plot pages draw for the row selected in the model
 * tree: a figure with its name and context ("0.weight", "Step 3"), or the sentence shown instead.
 * The pages (heatmap, histogram, over time, difference) plan first — a sub-step shown in a train
 * step draws from its own snapshot (ps-window-substeps.c) — then build; Compare draws the selected
 * parameter beside every parameter with its name, or at each step where it changed. */
#pragma once

#include "ps-figure.h"
#include "ps-tree-node.h"

G_BEGIN_DECLS

/* The sentence a plot page shows instead of a picture of `node` (NULL: nothing selected), or NULL
 * when it can draw one; then *path (may stay NULL when there is nothing to draw either) is the
 * name the figure looks the tensor up by (`across_steps`: difference, over time). `has_model`,
 * `diff_from`: as ps_explain_plot_message. */
char     *ps_node_figure_plan (PsTreeNode *node, gboolean has_model, int diff_from, gboolean across_steps,
                               char **path);
/* The figure of `path` (ps_node_figure_plan's) at o->step, named for `node` (*what: a module not
 * in the model by its id, "fc.weight") with *context "Step N"; NULL and *message on failure. */
PsFigure *ps_node_figure_new  (const PsTimeline *tl, PsTreeNode *node, const char *path, const PsFigureOptions *o,
                               char **what, char **context, char **message);
/* Compare: `node`'s parameter beside every parameter of the model `root` with its name (at most
 * PS_FIGURE_MAX_MULTIPLES), or (`over_steps`) at each step where it changed; `shared_range`: one
 * range for all. NULL and *message when node is no parameter of the model with values. */
PsFigure *ps_node_figure_compare (const PsTimeline *tl, PsModule *root, PsTreeNode *node, const PsFigureOptions *o,
                                  gboolean over_steps, gboolean shared_range, char **what, char **context,
                                  char **message);

G_END_DECLS
