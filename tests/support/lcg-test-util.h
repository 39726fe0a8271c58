/* lcg-test-util.h — deterministic pseudo-random numbers for tests that must not depend on the
 * generator under test (Knuth's MMIX linear congruential generator). A test sets lcg_state (its
 * seed) before it draws. Shared by test-stats, test-histogram, test-render and
 * test-training-figures. */
#pragma once

#include <glib.h>
#include <math.h>

static guint64 lcg_state G_GNUC_UNUSED;

/* Uniform in [0, 1), 53 bits. */
static inline double
lcg_uniform (void)
{
  lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double) (lcg_state >> 11) * 0x1.0p-53;
}

/* Roughly normal: the sum of 4 uniforms, scaled to standard deviation `std`. */
static inline double
lcg_bell (double std)
{
  double s = 0;
  for (int i = 0; i < 4; i++)
    s += lcg_uniform ();
  return (s - 2.0) * std / sqrt (4.0 / 12.0);
}
