/* ps-checkpoint-window.h — a weights file (safetensors, sharded index, .npy, .npz) in a window of
 * its own: the tensors grouped by dotted name (GtkTreeListModel → GtkColumnView) with the file's
 * dtype, shape and count; a selected tensor decoded on demand and shown as a heatmap, a histogram
 * and its statistics; a group or the root shows the checkpoint's summary (parameter count, dtype
 * mix, per-layer L2 norms). Nothing here touches a recipe document: opening a checkpoint never
 * disturbs the model open in a PsWindow.
 *
 * A folder opens as a training run: its checkpoints as a series (ps-series-pane: scrub, play,
 * difference, bands, ridgeline, norms, largest changes), watched for new checkpoints; the tree
 * lists the newest file at opening. */
#pragma once

#include <adwaita.h>
#include "ps-checkpoint.h"
#include "ps-series-pane.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_WINDOW (ps_checkpoint_window_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointWindow, ps_checkpoint_window, PS, CHECKPOINT_WINDOW, AdwApplicationWindow)

/* Reads the headers in a worker; the finish builds the window (not yet presented) on the calling
 * thread. Errors name the file. The window then computes the per-layer norms in a worker of its
 * own (they decode every tensor once) while it is already usable; closing it cancels them. */
void        ps_checkpoint_window_open_async  (GtkApplication *app, GFile *file, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
/* The same for one file, in the "open anyway" mode: classes a torch file would build or run
 * (whole pickled modules) are listed as inert objects — still never called; their tensors show as
 * usual. For a file the default open refused with ps_checkpoint_window_error_allows_anyway. */
void        ps_checkpoint_window_open_anyway_async (GtkApplication *app, GFile *file, GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean    ps_checkpoint_window_error_allows_anyway (const GError *error);
/* Several checkpoint files (.pt, .safetensors, .npz, mixed) as one series, ordered by the
 * step/epoch stored in them, else the number in their names; not watched. Finish with
 * ps_checkpoint_window_open_finish. Errors name the file that could not be read. */
void        ps_checkpoint_window_open_series_async (GtkApplication *app, GFile *const *files, guint n_files,
                                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                                    gpointer user_data);
PsCheckpointWindow *ps_checkpoint_window_open_finish (GAsyncResult *result, GError **error);

/* Shows text in this window's error banner (nothing once the window is closed); app.open-checkpoint
 * reports a file that failed to open here when this window asked for it. */
void        ps_checkpoint_window_show_error  (PsCheckpointWindow *self, const char *text);

/* For tests: the tree dump (see ps_checkpoint_item_to_string), selecting a dotted path ("" = the
 * root), the visible page's name ("summary", "heatmap", "histogram", "statistics"), the texts
 * shown, and the figures (NULL when a group is selected). */
char       *ps_checkpoint_window_dump_tree   (PsCheckpointWindow *self);
gboolean    ps_checkpoint_window_select_path (PsCheckpointWindow *self, const char *path);
const char *ps_checkpoint_window_get_page    (PsCheckpointWindow *self);
void        ps_checkpoint_window_set_page    (PsCheckpointWindow *self, const char *name);
const char *ps_checkpoint_window_get_summary_text (PsCheckpointWindow *self);
const char *ps_checkpoint_window_get_statistics_text (PsCheckpointWindow *self);
const char *ps_checkpoint_window_get_error_text (PsCheckpointWindow *self);
struct _PsFigure *ps_checkpoint_window_get_figure (PsCheckpointWindow *self, const char *page);
/* What a plot page says while it has no figure ("Reading fc.weight…", an error), else NULL. */
const char *ps_checkpoint_window_get_message (PsCheckpointWindow *self, const char *page);
/* One frame of a plot page as the screen paints it (see ps_plot_view_render_for_test). */
cairo_surface_t *ps_checkpoint_window_render_for_test (PsCheckpointWindow *self, const char *page);
/* A folder opened as a series of checkpoints: the series pane (the "series" page), else NULL. */
PsSeriesPane *ps_checkpoint_window_get_series_pane (PsCheckpointWindow *self);
/* TRUE while the per-layer norms are being computed or the selected tensor is read. */
gboolean    ps_checkpoint_window_get_busy    (PsCheckpointWindow *self);
/* The selected tensor is being read in a worker (its pages show the previous one, or "Reading …");
 * how many selections a worker has read and shown (one cancelled by a newer selection is not). */
gboolean    ps_checkpoint_window_get_reading (PsCheckpointWindow *self);
guint       ps_checkpoint_window_get_n_reads (PsCheckpointWindow *self);

G_END_DECLS
