/* ps-op.h — applying one recipe op to a document state, and describing it.
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
 * op number. The op kinds and their fields are documented in docs/recipe-format.md. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-state.h"

G_BEGIN_DECLS

/* What an op may need besides the state. */
typedef struct {
  const char *base_dir;    /* relative "file" paths of load ops are resolved against it (the
                              recipe's folder); NULL = the current directory */
} PsOpContext;

PsState *ps_op_apply      (const PsState *prev, JsonObject *op, guint op_number, GError **error);
PsState *ps_op_apply_full (const PsState *prev, JsonObject *op, guint op_number, const PsOpContext *ctx,
                           GError **error);

/* One readable sentence for the timeline. `after` is the state the op produced, or NULL when it
 * failed with `error`. E.g.
 *   "Linear(in_features=10, out_features=5, bias=True) created as fc: weight [5, 10] ~ U(−0.316, 0.316)
 *    by kaiming_uniform_(a=√5), bias [5] ~ U(−0.316, 0.316)"
 *   "forward through m failed: mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)" */
char    *ps_op_describe   (JsonObject *op, const PsState *before, const PsState *after, const GError *error);

/* "~ U(−0.316, 0.316) by kaiming_uniform_(a=√5)"; "" when nothing is known. */
char    *ps_init_info_summary (const PsInitInfo *info);

G_END_DECLS
