/* series-test-util.h — the reference the series tests check the largest-changes table against,
 * computed here from the files: ‖b − a‖ / ‖a‖ (in double) of every float tensor both checkpoints
 * hold with the same element count. */
#pragma once

#include <glib.h>
#include <math.h>
#include "ps-checkpoint.h"

/* The name (without a "model." prefix) of the tensor that changed most from a to b, and that
 * change in *best (−1 and NULL if none). */
static inline char *
series_test_largest_change (PsCheckpoint *a, PsCheckpoint *b, double *best)
{
  char *name = NULL;
  *best = -1;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (b); i++)
    {
      const char *n = ps_checkpoint_get_entry (b, i)->name;
      g_autoptr (PsTensor) tb = ps_checkpoint_load (b, n, NULL);
      g_autoptr (PsTensor) ta = ps_checkpoint_load (a, n, NULL);
      if (ta == NULL || tb == NULL || ta->numel != tb->numel)
        continue;
      double sa = 0, sd = 0;
      for (int64_t j = 0; j < ta->numel; j++)
        {
          double x = ((float *) ta->data)[j], y = ((float *) tb->data)[j];
          sa += x * x;
          sd += (y - x) * (y - x);
        }
      if (sa > 0 && sqrt (sd / sa) > *best)
        {
          *best = sqrt (sd / sa);
          g_free (name);
          name = g_strdup (g_str_has_prefix (n, "model.") ? n + 6 : n);
        }
    }
  return name;
}
