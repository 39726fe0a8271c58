/* ps-json-reader.h — a strict pull parser for untrusted JSON (safetensors headers, index files).
 *
 * Why not json-glib here: it builds a DOM (tens of bytes per value: a 100 MB header of small
 * arrays took 4 GB and minutes), silently keeps the last of duplicate keys, wraps integers outside
 * int64 (-18446744073709551615 parses as 1) and recurses without a depth limit. This reader walks
 * the text once, lets the caller check the schema as it goes (so memory is what the caller keeps),
 * decodes strings exactly (escapes, surrogate pairs; \u0000 refused), reads integers with range
 * checks, and skips unwanted values iteratively up to a nesting limit.
 *
 * Usage: init, then begin_object / next_member / read_* / skip_value …, then end. Every function
 * returns FALSE on error and sets the GError (PS_ERROR_PARSE, with the byte offset). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *start, *p, *end;
  guint max_depth;
} PsJsonReader;

/* Validates UTF-8 (and refuses NUL bytes) over the whole text first. */
gboolean ps_json_reader_init          (PsJsonReader *r, const char *text, gsize len, guint max_depth,
                                       GError **error);
/* The next significant character, or 0 at the end of the text. */
char     ps_json_reader_peek          (PsJsonReader *r);

gboolean ps_json_reader_begin_object  (PsJsonReader *r, GError **error);
/* After begin_object: reads "key": (with the separating ',' as needed). *done is set at '}'. */
gboolean ps_json_reader_next_member   (PsJsonReader *r, gboolean *done, char **key, GError **error);
gboolean ps_json_reader_begin_array   (PsJsonReader *r, GError **error);
/* After begin_array: positions at the next element; *done is set at ']'. */
gboolean ps_json_reader_next_element  (PsJsonReader *r, gboolean *done, GError **error);

gboolean ps_json_reader_read_string   (PsJsonReader *r, char **value, GError **error);
/* A JSON number. *is_int is FALSE for numbers with a fraction or exponent (then *value is 0);
 * an integer outside int64 is an error. */
gboolean ps_json_reader_read_number   (PsJsonReader *r, gint64 *value, gboolean *is_int, GError **error);
/* Skips one value of any type, validating its syntax, nesting at most max_depth levels. */
gboolean ps_json_reader_skip_value    (PsJsonReader *r, GError **error);
/* Only whitespace may remain. */
gboolean ps_json_reader_end           (PsJsonReader *r, GError **error);

G_END_DECLS
