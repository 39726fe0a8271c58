/* ps-attention.c — nn.MultiheadAttention (PyTorch 1.13), used as self-attention.
 *
 * Parameters, in torch's registration order: in_proj_weight (3E, E) — or q_proj_weight (E, E),
 * k_proj_weight (E, kdim), v_proj_weight (E, vdim) when kdim or vdim ≠ E — then in_proj_bias (3E)
 * if bias, bias_k and bias_v (1, 1, E) if add_bias_kv. out_proj is a child Linear(E, E, bias)
 * shown as NonDynamicallyQuantizableLinear, as torch prints it.
 *
 * Initialisation (PYTORCH-PARITY.md §5): __init__ first constructs out_proj (a Linear: its weight
 * and bias draws happen first), then the private _reset_parameters(): xavier_uniform_ on
 * in_proj_weight (or q, k, v), in_proj_bias and out_proj.bias = 0, xavier_normal_ on bias_k then
 * bias_v. torch's MultiheadAttention has no public reset_parameters, so this class has none
 * either: a tree-wide reset (ps_module_reset_parameters) only re-runs out_proj's Linear reset,
 * exactly as `for m in model.modules(): m.reset_parameters()` does in torch. The constructor-time
 * init is init_parameters.
 *
 * Forward: self-attention, query = key = value = the input, shaped (L, N, E), (N, L, E) with
 * batch_first, or unbatched (L, E); the slow path of F.multi_head_attention_forward (what torch
 * runs when gradients are enabled). key_padding_mask and attn_mask (bool or float, 2-D or 3-D) come
 * from the call's keywords (ps-call-kwargs.h), checked, padded and merged as torch does, then added
 * by baddbmm; need_weights and average_attn_weights change only the weights torch returns as [1],
 * which the document does not keep (the output is returned).
 * The matmuls are ATen's calls (addmm → sgemm; bmm → plain float loop below 400 multiply-adds per
 * batch, else addmm_impl_cpu_ on the heads' strided views); softmax is _vec_softmax_lastdim (Sleef
 * exp, the 8-lane sum): bit for bit with torch's slow path. An unbatched input runs three linears
 * (torch's q, k, v are then different unsqueeze views). torch's fused fast path (eval +
 * batch_first + no_grad) differs by ~1e-7 (tests/golden/gen_rnn.py records both). Training-mode
 * dropout on the attention weights draws exactly like torch (one random64 per weight).
 *
 * Backward (mha_backward): the replayed forward, then autograd's formulas for those ops in the
 * engine's order; the dropout noise is saved on the tape. */
#include "ps-layers.h"
#include "ps-aten-mm.h"
#include "ps-autograd.h"
#include "ps-call-kwargs.h"
#include "ps-ops.h"
#include "ps-reduce.h"
#include "ps-sleef.h"

#include <limits.h>
#include <math.h>
#include <string.h>

typedef struct {
  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  double dropout;
  gboolean bias, add_bias_kv, add_zero_attn, batch_first, qkv_same;
  gboolean heads_float;   /* num_heads given as a float (2.0): constructs; the forward's view refuses it */
  PsFlavour flavour;   /* the CPU kernel flavour of a run: set on the run's own copy of the config
                          (forward: the generator's, backward: the tape entry's), never on the module's */
} MhaConfig;

static const PsArgSpec mha_args[] = {
  /* the sizes and dropout are stored as given: __init__ computes with them in Python (mha_python_check) */
  { .name = "embed_dim", .kind = PS_ARG_INT, .required = TRUE, .any_value = TRUE, .doc = "model width E" },
  /* embed_dim // True is embed_dim, and the forward's bsz * num_heads an int: True is 1 */
  { .name = "num_heads", .kind = PS_ARG_INT, .required = TRUE, .bool_is_int = TRUE, .any_value = TRUE, .doc = "parallel heads; E must divide evenly" },
  { .name = "dropout", .kind = PS_ARG_FLOAT, .def_double = 0.0, .any_value = TRUE, .doc = "dropout on attention weights (training)" },
  { .name = "bias", .kind = PS_ARG_BOOL, .def_bool = TRUE, .doc = "in_proj_bias and out_proj.bias" },
  { .name = "add_bias_kv", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "learned bias_k, bias_v appended to keys/values" },
  { .name = "add_zero_attn", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "append a zero key/value" },
  { .name = "kdim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .any_value = TRUE, .doc = "key features (None = embed_dim)" },
  { .name = "vdim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .any_value = TRUE, .doc = "value features (None = embed_dim)" },
  { .name = "batch_first", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "input and output are (batch, seq, feature)" },
  { NULL }
};

/* Checks, their order and their messages are torch 1.13's (tests/doc/test-module-args.c), also
 * where they are accidents of its Python code (said with a plain-words prefix): num_heads=0 is a
 * ZeroDivisionError, embed_dim=0 one in xavier_uniform_, a negative size fails when its tensor is
 * created; a negative num_heads that divides embed_dim and any dropout construct, and fail only in
 * a forward. */
/* A Python number of the type k * v (or v // w) has: a float if any operand is one, else an int. */
static PsValue
py_result (const PsValue *v, const PsValue *w)
{
  PsValue r = { .type = ps_value_given_type (v) == PS_VALUE_DOUBLE || (w != NULL && ps_value_given_type (w) == PS_VALUE_DOUBLE)
                        ? PS_VALUE_DOUBLE : PS_VALUE_INT };
  return r;
}

/* MultiheadAttention.__init__ with the sizes as given where one is not an int (torch 1.13.1's
 * Python, in its order): kdim/vdim default to embed_dim and compare with it (==), head_dim =
 * embed_dim // num_heads, the divisibility assertion, then torch.empty's parser on each tensor's
 * shape — q/k/v_proj_weight or in_proj_weight (3 * embed_dim, embed_dim), in_proj_bias, out_proj's
 * Linear(embed_dim, embed_dim), bias_k. *handled: a non-int case was decided here (error set or
 * not); otherwise mha_construct's int checks run. */
static gboolean
mha_python_check (const PsArgs *a, gboolean *heads_float, GError **error)
{
  const PsValue *ev = ps_args_lookup (a, "embed_dim"), *hv = ps_args_lookup (a, "num_heads");
  const PsValue *kv = ps_args_lookup (a, "kdim"), *vv = ps_args_lookup (a, "vdim");
  *heads_float = FALSE;
  if (ps_value_is_int (ev) && (ps_value_is_int (hv) || ps_value_given_type (hv) == PS_VALUE_BOOL)
      && (kv->type == PS_VALUE_NONE || ps_value_is_int (kv) || ps_value_given_type (kv) == PS_VALUE_BOOL)
      && (vv->type == PS_VALUE_NONE || ps_value_is_int (vv) || ps_value_given_type (vv) == PS_VALUE_BOOL))
    return TRUE;   /* ints (bools as 0/1 where they stay ints): mha_construct */
  if (kv->type == PS_VALUE_NONE)
    kv = ev;
  if (vv->type == PS_VALUE_NONE)
    vv = ev;
  /* embed_dim // num_heads */
  if (!ps_value_is_number (ev) || !ps_value_is_number (hv))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unsupported operand type(s) for //: '%s' and '%s'",
                   ps_value_given_type_name (ev), ps_value_given_type_name (hv));
      return FALSE;
    }
  const gboolean fl = ps_value_given_type (ev) == PS_VALUE_DOUBLE || ps_value_given_type (hv) == PS_VALUE_DOUBLE;
  const double e = ps_value_number (ev), h = ps_value_number (hv);
  if (h == 0)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           fl ? "float floor division by zero" : "integer division or modulo by zero");
      return FALSE;
    }
  if (floor (e / h) * h != e)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "embed_dim must be divisible by num_heads");
      return FALSE;
    }
  const gboolean same = ps_value_is_number (kv) && ps_value_number (kv) == e && ps_value_is_number (vv) && ps_value_number (vv) == e;
  const PsValue three_e = py_result (ev, NULL);
  gboolean ok = same ? ps_py_empty_check ((const PsValue *[]) { &three_e, ev }, 2, FALSE, error)
                     : ps_py_empty_check ((const PsValue *[]) { ev, ev }, 2, FALSE, error)
                       && ps_py_empty_check ((const PsValue *[]) { ev, kv }, 2, FALSE, error)
                       && ps_py_empty_check ((const PsValue *[]) { ev, vv }, 2, FALSE, error);
  if (ok && ps_args_get_bool (a, "bias"))
    ok = ps_py_empty_check ((const PsValue *[]) { &three_e }, 1, FALSE, error);
  /* out_proj = Linear(embed_dim, embed_dim): (out, in) */
  ok = ok && ps_py_empty_check ((const PsValue *[]) { ev, ev }, 2, FALSE, error);
  if (!ok)
    return FALSE;
  /* what passed: ints and bools but a float num_heads (the forward's view refuses it) or a float kdim
   * equal to embed_dim (kdim == embed_dim: the shared in_proj_weight) */
  *heads_float = ps_value_given_type (hv) == PS_VALUE_DOUBLE;
  return TRUE;
}

static gboolean
mha_construct (PsModule *self, GError **error)
{
  const PsArgs *a = self->args;
  MhaConfig cfg = { 0 };
  if (!mha_python_check (a, &cfg.heads_float, error))
    return FALSE;
  const PsValue *hv = ps_args_lookup (a, "num_heads");
  cfg.embed_dim = ps_value_size (ps_args_lookup (a, "embed_dim"));
  cfg.num_heads = cfg.heads_float ? (int64_t) hv->d : ps_value_size (hv);
  cfg.dropout = ps_args_get_number (a, "dropout");   /* NAN: not a number, refused by a training forward */
  cfg.bias = ps_args_get_bool (a, "bias");
  cfg.add_bias_kv = ps_args_get_bool (a, "add_bias_kv");
  cfg.add_zero_attn = ps_args_get_bool (a, "add_zero_attn");
  cfg.batch_first = ps_args_get_bool (a, "batch_first");
  const PsValue *kv = ps_args_lookup (a, "kdim"), *vv = ps_args_lookup (a, "vdim");
  /* a float equal to embed_dim compared equal (kdim == embed_dim) */
  cfg.kdim = kv->type == PS_VALUE_NONE ? cfg.embed_dim : kv->type == PS_VALUE_DOUBLE ? (int64_t) kv->d : ps_value_size (kv);
  cfg.vdim = vv->type == PS_VALUE_NONE ? cfg.embed_dim : vv->type == PS_VALUE_DOUBLE ? (int64_t) vv->d : ps_value_size (vv);

  if (cfg.num_heads == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "num_heads must not be 0; torch 1.13 fails "
                   "with ZeroDivisionError: integer division or modulo by zero");
      return FALSE;
    }
  /* embed_dim // num_heads (Python floors; divisibility is the same either way) */
  if (cfg.num_heads == -1 && cfg.embed_dim == INT64_MIN)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "embed_dim %" G_GINT64_FORMAT " is too large", cfg.embed_dim);
      return FALSE;
    }
  cfg.head_dim = cfg.embed_dim / cfg.num_heads;
  if (cfg.head_dim * cfg.num_heads != cfg.embed_dim)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "embed_dim must be divisible by num_heads");
      return FALSE;
    }
  cfg.qkv_same = cfg.kdim == cfg.embed_dim && cfg.vdim == cfg.embed_dim;
  /* torch.empty's message for the first tensor with a negative size: in_proj_weight (3E, E), or
   * q/k/v_proj_weight (E, E), (E, kdim), (E, vdim) */
  int64_t neg_rows = 0, neg_cols = 0;
  if (cfg.embed_dim < 0)
    {
      neg_rows = cfg.qkv_same && cfg.embed_dim >= INT64_MIN / 3 ? 3 * cfg.embed_dim : cfg.embed_dim;
      neg_cols = cfg.embed_dim;
    }
  else if (cfg.kdim < 0 || cfg.vdim < 0)
    neg_rows = cfg.embed_dim, neg_cols = cfg.kdim < 0 ? cfg.kdim : cfg.vdim;
  if (neg_rows < 0 || neg_cols < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Trying to create tensor with negative "
                   "dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                   neg_rows < 0 ? neg_rows : neg_cols, neg_rows, neg_cols);
      return FALSE;
    }
  if (cfg.embed_dim == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "embed_dim must not be 0; torch 1.13 fails "
                   "(xavier_uniform_ of an empty weight) with ZeroDivisionError: float division by zero");
      return FALSE;
    }
  int64_t e3;
  if (__builtin_mul_overflow (cfg.embed_dim, (int64_t) 3, &e3))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "embed_dim %" G_GINT64_FORMAT " is too large", cfg.embed_dim);
      return FALSE;
    }

  int64_t E = cfg.embed_dim;
  if (cfg.qkv_same)
    {
      int64_t s[2] = { e3, E };
      if (!ps_module_register_new_f32 (self, "in_proj_weight", 2, s, error))
        return FALSE;
    }
  else
    {
      int64_t sq[2] = { E, E }, sk[2] = { E, cfg.kdim }, sv[2] = { E, cfg.vdim };
      if (!ps_module_register_new_f32 (self, "q_proj_weight", 2, sq, error)
          || !ps_module_register_new_f32 (self, "k_proj_weight", 2, sk, error)
          || !ps_module_register_new_f32 (self, "v_proj_weight", 2, sv, error))
        return FALSE;
    }
  int64_t sb[1] = { e3 }, skv[3] = { 1, 1, E };
  if (cfg.bias && !ps_module_register_new_f32 (self, "in_proj_bias", 1, sb, error))
    return FALSE;
  if (cfg.add_bias_kv && (!ps_module_register_new_f32 (self, "bias_k", 3, skv, error)
                          || !ps_module_register_new_f32 (self, "bias_v", 3, skv, error)))
    return FALSE;
  *PS_MODULE_PRIV (self, MhaConfig) = cfg;
  return TRUE;
}

/* Fills fresh tensors for the named parameters with fn, then swaps them in. */
typedef enum { FILL_XAVIER_UNIFORM, FILL_XAVIER_NORMAL, FILL_ZEROS } FillKind;

static gboolean
fill_param (PsModule *m, const char *name, FillKind kind, PsGenerator *gen, GError **error)
{
  PsParam *p = ps_module_get_param (m, name);
  g_return_val_if_fail (p != NULL, FALSE);
  g_autoptr (PsTensor) t = ps_param_new_like (p, error);
  if (t == NULL)
    return FALSE;
  PsInitInfo info;
  gboolean ok;
  switch (kind)
    {
    case FILL_XAVIER_UNIFORM: ok = ps_init_xavier_uniform_ (t, 1.0, gen, &info, error); break;
    case FILL_XAVIER_NORMAL: ok = ps_init_xavier_normal_ (t, 1.0, gen, &info, error); break;
    default: ok = ps_init_zeros_ (t, &info, error); break;
    }
  if (!ok)
    return FALSE;
  if (kind == FILL_ZEROS)
    g_snprintf (info.formula, sizeof info.formula, "MultiheadAttention._reset_parameters: constant_(0.)%s",
                strcmp (name, "bias") == 0 ? " after Linear's reset drew U(-1/sqrt(E), 1/sqrt(E)) here" : "");
  ps_param_set_value (p, t);
  p->init = info;
  return TRUE;
}

/* MultiheadAttention.__init__: out_proj = Linear(E, E, bias) (draws), then _reset_parameters().
 * ps_module_new restores the generator if anything fails; the module is then discarded. */
static gboolean
mha_init_parameters (PsModule *self, PsGenerator *gen, GError **error)
{
  const MhaConfig *cfg = PS_MODULE_PRIV (self, MhaConfig);
  g_autoptr (PsArgs) la = ps_args_new ();
  ps_args_set_int (la, "in_features", cfg->embed_dim);
  ps_args_set_int (la, "out_features", cfg->embed_dim);
  ps_args_set_bool (la, "bias", cfg->bias);
  g_autoptr (PsModule) out_proj = ps_module_new (ps_linear_class.name, la, gen, error);
  if (out_proj == NULL)
    return FALSE;
  g_free (out_proj->display_class);
  out_proj->display_class = g_strdup ("NonDynamicallyQuantizableLinear");
  if (!ps_module_add_child (self, "out_proj", out_proj, error))
    return FALSE;

  if (cfg->qkv_same)
    {
      if (!fill_param (self, "in_proj_weight", FILL_XAVIER_UNIFORM, gen, error))
        return FALSE;
    }
  else if (!fill_param (self, "q_proj_weight", FILL_XAVIER_UNIFORM, gen, error)
           || !fill_param (self, "k_proj_weight", FILL_XAVIER_UNIFORM, gen, error)
           || !fill_param (self, "v_proj_weight", FILL_XAVIER_UNIFORM, gen, error))
    return FALSE;
  if (cfg->bias && (!fill_param (self, "in_proj_bias", FILL_ZEROS, gen, error)
                    || !fill_param (out_proj, "bias", FILL_ZEROS, gen, error)))
    return FALSE;
  if (cfg->add_bias_kv && (!fill_param (self, "bias_k", FILL_XAVIER_NORMAL, gen, error)
                           || !fill_param (self, "bias_v", FILL_XAVIER_NORMAL, gen, error)))
    return FALSE;
  return TRUE;
}

/* ---------- forward ---------- */

static gboolean
fits_int (int64_t v)
{
  return v >= 0 && v <= INT_MAX;
}

static const float *
param_checked (PsModule *m, const char *path, const char *name, int ndim, const int64_t *dims, GError **error)
{
  return ps_module_param_checked (m, name, ndim, dims, "MultiheadAttention", path, error);
}

static gboolean
checked_buf (int64_t a, int64_t b, int64_t c, float **out, GError **error)
{
  return ps_tensor_scratch_f32 (a, b, c, "a MultiheadAttention working buffer", out, error);
}

/* One batch of torch.bmm on CPU: out (M, N), contiguous, = a (M, K) · b (K, N), both strided views
 * as ATen has them. ATen 1.13 (bmm_out_or_baddbmm_) runs a plain float loop, k ascending, when
 * K·M·N < 400 (baddbmm_cpu_kernel, baseline build: no fused multiply-add) and one addmm per batch
 * otherwise (addmm_impl_cpu_'s stride rules into sgemm: ps_aten_mm). */
static gboolean
bmm_batch (PsMatView a, PsMatView b, float *out, GError **error)
{
  int64_t M = a.size[0], K = a.size[1], N = b.size[1];
  if (M == 0 || N == 0)
    return TRUE;
  if (K * M * N < 400)
    {
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++)
          {
            float acc = 0.0f;
            for (int64_t k = 0; k < K; k++)
              acc += a.data[i * a.stride[0] + k * a.stride[1]] * b.data[k * b.stride[0] + j * b.stride[1]];
            out[i * N + j] = acc;
          }
      return TRUE;
    }
  return ps_aten_mm (a, b, out, error);
}

/* One batch of torch.baddbmm(mask, a, b) (beta = alpha = 1): the same two paths as bmm_batch. The
 * small one accumulates onto the mask, k ascending ((mask + a0·b0) + a1·b1 …: what torch 1.13 gives,
 * not mask + the bmm sum — tests/core/test-attn-mask.c tells them apart); the other is addmm_ with
 * beta 1 on a result holding the mask (sgemm adds the product to it). */
static gboolean
baddbmm_batch (const float *mask, PsMatView a, PsMatView b, float *out, GError **error)
{
  int64_t M = a.size[0], K = a.size[1], N = b.size[1];
  if (M == 0 || N == 0)
    return TRUE;
  memcpy (out, mask, (size_t) (M * N) * sizeof (float));
  if (K == 0)
    return TRUE;
  if (K * M * N < 400)
    {
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++)
          {
            float acc = out[i * N + j];
            for (int64_t k = 0; k < K; k++)
              acc += a.data[i * a.stride[0] + k * a.stride[1]] * b.data[k * b.stride[0] + j * b.stride[1]];
            out[i * N + j] = acc;
          }
      return TRUE;
    }
  return ps_aten_addmm_ (a, b, out, error);
}

static PsMatView
strided (const float *data, int64_t rows, int64_t cols, int64_t s0, int64_t s1)
{
  PsMatView v = { data, { rows, cols }, { s0, s1 } };
  return v;
}

/* Everything one forward computed, kept for backward. Layouts are torch's: x, qkv, ob are (L·N, ·)
 * time-major rows; q (scaled), k, v are the (L, N·H, hd) views' data, i.e. (L·N, E) rows with head
 * h of batch row n at columns h·hd …; p and pd (after dropout) are (B, L, S) contiguous. */
typedef struct {
  int64_t L, N, S, B, rows;
  float *x, *qkv, *q, *k, *v, *p, *pd, *noise, *o, *ob;
  float *mask;      /* the merged float attention mask, (B, L, S) expanded; NULL: none */
  float *kh, *vh;   /* add_zero_attn: k, v after torch.cat([k, zeros], dim=1), contiguous (B, S, hd) */
  int64_t kv_stride;   /* row stride of k[b], v[b]: B·hd (views of (S, N, E) rows), or hd (kh, vh) */
} MhaRun;

/* k[b] / v[b] as torch's (S, hd) tensors */
static PsMatView
kv_view (const MhaRun *r, const float *kv, const float *kvh, int64_t b, int64_t hd)
{
  if (kvh != NULL)
    return strided (kvh + b * r->S * hd, r->S, hd, hd, 1);
  return strided (kv + b * hd, r->S, hd, r->kv_stride, 1);
}

static void
mha_run_clear (MhaRun *r)
{
  g_free (r->x); g_free (r->qkv); g_free (r->q); g_free (r->k); g_free (r->v);
  g_free (r->p); g_free (r->pd); g_free (r->noise); g_free (r->o); g_free (r->ob);
  g_free (r->kh); g_free (r->vh); g_free (r->mask);
  memset (r, 0, sizeof *r);
}

typedef struct {
  const float *w_in, *b_in, *bias_k, *bias_v, *w_out, *b_out;
} MhaParams;

static gboolean
mha_params (PsModule *self, const MhaConfig *cfg, MhaParams *mp, GError **error)
{
  int64_t E = cfg->embed_dim;
  PsModule *out_proj = ps_module_get_child (self, "out_proj");
  int64_t s_w3[2] = { 3 * E, E }, s_b3[1] = { 3 * E }, s_kv[3] = { 1, 1, E }, s_ww[2] = { E, E }, s_b[1] = { E };
  memset (mp, 0, sizeof *mp);
  if ((mp->w_in = param_checked (self, "in_proj_weight", "in_proj_weight", 2, s_w3, error)) == NULL
      || (cfg->bias && (mp->b_in = param_checked (self, "in_proj_bias", "in_proj_bias", 1, s_b3, error)) == NULL)
      || (cfg->add_bias_kv && ((mp->bias_k = param_checked (self, "bias_k", "bias_k", 3, s_kv, error)) == NULL
                               || (mp->bias_v = param_checked (self, "bias_v", "bias_v", 3, s_kv, error)) == NULL))
      || (mp->w_out = param_checked (out_proj, "out_proj.weight", "weight", 2, s_ww, error)) == NULL
      || (cfg->bias && (mp->b_out = param_checked (out_proj, "out_proj.bias", "bias", 1, s_b, error)) == NULL))
    return FALSE;
  return TRUE;
}


/* ---------- masks (key_padding_mask, attn_mask: ps-call-kwargs.h) ---------- */

/* "torch.Size([4, 5])" */
static char *
torch_size (const PsTensor *t)
{
  GString *s = g_string_new ("torch.Size([");
  for (int i = 0; i < t->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", t->shape[i]);
  g_string_append (s, "])");
  return g_string_free (s, FALSE);
}

static gboolean
mask_is_float (const PsTensor *m, gboolean is_bool)
{
  return !is_bool && m->dtype == PS_DTYPE_FLOAT32;
}

/* MultiheadAttention.forward's first check (before anything else runs) */
static gboolean
mha_kpm_dtype_check (const PsCallKwargs *kw, GError **error)
{
  if (kw != NULL && kw->key_padding_mask != NULL && !kw->key_padding_mask_bool
      && kw->key_padding_mask->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "only bool and floating types of key_padding_mask are supported");
      return FALSE;
    }
  return TRUE;
}

/* _mha_shape_check's mask checks (self-attention: key is the query), L the sequence length */
static gboolean
mha_mask_dim_check (const PsCallKwargs *kw, gboolean batched, int64_t L, int64_t Hn, GError **error)
{
  if (kw == NULL)
    return TRUE;
  const PsTensor *kp = kw->key_padding_mask, *am = kw->attn_mask;
  const char *q = batched ? "For batched (3-D) `query`" : "For unbatched (2-D) `query`";
  if (kp != NULL && kp->ndim != (batched ? 2 : 1))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s, expected `key_padding_mask` to be `None` or %d-D but found "
                   "%d-D tensor instead", q, batched ? 2 : 1, kp->ndim);
      return FALSE;
    }
  if (am != NULL && am->ndim != 2 && am->ndim != 3)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                   "%d-D tensor instead", q, am->ndim);
      return FALSE;
    }
  if (!batched && am != NULL && am->ndim == 3 && (am->shape[0] != Hn || am->shape[1] != L || am->shape[2] != L))
    {
      g_autofree char *got = torch_size (am);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected `attn_mask` shape to be (%" G_GINT64_FORMAT ", %"
                   G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") but got %s", Hn, L, L, got);
      return FALSE;
    }
  return TRUE;
}

/* F.multi_head_attention_forward's attn_mask checks after the in-projection (S0: the key's length
 * before bias_k / the zero row) */
static gboolean
mha_attn_mask_check (const PsCallKwargs *kw, int64_t L, int64_t S0, int64_t B, GError **error)
{
  const PsTensor *am = kw != NULL ? kw->attn_mask : NULL;
  if (am == NULL)
    return TRUE;
  if (!kw->attn_mask_bool && am->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Only float, byte, and bool types are supported for "
                   "attn_mask, not %s", ps_call_kwargs_mask_dtype (am, FALSE));
      return FALSE;
    }
  gboolean ok = am->ndim == 2 ? am->shape[0] == L && am->shape[1] == S0
                              : am->shape[0] == B && am->shape[1] == L && am->shape[2] == S0;
  if (!ok)
    {
      g_autofree char *got = torch_size (am);
      if (am->ndim == 2)
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "The shape of the 2D attn_mask is %s, but should be (%"
                     G_GINT64_FORMAT ", %" G_GINT64_FORMAT ").", got, L, S0);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "The shape of the 3D attn_mask is %s, but should be (%"
                     G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ").", got, B, L, S0);
      return FALSE;
    }
  return TRUE;
}

/* mask element as a double (bool / int64 masks: 0 or 1) */
static double
mask_at (const PsTensor *m, int64_t i)
{
  return m->dtype == PS_DTYPE_FLOAT32 ? (double) ps_tensor_cf32 (m)[i] : (double) ps_tensor_ci64 (m)[i];
}

/* The key_padding_mask shape check (after its padding) and the merge of both masks into one float
 * (B, L, S) mask, as F.multi_head_attention_forward does: pad with 0 / False for bias_k and the
 * zero row; key_padding_mask (N, S) repeated over the heads; bool attn_mask ∨ key_padding_mask
 * (a float one counts where it is non-zero), float attn_mask.masked_fill(key_padding_mask, -inf)
 * — which torch 1.13 also runs for a float key_padding_mask, reading the lowest byte of each float
 * as the mask (0 keeps, 1 fills, anything else is its error) —; then bool → 0 / -inf. */
static gboolean
mha_merge_masks (const PsCallKwargs *kw, gboolean batched, int64_t L, int64_t N, int64_t S0, int64_t S, int64_t Hn,
                 float **out, GError **error)
{
  *out = NULL;
  const PsTensor *am = kw != NULL ? kw->attn_mask : NULL, *kp = kw != NULL ? kw->key_padding_mask : NULL;
  if (am == NULL && kp == NULL)
    return TRUE;
  const int64_t B = N * Hn;
  if (kp != NULL)
    {
      int64_t rows = batched ? kp->shape[0] : 1, cols = kp->shape[kp->ndim - 1] + (S - S0);
      if (rows != N || cols != S)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "expecting key_padding_mask shape of (%" G_GINT64_FORMAT ", %"
                       G_GINT64_FORMAT "), but got torch.Size([%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "])", N, S,
                       rows, cols);
          return FALSE;
        }
    }
  const gboolean am_bool = am != NULL && kw->attn_mask_bool;
  const gboolean kp_float = kp != NULL && mask_is_float (kp, kw->key_padding_mask_bool);
  if (am != NULL && !am_bool && kp_float)
    for (int64_t i = 0; i < kp->numel; i++)
      {
        guint32 bits;
        memcpy (&bits, ps_tensor_cf32 (kp) + i, sizeof bits);
        if ((bits & 0xff) > 1)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Mask tensor can take 0 and 1 values only");
            return FALSE;
          }
      }
  float *m = NULL;
  if (!checked_buf (B, L, S, &m, error))
    return FALSE;
  for (int64_t b = 0; b < B; b++)
    for (int64_t l = 0; l < L; l++)
      for (int64_t s = 0; s < S; s++)
        {
          /* attn_mask: 2-D broadcast over the batch, 3-D per batch; 0 in the padded columns */
          double a = 0.0;
          if (am != NULL && s < S0)
            a = mask_at (am, am->ndim == 2 ? l * S0 + s : (b * L + l) * S0 + s);
          double k = 0.0;
          gboolean k_byte1 = FALSE;
          if (kp != NULL && s < S0)
            {
              int64_t i = (b / Hn) * S0 + s;
              k = mask_at (kp, i);
              if (kp_float)
                {
                  guint32 bits;
                  memcpy (&bits, ps_tensor_cf32 (kp) + i, sizeof bits);
                  k_byte1 = (bits & 0xff) == 1;
                }
            }
          float v;
          if (am == NULL)
            v = kp_float ? (float) k : (k != 0.0 ? -INFINITY : 0.0f);
          else if (am_bool)
            v = a != 0.0 || (kp != NULL && (k != 0.0 || isnan (k))) ? -INFINITY : 0.0f;
          else if (kp == NULL)
            v = (float) a;
          else
            v = (kp_float ? k_byte1 : k != 0.0) ? -INFINITY : (float) a;
          m[(b * L + l) * S + s] = v;
        }
  *out = m;
  return TRUE;
}

/* F.multi_head_attention_forward's slow path for self-attention. saved_noise: the dropout noise
 * of a recorded forward (a backward's replay), else drawn from gen. */
static gboolean
mha_run (PsModule *self, const MhaConfig *cfg, const PsTensor *input, const PsCallKwargs *kw, PsGenerator *gen,
         const float *saved_noise, MhaRun *r, GError **error)
{
  memset (r, 0, sizeof *r);
  if (!mha_kpm_dtype_check (kw, error))
    return FALSE;
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "MultiheadAttention: expected a float32 "
                   "input, got %s", ps_dtype_name (input->dtype));
      return FALSE;
    }
  if (input->ndim != 2 && input->ndim != 3)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "query should be unbatched 2D or batched 3D tensor but "
                   "received %d-D query tensor", input->ndim);
      return FALSE;
    }
  if (!cfg->qkv_same)
    {
      /* a recipe's forward is self-attention (query = key = value = the input, as torch's m(x, x, x)):
       * _in_projection's assertion on the separate key (or value) weight, torch's text */
      const gboolean key = cfg->kdim != cfg->embed_dim;
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "expecting %s weights shape of (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   "), but got torch.Size([%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "])", key ? "key" : "value",
                   cfg->embed_dim, cfg->embed_dim, cfg->embed_dim, key ? cfg->kdim : cfg->vdim);
      return FALSE;
    }
  if (cfg->heads_float)
    {
      /* q.contiguous().view(tgt_len, bsz * num_heads, head_dim): bsz * 2.0 is a float */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "view(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2");
      return FALSE;
    }
  gboolean batched = input->ndim == 3;
  int64_t E = cfg->embed_dim, Hn = cfg->num_heads, hd = cfg->head_dim;
  int64_t L, N;
  if (!batched)
    L = input->shape[0], N = 1;
  else if (cfg->batch_first)
    N = input->shape[0], L = input->shape[1];
  else
    L = input->shape[0], N = input->shape[1];
  if (!mha_mask_dim_check (kw, batched, L, Hn, error))
    return FALSE;
  int64_t e_in = input->shape[input->ndim - 1];
  if (e_in != E)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "was expecting embedding dimension of %" G_GINT64_FORMAT
                   ", but got %" G_GINT64_FORMAT, E, e_in);
      return FALSE;
    }
  {
    int64_t B0;
    if (__builtin_mul_overflow (N, Hn, &B0))
      B0 = INT64_MIN;
    if (!mha_attn_mask_check (kw, L, L, B0, error))
      return FALSE;
  }
  /* a negative num_heads constructs in torch; its forward fails in q.view(L, N·num_heads, head_dim) */
  if (Hn < 0)
    {
      int64_t dims[3] = { L, 0, hd };
      if (__builtin_mul_overflow (N, Hn, &dims[1]))
        dims[1] = INT64_MIN;
      gboolean inferred = FALSE;
      for (int i = 0; i < 3; i++)
        if (dims[i] == -1 && inferred)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "only one dimension can be inferred");
            return FALSE;
          }
        else if (dims[i] == -1)
          inferred = TRUE;
        else if (dims[i] < 0)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "invalid shape dimension %" G_GINT64_FORMAT, dims[i]);
            return FALSE;
          }
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "cannot reshape tensor of 0 elements into shape [%"
                   G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] because the unspecified "
                   "dimension size -1 can be any value and is ambiguous", dims[0], dims[1], dims[2]);
      return FALSE;
    }
  MhaParams mp;
  if (!mha_params (self, cfg, &mp, error))
    return FALSE;
  int64_t rows, B;
  int64_t S = L + (cfg->add_bias_kv ? 1 : 0) + (cfg->add_zero_attn ? 1 : 0);
  if (__builtin_mul_overflow (L, N, &rows) || __builtin_mul_overflow (N, Hn, &B)
      || !fits_int (rows) || !fits_int (3 * E) || !fits_int (S))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "MultiheadAttention: input too large for BLAS");
      return FALSE;
    }
  r->L = L, r->N = N, r->S = S, r->B = B, r->rows = rows;
  if (!mha_merge_masks (kw, batched, L, N, L, S, Hn, &r->mask, error))
    return FALSE;
  /* k, v: S rows of (N, E) — the input's L, then bias_k/bias_v's, then the zero row */
  if (!checked_buf (rows, E, 1, &r->x, error) || !checked_buf (rows, 3 * E, 1, &r->qkv, error)
      || !checked_buf (rows, E, 1, &r->q, error) || !checked_buf (S * N, E, 1, &r->k, error)
      || !checked_buf (S * N, E, 1, &r->v, error) || !checked_buf (B, L, S, &r->p, error)
      || !checked_buf (B, L, S, &r->pd, error) || !checked_buf (B, L, hd, &r->o, error)
      || !checked_buf (rows, E, 1, &r->ob, error))
    return FALSE;
  const float *src = ps_tensor_cf32 (input);
  if (batched && cfg->batch_first)
    {
      for (int64_t t = 0; t < L; t++)
        for (int64_t n = 0; n < N; n++)
          memcpy (r->x + (t * N + n) * E, src + (n * L + t) * E, (size_t) E * sizeof (float));
    }
  else if (rows > 0)
    memcpy (r->x, src, (size_t) (rows * E) * sizeof (float));

  if (batched)
    /* packed in-projection (query is key is value): one linear with 3E outputs, chunked q | k | v */
    ps_ops_linear_rows (r->x, rows, E, mp.w_in, 3 * E, mp.b_in, r->qkv);
  else
    {
      /* unbatched: query, key and value are three unsqueeze(1) views, no longer the same object, so
       * _in_projection_packed runs three linears with the chunks of in_proj_weight/bias */
      g_autofree float *part = NULL;
      if (!checked_buf (rows, E, 1, &part, error))
        return FALSE;
      for (int c = 0; c < 3; c++)
        {
          ps_ops_linear_rows (r->x, rows, E, mp.w_in + c * E * E, E, mp.b_in ? mp.b_in + c * E : NULL, part);
          for (int64_t i = 0; i < rows; i++)
            memcpy (r->qkv + i * 3 * E + c * E, part + i * E, (size_t) E * sizeof (float));
        }
    }
  float scale = (float) sqrt ((double) hd);   /* q / math.sqrt(hd): float tensor ÷ float scalar */
  for (int64_t i = 0; i < rows; i++)
    for (int64_t e = 0; e < E; e++)
      {
        r->q[i * E + e] = r->qkv[i * 3 * E + e] / scale;
        r->k[i * E + e] = r->qkv[i * 3 * E + E + e];
        r->v[i * E + e] = r->qkv[i * 3 * E + 2 * E + e];
      }
  if (cfg->add_bias_kv)
    for (int64_t n = 0; n < N; n++)   /* torch.cat([k, bias_k.repeat(1, bsz, 1)]) */
      {
        memcpy (r->k + (L * N + n) * E, mp.bias_k, (size_t) E * sizeof (float));
        memcpy (r->v + (L * N + n) * E, mp.bias_v, (size_t) E * sizeof (float));
      }
  r->kv_stride = B * hd;
  if (cfg->add_zero_attn)
    {
      /* torch.cat([k, zeros((B, 1, hd))], dim=1) after the head reshape: a new contiguous tensor */
      if (!checked_buf (B, S, hd, &r->kh, error) || !checked_buf (B, S, hd, &r->vh, error))
        return FALSE;
      for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t + 1 < S; t++)
          {
            int64_t n = b / Hn, h = b % Hn;
            memcpy (r->kh + (b * S + t) * hd, r->k + (t * N + n) * E + h * hd, (size_t) hd * sizeof (float));
            memcpy (r->vh + (b * S + t) * hd, r->v + (t * N + n) * E + h * hd, (size_t) hd * sizeof (float));
          }
      r->kv_stride = hd;
    }

  /* attn = bmm(q_scaled, k.transpose(-2, -1)); batch b = n·H + h: q[b] is (L, hd) with row
   * stride B·hd, k[b]ᵀ (hd, S) with column stride B·hd */
  const gboolean avx2 = cfg->flavour != PS_FLAVOUR_DEFAULT;
  for (int64_t b = 0; b < B; b++)
    if (!(r->mask != NULL
          ? baddbmm_batch (r->mask + b * L * S, strided (r->q + b * hd, L, hd, B * hd, 1),
                           ps_mat_view_t (kv_view (r, r->k, r->kh, b, hd)), r->p + b * L * S, error)
          : bmm_batch (strided (r->q + b * hd, L, hd, B * hd, 1), ps_mat_view_t (kv_view (r, r->k, r->kh, b, hd)),
                       r->p + b * L * S, error)))
      return FALSE;
  /* softmax over s, as ATen's _vec_softmax_lastdim: max, exp(x − max) (Sleef on every element),
   * the lane sum, 1/sum, × */
  g_autofree float *tmp = g_new (float, MAX (S, 1));
  for (int64_t i = 0; i < B * L; i++)
    {
      float *row = r->p + i * S;
      float mx = -INFINITY;
      for (int64_t s = 0; s < S; s++)
        mx = row[s] > mx || isnan (row[s]) ? row[s] : mx;
      for (int64_t s = 0; s < S; s++)
        row[s] = avx2 ? ps_sleef_expf (row[s] - mx) : expf (row[s] - mx);
      float rs = 1.0f / ps_reduce_all_sum (row, S, avx2);
      for (int64_t s = 0; s < S; s++)
        row[s] = row[s] * rs;
    }
  const PsValue *dv = ps_args_lookup (self->args, "dropout");
  if (self->training && !ps_value_is_number (dv))
    {
      /* `if dropout_p > 0.0:` (an eval forward sets dropout_p = 0.0 first) */
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'>' not supported between instances of '%s' and 'float'",
                   ps_value_given_type_name (dv));
      return FALSE;
    }
  if (self->training && cfg->dropout > 1.0)
    {
      /* torch accepts any dropout at construction; F.dropout refuses it here (p < 0 never gets there) */
      /* str(p): inf, not float('inf') */
      g_autofree char *d = isinf (cfg->dropout) ? g_strdup ("inf") : ps_value_to_python (ps_args_lookup (self->args, "dropout"));
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "dropout probability has to be between 0 and 1, but got %s", d);
      return FALSE;
    }
  int64_t nw = B * L * S;
  if (self->training && cfg->dropout > 0.0)
    {
      /* at::dropout: noise = bernoulli_(1 − p) / (1 − p); attn · noise */
      if (!checked_buf (B, L, S, &r->noise, error))
        return FALSE;
      if (saved_noise != NULL)
        memcpy (r->noise, saved_noise, (size_t) nw * sizeof (float));
      else
        {
          for (int64_t i = 0; i < nw; i++)
            r->noise[i] = 1.0f;
          if (!ps_ops_dropout (r->noise, r->noise, nw, cfg->dropout, gen, error))
            return FALSE;
        }
      for (int64_t i = 0; i < nw; i++)
        r->pd[i] = r->p[i] * r->noise[i];
    }
  else if (nw > 0)
    memcpy (r->pd, r->p, (size_t) nw * sizeof (float));

  /* attn_output = bmm(attn, v): v[b] (S, hd) with row stride B·hd */
  for (int64_t b = 0; b < B; b++)
    if (!bmm_batch (ps_mat_view (r->pd + b * L * S, L, S), kv_view (r, r->v, r->vh, b, hd),
                    r->o + b * L * hd, error))
      return FALSE;
  /* attn_output.transpose(0, 1).contiguous().view(L·N, E): ob[t·N + n, h·hd + d] = o[b, t, d] */
  for (int64_t n = 0; n < N; n++)
    for (int64_t h = 0; h < Hn; h++)
      for (int64_t t = 0; t < L; t++)
        memcpy (r->ob + (t * N + n) * E + h * hd, r->o + ((n * Hn + h) * L + t) * hd, (size_t) hd * sizeof (float));
  return TRUE;
}

static PsTensor *
mha_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  MhaConfig run_cfg = *PS_MODULE_PRIV (self, MhaConfig);
  run_cfg.flavour = gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2;
  const MhaConfig *cfg = &run_cfg;
  MhaRun r;
  if (!mha_run (self, cfg, input, ps_call_kwargs_current (), gen, NULL, &r, error))
    {
      mha_run_clear (&r);
      return NULL;
    }
  MhaParams mp;
  g_assert (mha_params (self, cfg, &mp, NULL));
  int64_t E = cfg->embed_dim, L = r.L, N = r.N;
  gboolean batched = input->ndim == 3;
  int64_t shape[3];
  int ndim;
  if (!batched)
    ndim = 2, shape[0] = L, shape[1] = E;
  else if (cfg->batch_first)
    ndim = 3, shape[0] = N, shape[1] = L, shape[2] = E;
  else
    ndim = 3, shape[0] = L, shape[1] = N, shape[2] = E;
  g_autoptr (PsTensor) out = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (out == NULL)
    {
      mha_run_clear (&r);
      return NULL;
    }
  float *y = ps_tensor_f32 (out);
  if (batched && cfg->batch_first)
    {
      ps_ops_linear_rows (r.ob, r.rows, E, mp.w_out, E, mp.b_out, r.x);   /* x is free now: (L·N, E) */
      for (int64_t t = 0; t < L; t++)
        for (int64_t n = 0; n < N; n++)
          memcpy (y + (n * L + t) * E, r.x + (t * N + n) * E, (size_t) E * sizeof (float));
      /* the slow path torch takes with gradients returns attn_output.transpose(1, 0) */
      out->swapped01 = ps_tape_recording ();
    }
  else
    ps_ops_linear_rows (r.ob, r.rows, E, mp.w_out, E, mp.b_out, y);
  if (r.noise != NULL && ps_tape_recording ())
    {
      g_autoptr (PsTensor) nz = ps_tensor_new_1d (PS_DTYPE_FLOAT32, r.B * r.L * r.S, error);
      if (nz == NULL)
        {
          mha_run_clear (&r);
          return NULL;
        }
      memcpy (ps_tensor_f32 (nz), r.noise, (size_t) nz->numel * sizeof (float));
      ps_tape_save (nz);   /* the attention dropout's noise, for backward */
    }
  mha_run_clear (&r);
  return g_steal_pointer (&out);
}

/* ---------- backward ---------- */

/* gx (R, in) = gy.mm(W) for y = x·Wᵀ + b, x contiguous (R, in) (mm_mat1_backward; a column-major x
 * gives W.t().mm(gy.t()).t()); gW = gy.t().mm(x); gb = gy.sum(0). */
static gboolean
linear_backward (const float *gy, const float *x, const float *W, int64_t R, int64_t in, int64_t out, float *gx,
                 float *gW, float *gb, GError **error)
{
  PsMatView wt = ps_mat_view_t (ps_mat_view (W, out, in));
  PsMatView gyv = ps_mat_view (gy, R, out);
  if (gx != NULL)
    {
      PsMatView xv = ps_mat_view (x, R, in);
      if (xv.stride[0] == 1 && xv.stride[1] == R)
        {
          g_autofree float *tmp = g_new (float, MAX (in * R, 1));
          if (!ps_aten_mm (wt, ps_mat_view_t (gyv), tmp, error))
            return FALSE;
          for (int64_t i = 0; i < R; i++)
            for (int64_t j = 0; j < in; j++)
              gx[i * in + j] = tmp[j * R + i];
        }
      else if (!ps_aten_mm (gyv, ps_mat_view_t (wt), gx, error))
        return FALSE;
    }
  if (!ps_aten_mm (ps_mat_view_t (gyv), ps_mat_view (x, R, in), gW, error))
    return FALSE;
  if (gb != NULL)
    ps_reduce_sum_dim0 (gy, R, out, gb);
  return TRUE;
}

static PsTensor *
grad_like (PsModule *m, const char *name, GError **error)
{
  PsParam *p = ps_module_get_param (m, name);
  return ps_tensor_new_empty (PS_DTYPE_FLOAT32, p->value->ndim, p->value->shape, error);
}

/* Autograd's backward of the slow path above, op by op: out_proj (addmm), the head transposes
 * (moves), bmm (BmmBackward0: grad.bmm(mat2ᵀ), selfᵀ.bmm(grad), with the views' strides), dropout
 * (grad · noise), softmax (_vec_softmax_backward: (g − Σ g·y)·y, the dot as vec::map2_reduce_all),
 * q / √hd (grad / √hd), the q|k|v selects (summed into zeros: −0 becomes +0), the in-projection
 * (addmm). */
static gboolean
mha_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
              PsGradSink *sink, GError **error)
{
  MhaConfig run_cfg = *PS_MODULE_PRIV (self, MhaConfig);
  run_cfg.flavour = entry->flavour;
  const MhaConfig *cfg = &run_cfg;
  const gboolean drop = self->training && cfg->dropout > 0.0;
  MhaRun r;
  if (drop && entry->saved == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "MultiheadAttention backward: the dropout noise of the forward was not recorded");
      return FALSE;
    }
  if (!mha_run (self, cfg, entry->input, entry->kwargs, NULL, drop ? ps_tensor_cf32 (entry->saved) : NULL, &r,
                error))
    {
      mha_run_clear (&r);
      return FALSE;
    }
  if (drop && entry->saved->numel != r.B * r.L * r.S)
    {
      mha_run_clear (&r);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "MultiheadAttention backward: the recorded dropout noise does not fit this input");
      return FALSE;
    }
  MhaParams mp;
  g_assert (mha_params (self, cfg, &mp, NULL));
  const int64_t E = cfg->embed_dim, Hn = cfg->num_heads, hd = cfg->head_dim;
  const int64_t L = r.L, N = r.N, S = r.S, B = r.B, rows = r.rows;
  const gboolean batched = entry->input->ndim == 3;
  PsModule *out_proj = ps_module_get_child (self, "out_proj");
  gboolean ok = FALSE;
  g_autofree float *gy = NULL, *gob = NULL, *gp = NULL, *gv = NULL, *gqs = NULL, *gkt = NULL, *gproj = NULL;
  g_autoptr (PsTensor) gw_out = NULL, gb_out = NULL, gw_in = NULL, gb_in = NULL, gx = NULL, gbk = NULL, gbv = NULL;
  if (!checked_buf (rows, E, 1, &gy, error) || !checked_buf (rows, E, 1, &gob, error)
      || !checked_buf (B, L, S, &gp, error) || !checked_buf (B, S, hd, &gv, error)
      || !checked_buf (B, L, hd, &gqs, error) || !checked_buf (B, hd, S, &gkt, error)
      || !checked_buf (rows, 3 * E, 1, &gproj, error))
    goto out;
  /* the output's gradient, time-major (L·N, E) */
  const float *g0 = ps_tensor_cf32 (grad_output);
  if (batched && cfg->batch_first)
    {
      for (int64_t t = 0; t < L; t++)
        for (int64_t n = 0; n < N; n++)
          memcpy (gy + (t * N + n) * E, g0 + (n * L + t) * E, (size_t) E * sizeof (float));
    }
  else if (rows > 0)
    memcpy (gy, g0, (size_t) (rows * E) * sizeof (float));
  /* out_proj */
  if ((gw_out = grad_like (out_proj, "weight", error)) == NULL
      || (cfg->bias && (gb_out = grad_like (out_proj, "bias", error)) == NULL)
      || !linear_backward (gy, r.ob, mp.w_out, rows, E, E, gob, ps_tensor_f32 (gw_out),
                           gb_out ? ps_tensor_f32 (gb_out) : NULL, error))
    goto out;
  /* gO[b] = gob's (L, hd) view at column b·hd, row stride B·hd (the transpose/contiguous/view) */
  for (int64_t b = 0; b < B; b++)
    {
      PsMatView go = strided (gob + b * hd, L, hd, B * hd, 1);
      /* gP = gO.bmm(vᵀ); gV = Pdᵀ.bmm(gO) */
      if (!bmm_batch (go, ps_mat_view_t (kv_view (&r, r.v, r.vh, b, hd)), gp + b * L * S, error)
          || !bmm_batch (ps_mat_view_t (ps_mat_view (r.pd + b * L * S, L, S)), go, gv + b * S * hd, error))
        goto out;
    }
  if (r.noise != NULL)
    for (int64_t i = 0; i < B * L * S; i++)
      gp[i] = gp[i] * r.noise[i];
  /* softmax backward per row: dot = map2_reduce_all(g·y), then (g − dot)·y */
  {
    for (int64_t i = 0; i < B * L; i++)
      {
        float *g = gp + i * S;
        const float *y = r.p + i * S;
        /* 8 lanes (16 at the AVX512 capability), fused; the DEFAULT build: 8 unfused, in order */
        const float dot = ps_reduce_dot_all (g, y, S, cfg->flavour != PS_FLAVOUR_DEFAULT);
        for (int64_t s = 0; s < S; s++)
          g[s] = (g[s] - dot) * y[s];
      }
  }
  /* attn = bmm(q_s, kᵀ): gQs = gW.bmm(k); gKᵀ = q_sᵀ.bmm(gW) */
  for (int64_t b = 0; b < B; b++)
    {
      PsMatView gwv = ps_mat_view (gp + b * L * S, L, S);
      if (!bmm_batch (gwv, kv_view (&r, r.k, r.kh, b, hd), gqs + b * L * hd, error)
          || !bmm_batch (strided (r.q + b * hd, hd, L, 1, B * hd), gwv, gkt + b * hd * S, error))
        goto out;
    }
  /* back to the projection's (L·N, 3E) rows; q / √hd: grad / √hd; the three selects summed into
   * zeros (+ 0.0f) */
  {
    float scale = (float) sqrt ((double) hd);
    for (int64_t n = 0; n < N; n++)
      for (int64_t h = 0; h < Hn; h++)
        {
          int64_t b = n * Hn + h;
          for (int64_t t = 0; t < L; t++)
            for (int64_t d = 0; d < hd; d++)
              {
                float *row = gproj + (t * N + n) * 3 * E + h * hd + d;
                row[0] = gqs[(b * L + t) * hd + d] / scale + 0.0f;
                row[E] = gkt[(b * hd + d) * S + t] + 0.0f;
                row[2 * E] = gv[(b * S + t) * hd + d] + 0.0f;
              }
        }
  }
  if (cfg->add_bias_kv)
    {
      /* bias_k.repeat(1, N, 1) was row s = L of k: its gradient, (N, E), summed over the repeats
       * (repeat_backward: sum over the batch dimension, the outer reduction) */
      g_autofree float *rk = NULL, *rv = NULL;
      if (!checked_buf (N, E, 1, &rk, error) || !checked_buf (N, E, 1, &rv, error)
          || (gbk = grad_like (self, "bias_k", error)) == NULL || (gbv = grad_like (self, "bias_v", error)) == NULL)
        goto out;
      for (int64_t n = 0; n < N; n++)
        for (int64_t h = 0; h < Hn; h++)
          for (int64_t d = 0; d < hd; d++)
            {
              int64_t b = n * Hn + h;
              rk[n * E + h * hd + d] = gkt[(b * hd + d) * S + L];
              rv[n * E + h * hd + d] = gv[(b * S + L) * hd + d];
            }
      ps_reduce_sum_dim0 (rk, N, E, ps_tensor_f32 (gbk));
      ps_reduce_sum_dim0 (rv, N, E, ps_tensor_f32 (gbv));
    }
  if ((gw_in = grad_like (self, "in_proj_weight", error)) == NULL
      || (cfg->bias && (gb_in = grad_like (self, "in_proj_bias", error)) == NULL))
    goto out;
  if (grad_input != NULL
      && (gx = ps_tensor_new_empty (PS_DTYPE_FLOAT32, entry->input->ndim, entry->input->shape, error)) == NULL)
    goto out;
  {
    g_autofree float *gxr = NULL;
    if (gx != NULL && !checked_buf (rows, E, 1, &gxr, error))
      goto out;
    if (batched)
      {
        if (!linear_backward (gproj, r.x, mp.w_in, rows, E, 3 * E, gxr, ps_tensor_f32 (gw_in),
                              gb_in ? ps_tensor_f32 (gb_in) : NULL, error))
          goto out;
      }
    else
      {
        /* three linears (see mha_run): their weight/bias chunks' gradients are concatenated (the
         * chunk's backward), the input gets ((g_v + g_k) + g_q) — value's linear runs first in the
         * engine, query's last */
        g_autofree float *gc = NULL, *gxc = NULL;
        if (!checked_buf (rows, E, 1, &gc, error) || !checked_buf (rows, E, 1, &gxc, error))
          goto out;
        for (int c = 2; c >= 0; c--)
          {
            for (int64_t i = 0; i < rows; i++)
              memcpy (gc + i * E, gproj + i * 3 * E + c * E, (size_t) E * sizeof (float));
            if (!linear_backward (gc, r.x, mp.w_in + c * E * E, rows, E, E, gxr ? gxc : NULL,
                                  ps_tensor_f32 (gw_in) + c * E * E, gb_in ? ps_tensor_f32 (gb_in) + c * E : NULL,
                                  error))
              goto out;
            if (gxr != NULL)
              for (int64_t i = 0; i < rows * E; i++)
                gxr[i] = c == 2 ? gxc[i] : gxr[i] + gxc[i];
          }
      }
    if (gx != NULL)
      {
        float *gxo = ps_tensor_f32 (gx);
        if (batched && cfg->batch_first)
          {
            for (int64_t t = 0; t < L; t++)
              for (int64_t n = 0; n < N; n++)
                memcpy (gxo + (n * L + t) * E, gxr + (t * N + n) * E, (size_t) E * sizeof (float));
          }
        else if (rows > 0)
          memcpy (gxo, gxr, (size_t) (rows * E) * sizeof (float));
      }
  }
  ps_grad_sink_add (sink, ps_module_get_param (self, "in_proj_weight"), gw_in);
  if (gb_in)
    ps_grad_sink_add (sink, ps_module_get_param (self, "in_proj_bias"), gb_in);
  if (gbk != NULL)
    {
      ps_grad_sink_add (sink, ps_module_get_param (self, "bias_k"), gbk);
      ps_grad_sink_add (sink, ps_module_get_param (self, "bias_v"), gbv);
    }
  ps_grad_sink_add (sink, ps_module_get_param (out_proj, "weight"), gw_out);
  if (gb_out)
    ps_grad_sink_add (sink, ps_module_get_param (out_proj, "bias"), gb_out);
  if (grad_input != NULL)
    *grad_input = g_steal_pointer (&gx);
  ok = TRUE;
out:
  mha_run_clear (&r);
  return ok;
}

/* Self-attention over 5 positions, batch 1. */
static void
mha_example_input (const PsModule *self, PsExampleInput *ex)
{
  const MhaConfig *c = PS_MODULE_PRIV (self, MhaConfig);
  ps_example_input_set (ex, 3, (int64_t[]) { c->batch_first ? 1 : 5, c->batch_first ? 5 : 1, c->embed_dim });
}

const PsModuleClass ps_multihead_attention_class = {
  .name = "MultiheadAttention",
  .args = mha_args,
  .priv_size = sizeof (MhaConfig),
  .construct = mha_construct,
  .reset_parameters = NULL,       /* torch has only the private _reset_parameters (see top) */
  .init_parameters = mha_init_parameters,
  .forward = mha_forward,
  .extra_repr = NULL,             /* torch prints only the out_proj child */
  .n_inputs = 3,                  /* query, key, value: the document runs self-attention (x, x, x) */
  .returns_tuple = TRUE,
  .tuple_note = "self-attention; [0]: the output, not the weights",
  .example_input = mha_example_input,
  .backward = (gpointer) mha_backward,
  .tuple_input_error = PS_TUPLE_NO_ATTR ("dim"),
  .takes_attention_kwargs = TRUE, /* key_padding_mask, attn_mask, need_weights, average_attn_weights */
  .batch_first_swaps_output = TRUE,
};
