/* ps-threads.c — see ps-threads.h. */
#include "ps-threads.h"
#include "ps-cpu.h"
#include "ps-onednn.h"
#include "ps-ops.h"
#include "ps-sleef.h"

#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

/* OpenBLAS extensions (see ps-ops.c). */
extern char *openblas_get_corename (void);
extern char *openblas_get_config (void);

/* at::get_env_num_threads: c10::stoi of the value (a leading integer), which must be > 0; anything
 * else is ignored (torch warns). */
static int
env_threads (const char *name, int fallback)
{
  const char *v = g_getenv (name);
  if (v == NULL)
    return fallback;
  char *end = NULL;
  long n = strtol (v, &end, 10);
  if (end == v || n <= 0 || n > INT_MAX)
    return fallback;
  return (int) n;
}

static int threads_override = 0;
static const char *threads_source = "";

static int
default_threads (void)
{
  static gsize once = 0;
  static int n = 1;
  if (g_once_init_enter (&once))
    {
      int v = env_threads ("PS_NUM_THREADS", 0);
      threads_source = "PS_NUM_THREADS";
      if (v == 0)
        {
          v = env_threads ("MKL_NUM_THREADS", env_threads ("OMP_NUM_THREADS", 0));
          threads_source = env_threads ("MKL_NUM_THREADS", 0) > 0 ? "MKL_NUM_THREADS" : "OMP_NUM_THREADS";
        }
      if (v == 0)
        {
          /* std::thread::hardware_concurrency() is glibc's get_nprocs() in libstdc++ */
          v = get_nprocs () / 2;
          threads_source = "torch 1.13 default: CPUs / 2";
        }
      n = MAX (v, 1);
      g_once_init_leave (&once, 1);
    }
  return n;
}

int
ps_threads_intra_op (void)
{
  int o = g_atomic_int_get (&threads_override);
  return o > 0 ? o : default_threads ();
}

void
ps_threads_set_intra_op (int n)
{
  g_return_if_fail (n >= 1);
  g_atomic_int_set (&threads_override, n);
}

void
ps_threads_enter (void)
{
  int n = ps_threads_intra_op ();
  if (omp_get_max_threads () != n)
    omp_set_num_threads (n);
}

const char *
ps_threads_aten_capability (void)
{
  static gsize once = 0;
  static const char *cap = "DEFAULT";
  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("ATEN_CPU_CAPABILITY");
      gboolean has_avx2 = FALSE;
      has_avx2 = (ps_cpu_hw_features () & (PS_CPU_AVX2 | PS_CPU_FMA)) == (PS_CPU_AVX2 | PS_CPU_FMA);
      if (env != NULL && g_ascii_strcasecmp (env, "avx512") == 0)
        cap = "AVX512";
      else if (env != NULL && g_ascii_strcasecmp (env, "avx2") == 0)
        cap = "AVX2";
      else if (env != NULL && g_ascii_strcasecmp (env, "default") == 0)
        cap = "DEFAULT";
      else
        cap = has_avx2 ? "AVX2" : "DEFAULT";
      g_once_init_leave (&once, 1);
    }
  return cap;
}

static __thread PsFlavour thread_flavour = PS_FLAVOUR_AVX2;

PsFlavour
ps_threads_set_flavour (PsFlavour flavour)
{
  const PsFlavour old = thread_flavour;
  thread_flavour = flavour;
  return old;
}

PsFlavour
ps_threads_get_flavour (void)
{
  return thread_flavour;
}

int
ps_threads_aten_lanes (void)
{
  /* the DEFAULT build's Vectorized<float> is vec_base.h's generic 32-byte one: 8 lanes */
  if (thread_flavour == PS_FLAVOUR_DEFAULT)
    return 8;
  return strcmp (ps_threads_aten_capability (), "AVX512") == 0 ? 16 : 8;
}

char *
ps_threads_runtime_report (void)
{
  GString *s = g_string_new (NULL);
  const int n = ps_threads_intra_op ();
  g_string_append_printf (s, "ATen CPU capability: %s%s\n", ps_threads_aten_capability (),
                          g_getenv ("ATEN_CPU_CAPABILITY") ? " (ATEN_CPU_CAPABILITY)" : "");
  g_string_append_printf (s, "Intra-op threads: %d (%s)\n", n,
                          g_atomic_int_get (&threads_override) > 0 ? "set by the program" : threads_source);
  g_string_append_printf (s, "CPUs: %d\n", get_nprocs ());
  g_string_append_printf (s, "OpenBLAS: core %s, %d threads, %s\n", openblas_get_corename (),
                          ps_ops_blas_threads (), openblas_get_config ());
  g_autofree char *v = ps_onednn_version ();
  const char *cap = g_getenv ("ONEDNN_MAX_CPU_ISA");
  g_string_append_printf (s, "oneDNN: %s, ISA %s%s%s%s\n", v, ps_onednn_isa (),
                          cap ? " (ONEDNN_MAX_CPU_ISA=" : "", cap ? cap : "", cap ? ")" : "");
  g_string_append (s, ps_sleef_available () ? "Sleef: libsleef.so.3 (Sleef_*f1_u10purecfma)"
                                            : "Sleef: scalar ports (this CPU has no FMA)");
  return g_string_free (s, FALSE);
}

/* ---------- parallel_for ----------
 *
 * Persistent helper threads (CPUs − 1 of them, started by the first call that can use them) and the
 * calling thread take chunks of the range in turn. A training step hands its elementwise work
 * (Adam's update, the batch gather) to them every step, where starting a thread per call (tens of
 * µs) would cost more than it saves. The caller starts on the chunks at once and never waits for a
 * helper to wake: only for chunks a helper has taken. A helper that wakes after its job is over takes
 * nothing: every claim carries the job's number. One job at a time; a caller that finds the pool
 * busy (another thread's job, or a call from inside a chunk) does its whole range itself. Helpers
 * sleep between jobs, they never spin: OpenBLAS's workers need the CPUs during the GEMMs. */

static int
elementwise_threads (void)
{
  static gsize once = 0;
  static int n = 1;
  if (g_once_init_enter (&once))
    {
      int v = env_threads ("PS_ELEMENTWISE_THREADS", 0);
      n = v > 0 ? v : (int) MIN (g_get_num_processors (), 8u);
      n = CLAMP (n, 1, 64);
      g_once_init_leave (&once, 1);
    }
  return n;
}

typedef struct {
  GMutex lock;
  GCond wake;
  guint32 job;             /* number of the latest job, never 0 (under lock) */
  gboolean open;           /* that job may still have chunks to hand out (under lock) */
  void (*fn) (int64_t, int64_t, void *);
  void *data;
  int64_t n, chunk;
  guint32 chunks;
  PsFlavour flavour;       /* the caller's: a helper runs the job's chunks in it */
  guint64 claim;           /* atomic: job << 32 | next chunk */
  gint done;               /* atomic: chunks of the job finished */
  gint busy;               /* atomic: a caller owns the pool */
  int helpers;
} Pool;

static Pool pool;

/* Takes and runs chunks of job `job` (chunk elements each, the last one up to n) until none is left. */
static void
pool_run_chunks (guint32 job, void (*fn) (int64_t, int64_t, void *), void *data, int64_t n, int64_t chunk,
                 guint32 chunks)
{
  for (;;)
    {
      guint64 c = __atomic_load_n (&pool.claim, __ATOMIC_ACQUIRE);
      guint32 k;
      do
        {
          k = (guint32) c;
          if ((guint32) (c >> 32) != job || k >= chunks)
            return;
        }
      while (!__atomic_compare_exchange_n (&pool.claim, &c, c + 1, TRUE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
      const int64_t begin = (int64_t) k * chunk;
      fn (begin, k + 1 == chunks ? n : begin + chunk, data);   /* the last chunk up to n */
      __atomic_add_fetch (&pool.done, 1, __ATOMIC_RELEASE);
    }
}

static gpointer
pool_helper (G_GNUC_UNUSED gpointer unused)
{
  guint32 seen = 0;
  for (;;)
    {
      g_mutex_lock (&pool.lock);
      while (!pool.open || pool.job == seen)
        {
          seen = pool.job;   /* a job that ended before this helper woke: nothing left of it */
          g_cond_wait (&pool.wake, &pool.lock);
        }
      seen = pool.job;
      void (*fn) (int64_t, int64_t, void *) = pool.fn;
      void *data = pool.data;
      const int64_t n = pool.n, chunk = pool.chunk;
      const guint32 chunks = pool.chunks;
      thread_flavour = pool.flavour;   /* fn may read ps_threads_get_flavour/aten_lanes, as on the caller */
      g_mutex_unlock (&pool.lock);
      pool_run_chunks (seen, fn, data, n, chunk, chunks);
    }
  return NULL;
}

static int
pool_start (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      g_mutex_init (&pool.lock);
      g_cond_init (&pool.wake);
      int started = 0;
      for (int i = 1; i < elementwise_threads (); i++)
        {
          GThread *t = g_thread_try_new ("ps-elementwise", pool_helper, NULL, NULL);
          if (t == NULL)
            break;
          g_thread_unref (t);   /* runs for the life of the process */
          started++;
        }
      pool.helpers = started;
      g_once_init_leave (&once, 1);
    }
  return pool.helpers;
}

void
ps_threads_parallel_for (int64_t n, int64_t grain, void (*fn) (int64_t begin, int64_t end, void *data), void *data)
{
  g_return_if_fail (n >= 0 && grain >= 1 && fn != NULL);
  const int64_t grains = n / grain;
  if (elementwise_threads () <= 1 || grains < 2 || pool_start () == 0
      || !g_atomic_int_compare_and_exchange (&pool.busy, 0, 1))
    {
      fn (0, n, data);
      return;
    }
  /* chunks of whole grains, about eight per thread (a helper that wakes late leaves the caller
   * little to wait for), the last one up to n */
  const int64_t per = MAX ((int64_t) 1, grains / (8 * (int64_t) (pool.helpers + 1)));
  const int64_t chunk = per * grain;
  const guint32 chunks = (guint32) MIN (grains / per, (int64_t) G_MAXUINT32);
  g_mutex_lock (&pool.lock);
  if (++pool.job == 0)
    pool.job = 1;
  const guint32 job = pool.job;
  pool.fn = fn;
  pool.data = data;
  pool.n = n;
  pool.chunk = chunk;
  pool.chunks = chunks;
  pool.flavour = thread_flavour;
  __atomic_store_n (&pool.done, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&pool.claim, (guint64) job << 32, __ATOMIC_RELEASE);
  pool.open = TRUE;
  g_cond_broadcast (&pool.wake);
  g_mutex_unlock (&pool.lock);
  pool_run_chunks (job, fn, data, n, chunk, chunks);
  /* every chunk is taken: wait for those a helper still runs */
  for (guint spins = 0; __atomic_load_n (&pool.done, __ATOMIC_ACQUIRE) < (gint) chunks; spins++)
    if (spins > 64)
      g_thread_yield ();
  g_mutex_lock (&pool.lock);
  pool.open = FALSE;
  g_mutex_unlock (&pool.lock);
  g_atomic_int_set (&pool.busy, 0);
}
