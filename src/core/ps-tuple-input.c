/* ps-tuple-input.c — what torch 1.13 says when a module gets a tuple as its input.
 *
 * Only MaxPool1d/2d(return_indices=True) return a tuple that goes on (ps-tensor.h, tuple_next):
 * an RNN's or MultiheadAttention's tuple is cut to [0] by Paramscope's Sequential (a known
 * deviation, exported with UnpackSequential). In torch the next module gets the whole tuple and
 * fails at its first tensor operation, each with its own message; Identity and a Sequential pass it
 * on (an empty one returns it). Each layer's class states torch's text (PsModuleClass
 * tuple_input_error, measured by tests/golden/gen_tuple_input.py, tests/data/tuple-input-errors.json);
 * test-max-pool-indices compares every registered class's. */
#include "ps-module.h"
#include "ps-loss.h"
#include "ps-layers.h"

char *
ps_module_tuple_input_error (const PsModule *m)
{
  const PsModuleClass *k = m->klass;
  if (k->is_container || k->passes_input_on)
    return NULL;   /* a Sequential passes it to its first child, Identity returns it */
  if (k->tuple_input_error_for != NULL)
    return k->tuple_input_error_for (m);
  if (k->tuple_input_error != NULL)
    return g_strdup (k->tuple_input_error);
  /* a class added without the fact: torch's most common text, with the class named */
  return g_strdup_printf ("%s: argument 'input' must be Tensor, not tuple", k->name);
}

const char *
ps_loss_tuple_input_error (PsLossKind kind)
{
  switch (kind)
    {
    case PS_LOSS_CROSS_ENTROPY:
      return PS_TUPLE_NOT_TENSOR ("cross_entropy_loss", "input", 1);
    case PS_LOSS_NLL:
      return PS_TUPLE_NOT_TENSOR ("nll_loss_nd", "input", 1);
    default:
      return PS_TUPLE_NO_ATTR ("size");
    }
}

/* Whether m returns its input as it is: Identity, or a Sequential (or user class) whose children all
 * do, at any depth (an empty one, Sequential(Identity()) too). */
static gboolean
passes_on (const PsModule *m)
{
  if (ps_module_class_passes_input_on (m->klass, ps_module_n_children (m)))
    return TRUE;
  if (!m->klass->is_container || m->klass->forward == NULL)
    return FALSE;
  for (guint i = 0; i < ps_module_n_children (m); i++)
    if (!passes_on (ps_module_child_at (m, i)))
      return FALSE;
  return TRUE;
}

/* The child path (names joined by '.') below m of the MaxPool whose (output, indices) m returns,
 * following the forward from the last child back, past the children that pass their input on
 * (passes_on: Identity, an empty Sequential, a Sequential of those). */
static const PsModule *
pair_source (const PsModule *m, GString *path)
{
  /* torch's return_indices=True (MaxPool1d/2d): forward returns (output, indices) */
  const PsValue *ri = m->args != NULL ? ps_args_lookup (m->args, "return_indices") : NULL;
  if (ri != NULL && ri->type == PS_VALUE_BOOL && ri->b)
    return m;
  for (guint i = ps_module_n_children (m); i > 0; i--)
    {
      const PsModule *k = ps_module_child_at (m, i - 1);
      if (passes_on (k))
        continue;
      const gsize at = path->len;
      g_string_append_printf (path, "%s%s", at ? "." : "", (const char *) ps_module_child_name_at (m, i - 1));
      const PsModule *src = pair_source (k, path);
      if (src == NULL)
        g_string_truncate (path, at);
      return src;
    }
  return NULL;
}

PsTensor *
ps_module_forward_tensor (PsModule *m, PsTensor *input, PsGenerator *gen, const char *purpose, GError **error)
{
  PsTensor *y = ps_module_forward (m, input, gen, error);
  if (y == NULL || y->tuple_next == NULL)
    return y;
  ps_tensor_unref (y);
  g_autoptr (GString) path = g_string_new (NULL);
  const PsModule *src = pair_source (m, path);
  g_autofree char *from = src == NULL || src == m ? g_strdup ("")
                          : g_strdup_printf (" (from its '%s', a %s with return_indices=True)", path->str,
                                             ps_module_class_name (src));
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "the model %s returns a tuple (output, indices)%s, not one tensor of class scores: %s needs a "
               "tensor, as torch's argmax does (argmax(): argument 'input' (position 1) must be Tensor, not tuple)",
               ps_module_class_name (m), from, purpose);
  return NULL;
}
