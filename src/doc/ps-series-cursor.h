/* ps-series-cursor.h — where the checkpoint window's series pane is in a series: the checkpoint
 * shown, the one it is compared with, and whether it follows the newest, with the rules the pane's
 * scrubber, "Compare with", "Follow newest" and Play obey. A series re-orders itself when a
 * watched folder adds a file: the shown and the chosen checkpoints are kept by file, not by
 * position. No GTK: tested headless (test-series-cursor). */
#pragma once

#include "ps-checkpoint-series.h"

G_BEGIN_DECLS

typedef struct _PsSeriesCursor PsSeriesCursor;

/* No series yet; following the newest; compared with the previous checkpoint. */
PsSeriesCursor *ps_series_cursor_new            (void);
void            ps_series_cursor_free           (PsSeriesCursor *c);
/* `series` (borrowed, kept alive by the caller; not empty): the newest shown, following it. A
 * checkpoint chosen to compare with stays chosen if the new series has its file. */
void            ps_series_cursor_set_series     (PsSeriesCursor *c, PsCheckpointSeries *series);
guint           ps_series_cursor_get_n_steps    (PsSeriesCursor *c);   /* 0 without a series */
guint           ps_series_cursor_get_step       (PsSeriesCursor *c);
gboolean        ps_series_cursor_get_following  (PsSeriesCursor *c);
/* The checkpoint compared with: the chosen one (−1 when its file left the series), else the
 * previous one (−1 at the first). */
int             ps_series_cursor_get_compare    (PsSeriesCursor *c);
/* The chosen checkpoint to compare with, −1 for "the previous one" (or a file no longer there). */
int             ps_series_cursor_get_compare_choice (PsSeriesCursor *c);
/* To checkpoint `step` (clamped to the newest); TRUE when the shown checkpoint changed. */
gboolean        ps_series_cursor_go_to          (PsSeriesCursor *c, guint step);
/* What the user's scrubbing does: go_to, following the newest only when it is the one chosen. */
gboolean        ps_series_cursor_scrub          (PsSeriesCursor *c, guint step);
/* Compare with checkpoint `step`, −1 the previous one; FALSE (nothing changes) past the newest. */
gboolean        ps_series_cursor_set_compare    (PsSeriesCursor *c, int step);
/* "Follow newest": on, to the newest (TRUE when the shown checkpoint changed); off, where it is. */
gboolean        ps_series_cursor_follow         (PsSeriesCursor *c, gboolean follow);
/* After the series added a file (and re-ordered itself): the newest when following and not
 * `playing`, else the same file as before. TRUE when the shown checkpoint's index changed. */
gboolean        ps_series_cursor_series_grew    (PsSeriesCursor *c, gboolean playing);
/* Play starts: FALSE when there is nothing to play (fewer than two checkpoints); else it stops
 * following, and at the newest starts from the first again (*moved: the checkpoint changed). */
gboolean        ps_series_cursor_play_start     (PsSeriesCursor *c, gboolean *moved);
/* One tick of Play: FALSE at the newest (Play ends there, following it); else TRUE, moved to the
 * next checkpoint unless `hold` (the picture shown is still being read). *moved as above. */
gboolean        ps_series_cursor_play_tick      (PsSeriesCursor *c, gboolean hold, gboolean *moved);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSeriesCursor, ps_series_cursor_free)

G_END_DECLS
