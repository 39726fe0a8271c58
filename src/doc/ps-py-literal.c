/* ps-py-literal.c — a small recursive-descent parser for Python literals (see the header). */
#include "ps-py-literal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ps-error.h"

#define PS_PY_MAX_DEPTH 32

typedef struct {
  const char *text;   /* the whole text, for messages */
  const char *p;
} Parser;

static void
skip_space (Parser *ps)
{
  while (g_ascii_isspace (*ps->p))
    ps->p++;
}

static void
fail (Parser *ps, GError **error, const char *what)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "“%s” is not a Python value: %s at position %d",
               ps->text, what, (int) (ps->p - ps->text) + 1);
}

static JsonNode *parse_value (Parser *ps, int depth, GError **error);

static JsonNode *
parse_sequence (Parser *ps, char close, int depth, GError **error)
{
  JsonArray *arr = json_array_new ();
  ps->p++;   /* the opening bracket */
  skip_space (ps);
  gboolean first = TRUE;
  while (*ps->p != close)
    {
      if (!first)
        {
          if (*ps->p != ',')
            {
              fail (ps, error, *ps->p ? "expected ',' or a closing bracket" : "a bracket is not closed");
              json_array_unref (arr);
              return NULL;
            }
          ps->p++;
          skip_space (ps);
          if (*ps->p == close)   /* a trailing comma: (3,) */
            break;
        }
      JsonNode *v = parse_value (ps, depth + 1, error);
      if (v == NULL)
        {
          json_array_unref (arr);
          return NULL;
        }
      json_array_add_element (arr, v);
      skip_space (ps);
      first = FALSE;
    }
  ps->p++;
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (n, arr);
  return n;
}

static JsonNode *
parse_string (Parser *ps, GError **error)
{
  char quote = *ps->p++;
  g_autoptr (GString) s = g_string_new (NULL);
  for (; *ps->p != quote; ps->p++)
    {
      if (*ps->p == '\0')
        {
          fail (ps, error, "a string is not closed");
          return NULL;
        }
      if (*ps->p == '\\' && ps->p[1] != '\0')
        ps->p++;
      g_string_append_c (s, *ps->p);
    }
  ps->p++;
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (n, s->str);
  return n;
}

static JsonNode *
parse_number (Parser *ps, GError **error)
{
  const char *start = ps->p;
  const char *q = start;
  if (*q == '+' || *q == '-')
    q++;
  gboolean is_float = FALSE;
  while (g_ascii_isdigit (*q) || *q == '.' || *q == 'e' || *q == 'E'
         || ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E')))
    {
      if (!g_ascii_isdigit (*q))
        is_float = TRUE;
      q++;
    }
  g_autofree char *word = g_strndup (start, (gsize) (q - start));
  char *end = NULL;
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  errno = 0;
  if (!is_float)
    {
      gint64 v = g_ascii_strtoll (word, &end, 10);
      if (errno == ERANGE)
        {
          json_node_unref (n);
          fail (ps, error, "the integer does not fit in 64 bits");
          return NULL;
        }
      json_node_set_int (n, v);
    }
  else
    json_node_set_double (n, g_ascii_strtod (word, &end));
  if (end == word || *end != '\0')
    {
      json_node_unref (n);
      fail (ps, error, "not a number");
      return NULL;
    }
  ps->p = q;
  return n;
}

static JsonNode *
parse_value (Parser *ps, int depth, GError **error)
{
  skip_space (ps);
  if (depth > PS_PY_MAX_DEPTH)
    {
      fail (ps, error, "nested too deeply");
      return NULL;
    }
  char c = *ps->p;
  if (c == '(')
    return parse_sequence (ps, ')', depth, error);
  if (c == '[')
    return parse_sequence (ps, ']', depth, error);
  if (c == '\'' || c == '"')
    return parse_string (ps, error);
  if (g_ascii_isdigit (c) || c == '.' || ((c == '-' || c == '+') && (g_ascii_isdigit (ps->p[1]) || ps->p[1] == '.')))
    return parse_number (ps, error);
  if (g_ascii_isalpha (c) || c == '_')
    {
      const char *start = ps->p;
      while (g_ascii_isalnum (*ps->p) || *ps->p == '_' || *ps->p == '.')
        ps->p++;
      g_autofree char *word = g_strndup (start, (gsize) (ps->p - start));
      JsonNode *n = json_node_new (JSON_NODE_VALUE);
      if (g_str_equal (word, "True") || g_str_equal (word, "False"))
        json_node_set_boolean (n, word[0] == 'T');
      else if (g_str_equal (word, "None"))
        {
          json_node_unref (n);
          return json_node_new (JSON_NODE_NULL);
        }
      else
        json_node_set_string (n, word);   /* a bare word: relu, fan_in, zeros */
      return n;
    }
  fail (ps, error, c ? "unexpected character" : "a value is missing");
  return NULL;
}

JsonNode *
ps_py_literal_parse (const char *text, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (text == NULL)
    return NULL;
  g_autofree char *t = g_strstrip (g_strdup (text));
  if (*t == '\0')
    return NULL;
  Parser ps = { t, t };
  JsonNode *n = parse_value (&ps, 0, error);
  if (n == NULL)
    return NULL;
  skip_space (&ps);
  if (*ps.p != '\0')
    {
      json_node_unref (n);
      fail (&ps, error, "unexpected text after the value");
      return NULL;
    }
  return n;
}

JsonObject *
ps_py_literal_args (const char *const *names, const char *const *texts, GError **error)
{
  g_autoptr (JsonObject) args = json_object_new ();
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr (GError) local = NULL;
      JsonNode *v = texts && texts[i] ? ps_py_literal_parse (texts[i], &local) : NULL;
      if (local != NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: %s", names[i], local->message);
          return NULL;
        }
      if (v != NULL)
        json_object_set_member (args, names[i], v);
    }
  return g_steal_pointer (&args);
}
