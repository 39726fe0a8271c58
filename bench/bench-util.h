/* bench-util.h — what the C benchmarks share: clocks, medians and the bit hash their Python
 * drivers recompute (header-only; each benchmark is one program). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall-clock milliseconds (monotonic). */
static inline double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* CPU time of this thread: robust to other processes competing for the cores. */
static inline double
cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* qsort's comparison of doubles, ascending. */
static inline int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v). */
static inline double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Σ bits[i]·(2i + 1) mod 2^64 over the float32 bit patterns: the drivers compute the same with
 * numpy to check that both sides produced the same values. */
static inline uint64_t
bits_hash (const float *x, size_t n)
{
  uint64_t h = 0;
  for (size_t i = 0; i < n; i++)
    {
      uint32_t b;
      memcpy (&b, &x[i], 4);
      h += (uint64_t) b * (2 * (uint64_t) i + 1);
    }
  return h;
}
