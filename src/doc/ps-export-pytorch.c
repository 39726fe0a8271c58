/* ps-export-pytorch.c — a recipe as a PyTorch script (see ps-export-pytorch.h).
 *
 * The exporter does not replay anything: it follows the recipe's module tree symbolically (ids,
 * container types, child names, attach/detach) only to spell targets the way a person would —
 * `model[0].weight` for a positional Sequential child, `model["body"]` for a ModuleDict,
 * `model.linear1` for a named child — and to pick the right call for a forward (self-attention,
 * Bilinear, the first element of an RNN's tuple). Whatever the tree does not know (the insides of a
 * layer such as MultiheadAttention's out_proj) is spelled as plain attribute access. */
#include "ps-export-pytorch.h"
#include "ps-op-private.h"
#include "ps-module.h"

#include <math.h>
#include <string.h>

/* ---------- the symbolic tree ---------- */

typedef struct _Node Node;
struct _Node {
  char *id;
  char *type;          /* "Linear", "Sequential", … */
  char *cls;           /* user class name, or NULL */
  char *var;           /* Python variable holding it */
  GPtrArray *names;    /* child names (char*), in order; containers only */
  GPtrArray *kids;     /* Node*, parallel to names (no refs: nodes live in Exporter.nodes) */
  gboolean pair;       /* MaxPool1d/2d(return_indices=True): forward returns (output, indices) */
};

typedef struct {
  char *name;          /* Python class name */
  gboolean generic;    /* forward loops over _modules (children change or differ) */
  GPtrArray *names;    /* child names when not generic */
  GArray *calls;       /* TupleCall per name when not generic */
  gboolean any_tuple;  /* some instance holds an RNN or MultiheadAttention: a generic forward unpacks */
} UserClass;

/* How a user class's forward calls a child so that it passes on what Paramscope's does: an RNN's,
 * LSTMCell's or MultiheadAttention's [0] (MultiheadAttention given x as query, key and value). */
typedef enum { CALL_PLAIN, CALL_FIRST, CALL_QKV } TupleCall;

struct _PsPyExport {
  const PsRecipe *recipe;
  GHashTable *nodes;        /* id → Node* (owned) */
  GPtrArray *order;         /* Node* in creation order */
  GHashTable *vars;         /* used Python names → TRUE */
  GHashTable *classes;      /* class name → UserClass* (owned) */
  GPtrArray *class_order;   /* UserClass* in first-use order */
  gboolean need_ordered_dict;
  gboolean need_restructure;   /* the rename/move helpers (attach at an index, rename, move) */
  gboolean have_outputs;       /* `outputs = {}` is written (before the first forward) */
  GHashTable *train_vars;      /* data set / optimizer / scheduler id → Python variable (owned) */
  gboolean need_unpack;        /* class UnpackSequential: a Sequential holds an RNN (tuple output) */
  GHashTable *unpack_ids;      /* ids of plain Sequentials that hold a tuple-returning child at some
                                * point (an attach or move included): found in pass 1, used at their
                                * construction in pass 2, so the class fits the final children */
  GString *out;
};
typedef PsPyExport Exporter;

/* The class of a node written as a torch container (Sequential, ModuleList, ModuleDict), or NULL for
 * a leaf and a user class. */
static const PsModuleClass *
torch_container (const Node *n)
{
  const PsModuleClass *klass = n->cls == NULL ? ps_module_class_lookup (n->type) : NULL;
  return klass != NULL && klass->is_container ? klass : NULL;
}

static void
node_free (gpointer p)
{
  Node *n = p;
  g_free (n->id);
  g_free (n->type);
  g_free (n->cls);
  g_free (n->var);
  if (n->names)
    g_ptr_array_unref (n->names);
  if (n->kids)
    g_ptr_array_unref (n->kids);
  g_free (n);
}

static void
user_class_free (gpointer p)
{
  UserClass *c = p;
  g_free (c->name);
  if (c->names)
    g_ptr_array_unref (c->names);
  if (c->calls)
    g_array_unref (c->calls);
  g_free (c);
}

static const char *const python_keywords[] = {
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
  "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
  "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
  "yield", NULL
};

/* Names the script itself uses at module level, plus builtins a variable must not shadow. */
static const char *const script_names[] = {
  "torch", "nn", "sys", "os", "json", "hashlib", "OrderedDict", "outputs", "module", "x",
  "print", "len", "range", "type", "id", "list", "dict", "str", "int",
  "float", "input", "object", "super", "self", "getattr", "setattr", "delattr", "hasattr", "isinstance",
  "UnpackSequential", "key_padding_mask", "attn_mask", NULL
};

/* Attribute names of nn.Module that a child name must not shadow in `self.NAME` spelling. */
static const char *const module_attrs[] = {
  "training", "forward", "train", "eval", "modules", "children", "parameters", "buffers",
  "state_dict", "named_modules", "named_children", "named_parameters", "named_buffers", "to",
  "cuda", "cpu", "float", "double", "half", "type", "apply", "add_module", "register_buffer",
  "register_parameter", "get_submodule", "load_state_dict", "zero_grad", "requires_grad_",
  "extra_repr", "dump_patches", NULL
};

static gboolean
in_list (const char *s, const char *const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (strcmp (s, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_identifier (const char *s)
{
  if (s == NULL || !(g_ascii_isalpha (s[0]) || s[0] == '_'))
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_'))
      return FALSE;
  return !in_list (s, python_keywords);
}

/* `.name` is safe for a child: an identifier that is no keyword and no nn.Module attribute. */
static gboolean
is_attr_name (const char *s)
{
  return is_identifier (s) && !in_list (s, module_attrs);
}

/* A fresh Python variable for a recipe id (ids are usually identifiers already). */
static char *
make_var (Exporter *ex, const char *id)
{
  GString *v = g_string_new (NULL);
  for (const char *p = id; *p; p++)
    g_string_append_c (v, (g_ascii_isalnum (*p) || *p == '_') ? *p : '_');
  if (v->len == 0 || g_ascii_isdigit (v->str[0]))
    g_string_prepend_c (v, '_');
  while (in_list (v->str, python_keywords) || in_list (v->str, script_names)
         || g_hash_table_contains (ex->vars, v->str) || g_hash_table_contains (ex->classes, v->str))
    g_string_append_c (v, '_');
  g_hash_table_add (ex->vars, g_strdup (v->str));
  return g_string_free (v, FALSE);
}

/* ---------- Python literals (one writer: ps-args.h, in the script's spelling) ---------- */

static void
append_py_string (GString *s, const char *text)
{
  ps_python_append_string (s, text, PS_PY_SCRIPT);
}

static void
append_py_float (GString *s, double d)
{
  ps_python_append_float (s, d, PS_PY_SCRIPT);
}

static void
append_py_arg (GString *s, const PsValue *v)
{
  ps_value_append_python (s, v, PS_PY_SCRIPT);
}

/* "in_features=10, out_features=5" from keyword arguments as given (NULL → ""). */
static void
append_kwargs (GString *s, const PsArgs *args, gboolean leading_comma)
{
  if (args == NULL)
    return;
  for (guint i = 0; i < ps_args_len (args); i++)
    {
      if (leading_comma || i > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "%s=", ps_args_name (args, i));
      append_py_arg (s, ps_args_value (args, i));
    }
}

static gboolean
op_fail (GError **error, guint number, const char *kind, const char *what)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "op %u (%s): %s", number,
               kind ? kind : "?", what);
  return FALSE;
}

/* ---------- targets ---------- */

static gboolean
is_position (const char *name, guint pos)
{
  char buf[16];
  g_snprintf (buf, sizeof buf, "%u", pos);
  return strcmp (name, buf) == 0;
}

typedef struct {
  GString *expr;       /* Python expression */
  Node *node;          /* the tree node it ends at, NULL when below what the tree knows */
} Target;

static gboolean
resolve (Exporter *ex, const char *path, Target *t, guint number, const char *kind, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path ? path : "", ".", -1);
  Node *n = parts[0] ? g_hash_table_lookup (ex->nodes, parts[0]) : NULL;
  if (n == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("target '%s': no module with id '%s'", path ? path : "",
                                              parts[0] ? parts[0] : "");
      return op_fail (error, number, kind, msg);
    }
  t->expr = g_string_new (n->var);
  t->node = n;
  for (guint i = 1; parts[i] != NULL; i++)
    {
      const char *p = parts[i];
      Node *child = NULL;
      guint pos = 0;
      if (t->node && t->node->names)
        for (guint j = 0; j < t->node->names->len; j++)
          if (strcmp (g_ptr_array_index (t->node->names, j), p) == 0)
            {
              child = g_ptr_array_index (t->node->kids, j);
              pos = j;
              break;
            }
      const PsModuleClass *container = child != NULL ? torch_container (t->node) : NULL;
      if (container != NULL && container->children_syntax == PS_CHILDREN_DICT)
        {
          g_string_append_c (t->expr, '[');
          append_py_string (t->expr, p);
          g_string_append_c (t->expr, ']');
        }
      else if (container != NULL
               && (container->children_syntax == PS_CHILDREN_ARGS || container->children_syntax == PS_CHILDREN_LIST)
               && is_position (p, pos))
        /* positional indexing is only right while the name equals the position */
        g_string_append_printf (t->expr, "[%u]", pos);
      else if (is_attr_name (p))
        g_string_append_printf (t->expr, ".%s", p);
      else
        {
          g_string_prepend (t->expr, "getattr(");
          g_string_append (t->expr, ", ");
          append_py_string (t->expr, p);
          g_string_append_c (t->expr, ')');
        }
      t->node = child;
    }
  return TRUE;
}

static void
target_clear (Target *t)
{
  if (t->expr)
    g_string_free (t->expr, TRUE);
  t->expr = NULL;
}

static void emit_loss_fn (GString *s, const char *var, JsonObject *loss);

/* ---------- classes ---------- */

static gboolean
is_container_type (const char *type)
{
  const PsModuleClass *klass = ps_module_class_lookup (type);
  return klass != NULL && klass->is_container;
}

/* Child names of a container op, in order (array children are "0", "1", …), and their ids. */
static GPtrArray *
child_names_of (const PsOp *op, GPtrArray **ids)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  *ids = g_ptr_array_new_with_free_func (g_free);
  const PsOpModule *m = &op->u.module;
  for (guint i = 0; m->child_names != NULL && i < m->child_names->len; i++)
    {
      g_ptr_array_add (names, g_strdup (g_ptr_array_index (m->child_names, i)));
      g_ptr_array_add (*ids, g_strdup (g_ptr_array_index (m->child_ids, i)));
    }
  return names;
}

static char *
class_identifier (const char *name)
{
  GString *v = g_string_new (NULL);
  for (const char *p = name; *p; p++)
    g_string_append_c (v, (g_ascii_isalnum (*p) || *p == '_') ? *p : '_');
  if (v->len == 0 || g_ascii_isdigit (v->str[0]))
    g_string_prepend_c (v, '_');
  while (in_list (v->str, python_keywords) || in_list (v->str, script_names))
    g_string_append_c (v, '_');
  return g_string_free (v, FALSE);
}

static gboolean
names_explicit_ok (GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      if (!is_attr_name (n) || strcmp (n, "self") == 0 || strcmp (n, "x") == 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_names (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (strcmp (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
      return FALSE;
  return TRUE;
}

/* ---------- pass 1: ids, variables and classes ---------- */

static Node *
add_node (Exporter *ex, const PsOp *op)
{
  Node *n = g_new0 (Node, 1);
  n->id = g_strdup (op->u.module.id);
  n->type = g_strdup (op->u.module.type);
  const char *cls = op->u.module.cls;
  n->cls = cls ? class_identifier (cls) : NULL;
  n->var = make_var (ex, n->id);
  const PsValue *ri = op->u.module.args ? ps_args_lookup (op->u.module.args, "return_indices") : NULL;
  n->pair = ri != NULL && ri->type == PS_VALUE_BOOL && ri->b && g_str_has_prefix (n->type, "MaxPool");
  if (is_container_type (n->type) || n->cls)
    {
      g_autoptr (GPtrArray) ids = NULL;
      n->names = child_names_of (op, &ids);
      n->kids = g_ptr_array_new ();
      for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add (n->kids, g_hash_table_lookup (ex->nodes, g_ptr_array_index (ids, i)));
    }
  g_hash_table_insert (ex->nodes, g_strdup (n->id), n);
  g_ptr_array_add (ex->order, n);
  return n;
}

/* A plain Sequential holding a module that returns a tuple (an RNN's (output, state)): Paramscope's
 * Sequential passes on [0], torch's would pass the tuple, so the script uses UnpackSequential. */
static gboolean
seq_needs_unpack (const Node *n)
{
  const PsModuleClass *container = torch_container (n);
  if (container == NULL || container->forward == NULL || n->kids == NULL)
    return FALSE;
  for (guint i = 0; i < n->kids->len; i++)
    {
      const Node *k = g_ptr_array_index (n->kids, i);
      const PsModuleClass *klass = k && !k->cls ? ps_module_class_lookup (k->type) : NULL;
      if (klass != NULL && klass->returns_tuple)
        return TRUE;
    }
  return FALSE;
}

/* Pass 1: remembers a plain Sequential that holds a tuple-returning child now. */
static void
note_unpack (Exporter *ex, const Node *n)
{
  if (n == NULL || !seq_needs_unpack (n))
    return;
  ex->need_unpack = TRUE;
  if (ex->unpack_ids == NULL)
    ex->unpack_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (ex->unpack_ids, g_strdup (n->id));
}

static gboolean
uses_unpack (const Exporter *ex, const Node *n)
{
  return seq_needs_unpack (n)
         || (ex->unpack_ids != NULL && n->cls == NULL && g_hash_table_contains (ex->unpack_ids, n->id));
}

/* Whether calling n runs its children in order: a plain Sequential (a torch container with a
 * forward, not ModuleList or ModuleDict) or a user class. */
static gboolean
runs_children (const Node *n)
{
  const PsModuleClass *container = torch_container (n);
  return n->kids != NULL && (n->cls != NULL || (container != NULL && container->forward != NULL));
}

/* Whether calling n returns its input as it is: Identity, or a Sequential (or user class) whose
 * children all do (none: an empty one), at any depth — Sequential(Identity()) included. */
static gboolean
passes_on (const Node *n)
{
  if (n == NULL)
    return FALSE;
  if (n->cls == NULL && ps_module_class_passes_input_on (ps_module_class_lookup (n->type),
                                                         n->kids != NULL ? n->kids->len : 0))
    return TRUE;
  if (!runs_children (n))
    return FALSE;
  for (guint i = 0; i < n->kids->len; i++)
    if (!passes_on (g_ptr_array_index (n->kids, i)))
      return FALSE;
  return TRUE;
}

/* Whether calling n returns MaxPool's (output, indices) tuple: n is such a MaxPool, or a Sequential
 * (or user class) whose last child that does not pass its input on (passes_on) does. A tuple in the
 * middle fails the forward (ps-tuple-input.c), so only the last one counts. */
static gboolean
returns_pair (const Node *n)
{
  if (n == NULL)
    return FALSE;
  if (n->pair)
    return TRUE;
  if (!runs_children (n))
    return FALSE;
  for (guint i = n->kids->len; i > 0; i--)
    {
      const Node *k = g_ptr_array_index (n->kids, i - 1);
      if (k == NULL)
        return FALSE;
      if (passes_on (k))
        continue;
      return returns_pair (k);
    }
  return FALSE;
}

/* Follows a parent path of attach/detach through the tree (NULL when it leaves it). */
static Node *
walk (Exporter *ex, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path ? path : "", ".", -1);
  Node *n = parts[0] ? g_hash_table_lookup (ex->nodes, parts[0]) : NULL;
  for (guint i = 1; n != NULL && parts[i] != NULL; i++)
    {
      Node *next = NULL;
      if (n->names)
        for (guint j = 0; j < n->names->len; j++)
          if (strcmp (g_ptr_array_index (n->names, j), parts[i]) == 0)
            next = g_ptr_array_index (n->kids, j);
      n = next;
    }
  return n;
}

static void
tree_attach (Node *parent, const char *name, Node *child)
{
  if (parent == NULL || parent->names == NULL)
    return;
  g_ptr_array_add (parent->names, g_strdup (name));
  g_ptr_array_add (parent->kids, child);
}

static void tree_detach (Node *parent, const char *name);

/* Position of child `name`, or -1. */
static int
tree_find (Node *parent, const char *name)
{
  if (parent == NULL || parent->names == NULL)
    return -1;
  for (guint j = 0; j < parent->names->len; j++)
    if (strcmp (g_ptr_array_index (parent->names, j), name) == 0)
      return (int) j;
  return -1;
}

static void
tree_move (Node *parent, const char *name, gint64 index)
{
  int j = tree_find (parent, name);
  if (j < 0 || index < 0 || index >= (gint64) parent->names->len)
    return;
  char *n = g_ptr_array_steal_index (parent->names, (guint) j);
  Node *k = g_ptr_array_steal_index (parent->kids, (guint) j);
  g_ptr_array_insert (parent->names, (int) index, n);
  g_ptr_array_insert (parent->kids, (int) index, k);
}

static void
tree_rename (Node *parent, const char *name, const char *new_name)
{
  int j = tree_find (parent, name);
  if (j < 0 || new_name == NULL || tree_find (parent, new_name) >= 0)
    return;
  g_free (parent->names->pdata[j]);
  parent->names->pdata[j] = g_strdup (new_name);
}

static void
tree_detach (Node *parent, const char *name)
{
  if (parent == NULL || parent->names == NULL)
    return;
  for (guint j = 0; j < parent->names->len; j++)
    if (strcmp (g_ptr_array_index (parent->names, j), name) == 0)
      {
        g_ptr_array_remove_index (parent->names, j);
        g_ptr_array_remove_index (parent->kids, j);
        return;
      }
}

/* ---------- pass 1 of the op table's kinds ---------- */

static TupleCall
tuple_call (const Node *k)
{
  const PsModuleClass *klass = k && !k->cls ? ps_module_class_lookup (k->type) : NULL;
  if (klass == NULL || !klass->returns_tuple)
    return CALL_PLAIN;
  return klass->n_inputs == 3 ? CALL_QKV : CALL_FIRST;   /* query, key, value: x three times */
}

static GArray *
tuple_calls (const Node *n, gboolean *any)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (TupleCall));
  for (guint j = 0; n->kids && j < n->kids->len; j++)
    {
      TupleCall t = tuple_call (g_ptr_array_index (n->kids, j));
      *any |= t != CALL_PLAIN;
      g_array_append_val (a, t);
    }
  return a;
}

gboolean
ps_py_scan_module (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  const char *id = op->u.module.id;
  if (g_hash_table_contains (ex->nodes, id))
    {
      g_autofree char *msg = g_strdup_printf ("field 'id': duplicate id '%s'", id);
      return op_fail (error, number, "module", msg);
    }
  Node *n = add_node (ex, op);
  if (n->cls)
    {
      UserClass *c = g_hash_table_lookup (ex->classes, n->cls);
      if (c == NULL)
        {
          c = g_new0 (UserClass, 1);
          c->name = g_strdup (n->cls);
          c->names = g_ptr_array_new_with_free_func (g_free);
          for (guint j = 0; j < n->names->len; j++)
            g_ptr_array_add (c->names, g_strdup (g_ptr_array_index (n->names, j)));
          c->generic = !names_explicit_ok (c->names);
          c->calls = tuple_calls (n, &c->any_tuple);
          g_hash_table_insert (ex->classes, g_strdup (c->name), c);
          g_ptr_array_add (ex->class_order, c);
        }
      else
        {
          g_autoptr (GArray) calls = tuple_calls (n, &c->any_tuple);
          if (!same_names (c->names, n->names) || calls->len != c->calls->len
              || memcmp (calls->data, c->calls->data, calls->len * sizeof (TupleCall)) != 0)
            c->generic = TRUE;
        }
    }
  else if (n->names && torch_container (n)->children_syntax != PS_CHILDREN_DICT && op->u.module.children_named)
    ex->need_ordered_dict = TRUE;
  note_unpack (ex, n);
  return TRUE;
}

/* The child edits on the symbolic tree, the same in both passes. */
static void
tree_op_attach (PsPyExport *ex, const PsOp *op, Node *parent)
{
  const PsOpChild *c = &op->u.child;
  if (tree_find (parent, c->name) >= 0)
    return;
  tree_attach (parent, c->name, walk (ex, c->child));
  if (ps_op_has_field (op, "index"))
    tree_move (parent, c->name, c->index);
}

/* attach, detach, rename, move: the children of a user class are no longer fixed (its forward
 * then loops over them). Returns the parent's node (NULL when the tree does not know it). */
static Node *
scan_child (PsPyExport *ex, const PsOp *op)
{
  Node *parent = walk (ex, op->u.child.parent);
  if (parent && parent->cls)
    ((UserClass *) g_hash_table_lookup (ex->classes, parent->cls))->generic = TRUE;
  return parent;
}

gboolean
ps_py_scan_attach (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  Node *parent = scan_child (ex, op);
  ex->need_restructure |= ps_op_has_field (op, "index");   /* insert_child */
  tree_op_attach (ex, op, parent);
  note_unpack (ex, parent);
  if (parent && parent->cls && tuple_call (walk (ex, op->u.child.child)) != CALL_PLAIN)
    ((UserClass *) g_hash_table_lookup (ex->classes, parent->cls))->any_tuple = TRUE;
  return TRUE;
}

gboolean
ps_py_scan_detach (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  tree_detach (scan_child (ex, op), op->u.child.name);
  return TRUE;
}

gboolean
ps_py_scan_rename (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  ex->need_restructure = TRUE;
  tree_rename (scan_child (ex, op), op->u.child.name, op->u.child.new_name);
  return TRUE;
}

gboolean
ps_py_scan_move (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  ex->need_restructure = TRUE;
  tree_move (scan_child (ex, op), op->u.child.name, op->u.child.index);
  return TRUE;
}

/* ---------- emitting ---------- */

static void
emit_comment (GString *s, const char *prefix, const char *text, guint width)
{
  /* words wrapped at `width` columns, every line starting with prefix */
  g_auto (GStrv) words = g_strsplit_set (text, " \n\t\r", -1);
  GString *line = g_string_new (prefix);
  gboolean empty = TRUE;
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (!empty && line->len + 1 + strlen (words[i]) > width)
        {
          g_string_append_printf (s, "%s\n", line->str);
          g_string_assign (line, prefix);
          empty = TRUE;
        }
      if (!empty)
        g_string_append_c (line, ' ');
      g_string_append (line, words[i]);
      empty = FALSE;
    }
  if (!empty)
    g_string_append_printf (s, "%s\n", line->str);
  g_string_free (line, TRUE);
}

static void
emit_classes (Exporter *ex)
{
  GString *s = ex->out;
  for (guint i = 0; i < ex->class_order->len; i++)
    {
      UserClass *c = g_ptr_array_index (ex->class_order, i);
      g_string_append_printf (s, "\n\nclass %s(nn.Module):\n", c->name);
      if (c->generic)
        {
          g_string_append (s,
            "    \"\"\"A user-defined module whose forward runs its children in order.\"\"\"\n\n"
            "    def __init__(self, **children):\n"
            "        super().__init__()\n"
            "        for name, child in children.items():\n"
            "            self.add_module(name, child)\n\n"
            "    def forward(self, x):\n"
            "        for layer in self._modules.values():\n");
          if (c->any_tuple)
            g_string_append (s,
              "            if isinstance(layer, nn.MultiheadAttention):\n"
              "                x = layer(x, x, x)[0]\n"
              "            elif isinstance(layer, (nn.RNNBase, nn.LSTMCell)):\n"
              "                x = layer(x)[0]\n"
              "            else:\n"
              "                x = layer(x)\n");
          else
            g_string_append (s, "            x = layer(x)\n");
          g_string_append (s, "        return x\n");
          continue;
        }
      g_string_append (s, "    def __init__(self");
      for (guint j = 0; j < c->names->len; j++)
        g_string_append_printf (s, ", %s", (const char *) g_ptr_array_index (c->names, j));
      g_string_append (s, "):\n        super().__init__()\n");
      for (guint j = 0; j < c->names->len; j++)
        {
          const char *n = g_ptr_array_index (c->names, j);
          g_string_append_printf (s, "        self.%s = %s\n", n, n);
        }
      g_string_append (s, "\n    def forward(self, x):\n");
      for (guint j = 0; j < c->names->len; j++)
        {
          const TupleCall t = g_array_index (c->calls, TupleCall, j);
          g_string_append_printf (s, "        x = self.%s(%s)%s\n", (const char *) g_ptr_array_index (c->names, j),
                                  t == CALL_QKV ? "x, x, x" : "x", t == CALL_PLAIN ? "" : "[0]");
        }
      g_string_append (s, "        return x\n");
    }
}

/* nn.Module has no API to rename or reorder children: these rebuild `_modules`, the OrderedDict
 * that print(), state_dict(), modules() and Sequential's forward iterate, in place. */
static void
emit_restructure_helpers (GString *s)
{
  g_string_append (s,
    "\n\n"
    "def move_child(parent, name, index):\n"
    "    \"\"\"Move child `name` of `parent` to position `index` among its children.\"\"\"\n"
    "    if name not in parent._modules:\n"
    "        raise KeyError(\"no child %r\" % name)\n"
    "    if not 0 <= index < len(parent._modules):\n"
    "        raise IndexError(\"index %d is out of range\" % index)\n"
    "    items = [(k, m) for k, m in parent._modules.items() if k != name]\n"
    "    items.insert(index, (name, parent._modules[name]))\n"
    "    parent._modules.clear()\n"
    "    parent._modules.update(items)\n"
    "\n\n"
    "def insert_child(parent, index, name, child):\n"
    "    \"\"\"parent.add_module(name, child), placed at position `index` among the children.\"\"\"\n"
    "    if not 0 <= index <= len(parent._modules):\n"
    "        raise IndexError(\"index %d is out of range\" % index)\n"
    "    parent.add_module(name, child)\n"
    "    move_child(parent, name, index)\n"
    "\n\n"
    "def rename_child(parent, name, new_name):\n"
    "    \"\"\"Rename child `name` of `parent` to `new_name`, keeping its position.\"\"\"\n"
    "    if name not in parent._modules:\n"
    "        raise KeyError(\"no child %r\" % name)\n"
    "    if new_name != name and (new_name in parent._modules or new_name in parent._parameters\n"
    "                             or new_name in parent._buffers):\n"
    "        raise KeyError(\"attribute '%s' already exists\" % new_name)\n"
    "    items = [(new_name if k == name else k, m) for k, m in parent._modules.items()]\n"
    "    parent._modules.clear()\n"
    "    parent._modules.update(items)\n");
}

static void
append_py_values (GString *s, const PsInputSpec *spec, int depth, guint *k)
{
  if (depth == spec->ndim)
    {
      guint i = (*k)++;
      if (g_array_index (spec->is_int, guint8, i))
        g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) g_array_index (spec->exact_ints, int64_t, i));
      else
        append_py_float (s, g_array_index (spec->values, double, i));
      return;
    }
  g_string_append_c (s, '[');
  for (int64_t i = 0; i < spec->shape[depth]; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      append_py_values (s, spec, depth + 1, k);
    }
  g_string_append_c (s, ']');
}

static void
append_py_shape (GString *s, const PsInputSpec *spec, gboolean as_args)
{
  if (as_args && spec->ndim == 0)
    {
      g_string_append (s, "()");
      return;
    }
  if (!as_args)
    g_string_append_c (s, '(');
  for (int i = 0; i < spec->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", (gint64) spec->shape[i]);
  if (!as_args)
    g_string_append (s, spec->ndim == 1 ? ",)" : ")");
}

static void
emit_input (GString *s, const PsInputSpec *input)
{
  static const char *const shaped[] = { "randn", "rand", "zeros", "ones" };
  switch (input->kind)
    {
    case PS_INPUT_RANDN:
    case PS_INPUT_RAND:
    case PS_INPUT_ZEROS:
    case PS_INPUT_ONES:
      g_string_append_printf (s, "torch.%s(", shaped[input->kind]);
      append_py_shape (s, input, TRUE);
      g_string_append_c (s, ')');
      return;
    case PS_INPUT_RANDINT:
      g_string_append_printf (s, "torch.randint(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", ", (gint64) input->low,
                              (gint64) input->high);
      append_py_shape (s, input, FALSE);
      g_string_append_c (s, ')');
      return;
    case PS_INPUT_VALUE:
      {
        guint k = 0;
        g_string_append (s, "torch.tensor(");
        append_py_values (s, input, 0, &k);
        if (input->dtype_given)
          g_string_append_printf (s, ", dtype=torch.%s", ps_dtype_name (input->dtype));
        g_string_append_c (s, ')');
        return;
      }
    }
}

static void
append_py_bools (GString *s, const PsInputSpec *spec, int depth, guint *k)
{
  if (depth == spec->ndim)
    {
      g_string_append (s, g_array_index (spec->exact_ints, int64_t, (*k)++) != 0 ? "True" : "False");
      return;
    }
  g_string_append_c (s, '[');
  for (int64_t i = 0; i < spec->shape[depth]; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      append_py_bools (s, spec, depth + 1, k);
    }
  g_string_append_c (s, ']');
}

/* An attention mask: a bool one as torch.tensor([[False, True], …]) */
static void
emit_mask (GString *s, const PsOpMask *m)
{
  if (!m->is_bool)
    {
      emit_input (s, &m->spec);
      return;
    }
  guint k = 0;
  g_string_append (s, "torch.tensor(");
  append_py_bools (s, &m->spec, 0, &k);
  g_string_append_c (s, ')');
}

gboolean
ps_py_emit_module (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  Node *n = add_node (ex, op);
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (GPtrArray) names = child_names_of (op, &ids);
  g_autoptr (GPtrArray) vars = g_ptr_array_new ();
  for (guint i = 0; i < ids->len; i++)
    {
      Node *c = g_hash_table_lookup (ex->nodes, g_ptr_array_index (ids, i));
      if (c == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("field 'children': no module with id '%s'",
                                                  (const char *) g_ptr_array_index (ids, i));
          return op_fail (error, number, "module", msg);
        }
      g_ptr_array_add (vars, c->var);
    }
  gboolean object_children = op->u.module.children_named;
  g_string_append_printf (s, "%s = ", n->var);
  if (n->cls)
    {
      UserClass *c = g_hash_table_lookup (ex->classes, n->cls);
      gboolean kw = TRUE;
      for (guint i = 0; i < names->len; i++)
        if (!is_identifier (g_ptr_array_index (names, i)))
          kw = FALSE;
      g_string_append_printf (s, "%s(", c->name);
      if (!kw)
        g_string_append (s, "**{");
      for (guint i = 0; i < names->len; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          if (kw)
            g_string_append_printf (s, "%s=%s", (const char *) g_ptr_array_index (names, i),
                                    (const char *) g_ptr_array_index (vars, i));
          else
            {
              append_py_string (s, g_ptr_array_index (names, i));
              g_string_append_printf (s, ": %s", (const char *) g_ptr_array_index (vars, i));
            }
        }
      g_string_append (s, kw ? ")\n" : "})\n");
      return TRUE;
    }
  if (!is_container_type (n->type))
    {
      g_string_append_printf (s, "nn.%s(", n->type);
      append_kwargs (s, op->u.module.args, FALSE);
      g_string_append (s, ")\n");
      return TRUE;
    }
  PsChildrenSyntax syntax = torch_container (n)->children_syntax;
  if (syntax == PS_CHILDREN_DICT)
    {
      g_string_append_printf (s, "nn.%s({", n->type);
      for (guint i = 0; i < names->len; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_py_string (s, g_ptr_array_index (names, i));
          g_string_append_printf (s, ": %s", (const char *) g_ptr_array_index (vars, i));
        }
      g_string_append (s, "})\n");
      return TRUE;
    }
  gboolean seq = syntax == PS_CHILDREN_ARGS;
  const char *seq_class = uses_unpack (ex, n) ? "UnpackSequential" : "nn.Sequential";
  if (!object_children)
    {
      if (seq)
        g_string_append_printf (s, "%s(", seq_class);
      else
        g_string_append_printf (s, "nn.%s([", n->type);
      for (guint i = 0; i < vars->len; i++)
        g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", (const char *) g_ptr_array_index (vars, i));
      g_string_append (s, seq ? ")\n" : "])\n");
      return TRUE;
    }
  if (seq)
    {
      g_string_append_printf (s, "%s(OrderedDict([", seq_class);
      for (guint i = 0; i < names->len; i++)
        {
          g_string_append (s, i > 0 ? ", (" : "(");
          append_py_string (s, g_ptr_array_index (names, i));
          g_string_append_printf (s, ", %s)", (const char *) g_ptr_array_index (vars, i));
        }
      g_string_append (s, "]))\n");
      return TRUE;
    }
  /* a ModuleList with named children: built empty, then filled */
  g_string_append_printf (s, "nn.%s()\n", n->type);
  for (guint i = 0; i < names->len; i++)
    {
      g_string_append_printf (s, "%s.add_module(", n->var);
      append_py_string (s, g_ptr_array_index (names, i));
      g_string_append_printf (s, ", %s)\n", (const char *) g_ptr_array_index (vars, i));
    }
  return TRUE;
}

static void
emit_init_call (GString *s, const char *indent, const PsOpInitCall *call, const char *tensor)
{
  g_string_append_printf (s, "%snn.init.%s(%s", indent, call->fn, tensor);
  append_kwargs (s, call->args, TRUE);
  g_string_append (s, ")\n");
}

gboolean
ps_py_emit_attach (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const PsOpChild *c = &op->u.child;
  Target parent = { 0 }, child = { 0 };
  if (!resolve (ex, c->parent, &parent, number, "attach", error))
    return FALSE;
  if (!resolve (ex, c->child, &child, number, "attach", error))
    {
      target_clear (&parent);
      return FALSE;
    }
  if (ps_op_has_field (op, "index"))
    {
      g_string_append_printf (s, "insert_child(%s, %" G_GINT64_FORMAT ", ", parent.expr->str, c->index);
      append_py_string (s, c->name);
      g_string_append_printf (s, ", %s)\n", child.expr->str);
    }
  else
    {
      g_string_append_printf (s, "%s.add_module(", parent.expr->str);
      append_py_string (s, c->name);
      g_string_append_printf (s, ", %s)\n", child.expr->str);
    }
  tree_op_attach (ex, op, parent.node);
  target_clear (&child);
  target_clear (&parent);
  return TRUE;
}

gboolean
ps_py_emit_detach (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const char *name = op->u.child.name;
  Target parent = { 0 };
  if (!resolve (ex, op->u.child.parent, &parent, number, "detach", error))
    return FALSE;
  if (is_attr_name (name))
    g_string_append_printf (s, "del %s.%s\n", parent.expr->str, name);
  else
    {
      g_string_append_printf (s, "delattr(%s, ", parent.expr->str);
      append_py_string (s, name);
      g_string_append (s, ")\n");
    }
  tree_detach (parent.node, name);
  target_clear (&parent);
  return TRUE;
}

gboolean
ps_py_emit_rename (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const PsOpChild *c = &op->u.child;
  Target parent = { 0 };
  if (!resolve (ex, c->parent, &parent, number, "rename", error))
    return FALSE;
  g_string_append_printf (s, "rename_child(%s, ", parent.expr->str);
  append_py_string (s, c->name);
  g_string_append (s, ", ");
  append_py_string (s, c->new_name);
  g_string_append (s, ")\n");
  tree_rename (parent.node, c->name, c->new_name);
  target_clear (&parent);
  return TRUE;
}

gboolean
ps_py_emit_move (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const PsOpChild *c = &op->u.child;
  Target parent = { 0 };
  if (!resolve (ex, c->parent, &parent, number, "move", error))
    return FALSE;
  g_string_append_printf (s, "move_child(%s, ", parent.expr->str);
  append_py_string (s, c->name);
  g_string_append_printf (s, ", %" G_GINT64_FORMAT ")\n", c->index);
  tree_move (parent.node, c->name, c->index);
  target_clear (&parent);
  return TRUE;
}

gboolean
ps_py_emit_init (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  Target t = { 0 };
  if (!resolve (ex, op->u.init.target, &t, number, "init", error))
    return FALSE;
  emit_init_call (ex->out, "", &op->u.init.call, t.expr->str);
  target_clear (&t);
  return TRUE;
}

gboolean
ps_py_emit_init_modules (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const PsOpInitModules *im = &op->u.init_modules;
  Target t = { 0 };
  if (!resolve (ex, im->target, &t, number, "init_modules", error))
    return FALSE;
  if (ps_module_class_lookup (im->match) != NULL)
    g_string_append_printf (s, "for module in %s.modules():\n    if isinstance(module, nn.%s):\n", t.expr->str,
                            im->match);
  else
    {
      /* a user class: compare by name */
      g_string_append_printf (s, "for module in %s.modules():\n    if type(module).__name__ == ", t.expr->str);
      append_py_string (s, im->match);
      g_string_append (s, ":\n");
    }
  static const char *const which[] = { "weight", "bias" };
  const PsOpInitCall *calls[] = { &im->weight, &im->bias };
  for (guint k = 0; k < 2; k++)
    {
      if (calls[k]->fn == NULL)
        continue;
      g_autofree char *tensor = g_strdup_printf ("module.%s", which[k]);
      g_string_append_printf (s, "        if getattr(module, \"%s\", None) is not None:\n", which[k]);
      emit_init_call (s, "            ", calls[k], tensor);
    }
  target_clear (&t);
  return TRUE;
}

gboolean
ps_py_emit_reset_parameters (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  Target t = { 0 };
  if (!resolve (ex, op->u.target.target, &t, number, "reset_parameters", error))
    return FALSE;
  if (t.node && !t.node->cls && ps_module_class_has_reset_parameters (ps_module_class_lookup (t.node->type)))
    g_string_append_printf (s, "%s.reset_parameters()\n", t.expr->str);
  else
    g_string_append_printf (s,
      "for module in %s.modules():  # every module that has reset_parameters\n"
      "    if hasattr(module, \"reset_parameters\"):\n"
      "        module.reset_parameters()\n", t.expr->str);
  target_clear (&t);
  return TRUE;
}

gboolean
ps_py_emit_manual_seed (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  g_string_append_printf (ex->out, "torch.manual_seed(%" G_GINT64_FORMAT ")\n", op->u.seed.seed);
  return TRUE;
}

gboolean
ps_py_emit_mode (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  Target t = { 0 };
  if (!resolve (ex, op->u.mode.target, &t, number, "mode", error))
    return FALSE;
  g_string_append_printf (ex->out, "%s.%s()\n", t.expr->str, op->u.mode.train ? "train" : "eval");
  target_clear (&t);
  return TRUE;
}

gboolean
ps_py_emit_forward (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  GString *s = ex->out;
  const PsOpForward *f = &op->u.forward;
  Target t = { 0 };
  if (!resolve (ex, f->target, &t, number, "forward", error))
    return FALSE;
  g_autofree char *dflt = g_strdup_printf ("output%u", number);
  /* what the class says about its forward: how many inputs (each gets x), a tuple result */
  const PsModuleClass *klass = t.node && !t.node->cls ? ps_module_class_lookup (t.node->type) : NULL;
  guint n_inputs = klass && klass->n_inputs > 1 ? klass->n_inputs : 1;
  gboolean tuple = klass && klass->returns_tuple;
  gboolean has_kp = ps_op_has_field (op, "key_padding_mask"), has_am = ps_op_has_field (op, "attn_mask");
  gboolean keywords = has_kp || has_am || ps_op_has_field (op, "need_weights")
                      || ps_op_has_field (op, "average_attn_weights");
  /* the input first, then the masks (in this order: they may draw), then a loss target */
  gboolean named_x = n_inputs > 1 || keywords || f->loss.json != NULL;
  if (named_x)
    {
      g_string_append (s, "x = ");
      emit_input (s, &f->input);
      g_string_append (s, "\n");
    }
  if (has_kp)
    {
      g_string_append (s, "key_padding_mask = ");
      emit_mask (s, &f->key_padding_mask);
      g_string_append (s, "\n");
    }
  if (has_am)
    {
      g_string_append (s, "attn_mask = ");
      emit_mask (s, &f->attn_mask);
      g_string_append (s, "\n");
    }
  GString *call = g_string_new (NULL);
  g_string_append_printf (call, "%s(", t.expr->str);
  if (named_x)
    for (guint i = 0; i < n_inputs; i++)
      g_string_append (call, i ? ", x" : "x");
  else
    emit_input (call, &f->input);
  /* keywords in MultiheadAttention.forward's order */
  if (has_kp)
    g_string_append (call, ", key_padding_mask=key_padding_mask");
  if (ps_op_has_field (op, "need_weights"))
    g_string_append_printf (call, ", need_weights=%s", f->need_weights ? "True" : "False");
  if (has_am)
    g_string_append (call, ", attn_mask=attn_mask");
  if (ps_op_has_field (op, "average_attn_weights"))
    g_string_append_printf (call, ", average_attn_weights=%s", f->average_attn_weights ? "True" : "False");
  g_string_append_c (call, ')');
  if (f->loss.json != NULL)
    {
      /* loss_fn(target(x), t): the input is made first, then the loss target */
      g_string_append (s, "x_target = ");
      emit_input (s, &f->loss.target);
      g_string_append (s, "\n");
      emit_loss_fn (s, "loss_fn", json_node_get_object (f->loss.json));
      if (!ex->have_outputs)
        {
          ex->have_outputs = TRUE;
          g_string_append (s, "outputs = {}  # the forward results, by name\n");
        }
      g_string_append (s, "outputs[");
      append_py_string (s, f->name ? f->name : dflt);
      g_string_append_printf (s, "] = loss_fn(%s%s, x_target)\n", call->str, tuple ? "[0]" : "");
      g_string_free (call, TRUE);
      target_clear (&t);
      return TRUE;
    }
  if (!ex->have_outputs)
    {
      ex->have_outputs = TRUE;
      g_string_append (s, "outputs = {}  # the forward results, by name\n");
    }
  g_string_append (s, "outputs[");
  append_py_string (s, f->name ? f->name : dflt);
  if (!tuple && returns_pair (t.node))
    {
      /* (output, indices): Paramscope stores them as NAME and NAME[1] */
      g_autofree char *second = g_strdup_printf ("%s[1]", f->name ? f->name : dflt);
      g_string_append (s, "], outputs[");
      append_py_string (s, second);
    }
  g_string_append_printf (s, "] = %s%s", call->str, tuple ? "[0]" : "");
  if (tuple)
    g_string_append_printf (s, "  # %s\n", klass->tuple_note);
  else
    g_string_append_c (s, '\n');
  g_string_free (call, TRUE);
  target_clear (&t);
  return TRUE;
}

gboolean
ps_py_emit_load (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return op_fail (error, number, "load", "PyTorch export does not support 'load' ops");
}

/* A note is a comment in the script. */
/* ---------- for the emitters that live beside their op kind's entry ---------- */

GString *
ps_py_export_out (PsPyExport *ex)
{
  return ex->out;
}

char *
ps_py_export_target (PsPyExport *ex, const char *path, guint number, const char *kind, GError **error)
{
  Target t = { 0 };
  if (!resolve (ex, path, &t, number, kind, error))
    return NULL;
  char *expr = g_strdup (t.expr->str);
  target_clear (&t);
  return expr;
}

void
ps_py_append_float (GString *s, double d)
{
  append_py_float (s, d);
}

void
ps_py_append_comment (GString *s, const char *text)
{
  emit_comment (s, "# ", text, 100);
}

/* ---------- training ops (recipe version 3) ---------- */

/* A JSON value as a Python literal (numbers keep their kind: 1 stays int, 0.5 a float). */
static void
append_json_py (GString *s, JsonNode *n)
{
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    g_string_append (s, "None");
  else if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      g_string_append_c (s, '[');
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_json_py (s, json_array_get_element (a, i));
        }
      g_string_append_c (s, ']');
    }
  else if (JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *o = json_node_get_object (n);
      g_autoptr (GList) names = json_object_get_members (o);
      g_string_append_c (s, '{');
      for (GList *l = names; l; l = l->next)
        {
          if (l != names)
            g_string_append (s, ", ");
          append_py_string (s, l->data);
          g_string_append (s, ": ");
          append_json_py (s, json_object_get_member (o, l->data));
        }
      g_string_append_c (s, '}');
    }
  else
    {
      GType t = json_node_get_value_type (n);
      double d;
      if (t == G_TYPE_BOOLEAN)
        g_string_append (s, json_node_get_boolean (n) ? "True" : "False");
      else if (t == G_TYPE_INT64)
        g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (n));
      else if (t == G_TYPE_DOUBLE)
        append_py_float (s, json_node_get_double (n));
      else if (ps_json_number (n, &d))
        append_py_float (s, d);   /* "nan", "inf", "-inf": the recipe's spelling of the floats JSON cannot write */
      else
        append_py_string (s, json_node_get_string (n));
    }
}

/* "k=v, …" of a JSON object (in its member order) */
static void
append_json_kwargs (GString *s, JsonObject *args, gboolean leading_comma)
{
  if (args == NULL)
    return;
  g_autoptr (GList) names = json_object_get_members (args);
  for (GList *l = names; l; l = l->next)
    {
      g_string_append_printf (s, "%s%s=", (leading_comma || l != names) ? ", " : "", (const char *) l->data);
      append_json_py (s, json_object_get_member (args, l->data));
    }
}

static const char *
jstr (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

/* The Python variable of a data set / optimizer / scheduler id (made when the op creating it is
 * seen, in both passes alike). */
static const char *
train_var (Exporter *ex, const char *id, gboolean create)
{
  if (ex->train_vars == NULL)
    ex->train_vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *v = g_hash_table_lookup (ex->train_vars, id);
  if (v == NULL && create)
    {
      char *nv = make_var (ex, id);
      g_hash_table_insert (ex->train_vars, g_strdup (id), nv);
      v = nv;
    }
  return v;
}

/* The loop's local names of a train op (the same sequence of make_var calls in both passes). */
typedef struct {
  char *loss_fn, *data, *loader, *losses, *step, *xb, *yb, *loss;
} TrainLocals;

static void
train_locals (Exporter *ex, TrainLocals *l)
{
  l->loss_fn = make_var (ex, "loss_fn");
  l->data = make_var (ex, "train_data");
  l->loader = make_var (ex, "loader");
  l->losses = make_var (ex, "losses");
  l->step = make_var (ex, "step");
  l->xb = make_var (ex, "xb");
  l->yb = make_var (ex, "yb");
  l->loss = make_var (ex, "loss");
}

static void
train_locals_clear (TrainLocals *l)
{
  g_free (l->loss_fn); g_free (l->data); g_free (l->loader); g_free (l->losses);
  g_free (l->step); g_free (l->xb); g_free (l->yb); g_free (l->loss);
}

/* dataset, optimizer, scheduler: the variable of the id they create */
gboolean
ps_py_scan_train_object (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  train_var (ex, op->u.new_object.id, TRUE);
  return TRUE;
}

/* train: the loop's local names */
gboolean
ps_py_scan_train (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  TrainLocals l;
  train_locals (ex, &l);
  train_locals_clear (&l);
  return TRUE;
}

static gboolean
train_lookup (Exporter *ex, const char *id, const char *field, const char **var, guint number, const char *kind,
              GError **error)
{
  *var = id ? train_var (ex, id, FALSE) : NULL;
  if (*var == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("field '%s': no data set, optimizer or scheduler with id '%s'", field,
                                              id ? id : "");
      return op_fail (error, number, kind, msg);
    }
  return TRUE;
}

/* loss_fn = nn.<type>(**args) (weight / pos_weight lists as tensors) */
static void
emit_loss_fn (GString *s, const char *var, JsonObject *loss)
{
  JsonObject *args = json_object_has_member (loss, "args") ? json_object_get_object_member (loss, "args") : NULL;
  g_string_append_printf (s, "%s = nn.%s(", var, jstr (loss, "type"));
  if (args != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (args);
      for (GList *l = names; l; l = l->next)
        {
          const char *k = l->data;
          gboolean tensor = strcmp (k, "weight") == 0 || strcmp (k, "pos_weight") == 0;
          g_string_append_printf (s, "%s%s=%s", l != names ? ", " : "", k, tensor ? "torch.tensor(" : "");
          append_json_py (s, json_object_get_member (args, k));
          if (tensor)
            g_string_append (s, ")");
        }
    }
  g_string_append (s, ")\n");
}

static gboolean
emit_dataset (Exporter *ex, const PsOpDataset *d, guint number, GError **error)
{
  GString *s = ex->out;
  const char *var = train_var (ex, d->o.id, TRUE);
  g_string_append (s, "from torch.utils.data import TensorDataset\n");
  if (d->file != NULL)
    {
      const char *file = d->file;
      g_autofree char *lower = g_ascii_strdown (file, -1);
      g_string_append (s, "import os\n");
      g_string_append (s, "# the recipe's data file (a relative path is relative to the recipe's folder: keep this "
                          "script there)\n");
      g_string_append (s, "path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ");
      append_py_string (s, file);
      g_string_append (s, ")\n");
      if (g_str_has_suffix (lower, ".csv"))
        {
          /* a header line, then numbers: inputs as float32, y as int64 when all are integers */
          const char *xs = d->x;
          g_string_append (s, "import csv\nwith open(path, newline=\"\") as f:\n    rows = [r for r in csv.DictReader(f)]\n");
          g_string_append (s, "y_col = ");
          append_py_string (s, d->y);
          g_string_append (s, "\nx_cols = ");
          if (strcmp (xs, "*") == 0)
            g_string_append (s, "[c for c in rows[0] if c != y_col]\n");
          else
            {
              g_auto (GStrv) cols = g_strsplit (xs, ",", -1);
              g_string_append_c (s, '[');
              for (guint i = 0; cols[i]; i++)
                {
                  g_string_append (s, i ? ", " : "");
                  append_py_string (s, g_strstrip (cols[i]));
                }
              g_string_append (s, "]\n");
            }
          g_string_append (s, "X = torch.tensor([[float(r[c]) for c in x_cols] for r in rows], dtype=torch.float32)\n"
                              "ys = [r[y_col].strip() for r in rows]\n"
                              "if all(v.lstrip(\"+-\").isdigit() for v in ys):\n"
                              "    y = torch.tensor([int(v) for v in ys])\n"
                              "else:\n"
                              "    y = torch.tensor([float(v) for v in ys], dtype=torch.float32)\n");
          g_string_append_printf (s, "%s = TensorDataset(X, y)\n", var);
          return TRUE;
        }
      if (g_str_has_suffix (lower, ".npy"))
        {
          /* numpy.save files: the inputs in `file`, the targets in `y` (relative to the recipe too) */
          g_string_append (s, "import numpy\ny_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ");
          append_py_string (s, d->y);
          g_string_append_printf (s, ")\n%s = TensorDataset(torch.as_tensor(numpy.load(path)), "
                                  "torch.as_tensor(numpy.load(y_path)))\n", var);
          return TRUE;
        }
      if (g_str_has_suffix (lower, ".npz"))
        g_string_append (s, "import numpy\nwith numpy.load(path) as f:\n    ");
      else if (g_str_has_suffix (lower, ".safetensors"))
        g_string_append (s, "from safetensors.torch import load_file\nf = load_file(path)\n");
      else
        g_string_append (s, "f = torch.load(path)\n");
      g_string_append_printf (s, "%s = TensorDataset(torch.as_tensor(f[", var);
      append_py_string (s, d->x);
      g_string_append (s, "]), torch.as_tensor(f[");
      append_py_string (s, d->y);
      g_string_append (s, "]))\n");
      return TRUE;
    }
  const char *type = d->o.type;
  JsonObject *args = d->o.args;
  if (strcmp (type, "fashion_mnist") == 0)
    {
      /* the idx files of Debian's dataset-fashion-mnist, as the dataset op reads them */
      const char *split = args && json_object_has_member (args, "split") ? jstr (args, "split") : "train";
      const int64_t limit = args && json_object_has_member (args, "limit") ? json_object_get_int_member (args, "limit") : 0;
      const char *stem = strcmp (split, "test") == 0 ? "t10k" : "train";
      g_string_append (s, "import gzip\nimport os\nimport numpy\n"
                          "# Fashion-MNIST from Debian's dataset-fashion-mnist package (gzipped idx files)\n"
                          "fmnist = os.environ.get(\"PS_FASHION_MNIST_DIR\") or \"/usr/share/datasets/fashion-mnist\"\n");
      g_string_append_printf (s, "with gzip.open(os.path.join(fmnist, \"%s-images-idx3-ubyte.gz\")) as f:\n"
                                 "    images = numpy.frombuffer(f.read(), dtype=numpy.uint8, offset=16).reshape(-1, 1, 28, 28)\n"
                                 "with gzip.open(os.path.join(fmnist, \"%s-labels-idx1-ubyte.gz\")) as f:\n"
                                 "    labels = numpy.frombuffer(f.read(), dtype=numpy.uint8, offset=8)\n", stem, stem);
      if (limit > 0)
        g_string_append_printf (s, "images, labels = images[:%" G_GINT64_FORMAT "], labels[:%" G_GINT64_FORMAT "]\n",
                                limit, limit);
      g_string_append (s, "X = torch.from_numpy(images.copy()).float() / 255\n"
                          "y = torch.from_numpy(labels.astype(numpy.int64))\n");
      g_string_append_printf (s, "%s = TensorDataset(X, y)\n", var);
      return TRUE;
    }
  int64_t n = args && json_object_has_member (args, "n") ? json_object_get_int_member (args, "n") : 200;
  const char *code = NULL;
  if (strcmp (type, "xor") == 0)
    code = "X = torch.rand(%1$" G_GINT64_FORMAT ", 2) * 2 - 1\n"
           "y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()\n"
           "X = X + 0.1 * torch.randn(%1$" G_GINT64_FORMAT ", 2)\n";
  else if (strcmp (type, "circles") == 0)
    code = "X = torch.randn(%1$" G_GINT64_FORMAT ", 2)\n"
           "y = (X.pow(2).sum(1) < 1).long()\n";
  else if (strcmp (type, "blobs") == 0)
    code = "y = torch.randint(0, 3, (%1$" G_GINT64_FORMAT ",))\n"
           "X = torch.tensor([[-2., -1.], [2., -1.], [0., 2.]])[y] + 0.4 * torch.randn(%1$" G_GINT64_FORMAT ", 2)\n";
  if (code == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("PyTorch export does not support the '%s' data set yet", type);
      return op_fail (error, number, "dataset", msg);
    }
  g_string_append_printf (s, code, n);
  g_string_append_printf (s, "%s = TensorDataset(X, y)\n", var);
  return TRUE;
}

static gboolean
emit_train (Exporter *ex, const PsOp *op, guint number, GError **error)
{
  const PsOpTrain *t = &op->u.train;
  GString *s = ex->out;
  Target m = { 0 };
  const char *opt = NULL, *data = NULL, *sched = NULL;
  if (!resolve (ex, t->model, &m, number, "train", error))
    return FALSE;
  if (!train_lookup (ex, t->optimizer, "optimizer", &opt, number, "train", error)
      || !train_lookup (ex, t->data, "data", &data, number, "train", error)
      || (t->scheduler != NULL && !train_lookup (ex, t->scheduler, "scheduler", &sched, number, "train", error)))
    {
      target_clear (&m);
      return FALSE;
    }
  TrainLocals l;
  train_locals (ex, &l);
  JsonObject *loss = t->loss;
  const char *lt = jstr (loss, "type");
  gboolean indices = strcmp (lt, "CrossEntropyLoss") == 0 || strcmp (lt, "NLLLoss") == 0;
  int64_t bs = t->batch_size > 0 ? t->batch_size : 1;   /* given ones are ≥ 1 */
  gboolean shuffle = t->shuffle;
  gboolean drop_last = t->drop_last;
  gboolean by_epochs = t->epochs > 0;                     /* exactly one of epochs and steps, each ≥ 1 */
  gboolean per_step = t->scheduler_every != NULL && strcmp (t->scheduler_every, "step") == 0;
  g_string_append (s, "from torch.utils.data import DataLoader, TensorDataset\n");
  emit_loss_fn (s, l.loss_fn, loss);
  if (!indices)
    g_string_append_printf (s, "%1$s = %2$s\n"
                               "if %2$s.tensors[1].dtype == torch.int64 and %2$s.tensors[1].dim() == 1:\n"
                               "    # a float-target loss sees class labels as y.float().unsqueeze(1)\n"
                               "    %1$s = TensorDataset(%2$s.tensors[0], %2$s.tensors[1].float().unsqueeze(1))\n",
                            l.data, data);
  g_string_append_printf (s, "%s = DataLoader(%s, batch_size=%" G_GINT64_FORMAT ", shuffle=%s, drop_last=%s)\n",
                          l.loader, indices ? data : l.data, bs, shuffle ? "True" : "False", drop_last ? "True" : "False");
  g_string_append_printf (s, "%s = []  # the loss of every step\n", l.losses);
  /* the model's call: each input gets the batch, a tuple's [0], MultiheadAttention's fixed masks */
  const PsModuleClass *klass = m.node && !m.node->cls ? ps_module_class_lookup (m.node->type) : NULL;
  guint n_inputs = klass && klass->n_inputs > 1 ? klass->n_inputs : 1;
  GString *call = g_string_new (NULL);
  g_string_append_printf (call, "%s(", m.expr->str);
  for (guint i = 0; i < n_inputs; i++)
    g_string_append_printf (call, "%s%s", i ? ", " : "", l.xb);
  static const char *const mask_fields[2] = { "key_padding_mask", "attn_mask" };
  const PsOpMask *const masks[2] = { &t->key_padding_mask, &t->attn_mask };
  for (int i = 0; i < 2; i++)
    if (ps_op_has_field (op, mask_fields[i]))
      {
        const char *var = mask_fields[i];   /* reserved (script_names) */
        g_string_append_printf (s, "%s = ", var);
        emit_mask (s, masks[i]);
        g_string_append_c (s, '\n');
        g_string_append_printf (call, ", %s=%s", mask_fields[i], var);
      }
  g_string_append_printf (call, ")%s", klass && klass->returns_tuple ? "[0]" : "");
  const char *ind;
  if (by_epochs)
    {
      g_string_append_printf (s, "for _ in range(%" G_GINT64_FORMAT "):\n", t->epochs);
      ind = "        ";
    }
  else
    {
      g_string_append_printf (s, "%s = 0\nwhile %s < %" G_GINT64_FORMAT ":\n", l.step, l.step, t->steps);
      ind = "        ";
    }
  g_string_append_printf (s, "    for %s, %s in %s:\n", l.xb, l.yb, l.loader);
  g_string_append_printf (s, "%s%s.zero_grad()\n", ind, opt);
  g_string_append_printf (s, "%s%s = %s(%s, %s)\n", ind, l.loss, l.loss_fn, call->str, l.yb);
  g_string_free (call, TRUE);
  g_string_append_printf (s, "%s%s.backward()\n", ind, l.loss);
  if (t->clip_grad_norm.value > 0.0)   /* given ones are positive */
    {
      g_string_append_printf (s, "%storch.nn.utils.clip_grad_norm_(%s.parameters(), ", ind, m.expr->str);
      append_py_float (s, t->clip_grad_norm.value);
      g_string_append (s, ")\n");
    }
  g_string_append_printf (s, "%s%s.step()\n", ind, opt);
  if (sched && per_step)
    g_string_append_printf (s, "%s%s.step()\n", ind, sched);
  g_string_append_printf (s, "%s%s.append(%s.detach())\n", ind, l.losses, l.loss);
  if (!by_epochs)
    g_string_append_printf (s, "%1$s%2$s += 1\n%1$sif %2$s >= %3$" G_GINT64_FORMAT ":\n%1$s    break\n", ind, l.step,
                            t->steps);
  if (sched && !per_step)
    {
      if (by_epochs)
        g_string_append_printf (s, "    %s.step()  # once per epoch\n", sched);
      else
        g_string_append_printf (s, "    if %s %% len(%s) == 0:  # once per whole epoch\n        %s.step()\n", l.step,
                                l.loader, sched);
    }
  if (!ex->have_outputs)
    {
      ex->have_outputs = TRUE;
      g_string_append (s, "outputs = {}  # the forward results, by name\n");
    }
  g_string_append_printf (s, "outputs[\"train%u\"] = torch.stack(%s)\n", number, l.losses);
  train_locals_clear (&l);
  target_clear (&m);
  return TRUE;
}

gboolean
ps_py_emit_dataset (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_dataset (ex, &op->u.dataset, number, error);
}

/* optimizer = torch.optim.<type>(model.parameters(), **args);
 * scheduler = torch.optim.lr_scheduler.<type>(optimizer, **args) */
static gboolean
emit_optimizer_or_scheduler (PsPyExport *ex, const PsOp *op, gboolean is_opt, guint number, GError **error)
{
  GString *s = ex->out;
  const char *kind = ps_op_get_kind (op);
  const PsOpNewObject *o = &op->u.new_object;
  const char *on = NULL;
  Target m = { 0 };
  if (is_opt ? !resolve (ex, op->u.optimizer.params, &m, number, kind, error)
             : !train_lookup (ex, op->u.scheduler.optimizer, "optimizer", &on, number, kind, error))
    return FALSE;
  const char *var = train_var (ex, o->id, TRUE);
  g_string_append_printf (s, "%s = torch.optim.%s%s(%s%s", var, is_opt ? "" : "lr_scheduler.", o->type,
                          is_opt ? m.expr->str : on, is_opt ? ".parameters()" : "");
  append_json_kwargs (s, o->args, TRUE);
  g_string_append (s, ")\n");
  target_clear (&m);
  return TRUE;
}

gboolean
ps_py_emit_optimizer (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_optimizer_or_scheduler (ex, op, TRUE, number, error);
}

gboolean
ps_py_emit_scheduler (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_optimizer_or_scheduler (ex, op, FALSE, number, error);
}

gboolean
ps_py_emit_train (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_train (ex, op, number, error);
}

gboolean
ps_py_emit_backward (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  g_string_append (ex->out, "outputs[");
  append_py_string (ex->out, op->u.backward.output);
  g_string_append (ex->out, "].backward()\n");
  return TRUE;
}

/* VAR.METHOD(ARGS) of the optimizer or scheduler `id` (the op's `field`) */
static gboolean
emit_train_call (PsPyExport *ex, const PsOp *op, const char *id, const char *field, const char *method,
                 const char *args, guint number, GError **error)
{
  const char *var = NULL;
  if (!train_lookup (ex, id, field, &var, number, ps_op_get_kind (op), error))
    return FALSE;
  g_string_append_printf (ex->out, "%s.%s(%s)\n", var, method, args);
  return TRUE;
}

gboolean
ps_py_emit_step (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_train_call (ex, op, op->u.train_call.optimizer, "optimizer", "step", "", number, error);
}

gboolean
ps_py_emit_zero_grad (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_train_call (ex, op, op->u.train_call.optimizer, "optimizer", "zero_grad",
                          op->u.train_call.set_to_none ? "set_to_none=True" : "", number, error);
}

gboolean
ps_py_emit_scheduler_step (PsPyExport *ex, const PsOp *op, guint number, GError **error)
{
  return emit_train_call (ex, op, op->u.train_call.scheduler, "scheduler", "step", "", number, error);
}

char *
ps_export_pytorch (const PsRecipe *recipe, GError **error)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  Exporter ex = { 0 };
  ex.recipe = recipe;
  ex.nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, node_free);
  ex.order = g_ptr_array_new ();
  ex.vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ex.classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, user_class_free);
  ex.class_order = g_ptr_array_new ();
  ex.out = g_string_new (NULL);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < recipe->ops->len; i++)
    {
      const PsOp *op = g_ptr_array_index (recipe->ops, i);
      if (op->kind->py_scan != NULL)
        ok = op->kind->py_scan (&ex, op, i + 1, error);
    }

  if (ok)
    {
      /* pass 2 follows the tree again from the start */
      g_hash_table_remove_all (ex.nodes);
      g_ptr_array_set_size (ex.order, 0);
      g_hash_table_remove_all (ex.vars);
      if (ex.train_vars)
        g_hash_table_remove_all (ex.train_vars);
      GString *s = ex.out;
      g_string_append (s, "#!/usr/bin/env python3\n");
      emit_comment (s, "# ", "Generated by Paramscope from a recipe: it replays the recipe with PyTorch "
                    "(torch 1.13, CPU) and builds the same parameters, bit for bit.", 100);
      if (recipe->description && recipe->description[0])
        {
          g_string_append (s, "#\n");
          emit_comment (s, "# ", recipe->description, 100);
        }
      if (recipe->flavour == PS_FLAVOUR_DEFAULT)
        g_string_append (s, "import os\n\n"
                            "# the recipe reproduces torch's portable kernels, not the AVX2 ones\n"
                            "os.environ[\"ATEN_CPU_CAPABILITY\"] = \"default\"\n");
      if (ex.need_ordered_dict)
        g_string_append (s, "from collections import OrderedDict\n");
      g_string_append (s, "\nimport torch\nfrom torch import nn\n");
      emit_classes (&ex);
      if (ex.need_unpack)
        g_string_append (s, "\n\nclass UnpackSequential(nn.Sequential):\n"
                            "    \"\"\"nn.Sequential as Paramscope's: an RNN or MultiheadAttention (given x as query, key "
                            "and value)\n"
                            "    passes on its output, [0] of its (output, state) tuple; a MaxPool's (output, indices) "
                            "stays whole.\"\"\"\n\n"
                            "    def forward(self, x):\n"
                            "        for layer in self:\n"
                            "            if isinstance(layer, nn.MultiheadAttention):\n"
                            "                x = layer(x, x, x)[0]\n"
                            "            elif isinstance(layer, (nn.RNNBase, nn.LSTMCell)):\n"
                            "                x = layer(x)[0]\n"
                            "            else:\n"
                            "                x = layer(x)\n"
                            "        return x\n");
      if (ex.need_restructure)
        emit_restructure_helpers (s);

      /* the variables must be known for RECIPE_IDS before the ops are written: rebuild them in
       * creation order (make_var is deterministic given the same sequence) */
      GString *body = g_string_new (NULL);
      ex.out = body;
      g_string_append_printf (body, "\n\ntorch.manual_seed(%" G_GINT64_FORMAT ")\n", recipe->seed);
      for (guint i = 0; ok && i < recipe->ops->len; i++)
        {
          const PsOp *op = g_ptr_array_index (recipe->ops, i);
          g_string_append_printf (body, "\n# Step %u\n", i + 1);
          if (op->description && op->description[0])
            emit_comment (body, "# ", op->description, 100);
          ok = op->kind->py_emit (&ex, op, i + 1, error);
        }
      ex.out = s;
      if (ok)
        {
          g_string_append (s, body->str);
        }
      g_string_free (body, TRUE);
    }

  g_hash_table_unref (ex.nodes);
  g_ptr_array_unref (ex.order);
  g_hash_table_unref (ex.vars);
  g_hash_table_unref (ex.classes);
  if (ex.unpack_ids)
    g_hash_table_unref (ex.unpack_ids);
  g_ptr_array_unref (ex.class_order);
  g_clear_pointer (&ex.train_vars, g_hash_table_unref);
  if (!ok)
    {
      g_string_free (ex.out, TRUE);
      return NULL;
    }
  return g_string_free (ex.out, FALSE);
}
