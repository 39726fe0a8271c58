/* ps-train-walk.c — see ps-train-walk.h. */
#include "ps-train-walk.h"

#include <string.h>

#include "ps-op.h"
#include "ps-recipe.h"
#include "ps-state.h"

gboolean
ps_train_walk (PsTimeline *tl, guint upto, PsState *upto_state, PsTrainAxis *axis,
               PsTrainWalkFunc func, gpointer data, char **skipped, GError **error)
{
  g_return_val_if_fail (tl != NULL && axis != NULL, FALSE);
  const PsRecipe *recipe = ps_timeline_get_recipe (tl);
  upto = MIN (upto, ps_timeline_get_n_steps (tl));
  for (guint i = 1; i <= upto; i++)
    {
      const PsOp *op = g_ptr_array_index (recipe->ops, i - 1);
      if (!ps_op_records_training (op))
        continue;   /* only train ops record (no rebuild of the other steps) */
      g_autoptr (GError) local = NULL;
      PsState *st = i == upto && upto_state != NULL ? upto_state : ps_timeline_get_state_full (tl, i, &local);
      if (st == NULL)
        {
          if (error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (skipped != NULL && *skipped == NULL && local != NULL)
            *skipped = g_strdup (local->message);
          continue;
        }
      for (guint k = 0; st->train_log != NULL && k < st->train_log->records->len; k++)
        {
          const PsTrainRecord *r = st->train_log->records->pdata[k];
          if (k == 0)
            ps_train_axis_begin_run (axis, r);
          PsTrainWalkItem item = { i, st, k, r, ps_train_axis_next (axis, r->step) };
          if (func != NULL)
            func (&item, data);
        }
    }
  return TRUE;
}
