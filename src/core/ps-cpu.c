/* ps-cpu.c — see ps-cpu.h. */
#include "ps-cpu.h"

guint
ps_cpu_hw_features (void)
{
  static gsize once = 0;
  static guint features = 0;
  if (g_once_init_enter (&once))
    {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
      __builtin_cpu_init ();
      features = (__builtin_cpu_supports ("avx2") ? PS_CPU_AVX2 : 0)
                 | (__builtin_cpu_supports ("fma") ? PS_CPU_FMA : 0)
                 | (__builtin_cpu_supports ("avx512f") ? PS_CPU_AVX512F : 0);
#endif
      g_once_init_leave (&once, 1);
    }
  return features;
}

guint
ps_cpu_features (void)
{
  static gsize once = 0;
  static guint features = 0;
  if (g_once_init_enter (&once))
    {
      features = ps_cpu_hw_features ();
      if (g_getenv ("PS_DISABLE_SIMD") != NULL)
        features = 0;
      if (g_getenv ("PS_DISABLE_AVX512") != NULL)
        features &= ~(guint) PS_CPU_AVX512F;
      g_once_init_leave (&once, 1);
    }
  return features;
}
