/* ps-timeline.c — see ps-timeline.h. */
#include "ps-timeline.h"
#include "ps-memory.h"
#include "ps-train-ops.h"

#include <string.h>

/* Memory budget (checkpointing): with a budget, each state records the tensor storages it
 * introduced (not in the state before it) and their bytes. When the kept states' bytes exceed the
 * budget, the oldest states are dropped — never step 0, the last two states, the step shown, nor a state made by a
 * `load` op (replaying it would read the file again) — and the storages a dropped state introduced
 * that the next kept state still holds are counted there. A dropped state is recomputed on demand
 * by replaying the ops from the nearest kept (or recently recomputed) earlier state: bit-identical,
 * since a state carries its generator. */
#define N_RECOMPUTED 3
/* what a snapshot's module and output tables cost beside tensors, per entry (approximate) */
#define STATE_OVERHEAD(s) (64 * ((guint64) ps_state_n_modules (s) + (s)->output_names->len + 1))

typedef struct {
  guint64 bytes;             /* of `storages`, plus the state's own tables (STATE_OVERHEAD) */
  GHashTable *storages;      /* PsStorage* → size: introduced by this state, still counted here */
} Account;

struct _PsTimeline {
  PsRecipe *recipe;          /* applied ops only */
  GPtrArray *states;         /* PsState* or NULL (dropped), len = recipe->ops->len + 1 */
  guint64 budget;            /* G_MAXUINT64: keep every state (no accounting) */
  guint64 kept_bytes;        /* Σ accounts[i].bytes over kept states */
  guint scan_from;           /* states below this (but 0) are dropped or not droppable (load) */
  GArray *accounts;          /* Account, parallel to states (with a budget) */
  PsState *recomputed[N_RECOMPUTED];   /* most recent first: dropped states rebuilt on demand */
  gboolean rebuilt_released; /* the caller holds nothing from recomputed[] (release_rebuilt) */
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
  tl->budget = G_MAXUINT64;
  tl->accounts = g_array_new (FALSE, TRUE, sizeof (Account));
  g_ptr_array_add (tl->states, ps_state_new (tl->recipe->seed, tl->recipe->flavour, tl->recipe->root));
  g_ptr_array_add (tl->descriptions, seed_description (tl->recipe));
  g_array_set_size (tl->accounts, 1);
  return tl;
}

static void
account_clear (Account *a)
{
  g_clear_pointer (&a->storages, g_hash_table_unref);
  a->bytes = 0;
}

static void
clear_recomputed (PsTimeline *tl)
{
  for (guint i = 0; i < N_RECOMPUTED; i++)
    g_clear_pointer (&tl->recomputed[i], ps_state_unref);
}

/* Records what kept state i (i ≥ 1) introduced relative to the kept state before it. */
static void
account_new_state (PsTimeline *tl, guint i)
{
  if (tl->budget == G_MAXUINT64)
    return;
  guint p = i - 1;
  while (g_ptr_array_index (tl->states, p) == NULL)
    p--;
  if (tl->accounts->len > i)
    tl->kept_bytes -= g_array_index (tl->accounts, Account, i).bytes;
  /* only what differs between the two states is walked (ps_state_storage_diff): a step costs
   * what its op changed, not the size of the model */
  g_autoptr (GHashTable) before = g_hash_table_new (NULL, NULL);
  GHashTable *now = g_hash_table_new (NULL, NULL);
  ps_state_storage_diff (g_ptr_array_index (tl->states, p), g_ptr_array_index (tl->states, i), before, now);
  GHashTableIter it;
  gpointer k, v;
  guint64 bytes = 0;
  g_hash_table_iter_init (&it, now);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (g_hash_table_contains (before, k))
      g_hash_table_iter_remove (&it);
    else
      bytes += GPOINTER_TO_SIZE (v);
  if (tl->accounts->len <= i)
    g_array_set_size (tl->accounts, i + 1);
  bytes += STATE_OVERHEAD ((PsState *) g_ptr_array_index (tl->states, i));
  Account *a = &g_array_index (tl->accounts, Account, i);
  account_clear (a);
  a->storages = now;
  a->bytes = bytes;
  tl->kept_bytes += bytes;
}

static gboolean
droppable (const PsTimeline *tl, guint i)
{
  /* the step shown (the cursor) stays too: views hold its modules and parameters */
  /* the last state stays; with a non-zero budget (an application) the one before it too, so a
   * caller holding the state from before its op (to compare) keeps it valid. A zero budget (a
   * command that only looks at the result) keeps just the last: the peak is two snapshots. */
  guint tail = tl->budget == 0 ? 1 : 2;
  if (i == 0 || i + tail >= tl->states->len || i == tl->current || g_ptr_array_index (tl->states, i) == NULL)
    return FALSE;
  const PsOp *op = g_ptr_array_index (tl->recipe->ops, i - 1);
  return !ps_op_loads_file (op);
}

/* Drops state i; the storages it introduced that the next kept state holds move to its account. */
static void
drop_state (PsTimeline *tl, guint i)
{
  guint j = i + 1;
  while (g_ptr_array_index (tl->states, j) == NULL)
    j++;   /* the last state is always kept */
  Account *a = &g_array_index (tl->accounts, Account, i);
  Account *b = &g_array_index (tl->accounts, Account, j);
  if (a->storages != NULL && g_hash_table_size (a->storages) > 0)
    {
      /* state j holds a storage of state i unless only what changed between them held it */
      g_autoptr (GHashTable) gone = g_hash_table_new (NULL, NULL), came = g_hash_table_new (NULL, NULL);
      ps_state_storage_diff (g_ptr_array_index (tl->states, i), g_ptr_array_index (tl->states, j), gone, came);
      if (b->storages == NULL)
        b->storages = g_hash_table_new (NULL, NULL);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, a->storages);
      while (g_hash_table_iter_next (&it, &k, &v))
        if ((!g_hash_table_contains (gone, k) || g_hash_table_contains (came, k)) && !g_hash_table_contains (b->storages, k))
          {
            g_hash_table_insert (b->storages, k, v);
            b->bytes += GPOINTER_TO_SIZE (v);
            tl->kept_bytes += GPOINTER_TO_SIZE (v);
          }
    }
  tl->kept_bytes -= a->bytes;
  account_clear (a);
  ps_state_unref (g_ptr_array_index (tl->states, i));
  g_ptr_array_index (tl->states, i) = NULL;
}

static void
enforce_budget (PsTimeline *tl)
{
  if (tl->budget == G_MAXUINT64)
    return;
  guint i = MAX (tl->scan_from, 1);
  guint tail = tl->budget == 0 ? 1 : 2;   /* as in droppable: scan_from must not pass them */
  /* with a process memory budget (PS_MEMORY_BUDGET_MB) the snapshots keep within half of it */
  const guint64 budget = ps_memory_snapshot_budget (tl->budget);
  for (; tl->kept_bytes > budget && i + tail < tl->states->len; i++)
    if (droppable (tl, i))
      drop_state (tl, i);
  tl->scan_from = i;
}

void
ps_timeline_set_memory_budget (PsTimeline *tl, guint64 bytes)
{
  if (bytes == tl->budget)
    return;
  if (tl->budget == G_MAXUINT64)
    {
      /* start accounting: every state is kept so far */
      tl->budget = bytes;
      tl->kept_bytes = 0;
      g_array_set_size (tl->accounts, tl->states->len);
      for (guint i = 1; i < tl->states->len; i++)
        account_new_state (tl, i);
    }
  tl->budget = bytes;
  enforce_budget (tl);
}

gboolean
ps_timeline_is_kept (const PsTimeline *tl, guint step)
{
  g_return_val_if_fail (step < tl->states->len, FALSE);
  return g_ptr_array_index (tl->states, step) != NULL;
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

static PsState *recompute (PsTimeline *tl, guint step, GError **error);

/* Ends the timeline at kept step j: the applied ops after it go to the front of the pending ops
 * (in order, before those already pending), so redo brings them back. */
static void
truncate_to (PsTimeline *tl, guint j)
{
  guint n = tl->recipe->ops->len;
  for (guint k = n; k > j; k--)
    g_ptr_array_insert (tl->pending, 0, ps_op_ref (g_ptr_array_index (tl->recipe->ops, k - 1)));
  if (tl->budget != G_MAXUINT64)
    {
      for (guint k = j + 1; k <= n; k++)
        {
          tl->kept_bytes -= g_array_index (tl->accounts, Account, k).bytes;
          account_clear (&g_array_index (tl->accounts, Account, k));
        }
      g_array_set_size (tl->accounts, j + 1);
    }
  g_ptr_array_set_size (tl->recipe->ops, j);
  g_ptr_array_set_size (tl->states, j + 1);
  g_ptr_array_set_size (tl->descriptions, j + 1);
  clear_recomputed (tl);
  /* recount the new last state against the kept state before it (a dropped state's storages
   * were counted in a later state's account) */
  if (j > 0)
    account_new_state (tl, j);
  tl->scan_from = 1;
  tl->current = j;
}

/* With a zero budget the last state is dropped as soon as the next one exists (unless it is step
 * 0 or made by a load op): an op applied to it may write its tensors in place (ps-op.h,
 * PsOpContext.spent). */
static gboolean
last_is_spent (const PsTimeline *tl)
{
  guint i = tl->states->len - 1;
  return tl->budget == 0 && i > 0 && tl->current == i
         && !ps_op_loads_file (g_ptr_array_index (tl->recipe->ops, i - 1));
}

/* Applies op after the last state. Takes nothing; adds a ref on op when it succeeds. */
static gboolean
push_op (PsTimeline *tl, PsOp *op, GError **error)
{
  gboolean spent_written = FALSE;
  PsState *last = ps_timeline_get_last_state (tl);
  guint n = tl->recipe->ops->len + 1;
  const PsOpContext ctx = { tl->base_dir, last_is_spent (tl) ? last : NULL, &spent_written };
  g_autoptr (GError) local = NULL;
  ps_train_ops_set_snapshot_budget (tl->budget);   /* a train op's sub-step snapshots keep to it too */
  PsState *next = ps_op_apply_full (last, op, n, &ctx, &local);
  ps_train_ops_set_snapshot_budget (G_MAXUINT64);
  if (next == NULL)
    {
      if (spent_written)
        {
          /* the op wrote into the last state's tensors and failed: rebuild that state by replay
           * (bit-identical), so a failed op leaves the timeline as it was */
          clear_recomputed (tl);
          g_ptr_array_index (tl->states, n - 1) = NULL;
          ps_state_unref (last);   /* its values are not its own any more: free them for the rebuild */
          g_autoptr (GError) rebuild_error = NULL;
          PsState *s = recompute (tl, n - 1, &rebuild_error);
          if (s != NULL)
            {
              g_ptr_array_index (tl->states, n - 1) = ps_state_ref (s);
              clear_recomputed (tl);
              account_new_state (tl, n - 1);
            }
          else
            {
              /* no memory to rebuild it: the timeline ends at the nearest kept step, and the ops
               * after it wait as pending ops (nothing is lost, nothing aborts) */
              guint j = n - 1;
              while (g_ptr_array_index (tl->states, j) == NULL)
                j--;
              truncate_to (tl, j);
              g_set_error (error, local->domain, local->code,
                           "%s (the op had overwritten step %u in place, and %s: the document now ends at step %u)",
                           local->message, n - 1, rebuild_error->message, j);
              return FALSE;
            }
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* only ops that add containment can multiply paths */
  if (!ps_op_check_size (op, last, next, &local))
    {
      g_set_error (error, PS_ERROR, local->code, "op %u (%s): %s", n, ps_op_get_kind (op), local->message);
      ps_state_unref (next);
      return FALSE;
    }
  g_ptr_array_add (tl->recipe->ops, ps_op_ref (op));
  g_ptr_array_add (tl->states, next);
  g_ptr_array_add (tl->descriptions, ps_op_describe (op, last, next, NULL));
  tl->current = n;
  account_new_state (tl, n);
  /* the state the op wrote into holds values that are not its own any more: it goes now */
  if (spent_written && g_ptr_array_index (tl->states, n - 1) != NULL)
    drop_state (tl, n - 1);
  enforce_budget (tl);
  return TRUE;
}

PsTimeline *
ps_timeline_new_from_recipe (const PsRecipe *recipe, int until, const char *base_dir)
{
  return ps_timeline_new_from_recipe_with_budget (recipe, until, base_dir, G_MAXUINT64);
}

PsTimeline *
ps_timeline_new_from_recipe_with_budget (const PsRecipe *recipe, int until, const char *base_dir, guint64 budget)
{
  PsRecipe *shell = ps_recipe_copy (recipe);
  g_ptr_array_set_size (shell->ops, 0);
  PsTimeline *tl = timeline_alloc (shell, base_dir);
  ps_timeline_set_memory_budget (tl, budget);
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
  clear_recomputed (tl);
  for (guint i = 0; i < tl->accounts->len; i++)
    account_clear (&g_array_index (tl->accounts, Account, i));
  g_array_unref (tl->accounts);
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

/* Rebuilds a dropped state by replaying from the nearest earlier kept or recomputed state. The
 * result stays in a small cache of recent ones (so a caller may hold N_RECOMPUTED at once, and a
 * walk over the steps replays one op per step). The ops succeeded on the same states before, so
 * only running out of memory (the process budget, PS_MEMORY_BUDGET_MB, or a failed allocation)
 * makes it fail: NULL with the error, the timeline as it was (the cache aside). */
static PsState *
recompute (PsTimeline *tl, guint step, GError **error)
{
  gboolean released = tl->rebuilt_released;
  tl->rebuilt_released = FALSE;   /* the caller holds what this returns */
  for (guint c = 0; c < N_RECOMPUTED; c++)
    if (tl->recomputed[c] != NULL && tl->recomputed[c]->step == step)
      return tl->recomputed[c];
  guint j = step;
  while (g_ptr_array_index (tl->states, j) == NULL)
    j--;
  PsState *cur = ps_state_ref (g_ptr_array_index (tl->states, j));
  int from_cache = -1;
  for (guint c = 0; c < N_RECOMPUTED; c++)
    if (tl->recomputed[c] != NULL && tl->recomputed[c]->step > cur->step && tl->recomputed[c]->step < step)
      {
        ps_state_unref (cur);
        cur = ps_state_ref (tl->recomputed[c]);
        from_cache = (int) c;
      }
  if (released && from_cache >= 0)
    {
      /* nobody holds the rebuilt state we start from: take it out of the cache, so the ops below
       * may overwrite its tensors (a walk over the steps holds one rebuilt state at a time) */
      ps_state_unref (tl->recomputed[from_cache]);
      tl->recomputed[from_cache] = NULL;
    }
  else if (released)
    clear_recomputed (tl);   /* a walk starting again from an earlier step: the old one goes */
  const PsOpContext ctx0 = { tl->base_dir };
  for (guint k = cur->step; k < step; k++)
    {
      g_autoptr (GError) local = NULL;
      gboolean written = FALSE;
      PsOpContext ctx = ctx0;
      /* a state only this loop holds is thrown away after the op: the op may write into it */
      if (g_atomic_ref_count_compare (&cur->ref_count, 1))
        {
          ctx.spent = cur;
          ctx.spent_written = &written;
        }
      ps_train_ops_set_snapshot_budget (tl->budget);
      PsState *next = ps_op_apply_full (cur, g_ptr_array_index (tl->recipe->ops, k), k + 1, &ctx, &local);
      ps_train_ops_set_snapshot_budget (G_MAXUINT64);
      ps_state_unref (cur);
      if (next == NULL)
        {
          /* a state the op wrote into is thrown away above: nothing kept changed */
          g_set_error (error, local->domain, local->code,
                       "step %u is not kept in memory, and rebuilding it by replay failed at op %u: %s",
                       step, k + 1, local->message);
          return NULL;
        }
      cur = next;
    }
  g_clear_pointer (&tl->recomputed[N_RECOMPUTED - 1], ps_state_unref);
  memmove (tl->recomputed + 1, tl->recomputed, sizeof tl->recomputed[0] * (N_RECOMPUTED - 1));
  tl->recomputed[0] = cur;
  return tl->recomputed[0];
}

void
ps_timeline_release_rebuilt (const PsTimeline *tl_const)
{
  /* the cache is not part of the timeline's value (as in ps_timeline_get_state) */
  PsTimeline *tl = (PsTimeline *) tl_const;
  for (guint c = 1; c < N_RECOMPUTED; c++)
    g_clear_pointer (&tl->recomputed[c], ps_state_unref);
  tl->rebuilt_released = TRUE;
}

PsState *
ps_timeline_get_state_full (const PsTimeline *tl, guint step, GError **error)
{
  if (step >= tl->states->len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "step %u does not exist (the last step is %u)",
                   step, tl->states->len - 1);
      return NULL;
    }
  PsState *s = g_ptr_array_index (tl->states, step);
  /* the cache is not part of the timeline's value: recomputing keeps it logically const */
  return s != NULL ? s : recompute ((PsTimeline *) tl, step, error);
}

PsState *
ps_timeline_get_state (const PsTimeline *tl, guint step)
{
  g_return_val_if_fail (step < tl->states->len, NULL);
  return ps_timeline_get_state_full (tl, step, NULL);   /* NULL: a dropped step not rebuilt */
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
  if (g_ptr_array_index (tl->states, step) == NULL)
    {
      /* the step shown stays kept while it is shown (views hold its modules and parameters) */
      PsState *s = recompute (tl, step, error);
      if (s == NULL)
        return FALSE;   /* the cursor stays where it was */
      g_ptr_array_index (tl->states, step) = ps_state_ref (s);
      account_new_state (tl, step);
      if (tl->scan_from > step)
        tl->scan_from = step;
    }
  if (tl->current != step && tl->current < tl->scan_from)
    tl->scan_from = MAX (tl->current, 1);   /* the step shown before may be dropped now */
  tl->current = step;
  enforce_budget (tl);
  return TRUE;
}


gboolean
ps_timeline_append_op (PsTimeline *tl, JsonObject *json, GError **error)
{
  g_autoptr (PsOp) op = ps_op_new_from_json (json, tl->recipe->ops->len + 1, error);
  return op != NULL && ps_timeline_append_parsed_op (tl, op, error);
}

gboolean
ps_timeline_append_parsed_op (PsTimeline *tl, PsOp *op, GError **error)
{
  if (!push_op (tl, op, error))
    return FALSE;
  g_ptr_array_set_size (tl->pending, 0);
  set_error (tl, NULL, NULL);
  return TRUE;
}

gboolean
ps_timeline_undo_steps (PsTimeline *tl, guint k, GError **error)
{
  guint n = tl->recipe->ops->len;
  if (k == 0 || k > n)
    {
      if (n == 0)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "nothing to undo");
      else
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "cannot undo %u steps: there are %u", k, n);
      return FALSE;
    }
  guint j = n - k;
  if (g_ptr_array_index (tl->states, j) == NULL)
    {
      /* the new last state is always kept: rebuild it first, so a failure changes nothing (the
       * states between are not needed) */
      PsState *s = recompute (tl, j, error);
      if (s == NULL)
        return FALSE;
      g_ptr_array_index (tl->states, j) = ps_state_ref (s);
    }
  truncate_to (tl, j);
  set_error (tl, NULL, NULL);
  return TRUE;
}

gboolean
ps_timeline_undo_full (PsTimeline *tl, GError **error)
{
  return ps_timeline_undo_steps (tl, 1, error);
}

gboolean
ps_timeline_undo (PsTimeline *tl)
{
  return ps_timeline_undo_full (tl, NULL);
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
  ps_timeline_set_memory_budget (fresh, tl->budget);
  for (guint i = 0; i < r->ops->len; i++)
    if (!push_op (fresh, g_ptr_array_index (tl->recipe->ops, i), error))
      {
        ps_timeline_free (fresh);
        return FALSE;
      }
  /* swap the recipe and states; keep pending ops and the cursor */
  PsRecipe *tr = tl->recipe;
  GPtrArray *ts = tl->states, *td = tl->descriptions;
  GArray *ta = tl->accounts;
  guint64 tk = tl->kept_bytes;
  tl->recipe = fresh->recipe;
  tl->states = fresh->states;
  tl->descriptions = fresh->descriptions;
  tl->accounts = fresh->accounts;
  tl->kept_bytes = fresh->kept_bytes;
  fresh->recipe = tr;
  fresh->states = ts;
  fresh->descriptions = td;
  fresh->accounts = ta;
  fresh->kept_bytes = tk;
  clear_recomputed (tl);
  tl->scan_from = fresh->scan_from;
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
  return ps_timeline_compare_full (tl, a, b, NULL);   /* NULL: a dropped step not rebuilt */
}

GPtrArray *
ps_timeline_compare_full (const PsTimeline *tl, guint a, guint b, GError **error)
{
  /* the newest rebuilt state stays valid while the next is rebuilt (N_RECOMPUTED ≥ 2) */
  PsState *sa = ps_timeline_get_state_full (tl, a, error);
  PsState *sb = sa ? ps_timeline_get_state_full (tl, b, error) : NULL;
  if (sb == NULL)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (change_free);
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
    if (g_ptr_array_index (tl->states, i) != NULL)
      total += ps_state_account_storage (g_ptr_array_index (tl->states, i), seen);
  return total;
}
