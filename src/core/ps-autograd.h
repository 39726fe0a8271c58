/* ps-autograd.h — a gradient tape over the module tree (torch.autograd for module graphs).
 *
 * Forward under a tape records one entry per leaf-module call (the module, its input, its output
 * and what its backward needs beyond them, e.g. Dropout's noise); containers only route tensors.
 * Backward walks the entries in reverse — the order torch's engine runs the corresponding nodes —
 * routing each output's gradient to the module's backward (the per-layer backward functions in
 * the layer files) and the input gradient to whichever earlier entry produced that input.
 *
 * Parameter gradients follow torch's accumulation exactly (TRAINING-PARITY.md §5):
 *   - a module called k times (shared) gets its per-use gradients summed in the order backward
 *     reaches them, last forward use first: ((g_k + g_{k−1}) + …) + g_1 (AccumulateGrad's
 *     InputBuffer);
 *   - then .grad = that sum when .grad is None, else .grad + sum (a new tensor: tensors are
 *     immutable once stored, see ps-tensor.h).
 *
 * The tape holds references only; a module tree may be cloned between forward and backward only
 * if the caller maps modules (the doc layer runs forward and backward on one state). */
#pragma once

#include <glib.h>
#include "ps-module.h"
#include "ps-call-kwargs.h"

G_BEGIN_DECLS

typedef struct {
  PsModule *module;        /* ref */
  PsTensor *input;         /* ref */
  PsTensor *output;        /* ref; NULL while the call runs */
  PsTensor *saved;         /* ref or NULL: extra state for backward (Dropout's scaled mask) */
  PsCallKwargs *kwargs;    /* ref or NULL: the keywords current at the call (ps-call-kwargs.h) */
  PsFlavour flavour;       /* the kernel flavour of the call (its generator's): a backward that
                              replays the forward uses it, never a field the forward wrote into the
                              module (modules are shared between states and threads) */
  gboolean grad_rows;      /* torch's gradient of this call's output is contiguous while its saved
                              input is a view with dims 0 and 1 swapped (ps_tape_mark_grad_rows): its
                              element-wise backward cannot coalesce the dims and runs one row of the
                              last dim at a time (vector blocks from each row's start, scalar tail) */
} PsTapeEntry;

typedef struct _PsTape PsTape;
typedef struct _PsGradSink PsGradSink;

/* One module's backward: given the gradient of entry->output, add parameter gradients to sink
 * (ps_grad_sink_add) and, when grad_input is non-NULL, return the input's gradient there (a new
 * tensor, or a ref of grad_output for pass-through layers). */
typedef gboolean (*PsBackwardFunc) (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output,
                                    PsTensor **grad_input, PsGradSink *sink, GError **error);

PsTape          *ps_tape_new            (void);
void             ps_tape_free           (PsTape *tape);
/* Drop the entries (a fresh forward). */
guint            ps_tape_n_entries      (const PsTape *tape);
const PsTapeEntry *ps_tape_entry        (const PsTape *tape, guint i);

/* A copy whose entries refer to map[module] (old → new PsModule*, as ps_module_clone_tree fills it;
 * modules not in map stay). Tensors are shared. For a document that clones its module tree
 * between a forward and its backward. */
PsTape          *ps_tape_copy_remapped  (const PsTape *tape, GHashTable *map);

/* root(input) with every leaf call recorded on tape (replacing what it held). */
PsTensor        *ps_tape_forward        (PsTape *tape, PsModule *root, PsTensor *input, PsGenerator *gen,
                                         GError **error);
/* output.backward(grad_output): grad_output has the shape of the recorded root output. Errors
 * leave every .grad untouched (all gradients are computed before any is stored). The tape stays
 * valid (graphs are kept, as retain_graph=True would). */
gboolean         ps_tape_backward       (PsTape *tape, PsTensor *grad_output, GError **error);
/* Mark every recorded call of module whose input's dims 0 and 1 both exceed 1 as grad_rows (before
 * ps_tape_backward). */
void             ps_tape_mark_grad_rows (PsTape *tape, const PsModule *module);
/* The same with the root input treated as requiring grad (x.requires_grad_()): its gradient is
 * returned in *grad_input (a new tensor; zeros when the output does not depend on it). */
gboolean         ps_tape_backward_input (PsTape *tape, PsTensor *grad_output, PsTensor **grad_input,
                                         GError **error);

/* Keep, at the next backward, the gradient that reaches each entry's output (d loss / d output, as
 * output.retain_grad() would give in torch): for per-layer gradient diagnostics. Off by default (the
 * train loop does not pay for it). */
void             ps_tape_keep_output_grads (PsTape *tape, gboolean keep);
/* The gradient of entry i's output from the last backward (no ref), or NULL: not kept, the output
 * does not require grad or does not reach the root. */
PsTensor        *ps_tape_output_grad    (const PsTape *tape, guint i);

/* For module forwards and ps_module_forward: */
gboolean         ps_tape_recording      (void);
/* Begin/end a leaf call on the tape recording in this thread (called by ps_module_forward). */
guint            ps_tape_begin_call     (PsModule *m, PsTensor *input);
void             ps_tape_end_call       (guint index, PsTensor *output);
/* Whether the input of the call being recorded requires grad in torch (x.requires_grad: it comes
 * from a call that has parameters or whose input requires grad; the data does not). FALSE outside
 * a tape. For forwards whose torch path depends on it (MaxPool1d: max_pool1d_with_indices). */
gboolean         ps_tape_input_requires_grad (void);
/* A forward saves an extra tensor for its backward (takes a ref) on the call being recorded. */
void             ps_tape_save           (PsTensor *t);

/* Parameter gradient of one use (takes a ref). */
void             ps_grad_sink_add       (PsGradSink *sink, PsParam *p, PsTensor *grad);

/* The backward of a module class, or NULL when it has none yet. */
PsBackwardFunc   ps_backward_lookup     (const PsModuleClass *klass);


G_END_DECLS
