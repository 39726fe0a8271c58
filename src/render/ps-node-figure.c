/* ps-node-figure.c — see the header. */
#include "ps-config.h"
#include "ps-node-figure.h"

#include <glib/gi18n.h>
#include <string.h>

char *
ps_node_figure_plan (PsTreeNode *node, gboolean has_model, int diff_from, gboolean across_steps, char **path)
{
  PsParam *param = node ? ps_tree_node_get_param (node) : NULL;
  const char *output = node ? ps_tree_node_get_output_name (node) : NULL;
  PsPlotSelection sel = ps_tree_node_get_plot_selection (node);
  g_autofree char *name = sel == PS_PLOT_SELECTION_MODULE ? g_strdup (ps_tree_node_get_name (node))
                          : param != NULL ? ps_tree_node_get_stable_path (node) : NULL;
  char *message = ps_explain_plot_message (sel, name, param, has_model, diff_from);
  *path = NULL;
  /* an output is named by its name: the figure looks it up among the state's outputs */
  if (message == NULL && ((param != NULL && param->value != NULL) || output != NULL))
    *path = ps_tree_node_get_figure_path (node, across_steps);
  return message;
}

PsFigure *
ps_node_figure_new (const PsTimeline *tl, PsTreeNode *node, const char *path, const PsFigureOptions *o, char **what,
                    char **context, char **message)
{
  g_autoptr (GError) error = NULL;
  PsFigure *fig = ps_figure_new (tl, path, o, &error);
  if (fig == NULL)
    {
      *message = g_strdup (error->message);
      return NULL;
    }
  /* a module not in the model is named by its id (fc.weight), as in Python */
  *what = ps_tree_node_get_figure_path (node, FALSE);
  *context = g_strdup_printf (_("Step %u"), o->step);
  return fig;
}

PsFigure *
ps_node_figure_compare (const PsTimeline *tl, PsModule *root, PsTreeNode *node, const PsFigureOptions *o,
                        gboolean over_steps, gboolean shared_range, char **what, char **context, char **message)
{
  PsParam *param = node ? ps_tree_node_get_param (node) : NULL;
  if (param == NULL || param->value == NULL || root == NULL || ps_tree_node_get_base (node) != NULL)
    {
      *message = g_strdup (_("Select a parameter of the model: Compare shows it beside every parameter "
                             "with the same name (all the weights, or all the biases), side by side."));
      return NULL;
    }
  g_autoptr (GError) error = NULL;
  if (over_steps)
    {
      /* one parameter at each step where it changed (constructed, initialized, trained) */
      const char *path = ps_tree_node_get_path (node);
      guint steps[PS_FIGURE_MAX_MULTIPLES];
      guint n = ps_figure_steps_of_change (tl, path, steps, PS_FIGURE_MAX_MULTIPLES, &error);
      PsFigure *fig = n > 0 ? ps_figure_new_multiples_over_steps (tl, path, steps, n, o, shared_range, &error) : NULL;
      if (fig == NULL)
        {
          *message = g_strdup (error ? error->message : _("This parameter has values at no step."));
          return NULL;
        }
      *what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s at %u step", "%s at %u steps", n), path, n);
      *context = g_strdup (_("Each step where it changed"));
      return fig;
    }
  const char *leaf = ps_tree_node_get_name (node);
  g_autoptr (GPtrArray) params = ps_module_named_parameters (root);
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  for (guint i = 0; i < params->len && paths->len < PS_FIGURE_MAX_MULTIPLES; i++)
    {
      PsNamedItem *it = g_ptr_array_index (params, i);
      const char *dot = strrchr (it->path, '.');
      if (it->param->value != NULL && g_strcmp0 (dot ? dot + 1 : it->path, leaf) == 0)
        g_ptr_array_add (paths, it->path);
    }
  PsFigure *fig = ps_figure_new_multiples (tl, (const char *const *) paths->pdata, paths->len, o, shared_range, &error);
  if (fig == NULL)
    {
      *message = g_strdup (error->message);
      return NULL;
    }
  *what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u parameter named %s", "%u parameters named %s", paths->len),
                           paths->len, leaf);
  *context = g_strdup_printf (_("Step %u"), o->step);
  return fig;
}
