/* ps-op.c — see ps-op.h. The op table (ps_op_kinds, at the end of this file, and the training
 * kinds' ps_train_op_kinds in ps-train-ops.c) holds one entry per op kind; everything else here is generic: parsing JSON into a typed PsOp by the kind's field
 * table, writing it back, copying, and ps_op_apply_full, which clones the state, applies, prefixes
 * errors and stamps the steps. */
#include "ps-op-private.h"
#include "ps-ops.h"
#include "ps-train-ops.h"
#include "ps-init.h"
#include "ps-checkpoint.h"
#include "ps-safetensors.h"
#include "ps-call-kwargs.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

static const char *const *ps_op_kind_names (void);

/* ---------- errors ---------- */

void
ps_op_parse_error (GError **error, guint index, const char *kind, const char *field, const char *fmt, ...)
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

/* Errors inside apply functions are set without the "op N (kind): " prefix; apply_full adds it. */
static void G_GNUC_PRINTF (3, 4)
field_error (GError **error, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "field '%s': %s", field, msg);
}

/* ---------- JSON values kept as they are ("x-" members) ---------- */

/* A copy that shares no node, object, array or value with `n` (json_node_copy shares objects and
 * arrays by reference, and their reference counts are not atomic). */
JsonNode *
ps_json_deep_copy (JsonNode *n)
{
  JsonNode *c;
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (n), *co = json_object_new ();
        g_autoptr (GList) names = json_object_get_members (o);
        for (GList *l = names; l; l = l->next)
          json_object_set_member (co, l->data, ps_json_deep_copy (json_object_get_member (o, l->data)));
        c = json_node_init_object (json_node_alloc (), co);
        json_object_unref (co);
        return c;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (n), *ca = json_array_new ();
        for (guint i = 0; i < json_array_get_length (a); i++)
          json_array_add_element (ca, ps_json_deep_copy (json_array_get_element (a, i)));
        c = json_node_init_array (json_node_alloc (), ca);
        json_array_unref (ca);
        return c;
      }
    case JSON_NODE_NULL:
      return json_node_init_null (json_node_alloc ());
    case JSON_NODE_VALUE:
      break;
    }
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return json_node_init_int (json_node_alloc (), json_node_get_int (n));
  if (t == G_TYPE_DOUBLE)
    return json_node_init_double (json_node_alloc (), json_node_get_double (n));
  if (t == G_TYPE_BOOLEAN)
    return json_node_init_boolean (json_node_alloc (), json_node_get_boolean (n));
  return json_node_init_string (json_node_alloc (), json_node_get_string (n));
}

JsonObject *
ps_json_object_deep_copy (JsonObject *o)
{
  JsonNode *n = json_node_init_object (json_node_alloc (), o);
  JsonNode *c = ps_json_deep_copy (n);
  JsonObject *r = json_object_ref (json_node_get_object (c));
  json_node_unref (c);
  json_node_unref (n);
  return r;
}

gboolean
ps_json_number (JsonNode *n, double *v)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
    {
      *v = json_node_get_double (n);
      return TRUE;
    }
  if (t != G_TYPE_STRING)
    return FALSE;
  const char *s = json_node_get_string (n);
  if (strcmp (s, "nan") == 0)
    *v = NAN;
  else if (strcmp (s, "inf") == 0)
    *v = INFINITY;
  else if (strcmp (s, "-inf") == 0)
    *v = -INFINITY;
  else
    return FALSE;
  return TRUE;
}

/* ---------- keyword arguments ---------- */

static JsonNode *
args_to_json (const PsArgs *args)
{
  JsonObject *o = json_object_new ();
  for (guint i = 0; i < ps_args_len (args); i++)
    {
      const PsValue *v = ps_args_value (args, i);
      JsonNode *n = json_node_alloc ();
      switch (v->type)
        {
        case PS_VALUE_NONE: json_node_init_null (n); break;
        case PS_VALUE_BOOL: json_node_init_boolean (n, v->b); break;
        case PS_VALUE_INT: json_node_init_int (n, v->i); break;
        case PS_VALUE_DOUBLE:
          /* NaN has no JSON number: the string "nan" (ps_json_get_float) */
          if (isnan (v->d))
            json_node_init_string (n, "nan");
          else
            json_node_init_double (n, v->d);
          break;
        case PS_VALUE_STRING: json_node_init_string (n, v->s); break;
        case PS_VALUE_INT_LIST:
          {
            JsonArray *a = json_array_new ();
            for (int k = 0; k < v->n_list; k++)
              if (v->list[k] == PS_VALUE_LIST_NONE)
                json_array_add_null_element (a);
              else
                json_array_add_int_element (a, v->list[k]);
            json_node_init_array (n, a);
            json_array_unref (a);
            break;
          }
        }
      json_object_set_member (o, ps_args_name (args, i), n);
    }
  JsonNode *n = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  return n;
}

/* Resolves `given` against the spec table only to check it (names, types, required ones). */
static gboolean
check_args (const PsArgSpec *specs, const PsArgs *given, GError **error)
{
  g_autoptr (PsArgs) empty = given ? NULL : ps_args_new ();
  g_autoptr (PsArgs) resolved = ps_args_resolve (specs, given ? given : empty, error);
  return resolved != NULL;
}

/* ---------- the generic parser, writer, copier ---------- */

#define FIELD_SLOT(op, f) ((gpointer) ((char *) (op) + (f)->offset))

static const PsOpKind *kind_lookup (const char *name);

gboolean
ps_op_has_field (const PsOp *op, const char *field)
{
  for (guint i = 0; op->kind->fields[i].name; i++)
    if (strcmp (op->kind->fields[i].name, field) == 0)
      return (op->present >> i) & 1;
  return FALSE;
}

static void
field_clear (const PsOpField *f, gpointer slot)
{
  switch (f->type)
    {
    case PS_FIELD_STRING:
    case PS_FIELD_NAME:
    case PS_FIELD_NONEMPTY_STRING:
      g_clear_pointer ((char **) slot, g_free);
      break;
    case PS_FIELD_ARGS:
      g_clear_pointer ((PsArgs **) slot, ps_args_free);
      break;
    case PS_FIELD_OBJECT:
      g_clear_pointer ((JsonObject **) slot, json_object_unref);
      break;
    case PS_FIELD_CUSTOM:
      f->clear (slot);
      break;
    case PS_FIELD_INT:
    case PS_FIELD_SEED:
    case PS_FIELD_BOOL:
    case PS_FIELD_NUMBER:
      break;
    }
}

static void
op_free (PsOp *op)
{
  for (const PsOpField *f = op->kind->fields; f->name; f++)
    field_clear (f, FIELD_SLOT (op, f));
  g_free (op->description);
  g_clear_pointer (&op->extra, json_object_unref);
  g_free (op);
}

PsOp *
ps_op_ref (PsOp *op)
{
  g_atomic_int_inc (&op->ref_count);
  return op;
}

void
ps_op_unref (PsOp *op)
{
  if (op != NULL && g_atomic_int_dec_and_test (&op->ref_count))
    op_free (op);
}

static gboolean
parse_field (PsOp *op, const PsOpField *f, JsonNode *n, guint index, GError **error)
{
  const char *kind = op->kind->name;
  gpointer slot = FIELD_SLOT (op, f);
  switch (f->type)
    {
    case PS_FIELD_STRING:
      *(char **) slot = g_strdup (json_node_get_string (n));
      return TRUE;
    case PS_FIELD_NAME:
      if (!ps_recipe_valid_name (json_node_get_string (n)))
        {
          ps_op_parse_error (error, index, kind, f->name, "'%s' is not a valid child name (non-empty, no '.')",
                             json_node_get_string (n));
          return FALSE;
        }
      *(char **) slot = g_strdup (json_node_get_string (n));
      return TRUE;
    case PS_FIELD_NONEMPTY_STRING:
      if (json_node_get_string (n)[0] == '\0')
        {
          ps_op_parse_error (error, index, kind, f->name, "must not be empty");
          return FALSE;
        }
      *(char **) slot = g_strdup (json_node_get_string (n));
      return TRUE;
    case PS_FIELD_INT:
      *(gint64 *) slot = json_node_get_int (n);
      return TRUE;
    case PS_FIELD_SEED:
      {
        g_autofree char *why = NULL;
        if (!ps_recipe_seed_from_json (n, (gint64 *) slot, &why))
          {
            ps_op_parse_error (error, index, kind, f->name, "%s", why);
            return FALSE;
          }
        return TRUE;
      }
    case PS_FIELD_BOOL:
      *(gboolean *) slot = json_node_get_boolean (n);
      return TRUE;
    case PS_FIELD_ARGS:
      *(PsArgs **) slot = ps_recipe_args_from_json (n, error);
      if (*(PsArgs **) slot == NULL)
        {
          g_prefix_error (error, "op %u (%s): field '%s': ", index, kind, f->name);
          return FALSE;
        }
      return TRUE;
    case PS_FIELD_NUMBER:
      {
        PsOpNumber *v = slot;
        if (!ps_json_number (n, &v->value))
          {
            ps_op_parse_error (error, index, kind, f->name, "expected a number, got '%s' (the strings a number "
                               "may be are \"nan\", \"inf\" and \"-inf\")", json_node_get_string (n));
            return FALSE;
          }
        v->integer = ps_json_is (n, G_TYPE_INT64);
        /* the value travels as a double: an integer must survive the trip (|i| ≤ 2^53 always does) */
        if (v->integer && (v->value >= 9223372036854775808.0 || (gint64) v->value != json_node_get_int (n)))
          {
            ps_op_parse_error (error, index, kind, f->name, "integer %" G_GINT64_FORMAT " has no exact float "
                               "value (write it as a float)", json_node_get_int (n));
            return FALSE;
          }
        return TRUE;
      }
    case PS_FIELD_OBJECT:
      *(JsonObject **) slot = ps_json_object_deep_copy (json_node_get_object (n));   /* shares nothing */
      return TRUE;
    case PS_FIELD_CUSTOM:
      return f->parse (op, slot, n, index, error);
    }
  return FALSE;
}

/* The JSON type a field needs before it is parsed (custom fields check their own). */
static gboolean
field_type_ok (const PsOpField *f, JsonNode *n, const char **expected)
{
  switch (f->type)
    {
    case PS_FIELD_STRING:
    case PS_FIELD_NAME:
    case PS_FIELD_NONEMPTY_STRING: *expected = "a string"; return ps_json_is (n, G_TYPE_STRING);
    case PS_FIELD_INT: *expected = "an integer"; return ps_json_is (n, G_TYPE_INT64);
    case PS_FIELD_SEED: *expected = "an integer"; return TRUE;   /* ps_recipe_seed_from_json says why not */
    case PS_FIELD_BOOL: *expected = "a boolean"; return ps_json_is (n, G_TYPE_BOOLEAN);
    case PS_FIELD_ARGS:
    case PS_FIELD_OBJECT: *expected = "an object"; return JSON_NODE_HOLDS_OBJECT (n);
    case PS_FIELD_NUMBER:
      *expected = "a number";
      return ps_json_is (n, G_TYPE_INT64) || ps_json_is (n, G_TYPE_DOUBLE) || ps_json_is (n, G_TYPE_STRING);
    case PS_FIELD_CUSTOM: *expected = "anything"; return TRUE;
    }
  return FALSE;
}

PsOp *
ps_op_new_from_json (JsonObject *json, guint index, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  JsonNode *kn = json_object_get_member (json, "op");
  if (kn == NULL)
    {
      ps_op_parse_error (error, index, "?", "op", "missing");
      return NULL;
    }
  if (!ps_json_is (kn, G_TYPE_STRING))
    {
      ps_op_parse_error (error, index, "?", "op", "expected a string, got %s", ps_json_type_name (kn));
      return NULL;
    }
  const char *kname = json_node_get_string (kn);
  const PsOpKind *kind = kind_lookup (kname);
  if (kind == NULL)
    {
      g_autofree char *kinds = g_strjoinv (", ", (char **) ps_op_kind_names ());
      ps_op_parse_error (error, index, kname, "op", "unknown op '%s' (expected one of: %s)", kname, kinds);
      return NULL;
    }

  g_autoptr (PsOp) op = g_new0 (PsOp, 1);
  op->ref_count = 1;
  op->kind = kind;
  JsonNode *given[64] = { NULL };
  /* every member known (or an "x-" extension) and well typed */
  g_autoptr (GList) members = json_object_get_members (json);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *n = json_object_get_member (json, name);
      if (strcmp (name, "op") == 0)
        continue;
      if (g_str_has_prefix (name, "x-"))
        {
          if (op->extra == NULL)
            op->extra = json_object_new ();
          json_object_set_member (op->extra, name, ps_json_deep_copy (n));
          continue;
        }
      if (strcmp (name, "description") == 0)
        {
          if (!ps_json_is (n, G_TYPE_STRING))
            {
              ps_op_parse_error (error, index, kind->name, name, "expected a string, got %s", ps_json_type_name (n));
              return NULL;
            }
          op->description = g_strdup (json_node_get_string (n));
          continue;
        }
      guint i = 0;
      while (kind->fields[i].name && strcmp (kind->fields[i].name, name) != 0)
        i++;
      if (kind->fields[i].name == NULL)
        {
          g_autoptr (GString) names = g_string_new (NULL);
          for (const PsOpField *g = kind->fields; g->name; g++)
            g_string_append_printf (names, "%s, ", g->name);
          g_string_append (names, "description");
          ps_op_parse_error (error, index, kind->name, name, "unknown field (expected one of: %s)", names->str);
          return NULL;
        }
      const char *expected = "";
      if (!field_type_ok (&kind->fields[i], n, &expected))
        {
          ps_op_parse_error (error, index, kind->name, name, "expected %s, got %s", expected, ps_json_type_name (n));
          return NULL;
        }
      given[i] = n;
    }
  for (guint i = 0; kind->fields[i].name; i++)
    if (kind->fields[i].required && given[i] == NULL)
      {
        ps_op_parse_error (error, index, kind->name, kind->fields[i].name, "missing");
        return NULL;
      }
  for (guint i = 0; kind->fields[i].name; i++)
    if (given[i] != NULL)
      {
        if (!parse_field (op, &kind->fields[i], given[i], index, error))
          return NULL;
        op->present |= G_GUINT64_CONSTANT (1) << i;
      }
  if (kind->check != NULL && !kind->check (op, index, error))
    return NULL;
  return g_steal_pointer (&op);
}

/* A PsOpNumber saved as given: an integer stays one; NaN and ±inf as the recipe's strings. */
static JsonNode *
number_to_json (const PsOpNumber *v)
{
  JsonNode *n = json_node_alloc ();
  if (isnan (v->value))
    return json_node_init_string (n, "nan");
  if (isinf (v->value))
    return json_node_init_string (n, v->value > 0 ? "inf" : "-inf");
  return v->integer ? json_node_init_int (n, (gint64) v->value) : json_node_init_double (n, v->value);
}

JsonObject *
ps_op_to_json (const PsOp *op)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "op", op->kind->name);
  for (guint i = 0; op->kind->fields[i].name; i++)
    {
      const PsOpField *f = &op->kind->fields[i];
      if (!((op->present >> i) & 1))
        continue;
      gconstpointer slot = FIELD_SLOT (op, f);
      JsonNode *n = NULL;
      switch (f->type)
        {
        case PS_FIELD_STRING:
        case PS_FIELD_NAME:
        case PS_FIELD_NONEMPTY_STRING: n = json_node_init_string (json_node_alloc (), *(char *const *) slot); break;
        case PS_FIELD_INT:
        case PS_FIELD_SEED: n = json_node_init_int (json_node_alloc (), *(const gint64 *) slot); break;
        case PS_FIELD_BOOL: n = json_node_init_boolean (json_node_alloc (), *(const gboolean *) slot); break;
        case PS_FIELD_ARGS: n = args_to_json (*(PsArgs *const *) slot); break;
        case PS_FIELD_NUMBER: n = number_to_json (slot); break;
        case PS_FIELD_OBJECT:
          {
            g_autoptr (JsonObject) copy = ps_json_object_deep_copy (*(JsonObject *const *) slot);
            n = json_node_init_object (json_node_alloc (), copy);
            break;
          }
        case PS_FIELD_CUSTOM: n = f->write (op, slot); break;
        }
      json_object_set_member (o, f->name, n);
    }
  if (op->description != NULL)
    json_object_set_string_member (o, "description", op->description);
  if (op->extra != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (op->extra);
      for (GList *l = names; l; l = l->next)
        json_object_set_member (o, l->data, ps_json_deep_copy (json_object_get_member (op->extra, l->data)));
    }
  return o;
}

PsOp *
ps_op_copy (const PsOp *op)
{
  PsOp *c = g_new0 (PsOp, 1);
  c->ref_count = 1;
  c->kind = op->kind;
  c->present = op->present;
  c->description = g_strdup (op->description);
  c->extra = op->extra ? ps_json_object_deep_copy (op->extra) : NULL;
  c->u = op->u;   /* plain values; pointers are replaced below */
  for (const PsOpField *f = op->kind->fields; f->name; f++)
    {
      gconstpointer from = FIELD_SLOT (op, f);
      gpointer to = FIELD_SLOT (c, f);
      switch (f->type)
        {
        case PS_FIELD_STRING:
        case PS_FIELD_NAME:
        case PS_FIELD_NONEMPTY_STRING: *(char **) to = g_strdup (*(char *const *) from); break;
        case PS_FIELD_OBJECT:
          *(JsonObject **) to = *(JsonObject *const *) from ? ps_json_object_deep_copy (*(JsonObject *const *) from)
                                                            : NULL;
          break;
        case PS_FIELD_ARGS:
          *(PsArgs **) to = *(PsArgs *const *) from ? ps_args_copy (*(PsArgs *const *) from) : NULL;
          break;
        case PS_FIELD_CUSTOM: f->copy (to, from); break;
        case PS_FIELD_INT:
        case PS_FIELD_SEED:
        case PS_FIELD_BOOL:
        case PS_FIELD_NUMBER: break;
        }
    }
  return c;
}

const char *
ps_op_get_kind (const PsOp *op)
{
  return op->kind->name;
}

int
ps_op_get_version (const PsOp *op)
{
  int v = op->kind->version;
  for (guint i = 0; op->kind->fields[i].name; i++)
    if ((op->present >> i) & 1)
      v = MAX (v, op->kind->fields[i].version);
  return v;
}

const char *
ps_op_get_target (const PsOp *op)
{
  return op->kind->writes ? op->kind->writes (op) : NULL;
}

const char *
ps_op_get_built_module (const PsOp *op)
{
  return op->kind->builds_module ? op->kind->builds_module (op) : NULL;
}

gboolean
ps_op_makes_root (const PsOp *op, const char *root)
{
  const char *built = ps_op_get_built_module (op);
  return (op->kind->makes_root && op->kind->makes_root (op)) || (root != NULL && g_strcmp0 (built, root) == 0);
}

gboolean
ps_op_runs_forward (const PsOp *op)
{
  return op->kind->runs_forward;
}

const char *
ps_op_get_output_name (const PsOp *op)
{
  return op->kind->output_name ? op->kind->output_name (op) : NULL;
}

gboolean
ps_op_loads_file (const PsOp *op)
{
  return op->kind->loads_file;
}

gboolean
ps_op_records_training (const PsOp *op)
{
  return op->kind->records_training;
}

gboolean
ps_op_may_draw (const PsOp *op)
{
  if (op->kind->never_draws)
    return FALSE;
  return op->kind->may_draw ? op->kind->may_draw (op) : TRUE;
}

gboolean
ps_op_check_size (const PsOp *op, const PsState *prev, const PsState *next, GError **error)
{
  return op->kind->check_size ? op->kind->check_size (prev, next, error) : TRUE;
}

/* ---------- shared by several kinds ---------- */

static gboolean
resolve_module (PsState *state, const char *target, const char *field, PsModule **out, GError **error)
{
  PsParam *p = NULL;
  if (!ps_state_resolve (state, target, out, &p, error))
    {
      g_prefix_error (error, "field '%s': ", field);
      return FALSE;
    }
  if (p != NULL)
    {
      field_error (error, field, "'%s' is a %s, not a module", target, p->is_buffer ? "buffer" : "parameter");
      return FALSE;
    }
  return TRUE;
}

/* Every kind with a "target" has it as the first member of its struct (the union's common
 * initial sequence), so u.target.target reads it for all of them. */
static const char *
writes_target (const PsOp *op)
{
  return op->u.target.target;
}

static const char *
writes_parent (const PsOp *op)
{
  return op->u.child.parent;
}

/* ---------- module ---------- */

static void
children_clear (gpointer slot)
{
  PsOpModule *m = (PsOpModule *) ((char *) slot - G_STRUCT_OFFSET (PsOpModule, child_names));
  g_clear_pointer (&m->child_names, g_ptr_array_unref);
  g_clear_pointer (&m->child_ids, g_ptr_array_unref);
}

static GPtrArray *
strv_copy (GPtrArray *a)
{
  if (a == NULL)
    return NULL;
  GPtrArray *c = g_ptr_array_new_full (a->len, g_free);
  for (guint i = 0; i < a->len; i++)
    g_ptr_array_add (c, g_strdup (g_ptr_array_index (a, i)));
  return c;
}

static void
children_copy (gpointer dst, gconstpointer src)
{
  PsOpModule *d = (PsOpModule *) ((char *) dst - G_STRUCT_OFFSET (PsOpModule, child_names));
  const PsOpModule *s = (const PsOpModule *) ((const char *) src - G_STRUCT_OFFSET (PsOpModule, child_names));
  d->child_names = strv_copy (s->child_names);
  d->child_ids = strv_copy (s->child_ids);
}

static gboolean
children_parse (PsOp *op, gpointer slot, JsonNode *children, guint index, GError **error)
{
  PsOpModule *m = &op->u.module;
  m->child_names = g_ptr_array_new_with_free_func (g_free);
  m->child_ids = g_ptr_array_new_with_free_func (g_free);
  if (JSON_NODE_HOLDS_ARRAY (children))
    {
      JsonArray *a = json_node_get_array (children);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (!ps_json_is (e, G_TYPE_STRING) || !ps_recipe_valid_name (json_node_get_string (e)))
            {
              ps_op_parse_error (error, index, "module", "children", "element %u must be a module id", i);
              return FALSE;
            }
          g_ptr_array_add (m->child_names, g_strdup_printf ("%u", i));
          g_ptr_array_add (m->child_ids, g_strdup (json_node_get_string (e)));
        }
      return TRUE;
    }
  if (JSON_NODE_HOLDS_OBJECT (children))
    {
      m->children_named = TRUE;
      JsonObject *o = json_node_get_object (children);
      g_autoptr (GList) names = json_object_get_members (o);
      for (GList *l = names; l; l = l->next)
        {
          JsonNode *e = json_object_get_member (o, l->data);
          if (!ps_recipe_valid_name (l->data))
            {
              ps_op_parse_error (error, index, "module", "children",
                                 "'%s' is not a valid child name (non-empty, no '.')", (char *) l->data);
              return FALSE;
            }
          if (!ps_json_is (e, G_TYPE_STRING) || !ps_recipe_valid_name (json_node_get_string (e)))
            {
              ps_op_parse_error (error, index, "module", "children", "'%s' must name a module id", (char *) l->data);
              return FALSE;
            }
          g_ptr_array_add (m->child_names, g_strdup (l->data));
          g_ptr_array_add (m->child_ids, g_strdup (json_node_get_string (e)));
        }
      return TRUE;
    }
  ps_op_parse_error (error, index, "module", "children",
                     "expected an array of module ids or an object {name: id}, got %s", ps_json_type_name (children));
  return FALSE;
}

static JsonNode *
children_write (const PsOp *op, gconstpointer slot)
{
  const PsOpModule *m = &op->u.module;
  if (m->children_named)
    {
      JsonObject *o = json_object_new ();
      for (guint i = 0; i < m->child_names->len; i++)
        json_object_set_string_member (o, g_ptr_array_index (m->child_names, i), g_ptr_array_index (m->child_ids, i));
      JsonNode *n = json_node_init_object (json_node_alloc (), o);
      json_object_unref (o);
      return n;
    }
  JsonArray *a = json_array_new ();
  for (guint i = 0; i < m->child_ids->len; i++)
    json_array_add_string_element (a, g_ptr_array_index (m->child_ids, i));
  JsonNode *n = json_node_init_array (json_node_alloc (), a);
  json_array_unref (a);
  return n;
}

static gboolean
check_module (PsOp *op, guint index, GError **error)
{
  const PsOpModule *m = &op->u.module;
  if (!ps_recipe_valid_name (m->id))
    {
      ps_op_parse_error (error, index, "module", "id", "'%s' is not a valid id (non-empty, no '.')", m->id);
      return FALSE;
    }
  const PsModuleClass *klass = ps_module_class_lookup (m->type);
  if (klass == NULL)
    {
      ps_op_parse_error (error, index, "module", "type", "unknown module type '%s'", m->type);
      return FALSE;
    }
  if (klass->is_container)
    {
      /* "args": {} is nn.Sequential() */
      if (ps_op_has_field (op, "args") && (m->args == NULL || ps_args_len (m->args) > 0))
        {
          if (m->args != NULL)
            ps_op_parse_error (error, index, "module", "args", "a %s takes no args; give its modules in 'children': "
                               "%s.__init__() got an unexpected keyword argument '%s'", m->type, m->type,
                               ps_args_name (m->args, 0));
          else
            ps_op_parse_error (error, index, "module", "args", "a %s takes no args; give its modules in 'children'",
                               m->type);
          return FALSE;
        }
      return TRUE;
    }
  if (m->child_names != NULL)
    {
      ps_op_parse_error (error, index, "module", "children", "%s is not a container", m->type);
      return FALSE;
    }
  if (m->cls != NULL)
    {
      ps_op_parse_error (error, index, "module", "class", "only containers take a display class");
      return FALSE;
    }
  if (klass->check_given_args != NULL && m->args != NULL && !klass->check_given_args (m->args, error))
    {
      g_prefix_error (error, "op %u (module): field 'args': ", index);
      return FALSE;
    }
  /* nn.Identity(*args, **kwargs) ignores them */
  if (!klass->takes_any_args
      && !(ps_module_class_check_arg_names (klass, m->args, error) && check_args (klass->args, m->args, error)))
    {
      g_prefix_error (error, "op %u (module): field 'args': %s: ", index, m->type);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_module (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpModule *mo = &op->u.module;
  if (ps_state_get_module (state, mo->id) != NULL)
    {
      field_error (error, "id", "duplicate id '%s' (a module with this id already exists)", mo->id);
      return FALSE;
    }
  const PsModuleClass *klass = ps_module_class_lookup (mo->type);
  g_autoptr (PsModule) m = NULL;
  if (klass != NULL && klass->is_container)
    {
      m = ps_module_new_container (mo->type, mo->cls, error);
      if (m == NULL)
        {
          g_prefix_error (error, "field 'type': ");
          return FALSE;
        }
      for (guint i = 0; mo->child_ids != NULL && i < mo->child_ids->len; i++)
        {
          const char *cid = g_ptr_array_index (mo->child_ids, i);
          const char *name = g_ptr_array_index (mo->child_names, i);
          PsModule *c = ps_state_get_module (state, cid);
          if (c == NULL)
            {
              if (mo->children_named)
                field_error (error, "children", "'%s': no module with id '%s'", name, cid);
              else
                field_error (error, "children", "no module with id '%s'", cid);
              return FALSE;
            }
          if (!ps_module_add_child (m, name, c, error))
            {
              g_prefix_error (error, "field 'children': ");
              return FALSE;
            }
        }
    }
  else
    {
      g_autoptr (PsArgs) empty = mo->args ? NULL : ps_args_new ();
      m = ps_module_new (mo->type, mo->args ? mo->args : empty, &state->gen, error);
      if (m == NULL)
        {
          g_prefix_error (error, "field 'args': ");
          return FALSE;
        }
    }
  m->created_step = (int) n;
  ps_state_add_module (state, mo->id, m);
  if (mo->root)
    {
      /* net = nn.Sequential(…) typed as the first container: the model is called net */
      g_free (state->root);
      state->root = g_strdup (mo->id);
    }
  return TRUE;
}

static char *
action_module (const PsOp *op)
{
  return g_strdup_printf ("creating %s as %s", op->u.module.type, op->u.module.id);
}

static void append_param (GString *s, const char *path, const PsParam *p);

static void
describe_module (const PsOp *op, const PsState *after, GString *s)
{
  const char *id = op->u.module.id;
  PsModule *m = ps_state_get_module (after, id);
  if (m->klass->is_container)
    {
      if (m->display_class != NULL)
        g_string_append_printf (s, "%s (%s)", m->display_class, m->klass->name);
      else
        g_string_append (s, m->klass->name);
      g_string_append_printf (s, " created as %s", id);
      if (ps_module_n_children (m) == 0)
        g_string_append (s, ", empty");
      else
        g_string_append (s, " with ");
      g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
      gboolean shared = FALSE;
      for (guint i = 0; i < ps_module_n_children (m); i++)
        {
          PsModule *c = ps_module_child_at (m, i);
          shared |= !g_hash_table_add (seen, c);
          g_string_append_printf (s, "%s(%s): %s", i ? ", " : "", (char *) ps_module_child_name_at (m, i),
                                  c->id ? c->id : ps_module_class_name (c));
        }
      if (shared)
        g_string_append (s, " (one module at several places: shared, one set of parameters)");
      if (op->u.module.root)
        g_string_append (s, "; it is the model from here on");
      return;
    }
  g_autofree char *d = ps_module_describe (m);
  g_string_append_printf (s, "%s created as %s", d, id);
  if (m->params->len > 0)
    {
      g_string_append (s, ": ");
      for (guint i = 0; i < m->params->len; i++)
        {
          PsParam *p = g_ptr_array_index (m->params, i);
          if (i)
            g_string_append (s, ", ");
          append_param (s, p->name, p);
        }
      if (m->klass->is_lazy)
        g_string_append (s, " (lazy: materialized by the first forward)");
    }
}

/* ---------- attach / detach / rename / move ---------- */

/* "index" (attach, move): a position among the parent's children; the upper bound needs the
 * document state and is checked on replay. */
static gboolean
check_child (PsOp *op, guint index, GError **error)
{
  gint64 k = op->u.child.index;
  if (ps_op_has_field (op, "index") && (k < 0 || k > G_MAXINT32))
    {
      ps_op_parse_error (error, index, op->kind->name, "index",
                         "%" G_GINT64_FORMAT " is out of range (expected 0 or more)", k);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_attach (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpChild *a = &op->u.child;
  PsModule *parent, *child;
  if (!resolve_module (state, a->parent, "parent", &parent, error)
      || !resolve_module (state, a->child, "child", &child, error))
    return FALSE;
  if (ps_module_get_child (parent, a->name) != NULL || ps_module_get_param (parent, a->name) != NULL)
    {
      field_error (error, "name", "'%s' already has a child, parameter or buffer named '%s' (detach it first)",
                   a->parent, a->name);
      return FALSE;
    }
  int index = -1;   /* append */
  if (ps_op_has_field (op, "index"))
    {
      if (a->index < 0 || a->index > (gint64) ps_module_n_children (parent))
        {
          field_error (error, "index", "%" G_GINT64_FORMAT " is out of range: '%s' has %u children, so 0 to %u",
                       a->index, a->parent, ps_module_n_children (parent), ps_module_n_children (parent));
          return FALSE;
        }
      index = (int) a->index;
    }
  if (!ps_module_insert_child (parent, index, a->name, child, error))
    {
      g_prefix_error (error, "field 'child': ");
      return FALSE;
    }
  return TRUE;
}

static char *
action_attach (const PsOp *op)
{
  return g_strdup_printf ("attaching %s to %s as %s", op->u.child.child, op->u.child.parent, op->u.child.name);
}

static void
describe_attach (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "attached %s to %s as %s", op->u.child.child, op->u.child.parent, op->u.child.name);
  if (ps_op_has_field (op, "index"))
    g_string_append_printf (s, " at position %" G_GINT64_FORMAT, op->u.child.index);
}

static gboolean
apply_detach (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *parent;
  if (!resolve_module (state, op->u.child.parent, "parent", &parent, error))
    return FALSE;
  if (!ps_module_remove_child (parent, op->u.child.name, error))
    {
      g_prefix_error (error, "field 'name': ");
      return FALSE;
    }
  return TRUE;
}

static char *
action_detach (const PsOp *op)
{
  return g_strdup_printf ("detaching %s from %s", op->u.child.name, op->u.child.parent);
}

static void
describe_detach (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "detached %s from %s", op->u.child.name, op->u.child.parent);
}

/* The child `name` of `parent` or an error on field 'name'. */
static gboolean
check_container_child (PsState *state, const PsOpChild *c, PsModule **parent, GError **error)
{
  if (!resolve_module (state, c->parent, "parent", parent, error))
    return FALSE;
  /* a layer's own submodules (MultiheadAttention's out_proj) have the names its forward uses */
  if (!(*parent)->klass->is_container)
    {
      field_error (error, "parent", "'%s' is a %s: only the children of a Sequential, ModuleList or ModuleDict "
                   "can be renamed or moved", c->parent, ps_module_class_name (*parent));
      return FALSE;
    }
  if (ps_module_get_child (*parent, c->name) == NULL)
    {
      field_error (error, "name", "'%s' has no child named '%s'", c->parent, c->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_rename (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpChild *c = &op->u.child;
  PsModule *parent;
  if (!check_container_child (state, c, &parent, error))
    return FALSE;
  if (strcmp (c->name, c->new_name) != 0
      && (ps_module_get_child (parent, c->new_name) != NULL || ps_module_get_param (parent, c->new_name) != NULL))
    {
      field_error (error, "new_name", "'%s' already has a child, parameter or buffer named '%s'", c->parent,
                   c->new_name);
      return FALSE;
    }
  if (!ps_module_rename_child (parent, c->name, c->new_name, error))
    {
      g_prefix_error (error, "field 'new_name': ");
      return FALSE;
    }
  return TRUE;
}

static char *
action_rename (const PsOp *op)
{
  return g_strdup_printf ("renaming %s.%s to %s", op->u.child.parent, op->u.child.name, op->u.child.new_name);
}

static void
describe_rename (const PsOp *op, const PsState *after, GString *s)
{
  const PsOpChild *c = &op->u.child;
  g_string_append_printf (s, "renamed %s.%s to %s.%s (its parameters' state_dict keys change with it)",
                          c->parent, c->name, c->parent, c->new_name);
}

static gboolean
apply_move (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpChild *c = &op->u.child;
  PsModule *parent;
  if (!check_container_child (state, c, &parent, error))
    return FALSE;
  if (c->index < 0 || c->index >= (gint64) ps_module_n_children (parent))
    {
      field_error (error, "index", "%" G_GINT64_FORMAT " is out of range: '%s' has %u children, so 0 to %u",
                   c->index, c->parent, ps_module_n_children (parent), ps_module_n_children (parent) - 1);
      return FALSE;
    }
  if (!ps_module_move_child (parent, c->name, (int) c->index, error))
    {
      g_prefix_error (error, "field 'index': ");
      return FALSE;
    }
  return TRUE;
}

static char *
action_move (const PsOp *op)
{
  return g_strdup_printf ("moving %s.%s", op->u.child.parent, op->u.child.name);
}

static void
describe_move (const PsOp *op, const PsState *after, GString *s)
{
  const PsOpChild *c = &op->u.child;
  g_string_append_printf (s, "moved %s.%s to position %" G_GINT64_FORMAT, c->parent, c->name, c->index);
  PsModule *parent = NULL;
  if (ps_state_resolve (after, c->parent, &parent, NULL, NULL) && parent != NULL)
    {
      /* all of them when few, else the moved child's neighbours: a step's text stays short (a
       * description per step of thousands of moves in a large container must not grow with it) */
      const guint n = ps_module_n_children (parent), near = 3;
      guint from = 0, to = n;
      if (n > 2 * near + 4 && c->index >= 0 && (guint64) c->index < n)
        {
          from = (guint) c->index > near ? (guint) c->index - near : 0;
          to = MIN (n, (guint) c->index + near + 1);
        }
      g_string_append (s, ": children now ");
      if (from > 0)
        g_string_append (s, "…, ");
      for (guint i = from; i < to; i++)
        g_string_append_printf (s, "%s%s", i > from ? ", " : "", ps_module_child_name_at (parent, i));
      if (to < n)
        g_string_append (s, ", …");
      if (from > 0 || to < n)
        g_string_append_printf (s, " (%u in all)", n);
    }
}

/* ---------- init / init_modules ---------- */

static gboolean
check_init_call (guint index, const char *kind, const char *field, const PsOpInitCall *call, GError **error)
{
  const char *const *names = ps_init_function_names ();
  gboolean known = FALSE;
  for (guint i = 0; names[i] && !known; i++)
    known = strcmp (names[i], call->fn) == 0;
  if (!known)
    {
      ps_op_parse_error (error, index, kind, field, "unknown init function '%s'", call->fn);
      return FALSE;
    }
  if (!check_args (ps_init_function_args (call->fn), call->args, error))
    {
      g_prefix_error (error, "op %u (%s): field '%s': %s: ", index, kind, field, call->fn);
      return FALSE;
    }
  return TRUE;
}

/* init's "args" belong to its "fn": their errors name that field, as check_init_call's do. */
static gboolean
init_args_parse (PsOp *op, gpointer slot, JsonNode *n, guint index, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      ps_op_parse_error (error, index, "init", "args", "expected an object, got %s", ps_json_type_name (n));
      return FALSE;
    }
  *(PsArgs **) slot = ps_recipe_args_from_json (n, error);
  if (*(PsArgs **) slot == NULL)
    {
      g_prefix_error (error, "op %u (init): field 'fn': ", index);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
args_write (const PsOp *op, gconstpointer slot)
{
  return args_to_json (*(PsArgs *const *) slot);
}

static void
args_copy (gpointer dst, gconstpointer src)
{
  *(PsArgs **) dst = *(PsArgs *const *) src ? ps_args_copy (*(PsArgs *const *) src) : NULL;
}

static void
args_clear (gpointer slot)
{
  g_clear_pointer ((PsArgs **) slot, ps_args_free);
}

static gboolean
check_init (PsOp *op, guint index, GError **error)
{
  return check_init_call (index, "init", "fn", &op->u.init.call, error);
}

/* The value of p (a parameter of a module cloned from ctx->spent) as a new tensor over the same
 * storage, to be written in place: only when the caller throws the spent state away after this op
 * and nothing but the spent state's copy of the parameter and p hold it. NULL otherwise. */
static PsTensor *
take_spent_value (PsParam *p, const PsOpContext *ctx)
{
  if (ctx == NULL || ctx->spent == NULL || ctx->spent_written == NULL || p->value == NULL)
    return NULL;
  /* two holders of the tensor (the spent state's parameter and its clone p), one of the storage */
  if (!g_atomic_ref_count_compare (&p->value->ref_count, 2) || !ps_tensor_storage_is_exclusive (p->value))
    return NULL;
  return ps_tensor_reshape (p->value, p->value->ndim, p->value->shape, NULL);
}

/* fn(args) on a fresh tensor, swapped in: the old value stays intact for earlier snapshots. When
 * the previous state is spent (a command keeping only the last state) a scheme that checks its
 * arguments before it writes and then writes every element overwrites the old value's storage
 * instead: the peak stays one copy of the layer. */
static gboolean
init_param (PsState *state, PsParam *p, const PsOpInitCall *call, const PsOpContext *ctx, GError **error)
{
  g_autoptr (PsArgs) empty = call->args ? NULL : ps_args_new ();
  /* a scheme that writes every element gets uninitialized storage (no pass clearing it first) */
  gboolean every = p->value != NULL && ps_init_writes_every_element (call->fn);
  PsTensor *reuse = every ? take_spent_value (p, ctx) : NULL;
  g_autoptr (PsTensor) t = reuse != NULL ? reuse
                           : every ? ps_tensor_new_empty (p->value->dtype, p->value->ndim, p->value->shape, error)
                                   : ps_param_new_like (p, error);
  if (t == NULL)
    return FALSE;
  PsInitInfo info;
  ps_init_info_clear (&info);
  if (!ps_init_apply (t, call->fn, call->args ? call->args : empty, &state->gen, &info, error))
    return FALSE;
  /* a scheme that writes every element checks all its arguments before the first write
   * (ps-init.h): when it failed, the spent state's value is untouched; now it is not */
  if (reuse != NULL)
    *ctx->spent_written = TRUE;
  ps_param_set_value (p, t);
  p->init = info;
  return TRUE;
}

static gboolean
apply_init (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const char *target = op->u.init.target;
  PsParam *p = NULL;
  if (!ps_state_resolve (state, target, NULL, &p, error))
    {
      g_prefix_error (error, "field 'target': ");
      return FALSE;
    }
  if (p == NULL)
    {
      field_error (error, "target", "'%s' is a module, not a parameter (init_modules initializes the "
                   "modules below it)", target);
      return FALSE;
    }
  if (p->value == NULL)
    {
      field_error (error, "target", "Attempted to use an uninitialized parameter '%s': run a forward "
                   "first to materialize it", target);
      return FALSE;
    }
  if (!init_param (state, p, &op->u.init.call, ctx, error))
    {
      g_prefix_error (error, "%s: ", op->u.init.call.fn);
      return FALSE;
    }
  return TRUE;
}

static char *
action_init (const PsOp *op)
{
  return g_strdup_printf ("%s on %s", op->u.init.call.fn, op->u.init.target);
}

static void
describe_init (const PsOp *op, const PsState *after, GString *s)
{
  PsParam *p = NULL;
  ps_state_resolve (after, op->u.init.target, NULL, &p, NULL);
  if (p != NULL)
    append_param (s, op->u.init.target, p);
}

static void
init_call_clear (gpointer slot)
{
  PsOpInitCall *c = slot;
  g_clear_pointer (&c->fn, g_free);
  g_clear_pointer (&c->args, ps_args_free);
}

static void
init_call_copy (gpointer dst, gconstpointer src)
{
  PsOpInitCall *d = dst;
  const PsOpInitCall *s = src;
  d->fn = g_strdup (s->fn);
  d->args = s->args ? ps_args_copy (s->args) : NULL;
}

/* {"fn": "xavier_uniform_", "args": {…}} */
static gboolean
init_call_parse (PsOp *op, gpointer slot, JsonNode *n, guint index, GError **error)
{
  PsOpInitCall *call = slot;
  const char *field = slot == &op->u.init_modules.weight ? "weight" : "bias";
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      ps_op_parse_error (error, index, "init_modules", field, "expected an object, got %s", ps_json_type_name (n));
      return FALSE;
    }
  JsonObject *o = json_node_get_object (n);
  g_autoptr (GList) names = json_object_get_members (o);
  for (GList *l = names; l; l = l->next)
    if (strcmp (l->data, "fn") != 0 && strcmp (l->data, "args") != 0)
      {
        ps_op_parse_error (error, index, "init_modules", field, "unknown field '%s' (expected fn, args)",
                           (char *) l->data);
        return FALSE;
      }
  JsonNode *fn = json_object_get_member (o, "fn");
  if (fn == NULL || !ps_json_is (fn, G_TYPE_STRING))
    {
      ps_op_parse_error (error, index, "init_modules", field, "'fn' must be a string naming an init function");
      return FALSE;
    }
  JsonNode *args = json_object_get_member (o, "args");
  if (args != NULL && !JSON_NODE_HOLDS_OBJECT (args))
    {
      ps_op_parse_error (error, index, "init_modules", field, "'args' must be an object, not %s",
                         ps_json_type_name (args));
      return FALSE;
    }
  call->fn = g_strdup (json_node_get_string (fn));
  if (args != NULL)
    {
      call->args = ps_recipe_args_from_json (args, error);
      if (call->args == NULL)
        {
          g_prefix_error (error, "op %u (init_modules): field '%s': ", index, field);
          return FALSE;
        }
    }
  return check_init_call (index, "init_modules", field, call, error);
}

static JsonNode *
init_call_write (const PsOp *op, gconstpointer slot)
{
  const PsOpInitCall *call = slot;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "fn", call->fn);
  if (call->args != NULL)
    json_object_set_member (o, "args", args_to_json (call->args));
  JsonNode *n = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  return n;
}

static gboolean
check_init_modules (PsOp *op, guint index, GError **error)
{
  const char *match = op->u.init_modules.match;
  /* a torch.nn class (isinstance, so subclasses match too) or a user class name */
  if (!g_regex_match_simple ("^[A-Za-z_][A-Za-z0-9_]*$", match, 0, 0))
    {
      ps_op_parse_error (error, index, "init_modules", "match", "'%s' is not a class name", match);
      return FALSE;
    }
  if (op->u.init_modules.weight.fn == NULL && op->u.init_modules.bias.fn == NULL)
    {
      ps_op_parse_error (error, index, "init_modules", NULL, "give at least one of 'weight' and 'bias'");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_init_modules (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpInitModules *im = &op->u.init_modules;
  PsModule *target;
  if (!resolve_module (state, im->target, "target", &target, error))
    return FALSE;
  static const char *const slots[] = { "weight", "bias" };
  const PsOpInitCall *calls[] = { &im->weight, &im->bias };
  /* for m in target.modules(): if isinstance(m, match): init weight, then bias */
  g_autoptr (GPtrArray) mods = ps_module_named_modules (target, TRUE);
  if (ps_module_class_lookup (im->match) == NULL)
    {
      /* not a torch.nn class: it must be the class of some module below the target (a user
       * class, or e.g. NonDynamicallyQuantizableLinear), else it is a typo */
      gboolean known = FALSE;
      for (guint i = 0; i < mods->len && !known; i++)
        known = ps_module_isinstance (((PsNamedItem *) g_ptr_array_index (mods, i))->module, im->match);
      if (!known)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "field 'match': unknown module type '%s' (not a torch.nn class, and no module below the "
                       "target has that class)", im->match);
          return FALSE;
        }
    }
  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (mods, i);
      if (!ps_module_isinstance (it->module, im->match))
        continue;
      for (guint s = 0; s < G_N_ELEMENTS (slots); s++)
        {
          PsParam *p = ps_module_get_param (it->module, slots[s]);
          if (calls[s]->fn == NULL || p == NULL || p->is_buffer)
            continue;   /* `if m.bias is not None` */
          if (!init_param (state, p, calls[s], ctx, error))
            {
              g_prefix_error (error, "field '%s': %s on %s%s%s: ", slots[s], calls[s]->fn, *it->path ? it->path : "",
                              *it->path ? "." : "", slots[s]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static char *
action_init_modules (const PsOp *op)
{
  return g_strdup_printf ("init loop over %s.modules()", op->u.init_modules.target);
}

static guint append_stamped (GString *s, const PsState *after, guint n, gboolean created_only, const char *sep);

static void
describe_init_modules (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "init loop over %s.modules() matching %s: ", op->u.init_modules.target,
                          op->u.init_modules.match);
  if (append_stamped (s, after, after->step, FALSE, ", ") == 0)
    g_string_append (s, "nothing matched");
}

/* ---------- reset_parameters, manual_seed, mode ---------- */

static gboolean
apply_reset_parameters (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op->u.target.target, "target", &target, error))
    return FALSE;
  return ps_module_reset_parameters (target, &state->gen, error);
}

static char *
action_reset_parameters (const PsOp *op)
{
  return g_strdup_printf ("reset_parameters on %s", op->u.target.target);
}

static void
describe_reset_parameters (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "reset_parameters on %s: ", op->u.target.target);
  if (append_stamped (s, after, after->step, FALSE, ", ") == 0)
    g_string_append (s, "nothing to reset");
}

static gboolean
apply_manual_seed (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  /* negative seeds are taken mod 2^64, like torch */
  ps_generator_manual_seed (&state->gen, (uint64_t) op->u.seed.seed);
  return TRUE;
}

static char *
action_manual_seed (const PsOp *op)
{
  return g_strdup ("manual_seed");
}

static void
describe_manual_seed (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "torch.manual_seed(%" G_GINT64_FORMAT ")", op->u.seed.seed);
}

static gboolean
apply_mode (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op->u.mode.target, "target", &target, error))
    return FALSE;
  ps_module_set_training (target, op->u.mode.train);
  return TRUE;
}

static char *
action_mode (const PsOp *op)
{
  return g_strdup_printf ("setting the mode of %s", op->u.mode.target);
}

static void
describe_mode (const PsOp *op, const PsState *after, GString *s)
{
  gboolean train = op->u.mode.train;
  g_string_append_printf (s, "%s.train(%s): %s mode", op->u.mode.target, train ? "True" : "False",
                          train ? "training" : "evaluation");
}

/* ---------- forward ---------- */

static gboolean
input_parse (PsOp *op, gpointer slot, JsonNode *n, guint index, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      ps_op_parse_error (error, index, "forward", "input", "expected an object, got %s", ps_json_type_name (n));
      return FALSE;
    }
  if (!ps_recipe_parse_input (n, slot, error))
    {
      g_prefix_error (error, "op %u (forward): field 'input': ", index);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
input_write (const PsOp *op, gconstpointer slot)
{
  return ps_input_spec_to_json (slot);
}

static void
input_copy (gpointer dst, gconstpointer src)
{
  ps_input_spec_copy (dst, src);
}

static void
input_clear (gpointer slot)
{
  ps_input_spec_clear (slot);
}

/* The forward's "loss": kept as given (its type and keyword arguments are checked when applied, as
 * torch checks them), its "target" input parsed now. */
static gboolean
loss_parse (PsOp *op, gpointer slot, JsonNode *n, guint index, GError **error)
{
  (void) op;
  PsOpLoss *l = slot;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      ps_op_parse_error (error, index, "forward", "loss", "expected an object {\"type\": \"CrossEntropyLoss\", \"args\": {…}}");
      return FALSE;
    }
  JsonNode *tn = json_object_get_member (json_node_get_object (n), "target");
  if (tn == NULL)
    {
      ps_op_parse_error (error, index, "forward", "loss", "field 'target': missing");
      return FALSE;
    }
  if (!ps_recipe_parse_input (tn, &l->target, error))
    {
      g_prefix_error (error, "op %u (forward): field 'loss': field 'target': ", index);
      return FALSE;
    }
  l->json = json_node_copy (n);
  return TRUE;
}

static JsonNode *
loss_write (const PsOp *op, gconstpointer slot)
{
  (void) op;
  return json_node_copy (((const PsOpLoss *) slot)->json);
}

static void
loss_copy (gpointer dst, gconstpointer src)
{
  const PsOpLoss *s = src;
  PsOpLoss *d = dst;
  d->json = s->json ? ps_json_deep_copy (s->json) : NULL;   /* a copy for another thread shares nothing */
  ps_input_spec_copy (&d->target, &s->target);
}

static void
loss_clear (gpointer slot)
{
  PsOpLoss *l = slot;
  g_clear_pointer (&l->json, json_node_unref);
  ps_input_spec_clear (&l->target);
}

static gboolean
mask_parse (PsOp *op, gpointer slot, JsonNode *n, guint index, GError **error)
{
  PsOpMask *m = slot;
  const char *field = m == &op->u.forward.attn_mask ? "attn_mask" : "key_padding_mask";
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      ps_op_parse_error (error, index, "forward", field, "expected an object, got %s", ps_json_type_name (n));
      return FALSE;
    }
  if (!ps_recipe_parse_mask (n, &m->spec, &m->is_bool, error))
    {
      g_prefix_error (error, "op %u (forward): field '%s': ", index, field);
      return FALSE;
    }
  return TRUE;
}

JsonNode *
ps_op_mask_write (const PsOp *op, gconstpointer slot)
{
  const PsOpMask *m = slot;
  return ps_mask_spec_to_json (&m->spec, m->is_bool);
}

void
ps_op_mask_copy (gpointer dst, gconstpointer src)
{
  ps_input_spec_copy (&((PsOpMask *) dst)->spec, &((const PsOpMask *) src)->spec);
  ((PsOpMask *) dst)->is_bool = ((const PsOpMask *) src)->is_bool;
}

void
ps_op_mask_clear (gpointer slot)
{
  ps_input_spec_clear (&((PsOpMask *) slot)->spec);
}

static PsTensor *make_input (PsState *state, const PsInputSpec *spec, GError **error);

/* The forward's keywords beyond the input (MultiheadAttention's), or NULL when none was given. */
static gboolean
forward_has_kwargs (const PsOp *op)
{
  return ps_op_has_field (op, "key_padding_mask") || ps_op_has_field (op, "attn_mask")
         || ps_op_has_field (op, "need_weights") || ps_op_has_field (op, "average_attn_weights");
}

/* The masks drawn / made in the order the export writes them (key_padding_mask, then attn_mask),
 * after the input. A target whose class does not take them (takes_attention_kwargs: only
 * MultiheadAttention's) refuses the keywords, as Python does. */
static PsCallKwargs *
make_kwargs (PsState *state, const PsOp *op, PsModule *target, GError **error)
{
  const PsOpForward *f = &op->u.forward;
  if (!ps_module_class_takes_attention_kwargs (target->klass))
    {
      const char *kw = ps_op_has_field (op, "key_padding_mask") ? "key_padding_mask"
                       : ps_op_has_field (op, "need_weights") ? "need_weights"
                       : ps_op_has_field (op, "attn_mask") ? "attn_mask" : "average_attn_weights";
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s.forward() got an unexpected keyword argument '%s'",
                   ps_module_class_name (target), kw);
      return NULL;
    }
  g_autoptr (PsCallKwargs) kw = ps_call_kwargs_new ();
  kw->need_weights = f->need_weights;
  kw->average_attn_weights = f->average_attn_weights;
  if (ps_op_has_field (op, "key_padding_mask"))
    {
      if ((kw->key_padding_mask = make_input (state, &f->key_padding_mask.spec, error)) == NULL)
        {
          g_prefix_error (error, "field 'key_padding_mask': ");
          return NULL;
        }
      kw->key_padding_mask_bool = f->key_padding_mask.is_bool;
    }
  if (ps_op_has_field (op, "attn_mask"))
    {
      if ((kw->attn_mask = make_input (state, &f->attn_mask.spec, error)) == NULL)
        {
          g_prefix_error (error, "field 'attn_mask': ");
          return NULL;
        }
      kw->attn_mask_bool = f->attn_mask.is_bool;
    }
  return g_steal_pointer (&kw);
}

static gboolean
check_forward (PsOp *op, guint index, GError **error)
{
  if (!ps_op_has_field (op, "need_weights"))
    op->u.forward.need_weights = TRUE;
  if (!ps_op_has_field (op, "average_attn_weights"))
    op->u.forward.average_attn_weights = TRUE;
  if (op->u.forward.name != NULL && *op->u.forward.name == '\0')
    {
      ps_op_parse_error (error, index, "forward", "name", "must not be empty");
      return FALSE;
    }
  return TRUE;
}

/* The input tensor, drawn from the generator exactly as torch.randn/rand/randint would. */
static PsTensor *
make_input (PsState *state, const PsInputSpec *spec, GError **error)
{
  g_autoptr (PsTensor) t = NULL;
  switch (spec->kind)
    {
    case PS_INPUT_RANDN:
    case PS_INPUT_RAND:
      t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, spec->ndim, spec->shape, error);
      if (t == NULL)
        return NULL;
      if (spec->kind == PS_INPUT_RANDN)
        ps_generator_normal_f32 (&state->gen, ps_tensor_f32 (t), (size_t) t->numel, 0.0, 1.0, TRUE);
      else
        ps_generator_uniform_f32 (&state->gen, ps_tensor_f32 (t), (size_t) t->numel, 0.0, 1.0);
      break;
    case PS_INPUT_ZEROS:
    case PS_INPUT_ONES:
      t = ps_tensor_new (PS_DTYPE_FLOAT32, spec->ndim, spec->shape, error);
      if (t == NULL)
        return NULL;
      if (spec->kind == PS_INPUT_ONES)
        for (int64_t i = 0; i < t->numel; i++)
          ps_tensor_f32 (t)[i] = 1.0f;
      break;
    case PS_INPUT_RANDINT:
      t = ps_tensor_new_empty (PS_DTYPE_INT64, spec->ndim, spec->shape, error);
      if (t == NULL)
        return NULL;
      if (!ps_generator_randint (&state->gen, spec->low, spec->high, ps_tensor_i64 (t), (size_t) t->numel,
                                 error))
        return NULL;
      break;
    case PS_INPUT_VALUE:
      t = ps_tensor_new_empty (spec->dtype, spec->ndim, spec->shape, error);
      if (t == NULL)
        return NULL;
      /* values: double for FLOAT32, int64_t for INT64 (ps-recipe.h) */
      for (int64_t i = 0; i < t->numel; i++)
        if (spec->dtype == PS_DTYPE_FLOAT32)
          ps_tensor_f32 (t)[i] = (float) g_array_index (spec->values, double, i);
        else
          ps_tensor_i64 (t)[i] = g_array_index (spec->values, int64_t, i);
      break;
    }
  return g_steal_pointer (&t);
}

static gboolean apply_forward_call (PsState *state, const PsOp *op, guint n, PsModule *target, PsTensor *x,
                                    GError **error);

static gboolean
apply_forward (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpForward *f = &op->u.forward;
  PsModule *target;
  if (!resolve_module (state, f->target, "target", &target, error))
    return FALSE;
  if (f->root && (ps_state_get_module (state, f->target) == NULL || ps_state_get_root (state) != NULL))
    {
      /* y = net(x) makes net the model only while there is none, and only a module of its own id */
      if (ps_state_get_root (state) != NULL)
        field_error (error, "root", "the model is already '%s'", state->root);
      else
        field_error (error, "root", "'%s' is not a module id", f->target);
      return FALSE;
    }
  g_autoptr (PsTensor) x = make_input (state, &f->input, error);
  if (x == NULL)
    {
      g_prefix_error (error, "field 'input': ");
      return FALSE;
    }
  g_autoptr (PsCallKwargs) kw = NULL;
  if (forward_has_kwargs (op) && (kw = make_kwargs (state, op, target, error)) == NULL)
    return FALSE;
  const PsCallKwargs *old_kw = ps_call_kwargs_set (kw);
  gboolean ok = apply_forward_call (state, op, n, target, x, error);
  ps_call_kwargs_set (old_kw);
  if (ok && f->root)
    {
      /* no model yet and y = net(x) typed: the module called is the model, as in Python */
      g_free (state->root);
      state->root = g_strdup (f->target);
    }
  return ok;
}

/* The call of apply_forward, with the keywords current */
static gboolean
apply_forward_call (PsState *state, const PsOp *op, guint n, PsModule *target, PsTensor *x, GError **error)
{
  const PsOpForward *f = &op->u.forward;
  g_autofree char *dflt = g_strdup_printf ("output%u", n);
  if (f->loss.json != NULL)
    {
      /* loss = loss_fn(target(x), t): the loss target is made after the input (ps-train-ops.h) */
      PsLoss loss;
      gboolean ok = ps_train_loss_from_json (f->loss.json, &loss, error);
      g_autoptr (PsTensor) t = NULL;
      if (ok)
        {
          t = make_input (state, &f->loss.target, error);
          ok = t != NULL;
        }
      ok = ok && ps_train_forward_with_loss (state, f->target, target, x, &loss, t, f->name ? f->name : dflt, error);
      ps_loss_clear (&loss);
      return ok;
    }
  g_autoptr (PsTensor) y = ps_module_forward (target, x, &state->gen, error);
  if (y == NULL)
    return FALSE;
  const char *name = f->name ? f->name : dflt;
  if (y->tuple_next == NULL)
    {
      ps_state_set_output (state, name, y);
      return TRUE;
    }
  /* a tuple (MaxPool's (output, indices)): element [0] under the name (a plain tensor), element
   * [i] under "name[i]" */
  g_autoptr (PsTensor) first = ps_tensor_reshape (y, y->ndim, y->shape, error);
  if (first == NULL)
    return FALSE;
  ps_state_set_output (state, name, first);
  guint i = 1;
  for (PsTensor *e = y->tuple_next; e != NULL; e = e->tuple_next, i++)
    {
      g_autofree char *ename = g_strdup_printf ("%s[%u]", name, i);
      ps_state_set_output (state, ename, e);
    }
  return TRUE;
}

static char *
action_forward (const PsOp *op)
{
  return g_strdup_printf ("forward through %s", op->u.forward.target);
}

static void
describe_forward (const PsOp *op, const PsState *after, GString *s)
{
  guint n = after->step;
  g_autofree char *input = ps_input_spec_describe (&op->u.forward.input);
  g_autofree char *dflt = g_strdup_printf ("output%u", n);
  const char *name = op->u.forward.name ? op->u.forward.name : dflt;
  PsTensor *y = ps_state_get_output (after, name);
  g_autofree char *shape = y ? ps_tensor_shape_string (y) : g_strdup ("?");
  g_string_append_printf (s, "forward through %s: input %s \xe2\x86\x92 %s %s", op->u.forward.target, input, name,
                          shape);
  if (op->u.forward.root)
    g_string_append_printf (s, "; %s is the model from here on", op->u.forward.target);
  const PsOpMask *masks[2] = { &op->u.forward.key_padding_mask, &op->u.forward.attn_mask };
  const char *mask_names[2] = { "key_padding_mask", "attn_mask" };
  for (int i = 0; i < 2; i++)
    if (ps_op_has_field (op, mask_names[i]))
      {
        const PsInputSpec *ms = &masks[i]->spec;
        g_autofree char *mshape = masks[i]->is_bool ? ps_shape_to_string (ms->ndim, ms->shape) : NULL;
        g_autofree char *text = masks[i]->is_bool ? g_strdup_printf ("bool tensor of shape %s", mshape)
                                                  : ps_input_spec_describe (ms);
        g_string_append_printf (s, "; %s %s", mask_names[i], text);
      }
  GString *mat = g_string_new (NULL);
  if (append_stamped (mat, after, n, TRUE, ", ") > 0)
    g_string_append_printf (s, "; materialized %s", mat->str);
  g_string_free (mat, TRUE);
  GString *wr = g_string_new (NULL);
  g_autoptr (GPtrArray) items = ps_state_list_params (after);
  guint nw = 0;
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      if (it->param->written_step == (int) n && it->param->created_step != (int) n)
        g_string_append_printf (wr, "%s%s", nw++ ? ", " : "", it->path);
    }
  if (nw > 0)
    g_string_append_printf (s, "; updated %s", wr->str);
  g_string_free (wr, TRUE);
}

/* ---------- load ---------- */

static gboolean
check_load (PsOp *op, guint index, GError **error)
{
  const char *h = op->u.load.sha256;
  if (h != NULL)
    {
      gboolean ok = strlen (h) == 64;
      for (const char *c = h; ok && *c; c++)
        ok = g_ascii_isxdigit (*c);
      if (!ok)
        {
          ps_op_parse_error (error, index, "load", "sha256", "expected 64 hexadecimal digits");
          return FALSE;
        }
    }
  if (!ps_op_has_field (op, "strict"))
    op->u.load.strict = TRUE;
  return TRUE;
}

static char *
torch_size (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("torch.Size([");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append (s, "])");
  return g_string_free (s, FALSE);
}

/* module.load_state_dict(weights file through ps-checkpoint — safetensors, torch.save, npz — strict): every check first, then the values are swapped
 * in (fresh tensors from the file; no draws). Keys are the target's state_dict() keys; a shared
 * parameter may appear under several keys (the last one wins, as torch copies them in order). */
static gboolean
apply_load (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpLoad *lo = &op->u.load;
  PsModule *target;
  if (!resolve_module (state, lo->target, "target", &target, error))
    return FALSE;
  const char *file = lo->file;
  g_autofree char *path = g_path_is_absolute (file) || ctx->base_dir == NULL
                          ? g_strdup (file) : g_build_filename (ctx->base_dir, file, NULL);
  gboolean strict = lo->strict;
  /* a pin is checked against the bytes that were read and parsed (read once), never a second read */
  const char *pin = lo->sha256;
  g_autofree char *sum = NULL;
  g_autoptr (PsCheckpoint) st = ps_checkpoint_open_state_dict (path, pin ? &sum : NULL, error);
  if (st == NULL)
    {
      g_prefix_error (error, "field 'file': ");
      return FALSE;
    }
  if (pin != NULL && g_ascii_strcasecmp (sum, pin) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "field 'sha256': %s has sha256 %s, not the one the recipe pins", path, sum);
      return FALSE;
    }

  g_autoptr (GPtrArray) sd = ps_module_state_dict (target);
  g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) missing = g_string_new (NULL);
  g_autoptr (GString) unexpected = g_string_new (NULL);
  g_autoptr (GPtrArray) todo = g_ptr_array_new ();   /* PsNamedItem* present in the file */
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_hash_table_add (keys, it->path);
      const PsCheckpointEntry *info = ps_checkpoint_lookup (st, it->path);
      if (info == NULL)
        {
          g_string_append_printf (missing, "%s\"%s\"", missing->len ? ", " : "", it->path);
          continue;
        }
      if (it->param->value == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                       "field 'target': '%s' is an uninitialized lazy parameter; loading into a lazy module "
                       "is not supported yet (run a forward first)", it->path);
          return FALSE;
        }
      PsTensor *v = it->param->value;
      gboolean same = info->ndim == v->ndim;
      for (int d = 0; same && d < v->ndim; d++)
        same = info->shape[d] == v->shape[d];
      if (!same)
        {
          g_autofree char *from = torch_size (info->ndim, info->shape);
          g_autofree char *cur = torch_size (v->ndim, v->shape);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Error(s) in loading state_dict for %s: size mismatch for %s: copying a param with shape %s "
                       "from checkpoint, the shape in current model is %s.", ps_module_class_name (target), it->path,
                       from, cur);
          return FALSE;
        }
      /* a dtype that differs is converted below, as load_state_dict's param.copy_(input_param) does
       * (an int64 tensor into a float parameter, a float into num_batches_tracked) */
      g_ptr_array_add (todo, it);
    }
  for (guint i = 0; i < ps_checkpoint_get_n_entries (st); i++)
    {
      const char *name = ps_checkpoint_get_entry (st, i)->name;
      if (!g_hash_table_contains (keys, name))
        g_string_append_printf (unexpected, "%s\"%s\"", unexpected->len ? ", " : "", name);
    }
  if (strict && (missing->len > 0 || unexpected->len > 0))
    {
      /* torch's RuntimeError text, on one line */
      g_autoptr (GString) msg = g_string_new (NULL);
      g_string_append_printf (msg, "Error(s) in loading state_dict for %s:", ps_module_class_name (target));
      if (missing->len)
        g_string_append_printf (msg, " Missing key(s) in state_dict: %s.", missing->str);
      if (unexpected->len)
        g_string_append_printf (msg, " Unexpected key(s) in state_dict: %s.", unexpected->str);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s", msg->str);
      return FALSE;
    }
  /* decode everything before changing anything */
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < todo->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (todo, i);
      PsTensor *t = ps_checkpoint_load (st, it->path, error);
      if (t == NULL)
        {
          g_prefix_error (error, "field 'file': ");
          return FALSE;
        }
      PsTensor *v = ((PsNamedItem *) g_ptr_array_index (todo, i))->param->value;
      if (t->dtype != v->dtype)
        {
          PsTensor *c = ps_tensor_copy_to_dtype (t, v->dtype, error);
          ps_tensor_unref (t);
          if (c == NULL)
            {
              g_prefix_error (error, "field 'file': '%s' is %s in the file, the model's is %s: ", it->path,
                              ps_checkpoint_lookup (st, it->path)->dtype, ps_dtype_name (v->dtype));
              return FALSE;
            }
          t = c;
        }
      g_ptr_array_add (values, t);
    }
  g_autofree char *base = g_path_get_basename (file);
  for (guint i = 0; i < todo->len; i++)
    {
      PsParam *p = ((PsNamedItem *) g_ptr_array_index (todo, i))->param;
      ps_param_set_value (p, g_ptr_array_index (values, i));
      ps_init_info_clear (&p->init);
      p->init.dist = PS_DIST_OTHER;
      g_strlcpy (p->init.fn, "load_state_dict", sizeof p->init.fn);
      g_snprintf (p->init.args, sizeof p->init.args, "'%s'", base);
      g_snprintf (p->init.formula, sizeof p->init.formula, "loaded from %s", base);
    }
  return TRUE;
}


static char *
action_load (const PsOp *op)
{
  return g_strdup_printf ("loading %s into %s", op->u.load.file, op->u.load.target);
}

static void
describe_load (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "%s.load_state_dict(%s): ", op->u.load.target, op->u.load.file);
  g_autoptr (GPtrArray) items = ps_state_list_params (after);
  guint nw = 0;
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      if (it->param->written_step == (int) after->step)
        g_string_append_printf (s, "%s%s", nw++ ? ", " : "", it->path);
    }
  if (nw == 0)
    g_string_append (s, "nothing loaded");
}

/* ---------- note (version 3) ---------- */

/* A step that only explains: it changes nothing and draws nothing; the timeline shows its text
 * and the PyTorch export writes it as a comment. */
static gboolean
check_note (PsOp *op, guint index, GError **error)
{
  gboolean blank = TRUE;
  for (const char *c = op->u.note.text; *c && blank; c++)
    blank = g_ascii_isspace (*c);
  if (blank)
    {
      ps_op_parse_error (error, index, "note", "text", "must not be empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_note (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  return TRUE;
}

static char *
action_note (const PsOp *op)
{
  return g_strdup ("note");
}

static void
describe_note (const PsOp *op, const PsState *after, GString *s)
{
  g_string_append_printf (s, "note: %s", op->u.note.text);
}

static gboolean
py_emit_note (PsPyExport *ex, const PsOp *op, guint n, GError **error)
{
  ps_py_append_comment (ps_py_export_out (ex), op->u.note.text);
  return TRUE;
}
/* ---------- scale (version 4) ---------- */

/* `with torch.no_grad(): t.mul_(factor)` on one parameter or buffer: scaling an initialization by
 * hand (makemore's `layer.weight *= 5/3`, a last layer made less confident with `*= 0.1`). As
 * ATen's mul kernel with a Python number: the factor is cast to float once, then each value is one
 * float product (the same in its vector and scalar loops); an int64 buffer takes an integer factor
 * (products wrap, as torch's) and refuses a float one with torch's message. The value is replaced,
 * not written in place, so earlier steps keep theirs. */
/* The factor as Python spells it: 2 stays an int, 0.1 a float. */
static void
append_factor (GString *s, const PsOpNumber *f)
{
  if (f->integer)
    g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) f->value);
  else
    ps_py_append_float (s, f->value);
}

static gboolean
apply_scale (PsState *state, const PsOp *op, guint n, const PsOpContext *ctx, GError **error)
{
  const PsOpScale *sc = &op->u.scale;
  PsParam *p = NULL;
  if (!ps_state_resolve (state, sc->target, NULL, &p, error))
    {
      g_prefix_error (error, "field 'target': ");
      return FALSE;
    }
  if (p == NULL)
    {
      field_error (error, "target", "'%s' is a module, not a parameter or buffer", sc->target);
      return FALSE;
    }
  if (p->value == NULL)
    {
      field_error (error, "target", "Attempted to use an uninitialized parameter '%s': run a forward "
                   "first to materialize it", sc->target);
      return FALSE;
    }
  if (p->value->dtype == PS_DTYPE_INT64 && !sc->factor.integer)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "result type Float can't be cast to the desired output type Long");
      return FALSE;
    }
  g_autoptr (PsTensor) t = ps_tensor_copy (p->value, error);
  if (t == NULL)
    return FALSE;
  double v = sc->factor.value;
  if (t->dtype == PS_DTYPE_FLOAT32)
    {
      float f = (float) v;
      float *x = ps_tensor_f32 (t);
      for (int64_t i = 0; i < t->numel; i++)
        x[i] *= f;
    }
  else
    {
      guint64 f = (guint64) (gint64) v;   /* an exact integer below 2^63 (PS_FIELD_NUMBER) */
      int64_t *x = ps_tensor_i64 (t);
      for (int64_t i = 0; i < t->numel; i++)
        x[i] = (int64_t) ((guint64) x[i] * f);
    }
  /* the scheme's distribution, scaled: U(a, b)·f = U(fa, fb), N(m, s)·f = N(fm, |f|s) */
  PsInitInfo *info = &p->init;
  g_autofree char *before = ps_init_info_summary (info);
  if (!isfinite (v))
    info->dist = PS_DIST_OTHER;
  double a = info->a * v, b = info->b * v;
  info->a = MIN (a, b);
  info->b = MAX (a, b);
  info->mean *= v;
  info->std *= fabs (v);
  info->value *= v;
  g_autoptr (GString) how = g_string_new (before);
  g_string_append (how, before[0] ? " × " : "× ");
  append_factor (how, &sc->factor);
  g_strlcpy (info->formula, how->str, sizeof info->formula);
  info->fn[0] = '\0';
  ps_param_set_value (p, t);
  return TRUE;
}

static char *
action_scale (const PsOp *op)
{
  return g_strdup_printf ("mul_ on %s", op->u.scale.target);
}

static void
describe_scale (const PsOp *op, const PsState *after, GString *s)
{
  PsParam *p = NULL;
  ps_state_resolve (after, op->u.scale.target, NULL, &p, NULL);
  if (p != NULL)
    append_param (s, op->u.scale.target, p);
  g_string_append (s, ", scaled by ");
  append_factor (s, &op->u.scale.factor);
}

static gboolean
py_emit_scale (PsPyExport *ex, const PsOp *op, guint n, GError **error)
{
  g_autofree char *t = ps_py_export_target (ex, op->u.scale.target, n, "scale", error);
  if (t == NULL)
    return FALSE;
  GString *s = ps_py_export_out (ex);
  g_string_append_printf (s, "with torch.no_grad():\n    %s.mul_(", t);
  append_factor (s, &op->u.scale.factor);
  g_string_append (s, ")\n");
  return TRUE;
}

/* ---------- descriptions ---------- */

static void
append_param (GString *s, const char *path, const PsParam *p)
{
  g_string_append (s, path);
  if (p->value == NULL)
    {
      g_string_append (s, " uninitialized");
      return;
    }
  g_autofree char *shape = ps_tensor_shape_string (p->value);
  g_autofree char *init = ps_init_info_summary (&p->init);
  g_string_append_printf (s, " %s", shape);
  if (*init)
    g_string_append_printf (s, " %s", init);
}

/* Parameters (and buffers) of `after` matching a step predicate, as "path shape init" phrases. */
static guint
append_stamped (GString *s, const PsState *after, guint n, gboolean created_only, const char *sep)
{
  g_autoptr (GPtrArray) items = ps_state_list_params (after);
  guint count = 0;
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      gboolean hit = created_only ? it->param->created_step == (int) n : it->param->written_step == (int) n;
      if (!hit)
        continue;
      if (count++ > 0)
        g_string_append (s, sep);
      append_param (s, it->path, it->param);
    }
  return count;
}


char *
ps_op_describe (const PsOp *op, const PsState *before, const PsState *after, const GError *error)
{
  if (after == NULL)
    {
      g_autofree char *action = op->kind->action (op);
      const char *msg = error ? error->message : "unknown error";
      /* drop our "op N (kind): " prefix: the timeline shows the step number already */
      if (g_str_has_prefix (msg, "op "))
        {
          const char *p = strstr (msg, "): ");
          if (p != NULL)
            msg = p + 3;
        }
      return g_strdup_printf ("%s failed: %s", action, msg);
    }
  GString *s = g_string_new (NULL);
  op->kind->describe (op, after, s);
  return g_string_free (s, FALSE);
}

/* ---------- applying ---------- */

static PsParam *
find_param (PsModule *m, const char *name)
{
  return m ? ps_module_get_param (m, name) : NULL;
}

/* The modules of `prev` whose subtrees this op may change; everything else is shared with the
 * new state (see ps_state_clone_for_write). Resolution failures are left for the apply function
 * to report: the op then fails and the clone is dropped. */
static GPtrArray *
writable_modules (const PsState *prev, const PsOp *op)
{
  GPtrArray *w = g_ptr_array_new ();
  if (op->kind->writes_modules != NULL)
    op->kind->writes_modules (op, prev, w);
  const char *path = ps_op_get_target (op);
  if (path == NULL)
    return w;
  PsModule *m = NULL;
  PsParam *p = NULL;
  if (ps_state_resolve (prev, path, &m, &p, NULL) && m != NULL)
    g_ptr_array_add (w, m);   /* for a parameter target: its owning module */
  return w;
}

/* created_step / written_step of one module's parameters and buffers, against its previous
 * version (NULL for a module this op created). */
static void
stamp_module (PsModule *m, PsModule *old, guint n, const PsOpKind *kind)
{
  for (guint k = 0; k < m->params->len; k++)
    {
      PsParam *p = g_ptr_array_index (m->params, k);
      PsParam *q = find_param (old, p->name);
      if (q == NULL || (q->value == NULL && p->value != NULL))
        {
          if (p->value != NULL || q == NULL)
            p->created_step = (int) n;     /* new, or a lazy parameter materialized now */
          p->written_step = p->value != NULL ? (int) n : -1;
        }
      else if (q->value != p->value)
        {
          p->written_step = (int) n;
          /* A forward that wrote values without describing them (BatchNorm's running statistics):
           * the old description no longer holds. (Other ops describe what they write; a repeated
           * reset_parameters legitimately leaves an identical description.) */
          if (kind->writes_undescribed && memcmp (&p->init, &q->init, sizeof p->init) == 0)
            {
              ps_init_info_clear (&p->init);
              p->init.dist = PS_DIST_OTHER;
              g_snprintf (p->init.formula, sizeof p->init.formula, "updated by %s at step %u", kind->name, n);
            }
        }
    }
}

/* A module the op created and the submodules its constructor made (MultiheadAttention.out_proj);
 * children that are modules of `prev` (a container's listed ids) and their subtrees are not new. */
static void
stamp_new (PsModule *c, const PsState *prev, GHashTable *inverse, GHashTable *seen, guint n, const PsOpKind *kind)
{
  if (g_hash_table_contains (inverse, c) || !g_hash_table_add (seen, c))
    return;
  if (c->id != NULL && ps_state_get_module (prev, c->id) == c)
    return;
  stamp_module (c, NULL, n, kind);
  for (guint i = 0; i < ps_module_n_children (c); i++)
    stamp_new (ps_module_child_at (c, i), prev, inverse, seen, n, kind);
}

/* Only modules that are new in this state can differ from the previous one: the ones cloned for
 * writing (inverse maps them to their old version) and the ones the op created (the ids after
 * prev's: ids are only added). Shared modules are the previous state's own and are left alone. */
static void
stamp (PsState *next, const PsState *prev, GHashTable *inverse, guint n, const PsOpKind *kind)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, inverse);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (k != v)
      stamp_module (k, v, n, kind);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  for (guint i = ps_state_n_modules (prev); i < ps_state_n_modules (next); i++)
    stamp_new (ps_state_get_module (next, ps_state_module_id (next, i)), prev, inverse, seen, n, kind);
}

PsState *
ps_op_apply_full (const PsState *prev, const PsOp *op, guint op_number, const PsOpContext *ctx,
                  GError **error)
{
  g_return_val_if_fail (prev != NULL && op != NULL, NULL);
  static const PsOpContext no_ctx = { NULL };
  if (ctx == NULL)
    ctx = &no_ctx;
  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) writable = writable_modules (prev, op);
  g_autoptr (PsState) next = ps_state_clone_for_write (prev, writable, op->kind->writes_children_only, map);
  next->step = op_number;
  /* the op's kernels follow the recipe's flavour (ps_threads_set_flavour: the sums' lanes, losses) */
  const PsFlavour flavour = ps_threads_set_flavour (next->gen.flavour);
  /* OpenBLAS hangs instead of failing when it cannot get its work buffer (ps_ops_blas_ready) */
  const gboolean ok = ps_ops_blas_ready (error) && op->kind->apply (next, op, op_number, ctx, error);
  ps_threads_set_flavour (flavour);
  if (!ok)
    {
      g_prefix_error (error, "op %u (%s): ", op_number, op->kind->name);
      return NULL;
    }
  g_autoptr (GHashTable) inverse = g_hash_table_new (NULL, NULL);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (inverse, v, k);
  stamp (next, prev, inverse, op_number, op->kind);
  return g_steal_pointer (&next);
}

PsState *
ps_op_apply (const PsState *prev, const PsOp *op, guint op_number, GError **error)
{
  return ps_op_apply_full (prev, op, op_number, NULL, error);
}

/* ---------- the op table ----------
 *
 * One entry per op kind, in the order docs/recipe-format.md lists them. ADDING AN OP KIND = one
 * entry here (name, the format version that adds it, its fields, check, apply, describe and its
 * Python emitter, all in this file: see note's), its member of the PsOp union (ps-op.h), its
 * section in docs/recipe-format.md, and its tests; nothing else dispatches on kinds and the newest
 * version a reader accepts follows from the table (see DESIGN.md). Field tables list the fields
 * besides "op", "description" and "x-…"; a field added to an existing kind later names its own
 * format version. */

#define F(kind, member) G_STRUCT_OFFSET (PsOp, u.kind.member)

static const PsOpField module_fields[] = {
  { "id", PS_FIELD_STRING, TRUE, F (module, id) },
  { "type", PS_FIELD_STRING, TRUE, F (module, type) },
  { "args", PS_FIELD_ARGS, FALSE, F (module, args) },
  { "children", PS_FIELD_CUSTOM, FALSE, F (module, child_names), 0, children_parse, children_write, children_copy,
    children_clear },
  { "class", PS_FIELD_STRING, FALSE, F (module, cls) },
  { "root", PS_FIELD_BOOL, FALSE, F (module, root), 3 },
  { NULL } };
static const PsOpField attach_fields[] = {
  { "parent", PS_FIELD_STRING, TRUE, F (child, parent) },
  { "name", PS_FIELD_NAME, TRUE, F (child, name) },
  { "child", PS_FIELD_STRING, TRUE, F (child, child) },
  { "index", PS_FIELD_INT, FALSE, F (child, index), 2 },
  { NULL } };
static const PsOpField detach_fields[] = {
  { "parent", PS_FIELD_STRING, TRUE, F (child, parent) },
  { "name", PS_FIELD_NAME, TRUE, F (child, name) },
  { NULL } };
static const PsOpField rename_fields[] = {
  { "parent", PS_FIELD_STRING, TRUE, F (child, parent) },
  { "name", PS_FIELD_NAME, TRUE, F (child, name) },
  { "new_name", PS_FIELD_NAME, TRUE, F (child, new_name) },
  { NULL } };
static const PsOpField move_fields[] = {
  { "parent", PS_FIELD_STRING, TRUE, F (child, parent) },
  { "name", PS_FIELD_NAME, TRUE, F (child, name) },
  { "index", PS_FIELD_INT, TRUE, F (child, index) },
  { NULL } };
static const PsOpField init_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (init, target) },
  { "fn", PS_FIELD_STRING, TRUE, F (init, call.fn) },
  { "args", PS_FIELD_CUSTOM, FALSE, F (init, call.args), 0, init_args_parse, args_write, args_copy, args_clear },
  { NULL } };
static const PsOpField init_modules_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (init_modules, target) },
  { "match", PS_FIELD_STRING, TRUE, F (init_modules, match) },
  { "weight", PS_FIELD_CUSTOM, FALSE, F (init_modules, weight), 0, init_call_parse, init_call_write, init_call_copy,
    init_call_clear },
  { "bias", PS_FIELD_CUSTOM, FALSE, F (init_modules, bias), 0, init_call_parse, init_call_write, init_call_copy,
    init_call_clear },
  { NULL } };
static const PsOpField target_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (target, target) },
  { NULL } };
static const PsOpField seed_fields[] = {
  { "seed", PS_FIELD_SEED, TRUE, F (seed, seed) },
  { NULL } };
static const PsOpField mode_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (mode, target) },
  { "train", PS_FIELD_BOOL, TRUE, F (mode, train) },
  { NULL } };
static const PsOpField forward_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (forward, target) },
  { "input", PS_FIELD_CUSTOM, TRUE, F (forward, input), 0, input_parse, input_write, input_copy, input_clear },
  { "name", PS_FIELD_STRING, FALSE, F (forward, name) },
  { "loss", PS_FIELD_CUSTOM, FALSE, F (forward, loss), 3, loss_parse, loss_write, loss_copy, loss_clear },
  { "key_padding_mask", PS_FIELD_CUSTOM, FALSE, F (forward, key_padding_mask), 3, mask_parse, ps_op_mask_write,
    ps_op_mask_copy, ps_op_mask_clear },
  { "attn_mask", PS_FIELD_CUSTOM, FALSE, F (forward, attn_mask), 3, mask_parse, ps_op_mask_write, ps_op_mask_copy,
    ps_op_mask_clear },
  { "need_weights", PS_FIELD_BOOL, FALSE, F (forward, need_weights), 3 },
  { "average_attn_weights", PS_FIELD_BOOL, FALSE, F (forward, average_attn_weights), 3 },
  { "root", PS_FIELD_BOOL, FALSE, F (forward, root), 4 },
  { NULL } };
static const PsOpField load_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (load, target) },
  { "file", PS_FIELD_STRING, TRUE, F (load, file) },
  { "sha256", PS_FIELD_STRING, FALSE, F (load, sha256) },
  { "strict", PS_FIELD_BOOL, FALSE, F (load, strict) },
  { NULL } };
static const PsOpField note_fields[] = {
  { "text", PS_FIELD_STRING, TRUE, F (note, text) },
  { NULL } };
static const PsOpField scale_fields[] = {
  { "target", PS_FIELD_STRING, TRUE, F (scale, target) },
  { "factor", PS_FIELD_NUMBER, TRUE, F (scale, factor) },
  { NULL } };

#undef F

/* ---------- what the rest of the program asks about an op (ps-op.h) ---------- */

static const char *
module_built (const PsOp *op)
{
  return op->u.module.id;
}

static gboolean
module_makes_root (const PsOp *op)
{
  return op->u.module.root;
}

static gboolean
forward_makes_root (const PsOp *op)
{
  return op->u.forward.root;
}

static const char *
forward_output_name (const PsOp *op)
{
  return op->u.forward.name;
}

/* constructing a module initializes its parameters (reset_parameters) unless it is a container */
static gboolean
module_may_draw (const PsOp *op)
{
  const PsModuleClass *klass = ps_module_class_lookup (op->u.module.type);
  return klass != NULL && !klass->is_container && ps_module_class_has_reset_parameters (klass);
}

static gboolean
init_may_draw (const PsOp *op)
{
  static const char *const quiet[] = { "zeros_", "ones_", "constant_", "eye_", "dirac_", NULL };
  return op->u.init.call.fn == NULL || !g_strv_contains (quiet, op->u.init.call.fn);
}

/* a module op adds the new module's paths; an attach the paths under the attached child */
static gboolean
module_check_size (const PsState *prev, const PsState *next, GError **error)
{
  (void) prev;
  return ps_state_check_size (next, TRUE, error);
}

static gboolean
attach_check_size (const PsState *prev, const PsState *next, GError **error)
{
  return ps_state_check_size_since (next, prev, error);
}

static const PsOpKind ps_op_kinds[] = {
  { .name = "module", .version = 1, .fields = module_fields, .check = check_module,
    .builds_module = module_built, .makes_root = module_makes_root, .may_draw = module_may_draw,
    .check_size = module_check_size,
    .apply = apply_module, .action = action_module, .describe = describe_module,
    .py_scan = ps_py_scan_module, .py_emit = ps_py_emit_module },
  { .name = "attach", .version = 1, .fields = attach_fields, .check = check_child, .writes = writes_parent,
    .never_draws = TRUE, .check_size = attach_check_size,
    .writes_children_only = TRUE, .apply = apply_attach, .action = action_attach, .describe = describe_attach,
    .py_scan = ps_py_scan_attach, .py_emit = ps_py_emit_attach },
  { .name = "detach", .version = 1, .fields = detach_fields, .writes = writes_parent, .never_draws = TRUE,
    .writes_children_only = TRUE, .apply = apply_detach, .action = action_detach, .describe = describe_detach,
    .py_scan = ps_py_scan_detach, .py_emit = ps_py_emit_detach },
  { .name = "rename", .version = 2, .fields = rename_fields, .writes = writes_parent, .never_draws = TRUE,
    .writes_children_only = TRUE, .apply = apply_rename, .action = action_rename, .describe = describe_rename,
    .py_scan = ps_py_scan_rename, .py_emit = ps_py_emit_rename },
  { .name = "move", .version = 2, .fields = move_fields, .check = check_child, .writes = writes_parent,
    .never_draws = TRUE,
    .writes_children_only = TRUE, .apply = apply_move, .action = action_move, .describe = describe_move,
    .py_scan = ps_py_scan_move, .py_emit = ps_py_emit_move },
  { .name = "init", .version = 1, .fields = init_fields, .check = check_init, .writes = writes_target,
    .may_draw = init_may_draw,
    .apply = apply_init, .action = action_init, .describe = describe_init, .py_emit = ps_py_emit_init },
  { .name = "init_modules", .version = 1, .fields = init_modules_fields, .check = check_init_modules,
    .writes = writes_target, .apply = apply_init_modules, .action = action_init_modules,
    .describe = describe_init_modules, .py_emit = ps_py_emit_init_modules },
  { .name = "reset_parameters", .version = 1, .fields = target_fields, .writes = writes_target,
    .apply = apply_reset_parameters, .action = action_reset_parameters, .describe = describe_reset_parameters,
    .py_emit = ps_py_emit_reset_parameters },
  { .name = "manual_seed", .version = 1, .fields = seed_fields,
    .apply = apply_manual_seed, .action = action_manual_seed, .describe = describe_manual_seed,
    .py_emit = ps_py_emit_manual_seed },
  { .name = "mode", .version = 1, .fields = mode_fields, .writes = writes_target, .never_draws = TRUE,
    .apply = apply_mode, .action = action_mode, .describe = describe_mode, .py_emit = ps_py_emit_mode },
  { .name = "forward", .version = 1, .fields = forward_fields, .check = check_forward, .writes = writes_target,
    .runs_forward = TRUE, .output_name = forward_output_name, .makes_root = forward_makes_root,
    .apply = apply_forward, .action = action_forward, .describe = describe_forward, .writes_undescribed = TRUE,
    .py_emit = ps_py_emit_forward },
  { .name = "load", .version = 1, .fields = load_fields, .check = check_load, .writes = writes_target,
    .loads_file = TRUE,
    .apply = apply_load, .action = action_load, .describe = describe_load, .py_emit = ps_py_emit_load },
  { .name = "note", .version = 3, .fields = note_fields, .check = check_note, .never_draws = TRUE,
    .apply = apply_note, .action = action_note, .describe = describe_note, .py_emit = py_emit_note },
  { .name = "scale", .version = 4, .fields = scale_fields, .writes = writes_target,
    .apply = apply_scale, .action = action_scale, .describe = describe_scale, .py_emit = py_emit_scale },
};

static const PsOpKind *
kind_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (ps_op_kinds); i++)
    if (strcmp (ps_op_kinds[i].name, name) == 0)
      return &ps_op_kinds[i];
  for (const PsOpKind *k = ps_train_op_kinds; k->name; k++)
    if (strcmp (k->name, name) == 0)
      return k;
  return NULL;
}

static int
kind_newest_version (const PsOpKind *k)
{
  int v = k->version;
  for (const PsOpField *f = k->fields; f->name; f++)
    v = MAX (v, f->version);
  return v;
}

int
ps_op_newest_version (void)
{
  int v = 1;
  for (guint i = 0; i < G_N_ELEMENTS (ps_op_kinds); i++)
    v = MAX (v, kind_newest_version (&ps_op_kinds[i]));
  for (const PsOpKind *k = ps_train_op_kinds; k->name; k++)
    v = MAX (v, kind_newest_version (k));
  return v;
}

gboolean
ps_op_kind_field_is_seed (const char *kind, const char *field)
{
  const PsOpKind *k = kind != NULL ? kind_lookup (kind) : NULL;
  for (const PsOpField *f = k != NULL ? k->fields : NULL; f != NULL && f->name; f++)
    if (strcmp (f->name, field) == 0)
      return f->type == PS_FIELD_SEED;
  return FALSE;
}

static const char *const *
ps_op_kind_names (void)
{
  static const char **names = NULL;
  if (g_once_init_enter (&names))
    {
      GPtrArray *a = g_ptr_array_new ();
      for (guint i = 0; i < G_N_ELEMENTS (ps_op_kinds); i++)
        g_ptr_array_add (a, (gpointer) ps_op_kinds[i].name);
      for (const PsOpKind *k = ps_train_op_kinds; k->name; k++)
        g_ptr_array_add (a, (gpointer) k->name);
      g_ptr_array_add (a, NULL);
      g_once_init_leave (&names, (const char **) g_ptr_array_free (a, FALSE));
    }
  return names;
}
