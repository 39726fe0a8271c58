/* ps-timeline.c — see ps-timeline.h. */
#include "ps-timeline.h"

#include <string.h>

struct _PsTimeline {
  PsRecipe *recipe;          /* applied ops only */
  GPtrArray *states;         /* PsState*, len = recipe->ops->len + 1 */
  GPtrArray *descriptions;   /* char*, parallel to states; [0] describes the seed */
  GPtrArray *pending;        /* PsOp*: undone or not-yet-applicable ops, next first */
  GError *error;             /* why pending[0] failed, if it was tried */
  char *error_description;
  guint current;
  char *base_dir;
};

static char *
seed_description (const PsRecipe *r)
{
  return g_strdup_printf ("torch.manual_seed(%" G_GINT64_FORMAT ")%s", r->seed,
                          r->flavour == PS_FLAVOUR_DEFAULT ? " (DEFAULT kernel flavour)" : "");
}

static PsTimeline *
timeline_alloc (PsRecipe *recipe_without_ops, const char *base_dir)
{
  PsTimeline *tl = g_new0 (PsTimeline, 1);
  tl->recipe = recipe_without_ops;
  tl->states = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_state_unref);
  tl->descriptions = g_ptr_array_new_with_free_func (g_free);
  tl->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_op_unref);
  tl->base_dir = g_strdup (base_dir);
  g_ptr_array_add (tl->states, ps_state_new (tl->recipe->seed, tl->recipe->flavour, tl->recipe->root));
  g_ptr_array_add (tl->descriptions, seed_description (tl->recipe));
  return tl;
}

PsTimeline *
ps_timeline_new (int64_t seed, PsFlavour flavour, const char *root)
{
  PsRecipe *r = ps_recipe_new (seed);
  r->flavour = flavour;
  r->root = g_strdup (root);
  return timeline_alloc (r, NULL);
}

static void
set_error (PsTimeline *tl, GError *error, char *description)
{
  g_clear_error (&tl->error);
  g_free (tl->error_description);
  tl->error = error;
  tl->error_description = description;
}

/* Applies op after the last state. Takes nothing; adds a ref on op when it succeeds. */
static gboolean
push_op (PsTimeline *tl, PsOp *op, GError **error)
{
  const PsOpContext ctx = { tl->base_dir };
  PsState *last = ps_timeline_get_last_state (tl);
  guint n = tl->recipe->ops->len + 1;
  g_autoptr (GError) local = NULL;
  PsState *next = ps_op_apply_full (last, op, n, &ctx, &local);
  if (next == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* only ops that add containment can multiply paths */
  const char *kind = ps_op_get_kind (op);
  if (kind != NULL && (strcmp (kind, "module") == 0 || strcmp (kind, "attach") == 0)
      && !ps_state_check_size (next, &local))
    {
      g_set_error (error, PS_ERROR, local->code, "op %u (%s): %s", n, kind, local->message);
      ps_state_unref (next);
      return FALSE;
    }
  g_ptr_array_add (tl->recipe->ops, ps_op_ref (op));
  g_ptr_array_add (tl->states, next);
  g_ptr_array_add (tl->descriptions, ps_op_describe (op, last, next, NULL));
  tl->current = n;
  return TRUE;
}

PsTimeline *
ps_timeline_new_from_recipe (const PsRecipe *recipe, int until, const char *base_dir)
{
  PsRecipe *shell = ps_recipe_copy (recipe);
  g_ptr_array_set_size (shell->ops, 0);
  PsTimeline *tl = timeline_alloc (shell, base_dir);
  guint limit = until < 0 ? recipe->ops->len : MIN ((guint) until, recipe->ops->len);
  guint i = 0;
  for (; i < limit; i++)
    {
      PsOp *op = g_ptr_array_index (recipe->ops, i);
      GError *error = NULL;
      if (!push_op (tl, op, &error))
        {
          set_error (tl, error, ps_op_describe (op, ps_timeline_get_last_state (tl), NULL, error));
          break;
        }
    }
  for (; i < recipe->ops->len; i++)
    g_ptr_array_add (tl->pending, ps_op_ref (g_ptr_array_index (recipe->ops, i)));
  return tl;
}

void
ps_timeline_free (PsTimeline *tl)
{
  if (tl == NULL)
    return;
  ps_recipe_free (tl->recipe);
  g_ptr_array_unref (tl->states);
  g_ptr_array_unref (tl->descriptions);
  g_ptr_array_unref (tl->pending);
  set_error (tl, NULL, NULL);
  g_free (tl->base_dir);
  g_free (tl);
}

const PsRecipe *
ps_timeline_get_recipe (const PsTimeline *tl)
{
  return tl->recipe;
}

PsRecipe *
ps_timeline_to_recipe (const PsTimeline *tl)
{
  PsRecipe *r = ps_recipe_copy (tl->recipe);
  for (guint i = 0; i < tl->pending->len; i++)
    g_ptr_array_add (r->ops, ps_op_copy (g_ptr_array_index (tl->pending, i)));
  return r;
}

guint
ps_timeline_get_n_steps (const PsTimeline *tl)
{
  return tl->recipe->ops->len;
}

PsState *
ps_timeline_get_state (const PsTimeline *tl, guint step)
{
  g_return_val_if_fail (step < tl->states->len, NULL);
  return g_ptr_array_index (tl->states, step);
}

PsState *
ps_timeline_get_last_state (const PsTimeline *tl)
{
  return g_ptr_array_index (tl->states, tl->states->len - 1);
}

const char *
ps_timeline_get_description (const PsTimeline *tl, guint step)
{
  g_return_val_if_fail (step < tl->descriptions->len, NULL);
  return g_ptr_array_index (tl->descriptions, step);
}

const char *
ps_timeline_get_note (const PsTimeline *tl, guint step)
{
  g_return_val_if_fail (step < tl->states->len, NULL);
  if (step == 0)
    return NULL;
  const PsOp *op = g_ptr_array_index (tl->recipe->ops, step - 1);
  return op->description;
}

guint
ps_timeline_get_current (const PsTimeline *tl)
{
  return tl->current;
}

gboolean
ps_timeline_go_to_step (PsTimeline *tl, guint step, GError **error)
{
  if (step >= tl->states->len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "step %u does not exist (the last step is %u)",
                   step, tl->states->len - 1);
      return FALSE;
    }
  tl->current = step;
  return TRUE;
}

gboolean
ps_timeline_append_op (PsTimeline *tl, JsonObject *json, GError **error)
{
  g_autoptr (PsOp) op = ps_op_new_from_json (json, tl->recipe->ops->len + 1, error);
  return op != NULL && ps_timeline_push_op (tl, op, error);
}

gboolean
ps_timeline_push_op (PsTimeline *tl, PsOp *op, GError **error)
{
  if (!push_op (tl, op, error))
    return FALSE;
  g_ptr_array_set_size (tl->pending, 0);
  set_error (tl, NULL, NULL);
  return TRUE;
}

gboolean
ps_timeline_undo (PsTimeline *tl)
{
  guint n = tl->recipe->ops->len;
  if (n == 0)
    return FALSE;
  PsOp *op = ps_op_ref (g_ptr_array_index (tl->recipe->ops, n - 1));
  g_ptr_array_insert (tl->pending, 0, op);
  g_ptr_array_remove_index (tl->recipe->ops, n - 1);
  g_ptr_array_remove_index (tl->states, n);
  g_ptr_array_remove_index (tl->descriptions, n);
  set_error (tl, NULL, NULL);
  tl->current = n - 1;
  return TRUE;
}

gboolean
ps_timeline_redo (PsTimeline *tl, GError **error)
{
  if (tl->pending->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "nothing to redo");
      return FALSE;
    }
  PsOp *op = g_ptr_array_index (tl->pending, 0);
  GError *local = NULL;
  if (!push_op (tl, op, &local))
    {
      set_error (tl, g_error_copy (local), ps_op_describe (op, ps_timeline_get_last_state (tl), NULL, local));
      g_propagate_error (error, local);
      return FALSE;
    }
  g_ptr_array_remove_index (tl->pending, 0);
  set_error (tl, NULL, NULL);
  return TRUE;
}

void
ps_timeline_clear_pending (PsTimeline *tl)
{
  g_ptr_array_set_size (tl->pending, 0);
  set_error (tl, NULL, NULL);
}

guint
ps_timeline_get_n_pending (const PsTimeline *tl)
{
  return tl->pending->len;
}

const PsOp *
ps_timeline_get_pending_op (const PsTimeline *tl, guint i)
{
  g_return_val_if_fail (i < tl->pending->len, NULL);
  return g_ptr_array_index (tl->pending, i);
}

const GError *
ps_timeline_get_error (const PsTimeline *tl)
{
  return tl->error;
}

const char *
ps_timeline_get_error_description (const PsTimeline *tl)
{
  return tl->error_description;
}

/* Rebuild into a fresh timeline; swap its states in only if every applied op succeeds again. */
static gboolean
rebuild (PsTimeline *tl, int64_t seed, GError **error)
{
  g_autoptr (PsRecipe) r = ps_recipe_copy (tl->recipe);
  r->seed = seed;
  PsRecipe *shell = ps_recipe_copy (r);
  g_ptr_array_set_size (shell->ops, 0);
  PsTimeline *fresh = timeline_alloc (shell, tl->base_dir);
  for (guint i = 0; i < r->ops->len; i++)
    if (!push_op (fresh, g_ptr_array_index (tl->recipe->ops, i), error))
      {
        ps_timeline_free (fresh);
        return FALSE;
      }
  /* swap the recipe and states; keep pending ops and the cursor */
  PsRecipe *tr = tl->recipe;
  GPtrArray *ts = tl->states, *td = tl->descriptions;
  tl->recipe = fresh->recipe;
  tl->states = fresh->states;
  tl->descriptions = fresh->descriptions;
  fresh->recipe = tr;
  fresh->states = ts;
  fresh->descriptions = td;
  ps_timeline_free (fresh);
  return TRUE;
}

gboolean
ps_timeline_replay (PsTimeline *tl, GError **error)
{
  return rebuild (tl, tl->recipe->seed, error);
}

gboolean
ps_timeline_replay_with_seed (PsTimeline *tl, int64_t seed, GError **error)
{
  return rebuild (tl, seed, error);
}

static PsParamChange *
change_new (const char *path, PsChangeKind kind, PsParam *a, PsParam *b)
{
  PsParamChange *c = g_new0 (PsParamChange, 1);
  c->path = g_strdup (path);
  c->kind = kind;
  c->a = a;
  c->b = b;
  return c;
}

static void
change_free (gpointer data)
{
  PsParamChange *c = data;
  g_free (c->path);
  g_free (c);
}

static gboolean
same_values (const PsParam *a, const PsParam *b)
{
  if (a->value == b->value)
    return TRUE;
  if (a->value == NULL || b->value == NULL)
    return FALSE;
  return ps_tensor_equal (a->value, b->value);
}

/* A parameter's identity across steps: its module's recipe id and its name. Paths are not stable
 * (attaching a module gives its parameters a new path) but ids are. */
static char *
param_key (const PsNamedItem *it)
{
  return g_strconcat (it->module->id ? it->module->id : "?", ".", it->param->name, NULL);
}

GPtrArray *
ps_timeline_compare (const PsTimeline *tl, guint a, guint b)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (change_free);
  PsState *sa = ps_timeline_get_state (tl, a);
  PsState *sb = ps_timeline_get_state (tl, b);
  g_return_val_if_fail (sa != NULL && sb != NULL, out);
  g_autoptr (GPtrArray) la = ps_state_list_params (sa);
  g_autoptr (GPtrArray) lb = ps_state_list_params (sb);
  g_autoptr (GHashTable) in_a = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) in_b = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < la->len; i++)
    g_hash_table_insert (in_a, param_key (g_ptr_array_index (la, i)), g_ptr_array_index (la, i));
  for (guint i = 0; i < lb->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (lb, i);
      char *key = param_key (it);
      PsNamedItem *ia = g_hash_table_lookup (in_a, key);
      g_hash_table_insert (in_b, key, it);
      if (ia == NULL || (ia->param->value == NULL && it->param->value != NULL))
        {
          if (ia == NULL || it->param->value != NULL)
            g_ptr_array_add (out, change_new (it->path, PS_CHANGE_ADDED, ia ? ia->param : NULL, it->param));
        }
      else if (!same_values (ia->param, it->param))
        g_ptr_array_add (out, change_new (it->path, PS_CHANGE_CHANGED, ia->param, it->param));
    }
  for (guint i = 0; i < la->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (la, i);
      g_autofree char *key = param_key (it);
      if (!g_hash_table_contains (in_b, key))
        g_ptr_array_add (out, change_new (it->path, PS_CHANGE_REMOVED, it->param, NULL));
    }
  return out;
}

guint64
ps_timeline_storage_bytes (const PsTimeline *tl)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint64 total = 0;
  for (guint i = 0; i < tl->states->len; i++)
    total += ps_state_account_storage (g_ptr_array_index (tl->states, i), seen);
  return total;
}
