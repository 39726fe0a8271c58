/* ps-substep-cursor.h — the main timeline inside a train step: which recorded sub-step of the
 * shown step is shown (the slider under the step scale), its place on the training x axis, the
 * sub-step Play moves to next, and the shown sub-step's state — its snapshot, or for one dropped
 * under the memory budget a replay in a worker. GIO only: tested headless (test-substep-cursor);
 * the app's ps-window-substeps.c keeps the widgets.
 *
 * Sub-steps are numbered from 0 here; index n (the number of records) is "after the whole run",
 * the train step's own state. */
#pragma once

#include <gio/gio.h>
#include "ps-timeline.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

#define PS_TYPE_SUBSTEP_CURSOR (ps_substep_cursor_get_type ())
G_DECLARE_FINAL_TYPE (PsSubstepCursor, ps_substep_cursor, PS, SUBSTEP_CURSOR, GObject)

/* Called in the main context when a replay of the shown sub-step ended (its state or its error is
 * there now), unless the cursor moved on or was disposed before. */
typedef void (*PsSubstepCursorReady) (PsSubstepCursor *cursor, gpointer data);

PsSubstepCursor *ps_substep_cursor_new          (PsSubstepCursorReady ready, gpointer data);
/* Follow the timeline's shown `step` (its state `state`): a train op that recorded sub-steps
 * offers them, at "after the whole run"; any other step none. The same train step's state again
 * keeps the shown sub-step and returns FALSE; else TRUE (a replay under way is cancelled). A
 * train step dropped under the budget that cannot be rebuilt now leaves its records off the
 * axis (as ps_train_walk does). */
gboolean         ps_substep_cursor_sync         (PsSubstepCursor *c, PsTimeline *tl, guint step, PsState *state);
/* Back to no sub-steps (cancelling a replay). */
void             ps_substep_cursor_clear        (PsSubstepCursor *c);
/* The train step's state whose log is offered (no ref), NULL when there are no sub-steps. */
PsState         *ps_substep_cursor_get_owner    (PsSubstepCursor *c);
guint            ps_substep_cursor_get_n        (PsSubstepCursor *c);
guint            ps_substep_cursor_get_index    (PsSubstepCursor *c);
/* To sub-step i (clamped to n); TRUE when the shown one changed. */
gboolean         ps_substep_cursor_go_to        (PsSubstepCursor *c, guint i);
/* Play's next sub-step: a run is shown in at most PS_SUBSTEP_PLAY_FRAMES frames, its last
 * sub-step and its end included. FALSE (nothing to move to) without sub-steps or at the end;
 * `from_start`: the first. */
#define PS_SUBSTEP_PLAY_FRAMES 150
gboolean         ps_substep_cursor_play_next    (PsSubstepCursor *c, gboolean from_start, guint *next);
/* Record i (< n) and its place on the training x axis (the Training page's count). */
const PsTrainRecord *ps_substep_cursor_get_record (PsSubstepCursor *c, guint i);
int64_t          ps_substep_cursor_get_x        (PsSubstepCursor *c, guint i);
/* The x-axis places of the n records (int64_t), owned by the cursor. */
GArray          *ps_substep_cursor_get_axis     (PsSubstepCursor *c);
/* The shown sub-step's state (no ref), or NULL: after the whole run (not a sub-step), being
 * replayed (*pending TRUE: a replay of a dropped snapshot started or is under way; `ready` is
 * called when it ends), or its replay failed (ps_substep_cursor_get_replay_error). */
PsState         *ps_substep_cursor_get_state    (PsSubstepCursor *c, gboolean *pending);
/* The state of the sub-step before the shown one (Difference's default), as get_state (its own
 * replay, so the two do not cancel each other): NULL at the first sub-step and after the run. */
PsState         *ps_substep_cursor_get_state_before (PsSubstepCursor *c, gboolean *pending);
/* Why its replay failed; else NULL. */
const char      *ps_substep_cursor_get_before_error (PsSubstepCursor *c);
/* TRUE while the shown sub-step is replayed in a worker; the index of that sub-step. */
gboolean         ps_substep_cursor_get_replaying (PsSubstepCursor *c, guint *index);
/* Why the last replay failed, when it was for the shown sub-step; else NULL. */
const char      *ps_substep_cursor_get_replay_error (PsSubstepCursor *c);
/* The slider's line: that there are no sub-steps here, how many there are (after the whole run),
 * or "Sub-step i of n: `record_text`" (the shown record described; ignored otherwise) and whether
 * its snapshot is being recomputed or could not be. */
char            *ps_substep_cursor_describe     (PsSubstepCursor *c, const char *record_text);

G_END_DECLS
