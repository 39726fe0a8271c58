/* ps-tree-node.c — see ps-tree-node.h. */
#include "ps-config.h"
#include "ps-tree-node.h"
#include "ps-count-text.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

struct _PsTreeNode {
  GObject parent_instance;
  PsTreeNodeKind kind;
  char *name;
  char *path;
  char *type_label;
  char *detail;
  PsModule *module;          /* ref */
  PsParam *param;            /* owned by module */
  GHashTable *places;        /* shared by the whole tree: PsModule* → count of appearances */
  GListStore *children;      /* built on first request (outputs group: at creation) */
  PsTensor *output;          /* ref; output nodes only */
  char *base;                /* object trees: the module id they hang from */
  gboolean highlight;
};

enum { PROP_0, PROP_NAME, PROP_TYPE_LABEL, PROP_DETAIL, PROP_SHARED, PROP_HIGHLIGHT, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PsTreeNode, ps_tree_node, G_TYPE_OBJECT)

static void
count_places (PsModule *m, GHashTable *places)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (places, m));
  g_hash_table_insert (places, m, GUINT_TO_POINTER (n + 1));
  if (n > 0)
    return;  /* its subtree was counted at its first place; later places add only the module itself */
  for (guint i = 0; i < ps_module_n_children (m); i++)
    count_places (ps_module_child_at (m, i), places);
}

static PsTreeNode *
node_new (PsTreeNodeKind kind, const char *name, const char *path, PsModule *module, PsParam *param,
          GHashTable *places)
{
  PsTreeNode *self = g_object_new (PS_TYPE_TREE_NODE, NULL);
  self->kind = kind;
  self->name = g_strdup (name);
  self->path = g_strdup (path);
  self->module = module ? ps_module_ref (module) : NULL;
  self->param = param;
  self->places = g_hash_table_ref (places);
  if (path[0] == '@')
    {
      const char *dot = strchr (path, '.');
      self->base = dot ? g_strndup (path + 1, (gsize) (dot - path - 1)) : g_strdup (path + 1);
    }
  if (kind == PS_TREE_NODE_MODULE)
    {
      self->type_label = ps_module_describe (module);
      int lazy = 0;
      int64_t n = ps_module_count_parameters (module, &lazy);
      if (lazy > 0 && n == 0)
        self->detail = g_strdup (_("uninitialized"));
      else if (lazy > 0)
        {
          g_autofree char *num = ps_count_text (n);
          self->detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter + %d uninitialized",
                                                       "%s parameters + %d uninitialized", (gulong) n), num, lazy);
        }
      else
        {
          g_autofree char *num = ps_count_text (n);
          self->detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter", "%s parameters", (gulong) n), num);
        }
    }
  else
    {
      self->type_label = g_strdup (kind == PS_TREE_NODE_BUFFER ? _("Buffer") : _("Parameter"));
      self->detail = param->value ? ps_tensor_shape_string (param->value) : g_strdup (_("uninitialized"));
    }
  return self;
}

PsTreeNode *
ps_tree_node_new_root (PsModule *root, const char *root_name)
{
  g_autoptr (GHashTable) places = g_hash_table_new (NULL, NULL);
  count_places (root, places);
  return node_new (PS_TREE_NODE_MODULE, root_name ? root_name : "model", "", root, NULL, places);
}

static char *
join (const char *prefix, const char *name)
{
  return *prefix ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
}

/* A group node (Outputs, Not in the model) over `children` (taken), with `detail`
 * (taken: it counts them); NULL when there are none. */
static PsTreeNode *
group_new (PsTreeNodeKind kind, const char *name, const char *path, const char *type_label, char *detail,
           GListStore *children)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (children)) == 0)
    {
      g_free (detail);
      g_object_unref (children);
      return NULL;
    }
  PsTreeNode *group = g_object_new (PS_TYPE_TREE_NODE, NULL);
  group->kind = kind;
  group->name = g_strdup (name);
  group->path = g_strdup (path);
  group->type_label = g_strdup (type_label);
  group->detail = detail;
  group->places = g_hash_table_new (NULL, NULL);
  group->children = children;
  return group;
}

PsTreeNode *
ps_tree_node_new_outputs (GPtrArray *output_names, GHashTable *outputs)
{
  if (output_names == NULL || output_names->len == 0)
    return NULL;
  g_autoptr (GHashTable) places = g_hash_table_new (NULL, NULL);
  GListStore *children = g_list_store_new (PS_TYPE_TREE_NODE);
  for (guint i = 0; i < output_names->len; i++)
    {
      const char *name = g_ptr_array_index (output_names, i);
      PsTensor *t = g_hash_table_lookup (outputs, name);
      if (t == NULL)
        continue;
      g_autoptr (PsTreeNode) n = g_object_new (PS_TYPE_TREE_NODE, NULL);
      n->kind = PS_TREE_NODE_OUTPUT;
      n->name = g_strdup (name);
      n->path = g_strconcat ("outputs/", name, NULL);
      n->type_label = g_strdup (_("Output"));
      n->detail = ps_tensor_shape_string (t);
      n->output = ps_tensor_ref (t);
      n->places = g_hash_table_ref (places);
      g_list_store_append (children, n);
    }
  /* the detail counts the outputs listed (a name without a tensor is not) */
  const guint n = g_list_model_get_n_items (G_LIST_MODEL (children));
  return group_new (PS_TREE_NODE_OUTPUTS, _("Outputs"), "outputs", _("Forward outputs"),
                    g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u tensor", "%u tensors", n), n), children);
}

static void
mark_inside (PsModule *m, GHashTable *inside)
{
  for (guint i = 0; i < ps_module_n_children (m); i++)
    {
      PsModule *c = ps_module_child_at (m, i);
      if (g_hash_table_add (inside, c))
        mark_inside (c, inside);
    }
}

PsTreeNode *
ps_tree_node_new_objects (const PsState *state)
{
  PsModule *root = ps_state_get_root (state);
  g_autoptr (GHashTable) inside = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < ps_state_n_modules (state); i++)
    mark_inside (ps_state_get_module (state, ps_state_module_id (state, i)), inside);
  g_autoptr (GListStore) objects = g_list_store_new (PS_TYPE_TREE_NODE);
  for (guint i = 0; i < ps_state_n_modules (state); i++)
    {
      const char *id = ps_state_module_id (state, i);
      PsModule *m = ps_state_get_module (state, id);
      if (m == root || g_hash_table_contains (inside, m))
        continue;
      g_autoptr (GHashTable) places = g_hash_table_new (NULL, NULL);
      count_places (m, places);
      g_autofree char *path = g_strconcat ("@", id, NULL);
      g_autoptr (PsTreeNode) n = node_new (PS_TREE_NODE_MODULE, id, path, m, NULL, places);
      g_list_store_append (objects, n);
    }
  const guint n = g_list_model_get_n_items (G_LIST_MODEL (objects));
  return group_new (PS_TREE_NODE_OBJECTS, _("Not in the model"), "objects", _("Constructed modules"),
                    g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u module", "%u modules", n), n),
                    g_steal_pointer (&objects));
}

const char *
ps_tree_node_get_base (PsTreeNode *self)
{
  return self->base;
}

const char *
ps_tree_node_get_rel_path (PsTreeNode *self)
{
  if (self->base == NULL)
    return self->path;
  const char *dot = strchr (self->path, '.');
  return dot ? dot + 1 : "";
}

const char *
ps_tree_node_get_output_name (PsTreeNode *self)
{
  return self->kind == PS_TREE_NODE_OUTPUT ? self->name : NULL;
}

PsPlotSelection
ps_tree_node_get_plot_selection (PsTreeNode *self)
{
  if (self == NULL)
    return PS_PLOT_SELECTION_NONE;
  if (self->kind == PS_TREE_NODE_OUTPUTS)
    return PS_PLOT_SELECTION_OUTPUTS;
  if (self->kind == PS_TREE_NODE_OBJECTS)
    return PS_PLOT_SELECTION_OBJECTS;
  if (ps_tree_node_get_param (self) == NULL && ps_tree_node_get_output_name (self) == NULL)
    return PS_PLOT_SELECTION_MODULE;
  return PS_PLOT_SELECTION_TENSOR;
}

char *
ps_tree_node_get_stable_path (PsTreeNode *self)
{
  PsModule *m = ps_tree_node_get_module (self);
  if (m != NULL && m->id != NULL)
    return g_strdup_printf ("%s.%s", m->id, ps_tree_node_get_name (self));
  return g_strdup (ps_tree_node_get_path (self));
}

char *
ps_tree_node_get_figure_path (PsTreeNode *self, gboolean across_steps)
{
  const char *output = ps_tree_node_get_output_name (self);
  if (output != NULL)
    return g_strdup (output);
  if (across_steps || ps_tree_node_get_base (self) != NULL)
    return ps_tree_node_get_stable_path (self);
  return g_strdup (ps_tree_node_get_path (self));
}

char *
ps_tree_node_export_name (PsTreeNode *self, guint step, const char *ext)
{
  const char *what = self == NULL ? "figure"
                     : ps_tree_node_get_output_name (self) ? ps_tree_node_get_output_name (self)
                     : ps_tree_node_get_path (self);
  g_autofree char *base = g_strdup_printf ("%s-step%u", *what ? what : "model", step);
  g_strdelimit (base, "/\\:", '-');
  return g_strconcat (base, ext, NULL);
}

PsTensor *
ps_tree_node_get_tensor (PsTreeNode *self)
{
  if (self->kind == PS_TREE_NODE_OUTPUT)
    return self->output;
  return self->param ? self->param->value : NULL;
}

GListModel *
ps_tree_node_get_children (PsTreeNode *self)
{
  if (self->kind == PS_TREE_NODE_OUTPUTS || self->kind == PS_TREE_NODE_OBJECTS)
    return g_object_ref (G_LIST_MODEL (self->children));
  if (self->kind != PS_TREE_NODE_MODULE)
    return NULL;
  if (self->children == NULL)
    {
      self->children = g_list_store_new (PS_TYPE_TREE_NODE);
      PsModule *m = self->module;
      /* parameters, then buffers, then children: the state_dict order */
      for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < m->params->len; i++)
          {
            PsParam *p = g_ptr_array_index (m->params, i);
            if (p->is_buffer != (pass == 1))
              continue;
            g_autofree char *path = join (self->path, p->name);
            g_autoptr (PsTreeNode) n = node_new (p->is_buffer ? PS_TREE_NODE_BUFFER : PS_TREE_NODE_PARAMETER,
                                                 p->name, path, m, p, self->places);
            g_list_store_append (self->children, n);
          }
      for (guint i = 0; i < ps_module_n_children (m); i++)
        {
          const char *name = ps_module_child_name_at (m, i);
          g_autofree char *path = join (self->path, name);
          g_autoptr (PsTreeNode) n = node_new (PS_TREE_NODE_MODULE, name, path,
                                               ps_module_child_at (m, i), NULL, self->places);
          g_list_store_append (self->children, n);
        }
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (self->children)) == 0)
    return NULL;
  return g_object_ref (G_LIST_MODEL (self->children));
}

GListModel *
ps_tree_node_create_children_model (gpointer item, gpointer user_data)
{
  return ps_tree_node_get_children (PS_TREE_NODE (item));
}

PsTreeNodeKind ps_tree_node_get_kind (PsTreeNode *self) { return self->kind; }
const char *ps_tree_node_get_name (PsTreeNode *self) { return self->name; }
const char *ps_tree_node_get_path (PsTreeNode *self) { return self->path; }
const char *ps_tree_node_get_detail (PsTreeNode *self) { return self->detail; }
PsModule *ps_tree_node_get_module (PsTreeNode *self) { return self->module; }
PsParam *ps_tree_node_get_param (PsTreeNode *self) { return self->param; }

guint
ps_tree_node_get_n_places (PsTreeNode *self)
{
  if (self->module == NULL)
    return 0;
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->places, self->module));
}

gboolean
ps_tree_node_get_shared (PsTreeNode *self)
{
  return ps_tree_node_get_n_places (self) > 1;
}

gboolean
ps_tree_node_get_highlight (PsTreeNode *self)
{
  return self->highlight;
}

static void
ps_tree_node_set_highlight (PsTreeNode *self, gboolean highlight)
{
  highlight = !!highlight;
  if (self->highlight == highlight)
    return;
  self->highlight = highlight;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT]);
}

static guint
highlight_rec (PsTreeNode *node, PsModule *module)
{
  guint n = 0;
  gboolean on = module != NULL && node->module == module;
  ps_tree_node_set_highlight (node, on);
  n += on;
  if (node->children != NULL)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (node->children)); i++)
      {
        g_autoptr (PsTreeNode) c = g_list_model_get_item (G_LIST_MODEL (node->children), i);
        n += highlight_rec (c, module);
      }
  return n;
}

guint
ps_tree_node_highlight_module (PsTreeNode *root, PsModule *module)
{
  return highlight_rec (root, module);
}

static void
to_string_rec (PsTreeNode *node, GString *out, int depth)
{
  g_string_append_printf (out, "%*s%s %s %s%s%s\n", depth * 2, "", node->name, node->type_label, node->detail,
                          node->kind == PS_TREE_NODE_MODULE && ps_tree_node_get_shared (node) ? " [shared]" : "",
                          node->highlight ? " [highlight]" : "");
  g_autoptr (GListModel) children = ps_tree_node_get_children (node);
  if (children != NULL)
    for (guint i = 0; i < g_list_model_get_n_items (children); i++)
      {
        g_autoptr (PsTreeNode) c = g_list_model_get_item (children, i);
        to_string_rec (c, out, depth + 1);
      }
}

char *
ps_tree_node_to_string (PsTreeNode *root)
{
  GString *out = g_string_new (NULL);
  to_string_rec (root, out, 0);
  return g_string_free (out, FALSE);
}

static void
ps_tree_node_finalize (GObject *object)
{
  PsTreeNode *self = PS_TREE_NODE (object);
  g_free (self->name);
  g_free (self->path);
  g_free (self->base);
  g_free (self->type_label);
  g_free (self->detail);
  if (self->module != NULL)
    ps_module_unref (self->module);
  g_clear_pointer (&self->output, ps_tensor_unref);
  g_clear_pointer (&self->places, g_hash_table_unref);
  g_clear_object (&self->children);
  G_OBJECT_CLASS (ps_tree_node_parent_class)->finalize (object);
}

static void
ps_tree_node_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsTreeNode *self = PS_TREE_NODE (object);
  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TYPE_LABEL: g_value_set_string (value, self->type_label); break;
    case PROP_DETAIL: g_value_set_string (value, self->detail); break;
    case PROP_SHARED: g_value_set_boolean (value, ps_tree_node_get_shared (self)); break;
    case PROP_HIGHLIGHT: g_value_set_boolean (value, self->highlight); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_tree_node_class_init (PsTreeNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = ps_tree_node_finalize;
  object_class->get_property = ps_tree_node_get_property;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_TYPE_LABEL] = g_param_spec_string ("type-label", NULL, NULL, NULL, ro);
  properties[PROP_DETAIL] = g_param_spec_string ("detail", NULL, NULL, NULL, ro);
  properties[PROP_SHARED] = g_param_spec_boolean ("shared", NULL, NULL, FALSE, ro);
  properties[PROP_HIGHLIGHT] = g_param_spec_boolean ("highlight", NULL, NULL, FALSE, ro | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ps_tree_node_init (PsTreeNode *self)
{
}
