/* ps-series-watch.h — a folder being written by a training run, feeding a checkpoint series.
 *
 * A GFileMonitor on the folder; each checkpoint file that appears or changes is offered to
 * ps_checkpoint_series_add_file once the writer is done with it (the monitor's changes-done hint,
 * i.e. the file was closed, or a rename into the folder). A file that cannot be read yet — the zip
 * holding only its version record that torch.save leaves until it finishes, a safetensors file
 * shorter than its header says — is left out and tried again at its next change, so only complete
 * checkpoints reach the series. `added` runs in the thread-default main context of the caller. */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint-series.h"

G_BEGIN_DECLS

typedef void (*PsSeriesWatchAdded) (PsCheckpointSeries *series, const char *path, gpointer user_data);

typedef struct _PsSeriesWatch PsSeriesWatch;

/* `series` must outlive the watch and is modified only from the main context. */
PsSeriesWatch *ps_series_watch_new  (PsCheckpointSeries *series, const char *dir, PsSeriesWatchAdded added,
                                     gpointer user_data, GError **error);
void           ps_series_watch_free (PsSeriesWatch *w);
/* Files seen but not readable yet, with the reason ("file: …"), NULL-terminated (owned). */
const char *const *ps_series_watch_get_pending (PsSeriesWatch *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSeriesWatch, ps_series_watch_free)

G_END_DECLS
