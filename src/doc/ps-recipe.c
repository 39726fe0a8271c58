/* ps-recipe.c — recipe JSON: load with structural validation, save atomically. The format is
 * documented in docs/recipe-format.md; see ps-recipe.h. Semantic checks that need the document
 * state (dangling ids, cycles, shapes) live in ps-op.c. */
#include "ps-recipe.h"
#include "ps-train-ops.h"
#include "ps-module.h"
#include "ps-init.h"
#include "ps-atomic-file.h"
#include "ps-json-check.h"

#include <math.h>
#include <string.h>

/* ---------- field tables ---------- */

typedef enum {
  F_STRING,
  F_INT,
  F_BOOL,
  F_OBJECT,
  F_ANY,       /* checked by the op's own validator */
} FieldType;

typedef struct {
  const char *name;
  FieldType type;
  gboolean required;
} FieldSpec;

typedef gboolean (*OpValidator) (JsonObject *op, guint index, GError **error);

typedef struct {
  const char *kind;
  const FieldSpec *fields;     /* besides "op" and "description"; { NULL } terminated */
  OpValidator validate;        /* further checks after the field table; may be NULL */
} OpSpec;

static gboolean validate_module (JsonObject *op, guint index, GError **error);
static gboolean validate_init (JsonObject *op, guint index, GError **error);
static gboolean validate_init_modules (JsonObject *op, guint index, GError **error);
static gboolean validate_forward (JsonObject *op, guint index, GError **error);
static gboolean validate_attach (JsonObject *op, guint index, GError **error);
static gboolean validate_load (JsonObject *op, guint index, GError **error);
static gboolean validate_rename (JsonObject *op, guint index, GError **error);

static const FieldSpec module_fields[] = {
  { "id", F_STRING, TRUE }, { "type", F_STRING, TRUE }, { "args", F_OBJECT, FALSE },
  { "children", F_ANY, FALSE }, { "class", F_STRING, FALSE }, { NULL } };
static const FieldSpec attach_fields[] = {
  { "parent", F_STRING, TRUE }, { "name", F_STRING, TRUE }, { "child", F_STRING, TRUE },
  { "index", F_INT, FALSE }, { NULL } };
static const FieldSpec detach_fields[] = {
  { "parent", F_STRING, TRUE }, { "name", F_STRING, TRUE }, { NULL } };
static const FieldSpec rename_fields[] = {
  { "parent", F_STRING, TRUE }, { "name", F_STRING, TRUE }, { "new_name", F_STRING, TRUE }, { NULL } };
static const FieldSpec move_fields[] = {
  { "parent", F_STRING, TRUE }, { "name", F_STRING, TRUE }, { "index", F_INT, TRUE }, { NULL } };
static const FieldSpec init_fields[] = {
  { "target", F_STRING, TRUE }, { "fn", F_STRING, TRUE }, { "args", F_OBJECT, FALSE }, { NULL } };
static const FieldSpec init_modules_fields[] = {
  { "target", F_STRING, TRUE }, { "match", F_STRING, TRUE }, { "weight", F_OBJECT, FALSE },
  { "bias", F_OBJECT, FALSE }, { NULL } };
static const FieldSpec target_fields[] = { { "target", F_STRING, TRUE }, { NULL } };
static const FieldSpec seed_fields[] = { { "seed", F_INT, TRUE }, { NULL } };
static const FieldSpec mode_fields[] = {
  { "target", F_STRING, TRUE }, { "train", F_BOOL, TRUE }, { NULL } };
static const FieldSpec forward_fields[] = {
  { "target", F_STRING, TRUE }, { "input", F_OBJECT, TRUE }, { "name", F_STRING, FALSE }, { "loss", F_OBJECT, FALSE },
  { NULL } };
static const FieldSpec load_fields[] = {
  { "target", F_STRING, TRUE }, { "file", F_STRING, TRUE }, { "sha256", F_STRING, FALSE },
  { "strict", F_BOOL, FALSE }, { NULL } };

static const OpSpec op_specs[] = {
  { "module", module_fields, validate_module },
  { "attach", attach_fields, validate_attach },
  { "detach", detach_fields, validate_attach },
  { "rename", rename_fields, validate_rename },
  { "move", move_fields, validate_attach },
  { "init", init_fields, validate_init },
  { "init_modules", init_modules_fields, validate_init_modules },
  { "reset_parameters", target_fields, NULL },
  { "manual_seed", seed_fields, NULL },
  { "mode", mode_fields, NULL },
  { "forward", forward_fields, validate_forward },
  { "load", load_fields, validate_load },
  { NULL }
};

const char *const *
ps_recipe_op_kinds (void)
{
  static const char *const kinds[] = {
    "module", "attach", "detach", "rename", "move", "init", "init_modules", "reset_parameters", "manual_seed",
    "mode", "forward", "load", "dataset", "optimizer", "scheduler", "backward", "step", "zero_grad",
    "scheduler_step", "train", NULL
  };
  return kinds;
}

static const OpSpec *
op_spec_lookup (const char *kind)
{
  for (const OpSpec *s = op_specs; s->kind; s++)
    if (strcmp (s->kind, kind) == 0)
      return s;
  return NULL;
}

const char *
ps_recipe_op_kind (JsonObject *op)
{
  JsonNode *n = json_object_get_member (op, "op");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* ---------- errors ---------- */

static void G_GNUC_PRINTF (5, 6)
op_error (GError **error, guint index, const char *kind, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (field != NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "op %u (%s): field '%s': %s", index,
                 kind ? kind : "?", field, msg);
  else
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "op %u (%s): %s", index, kind ? kind : "?", msg);
}

static const char *
node_type_name (JsonNode *n)
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

static gboolean
node_is (JsonNode *n, GType t)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == t;
}

static gboolean
check_field_type (JsonNode *n, FieldType type, const char **expected)
{
  switch (type)
    {
    case F_STRING: *expected = "a string"; return node_is (n, G_TYPE_STRING);
    case F_INT: *expected = "an integer"; return node_is (n, G_TYPE_INT64);
    case F_BOOL: *expected = "a boolean"; return node_is (n, G_TYPE_BOOLEAN);
    case F_OBJECT: *expected = "an object"; return JSON_NODE_HOLDS_OBJECT (n);
    case F_ANY: *expected = "anything"; return TRUE;
    }
  return FALSE;
}

/* Ids and child names become path components ("m.linear1.weight"). */
static gboolean
valid_name (const char *s)
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
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected an object, got %s", node_type_name (node));
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
      else if (node_is (v, G_TYPE_BOOLEAN))
        ps_args_set_bool (args, name, json_node_get_boolean (v));
      else if (node_is (v, G_TYPE_INT64))
        ps_args_set_int (args, name, json_node_get_int (v));
      else if (node_is (v, G_TYPE_DOUBLE))
        ps_args_set_double (args, name, json_node_get_double (v));
      else if (node_is (v, G_TYPE_STRING))
        ps_args_set_string (args, name, json_node_get_string (v));
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
              if (!node_is (e, G_TYPE_INT64))
                {
                  g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                               "argument '%s': element %u must be an integer, not %s", name, i,
                               node_type_name (e));
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
                       "argument '%s': %s is not a supported argument value", name, node_type_name (v));
          return NULL;
        }
    }
  return g_steal_pointer (&args);
}

/* ---------- per-op validators ---------- */

static gboolean
validate_module (JsonObject *op, guint index, GError **error)
{
  const char *id = json_object_get_string_member (op, "id");
  const char *type = json_object_get_string_member (op, "type");
  if (!valid_name (id))
    {
      op_error (error, index, "module", "id", "'%s' is not a valid id (non-empty, no '.')", id);
      return FALSE;
    }
  const PsModuleClass *klass = ps_module_class_lookup (type);
  if (klass == NULL)
    {
      op_error (error, index, "module", "type", "unknown module type '%s'", type);
      return FALSE;
    }
  JsonNode *children = json_object_get_member (op, "children");
  if (klass->is_container)
    {
      if (json_object_has_member (op, "args"))
        {
          op_error (error, index, "module", "args", "a %s takes no args; give its modules in 'children'",
                    type);
          return FALSE;
        }
      if (children == NULL)
        return TRUE;   /* an empty container */
      if (JSON_NODE_HOLDS_ARRAY (children))
        {
          JsonArray *a = json_node_get_array (children);
          for (guint i = 0; i < json_array_get_length (a); i++)
            {
              JsonNode *e = json_array_get_element (a, i);
              if (!node_is (e, G_TYPE_STRING) || !valid_name (json_node_get_string (e)))
                {
                  op_error (error, index, "module", "children", "element %u must be a module id", i);
                  return FALSE;
                }
            }
          return TRUE;
        }
      if (JSON_NODE_HOLDS_OBJECT (children))
        {
          JsonObject *o = json_node_get_object (children);
          g_autoptr (GList) names = json_object_get_members (o);
          for (GList *l = names; l; l = l->next)
            {
              JsonNode *e = json_object_get_member (o, l->data);
              if (!valid_name (l->data))
                {
                  op_error (error, index, "module", "children",
                            "'%s' is not a valid child name (non-empty, no '.')", (char *) l->data);
                  return FALSE;
                }
              if (!node_is (e, G_TYPE_STRING) || !valid_name (json_node_get_string (e)))
                {
                  op_error (error, index, "module", "children", "'%s' must name a module id",
                            (char *) l->data);
                  return FALSE;
                }
            }
          return TRUE;
        }
      op_error (error, index, "module", "children",
                "expected an array of module ids or an object {name: id}, got %s",
                node_type_name (children));
      return FALSE;
    }

  if (children != NULL)
    {
      op_error (error, index, "module", "children", "%s is not a container", type);
      return FALSE;
    }
  if (json_object_has_member (op, "class"))
    {
      op_error (error, index, "module", "class", "only containers take a display class");
      return FALSE;
    }
  g_autoptr (PsArgs) given = ps_recipe_args_from_json (json_object_get_member (op, "args"), error);
  if (given == NULL)
    {
      g_prefix_error (error, "op %u (module): field 'args': ", index);
      return FALSE;
    }
  g_autoptr (PsArgs) resolved = ps_args_resolve (klass->args, given, error);
  if (resolved == NULL)
    {
      g_prefix_error (error, "op %u (module): field 'args': %s: ", index, type);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_attach (JsonObject *op, guint index, GError **error)
{
  const char *kind = ps_recipe_op_kind (op);
  if (!valid_name (json_object_get_string_member (op, "name")))
    {
      op_error (error, index, kind, "name", "'%s' is not a valid child name (non-empty, no '.')",
                json_object_get_string_member (op, "name"));
      return FALSE;
    }
  /* "index" (attach, move): a position among the parent's children; the upper bound needs the
   * document state and is checked on replay */
  JsonNode *index_node = json_object_get_member (op, "index");
  if (index_node != NULL && (json_node_get_int (index_node) < 0 || json_node_get_int (index_node) > G_MAXINT32))
    {
      op_error (error, index, kind, "index", "%" G_GINT64_FORMAT " is out of range (expected 0 or more)",
                json_node_get_int (index_node));
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_rename (JsonObject *op, guint index, GError **error)
{
  if (!validate_attach (op, index, error))
    return FALSE;
  if (!valid_name (json_object_get_string_member (op, "new_name")))
    {
      op_error (error, index, "rename", "new_name", "'%s' is not a valid child name (non-empty, no '.')",
                json_object_get_string_member (op, "new_name"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_init_call (JsonObject *op, guint index, const char *kind, const char *field,
                    const char *fn, JsonNode *args_node, GError **error)
{
  const char *const *names = ps_init_function_names ();
  gboolean known = FALSE;
  for (guint i = 0; names[i] && !known; i++)
    known = strcmp (names[i], fn) == 0;
  if (!known)
    {
      op_error (error, index, kind, field, "unknown init function '%s'", fn);
      return FALSE;
    }
  g_autoptr (PsArgs) given = ps_recipe_args_from_json (args_node, error);
  if (given == NULL)
    {
      g_prefix_error (error, "op %u (%s): field '%s': ", index, kind, field);
      return FALSE;
    }
  g_autoptr (PsArgs) resolved = ps_args_resolve (ps_init_function_args (fn), given, error);
  if (resolved == NULL)
    {
      g_prefix_error (error, "op %u (%s): field '%s': %s: ", index, kind, field, fn);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_init (JsonObject *op, guint index, GError **error)
{
  return validate_init_call (op, index, "init", "fn", json_object_get_string_member (op, "fn"),
                             json_object_get_member (op, "args"), error);
}

static gboolean
validate_init_modules (JsonObject *op, guint index, GError **error)
{
  const char *match = json_object_get_string_member (op, "match");
  /* a torch.nn class (isinstance, so subclasses match too) or a user class name */
  if (!g_regex_match_simple ("^[A-Za-z_][A-Za-z0-9_]*$", match, 0, 0))
    {
      op_error (error, index, "init_modules", "match", "'%s' is not a class name", match);
      return FALSE;
    }
  const char *slots[] = { "weight", "bias" };
  gboolean any = FALSE;
  for (guint s = 0; s < G_N_ELEMENTS (slots); s++)
    {
      JsonNode *n = json_object_get_member (op, slots[s]);
      if (n == NULL)
        continue;
      any = TRUE;
      JsonObject *o = json_node_get_object (n);
      g_autoptr (GList) names = json_object_get_members (o);
      for (GList *l = names; l; l = l->next)
        if (strcmp (l->data, "fn") != 0 && strcmp (l->data, "args") != 0)
          {
            op_error (error, index, "init_modules", slots[s], "unknown field '%s' (expected fn, args)",
                      (char *) l->data);
            return FALSE;
          }
      JsonNode *fn = json_object_get_member (o, "fn");
      if (fn == NULL || !node_is (fn, G_TYPE_STRING))
        {
          op_error (error, index, "init_modules", slots[s], "'fn' must be a string naming an init function");
          return FALSE;
        }
      JsonNode *args = json_object_get_member (o, "args");
      if (args != NULL && !JSON_NODE_HOLDS_OBJECT (args))
        {
          op_error (error, index, "init_modules", slots[s], "'args' must be an object, not %s",
                    node_type_name (args));
          return FALSE;
        }
      if (!validate_init_call (op, index, "init_modules", slots[s], json_node_get_string (fn), args, error))
        return FALSE;
    }
  if (!any)
    {
      op_error (error, index, "init_modules", NULL, "give at least one of 'weight' and 'bias'");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_forward (JsonObject *op, guint index, GError **error)
{
  PsInputSpec spec;
  if (!ps_recipe_parse_input (json_object_get_member (op, "input"), &spec, error))
    {
      g_prefix_error (error, "op %u (forward): field 'input': ", index);
      return FALSE;
    }
  ps_input_spec_clear (&spec);
  if (json_object_has_member (op, "name") && *json_object_get_string_member (op, "name") == '\0')
    {
      op_error (error, index, "forward", "name", "must not be empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_load (JsonObject *op, guint index, GError **error)
{
  JsonNode *n = json_object_get_member (op, "sha256");
  if (n != NULL)
    {
      const char *h = json_node_get_string (n);
      gboolean ok = strlen (h) == 64;
      for (const char *c = h; ok && *c; c++)
        ok = g_ascii_isxdigit (*c);
      if (!ok)
        {
          op_error (error, index, "load", "sha256", "expected 64 hexadecimal digits");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ps_recipe_validate_op (JsonObject *op, guint index, GError **error)
{
  g_return_val_if_fail (op != NULL, FALSE);
  JsonNode *kn = json_object_get_member (op, "op");
  if (kn == NULL)
    {
      op_error (error, index, "?", "op", "missing");
      return FALSE;
    }
  if (!node_is (kn, G_TYPE_STRING))
    {
      op_error (error, index, "?", "op", "expected a string, got %s", node_type_name (kn));
      return FALSE;
    }
  const char *kind = json_node_get_string (kn);
  if (ps_train_ops_is_kind (kind))
    return ps_train_ops_validate (op, kind, index, error);
  const OpSpec *spec = op_spec_lookup (kind);
  if (spec == NULL)
    {
      g_autofree char *kinds = g_strjoinv (", ", (char **) ps_recipe_op_kinds ());
      op_error (error, index, kind, "op", "unknown op '%s' (expected one of: %s)", kind, kinds);
      return FALSE;
    }

  /* every member known (or an "x-" extension) and well typed */
  g_autoptr (GList) members = json_object_get_members (op);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *n = json_object_get_member (op, name);
      if (strcmp (name, "op") == 0 || g_str_has_prefix (name, "x-"))
        continue;
      if (strcmp (name, "description") == 0)
        {
          if (!node_is (n, G_TYPE_STRING))
            {
              op_error (error, index, kind, name, "expected a string, got %s", node_type_name (n));
              return FALSE;
            }
          continue;
        }
      const FieldSpec *f = spec->fields;
      while (f->name && strcmp (f->name, name) != 0)
        f++;
      if (f->name == NULL)
        {
          GString *names = g_string_new (NULL);
          for (const FieldSpec *g = spec->fields; g->name; g++)
            g_string_append_printf (names, "%s, ", g->name);
          g_string_append (names, "description");
          op_error (error, index, kind, name, "unknown field (expected one of: %s)", names->str);
          g_string_free (names, TRUE);
          return FALSE;
        }
      const char *expected = "";
      if (!check_field_type (n, f->type, &expected))
        {
          op_error (error, index, kind, name, "expected %s, got %s", expected, node_type_name (n));
          return FALSE;
        }
    }
  for (const FieldSpec *f = spec->fields; f->name; f++)
    if (f->required && !json_object_has_member (op, f->name))
      {
        op_error (error, index, kind, f->name, "missing");
        return FALSE;
      }
  return spec->validate == NULL || spec->validate (op, index, error);
}

/* ---------- forward inputs ---------- */

void
ps_input_spec_clear (PsInputSpec *spec)
{
  g_clear_pointer (&spec->values, g_array_unref);
}

static gboolean
parse_shape (JsonNode *n, PsInputSpec *spec, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "a shape must be an array of integers, got %s",
                   node_type_name (n));
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
      if (!node_is (e, G_TYPE_INT64) || json_node_get_int (e) < 0)
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
  if (node_is (n, G_TYPE_INT64))
    {
      /* kept exactly too: int64 values beyond 2^53 do not survive a double */
      int64_t v = json_node_get_int (n);
      double d = (double) v;
      g_array_append_val (spec->values, d);
      g_array_append_val (ints, v);
      return TRUE;
    }
  if (node_is (n, G_TYPE_DOUBLE))
    {
      double d = json_node_get_double (n);
      *all_int = FALSE;
      g_array_append_val (spec->values, d);
      g_array_append_val (ints, (int64_t) { 0 });
      return TRUE;
    }
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "'value' elements must be numbers, got %s",
               node_type_name (n));
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
        if ((low != NULL && !node_is (low, G_TYPE_INT64)) || high == NULL || !node_is (high, G_TYPE_INT64))
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
        if (dt != NULL)
          {
            const char *s = node_is (dt, G_TYPE_STRING) ? json_node_get_string (dt) : "";
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
  r->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
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

/* A deep copy keeps a copied recipe independent of later edits of the original (json_node_copy
 * only refs an object or array). Node by node, never through text: a number beyond double range
 * (1e400 reads as inf) has no JSON text, so a text round trip could not re-read it. */
static JsonNode *node_copy (JsonNode *n);

static JsonObject *
object_copy (JsonObject *o)
{
  JsonObject *c = json_object_new ();
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (c, l->data, node_copy (json_object_get_member (o, l->data)));
  return c;
}

static JsonNode *
node_copy (JsonNode *n)
{
  if (JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonNode *c = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (c, object_copy (json_node_get_object (n)));
      return c;
    }
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      guint len = json_array_get_length (a);
      JsonArray *ca = json_array_sized_new (len);
      for (guint i = 0; i < len; i++)
        json_array_add_element (ca, node_copy (json_array_get_element (a, i)));
      JsonNode *c = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (c, ca);
      return c;
    }
  return json_node_copy (n);   /* values and null are copied by value */
}

PsRecipe *
ps_recipe_copy (const PsRecipe *recipe)
{
  PsRecipe *r = ps_recipe_new (recipe->seed);
  r->root = g_strdup (recipe->root);
  r->description = g_strdup (recipe->description);
  r->flavour = recipe->flavour;
  if (recipe->extra != NULL)
    r->extra = object_copy (recipe->extra);
  for (guint i = 0; i < recipe->ops->len; i++)
    g_ptr_array_add (r->ops, object_copy (g_ptr_array_index (recipe->ops, i)));
  return r;
}

gboolean
ps_recipe_append_op (PsRecipe *recipe, JsonObject *op, GError **error)
{
  if (!ps_recipe_validate_op (op, recipe->ops->len + 1, error))
    return FALSE;
  g_ptr_array_add (recipe->ops, json_object_ref (op));
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

/* Deep enough for any recipe (a "value" nests at most PS_MAX_DIMS lists) and for "x-" extensions. */
#define PS_RECIPE_MAX_DEPTH 128

PsRecipe *
ps_recipe_load_from_data (const char *data, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  /* json-glib recurses per nesting level (a deeply nested recipe overflowed the stack) and keeps
   * the last of duplicate keys silently: reject both, and invalid UTF-8, before it parses. */
  if (!ps_json_check_strict (data, length < 0 ? strlen (data) : (gsize) length, PS_RECIPE_MAX_DEPTH, &local))
    {
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
          json_object_set_member (r->extra, name, json_node_copy (json_object_get_member (o, name)));
        }
    }

  JsonNode *n = json_object_get_member (o, "format");
  if (n == NULL || !node_is (n, G_TYPE_STRING) || strcmp (json_node_get_string (n), PS_RECIPE_FORMAT) != 0)
    {
      top_error (error, "format", "expected \"%s\"", PS_RECIPE_FORMAT);
      return NULL;
    }
  n = json_object_get_member (o, "version");
  if (n == NULL || !node_is (n, G_TYPE_INT64))
    {
      top_error (error, "version", "expected an integer");
      return NULL;
    }
  if (json_node_get_int (n) < 1 || json_node_get_int (n) > PS_RECIPE_VERSION)
    {
      top_error (error, "version", "version %" G_GINT64_FORMAT " is not supported (this build reads up to %d)",
                 json_node_get_int (n), PS_RECIPE_VERSION);
      return NULL;
    }
  n = json_object_get_member (o, "seed");
  if (n == NULL || !node_is (n, G_TYPE_INT64))
    {
      top_error (error, "seed", n == NULL ? "missing" : "expected an integer");
      return NULL;
    }
  r->seed = json_node_get_int (n);
  n = json_object_get_member (o, "root");
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!node_is (n, G_TYPE_STRING) || !valid_name (json_node_get_string (n)))
        {
          top_error (error, "root", "expected a module id");
          return NULL;
        }
      r->root = g_strdup (json_node_get_string (n));
    }
  n = json_object_get_member (o, "flavour");
  if (n != NULL)
    {
      if (!node_is (n, G_TYPE_STRING))
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
      if (!node_is (n, G_TYPE_STRING))
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
                       node_type_name (e));
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
          JsonObject *op = g_ptr_array_index (r->ops, i);
          found = strcmp (ps_recipe_op_kind (op), "module") == 0
                  && strcmp (json_object_get_string_member (op, "id"), r->root) == 0;
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
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s", local->message);
      return NULL;
    }
  /* no file-name prefix: errors read "op N (KIND): …" wherever they are shown */
  return ps_recipe_load_from_data (data, (gssize) len, error);
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
      JsonNode *n = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (n, g_ptr_array_index (recipe->ops, i));
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
  for (guint i = 0; i < recipe->ops->len; i++)
    {
      JsonObject *op = g_ptr_array_index (recipe->ops, i);
      const char *kind = ps_recipe_op_kind (op);
      if (kind != NULL && (ps_train_ops_is_kind (kind)
                           || (strcmp (kind, "forward") == 0 && json_object_has_member (op, "loss"))))
        return 3;
    }
  for (guint i = 0; i < recipe->ops->len; i++)
    {
      JsonObject *op = g_ptr_array_index (recipe->ops, i);
      const char *kind = ps_recipe_op_kind (op);
      if (kind != NULL && (strcmp (kind, "rename") == 0 || strcmp (kind, "move") == 0
                           || (strcmp (kind, "attach") == 0 && json_object_has_member (op, "index"))))
        return 2;
    }
  return 1;
}
