/* ps-op.h — one recipe op: parsed once from JSON into a typed, validated PsOp; applied to a
 * document state; described in one sentence; written back as JSON and as PyTorch code.
 *
 * Every op kind is one entry of the op table in ps-op.c (its name, fields and their validation,
 * apply, describe, Python emission, the format version that added it). Nothing after
 * ps_op_new_from_json reads JSON again: apply, describe and the exporter work on the typed fields
 * below. The op kinds and their fields are documented in docs/recipe-format.md.
 *
 * ps_op_apply never modifies `prev`: it clones it (sharing tensors), applies the op to the clone
 * and returns the clone, or NULL with an error. A failed op therefore leaves modules, parameters,
 * outputs and the generator exactly as they were. Errors read
 *   "op N (KIND): field 'F': MESSAGE"   (a problem with one field of the op), or
 *   "op N (KIND): MESSAGE"              (what PyTorch would raise, e.g. a shape error).
 * Op N produces timeline step N; step 0 is the seeded empty state.
 *
 * Only the modules an op may write are copied (the target's subtree and the modules containing
 * it, see ps_state_clone_for_write); the others are shared with `prev`. After a successful op,
 * every parameter/buffer it created, materialized or swapped gets created_step / written_step =
 * op number. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-args.h"
#include "ps-state.h"
#include "ps-recipe.h"

G_BEGIN_DECLS

typedef struct _PsOpKind PsOpKind;   /* one entry of the op table (ps-op-private.h) */

/* ---- the typed fields of each kind (a string field is NULL when it was not given) ---- */

typedef struct {
  char *fn;             /* a torch.nn.init function; NULL: not given */
  PsArgs *args;         /* as given; NULL: no "args" */
} PsOpInitCall;

typedef struct {                 /* module */
  char *id, *type;
  char *cls;                     /* containers: the display class ("CustomModel"), or NULL */
  PsArgs *args;                  /* as given (NULL: no "args"); checked against the class at load */
  GPtrArray *child_names;        /* containers: char*, in order; NULL: no "children" */
  GPtrArray *child_ids;          /* char*, parallel to child_names */
  gboolean children_named;       /* "children" was an object {name: id}, not an array */
  gboolean root;                 /* "root": true — this module is the model from this step on (version 3) */
} PsOpModule;

typedef struct {                 /* attach, detach, rename, move */
  char *parent, *name;
  char *child;                   /* attach */
  char *new_name;                /* rename */
  gint64 index;                  /* attach (optional), move */
} PsOpChild;

typedef struct {                 /* init */
  char *target;
  PsOpInitCall call;
} PsOpInit;

typedef struct {                 /* init_modules */
  char *target, *match;
  PsOpInitCall weight, bias;     /* fn NULL: not given */
} PsOpInitModules;

typedef struct {                 /* reset_parameters */
  char *target;
} PsOpTarget;

typedef struct {                 /* manual_seed */
  gint64 seed;
} PsOpSeed;

typedef struct {                 /* mode */
  char *target;
  gboolean train;
} PsOpMode;

typedef struct {                 /* an attention mask (ps_recipe_parse_mask) */
  PsInputSpec spec;
  gboolean is_bool;
} PsOpMask;

typedef struct {                 /* a forward's loss (version 3): loss_fn(target(x), t) */
  JsonNode *json;                /* {"type", "args", "target"} as given (saved back as is), or NULL: no
                                    loss; its "type" and "args" are the torch constructor's keyword
                                    arguments (ps_train_loss_from_json, as the train op's loss) */
  PsInputSpec target;            /* its "target" input t, parsed at load */
} PsOpLoss;

typedef struct {                 /* forward */
  char *target;
  PsInputSpec input;
  char *name;                    /* NULL: "output<N>" */
  PsOpLoss loss;
  /* version 3, MultiheadAttention targets: its forward's keywords (ps_op_has_field says which
   * masks were given) */
  PsOpMask key_padding_mask, attn_mask;
  gboolean need_weights, average_attn_weights;   /* TRUE when not given */
  gboolean root;                 /* "root": true — the module called is the model from this step on (version 4) */
} PsOpForward;

typedef struct {                 /* load */
  char *target, *file, *sha256;
  gboolean strict;               /* TRUE when not given */
} PsOpLoad;

/* The training kinds (ps-train-ops.c checks and applies them). Their "args" and "loss" objects are
 * the keyword arguments of a torch constructor: kept as given (JSON objects, for the export's
 * keyword order) and checked when applied, where torch checks them. */

typedef struct {                 /* a number of a training op: JSON, or "nan" / "inf" / "-inf" */
  double value;
  gboolean integer;              /* given as a JSON integer (saved back as one) */
} PsOpNumber;

typedef struct {                 /* what dataset, optimizer and scheduler share (their first members) */
  char *id, *type;               /* dataset: type NULL when "file" is given */
  JsonObject *args;              /* NULL: not given */
} PsOpNewObject;

typedef struct {                 /* dataset */
  PsOpNewObject o;
  char *file, *x, *y, *sha256, *y_sha256;
} PsOpDataset;

typedef struct {                 /* optimizer */
  PsOpNewObject o;
  char *params;                  /* the module whose parameters it updates */
} PsOpOptimizer;

typedef struct {                 /* scheduler */
  PsOpNewObject o;
  char *optimizer;
} PsOpScheduler;

typedef struct {                 /* backward */
  char *output;
} PsOpBackward;

typedef struct {                 /* step, zero_grad (optimizer), scheduler_step (scheduler) */
  char *optimizer, *scheduler;
  gboolean set_to_none;          /* zero_grad */
} PsOpTrainCall;

typedef struct {                 /* train (defaults when not given: see docs/recipe-format.md) */
  char *model, *optimizer, *data;
  JsonObject *loss;              /* {"type", "args"} */
  gint64 batch_size, epochs, steps, record_every;
  gboolean shuffle, drop_last;
  char *scheduler, *scheduler_every;
  PsOpNumber clip_grad_norm;
  /* MultiheadAttention's fixed masks ("value", "zeros" or "ones": the same for every batch), parsed
   * at load and made into tensors when applied; ps_op_has_field says which were given */
  PsOpMask key_padding_mask, attn_mask;
} PsOpTrain;

typedef struct {                 /* note */
  char *text;
} PsOpNote;

typedef struct {                 /* scale (version 4) */
  char *target;
  PsOpNumber factor;
} PsOpScale;

struct _PsOp {
  const PsOpKind *kind;
  guint64 present;               /* bit i: field i of the kind's field table was given */
  char *description;             /* the op's "description" (its teaching note), or NULL */
  JsonObject *extra;             /* its "x-…" members, kept for saving; NULL if none */
  union {
    PsOpModule module;
    PsOpChild child;
    PsOpInit init;
    PsOpInitModules init_modules;
    PsOpTarget target;
    PsOpSeed seed;
    PsOpMode mode;
    PsOpForward forward;
    PsOpLoad load;
    PsOpNote note;
    PsOpScale scale;
    PsOpNewObject new_object;
    PsOpDataset dataset;
    PsOpOptimizer optimizer;
    PsOpScheduler scheduler;
    PsOpBackward backward;
    PsOpTrainCall train_call;
    PsOpTrain train;
  } u;
  /*< private >*/
  gint ref_count;
};

/* What an op may need besides the state. */
typedef struct {
  const char *base_dir;    /* relative "file" paths of load ops are resolved against it (the
                              recipe's folder); NULL = the current directory */
  /* The state the op is applied to, when the caller throws it away once the op succeeded (a
   * command that keeps only the last state): an op may then write a tensor in place instead of
   * allocating its replacement, if only that state and the new one hold it — so re-initializing
   * a layer costs no second copy of it. The op sets *spent_written when it did; if it then fails
   * the caller must rebuild the spent state (the timeline replays it). NULL: never. */
  const PsState *spent;
  gboolean *spent_written;
} PsOpContext;

/* Parses and validates one op object (structure: kind, fields, types, argument names, init
 * functions, input specs). `index` is the op number used in messages
 * ("op 3 (init): field 'fn': unknown init function 'xavier_uniformm_'"). */
PsOp        *ps_op_new_from_json (JsonObject *json, guint index, GError **error);
/* The op as a new JSON object, as a recipe file stores it ("x-" members included). */
JsonObject  *ps_op_to_json       (const PsOp *op);
/* A deep copy that shares nothing with `op` (safe to hand to another thread). */
PsOp        *ps_op_copy          (const PsOp *op);
PsOp        *ps_op_ref           (PsOp *op);
void         ps_op_unref         (PsOp *op);

const char  *ps_op_get_kind      (const PsOp *op);   /* "module", "init", … */
/* The format version that can hold this op (the kind's, or a newer one for a newer field). */
int          ps_op_get_version   (const PsOp *op);
/* Whether `field` (one of the kind's fields) was given. */
gboolean     ps_op_has_field     (const PsOp *op, const char *field);
/* The target (or parent) path the op works on, or NULL (module, manual_seed, note). */
const char  *ps_op_get_target    (const PsOp *op);

/* What the op table says about the op (code outside the table asks these, never the kind's name): */
/* the id of the module it creates (a module op), or NULL; */
const char  *ps_op_get_built_module (const PsOp *op);
/* TRUE when it makes the module `root` names the model: creates it, or says "root": true (a module
 * or a forward op; `root` may be NULL: then only the latter); */
gboolean     ps_op_makes_root    (const PsOp *op, const char *root);
/* TRUE when it runs a forward pass (a forward op); */
gboolean     ps_op_runs_forward  (const PsOp *op);
/* the output name it was given (forward; NULL when it takes the default "output<N>" or writes none); */
const char  *ps_op_get_output_name (const PsOp *op);
/* TRUE when apply reads tensors from a file (load): a timeline keeps the state it made; */
gboolean     ps_op_loads_file    (const PsOp *op);
/* TRUE when its state's train_log holds the records of a training run it made (train); */
gboolean     ps_op_records_training (const PsOp *op);
/* FALSE when it cannot draw from the generator nor reseed it (mode, attach, …; a module without
 * reset_parameters; an init that does not sample: zeros_, ones_, constant_, eye_, dirac_); */
gboolean     ps_op_may_draw      (const PsOp *op);
/* After a successful apply: FALSE with an error (no prefix) when `next`, made from `prev` by this op,
 * holds too many module paths (ops that add containment: module, attach; ps_state_check_size). */
gboolean     ps_op_check_size    (const PsOp *op, const PsState *prev, const PsState *next, GError **error);

PsState *ps_op_apply      (const PsState *prev, const PsOp *op, guint op_number, GError **error);
PsState *ps_op_apply_full (const PsState *prev, const PsOp *op, guint op_number, const PsOpContext *ctx,
                           GError **error);

/* One readable sentence for the timeline. `after` is the state the op produced, or NULL when it
 * failed with `error`. E.g.
 *   "Linear(in_features=10, out_features=5, bias=True) created as fc: weight [5, 10] ~ U(−0.316, 0.316)
 *    by kaiming_uniform_(a=√5), bias [5] ~ U(−0.316, 0.316)"
 *   "forward through m failed: mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)" */
char    *ps_op_describe   (const PsOp *op, const PsState *before, const PsState *after, const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsOp, ps_op_unref)

G_END_DECLS
