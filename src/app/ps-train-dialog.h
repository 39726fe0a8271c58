/* ps-train-dialog.h — Train: data set, loss, optimizer and its arguments, scheduler and its
 * arguments, batch size, shuffle, steps or epochs, and how often a sub-step is recorded. An
 * AdwMessageDialog subclass with its template in ui/ps-train-dialog.ui; it only collects what a
 * user chose (ps_train_dialog_get_spec); the window turns that into the ops of one training step
 * (ps_edit_train_ops) and runs them in the worker on the "apply" response. */
#pragma once

#include <adwaita.h>
#include "ps-edit-train.h"

G_BEGIN_DECLS

#define PS_TYPE_TRAIN_DIALOG (ps_train_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsTrainDialog, ps_train_dialog, PS, TRAIN_DIALOG, AdwMessageDialog)

PsTrainDialog *ps_train_dialog_new       (GtkWindow *parent, const char *applies_to);
/* The choices; strings and args objects belong to the dialog (valid while it lives). FALSE with
 * an error naming a malformed argument text. */
gboolean       ps_train_dialog_get_spec  (PsTrainDialog *self, PsTrainSpec *spec, GError **error);
/* For tests and scripted demos: pick by the names shown ("circles", "Adam", "StepLR", "epochs"). */
void           ps_train_dialog_select    (PsTrainDialog *self, const char *field, const char *item);
/* Choose the "file" data set: path, and its input and target arrays (NULL: keep the field). */
void           ps_train_dialog_set_file  (PsTrainDialog *self, const char *path, const char *x, const char *y);
void           ps_train_dialog_set_count (PsTrainDialog *self, int64_t count, int64_t record_every);

G_END_DECLS
