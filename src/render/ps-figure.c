/* ps-figure.c — see ps-figure.h. */
#include "ps-figure.h"

#include <math.h>
#include <string.h>

#include "ps-difference.h"
#include "ps-export.h"
#include "ps-histogram-plot.h"
#include "ps-plot.h"
#include "ps-ridgeline.h"
#include "ps-op.h"
#include "ps-distribution.h"

#define MAX_OVER_TIME_STEPS 48

struct _PsFigure {
  PsFigureKind kind;
  char *title;
  char *subtitle;
  PsTensor *tensor;              /* shown tensor (or the difference) */
  PsInitInfo init;
  /* heatmap */
  PsHeatmap *heatmap;
  /* histogram */
  PsHistogram *hist;
  PsStats stats;
  PsHistogramPlotOptions hopts;
  PsHistogramPlot hplot;
  /* over time */
  GPtrArray *hists;              /* PsHistogram* */
  GArray *steps;                 /* int64_t */
  GArray *quantiles;             /* double, n × PS_STATS_N_STANDARD_QUANTILES */
  PsRidgelineOptions ropts;
  PsRidgeline ridge;
  PsBands bands;
  /* small multiples */
  GPtrArray *parts;              /* PsFigure* */
  gboolean shared_range;
  double shared_lo, shared_hi;
  double scale;
  char *step_name;
  /* norm chart */
  GArray *norms, *rel;           /* double */
  PsNormChartOptions nopts;
  PsNormChart nchart;
  char *x_title;
};

void
ps_figure_options_init (PsFigureOptions *o)
{
  memset (o, 0, sizeof *o);
  o->kind = PS_FIGURE_HEATMAP;
  o->diff_from = -1;
  o->colormap = PS_COLORMAP_DIVERGING;
  o->range = PS_HEATMAP_RANGE_SYMMETRIC;
  o->robust_q = 0.995;
  o->bins = 64;
  o->scale = 1.0;
}

/* The parameter/buffer at `path` in a state: a state_dict key of the root first, then a recipe
 * target, then a forward output name. NULL (no error) when it does not exist at that step. */
static gboolean
find_tensor (const PsState *st, const char *path, PsTensor **tensor, PsInitInfo *init, gboolean *exists,
             GError **error)
{
  *tensor = NULL;
  *exists = FALSE;
  ps_init_info_clear (init);
  PsModule *root = ps_state_get_root (st);
  if (root != NULL)
    {
      g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
      for (guint i = 0; i < sd->len; i++)
        {
          PsNamedItem *it = g_ptr_array_index (sd, i);
          if (strcmp (it->path, path) == 0)
            {
              *exists = TRUE;
              *tensor = it->param->value;
              *init = it->param->init;
              return TRUE;
            }
        }
    }
  PsParam *p = NULL;
  if (strchr (path, '.') != NULL && ps_state_resolve (st, path, NULL, &p, NULL) && p != NULL)
    {
      *exists = TRUE;
      *tensor = p->value;
      *init = p->init;
      return TRUE;
    }
  PsTensor *out = ps_state_get_output (st, path);
  if (out != NULL)
    {
      *exists = TRUE;
      *tensor = out;
      return TRUE;
    }
  return TRUE;
}

static gboolean
tensor_at (const PsTimeline *tl, guint step, const char *path, PsTensor **tensor, PsInitInfo *init,
           GError **error)
{
  if (step > ps_timeline_get_n_steps (tl))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "step %u does not exist (the timeline has steps 0 to %u)",
                   step, ps_timeline_get_n_steps (tl));
      return FALSE;
    }
  gboolean exists;
  PsState *state = ps_timeline_get_state_full (tl, step, error);   /* a dropped step may not fit */
  if (state == NULL || !find_tensor (state, path, tensor, init, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   "'%s' is not a parameter, buffer or output at step %u (use a state_dict name such as "
                   "'0.weight' or a recipe target such as 'fc.weight')", path, step);
      return FALSE;
    }
  if (*tensor == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   "'%s' is uninitialized at step %u: a lazy parameter gets its shape and values at the first forward",
                   path, step);
      return FALSE;
    }
  return TRUE;
}

PsTensor *
ps_figure_find_tensor (const PsState *st, const char *path, const char *where, GError **error)
{
  g_return_val_if_fail (st != NULL && path != NULL && where != NULL, NULL);
  PsTensor *t = NULL;
  PsInitInfo init;
  gboolean exists;
  if (!find_tensor (st, path, &t, &init, &exists, error))
    return NULL;
  if (!exists)
    g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' is not a parameter, buffer or output at %s", path, where);
  else if (t == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                 "'%s' is uninitialized at %s: a lazy parameter gets its shape and values at the first forward",
                 path, where);
  return t;
}

/* The render layer appends the shape to the title itself. */
static char *
make_title (const char *path, const PsTensor *t)
{
  return g_strdup (path);
}

static char *
make_subtitle (const PsTimeline *tl, guint step, int diff_from, const PsInitInfo *init)
{
  int64_t seed = ps_timeline_get_recipe (tl)->seed;
  g_autofree char *summary = init ? ps_init_info_summary (init) : NULL;
  if (diff_from >= 0)
    return g_strdup_printf ("step %u − step %d · seed %" G_GINT64_FORMAT, step, diff_from, seed);
  if (summary != NULL && *summary)
    return g_strdup_printf ("step %u · seed %" G_GINT64_FORMAT " · %s", step, seed, summary);
  return g_strdup_printf ("step %u · seed %" G_GINT64_FORMAT, step, seed);
}

/* fixed: NULL, or the colour range [fixed[0], fixed[1]] (small multiples sharing one) */
static gboolean
build_heatmap (PsFigure *fig, const PsFigureOptions *o, const double *fixed, GError **error)
{
  PsHeatmapOptions ho;
  if (o->diff_from >= 0)
    ps_heatmap_options_init_difference (&ho);
  else
    ps_heatmap_options_init (&ho);
  ho.title = fig->title;
  ho.subtitle = fig->subtitle;
  if (o->diff_from < 0)
    ho.colormap = o->colormap;
  ho.range = o->range;
  ho.robust_q = o->robust_q > 0 ? o->robust_q : 0.995;
  ho.scale = o->scale > 0 ? o->scale : 1.0;
  ho.pool = o->pool < PS_HEATMAP_POOL_N ? o->pool : PS_HEATMAP_POOL_MAXABS;
  if (fixed != NULL)
    {
      ho.range = PS_HEATMAP_RANGE_FIXED;
      ho.range_label = "shared";
      ho.lo = fixed[0];
      ho.hi = fixed[1];
    }
  fig->heatmap = ps_heatmap_new (fig->tensor, &ho, error);
  return fig->heatmap != NULL;
}

/* fixed: NULL, or the value range [fixed[0], fixed[1]] of the bins (small multiples) */
static gboolean
build_histogram (PsFigure *fig, const PsFigureOptions *o, const double *fixed, GError **error)
{
  double lo, hi;
  const PsTensor *ts[1] = { fig->tensor };
  if (fixed != NULL)
    {
      lo = fixed[0];
      hi = fixed[1];
      goto bins;
    }
  PsHistogramRange mode = o->range == PS_HEATMAP_RANGE_ROBUST ? PS_HISTOGRAM_RANGE_ROBUST
                          : o->range == PS_HEATMAP_RANGE_SYMMETRIC ? PS_HISTOGRAM_RANGE_SYMMETRIC
                          : PS_HISTOGRAM_RANGE_MINMAX;
  if (!ps_histogram_auto_range (ts, 1, mode, 0.001, &lo, &hi, error))
    return FALSE;
  /* widen to the support of the init's distribution so the overlay is seen whole */
  double slo, shi;
  if (o->diff_from < 0 && ps_distribution_support (&fig->init, &slo, &shi) && isfinite (slo) && isfinite (shi)
      && shi - slo < 4 * (hi - lo + 1e-30))
    {
      lo = MIN (lo, slo);
      hi = MAX (hi, shi);
    }
bins:
  fig->hist = ps_histogram_new (o->bins > 0 ? o->bins : 64, lo, hi, fig->tensor->dtype, error);
  if (fig->hist == NULL)
    return FALSE;
  ps_stats_init (&fig->stats);
  if (!ps_histogram_add_with_stats (fig->hist, fig->tensor, &fig->stats, error))
    return FALSE;
  ps_stats_finish (&fig->stats);
  ps_histogram_plot_options_init (&fig->hopts);
  fig->hopts.title = fig->title;
  fig->hopts.subtitle = fig->subtitle;
  fig->hopts.log_y = o->log_y;
  fig->hopts.init = o->diff_from < 0 && ps_distribution_known (&fig->init) ? &fig->init : NULL;
  fig->hopts.stats = &fig->stats;
  fig->hopts.scale = o->scale > 0 ? o->scale : 1.0;
  fig->hplot.h = fig->hist;
  fig->hplot.o = &fig->hopts;
  return TRUE;
}

/* The i-th tensor of an over-time figure (a new ref): fetched one at a time, so a figure over the
 * steps of a timeline that keeps only a few snapshots holds one rebuilt tensor at a time, not one
 * per step (a ridgeline over 20 steps of a 64 MiB weight peaked at 1.3 GB). */
typedef PsTensor *(*OverTimeGet) (gpointer data, guint i);
static gboolean build_over_time_from (PsFigure *fig, guint n, OverTimeGet get, gpointer data, const PsFigureOptions *o,
                                      GError **error);

typedef struct {
  const PsTimeline *tl;
  const char *path;
  const GArray *steps;   /* int64_t */
  GError *error;         /* why a dropped step could not be rebuilt */
} TimelineTensors;

static PsTensor *
timeline_tensor (gpointer data, guint i)
{
  TimelineTensors *d = data;
  /* the figure keeps no tensor of an earlier step (build_over_time_from drops each before the
   * next): one rebuilt step at a time */
  ps_timeline_release_rebuilt (d->tl);
  PsTensor *t = NULL;
  PsInitInfo init;
  gboolean exists;
  PsState *state = ps_timeline_get_state_full (d->tl, (guint) g_array_index (d->steps, int64_t, i),
                                               d->error == NULL ? &d->error : NULL);
  if (state != NULL)
    find_tensor (state, d->path, &t, &init, &exists, NULL);
  return t != NULL ? ps_tensor_ref (t) : NULL;
}

static PsTensor *
list_tensor (gpointer data, guint i)
{
  return ps_tensor_ref (g_ptr_array_index ((GPtrArray *) data, i));
}

static gboolean
build_over_time (PsFigure *fig, const PsTimeline *tl, const char *path, const PsFigureOptions *o,
                 GError **error)
{
  guint n = ps_timeline_get_n_steps (tl);
  fig->steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  /* every step where it exists with values, thinned evenly to at most MAX_OVER_TIME_STEPS */
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint k = 0; k <= n; k++)
    {
      PsTensor *t;
      PsInitInfo init;
      gboolean exists;
      ps_timeline_release_rebuilt (tl);
      PsState *state = ps_timeline_get_state_full (tl, k, error);
      if (state == NULL)
        return FALSE;   /* dropped (memory budget) and no memory to rebuild it */
      if (find_tensor (state, path, &t, &init, &exists, NULL) && t != NULL)
        g_array_append_val (all, k);
    }
  if (all->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has values at no step", path);
      return FALSE;
    }
  guint stride = (all->len + MAX_OVER_TIME_STEPS - 1) / MAX_OVER_TIME_STEPS;
  for (guint i = 0; i < all->len; i++)
    {
      if (i % stride != 0 && i != all->len - 1)
        continue;
      int64_t s = g_array_index (all, guint, i);
      g_array_append_val (fig->steps, s);
    }
  /* a timeline with a memory budget rebuilds dropped steps when asked, and frees them again */
  TimelineTensors d = { tl, path, fig->steps, NULL };
  g_autoptr (GError) local = NULL;
  gboolean ok = build_over_time_from (fig, fig->steps->len, timeline_tensor, &d, o, &local);
  if (!ok)
    g_propagate_error (error, d.error != NULL ? g_steal_pointer (&d.error) : g_steal_pointer (&local));
  g_clear_error (&d.error);
  return ok;
}

static gboolean
over_time_missing (PsFigure *fig, guint i, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no values at step %" G_GINT64_FORMAT,
               g_array_index (fig->steps, int64_t, i));
  return FALSE;
}

/* Ridgeline or bands of the n tensors get() gives, at fig->steps (filled by the caller). */
static gboolean
build_over_time_from (PsFigure *fig, guint n, OverTimeGet get, gpointer data, const PsFigureOptions *o, GError **error)
{
  ps_ridgeline_options_init (&fig->ropts);
  fig->ropts.title = fig->title;
  fig->ropts.subtitle = fig->subtitle;
  fig->ropts.scale = o->scale > 0 ? o->scale : 1.0;
  g_free (fig->step_name);
  fig->step_name = g_strdup (o->step_name);
  fig->ropts.x_title = fig->step_name;
  if (o->kind == PS_FIGURE_RIDGELINE)
    {
      /* one shared range: ps_histogram_auto_range's MINMAX over all of them (the finite min and
       * max, −1…1 when none is finite), gathered one tensor at a time */
      double lo = INFINITY, hi = -INFINITY;
      int64_t n_finite = 0;
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PsTensor) t = get (data, i);
          if (t == NULL)
            return over_time_missing (fig, i, error);
          PsStats st;
          ps_stats_compute_many ((const PsTensor *const *) &t, 1, &st);
          if (st.n_finite > 0)
            {
              lo = MIN (lo, st.min);
              hi = MAX (hi, st.max);
              n_finite += st.n_finite;
            }
        }
      if (n_finite == 0)
        {
          lo = -1;
          hi = 1;
        }
      fig->hists = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_histogram_free);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PsTensor) t = get (data, i);
          if (t == NULL)
            return over_time_missing (fig, i, error);
          PsHistogram *h = ps_histogram_new (o->bins > 0 ? o->bins : 64, lo, hi, t->dtype, error);
          if (h == NULL || !ps_histogram_add (h, t, error))
            {
              ps_histogram_free (h);
              return FALSE;
            }
          g_ptr_array_add (fig->hists, h);
        }
      fig->ridge.hists = (const PsHistogram *const *) fig->hists->pdata;
      fig->ridge.steps = (const int64_t *) fig->steps->data;
      fig->ridge.n = (int) fig->hists->len;
      fig->ridge.o = &fig->ropts;
    }
  else
    {
      fig->quantiles = g_array_sized_new (FALSE, FALSE, sizeof (double), n * PS_STATS_N_STANDARD_QUANTILES);
      g_array_set_size (fig->quantiles, n * PS_STATS_N_STANDARD_QUANTILES);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PsTensor) t = get (data, i);
          if (t == NULL)
            return over_time_missing (fig, i, error);
          if (!ps_stats_quantiles (t, ps_stats_standard_quantiles, PS_STATS_N_STANDARD_QUANTILES,
                                   &g_array_index (fig->quantiles, double, i * PS_STATS_N_STANDARD_QUANTILES), error))
            return FALSE;
        }
      fig->bands.quantiles = (const double *) fig->quantiles->data;
      fig->bands.steps = (const int64_t *) fig->steps->data;
      fig->bands.n = (int) n;
      fig->bands.o = &fig->ropts;
    }
  return TRUE;
}

PsFigure *
ps_figure_new (const PsTimeline *tl, const char *path, const PsFigureOptions *o, GError **error)
{
  g_return_val_if_fail (tl != NULL && path != NULL && o != NULL, NULL);
  g_autoptr (PsFigure) fig = g_new0 (PsFigure, 1);
  fig->kind = o->kind;
  PsTensor *t = NULL;
  if (!tensor_at (tl, o->step, path, &t, &fig->init, error))
    return NULL;
  fig->title = make_title (path, t);
  if (o->diff_from >= 0 && (o->kind == PS_FIGURE_HEATMAP || o->kind == PS_FIGURE_HISTOGRAM))
    {
      PsTensor *a = NULL;
      PsInitInfo ainit;
      if (!tensor_at (tl, (guint) o->diff_from, path, &a, &ainit, error))
        return NULL;
      fig->tensor = ps_difference_new (a, t, error);
      if (fig->tensor == NULL)
        return NULL;
      g_free (fig->title);
      fig->title = g_strdup_printf ("Δ %s", path);
    }
  else
    fig->tensor = ps_tensor_ref (t);
  fig->subtitle = make_subtitle (tl, o->step, o->diff_from, &fig->init);
  gboolean ok = FALSE;
  switch (o->kind)
    {
    case PS_FIGURE_HEATMAP: ok = build_heatmap (fig, o, NULL, error); break;
    case PS_FIGURE_HISTOGRAM:
      {
        /* unlike the heatmap, the histogram plot does not append the shape itself */
        g_autofree char *shape = ps_tensor_shape_string (fig->tensor);
        char *titled = g_strdup_printf ("%s %s", fig->title, shape);
        g_free (fig->title);
        fig->title = titled;
        ok = build_histogram (fig, o, NULL, error);
        break;
      }
    case PS_FIGURE_RIDGELINE:
    case PS_FIGURE_BANDS:
      g_free (fig->subtitle);
      fig->subtitle = g_strdup_printf ("steps 0–%u · seed %" G_GINT64_FORMAT, ps_timeline_get_n_steps (tl),
                                       ps_timeline_get_recipe (tl)->seed);
      g_free (fig->title);
      fig->title = g_strdup (path);
      ok = build_over_time (fig, tl, path, o, error);
      break;
    default:
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unknown figure kind");
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&fig);
}

PsFigure *
ps_figure_new_for_tensor (PsTensor *tensor, const char *title, const char *subtitle, const PsFigureOptions *o,
                          GError **error)
{
  g_return_val_if_fail (tensor != NULL && title != NULL && o != NULL, NULL);
  if ((o->kind != PS_FIGURE_HEATMAP && o->kind != PS_FIGURE_HISTOGRAM) || o->diff_from >= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "a single tensor can be shown as a heatmap or a histogram only (the other pictures need a timeline)");
      return NULL;
    }
  g_autoptr (PsFigure) fig = g_new0 (PsFigure, 1);
  fig->kind = o->kind;
  fig->tensor = ps_tensor_ref (tensor);
  ps_init_info_clear (&fig->init);   /* no known init: no theoretical overlay */
  fig->subtitle = g_strdup (subtitle ? subtitle : "");
  gboolean ok;
  if (o->kind == PS_FIGURE_HEATMAP)
    {
      fig->title = g_strdup (title);
      ok = build_heatmap (fig, o, NULL, error);
    }
  else
    {
      /* as in ps_figure_new: the histogram plot does not append the shape itself */
      g_autofree char *shape = ps_tensor_shape_string (tensor);
      fig->title = g_strdup_printf ("%s %s", title, shape);
      ok = build_histogram (fig, o, NULL, error);
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&fig);
}

PsFigure *
ps_figure_new_for_difference (PsTensor *a, PsTensor *b, const char *title, const char *subtitle,
                              const PsFigureOptions *o, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL && title != NULL && o != NULL, NULL);
  if (o->kind != PS_FIGURE_HEATMAP && o->kind != PS_FIGURE_HISTOGRAM)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "a difference is shown as a heatmap or a histogram");
      return NULL;
    }
  g_autoptr (PsFigure) fig = g_new0 (PsFigure, 1);
  fig->kind = o->kind;
  fig->tensor = ps_difference_new (a, b, error);
  if (fig->tensor == NULL)
    return NULL;
  ps_init_info_clear (&fig->init);
  fig->subtitle = g_strdup (subtitle ? subtitle : "");
  PsFigureOptions d = *o;
  d.diff_from = 0;   /* the diverging map and no init overlay, as for a timeline's difference */
  gboolean ok;
  if (o->kind == PS_FIGURE_HEATMAP)
    {
      fig->title = g_strdup_printf ("Δ %s", title);
      ok = build_heatmap (fig, &d, NULL, error);
    }
  else
    {
      g_autofree char *shape = ps_tensor_shape_string (fig->tensor);
      fig->title = g_strdup_printf ("Δ %s %s", title, shape);
      ok = build_histogram (fig, &d, NULL, error);
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&fig);
}

gboolean
ps_figure_series_keeps (guint n, guint i)
{
  guint stride = (n + MAX_OVER_TIME_STEPS - 1) / MAX_OVER_TIME_STEPS;
  return i < n && (i % MAX (stride, 1) == 0 || i == n - 1);
}

const int64_t *
ps_figure_get_steps (PsFigure *fig, guint *n)
{
  g_return_val_if_fail (fig != NULL && n != NULL, NULL);
  *n = fig->steps ? fig->steps->len : 0;
  return fig->steps ? (const int64_t *) fig->steps->data : NULL;
}

PsFigure *
ps_figure_new_for_series (PsTensor *const *tensors, const int64_t *steps, guint n, const char *title,
                          const char *subtitle, const PsFigureOptions *o, GError **error)
{
  g_return_val_if_fail (title != NULL && o != NULL, NULL);
  if (o->kind != PS_FIGURE_RIDGELINE && o->kind != PS_FIGURE_BANDS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "a series is drawn as a ridgeline or as bands");
      return NULL;
    }
  if (n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "'%s' has values in no checkpoint", title);
      return NULL;
    }
  g_autoptr (PsFigure) fig = g_new0 (PsFigure, 1);
  fig->kind = o->kind;
  fig->tensor = ps_tensor_ref (tensors[n - 1]);
  ps_init_info_clear (&fig->init);
  fig->title = make_title (title, tensors[n - 1]);
  fig->subtitle = g_strdup (subtitle ? subtitle : "");
  fig->steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  /* thinned evenly to at most MAX_OVER_TIME_STEPS, the last one kept (ps_figure_series_keeps) */
  for (guint i = 0; i < n; i++)
    if (ps_figure_series_keeps (n, i))
      {
        g_ptr_array_add (list, tensors[i]);
        g_array_append_val (fig->steps, steps[i]);
      }
  if (!build_over_time_from (fig, list->len, list_tensor, list, o, error))
    return NULL;
  return g_steal_pointer (&fig);
}

PsFigure *
ps_figure_new_for_norms (const PsNormChart *chart)
{
  g_return_val_if_fail (chart != NULL && chart->o != NULL, NULL);
  PsFigure *fig = g_new0 (PsFigure, 1);
  fig->kind = PS_FIGURE_NORMS;
  ps_init_info_clear (&fig->init);
  fig->title = g_strdup (chart->o->title ? chart->o->title : "");
  fig->subtitle = g_strdup (chart->o->subtitle ? chart->o->subtitle : "");
  fig->x_title = g_strdup (chart->o->x_title);
  fig->steps = g_array_sized_new (FALSE, FALSE, sizeof (int64_t), chart->n);
  fig->norms = g_array_sized_new (FALSE, FALSE, sizeof (double), chart->n);
  fig->rel = g_array_sized_new (FALSE, FALSE, sizeof (double), chart->n);
  g_array_append_vals (fig->steps, chart->steps, chart->n);
  g_array_append_vals (fig->norms, chart->norms, chart->n);
  g_array_append_vals (fig->rel, chart->rel, chart->n);
  fig->nopts = *chart->o;
  fig->nopts.title = fig->title;
  fig->nopts.subtitle = fig->subtitle;
  fig->nopts.x_title = fig->x_title;
  fig->nchart = (PsNormChart) { (const int64_t *) fig->steps->data, (const double *) fig->norms->data,
                                (const double *) fig->rel->data, chart->n, &fig->nopts };
  fig->scale = chart->o->scale;
  return fig;
}

PsTensor *
ps_figure_get_tensor (PsFigure *fig)
{
  return fig->tensor;
}

void
ps_figure_free (PsFigure *fig)
{
  if (fig == NULL)
    return;
  g_free (fig->title);
  g_free (fig->subtitle);
  ps_tensor_unref (fig->tensor);
  g_clear_pointer (&fig->heatmap, ps_heatmap_free);
  g_clear_pointer (&fig->hist, ps_histogram_free);
  g_clear_pointer (&fig->hists, g_ptr_array_unref);
  g_clear_pointer (&fig->steps, g_array_unref);
  g_clear_pointer (&fig->quantiles, g_array_unref);
  g_clear_pointer (&fig->parts, g_ptr_array_unref);
  g_clear_pointer (&fig->norms, g_array_unref);
  g_clear_pointer (&fig->rel, g_array_unref);
  g_free (fig->step_name);
  g_free (fig->x_title);
  g_free (fig);
}

/* ---- small multiples ---- */

typedef struct {
  double x, y, w, h;
} Cell;

/* The grid: columns × rows cells below the header, chosen so the cells are as large as they can
 * be without getting much wider than tall. */
static void
multiples_grid (PsFigure *fig, double width, double height, double *top, int *cols, int *rows)
{
  guint n = fig->parts->len;
  *cols = *rows = 1;
  *top = ps_plot_header_height (fig->title, NULL, fig->subtitle, fig->scale) + 10 * fig->scale;
  double avail = MAX (height - *top, 1);
  double best = -1;
  for (guint c = 1; c <= n; c++)
    {
      guint r = (n + c - 1) / c;
      double cw = width / c, ch = avail / r;
      double score = MIN (cw, ch * 1.6);
      if (score > best)
        {
          best = score;
          *cols = (int) c;
          *rows = (int) r;
        }
    }
}

static void
multiples_cell (PsFigure *fig, double width, double height, guint i, Cell *c)
{
  double top;
  int cols, rows;
  multiples_grid (fig, width, height, &top, &cols, &rows);
  double cw = width / cols, ch = MAX (height - top, 1) / rows;
  c->x = floor ((i % cols) * cw);
  c->y = floor (top + (i / cols) * ch);
  c->w = floor (cw);
  c->h = floor (ch);
}

static int
multiples_cell_at (PsFigure *fig, double width, double height, double x, double y, Cell *c)
{
  for (guint i = 0; i < fig->parts->len; i++)
    {
      multiples_cell (fig, width, height, i, c);
      if (x >= c->x && y >= c->y && x < c->x + c->w && y < c->y + c->h)
        return (int) i;
    }
  return -1;
}

static void
draw_multiples (PsFigure *fig, cairo_t *cr, double width, double height)
{
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  double pad = 14 * fig->scale;
  ps_plot_header (cr, pad, pad, width - 2 * pad, fig->title, NULL, fig->subtitle, fig->scale);
  for (guint i = 0; i < fig->parts->len; i++)
    {
      Cell c;
      multiples_cell (fig, width, height, i, &c);
      cairo_save (cr);
      cairo_rectangle (cr, c.x, c.y, c.w, c.h);
      cairo_clip (cr);
      cairo_translate (cr, c.x, c.y);
      ps_figure_draw (g_ptr_array_index (fig->parts, i), cr, c.w, c.h);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

/* paths[i] at steps[i] (steps NULL: all at o->step); over_steps: one tensor at several steps
 * (titles say so) */
static PsFigure *
new_multiples (const PsTimeline *tl, const char *const *paths, const guint *steps, guint n, const PsFigureOptions *o,
               gboolean shared_range, gboolean over_steps, GError **error)
{
  if (o->kind != PS_FIGURE_HEATMAP && o->kind != PS_FIGURE_HISTOGRAM)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "small multiples are heatmaps or histograms");
      return NULL;
    }
  if (n == 0 || n > PS_FIGURE_MAX_MULTIPLES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "small multiples show 1 to %d tensors, not %u",
                   PS_FIGURE_MAX_MULTIPLES, n);
      return NULL;
    }
  g_autoptr (PsFigure) fig = g_new0 (PsFigure, 1);
  fig->kind = PS_FIGURE_MULTIPLES;
  fig->scale = o->scale > 0 ? o->scale : 1.0;
  fig->shared_range = shared_range;
  fig->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_figure_free);
  /* smaller text in the cells: they are a fraction of the picture */
  PsFigureOptions po = *o;
  po.scale = fig->scale * (n > 4 ? 0.8 : 0.9);
  for (guint i = 0; i < n; i++)
    {
      if (steps != NULL)
        po.step = steps[i];
      PsFigure *part = ps_figure_new (tl, paths[i], &po, error);
      if (part == NULL)
        return NULL;
      g_ptr_array_add (fig->parts, part);
    }
  fig->tensor = ps_tensor_ref (((PsFigure *) g_ptr_array_index (fig->parts, 0))->tensor);
  ps_init_info_clear (&fig->init);
  const char *what = o->kind == PS_FIGURE_HEATMAP ? g_dngettext (NULL, "heatmap", "heatmaps", n)
                                                  : g_dngettext (NULL, "histogram", "histograms", n);
  if (shared_range)
    {
      /* the union of their own ranges, then every part again with it */
      double lo = INFINITY, hi = -INFINITY;
      for (guint i = 0; i < n; i++)
        {
          PsFigure *part = g_ptr_array_index (fig->parts, i);
          double a, b;
          if (part->heatmap != NULL)
            ps_heatmap_get_range (part->heatmap, &a, &b);
          else
            a = part->hist->lo, b = part->hist->hi;
          lo = MIN (lo, a);
          hi = MAX (hi, b);
        }
      double fixed[2] = { lo, hi };
      for (guint i = 0; i < n; i++)
        {
          PsFigure *part = g_ptr_array_index (fig->parts, i);
          gboolean ok;
          if (steps != NULL)
            po.step = steps[i];
          if (o->kind == PS_FIGURE_HEATMAP)
            {
              g_clear_pointer (&part->heatmap, ps_heatmap_free);
              ok = build_heatmap (part, &po, fixed, error);
            }
          else
            {
              g_clear_pointer (&part->hist, ps_histogram_free);
              ok = build_histogram (part, &po, fixed, error);
            }
          if (!ok)
            return NULL;
        }
      fig->shared_lo = lo;
      fig->shared_hi = hi;
      char a[64], b[64];
      ps_plot_format_value (lo, a, sizeof a);
      ps_plot_format_value (hi, b, sizeof b);
      if (over_steps)
        fig->title = g_strdup_printf (g_dngettext (NULL, "%s at %u step side by side, one %s range [%s, %s]",
                                                   "%s at %u steps side by side, one %s range [%s, %s]", n),
                                      paths[0], n, o->kind == PS_FIGURE_HEATMAP ? "colour" : "value", a, b);
      else
        fig->title = g_strdup_printf ("%u %s side by side, one %s range [%s, %s]", n, what,
                                      o->kind == PS_FIGURE_HEATMAP ? "colour" : "value", a, b);
    }
  else if (over_steps)
    fig->title = g_strdup_printf (g_dngettext (NULL, "%s at %u step side by side, each with its own %s range",
                                               "%s at %u steps side by side, each with its own %s range", n),
                                  paths[0], n, o->kind == PS_FIGURE_HEATMAP ? "colour" : "value");
  else
    fig->title = g_strdup_printf ("%u %s side by side, each with its own %s range", n, what,
                                  o->kind == PS_FIGURE_HEATMAP ? "colour" : "value");
  if (over_steps)
    {
      GString *list = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (list, "%s%u", i ? ", " : "", steps[i]);
      fig->subtitle = g_strdup_printf ("steps %s · seed %" G_GINT64_FORMAT, list->str, ps_timeline_get_recipe (tl)->seed);
      g_string_free (list, TRUE);
    }
  else
    fig->subtitle = g_strdup_printf ("step %u · seed %" G_GINT64_FORMAT, o->step, ps_timeline_get_recipe (tl)->seed);
  return g_steal_pointer (&fig);
}

PsFigure *
ps_figure_new_multiples (const PsTimeline *tl, const char *const *paths, guint n, const PsFigureOptions *o,
                         gboolean shared_range, GError **error)
{
  g_return_val_if_fail (tl != NULL && o != NULL && (paths != NULL || n == 0), NULL);
  return new_multiples (tl, paths, NULL, n, o, shared_range, FALSE, error);
}

guint
ps_figure_steps_of_change (const PsTimeline *tl, const char *path, guint *steps, guint max_steps,
                           GError **error)
{
  g_return_val_if_fail (tl != NULL && path != NULL && (steps != NULL || max_steps == 0), 0);
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));
  PsTensor *prev = NULL;
  guint n = ps_timeline_get_n_steps (tl);
  for (guint k = 0; k <= n; k++)
    {
      PsTensor *t;
      PsInitInfo init;
      gboolean exists;
      /* a step dropped to keep within the memory budget that cannot be rebuilt now: which steps
       * changed is not known (the error says which step and why) */
      PsState *state = ps_timeline_get_state_full (tl, k, error);
      if (state == NULL)
        {
          g_clear_pointer (&prev, ps_tensor_unref);
          return 0;
        }
      if (!find_tensor (state, path, &t, &init, &exists, NULL) || t == NULL)
        {
          g_clear_pointer (&prev, ps_tensor_unref);
          continue;
        }
      /* unchanged: the same tensor (copy-on-write shares it) or the same shape and values */
      gboolean same = prev != NULL && (prev == t || (ps_tensor_same_shape (prev, t) && ps_tensor_equal (prev, t)));
      if (!same)
        g_array_append_val (all, k);
      g_clear_pointer (&prev, ps_tensor_unref);
      prev = ps_tensor_ref (t);
    }
  g_clear_pointer (&prev, ps_tensor_unref);
  if (all->len <= max_steps)
    {
      for (guint i = 0; i < all->len; i++)
        steps[i] = g_array_index (all, guint, i);
      return all->len;
    }
  /* thinned evenly, the first and the last kept */
  if (max_steps == 0)
    return 0;
  if (max_steps == 1)
    {
      steps[0] = g_array_index (all, guint, all->len - 1);
      return 1;
    }
  for (guint i = 0; i < max_steps; i++)
    steps[i] = g_array_index (all, guint, (guint) ((guint64) i * (all->len - 1) / (max_steps - 1)));
  return max_steps;
}

PsFigure *
ps_figure_new_multiples_over_steps (const PsTimeline *tl, const char *path, const guint *steps, guint n,
                                    const PsFigureOptions *o, gboolean shared_range, GError **error)
{
  g_return_val_if_fail (tl != NULL && path != NULL && o != NULL && (steps != NULL || n == 0), NULL);
  if (n > PS_FIGURE_MAX_MULTIPLES)
    n = PS_FIGURE_MAX_MULTIPLES + 1;   /* the error below */
  const char *paths[PS_FIGURE_MAX_MULTIPLES + 1];
  for (guint i = 0; i < n; i++)
    paths[i] = path;
  return new_multiples (tl, paths, steps, n, o, shared_range, TRUE, error);
}

guint
ps_figure_get_n_parts (PsFigure *fig)
{
  return fig->parts != NULL ? fig->parts->len : 1;
}

PsFigure *
ps_figure_get_part (PsFigure *fig, guint i)
{
  g_return_val_if_fail (fig != NULL && i < ps_figure_get_n_parts (fig), NULL);
  return fig->parts != NULL ? g_ptr_array_index (fig->parts, i) : fig;
}

PsHeatmap *
ps_figure_get_heatmap (PsFigure *fig)
{
  g_return_val_if_fail (fig != NULL, NULL);
  return fig->heatmap;
}

void
ps_figure_draw (PsFigure *fig, cairo_t *cr, double width, double height)
{
  switch (fig->kind)
    {
    case PS_FIGURE_HEATMAP: ps_heatmap_draw (fig->heatmap, cr, width, height); break;
    case PS_FIGURE_HISTOGRAM: ps_histogram_plot_draw (&fig->hplot, cr, width, height); break;
    case PS_FIGURE_RIDGELINE: ps_ridgeline_draw (&fig->ridge, cr, width, height); break;
    case PS_FIGURE_BANDS: ps_bands_draw (&fig->bands, cr, width, height); break;
    case PS_FIGURE_MULTIPLES: draw_multiples (fig, cr, width, height); break;
    case PS_FIGURE_NORMS: ps_norm_chart_draw (&fig->nchart, cr, width, height); break;
    default: break;
    }
}

static void
draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_figure_draw (data, cr, width, height);
}

static char *
index_string (const PsHeatmapHit *hit)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < hit->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", hit->index[i]);
  g_string_append (s, hit->ndim == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

static char *
bin_string (double lo, double hi, int64_t count)
{
  return g_strdup_printf ("[%.6g, %.6g): <b>%" G_GINT64_FORMAT "</b>", lo, hi, count);
}

char *
ps_figure_query (PsFigure *fig, double x, double y, double width, double height)
{
  switch (fig->kind)
    {
    case PS_FIGURE_MULTIPLES:
      {
        Cell c;
        int i = multiples_cell_at (fig, width, height, x, y, &c);
        if (i < 0)
          return NULL;
        PsFigure *part = g_ptr_array_index (fig->parts, i);
        g_autofree char *inner = ps_figure_query (part, x - c.x, y - c.y, c.w, c.h);
        g_autofree char *name = g_markup_escape_text (part->title, -1);
        return inner ? g_strdup_printf ("<b>%s</b>\n%s", name, inner) : g_strdup_printf ("<b>%s</b>", name);
      }
    case PS_FIGURE_HEATMAP:
      {
        PsHeatmapHit hit;
        if (!ps_heatmap_hit (fig->heatmap, x, y, &hit))
          return NULL;
        g_autofree char *idx = index_string (&hit);
        if ((hit.block_rows > 1 || hit.block_cols > 1) && hit.pool == PS_HEATMAP_POOL_MEAN)
          return g_strdup_printf ("%s = <b>%.9g</b>\n<small>mean of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                                  " cells from this one (downsampled)</small>", idx, hit.value, hit.block_rows,
                                  hit.block_cols);
        if ((hit.block_rows > 1 || hit.block_cols > 1) && hit.pool == PS_HEATMAP_POOL_STRIDE)
          return g_strdup_printf ("%s = <b>%.9g</b>\n<small>first of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                                  " cells (downsampled by stride)</small>", idx, hit.value, hit.block_rows,
                                  hit.block_cols);
        if (hit.block_rows > 1 || hit.block_cols > 1)
          return g_strdup_printf ("%s = <b>%.9g</b>\n<small>largest |x| of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                                  " cells (downsampled)</small>", idx, hit.value, hit.block_rows, hit.block_cols);
        return g_strdup_printf ("%s = <b>%.9g</b>", idx, hit.value);
      }
    case PS_FIGURE_HISTOGRAM:
      {
        PsHistogramPlotHit hit;
        if (!ps_histogram_plot_hit (&fig->hplot, width, height, x, y, &hit))
          return NULL;
        return bin_string (hit.lo, hit.hi, hit.count);
      }
    case PS_FIGURE_RIDGELINE:
      {
        int row, bin;
        if (!ps_ridgeline_hit (&fig->ridge, width, height, x, y, &row, &bin))
          return NULL;
        const PsHistogram *h = fig->ridge.hists[row];
        const char *sn = fig->step_name ? fig->step_name : "step";
        if (bin < 0 || bin >= h->n_bins)
          return g_strdup_printf ("%s %" G_GINT64_FORMAT, sn, fig->ridge.steps[row]);
        g_autofree char *b = bin_string (h->edges[bin], h->edges[bin + 1], h->counts[bin]);
        return g_strdup_printf ("%s %" G_GINT64_FORMAT "\n%s", sn, fig->ridge.steps[row], b);
      }
    case PS_FIGURE_BANDS:
      {
        int i;
        if (!ps_bands_hit (&fig->bands, width, height, x, y, &i))
          return NULL;
        const double *q = fig->bands.quantiles + (gsize) i * PS_STATS_N_STANDARD_QUANTILES;
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "%s %" G_GINT64_FORMAT, fig->step_name ? fig->step_name : "step",
                                fig->bands.steps[i]);
        for (int k = PS_STATS_N_STANDARD_QUANTILES - 1; k >= 0; k--)
          g_string_append_printf (s, "\n%g%%: %.6g", ps_stats_standard_quantiles[k] * 100, q[k]);
        return g_string_free (s, FALSE);
      }
    case PS_FIGURE_NORMS:
      return ps_norm_chart_query (&fig->nchart, width, height, x, y);
    default:
      return NULL;
    }
}

gboolean
ps_figure_export (PsFigure *fig, const char *path, double width, double height, double scale, double dpi,
                  GError **error)
{
  return ps_export_picture (path, width, height, scale, dpi, draw_func, fig, error);
}

const char *
ps_figure_get_title (PsFigure *fig)
{
  return fig->title;
}

const char *
ps_figure_get_subtitle (PsFigure *fig)
{
  return fig->subtitle ? fig->subtitle : "";
}
