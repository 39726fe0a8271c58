/* ps-json-check.h — a strictness pass run over untrusted JSON before json-glib parses it.
 *
 * json-glib silently keeps the last of duplicate object keys and parses nesting recursively (a
 * deeply nested document overflows the stack). This pass, a small iterative tokenizer, rejects
 * invalid UTF-8, NUL bytes, nesting deeper than max_depth and duplicate keys in any object
 * (keys compared after unescaping, so "a" and "\u0061" are the same key) and integer literals outside
 * int64 (json-glib wraps them silently: -18446744073709551615 parses as 1). It does not replace the
 * parser: syntax it does not need to understand is left for json-glib to reject. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ps_json_check_strict (const char *text, gsize len, guint max_depth, GError **error);

G_END_DECLS
