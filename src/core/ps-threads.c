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

/* ---------- parallel_for ---------- */

typedef struct {
  void (*fn) (int64_t, int64_t, void *);
  void *data;
  int64_t begin, end;
} Piece;

static gpointer
piece_run (gpointer p)
{
  Piece *pc = p;
  pc->fn (pc->begin, pc->end, pc->data);
  return NULL;
}

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

void
ps_threads_parallel_for (int64_t n, int64_t grain, void (*fn) (int64_t begin, int64_t end, void *data), void *data)
{
  g_return_if_fail (n >= 0 && grain >= 1 && fn != NULL);
  int t = elementwise_threads ();
  if (t > 1 && n / grain < t)
    t = (int) MAX (n / grain, 1);
  if (t <= 1)
    {
      fn (0, n, data);
      return;
    }
  Piece pieces[64];
  GThread *threads[64] = { NULL };
  /* pieces of whole grains: piece i starts at grain·⌊i·(n/grain)/t⌋ */
  const int64_t grains = n / grain;
  for (int i = 0; i < t; i++)
    {
      pieces[i].fn = fn;
      pieces[i].data = data;
      pieces[i].begin = grain * (grains * i / t);
      pieces[i].end = i == t - 1 ? n : grain * (grains * (i + 1) / t);
    }
  for (int i = 1; i < t; i++)
    {
      threads[i] = g_thread_try_new ("ps-elementwise", piece_run, &pieces[i], NULL);
      if (threads[i] == NULL)
        piece_run (&pieces[i]);   /* no thread to be had: the same work, in turn */
    }
  piece_run (&pieces[0]);
  for (int i = 1; i < t; i++)
    if (threads[i] != NULL)
      g_thread_join (threads[i]);
}
