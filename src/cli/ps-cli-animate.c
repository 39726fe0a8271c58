/* ps-cli-animate.c — `paramscope-cli animate` (a parameter's heatmap or histogram over a range of
 * steps as an animated GIF or a numbered PNG/SVG series) and `paramscope-cli contact-sheet` (chosen
 * steps side by side, or one per PDF page). Frames share one colour range / one set of bins
 * (ps-figure-sequence), so what changes between frames is the data. */
#include "ps-cli-private.h"
#include "ps-animation.h"
#include "ps-figure-sequence.h"
#include "ps-train-ops.h"
#include "ps-train-object.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char animate_usage[] =
  "Usage: paramscope-cli animate RECIPE.json --param PATH --out FILE.gif|DIR/ [options]\n"
  "\n"
  "Draw one parameter (or buffer, or forward output) at every step from --from to --to and write\n"
  "the frames as an animated GIF, or as numbered pictures DIR/PARAM-0001.png … when --out names a\n"
  "folder (ends with '/' or exists). All frames share one colour range (heatmap) or one set of bins\n"
  "(histogram). Steps before the parameter exists (or while a lazy one is uninitialized) are skipped.\n"
  "\n"
  "  --param PATH            what to draw ('0.weight', 'fc.weight', …)\n"
  "  --out FILE.gif | DIR/   the animation or the folder for the series (written atomically)\n"
  "  --kind heatmap|histogram   (default heatmap)\n"
  "  --from A --to B         first and last step (default: 0 and the last step)\n"
  "  --sub-steps             frames at the recorded sub-steps of the recipe's train ops instead (the\n"
  "                          Training page's scale; --from/--to/--every count them, 1 to N)\n"
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
  "\n"
  "Draw one parameter at chosen steps on one sheet for slides: a grid of frames on one page (.png,\n"
  ".svg, .pdf) or, for a PDF without --columns, one frame per page. The frames share one colour\n"
  "range / one set of bins.\n"
  "\n"
  "  --param PATH            what to draw\n"
  "  --steps LIST            steps, e.g. 0,2,5 or 0-3,8\n"
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
  if (c->cmap)
    {
      const PsColormap *cm = ps_colormap_by_name (c->cmap);
      if (cm != NULL)
        o->colormap = cm->kind;
      else
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "--colormap must be diverging, viridis or grayscale, got '%s'", c->cmap);
          return FALSE;
        }
    }
  if (c->range)
    {
      if (g_str_equal (c->range, "symmetric")) o->range = PS_HEATMAP_RANGE_SYMMETRIC;
      else if (g_str_equal (c->range, "robust")) o->range = PS_HEATMAP_RANGE_ROBUST;
      else if (g_str_equal (c->range, "minmax")) o->range = PS_HEATMAP_RANGE_MINMAX;
      else
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "--range must be symmetric, robust or minmax, got '%s'", c->range);
          return FALSE;
        }
    }
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

static int
load (const char *command, const char *recipe, PsTimeline **tl)
{
  g_autoptr (GError) error = NULL;
  if (!ps_cli_load_timeline (recipe, -1, tl, &error))
    {
      if (*tl == NULL)
        return ps_cli_error (error);
      fprintf (stderr, "note: %s; showing the steps before it\n", error->message);
    }
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

/* animate --sub-steps: the parameter at the recorded sub-steps (1..N across the train ops, as the
 * Training page numbers them); a snapshot dropped under the memory budget is replayed */
static int
animate_sub_steps (PsTimeline *tl, const Common *c, const PsFigureOptions *fo, PsAnimationOptions *ao,
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
  const char *bad = NULL;
  if (n_rec == 0)
    bad = "--sub-steps: the recipe records no training sub-steps";
  else if (from_s && (!ps_cli_parse_count ("--from", from_s, n_rec, &v, &error) || v == 0))
    bad = "--from must be at least 1";
  else if (from_s)
    from = (guint) v;
  if (bad == NULL && to_s && (!ps_cli_parse_count ("--to", to_s, n_rec, &v, &error) || v == 0))
    bad = "--to must be at least 1";
  else if (bad == NULL && to_s)
    to = (guint) v;
  if (bad != NULL)
    {
      ps_cli_records_clear (&rs);
      if (n_rec == 0)
        return ps_cli_usage_error ("animate", "%s", bad);
      return ps_cli_usage_error ("animate", "%s (sub-steps are 1 to %u)", error ? error->message : bad, n_rec);
    }
  if (from > to)
    {
      ps_cli_records_clear (&rs);
      return ps_cli_usage_error ("animate", "--from %u is after --to %u", from, to);
    }
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_state_unref);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new ();
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) shown = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint64 k = from; k <= to; k = (k + every > to && k != to) ? to : k + every)
    {
      guint i = (guint) k - 1;
      PsState *st = ps_train_log_get_state (rs.logs->pdata[i], g_array_index (rs.index, guint, i), &error);
      if (st == NULL)
        {
          ps_cli_records_clear (&rs);
          return ps_cli_error (error);
        }
      g_ptr_array_add (states, st);
      g_autofree char *where = g_strdup_printf ("sub-step %u", (guint) k);
      PsTensor *t = ps_figure_find_tensor (st, c->param, where, &error);
      if (t == NULL)
        {
          ps_cli_records_clear (&rs);
          return ps_cli_error (error);
        }
      g_ptr_array_add (tensors, t);
      g_ptr_array_add (labels, g_strdup_printf ("training step %" G_GINT64_FORMAT " (sub-step %u of %u)",
                                                g_array_index (rs.x, int64_t, i), (guint) k, n_rec));
      guint kk = (guint) k;
      g_array_append_val (shown, kk);
      if (k == to)
        break;
    }
  ps_cli_records_clear (&rs);
  g_autoptr (PsFigureSequence) seq = ps_figure_sequence_new_for_tensors ((PsTensor *const *) tensors->pdata,
                                                                         (const char *const *) labels->pdata,
                                                                         tensors->len, c->param, fo, &error);
  if (seq == NULL)
    return ps_cli_error (error);
  guint n = tensors->len;
  if (gif)
    {
      g_autofree guint *delays = g_new (guint, n);
      for (guint i = 0; i < n; i++)
        delays[i] = i + 1 == n ? last_delay : ao->delay_cs;
      ao->delays_cs = delays;
      gboolean ok = ps_animation_write_gif (c->out, n, ps_figure_sequence_draw_frame, seq, ao, &error);
      ao->delays_cs = NULL;
      if (!ok)
        return ps_cli_error (error);
      printf ("wrote %s (%u frames: sub-steps %u–%u of %u)\n", c->out, n, g_array_index (shown, guint, 0),
              g_array_index (shown, guint, n - 1), n_rec);
      return 0;
    }
  g_autofree char *stem = stem_of (c->param);
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  if (!ps_animation_write_series (c->out, stem, series_fmt, n, ps_figure_sequence_draw_frame, seq, ao, written,
                                  &error))
    return ps_cli_error (error);
  for (guint i = 0; i < written->len; i++)
    printf ("wrote %s (sub-step %u)\n", (char *) g_ptr_array_index (written, i), g_array_index (shown, guint, i));
  return 0;
}

int
ps_cli_cmd_animate (int argc, char **argv)
{
  Common c = { 0 };
  const char *from_s = NULL, *to_s = NULL, *every_s = NULL, *format_s = NULL, *delay_s = NULL;
  const char *last_delay_s = NULL, *loop_s = NULL;
  gboolean sub_steps = FALSE;
  const PsCliOption options[] = {
    { "--param", &c.param }, { "--out", &c.out }, { "--kind", &c.kind }, { "--from", &from_s },
    { "--to", &to_s }, { "--every", &every_s }, { "--format", &format_s }, { "--delay", &delay_s },
    { "--last-delay", &last_delay_s }, { "--loop", &loop_s }, { "--colormap", &c.cmap },
    { "--range", &c.range }, { "--bins", &c.bins }, { "--log", NULL, &c.log_y }, { "--sub-steps", NULL, &sub_steps },
    { "--width", &c.width }, { "--height", &c.height }, { "--scale", &c.scale }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("animate", animate_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  if (c.param == NULL)
    return ps_cli_usage_error ("animate", "--param PATH is required");
  if (c.out == NULL)
    return ps_cli_usage_error ("animate", "--out FILE.gif or DIR/ is required");
  PsFigureOptions fo;
  double width = 720, height = 450, scale = 1;
  if (!common_options (&c, &fo, &width, &height, &scale, &error))
    return ps_cli_usage_error ("animate", "%s", error->message);

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
  int rc = load ("animate", g_ptr_array_index (pos, 0), &tl);
  if (tl == NULL)
    return rc;
  if (sub_steps)
    return animate_sub_steps (tl, &c, &fo, &ao, from_s, to_s, every, gif, series_fmt, last_delay);
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

/* "0,2,5" or "0-3,8": steps in the given order, each ≤ last. */
static gboolean
parse_steps (const char *text, guint last, GArray *out, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      char *dash = strchr (p, '-');
      guint64 a, b;
      if (dash)
        {
          *dash = '\0';
          if (!ps_cli_parse_count ("--steps", p, last, &a, error) ||
              !ps_cli_parse_count ("--steps", dash + 1, last, &b, error))
            return FALSE;
          if (a > b)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--steps: range %s-%s goes backwards", p, dash + 1);
              return FALSE;
            }
        }
      else
        {
          if (!ps_cli_parse_count ("--steps", p, last, &a, error))
            return FALSE;
          b = a;
        }
      for (guint64 s = a; s <= b; s++)
        {
          if (out->len >= 1000)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--steps: more than 1000 frames on one sheet");
              return FALSE;
            }
          guint sv = (guint) s;
          g_array_append_val (out, sv);
        }
    }
  if (out->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--steps: no step given");
      return FALSE;
    }
  return TRUE;
}

int
ps_cli_cmd_contact_sheet (int argc, char **argv)
{
  Common c = { 0 };
  const char *steps_s = NULL, *columns_s = NULL;
  const PsCliOption options[] = {
    { "--param", &c.param }, { "--out", &c.out }, { "--kind", &c.kind }, { "--steps", &steps_s },
    { "--columns", &columns_s }, { "--colormap", &c.cmap }, { "--range", &c.range },
    { "--bins", &c.bins }, { "--log", NULL, &c.log_y }, { "--width", &c.width },
    { "--height", &c.height }, { "--scale", &c.scale }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int parsed = ps_cli_parse_one ("contact-sheet", sheet_usage, argc, argv, options, pos, "RECIPE");
  if (parsed >= 0)
    return parsed;
  if (c.param == NULL || steps_s == NULL || c.out == NULL)
    return ps_cli_usage_error ("contact-sheet", "--param PATH, --steps LIST and --out FILE are required");
  PsFigureOptions fo;
  double width = 480, height = 320, scale = 1;
  if (!common_options (&c, &fo, &width, &height, &scale, &error))
    return ps_cli_usage_error ("contact-sheet", "%s", error->message);
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
  int rc = load ("contact-sheet", g_ptr_array_index (pos, 0), &tl);
  if (tl == NULL)
    return rc;
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!parse_steps (steps_s, ps_timeline_get_n_steps (tl), steps, &error))
    return ps_cli_usage_error ("contact-sheet", "%s (the timeline has steps 0 to %u)", error->message,
                               ps_timeline_get_n_steps (tl));
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
