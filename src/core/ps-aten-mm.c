/* ps-aten-mm.c — see ps-aten-mm.h. The branches mirror addmm_impl_cpu_ (1.13) line by line. */
#include "ps-aten-mm.h"
#include "ps-ops.h"

#include <limits.h>
#include <string.h>

PsMatView
ps_mat_view (const float *data, int64_t rows, int64_t cols)
{
  /* torch's contiguous strides: stride[i] = stride[i+1] * max(size[i+1], 1) */
  PsMatView v = { data, { rows, cols }, { MAX (cols, 1), 1 } };
  return v;
}

PsMatView
ps_mat_view_t (PsMatView v)
{
  PsMatView t = { v.data, { v.size[1], v.size[0] }, { v.stride[1], v.stride[0] } };
  return t;
}

/* clone(MemoryFormat::Contiguous) into buf */
static PsMatView
contiguous_copy (PsMatView v, float *buf)
{
  for (int64_t i = 0; i < v.size[0]; i++)
    for (int64_t j = 0; j < v.size[1]; j++)
      buf[i * v.size[1] + j] = v.data[i * v.stride[0] + j * v.stride[1]];
  return ps_mat_view (buf, v.size[0], v.size[1]);
}

static gboolean
aten_addmm (PsMatView m1, PsMatView m2, float beta, float *out, GError **error)
{
  if (m1.size[1] != m2.size[0])
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "mat1 and mat2 shapes cannot be multiplied (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " and %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ")", m1.size[0], m1.size[1], m2.size[0],
                   m2.size[1]);
      return FALSE;
    }
  const int64_t rsize[2] = { m1.size[0], m2.size[1] };
  const PsMatView r = ps_mat_view (out, rsize[0], rsize[1]);
  if (rsize[0] == 0 || rsize[1] == 0)
    return TRUE;
  if (m1.size[1] == 0)
    {
      if (beta == 0.0f)
        memset (out, 0, (size_t) (rsize[0] * rsize[1]) * sizeof (float));
      return TRUE;
    }
  if (rsize[0] > INT_MAX || rsize[1] > INT_MAX || m1.size[1] > INT_MAX)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "mm: dimensions exceed the BLAS integer range");
      return FALSE;
    }
  /* Cast result as matrix c (a fresh contiguous result always takes one of the first two
   * branches). */
  gboolean transpose_c;
  if (r.stride[0] == 1 && (rsize[1] == 1 || r.stride[1] >= MAX (1, rsize[0])))
    transpose_c = FALSE;
  else
    {
      g_assert (r.stride[1] == 1 && (rsize[0] == 1 || r.stride[0] >= MAX (1, rsize[1])));
      PsMatView tmp = m1;
      m1 = m2;
      m2 = tmp;
      transpose_c = TRUE;
    }
  const int tc0 = transpose_c ? 1 : 0, tc1 = transpose_c ? 0 : 1;
  const int64_t m = rsize[tc0];
  const int64_t n = rsize[tc1];
  const int64_t k = m1.size[tc1];

  g_autofree float *abuf = NULL, *bbuf = NULL;
  gboolean transpose_a, transpose_b;
  PsMatView a, b;
  if (m1.stride[tc0] == 1 && m1.stride[tc1] >= MAX (1, m))
    transpose_a = FALSE, a = m1;
  else if (m1.stride[tc1] == 1 && m1.stride[tc0] >= MAX (1, k))
    transpose_a = TRUE, a = m1;
  else
    {
      transpose_a = !transpose_c;
      abuf = g_new (float, (gsize) (m1.size[0] * m1.size[1]));
      a = contiguous_copy (m1, abuf);
    }
  if (m2.stride[tc0] == 1 && m2.stride[tc1] >= MAX (1, k))
    transpose_b = FALSE, b = m2;
  else if (m2.stride[tc1] == 1 && m2.stride[tc0] >= MAX (1, n))
    transpose_b = TRUE, b = m2;
  else
    {
      transpose_b = !transpose_c;
      bbuf = g_new (float, (gsize) (m2.size[0] * m2.size[1]));
      b = contiguous_copy (m2, bbuf);
    }
  int64_t lda = a.stride[(transpose_a == transpose_c) ? 1 : 0];
  int64_t ldb = b.stride[(transpose_b == transpose_c) ? 1 : 0];
  int64_t ldc = r.stride[transpose_c ? 0 : 1];
  /* cpublas::gemm → normalize_last_dims */
  if (n == 1)
    ldc = m;
  if (transpose_a)
    {
      if (m == 1)
        lda = k;
    }
  else if (k == 1)
    lda = m;
  if (transpose_b)
    {
      if (k == 1)
        ldb = n;
    }
  else if (n == 1)
    ldb = k;
  ps_ops_sgemm_f77 (transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, 1.0f, a.data, lda, b.data, ldb,
                    beta, out, ldc);
  return TRUE;
}

gboolean
ps_aten_mm (PsMatView m1, PsMatView m2, float *out, GError **error)
{
  return aten_addmm (m1, m2, 0.0f, out, error);
}

gboolean
ps_aten_addmm_ (PsMatView m1, PsMatView m2, float *out, GError **error)
{
  return aten_addmm (m1, m2, 1.0f, out, error);
}
