/* ps-window-substeps.c — the main timeline inside a train step: when the shown step is a `train`
 * op that recorded sub-steps, a second scale under the step scale reaches every one of them (and
 * the step's own state at its end). The Heatmap, Histogram and Difference pages then draw the
 * selected parameter from that sub-step's exact snapshot, so they animate while scrubbing or
 * playing, and Over Time draws it over the run's sub-steps up to the shown one; Play walks through the sub-steps of every train step it meets. The sub-step's label
 * counts steps on the Training page's x axis (ps_train_axis_next). */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-train-object.h"
#include "ps-train-walk.h"
#include "ps-train-ops.h"
#include "ps-projector.h"
#include "ps-substep-replay.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* the train log of the shown step, or NULL */
static PsTrainLog *
step_log (PsWindow *self, PsState **state)
{
  PsTimeline *tl = ps_document_get_timeline (self->document);
  guint step = ps_document_get_current_step (self->document);
  *state = ps_document_get_current_state (self->document);
  if (step == 0 || step > ps_timeline_get_n_steps (tl))
    return NULL;
  const PsOp *op = g_ptr_array_index (ps_timeline_get_recipe (tl)->ops, step - 1);
  if (strcmp (ps_op_get_kind (op), "train") != 0 || (*state)->train_log == NULL
      || (*state)->train_log->records->len == 0)
    return NULL;
  return (*state)->train_log;
}

static void
append_axis_step (const PsTrainWalkItem *item, gpointer data)
{
  PsWindow *self = data;
  if (item->op_step == ps_document_get_current_step (self->document))
    g_array_append_val (self->sub_axis, item->x);
}

/* x-axis steps of this op's records: continue the count of the train ops before it. A train step
 * dropped to keep within the memory budget that cannot be rebuilt now: its records are not counted
 * (the numbers shift; the views say so when they need the step). */
static void
compute_axis (PsWindow *self, PsState *owner)
{
  g_array_set_size (self->sub_axis, 0);
  PsTrainAxis axis = { 0, 0, 0 };
  ps_train_walk (ps_document_get_timeline (self->document), ps_document_get_current_step (self->document), owner,
                 &axis, append_axis_step, self, NULL, NULL);
}

static void
update_label (PsWindow *self)
{
  guint n = self->n_substeps;
  g_autofree char *text = NULL;
  if (n == 0)
    text = g_strdup (_("No sub-steps here: a train step's recorded optimizer steps show up on this slider"));
  else if (self->substep >= n)
    text = g_strdup_printf (_("After the whole run: %u recorded sub-steps — drag to see each one"), n);
  else
    {
      const PsTrainRecord *r = self->sub_owner->train_log->records->pdata[self->substep];
      g_autofree char *what = ps_train_record_describe (r, g_array_index (self->sub_axis, int64_t, self->substep));
      text = g_strdup_printf (_("Sub-step %u of %u: %s"), self->substep + 1, n, what);
      if (self->sub_replay_cancellable != NULL && self->sub_replay_index == self->substep)
        {
          char *more = g_strdup_printf (_("%s — recomputing its snapshot…"), text);
          g_free (text);
          text = more;
        }
      else if (self->sub_replay_error != NULL && self->sub_replayed_index == self->substep)
        {
          char *more = g_strdup_printf (_("%s — its snapshot could not be recomputed: %s"), text,
                                        self->sub_replay_error);
          g_free (text);
          text = more;
        }
    }
  gtk_label_set_text (self->sub_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sub_label), text);   /* the whole line when ellipsized */
}

static void
cancel_replay (PsWindow *self)
{
  self->sub_replay_gen++;
  if (self->sub_replay_cancellable != NULL)
    g_cancellable_cancel (self->sub_replay_cancellable);
  g_clear_object (&self->sub_replay_cancellable);
}

/* forget Over Time's recomputed sub-steps (another train step, another parameter) */
static void
forget_over_time (PsWindow *self)
{
  self->ot_gen++;
  if (self->ot_cancellable != NULL)
    g_cancellable_cancel (self->ot_cancellable);
  g_clear_object (&self->ot_cancellable);
  g_clear_object (&self->ot_replay);
  if (self->ot_tensors != NULL)
    g_hash_table_remove_all (self->ot_tensors);
  g_clear_pointer (&self->ot_path, g_free);
  g_clear_pointer (&self->ot_error, g_free);
}

void
ps_window_substeps_sync (PsWindow *self)
{
  if (self->sub_axis == NULL || self->document == NULL)
    return;   /* before ps_window_substeps_init or after dispose */
  PsState *state = NULL;
  PsTrainLog *log = step_log (self, &state);
  if (log != NULL && state == self->sub_owner)
    return;   /* the same train step: keep the sub-step shown */
  g_clear_pointer (&self->sub_owner, ps_state_unref);
  cancel_replay (self);
  forget_over_time (self);
  g_clear_pointer (&self->sub_replayed, ps_state_unref);
  g_clear_pointer (&self->sub_replay_error, g_free);
  self->n_substeps = log ? log->records->len : 0;
  self->substep = self->n_substeps;
  if (log != NULL)
    {
      self->sub_owner = ps_state_ref (state);
      compute_axis (self, state);
    }
  self->syncing = TRUE;
  gtk_adjustment_configure (self->sub_adjustment, self->substep, 0, MAX (self->n_substeps, 1), 1, 10, 0);
  self->syncing = FALSE;
  /* always there (showing and hiding it re-laid out the timeline's pane under a drag: GTK 4.8 then
   * snapshotted the GtkPaned before allocating it — the random monkey's toast regression) */
  gtk_widget_set_sensitive (GTK_WIDGET (self->sub_scale), log != NULL);
  update_label (self);
}

guint
ps_window_get_n_substeps (PsWindow *self)
{
  ps_window_substeps_sync (self);
  return self->n_substeps;
}

guint
ps_window_get_substep (PsWindow *self)
{
  return self->substep;
}

typedef struct {
  GWeakRef window;
  guint index, gen;
} ReplayRequest;

static void
on_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  ReplayRequest *q = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsState) st = ps_train_log_get_state_finish (result, &error);
  g_autoptr (PsWindow) self = g_weak_ref_get (&q->window);
  const guint index = q->index, gen = q->gen;
  g_weak_ref_clear (&q->window);
  g_free (q);
  if (self == NULL || self->sub_adjustment == NULL || gen != self->sub_replay_gen)
    return;   /* the window closed, or another sub-step or step was asked for */
  g_clear_object (&self->sub_replay_cancellable);
  g_clear_pointer (&self->sub_replayed, ps_state_unref);
  g_clear_pointer (&self->sub_replay_error, g_free);
  self->sub_replayed_index = index;
  if (st != NULL)
    self->sub_replayed = g_steal_pointer (&st);
  else
    self->sub_replay_error = g_strdup (error->message);
  update_label (self);
  ps_window_update_views (self);
}

/* the shown sub-step's snapshot, or NULL; a dropped one is replayed in a worker (*pending) */
static PsState *
substep_state (PsWindow *self, gboolean *pending)
{
  *pending = FALSE;
  if (self->sub_owner == NULL || self->substep >= self->n_substeps)
    return NULL;
  const PsTrainRecord *r = self->sub_owner->train_log->records->pdata[self->substep];
  if (r->state != NULL)
    return r->state;
  if (self->sub_replayed_index == self->substep && (self->sub_replayed != NULL || self->sub_replay_error != NULL)
      && self->sub_replay_cancellable == NULL)
    return self->sub_replayed;
  if (self->sub_replay_cancellable != NULL && self->sub_replay_index == self->substep)
    {
      *pending = TRUE;
      return NULL;
    }
  cancel_replay (self);
  self->sub_replay_index = self->substep;
  self->sub_replay_cancellable = g_cancellable_new ();
  ReplayRequest *q = g_new0 (ReplayRequest, 1);
  g_weak_ref_init (&q->window, self);
  q->index = self->substep;
  q->gen = self->sub_replay_gen;
  ps_train_log_get_state_async (self->sub_owner, self->substep, self->sub_replay_cancellable, on_replayed, q);
  *pending = TRUE;
  return NULL;
}

PsState *
ps_window_get_substep_state (PsWindow *self)
{
  gboolean pending;
  return substep_state (self, &pending);
}

gboolean
ps_window_get_substep_replaying (PsWindow *self)
{
  return self->sub_replay_cancellable != NULL;
}

static void
show_substep (PsWindow *self, guint i)
{
  i = MIN (i, self->n_substeps);
  if (i == self->substep)
    return;
  self->substep = i;
  ps_window_update_views (self);   /* may start a replay: the label says so */
  update_label (self);
}

void
ps_window_set_substep (PsWindow *self, guint i)
{
  ps_window_substeps_sync (self);
  if (self->n_substeps == 0)
    return;
  /* through the scale, as a user would drag it */
  gtk_adjustment_set_value (self->sub_adjustment, MIN (i, self->n_substeps));
}

static void
on_sub_scale (GtkAdjustment *adj, PsWindow *self)
{
  if (!self->syncing)
    show_substep (self, (guint) lround (gtk_adjustment_get_value (adj)));
}

gboolean
ps_window_substeps_advance (PsWindow *self, gboolean from_start)
{
  ps_window_substeps_sync (self);
  if (self->n_substeps == 0)
    return FALSE;
  if (from_start)
    {
      ps_window_set_substep (self, 0);
      return TRUE;
    }
  if (self->substep >= self->n_substeps)
    return FALSE;
  /* Play shows a run in ≤ ~150 frames, the last sub-step and the step's end included */
  guint stride = MAX (1, (self->n_substeps + 149) / 150);
  guint next = self->substep + stride;
  if (next >= self->n_substeps && self->substep + 1 < self->n_substeps)
    next = self->n_substeps - 1;
  else if (next > self->n_substeps)
    next = self->n_substeps;
  ps_window_set_substep (self, next);
  return TRUE;
}

/* ---------- the pages ---------- */

/* Over Time's batch of dropped sub-steps is done: keep their tensors of the path, draw again */
typedef struct {
  GWeakRef window;
  guint gen;
  GArray *indices;
} OverTimeRequest;

static void
on_over_time_replayed (GObject *source, GAsyncResult *result, gpointer data)
{
  OverTimeRequest *q = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_autoptr (PsWindow) self = g_weak_ref_get (&q->window);
  g_autoptr (GArray) indices = q->indices;
  const guint gen = q->gen;
  g_weak_ref_clear (&q->window);
  g_free (q);
  if (self == NULL || self->sub_adjustment == NULL || gen != self->ot_gen)
    return;   /* the window closed, or another step or parameter was asked for */
  g_clear_object (&self->ot_cancellable);
  g_clear_object (&self->ot_replay);
  if (states == NULL)
    {
      g_free (self->ot_error);
      self->ot_error = g_strdup (error->message);
    }
  for (guint i = 0; states != NULL && i < states->len; i++)
    {
      PsTensor *t = ps_figure_find_tensor (states->pdata[i], self->ot_path, "a sub-step", NULL);
      if (t != NULL)
        g_hash_table_replace (self->ot_tensors, GUINT_TO_POINTER (g_array_index (indices, guint, i)),
                              ps_tensor_ref (t));
    }
  ps_window_update_views (self);
}

gboolean
ps_window_get_over_time_replaying (PsWindow *self)
{
  return self->ot_replay != NULL;
}

/* Over Time inside a train step: the parameter's ridgeline over the run's recorded sub-steps up to
 * the shown one (x: training steps), so it grows and moves with the sub-step slider. It draws the
 * sub-steps the series' thinning keeps (ps_figure_series_keeps); those whose snapshot was dropped to
 * keep within the memory budget are recomputed in a worker (one batch at a time; meanwhile the
 * previous picture stays), and only their tensors of the parameter are kept. */
static gboolean
update_over_substeps (PsWindow *self, PsTreeNode *node, const char *path)
{
  PsFigurePage *fp = self->pages[PS_PAGE_OVER_TIME];
  ps_figure_page_set_scale (fp, ps_projector_plot_scale (self->settings));
  const guint n = MIN (self->substep + 1, self->n_substeps);
  if (self->ot_tensors == NULL)
    self->ot_tensors = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_tensor_unref);
  if (g_strcmp0 (self->ot_path, path) != 0)
    {
      forget_over_time (self);
      self->ot_path = g_strdup (path);
    }
  g_autoptr (GPtrArray) tensors = g_ptr_array_new ();
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GPtrArray) owners = g_ptr_array_new ();
  g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean absent = FALSE;   /* the parameter is missing at a kept sub-step (not its snapshot) */
  for (guint k = 0; k < n; k++)
    {
      PsTensor *t = NULL;
      if (ps_figure_series_keeps (n, k))
        {
          const PsTrainRecord *r = self->sub_owner->train_log->records->pdata[k];
          if (r->state != NULL)
            absent |= (t = ps_figure_find_tensor (r->state, path, "a sub-step", NULL)) == NULL;
          else if ((t = g_hash_table_lookup (self->ot_tensors, GUINT_TO_POINTER (k))) == NULL)
            {
              g_ptr_array_add (owners, self->sub_owner);
              g_array_append_val (missing, k);
            }
        }
      g_ptr_array_add (tensors, t);
      g_array_append_val (steps, g_array_index (self->sub_axis, int64_t, k));
    }
  /* the recomputed tensors the thinning no longer keeps are let go */
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, self->ot_tensors);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!ps_figure_series_keeps (n, GPOINTER_TO_UINT (key)))
      g_hash_table_iter_remove (&it);
  if (missing->len > 0 && self->ot_error == NULL)
    {
      if (self->ot_replay == NULL)
        {
          OverTimeRequest *q = g_new0 (OverTimeRequest, 1);
          g_weak_ref_init (&q->window, self);
          q->gen = self->ot_gen;
          q->indices = g_array_copy (missing);
          self->ot_cancellable = g_cancellable_new ();
          self->ot_replay = ps_substep_replay_start ((PsState *const *) owners->pdata, (const guint *) missing->data,
                                                     missing->len, self->ot_cancellable, on_over_time_replayed, q);
        }
      /* the previous picture stays until they are there (a first one: say what is coming) */
      if (ps_figure_page_get_figure (fp) == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("Recomputing %u dropped sub-steps for Over Time…"), missing->len);
          ps_figure_page_set_message (fp, msg);
        }
      return TRUE;
    }
  if (absent || missing->len > 0)
    {
      /* the parameter is not at every kept sub-step (or a replay failed): the ones it is at */
      guint j = 0;
      for (guint k = 0; k < n; k++)
        if (tensors->pdata[k] != NULL)
          {
            tensors->pdata[j] = tensors->pdata[k];
            g_array_index (steps, int64_t, j) = g_array_index (steps, int64_t, k);
            j++;
          }
      g_ptr_array_set_size (tensors, j);
      g_array_set_size (steps, j);
    }
  if (tensors->len == 0)
    {
      g_autofree char *msg = g_strdup_printf (_("%s has no values at the recorded sub-steps up to %u."), path,
                                              self->substep + 1);
      ps_figure_page_set_message (fp, msg);
      return TRUE;
    }
  g_autoptr (GError) error = NULL;
  PsFigureOptions o;
  ps_window_fill_figure_options (self, &o, PS_PAGE_OVER_TIME);
  guint step = ps_document_get_current_step (self->document);
  g_autofree char *subtitle = g_strdup_printf (_("step %u, sub-steps 1–%u of %u · x: training steps"), step,
                                               self->substep + 1, self->n_substeps);
  PsFigure *fig = ps_figure_new_for_series ((PsTensor *const *) tensors->pdata, (const int64_t *) steps->data,
                                            tensors->len, path, subtitle, &o, &error);
  if (fig == NULL)
    {
      ps_figure_page_set_message (fp, error->message);
      return TRUE;
    }
  g_autofree char *context = g_strdup_printf (_("Step %u, sub-step %u of %u (training step %lld)"), step,
                                              self->substep + 1, self->n_substeps,
                                              (long long) g_array_index (self->sub_axis, int64_t, self->substep));
  ps_figure_page_set_figure (fp, fig, node ? ps_tree_node_get_path (node) : path, context);
  return TRUE;
}

gboolean
ps_window_substeps_update_plot (PsWindow *self, PsPlotPage page, PsTreeNode *node, const char *path)
{
  if (self->sub_owner == NULL || self->substep >= self->n_substeps
      || (page != PS_PAGE_HEATMAP && page != PS_PAGE_HISTOGRAM && page != PS_PAGE_DIFFERENCE
          && page != PS_PAGE_OVER_TIME))
    return FALSE;
  if (page == PS_PAGE_OVER_TIME)
    return update_over_substeps (self, node, path);
  gboolean pending = FALSE;
  PsState *st = substep_state (self, &pending);
  PsFigurePage *fp = self->pages[page];
  if (pending)
    {
      /* the previous picture stays until the replay is ready (a first one: say what is coming) */
      if (ps_figure_page_get_figure (fp) == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("Recomputing sub-step %u…"), self->substep + 1);
          ps_figure_page_set_message (fp, msg);
        }
      return TRUE;
    }
  if (st == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Sub-step %u could not be recomputed: %s"), self->substep + 1,
                                              self->sub_replay_error ? self->sub_replay_error : "");
      ps_figure_page_set_message (fp, msg);
      return TRUE;
    }
  ps_figure_page_set_scale (fp, ps_projector_plot_scale (self->settings));
  g_autofree char *where = g_strdup_printf (_("sub-step %u"), self->substep + 1);
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_figure_find_tensor (st, path, where, &error);
  if (t == NULL)
    {
      ps_figure_page_set_message (fp, error->message);
      return TRUE;
    }
  const PsTrainRecord *r = self->sub_owner->train_log->records->pdata[self->substep];
  int64_t x = g_array_index (self->sub_axis, int64_t, self->substep);
  guint step = ps_document_get_current_step (self->document);
  PsFigureOptions o;
  ps_window_fill_figure_options (self, &o, page);
  o.diff_from = -1;
  PsFigure *fig = NULL;
  g_autofree char *context = g_strdup_printf (_("Step %u, sub-step %u of %u (training step %lld)"), step,
                                              self->substep + 1, self->n_substeps, (long long) x);
  if (page == PS_PAGE_DIFFERENCE)
    {
      /* minus the chosen step, or by default the sub-step before (the state before the run for
       * the first): one optimizer update at a time */
      guint sel = gtk_drop_down_get_selected (self->diff_dropdown);
      PsState *a = NULL;
      g_autofree char *from = NULL;
      if (sel == 0 || sel == GTK_INVALID_LIST_POSITION)
        {
          if (self->substep > 0)
            {
              const PsTrainRecord *ra = self->sub_owner->train_log->records->pdata[self->substep - 1];
              a = ra->state;
              from = g_strdup_printf (_("training step %lld"),
                                      (long long) g_array_index (self->sub_axis, int64_t, self->substep - 1));
            }
          else
            {
              a = ps_timeline_get_state_full (ps_document_get_timeline (self->document), step - 1, &error);
              from = g_strdup_printf (_("step %u (before the run)"), step - 1);
            }
        }
      else
        {
          guint k = ps_window_get_diff_from (self);
          a = ps_timeline_get_state_full (ps_document_get_timeline (self->document), k, &error);
          from = g_strdup_printf (_("step %u"), k);
        }
      g_autofree char *awhere = g_strdup_printf (_("the compared %s"), from);
      PsTensor *ta = a ? ps_figure_find_tensor (a, path, awhere, &error) : NULL;
      g_autofree char *subtitle = g_strdup_printf (_("training step %lld − %s"), (long long) x, from);
      fig = ta ? ps_figure_new_for_difference (ta, t, path, subtitle, &o, &error) : NULL;
    }
  else
    {
      g_autofree char *what = ps_train_record_describe (r, x);
      g_autofree char *subtitle = g_strdup_printf (_("step %u, sub-step %u · %s"), step, self->substep + 1, what);
      fig = ps_figure_new_for_tensor (t, path, subtitle, &o, &error);
    }
  if (fig == NULL)
    ps_figure_page_set_message (fp, error->message);
  else
    {
      const char *name = node ? ps_tree_node_get_path (node) : path;
      ps_figure_page_set_figure (fp, fig, name, context);
    }
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
  self->sub_axis = g_array_new (FALSE, FALSE, sizeof (int64_t));
  update_label (self);
  g_signal_connect (self->sub_adjustment, "value-changed", G_CALLBACK (on_sub_scale), self);
}

void
ps_window_substeps_dispose (PsWindow *self)
{
  g_clear_pointer (&self->sub_owner, ps_state_unref);
  cancel_replay (self);
  forget_over_time (self);
  g_clear_pointer (&self->ot_tensors, g_hash_table_unref);
  g_clear_pointer (&self->sub_replayed, ps_state_unref);
  g_clear_pointer (&self->sub_replay_error, g_free);
  if (self->sub_adjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->sub_adjustment, self);
  self->sub_adjustment = NULL;   /* the template's (gtk_widget_dispose_template drops it); NULL: the window is going */
  g_clear_pointer (&self->sub_axis, g_array_unref);
}
