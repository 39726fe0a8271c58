/* ps-rnn.c — RNN, LSTM, GRU and their cells (torch.nn.modules.rnn, PyTorch 1.13).
 *
 * Parameters are registered in torch's order and with torch's names (PYTORCH-PARITY.md §5):
 * per layer, per direction (forward, then "_reverse"): weight_ih_l{k} (G, in_l),
 * weight_hh_l{k} (G, H_r), [bias_ih_l{k} (G), bias_hh_l{k} (G)], [weight_hr_l{k} (P, H)], with
 * G = gates·H (1 RNN, 3 GRU [r|z|n], 4 LSTM [i|f|g|o]), H_r = proj_size or H, and
 * in_l = input_size for layer 0, H_r·num_directions above. Cells: weight_ih, weight_hh, bias_ih,
 * bias_hh. reset_parameters draws U(−1/√H, 1/√H) over them in that order.
 *
 * Forward follows ATen's CPU path (aten/src/ATen/native/RNN.cpp): the input projection of a whole
 * layer is one addmm (bias pre-filled, OpenBLAS sgemm), then per time step hg = h·W_hhᵀ + b_hh and
 * the gate math in float, one rounding per ATen op. The initial state is zero (a recipe forward has
 * one input). Between layers, in training mode, dropout draws like at::dropout on CPU.
 * tanh is Sleef on every element (vml) and sigmoid_ Sleef on whole 16-element chunks of each gate
 * row, glibc on the rest, as ATen's kernels run them. torch's dropout>0 with num_layers=1
 * UserWarning is not reproduced (there is no warning channel).
 *
 * Backward (rnn_backward) replays the forward keeping every gate, then runs autograd's formulas
 * for those ATen ops in the engine's order (see "backward" below); a module's dropout noise
 * between layers is saved on the tape. */
#include "ps-layers.h"
#include "ps-aten-mm.h"
#include "ps-autograd.h"
#include "ps-ops.h"
#include "ps-reduce.h"
#include "ps-sleef.h"
#include "ps-threads.h"

#include <limits.h>
#include <math.h>
#include <string.h>

typedef enum {
  MODE_RNN_TANH,
  MODE_RNN_RELU,
  MODE_LSTM,
  MODE_GRU,
} RnnMode;

typedef struct {
  RnnMode mode;
  gboolean is_cell;
  int64_t input_size;
  int64_t hidden_size;
  int64_t num_layers;
  int64_t proj_size;       /* 0 = none (LSTM only) */
  gboolean bias;
  gboolean batch_first;
  gboolean bidirectional;
  double dropout;
  PsFlavour flavour;       /* the CPU kernel flavour of a run: set on the run's own copy of the
                              config (forward: the generator's, backward: the tape entry's), never
                              on the module's */
} RnnConfig;

static int64_t
gate_count (RnnMode mode)
{
  switch (mode)
    {
    case MODE_LSTM: return 4;
    case MODE_GRU: return 3;
    default: return 1;
    }
}

/* ---------- argument tables ---------- */

/* the sizes and counts are Python ints to torch's __init__, bools included (hidden_size=True builds
 * LSTM(3, True) as LSTM(3, 1)); where a bool reaches torch.empty first or an ATen parser, torch
 * refuses it (read_config, vf_args_check) */
#define ARG_SIZE(n, d) { .name = n, .kind = PS_ARG_INT, .required = TRUE, .bool_is_int = TRUE, .any_value = TRUE, .doc = d }
#define ARG_INT(n, v, d) { .name = n, .kind = PS_ARG_INT, .def_int = v, .bool_is_int = TRUE, .any_value = TRUE, .doc = d }
#define ARG_BOOL(n, v, d) { .name = n, .kind = PS_ARG_BOOL, .def_bool = v, .doc = d }
#define ARG_DROPOUT { .name = "dropout", .kind = PS_ARG_FLOAT, .def_double = 0.0, .any_value = TRUE, \
                      .doc = "dropout probability on the outputs of every layer but the last (training)" }
#define ARG_NONLIN { .name = "nonlinearity", .kind = PS_ARG_STRING, .def_string = "tanh", .any_value = TRUE, \
                     .doc = "'tanh' or 'relu'", .keyword_only = TRUE }

/* The arguments every RNNBase takes, in torch's order around RNN's nonlinearity. */
#define ARG_RNN_SIZES \
  ARG_SIZE ("input_size", "features of the input x"), \
  ARG_SIZE ("hidden_size", "features of the hidden state h"), \
  ARG_INT ("num_layers", 1, "number of stacked recurrent layers")
#define ARG_RNN_FLAGS \
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"), \
  ARG_BOOL ("batch_first", FALSE, "input and output are (batch, seq, feature)"), \
  ARG_DROPOUT, \
  ARG_BOOL ("bidirectional", FALSE, "add a reverse direction")

static const PsArgSpec rnn_args[] = {
  ARG_RNN_SIZES,
  ARG_NONLIN,
  ARG_RNN_FLAGS,
  { NULL }
};

static const PsArgSpec lstm_args[] = {
  ARG_RNN_SIZES,
  ARG_RNN_FLAGS,
  ARG_INT ("proj_size", 0, "if > 0, project h to this size with weight_hr"),
  { NULL }
};

static const PsArgSpec gru_args[] = {
  ARG_RNN_SIZES,
  ARG_RNN_FLAGS,
  { NULL }
};

static const PsArgSpec rnn_cell_args[] = {
  ARG_SIZE ("input_size", "features of the input x"),
  ARG_SIZE ("hidden_size", "features of the hidden state h"),
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"),
  ARG_NONLIN,
  { NULL }
};

static const PsArgSpec cell_args[] = {
  ARG_SIZE ("input_size", "features of the input x"),
  ARG_SIZE ("hidden_size", "features of the hidden state h"),
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"),
  { NULL }
};

/* ---------- construction ---------- */

static gboolean
negative_dim_error (int64_t rows, int64_t cols, GError **error)
{
  /* torch.empty's own message for the first parameter, weight_ih (G, in) */
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": [%"
               G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", rows < 0 ? rows : cols, rows, cols);
  return FALSE;
}

/* Reads and validates the arguments into cfg; registers nothing. Checks, their order and their
 * messages are torch 1.13's (tests/doc/test-module-args.c), also where its message is an accident
 * of its Python code (hidden_size=0 reports proj_size; num_layers=0 is an IndexError, said with a
 * plain-words prefix). */
/* More layers than anyone trains; keeps registration (quadratic in the parameter count) fast. */
#define PS_RNN_MAX_LAYERS 4096

/* The Python value of k * size (k an int): a float stays a float, a str is repeated (still a str),
 * None fails in the operator; a bool times 1 is an int, except RNN's gate_size, which is
 * hidden_size itself (k_is_identity). */
static gboolean
py_times (int64_t k, const PsValue *size, gboolean k_is_identity, PsValue *out, GError **error)
{
  memset (out, 0, sizeof *out);
  const PsValueType t = ps_value_given_type (size);
  if (t == PS_VALUE_NONE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unsupported operand type(s) for *: 'int' and 'NoneType'");
      return FALSE;
    }
  if (k_is_identity)
    *out = *size, out->s = NULL;
  else
    {
      /* only the type matters here; an int64 overflow is read_config's (torch.empty's parser) */
      out->type = t == PS_VALUE_BOOL ? PS_VALUE_INT : t;
      if (__builtin_mul_overflow (k, ps_value_size (size), &out->i))
        out->i = 0;
    }
  return TRUE;
}

/* RNNBase.__init__ / RNNCellBase.__init__ with the sizes as given, up to the tensors' shapes
 * (torch 1.13.1's Python, in its order): float(dropout), proj_size < 0, proj_size >= hidden_size,
 * gate_size = k * hidden_size, range(num_layers), then torch.empty((gate_size, input_size)),
 * ((gate_size, real_hidden_size)) and, with a projection, ((proj_size, hidden_size)) through its
 * parser. The int checks and messages that follow are read_config's. */
static gboolean
python_sizes_check (const PsArgs *a, RnnMode mode, gboolean is_cell, GError **error)
{
  const PsValue *iv = ps_args_lookup (a, "input_size"), *hv = ps_args_lookup (a, "hidden_size");
  const int64_t k = gate_count (mode);
  PsValue gate;
  if (is_cell)
    return py_times (k, hv, FALSE, &gate, error)
           && ps_py_empty_check ((const PsValue *[]) { &gate, iv }, 2, FALSE, error);
  const PsValue *dv = ps_args_lookup (a, "dropout");
  if (ps_value_given_type (dv) == PS_VALUE_NONE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "float() argument must be a string or a real number, not 'NoneType'");
      return FALSE;
    }
  if (ps_value_given_type (dv) == PS_VALUE_STRING)
    {
      /* float('0.5') converts, and the isinstance(dropout, numbers.Number) check refuses it then */
      g_autofree char *stripped = g_strstrip (g_strdup (dv->s != NULL ? dv->s : ""));
      char *end = NULL;
      g_ascii_strtod (stripped, &end);
      if (stripped[0] == '\0' || end == NULL || *end != '\0')
        {
          g_autofree char *r = ps_value_to_python (dv);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "could not convert string to float: %s", r);
        }
      else
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "dropout should be a number in range "
                     "[0, 1] representing the probability of an element being zeroed");
      return FALSE;
    }
  if (!(ps_value_number (dv) >= 0.0 && ps_value_number (dv) <= 1.0) || ps_value_given_type (dv) == PS_VALUE_BOOL)
    return TRUE;   /* read_config says it */
  const PsValue zero = { .type = PS_VALUE_INT };
  const PsValue *pv = mode == MODE_LSTM ? ps_args_lookup (a, "proj_size") : &zero;
  if (!ps_value_is_number (pv))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'<' not supported between instances of '%s' and 'int'",
                   ps_value_given_type_name (pv));
      return FALSE;
    }
  if (ps_value_number (pv) < 0)
    return TRUE;   /* read_config says it */
  if (!ps_value_is_number (hv))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'>=' not supported between instances of '%s' and '%s'",
                   ps_value_given_type_name (pv), ps_value_given_type_name (hv));
      return FALSE;
    }
  if (ps_value_number (pv) >= ps_value_number (hv))
    return TRUE;   /* read_config says it */
  if (!py_times (k, hv, k == 1, &gate, error))
    return FALSE;
  const PsValue *nl = ps_args_lookup (a, "num_layers");
  if (ps_value_given_type (nl) != PS_VALUE_INT && ps_value_given_type (nl) != PS_VALUE_BOOL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'%s' object cannot be interpreted as an integer",
                   ps_value_given_type_name (nl));
      return FALSE;
    }
  if (ps_value_size (nl) <= 0)
    return TRUE;   /* no tensor: read_config's IndexError */
  const gboolean proj = ps_value_number (pv) > 0;
  return ps_py_empty_check ((const PsValue *[]) { &gate, iv }, 2, FALSE, error)
         && ps_py_empty_check ((const PsValue *[]) { &gate, proj ? pv : hv }, 2, FALSE, error)
         && (!proj || ps_py_empty_check ((const PsValue *[]) { pv, hv }, 2, FALSE, error));
}

static gboolean
read_config (const PsModule *self, RnnMode mode, gboolean is_cell, RnnConfig *cfg, GError **error)
{
  const PsArgs *a = self->args;
  memset (cfg, 0, sizeof *cfg);
  cfg->mode = mode;
  cfg->is_cell = is_cell;
  cfg->bias = ps_args_get_bool (a, "bias");
  cfg->num_layers = 1;

  if (mode == MODE_RNN_TANH)
    {
      /* nonlinearity as given: RNN.__init__ compares it with the strings before anything else */
      const PsValue *nv = ps_args_lookup (a, "nonlinearity");
      g_autofree char *nl = ps_value_to_str (nv);
      const gboolean is_str = ps_value_given_type (nv) == PS_VALUE_STRING;
      if (is_str && strcmp (nl, "relu") == 0)
        cfg->mode = MODE_RNN_RELU;
      else if (!(is_str && strcmp (nl, "tanh") == 0) && !is_cell)   /* RNNCell: at its forward (rnn_forward) */
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Unknown nonlinearity '%s'", nl);
          return FALSE;
        }
    }
  if (!python_sizes_check (a, mode, is_cell, error))
    return FALSE;
  /* what passed is ints (or bools as 0/1), but a negative proj_size or proj_size >= hidden_size,
   * said below */
  cfg->input_size = ps_value_size (ps_args_lookup (a, "input_size"));
  cfg->hidden_size = ps_value_size (ps_args_lookup (a, "hidden_size"));

  int64_t gates = gate_count (mode);
  int64_t g;
  if (is_cell)
    {
      if (__builtin_mul_overflow (gates, cfg->hidden_size, &g))
        {
          /* gate_size is a Python int beyond int64: torch.empty's parser refuses it */
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "hidden_size %" G_GINT64_FORMAT " is too large: empty(): "
                       "argument 'size' must be tuple of SymInts, but found element of type int at pos 1", cfg->hidden_size);
          return FALSE;
        }
      if (g < 0 || cfg->input_size < 0)
        return negative_dim_error (g, cfg->input_size, error);
      return TRUE;
    }

  cfg->num_layers = ps_value_size (ps_args_lookup (a, "num_layers"));
  cfg->batch_first = ps_args_get_bool (a, "batch_first");
  cfg->bidirectional = ps_args_get_bool (a, "bidirectional");
  cfg->dropout = ps_args_get_number (a, "dropout");
  cfg->proj_size = mode == MODE_LSTM ? ps_value_size (ps_args_lookup (a, "proj_size")) : 0;

  /* torch: `not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)` */
  const PsValue *dv = ps_args_lookup (a, "dropout");
  if (!(cfg->dropout >= 0.0 && cfg->dropout <= 1.0) || (dv->coerced && dv->given == PS_VALUE_BOOL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "dropout should be a number in range "
                   "[0, 1] representing the probability of an element being zeroed");
      return FALSE;
    }
  if (cfg->proj_size < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "proj_size should be a positive integer or zero to disable projections");
      return FALSE;
    }
  /* also torch's answer to hidden_size <= 0 (proj_size is 0 then) */
  if (cfg->proj_size >= cfg->hidden_size)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "proj_size has to be smaller than hidden_size");
      return FALSE;
    }
  if (__builtin_mul_overflow (gates, cfg->hidden_size, &g))
    {
      /* gate_size is a Python int beyond int64: torch.empty's parser refuses it */
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "hidden_size %" G_GINT64_FORMAT " is too large: empty(): "
                   "argument 'size' must be tuple of SymInts, but found element of type int at pos 1", cfg->hidden_size);
      return FALSE;
    }
  /* torch creates the layers' tensors first (a negative input_size fails there), then indexes the
   * first one: with no layer, a Python IndexError */
  if (cfg->num_layers <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "num_layers must be at least 1 (got %"
                   G_GINT64_FORMAT "); torch 1.13 fails with IndexError: list index out of range",
                   cfg->num_layers);
      return FALSE;
    }
  /* RNN's gate_size is hidden_size itself: given as a bool, it is the first size torch.empty((gate_size,
   * input_size)) sees, which its parser refuses (4 * True for LSTM is an int) */
  const PsValue *hv = ps_args_lookup (a, "hidden_size");
  if (gates == 1 && !ps_py_empty_check ((const PsValue *[]) { hv, NULL }, 2, FALSE, error))
    return FALSE;
  if (cfg->input_size < 0)
    return negative_dim_error (g, cfg->input_size, error);
  /* LSTM's weight_hr_l0 = torch.empty((proj_size, hidden_size)), after the layer's other tensors */
  if (cfg->proj_size > 0
      && !ps_py_empty_check ((const PsValue *[]) { ps_args_lookup (a, "proj_size"), NULL }, 2, FALSE, error))
    return FALSE;
  /* Each tensor is checked when allocated, but not their sum over num_layers, and registering
   * parameters is quadratic in their number: LSTM(num_layers=2^31) hung, and many layers of
   * large tensors together could exhaust memory. Bound the total before allocating anything. */
  if (!is_cell)
    {
      int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : cfg->hidden_size;
      int64_t ndir = cfg->bidirectional ? 2 : 1, upper_in, hr2, in_sum, proj, per_dir, total;
      if (cfg->num_layers > PS_RNN_MAX_LAYERS
          || __builtin_mul_overflow (hr, ndir, &upper_in)
          || __builtin_add_overflow (hr, 2, &hr2)
          || __builtin_add_overflow (MAX (cfg->input_size, upper_in), hr2, &in_sum)
          || __builtin_mul_overflow (g, in_sum, &per_dir)
          || __builtin_mul_overflow (cfg->proj_size, cfg->hidden_size, &proj)
          || __builtin_add_overflow (per_dir, proj, &per_dir)
          || __builtin_mul_overflow (per_dir, ndir * cfg->num_layers, &total)
          || (guint64) total > ps_tensor_get_max_bytes () / sizeof (float))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                       "num_layers=%" G_GINT64_FORMAT " with hidden_size=%" G_GINT64_FORMAT
                       " is too large: at most %d layers and %" G_GUINT64_FORMAT " bytes of parameters",
                       cfg->num_layers, cfg->hidden_size, PS_RNN_MAX_LAYERS, ps_tensor_get_max_bytes ());
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
rnn_construct_common (PsModule *self, RnnMode mode, gboolean is_cell, GError **error)
{
  RnnConfig cfg;
  if (!read_config (self, mode, is_cell, &cfg, error))
    return FALSE;

  int64_t H = cfg.hidden_size;
  int64_t G = gate_count (mode) * H;
  if (is_cell)
    {
      int64_t sih[2] = { G, cfg.input_size }, shh[2] = { G, H }, sb[1] = { G };
      if (!ps_module_register_new_f32 (self, "weight_ih", 2, sih, error)
          || !ps_module_register_new_f32 (self, "weight_hh", 2, shh, error))
        return FALSE;
      if (cfg.bias && (!ps_module_register_new_f32 (self, "bias_ih", 1, sb, error)
                       || !ps_module_register_new_f32 (self, "bias_hh", 1, sb, error)))
        return FALSE;
      *PS_MODULE_PRIV (self, RnnConfig) = cfg;
      return TRUE;
    }

  int64_t hr = cfg.proj_size > 0 ? cfg.proj_size : H;
  int64_t ndir = cfg.bidirectional ? 2 : 1;
  int64_t upper_in = hr * ndir;   /* hr < H and G = gates·H did not overflow */
  for (int64_t l = 0; l < cfg.num_layers; l++)
    for (int64_t d = 0; d < ndir; d++)
      {
        const char *sfx = d == 1 ? "_reverse" : "";
        int64_t sih[2] = { G, l == 0 ? cfg.input_size : upper_in };
        int64_t shh[2] = { G, hr }, sb[1] = { G }, shr[2] = { cfg.proj_size, H };
        g_autofree char *wih = g_strdup_printf ("weight_ih_l%" G_GINT64_FORMAT "%s", l, sfx);
        g_autofree char *whh = g_strdup_printf ("weight_hh_l%" G_GINT64_FORMAT "%s", l, sfx);
        g_autofree char *bih = g_strdup_printf ("bias_ih_l%" G_GINT64_FORMAT "%s", l, sfx);
        g_autofree char *bhh = g_strdup_printf ("bias_hh_l%" G_GINT64_FORMAT "%s", l, sfx);
        g_autofree char *whr = g_strdup_printf ("weight_hr_l%" G_GINT64_FORMAT "%s", l, sfx);
        if (!ps_module_register_new_f32 (self, wih, 2, sih, error) || !ps_module_register_new_f32 (self, whh, 2, shh, error))
          return FALSE;
        if (cfg.bias && (!ps_module_register_new_f32 (self, bih, 1, sb, error) || !ps_module_register_new_f32 (self, bhh, 1, sb, error)))
          return FALSE;
        if (cfg.proj_size > 0 && !ps_module_register_new_f32 (self, whr, 2, shr, error))
          return FALSE;
      }
  *PS_MODULE_PRIV (self, RnnConfig) = cfg;
  return TRUE;
}

static gboolean rnn_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_RNN_TANH, FALSE, e); }
static gboolean lstm_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_LSTM, FALSE, e); }
static gboolean gru_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_GRU, FALSE, e); }
static gboolean rnn_cell_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_RNN_TANH, TRUE, e); }
static gboolean lstm_cell_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_LSTM, TRUE, e); }
static gboolean gru_cell_construct (PsModule *s, GError **e) { return rnn_construct_common (s, MODE_GRU, TRUE, e); }

/* RNNBase.reset_parameters / RNNCellBase.reset_parameters: one U(±stdv) per parameter, in
 * parameters() order (= registration order). New tensors are filled first and swapped in only
 * when every draw succeeded. */
static gboolean
rnn_reset_parameters (PsModule *self, PsGenerator *gen, GError **error)
{
  const RnnConfig *cfg = PS_MODULE_PRIV (self, RnnConfig);
  double stdv = cfg->hidden_size > 0 ? 1.0 / sqrt ((double) cfg->hidden_size) : 0.0;
  guint n = self->params->len;
  g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autofree PsInitInfo *infos = g_new0 (PsInitInfo, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      PsParam *p = g_ptr_array_index (self->params, i);
      PsTensor *t = ps_param_new_like (p, error);
      if (t == NULL)
        return FALSE;
      g_ptr_array_add (fresh, t);
    }
  for (guint i = 0; i < n; i++)
    if (!ps_init_uniform_ (g_ptr_array_index (fresh, i), -stdv, stdv, gen, &infos[i], error))
      return FALSE;
  for (guint i = 0; i < n; i++)
    {
      PsParam *p = g_ptr_array_index (self->params, i);
      ps_param_set_value (p, g_ptr_array_index (fresh, i));
      p->init = infos[i];
      g_snprintf (p->init.formula, sizeof p->init.formula,
                  "RNN default: U(-stdv, stdv), stdv = 1/sqrt(hidden_size) = 1/sqrt(%" G_GINT64_FORMAT
                  ") = %.6g", cfg->hidden_size, stdv);
    }
  return TRUE;
}

/* ---------- repr ---------- */

static char *
rnn_extra_repr (const PsModule *self)
{
  const RnnConfig *c = PS_MODULE_PRIV (self, RnnConfig);
  GString *s = g_string_new (NULL);
  g_autofree char *in = ps_value_to_str (ps_args_lookup (self->args, "input_size"));
  g_autofree char *hid = ps_value_to_str (ps_args_lookup (self->args, "hidden_size"));
  g_string_append_printf (s, "%s, %s", in, hid);   /* as given: LSTM(3, True) */
  /* the flags as torch's extra_repr tests them: `self.bias is not True` (bias=1 prints bias=1) */
  const PsValue *bv = ps_args_lookup (self->args, "bias");
  g_autofree char *bias = ps_value_to_str (bv);
  if (c->is_cell)
    {
      if (!ps_value_is_bool (bv, TRUE))
        g_string_append_printf (s, ", bias=%s", bias);
      const PsValue *nv = self->klass == &ps_rnn_cell_class ? ps_args_lookup (self->args, "nonlinearity") : NULL;
      g_autofree char *nl = nv != NULL ? ps_value_to_str (nv) : NULL;   /* str() of it, as given */
      if (nl != NULL && !(nv->type == PS_VALUE_STRING && strcmp (nl, "tanh") == 0))
        g_string_append_printf (s, ", nonlinearity=%s", nl);
      return g_string_free (s, FALSE);
    }
  if (c->proj_size != 0)
    {
      g_autofree char *t = ps_value_to_str (ps_args_lookup (self->args, "proj_size"));
      g_string_append_printf (s, ", proj_size=%s", t);
    }
  if (c->num_layers != 1)
    {
      g_autofree char *t = ps_value_to_str (ps_args_lookup (self->args, "num_layers"));
      g_string_append_printf (s, ", num_layers=%s", t);
    }
  if (!ps_value_is_bool (bv, TRUE))
    g_string_append_printf (s, ", bias=%s", bias);
  const PsValue *bf = ps_args_lookup (self->args, "batch_first"), *bi = ps_args_lookup (self->args, "bidirectional");
  if (!ps_value_is_bool (bf, FALSE))
    {
      g_autofree char *t = ps_value_to_str (bf);
      g_string_append_printf (s, ", batch_first=%s", t);
    }
  if (c->dropout != 0)
    {
      /* self.dropout = float(dropout): dropout=1 prints 1.0 */
      const PsValue d = { .type = PS_VALUE_DOUBLE, .d = c->dropout };
      g_autofree char *t = ps_value_to_str (&d);
      g_string_append_printf (s, ", dropout=%s", t);
    }
  if (!ps_value_is_bool (bi, FALSE))
    {
      g_autofree char *t = ps_value_to_str (bi);
      g_string_append_printf (s, ", bidirectional=%s", t);
    }
  return g_string_free (s, FALSE);
}

/* ---------- forward kernels ---------- */

static gboolean
fits_int (int64_t v)
{
  return v >= 0 && v <= INT_MAX;
}

/* at::sigmoid_ on a gate chunk, a (n, H) view with row stride G: ATen's vectorized loop runs per
 * row, whole chunks of 2 · Vectorized<float>::size() elements (16; 32 at the AVX512 capability) by
 * the vector code (Sleef exp, reciprocal), the rest of the row by the scalar code (glibc exp).
 * vec_end = H / chunk · chunk. */
static inline float
sigmoid_at (float x, int64_t j, int64_t vec_end)
{
  return j < vec_end ? 1.0f / (ps_sleef_expf (0.0f - x) + 1.0f) : 1.0f / (1.0f + expf (-x));
}

typedef struct {
  const float *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;   /* b_*, w_hr may be NULL */
} DirParams;

/* What a direction's backward needs from its forward, per time step t (rows t·n … t·n + n − 1).
 * NULL pointers when not caching. */
typedef struct {
  float *act;   /* (T·n, G): LSTM i|f|g|o and GRU r|z|n after their activations; RNN h' */
  float *hgn;   /* GRU (T·n, H): the n chunk of h·W_hhᵀ + b_hh, before ·r */
  float *c;     /* LSTM (T·n, H): c_t */
  float *tc;    /* LSTM (T·n, H): tanh(c_t) */
  float *hy;    /* LSTM (T·n, H): o·tanh(c_t), before the projection */
} DirCache;

static void
dir_cache_clear (DirCache *k)
{
  g_clear_pointer (&k->act, g_free);
  g_clear_pointer (&k->hgn, g_free);
  g_clear_pointer (&k->c, g_free);
  g_clear_pointer (&k->tc, g_free);
  g_clear_pointer (&k->hy, g_free);
}

/* One time step for a batch of n rows. gi (n, G) = x·W_ihᵀ + b_ih for this step; h (n, hr) and
 * c (n, H) hold the previous state and receive the new one. hg (n, G) and hy (n, H) are scratch.
 * The gate math mirrors ATen's cells (RNN.cpp, CPU: no fused kernels) op by op, each ATen op
 * rounding once: tanh is Sleef on every element (vml), sigmoid_ as sigmoid_at. k (may be NULL)
 * receives the step's values at row offset r0. */
static void
cell_step (const RnnConfig *cfg, const DirParams *p, int64_t n, const float *gi, float *h, float *c,
           float *hg, float *hy, const DirCache *k, int64_t r0)
{
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  int64_t G = gate_count (cfg->mode) * H;
  /* ATEN_CPU_CAPABILITY=default: Vectorized<float> is scalar glibc code on every element */
  const gboolean avx2 = cfg->flavour != PS_FLAVOUR_DEFAULT;
  float (*tanh_at) (float) = avx2 ? ps_sleef_tanhf : tanhf;
  const int64_t chunk = 2 * (int64_t) ps_threads_aten_lanes ();
  int64_t ve = avx2 ? H / chunk * chunk : 0;
  ps_ops_linear_rows (h, n, hr, p->w_hh, G, p->b_hh, hg);
  for (int64_t r = 0; r < n; r++)
    {
      const float *ig = gi + r * G;
      float *hgr = hg + r * G;
      float *act = k && k->act ? k->act + (r0 + r) * G : NULL;
      switch (cfg->mode)
        {
        case MODE_RNN_TANH:
          for (int64_t j = 0; j < H; j++)
            h[r * H + j] = tanh_at (hgr[j] + ig[j]);
          break;
        case MODE_RNN_RELU:
          for (int64_t j = 0; j < H; j++)
            {
              float v = hgr[j] + ig[j];
              h[r * H + j] = v > 0.0f ? v : (isnan (v) ? v : 0.0f);
            }
          break;
        case MODE_LSTM:
          /* gates = hg.add_(gi); chunks [i|f|g|o] activated in place; cy = (f·cx).add_(i·g);
           * hy = o·cy.tanh() */
          for (int64_t j = 0; j < H; j++)
            {
              float ingate = sigmoid_at (hgr[j] + ig[j], j, ve);
              float forget = sigmoid_at (hgr[H + j] + ig[H + j], j, ve);
              float cellg = tanh_at (hgr[2 * H + j] + ig[2 * H + j]);
              float outg = sigmoid_at (hgr[3 * H + j] + ig[3 * H + j], j, ve);
              float fc = forget * c[r * H + j];
              float icg = ingate * cellg;
              float cy = fc + icg;
              float tcy = tanh_at (cy);
              c[r * H + j] = cy;
              hy[r * H + j] = outg * tcy;
              if (act)
                {
                  act[j] = ingate, act[H + j] = forget, act[2 * H + j] = cellg, act[3 * H + j] = outg;
                  k->c[(r0 + r) * H + j] = cy;
                  k->tc[(r0 + r) * H + j] = tcy;
                }
            }
          break;
        case MODE_GRU:
          /* chunks [r|z|n]: r = σ(h_r.add_(i_r)); z = σ(h_z.add_(i_z)); n = tanh(i_n + h_n.mul_(r));
           * h' = (h − n).mul_(z).add_(n) */
          for (int64_t j = 0; j < H; j++)
            {
              float rg = sigmoid_at (hgr[j] + ig[j], j, ve);
              float zg = sigmoid_at (hgr[H + j] + ig[H + j], j, ve);
              float hn = hgr[2 * H + j] * rg;
              float ng = tanh_at (ig[2 * H + j] + hn);
              if (act)
                {
                  act[j] = rg, act[H + j] = zg, act[2 * H + j] = ng;
                  k->hgn[(r0 + r) * H + j] = hgr[2 * H + j];
                }
              float diff = h[r * H + j] - ng;
              float prod = diff * zg;
              h[r * H + j] = prod + ng;
            }
          break;
        }
      if (act && (cfg->mode == MODE_RNN_TANH || cfg->mode == MODE_RNN_RELU))
        memcpy (act, h + r * H, (size_t) H * sizeof (float));
    }
  if (cfg->mode == MODE_LSTM)
    {
      if (k && k->hy)
        memcpy (k->hy + r0 * H, hy, (size_t) (n * H) * sizeof (float));
      if (cfg->proj_size > 0)
        ps_ops_linear_rows (hy, n, H, p->w_hr, hr, NULL, h);   /* h = hy·W_hrᵀ (matmul, no bias) */
      else
        memcpy (h, hy, (size_t) (n * H) * sizeof (float));
    }
}

static const float *
param_checked (PsModule *self, const char *name, int ndim, const int64_t *dims, GError **error)
{
  return ps_module_param_checked (self, name, ndim, dims, ps_module_class_name (self), name, error);
}

static gboolean
dir_params (PsModule *self, const RnnConfig *cfg, int64_t layer, int dir, DirParams *out, GError **error)
{
  const char *sfx = dir == 1 ? "_reverse" : "";
  g_autofree char *wih = NULL, *whh = NULL, *bih = NULL, *bhh = NULL, *whr = NULL;
  if (cfg->is_cell)
    {
      wih = g_strdup ("weight_ih"); whh = g_strdup ("weight_hh");
      bih = g_strdup ("bias_ih"); bhh = g_strdup ("bias_hh"); whr = g_strdup ("weight_hr");
    }
  else
    {
      wih = g_strdup_printf ("weight_ih_l%" G_GINT64_FORMAT "%s", layer, sfx);
      whh = g_strdup_printf ("weight_hh_l%" G_GINT64_FORMAT "%s", layer, sfx);
      bih = g_strdup_printf ("bias_ih_l%" G_GINT64_FORMAT "%s", layer, sfx);
      bhh = g_strdup_printf ("bias_hh_l%" G_GINT64_FORMAT "%s", layer, sfx);
      whr = g_strdup_printf ("weight_hr_l%" G_GINT64_FORMAT "%s", layer, sfx);
    }
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  int64_t G = gate_count (cfg->mode) * H;
  int64_t in_l = layer == 0 ? cfg->input_size : hr * (cfg->bidirectional ? 2 : 1);
  int64_t sih[2] = { G, in_l }, shh[2] = { G, hr }, sb[1] = { G }, shr[2] = { cfg->proj_size, H };
  memset (out, 0, sizeof *out);
  if ((out->w_ih = param_checked (self, wih, 2, sih, error)) == NULL
      || (out->w_hh = param_checked (self, whh, 2, shh, error)) == NULL)
    return FALSE;
  if (cfg->bias && ((out->b_ih = param_checked (self, bih, 1, sb, error)) == NULL
                    || (out->b_hh = param_checked (self, bhh, 1, sb, error)) == NULL))
    return FALSE;
  if (cfg->proj_size > 0 && (out->w_hr = param_checked (self, whr, 2, shr, error)) == NULL)
    return FALSE;
  return TRUE;
}

static gboolean
alloc_f32 (int64_t a, int64_t b, float **out, GError **error)
{
  return ps_tensor_scratch_f32 (a, b, 1, "an RNN working buffer", out, error);
}


static gboolean
dir_cache_alloc (const RnnConfig *cfg, int64_t rows, DirCache *k, GError **error)
{
  int64_t H = cfg->hidden_size, G = gate_count (cfg->mode) * H;
  memset (k, 0, sizeof *k);
  if (!alloc_f32 (rows, G, &k->act, error))
    return FALSE;
  if (cfg->mode == MODE_GRU && !alloc_f32 (rows, H, &k->hgn, error))
    return FALSE;
  if (cfg->mode == MODE_LSTM
      && (!alloc_f32 (rows, H, &k->c, error) || !alloc_f32 (rows, H, &k->tc, error)
          || !alloc_f32 (rows, H, &k->hy, error)))
    return FALSE;
  return TRUE;
}

/* Runs one direction of one layer over x (T, n, in) time-major and writes h_t into
 * out[t, r, off .. off + hr) (row stride out_stride). k (may be NULL) caches for backward. */
static gboolean
run_direction (const RnnConfig *cfg, const DirParams *p, const float *x, int64_t T, int64_t n, int64_t in,
               gboolean reverse, float *out, int64_t out_stride, int64_t off, const DirCache *k, GError **error)
{
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  int64_t G = gate_count (cfg->mode) * H;
  g_autofree float *gi = NULL, *h = NULL, *c = NULL, *hg = NULL, *hy = NULL;
  if (!alloc_f32 (T * n, G, &gi, error) || !alloc_f32 (n, hr, &h, error) || !alloc_f32 (n, H, &c, error)
      || !alloc_f32 (n, G, &hg, error) || !alloc_f32 (n, H, &hy, error))
    return FALSE;
  /* ATen precomputes the input projection of the whole sequence (CPU: linear on (T, n, in)) */
  ps_ops_linear_rows (x, T * n, in, p->w_ih, G, p->b_ih, gi);
  for (int64_t s = 0; s < T; s++)
    {
      int64_t t = reverse ? T - 1 - s : s;
      cell_step (cfg, p, n, gi + t * n * G, h, c, hg, hy, k, t * n);
      for (int64_t r = 0; r < n; r++)
        memcpy (out + (t * n + r) * out_stride + off, h + r * hr, (size_t) hr * sizeof (float));
    }
  return TRUE;
}

/* The input's layout: T steps of n rows (time-major after batch_first's transpose). */
typedef struct {
  int64_t T, n, in;
  gboolean batched;
} SeqShape;

static gboolean
seq_shape (PsModule *self, const RnnConfig *cfg, const PsTensor *input, SeqShape *s, GError **error)
{
  const char *cls = ps_module_class_name (self);
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input, got %s",
                   cls, ps_dtype_name (input->dtype));
      return FALSE;
    }
  if (cfg->is_cell)
    {
      if (input->ndim != 1 && input->ndim != 2)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: Expected input to be 1-D or 2-D but received %d-D tensor",
                       cls, input->ndim);
          return FALSE;
        }
      s->T = 1;
      s->n = input->ndim == 2 ? input->shape[0] : 1;
      s->in = input->shape[input->ndim - 1];
      s->batched = input->ndim == 2;
      if (s->in != cfg->input_size)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input has inconsistent input_size: got %" G_GINT64_FORMAT
                       " expected %" G_GINT64_FORMAT, s->in, cfg->input_size);
          return FALSE;
        }
      if (!fits_int (s->n) || !fits_int (s->in) || !fits_int (gate_count (cfg->mode) * cfg->hidden_size))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s: input is too large for BLAS", cls);
          return FALSE;
        }
      return TRUE;
    }
  if (input->ndim != 2 && input->ndim != 3)
    {
      /* torch 1.13 unsqueezes any non-3-D input as "unbatched", then checks for 3 dimensions */
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input must have 3 dimensions, got %d", input->ndim + 1);
      return FALSE;
    }
  s->batched = input->ndim == 3;
  s->in = input->shape[input->ndim - 1];
  if (!s->batched)
    s->T = input->shape[0], s->n = 1;
  else if (cfg->batch_first)
    s->n = input->shape[0], s->T = input->shape[1];
  else
    s->T = input->shape[0], s->n = input->shape[1];
  if (s->in != cfg->input_size)
    {
      g_autofree char *want = ps_value_to_str (ps_args_lookup (self->args, "input_size"));   /* True as given */
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input.size(-1) must be equal to input_size. Expected %s, got %"
                   G_GINT64_FORMAT, want, s->in);
      return FALSE;
    }
  if (s->T == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected sequence length to be larger than 0 in RNN");
      return FALSE;
    }
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : cfg->hidden_size;
  int64_t rows;
  if (__builtin_mul_overflow (s->T, s->n, &rows) || !fits_int (rows) || !fits_int (s->in)
      || !fits_int (gate_count (cfg->mode) * cfg->hidden_size) || !fits_int (hr * (cfg->bidirectional ? 2 : 1)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s: input of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " rows is too large for BLAS", cls, s->T, s->n);
      return FALSE;
    }
  return TRUE;
}

/* batch-first (n, T, w) ↔ time-major (T, n, w) */
static void
swap_time_batch (const float *src, int64_t a, int64_t b, int64_t w, float *dst)
{
  for (int64_t i = 0; i < a; i++)
    for (int64_t j = 0; j < b; j++)
      memcpy (dst + (j * a + i) * w, src + (i * b + j) * w, (size_t) w * sizeof (float));
}

/* Every layer's input and output of one forward, kept for backward. */
typedef struct {
  int64_t L, ndir, rows, width;
  float **x;        /* L: layer inputs (rows, in_l), time-major; x[0] the (copied) module input */
  float **y;        /* L: layer outputs (rows, width) before dropout */
  DirCache *k;      /* L·ndir */
  float *noise;     /* (L − 1, rows, width) dropout noise, or NULL */
} SeqRun;

static void
seq_run_clear (SeqRun *run)
{
  for (int64_t l = 0; l < run->L; l++)
    {
      if (run->x)
        g_free (run->x[l]);
      if (run->y)
        g_free (run->y[l]);
      for (int64_t d = 0; run->k && d < run->ndir; d++)
        dir_cache_clear (&run->k[l * run->ndir + d]);
    }
  g_free (run->x);
  g_free (run->y);
  g_free (run->k);
  g_free (run->noise);
  memset (run, 0, sizeof *run);
}

/* The layer stack (ATen's apply_layer_stack). keep: fill run for backward (else only the last
 * output survives, in run->y[L − 1]). Dropout between layers in training: noise = bernoulli_(1 −
 * p) / (1 − p) drawn from gen, or taken from saved_noise when given (a backward's replay). */
static gboolean
seq_run (PsModule *self, const RnnConfig *cfg, const SeqShape *s, const float *x0, gboolean keep, PsGenerator *gen,
         const float *saved_noise, SeqRun *run, GError **error)
{
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  memset (run, 0, sizeof *run);
  run->L = cfg->num_layers;
  run->ndir = cfg->bidirectional ? 2 : 1;
  run->rows = s->T * s->n;
  run->width = hr * run->ndir;
  run->x = g_new0 (float *, run->L);
  run->y = g_new0 (float *, run->L);
  run->k = g_new0 (DirCache, run->L * run->ndir);
  gboolean drop = cfg->dropout != 0 && self->training && run->L > 1;
  if (drop && !alloc_f32 ((run->L - 1) * run->rows, MAX (run->width, 1), &run->noise, error))
    return FALSE;
  if (!alloc_f32 (run->rows, MAX (s->in, 1), &run->x[0], error))
    return FALSE;
  if (run->rows * s->in > 0)
    memcpy (run->x[0], x0, (size_t) (run->rows * s->in) * sizeof (float));
  int64_t cur_in = s->in;
  for (int64_t l = 0; l < run->L; l++)
    {
      if (!alloc_f32 (run->rows, MAX (run->width, 1), &run->y[l], error))
        return FALSE;
      for (int d = 0; d < run->ndir; d++)
        {
          DirParams p;
          DirCache *k = &run->k[l * run->ndir + d];
          if (!dir_params (self, cfg, l, d, &p, error)
              || (keep && !dir_cache_alloc (cfg, run->rows, k, error))
              || !run_direction (cfg, &p, run->x[l], s->T, s->n, cur_in, d == 1, run->y[l], run->width, d * hr,
                                 keep ? k : NULL, error))
            return FALSE;
        }
      if (l + 1 == run->L)
        break;
      if (!alloc_f32 (run->rows, MAX (run->width, 1), &run->x[l + 1], error))
        return FALSE;
      int64_t m = run->rows * run->width;
      if (drop)
        {
          float *noise = run->noise + l * m;
          if (saved_noise != NULL)
            memcpy (noise, saved_noise + l * m, (size_t) m * sizeof (float));
          else
            {
              for (int64_t i = 0; i < m; i++)
                noise[i] = 1.0f;
              /* at::dropout (CPU): noise.bernoulli_(1 − p).div_(1 − p); input · noise */
              if (!ps_ops_dropout (noise, noise, m, cfg->dropout, gen, error))
                return FALSE;
            }
          for (int64_t i = 0; i < m; i++)
            run->x[l + 1][i] = run->y[l][i] * noise[i];
        }
      else if (m > 0)
        memcpy (run->x[l + 1], run->y[l], (size_t) m * sizeof (float));
      if (!keep)
        {
          g_clear_pointer (&run->x[l], g_free);
          g_clear_pointer (&run->y[l], g_free);
        }
      cur_in = run->width;
    }
  return TRUE;
}

/* torch's RNN/LSTM/GRU forward hands bias, batch_first and bidirectional to _VF.rnn_tanh / lstm / gru,
 * whose argument parser takes only bools: a flag given as another Python value (2, None, 'x', which
 * __init__ took by its truthiness) fails there, after the input checks, with the parser's text. */
static gboolean
vf_args_check (PsModule *self, const RnnConfig *cfg, GError **error)
{
  const PsValue *bias = ps_args_lookup (self->args, "bias");
  const PsValue *bf = ps_args_lookup (self->args, "batch_first");
  const PsValue *bi = ps_args_lookup (self->args, "bidirectional");
  const PsValue *nl = ps_args_lookup (self->args, "num_layers");
  if (!bias->coerced && !bf->coerced && !bi->coerced && !nl->coerced)   /* num_layers: given as a bool */
    return TRUE;
  const char *fn = cfg->mode == MODE_LSTM ? "lstm" : cfg->mode == MODE_GRU ? "gru"
                   : cfg->mode == MODE_RNN_RELU ? "rnn_relu" : "rnn_tanh";
  /* _VF.<fn>(input, hx, flat_weights, bias, num_layers, dropout, training, bidirectional, batch_first) */
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "%s() received an invalid combination of arguments - got (Tensor, %s, list, %s, %s, %s, bool, %s, %s), "
               "but expected one of:", fn, cfg->mode == MODE_LSTM ? "tuple" : "Tensor",
               ps_value_given_type_name (bias),
               ps_value_given_type_name (ps_args_lookup (self->args, "num_layers")),
               ps_value_given_type_name (ps_args_lookup (self->args, "dropout")),
               ps_value_given_type_name (bi), ps_value_given_type_name (bf));
  return FALSE;
}

static PsTensor *
rnn_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  RnnConfig run_cfg = *PS_MODULE_PRIV (self, RnnConfig);
  if (self->klass == &ps_rnn_cell_class)
    {
      const PsValue *nv = ps_args_lookup (self->args, "nonlinearity");
      g_autofree char *nl = ps_value_to_str (nv);   /* str() of it, as given */
      if (nv->type != PS_VALUE_STRING || (strcmp (nl, "tanh") != 0 && strcmp (nl, "relu") != 0))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Unknown nonlinearity: %s", nl);
          return NULL;
        }
    }
  run_cfg.flavour = gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2;
  const RnnConfig *cfg = &run_cfg;
  SeqShape s;
  if (!seq_shape (self, cfg, input, &s, error))
    return NULL;
  if (!cfg->is_cell && !vf_args_check (self, cfg, error))
    return NULL;
  g_autofree float *x = NULL;
  if (!alloc_f32 (s.T * s.n, MAX (s.in, 1), &x, error))
    return NULL;
  if (s.batched && cfg->batch_first && !cfg->is_cell)
    swap_time_batch (ps_tensor_cf32 (input), s.n, s.T, s.in, x);
  else if (input->numel > 0)
    memcpy (x, ps_tensor_cf32 (input), (size_t) input->numel * sizeof (float));
  SeqRun run;
  if (!seq_run (self, cfg, &s, x, FALSE, gen, NULL, &run, error))
    {
      seq_run_clear (&run);
      return NULL;
    }
  int64_t shape[3];
  int ndim;
  if (cfg->is_cell)
    ndim = s.batched ? 2 : 1, shape[0] = s.batched ? s.n : run.width, shape[1] = run.width;
  else if (!s.batched)
    ndim = 2, shape[0] = s.T, shape[1] = run.width;
  else if (cfg->batch_first)
    ndim = 3, shape[0] = s.n, shape[1] = s.T, shape[2] = run.width;
  else
    ndim = 3, shape[0] = s.T, shape[1] = s.n, shape[2] = run.width;
  PsTensor *out = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (out != NULL)
    {
      float *o = ps_tensor_f32 (out);
      const float *yl = run.y[run.L - 1];
      if (s.batched && cfg->batch_first && !cfg->is_cell)
        {
          swap_time_batch (yl, s.T, s.n, run.width, o);
          out->swapped01 = TRUE;   /* torch returns output.transpose(0, 1) */
        }
      else if (out->numel > 0)
        memcpy (o, yl, (size_t) out->numel * sizeof (float));
      if (run.noise != NULL && ps_tape_recording ())
        {
          /* the dropout noise between layers, for backward */
          g_autoptr (PsTensor) nz = ps_tensor_new_1d (PS_DTYPE_FLOAT32, (run.L - 1) * run.rows * run.width, error);
          if (nz == NULL)
            g_clear_pointer (&out, ps_tensor_unref);
          else
            {
              memcpy (ps_tensor_f32 (nz), run.noise, (size_t) nz->numel * sizeof (float));
              ps_tape_save (nz);
            }
        }
    }
  seq_run_clear (&run);
  return out;
}

/* ---------- backward ---------- */

/* Autograd's backward of the ATen ops above (FunctionsManual.cpp, derivatives.yaml), op by op:
 *   addmm/mm: grad_mat1 = g.mm(W) (mm_mat1_backward), grad_W = g.t().mm(x) (mm_mat2_backward of
 *   W.t(), which is column-major), grad_bias = g.sum(0) (sum_to, ATen's cascade sum);
 *   sigmoid_backward (g·(1 − y))·y; tanh_backward g·fmaf(−y, y, 1) (GCC's contraction, both
 *   paths; g·(1 − y·y) under ATEN_CPU_CAPABILITY=default, tanh_grad); threshold_backward (relu) y <= 0 ? 0 : g; mul: g·other.
 * Gradients meeting at one tensor are summed in the engine's order (InputBuffer: old + new): a
 * step's W_hh/b_hh/W_hr gradients reach AccumulateGrad last step first; the hidden state h_{t−1}
 * of a GRU gets the output's gradient, then (h − n)'s, then the h·W_hhᵀ product's. */

/* gx (N, in) = gy.mm(W) for y = x·Wᵀ with x contiguous (N, in) (mm_mat1_backward; a
 * column-major x, i.e. N = 1 or in = 1 with torch's strides, gives W.t().mm(gy.t()).t()). */
static gboolean
mm_grad_input (const float *gy, int64_t N, int64_t out, const float *W, int64_t in, float *gx, GError **error)
{
  PsMatView xv = ps_mat_view (gx, N, in);
  PsMatView wt = ps_mat_view_t (ps_mat_view (W, out, in));
  PsMatView gyv = ps_mat_view (gy, N, out);
  if (xv.stride[0] == 1 && xv.stride[1] == N)
    {
      g_autofree float *tmp = NULL;
      if (!alloc_f32 (in, MAX (N, 1), &tmp, error) || !ps_aten_mm (wt, ps_mat_view_t (gyv), tmp, error))
        return FALSE;
      for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < in; j++)
          gx[i * in + j] = tmp[j * N + i];
      return TRUE;
    }
  return ps_aten_mm (gyv, ps_mat_view_t (wt), gx, error);
}

/* gW (out, in) = gy.t().mm(x) */
static gboolean
mm_grad_weight (const float *gy, int64_t N, int64_t out, const float *x, int64_t in, float *gw, GError **error)
{
  return ps_aten_mm (ps_mat_view_t (ps_mat_view (gy, N, out)), ps_mat_view (x, N, in), gw, error);
}

/* acc = new (first use) or acc + new (InputBuffer::accumulate) */
static void
accumulate (float *acc, const float *v, int64_t n, gboolean first)
{
  if (first)
    memcpy (acc, v, (size_t) n * sizeof (float));
  else
    for (int64_t i = 0; i < n; i++)
      acc[i] = acc[i] + v[i];
}

typedef struct {
  float *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;   /* gradients (NULL when the parameter does not exist) */
} DirGrads;

/* tanh_backward g·(1 − y²): torch's AVX2 build contracts it to g·fmaf(−y, y, 1); the
 * ATEN_CPU_CAPABILITY=default build (no FMA) rounds y·y first. */
static inline float
tanh_grad (float g, float y, gboolean fused)
{
  return fused ? g * fmaf (-y, y, 1.0f) : g * (1.0f - y * y);
}

/* One direction of one layer, backward through time. x (T·n, in): the layer input; y: the layer
 * output (row stride ys, this direction's columns from off); gy: the output's gradient (same
 * layout); gx (T·n, in) or NULL: receives the layer input's gradient. */
static gboolean
dir_backward (const RnnConfig *cfg, const DirParams *p, const DirCache *k, const float *x, int64_t T, int64_t n,
              int64_t in, gboolean reverse, const float *y, const float *gy, int64_t ys, int64_t off, DirGrads *gr,
              float *gx, GError **error)
{
  const int64_t H = cfg->hidden_size;
  const int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  const int64_t G = gate_count (cfg->mode) * H;
  const gboolean fused = cfg->flavour != PS_FLAVOUR_DEFAULT;
  g_autofree float *dgi = NULL, *dhg = NULL, *dh = NULL, *dmm = NULL, *dsub = NULL, *dc = NULL, *dhy = NULL;
  g_autofree float *hprev = NULL, *gw = NULL, *gb = NULL, *gwr = NULL, *cprev = NULL;
  if (!alloc_f32 (T * n, G, &dgi, error) || !alloc_f32 (n, G, &dhg, error) || !alloc_f32 (n, hr, &dh, error)
      || !alloc_f32 (n, hr, &dmm, error) || !alloc_f32 (n, H, &dsub, error) || !alloc_f32 (n, H, &dc, error)
      || !alloc_f32 (n, H, &dhy, error) || !alloc_f32 (n, hr, &hprev, error) || !alloc_f32 (G, hr, &gw, error)
      || !alloc_f32 (1, G, &gb, error) || !alloc_f32 (n, H, &cprev, error)
      || (cfg->proj_size > 0 && !alloc_f32 (hr, H, &gwr, error)))
    return FALSE;
  for (int64_t s = T - 1; s >= 0; s--)
    {
      const int64_t t = reverse ? T - 1 - s : s;
      const int64_t tp = reverse ? t + 1 : t - 1;   /* the step before, in processing order */
      const gboolean last = s == T - 1;
      /* h_{t−1}: the previous output, or the zero initial state */
      for (int64_t r = 0; r < n; r++)
        {
          if (s == 0)
            memset (hprev + r * hr, 0, (size_t) hr * sizeof (float));
          else
            memcpy (hprev + r * hr, y + (tp * n + r) * ys + off, (size_t) hr * sizeof (float));
          if (cfg->mode == MODE_LSTM)
            {
              if (s == 0)
                memset (cprev + r * H, 0, (size_t) H * sizeof (float));
              else
                memcpy (cprev + r * H, k->c + (tp * n + r) * H, (size_t) H * sizeof (float));
            }
        }
      /* dh: the output's gradient, plus what the step after sent back */
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < hr; j++)
          {
            float g = gy[(t * n + r) * ys + off + j];
            if (!last)
              g = cfg->mode == MODE_GRU ? (g + dsub[r * H + j]) + dmm[r * hr + j] : g + dmm[r * hr + j];
            dh[r * hr + j] = g;
          }
      float *gi_t = dgi + t * n * G;
      const float *act = k->act + t * n * G;
      switch (cfg->mode)
        {
        case MODE_RNN_TANH:
        case MODE_RNN_RELU:
          for (int64_t i = 0; i < n * H; i++)
            {
              float hv = act[i];
              gi_t[i] = cfg->mode == MODE_RNN_TANH ? tanh_grad (dh[i], hv, fused) : (hv <= 0.0f ? 0.0f : dh[i]);
            }
          break;
        case MODE_LSTM:
          {
            const float *hyv = dh;
            if (cfg->proj_size > 0)
              {
                /* h = hy.mm(W_hr.t()) */
                if (!mm_grad_input (dh, n, hr, p->w_hr, H, dhy, error)
                    || !mm_grad_weight (dh, n, hr, k->hy + t * n * H, H, gwr, error))
                  return FALSE;
                accumulate (gr->w_hr, gwr, hr * H, last);
                hyv = dhy;
              }
            for (int64_t r = 0; r < n; r++)
              for (int64_t j = 0; j < H; j++)
                {
                  const float *a = act + r * G;
                  float ig = a[j], fg = a[H + j], gg = a[2 * H + j], og = a[3 * H + j];
                  int64_t e = (t * n + r) * H + j;
                  float tc = k->tc[e];
                  float dho = hyv[r * H + j];
                  float d_o = dho * tc;
                  float d_tc = dho * og;
                  float dcy = tanh_grad (d_tc, tc, fused);
                  if (!last)
                    dcy = dcy + dc[r * H + j];
                  float d_f = dcy * cprev[r * H + j];
                  float d_i = dcy * gg;
                  float d_g = dcy * ig;
                  dc[r * H + j] = dcy * fg;   /* to c_{t−1} */
                  float *gt = gi_t + r * G;
                  gt[j] = (d_i * (1.0f - ig)) * ig;
                  gt[H + j] = (d_f * (1.0f - fg)) * fg;
                  gt[2 * H + j] = tanh_grad (d_g, gg, fused);
                  gt[3 * H + j] = (d_o * (1.0f - og)) * og;
                }
            break;
          }
        case MODE_GRU:
          for (int64_t r = 0; r < n; r++)
            for (int64_t j = 0; j < H; j++)
              {
                const float *a = act + r * G;
                float rg = a[j], zg = a[H + j], ng = a[2 * H + j];
                float hp = hprev[r * H + j];
                float d = dh[r * H + j];
                float diff = hp - ng;
                float d_diff = d * zg;                /* (h − n).mul_(z): grad·z */
                float d_z = d * diff;
                dsub[r * H + j] = d_diff;             /* to h_{t−1} */
                float dng = d + (-d_diff);            /* add_(n) then −(h − n) */
                float d_npre = tanh_grad (dng, ng, fused);
                float d_r = d_npre * k->hgn[(t * n + r) * H + j];
                float *gt = gi_t + r * G;
                gt[j] = (d_r * (1.0f - rg)) * rg;
                gt[H + j] = (d_z * (1.0f - zg)) * zg;
                gt[2 * H + j] = d_npre;
                dhg[r * G + j] = gt[j];
                dhg[r * G + H + j] = gt[H + j];
                dhg[r * G + 2 * H + j] = d_npre * rg;   /* h_n.mul_(r): grad·r */
              }
          break;
        }
      const float *dhgv = cfg->mode == MODE_GRU ? dhg : gi_t;
      /* hg = addmm(b_hh, h_{t−1}, W_hh.t()) */
      if (!mm_grad_weight (dhgv, n, G, hprev, hr, gw, error))
        return FALSE;
      accumulate (gr->w_hh, gw, G * hr, last);
      if (gr->b_hh != NULL)
        {
          ps_reduce_sum_dim0 (dhgv, n, G, gb);
          accumulate (gr->b_hh, gb, G, last);
        }
      if (s > 0 && !mm_grad_input (dhgv, n, G, p->w_hh, hr, dmm, error))
        return FALSE;
    }
  /* the input projection: addmm(b_ih, x.view(T·n, in), W_ih.t()) */
  if (!mm_grad_weight (dgi, T * n, G, x, in, gr->w_ih, error))
    return FALSE;
  if (gr->b_ih != NULL)
    ps_reduce_sum_dim0 (dgi, T * n, G, gr->b_ih);
  if (gx != NULL && !mm_grad_input (dgi, T * n, G, p->w_ih, in, gx, error))
    return FALSE;
  return TRUE;
}

/* New parameter-gradient tensors for one direction, shaped like the parameters. */
static gboolean
dir_grads_new (PsModule *self, const RnnConfig *cfg, int64_t layer, int dir, PsTensor *t[5], GError **error)
{
  const char *base[5] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr" };
  for (int i = 0; i < 5; i++)
    {
      t[i] = NULL;
      g_autofree char *name = cfg->is_cell ? g_strdup (base[i])
                                           : g_strdup_printf ("%s_l%" G_GINT64_FORMAT "%s", base[i], layer,
                                                              dir == 1 ? "_reverse" : "");
      PsParam *p = ps_module_get_param (self, name);
      if (p == NULL || p->value == NULL)
        continue;
      if ((t[i] = ps_tensor_new_empty (PS_DTYPE_FLOAT32, p->value->ndim, p->value->shape, error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
rnn_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
              PsGradSink *sink, GError **error)
{
  RnnConfig run_cfg = *PS_MODULE_PRIV (self, RnnConfig);
  run_cfg.flavour = entry->flavour;
  const RnnConfig *cfg = &run_cfg;
  const PsTensor *input = entry->input;
  SeqShape s;
  if (!seq_shape (self, cfg, input, &s, error))
    return FALSE;
  const gboolean swap = s.batched && cfg->batch_first && !cfg->is_cell;
  g_autofree float *x = NULL, *gtop = NULL;
  if (!alloc_f32 (s.T * s.n, MAX (s.in, 1), &x, error))
    return FALSE;
  if (swap)
    swap_time_batch (ps_tensor_cf32 (input), s.n, s.T, s.in, x);
  else if (input->numel > 0)
    memcpy (x, ps_tensor_cf32 (input), (size_t) input->numel * sizeof (float));
  /* replay the forward, keeping what backward needs (same bits; dropout noise from the tape) */
  const gboolean drop = cfg->dropout != 0 && self->training && cfg->num_layers > 1;
  const int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : cfg->hidden_size;
  const int64_t width = hr * (cfg->bidirectional ? 2 : 1), rows = s.T * s.n;
  if (drop && (entry->saved == NULL || entry->saved->numel != (cfg->num_layers - 1) * rows * width))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s backward: the dropout noise of the forward was not recorded", ps_module_class_name (self));
      return FALSE;
    }
  SeqRun run;
  if (!seq_run (self, cfg, &s, x, TRUE, NULL, drop ? ps_tensor_cf32 (entry->saved) : NULL, &run, error))
    {
      seq_run_clear (&run);
      return FALSE;
    }
  gboolean ok = FALSE;
  g_autoptr (GPtrArray) grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  float *gcur = NULL;   /* gradient of the current layer's output (rows, width) */
  if (!alloc_f32 (rows, MAX (width, 1), &gtop, error))
    goto out;
  if (swap)
    swap_time_batch (ps_tensor_cf32 (grad_output), s.n, s.T, width, gtop);
  else if (grad_output->numel > 0)
    memcpy (gtop, ps_tensor_cf32 (grad_output), (size_t) grad_output->numel * sizeof (float));
  gcur = g_steal_pointer (&gtop);
  for (int64_t l = run.L - 1; l >= 0; l--)
    {
      const int64_t in_l = l == 0 ? s.in : width;
      const gboolean need_gx = l > 0 || grad_input != NULL;
      g_autofree float *gx = NULL, *gx2 = NULL;
      if (need_gx && (!alloc_f32 (rows, MAX (in_l, 1), &gx, error) || !alloc_f32 (rows, MAX (in_l, 1), &gx2, error)))
        goto out;
      for (int d = 0; d < run.ndir; d++)
        {
          DirParams p;
          PsTensor *t[5];
          if (!dir_params (self, cfg, l, d, &p, error) || !dir_grads_new (self, cfg, l, d, t, error))
            goto out;
          const char *base[5] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr" };
          DirGrads gr = { 0 };
          float **slot[5] = { &gr.w_ih, &gr.w_hh, &gr.b_ih, &gr.b_hh, &gr.w_hr };
          for (int i = 0; i < 5; i++)
            if (t[i] != NULL)
              {
                *slot[i] = ps_tensor_f32 (t[i]);
                g_ptr_array_add (grads, t[i]);
                g_ptr_array_add (names, cfg->is_cell ? g_strdup (base[i])
                                                     : g_strdup_printf ("%s_l%" G_GINT64_FORMAT "%s", base[i], l,
                                                                        d == 1 ? "_reverse" : ""));
              }
          if (!dir_backward (cfg, &p, &run.k[l * run.ndir + d], run.x[l], s.T, s.n, in_l, d == 1, run.y[l], gcur,
                             width, d * hr, &gr, need_gx ? (d == 0 ? gx : gx2) : NULL, error))
            goto out;
          if (need_gx && d == 1)
            for (int64_t i = 0; i < rows * in_l; i++)
              gx[i] = gx[i] + gx2[i];   /* the layer input feeds both directions */
        }
      g_free (gcur);
      gcur = g_steal_pointer (&gx);
      if (l > 0 && run.noise != NULL)
        {
          const float *noise = run.noise + (l - 1) * rows * width;
          for (int64_t i = 0; i < rows * width; i++)
            gcur[i] = gcur[i] * noise[i];   /* x · noise: grad · noise */
        }
    }
  if (grad_input != NULL)
    {
      PsTensor *gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
      if (gi == NULL)
        goto out;
      if (swap)
        swap_time_batch (gcur, s.T, s.n, s.in, ps_tensor_f32 (gi));
      else if (gi->numel > 0)
        memcpy (ps_tensor_f32 (gi), gcur, (size_t) gi->numel * sizeof (float));
      *grad_input = gi;
    }
  for (guint i = 0; i < grads->len; i++)
    ps_grad_sink_add (sink, ps_module_get_param (self, names->pdata[i]), grads->pdata[i]);
  ok = TRUE;
out:
  g_free (gcur);
  seq_run_clear (&run);
  return ok;
}

/* A sequence of 5 steps, batch 1 ([5, 1, input_size], or [1, 5, …] batch_first); a cell takes
 * [1, input_size]. */
static void
rnn_example_input (const PsModule *self, PsExampleInput *ex)
{
  const RnnConfig *c = PS_MODULE_PRIV (self, RnnConfig);
  if (c->is_cell)
    ps_example_input_set (ex, 2, (int64_t[]) { 1, c->input_size });
  else
    ps_example_input_set (ex, 3, (int64_t[]) { c->batch_first ? 1 : 5, c->batch_first ? 5 : 1, c->input_size });
}

/* ---------- classes ---------- */

/* RNN(..., proj_size=…) and GRU: torch refuses the name, whatever the value */
static gboolean
refuse_proj_size (const PsArgs *given, GError **error)
{
  if (ps_args_lookup (given, "proj_size") == NULL)
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "proj_size argument is only supported for LSTM, not RNN or GRU");
  return FALSE;
}

/* owner: the __init__ that takes the keywords (RNN, LSTM, GRU hand them to RNNBase's); swapped: the
 * output is output.transpose(0, 1) under batch_first=True */
#define RNN_CLASS(var, cname, argtab, ctor, fwd, tuple, check, owner, swapped) \
  const PsModuleClass var = {                        \
    .name = cname,                                   \
    .args = argtab,                                  \
    .priv_size = sizeof (RnnConfig),                 \
    .construct = ctor,                               \
    .reset_parameters = rnn_reset_parameters,        \
    .forward = fwd,                                  \
    .extra_repr = rnn_extra_repr,                    \
    .example_input = rnn_example_input,              \
    .returns_tuple = tuple,                          \
    .backward = (gpointer) rnn_backward,             \
    .tuple_note = "[0]: the output (the second value is the state)", \
    .check_given_args = check,                       \
    .init_owner = owner,                             \
    .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),   \
    .batch_first_swaps_output = swapped,             \
  }

RNN_CLASS (ps_rnn_class, "RNN", rnn_args, rnn_construct, rnn_forward, TRUE, refuse_proj_size, "RNNBase", TRUE);
RNN_CLASS (ps_lstm_class, "LSTM", lstm_args, lstm_construct, rnn_forward, TRUE, NULL, "RNNBase", TRUE);
RNN_CLASS (ps_gru_class, "GRU", gru_args, gru_construct, rnn_forward, TRUE, refuse_proj_size, "RNNBase", TRUE);
RNN_CLASS (ps_rnn_cell_class, "RNNCell", rnn_cell_args, rnn_cell_construct, rnn_forward, FALSE, NULL, NULL, FALSE);
RNN_CLASS (ps_lstm_cell_class, "LSTMCell", cell_args, lstm_cell_construct, rnn_forward, TRUE, NULL, NULL, FALSE);
RNN_CLASS (ps_gru_cell_class, "GRUCell", cell_args, gru_cell_construct, rnn_forward, FALSE, NULL, NULL, FALSE);
