/* ps-init.c — torch.nn.init of PyTorch 1.13, bit for bit (PYTORCH-PARITY.md §4).
 *
 * Each function follows the Python source step by step: the scalar arithmetic in double in the same
 * order, then the same tensor ops (uniform_, normal_, erfinv_, mul_, …) in float. Everything that
 * can fail is checked before the first draw or write; orthogonal_, whose LAPACK calls can fail
 * after drawing, works on a copy of the generator and a scratch buffer and commits both at the end.
 * Error messages are torch's (ValueError/RuntimeError text). */
#include "ps-init.h"
#include "ps-erfinv.h"
#include "ps-threads.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* ---- info --------------------------------------------------------------------------------- */

void
ps_init_info_clear (PsInitInfo *info)
{
  g_return_if_fail (info != NULL);
  memset (info, 0, sizeof *info);
  info->dist = PS_DIST_NONE;
  info->gain = NAN;
}

/* Truncates at a UTF-8 character boundary. */
static void
set_text (char *buf, gsize size, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
set_text (char *buf, gsize size, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  gsize len = strlen (s);
  if (len >= size)
    {
      len = size - 1;
      while (len > 0 && ((guchar) s[len] & 0xc0) == 0x80)
        len--;
    }
  memcpy (buf, s, len);
  buf[len] = '\0';
}

static void
info_begin (PsInitInfo *info, const char *fn, const PsArgs *args)
{
  if (info == NULL)
    return;
  ps_init_info_clear (info);
  set_text (info->fn, sizeof info->fn, "%s", fn);
  if (args != NULL)
    {
      g_autofree char *py = ps_args_to_python (args);
      set_text (info->args, sizeof info->args, "%s", py);
    }
}

static void
info_fans (PsInitInfo *info, int64_t fan_in, int64_t fan_out)
{
  if (info == NULL)
    return;
  info->has_fans = TRUE;
  info->fan_in = fan_in;
  info->fan_out = fan_out;
}

/* ---- scalars ------------------------------------------------------------------------------ */

gboolean
ps_init_calculate_gain (const char *nonlinearity, gboolean has_param, double param, double *gain,
                        GError **error)
{
  g_return_val_if_fail (nonlinearity != NULL && gain != NULL, FALSE);
  static const char *const linear_fns[] = {
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid", NULL
  };
  if (g_strv_contains (linear_fns, nonlinearity))
    *gain = 1.0;
  else if (strcmp (nonlinearity, "tanh") == 0)
    *gain = 5.0 / 3;
  else if (strcmp (nonlinearity, "relu") == 0)
    *gain = sqrt (2.0);
  else if (strcmp (nonlinearity, "leaky_relu") == 0)
    {
      double ns = has_param ? param : 0.01;
      /* Python's negative_slope ** 2 is pow(ns, 2.0), and a float ** that overflows from finite
       * operands (1e200 ** 2) raises OverflowError instead of giving inf */
      double sq = pow (ns, 2.0);
      if (isfinite (ns) && isinf (sq))
        {
          g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "(34, 'Numerical result out of range')");
          return FALSE;
        }
      *gain = sqrt (2.0 / (1 + sq));
    }
  else if (strcmp (nonlinearity, "selu") == 0)
    *gain = 3.0 / 4;
  else
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Unsupported nonlinearity %s", nonlinearity);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_init_fans (const PsTensor *t, int64_t *fan_in, int64_t *fan_out, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);
  if (t->ndim < 2)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
      return FALSE;
    }
  /* receptive field = prod(shape[2:]); with a zero dim elsewhere numel is 0, so overflow is
   * possible and checked */
  int64_t rf = 1, fi, fo;
  for (int d = 2; d < t->ndim; d++)
    if (__builtin_mul_overflow (rf, t->shape[d], &rf))
      goto overflow;
  if (__builtin_mul_overflow (t->shape[1], rf, &fi) || __builtin_mul_overflow (t->shape[0], rf, &fo))
    goto overflow;
  if (fan_in != NULL)
    *fan_in = fi;
  if (fan_out != NULL)
    *fan_out = fo;
  return TRUE;

overflow:
  {
    g_autofree char *shape = ps_tensor_shape_string (t);
    g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "fan of a tensor of shape %s overflows int64", shape);
    return FALSE;
  }
}

/* ---- shared checks -------------------------------------------------------------------------- */

static gboolean
check_float (const PsTensor *t, GError **error)
{
  if (t->dtype != PS_DTYPE_FLOAT32)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "nn.init needs a float32 tensor, got %s", ps_dtype_name (t->dtype));
      return FALSE;
    }
  return TRUE;
}

/* ATen's check_uniform_bounds for float32. */
static gboolean
check_uniform_bounds (double from, double to, GError **error)
{
  const double lo = -(double) G_MAXFLOAT, hi = (double) G_MAXFLOAT;
  if (!(from >= lo && from <= hi))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "from is out of bounds for float");
      return FALSE;
    }
  if (!(to >= lo && to <= hi))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "to is out of bounds for float");
      return FALSE;
    }
  if (!(from <= to))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "uniform_ expects to return a [from, to) range, but found from=%g > to=%g", from, to);
      return FALSE;
    }
  if (!(to - from <= hi))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=%g and "
                   "from=%g which result in to-from to exceed the limit", to, from);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_normal_std (double std, GError **error)
{
  if (!(std >= 0.0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "normal expects std >= 0.0, but found std %g", std);
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_zero_dim (const PsTensor *t)
{
  for (int d = 0; d < t->ndim; d++)
    if (t->shape[d] == 0)
      return TRUE;
  return FALSE;
}

/* _calculate_correct_fan: mode.lower() must be fan_in or fan_out, checked before the fans. */
static gboolean
correct_fan (const PsTensor *t, const char *mode, int64_t *fan, int64_t *fan_in, int64_t *fan_out,
             gboolean *is_fan_in, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (mode, -1);
  gboolean in = strcmp (lower, "fan_in") == 0;
  if (!in && strcmp (lower, "fan_out") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "Mode %s not supported, please use one of ['fan_in', 'fan_out']", lower);
      return FALSE;
    }
  if (!ps_init_fans (t, fan_in, fan_out, error))
    return FALSE;
  *fan = in ? *fan_in : *fan_out;
  *is_fan_in = in;
  return TRUE;
}

/* ---- argument tables ---------------------------------------------------------------------- */

static const PsArgSpec args_uniform[] = {
  { "a", PS_ARG_FLOAT, .def_double = 0.0, .doc = "lower bound" },
  { "b", PS_ARG_FLOAT, .def_double = 1.0, .doc = "upper bound" },
  { NULL }
};
static const PsArgSpec args_normal[] = {
  { "mean", PS_ARG_FLOAT, .def_double = 0.0, .doc = "mean of the normal distribution" },
  { "std", PS_ARG_FLOAT, .def_double = 1.0, .doc = "standard deviation" },
  { NULL }
};
static const PsArgSpec args_trunc_normal[] = {
  { "mean", PS_ARG_FLOAT, .def_double = 0.0, .doc = "mean of the normal distribution" },
  { "std", PS_ARG_FLOAT, .def_double = 1.0, .doc = "standard deviation" },
  { "a", PS_ARG_FLOAT, .def_double = -2.0, .doc = "minimum cutoff value" },
  { "b", PS_ARG_FLOAT, .def_double = 2.0, .doc = "maximum cutoff value" },
  { NULL }
};
static const PsArgSpec args_constant[] = {
  { "val", PS_ARG_FLOAT, .required = TRUE, .doc = "value to fill the tensor with" },
  { NULL }
};
static const PsArgSpec args_none[] = {
  { NULL }
};
static const PsArgSpec args_dirac[] = {
  { "groups", PS_ARG_INT, .def_int = 1, .doc = "number of groups in the conv layer" },
  { NULL }
};
static const PsArgSpec args_gain[] = {
  { "gain", PS_ARG_FLOAT, .def_double = 1.0, .doc = "optional scaling factor" },
  { NULL }
};
static const PsArgSpec args_kaiming[] = {
  { "a", PS_ARG_FLOAT, .def_double = 0.0, .doc = "negative slope of the rectifier after this layer" },
  { "mode", PS_ARG_STRING, .def_string = "fan_in", .doc = "'fan_in' or 'fan_out'" },
  { "nonlinearity", PS_ARG_STRING, .def_string = "leaky_relu", .doc = "'relu' or 'leaky_relu' (or any calculate_gain name)" },
  { NULL }
};
static const PsArgSpec args_sparse[] = {
  { "sparsity", PS_ARG_FLOAT, .required = TRUE, .doc = "fraction of elements in each column set to zero" },
  { "std", PS_ARG_FLOAT, .def_double = 0.01, .doc = "standard deviation of the non-zero values" },
  { NULL }
};

static const char *const function_names[] = {
  "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
  "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
  "sparse_", NULL
};

static const PsArgSpec *const function_args[] = {
  args_uniform, args_normal, args_trunc_normal, args_constant, args_none, args_none, args_none,
  args_dirac, args_gain, args_gain, args_kaiming, args_kaiming, args_gain, args_sparse,
};

const char *const *
ps_init_function_names (void)
{
  return function_names;
}

const PsArgSpec *
ps_init_function_args (const char *fn)
{
  g_return_val_if_fail (fn != NULL, NULL);
  for (int i = 0; function_names[i] != NULL; i++)
    if (strcmp (function_names[i], fn) == 0)
      return function_args[i];
  return NULL;
}

/* The args text of a direct C call, formatted like ps_init_apply's (all arguments, Python repr). */
static PsArgs *
args_new_d (const char *n1, double v1, const char *n2, double v2)
{
  PsArgs *args = ps_args_new ();
  if (n1 != NULL)
    ps_args_set_double (args, n1, v1);
  if (n2 != NULL)
    ps_args_set_double (args, n2, v2);
  return args;
}

/* ---- uniform_ / normal_ ------------------------------------------------------------------- */

/* Tensor.uniform_ on a float tensor already validated. */
static void
do_uniform (PsTensor *t, double a, double b, PsGenerator *gen)
{
  ps_generator_uniform_f32 (gen, ps_tensor_f32 (t), (size_t) t->numel, a, b);
}

static void
do_normal (PsTensor *t, double mean, double std, PsGenerator *gen)
{
  /* PsTensor is always contiguous */
  ps_generator_normal_f32 (gen, ps_tensor_f32 (t), (size_t) t->numel, mean, std, TRUE);
}

static void
info_uniform (PsInitInfo *info, double a, double b)
{
  if (info == NULL)
    return;
  info->dist = PS_DIST_UNIFORM;
  info->a = a;
  info->b = b;
}

static void
info_normal (PsInitInfo *info, double mean, double std)
{
  if (info == NULL)
    return;
  info->dist = PS_DIST_NORMAL;
  info->mean = mean;
  info->std = std;
}

gboolean
ps_init_uniform_ (PsTensor *t, double a, double b, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  if (!check_float (t, error) || !check_uniform_bounds (a, b, error))
    return FALSE;
  do_uniform (t, a, b, gen);
  g_autoptr (PsArgs) args = args_new_d ("a", a, "b", b);
  info_begin (info, "uniform_", args);
  info_uniform (info, a, b);
  if (info != NULL)
    set_text (info->formula, sizeof info->formula, "U(a, b) = U(%g, %g)", a, b);
  return TRUE;
}

gboolean
ps_init_normal_ (PsTensor *t, double mean, double std, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  if (!check_float (t, error) || !check_normal_std (std, error))
    return FALSE;
  do_normal (t, mean, std, gen);
  g_autoptr (PsArgs) args = args_new_d ("mean", mean, "std", std);
  info_begin (info, "normal_", args);
  info_normal (info, mean, std);
  if (info != NULL)
    set_text (info->formula, sizeof info->formula, "N(mean, std) = N(%g, %g)", mean, std);
  return TRUE;
}

/* ---- trunc_normal_ ------------------------------------------------------------------------ */

typedef struct {
  float *x;
  PsFlavour flavour;
  float scale, mean, a, b;
} TruncNormalJob;

static void
trunc_normal_range (int64_t begin, int64_t end, void *data)
{
  const TruncNormalJob *j = data;
  for (int64_t i = begin; i < end; i++)
    {
      float v = ps_erfinv_f32 (j->x[i], j->flavour);
      v = v * j->scale;
      v = v + j->mean;
      v = v < j->a ? j->a : v;   /* std::min(std::max(v, a), b) */
      v = j->b < v ? j->b : v;
      j->x[i] = v;
    }
}

gboolean
ps_init_trunc_normal_ (PsTensor *t, double mean, double std, double a, double b, PsGenerator *gen,
                       PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  if (!check_float (t, error))
    return FALSE;
  if (std == 0.0)
    {
      /* (a - mean) / std in Python */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "float division by zero");
      return FALSE;
    }
  /* Python: norm_cdf(x) = (1. + math.erf(x / math.sqrt(2.))) / 2. */
  double l = (1. + erf (((a - mean) / std) / sqrt (2.))) / 2.;
  double u = (1. + erf (((b - mean) / std) / sqrt (2.))) / 2.;
  double lo = 2 * l - 1, hi = 2 * u - 1;
  /* then clamp_(min=a, max=b) converts both bounds to float */
  if (!check_uniform_bounds (lo, hi, error) || !ps_check_float_scalar (a, error) || !ps_check_float_scalar (b, error))
    return FALSE;

  float *x = ps_tensor_f32 (t);
  size_t n = (size_t) t->numel;
  ps_generator_uniform_f32 (gen, x, n, lo, hi);
  /* erfinv_(), then mul_, add_ and clamp_ — each a separate float op, element by element, so
   * the draws (sequential) are done and the rest is split over the CPUs without changing a bit */
  TruncNormalJob job = { x, gen->flavour, (float) (std * sqrt (2.)), (float) mean, (float) a, (float) b };
  ps_threads_parallel_for ((int64_t) n, 4096, trunc_normal_range, &job);

  g_autoptr (PsArgs) args = args_new_d ("mean", mean, "std", std);
  ps_args_set_double (args, "a", a);
  ps_args_set_double (args, "b", b);
  info_begin (info, "trunc_normal_", args);
  if (info != NULL)
    {
      info->dist = PS_DIST_TRUNC_NORMAL;
      info->mean = mean;
      info->std = std;
      info->a = a;
      info->b = b;
      set_text (info->formula, sizeof info->formula,
                "N(%g, %g) truncated to [%g, %g]: x = clamp(mean + std·√2·erfinv(U(%g, %g)))",
                mean, std, a, b, lo, hi);
    }
  return TRUE;
}

/* ---- constants ---------------------------------------------------------------------------- */

static void
fill (PsTensor *t, float v)
{
  float *x = ps_tensor_f32 (t);
  for (int64_t i = 0; i < t->numel; i++)
    x[i] = v;
}

static gboolean
constant_named (PsTensor *t, const char *fn, double value, PsArgs *args, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);
  if (!check_float (t, error) || !ps_check_float_scalar (value, error))
    return FALSE;
  fill (t, (float) value);
  info_begin (info, fn, args);
  if (info != NULL)
    {
      info->dist = PS_DIST_CONSTANT;
      info->value = (double) (float) value;
      set_text (info->formula, sizeof info->formula, "every value = %g", (double) (float) value);
    }
  return TRUE;
}

gboolean
ps_init_constant_ (PsTensor *t, double value, PsInitInfo *info, GError **error)
{
  g_autoptr (PsArgs) args = args_new_d ("val", value, NULL, 0);
  return constant_named (t, "constant_", value, args, info, error);
}

static gboolean
ps_init_ones_ (PsTensor *t, PsInitInfo *info, GError **error)
{
  g_autoptr (PsArgs) args = ps_args_new ();
  return constant_named (t, "ones_", 1.0, args, info, error);
}

gboolean
ps_init_zeros_ (PsTensor *t, PsInitInfo *info, GError **error)
{
  g_autoptr (PsArgs) args = ps_args_new ();
  return constant_named (t, "zeros_", 0.0, args, info, error);
}

gboolean
ps_init_eye_ (PsTensor *t, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);
  if (!check_float (t, error))
    return FALSE;
  if (t->ndim != 2)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Only tensors with 2 dimensions are supported");
      return FALSE;
    }
  int64_t rows = t->shape[0], cols = t->shape[1];
  float *x = ps_tensor_f32 (t);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++)
      x[r * cols + c] = r == c ? 1.0f : 0.0f;
  g_autoptr (PsArgs) args = ps_args_new ();
  info_begin (info, "eye_", args);
  if (info != NULL)
    {
      info->dist = PS_DIST_OTHER;
      set_text (info->formula, sizeof info->formula, "identity: 1 on the diagonal (%" G_GINT64_FORMAT " ones), 0 elsewhere",
                MIN (rows, cols));
    }
  return TRUE;
}

static gboolean
ps_init_dirac_ (PsTensor *t, int64_t groups, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);
  if (!check_float (t, error))
    return FALSE;
  int nd = t->ndim;
  if (nd < 3 || nd > 5)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Only tensors with 3, 4, or 5 dimensions are supported");
      return FALSE;
    }
  if (groups == 0)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "integer modulo by zero");
      return FALSE;
    }
  /* Python's % and // (floor semantics; a negative groups gives no ones at all) */
  int64_t rem = t->shape[0] % groups;
  if (rem != 0 && ((rem < 0) != (groups < 0)))
    rem += groups;
  if (rem != 0)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "dim 0 must be divisible by groups");
      return FALSE;
    }
  int64_t opg = (t->shape[0] - rem) / groups;
  int64_t min_dim = MIN (opg, t->shape[1]);
  if (groups > 0 && min_dim > 0)
    for (int d = 2; d < nd; d++)
      if (t->shape[d] == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "index 0 is out of bounds for dimension %d with size 0", d);
          return FALSE;
        }

  memset (t->data, 0, (size_t) t->numel * sizeof (float));
  float *x = ps_tensor_f32 (t);
  for (int64_t g = 0; g < groups; g++)
    for (int64_t d = 0; d < min_dim; d++)
      {
        /* w[g*opg + d, d, k0//2, k1//2, …] = 1 */
        int64_t idx = g * opg + d;
        idx = idx * t->shape[1] + d;
        for (int k = 2; k < nd; k++)
          idx = idx * t->shape[k] + t->shape[k] / 2;
        x[idx] = 1.0f;
      }

  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "groups", groups);
  info_begin (info, "dirac_", args);
  if (info != NULL)
    {
      info->dist = PS_DIST_OTHER;
      set_text (info->formula, sizeof info->formula,
                "Dirac delta: w[g·%" G_GINT64_FORMAT "+d, d, centre] = 1 for d < %" G_GINT64_FORMAT " in each of %" G_GINT64_FORMAT " groups",
                opg, MAX (min_dim, 0), MAX (groups, 0));
    }
  return TRUE;
}

/* ---- xavier ------------------------------------------------------------------------------- */

static gboolean
xavier_std (const PsTensor *t, double gain, double *std, int64_t *fi, int64_t *fo, GError **error)
{
  if (!check_float (t, error) || !ps_init_fans (t, fi, fo, error))
    return FALSE;
  int64_t sum;
  if (__builtin_add_overflow (*fi, *fo, &sum))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_OVERFLOW, "fan_in + fan_out overflows int64");
      return FALSE;
    }
  if (sum == 0)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "float division by zero");
      return FALSE;
    }
  *std = gain * sqrt (2.0 / (double) sum);
  return TRUE;
}

gboolean
ps_init_xavier_uniform_ (PsTensor *t, double gain, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  double std;
  int64_t fi, fo;
  if (!xavier_std (t, gain, &std, &fi, &fo, error))
    return FALSE;
  double a = sqrt (3.0) * std;
  if (!check_uniform_bounds (-a, a, error))
    return FALSE;
  do_uniform (t, -a, a, gen);
  g_autoptr (PsArgs) args = args_new_d ("gain", gain, NULL, 0);
  info_begin (info, "xavier_uniform_", args);
  info_fans (info, fi, fo);
  info_uniform (info, -a, a);
  if (info != NULL)
    {
      info->gain = gain;
      set_text (info->formula, sizeof info->formula,
                "a = gain·√(6/(fan_in+fan_out)) = %g·√(6/%" G_GINT64_FORMAT ") = %g", gain, fi + fo, a);
    }
  return TRUE;
}

gboolean
ps_init_xavier_normal_ (PsTensor *t, double gain, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  double std;
  int64_t fi, fo;
  if (!xavier_std (t, gain, &std, &fi, &fo, error) || !check_normal_std (std, error))
    return FALSE;
  do_normal (t, 0.0, std, gen);
  g_autoptr (PsArgs) args = args_new_d ("gain", gain, NULL, 0);
  info_begin (info, "xavier_normal_", args);
  info_fans (info, fi, fo);
  info_normal (info, 0.0, std);
  if (info != NULL)
    {
      info->gain = gain;
      set_text (info->formula, sizeof info->formula,
                "std = gain·√(2/(fan_in+fan_out)) = %g·√(2/%" G_GINT64_FORMAT ") = %g", gain, fi + fo, std);
    }
  return TRUE;
}

/* ---- kaiming ------------------------------------------------------------------------------ */

static gboolean
kaiming (PsTensor *t, gboolean uniform, double a, const char *mode, const char *nonlinearity,
         PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL && mode != NULL && nonlinearity != NULL, FALSE);
  const char *fn = uniform ? "kaiming_uniform_" : "kaiming_normal_";
  if (!check_float (t, error))
    return FALSE;
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_double (args, "a", a);
  ps_args_set_string (args, "mode", mode);
  ps_args_set_string (args, "nonlinearity", nonlinearity);
  if (has_zero_dim (t))
    {
      /* torch warns "Initializing zero-element tensors is a no-op" and returns */
      info_begin (info, fn, args);
      if (info != NULL)
        set_text (info->formula, sizeof info->formula, "zero-element tensor: no-op");
      return TRUE;
    }
  int64_t fan, fi, fo;
  gboolean is_in;
  double gain;
  if (!correct_fan (t, mode, &fan, &fi, &fo, &is_in, error)
      || !ps_init_calculate_gain (nonlinearity, TRUE, a, &gain, error))
    return FALSE;
  double std = gain / sqrt ((double) fan);
  double bound = sqrt (3.0) * std;
  const char *fan_name = is_in ? "fan_in" : "fan_out";
  if (uniform)
    {
      if (!check_uniform_bounds (-bound, bound, error))
        return FALSE;
      do_uniform (t, -bound, bound, gen);
    }
  else
    {
      if (!check_normal_std (std, error))
        return FALSE;
      do_normal (t, 0.0, std, gen);
    }
  info_begin (info, fn, args);
  info_fans (info, fi, fo);
  if (info == NULL)
    return TRUE;
  info->gain = gain;
  if (uniform)
    {
      info_uniform (info, -bound, bound);
      set_text (info->formula, sizeof info->formula,
                "bound = gain·√(3/%s) = %g·√(3/%" G_GINT64_FORMAT ") = %g", fan_name, gain, fan, bound);
    }
  else
    {
      info_normal (info, 0.0, std);
      set_text (info->formula, sizeof info->formula,
                "std = gain/√%s = %g/√%" G_GINT64_FORMAT " = %g", fan_name, gain, fan, std);
    }
  return TRUE;
}

gboolean
ps_init_kaiming_uniform_ (PsTensor *t, double a, const char *mode, const char *nonlinearity,
                          PsGenerator *gen, PsInitInfo *info, GError **error)
{
  return kaiming (t, TRUE, a, mode, nonlinearity, gen, info, error);
}

gboolean
ps_init_kaiming_normal_ (PsTensor *t, double a, const char *mode, const char *nonlinearity,
                         PsGenerator *gen, PsInitInfo *info, GError **error)
{
  return kaiming (t, FALSE, a, mode, nonlinearity, gen, info, error);
}

/* ---- orthogonal_ -------------------------------------------------------------------------- */

static gboolean
ps_init_orthogonal_ (PsTensor *t, double gain, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  if (!check_float (t, error))
    return FALSE;
  if (t->ndim < 2)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Only tensors with 2 or more dimensions are supported");
      return FALSE;
    }
  g_autoptr (PsArgs) args = args_new_d ("gain", gain, NULL, 0);
  if (t->numel == 0)
    {
      info_begin (info, "orthogonal_", args);
      if (info != NULL)
        set_text (info->formula, sizeof info->formula, "zero-element tensor: no-op");
      return TRUE;
    }
  int64_t rows = t->shape[0], cols = t->numel / rows;
  /* A = flat (rows ≥ cols) or flat.T, m×n with m ≥ n, column-major for LAPACK */
  int64_t m = MAX (rows, cols), n = MIN (rows, cols);
  if (m > G_MAXINT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "orthogonal_: dimension %" G_GINT64_FORMAT " too large for LAPACK", m);
      return FALSE;
    }
  size_t count = (size_t) t->numel;
  float *flat = g_try_new (float, count);
  float *a = g_try_new (float, count);
  float *tau = g_try_new (float, (size_t) n);
  float *work = NULL;
  gboolean ok = FALSE;
  PsGenerator g = *gen;   /* committed only on success */
  if (flat == NULL || a == NULL || tau == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for orthogonal_ of %" G_GINT64_FORMAT " values", t->numel);
      goto out;
    }

  ps_generator_normal_f32 (&g, flat, count, 0.0, 1.0, TRUE);
  if (rows < cols)
    memcpy (a, flat, count * sizeof (float));   /* flat.T column-major = flat row-major */
  else
    for (int64_t r = 0; r < rows; r++)
      for (int64_t c = 0; c < cols; c++)
        a[r + c * m] = flat[r * cols + c];

  /* torch.linalg.qr: sgeqrf then sorgqr(m, n, k = n), each with a workspace query first.
   * The result is bit-identical to torch's only when OpenBLAS runs the same kernel set
   * (OPENBLAS_CORETYPE or CPU autodetection) with the same thread count as in torch's process
   * (torch leaves OpenBLAS at its default, min(nproc, OPENBLAS_NUM_THREADS)): measured on the
   * fixtures, 1 thread vs 2 changes 47 % of a 100×100 result, Haswell vs SkylakeX kernels most of
   * a 6×4 one; in any matching configuration every fixture is exact. */
  lapack_int im = (lapack_int) m, in = (lapack_int) n, lda = (lapack_int) MAX (1, m), info_l;
  float wkopt = 0.0f;
  info_l = LAPACKE_sgeqrf_work (LAPACK_COL_MAJOR, im, in, a, lda, tau, &wkopt, -1);
  if (info_l == 0)
    {
      lapack_int lwork = MAX (1, (lapack_int) wkopt);
      work = g_try_new (float, (size_t) lwork);
      info_l = work == NULL ? -1000 : LAPACKE_sgeqrf_work (LAPACK_COL_MAJOR, im, in, a, lda, tau, work, lwork);
    }
  if (info_l != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "orthogonal_: sgeqrf failed (info %d)", (int) info_l);
      goto out;
    }
  /* sign(R[j, j]) before the factors are overwritten by Q */
  for (int64_t j = 0; j < n; j++)
    {
      float d = a[j + j * m];
      flat[j] = d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f;   /* flat reused as ph[0..n) */
    }
  g_clear_pointer (&work, g_free);
  info_l = LAPACKE_sorgqr_work (LAPACK_COL_MAJOR, im, in, in, a, lda, tau, &wkopt, -1);
  if (info_l == 0)
    {
      lapack_int lwork = MAX (1, (lapack_int) wkopt);
      work = g_try_new (float, (size_t) lwork);
      info_l = work == NULL ? -1000 : LAPACKE_sorgqr_work (LAPACK_COL_MAJOR, im, in, in, a, lda, tau, work, lwork);
    }
  if (info_l != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "orthogonal_: sorgqr failed (info %d)", (int) info_l);
      goto out;
    }

  /* q *= ph per column; back to the tensor's layout; mul_((float) gain) */
  {
    float *x = ps_tensor_f32 (t);
    const float fg = (float) gain;
    for (int64_t j = 0; j < n; j++)
      for (int64_t i = 0; i < m; i++)
        a[i + j * m] = a[i + j * m] * flat[j];
    if (rows < cols)
      for (size_t i = 0; i < count; i++)
        x[i] = a[i] * fg;
    else
      for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
          x[r * cols + c] = a[r + c * m] * fg;
  }
  *gen = g;
  ok = TRUE;
  info_begin (info, "orthogonal_", args);
  if (info != NULL)
    {
      info->dist = PS_DIST_OTHER;
      info->gain = gain;
      set_text (info->formula, sizeof info->formula,
                "gain·Q of QR(N(0, 1) %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "), columns signed by diag(R); gain = %g",
                m, n, gain);
    }

out:
  g_free (flat);
  g_free (a);
  g_free (tau);
  g_free (work);
  return ok;
}

/* ---- sparse_ ------------------------------------------------------------------------------ */

static gboolean
ps_init_sparse_ (PsTensor *t, double sparsity, double std, PsGenerator *gen, PsInitInfo *info, GError **error)
{
  g_return_val_if_fail (t != NULL && gen != NULL, FALSE);
  if (!check_float (t, error))
    return FALSE;
  if (t->ndim != 2)
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Only tensors with 2 dimensions are supported");
      return FALSE;
    }
  int64_t rows = t->shape[0], cols = t->shape[1];
  double nz = ceil (sparsity * (double) rows);
  if (isnan (nz) || isinf (nz))
    {
      /* int(math.ceil(x)) in Python */
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "cannot convert float %s to integer",
                   isnan (nz) ? "NaN" : "infinity");
      return FALSE;
    }
  if (!check_normal_std (std, error))
    return FALSE;
  if (nz < -4611686018427387904.0 && cols > 0)
    {
      /* the slice's stop (clamped to Py_ssize_t) becomes a c10::SymInt, whose encoding reserves
       * values below -2^62 for symbolic ints: torch 1.13 raises this from inside indexing */
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "Expected !is_symbolic() to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)");
      return FALSE;
    }
  /* row_indices[:num_zeros] with Python slice semantics (a negative count drops from the end) */
  int64_t count = nz >= 0 ? (nz >= (double) rows ? rows : (int64_t) nz)
                          : (-nz >= (double) rows ? 0 : rows + (int64_t) nz);
  int64_t *perm = g_try_new (int64_t, (size_t) MAX (rows, 1));
  if (perm == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for sparse_");
      return FALSE;
    }
  do_normal (t, 0.0, std, gen);
  float *x = ps_tensor_f32 (t);
  for (int64_t c = 0; c < cols; c++)
    {
      gboolean ok = ps_generator_randperm (gen, rows, perm, NULL);
      g_assert (ok);   /* rows >= 0 */
      for (int64_t i = 0; i < count; i++)
        x[perm[i] * cols + c] = 0.0f;
    }
  g_free (perm);

  g_autoptr (PsArgs) args = args_new_d ("sparsity", sparsity, "std", std);
  info_begin (info, "sparse_", args);
  if (info != NULL)
    {
      info->dist = PS_DIST_OTHER;
      info->mean = 0.0;
      info->std = std;
      set_text (info->formula, sizeof info->formula,
                "N(0, %g), then %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " rows zeroed in each column (⌈%g·%" G_GINT64_FORMAT "⌉)",
                std, count, rows, sparsity, rows);
    }
  return TRUE;
}

/* ---- by name ------------------------------------------------------------------------------ */

gboolean
ps_init_writes_every_element (const char *fn)
{
  static const char *const all[] = { "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
                                     "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_" };
  for (guint i = 0; fn != NULL && i < G_N_ELEMENTS (all); i++)
    if (strcmp (fn, all[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
ps_init_apply (PsTensor *t, const char *fn, const PsArgs *args, PsGenerator *gen, PsInitInfo *info,
               GError **error)
{
  g_return_val_if_fail (t != NULL && fn != NULL && gen != NULL, FALSE);
  const PsArgSpec *specs = ps_init_function_args (fn);
  if (specs == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) function_names);
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "unknown init function '%s' (expected one of: %s)", fn, known);
      return FALSE;
    }
  g_autoptr (PsArgs) empty = args == NULL ? ps_args_new () : NULL;
  g_autoptr (PsArgs) r = ps_args_resolve (specs, args != NULL ? args : empty, error);
  if (r == NULL)
    return FALSE;

  gboolean ok;
#define D(name) ps_args_get_double (r, name)
  if (strcmp (fn, "uniform_") == 0)
    ok = ps_init_uniform_ (t, D ("a"), D ("b"), gen, info, error);
  else if (strcmp (fn, "normal_") == 0)
    ok = ps_init_normal_ (t, D ("mean"), D ("std"), gen, info, error);
  else if (strcmp (fn, "trunc_normal_") == 0)
    ok = ps_init_trunc_normal_ (t, D ("mean"), D ("std"), D ("a"), D ("b"), gen, info, error);
  else if (strcmp (fn, "constant_") == 0)
    ok = ps_init_constant_ (t, D ("val"), info, error);
  else if (strcmp (fn, "ones_") == 0)
    ok = ps_init_ones_ (t, info, error);
  else if (strcmp (fn, "zeros_") == 0)
    ok = ps_init_zeros_ (t, info, error);
  else if (strcmp (fn, "eye_") == 0)
    ok = ps_init_eye_ (t, info, error);
  else if (strcmp (fn, "dirac_") == 0)
    ok = ps_init_dirac_ (t, ps_args_get_int (r, "groups"), info, error);
  else if (strcmp (fn, "xavier_uniform_") == 0)
    ok = ps_init_xavier_uniform_ (t, D ("gain"), gen, info, error);
  else if (strcmp (fn, "xavier_normal_") == 0)
    ok = ps_init_xavier_normal_ (t, D ("gain"), gen, info, error);
  else if ((strcmp (fn, "kaiming_uniform_") == 0 || strcmp (fn, "kaiming_normal_") == 0)
           && ps_args_lookup (r, "a")->coerced && ps_args_lookup (r, "a")->given == PS_VALUE_BOOL
           && strcmp (ps_args_get_string (r, "nonlinearity"), "leaky_relu") == 0 && t->numel > 0 && t->ndim >= 2
           && (strcmp (ps_args_get_string (r, "mode"), "fan_in") == 0 || strcmp (ps_args_get_string (r, "mode"), "fan_out") == 0))
    {
      /* calculate_gain's `not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float)`,
       * after the zero-element, fan and mode checks */
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "negative_slope %s not a valid number",
                   ps_args_lookup (r, "a")->b ? "True" : "False");
      ok = FALSE;
    }
  else if (strcmp (fn, "kaiming_uniform_") == 0 || strcmp (fn, "kaiming_normal_") == 0)
    ok = kaiming (t, fn[8] == 'u', D ("a"), ps_args_get_string (r, "mode"),
                  ps_args_get_string (r, "nonlinearity"), gen, info, error);
  else if (strcmp (fn, "orthogonal_") == 0)
    ok = ps_init_orthogonal_ (t, D ("gain"), gen, info, error);
  else if (strcmp (fn, "sparse_") == 0)
    ok = ps_init_sparse_ (t, D ("sparsity"), D ("std"), gen, info, error);
  else
    g_return_val_if_reached (FALSE);
#undef D
  /* the args text as resolved (every argument, defaults filled in) */
  if (ok && info != NULL)
    {
      g_autofree char *py = ps_args_to_python (r);
      set_text (info->args, sizeof info->args, "%s", py);
    }
  return ok;
}

/* ---------- init info as text ---------- */

static void
append_num (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.3g", fabs (v));
  if (v < 0)
    g_string_append (s, "\xe2\x88\x92");   /* U+2212 MINUS SIGN */
  g_string_append (s, buf);
}

char *
ps_init_info_summary (const PsInitInfo *info)
{
  GString *s = g_string_new (NULL);
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      g_string_append (s, "~ U(");
      append_num (s, info->a);
      g_string_append (s, ", ");
      append_num (s, info->b);
      g_string_append (s, ")");
      break;
    case PS_DIST_NORMAL:
    case PS_DIST_TRUNC_NORMAL:
      g_string_append (s, "~ N(");
      append_num (s, info->mean);
      g_string_append (s, ", ");
      append_num (s, info->std);
      g_string_append (s, ")");
      if (info->dist == PS_DIST_TRUNC_NORMAL)
        {
          g_string_append (s, " truncated to [");
          append_num (s, info->a);
          g_string_append (s, ", ");
          append_num (s, info->b);
          g_string_append (s, "]");
        }
      break;
    case PS_DIST_CONSTANT:
      g_string_append (s, "= ");
      append_num (s, info->value);
      break;
    case PS_DIST_OTHER:
    case PS_DIST_NONE:
      break;
    }
  /* "~ U(−0.3, 0.3) by uniform_(a=-0.3, b=0.3)" says the same thing twice */
  gboolean redundant = (info->dist == PS_DIST_UNIFORM && strcmp (info->fn, "uniform_") == 0)
                       || (info->dist == PS_DIST_NORMAL && strcmp (info->fn, "normal_") == 0);
  if (info->fn[0] == '\0' && s->len == 0 && info->formula[0] != '\0')
    g_string_append (s, info->formula);   /* "updated by forward at step 6" */
  else if (info->fn[0] != '\0' && !redundant)
    {
      /* Linear/Conv's default a=math.sqrt(5) reads better as √5 */
      g_autofree char *args = g_strdup (info->args);
      char *five = strstr (args, "a=2.23606797749979");
      if (five != NULL)
        {
          *five = '\0';
          char *tmp = g_strconcat (args, "a=\xe2\x88\x9a" "5", five + strlen ("a=2.23606797749979"), NULL);
          g_free (args);
          args = tmp;
        }
      g_string_append_printf (s, "%sby %s(%s)", s->len ? " " : "", info->fn, args);
    }
  return g_string_free (s, FALSE);
}
