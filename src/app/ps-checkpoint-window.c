/* ps-checkpoint-window.c — see ps-checkpoint-window.h. */
#include "ps-config.h"
#include "ps-checkpoint-window.h"
#include "ps-count-text.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "ps-application.h"
#include "ps-checkpoint-drop.h"
#include "ps-checkpoint-item.h"
#include "ps-teardown.h"
#include "ps-checkpoint-open.h"
#include "ps-checkpoint-summary.h"
#include "ps-error-banner.h"
#include "ps-figure.h"
#include "ps-figure-page.h"
#include "ps-projector.h"
#include "ps-series-pane.h"
#include "ps-tensor-reading.h"

enum { PLOT_HEATMAP, PLOT_HISTOGRAM, N_PLOTS };
static const char *plot_names[N_PLOTS] = { "heatmap", "histogram" };

struct _PsCheckpointWindow {
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *window_title;
  PsErrorBanner *error_banner;
  GtkColumnView *tree_view;
  GtkLabel *count_label;
  AdwViewStack *view_stack;
  AdwViewStackPage *heatmap_page;
  AdwViewStackPage *histogram_page;
  AdwViewStackPage *statistics_page;
  AdwViewStackPage *tensor_pages[N_PLOTS + 1];   /* the three above, in order */
  GtkLabel *summary_label;
  GtkLabel *stats_label;
  PsFigurePage *heatmap_plot;
  PsFigurePage *histogram_plot;
  PsFigurePage *plots[N_PLOTS];                  /* the two above, in order */
  AdwViewStackPage *series_page;
  GtkPaned *paned;
  PsSeriesPane *series_pane;       /* shown for a folder (a series); the tree is its newest file */
  PsCheckpointOpenFlags open_flags;   /* how the file was opened (set before the norms worker starts) */
  gboolean is_series;

  PsCheckpointItem *root;          /* owns the PsCheckpoint */
  GtkTreeListModel *tree_model;
  GtkSingleSelection *selection;
  PsCheckpointSummary *summary;    /* counts at once; norms when the worker is done */
  char *summary_text;              /* the whole checkpoint's */
  char *path;                      /* the file (the norms worker opens its own handle) */
  char *header;                    /* first line of the summary: path and format */
  GCancellable *norms_cancellable; /* the running norms worker's; NULL when done */
  GSettings *settings;             /* the application's (colormap, projector mode); may be NULL */
  char *shown_summary;             /* what the summary page shows now */
  char *stats_text;
  /* the selected tensor is read, described and drawn in a worker (a reader of its own); the pages
   * keep what they showed, or a placeholder, until it is ready */
  GCancellable *tensor_cancellable;
  guint tensor_reads;              /* tensors read by workers so far (for tests) */
};

G_DEFINE_FINAL_TYPE (PsCheckpointWindow, ps_checkpoint_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---------- errors ---------- */

static void
show_error (PsCheckpointWindow *self, const char *text)
{
  ps_error_banner_set_text (self->error_banner, text);
}

void
ps_checkpoint_window_show_error (PsCheckpointWindow *self, const char *text)
{
  g_return_if_fail (PS_IS_CHECKPOINT_WINDOW (self));
  if (self->selection != NULL)   /* not closed meanwhile */
    show_error (self, text);
}

const char *
ps_checkpoint_window_get_error_text (PsCheckpointWindow *self)
{
  return ps_error_banner_get_text (self->error_banner);
}

/* ---------- plots ---------- */

PsFigure *
ps_checkpoint_window_get_figure (PsCheckpointWindow *self, const char *page)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (g_strcmp0 (page, plot_names[i]) == 0)
      return ps_figure_page_get_figure (self->plots[i]);
  return NULL;
}

const char *
ps_checkpoint_window_get_message (PsCheckpointWindow *self, const char *page)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (g_strcmp0 (page, plot_names[i]) == 0)
      return ps_figure_page_get_message (self->plots[i]);
  return NULL;
}

/* ---------- selection ---------- */

static void
set_tensor_pages_visible (PsCheckpointWindow *self, gboolean visible)
{
  for (int i = 0; i <= N_PLOTS; i++)   /* a series shows its own heatmap and histogram per checkpoint */
    adw_view_stack_page_set_visible (self->tensor_pages[i], visible && (i == N_PLOTS || !self->is_series));
}

static void
cancel_tensor (PsCheckpointWindow *self)
{
  if (self->tensor_cancellable != NULL)
    g_cancellable_cancel (self->tensor_cancellable);
  g_clear_object (&self->tensor_cancellable);
}

static void
clear_tensor (PsCheckpointWindow *self)
{
  cancel_tensor (self);
  for (int i = 0; i < N_PLOTS; i++)
    ps_figure_page_set_figure (self->plots[i], NULL, NULL, NULL);
  g_clear_pointer (&self->stats_text, g_free);
}

static void
show_group (PsCheckpointWindow *self, PsCheckpointItem *item)
{
  const char *path = item ? ps_checkpoint_item_get_path (item) : "";
  g_free (self->shown_summary);
  if (*path)
    {
      const PsCheckpointNode *node = ps_checkpoint_item_get_node (item);
      g_autofree char *num = ps_count_text (ps_checkpoint_item_get_numel (item));
      g_autofree char *params = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter", "%s parameters",
                                                              (gulong) ps_checkpoint_item_get_numel (item)), num);
      g_autofree char *tensors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u tensor", "%u tensors",
                                                               node->n_tensors), node->n_tensors);
      self->shown_summary = g_strdup_printf (_("%s: %s in %s (%s)\n\nThe whole checkpoint:\n%s"),
                                             path, params, tensors, ps_checkpoint_item_get_dtype (item),
                                             self->summary_text);
    }
  else
    self->shown_summary = g_strdup (self->summary_text);
  gtk_label_set_text (self->summary_label, self->shown_summary);
  set_tensor_pages_visible (self, FALSE);
  adw_view_stack_set_visible_child_name (self->view_stack, "summary");
}

/* The selected tensor, read in a worker (ps-tensor-reading): its pictures and numbers. */
static void
on_tensor_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsTensorReading) r = ps_tensor_reading_run_finish (result, NULL);
  if (r == NULL)
    return;   /* cancelled: something else was selected, or the window is gone */
  PsCheckpointWindow *self = data;
  if (self->selection == NULL)
    return;   /* the window is closed */
  g_clear_object (&self->tensor_cancellable);
  self->tensor_reads++;
  const char *text = ps_tensor_reading_get_text (r);
  if (ps_tensor_reading_failed (r))
    {
      show_error (self, text);
      for (int i = 0; i < N_PLOTS; i++)
        ps_figure_page_set_message (self->plots[i], text);
    }
  else
    for (guint i = 0; i < ps_tensor_reading_get_n_figures (r); i++)
      {
        ps_figure_page_set_scale (self->plots[i], ps_tensor_reading_get_options (r, i)->scale);
        PsFigure *fig = ps_tensor_reading_steal_figure (r, i);
        if (fig != NULL)
          ps_figure_page_set_figure (self->plots[i], fig, ps_tensor_reading_get_name (r), NULL);
        else
          ps_figure_page_set_message (self->plots[i], ps_tensor_reading_get_figure_error (r, i));
        ps_figure_page_reset_zoom (self->plots[i]);
      }
  g_free (self->stats_text);
  self->stats_text = g_strdup (text);
  gtk_label_set_text (self->stats_label, self->stats_text);
}

static void
show_tensor (PsCheckpointWindow *self, PsCheckpointItem *item)
{
  const PsCheckpointEntry *e = ps_checkpoint_item_get_entry (item);
  cancel_tensor (self);
  gboolean draw = !self->is_series;   /* a series shows its own heatmap and histogram per checkpoint */
  PsFigureOptions o[N_PLOTS];
  for (int i = 0; i < N_PLOTS; i++)
    {
      ps_figure_options_init (&o[i]);
      o[i].kind = i == PLOT_HEATMAP ? PS_FIGURE_HEATMAP : PS_FIGURE_HISTOGRAM;
      /* the same choices as the model window's views */
      if (self->settings != NULL)
        o[i].colormap = (PsColormapKind) g_settings_get_enum (self->settings, "colormap");
      o[i].scale = ps_projector_plot_scale (self->settings);
    }
  /* until it is read: the previous tensor's pictures and numbers stay, else a placeholder */
  g_autofree char *reading = g_strdup_printf (_("Reading %s…"), e->name);
  for (int i = 0; draw && i < N_PLOTS; i++)
    if (ps_figure_page_get_figure (self->plots[i]) == NULL)
      ps_figure_page_set_message (self->plots[i], reading);
  if (self->stats_text == NULL)
    {
      self->stats_text = g_strdup (reading);
      gtk_label_set_text (self->stats_label, self->stats_text);
    }
  self->tensor_cancellable = g_cancellable_new ();
  ps_tensor_reading_run_async (ps_tensor_reading_new (self->path, self->open_flags, e->name, o, draw ? N_PLOTS : 0),
                               self->tensor_cancellable, on_tensor_read, self);

  g_free (self->shown_summary);
  self->shown_summary = g_strdup (self->summary_text);
  gtk_label_set_text (self->summary_label, self->shown_summary);
  set_tensor_pages_visible (self, TRUE);
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  if (g_strcmp0 (page, "summary") == 0)
    adw_view_stack_set_visible_child_name (self->view_stack, self->is_series ? "series" : "heatmap");
}

static PsCheckpointItem *
selected_item (PsCheckpointWindow *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->selection);
  return row ? PS_CHECKPOINT_ITEM (gtk_tree_list_row_get_item (row)) : NULL;
}

static void
on_selected (GtkSingleSelection *sel, GParamSpec *pspec, PsCheckpointWindow *self)
{
  g_autoptr (PsCheckpointItem) item = selected_item (self);
  if (item != NULL && ps_checkpoint_item_get_entry (item) != NULL)
    show_tensor (self, item);   /* the previous tensor's pictures stay until the new ones are read */
  else
    {
      clear_tensor (self);
      show_group (self, item);
      for (int i = 0; i < N_PLOTS; i++)
        ps_figure_page_reset_zoom (self->plots[i]);
    }
  if (self->is_series)
    ps_series_pane_set_tensor (self->series_pane, item && ps_checkpoint_item_get_entry (item)
                                                    ? ps_checkpoint_item_get_entry (item)->name : NULL);
}

gboolean
ps_checkpoint_window_select_path (PsCheckpointWindow *self, const char *path)
{
  PsCheckpoint *ck = ps_checkpoint_item_get_checkpoint (self->root);
  if (ps_checkpoint_find_node (ck, path) == NULL)
    return FALSE;
  /* expand every ancestor so the row exists, then find it */
  GListModel *model = G_LIST_MODEL (self->tree_model);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr (PsCheckpointItem) item = gtk_tree_list_row_get_item (row);
      const char *p = ps_checkpoint_item_get_path (item);
      if (g_strcmp0 (p, path) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
      gsize n = strlen (p);
      if (*p == '\0' || (g_str_has_prefix (path, p) && path[n] == '.'))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
  return FALSE;
}

char *
ps_checkpoint_window_dump_tree (PsCheckpointWindow *self)
{
  return ps_checkpoint_item_to_string (self->root);
}

const char *
ps_checkpoint_window_get_page (PsCheckpointWindow *self)
{
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

void
ps_checkpoint_window_set_page (PsCheckpointWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

const char *
ps_checkpoint_window_get_summary_text (PsCheckpointWindow *self)
{
  return self->shown_summary;
}

const char *
ps_checkpoint_window_get_statistics_text (PsCheckpointWindow *self)
{
  return self->stats_text;
}

/* Per-layer norms decode every tensor: a worker computes them with a handle of its own (the
 * readers are not shared across threads) while the window is already usable. */
static void
norms_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open_full (data, PS_CHECKPOINT_WINDOW (source)->open_flags, &error);
  PsCheckpointSummary *s = ck ? ps_checkpoint_summary_new (ck, TRUE, cancellable, &error) : NULL;
  if (s == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, s, (GDestroyNotify) ps_checkpoint_summary_free);
}

static void
on_norms_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  PsCheckpointSummary *s = g_task_propagate_pointer (G_TASK (result), &error);
  PsCheckpointWindow *self = PS_CHECKPOINT_WINDOW (source);
  if (self->selection == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&s, ps_checkpoint_summary_free);
      return;   /* the window was closed */
    }
  g_clear_object (&self->norms_cancellable);
  g_autofree char *body = NULL;
  if (s == NULL)
    {
      g_autofree char *counts = ps_checkpoint_summary_to_text (self->summary);
      /* the counts stay; the norms line says why there are none */
      char *cut = strstr (counts, "\nL2 norm per layer:");
      if (cut != NULL)
        *cut = '\0';
      body = g_strdup_printf (_("%s\n\nNo L2 norms: %s\n"), counts, error->message);
      show_error (self, error->message);
    }
  else
    {
      ps_checkpoint_summary_free (self->summary);
      self->summary = s;
      body = ps_checkpoint_summary_to_text (s);
    }
  g_free (self->summary_text);
  self->summary_text = g_strdup_printf ("%s\n%s", self->header, body);
  /* refresh what the summary page shows */
  g_autoptr (PsCheckpointItem) item = selected_item (self);
  if (item == NULL || ps_checkpoint_item_get_entry (item) == NULL)
    show_group (self, item);
  else
    {
      g_free (self->shown_summary);
      self->shown_summary = g_strdup (self->summary_text);
      gtk_label_set_text (self->summary_label, self->shown_summary);
    }
}

static void
start_norms (PsCheckpointWindow *self)
{
  if (self->path == NULL)
    return;
  self->norms_cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, self->norms_cancellable, on_norms_done, NULL);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, norms_thread);
}

gboolean
ps_checkpoint_window_get_busy (PsCheckpointWindow *self)
{
  return self->norms_cancellable != NULL || self->tensor_cancellable != NULL;
}

gboolean
ps_checkpoint_window_get_reading (PsCheckpointWindow *self)
{
  return self->tensor_cancellable != NULL;
}

guint
ps_checkpoint_window_get_n_reads (PsCheckpointWindow *self)
{
  return self->tensor_reads;
}

static void
on_settings_changed (GSettings *settings, const char *key, PsCheckpointWindow *self)
{
  if (g_str_equal (key, "projector-mode"))
    ps_projector_apply (GTK_WIDGET (self), settings);
  if (g_str_equal (key, "colormap") || g_str_equal (key, "projector-mode"))
    on_selected (self->selection, NULL, self);   /* redraw the figures with the new choice */
}

cairo_surface_t *
ps_checkpoint_window_render_for_test (PsCheckpointWindow *self, const char *page)
{
  for (int i = 0; i < N_PLOTS; i++)
    if (g_strcmp0 (page, plot_names[i]) == 0)
      return ps_plot_view_render_for_test (ps_figure_page_get_view (self->plots[i]), TRUE);
  return NULL;
}

PsSeriesPane *
ps_checkpoint_window_get_series_pane (PsCheckpointWindow *self)
{
  return self->is_series ? self->series_pane : NULL;
}

static void
on_series_error (PsSeriesPane *pane, const char *text, PsCheckpointWindow *self)
{
  show_error (self, text);
}

/* Takes ck, s and series (NULL: one file). For a series, ck is its newest file at opening. */
/* A row of the largest changes clicked: that tensor selected in the tree (named as the newest file
 * stores it), else shown in the series pane only (it is not in that file). */
static void
on_series_show_tensor (PsSeriesPane *pane, const char *name, PsCheckpointWindow *self)
{
  PsCheckpoint *ck = ps_checkpoint_item_get_checkpoint (self->root);
  const char *prefix = ps_checkpoint_get_state_dict_prefix (ck);
  g_autofree char *stored = g_strconcat (prefix ? prefix : "", name, NULL);
  if (!ps_checkpoint_window_select_path (self, stored) && !ps_checkpoint_window_select_path (self, name))
    ps_series_pane_set_tensor (pane, name);
}

/* a series window opens larger than one checkpoint's (px): the pictures over checkpoints need the room */
#define SERIES_WINDOW_WIDTH 1400
#define SERIES_WINDOW_HEIGHT 860
#define SERIES_TREE_WIDTH 400   /* the tensor tree beside them */

static PsCheckpointWindow *
window_new (GtkApplication *app, GFile *file, PsCheckpoint *ck, PsCheckpointSummary *s, PsCheckpointSeries *series,
            gboolean chosen_files, PsCheckpointOpenFlags flags)
{
  PsCheckpointWindow *self = g_object_new (PS_TYPE_CHECKPOINT_WINDOW, "application", app, NULL);
  self->open_flags = flags;
  /* a series: `file` is its folder (watched), or the folder of the files chosen (not watched) */
  g_autofree char *folder = series ? g_file_get_path (file) : NULL;
  g_autoptr (GFile) shown = series ? g_file_new_for_path (ps_checkpoint_series_get_path (series,
                                                           ps_checkpoint_series_get_n_steps (series) - 1))
                                   : g_object_ref (file);
  g_autofree char *base = g_file_get_basename (shown);
  g_autofree char *path = g_file_get_path (shown);
  PsCheckpointFormat format = ps_checkpoint_get_format (ck);
  self->summary = s;
  self->path = g_strdup (path);
  if (series && chosen_files)
    self->header = g_strdup_printf (_("%u checkpoint files chosen in %s, ordered by %s; the tree and the summary "
                                      "show the newest, %s (%s)"),
                                    ps_checkpoint_series_get_n_steps (series), folder,
                                    ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (series)), base,
                                    ps_checkpoint_format_name (format));
  else if (series)
    self->header = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "%s: %u checkpoint ordered by %s; the tree and the summary show the newest "
                                                 "when the folder was opened, %s (%s)",
                                                 "%s: %u checkpoints ordered by %s; the tree and the summary show the newest "
                                                 "when the folder was opened, %s (%s)", ps_checkpoint_series_get_n_steps (series)),
                                    folder, ps_checkpoint_series_get_n_steps (series),
                                    ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (series)), base,
                                    ps_checkpoint_format_name (format));
  else
    self->header = g_strdup_printf ("%s (%s)", path ? path : base, ps_checkpoint_format_name (format));
  g_autofree char *body = ps_checkpoint_summary_to_text (s);
  self->summary_text = g_strdup_printf ("%s\n%s", self->header, body);
  self->root = ps_checkpoint_item_new_root (ck, base);
  GSettings *settings = PS_IS_APPLICATION (app) ? ps_application_get_settings (PS_APPLICATION (app)) : NULL;
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
      ps_projector_apply (GTK_WIDGET (self), settings);
    }

  if (series)
    {
      self->is_series = TRUE;
      /* the pictures over checkpoints need the room more than the tree's columns */
      gtk_window_set_default_size (GTK_WINDOW (self), SERIES_WINDOW_WIDTH, SERIES_WINDOW_HEIGHT);
      gtk_paned_set_position (self->paned, SERIES_TREE_WIDTH);
      adw_view_stack_page_set_visible (self->series_page, TRUE);
      g_signal_connect_object (self->series_pane, "error", G_CALLBACK (on_series_error), self, 0);
      g_signal_connect_object (self->series_pane, "show-tensor", G_CALLBACK (on_series_show_tensor), self, 0);
      ps_series_pane_set_settings (self->series_pane, self->settings);
      g_autoptr (GError) werror = NULL;
      /* a training run may still be writing: new checkpoints join the series as they are finished */
      if (!ps_series_pane_set_series (self->series_pane, series, chosen_files ? NULL : folder, &werror))
        show_error (self, werror->message);
      g_free (base);
      base = g_file_get_basename (file);
    }
  gtk_window_set_title (GTK_WINDOW (self), base);
  adw_window_title_set_title (self->window_title, base);
  g_autofree char *n_params = ps_count_text (s->n_params);
  g_autofree char *subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s parameter",
                                                            "%s · %s parameters", (gulong) s->n_params),
                                               ps_checkpoint_format_name (format), n_params);
  if (series)
    {
      g_free (subtitle);
      /* no count: the watched folder grows */
      subtitle = g_strdup_printf (_("Checkpoints of a run, ordered by %s"),
                                  ps_checkpoint_series_order_name (ps_checkpoint_series_get_order (series)));
    }
  adw_window_title_set_subtitle (self->window_title, subtitle);
  g_autofree char *in_tensors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u tensor", "%u tensors", s->n_tensors),
                                                 s->n_tensors);
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s parameter (shared storage counted once) in %s",
                                                         "%s parameters (shared storage counted once) in %s",
                                                         (gulong) s->n_params), n_params, in_tensors);
  gtk_label_set_text (self->count_label, count);

  GListStore *store = g_list_store_new (PS_TYPE_CHECKPOINT_ITEM);
  g_list_store_append (store, self->root);
  self->tree_model = gtk_tree_list_model_new (G_LIST_MODEL (store), FALSE, FALSE,
                                              ps_checkpoint_item_create_children_model, NULL, NULL);
  /* the root open: its first level is what a user looks for */
  g_autoptr (GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree_model), 0);
  gtk_tree_list_row_set_expanded (row, TRUE);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->tree_model)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  gtk_column_view_set_model (self->tree_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (on_selected), self);
  on_selected (self->selection, NULL, self);
  start_norms (self);
  return self;
}

/* ---------- opening in a worker ---------- */

typedef struct {
  GFile *file;
  GPtrArray *files;             /* GFile*: several files as one series (NULL: `file` alone) */
  PsCheckpointOpenFlags flags;  /* PS_CHECKPOINT_OPEN_ANYWAY: whole pickled objects shown inertly */
  PsCheckpoint *ck;
  PsCheckpointSummary *summary;
  PsCheckpointSeries *series;   /* a folder */
} OpenData;

static void
open_data_free (gpointer p)
{
  OpenData *d = p;
  g_clear_object (&d->file);
  g_clear_pointer (&d->files, g_ptr_array_unref);
  g_clear_pointer (&d->ck, ps_checkpoint_free);
  g_clear_pointer (&d->summary, ps_checkpoint_summary_free);
  g_clear_pointer (&d->series, ps_checkpoint_series_free);
  g_free (d);
}

static void
open_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  OpenData *d = data;
  GError *error = NULL;
  PsCheckpointOpened o;
  if (!ps_checkpoint_opened_open (&o, d->file, d->files ? (GFile *const *) d->files->pdata : NULL,
                                  d->files ? d->files->len : 0, d->flags, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  d->ck = o.ck;
  d->summary = o.summary;
  d->series = o.series;
  g_task_return_boolean (task, TRUE);
}

/* Every way of opening runs open_thread on `d` (taken) and finishes with ..._open_finish. */
static void
open_in_worker (GtkApplication *app, OpenData *d, GCancellable *cancellable, GAsyncReadyCallback callback,
                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (app, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_checkpoint_window_open_async);
  g_task_set_task_data (task, d, open_data_free);
  g_task_run_in_thread (task, open_thread);
}

void
ps_checkpoint_window_open_async (GtkApplication *app, GFile *file, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GTK_IS_APPLICATION (app) && G_IS_FILE (file));
  OpenData *d = g_new0 (OpenData, 1);
  d->file = g_object_ref (file);
  open_in_worker (app, d, cancellable, callback, user_data);
}

void
ps_checkpoint_window_open_anyway_async (GtkApplication *app, GFile *file, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GTK_IS_APPLICATION (app) && G_IS_FILE (file));
  OpenData *d = g_new0 (OpenData, 1);
  d->file = g_object_ref (file);
  d->flags = PS_CHECKPOINT_OPEN_ANYWAY;
  open_in_worker (app, d, cancellable, callback, user_data);
}

gboolean
ps_checkpoint_window_error_allows_anyway (const GError *error)
{
  /* the torch reader's refusal of an unknown class says so (system modules are never allowed) */
  return error != NULL && strstr (error->message, "open anyway shows such objects inertly") != NULL;
}

void
ps_checkpoint_window_open_series_async (GtkApplication *app, GFile *const *files, guint n_files,
                                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GTK_IS_APPLICATION (app) && files != NULL && n_files > 0);
  OpenData *d = g_new0 (OpenData, 1);
  /* the window is named by the folder of the first file */
  d->file = g_file_get_parent (files[0]);
  if (d->file == NULL)
    d->file = g_object_ref (files[0]);
  d->files = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_files; i++)
    g_ptr_array_add (d->files, g_object_ref (files[i]));
  open_in_worker (app, d, cancellable, callback, user_data);
}

PsCheckpointWindow *
ps_checkpoint_window_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result) && g_task_get_source_tag (G_TASK (result)) == ps_checkpoint_window_open_async, NULL);
  GTask *task = G_TASK (result);
  if (!g_task_propagate_boolean (task, error))
    return NULL;
  OpenData *d = g_task_get_task_data (task);
  return window_new (GTK_APPLICATION (g_task_get_source_object (task)), d->file, g_steal_pointer (&d->ck),
                     g_steal_pointer (&d->summary), g_steal_pointer (&d->series), d->files != NULL, d->flags);
}

/* ---------- GObject ---------- */

static void
ps_checkpoint_window_dispose (GObject *object)
{
  PsCheckpointWindow *self = PS_CHECKPOINT_WINDOW (object);
  /* its view switcher and the series pane's: their indicators dropped while the buttons are alive
   * (ps-teardown.c, seed 2613 on the main window) */
  ps_teardown_view_switchers (GTK_WIDGET (self));
  if (self->norms_cancellable != NULL)
    g_cancellable_cancel (self->norms_cancellable);
  g_clear_object (&self->norms_cancellable);
  cancel_tensor (self);   /* its callback must not find the window gone */
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_func (self->settings, on_settings_changed, self);
  g_clear_object (&self->settings);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, on_selected, self);
  clear_tensor (self);
  g_clear_object (&self->selection);
  g_clear_object (&self->tree_model);
  g_clear_object (&self->root);
  G_OBJECT_CLASS (ps_checkpoint_window_parent_class)->dispose (object);
}

static void
ps_checkpoint_window_finalize (GObject *object)
{
  PsCheckpointWindow *self = PS_CHECKPOINT_WINDOW (object);
  g_clear_pointer (&self->summary, ps_checkpoint_summary_free);
  g_free (self->summary_text);
  g_free (self->shown_summary);
  g_free (self->path);
  g_free (self->header);
  G_OBJECT_CLASS (ps_checkpoint_window_parent_class)->finalize (object);
}

static void
ps_checkpoint_window_class_init (PsCheckpointWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_checkpoint_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_checkpoint_window_finalize;

  g_type_ensure (PS_TYPE_FIGURE_PAGE);
  g_type_ensure (PS_TYPE_ERROR_BANNER);
  g_type_ensure (PS_TYPE_SERIES_PANE);
  g_type_ensure (PS_TYPE_CHECKPOINT_ITEM);   /* the tree's column templates bind its properties */
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-checkpoint-window.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PsCheckpointWindow, name)
  CHILD (window_title);
  CHILD (error_banner);
  CHILD (tree_view);
  CHILD (count_label);
  CHILD (view_stack);
  CHILD (heatmap_page);
  CHILD (histogram_page);
  CHILD (statistics_page);
  CHILD (summary_label);
  CHILD (stats_label);
  CHILD (heatmap_plot);
  CHILD (histogram_plot);
  CHILD (series_page);
  CHILD (paned);
  CHILD (series_pane);
#undef CHILD
}

static void
ps_checkpoint_window_init (PsCheckpointWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->tensor_pages[0] = self->heatmap_page;
  self->tensor_pages[1] = self->histogram_page;
  self->tensor_pages[2] = self->statistics_page;
  self->plots[PLOT_HEATMAP] = self->heatmap_plot;
  self->plots[PLOT_HISTOGRAM] = self->histogram_plot;
  ps_checkpoint_drop_attach (GTK_WINDOW (self));   /* more files or folders dragged here open beside it */
}
