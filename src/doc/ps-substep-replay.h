/* ps-substep-replay.h — several recorded sub-steps' states at once, replayed in a worker (GIO only:
 * tested headless, test-substep-replay).
 *
 * A train op keeps only some of its sub-steps' snapshots under the memory budget; the others are
 * recomputed from the nearest kept one (ps_train_log_get_state_cancellable). Views that need many
 * sub-steps at once (Export Over Sub-steps, the main window's Over Time) ask for them here, so the
 * main loop keeps running while they are recomputed: one worker thread goes through the list in
 * order, stops between two optimizer steps when cancelled, and counts how many it has done
 * (ps_substep_replay_get_done, for a progress line). */
#pragma once

#include <gio/gio.h>
#include "ps-state.h"

G_BEGIN_DECLS

/* owners[j] (n) is the state whose train_log holds record indices[j]. Returns the task (a new ref,
 * for ps_substep_replay_get_done; may be dropped at once); `callback` runs in the caller's
 * thread-default main context. */
GTask     *ps_substep_replay_start    (PsState *const *owners, const guint *indices, guint n,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
/* How many of the n states are done so far (any thread). */
guint      ps_substep_replay_get_done (GTask *task);
guint      ps_substep_replay_get_n    (GTask *task);
/* The n states in the order asked (a new GPtrArray owning a ref on each), or NULL and the error
 * (G_IO_ERROR_CANCELLED when cancelled). */
GPtrArray *ps_substep_replay_finish   (GAsyncResult *result, GError **error);

G_END_DECLS
