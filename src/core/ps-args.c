/* ps-args.c — see ps-args.h. */
#include "ps-args.h"

#include <math.h>
#include <string.h>

static void ps_args_set_value (PsArgs *args, const char *name, const PsValue *v);

typedef struct {
  char *name;
  PsValue value;
} Entry;

struct _PsArgs {
  GArray *entries;   /* Entry */
};

static void
value_clear (PsValue *v)
{
  g_clear_pointer (&v->s, g_free);
}

static void
entry_clear (gpointer p)
{
  Entry *e = p;
  g_free (e->name);
  value_clear (&e->value);
}

PsArgs *
ps_args_new (void)
{
  PsArgs *a = g_new0 (PsArgs, 1);
  a->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (a->entries, entry_clear);
  return a;
}

void
ps_args_free (PsArgs *args)
{
  if (args == NULL)
    return;
  g_array_unref (args->entries);
  g_free (args);
}

PsArgs *
ps_args_copy (const PsArgs *args)
{
  PsArgs *c = ps_args_new ();
  for (guint i = 0; i < args->entries->len; i++)
    {
      const Entry *e = &g_array_index (args->entries, Entry, i);
      ps_args_set_value (c, e->name, &e->value);
    }
  return c;
}

guint
ps_args_len (const PsArgs *args)
{
  return args->entries->len;
}

const char *
ps_args_name (const PsArgs *args, guint i)
{
  g_return_val_if_fail (i < args->entries->len, NULL);
  return g_array_index (args->entries, Entry, i).name;
}

const PsValue *
ps_args_value (const PsArgs *args, guint i)
{
  g_return_val_if_fail (i < args->entries->len, NULL);
  return &g_array_index (args->entries, Entry, i).value;
}

const PsValue *
ps_args_lookup (const PsArgs *args, const char *name)
{
  for (guint i = 0; i < args->entries->len; i++)
    {
      const Entry *e = &g_array_index (args->entries, Entry, i);
      if (strcmp (e->name, name) == 0)
        return &e->value;
    }
  return NULL;
}

static void
ps_args_set_value (PsArgs *args, const char *name, const PsValue *v)
{
  PsValue copy = *v;
  copy.s = g_strdup (v->s);
  for (guint i = 0; i < args->entries->len; i++)
    {
      Entry *e = &g_array_index (args->entries, Entry, i);
      if (strcmp (e->name, name) == 0)
        {
          value_clear (&e->value);
          e->value = copy;
          return;
        }
    }
  Entry e = { g_strdup (name), copy };
  g_array_append_val (args->entries, e);
}

void
ps_args_set_none (PsArgs *args, const char *name)
{
  PsValue v = { .type = PS_VALUE_NONE };
  ps_args_set_value (args, name, &v);
}

void
ps_args_set_bool (PsArgs *args, const char *name, gboolean b)
{
  PsValue v = { .type = PS_VALUE_BOOL, .b = !!b };
  ps_args_set_value (args, name, &v);
}

void
ps_args_set_int (PsArgs *args, const char *name, int64_t i)
{
  PsValue v = { .type = PS_VALUE_INT, .i = i };
  ps_args_set_value (args, name, &v);
}

void
ps_args_set_double (PsArgs *args, const char *name, double d)
{
  PsValue v = { .type = PS_VALUE_DOUBLE, .d = d };
  ps_args_set_value (args, name, &v);
}

void
ps_args_set_string (PsArgs *args, const char *name, const char *s)
{
  PsValue v = { .type = PS_VALUE_STRING, .s = (char *) s };
  ps_args_set_value (args, name, &v);
}

gboolean
ps_args_set_int_list (PsArgs *args, const char *name, const int64_t *list, int n, GError **error)
{
  if (n < 0 || n > 8)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "argument '%s': lists have at most 8 elements, got %d", name, n);
      return FALSE;
    }
  PsValue v = { .type = PS_VALUE_INT_LIST, .n_list = n };
  if (n > 0)
    memcpy (v.list, list, (gsize) n * sizeof (int64_t));
  ps_args_set_value (args, name, &v);
  return TRUE;
}

static const PsValue *
get_typed (const PsArgs *args, const char *name, PsValueType type)
{
  const PsValue *v = ps_args_lookup (args, name);
  if (v == NULL)
    g_error ("ps_args: argument '%s' missing (resolve the args first)", name);
  if (v->type != type && !(type == PS_VALUE_DOUBLE && v->type == PS_VALUE_INT))
    g_error ("ps_args: argument '%s' has another type", name);
  return v;
}

int64_t
ps_args_get_int (const PsArgs *args, const char *name)
{
  return get_typed (args, name, PS_VALUE_INT)->i;
}

double
ps_args_get_double (const PsArgs *args, const char *name)
{
  const PsValue *v = get_typed (args, name, PS_VALUE_DOUBLE);
  return v->type == PS_VALUE_INT ? (double) v->i : v->d;
}

gboolean
ps_args_get_bool (const PsArgs *args, const char *name)
{
  return get_typed (args, name, PS_VALUE_BOOL)->b;
}

const char *
ps_args_get_string (const PsArgs *args, const char *name)
{
  return get_typed (args, name, PS_VALUE_STRING)->s;
}

gboolean
ps_args_is_none (const PsArgs *args, const char *name)
{
  const PsValue *v = ps_args_lookup (args, name);
  return v == NULL || v->type == PS_VALUE_NONE;
}

int
ps_args_get_int_list (const PsArgs *args, const char *name, int64_t out[8])
{
  const PsValue *v = ps_args_lookup (args, name);
  g_return_val_if_fail (v != NULL, 0);
  if (v->type == PS_VALUE_INT)
    {
      out[0] = v->i;
      return 1;
    }
  g_return_val_if_fail (v->type == PS_VALUE_INT_LIST, 0);
  memcpy (out, v->list, (gsize) v->n_list * sizeof (int64_t));
  return v->n_list;
}

static const char *
kind_name (PsArgKind kind)
{
  switch (kind)
    {
    case PS_ARG_INT: return "an integer";
    case PS_ARG_FLOAT: return "a number";
    case PS_ARG_BOOL: return "a boolean";
    case PS_ARG_STRING: return "a string";
    case PS_ARG_INT_OR_TUPLE: return "an integer or a tuple of integers";
    case PS_ARG_INT_LIST: return "an integer or a list of integers";
    default: return "?";
    }
}

static char *
spec_names (const PsArgSpec *specs)
{
  GString *s = g_string_new (NULL);
  for (const PsArgSpec *sp = specs; sp->name; sp++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", sp->name);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static gboolean check_value_strict (const PsArgSpec *sp, const PsValue *v, PsValue *out, GError **error);

static gboolean
check_value (const PsArgSpec *sp, const PsValue *v, PsValue *out, GError **error)
{
  if (!sp->any_value && sp->aten_position == 0)
    return check_value_strict (sp, v, out, error);
  if (check_value_strict (sp, v, out, NULL))
    return TRUE;
  if (v->type == PS_VALUE_INT_LIST)
    return check_value_strict (sp, v, out, error);   /* (a list: as a size it is a shape; not kept) */
  /* kept as given (see any_value) */
  *out = *v;
  out->s = g_strdup (v->s);
  out->coerced = TRUE;
  out->given = v->type;
  return TRUE;
}

static gboolean
check_value_strict (const PsArgSpec *sp, const PsValue *v, PsValue *out, GError **error)
{
  *out = *v;
  out->s = NULL;
  if (sp->kind == PS_ARG_INT && sp->bool_is_int && v->type == PS_VALUE_BOOL)
    {
      out->type = PS_VALUE_INT;
      out->i = v->b ? 1 : 0;
      out->coerced = TRUE;
      out->given = PS_VALUE_BOOL;
      return TRUE;
    }
  if (sp->kind == PS_ARG_BOOL && v->type != PS_VALUE_BOOL && !(v->type == PS_VALUE_NONE && sp->nullable))
    {
      /* torch tests a flag with `if flag:` (or hands it to an ATen call that refuses anything but a
       * bool at the forward, see aten_bool_position): any Python value, by its truthiness */
      out->type = PS_VALUE_BOOL;
      out->coerced = TRUE;
      out->given = v->type;
      switch (v->type)
        {
        case PS_VALUE_NONE: out->b = FALSE; break;
        case PS_VALUE_INT: out->b = v->i != 0; break;
        case PS_VALUE_DOUBLE: out->b = v->d != 0.0; break;   /* nan is true, as in Python */
        case PS_VALUE_STRING: out->b = v->s != NULL && v->s[0] != '\0'; out->s = g_strdup (v->s); break;
        case PS_VALUE_INT_LIST: out->b = v->n_list > 0; break;
        default: out->b = FALSE; break;
        }
      return TRUE;
    }
  if (sp->kind == PS_ARG_INT_OR_TUPLE && sp->scalar_at_forward
      && ((v->type == PS_VALUE_NONE && !sp->nullable) || v->type == PS_VALUE_BOOL || v->type == PS_VALUE_DOUBLE
          || (v->type == PS_VALUE_STRING && sp->choices == NULL)))
    {
      /* torch stores it (or wraps it into a tuple); its forward refuses it (see scalar_at_forward) */
      const int64_t x = v->type == PS_VALUE_BOOL && v->b ? 1 : 0;
      out->coerced = TRUE;
      out->given = v->type;
      out->s = g_strdup (v->s);
      if (sp->keep_int)
        {
          out->type = PS_VALUE_INT;
          out->i = x;
          return TRUE;
        }
      out->type = PS_VALUE_INT_LIST;
      out->n_list = sp->tuple_len > 0 ? sp->tuple_len : 1;
      for (int k = 0; k < out->n_list; k++)
        out->list[k] = x;
      return TRUE;
    }
  if (v->type == PS_VALUE_NONE)
    {
      if (sp->nullable)
        return TRUE;
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "argument '%s' must be %s, not None", sp->name, kind_name (sp->kind));
      return FALSE;
    }
  switch (sp->kind)
    {
    case PS_ARG_INT:
      if (v->type == PS_VALUE_INT)
        return TRUE;
      break;
    case PS_ARG_FLOAT:
      /* a Python int (and a bool, which is an int) is a float where torch computes with it; the
       * literal is kept for messages (torch prints "got 2", "got True") */
      if (v->type == PS_VALUE_INT || v->type == PS_VALUE_BOOL)
        {
          out->type = PS_VALUE_DOUBLE;
          out->d = v->type == PS_VALUE_INT ? (double) v->i : (double) (v->b != 0);
          out->coerced = TRUE;
          out->given = v->type;
          return TRUE;
        }
      if (v->type == PS_VALUE_DOUBLE)
        return TRUE;
      break;
    case PS_ARG_BOOL:
      if (v->type == PS_VALUE_BOOL)
        return TRUE;
      break;
    case PS_ARG_STRING:
      if (v->type == PS_VALUE_STRING)
        {
          if (sp->choices != NULL && !g_strv_contains (sp->choices, v->s))
            {
              g_autofree char *choices = g_strjoinv ("', '", (char **) sp->choices);
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "argument '%s' must be one of '%s', got '%s'", sp->name, choices, v->s);
              return FALSE;
            }
          out->s = g_strdup (v->s);
          return TRUE;
        }
      break;
    case PS_ARG_INT_OR_TUPLE:
      if (v->type == PS_VALUE_INT && sp->keep_int)
        return TRUE;
      if (v->type == PS_VALUE_INT)
        {
          int n = sp->tuple_len > 0 ? sp->tuple_len : 1;
          out->type = PS_VALUE_INT_LIST;
          out->n_list = n;
          for (int k = 0; k < n; k++)
            out->list[k] = v->i;
          return TRUE;
        }
      if (v->type == PS_VALUE_STRING && sp->choices != NULL)
        {
          /* padding='same' / 'valid': the strings an int-or-tuple argument also accepts */
          if (!g_strv_contains (sp->choices, v->s))
            {
              g_autofree char *choices = g_strjoinv ("', '", (char **) sp->choices);
              /* torch's _ConvNd: "Invalid padding string 'full', should be one of {'valid', 'same'}" */
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "argument '%s': Invalid %s string '%s', should be one of {'%s'}", sp->name, sp->name, v->s,
                           choices);
              return FALSE;
            }
          out->s = g_strdup (v->s);
          return TRUE;
        }
      if (v->type == PS_VALUE_INT_LIST)
        {
          for (int k = 0; k < v->n_list; k++)
            if (v->list[k] == PS_VALUE_LIST_NONE && !sp->none_elements)
              {
                g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                             "argument '%s': element %d must be an integer, not None", sp->name, k);
                return FALSE;
              }
          if (sp->expand_one && sp->tuple_len > 1 && v->n_list == 1)
            {
              /* marked: torch passes the one element on (len_at_forward layers check it as given) */
              out->coerced = TRUE;
              out->given = PS_VALUE_INT_LIST;
              out->n_list = sp->tuple_len;
              for (int k = 1; k < sp->tuple_len; k++)
                out->list[k] = v->list[0];
              return TRUE;
            }
          if (sp->tuple_len > 0 && v->n_list != sp->tuple_len && !sp->len_at_forward)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "argument '%s' must be an integer or a tuple of %d integers, got %d",
                           sp->name, sp->tuple_len, v->n_list);
              return FALSE;
            }
          return TRUE;
        }
      break;
    case PS_ARG_INT_LIST:
      if (v->type == PS_VALUE_INT)
        {
          out->type = PS_VALUE_INT_LIST;
          out->n_list = 1;
          out->list[0] = v->i;
          return TRUE;
        }
      if (v->type == PS_VALUE_INT_LIST)
        {
          for (int k = 0; k < v->n_list; k++)
            if (v->list[k] == PS_VALUE_LIST_NONE)
              {
                g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                             "argument '%s': element %d must be an integer, not None", sp->name, k);
                return FALSE;
              }
          return TRUE;
        }
      break;
    default:
      break;
    }
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "argument '%s' must be %s", sp->name, kind_name (sp->kind));
  return FALSE;
}

PsArgs *
ps_args_resolve (const PsArgSpec *specs, const PsArgs *given, GError **error)
{
  static const PsArgSpec no_specs[] = { { NULL } };
  if (specs == NULL)
    specs = no_specs;

  if (given != NULL)
    for (guint i = 0; i < given->entries->len; i++)
      {
        const char *name = g_array_index (given->entries, Entry, i).name;
        gboolean known = FALSE;
        for (const PsArgSpec *sp = specs; sp->name && !known; sp++)
          known = strcmp (sp->name, name) == 0;
        if (!known)
          {
            g_autofree char *names = spec_names (specs);
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         "unknown argument '%s' (expected one of: %s)", name, names);
            return NULL;
          }
      }

  g_autoptr (PsArgs) out = ps_args_new ();
  for (const PsArgSpec *sp = specs; sp->name; sp++)
    {
      const PsValue *v = given ? ps_args_lookup (given, sp->name) : NULL;
      PsValue resolved = { 0 };
      if (v != NULL)
        {
          if (!check_value (sp, v, &resolved, error))
            return NULL;
        }
      else if (sp->required)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "missing required argument '%s'", sp->name);
          return NULL;
        }
      else if (sp->def_none)
        resolved.type = PS_VALUE_NONE;
      else
        switch (sp->kind)
          {
          case PS_ARG_INT: resolved.type = PS_VALUE_INT; resolved.i = sp->def_int; break;
          case PS_ARG_FLOAT: resolved.type = PS_VALUE_DOUBLE; resolved.d = sp->def_double; break;
          case PS_ARG_BOOL: resolved.type = PS_VALUE_BOOL; resolved.b = sp->def_bool; break;
          case PS_ARG_STRING: resolved.type = PS_VALUE_STRING; resolved.s = g_strdup (sp->def_string); break;
          case PS_ARG_INT_OR_TUPLE:
          case PS_ARG_INT_LIST:
            if (sp->keep_int && sp->def_list == NULL)
              {
                resolved.type = PS_VALUE_INT;
                resolved.i = sp->def_int;
                break;
              }
            resolved.type = PS_VALUE_INT_LIST;
            if (sp->def_list != NULL)
              {
                resolved.n_list = sp->def_list_len;
                memcpy (resolved.list, sp->def_list, (gsize) sp->def_list_len * sizeof (int64_t));
              }
            else
              {
                int n = sp->tuple_len > 0 ? sp->tuple_len : 1;
                resolved.n_list = n;
                for (int k = 0; k < n; k++)
                  resolved.list[k] = sp->def_int;
              }
            break;
          default:
            g_assert_not_reached ();
          }
      ps_args_set_value (out, sp->name, &resolved);
      value_clear (&resolved);
    }
  return g_steal_pointer (&out);
}

const char *
ps_value_given_type_name (const PsValue *v)
{
  switch (ps_value_given_type (v))
    {
    case PS_VALUE_NONE: return "NoneType";
    case PS_VALUE_BOOL: return "bool";
    case PS_VALUE_INT: return "int";
    case PS_VALUE_DOUBLE: return "float";
    case PS_VALUE_STRING: return "str";
    case PS_VALUE_INT_LIST: return "list";
    default: return "object";
    }
}

void
ps_python_append_string (GString *s, const char *text, PsPyStyle style)
{
  const char quote = style == PS_PY_REPR ? '\'' : '"';
  g_string_append_c (s, quote);
  for (const unsigned char *p = (const unsigned char *) (text ? text : ""); *p; p++)
    {
      switch (*p)
        {
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\t': g_string_append (s, "\\t"); break;
        case '\r': g_string_append (s, "\\r"); break;
        default:
          if (*p == (unsigned char) quote)
            {
              g_string_append_c (s, '\\');
              g_string_append_c (s, quote);
            }
          else if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (s, "\\x%02x", *p);
          else
            g_string_append_c (s, (char) *p);
        }
    }
  g_string_append_c (s, quote);
}

void
ps_python_append_float (GString *s, double d, PsPyStyle style)
{
  if (isnan (d) || isinf (d))
    {
      static const char *const spelled[2][3] = {
        { "float('nan')", "float('inf')", "float('-inf')" },      /* PS_PY_REPR */
        { "float(\"nan\")", "float(\"inf\")", "-float(\"inf\")" }, /* PS_PY_SCRIPT */
      };
      g_string_append (s, spelled[style == PS_PY_SCRIPT][isnan (d) ? 0 : d > 0 ? 1 : 2]);
      return;
    }
  /* the shortest representation that round-trips, like Python's repr */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int prec = 1; prec <= 17; prec++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, sizeof buf, fmt, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (s, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (s, ".0");
}

void
ps_value_append_python (GString *s, const PsValue *v, PsPyStyle style)
{
  if (v->coerced && v->given != v->type)
    {
      /* the literal as given: a flag given 2 prints 2, a float given True prints True */
      PsValue given = *v;
      given.coerced = FALSE;
      given.type = v->given;
      ps_value_append_python (s, &given, style);
      return;
    }
  switch (v->type)
    {
    case PS_VALUE_NONE: g_string_append (s, "None"); break;
    case PS_VALUE_BOOL: g_string_append (s, v->b ? "True" : "False"); break;
    case PS_VALUE_INT: g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) v->i); break;
    case PS_VALUE_DOUBLE: ps_python_append_float (s, v->d, style); break;
    case PS_VALUE_STRING: ps_python_append_string (s, v->s, style); break;
    case PS_VALUE_INT_LIST:
      g_string_append_c (s, '(');
      for (int k = 0; k < v->n_list; k++)
        if (v->list[k] == PS_VALUE_LIST_NONE)
          g_string_append_printf (s, "%sNone", k ? ", " : "");
        else
          g_string_append_printf (s, "%s%" G_GINT64_FORMAT, k ? ", " : "", (gint64) v->list[k]);
      g_string_append (s, v->n_list == 1 ? ",)" : ")");
      break;
    default:
      g_string_append_c (s, '?');
    }
}

char *
ps_value_to_python (const PsValue *v)
{
  GString *s = g_string_new (NULL);
  ps_value_append_python (s, v, PS_PY_REPR);
  return g_string_free (s, FALSE);
}

char *
ps_value_to_str (const PsValue *v)
{
  if (ps_value_given_type (v) == PS_VALUE_STRING)
    return g_strdup (v->s != NULL ? v->s : "");
  if (v->type == PS_VALUE_DOUBLE && !(v->coerced && v->given != PS_VALUE_DOUBLE) && !isfinite (v->d))
    return g_strdup (isnan (v->d) ? "nan" : v->d > 0 ? "inf" : "-inf");
  return ps_value_to_python (v);
}

char *
ps_args_to_python (const PsArgs *args)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < args->entries->len; i++)
    {
      const Entry *e = &g_array_index (args->entries, Entry, i);
      g_autofree char *v = ps_value_to_python (&e->value);
      g_string_append_printf (s, "%s%s=%s", i ? ", " : "", e->name, v);
    }
  return g_string_free (s, FALSE);
}

gboolean
ps_check_float_scalar (double v, GError **error)
{
  if (isfinite (v) && (v < -(double) G_MAXFLOAT || v > (double) G_MAXFLOAT))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "value cannot be converted to type float without overflow");
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_value_is_int (const PsValue *v)
{
  return v != NULL && v->type == PS_VALUE_INT && !(v->coerced && v->given != PS_VALUE_INT);
}

gboolean
ps_py_empty_check (const PsValue *const *dims, int n, gboolean materialize, GError **error)
{
  const char *kw = materialize ? "dtype=torch.dtype, device=torch.device" : "dtype=NoneType, device=NoneType";
  if (n == 1)
    {
      if (dims[0] == NULL || ps_value_is_int (dims[0]))
        return TRUE;
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "empty() received an invalid combination of arguments - "
                   "got (%s, %s), but expected one of:", ps_value_given_type_name (dims[0]), kw);
      return FALSE;
    }
  if (n > 0 && dims[0] != NULL && !ps_value_is_int (dims[0]))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "empty() received an invalid combination of "
                   "arguments - got (tuple, %s), but expected one of:", kw);
      return FALSE;
    }
  for (int k = 1; k < n; k++)
    if (dims[k] != NULL && !ps_value_is_int (dims[k])
        && ps_value_given_type (dims[k]) != PS_VALUE_BOOL)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "empty(): argument 'size' must be tuple of SymInts, "
                     "but found element of type %s at pos %d", ps_value_given_type_name (dims[k]), k + 1);
        return FALSE;
      }
  return TRUE;
}

double
ps_args_get_number (const PsArgs *args, const char *name)
{
  const PsValue *v = ps_args_lookup (args, name);
  if (v == NULL)
    g_error ("ps_args: argument '%s' missing (resolve the args first)", name);
  if (v->type == PS_VALUE_DOUBLE)
    return v->d;
  if (v->type == PS_VALUE_INT)
    return (double) v->i;
  if (v->type == PS_VALUE_BOOL)
    return v->b ? 1.0 : 0.0;
  return NAN;
}

gboolean
ps_value_fits_aten (const PsValue *v, const char *aten_type)
{
  const PsValueType t = ps_value_given_type (v);
  if (strcmp (aten_type, "int") == 0)
    return t == PS_VALUE_INT;
  if (strcmp (aten_type, "str") == 0)
    return t == PS_VALUE_STRING;
  /* float, Number: Python's int and bool are numbers */
  return t == PS_VALUE_INT || t == PS_VALUE_DOUBLE || t == PS_VALUE_BOOL;
}

int64_t
ps_value_size (const PsValue *v)
{
  if (v->type == PS_VALUE_BOOL)
    return v->b ? 1 : 0;
  return v->type == PS_VALUE_INT ? v->i : 0;
}

gboolean
ps_value_is_bool (const PsValue *v, gboolean b)
{
  return v != NULL && v->type == PS_VALUE_BOOL && !(v->coerced && v->given != PS_VALUE_BOOL) && !v->b == !b;
}

PsValueType
ps_value_given_type (const PsValue *v)
{
  return v->coerced ? v->given : v->type;
}

gboolean
ps_value_is_number (const PsValue *v)
{
  const PsValueType t = ps_value_given_type (v);
  return t == PS_VALUE_INT || t == PS_VALUE_BOOL || t == PS_VALUE_DOUBLE;
}

double
ps_value_number (const PsValue *v)
{
  switch (ps_value_given_type (v))
    {
    case PS_VALUE_BOOL: return v->b ? 1.0 : 0.0;
    case PS_VALUE_INT: return (double) v->i;
    case PS_VALUE_DOUBLE: return v->d;
    default: return NAN;
    }
}
