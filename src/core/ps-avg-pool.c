/* ps-avg-pool.c — nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True) and nn.AvgPool2d(…, divisor_override=None), torch 1.13 CPU.
 *
 * AvgPool1d is avg_pool2d on x.unsqueeze(-2) with kernel (1, k), stride (1, s), padding (0, p)
 * (Pooling.cpp), so both run the contiguous avg_pool2d kernels (AvgPoolKernel.cpp):
 *   forward  per plane and output: the window [ih0, ih1) × [iw0, iw1) with ih1 = min(ih0 + kH,
 *            inH + padH); pool_size = its area before clipping to the input; a window wholly in
 *            the padding stays 0; sum in float over the clipped window, row by row;
 *            out = sum / divide_factor (float ÷ integer: divisor_override, else pool_size with
 *            count_include_pad, else the clipped area).
 *   backward per plane, in output order: grad_delta = grad_output / divide_factor, added to every
 *            element of the clipped window.
 * Checks and messages in torch's order (avg_pool2d's meta function: sizes are cast to int as
 * torch does — a stride of 2^40 reads as 0 — and pool2d_shape_check; avg_pool1d's own checks). */
#include "ps-layers.h"
#include "ps-pool.h"

#include <string.h>

#define POOL_ARGS(KEEP)                                                                            \
  { .name = "kernel_size", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 2, .aten_tuple_wrapped = !(KEEP), .expand_one = TRUE, .required = TRUE, .keep_int = KEEP,        \
    .doc = "the size of the window" },                                                             \
  { .name = "stride", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 3, .aten_tuple_wrapped = !(KEEP), .expand_one = TRUE, .nullable = TRUE, .def_none = TRUE,             \
    .keep_int = KEEP, .doc = "the stride of the window (None: kernel_size)" },                     \
  { .name = "padding", .kind = PS_ARG_INT_OR_TUPLE, .scalar_at_forward = TRUE, .aten_tuple_position = 4, .aten_tuple_wrapped = !(KEEP), .expand_one = TRUE, .def_int = 0, .keep_int = KEEP,                \
    .doc = "implicit zero padding on both sides" },                                                \
  { .name = "ceil_mode", .kind = PS_ARG_BOOL, .def_bool = FALSE, .aten_bool_position = 5,         \
    .doc = "use ceil instead of floor to compute the output shape" },                              \
  { .name = "count_include_pad", .kind = PS_ARG_BOOL, .def_bool = TRUE, .aten_bool_position = 6,  \
    .doc = "include the zero-padding in the averaging calculation" }

/* AvgPool1d applies _single() to its sizes: its repr shows tuples */
static const PsArgSpec avg_pool1d_args[] = { POOL_ARGS (FALSE), { NULL } };
static const PsArgSpec avg_pool2d_args[] = {
  POOL_ARGS (TRUE),
  /* avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override) */
  { .name = "divisor_override", .kind = PS_ARG_INT, .nullable = TRUE, .def_none = TRUE, .aten_position = 7, .aten_type = "int",
    .doc = "if given, the divisor instead of the window size" },
  { NULL }
};

static gboolean
no_construct (PsModule *self, GError **error)
{
  return TRUE;
}

typedef struct {
  PsPoolGeometry g;
  gboolean count_include_pad;
  gboolean has_divisor;
  int64_t divisor;
} AvgPlan;

/* avg_pool2d's meta function on an input whose last three dims are (C, H, W) */
static gboolean
plan_2d (const PsTensor *x, const int64_t *k, int nk, const int64_t *s, int ns, const int64_t *p, int np,
         gboolean ceil_mode, AvgPlan *plan, GError **error)
{
  PsPoolGeometry *g = &plan->g;
  if (nk != 1 && nk != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints");
      return FALSE;
    }
  g->kH = (int32_t) k[0], g->kW = (int32_t) k[nk - 1];
  if (ns > 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
      return FALSE;
    }
  g->dH = ns == 0 ? g->kH : (int32_t) s[0];
  g->dW = ns == 0 ? g->kW : (int32_t) s[ns - 1];
  if (np != 1 && np != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "avg_pool2d: padding must either be a single int, or a tuple of two ints");
      return FALSE;
    }
  g->padH = (int32_t) p[0], g->padW = (int32_t) p[np - 1];
  g->dilH = g->dilW = 1;
  if (plan->has_divisor && plan->divisor == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "divisor must be not zero");
      return FALSE;
    }
  int64_t channels, batch = x->ndim == 4 ? x->shape[0] : 1;
  if (!ps_pool_size (x, -3, &channels, error))
    return FALSE;
  g->inH = x->shape[x->ndim - 2];
  g->inW = x->shape[x->ndim - 1];
  /* torch 1.13's avg_pool2d meta computes the output size from the int64 arguments and checks the
   * shape with them cast to int (kernel_size=2**31 is "kernel size should be greater than zero, but
   * got kH: -2147483648"; padding=2**31 is "pad should be at most half …, but got pad=2147483648") */
  const int64_t dH64 = ns == 0 ? k[0] : s[0], dW64 = ns == 0 ? k[nk - 1] : s[ns - 1];
  if (!ps_pool_output_size (g->inH, k[0], p[0], dH64, 1, ceil_mode, &g->outH, error)
      || !ps_pool_output_size (g->inW, k[nk - 1], p[np - 1], dW64, 1, ceil_mode, &g->outW, error)
      || !ps_pool2d_shape_check (x, g->kH, g->kW, g->dH, g->dW, g->padH, g->padW, 1, 1, channels, g->inH, g->inW,
                                 g->outH, g->outW, error))
    return FALSE;
  g->planes = batch * channels;
  return TRUE;
}

static gboolean
plan (const PsModule *self, const PsTensor *x, AvgPlan *pl, GError **error)
{
  int64_t k[8], s[8], p[8];
  const int nk = ps_pool_arg (self, "kernel_size", k), np = ps_pool_arg (self, "padding", p);
  int ns = ps_pool_arg (self, "stride", s);
  const gboolean ceil_mode = ps_args_get_bool (self->args, "ceil_mode");
  memset (pl, 0, sizeof *pl);
  pl->count_include_pad = ps_args_get_bool (self->args, "count_include_pad");
  if (self->klass == &ps_avg_pool2d_class)
    {
      pl->has_divisor = !ps_args_is_none (self->args, "divisor_override");
      const PsValue *dv = ps_args_lookup (self->args, "divisor_override");
      pl->divisor = pl->has_divisor && dv->type == PS_VALUE_INT ? dv->i : 0;   /* another type: refused before */
      if (!plan_2d (x, k, nk, s, ns, p, np, ceil_mode, pl, error))
        return FALSE;
      pl->g.out_ndim = x->ndim;
      memcpy (pl->g.out_shape, x->shape, (gsize) x->ndim * sizeof (int64_t));
      pl->g.out_shape[x->ndim - 2] = pl->g.outH;
      pl->g.out_shape[x->ndim - 1] = pl->g.outW;
      return TRUE;
    }
  /* avg_pool1d */
  if (x->ndim < 2 || x->ndim >= 4)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' "
                   "(while checking arguments for avg_pool1d)", x->ndim);
      return FALSE;
    }
  if (ns == 0)
    {
      memcpy (s, k, sizeof k);
      ns = nk;
    }
  const char *names[3] = { "kernel_size", "stride", "padding" };
  const int n[3] = { nk, ns, np };
  for (int i = 0; i < 3; i++)
    if (n[i] != 1)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "avg_pool1d() argument '%s' should contain one int (got %d)", names[i], n[i]);
        return FALSE;
      }
  /* x.unsqueeze(-2) */
  PsTensor u = *x;
  u.ndim = x->ndim + 1;
  u.shape[x->ndim] = x->shape[x->ndim - 1];
  u.shape[x->ndim - 1] = 1;
  const int64_t k2[2] = { 1, k[0] }, s2[2] = { 1, s[0] }, p2[2] = { 0, p[0] };
  if (!plan_2d (&u, k2, 2, s2, 2, p2, 2, ceil_mode, pl, error))
    return FALSE;
  pl->g.out_ndim = x->ndim;
  memcpy (pl->g.out_shape, x->shape, (gsize) x->ndim * sizeof (int64_t));
  pl->g.out_shape[x->ndim - 1] = pl->g.outW;
  return TRUE;
}

/* The window of output (oh, ow), clipped; FALSE when it lies wholly in the padding. */
static gboolean
window (const AvgPlan *pl, int64_t oh, int64_t ow, int64_t *ih0, int64_t *ih1, int64_t *iw0, int64_t *iw1,
        int64_t *divide_factor)
{
  const PsPoolGeometry *g = &pl->g;
  *ih0 = oh * g->dH - g->padH;
  *iw0 = ow * g->dW - g->padW;
  *ih1 = MIN (*ih0 + g->kH, g->inH + g->padH);
  *iw1 = MIN (*iw0 + g->kW, g->inW + g->padW);
  const int64_t pool_size = (*ih1 - *ih0) * (*iw1 - *iw0);
  *ih0 = MAX (*ih0, 0);
  *iw0 = MAX (*iw0, 0);
  *ih1 = MIN (*ih1, g->inH);
  *iw1 = MIN (*iw1, g->inW);
  if (*ih0 >= *ih1 || *iw0 >= *iw1)
    return FALSE;
  if (pl->has_divisor)
    *divide_factor = pl->divisor;
  else if (pl->count_include_pad)
    *divide_factor = pool_size;
  else
    *divide_factor = (*ih1 - *ih0) * (*iw1 - *iw0);
  return TRUE;
}

static PsTensor *
avg_pool_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  if (input->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a float32 input, got %s",
                   self->klass->name, ps_dtype_name (input->dtype));
      return NULL;
    }
  AvgPlan pl;
  if (!plan (self, input, &pl, error))
    return NULL;
  const PsPoolGeometry *g = &pl.g;
  PsTensor *y = ps_tensor_new_empty (PS_DTYPE_FLOAT32, g->out_ndim, g->out_shape, error);
  if (y == NULL)
    return NULL;
  const float *x = ps_tensor_cf32 (input);
  float *o = ps_tensor_f32 (y);
  for (int64_t c = 0; c < g->planes; c++)
    {
      const float *ip = x + c * g->inH * g->inW;
      for (int64_t oh = 0; oh < g->outH; oh++)
        for (int64_t ow = 0; ow < g->outW; ow++)
          {
            float *out = o + (c * g->outH + oh) * g->outW + ow;
            int64_t ih0, ih1, iw0, iw1, div;
            *out = 0.0f;
            if (!window (&pl, oh, ow, &ih0, &ih1, &iw0, &iw1, &div))
              continue;
            float sum = 0.0f;
            for (int64_t ih = ih0; ih < ih1; ih++)
              for (int64_t iw = iw0; iw < iw1; iw++)
                sum += ip[ih * g->inW + iw];
            *out = *out + sum / (float) div;
          }
    }
  return y;
}

static gboolean
avg_pool_backward (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input,
                   PsGradSink *sink, GError **error)
{
  if (grad_input == NULL)
    return TRUE;
  AvgPlan pl;
  if (!plan (self, entry->input, &pl, error))
    return FALSE;
  const PsPoolGeometry *g = &pl.g;
  const float *go;
  float *gid;
  PsTensor *gi = ps_pool_grad_input_new (entry->input, grad_output, &go, &gid, error);
  if (gi == NULL)
    return FALSE;
  for (int64_t c = 0; c < g->planes; c++)
    {
      float *gp = gid + c * g->inH * g->inW;
      for (int64_t oh = 0; oh < g->outH; oh++)
        for (int64_t ow = 0; ow < g->outW; ow++)
          {
            int64_t ih0, ih1, iw0, iw1, div;
            if (!window (&pl, oh, ow, &ih0, &ih1, &iw0, &iw1, &div))
              continue;
            const float delta = go[(c * g->outH + oh) * g->outW + ow] / (float) div;
            for (int64_t ih = ih0; ih < ih1; ih++)
              for (int64_t iw = iw0; iw < iw1; iw++)
                gp[ih * g->inW + iw] += delta;
          }
    }
  *grad_input = gi;
  return TRUE;
}

/* A size as the module holds it: AvgPool1d's _single() wraps a scalar of another type too, (2.0,) */
static char *
held_str (const PsModule *self, const PsValue *v)
{
  if (self->klass == &ps_avg_pool1d_class && v->coerced && v->given != PS_VALUE_INT_LIST && v->given != PS_VALUE_STRING)
    {
      PsValue one = *v;
      one.type = v->given;
      one.coerced = FALSE;
      one.s = NULL;
      g_autofree char *r = ps_value_to_str (&one);
      return g_strdup_printf ("(%s,)", r);
    }
  return ps_value_to_python (v);
}

static char *
avg_pool_extra_repr (const PsModule *self)
{
  const PsValue *k = ps_args_lookup (self->args, "kernel_size"), *s = ps_args_lookup (self->args, "stride");
  g_autofree char *ks = held_str (self, k);
  g_autofree char *ss = held_str (self, s->type == PS_VALUE_NONE ? k : s);
  g_autofree char *ps = held_str (self, ps_args_lookup (self->args, "padding"));
  return g_strdup_printf ("kernel_size=%s, stride=%s, padding=%s", ks, ss, ps);
}

static void
avg_pool_example_input (const PsModule *self, PsExampleInput *ex)
{
  int64_t k[8];
  const int nk = ps_pool_arg (self, "kernel_size", k);
  int64_t span = 0;
  for (int i = 0; i < nk; i++)
    if (k[i] > 0 && k[i] < 64)
      span = MAX (span, k[i]);
  ps_pool_example_input (self->klass == &ps_avg_pool1d_class ? 1 : 2, span, ex);
}

const PsModuleClass ps_avg_pool1d_class = {
  .name = "AvgPool1d",
  .args = avg_pool1d_args,
  .construct = no_construct,
  .forward = avg_pool_forward,
  .extra_repr = avg_pool_extra_repr,
  .example_input = avg_pool_example_input,
  .backward = (gpointer) avg_pool_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("avg_pool1d", "input", 1),
};

const PsModuleClass ps_avg_pool2d_class = {
  .name = "AvgPool2d",
  .args = avg_pool2d_args,
  .construct = no_construct,
  .forward = avg_pool_forward,
  .extra_repr = avg_pool_extra_repr,
  .example_input = avg_pool_example_input,
  .backward = (gpointer) avg_pool_backward,
  .tuple_input_error = PS_TUPLE_NOT_TENSOR ("avg_pool2d", "input", 1),
};
