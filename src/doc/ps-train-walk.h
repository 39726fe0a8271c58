/* ps-train-walk.h — the records of a timeline's train ops, in order, each with its place on the
 * training x axis (PsTrainAxis). The one walk behind the app's Training page and sub-step slider
 * and the CLI's loss-curve and training figures. */
#pragma once

#include "ps-timeline.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

typedef struct {
  guint op_step;                 /* the timeline step of the train op (1-based) */
  PsState *state;                /* the state it made (no ref: ps_state_ref to keep it) */
  guint index;                   /* the record's index in state->train_log->records */
  const PsTrainRecord *record;
  int64_t x;                     /* its place on the training x axis */
} PsTrainWalkItem;

typedef void (*PsTrainWalkFunc) (const PsTrainWalkItem *item, gpointer data);

/* Walks the records of the train ops at steps 1 … `upto` of `tl` in timeline order, continuing
 * `axis` (zero it to start; it is left after the last record, so a live run can go on counting):
 * ps_train_axis_begin_run before each op's first record, ps_train_axis_next for each. Only train
 * ops' states are asked for. `upto_state`, if not NULL, stands for step `upto`'s state (a state
 * being built that the timeline does not hold yet). `func` (may be NULL: only the axis is counted)
 * is called once per record. A step dropped under the memory budget that cannot be rebuilt now:
 * with `error` not NULL the walk stops there and returns FALSE with the reason; with `error` NULL
 * its records are left out (not counted on the axis) and, if `skipped` is not NULL and still NULL,
 * *skipped gets the first such reason. */
gboolean ps_train_walk (PsTimeline *tl, guint upto, PsState *upto_state, PsTrainAxis *axis,
                        PsTrainWalkFunc func, gpointer data, char **skipped, GError **error);

G_END_DECLS
