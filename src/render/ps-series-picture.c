/* ps-series-picture.c — see ps-series-picture.h. Moved out of the app's series pane (issue #9,
 * "a thin app"): the pane keeps only the workers' bookkeeping and the widgets. */
#include "ps-config.h"
#include "ps-series-picture.h"

#include <glib/gi18n.h>

#include "ps-checkpoint.h"
#include "ps-error.h"

struct _PsSeriesPicture {
  PsSeriesPictureKind kind;
  PsFigureOptions o;
  char *step_name;             /* bands and ridgeline: the x axis's name */
  char *name;                  /* the tensor, as the series names it */
  char *subtitle;
  char *context;               /* the accessible description's start */
  GPtrArray *paths, *stored, *wheres;   /* char*, one per tensor read */
  GArray *steps;               /* int64_t, bands and ridgeline */
};

char *
ps_series_step_name (PsCheckpointSeries *series, guint i)
{
  PsSeriesOrder o = ps_checkpoint_series_get_order (series);
  if (o == PS_SERIES_ORDER_FILE_NAME)
    return g_strdup (ps_checkpoint_series_get_label (series, i));
  return g_strdup_printf ("%s %" G_GINT64_FORMAT, ps_checkpoint_series_order_name (o),
                          ps_checkpoint_series_get_order_value (series, i));
}

const char *
ps_series_axis_name (PsCheckpointSeries *series, gboolean increasing)
{
  PsSeriesOrder o = ps_checkpoint_series_get_order (series);
  if (!increasing || (o != PS_SERIES_ORDER_STEP && o != PS_SERIES_ORDER_EPOCH))
    return "checkpoint";
  return ps_checkpoint_series_order_name (o);
}

void
ps_series_count_absent (PsCheckpointSeries *series, guint tensor, guint *missing, guint *reshaped)
{
  *missing = *reshaped = 0;
  for (guint i = 0; i < ps_checkpoint_series_get_n_steps (series); i++)
    switch (ps_checkpoint_series_get_presence (series, i, tensor))
      {
      case PS_SERIES_MISSING: (*missing)++; break;
      case PS_SERIES_SHAPE_CHANGED: (*reshaped)++; break;
      default: break;
      }
}

char *
ps_series_missing_text (PsCheckpointSeries *series, guint tensor, guint step)
{
  if (ps_checkpoint_series_get_presence (series, step, tensor) != PS_SERIES_MISSING)
    return NULL;
  guint missing, reshaped, n = ps_checkpoint_series_get_n_steps (series);
  ps_series_count_absent (series, tensor, &missing, &reshaped);
  g_autofree char *where = ps_series_step_name (series, step);
  return g_strdup_printf (_("%s is not in %s (%s): it is in %u of the %u checkpoints"),
                          ps_checkpoint_series_get_tensor_name (series, tensor), where,
                          ps_checkpoint_series_get_label (series, step), n - missing, n);
}

/* ---------- pictures read from the files ---------- */

void
ps_series_picture_free (PsSeriesPicture *p)
{
  if (p == NULL)
    return;
  g_free (p->step_name);
  g_free (p->name);
  g_free (p->subtitle);
  g_free (p->context);
  g_ptr_array_unref (p->paths);
  g_ptr_array_unref (p->stored);
  g_ptr_array_unref (p->wheres);
  g_array_unref (p->steps);
  g_free (p);
}

static PsSeriesPicture *
picture_new (PsCheckpointSeries *series, guint tensor, PsSeriesPictureKind kind, const PsFigureOptions *o,
             PsFigureKind fig_kind)
{
  PsSeriesPicture *p = g_new0 (PsSeriesPicture, 1);
  p->kind = kind;
  if (o != NULL)
    p->o = *o;
  else
    ps_figure_options_init (&p->o);
  p->o.kind = fig_kind;
  p->o.step_name = NULL;
  p->name = g_strdup (ps_checkpoint_series_get_tensor_name (series, tensor));
  p->paths = g_ptr_array_new_with_free_func (g_free);
  p->stored = g_ptr_array_new_with_free_func (g_free);
  p->wheres = g_ptr_array_new_with_free_func (g_free);
  p->steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  return p;
}

static void
picture_add (PsSeriesPicture *p, PsCheckpointSeries *series, guint tensor, guint step, char *where)
{
  const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (series, step, tensor);
  g_ptr_array_add (p->paths, g_strdup (ps_checkpoint_series_get_path (series, step)));
  g_ptr_array_add (p->stored, g_strdup (e ? e->name : p->name));
  g_ptr_array_add (p->wheres, where);
}

static PsSeriesPicture *
plan_at_step (PsCheckpointSeries *series, guint tensor, PsSeriesPictureKind kind, guint step, int compare,
              const PsFigureOptions *o, char **message)
{
  g_autofree char *where = ps_series_step_name (series, step);
  const char *label = ps_checkpoint_series_get_label (series, step);
  PsSeriesPicture *p;
  int other = kind == PS_SERIES_PICTURE_DIFFERENCE ? compare : -1;
  g_autofree char *absent = ps_series_missing_text (series, tensor, step);
  if (absent == NULL && other >= 0)
    absent = ps_series_missing_text (series, tensor, (guint) other);
  if (absent != NULL)
    {
      *message = g_steal_pointer (&absent);
      return NULL;
    }
  if (kind == PS_SERIES_PICTURE_DIFFERENCE)
    {
      if (compare < 0)
        {
          *message = g_strdup (_("The first checkpoint has no previous one: choose one to compare with"));
          return NULL;
        }
      g_autofree char *from = ps_series_step_name (series, (guint) compare);
      p = picture_new (series, tensor, kind, o, PS_FIGURE_HEATMAP);
      p->subtitle = g_strdup_printf (_("%s − %s (%s − %s)"), where, from, label,
                                     ps_checkpoint_series_get_label (series, (guint) compare));
      p->context = g_strdup_printf (_("%s − %s"), where, from);
      picture_add (p, series, tensor, (guint) compare, g_strdup (from));
      picture_add (p, series, tensor, step, g_strdup (where));
    }
  else
    {
      p = picture_new (series, tensor, kind, o,
                       kind == PS_SERIES_PICTURE_HEATMAP ? PS_FIGURE_HEATMAP : PS_FIGURE_HISTOGRAM);
      p->subtitle = g_strdup_printf ("%s · %s", where, label);
      p->context = g_strdup (where);
      picture_add (p, series, tensor, step, g_strdup (where));
    }
  return p;
}

static void
append_subtitle (char **subtitle, char *more)
{
  g_free (*subtitle);
  *subtitle = more;
}

static PsSeriesPicture *
plan_over_series (PsCheckpointSeries *series, guint tensor, PsSeriesPictureKind kind, const PsFigureOptions *o,
                  char **message)
{
  guint n_steps = ps_checkpoint_series_get_n_steps (series);
  g_autoptr (GArray) present = g_array_new (FALSE, FALSE, sizeof (guint));
  guint skipped = 0;
  gboolean increasing = TRUE;
  int64_t last = 0;
  for (guint i = 0; i < n_steps; i++)
    {
      if (ps_checkpoint_series_get_presence (series, i, tensor) != PS_SERIES_PRESENT)
        {
          skipped += ps_checkpoint_series_get_entry (series, i, tensor) != NULL;
          continue;
        }
      int64_t v = ps_checkpoint_series_get_order_value (series, i);
      if (present->len > 0 && v <= last)
        increasing = FALSE;
      last = v;
      g_array_append_val (present, i);
    }
  guint n = present->len;
  if (n == 0)
    {
      *message = g_strdup_printf (_("'%s' has values in no checkpoint"),
                                  ps_checkpoint_series_get_tensor_name (series, tensor));
      return NULL;
    }
  PsSeriesPicture *p = picture_new (series, tensor, kind, o,
                                    kind == PS_SERIES_PICTURE_BANDS ? PS_FIGURE_BANDS : PS_FIGURE_RIDGELINE);
  guint stride = (n + PS_SERIES_PICTURE_MAX_STEPS - 1) / PS_SERIES_PICTURE_MAX_STEPS;
  for (guint k = 0; k < n; k++)
    if (k % stride == 0 || k == n - 1)
      {
        guint i = g_array_index (present, guint, k);
        /* equal step numbers in two files: place them by position */
        int64_t v = increasing ? ps_checkpoint_series_get_order_value (series, i) : (int64_t) k;
        g_array_append_val (p->steps, v);
        picture_add (p, series, tensor, i, ps_series_step_name (series, i));
      }
  p->step_name = g_strdup (ps_series_axis_name (series, increasing));
  const char *by = increasing ? ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (series))
                              : _("position");
  p->subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u checkpoint by %s", "%u checkpoints by %s", n), n, by);
  if (skipped)
    append_subtitle (&p->subtitle, g_strdup_printf (_("%s · %u with another shape left out"), p->subtitle, skipped));
  guint missing, reshaped;
  ps_series_count_absent (series, tensor, &missing, &reshaped);
  if (missing > 0)
    append_subtitle (&p->subtitle, g_strdup_printf (_("%s · missing from %u"), p->subtitle, missing));
  if (n > p->steps->len)
    append_subtitle (&p->subtitle, g_strdup_printf (_("%s · %u of them drawn"), p->subtitle, p->steps->len));
  p->context = g_strdup (p->subtitle);
  return p;
}

PsSeriesPicture *
ps_series_picture_plan (PsCheckpointSeries *series, guint tensor, PsSeriesPictureKind kind, guint step,
                        int compare, const PsFigureOptions *o, char **message)
{
  g_return_val_if_fail (series != NULL && message != NULL, NULL);
  g_return_val_if_fail (tensor < ps_checkpoint_series_get_n_tensors (series), NULL);
  *message = NULL;
  if (kind == PS_SERIES_PICTURE_BANDS || kind == PS_SERIES_PICTURE_RIDGELINE)
    return plan_over_series (series, tensor, kind, o, message);
  g_return_val_if_fail (step < ps_checkpoint_series_get_n_steps (series), NULL);
  g_return_val_if_fail (compare < (int) ps_checkpoint_series_get_n_steps (series), NULL);
  return plan_at_step (series, tensor, kind, step, compare, o, message);
}

/* The i-th tensor, read from its file with a reader of its own. */
static PsTensor *
picture_load (PsSeriesPicture *p, guint i, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (p->paths->pdata[i], &local);
  PsTensor *t = ck ? ps_checkpoint_load (ck, p->stored->pdata[i], &local) : NULL;
  if (t == NULL)
    g_set_error (error, PS_ERROR, local->code, _("No %s at %s: %s"), p->name, (const char *) p->wheres->pdata[i],
                 local->message);
  return t;
}

PsFigure *
ps_series_picture_build (PsSeriesPicture *p, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < p->paths->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      PsTensor *t = picture_load (p, i, error);
      if (t == NULL)
        return NULL;
      g_ptr_array_add (tensors, t);
    }
  PsTensor **ts = (PsTensor **) tensors->pdata;
  PsFigureOptions o = p->o;
  o.step_name = p->step_name;
  switch (p->kind)
    {
    case PS_SERIES_PICTURE_DIFFERENCE:
      return ps_figure_new_for_difference (ts[0], ts[1], p->name, p->subtitle, &o, error);
    case PS_SERIES_PICTURE_BANDS:
    case PS_SERIES_PICTURE_RIDGELINE:
      return ps_figure_new_for_series (ts, (const int64_t *) p->steps->data, tensors->len, p->name, p->subtitle,
                                       &o, error);
    default:
      return ps_figure_new_for_tensor (ts[0], p->name, p->subtitle, &o, error);
    }
}

typedef struct {
  PsSeriesPicture *pic;
} BuildJob;

static void
build_job_free (gpointer data)
{
  BuildJob *j = data;
  g_clear_pointer (&j->pic, ps_series_picture_free);
  g_free (j);
}

static void
build_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BuildJob *j = data;
  GError *error = NULL;
  PsFigure *fig = ps_series_picture_build (j->pic, cancellable, &error);
  if (fig == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, fig, (GDestroyNotify) ps_figure_free);
}

void
ps_series_picture_build_async (PsSeriesPicture *p, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_series_picture_build_async);
  BuildJob *j = g_new0 (BuildJob, 1);
  j->pic = p;
  g_task_set_task_data (task, j, build_job_free);
  g_task_run_in_thread (task, build_thread);
}

PsFigure *
ps_series_picture_build_finish (GAsyncResult *result, PsSeriesPicture **p, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  BuildJob *j = g_task_get_task_data (G_TASK (result));
  if (p)
    *p = g_steal_pointer (&j->pic);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
ps_series_picture_get_name (PsSeriesPicture *p)
{
  return p->name;
}

const char *
ps_series_picture_get_context (PsSeriesPicture *p)
{
  return p->context;
}

const char *
ps_series_picture_get_subtitle (PsSeriesPicture *p)
{
  return p->subtitle;
}

guint
ps_series_picture_get_n_reads (PsSeriesPicture *p)
{
  return p->paths->len;
}

const PsFigureOptions *
ps_series_picture_get_options (PsSeriesPicture *p)
{
  return &p->o;
}

/* ---------- the norm chart ---------- */

PsFigure *
ps_series_norms_figure (PsCheckpointSeries *series, PsCheckpointSeries *norm_series, guint tensor, guint step,
                        int compare, double scale, GArray *steps, GArray *norms, GArray *rel, char **message)
{
  g_array_set_size (steps, 0);
  g_array_set_size (norms, 0);
  g_array_set_size (rel, 0);
  *message = NULL;
  guint n = ps_checkpoint_series_get_n_steps (series);
  const char *name = ps_checkpoint_series_get_tensor_name (series, tensor);
  int k = ps_checkpoint_series_find_tensor (norm_series, name);
  if (k < 0)
    {
      *message = g_strdup_printf (_("No norms for %s"), name);
      return NULL;
    }
  gboolean increasing = TRUE;
  for (guint i = 0; i < n; i++)
    {
      int64_t v = ps_checkpoint_series_get_order_value (series, i);
      if (i > 0 && v <= g_array_index (steps, int64_t, i - 1))
        increasing = FALSE;
      g_array_append_val (steps, v);
      double nv = ps_checkpoint_series_get_norm (norm_series, i, (guint) k);
      double rv = ps_checkpoint_series_get_rel_change (norm_series, i, (guint) k);
      g_array_append_val (norms, nv);
      g_array_append_val (rel, rv);
    }
  if (!increasing)
    for (guint i = 0; i < steps->len; i++)
      g_array_index (steps, int64_t, i) = i;
  g_autofree char *subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "L2 norm and relative change ‖x_t − x_t−1‖ / ‖x_t−1‖ over %u checkpoint",
                                                            "L2 norm and relative change ‖x_t − x_t−1‖ / ‖x_t−1‖ over %u checkpoints",
                                                            n), n);
  guint missing, reshaped;
  ps_series_count_absent (series, tensor, &missing, &reshaped);
  if (missing > 0)
    append_subtitle (&subtitle, g_strdup_printf (_("%s · missing from %u"), subtitle, missing));
  if (reshaped > 0)
    append_subtitle (&subtitle, g_strdup_printf (_("%s · %u with another shape (no relative change there)"), subtitle,
                                                 reshaped));
  PsNormChartOptions opts;
  ps_norm_chart_options_init (&opts);
  opts.title = name;
  opts.subtitle = subtitle;
  opts.x_title = ps_series_axis_name (series, increasing);
  opts.cursor = (int) step;
  opts.compare = compare;
  opts.scale = scale;
  PsNormChart chart = { (const int64_t *) steps->data, (const double *) norms->data, (const double *) rel->data,
                        steps->len, &opts };
  return ps_figure_new_for_norms (&chart);
}

char *
ps_series_export_name (const char *tensor, const char *page)
{
  gboolean table = g_strcmp0 (page, "changes") == 0;
  g_autofree char *safe = g_strdup (tensor != NULL && !table ? tensor : "series");
  g_strdelimit (safe, "/\\", '_');
  return g_strdup_printf ("%s-%s.%s", safe, page, table ? "csv" : "png");
}

gboolean
ps_series_export_figure (PsFigure *fig, const char *why, const char *path, double width, double height,
                         GError **error)
{
  if (fig == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Nothing to export: %s"),
                   why ? why : _("select a tensor"));
      return FALSE;
    }
  return ps_figure_export (fig, path, width, height, 1, 0, error);
}
