/* ps-train-records.h — every recorded sub-step the Training page scrubs through, in order: the
 * records of the timeline's train ops (ps_train_walk) or, while a run is live, of its monitor. For
 * each: the record, its snapshot (NULL when the train op dropped it under the memory budget, and
 * while live), its place on the training x axis (PsTrainAxis) and the timeline step of the train op
 * that recorded it (0 while live). Which timeline state's log holds a record (to replay a dropped
 * snapshot from it) and that train op. The records stay valid while the PsTrainRecords holds the
 * states that own their logs. (Render layer only because the description shares
 * ps_train_figures_printable with the figures.) */
#pragma once

#include "ps-timeline.h"
#include "ps-train-monitor.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

typedef struct _PsTrainRecords PsTrainRecords;

PsTrainRecords       *ps_train_records_new        (void);
void                  ps_train_records_free       (PsTrainRecords *r);
/* No records, the axis at its start, no skipped reason. */
void                  ps_train_records_clear      (PsTrainRecords *r);
/* Clear, then every record of tl's train ops. A step dropped under the memory budget that cannot be
 * rebuilt now: its records are left out and ps_train_records_get_skipped says why. */
void                  ps_train_records_index_timeline (PsTrainRecords *r, PsTimeline *tl);
/* Clear, then count tl's train ops' records on the axis without keeping them: a live run appended
 * after them continues their axis (as it will when the run has finished and tl is indexed again). */
void                  ps_train_records_begin_live (PsTrainRecords *r, PsTimeline *tl);
/* After ps_train_records_begin_live: append the monitor's records not indexed yet (its first record
 * begins a run on the axis). */
void                  ps_train_records_index_monitor (PsTrainRecords *r, PsTrainMonitor *monitor);

guint                 ps_train_records_get_n      (PsTrainRecords *r);
const PsTrainRecord  *ps_train_records_get        (PsTrainRecords *r, guint i);
/* All records (n of them, in order) and their axis places: what PsTrainFrames takes. */
const PsTrainRecord *const *ps_train_records_get_all (PsTrainRecords *r);
const int64_t        *ps_train_records_get_xs     (PsTrainRecords *r);
int64_t               ps_train_records_get_x      (PsTrainRecords *r, guint i);
/* Record i's snapshot (no ref), or NULL (dropped, or live). */
PsState              *ps_train_records_get_state  (PsTrainRecords *r, guint i);
/* The timeline state whose train log holds record i (no ref) and the record's index in that log
 * (for ps_train_log_get_state), or NULL (a live record). */
PsState              *ps_train_records_get_owner  (PsTrainRecords *r, guint i, guint *index_in_log);
/* The train op of recipe that recorded record i, or NULL (live, or not in recipe). */
const PsOp           *ps_train_records_get_op     (PsTrainRecords *r, guint i, const PsRecipe *recipe);
/* TRUE when the axis continues across runs (the loss curve then says so). */
gboolean              ps_train_records_axis_continues (PsTrainRecords *r);
/* Why records were left out (memory budget), or NULL. */
const char           *ps_train_records_get_skipped (PsTrainRecords *r);

/* "training step 80 (optimizer step 60 of its run) · epoch 3 · loss 0.31 · accuracy 75.0 % · lr 0.1
 * · ‖g‖ 0.52": the axis step first, the optimizer's own count only where it differs. */
char                 *ps_train_record_describe    (const PsTrainRecord *r, int64_t axis_step);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainRecords, ps_train_records_free)

G_END_DECLS
