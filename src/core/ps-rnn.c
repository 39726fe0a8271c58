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
 * ReLU variants are bit-exact against torch with the same OpenBLAS; tanh/sigmoid use glibc's
 * tanhf/expf where torch uses Sleef, so those outputs agree to ~1e-7 (tests/core/test-rnn.c). torch's
 * dropout>0 with num_layers=1 UserWarning is not reproduced (there is no warning channel). */
#include "ps-layers.h"
#include "ps-ops.h"

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

#define ARG_SIZE(n, d) { .name = n, .kind = PS_ARG_INT, .required = TRUE, .doc = d }
#define ARG_INT(n, v, d) { .name = n, .kind = PS_ARG_INT, .def_int = v, .doc = d }
#define ARG_BOOL(n, v, d) { .name = n, .kind = PS_ARG_BOOL, .def_bool = v, .doc = d }
#define ARG_DROPOUT { .name = "dropout", .kind = PS_ARG_FLOAT, .def_double = 0.0, \
                      .doc = "dropout probability on the outputs of every layer but the last (training)" }
#define ARG_NONLIN { .name = "nonlinearity", .kind = PS_ARG_STRING, .def_string = "tanh", \
                     .doc = "'tanh' or 'relu'" }

static const PsArgSpec rnn_args[] = {
  ARG_SIZE ("input_size", "features of the input x"),
  ARG_SIZE ("hidden_size", "features of the hidden state h"),
  ARG_INT ("num_layers", 1, "number of stacked recurrent layers"),
  ARG_NONLIN,
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"),
  ARG_BOOL ("batch_first", FALSE, "input and output are (batch, seq, feature)"),
  ARG_DROPOUT,
  ARG_BOOL ("bidirectional", FALSE, "add a reverse direction"),
  { NULL }
};

static const PsArgSpec lstm_args[] = {
  ARG_SIZE ("input_size", "features of the input x"),
  ARG_SIZE ("hidden_size", "features of the hidden state h"),
  ARG_INT ("num_layers", 1, "number of stacked recurrent layers"),
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"),
  ARG_BOOL ("batch_first", FALSE, "input and output are (batch, seq, feature)"),
  ARG_DROPOUT,
  ARG_BOOL ("bidirectional", FALSE, "add a reverse direction"),
  ARG_INT ("proj_size", 0, "if > 0, project h to this size with weight_hr"),
  { NULL }
};

static const PsArgSpec gru_args[] = {
  ARG_SIZE ("input_size", "features of the input x"),
  ARG_SIZE ("hidden_size", "features of the hidden state h"),
  ARG_INT ("num_layers", 1, "number of stacked recurrent layers"),
  ARG_BOOL ("bias", TRUE, "use bias_ih and bias_hh"),
  ARG_BOOL ("batch_first", FALSE, "input and output are (batch, seq, feature)"),
  ARG_DROPOUT,
  ARG_BOOL ("bidirectional", FALSE, "add a reverse direction"),
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

static gboolean
register_f32 (PsModule *self, const char *name, int ndim, const int64_t *shape, GError **error)
{
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (t == NULL)
    return FALSE;
  ps_module_register (self, name, t, FALSE);
  return TRUE;
}

/* Reads and validates the arguments into cfg; registers nothing. Checks, their order and their
 * messages are torch 1.13's (tests/doc/test-module-args.c), also where its message is an accident
 * of its Python code (hidden_size=0 reports proj_size; num_layers=0 is an IndexError, said with a
 * plain-words prefix). */
/* More layers than anyone trains; keeps registration (quadratic in the parameter count) fast. */
#define PS_RNN_MAX_LAYERS 4096

static gboolean
read_config (const PsModule *self, RnnMode mode, gboolean is_cell, RnnConfig *cfg, GError **error)
{
  const PsArgs *a = self->args;
  memset (cfg, 0, sizeof *cfg);
  cfg->mode = mode;
  cfg->is_cell = is_cell;
  cfg->input_size = ps_args_get_int (a, "input_size");
  cfg->hidden_size = ps_args_get_int (a, "hidden_size");
  cfg->bias = ps_args_get_bool (a, "bias");
  cfg->num_layers = 1;

  if (mode == MODE_RNN_TANH)
    {
      const char *nl = ps_args_get_string (a, "nonlinearity");
      if (strcmp (nl, "relu") == 0)
        cfg->mode = MODE_RNN_RELU;
      else if (strcmp (nl, "tanh") != 0)
        {
          /* torch's RNNCell only complains at forward; we refuse at construction, same words */
          if (is_cell)
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Unknown nonlinearity: %s", nl);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Unknown nonlinearity '%s'", nl);
          return FALSE;
        }
    }

  int64_t gates = gate_count (mode);
  int64_t g;
  if (is_cell)
    {
      if (__builtin_mul_overflow (gates, cfg->hidden_size, &g))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "hidden_size %" G_GINT64_FORMAT " is too large",
                       cfg->hidden_size);
          return FALSE;
        }
      if (g < 0 || cfg->input_size < 0)
        return negative_dim_error (g, cfg->input_size, error);
      return TRUE;
    }

  cfg->num_layers = ps_args_get_int (a, "num_layers");
  cfg->batch_first = ps_args_get_bool (a, "batch_first");
  cfg->bidirectional = ps_args_get_bool (a, "bidirectional");
  cfg->dropout = ps_args_get_double (a, "dropout");
  cfg->proj_size = mode == MODE_LSTM ? ps_args_get_int (a, "proj_size") : 0;

  if (!(cfg->dropout >= 0.0 && cfg->dropout <= 1.0))
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
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "hidden_size %" G_GINT64_FORMAT " is too large",
                   cfg->hidden_size);
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
  if (cfg->input_size < 0)
    return negative_dim_error (g, cfg->input_size, error);
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
      if (!register_f32 (self, "weight_ih", 2, sih, error)
          || !register_f32 (self, "weight_hh", 2, shh, error))
        return FALSE;
      if (cfg.bias && (!register_f32 (self, "bias_ih", 1, sb, error)
                       || !register_f32 (self, "bias_hh", 1, sb, error)))
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
        if (!register_f32 (self, wih, 2, sih, error) || !register_f32 (self, whh, 2, shh, error))
          return FALSE;
        if (cfg.bias && (!register_f32 (self, bih, 1, sb, error) || !register_f32 (self, bhh, 1, sb, error)))
          return FALSE;
        if (cfg.proj_size > 0 && !register_f32 (self, whr, 2, shr, error))
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
  g_string_append_printf (s, "%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT, c->input_size, c->hidden_size);
  if (c->is_cell)
    {
      if (!c->bias)
        g_string_append (s, ", bias=False");
      if (c->mode == MODE_RNN_RELU)
        g_string_append (s, ", nonlinearity=relu");
      return g_string_free (s, FALSE);
    }
  if (c->proj_size != 0)
    g_string_append_printf (s, ", proj_size=%" G_GINT64_FORMAT, c->proj_size);
  if (c->num_layers != 1)
    g_string_append_printf (s, ", num_layers=%" G_GINT64_FORMAT, c->num_layers);
  if (!c->bias)
    g_string_append (s, ", bias=False");
  if (c->batch_first)
    g_string_append (s, ", batch_first=True");
  if (c->dropout != 0)
    {
      g_autofree char *d = ps_value_to_python (ps_args_lookup (self->args, "dropout"));
      g_string_append_printf (s, ", dropout=%s", d);
    }
  if (c->bidirectional)
    g_string_append (s, ", bidirectional=True");
  return g_string_free (s, FALSE);
}

/* ---------- forward kernels ---------- */

static gboolean
fits_int (int64_t v)
{
  return v >= 0 && v <= INT_MAX;
}

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

typedef struct {
  const float *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;   /* b_*, w_hr may be NULL */
} DirParams;

/* One time step for a batch of n rows. gi (n, G) = x·W_ihᵀ + b_ih for this step; h (n, hr) and
 * c (n, H) hold the previous state and receive the new one. hg (n, G) and hy (n, H) are scratch.
 * The gate math mirrors ATen's cells op by op (each ATen op rounds once). */
static void
cell_step (const RnnConfig *cfg, const DirParams *p, int64_t n, const float *gi, float *h, float *c,
           float *hg, float *hy)
{
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  int64_t G = gate_count (cfg->mode) * H;
  ps_ops_linear_rows (h, n, hr, p->w_hh, G, p->b_hh, hg);
  for (int64_t r = 0; r < n; r++)
    {
      const float *ig = gi + r * G;
      const float *hgr = hg + r * G;
      switch (cfg->mode)
        {
        case MODE_RNN_TANH:
          for (int64_t j = 0; j < H; j++)
            h[r * H + j] = tanhf (hgr[j] + ig[j]);
          break;
        case MODE_RNN_RELU:
          for (int64_t j = 0; j < H; j++)
            {
              float v = hgr[j] + ig[j];
              h[r * H + j] = v > 0.0f ? v : (isnan (v) ? v : 0.0f);
            }
          break;
        case MODE_LSTM:
          /* gates = hg + gi; chunks [i|f|g|o]; cy = f·cx + i·g; hy = o·tanh(cy) */
          for (int64_t j = 0; j < H; j++)
            {
              float ingate = sigmoidf (hgr[j] + ig[j]);
              float forget = sigmoidf (hgr[H + j] + ig[H + j]);
              float cellg = tanhf (hgr[2 * H + j] + ig[2 * H + j]);
              float outg = sigmoidf (hgr[3 * H + j] + ig[3 * H + j]);
              float fc = forget * c[r * H + j];
              float icg = ingate * cellg;
              float cy = fc + icg;
              c[r * H + j] = cy;
              hy[r * H + j] = outg * tanhf (cy);
            }
          break;
        case MODE_GRU:
          /* chunks [r|z|n]: r = σ(h_r + i_r); z = σ(h_z + i_z); n = tanh(i_n + h_n·r);
           * h' = (h − n)·z + n */
          for (int64_t j = 0; j < H; j++)
            {
              float rg = sigmoidf (hgr[j] + ig[j]);
              float zg = sigmoidf (hgr[H + j] + ig[H + j]);
              float hn = hgr[2 * H + j] * rg;
              float ng = tanhf (ig[2 * H + j] + hn);
              float diff = h[r * H + j] - ng;
              float prod = diff * zg;
              h[r * H + j] = prod + ng;
            }
          break;
        }
    }
  if (cfg->mode == MODE_LSTM)
    {
      if (cfg->proj_size > 0)
        ps_ops_linear_rows (hy, n, H, p->w_hr, hr, NULL, h);   /* h = hy·W_hrᵀ (matmul, no bias) */
      else
        memcpy (h, hy, (size_t) (n * H) * sizeof (float));
    }
}

/* The parameter's data, after checking it is there with the shape this configuration needs (a
 * state loaded from a file could hold anything). dims[k] < 0 ends the shape. */
static const float *
param_checked (PsModule *self, const char *name, int ndim, const int64_t *dims, GError **error)
{
  PsParam *p = ps_module_get_param (self, name);
  g_autofree char *want = ps_shape_to_string (ndim, dims);
  if (p == NULL || p->value == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED, "%s: parameter %s is missing",
                   ps_module_class_name (self), name);
      return NULL;
    }
  gboolean ok = p->value->dtype == PS_DTYPE_FLOAT32 && p->value->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    ok = p->value->shape[i] == dims[i];
  if (!ok)
    {
      g_autofree char *got = ps_tensor_shape_string (p->value);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: %s is %s %s, expected float32 %s",
                   ps_module_class_name (self), name, ps_dtype_name (p->value->dtype), got, want);
      return NULL;
    }
  return ps_tensor_cf32 (p->value);
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
  int64_t n;
  if (__builtin_mul_overflow (a, b, &n) || n > (int64_t) (PS_TENSOR_MAX_BYTES / sizeof (float)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "RNN working buffer of %" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT " floats is too large", a, b);
      return FALSE;
    }
  if (!ps_tensor_check_scratch ((guint64) n * sizeof (float), "an RNN working buffer", error))
    return FALSE;
  *out = g_try_malloc0 ((gsize) MAX (n, 1) * sizeof (float));
  if (*out == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for an RNN working buffer");
      return FALSE;
    }
  return TRUE;
}

/* Runs one direction of one layer over x (T, n, in) time-major and writes h_t into
 * out[t, r, off .. off + hr) (row stride out_stride). */
static gboolean
run_direction (const RnnConfig *cfg, const DirParams *p, const float *x, int64_t T, int64_t n, int64_t in,
               gboolean reverse, float *out, int64_t out_stride, int64_t off, GError **error)
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
      cell_step (cfg, p, n, gi + t * n * G, h, c, hg, hy);
      for (int64_t r = 0; r < n; r++)
        memcpy (out + (t * n + r) * out_stride + off, h + r * hr, (size_t) hr * sizeof (float));
    }
  return TRUE;
}

static PsTensor *
rnn_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  const RnnConfig *cfg = PS_MODULE_PRIV (self, RnnConfig);
  const char *cls = ps_module_class_name (self);
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input, got %s",
                   cls, ps_dtype_name (input->dtype));
      return NULL;
    }
  if (input->ndim != 2 && input->ndim != 3)
    {
      /* torch 1.13 unsqueezes any non-3-D input as "unbatched", then checks for 3 dimensions */
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input must have 3 dimensions, got %d", input->ndim + 1);
      return NULL;
    }
  gboolean batched = input->ndim == 3;
  int64_t T, n, in = input->shape[input->ndim - 1];
  if (!batched)
    T = input->shape[0], n = 1;
  else if (cfg->batch_first)
    n = input->shape[0], T = input->shape[1];
  else
    T = input->shape[0], n = input->shape[1];
  if (in != cfg->input_size)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input.size(-1) must be equal to input_size. Expected %"
                   G_GINT64_FORMAT ", got %" G_GINT64_FORMAT, cfg->input_size, in);
      return NULL;
    }
  if (T == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected sequence length to be larger than 0 in RNN");
      return NULL;
    }
  int64_t H = cfg->hidden_size;
  int64_t hr = cfg->proj_size > 0 ? cfg->proj_size : H;
  int ndir = cfg->bidirectional ? 2 : 1;
  int64_t width = hr * ndir;
  int64_t rows;
  if (__builtin_mul_overflow (T, n, &rows) || !fits_int (rows) || !fits_int (in)
      || !fits_int (gate_count (cfg->mode) * H) || !fits_int (width))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s: input of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " rows is too large for BLAS", cls, T, n);
      return NULL;
    }

  /* time-major copy of the input: x[t, r, :] */
  g_autofree float *x = NULL;
  if (!alloc_f32 (rows, MAX (in, 1), &x, error))
    return NULL;
  const float *src = ps_tensor_cf32 (input);
  if (batched && cfg->batch_first)
    {
      for (int64_t t = 0; t < T; t++)
        for (int64_t r = 0; r < n; r++)
          memcpy (x + (t * n + r) * in, src + (r * T + t) * in, (size_t) in * sizeof (float));
    }
  else if (rows * in > 0)
    memcpy (x, src, (size_t) (rows * in) * sizeof (float));

  int64_t cur_in = in;
  for (int64_t l = 0; l < cfg->num_layers; l++)
    {
      float *y = NULL;
      if (!alloc_f32 (rows, MAX (width, 1), &y, error))
        return NULL;
      for (int d = 0; d < ndir; d++)
        {
          DirParams p;
          if (!dir_params (self, cfg, l, d, &p, error)
              || !run_direction (cfg, &p, x, T, n, cur_in, d == 1, y, width, d * hr, error))
            {
              g_free (y);
              return NULL;
            }
        }
      if (cfg->dropout != 0 && self->training && l < cfg->num_layers - 1
          && !ps_ops_dropout (y, y, rows * width, cfg->dropout, gen, error))
        {
          g_free (y);
          return NULL;
        }
      g_free (x);
      x = y;
      cur_in = width;
    }

  int64_t shape[3];
  int ndim;
  if (!batched)
    ndim = 2, shape[0] = T, shape[1] = width;
  else if (cfg->batch_first)
    ndim = 3, shape[0] = n, shape[1] = T, shape[2] = width;
  else
    ndim = 3, shape[0] = T, shape[1] = n, shape[2] = width;
  PsTensor *out = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (out == NULL)
    return NULL;
  float *o = ps_tensor_f32 (out);
  if (batched && cfg->batch_first)
    {
      for (int64_t t = 0; t < T; t++)
        for (int64_t r = 0; r < n; r++)
          memcpy (o + (r * T + t) * width, x + (t * n + r) * width, (size_t) width * sizeof (float));
    }
  else if (rows * width > 0)
    memcpy (o, x, (size_t) (rows * width) * sizeof (float));
  return out;
}

/* Cells: input (n, in) or unbatched (in), zero initial state; returns h' (LSTMCell: h', not c'). */
static PsTensor *
cell_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  const RnnConfig *cfg = PS_MODULE_PRIV (self, RnnConfig);
  const char *cls = ps_module_class_name (self);
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input, got %s",
                   cls, ps_dtype_name (input->dtype));
      return NULL;
    }
  if (input->ndim != 1 && input->ndim != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: Expected input to be 1-D or 2-D but received %d-D tensor",
                   cls, input->ndim);
      return NULL;
    }
  int64_t n = input->ndim == 2 ? input->shape[0] : 1;
  int64_t in = input->shape[input->ndim - 1];
  if (in != cfg->input_size)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "input has inconsistent input_size: got %" G_GINT64_FORMAT
                   " expected %" G_GINT64_FORMAT, in, cfg->input_size);
      return NULL;
    }
  int64_t H = cfg->hidden_size;
  int64_t G = gate_count (cfg->mode) * H;
  if (!fits_int (n) || !fits_int (in) || !fits_int (G))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s: input is too large for BLAS", cls);
      return NULL;
    }
  DirParams p;
  if (!dir_params (self, cfg, 0, 0, &p, error))
    return NULL;
  g_autofree float *gi = NULL, *h = NULL, *c = NULL, *hg = NULL, *hy = NULL;
  if (!alloc_f32 (n, G, &gi, error) || !alloc_f32 (n, H, &h, error) || !alloc_f32 (n, H, &c, error)
      || !alloc_f32 (n, G, &hg, error) || !alloc_f32 (n, H, &hy, error))
    return NULL;
  ps_ops_linear_rows (ps_tensor_cf32 (input), n, in, p.w_ih, G, p.b_ih, gi);
  cell_step (cfg, &p, n, gi, h, c, hg, hy);
  int64_t shape[2] = { n, H };
  PsTensor *out = input->ndim == 2 ? ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, shape, error)
                                   : ps_tensor_new_empty (PS_DTYPE_FLOAT32, 1, shape + 1, error);
  if (out == NULL)
    return NULL;
  if (n * H > 0)
    memcpy (ps_tensor_f32 (out), h, (size_t) (n * H) * sizeof (float));
  return out;
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

#define RNN_CLASS(var, cname, argtab, ctor, fwd, tuple) \
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
    .tuple_note = "[0]: the output (the second value is the state)", \
  }

RNN_CLASS (ps_rnn_class, "RNN", rnn_args, rnn_construct, rnn_forward, TRUE);
RNN_CLASS (ps_lstm_class, "LSTM", lstm_args, lstm_construct, rnn_forward, TRUE);
RNN_CLASS (ps_gru_class, "GRU", gru_args, gru_construct, rnn_forward, TRUE);
RNN_CLASS (ps_rnn_cell_class, "RNNCell", rnn_cell_args, rnn_cell_construct, cell_forward, FALSE);
RNN_CLASS (ps_lstm_cell_class, "LSTMCell", cell_args, lstm_cell_construct, cell_forward, TRUE);
RNN_CLASS (ps_gru_cell_class, "GRUCell", cell_args, gru_cell_construct, cell_forward, FALSE);
