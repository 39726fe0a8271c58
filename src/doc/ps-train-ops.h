/* ps-train-ops.h — the training ops of recipe version 3 (docs/recipe-format.md):
 *   dataset, optimizer, scheduler, backward, step, zero_grad, scheduler_step, train,
 * and the "loss" field of forward. Each kind has a validator (fields and their types, before any
 * state is touched), an apply function working on the state clone ps_op_apply made, the modules it
 * may write (for ps_state_clone_for_write) and a one-line description. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-state.h"
#include "ps-loss.h"

G_BEGIN_DECLS

gboolean   ps_train_ops_is_kind      (const char *kind);
/* NULL-terminated kinds, for error messages and the op list. */
const char *const *ps_train_ops_kinds (void);
gboolean   ps_train_ops_validate     (JsonObject *op, const char *kind, guint index, GError **error);
gboolean   ps_train_ops_apply        (PsState *state, JsonObject *op, const char *kind, guint n, GError **error);
/* The modules of prev this op may write (added to w). */
void       ps_train_ops_writable     (const PsState *prev, JsonObject *op, const char *kind, GPtrArray *w);
char      *ps_train_ops_describe     (JsonObject *op, const char *kind, const PsState *before, const PsState *after,
                                      const GError *error);

/* The "loss" object {"type", "args"} → a PsLoss (errors name the argument). */
gboolean   ps_train_loss_from_json   (JsonNode *node, PsLoss *loss, GError **error);
/* forward with a loss: y = loss_fn(target(x), t); records the graph for a later backward and sets
 * output `name` to the loss value. */
gboolean   ps_train_forward_with_loss (PsState *state, const char *target_id, PsModule *target, PsTensor *x,
                                       const PsLoss *loss, PsTensor *t, const char *name, GError **error);

G_END_DECLS
