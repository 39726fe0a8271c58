/* ps-substep-figure.h — what the main window's plot pages draw inside a train step, at the
 * sub-step a PsSubstepCursor shows: the Heatmap, Histogram and Difference pages the parameter
 * from that sub-step's snapshot (Difference: minus the sub-step before, or a chosen step), Over
 * Time its ridgeline over the run's recorded sub-steps up to the shown one (x: training steps),
 * recomputing the dropped snapshots it needs in a worker (PsSubstepSeries). No GTK: tested
 * headless (test-substep-figure); ps-window-substeps.c puts the result on the page. */
#pragma once

#include "ps-substep-cursor.h"
#include "ps-figure.h"

G_BEGIN_DECLS

/* A page's picture, or what it says instead. */
typedef struct {
  PsFigure *figure;   /* owned; NULL: show `message` */
  char *context;      /* with a figure: where it is ("Step 3, sub-step 2 of 20 (training step 2)") */
  char *message;      /* without one: why, or what is coming */
  gboolean pending;   /* a replay is under way: a page that has a picture keeps it (else `message`) */
} PsSubstepPicture;

void ps_substep_picture_clear (PsSubstepPicture *p);

/* The shown sub-step (index < n) of `path` for timeline step `step` of `tl`: a heatmap or a
 * histogram (o->kind) of its tensor, or with `difference` the tensor minus step `compare_step` of
 * the timeline, or (compare_step −1) minus the sub-step before (the state before the run, step − 1,
 * for the first). `record_text` describes the record (the subtitle). A dropped snapshot is
 * replayed by the cursor (out->pending; its `ready` callback says when to ask again). */
void ps_substep_figure_at (PsSubstepCursor *c, PsTimeline *tl, guint step, const char *path,
                           gboolean difference, int compare_step, const char *record_text,
                           const PsFigureOptions *o, PsSubstepPicture *out);

/* Over Time's tensors of one parameter at dropped sub-steps, recomputed in a worker, one batch at
 * a time; kept until another path or train step is asked for. */
#define PS_TYPE_SUBSTEP_SERIES (ps_substep_series_get_type ())
G_DECLARE_FINAL_TYPE (PsSubstepSeries, ps_substep_series, PS, SUBSTEP_SERIES, GObject)

/* Called in the main context when a batch ended (unless forgotten or disposed before). */
typedef void (*PsSubstepSeriesReady) (PsSubstepSeries *series, gpointer data);

PsSubstepSeries *ps_substep_series_new  (PsSubstepSeriesReady ready, gpointer data);
/* Drop what was recomputed and cancel a batch under way (another train step). */
void             ps_substep_series_forget (PsSubstepSeries *s);
gboolean         ps_substep_series_get_replaying (PsSubstepSeries *s);
/* The recomputed tensor of record k (no ref), NULL if there is none. */
PsTensor        *ps_substep_series_get_tensor (PsSubstepSeries *s, guint k);
/* Over Time at the cursor's sub-step (index < n): `path`'s ridgeline (o) over the sub-steps 1 …
 * index + 1 that the series' thinning keeps (ps_figure_series_keeps) at their training steps.
 * Kept sub-steps whose snapshot was dropped start a batch (out->pending) unless one failed before;
 * recomputed tensors the thinning no longer keeps are let go. */
void             ps_substep_series_figure (PsSubstepSeries *s, PsSubstepCursor *c, guint step, const char *path,
                                           const PsFigureOptions *o, PsSubstepPicture *out);

G_END_DECLS
