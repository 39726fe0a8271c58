/* ps-json-check.h — a strictness pass run over untrusted JSON before json-glib parses it.
 *
 * json-glib silently keeps the last of duplicate object keys and parses nesting recursively (a
 * deeply nested document overflows the stack). This pass, a small iterative tokenizer, rejects
 * invalid UTF-8, NUL bytes, nesting deeper than max_depth and duplicate keys in any object
 * (keys compared after unescaping, so "a" and "\u0061" are the same key) and integer literals outside
 * -2^63 … 2^64-1 (PS_ERROR_OVERFLOW: valid JSON, but json-glib wraps them silently:
 * -18446744073709551615 parses as 1). Integers above 2^63-1, which json-glib reads as their two's
 * complement, are listed in *big_ints (if not NULL) with their JSON pointer, for the caller to
 * allow only where an unsigned 64-bit value is meant (a seed). It does not replace the parser:
 * syntax it does not need to understand is left for json-glib to reject. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *pointer;   /* where, as a JSON pointer: "/seed", "/ops/3/seed" */
  char *text;      /* the literal */
  guint64 value;
} PsJsonBigInt;

gboolean ps_json_check_strict (const char *text, gsize len, guint max_depth, GPtrArray **big_ints,
                               GError **error);

G_END_DECLS
