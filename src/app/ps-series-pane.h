/* ps-series-pane.h — a training run's checkpoints (a PsCheckpointSeries) as a timeline, for the
 * tensor selected in the checkpoint window: a scrubber over the checkpoints in the series' order
 * and Play; the tensor at the scrubbed checkpoint as a heatmap and a histogram; its difference to
 * a second checkpoint ("Compare with", the previous one by default); its percentile bands and
 * ridgeline over every checkpoint; its L2 norm and relative change per checkpoint (computed for
 * the whole series in a worker with a series of its own); and the largest changes — every tensor
 * ranked by relative change between the two checkpoints (also a worker). Every picture exports
 * (PNG, SVG, PDF) as drawn.
 *
 * A watched folder (ps-series-watch) adds each checkpoint a training script finishes writing;
 * the view follows the newest one unless the user scrubbed elsewhere ("Follow newest"). */
#pragma once

#include <adwaita.h>
#include "ps-checkpoint-series.h"

G_BEGIN_DECLS

#define PS_TYPE_SERIES_PANE (ps_series_pane_get_type ())
G_DECLARE_FINAL_TYPE (PsSeriesPane, ps_series_pane, PS, SERIES_PANE, GtkBox)

/* Takes `series`. `watch_dir` (may be NULL): the folder to watch for new checkpoints; a folder
 * that cannot be watched is an error (the series is still shown). */
gboolean    ps_series_pane_set_series   (PsSeriesPane *self, PsCheckpointSeries *series, const char *watch_dir,
                                         GError **error);
PsCheckpointSeries *ps_series_pane_get_series (PsSeriesPane *self);
/* The tensor shown: a name as the window lists it ("model.0.weight" or "0.weight"); NULL or an
 * unknown name shows why there is nothing to draw. */
void        ps_series_pane_set_tensor   (PsSeriesPane *self, const char *name);
/* Colormap and projector mode from the application's settings (may be NULL). */
void        ps_series_pane_set_settings (PsSeriesPane *self, GSettings *settings);

/* What the user does and sees (also for tests). Setting the step is scrubbing: the view stops
 * following the newest checkpoint unless it is the newest. compare: a step index, or −1 for the
 * previous checkpoint. */
guint       ps_series_pane_get_n_steps  (PsSeriesPane *self);
guint       ps_series_pane_get_step     (PsSeriesPane *self);
void        ps_series_pane_set_step     (PsSeriesPane *self, guint step);
int         ps_series_pane_get_compare  (PsSeriesPane *self);          /* the resolved index, −1 none */
void        ps_series_pane_set_compare  (PsSeriesPane *self, int step);
gboolean    ps_series_pane_get_following (PsSeriesPane *self);
void        ps_series_pane_set_following (PsSeriesPane *self, gboolean follow);
gboolean    ps_series_pane_get_playing  (PsSeriesPane *self);
void        ps_series_pane_set_playing  (PsSeriesPane *self, gboolean play);
void        ps_series_pane_set_play_interval (PsSeriesPane *self, guint ms);
const char *ps_series_pane_get_step_text (PsSeriesPane *self);
const char *ps_series_pane_get_status_text (PsSeriesPane *self);
/* Pages: "heatmap", "histogram", "difference", "bands", "ridgeline", "norms", "changes". */
const char *ps_series_pane_get_page     (PsSeriesPane *self);
void        ps_series_pane_set_page     (PsSeriesPane *self, const char *name);
/* The figure of a figure page. Asking starts building it if needed, in a worker: until it is ready
 * the page shows the previous figure (or none, with a placeholder in get_message); wait until
 * get_busy is FALSE for the current one. */
struct _PsFigure *ps_series_pane_get_figure (PsSeriesPane *self, const char *page);
const char *ps_series_pane_get_message  (PsSeriesPane *self, const char *page);
/* The norm chart's values for the shown tensor (NULL until the norms are computed). */
const double *ps_series_pane_get_norms  (PsSeriesPane *self, guint *n);
const double *ps_series_pane_get_rel_changes (PsSeriesPane *self, guint *n);
/* The largest changes: a table (GtkColumnView) of every tensor in both checkpoints with its
 * relative change, ‖a‖, ‖b‖ and ‖b − a‖, largest change first until a column title is clicked;
 * a row clicked emits "show-tensor" (the window selects that tensor); Export saves it as CSV.
 * The line above it (what is compared, or why nothing is), and the largest change's tensor (NULL
 * while computing). */
const char *ps_series_pane_get_changes_text (PsSeriesPane *self);
const char *ps_series_pane_get_top_change (PsSeriesPane *self);
guint       ps_series_pane_get_n_change_rows (PsSeriesPane *self);
/* The tensor of the row at a position as shown (sorted), and its relative change; NULL past the end. */
const char *ps_series_pane_get_change_row (PsSeriesPane *self, guint position, double *rel);
/* Sorts by the column titled `column` ("Tensor", "Relative change", "‖a‖", …), as a click on its title does. */
void        ps_series_pane_sort_changes (PsSeriesPane *self, const char *column, gboolean ascending);
/* Selects the row at a position, as a click does. */
void        ps_series_pane_click_change_row (PsSeriesPane *self, guint position);
gboolean    ps_series_pane_export_changes (PsSeriesPane *self, const char *path, GError **error);
/* Checkpoint × tensor cells whose norms the last norms worker computed (a file added to a watched
 * folder: only its own and the next checkpoint's). */
guint       ps_series_pane_get_norms_cells (PsSeriesPane *self);
/* TRUE while a worker (norms, changes, a picture being read) runs. */
gboolean    ps_series_pane_get_busy     (PsSeriesPane *self);
cairo_surface_t *ps_series_pane_render_for_test (PsSeriesPane *self, const char *page);
/* Writes the page's picture (PNG/SVG/PDF by extension, atomic) at width × height. */
gboolean    ps_series_pane_export       (PsSeriesPane *self, const char *page, const char *path, double width,
                                         double height, GError **error);

G_END_DECLS
