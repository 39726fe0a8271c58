/* ps-dropout.c — nn.Dropout(p=0.5, inplace=False).
 *
 * ATen 1.13 CPU (_dropout_impl, Dropout.cpp), reproduced bit for bit:
 *   - eval mode, p == 0 or an empty input: the input itself, no draws;
 *   - p == 1: input * 0 (so -x → -0, inf/NaN → NaN), no draws;
 *   - otherwise noise = bernoulli_(1 - p) (2 draws per element: a double uniform u, keep when
 *     u < 1 - p), noise.div_(1 - p) in float, output = input * noise.
 * torch checks 0 <= p <= 1 at construction and again in F.dropout, where NaN fails too; we reject
 * NaN at construction. inplace only changes which tensor torch writes; we never write the input. */
#include "ps-layers.h"
#include "ps-ops.h"

#include <math.h>

static PS_DECLARE_BACKWARD (dropout_backward);

typedef struct {
  double p;
} DropoutPriv;

static const PsArgSpec dropout_args[] = {
  /* stored as given: __init__'s `p < 0 or p > 1` refuses what Python cannot compare */
  { .name = "p", .kind = PS_ARG_FLOAT, .def_double = 0.5, .any_value = TRUE, .doc = "probability of an element to be zeroed" },
  { .name = "inplace", .kind = PS_ARG_BOOL, .def_bool = FALSE,
    .doc = "accepted for compatibility; Paramscope never modifies its input" },
  { NULL }
};

/* str(p) as Python prints it */
static char *
p_str (const PsModule *self)
{
  const PsValue *v = ps_args_lookup (self->args, "p");
  if (isnan (v->d))
    return g_strdup ("nan");
  if (isinf (v->d))
    return g_strdup (v->d > 0 ? "inf" : "-inf");
  return ps_value_to_python (v);
}

static gboolean
dropout_construct (PsModule *self, GError **error)
{
  const PsValue *pv = ps_args_lookup (self->args, "p");
  if (pv->type == PS_VALUE_NONE || pv->type == PS_VALUE_STRING)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'<' not supported between instances of '%s' and 'int'",
                   ps_value_given_type_name (pv));
      return FALSE;
    }
  double p = ps_args_get_number (self->args, "p");
  /* Python's `p < 0 or p > 1` lets NaN through; ATen's check refuses it at every forward */
  if (p < 0.0 || p > 1.0)
    {
      g_autofree char *s = p_str (self);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "dropout probability has to be between 0 and 1, but got %s", s);
      return FALSE;
    }
  PS_MODULE_PRIV (self, DropoutPriv)->p = p;
  return TRUE;
}

static PsTensor *
dropout_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  double p = PS_MODULE_PRIV (self, DropoutPriv)->p;
  if (isnan (p))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "dropout probability has to be between 0 and 1, but got nan");
      return NULL;
    }
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Dropout: expected a float32 input, got %s", ps_dtype_name (input->dtype));
      return NULL;
    }
  if (!self->training || p == 0.0 || input->numel == 0)
    return ps_tensor_ref (input);
  g_return_val_if_fail (gen != NULL || p == 1.0, NULL);   /* training-mode Dropout draws */
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  if (y == NULL)
    return NULL;
  if (ps_tape_recording ())
    {
      /* keep the noise for backward: the same draws (ps_ops_dropout on ones yields the noise
       * itself), then out = x·noise exactly as ps_ops_dropout computes it */
      g_autoptr (PsTensor) noise = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
      if (noise == NULL)
        {
          ps_tensor_unref (y);
          return NULL;
        }
      float *nz = ps_tensor_f32 (noise);
      for (int64_t i = 0; i < input->numel; i++)
        nz[i] = 1.0f;
      if (!ps_ops_dropout (nz, nz, input->numel, p, gen, error))
        {
          ps_tensor_unref (y);
          return NULL;
        }
      const float *x = ps_tensor_cf32 (input);
      float *o = ps_tensor_f32 (y);
      for (int64_t i = 0; i < input->numel; i++)
        o[i] = x[i] * nz[i];
      ps_tape_save (noise);
      return y;
    }
  if (!ps_ops_dropout (ps_tensor_cf32 (input), ps_tensor_f32 (y), input->numel, p, gen, error))
    {
      ps_tensor_unref (y);
      return NULL;
    }
  return y;
}

static char *
dropout_extra_repr (const PsModule *self)
{
  g_autofree char *p = p_str (self);
  g_autofree char *inplace = ps_value_to_str (ps_args_lookup (self->args, "inplace"));   /* as given: inplace=2 */
  return g_strdup_printf ("p=%s, inplace=%s", p, inplace);
}

const PsModuleClass ps_dropout_class = {
  .name = "Dropout",
  .init_owner = "_DropoutNd",
  .args = dropout_args,
  .priv_size = sizeof (DropoutPriv),
  .construct = dropout_construct,
  .forward = dropout_forward,
  .extra_repr = dropout_extra_repr,
  .backward = (gpointer) dropout_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("dropout", "input", 1),
  .output_keeps_layout = TRUE,
};

/* ---------- backward ----------
 * grad = g·noise with the forward's noise = bernoulli_(1 − p)/(1 − p) (TRAINING-PARITY.md §5),
 * saved by the forward when a tape records. Without noise (eval, p = 0) the layer passed x on. */
static gboolean
dropout_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                  PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  if (entry->saved == NULL)
    {
      *grad_input = ps_tensor_ref (grad_output);
      return TRUE;
    }
  PsTensor *gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, grad_output->ndim, grad_output->shape, error);
  if (gi == NULL)
    return FALSE;
  const float *g = ps_tensor_cf32 (grad_output), *noise = ps_tensor_cf32 (entry->saved);
  float *o = ps_tensor_f32 (gi);
  for (int64_t i = 0; i < gi->numel; i++)
    o[i] = g[i] * noise[i];
  *grad_input = gi;
  return TRUE;
}
