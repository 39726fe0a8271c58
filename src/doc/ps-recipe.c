/* ps-recipe.c — recipe JSON: load (each op parsed and validated by the op table, ps-op.c), save
 * atomically; keyword arguments and forward inputs as JSON. The format is documented in
 * docs/recipe-format.md; see ps-recipe.h. Semantic checks that need the document state
 * (dangling ids, cycles, shapes) happen when ops are applied (ps-op.c). */
#include "ps-recipe.h"
#include "ps-op-private.h"
#include "ps-atomic-file.h"
#include "ps-json-check.h"
#include "ps-regular-file.h"

#include <math.h>
#include <string.h>

/* ---------- errors ---------- */

const char *
ps_json_type_name (JsonNode *n)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (n);
        if (t == G_TYPE_INT64) return "an integer";
        if (t == G_TYPE_DOUBLE) return "a number";
        if (t == G_TYPE_BOOLEAN) return "a boolean";
        if (t == G_TYPE_STRING) return "a string";
        return "a value";
      }
    default: return "something else";
    }
}

gboolean
ps_json_is (JsonNode *n, GType t)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == t;
}

static JsonNode *
ps_json_new_float (double value)
{
  if (isnan (value))
    return json_node_init_string (json_node_alloc (), "nan");
  return json_node_init_double (json_node_alloc (), value);
}

/* Python's str.isspace for one character (what int() strips around a number). */
static gboolean
py_isspace (gunichar c)
{
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || g_unichar_isspace (c);
}

/* repr(s) as Python prints it inside an error message: single quotes unless the text holds a
 * single quote and no double quote; backslash escapes for what str.isprintable refuses. */
static char *
py_repr (const char *text)
{
  g_autofree char *s = g_utf8_make_valid (text, -1);
  gboolean dq = strchr (s, '\'') != NULL && strchr (s, '"') == NULL;
  char q = dq ? '"' : '\'';
  GString *o = g_string_new (NULL);
  g_string_append_c (o, q);
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType t = g_unichar_type (c);
      if (c == (gunichar) q || c == '\\')
        g_string_append_printf (o, "\\%c", (char) c);
      else if (c == '\t')
        g_string_append (o, "\\t");
      else if (c == '\n')
        g_string_append (o, "\\n");
      else if (c == '\r')
        g_string_append (o, "\\r");
      else if (c != ' ' && (t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT || t == G_UNICODE_SURROGATE
                            || t == G_UNICODE_PRIVATE_USE || t == G_UNICODE_UNASSIGNED
                            || t == G_UNICODE_LINE_SEPARATOR || t == G_UNICODE_PARAGRAPH_SEPARATOR
                            || t == G_UNICODE_SPACE_SEPARATOR))
        g_string_append_printf (o, c < 0x100 ? "\\x%02x" : c < 0x10000 ? "\\u%04x" : "\\U%08x", c);
      else
        g_string_append_unichar (o, c);
    }
  g_string_append_c (o, q);
  return g_string_free (o, FALSE);
}

/* torch.manual_seed(s) for a string s: int(s) — Python's base-10 literal (blanks around it, a
 * sign, decimal digits of any script, single underscores between digits), then the seed range. */
static gboolean
seed_from_string (const char *s, gint64 *seed, char **why)
{
  g_autofree char *repr = NULL;
  const char *p = s, *end = s + strlen (s);
  if (!g_utf8_validate (s, -1, NULL))
    goto invalid;
  while (p < end && py_isspace (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);
  while (end > p)
    {
      const char *prev = g_utf8_find_prev_char (p, end);
      if (prev == NULL || !py_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  gboolean negative = FALSE;
  if (p < end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  guint64 magnitude = 0;
  gboolean overflow = FALSE, after_digit = FALSE;
  guint n_digits = 0;
  for (; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int d = g_unichar_digit_value (c);
      if (c == '_' && after_digit)
        {
          after_digit = FALSE;
          continue;
        }
      if (d < 0)
        goto invalid;
      after_digit = TRUE;
      n_digits++;
      if (magnitude > (G_MAXUINT64 - (guint64) d) / 10)
        overflow = TRUE;
      else
        magnitude = magnitude * 10 + (guint64) d;
    }
  if (!after_digit)
    goto invalid;
  if (n_digits > 4300)
    {
      *why = g_strdup_printf ("seed: Exceeds the limit (4300 digits) for integer string conversion: value has %u "
                              "digits; use sys.set_int_max_str_digits() to increase the limit", n_digits);
      return FALSE;
    }
  if (overflow || (negative && magnitude > (guint64) G_MAXINT64 + 1))
    {
      repr = py_repr (s);
      *why = g_strdup_printf ("seed %s is out of range: from -2^63 to 2^64-1 (torch: Overflow when unpacking long)",
                              repr);
      return FALSE;
    }
  /* as an integer seed: negative ones as themselves, those above 2^63-1 as their two's complement */
  *seed = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
invalid:
  repr = py_repr (s);
  *why = g_strdup_printf ("seed: invalid literal for int() with base 10: %s", repr);
  return FALSE;
}

gboolean
ps_recipe_seed_from_json (JsonNode *n, gint64 *seed, char **why)
{
  if (ps_json_is (n, G_TYPE_INT64))
    {
      *seed = json_node_get_int (n);
      return TRUE;
    }
  if (ps_json_is (n, G_TYPE_BOOLEAN))
    {
      /* torch.manual_seed(True) is manual_seed(1): a bool is an int in Python */
      *seed = json_node_get_boolean (n) ? 1 : 0;
      return TRUE;
    }
  /* a string is int(string), as torch.manual_seed does; "nan", "inf" and "-inf" stay the
   * recipe's spelling of those floats (refused below, as int() refuses them) */
  if (ps_json_is (n, G_TYPE_STRING) && strcmp (json_node_get_string (n), "nan") != 0
      && strcmp (json_node_get_string (n), "inf") != 0 && strcmp (json_node_get_string (n), "-inf") != 0)
    return seed_from_string (json_node_get_string (n), seed, why);
  double d;
  if (!ps_json_number (n, &d))
    {
      *why = g_strdup_printf ("expected an integer, got %s", ps_json_type_name (n));
      return FALSE;
    }
  if (isnan (d))
    {
      *why = g_strdup ("seed nan: cannot convert float NaN to integer");
      return FALSE;
    }
  if (isinf (d))
    {
      *why = g_strdup_printf ("seed %s: cannot convert float infinity to integer", d > 0 ? "inf" : "-inf");
      return FALSE;
    }
  double t = trunc (d);   /* Python's int(x) */
  if (t < -9223372036854775808.0 || t >= 18446744073709551616.0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      *why = g_strdup_printf ("seed %s is out of range: from -2^63 to 2^64-1 (torch: Overflow when unpacking long)",
                              g_ascii_dtostr (buf, sizeof buf, d));
      return FALSE;
    }
  /* as an integer seed: those above 2^63-1 as their two's complement */
  *seed = t < 0 ? (gint64) t : (gint64) (guint64) t;
  return TRUE;
}

/* Ids and child names become path components ("m.linear1.weight"). */
gboolean
ps_recipe_valid_name (const char *s)
{
  return s != NULL && *s != '\0' && strchr (s, '.') == NULL;
}

/* ---------- args ---------- */

PsArgs *
ps_recipe_args_from_json (JsonNode *node, GError **error)
{
  g_autoptr (PsArgs) args = ps_args_new ();
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_steal_pointer (&args);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected an object, got %s", ps_json_type_name (node));
      return NULL;
    }
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) names = json_object_get_members (obj);
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *v = json_object_get_member (obj, name);
      if (JSON_NODE_HOLDS_NULL (v))
        ps_args_set_none (args, name);
      else if (ps_json_is (v, G_TYPE_BOOLEAN))
        ps_args_set_bool (args, name, json_node_get_boolean (v));
      else if (ps_json_is (v, G_TYPE_INT64))
        ps_args_set_int (args, name, json_node_get_int (v));
      else if (ps_json_is (v, G_TYPE_DOUBLE))
        {
          /* a JSON number beyond ±1.8e308 reads as ±infinity, as Python's json does; each argument
           * then gets what torch does with float('inf') (accepted, or its exact error) */
          ps_args_set_double (args, name, json_node_get_double (v));
        }
      else if (ps_json_is (v, G_TYPE_STRING))
        {
          /* "nan" (how a recipe writes NaN), "inf" and "-inf" are floats */
          double d;
          if (ps_json_number (v, &d))
            ps_args_set_double (args, name, d);
          else
            ps_args_set_string (args, name, json_node_get_string (v));
        }
      else if (JSON_NODE_HOLDS_ARRAY (v))
        {
          JsonArray *a = json_node_get_array (v);
          guint n = json_array_get_length (a);
          int64_t list[8];
          if (n > G_N_ELEMENTS (list))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "argument '%s': a list of at most %u integers is supported", name,
                           (guint) G_N_ELEMENTS (list));
              return NULL;
            }
          for (guint i = 0; i < n; i++)
            {
              JsonNode *e = json_array_get_element (a, i);
              if (JSON_NODE_HOLDS_NULL (e))
                {
                  list[i] = PS_VALUE_LIST_NONE;   /* (None, 7): the argument's spec decides */
                  continue;
                }
              if (!ps_json_is (e, G_TYPE_INT64))
                {
                  g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                               "argument '%s': element %u must be an integer, not %s", name, i,
                               ps_json_type_name (e));
                  return NULL;
                }
              list[i] = json_node_get_int (e);
            }
          if (!ps_args_set_int_list (args, name, list, (int) n, error))
            return NULL;
        }
      else
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "argument '%s': %s is not a supported argument value", name, ps_json_type_name (v));
          return NULL;
        }
    }
  return g_steal_pointer (&args);
}

/* ---------- forward inputs ---------- */

void
ps_input_spec_clear (PsInputSpec *spec)
{
  g_clear_pointer (&spec->values, g_array_unref);
  g_clear_pointer (&spec->exact_ints, g_array_unref);
  g_clear_pointer (&spec->is_int, g_array_unref);
}

static GArray *
array_copy (const GArray *a)
{
  if (a == NULL)
    return NULL;
  GArray *c = g_array_sized_new (FALSE, FALSE, g_array_get_element_size ((GArray *) a), a->len);
  g_array_append_vals (c, a->data, a->len);
  return c;
}

void
ps_input_spec_copy (PsInputSpec *dst, const PsInputSpec *src)
{
  *dst = *src;
  dst->values = array_copy (src->values);
  dst->exact_ints = array_copy (src->exact_ints);
  dst->is_int = array_copy (src->is_int);
}

static JsonNode *
int_node (int64_t v)
{
  return json_node_init_int (json_node_alloc (), v);
}

static JsonNode *
shape_to_json (const PsInputSpec *spec)
{
  JsonArray *a = json_array_new ();
  for (int i = 0; i < spec->ndim; i++)
    json_array_add_int_element (a, spec->shape[i]);
  JsonNode *n = json_node_init_array (json_node_alloc (), a);
  json_array_unref (a);
  return n;
}

/* Nested lists of `value`, rebuilt from the shape; *k walks the elements in row-major order. */
static JsonNode *
values_to_json (const PsInputSpec *spec, int depth, guint *k)
{
  if (depth == spec->ndim)
    {
      guint i = (*k)++;
      if (g_array_index (spec->is_int, guint8, i))
        return int_node (g_array_index (spec->exact_ints, int64_t, i));
      return ps_json_new_float (g_array_index (spec->values, double, i));
    }
  JsonArray *a = json_array_new ();
  for (int64_t i = 0; i < spec->shape[depth]; i++)
    json_array_add_element (a, values_to_json (spec, depth + 1, k));
  JsonNode *n = json_node_init_array (json_node_alloc (), a);
  json_array_unref (a);
  return n;
}

JsonNode *
ps_input_spec_to_json (const PsInputSpec *spec)
{
  static const char *const shaped[] = { "randn", "rand", "zeros", "ones" };
  JsonObject *o = json_object_new ();
  switch (spec->kind)
    {
    case PS_INPUT_RANDN:
    case PS_INPUT_RAND:
    case PS_INPUT_ZEROS:
    case PS_INPUT_ONES:
      json_object_set_member (o, shaped[spec->kind], shape_to_json (spec));
      break;
    case PS_INPUT_RANDINT:
      {
        JsonObject *r = json_object_new ();
        if (spec->low_given)
          json_object_set_int_member (r, "low", spec->low);
        json_object_set_int_member (r, "high", spec->high);
        json_object_set_member (r, "size", shape_to_json (spec));
        json_object_set_object_member (o, "randint", r);
        break;
      }
    case PS_INPUT_VALUE:
      {
        guint k = 0;
        json_object_set_member (o, "value", values_to_json (spec, 0, &k));
        if (spec->dtype_given)
          json_object_set_string_member (o, "dtype", ps_dtype_name (spec->dtype));
        break;
      }
    }
  JsonNode *n = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  return n;
}

/* A copy of a "value" with booleans as 0/1 (NULL when it holds none); *mixed: numbers too. */
static JsonNode *
bools_to_ints (JsonNode *n, gboolean *found, gboolean *mixed)
{
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n), *c = json_array_new ();
      for (guint i = 0; i < json_array_get_length (a); i++)
        json_array_add_element (c, bools_to_ints (json_array_get_element (a, i), found, mixed));
      JsonNode *r = json_node_init_array (json_node_alloc (), c);
      json_array_unref (c);
      return r;
    }
  if (ps_json_is (n, G_TYPE_BOOLEAN))
    {
      *found = TRUE;
      return json_node_init_int (json_node_alloc (), json_node_get_boolean (n) ? 1 : 0);
    }
  *mixed = TRUE;
  return json_node_copy (n);
}

static JsonNode *
ints_to_bools (JsonNode *n)
{
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_ARRAY (e))
            ints_to_bools (e);
          else
            json_node_set_boolean (e, json_node_get_int (e) != 0);
        }
    }
  else
    json_node_set_boolean (n, json_node_get_int (n) != 0);
  return n;
}

gboolean
ps_recipe_parse_mask (JsonNode *node, PsInputSpec *spec, gboolean *is_bool, GError **error)
{
  *is_bool = FALSE;
  JsonNode *v = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                ? json_object_get_member (json_node_get_object (node), "value") : NULL;
  if (v == NULL)
    return ps_recipe_parse_input (node, spec, error);
  gboolean found = FALSE, mixed = FALSE;
  g_autoptr (JsonNode) ints = bools_to_ints (v, &found, &mixed);
  if (!found)
    return ps_recipe_parse_input (node, spec, error);
  if (mixed || json_object_has_member (json_node_get_object (node), "dtype"))
    {
      memset (spec, 0, sizeof *spec);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, mixed ? "'value' mixes booleans and numbers"
                                                          : "'dtype' is not allowed with a 'value' of booleans");
      return FALSE;
    }
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_member (o, "value", g_steal_pointer (&ints));
  g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), o);
  if (!ps_recipe_parse_input (n, spec, error))
    return FALSE;
  *is_bool = TRUE;
  return TRUE;
}

JsonNode *
ps_mask_spec_to_json (const PsInputSpec *spec, gboolean is_bool)
{
  JsonNode *n = ps_input_spec_to_json (spec);
  if (is_bool)
    ints_to_bools (json_object_get_member (json_node_get_object (n), "value"));
  return n;
}

static gboolean
parse_shape (JsonNode *n, PsInputSpec *spec, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "a shape must be an array of integers, got %s",
                   ps_json_type_name (n));
      return FALSE;
    }
  JsonArray *a = json_node_get_array (n);
  guint len = json_array_get_length (a);
  if (len > PS_MAX_DIMS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "at most %d dimensions are supported", PS_MAX_DIMS);
      return FALSE;
    }
  spec->ndim = (int) len;
  for (guint i = 0; i < len; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!ps_json_is (e, G_TYPE_INT64) || json_node_get_int (e) < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "shape element %u must be a non-negative integer", i);
          return FALSE;
        }
      spec->shape[i] = json_node_get_int (e);
    }
  if (!ps_shape_numel (spec->ndim, spec->shape, &spec->numel, error))
    return FALSE;
  /* allocation size is checked again when the tensor is made; catch absurd shapes early */
  if ((guint64) spec->numel > PS_TENSOR_MAX_BYTES / 4)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "shape is too large (%" G_GINT64_FORMAT " elements)",
                   spec->numel);
      return FALSE;
    }
  return TRUE;
}

/* Walks nested lists: the shape comes from the first element at each depth and every list at that
 * depth must match it (torch.tensor rejects ragged lists). */
static gboolean
parse_values (JsonNode *n, int depth, PsInputSpec *spec, GArray *ints, gboolean *all_int, GError **error)
{
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      int64_t len = json_array_get_length (a);
      if (depth >= PS_MAX_DIMS)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'value' nests deeper than %d levels", PS_MAX_DIMS);
          return FALSE;
        }
      if (depth == spec->ndim)
        {
          if (spec->values->len > 0)
            goto ragged;
          spec->ndim = depth + 1;
          spec->shape[depth] = len;
        }
      else if (spec->shape[depth] != len)
        goto ragged;
      for (int64_t i = 0; i < len; i++)
        if (!parse_values (json_array_get_element (a, (guint) i), depth + 1, spec, ints, all_int, error))
          return FALSE;
      return TRUE;
    }
  if (depth != spec->ndim)
    goto ragged;
  if (ps_json_is (n, G_TYPE_INT64))
    {
      /* kept exactly too: int64 values beyond 2^53 do not survive a double */
      int64_t v = json_node_get_int (n);
      double d = (double) v;
      g_array_append_val (spec->values, d);
      g_array_append_val (ints, v);
      g_array_append_val (spec->is_int, (guint8) { TRUE });
      return TRUE;
    }
  double d;
  if (ps_json_number (n, &d))   /* a number, or "nan", "inf", "-inf" */
    {
      *all_int = FALSE;
      g_array_append_val (spec->values, d);
      g_array_append_val (ints, (int64_t) { 0 });
      g_array_append_val (spec->is_int, (guint8) { FALSE });
      return TRUE;
    }
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'value' elements must be numbers (or \"nan\", \"inf\", "
               "\"-inf\"), got %s", ps_json_type_name (n));
  return FALSE;
ragged:
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
               "'value' is ragged: expected sequence of equal length at dim %d", depth);
  return FALSE;
}

gboolean
ps_recipe_parse_input (JsonNode *node, PsInputSpec *spec, GError **error)
{
  memset (spec, 0, sizeof *spec);
  spec->dtype = PS_DTYPE_FLOAT32;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected an object");
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  static const char *const kinds[] = { "randn", "rand", "zeros", "ones", "randint", "value" };
  int found = -1;
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      int k = -1;
      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        if (strcmp (kinds[i], l->data) == 0)
          k = (int) i;
      if (k < 0 && strcmp (l->data, "dtype") != 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "unknown member '%s' (expected one of randn, rand, zeros, ones, randint, value, dtype)",
                       (char *) l->data);
          return FALSE;
        }
      if (k >= 0 && found >= 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "give only one of '%s' and '%s'", kinds[found], kinds[k]);
          return FALSE;
        }
      if (k >= 0)
        found = k;
    }
  if (found < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "give one of randn, rand, zeros, ones, randint, value");
      return FALSE;
    }
  spec->kind = (PsInputKind) found;
  JsonNode *dt = json_object_get_member (o, "dtype");
  if (dt != NULL && spec->kind != PS_INPUT_VALUE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'dtype' is only allowed with 'value'");
      return FALSE;
    }
  JsonNode *v = json_object_get_member (o, kinds[found]);
  switch (spec->kind)
    {
    case PS_INPUT_RANDN:
    case PS_INPUT_RAND:
    case PS_INPUT_ZEROS:
    case PS_INPUT_ONES:
      return parse_shape (v, spec, error);
    case PS_INPUT_RANDINT:
      {
        if (!JSON_NODE_HOLDS_OBJECT (v))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'randint' must be an object {low, high, size}");
            return FALSE;
          }
        JsonObject *r = json_node_get_object (v);
        g_autoptr (GList) rm = json_object_get_members (r);
        for (GList *l = rm; l; l = l->next)
          if (strcmp (l->data, "low") && strcmp (l->data, "high") && strcmp (l->data, "size"))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'randint': unknown member '%s' (expected low, high, size)",
                           (char *) l->data);
              return FALSE;
            }
        JsonNode *low = json_object_get_member (r, "low");
        JsonNode *high = json_object_get_member (r, "high");
        JsonNode *size = json_object_get_member (r, "size");
        if ((low != NULL && !ps_json_is (low, G_TYPE_INT64)) || high == NULL || !ps_json_is (high, G_TYPE_INT64))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'randint': 'high' (and optional 'low') must be integers");
            return FALSE;
          }
        if (size == NULL)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'randint': 'size' is missing");
            return FALSE;
          }
        spec->low = low ? json_node_get_int (low) : 0;
        spec->low_given = low != NULL;
        spec->high = json_node_get_int (high);
        spec->dtype = PS_DTYPE_INT64;
        if (spec->low >= spec->high)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                         "'randint': random_ expects 'from' to be less than 'to', but got from=%" G_GINT64_FORMAT
                         " >= to=%" G_GINT64_FORMAT, spec->low, spec->high);
            return FALSE;
          }
        return parse_shape (size, spec, error);
      }
    case PS_INPUT_VALUE:
      {
        gboolean all_int = TRUE;
        spec->values = g_array_new (FALSE, FALSE, sizeof (double));
        spec->is_int = g_array_new (FALSE, FALSE, sizeof (guint8));
        g_autoptr (GArray) ints = g_array_new (FALSE, FALSE, sizeof (int64_t));
        if (!parse_values (v, 0, spec, ints, &all_int, error))
          {
            ps_input_spec_clear (spec);
            return FALSE;
          }
        if (!ps_shape_numel (spec->ndim, spec->shape, &spec->numel, error))
          {
            ps_input_spec_clear (spec);
            return FALSE;
          }
        spec->dtype = all_int && spec->numel > 0 ? PS_DTYPE_INT64 : PS_DTYPE_FLOAT32;
        spec->exact_ints = g_array_ref (ints);
        spec->dtype_given = dt != NULL;
        if (dt != NULL)
          {
            const char *s = ps_json_is (dt, G_TYPE_STRING) ? json_node_get_string (dt) : "";
            if (strcmp (s, "float32") == 0)
              spec->dtype = PS_DTYPE_FLOAT32;
            else if (strcmp (s, "int64") == 0)
              {
                if (!all_int)
                  {
                    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'value' has non-integer numbers but dtype is int64");
                    ps_input_spec_clear (spec);
                    return FALSE;
                  }
                spec->dtype = PS_DTYPE_INT64;
              }
            else
              {
                g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'dtype' must be \"float32\" or \"int64\"");
                ps_input_spec_clear (spec);
                return FALSE;
              }
          }
        /* As ps-recipe.h says: int64_t values for INT64 (a double cannot hold every int64, and
         * casting one above 2^63 − 1 back is undefined). */
        if (spec->dtype == PS_DTYPE_INT64)
          {
            g_array_unref (spec->values);
            spec->values = g_steal_pointer (&ints);
          }
        return TRUE;
      }
    }
  return FALSE;
}

char *
ps_input_spec_describe (const PsInputSpec *spec)
{
  g_autofree char *shape = ps_shape_to_string (spec->ndim, spec->shape);
  /* "[1, 10]" → "1, 10" */
  g_autofree char *inner = g_strndup (shape + 1, strlen (shape) - 2);
  switch (spec->kind)
    {
    case PS_INPUT_RANDN: return g_strdup_printf ("randn(%s)", inner);
    case PS_INPUT_RAND: return g_strdup_printf ("rand(%s)", inner);
    case PS_INPUT_ZEROS: return g_strdup_printf ("zeros(%s)", inner);
    case PS_INPUT_ONES: return g_strdup_printf ("ones(%s)", inner);
    case PS_INPUT_RANDINT:
      return g_strdup_printf ("randint(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %s)", spec->low, spec->high,
                              shape);
    case PS_INPUT_VALUE:
      return g_strdup_printf ("tensor of shape %s (%s)", shape, ps_dtype_name (spec->dtype));
    }
  return g_strdup ("?");
}

/* ---------- recipe ---------- */

PsRecipe *
ps_recipe_new (int64_t seed)
{
  PsRecipe *r = g_new0 (PsRecipe, 1);
  r->seed = seed;
  r->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_op_unref);
  r->flavour = PS_FLAVOUR_AVX2;
  return r;
}

void
ps_recipe_free (PsRecipe *recipe)
{
  if (recipe == NULL)
    return;
  g_free (recipe->root);
  g_free (recipe->description);
  g_ptr_array_unref (recipe->ops);
  g_clear_pointer (&recipe->extra, json_object_unref);
  g_free (recipe);
}

/* json-glib 1.6 writes a double whose shortest form has an exponent but no '.' (1e30, 1e+22) as
 * "1e+30.0", which no JSON reader accepts, itself included: a saved recipe could not be opened
 * and copying one aborted. Drop that ".0" (outside strings), in place. It writes ±infinity as
 * "inf.0" / "-inf.0": write 1e999, which reads back as the same infinity; "1e999" is no longer than
 * "inf.0", so this too works in place. */
static void
fix_exponent_doubles (char *s)
{
  gboolean in_string = FALSE;
  char *w = s;
  const char *r = s;
  while (*r != '\0')
    {
      char c = *r;
      if (in_string)
        {
          *w++ = *r++;
          if (c == '\\' && *r != '\0')
            *w++ = *r++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == 'i' && strncmp (r, "inf.0", 5) == 0)
        {
          /* ±infinity (read from 1e400 or -1.8e308) has no JSON literal; 1e999 reads back as it */
          memcpy (w, "1e999", 5);
          w += 5;
          r += 5;
          continue;
        }
      *w++ = *r++;
      if (c == '"')
        in_string = TRUE;
      else if (c == 'e' || c == 'E')
        {
          if (*r == '+' || *r == '-')
            *w++ = *r++;
          while (g_ascii_isdigit (*r))
            *w++ = *r++;
          if (r[0] == '.' && r[1] == '0' && !g_ascii_isdigit (r[2]))
            r += 2;
        }
    }
  *w = '\0';
}

/* Typed ops copied one by one: the copy shares nothing with the original, so it may be handed
 * to another thread (no text round trip, no JSON reference counts shared). */
PsRecipe *
ps_recipe_copy (const PsRecipe *recipe)
{
  PsRecipe *r = ps_recipe_new (recipe->seed);
  r->root = g_strdup (recipe->root);
  r->description = g_strdup (recipe->description);
  r->flavour = recipe->flavour;
  if (recipe->extra != NULL)
    r->extra = ps_json_object_deep_copy (recipe->extra);
  for (guint i = 0; i < recipe->ops->len; i++)
    g_ptr_array_add (r->ops, ps_op_copy (g_ptr_array_index (recipe->ops, i)));
  return r;
}

gboolean
ps_recipe_append_op (PsRecipe *recipe, JsonObject *op, GError **error)
{
  PsOp *parsed = ps_op_new_from_json (op, recipe->ops->len + 1, error);
  if (parsed == NULL)
    return FALSE;
  g_ptr_array_add (recipe->ops, parsed);
  return TRUE;
}

static gboolean
top_error (GError **error, const char *field, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
top_error (GError **error, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "recipe: field '%s': %s", field, msg);
  return FALSE;
}

/* Integers above 2^63-1 (json-glib holds them as their two's complement) are a seed's values,
 * not any other field's: a recipe's seed and an op's seed field (ps_op_kind_field_is_seed). */
static gboolean
check_big_ints (JsonObject *o, GPtrArray *big_ints, GError **error)
{
  for (guint i = 0; big_ints != NULL && i < big_ints->len; i++)
    {
      const PsJsonBigInt *b = g_ptr_array_index (big_ints, i);
      if (strcmp (b->pointer, "/seed") == 0)
        continue;
      const char *p = b->pointer;
      JsonNode *ops = json_object_get_member (o, "ops");
      if (g_str_has_prefix (p, "/ops/") && g_ascii_isdigit (p[5]) && ops != NULL && JSON_NODE_HOLDS_ARRAY (ops))
        {
          char *rest = NULL;
          guint64 k = g_ascii_strtoull (p + 5, &rest, 10);
          JsonArray *a = json_node_get_array (ops);
          JsonNode *op = k < json_array_get_length (a) ? json_array_get_element (a, (guint) k) : NULL;
          JsonNode *kn = op != NULL && JSON_NODE_HOLDS_OBJECT (op)
            ? json_object_get_member (json_node_get_object (op), "op") : NULL;
          const char *kind = kn != NULL && ps_json_is (kn, G_TYPE_STRING) ? json_node_get_string (kn) : "?";
          if (*rest == '/' && strchr (rest + 1, '/') == NULL && ps_op_kind_field_is_seed (kind, rest + 1))
            continue;
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "op %u (%s): integer %s at %s is out of range: "
                       "from -2^63 to 2^63-1 (only a seed goes up to 2^64-1; torch: Overflow when unpacking long)",
                       (guint) k + 1, kind, b->text, b->pointer);
          return FALSE;
        }
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "recipe: integer %s at %s is out of range: "
                   "from -2^63 to 2^63-1 (only a seed goes up to 2^64-1; torch: Overflow when unpacking long)",
                   b->text, b->pointer);
      return FALSE;
    }
  return TRUE;
}

/* Deep enough for any recipe (a "value" nests at most PS_MAX_DIMS lists) and for "x-" extensions. */
#define PS_RECIPE_MAX_DEPTH 128

PsRecipe *
ps_recipe_load_from_data (const char *data, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  gsize n_bytes = length < 0 ? strlen (data) : (gsize) length;
  if (n_bytes > (gsize) PS_RECIPE_MAX_BYTES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "recipe is %" G_GSIZE_FORMAT " bytes, more than the limit of %d MiB for a recipe", n_bytes,
                   PS_RECIPE_MAX_BYTES >> 20);
      return NULL;
    }
  /* json-glib recurses per nesting level (a deeply nested recipe overflowed the stack) and keeps
   * the last of duplicate keys silently: reject both, and invalid UTF-8, before it parses. */
  g_autoptr (GPtrArray) big_ints = NULL;
  if (!ps_json_check_strict (data, n_bytes, PS_RECIPE_MAX_DEPTH, &big_ints, &local))
    {
      /* an integer beyond 64 bits is valid JSON, only not a value a recipe can hold */
      if (local->code == PS_ERROR_OVERFLOW)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "recipe: %s", local->message);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "recipe is not valid JSON: %s", local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "recipe is not valid JSON: %s", local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "recipe: expected a JSON object at the top level");
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  if (!check_big_ints (o, big_ints, error))
    return NULL;
  g_autoptr (PsRecipe) r = ps_recipe_new (0);

  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      static const char *const known[] = { "format", "version", "seed", "root", "ops", "flavour", "description" };
      gboolean ok = g_str_has_prefix (name, "x-");
      for (guint i = 0; i < G_N_ELEMENTS (known) && !ok; i++)
        ok = strcmp (known[i], name) == 0;
      if (!ok)
        {
          top_error (error, name, "unknown field (expected format, version, seed, root, ops, flavour, "
                     "description, or an \"x-\" extension)");
          return NULL;
        }
      if (g_str_has_prefix (name, "x-"))
        {
          if (r->extra == NULL)
            r->extra = json_object_new ();
          json_object_set_member (r->extra, name, ps_json_deep_copy (json_object_get_member (o, name)));
        }
    }

  JsonNode *n = json_object_get_member (o, "format");
  if (n == NULL || !ps_json_is (n, G_TYPE_STRING) || strcmp (json_node_get_string (n), PS_RECIPE_FORMAT) != 0)
    {
      top_error (error, "format", "expected \"%s\"", PS_RECIPE_FORMAT);
      return NULL;
    }
  n = json_object_get_member (o, "version");
  if (n == NULL || !ps_json_is (n, G_TYPE_INT64))
    {
      top_error (error, "version", "expected an integer");
      return NULL;
    }
  if (json_node_get_int (n) < 1 || json_node_get_int (n) > ps_op_newest_version ())
    {
      top_error (error, "version", "version %" G_GINT64_FORMAT " is not supported (this build reads up to %d)",
                 json_node_get_int (n), ps_op_newest_version ());
      return NULL;
    }
  n = json_object_get_member (o, "seed");
  g_autofree char *why = NULL;
  if (n == NULL || !ps_recipe_seed_from_json (n, &r->seed, &why))
    {
      top_error (error, "seed", "%s", n == NULL ? "missing" : why);
      return NULL;
    }
  n = json_object_get_member (o, "root");
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!ps_json_is (n, G_TYPE_STRING) || !ps_recipe_valid_name (json_node_get_string (n)))
        {
          top_error (error, "root", "expected a module id");
          return NULL;
        }
      r->root = g_strdup (json_node_get_string (n));
    }
  n = json_object_get_member (o, "flavour");
  if (n != NULL)
    {
      if (!ps_json_is (n, G_TYPE_STRING))
        {
          top_error (error, "flavour", "expected \"avx2\" or \"default\"");
          return NULL;
        }
      if (!ps_flavour_from_name (json_node_get_string (n), &r->flavour, error))
        {
          g_prefix_error (error, "recipe: field 'flavour': ");
          return NULL;
        }
    }
  n = json_object_get_member (o, "description");
  if (n != NULL)
    {
      if (!ps_json_is (n, G_TYPE_STRING))
        {
          top_error (error, "description", "expected a string");
          return NULL;
        }
      r->description = g_strdup (json_node_get_string (n));
    }
  n = json_object_get_member (o, "ops");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      top_error (error, "ops", n == NULL ? "missing" : "expected an array");
      return NULL;
    }
  JsonArray *ops = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (ops); i++)
    {
      JsonNode *e = json_array_get_element (ops, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "op %u: expected an object, got %s", i + 1,
                       ps_json_type_name (e));
          return NULL;
        }
      if (!ps_recipe_append_op (r, json_node_get_object (e), error))
        return NULL;
    }
  /* The root must be created by some op (it may appear after step 0). */
  if (r->root != NULL)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < r->ops->len && !found; i++)
        {
          const PsOp *op = g_ptr_array_index (r->ops, i);
          /* (or a module op names another module the model: "root": true; or a forward does) */
          found = ps_op_makes_root (op, r->root);
        }
      if (!found)
        {
          top_error (error, "root", "no op creates a module with id '%s'", r->root);
          return NULL;
        }
    }
  return g_steal_pointer (&r);
}

PsRecipe *
ps_recipe_load_from_file (const char *path, GError **error)
{
  /* a FIFO, a directory or /dev/zero is refused before a byte is read; size bounded */
  g_autoptr (GBytes) bytes = ps_regular_file_read (path, PS_RECIPE_MAX_BYTES, error);
  if (bytes == NULL)
    return NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  /* no file-name prefix: errors read "op N (KIND): …" wherever they are shown */
  return ps_recipe_load_from_data (data ? data : "", (gssize) len, error);
}

char *
ps_recipe_to_data (const PsRecipe *recipe, gsize *length)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, PS_RECIPE_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, ps_recipe_required_version (recipe));
  if (recipe->description != NULL)
    {
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, recipe->description);
    }
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, recipe->seed);
  if (recipe->flavour != PS_FLAVOUR_AVX2)
    {
      json_builder_set_member_name (b, "flavour");
      json_builder_add_string_value (b, ps_flavour_name (recipe->flavour));
    }
  json_builder_set_member_name (b, "root");
  if (recipe->root != NULL)
    json_builder_add_string_value (b, recipe->root);
  else
    json_builder_add_null_value (b);
  if (recipe->extra != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (recipe->extra);
      for (GList *l = names; l; l = l->next)
        {
          json_builder_set_member_name (b, l->data);
          json_builder_add_value (b, json_node_copy (json_object_get_member (recipe->extra, l->data)));
        }
    }
  json_builder_set_member_name (b, "ops");
  json_builder_begin_array (b);
  for (guint i = 0; i < recipe->ops->len; i++)
    {
      JsonObject *o = ps_op_to_json (g_ptr_array_index (recipe->ops, i));
      JsonNode *n = json_node_init_object (json_node_alloc (), o);
      json_object_unref (o);
      json_builder_add_value (b, n);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_node_unref (root);
  char *s = json_generator_to_data (gen, NULL);
  fix_exponent_doubles (s);
  gsize len = strlen (s);
  /* end with a newline like a hand-written file */
  char *out = g_strconcat (s, "\n", NULL);
  g_free (s);
  if (length != NULL)
    *length = len + 1;
  return out;
}

gboolean
ps_recipe_save_to_file (const PsRecipe *recipe, const char *path, GError **error)
{
  gsize len = 0;
  g_autofree char *data = ps_recipe_to_data (recipe, &len);
  /* temp file in the same directory, fsync, rename, fsync the directory */
  return ps_atomic_file_set_contents (path, data, len, error);
}

int
ps_recipe_required_version (const PsRecipe *recipe)
{
  int v = 1;
  for (guint i = 0; i < recipe->ops->len; i++)
    v = MAX (v, ps_op_get_version (g_ptr_array_index (recipe->ops, i)));
  return v;
}
