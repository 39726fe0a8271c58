/* ps-cli-train-figures.c — the Training page's diagnostics as paramscope-cli pictures: `ratios` (the
 * grad/data and update/data ratio chart over the recorded sub-steps), `activations` and `gradients`
 * (per-layer histograms at a step) and `weight-tiles` (the first layer's weights as image tiles).
 * The data comes from ps-train-figures and the drawing from the render figures the app draws with,
 * so a picture here is the app's view of the same step. */
#include "ps-cli-private.h"
#include "ps-export.h"
#include "ps-layer-diagnostics.h"
#include "ps-ratio-chart.h"
#include "ps-train-figures.h"
#include "ps-train-ops.h"
#include "ps-train-walk.h"
#include "ps-weight-grid.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define STEP_OPTIONS \
  "  --step N                the timeline step (default: the last one)\n" \
  "  --train-step T          a recorded sub-step by its training step (the loss curve's x axis; the\n" \
  "                          app's \"training step T\")\n"
#define SIZE_OPTIONS \
  "  --width W --height H    size in points (default 900 × 600)\n" \
  "  --scale S               PNG pixels per point (default 1)\n"

static const char ratios_usage[] =
  "Usage: paramscope-cli ratios RECIPE --out FILE.{png,svg,pdf} [options]\n"
  "\n"
  "Draws how fast each parameter changes over the recorded sub-steps of the recipe's train ops:\n"
  "std(grad)/std(data) and std(update)/std(data) per parameter as log10, with the 1e-3 guide\n"
  "(\"Building makemore, part 3\"). The Training page's \"Update and gradient ratios\" view.\n"
  "\n"
  "  --out FILE              .png, .svg or .pdf (written atomically)\n"
  "  --panels WHICH          both (default), grad or update\n"
  "  --guide R               the guide ratio (default 1e-3; 0 = none)\n"
  SIZE_OPTIONS;

static const char layers_usage[] =
  "Usage: paramscope-cli %s RECIPE --out FILE.{png,svg,pdf} [options]\n"
  "\n"
  "%s\n"
  "\n"
  "  --out FILE              .png, .svg or .pdf (written atomically)\n"
  STEP_OPTIONS
  "%s"
  "  --layout L              grid (default: a histogram per layer) or overlay (density lines)\n"
  SIZE_OPTIONS;

static const char tiles_usage[] =
  "Usage: paramscope-cli weight-tiles RECIPE --out FILE.{png,svg,pdf} [options]\n"
  "\n"
  "Draws the first layer's weights as images, one tile per unit (Linear(784, k) on Fashion-MNIST:\n"
  "k tiles of 28 × 28), all on one symmetric colour scale: \"the weights become templates\".\n"
  "\n"
  "  --out FILE              .png, .svg or .pdf (written atomically)\n"
  STEP_OPTIONS
  "  --columns C             tiles per row (default: chosen to fit)\n"
  "  --robust Q              scale ±quantile(|w|, Q) with 0.5 < Q < 1 (default ±max|w|)\n"
  SIZE_OPTIONS;

typedef struct {
  const char *out, *width_s, *height_s, *scale_s;
  double width, height, scale;
} Picture;

/* --out and the size options; returns -1 to go on, else the exit status. */
static int
check_picture (const char *command, Picture *p)
{
  g_autoptr (GError) error = NULL;
  if (p->out == NULL)
    return ps_cli_usage_error (command, "--out FILE is required");
  PsExportFormat fmt;
  if (!ps_export_format_for_path (p->out, &fmt, &error))
    return ps_cli_usage_error (command, "%s", error->message);
  p->width = 900;
  p->height = 600;
  p->scale = 1;
  if ((p->width_s && !ps_cli_parse_double ("--width", p->width_s, 16, 8192, &p->width, &error))
      || (p->height_s && !ps_cli_parse_double ("--height", p->height_s, 16, 8192, &p->height, &error))
      || (p->scale_s && !ps_cli_parse_double ("--scale", p->scale_s, 0.1, 8, &p->scale, &error)))
    return ps_cli_usage_error (command, "%s", error->message);
  return -1;
}

static void
add_record (const PsTrainWalkItem *item, gpointer data)
{
  PsCliRecords *rs = data;
  PsTrainLog *log = item->state->train_log;
  if (item->index == 0)
    g_ptr_array_add (rs->held, ps_state_ref (item->state));
  g_ptr_array_add (rs->records, (gpointer) item->record);
  g_array_append_val (rs->x, item->x);
  g_ptr_array_add (rs->logs, log);
  g_array_append_val (rs->index, item->index);
  g_array_append_val (rs->op_step, item->op_step);
}

gboolean
ps_cli_records_collect (PsTimeline *tl, PsCliRecords *rs, GError **error)
{
  rs->records = g_ptr_array_new ();
  rs->x = g_array_new (FALSE, FALSE, sizeof (int64_t));
  rs->logs = g_ptr_array_new ();
  rs->index = g_array_new (FALSE, FALSE, sizeof (guint));
  rs->op_step = g_array_new (FALSE, FALSE, sizeof (guint));
  rs->held = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_state_unref);
  PsTrainAxis axis = { 0, 0, 0 };
  return ps_train_walk (tl, ps_timeline_get_n_steps (tl), NULL, &axis, add_record, rs, NULL, error);
}

void
ps_cli_records_clear (PsCliRecords *rs)
{
  g_ptr_array_unref (rs->records);
  g_array_unref (rs->x);
  g_ptr_array_unref (rs->logs);
  g_array_unref (rs->index);
  g_array_unref (rs->op_step);
  g_ptr_array_unref (rs->held);
}

/* The state --step / --train-step name (a new ref) and a subtitle for it. The timeline is loaded
 * here; *tl_out keeps it (the states' logs belong to it). Returns -1 to go on, else the exit
 * status. */
static int
pick_state (const char *command, const char *recipe, const char *step_s, const char *train_step_s,
            PsTimeline **tl_out, PsState **state, char **subtitle, guint *op_step)
{
  g_autoptr (GError) error = NULL;
  if (step_s && train_step_s)
    return ps_cli_usage_error (command, "give --step or --train-step, not both");
  if (!ps_cli_keep_partial (ps_cli_load_timeline (recipe, -1, tl_out, &error), tl_out, &error))
    return ps_cli_error (error);
  PsTimeline *tl = *tl_out;
  guint last = ps_timeline_get_n_steps (tl);
  g_autofree char *base = g_path_get_basename (recipe);
  if (train_step_s == NULL)
    {
      guint64 v = last;
      if (step_s && !ps_cli_parse_count ("--step", step_s, last, &v, &error))
        return ps_cli_usage_error (command, "%s (the timeline has steps 0 to %u)", error->message, last);
      PsState *at = ps_timeline_get_state_full (tl, (guint) v, &error);
      if (at == NULL)
        return ps_cli_error (error);   /* a dropped step that cannot be rebuilt: which and why */
      *state = ps_state_ref (at);
      *subtitle = g_strdup_printf ("%s · step %u of the timeline", base, (guint) v);
      /* the newest train op at or before the step */
      const PsRecipe *r = ps_timeline_get_recipe (tl);
      *op_step = 0;
      for (guint i = MIN ((guint) v, r->ops->len); i > 0 && *op_step == 0; i--)
        if (ps_op_records_training (r->ops->pdata[i - 1]))
          *op_step = i;
      return -1;
    }
  guint64 t;
  if (!ps_cli_parse_count ("--train-step", train_step_s, G_MAXINT64, &t, &error))
    return ps_cli_usage_error (command, "%s", error->message);
  PsCliRecords rs;
  if (!ps_cli_records_collect (tl, &rs, &error))
    {
      ps_cli_records_clear (&rs);
      return ps_cli_error (error);
    }
  int rc = -1;
  guint found = G_MAXUINT;
  for (guint i = 0; i < rs.records->len; i++)
    if (g_array_index (rs.x, int64_t, i) == (int64_t) t)
      found = i;
  if (found == G_MAXUINT)
    {
      if (rs.records->len == 0)
        g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, "--train-step %" G_GUINT64_FORMAT ": the recipe records no "
                     "training step (no train op)", t);
      else
        g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND,
                     "--train-step %" G_GUINT64_FORMAT ": not a recorded training step (%u recorded, from %" G_GINT64_FORMAT
                     " to %" G_GINT64_FORMAT ")", t, rs.records->len, g_array_index (rs.x, int64_t, 0),
                     g_array_index (rs.x, int64_t, rs.records->len - 1));
      rc = ps_cli_error (error);
    }
  else
    {
      const PsTrainRecord *r = rs.records->pdata[found];
      *op_step = g_array_index (rs.op_step, guint, found);
      *state = ps_train_log_get_state (rs.logs->pdata[found], g_array_index (rs.index, guint, found), &error);
      if (*state == NULL)
        rc = ps_cli_error (error);
      else
        *subtitle = g_strdup_printf ("%s · training step %" G_GUINT64_FORMAT " · loss %.5g", base, t,
                                     ps_train_figures_printable (r->loss));
    }
  ps_cli_records_clear (&rs);
  return rc;
}

int
ps_cli_cmd_ratios (int argc, char **argv)
{
  Picture p = { 0 };
  const char *panels_s = NULL, *guide_s = NULL;
  const PsCliOption options[] = { { "--out", &p.out }, { "--width", &p.width_s }, { "--height", &p.height_s },
                                  { "--scale", &p.scale_s }, { "--panels", &panels_s }, { "--guide", &guide_s },
                                  { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int rc = ps_cli_parse_one ("ratios", ratios_usage, argc, argv, options, pos, "RECIPE");
  if (rc >= 0 || (rc = check_picture ("ratios", &p)) >= 0)
    return rc;
  gboolean want_grad = TRUE, want_update = TRUE;
  if (panels_s && strcmp (panels_s, "grad") == 0)
    want_update = FALSE;
  else if (panels_s && strcmp (panels_s, "update") == 0)
    want_grad = FALSE;
  else if (panels_s && strcmp (panels_s, "both") != 0)
    return ps_cli_usage_error ("ratios", "--panels: expected both, grad or update, got '%s'", panels_s);
  double guide = 1e-3;
  if (guide_s && !ps_cli_parse_double ("--guide", guide_s, 0, 1e6, &guide, &error))
    return ps_cli_usage_error ("ratios", "%s", error->message);
  g_autoptr (PsTimeline) tl = NULL;
  if (!ps_cli_keep_partial (ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error), &tl, &error))
    return ps_cli_error (error);
  PsCliRecords rs;
  if (!ps_cli_records_collect (tl, &rs, &error))
    {
      ps_cli_records_clear (&rs);
      return ps_cli_error (error);
    }
  guint n = rs.records->len;
  if (n == 0)
    {
      ps_cli_records_clear (&rs);
      g_set_error (&error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "the recipe has no train op (nothing recorded to draw)");
      return ps_cli_error (error);
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) rg = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) ru = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean any_g = FALSE;
  guint np = ps_train_figures_ratios ((const PsTrainRecord *const *) rs.records->pdata, n, names, rg, ru, &any_g);
  PsRatioChartOptions o;
  ps_ratio_chart_options_init (&o);
  g_autofree char *base = g_path_get_basename (g_ptr_array_index (pos, 0));
  o.title = "How fast each parameter changes";
  o.subtitle = base;
  o.scale = p.scale;
  o.guide = guide > 0 ? guide : -1;
  PsRatioChart rc_ = { (const char *const *) names->pdata, np, (const int64_t *) rs.x->data, n,
                       want_grad && any_g ? (const double *) rg->data : NULL,
                       want_update ? (const double *) ru->data : NULL, &o };
  gboolean ok = np > 0 && ps_export_picture (p.out, p.width, p.height, p.scale, 0, ps_ratio_chart_draw_func, &rc_,
                                             &error);
  if (np == 0)
    g_set_error (&error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "the trained model has no parameters");
  int64_t x0 = g_array_index (rs.x, int64_t, 0), x1 = g_array_index (rs.x, int64_t, n - 1);
  ps_cli_records_clear (&rs);
  if (!ok)
    return ps_cli_error (error);
  printf ("wrote %s (%u parameters × %u recorded steps, training steps %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT ")\n",
          p.out, np, n, x0, x1);
  return 0;
}

static int
layers_command (const char *command, gboolean gradients, int argc, char **argv)
{
  Picture p = { 0 };
  const char *step_s = NULL, *train_step_s = NULL, *rows_s = NULL, *layout_s = NULL;
  gboolean outputs = FALSE;
  const PsCliOption act_options[] = { { "--out", &p.out }, { "--width", &p.width_s }, { "--height", &p.height_s },
                                      { "--scale", &p.scale_s }, { "--step", &step_s }, { "--train-step", &train_step_s },
                                      { "--layout", &layout_s }, { "--rows", &rows_s },
                                      { gradients ? "--outputs" : NULL, NULL, &outputs }, { NULL } };
  g_autofree char *usage = g_strdup_printf (
    layers_usage, command,
    gradients ? "One histogram per parameter's .grad at a step: the gradients the optimizer step used\n"
                "(the Training page's \"Gradients per layer\" view). With --outputs: one histogram per layer\n"
                "output's gradient d loss / d output (torch's out.retain_grad()) of the train op's loss on the\n"
                "first rows of the data set, with the step's parameters (\"Gradients of layer outputs\")."
              : "One histogram per layer output of the model run on the first rows of its data set at a\n"
                "step, each on its own value axis, with the share of exact zeros (\"dead\" for ReLU outputs,\n"
                "\"zero\" elsewhere) and, for Tanh and Sigmoid outputs, the saturated share (|tanh| > 0.97) —\n"
                "the Training page's \"Activations per layer\" view.",
    gradients ? "  --outputs               gradients of the layer outputs instead of the parameters'\n"
                "  --rows N                with --outputs: rows of the data set (default 256)\n"
              : "  --rows N                rows of the data set run through the model (default 256)\n");
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int rc = ps_cli_parse_one (command, usage, argc, argv, act_options, pos, "RECIPE");
  if (rc >= 0 || (rc = check_picture (command, &p)) >= 0)
    return rc;
  if (gradients && rows_s && !outputs)
    return ps_cli_usage_error (command, "--rows is for activations and gradients --outputs");
  PsLayerDiagnosticsLayout layout = PS_LAYER_DIAGNOSTICS_GRID;
  if (layout_s && strcmp (layout_s, "overlay") == 0)
    layout = PS_LAYER_DIAGNOSTICS_OVERLAY;
  else if (layout_s && strcmp (layout_s, "grid") != 0)
    return ps_cli_usage_error (command, "--layout: expected grid or overlay, got '%s'", layout_s);
  guint64 rows = PS_TRAIN_FIGURES_SAMPLE_ROWS;
  if (rows_s && (!ps_cli_parse_count ("--rows", rows_s, 1 << 20, &rows, &error) || rows == 0))
    return ps_cli_usage_error (command, "%s", error ? error->message : "--rows must be at least 1");
  g_autoptr (PsTimeline) tl = NULL;
  g_autoptr (PsState) st = NULL;
  g_autofree char *subtitle = NULL;
  guint op_step = 0;
  if ((rc = pick_state (command, g_ptr_array_index (pos, 0), step_s, train_step_s, &tl, &st, &subtitle, &op_step)) >= 0)
    return rc;
  PsTrainLayerSet set;
  ps_train_layer_set_init (&set);
  gboolean ok;
  if (outputs)
    {
      /* d loss / d output of every layer, of the loss of the train op that recorded the step */
      PsLoss loss;
      const PsRecipe *recipe = ps_timeline_get_recipe (tl);
      ok = ps_train_figures_op_loss (op_step ? recipe->ops->pdata[op_step - 1] : NULL, &loss, &error);
      if (ok)
        {
          ok = ps_train_figures_output_gradients (st, (guint) rows, &loss, &set, &error);
          ps_loss_clear (&loss);
        }
    }
  else
    ok = gradients ? ps_train_figures_gradients (st, &set, &error)
                   : ps_train_figures_activations (st, (guint) rows, &set, &error);
  if (ok && set.layers->len == 0)
    {
      g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, gradients ? "no parameter has a .grad at this step"
                                                                   : "no layer output to draw at this step");
      ok = FALSE;
    }
  PsLayerDiagnosticsOptions o;
  ps_layer_diagnostics_options_init (&o);
  o.title = outputs ? "Gradients of layer outputs (d loss / d output)"
            : gradients ? "Gradients per layer (.grad)" : "Activations per layer";
  o.subtitle = subtitle;
  o.scale = p.scale;
  o.layout = layout;
  o.value_label = gradients ? "gradient" : "activation";
  PsLayerDiagnostics d = { ok ? (const PsLayerHistogram *) set.layers->data : NULL, ok ? set.layers->len : 0, &o };
  ok = ok && ps_export_picture (p.out, p.width, p.height, p.scale, 0, ps_layer_diagnostics_draw_func, &d, &error);
  guint n = set.layers->len;
  ps_train_layer_set_free (&set);
  if (!ok)
    return ps_cli_error (error);
  printf ("wrote %s (%u %s)\n", p.out, n, outputs ? "output gradients" : gradients ? "gradients" : "layers");
  return 0;
}

int
ps_cli_cmd_activations (int argc, char **argv)
{
  return layers_command ("activations", FALSE, argc, argv);
}

int
ps_cli_cmd_gradients (int argc, char **argv)
{
  return layers_command ("gradients", TRUE, argc, argv);
}

int
ps_cli_cmd_weight_tiles (int argc, char **argv)
{
  Picture p = { 0 };
  const char *step_s = NULL, *train_step_s = NULL, *columns_s = NULL, *robust_s = NULL;
  const PsCliOption options[] = { { "--out", &p.out }, { "--width", &p.width_s }, { "--height", &p.height_s },
                                  { "--scale", &p.scale_s }, { "--step", &step_s }, { "--train-step", &train_step_s },
                                  { "--columns", &columns_s }, { "--robust", &robust_s }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int rc = ps_cli_parse_one ("weight-tiles", tiles_usage, argc, argv, options, pos, "RECIPE");
  if (rc >= 0 || (rc = check_picture ("weight-tiles", &p)) >= 0)
    return rc;
  PsWeightGridOptions o;
  ps_weight_grid_options_init (&o);
  guint64 v;
  if (columns_s && (!ps_cli_parse_count ("--columns", columns_s, 4096, &v, &error) || v == 0))
    return ps_cli_usage_error ("weight-tiles", "%s", error ? error->message : "--columns must be at least 1");
  if (columns_s)
    o.columns = (int) v;
  if (robust_s && (!ps_cli_parse_double ("--robust", robust_s, 0.5, 1, &o.robust_q, &error)
                   || o.robust_q <= 0.5 || o.robust_q >= 1))
    return ps_cli_usage_error ("weight-tiles", "%s", error ? error->message : "--robust: expected 0.5 < Q < 1");
  g_autoptr (PsTimeline) tl = NULL;
  g_autoptr (PsState) st = NULL;
  g_autofree char *subtitle = NULL;
  guint op_step = 0;
  if ((rc = pick_state ("weight-tiles", g_ptr_array_index (pos, 0), step_s, train_step_s, &tl, &st, &subtitle,
                        &op_step)) >= 0)
    return rc;
  g_autofree char *path = NULL;
  g_autoptr (PsTensor) w = ps_train_figures_tile_weight (st, &path, &error);
  if (w == NULL)
    return ps_cli_error (error);
  g_autofree char *title = g_strdup_printf ("%s, one tile per unit", path);
  o.title = title;
  o.subtitle = subtitle;
  o.scale = p.scale;
  g_autoptr (PsWeightGrid) wg = ps_weight_grid_new (w, &o, &error);
  if (wg == NULL || !ps_export_picture (p.out, p.width, p.height, p.scale, 0, ps_weight_grid_draw_func, wg, &error))
    return ps_cli_error (error);
  printf ("wrote %s (%s: %" G_GINT64_FORMAT " tiles)\n", p.out, path, w->shape[0]);
  return 0;
}
