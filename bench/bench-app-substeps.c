/* bench-app-substeps — how long the app takes to show a recorded sub-step (issue #14: "every step
 * reachable"), measured in the app itself, under a display:
 *   dbus-run-session -- xvfb-run -a env GSETTINGS_BACKEND=memory GSK_RENDERER=cairo \
 *       build/bench/bench-app-substeps [STEPS [PROBES]]
 * bench-train-substeps' run — a 2-256-256-128-2 tanh MLP (99,714 parameters) trains STEPS (default
 * 10000) Adam steps on 1 024 xor points (batch 32), every step recorded, within the document's snapshot budget
 * (PS_TIMELINE_BUDGET_MB, default 1024 MiB as in the app): beyond it snapshots are dropped and a
 * sub-step is replayed from the nearest kept one in a worker. Then PROBES (default 60) random
 * sub-steps are shown — on the Training page (heatmap of the 256 × 256 weight) and on the main window's
 * sub-step scale (Heatmap page) — and each is timed from the request to the first frame painted
 * with its picture. A 5 ms main-loop timeout runs throughout: its longest gap says whether the
 * loop stalled meanwhile. Prints median and worst per place, how many needed a replay, and the load
 * average. Asserts nothing about time. Exit 77 without a display. */
#include "ps-config.h"
#include "bench-app-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of the whole process (the replay's worker, OpenBLAS threads and the main thread) */
static double
process_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static gint64 last_tick, max_gap;
static guint paints;

static gboolean
on_timeout (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  if (last_tick != 0 && now - last_tick > max_gap)
    max_gap = now - last_tick;
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  paints++;
}

static void
report (const char *where, GArray *ms, GArray *cpu, guint replays)
{
  qsort (ms->data, ms->len, sizeof (double), cmp_double);
  qsort (cpu->data, cpu->len, sizeof (double), cmp_double);
  double load[1] = { 0 };
  getloadavg (load, 1);
  printf ("%-36s %6u %7u %8.1f %8.1f %8.1f  %8.1f %8.1f %8.1f %6.1f\n", where, ms->len, replays,
          g_array_index (ms, double, ms->len / 2), g_array_index (ms, double, MIN (ms->len - 1, (guint) (0.95 * ms->len))),
          g_array_index (ms, double, ms->len - 1), g_array_index (cpu, double, cpu->len / 2),
          g_array_index (cpu, double, MIN (cpu->len - 1, (guint) (0.95 * cpu->len))),
          g_array_index (cpu, double, cpu->len - 1), load[0]);
}

/* wait until done (), then for one more painted frame: the time since t0 in ms */
static double
until_shown (gboolean (*done) (gpointer), gpointer data, gint64 t0)
{
  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
  guint p = paints;
  while (paints == p)
    g_main_context_iteration (NULL, TRUE);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static guint want;

static gboolean
page_done (gpointer data)
{
  PsTrainingPage *page = data;
  return !ps_training_page_get_replaying (page) && ps_training_page_get_picture_substep (page) == want;
}

static gboolean
window_done (gpointer data)
{
  return !ps_window_get_substep_replaying (data);
}

int
main (int argc, char **argv)
{
  if (!bench_app_init ("bench-app-substeps"))
    return 77;
  const int steps = argc > 1 ? atoi (argv[1]) : 10000, probes = argc > 2 ? atoi (argv[2]) : 60;
  /* bench-train-substeps' run (bench_train_substeps.py): a 2-256-256-128-2 tanh MLP, 99,714 parameters */
  g_autofree char *recipe = g_strdup_printf (
    "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":0,\"root\":\"m\",\"ops\":["
    "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":1024}},"
    "{\"op\":\"module\",\"id\":\"a\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":256}},"
    "{\"op\":\"module\",\"id\":\"t\",\"type\":\"Tanh\"},"
    "{\"op\":\"module\",\"id\":\"b\",\"type\":\"Linear\",\"args\":{\"in_features\":256,\"out_features\":256}},"
    "{\"op\":\"module\",\"id\":\"c\",\"type\":\"Linear\",\"args\":{\"in_features\":256,\"out_features\":128}},"
    "{\"op\":\"module\",\"id\":\"e\",\"type\":\"Linear\",\"args\":{\"in_features\":128,\"out_features\":2}},"
    "{\"op\":\"module\",\"id\":\"m\",\"type\":\"Sequential\",\"children\":[\"a\",\"t\",\"b\",\"t\",\"c\",\"t\",\"e\"]},"
    "{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"Adam\",\"params\":\"m\",\"args\":{\"lr\":0.001}},"
    "{\"op\":\"train\",\"model\":\"m\",\"optimizer\":\"o\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\"},"
    "\"batch_size\":32,\"shuffle\":true,\"steps\":%d,\"record_every\":1}]}", steps);
  g_autoptr (GError) error = NULL;
  double train_s = 0;
  PsWindow *w = bench_app_window (recipe, &train_s, &error);
  if (w == NULL)
    {
      fprintf (stderr, "cannot build the run: %s\n", error->message);
      return 1;
    }
  PsDocument *doc = ps_window_get_document (w);
  PsState *last = ps_document_get_current_state (doc);
  const PsTrainLog *log = last->train_log;
  guint kept = 0;
  for (guint i = 0; i < log->records->len; i++)
    kept += ((const PsTrainRecord *) log->records->pdata[i])->state != NULL;
  const char *env = g_getenv ("PS_TIMELINE_BUDGET_MB");
  printf ("model: 2-256-256-128-2 tanh MLP, 99,714 parameters; Adam, batch 32; %d steps, every one recorded (trained in %.1f s); "
          "snapshot budget %s MiB: %u of %u snapshots kept; %d random sub-steps per place\n",
          steps, train_s, env ? env : "1024 (default)", kept, log->records->len, probes);

  bench_app_follow_frames (w, on_after_paint);
  g_timeout_add (5, on_timeout, NULL);
  printf ("%-36s %6s %7s %8s %8s %8s  %8s %8s %8s %6s\n", "where", "probes", "replays", "wall med", "p95", "worst",
          "cpu med", "p95", "worst", "load");

  GRand *rand = g_rand_new_with_seed (14);
  /* the Training page: heatmap of fc1.weight's value */
  adw_view_stack_set_visible_child_name (w->view_stack, "training");
  PsTrainingPage *page = w->training_page;
  ps_training_page_set_view (page, PS_TRAINING_VIEW_HEATMAP);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ps_training_page_select_param (page, "m.2.weight", "value");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cpu = g_array_new (FALSE, FALSE, sizeof (double));
  guint replays = 0;
  last_tick = 0;
  max_gap = 0;
  for (int p = 0; p < probes; p++)
    {
      want = (guint) g_rand_int_range (rand, 0, (gint32) log->records->len);
      replays += ((const PsTrainRecord *) log->records->pdata[want])->state == NULL;
      gint64 s = g_get_monotonic_time ();
      double c0 = process_cpu_ms ();
      ps_training_page_set_substep (page, want);
      double t = until_shown (page_done, page, s), c = process_cpu_ms () - c0;
      g_array_append_val (ms, t);
      g_array_append_val (cpu, c);
    }
  report ("Training page, heatmap", ms, cpu, replays);
  printf ("  longest main-loop gap meanwhile: %.1f ms\n", max_gap / 1000.0);

  /* the main window's sub-step scale: Heatmap page of 1.weight */
  adw_view_stack_set_visible_child_name (w->view_stack, "heatmap");
  ps_window_select_path (w, "2.weight");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_array_set_size (ms, 0);
  g_array_set_size (cpu, 0);
  replays = 0;
  last_tick = 0;
  max_gap = 0;
  for (int p = 0; p < probes; p++)
    {
      guint k = (guint) g_rand_int_range (rand, 0, (gint32) log->records->len);
      if (k == ps_window_get_substep (w))
        continue;
      replays += ((const PsTrainRecord *) log->records->pdata[k])->state == NULL;
      gint64 s = g_get_monotonic_time ();
      double c0 = process_cpu_ms ();
      ps_window_set_substep (w, k);
      double t = until_shown (window_done, w, s), c = process_cpu_ms () - c0;
      g_array_append_val (ms, t);
      g_array_append_val (cpu, c);
    }
  report ("main window sub-step scale, heatmap", ms, cpu, replays);
  printf ("  longest main-loop gap meanwhile: %.1f ms\n", max_gap / 1000.0);
  printf ("(ms; wall = request → the first frame painted after its picture was ready; cpu = the process's CPU time "
          "meanwhile, all threads; a replay runs in a worker)\n");
  g_rand_free (rand);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (w));   /* bench_app_window's */
  gtk_window_destroy (GTK_WINDOW (w));
  g_object_unref (app);
  return 0;
}
