/* ps-ops.c — forward kernels (see ps-ops.h).
 *
 * Linear dispatch, as ATen 1.13 at::linear does it (aten/src/ATen/native/Linear.cpp), because the
 * two BLAS call patterns round differently once K spans several OpenBLAS K-blocks (K > 384 for the
 * Haswell sgemm kernel; measured: K=784, 4-D input, addmm ≠ mm+add):
 *   - 2-D input with bias, or contiguous 3-D input with bias → addmm(bias, x, Wᵀ): Y pre-filled
 *     with the broadcast bias, sgemm with beta = 1;
 *   - otherwise (1-D input, ≥4-D input, or no bias) → matmul(x, Wᵀ) = mm on the (N, in) fold with
 *     beta = 0, then Y += bias as a separate float add.
 * Row-major Y(N,out) = X(N,in)·Wᵀ is cblas_sgemm(RowMajor, NoTrans, Trans, N, out, in, …), which
 * OpenBLAS turns into exactly ATen's column-major call sgemm_('T','N', out, N, in, 1, W, in, X,
 * in, beta, Y, out).
 *
 * Threads. OpenBLAS results depend on its thread count: sgemm with M·N·K > 262144 runs the
 * threaded driver when more than one thread is allowed, and its partitioning rounds differently from
 * the single-threaded driver (measured with torch 1.13 here: addmm 64×65×64 and 8×4097×8, Linear
 * 784→256 at N=64 and 4096→4096 at N=256 all differ between OPENBLAS_NUM_THREADS=1 and 2, while
 * 2, 3 and 4 agree — OpenBLAS caps at the CPU count, 2 here; 64×64×64 and 8×4096×8, at the
 * threshold, agree: problems up to that size always run single-threaded).
 * torch never sets OpenBLAS's thread count: torch.set_num_threads()/get_num_threads() (1 here,
 * torch's default on this 2-CPU machine) only size torch's OpenMP pool (verified: changing it
 * leaves openblas_get_num_threads() at 2), and Debian's torch links the same pthread OpenBLAS,
 * whose pool size comes from OPENBLAS_NUM_THREADS, else GOTO_NUM_THREADS, else OMP_NUM_THREADS,
 * else the number of CPUs (2 here), capped at the CPU count. The kernel OpenBLAS picks matters too
 * (DYNAMIC_ARCH; OPENBLAS_CORETYPE=Haswell was set when the golden data were made). So a torch process and Paramscope started in the same
 * environment get the same count from the library itself. We read it once, before anything in
 * our process could change it, let PS_BLAS_THREADS override it (to match a torch run made with
 * another OPENBLAS_NUM_THREADS), and re-assert it before every BLAS call so that no other code in
 * the process can silently change our results. */
#include "ps-ops.h"

#include <cblas.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* OpenBLAS extensions (declared in OpenBLAS's cblas.h; repeated so a netlib cblas.h still
 * compiles against the OpenBLAS we link). */
extern void openblas_set_num_threads (int num_threads);
extern int openblas_get_num_threads (void);

/* OpenBLAS's pthread build starts its worker threads when the library loads, and an idle worker
 * polls for work with sched_yield() for 2^THREAD_TIMEOUT cycles (2^28, ~0.1 s) before it sleeps:
 * a short run — the 2-16-2 MLP's 2000 steps take 20 ms — shares the machine with a spinning thread
 * for its whole life (process CPU time 29–58 ms for 30 ms of wall time, rounds of 20 or 31 ms).
 * Our BLAS calls up to the threaded size never use the workers, so they are stopped here, once,
 * before our first BLAS call (OpenBLAS's blas_thread_shutdown_, what it runs before a fork); its
 * first threaded call starts them again. The thread count, hence every result, is unchanged. Looked
 * up at run time: OpenBLAS's serial and OpenMP builds do not have it. */
static void
park_blas_workers (void)
{
  int (*shutdown) (void) = (int (*) (void)) dlsym (RTLD_DEFAULT, "blas_thread_shutdown_");
  if (shutdown != NULL && g_getenv ("PS_BLAS_KEEP_WORKERS") == NULL)
    shutdown ();
}

/* Address space for OpenBLAS's work buffer. OpenBLAS 0.3.21 (driver/others/memory.c,
 * blas_memory_alloc) maps one buffer of BUFFER_SIZE + a page (128 MiB + 4 KiB on x86-64: gdb shows
 * malloc (134221824)) for every thread that runs a level-3 call — each worker at its start
 * (driver/others/blas_server.c, blas_thread_server) and the calling thread at its first sgemm — and
 * when neither mmap nor malloc can give it, it retries in `do { … } while (map_address == -1)`
 * forever. Under a tight RLIMIT_AS / RLIMIT_DATA (`ulimit -v 200000`) the first forward of a
 * Linear(8, 8) therefore never ended: a worker spun in that loop while the main thread waited for it
 * in park_blas_workers, and with one thread the main thread's own sgemm spun. So before OpenBLAS is
 * touched, ps_ops_blas_ready maps (and unmaps at once, never touching a page) one such buffer plus a
 * page of slack, exactly as OpenBLAS would: if the kernel refuses, it is an error
 * (PS_ERROR_NO_MEMORY) instead of a hang, and the workers are not parked (parking would wait for a
 * worker stuck in that loop). When it succeeds nothing else changes: same threads, same calls, same
 * bits. It is a probe, not a reservation: another allocation between the probe and OpenBLAS's own
 * can still take the room, and a later threaded call that starts the workers again is not probed. */
#define BLAS_BUFFER_BYTES ((gsize) 128 * 1024 * 1024 + 2 * 4096)

static gboolean
blas_buffer_fits (void)
{
  void *p = mmap (NULL, BLAS_BUFFER_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return FALSE;
  munmap (p, BLAS_BUFFER_BYTES);
  return TRUE;
}

static int blas_threads_once (void);

static gint blas_ready = 0; /* 1 once a probe succeeded (then OpenBLAS has its buffer for good) */

gboolean
ps_ops_blas_stuck (void)
{
  /* OpenBLAS's workers start when the library loads, before main: under a tight limit they spin
   * even in a run that never calls BLAS (`--version`), so this probes whenever no probe passed */
  return g_atomic_int_get (&blas_ready) == 0 && !blas_buffer_fits ();
}

gboolean
ps_ops_blas_ready (GError **error)
{
  if (g_atomic_int_get (&blas_ready) != 0)
    return TRUE;
  if (!blas_buffer_fits ())
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                   "out of memory: the BLAS library (OpenBLAS) needs %s of address space for its work "
                   "buffer and the system refuses it (see ulimit -v / RLIMIT_AS and RLIMIT_DATA)",
                   "128 MiB");
      return FALSE;
    }
  g_atomic_int_set (&blas_ready, 1);
  blas_threads_once ();
  return TRUE;
}

static int
blas_threads_once (void)
{
  static gsize once = 0;
  static int threads = 1;
  if (g_once_init_enter (&once))
    {
      int n = openblas_get_num_threads ();
      const char *env = g_getenv ("PS_BLAS_THREADS");
      if (env != NULL && *env != '\0')
        {
          char *end = NULL;
          long v = strtol (env, &end, 10);
          if (end != env && *end == '\0' && v >= 1 && v <= 1024)
            n = (int) v;
          else
            g_warning ("PS_BLAS_THREADS='%s' is not a thread count; using %d", env, n);
        }
      threads = n < 1 ? 1 : n;
      if (blas_buffer_fits ())
        park_blas_workers ();
      g_once_init_leave (&once, 1);
    }
  return threads;
}

int
ps_ops_blas_threads (void)
{
  return blas_threads_once ();
}

static void
pin_blas_threads (void)
{
  int n = blas_threads_once ();
  if (openblas_get_num_threads () != n)
    openblas_set_num_threads (n);
}

void
ps_ops_sgemm (bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
              float beta, float *c, int64_t ldc)
{
  g_return_if_fail (m >= 0 && n >= 0 && k >= 0);
  g_return_if_fail (m <= INT_MAX && n <= INT_MAX && k <= INT_MAX);
  g_return_if_fail (lda <= INT_MAX && ldb <= INT_MAX && ldc <= INT_MAX);
  if (m == 0 || n == 0)
    return;
  if (k == 0)
    {
      /* BLAS rejects lda = 0; the product is empty, only beta·C remains (ATen does the same). */
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
          c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
      return;
    }
  pin_blas_threads ();
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
               (int) m, (int) n, (int) k, alpha, a, (int) lda, b, (int) ldb, beta, c, (int) ldc);
}

extern void sgemm_ (const char *transa, const char *transb, const int *m, const int *n, const int *k,
                    const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
                    const float *beta, float *c, const int *ldc);

void
ps_ops_sgemm_f77 (char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha,
                  const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
  g_return_if_fail (m >= 0 && n >= 0 && k >= 0 && m <= INT_MAX && n <= INT_MAX && k <= INT_MAX);
  g_return_if_fail (lda <= INT_MAX && ldb <= INT_MAX && ldc <= INT_MAX);
  if (m == 0 || n == 0)
    return;
  pin_blas_threads ();
  int im = (int) m, in = (int) n, ik = (int) k, ilda = (int) lda, ildb = (int) ldb, ildc = (int) ldc;
  sgemm_ (&transa, &transb, &im, &in, &ik, &alpha, a, &ilda, b, &ildb, &beta, c, &ildc);
}

/* ---------- linear ---------- */

typedef struct {
  int64_t rows;       /* N: product of all input dims but the last (1 for a 1-D input) */
  int64_t in, out;
  int out_ndim;
  int64_t out_shape[PS_MAX_DIMS];
  gboolean addmm;     /* bias pre-filled, beta = 1 (else mm with beta = 0, then add) */
} LinearPlan;

/* Validates like ATen and fills the plan. Error texts are torch's. */
static gboolean
linear_plan (const PsTensor *x, const PsTensor *w, const PsTensor *b, LinearPlan *plan, GError **error)
{
  g_return_val_if_fail (x != NULL && w != NULL, FALSE);
  if (x->dtype != PS_DTYPE_FLOAT32 || w->dtype != PS_DTYPE_FLOAT32
      || (b != NULL && b->dtype != PS_DTYPE_FLOAT32))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "linear: expected float32 tensors, got input %s and weight %s",
                   ps_dtype_name (x->dtype), ps_dtype_name (w->dtype));
      return FALSE;
    }
  if (w->ndim != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "linear: weight must be 2-D (out_features, in_features), got %d-D", w->ndim);
      return FALSE;
    }
  if (x->ndim == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
      return FALSE;
    }
  int64_t in = x->shape[x->ndim - 1];
  int64_t rows = 1;
  for (int i = 0; i < x->ndim - 1; i++)
    rows *= x->shape[i];   /* cannot overflow: x->numel did not */
  plan->rows = rows;
  plan->in = w->shape[1];
  plan->out = w->shape[0];
  if (in != plan->in)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "mat1 and mat2 shapes cannot be multiplied (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " and %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ")", rows, in, plan->in, plan->out);
      return FALSE;
    }
  plan->addmm = b != NULL && (x->ndim == 2 || x->ndim == 3);
  if (b != NULL)
    {
      if (b->ndim != 1)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "linear: bias must be 1-D (out_features), got %d-D", b->ndim);
          return FALSE;
        }
      int64_t bn = b->shape[0];
      if (bn != plan->out && bn != 1)
        {
          if (plan->addmm)
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "The expanded size of the tensor (%" G_GINT64_FORMAT ") must match the existing "
                         "size (%" G_GINT64_FORMAT ") at non-singleton dimension 1.  Target sizes: [%"
                         G_GINT64_FORMAT ", %" G_GINT64_FORMAT "].  Tensor sizes: [%" G_GINT64_FORMAT "]",
                         plan->out, bn, rows, plan->out, bn);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "The size of tensor a (%" G_GINT64_FORMAT ") must match the size of tensor b (%"
                         G_GINT64_FORMAT ") at non-singleton dimension %d", plan->out, bn, x->ndim - 1);
          return FALSE;
        }
    }
  if (rows > INT_MAX || plan->in > INT_MAX || plan->out > INT_MAX)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                   "linear: dimensions (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                   "x%" G_GINT64_FORMAT ") exceed the BLAS integer range", rows, in, plan->in, plan->out);
      return FALSE;
    }
  plan->out_ndim = x->ndim;
  memcpy (plan->out_shape, x->shape, sizeof plan->out_shape);
  plan->out_shape[x->ndim - 1] = plan->out;
  return TRUE;
}

static inline float
bias_at (const float *bias, int64_t bn, int64_t j)
{
  return bias[bn == 1 ? 0 : j];
}

/* The plan and the (uninitialized) output of a linear, or NULL with an error. */
static PsTensor *
linear_output (const PsTensor *x, const PsTensor *w, const PsTensor *b, LinearPlan *plan, GError **error)
{
  if (!linear_plan (x, w, b, plan, error))
    return NULL;
  return ps_tensor_new_empty (PS_DTYPE_FLOAT32, plan->out_ndim, plan->out_shape, error);
}

PsTensor *
ps_ops_linear (const PsTensor *x, const PsTensor *w, const PsTensor *b, GError **error)
{
  LinearPlan plan;
  PsTensor *y = linear_output (x, w, b, &plan, error);
  if (y == NULL)
    return NULL;
  float *Y = ps_tensor_f32 (y);
  const float *bias = b ? ps_tensor_cf32 (b) : NULL;
  int64_t bn = b ? b->shape[0] : 0;
  if (plan.addmm)
    {
      /* Y(N,out) = bias broadcast over rows, then Y += X·Wᵀ (beta = 1). */
      for (int64_t i = 0; i < plan.rows; i++)
        if (bn == plan.out)
          memcpy (Y + i * plan.out, bias, (size_t) plan.out * sizeof (float));
        else
          for (int64_t j = 0; j < plan.out; j++)
            Y[i * plan.out + j] = bias_at (bias, bn, j);
      ps_ops_sgemm (false, true, plan.rows, plan.out, plan.in, 1.0f, ps_tensor_cf32 (x), plan.in,
                    ps_tensor_cf32 (w), plan.in, 1.0f, Y, plan.out);
    }
  else
    {
      /* matmul: Y = X·Wᵀ (beta = 0), then Y += bias as its own rounding step. */
      ps_ops_sgemm (false, true, plan.rows, plan.out, plan.in, 1.0f, ps_tensor_cf32 (x), plan.in,
                    ps_tensor_cf32 (w), plan.in, 0.0f, Y, plan.out);
      if (bias != NULL)
        for (int64_t i = 0; i < plan.rows; i++)
          for (int64_t j = 0; j < plan.out; j++)
            Y[i * plan.out + j] += bias_at (bias, bn, j);
    }
  return y;
}

PsTensor *
ps_ops_linear_naive (const PsTensor *x, const PsTensor *w, const PsTensor *b, GError **error)
{
  LinearPlan plan;
  PsTensor *y = linear_output (x, w, b, &plan, error);
  if (y == NULL)
    return NULL;
  const float *X = ps_tensor_cf32 (x);
  const float *W = ps_tensor_cf32 (w);
  const float *bias = b ? ps_tensor_cf32 (b) : NULL;
  int64_t bn = b ? b->shape[0] : 0;
  float *Y = ps_tensor_f32 (y);
  for (int64_t i = 0; i < plan.rows; i++)
    for (int64_t j = 0; j < plan.out; j++)
      {
        double acc = bias ? (double) bias_at (bias, bn, j) : 0.0;
        const float *xr = X + i * plan.in, *wr = W + j * plan.in;
        for (int64_t p = 0; p < plan.in; p++)
          acc += (double) xr[p] * (double) wr[p];
        Y[i * plan.out + j] = (float) acc;
      }
  return y;
}

gboolean
ps_ops_dropout (const float *x, float *out, int64_t n, double p, PsGenerator *gen, GError **error)
{
  if (p == 1.0)
    {
      for (int64_t i = 0; i < n; i++)
        out[i] = x[i] * 0.0f;   /* torch draws nothing; NaN·0 stays NaN as in torch */
      return TRUE;
    }
  /* the mask goes into the output first; writing in place it needs a buffer of its own */
  g_autofree float *scratch = NULL;
  float *mask = out;
  if (out == x)
    {
      /* the process-wide limits: the memory budget as well as the largest allocation */
      if (!ps_tensor_check_scratch ((guint64) MAX (n, 1) * sizeof (float), "a dropout mask", error))
        return FALSE;
      scratch = g_try_malloc ((gsize) MAX (n, 1) * sizeof (float));
      if (scratch == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory for a dropout mask");
          return FALSE;
        }
      mask = scratch;
    }
  ps_generator_bernoulli_f32 (gen, mask, (size_t) n, p);
  const float q = (float) (1.0 - p);
  for (int64_t i = 0; i < n; i++)
    out[i] = x[i] * (mask[i] / q);   /* noise.div_(1 − p); x·noise */
  return TRUE;
}

void
ps_ops_linear_rows (const float *x, int64_t rows, int64_t in, const float *w, int64_t out, const float *b,
                    float *y)
{
  for (int64_t r = 0; r < rows; r++)
    {
      if (b != NULL)
        memcpy (y + r * out, b, (size_t) out * sizeof (float));
      else
        memset (y + r * out, 0, (size_t) out * sizeof (float));
    }
  if (rows == 0 || out == 0 || in == 0)
    return;
  ps_ops_sgemm (false, true, rows, out, in, 1.0f, x, in, w, in, b != NULL ? 1.0f : 0.0f, y, out);
}
