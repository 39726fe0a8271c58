/* ps-module.c — the module tree, parameter listings with PyTorch's semantics, cloning.
 * See ps-module.h for the sharing and snapshot rules. */
#include "ps-module.h"
#include "ps-autograd.h"

#include <string.h>

/* ---------- params ---------- */

static PsParam *
param_new (const char *name, PsTensor *value, gboolean is_buffer)
{
  PsParam *p = g_new0 (PsParam, 1);
  p->name = g_strdup (name);
  p->is_buffer = is_buffer;
  p->value = value ? ps_tensor_ref (value) : NULL;
  p->created_step = -1;
  p->written_step = -1;
  ps_init_info_clear (&p->init);
  return p;
}

static PsParam *
param_copy (const PsParam *src)
{
  PsParam *p = g_new0 (PsParam, 1);
  *p = *src;
  p->name = g_strdup (src->name);
  p->value = src->value ? ps_tensor_ref (src->value) : NULL;
  p->grad = src->grad ? ps_tensor_ref (src->grad) : NULL;
  return p;
}

static void
param_free (gpointer data)
{
  PsParam *p = data;
  g_free (p->name);
  ps_tensor_unref (p->value);
  ps_tensor_unref (p->grad);
  g_free (p);
}

void
ps_param_set_value (PsParam *p, PsTensor *value)
{
  PsTensor *old = p->value;
  p->value = value ? ps_tensor_ref (value) : NULL;
  ps_tensor_unref (old);
}

void
ps_param_set_grad (PsParam *p, PsTensor *grad)
{
  PsTensor *old = p->grad;
  p->grad = grad ? ps_tensor_ref (grad) : NULL;
  ps_tensor_unref (old);
}

PsTensor *
ps_param_new_like (const PsParam *p, GError **error)
{
  if (p->value == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   "Attempted to use an uninitialized parameter '%s'", p->name);
      return NULL;
    }
  return ps_tensor_new_like (p->value, error);
}

PsTensor *
ps_param_new_for_overwrite (PsParam *p, GError **error)
{
  if (p->value != NULL && g_atomic_ref_count_compare (&p->value->ref_count, 1) && ps_tensor_is_exclusive (p->value))
    return ps_tensor_ref (p->value);
  if (p->value == NULL)
    return ps_param_new_like (p, error);   /* the error for a lazy parameter */
  return ps_tensor_new_empty (p->value->dtype, p->value->ndim, p->value->shape, error);
}

PsParam *
ps_module_register (PsModule *self, const char *name, PsTensor *value, gboolean is_buffer)
{
  g_return_val_if_fail (ps_module_get_param (self, name) == NULL, NULL);
  PsParam *p = param_new (name, value, is_buffer);
  g_ptr_array_add (self->params, p);
  return p;
}

PsParam *
ps_module_get_param (PsModule *self, const char *name)
{
  for (guint i = 0; i < self->params->len; i++)
    {
      PsParam *p = g_ptr_array_index (self->params, i);
      if (strcmp (p->name, name) == 0)
        return p;
    }
  return NULL;
}

/* ---------- lifecycle ---------- */

static PsModule *
module_alloc (const PsModuleClass *klass)
{
  PsModule *m = g_new0 (PsModule, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->klass = klass;
  m->child_names = g_ptr_array_new_with_free_func (g_free);
  m->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  m->params = g_ptr_array_new_with_free_func (param_free);
  m->training = TRUE;
  m->created_step = -1;
  if (klass->priv_size > 0)
    m->priv = g_malloc0 (klass->priv_size);
  return m;
}

PsModule *
ps_module_new (const char *type, const PsArgs *args, PsGenerator *gen, GError **error)
{
  g_return_val_if_fail (type != NULL, NULL);
  const PsModuleClass *klass = ps_module_class_lookup (type);
  if (klass == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "unknown module type '%s'", type);
      return NULL;
    }
  if (klass->construct == NULL && !klass->is_container)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "module type '%s' is not implemented yet", type);
      return NULL;
    }
  g_autoptr (PsArgs) resolved = ps_args_resolve (klass->args, args, error);
  if (resolved == NULL)
    {
      g_prefix_error (error, "%s: ", type);
      return NULL;
    }
  g_autoptr (PsModule) m = module_alloc (klass);
  m->args = g_steal_pointer (&resolved);
  if (klass->construct != NULL && !klass->construct (m, error))
    return NULL;
  gboolean (*init) (PsModule *, PsGenerator *, GError **) =
    klass->init_parameters != NULL ? klass->init_parameters : klass->reset_parameters;
  if (!klass->is_lazy && init != NULL)
    {
      PsGenerator saved = *gen;
      if (!init (m, gen, error))
        {
          *gen = saved;
          return NULL;
        }
    }
  return g_steal_pointer (&m);
}

PsModule *
ps_module_new_container (const char *type, const char *display_class, GError **error)
{
  const PsModuleClass *klass = ps_module_class_lookup (type);
  if (klass == NULL || !klass->is_container)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' is not a container type "
                   "(expected Sequential, ModuleList or ModuleDict)", type);
      return NULL;
    }
  PsModule *m = module_alloc (klass);
  m->args = ps_args_new ();
  m->display_class = g_strdup (display_class);
  return m;
}

PsModule *
ps_module_ref (PsModule *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_atomic_ref_count_inc (&m->ref_count);
  return m;
}

void
ps_module_unref (PsModule *m)
{
  if (m == NULL)
    return;
  if (g_atomic_ref_count_dec (&m->ref_count))
    {
      g_free (m->id);
      g_free (m->display_class);
      ps_args_free (m->args);
      g_ptr_array_unref (m->child_names);
      g_ptr_array_unref (m->children);
      g_clear_pointer (&m->child_index, g_hash_table_unref);
      g_ptr_array_unref (m->params);
      g_free (m->priv);
      g_free (m);
    }
}

static void child_index_rebuild (PsModule *parent);

static PsModule *
clone_rec (PsModule *src, GHashTable *map)
{
  PsModule *done = g_hash_table_lookup (map, src);
  if (done != NULL)
    return ps_module_ref (done);
  PsModule *m = module_alloc (src->klass);
  g_hash_table_insert (map, src, m);
  m->id = g_strdup (src->id);
  m->display_class = g_strdup (src->display_class);
  m->args = src->args ? ps_args_copy (src->args) : NULL;
  m->training = src->training;
  m->created_step = src->created_step;
  if (src->klass->priv_size > 0)
    memcpy (m->priv, src->priv, src->klass->priv_size);
  for (guint i = 0; i < src->params->len; i++)
    g_ptr_array_add (m->params, param_copy (g_ptr_array_index (src->params, i)));
  for (guint i = 0; i < src->children->len; i++)
    {
      g_ptr_array_add (m->child_names, g_strdup (g_ptr_array_index (src->child_names, i)));
      g_ptr_array_add (m->children, clone_rec (g_ptr_array_index (src->children, i), map));
    }
  child_index_rebuild (m);
  return m;
}

PsModule *
ps_module_clone_tree (PsModule *root, GHashTable *map)
{
  g_autoptr (GHashTable) own = NULL;
  if (map == NULL)
    map = own = g_hash_table_new (NULL, NULL);
  return clone_rec (root, map);
}

/* ---------- children ---------- */

/* Each module is visited once: a module listed n times under each of d nested containers would
 * otherwise be visited n^d times (10^10 for ten containers listing their child ten times). */
static gboolean
contains_rec (PsModule *root, PsModule *m, GHashTable *seen)
{
  if (root == m)
    return TRUE;
  if (!g_hash_table_add (seen, root))
    return FALSE;
  for (guint i = 0; i < root->children->len; i++)
    if (contains_rec (g_ptr_array_index (root->children, i), m, seen))
      return TRUE;
  return FALSE;
}

static gboolean
ps_module_contains (PsModule *root, PsModule *m)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  return contains_rec (root, m, seen);
}

/* Below this many children a linear scan; above, a hash index of the names (keys borrowed from
 * child_names) to the children, so a container op listing n children costs O(n), not O(n^2). The
 * index holds no positions: inserting at a place or moving a child shifts the arrays (one memmove
 * of pointers) and leaves the index alone. It is kept by the functions that change the children,
 * never built by a lookup: lookups stay pure reads. */
#define CHILD_INDEX_MIN 16

static void
child_index_rebuild (PsModule *parent)
{
  g_clear_pointer (&parent->child_index, g_hash_table_unref);
  guint len = parent->child_names->len;
  if (len < CHILD_INDEX_MIN)
    return;
  parent->child_index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < len; i++)
    g_hash_table_insert (parent->child_index, g_ptr_array_index (parent->child_names, i),
                         g_ptr_array_index (parent->children, i));
}

/* The child named `name`, or NULL. */
static PsModule *
child_lookup (PsModule *parent, const char *name)
{
  if (parent->child_index != NULL)
    return g_hash_table_lookup (parent->child_index, name);
  guint len = parent->child_names->len;
  for (guint i = 0; i < len; i++)
    if (strcmp (g_ptr_array_index (parent->child_names, i), name) == 0)
      return g_ptr_array_index (parent->children, i);
  return NULL;
}

/* The position of the child named `name`, or -1 (a scan; callers change the arrays anyway). */
static int
child_index (PsModule *parent, const char *name)
{
  guint len = parent->child_names->len;
  if (parent->child_index != NULL)
    {
      gpointer key;
      if (!g_hash_table_lookup_extended (parent->child_index, name, &key, NULL))
        return -1;
      for (guint i = 0; i < len; i++)   /* the key is the very string in child_names */
        if (g_ptr_array_index (parent->child_names, i) == key)
          return (int) i;
      g_assert_not_reached ();
    }
  for (guint i = 0; i < len; i++)
    if (strcmp (g_ptr_array_index (parent->child_names, i), name) == 0)
      return (int) i;
  return -1;
}

static gboolean
valid_child_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '.') == NULL;
}

gboolean
ps_module_add_child (PsModule *parent, const char *name, PsModule *child, GError **error)
{
  if (!valid_child_name (name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "module name '%s' is invalid: it must be non-empty and contain no '.'", name ? name : "");
      return FALSE;
    }
  if (child_lookup (parent, name) != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s' already has a child named '%s'", ps_module_class_name (parent), name);
      return FALSE;
    }
  if (ps_module_get_param (parent, name) != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "attribute '%s' already exists", name);
      return FALSE;
    }
  if (ps_module_contains (child, parent))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "adding '%s' as '%s' would make a cycle: it contains the parent",
                   child->id ? child->id : ps_module_class_name (child), name);
      return FALSE;
    }
  char *copy = g_strdup (name);
  g_ptr_array_add (parent->child_names, copy);
  g_ptr_array_add (parent->children, ps_module_ref (child));
  if (parent->child_index != NULL)
    g_hash_table_insert (parent->child_index, copy, child);
  else if (parent->child_names->len >= CHILD_INDEX_MIN)
    child_index_rebuild (parent);
  return TRUE;
}

gboolean
ps_module_insert_child (PsModule *parent, int index, const char *name, PsModule *child, GError **error)
{
  guint len = parent->children->len;
  if (index < -1 || index > (int) len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "index %d is out of range (0 to %u)", index, len);
      return FALSE;
    }
  if (!ps_module_add_child (parent, name, child, error))
    return FALSE;
  if (index >= 0)
    ps_module_move_child (parent, name, index, NULL);   /* cannot fail: the index was checked */
  return TRUE;
}

gboolean
ps_module_rename_child (PsModule *parent, const char *name, const char *new_name, GError **error)
{
  int i = child_index (parent, name);
  if (i < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has no child named '%s'",
                   ps_module_class_name (parent), name);
      return FALSE;
    }
  if (!valid_child_name (new_name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "module name '%s' is invalid: it must be non-empty and contain no '.'",
                   new_name ? new_name : "");
      return FALSE;
    }
  if (strcmp (name, new_name) == 0)
    return TRUE;
  if (child_lookup (parent, new_name) != NULL || ps_module_get_param (parent, new_name) != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s' already has a child, parameter or buffer named '%s'",
                   ps_module_class_name (parent), new_name);
      return FALSE;
    }
  char *copy = g_strdup (new_name);
  if (parent->child_index != NULL)
    {
      g_hash_table_remove (parent->child_index, name);   /* before the name is freed */
      g_hash_table_insert (parent->child_index, copy, parent->children->pdata[i]);
    }
  g_free (parent->child_names->pdata[i]);
  parent->child_names->pdata[i] = copy;
  return TRUE;
}

gboolean
ps_module_move_child (PsModule *parent, const char *name, int index, GError **error)
{
  int i = child_index (parent, name);
  if (i < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has no child named '%s'",
                   ps_module_class_name (parent), name);
      return FALSE;
    }
  guint len = parent->children->len;
  if (index < 0 || index >= (int) len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "index %d is out of range (0 to %u)", index, len - 1);
      return FALSE;
    }
  /* steal both entries (no free func runs), then put them back at the new place */
  gpointer n = parent->child_names->pdata[i];
  gpointer c = parent->children->pdata[i];
  memmove (&parent->child_names->pdata[i], &parent->child_names->pdata[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&parent->children->pdata[i], &parent->children->pdata[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&parent->child_names->pdata[index + 1], &parent->child_names->pdata[index], (len - 1 - (guint) index) * sizeof (gpointer));
  memmove (&parent->children->pdata[index + 1], &parent->children->pdata[index], (len - 1 - (guint) index) * sizeof (gpointer));
  parent->child_names->pdata[index] = n;
  parent->children->pdata[index] = c;
  return TRUE;   /* the index maps names to children, not to positions: nothing to update */
}

gboolean
ps_module_remove_child (PsModule *parent, const char *name, GError **error)
{
  int i = child_index (parent, name);
  if (i < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has no child named '%s'",
                   ps_module_class_name (parent), name);
      return FALSE;
    }
  if (parent->child_index != NULL)
    g_hash_table_remove (parent->child_index, name);   /* before the name is freed */
  g_ptr_array_remove_index (parent->child_names, (guint) i);
  g_ptr_array_remove_index (parent->children, (guint) i);
  if (parent->child_names->len < CHILD_INDEX_MIN / 2)
    g_clear_pointer (&parent->child_index, g_hash_table_unref);
  return TRUE;
}

PsModule *
ps_module_get_child (PsModule *parent, const char *name)
{
  return child_lookup (parent, name);
}

/* ---------- listings ---------- */

static PsNamedItem *
item_new (const char *path, PsModule *m, PsParam *p)
{
  PsNamedItem *it = g_new0 (PsNamedItem, 1);
  it->path = g_strdup (path);
  it->module = m;
  it->param = p;
  return it;
}

static void
item_free (gpointer data)
{
  PsNamedItem *it = data;
  g_free (it->path);
  g_free (it);
}

static char *
join (const char *prefix, const char *name)
{
  return *prefix ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
}

static void
modules_rec (PsModule *m, const char *prefix, GHashTable *seen, GPtrArray *out)
{
  if (seen != NULL)
    {
      if (g_hash_table_contains (seen, m))
        return;
      g_hash_table_add (seen, m);
    }
  g_ptr_array_add (out, item_new (prefix, m, NULL));
  for (guint i = 0; i < m->children->len; i++)
    {
      g_autofree char *p = join (prefix, g_ptr_array_index (m->child_names, i));
      modules_rec (g_ptr_array_index (m->children, i), p, seen, out);
    }
}

GPtrArray *
ps_module_named_modules (PsModule *root, gboolean remove_duplicate)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (item_free);
  g_autoptr (GHashTable) seen = remove_duplicate ? g_hash_table_new (NULL, NULL) : NULL;
  modules_rec (root, "", seen, out);
  return out;
}

static GPtrArray *
named_members (PsModule *root, gboolean buffers)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (item_free);
  g_autoptr (GPtrArray) mods = ps_module_named_modules (root, TRUE);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedItem *mi = g_ptr_array_index (mods, i);
      for (guint j = 0; j < mi->module->params->len; j++)
        {
          PsParam *p = g_ptr_array_index (mi->module->params, j);
          if (p->is_buffer != buffers || g_hash_table_contains (seen, p))
            continue;
          g_hash_table_add (seen, p);
          g_autofree char *path = join (mi->path, p->name);
          g_ptr_array_add (out, item_new (path, mi->module, p));
        }
    }
  return out;
}

GPtrArray *
ps_module_named_parameters (PsModule *root)
{
  return named_members (root, FALSE);
}

GPtrArray *
ps_module_named_buffers (PsModule *root)
{
  return named_members (root, TRUE);
}

static void
state_dict_rec (PsModule *m, const char *prefix, GPtrArray *out, int depth)
{
  /* parameters first, then buffers, then children: Module._save_to_state_dict order */
  for (int pass = 0; pass < 2; pass++)
    for (guint j = 0; j < m->params->len; j++)
      {
        PsParam *p = g_ptr_array_index (m->params, j);
        if (p->is_buffer != (pass == 1))
          continue;
        g_autofree char *path = join (prefix, p->name);
        g_ptr_array_add (out, item_new (path, m, p));
      }
  for (guint i = 0; i < m->children->len; i++)
    {
      g_autofree char *p = join (prefix, g_ptr_array_index (m->child_names, i));
      state_dict_rec (g_ptr_array_index (m->children, i), p, out, depth + 1);
    }
}

GPtrArray *
ps_module_state_dict (PsModule *root)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (item_free);
  state_dict_rec (root, "", out, 0);
  return out;
}

int64_t
ps_module_count_parameters (PsModule *root, int *n_uninitialized)
{
  g_autoptr (GPtrArray) ps = ps_module_named_parameters (root);
  int64_t n = 0;
  int lazy = 0;
  for (guint i = 0; i < ps->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (ps, i);
      if (it->param->value != NULL)
        n += it->param->value->numel;
      else
        lazy++;
    }
  if (n_uninitialized != NULL)
    *n_uninitialized = lazy;
  return n;
}

gboolean
ps_module_resolve (PsModule *root, const char *path, PsModule **module, PsParam **param, GError **error)
{
  PsModule *m = root;
  PsParam *p = NULL;
  if (path != NULL && *path != '\0')
    {
      g_auto (GStrv) parts = g_strsplit (path, ".", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          PsModule *child = ps_module_get_child (m, parts[i]);
          if (child != NULL)
            {
              m = child;
              continue;
            }
          if (parts[i + 1] == NULL && (p = ps_module_get_param (m, parts[i])) != NULL)
            break;
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                       "'%s' not found: %s has no child, parameter or buffer named '%s'",
                       path, ps_module_class_name (m), parts[i]);
          return FALSE;
        }
    }
  if (module != NULL)
    *module = m;
  if (param != NULL)
    *param = p;
  return TRUE;
}

/* ---------- behaviour ---------- */

static gboolean
reset_all (PsModule *m, PsGenerator *gen, GError **error)
{
  if (m->klass->reset_parameters != NULL && !m->klass->is_lazy)
    return m->klass->reset_parameters (m, gen, error);
  if (m->klass->reset_parameters != NULL && m->klass->is_lazy)
    return TRUE;  /* an unmaterialized lazy module has nothing to reset (torch skips it too) */
  g_autoptr (GPtrArray) mods = ps_module_named_modules (m, TRUE);
  for (guint i = 1; i < mods->len; i++)
    {
      PsModule *sub = ((PsNamedItem *) g_ptr_array_index (mods, i))->module;
      if (sub->klass->reset_parameters != NULL && !sub->klass->is_lazy
          && !sub->klass->reset_parameters (sub, gen, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ps_module_reset_parameters (PsModule *m, PsGenerator *gen, GError **error)
{
  PsGenerator saved = *gen;
  if (!reset_all (m, gen, error))
    {
      *gen = saved;
      return FALSE;
    }
  return TRUE;
}

PsTensor *
ps_module_forward (PsModule *m, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (m->klass->forward == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "Module [%s] is missing the required \"forward\" function", ps_module_class_name (m));
      return NULL;
    }
  if (input->tuple_next != NULL)
    {
      g_autofree char *text = ps_module_tuple_input_error (m);
      if (text != NULL)
        {
          g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, text);
          return NULL;
        }
    }
  if (!ps_tape_recording () || m->klass->is_container)
    return m->klass->forward (m, input, gen, error);
  /* under a gradient tape: record this leaf call for backward (ps-autograd.h) */
  guint call = ps_tape_begin_call (m, input);
  PsTensor *y = m->klass->forward (m, input, gen, error);
  if (y != NULL)
    ps_tape_end_call (call, y);
  return y;
}

void
ps_module_set_training (PsModule *m, gboolean training)
{
  m->training = training;
  for (guint i = 0; i < m->children->len; i++)
    ps_module_set_training (g_ptr_array_index (m->children, i), training);
}

const char *
ps_module_class_name (const PsModule *m)
{
  return m->display_class ? m->display_class : m->klass->name;
}

gboolean
ps_module_class_has_reset_parameters (const PsModuleClass *klass)
{
  return klass != NULL && klass->reset_parameters != NULL;
}

gboolean
ps_module_class_is_a (const PsModuleClass *klass, const PsModuleClass *base)
{
  for (; klass != NULL; klass = klass->base)
    if (klass == base)
      return TRUE;
  return FALSE;
}

gboolean
ps_module_isinstance (const PsModule *m, const char *name)
{
  if (m->display_class != NULL && strcmp (m->display_class, name) == 0)
    return TRUE;
  for (const PsModuleClass *k = m->klass; k != NULL; k = k->base)
    if (strcmp (k->name, name) == 0)
      return TRUE;
  return FALSE;
}

void
ps_example_input_set (PsExampleInput *ex, int ndim, const int64_t *shape)
{
  ex->dtype = PS_DTYPE_FLOAT32;
  ex->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    ex->shape[i] = shape[i];
}

void
ps_module_example_input (const PsModule *m, PsExampleInput *ex)
{
  while (m->klass->is_container && m->children->len > 0)
    m = g_ptr_array_index (m->children, 0);
  memset (ex, 0, sizeof *ex);
  ex->dtype = PS_DTYPE_FLOAT32;
  ex->ndim = 2;
  ex->shape[0] = 1;
  ex->shape[1] = 10;
  if (m->klass->example_input != NULL)
    m->klass->example_input (m, ex);
}

char *
ps_module_describe (const PsModule *m)
{
  g_autofree char *extra = m->klass->extra_repr ? m->klass->extra_repr (m) : NULL;
  return g_strdup_printf ("%s(%s)", ps_module_class_name (m), extra ? extra : "");
}

static void
repr_rec (PsModule *m, GString *out, int indent)
{
  g_autofree char *extra = m->klass->extra_repr ? m->klass->extra_repr (m) : NULL;
  g_string_append_printf (out, "%s(", ps_module_class_name (m));
  if (m->children->len == 0)
    {
      g_string_append_printf (out, "%s)", extra ? extra : "");
      return;
    }
  if (extra != NULL && *extra)
    g_string_append_printf (out, "\n%*s%s", indent + 2, "", extra);
  for (guint i = 0; i < m->children->len; i++)
    {
      g_string_append_printf (out, "\n%*s(%s): ", indent + 2, "",
                              (char *) g_ptr_array_index (m->child_names, i));
      repr_rec (g_ptr_array_index (m->children, i), out, indent + 2);
    }
  g_string_append_printf (out, "\n%*s)", indent, "");
}

char *
ps_module_repr (PsModule *m)
{
  GString *out = g_string_new (NULL);
  repr_rec (m, out, 0);
  return g_string_free (out, FALSE);
}
