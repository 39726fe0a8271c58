/* ps-py-statement.c — typed PyTorch lines → recipe ops (see the header). A small scanner over
 * the subset of Python the article writes: dotted names, calls with positional and keyword
 * arguments (values are Python literals, read by ps-py-literal), assignments, `;`, and the
 * `for m in X.modules(): if isinstance(m, T): …` loop. */
#include "ps-config.h"
#include "ps-py-statement.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ps-error.h"
#include "ps-init.h"
#include "ps-module.h"
#include "ps-op.h"
#include "ps-py-literal.h"

/* What the messages offer as examples of lines that are understood. */
#define EXAMPLES "fc = nn.Linear(10, 5) · model = nn.Sequential(fc, nn.ReLU()) · nn.init.zeros_(fc.bias) · " \
                 "y = model(torch.randn(1, 10))"

typedef struct {
  const PsState *st;
  GPtrArray *ops;
  GHashTable *made;      /* id → TRUE: modules this text constructs */
  GHashTable *inputs;    /* name → JsonNode: inputs assigned (x = torch.randn(1, 10)), here or before */
  GHashTable *outputs;   /* forward output names this text writes */
  GHashTable *drawn;     /* names of random inputs already given to a forward (their draw is made) */
  guint n_assigned;      /* inputs assigned by this text */
  gboolean root_made;    /* this text made the model (the first container) */
} Ctx;

/* An input spec that draws from the generator (randn, rand, randint). */
static gboolean
input_draws (JsonNode *input)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (input) ? json_node_get_object (input) : NULL;
  return o != NULL && (json_object_has_member (o, "randn") || json_object_has_member (o, "rand")
                       || json_object_has_member (o, "randint"));
}

/* The Python of an input spec: torch.randn(1, 10), torch.randint(0, 10, (1, 4)). */
static char *
input_text (JsonNode *input)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (input) ? json_node_get_object (input) : NULL;
  g_autoptr (GList) members = o != NULL ? json_object_get_members (o) : NULL;
  if (members == NULL)
    return g_strdup ("?");
  const char *kind = members->data;
  JsonNode *v = json_object_get_member (o, kind);
  JsonObject *ri = JSON_NODE_HOLDS_OBJECT (v) ? json_node_get_object (v) : NULL;
  JsonNode *size = ri != NULL ? json_object_get_member (ri, "size") : v;
  GString *dims = g_string_new (NULL);
  JsonArray *a = size != NULL && JSON_NODE_HOLDS_ARRAY (size) ? json_node_get_array (size) : NULL;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    g_string_append_printf (dims, "%s%" G_GINT64_FORMAT, i ? ", " : "", json_array_get_int_element (a, i));
  g_autofree char *d = g_string_free (dims, FALSE);
  if (ri != NULL)
    return g_strdup_printf ("torch.%s(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", (%s%s))", kind,
                            json_object_get_int_member_with_default (ri, "low", 0),
                            json_object_get_int_member_with_default (ri, "high", 0), d, a != NULL && json_array_get_length (a) == 1 ? "," : "");
  return g_strdup_printf ("torch.%s(%s)", kind, d);
}

/* A random input assigned but not given to a forward yet, or NULL. In PyTorch it was drawn when
 * assigned; here its draw is made by the forward that uses it, so nothing else may draw before
 * that (the values would differ from PyTorch's). */
static const char *
pending_random_input (Ctx *ctx)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, ctx->inputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (input_draws (v) && !g_hash_table_contains (ctx->drawn, k))
      return k;
  return NULL;
}

typedef struct {
  char *func;            /* dotted name before the parenthesis */
  GPtrArray *pos;        /* positional argument texts */
  GPtrArray *kw_names;   /* keyword names, parallel to kw_vals */
  GPtrArray *kw_vals;
} Call;

static void
call_free (Call *c)
{
  if (c == NULL)
    return;
  g_free (c->func);
  g_ptr_array_unref (c->pos);
  g_ptr_array_unref (c->kw_names);
  g_ptr_array_unref (c->kw_vals);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static gboolean
ident_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gboolean
is_ident (const char *s)
{
  if (s == NULL || !ident_start (*s))
    return FALSE;
  for (s++; *s; s++)
    if (!ident_char (*s))
      return FALSE;
  return TRUE;
}

/* A dotted name: a, a.b, a.b.c (no spaces inside). */
static gboolean
is_dotted (const char *s)
{
  g_auto (GStrv) parts = g_strsplit (s, ".", -1);
  for (guint i = 0; parts[i]; i++)
    if (!is_ident (parts[i]))
      return FALSE;
  return parts[0] != NULL;
}

/* The closing quote of the string that starts at p (a ' or "), backslash escapes skipped; the
 * terminating NUL when it is not closed. */
static const char *
skip_string (const char *p)
{
  char q = *p;
  for (p++; *p && *p != q; p++)
    if (*p == '\\' && p[1])
      p++;
  return p;
}

/* Walks brackets from p, skipping quoted strings. Stops at the bracket that brings the depth back to 0
 * when stop_at_zero (returns it), else at the end. *depth is the bracket depth where it stopped; NULL
 * when a string is not closed or no bracket closed the first. */
static const char *
scan_brackets (const char *p, gboolean stop_at_zero, int *depth)
{
  *depth = 0;
  for (; *p; p++)
    {
      if (*p == '\'' || *p == '"')
        {
          p = skip_string (p);
          if (*p == '\0')
            return NULL;
          continue;
        }
      if (*p == '(' || *p == '[' || *p == '{')
        ++*depth;
      else if ((*p == ')' || *p == ']' || *p == '}') && --*depth == 0 && stop_at_zero)
        return p;
    }
  return NULL;
}

/* The matching close bracket of the one at *p, skipping strings; NULL if unbalanced. */
static const char *
match_close (const char *p)
{
  int depth;
  return scan_brackets (p, TRUE, &depth);
}

/* Bracket depth at the end of s (strings skipped): > 0 means the statement continues. */
static int
open_depth (const char *p)
{
  int depth;
  scan_brackets (p, FALSE, &depth);
  return depth;
}

/* Pieces of s separated by `sep` outside brackets and strings, trimmed; empty pieces dropped. */
static GPtrArray *
split_top (const char *s, char sep)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  int depth = 0;
  const char *start = s;
  for (const char *p = s;; p++)
    {
      if (*p == '\'' || *p == '"')
        {
          p = skip_string (p);
          if (*p == '\0')
            p--;
          continue;
        }
      if (*p == '(' || *p == '[' || *p == '{')
        depth++;
      else if (*p == ')' || *p == ']' || *p == '}')
        depth--;
      if (*p == '\0' || (*p == sep && depth == 0))
        {
          char *piece = g_strstrip (g_strndup (start, (gsize) (p - start)));
          if (*piece)
            g_ptr_array_add (out, piece);
          else
            g_free (piece);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return out;
}

/* The line without a # comment (outside strings). */
static char *
strip_comment (const char *line)
{
  for (const char *p = line; *p; p++)
    {
      if (*p == '\'' || *p == '"')
        {
          p = skip_string (p);
          if (*p == '\0')
            break;
          continue;
        }
      if (*p == '#')
        return g_strndup (line, (gsize) (p - line));
    }
  return g_strdup (line);
}

/* `func(args)` with nothing after the closing parenthesis, else NULL. */
static Call *
parse_call (const char *text)
{
  const char *open = strchr (text, '(');
  if (open == NULL)
    return NULL;
  g_autofree char *func = g_strstrip (g_strndup (text, (gsize) (open - text)));
  if (!is_dotted (func))
    return NULL;
  const char *close = match_close (open);
  if (close == NULL)
    return NULL;
  for (const char *q = close + 1; *q; q++)
    if (!g_ascii_isspace (*q))
      return NULL;
  Call *c = g_new0 (Call, 1);
  c->func = g_steal_pointer (&func);
  c->pos = g_ptr_array_new_with_free_func (g_free);
  c->kw_names = g_ptr_array_new_with_free_func (g_free);
  c->kw_vals = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *inner = g_strndup (open + 1, (gsize) (close - open - 1));
  g_autoptr (GPtrArray) args = split_top (inner, ',');
  for (guint i = 0; i < args->len; i++)
    {
      const char *a = args->pdata[i];
      const char *eq = a;
      while (ident_char (*eq))
        eq++;
      const char *after = eq;
      while (g_ascii_isspace (*after))
        after++;
      if (eq > a && ident_start (*a) && *after == '=' && after[1] != '=')
        {
          g_ptr_array_add (c->kw_names, g_strndup (a, (gsize) (eq - a)));
          g_ptr_array_add (c->kw_vals, g_strstrip (g_strdup (after + 1)));
        }
      else
        g_ptr_array_add (c->pos, g_strdup (a));
    }
  return c;
}

static const char *
strip_prefix (const char *s, const char *const *prefixes)
{
  for (guint i = 0; prefixes[i]; i++)
    if (g_str_has_prefix (s, prefixes[i]))
      return s + strlen (prefixes[i]);
  return s;
}

/* self.x → x, self → the root id: the article writes the model's own lines inside __init__. */
static char *
target_of (Ctx *ctx, const char *dotted)
{
  if (g_str_equal (dotted, "self"))
    return g_strdup (ctx->st != NULL && ctx->st->root != NULL ? ctx->st->root : "model");
  if (g_str_has_prefix (dotted, "self."))
    return g_strdup (dotted + 5);
  return g_strdup (dotted);
}

static gboolean
module_exists (Ctx *ctx, const char *id)
{
  return g_hash_table_contains (ctx->made, id) || (ctx->st != NULL && ps_state_get_module (ctx->st, id) != NULL);
}

/* The first component of a target is a module (known, or made above). */
static gboolean
names_module (Ctx *ctx, const char *target)
{
  g_autofree char *first = g_strdup (target);
  char *dot = strchr (first, '.');
  if (dot != NULL)
    *dot = '\0';
  return module_exists (ctx, first);
}

static gboolean
fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

static JsonNode *
literal (const char *text, GError **error)
{
  g_autoptr (GError) e = NULL;
  JsonNode *v = ps_py_literal_parse (text, &e);
  if (v == NULL)
    {
      if (e != NULL)
        g_propagate_error (error, g_steal_pointer (&e));
      else
        fail (error, _("An argument is empty"));
    }
  return v;
}

/* Positional arguments fill `specs` in order; only_required: only the required ones (a module's
 * optional arguments must be named, so a table's order is never guessed). */
static JsonObject *
call_args (Call *c, guint skip, const PsArgSpec *specs, gboolean only_required, GError **error)
{
  g_autoptr (JsonObject) args = json_object_new ();
  guint k = 0;
  for (guint i = skip; i < c->pos->len; i++)
    {
      while (specs != NULL && specs[k].name != NULL && (specs[k].keyword_only || (only_required && !specs[k].required)))
        k++;
      if (specs == NULL || specs[k].name == NULL)
        {
          fail (error, _("%s(…) takes no more positional arguments here: give “%s” by name (name=value)"),
                c->func, (const char *) c->pos->pdata[i]);
          return NULL;
        }
      JsonNode *v = literal (c->pos->pdata[i], error);
      if (v == NULL)
        return NULL;
      json_object_set_member (args, specs[k].name, v);
      k++;
    }
  for (guint i = 0; i < c->kw_names->len; i++)
    {
      JsonNode *v = literal (c->kw_vals->pdata[i], error);
      if (v == NULL)
        return NULL;
      json_object_set_member (args, c->kw_names->pdata[i], v);
    }
  return g_steal_pointer (&args);
}

static char *
fresh_id (Ctx *ctx, const char *type)
{
  g_autofree char *base = g_ascii_strdown (type, -1);
  for (guint n = 1;; n++)
    {
      char *id = g_strdup_printf ("%s%u", base, n);
      if (!module_exists (ctx, id))
        return id;
      g_free (id);
    }
}

static char *make_module (Ctx *ctx, const char *id, Call *c, GError **error);

/* A child given to a container: a module's name, or a constructor made here. */
static char *
child_id (Ctx *ctx, const char *text, const char *prefer_id, GError **error)
{
  g_autofree char *t = target_of (ctx, text);
  if (is_ident (t))
    {
      if (!module_exists (ctx, t))
        {
          fail (error, _("“%s” is not a module made before: construct it first (%s = nn.Linear(10, 5))"), t, t);
          return NULL;
        }
      return g_steal_pointer (&t);
    }
  g_autoptr (Call) c = parse_call (text);
  if (c == NULL)
    {
      fail (error, _("“%s” is not a module: give a module’s name or a constructor like nn.ReLU()"), text);
      return NULL;
    }
  return make_module (ctx, prefer_id != NULL && !module_exists (ctx, prefer_id) ? prefer_id : NULL, c, error);
}

static const char *const nn_prefixes[] = { "torch.nn.", "nn.", NULL };

/* Construct the module `c` calls for under `id` (NULL: a fresh one); returns its id. */
static char *
make_module (Ctx *ctx, const char *id, Call *c, GError **error)
{
  const char *type = strip_prefix (c->func, nn_prefixes);
  gboolean from_nn = type != c->func;
  const PsModuleClass *klass = is_ident (type) ? ps_module_class_lookup (type) : NULL;
  gboolean user_class = klass == NULL && !from_nn && is_ident (type) && g_ascii_isupper (type[0]);
  if (klass == NULL && !user_class)
    {
      fail (error, _("%s is not a layer Paramscope knows (the Add Layer dialog lists them)"), c->func);
      return NULL;
    }
  g_autofree char *new_id = id != NULL ? g_strdup (id) : fresh_id (ctx, user_class ? ps_module_class_for_user_classes ()->name : type);
  g_autoptr (JsonObject) op = json_object_new ();
  json_object_set_string_member (op, "op", "module");
  json_object_set_string_member (op, "id", new_id);
  /* the module's own id counts as taken while its inline children get theirs */
  g_hash_table_add (ctx->made, g_strdup (new_id));
  if (user_class)
    {
      /* class CustomModel(nn.Module) holding its children as attributes, run in order */
      json_object_set_string_member (op, "type", ps_module_class_for_user_classes ()->name);
      JsonObject *kids = json_object_new ();
      json_object_set_object_member (op, "children", kids);
      json_object_set_string_member (op, "class", type);
      for (guint i = 0; i < c->pos->len; i++)
        {
          char *cid = child_id (ctx, c->pos->pdata[i], NULL, error);
          if (cid == NULL)
            goto failed;
          json_object_set_string_member (kids, cid, cid);
          g_free (cid);
        }
      for (guint i = 0; i < c->kw_names->len; i++)
        {
          char *cid = child_id (ctx, c->kw_vals->pdata[i], c->kw_names->pdata[i], error);
          if (cid == NULL)
            goto failed;
          json_object_set_string_member (kids, c->kw_names->pdata[i], cid);
          g_free (cid);
        }
    }
  else if (klass->is_container)
    {
      if (klass->children_syntax == PS_CHILDREN_DICT || c->kw_names->len > 0)
        {
          fail (error, _("%s(…) here takes modules in order: nn.Sequential(fc1, nn.ReLU(), fc2)"), c->func);
          goto failed;
        }
      json_object_set_string_member (op, "type", klass->name);
      JsonArray *kids = json_array_new ();
      json_object_set_array_member (op, "children", kids);
      g_autoptr (GPtrArray) items = NULL;
      if (klass->children_syntax == PS_CHILDREN_LIST)
        {
          const char *l = c->pos->len == 1 ? c->pos->pdata[0] : "";
          gsize n = strlen (l);
          if (c->pos->len > 1 || (n > 0 && (l[0] != '[' || l[n - 1] != ']')))
            {
              fail (error, _("nn.ModuleList takes one list: nn.ModuleList([fc1, fc2])"));
              goto failed;
            }
          g_autofree char *inner = n > 0 ? g_strndup (l + 1, n - 2) : g_strdup ("");
          items = split_top (inner, ',');
        }
      else
        items = g_ptr_array_ref (c->pos);
      for (guint i = 0; i < items->len; i++)
        {
          char *cid = child_id (ctx, items->pdata[i], NULL, error);
          if (cid == NULL)
            goto failed;
          json_array_add_string_element (kids, cid);
          g_free (cid);
        }
    }
  else
    {
      json_object_set_string_member (op, "type", klass->name);
      /* positional arguments in the constructor's order, as torch takes them: nn.Linear(10, 5, False)
       * (the table's order is torch's: test-py-statement checks it against torch's signatures) */
      JsonObject *args = call_args (c, 0, klass->args, FALSE, error);
      if (args == NULL)
        goto failed;
      json_object_set_object_member (op, "args", args);
    }
  g_ptr_array_add (ctx->ops, g_steal_pointer (&op));
  return g_steal_pointer (&new_id);

failed:
  g_hash_table_remove (ctx->made, new_id);
  return NULL;
}

static const char *const input_kinds[] = { "randn", "rand", "ones", "zeros", NULL };

/* torch.randn(1, 10), torch.rand((2, 3)), torch.randint(0, 10, (1, 4)), or a name given one. */
static JsonNode *
make_input (Ctx *ctx, const char *text, GError **error)
{
  JsonNode *known = g_hash_table_lookup (ctx->inputs, text);
  if (known != NULL)
    {
      if (input_draws (known))
        {
          if (g_hash_table_contains (ctx->drawn, text))
            {
              fail (error, _("%s was drawn for an earlier forward: Paramscope does not keep its values, so it can be "
                             "given once — give a new input, as %s(torch.randn(1, 10))"), text, "model");
              return NULL;
            }
          g_hash_table_add (ctx->drawn, g_strdup (text));
        }
      return json_node_copy (known);
    }
  g_autoptr (Call) c = parse_call (text);
  const char *fn = c != NULL ? strip_prefix (c->func, (const char *const[]) { "torch.", NULL }) : NULL;
  gboolean randint = fn != NULL && g_str_equal (fn, "randint");
  if (fn == NULL || (!randint && !g_strv_contains (input_kinds, fn)) || fn == c->func)
    {
      fail (error, _("The input must be made in the same line, as torch.randn(1, 10) (or rand, ones, zeros, randint): got “%s”"),
            text);
      return NULL;
    }
  /* the shape: sizes as separate arguments, one tuple/list, or size=… */
  g_autoptr (JsonArray) shape = json_array_new ();
  guint first = 0;
  int64_t low = 0, high = 0;
  GPtrArray *sizes = c->pos;
  for (guint i = 0; i < c->kw_names->len; i++)
    if (g_str_equal (c->kw_names->pdata[i], "size"))
      g_ptr_array_add (c->pos, g_strdup (c->kw_vals->pdata[i]));
    else
      {
        fail (error, _("%s(…): only the size can be given here (got %s=)"), c->func, (const char *) c->kw_names->pdata[i]);
        return NULL;
      }
  if (randint)
    {
      if (c->pos->len < 2)
        {
          fail (error, _("torch.randint needs high and a size: torch.randint(10, (1, 4))"));
          return NULL;
        }
      g_autoptr (JsonNode) a = literal (c->pos->pdata[0], error);
      g_autoptr (JsonNode) b = c->pos->len >= 3 ? literal (c->pos->pdata[1], error) : NULL;
      if (a == NULL || (c->pos->len >= 3 && b == NULL))
        return NULL;
      if (json_node_get_value_type (a) != G_TYPE_INT64 || (b != NULL && json_node_get_value_type (b) != G_TYPE_INT64))
        {
          fail (error, _("torch.randint’s bounds must be integers"));
          return NULL;
        }
      low = b != NULL ? json_node_get_int (a) : 0;
      high = b != NULL ? json_node_get_int (b) : json_node_get_int (a);
      first = c->pos->len >= 3 ? 2 : 1;
    }
  for (guint i = first; i < sizes->len; i++)
    {
      g_autoptr (JsonNode) v = literal (sizes->pdata[i], error);
      if (v == NULL)
        return NULL;
      if (JSON_NODE_HOLDS_ARRAY (v) && sizes->len - first == 1)
        {
          JsonArray *a = json_node_get_array (v);
          for (guint k = 0; k < json_array_get_length (a); k++)
            json_array_add_element (shape, json_node_copy (json_array_get_element (a, k)));
        }
      else
        json_array_add_element (shape, g_steal_pointer (&v));
    }
  for (guint k = 0; k < json_array_get_length (shape); k++)
    {
      JsonNode *d = json_array_get_element (shape, k);
      if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64 || json_node_get_int (d) < 0)
        {
          fail (error, _("The input shape must be sizes, as torch.randn(1, 10): got “%s”"), text);
          return NULL;
        }
    }
  JsonObject *input = json_object_new ();
  if (randint)
    {
      JsonObject *ri = json_object_new ();
      json_object_set_int_member (ri, "low", low);
      json_object_set_int_member (ri, "high", high);
      json_object_set_array_member (ri, "size", g_steal_pointer (&shape));
      json_object_set_object_member (input, "randint", ri);
    }
  else
    json_object_set_array_member (input, fn, g_steal_pointer (&shape));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, input);
  return node;
}

static char *
output_name (Ctx *ctx)
{
  for (guint n = 1;; n++)
    {
      char *name = n == 1 ? g_strdup ("y") : g_strdup_printf ("y%u", n);
      if (!g_hash_table_contains (ctx->outputs, name) && (ctx->st == NULL || ps_state_get_output (ctx->st, name) == NULL))
        return name;
      g_free (name);
    }
}

static gboolean
make_forward (Ctx *ctx, const char *name, Call *c, GError **error)
{
  if (c->pos->len != 1 || c->kw_names->len != 0)
    return fail (error, _("%s(…) takes one input: %s(torch.randn(1, 10))"), c->func, c->func);
  g_autoptr (JsonNode) input = make_input (ctx, c->pos->pdata[0], error);
  if (input == NULL)
    return FALSE;
  g_autofree char *target = target_of (ctx, c->func);
  g_autofree char *out = name != NULL ? g_strdup (name) : output_name (ctx);
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "forward");
  json_object_set_string_member (op, "target", target);
  json_object_set_member (op, "input", g_steal_pointer (&input));
  json_object_set_string_member (op, "name", out);
  /* y = net(x) while there is no model: the container called is the model from here on, as the
   * first container typed would be (in Python the model is what one calls). A container made by
   * this text is the model already when there was none (the first-container rule). */
  PsModule *m = ctx->st != NULL ? ps_state_get_module (ctx->st, target) : NULL;
  if (m != NULL && m->klass->is_container && ps_state_get_root (ctx->st) == NULL && !ctx->root_made
      && !g_hash_table_contains (ctx->made, target))
    {
      json_object_set_boolean_member (op, "root", TRUE);
      ctx->root_made = TRUE;
    }
  g_hash_table_add (ctx->outputs, g_steal_pointer (&out));
  g_ptr_array_add (ctx->ops, op);
  return TRUE;
}

static const char *const init_prefixes[] = { "torch.nn.init.", "nn.init.", "init.", NULL };

/* nn.init.fn_(first, args…) → fn and its args; *first_out the first argument's text. */
static JsonObject *
init_call (Call *c, const char **fn_out, const char **first_out, GError **error)
{
  const char *fn = strip_prefix (c->func, init_prefixes);
  const PsArgSpec *specs = ps_init_function_args (fn);
  if (specs == NULL)
    {
      fail (error, _("%s is not an init function (nn.init.xavier_uniform_, zeros_, normal_, …)"), c->func);
      return NULL;
    }
  if (c->pos->len < 1)
    {
      fail (error, _("%s(…) needs the tensor first: %s(fc.weight)"), c->func, c->func);
      return NULL;
    }
  *fn_out = fn;
  *first_out = c->pos->pdata[0];
  return call_args (c, 1, specs, FALSE, error);
}

static gboolean
expr_statement (Ctx *ctx, const char *s, GError **error)
{
  g_autoptr (Call) c = parse_call (s);
  if (c == NULL)
    return fail (error, _("“%s” is not a line Paramscope reads. Try: %s"), s, EXAMPLES);
  if (g_str_equal (c->func, "torch.manual_seed"))
    {
      g_autoptr (JsonNode) v = c->pos->len == 1 && c->kw_names->len == 0 ? literal (c->pos->pdata[0], NULL) : NULL;
      if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64)
        return fail (error, _("torch.manual_seed takes one integer: torch.manual_seed(0)"));
      JsonObject *op = json_object_new ();
      json_object_set_string_member (op, "op", "manual_seed");
      json_object_set_int_member (op, "seed", json_node_get_int (v));
      g_ptr_array_add (ctx->ops, op);
      return TRUE;
    }
  if (strip_prefix (c->func, init_prefixes) != c->func)
    {
      const char *fn = NULL, *first = NULL;
      JsonObject *args = init_call (c, &fn, &first, error);
      if (args == NULL)
        return FALSE;
      g_autofree char *target = target_of (ctx, first);
      JsonObject *op = json_object_new ();
      json_object_set_string_member (op, "op", "init");
      json_object_set_string_member (op, "target", target);
      json_object_set_string_member (op, "fn", fn);
      json_object_set_object_member (op, "args", args);
      g_ptr_array_add (ctx->ops, op);
      return TRUE;
    }
  const char *dot = strrchr (c->func, '.');
  const char *method = dot != NULL ? dot + 1 : NULL;
  if (method != NULL && (g_str_equal (method, "train") || g_str_equal (method, "eval")
                         || g_str_equal (method, "reset_parameters")))
    {
      g_autofree char *owner = g_strndup (c->func, (gsize) (dot - c->func));
      g_autofree char *target = target_of (ctx, owner);
      gboolean train = g_str_equal (method, "train");
      if (train && c->pos->len == 1)
        {
          g_autoptr (JsonNode) v = literal (c->pos->pdata[0], NULL);
          if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_BOOLEAN)
            return fail (error, _("%s(…) takes True or False"), c->func);
          train = json_node_get_boolean (v);
        }
      else if (c->pos->len > 0 || c->kw_names->len > 0)
        return fail (error, _("%s() takes no arguments here"), c->func);
      JsonObject *op = json_object_new ();
      if (g_str_equal (method, "reset_parameters"))
        json_object_set_string_member (op, "op", "reset_parameters");
      else
        json_object_set_string_member (op, "op", "mode");
      json_object_set_string_member (op, "target", target);
      if (!g_str_equal (method, "reset_parameters"))
        json_object_set_boolean_member (op, "train", train);
      g_ptr_array_add (ctx->ops, op);
      return TRUE;
    }
  g_autofree char *target = target_of (ctx, c->func);
  if (names_module (ctx, target))
    return make_forward (ctx, NULL, c, error);
  return fail (error, _("“%s” is not a line Paramscope reads. Try: %s"), s, EXAMPLES);
}

static gboolean
assignment (Ctx *ctx, const char *lhs_text, const char *rhs, GError **error)
{
  g_autofree char *lhs = target_of (ctx, lhs_text);
  if (!is_ident (lhs))
    return fail (error, _("Only a plain name can be assigned here (fc = …, self.fc = …): got “%s”"), lhs_text);
  g_autoptr (Call) c = parse_call (rhs);
  if (c == NULL)
    return fail (error, _("“%s = %s” is not a line Paramscope reads. Try: %s"), lhs, rhs, EXAMPLES);
  const char *fn = strip_prefix (c->func, (const char *const[]) { "torch.", NULL });
  if (fn != c->func && (g_strv_contains (input_kinds, fn) || g_str_equal (fn, "randint")))
    {
      JsonNode *input = make_input (ctx, rhs, error);
      if (input == NULL)
        return FALSE;
      g_hash_table_insert (ctx->inputs, g_strdup (lhs), input);
      g_hash_table_remove (ctx->drawn, lhs);   /* a new x: not drawn yet */
      ctx->n_assigned++;
      return TRUE;
    }
  g_autofree char *target = target_of (ctx, c->func);
  if (names_module (ctx, target) && strip_prefix (c->func, nn_prefixes) == c->func)
    return make_forward (ctx, lhs, c, error);
  if (module_exists (ctx, lhs))
    return fail (error, _("%s already exists: pick another name"), lhs);
  g_autofree char *id = make_module (ctx, lhs, c, error);
  if (id == NULL)
    return FALSE;
  /* the first container is the model, whatever its name: net = nn.Sequential(…) (the Add Layer
   * dialog's rule); under another name than the document's root id its op says so ("root") */
  JsonObject *op = ctx->ops->pdata[ctx->ops->len - 1];
  const PsModuleClass *klass = ps_module_class_lookup (json_object_get_string_member_with_default (op, "type", ""));
  const char *root = ctx->st != NULL && ctx->st->root != NULL ? ctx->st->root : "model";
  gboolean no_model = ctx->st == NULL || ps_state_get_root (ctx->st) == NULL;
  if (klass != NULL && klass->is_container && no_model && !ctx->root_made)
    {
      if (!g_str_equal (id, root))
        json_object_set_boolean_member (op, "root", TRUE);
      ctx->root_made = TRUE;
    }
  return TRUE;
}

/* for m in TARGET.modules(): if isinstance(m, TYPE): nn.init.f_(m.weight, …); nn.init.g_(m.bias) */
static gboolean
for_loop (Ctx *ctx, const char *header_and_body, GError **error)
{
  static const char usage[] = "for m in model.modules(): if isinstance(m, nn.Linear): "
                              "nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)";
  const char *p = header_and_body + 3;
  while (g_ascii_isspace (*p))
    p++;
  const char *v0 = p;
  while (ident_char (*p))
    p++;
  g_autofree char *var = g_strndup (v0, (gsize) (p - v0));
  while (g_ascii_isspace (*p))
    p++;
  if (!is_ident (var) || !g_str_has_prefix (p, "in") || !g_ascii_isspace (p[2]))
    return fail (error, _("The loop reads like this: %s"), usage);
  p += 2;
  while (g_ascii_isspace (*p))
    p++;
  const char *colon = strstr (p, ".modules()");
  const char *after = colon != NULL ? colon + strlen (".modules()") : NULL;
  while (after != NULL && g_ascii_isspace (*after))
    after++;
  if (colon == NULL || *after != ':')
    return fail (error, _("The loop reads like this: %s"), usage);
  g_autofree char *owner = g_strstrip (g_strndup (p, (gsize) (colon - p)));
  if (!is_dotted (owner))
    return fail (error, _("The loop reads like this: %s"), usage);
  g_autofree char *target = target_of (ctx, owner);
  const char *body = after + 1;
  while (g_ascii_isspace (*body) || *body == ';')
    body++;
  if (!g_str_has_prefix (body, "if isinstance("))
    return fail (error, _("The loop needs the type it changes: %s"), usage);
  const char *open = body + strlen ("if isinstance");
  const char *close = match_close (open);
  if (close == NULL)
    return fail (error, _("The loop reads like this: %s"), usage);
  g_autofree char *inner = g_strndup (open + 1, (gsize) (close - open - 1));
  g_autoptr (GPtrArray) isargs = split_top (inner, ',');
  const char *rest = close + 1;
  while (g_ascii_isspace (*rest))
    rest++;
  if (isargs->len != 2 || !g_str_equal (isargs->pdata[0], var) || *rest != ':')
    return fail (error, _("The loop reads like this: %s"), usage);
  const char *match = strip_prefix (isargs->pdata[1], nn_prefixes);
  if (!is_ident (match))
    return fail (error, _("The loop reads like this: %s"), usage);
  g_autoptr (JsonObject) op = json_object_new ();
  json_object_set_string_member (op, "op", "init_modules");
  json_object_set_string_member (op, "target", target);
  json_object_set_string_member (op, "match", match);
  g_autoptr (GPtrArray) calls = split_top (rest + 1, ';');
  g_autofree char *weight = g_strconcat (var, ".weight", NULL);
  g_autofree char *bias = g_strconcat (var, ".bias", NULL);
  for (guint i = 0; i < calls->len; i++)
    {
      g_autoptr (Call) c = parse_call (calls->pdata[i]);
      if (c == NULL)
        return fail (error, _("The loop reads like this: %s"), usage);
      const char *fn = NULL, *first = NULL;
      JsonObject *args = init_call (c, &fn, &first, error);
      if (args == NULL)
        return FALSE;
      const char *which = g_str_equal (first, weight) ? "weight" : g_str_equal (first, bias) ? "bias" : NULL;
      if (which == NULL || json_object_has_member (op, which))
        {
          json_object_unref (args);
          return fail (error, _("In the loop, initialize %s and %s once each: %s"), weight, bias, usage);
        }
      JsonObject *call = json_object_new ();
      json_object_set_string_member (call, "fn", fn);
      if (json_object_get_size (args) > 0)
        json_object_set_object_member (call, "args", args);
      else
        json_object_unref (args);
      json_object_set_object_member (op, which, call);
    }
  if (!json_object_has_member (op, "weight") && !json_object_has_member (op, "bias"))
    return fail (error, _("The loop reads like this: %s"), usage);
  g_ptr_array_add (ctx->ops, g_steal_pointer (&op));
  return TRUE;
}

/* An op that may draw from the generator (or reseed it): constructing a module that initializes
 * parameters, an init or a reset, manual_seed, a forward (its input, dropout, a lazy layer) — the
 * op table says (ps_op_may_draw). An op the table refuses fails when applied, with its reason. */
static gboolean
op_may_draw (JsonObject *json)
{
  g_autoptr (PsOp) op = ps_op_new_from_json (json, 1, NULL);
  return op != NULL && ps_op_may_draw (op);
}

/* A statement while a random input waits to be used must not draw first (see pending_random_input). */
static gboolean
statement_checked (Ctx *ctx, const char *s, gboolean (*run) (Ctx *, const char *, GError **), GError **error)
{
  g_autofree char *pending = g_strdup (pending_random_input (ctx));
  guint before = ctx->ops->len;
  if (!run (ctx, s, error))
    return FALSE;
  if (pending == NULL || g_hash_table_contains (ctx->drawn, pending))
    return TRUE;
  for (guint i = before; i < ctx->ops->len; i++)
    if (op_may_draw (ctx->ops->pdata[i]))
      {
        g_autofree char *spec = input_text (g_hash_table_lookup (ctx->inputs, pending));
        g_ptr_array_set_size (ctx->ops, before);
        return fail (error, _("%s = %s is drawn from the generator before this line in PyTorch, and this line "
                              "draws too: use %s first (y = model(%s)), or give this line after it"),
                     pending, spec, pending, pending);
      }
  return TRUE;
}

static gboolean
statement (Ctx *ctx, const char *s, GError **error)
{
  if (g_str_has_prefix (s, "import ") || (g_str_has_prefix (s, "from ") && strstr (s, " import ") != NULL))
    return TRUE;   /* import torch, import torch.nn as nn, from torch import nn */
  if (g_str_has_prefix (s, "class ") || g_str_has_prefix (s, "def "))
    return fail (error, _("Type the statements, not a class: model = CustomModel(linear1, linear2) makes a user model of modules made before"));
  /* an assignment: name = value, with `=` outside brackets and not == */
  int depth = 0;
  for (const char *p = s; *p; p++)
    {
      if (*p == '(' || *p == '[' || *p == '{' || *p == '\'' || *p == '"')
        break;
      if (*p == '=' && depth == 0 && p[1] != '=' && p > s && p[-1] != '!' && p[-1] != '<' && p[-1] != '>')
        {
          g_autofree char *lhs = g_strstrip (g_strndup (s, (gsize) (p - s)));
          g_autofree char *rhs = g_strstrip (g_strdup (p + 1));
          return assignment (ctx, lhs, rhs, error);
        }
    }
  return expr_statement (ctx, s, error);
}

static guint
indent_of (const char *line)
{
  guint n = 0;
  while (line[n] == ' ' || line[n] == '\t')
    n++;
  return n;
}

GPtrArray *
ps_py_statements_to_ops (const PsState *st, const char *text, GError **error)
{
  return ps_py_statements_to_ops_with_inputs (st, text, NULL, error);
}

GHashTable *
ps_py_inputs_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
}

GHashTable *
ps_py_inputs_copy (GHashTable *inputs)
{
  GHashTable *copy = ps_py_inputs_new ();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, inputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (copy, g_strdup (k), json_node_copy (v));
  return copy;
}

void
ps_py_inputs_forget_random (GHashTable *inputs)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, inputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (JSON_NODE_HOLDS_NULL (v) || input_draws (v))
      g_hash_table_iter_remove (&it);
}

gboolean
ps_py_inputs_pending (GHashTable *inputs)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, inputs);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (!JSON_NODE_HOLDS_NULL (v) && input_draws (v))
      return TRUE;
  return FALSE;
}

GPtrArray *
ps_py_statements_to_ops_with_inputs (const PsState *st, const char *text, GHashTable *inputs, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  Ctx ctx = { st, g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref),
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref),
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  if (inputs != NULL)
    {
      /* the inputs of earlier lines; null: a random one already given to a forward */
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, inputs);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (JSON_NODE_HOLDS_NULL (v))
          {
            JsonObject *o = json_object_new ();
            json_object_set_null_member (o, "randn");
            JsonNode *n = json_node_new (JSON_NODE_OBJECT);
            json_node_take_object (n, o);
            g_hash_table_insert (ctx.inputs, g_strdup (k), n);
            g_hash_table_add (ctx.drawn, g_strdup (k));
          }
        else
          g_hash_table_insert (ctx.inputs, g_strdup (k), json_node_copy (v));
    }
  g_auto (GStrv) raw = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (raw);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (lines, strip_comment (raw[i]));
  guint n_nonblank = 0;
  for (guint i = 0; i < n; i++)
    {
      const char *q = lines->pdata[i];
      while (g_ascii_isspace (*q))
        q++;
      n_nonblank += *q != '\0';
    }
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  guint line_no = 0;
  for (guint i = 0; ok && i < n; i++)
    {
      const char *line = lines->pdata[i];
      guint ind = indent_of (line);
      g_autofree char *stmt = g_strstrip (g_strdup (line));
      if (*stmt == '\0')
        continue;
      line_no = i + 1;
      /* a call spread over several lines continues until its brackets close */
      while (open_depth (stmt) > 0 && i + 1 < n)
        {
          char *joined = g_strconcat (stmt, " ", g_strstrip ((char *) lines->pdata[++i]), NULL);
          g_free (stmt);
          stmt = joined;
        }
      if (g_str_has_prefix (stmt, "for ") || g_str_has_prefix (stmt, "for\t"))
        {
          /* the loop's body: the rest of the line and the lines indented below it */
          GString *all = g_string_new (stmt);
          while (i + 1 < n)
            {
              const char *next = lines->pdata[i + 1];
              g_autofree char *t = g_strstrip (g_strdup (next));
              if (*t != '\0' && indent_of (next) <= ind)
                break;
              i++;
              if (*t != '\0')
                g_string_append_printf (all, "; %s", t);
            }
          g_autofree char *loop = g_string_free (all, FALSE);
          /* "…:; if …:; a; b" → the pieces after each colon read as one list */
          ok = statement_checked (&ctx, loop, for_loop, &e);
          continue;
        }
      g_autoptr (GPtrArray) parts = split_top (stmt, ';');
      for (guint k = 0; ok && k < parts->len; k++)
        ok = statement_checked (&ctx, parts->pdata[k], statement, &e);
    }
  if (ok && ctx.ops->len == 0 && inputs != NULL && ctx.n_assigned > 0)
    ;   /* only inputs assigned: kept for a later line */
  else if (ok && ctx.ops->len == 0)
    {
      ok = FALSE;
      if (ctx.inputs != NULL && g_hash_table_size (ctx.inputs) > 0)
        g_set_error (&e, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     _("An input alone makes no step: give it to the model in the same line, y = model(torch.randn(1, 10))"));
      else
        g_set_error (&e, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Type a PyTorch line, e.g. %s"), EXAMPLES);
      line_no = 0;
    }
  if (ok && inputs != NULL)
    {
      g_hash_table_remove_all (inputs);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, ctx.inputs);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (inputs, g_strdup (k), g_hash_table_contains (ctx.drawn, k) ? json_node_new (JSON_NODE_NULL)
                                                                                           : json_node_copy (v));
    }
  g_hash_table_unref (ctx.made);
  g_hash_table_unref (ctx.inputs);
  g_hash_table_unref (ctx.outputs);
  g_hash_table_unref (ctx.drawn);
  if (!ok)
    {
      g_ptr_array_unref (ctx.ops);
      if (n_nonblank > 1 && line_no > 0)
        g_prefix_error (&e, _("Line %u: "), line_no);
      g_propagate_error (error, g_steal_pointer (&e));
      return NULL;
    }
  return ctx.ops;
}

gboolean
ps_py_ops_have_forward (GPtrArray *ops)
{
  for (guint i = 0; ops != NULL && i < ops->len; i++)
    {
      g_autoptr (PsOp) op = ps_op_new_from_json (ops->pdata[i], i + 1, NULL);
      if (op != NULL && ps_op_runs_forward (op))
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
ps_py_statements_parse (const PsState *st, const char *text, GHashTable *inputs, GError **error)
{
  g_autoptr (GHashTable) work = inputs != NULL ? ps_py_inputs_copy (inputs) : NULL;
  g_autoptr (GPtrArray) json = ps_py_statements_to_ops_with_inputs (st, text, work, error);
  if (json == NULL)
    return NULL;
  g_autoptr (GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_op_unref);
  guint first = st != NULL ? st->step + 1 : 1;
  for (guint i = 0; i < json->len; i++)
    {
      PsOp *op = ps_op_new_from_json (json->pdata[i], first + i, error);
      if (op == NULL)
        return NULL;
      g_ptr_array_add (ops, op);
    }
  if (inputs != NULL)
    {
      g_hash_table_remove_all (inputs);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, work);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (inputs, g_strdup (k), json_node_copy (v));
    }
  return g_steal_pointer (&ops);
}
