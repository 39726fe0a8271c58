/* bench-train-frames — does the main loop stall while a training run is live? On the real window
 * (run under a display):
 *   dbus-run-session -- xvfb-run -a env GSETTINGS_BACKEND=memory GSK_RENDERER=cairo build/bench/bench-train-frames
 * A 784-128-10 MLP (101,770 parameters) trains on 6 000 Fashion-MNIST images (Adam, batch 64,
 * record every 10th step) in the worker while the Training page follows it live, once per view
 * (loss curve, ratio chart, activations, gradients per layer, weight tiles, parameter heatmap). Measured in the app's
 * own main loop: a 5 ms timeout source's gaps (the longest time the loop did not get back to it),
 * the frame clock's frame-to-frame intervals, and the steps per second. Target: no stall over
 * 50 ms. Prints medians and maxima; asserts nothing about time. Exit 77 without a display or
 * without the data set. */
#include "ps-config.h"
#include "bench-app-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

static const char recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":0,\"root\":\"net\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"data\",\"type\":\"fashion_mnist\",\"args\":{\"split\":\"train\",\"limit\":6000}},"
  "{\"op\":\"module\",\"id\":\"flat\",\"type\":\"Flatten\"},"
  "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":784,\"out_features\":128}},"
  "{\"op\":\"module\",\"id\":\"relu\",\"type\":\"ReLU\"},"
  "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":128,\"out_features\":10}},"
  "{\"op\":\"module\",\"id\":\"net\",\"type\":\"Sequential\",\"children\":[\"flat\",\"fc1\",\"relu\",\"head\"]}]}";

static GArray *gaps, *frames, *cpu_gaps;
static gint64 last_tick, last_frame;
static double last_cpu;

static gboolean
on_timeout (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  double cpu = cpu_ms ();
  if (last_tick != 0 && gaps != NULL)
    {
      double ms = (now - last_tick) / 1000.0, c = cpu - last_cpu;
      g_array_append_val (gaps, ms);
      g_array_append_val (cpu_gaps, c);
    }
  last_tick = now;
  last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  if (last_frame != 0 && frames != NULL)
    {
      double ms = (now - last_frame) / 1000.0;
      g_array_append_val (frames, ms);
    }
  last_frame = now;
}

static double p95;   /* of the last summary */

static void
summary (const char *what, GArray *v, double *med, double *max, guint *over)
{
  qsort (v->data, v->len, sizeof (double), cmp_double);
  *med = v->len ? g_array_index (v, double, v->len / 2) : 0;
  p95 = v->len ? g_array_index (v, double, MIN (v->len - 1, (guint) (0.95 * v->len))) : 0;
  *max = v->len ? g_array_index (v, double, v->len - 1) : 0;
  *over = 0;
  for (guint i = 0; i < v->len; i++)
    *over += g_array_index (v, double, i) > 50.0;
  (void) what;
}

int
main (int argc, char **argv)
{
  if (!bench_app_init ("bench-train-frames"))
    return 77;
  g_autoptr (GError) error = NULL;
  PsWindow *w = bench_app_window (recipe, NULL, &error);
  if (w == NULL)
    {
      fprintf (stderr, "cannot build the model: %s (Fashion-MNIST: Debian package dataset-fashion-mnist)\n",
               error->message);
      return 77;
    }
  PsDocument *doc = ps_window_get_document (w);
  adw_view_stack_set_visible_child_name (w->view_stack, "training");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  bench_app_follow_frames (w, on_after_paint);   /* frames keep coming */
  g_timeout_add (5, on_timeout, NULL);
  printf ("model: 784-128-10 MLP, 101,770 parameters; 6,000 Fashion-MNIST images; Adam lr 1e-3, batch 64, "
          "record every 10th step; window 1400×900\n");
  double load[3] = { 0, 0, 0 };
  if (getloadavg (load, 3) > 0)
    printf ("load average at start: %.1f %.1f %.1f\n", load[0], load[1], load[2]);
  printf ("%-27s %5s %7s %8s %8s %5s %8s %5s %9s %9s %9s %6s %5s\n", "view while training", "steps", "steps/s", "gap med",
          "gap max", ">50ms", "cpu max", ">50ms", "frame med", "frame p95", "frame max", "frames", "load");
  const PsTrainingView views[] = { PS_TRAINING_VIEW_LOSS, PS_TRAINING_VIEW_RATIOS, PS_TRAINING_VIEW_ACTIVATIONS,
                                   PS_TRAINING_VIEW_GRADIENTS, PS_TRAINING_VIEW_WEIGHT_GRID, PS_TRAINING_VIEW_HEATMAP };
  const char *names[] = { "loss curve", "ratio chart", "activations (256 samples)", "gradients per layer",
                          "weight tiles (128)", "heatmap fc1.weight" };
  int epochs = argc > 1 ? atoi (argv[1]) : 2;
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      ps_training_page_set_view (w->training_page, views[v]);
      PsTrainSpec spec;
      ps_train_spec_init (&spec);
      spec.dataset = "fashion_mnist";
      spec.n = 6000;
      spec.optimizer = "Adam";
      g_autoptr (JsonObject) args = json_object_new ();
      json_object_set_double_member (args, "lr", 1e-3);
      spec.optimizer_args = args;
      spec.batch_size = 64;
      spec.by_epochs = TRUE;
      spec.count = epochs;
      spec.record_every = 10;
      gaps = g_array_new (FALSE, FALSE, sizeof (double));
      frames = g_array_new (FALSE, FALSE, sizeof (double));
      cpu_gaps = g_array_new (FALSE, FALSE, sizeof (double));
      last_tick = last_frame = 0;
      gint64 t0 = g_get_monotonic_time ();
      if (!ps_window_start_training (w, &spec))
        return 1;
      while (ps_document_get_busy (doc))
        g_main_context_iteration (NULL, TRUE);
      double secs = (g_get_monotonic_time () - t0) / 1e6;
      int64_t steps = (int64_t) epochs * 94;
      double gm, gx, fm, fx, cm, cx;
      guint go, fo, co;
      summary ("gaps", gaps, &gm, &gx, &go);
      summary ("cpu", cpu_gaps, &cm, &cx, &co);
      summary ("frames", frames, &fm, &fx, &fo);
      double fp = p95;
      if (getloadavg (load, 1) < 1)
        load[0] = NAN;
      printf ("%-27s %5" G_GINT64_FORMAT " %7.0f %6.1fms %6.1fms %5u %6.1fms %5u %7.1fms %7.1fms %7.1fms %6u %5.1f\n",
              names[v], steps, steps / secs, gm, gx, go, cx, co, fm, fp, fx, frames->len, load[0]);
      g_clear_pointer (&gaps, g_array_unref);
      g_clear_pointer (&frames, g_array_unref);
      g_clear_pointer (&cpu_gaps, g_array_unref);
      /* undo the run: the next view trains the same model from the same start */
      ps_document_undo (doc);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  printf ("(steps/s counts the whole job: replaying the recipe's earlier ops, then the training; gap = wall time between two "
          "runs of a 5 ms main-loop timeout, cpu = the main thread's CPU time in that gap (its own work); frame = interval between painted frames)\n");
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (w));   /* bench_app_window's */
  gtk_window_destroy (GTK_WINDOW (w));
  g_object_unref (app);
  return 0;
}
