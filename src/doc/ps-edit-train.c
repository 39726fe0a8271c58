/* ps-edit-train.c — see ps-edit-train.h. */
#include "ps-config.h"
#include "ps-edit-train.h"
#include "ps-error.h"

#include <string.h>

void
ps_train_spec_init (PsTrainSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->dataset = "xor";
  spec->n = 200;
  spec->loss = "CrossEntropyLoss";
  spec->optimizer = "SGD";
  spec->batch_size = 32;
  spec->shuffle = TRUE;
  spec->count = 100;
  spec->record_every = 1;
}

/* A fresh id for a data set / optimizer / scheduler: base, base2, base3 … not used by any module
 * or training object. */
static char *
ps_edit_train_id (const PsState *st, const char *base)
{
  for (int i = 1;; i++)
    {
      char *id = i == 1 ? g_strdup (base) : g_strdup_printf ("%s%d", base, i);
      if (ps_state_get_module (st, id) == NULL && ps_state_get_train_object (st, id) == NULL)
        return id;
      g_free (id);
    }
}

/* The newest training object of a kind (for an optimizer: of the model `model_id`), or NULL. */
static const char *
newest (const PsState *st, PsTrainObjectKind kind, const char *model_id)
{
  for (guint i = st->train_ids->len; i-- > 0;)
    {
      const char *id = g_ptr_array_index (st->train_ids, i);
      PsTrainObject *o = ps_state_get_train_object (st, id);
      if (o->kind == kind && (model_id == NULL || g_strcmp0 (o->model_id, model_id) == 0))
        return id;
    }
  return NULL;
}

static const char *
model_id (const PsState *st, GError **error)
{
  if (ps_state_get_root (st) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "There is no model to train yet: add layers to a Sequential first");
      return NULL;
    }
  return st->root;
}

static JsonObject *
args_copy (JsonObject *args)
{
  JsonObject *o = json_object_new ();
  if (args != NULL)
    {
      GList *members = json_object_get_members (args);
      for (GList *l = members; l; l = l->next)
        json_object_set_member (o, l->data, json_node_copy (json_object_get_member (args, l->data)));
      g_list_free (members);
    }
  return o;
}

GPtrArray *
ps_edit_train_ops (const PsState *st, const PsTrainSpec *spec, GError **error)
{
  const char *model = model_id (st, error);
  if (model == NULL)
    return NULL;
  if (spec->count < 1 || spec->batch_size < 1 || spec->record_every < 1 || spec->n < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "steps or epochs, batch size and “record every” must be at least 1");
      return NULL;
    }
  GPtrArray *ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  /* reuse the same data set (type and size), as a script keeps its DataLoader's data */
  g_autofree char *data_id = NULL;
  gboolean from_file = strcmp (spec->dataset, "file") == 0;
  if (from_file && (spec->file == NULL || *spec->file == '\0' || spec->x == NULL || *spec->x == '\0'
                    || spec->y == NULL || *spec->y == '\0'))
    {
      g_ptr_array_unref (ops);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "a data set from a file needs the file and the names of its input (x) and target (y) arrays");
      return NULL;
    }
  for (guint i = st->train_ids->len; i-- > 0 && data_id == NULL && !from_file;)
    {
      const char *id = g_ptr_array_index (st->train_ids, i);
      PsTrainObject *o = ps_state_get_train_object (st, id);
      gboolean fm = strcmp (spec->dataset, "fashion_mnist") == 0;
      if (o->kind == PS_TRAIN_DATASET && strcmp (o->type, spec->dataset) == 0
          && (fm ? (spec->n == 0 ? ps_dataset_len (o->dataset) == 60000 : ps_dataset_len (o->dataset) == spec->n)
                 : ps_dataset_len (o->dataset) == spec->n))
        data_id = g_strdup (id);
    }
  if (data_id == NULL)
    {
      data_id = ps_edit_train_id (st, "data");
      JsonObject *d = json_object_new ();
      json_object_set_string_member (d, "op", "dataset");
      json_object_set_string_member (d, "id", data_id);
      if (from_file)
        {
          /* what `numpy.load(file)`, then TensorDataset(f[x], f[y]) reads (docs/recipe-format.md) */
          json_object_set_string_member (d, "file", spec->file);
          json_object_set_string_member (d, "x", spec->x);
          json_object_set_string_member (d, "y", spec->y);
          g_ptr_array_add (ops, d);
        }
      else
        {
          json_object_set_string_member (d, "type", spec->dataset);
          JsonObject *a = json_object_new ();
          if (strcmp (spec->dataset, "fashion_mnist") == 0)
            {
              json_object_set_string_member (a, "split", "train");
              if (spec->n > 0)
                json_object_set_int_member (a, "limit", spec->n);
            }
          else
            json_object_set_int_member (a, "n", spec->n);
          json_object_set_object_member (d, "args", a);
          g_ptr_array_add (ops, d);
        }
    }
  g_autofree char *opt_id = ps_edit_train_id (st, "opt");
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "op", "optimizer");
  json_object_set_string_member (o, "id", opt_id);
  json_object_set_string_member (o, "type", spec->optimizer);
  json_object_set_string_member (o, "params", model);
  json_object_set_object_member (o, "args", args_copy (spec->optimizer_args));
  g_ptr_array_add (ops, o);
  g_autofree char *sched_id = NULL;
  if (spec->scheduler != NULL && *spec->scheduler != '\0')
    {
      sched_id = ps_edit_train_id (st, "sched");
      JsonObject *s = json_object_new ();
      json_object_set_string_member (s, "op", "scheduler");
      json_object_set_string_member (s, "id", sched_id);
      json_object_set_string_member (s, "type", spec->scheduler);
      json_object_set_string_member (s, "optimizer", opt_id);
      json_object_set_object_member (s, "args", args_copy (spec->scheduler_args));
      g_ptr_array_add (ops, s);
    }
  JsonObject *t = json_object_new ();
  json_object_set_string_member (t, "op", "train");
  json_object_set_string_member (t, "model", model);
  json_object_set_string_member (t, "optimizer", opt_id);
  json_object_set_string_member (t, "data", data_id);
  JsonObject *loss = json_object_new ();
  json_object_set_string_member (loss, "type", spec->loss);
  json_object_set_object_member (loss, "args", json_object_new ());
  json_object_set_object_member (t, "loss", loss);
  json_object_set_int_member (t, "batch_size", spec->batch_size);
  json_object_set_boolean_member (t, "shuffle", spec->shuffle);
  json_object_set_int_member (t, spec->by_epochs ? "epochs" : "steps", spec->count);
  if (sched_id != NULL)
    {
      json_object_set_string_member (t, "scheduler", sched_id);
      json_object_set_string_member (t, "scheduler_every", spec->scheduler_per_step ? "step" : "epoch");
    }
  json_object_set_int_member (t, "record_every", spec->record_every);
  g_ptr_array_add (ops, t);
  return ops;
}

/* Nested JSON lists of a tensor's first `rows` rows. */
static JsonNode *
nested (const PsTensor *t, int dim, int64_t offset, int64_t rows)
{
  JsonArray *a = json_array_new ();
  int64_t n = dim == 0 ? rows : t->shape[dim];
  int64_t inner = 1;
  for (int d = dim + 1; d < t->ndim; d++)
    inner *= t->shape[d];
  for (int64_t i = 0; i < n; i++)
    {
      if (dim + 1 < t->ndim)
        json_array_add_element (a, nested (t, dim + 1, offset + i * inner, rows));
      else if (t->dtype == PS_DTYPE_INT64)
        json_array_add_int_element (a, ps_tensor_ci64 (t)[offset + i]);
      else
        json_array_add_double_element (a, ps_tensor_cf32 (t)[offset + i]);
    }
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, a);
  return node;
}

static JsonObject *
value_spec (const PsTensor *t, int64_t rows)
{
  JsonObject *o = json_object_new ();
  json_object_set_member (o, "value", nested (t, 0, 0, rows));
  json_object_set_string_member (o, "dtype", t->dtype == PS_DTYPE_INT64 ? "int64" : "float32");
  return o;
}

GPtrArray *
ps_edit_teach_forward_ops (const PsState *st, const char *loss_type, int64_t batch_size, GError **error)
{
  const char *model = model_id (st, error);
  if (model == NULL)
    return NULL;
  const char *data_id = newest (st, PS_TRAIN_DATASET, NULL);
  if (data_id == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   "There is no data set yet: Train… adds one (or a scenario with training)");
      return NULL;
    }
  const PsDataset *d = ps_state_get_train_object (st, data_id)->dataset;
  int64_t rows = MIN (MAX (batch_size, 1), ps_dataset_len (d));
  if (d->x->dtype != PS_DTYPE_FLOAT32 || d->x->numel / MAX (d->x->shape[0], 1) * rows > 65536)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "A batch of %" G_GINT64_FORMAT " samples of '%s' is too large to write into the recipe; use Train…",
                   rows, data_id);
      return NULL;
    }
  JsonObject *f = json_object_new ();
  json_object_set_string_member (f, "op", "forward");
  json_object_set_string_member (f, "target", model);
  json_object_set_object_member (f, "input", value_spec (d->x, rows));
  json_object_set_string_member (f, "name", "loss");
  JsonObject *loss = json_object_new ();
  json_object_set_string_member (loss, "type", loss_type ? loss_type : "CrossEntropyLoss");
  json_object_set_object_member (loss, "args", json_object_new ());
  json_object_set_object_member (loss, "target", value_spec (d->y, rows));
  json_object_set_object_member (f, "loss", loss);
  g_autofree char *desc = g_strdup_printf ("loss = loss_fn(%s(xb), yb) on the first %" G_GINT64_FORMAT " samples of %s",
                                           model, rows, data_id);
  json_object_set_string_member (f, "description", desc);
  GPtrArray *ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (ops, f);
  return ops;
}

GPtrArray *
ps_edit_teach_backward_ops (const PsState *st, GError **error)
{
  if (st->graph == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   "Nothing to backpropagate: run Forward + Loss first (a graph is used once, as in torch)");
      return NULL;
    }
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "op", "backward");
  json_object_set_string_member (b, "output", st->graph->output);
  GPtrArray *ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (ops, b);
  return ops;
}

GPtrArray *
ps_edit_teach_step_ops (const PsState *st, gboolean zero_grad, GError **error)
{
  const char *model = model_id (st, error);
  if (model == NULL)
    return NULL;
  GPtrArray *ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *opt_id = g_strdup (newest (st, PS_TRAIN_OPTIMIZER, model));
  if (opt_id == NULL)
    {
      opt_id = ps_edit_train_id (st, "opt");
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "op", "optimizer");
      json_object_set_string_member (o, "id", opt_id);
      json_object_set_string_member (o, "type", "SGD");
      json_object_set_string_member (o, "params", model);
      JsonObject *a = json_object_new ();
      json_object_set_double_member (a, "lr", 0.1);
      json_object_set_object_member (o, "args", a);
      g_ptr_array_add (ops, o);
    }
  JsonObject *s = json_object_new ();
  json_object_set_string_member (s, "op", zero_grad ? "zero_grad" : "step");
  json_object_set_string_member (s, "optimizer", opt_id);
  g_ptr_array_add (ops, s);
  return ops;
}

#include "ps-py-literal.h"

JsonObject *
ps_edit_parse_kwargs (const char *text, GError **error)
{
  g_autoptr (JsonObject) o = json_object_new ();
  const char *p = text ? text : "";
  while (*p != '\0')
    {
      /* one "name=value" up to a comma outside brackets and quotes */
      const char *start = p;
      int depth = 0;
      char quote = 0;
      for (; *p != '\0'; p++)
        {
          if (quote)
            {
              if (*p == quote)
                quote = 0;
            }
          else if (*p == '\'' || *p == '"')
            quote = *p;
          else if (*p == '(' || *p == '[')
            depth++;
          else if (*p == ')' || *p == ']')
            depth--;
          else if (*p == ',' && depth == 0)
            break;
        }
      g_autofree char *item = g_strstrip (g_strndup (start, p - start));
      if (*p == ',')
        p++;
      if (*item == '\0')
        continue;
      char *eq = strchr (item, '=');
      if (eq == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected name=value, got “%s”", item);
          return NULL;
        }
      *eq = '\0';
      char *name = g_strstrip (item);
      if (*name == '\0' || !(g_ascii_isalpha (*name) || *name == '_'))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "“%s” is not an argument name", name);
          return NULL;
        }
      GError *e = NULL;
      JsonNode *v = ps_py_literal_parse (eq + 1, &e);
      if (v == NULL)
        {
          if (e != NULL)
            g_propagate_prefixed_error (error, e, "%s: ", name);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: no value after '='", name);
          return NULL;
        }
      json_object_set_member (o, name, v);
    }
  return g_steal_pointer (&o);
}
