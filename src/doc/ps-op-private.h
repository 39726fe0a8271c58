/* ps-op-private.h — the op table's entry type, shared by ps-op.c (the table, parsing, apply,
 * describe), ps-recipe.c and ps-export-pytorch.c (Python emission). Not for the app.
 *
 * ADDING AN OP KIND = one PsOpKind entry in ps_op_kinds (ps-op.c; a training op: in
 * ps_train_op_kinds, ps-train-ops.c) with its functions beside it — its Python emitter too, through
 * ps_py_export_out / ps_py_export_target below —, its struct in the PsOp union (ps-op.h), its
 * section in docs/recipe-format.md, and its tests. Nothing else dispatches on the kind: parsing,
 * validation, saving, copying, apply, describe, the versions a reader accepts
 * (ps_op_newest_version) and the PyTorch export all go through the entry. */
#pragma once

#include "ps-op.h"

G_BEGIN_DECLS

typedef enum {
  PS_FIELD_STRING,     /* char* */
  PS_FIELD_NAME,       /* char*: an id or child name (non-empty, no '.') */
  PS_FIELD_NONEMPTY_STRING, /* char*: not "" (the training ops' ids, types, file names) */
  PS_FIELD_INT,        /* gint64 */
  PS_FIELD_SEED,       /* gint64: what torch.manual_seed takes (ps_recipe_seed_from_json) */
  PS_FIELD_BOOL,       /* gboolean */
  PS_FIELD_ARGS,       /* PsArgs*: an object of keyword arguments (JSON → PsArgs) */
  PS_FIELD_NUMBER,     /* PsOpNumber: a JSON number, or "nan" / "inf" / "-inf" */
  PS_FIELD_OBJECT,     /* JsonObject*: kept as JSON (a torch constructor's keyword arguments, a loss) */
  PS_FIELD_CUSTOM,     /* the field's own parse / write / copy / clear */
} PsOpFieldType;

typedef struct {
  const char *name;
  PsOpFieldType type;
  gboolean required;
  gsize offset;        /* of the value in PsOp */
  int version;         /* the format version that added the field; 0: the kind's own */
  /* PS_FIELD_CUSTOM only. parse: errors carry the whole "op N (KIND): field 'F': " prefix. */
  gboolean (*parse) (PsOp *op, gpointer slot, JsonNode *node, guint index, GError **error);
  JsonNode *(*write) (const PsOp *op, gconstpointer slot);
  void (*copy) (gpointer dst, gconstpointer src);
  void (*clear) (gpointer slot);
} PsOpField;

typedef struct _PsPyExport PsPyExport;   /* the exporter's state (ps-export-pytorch.c) */

struct _PsOpKind {
  const char *name;
  int version;                        /* the recipe format version that added the kind */
  const PsOpField *fields;            /* besides "op" and "description"; { NULL } terminated, ≤ 64 */
  /* Checks across fields after every field parsed; errors carry the whole prefix. May be NULL. */
  gboolean (*check) (PsOp *op, guint index, GError **error);
  /* The path of the module whose subtree apply may change (cloned for writing), or NULL. */
  const char *(*writes) (const PsOp *op);
  /* Instead of writes, for ops whose written module depends on the state (an optimizer's model):
   * adds the modules of prev that apply may change to w. May be NULL. */
  void (*writes_modules) (const PsOp *op, const PsState *prev, GPtrArray *w);
  /* Applies the op to `state` (a clone of the previous one); errors without the "op N (KIND): "
   * prefix, which ps_op_apply_full adds. */
  gboolean (*apply) (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error);
  /* "forward through m": what the op was doing, for "… failed: MESSAGE". */
  char *(*action) (const PsOp *op);
  /* The sentence for a successful op. */
  void (*describe) (const PsOp *op, const PsState *after, GString *s);
  /* Values the op writes without describing them read "updated by KIND at step N" (forward). */
  gboolean writes_undescribed;
  /* apply changes only the list of children of the module `writes` names (attach, detach, rename,
   * move): its descendants stay shared with the previous state (ps_state_clone_for_write). */
  gboolean writes_children_only;
  /* What the rest of the program asks about an op instead of comparing the kind's name
   * (ps-op.h's ps_op_* questions; NULL / FALSE: no): */
  /* the id of the module the op creates (module); */
  const char *(*builds_module) (const PsOp *op);
  /* the op makes a module the model ("root": true on a module or a forward op); */
  gboolean (*makes_root) (const PsOp *op);
  /* the name of the output the op writes (forward; NULL: its default "output<N>"); runs_forward; */
  const char *(*output_name) (const PsOp *op);
  gboolean runs_forward;
  /* apply reads tensors from a file (load): the timeline keeps the state it made rather than
   * read the file again when replaying; */
  gboolean loads_file;
  /* apply runs a training loop whose records the state's train_log holds (train); */
  gboolean records_training;
  /* the op never draws from the generator nor reseeds it (NULL draws: may_draw TRUE), or the
   * function that says whether this op does (a module that initializes, an init that samples); */
  gboolean never_draws;
  gboolean (*may_draw) (const PsOp *op);
  /* after apply, the state may hold too many module paths (ops that add containment: module,
   * attach); checks `next` (made from `prev`), errors without the prefix. */
  gboolean (*check_size) (const PsState *prev, const PsState *next, GError **error);
  /* PyTorch export: follow the module tree in the first pass (may be NULL), then write the code. */
  gboolean (*py_scan) (PsPyExport *ex, const PsOp *op, guint n, GError **error);
  gboolean (*py_emit) (PsPyExport *ex, const PsOp *op, guint n, GError **error);
};


/* A load error: "op INDEX (KIND): field 'FIELD': MESSAGE" (PS_ERROR_PARSE; field NULL: no field). */
void        ps_op_parse_error        (GError **error, guint index, const char *kind, const char *field,
                                      const char *fmt, ...) G_GNUC_PRINTF (5, 6);

/* The newest recipe format version this build reads: the highest version of an op kind or of a
 * field in the op table (a new kind raises it by naming its version, nothing else). */
int         ps_op_newest_version     (void);

/* "an integer", "a string", … for messages (ps-recipe.c). */
const char *ps_json_type_name        (JsonNode *n);
/* n holds a value of type t. */
gboolean    ps_json_is               (JsonNode *n, GType t);
/* torch.manual_seed(x) takes int(x): an integer from -2^63 to 2^64-1 (those above 2^63-1 arrive as
 * their two's complement, ps-json-check.h) or a float truncated toward zero; NaN, ±inf and
 * values out of range fail with torch's messages (*why, without a prefix). */
gboolean    ps_recipe_seed_from_json (JsonNode *n, gint64 *seed, char **why);
/* TRUE when the op kind's field is a seed (takes integers up to 2^64-1). */
gboolean    ps_op_kind_field_is_seed (const char *kind, const char *field);
/* Ids and child names become path components ("m.linear1.weight"): non-empty, no '.'. */
gboolean    ps_recipe_valid_name     (const char *s);

/* A number: a JSON number, or the recipe's spelling of the floats JSON has no literal for ("nan",
 * "inf", "-inf"; docs/recipe-format.md), which torch's Python arguments take as float('nan')… */
gboolean    ps_json_number           (JsonNode *n, double *v);
/* A copy of a JSON object sharing nothing with it (json_node_copy shares objects and arrays). */
JsonObject *ps_json_object_deep_copy (JsonObject *o);
/* A copy of any JSON node sharing nothing with it. */
JsonNode   *ps_json_deep_copy        (JsonNode *n);

/* What an op kind's Python emitter may use (ps-export-pytorch.c owns the symbolic module tree), so
 * that a new kind's emitter lives beside its entry:
 * the script being written (append the op's lines to it); */
GString *ps_py_export_out     (PsPyExport *ex);
/* a target path spelled as Python (`model.linear1.weight`, `model[0]`), or NULL with
 * "op N (KIND): target '…': no module with id '…'"; */
char    *ps_py_export_target  (PsPyExport *ex, const char *path, guint n, const char *kind, GError **error);
/* a double as the shortest Python float that reads back as it (`0.1`, `float("nan")`); */
void     ps_py_append_float   (GString *s, double d);
/* text as `# ` comment lines wrapped at 100 columns. */
void     ps_py_append_comment (GString *s, const char *text);

/* The Python emitters of the op table that need the exporter's tree (ps-export-pytorch.c). */
gboolean ps_py_scan_module  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_scan_attach  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_scan_detach  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_scan_rename  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_scan_move    (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_module  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_attach  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_detach  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_rename  (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_move    (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_init    (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_init_modules (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_reset_parameters (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_manual_seed (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_mode    (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_forward (PsPyExport *ex, const PsOp *op, guint n, GError **error);
/* The training ops. */
gboolean ps_py_scan_train_object (PsPyExport *ex, const PsOp *op, guint n, GError **error);   /* dataset, optimizer, scheduler */
gboolean ps_py_scan_train   (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_dataset (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_optimizer (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_scheduler (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_backward (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_step    (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_zero_grad (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_scheduler_step (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_train   (PsPyExport *ex, const PsOp *op, guint n, GError **error);
gboolean ps_py_emit_load    (PsPyExport *ex, const PsOp *op, guint n, GError **error);

/* The op table's second part: the training op kinds (ps-train-ops.c; dataset, optimizer,
 * scheduler, backward, step, zero_grad, scheduler_step, train), { NULL } terminated, each with its
 * own fields, checks, apply, modules written and sentence. */
extern const PsOpKind ps_train_op_kinds[];
/* An attention mask field (PsOpMask: the forward op's and the train op's), written, copied, cleared. */
JsonNode *ps_op_mask_write     (const PsOp *op, gconstpointer slot);
void     ps_op_mask_copy       (gpointer dst, gconstpointer src);
void     ps_op_mask_clear      (gpointer slot);

G_END_DECLS
