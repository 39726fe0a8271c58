/* ps-cli-picture.c — `paramscope-cli heatmap|histogram|ridgeline|bands` (pictures through
 * ps-figure, the same drawing the app shows) and `paramscope-cli stats`. */
#include "ps-cli-private.h"
#include "ps-figure.h"
#include "ps-op.h"
#include "ps-stats.h"
#include "ps-distribution.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char picture_usage[] =
  "Usage: paramscope-cli %s RECIPE.json --param PATH --out FILE.{png,svg,pdf} [options]\n"
  "\n"
  "Draw %s of one parameter or buffer (a state_dict name such as '0.weight', a recipe target\n"
  "such as 'fc.weight', or a forward output name) and export it. The file type follows the extension.\n"
  "\n"
  "  --param PATH            what to draw\n"
  "  --out FILE              .png, .svg or .pdf (written atomically)\n"
  "  --step N                the timeline step (default: the last one)\n"
  "  --diff-from M           heatmap/histogram of (step N − step M)\n"
  "  --colormap NAME         diverging (default), viridis, grayscale\n"
  "  --range MODE            symmetric (default), robust, minmax\n"
  "  --downsample RULE       a large heatmap's texel is the maxabs (largest |x|, default),\n"
  "                          mean or stride (first cell) of its block; the footer names it\n"
  "  --bins N                histogram bins (default 64)\n"
  "  --log                   logarithmic count axis (histogram)\n"
  "  --width W --height H    size in points (default 960 × 600)\n"
  "  --scale S               PNG pixels per point, and text/stroke scale for projectors (default 1)\n"
  "  --dpi D                 resolution recorded in the PNG (default none)\n";

static int
picture_command (const char *command, PsFigureKind kind, int argc, char **argv)
{
  const char *param = NULL, *out = NULL, *step_s = NULL, *diff_s = NULL, *cmap_s = NULL, *range_s = NULL;
  const char *pool_s = NULL, *bins_s = NULL, *width_s = NULL, *height_s = NULL, *scale_s = NULL, *dpi_s = NULL;
  gboolean log_y = FALSE;
  const PsCliOption options[] = {
    { "--param", &param }, { "--out", &out }, { "--step", &step_s }, { "--diff-from", &diff_s },
    { "--colormap", &cmap_s }, { "--range", &range_s }, { "--downsample", &pool_s }, { "--bins", &bins_s }, { "--log", NULL, &log_y },
    { "--width", &width_s }, { "--height", &height_s }, { "--scale", &scale_s }, { "--dpi", &dpi_s }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gboolean help;
  if (!ps_cli_parse (argc, argv, options, pos, &help, &error))
    return ps_cli_usage_error (command, "%s", error->message);
  if (help)
    {
      static const char *what[] = { "a heatmap", "a histogram", "a ridgeline over steps", "percentile bands over steps" };
      printf (picture_usage, command, what[kind]);
      return 0;
    }
  if (pos->len != 1)
    return ps_cli_usage_error (command, "expected one RECIPE, got %u arguments", pos->len);
  if (param == NULL)
    return ps_cli_usage_error (command, "--param PATH is required");
  if (out == NULL)
    return ps_cli_usage_error (command, "--out FILE is required");
  if (!ps_cli_check_outputs (&out, 1, g_ptr_array_index (pos, 0), &error))
    return ps_cli_error (error);

  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = kind;
  o.log_y = log_y;
  double width = 960, height = 600, scale = 1, dpi = 0;
  guint64 v;
  if (diff_s)
    {
      if (!ps_cli_parse_count ("--diff-from", diff_s, G_MAXINT, &v, &error))
        return ps_cli_usage_error (command, "%s", error->message);
      o.diff_from = (int) v;
    }
  if (bins_s)
    {
      if (!ps_cli_parse_count ("--bins", bins_s, 100000, &v, &error) || v == 0)
        return ps_cli_usage_error (command, "%s", error ? error->message : "--bins must be at least 1");
      o.bins = (int) v;
    }
  if ((cmap_s && !ps_cli_parse_colormap (cmap_s, &o.colormap, &error))
      || (range_s && !ps_cli_parse_range (range_s, &o.range, &error)))
    return ps_cli_usage_error (command, "%s", error->message);
  if (pool_s)
    {
      if (g_str_equal (pool_s, "maxabs")) o.pool = PS_HEATMAP_POOL_MAXABS;
      else if (g_str_equal (pool_s, "mean")) o.pool = PS_HEATMAP_POOL_MEAN;
      else if (g_str_equal (pool_s, "stride")) o.pool = PS_HEATMAP_POOL_STRIDE;
      else return ps_cli_usage_error (command, "--downsample must be maxabs, mean or stride, got '%s'", pool_s);
    }
  if ((width_s && !ps_cli_parse_double ("--width", width_s, 16, 32767, &width, &error))
      || (height_s && !ps_cli_parse_double ("--height", height_s, 16, 32767, &height, &error))
      || (scale_s && !ps_cli_parse_double ("--scale", scale_s, 0.1, 16, &scale, &error))
      || (dpi_s && !ps_cli_parse_double ("--dpi", dpi_s, 1, 10000, &dpi, &error)))
    return ps_cli_usage_error (command, "%s", error->message);
  o.scale = scale;

  guint step = G_MAXUINT;
  if (step_s)
    {
      if (!ps_cli_parse_count ("--step", step_s, G_MAXINT, &v, &error))
        return ps_cli_usage_error (command, "%s", error->message);
      step = (guint) v;
    }
  g_autoptr (PsTimeline) tl = NULL;
  /* a picture of one step (or two, with --diff-from) replays only up to it: it holds that step's
   * snapshot alone, not the last step's besides */
  gboolean one_step = step_s != NULL && (kind == PS_FIGURE_HEATMAP || kind == PS_FIGURE_HISTOGRAM);
  guint upto = one_step ? MAX (step, o.diff_from >= 0 ? (guint) o.diff_from : 0) : 0;
  /* the recipe fails at some op: pictures of the steps before it are still meaningful */
  if (!ps_cli_keep_partial (one_step ? ps_cli_load_timeline_upto (g_ptr_array_index (pos, 0), upto, &tl, &error)
                                     : ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error),
                            &tl, &error))
    return ps_cli_error (error);
  o.step = step_s ? step : ps_timeline_get_n_steps (tl);
  /* text and strokes scale with --scale, so the PNG is the same picture at a higher resolution */
  g_autoptr (PsFigure) fig = ps_figure_new (tl, param, &o, &error);
  if (fig == NULL)
    return ps_cli_error (error);
  if (!ps_figure_export (fig, out, width, height, scale, dpi, &error))
    return ps_cli_error (error);
  printf ("wrote %s\n", out);
  return 0;
}

int
ps_cli_cmd_heatmap (int argc, char **argv)
{
  return picture_command ("heatmap", PS_FIGURE_HEATMAP, argc, argv);
}

int
ps_cli_cmd_histogram (int argc, char **argv)
{
  return picture_command ("histogram", PS_FIGURE_HISTOGRAM, argc, argv);
}

int
ps_cli_cmd_ridgeline (int argc, char **argv)
{
  return picture_command ("ridgeline", PS_FIGURE_RIDGELINE, argc, argv);
}

int
ps_cli_cmd_bands (int argc, char **argv)
{
  return picture_command ("bands", PS_FIGURE_BANDS, argc, argv);
}

/* ---------- stats ---------- */

static const char stats_usage[] =
  "Usage: paramscope-cli stats RECIPE.json [--step N] [--json]\n"
  "\n"
  "Every parameter and buffer at a step (default: the last): shape, count, mean, std (unbiased),\n"
  "min, max, L2 norm, NaN/Inf counts, the step that created and last wrote it, and the init that\n"
  "produced it with its expected std.\n";

int
ps_cli_cmd_stats (int argc, char **argv)
{
  const char *step_s = NULL;
  gboolean as_json = FALSE;
  const PsCliOption options[] = { { "--step", &step_s }, { "--json", NULL, &as_json }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("stats", stats_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  g_autoptr (PsTimeline) tl = NULL;
  guint64 v = 0;
  if (step_s && !ps_cli_parse_count ("--step", step_s, G_MAXINT, &v, &error))
    return ps_cli_usage_error ("stats", "%s", error->message);
  /* one step: replay only up to it (its snapshot alone is held, not the last step's besides) */
  if (!ps_cli_keep_partial (step_s ? ps_cli_load_timeline_upto (g_ptr_array_index (pos, 0), (guint) v, &tl, &error)
                                   : ps_cli_load_timeline (g_ptr_array_index (pos, 0), -1, &tl, &error),
                            &tl, &error))
    return ps_cli_error (error);
  guint step = ps_timeline_get_n_steps (tl);
  if (step_s)
    {
      if (!ps_cli_parse_count ("--step", step_s, ps_timeline_get_n_steps (tl), &v, &error))
        return ps_cli_usage_error ("stats", "%s", error->message);
      step = (guint) v;
    }
  PsState *st = ps_timeline_get_state_full (tl, step, &error);
  if (st == NULL)
    return ps_cli_error (error);   /* a step rebuilt by replay that does not fit in memory */
  g_autoptr (GPtrArray) items = ps_state_list_params (st);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, step);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, ps_timeline_get_recipe (tl)->seed);
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);
  if (!as_json)
    printf ("step %u, seed %" G_GINT64_FORMAT "\n%-32s %-14s %9s %11s %11s %11s %11s %11s %5s %5s  %s\n", step,
            ps_timeline_get_recipe (tl)->seed, "path", "shape", "count", "mean", "std", "min", "max", "norm",
            "made", "wrote", "init (expected std)");
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      PsParam *p = it->param;
      g_autofree char *shape = p->value ? ps_tensor_shape_string (p->value) : g_strdup ("uninitialized");
      g_autofree char *init = p->value ? ps_init_info_summary (&p->init) : g_strdup ("");
      PsStats s;
      ps_stats_init (&s);
      if (p->value)
        ps_stats_compute (p->value, &s);
      else
        ps_stats_finish (&s);
      double emean = NAN, estd = NAN;
      gboolean known = p->value && ps_distribution_moments (&p->init, &emean, &estd);
      if (as_json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, it->path);
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, p->is_buffer ? "buffer" : "parameter");
          json_builder_set_member_name (b, "shape");
          if (p->value)
            {
              json_builder_begin_array (b);
              for (int d = 0; d < p->value->ndim; d++)
                json_builder_add_int_value (b, p->value->shape[d]);
              json_builder_end_array (b);
            }
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "dtype");
          json_builder_add_string_value (b, p->value ? ps_dtype_name (p->value->dtype) : "");
          json_builder_set_member_name (b, "count");
          json_builder_add_int_value (b, s.count);
          ps_cli_json_add_number (b, "mean", s.mean);
          ps_cli_json_add_number (b, "std", s.std);
          ps_cli_json_add_number (b, "std_population", s.std_pop);
          ps_cli_json_add_number (b, "min", s.min);
          ps_cli_json_add_number (b, "max", s.max);
          ps_cli_json_add_number (b, "l2_norm", s.l2_norm);
          json_builder_set_member_name (b, "nan");
          json_builder_add_int_value (b, s.n_nan);
          json_builder_set_member_name (b, "posinf");
          json_builder_add_int_value (b, s.n_posinf);
          json_builder_set_member_name (b, "neginf");
          json_builder_add_int_value (b, s.n_neginf);
          json_builder_set_member_name (b, "created_step");
          json_builder_add_int_value (b, p->created_step);
          json_builder_set_member_name (b, "written_step");
          json_builder_add_int_value (b, p->written_step);
          json_builder_set_member_name (b, "init");
          json_builder_add_string_value (b, p->value ? p->init.fn : "uninitialized");
          json_builder_set_member_name (b, "init_args");
          json_builder_add_string_value (b, p->init.args);
          ps_cli_json_add_number (b, "expected_mean", known ? emean : NAN);
          ps_cli_json_add_number (b, "expected_std", known ? estd : NAN);
          json_builder_end_object (b);
        }
      else
        {
          g_autofree char *exp = known ? g_strdup_printf (" (%.4g)", estd) : g_strdup ("");
          printf ("%-32s %-14s %9" G_GINT64_FORMAT " %11.4g %11.4g %11.4g %11.4g %11.4g %5d %5d  %s%s%s\n",
                  it->path, shape, s.count, s.mean, s.std, s.min, s.max, s.l2_norm, p->created_step, p->written_step,
                  p->value ? (*init ? init : "-") : "uninitialized", exp,
                  s.n_nan || s.n_posinf || s.n_neginf ? "  ⚠ NaN/Inf" : "");
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (as_json)
    ps_cli_print_json (b);
  return 0;
}
