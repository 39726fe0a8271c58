/* ps-tuple-input.c — what torch 1.13 says when a module gets a tuple as its input.
 *
 * Only MaxPool1d/2d(return_indices=True) return a tuple that goes on (ps-tensor.h, tuple_next):
 * an RNN's or MultiheadAttention's tuple is cut to [0] by Paramscope's Sequential (a known
 * deviation, exported with UnpackSequential). In torch the next module gets the whole tuple and
 * fails at its first tensor operation, each with its own message; Identity and a Sequential pass it
 * on (an empty one returns it). The texts below are torch's, measured by
 * tests/golden/gen_tuple_input.py (tests/data/tuple-input-errors.json); test-max-pool-indices
 * compares every row. Convolutions name the types of F.convNd's arguments, so their text follows
 * the module's bias and padding (padding_mode other than 'zeros' fails in F.pad first). */
#include "ps-module.h"
#include "ps-loss.h"
#include "ps-layers.h"

#include <string.h>

typedef struct {
  const char *cls;
  const char *text;   /* NULL: passes the tuple on */
} Row;

#define NOT_TENSOR(fn, arg, pos) fn "(): argument '" arg "' (position " #pos ") must be Tensor, not tuple"
#define NO_ATTR(a) "'tuple' object has no attribute '" a "'"

static const Row rows[] = {
  { "AdaptiveAvgPool2d", NO_ATTR ("size") },
  { "AvgPool1d", NOT_TENSOR ("avg_pool1d", "input", 1) },
  { "AvgPool2d", NOT_TENSOR ("avg_pool2d", "input", 1) },
  { "BatchNorm1d", NO_ATTR ("dim") },
  { "BatchNorm2d", NO_ATTR ("dim") },
  { "Bilinear", NOT_TENSOR ("bilinear", "input1", 1) },
  { "ConvTranspose1d", NOT_TENSOR ("conv_transpose1d", "input", 1) },
  { "ConvTranspose2d", NOT_TENSOR ("conv_transpose2d", "input", 1) },
  { "ConvTranspose3d", NOT_TENSOR ("conv_transpose3d", "input", 1) },
  { "Dropout", NOT_TENSOR ("dropout", "input", 1) },
  { "Embedding", NOT_TENSOR ("embedding", "indices", 2) },
  { "Flatten", NO_ATTR ("flatten") },
  { "GELU", NOT_TENSOR ("gelu", "input", 1) },
  { "GRU", NO_ATTR ("dim") },
  { "GRUCell", NO_ATTR ("dim") },
  { "GroupNorm", NO_ATTR ("size") },
  { "Identity", NULL },
  { "InstanceNorm1d", NO_ATTR ("dim") },
  { "InstanceNorm2d", NO_ATTR ("dim") },
  { "LSTM", NO_ATTR ("dim") },
  { "LSTMCell", NO_ATTR ("dim") },
  { "LayerNorm", NOT_TENSOR ("layer_norm", "input", 1) },
  { "LazyConv2d", NO_ATTR ("dim") },
  { "LazyLinear", NO_ATTR ("shape") },
  { "LeakyReLU", NOT_TENSOR ("leaky_relu", "input", 1) },
  { "Linear", NOT_TENSOR ("linear", "input", 1) },
  { "LogSoftmax", NO_ATTR ("dim") },
  { "MaxPool1d", NOT_TENSOR ("max_pool1d", "input", 1) },
  { "MaxPool2d", NOT_TENSOR ("max_pool2d", "input", 1) },
  { "MultiheadAttention", NO_ATTR ("dim") },
  { "PReLU", NOT_TENSOR ("prelu", "input", 1) },
  { "RNN", NO_ATTR ("dim") },
  { "RNNCell", NO_ATTR ("dim") },
  { "ReLU", NOT_TENSOR ("relu", "input", 1) },
  { "Sequential", NULL },
  { "SiLU", NOT_TENSOR ("silu", "input", 1) },
  { "Sigmoid", NOT_TENSOR ("sigmoid", "input", 1) },
  { "Softmax", NO_ATTR ("dim") },
  { "Tanh", NOT_TENSOR ("tanh", "input", 1) },
};

/* F.conv{1,2,3}d(input, weight, bias, stride, padding, dilation, groups) with input a tuple */
static char *
conv_text (const PsModule *m, int nd)
{
  if (strcmp (ps_args_get_string (m->args, "padding_mode"), "zeros") != 0)
    return g_strdup (NOT_TENSOR ("pad", "input", 1));
  const char *bias = ps_args_get_bool (m->args, "bias") ? "Parameter" : "NoneType";
  const gboolean str_pad = ps_args_lookup (m->args, "padding")->type == PS_VALUE_STRING;
  const char *pad = str_pad ? "str" : "tuple";
  return g_strdup_printf ("conv%dd() received an invalid combination of arguments - got (tuple, Parameter, %s, tuple, "
                          "%s, tuple, int), but expected one of:\n"
                          " * (Tensor input, Tensor weight, Tensor bias, tuple of ints stride, tuple of ints padding, "
                          "tuple of ints dilation, int groups)\n"
                          "      didn't match because some of the arguments have invalid types: (!tuple!, "
                          "!Parameter!, !%s!, !tuple!, !%s!, !tuple!, int)\n"
                          " * (Tensor input, Tensor weight, Tensor bias, tuple of ints stride, str padding, "
                          "tuple of ints dilation, int groups)\n"
                          "      didn't match because some of the arguments have invalid types: (!tuple!, "
                          "!Parameter!, !%s!, !tuple!, %s%s%s, !tuple!, int)\n",
                          nd, bias, pad, bias, pad, bias, str_pad ? "" : "!", pad, str_pad ? "" : "!");
}

char *
ps_module_tuple_input_error (const PsModule *m)
{
  const char *name = m->klass->name;
  if (m->klass->is_container)
    return NULL;   /* a Sequential passes it to its first child */
  if (g_str_has_prefix (name, "Conv") && strlen (name) == 6)
    return conv_text (m, name[4] - '0');
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    if (strcmp (rows[i].cls, name) == 0)
      return g_strdup (rows[i].text);
  /* a class added later without a row: torch's most common text, with the class named */
  return g_strdup_printf ("%s: argument 'input' must be Tensor, not tuple", name);
}

const char *
ps_loss_tuple_input_error (PsLossKind kind)
{
  switch (kind)
    {
    case PS_LOSS_CROSS_ENTROPY:
      return NOT_TENSOR ("cross_entropy_loss", "input", 1);
    case PS_LOSS_NLL:
      return NOT_TENSOR ("nll_loss_nd", "input", 1);
    default:
      return NO_ATTR ("size");
    }
}

/* The child path (names joined by '.') below m of the MaxPool whose (output, indices) m returns,
 * following the forward from the last child back: Identity and an empty container pass their
 * input on. */
static const PsModule *
pair_source (const PsModule *m, GString *path)
{
  if ((m->klass == &ps_max_pool1d_class || m->klass == &ps_max_pool2d_class)
      && ps_args_get_bool (m->args, "return_indices"))
    return m;
  for (guint i = ps_module_n_children (m); i > 0; i--)
    {
      const PsModule *k = ps_module_child_at (m, i - 1);
      if (strcmp (k->klass->name, "Identity") == 0 || (k->klass->is_container && ps_module_n_children (k) == 0))
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
