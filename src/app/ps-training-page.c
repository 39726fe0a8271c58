/* ps-training-page.c — see ps-training-page.h. */
#include "ps-config.h"
#include "ps-training-page.h"
#include "ps-plot-view.h"
#include "ps-file-chooser.h"
#include "ps-figure.h"
#include "ps-export.h"
#include "ps-animation.h"
#include "ps-error.h"
#include "ps-optimizer.h"
#include "ps-train-ops.h"
#include "ps-substep-replay.h"
#include "ps-frame-list.h"
#include "ps-train-snapshots.h"
#include "ps-train-series.h"
#include "ps-train-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* A live run redraws at most this often (µs): a steady rate, whatever the steps per second. */
#define LIVE_FRAME_US (100 * 1000)
/* An export's progress is shown again this often (ms): ten times a second, as the live run redraws. */
#define EXPORT_PROGRESS_MS 100

struct _PsTrainingPage {
  GtkBox parent_instance;
  PsDocument *doc;                 /* ref */
  PsTrainMonitor *monitor;         /* ref while live */
  GCancellable *cancellable;       /* ref while live */
  guint tick_id;
  gint64 last_rebuild;
  guint rebuilt_records;
  guint n_rebuilds;
  gboolean dirty;                  /* the timeline changed: re-index the records */
  gboolean stale;                  /* changed while not on screen: rebuild when mapped */
  gboolean disposed;               /* children gone: nothing to update */
  gboolean exporting;              /* frames over sub-steps: build even when not on screen */

  GtkLabel *status_label;
  GtkToggleButton *pause_button;
  GtkButton *cancel_button;
  GtkDropDown *view_dropdown;
  GtkDropDown *param_dropdown;
  GtkStringList *param_items;
  GtkDropDown *what_dropdown;
  GtkStringList *what_items;
  GtkWidget *param_box;
  GtkScale *sub_scale;
  GtkAdjustment *sub_adjustment;
  GtkLabel *sub_label;
  GtkSpinButton *diff_spin;
  GtkWidget *diff_box;
  PsPlotView *plot;
  char *status;
  char *empty_text;

  PsTrainRecords *recs;            /* every recorded sub-step, its snapshot, axis place and train op */
  guint shown;
  PsState *shown_state;            /* ref */
  guint pic_index;                 /* the sub-step whose snapshot shown_state is (while a replay runs,
                                    * the previous picture stays: it may differ from `shown`) */
  gboolean syncing;

  /* the records' snapshots: dropped ones (memory budget) replayed in a worker, one at a time */
  PsTrainSnapshots *snaps;

  /* Export Over Sub-steps (ps_training_page_export_frames_async): the frames' dropped snapshots are
   * replayed in a worker first (progress bar, Cancel Export), then the frames are drawn from them */
  GTask *export_task;              /* ref while an export runs: the caller's */
  GTask *export_replay;            /* ref while its replays run (progress) */
  GHashTable *export_states;       /* record index → PsState* (ref): the replayed frames */
  GArray *export_frames;           /* guint record indices */
  guint export_progress_id;
  guint records_gen;               /* bumped whenever the records are indexed again */
  GtkWidget *export_box;
  GtkProgressBar *export_progress;
  GtkButton *export_cancel_button;
  GtkWidget *controls_row;
  GtkWidget *button_bar;           /* the commands' flow box */
  GtkWidget *pause_child, *cancel_child;   /* their flow-box wrappers: hidden with the buttons */

  /* ridgeline / bands: the chosen tensor over the recorded sub-steps, dropped ones recomputed in a worker */
  PsTrainSeries *series;

  /* the figure of the current view: the render layer's frame of the shown sub-step (what the
   * exports and `paramscope-cli animate --view` draw), or the ridgeline / bands over sub-steps */
  PsTrainingView view;
  PsTrainFrames *frames;
  PsFigure *fig;
  PsTensor *shown_tensor;          /* ref: the series figure's */
  gboolean have_figure;
};

G_DEFINE_FINAL_TYPE (PsTrainingPage, ps_training_page, GTK_TYPE_BOX)

static const char *const view_names[] = {
  N_("Loss and accuracy"), N_("Update and gradient ratios"), N_("Activations per layer"),
  N_("Gradients per layer"), N_("Decision boundary"), N_("First-layer weights (tiles)"), N_("Parameter heatmap"),
  N_("Parameter histogram"), N_("Parameter ridgeline over sub-steps"), N_("Parameter percentile bands over sub-steps"),
  N_("Difference of two sub-steps"), N_("Gradients of layer outputs"),
};
G_STATIC_ASSERT (G_N_ELEMENTS (view_names) == PS_TRAINING_N_VIEWS);

/* The render layer's view (ps-train-view) each page view is, or -1: the ridgeline and bands over
 * sub-steps (ps_figure_new_for_series) are the page's own. */
static const int train_view_kinds[] = {
  PS_TRAIN_VIEW_LOSS, PS_TRAIN_VIEW_RATIOS, PS_TRAIN_VIEW_ACTIVATIONS, PS_TRAIN_VIEW_GRADIENTS,
  PS_TRAIN_VIEW_BOUNDARY, PS_TRAIN_VIEW_WEIGHT_TILES, PS_TRAIN_VIEW_HEATMAP, PS_TRAIN_VIEW_HISTOGRAM, -1, -1,
  PS_TRAIN_VIEW_DIFFERENCE, PS_TRAIN_VIEW_OUTPUT_GRADIENTS,
};
G_STATIC_ASSERT (G_N_ELEMENTS (train_view_kinds) == PS_TRAINING_N_VIEWS);
G_STATIC_ASSERT (PS_TRAINING_SHEET_PAGES == PS_TRAIN_VIEW_SHEET_PAGES && PS_TRAINING_MAX_FRAMES == PS_TRAIN_VIEW_MAX_FRAMES);

static void rebuild (PsTrainingPage *self);

/* ---------- records ---------- */


static void
clear_records (PsTrainingPage *self)
{
  self->records_gen++;
  ps_train_series_forget (self->series);
  ps_train_snapshots_forget (self->snaps);
  ps_train_records_clear (self->recs);
}

/* Index every record of the timeline's train ops (only their states are built). */
static void
index_timeline (PsTrainingPage *self)
{
  clear_records (self);
  if (self->doc != NULL)
    ps_train_records_index_timeline (self->recs, ps_document_get_timeline (self->doc));
}

/* Record i's state (a new ref): its snapshot, or — when the train op dropped it to stay within the
 * memory budget — a replay from the nearest kept one, in a worker: NULL and *pending until it is
 * done (rebuild runs again then). An export, which draws frame after frame at once, replays here
 * (or has replayed them in its worker: export_states). NULL (not pending) for a live record or when
 * the replay failed. */
static PsState *
record_state (PsTrainingPage *self, guint i, gboolean *pending)
{
  PsState *st = self->export_states ? g_hash_table_lookup (self->export_states, GUINT_TO_POINTER (i)) : NULL;
  *pending = FALSE;
  if (st != NULL)
    return ps_state_ref (st);
  return ps_train_snapshots_get (self->snaps, i, self->exporting, pending);
}

/* ---------- the shown snapshot ---------- */

static PsModule *
shown_model (PsTrainingPage *self)
{
  return self->shown_state ? ps_state_get_root (self->shown_state) : NULL;
}

/* The list's strings become `names`, unless they are the same already (then the selection stays as
 * it is: no flicker while live): FALSE. */
static gboolean
replace_strings (GtkStringList *list, GPtrArray *names)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  gboolean same = n == names->len;
  for (guint i = 0; same && i < n; i++)
    same = strcmp (gtk_string_list_get_string (list, i), names->pdata[i]) == 0;
  if (same)
    return FALSE;
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (list, 0, n, (const char *const *) names->pdata);
  g_ptr_array_set_size (names, names->len - 1);
  return TRUE;
}

static void
update_params (PsTrainingPage *self)
{
  PsModule *root = shown_model (self);
  g_autofree char *keep = NULL;
  GtkStringObject *sel = gtk_drop_down_get_selected_item (self->param_dropdown);
  if (sel != NULL)
    keep = g_strdup (gtk_string_object_get_string (sel));
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  if (root != NULL)
    {
      g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
      for (guint i = 0; i < items->len; i++)
        g_ptr_array_add (names, g_strdup_printf ("%s.%s", self->shown_state->root, ((PsNamedItem *) items->pdata[i])->path));
    }
  self->syncing = TRUE;
  if (replace_strings (self->param_items, names))
    {
      guint pick = 0;
      for (guint i = 0; keep && i < names->len; i++)
        if (strcmp (names->pdata[i], keep) == 0)
          pick = i;
      gtk_drop_down_set_selected (self->param_dropdown, pick);
    }
  self->syncing = FALSE;
}

static void
update_whats (PsTrainingPage *self)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_ptr_array_add (names, "value");
  g_ptr_array_add (names, "grad");
  PsTrainObject *o = self->shown_state ? ps_train_view_optimizer (self->shown_state) : NULL;
  guint p = gtk_drop_down_get_selected (self->param_dropdown);
  const char *sn[4] = { 0 };
  PsTensor *sv[4] = { 0 };
  guint k = o && p != GTK_INVALID_LIST_POSITION ? ps_optimizer_state_items (o->optimizer, p, sn, sv) : 0;
  for (guint i = 0; i < k; i++)
    {
      if (strcmp (sn[i], "step") != 0)
        g_ptr_array_add (names, (gpointer) sn[i]);
      ps_tensor_unref (sv[i]);   /* the items come with a ref each */
    }
  guint keep = gtk_drop_down_get_selected (self->what_dropdown);
  self->syncing = TRUE;
  if (replace_strings (self->what_items, names))
    gtk_drop_down_set_selected (self->what_dropdown, keep < names->len ? keep : 0);
  self->syncing = FALSE;
}

/* ---------- figures ---------- */

static void
clear_figure (PsTrainingPage *self)
{
  self->have_figure = FALSE;
  g_clear_pointer (&self->frames, ps_train_frames_free);
  g_clear_pointer (&self->fig, ps_figure_free);
  g_clear_pointer (&self->shown_tensor, ps_tensor_unref);
  g_clear_pointer (&self->empty_text, g_free);
}

/* The render layer's frames of `kind` at the record indices `frames` (record_state gives their
 * snapshots; `live`: the one shown sub-step, its snapshot `shown`, as the page shows it), the chosen
 * parameter and what of it, and for the Difference view `other`, the snapshot of the sub-step it
 * subtracts. NULL and the error (live: the page's message) when a frame cannot be drawn. */
static PsTrainFrames *
view_frames (PsTrainingPage *self, PsTrainViewKind kind, gboolean live, const guint *frames, guint n_frames,
             PsState *shown, PsState *other, GError **error)
{
  PsTrainViewOptions vo;
  ps_train_view_options_init (&vo);
  vo.kind = kind;
  vo.live = live;
  vo.shared_range = !live;
  vo.axis_continues = ps_train_records_axis_continues (self->recs);
  GtkStringObject *po = gtk_drop_down_get_selected_item (self->param_dropdown);
  GtkStringObject *wo = gtk_drop_down_get_selected_item (self->what_dropdown);
  vo.param = po ? gtk_string_object_get_string (po) : NULL;
  vo.what = wo ? gtk_string_object_get_string (wo) : NULL;
  const guint n = ps_train_records_get_n (self->recs);
  g_autoptr (PsTrainFrames) tf = ps_train_frames_new (&vo, ps_train_records_get_all (self->recs),
                                                      ps_train_records_get_xs (self->recs), n);
  const PsRecipe *recipe = self->doc ? ps_timeline_get_recipe (ps_document_get_timeline (self->doc)) : NULL;
  guint from = (guint) gtk_spin_button_get_value_as_int (self->diff_spin);
  if (kind == PS_TRAIN_VIEW_DIFFERENCE && !ps_train_frames_set_reference (tf, from, other, error))
    return NULL;
  for (guint f = 0; f < n_frames; f++)
    {
      gboolean pending = FALSE;
      g_autoptr (PsState) st = live ? (shown ? ps_state_ref (shown) : NULL)
                               : ps_train_view_needs_state (kind) ? record_state (self, frames[f], &pending) : NULL;
      if (!ps_train_frames_add (tf, frames[f], st, ps_train_records_get_op (self->recs, frames[f], recipe), error))
        return NULL;
    }
  if (!ps_train_frames_finish (tf, error))
    return NULL;
  return g_steal_pointer (&tf);
}

/* The shown sub-step's picture of the view, drawn by the render layer as every export draws it. */
static void
build_view (PsTrainingPage *self, PsTrainViewKind kind, PsState *other)
{
  const guint n = ps_train_records_get_n (self->recs);
  const PsRecipe *recipe = self->doc ? ps_timeline_get_recipe (ps_document_get_timeline (self->doc)) : NULL;
  if (kind == PS_TRAIN_VIEW_OUTPUT_GRADIENTS && ps_train_records_get_op (self->recs, self->shown, recipe) == NULL)
    {
      /* d loss / d output is of the sub-step's train op's loss */
      self->empty_text = g_strdup (self->monitor ? _("Gradients of layer outputs: shown when the run has finished.")
                                                 : _("Gradients of layer outputs are a train op's loss's: no recorded training step yet."));
      return;
    }
  g_autoptr (GError) error = NULL;
  const guint index = n > 0 ? self->shown : 0;
  self->frames = view_frames (self, kind, TRUE, &index, 1, self->shown_state, other, &error);
  if (self->frames == NULL)
    self->empty_text = g_strdup (error->message);
  self->have_figure = self->frames != NULL;
}

/* The chosen parameter (value, .grad or optimizer state) over the recorded sub-steps, as a ridgeline
 * or percentile bands on the training axis: one figure over all of them, drawn by the render layer
 * (PsTrainSeries; dropped snapshots recomputed in its worker, which rebuilds when done; an export
 * draws at once: recomputed here). */
static void
build_series (PsTrainingPage *self, PsFigureKind kind)
{
  GtkStringObject *po = gtk_drop_down_get_selected_item (self->param_dropdown);
  GtkStringObject *wo = gtk_drop_down_get_selected_item (self->what_dropdown);
  self->fig = ps_train_series_figure (self->series, po ? gtk_string_object_get_string (po) : NULL,
                                      wo ? gtk_string_object_get_string (wo) : NULL, kind, self->monitor != NULL,
                                      self->exporting, &self->empty_text);
  if (self->fig != NULL)
    self->shown_tensor = ps_tensor_ref (ps_figure_get_tensor (self->fig));
  self->have_figure = self->fig != NULL;
}

gboolean
ps_training_page_get_series_replaying (PsTrainingPage *self)
{
  return ps_train_series_get_replaying (self->series);
}

PsTensor *
ps_training_page_get_series_tensor (PsTrainingPage *self, guint i)
{
  return ps_train_series_get_tensor (self->series, i);
}

PsFigure *
ps_training_page_get_figure (PsTrainingPage *self)
{
  if (!self->have_figure)
    return NULL;
  return self->frames ? ps_train_frames_get_figure (self->frames, 0) : self->fig;
}

const PsLossCurve *
ps_training_page_get_loss_curve (PsTrainingPage *self)
{
  return self->have_figure && self->frames ? ps_train_frames_get_loss_curve (self->frames, 0) : NULL;
}

GtkWidget *
ps_training_page_get_command_bar (PsTrainingPage *self)
{
  return self->button_bar;
}

static void
update_status (PsTrainingPage *self)
{
  g_free (self->status);
  if (self->monitor != NULL)
    {
      int64_t total = 0, step = ps_train_monitor_get_step (self->monitor, &total);
      double rate = ps_train_monitor_get_steps_per_second (self->monitor);
      float loss = ps_train_monitor_get_last_loss (self->monitor);
      if (!ps_train_monitor_get_started (self->monitor))
        self->status = g_strdup (_("Preparing: replaying the steps before the run…"));
      else
        self->status = ps_train_monitor_get_paused (self->monitor)
                       ? g_strdup_printf (_("Paused at step %lld / %lld · %.0f steps/s · loss %.4g"),
                                          (long long) step, (long long) total, rate, loss)
                       : g_strdup_printf (_("Training: step %lld / %lld · %.0f steps/s · loss %.4g"),
                                          (long long) step, (long long) total, rate, loss);
    }
  else if (ps_train_records_get_n (self->recs) == 0)
    self->status = g_strdup (_("No training yet. Train… (Ctrl+Shift+T) adds a training run; the one-step buttons run "
                               "forward with loss, backward, step and zero_grad one at a time."));
  else
    self->status = g_strdup_printf (_("%u recorded sub-steps of the document's training"),
                                    ps_train_records_get_n (self->recs));
  const char *skipped = ps_train_records_get_skipped (self->recs);
  if (self->monitor == NULL && skipped != NULL)
    {
      char *with = g_strdup_printf ("%s — %s", self->status, skipped);
      g_free (self->status);
      self->status = with;
    }
  gtk_label_set_text (self->status_label, self->status);
}

static void
update_substep_label (PsTrainingPage *self)
{
  const guint n = ps_train_records_get_n (self->recs);
  if (n == 0)
    {
      gtk_label_set_text (self->sub_label, "");
      return;
    }
  g_autofree char *what = ps_train_record_describe (ps_train_records_get (self->recs, self->shown),
                                                    ps_train_records_get_x (self->recs, self->shown));
  g_autofree char *text = g_strdup_printf (_("Sub-step %u of %u: %s"), self->shown + 1, n, what);
  const char *replay_error = ps_train_snapshots_get_error (self->snaps, self->shown);
  if (ps_train_snapshots_get_replaying (self->snaps))
    {
      /* its snapshot was dropped (memory budget): recomputed from the nearest kept one */
      char *more = g_strdup_printf (_("%s — recomputing its snapshot…"), text);
      g_free (text);
      text = more;
    }
  else if (replay_error != NULL)
    {
      char *more = g_strdup_printf (_("%s — its snapshot could not be recomputed: %s"), text, replay_error);
      g_free (text);
      text = more;
    }
  gtk_label_set_text (self->sub_label, text);
}

static void
rebuild (PsTrainingPage *self)
{
  if (self->disposed)
    return;
  /* off screen (another page shown): no forward passes or figures for nobody; when mapped */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) && self->monitor == NULL && !self->exporting)
    {
      self->stale = TRUE;
      return;
    }
  self->stale = FALSE;
  self->n_rebuilds++;
  gboolean reindexed = FALSE;
  if (self->monitor != NULL)
    ps_train_records_index_monitor (self->recs, self->monitor);
  else if (self->dirty)
    {
      index_timeline (self);
      self->dirty = FALSE;
      reindexed = TRUE;
    }
  guint n = ps_train_records_get_n (self->recs);
  if (self->monitor != NULL || self->shown >= n)
    self->shown = n ? n - 1 : 0;
  self->syncing = TRUE;
  gtk_adjustment_configure (self->sub_adjustment, self->shown, 0, MAX (n, 1) - 1, 1, 10, 0);
  gtk_spin_button_set_range (self->diff_spin, 0, MAX (n, 1) - 1);
  self->syncing = FALSE;
  PsState *want = NULL;
  gboolean pending = FALSE;
  if (self->monitor != NULL)
    want = ps_train_monitor_dup_latest_state (self->monitor);
  else if (n > 0)
    want = record_state (self, self->shown, &pending);
  else if (self->doc != NULL)
    want = ps_state_ref (ps_document_get_current_state (self->doc));
  /* the difference view's other sub-step, replayed too when dropped */
  PsState *other = NULL;
  PsTrainingView view = (PsTrainingView) gtk_drop_down_get_selected (self->view_dropdown);
  if (!pending && view == PS_TRAINING_VIEW_DIFFERENCE && self->monitor == NULL && n > 0)
    {
      guint from = (guint) gtk_spin_button_get_value_as_int (self->diff_spin);
      other = from < n ? record_state (self, from, &pending) : NULL;
    }
  if (pending)
    {
      /* a dropped snapshot is being replayed in the worker: the previous picture stays until it is
       * ready (the snapshots' ready callback rebuilds); the line under the scale says what is coming */
      g_clear_pointer (&want, ps_state_unref);
      if (reindexed)
        {
          /* the previous picture drew the records as they were indexed: gone now */
          clear_figure (self);
          g_clear_pointer (&self->shown_state, ps_state_unref);
          self->empty_text = g_strdup_printf (_("Recomputing sub-step %u…"), self->shown + 1);
          ps_plot_view_invalidate (self->plot);
        }
      update_status (self);
      update_substep_label (self);
      return;
    }
  if (want == NULL && self->monitor == NULL && self->doc != NULL)   /* a replay failed */
    want = ps_state_ref (ps_document_get_current_state (self->doc));
  g_clear_pointer (&self->shown_state, ps_state_unref);
  self->shown_state = want;
  self->pic_index = self->shown;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sub_scale), self->monitor == NULL && n > 1 && self->export_task == NULL);
  gtk_widget_set_visible (self->pause_child, self->monitor != NULL);
  gtk_widget_set_visible (self->cancel_child, self->monitor != NULL);
  update_params (self);
  update_whats (self);
  self->view = (PsTrainingView) gtk_drop_down_get_selected (self->view_dropdown);
  gtk_widget_set_visible (self->param_box, self->view >= PS_TRAINING_VIEW_HEATMAP
                                           && self->view <= PS_TRAINING_VIEW_DIFFERENCE);
  gtk_widget_set_visible (self->diff_box, self->view == PS_TRAINING_VIEW_DIFFERENCE);
  clear_figure (self);
  if (n == 0 && self->view <= PS_TRAINING_VIEW_RATIOS)
    self->empty_text = g_strdup (self->monitor ? _("Waiting for the first recorded sub-step…")
                                               : _("No recorded training steps yet: Train… adds a run."));
  else if (train_view_kinds[self->view] >= 0)
    build_view (self, (PsTrainViewKind) train_view_kinds[self->view], other);
  else
    build_series (self, self->view == PS_TRAINING_VIEW_RIDGELINE ? PS_FIGURE_RIDGELINE : PS_FIGURE_BANDS);
  g_clear_pointer (&other, ps_state_unref);
  update_status (self);
  update_substep_label (self);
  g_autofree char *desc = self->have_figure ? g_strdup_printf ("%s, %s", _(view_names[self->view]),
                                                               gtk_label_get_text (self->sub_label))
                                            : g_strdup (self->empty_text ? self->empty_text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->plot), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
  ps_plot_view_invalidate (self->plot);
}

static void
draw_view (PsTrainingPage *self, cairo_t *cr, double w, double h, double scale)
{
  if (self->frames == NULL)
    {
      ps_figure_draw (self->fig, cr, w, h);
      return;
    }
  /* the render layer's frame: what the CLI and every export draw */
  ps_train_frames_set_scale (self->frames, scale);
  ps_train_frames_draw_frame (cr, w, h, 0, self->frames);
}

static void
plot_draw (cairo_t *cr, int width, int height, double scale, gpointer data)
{
  PsTrainingPage *self = data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (self->have_figure)
    {
      draw_view (self, cr, width, height, scale);
      return;
    }
  const char *text = self->empty_text ? self->empty_text : "";
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 14 * scale);
  cairo_text_extents_t ext;
  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, MAX (8, (width - ext.width) / 2), height / 2.0);
  cairo_show_text (cr, text);
}

static void
export_draw (cairo_t *cr, double width, double height, gpointer data)
{
  PsTrainingPage *self = data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  draw_view (self, cr, width, height, 1.0);
}

gboolean
ps_training_page_export (PsTrainingPage *self, const char *path, double width, double height, GError **error)
{
  if (!self->have_figure)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "nothing to export: %s",
                   self->empty_text ? self->empty_text : "no figure");
      return FALSE;
    }
  return ps_export_picture (path, width, height, 1.0, 0, export_draw, self, error);
}

/* ---------- over sub-steps ---------- */

typedef struct {
  PsTrainingPage *page;
  const guint *frames;
  GError *error;          /* the first frame that could not be drawn */
} FrameExport;

static void
draw_frame (cairo_t *cr, double width, double height, guint frame, gpointer data)
{
  FrameExport *fx = data;
  PsTrainingPage *self = fx->page;
  if (self->shown != fx->frames[frame] || self->stale)
    {
      self->shown = fx->frames[frame];
      rebuild (self);
    }
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (self->have_figure)
    draw_view (self, cr, width, height, 1.0);
  else if (fx->error == NULL)
    g_set_error (&fx->error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "nothing to draw at sub-step %u: %s",
                 fx->frames[frame] + 1, self->empty_text ? self->empty_text : "no figure");
}

/* FALSE and why when the view cannot be exported over sub-steps now. */
static gboolean
export_allowed (PsTrainingPage *self, GError **error)
{
  if (self->export_task != NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "an export over sub-steps is already running");
  else if (self->monitor != NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "wait for the run to finish");
  else if (ps_train_records_get_n (self->recs) == 0)
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no recorded sub-steps to export");
  else if (!self->have_figure)
    g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "nothing to export: %s",
                 self->empty_text ? self->empty_text : "no figure");
  else
    return TRUE;
  return FALSE;
}

/* Draw the planned frames into path (a dropped snapshot not in export_states is replayed here):
 * by the path's extension, or — columns ≠ PS_TRAINING_NOT_A_SHEET — as a contact sheet of that many
 * columns (0: a PDF page per frame). */
#define PS_TRAINING_NOT_A_SHEET G_MAXUINT
static gboolean
export_write (PsTrainingPage *self, const char *path, GArray *frames, guint columns, double width, double height,
              guint delay_cs, guint *n_frames, GError **error)
{
  if (self->monitor != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "wait for the run to finish");
      return FALSE;
    }
  PsAnimationOptions ao;
  ps_animation_options_init (&ao, width, height);
  if (delay_cs > 0)
    ao.delay_cs = delay_cs;
  /* the GIF palette keeps the colormap's colours exact in every view, as `paramscope-cli animate`
   * keeps them (so the other colours are quantized alike: the same pixels) */
  PsFigureOptions fo;
  ps_figure_options_init (&fo);
  ps_animation_options_keep_colormap (&ao, self->view == PS_TRAINING_VIEW_DIFFERENCE ? PS_COLORMAP_DIVERGING
                                                                                     : fo.colormap);
  if (self->view == PS_TRAINING_VIEW_WEIGHT_GRID)
    ps_animation_options_keep_colormap (&ao, PS_COLORMAP_DIVERGING);
  guint keep = self->shown;
  self->exporting = TRUE;
  FrameExport fx = { self, (const guint *) frames->data, NULL };
  gboolean ok;
  if (train_view_kinds[self->view] >= 0)
    {
      /* the render layer's frames: the page's picture of each sub-step, as the CLI draws it (a
       * parameter view's frames share one colour range / one set of bins) */
      const PsTrainViewKind kind = (PsTrainViewKind) train_view_kinds[self->view];
      guint from = (guint) gtk_spin_button_get_value_as_int (self->diff_spin);
      gboolean pending = FALSE;
      g_autoptr (PsState) other = kind == PS_TRAIN_VIEW_DIFFERENCE && from < ps_train_records_get_n (self->recs)
                                  ? record_state (self, from, &pending) : NULL;
      g_autoptr (PsTrainFrames) tf = view_frames (self, kind, FALSE, (const guint *) frames->data, frames->len, NULL,
                                                  other, error);
      ok = tf != NULL
           && (columns == PS_TRAINING_NOT_A_SHEET
               ? ps_animation_write_by_extension (path, frames->len, ps_train_frames_draw_frame, tf, &ao, error)
               : ps_animation_write_contact_sheet (path, frames->len, ps_train_frames_draw_frame, tf, columns, &ao,
                                                   error));
    }
  else
    ok = columns == PS_TRAINING_NOT_A_SHEET
         ? ps_animation_write_by_extension (path, frames->len, draw_frame, &fx, &ao, error)
         : ps_animation_write_contact_sheet (path, frames->len, draw_frame, &fx, columns, &ao, error);
  /* back to what was shown */
  self->shown = keep;
  rebuild (self);
  self->exporting = FALSE;
  if (ok && fx.error != NULL)
    {
      g_propagate_error (error, fx.error);
      return FALSE;
    }
  g_clear_error (&fx.error);
  if (ok && n_frames != NULL)
    *n_frames = frames->len;
  return ok;
}

gboolean
ps_training_page_export_frames (PsTrainingPage *self, const char *path, guint from, guint to, guint every,
                                double width, double height, guint delay_cs, guint *n_frames, GError **error)
{
  g_return_val_if_fail (PS_IS_TRAINING_PAGE (self) && path != NULL, FALSE);
  g_autoptr (GArray) frames = export_allowed (self, error)
                              ? ps_train_view_plan_frames (path, from, to, every, ps_train_records_get_n (self->recs), error)
                              : NULL;
  return frames != NULL && export_write (self, path, frames, PS_TRAINING_NOT_A_SHEET, width, height, delay_cs,
                                         n_frames, error);
}

/* ---------- over sub-steps, in a worker ---------- */

typedef struct {
  char *path;
  double width, height;
  guint delay_cs;
  guint columns;        /* a contact sheet's, or PS_TRAINING_NOT_A_SHEET */
  guint gen;
  GArray *frames;
  GArray *indices;      /* the replayed records, in the order of the worker's states */
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *x = data;
  g_free (x->path);
  g_array_unref (x->frames);
  g_array_unref (x->indices);
  g_free (x);
}

static void
export_set_running (PsTrainingPage *self, gboolean running)
{
  if (!running && self->export_progress_id != 0)
    {
      g_source_remove (self->export_progress_id);
      self->export_progress_id = 0;
    }
  if (self->disposed)
    return;
  gtk_widget_set_visible (self->export_box, running);
  gtk_widget_set_sensitive (self->controls_row, !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sub_scale),
                            !running && self->monitor == NULL && ps_train_records_get_n (self->recs) > 1);
}

static gboolean
on_export_progress (gpointer data)
{
  PsTrainingPage *self = data;
  if (self->export_replay == NULL || self->disposed)
    return G_SOURCE_CONTINUE;
  guint done = ps_substep_replay_get_done (self->export_replay), n = ps_substep_replay_get_n (self->export_replay);
  g_autofree char *text = g_strdup_printf (_("Export: recomputing dropped snapshots, %u of %u"), done, n);
  gtk_progress_bar_set_text (self->export_progress, text);
  gtk_progress_bar_set_fraction (self->export_progress, n ? (double) done / n : 0);
  return G_SOURCE_CONTINUE;
}

/* the frames' snapshots are all there: draw them (main thread) */
static void
export_finish_frames (GTask *task, GPtrArray *states)
{
  PsTrainingPage *self = g_task_get_source_object (task);
  ExportJob *x = g_task_get_task_data (task);
  GError *error = NULL;
  guint n_frames = 0;
  gboolean ok = FALSE;
  if (g_task_return_error_if_cancelled (task))
    ;
  else if (self->disposed || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    g_task_return_new_error (task, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "the window was closed: nothing was written");
  else if (self->records_gen != x->gen)
    g_task_return_new_error (task, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                             "the document's training changed during the export: nothing was written");
  else
    {
      self->export_states = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_state_unref);
      for (guint i = 0; states != NULL && i < states->len; i++)
        g_hash_table_replace (self->export_states, GUINT_TO_POINTER (g_array_index (x->indices, guint, i)),
                              ps_state_ref (states->pdata[i]));
      if (!self->have_figure)
        rebuild (self);   /* the shown sub-step's own replay may still have been on its way */
      ok = export_write (self, x->path, x->frames, x->columns, x->width, x->height, x->delay_cs, &n_frames, &error);
      g_clear_pointer (&self->export_states, g_hash_table_unref);
      if (ok)
        g_task_return_int (task, n_frames);
      else
        g_task_return_error (task, error);
    }
  g_clear_object (&self->export_task);
  export_set_running (self, FALSE);
}

static void
on_export_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  PsTrainingPage *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_clear_object (&self->export_replay);
  if (states == NULL)
    {
      g_clear_object (&self->export_task);
      export_set_running (self, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error_if_cancelled (task);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  export_finish_frames (task, states);
}

static gboolean
export_without_replays (gpointer data)
{
  GTask *task = data;
  export_finish_frames (task, NULL);
  return G_SOURCE_REMOVE;
}

static void export_start (PsTrainingPage *self, GTask *task, const char *path, GArray *frames, guint columns,
                          double width, double height, guint delay_cs);

void
ps_training_page_export_frames_async (PsTrainingPage *self, const char *path, guint from, guint to, guint every,
                                      double width, double height, guint delay_cs, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (PS_IS_TRAINING_PAGE (self) && path != NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_training_page_export_frames_async);
  g_task_set_return_on_cancel (task, FALSE);
  GError *error = NULL;
  GArray *frames = export_allowed (self, &error)
                   ? ps_train_view_plan_frames (path, from, to, every, ps_train_records_get_n (self->recs), &error)
                   : NULL;
  if (frames == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  export_start (self, task, path, frames, PS_TRAINING_NOT_A_SHEET, width, height, delay_cs);
}

/* Recompute the frames' dropped snapshots in a worker, then write them (export_finish_frames). */
static void
export_start (PsTrainingPage *self, GTask *task, const char *path, GArray *frames, guint columns, double width,
              double height, guint delay_cs)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  ExportJob *x = g_new0 (ExportJob, 1);
  x->path = g_strdup (path);
  x->width = width;
  x->height = height;
  x->delay_cs = delay_cs;
  x->columns = columns;
  x->gen = self->records_gen;
  x->frames = frames;
  x->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_task_set_task_data (task, x, export_job_free);
  /* the records each frame needs whose snapshot was dropped: the frame's own, and the difference
   * view's other sub-step (once) */
  g_autoptr (GPtrArray) owners = g_ptr_array_new ();
  g_autoptr (GArray) ks = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) want = g_array_copy (frames);
  if (self->view == PS_TRAINING_VIEW_DIFFERENCE)
    {
      guint other = (guint) gtk_spin_button_get_value_as_int (self->diff_spin);
      if (other < ps_train_records_get_n (self->recs))
        g_array_append_val (want, other);
    }
  if (train_view_kinds[self->view] >= 0 && !ps_train_view_needs_state ((PsTrainViewKind) train_view_kinds[self->view]))
    g_array_set_size (want, 0);   /* the loss and ratio views are drawn from the records alone */
  /* (a sub-step with no snapshot and no log is drawn as the page draws it: its empty text) */
  ps_train_snapshots_missing (self->snaps, (const guint *) want->data, want->len, x->indices, owners, ks);
  self->export_task = g_object_ref (task);
  export_set_running (self, TRUE);
  gtk_progress_bar_set_fraction (self->export_progress, 0);
  gtk_progress_bar_set_text (self->export_progress, _("Export: drawing the frames…"));
  if (owners->len == 0)
    {
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, export_without_replays, g_object_ref (task), g_object_unref);
      return;
    }
  self->export_replay = ps_substep_replay_start ((PsState *const *) owners->pdata, (const guint *) ks->data,
                                                 owners->len, cancellable, on_export_replayed, g_object_ref (task));
  on_export_progress (self);
  self->export_progress_id = g_timeout_add (EXPORT_PROGRESS_MS, on_export_progress, self);
}

/* A contact sheet of chosen sub-steps ("1, 10, 50, last"; ranges "5-8"): the shown view at each,
 * side by side on one PNG/SVG/PDF page in `columns` columns (0: ⌈√n⌉; a .pdf with columns 0 given
 * as PS_TRAINING_SHEET_PAGES is a page per frame). The same worker, progress and Cancel as Export
 * Over Sub-steps; finish with ps_training_page_export_frames_finish. */
void
ps_training_page_export_sheet_async (PsTrainingPage *self, const char *path, const char *steps, guint columns,
                                     double width, double height, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_TRAINING_PAGE (self) && path != NULL && steps != NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_training_page_export_frames_async);
  g_task_set_return_on_cancel (task, FALSE);
  GError *error = NULL;
  GArray *frames = export_allowed (self, &error)
                   ? ps_train_view_plan_sheet (path, steps, ps_train_records_get_n (self->recs), &columns, &error)
                   : NULL;
  if (frames != NULL)
    {
      export_start (self, task, path, frames, columns, width, height, 0);
      return;
    }
  g_task_return_error (task, error);
}

gboolean
ps_training_page_export_frames_finish (PsTrainingPage *self, GAsyncResult *result, guint *n_frames, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  gssize n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_frames != NULL)
    *n_frames = (guint) n;
  return TRUE;
}

gboolean
ps_training_page_get_exporting (PsTrainingPage *self)
{
  g_return_val_if_fail (PS_IS_TRAINING_PAGE (self), FALSE);
  return self->export_task != NULL;
}

gboolean
ps_training_page_get_export_progress (PsTrainingPage *self, guint *done, guint *n)
{
  g_return_val_if_fail (PS_IS_TRAINING_PAGE (self), FALSE);
  *done = self->export_replay ? ps_substep_replay_get_done (self->export_replay) : 0;
  *n = self->export_replay ? ps_substep_replay_get_n (self->export_replay) : 0;
  return self->export_replay != NULL;
}

static void
ps_training_page_cancel_export (PsTrainingPage *self)
{
  g_return_if_fail (PS_IS_TRAINING_PAGE (self));
  if (self->export_task != NULL)
    g_cancellable_cancel (g_task_get_cancellable (self->export_task));
}

static void
on_cancel_export (GtkButton *b, PsTrainingPage *self)
{
  ps_training_page_cancel_export (self);
}

/* ---------- live ---------- */

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  PsTrainingPage *self = data;
  if (self->monitor == NULL)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  /* GTK 4.8 can run a tick callback without a frame clock (the monkey saw the CRITICAL while the
   * page was being unrooted): the wall clock then */
  gint64 now = GDK_IS_FRAME_CLOCK (clock) ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  if (now - self->last_rebuild < LIVE_FRAME_US)
    return G_SOURCE_CONTINUE;
  self->last_rebuild = now;
  if (ps_train_monitor_get_n_records (self->monitor) != self->rebuilt_records)
    {
      self->rebuilt_records = ps_train_monitor_get_n_records (self->monitor);
      rebuild (self);
    }
  else
    update_status (self);
  return G_SOURCE_CONTINUE;
}

void
ps_training_page_set_monitor (PsTrainingPage *self, PsTrainMonitor *monitor, GCancellable *cancellable)
{
  g_return_if_fail (PS_IS_TRAINING_PAGE (self));
  if (self->disposed)
    return;
  g_set_object (&self->monitor, monitor);
  g_set_object (&self->cancellable, cancellable);
  self->dirty = TRUE;
  self->rebuilt_records = 0;
  self->syncing = TRUE;
  gtk_toggle_button_set_active (self->pause_button, FALSE);
  self->syncing = FALSE;
  if (monitor != NULL)
    {
      /* the run is appended after the timeline's train ops: its points continue their axis */
      clear_records (self);
      ps_train_records_begin_live (self->recs, self->doc ? ps_document_get_timeline (self->doc) : NULL);
      if (self->tick_id == 0)
        self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, self, NULL);
    }
  else
    {
      /* the run ended (or was cancelled): show the newest sub-step of the document's records */
      self->shown = G_MAXUINT;
      if (self->tick_id != 0)
        gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  rebuild (self);
}

static void
on_pause_toggled (GtkToggleButton *b, PsTrainingPage *self)
{
  if (self->syncing || self->monitor == NULL)
    return;
  gboolean paused = gtk_toggle_button_get_active (b);
  ps_train_monitor_set_paused (self->monitor, paused);
  gtk_button_set_label (GTK_BUTTON (b), paused ? _("_Resume") : _("_Pause"));
  update_status (self);
}

static void
on_cancel (GtkButton *b, PsTrainingPage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
ps_training_page_press_pause (PsTrainingPage *self, gboolean paused)
{
  gtk_toggle_button_set_active (self->pause_button, paused);
}

void
ps_training_page_press_cancel (PsTrainingPage *self)
{
  g_signal_emit_by_name (self->cancel_button, "clicked");
}

/* ---------- document ---------- */

static void
on_doc_changed (PsDocument *doc, PsTrainingPage *self)
{
  self->dirty = TRUE;
  if (self->monitor == NULL)
    {
      self->shown = G_MAXUINT;   /* the newest sub-step */
      rebuild (self);
    }
}

void
ps_training_page_set_document (PsTrainingPage *self, PsDocument *doc)
{
  g_return_if_fail (PS_IS_TRAINING_PAGE (self));
  if (self->doc != NULL)
    g_signal_handlers_disconnect_by_data (self->doc, self);
  g_set_object (&self->doc, doc);
  if (doc != NULL)
    g_signal_connect (doc, "changed", G_CALLBACK (on_doc_changed), self);
  on_doc_changed (doc, self);
}

static void
on_control_changed (PsTrainingPage *self)
{
  if (!self->syncing)
    rebuild (self);
}

static void
on_sub_changed (GtkAdjustment *adj, PsTrainingPage *self)
{
  if (self->syncing || self->monitor != NULL)
    return;
  guint i = (guint) lround (gtk_adjustment_get_value (adj));
  if (i != self->shown)
    {
      self->shown = i;
      rebuild (self);
    }
}

void
ps_training_page_set_view (PsTrainingPage *self, PsTrainingView view)
{
  gtk_drop_down_set_selected (self->view_dropdown, view);
}

guint ps_training_page_get_n_substeps (PsTrainingPage *self) { return ps_train_records_get_n (self->recs); }
guint ps_training_page_get_substep (PsTrainingPage *self) { return self->shown; }
int64_t
ps_training_page_get_axis_step (PsTrainingPage *self, guint i)
{
  return ps_train_records_get_x (self->recs, i);
}
PsState *ps_training_page_get_shown_state (PsTrainingPage *self) { return self->shown_state; }
PsTensor *
ps_training_page_get_shown_tensor (PsTrainingPage *self)
{
  return self->frames ? ps_train_frames_get_tensor (self->frames, 0) : self->shown_tensor;
}
const char *
ps_training_page_get_status (PsTrainingPage *self)
{
  /* live: what the monitor says now, not at the last frame (a starved frame clock lags) */
  if (self->monitor != NULL && !self->disposed)
    update_status (self);
  return self->status;
}
const char *ps_training_page_get_empty_text (PsTrainingPage *self) { return self->have_figure ? NULL : self->empty_text; }
guint ps_training_page_get_n_rebuilds (PsTrainingPage *self) { return self->n_rebuilds; }
gboolean
ps_training_page_get_run_held (PsTrainingPage *self)
{
  return self->monitor != NULL && ps_train_monitor_get_held (self->monitor) &&
         self->rebuilt_records == ps_train_monitor_get_n_records (self->monitor);
}
gboolean ps_training_page_get_replaying (PsTrainingPage *self) { return ps_train_snapshots_get_replaying (self->snaps); }
guint ps_training_page_get_picture_substep (PsTrainingPage *self) { return self->pic_index; }
double ps_training_page_get_last_replay_ms (PsTrainingPage *self) { return ps_train_snapshots_get_last_ms (self->snaps); }
const char *ps_training_page_get_substep_text (PsTrainingPage *self) { return gtk_label_get_text (self->sub_label); }

const PsLayerDiagnostics *
ps_training_page_get_layer_diagnostics (PsTrainingPage *self)
{
  return self->have_figure && self->frames ? ps_train_frames_get_layer_diagnostics (self->frames, 0) : NULL;
}

void
ps_training_page_set_substep (PsTrainingPage *self, guint i)
{
  guint n = ps_train_records_get_n (self->recs);
  if (n == 0)
    return;
  gtk_adjustment_set_value (self->sub_adjustment, MIN (i, n - 1));
}

gboolean
ps_training_page_select_param (PsTrainingPage *self, const char *target, const char *what)
{
  gboolean found = FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->param_items)); i++)
    if (strcmp (gtk_string_list_get_string (self->param_items, i), target) == 0)
      {
        gtk_drop_down_set_selected (self->param_dropdown, i);
        found = TRUE;
      }
  if (!found)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->what_items)); i++)
    if (strcmp (gtk_string_list_get_string (self->what_items, i), what) == 0)
      {
        gtk_drop_down_set_selected (self->what_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

void
ps_training_page_set_diff_from (PsTrainingPage *self, guint from)
{
  gtk_spin_button_set_value (self->diff_spin, from);
}

/* ---------- construction ---------- */

static void
ps_training_page_map (GtkWidget *widget)
{
  PsTrainingPage *self = PS_TRAINING_PAGE (widget);
  GTK_WIDGET_CLASS (ps_training_page_parent_class)->map (widget);
  if (self->stale)
    rebuild (self);
}

/* closing the window mid-export (the export's task keeps the page alive, unparented): stop it */
static void
ps_training_page_unroot (GtkWidget *widget)
{
  ps_training_page_cancel_export (PS_TRAINING_PAGE (widget));
  GTK_WIDGET_CLASS (ps_training_page_parent_class)->unroot (widget);
}

static void
ps_training_page_dispose (GObject *object)
{
  PsTrainingPage *self = PS_TRAINING_PAGE (object);
  self->disposed = TRUE;
  ps_train_snapshots_forget (self->snaps);   /* the worker ends between two steps; its result finds no page */
  ps_train_series_forget (self->series);
  ps_training_page_cancel_export (self);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  if (self->doc != NULL)
    g_signal_handlers_disconnect_by_data (self->doc, self);
  g_clear_object (&self->doc);
  g_clear_object (&self->monitor);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PS_TYPE_TRAINING_PAGE);
  G_OBJECT_CLASS (ps_training_page_parent_class)->dispose (object);
}

static void
ps_training_page_finalize (GObject *object)
{
  PsTrainingPage *self = PS_TRAINING_PAGE (object);
  clear_figure (self);
  g_clear_pointer (&self->shown_state, ps_state_unref);
  ps_train_snapshots_free (self->snaps);
  ps_train_records_free (self->recs);
  g_free (self->status);
  ps_train_series_free (self->series);
  G_OBJECT_CLASS (ps_training_page_parent_class)->finalize (object);
}

static void
ps_training_page_class_init (PsTrainingPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ps_training_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_training_page_finalize;
  GTK_WIDGET_CLASS (klass)->map = ps_training_page_map;
  GTK_WIDGET_CLASS (klass)->unroot = ps_training_page_unroot;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "trainingpage");

  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_type_ensure (PS_TYPE_PLOT_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-training-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PsTrainingPage, name)
  CHILD (button_bar);
  CHILD (pause_child);
  CHILD (pause_button);
  CHILD (cancel_child);
  CHILD (cancel_button);
  CHILD (status_label);
  CHILD (export_box);
  CHILD (export_progress);
  CHILD (export_cancel_button);
  CHILD (controls_row);
  CHILD (view_dropdown);
  CHILD (param_box);
  CHILD (param_items);
  CHILD (param_dropdown);
  CHILD (what_items);
  CHILD (what_dropdown);
  CHILD (diff_box);
  CHILD (diff_spin);
  CHILD (sub_adjustment);
  CHILD (sub_scale);
  CHILD (sub_label);
  CHILD (plot);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_export);
  gtk_widget_class_bind_template_callback (widget_class, on_control_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sub_changed);
}

static void
ps_training_page_init (PsTrainingPage *self)
{
  self->recs = ps_train_records_new ();
  self->snaps = ps_train_snapshots_new (self->recs, (PsTrainSnapshotsReady) rebuild, self);
  self->series = ps_train_series_new (self->recs, (PsTrainSeriesReady) rebuild, self);
  self->dirty = TRUE;

  /* the widgets: ui/ps-training-page.ui; the view list from the view table (not a change of view) */
  gtk_widget_init_template (GTK_WIDGET (self));
  GtkStringList *views = GTK_STRING_LIST (gtk_drop_down_get_model (self->view_dropdown));
  self->syncing = TRUE;
  for (guint i = 0; i < PS_TRAINING_N_VIEWS; i++)
    gtk_string_list_append (views, _(view_names[i]));
  gtk_drop_down_set_selected (self->view_dropdown, 0);
  self->syncing = FALSE;
  ps_plot_view_set_draw_func (self->plot, plot_draw, NULL, self, NULL);
}
