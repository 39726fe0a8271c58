/* ps-series-changes.h — the largest changes between two checkpoints, as the checkpoint window's
 * series pane shows them: every tensor in both files ranked by relative change ‖b − a‖ / ‖a‖
 * (computed in any thread from the two paths), one row a PsChangeRow whose read-only string
 * properties are the table's cells ("rank-text", "tensor", "rel-text", "norm-a-text",
 * "norm-b-text", "diff-text": ui/ps-series-pane.ui binds them), each column's order, the line
 * above the table and the CSV the table exports. No GTK: tested headless (test-series-changes);
 * the series pane only shows it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The table's columns, in the order ui/ps-series-pane.ui declares them. */
typedef enum {
  PS_CHANGE_COL_RANK,
  PS_CHANGE_COL_TENSOR,
  PS_CHANGE_COL_REL,
  PS_CHANGE_COL_NORM_A,
  PS_CHANGE_COL_NORM_B,
  PS_CHANGE_COL_DIFF,
  PS_CHANGE_N_COLS
} PsChangeColumn;

#define PS_TYPE_CHANGE_ROW (ps_change_row_get_type ())
G_DECLARE_FINAL_TYPE (PsChangeRow, ps_change_row, PS, CHANGE_ROW, GObject)

guint       ps_change_row_get_rank     (PsChangeRow *r);      /* 1 = the largest relative change */
const char *ps_change_row_get_tensor   (PsChangeRow *r);      /* as the series names it */
double      ps_change_row_get_rel      (PsChangeRow *r);      /* NaN when ‖a‖ is 0 */
/* A cell as the table shows it: the rank, the name, numbers with %.6g, "—" for NaN. */
char       *ps_change_row_text         (PsChangeRow *r, PsChangeColumn col);
/* Ascending order of a column (-1, 0, 1; a view reverses it for descending); NaN after numbers. */
int         ps_change_row_compare      (PsChangeRow *x, PsChangeRow *y, PsChangeColumn col);

/* In any thread: opens the files `a` and `b` as a series of their own and ranks every tensor in
 * both with the same shape from a to b (ps_checkpoint_series_rank_changes). A GPtrArray of
 * PsChangeRow (it owns them), largest change first; NULL with an error (G_IO_ERROR_CANCELLED when
 * `cancellable` was cancelled). */
GPtrArray  *ps_series_changes_compute  (const char *a, const char *b, GCancellable *cancellable, GError **error);
/* The same in a worker thread; `callback` runs in the caller's thread-default main context. */
void        ps_series_changes_compute_async  (const char *a, const char *b, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
GPtrArray  *ps_series_changes_compute_finish (GAsyncResult *result, GError **error);
/* The line above the table for `n_rows` rows from file a to file b (their base names). */
char       *ps_series_changes_summary  (guint n_rows, const char *a, const char *b);
/* CSV (RFC 4180 quoting, "\n" line ends) of `rows` (PsChangeRow, in the order given):
 * rank,tensor,rel_change,norm_a,norm_b,diff_norm,file_a,file_b — numbers with %.17g, the files by
 * their base names. `a`, `b` may be NULL (empty fields). */
char       *ps_series_changes_to_csv   (GListModel *rows, const char *a, const char *b);
/* Writes that CSV to `path` (atomic). */
gboolean    ps_series_changes_write_csv (GListModel *rows, const char *a, const char *b, const char *path,
                                         GError **error);

G_END_DECLS
