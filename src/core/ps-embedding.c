/* ps-embedding.c — nn.Embedding (torch 1.13).
 *
 * weight (num_embeddings, embedding_dim). reset_parameters: normal_(0, 1) on the whole weight
 * (the §3a per-element path when numel < 16), then the padding_idx row set to 0. A negative
 * padding_idx is normalised to num_embeddings + padding_idx at construction, as torch does.
 * forward: int64 indices of any shape → (*indices.shape, embedding_dim), a plain row gather
 * (bit-exact). max_norm (which renormalises weight rows in place during forward) is not
 * supported and is rejected at construction. */
#include "ps-layers.h"

#include <math.h>
#include <string.h>

static PS_DECLARE_BACKWARD (embedding_backward);

typedef struct {
  int64_t num;
  int64_t dim;
  gboolean has_padding_idx;
  int64_t padding_idx;     /* normalised, >= 0 */
  double norm_type;
  gboolean scale_grad_by_freq;
  gboolean sparse;
} EmbeddingPriv;

static const PsArgSpec embedding_args[] = {
  /* both as given to torch.empty((num_embeddings, embedding_dim)) (ps_py_empty_check) */
  { "num_embeddings", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "size of the dictionary" },
  /* torch.empty((num_embeddings, embedding_dim)): a bool as the second size is an int */
  { "embedding_dim", PS_ARG_INT, .required = TRUE, .bool_is_int = TRUE, .any_value = TRUE, .doc = "size of each embedding vector" },
  /* torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse): only an int there; __init__
   * compares it with 0 and indexes the weight with it (embedding_construct) */
  { "padding_idx", PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .aten_position = 3, .aten_type = "int",
    .doc = "row kept at zero (negative counts from the end)" },
  /* a number is not supported; anything else torch stores and torch.embedding_renorm_(weight, input,
   * max_norm, norm_type) refuses at the forward */
  { "max_norm", PS_ARG_FLOAT, .nullable = TRUE, .def_none = TRUE, .aten_position = 3, .aten_type = "float",
    .aten_function = "embedding_renorm_", .doc = "not supported (must be None)" },
  /* read only with max_norm (not supported): any value is stored as given */
  { "norm_type", PS_ARG_FLOAT, .def_double = 2.0, .any_value = TRUE, .doc = "p of the max_norm p-norm" },
  { "scale_grad_by_freq", PS_ARG_BOOL, .def_bool = FALSE, .aten_bool_position = 4, .doc = "gradient option (no effect on forward)" },
  { "sparse", PS_ARG_BOOL, .def_bool = FALSE, .aten_bool_position = 5, .doc = "gradient option (no effect on forward)" },
  { NULL }
};

static gboolean
embedding_construct (PsModule *self, GError **error)
{
  EmbeddingPriv *p = PS_MODULE_PRIV (self, EmbeddingPriv);
  const PsValue *nv = ps_args_lookup (self->args, "num_embeddings"), *dv = ps_args_lookup (self->args, "embedding_dim");
  p->num = ps_value_size (nv);   /* checked below, after padding_idx as torch's __init__ */
  p->dim = ps_value_size (dv);
  const PsValue *nt = ps_args_lookup (self->args, "norm_type");
  p->norm_type = nt->type == PS_VALUE_DOUBLE ? nt->d : NAN;   /* NAN: not a float (as given, see repr) */
  p->scale_grad_by_freq = ps_args_get_bool (self->args, "scale_grad_by_freq");
  p->sparse = ps_args_get_bool (self->args, "sparse");
  /* padding_idx as given: Python compares it with 0 and num_embeddings; a bool indexes the weight
   * as a mask (a copy: nothing is zeroed) and the forward's torch.embedding refuses it; a float fails
   * when reset_parameters indexes the weight with it */
  const PsValue *pv = ps_args_lookup (self->args, "padding_idx");
  const PsValueType pt = ps_value_given_type (pv);
  gboolean float_index = FALSE;
  p->has_padding_idx = pt == PS_VALUE_INT;
  if (pt == PS_VALUE_STRING)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'>' not supported between instances of 'str' and 'int'");
      return FALSE;
    }
  if (pt == PS_VALUE_INT || pt == PS_VALUE_BOOL || pt == PS_VALUE_DOUBLE)
    {
      const double x = pt == PS_VALUE_DOUBLE ? pv->d : (double) ps_value_size (pv);
      const int64_t idx = ps_value_size (pv);
      if (pt == PS_VALUE_DOUBLE ? ((x > 0 && x >= (double) p->num) || (x < 0 && x < -(double) p->num))
                                : ((idx > 0 && idx >= p->num) || (idx < 0 && idx < -p->num)))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Padding_idx must be within num_embeddings");
          return FALSE;
        }
      p->padding_idx = idx < 0 ? p->num + idx : idx;
      float_index = pt == PS_VALUE_DOUBLE;
    }
  const PsValue *mv = ps_args_lookup (self->args, "max_norm");
  const PsValueType mt = ps_value_given_type (mv);
  if (mt == PS_VALUE_INT || mt == PS_VALUE_BOOL || mt == PS_VALUE_DOUBLE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "Embedding(max_norm=…) is not supported: it rewrites weight rows during forward");
      return FALSE;
    }
  if (!ps_py_empty_check ((const PsValue *[]) { nv, dv }, 2, FALSE, error))
    return FALSE;
  int64_t shape[2] = { p->num, p->dim };
  if (p->num < 0 || p->dim < 0)
    {
      g_autofree char *s = ps_shape_to_string (2, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": %s",
                   p->num < 0 ? p->num : p->dim, s);
      return FALSE;
    }
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 2, shape, error);
  if (w == NULL)
    return FALSE;
  if (float_index)
    {
      /* reset_parameters' self.weight[self.padding_idx] */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "only integers, slices (`:`), ellipsis (`...`), "
                           "None and long or byte Variables are valid indices (got float)");
      return FALSE;
    }
  ps_module_register (self, "weight", w, FALSE);
  return TRUE;
}

static gboolean
embedding_reset (PsModule *self, PsGenerator *gen, GError **error)
{
  EmbeddingPriv *p = PS_MODULE_PRIV (self, EmbeddingPriv);
  PsParam *pw = ps_module_get_param (self, "weight");
  /* normal_ checks its arguments, then writes every element */
  g_autoptr (PsTensor) w = ps_param_new_for_overwrite (pw, error);
  if (w == NULL)
    return FALSE;
  PsInitInfo info;
  ps_init_info_clear (&info);
  if (!ps_init_normal_ (w, 0.0, 1.0, gen, &info, error))
    return FALSE;
  if (p->has_padding_idx && p->dim > 0)
    {
      memset (ps_tensor_f32 (w) + p->padding_idx * p->dim, 0, (gsize) p->dim * sizeof (float));
      g_snprintf (info.formula, sizeof info.formula, "N(0, 1), then row padding_idx=%" G_GINT64_FORMAT " = 0",
                  p->padding_idx);
    }
  ps_param_set_value (pw, w);
  pw->init = info;
  return TRUE;
}

static PsTensor *
embedding_forward (PsModule *self, PsTensor *idx, PsGenerator *gen, GError **error)
{
  EmbeddingPriv *p = PS_MODULE_PRIV (self, EmbeddingPriv);
  if (idx->dtype != PS_DTYPE_INT64)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                   "Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)");
      return NULL;
    }
  if (idx->ndim + 1 > PS_MAX_DIMS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Embedding input has too many dimensions (%d)", idx->ndim);
      return NULL;
    }
  if (p->num == 0 && idx->numel > 0)
    {
      /* index_select on an empty weight, before any index is looked at */
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "index_select(): self indexing axis dim should be positive");
      return NULL;
    }
  const int64_t *id = ps_tensor_ci64 (idx);
  for (int64_t i = 0; i < idx->numel; i++)
    if (id[i] < 0 || id[i] >= p->num)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "index out of range in self");
        return NULL;
      }
  int64_t shape[PS_MAX_DIMS];
  memcpy (shape, idx->shape, (gsize) idx->ndim * sizeof (int64_t));
  shape[idx->ndim] = p->dim;
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, idx->ndim + 1, shape, error);
  if (y == NULL)
    return NULL;
  const float *w = ps_tensor_cf32 (ps_module_get_param (self, "weight")->value);
  float *yd = ps_tensor_f32 (y);
  for (int64_t i = 0; i < idx->numel; i++)
    memcpy (yd + i * p->dim, w + id[i] * p->dim, (gsize) p->dim * sizeof (float));
  return g_steal_pointer (&y);
}

static char *
embedding_extra_repr (const PsModule *self)
{
  const EmbeddingPriv *p = PS_MODULE_PRIV (self, EmbeddingPriv);
  GString *s = g_string_new (NULL);
  g_autofree char *dim = ps_value_to_str (ps_args_lookup (self->args, "embedding_dim"));
  g_string_append_printf (s, "%" G_GINT64_FORMAT ", %s", p->num, dim);
  const PsValue *pv = ps_args_lookup (self->args, "padding_idx");
  if (p->has_padding_idx)
    g_string_append_printf (s, ", padding_idx=%" G_GINT64_FORMAT, p->padding_idx);
  else if (pv->type != PS_VALUE_NONE)
    {
      g_autofree char *t = ps_value_to_str (pv);   /* a bool as given: padding_idx=True */
      g_string_append_printf (s, ", padding_idx=%s", t);
    }
  const PsValue *mv = ps_args_lookup (self->args, "max_norm");
  if (mv->type != PS_VALUE_NONE)
    {
      g_autofree char *t = ps_value_to_str (mv);
      g_string_append_printf (s, ", max_norm=%s", t);
    }
  if (p->norm_type != 2.0)   /* `if self.norm_type != 2`: any other value, as str() prints it */
    {
      g_autofree char *t = ps_value_to_str (ps_args_lookup (self->args, "norm_type"));
      g_string_append_printf (s, ", norm_type=%s", t);
    }
  /* `if self.scale_grad_by_freq is not False:` prints the value; `if self.sparse is not False:` the
   * word True */
  const PsValue *sg = ps_args_lookup (self->args, "scale_grad_by_freq");
  if (!ps_value_is_bool (sg, FALSE))
    {
      g_autofree char *t = ps_value_to_str (sg);
      g_string_append_printf (s, ", scale_grad_by_freq=%s", t);
    }
  if (!ps_value_is_bool (ps_args_lookup (self->args, "sparse"), FALSE))
    g_string_append (s, ", sparse=True");
  return g_string_free (s, FALSE);
}

/* A batch of 5 indices. */
static void
embedding_example_input (const PsModule *self, PsExampleInput *ex)
{
  ps_example_input_set (ex, 2, (int64_t[]) { 1, 5 });
  ex->dtype = PS_DTYPE_INT64;
  ex->high = ps_args_get_int (self->args, "num_embeddings");
}

const PsModuleClass ps_embedding_class = {
  .name = "Embedding",
  .args = embedding_args,
  .priv_size = sizeof (EmbeddingPriv),
  .construct = embedding_construct,
  .reset_parameters = embedding_reset,
  .forward = embedding_forward,
  .extra_repr = embedding_extra_repr,
  .example_input = embedding_example_input,
  .backward = (gpointer) embedding_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("embedding", "indices", 2),
};

/* ---------- backward ----------
 * embedding_dense_backward_cpu (1.13): gW = zeros, then gW[idx[i]] += g[i] in occurrence order,
 * skipping padding_idx — plain float adds (TRAINING-PARITY.md §5). The indices get no gradient. */
static gboolean
embedding_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                    PsGradSink *sink, GError **error)
{
  const EmbeddingPriv *priv = PS_MODULE_PRIV (self, const EmbeddingPriv);
  if (priv->scale_grad_by_freq || priv->sparse)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "Embedding backward: scale_grad_by_freq and sparse gradients are not supported yet");
      return FALSE;
    }
  PsParam *pw = ps_module_get_param (self, "weight");
  g_autoptr (PsTensor) gw = ps_tensor_new (PS_DTYPE_FLOAT32, 2, pw->value->shape, error);
  if (gw == NULL)
    return FALSE;
  const int64_t *idx = ps_tensor_ci64 (entry->input);
  const float *g = ps_tensor_cf32 (grad_output);
  float *o = ps_tensor_f32 (gw);
  const int64_t dim = priv->dim;
  for (int64_t i = 0; i < entry->input->numel; i++)
    {
      if (priv->has_padding_idx && idx[i] == priv->padding_idx)
        continue;
      float *row = o + idx[i] * dim;
      for (int64_t k = 0; k < dim; k++)
        row[k] += g[i * dim + k];
    }
  ps_grad_sink_add (sink, pw, gw);
  return TRUE;
}
