/* ps-train-step.c — see ps-train-step.h. */
#include "ps-train-step.h"
#include "ps-clip-grad.h"
#include "ps-threads.h"

#include <math.h>

static int64_t
count_correct (const PsTensor *out, const PsTensor *y)
{
  if (y->dtype != PS_DTYPE_INT64 || out->ndim != 2 || y->ndim != 1 || out->shape[0] != y->shape[0])
    return -1;
  const float *o = ps_tensor_cf32 (out);
  const int64_t *t = ps_tensor_ci64 (y);
  const int64_t n = out->shape[0], c = out->shape[1];
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i++)
    {
      int64_t best = 0;   /* argmax: first maximum */
      for (int64_t k = 1; k < c; k++)
        if (o[i * c + k] > o[i * c + best])
          best = k;
      correct += best == t[i];
    }
  return correct;
}

gboolean
ps_train_step (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt, PsTensor *xb, PsTensor *yb,
               PsGenerator *gen, double clip, PsFlavour flavour, PsTrainStepResult *result, GError **error)
{
  return ps_train_step_full (model, tape, loss, opt, xb, yb, gen, clip > 0.0, clip, flavour, result, error);
}

gboolean
ps_train_step_full (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt, PsTensor *xb, PsTensor *yb,
                    PsGenerator *gen, gboolean clipping, double clip, PsFlavour flavour, PsTrainStepResult *result,
                    GError **error)
{
  return ps_train_step_measure (model, tape, loss, opt, xb, yb, gen, clipping, clip, TRUE, flavour, result, error);
}

static gboolean
train_step (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt, PsTensor *xb,
            PsTensor *yb, PsGenerator *gen, gboolean clipping, double clip, gboolean measure,
            PsFlavour flavour, PsTrainStepResult *result, GError **error)
{
  if (!ps_optimizer_zero_grad (opt, model, FALSE, error))
    return FALSE;
  g_autoptr (PsTensor) out = ps_tape_forward (tape, model, xb, gen, error);
  if (out == NULL)
    return FALSE;
  g_autoptr (PsTensor) gout = NULL;
  g_autoptr (PsTensor) l = ps_loss_compute_full (loss, out, ps_loss_input_swapped (model, out), yb, &gout, error);
  if (l != NULL)
    ps_loss_mark_grad_rows (loss, model, out, tape);
  if (l == NULL || !ps_tape_backward (tape, gout, error))
    return FALSE;
  float total = NAN;
  if (clipping)
    {
      if (!ps_clip_grad_norm_full (model, clip, flavour, &total, error))
        return FALSE;
    }
  else if (measure)
    total = ps_grad_total_norm (model, flavour);
  if (!ps_optimizer_step (opt, model, flavour, error))
    return FALSE;
  result->loss = ps_tensor_cf32 (l)[0];
  result->grad_norm = total;
  result->correct = measure ? count_correct (out, yb) : -1;
  result->count = xb->shape[0];
  return TRUE;
}

gboolean
ps_train_step_measure (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt, PsTensor *xb,
                       PsTensor *yb, PsGenerator *gen, gboolean clipping, double clip, gboolean measure,
                       PsFlavour flavour, PsTrainStepResult *result, GError **error)
{
  /* every kernel of the step (the sums' lanes, the loss) follows the flavour, as torch's whole
   * process follows its capability */
  const PsFlavour old = ps_threads_set_flavour (flavour);
  const gboolean ok = train_step (model, tape, loss, opt, xb, yb, gen, clipping, clip, measure, flavour,
                                  result, error);
  ps_threads_set_flavour (old);
  return ok;
}
