/* ps-series-status.h — the series pane's status line: what goes on besides what it shows — the
 * watched folder and its files still being written, the norms being computed (how far), the
 * checkpoints being compared, a picture being read — joined by " · ". No GTK: tested headless
 * (test-series-status). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean watching;          /* a folder is watched */
  guint n_pending;            /* its files not complete yet */
  gboolean computing_norms;
  guint norms_done, norms_total;   /* how far (total 0: not known yet) */
  gboolean comparing;         /* the largest changes */
  gboolean reading;           /* a picture */
} PsSeriesActivity;

/* "Watching the folder · 1 file not complete yet · computing norms… 40 %"; "" when idle. */
char *ps_series_status_text (const PsSeriesActivity *a);

G_END_DECLS
