/* ps-py-literal.h — what a person types for a PyTorch argument, as a JSON value: Python literals
 * (True, False, None, 3, -0.5, 1e-3, 'x', "x", (3, 3), (3,), [1, 2]) and bare words (relu,
 * zeros) as strings. One parser for every dialog; its inverse, the one writer of Python
 * literals (reprs, dialogs, the exported script), is ps_value_append_python (ps-args.h). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The value of `text`; NULL with *error unset for an empty (all-blank) text, which means "the
 * default". NULL with an error naming the problem for a malformed literal ("(3, 3", "'x"). */
JsonNode   *ps_py_literal_parse     (const char *text, GError **error);

/* An args object from parallel NULL-terminated name/text arrays; empty texts are left out. NULL
 * with an error naming the argument whose text is malformed. */
JsonObject *ps_py_literal_args      (const char *const *names, const char *const *texts, GError **error);

G_END_DECLS
