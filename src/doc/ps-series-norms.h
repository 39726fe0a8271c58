/* ps-series-norms.h — the norms of every checkpoint of a series that grows (a watched folder), as
 * the checkpoint window's series pane computes them in a worker with a series of its own: the
 * series computed before is grown by the new files, so only their norms (and the relative changes
 * they alter) are computed. No GTK: tested headless (test-series-norms). */
#pragma once

#include "ps-checkpoint-series.h"

G_BEGIN_DECLS

/* TRUE when `norm_series` (may be NULL: FALSE) holds the files of `series` in the same order. */
gboolean            ps_series_norms_match   (PsCheckpointSeries *norm_series, PsCheckpointSeries *series);
/* In any thread: a series of the files `paths` (in that order) with every norm computed. `base`
 * (taken, may be NULL) is the series of fewer of them whose norms are known: it is grown by the
 * others and keeps its norms; when it cannot be (a file it cannot add, another order) the files are
 * opened afresh. *cells (may be NULL): the checkpoint × tensor cells computed. `progress` as for
 * ps_checkpoint_series_update_norms. NULL with an error (G_IO_ERROR_CANCELLED when cancelled). */
PsCheckpointSeries *ps_series_norms_compute (PsCheckpointSeries *base, const char *const *paths, guint n_paths,
                                             GCancellable *cancellable, PsSeriesProgress progress,
                                             gpointer user_data, guint *cells, GError **error);

/* The same in a worker thread. `progress` (may be NULL) and `callback` run in the caller's
 * thread-default main context; progress is not called once `cancellable` is cancelled. The
 * finish gives the series (owned) and *cells (may be NULL). */
void                ps_series_norms_compute_async  (PsCheckpointSeries *base, const char *const *paths,
                                                    guint n_paths, GCancellable *cancellable,
                                                    PsSeriesProgress progress, gpointer progress_data,
                                                    GAsyncReadyCallback callback, gpointer user_data);
PsCheckpointSeries *ps_series_norms_compute_finish (GAsyncResult *result, guint *cells, GError **error);

G_END_DECLS
