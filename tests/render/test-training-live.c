/* test-training-live.c — the training figures fed by a real run of the training engine (core's
 * ps_train_step: SGD on the "circles" toy set through Linear–Tanh–Linear–Tanh–Linear), as the app
 * and `train`'s CLI will feed them: the loss/accuracy curve with the learning rate, the update/data
 * and grad/data ratios per parameter, activation and gradient histograms per layer, the decision
 * boundary at the last step, and the boundary over training as a GIF (decoded back).
 *
 * It asserts what a healthy run shows (the loss falls, the classifier separates the circles, the
 * ratios are finite and the boundary moves between the first and last frame) and that every figure
 * draws; with PS_RENDER_SAMPLES=dir the pictures and the GIF are written there to look at. */
#include <gif_lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ps-animation.h"
#include "ps-dataset.h"
#include "ps-decision-boundary.h"
#include "ps-export.h"
#include "ps-histogram.h"
#include "ps-layer-diagnostics.h"
#include "ps-loss-curve.h"
#include "ps-module.h"
#include "ps-optimizer.h"
#include "ps-ratio-chart.h"
#include "ps-stats.h"
#include "ps-train-step.h"

#define N_DATA 256
#define STEPS 240
#define BATCH 32
#define FRAME_EVERY 30
#define N_FRAMES (STEPS / FRAME_EVERY + 1)
#define GRID 70

typedef struct {
  PsModule *model;
  PsGenerator gen;
} Net;

static gboolean
net_forward (const float *xy, gsize n, float *out, gpointer data, GError **error)
{
  Net *net = data;
  int64_t shape[2] = { (int64_t) n, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, xy, error);
  PsGenerator gen = net->gen;
  g_autoptr (PsTensor) y = x ? ps_module_forward (net->model, x, &gen, error) : NULL;
  if (y == NULL)
    return FALSE;
  memcpy (out, ps_tensor_cf32 (y), n * 2 * sizeof (float));
  return TRUE;
}

typedef struct {
  PsDecisionBoundary db[N_FRAMES];
  PsDecisionBoundaryOptions o[N_FRAMES];
  char *subtitle[N_FRAMES];
  float *grid[N_FRAMES];
} Frames;

static void
frame_draw (cairo_t *cr, double w, double h, guint i, gpointer data)
{
  Frames *f = data;
  ps_decision_boundary_draw (&f->db[i], cr, w, h);
}

static void
sample (const char *name, double w, double h, PsDrawFunc draw, gpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *dir = g_getenv ("PS_RENDER_SAMPLES");
  g_autofree char *tmp = dir ? NULL : g_dir_make_tmp ("ps-live-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir ? dir : tmp, name, NULL);
  /* always exported (the export path is part of what is tested), kept only when asked */
  g_assert_true (ps_export_picture (path, w, h, 1, 96, draw, data, &error));
  g_assert_no_error (error);
  if (tmp)
    {
      g_unlink (path);
      g_rmdir (tmp);
    }
}

static void
test_live (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsDataset) data = ps_dataset_new_toy ("circles", N_DATA, &gen, &error);
  g_assert_no_error (error);

  /* Sequential(Linear(2, 16), Tanh, Linear(16, 16), Tanh, Linear(16, 2)) */
  g_autoptr (PsModule) model = ps_module_new_container ("Sequential", NULL, &error);
  static const char *kinds[5] = { "Linear", "Tanh", "Linear", "Tanh", "Linear" };
  static const int64_t dims[6] = { 2, 16, 16, 16, 16, 2 };
  for (int i = 0; i < 5; i++)
    {
      g_autoptr (PsArgs) args = ps_args_new ();
      if (i % 2 == 0)
        {
          ps_args_set_int (args, "in_features", dims[i]);
          ps_args_set_int (args, "out_features", dims[i + 1]);
        }
      g_autoptr (PsModule) m = ps_module_new (kinds[i], args, &gen, &error);
      g_assert_no_error (error);
      g_autofree char *name = g_strdup_printf ("%d", i);
      g_assert_true (ps_module_add_child (model, name, m, &error));
    }
  g_autoptr (GPtrArray) params = ps_module_named_parameters (model);
  const guint NP = params->len;
  g_assert_cmpuint (NP, ==, 6);

  PsLoss loss;
  ps_loss_init (&loss, PS_LOSS_CROSS_ENTROPY);
  PsOptimConfig ocfg;
  ps_optim_config_init (&ocfg, PS_OPTIM_SGD);
  ocfg.lr = 0.1;
  ocfg.momentum = 0.9;
  PsOptimizer *opt = ps_optimizer_new (&ocfg, model, &error);
  g_assert_no_error (error);
  PsTape *tape = ps_tape_new ();

  int64_t steps[STEPS];
  double losses[STEPS], accs[STEPS], lrs[STEPS];
  double *grad_ratio = g_new (double, NP * STEPS), *upd_ratio = g_new (double, NP * STEPS);
  Frames fr;
  memset (&fr, 0, sizeof fr);
  double bx0, bx1, by0, by1;
  ps_decision_boundary_bounds (ps_tensor_cf32 (data->x), N_DATA, 0.05, &bx0, &bx1, &by0, &by1);
  Net net = { model, gen };
  guint n_frames = 0;
  fr.grid[n_frames++] = ps_decision_boundary_sample (net_forward, &net, bx0, bx1, by0, by1, GRID, GRID, 2, &error);
  g_assert_no_error (error);

  int64_t order[N_DATA];
  int64_t step = 0;
  while (step < STEPS)
    {
      g_assert_true (ps_data_loader_epoch_order (&gen, N_DATA, TRUE, order, NULL));
      for (int64_t b = 0; b < N_DATA / BATCH && step < STEPS; b++)
        {
          g_autoptr (PsTensor) xb = NULL, yb = NULL;
          g_assert_true (ps_dataset_batch (data, order + b * BATCH, BATCH, &xb, &yb, NULL));
          /* the values before the step, to measure the update */
          g_autoptr (GPtrArray) before = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
          for (guint p = 0; p < NP; p++)
            g_ptr_array_add (before, ps_tensor_copy (((PsNamedItem *) g_ptr_array_index (params, p))->param->value, NULL));
          PsTrainStepResult res;
          g_assert_true (ps_train_step (model, tape, &loss, opt, xb, yb, &gen, 0, PS_FLAVOUR_AVX2, &res, &error));
          g_assert_no_error (error);
          steps[step] = step + 1;
          losses[step] = res.loss;
          accs[step] = (double) res.correct / (double) res.count;
          lrs[step] = ps_optimizer_get_lr (opt);
          for (guint p = 0; p < NP; p++)
            {
              PsParam *pp = ((PsNamedItem *) g_ptr_array_index (params, p))->param;
              PsStats sd, sg, su;
              ps_stats_compute (pp->value, &sd);
              ps_stats_compute (pp->grad, &sg);
              const float *a = ps_tensor_cf32 (pp->value), *o = ps_tensor_cf32 (g_ptr_array_index (before, p));
              ps_stats_init (&su);
              for (int64_t k = 0; k < pp->value->numel; k++)
                {
                  float u = a[k] - o[k];
                  ps_stats_add_f32 (&su, &u, 1);
                }
              ps_stats_finish (&su);
              grad_ratio[p * STEPS + step] = ps_ratio_of_stds (&sg, &sd);
              upd_ratio[p * STEPS + step] = ps_ratio_of_stds (&su, &sd);
            }
          step++;
          if (step % FRAME_EVERY == 0)
            {
              net.gen = gen;
              fr.grid[n_frames++] = ps_decision_boundary_sample (net_forward, &net, bx0, bx1, by0, by1, GRID, GRID, 2,
                                                                 &error);
              g_assert_no_error (error);
            }
        }
    }
  g_assert_cmpuint (n_frames, ==, N_FRAMES);

  /* a healthy run: the loss falls, the classifier separates the circles */
  double first = 0, last = 0;
  for (int i = 0; i < 20; i++)
    {
      first += losses[i] / 20;
      last += losses[STEPS - 20 + i] / 20;
    }
  g_test_message ("loss %.4f → %.4f", first, last);
  g_assert_cmpfloat (last, <, 0.6 * first);
  net.gen = gen;
  g_autofree float *logits = g_new (float, N_DATA * 2);
  g_assert_true (net_forward (ps_tensor_cf32 (data->x), N_DATA, logits, &net, &error));
  int correct = 0;
  for (int i = 0; i < N_DATA; i++)
    correct += (logits[2 * i + 1] > logits[2 * i]) == (ps_tensor_ci64 (data->y)[i] == 1);
  g_test_message ("accuracy on the data %.3f", correct / (double) N_DATA);
  g_assert_cmpint (correct, >, 0.85 * N_DATA);
  for (guint i = 0; i < NP * STEPS; i++)
    {
      g_assert_true (isfinite (grad_ratio[i]) && grad_ratio[i] > 0);
      g_assert_true (isfinite (upd_ratio[i]) && upd_ratio[i] > 0);
    }

  /* loss curve */
  PsSeries ls = { "train loss (batch)", steps, losses, STEPS }, as = { "batch accuracy", steps, accs, STEPS };
  PsSeries lrs_s = { "learning rate", steps, lrs, STEPS };
  PsLossCurveOptions lo;
  ps_loss_curve_options_init (&lo);
  lo.title = "Training: circles, SGD(lr=0.1, momentum=0.9), batch 32";
  lo.subtitle = "Linear(2,16)–Tanh–Linear(16,16)–Tanh–Linear(16,2), CrossEntropyLoss";
  lo.smoothing = 0.6;
  lo.show_cursor = TRUE;
  lo.cursor_step = 120;
  PsLossCurve lc = { &ls, 1, &as, 1, &lrs_s, &lo };
  sample ("live-loss.png", 900, 560, ps_loss_curve_draw_func, &lc);

  /* ratios */
  g_autofree const char **names = g_new (const char *, NP);
  for (guint p = 0; p < NP; p++)
    names[p] = ((PsNamedItem *) g_ptr_array_index (params, p))->path;
  PsRatioChartOptions ro;
  ps_ratio_chart_options_init (&ro);
  ro.title = "How fast each parameter learns";
  ro.subtitle = "std(grad)/std(data) and std(update)/std(data) per step";
  PsRatioChart rc = { names, NP, steps, STEPS, grad_ratio, upd_ratio, &ro };
  sample ("live-ratios.png", 900, 620, ps_ratio_chart_draw_func, &rc);

  /* activations per Tanh layer on the whole data set, gradients of the Linear weights */
  PsTensor *acts[2] = { NULL, NULL };
  {
    g_autoptr (PsTensor) x = ps_tensor_ref (data->x);
    PsGenerator g2 = gen;
    for (int i = 0; i < 4; i++)
      {
        PsTensor *y = ps_module_forward (ps_module_get_child (model, (const char *[]) { "0", "1", "2", "3" }[i]), x,
                                         &g2, &error);
        g_assert_no_error (error);
        ps_tensor_unref (x);
        x = y;
        if (i == 1 || i == 3)
          acts[i / 2] = ps_tensor_ref (y);
      }
  }
  PsHistogram *h[3];
  PsStats st[3];
  PsLayerHistogram layers[3];
  for (int l = 0; l < 2; l++)
    {
      h[l] = ps_histogram_compute (acts[l], 40, -1, 1, &error);
      g_assert_no_error (error);
      ps_stats_compute (acts[l], &st[l]);
      double sat, dead;
      ps_layer_shares (acts[l], PS_LAYER_SATURATION_THRESHOLD, &sat, &dead);
      g_assert_true (sat >= 0 && sat <= 1 && dead >= 0 && dead <= 1);
      layers[l] = (PsLayerHistogram) { l ? "layer 2 (Tanh)" : "layer 1 (Tanh)", h[l], &st[l], sat, dead };
    }
  PsLayerDiagnosticsOptions dopt;
  ps_layer_diagnostics_options_init (&dopt);
  dopt.title = "Activations per layer after training";
  PsLayerDiagnostics diag = { layers, 2, &dopt };
  sample ("live-activations.png", 900, 560, ps_layer_diagnostics_draw_func, &diag);
  /* gradient histograms of the three weights at the last step */
  const PsTensor *gw[3];
  for (int l = 0; l < 3; l++)
    gw[l] = ((PsNamedItem *) g_ptr_array_index (params, 2 * l))->param->grad;
  double glo, ghi;
  g_assert_true (ps_histogram_auto_range ((const PsTensor *const *) gw, 3, PS_HISTOGRAM_RANGE_SYMMETRIC, 0, &glo, &ghi, &error));
  PsHistogram *gh[3];
  PsStats gst[3];
  PsLayerHistogram glayers[3];
  static const char *gnames[3] = { "0.weight.grad", "2.weight.grad", "4.weight.grad" };
  for (int l = 0; l < 3; l++)
    {
      gh[l] = ps_histogram_compute (gw[l], 40, glo, ghi, &error);
      g_assert_no_error (error);
      ps_stats_compute (gw[l], &gst[l]);
      double sat, dead;
      ps_layer_shares (gw[l], 1e30, &sat, &dead);
      glayers[l] = (PsLayerHistogram) { gnames[l], gh[l], &gst[l], NAN, dead };
    }
  dopt.title = "Weight gradients per layer at the last step";
  dopt.value_label = "gradient";
  dopt.layout = PS_LAYER_DIAGNOSTICS_GRID;
  PsLayerDiagnostics gdiag = { glayers, 3, &dopt };
  sample ("live-gradients.png", 900, 560, ps_layer_diagnostics_draw_func, &gdiag);

  /* the boundary over training, and at the last step with the data */
  for (guint i = 0; i < N_FRAMES; i++)
    {
      ps_decision_boundary_options_init (&fr.o[i]);
      fr.o[i].title = "Decision boundary (circles)";
      fr.subtitle[i] = g_strdup_printf ("after %u SGD steps", i * FRAME_EVERY);
      fr.o[i].subtitle = fr.subtitle[i];
      fr.db[i] = (PsDecisionBoundary) { bx0, bx1, by0, by1, GRID, GRID, 2, fr.grid[i], TRUE,
                                        ps_tensor_cf32 (data->x), ps_tensor_ci64 (data->y), N_DATA, &fr.o[i] };
      g_assert_true (ps_decision_boundary_check (&fr.db[i], &error));
    }
  sample ("live-boundary.png", 760, 600, ps_decision_boundary_draw_func, &fr.db[N_FRAMES - 1]);
  /* the decided class changes over training at part of the plane */
  int changed = 0;
  for (int r = 0; r < GRID; r++)
    for (int c = 0; c < GRID; c++)
      changed += ps_decision_boundary_class_at (&fr.db[0], r, c, NULL) !=
                 ps_decision_boundary_class_at (&fr.db[N_FRAMES - 1], r, c, NULL);
  g_assert_cmpint (changed, >, GRID * GRID / 20);

  const char *dir = g_getenv ("PS_RENDER_SAMPLES");
  g_autofree char *tmp = g_dir_make_tmp ("ps-live-XXXXXX", NULL);
  g_autofree char *gif_path = g_build_filename (dir ? dir : tmp, "live-boundary.gif", NULL);
  PsAnimationOptions ao;
  ps_animation_options_init (&ao, 560, 440);
  ao.delay_cs = 40;
  g_assert_true (ps_animation_write_gif (gif_path, N_FRAMES, frame_draw, &fr, &ao, &error));
  g_assert_no_error (error);
  int err = 0;
  GifFileType *gif = DGifOpenFileName (gif_path, &err);
  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  g_assert_cmpint (gif->ImageCount, ==, N_FRAMES);
  /* first and last frames differ in many pixels (the regions moved) */
  int differ = 0;
  SavedImage *a = &gif->SavedImages[0], *z = &gif->SavedImages[N_FRAMES - 1];
  ColorMapObject *ma = a->ImageDesc.ColorMap ? a->ImageDesc.ColorMap : gif->SColorMap;
  ColorMapObject *mz = z->ImageDesc.ColorMap ? z->ImageDesc.ColorMap : gif->SColorMap;
  for (int k = 0; k < 560 * 440; k++)
    {
      GifColorType ca = ma->Colors[a->RasterBits[k]], cz = mz->Colors[z->RasterBits[k]];
      differ += ca.Red != cz.Red || ca.Green != cz.Green || ca.Blue != cz.Blue;
    }
  g_assert_cmpint (differ, >, 560 * 440 / 20);
  DGifCloseFile (gif, &err);
  if (!dir)
    {
      g_unlink (gif_path);
    }
  g_rmdir (tmp);

  for (int l = 0; l < 3; l++)
    ps_histogram_free (gh[l]);
  for (int l = 0; l < 2; l++)
    {
      ps_histogram_free (h[l]);
      ps_tensor_unref (acts[l]);
    }
  for (guint i = 0; i < N_FRAMES; i++)
    {
      g_free (fr.grid[i]);
      g_free (fr.subtitle[i]);
    }
  g_free (grad_ratio);
  g_free (upd_ratio);
  ps_tape_free (tape);
  ps_optimizer_free (opt);
  ps_loss_clear (&loss);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/training-live/figures", test_live);
  return g_test_run ();
}
