/* ps-json-check.c — see ps-json-check.h. */
#include "ps-json-check.h"
#include "ps-error.h"

#include <string.h>

typedef struct {
  gboolean is_object;
  gboolean expect_key;     /* objects: the next string is a key */
  GHashTable *keys;        /* objects: keys seen so far (owned strings) */
  char *name;              /* the key under which this container sits, for messages; may be NULL */
  guint index;             /* arrays: the element being read */
} Level;

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const char *p, const char *end, gunichar *out)
{
  if (end - p < 4)
    return FALSE;
  gunichar v = 0;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (p[i]);
      if (h < 0)
        return FALSE;
      v = (v << 4) | (gunichar) h;
    }
  *out = v;
  return TRUE;
}

/* Decodes the string starting after the opening quote at *pp; leaves *pp after the closing quote.
 * Returns NULL (and sets error) on a malformed string. */
static char *
read_string (const char **pp, const char *end, const char *start, GError **error)
{
  const char *p = *pp;
  GString *s = g_string_new (NULL);
  while (p < end)
    {
      char c = *p++;
      if (c == '"')
        {
          *pp = p;
          return g_string_free (s, FALSE);
        }
      if ((unsigned char) c < 0x20)
        break;
      if (c != '\\')
        {
          g_string_append_c (s, c);
          continue;
        }
      if (p >= end)
        break;
      c = *p++;
      switch (c)
        {
        case '"': case '\\': case '/': g_string_append_c (s, c); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            gunichar u;
            if (!read_hex4 (p, end, &u))
              goto bad;
            p += 4;
            if (u >= 0xd800 && u <= 0xdbff)
              {
                gunichar lo;
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_hex4 (p + 2, end, &lo)
                    || lo < 0xdc00 || lo > 0xdfff)
                  goto bad;
                p += 6;
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
              }
            else if (u >= 0xdc00 && u <= 0xdfff)
              goto bad;
            if (u == 0)
              goto bad;   /* an embedded NUL would truncate names downstream */
            g_string_append_unichar (s, u);
            break;
          }
        default:
          goto bad;
        }
    }
bad:
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
               "invalid JSON string near byte %" G_GSIZE_FORMAT, (gsize) (p - start));
  g_string_free (s, TRUE);
  return NULL;
}

static void
append_pointer_segment (GString *s, const char *seg)
{
  g_string_append_c (s, '/');
  for (const char *p = seg; *p; p++)
    if (*p == '~')
      g_string_append (s, "~0");
    else if (*p == '/')
      g_string_append (s, "~1");
    else
      g_string_append_c (s, *p);
}

/* The JSON pointer (RFC 6901) of the scalar being read: the containers on the stack, then the
 * pending key (objects) or the element index (arrays). */
static char *
scalar_pointer (GArray *stack, const char *pending_key)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < stack->len; i++)
    {
      const Level *l = &g_array_index (stack, Level, i);
      const char *key = i + 1 < stack->len ? g_array_index (stack, Level, i + 1).name : pending_key;
      if (!l->is_object)
        {
          char idx[16];
          g_snprintf (idx, sizeof idx, "%u", l->index);
          append_pointer_segment (s, idx);
        }
      else
        append_pointer_segment (s, key != NULL ? key : "");
    }
  return g_string_free (s, FALSE);
}

static void
ps_json_big_int_free (PsJsonBigInt *b)
{
  g_free (b->pointer);
  g_free (b->text);
  g_free (b);
}

static void
level_clear (Level *l)
{
  g_clear_pointer (&l->keys, g_hash_table_unref);
  g_clear_pointer (&l->name, g_free);
}

gboolean
ps_json_check_strict (const char *text, gsize len, guint max_depth, GPtrArray **big_ints, GError **error)
{
  if (big_ints != NULL)
    *big_ints = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_json_big_int_free);
  const char *end;
  if (!g_utf8_validate_len (text, len, &end))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   "invalid UTF-8 or NUL byte at byte %" G_GSIZE_FORMAT " of the JSON text",
                   (gsize) (end - text));
      return FALSE;
    }

  g_autoptr (GArray) stack = g_array_new (FALSE, TRUE, sizeof (Level));
  g_array_set_clear_func (stack, (GDestroyNotify) level_clear);
  char *pending_key = NULL;   /* last key read, becomes the name of a container opened next */
  const char *p = text;
  end = text + len;
  gboolean ok = TRUE;

  while (p < end && ok)
    {
      char c = *p;
      if (c == '{' || c == '[')
        {
          if (stack->len >= max_depth)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "JSON nesting deeper than %u levels at byte %" G_GSIZE_FORMAT,
                           max_depth, (gsize) (p - text));
              ok = FALSE;
              break;
            }
          Level l = { 0 };
          l.is_object = (c == '{');
          l.expect_key = l.is_object;
          if (l.is_object)
            l.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          l.name = g_steal_pointer (&pending_key);
          g_array_append_val (stack, l);
          p++;
        }
      else if (c == '}' || c == ']')
        {
          if (stack->len == 0
              || g_array_index (stack, Level, stack->len - 1).is_object != (c == '}'))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "unbalanced '%c' at byte %" G_GSIZE_FORMAT " of the JSON text",
                           c, (gsize) (p - text));
              ok = FALSE;
              break;
            }
          g_array_set_size (stack, stack->len - 1);
          g_clear_pointer (&pending_key, g_free);
          p++;
        }
      else if (c == ',')
        {
          if (stack->len > 0)
            {
              Level *top = &g_array_index (stack, Level, stack->len - 1);
              if (top->is_object)
                top->expect_key = TRUE;
              else
                top->index++;
            }
          g_clear_pointer (&pending_key, g_free);
          p++;
        }
      else if (c == '"')
        {
          p++;
          char *s = read_string (&p, end, text, error);
          if (s == NULL)
            {
              ok = FALSE;
              break;
            }
          Level *top = stack->len ? &g_array_index (stack, Level, stack->len - 1) : NULL;
          if (top != NULL && top->is_object && top->expect_key)
            {
              top->expect_key = FALSE;
              if (g_hash_table_contains (top->keys, s))
                {
                  if (top->name != NULL)
                    g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                                 "duplicate key \"%s\" in the JSON object \"%s\"", s, top->name);
                  else
                    g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                                 "duplicate key \"%s\" in the JSON object", s);
                  g_free (s);
                  ok = FALSE;
                  break;
                }
              g_hash_table_add (top->keys, g_strdup (s));
              g_free (pending_key);
              pending_key = s;
            }
          else
            g_free (s);
        }
      else if (c == '-' || (c >= '0' && c <= '9'))
        {
          /* Integers are read as 64-bit values, signed or unsigned: -2^63 … 2^64-1 (a seed takes
           * all of that, as torch.manual_seed does). json-glib wraps what is beyond int64 silently
           * (2^64-1 parses as -1, -18446744073709551615 as 1): those above 2^63-1 are listed for the
           * caller to allow where an unsigned value is meant, the rest refused here. */
          const char *q = p;
          gboolean is_int = TRUE;
          while (q < end && (*q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E'
                             || (*q >= '0' && *q <= '9')))
            {
              if (*q == '.' || *q == 'e' || *q == 'E')
                is_int = FALSE;
              q++;
            }
          if (is_int)
            {
              g_autofree char *tok = g_strndup (p, (gsize) (q - p));
              const char *digits = tok[0] == '-' ? tok + 1 : tok;
              gboolean well_formed = digits[0] != '\0' && strspn (digits, "0123456789") == strlen (digits);
              gint64 v;
              guint64 u = 0;
              gboolean in_range = tok[0] == '-'
                ? g_ascii_string_to_signed (tok, 10, G_MININT64, G_MAXINT64, &v, NULL)
                : g_ascii_string_to_unsigned (tok, 10, 0, G_MAXUINT64, &u, NULL);
              if (!well_formed)
                {
                  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "invalid number %.40s at byte %" G_GSIZE_FORMAT,
                               tok, (gsize) (p - text));
                  ok = FALSE;
                  break;
                }
              if (!in_range)
                {
                  g_autofree char *where = scalar_pointer (stack, pending_key);
                  g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                               "integer %.40s at %s is out of range: from -2^63 to 2^64-1 "
                               "(torch: Overflow when unpacking long)", tok, where);
                  ok = FALSE;
                  break;
                }
              if (u > (guint64) G_MAXINT64 && big_ints != NULL)
                {
                  PsJsonBigInt *b = g_new0 (PsJsonBigInt, 1);
                  b->pointer = scalar_pointer (stack, pending_key);
                  b->text = g_steal_pointer (&tok);
                  b->value = u;
                  g_ptr_array_add (*big_ints, b);
                }
            }
          p = q;
        }
      else
        p++;
    }

  g_free (pending_key);
  if (!ok && big_ints != NULL)
    g_clear_pointer (big_ints, g_ptr_array_unref);
  return ok;
}
