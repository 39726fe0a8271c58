/* ps-cli-metrics.c — `paramscope-cli metrics RECIPE [--csv|--json]`: the per-step record of every
 * train op (loss, batch accuracy, learning rate, gradient norm; with --csv/--json also per
 * parameter ‖grad‖, ‖Δ‖, std(Δ)/std(θ) and per layer output mean/std/saturated/dead shares). */
#include "ps-cli-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

static const char metrics_usage[] =
  "Usage: paramscope-cli metrics RECIPE [--csv | --json]\n"
  "\n"
  "Replays RECIPE and prints the steps its train ops recorded (record_every): step, epoch, loss,\n"
  "batch accuracy, learning rate and total gradient norm. --csv adds one column per parameter\n"
  "statistic (PATH:grad_norm, PATH:update_norm, PATH:update_ratio) and per layer output\n"
  "(LAYER:mean, :std, :saturated, :dead); --json prints the same as an array of records, with\n"
  "also each parameter's grad_ratio std(grad)/std(θ after the step).\n"
  "Losses are printed with 9 significant digits (they round-trip to the float32 value).\n";

static void
csv_number (GString *s, double v, const char *fmt)
{
  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append_printf (s, fmt, v);
}

int
ps_cli_cmd_metrics (int argc, char **argv)
{
  gboolean as_json = FALSE, as_csv = FALSE;
  const PsCliOption options[] = { { "--json", NULL, &as_json }, { "--csv", NULL, &as_csv }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("metrics", metrics_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  if (as_json && as_csv)
    return ps_cli_usage_error ("metrics", "give at most one of --csv and --json");
  g_autoptr (PsTimeline) tl = NULL;
  int rc = 0;
  if (!ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error))
    {
      if (tl == NULL)
        return ps_cli_error (error);
      ps_cli_error (error);   /* print what was recorded before the failing op, then fail */
      rc = 1;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  gboolean header = FALSE;
  guint n_records = 0;
  for (guint i = 1; i <= ps_timeline_get_n_steps (tl); i++)
    {
      g_autoptr (GError) rebuild_error = NULL;
      PsState *st = ps_timeline_get_state_full (tl, i, &rebuild_error);
      if (st == NULL)
        return ps_cli_error (rebuild_error);   /* a step rebuilt by replay that does not fit in memory */
      if (st->train_log == NULL)
        continue;
      for (guint k = 0; k < st->train_log->records->len; k++, n_records++)
        {
          const PsTrainRecord *r = st->train_log->records->pdata[k];
          if (as_json)
            {
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "op_step");
              json_builder_add_int_value (b, i);
              json_builder_set_member_name (b, "step");
              json_builder_add_int_value (b, r->step);
              json_builder_set_member_name (b, "epoch");
              json_builder_add_int_value (b, r->epoch);
              ps_cli_json_add_number (b, "loss", r->loss);
              ps_cli_json_add_number (b, "accuracy", r->accuracy);
              ps_cli_json_add_number (b, "lr", r->lr);
              ps_cli_json_add_number (b, "grad_norm", r->grad_norm);
              json_builder_set_member_name (b, "parameters");
              json_builder_begin_array (b);
              for (guint q = 0; q < r->params->len; q++)
                {
                  const PsParamStat *p = &g_array_index (r->params, PsParamStat, q);
                  json_builder_begin_object (b);
                  json_builder_set_member_name (b, "path");
                  json_builder_add_string_value (b, p->path);
                  ps_cli_json_add_number (b, "grad_norm", p->grad_norm);
                  ps_cli_json_add_number (b, "update_norm", p->update_norm);
                  ps_cli_json_add_number (b, "update_ratio", p->update_ratio);
                  ps_cli_json_add_number (b, "grad_ratio", p->grad_ratio);
                  json_builder_end_object (b);
                }
              json_builder_end_array (b);
              json_builder_set_member_name (b, "layers");
              json_builder_begin_array (b);
              for (guint q = 0; q < r->layers->len; q++)
                {
                  const PsLayerStat *l = &g_array_index (r->layers, PsLayerStat, q);
                  json_builder_begin_object (b);
                  json_builder_set_member_name (b, "path");
                  json_builder_add_string_value (b, l->path);
                  json_builder_set_member_name (b, "class");
                  json_builder_add_string_value (b, l->klass);
                  ps_cli_json_add_number (b, "mean", l->mean);
                  ps_cli_json_add_number (b, "std", l->std);
                  ps_cli_json_add_number (b, "saturated", l->saturated);
                  ps_cli_json_add_number (b, "dead", l->dead);
                  json_builder_end_object (b);
                }
              json_builder_end_array (b);
              json_builder_end_object (b);
              continue;
            }
          g_autoptr (GString) line = g_string_new (NULL);
          if (as_csv)
            {
              if (!header)
                {
                  g_string_append (line, "op_step,step,epoch,loss,accuracy,lr,grad_norm");
                  for (guint q = 0; q < r->params->len; q++)
                    {
                      const char *p = g_array_index (r->params, PsParamStat, q).path;
                      g_string_append_printf (line, ",%s:grad_norm,%s:update_norm,%s:update_ratio", p, p, p);
                    }
                  for (guint q = 0; q < r->layers->len; q++)
                    {
                      const PsLayerStat *l = &g_array_index (r->layers, PsLayerStat, q);
                      g_autofree char *nm = g_strdup_printf ("%s(%s)", l->path, l->klass);
                      g_string_append_printf (line, ",%s:mean,%s:std,%s:saturated,%s:dead", nm, nm, nm, nm);
                    }
                  puts (line->str);
                  g_string_truncate (line, 0);
                  header = TRUE;
                }
              g_string_append_printf (line, "%u,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, i, r->step, r->epoch);
              csv_number (line, r->loss, "%.9g");
              csv_number (line, r->accuracy, "%.6g");
              csv_number (line, r->lr, "%.17g");
              csv_number (line, r->grad_norm, "%.9g");
              for (guint q = 0; q < r->params->len; q++)
                {
                  const PsParamStat *p = &g_array_index (r->params, PsParamStat, q);
                  csv_number (line, p->grad_norm, "%.9g");
                  csv_number (line, p->update_norm, "%.9g");
                  csv_number (line, p->update_ratio, "%.9g");
                }
              for (guint q = 0; q < r->layers->len; q++)
                {
                  const PsLayerStat *l = &g_array_index (r->layers, PsLayerStat, q);
                  csv_number (line, l->mean, "%.9g");
                  csv_number (line, l->std, "%.9g");
                  csv_number (line, l->saturated, "%.6g");
                  csv_number (line, l->dead, "%.6g");
                }
              puts (line->str);
              continue;
            }
          if (!header)
            {
              printf ("%7s %7s %6s %15s %9s %12s %12s\n", "op step", "step", "epoch", "loss", "accuracy", "lr", "grad norm");
              header = TRUE;
            }
          g_autofree char *acc = isnan (r->accuracy) ? g_strdup ("-") : g_strdup_printf ("%.1f %%", 100.0 * r->accuracy);
          printf ("%7u %7" G_GINT64_FORMAT " %6" G_GINT64_FORMAT " %15.9g %9s %12.6g %12.6g\n", i, r->step, r->epoch,
                  (double) r->loss, acc, r->lr, r->grad_norm);
        }
    }
  json_builder_end_array (b);
  if (as_json)
    ps_cli_print_json (b);
  else if (n_records == 0 && !as_csv)
    fprintf (stderr, "note: the recipe has no train op (nothing recorded)\n");
  return rc;
}

/* ---------- loss-curve: the recorded losses, accuracies and learning rates as a figure ---------- */

#include "ps-export.h"
#include "ps-loss-curve.h"
#include "ps-train-walk.h"

typedef struct {
  GArray *steps, *loss, *acc, *lr;
  gboolean any_acc;
} LossPoints;

static void
add_loss_point (const PsTrainWalkItem *item, gpointer data)
{
  LossPoints *p = data;
  const PsTrainRecord *r = item->record;
  double l = r->loss;
  g_array_append_val (p->steps, item->x);
  g_array_append_val (p->loss, l);
  g_array_append_val (p->acc, r->accuracy);
  g_array_append_val (p->lr, r->lr);
  p->any_acc |= !isnan (r->accuracy);
}

static const char loss_curve_usage[] =
  "Usage: paramscope-cli loss-curve RECIPE --out FILE.{png,svg,pdf} [--log] [--smoothing W]\n"
  "                                 [--width PX] [--height PX]\n"
  "\n"
  "Draws the loss (and the batch accuracy for classification, and the learning rate) that the\n"
  "recipe's train ops recorded, over optimizer steps. --log puts the loss on a log axis;\n"
  "--smoothing W (0 <= W < 1) adds TensorBoard's debiased moving average.\n";

int
ps_cli_cmd_loss_curve (int argc, char **argv)
{
  const char *out = NULL, *smooth_s = NULL, *width_s = NULL, *height_s = NULL;
  gboolean log_y = FALSE;
  const PsCliOption options[] = { { "--out", &out }, { "--smoothing", &smooth_s }, { "--width", &width_s },
                                  { "--height", &height_s }, { "--log", NULL, &log_y }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("loss-curve", loss_curve_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  if (out == NULL)
    return ps_cli_usage_error ("loss-curve", "--out FILE is required");
  double smoothing = 0.0, width = 800, height = 500;
  if ((smooth_s && !ps_cli_parse_double ("--smoothing", smooth_s, 0.0, 0.999, &smoothing, &error))
      || (width_s && !ps_cli_parse_double ("--width", width_s, 16, 8192, &width, &error))
      || (height_s && !ps_cli_parse_double ("--height", height_s, 16, 8192, &height, &error)))
    return ps_cli_usage_error ("loss-curve", "%s", error->message);
  PsExportFormat fmt;
  if (!ps_export_format_for_path (out, &fmt, &error))
    return ps_cli_usage_error ("loss-curve", "%s", error->message);
  g_autoptr (PsTimeline) tl = NULL;
  if (!ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error))
    return ps_cli_error (error);
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) loss = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) acc = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) lr = g_array_new (FALSE, FALSE, sizeof (double));
  LossPoints pts = { steps, loss, acc, lr, FALSE };
  PsTrainAxis axis = { 0, 0, 0 };   /* the app's x axis: a new optimizer's run continues the count */
  /* a step rebuilt by replay that does not fit in memory: the error says so */
  if (!ps_train_walk (tl, ps_timeline_get_n_steps (tl), NULL, &axis, add_loss_point, &pts, NULL, &error))
    return ps_cli_error (error);
  gboolean any_acc = pts.any_acc;
  if (steps->len == 0)
    {
      g_set_error (&error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "the recipe has no train op (nothing recorded to draw)");
      return ps_cli_error (error);
    }
  PsLossCurveOptions o;
  ps_loss_curve_options_init (&o);
  g_autofree char *base = g_path_get_basename (g_ptr_array_index (pos, 0));
  o.title = "training loss";
  o.subtitle = base;
  o.log_y = log_y;
  o.smoothing = smoothing;
  PsSeries ls = { "train loss (batch)", (const int64_t *) steps->data, (const double *) loss->data, steps->len };
  PsSeries as = { "batch accuracy", (const int64_t *) steps->data, (const double *) acc->data, steps->len };
  PsSeries lrs = { "learning rate", (const int64_t *) steps->data, (const double *) lr->data, steps->len };
  PsLossCurve lc = { &ls, 1, any_acc ? &as : NULL, any_acc ? 1 : 0, &lrs, &o };
  if (!ps_export_picture (out, width, height, 1.0, 0, ps_loss_curve_draw_func, &lc, &error))
    return ps_cli_error (error);
  printf ("wrote %s (%u recorded steps, training steps %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT ")\n", out, steps->len,
          g_array_index (steps, int64_t, 0), g_array_index (steps, int64_t, steps->len - 1));
  return 0;
}
