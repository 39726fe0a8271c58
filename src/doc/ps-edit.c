/* ps-edit.c — recipe ops from a selection (see the header). Headless: the app's dialogs and the
 * tests call the same builders. */
#include "ps-config.h"
#include "ps-edit.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "ps-error.h"
#include "ps-py-literal.h"

static const char *
base_id (const PsState *st, const PsEditSelection *sel)
{
  return sel != NULL && sel->base != NULL ? sel->base : st->root;
}

static gboolean
has_selection (const PsEditSelection *sel)
{
  return sel != NULL && sel->path != NULL;
}

/* "<id>" or "<id>.<path>" */
static char *
join (const char *id, const char *path)
{
  return path && *path ? g_strconcat (id, ".", path, NULL) : g_strdup (id);
}

/* The path of the module holding the selection (a parameter's module, or the module itself). */
static char *
module_path (const PsEditSelection *sel)
{
  if (!sel->is_param)
    return g_strdup (sel->path);
  const char *dot = strrchr (sel->path, '.');
  return dot ? g_strndup (sel->path, (gsize) (dot - sel->path)) : g_strdup ("");
}

char *
ps_edit_target (const PsState *st, const PsEditSelection *sel, gboolean want_module)
{
  const char *id = base_id (st, sel);
  if (id == NULL)
    return NULL;
  if (!has_selection (sel))
    return want_module && ps_state_get_module (st, id) != NULL ? g_strdup (id) : NULL;
  if (want_module)
    {
      g_autofree char *mpath = module_path (sel);
      return join (id, mpath);
    }
  return join (id, sel->path);
}

char *
ps_edit_command_target (const PsState *st, const PsEditSelection *sel)
{
  /* a selected parameter is where one looks, not what one runs: the model (or the object) */
  if (sel != NULL && sel->path != NULL && sel->is_param)
    {
      const PsEditSelection base = { sel->base, NULL, FALSE };
      return ps_edit_target (st, &base, TRUE);
    }
  return ps_edit_target (st, sel, TRUE);
}

PsModule *
ps_edit_module (const PsState *st, const PsEditSelection *sel)
{
  g_autofree char *target = ps_edit_command_target (st, sel);
  PsModule *m = NULL;
  if (target == NULL || !ps_state_resolve (st, target, &m, NULL, NULL))
    return NULL;
  return m;
}

char *
ps_edit_describe (const PsState *st, const PsEditSelection *sel)
{
  g_autofree char *target = ps_edit_command_target (st, sel);
  PsModule *m = ps_edit_module (st, sel);
  if (m == NULL)
    return g_strdup (_("No model yet"));
  const char *cls = m->display_class ? m->display_class : m->klass->name;
  if (m == ps_state_get_root (st))
    return g_strdup_printf (_("the whole model “%s” (%s)"), st->root, cls);
  return g_strdup_printf (_("“%s” (%s) only, not the whole model"), target, cls);
}

char *
ps_edit_unique_id (const PsState *st, const char *type)
{
  g_autofree char *base = g_ascii_strdown (type, -1);
  for (int i = 1;; i++)
    {
      char *id = g_strdup_printf ("%s%d", base, i);
      if (ps_state_get_module (st, id) == NULL)
        return id;
      g_free (id);
    }
}

char *
ps_edit_output_name (const PsState *st)
{
  char *name = g_strdup ("y");
  for (int i = 2; ps_state_get_output (st, name) != NULL; i++)
    {
      g_free (name);
      name = g_strdup_printf ("y%d", i);
    }
  return name;
}

JsonObject *
ps_edit_module_op (const PsState *st, const char *type, const char *id, JsonObject *args,
                   const char *const *children, const char *class_name)
{
  const PsModuleClass *klass = ps_module_class_lookup (type);
  gboolean container = klass != NULL && klass->is_container;
  g_autofree char *auto_id = NULL;
  if (id == NULL || *id == '\0')
    {
      if (container && st->root != NULL && ps_state_get_module (st, st->root) == NULL)
        auto_id = g_strdup (st->root);   /* the first container becomes the model */
      else
        auto_id = ps_edit_unique_id (st, type);
      id = auto_id;
    }
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "module");
  json_object_set_string_member (op, "id", id);
  json_object_set_string_member (op, "type", type);
  if (container)
    {
      gboolean by_name = class_name != NULL && *class_name != '\0';
      if (by_name)
        {
          /* a user model: its attributes are named like the modules (self.linear1 = linear1) */
          JsonObject *kids = json_object_new ();
          for (guint i = 0; children && children[i]; i++)
            json_object_set_string_member (kids, children[i], children[i]);
          json_object_set_object_member (op, "children", kids);
          json_object_set_string_member (op, "class", class_name);
        }
      else
        {
          JsonArray *kids = json_array_new ();
          for (guint i = 0; children && children[i]; i++)
            json_array_add_string_element (kids, children[i]);
          json_object_set_array_member (op, "children", kids);
        }
    }
  else
    json_object_set_object_member (op, "args", args ? json_object_ref (args) : json_object_new ());
  return op;
}

JsonObject *
ps_edit_attach_op (const PsState *st, const PsEditSelection *sel, const char *child, const char *name)
{
  const char *id = base_id (st, sel);
  if (id == NULL)
    return NULL;
  g_autofree char *path = has_selection (sel) ? module_path (sel) : g_strdup ("");
  /* walk up from the selected module to the nearest container */
  for (;;)
    {
      g_autofree char *target = join (id, path);
      PsModule *pm = NULL;
      if (ps_state_resolve (st, target, &pm, NULL, NULL) && pm->klass->is_container)
        {
          JsonObject *at = json_object_new ();
          json_object_set_string_member (at, "op", "attach");
          json_object_set_string_member (at, "parent", target);
          g_autofree char *next = g_strdup_printf ("%u", ps_module_n_children (pm));
          json_object_set_string_member (at, "name", name && *name ? name : next);
          json_object_set_string_member (at, "child", child);
          return at;
        }
      if (*path == '\0')
        return NULL;
      char *dot = strrchr (path, '.');
      if (dot != NULL)
        *dot = '\0';
      else
        *path = '\0';
    }
}

JsonObject *
ps_edit_init_op (const PsState *st, const PsEditSelection *sel, const char *fn, JsonObject *args,
                 const char *match, const char *bias_fn)
{
  JsonObject *op = json_object_new ();
  if (has_selection (sel) && sel->is_param)
    {
      g_autofree char *target = ps_edit_target (st, sel, FALSE);
      json_object_set_string_member (op, "op", "init");
      json_object_set_string_member (op, "target", target);
      json_object_set_string_member (op, "fn", fn);
      json_object_set_object_member (op, "args", args ? json_object_ref (args) : json_object_new ());
      return op;
    }
  g_autofree char *target = ps_edit_command_target (st, sel);
  json_object_set_string_member (op, "op", "init_modules");
  json_object_set_string_member (op, "target", target ? target : "");
  json_object_set_string_member (op, "match", match && *match ? match : "Linear");
  JsonObject *w = json_object_new ();
  json_object_set_string_member (w, "fn", fn);
  json_object_set_object_member (w, "args", args ? json_object_ref (args) : json_object_new ());
  json_object_set_object_member (op, "weight", w);
  if (bias_fn != NULL && *bias_fn != '\0')
    {
      JsonObject *b = json_object_new ();
      json_object_set_string_member (b, "fn", bias_fn);
      json_object_set_object_member (op, "bias", b);
    }
  return op;
}

JsonObject *
ps_edit_forward_op (const PsState *st, const PsEditSelection *sel, const char *kind, const char *shape_text,
                    GError **error)
{
  /* "1, 10", "(1, 10)" and "[1, 10]" all name the same shape */
  g_autofree char *t = g_strstrip (g_strdup (shape_text ? shape_text : ""));
  g_autofree char *wrapped = t[0] == '(' || t[0] == '[' ? g_strdup (t) : g_strdup_printf ("(%s,)", t);
  g_autoptr (JsonNode) shape = *t ? ps_py_literal_parse (wrapped, NULL) : NULL;
  gboolean ok = shape != NULL && JSON_NODE_HOLDS_ARRAY (shape);
  for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (shape)); i++)
    {
      JsonNode *d = json_array_get_element (json_node_get_array (shape), i);
      ok = JSON_NODE_HOLDS_VALUE (d) && json_node_get_value_type (d) == G_TYPE_INT64 && json_node_get_int (d) >= 0;
    }
  if (!ok)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   _("The input shape must be a list of sizes, e.g. 1, 10 (got “%s”)"), t);
      return NULL;
    }
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "forward");
  g_autofree char *target = ps_edit_command_target (st, sel);
  json_object_set_string_member (op, "target", target ? target : "");
  JsonObject *input = json_object_new ();
  if (g_str_equal (kind, "randint"))
    {
      /* indices every row of the target exists for: an Embedding's num_embeddings, else 10 */
      PsExampleInput ex = { PS_DTYPE_FLOAT32 };
      g_autofree char *guess = ps_edit_guess_input_shape (st, sel, &ex);
      JsonObject *ri = json_object_new ();
      json_object_set_int_member (ri, "low", 0);
      json_object_set_int_member (ri, "high", ex.dtype == PS_DTYPE_INT64 && ex.high > 0 ? ex.high : 10);
      json_object_set_member (ri, "size", json_node_copy (shape));
      json_object_set_object_member (input, "randint", ri);
    }
  else
    json_object_set_member (input, kind, json_node_copy (shape));
  json_object_set_object_member (op, "input", input);
  g_autofree char *name = ps_edit_output_name (st);
  json_object_set_string_member (op, "name", name);
  return op;
}

JsonObject *
ps_edit_reset_op (const PsState *st, const PsEditSelection *sel)
{
  g_autofree char *target = ps_edit_command_target (st, sel);
  if (target == NULL)
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "reset_parameters");
  json_object_set_string_member (op, "target", target);
  return op;
}

JsonObject *
ps_edit_mode_op (const PsState *st, const PsEditSelection *sel)
{
  g_autofree char *target = ps_edit_command_target (st, sel);
  PsModule *m = NULL;
  if (target == NULL || !ps_state_resolve (st, target, &m, NULL, NULL))
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "mode");
  json_object_set_string_member (op, "target", target);
  json_object_set_boolean_member (op, "train", !m->training);
  return op;
}

gboolean
ps_edit_selected_child (const PsState *st, const PsEditSelection *sel, char **parent_target, char **name,
                        guint *index, guint *n_children)
{
  const char *id = base_id (st, sel);
  if (id == NULL || !has_selection (sel) || sel->is_param || *sel->path == '\0')
    return FALSE;
  const char *dot = strrchr (sel->path, '.');
  const char *child = dot ? dot + 1 : sel->path;
  g_autofree char *ppath = dot ? g_strndup (sel->path, (gsize) (dot - sel->path)) : g_strdup ("");
  g_autofree char *target = join (id, ppath);
  PsModule *pm = NULL;
  if (!ps_state_resolve (st, target, &pm, NULL, NULL) || pm == NULL)
    return FALSE;
  const int i = ps_module_child_index (pm, child);
  if (i < 0)
    return FALSE;
  if (parent_target)
    *parent_target = g_steal_pointer (&target);
  if (name)
    *name = g_strdup (child);
  if (index)
    *index = (guint) i;
  if (n_children)
    *n_children = ps_module_n_children (pm);
  return TRUE;
}

JsonObject *
ps_edit_detach_op (const PsState *st, const PsEditSelection *sel, GError **error)
{
  g_autofree char *parent = NULL, *name = NULL;
  if (!ps_edit_selected_child (st, sel, &parent, &name, NULL, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Select a module below the model to remove it"));
      return NULL;
    }
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "detach");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  return op;
}

JsonObject *
ps_edit_reuse_op (const PsState *st, const PsEditSelection *sel, GError **error)
{
  g_autofree char *parent = NULL;
  if (!ps_edit_selected_child (st, sel, &parent, NULL, NULL, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Select a module below the model to place it once more"));
      return NULL;
    }
  PsModule *m = ps_edit_module (st, sel);
  PsModule *pm = NULL;
  if (m == NULL || m->id == NULL || !ps_state_resolve (st, parent, &pm, NULL, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("This module has no recipe id and cannot be referenced"));
      return NULL;
    }
  g_autofree char *name = g_strdup_printf ("%u", ps_module_n_children (pm));
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "attach");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  json_object_set_string_member (op, "child", m->id);
  return op;
}

JsonObject *
ps_edit_rename_op (const PsState *st, const PsEditSelection *sel, const char *new_name)
{
  g_autofree char *parent = NULL, *name = NULL;
  if (new_name == NULL || !ps_edit_selected_child (st, sel, &parent, &name, NULL, NULL))
    return NULL;
  PsModule *pm = NULL;
  if (!ps_state_resolve (st, parent, &pm, NULL, NULL) || !pm->klass->is_container)
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "rename");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  json_object_set_string_member (op, "new_name", new_name);
  return op;
}

JsonObject *
ps_edit_move_op (const PsState *st, const PsEditSelection *sel, int delta)
{
  g_autofree char *parent = NULL, *name = NULL;
  guint index, n;
  if (!ps_edit_selected_child (st, sel, &parent, &name, &index, &n))
    return NULL;
  PsModule *pm = NULL;
  if (!ps_state_resolve (st, parent, &pm, NULL, NULL) || !pm->klass->is_container)
    return NULL;
  gint64 to = (gint64) index + delta;
  if (delta == 0 || to < 0 || to >= (gint64) n)
    return NULL;
  JsonObject *op = json_object_new ();
  json_object_set_string_member (op, "op", "move");
  json_object_set_string_member (op, "parent", parent);
  json_object_set_string_member (op, "name", name);
  json_object_set_int_member (op, "index", to);
  return op;
}

char *
ps_edit_guess_input_shape (const PsState *st, const PsEditSelection *sel, PsExampleInput *ex)
{
  PsModule *m = ps_edit_module (st, sel);
  PsExampleInput local;
  if (ex == NULL)
    ex = &local;
  if (m == NULL)
    {
      memset (ex, 0, sizeof *ex);
      ex->dtype = PS_DTYPE_FLOAT32;
      return g_strdup ("1, 10");
    }
  ps_module_example_input (m, ex);   /* the class knows its example input */
  g_autofree char *shape = ps_shape_to_string (ex->ndim, ex->shape);   /* "[1, 10]" */
  return g_strndup (shape + 1, strlen (shape) - 2);
}
