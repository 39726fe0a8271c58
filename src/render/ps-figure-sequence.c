/* ps-figure-sequence.c — see ps-figure-sequence.h. */
#include "ps-figure-sequence.h"
#include "ps-heatmap.h"
#include "ps-histogram.h"
#include "ps-histogram-plot.h"
#include "ps-stats.h"

#include <math.h>
#include <string.h>

typedef struct {
  guint step;
  PsTensor *tensor;
  char *title;
  char *subtitle;
  PsHeatmap *heatmap;
  PsHistogram *hist;
  PsStats stats;
  PsHistogramPlotOptions hopts;
  PsHistogramPlot plot;
} Frame;

struct _PsFigureSequence {
  PsFigureKind kind;
  char *title;
  GArray *frames;           /* Frame */
  double lo, hi;
};

static void
frame_clear (gpointer p)
{
  Frame *f = p;
  if (f->heatmap)
    ps_heatmap_free (f->heatmap);
  if (f->hist)
    ps_histogram_free (f->hist);
  if (f->tensor)
    ps_tensor_unref (f->tensor);
  g_free (f->title);
  g_free (f->subtitle);
}

void
ps_figure_sequence_free (PsFigureSequence *seq)
{
  if (seq == NULL)
    return;
  g_array_unref (seq->frames);
  g_free (seq->title);
  g_free (seq);
}

static gboolean finish (PsFigureSequence *seq, const PsFigureOptions *o, double lo, double hi, GError **error);

/* Widens [lo, hi] by the colour range a heatmap of `t` alone would have under `o` (its range rule;
 * a histogram's frames take the min/max). */
static gboolean
widen_range (PsTensor *t, const PsFigureOptions *o, double *lo, double *hi, GError **error)
{
  PsHeatmapOptions ho;
  ps_heatmap_options_init (&ho);
  ho.colormap = o->colormap;
  ho.range = o->kind == PS_FIGURE_HEATMAP ? o->range : PS_HEATMAP_RANGE_MINMAX;
  ho.robust_q = o->robust_q > 0 ? o->robust_q : 0.995;
  g_autoptr (PsHeatmap) hm = ps_heatmap_new (t, &ho, error);
  if (hm == NULL)
    return FALSE;
  double flo, fhi;
  ps_heatmap_get_range (hm, &flo, &fhi);
  if (isfinite (flo) && isfinite (fhi))
    {
      *lo = MIN (*lo, flo);
      *hi = MAX (*hi, fhi);
    }
  return TRUE;
}

static gboolean
missing (const GError *e)
{
  return g_error_matches (e, PS_ERROR, PS_ERROR_NOT_FOUND) ||
         g_error_matches (e, PS_ERROR, PS_ERROR_UNINITIALIZED);
}

PsFigureSequence *
ps_figure_sequence_new (const PsTimeline *tl, const char *path, const guint *steps, guint n_steps,
                        const PsFigureOptions *o, gboolean skip_missing, GError **error)
{
  g_return_val_if_fail (tl != NULL && path != NULL && o != NULL, NULL);
  if (o->kind != PS_FIGURE_HEATMAP && o->kind != PS_FIGURE_HISTOGRAM)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "frames over steps are heatmaps or histograms");
      return NULL;
    }
  g_autoptr (PsFigureSequence) seq = g_new0 (PsFigureSequence, 1);
  seq->kind = o->kind;
  seq->title = g_strdup (path);
  seq->frames = g_array_new (FALSE, TRUE, sizeof (Frame));
  g_array_set_clear_func (seq->frames, frame_clear);
  int64_t seed = ps_timeline_get_recipe (tl)->seed;

  /* find the tensors; per-frame heatmaps give each frame's range in the chosen mode */
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = 0; i < n_steps; i++)
    {
      PsFigureOptions fo = *o;
      fo.kind = PS_FIGURE_HEATMAP;
      fo.step = steps[i];
      fo.diff_from = -1;
      g_autoptr (GError) local = NULL;
      g_autoptr (PsFigure) fig = ps_figure_new (tl, path, &fo, &local);
      if (fig == NULL)
        {
          if (skip_missing && missing (local))
            continue;
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      Frame f = { 0 };
      f.step = steps[i];
      f.tensor = ps_tensor_ref (ps_figure_get_tensor (fig));
      g_array_append_val (seq->frames, f);
      if (!widen_range (f.tensor, o, &lo, &hi, error))
        return NULL;
    }
  guint n = seq->frames->len;
  if (n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   "'%s' does not exist (or is uninitialized) at any of the %u chosen steps", path, n_steps);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      Frame *f = &g_array_index (seq->frames, Frame, i);
      f->subtitle = g_strdup_printf ("step %u · frame %u of %u · seed %" G_GINT64_FORMAT " · %s",
                                     f->step, i + 1, n, seed,
                                     o->kind == PS_FIGURE_HEATMAP ? "one colour range for all frames"
                                                                  : "the same bins in every frame");
    }
  if (!finish (seq, o, lo, hi, error))
    return NULL;
  return g_steal_pointer (&seq);
}

/* the shared range from the frames' [lo, hi], then each frame's heatmap or histogram */
static gboolean
finish (PsFigureSequence *seq, const PsFigureOptions *o, double lo, double hi, GError **error)
{
  guint n = seq->frames->len;
  if (o->kind == PS_FIGURE_HEATMAP && o->range == PS_HEATMAP_RANGE_SYMMETRIC && hi >= lo)
    {
      double m = MAX (fabs (lo), fabs (hi));
      lo = -m;
      hi = m;
    }
  if (!(hi > lo))
    {
      double c = isfinite (lo) ? lo : 0;
      double d = c == 0 ? 1 : fabs (c) * 0.5;
      lo = c - d;
      hi = c + d;
    }
  seq->lo = lo;
  seq->hi = hi;

  for (guint i = 0; i < n; i++)
    {
      Frame *f = &g_array_index (seq->frames, Frame, i);
      if (o->kind == PS_FIGURE_HEATMAP)
        {
          PsHeatmapOptions ho;
          ps_heatmap_options_init (&ho);
          ho.title = seq->title;
          ho.subtitle = f->subtitle;
          ho.colormap = o->colormap;
          ho.range = PS_HEATMAP_RANGE_FIXED;
          ho.range_label = "shared by all frames";
          ho.lo = lo;
          ho.hi = hi;
          ho.scale = o->scale > 0 ? o->scale : 1;
          f->heatmap = ps_heatmap_new (f->tensor, &ho, error);
          if (f->heatmap == NULL)
            return FALSE;
        }
      else
        {
          f->hist = ps_histogram_new (o->bins > 0 ? o->bins : 64, lo, hi, f->tensor->dtype, error);
          if (f->hist == NULL)
            return FALSE;
          ps_stats_init (&f->stats);
          if (!ps_histogram_add_with_stats (f->hist, f->tensor, &f->stats, error))
            return FALSE;
          ps_stats_finish (&f->stats);
          ps_histogram_plot_options_init (&f->hopts);
          /* the histogram plot does not append the shape itself (the heatmap does) */
          g_autofree char *shape = ps_tensor_shape_string (f->tensor);
          f->title = g_strdup_printf ("%s %s", seq->title, shape);
          f->hopts.title = f->title;
          f->hopts.subtitle = f->subtitle;
          f->hopts.log_y = o->log_y;
          f->hopts.stats = &f->stats;
          f->hopts.scale = o->scale > 0 ? o->scale : 1;
        }
    }
  /* the plots point into the frames array, which no longer moves */
  for (guint i = 0; i < n && o->kind == PS_FIGURE_HISTOGRAM; i++)
    {
      Frame *f = &g_array_index (seq->frames, Frame, i);
      f->plot.h = f->hist;
      f->plot.o = &f->hopts;
    }
  return TRUE;
}

PsFigureSequence *
ps_figure_sequence_new_for_tensors (PsTensor *const *tensors, const char *const *labels, guint n,
                                    const char *title, const PsFigureOptions *o, GError **error)
{
  g_return_val_if_fail (title != NULL && o != NULL && (n == 0 || (tensors != NULL && labels != NULL)), NULL);
  if (o->kind != PS_FIGURE_HEATMAP && o->kind != PS_FIGURE_HISTOGRAM)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "frames over steps are heatmaps or histograms");
      return NULL;
    }
  if (n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s': no frames", title);
      return NULL;
    }
  g_autoptr (PsFigureSequence) seq = g_new0 (PsFigureSequence, 1);
  seq->kind = o->kind;
  seq->title = g_strdup (title);
  seq->frames = g_array_new (FALSE, TRUE, sizeof (Frame));
  g_array_set_clear_func (seq->frames, frame_clear);
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = 0; i < n; i++)
    {
      Frame f = { 0 };
      f.step = i;
      f.tensor = ps_tensor_ref (tensors[i]);
      f.subtitle = g_strdup_printf ("%s · frame %u of %u · %s", labels[i], i + 1, n,
                                    o->kind == PS_FIGURE_HEATMAP ? "one colour range for all frames"
                                                                 : "the same bins in every frame");
      g_array_append_val (seq->frames, f);
      if (!widen_range (tensors[i], o, &lo, &hi, error))
        return NULL;
    }
  if (!finish (seq, o, lo, hi, error))
    return NULL;
  return g_steal_pointer (&seq);
}

guint
ps_figure_sequence_get_n_frames (PsFigureSequence *seq)
{
  return seq->frames->len;
}

guint
ps_figure_sequence_get_step (PsFigureSequence *seq, guint frame)
{
  g_return_val_if_fail (frame < seq->frames->len, 0);
  return g_array_index (seq->frames, Frame, frame).step;
}

void
ps_figure_sequence_get_range (PsFigureSequence *seq, double *lo, double *hi)
{
  *lo = seq->lo;
  *hi = seq->hi;
}

void
ps_figure_sequence_draw_frame (cairo_t *cr, double width, double height, guint frame,
                               gpointer data)
{
  PsFigureSequence *seq = data;
  g_return_if_fail (frame < seq->frames->len);
  Frame *f = &g_array_index (seq->frames, Frame, frame);
  if (f->heatmap)
    ps_heatmap_draw (f->heatmap, cr, width, height);
  else
    ps_histogram_plot_draw (&f->plot, cr, width, height);
}
