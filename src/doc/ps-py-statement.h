/* ps-py-statement.h — PyTorch lines a person types (or pastes) into the app, as recipe ops: the
 * fast way to build the article's examples by hand. What is read (one statement per line or
 * separated by ';'; `self.` and `torch.` prefixes as in the article; import lines and comments
 * are skipped):
 *
 *   fc = nn.Linear(10, 5, bias=False)          a module (arguments by position in torch's order, or by name)
 *   model = nn.Sequential(linear1, linear2)   a container of modules made before (or inline)
 *   model = CustomModel(linear1, linear2)     a user class holding them as self.linear1, …
 *   nn.init.zeros_(fc.bias)                   an init function on one parameter
 *   for m in model.modules(): if isinstance(m, nn.Linear): nn.init.xavier_uniform_(m.weight);
 *       nn.init.zeros_(m.bias)                the article's init loop, as one init_modules step
 *   y = model(torch.randn(1, 10))             a forward pass (randn, rand, ones, zeros, randint)
 *   x = torch.randn(1, 10) … y = model(x)      an input assigned, then given (also on a later line)
 *   torch.manual_seed(0), model.train(), model.eval(), model.reset_parameters()
 *
 * Values are Python literals (ps-py-literal). Nothing is applied here: the caller applies the ops
 * as one user action (all or none), so bad text changes nothing. */
#pragma once

#include <json-glib/json-glib.h>
#include "ps-state.h"

G_BEGIN_DECLS

/* The ops of `text` (JsonObject *, owned by the array) read against the state `st` (the ids it
 * holds; may be NULL). NULL with an error naming the line and what is not understood. An empty
 * text (or only comments and imports) is an error too. */
GPtrArray  *ps_py_statements_to_ops (const PsState *st, const char *text, GError **error);

/* The same, remembering inputs between calls (one per Enter): `inputs` (from ps_py_inputs_new)
 * holds the names assigned by earlier texts (x = torch.randn(1, 10)) and, on success, gets this
 * text's too; a text that only assigns inputs then gives an empty array, not an error. A random
 * input is drawn by the forward it is given to, so it is exact only while nothing draws between
 * its assignment and that forward (a line that would is refused, naming it) and it can be given
 * once. On failure `inputs` is unchanged. */
GPtrArray  *ps_py_statements_to_ops_with_inputs (const PsState *st, const char *text, GHashTable *inputs,
                                                 GError **error);
GHashTable *ps_py_inputs_new        (void);
GHashTable *ps_py_inputs_copy       (GHashTable *inputs);
/* Forgets the random inputs (after the document changed by other means: their draw would no
 * longer come where PyTorch makes it). */
void        ps_py_inputs_forget_random (GHashTable *inputs);
/* TRUE while a remembered random input waits for its forward. */
gboolean    ps_py_inputs_pending    (GHashTable *inputs);

/* The ops of the text as typed ops (PsOp *, owned by the array), parsed and validated once by the
 * op table and numbered as the document appends them after `st` (op st->step + 1, …, for their
 * messages): what the app applies (ps_document_apply_parsed_ops) and asks (ps_op_runs_forward,
 * ps_op_get_output_name, ps_op_get_built_module). Otherwise as ps_py_statements_to_ops_with_inputs
 * (`inputs` may be NULL; on failure it is unchanged). */
GPtrArray  *ps_py_statements_parse  (const PsState *st, const char *text, GHashTable *inputs, GError **error);

/* TRUE when one of the ops (JSON, as ps_py_statements_to_ops gives them) runs a forward pass (the
 * caller runs those in a worker). */
gboolean    ps_py_ops_have_forward  (GPtrArray *ops);

G_END_DECLS
