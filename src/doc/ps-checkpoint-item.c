/* ps-checkpoint-item.c — see ps-checkpoint-item.h. */
#include "ps-config.h"
#include "ps-checkpoint-item.h"
#include "ps-count-text.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

struct _PsCheckpointItem {
  GObject parent_instance;
  PsCheckpoint **ck;            /* g_rc_box shared by every item of the tree */
  const PsCheckpointNode *node; /* owned by *ck */
  char *name;
  char *dtype;
  char *shape;
  int64_t count;                /* the values under this row (see count_under) */
  GListStore *children;         /* built on first request */
};

G_DEFINE_FINAL_TYPE (PsCheckpointItem, ps_checkpoint_item, G_TYPE_OBJECT)

static void
clear_checkpoint (gpointer box)
{
  ps_checkpoint_free (*(PsCheckpoint **) box);
}

static void
collect_dtypes (PsCheckpoint *ck, const PsCheckpointNode *node, GPtrArray *out)
{
  if (node->entry >= 0)
    {
      const char *d = ps_checkpoint_get_entry (ck, (guint) node->entry)->dtype;
      if (!g_ptr_array_find_with_equal_func (out, d, g_str_equal, NULL))
        g_ptr_array_add (out, (gpointer) d);
    }
  for (guint i = 0; node->children && i < node->children->len; i++)
    collect_dtypes (ck, node->children->pdata[i], out);
}

/* TRUE when the dotted name lies in the subtree at `path` ("" is the whole checkpoint). */
static gboolean
under (const char *name, const char *path)
{
  gsize n = strlen (path);
  return n == 0 || (strncmp (name, path, n) == 0 && (name[n] == '\0' || name[n] == '.'));
}

static void
count_rec (PsCheckpoint *ck, const PsCheckpointNode *node, const char *path, GHashTable *outside, int64_t *sum)
{
  if (node->entry >= 0)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, (guint) node->entry);
      /* an alias counts when the storage it shares is stored outside this row (tied weights: the
       * decoder's own count), once per storage; within the row its storage is counted already */
      if (e->alias_of == NULL || (!under (e->alias_of, path) && g_hash_table_add (outside, (gpointer) e->alias_of)))
        *sum += e->numel;
    }
  for (guint i = 0; node->children && i < node->children->len; i++)
    count_rec (ck, node->children->pdata[i], path, outside, sum);
}

/* The values under a row, each storage once: the whole checkpoint's count at its root (aliases
 * counted once), and an alias's own count on its row and its group (before, a tied decoder showed 0). */
static int64_t
count_under (PsCheckpoint *ck, const PsCheckpointNode *node)
{
  g_autoptr (GHashTable) outside = g_hash_table_new (g_str_hash, g_str_equal);
  int64_t sum = 0;
  count_rec (ck, node, node->path, outside, &sum);
  return sum;
}

static PsCheckpointItem *
item_new (PsCheckpoint **box, const PsCheckpointNode *node, const char *name)
{
  PsCheckpointItem *self = g_object_new (PS_TYPE_CHECKPOINT_ITEM, NULL);
  self->ck = g_rc_box_acquire (box);
  self->node = node;
  self->name = g_strdup (name);
  PsCheckpoint *ck = *box;
  self->count = count_under (ck, node);
  if (node->entry >= 0)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, (guint) node->entry);
      self->dtype = g_strdup (e->dtype);
      self->shape = ps_shape_to_string (e->ndim, e->shape);
    }
  else
    {
      g_autoptr (GPtrArray) dtypes = g_ptr_array_new ();
      collect_dtypes (ck, node, dtypes);
      g_ptr_array_add (dtypes, NULL);
      self->dtype = g_strjoinv (", ", (char **) dtypes->pdata);
      self->shape = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u tensor", "%u tensors", node->n_tensors),
                                     node->n_tensors);
    }
  return self;
}

PsCheckpointItem *
ps_checkpoint_item_new_root (PsCheckpoint *ck, const char *root_name)
{
  g_return_val_if_fail (ck != NULL, NULL);
  PsCheckpoint **box = g_rc_box_new (PsCheckpoint *);
  *box = ck;
  PsCheckpointItem *root = item_new (box, ps_checkpoint_get_tree (ck), root_name ? root_name : "checkpoint");
  g_rc_box_release_full (box, clear_checkpoint);
  return root;
}

const char *ps_checkpoint_item_get_path (PsCheckpointItem *self) { return self->node->path; }
const char *ps_checkpoint_item_get_dtype (PsCheckpointItem *self) { return self->dtype; }
int64_t ps_checkpoint_item_get_numel (PsCheckpointItem *self) { return self->count; }
const PsCheckpointNode *ps_checkpoint_item_get_node (PsCheckpointItem *self) { return self->node; }
PsCheckpoint *ps_checkpoint_item_get_checkpoint (PsCheckpointItem *self) { return *self->ck; }

const PsCheckpointEntry *
ps_checkpoint_item_get_entry (PsCheckpointItem *self)
{
  return self->node->entry >= 0 ? ps_checkpoint_get_entry (*self->ck, (guint) self->node->entry) : NULL;
}

GListModel *
ps_checkpoint_item_get_children (PsCheckpointItem *self)
{
  if (self->node->children == NULL || self->node->children->len == 0)
    return NULL;
  if (self->children == NULL)
    {
      self->children = g_list_store_new (PS_TYPE_CHECKPOINT_ITEM);
      for (guint i = 0; i < self->node->children->len; i++)
        {
          const PsCheckpointNode *c = self->node->children->pdata[i];
          g_autoptr (PsCheckpointItem) item = item_new (self->ck, c, c->name);
          g_list_store_append (self->children, item);
        }
    }
  return g_object_ref (G_LIST_MODEL (self->children));
}

GListModel *
ps_checkpoint_item_create_children_model (gpointer item, gpointer user_data)
{
  return ps_checkpoint_item_get_children (PS_CHECKPOINT_ITEM (item));
}

static void
to_string_rec (PsCheckpointItem *item, GString *out, int depth)
{
  g_string_append_printf (out, "%*s%s %s %s %" PRId64 "\n", depth * 2, "", item->name, item->dtype, item->shape,
                          item->count);
  g_autoptr (GListModel) children = ps_checkpoint_item_get_children (item);
  for (guint i = 0; children && i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr (PsCheckpointItem) c = g_list_model_get_item (children, i);
      to_string_rec (c, out, depth + 1);
    }
}

char *
ps_checkpoint_item_to_string (PsCheckpointItem *root)
{
  GString *out = g_string_new (NULL);
  to_string_rec (root, out, 0);
  return g_string_free (out, FALSE);
}

static void
ps_checkpoint_item_finalize (GObject *object)
{
  PsCheckpointItem *self = PS_CHECKPOINT_ITEM (object);
  g_clear_object (&self->children);
  g_free (self->name);
  g_free (self->dtype);
  g_free (self->shape);
  g_rc_box_release_full (self->ck, clear_checkpoint);
  G_OBJECT_CLASS (ps_checkpoint_item_parent_class)->finalize (object);
}

char *
ps_checkpoint_item_get_dtype_label (PsCheckpointItem *self)
{
  /* a group of many dtypes would crowd the column: "mixed", the list in the tooltip */
  g_auto (GStrv) parts = g_strsplit (self->dtype, ", ", -1);
  if (g_strv_length (parts) > 2)
    return g_strdup_printf (_("mixed (%u)"), g_strv_length (parts));
  return g_strdup (self->dtype);
}

/* Read-only properties: what the tree's columns show (their templates in
 * ui/ps-checkpoint-window.ui bind them). */
enum { PROP_0, PROP_NAME, PROP_TIP, PROP_DTYPE, PROP_DTYPE_LABEL, PROP_SHAPE, PROP_COUNT, N_PROPS };

static void
ps_checkpoint_item_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsCheckpointItem *self = PS_CHECKPOINT_ITEM (object);
  switch (id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TIP: g_value_set_string (value, *self->node->path ? self->node->path : NULL); break;
    case PROP_DTYPE: g_value_set_string (value, self->dtype); break;
    case PROP_DTYPE_LABEL: g_value_take_string (value, ps_checkpoint_item_get_dtype_label (self)); break;
    case PROP_SHAPE: g_value_set_string (value, self->shape); break;
    case PROP_COUNT: g_value_take_string (value, ps_count_text (self->count)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec); break;
    }
}

static void
ps_checkpoint_item_class_init (PsCheckpointItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = ps_checkpoint_item_finalize;
  object_class->get_property = ps_checkpoint_item_get_property;
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  GParamSpec *props[N_PROPS] = { NULL };
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  /* the dotted path, NULL for the root (no tooltip) */
  props[PROP_TIP] = g_param_spec_string ("tip", NULL, NULL, NULL, f);
  props[PROP_DTYPE] = g_param_spec_string ("dtype", NULL, NULL, NULL, f);
  props[PROP_DTYPE_LABEL] = g_param_spec_string ("dtype-label", NULL, NULL, NULL, f);
  props[PROP_SHAPE] = g_param_spec_string ("shape", NULL, NULL, NULL, f);
  props[PROP_COUNT] = g_param_spec_string ("count", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ps_checkpoint_item_init (PsCheckpointItem *self)
{
}
