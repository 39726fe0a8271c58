/* ps-train-snapshots.h — the snapshot of a recorded sub-step (PsTrainRecords) the Training page
 * shows: the train op's own when it kept it; else — dropped under the memory budget — recomputed
 * from the nearest kept one (ps_train_log_get_state_async) in a worker: one replay at a time, a
 * newer request cancels the older, the newest PS_TRAIN_SNAPSHOTS_KEEP results are kept; or at once
 * in the caller's thread (an export draws frame after frame). `ready` runs in the main context when
 * a requested replay has finished (its result kept, or its error said), never after
 * ps_train_snapshots_free. */
#pragma once

#include "ps-train-records.h"

G_BEGIN_DECLS

#define PS_TRAIN_SNAPSHOTS_KEEP 4

typedef struct _PsTrainSnapshots PsTrainSnapshots;
typedef void (*PsTrainSnapshotsReady) (gpointer data);

/* recs must outlive it. */
PsTrainSnapshots *ps_train_snapshots_new     (PsTrainRecords *recs, PsTrainSnapshotsReady ready, gpointer data);
/* Cancels the replay running; its late result is dropped. */
void              ps_train_snapshots_free    (PsTrainSnapshots *s);
/* The records changed: cancel the replay, drop the kept results and the last error. */
void              ps_train_snapshots_forget  (PsTrainSnapshots *s);
/* Record i's snapshot (a new ref). A dropped one: with `now`, recomputed here; else a kept result,
 * or NULL and *pending while its replay runs (started now unless it already runs; `ready` follows).
 * NULL and not pending: a live record (no snapshot), or its replay failed (get_error says why; a
 * request for another record first asks again). */
PsState          *ps_train_snapshots_get     (PsTrainSnapshots *s, guint i, gboolean now, gboolean *pending);
/* Of the records `want` (n of them; repeats once), the ones with a snapshot neither kept nor
 * replayed here but a log to replay it from: their index (appended to `indices`), the state whose log
 * holds it (to `owners`, no ref) and its index in that log (to `in_log`) — what an export replays
 * before it draws (ps_substep_replay_start). */
void              ps_train_snapshots_missing (PsTrainSnapshots *s, const guint *want, guint n, GArray *indices,
                                              GPtrArray *owners, GArray *in_log);
/* A replay is running. */
gboolean          ps_train_snapshots_get_replaying (PsTrainSnapshots *s);
/* Record i's replayed snapshot is kept. */
gboolean          ps_train_snapshots_has_result (PsTrainSnapshots *s, guint i);
/* Why the last replay, of record i, failed; NULL for another record or while replaying. */
const char       *ps_train_snapshots_get_error (PsTrainSnapshots *s, guint i);
/* The last finished replay's time from request to result (ms). */
double            ps_train_snapshots_get_last_ms (PsTrainSnapshots *s);

G_END_DECLS
