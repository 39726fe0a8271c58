/* ps-substep-figure.c — see ps-substep-figure.h. */
#include "ps-config.h"
#include "ps-substep-figure.h"
#include "ps-substep-tensors.h"
#include "ps-train-ops.h"

#include <glib/gi18n.h>

void
ps_substep_picture_clear (PsSubstepPicture *p)
{
  g_clear_pointer (&p->figure, ps_figure_free);
  g_clear_pointer (&p->context, g_free);
  g_clear_pointer (&p->message, g_free);
  p->pending = FALSE;
}

void
ps_substep_figure_at (PsSubstepCursor *c, PsTimeline *tl, guint step, const char *path, gboolean difference,
                      int compare_step, const char *record_text, const PsFigureOptions *opts, PsSubstepPicture *out)
{
  g_return_if_fail (PS_IS_SUBSTEP_CURSOR (c) && tl != NULL && path != NULL && opts != NULL && out != NULL);
  *out = (PsSubstepPicture) { NULL, NULL, NULL, FALSE };
  const guint i = ps_substep_cursor_get_index (c), n = ps_substep_cursor_get_n (c);
  g_return_if_fail (i < n);
  gboolean pending = FALSE;
  PsState *st = ps_substep_cursor_get_state (c, &pending);
  if (pending)
    {
      out->pending = TRUE;
      out->message = g_strdup_printf (_("Recomputing sub-step %u…"), i + 1);
      return;
    }
  if (st == NULL)
    {
      const char *why = ps_substep_cursor_get_replay_error (c);
      out->message = g_strdup_printf (_("Sub-step %u could not be recomputed: %s"), i + 1, why ? why : "");
      return;
    }
  g_autofree char *where = g_strdup_printf (_("sub-step %u"), i + 1);
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_figure_find_tensor (st, path, where, &error);
  if (t == NULL)
    {
      out->message = g_strdup (error->message);
      return;
    }
  const int64_t x = ps_substep_cursor_get_x (c, i);
  PsFigureOptions o = *opts;
  o.diff_from = -1;
  PsFigure *fig = NULL;
  if (difference)
    {
      /* minus the chosen step, or by default the sub-step before (the state before the run for
       * the first): one optimizer update at a time */
      PsState *a = NULL;
      g_autofree char *from = NULL;
      if (compare_step < 0 && i > 0)
        {
          gboolean wait = FALSE;
          a = ps_substep_cursor_get_state_before (c, &wait);
          if (wait)   /* dropped under the memory budget: replayed first */
            {
              out->pending = TRUE;
              out->message = g_strdup_printf (_("Recomputing sub-step %u…"), i);
              return;
            }
          if (a == NULL)
            {
              const char *why = ps_substep_cursor_get_before_error (c);
              out->message = g_strdup_printf (_("Sub-step %u could not be recomputed: %s"), i, why ? why : "");
              return;
            }
          from = g_strdup_printf (_("training step %lld"), (long long) ps_substep_cursor_get_x (c, i - 1));
        }
      else if (compare_step < 0)
        {
          a = ps_timeline_get_state_full (tl, step - 1, &error);
          from = g_strdup_printf (_("step %u (before the run)"), step - 1);
        }
      else
        {
          a = ps_timeline_get_state_full (tl, (guint) compare_step, &error);
          from = g_strdup_printf (_("step %u"), (guint) compare_step);
        }
      g_autofree char *awhere = g_strdup_printf (_("the compared %s"), from);
      PsTensor *ta = a ? ps_figure_find_tensor (a, path, awhere, &error) : NULL;
      g_autofree char *subtitle = g_strdup_printf (_("training step %lld − %s"), (long long) x, from);
      fig = ta ? ps_figure_new_for_difference (ta, t, path, subtitle, &o, &error) : NULL;
    }
  else
    {
      g_autofree char *subtitle = g_strdup_printf (_("step %u, sub-step %u · %s"), step, i + 1, record_text);
      fig = ps_figure_new_for_tensor (t, path, subtitle, &o, &error);
    }
  if (fig == NULL)
    {
      out->message = g_strdup (error->message);
      return;
    }
  out->figure = fig;
  out->context = g_strdup_printf (_("Step %u, sub-step %u of %u (training step %lld)"), step, i + 1, n, (long long) x);
}

/* ---------- Over Time ---------- */

struct _PsSubstepSeries {
  GObject parent_instance;
  PsSubstepSeriesReady ready;
  gpointer ready_data;
  PsSubstepTensors *batch;    /* `path`'s tensor at dropped sub-steps of the cursor's log, recomputed */
  char *path;
};

G_DEFINE_FINAL_TYPE (PsSubstepSeries, ps_substep_series, G_TYPE_OBJECT)

void
ps_substep_series_forget (PsSubstepSeries *s)
{
  g_return_if_fail (PS_IS_SUBSTEP_SERIES (s));
  ps_substep_tensors_forget (s->batch);
  g_clear_pointer (&s->path, g_free);
}

static void
ps_substep_series_finalize (GObject *object)
{
  PsSubstepSeries *s = PS_SUBSTEP_SERIES (object);
  ps_substep_series_forget (s);
  ps_substep_tensors_free (s->batch);   /* a late result is dropped */
  G_OBJECT_CLASS (ps_substep_series_parent_class)->finalize (object);
}

/* a batch's state: the path it was started for is still the series' (the batch is dropped on
 * another one) */
static PsTensor *
pick_path (PsState *st, gpointer data)
{
  PsSubstepSeries *s = data;
  PsTensor *t = ps_figure_find_tensor (st, s->path, "a sub-step", NULL);
  return t != NULL ? ps_tensor_ref (t) : NULL;
}

static void
on_batch_ready (gpointer data)
{
  PsSubstepSeries *s = data;
  if (s->ready != NULL)
    s->ready (s, s->ready_data);
}

static void
ps_substep_series_class_init (PsSubstepSeriesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_substep_series_finalize;
}

static void
ps_substep_series_init (PsSubstepSeries *s)
{
  s->batch = ps_substep_tensors_new (pick_path, on_batch_ready, s);
}

PsSubstepSeries *
ps_substep_series_new (PsSubstepSeriesReady ready, gpointer data)
{
  PsSubstepSeries *s = g_object_new (PS_TYPE_SUBSTEP_SERIES, NULL);
  s->ready = ready;
  s->ready_data = data;
  return s;
}

gboolean
ps_substep_series_get_replaying (PsSubstepSeries *s)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_SERIES (s), FALSE);
  return ps_substep_tensors_get_replaying (s->batch);
}

PsTensor *
ps_substep_series_get_tensor (PsSubstepSeries *s, guint k)
{
  g_return_val_if_fail (PS_IS_SUBSTEP_SERIES (s), NULL);
  return ps_substep_tensors_get (s->batch, k);
}

static gboolean
series_keeps (guint k, gpointer n)
{
  return ps_figure_series_keeps (GPOINTER_TO_UINT (n), k);
}

void
ps_substep_series_figure (PsSubstepSeries *s, PsSubstepCursor *c, guint step, const char *path,
                          const PsFigureOptions *o, PsSubstepPicture *out)
{
  g_return_if_fail (PS_IS_SUBSTEP_SERIES (s) && PS_IS_SUBSTEP_CURSOR (c) && path != NULL && o != NULL && out != NULL);
  *out = (PsSubstepPicture) { NULL, NULL, NULL, FALSE };
  const guint index = ps_substep_cursor_get_index (c), n_sub = ps_substep_cursor_get_n (c);
  g_return_if_fail (index < n_sub);
  PsState *owner = ps_substep_cursor_get_owner (c);
  const guint n = MIN (index + 1, n_sub);
  if (g_strcmp0 (s->path, path) != 0)
    {
      ps_substep_series_forget (s);
      s->path = g_strdup (path);
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
          const PsTrainRecord *r = ps_substep_cursor_get_record (c, k);
          if (r->state != NULL)
            absent |= (t = ps_figure_find_tensor (r->state, path, "a sub-step", NULL)) == NULL;
          else if ((t = ps_substep_tensors_get (s->batch, k)) == NULL)
            {
              g_ptr_array_add (owners, owner);
              g_array_append_val (missing, k);
            }
        }
      g_ptr_array_add (tensors, t);
      int64_t x = ps_substep_cursor_get_x (c, k);
      g_array_append_val (steps, x);
    }
  /* the recomputed tensors the thinning no longer keeps are let go */
  ps_substep_tensors_keep_only (s->batch, series_keeps, GUINT_TO_POINTER (n));
  if (ps_substep_tensors_request (s->batch, (PsState *const *) owners->pdata, (const guint *) missing->data,
                                  (const guint *) missing->data, missing->len))
    {
      /* the previous picture stays until they are there (a first one: say what is coming) */
      out->pending = TRUE;
      out->message = g_strdup_printf (_("Recomputing %u dropped sub-steps for Over Time…"), missing->len);
      return;
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
      out->message = g_strdup_printf (_("%s has no values at the recorded sub-steps up to %u."), path, index + 1);
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *subtitle = g_strdup_printf (_("step %u, sub-steps 1–%u of %u · x: training steps"), step,
                                               index + 1, n_sub);
  PsFigure *fig = ps_figure_new_for_series ((PsTensor *const *) tensors->pdata, (const int64_t *) steps->data,
                                            tensors->len, path, subtitle, o, &error);
  if (fig == NULL)
    {
      out->message = g_strdup (error->message);
      return;
    }
  out->figure = fig;
  out->context = g_strdup_printf (_("Step %u, sub-step %u of %u (training step %lld)"), step, index + 1, n_sub,
                                  (long long) ps_substep_cursor_get_x (c, index));
}
