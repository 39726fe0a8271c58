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
 * runs when gradients are enabled), no masks, need_weights irrelevant (the output is returned).
 * The matmuls are ATen's calls (addmm → sgemm; bmm → plain float loop below 400 multiply-adds per
 * batch, sgemm above); softmax uses glibc expf where torch uses Sleef, so outputs agree to ~1e-7,
 * not bit for bit. torch's fused fast path (eval + batch_first + no_grad) is within the same
 * tolerance (tests/golden/gen_rnn.py records both). Training-mode dropout on the attention weights
 * draws exactly like torch (one random64 per weight), so masks and probe draws match. */
#include "ps-layers.h"
#include "ps-ops.h"

#include <limits.h>
#include <math.h>
#include <string.h>

typedef struct {
  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  double dropout;
  gboolean bias, add_bias_kv, add_zero_attn, batch_first, qkv_same;
} MhaConfig;

static const PsArgSpec mha_args[] = {
  { .name = "embed_dim", .kind = PS_ARG_INT, .required = TRUE, .doc = "model width E" },
  { .name = "num_heads", .kind = PS_ARG_INT, .required = TRUE, .doc = "parallel heads; E must divide evenly" },
  { .name = "dropout", .kind = PS_ARG_FLOAT, .def_double = 0.0, .doc = "dropout on attention weights (training)" },
  { .name = "bias", .kind = PS_ARG_BOOL, .def_bool = TRUE, .doc = "in_proj_bias and out_proj.bias" },
  { .name = "add_bias_kv", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "learned bias_k, bias_v appended to keys/values" },
  { .name = "add_zero_attn", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "append a zero key/value" },
  { .name = "kdim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .doc = "key features (None = embed_dim)" },
  { .name = "vdim", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .doc = "value features (None = embed_dim)" },
  { .name = "batch_first", .kind = PS_ARG_BOOL, .def_bool = FALSE, .doc = "input and output are (batch, seq, feature)" },
  { NULL }
};

static gboolean
register_f32 (PsModule *self, const char *name, int ndim, const int64_t *shape, GError **error)
{
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, ndim, shape, error);
  if (t == NULL)
    return FALSE;
  ps_module_register (self, name, t, FALSE);
  return TRUE;
}

/* Checks, their order and their messages are torch 1.13's (tests/doc/test-module-args.c), also
 * where they are accidents of its Python code (said with a plain-words prefix): num_heads=0 is a
 * ZeroDivisionError, embed_dim=0 one in xavier_uniform_, a negative size fails when its tensor is
 * created; a negative num_heads that divides embed_dim and any dropout construct, and fail only in
 * a forward. */
static gboolean
mha_construct (PsModule *self, GError **error)
{
  const PsArgs *a = self->args;
  MhaConfig cfg = { 0 };
  cfg.embed_dim = ps_args_get_int (a, "embed_dim");
  cfg.num_heads = ps_args_get_int (a, "num_heads");
  cfg.dropout = ps_args_get_double (a, "dropout");
  cfg.bias = ps_args_get_bool (a, "bias");
  cfg.add_bias_kv = ps_args_get_bool (a, "add_bias_kv");
  cfg.add_zero_attn = ps_args_get_bool (a, "add_zero_attn");
  cfg.batch_first = ps_args_get_bool (a, "batch_first");
  cfg.kdim = ps_args_is_none (a, "kdim") ? cfg.embed_dim : ps_args_get_int (a, "kdim");
  cfg.vdim = ps_args_is_none (a, "vdim") ? cfg.embed_dim : ps_args_get_int (a, "vdim");

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
      if (!register_f32 (self, "in_proj_weight", 2, s, error))
        return FALSE;
    }
  else
    {
      int64_t sq[2] = { E, E }, sk[2] = { E, cfg.kdim }, sv[2] = { E, cfg.vdim };
      if (!register_f32 (self, "q_proj_weight", 2, sq, error)
          || !register_f32 (self, "k_proj_weight", 2, sk, error)
          || !register_f32 (self, "v_proj_weight", 2, sv, error))
        return FALSE;
    }
  int64_t sb[1] = { e3 }, skv[3] = { 1, 1, E };
  if (cfg.bias && !register_f32 (self, "in_proj_bias", 1, sb, error))
    return FALSE;
  if (cfg.add_bias_kv && (!register_f32 (self, "bias_k", 3, skv, error)
                          || !register_f32 (self, "bias_v", 3, skv, error)))
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
  g_autoptr (PsModule) out_proj = ps_module_new ("Linear", la, gen, error);
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

/* One batch of torch.bmm on CPU: c (M, N) = a (M, K) · op(b), op(b) = bᵀ when b_trans (b is
 * (N, K)) else b (K, N). ATen 1.13 (bmm_out_or_baddbmm_) runs a plain float loop, k ascending,
 * when K·M·N < 400 and one sgemm per batch otherwise; both are mirrored. */
static void
bmm_one (const float *a, const float *b, gboolean b_trans, float *c, int64_t M, int64_t N, int64_t K,
         gboolean small)
{
  if (M == 0 || N == 0)
    return;
  if (K == 0)
    {
      memset (c, 0, (size_t) (M * N) * sizeof (float));
      return;
    }
  if (small)
    {
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++)
          {
            float acc = 0.0f;
            for (int64_t k = 0; k < K; k++)
              acc += a[i * K + k] * (b_trans ? b[j * K + k] : b[k * N + j]);
            c[i * N + j] = acc;
          }
      return;
    }
  ps_ops_sgemm (false, b_trans, M, N, K, 1.0f, a, K, b, b_trans ? K : N, 0.0f, c, N);
}

/* The parameter's data, after checking it is there with the shape this configuration needs (a
 * state loaded from a file could hold anything). */
static const float *
param_checked (PsModule *m, const char *path, const char *name, int ndim, const int64_t *dims, GError **error)
{
  PsParam *p = m != NULL ? ps_module_get_param (m, name) : NULL;
  g_autofree char *want = ps_shape_to_string (ndim, dims);
  if (p == NULL || p->value == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED, "MultiheadAttention: parameter %s is missing", path);
      return NULL;
    }
  gboolean ok = p->value->dtype == PS_DTYPE_FLOAT32 && p->value->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    ok = p->value->shape[i] == dims[i];
  if (!ok)
    {
      g_autofree char *got = ps_tensor_shape_string (p->value);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "MultiheadAttention: %s is %s %s, expected float32 %s",
                   path, ps_dtype_name (p->value->dtype), got, want);
      return NULL;
    }
  return ps_tensor_cf32 (p->value);
}

static gboolean
checked_buf (int64_t a, int64_t b, int64_t c, float **out, GError **error)
{
  int64_t n;
  if (__builtin_mul_overflow (a, b, &n) || __builtin_mul_overflow (n, c, &n)
      || n > (int64_t) (PS_TENSOR_MAX_BYTES / sizeof (float)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "MultiheadAttention: working buffer too large");
      return FALSE;
    }
  if (!ps_tensor_check_scratch ((guint64) n * sizeof (float), "a MultiheadAttention working buffer", error))
    return FALSE;
  *out = g_try_malloc0 ((gsize) MAX (n, 1) * sizeof (float));
  if (*out == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "MultiheadAttention: out of memory");
      return FALSE;
    }
  return TRUE;
}

static PsTensor *
mha_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  const MhaConfig *cfg = PS_MODULE_PRIV (self, MhaConfig);
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "MultiheadAttention: expected a float32 "
                   "input, got %s", ps_dtype_name (input->dtype));
      return NULL;
    }
  if (input->ndim != 2 && input->ndim != 3)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "query should be unbatched 2D or batched 3D tensor but "
                   "received %d-D query tensor", input->ndim);
      return NULL;
    }
  if (!cfg->qkv_same)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "MultiheadAttention: a recipe forward is self-attention "
                   "(query = key = value = the input), which needs kdim and vdim equal to embed_dim (%"
                   G_GINT64_FORMAT "), but kdim=%" G_GINT64_FORMAT " and vdim=%" G_GINT64_FORMAT,
                   cfg->embed_dim, cfg->kdim, cfg->vdim);
      return NULL;
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
  int64_t e_in = input->shape[input->ndim - 1];
  if (e_in != E)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "was expecting embedding dimension of %" G_GINT64_FORMAT
                   ", but got %" G_GINT64_FORMAT, E, e_in);
      return NULL;
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
            return NULL;
          }
        else if (dims[i] == -1)
          inferred = TRUE;
        else if (dims[i] < 0)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "invalid shape dimension %" G_GINT64_FORMAT, dims[i]);
            return NULL;
          }
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "cannot reshape tensor of 0 elements into shape [%"
                   G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] because the unspecified "
                   "dimension size -1 can be any value and is ambiguous", dims[0], dims[1], dims[2]);
      return NULL;
    }
  PsModule *out_proj = ps_module_get_child (self, "out_proj");
  int64_t s_w3[2] = { 3 * E, E }, s_b3[1] = { 3 * E }, s_kv[3] = { 1, 1, E }, s_ww[2] = { E, E }, s_b[1] = { E };
  const float *w_in, *b_in = NULL, *bias_k = NULL, *bias_v = NULL, *w_out, *b_out = NULL;
  if ((w_in = param_checked (self, "in_proj_weight", "in_proj_weight", 2, s_w3, error)) == NULL
      || (cfg->bias && (b_in = param_checked (self, "in_proj_bias", "in_proj_bias", 1, s_b3, error)) == NULL)
      || (cfg->add_bias_kv && ((bias_k = param_checked (self, "bias_k", "bias_k", 3, s_kv, error)) == NULL
                               || (bias_v = param_checked (self, "bias_v", "bias_v", 3, s_kv, error)) == NULL))
      || (w_out = param_checked (out_proj, "out_proj.weight", "weight", 2, s_ww, error)) == NULL
      || (cfg->bias && (b_out = param_checked (out_proj, "out_proj.bias", "bias", 1, s_b, error)) == NULL))
    return NULL;

  int64_t rows, B;
  int64_t S = L + (cfg->add_bias_kv ? 1 : 0) + (cfg->add_zero_attn ? 1 : 0);
  if (__builtin_mul_overflow (L, N, &rows) || __builtin_mul_overflow (N, Hn, &B)
      || !fits_int (rows) || !fits_int (3 * E) || !fits_int (S))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "MultiheadAttention: input too large for BLAS");
      return NULL;
    }

  /* x (L·N, E) time-major */
  g_autofree float *x = NULL, *qkv = NULL, *q = NULL, *k = NULL, *v = NULL, *w = NULL, *o = NULL, *ob = NULL;
  if (!checked_buf (rows, E, 1, &x, error) || !checked_buf (rows, 3 * E, 1, &qkv, error)
      || !checked_buf (B, L, hd, &q, error) || !checked_buf (B, S, hd, &k, error)
      || !checked_buf (B, S, hd, &v, error) || !checked_buf (B, L, S, &w, error)
      || !checked_buf (B, L, hd, &o, error) || !checked_buf (rows, E, 1, &ob, error))
    return NULL;
  const float *src = ps_tensor_cf32 (input);
  if (batched && cfg->batch_first)
    {
      for (int64_t t = 0; t < L; t++)
        for (int64_t n = 0; n < N; n++)
          memcpy (x + (t * N + n) * E, src + (n * L + t) * E, (size_t) E * sizeof (float));
    }
  else if (rows > 0)
    memcpy (x, src, (size_t) (rows * E) * sizeof (float));

  /* packed in-projection: one linear with 3E outputs, chunked into q | k | v */
  ps_ops_linear_rows (x, rows, E, w_in, 3 * E, b_in, qkv);

  /* heads: b = n·H + h; q[b, t, d] = qkv[t·N + n, h·hd + d] (view (L, N·H, hd), transpose(0, 1));
   * k, v likewise, then the bias_k/bias_v row at s = L, then the zero row */
  float inv_scale = (float) sqrt ((double) hd);  /* q / math.sqrt(hd): float tensor ÷ float scalar */
  for (int64_t n = 0; n < N; n++)
    for (int64_t h = 0; h < Hn; h++)
      {
        int64_t b = n * Hn + h;
        for (int64_t t = 0; t < L; t++)
          {
            const float *row = qkv + (t * N + n) * 3 * E + h * hd;
            for (int64_t d = 0; d < hd; d++)
              {
                q[(b * L + t) * hd + d] = row[d] / inv_scale;
                k[(b * S + t) * hd + d] = row[E + d];
                v[(b * S + t) * hd + d] = row[2 * E + d];
              }
          }
        if (cfg->add_bias_kv)
          for (int64_t d = 0; d < hd; d++)
            {
              k[(b * S + L) * hd + d] = bias_k[h * hd + d];
              v[(b * S + L) * hd + d] = bias_v[h * hd + d];
            }
        /* the add_zero_attn row is already zero (buffers are zero-filled) */
      }

  gboolean small1 = hd * L * S < 400, small2 = S * L * hd < 400;
  for (int64_t b = 0; b < B; b++)
    bmm_one (q + b * L * hd, k + b * S * hd, TRUE, w + b * L * S, L, S, hd, small1);

  /* softmax over s, as ATen's _vec_softmax_lastdim: max, exp(x − max), sum, × (1/sum) */
  for (int64_t r = 0; r < B * L; r++)
    {
      float *row = w + r * S;
      float mx = -INFINITY;
      for (int64_t s = 0; s < S; s++)
        mx = row[s] > mx || isnan (row[s]) ? row[s] : mx;
      float sum = 0.0f;
      for (int64_t s = 0; s < S; s++)
        {
          row[s] = expf (row[s] - mx);
          sum += row[s];
        }
      float rs = 1.0f / sum;
      for (int64_t s = 0; s < S; s++)
        row[s] = row[s] * rs;
    }
  if (self->training && cfg->dropout > 1.0)
    {
      /* torch accepts any dropout at construction; F.dropout refuses it here (p < 0 never gets there) */
      g_autofree char *d = ps_value_to_python (ps_args_lookup (self->args, "dropout"));
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "dropout probability has to be between 0 and 1, but got %s", d);
      return NULL;
    }
  if (self->training && cfg->dropout > 0.0 && !ps_ops_dropout (w, w, B * L * S, cfg->dropout, gen, error))
    return NULL;

  for (int64_t b = 0; b < B; b++)
    bmm_one (w + b * L * S, v + b * S * hd, FALSE, o + b * L * hd, L, hd, S, small2);

  /* back to (L·N, E): ob[t·N + n, h·hd + d] = o[b, t, d] */
  for (int64_t n = 0; n < N; n++)
    for (int64_t h = 0; h < Hn; h++)
      for (int64_t t = 0; t < L; t++)
        memcpy (ob + (t * N + n) * E + h * hd, o + ((n * Hn + h) * L + t) * hd, (size_t) hd * sizeof (float));

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
    return NULL;
  float *y = ps_tensor_f32 (out);
  if (batched && cfg->batch_first)
    {
      ps_ops_linear_rows (ob, rows, E, w_out, E, b_out, x);   /* x is free now: (L·N, E) */
      for (int64_t t = 0; t < L; t++)
        for (int64_t n = 0; n < N; n++)
          memcpy (y + (n * L + t) * E, x + (t * N + n) * E, (size_t) E * sizeof (float));
    }
  else
    ps_ops_linear_rows (ob, rows, E, w_out, E, b_out, y);
  return g_steal_pointer (&out);
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
};
