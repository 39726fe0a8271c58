/* ps-figure-sequence.h — one parameter's heatmap or histogram at several steps of a timeline, as
 * frames for an animation, a numbered series or a contact sheet (ps-animation). Unlike a row of
 * independent figures, the frames share their scale so a change of colour or position means a
 * change of value: heatmaps use one colour range (the union of the frames' ranges in the chosen
 * mode; symmetric stays centred at zero), histograms one set of bins over the union of the
 * frames' value ranges.
 *
 * Steps at which the parameter does not exist yet (a module created later) or is uninitialized (a
 * lazy parameter before its first forward) are skipped when skip_missing is set, otherwise they
 * are an error; either way an empty sequence is an error. */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "ps-figure.h"
#include "ps-timeline.h"

G_BEGIN_DECLS

typedef struct _PsFigureSequence PsFigureSequence;

/* o->kind: PS_FIGURE_HEATMAP or PS_FIGURE_HISTOGRAM; o->step and o->diff_from are ignored
 * (no differences). steps: n_steps timeline steps in the order to show. */
PsFigureSequence *ps_figure_sequence_new        (const PsTimeline *tl, const char *path,
                                                 const guint *steps, guint n_steps,
                                                 const PsFigureOptions *o, gboolean skip_missing,
                                                 GError **error);
/* The same over n given tensors (e.g. a train op's recorded sub-steps), frame i subtitled
 * "LABELS[i] · frame i+1 of n · …"; get_step gives the frame index. */
PsFigureSequence *ps_figure_sequence_new_for_tensors (PsTensor *const *tensors, const char *const *labels,
                                                      guint n, const char *title, const PsFigureOptions *o,
                                                      GError **error);
void              ps_figure_sequence_free       (PsFigureSequence *seq);
guint             ps_figure_sequence_get_n_frames (PsFigureSequence *seq);
/* The timeline step shown by frame i. */
guint             ps_figure_sequence_get_step   (PsFigureSequence *seq, guint frame);
/* The shared colour range (heatmap) or bin range (histogram). */
void              ps_figure_sequence_get_range  (PsFigureSequence *seq, double *lo, double *hi);
/* PsFrameDrawFunc-compatible: data = the sequence. */
void              ps_figure_sequence_draw_frame (cairo_t *cr, double width, double height,
                                                 guint frame, gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsFigureSequence, ps_figure_sequence_free)

G_END_DECLS
