/* ps-timeline.h — a recipe plus the document state after every step.
 *
 * state[0] is the seeded empty state; state[k] is the state after op k (ops are numbered from 1).
 * States share every tensor that an op did not write (copy-on-write, see ps-state.h), so keeping
 * all of them costs the model once plus what each step wrote.
 *
 * Ops that could not be applied — undone ones, and on loading a recipe the first failing op and
 * everything after it — are kept as "pending" ops (the redo list). Redo applies the first pending
 * op; appending a new op discards them. */
#pragma once

#include <glib.h>
#include "ps-recipe.h"
#include "ps-state.h"
#include "ps-op.h"

G_BEGIN_DECLS

typedef struct _PsTimeline PsTimeline;

/* An empty document (just step 0). */
PsTimeline     *ps_timeline_new            (int64_t seed, PsFlavour flavour, const char *root);
/* Replays the recipe's ops in order (at most `until` of them; -1 = all). Always returns a timeline:
 * when op k fails, steps 0…k−1 exist, ops k… are pending and ps_timeline_get_error tells why. */
PsTimeline     *ps_timeline_new_from_recipe (const PsRecipe *recipe, int until, const char *base_dir);
/* The same, keeping snapshots within a memory budget while it replays (see below). */
PsTimeline     *ps_timeline_new_from_recipe_with_budget (const PsRecipe *recipe, int until, const char *base_dir,
                                                         guint64 budget_bytes);
/* Memory budget for the snapshots' tensor storage (G_MAXUINT64, the default: keep all). Beyond it
 * the oldest snapshots are dropped (never step 0, the last state — and with a budget above 0 the
 * one before it —, the current step while it is current, nor one made by a load op) and
 * rebuilt on demand by replaying from the nearest kept one: ps_timeline_get_state returns the
 * same values, bit for bit. With a process memory budget (PS_MEMORY_BUDGET_MB, ps-memory.h) a
 * non-zero budget is capped at half of it. With a zero budget an op may overwrite the last state's
 * tensors in place (it is dropped right after; see PsOpContext.spent), so re-initializing a layer
 * in `run` costs one copy of it. A rebuilt state is valid until three more have been rebuilt. With a
 * budget of 0 only those stay: what `run` needs. */
void            ps_timeline_set_memory_budget (PsTimeline *tl, guint64 budget_bytes);
/* The caller holds nothing (no state, module, parameter or tensor pointer) it got from a rebuilt
 * state any more: the timeline keeps only the newest rebuilt state, and rebuilding a later step
 * may overwrite that one's tensors in place. A walk over the steps that calls this before each
 * ps_timeline_get_state holds one rebuilt state at a time (a ridgeline over 20 steps of a
 * re-initialized layer: the kept states plus one copy of the layer). */
void            ps_timeline_release_rebuilt (const PsTimeline *tl);
gboolean        ps_timeline_is_kept        (const PsTimeline *tl, guint step);
void            ps_timeline_free           (PsTimeline *tl);

/* The applied ops (ops->len == number of steps after step 0). */
const PsRecipe *ps_timeline_get_recipe     (const PsTimeline *tl);
/* Applied ops followed by the pending ones: what "save" writes. Free with ps_recipe_free. */
PsRecipe       *ps_timeline_to_recipe      (const PsTimeline *tl);
guint           ps_timeline_get_n_steps    (const PsTimeline *tl);   /* number of applied ops */
/* The state after step `step` (no ref). A step dropped to keep within the memory budget is rebuilt
 * by replay, which needs memory: without it (PS_MEMORY_BUDGET_MB, a failed allocation) this is
 * NULL with an error naming the step and the op that ran out, and nothing else changes. */
PsState        *ps_timeline_get_state_full (const PsTimeline *tl, guint step, GError **error);
/* The same without the reason: NULL when the step was dropped and rebuilding it failed. Never
 * NULL for a step that is kept (step 0, the last, the current one, or any step without a memory
 * budget); code that may ask for a dropped step under a budget checks for NULL or uses
 * ps_timeline_get_state_full to say why. */
PsState        *ps_timeline_get_state      (const PsTimeline *tl, guint step);  /* no ref */
PsState        *ps_timeline_get_last_state (const PsTimeline *tl);
/* Readable sentence for step k ≥ 1 (see ps_op_describe). */
const char     *ps_timeline_get_description (const PsTimeline *tl, guint step);

/* The op's own "description" field for step k ≥ 1 (the teaching note), or NULL. */
const char     *ps_timeline_get_note       (const PsTimeline *tl, guint step);

/* The step being looked at (the app's cursor); append/undo/redo move it to the last step. Going
 * to a dropped step rebuilds it; when that fails the cursor stays and the error says why. */
guint           ps_timeline_get_current    (const PsTimeline *tl);
gboolean        ps_timeline_go_to_step     (PsTimeline *tl, guint step, GError **error);

/* Parse (ps_op_new_from_json), validate and apply after the last step. On failure nothing
 * changes and the error says why. */
gboolean        ps_timeline_append_op      (PsTimeline *tl, JsonObject *op, GError **error);
/* The same for an op parsed already (takes a ref on it when it succeeds). */
gboolean        ps_timeline_append_parsed_op (PsTimeline *tl, PsOp *op, GError **error);
/* Remove the last op, keeping it for redo. FALSE when there is nothing to undo, or when the step
 * before it was dropped (memory budget) and rebuilding it failed (the error says why; nothing
 * changes). */
gboolean        ps_timeline_undo_full      (PsTimeline *tl, GError **error);
gboolean        ps_timeline_undo           (PsTimeline *tl);   /* the same, without the reason */
/* Remove the last k ops at once (one user action), keeping them for redo in order; only the step
 * before them needs to exist (it is rebuilt if it was dropped). All or nothing. */
gboolean        ps_timeline_undo_steps     (PsTimeline *tl, guint k, GError **error);
gboolean        ps_timeline_redo           (PsTimeline *tl, GError **error);
guint           ps_timeline_get_n_pending  (const PsTimeline *tl);
/* Forget the pending ops (nothing left to redo). */
void            ps_timeline_clear_pending  (PsTimeline *tl);
const PsOp     *ps_timeline_get_pending_op (const PsTimeline *tl, guint i);
/* Why the first pending op failed the last time it was tried (loading, replay or redo); NULL if
 * it was not tried or nothing is pending. The message starts with "op N (KIND): ". */
const GError   *ps_timeline_get_error      (const PsTimeline *tl);
/* Its readable description ("forward through m failed: …"), or NULL. */
const char     *ps_timeline_get_error_description (const PsTimeline *tl);

/* Rebuild every state from the recipe with the same seed: bit-identical to before. */
gboolean        ps_timeline_replay         (PsTimeline *tl, GError **error);
/* Set the recipe's seed and replay: a different draw of every random value. On failure the
 * timeline is unchanged. */
gboolean        ps_timeline_replay_with_seed (PsTimeline *tl, int64_t seed, GError **error);

typedef enum {
  PS_CHANGE_ADDED,      /* exists at step b only (or was uninitialized at a) */
  PS_CHANGE_REMOVED,    /* exists at step a only */
  PS_CHANGE_CHANGED,    /* values differ bitwise */
} PsChangeKind;

typedef struct {
  char *path;           /* target-style path at step b ("m.0.weight"), or at step a if removed */
  PsChangeKind kind;
  PsParam *a, *b;       /* owned by the states (no refs); NULL when absent */
} PsParamChange;

/* Parameters and buffers whose values differ between two steps, in step b's listing order
 * followed by removed ones. A parameter is identified by its module's recipe id and its name, so
 * one that moved (attach) is compared with itself. Free with g_ptr_array_unref. */
GPtrArray      *ps_timeline_compare_full   (const PsTimeline *tl, guint a, guint b, GError **error);
/* The same without the reason: NULL when a dropped step could not be rebuilt (see
 * ps_timeline_get_state). */
GPtrArray      *ps_timeline_compare        (const PsTimeline *tl, guint a, guint b);

/* Bytes of distinct tensor storages alive across all steps (the memory the snapshots cost). */
guint64         ps_timeline_storage_bytes  (const PsTimeline *tl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTimeline, ps_timeline_free)

G_END_DECLS
