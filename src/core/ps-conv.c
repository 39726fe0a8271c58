/* ps-conv.c — Conv1d/2d/3d, ConvTranspose1d/2d/3d and LazyConv2d (torch.nn, 1.13).
 *
 * One private config for all of them; the spatial arguments are stored right-aligned in 3-D
 * (a Conv2d's kernel (3, 5) is {1, 3, 5}) because the engine (ps-im2col.h) works in 3-D.
 *
 * Parameters: weight (out, in/groups, *k), or (in, out/groups, *k) when transposed; bias (out).
 * reset_parameters (PYTORCH-PARITY.md §5): kaiming_uniform_(a=√5) on the weight, then
 * bias ~ U(±1/√fan_in) where fan_in comes from the weight; with fan_in == 0 the bias stays as
 * torch.empty left it (zeros here, init info NONE).
 *
 * padding may be an int, a tuple, or 'valid' / 'same' (Conv only, stride 1, like torch).
 * padding_mode 'reflect' / 'replicate' / 'circular' pads the input explicitly and then runs a
 * convolution with padding 0, as nn.Conv*d.forward does. */
#include "ps-layers.h"
#include "ps-im2col.h"
#include "ps-conv.h"
#include "ps-linear-reset.h"
#include "ps-onednn.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

static PS_DECLARE_BACKWARD (conv_backward_module);

enum { PAD_NUMERIC, PAD_VALID, PAD_SAME };
enum { MODE_ZEROS, MODE_REFLECT, MODE_REPLICATE, MODE_CIRCULAR };

typedef struct {
  int nd;
  gboolean transposed;
  int64_t in_channels;       /* 0 for an unmaterialized LazyConv2d */
  int64_t out_channels;
  int64_t groups;
  int64_t kernel[3];
  int64_t stride[3];
  int64_t padding[3];        /* numeric padding; 0 for the strings */
  int64_t dilation[3];
  int64_t output_padding[3];
  int padding_kind;
  int padding_mode;
  gboolean bias;
  /* a kernel_size, stride, padding, dilation or output_padding list whose length is not the
   * class's dimension count, kept as given (torch's _ConvNd stores any tuple): the weight has
   * 2 + len(kernel_size) dims and the forward refuses with ATen's message (bad_geometry_error) */
  gboolean bad_geometry;
} ConvPriv;

static const char *const padding_strings[] = { "valid", "same", NULL };
static const char *const mode_names[] = { "zeros", "reflect", "replicate", "circular", NULL };

/* ---------- argument tables (torch's constructor order and defaults) ---------- */

/* the channel counts and groups are stored as given: _ConvNd.__init__ computes with them in Python
 * (conv_sizes_check) and torch.empty's parser takes the weight's shape (ps_py_empty_check) */
#define ARG_IN       { "in_channels", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "number of input channels" }
#define ARG_OUT      { "out_channels", PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "number of output channels" }
#define ARG_K(n)     { "kernel_size", PS_ARG_INT_OR_TUPLE, .required = TRUE, .tuple_len = n, .scalar_at_forward = TRUE, .len_at_forward = TRUE, .doc = "kernel size" }
#define ARG_S(n)     { "stride", PS_ARG_INT_OR_TUPLE, .def_int = 1, .tuple_len = n, .scalar_at_forward = TRUE, .len_at_forward = TRUE, .expand_one = TRUE, .doc = "stride" }
#define ARG_P(n)     { "padding", PS_ARG_INT_OR_TUPLE, .def_int = 0, .tuple_len = n, .scalar_at_forward = TRUE, .len_at_forward = TRUE, .expand_one = TRUE, .choices = padding_strings, \
                       .doc = "zero-padding on both sides, or 'valid' / 'same'" }
#define ARG_PT(n)    { "padding", PS_ARG_INT_OR_TUPLE, .def_int = 0, .tuple_len = n, .scalar_at_forward = TRUE, .aten_tuple_position = 5, .aten_tuple_wrapped = TRUE, .len_at_forward = TRUE, .expand_one = TRUE, \
                       .doc = "dilation·(kernel_size−1)−padding zero-padding on both sides of the input" }
#define ARG_OP(n)    { "output_padding", PS_ARG_INT_OR_TUPLE, .def_int = 0, .tuple_len = n, .scalar_at_forward = TRUE, .aten_tuple_position = 6, .aten_tuple_wrapped = TRUE, .len_at_forward = TRUE, .expand_one = TRUE, \
                       .doc = "extra size added to one side of the output" }
#define ARG_D(n)     { "dilation", PS_ARG_INT_OR_TUPLE, .def_int = 1, .tuple_len = n, .scalar_at_forward = TRUE, .len_at_forward = TRUE, .expand_one = TRUE, .doc = "spacing between kernel elements" }
#define ARG_G        { "groups", PS_ARG_INT, .def_int = 1, .any_value = TRUE, .doc = "blocked connections from input to output channels" }
/* conv_transpose's parser takes groups (position 7) as an int only: a bool is refused at the forward */
#define ARG_GT       { "groups", PS_ARG_INT, .def_int = 1, .any_value = TRUE, .aten_position = 7, .aten_type = "int", \
                       .doc = "blocked connections from input to output channels" }
/* conv_transpose<n>d(input, weight, bias, stride, padding, output_padding, groups, dilation) */
#define ARG_ST(n)    { "stride", PS_ARG_INT_OR_TUPLE, .def_int = 1, .tuple_len = n, .len_at_forward = TRUE, .expand_one = TRUE, \
                       .scalar_at_forward = TRUE, .aten_tuple_position = 4, .aten_tuple_wrapped = TRUE, .doc = "stride" }
#define ARG_DT(n)    { "dilation", PS_ARG_INT_OR_TUPLE, .def_int = 1, .tuple_len = n, .len_at_forward = TRUE, .expand_one = TRUE, \
                       .scalar_at_forward = TRUE, .aten_tuple_position = 8, .aten_tuple_wrapped = TRUE, \
                       .doc = "spacing between kernel elements" }
#define ARG_B        { "bias", PS_ARG_BOOL, .def_bool = TRUE, .doc = "add a learnable bias" }
#define ARG_M        { "padding_mode", PS_ARG_STRING, .def_string = "zeros", .any_value = TRUE, \
                       .doc = "'zeros', 'reflect', 'replicate' or 'circular'" }

#define CONV_ARGS(n)  { ARG_IN, ARG_OUT, ARG_K (n), ARG_S (n), ARG_P (n), ARG_D (n), ARG_G, ARG_B, ARG_M, { NULL } }
#define CONVT_ARGS(n) { ARG_IN, ARG_OUT, ARG_K (n), ARG_ST (n), ARG_PT (n), ARG_OP (n), ARG_GT, ARG_B, ARG_DT (n), \
                        ARG_M, { NULL } }

static const PsArgSpec conv1d_args[] = CONV_ARGS (1);
static const PsArgSpec conv2d_args[] = CONV_ARGS (2);
static const PsArgSpec conv3d_args[] = CONV_ARGS (3);
static const PsArgSpec convt1d_args[] = CONVT_ARGS (1);
static const PsArgSpec convt2d_args[] = CONVT_ARGS (2);
static const PsArgSpec convt3d_args[] = CONVT_ARGS (3);
static const PsArgSpec lazy_conv2d_args[] = {
  ARG_OUT, ARG_K (2), ARG_S (2), ARG_P (2), ARG_D (2), ARG_G, ARG_B, ARG_M, { NULL }
};

/* ---------- helpers ---------- */

static int
class_nd (const PsModuleClass *k)
{
  if (k == &ps_conv1d_class || k == &ps_conv_transpose1d_class)
    return 1;
  if (k == &ps_conv3d_class || k == &ps_conv_transpose3d_class)
    return 3;
  return 2;
}

static gboolean
class_transposed (const PsModuleClass *k)
{
  return k == &ps_conv_transpose1d_class || k == &ps_conv_transpose2d_class || k == &ps_conv_transpose3d_class;
}

/* An INT_OR_TUPLE argument right-aligned into v[3], the unused leading dims set to fill. FALSE
 * (v all fill) for a list of another length than nd (see ConvPriv.bad_geometry). */
static gboolean
get_spatial (const PsArgs *args, const char *name, int nd, int64_t fill, int64_t v[3])
{
  int64_t list[8];
  int n = ps_args_get_int_list (args, name, list);
  for (int d = 0; d < 3; d++)
    v[d] = d < 3 - nd || n != nd ? fill : list[d - (3 - nd)];
  return n == nd;
}

/* The list torch's module holds for a spatial argument, as ATen receives it: a one-element list
 * stays one element (ps_args_resolve expanded it; ATen expands it itself). */
static int
given_list (const PsArgs *args, const char *name, int64_t out[8])
{
  const PsValue *v = ps_args_lookup (args, name);
  int n = ps_args_get_int_list (args, name, out);
  return v != NULL && v->type == PS_VALUE_INT_LIST && v->coerced && v->given == PS_VALUE_INT_LIST ? 1 : n;
}

static void
append_int_list (GString *s, const int64_t *v, int n)
{
  g_string_append_c (s, '[');
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", v[i]);
  g_string_append_c (s, ']');
}

/* Python tuple of the last nd values: "(3, 3)", "(3,)". */
static char *
tuple_str (int nd, const int64_t v[3])
{
  GString *s = g_string_new ("(");
  for (int d = 3 - nd; d < 3; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d > 3 - nd ? ", " : "", v[d]);
  if (nd == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* A tuple argument as the module holds it, torch's str() of it: _single/_pair/_triple keep a
 * list as given (Conv2d(stride=[2]) holds (2,)), iterate a str ('same' → ('s', 'a', 'm', 'e')) and
 * repeat any other scalar ((True, True), (2.0, 2.0), (None, None)); *is_default: the tuple equals
 * (dflt,) * len as Python compares it (True == 1, a str or None never). NULL when the value is a
 * plain tuple of nd ints (the caller prints its own). */
static char *
held_tuple_str (const PsModule *self, const char *name, int nd, int64_t dflt, gboolean *is_default)
{
  const PsValue *v = ps_args_lookup (self->args, name);
  if (v == NULL || !v->coerced)
    return NULL;
  GString *s = g_string_new ("(");
  gboolean def = TRUE;
  int n = 0;
  if (v->given == PS_VALUE_INT_LIST)
    {
      /* a one-element list expanded for the kernels: torch holds the one element */
      g_string_append_printf (s, "%" G_GINT64_FORMAT, v->list[0]);
      def = v->list[0] == dflt;
      n = 1;
    }
  else if (v->given == PS_VALUE_STRING)
    {
      for (const char *c = v->s != NULL ? v->s : ""; *c; c = g_utf8_next_char (c), n++)
        {
          g_autofree char *ch = g_strndup (c, g_utf8_next_char (c) - c);
          PsValue one = { .type = PS_VALUE_STRING, .s = ch };
          g_autofree char *r = ps_value_to_python (&one);
          g_string_append_printf (s, "%s%s", n ? ", " : "", r);
        }
      def = n == 0;   /* () == () */
    }
  else
    {
      PsValue one = *v;
      one.type = v->given;
      one.coerced = FALSE;
      one.s = NULL;
      g_autofree char *r = ps_value_to_str (&one);
      for (n = 0; n < nd; n++)
        g_string_append_printf (s, "%s%s", n ? ", " : "", r);
      def = (v->given == PS_VALUE_BOOL && (v->b ? 1 : 0) == dflt) || (v->given == PS_VALUE_DOUBLE && v->d == (double) dflt);
    }
  if (n == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  if (is_default != NULL)
    *is_default = def;
  return g_string_free (s, FALSE);
}

/* tuple_str of the held value (held_tuple_str) or of v */
static char *
arg_tuple_str (const PsModule *self, const char *name, int nd, const int64_t v[3], int64_t dflt, gboolean *is_default)
{
  char *held = held_tuple_str (self, name, nd, dflt, is_default);
  if (held != NULL)
    return held;
  if (is_default != NULL)
    {
      *is_default = TRUE;
      for (int d = 3 - nd; d < 3; d++)
        *is_default &= v[d] == dflt;
    }
  return tuple_str (nd, v);
}

static gboolean
all_equal (int nd, const int64_t v[3], int64_t x)
{
  for (int d = 3 - nd; d < 3; d++)
    if (v[d] != x)
      return FALSE;
  return TRUE;
}

/* The weight's shape and its number of dims: (out, in/groups, *kernel_size), or (in,
 * out/groups, *kernel_size) when transposed — kernel_size as given (any length). */
static int
weight_shape (const ConvPriv *p, const PsArgs *args, int64_t shape[2 + 8])
{
  shape[0] = p->transposed ? p->in_channels : p->out_channels;
  shape[1] = p->transposed ? p->out_channels / p->groups : p->in_channels / p->groups;
  if (p->bad_geometry)
    {
      int64_t k[8];
      int n = ps_args_get_int_list (args, "kernel_size", k);
      for (int d = 0; d < n; d++)
        shape[2 + d] = k[d];
      return 2 + n;
    }
  for (int d = 0; d < p->nd; d++)
    shape[2 + d] = p->kernel[3 - p->nd + d];
  return 2 + p->nd;
}

static gboolean
register_params (PsModule *self, gboolean lazy, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  g_autoptr (PsTensor) w = NULL;
  g_autoptr (PsTensor) b = NULL;
  if (!lazy)
    {
      int64_t shape[2 + 8];
      const int rank = weight_shape (p, self->args, shape);
      if (rank > PS_MAX_DIMS)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "kernel_size has %d elements: the weight would have %d dimensions, more than the %d "
                       "Paramscope's tensors take", rank - 2, rank, PS_MAX_DIMS);
          return FALSE;
        }
      w = ps_tensor_new (PS_DTYPE_FLOAT32, rank, shape, error);
      if (w == NULL)
        return FALSE;
      if (p->bias && (b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, p->out_channels, error)) == NULL)
        return FALSE;
    }
  PsParam *pw = ps_module_get_param (self, "weight");
  if (pw == NULL)
    ps_module_register (self, "weight", w, FALSE);
  else
    ps_param_set_value (pw, w);
  if (p->bias)
    {
      PsParam *pb = ps_module_get_param (self, "bias");
      if (pb == NULL)
        ps_module_register (self, "bias", b, FALSE);
      else
        ps_param_set_value (pb, b);
    }
  return TRUE;
}

/* ---------- construct ---------- */

/* Python's `a % groups != 0` in _ConvNd.__init__ (groups > 0 is a number by now): *nonzero, or
 * Python's TypeError for an operand it refuses. */
static gboolean
py_mod_nonzero (const PsValue *a, const PsValue *groups, gboolean *nonzero, GError **error)
{
  const PsValueType ta = ps_value_given_type (a), tg = ps_value_given_type (groups);
  if (ta == PS_VALUE_STRING)
    {
      /* 'x' % 1 is string formatting */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "not all arguments converted during string formatting");
      return FALSE;
    }
  if (ta != PS_VALUE_INT && ta != PS_VALUE_BOOL && ta != PS_VALUE_DOUBLE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unsupported operand type(s) for %%: '%s' and '%s'",
                   ps_value_given_type_name (a), ps_value_given_type_name (groups));
      return FALSE;
    }
  if (ta != PS_VALUE_DOUBLE && tg != PS_VALUE_DOUBLE)
    {
      const int64_t g = ps_value_size (groups);
      *nonzero = g != -1 && ps_value_size (a) % g != 0;   /* g > 0 here; -1 kept safe anyway */
    }
  else
    *nonzero = fmod (ps_value_number (a), ps_value_number (groups)) != 0.0;   /* zero for zero, whatever the sign rule */
  return TRUE;
}

/* _ConvNd.__init__'s checks of groups, in_channels and out_channels with the values as given
 * (Python's comparisons and %, bools as 0/1), then torch.empty's parser on the weight's first two
 * sizes: (out_channels, in_channels // groups) or, transposed, (in_channels, out_channels // groups);
 * a float operand makes the quotient a float. LazyConv's __init__ runs with 0 channels. */
static gboolean
conv_sizes_check (const PsArgs *a, gboolean lazy, gboolean transposed, GError **error)
{
  const PsValue zero = { .type = PS_VALUE_INT, .i = 0 };
  const PsValue *iv = lazy ? &zero : ps_args_lookup (a, "in_channels");
  const PsValue *ov = lazy ? &zero : ps_args_lookup (a, "out_channels");
  const PsValue *gv = ps_args_lookup (a, "groups");
  const PsValueType gt = ps_value_given_type (gv);
  if (gt != PS_VALUE_INT && gt != PS_VALUE_BOOL && gt != PS_VALUE_DOUBLE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'<=' not supported between instances of '%s' and 'int'",
                   ps_value_given_type_name (gv));
      return FALSE;
    }
  if (!(ps_value_number (gv) > 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "groups must be a positive integer");
      return FALSE;
    }
  gboolean nonzero;
  if (!py_mod_nonzero (iv, gv, &nonzero, error))
    return FALSE;
  if (nonzero)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "in_channels must be divisible by groups");
      return FALSE;
    }
  if (!py_mod_nonzero (ov, gv, &nonzero, error))
    return FALSE;
  if (nonzero)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "out_channels must be divisible by groups");
      return FALSE;
    }
  const PsValue *num = transposed ? ov : iv;
  const PsValue quotient = { .type = ps_value_given_type (num) == PS_VALUE_DOUBLE || gt == PS_VALUE_DOUBLE ? PS_VALUE_DOUBLE
                                                                                                 : PS_VALUE_INT };
  return ps_py_empty_check ((const PsValue *[]) { transposed ? iv : ov, &quotient }, 2, FALSE, error);
}

static gboolean
conv_construct (PsModule *self, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  const PsModuleClass *k = self->klass;
  const gboolean lazy = k->is_lazy;
  const PsArgs *a = self->args;
  p->nd = class_nd (k);
  p->transposed = class_transposed (k);
  p->in_channels = lazy ? 0 : ps_value_size (ps_args_lookup (a, "in_channels"));   /* as given: see conv_sizes_check */
  p->out_channels = ps_value_size (ps_args_lookup (a, "out_channels"));
  p->groups = ps_value_size (ps_args_lookup (a, "groups"));
  p->bias = ps_args_get_bool (a, "bias");
  gboolean ok = get_spatial (a, "kernel_size", p->nd, 1, p->kernel);
  ok &= get_spatial (a, "stride", p->nd, 1, p->stride);
  ok &= get_spatial (a, "dilation", p->nd, 1, p->dilation);
  if (p->transposed)
    ok &= get_spatial (a, "output_padding", p->nd, 0, p->output_padding);
  const PsValue *pv = ps_args_lookup (a, "padding");
  if (pv->type == PS_VALUE_STRING)
    p->padding_kind = strcmp (pv->s, "same") == 0 ? PAD_SAME : PAD_VALID;
  else
    ok &= get_spatial (a, "padding", p->nd, 0, p->padding);
  p->bad_geometry = !ok;
  /* padding_mode as given: torch compares it with the strings and prints str() of it */
  g_autofree char *mode = ps_value_to_str (ps_args_lookup (a, "padding_mode"));

  /* _ConvTransposeNd.__init__ refuses any other padding_mode first, then _ConvNd.__init__'s checks,
   * in its order */
  if (p->transposed && strcmp (mode, "zeros") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Only \"zeros\" padding mode is supported for %s", k->name);
      return FALSE;
    }
  /* groups, then in and out channels % groups; LazyConvXd.__init__ runs _ConvNd.__init__ with 0 in
   * and out channels: out_channels is checked when the weight is materialized (lazy_materialize) */
  GError *sizes_error = NULL;
  const gboolean sizes_ok = conv_sizes_check (a, lazy, p->transposed, &sizes_error);
  if (!sizes_ok && !g_str_has_prefix (sizes_error->message, "empty("))
    {
      g_propagate_error (error, sizes_error);
      return FALSE;
    }
  int64_t given_stride[8];
  gboolean strided = FALSE;
  for (int d = 0, n = given_list (a, "stride", given_stride); d < n; d++)
    strided |= given_stride[d] != 1;   /* any(s != 1 for s in self.stride) */
  if (p->padding_kind == PAD_SAME && strided)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "padding='same' is not supported for strided convolutions");
      return FALSE;
    }
  p->padding_mode = -1;
  for (int i = 0; mode_names[i]; i++)
    if (strcmp (mode, mode_names[i]) == 0)
      p->padding_mode = i;
  if (p->padding_mode < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                   "but got padding_mode='%s'", mode);
      return FALSE;
    }
  if (p->transposed && p->padding_mode != MODE_ZEROS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Only \"zeros\" padding mode is supported for %s", k->name);
      return FALSE;
    }
  /* torch.empty's checks on the weight shape: its argument parser takes ints and bools
   * (kernel_size=True is 1), refuses another type; the first two sizes first (conv_sizes_check) */
  if (!sizes_ok)
    {
      g_propagate_error (error, sizes_error);
      return FALSE;
    }
  const PsValue *kv = ps_args_lookup (a, "kernel_size");
  if (kv->coerced && kv->given != PS_VALUE_BOOL && kv->given != PS_VALUE_INT_LIST)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "empty(): argument 'size' must be tuple of SymInts, but found element of type %s at pos 3",
                   ps_value_given_type_name (kv));
      return FALSE;
    }
  int64_t shape[2 + 8];
  const int rank = weight_shape (p, a, shape);
  if (lazy)
    shape[0] = 0;
  for (int d = 0; d < rank; d++)
    if (shape[d] < 0)
      {
        g_autofree char *s = ps_shape_to_string (rank, shape);
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": %s",
                     shape[d], s);
        return FALSE;
      }
  /* then bias = torch.empty(out_channels): a bool out_channels of a transposed convolution (its
   * weight took it as out_channels // groups, an int) fails there */
  if (p->bias && !lazy && !ps_py_empty_check ((const PsValue *[]) { ps_args_lookup (a, "out_channels") }, 1, FALSE, error))
    return FALSE;
  /* stride, padding, dilation, output_padding and a zero kernel size are accepted here, as torch
   * does, and refused by the first forward with torch's messages (conv_forward_checks) */
  return register_params (self, lazy, error);
}

/* ---------- reset_parameters ---------- */

static gboolean
conv_reset_parameters (PsModule *self, PsGenerator *gen, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  return ps_linear_like_reset (self, p->bias, PS_RESET_ZERO_FAN_IN_SKIP_BIAS, gen, error);
}

/* ---------- forward ---------- */

static const char *
op_name (const ConvPriv *p)
{
  static const char *const names[2][3] = {
    { "conv1d", "conv2d", "conv3d" },
    { "conv_transpose1d", "conv_transpose2d", "conv_transpose3d" },
  };
  g_assert (p->nd >= 1 && p->nd <= 3);
  return names[p->transposed ? 1 : 0][p->nd - 1];
}

/* The lazy hook's checks of the input (_LazyConvXdMixin._get_in_channels, then in_channels %
 * groups). */
static gboolean
lazy_input_check (PsModule *self, const PsTensor *x, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  if (x->ndim != p->nd + 1 && x->ndim != p->nd + 2)
    {
      g_autofree char *s = ps_tensor_shape_string (x);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: torch.Size(%s)",
                   p->nd + 1, p->nd + 2, self->klass->name, s);
      return FALSE;
    }
  const int64_t in = x->ndim == p->nd + 2 ? x->shape[1] : x->shape[0];
  if (in % p->groups != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "in_channels must be divisible by groups");
      return FALSE;
    }
  return TRUE;
}

/* LazyConvXd's pre-forward hook: in_channels from the input, materialize, reset (draws now), and
 * become the eager class. */
static gboolean
lazy_materialize (PsModule *self, const PsTensor *x, PsGenerator *gen, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  if (!lazy_input_check (self, x, error))
    return FALSE;
  const int64_t in = x->ndim == p->nd + 2 ? x->shape[1] : x->shape[0];
  /* weight.materialize((out_channels, in_channels // groups, *kernel_size)) */
  if (!ps_py_empty_check ((const PsValue *[]) { ps_args_lookup (self->args, "out_channels"), NULL }, 2, TRUE, error))
    return FALSE;
  /* the eager class's arguments: in_channels first, the rest as given */
  g_autoptr (PsArgs) given = ps_args_copy (self->args);
  ps_args_set_int (given, "in_channels", in);
  g_autoptr (PsArgs) resolved = ps_args_resolve (conv2d_args, given, error);
  if (resolved == NULL)
    return FALSE;
  p->in_channels = in;
  if (!register_params (self, FALSE, error) || !conv_reset_parameters (self, gen, error))
    return FALSE;
  ps_args_free (self->args);
  self->args = g_steal_pointer (&resolved);
  self->klass = &ps_conv2d_class;
  return TRUE;
}

/* F.pad's checks for reflect / replicate / circular padding of x (its last nd dims). */
static gboolean
pad_check (const ConvPriv *p, const PsTensor *x, const int64_t in[3], const int64_t lo[3], const int64_t hi[3],
           GError **error)
{
  for (int d = 2; d >= 3 - p->nd; d--)   /* torch checks the last dimension first */
    {
      const int dim = x->ndim - 3 + d;
      int64_t padded;
      if (__builtin_add_overflow (in[d], lo[d], &padded) || __builtin_add_overflow (padded, hi[d], &padded))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "padded input size overflows");
          return FALSE;
        }
      if (p->padding_mode == MODE_REFLECT && (lo[d] >= in[d] || hi[d] >= in[d]))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Argument #4: Padding size should be less than the corresponding input dimension, "
                       "but got: padding (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") at dimension %d of input %d",
                       lo[d], hi[d], dim, x->ndim);
          return FALSE;
        }
      if (p->padding_mode == MODE_CIRCULAR && (lo[d] > in[d] || hi[d] > in[d]))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Padding value causes wrapping around more than once.");
          return FALSE;
        }
      if (in[d] == 0 && lo[d] + hi[d] > 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "input dimension %d has size 0 and cannot be padded in '%s' mode", dim,
                       mode_names[p->padding_mode]);
          return FALSE;
        }
    }
  return TRUE;
}

/* For each padded position of each dim, the input position F.pad copies (g_free each map). */
static void
pad_maps (const ConvPriv *p, const int64_t in[3], const int64_t lo[3], const int64_t out[3], int64_t *map[3])
{
  for (int d = 0; d < 3; d++)
    {
      map[d] = g_new (int64_t, MAX (out[d], 1));
      for (int64_t i = 0; i < out[d]; i++)
        {
          int64_t j = i - lo[d], n = in[d];
          if (p->padding_mode == MODE_REFLECT)
            j = j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
          else if (p->padding_mode == MODE_REPLICATE)
            j = CLAMP (j, 0, n - 1);
          else
            j = ((j % n) + n) % n;
          map[d][i] = j;
        }
    }
}

/* F.pad(x, pads, mode) over the last nd dims of (N, C, D, H, W), after pad_check. */
static PsTensor *
pad_input (const ConvPriv *p, const PsTensor *x, int batched, const int64_t in[3], const int64_t lo[3],
           const int64_t hi[3], GError **error)
{
  int64_t shape[PS_MAX_DIMS];
  memcpy (shape, x->shape, sizeof shape);
  for (int d = 3 - p->nd; d < 3; d++)
    shape[x->ndim - 3 + d] += lo[d] + hi[d];
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, x->ndim, shape, error);
  if (y == NULL)
    return NULL;
  const int64_t planes = (batched ? x->shape[0] : 1) * x->shape[batched ? 1 : 0];
  int64_t out[3];
  for (int d = 0; d < 3; d++)
    out[d] = in[d] + lo[d] + hi[d];
  int64_t *map[3];
  pad_maps (p, in, lo, out, map);
  const float *src = ps_tensor_cf32 (x);
  float *dst = ps_tensor_f32 (y);
  for (int64_t c = 0; c < planes; c++)
    for (int64_t a = 0; a < out[0]; a++)
      for (int64_t b = 0; b < out[1]; b++)
        for (int64_t e = 0; e < out[2]; e++)
          *dst++ = src[((c * in[0] + map[0][a]) * in[1] + map[1][b]) * in[2] + map[2][e]];
  for (int d = 0; d < 3; d++)
    g_free (map[d]);
  return g_steal_pointer (&y);
}

static char *
sizes_x (int nd, const int64_t v[3])
{
  GString *s = g_string_new (NULL);
  for (int d = 3 - nd; d < 3; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d > 3 - nd ? " x " : "", v[d]);
  return g_string_free (s, FALSE);
}

/* Everything torch checks before computing, and the engine's shape: `s`, the output size `out`,
 * whether the input is batched, and (when `padded` is not NULL) the explicitly padded input for
 * the non-zero padding modes (NULL when none is needed). */
/* What torch's convolution checks at the first forward (check_shape_forward, then the backend's
 * shape checks), with its messages. A 1-D convolution is checked as its 2-D view. */
static gboolean
conv_forward_checks (const ConvPriv *p, const PsTensor *w, GError **error)
{
  for (int d = 0; d < 3; d++)
    if (p->padding[d] < 0 && p->padding_kind != PAD_SAME)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "negative padding is not supported");
        return FALSE;
      }
  for (int d = 0; d < 3; d++)
    if (p->output_padding[d] < 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "negative output_padding is not supported");
        return FALSE;
      }
  for (int d = 0; d < 3; d++)
    if (p->stride[d] <= 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "non-positive stride is not supported");
        return FALSE;
      }
  return TRUE;
}

static gboolean
conv_backend_checks (const ConvPriv *p, const PsTensor *w, GError **error)
{
  static const char *const names[] = { "depth", "height", "width" };
  const int first = p->nd == 3 ? 0 : 1;   /* the dims of the (2-D view of the) convolution */
  const int64_t *k = p->kernel, *dl = p->dilation;
  gboolean kernel_zero = FALSE, dil_bad = FALSE;
  for (int d = first; d < 3; d++)
    {
      kernel_zero |= k[d] <= 0;
      dil_bad |= dl[d] <= 0;
    }
  g_autofree char *ws = ps_tensor_shape_string (w);
  if (p->transposed && p->nd == 3 && w->numel == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "non-empty 5D (n_output_plane x n_input_plane x "
                   "kernel_depth x kernel_height x kernel_width) tensor expected for weight, but got: %s", ws);
      return FALSE;
    }
  if (kernel_zero)
    {
      if (p->nd == 3)
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "kernel size should be greater than zero, but got: %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                     " x %" G_GINT64_FORMAT " (TxHxW)", k[0], k[1], k[2]);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "kernel size should be greater than zero, but got kernel_height: %" G_GINT64_FORMAT
                     " kernel_width: %" G_GINT64_FORMAT, k[1], k[2]);
      return FALSE;
    }
  if (dil_bad)
    {
      GString *m = g_string_new ("dilation should be greater than zero, but got ");
      for (int d = first; d < 3; d++)
        if (p->transposed)
          g_string_append_printf (m, "%sdilation_%s: %" G_GINT64_FORMAT, d > first ? ", " : "", names[d], dl[d]);
        else
          g_string_append_printf (m, "%s%" G_GINT64_FORMAT, d > first ? ", " : "[", dl[d]);
      if (!p->transposed)
        g_string_append (m, "]");
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, m->str);
      g_string_free (m, TRUE);
      return FALSE;
    }
  if (p->transposed && w->numel == 0)
    {
      /* the 2-D view of the weight: [in, out/groups, 1, k] for a 1-D convolution */
      int64_t v[4] = { w->shape[0], w->shape[1], p->nd == 1 ? 1 : w->shape[2], w->shape[w->ndim - 1] };
      g_autofree char *vs = ps_shape_to_string (4, v);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "non-empty 2D or 4D weight tensor expected, but got: %s",
                   vs);
      return FALSE;
    }
  /* slow_conv_transpose{2,3}d's shape check */
  if (p->transposed)
    for (int d = first; d < 3; d++)
      if (p->output_padding[d] >= p->stride[d] && p->output_padding[d] >= p->dilation[d])
        {
          GString *m = g_string_new ("output padding must be smaller than either stride or dilation, but got");
          const char *what[] = { "output_padding", "stride", "dilation" };
          const int64_t *vals[] = { p->output_padding, p->stride, p->dilation };
          for (int w2 = 0; w2 < 3; w2++)
            for (int e = first; e < 3; e++)
              g_string_append_printf (m, " %s_%s: %" G_GINT64_FORMAT, what[w2], names[e], vals[w2][e]);
          g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, m->str);
          g_string_free (m, TRUE);
          return FALSE;
        }
  return TRUE;
}

/* F.conv<n>d's batchify: an input of n + 1 (unbatched) or n + 2 dimensions, else torch's error */
static gboolean
check_input_rank (const ConvPriv *p, const PsTensor *input, GError **error)
{
  if (input->ndim == p->nd + 1 || input->ndim == p->nd + 2)
    return TRUE;
  g_autofree char *xs = ps_tensor_shape_string (input);
  g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
               "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s",
               p->nd + 1, p->nd + 2, op_name (p), xs);
  return FALSE;
}

static gboolean
conv_plan_ex (PsModule *self, const PsTensor *input, PsConvShape *s, int64_t out[3], int *batched_out,
              PsTensor **padded, int64_t explicit_lo[3], int64_t explicit_hi[3], GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  if (ps_module_get_param (self, "weight")->value == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   "Attempted to use an uninitialized parameter 'weight'");
      return FALSE;
    }
  if (!check_input_rank (p, input, error))
    return FALSE;
  *batched_out = input->ndim == p->nd + 2;
  const int batched = *batched_out;
  const PsTensor *w = ps_module_get_param (self, "weight")->value;
  if (!conv_forward_checks (p, w, error))
    return FALSE;

  int64_t in[3] = { 1, 1, 1 };
  for (int d = 0; d < p->nd; d++)
    in[3 - p->nd + d] = input->shape[input->ndim - p->nd + d];
  int64_t lo[3], hi[3];
  for (int d = 0; d < 3; d++)
    {
      if (p->padding_kind == PAD_SAME)
        {
          int64_t total;
          if (__builtin_mul_overflow (p->dilation[d], p->kernel[d] > 0 ? p->kernel[d] - 1 : 0, &total))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "convolution size computation overflows");
              return FALSE;
            }
          lo[d] = total / 2;
          hi[d] = total - lo[d];
        }
      else
        lo[d] = hi[d] = p->padding[d];
    }

  if (w->shape[0] < p->groups)
    {
      g_autofree char *ws = ps_tensor_shape_string (w);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Given groups=%" G_GINT64_FORMAT ", expected weight to be at least %" G_GINT64_FORMAT
                   " at dimension 0, but got weight of size %s instead", p->groups, p->groups, ws);
      return FALSE;
    }
  /* channel check, shown with the batch dim as torch adds it before checking */
  const int64_t C = input->shape[batched ? 1 : 0];
  const int64_t expect = p->transposed ? w->shape[0] : w->shape[1] * p->groups;
  if (C != expect)
    {
      int64_t xs[PS_MAX_DIMS];
      xs[0] = batched ? input->shape[0] : 1;
      memcpy (xs + 1, input->shape + batched, (size_t) (p->nd + 1) * sizeof (int64_t));
      g_autofree char *ws = ps_tensor_shape_string (w);
      g_autofree char *is = ps_shape_to_string (p->nd + 2, xs);
      if (p->transposed)
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                     "Given transposed=1, weight of size %s, expected input%s to have %" G_GINT64_FORMAT
                     " channels, but got %" G_GINT64_FORMAT " channels instead", ws, is, expect, C);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                     "Given groups=%" G_GINT64_FORMAT ", weight of size %s, expected input%s to have %"
                     G_GINT64_FORMAT " channels, but got %" G_GINT64_FORMAT " channels instead",
                     p->groups, ws, is, expect, C);
      return FALSE;
    }

  if (!conv_backend_checks (p, w, error))
    return FALSE;
  if (padded != NULL)
    *padded = NULL;
  if (p->padding_mode != MODE_ZEROS && (!all_equal (3, lo, 0) || !all_equal (3, hi, 0)))
    {
      if (!pad_check (p, input, in, lo, hi, error))
        return FALSE;
      if (padded != NULL && (*padded = pad_input (p, input, batched, in, lo, hi, error)) == NULL)
        return FALSE;
      if (explicit_lo != NULL)
        for (int d = 0; d < 3; d++)
          {
            explicit_lo[d] = lo[d];
            explicit_hi[d] = hi[d];
          }
      for (int d = 0; d < 3; d++)
        {
          in[d] += lo[d] + hi[d];
          lo[d] = hi[d] = 0;
        }
    }

  *s = (PsConvShape) {
    .transposed = p->transposed,
    .batch = batched ? input->shape[0] : 1,
    .in_channels = C,
    .out_channels = p->out_channels,
    .groups = p->groups,
  };
  for (int d = 0; d < 3; d++)
    {
      s->in[d] = in[d];
      s->kernel[d] = p->kernel[d];
      s->stride[d] = p->stride[d];
      s->pad_lo[d] = lo[d];
      s->pad_hi[d] = hi[d];
      s->dilation[d] = p->dilation[d];
      s->output_padding[d] = p->output_padding[d];
    }
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  for (int d = 3 - p->nd; d < 3; d++)
    if (!p->transposed && out[d] < 1)
      {
        int64_t padded_in[3], dk[3];
        for (int e = 0; e < 3; e++)
          {
            padded_in[e] = in[e] + lo[e] + hi[e];
            dk[e] = p->dilation[e] * (p->kernel[e] - 1) + 1;
          }
        g_autofree char *a = sizes_x (p->nd, padded_in);
        g_autofree char *k = sizes_x (p->nd, dk);
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                     "Calculated padded input size per channel: (%s). Kernel size: (%s). "
                     "Kernel size can't be greater than actual input size", a, k);
        return FALSE;
      }
    else if (p->transposed && out[d] < 1)
      {
        /* conv_transpose1d runs as the 2-D one on (1 x L) */
        const int64_t in2[3] = { 1, 1, in[2] }, out2[3] = { 1, 1, out[2] };
        const int shown = p->nd == 1 ? 2 : p->nd;
        g_autofree char *a = sizes_x (shown, p->nd == 1 ? in2 : in);
        g_autofree char *o = sizes_x (shown, p->nd == 1 ? out2 : out);
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                     "Given input size per channel: (%s). Calculated output size per channel: (%s). "
                     "Output size is too small", a, o);
        return FALSE;
      }

  return TRUE;
}

static gboolean
conv_plan (PsModule *self, const PsTensor *input, PsConvShape *s, int64_t out[3], int *batched_out,
           PsTensor **padded, GError **error)
{
  return conv_plan_ex (self, input, s, out, batched_out, padded, NULL, NULL, error);
}

/* ATen's refusal of a convolution whose kernel_size / stride / padding / dilation / output_padding
 * lengths do not agree (ConvPriv.bad_geometry): torch always fails at the forward, in this order —
 * F.conv<n>d's batchify (the input's dims), _convolution's weight dims and expand_param_if_needed
 * (a one-element list expands; the non-transposed wrappers pass output_padding = (0,) * n), then
 * check_shape_forward (negative padding, stride, then the input's dims against the weight's);
 * padding='same' goes through _convolution_same's checks instead. The weight (2 + len(kernel_size)
 * dims) is as torch built it. */
static void
bad_geometry_error (PsModule *self, const PsTensor *input, GError **error)
{
  const ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  const PsArgs *a = self->args;
  int64_t wshape[2 + 8];
  const int wdim = weight_shape (p, a, wshape);
  g_autofree char *ws = ps_shape_to_string (MIN (wdim, PS_MAX_DIMS), wshape);
  const int xdim = input->ndim == p->nd + 1 ? p->nd + 2 : input->ndim;   /* batchify's unsqueeze */
  int64_t xshape[PS_MAX_DIMS];
  xshape[0] = 1;
  for (int d = 0; d < input->ndim; d++)
    xshape[xdim - input->ndim + d] = input->shape[d];
  g_autofree char *bxs = ps_shape_to_string (xdim, xshape);
  if (wdim < 3)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "weight should have at least three dimensions");
      return;
    }
  const int dim = wdim - 2;
  if (p->padding_kind == PAD_SAME)
    {
      int64_t v[8];
      if (wdim != xdim)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected %d-dimensional input for %d-dimensional weight%s, but got "
                       "%d-dimensional input of size %s instead", wdim, wdim, ws, xdim, bxs);
          return;
        }
      const char *names[] = { "stride", "dilation" };
      for (int i = 0; i < 2; i++)
        {
          int n = given_list (a, names[i], v);
          if (n != dim && n != 1)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s cannot broadcast to %d dimensions", names[i], dim);
              return;
            }
        }
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "a %d-dimensional kernel in %s is not supported",
                   dim, self->klass->name);
      return;
    }
  const char *names[] = { "stride", "padding", "dilation", "output_padding" };
  int64_t vals[4][8];
  int lens[4];
  for (int i = 0; i < 4; i++)
    {
      if (i == 1 && p->padding_kind == PAD_VALID)
        lens[i] = 1, vals[i][0] = 0;
      else if (i == 3 && (!p->transposed || p->padding_kind == PAD_VALID))
        {
          /* at::conv<n>d passes {0} * n; 'valid' passes {0} */
          lens[i] = p->padding_kind == PAD_VALID ? 1 : p->nd;
          for (int d = 0; d < lens[i]; d++)
            vals[i][d] = 0;
        }
      else
        lens[i] = given_list (a, names[i], vals[i]);
      if (lens[i] == 1)
        {
          for (int d = 1; d < dim; d++)
            vals[i][d] = vals[i][0];
          lens[i] = dim;
        }
      else if (lens[i] != dim)
        {
          GString *m = g_string_new (NULL);
          append_int_list (m, vals[i], lens[i]);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "expected %s to be a single integer value or a list of "
                       "%d values to match the convolution dimensions, but got %s=%s", names[i], dim, names[i], m->str);
          g_string_free (m, TRUE);
          return;
        }
    }
  const char *neg[] = { "non-positive stride", "negative padding", NULL, "negative output_padding" };
  for (int i = 1; i < 4; i += 2)
    for (int d = 0; d < dim; d++)
      if (vals[i][d] < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is not supported", neg[i]);
          return;
        }
  for (int d = 0; d < dim; d++)
    if (vals[0][d] <= 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is not supported", neg[0]);
        return;
      }
  if (wdim != xdim)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected %d-dimensional input for %d-dimensional weight %s, but got "
                   "%d-dimensional input of size %s instead", wdim, wdim, ws, xdim, bxs);
      return;
    }
  /* not reached for the classes here (see above); said plainly if it were */
  g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED, "a %d-dimensional kernel in %s is not supported",
               dim, self->klass->name);
}

static PsTensor *
conv_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "expected a float32 input to %s, got %s", op_name (p), ps_dtype_name (input->dtype));
      return NULL;
    }
  if (self->klass->is_lazy && !lazy_input_check (self, input, error))
    return NULL;   /* the lazy hook's checks come first */
  if (!p->transposed)
    {
      /* F.conv<n>d's argument parser: stride, padding and dilation are tuples of ints (or padding a
       * string); a scalar of another type was wrapped into a tuple by _pair (scalar_at_forward) */
      const char *names[] = { "stride", "padding", "dilation" };
      gboolean bad = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          const PsValue *v = ps_args_lookup (self->args, names[i]);
          bad |= v->coerced && v->given != PS_VALUE_INT_LIST;
        }
      const PsValue *gv = ps_args_lookup (self->args, "groups");   /* an int, or a bool as given */
      bad |= !ps_value_is_int (gv);
      if (bad)
        {
          const PsValue *pv = ps_args_lookup (self->args, "padding");
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "%s() received an invalid combination of arguments - got (Tensor, Parameter, %s, tuple, %s, tuple, "
                       "%s), but expected one of:", op_name (p), p->bias ? "Parameter" : "NoneType",
                       pv->type == PS_VALUE_STRING && !pv->coerced ? "str" : "tuple", ps_value_given_type_name (gv));
          return NULL;
        }
    }
  if (p->bad_geometry)
    {
      /* after the lazy hook (it would build the weight from kernel_size as given; the failed op keeps
       * the module as it was), F.conv<n>d's batchify, then _convolution's checks */
      if (!check_input_rank (p, input, error))
        return NULL;
      bad_geometry_error (self, input, error);
      return NULL;
    }
  if (self->klass->is_lazy && !lazy_materialize (self, input, gen, error))
    return NULL;
  PsConvShape s;
  int64_t out[3];
  int batched;
  g_autoptr (PsTensor) padded = NULL;
  if (!conv_plan (self, input, &s, out, &batched, &padded, error))
    return NULL;
  const PsTensor *x = padded ? padded : input;
  const PsTensor *w = ps_module_get_param (self, "weight")->value;
  const PsTensor *b = p->bias ? ps_module_get_param (self, "bias")->value : NULL;
  int64_t yshape[PS_MAX_DIMS];
  int yd = 0;
  if (batched)
    yshape[yd++] = s.batch;
  yshape[yd++] = p->out_channels;
  for (int d = 3 - p->nd; d < 3; d++)
    yshape[yd++] = out[d];
  g_autoptr (PsTensor) y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, yd, yshape, error);
  if (y == NULL)
    return NULL;
  if (!ps_conv_forward (&s, p->nd, ps_tensor_cf32 (x), ps_tensor_cf32 (w), b ? ps_tensor_cf32 (b) : NULL,
                        ps_tensor_f32 (y), error))
    return NULL;
  return g_steal_pointer (&y);
}

const char *
ps_conv_module_torch_backend (PsModule *m, const PsTensor *input, int torch_threads, GError **error)
{
  const PsModuleClass *k = m->klass;
  if (k != &ps_conv1d_class && k != &ps_conv2d_class && k != &ps_conv3d_class && k != &ps_conv_transpose1d_class
      && k != &ps_conv_transpose2d_class && k != &ps_conv_transpose3d_class && k != &ps_lazy_conv2d_class)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is not a convolution", ps_module_class_name (m));
      return NULL;
    }
  PsConvShape s;
  int64_t out[3];
  int batched;
  if (!conv_plan (m, input, &s, out, &batched, NULL, error))
    return NULL;
  return ps_conv_torch_backend (&s, PS_MODULE_PRIV (m, ConvPriv)->nd, torch_threads);
}

/* ---------- the engine: torch's backend choice ---------- */

const char *
ps_conv_backend (const PsConvShape *s, int nd)
{
  return ps_conv_torch_backend (s, nd, ps_threads_intra_op ());
}

static gboolean
asymmetric (const PsConvShape *s)
{
  for (int d = 0; d < 3; d++)
    if (s->pad_hi[d] != s->pad_lo[d])
      return TRUE;
  return FALSE;
}

/* torch's _convolution_mode for padding='same': constant_pad_nd by pad_hi − pad_lo on the high
 * side, then a convolution with padding pad_lo. Fills `sym` and returns the padded copy of x. */
static float *
pad_asymmetric (const PsConvShape *s, const float *x, PsConvShape *sym, GError **error)
{
  *sym = *s;
  for (int d = 0; d < 3; d++)
    {
      g_return_val_if_fail (s->pad_hi[d] >= s->pad_lo[d], NULL);
      sym->in[d] = s->in[d] + s->pad_hi[d] - s->pad_lo[d];
      sym->pad_hi[d] = s->pad_lo[d];
    }
  int64_t shape[5] = { s->batch, s->in_channels, sym->in[0], sym->in[1], sym->in[2] }, n;
  if (!ps_shape_numel (5, shape, &n, error))
    return NULL;
  if (!ps_tensor_check_scratch ((guint64) n * sizeof (float), "the padded convolution input", error))
    return NULL;
  float *xp = g_try_malloc0 (MAX (n, 1) * sizeof (float));
  if (xp == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the padded convolution input");
      return NULL;
    }
  const int64_t planes = s->batch * s->in_channels;
  for (int64_t c = 0; c < planes; c++)
    for (int64_t a = 0; a < s->in[0]; a++)
      for (int64_t b = 0; b < s->in[1]; b++)
        memcpy (xp + ((c * sym->in[0] + a) * sym->in[1] + b) * sym->in[2],
                x + ((c * s->in[0] + a) * s->in[1] + b) * s->in[2], (gsize) s->in[2] * sizeof (float));
  return xp;
}

gboolean
ps_conv_forward (const PsConvShape *s, int nd, const float *x, const float *w, const float *bias, float *y,
                 GError **error)
{
  if (s->transposed || strcmp (ps_conv_backend (s, nd), "Mkldnn") != 0)
    return ps_conv_forward_gemm (s, x, w, bias, y, error);
  if (!asymmetric (s))
    return ps_onednn_conv_forward (s, nd, x, w, bias, y, error);
  PsConvShape sym;
  g_autofree float *xp = pad_asymmetric (s, x, &sym, error);
  return xp != NULL && ps_onednn_conv_forward (&sym, nd, xp, w, bias, y, error);
}

gboolean
ps_conv_backward (const PsConvShape *s, int nd, const float *x, const float *w, const float *gy,
                  float *gx, float *gw, float *gb, GError **error)
{
  if (s->transposed)
    return ps_conv_transpose_backward_gemm (s, x, w, gy, gx, gw, gb, error);
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  if (strcmp (ps_conv_backend (s, nd), "Mkldnn") != 0)
    return ps_conv_backward_gemm (s, x, w, gy, gx, gw, gb, error);
  PsConvShape sym = *s;
  g_autofree float *xp = NULL;
  g_autofree float *gxp = NULL;
  if (asymmetric (s))
    {
      if ((xp = pad_asymmetric (s, x, &sym, error)) == NULL)
        return FALSE;
      if (gx != NULL && (gxp = g_try_malloc (MAX (s->batch * s->in_channels * sym.in[0] * sym.in[1] * sym.in[2], 1)
                                             * sizeof (float))) == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the convolution's grad_input");
          return FALSE;
        }
    }
  if (gx != NULL && !ps_onednn_conv_backward_data (&sym, nd, gy, w, gxp ? gxp : gx, error))
    return FALSE;
  if ((gw != NULL || gb != NULL))
    {
      g_autofree float *gw_tmp = NULL;
      if (gw == NULL)
        {
          const int64_t n = s->out_channels * (s->in_channels / s->groups) * s->kernel[0] * s->kernel[1] * s->kernel[2];
          gw_tmp = g_try_malloc (MAX (n, 1) * sizeof (float));
          if (gw_tmp == NULL)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for the convolution's grad_weight");
              return FALSE;
            }
        }
      if (!ps_onednn_conv_backward_weights (&sym, nd, xp ? xp : x, gy, gw ? gw : gw_tmp, gb, error))
        return FALSE;
    }
  if (gxp != NULL)   /* the gradient of the explicit padding is dropped, as constant_pad_nd's backward does */
    {
      const int64_t planes = s->batch * s->in_channels;
      for (int64_t c = 0; c < planes; c++)
        for (int64_t a = 0; a < s->in[0]; a++)
          for (int64_t b = 0; b < s->in[1]; b++)
            memcpy (gx + ((c * s->in[0] + a) * s->in[1] + b) * s->in[2],
                    gxp + ((c * sym.in[0] + a) * sym.in[1] + b) * sym.in[2], (gsize) s->in[2] * sizeof (float));
    }
  return TRUE;
}

/* The input gradient through 1.13's _pad_circular (PadNd.cpp, composite: autograd records its
 * copy_ calls): out[center] = x, then per padded dim, last dim first, out[:pl] = out[P−pl−pr:P−pr]
 * and out[P−pr:] = out[pl:pl+pr] along that dim (whole extent of the others, so corners travel
 * twice). Backward in reverse order, each copy as CopySlices + SliceBackward do it: the gradient
 * with the destination zeroed plus (a full-tensor add) the destination's old gradient placed on the
 * source; then grad_input = the centre. g (planes × pout, in place) is consumed. */
static void
circular_pad_backward (const int64_t pout[3], const int64_t lo[3], const int64_t hi[3], const int64_t in[3],
                       int64_t planes, float *g, float *tmp, float *gx)
{
  const int64_t n = planes * pout[0] * pout[1] * pout[2];
  for (int d = 0; d < 3; d++)   /* the copies in reverse: first dim first, right before left */
    for (int side = 1; side >= 0; side--)
      {
        const int64_t P = pout[d], pl = lo[d], pr = hi[d];
        const int64_t len = side == 0 ? pl : pr;
        if (len <= 0)
          continue;
        const int64_t o0 = side == 0 ? 0 : P - pr;
        const int64_t i0 = side == 0 ? P - pl - pr : pl;
        const int64_t inner = d == 0 ? pout[1] * pout[2] : d == 1 ? pout[2] : 1;
        memcpy (tmp, g, (gsize) n * sizeof (float));
        for (int64_t k = 0; k < n; k++)
          {
            const int64_t q = (k / inner) % P;
            const float kept = q >= o0 && q < o0 + len ? 0.0f : tmp[k];
            const float moved = q >= i0 && q < i0 + len ? tmp[k + (o0 - i0) * inner] : 0.0f;
            g[k] = kept + moved;
          }
      }
  for (int64_t c = 0; c < planes; c++)
    for (int64_t a = 0; a < in[0]; a++)
      for (int64_t b = 0; b < in[1]; b++)
        memcpy (gx + ((c * in[0] + a) * in[1] + b) * in[2],
                g + ((c * pout[0] + a + lo[0]) * pout[1] + b + lo[1]) * pout[2] + lo[2],
                (gsize) in[2] * sizeof (float));
}

/* ---------- backward (ps-autograd.h) ----------
 * torch 1.13's convolution_backward on the backend its forward chose (ps_conv_backward: oneDNN's
 * backward_data / backward_weights primitives, or Slow2d/Slow3d's sgemm + col2im), with the same
 * output mask autograd passes: grad_input only when the input requires grad. padding_mode 'reflect'
 * or 'replicate' runs the convolution on an explicitly padded copy (F.pad); its gradient is folded
 * back as the pad's backward does (zeros, then += in the padded tensor's order); 'circular' as
 * autograd runs _pad_circular's copies backward (circular_pad_backward). Transposed
 * convolutions always run ATen's SlowTranspose2d/3d (ps_conv_transpose_backward_gemm). */
static gboolean
conv_backward_module (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                      PsGradSink *sink, GError **error)
{
  ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  PsConvShape s;
  int64_t out[3];
  int batched;
  g_autoptr (PsTensor) padded = NULL;
  int64_t plo[3] = { 0, 0, 0 }, phi[3] = { 0, 0, 0 };
  if (!conv_plan_ex (self, entry->input, &s, out, &batched, &padded, plo, phi, error))
    return FALSE;
  PsParam *pw = ps_module_get_param (self, "weight");
  PsParam *pb = p->bias ? ps_module_get_param (self, "bias") : NULL;
  const PsTensor *x = padded ? padded : entry->input;
  g_autoptr (PsTensor) gx = NULL, gx_padded = NULL;
  if (grad_input != NULL && (gx = ps_tensor_new (PS_DTYPE_FLOAT32, entry->input->ndim, entry->input->shape,
                                                 error)) == NULL)
    return FALSE;
  if (gx != NULL && padded != NULL
      && (gx_padded = ps_tensor_new_empty (PS_DTYPE_FLOAT32, padded->ndim, padded->shape, error)) == NULL)
    return FALSE;
  float *gx_conv = gx_padded ? ps_tensor_f32 (gx_padded) : gx ? ps_tensor_f32 (gx) : NULL;
  g_autoptr (PsTensor) gw = ps_tensor_new_empty (PS_DTYPE_FLOAT32, pw->value->ndim, pw->value->shape, error);
  if (gw == NULL)
    return FALSE;
  g_autoptr (PsTensor) gb = NULL;
  if (pb != NULL && (gb = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 1, pb->value->shape, error)) == NULL)
    return FALSE;
  if (!ps_conv_backward (&s, p->nd, ps_tensor_cf32 (x), ps_tensor_cf32 (pw->value), ps_tensor_cf32 (grad_output),
                         gx_conv, ps_tensor_f32 (gw), gb ? ps_tensor_f32 (gb) : NULL, error))
    return FALSE;
  if (gx_padded != NULL)
    {
      int64_t in[3] = { 1, 1, 1 }, pout[3];
      for (int d = 0; d < p->nd; d++)
        in[3 - p->nd + d] = entry->input->shape[entry->input->ndim - p->nd + d];
      for (int d = 0; d < 3; d++)
        pout[d] = in[d] + plo[d] + phi[d];
      const int64_t planes = entry->input->numel / MAX (in[0] * in[1] * in[2], 1);
      if (p->padding_mode == MODE_CIRCULAR)
        {
          g_autoptr (PsTensor) tmp = ps_tensor_new_empty (PS_DTYPE_FLOAT32, padded->ndim, padded->shape, error);
          if (tmp == NULL)
            return FALSE;
          circular_pad_backward (pout, plo, phi, in, planes, ps_tensor_f32 (gx_padded), ps_tensor_f32 (tmp),
                                 ps_tensor_f32 (gx));
        }
      else
        {
          /* reflection/replication_pad backward: grad_input (zeros) += grad_output at the position
           * each padded element was copied from, in the padded tensor's order */
          int64_t *map[3];
          pad_maps (p, in, plo, pout, map);
          const float *src = ps_tensor_cf32 (gx_padded);
          float *dst = ps_tensor_f32 (gx);
          for (int64_t c = 0; c < planes; c++)
            for (int64_t a = 0; a < pout[0]; a++)
              for (int64_t b = 0; b < pout[1]; b++)
                for (int64_t e = 0; e < pout[2]; e++)
                  {
                    float *t = dst + ((c * in[0] + map[0][a]) * in[1] + map[1][b]) * in[2] + map[2][e];
                    *t = *t + *src++;
                  }
          for (int d = 0; d < 3; d++)
            g_free (map[d]);
        }
    }
  ps_grad_sink_add (sink, pw, gw);
  if (gb != NULL)
    ps_grad_sink_add (sink, pb, gb);
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  return TRUE;
}

/* ---------- repr ---------- */

/* in_channels / out_channels as given (Conv1d(True, 4, …)); a lazy module's are its current ints */
static char *
channels_str (const PsModule *self, const char *name, int64_t value)
{
  const PsValue *v = ps_args_lookup (self->args, name);
  if (v == NULL)   /* LazyConv's in_channels: 0 until materialized */
    return g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return ps_value_to_str (v);
}

static char *
conv_extra_repr (const PsModule *self)
{
  const ConvPriv *p = PS_MODULE_PRIV (self, ConvPriv);
  if (p->bad_geometry)
    {
      /* the tuples as the module holds them */
      GString *s = g_string_new (NULL);
      g_autofree char *in = channels_str (self, "in_channels", p->in_channels);
      g_autofree char *out = channels_str (self, "out_channels", p->out_channels);
      g_string_append_printf (s, "%s, %s", in, out);
      /* _ConvNd.extra_repr: padding / dilation / output_padding when not all default */
      const char *names[] = { "kernel_size", "stride", "padding", "dilation", "output_padding" };
      const int64_t defaults[] = { -1, -1, 0, 1, 0 };
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          const PsValue *v = ps_args_lookup (self->args, names[i]);
          if (v == NULL)
            continue;
          gboolean show = defaults[i] < 0 || v->type != PS_VALUE_INT_LIST;
          for (int d = 0; !show && d < v->n_list; d++)
            show = v->list[d] != defaults[i];
          if (!show)
            continue;
          g_autofree char *t = v->type == PS_VALUE_STRING ? g_strdup (v->s) : ps_value_to_python (v);
          g_string_append_printf (s, ", %s=%s", names[i], t);
        }
      if (p->groups != 1)
        g_string_append_printf (s, ", groups=%" G_GINT64_FORMAT, p->groups);
      if (!p->bias)
        g_string_append (s, ", bias=False");
      if (p->padding_mode != MODE_ZEROS)
        g_string_append_printf (s, ", padding_mode=%s", mode_names[p->padding_mode]);
      return g_string_free (s, FALSE);
    }
  g_autofree char *k = arg_tuple_str (self, "kernel_size", p->nd, p->kernel, 0, NULL);
  g_autofree char *st = arg_tuple_str (self, "stride", p->nd, p->stride, 1, NULL);
  GString *s = g_string_new (NULL);
  g_autofree char *in = channels_str (self, "in_channels", p->in_channels);
  g_autofree char *out = channels_str (self, "out_channels", p->out_channels);
  g_string_append_printf (s, "%s, %s, kernel_size=%s, stride=%s", in, out, k, st);
  gboolean def;
  if (p->padding_kind != PAD_NUMERIC)
    g_string_append_printf (s, ", padding=%s", p->padding_kind == PAD_SAME ? "same" : "valid");
  else
    {
      g_autofree char *t = arg_tuple_str (self, "padding", p->nd, p->padding, 0, &def);
      if (!def)
        g_string_append_printf (s, ", padding=%s", t);
    }
  g_autofree char *dl = arg_tuple_str (self, "dilation", p->nd, p->dilation, 1, &def);
  if (!def)
    g_string_append_printf (s, ", dilation=%s", dl);
  if (p->transposed)
    {
      g_autofree char *t = arg_tuple_str (self, "output_padding", p->nd, p->output_padding, 0, &def);
      if (!def)
        g_string_append_printf (s, ", output_padding=%s", t);
    }
  if (p->groups != 1)
    g_string_append_printf (s, ", groups=%" G_GINT64_FORMAT, p->groups);
  if (!p->bias)
    g_string_append (s, ", bias=False");
  if (p->padding_mode != MODE_ZEROS)
    g_string_append_printf (s, ", padding_mode=%s", mode_names[p->padding_mode]);
  return g_string_free (s, FALSE);
}

/* [1, in_channels, spatial…] with each spatial size 4 beyond the dilated kernel's reach, so any
 * stride and padding leave an output; a lazy Conv2d takes 3 channels. */
static void
conv_example_input (const PsModule *self, PsExampleInput *ex)
{
  const ConvPriv *p = PS_MODULE_PRIV (self, const ConvPriv);
  int64_t shape[5] = { 1, p->in_channels > 0 ? p->in_channels : 3 };
  for (int d = 0; d < p->nd; d++)   /* sizes are right-aligned in the 3-d arrays */
    shape[2 + d] = (p->kernel[3 - p->nd + d] - 1) * p->dilation[3 - p->nd + d] + 4;
  ps_example_input_set (ex, 2 + p->nd, shape);
}

/* What F.convNd / F.conv_transposeNd raise for a tuple input (ps-tuple-input.c): a convolution names
 * the types of its arguments, so the text follows the module's bias and padding (padding_mode other
 * than 'zeros' fails in F.pad first); a LazyConv2d fails reading input.dim() to materialize. */
static char *
conv_tuple_input_error (const PsModule *m)
{
  const ConvPriv *p = PS_MODULE_PRIV (m, const ConvPriv);
  if (m->klass->is_lazy)
    return g_strdup (PS_TUPLE_NO_ATTR ("dim"));
  if (p->transposed)
    return g_strdup_printf ("conv_transpose%dd(): argument 'input' (position 1) must be Tensor, not tuple", p->nd);
  if (strcmp (ps_args_get_string (m->args, "padding_mode"), "zeros") != 0)
    return g_strdup (PS_TUPLE_NOT_TENSOR ("pad", "input", 1));
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
                          p->nd, bias, pad, bias, pad, bias, str_pad ? "" : "!", pad, str_pad ? "" : "!");
}

/* ---------- classes ---------- */

#define CONV_CLASS(var, cname, argtab, lazy, basecls, backward_fn) \
  const PsModuleClass var = {                       \
    .name = cname,                                  \
    .args = argtab,                                 \
    .is_lazy = lazy,                                \
    .priv_size = sizeof (ConvPriv),                 \
    .construct = conv_construct,                    \
    .reset_parameters = conv_reset_parameters,      \
    .forward = conv_forward,                        \
    .extra_repr = conv_extra_repr,                  \
    .example_input = conv_example_input,            \
    .base = basecls,                                \
    .backward = backward_fn,                        \
    .tuple_input_error_for = conv_tuple_input_error, \
  }

CONV_CLASS (ps_conv1d_class, "Conv1d", conv1d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_conv2d_class, "Conv2d", conv2d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_conv3d_class, "Conv3d", conv3d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_conv_transpose1d_class, "ConvTranspose1d", convt1d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_conv_transpose2d_class, "ConvTranspose2d", convt2d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_conv_transpose3d_class, "ConvTranspose3d", convt3d_args, FALSE, NULL, (gpointer) conv_backward_module);
CONV_CLASS (ps_lazy_conv2d_class, "LazyConv2d", lazy_conv2d_args, TRUE, &ps_conv2d_class, NULL);
