/* ps-threads.h — torch 1.13's intra-op thread count and CPU capability, and the runtime report.
 *
 * Bits depend on them: oneDNN sizes its convolution kernels (grad_weight's reduction split) from
 * the OpenMP thread count of the calling thread, and oneDNN and ATen pick kernels by ISA. So the
 * defaults are exactly torch 1.13's (read from Debian's libtorch_cpu.so.1.13,
 * at::intraop_default_num_threads and at::init_num_threads):
 *   threads = OMP_NUM_THREADS if it is a positive integer, else MKL_NUM_THREADS likewise, else
 *             std::thread::hardware_concurrency() / 2 (glibc get_nprocs(), halved: torch assumes
 *             two hardware threads per core on x86-64), at least 1 (libgomp's clamp);
 *   ATen capability = ATEN_CPU_CAPABILITY ("default", "avx2", "avx512") if set, else AVX2 when the
 *             CPU has AVX2 and FMA, else DEFAULT (AVX-512 is opt-in in 1.13);
 *   oneDNN ISA = ONEDNN_MAX_CPU_ISA (read by libdnnl itself; see ps-onednn.h).
 * PS_NUM_THREADS (a positive integer) overrides the thread count, like torch.set_num_threads. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-generator.h"   /* PsFlavour */

G_BEGIN_DECLS

/* torch.get_num_threads() of a torch 1.13 started in this environment. */
int       ps_threads_intra_op        (void);
/* torch.set_num_threads(n): n ≥ 1. For tests and benchmarks; call before any work. */
void      ps_threads_set_intra_op    (int n);
/* Applies the count to the calling thread's OpenMP setting (a per-thread value: a new thread
 * starts from the process default), as torch's set_num_threads does in its own thread. Call it
 * in every thread that runs oneDNN. */
void      ps_threads_enter           (void);

/* "DEFAULT", "AVX2" or "AVX512": ATen's dispatch level (torch.__config__.show()'s "CPU capability
 * usage"). */
const char *ps_threads_aten_capability (void);
/* Vectorized<float>::size() of the kernels the calling thread reproduces now: 8 while its flavour
 * is PS_FLAVOUR_DEFAULT (torch's portable DEFAULT build, whatever ATEN_CPU_CAPABILITY says),
 * else at the process's capability: 16 for AVX512, else 8. */
int         ps_threads_aten_lanes      (void);
/* The kernel flavour of the work the calling thread does now: a recipe's "flavour" (its generator's),
 * set by whoever runs the recipe's ops (ps_op_apply_full, ps_train_step_measure) around that work.
 * PS_FLAVOUR_DEFAULT = torch at ATEN_CPU_CAPABILITY=default: 8 vector lanes in every reduction,
 * glibc exp/log and no FMA in the losses (ps-loss.c). PS_FLAVOUR_AVX2 (a new thread's value) =
 * torch at this process's capability (AVX2, or AVX512 with ATEN_CPU_CAPABILITY=avx512). Returns
 * the previous flavour, to be put back with the same call when the work ends. */
PsFlavour   ps_threads_set_flavour     (PsFlavour flavour);
PsFlavour   ps_threads_get_flavour     (void);

/* Several lines naming everything that decides bit-exactness here: ATen capability, intra-op
 * threads (and where the count came from), OpenBLAS core/threads/config, oneDNN version and ISA,
 * Sleef. Shown by `paramscope-cli --version --verbose` and the app's About window. */
char     *ps_threads_runtime_report  (void);

/* Runs fn(begin, end, data) over [0, n) split into contiguous pieces (each a multiple of `grain`
 * long, except the last; about eight per thread), which the calling thread and the pool's helper
 * threads (one per CPU but the caller's: g_get_num_processors(), at most 8; PS_ELEMENTWISE_THREADS
 * overrides) take in turn; returns when every piece is done. Only for elementwise work whose result
 * per element does not depend on the split — so this uses every CPU, not torch's thread count. A
 * helper runs fn in the caller's flavour (ps_threads_set_flavour); any other thread-local state of
 * the caller it does not see. n < 2·grain, one CPU, or the pool busy (another thread's call, or a
 * call from inside fn): a single call on the calling thread. */
void      ps_threads_parallel_for    (int64_t n, int64_t grain,
                                      void (*fn) (int64_t begin, int64_t end, void *data), void *data);

G_END_DECLS
