/* ps-optimizer.c — see ps-optimizer.h; the per-element sequences are TRAINING-PARITY.md §2's. */
#include "ps-optimizer.h"
#include "ps-sleef.h"   /* PS_FMA_CLONES */
#include "ps-cpu.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

typedef struct {
  char *path;
  gboolean has_state;
  double step;          /* state['step']: a float32 tensor's value (exact up to 2^24) or an int */
  PsTensor *buf[3];     /* per kind, see state_names */
} ParamState;

struct _PsOptimizer {
  PsOptimConfig cfg;
  GArray *params;       /* ParamState */
  double group[PS_GROUP_N_KEYS];   /* scheduler keys of param_groups[0], present when bit set */
  guint group_set;
};

static const char *const kind_names[] = { "SGD", "Adam", "AdamW", "RMSprop", "Adagrad" };

gboolean
ps_optim_kind_from_name (const char *name, PsOptimKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind = (PsOptimKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ps_optim_kind_name (PsOptimKind kind)
{
  return kind_names[kind];
}

void
ps_optim_config_init (PsOptimConfig *cfg, PsOptimKind kind)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->kind = kind;
  cfg->beta1 = 0.9;
  cfg->beta2 = 0.999;
  cfg->alpha = 0.99;
  switch (kind)
    {
    case PS_OPTIM_SGD: cfg->lr = NAN; cfg->lr_missing = TRUE; break;   /* required */
    case PS_OPTIM_ADAM: cfg->lr = 1e-3; cfg->eps = 1e-8; break;
    case PS_OPTIM_ADAMW: cfg->lr = 1e-3; cfg->eps = 1e-8; cfg->weight_decay = 1e-2; break;
    case PS_OPTIM_RMSPROP: cfg->lr = 1e-2; cfg->eps = 1e-8; break;
    case PS_OPTIM_ADAGRAD: cfg->lr = 1e-2; cfg->eps = 1e-10; break;
    }
}

static void
param_state_clear (gpointer data)
{
  ParamState *s = data;
  g_free (s->path);
  for (int k = 0; k < 3; k++)
    ps_tensor_unref (s->buf[k]);
}

/* "Invalid <what>: <v>" as Python formats the value: an int as an int ("-1"), a float as its repr
 * ("-1.0", "nan", "-inf"). */
static gboolean
invalid_arg (GError **error, const char *what, double v, gboolean as_int)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (as_int && isfinite (v) && fabs (v) < 9.3e18)
    g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) v);
  else
    {
      g_ascii_dtostr (buf, sizeof buf, v);
      if (strpbrk (buf, ".eni") == NULL)   /* Python's repr of a float: -1.0 */
        g_strlcat (buf, ".0", sizeof buf);
    }
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Invalid %s: %s", what, buf);
  return FALSE;
}

#define invalid(error, what, field, ARG) invalid_arg ((error), (what), (field), (c->int_args >> (ARG)) & 1u)

/* torch 1.13's checks word for word: SGD's `if x < 0.0` lets NaN through, the others'
 * `if not 0.0 <= x` refuse it (NEG below). */
#define NEG(x) (!((x) >= 0.0))

static gboolean
validate (const PsOptimConfig *c, GError **error)
{
  if (c->lr_missing && isnan (c->lr))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "SGD: the learning rate 'lr' is required");
      return FALSE;
    }
  switch (c->kind)
    {
    case PS_OPTIM_SGD:
      if (c->lr < 0.0)
        return invalid (error, "learning rate", c->lr, PS_OPTIM_ARG_LR);
      if (c->momentum < 0.0)
        return invalid (error, "momentum value", c->momentum, PS_OPTIM_ARG_MOMENTUM);
      if (c->weight_decay < 0.0)
        return invalid (error, "weight_decay value", c->weight_decay, PS_OPTIM_ARG_WEIGHT_DECAY);
      if (c->nesterov && (c->momentum <= 0.0 || c->dampening != 0.0))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Nesterov momentum requires a momentum and zero dampening");
          return FALSE;
        }
      break;
    case PS_OPTIM_ADAM:
    case PS_OPTIM_ADAMW:
      if (NEG (c->lr))
        return invalid (error, "learning rate", c->lr, PS_OPTIM_ARG_LR);
      if (NEG (c->eps))
        return invalid (error, "epsilon value", c->eps, PS_OPTIM_ARG_EPS);
      if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
        return invalid (error, "beta parameter at index 0", c->beta1, PS_OPTIM_ARG_BETA1);
      if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
        return invalid (error, "beta parameter at index 1", c->beta2, PS_OPTIM_ARG_BETA2);
      if (NEG (c->weight_decay))
        return invalid (error, "weight_decay value", c->weight_decay, PS_OPTIM_ARG_WEIGHT_DECAY);
      break;
    case PS_OPTIM_RMSPROP:
      if (NEG (c->lr))
        return invalid (error, "learning rate", c->lr, PS_OPTIM_ARG_LR);
      if (NEG (c->eps))
        return invalid (error, "epsilon value", c->eps, PS_OPTIM_ARG_EPS);
      if (NEG (c->momentum))
        return invalid (error, "momentum value", c->momentum, PS_OPTIM_ARG_MOMENTUM);
      if (NEG (c->weight_decay))
        return invalid (error, "weight_decay value", c->weight_decay, PS_OPTIM_ARG_WEIGHT_DECAY);
      if (NEG (c->alpha))
        return invalid (error, "alpha value", c->alpha, PS_OPTIM_ARG_ALPHA);
      break;
    case PS_OPTIM_ADAGRAD:
      if (NEG (c->lr))
        return invalid (error, "learning rate", c->lr, PS_OPTIM_ARG_LR);
      if (NEG (c->lr_decay))
        return invalid (error, "lr_decay value", c->lr_decay, PS_OPTIM_ARG_LR_DECAY);
      if (NEG (c->weight_decay))
        return invalid (error, "weight_decay value", c->weight_decay, PS_OPTIM_ARG_WEIGHT_DECAY);
      if (NEG (c->initial_accumulator_value))
        return invalid (error, "initial_accumulator_value value", c->initial_accumulator_value, PS_OPTIM_ARG_INITIAL_ACCUMULATOR_VALUE);
      if (NEG (c->eps))
        return invalid (error, "epsilon value", c->eps, PS_OPTIM_ARG_EPS);
      break;
    }
  return TRUE;
}
#undef NEG

PsOptimizer *
ps_optimizer_new (const PsOptimConfig *cfg, PsModule *params, GError **error)
{
  if (!validate (cfg, error))
    return NULL;
  g_autoptr (GPtrArray) items = ps_module_named_parameters (params);
  if (items->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "optimizer got an empty parameter list");
      return NULL;
    }
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      if (it->param->value == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       "Attempted to use an uninitialized parameter '%s' in an optimizer (run a forward first)", it->path);
          return NULL;
        }
    }
  PsOptimizer *opt = g_new0 (PsOptimizer, 1);
  opt->cfg = *cfg;
  opt->params = g_array_new (FALSE, TRUE, sizeof (ParamState));
  g_array_set_clear_func (opt->params, param_state_clear);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      ParamState s = { g_strdup (it->path), FALSE, 0.0, { NULL, NULL, NULL } };
      if (cfg->kind == PS_OPTIM_ADAGRAD)
        {
          /* state['step'] = tensor(0.), state['sum'] = full_like(p, initial_accumulator_value) */
          s.has_state = TRUE;
          if ((s.buf[0] = ps_tensor_new_like (it->param->value, error)) == NULL)
            {
              g_free (s.path);
              ps_optimizer_free (opt);
              return NULL;
            }
          float *sum = ps_tensor_f32 (s.buf[0]);
          for (int64_t k = 0; k < s.buf[0]->numel; k++)
            sum[k] = (float) cfg->initial_accumulator_value;
        }
      g_array_append_val (opt->params, s);
    }
  return opt;
}

PsOptimizer *
ps_optimizer_copy (const PsOptimizer *src)
{
  PsOptimizer *opt = g_new0 (PsOptimizer, 1);
  opt->cfg = src->cfg;
  memcpy (opt->group, src->group, sizeof opt->group);
  opt->group_set = src->group_set;
  opt->params = g_array_new (FALSE, TRUE, sizeof (ParamState));
  g_array_set_clear_func (opt->params, param_state_clear);
  for (guint i = 0; i < src->params->len; i++)
    {
      ParamState s = g_array_index (src->params, ParamState, i);
      s.path = g_strdup (s.path);
      for (int k = 0; k < 3; k++)
        if (s.buf[k])
          ps_tensor_ref (s.buf[k]);
      g_array_append_val (opt->params, s);
    }
  return opt;
}

void
ps_optimizer_free (PsOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_array_unref (opt->params);
  g_free (opt);
}

const PsOptimConfig *
ps_optimizer_config (const PsOptimizer *opt)
{
  return &opt->cfg;
}

double
ps_optimizer_get_lr (const PsOptimizer *opt)
{
  return opt->cfg.lr;
}

void
ps_optimizer_set_lr (PsOptimizer *opt, double lr)
{
  opt->cfg.lr = lr;
}

gboolean
ps_optimizer_has_momentum (const PsOptimizer *opt)
{
  return opt->cfg.kind != PS_OPTIM_ADAGRAD;
}

void
ps_optimizer_set_momentum (PsOptimizer *opt, double momentum)
{
  if (opt->cfg.kind == PS_OPTIM_ADAM || opt->cfg.kind == PS_OPTIM_ADAMW)
    opt->cfg.beta1 = momentum;
  else
    opt->cfg.momentum = momentum;
}

const char *
ps_group_key_name (PsGroupKey key)
{
  static const char *const names[] = { "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum" };
  return names[key];
}

gboolean
ps_optimizer_group_get (const PsOptimizer *opt, PsGroupKey key, double *value)
{
  if (!(opt->group_set & (1u << key)))
    return FALSE;
  *value = opt->group[key];
  return TRUE;
}

void
ps_optimizer_group_set (PsOptimizer *opt, PsGroupKey key, double value)
{
  opt->group[key] = value;
  opt->group_set |= 1u << key;
}

static PsTensor *
step_tensor (const ParamState *s, PsOptimKind kind)
{
  PsTensor *t;
  if (kind == PS_OPTIM_RMSPROP)
    {
      if ((t = ps_tensor_new_empty (PS_DTYPE_INT64, 0, NULL, NULL)) != NULL)   /* (NULL: out of budget, left out) */
        ps_tensor_i64 (t)[0] = (int64_t) s->step;
    }
  else
    {
      if ((t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 0, NULL, NULL)) != NULL)
        ps_tensor_f32 (t)[0] = (float) s->step;
    }
  return t;
}

guint
ps_optimizer_state_items (const PsOptimizer *opt, guint i, const char *names[4], PsTensor *values[4])
{
  const ParamState *s = &g_array_index (opt->params, ParamState, i);
  const PsOptimConfig *c = &opt->cfg;
  guint n = 0;
  if (!s->has_state)
    return 0;
#define ADD(nm, t) do { PsTensor *t_ = (t); if (t_ != NULL) { names[n] = (nm); values[n] = t_; n++; } } while (0)
  switch (c->kind)
    {
    case PS_OPTIM_SGD:
      ADD ("momentum_buffer", s->buf[0] ? ps_tensor_ref (s->buf[0]) : NULL);
      break;
    case PS_OPTIM_ADAM:
    case PS_OPTIM_ADAMW:
      ADD ("step", step_tensor (s, c->kind));
      ADD ("exp_avg", ps_tensor_ref (s->buf[0]));
      ADD ("exp_avg_sq", ps_tensor_ref (s->buf[1]));
      if (c->amsgrad)
        ADD ("max_exp_avg_sq", ps_tensor_ref (s->buf[2]));
      break;
    case PS_OPTIM_RMSPROP:
      ADD ("step", step_tensor (s, c->kind));
      ADD ("square_avg", ps_tensor_ref (s->buf[0]));
      if (c->momentum > 0.0)
        ADD ("momentum_buffer", ps_tensor_ref (s->buf[1]));
      if (c->centered)
        ADD ("grad_avg", ps_tensor_ref (s->buf[2]));
      break;
    case PS_OPTIM_ADAGRAD:
      ADD ("step", step_tensor (s, c->kind));
      ADD ("sum", ps_tensor_ref (s->buf[0]));
      break;
    }
#undef ADD
  return n;
}

/* a.add_(b, alpha=s): fused in the AVX2 kernels, plain in the default build */
static inline float
add_alpha (float a, float b, float s, gboolean fused)
{
  return fused ? fmaf (b, s, a) : a + s * b;
}

/* a.addcmul_(t1, t2, value=v) */
static inline float
addcmul (float a, float t1, float t2, float v, gboolean fused)
{
  return fused ? fmaf (v * t1, t2, a) : a + (v * t1) * t2;
}

/* The allocations below fail (NULL, *error set) when the memory budget runs out. */
static PsTensor *
new_like (const PsTensor *t, GError **error)
{
  return ps_tensor_new_empty (PS_DTYPE_FLOAT32, t->ndim, t->shape, error);
}

static PsTensor *
zeros_like (const PsTensor *t, GError **error)
{
  return ps_tensor_new (PS_DTYPE_FLOAT32, t->ndim, t->shape, error);
}

/* Where a step writes a parameter or state tensor: into the tensor itself when nothing else holds
 * it (the previous step's own result, inside the train loop), else into a new one. torch updates
 * in place; every update below reads element k of its inputs before writing element k, so the
 * bits are the same either way, and a tensor a snapshot still holds is never written. */
static PsTensor *
output_for (PsTensor *t, GError **error)
{
  return ps_tensor_is_exclusive (t) ? ps_tensor_ref (t) : new_like (t, error);
}

/* The state tensors a step starts from (zeros, as torch's lazy state init) when it has none yet:
 * buf[j] for each j with want[j]. All or none: FALSE and *error when the budget runs out. */
static gboolean
init_state (ParamState *s, const PsTensor *like, const gboolean want[3], GError **error)
{
  PsTensor *z[3] = { NULL, NULL, NULL };
  for (int j = 0; j < 3; j++)
    if (want[j] && (z[j] = zeros_like (like, error)) == NULL)
      {
        for (int i = 0; i < j; i++)
          g_clear_pointer (&z[i], ps_tensor_unref);
        return FALSE;
      }
  for (int j = 0; j < 3; j++)
    if (want[j])
      s->buf[j] = z[j];
  s->has_state = TRUE;
  s->step = 0.0;
  return TRUE;
}

/* out[j] = output_for (s->buf[j]) for each j with want[j]; all or none. */
static gboolean
state_outputs (ParamState *s, const gboolean want[3], PsTensor *out[3], GError **error)
{
  for (int j = 0; j < 3; j++)
    {
      out[j] = NULL;
      if (want[j] && (out[j] = output_for (s->buf[j], error)) == NULL)
        {
          for (int i = 0; i < j; i++)
            g_clear_pointer (&out[i], ps_tensor_unref);
          return FALSE;
        }
    }
  return TRUE;
}

/* The AVX2 flavour's SGD and Adam/AdamW updates eight elements at a time: the same operations as
 * the scalar loops (one vfmadd per fmaf, vsqrtps/vdivps are exactly rounded like sqrtf and /), so
 * the same bits; the scalar loops finish the last n % 8 elements. */
static gboolean
have_avx2_fma (void)
{
  return (ps_cpu_features () & (PS_CPU_AVX2 | PS_CPU_FMA)) == (PS_CPU_AVX2 | PS_CPU_FMA);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PS_OPTIM_VECTOR 1
#pragma GCC push_options
#pragma GCC target ("avx2,fma")
#include <immintrin.h>

/* returns how many leading elements it did (a multiple of 8) */
static int64_t
sgd_avx2 (const PsOptimConfig *c, int64_t n, const float *p0, const float *g0, const float *b0, float *p, float *b)
{
  const __m256 sign = _mm256_set1_ps (-0.0f), wd = _mm256_set1_ps ((float) c->weight_decay);
  const __m256 mom = _mm256_set1_ps ((float) c->momentum), damp1 = _mm256_set1_ps ((float) (1.0 - c->dampening));
  const __m256 nlr = _mm256_set1_ps ((float) (-c->lr));
  const gboolean has_wd = c->weight_decay != 0.0;
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    {
      __m256 d = _mm256_loadu_ps (g0 + k);
      if (c->maximize)
        d = _mm256_xor_ps (d, sign);
      const __m256 pk = _mm256_loadu_ps (p0 + k);
      if (has_wd)
        d = _mm256_fmadd_ps (pk, wd, d);
      if (b != NULL)
        {
          __m256 bk = b0 == NULL ? d : _mm256_fmadd_ps (d, damp1, _mm256_mul_ps (_mm256_loadu_ps (b0 + k), mom));
          _mm256_storeu_ps (b + k, bk);
          d = c->nesterov ? _mm256_fmadd_ps (bk, mom, d) : bk;
        }
      _mm256_storeu_ps (p + k, _mm256_fmadd_ps (d, nlr, pk));
    }
  return k;
}

static int64_t
adam_avx2 (const PsOptimConfig *c, int64_t n, float nss, float fbc2s, const float *p0, const float *g0,
           const float *m0, const float *v0, float *p, float *mm, float *vv)
{
  const __m256 sign = _mm256_set1_ps (-0.0f), wd = _mm256_set1_ps ((float) c->weight_decay);
  const __m256 decay = _mm256_set1_ps ((float) (1.0 - c->lr * c->weight_decay));
  const __m256 b1 = _mm256_set1_ps ((float) c->beta1), b2 = _mm256_set1_ps ((float) c->beta2);
  const __m256 omb1 = _mm256_set1_ps ((float) (1.0 - c->beta1)), omb2 = _mm256_set1_ps ((float) (1.0 - c->beta2));
  const __m256 vnss = _mm256_set1_ps (nss), vbc2s = _mm256_set1_ps (fbc2s), eps = _mm256_set1_ps ((float) c->eps);
  const gboolean adamw = c->kind == PS_OPTIM_ADAMW, has_wd = c->weight_decay != 0.0;
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    {
      __m256 g = _mm256_loadu_ps (g0 + k);
      if (c->maximize)
        g = _mm256_xor_ps (g, sign);
      __m256 pk = _mm256_loadu_ps (p0 + k);
      if (adamw)
        pk = _mm256_mul_ps (pk, decay);
      else if (has_wd)
        g = _mm256_fmadd_ps (pk, wd, g);
      const __m256 m = _mm256_fmadd_ps (g, omb1, _mm256_mul_ps (_mm256_loadu_ps (m0 + k), b1));
      const __m256 v = _mm256_fmadd_ps (_mm256_mul_ps (omb2, g), g, _mm256_mul_ps (_mm256_loadu_ps (v0 + k), b2));
      _mm256_storeu_ps (mm + k, m);
      _mm256_storeu_ps (vv + k, v);
      const __m256 denom = _mm256_add_ps (_mm256_div_ps (_mm256_sqrt_ps (v), vbc2s), eps);
      _mm256_storeu_ps (p + k, _mm256_add_ps (pk, _mm256_div_ps (_mm256_mul_ps (vnss, m), denom)));
    }
  return k;
}
#pragma GCC pop_options
#endif

/* One Adam/AdamW update over elements [begin, end): element k reads p0, g0, m0, v0 (vm0) at k and
 * writes p, mm, vv (vm) at k only, so any split of the range gives the same bits. */
typedef struct {
  const PsOptimConfig *c;
  gboolean fused, vector;
  float nss, fbc2s, b1, b2, omb1, omb2, wd, decay, feps;
  const float *p0, *g0, *m0, *v0, *vm0;
  float *p, *mm, *vv, *vm;
} AdamJob;

static PS_FMA_CLONES void
adam_range (int64_t begin, int64_t end, void *data)
{
  const AdamJob *j = data;
  const PsOptimConfig *c = j->c;
  const gboolean fused = j->fused;
  const float *p0 = j->p0, *g0 = j->g0, *m0 = j->m0, *v0 = j->v0, *vm0 = j->vm0;
  float *p = j->p, *mm = j->mm, *vv = j->vv, *vm = j->vm;
  int64_t k0 = begin;
#ifdef PS_OPTIM_VECTOR
  if (j->vector && !c->amsgrad)
    k0 += adam_avx2 (c, end - begin, j->nss, j->fbc2s, p0 + begin, g0 + begin, m0 + begin, v0 + begin, p + begin,
                     mm + begin, vv + begin);
#endif
  for (int64_t k = k0; k < end; k++)
    {
      float g = c->maximize ? -g0[k] : g0[k];
      float pk = p0[k];
      if (c->kind == PS_OPTIM_ADAMW)
        pk = pk * j->decay;
      else if (c->weight_decay != 0.0)
        g = add_alpha (g, pk, j->wd, fused);
      mm[k] = add_alpha (m0[k] * j->b1, g, j->omb1, fused);   /* exp_avg.mul_(b1).add_(g, alpha=1-b1) */
      vv[k] = addcmul (v0[k] * j->b2, g, g, j->omb2, fused);   /* exp_avg_sq.mul_(b2).addcmul_(g, g, 1-b2) */
      float use = vv[k];
      if (vm != NULL)
        {
          vm[k] = fmaxf (vm0[k], vv[k]);
          use = vm[k];
        }
      float denom = sqrtf (use) / j->fbc2s + j->feps;
      p[k] = pk + (j->nss * mm[k]) / denom;   /* addcdiv_(exp_avg, denom, value=-step_size) */
    }
}

PS_FMA_CLONES gboolean
ps_optimizer_step (PsOptimizer *opt, PsModule *root, PsFlavour flavour, GError **error)
{
  const PsOptimConfig *c = &opt->cfg;
  const gboolean fused = flavour == PS_FLAVOUR_AVX2;
  /* resolve everything first: a failed step changes nothing */
  g_autofree PsParam **ps = g_new0 (PsParam *, opt->params->len);
  for (guint i = 0; i < opt->params->len; i++)
    {
      ParamState *s = &g_array_index (opt->params, ParamState, i);
      if (!ps_module_resolve (root, s->path, NULL, &ps[i], error))
        return FALSE;
      if (ps[i] == NULL || ps[i]->value == NULL || (ps[i]->grad != NULL && ps[i]->grad->numel != ps[i]->value->numel))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "optimizer: parameter '%s' is missing or changed shape", s->path);
          return FALSE;
        }
    }
  for (guint i = 0; i < opt->params->len; i++)
    {
      PsParam *pp = ps[i];
      if (pp->grad == NULL)
        continue;
      ParamState *s = &g_array_index (opt->params, ParamState, i);
      const int64_t n = pp->value->numel;
      const float *p0 = ps_tensor_cf32 (pp->value);
      const float *g0 = ps_tensor_cf32 (pp->grad);
      g_autoptr (PsTensor) pn = output_for (pp->value, error);
      if (pn == NULL)
        return FALSE;
      float *p = ps_tensor_f32 (pn);
      const gboolean vector = fused && have_avx2_fma ();
      int64_t k0 = 0;
      switch (c->kind)
        {
        case PS_OPTIM_SGD:
          {
            const float wd = (float) c->weight_decay, mom = (float) c->momentum;
            const float damp1 = (float) (1.0 - c->dampening), nlr = (float) (-c->lr);
            PsTensor *buf = NULL;
            if (c->momentum != 0.0 && (buf = s->buf[0] ? output_for (s->buf[0], error) : new_like (pp->value, error)) == NULL)
              return FALSE;
            float *b = buf ? ps_tensor_f32 (buf) : NULL;
            const float *b0 = s->buf[0] ? ps_tensor_cf32 (s->buf[0]) : NULL;
#ifdef PS_OPTIM_VECTOR
            if (vector)
              k0 = sgd_avx2 (c, n, p0, g0, b0, p, b);
#endif
            for (int64_t k = k0; k < n; k++)
              {
                float d = c->maximize ? -g0[k] : g0[k];
                if (c->weight_decay != 0.0)
                  d = add_alpha (d, p0[k], wd, fused);
                if (b != NULL)
                  {
                    if (b0 == NULL)
                      b[k] = d;   /* clone(d).detach() */
                    else
                      b[k] = add_alpha (b0[k] * mom, d, damp1, fused);
                    d = c->nesterov ? add_alpha (d, b[k], mom, fused) : b[k];
                  }
                p[k] = add_alpha (p0[k], d, nlr, fused);
              }
            if (buf != NULL)
              {
                ps_tensor_unref (s->buf[0]);
                s->buf[0] = buf;
                s->has_state = TRUE;
              }
            else
              s->has_state = TRUE;   /* state[p] = {'momentum_buffer': None} */
            break;
          }
        case PS_OPTIM_ADAM:
        case PS_OPTIM_ADAMW:
          {
            const gboolean bufs[3] = { TRUE, TRUE, c->amsgrad };
            PsTensor *out[3];
            if ((!s->has_state && !init_state (s, pp->value, bufs, error)) || !state_outputs (s, bufs, out, error))
              return FALSE;
            s->step = (double) (float) (s->step + 1.0);   /* step_t += 1 on a float32 tensor */
            const double bc1 = 1.0 - pow (c->beta1, s->step);
            const double bc2 = 1.0 - pow (c->beta2, s->step);
            const double step_size = c->lr / bc1;
            const double bc2s = sqrt (bc2);
            const float b1 = (float) c->beta1, b2 = (float) c->beta2;
            const float omb1 = (float) (1.0 - c->beta1), omb2 = (float) (1.0 - c->beta2);
            const float wd = (float) c->weight_decay, decay = (float) (1.0 - c->lr * c->weight_decay);
            const float nss = (float) (-step_size), fbc2s = (float) bc2s, feps = (float) c->eps;
            PsTensor *m = out[0], *v = out[1], *vmax = out[2];
            const float *m0 = ps_tensor_cf32 (s->buf[0]), *v0 = ps_tensor_cf32 (s->buf[1]);
            const float *vm0 = vmax ? ps_tensor_cf32 (s->buf[2]) : NULL;
            float *mm = ps_tensor_f32 (m), *vv = ps_tensor_f32 (v), *vm = vmax ? ps_tensor_f32 (vmax) : NULL;
            AdamJob job = { c, fused, vector, nss, fbc2s, b1, b2, omb1, omb2, wd, decay, feps,
                            p0, g0, m0, v0, vm0, p, mm, vv, vm };
            /* several CPUs: two divisions and a square root per element bound it (a tenth of a
             * Fashion-MNIST MLP's step on one CPU); grains of 2048, a multiple of the 8 lanes */
            ps_threads_parallel_for (n, 2048, adam_range, &job);
            ps_tensor_unref (s->buf[0]);
            ps_tensor_unref (s->buf[1]);
            s->buf[0] = m;
            s->buf[1] = v;
            if (vmax)
              {
                ps_tensor_unref (s->buf[2]);
                s->buf[2] = vmax;
              }
            break;
          }
        case PS_OPTIM_RMSPROP:
          {
            const gboolean bufs[3] = { TRUE, c->momentum > 0.0, c->centered };
            PsTensor *out[3];
            if ((!s->has_state && !init_state (s, pp->value, bufs, error)) || !state_outputs (s, bufs, out, error))
              return FALSE;
            s->step += 1.0;
            const float alpha = (float) c->alpha, oma = (float) (1.0 - c->alpha), wd = (float) c->weight_decay;
            const float feps = (float) c->eps, mom = (float) c->momentum, nlr = (float) (-c->lr);
            PsTensor *sq = out[0], *mb = out[1], *ga = out[2];
            const float *sq0 = ps_tensor_cf32 (s->buf[0]);
            const float *mb0 = mb ? ps_tensor_cf32 (s->buf[1]) : NULL, *ga0 = ga ? ps_tensor_cf32 (s->buf[2]) : NULL;
            float *q = ps_tensor_f32 (sq), *bb = mb ? ps_tensor_f32 (mb) : NULL, *gg = ga ? ps_tensor_f32 (ga) : NULL;
            for (int64_t k = 0; k < n; k++)
              {
                float g = c->maximize ? -g0[k] : g0[k];
                if (c->weight_decay != 0.0)
                  g = add_alpha (g, p0[k], wd, fused);
                q[k] = addcmul (sq0[k] * alpha, g, g, oma, fused);
                float avg;
                if (gg != NULL)
                  {
                    gg[k] = add_alpha (ga0[k] * alpha, g, oma, fused);
                    avg = sqrtf (addcmul (q[k], gg[k], gg[k], -1.0f, fused));
                  }
                else
                  avg = sqrtf (q[k]);
                avg = avg + feps;
                if (bb != NULL)
                  {
                    bb[k] = mb0[k] * mom + (1.0f * g) / avg;   /* buf.mul_(m).addcdiv_(g, avg) */
                    p[k] = add_alpha (p0[k], bb[k], nlr, fused);
                  }
                else
                  p[k] = p0[k] + (nlr * g) / avg;   /* addcdiv_(g, avg, value=-lr) */
              }
            ps_tensor_unref (s->buf[0]);
            s->buf[0] = sq;
            if (mb)
              {
                ps_tensor_unref (s->buf[1]);
                s->buf[1] = mb;
              }
            if (ga)
              {
                ps_tensor_unref (s->buf[2]);
                s->buf[2] = ga;
              }
            break;
          }
        case PS_OPTIM_ADAGRAD:
          {
            PsTensor *sum = output_for (s->buf[0], error);
            if (sum == NULL)
              return FALSE;
            s->step = (double) (float) (s->step + 1.0);
            const double clr = c->lr / (1.0 + (s->step - 1.0) * c->lr_decay);
            const float nclr = (float) (-clr), wd = (float) c->weight_decay, feps = (float) c->eps;
            const float *s0 = ps_tensor_cf32 (s->buf[0]);
            float *sm = ps_tensor_f32 (sum);
            for (int64_t k = 0; k < n; k++)
              {
                float g = c->maximize ? -g0[k] : g0[k];
                if (c->weight_decay != 0.0)
                  g = add_alpha (g, p0[k], wd, fused);
                sm[k] = addcmul (s0[k], g, g, 1.0f, fused);
                float std = sqrtf (sm[k]) + feps;
                p[k] = p0[k] + (nclr * g) / std;
              }
            ps_tensor_unref (s->buf[0]);
            s->buf[0] = sum;
            break;
          }
        }
      ps_param_set_value (pp, pn);
    }
  return TRUE;
}

gboolean
ps_optimizer_zero_grad (PsOptimizer *opt, PsModule *root, gboolean set_to_none, GError **error)
{
  g_autofree PsParam **ps = g_new0 (PsParam *, opt->params->len);
  for (guint i = 0; i < opt->params->len; i++)
    if (!ps_module_resolve (root, g_array_index (opt->params, ParamState, i).path, NULL, &ps[i], error))
      return FALSE;
  for (guint i = 0; i < opt->params->len; i++)
    {
      if (ps[i] == NULL || ps[i]->grad == NULL)
        continue;
      if (set_to_none)
        ps_param_set_grad (ps[i], NULL);
      else if (ps_tensor_is_exclusive (ps[i]->grad))
        memset (ps[i]->grad->data, 0, ps_tensor_nbytes (ps[i]->grad));   /* grad.zero_(), as torch */
      else
        {
          g_autoptr (PsTensor) z = zeros_like (ps[i]->grad, error);
          if (z == NULL)
            return FALSE;
          ps_param_set_grad (ps[i], z);
        }
    }
  return TRUE;
}
