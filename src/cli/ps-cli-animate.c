/* ps-cli-animate.c — `paramscope-cli animate` (a parameter's heatmap or histogram over a range of
 * steps as an animated GIF or a numbered PNG/SVG series) and `paramscope-cli contact-sheet` (chosen
 * steps side by side, or one per PDF page). Frames share one colour range / one set of bins
 * (ps-figure-sequence), so what changes between frames is the data. */
#include "ps-cli-private.h"
#include "ps-animation.h"
#include "ps-figure-sequence.h"
#include "ps-frame-list.h"
#include "ps-train-ops.h"
#include "ps-train-object.h"
#include "ps-train-view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char animate_usage[] =
  "Usage: paramscope-cli animate RECIPE.json --param PATH --out FILE.gif|DIR/ [options]\n"
  "       paramscope-cli animate RECIPE.json --view VIEW --out FILE.gif|DIR/ [options]\n"
  "\n"
  "Draw one parameter (or buffer, or forward output) at every step from --from to --to and write\n"
  "the frames as an animated GIF, or as numbered pictures DIR/PARAM-0001.png … when --out names a\n"
  "folder (ends with '/' or exists). All frames share one colour range (heatmap) or one set of bins\n"
  "(histogram). Steps before the parameter exists (or while a lazy one is uninitialized) are skipped.\n"
  "\n"
  "With --view (or --sub-steps): a view of the Training page at the recorded sub-steps of the\n"
  "recipe's train ops, drawn as the app draws it (a snapshot dropped under the memory budget is\n"
  "recomputed as the app does). Every frame is computed first: a view that does not apply at one of\n"
  "them (no 2-D data set for boundary, no 28 × 28 first layer for weight-tiles) writes nothing.\n"
  "\n"
  "  --param PATH            what to draw ('0.weight', 'fc.weight', …)\n"
  "  --out FILE.gif | DIR/   the animation or the folder for the series (written atomically)\n"
  "  --kind heatmap|histogram   (default heatmap)\n"
  "  --from A --to B         first and last step (default: 0 and the last step)\n"
  "  --sub-steps             frames at the recorded sub-steps of the recipe's train ops instead (the\n"
  "                          Training page's scale; --from/--to/--every count them, 1 to N)\n"
  "  --view VIEW             a Training page view over the sub-steps (implies --sub-steps):\n"
  "                            loss              the loss curve, the step cursor moving\n"
  "                            ratios            grad/data and update/data ratios, cursor moving\n"
  "                            activations       per-layer activation histograms (256 data rows)\n"
  "                            gradients         per-parameter .grad histograms\n"
  "                            output-gradients  per-layer d loss / d output histograms\n"
  "                            boundary          the decision boundary (2-D data sets)\n"
  "                            weight-tiles      first-layer weights as 28 × 28 tiles (one range)\n"
  "                            heatmap, histogram   --param's value, .grad or optimizer state\n"
  "  --what value|grad|STATE with --param over sub-steps: the value (default), its .grad, or an\n"
  "                          optimizer state (momentum_buffer, exp_avg, exp_avg_sq, square_avg, sum …)\n"
  "  --every K               every K-th step (default 1)\n"
  "  --format png|svg        picture type of a series (default png)\n"
  "  --delay CS              GIF: time per frame in 1/100 s (default 50)\n"
  "  --last-delay CS         GIF: time on the last frame (default: --delay)\n"
  "  --loop N                GIF: 0 = forever (default), N = repeat N times, -1 = play once\n"
  "  --colormap NAME         diverging (default), viridis, grayscale\n"
  "  --range MODE            symmetric (default), robust, minmax\n"
  "  --bins N  --log         histogram bins (default 64) and a log count axis\n"
  "  --width W --height H    frame size in points (default 720 × 450)\n"
  "  --scale S               pixels per point, text/stroke scale (default 1)\n";

static const char sheet_usage[] =
  "Usage: paramscope-cli contact-sheet RECIPE.json --param PATH --steps LIST --out FILE [options]\n"
  "       paramscope-cli contact-sheet RECIPE.json --view VIEW --sub-steps --steps LIST --out FILE\n"
  "       paramscope-cli contact-sheet RECIPE.json --view VIEW --train-steps LIST --out FILE\n"
  "\n"
  "Draw one parameter at chosen steps on one sheet for slides: a grid of frames on one page (.png,\n"
  ".svg, .pdf) or, for a PDF without --columns, one frame per page. The frames share one colour\n"
  "range / one set of bins.\n"
  "\n"
  "With --sub-steps, --train-steps or --view: a Training page view at chosen recorded sub-steps of\n"
  "the recipe's train ops (views as for animate --view; heatmaps and weight tiles share one colour\n"
  "range). Every frame is computed first; a view that does not apply, or a sub-step the recipe does\n"
  "not record, is an error (exit 1) and nothing is written.\n"
  "\n"
  "  --param PATH            what to draw\n"
  "  --steps LIST            steps, e.g. 0,2,5 or 0-3,8; with --sub-steps the sub-steps 1..N, e.g.\n"
  "                          1,10,50,last\n"
  "  --train-steps LIST      recorded sub-steps by training step (the loss curve's x axis), e.g.\n"
  "                          4,100,last; a range A-B takes the recorded ones in it\n"
  "  --view VIEW             loss, ratios, activations, gradients, output-gradients, boundary,\n"
  "                          weight-tiles, heatmap, histogram (see animate --help)\n"
  "  --what value|grad|STATE with --param over sub-steps: value (default), .grad or optimizer state\n"
  "  --out FILE              .png, .svg or .pdf (written atomically)\n"
  "  --columns N             frames per row (default: about √n; PDF default: one per page)\n"
  "  --kind heatmap|histogram   (default heatmap)\n"
  "  --colormap NAME  --range MODE  --bins N  --log   as for heatmap/histogram\n"
  "  --width W --height H    frame size in points (default 480 × 320)\n"
  "  --scale S               PNG pixels per point (default 1)\n";

typedef struct {
  const char *param, *out, *kind, *cmap, *range, *bins, *width, *height, *scale;
  gboolean log_y;
} Common;

/* Figure options from the shared flags. */
static gboolean
common_options (const Common *c, PsFigureOptions *o, double *width, double *height, double *scale,
                GError **error)
{
  ps_figure_options_init (o);
  o->log_y = c->log_y;
  if (c->kind)
    {
      if (g_str_equal (c->kind, "heatmap")) o->kind = PS_FIGURE_HEATMAP;
      else if (g_str_equal (c->kind, "histogram")) o->kind = PS_FIGURE_HISTOGRAM;
      else
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "--kind must be heatmap or histogram, got '%s'", c->kind);
          return FALSE;
        }
    }
  if ((c->cmap && !ps_cli_parse_colormap (c->cmap, &o->colormap, error))
      || (c->range && !ps_cli_parse_range (c->range, &o->range, error)))
    return FALSE;
  guint64 v;
  if (c->bins)
    {
      if (!ps_cli_parse_count ("--bins", c->bins, 100000, &v, error))
        return FALSE;
      if (v == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--bins must be at least 1");
          return FALSE;
        }
      o->bins = (int) v;
    }
  if ((c->width && !ps_cli_parse_double ("--width", c->width, 16, 8192, width, error)) ||
      (c->height && !ps_cli_parse_double ("--height", c->height, 16, 8192, height, error)) ||
      (c->scale && !ps_cli_parse_double ("--scale", c->scale, 0.1, 8, scale, error)))
    return FALSE;
  o->scale = *scale;
  return TRUE;
}

/* frames: over training sub-steps — their snapshots kept as the app keeps them */
static int
load (const char *command, const char *recipe, gboolean frames, PsTimeline **tl)
{
  g_autoptr (GError) error = NULL;
  if (!ps_cli_keep_partial (frames ? ps_cli_load_timeline_for_frames (recipe, tl, &error)
                                    : ps_cli_load_timeline (recipe, -1, tl, &error),
                            tl, &error))
    return ps_cli_error (error);
  return 0;
}

/* "PARAM" as a file name stem: path separators replaced */
static char *
stem_of (const char *param)
{
  char *s = g_strdup (param);
  for (char *p = s; *p; p++)
    if (*p == '/' || *p == '\\' || *p == ' ')
      *p = '_';
  return s;
}

/* The training view's frames at the chosen records (0-based indices into rs): each frame's
 * snapshot (a dropped one replayed from the nearest kept one, as the Training page does), built and
 * checked before anything is written. Returns NULL after printing the error (exit 1). */
static PsTrainFrames *
build_train_frames (PsTimeline *tl, PsCliRecords *rs, const PsTrainViewOptions *vo, const guint *chosen, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTrainFrames) fr = ps_train_frames_new (vo, (const PsTrainRecord *const *) rs->records->pdata,
                                                      (const int64_t *) rs->x->data, rs->records->len);
  const PsRecipe *recipe = ps_timeline_get_recipe (tl);
  for (guint k = 0; k < n; k++)
    {
      guint i = chosen[k];
      g_autoptr (PsState) st = NULL;
      if (ps_train_view_needs_state (vo->kind))
        {
          st = ps_train_log_get_state (rs->logs->pdata[i], g_array_index (rs->index, guint, i), &error);
          if (st == NULL)
            {
              g_prefix_error (&error, "sub-step %u: ", i + 1);
              ps_cli_error (error);
              return NULL;
            }
        }
      guint op_step = g_array_index (rs->op_step, guint, i);
      const PsOp *op = op_step >= 1 && op_step <= recipe->ops->len ? recipe->ops->pdata[op_step - 1] : NULL;
      if (!ps_train_frames_add (fr, i, st, op, &error))
        {
          ps_cli_error (error);
          return NULL;
        }
    }
  if (!ps_train_frames_finish (fr, &error))
    {
      ps_cli_error (error);
      return NULL;
    }
  return g_steal_pointer (&fr);
}

/* The file name stem of a series: the parameter (and what of it), or the view's name. */
static char *
frames_stem (const PsTrainViewOptions *vo)
{
  if (vo->kind != PS_TRAIN_VIEW_HEATMAP && vo->kind != PS_TRAIN_VIEW_HISTOGRAM)
    return g_strdup (ps_train_view_name (vo->kind));
  g_autofree char *p = stem_of (vo->param);
  return vo->what && strcmp (vo->what, "value") != 0 ? g_strdup_printf ("%s-%s", p, vo->what) : g_steal_pointer (&p);
}

/* The view options from --view / --kind / --param / --what and the figure flags. Returns -1 to go
 * on, else the exit status. */
static int
train_view_options (const char *command, const char *view_s, const Common *c, const char *what_s,
                    const PsFigureOptions *fo, double scale, PsTrainViewOptions *vo)
{
  ps_train_view_options_init (vo);
  vo->figure = *fo;
  vo->scale = scale;
  if (view_s != NULL)
    {
      if (!ps_train_view_parse (view_s, &vo->kind))
        return ps_cli_usage_error (command, "--view must be one of %s, got '%s'", ps_train_view_all_names (), view_s);
      if (c->kind != NULL)
        return ps_cli_usage_error (command, "give --view heatmap|histogram or --kind, not both");
    }
  else
    vo->kind = fo->kind == PS_FIGURE_HISTOGRAM ? PS_TRAIN_VIEW_HISTOGRAM : PS_TRAIN_VIEW_HEATMAP;
  gboolean param_view = vo->kind == PS_TRAIN_VIEW_HEATMAP || vo->kind == PS_TRAIN_VIEW_HISTOGRAM;
  if (param_view && c->param == NULL)
    return ps_cli_usage_error (command, "--view %s needs --param PATH", ps_train_view_name (vo->kind));
  if (!param_view && c->param != NULL)
    return ps_cli_usage_error (command, "--param is for --view heatmap or histogram, not %s",
                               ps_train_view_name (vo->kind));
  if (!param_view && what_s != NULL)
    return ps_cli_usage_error (command, "--what is for --view heatmap or histogram, not %s",
                               ps_train_view_name (vo->kind));
  vo->param = c->param;
  vo->what = what_s;
  return -1;
}

/* Writes the frames: a GIF, a numbered series in a folder, or (sheet) a contact sheet. */
static int
write_train_frames (PsTrainFrames *fr, const PsTrainViewOptions *vo, const char *out, gboolean gif,
                    PsExportFormat series_fmt, PsAnimationOptions *ao, guint last_delay, PsCliRecords *rs)
{
  g_autoptr (GError) error = NULL;
  guint n = ps_train_frames_get_n (fr), n_rec = rs->records->len;
  guint first = ps_train_frames_get_index (fr, 0) + 1, last = ps_train_frames_get_index (fr, n - 1) + 1;
  if (vo->kind == PS_TRAIN_VIEW_HEATMAP || vo->kind == PS_TRAIN_VIEW_WEIGHT_TILES)
    ps_animation_options_keep_colormap (ao, vo->kind == PS_TRAIN_VIEW_HEATMAP ? vo->figure.colormap
                                                                              : PS_COLORMAP_DIVERGING);
  if (gif)
    {
      g_autofree guint *delays = g_new (guint, n);
      for (guint i = 0; i < n; i++)
        delays[i] = i + 1 == n ? last_delay : ao->delay_cs;
      ao->delays_cs = delays;
      gboolean ok = ps_animation_write_gif (out, n, ps_train_frames_draw_frame, fr, ao, &error);
      ao->delays_cs = NULL;
      if (!ok)
        return ps_cli_error (error);
      printf ("wrote %s (%u frames: sub-steps %u–%u of %u, view %s)\n", out, n, first, last, n_rec,
              ps_train_view_name (vo->kind));
      return 0;
    }
  g_autofree char *stem = frames_stem (vo);
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  if (!ps_animation_write_series (out, stem, series_fmt, n, ps_train_frames_draw_frame, fr, ao, written, &error))
    return ps_cli_error (error);
  for (guint i = 0; i < written->len; i++)
    printf ("wrote %s (sub-step %u, training step %" G_GINT64_FORMAT ")\n", (char *) g_ptr_array_index (written, i),
            ps_train_frames_get_index (fr, i) + 1,
            g_array_index (rs->x, int64_t, ps_train_frames_get_index (fr, i)));
  return 0;
}

/* animate --sub-steps / --view: a Training page view at the recorded sub-steps (1..N across the
 * train ops, as the Training page numbers them); a snapshot dropped under the memory budget is
 * replayed */
static int
animate_sub_steps (PsTimeline *tl, const PsTrainViewOptions *vo, const char *out, PsAnimationOptions *ao,
                   const char *from_s, const char *to_s, guint every, gboolean gif, PsExportFormat series_fmt,
                   guint last_delay)
{
  g_autoptr (GError) error = NULL;
  PsCliRecords rs;
  if (!ps_cli_records_collect (tl, &rs, &error))
    {
      ps_cli_records_clear (&rs);
      return ps_cli_error (error);
    }
  guint n_rec = rs.records->len, from = 1, to = n_rec;
  guint64 v = 0;
  int rc = -1;
  if (n_rec == 0)
    {
      /* the view does not apply to this recipe: an error about it, not about the usage */
      g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, "--sub-steps: the recipe records no training sub-steps "
                   "(no train op)");
      rc = ps_cli_error (error);
    }
  else if (from_s && (!ps_cli_parse_count ("--from", from_s, G_MAXUINT, &v, &error) || v == 0))
    rc = ps_cli_usage_error ("animate", "%s (sub-steps are 1 to %u)", error ? error->message : "--from must be at least 1",
                             n_rec);
  else if (from_s)
    from = (guint) v;
  if (rc < 0 && to_s && (!ps_cli_parse_count ("--to", to_s, G_MAXUINT, &v, &error) || v == 0))
    rc = ps_cli_usage_error ("animate", "%s (sub-steps are 1 to %u)", error ? error->message : "--to must be at least 1",
                             n_rec);
  else if (rc < 0 && to_s)
    to = (guint) v;
  if (rc < 0 && (from > n_rec || to > n_rec))
    {
      /* a well-formed number the recipe does not reach: an error about the recipe, not the usage */
      g_set_error (&error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "sub-step %u is out of range: the recipe records sub-steps 1 to %u", from > n_rec ? from : to, n_rec);
      rc = ps_cli_error (error);
    }
  if (rc < 0 && from > to)
    rc = ps_cli_usage_error ("animate", "--from %u is after --to %u", from, to);
  g_autoptr (GArray) frames = rc < 0 ? ps_animation_frame_range (from - 1, to - 1, every, n_rec,
                                                                 PS_TRAIN_VIEW_MAX_FRAMES, "sub-steps", &error)
                                     : NULL;
  if (rc < 0 && frames == NULL)
    rc = ps_cli_error (error);
  g_autoptr (PsTrainFrames) fr = rc < 0 ? build_train_frames (tl, &rs, vo, (const guint *) frames->data, frames->len)
                                        : NULL;
  if (rc < 0 && fr == NULL)
    rc = 1;
  if (rc < 0)
    rc = write_train_frames (fr, vo, out, gif, series_fmt, ao, last_delay, &rs);
  g_clear_pointer (&fr, ps_train_frames_free);   /* before the records it points into */
  ps_cli_records_clear (&rs);
  return rc;
}

int
ps_cli_cmd_animate (int argc, char **argv)
{
  Common c = { 0 };
  const char *from_s = NULL, *to_s = NULL, *every_s = NULL, *format_s = NULL, *delay_s = NULL;
  const char *last_delay_s = NULL, *loop_s = NULL, *view_s = NULL, *what_s = NULL;
  gboolean sub_steps = FALSE;
  const PsCliOption options[] = {
    { "--view", &view_s }, { "--what", &what_s }, { "--param", &c.param }, { "--out", &c.out }, { "--kind", &c.kind }, { "--from", &from_s },
    { "--to", &to_s }, { "--every", &every_s }, { "--format", &format_s }, { "--delay", &delay_s },
    { "--last-delay", &last_delay_s }, { "--loop", &loop_s }, { "--colormap", &c.cmap },
    { "--range", &c.range }, { "--bins", &c.bins }, { "--log", NULL, &c.log_y }, { "--sub-steps", NULL, &sub_steps },
    { "--width", &c.width }, { "--height", &c.height }, { "--scale", &c.scale }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("animate", animate_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  /* a training view, or a parameter's .grad / optimizer state, is drawn over the sub-steps */
  sub_steps |= view_s != NULL || what_s != NULL;
  if (c.param == NULL && view_s == NULL)
    return ps_cli_usage_error ("animate", "--param PATH (or --view VIEW) is required");
  if (c.out == NULL)
    return ps_cli_usage_error ("animate", "--out FILE.gif or DIR/ is required");
  PsFigureOptions fo;
  double width = 720, height = 450, scale = 1;
  if (!common_options (&c, &fo, &width, &height, &scale, &error))
    return ps_cli_usage_error ("animate", "%s", error->message);
  PsTrainViewOptions vo;
  int vrc = sub_steps ? train_view_options ("animate", view_s, &c, what_s, &fo, scale, &vo) : -1;
  if (vrc >= 0)
    return vrc;

  gboolean to_dir = g_str_has_suffix (c.out, "/") || g_file_test (c.out, G_FILE_TEST_IS_DIR);
  gboolean gif = !to_dir && g_str_has_suffix (c.out, ".gif");
  const char *dot = strrchr (c.out, '.');
  if (!to_dir && !gif)
    return ps_cli_usage_error ("animate", "--out must end in .gif or name a folder (end it with '/'), got '%s'%s",
                               c.out, dot && g_ascii_strcasecmp (dot, ".gif") == 0 ? " (write .gif in lower case)" : "");
  PsExportFormat series_fmt = PS_EXPORT_PNG;
  if (format_s)
    {
      if (!to_dir)
        return ps_cli_usage_error ("animate", "--format is for a series (--out DIR/); a GIF is a GIF");
      if (g_str_equal (format_s, "png")) series_fmt = PS_EXPORT_PNG;
      else if (g_str_equal (format_s, "svg")) series_fmt = PS_EXPORT_SVG;
      else return ps_cli_usage_error ("animate", "--format must be png or svg, got '%s'", format_s);
    }
  PsAnimationOptions ao;
  ps_animation_options_init (&ao, width, height);
  ao.scale = scale;
  ps_animation_options_keep_colormap (&ao, fo.colormap);
  guint64 v;
  if (delay_s)
    {
      if (!ps_cli_parse_count ("--delay", delay_s, 65535, &v, &error))
        return ps_cli_usage_error ("animate", "%s", error->message);
      ao.delay_cs = (guint) v;
    }
  guint last_delay = ao.delay_cs;
  if (last_delay_s)
    {
      if (!ps_cli_parse_count ("--last-delay", last_delay_s, 65535, &v, &error))
        return ps_cli_usage_error ("animate", "%s", error->message);
      last_delay = (guint) v;
    }
  if (loop_s)
    {
      if (g_str_equal (loop_s, "-1"))
        ao.loop = -1;
      else if (!ps_cli_parse_count ("--loop", loop_s, 65535, &v, &error))
        return ps_cli_usage_error ("animate", "%s", error->message);
      else
        ao.loop = (int) v;
    }
  guint every = 1;
  if (every_s)
    {
      if (!ps_cli_parse_count ("--every", every_s, G_MAXINT, &v, &error) || v == 0)
        return ps_cli_usage_error ("animate", "%s", error ? error->message : "--every must be at least 1");
      every = (guint) v;
    }

  g_autoptr (PsTimeline) tl = NULL;
  int rc = load ("animate", g_ptr_array_index (pos, 0), sub_steps, &tl);
  if (tl == NULL)
    return rc;
  if (sub_steps)
    return animate_sub_steps (tl, &vo, c.out, &ao, from_s, to_s, every, gif, series_fmt, last_delay);
  guint last = ps_timeline_get_n_steps (tl), from = 0, to = last;
  if (from_s)
    {
      if (!ps_cli_parse_count ("--from", from_s, last, &v, &error))
        return ps_cli_usage_error ("animate", "%s (the timeline has steps 0 to %u)", error->message, last);
      from = (guint) v;
    }
  if (to_s)
    {
      if (!ps_cli_parse_count ("--to", to_s, last, &v, &error))
        return ps_cli_usage_error ("animate", "%s (the timeline has steps 0 to %u)", error->message, last);
      to = (guint) v;
    }
  if (from > to)
    return ps_cli_usage_error ("animate", "--from %u is after --to %u", from, to);
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint s = from; s <= to; s += every)
    {
      g_array_append_val (steps, s);
      if (to - s < every)
        break;
    }
  g_autoptr (PsFigureSequence) seq = ps_figure_sequence_new (tl, c.param, (guint *) steps->data, steps->len,
                                                             &fo, TRUE, &error);
  if (seq == NULL)
    return ps_cli_error (error);
  guint n = ps_figure_sequence_get_n_frames (seq);
  if (n < steps->len)
    fprintf (stderr, "note: '%s' does not exist or is uninitialized at %u of the steps %u–%u; they are skipped\n",
             c.param, steps->len - n, from, to);
  if (gif)
    {
      g_autofree guint *delays = g_new (guint, n);
      for (guint i = 0; i < n; i++)
        delays[i] = i + 1 == n ? last_delay : ao.delay_cs;
      ao.delays_cs = delays;
      if (!ps_animation_write_gif (c.out, n, ps_figure_sequence_draw_frame, seq, &ao, &error))
        return ps_cli_error (error);
      printf ("wrote %s (%u frames: steps %u–%u)\n", c.out, n, ps_figure_sequence_get_step (seq, 0),
              ps_figure_sequence_get_step (seq, n - 1));
      return 0;
    }
  g_autofree char *stem = stem_of (c.param);
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  if (!ps_animation_write_series (c.out, stem, series_fmt, n, ps_figure_sequence_draw_frame, seq, &ao,
                                  written, &error))
    return ps_cli_error (error);
  for (guint i = 0; i < written->len; i++)
    printf ("wrote %s (step %u)\n", (char *) g_ptr_array_index (written, i), ps_figure_sequence_get_step (seq, i));
  return 0;
}

/* contact-sheet --sub-steps / --train-steps / --view: a training view at chosen sub-steps. */
static int
sheet_sub_steps (PsTimeline *tl, const PsTrainViewOptions *vo, const char *out, const char *steps_s,
                 gboolean train_steps, gboolean columns_given, guint columns, PsExportFormat fmt,
                 PsAnimationOptions *ao)
{
  g_autoptr (GError) error = NULL;
  PsCliRecords rs;
  if (!ps_cli_records_collect (tl, &rs, &error))
    {
      ps_cli_records_clear (&rs);
      return ps_cli_error (error);
    }
  int rc = -1;
  g_autoptr (GArray) chosen = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean usage = FALSE;
  if (rs.records->len == 0)
    {
      g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, "the recipe records no training sub-steps (no train op)");
      rc = ps_cli_error (error);
    }
  else if (!train_steps && !ps_frame_list_parse (steps_s, rs.records->len, PS_TRAIN_VIEW_MAX_FRAMES, "sub-step", chosen,
                                                  &error))
    {
      /* the app's Contact Sheet… reads its list with the same parser */
      g_prefix_error (&error, "--steps: ");
      rc = ps_cli_error (error);
    }
  else if (train_steps)
    {
      /* by training step (the loss curve's x axis): a malformed list is a usage error, a training
       * step the recipe does not record an error naming what it records */
      const PsFrameListRules rules = { PS_FRAME_LIST_VALUES, rs.records->len, (const gint64 *) rs.x->data,
                                       PS_TRAIN_VIEW_MAX_FRAMES, "sub-step", "training step" };
      if (!ps_frame_list_parse_rules (steps_s, &rules, chosen, &error))
        {
          usage = g_error_matches (error, PS_ERROR, PS_ERROR_PARSE);
          g_prefix_error (&error, "--train-steps: ");
          rc = usage ? ps_cli_usage_error ("contact-sheet", "%s", error->message) : ps_cli_error (error);
        }
    }
  g_autoptr (PsTrainFrames) fr = rc < 0 ? build_train_frames (tl, &rs, vo, (const guint *) chosen->data, chosen->len)
                                        : NULL;
  if (rc < 0 && fr == NULL)
    rc = 1;
  if (rc < 0)
    {
      guint n = ps_train_frames_get_n (fr);
      if (!columns_given && fmt != PS_EXPORT_PDF)
        columns = (guint) ceil (sqrt ((double) n));
      if (vo->kind == PS_TRAIN_VIEW_HEATMAP || vo->kind == PS_TRAIN_VIEW_WEIGHT_TILES)
        ps_animation_options_keep_colormap (ao, vo->kind == PS_TRAIN_VIEW_HEATMAP ? vo->figure.colormap
                                                                                  : PS_COLORMAP_DIVERGING);
      if (!ps_animation_write_contact_sheet (out, n, ps_train_frames_draw_frame, fr, columns, ao, &error))
        rc = ps_cli_error (error);
      else
        {
          g_autoptr (GString) which = g_string_new ("");
          for (guint i = 0; i < n; i++)
            g_string_append_printf (which, "%s%u", i ? "," : "", ps_train_frames_get_index (fr, i) + 1);
          double lo, hi;
          g_autofree char *range = ps_train_frames_get_range (fr, &lo, &hi)
                                   ? g_strdup_printf ("; one range %.4g to %.4g", lo, hi) : g_strdup ("");
          if (columns == 0)
            printf ("wrote %s (%u pages: sub-steps %s of %u, view %s%s)\n", out, n, which->str, rs.records->len,
                    ps_train_view_name (vo->kind), range);
          else
            printf ("wrote %s (%u frames, %u per row: sub-steps %s of %u, view %s%s)\n", out, n, MIN (columns, n),
                    which->str, rs.records->len, ps_train_view_name (vo->kind), range);
          rc = 0;
        }
    }
  g_clear_pointer (&fr, ps_train_frames_free);
  ps_cli_records_clear (&rs);
  return rc;
}

int
ps_cli_cmd_contact_sheet (int argc, char **argv)
{
  Common c = { 0 };
  const char *steps_s = NULL, *columns_s = NULL, *train_steps_s = NULL, *view_s = NULL, *what_s = NULL;
  gboolean sub_steps = FALSE;
  const PsCliOption options[] = {
    { "--view", &view_s }, { "--what", &what_s }, { "--sub-steps", NULL, &sub_steps },
    { "--train-steps", &train_steps_s },
    { "--param", &c.param }, { "--out", &c.out }, { "--kind", &c.kind }, { "--steps", &steps_s },
    { "--columns", &columns_s }, { "--colormap", &c.cmap }, { "--range", &c.range },
    { "--bins", &c.bins }, { "--log", NULL, &c.log_y }, { "--width", &c.width },
    { "--height", &c.height }, { "--scale", &c.scale }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("contact-sheet", sheet_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  sub_steps |= view_s != NULL || what_s != NULL || train_steps_s != NULL;
  if (steps_s != NULL && train_steps_s != NULL)
    return ps_cli_usage_error ("contact-sheet", "give --steps or --train-steps, not both");
  if ((c.param == NULL && view_s == NULL) || (steps_s == NULL && train_steps_s == NULL) || c.out == NULL)
    return ps_cli_usage_error ("contact-sheet", "--param PATH (or --view VIEW), --steps LIST and --out FILE are required");
  PsFigureOptions fo;
  double width = 480, height = 320, scale = 1;
  if (!common_options (&c, &fo, &width, &height, &scale, &error))
    return ps_cli_usage_error ("contact-sheet", "%s", error->message);
  PsTrainViewOptions vo;
  int vrc = sub_steps ? train_view_options ("contact-sheet", view_s, &c, what_s, &fo, scale, &vo) : -1;
  if (vrc >= 0)
    return vrc;
  PsExportFormat fmt;
  if (!ps_export_format_for_path (c.out, &fmt, &error))
    return ps_cli_usage_error ("contact-sheet", "%s", error->message);
  guint64 v;
  gboolean columns_given = columns_s != NULL;
  guint columns = 0;
  if (columns_s)
    {
      if (!ps_cli_parse_count ("--columns", columns_s, 1000, &v, &error))
        return ps_cli_usage_error ("contact-sheet", "%s", error->message);
      columns = (guint) v;
      if (columns == 0 && fmt != PS_EXPORT_PDF)
        return ps_cli_usage_error ("contact-sheet", "--columns 0 (one frame per page) needs a .pdf");
    }

  g_autoptr (PsTimeline) tl = NULL;
  int rc = load ("contact-sheet", g_ptr_array_index (pos, 0), sub_steps, &tl);
  if (tl == NULL)
    return rc;
  if (sub_steps)
    {
      PsAnimationOptions sao;
      ps_animation_options_init (&sao, width, height);
      sao.scale = scale;
      return sheet_sub_steps (tl, &vo, c.out, train_steps_s ? train_steps_s : steps_s, train_steps_s != NULL,
                              columns_given, columns, fmt, &sao);
    }
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint));
  /* the timeline's steps 0..n, in the order given */
  const PsFrameListRules rules = { PS_FRAME_LIST_FROM_0, ps_timeline_get_n_steps (tl) + 1, NULL, 1000, "step", NULL };
  if (!ps_frame_list_parse_rules (steps_s, &rules, steps, &error))
    return ps_cli_usage_error ("contact-sheet", "--steps: %s", error->message);
  /* chosen steps are an explicit request: a step without the parameter is an error */
  g_autoptr (PsFigureSequence) seq = ps_figure_sequence_new (tl, c.param, (guint *) steps->data, steps->len,
                                                             &fo, FALSE, &error);
  if (seq == NULL)
    return ps_cli_error (error);
  guint n = ps_figure_sequence_get_n_frames (seq);
  if (!columns_given && fmt != PS_EXPORT_PDF)
    columns = (guint) ceil (sqrt ((double) n));
  PsAnimationOptions ao;
  ps_animation_options_init (&ao, width, height);
  ao.scale = scale;
  if (!ps_animation_write_contact_sheet (c.out, n, ps_figure_sequence_draw_frame, seq, columns, &ao, &error))
    return ps_cli_error (error);
  if (columns == 0)
    printf ("wrote %s (%u pages)\n", c.out, n);
  else
    printf ("wrote %s (%u frames, %u per row)\n", c.out, n, MIN (columns, n));
  return 0;
}
