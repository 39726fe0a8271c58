/* test-series-changes.c — the largest-changes table without a display (ps-series-changes.c, moved
 * out of the series pane): on two small safetensors files with known norms — the rows, their
 * order and numbers, a tensor with ‖a‖ = 0 (NaN, last), tensors left out (only in one file, another
 * shape), the file compared from whichever order the series puts them in, each column's order, the
 * cells' text, the line above the table, the CSV (RFC 4180 quoting of a name with a comma and a
 * quote) and its atomic write; and the real run's checkpoints against a sum written here. The GUI
 * test (/series-window/changes-and-play) shows the same table through the window. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ps-checkpoint.h"
#include "ps-safetensors.h"
#include "ps-series-changes.h"
#include "async-test-util.h"
#include "series-test-util.h"

static PsTensor *
vector (const float *v, int64_t n)
{
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, NULL);
  memcpy (t->data, v, sizeof (float) * (size_t) n);
  return t;
}

/* a: w = [1 1 1 1] (‖a‖ 2), z = [0 0], q = [3 4] (‖a‖ 5), only_a, s = [1 2];
 * b: w = [1 1 1 3] (‖b − a‖ 2, rel 1), z = [0 1] (rel NaN), q = [3 4.5] (rel 0.1), s = [1 2 3] (other shape). */
static void
write_pair (const char *dir, char **a, char **b)
{
  static const char *q_name = "q,\"x\"";
  const float wa[] = { 1, 1, 1, 1 }, wb[] = { 1, 1, 1, 3 }, za[] = { 0, 0 }, zb[] = { 0, 1 }, qa[] = { 3, 4 },
              qb[] = { 3, 4.5f }, sa[] = { 1, 2 }, sb[] = { 1, 2, 3 }, oa[] = { 7 };
  g_autoptr (PsTensor) twa = vector (wa, 4), twb = vector (wb, 4), tza = vector (za, 2), tzb = vector (zb, 2);
  g_autoptr (PsTensor) tqa = vector (qa, 2), tqb = vector (qb, 2), tsa = vector (sa, 2), tsb = vector (sb, 3);
  g_autoptr (PsTensor) toa = vector (oa, 1);
  const char *names_a[] = { "w", "z", q_name, "only_a", "s" };
  PsTensor *ta[] = { twa, tza, tqa, toa, tsa };
  const char *names_b[] = { "w", "z", q_name, "s" };
  PsTensor *tb[] = { twb, tzb, tqb, tsb };
  *a = g_build_filename (dir, "step_0001.safetensors", NULL);
  *b = g_build_filename (dir, "step_0002.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_safetensors_write (*a, 5, names_a, ta, NULL, &error));
  g_assert_true (ps_safetensors_write (*b, 4, names_b, tb, NULL, &error));
  g_assert_no_error (error);
}

static char *
cell (PsChangeRow *r, const char *prop)
{
  char *text = NULL;
  g_object_get (r, prop, &text, NULL);
  return text;
}

static void
test_rows (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-changes-XXXXXX", NULL);
  g_autofree char *a = NULL, *b = NULL;
  write_pair (dir, &a, &b);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ps_series_changes_compute (a, b, NULL, &error);
  g_assert_no_error (error);
  /* w (1), q (0.1), z (NaN last); only_a and s (another shape) left out */
  g_assert_cmpuint (rows->len, ==, 3);
  PsChangeRow *w = rows->pdata[0], *q = rows->pdata[1], *z = rows->pdata[2];
  g_assert_cmpstr (ps_change_row_get_tensor (w), ==, "w");
  g_assert_cmpstr (ps_change_row_get_tensor (q), ==, "q,\"x\"");
  g_assert_cmpstr (ps_change_row_get_tensor (z), ==, "z");
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpuint (ps_change_row_get_rank (rows->pdata[i]), ==, i + 1);
  g_assert_cmpfloat (ps_change_row_get_rel (w), ==, 1.0);
  g_assert_cmpfloat (fabs (ps_change_row_get_rel (q) - 0.1), <, 1e-15);
  g_assert_true (isnan (ps_change_row_get_rel (z)));
  /* the cells, as the table's templates bind them */
  const char *props[] = { "rank-text", "tensor", "rel-text", "norm-a-text", "norm-b-text", "diff-text" };
  const char *want_w[] = { "1", "w", "1", "2", "3.4641", "2" };
  const char *want_z[] = { "3", "z", "—", "0", "1", "1" };
  for (guint c = 0; c < G_N_ELEMENTS (props); c++)
    {
      g_autofree char *tw = cell (w, props[c]), *tz = cell (z, props[c]);
      g_assert_cmpstr (tw, ==, want_w[c]);
      g_assert_cmpstr (tz, ==, want_z[c]);
      g_autofree char *direct = ps_change_row_text (w, (PsChangeColumn) c);
      g_assert_cmpstr (direct, ==, tw);
    }
  /* each column's ascending order; NaN after every number */
  g_assert_cmpint (ps_change_row_compare (q, w, PS_CHANGE_COL_REL), ==, -1);
  g_assert_cmpint (ps_change_row_compare (w, q, PS_CHANGE_COL_REL), ==, 1);
  g_assert_cmpint (ps_change_row_compare (z, w, PS_CHANGE_COL_REL), ==, 1);
  g_assert_cmpint (ps_change_row_compare (w, z, PS_CHANGE_COL_REL), ==, -1);
  g_assert_cmpint (ps_change_row_compare (z, z, PS_CHANGE_COL_REL), ==, 0);
  g_assert_cmpint (ps_change_row_compare (w, z, PS_CHANGE_COL_TENSOR), ==, -1);
  g_assert_cmpint (ps_change_row_compare (q, w, PS_CHANGE_COL_TENSOR), ==, -1);
  g_assert_cmpint (ps_change_row_compare (z, q, PS_CHANGE_COL_RANK), ==, 1);
  g_assert_cmpint (ps_change_row_compare (z, w, PS_CHANGE_COL_NORM_A), ==, -1);   /* 0 < 2 */
  g_assert_cmpint (ps_change_row_compare (q, w, PS_CHANGE_COL_NORM_B), ==, 1);    /* 5.41 > 3.46 */
  g_assert_cmpint (ps_change_row_compare (q, w, PS_CHANGE_COL_DIFF), ==, -1);     /* 0.5 < 2 */

  /* the line above the table */
  g_autofree char *line = ps_series_changes_summary (rows->len, a, b);
  g_assert_cmpstr (line, ==, "Relative change ‖b − a‖ / ‖a‖ of 3 tensors from a = step_0001.safetensors to b = step_0002.safetensors");
  g_autofree char *one = ps_series_changes_summary (1, a, b);
  g_assert_nonnull (strstr (one, "of 1 tensor from"));
  g_autofree char *none = ps_series_changes_summary (0, a, b);
  g_assert_cmpstr (none, ==, "No tensor is in both step_0001.safetensors and step_0002.safetensors with the same shape.");

  /* CSV in the order given, full precision, the name with a comma and a quote quoted */
  g_autoptr (GListStore) store = g_list_store_new (PS_TYPE_CHANGE_ROW);
  g_list_store_append (store, z);
  g_list_store_append (store, q);
  g_autofree char *csv = ps_series_changes_to_csv (G_LIST_MODEL (store), a, b);
  g_autofree char *want_csv = g_strdup_printf ("rank,tensor,rel_change,norm_a,norm_b,diff_norm,file_a,file_b\n"
                                               "3,z,,0,1,1,step_0001.safetensors,step_0002.safetensors\n"
                                               "2,\"q,\"\"x\"\"\",%.17g,5,%.17g,0.5,step_0001.safetensors,"
                                               "step_0002.safetensors\n", 0.5 / 5, sqrt (29.25));
  g_assert_cmpstr (csv, ==, want_csv);
  g_autofree char *path = g_build_filename (dir, "changes.csv", NULL);
  g_assert_true (ps_series_changes_write_csv (G_LIST_MODEL (store), a, b, path, &error));
  g_assert_no_error (error);
  g_autofree char *written = NULL;
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, csv);
  g_autofree char *nameless = ps_series_changes_to_csv (G_LIST_MODEL (store), NULL, NULL);
  g_assert_nonnull (strstr (nameless, "\n3,z,,0,1,1,,\n"));
  /* a folder that does not exist: an error, nothing written */
  g_autofree char *bad = g_build_filename (dir, "no-such-folder", "changes.csv", NULL);
  g_autoptr (GError) werr = NULL;
  g_assert_false (ps_series_changes_write_csv (G_LIST_MODEL (store), a, b, bad, &werr));
  g_assert_nonnull (werr);

  /* b compared from: the series puts a first by its file name, the rows are still from b to a */
  g_autoptr (GPtrArray) back = ps_series_changes_compute (b, a, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 3);
  g_autoptr (GListStore) back_store = g_list_store_new (PS_TYPE_CHANGE_ROW);
  for (guint i = 0; i < back->len; i++)
    if (g_strcmp0 (ps_change_row_get_tensor (back->pdata[i]), "w") == 0)
      {
        /* ‖a‖ = ‖[1 1 1 3]‖, ‖b − a‖ = 2: rel 2 / √12 */
        g_assert_cmpfloat (fabs (ps_change_row_get_rel (back->pdata[i]) - 2 / sqrt (12)), <, 1e-15);
        g_autofree char *na = cell (back->pdata[i], "norm-a-text");
        g_assert_cmpstr (na, ==, "3.4641");
      }
  g_assert_cmpstr (ps_change_row_get_tensor (back->pdata[0]), ==, "z");   /* 1 / 1 */

  g_unlink (path);
  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
}


/* The worker: the same rows as computed here; cancelled before it runs, an error. */
static void
test_async (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-changes-XXXXXX", NULL);
  g_autofree char *a = NULL, *b = NULL;
  write_pair (dir, &a, &b);
  g_autoptr (GAsyncResult) result = NULL;
  ps_series_changes_compute_async (a, b, NULL, store_result, &result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ps_series_changes_compute_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (ps_change_row_get_tensor (rows->pdata[0]), ==, "w");
  g_assert_cmpstr (ps_change_row_get_tensor (rows->pdata[2]), ==, "z");
  g_autoptr (GAsyncResult) cancelled_result = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  ps_series_changes_compute_async (a, b, cancelled, store_result, &cancelled_result);
  g_assert_null (ps_series_changes_compute_finish (wait_result (&cancelled_result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
}

static void
test_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-changes-XXXXXX", NULL);
  g_autofree char *a = NULL, *b = NULL;
  write_pair (dir, &a, &b);
  g_autofree char *missing = g_build_filename (dir, "nothing.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_series_changes_compute (a, missing, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_cancellable_cancel (cancelled);
  g_assert_null (ps_series_changes_compute (a, b, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
}

/* The real run: the largest change from epoch 3 to epoch 5, summed here from the files. */
static void
test_real_run (void)
{
  g_autofree char *pa = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", "epoch_003.pt", NULL);
  g_autofree char *pb = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "series", "epoch_005.pt", NULL);
  g_autoptr (PsCheckpoint) a = ps_checkpoint_open (pa, NULL);
  g_autoptr (PsCheckpoint) b = ps_checkpoint_open (pb, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  double best;
  g_autofree char *want = series_test_largest_change (a, b, &best);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ps_series_changes_compute (pa, pb, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >=, 6);
  g_assert_cmpstr (ps_change_row_get_tensor (rows->pdata[0]), ==, want);
  g_assert_cmpfloat (fabs (ps_change_row_get_rel (rows->pdata[0]) - best), <=, 1e-6 * best);
  for (guint i = 0; i + 1 < rows->len; i++)
    {
      double r0 = ps_change_row_get_rel (rows->pdata[i]), r1 = ps_change_row_get_rel (rows->pdata[i + 1]);
      g_assert_true (isnan (r1) || r0 >= r1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-changes/rows", test_rows);
  g_test_add_func ("/series-changes/errors", test_errors);
  g_test_add_func ("/series-changes/async", test_async);
  g_test_add_func ("/series-changes/real-run", test_real_run);
  return g_test_run ();
}
