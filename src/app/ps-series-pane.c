/* ps-series-pane.c — see ps-series-pane.h. */
#include "ps-config.h"
#include "ps-series-pane.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ps-figure.h"
#include "ps-figure-page.h"
#include "ps-file-chooser.h"
#include "ps-norm-chart.h"
#include "ps-projector.h"
#include "ps-series-changes.h"
#include "ps-series-cursor.h"
#include "ps-series-labels.h"
#include "ps-series-norms.h"
#include "ps-series-picture.h"
#include "ps-series-status.h"
#include "ps-series-watch.h"

enum { P_HEATMAP, P_HISTOGRAM, P_DIFFERENCE, P_BANDS, P_RIDGELINE, P_NORMS, N_PLOTS };
static const char *const plot_names[N_PLOTS] = { "heatmap", "histogram", "difference", "bands", "ridgeline", "norms" };

#define DEFAULT_PLAY_MS 700
/* how often the status line looks again at the watched folder's files still being written (ms) */
#define STATUS_REFRESH_MS 250
/* an export of a view smaller than this (not shown yet, or squeezed) is drawn at this size (px) */
#define EXPORT_MIN_WIDTH 400
#define EXPORT_MIN_HEIGHT 300

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
  GtkColumnView *changes_view;
  PsFigurePage *heatmap_plot, *histogram_plot, *difference_plot, *bands_plot, *ridgeline_plot, *norms_plot;
  PsFigurePage *plots[N_PLOTS];

  PsCheckpointSeries *series;      /* main thread only; workers open series of their own */
  PsSeriesWatch *watch;
  char *watch_dir;
  GSettings *settings;
  char *tensor_name;               /* as selected in the window */
  int tensor;                      /* series index, −1 none */
  PsSeriesCursor *cursor;          /* the checkpoint shown, compared with, following the newest */
  gboolean updating;               /* programmatic changes of the controls */
  guint play_source;
  guint play_ms;

  gboolean dirty[N_PLOTS];
  /* pictures are built in workers (files read and decoded off the main thread); the page keeps
   * showing the previous picture, or a placeholder, until the new one is ready */
  GCancellable *build_cancellable[N_PLOTS];

  /* norms of the whole series (a worker's series of its own) */
  PsCheckpointSeries *norm_series;
  GCancellable *norms_cancellable;
  gboolean norms_again;            /* the series grew while they were computed */
  guint norms_done, norms_total;   /* progress of the running worker */
  guint norms_cells;               /* checkpoint × tensor cells the last one computed */
  guint status_source;             /* refreshes the watched folder's pending files */
  char *norms_error;
  GArray *chart_steps, *chart_norms, *chart_rel;

  /* largest changes */
  GCancellable *changes_cancellable;
  char *changes_a, *changes_b;     /* the files shown or computed */
  char *changes_text;
  char *top_change;
  gboolean changes_dirty;
  GListStore *changes_store;       /* ChangeRow, in the order computed (largest first) */
  GtkSortListModel *changes_sorted;
  GtkSingleSelection *changes_selection;

  char *step_text;
  char *status_text;
};

G_DEFINE_FINAL_TYPE (PsSeriesPane, ps_series_pane, GTK_TYPE_BOX)

enum { SIGNAL_ERROR, SIGNAL_SHOW_TENSOR, N_SIGNALS };
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
  return ps_series_cursor_get_n_steps (self->cursor);
}

static guint
step_of (PsSeriesPane *self)
{
  return ps_series_cursor_get_step (self->cursor);
}

static int
resolved_compare (PsSeriesPane *self)
{
  return ps_series_cursor_get_compare (self->cursor);
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
  return ps_series_step_name (self->series, i);
}

/* ---------- figures ---------- */

static double
plot_scale (PsSeriesPane *self)
{
  return ps_projector_plot_scale (self->settings);
}

static void
figure_options (PsSeriesPane *self, PsFigureKind kind, PsFigureOptions *o)
{
  ps_figure_options_init (o);
  o->kind = kind;
  if (self->settings != NULL)
    o->colormap = (PsColormapKind) g_settings_get_enum (self->settings, "colormap");
  o->scale = plot_scale (self);
}

static void
set_message (PsSeriesPane *self, int page, const char *text)
{
  ps_figure_page_set_message (self->plots[page], text);
}

static void
cancel_build (PsSeriesPane *self, int page)
{
  if (self->build_cancellable[page])
    g_cancellable_cancel (self->build_cancellable[page]);
  g_clear_object (&self->build_cancellable[page]);
}

/* A picture read in a worker: the page whose build it is, unless a newer one replaced it. */
static void
on_build_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsSeriesPicture) pic = NULL;
  g_autoptr (GError) error = NULL;
  PsFigure *fig = ps_series_picture_build_finish (result, &pic, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* replaced, or the pane is gone (it cancels its builds when disposed) */
  PsSeriesPane *self = data;
  int page = 0;
  while (page < N_PLOTS && self->build_cancellable[page] != g_task_get_cancellable (G_TASK (result)))
    page++;
  g_assert (page < N_PLOTS);   /* a build not cancelled is its page's current one */
  g_clear_object (&self->build_cancellable[page]);
  ps_figure_page_set_scale (self->plots[page], ps_series_picture_get_options (pic)->scale);
  if (fig != NULL)
    ps_figure_page_set_figure (self->plots[page], fig, ps_series_picture_get_name (pic),
                               ps_series_picture_get_context (pic));
  else
    set_message (self, page, error->message);
  update_controls (self);
}

/* Plans page `page`'s picture (or says why there is none) and starts its worker. */
static void
start_build (PsSeriesPane *self, int page)
{
  static const PsSeriesPictureKind kinds[N_PLOTS] = {
    [P_HEATMAP] = PS_SERIES_PICTURE_HEATMAP, [P_HISTOGRAM] = PS_SERIES_PICTURE_HISTOGRAM,
    [P_DIFFERENCE] = PS_SERIES_PICTURE_DIFFERENCE, [P_BANDS] = PS_SERIES_PICTURE_BANDS,
    [P_RIDGELINE] = PS_SERIES_PICTURE_RIDGELINE,
  };
  PsFigureOptions o;
  figure_options (self, PS_FIGURE_HEATMAP, &o);
  g_autofree char *message = NULL;
  PsSeriesPicture *pic = ps_series_picture_plan (self->series, (guint) self->tensor, kinds[page], step_of (self),
                                                 page == P_DIFFERENCE ? resolved_compare (self) : -1, &o, &message);
  if (pic == NULL)
    {
      set_message (self, page, message);
      return;
    }
  /* the first picture of a page: a placeholder; afterwards the previous picture stays until the new one is ready */
  if (ps_figure_page_get_figure (self->plots[page]) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Reading %s…"), ps_series_picture_get_name (pic));
      set_message (self, page, text);
    }
  self->build_cancellable[page] = g_cancellable_new ();
  ps_series_picture_build_async (pic, self->build_cancellable[page], on_build_done, self);
}

static gboolean
norms_match (PsSeriesPane *self)
{
  return ps_series_norms_match (self->norm_series, self->series);
}

/* The norm chart: numbers already computed by the norms worker, nothing read here. */
static void
build_norms (PsSeriesPane *self)
{
  g_array_set_size (self->chart_steps, 0);
  g_array_set_size (self->chart_norms, 0);
  g_array_set_size (self->chart_rel, 0);
  if (!norms_match (self) && self->norms_cancellable != NULL
      && ps_figure_page_get_figure (self->plots[P_NORMS]) != NULL && !self->norms_error)
    return;   /* a new file's norms are being added: the chart so far stays until they are there */
  if (!norms_match (self))
    {
      g_autofree char *text = ps_series_labels_norms_pending (self->norms_error);
      set_message (self, P_NORMS, text);
      return;
    }
  g_autofree char *message = NULL;
  PsFigure *fig = ps_series_norms_figure (self->series, self->norm_series, (guint) self->tensor, step_of (self),
                                          resolved_compare (self), plot_scale (self), self->chart_steps,
                                          self->chart_norms, self->chart_rel, &message);
  if (fig == NULL)
    {
      set_message (self, P_NORMS, message);
      return;
    }
  ps_figure_page_set_scale (self->plots[P_NORMS], plot_scale (self));
  g_autofree char *where = step_name (self, step_of (self));
  ps_figure_page_set_figure (self->plots[P_NORMS], fig,
                             ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor), where);
}

static void
ensure_page (PsSeriesPane *self, int page)
{
  if (!self->dirty[page])
    return;
  self->dirty[page] = FALSE;
  cancel_build (self, page);
  if (page == P_NORMS)
    {
      g_array_set_size (self->chart_steps, 0);
      g_array_set_size (self->chart_norms, 0);
      g_array_set_size (self->chart_rel, 0);
    }
  if (self->series == NULL)
    {
      ps_figure_page_set_figure (self->plots[page], NULL, NULL, NULL);
      return;
    }
  if (self->tensor < 0)
    {
      g_autofree char *text = ps_series_labels_no_tensor (self->tensor_name);
      set_message (self, page, text);
      return;
    }
  switch (page)
    {
    case P_HEATMAP:
    case P_HISTOGRAM:
    case P_DIFFERENCE:
    case P_BANDS:
    case P_RIDGELINE: start_build (self, page); break;
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

static gboolean
building (PsSeriesPane *self)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (self->build_cancellable[i] != NULL)
      return TRUE;
  return FALSE;
}

/* ---------- largest changes ---------- */

/* Ascending order of a column for GtkColumnView (it reverses it for descending). */
static int
row_compare (gconstpointer a, gconstpointer b, gpointer data)
{
  return ps_change_row_compare ((PsChangeRow *) a, (PsChangeRow *) b, (PsChangeColumn) GPOINTER_TO_INT (data));
}

static void
set_changes_text (PsSeriesPane *self, char *text)
{
  g_free (self->changes_text);
  self->changes_text = text;
  gtk_label_set_text (self->changes_label, text);
}

static void
on_changes_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ps_series_changes_compute_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* replaced, or the pane is gone (it cancels the worker when disposed) */
  PsSeriesPane *self = data;
  g_clear_object (&self->changes_cancellable);
  g_clear_pointer (&self->top_change, g_free);
  if (rows != NULL)
    {
      g_list_store_splice (self->changes_store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->changes_store)),
                           rows->pdata, rows->len);
      if (rows->len > 0)
        self->top_change = g_strdup (ps_change_row_get_tensor (rows->pdata[0]));
      set_changes_text (self, ps_series_changes_summary (rows->len, self->changes_a, self->changes_b));
    }
  else
    set_changes_text (self, g_strdup_printf (_("Could not compare the checkpoints: %s"), error->message));
  update_controls (self);
}

static void
clear_changes (PsSeriesPane *self, char *text)
{
  if (self->changes_cancellable)
    g_cancellable_cancel (self->changes_cancellable);
  g_clear_object (&self->changes_cancellable);
  g_clear_pointer (&self->top_change, g_free);
  g_list_store_remove_all (self->changes_store);
  set_changes_text (self, text);
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
      g_clear_pointer (&self->changes_a, g_free);
      g_clear_pointer (&self->changes_b, g_free);
      clear_changes (self, g_strdup (_("The first checkpoint has no previous one: choose one to compare with")));
      return;
    }
  const char *a = ps_checkpoint_series_get_path (self->series, (guint) c);
  const char *b = ps_checkpoint_series_get_path (self->series, step_of (self));
  if (g_strcmp0 (a, self->changes_a) == 0 && g_strcmp0 (b, self->changes_b) == 0)
    return;
  g_free (self->changes_a);
  g_free (self->changes_b);
  self->changes_a = g_strdup (a);
  self->changes_b = g_strdup (b);
  clear_changes (self, g_strdup (_("Comparing every tensor of the two checkpoints…")));
  self->changes_cancellable = g_cancellable_new ();
  ps_series_changes_compute_async (a, b, self->changes_cancellable, on_changes_done, self);
}

/* A row clicked (selected) or activated: that tensor in every view of the window. */
static void
show_change_row (PsSeriesPane *self, guint position)
{
  g_autoptr (PsChangeRow) r = g_list_model_get_item (G_LIST_MODEL (self->changes_sorted), position);
  if (r != NULL)
    g_signal_emit (self, signals[SIGNAL_SHOW_TENSOR], 0, ps_change_row_get_tensor (r));
}

static void
on_change_selected (GtkSingleSelection *sel, GParamSpec *pspec, PsSeriesPane *self)
{
  guint pos = gtk_single_selection_get_selected (sel);
  if (!self->updating && pos != GTK_INVALID_LIST_POSITION)
    show_change_row (self, pos);
}

static void
on_change_activated (GtkColumnView *view, guint position, PsSeriesPane *self)
{
  show_change_row (self, position);
}

gboolean
ps_series_pane_export_changes (PsSeriesPane *self, const char *path, GError **error)
{
  g_return_val_if_fail (PS_IS_SERIES_PANE (self), FALSE);
  if (self->changes_cancellable != NULL || g_list_model_get_n_items (G_LIST_MODEL (self->changes_store)) == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Nothing to export: %s"),
                   self->changes_text ? self->changes_text : _("the largest changes are not computed"));
      return FALSE;
    }
  return ps_series_changes_write_csv (G_LIST_MODEL (self->changes_sorted), self->changes_a, self->changes_b, path,
                                      error);
}

guint
ps_series_pane_get_n_change_rows (PsSeriesPane *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->changes_sorted));
}

/* The row at a position as shown (sorted), or NULL. */
const char *
ps_series_pane_get_change_row (PsSeriesPane *self, guint position, double *rel)
{
  GListModel *m = G_LIST_MODEL (self->changes_sorted);
  if (position >= g_list_model_get_n_items (m))
    return NULL;
  g_autoptr (PsChangeRow) r = g_list_model_get_item (m, position);
  if (rel)
    *rel = ps_change_row_get_rel (r);
  return ps_change_row_get_tensor (r);   /* the store keeps the row */
}

void
ps_series_pane_sort_changes (PsSeriesPane *self, const char *column, gboolean ascending)
{
  GListModel *cols = gtk_column_view_get_columns (self->changes_view);
  for (guint i = 0; i < g_list_model_get_n_items (cols); i++)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (cols, i);
      if (g_strcmp0 (gtk_column_view_column_get_title (c), column) == 0)
        {
          gtk_column_view_sort_by_column (self->changes_view, c, ascending ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
          return;
        }
    }
  g_warning ("no column %s", column);
}

void
ps_series_pane_click_change_row (PsSeriesPane *self, guint position)
{
  gtk_single_selection_set_selected (self->changes_selection, position);
}

static void
setup_changes_view (PsSeriesPane *self)
{
  self->changes_store = g_list_store_new (PS_TYPE_CHANGE_ROW);
  /* the columns and their cells are in ui/ps-series-pane.ui, in the order of PsChangeColumn; each sorts by it */
  GListModel *cols = gtk_column_view_get_columns (self->changes_view);
  g_assert (g_list_model_get_n_items (cols) == PS_CHANGE_N_COLS);
  for (int col = 0; col < PS_CHANGE_N_COLS; col++)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (cols, (guint) col);
      GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (row_compare, GINT_TO_POINTER (col), NULL));
      gtk_column_view_column_set_sorter (c, sorter);
      g_object_unref (sorter);
    }
  GtkSorter *sorter = gtk_column_view_get_sorter (self->changes_view);
  self->changes_sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->changes_store)),
                                                  g_object_ref (sorter));
  self->changes_selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->changes_sorted)));
  gtk_single_selection_set_autoselect (self->changes_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->changes_selection, TRUE);
  gtk_column_view_set_model (self->changes_view, GTK_SELECTION_MODEL (self->changes_selection));
  g_signal_connect (self->changes_selection, "notify::selected", G_CALLBACK (on_change_selected), self);
  g_signal_connect (self->changes_view, "activate", G_CALLBACK (on_change_activated), self);
}

/* ---------- norms of the whole series ---------- */

/* From the worker, after each tensor (in this thread; not once cancelled): how far it got. */
static void
on_norms_progress (guint done, guint total, gpointer data)
{
  PsSeriesPane *self = data;
  self->norms_done = done;
  self->norms_total = total;
  update_controls (self);
}

static void
on_norms_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  guint cells = 0;
  PsCheckpointSeries *s = ps_series_norms_compute_finish (result, &cells, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* replaced, or the pane is gone (it cancels the worker when disposed) */
  PsSeriesPane *self = data;
  g_clear_object (&self->norms_cancellable);
  g_clear_pointer (&self->norm_series, ps_checkpoint_series_free);
  g_clear_pointer (&self->norms_error, g_free);
  self->norm_series = s;
  self->norms_cells = cells;
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
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  for (guint i = 0; i < n_steps (self); i++)
    g_ptr_array_add (paths, (gpointer) ps_checkpoint_series_get_path (self->series, i));
  self->norms_cancellable = g_cancellable_new ();
  self->norms_done = self->norms_total = 0;
  /* the folder grew: the norms known stay, only the new files' (and what they change) are computed */
  ps_series_norms_compute_async (g_steal_pointer (&self->norm_series), (const char *const *) paths->pdata, paths->len,
                                 self->norms_cancellable, on_norms_progress, self, on_norms_done, self);
}

/* ---------- controls ---------- */

static void
update_status (PsSeriesPane *self)
{
  PsSeriesActivity a = {
    .watching = self->watch_dir != NULL,
    .n_pending = self->watch ? g_strv_length ((char **) ps_series_watch_get_pending (self->watch)) : 0,
    .computing_norms = self->norms_cancellable != NULL,
    .norms_done = self->norms_done,
    .norms_total = self->norms_total,
    .comparing = self->changes_cancellable != NULL,
    .reading = building (self),
  };
  g_free (self->status_text);
  self->status_text = ps_series_status_text (&a);
  gtk_label_set_text (self->status_label, self->status_text);
}

static void
update_controls (PsSeriesPane *self)
{
  self->updating = TRUE;
  guint n = n_steps (self);
  gtk_adjustment_configure (self->step_adjustment, step_of (self), 0, n ? n - 1 : 0, 1, 1, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), n > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), n > 1);
  gtk_check_button_set_active (self->follow_check, ps_series_cursor_get_following (self->cursor));
  gtk_toggle_button_set_active (self->play_button, self->play_source != 0);
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            self->play_source ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  /* "previous checkpoint", then every checkpoint */
  guint want = n + 1;
  GListModel *m = G_LIST_MODEL (self->compare_model);
  g_auto (GStrv) items = ps_series_labels_compare_items (self->series, n);
  /* only when the series changed (an open list keeps its rows while playing) */
  gboolean same = g_list_model_get_n_items (m) == want;
  for (guint i = 0; same && i < want; i++)
    same = g_strcmp0 (gtk_string_list_get_string (self->compare_model, i), items[i]) == 0;
  if (!same)
    gtk_string_list_splice (self->compare_model, 0, g_list_model_get_n_items (m), (const char *const *) items);
  int ci = ps_series_cursor_get_compare_choice (self->cursor);
  gtk_drop_down_set_selected (self->compare_dropdown, ci >= 0 ? (guint) ci + 1 : 0);

  g_free (self->step_text);
  self->step_text = ps_series_labels_step_text (self->series, step_of (self), n);
  gtk_label_set_text (self->step_label, self->step_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->step_label),
                               n ? ps_checkpoint_series_get_path (self->series, step_of (self)) : NULL);

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
    }
  else if (g_strcmp0 (page, "changes") == 0)
    ensure_changes (self);
  update_controls (self);
}

/* Shows what the cursor moved to: the step's pictures are redrawn when it changed. */
static void
moved (PsSeriesPane *self, gboolean changed)
{
  if (changed)
    mark_dirty (self, TRUE);
  refresh (self);
}

void
ps_series_pane_set_step (PsSeriesPane *self, guint step)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (n_steps (self) > 0)
    moved (self, ps_series_cursor_scrub (self->cursor, step));
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
  /* at most as fast as the pictures are read: the one shown is finished before moving on */
  int p = page_index (adw_view_stack_get_visible_child_name (self->view_stack));
  gboolean hold = p >= 0 && self->build_cancellable[p] != NULL, changed;
  if (!ps_series_cursor_play_tick (self->cursor, hold, &changed))
    {
      self->play_source = 0;
      update_controls (self);
      return G_SOURCE_REMOVE;
    }
  if (!hold)
    moved (self, changed);
  return G_SOURCE_CONTINUE;
}

void
ps_series_pane_set_playing (PsSeriesPane *self, gboolean play)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (play == (self->play_source != 0))
    return;
  gboolean changed;
  if (play && !ps_series_cursor_play_start (self->cursor, &changed))
    {
      update_controls (self);
      return;
    }
  if (play && changed)
    moved (self, TRUE);   /* from the start again */
  if (play)
    self->play_source = g_timeout_add (self->play_ms, play_tick, self);
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
  self->tensor = self->tensor_name ? ps_checkpoint_series_find_tensor (series, self->tensor_name) : -1;
  mark_dirty (self, FALSE);
  ps_series_cursor_series_grew (self->cursor, self->play_source != 0);
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
  if (self->build_cancellable[p] != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("The picture is still being read: export it when it is shown"));
      return FALSE;
    }
  return ps_series_export_figure (ps_figure_page_get_figure (self->plots[p]),
                                  ps_figure_page_get_message (self->plots[p]), path, width, height, error);
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
      else if (g_strcmp0 (job->page, "changes") == 0)
        {
          if (!ps_series_pane_export_changes (job->self, path, &error))
            emit_error (job->self, error->message);
        }
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
  gboolean table = g_strcmp0 (page, "changes") == 0;
  if (p < 0 && !table)
    return;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = ps_file_chooser_new (table ? _("Export Table (CSV)") : _("Export Picture (PNG, SVG or PDF)"),
                                                       GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  g_autofree char *name = ps_series_export_name (self->tensor >= 0 ? ps_checkpoint_series_get_tensor_name (self->series, (guint) self->tensor)
                                                                     : NULL, page);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  ExportJob *job = g_new0 (ExportJob, 1);
  job->self = g_object_ref (self);
  job->page = g_strdup (page);
  GtkWidget *view = p >= 0 ? GTK_WIDGET (self->plots[p]) : GTK_WIDGET (self);
  job->width = MAX (gtk_widget_get_width (view), EXPORT_MIN_WIDTH);
  job->height = MAX (gtk_widget_get_height (view), EXPORT_MIN_HEIGHT);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_export_response, job);
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
  g_clear_pointer (&self->changes_a, g_free);
  g_clear_pointer (&self->changes_b, g_free);
  self->series = series;
  ps_series_cursor_set_series (self->cursor, series);   /* the newest, following it */
  self->tensor = self->tensor_name ? ps_checkpoint_series_find_tensor (series, self->tensor_name) : -1;
  mark_dirty (self, FALSE);
  for (int i = 0; i < N_PLOTS; i++)
    ps_figure_page_set_figure (self->plots[i], NULL, NULL, NULL);
  gboolean ok = TRUE;
  if (watch_dir != NULL)
    {
      self->watch = ps_series_watch_new (series, watch_dir, on_added, self, error);
      ok = self->watch != NULL;
      if (ok)
        self->watch_dir = g_strdup (watch_dir);
      /* files still being written show in the status line (the watch says only when one is added) */
      if (ok && self->status_source == 0)
        self->status_source = g_timeout_add (STATUS_REFRESH_MS, refresh_status, self);
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
    {
      /* another tensor: its placeholder until it is read, never the previous tensor's picture */
      ps_figure_page_set_figure (self->plots[i], NULL, NULL, NULL);
      ps_figure_page_reset_zoom (self->plots[i]);
    }
  refresh (self);
}

guint ps_series_pane_get_n_steps (PsSeriesPane *self) { return n_steps (self); }
guint ps_series_pane_get_step (PsSeriesPane *self) { return step_of (self); }
int ps_series_pane_get_compare (PsSeriesPane *self) { return resolved_compare (self); }
gboolean ps_series_pane_get_following (PsSeriesPane *self) { return ps_series_cursor_get_following (self->cursor); }
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
  if (!ps_series_cursor_set_compare (self->cursor, step))
    return;
  self->dirty[P_DIFFERENCE] = self->dirty[P_NORMS] = TRUE;
  self->changes_dirty = TRUE;
  refresh (self);
}

void
ps_series_pane_set_following (PsSeriesPane *self, gboolean follow)
{
  g_return_if_fail (PS_IS_SERIES_PANE (self));
  if (follow && n_steps (self) > 0)
    {
      ps_series_pane_set_playing (self, FALSE);
      moved (self, ps_series_cursor_follow (self->cursor, TRUE));
    }
  else
    ps_series_cursor_follow (self->cursor, follow);
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
  return ps_figure_page_get_figure (self->plots[p]);
}

const char *
ps_series_pane_get_message (PsSeriesPane *self, const char *page)
{
  int p = page_index (page);
  if (p < 0)
    return NULL;
  ensure_page (self, p);
  return ps_figure_page_get_message (self->plots[p]);
}

const double *
ps_series_pane_get_norms (PsSeriesPane *self, guint *n)
{
  ensure_page (self, P_NORMS);
  *n = ps_figure_page_get_figure (self->plots[P_NORMS]) ? self->chart_norms->len : 0;
  return *n ? (const double *) self->chart_norms->data : NULL;
}

const double *
ps_series_pane_get_rel_changes (PsSeriesPane *self, guint *n)
{
  ensure_page (self, P_NORMS);
  *n = ps_figure_page_get_figure (self->plots[P_NORMS]) ? self->chart_rel->len : 0;
  return *n ? (const double *) self->chart_rel->data : NULL;
}

guint
ps_series_pane_get_norms_cells (PsSeriesPane *self)
{
  return self->norms_cells;
}

gboolean
ps_series_pane_get_busy (PsSeriesPane *self)
{
  return self->norms_cancellable != NULL || self->changes_cancellable != NULL || building (self);
}

cairo_surface_t *
ps_series_pane_render_for_test (PsSeriesPane *self, const char *page)
{
  int p = page_index (page);
  return p >= 0 ? ps_plot_view_render_for_test (ps_figure_page_get_view (self->plots[p]), TRUE) : NULL;
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
  for (int i = 0; i < N_PLOTS; i++)
    cancel_build (self, i);
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
  g_clear_object (&self->changes_selection);
  g_clear_object (&self->changes_sorted);
  g_clear_object (&self->changes_store);
  g_clear_pointer (&self->norm_series, ps_checkpoint_series_free);
  g_clear_pointer (&self->series, ps_checkpoint_series_free);
  g_array_unref (self->chart_steps);
  g_array_unref (self->chart_norms);
  g_array_unref (self->chart_rel);
  g_free (self->norms_error);
  g_free (self->changes_a);
  g_free (self->changes_b);
  g_free (self->changes_text);
  g_free (self->top_change);
  g_free (self->tensor_name);
  ps_series_cursor_free (self->cursor);
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
  /* a tensor (as the series names it) to show in every view of the window: a row of the largest changes clicked */
  signals[SIGNAL_SHOW_TENSOR] = g_signal_new ("show-tensor", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                              NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  g_type_ensure (PS_TYPE_FIGURE_PAGE);
  g_type_ensure (PS_TYPE_CHANGE_ROW);   /* the table's column templates bind its properties */
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
  CHILD (changes_view);
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
  self->cursor = ps_series_cursor_new ();
  self->play_ms = DEFAULT_PLAY_MS;
  self->chart_steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  self->chart_norms = g_array_new (FALSE, FALSE, sizeof (double));
  self->chart_rel = g_array_new (FALSE, FALSE, sizeof (double));
  PsFigurePage *views[N_PLOTS] = { self->heatmap_plot, self->histogram_plot, self->difference_plot, self->bands_plot,
                                   self->ridgeline_plot, self->norms_plot };
  for (int i = 0; i < N_PLOTS; i++)
    {
      self->plots[i] = views[i];
      self->dirty[i] = TRUE;
    }
  setup_changes_view (self);
  g_signal_connect (self->step_adjustment, "value-changed", G_CALLBACK (on_step_changed), self);
  g_signal_connect (self->follow_check, "notify::active", G_CALLBACK (on_follow_toggled), self);
  g_signal_connect (self->compare_dropdown, "notify::selected", G_CALLBACK (on_compare_selected), self);
  g_signal_connect (self->view_stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);
  update_controls (self);
}
