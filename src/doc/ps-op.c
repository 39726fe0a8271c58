/* ps-op.c — see ps-op.h. Each op kind is one apply function working on a clone of the previous
 * state; ps_op_apply_full does the cloning, error prefixing and step stamping around it. */
#include "ps-op.h"
#include "ps-train-ops.h"
#include "ps-recipe.h"
#include "ps-init.h"
#include "ps-safetensors.h"

#include <math.h>
#include <string.h>

typedef gboolean (*ApplyFunc) (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx,
                               GError **error);

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

static gboolean
resolve_module (PsState *state, JsonObject *op, const char *field, PsModule **out, GError **error)
{
  const char *target = json_object_get_string_member (op, field);
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

/* ---------- module ---------- */

static gboolean
apply_module (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  const char *id = json_object_get_string_member (op, "id");
  const char *type = json_object_get_string_member (op, "type");
  if (ps_state_get_module (state, id) != NULL)
    {
      field_error (error, "id", "duplicate id '%s' (a module with this id already exists)", id);
      return FALSE;
    }
  const PsModuleClass *klass = ps_module_class_lookup (type);
  g_autoptr (PsModule) m = NULL;
  if (klass != NULL && klass->is_container)
    {
      const char *display = json_object_has_member (op, "class")
                            ? json_object_get_string_member (op, "class") : NULL;
      m = ps_module_new_container (type, display, error);
      if (m == NULL)
        {
          g_prefix_error (error, "field 'type': ");
          return FALSE;
        }
      JsonNode *children = json_object_get_member (op, "children");
      if (children != NULL && JSON_NODE_HOLDS_ARRAY (children))
        {
          JsonArray *a = json_node_get_array (children);
          for (guint i = 0; i < json_array_get_length (a); i++)
            {
              const char *cid = json_array_get_string_element (a, i);
              PsModule *c = ps_state_get_module (state, cid);
              char name[24];
              g_snprintf (name, sizeof name, "%u", i);
              if (c == NULL)
                {
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
      else if (children != NULL)
        {
          JsonObject *o = json_node_get_object (children);
          g_autoptr (GList) names = json_object_get_members (o);
          for (GList *l = names; l; l = l->next)
            {
              const char *cid = json_object_get_string_member (o, l->data);
              PsModule *c = ps_state_get_module (state, cid);
              if (c == NULL)
                {
                  field_error (error, "children", "'%s': no module with id '%s'", (char *) l->data, cid);
                  return FALSE;
                }
              if (!ps_module_add_child (m, l->data, c, error))
                {
                  g_prefix_error (error, "field 'children': ");
                  return FALSE;
                }
            }
        }
    }
  else
    {
      g_autoptr (PsArgs) args = ps_recipe_args_from_json (json_object_get_member (op, "args"), error);
      if (args == NULL)
        {
          g_prefix_error (error, "field 'args': ");
          return FALSE;
        }
      m = ps_module_new (type, args, &state->gen, error);
      if (m == NULL)
        {
          g_prefix_error (error, "field 'args': ");
          return FALSE;
        }
    }
  m->created_step = (int) n;
  ps_state_add_module (state, id, m);
  return TRUE;
}

/* ---------- attach / detach ---------- */

static gboolean
apply_attach (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *parent, *child;
  const char *name = json_object_get_string_member (op, "name");
  if (!resolve_module (state, op, "parent", &parent, error) || !resolve_module (state, op, "child", &child, error))
    return FALSE;
  if (ps_module_get_child (parent, name) != NULL || ps_module_get_param (parent, name) != NULL)
    {
      field_error (error, "name", "'%s' already has a child, parameter or buffer named '%s' (detach it first)",
                   json_object_get_string_member (op, "parent"), name);
      return FALSE;
    }
  int index = -1;   /* append */
  if (json_object_has_member (op, "index"))
    {
      gint64 k = json_object_get_int_member (op, "index");
      if (k < 0 || k > (gint64) parent->children->len)
        {
          field_error (error, "index", "%" G_GINT64_FORMAT " is out of range: '%s' has %u children, so 0 to %u",
                       k, json_object_get_string_member (op, "parent"), parent->children->len,
                       parent->children->len);
          return FALSE;
        }
      index = (int) k;
    }
  if (!ps_module_insert_child (parent, index, name, child, error))
    {
      g_prefix_error (error, "field 'child': ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_detach (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *parent;
  if (!resolve_module (state, op, "parent", &parent, error))
    return FALSE;
  if (!ps_module_remove_child (parent, json_object_get_string_member (op, "name"), error))
    {
      g_prefix_error (error, "field 'name': ");
      return FALSE;
    }
  return TRUE;
}

/* ---------- rename / move ---------- */

/* The child `name` of `parent` or an error on field 'name'. */
static gboolean
check_child (PsState *state, JsonObject *op, PsModule **parent, GError **error)
{
  if (!resolve_module (state, op, "parent", parent, error))
    return FALSE;
  /* a layer's own submodules (MultiheadAttention's out_proj) have the names its forward uses */
  if (!(*parent)->klass->is_container)
    {
      field_error (error, "parent", "'%s' is a %s: only the children of a Sequential, ModuleList or ModuleDict "
                   "can be renamed or moved", json_object_get_string_member (op, "parent"),
                   ps_module_class_name (*parent));
      return FALSE;
    }
  const char *name = json_object_get_string_member (op, "name");
  if (ps_module_get_child (*parent, name) == NULL)
    {
      field_error (error, "name", "'%s' has no child named '%s'", json_object_get_string_member (op, "parent"), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_rename (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *parent;
  if (!check_child (state, op, &parent, error))
    return FALSE;
  const char *name = json_object_get_string_member (op, "name");
  const char *new_name = json_object_get_string_member (op, "new_name");
  if (strcmp (name, new_name) != 0
      && (ps_module_get_child (parent, new_name) != NULL || ps_module_get_param (parent, new_name) != NULL))
    {
      field_error (error, "new_name", "'%s' already has a child, parameter or buffer named '%s'",
                   json_object_get_string_member (op, "parent"), new_name);
      return FALSE;
    }
  if (!ps_module_rename_child (parent, name, new_name, error))
    {
      g_prefix_error (error, "field 'new_name': ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_move (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *parent;
  if (!check_child (state, op, &parent, error))
    return FALSE;
  gint64 k = json_object_get_int_member (op, "index");
  if (k < 0 || k >= (gint64) parent->children->len)
    {
      field_error (error, "index", "%" G_GINT64_FORMAT " is out of range: '%s' has %u children, so 0 to %u",
                   k, json_object_get_string_member (op, "parent"), parent->children->len,
                   parent->children->len - 1);
      return FALSE;
    }
  if (!ps_module_move_child (parent, json_object_get_string_member (op, "name"), (int) k, error))
    {
      g_prefix_error (error, "field 'index': ");
      return FALSE;
    }
  return TRUE;
}

/* ---------- init ---------- */

/* fn(args) on a fresh tensor, swapped in: the old value stays intact for earlier snapshots. */
static gboolean
init_param (PsState *state, PsParam *p, const char *fn, JsonNode *args_node, GError **error)
{
  g_autoptr (PsArgs) args = ps_recipe_args_from_json (args_node, error);
  if (args == NULL)
    return FALSE;
  g_autoptr (PsTensor) t = ps_param_new_like (p, error);
  if (t == NULL)
    return FALSE;
  PsInitInfo info;
  ps_init_info_clear (&info);
  if (!ps_init_apply (t, fn, args, &state->gen, &info, error))
    return FALSE;
  ps_param_set_value (p, t);
  p->init = info;
  return TRUE;
}

static gboolean
apply_init (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  const char *target = json_object_get_string_member (op, "target");
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
  const char *fn = json_object_get_string_member (op, "fn");
  if (!init_param (state, p, fn, json_object_get_member (op, "args"), error))
    {
      g_prefix_error (error, "%s: ", fn);
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_init_modules (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op, "target", &target, error))
    return FALSE;
  const char *match = json_object_get_string_member (op, "match");
  static const char *const slots[] = { "weight", "bias" };
  /* for m in target.modules(): if isinstance(m, match): init weight, then bias */
  g_autoptr (GPtrArray) mods = ps_module_named_modules (target, TRUE);
  if (ps_module_class_lookup (match) == NULL)
    {
      /* not a torch.nn class: it must be the class of some module below the target (a user
       * class, or e.g. NonDynamicallyQuantizableLinear), else it is a typo */
      gboolean known = FALSE;
      for (guint i = 0; i < mods->len && !known; i++)
        known = ps_module_isinstance (((PsNamedItem *) g_ptr_array_index (mods, i))->module, match);
      if (!known)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "field 'match': unknown module type '%s' (not a torch.nn class, and no module below the "
                       "target has that class)", match);
          return FALSE;
        }
    }
  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (mods, i);
      if (!ps_module_isinstance (it->module, match))
        continue;
      for (guint s = 0; s < G_N_ELEMENTS (slots); s++)
        {
          JsonNode *spec = json_object_get_member (op, slots[s]);
          PsParam *p = ps_module_get_param (it->module, slots[s]);
          if (spec == NULL || p == NULL || p->is_buffer)
            continue;   /* `if m.bias is not None` */
          JsonObject *so = json_node_get_object (spec);
          const char *fn = json_object_get_string_member (so, "fn");
          if (!init_param (state, p, fn, json_object_get_member (so, "args"), error))
            {
              g_prefix_error (error, "field '%s': %s on %s%s%s: ", slots[s], fn, *it->path ? it->path : "",
                              *it->path ? "." : "", slots[s]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
apply_reset_parameters (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op, "target", &target, error))
    return FALSE;
  return ps_module_reset_parameters (target, &state->gen, error);
}

static gboolean
apply_manual_seed (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  /* negative seeds are taken mod 2^64, like torch */
  ps_generator_manual_seed (&state->gen, (uint64_t) json_object_get_int_member (op, "seed"));
  return TRUE;
}

static gboolean
apply_mode (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op, "target", &target, error))
    return FALSE;
  ps_module_set_training (target, json_object_get_boolean_member (op, "train"));
  return TRUE;
}

/* ---------- forward ---------- */

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

static gboolean
apply_forward (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op, "target", &target, error))
    return FALSE;
  PsInputSpec spec;
  if (!ps_recipe_parse_input (json_object_get_member (op, "input"), &spec, error))
    {
      g_prefix_error (error, "field 'input': ");
      return FALSE;
    }
  g_autoptr (PsTensor) x = make_input (state, &spec, error);
  ps_input_spec_clear (&spec);
  if (x == NULL)
    {
      g_prefix_error (error, "field 'input': ");
      return FALSE;
    }
  g_autofree char *dflt = g_strdup_printf ("output%u", n);
  const char *name = json_object_has_member (op, "name") ? json_object_get_string_member (op, "name") : dflt;
  if (json_object_has_member (op, "loss"))
    {
      /* loss = loss_fn(target(x), t): the target tensor is made after the input (ps-train-ops.h) */
      PsLoss loss;
      gboolean ok = ps_train_loss_from_json (json_object_get_member (op, "loss"), &loss, error);
      JsonObject *lo = json_object_get_object_member (op, "loss");
      PsInputSpec tspec;
      if (ok && !(ok = ps_recipe_parse_input (json_object_get_member (lo, "target"), &tspec, error)))
        g_prefix_error (error, "field 'loss': field 'target': ");
      g_autoptr (PsTensor) t = NULL;
      if (ok)
        {
          t = make_input (state, &tspec, error);
          ps_input_spec_clear (&tspec);
          ok = t != NULL;
        }
      ok = ok && ps_train_forward_with_loss (state, json_object_get_string_member (op, "target"), target, x, &loss, t,
                                             name, error);
      ps_loss_clear (&loss);
      return ok;
    }
  g_autoptr (PsTensor) y = ps_module_forward (target, x, &state->gen, error);
  if (y == NULL)
    return FALSE;
  ps_state_set_output (state, name, y);
  return TRUE;
}

/* ---------- load ---------- */

static char *
torch_size (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("torch.Size([");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append (s, "])");
  return g_string_free (s, FALSE);
}

static gboolean
check_sha256 (const char *path, const char *expected, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &local);
  if (mf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "field 'file': %s", local->message);
      return FALSE;
    }
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                      (const guchar *) g_mapped_file_get_contents (mf),
                                                      g_mapped_file_get_length (mf));
  if (g_ascii_strcasecmp (sum, expected) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "field 'sha256': %s has sha256 %s, not the one the recipe pins", path, sum);
      return FALSE;
    }
  return TRUE;
}

/* module.load_state_dict(safetensors file, strict): every check first, then the values are swapped
 * in (fresh tensors from the file; no draws). Keys are the target's state_dict() keys; a shared
 * parameter may appear under several keys (the last one wins, as torch copies them in order). */
static gboolean
apply_load (PsState *state, JsonObject *op, guint n, const PsOpContext *ctx, GError **error)
{
  PsModule *target;
  if (!resolve_module (state, op, "target", &target, error))
    return FALSE;
  const char *file = json_object_get_string_member (op, "file");
  g_autofree char *path = g_path_is_absolute (file) || ctx->base_dir == NULL
                          ? g_strdup (file) : g_build_filename (ctx->base_dir, file, NULL);
  if (json_object_has_member (op, "sha256")
      && !check_sha256 (path, json_object_get_string_member (op, "sha256"), error))
    return FALSE;
  gboolean strict = !json_object_has_member (op, "strict") || json_object_get_boolean_member (op, "strict");
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, error);
  if (st == NULL)
    {
      g_prefix_error (error, "field 'file': ");
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
      const PsSafetensorsInfo *info = ps_safetensors_lookup (st, it->path);
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
      if (info->target_dtype != v->dtype)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "field 'file': '%s' is %s in the file but %s in the model", it->path, info->dtype,
                       ps_dtype_name (v->dtype));
          return FALSE;
        }
      g_ptr_array_add (todo, it);
    }
  for (guint i = 0; i < ps_safetensors_get_n_tensors (st); i++)
    {
      const char *name = ps_safetensors_get_info (st, i)->name;
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
      PsTensor *t = ps_safetensors_load (st, it->path, error);
      if (t == NULL)
        {
          g_prefix_error (error, "field 'file': ");
          return FALSE;
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

/* ---------- driver ---------- */

static const struct {
  const char *kind;
  ApplyFunc apply;
} applies[] = {
  { "module", apply_module },
  { "attach", apply_attach },
  { "detach", apply_detach },
  { "rename", apply_rename },
  { "move", apply_move },
  { "init", apply_init },
  { "init_modules", apply_init_modules },
  { "reset_parameters", apply_reset_parameters },
  { "manual_seed", apply_manual_seed },
  { "mode", apply_mode },
  { "forward", apply_forward },
  { "load", apply_load },
};

static PsParam *
find_param (PsModule *m, const char *name)
{
  return m ? ps_module_get_param (m, name) : NULL;
}

/* The modules of `prev` whose subtrees this op may change; everything else is shared with the
 * new state (see ps_state_clone_for_write). Resolution failures are left for the apply function
 * to report: the op then fails and the clone is dropped. */
static GPtrArray *
writable_modules (const PsState *prev, JsonObject *op, const char *kind)
{
  GPtrArray *w = g_ptr_array_new ();
  const char *field = NULL;
  if (strcmp (kind, "attach") == 0 || strcmp (kind, "detach") == 0 || strcmp (kind, "rename") == 0
      || strcmp (kind, "move") == 0)
    field = "parent";
  else if (strcmp (kind, "module") != 0 && strcmp (kind, "manual_seed") != 0)
    field = "target";
  if (field == NULL || !json_object_has_member (op, field))
    return w;
  PsModule *m = NULL;
  PsParam *p = NULL;
  if (ps_state_resolve (prev, json_object_get_string_member (op, field), &m, &p, NULL) && m != NULL)
    g_ptr_array_add (w, m);   /* for a parameter target: its owning module */
  return w;
}

/* created_step / written_step of one module's parameters and buffers, against its previous
 * version (NULL for a module this op created). */
static void
stamp_module (PsModule *m, PsModule *old, guint n, const char *kind)
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
          if ((strcmp (kind, "forward") == 0 || ps_train_ops_is_kind (kind))
              && memcmp (&p->init, &q->init, sizeof p->init) == 0)
            {
              ps_init_info_clear (&p->init);
              p->init.dist = PS_DIST_OTHER;
              g_snprintf (p->init.formula, sizeof p->init.formula, "updated by %s at step %u", kind, n);
            }
        }
    }
}

/* Only modules that are new in this state can differ from the previous one: the ones cloned for
 * writing (inverse maps them to their old version) and the ones the op created (not in inverse).
 * Shared modules are the previous state's own and are left alone. */
static void
stamp (PsState *next, GHashTable *inverse, guint n, const char *kind)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, inverse);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (k != v)
      stamp_module (k, v, n, kind);
  for (guint i = 0; i < next->module_ids->len; i++)
    {
      PsModule *m = g_hash_table_lookup (next->modules, g_ptr_array_index (next->module_ids, i));
      if (g_hash_table_contains (inverse, m))
        continue;
      /* a new module, with the submodules its constructor made (MultiheadAttention.out_proj) */
      g_autoptr (GPtrArray) sub = ps_module_named_modules (m, TRUE);
      for (guint j = 0; j < sub->len; j++)
        {
          PsModule *c = ((PsNamedItem *) g_ptr_array_index (sub, j))->module;
          if (!g_hash_table_contains (inverse, c))
            stamp_module (c, NULL, n, kind);
        }
    }
}

PsState *
ps_op_apply_full (const PsState *prev, JsonObject *op, guint op_number, const PsOpContext *ctx,
                  GError **error)
{
  g_return_val_if_fail (prev != NULL && op != NULL, NULL);
  static const PsOpContext no_ctx = { NULL };
  if (ctx == NULL)
    ctx = &no_ctx;
  if (!ps_recipe_validate_op (op, op_number, error))
    return NULL;
  const char *kind = ps_recipe_op_kind (op);
  ApplyFunc apply = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (applies); i++)
    if (strcmp (applies[i].kind, kind) == 0)
      apply = applies[i].apply;
  g_assert (apply != NULL || ps_train_ops_is_kind (kind));   /* validate_op knows every kind */

  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) writable = writable_modules (prev, op, kind);
  if (ps_train_ops_is_kind (kind))
    ps_train_ops_writable (prev, op, kind, writable);
  g_autoptr (PsState) next = ps_state_clone_for_write (prev, writable, map);
  next->step = op_number;
  if (apply != NULL ? !apply (next, op, op_number, ctx, error)
                    : !ps_train_ops_apply (next, op, kind, op_number, error))
    {
      g_prefix_error (error, "op %u (%s): ", op_number, kind);
      return NULL;
    }
  g_autoptr (GHashTable) inverse = g_hash_table_new (NULL, NULL);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (inverse, v, k);
  stamp (next, inverse, op_number, kind);
  return g_steal_pointer (&next);
}

PsState *
ps_op_apply (const PsState *prev, JsonObject *op, guint op_number, GError **error)
{
  return ps_op_apply_full (prev, op, op_number, NULL, error);
}

/* ---------- descriptions ---------- */

static void
append_num (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.3g", fabs (v));
  if (v < 0)
    g_string_append (s, "\xe2\x88\x92");   /* U+2212 MINUS SIGN */
  g_string_append (s, buf);
}

char *
ps_init_info_summary (const PsInitInfo *info)
{
  GString *s = g_string_new (NULL);
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      g_string_append (s, "~ U(");
      append_num (s, info->a);
      g_string_append (s, ", ");
      append_num (s, info->b);
      g_string_append (s, ")");
      break;
    case PS_DIST_NORMAL:
    case PS_DIST_TRUNC_NORMAL:
      g_string_append (s, "~ N(");
      append_num (s, info->mean);
      g_string_append (s, ", ");
      append_num (s, info->std);
      g_string_append (s, ")");
      if (info->dist == PS_DIST_TRUNC_NORMAL)
        {
          g_string_append (s, " truncated to [");
          append_num (s, info->a);
          g_string_append (s, ", ");
          append_num (s, info->b);
          g_string_append (s, "]");
        }
      break;
    case PS_DIST_CONSTANT:
      g_string_append (s, "= ");
      append_num (s, info->value);
      break;
    case PS_DIST_OTHER:
    case PS_DIST_NONE:
      break;
    }
  /* "~ U(−0.3, 0.3) by uniform_(a=-0.3, b=0.3)" says the same thing twice */
  gboolean redundant = (info->dist == PS_DIST_UNIFORM && strcmp (info->fn, "uniform_") == 0)
                       || (info->dist == PS_DIST_NORMAL && strcmp (info->fn, "normal_") == 0);
  if (info->fn[0] == '\0' && s->len == 0 && info->formula[0] != '\0')
    g_string_append (s, info->formula);   /* "updated by forward at step 6" */
  else if (info->fn[0] != '\0' && !redundant)
    {
      /* Linear/Conv's default a=math.sqrt(5) reads better as √5 */
      g_autofree char *args = g_strdup (info->args);
      char *five = strstr (args, "a=2.23606797749979");
      if (five != NULL)
        {
          *five = '\0';
          char *tmp = g_strconcat (args, "a=\xe2\x88\x9a" "5", five + strlen ("a=2.23606797749979"), NULL);
          g_free (args);
          args = tmp;
        }
      g_string_append_printf (s, "%sby %s(%s)", s->len ? " " : "", info->fn, args);
    }
  return g_string_free (s, FALSE);
}

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

static const char *
str_member (JsonObject *op, const char *name)
{
  JsonNode *n = json_object_get_member (op, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : "?";
}

/* What the op was doing, for "… failed: message". */
static char *
op_action (JsonObject *op)
{
  const char *kind = ps_recipe_op_kind (op);
  if (kind == NULL)
    return g_strdup ("op");
  if (strcmp (kind, "module") == 0)
    return g_strdup_printf ("creating %s as %s", str_member (op, "type"), str_member (op, "id"));
  if (strcmp (kind, "attach") == 0)
    return g_strdup_printf ("attaching %s to %s as %s", str_member (op, "child"), str_member (op, "parent"),
                            str_member (op, "name"));
  if (strcmp (kind, "detach") == 0)
    return g_strdup_printf ("detaching %s from %s", str_member (op, "name"), str_member (op, "parent"));
  if (strcmp (kind, "rename") == 0)
    return g_strdup_printf ("renaming %s.%s to %s", str_member (op, "parent"), str_member (op, "name"),
                            str_member (op, "new_name"));
  if (strcmp (kind, "move") == 0)
    return g_strdup_printf ("moving %s.%s", str_member (op, "parent"), str_member (op, "name"));
  if (strcmp (kind, "init") == 0)
    return g_strdup_printf ("%s on %s", str_member (op, "fn"), str_member (op, "target"));
  if (strcmp (kind, "init_modules") == 0)
    return g_strdup_printf ("init loop over %s.modules()", str_member (op, "target"));
  if (strcmp (kind, "reset_parameters") == 0)
    return g_strdup_printf ("reset_parameters on %s", str_member (op, "target"));
  if (strcmp (kind, "manual_seed") == 0)
    return g_strdup ("manual_seed");
  if (strcmp (kind, "mode") == 0)
    return g_strdup_printf ("setting the mode of %s", str_member (op, "target"));
  if (strcmp (kind, "forward") == 0)
    return g_strdup_printf ("forward through %s", str_member (op, "target"));
  if (strcmp (kind, "load") == 0)
    return g_strdup_printf ("loading %s into %s", str_member (op, "file"), str_member (op, "target"));
  if (ps_train_ops_is_kind (kind))
    return ps_train_ops_describe (op, kind, NULL, NULL, NULL);
  return g_strdup (kind);
}

char *
ps_op_describe (JsonObject *op, const PsState *before, const PsState *after, const GError *error)
{
  g_autofree char *action = op_action (op);
  if (after == NULL)
    {
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

  const char *kind = ps_recipe_op_kind (op);
  if (ps_train_ops_is_kind (kind))
    return ps_train_ops_describe (op, kind, before, after, NULL);
  guint n = after->step;
  GString *s = g_string_new (NULL);
  if (strcmp (kind, "module") == 0)
    {
      const char *id = str_member (op, "id");
      PsModule *m = ps_state_get_module (after, id);
      if (m->klass->is_container)
        {
          if (m->display_class != NULL)
            g_string_append_printf (s, "%s (%s)", m->display_class, m->klass->name);
          else
            g_string_append (s, m->klass->name);
          g_string_append_printf (s, " created as %s", id);
          if (m->children->len == 0)
            g_string_append (s, ", empty");
          else
            g_string_append (s, " with ");
          g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
          gboolean shared = FALSE;
          for (guint i = 0; i < m->children->len; i++)
            {
              PsModule *c = g_ptr_array_index (m->children, i);
              shared |= !g_hash_table_add (seen, c);
              g_string_append_printf (s, "%s(%s): %s", i ? ", " : "", (char *) g_ptr_array_index (m->child_names, i),
                                      c->id ? c->id : ps_module_class_name (c));
            }
          if (shared)
            g_string_append (s, " (one module at several places: shared, one set of parameters)");
        }
      else
        {
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
    }
  else if (strcmp (kind, "attach") == 0)
    {
      g_string_append_printf (s, "attached %s to %s as %s", str_member (op, "child"), str_member (op, "parent"),
                              str_member (op, "name"));
      if (json_object_has_member (op, "index"))
        g_string_append_printf (s, " at position %" G_GINT64_FORMAT, json_object_get_int_member (op, "index"));
    }
  else if (strcmp (kind, "rename") == 0)
    g_string_append_printf (s, "renamed %s.%s to %s.%s (its parameters' state_dict keys change with it)",
                            str_member (op, "parent"), str_member (op, "name"), str_member (op, "parent"),
                            str_member (op, "new_name"));
  else if (strcmp (kind, "move") == 0)
    {
      g_string_append_printf (s, "moved %s.%s to position %" G_GINT64_FORMAT, str_member (op, "parent"),
                              str_member (op, "name"), json_object_get_int_member (op, "index"));
      PsModule *parent = NULL;
      if (ps_state_resolve (after, str_member (op, "parent"), &parent, NULL, NULL) && parent != NULL)
        {
          g_string_append (s, ": children now ");
          for (guint i = 0; i < parent->child_names->len; i++)
            g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (parent->child_names, i));
        }
    }
  else if (strcmp (kind, "detach") == 0)
    g_string_append_printf (s, "detached %s from %s", str_member (op, "name"), str_member (op, "parent"));
  else if (strcmp (kind, "init") == 0)
    {
      PsParam *p = NULL;
      ps_state_resolve (after, str_member (op, "target"), NULL, &p, NULL);
      if (p != NULL)
        append_param (s, str_member (op, "target"), p);
    }
  else if (strcmp (kind, "init_modules") == 0)
    {
      g_string_append_printf (s, "init loop over %s.modules() matching %s: ", str_member (op, "target"),
                              str_member (op, "match"));
      if (append_stamped (s, after, n, FALSE, ", ") == 0)
        g_string_append (s, "nothing matched");
    }
  else if (strcmp (kind, "reset_parameters") == 0)
    {
      g_string_append_printf (s, "reset_parameters on %s: ", str_member (op, "target"));
      if (append_stamped (s, after, n, FALSE, ", ") == 0)
        g_string_append (s, "nothing to reset");
    }
  else if (strcmp (kind, "manual_seed") == 0)
    g_string_append_printf (s, "torch.manual_seed(%" G_GINT64_FORMAT ")", json_object_get_int_member (op, "seed"));
  else if (strcmp (kind, "mode") == 0)
    {
      gboolean train = json_object_get_boolean_member (op, "train");
      g_string_append_printf (s, "%s.train(%s): %s mode", str_member (op, "target"), train ? "True" : "False",
                              train ? "training" : "evaluation");
    }
  else if (strcmp (kind, "forward") == 0)
    {
      PsInputSpec spec;
      g_autofree char *input = NULL;
      if (ps_recipe_parse_input (json_object_get_member (op, "input"), &spec, NULL))
        {
          input = ps_input_spec_describe (&spec);
          ps_input_spec_clear (&spec);
        }
      g_autofree char *dflt = g_strdup_printf ("output%u", n);
      const char *name = json_object_has_member (op, "name") ? str_member (op, "name") : dflt;
      PsTensor *y = ps_state_get_output (after, name);
      g_autofree char *shape = y ? ps_tensor_shape_string (y) : g_strdup ("?");
      g_string_append_printf (s, "forward through %s: input %s \xe2\x86\x92 %s %s", str_member (op, "target"),
                              input ? input : "?", name, shape);
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
  else if (strcmp (kind, "load") == 0)
    {
      g_string_append_printf (s, "%s.load_state_dict(%s): ", str_member (op, "target"), str_member (op, "file"));
      g_autoptr (GPtrArray) items = ps_state_list_params (after);
      guint nw = 0;
      for (guint i = 0; i < items->len; i++)
        {
          PsNamedItem *it = g_ptr_array_index (items, i);
          if (it->param->written_step == (int) n)
            g_string_append_printf (s, "%s%s", nw++ ? ", " : "", it->path);
        }
      if (nw == 0)
        g_string_append (s, "nothing loaded");
    }
  else
    g_string_append (s, action);
  return g_string_free (s, FALSE);
}
