/* ps-json-reader.c — see ps-json-reader.h. Grammar: RFC 8259. */
#include "ps-json-reader.h"
#include "ps-error.h"

#include <string.h>

static gboolean
fail (PsJsonReader *r, GError **error, const char *what)
{
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (r->p - r->start), what);
  return FALSE;
}

gboolean
ps_json_reader_init (PsJsonReader *r, const char *text, gsize len, guint max_depth, GError **error)
{
  const char *bad;
  r->start = r->p = text;
  r->end = text + len;
  r->max_depth = max_depth;
  if (!g_utf8_validate_len (text, len, &bad))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   "invalid UTF-8 or NUL byte at byte %" G_GSIZE_FORMAT " of the JSON text",
                   (gsize) (bad - text));
      return FALSE;
    }
  return TRUE;
}

static void
skip_ws (PsJsonReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

char
ps_json_reader_peek (PsJsonReader *r)
{
  skip_ws (r);
  return r->p < r->end ? *r->p : '\0';
}

static gboolean
expect (PsJsonReader *r, char c, GError **error)
{
  if (ps_json_reader_peek (r) != c)
    {
      char what[32];
      g_snprintf (what, sizeof what, "expected '%c'", c);
      return fail (r, error, what);
    }
  r->p++;
  return TRUE;
}

gboolean
ps_json_reader_begin_object (PsJsonReader *r, GError **error)
{
  return expect (r, '{', error);
}

gboolean
ps_json_reader_begin_array (PsJsonReader *r, GError **error)
{
  return expect (r, '[', error);
}

/* After '{' or '[' the first element needs no comma; later ones do. We know which by looking
 * back at the last significant character before the current position. */
static gboolean
after_open (PsJsonReader *r, char open)
{
  const char *q = r->p;
  while (q > r->start && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r'))
    q--;
  return q > r->start && q[-1] == open;
}

static gboolean
next_item (PsJsonReader *r, char open, char close, gboolean *done, GError **error)
{
  gboolean first = after_open (r, open);
  char c = ps_json_reader_peek (r);
  *done = FALSE;
  if (c == close)
    {
      r->p++;
      *done = TRUE;
      return TRUE;
    }
  if (!first)
    {
      if (c != ',')
        {
          char what[48];
          g_snprintf (what, sizeof what, "expected ',' or '%c'", close);
          return fail (r, error, what);
        }
      r->p++;
      if (ps_json_reader_peek (r) == close)
        return fail (r, error, "trailing comma");
    }
  return TRUE;
}

static int
hex4 (const char *p, const char *end)
{
  if (end - p < 4)
    return -1;
  int v = 0;
  for (int i = 0; i < 4; i++)
    {
      char c = p[i];
      int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (h < 0)
        return -1;
      v = (v << 4) | h;
    }
  return v;
}

/* value may be NULL to skip. */
static gboolean
string (PsJsonReader *r, char **value, GError **error)
{
  if (ps_json_reader_peek (r) != '"')
    return fail (r, error, "expected a string");
  r->p++;
  GString *s = value ? g_string_new (NULL) : NULL;
  while (r->p < r->end)
    {
      const char *run = r->p;
      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (guchar) *r->p >= 0x20)
        r->p++;
      if (s)
        g_string_append_len (s, run, r->p - run);
      if (r->p >= r->end)
        break;
      char c = *r->p;
      if (c == '"')
        {
          r->p++;
          if (value)
            *value = g_string_free (s, FALSE);
          return TRUE;
        }
      if (c != '\\')
        {
          if (s)
            g_string_free (s, TRUE);
          return fail (r, error, "control character in a string");
        }
      if (r->end - r->p < 2)
        break;
      c = r->p[1];
      r->p += 2;
      char out = 0;
      switch (c)
        {
        case '"': case '\\': case '/': out = c; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u':
          {
            int u = hex4 (r->p, r->end);
            gunichar ch;
            if (u < 0)
              goto bad_escape;
            r->p += 4;
            if (u >= 0xd800 && u <= 0xdbff)
              {
                int lo = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? hex4 (r->p + 2, r->end) : -1;
                if (lo < 0xdc00 || lo > 0xdfff)
                  goto bad_escape;
                r->p += 6;
                ch = 0x10000 + (((gunichar) u - 0xd800) << 10) + ((gunichar) lo - 0xdc00);
              }
            else if ((u >= 0xdc00 && u <= 0xdfff) || u == 0)
              goto bad_escape;   /* lone low surrogate; NUL would truncate names downstream */
            else
              ch = (gunichar) u;
            if (s)
              g_string_append_unichar (s, ch);
            continue;
          }
        default:
          goto bad_escape;
        }
      if (s)
        g_string_append_c (s, out);
    }
  if (s)
    g_string_free (s, TRUE);
  return fail (r, error, "unterminated string");
bad_escape:
  if (s)
    g_string_free (s, TRUE);
  return fail (r, error, "invalid escape in a string");
}

gboolean
ps_json_reader_read_string (PsJsonReader *r, char **value, GError **error)
{
  return string (r, value, error);
}

gboolean
ps_json_reader_next_member (PsJsonReader *r, gboolean *done, char **key, GError **error)
{
  *key = NULL;
  if (!next_item (r, '{', '}', done, error))
    return FALSE;
  if (*done)
    return TRUE;
  if (!string (r, key, error))
    return FALSE;
  if (!expect (r, ':', error))
    {
      g_clear_pointer (key, g_free);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_json_reader_next_element (PsJsonReader *r, gboolean *done, GError **error)
{
  return next_item (r, '[', ']', done, error);
}

gboolean
ps_json_reader_read_number (PsJsonReader *r, gint64 *value, gboolean *is_int, GError **error)
{
  skip_ws (r);
  const char *s = r->p, *q = r->p;
  if (q < r->end && *q == '-')
    q++;
  if (q >= r->end || *q < '0' || *q > '9')
    return fail (r, error, "expected a number");
  if (*q == '0')
    q++;
  else
    while (q < r->end && *q >= '0' && *q <= '9')
      q++;
  const char *int_end = q;
  gboolean integer = TRUE;
  if (q < r->end && *q == '.')
    {
      integer = FALSE;
      q++;
      if (q >= r->end || *q < '0' || *q > '9')
        return fail (r, error, "malformed number");
      while (q < r->end && *q >= '0' && *q <= '9')
        q++;
    }
  if (q < r->end && (*q == 'e' || *q == 'E'))
    {
      integer = FALSE;
      q++;
      if (q < r->end && (*q == '+' || *q == '-'))
        q++;
      if (q >= r->end || *q < '0' || *q > '9')
        return fail (r, error, "malformed number");
      while (q < r->end && *q >= '0' && *q <= '9')
        q++;
    }
  *is_int = integer;
  *value = 0;
  if (integer)
    {
      gsize n = (gsize) (int_end - s);
      char buf[24];
      gint64 v;
      if (n >= sizeof buf
          || (memcpy (buf, s, n), buf[n] = '\0',
              !g_ascii_string_to_signed (buf, 10, G_MININT64, G_MAXINT64, &v, NULL)))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "integer %.*s at byte %" G_GSIZE_FORMAT " is not a valid 64-bit integer",
                       (int) MIN (n, 40), s, (gsize) (s - r->start));
          return FALSE;
        }
      *value = v;
    }
  r->p = q;
  return TRUE;
}

static gboolean
literal (PsJsonReader *r, const char *word, GError **error)
{
  gsize n = strlen (word);
  if ((gsize) (r->end - r->p) < n || memcmp (r->p, word, n) != 0)
    return fail (r, error, "expected a value");
  r->p += n;
  return TRUE;
}

gboolean
ps_json_reader_skip_value (PsJsonReader *r, GError **error)
{
  /* Iterative: a stack of open containers ('{' or '['), so deep nesting cannot overflow ours. */
  g_autoptr (GString) stack = g_string_new (NULL);
  for (;;)
    {
      char c = ps_json_reader_peek (r);
      gboolean done;
      if (c == '{' || c == '[')
        {
          if (stack->len >= r->max_depth)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "JSON nesting deeper than %u levels at byte %" G_GSIZE_FORMAT,
                           r->max_depth, (gsize) (r->p - r->start));
              return FALSE;
            }
          r->p++;
          g_string_append_c (stack, c);
        }
      else if (c == '"')
        {
          if (!string (r, NULL, error))
            return FALSE;
        }
      else if (c == '-' || (c >= '0' && c <= '9'))
        {
          gint64 v;
          gboolean is_int;
          if (!ps_json_reader_read_number (r, &v, &is_int, error))
            return FALSE;
        }
      else if (c == 't' || c == 'f' || c == 'n')
        {
          if (!literal (r, c == 't' ? "true" : c == 'f' ? "false" : "null", error))
            return FALSE;
        }
      else
        return fail (r, error, "expected a value");

      /* Close finished containers; position at the next value. */
      for (;;)
        {
          if (stack->len == 0)
            return TRUE;
          char open = stack->str[stack->len - 1];
          if (open == '{')
            {
              char *key;
              if (!ps_json_reader_next_member (r, &done, &key, error))
                return FALSE;
              g_free (key);
            }
          else if (!ps_json_reader_next_element (r, &done, error))
            return FALSE;
          if (!done)
            break;
          g_string_truncate (stack, stack->len - 1);
        }
    }
}

gboolean
ps_json_reader_end (PsJsonReader *r, GError **error)
{
  if (ps_json_reader_peek (r) != '\0')
    return fail (r, error, "unexpected text after the value");
  return TRUE;
}
