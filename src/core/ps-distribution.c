/* ps-distribution.c — see ps-distribution.h. */
#include "ps-distribution.h"

#include <math.h>
#include <string.h>

static double
phi (double z)
{
  return exp (-0.5 * z * z) / sqrt (2 * G_PI);
}

/* Standard normal cdf; erfc keeps the tails accurate. */
static double
Phi (double z)
{
  return 0.5 * erfc (-z / G_SQRT2);
}

gboolean
ps_distribution_point_mass (const PsInitInfo *info, double *at)
{
  double v;
  switch (info->dist)
    {
    case PS_DIST_CONSTANT:
      v = info->value;
      break;
    case PS_DIST_UNIFORM:
      if (info->a != info->b)
        return FALSE;
      v = info->a;
      break;
    case PS_DIST_NORMAL:
      if (info->std != 0)
        return FALSE;
      v = info->mean;
      break;
    case PS_DIST_TRUNC_NORMAL:
      if (info->std != 0 && info->a != info->b)
        return FALSE;
      v = info->a == info->b ? info->a : CLAMP (info->mean, info->a, info->b);
      break;
    default:
      return FALSE;
    }
  if (at)
    *at = v;
  return TRUE;
}

gboolean
ps_distribution_known (const PsInitInfo *info)
{
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      return isfinite (info->a) && isfinite (info->b) && info->a <= info->b;
    case PS_DIST_NORMAL:
      return isfinite (info->mean) && isfinite (info->std) && info->std >= 0;
    case PS_DIST_TRUNC_NORMAL:
      return isfinite (info->mean) && isfinite (info->std) && info->std >= 0 &&
             !isnan (info->a) && !isnan (info->b) && info->a <= info->b;
    case PS_DIST_CONSTANT:
      return isfinite (info->value);
    default:
      return FALSE;
    }
}

/* Standardized bounds and normalizer of the truncated normal. */
static void
trunc_params (const PsInitInfo *info, double *alpha, double *beta, double *z)
{
  *alpha = (info->a - info->mean) / info->std;
  *beta = (info->b - info->mean) / info->std;
  *z = Phi (*beta) - Phi (*alpha);
}

gboolean
ps_distribution_moments (const PsInitInfo *info, double *mean, double *std)
{
  double m, s, at;
  if (!ps_distribution_known (info))
    return FALSE;
  if (ps_distribution_point_mass (info, &at))
    {
      m = at;
      s = 0;
    }
  else
    switch (info->dist)
      {
      case PS_DIST_UNIFORM:
        m = 0.5 * (info->a + info->b);
        s = (info->b - info->a) / sqrt (12.0);
        break;
      case PS_DIST_NORMAL:
        m = info->mean;
        s = info->std;
        break;
      case PS_DIST_TRUNC_NORMAL:
        {
          double al, be, z;
          trunc_params (info, &al, &be, &z);
          double pa = isfinite (al) ? phi (al) : 0, pb = isfinite (be) ? phi (be) : 0;
          double ta = isfinite (al) ? al * pa : 0, tb = isfinite (be) ? be * pb : 0;
          double r = (pa - pb) / z;
          m = info->mean + info->std * r;
          s = info->std * sqrt (MAX (0.0, 1 + (ta - tb) / z - r * r));
          break;
        }
      default:
        return FALSE;
      }
  if (mean)
    *mean = m;
  if (std)
    *std = s;
  return TRUE;
}

double
ps_distribution_pdf (const PsInitInfo *info, double x)
{
  if (!ps_distribution_known (info))
    return NAN;
  if (ps_distribution_point_mass (info, NULL))
    return 0;
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      return x >= info->a && x <= info->b ? 1.0 / (info->b - info->a) : 0;
    case PS_DIST_NORMAL:
      return phi ((x - info->mean) / info->std) / info->std;
    case PS_DIST_TRUNC_NORMAL:
      {
        if (x < info->a || x > info->b)
          return 0;
        double al, be, z;
        trunc_params (info, &al, &be, &z);
        return phi ((x - info->mean) / info->std) / (info->std * z);
      }
    default:
      return NAN;
    }
}

double
ps_distribution_cdf (const PsInitInfo *info, double x)
{
  double at;
  if (!ps_distribution_known (info) || isnan (x))
    return NAN;
  if (ps_distribution_point_mass (info, &at))
    return x >= at ? 1 : 0;
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      return x <= info->a ? 0 : x >= info->b ? 1 : (x - info->a) / (info->b - info->a);
    case PS_DIST_NORMAL:
      return Phi ((x - info->mean) / info->std);
    case PS_DIST_TRUNC_NORMAL:
      {
        if (x <= info->a)
          return 0;
        if (x >= info->b)
          return 1;
        double al, be, z;
        trunc_params (info, &al, &be, &z);
        return CLAMP ((Phi ((x - info->mean) / info->std) - Phi (al)) / z, 0.0, 1.0);
      }
    default:
      return NAN;
    }
}

/* Left limit F(x−): differs from F(x) only at a point mass. */
static double
cdf_left (const PsInitInfo *info, double x)
{
  double at;
  if (ps_distribution_point_mass (info, &at))
    return x > at ? 1 : 0;
  return ps_distribution_cdf (info, x);
}

gboolean
ps_distribution_support (const PsInitInfo *info, double *lo, double *hi)
{
  double at;
  if (!ps_distribution_known (info))
    return FALSE;
  if (ps_distribution_point_mass (info, &at))
    *lo = *hi = at;
  else if (info->dist == PS_DIST_NORMAL)
    {
      *lo = -INFINITY;
      *hi = INFINITY;
    }
  else
    {
      *lo = info->a;
      *hi = info->b;
    }
  return TRUE;
}

char *
ps_distribution_label (const PsInitInfo *info)
{
  if (!ps_distribution_known (info))
    return g_strdup ("unknown");
  switch (info->dist)
    {
    case PS_DIST_UNIFORM:
      return g_strdup_printf ("U(%.4g, %.4g)", info->a, info->b);
    case PS_DIST_NORMAL:
      return g_strdup_printf ("N(%.4g, %.4g)", info->mean, info->std);
    case PS_DIST_TRUNC_NORMAL:
      return g_strdup_printf ("N(%.4g, %.4g) on [%.4g, %.4g]", info->mean, info->std, info->a,
                              info->b);
    case PS_DIST_CONSTANT:
      return g_strdup_printf ("const %.4g", info->value);
    default:
      return g_strdup ("unknown");
    }
}

/* LSD radix sort of float32 by their order-preserving integer keys (finite values only). */
static void
radix_sort_f32 (float *x, float *tmp, gsize n)
{
  guint32 *k = (guint32 *) x, *t = (guint32 *) tmp;
  for (gsize i = 0; i < n; i++)
    {
      guint32 u;
      memcpy (&u, &x[i], 4);
      k[i] = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    }
  static const int shift[3] = { 0, 11, 22 };
  for (int pass = 0; pass < 3; pass++)
    {
      gsize count[2048] = { 0 };
      int sh = shift[pass];
      for (gsize i = 0; i < n; i++)
        count[(k[i] >> sh) & 2047]++;
      gsize sum = 0;
      for (int b = 0; b < 2048; b++)
        {
          gsize c = count[b];
          count[b] = sum;
          sum += c;
        }
      for (gsize i = 0; i < n; i++)
        t[count[(k[i] >> sh) & 2047]++] = k[i];
      guint32 *sw = k;
      k = t;
      t = sw;
    }
  /* Three passes: the sorted keys are in tmp. */
  guint32 *src = (guint32 *) tmp;
  for (gsize i = 0; i < n; i++)
    {
      guint32 u = src[i];
      u = (u & 0x80000000u) ? (u & 0x7fffffffu) : ~u;
      memcpy (&x[i], &u, 4);
    }
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
kolmogorov_q (double lambda)
{
  if (lambda < 0.2)
    return 1.0;
  double sum = 0, sign = 1;
  for (int k = 1; k <= 100; k++)
    {
      double term = exp (-2.0 * k * k * lambda * lambda);
      sum += sign * term;
      sign = -sign;
      if (term < 1e-16)
        break;
    }
  return CLAMP (2 * sum, 0.0, 1.0);
}

gboolean
ps_distribution_ks (const PsTensor *t, const PsInitInfo *info, double *d, double *p_value,
                    GError **error)
{
  g_return_val_if_fail (t != NULL && info != NULL && d != NULL, FALSE);
  if (!ps_distribution_known (info))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "no theoretical distribution to compare with");
      return FALSE;
    }
  gsize n = (gsize) t->numel, m = 0;
  gboolean f32 = t->dtype == PS_DTYPE_FLOAT32;
  gsize esize = f32 ? sizeof (float) : sizeof (double);
  if (n > G_MAXSIZE / (2 * esize)
      || !ps_tensor_check_scratch ((guint64) MAX (2 * n * esize, 1), "sorting values for the KS test", error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "too many values to sort for the KS test");
      return FALSE;
    }
  void *buf = g_try_malloc (MAX (2 * n * esize, 1));
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                   "out of memory sorting %" G_GSIZE_FORMAT " values for the KS test", n);
      return FALSE;
    }
  double dmax = 0;
  if (f32)
    {
      const float *x = ps_tensor_cf32 (t);
      float *v = buf;
      for (gsize i = 0; i < n; i++)
        if (isfinite (x[i]))
          v[m++] = x[i];
      radix_sort_f32 (v, v + n, m);
      for (gsize i = 0; i < m; i++)
        {
          double dp = (double) (i + 1) / m - ps_distribution_cdf (info, v[i]);
          double dm = cdf_left (info, v[i]) - (double) i / m;
          dmax = MAX (dmax, MAX (dp, dm));
        }
    }
  else
    {
      const int64_t *x = ps_tensor_ci64 (t);
      double *v = buf;
      for (gsize i = 0; i < n; i++)
        v[m++] = (double) x[i];
      qsort (v, m, sizeof (double), cmp_double);
      for (gsize i = 0; i < m; i++)
        {
          double dp = (double) (i + 1) / m - ps_distribution_cdf (info, v[i]);
          double dm = cdf_left (info, v[i]) - (double) i / m;
          dmax = MAX (dmax, MAX (dp, dm));
        }
    }
  g_free (buf);
  if (m == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "the tensor has no finite value to compare with a distribution");
      return FALSE;
    }
  *d = dmax;
  if (p_value)
    {
      double sn = sqrt ((double) m);
      *p_value = kolmogorov_q ((sn + 0.12 + 0.11 / sn) * dmax);
    }
  return TRUE;
}
