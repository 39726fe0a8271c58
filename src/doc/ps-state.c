/* ps-state.c — see ps-state.h. */
#include "ps-state.h"

#include <string.h>

PsState *
ps_state_new (int64_t seed, PsFlavour flavour, const char *root)
{
  PsState *s = g_new0 (PsState, 1);
  g_atomic_ref_count_init (&s->ref_count);
  s->root = g_strdup (root);
  ps_generator_init (&s->gen, (uint64_t) seed, flavour);
  /* ids are interned: every snapshot lists the same few ids, so they are stored once */
  s->modules = ps_module_table_new ();
  s->parents = ps_module_table_new ();
  s->output_names = g_ptr_array_new_with_free_func (g_free);
  s->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ps_tensor_unref);
  s->train_ids = g_ptr_array_new ();
  s->train_objects = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ps_train_object_unref);
  return s;
}

PsState *
ps_state_ref (PsState *state)
{
  g_atomic_ref_count_inc (&state->ref_count);
  return state;
}

void
ps_state_unref (PsState *state)
{
  if (state == NULL || !g_atomic_ref_count_dec (&state->ref_count))
    return;
  g_free (state->root);
  ps_module_table_unref (state->modules);
  ps_module_table_unref (state->parents);
  g_ptr_array_unref (state->output_names);
  g_hash_table_unref (state->outputs);
  g_ptr_array_unref (state->train_ids);
  g_hash_table_unref (state->train_objects);
  g_clear_pointer (&state->graph, ps_train_graph_unref);
  g_clear_pointer (&state->train_log, ps_train_log_unref);
  g_free (state);
}

/* needs[m] = TRUE when m is in `writable` or contains a module that is (memoized DFS). With
 * children_only the subtree of a writable module is not walked: it cannot contain the module. */
static gboolean
needs_clone (PsModule *m, GHashTable *writable, gboolean children_only, GHashTable *memo)
{
  gpointer v;
  if (g_hash_table_lookup_extended (memo, m, NULL, &v))
    return GPOINTER_TO_INT (v);
  gboolean need = g_hash_table_contains (writable, m);
  if (!(need && children_only))
    for (guint i = 0; i < ps_module_n_children (m); i++)
      need |= needs_clone (ps_module_child_at (m, i), writable, children_only, memo);
  g_hash_table_insert (memo, m, GINT_TO_POINTER (need));
  return need;
}

/* As needs_clone with children_only, for writable modules that are all of a container class:
 * only branch children (ps_module_branch_children) can be or contain one, so a container's
 * children without children of their own are not looked at — a step costs what the path to the
 * writable modules costs, not the size of the containers in the model. */
static gboolean
needs_clone_branches (PsModule *m, GHashTable *writable, GHashTable *memo)
{
  gpointer v;
  if (g_hash_table_lookup_extended (memo, m, NULL, &v))
    return GPOINTER_TO_INT (v);
  gboolean need = g_hash_table_contains (writable, m);
  if (!need)
    {
      PsModule *const *kids;
      const guint n = ps_module_branch_children (m, &kids);
      for (guint i = 0; i < n; i++)
        need |= needs_clone_branches (kids[i], writable, memo);
    }
  g_hash_table_insert (memo, m, GINT_TO_POINTER (need));
  return need;
}

static PsState *
clone_with_map (const PsState *state, GHashTable *map, GPtrArray *clone_ids, GHashTable *shallow,
                GHashTable *path);

PsState *
ps_state_clone_for_write (const PsState *state, GPtrArray *writable, gboolean children_only, GHashTable *map)
{
  g_autoptr (GHashTable) own = NULL;
  if (map == NULL)
    map = own = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) w = g_hash_table_new (NULL, NULL);
  for (guint i = 0; writable && i < writable->len; i++)
    {
      if (children_only)
        {
          g_hash_table_add (w, g_ptr_array_index (writable, i));
          continue;
        }
      g_autoptr (GPtrArray) sub = ps_module_named_modules (g_ptr_array_index (writable, i), TRUE);
      for (guint j = 0; j < sub->len; j++)
        g_hash_table_add (w, ((PsNamedItem *) g_ptr_array_index (sub, j))->module);
    }
  /* Nothing writable: the table is shared as is (no walk over the model for an op that creates a
   * module or only draws). */
  if (g_hash_table_size (w) == 0)
    return clone_with_map (state, map, NULL, NULL, NULL);
  /* pre-seed the clone map with old → old for every module that stays shared: clone_tree then
   * returns a new ref to it instead of a copy; only the table entries that need a clone change */
  g_autoptr (GHashTable) memo = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  gboolean containers = children_only;
  GHashTableIter ci;
  gpointer ck;
  g_hash_table_iter_init (&ci, w);
  while (containers && g_hash_table_iter_next (&ci, &ck, NULL))
    containers = ((PsModule *) ck)->klass->is_container;
  if (children_only)
    {
      /* a table entry that needs a clone is a writable module itself or has children: only the
       * ids in `parents` and the writable modules' own ids are looked at */
      GHashTableIter wi;
      gpointer k;
      g_hash_table_iter_init (&wi, w);
      while (g_hash_table_iter_next (&wi, &k, NULL))
        {
          PsModule *m = k;
          if (m->id != NULL && ps_module_table_lookup (state->modules, m->id) == m
              && ps_module_table_lookup (state->parents, m->id) == NULL)
            g_ptr_array_add (ids, (gpointer) g_intern_string (m->id));
        }
      const guint n = ps_module_table_size (state->parents);
      for (guint i = 0; i < n; i++)
        {
          const char *id = ps_module_table_id_at (state->parents, i);
          PsModule *m = ps_module_table_lookup (state->modules, id);
          if (containers ? needs_clone_branches (m, w, memo) : needs_clone (m, w, TRUE, memo))
            g_ptr_array_add (ids, (gpointer) id);
        }
      /* the modules on the paths to the writable ones are cloned, every other one is shared */
      if (containers)
        {
          g_autoptr (GHashTable) path = g_hash_table_new (NULL, NULL);
          GHashTableIter mi;
          gpointer pk, pv;
          g_hash_table_iter_init (&mi, memo);
          while (g_hash_table_iter_next (&mi, &pk, &pv))
            if (GPOINTER_TO_INT (pv))
              g_hash_table_add (path, pk);
          g_hash_table_iter_init (&mi, w);
          while (g_hash_table_iter_next (&mi, &pk, NULL))
            g_hash_table_add (path, pk);
          return clone_with_map (state, map, ids, w, path);
        }
    }
  else
    {
      const guint n = ps_module_table_size (state->modules);
      for (guint i = 0; i < n; i++)
        {
          const char *id = ps_module_table_id_at (state->modules, i);
          if (needs_clone (ps_module_table_lookup (state->modules, id), w, FALSE, memo))
            g_ptr_array_add (ids, (gpointer) id);
        }
    }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, memo);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (!GPOINTER_TO_INT (v))
      g_hash_table_insert (map, k, k);
  return clone_with_map (state, map, ids, children_only ? w : NULL, NULL);
}

PsState *
ps_state_clone (const PsState *state, GHashTable *map)
{
  g_autoptr (GHashTable) own = NULL;
  if (map == NULL)
    map = own = g_hash_table_new (NULL, NULL);
  const guint n = ps_module_table_size (state->modules);
  g_autoptr (GPtrArray) ids = g_ptr_array_sized_new (n);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, (gpointer) ps_module_table_id_at (state->modules, i));
  return clone_with_map (state, map, ids, NULL, NULL);
}

/* Adds id to t (replacing *t) as an id whose module may have children. The table only lists the
 * ids: each maps to one placeholder module (an empty container; its class does not matter), so no
 * snapshot's module is kept alive by it. */
static void
parents_add (PsModuleTable **t, const char *id)
{
  static gsize placeholder = 0;
  if (g_once_init_enter (&placeholder))
    g_once_init_leave (&placeholder, (gsize) ps_module_new_container (ps_module_class_for_user_classes ()->name, NULL, NULL));
  PsModuleTable *n = ps_module_table_set (*t, id, (PsModule *) placeholder);
  ps_module_table_unref (*t);
  *t = n;
}

/* clone_ids: the ids whose modules are cloned (through map); every other entry is shared.
 * shallow: the modules whose children stay shared (ps_module_clone_tree_sharing), or NULL.
 * path: when non-NULL, only the modules in it are cloned (ps_module_clone_path). */
static PsState *
clone_with_map (const PsState *state, GHashTable *map, GPtrArray *clone_ids, GHashTable *shallow,
                GHashTable *path)
{
  PsState *c = g_new0 (PsState, 1);
  g_atomic_ref_count_init (&c->ref_count);
  c->step = state->step;
  c->root = g_strdup (state->root);
  c->gen = state->gen;
  c->modules = ps_module_table_ref (state->modules);
  c->parents = ps_module_table_ref (state->parents);
  for (guint i = 0; clone_ids != NULL && i < clone_ids->len; i++)
    {
      const char *id = g_ptr_array_index (clone_ids, i);
      PsModule *orig = ps_module_table_lookup (state->modules, id);
      g_autoptr (PsModule) m = path != NULL ? ps_module_clone_path (orig, map, path, shallow)
                                            : ps_module_clone_tree_sharing (orig, map, shallow);
      PsModuleTable *t = ps_module_table_set (c->modules, id, m);
      ps_module_table_unref (c->modules);
      c->modules = t;
      /* the op may give it children: from now on it is looked at as a possible parent */
      if (ps_module_table_lookup (c->parents, id) == NULL)
        parents_add (&c->parents, id);
    }
  c->output_names = g_ptr_array_new_with_free_func (g_free);
  c->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < state->output_names->len; i++)
    {
      const char *name = g_ptr_array_index (state->output_names, i);
      g_ptr_array_add (c->output_names, g_strdup (name));
      g_hash_table_insert (c->outputs, g_strdup (name),
                           ps_tensor_ref (g_hash_table_lookup (state->outputs, name)));
    }
  c->train_ids = g_ptr_array_copy (state->train_ids, NULL, NULL);
  c->train_objects = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ps_train_object_unref);
  for (guint i = 0; i < state->train_ids->len; i++)
    {
      const char *id = g_ptr_array_index (state->train_ids, i);
      g_hash_table_insert (c->train_objects, (gpointer) id,
                           ps_train_object_ref (g_hash_table_lookup (state->train_objects, id)));
    }
  /* the graph follows its modules into the clone; a train log belongs to the state that made it */
  if (state->graph != NULL)
    c->graph = ps_train_graph_remap (state->graph, map);
  return c;
}

PsTrainObject *
ps_state_get_train_object (const PsState *state, const char *id)
{
  return id ? g_hash_table_lookup (state->train_objects, id) : NULL;
}

void
ps_state_set_train_object (PsState *state, const char *id, PsTrainObject *o)
{
  const char *key = g_intern_string (id);
  if (!g_hash_table_contains (state->train_objects, key))
    g_ptr_array_add (state->train_ids, (gpointer) key);
  g_hash_table_insert (state->train_objects, (gpointer) key, ps_train_object_ref (o));
}

PsModule *
ps_state_get_module (const PsState *state, const char *id)
{
  return id ? ps_module_table_lookup (state->modules, id) : NULL;
}

guint
ps_state_n_modules (const PsState *state)
{
  return ps_module_table_size (state->modules);
}

const char *
ps_state_module_id (const PsState *state, guint i)
{
  return ps_module_table_id_at (state->modules, i);
}

PsModule *
ps_state_get_root (const PsState *state)
{
  return ps_state_get_module (state, state->root);
}

PsTensor *
ps_state_get_output (const PsState *state, const char *name)
{
  return g_hash_table_lookup (state->outputs, name);
}

const char *
ps_state_find_new_output (const PsState *after, const PsState *before)
{
  for (guint i = 0; i < after->output_names->len; i++)
    {
      const char *n = g_ptr_array_index (after->output_names, i);
      if (ps_state_get_output (after, n) != ps_state_get_output (before, n))
        return n;
    }
  return NULL;
}

void
ps_state_add_module (PsState *state, const char *id, PsModule *module)
{
  g_return_if_fail (ps_module_table_lookup (state->modules, id) == NULL);
  g_free (module->id);
  module->id = g_strdup (id);
  PsModuleTable *t = ps_module_table_set (state->modules, id, module);
  ps_module_table_unref (state->modules);
  state->modules = t;
  if (module->klass->is_container || ps_module_n_children (module) > 0)
    parents_add (&state->parents, id);
}

void
ps_state_set_output (PsState *state, const char *name, PsTensor *value)
{
  if (!g_hash_table_contains (state->outputs, name))
    g_ptr_array_add (state->output_names, g_strdup (name));
  g_hash_table_insert (state->outputs, g_strdup (name), ps_tensor_ref (value));
}

gboolean
ps_state_resolve (const PsState *state, const char *target, PsModule **module, PsParam **param,
                  GError **error)
{
  const char *dot = strchr (target, '.');
  g_autofree char *id = dot ? g_strndup (target, (gsize) (dot - target)) : g_strdup (target);
  PsModule *m = ps_state_get_module (state, id);
  if (m == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no module with id '%s'", id);
      return FALSE;
    }
  if (dot == NULL)
    {
      if (module)
        *module = m;
      if (param)
        *param = NULL;
      return TRUE;
    }
  g_autoptr (GError) local = NULL;
  if (!ps_module_resolve (m, dot + 1, module, param, &local))
    {
      /* name the whole target, not the part below the id */
      const char *why = strstr (local->message, "not found: ");
      g_set_error (error, local->domain, local->code, "'%s' not found: %s", target,
                   why ? why + strlen ("not found: ") : local->message);
      return FALSE;
    }
  return TRUE;
}

static void
list_tree (const char *id, PsModule *root, GHashTable *seen, GPtrArray *out)
{
  /* state_dict order, deduplicated by PsParam identity (first path wins, as named_parameters) */
  g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      if (g_hash_table_contains (seen, it->param))
        continue;
      g_hash_table_add (seen, it->param);
      PsNamedItem *c = g_new0 (PsNamedItem, 1);
      c->path = g_strconcat (id, ".", it->path, NULL);
      c->module = it->module;
      c->param = it->param;
      g_ptr_array_add (out, c);
    }
}

static void
item_free (gpointer data)
{
  PsNamedItem *it = data;
  g_free (it->path);
  g_free (it);
}

GPtrArray *
ps_state_list_params (const PsState *state)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (item_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  PsModule *root = ps_state_get_root (state);
  if (root != NULL)
    list_tree (state->root, root, seen, out);
  for (guint i = 0; i < ps_state_n_modules (state); i++)
    {
      const char *id = ps_state_module_id (state, i);
      list_tree (id, ps_state_get_module (state, id), seen, out);
    }
  return out;
}

static guint64
account (PsTensor *t, GHashTable *seen)
{
  if (t == NULL || g_hash_table_contains (seen, t->storage))
    return 0;
  guint64 n = ps_tensor_nbytes (t);
  g_hash_table_insert (seen, t->storage, GSIZE_TO_POINTER ((gsize) n));
  return n;
}

guint64
ps_state_account_storage (const PsState *state, GHashTable *seen)
{
  guint64 added = 0;
  g_autoptr (GPtrArray) items = ps_state_list_params (state);
  for (guint i = 0; i < items->len; i++)
    added += account (((PsNamedItem *) g_ptr_array_index (items, i))->param->value, seen);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, state->outputs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    added += account (v, seen);
  return added;
}

/* The storages of m's tree, not descending into children that `other` holds as the same module
 * under their id (a container listing existing modules: those are in both states). `twin` is the
 * module under m's id in `other` (or NULL): when the two are known to be related (one cloned from
 * the other and then changed: ps_module_foreach_child_not_in), only the children m lists and twin
 * may not are walked — a step renaming, moving or attaching one child of a container of n walks
 * nothing or that child, not the n. (Children the two share, with an id or without, hold the same
 * storages on both sides.) */
typedef struct {
  const PsState *other;
  GHashTable *visited, *seen;
} AccountWalk;

static void account_module (PsModule *m, PsModule *twin, const PsState *other, GHashTable *visited,
                            GHashTable *seen);

static void
account_child (gpointer child, gpointer data)
{
  AccountWalk *w = data;
  PsModule *c = child;
  if (c->id == NULL || ps_state_get_module (w->other, c->id) != c)
    account_module (c, NULL, w->other, w->visited, w->seen);
}

static void
account_module (PsModule *m, PsModule *twin, const PsState *other, GHashTable *visited, GHashTable *seen)
{
  if (m == NULL || !g_hash_table_add (visited, m))
    return;
  for (guint i = 0; i < m->params->len; i++)
    account (((PsParam *) g_ptr_array_index (m->params, i))->value, seen);
  AccountWalk w = { other, visited, seen };
  if (twin != NULL && ps_module_foreach_child_not_in (m, twin, account_child, &w))
    return;
  for (guint i = 0; i < ps_module_n_children (m); i++)
    account_child (ps_module_child_at (m, i), &w);
}

typedef struct {
  const PsState *a, *b;
  GHashTable *a_side, *b_side, *visited_a, *visited_b;
} DiffSides;

static void
diff_module (const char *id, PsModule *in_a, PsModule *in_b, gpointer data)
{
  DiffSides *d = data;
  account_module (in_a, in_b, d->b, d->visited_a, d->a_side);
  account_module (in_b, in_a, d->a, d->visited_b, d->b_side);
}

void
ps_state_storage_diff (const PsState *a, const PsState *b, GHashTable *a_side, GHashTable *b_side)
{
  g_autoptr (GHashTable) va = g_hash_table_new (NULL, NULL), vb = g_hash_table_new (NULL, NULL);
  DiffSides d = { a, b, a_side, b_side, va, vb };
  ps_module_table_diff (a->modules, b->modules, diff_module, &d);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, b->outputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      PsTensor *old = g_hash_table_lookup (a->outputs, k);
      if (old != v)
        {
          account (v, b_side);
          account (old, a_side);
        }
    }
  g_hash_table_iter_init (&it, a->outputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (!g_hash_table_contains (b->outputs, k))
      account (v, a_side);
}

gboolean
ps_state_check_size (const PsState *state, gboolean only_last, GError **error)
{
  const guint n = ps_state_n_modules (state);
  guint first = only_last && n > 0 ? n - 1 : 0;
  for (guint i = first; i < n; i++)
    {
      const char *id = ps_state_module_id (state, i);
      PsModule *m = ps_state_get_module (state, id);
      if (m != NULL && ps_module_count_entries (m, PS_STATE_MAX_ENTRIES) > PS_STATE_MAX_ENTRIES)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "%s would have more than %" G_GUINT64_FORMAT " state_dict entries (a module listed many "
                       "times in nested containers appears once per path); refusing a structure that large",
                       id, PS_STATE_MAX_ENTRIES);
          return FALSE;
        }
    }
  return TRUE;
}

static void
check_changed (const char *id, PsModule *in_prev, PsModule *in_state, gpointer data)
{
  GHashTable *too_large = data;
  if (in_state != NULL && ps_module_count_entries (in_state, PS_STATE_MAX_ENTRIES) > PS_STATE_MAX_ENTRIES)
    g_hash_table_add (too_large, (gpointer) g_intern_string (id));
}

gboolean
ps_state_check_size_since (const PsState *state, const PsState *prev, GError **error)
{
  /* the modules that did not change passed before; of the changed ones too large, the error
   * names the first created, as ps_state_check_size does */
  g_autoptr (GHashTable) too_large = g_hash_table_new (NULL, NULL);
  ps_module_table_diff (prev->modules, state->modules, check_changed, too_large);
  if (g_hash_table_size (too_large) > 0)
    {
      const char *first = NULL;
      for (guint i = 0; first == NULL && i < ps_state_n_modules (state); i++)
        if (g_hash_table_contains (too_large, ps_state_module_id (state, i)))
          first = ps_state_module_id (state, i);
      g_assert (first != NULL);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s would have more than %" G_GUINT64_FORMAT " state_dict entries (a module listed many "
                   "times in nested containers appears once per path); refusing a structure that large",
                   first, PS_STATE_MAX_ENTRIES);
      return FALSE;
    }
  return TRUE;
}
