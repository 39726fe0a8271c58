/* ps-train-series.c — see ps-train-series.h. */
#include "ps-config.h"
#include "ps-train-series.h"
#include "ps-train-view.h"
#include "ps-train-ops.h"
#include "ps-substep-tensors.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsTrainSeries {
  PsTrainRecords *recs;
  PsTrainSeriesReady ready;
  gpointer data;
  PsSubstepTensors *batch;         /* the chosen tensor at dropped sub-steps, recomputed */
  char *param, *what;              /* the choice they are of (both NULL: none) */
};

/* The chosen tensor at st (a new ref) and its title, or NULL. */
static PsTensor *
chosen_tensor (PsState *st, const char *param, const char *what, char **title)
{
  if (st == NULL || param == NULL || what == NULL)
    return NULL;
  return ps_train_view_param_tensor (st, param, what, "", title, NULL);
}

/* a batch's state: the choice it was started for is still the series' (the batch is dropped on
 * another one) */
static PsTensor *
pick_chosen (PsState *st, gpointer data)
{
  PsTrainSeries *s = data;
  g_autofree char *title = NULL;
  return chosen_tensor (st, s->param, s->what, &title);
}

static void
on_batch_ready (gpointer data)
{
  PsTrainSeries *s = data;
  s->ready (s->data);
}

PsTrainSeries *
ps_train_series_new (PsTrainRecords *recs, PsTrainSeriesReady ready, gpointer data)
{
  PsTrainSeries *s = g_new0 (PsTrainSeries, 1);
  s->recs = recs;
  s->ready = ready;
  s->data = data;
  s->batch = ps_substep_tensors_new (pick_chosen, on_batch_ready, s);
  return s;
}

void
ps_train_series_forget (PsTrainSeries *s)
{
  ps_substep_tensors_forget (s->batch);
  g_clear_pointer (&s->param, g_free);
  g_clear_pointer (&s->what, g_free);
}

void
ps_train_series_free (PsTrainSeries *s)
{
  if (s == NULL)
    return;
  ps_train_series_forget (s);
  ps_substep_tensors_free (s->batch);   /* a late result is dropped */
  g_free (s);
}


PsFigure *
ps_train_series_figure (PsTrainSeries *s, const char *param, const char *what, PsFigureKind kind, gboolean live,
                        gboolean now, char **message)
{
  *message = NULL;
  const guint n = ps_train_records_get_n (s->recs);
  const gboolean chosen = param != NULL && what != NULL;
  if (chosen ? g_strcmp0 (param, s->param) != 0 || g_strcmp0 (what, s->what) != 0 : s->param != NULL)
    {
      ps_train_series_forget (s);
      if (chosen)
        {
          s->param = g_strdup (param);
          s->what = g_strdup (what);
        }
    }
  g_autoptr (GPtrArray) tensors = g_ptr_array_new ();
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GPtrArray) owners = g_ptr_array_new ();
  g_autoptr (GArray) ks = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *title = NULL;
  gboolean absent = FALSE;
  for (guint i = 0; i < n; i++)
    {
      PsTensor *v = NULL;
      if (ps_figure_series_keeps (n, i))
        {
          PsState *st = ps_train_records_get_state (s->recs, i);
          g_autofree char *t = NULL;
          guint k = 0;
          PsState *owner = NULL;
          if (st != NULL)
            {
              if ((v = chosen_tensor (st, param, what, &t)) != NULL)
                g_ptr_array_add (kept, v);   /* the ref, until the figure has its own */
            }
          else if ((v = ps_substep_tensors_get (s->batch, i)) != NULL)
            ;
          else if ((owner = ps_train_records_get_owner (s->recs, i, &k)) != NULL && now)
            {
              /* drawn at once: recomputed here */
              g_autoptr (PsState) rs = ps_train_log_get_state (owner->train_log, k, NULL);
              if (rs != NULL && (v = chosen_tensor (rs, param, what, &t)) != NULL)
                g_ptr_array_add (kept, v);
            }
          else if (owner != NULL)
            {
              g_ptr_array_add (owners, owner);
              g_array_append_val (ks, k);
              g_array_append_val (missing, i);
            }
          absent |= v == NULL;
          if (title == NULL && t != NULL)
            title = g_steal_pointer (&t);
        }
      g_ptr_array_add (tensors, v);
      int64_t x = ps_train_records_get_x (s->recs, i);
      g_array_append_val (steps, x);
    }
  if (ps_substep_tensors_request (s->batch, (PsState *const *) owners->pdata, (const guint *) ks->data,
                                  (const guint *) missing->data, missing->len))
    {
      *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Recomputing %u dropped sub-step for the series…",
                                               "Recomputing %u dropped sub-steps for the series…", missing->len),
                                  missing->len);
      return NULL;
    }
  if (absent)
    {
      /* not at every kept sub-step (a live run, a batch failed, a parameter made later): the ones
       * it is at, thinned again */
      guint j = 0;
      for (guint i = 0; i < n; i++)
        if (tensors->pdata[i] != NULL)
          {
            tensors->pdata[j] = tensors->pdata[i];
            g_array_index (steps, int64_t, j) = g_array_index (steps, int64_t, i);
            j++;
          }
      g_ptr_array_set_size (tensors, j);
      g_array_set_size (steps, j);
    }
  if (tensors->len == 0)
    {
      *message = g_strdup (live ? _("Over sub-steps: shown when the run has finished.")
                           : ps_substep_tensors_get_error (s->batch) ? ps_substep_tensors_get_error (s->batch)
                           : _("Choose a parameter (and .grad or an optimizer state that exists at the recorded sub-steps)."));
      return NULL;
    }
  if (title == NULL)   /* every drawn tensor was recomputed in a batch: the title chosen_tensor gives */
    title = strcmp (what, "value") == 0 ? g_strdup (param) : g_strdup_printf ("%s · %s", param, what);
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.kind = kind;
  g_autoptr (GError) error = NULL;
  g_autofree char *subtitle = g_strdup_printf (_("%u recorded sub-steps · x: training steps"), tensors->len);
  PsFigure *fig = ps_figure_new_for_series ((PsTensor *const *) tensors->pdata, (const int64_t *) steps->data,
                                            tensors->len, title, subtitle, &o, &error);
  if (fig == NULL)
    *message = g_strdup (error->message);
  return fig;
}

gboolean
ps_train_series_get_replaying (PsTrainSeries *s)
{
  return ps_substep_tensors_get_replaying (s->batch);
}

PsTensor *
ps_train_series_get_tensor (PsTrainSeries *s, guint i)
{
  return ps_substep_tensors_get (s->batch, i);
}

const char *
ps_train_series_get_error (PsTrainSeries *s)
{
  return ps_substep_tensors_get_error (s->batch);
}
