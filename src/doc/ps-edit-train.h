/* ps-edit-train.h — the recipe ops of the app's training commands (the Train dialog and the
 * one-step teaching actions), built from what the state holds. Like ps-edit, these read the state
 * and never change it; the document applies the ops (all of one command as one undo). */
#pragma once

#include <json-glib/json-glib.h>
#include "ps-state.h"

G_BEGIN_DECLS

typedef struct {
  const char *dataset;         /* "xor", "circles", "blobs", "fashion_mnist", or "file" */
  const char *file;            /* "file": an .npz, .safetensors, torch (.pt …) or .csv file (absolute,
                                * or relative to the recipe's folder) … */
  const char *x, *y;           /* … and its input and target arrays (CSV: columns; x "*" = the others) */
  int64_t n;                   /* toy sets: samples; fashion_mnist: the first n (0 = all 60 000) */
  const char *loss;            /* "CrossEntropyLoss", "MSELoss" … (torch's class name) */
  const char *optimizer;       /* "SGD", "Adam", "AdamW", "RMSprop", "Adagrad" */
  JsonObject *optimizer_args;  /* torch's keyword arguments (lr …); may be NULL */
  const char *scheduler;       /* NULL or "" = none; else "StepLR" … */
  JsonObject *scheduler_args;
  gboolean scheduler_per_step; /* scheduler.step() after every batch instead of every epoch */
  int64_t batch_size;
  gboolean shuffle;
  gboolean by_epochs;          /* count is epochs (else optimizer steps) */
  int64_t count;
  int64_t record_every;        /* every k-th optimizer step becomes a sub-step with a snapshot */
} PsTrainSpec;

void        ps_train_spec_init      (PsTrainSpec *spec);

/* The ops that train the model (the state's root) as the spec says: a `dataset` op unless the
 * state holds the same data set already (same type and size, or the same file and arrays: reused), an `optimizer` op (a new
 * optimizer, as `opt = torch.optim.SGD(model.parameters(), …)` written again would be), a
 * `scheduler` op if one is chosen, and the `train` op. Errors: no model, counts out of range. */
GPtrArray  *ps_edit_train_ops       (const PsState *st, const PsTrainSpec *spec, GError **error);


/* The one-step teaching actions, each as torch writes it:
 *   forward with loss  loss = loss_fn(model(xb), yb) on the first batch_size samples of the newest
 *                      data set (their values in the op), output "loss";
 *   backward           loss.backward() of the newest forward with a loss;
 *   step / zero_grad   opt.step() / opt.zero_grad() of the newest optimizer of the model — with an
 *                      `optimizer` op SGD(lr=0.1) first when there is none.
 * Errors say what is missing (no model, no data set, no forward with a loss). */
GPtrArray  *ps_edit_teach_forward_ops (const PsState *st, const char *loss, int64_t batch_size, GError **error);
GPtrArray  *ps_edit_teach_backward_ops (const PsState *st, GError **error);
GPtrArray  *ps_edit_teach_step_ops  (const PsState *st, gboolean zero_grad, GError **error);

/* Keyword arguments as typed in a dialog, "lr=0.1, betas=(0.9, 0.999)", into an args object
 * (values parsed by ps_py_literal_parse). Empty text: an empty object. NULL with an error naming
 * the malformed part. */
JsonObject *ps_edit_parse_kwargs    (const char *text, GError **error);

G_END_DECLS
