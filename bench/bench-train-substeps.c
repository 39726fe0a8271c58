/* bench-train-substeps — any recorded sub-step of a long train op, within the memory budget
 * (issue #12: "10,000 steps of a 100k-parameter model with record_every 1: ≤ 2 GB, any step shown
 * within 100 ms"). Loads the recipe into a timeline with the app's snapshot budget (the document's
 * default, 1024 MiB, or PS_TIMELINE_BUDGET_MB), then asks the train op's log for each probed
 * sub-step (ps_train_log_get_state: the kept snapshot, or a replay from the nearest kept one — what
 * the app's views call) and times it. Prints the train time, the snapshots kept, the process's
 * peak RSS (getrusage), the median and worst access time, and per probe its time and the SHA-256
 * of the parameters' bits (named_parameters order) so bench_train_substeps.py can check them
 * against torch at the same steps. The sub-step right before each kept snapshot needs the longest
 * replay; the worst one of those is always probed too ("longest replay").
 *
 * Usage: bench-train-substeps RECIPE STEP... (1-based optimizer steps) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-train-ops.h"
#include "bench-util.h"

static guint64
budget_bytes (void)
{
  /* the document's rule (ps-document.c): PS_TIMELINE_BUDGET_MB, else 1024 MiB */
  const char *env = g_getenv ("PS_TIMELINE_BUDGET_MB");
  double mb = env != NULL && *env != '\0' ? g_ascii_strtod (env, NULL) : 1024;
  return mb > 0 && mb < 1e12 ? MAX ((guint64) (mb * 1024 * 1024), 1) : 1;
}

/* SHA-256 of the parameters' bytes, named_parameters order */
static char *
params_hash (PsState *st)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GPtrArray) items = ps_module_named_parameters (ps_state_get_root (st));
  for (guint i = 0; i < items->len; i++)
    {
      PsTensor *t = ((PsNamedItem *) items->pdata[i])->param->value;
      g_checksum_update (sum, t->data, (gssize) ps_tensor_nbytes (t));
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* CPU time of the whole process (OpenBLAS's and the elementwise workers' threads too) */
static double
process_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* wall ms to get sub-step i (0-based record index); its process CPU ms into *cpu, hash into *hash */
static double
time_substep (const PsTrainLog *log, guint i, double *cpu, char **hash)
{
  g_autoptr (GError) error = NULL;
  const double c0 = process_cpu_ms ();
  const double t0 = now_ms ();
  PsState *st = ps_train_log_get_state (log, i, &error);
  const double ms = now_ms () - t0;
  *cpu = process_cpu_ms () - c0;
  if (st == NULL)
    {
      fprintf (stderr, "sub-step %u: %s\n", i + 1, error->message);
      exit (1);
    }
  *hash = params_hash (st);
  ps_state_unref (st);
  return ms;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-train-substeps RECIPE STEP...\n");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (argv[1], &error);
  if (recipe == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  const guint64 budget = budget_bytes ();
  const double t0 = now_ms (), c0 = process_cpu_ms ();
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, NULL, budget);
  const double train_ms = now_ms () - t0, train_cpu = process_cpu_ms () - c0;
  if (ps_timeline_get_error (tl) != NULL)
    {
      fprintf (stderr, "%s\n", ps_timeline_get_error (tl)->message);
      return 1;
    }
  PsState *last = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
  const PsTrainLog *log = last->train_log;
  if (log == NULL || log->records->len == 0)
    {
      fprintf (stderr, "the recipe's last op is not a train op with records\n");
      return 1;
    }
  const guint n = log->records->len;
  guint kept = 0, longest_at = 0, longest = 0, prev_kept = 0;
  gboolean any_kept = FALSE;
  for (guint i = 0; i < n; i++)
    if (((PsTrainRecord *) log->records->pdata[i])->state != NULL)
      {
        /* records between two kept snapshots replay from the earlier one (or the op's start) */
        const guint gap = any_kept ? i - prev_kept : i + 1;
        if (gap >= 2 && gap > longest)
          {
            longest = gap;
            longest_at = i - 1;
          }
        prev_kept = i;
        any_kept = TRUE;
        kept++;
      }
  printf ("records %u, snapshots kept %u, budget %.0f MiB, longest replay %u steps (to sub-step %u)\n", n,
          kept, (double) budget / 1048576.0, longest > 0 ? longest - 1 : 0, longest_at + 1);
  printf ("train_ms %.1f cpu_ms %.1f\n", train_ms, train_cpu);
  int n_probe = argc - 2;
  double *ms = g_new (double, n_probe + 1), *cpu = g_new (double, n_probe + 1);
  for (int k = 0; k < n_probe; k++)
    {
      long step = strtol (argv[k + 2], NULL, 10);
      if (step < 1 || step > (long) n)
        {
          fprintf (stderr, "step %s is not between 1 and %u\n", argv[k + 2], n);
          return 2;
        }
      g_autofree char *h = NULL;
      ms[k] = time_substep (log, (guint) step - 1, &cpu[k], &h);
      printf ("probe step=%ld ms=%.3f cpu_ms=%.3f sha256=%s\n", step, ms[k], cpu[k], h);
    }
  g_autofree char *h = NULL;
  double worst_case_cpu;
  const double worst_case = time_substep (log, longest_at, &worst_case_cpu, &h);
  printf ("longest-replay step=%u ms=%.3f cpu_ms=%.3f sha256=%s\n", longest_at + 1, worst_case, worst_case_cpu, h);
  double worst = worst_case, worst_cpu = worst_case_cpu;
  for (int k = 0; k < n_probe; k++)
    {
      worst = MAX (worst, ms[k]);
      worst_cpu = MAX (worst_cpu, cpu[k]);
    }
  const double med = n_probe > 0 ? median (ms, n_probe) : worst_case;
  const double med_cpu = n_probe > 0 ? median (cpu, n_probe) : worst_case_cpu;
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  printf ("result median_ms=%.3f worst_ms=%.3f median_cpu_ms=%.3f worst_cpu_ms=%.3f peak_rss_mib=%.1f\n", med,
          worst, med_cpu, worst_cpu, (double) ru.ru_maxrss / 1024.0);
  g_free (ms);
  g_free (cpu);
  return 0;
}
