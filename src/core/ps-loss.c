/* ps-loss.c — see ps-loss.h. Each formula names the ATen 1.13 kernel it reproduces; kernels in
 * aten/src/ATen/native/cpu/ (AVX2 build) have GCC's contractions spelled out as fmaf, those in
 * aten/src/ATen/native/ (baseline build, e.g. nll_loss, binary_cross_entropy) have none.
 * BCELoss uses log(1 − x), not log1p(−x): verified against torch 1.13 (log1p differs on ~3 % of inputs). */
#include "ps-loss.h"
#include "ps-reduce.h"
#include "ps-sleef.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = {
  "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
  "BCEWithLogitsLoss",
};

gboolean
ps_loss_kind_from_name (const char *name, PsLossKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind = (PsLossKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ps_loss_kind_name (PsLossKind kind)
{
  return kind_names[kind];
}

gboolean
ps_reduction_from_name (const char *name, PsReduction *out, GError **error)
{
  static const char *const names[] = { "mean", "sum", "none" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *out = (PsReduction) i;
        return TRUE;
      }
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is not a valid value for reduction", name);
  return FALSE;
}

const char *
ps_reduction_name (PsReduction r)
{
  return r == PS_REDUCTION_MEAN ? "mean" : r == PS_REDUCTION_SUM ? "sum" : "none";
}

void
ps_loss_init (PsLoss *loss, PsLossKind kind)
{
  memset (loss, 0, sizeof *loss);
  loss->kind = kind;
  loss->reduction = PS_REDUCTION_MEAN;
  loss->beta = 1.0;
  loss->delta = 1.0;
  loss->ignore_index = -100;
}

void
ps_loss_clear (PsLoss *loss)
{
  g_clear_pointer (&loss->weight, ps_tensor_unref);
  g_clear_pointer (&loss->pos_weight, ps_tensor_unref);
}

gboolean
ps_loss_wants_indices (const PsLoss *loss)
{
  return loss->kind == PS_LOSS_CROSS_ENTROPY || loss->kind == PS_LOSS_NLL;
}

/* ---------- log_softmax over rows (row sums: vec::reduce_all, ps_reduce_all_sum) ---------- */

/* The vector kernels of ATen's AVX2/AVX512 builds (Sleef exp/log, GCC's fused multiply-adds, the
 * lanes folded as VecReduceAllSIMD) — or, when the calling thread reproduces torch's portable
 * DEFAULT build (ps_threads_get_flavour: a recipe with "flavour": "default"), vec_base.h's generic
 * Vectorized<float>: std::exp/std::log per lane (glibc expf/logf), no FMA, lanes added in order. */
static gboolean
vector_build (void)
{
  return ps_threads_get_flavour () != PS_FLAVOUR_DEFAULT;
}

static void
ps_loss_log_softmax (const float *x, int64_t n, int64_t c, float *out)
{
  const gboolean vec = vector_build ();
  g_autofree float *e = g_new (float, (gsize) MAX (c, 1));
  for (int64_t r = 0; r < n; r++)
    {
      const float *xr = x + r * c;
      float mx = xr[0];
      for (int64_t k = 1; k < c; k++)
        mx = (xr[k] > mx || isnan (xr[k])) ? xr[k] : mx;
      for (int64_t k = 0; k < c; k++)
        e[k] = vec ? ps_sleef_expf (xr[k] - mx) : expf (xr[k] - mx);
      const float s = ps_reduce_all_sum (e, c, vec);
      float ls = vec ? ps_sleef_logf (s) : logf (s);
      for (int64_t k = 0; k < c; k++)
        out[r * c + k] = (xr[k] - mx) - ls;
    }
}

/* _vec_log_softmax_backward: gi = g − exp(out)·Σg, fused (DEFAULT build: a product and a
 * difference, std::exp) */
static void
log_softmax_backward (const float *g, const float *out, int64_t n, int64_t c, float *gi)
{
  const gboolean vec = vector_build ();
  for (int64_t r = 0; r < n; r++)
    {
      float s = ps_reduce_all_sum (g + r * c, c, vec);
      for (int64_t k = 0; k < c; k++)
        gi[r * c + k] = vec ? fmaf (-ps_sleef_expf (out[r * c + k]), s, g[r * c + k])
                            : g[r * c + k] - expf (out[r * c + k]) * s;
    }
}

/* ---------- nll_loss (LossNLL.cpp nll_loss_out_frame, 2-D) ---------- */

static gboolean
check_targets (const PsLoss *loss, const int64_t *t, int64_t n, int64_t c, GError **error)
{
  for (int64_t b = 0; b < n; b++)
    if (t[b] != loss->ignore_index && (t[b] < 0 || t[b] >= c))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Target %" G_GINT64_FORMAT " is out of bounds.", t[b]);
        return FALSE;
      }
  return TRUE;
}

/* Returns the loss (mean/sum) and the total weight; `none` writes per-sample values. */
static float
nll_forward (const PsLoss *loss, const float *x, const int64_t *t, int64_t n, int64_t c, float *total_weight,
             float *none_out)
{
  const float *w = loss->weight ? ps_tensor_cf32 (loss->weight) : NULL;
  if (loss->reduction == PS_REDUCTION_NONE)
    {
      for (int64_t b = 0; b < n; b++)
        none_out[b] = t[b] == loss->ignore_index ? 0.0f
                      : w ? -(w[t[b]] * x[b * c + t[b]]) : -x[b * c + t[b]];
      return 0.0f;
    }
  enum { LEVELS = 8 };
  int64_t cl2 = n <= 2 ? 1 : 64 - __builtin_clzll ((unsigned long long) (n - 1));
  const int64_t lp = MAX ((int64_t) 4, cl2 / LEVELS);
  const int64_t mask = ((int64_t) 1 << lp) - 1;
  float wsum[LEVELS] = { 0 }, lsum[LEVELS] = { 0 };
  int64_t ignored = 0;
  for (int64_t b = 0; b < n; b++)
    {
      int64_t tb = t[b];
      if (tb == loss->ignore_index)
        {
          ignored++;
          continue;
        }
      float d = x[b * c + tb];
      if (w)
        {
          lsum[0] -= d * w[tb];
          wsum[0] += w[tb];
        }
      else
        lsum[0] -= d;
      for (int j = 0; j + 1 < LEVELS; j++)
        {
          if ((b & (mask << (j * lp))) != 0)
            break;
          wsum[j + 1] += wsum[j];
          lsum[j + 1] += lsum[j];
          wsum[j] = 0.0f;
          lsum[j] = 0.0f;
        }
    }
  float tw;
  if (w == NULL)
    tw = (float) (n - ignored);
  else
    {
      tw = 0.0f;
      for (int j = 0; j < LEVELS; j++)
        tw += wsum[j];
    }
  float out = 0.0f;
  for (int j = 0; j < LEVELS; j++)
    out += lsum[j];
  if (loss->reduction == PS_REDUCTION_MEAN)
    out /= tw;
  *total_weight = tw;
  return out;
}

/* nll_loss_backward_out_frame: gi[b, t_b] = w[t_b]·(−(go/total_weight)) (mean) or −go (sum), go the
 * gradient of the loss (1 for loss.backward(), 1 − label_smoothing under smoothing) */
static void
nll_backward (const PsLoss *loss, const int64_t *t, int64_t n, int64_t c, float total_weight, float go, float *gi)
{
  const float *w = loss->weight ? ps_tensor_cf32 (loss->weight) : NULL;
  memset (gi, 0, (size_t) (n * c) * sizeof (float));
  const float g = -(loss->reduction == PS_REDUCTION_MEAN ? go / total_weight : go);
  for (int64_t b = 0; b < n; b++)
    if (t[b] != loss->ignore_index)
      gi[b * c + t[b]] = w ? w[t[b]] * g : g;
}

/* ---------- elementwise losses ---------- */

/* Sigmoid as the unary kernel computes it: whole chunks of two vectors (16 elements; 32 at the AVX512
 * capability) by the vector code (Sleef), the tail by the scalar code (glibc). In the DEFAULT build
 * the vector code's exp is std::exp too: 1/(1 + expf(−x)) everywhere. */
static void
sigmoid_tensor (const float *x, int64_t n, float *out)
{
  const int64_t block = 2 * ps_threads_aten_lanes ();
  int64_t nv = vector_build () ? n / block * block : 0;
  for (int64_t i = 0; i < nv; i++)
    out[i] = 1.0f / (ps_sleef_expf (0.0f - x[i]) + 1.0f);
  for (int64_t i = nv; i < n; i++)
    out[i] = 1.0f / (1.0f + expf (-x[i]));
}

static float
sgnf (float v)
{
  return (float) ((0.0f < v) - (v < 0.0f));
}

static gboolean
check_same (const PsTensor *input, const PsTensor *target, GError **error)
{
  if (target->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Found dtype Long but expected Float");
      return FALSE;
    }
  if (!ps_tensor_same_shape (input, target))
    {
      g_autofree char *a = ps_tensor_shape_string (input);
      g_autofree char *b = ps_tensor_shape_string (target);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Using a target size (%s) that is different to the input size (%s) is deprecated. "
                   "Please ensure they have the same size.", b, a);
      return FALSE;
    }
  return TRUE;
}

static PsTensor *
scalar_tensor (float v, GError **error)
{
  PsTensor *t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 0, NULL, error);
  if (t != NULL)
    ps_tensor_f32 (t)[0] = v;
  return t;
}

/* The gradient of a loss with respect to its 2-D `input`, to fill; NULL when it cannot be had,
 * *out (the loss already computed) then released. */
static PsTensor *
grad_buffer (const PsTensor *input, PsTensor **out, GError **error)
{
  PsTensor *gi = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, input->shape, error);
  if (gi == NULL)
    g_clear_pointer (out, ps_tensor_unref);
  return gi;
}

static gboolean
check_weights (const PsLoss *loss, const PsTensor *input, GError **error)
{
  if (loss->weight == NULL && loss->pos_weight == NULL)
    return TRUE;
  if (loss->kind == PS_LOSS_CROSS_ENTROPY || loss->kind == PS_LOSS_NLL)
    {
      if (loss->pos_weight == NULL && loss->weight->ndim == 1 && loss->weight->numel == input->shape[1])
        return TRUE;
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "weight tensor should be defined either for all %" G_GINT64_FORMAT " classes or no classes "
                   "but got weight tensor of shape: [%" G_GINT64_FORMAT "]",
                   input->shape[1], loss->weight ? loss->weight->numel : 0);
      return FALSE;
    }
  if (loss->kind == PS_LOSS_BCE || loss->kind == PS_LOSS_BCE_WITH_LOGITS)
    {
      /* supported: an element weight of the input's shape, a pos_weight of the last dim */
      if (loss->weight != NULL && !ps_tensor_same_shape (loss->weight, input))
        goto bad;
      if (loss->pos_weight != NULL
          && (loss->kind != PS_LOSS_BCE_WITH_LOGITS || loss->pos_weight->ndim != 1 || input->ndim < 1
              || loss->pos_weight->numel != input->shape[input->ndim - 1]))
        goto bad;
      return TRUE;
    }
bad:
  g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
               "%s: this weight/pos_weight shape is not supported (weight must match the input, pos_weight its "
               "last dimension)", ps_loss_kind_name (loss->kind));
  return FALSE;
}

/* ---------- CrossEntropyLoss with label smoothing or probability targets (LossNLL.cpp) ---------- */

/* cross_entropy_loss_label_smoothing, class indices:
 *   input = log_softmax(x, 1); nll = nll_loss_nd(input, t, weight, reduction, ignore_index)
 *   smooth = −(input·w).sum(1) (or −input.sum(1)); smooth.masked_fill_(t == ignore_index, 0)
 *   mean: smooth.sum() / (non-ignored count, or weight.gather(t[kept]).sum()); sum: smooth.sum()
 *   loss = (1 − ls)·nll + ret·(ls / C)
 * The backward is autograd's through those ops: nll_loss_backward with grad_output (1 − ls), and
 * (ls/C)/denominator negated, zero on ignored rows, times w[k]; both gradients meet at
 * log_softmax's backward (two terms: their order cannot matter). */
static PsTensor *
cross_entropy_smoothing (const PsLoss *loss, const PsTensor *input, const int64_t *t, const float *lsm,
                         PsTensor **grad_input, GError **error)
{
  const int64_t N = input->shape[0], C = input->shape[1];
  const double ls = loss->label_smoothing;
  const float keep = (float) (1.0 - ls), share = (float) (ls / (double) C);
  const float *w = loss->weight ? ps_tensor_cf32 (loss->weight) : NULL;
  g_autofree float *sm = g_new (float, (gsize) MAX (N, 1));
  g_autofree float *row = g_new (float, (gsize) MAX (C, 1));
  for (int64_t b = 0; b < N; b++)
    {
      const float *lr = lsm + b * C;
      float s;
      if (w)
        {
          for (int64_t k = 0; k < C; k++)
            row[k] = lr[k] * w[k];
          s = ps_reduce_sum (row, C);
        }
      else
        s = ps_reduce_sum (lr, C);
      sm[b] = t[b] == loss->ignore_index ? 0.0f : -s;
    }
  float tw = 0.0f;
  if (loss->reduction == PS_REDUCTION_NONE)
    {
      PsTensor *out = ps_tensor_new_1d (PS_DTYPE_FLOAT32, N, error);
      if (out == NULL)
        return NULL;
      float *o = ps_tensor_f32 (out);
      nll_forward (loss, lsm, t, N, C, &tw, o);
      for (int64_t b = 0; b < N; b++)
        o[b] = keep * o[b] + sm[b] * share;
      return out;
    }
  float denom = 1.0f;
  if (loss->reduction == PS_REDUCTION_MEAN)
    {
      if (w)
        {
          /* weight.gather(0, target.masked_select(~ignore_mask)).sum() */
          g_autofree float *tw_kept = g_new (float, (gsize) MAX (N, 1));
          int64_t m = 0;
          for (int64_t b = 0; b < N; b++)
            if (t[b] != loss->ignore_index)
              tw_kept[m++] = w[t[b]];
          denom = ps_reduce_sum (tw_kept, m);
        }
      else
        {
          int64_t m = 0;
          for (int64_t b = 0; b < N; b++)
            m += t[b] != loss->ignore_index;
          denom = (float) m;
        }
    }
  float ret = ps_reduce_sum (sm, N);
  if (loss->reduction == PS_REDUCTION_MEAN)
    ret = ret / denom;
  float nll = nll_forward (loss, lsm, t, N, C, &tw, NULL);
  PsTensor *out = scalar_tensor (keep * nll + ret * share, error);
  if (out == NULL || grad_input == NULL)
    return out;
  PsTensor *gi = grad_buffer (input, &out, error);
  if (gi == NULL)
    return NULL;
  float *g = ps_tensor_f32 (gi);
  nll_backward (loss, t, N, C, tw, keep * 1.0f, g);
  const float gs = loss->reduction == PS_REDUCTION_MEAN ? (1.0f * share) / denom : 1.0f * share;
  for (int64_t b = 0; b < N; b++)
    {
      const float gb = -(t[b] == loss->ignore_index ? 0.0f : gs);
      for (int64_t k = 0; k < C; k++)
        g[b * C + k] = g[b * C + k] + (w ? gb * w[k] : gb);
    }
  g_autofree float *gcopy = g_memdup2 (g, (gsize) (N * C) * sizeof (float));
  log_softmax_backward (gcopy, lsm, N, C, g);
  *grad_input = gi;
  return out;
}

/* cross_entropy_loss_prob_target: target of the input's shape holds class probabilities.
 *   input = log_softmax(x, 1); target = ls > 0 ? t·(1 − ls) + ls/C : t
 *   mean: −(input·target[·w]).sum() / (numel / C); sum: −(…).sum(); none: −(…).sum(1) */
static PsTensor *
cross_entropy_prob (const PsLoss *loss, const PsTensor *input, const PsTensor *target, PsTensor **grad_input,
                    GError **error)
{
  if (target->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Expected floating point type for target with class probabilities, got %s",
                   target->dtype == PS_DTYPE_INT64 ? "Long" : ps_dtype_name (target->dtype));
      return NULL;
    }
  if (loss->ignore_index >= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "ignore_index is not supported for floating point target");
      return NULL;
    }
  if (input->ndim != 2)
    {
      g_autofree char *a = ps_tensor_shape_string (input);
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "CrossEntropyLoss: only (N, C) inputs are supported, got %s", a);
      return NULL;
    }
  if (!check_weights (loss, input, error))
    return NULL;
  const double ls = loss->label_smoothing;
  if (ls > 1.0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "label_smoothing must be between 0.0 and 1.0. Got: %g", ls);
      return NULL;
    }
  const int64_t N = input->shape[0], C = input->shape[1], n = input->numel;
  const float *w = loss->weight ? ps_tensor_cf32 (loss->weight) : NULL;
  g_autofree float *lsm = g_new (float, (gsize) MAX (n, 1));
  g_autofree float *tg = g_memdup2 (ps_tensor_cf32 (target), (gsize) MAX (n, 1) * sizeof (float));
  g_autofree float *p = g_new (float, (gsize) MAX (n, 1));
  ps_loss_log_softmax (ps_tensor_cf32 (input), N, C, lsm);
  if (ls > 0.0)
    {
      const float a = (float) (1.0 - ls), b = (float) (ls / (double) C);
      for (int64_t i = 0; i < n; i++)
        tg[i] = tg[i] * a + b;
    }
  for (int64_t i = 0; i < n; i++)
    p[i] = w ? (lsm[i] * tg[i]) * w[i % C] : lsm[i] * tg[i];
  if (loss->reduction == PS_REDUCTION_NONE)
    {
      PsTensor *out = ps_tensor_new_1d (PS_DTYPE_FLOAT32, N, error);
      if (out != NULL)
        for (int64_t b = 0; b < N; b++)
          ps_tensor_f32 (out)[b] = -ps_reduce_sum (p + b * C, C);
      return out;
    }
  const gboolean mean = loss->reduction == PS_REDUCTION_MEAN;
  float s = -ps_reduce_sum (p, n);
  PsTensor *out = scalar_tensor (mean ? s / (float) N : s, error);
  if (out == NULL || grad_input == NULL)
    return out;
  PsTensor *gi = grad_buffer (input, &out, error);
  if (gi == NULL)
    return NULL;
  /* DivBackward (1/N), NegBackward, SumBackward (expand), MulBackward (·w, then ·target) */
  const float g0 = -(mean ? 1.0f / (float) N : 1.0f);
  g_autofree float *g = g_new (float, (gsize) MAX (n, 1));
  for (int64_t i = 0; i < n; i++)
    g[i] = w ? (g0 * w[i % C]) * tg[i] : g0 * tg[i];
  log_softmax_backward (g, lsm, N, C, ps_tensor_f32 (gi));
  *grad_input = gi;
  return out;
}

/* A Sequential (the one container whose forward runs its children in order). */
static gboolean
runs_children (const PsModule *m)
{
  return m->klass->is_container && m->klass->forward != NULL;
}

/* Whether m's 3-D output is, in torch, a view with dims 0 and 1 swapped: a batch_first
 * MultiheadAttention's attn_output.transpose(1, 0), a batch_first RNN/LSTM/GRU's
 * output.transpose(0, 1) (the class's batch_first_swaps_output), or a Sequential whose last child
 * that does not keep the layout (output_keeps_layout, measured by
 * tests/golden/gen_batch_first_roots.py for every registered layer it builds) gives one. */
static gboolean
output_swapped (const PsModule *m)
{
  if (m->klass->batch_first_swaps_output)
    return ps_args_get_bool (m->args, "batch_first");
  if (!runs_children (m))
    return FALSE;
  for (guint i = ps_module_n_children (m); i > 0; i--)
    {
      const PsModule *k = ps_module_child_at (m, i - 1);
      if (!k->klass->output_keeps_layout)
        return output_swapped (k);
    }
  return FALSE;   /* the data itself: contiguous */
}

gboolean
ps_loss_input_swapped (const PsModule *root, const PsTensor *output)
{
  return root != NULL && output != NULL && output->ndim == 3 && output_swapped (root);
}

/* The layout-keeping layers at m's end whose input is the swapped view output_swapped found and
 * whose gradient is still contiguous (*contiguous, updated through the tail, last layer first). */
static void
mark_swapped_tail (const PsModule *m, PsTape *tape, gboolean *contiguous)
{
  if (!runs_children (m))
    return;
  for (guint i = ps_module_n_children (m); i > 0 && *contiguous; i--)
    {
      const PsModule *k = ps_module_child_at (m, i - 1);
      if (!k->klass->output_keeps_layout)
        {
          mark_swapped_tail (k, tape, contiguous);
          return;
        }
      ps_tape_mark_grad_rows (tape, k);
      if (k->klass->grad_follows_saved)   /* its grad_input is laid out like the swapped input */
        *contiguous = FALSE;
    }
}

void
ps_loss_mark_grad_rows (const PsLoss *loss, const PsModule *root, const PsTensor *output, PsTape *tape)
{
  if (!ps_loss_input_swapped (root, output))
    return;
  gboolean contiguous;
  switch (loss->kind)
    {
    case PS_LOSS_MSE:
    case PS_LOSS_SMOOTH_L1:
    case PS_LOSS_HUBER:
      contiguous = TRUE;
      break;
    case PS_LOSS_L1:
      contiguous = loss->reduction == PS_REDUCTION_MEAN;
      break;
    case PS_LOSS_BCE_WITH_LOGITS:
      contiguous = loss->pos_weight != NULL;
      break;
    default:
      contiguous = FALSE;
      break;
    }
  if (contiguous)
    mark_swapped_tail (root, tape, &contiguous);
}

/* The elements of a (d0, d1, rest) tensor in the memory order of its dims-0-and-1-swapped view:
 * out[(j·d0 + i)·rest + r] = x[(i·d1 + j)·rest + r]. */
static void
swap01 (const float *x, int64_t d0, int64_t d1, int64_t rest, float *out)
{
  for (int64_t i = 0; i < d0; i++)
    for (int64_t j = 0; j < d1; j++)
      memcpy (out + (j * d0 + i) * rest, x + (i * d1 + j) * rest, (gsize) rest * sizeof (float));
}

PsTensor *
ps_loss_compute (const PsLoss *loss, const PsTensor *input, const PsTensor *target, PsTensor **grad_input,
                 GError **error)
{
  return ps_loss_compute_full (loss, input, FALSE, target, grad_input, error);
}

PsTensor *
ps_loss_compute_full (const PsLoss *loss, const PsTensor *input, gboolean swapped, const PsTensor *target,
                      PsTensor **grad_input, GError **error)
{
  if (input->tuple_next != NULL)
    {
      /* the model returned a tuple (a last MaxPool with return_indices=True): torch's loss fails */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, ps_loss_tuple_input_error (loss->kind));
      return NULL;
    }
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input", ps_loss_kind_name (loss->kind));
      return NULL;
    }
  if (grad_input != NULL && loss->reduction == PS_REDUCTION_NONE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "grad can be implicitly created only for scalar outputs");
      return NULL;
    }
  const int64_t n = input->numel;
  const float *x = ps_tensor_cf32 (input);
  const gboolean mean = loss->reduction == PS_REDUCTION_MEAN;

  if (ps_loss_wants_indices (loss))
    {
      if (loss->kind == PS_LOSS_CROSS_ENTROPY && ps_tensor_same_shape (input, target))
        return cross_entropy_prob (loss, input, target, grad_input, error);
      const double ls = loss->kind == PS_LOSS_CROSS_ENTROPY ? loss->label_smoothing : 0.0;
      const gboolean smoothing = ls > 0.0;
      if (ls > 1.0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "label_smoothing must be between 0.0 and 1.0. Got: %g", ls);
          return NULL;
        }
      if (target->dtype != PS_DTYPE_INT64)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                       "%s: only class-index (int64) targets are supported yet", ps_loss_kind_name (loss->kind));
          return NULL;
        }
      if (input->ndim != 2 || target->ndim != 1 || target->shape[0] != input->shape[0])
        {
          g_autofree char *a = ps_tensor_shape_string (input);
          g_autofree char *b = ps_tensor_shape_string (target);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "Expected input batch_size to match target batch_size: input %s, target %s "
                       "(only (N, C) inputs are supported)", a, b);
          return NULL;
        }
      const int64_t N = input->shape[0], C = input->shape[1];
      const int64_t *t = ps_tensor_ci64 (target);
      if (!check_weights (loss, input, error) || !check_targets (loss, t, N, C, error))
        return NULL;
      g_autofree float *lsm = NULL;
      const float *logp = x;
      if (loss->kind == PS_LOSS_CROSS_ENTROPY)
        {
          lsm = g_new (float, (gsize) MAX (n, 1));
          ps_loss_log_softmax (x, N, C, lsm);
          logp = lsm;
        }
      float tw = 0.0f;
      PsTensor *out;
      if (smoothing)
        return cross_entropy_smoothing (loss, input, t, lsm, grad_input, error);
      if (loss->reduction == PS_REDUCTION_NONE)
        {
          out = ps_tensor_new_1d (PS_DTYPE_FLOAT32, N, error);
          if (out != NULL)
            nll_forward (loss, logp, t, N, C, &tw, ps_tensor_f32 (out));
          return out;
        }
      out = scalar_tensor (nll_forward (loss, logp, t, N, C, &tw, NULL), error);
      if (out == NULL || grad_input == NULL)
        return out;
      PsTensor *gi = grad_buffer (input, &out, error);
      if (gi == NULL)
        return NULL;
      nll_backward (loss, t, N, C, tw, 1.0f, ps_tensor_f32 (gi));
      if (loss->kind == PS_LOSS_CROSS_ENTROPY)
        {
          g_autofree float *g = g_memdup2 (ps_tensor_cf32 (gi), (gsize) n * sizeof (float));
          log_softmax_backward (g, lsm, N, C, ps_tensor_f32 (gi));
        }
      *grad_input = gi;
      return out;
    }

  if (!check_same (input, target, error) || !check_weights (loss, input, error))
    return NULL;
  const float *tg = ps_tensor_cf32 (target);
  g_autoptr (PsTensor) el = ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error);
  g_autoptr (PsTensor) gi = grad_input ? ps_tensor_new_empty (PS_DTYPE_FLOAT32, input->ndim, input->shape, error) : NULL;
  if (el == NULL || (grad_input && gi == NULL))
    return NULL;
  float *l = ps_tensor_f32 (el);
  float *g = gi ? ps_tensor_f32 (gi) : NULL;
  const float *w = loss->weight ? ps_tensor_cf32 (loss->weight) : NULL;
  const float fn = (float) n;
  switch (loss->kind)
    {
    case PS_LOSS_MSE:
      {
        /* mse_loss: (x − t)², backward (norm·(x − t))·g with norm = 2/n (mean) or 2 */
        const float norm = (float) (mean ? 2.0 / (double) n : 2.0);
        for (int64_t i = 0; i < n; i++)
          {
            float d = x[i] - tg[i];
            l[i] = d * d;
            if (g)
              g[i] = (norm * d) * 1.0f;
          }
        break;
      }
    case PS_LOSS_L1:
      {
        /* (x − t).abs() then mean/sum; backward (g/n)·sgn(x − t) */
        const float gn = mean ? 1.0f / fn : 1.0f;
        for (int64_t i = 0; i < n; i++)
          {
            float d = x[i] - tg[i];
            l[i] = fabsf (d);
            if (g)
              g[i] = gn * sgnf (d);
          }
        break;
      }
    case PS_LOSS_SMOOTH_L1:
    case PS_LOSS_HUBER:
      {
        const gboolean huber = loss->kind == PS_LOSS_HUBER;
        const float beta = (float) (huber ? loss->delta : loss->beta);
        const float norm = (float) (mean ? 1.0 / (double) n : 1.0);
        /* ATen: TORCH_CHECK(beta >= 0) / TORCH_CHECK(delta > 0): NaN refused */
        if (!(beta >= 0.0f) || (huber && !(beta > 0.0f)))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         huber ? "huber_loss does not support non-positive values for delta."
                               : "smooth_l1_loss does not support negative values for beta.");
            return NULL;
          }
        if (!huber && beta == 0.0f)
          {
            /* beta = 0 is l1_loss */
            PsLoss l1 = *loss;
            l1.kind = PS_LOSS_L1;
            return ps_loss_compute_full (&l1, input, swapped, target, grad_input, error);
          }
        /* smooth_l1_backward_cpu_kernel runs cpu_kernel_vec: chunks of 2 × Vectorized<float>::size()
         * take the vector lambda ((x / beta_f) · norm · g), the tail the scalar one, which compares
         * and divides by the double beta: norm · x · g / beta in double, rounded to float */
        const int64_t chunk = 2 * (int64_t) ps_threads_aten_lanes ();
        const int64_t vec_end = n - n % chunk;
        /* a swapped input (its memory (d1, d0, rest)) and the contiguous target cannot be coalesced:
         * the kernel's inner loop is one row of `rest` elements, its vector chunks stay inside it */
        const int64_t row = swapped && input->ndim == 3 ? input->shape[2] : 0;
        const int64_t row_vec = row > 0 ? row - row % chunk : 0;
        const double beta_d = huber ? loss->delta : loss->beta;
        for (int64_t i = 0; i < n; i++)
          {
            float d = x[i] - tg[i];
            float z = fabsf (d);
            if (huber)
              l[i] = z < beta ? (0.5f * z) * z : beta * (z - 0.5f * beta);
            else
              l[i] = z < beta ? ((0.5f * z) * z) / beta : z - 0.5f * beta;
            if (g)
              {
                const gboolean in_vec = row > 0 ? i % row < row_vec : i < vec_end;
                /* huber_backward_cpu_kernel: the vector lambda norm · (±1 · delta, or x) · g in float; the
                 * scalar one keeps delta a double: (±norm · g) · delta in double, rounded to float,
                 * and compares x with ∓delta in double (delta ≠ 1 tails differ otherwise) */
                if (huber && in_vec)
                  g[i] = z >= beta ? (norm * ((d > 0.0f ? 1.0f : -1.0f) * beta)) * 1.0f : (norm * d) * 1.0f;
                else if (huber)
                  g[i] = (double) d <= -beta_d ? (float) ((double) (-norm * 1.0f) * beta_d)
                         : (double) d >= beta_d ? (float) ((double) (norm * 1.0f) * beta_d) : (norm * d) * 1.0f;
                else if (in_vec)
                  g[i] = (z >= beta ? (d > 0.0f ? 1.0f : -1.0f) * norm : (d / beta) * norm) * 1.0f;
                else
                  g[i] = (double) d <= -beta_d ? -norm * 1.0f : (double) d >= beta_d ? norm * 1.0f
                         : (float) ((double) ((norm * d) * 1.0f) / beta_d);
              }
          }
        break;
      }
    case PS_LOSS_BCE:
      {
        for (int64_t i = 0; i < n; i++)
          if (!(x[i] >= 0.0f && x[i] <= 1.0f) || !(tg[i] >= 0.0f && tg[i] <= 1.0f))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           (x[i] >= 0.0f && x[i] <= 1.0f) ? "all elements of target should be between 0 and 1"
                                                         : "all elements of input should be between 0 and 1");
              return NULL;
            }
        for (int64_t i = 0; i < n; i++)
          {
            l[i] = (tg[i] - 1.0f) * fmaxf (logf (1.0f - x[i]), -100.0f) - tg[i] * fmaxf (logf (x[i]), -100.0f);
            if (w)
              l[i] = l[i] * w[i];
            if (g)
              {
                g[i] = (1.0f * (x[i] - tg[i])) / fmaxf ((1.0f - x[i]) * x[i], 1e-12f);
                if (w)
                  g[i] = g[i] * w[i];
                if (mean)
                  g[i] = g[i] / fn;
              }
          }
        break;
      }
    case PS_LOSS_BCE_WITH_LOGITS:
      {
        const float *pw = loss->pos_weight ? ps_tensor_cf32 (loss->pos_weight) : NULL;
        const int64_t last = input->ndim > 0 ? input->shape[input->ndim - 1] : 1;
        const gboolean vec = vector_build ();   /* exp_/log_: Sleef, or std::exp/std::log (DEFAULT) */
        for (int64_t i = 0; i < n; i++)
          {
            float mv = fmaxf (-x[i], 0.0f);
            float lg = vec ? ps_sleef_logf (ps_sleef_expf (-mv) + ps_sleef_expf (-x[i] - mv))
                           : logf (expf (-mv) + expf (-x[i] - mv));
            if (pw)
              {
                float lw = (pw[i % last] - 1.0f) * tg[i] + 1.0f;
                l[i] = (1.0f - tg[i]) * x[i] + lw * (lg + mv);
              }
            else
              l[i] = ((1.0f - tg[i]) * x[i] + mv) + lg;
            if (w)
              l[i] = l[i] * w[i];
          }
        if (g)
          {
            if (swapped && input->ndim == 3)
              {
                /* input.sigmoid() of the swapped view runs in its memory order (vector blocks from
                 * the start of its (d1, d0, rest) buffer, the scalar tail at its end) */
                const int64_t d0 = input->shape[0], d1 = input->shape[1], rest = input->shape[2];
                g_autofree float *m = g_new (float, (gsize) MAX (n, 1));
                g_autofree float *sm = g_new (float, (gsize) MAX (n, 1));
                swap01 (x, d0, d1, rest, m);
                sigmoid_tensor (m, n, sm);
                swap01 (sm, d1, d0, rest, g);
              }
            else
              sigmoid_tensor (x, n, g);
            for (int64_t i = 0; i < n; i++)
              {
                if (pw)
                  {
                    float tt = pw[i % last] * tg[i];
                    g[i] = (((tt + 1.0f) - tg[i]) * g[i] - tt) * 1.0f;
                  }
                else
                  g[i] = (g[i] - tg[i]) * 1.0f;
                if (w)
                  g[i] = g[i] * w[i];
                if (mean)
                  g[i] = g[i] / fn;
              }
          }
        break;
      }
    default:
      g_assert_not_reached ();
    }
  if (loss->reduction == PS_REDUCTION_NONE)
    return g_steal_pointer (&el);
  float s;
  if (swapped && input->ndim == 3 && loss->kind != PS_LOSS_BCE_WITH_LOGITS)
    {
      /* mse_loss, l1_loss (sub), smooth_l1_loss and huber_loss allocate their element-wise result
       * through TensorIterator, which lays it out as the first input (the swapped view) is, and
       * binary_cross_entropy as empty_like(input): the mean/sum then runs over it in memory order.
       * (binary_cross_entropy_with_logits builds its result from (1 - target), contiguous.) */
      g_autofree float *m = g_new (float, (gsize) MAX (n, 1));
      swap01 (l, input->shape[0], input->shape[1], input->shape[2], m);
      s = ps_reduce_sum (m, n);
    }
  else
    s = ps_reduce_sum (l, n);
  PsTensor *out = scalar_tensor (mean ? s / fn : s, error);
  if (out != NULL && grad_input != NULL)
    *grad_input = g_steal_pointer (&gi);
  return out;
}
