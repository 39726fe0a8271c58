/* ps-module.c — the module tree, parameter listings with PyTorch's semantics, cloning.
 * See ps-module.h for the sharing and snapshot rules. */
#include "ps-module.h"
#include "ps-autograd.h"
#include "ps-child-seq.h"

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

const float *
ps_module_param_checked (PsModule *m, const char *name, int ndim, const int64_t *dims, const char *who,
                         const char *path, GError **error)
{
  PsParam *p = m != NULL ? ps_module_get_param (m, name) : NULL;
  g_autofree char *want = ps_shape_to_string (ndim, dims);
  if (p == NULL || p->value == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED, "%s: parameter %s is missing", who, path);
      return NULL;
    }
  gboolean ok = p->value->dtype == PS_DTYPE_FLOAT32 && p->value->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    ok = p->value->shape[i] == dims[i];
  if (!ok)
    {
      g_autofree char *got = ps_tensor_shape_string (p->value);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: %s is %s %s, expected float32 %s", who, path,
                   ps_dtype_name (p->value->dtype), got, want);
      return NULL;
    }
  return ps_tensor_cf32 (p->value);
}

/* ---------- lifecycle ---------- */

static void children_release (PsModule *m);
static void children_share (PsModule *m, const PsModule *src);
static guint64 next_serial;

static PsModule *
module_alloc (const PsModuleClass *klass)
{
  PsModule *m = g_new0 (PsModule, 1);
  g_atomic_ref_count_init (&m->ref_count);
  m->klass = klass;
  m->serial = __atomic_add_fetch (&next_serial, 1, __ATOMIC_RELAXED);
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
  if (!ps_module_class_check_arg_names (klass, args, error))
    {
      g_prefix_error (error, "%s: ", type);
      return NULL;
    }
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

static void
collect_child (const char *name, PsModule *child, gpointer data)
{
  GPtrArray **lists = data;
  g_ptr_array_add (lists[0], (gpointer) name);
  g_ptr_array_add (lists[1], child);
}

/* A copy of src without its children (map: src → the copy). */
static PsModule *
module_copy (PsModule *src, GHashTable *map)
{
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
  return m;
}

static PsModule *
clone_rec (PsModule *src, GHashTable *map, GHashTable *shallow)
{
  PsModule *done = g_hash_table_lookup (map, src);
  if (done != NULL)
    return ps_module_ref (done);
  PsModule *m = module_copy (src, map);
  if (shallow != NULL && g_hash_table_contains (shallow, src))
    {
      /* the very same children: share their list (the count of entries stays true too) */
      children_share (m, src);
      m->entries_cache = src->entries_cache;
      return m;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new (), olds = g_ptr_array_new ();
  GPtrArray *lists[2] = { names, olds };
  ps_child_seq_foreach (src->child_seq, collect_child, lists);
  gboolean same = TRUE;
  g_autoptr (GPtrArray) kids = g_ptr_array_new_full (olds->len, (GDestroyNotify) ps_module_unref);
  for (guint i = 0; i < olds->len; i++)
    {
      PsModule *c = clone_rec (g_ptr_array_index (olds, i), map, shallow);
      same &= c == g_ptr_array_index (olds, i);
      g_ptr_array_add (kids, c);
    }
  if (same)
    children_share (m, src);   /* every child stays shared: so does their list */
  else
    for (guint i = 0; i < kids->len; i++)
      {
        PsChildSeq *next = ps_child_seq_insert (m->child_seq, i, g_ptr_array_index (names, i),
                                                g_ptr_array_index (kids, i));
        ps_child_seq_unref (m->child_seq);
        m->child_seq = next;
      }
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

/* What changed in a module's children since it was cloned from the module whose serial is `base`:
 * the children attached and the ones detached (no refs: the attached ones are the module's own
 * children, the detached ones its base's, and they are read only while that base is alive). A
 * module that was not cloned from another one's list has no log. */
typedef struct {
  guint64 base;
  GPtrArray *added;
  GPtrArray *removed;
  gsize base_entries;        /* the base's cached entry count (0: not known) */
  guint64 removed_entries;   /* the entries of the removed ones, counted when removed */
} ChildLog;

/* A module's branch children (ps_module_branch_children): names (copies) and modules. */
typedef struct {
  GPtrArray *names;
  GPtrArray *mods;
} Branches;

static void
branches_free (gpointer data)
{
  Branches *b = data;
  if (b == NULL)
    return;
  g_ptr_array_unref (b->names);
  g_ptr_array_unref (b->mods);
  g_free (b);
}

static Branches *
branches_new (void)
{
  Branches *b = g_new (Branches, 1);
  b->names = g_ptr_array_new_with_free_func (g_free);
  b->mods = g_ptr_array_new ();
  return b;
}

static void
log_free (gpointer data)
{
  ChildLog *log = data;
  if (log == NULL)
    return;
  g_ptr_array_unref (log->added);
  g_ptr_array_unref (log->removed);
  g_free (log);
}

static void
children_release (PsModule *m)
{
  g_clear_pointer (&m->child_seq, ps_child_seq_unref);
  g_clear_pointer (&m->child_log, log_free);
  g_clear_pointer (&m->child_branches, branches_free);
}

/* m lists src's very list; its log starts at src. */
static void
children_share (PsModule *m, const PsModule *src)
{
  children_release (m);
  m->child_seq = ps_child_seq_ref (src->child_seq);
  ChildLog *log = g_new (ChildLog, 1);
  log->base = src->serial;
  log->added = g_ptr_array_new ();
  log->removed = g_ptr_array_new ();
  log->base_entries = src->entries_cache;
  log->removed_entries = 0;
  m->child_log = log;
}

/* Takes over `next` as m's list. */
static void
children_set (PsModule *m, PsChildSeq *next)
{
  ps_child_seq_unref (m->child_seq);
  m->child_seq = next;
  g_clear_pointer (&m->child_branches, branches_free);
}

guint
ps_module_n_children (const PsModule *m)
{
  return ps_child_seq_len (m->child_seq);
}

PsModule *
ps_module_child_at (const PsModule *m, guint i)
{
  return ps_child_seq_nth (m->child_seq, i, NULL);
}

const char *
ps_module_child_name_at (const PsModule *m, guint i)
{
  const char *name = NULL;
  ps_child_seq_nth (m->child_seq, i, &name);
  return name;
}

int
ps_module_child_index (const PsModule *m, const char *name)
{
  guint pos = 0;
  return ps_child_seq_lookup (m->child_seq, name, &pos) != NULL ? (int) pos : -1;
}

/* Each module is visited once: a module listed n times under each of d nested containers would
 * otherwise be visited n^d times (10^10 for ten containers listing their child ten times). */
static gboolean
contains_rec (PsModule *root, PsModule *m, GHashTable *seen)
{
  if (root == m)
    return TRUE;
  if (!g_hash_table_add (seen, root))
    return FALSE;
  for (guint i = 0; i < ps_module_n_children (root); i++)
    if (contains_rec (ps_module_child_at (root, i), m, seen))
      return TRUE;
  return FALSE;
}

static gboolean
ps_module_contains (PsModule *root, PsModule *m)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  return contains_rec (root, m, seen);
}

static gboolean
valid_child_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '.') == NULL;
}

static guint64 entries_of (PsModule *m);

/* A known count of entries changes by the child's (the child is not changed by this). */
static void
entries_adjust (PsModule *parent, PsModule *child, gboolean added)
{
  const guint64 sat = (guint64) G_MAXSIZE / 4;
  if (parent->entries_cache == 0)
    return;
  guint64 n = (guint64) parent->entries_cache - 1, c = entries_of (child);
  if (n >= sat || c >= sat)
    parent->entries_cache = added ? (gsize) sat + 1 : 0;   /* saturated: recount when asked */
  else
    parent->entries_cache = (gsize) (added ? MIN (n + c, sat) : n - c) + 1;
}

gboolean
ps_module_add_child (PsModule *parent, const char *name, PsModule *child, GError **error)
{
  return ps_module_insert_child (parent, -1, name, child, error);
}

gboolean
ps_module_insert_child (PsModule *parent, int index, const char *name, PsModule *child, GError **error)
{
  guint len = ps_module_n_children (parent);
  if (index < -1 || index > (int) len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "index %d is out of range (0 to %u)", index, len);
      return FALSE;
    }
  if (!valid_child_name (name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "module name '%s' is invalid: it must be non-empty and contain no '.'", name ? name : "");
      return FALSE;
    }
  if (ps_child_seq_lookup (parent->child_seq, name, NULL) != NULL)
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
  entries_adjust (parent, child, TRUE);
  children_set (parent, ps_child_seq_insert (parent->child_seq, index < 0 ? len : (guint) index, name, child));
  if (parent->child_log != NULL)
    g_ptr_array_add (((ChildLog *) parent->child_log)->added, child);
  return TRUE;
}

static gboolean
no_child_error (PsModule *parent, const char *name, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has no child named '%s'",
               ps_module_class_name (parent), name);
  return FALSE;
}

gboolean
ps_module_rename_child (PsModule *parent, const char *name, const char *new_name, GError **error)
{
  if (ps_child_seq_lookup (parent->child_seq, name, NULL) == NULL)
    return no_child_error (parent, name, error);
  if (!valid_child_name (new_name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "module name '%s' is invalid: it must be non-empty and contain no '.'",
                   new_name ? new_name : "");
      return FALSE;
    }
  if (strcmp (name, new_name) == 0)
    return TRUE;
  if (ps_child_seq_lookup (parent->child_seq, new_name, NULL) != NULL || ps_module_get_param (parent, new_name) != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s' already has a child, parameter or buffer named '%s'",
                   ps_module_class_name (parent), new_name);
      return FALSE;
    }
  children_set (parent, ps_child_seq_rename (parent->child_seq, name, new_name));
  return TRUE;   /* the same children: nothing to log, the count of entries stays */
}

gboolean
ps_module_move_child (PsModule *parent, const char *name, int index, GError **error)
{
  guint i = 0;
  if (ps_child_seq_lookup (parent->child_seq, name, &i) == NULL)
    return no_child_error (parent, name, error);
  guint len = ps_module_n_children (parent);
  if (index < 0 || index >= (int) len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "index %d is out of range (0 to %u)", index, len - 1);
      return FALSE;
    }
  if ((guint) index != i)
    children_set (parent, ps_child_seq_move (parent->child_seq, name, (guint) index));
  return TRUE;
}

gboolean
ps_module_remove_child (PsModule *parent, const char *name, GError **error)
{
  PsModule *child = ps_child_seq_lookup (parent->child_seq, name, NULL);
  if (child == NULL)
    return no_child_error (parent, name, error);
  entries_adjust (parent, child, FALSE);
  ChildLog *log = parent->child_log;
  /* a child attached since the base and detached again is in neither (its pointer may die) */
  if (log != NULL && !g_ptr_array_remove (log->added, child))
    {
      g_ptr_array_add (log->removed, child);
      log->removed_entries += entries_of (child);
    }
  children_set (parent, ps_child_seq_remove (parent->child_seq, name));   /* may drop child */
  return TRUE;
}

PsModule *
ps_module_get_child (PsModule *parent, const char *name)
{
  return ps_child_seq_lookup (parent->child_seq, name, NULL);
}

gboolean
ps_module_shares_children (const PsModule *a, const PsModule *b)
{
  return a->child_seq == b->child_seq;
}

gboolean
ps_module_foreach_child_not_in (const PsModule *m, const PsModule *twin, GFunc fn, gpointer data)
{
  const ChildLog *mine = m->child_log, *theirs = twin->child_log;
  const GPtrArray *list = NULL;
  if (mine != NULL && mine->base == twin->serial)
    list = mine->added;      /* m = twin + what m attached */
  else if (theirs != NULL && theirs->base == m->serial)
    list = theirs->removed;  /* twin = m − what twin detached */
  else if (m->child_seq != twin->child_seq)
    return FALSE;
  for (guint i = 0; list != NULL && i < list->len; i++)
    fn (g_ptr_array_index (list, i), data);
  return TRUE;
}

static void
collect_branch (const char *name, PsModule *child, gpointer data)
{
  Branches *b = data;
  if (child->klass->is_container || ps_module_n_children (child) > 0)
    {
      g_ptr_array_add (b->names, g_strdup (name));
      g_ptr_array_add (b->mods, child);
    }
}

static const Branches *
branches_of (PsModule *m)
{
  Branches *b = g_atomic_pointer_get (&m->child_branches);
  if (b != NULL)
    return b;
  b = branches_new ();
  ps_child_seq_foreach (m->child_seq, collect_branch, b);
  if (!g_atomic_pointer_compare_and_exchange (&m->child_branches, NULL, b))
    {
      branches_free (b);
      b = g_atomic_pointer_get (&m->child_branches);
    }
  return b;
}

guint
ps_module_branch_children (PsModule *m, PsModule *const **children)
{
  const Branches *b = branches_of (m);
  *children = (PsModule *const *) b->mods->pdata;
  return b->mods->len;
}

static PsModule *module_copy (PsModule *src, GHashTable *map);

static PsModule *
clone_path_rec (PsModule *src, GHashTable *map, GHashTable *path, GHashTable *shallow)
{
  PsModule *done = g_hash_table_lookup (map, src);
  if (done != NULL)
    return ps_module_ref (done);
  if (!g_hash_table_contains (path, src))
    return ps_module_ref (src);
  PsModule *m = module_copy (src, map);
  children_share (m, src);
  m->entries_cache = src->entries_cache;
  if (g_hash_table_contains (shallow, src))
    return m;
  /* an ancestor: its branch children on the path are replaced by their clones */
  const Branches *b = branches_of (src);
  Branches *mine = branches_new ();
  ChildLog *log = m->child_log;
  for (guint i = 0; i < b->mods->len; i++)
    {
      PsModule *c = g_ptr_array_index (b->mods, i);
      const char *name = g_ptr_array_index (b->names, i);
      g_autoptr (PsModule) c2 = clone_path_rec (c, map, path, shallow);
      g_ptr_array_add (mine->names, g_strdup (name));
      g_ptr_array_add (mine->mods, c2);
      if (c2 == c)
        continue;
      children_set (m, ps_child_seq_replace (m->child_seq, name, c2));
      g_ptr_array_add (log->added, c2);
      g_ptr_array_add (log->removed, c);
      log->removed_entries += entries_of (c);
      m->entries_cache = 0;   /* the clones may change: counted from the log when asked */
    }
  /* the clones are branches too (ancestors have children, `shallow` ones are containers) */
  m->child_branches = mine;
  return m;
}

PsModule *
ps_module_clone_path (PsModule *root, GHashTable *map, GHashTable *path, GHashTable *shallow)
{
  return clone_path_rec (root, map, path, shallow);
}

/* The saturating count, cached (0 = not known yet; else count + 1). */
static guint64
entries_of (PsModule *m)
{
  gsize c = g_atomic_pointer_get (&m->entries_cache);
  if (c != 0)
    return (guint64) c - 1;
  const guint64 sat = (guint64) G_MAXSIZE / 4;
  const ChildLog *log = m->child_log;
  guint64 n = sat;
  if (log != NULL && log->base_entries != 0 && log->base_entries - 1 < sat)
    {
      /* the base's count, less what was detached, plus what was attached: O(changes), not a walk
       * over the n children (the parameters are the base's too: a clone copies them) */
      n = (guint64) log->base_entries - 1;
      for (guint i = 0; i < log->added->len && n < sat; i++)
        n = MIN (sat, n + entries_of (g_ptr_array_index (log->added, i)));
      n = n < sat && n >= log->removed_entries ? n - log->removed_entries : sat;
    }
  if (n >= sat)
    {
      n = m->params->len;
      for (guint i = 0; i < ps_module_n_children (m) && n < sat; i++)
        n = MIN (sat, n + entries_of (ps_module_child_at (m, i)));
    }
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
  for (guint i = 0; i < ps_module_n_children (m); i++)
    {
      g_autofree char *p = join (prefix, ps_module_child_name_at (m, i));
      modules_rec (ps_module_child_at (m, i), p, seen, out);
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
  for (guint i = 0; i < ps_module_n_children (m); i++)
    {
      g_autofree char *p = join (prefix, ps_module_child_name_at (m, i));
      state_dict_rec (ps_module_child_at (m, i), p, out, depth + 1);
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
  for (guint i = 0; i < ps_module_n_children (m); i++)
    ps_module_set_training (ps_module_child_at (m, i), training);
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
ps_module_class_passes_input_on (const PsModuleClass *klass, guint n_children)
{
  /* a container with a forward runs its children in order (Sequential): none, the input */
  return klass != NULL && (klass->passes_input_on || (klass->is_container && klass->forward != NULL && n_children == 0));
}

gboolean
ps_module_class_takes_attention_kwargs (const PsModuleClass *klass)
{
  for (; klass != NULL; klass = klass->base)
    if (klass->takes_attention_kwargs)
      return TRUE;
  return FALSE;
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
  while (m->klass->is_container && ps_module_n_children (m) > 0)
    m = ps_module_child_at (m, 0);
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
  if (ps_module_n_children (m) == 0)
    {
      g_string_append_printf (out, "%s)", extra ? extra : "");
      return;
    }
  if (extra != NULL && *extra)
    g_string_append_printf (out, "\n%*s%s", indent + 2, "", extra);
  for (guint i = 0; i < ps_module_n_children (m); i++)
    {
      g_string_append_printf (out, "\n%*s(%s): ", indent + 2, "",
                              (char *) ps_module_child_name_at (m, i));
      repr_rec (ps_module_child_at (m, i), out, indent + 2);
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

gboolean
ps_module_class_check_arg_names (const PsModuleClass *klass, const PsArgs *given, GError **error)
{
  if (klass->takes_any_args || given == NULL)
    return TRUE;
  for (guint i = 0; i < ps_args_len (given); i++)
    {
      const char *name = ps_args_name (given, i);
      gboolean known = FALSE;
      for (const PsArgSpec *sp = klass->args; sp != NULL && sp->name != NULL && !known; sp++)
        known = strcmp (sp->name, name) == 0;
      if (known)
        continue;
      GString *names = g_string_new (NULL);
      for (const PsArgSpec *sp = klass->args; sp != NULL && sp->name != NULL; sp++)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", sp->name);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unknown argument '%s' (expected one of: %s): "
                   "%s.__init__() got an unexpected keyword argument '%s'", name, names->len ? names->str : "none",
                   klass->init_owner != NULL ? klass->init_owner : klass->name, name);
      g_string_free (names, TRUE);
      return FALSE;
    }
  return TRUE;
}
