/* ps-checkpoint-drop.h — files and folders dragged from a file manager onto a window (the main
 * window or a checkpoint window) open as checkpoints, as `paramscope FILE…` does: one file in a
 * checkpoint window of its own, several files as one series (ordered by the step/epoch stored in
 * them), a folder as a series of its checkpoints (watched for new ones). Anything else dropped
 * (a file that is not a weights file) refuses the whole drop: the window's banner names it and
 * nothing opens. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Adds a GtkDropTarget for GdkFileList (copy) to window; returns it (owned by the window). */
GtkDropTarget *ps_checkpoint_drop_attach (GtkWindow *window);

G_END_DECLS
