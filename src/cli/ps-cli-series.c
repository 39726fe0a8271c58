/* ps-cli-series.c — `paramscope-cli series DIR|FILES…`: a training run's checkpoints as a timeline
 * (ps-checkpoint-series.h): the steps, per-tensor norms and relative changes as CSV, and one
 * tensor's ridgeline or percentile bands over the series (the figures of `ridgeline`/`bands`). */
#include "ps-cli-private.h"
#include "ps-checkpoint-series.h"
#include "ps-figure.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char series_usage[] =
  "Usage: paramscope-cli series DIR|FILE… [--csv] [--param NAME --out FILE [--figure bands|ridgeline]]\n"
  "\n"
  "Read several checkpoints — a folder (its .pt .pth .bin .ckpt .safetensors .npz files) or the\n"
  "files given — as one timeline, ordered by the step (else epoch) stored in every file, else by the\n"
  "number in their names. Tensors are matched by name (a training checkpoint's model by its\n"
  "state_dict keys). Without options: the steps and which tensors are missing or change shape.\n"
  "\n"
  "  --csv                   per checkpoint and tensor: status, count, L2 norm and the relative\n"
  "                          change from the previous checkpoint (CSV on standard output)\n"
  "  --param NAME            a tensor (\"fc1.weight\", or as stored: \"model.fc1.weight\")\n"
  "  --out FILE              .png, .svg or .pdf: NAME's percentile bands or ridgeline over the series\n"
  "  --figure KIND           bands or ridgeline (default: ridgeline when FILE's name starts with\n"
  "                          \"ridgeline\", else bands)\n"
  "  --bins N                ridgeline bins (default 64)\n"
  "  --width W --height H    size in points (default 960 × 600)\n";

int
ps_cli_cmd_series (int argc, char **argv)
{
  gboolean csv = FALSE;
  const char *param = NULL, *out = NULL, *figure = NULL, *bins_s = NULL, *width_s = NULL, *height_s = NULL;
  const PsCliOption options[] = {
    { "--csv", NULL, &csv }, { "--param", &param }, { "--out", &out }, { "--figure", &figure },
    { "--bins", &bins_s }, { "--width", &width_s }, { "--height", &height_s }, { NULL } };
  g_autoptr (GPtrArray) pos = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gboolean help;
  if (!ps_cli_parse (argc, argv, options, pos, &help, &error))
    return ps_cli_usage_error ("series", "%s", error->message);
  if (help)
    {
      fputs (series_usage, stdout);
      return 0;
    }
  if (pos->len == 0)
    return ps_cli_usage_error ("series", "expected a folder or checkpoint files");
  if ((param == NULL) != (out == NULL))
    return ps_cli_usage_error ("series", "--param and --out go together");
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = PS_FIGURE_BANDS;
  if (figure != NULL)
    {
      if (g_str_equal (figure, "bands")) o.kind = PS_FIGURE_BANDS;
      else if (g_str_equal (figure, "ridgeline")) o.kind = PS_FIGURE_RIDGELINE;
      else return ps_cli_usage_error ("series", "--figure must be bands or ridgeline, got '%s'", figure);
    }
  else if (out != NULL)
    {
      g_autofree char *base = g_path_get_basename (out);
      if (g_str_has_prefix (base, "ridgeline"))
        o.kind = PS_FIGURE_RIDGELINE;
    }
  guint64 v;
  double width = 960, height = 600;
  if (bins_s)
    {
      if (!ps_cli_parse_count ("--bins", bins_s, 100000, &v, &error) || v == 0)
        return ps_cli_usage_error ("series", "%s", error ? error->message : "--bins must be at least 1");
      o.bins = (int) v;
    }
  if (width_s)
    {
      if (!ps_cli_parse_count ("--width", width_s, 32767, &v, &error) || v < 16)
        return ps_cli_usage_error ("series", "%s", error ? error->message : "--width must be at least 16");
      width = (double) v;
    }
  if (height_s)
    {
      if (!ps_cli_parse_count ("--height", height_s, 32767, &v, &error) || v < 16)
        return ps_cli_usage_error ("series", "%s", error ? error->message : "--height must be at least 16");
      height = (double) v;
    }
  for (guint i = 0; out && i < pos->len; i++)
    if (!ps_cli_check_outputs (&out, 1, g_ptr_array_index (pos, i), &error))
      return ps_cli_error (error);

  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open ((const char *const *) pos->pdata, pos->len, &error);
  if (s == NULL)
    return ps_cli_error (error);
  for (const char *const *sk = ps_checkpoint_series_get_skipped (s); *sk; sk++)
    fprintf (stderr, "note: skipped %s\n", *sk);
  guint ns = ps_checkpoint_series_get_n_steps (s), nt = ps_checkpoint_series_get_n_tensors (s);

  if (param != NULL)
    {
      int k = ps_checkpoint_series_find_tensor (s, param);
      if (k < 0)
        {
          g_set_error (&error, PS_ERROR, PS_ERROR_NOT_FOUND, "no tensor \"%s\" in the series", param);
          return ps_cli_error (error);
        }
      g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
      g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
      guint first_shape_step = G_MAXUINT, missing = 0, reshaped = 0;
      for (guint i = 0; i < ns; i++)
        {
          PsSeriesPresence p = ps_checkpoint_series_get_presence (s, i, (guint) k);
          if (p == PS_SERIES_MISSING)
            {
              missing++;
              continue;
            }
          if (p == PS_SERIES_SHAPE_CHANGED)
            {
              fprintf (stderr, "note: %s has another shape in %s; left out\n", param,
                       ps_checkpoint_series_get_label (s, i));
              reshaped++;
              continue;
            }
          PsTensor *t = ps_checkpoint_series_load (s, i, (guint) k, &error);
          if (t == NULL)
            return ps_cli_error (error);
          if (first_shape_step == G_MAXUINT)
            first_shape_step = i;
          g_ptr_array_add (tensors, t);
          int64_t order = ps_checkpoint_series_get_order_value (s, i);
          g_array_append_val (steps, order);
        }
      /* the x axis: the step or epoch numbers when they increase, else the checkpoints' positions
       * (as the app's series window) */
      PsSeriesOrder order = ps_checkpoint_series_get_order (s);
      gboolean increasing = order == PS_SERIES_ORDER_STEP || order == PS_SERIES_ORDER_EPOCH;
      for (guint i = 1; i < steps->len; i++)
        if (g_array_index (steps, int64_t, i) <= g_array_index (steps, int64_t, i - 1))
          increasing = FALSE;
      if (!increasing)
        for (guint i = 0; i < steps->len; i++)
          g_array_index (steps, int64_t, i) = i;
      o.step_name = increasing ? ps_checkpoint_series_order_name (order) : "checkpoint";
      GString *sub = g_string_new (NULL);
      g_string_printf (sub, "%u checkpoints by %s, %s … %s", tensors->len,
                       increasing ? ps_checkpoint_series_order_name (order) : "position",
                       ps_checkpoint_series_get_label (s, 0), ps_checkpoint_series_get_label (s, ns - 1));
      if (missing > 0)
        g_string_append_printf (sub, " · missing from %u", missing);
      if (reshaped > 0)
        g_string_append_printf (sub, " · %u with another shape left out", reshaped);
      g_autofree char *subtitle = g_string_free (sub, FALSE);
      g_autoptr (PsFigure) fig = ps_figure_new_for_series ((PsTensor *const *) tensors->pdata, (const int64_t *) steps->data,
                                                           tensors->len, ps_checkpoint_series_get_tensor_name (s, (guint) k),
                                                           subtitle, &o, &error);
      if (fig == NULL || !ps_figure_export (fig, out, width, height, 1, 0, &error))
        return ps_cli_error (error);
      printf ("wrote %s\n", out);
      if (!csv)
        return 0;
    }

  if (csv)
    {
      if (!ps_checkpoint_series_compute_norms (s, NULL, NULL, NULL, &error))
        return ps_cli_error (error);
      g_autofree char *text = ps_checkpoint_series_to_csv (s);
      fputs (text, stdout);
      return 0;
    }

  printf ("%u checkpoints ordered by %s, %u tensors\n", ns,
          ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (s)), nt);
  for (guint i = 0; i < ns; i++)
    {
      guint missing = 0, changed = 0;
      for (guint k = 0; k < nt; k++)
        {
          PsSeriesPresence p = ps_checkpoint_series_get_presence (s, i, k);
          missing += p == PS_SERIES_MISSING;
          changed += p == PS_SERIES_SHAPE_CHANGED;
        }
      printf ("%4u  %-8s %8" G_GINT64_FORMAT "  %-40s %u tensors", i,
              ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (s)),
              ps_checkpoint_series_get_order_value (s, i), ps_checkpoint_series_get_label (s, i), nt - missing);
      if (missing)
        printf (", %u missing", missing);
      if (changed)
        printf (", %u with another shape", changed);
      putchar ('\n');
    }
  return 0;
}
