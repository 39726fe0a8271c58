/* ps-series-pane.c — see ps-series-pane.h. */
#include "ps-config.h"
#include "ps-series-pane.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ps-export.h"
#include "ps-figure.h"
#include "ps-file-chooser.h"
#include "ps-norm-chart.h"
#include "ps-plot-view.h"
#include "ps-series-watch.h"

enum { P_HEATMAP, P_HISTOGRAM, P_DIFFERENCE, P_BANDS, P_RIDGELINE, P_NORMS, N_PLOTS };
static const char *const plot_names[N_PLOTS] = { "heatmap", "histogram", "difference", "bands", "ridgeline", "norms" };

#define DEFAULT_PLAY_MS 700
#define MAX_CHANGE_ROWS 40

struct _PsSeriesPane {
  GtkBox parent_instance;

  GtkToggleButton *play_button;
  GtkScale *step_scale;
  GtkAdjustment *step_adjustment;
  GtkLabel *step_label;
  GtkDropDown *compare_dropdown;
  GtkStringList *compare_model;
  GtkCheckButton *follow_check;
  GtkLabel *status_label;
  AdwViewStack *view_stack;
  GtkLabel *changes_label;
  PsPlotView *heatmap_plot, *histogram_plot, *difference_plot, *bands_plot, *ridgeline_plot, *norms_plot;
  PsPlotView *plots[N_PLOTS];

  PsCheckpointSeries *series;      /* main thread only; workers open series of their own */
  PsSeriesWatch *watch;
  char *watch_dir;
  GSettings *settings;
  char *tensor_name;               /* as selected in the window */
  int tensor;                      /* series index, −1 none */
  guint step;
  int compare_choice;              /* −1 previous, else a step index */
  char *compare_path;              /* the chosen file, kept across re-ordering */
  char *step_path;
  gboolean following;
  gboolean updating;               /* programmatic changes of the controls */
  guint play_source;
  guint play_ms;

  PsFigure *figures[N_PLOTS];      /* the norms page has none: it draws the chart below */
  char *messages[N_PLOTS];
  gboolean dirty[N_PLOTS];

  /* norms of the whole series (a worker's series of its own) */
  PsCheckpointSeries *norm_series;
  GCancellable *norms_cancellable;
  gboolean norms_again;            /* the series grew while they were computed */
  guint norms_done, norms_total;   /* progress of the running worker */
  guint status_source;             /* refreshes the watched folder's pending files */
  char *norms_error;
  GArray *chart_steps, *chart_norms, *chart_rel;
  PsNormChartOptions chart_opts;
  PsNormChart chart;
  char *chart_title;
  char *chart_subtitle;
  char *x_title;

  /* largest changes */
  GCancellable *changes_cancellable;
  char *changes_key;               /* "a\nb" of what is shown or computed */
  char *changes_text;
  char *top_change;
  gboolean changes_dirty;

  char *step_text;
  char *status_text;
};

G_DEFINE_FINAL_TYPE (PsSeriesPane, ps_series_pane, GTK_TYPE_BOX)

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void refresh (PsSeriesPane *self);
static void start_norms (PsSeriesPane *self);
static void update_controls (PsSeriesPane *self);

static void
emit_error (PsSeriesPane *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, text);
}

/* ---------- state ---------- */

static guint
n_steps (PsSeriesPane *self)
{
  return self->series ? ps_checkpoint_series_get_n_steps (self->series) : 0;
}

static int
index_of_path (PsSeriesPane *self, const char *path)
{
  if (path == NULL)
    return -1;
  for (guint i = 0; i < n_steps (self); i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (self->series, i), path) == 0)
      return (int) i;
  return -1;
}

static int
resolved_compare (PsSeriesPane *self)
{
  if (self->compare_choice >= 0)
    {
      int i = index_of_path (self, self->compare_path);
      return i;
    }
  return self->step > 0 ? (int) self->step - 1 : -1;
}

static void
mark_dirty (PsSeriesPane *self, gboolean step_only)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (!step_only || i == P_HEATMAP || i == P_HISTOGRAM || i == P_DIFFERENCE || i == P_NORMS)
      self->dirty[i] = TRUE;
  self->changes_dirty = TRUE;
}

static char *
step_name (PsSeriesPane *self, guint i)
{
  PsSeriesOrder o = ps_checkpoint_series_get_order (self->series);
  if (o == PS_SERIES_ORDER_FILE_NAME)
    return g_strdup (ps_checkpoint_series_get_label (self->series, i));
  return g_strdup_printf ("%s %" G_GINT64_FORMAT, ps_checkpoint_series_order_name (o),
                          ps_checkpoint_series_get_order_value (self->series, i));
}

/* ---------- figures ---------- */

static void
figure_options (PsSeriesPane *self, PsFigureKind kind, PsFigureOptions *o)
{
  ps_figure_options_init (o);
  o->kind = kind;
  if (self->settings != NULL)
    {
      o->colormap = (PsColormapKind) g_settings_get_enum (self->settings, "colormap");
      o->scale = g_settings_get_boolean (self->settings, "projector-mode") ? 1.6 : 1.0;
    }
}

static void
set_message (PsSeriesPane *self, int page, char *text)
{
  g_clear_pointer (&self->figures[page], ps_figure_free);
  g_free (self->messages[page]);
  self->messages[page] = text;
}

static void
build_at_step (PsSeriesPane *self, int page)
{
  const char *name = ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor);
  g_autofree char *where = step_name (self, self->step);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_checkpoint_series_load (self->series, self->step, (guint) self->tensor, &error);
  if (t == NULL)
    {
      set_message (self, page, g_strdup_printf (_("No %s at %s: %s"), name, where, error->message));
      return;
    }
  const char *label = ps_checkpoint_series_get_label (self->series, self->step);
  PsFigureOptions o;
  if (page == P_DIFFERENCE)
    {
      int c = resolved_compare (self);
      if (c < 0)
        {
          set_message (self, page, g_strdup (_("The first checkpoint has no previous one: choose one to compare with")));
          return;
        }
      g_autoptr (PsTensor) a = ps_checkpoint_series_load (self->series, (guint) c, (guint) self->tensor, &error);
      g_autofree char *from = step_name (self, (guint) c);
      if (a == NULL)
        {
          set_message (self, page, g_strdup_printf (_("No %s at %s: %s"), name, from, error->message));
          return;
        }
      figure_options (self, PS_FIGURE_HEATMAP, &o);
      g_autofree char *subtitle = g_strdup_printf (_("%s − %s (%s − %s)"), where, from, label,
                                                   ps_checkpoint_series_get_label (self->series, (guint) c));
      self->figures[page] = ps_figure_new_for_difference (a, t, name, subtitle, &o, &error);
    }
  else
    {
      figure_options (self, page == P_HEATMAP ? PS_FIGURE_HEATMAP : PS_FIGURE_HISTOGRAM, &o);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", where, label);
      self->figures[page] = ps_figure_new_for_tensor (t, name, subtitle, &o, &error);
    }
  if (self->figures[page] == NULL)
    set_message (self, page, g_strdup (error->message));
}

static void
build_over_series (PsSeriesPane *self, int page)
{
  const char *name = ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  guint skipped = 0;
  gboolean increasing = TRUE;
  int64_t last = 0;
  for (guint i = 0; i < n_steps (self); i++)
    {
      if (ps_checkpoint_series_get_presence (self->series, i, (guint) self->tensor) != PS_SERIES_PRESENT)
        {
          skipped += ps_checkpoint_series_get_entry (self->series, i, (guint) self->tensor) != NULL;
          continue;
        }
      g_autoptr (GError) error = NULL;
      PsTensor *t = ps_checkpoint_series_load (self->series, i, (guint) self->tensor, &error);
      if (t == NULL)
        {
          set_message (self, page, g_strdup (error->message));
          return;
        }
      int64_t v = ps_checkpoint_series_get_order_value (self->series, i);
      if (steps->len > 0 && v <= last)
        increasing = FALSE;
      last = v;
      g_ptr_array_add (tensors, t);
      g_array_append_val (steps, v);
    }
  if (!increasing)   /* equal step numbers in two files: place them by position */
    for (guint i = 0; i < steps->len; i++)
      g_array_index (steps, int64_t, i) = i;
  PsFigureOptions o;
  figure_options (self, page == P_BANDS ? PS_FIGURE_BANDS : PS_FIGURE_RIDGELINE, &o);
  PsSeriesOrder order = ps_checkpoint_series_get_order (self->series);
  g_autofree char *subtitle = skipped
    ? g_strdup_printf (_("%u checkpoints by %s · %u with another shape left out"), tensors->len,
                       increasing ? ps_checkpoint_series_order_name (order) : _("position"), skipped)
    : g_strdup_printf (_("%u checkpoints by %s"), tensors->len,
                       increasing ? ps_checkpoint_series_order_name (order) : _("position"));
  g_autoptr (GError) error = NULL;
  self->figures[page] = ps_figure_new_for_series ((PsTensor *const *) tensors->pdata, (const int64_t *) steps->data,
                                                  tensors->len, name, subtitle, &o, &error);
  if (self->figures[page] == NULL)
    set_message (self, page, g_strdup (error->message));
}

static gboolean
norms_match (PsSeriesPane *self)
{
  if (self->norm_series == NULL || ps_checkpoint_series_get_n_steps (self->norm_series) != n_steps (self))
    return FALSE;
  for (guint i = 0; i < n_steps (self); i++)
    if (g_strcmp0 (ps_checkpoint_series_get_path (self->norm_series, i), ps_checkpoint_series_get_path (self->series, i)) != 0)
      return FALSE;
  return TRUE;
}

static void
build_norms (PsSeriesPane *self)
{
  g_array_set_size (self->chart_steps, 0);
  g_array_set_size (self->chart_norms, 0);
  g_array_set_size (self->chart_rel, 0);
  if (!norms_match (self))
    {
      set_message (self, P_NORMS, self->norms_error ? g_strdup_printf (_("No norms: %s"), self->norms_error)
                                                    : g_strdup (_("Computing the norms of every checkpoint…")));
      return;
    }
  const char *name = ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor);
  int k = ps_checkpoint_series_find_tensor (self->norm_series, name);
  if (k < 0)
    {
      set_message (self, P_NORMS, g_strdup_printf (_("No norms for %s"), name));
      return;
    }
  gboolean increasing = TRUE;
  for (guint i = 0; i < n_steps (self); i++)
    {
      int64_t v = ps_checkpoint_series_get_order_value (self->series, i);
      if (i > 0 && v <= g_array_index (self->chart_steps, int64_t, i - 1))
        increasing = FALSE;
      g_array_append_val (self->chart_steps, v);
      double nv = ps_checkpoint_series_get_norm (self->norm_series, i, (guint) k);
      double rv = ps_checkpoint_series_get_rel_change (self->norm_series, i, (guint) k);
      g_array_append_val (self->chart_norms, nv);
      g_array_append_val (self->chart_rel, rv);
    }
  if (!increasing)
    for (guint i = 0; i < self->chart_steps->len; i++)
      g_array_index (self->chart_steps, int64_t, i) = i;
  g_free (self->chart_title);
  self->chart_title = g_strdup (name);
  g_free (self->chart_subtitle);
  self->chart_subtitle = g_strdup_printf (_("L2 norm and relative change ‖x_t − x_t−1‖ / ‖x_t−1‖ over %u checkpoints"),
                                          n_steps (self));
  g_free (self->x_title);
  self->x_title = g_strdup (increasing ? ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (self->series))
                                       : _("checkpoint"));
  ps_norm_chart_options_init (&self->chart_opts);
  self->chart_opts.title = self->chart_title;
  self->chart_opts.subtitle = self->chart_subtitle;
  self->chart_opts.x_title = self->x_title;
  self->chart_opts.cursor = (int) self->step;
  self->chart_opts.compare = resolved_compare (self);
  if (self->settings != NULL)
    self->chart_opts.scale = g_settings_get_boolean (self->settings, "projector-mode") ? 1.6 : 1.0;
  self->chart = (PsNormChart) { (const int64_t *) self->chart_steps->data, (const double *) self->chart_norms->data,
                                (const double *) self->chart_rel->data, self->chart_steps->len, &self->chart_opts };
  g_clear_pointer (&self->messages[P_NORMS], g_free);
}

static void
ensure_page (PsSeriesPane *self, int page)
{
  if (!self->dirty[page])
    return;
  self->dirty[page] = FALSE;
  set_message (self, page, NULL);
  if (page == P_NORMS)
    {
      g_array_set_size (self->chart_steps, 0);
      g_array_set_size (self->chart_norms, 0);
      g_array_set_size (self->chart_rel, 0);
    }
  if (self->series == NULL)
    return;
  if (self->tensor < 0)
    {
      set_message (self, page, self->tensor_name
                                 ? g_strdup_printf (_("%s is not a tensor of this series"), self->tensor_name)
                                 : g_strdup (_("Select a tensor to see it over the checkpoints")));
      return;
    }
  switch (page)
    {
    case P_HEATMAP:
    case P_HISTOGRAM:
    case P_DIFFERENCE: build_at_step (self, page); break;
    case P_BANDS:
    case P_RIDGELINE: build_over_series (self, page); break;
    case P_NORMS: build_norms (self); break;
    default: break;
    }
}

static int
page_index (const char *name)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (g_strcmp0 (name, plot_names[i]) == 0)
      return i;
  return -1;
}

/* ---------- largest changes ---------- */

typedef struct {
  char *a, *b;           /* paths */
  char *text;
  char *top;
} ChangesJob;

static void
changes_job_free (gpointer p)
{
  ChangesJob *j = p;
  g_free (j->a);
  g_free (j->b);
  g_free (j->text);
  g_free (j->top);
  g_free (j);
}

static void
changes_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ChangesJob *j = data;
  GError *error = NULL;
  const char *paths[2] = { j->a, j->b };
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 2, &error);
  if (s == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* the series orders the two files itself: a is the one compared from */
  guint ia = g_strcmp0 (ps_checkpoint_series_get_path (s, 0), j->a) == 0 ? 0 : 1;
  g_autoptr (GArray) ch = ps_checkpoint_series_rank_changes (s, ia, 1 - ia, cancellable, &error);
  if (ch == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  GString *out = g_string_new (NULL);
  g_autofree char *la = g_path_get_basename (j->a), *lb = g_path_get_basename (j->b);
  g_string_append_printf (out, _("Relative change ‖b − a‖ / ‖a‖ from a = %s to b = %s, largest first\n\n"), la, lb);
  g_string_append_printf (out, "%4s  %-12s  %-12s  %-12s  %s\n", "#", "rel. change", "norm a", "norm b", "tensor");
  for (guint i = 0; i < ch->len && i < MAX_CHANGE_ROWS; i++)
    {
      PsSeriesChange *c = &g_array_index (ch, PsSeriesChange, i);
      const char *name = ps_checkpoint_series_get_tensor_name (s, c->tensor);
      if (i == 0)
        j->top = g_strdup (name);
      g_string_append_printf (out, "%4u  %-12.6g  %-12.6g  %-12.6g  %s\n", i + 1, c->rel, c->norm_a, c->norm_b, name);
    }
  if (ch->len > MAX_CHANGE_ROWS)
    g_string_append_printf (out, _("… %u more\n"), ch->len - MAX_CHANGE_ROWS);
  if (ch->len == 0)
    g_string_append (out, _("No tensor is in both checkpoints with the same shape.\n"));
  j->text = g_string_free (out, FALSE);
  g_task_return_boolean (task, TRUE);
}

static void
on_changes_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* replaced or the pane is gone */
  PsSeriesPane *self = PS_SERIES_PANE (source);
  ChangesJob *j = g_task_get_task_data (G_TASK (result));
  g_clear_object (&self->changes_cancellable);
  g_free (self->changes_text);
  g_clear_pointer (&self->top_change, g_free);
  if (ok)
    {
      self->changes_text = g_steal_pointer (&j->text);
      self->top_change = g_steal_pointer (&j->top);
    }
  else
    self->changes_text = g_strdup_printf (_("Could not compare the checkpoints: %s"), error->message);
  gtk_label_set_text (self->changes_label, self->changes_text);
  update_controls (self);
}

static void
ensure_changes (PsSeriesPane *self)
{
  if (!self->changes_dirty || self->series == NULL)
    return;
  self->changes_dirty = FALSE;
  int c = resolved_compare (self);
  if (c < 0)
    {
      if (self->changes_cancellable)
        g_cancellable_cancel (self->changes_cancellable);
      g_clear_object (&self->changes_cancellable);
      g_clear_pointer (&self->changes_key, g_free);
      g_clear_pointer (&self->top_change, g_free);
      g_free (self->changes_text);
      self->changes_text = g_strdup (_("The first checkpoint has no previous one: choose one to compare with"));
      gtk_label_set_text (self->changes_label, self->changes_text);
      return;
    }
  const char *a = ps_checkpoint_series_get_path (self->series, (guint) c);
  const char *b = ps_checkpoint_series_get_path (self->series, self->step);
  g_autofree char *key = g_strdup_printf ("%s\n%s", a, b);
  if (g_strcmp0 (key, self->changes_key) == 0)
    return;
  g_free (self->changes_key);
  self->changes_key = g_steal_pointer (&key);
  if (self->changes_cancellable)
    g_cancellable_cancel (self->changes_cancellable);
  g_clear_object (&self->changes_cancellable);
  g_clear_pointer (&self->top_change, g_free);
  g_free (self->changes_text);
  self->changes_text = g_strdup (_("Comparing every tensor of the two checkpoints…"));
  gtk_label_set_text (self->changes_label, self->changes_text);
  self->changes_cancellable = g_cancellable_new ();
  ChangesJob *j = g_new0 (ChangesJob, 1);
  j->a = g_strdup (a);
  j->b = g_strdup (b);
  g_autoptr (GTask) task = g_task_new (self, self->changes_cancellable, on_changes_done, NULL);
  g_task_set_task_data (task, j, changes_job_free);
  g_task_run_in_thread (task, changes_thread);
}

/* ---------- norms of the whole series ---------- */

typedef struct {
  GWeakRef pane;
  guint done, total;
} Progress;

static gboolean
show_progress (gpointer data)
{
  Progress *p = data;
  g_autoptr (PsSeriesPane) self = g_weak_ref_get (&p->pane);
  if (self != NULL && self->norms_cancellable != NULL)
    {
      self->norms_done = p->done;
      self->norms_total = p->total;
      update_controls (self);
    }
  g_weak_ref_clear (&p->pane);
  g_free (p);
  return G_SOURCE_REMOVE;
}

/* From the worker, after each checkpoint: the status line says how far it got. */
static void
on_norms_progress (guint done, guint total, gpointer data)
{
  Progress *p = g_new0 (Progress, 1);
  g_weak_ref_init (&p->pane, g_task_get_source_object (data));
  p->done = done;
  p->total = total;
  g_main_context_invoke (g_task_get_context (data), show_progress, p);
}

static void
norms_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GPtrArray *paths = data;
  GError *error = NULL;
  PsCheckpointSeries *s = ps_checkpoint_series_open ((const char *const *) paths->pdata, paths->len, &error);
  if (s != NULL && !ps_checkpoint_series_compute_norms (s, cancellable, on_norms_progress, task, &error))
    g_clear_pointer (&s, ps_checkpoint_series_free);
  if (s == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, s, (GDestroyNotify) ps_checkpoint_series_free);
}

static void
on_norms_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointSeries *s = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  PsSeriesPane *self = PS_SERIES_PANE (source);
  g_clear_object (&self->norms_cancellable);
  g_clear_pointer (&self->norm_series, ps_checkpoint_series_free);
  g_clear_pointer (&self->norms_error, g_free);
  self->norm_series = s;
  if (s == NULL)
    {
      self->norms_error = g_strdup (error->message);
      emit_error (self, error->message);
    }
  self->dirty[P_NORMS] = TRUE;
  if (self->norms_again)
    start_norms (self);
  refresh (self);
}

static void
start_norms (PsSeriesPane *self)
{
  self->norms_again = FALSE;
  if (self->norms_cancellable != NULL)
    {
      self->norms_again = TRUE;   /* after the running one: its series is already out of date */
      return;
    }
  if (self->series == NULL || norms_match (self))
    return;
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n_steps (self); i++)
    g_ptr_array_add (paths, g_strdup (ps_checkpoint_series_get_path (self->series, i)));
  self->norms_cancellable = g_cancellable_new ();
  self->norms_done = self->norms_total = 0;
  g_autoptr (GTask) task = g_task_new (self, self->norms_cancellable, on_norms_done, NULL);
  g_task_set_task_data (task, paths, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, norms_thread);
}

/* ---------- controls ---------- */

static void
update_status (PsSeriesPane *self)
{
  GString *st = g_string_new (NULL);
  if (self->watch_dir)
    g_string_append (st, _("Watching the folder"));
  if (self->watch)
    {
      const char *const *pending = ps_series_watch_get_pending (self->watch);
      guint np = g_strv_length ((char **) pending);
      if (np)
        g_string_append_printf (st, g_dngettext (GETTEXT_PACKAGE, " · %u file not complete yet", " · %u files not complete yet", np), np);
    }
  if (self->norms_cancellable && self->norms_total > 0)
    {
      g_string_append (st, st->len ? " · " : "");
      g_string_append_printf (st, _("computing norms… %u of %u checkpoints"), self->norms_done, self->norms_total);
    }
  else if (self->norms_cancellable)
    g_string_append_printf (st, "%s%s", st->len ? " · " : "", _("computing norms…"));
  if (self->changes_cancellable)
    g_string_append_printf (st, "%s%s", st->len ? " · " : "", _("comparing…"));
  g_free (self->status_text);
  self->status_text = g_string_free (st, FALSE);
  gtk_label_set_text (self->status_label, self->status_text);
}

static void
update_controls (PsSeriesPane *self)
{
  self->updating = TRUE;
  guint n = n_steps (self);
  gtk_adjustment_configure (self->step_adjustment, self->step, 0, n ? n - 1 : 0, 1, 1, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), n > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), n > 1);
  gtk_check_button_set_active (self->follow_check, self->following);
  gtk_toggle_button_set_active (self->play_button, self->play_source != 0);
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            self->play_source ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  /* "previous checkpoint", then every checkpoint */
  guint want = n + 1;
  GListModel *m = G_LIST_MODEL (self->compare_model);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (items, g_strdup (_("previous checkpoint")));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sn = step_name (self, i);
      g_ptr_array_add (items, g_strdup_printf ("%s · %s", sn, ps_checkpoint_series_get_label (self->series, i)));
    }
  g_ptr_array_add (items, NULL);
  /* only when the series changed (an open list keeps its rows while playing) */
  gboolean same = g_list_model_get_n_items (m) == want;
  for (guint i = 0; same && i < want; i++)
    same = g_strcmp0 (gtk_string_list_get_string (self->compare_model, i), items->pdata[i]) == 0;
  if (!same)
    gtk_string_list_splice (self->compare_model, 0, g_list_model_get_n_items (m), (const char *const *) items->pdata);
  int ci = self->compare_choice >= 0 ? index_of_path (self, self->compare_path) : -1;
  gtk_drop_down_set_selected (self->compare_dropdown, ci >= 0 ? (guint) ci + 1 : 0);

  g_free (self->step_text);
  if (n > 0)
    {
      g_autofree char *sn = step_name (self, self->step);
      self->step_text = g_strdup_printf (_("%s · %s (%u of %u)"), sn, ps_checkpoint_series_get_label (self->series, self->step),
                                         self->step + 1, n);
    }
  else
    self->step_text = g_strdup ("");
  gtk_label_set_text (self->step_label, self->step_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->step_label),
                               n ? ps_checkpoint_series_get_path (self->series, self->step) : NULL);

  update_status (self);
  self->updating = FALSE;
}

static void
refresh (PsSeriesPane *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  int p = page_index (page);
  if (p >= 0)
    {
      ensure_page (self, p);
      ps_plot_view_invalidate (self->plots[p]);
    }
  else if (g_strcmp0 (page, "changes") == 0)
    ensure_changes (self);
  update_controls (self);
}

static void
go_to_step (PsSeriesPane *self, guint step)
{
  guint n = n_steps (self);
  if (n == 0)
    return;
  step = MIN (step, n - 1);
  if (step != self->step)
    {
      self->step = step;
      mark_dirty (self, TRUE);
    }
  g_free (self->step_path);
  self->step_path = g_strdup (ps_checkpoint_series_get_path (self->series, step));
  refresh (self);
}

void
ps_series_pane_set_step (PsSeriesPane *self, guint step)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  /* scrubbing: following the newest only when the newest is chosen */
  self->following = n_steps (self) > 0 && step >= n_steps (self) - 1;
  go_to_step (self, step);
}

static void
on_step_changed (GtkAdjustment *adj, PsSeriesPane *self)
{
  if (self->updating)
    return;
  ps_series_pane_set_step (self, (guint) lround (gtk_adjustment_get_value (adj)));
}

static gboolean
play_tick (gpointer data)
{
  PsSeriesPane *self = data;
  guint n = n_steps (self);
  if (n == 0 || self->step + 1 >= n)
    {
      self->play_source = 0;
      self->following = n > 0;
      update_controls (self);
      return G_SOURCE_REMOVE;
    }
  go_to_step (self, self->step + 1);
  return G_SOURCE_CONTINUE;
}

void
ps_series_pane_set_playing (PsSeriesPane *self, gboolean play)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (play == (self->play_source != 0))
    return;
  if (play)
    {
      if (n_steps (self) < 2)
        {
          update_controls (self);
          return;
        }
      self->following = FALSE;
      if (self->step + 1 >= n_steps (self))
        go_to_step (self, 0);   /* from the start again */
      self->play_source = g_timeout_add (self->play_ms, play_tick, self);
    }
  else
    g_clear_handle_id (&self->play_source, g_source_remove);
  update_controls (self);
}

static void
on_play_toggled (GtkToggleButton *button, PsSeriesPane *self)
{
  if (!self->updating)
    ps_series_pane_set_playing (self, gtk_toggle_button_get_active (button));
}

static void
on_follow_toggled (GtkCheckButton *button, GParamSpec *pspec, PsSeriesPane *self)
{
  if (!self->updating)
    ps_series_pane_set_following (self, gtk_check_button_get_active (button));
}

static void
on_compare_selected (GtkDropDown *dd, GParamSpec *pspec, PsSeriesPane *self)
{
  if (self->updating)
    return;
  guint sel = gtk_drop_down_get_selected (dd);
  ps_series_pane_set_compare (self, sel == 0 || sel == GTK_INVALID_LIST_POSITION ? -1 : (int) sel - 1);
}

static void
on_page_changed (AdwViewStack *stack, GParamSpec *pspec, PsSeriesPane *self)
{
  refresh (self);
}

/* ---------- the watched folder ---------- */

static void
on_added (PsCheckpointSeries *series, const char *path, gpointer data)
{
  PsSeriesPane *self = data;
  /* the series re-ordered itself: the same files stay shown, or the newest when following */
  int at = index_of_path (self, self->step_path);
  self->tensor = self->tensor_name ? ps_checkpoint_series_find_tensor (series, self->tensor_name) : -1;
  mark_dirty (self, FALSE);
  if (self->following && self->play_source == 0)
    self->step = n_steps (self) - 1;
  else if (at >= 0)
    self->step = (guint) at;
  g_free (self->step_path);
  self->step_path = g_strdup (ps_checkpoint_series_get_path (series, self->step));
  start_norms (self);
  refresh (self);
}

static gboolean
refresh_status (gpointer data)
{
  update_status (data);
  return G_SOURCE_CONTINUE;
}

/* ---------- export ---------- */

static void
export_draw_norms (cairo_t *cr, double width, double height, gpointer data)
{
  ps_norm_chart_draw (data, cr, width, height);
}

gboolean
ps_series_pane_export (PsSeriesPane *self, const char *page, const char *path, double width, double height,
                       GError **error)
{
  int p = page_index (page);
  if (p < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("The %s page has no picture to export"), page);
      return FALSE;
    }
  ensure_page (self, p);
  if (self->messages[p] != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Nothing to export: %s"), self->messages[p]);
      return FALSE;
    }
  if (p == P_NORMS)
    return ps_export_picture (path, width, height, 1, 0, export_draw_norms, &self->chart, error);
  if (self->figures[p] == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Select a tensor to export its picture"));
      return FALSE;
    }
  return ps_figure_export (self->figures[p], path, width, height, 1, 0, error);
}

typedef struct {
  PsSeriesPane *self;   /* owned */
  char *page;
  double width, height;
} ExportJob;

static void
on_export_response (GtkNativeDialog *dialog, int response, ExportJob *job)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      if (path == NULL)
        emit_error (job->self, _("Choose a file on this computer to export to"));
      else if (!ps_series_pane_export (job->self, job->page, path, job->width, job->height, &error))
        emit_error (job->self, error->message);
    }
  g_object_unref (job->self);
  g_free (job->page);
  g_free (job);
  ps_file_chooser_release (dialog);
}

static void
on_export_clicked (GtkButton *button, PsSeriesPane *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  int p = page_index (page);
  if (p < 0)
    {
      emit_error (self, _("The largest changes are a table: choose a picture page to export"));
      return;
    }
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Export Picture (PNG, SVG or PDF)"),
                                                       GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  g_autofree char *safe = g_strdup (self->tensor >= 0 ? ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor)
                                                      : "series");
  g_strdelimit (safe, "/\\", '_');
  g_autofree char *name = g_strdup_printf ("%s-%s.png", safe, page);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  ExportJob *job = g_new0 (ExportJob, 1);
  job->self = g_object_ref (self);
  job->page = g_strdup (page);
  GtkWidget *view = GTK_WIDGET (self->plots[p]);
  job->width = MAX (gtk_widget_get_width (view), 400);
  job->height = MAX (gtk_widget_get_height (view), 300);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_export_response, job);
}

/* ---------- plot views ---------- */

typedef struct {
  PsSeriesPane *self;   /* no ref: the pane owns the view */
  int index;
} Slot;

static void
draw_plot (cairo_t *cr, int width, int height, double scale, gpointer data)
{
  Slot *slot = data;
  PsSeriesPane *self = slot->self;
  int p = slot->index;
  ensure_page (self, p);
  if (self->messages[p] != NULL)
    ps_plot_view_draw_message (cr, width, height, scale, self->messages[p]);
  else if (p == P_NORMS && self->chart.n > 0)
    ps_norm_chart_draw (&self->chart, cr, width, height);
  else if (self->figures[p] != NULL)
    ps_figure_draw (self->figures[p], cr, width, height);
}

static char *
query_plot (double x, double y, int width, int height, double scale, gpointer data)
{
  Slot *slot = data;
  PsSeriesPane *self = slot->self;
  if (slot->index == P_NORMS)
    return self->messages[P_NORMS] == NULL && self->chart.n ? ps_norm_chart_query (&self->chart, width, height, x, y) : NULL;
  PsFigure *fig = self->figures[slot->index];
  return fig ? ps_figure_query (fig, x, y, width, height) : NULL;
}

/* ---------- public ---------- */

static void
on_settings_changed (GSettings *settings, const char *key, PsSeriesPane *self)
{
  if (g_str_equal (key, "colormap") || g_str_equal (key, "projector-mode"))
    {
      mark_dirty (self, FALSE);
      self->changes_dirty = FALSE;
      refresh (self);
    }
}

void
ps_series_pane_set_settings (PsSeriesPane *self, GSettings *settings)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (self->settings)
    g_signal_handlers_disconnect_by_func (self->settings, on_settings_changed, self);
  g_set_object (&self->settings, settings);
  if (settings)
    g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
  mark_dirty (self, FALSE);
}

gboolean
ps_series_pane_set_series (PsSeriesPane *self, PsCheckpointSeries *series, const char *watch_dir, GError **error)
{
  g_return_val_if_fail (PS_IS_SERIES_PANE (self) && series != NULL, FALSE);
  ps_series_pane_set_playing (self, FALSE);
  g_clear_pointer (&self->watch, ps_series_watch_free);
  g_clear_pointer (&self->watch_dir, g_free);
  if (self->norms_cancellable)
    g_cancellable_cancel (self->norms_cancellable);
  g_clear_object (&self->norms_cancellable);
  g_clear_pointer (&self->norm_series, ps_checkpoint_series_free);
  g_clear_pointer (&self->series, ps_checkpoint_series_free);
  g_clear_pointer (&self->changes_key, g_free);
  self->series = series;
  self->step = n_steps (self) - 1;   /* the newest */
  self->following = TRUE;
  g_free (self->step_path);
  self->step_path = g_strdup (ps_checkpoint_series_get_path (series, self->step));
  self->tensor = self->tensor_name ? ps_checkpoint_series_find_tensor (series, self->tensor_name) : -1;
  mark_dirty (self, FALSE);
  gboolean ok = TRUE;
  if (watch_dir != NULL)
    {
      self->watch = ps_series_watch_new (series, watch_dir, on_added, self, error);
      ok = self->watch != NULL;
      if (ok)
        self->watch_dir = g_strdup (watch_dir);
      /* files still being written show in the status line (the watch says only when one is added) */
      if (ok && self->status_source == 0)
        self->status_source = g_timeout_add (250, refresh_status, self);
    }
  start_norms (self);
  refresh (self);
  return ok;
}

PsCheckpointSeries *
ps_series_pane_get_series (PsSeriesPane *self)
{
  return self->series;
}

void
ps_series_pane_set_tensor (PsSeriesPane *self, const char *name)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (g_strcmp0 (name, self->tensor_name) == 0 && (self->tensor >= 0 || name == NULL))
    return;
  g_free (self->tensor_name);
  self->tensor_name = g_strdup (name);
  self->tensor = name && self->series ? ps_checkpoint_series_find_tensor (self->series, name) : -1;
  gboolean changes = self->changes_dirty;
  mark_dirty (self, FALSE);
  self->changes_dirty = changes;   /* the table is about every tensor */
  for (int i = 0; i < N_PLOTS; i++)
    ps_plot_view_reset_zoom (self->plots[i]);
  refresh (self);
}

guint ps_series_pane_get_n_steps (PsSeriesPane *self) { return n_steps (self); }
guint ps_series_pane_get_step (PsSeriesPane *self) { return self->step; }
int ps_series_pane_get_compare (PsSeriesPane *self) { return resolved_compare (self); }
gboolean ps_series_pane_get_following (PsSeriesPane *self) { return self->following; }
gboolean ps_series_pane_get_playing (PsSeriesPane *self) { return self->play_source != 0; }
const char *ps_series_pane_get_step_text (PsSeriesPane *self) { return self->step_text; }
const char *ps_series_pane_get_status_text (PsSeriesPane *self) { return self->status_text; }
const char *ps_series_pane_get_changes_text (PsSeriesPane *self) { return self->changes_text; }
const char *ps_series_pane_get_top_change (PsSeriesPane *self) { return self->top_change; }

void
ps_series_pane_set_play_interval (PsSeriesPane *self, guint ms)
{
  self->play_ms = MAX (ms, 10);
}

void
ps_series_pane_set_compare (PsSeriesPane *self, int step)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (step >= (int) n_steps (self))
    return;
  self->compare_choice = step;
  g_free (self->compare_path);
  self->compare_path = step >= 0 ? g_strdup (ps_checkpoint_series_get_path (self->series, (guint) step)) : NULL;
  self->dirty[P_DIFFERENCE] = self->dirty[P_NORMS] = TRUE;
  self->changes_dirty = TRUE;
  refresh (self);
}

void
ps_series_pane_set_following (PsSeriesPane *self, gboolean follow)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  self->following = follow;
  if (follow && n_steps (self) > 0)
    {
      ps_series_pane_set_playing (self, FALSE);
      self->following = TRUE;
      go_to_step (self, n_steps (self) - 1);
    }
  update_controls (self);
}

const char *
ps_series_pane_get_page (PsSeriesPane *self)
{
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

void
ps_series_pane_set_page (PsSeriesPane *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
  refresh (self);
}

PsFigure *
ps_series_pane_get_figure (PsSeriesPane *self, const char *page)
{
  int p = page_index (page);
  if (p < 0)
    return NULL;
  ensure_page (self, p);
  return self->figures[p];
}

const char *
ps_series_pane_get_message (PsSeriesPane *self, const char *page)
{
  int p = page_index (page);
  if (p < 0)
    return NULL;
  ensure_page (self, p);
  return self->messages[p];
}

const double *
ps_series_pane_get_norms (PsSeriesPane *self, guint *n)
{
  ensure_page (self, P_NORMS);
  *n = self->messages[P_NORMS] ? 0 : self->chart_norms->len;
  return *n ? (const double *) self->chart_norms->data : NULL;
}

const double *
ps_series_pane_get_rel_changes (PsSeriesPane *self, guint *n)
{
  ensure_page (self, P_NORMS);
  *n = self->messages[P_NORMS] ? 0 : self->chart_rel->len;
  return *n ? (const double *) self->chart_rel->data : NULL;
}

gboolean
ps_series_pane_get_busy (PsSeriesPane *self)
{
  return self->norms_cancellable != NULL || self->changes_cancellable != NULL;
}

cairo_surface_t *
ps_series_pane_render_for_test (PsSeriesPane *self, const char *page)
{
  int p = page_index (page);
  return p >= 0 ? ps_plot_view_render_for_test (self->plots[p], TRUE) : NULL;
}

/* ---------- GObject ---------- */

static void
ps_series_pane_dispose (GObject *object)
{
  PsSeriesPane *self = PS_SERIES_PANE (object);
  g_clear_handle_id (&self->play_source, g_source_remove);
  g_clear_handle_id (&self->status_source, g_source_remove);
  g_clear_pointer (&self->watch, ps_series_watch_free);
  if (self->norms_cancellable)
    g_cancellable_cancel (self->norms_cancellable);
  g_clear_object (&self->norms_cancellable);
  if (self->changes_cancellable)
    g_cancellable_cancel (self->changes_cancellable);
  g_clear_object (&self->changes_cancellable);
  if (self->settings)
    g_signal_handlers_disconnect_by_func (self->settings, on_settings_changed, self);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PS_TYPE_SERIES_PANE);
  G_OBJECT_CLASS (ps_series_pane_parent_class)->dispose (object);
}

static void
ps_series_pane_finalize (GObject *object)
{
  PsSeriesPane *self = PS_SERIES_PANE (object);
  for (int i = 0; i < N_PLOTS; i++)
    {
      g_clear_pointer (&self->figures[i], ps_figure_free);
      g_free (self->messages[i]);
    }
  g_clear_pointer (&self->norm_series, ps_checkpoint_series_free);
  g_clear_pointer (&self->series, ps_checkpoint_series_free);
  g_array_unref (self->chart_steps);
  g_array_unref (self->chart_norms);
  g_array_unref (self->chart_rel);
  g_free (self->chart_title);
  g_free (self->chart_subtitle);
  g_free (self->x_title);
  g_free (self->norms_error);
  g_free (self->changes_key);
  g_free (self->changes_text);
  g_free (self->top_change);
  g_free (self->tensor_name);
  g_free (self->compare_path);
  g_free (self->step_path);
  g_free (self->watch_dir);
  g_free (self->step_text);
  g_free (self->status_text);
  G_OBJECT_CLASS (ps_series_pane_parent_class)->finalize (object);
}

static void
ps_series_pane_class_init (PsSeriesPaneClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_series_pane_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_series_pane_finalize;
  /* a message for the window's error banner */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  g_type_ensure (PS_TYPE_PLOT_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-series-pane.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PsSeriesPane, name)
  CHILD (play_button);
  CHILD (step_scale);
  CHILD (step_adjustment);
  CHILD (step_label);
  CHILD (compare_dropdown);
  CHILD (compare_model);
  CHILD (follow_check);
  CHILD (status_label);
  CHILD (view_stack);
  CHILD (changes_label);
  CHILD (heatmap_plot);
  CHILD (histogram_plot);
  CHILD (difference_plot);
  CHILD (bands_plot);
  CHILD (ridgeline_plot);
  CHILD (norms_plot);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_play_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
}

static void
ps_series_pane_init (PsSeriesPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->tensor = -1;
  self->compare_choice = -1;
  self->following = TRUE;
  self->play_ms = DEFAULT_PLAY_MS;
  self->chart_steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  self->chart_norms = g_array_new (FALSE, FALSE, sizeof (double));
  self->chart_rel = g_array_new (FALSE, FALSE, sizeof (double));
  PsPlotView *views[N_PLOTS] = { self->heatmap_plot, self->histogram_plot, self->difference_plot, self->bands_plot,
                                 self->ridgeline_plot, self->norms_plot };
  for (int i = 0; i < N_PLOTS; i++)
    {
      self->plots[i] = views[i];
      self->dirty[i] = TRUE;
      Slot *slot = g_new0 (Slot, 1);
      slot->self = self;
      slot->index = i;
      ps_plot_view_set_draw_func (views[i], draw_plot, query_plot, slot, g_free);
      char label[64];
      g_snprintf (label, sizeof label, "%s", plot_names[i]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (views[i]), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  g_signal_connect (self->step_adjustment, "value-changed", G_CALLBACK (on_step_changed), self);
  g_signal_connect (self->follow_check, "notify::active", G_CALLBACK (on_follow_toggled), self);
  g_signal_connect (self->compare_dropdown, "notify::selected", G_CALLBACK (on_compare_selected), self);
  g_signal_connect (self->view_stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);
  update_controls (self);
}
