/* ps-window-substeps.c — the main timeline inside a train step: when the shown step is a `train`
 * op that recorded sub-steps, a second scale under the step scale reaches every one of them (and
 * the step's own state at its end). The Heatmap, Histogram and Difference pages then draw the
 * selected parameter from that sub-step's exact snapshot, so they animate while scrubbing or
 * playing, and Over Time draws it over the run's sub-steps up to the shown one; Play walks through
 * the sub-steps of every train step it meets. The sub-step's label counts steps on the Training
 * page's x axis (ps_train_axis_next). Which sub-step is shown and its
 * state are a PsSubstepCursor's (src/doc), the pages' pictures ps-substep-figure's (src/render);
 * this file keeps the widgets. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-projector.h"

#include <glib/gi18n.h>
#include <math.h>

static void
update_label (PsWindow *self)
{
  PsSubstepCursor *c = self->substeps;
  const guint i = ps_substep_cursor_get_index (c);
  g_autofree char *what = i < ps_substep_cursor_get_n (c)
                          ? ps_train_record_describe (ps_substep_cursor_get_record (c, i), ps_substep_cursor_get_x (c, i))
                          : NULL;
  g_autofree char *text = ps_substep_cursor_describe (c, what);
  gtk_label_set_text (self->sub_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sub_label), text);   /* the whole line when ellipsized */
}

void
ps_window_substeps_sync (PsWindow *self)
{
  if (self->substeps == NULL || self->document == NULL)
    return;
  if (!ps_substep_cursor_sync (self->substeps, ps_document_get_timeline (self->document),
                               ps_document_get_current_step (self->document),
                               ps_document_get_current_state (self->document)))
    return;   /* the same train step: keep the sub-step shown */
  ps_substep_series_forget (self->sub_series);
  const guint n = ps_substep_cursor_get_n (self->substeps);
  self->syncing = TRUE;
  gtk_adjustment_configure (self->sub_adjustment, n, 0, MAX (n, 1), 1, 10, 0);
  self->syncing = FALSE;
  /* always there (showing and hiding it re-laid out the timeline's pane under a drag: GTK 4.8 then
   * snapshotted the GtkPaned before allocating it — the random monkey's toast regression) */
  gtk_widget_set_sensitive (GTK_WIDGET (self->sub_scale), n > 0);
  update_label (self);
}

guint
ps_window_get_n_substeps (PsWindow *self)
{
  ps_window_substeps_sync (self);
  return self->substeps ? ps_substep_cursor_get_n (self->substeps) : 0;
}

guint
ps_window_get_substep (PsWindow *self)
{
  return self->substeps ? ps_substep_cursor_get_index (self->substeps) : 0;
}

/* a dropped sub-step's replay ended: say so, draw it */
static void
on_replayed (PsSubstepCursor *c, gpointer data)
{
  PsWindow *self = data;
  update_label (self);
  ps_window_update_views (self);
}

PsState *
ps_window_get_substep_state (PsWindow *self)
{
  gboolean pending;
  return self->substeps ? ps_substep_cursor_get_state (self->substeps, &pending) : NULL;
}

gboolean
ps_window_get_substep_replaying (PsWindow *self)
{
  return self->substeps != NULL && ps_substep_cursor_get_replaying (self->substeps, NULL);
}

void
ps_window_set_substep (PsWindow *self, guint i)
{
  const guint n = ps_window_get_n_substeps (self);
  if (n == 0)
    return;
  /* through the scale, as a user would drag it */
  gtk_adjustment_set_value (self->sub_adjustment, MIN (i, n));
}

static void
on_sub_scale (GtkAdjustment *adj, PsWindow *self)
{
  if (self->syncing || self->substeps == NULL
      || !ps_substep_cursor_go_to (self->substeps, (guint) lround (gtk_adjustment_get_value (adj))))
    return;
  ps_window_update_views (self);   /* may start a replay: the label says so */
  update_label (self);
}

gboolean
ps_window_substeps_advance (PsWindow *self, gboolean from_start)
{
  ps_window_substeps_sync (self);
  guint next;
  if (self->substeps == NULL || !ps_substep_cursor_play_next (self->substeps, from_start, &next))
    return FALSE;
  ps_window_set_substep (self, next);
  return TRUE;
}

/* ---------- the pages ---------- */

/* Over Time's batch of dropped sub-steps is done: draw again */
static void
on_over_time_replayed (PsSubstepSeries *series, gpointer data)
{
  ps_window_update_views (data);
}

gboolean
ps_window_get_over_time_replaying (PsWindow *self)
{
  return self->sub_series != NULL && ps_substep_series_get_replaying (self->sub_series);
}

/* The Heatmap, Histogram and Difference pages draw the parameter at the shown sub-step; Over Time
 * its ridgeline over the run's sub-steps up to it (see ps-substep-figure.h). */
gboolean
ps_window_substeps_update_plot (PsWindow *self, PsPlotPage page, PsTreeNode *node, const char *path)
{
  PsSubstepCursor *c = self->substeps;
  if (c == NULL || ps_substep_cursor_get_index (c) >= ps_substep_cursor_get_n (c)
      || (page != PS_PAGE_HEATMAP && page != PS_PAGE_HISTOGRAM && page != PS_PAGE_DIFFERENCE
          && page != PS_PAGE_OVER_TIME))
    return FALSE;
  const guint i = ps_substep_cursor_get_index (c);
  PsFigurePage *fp = self->pages[page];
  ps_figure_page_set_scale (fp, ps_projector_plot_scale (self->settings));
  PsFigureOptions o;
  ps_window_fill_figure_options (self, &o, page);
  const guint step = ps_document_get_current_step (self->document);
  PsSubstepPicture pic;
  if (page == PS_PAGE_OVER_TIME)
    ps_substep_series_figure (self->sub_series, c, step, path, &o, &pic);
  else
    {
      /* Difference: minus the chosen step, or by default the sub-step before */
      guint sel = gtk_drop_down_get_selected (self->diff_dropdown);
      int compare = sel == 0 || sel == GTK_INVALID_LIST_POSITION ? -1 : (int) ps_window_get_diff_from (self);
      g_autofree char *what = ps_train_record_describe (ps_substep_cursor_get_record (c, i), ps_substep_cursor_get_x (c, i));
      ps_substep_figure_at (c, ps_document_get_timeline (self->document), step, path, page == PS_PAGE_DIFFERENCE,
                            compare, what, &o, &pic);
    }
  if (pic.figure != NULL)
    ps_figure_page_set_figure (fp, g_steal_pointer (&pic.figure), node ? ps_tree_node_get_path (node) : path,
                               pic.context);
  else if (!pic.pending || ps_figure_page_get_figure (fp) == NULL)
    ps_figure_page_set_message (fp, pic.message);   /* a replay under way keeps the previous picture */
  ps_substep_picture_clear (&pic);
  return TRUE;
}

/* The Sub-step row is the window template's (ui/ps-window.ui: under the step scale's row). */
void
ps_window_substeps_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, PsWindow, sub_box);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, sub_scale);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, sub_adjustment);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, sub_label);
}

void
ps_window_substeps_init (PsWindow *self)
{
  self->substeps = ps_substep_cursor_new (on_replayed, self);
  self->sub_series = ps_substep_series_new (on_over_time_replayed, self);
  update_label (self);
  g_signal_connect (self->sub_adjustment, "value-changed", G_CALLBACK (on_sub_scale), self);
}

void
ps_window_substeps_dispose (PsWindow *self)
{
  if (self->substeps != NULL)
    ps_substep_cursor_clear (self->substeps);   /* cancels a replay: nothing is told any more */
  if (self->sub_series != NULL)
    ps_substep_series_forget (self->sub_series);
  g_clear_object (&self->substeps);
  g_clear_object (&self->sub_series);
  if (self->sub_adjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->sub_adjustment, self);
  self->sub_adjustment = NULL;   /* the template's (gtk_widget_dispose_template drops it); NULL: the window is going */
}
