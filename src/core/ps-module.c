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

gboolean
ps_module_register_new_f32 (PsModule *self, const char *name, int ndim, const int64_t *shape, GError **error)
{
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (t == NULL)
    return FALSE;
  ps_module_register (self, name, t, FALSE);
  return TRUE;
}

PsParam *
ps_module_register (PsModule *self, const char *name, PsTensor *value, gboolean is_buffer)
{
  g_return_val_if_fail (ps_module_get_param (self, name) == NULL, NULL);
  PsParam *p = param_new (name, value, is_buffer);
  g_ptr_array_add (self->params, p);
  self->entries_cache = 0;
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

static void children_release (PsModule *m);
static void children_share (PsModule *m, const PsModule *src);

static PsModule *
module_alloc (const PsModuleClass *klass)
{
  PsModule *m = g_new0 (PsModule, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->klass = klass;
  m->child_names = &m->child_views_[0];
  m->children = &m->child_views_[1];
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
  if (klass->check_given_args != NULL && args != NULL && !klass->check_given_args (args, error))
    return NULL;
  g_autoptr (PsArgs) resolved = ps_args_resolve (klass->args, klass->takes_any_args ? NULL : args, error);
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
      children_release (m);
      g_ptr_array_unref (m->params);
      g_free (m->priv);
      g_free (m);
    }
}

static gboolean children_append (PsModule *parent, const char *name, PsModule *child);

static PsModule *
clone_rec (PsModule *src, GHashTable *map, GHashTable *shallow)
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
  if (shallow != NULL && g_hash_table_contains (shallow, src))
    {
      /* the very same children: share their storage (the count of entries stays true too) */
      children_share (m, src);
      m->entries_cache = src->entries_cache;
      return m;
    }
  gboolean same = TRUE;
  g_autoptr (GPtrArray) kids = g_ptr_array_new_full (src->children->len, (GDestroyNotify) ps_module_unref);
  for (guint i = 0; i < src->children->len; i++)
    {
      PsModule *c = clone_rec (g_ptr_array_index (src->children, i), map, shallow);
      same &= c == g_ptr_array_index (src->children, i);
      g_ptr_array_add (kids, c);
    }
  if (same)
    children_share (m, src);   /* every child stays shared: so does their list */
  else
    for (guint i = 0; i < kids->len; i++)
      children_append (m, g_ptr_array_index (src->child_names, i), g_ptr_array_index (kids, i));
  return m;
}

PsModule *
ps_module_clone_tree (PsModule *root, GHashTable *map)
{
  return ps_module_clone_tree_sharing (root, map, NULL);
}

PsModule *
ps_module_clone_tree_sharing (PsModule *root, GHashTable *map, GHashTable *shallow)
{
  g_autoptr (GHashTable) own = NULL;
  if (map == NULL)
    map = own = g_hash_table_new (NULL, NULL);
  return clone_rec (root, map, shallow);
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

/* ---------- the children's storage ----------
 *
 * A ChildStore holds names and modules in two arrays that are never moved while shared: a module's
 * view is (store, len), its PsChildArrays point into the arrays. Slots [0, used) are owned by the
 * store (name strings, module refs). While two or more modules share a store, its slots [0, used)
 * never change: the one module whose length is `used` may append past it (under the lock), every
 * other change copies the list into a new store first. A store only one module refers to is that
 * module's to change (after dropping any slots past its length that a dead sharer appended).
 *
 * Each slot carries a stamp (the store's append counter when it was written); a module's `limit`
 * is the counter after its last change, so a name found through the shared index belongs to the
 * module's list iff its stamp is below the module's limit. From CHILD_INDEX_MIN slots on, the
 * index maps names to (child, stamp). `anon` lists the positions of children without a recipe id
 * (for ps_module_anonymous_children). */
#define CHILD_INDEX_MIN 16

typedef struct {
  PsModule *child;
  guint stamp;
} IndexEntry;

typedef struct {
  gatomicrefcount ref;
  GMutex lock;
  guint used, cap, next_stamp;
  gpointer *names;
  gpointer *mods;
  guint *stamps;
  GHashTable *index;   /* name (the string in names) → IndexEntry*; NULL below CHILD_INDEX_MIN */
  GArray *anon;        /* guint positions, ascending */
} ChildStore;

static ChildStore *
store_new (guint cap)
{
  ChildStore *st = g_new0 (ChildStore, 1);
  g_atomic_ref_count_init (&st->ref);
  g_mutex_init (&st->lock);
  st->cap = MAX (cap, 4);
  st->names = g_new (gpointer, st->cap);
  st->mods = g_new (gpointer, st->cap);
  st->stamps = g_new (guint, st->cap);
  st->anon = g_array_new (FALSE, FALSE, sizeof (guint));
  return st;
}

static void
store_index_build (ChildStore *st)
{
  g_clear_pointer (&st->index, g_hash_table_unref);
  st->index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < st->used; i++)
    {
      IndexEntry *e = g_new (IndexEntry, 1);
      e->child = st->mods[i];
      e->stamp = st->stamps[i];
      g_hash_table_insert (st->index, st->names[i], e);
    }
}

/* Drops slots [len, used) (only for a store no other module refers to). */
static void
store_truncate (ChildStore *st, guint len)
{
  for (guint i = len; i < st->used; i++)
    {
      if (st->index != NULL)
        g_hash_table_remove (st->index, st->names[i]);
      g_free (st->names[i]);
      ps_module_unref (st->mods[i]);
    }
  st->used = MIN (st->used, len);
  while (st->anon->len > 0 && g_array_index (st->anon, guint, st->anon->len - 1) >= st->used)
    g_array_set_size (st->anon, st->anon->len - 1);
}

static void
store_unref (ChildStore *st)
{
  if (st == NULL || !g_atomic_ref_count_dec (&st->ref))
    return;
  store_truncate (st, 0);
  g_clear_pointer (&st->index, g_hash_table_unref);
  g_array_unref (st->anon);
  g_mutex_clear (&st->lock);
  g_free (st->names);
  g_free (st->mods);
  g_free (st->stamps);
  g_free (st);
}

static void
view_point (PsModule *m, ChildStore *st, guint len)
{
  m->child_store = st;
  m->child_names->pdata = st ? st->names : NULL;
  m->child_names->len = len;
  m->children->pdata = st ? st->mods : NULL;
  m->children->len = len;
}

static void
children_release (PsModule *m)
{
  store_unref (m->child_store);
  view_point (m, NULL, 0);
  m->child_limit = 0;
}

static void
children_share (PsModule *m, const PsModule *src)
{
  ChildStore *st = src->child_store;
  if (st == NULL)
    return;
  g_atomic_ref_count_inc (&st->ref);
  children_release (m);
  view_point (m, st, src->children->len);
  m->child_limit = src->child_limit;
}

/* Writes slot `used` (the lock held or the store private); takes a ref on child. */
static void
store_put (ChildStore *st, const char *name, PsModule *child)
{
  guint i = st->used;
  st->names[i] = g_strdup (name);
  st->mods[i] = ps_module_ref (child);
  st->stamps[i] = st->next_stamp++;
  if (child->id == NULL)
    g_array_append_val (st->anon, i);
  st->used = i + 1;
  if (st->index != NULL)
    {
      IndexEntry *e = g_new (IndexEntry, 1);
      e->child = child;
      e->stamp = st->stamps[i];
      g_hash_table_insert (st->index, st->names[i], e);
    }
  else if (st->used >= CHILD_INDEX_MIN)
    store_index_build (st);
}

/* Makes m's list its own to change: a store only m refers to, holding exactly m's children, with
 * room for `extra` more. */
static ChildStore *
children_own (PsModule *m, guint extra)
{
  ChildStore *st = m->child_store;
  guint len = m->children->len;
  if (st != NULL && g_atomic_ref_count_compare (&st->ref, 1))
    {
      store_truncate (st, len);
      if (len + extra > st->cap)
        {
          st->cap = MAX (len + extra, 2 * st->cap);
          st->names = g_renew (gpointer, st->names, st->cap);
          st->mods = g_renew (gpointer, st->mods, st->cap);
          st->stamps = g_renew (guint, st->stamps, st->cap);
          view_point (m, st, len);
        }
      return st;
    }
  ChildStore *own = store_new (MAX (2 * len, len + extra));
  for (guint i = 0; i < len; i++)
    store_put (own, m->child_names->pdata[i], m->children->pdata[i]);
  children_release (m);
  view_point (m, own, len);
  m->child_limit = own->next_stamp;
  return own;
}

/* Appends (name, child) to m's list: in place when m's list is its storage's whole content and
 * there is room (even if other modules share it), else after copying it (with twice the room). */
static gboolean
children_append (PsModule *parent, const char *name, PsModule *child)
{
  ChildStore *st = parent->child_store;
  guint len = parent->children->len;
  if (st != NULL)
    {
      g_mutex_lock (&st->lock);
      gboolean in_place = st->used == len && len < st->cap;
      if (in_place)
        {
          store_put (st, name, child);
          parent->child_limit = st->next_stamp;
        }
      g_mutex_unlock (&st->lock);
      if (in_place)
        {
          parent->children->len = parent->child_names->len = len + 1;
          return TRUE;
        }
    }
  st = children_own (parent, 1);
  store_put (st, name, child);
  parent->child_limit = st->next_stamp;
  parent->children->len = parent->child_names->len = len + 1;
  return TRUE;
}

/* The child named `name`, or NULL; its position in *pos when pos is non-NULL (a scan: callers
 * that ask change the list anyway). */
static PsModule *
child_find (const PsModule *parent, const char *name, int *pos)
{
  ChildStore *st = parent->child_store;
  guint len = parent->children->len;
  PsModule *found = NULL;
  if (st == NULL || len == 0)
    return NULL;
  if (len >= CHILD_INDEX_MIN)
    {
      g_mutex_lock (&st->lock);
      IndexEntry *e = st->index ? g_hash_table_lookup (st->index, name) : NULL;
      if (e != NULL && e->stamp < parent->child_limit)
        found = e->child;
      g_mutex_unlock (&st->lock);
      if (found == NULL || pos == NULL)
        return found;
    }
  /* [0, len) never changes while shared: read without the lock */
  for (guint i = 0; i < len; i++)
    if (strcmp (st->names[i], name) == 0)
      {
        if (pos != NULL)
          *pos = (int) i;
        return st->mods[i];
      }
  g_assert (found == NULL);
  return NULL;
}

/* After a change that moved slots of a private store: the positions of children without an id. */
static void
anon_rebuild (ChildStore *st)
{
  g_array_set_size (st->anon, 0);
  for (guint i = 0; i < st->used; i++)
    if (((PsModule *) st->mods[i])->id == NULL)
      g_array_append_val (st->anon, i);
}

static gboolean
valid_child_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '.') == NULL;
}

static guint64 entries_of (PsModule *m);

gboolean
ps_module_add_child (PsModule *parent, const char *name, PsModule *child, GError **error)
{
  if (!valid_child_name (name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "module name '%s' is invalid: it must be non-empty and contain no '.'", name ? name : "");
      return FALSE;
    }
  if (child_find (parent, name, NULL) != NULL)
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
  /* a known count grows by the child's (the child is not changed by this) */
  if (parent->entries_cache != 0)
    {
      guint64 n = (guint64) parent->entries_cache - 1 + entries_of (child);
      parent->entries_cache = (gsize) MIN (n, (guint64) G_MAXSIZE / 4) + 1;
    }
  children_append (parent, name, child);
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
  if (index >= 0 && index != (int) len)
    ps_module_move_child (parent, name, index, NULL);   /* cannot fail: the index was checked */
  return TRUE;
}

gboolean
ps_module_rename_child (PsModule *parent, const char *name, const char *new_name, GError **error)
{
  int i = -1;
  if (child_find (parent, name, &i) == NULL)
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
  if (child_find (parent, new_name, NULL) != NULL || ps_module_get_param (parent, new_name) != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s' already has a child, parameter or buffer named '%s'",
                   ps_module_class_name (parent), new_name);
      return FALSE;
    }
  ChildStore *st = children_own (parent, 0);
  char *copy = g_strdup (new_name);
  IndexEntry *e = NULL;
  if (st->index != NULL)
    {
      g_hash_table_steal_extended (st->index, st->names[i], NULL, (gpointer *) &e);   /* before the name is freed */
      g_hash_table_insert (st->index, copy, e);
    }
  g_free (st->names[i]);
  st->names[i] = copy;
  return TRUE;
}

gboolean
ps_module_move_child (PsModule *parent, const char *name, int index, GError **error)
{
  int i = -1;
  if (child_find (parent, name, &i) == NULL)
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
  if (index == i)
    return TRUE;
  ChildStore *st = children_own (parent, 0);
  /* take both entries out, then put them back at the new place (stamps travel with them) */
  gpointer n = st->names[i], c = st->mods[i];
  guint s = st->stamps[i];
  memmove (&st->names[i], &st->names[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&st->mods[i], &st->mods[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&st->stamps[i], &st->stamps[i + 1], (len - 1 - (guint) i) * sizeof (guint));
  memmove (&st->names[index + 1], &st->names[index], (len - 1 - (guint) index) * sizeof (gpointer));
  memmove (&st->mods[index + 1], &st->mods[index], (len - 1 - (guint) index) * sizeof (gpointer));
  memmove (&st->stamps[index + 1], &st->stamps[index], (len - 1 - (guint) index) * sizeof (guint));
  st->names[index] = n;
  st->mods[index] = c;
  st->stamps[index] = s;
  if (st->anon->len > 0)
    anon_rebuild (st);
  return TRUE;   /* the index maps names to children, not to positions: nothing to update */
}

gboolean
ps_module_remove_child (PsModule *parent, const char *name, GError **error)
{
  int i = -1;
  if (child_find (parent, name, &i) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has no child named '%s'",
                   ps_module_class_name (parent), name);
      return FALSE;
    }
  ChildStore *st = children_own (parent, 0);
  guint len = st->used;
  if (st->index != NULL)
    g_hash_table_remove (st->index, st->names[i]);   /* before the name is freed */
  g_free (st->names[i]);
  ps_module_unref (st->mods[i]);
  memmove (&st->names[i], &st->names[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&st->mods[i], &st->mods[i + 1], (len - 1 - (guint) i) * sizeof (gpointer));
  memmove (&st->stamps[i], &st->stamps[i + 1], (len - 1 - (guint) i) * sizeof (guint));
  st->used = len - 1;
  parent->children->len = parent->child_names->len = len - 1;
  anon_rebuild (st);
  parent->entries_cache = 0;   /* recounted when asked */
  return TRUE;
}

PsModule *
ps_module_get_child (PsModule *parent, const char *name)
{
  return child_find (parent, name, NULL);
}

guint
ps_module_shared_children (const PsModule *a, const PsModule *b)
{
  if (a->child_store == NULL || a->child_store != b->child_store)
    return 0;
  return MIN (a->children->len, b->children->len);
}

GArray *
ps_module_anonymous_children (const PsModule *m, guint limit)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));
  ChildStore *st = m->child_store;
  limit = MIN (limit, m->children->len);
  if (st == NULL)
    return out;
  g_mutex_lock (&st->lock);
  for (guint k = 0; k < st->anon->len && g_array_index (st->anon, guint, k) < limit; k++)
    g_array_append_val (out, g_array_index (st->anon, guint, k));
  g_mutex_unlock (&st->lock);
  return out;
}

/* The saturating count, cached (0 = not known yet; else count + 1). */
static guint64
entries_of (PsModule *m)
{
  gsize c = g_atomic_pointer_get (&m->entries_cache);
  if (c != 0)
    return (guint64) c - 1;
  const guint64 sat = (guint64) G_MAXSIZE / 4;
  guint64 n = m->params->len;
  for (guint i = 0; i < m->children->len && n < sat; i++)
    n = MIN (sat, n + entries_of (g_ptr_array_index (m->children, i)));
  g_atomic_pointer_set (&m->entries_cache, (gsize) n + 1);
  return n;
}

guint64
ps_module_count_entries (PsModule *m, guint64 cap)
{
  return MIN (entries_of (m), cap + 1);
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

/* A flag torch's forward hands to an ATen function (PsArgSpec.aten_bool_position) that was given as
 * another Python value: the argument parser's TypeError, "max_pool2d(): argument 'ceil_mode'
 * (position 6) must be bool, not int". The function is the class name in snake case (AvgPool2d →
 * avg_pool2d), with _with_indices when a max pool returns its indices. */
static gboolean
aten_bool_args_check (PsModule *m, GError **error)
{
  if (m->args == NULL)
    return TRUE;
  const PsArgSpec *bad = NULL;
  int bad_pos = 0;
  for (const PsArgSpec *sp = m->klass->args; sp != NULL && sp->name != NULL; sp++)
    {
      const PsValue *v = ps_args_lookup (m->args, sp->name);
      if (v == NULL)
        continue;
      int pos;
      if (sp->aten_position != 0 && (sp->kind == PS_ARG_INT || sp->kind == PS_ARG_FLOAT || sp->kind == PS_ARG_STRING))
        {
          /* a scalar the parser takes as aten_type only (a keyword argument is checked last) */
          if ((v->type == PS_VALUE_NONE && sp->nullable) || ps_value_fits_aten (v, sp->aten_type))
            continue;
          pos = sp->aten_position > 0 ? sp->aten_position : G_MAXINT;
        }
      else
        {
          pos = sp->kind == PS_ARG_BOOL ? sp->aten_bool_position
                : sp->kind == PS_ARG_INT_OR_TUPLE ? sp->aten_tuple_position : 0;
          if (pos <= 0 || !v->coerced || v->given == PS_VALUE_INT_LIST)   /* INT_LIST: a one-element list expanded */
            continue;
        }
      if (bad == NULL || pos < bad_pos)
        bad = sp, bad_pos = pos;
    }
  if (bad != NULL)
    {
      const PsArgSpec *sp = bad;
      const PsValue *v = ps_args_lookup (m->args, sp->name);
      GString *fn = g_string_new (sp->aten_function);
      for (const char *c = m->klass->name; sp->aten_function == NULL && *c; c++)
        {
          if (g_ascii_isupper (*c) && c != m->klass->name)
            g_string_append_c (fn, '_');
          g_string_append_c (fn, g_ascii_tolower (*c));
        }
      const PsValue *ri = ps_args_lookup (m->args, "return_indices");
      if (ri != NULL && ri->type == PS_VALUE_BOOL && ri->b)
        g_string_append (fn, "_with_indices");
      if (sp->aten_position < 0 && sp->kind != PS_ARG_BOOL && sp->kind != PS_ARG_INT_OR_TUPLE)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s(): argument '%s' must be %s, not %s",
                     fn->str, sp->name, sp->aten_type, ps_value_given_type_name (v));
      else if (sp->aten_position > 0 && sp->kind != PS_ARG_BOOL && sp->kind != PS_ARG_INT_OR_TUPLE)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s(): argument '%s' (position %d) must be %s, not %s",
                     fn->str, sp->name, bad_pos, sp->aten_type, ps_value_given_type_name (v));
      else if (sp->kind == PS_ARG_BOOL)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s(): argument '%s' (position %d) must be bool, not %s",
                     fn->str, sp->name, bad_pos, ps_value_given_type_name (v));
      else
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "%s(): argument '%s' (position %d) must be tuple of ints, not %s", fn->str, sp->name, bad_pos,
                     sp->aten_tuple_wrapped ? "tuple" : ps_value_given_type_name (v));
      g_string_free (fn, TRUE);
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
  if (!aten_bool_args_check (m, error))
    return NULL;
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

gboolean
ps_module_dim_arg_check (PsModule *m, const char *fn, const char *dim1, const char *dim2, GError **error)
{
  const PsValue *a = ps_args_lookup (m->args, dim1);
  const PsValue *b = dim2 != NULL ? ps_args_lookup (m->args, dim2) : NULL;
  /* None as given to a nullable spec is not coerced (Softmax's legacy dim); kept as given it is */
  const gboolean a_ok = ps_value_is_int (a) || (a->type == PS_VALUE_NONE && !a->coerced);
  const gboolean b_ok = b == NULL || ps_value_is_int (b);
  if (a_ok && b_ok)
    return TRUE;
  if (b == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s() received an invalid combination of arguments - "
                 "got (%s), but expected one of:", fn, ps_value_given_type_name (a));
  else
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s() received an invalid combination of arguments - "
                 "got (%s, %s), but expected one of:", fn, ps_value_given_type_name (a), ps_value_given_type_name (b));
  return FALSE;
}
