/* ps-loss.h — torch.nn losses (1.13, CPU float32): forward and the gradient loss.backward() seeds,
 * bit for bit (TRAINING-PARITY.md §4).
 *
 * One call computes the loss and, on request, d loss / d input for loss.backward() (seed 1.0);
 * that needs a scalar loss (reduction "mean" or "sum"), as in torch ("grad can be implicitly
 * created only for scalar outputs"). Shapes: input (N, C) logits/log-probabilities with int64
 * class indices (N) for CrossEntropyLoss/NLLLoss; same-shape float input and target otherwise. */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-error.h"
#include "ps-module.h"
#include "ps-autograd.h"

G_BEGIN_DECLS

typedef enum {
  PS_LOSS_MSE,
  PS_LOSS_L1,
  PS_LOSS_SMOOTH_L1,
  PS_LOSS_HUBER,
  PS_LOSS_CROSS_ENTROPY,
  PS_LOSS_NLL,
  PS_LOSS_BCE,
  PS_LOSS_BCE_WITH_LOGITS,
} PsLossKind;

typedef enum {
  PS_REDUCTION_MEAN,
  PS_REDUCTION_SUM,
  PS_REDUCTION_NONE,
} PsReduction;

typedef struct {
  PsLossKind kind;
  PsReduction reduction;    /* "mean" */
  double beta;              /* SmoothL1Loss: 1.0 */
  double delta;             /* HuberLoss: 1.0 */
  int64_t ignore_index;     /* CrossEntropyLoss/NLLLoss: -100 */
  double label_smoothing;   /* CrossEntropyLoss: 0.0 */
  PsTensor *weight;         /* class weights (C) for CE/NLL, element weights for BCE*; NULL = None (ref) */
  PsTensor *pos_weight;     /* BCEWithLogitsLoss (C or broadcastable to the last dim); NULL = None (ref) */
} PsLoss;

/* The PyTorch class name → kind ("MSELoss" …); FALSE for an unknown name. */
gboolean     ps_loss_kind_from_name (const char *name, PsLossKind *kind);
const char  *ps_loss_kind_name      (PsLossKind kind);
/* What torch raises when the loss gets a tuple (a MaxPool's (output, indices)) as its input
 * (ps-tuple-input.c). */
const char  *ps_loss_tuple_input_error (PsLossKind kind);
gboolean     ps_reduction_from_name (const char *name, PsReduction *out, GError **error);
const char  *ps_reduction_name      (PsReduction r);
/* The defaults of torch.nn.<Kind>() */
void         ps_loss_init           (PsLoss *loss, PsLossKind kind);
void         ps_loss_clear          (PsLoss *loss);   /* drops weight refs */
/* Is the target class indices (int64)? */
gboolean     ps_loss_wants_indices  (const PsLoss *loss);

/* loss_fn(input, target); when grad_input is non-NULL also input.grad after loss.backward(). */
PsTensor    *ps_loss_compute        (const PsLoss *loss, const PsTensor *input, const PsTensor *target,
                                     PsTensor **grad_input, GError **error);
/* The same for an input that is, in torch, a view with dims 0 and 1 swapped (`swapped`; the output
 * of a batch_first MultiheadAttention: attn_output.transpose(1, 0), its memory in (L, N, E) order):
 * MSELoss, L1Loss, SmoothL1Loss, HuberLoss and BCELoss then reduce in that memory order, and SmoothL1Loss's
 * backward takes its vector chunks within rows of the last dim (tests/golden/gen_attn_batch_first.py).
 * BCEWithLogitsLoss reduces a contiguous result either way. */
PsTensor    *ps_loss_compute_full   (const PsLoss *loss, const PsTensor *input, gboolean swapped,
                                     const PsTensor *target, PsTensor **grad_input, GError **error);
/* Is root(x)'s 3-D output such a swapped view in torch? A batch_first MultiheadAttention, RNN,
 * LSTM or GRU, also at the end of a Sequential followed only by layers that keep the layout
 * (ReLU, Tanh, Sigmoid, … ps-loss.c keeps_layout). */
gboolean     ps_loss_input_swapped  (const PsModule *root, const PsTensor *output);
/* When root's output is such a swapped view and loss.backward() gives a contiguous gradient
 * (MSELoss, SmoothL1Loss, HuberLoss: LEGACY_CONTIGUOUS grad_input; L1Loss(mean), BCEWithLogitsLoss
 * with pos_weight; measured in torch 1.13 with hooks on the grads' strides), marks the calls of the
 * layout-keeping layers at root's end on tape (ps_tape_mark_grad_rows): in torch their saved input is
 * the swapped view and their backward runs one row at a time. Call it before ps_tape_backward. */
void         ps_loss_mark_grad_rows (const PsLoss *loss, const PsModule *root, const PsTensor *output, PsTape *tape);


G_END_DECLS
