/* ps-cli-boundary.c — `paramscope-cli boundary`: what a recipe's 2-input classifier decides over
 * the plane at a step (TF Playground's view, ps-decision-boundary), optionally with labelled data
 * points from a CSV file. The model is run on a copy of the step's state, so the timeline is not
 * touched (a lazy layer materializing, a BatchNorm in training mode updating its statistics). */
#include "ps-cli-private.h"
#include "ps-animation.h"
#include "ps-decision-boundary.h"
#include "ps-export.h"
#include "ps-state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char boundary_usage[] =
  "Usage: paramscope-cli boundary RECIPE.json --out FILE.{png,svg,pdf} [options]\n"
  "\n"
  "Run the model (the recipe's root, or --module ID) on a grid of 2-D points at a step and draw\n"
  "the class it decides everywhere, shaded by confidence, with the decision boundary. The model\n"
  "must take 2 features; 1 output is a binary classifier's logit, K ≥ 2 outputs are class logits.\n"
  "It runs as it is at that step (a Dropout in training mode draws from the step's generator).\n"
  "\n"
  "  --out FILE              .png, .svg or .pdf (written atomically); .gif: the boundary over steps\n"
  "  --step N                the timeline step (default: the last one)\n"
  "  --from A --to B --every K   .gif: the steps shown (default all; steps without the model skipped)\n"
  "  --delay CS              .gif: time per frame in 1/100 s (default 50)\n"
  "  --module ID             the module to run (default: the root)\n"
  "  --points FILE.csv       data points: lines 'x,y,label' (label 0..K−1; a header line is skipped)\n"
  "  --range X0,X1,Y0,Y1     the rectangle (default: the points' box + 10 %, or [−1, 1]²)\n"
  "  --grid N                samples per side (default 120)\n"
  "  --probabilities         the outputs are probabilities, not logits\n"
  "  --width W --height H    size in points (default 760 × 600)\n"
  "  --scale S               PNG pixels per point, and text/stroke scale (default 1)\n";

/* Lines "x,y,label"; blank lines and '#' comments skipped; a first line that is not numbers is a
 * header. */
static gboolean
read_points (const char *path, GArray *xy, GArray *labels, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (*line == '\0' || *line == '#')
        continue;
      g_auto (GStrv) f = g_strsplit (line, ",", -1);
      char *end0 = NULL, *end1 = NULL;
      double x = f[0] ? g_ascii_strtod (g_strstrip (f[0]), &end0) : NAN;
      double y = f[0] && f[1] ? g_ascii_strtod (g_strstrip (f[1]), &end1) : NAN;
      guint64 label = 0;
      gboolean ok = f[0] && f[1] && f[2] && !f[3] && end0 && *end0 == '\0' && end1 && *end1 == '\0' &&
                    end0 != f[0] && end1 != f[1] && isfinite (x) && isfinite (y) &&
                    g_ascii_string_to_unsigned (g_strstrip (f[2]), 10, 0, PS_DECISION_BOUNDARY_MAX_CLASSES - 1,
                                                &label, NULL);
      if (!ok)
        {
          if (xy->len == 0 && labels->len == 0 && i == 0)
            continue;   /* a header */
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "%s line %u: expected 'x,y,label' (finite numbers, label 0..%d), got '%s'", path, i + 1,
                       PS_DECISION_BOUNDARY_MAX_CLASSES - 1, line);
          return FALSE;
        }
      float p[2] = { (float) x, (float) y };
      g_array_append_vals (xy, p, 2);
      int64_t l = (int64_t) label;
      g_array_append_val (labels, l);
    }
  if (labels->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s holds no points", path);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  PsModule *module;
  PsGenerator gen;
  int n_outputs;          /* learned from the first call */
} Model;

static gboolean
run_model (const float *xy, gsize n, float *out, gpointer data, GError **error)
{
  Model *m = data;
  int64_t shape[2] = { (int64_t) n, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, xy, error);
  if (x == NULL)
    return FALSE;
  g_autoptr (PsTensor) y = ps_module_forward_tensor (m->module, x, &m->gen, "the decision boundary", error);
  if (y == NULL)
    {
      g_prefix_error (error, "running the model on 2-D points: ");
      return FALSE;
    }
  if (y->dtype != PS_DTYPE_FLOAT32 || y->ndim != 2 || y->shape[0] != (int64_t) n ||
      y->shape[1] != m->n_outputs)
    {
      g_autofree char *shape_s = ps_tensor_shape_string (y);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "the model gives %s for %" G_GSIZE_FORMAT " points; a classifier gives [%" G_GSIZE_FORMAT ", %d]",
                   shape_s, n, n, m->n_outputs);
      return FALSE;
    }
  memcpy (out, ps_tensor_cf32 (y), n * m->n_outputs * sizeof (float));
  return TRUE;
}

/* The model's outputs over the grid at one step, run on a private copy of the state (running the
 * model must not change the document). *n_outputs receives K. */
static float *
sample_step (const PsTimeline *tl, guint step, const char *module_s, const double r[4], int grid,
             int *n_outputs, GError **error)
{
  PsState *state = ps_timeline_get_state_full (tl, step, error);   /* a dropped step may not fit */
  if (state == NULL)
    return NULL;
  PsState *copy = ps_state_clone (state, NULL);
  PsModule *module = module_s ? ps_state_get_module (copy, module_s) : ps_state_get_root (copy);
  if (module == NULL)
    {
      ps_state_unref (copy);
      if (module_s)
        g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no module '%s' at step %u", module_s, step);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no model (root module) at step %u", step);
      return NULL;
    }
  Model m = { module, copy->gen, 0 };
  /* learn the number of outputs from one point */
  float p[2] = { 0, 0 };
  int64_t shape[2] = { 1, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, p, error);
  PsGenerator probe_gen = m.gen;
  g_autoptr (PsTensor) y = x ? ps_module_forward_tensor (module, x, &probe_gen, "the decision boundary", error) : NULL;
  if (y == NULL)
    {
      ps_state_unref (copy);
      g_prefix_error (error, "running the model on 2-D points at step %u: ", step);
      return NULL;
    }
  if (y->ndim != 2 || y->shape[0] != 1 || y->shape[1] < 1 || y->shape[1] > PS_DECISION_BOUNDARY_MAX_CLASSES ||
      y->dtype != PS_DTYPE_FLOAT32)
    {
      g_autofree char *shape_s = ps_tensor_shape_string (y);
      ps_state_unref (copy);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "the model gives %s for one point; a classifier gives [1, K] with 1 ≤ K ≤ %d", shape_s,
                   PS_DECISION_BOUNDARY_MAX_CLASSES);
      return NULL;
    }
  m.n_outputs = (int) y->shape[1];
  float *values = ps_decision_boundary_sample (run_model, &m, r[0], r[1], r[2], r[3], grid, grid, m.n_outputs,
                                               error);
  ps_state_unref (copy);
  *n_outputs = m.n_outputs;
  return values;
}

typedef struct {
  GPtrArray *frames;      /* PsDecisionBoundary* */
} BoundaryFrames;

static void
boundary_frame_draw (cairo_t *cr, double width, double height, guint frame, gpointer data)
{
  BoundaryFrames *bf = data;
  ps_decision_boundary_draw (g_ptr_array_index (bf->frames, frame), cr, width, height);
}

int
ps_cli_cmd_boundary (int argc, char **argv)
{
  const char *out = NULL, *step_s = NULL, *module_s = NULL, *points_s = NULL, *range_s = NULL;
  const char *grid_s = NULL, *width_s = NULL, *height_s = NULL, *scale_s = NULL;
  const char *from_s = NULL, *to_s = NULL, *every_s = NULL, *delay_s = NULL;
  gboolean probabilities = FALSE;
  const PsCliOption options[] = {
    { "--out", &out }, { "--step", &step_s }, { "--module", &module_s }, { "--points", &points_s },
    { "--range", &range_s }, { "--grid", &grid_s }, { "--probabilities", NULL, &probabilities },
    { "--width", &width_s }, { "--height", &height_s }, { "--scale", &scale_s }, { "--from", &from_s },
    { "--to", &to_s }, { "--every", &every_s }, { "--delay", &delay_s }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("boundary", boundary_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  if (out == NULL)
    return ps_cli_usage_error ("boundary", "--out FILE is required");
  gboolean gif = g_str_has_suffix (out, ".gif");
  PsExportFormat fmt;
  if (!gif && !ps_export_format_for_path (out, &fmt, &error))
    return ps_cli_usage_error ("boundary", "%s (or .gif for the boundary over steps)", error->message);
  if (!gif && (from_s || to_s || every_s || delay_s))
    return ps_cli_usage_error ("boundary", "--from, --to, --every and --delay make a .gif");
  if (gif && step_s)
    return ps_cli_usage_error ("boundary", "a .gif shows steps --from A --to B; --step is for one picture");
  guint64 v;
  int grid = 120;
  if (grid_s)
    {
      if (!ps_cli_parse_count ("--grid", grid_s, 1000, &v, &error) || v < 2)
        return ps_cli_usage_error ("boundary", "%s", error ? error->message : "--grid must be at least 2");
      grid = (int) v;
    }
  double width = 760, height = 600, scale = 1;
  const struct { const char *name, *text; double lo, hi; double *out; } nums[] = {
    { "--width", width_s, 16, 8192, &width }, { "--height", height_s, 16, 8192, &height },
    { "--scale", scale_s, 0.1, 8, &scale } };
  for (guint i = 0; i < G_N_ELEMENTS (nums); i++)
    if (nums[i].text)
      {
        char *end = NULL;
        double d = g_ascii_strtod (nums[i].text, &end);
        if (end == nums[i].text || *end || !isfinite (d) || d < nums[i].lo || d > nums[i].hi)
          return ps_cli_usage_error ("boundary", "%s: expected a number in [%g, %g], got '%s'", nums[i].name,
                                     nums[i].lo, nums[i].hi, nums[i].text);
        *nums[i].out = d;
      }
  double r[4] = { -1, 1, -1, 1 };
  if (range_s)
    {
      g_auto (GStrv) f = g_strsplit (range_s, ",", -1);
      gboolean ok = g_strv_length (f) == 4;
      for (int i = 0; ok && i < 4; i++)
        {
          char *end = NULL;
          r[i] = g_ascii_strtod (f[i], &end);
          ok = end != f[i] && *end == '\0' && isfinite (r[i]);
        }
      if (!ok || !(r[1] > r[0] && r[3] > r[2]))
        return ps_cli_usage_error ("boundary", "--range: expected X0,X1,Y0,Y1 with X0 < X1 and Y0 < Y1, got '%s'",
                                   range_s);
    }
  g_autoptr (GArray) xy = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GArray) labels = g_array_new (FALSE, FALSE, sizeof (int64_t));
  if (points_s && !read_points (points_s, xy, labels, &error))
    return ps_cli_error (error);
  if (points_s && !range_s)
    ps_decision_boundary_bounds ((float *) xy->data, labels->len, 0.1, &r[0], &r[1], &r[2], &r[3]);

  g_autoptr (PsTimeline) tl = NULL;
  if (!ps_cli_keep_partial (ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error), &tl, &error))
    return ps_cli_error (error);
  guint last = ps_timeline_get_n_steps (tl);
  g_autofree char *title = g_strdup_printf ("Decision boundary of %s", module_s ? module_s : "the model");
  PsDecisionBoundaryOptions o;
  ps_decision_boundary_options_init (&o);
  o.scale = scale;
  o.title = title;
  float *pts = points_s ? (float *) xy->data : NULL;
  int64_t *lab = points_s ? (int64_t *) labels->data : NULL;
  if (!gif)
    {
      guint step = last;
      if (step_s)
        {
          if (!ps_cli_parse_count ("--step", step_s, last, &v, &error))
            return ps_cli_usage_error ("boundary", "%s (the timeline has steps 0 to %u)", error->message, last);
          step = (guint) v;
        }
      int k = 0;
      g_autofree float *values = sample_step (tl, step, module_s, r, grid, &k, &error);
      if (values == NULL)
        return ps_cli_error (error);
      g_autofree char *subtitle = g_strdup_printf ("step %u · seed %" G_GINT64_FORMAT " · %d × %d samples%s", step,
                                                   ps_timeline_get_recipe (tl)->seed, grid, grid,
                                                   points_s ? "" : " · no data points");
      o.subtitle = subtitle;
      PsDecisionBoundary db = { r[0], r[1], r[2], r[3], grid, grid, k, values, !probabilities, pts, lab,
                                labels->len, &o };
      if (!ps_decision_boundary_check (&db, &error))
        return ps_cli_error (error);
      if (!ps_export_picture (out, width, height, scale, 0, ps_decision_boundary_draw_func, &db, &error))
        return ps_cli_error (error);
      printf ("wrote %s (%d output%s)\n", out, k, k == 1 ? "" : "s");
      return 0;
    }

  /* the boundary over steps: steps where the model does not exist yet are skipped */
  guint from = 0, to = last, every = 1;
  if (from_s && !ps_cli_parse_count ("--from", from_s, last, &v, &error))
    return ps_cli_usage_error ("boundary", "%s (the timeline has steps 0 to %u)", error->message, last);
  if (from_s)
    from = (guint) v;
  if (to_s && !ps_cli_parse_count ("--to", to_s, last, &v, &error))
    return ps_cli_usage_error ("boundary", "%s (the timeline has steps 0 to %u)", error->message, last);
  if (to_s)
    to = (guint) v;
  if (every_s && (!ps_cli_parse_count ("--every", every_s, G_MAXINT, &v, &error) || v == 0))
    return ps_cli_usage_error ("boundary", "%s", error ? error->message : "--every must be at least 1");
  if (every_s)
    every = (guint) v;
  if (from > to)
    return ps_cli_usage_error ("boundary", "--from %u is after --to %u", from, to);
  PsAnimationOptions ao;
  ps_animation_options_init (&ao, width, height);
  ao.scale = scale;
  if (delay_s)
    {
      if (!ps_cli_parse_count ("--delay", delay_s, 65535, &v, &error))
        return ps_cli_usage_error ("boundary", "%s", error->message);
      ao.delay_cs = (guint) v;
    }
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) subtitles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) ks = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) shown = g_array_new (FALSE, FALSE, sizeof (guint));
  guint skipped = 0;
  for (guint step = from; step <= to; step += every)
    {
      int k = 0;
      g_autoptr (GError) local = NULL;
      float *vals = sample_step (tl, step, module_s, r, grid, &k, &local);
      if (vals == NULL)
        {
          if (g_error_matches (local, PS_ERROR, PS_ERROR_NOT_FOUND))
            skipped++;
          else
            return ps_cli_error (local);
        }
      else
        {
          g_ptr_array_add (values, vals);
          g_array_append_val (ks, k);
          g_array_append_val (shown, step);
        }
      if (to - step < every)
        break;
    }
  if (values->len == 0)
    {
      g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, "no model at any of the steps %u–%u", from, to);
      return ps_cli_error (error);
    }
  if (skipped)
    fprintf (stderr, "note: the model does not exist at %u of the steps %u–%u; they are skipped\n", skipped, from, to);
  guint n = values->len;
  g_autofree PsDecisionBoundary *dbs = g_new0 (PsDecisionBoundary, n);
  g_autofree PsDecisionBoundaryOptions *os = g_new0 (PsDecisionBoundaryOptions, n);
  BoundaryFrames bf = { g_ptr_array_new () };
  for (guint i = 0; i < n; i++)
    {
      os[i] = o;
      char *sub = g_strdup_printf ("step %u · frame %u of %u · seed %" G_GINT64_FORMAT, g_array_index (shown, guint, i),
                                   i + 1, n, ps_timeline_get_recipe (tl)->seed);
      g_ptr_array_add (subtitles, sub);
      os[i].subtitle = sub;
      dbs[i] = (PsDecisionBoundary) { r[0], r[1], r[2], r[3], grid, grid, g_array_index (ks, int, i),
                                      g_ptr_array_index (values, i), !probabilities, pts, lab, labels->len, &os[i] };
      if (!ps_decision_boundary_check (&dbs[i], &error))
        {
          g_ptr_array_unref (bf.frames);
          return ps_cli_error (error);
        }
      g_ptr_array_add (bf.frames, &dbs[i]);
    }
  gboolean ok = ps_animation_write_gif (out, n, boundary_frame_draw, &bf, &ao, &error);
  g_ptr_array_unref (bf.frames);
  if (!ok)
    return ps_cli_error (error);
  printf ("wrote %s (%u frames: steps %u–%u)\n", out, n, g_array_index (shown, guint, 0),
          g_array_index (shown, guint, n - 1));
  return 0;
}
