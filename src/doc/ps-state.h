/* ps-state.h — the document state after some step of a recipe.
 *
 * A state holds the module table (recipe id → PsModule), the root id, the generator (a value),
 * the forward outputs (name → PsTensor) and the step index. States are immutable once built: an op
 * never changes a state, it makes a new one (ps_op_apply clones, then applies). Cloning copies the
 * module structs and PsParam structs but shares every tensor (tensors are immutable once stored,
 * see ps-tensor.h), so a step that writes nothing costs no tensor memory. */
#pragma once

#include <glib.h>
#include "ps-module.h"
#include "ps-module-table.h"
#include "ps-generator.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

typedef struct _PsState {
  gatomicrefcount ref_count;
  guint step;              /* 0 = seeded, empty */
  char *root;              /* id of the module shown as the model (may not exist yet) */
  PsGenerator gen;
  PsModuleTable *modules; /* id → PsModule, creation order (persistent: shared between states) */
  PsModuleTable *parents; /* the ids of `modules` that may have children (containers, modules built
                           * with children, every module an op wrote): a superset of those that do */
  GPtrArray *output_names; /* char*, in order of first appearance */
  GHashTable *outputs;     /* char* name → PsTensor* (owned ref) */
  /* training (ps-train-object.h): */
  GPtrArray *train_ids;    /* const char* (interned), creation order */
  GHashTable *train_objects; /* interned id → PsTrainObject* (owned ref): data sets, optimizers, schedulers */
  PsTrainGraph *graph;     /* the last forward with a loss, until a backward consumes it; or NULL */
  PsTrainLog *train_log;   /* the sub-steps the train op that made this state recorded; or NULL */
} PsState;

/* Step 0: manual_seed(seed) with the given flavour, no modules, no outputs. */
PsState    *ps_state_new            (int64_t seed, PsFlavour flavour, const char *root);
PsState    *ps_state_ref            (PsState *state);
void        ps_state_unref          (PsState *state);
/* A copy sharing tensors. All modules are cloned with one shared map so that a module reachable
 * from several ids (or several places) stays one module. `map` (optional, old → new PsModule*, no
 * refs) receives the correspondence. */
PsState    *ps_state_clone          (const PsState *state, GHashTable *map);
/* A copy in which only the modules that an op may write are new: every module in the subtrees
 * of `writable` (PsModule* of `state`) and every module containing one of them. All other modules
 * are the same PsModule as in `state` (shared between the two states: neither may change them).
 * `map` receives old → new for every cloned module and, when something is writable, old → old
 * for every shared one. With writable empty nothing is walked or copied: the module table is
 * shared (O(1); it is persistent, see ps-module-table.h) and map stays empty. This is what keeps
 * a step that writes one small parameter of a large model, or creates one module, cheap.
 * When children_only is TRUE the op changes only the lists of children of the writable modules
 * (attach, detach, rename, move), not their descendants: those stay shared, and only the writable
 * modules and the modules containing them are copied, each in time proportional to its own size
 * (a container's list of children is shared, see ps-module.h). The modules containing them are
 * found among `parents` only, so a step attaching one child to a container of n children costs
 * O(log n), not O(n). */
PsState    *ps_state_clone_for_write (const PsState *state, GPtrArray *writable, gboolean children_only,
                                      GHashTable *map);

PsModule   *ps_state_get_module     (const PsState *state, const char *id);
/* The number of module ids, and the i-th in creation order (interned). */
guint       ps_state_n_modules      (const PsState *state);
const char *ps_state_module_id      (const PsState *state, guint i);
/* The root module, or NULL if the root id is unset or not created yet. */
PsModule   *ps_state_get_root       (const PsState *state);
PsTensor   *ps_state_get_output     (const PsState *state, const char *name);
/* The output a forward from `before` to `after` wrote: the first of after's outputs whose tensor is
 * not the same as in `before` (a new name, or a new tensor under an old one); NULL when none. */
const char *ps_state_find_new_output (const PsState *after, const PsState *before);
/* Takes a ref on module / output; the module's id field is set to id. */
void        ps_state_add_module     (PsState *state, const char *id, PsModule *module);
void        ps_state_set_output     (PsState *state, const char *name, PsTensor *value);

/* The data set / optimizer / scheduler with this id, or NULL. */
PsTrainObject *ps_state_get_train_object (const PsState *state, const char *id);
/* Takes a ref; replaces an object of the same id (keeping its place). */
void        ps_state_set_train_object (PsState *state, const char *id, PsTrainObject *o);

/* Resolve a recipe target "<id>" or "<id>.<child>….<param>". Errors name what is missing. */
gboolean    ps_state_resolve        (const PsState *state, const char *target, PsModule **module,
                                     PsParam **param, GError **error);

/* Every parameter and buffer of the document, each once, as PsNamedItem* with target-style paths
 * "<id>.<path>": first the root's tree, then the other modules' trees in creation order. */
GPtrArray  *ps_state_list_params    (const PsState *state);

/* Distinct tensor storages (keyed by storage) reachable from the state: parameters, buffers and
 * outputs. Adds them to `seen` (PsStorage* → size) and returns the bytes newly added. */
guint64     ps_state_account_storage (const PsState *state, GHashTable *seen);

/* The storages (as ps_state_account_storage adds them) reachable from what differs between two
 * states: the modules whose table entry is another PsModule (their whole subtrees) and the outputs
 * that are another tensor, a's side into a_side and b's into b_side. Entries both share are not
 * walked, so two consecutive steps compare in time proportional to what the op changed. A storage
 * also reachable through a shared entry may be listed (weights tied across modules). */
void        ps_state_storage_diff   (const PsState *a, const PsState *b, GHashTable *a_side, GHashTable *b_side);

/* A module listed n times in each of d nested containers has n^d state_dict paths (torch lists
 * every one; its state_dict() and repr would not finish for 10 × 10 deep). Structures beyond this
 * many state_dict entries (parameters and buffers counted at every place they appear) are refused
 * by the op that builds them, so every listing stays bounded. */
#define PS_STATE_MAX_ENTRIES ((guint64) 1 << 17)

/* FALSE (with the module's id and the count) when a module of the state has more than
 * PS_STATE_MAX_ENTRIES state_dict entries. Counts each shared module once (linear time). With
 * only_last, checks the module created last only (after an op that created one module). */
gboolean    ps_state_check_size     (const PsState *state, gboolean only_last, GError **error);
/* The same check for the modules whose table entry differs from `prev`'s (after an op that
 * changed existing modules, such as attach): counts are cached per module, so a container that
 * gained one child costs what that child has. */
gboolean    ps_state_check_size_since (const PsState *state, const PsState *prev, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsState, ps_state_unref)

G_END_DECLS
