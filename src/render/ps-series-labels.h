/* ps-series-labels.h — the series pane's texts about its checkpoints: the "compare with" list, the
 * line naming the checkpoint shown, and why a page has no picture of the selected tensor. */
#pragma once

#include "ps-checkpoint-series.h"

G_BEGIN_DECLS

/* "previous checkpoint", then "<step name> · <label>" for each of the series' first n checkpoints
 * (NULL-terminated). */
GStrv  ps_series_labels_compare_items (PsCheckpointSeries *series, guint n);
/* "<step name> · <label> (i + 1 of n)" for checkpoint i of n; "" when n is 0. */
char  *ps_series_labels_step_text     (PsCheckpointSeries *series, guint i, guint n);
/* A page's sentence when no tensor of the series is shown: `name` (the one selected in the
 * window, NULL: none) is not one of its tensors, or nothing is selected. */
char  *ps_series_labels_no_tensor     (const char *name);
/* The norms page's sentence while the series' norms are not there: being computed, or why not
 * (`error`, NULL while computing). */
char  *ps_series_labels_norms_pending (const char *error);

G_END_DECLS
