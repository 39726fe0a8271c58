/* ps-substep-tensors.h — one tensor picked out of each of several recorded sub-steps whose
 * snapshots were dropped under the memory budget, recomputed in a worker in one batch
 * (ps_substep_replay_start) and kept by record index: what the two "one parameter over the
 * sub-steps" views share — the main window's Over Time (PsSubstepSeries) and the Training page's
 * ridgeline and bands (PsTrainSeries). One batch at a time; forget (the choice or the records
 * changed) and free cancel it, and its late result is dropped. No GTK: tested headless
 * (test-substep-tensors). */
#pragma once

#include "ps-state.h"

G_BEGIN_DECLS

typedef struct _PsSubstepTensors PsSubstepTensors;

/* The tensor wanted out of a recomputed state (a new ref), or NULL when it has none. Called in the
 * main context when the batch ends, only while it is current (not forgotten or freed since): the
 * caller's choice is the one the batch was started for. */
typedef PsTensor *(*PsSubstepTensorsPick) (PsState *state, gpointer data);
/* The batch ended (its tensors kept, or its error set); same conditions as pick. */
typedef void (*PsSubstepTensorsReady) (gpointer data);

PsSubstepTensors *ps_substep_tensors_new    (PsSubstepTensorsPick pick, PsSubstepTensorsReady ready, gpointer data);
/* Cancels the batch running; its late result is dropped (no pick, no ready). */
void              ps_substep_tensors_free   (PsSubstepTensors *t);
/* Cancels the batch running, drops the tensors kept and the last error. */
void              ps_substep_tensors_forget (PsSubstepTensors *t);
/* Starts a batch for the n records indices[j], each at ks[j] in owners[j]'s train log — unless one
 * is running or the last one failed (then the caller shows the error). Returns whether a batch is
 * running now. */
gboolean          ps_substep_tensors_request (PsSubstepTensors *t, PsState *const *owners, const guint *ks,
                                              const guint *indices, guint n);
/* Record i's tensor (no ref), NULL if none was recomputed. */
PsTensor         *ps_substep_tensors_get    (PsSubstepTensors *t, guint i);
/* Lets go of the tensors of the records for which keep (i, data) is FALSE. */
void              ps_substep_tensors_keep_only (PsSubstepTensors *t, gboolean (*keep) (guint i, gpointer data),
                                                gpointer data);
gboolean          ps_substep_tensors_get_replaying (PsSubstepTensors *t);
/* Why the last batch failed (until forgotten), or NULL. */
const char       *ps_substep_tensors_get_error (PsSubstepTensors *t);

G_END_DECLS
