/* ps-checkpoint-open.h — opening what the checkpoint window shows, in any thread (the app runs it in
 * a worker): one file, a folder of checkpoints, or chosen files as one series; the file shown (the
 * newest of a series) with its headers read and summarised, its values read later. The window
 * only lays out what this opened. Tested headless (test-checkpoint-open). */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint.h"
#include "ps-checkpoint-series.h"
#include "ps-checkpoint-summary.h"

G_BEGIN_DECLS

typedef struct {
  PsCheckpoint *ck;               /* the file shown: the one asked for, or the newest of the series */
  PsCheckpointSummary *summary;   /* its tensors (headers only) */
  PsCheckpointSeries *series;     /* a folder or chosen files; NULL for one file */
} PsCheckpointOpened;

/* `file` alone (a checkpoint, or a folder of them), or, when `files` (n_files ≥ 1) is given, those
 * files as one series ordered by the step or epoch stored in them (`file` then only names them).
 * `flags`: PS_CHECKPOINT_OPEN_ANYWAY shows whole pickled objects inertly. Only local files. Errors
 * say what could not be opened ("Could not open the folder: …", "Could not open x.pt: …");
 * G_IO_ERROR_CANCELLED as it is. On failure `out` is left empty. */
gboolean ps_checkpoint_opened_open  (PsCheckpointOpened *out, GFile *file, GFile *const *files, guint n_files,
                                     PsCheckpointOpenFlags flags, GCancellable *cancellable, GError **error);
void     ps_checkpoint_opened_clear (PsCheckpointOpened *o);

/* TRUE when the file's name is a weights file's (ps_checkpoint_is_file_name of its basename:
 * .safetensors, .index.json, .npy, .npz, .pt, …): the app opens it as a checkpoint (a drop, the
 * command line), not as a recipe. Only the name is looked at; a folder is the caller's question. */
gboolean ps_checkpoint_is_named     (GFile *file);

G_END_DECLS
