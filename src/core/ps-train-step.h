/* ps-train-step.h — one optimizer step of the canonical loop, exactly as torch runs it:
 *
 *   opt.zero_grad()                       # 1.13: set_to_none=False
 *   loss = loss_fn(model(xb), yb)
 *   loss.backward()
 *   torch.nn.utils.clip_grad_norm_(model.parameters(), clip)   # when clipping
 *   opt.step()
 *
 * (the scheduler and data order are the caller's). On error the model may be half-updated: callers
 * run it on a state clone (the document does). */
#pragma once

#include <glib.h>
#include "ps-autograd.h"
#include "ps-loss.h"
#include "ps-optimizer.h"

G_BEGIN_DECLS

typedef struct {
  float loss;          /* the loss value */
  float grad_norm;     /* total 2-norm of the gradients before clipping (clip_grad_norm_'s result),
                          computed the same way also when not clipping */
  int64_t correct;     /* classification: argmax(output) == target count; -1 otherwise */
  int64_t count;       /* batch size */
} PsTrainStepResult;

gboolean ps_train_step (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt,
                        PsTensor *xb, PsTensor *yb, PsGenerator *gen, double clip, PsFlavour flavour,
                        PsTrainStepResult *result, GError **error);
/* The same, clipping whenever `clipping` is set, with any max_norm torch takes: 0 zeroes the
 * gradients, a negative one flips them, NaN makes them NaN, +inf leaves them (torch 1.13 checks
 * nothing). ps_train_step clips when clip > 0. */
gboolean ps_train_step_full (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt,
                             PsTensor *xb, PsTensor *yb, PsGenerator *gen, gboolean clipping, double clip,
                             PsFlavour flavour, PsTrainStepResult *result, GError **error);
/* ps_train_step_full; without `measure` the result's grad_norm (when not clipping) and correct are
 * not computed (NaN and -1) — the same step, for the steps a train op does not record. */
gboolean ps_train_step_measure (PsModule *model, PsTape *tape, const PsLoss *loss, PsOptimizer *opt,
                                PsTensor *xb, PsTensor *yb, PsGenerator *gen, gboolean clipping, double clip,
                                gboolean measure, PsFlavour flavour, PsTrainStepResult *result, GError **error);

G_END_DECLS
