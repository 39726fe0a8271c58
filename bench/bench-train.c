/* bench-train — one recipe's last op (a train op) timed: replays the ops before it once, then runs
 * the train op `repeats` times on the same state and prints the median time, steps per second and
 * an FNV-1a hash of the trained parameters' bits (root model, named_parameters order), and the
 * process's CPU time over the same runs (all threads: OpenBLAS's too), which other processes on a
 * shared machine inflate far less than the wall time.
 * bench/bench_train_torch.py writes the recipes, runs this program and the same loop in torch in
 * the same run, and prints the ratio and whether the parameters are bit-identical.
 *
 * Usage: bench-train RECIPE [repeats]  */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include "ps-op.h"
#include "ps-recipe.h"
#include "bench-util.h"

#include <time.h>

/* CPU time of the whole process (every thread) in milliseconds. */
static double
process_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-train RECIPE [repeats]\n");
      return 2;
    }
  int reps = argc > 2 ? atoi (argv[2]) : 3;
  if (reps < 1)
    reps = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (argv[1], &error);
  if (recipe == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  PsState *st = ps_state_new (recipe->seed, recipe->flavour, recipe->root);
  guint n_ops = recipe->ops->len;
  for (guint i = 0; i + 1 < n_ops; i++)
    {
      PsState *next = ps_op_apply (st, g_ptr_array_index (recipe->ops, i), i + 1, &error);
      if (next == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      ps_state_unref (st);
      st = next;
    }
  PsOp *train = g_ptr_array_index (recipe->ops, n_ops - 1);
  g_autoptr (JsonObject) train_json = ps_op_to_json (train);
  int64_t steps = json_object_get_int_member (train_json, "steps");
  double *ms = g_new (double, reps), *cpu = g_new (double, reps);
  PsState *last = NULL;
  for (int r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      const double c0 = process_cpu_ms ();
      PsState *next = ps_op_apply (st, train, n_ops, &error);
      ms[r] = (double) (g_get_monotonic_time () - t0) / 1000.0;
      cpu[r] = process_cpu_ms () - c0;
      if (next == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      if (last)
        ps_state_unref (last);
      last = next;
    }
  guint64 h = 0xcbf29ce484222325ull;
  g_autoptr (GPtrArray) items = ps_module_named_parameters (ps_state_get_root (last));
  for (guint i = 0; i < items->len; i++)
    {
      PsTensor *t = ((PsNamedItem *) items->pdata[i])->param->value;
      const guint8 *b = t->data;
      for (gsize k = 0; k < ps_tensor_nbytes (t); k++)
        h = (h ^ b[k]) * 0x100000001b3ull;
    }
  double loss = last->train_log && last->train_log->records->len
                ? ((PsTrainRecord *) last->train_log->records->pdata[last->train_log->records->len - 1])->loss : NAN;
  qsort (ms, reps, sizeof *ms, cmp_double);
  qsort (cpu, reps, sizeof *cpu, cmp_double);
  double med = ms[reps / 2];
  printf ("paramscope train: %" G_GINT64_FORMAT " steps, last loss %.9g\n", steps, loss);
  printf ("result median_ms=%.3f min_ms=%.3f steps_per_s=%.1f hash=%016" G_GINT64_MODIFIER "x cpu_ms=%.3f\n", med,
          ms[0], (double) steps / (med / 1000.0), h, cpu[reps / 2]);
  g_free (ms);
  g_free (cpu);
  ps_state_unref (last);
  ps_state_unref (st);
  return 0;
}
