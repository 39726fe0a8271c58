/* ps-series-changes.c — see ps-series-changes.h. */
#include "ps-config.h"
#include "ps-series-changes.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ps-atomic-file.h"
#include "ps-checkpoint-series.h"
#include "ps-csv.h"

struct _PsChangeRow {
  GObject parent_instance;
  guint rank;
  char *tensor;
  double rel, norm_a, norm_b, diff_norm;
};

G_DEFINE_FINAL_TYPE (PsChangeRow, ps_change_row, G_TYPE_OBJECT)

/* Read-only properties, one per column, as the table shows them: property id = column + 1. */
static const char *const col_props[PS_CHANGE_N_COLS] = { "rank-text", "tensor", "rel-text", "norm-a-text",
                                                         "norm-b-text", "diff-text" };

static void
ps_change_row_finalize (GObject *object)
{
  g_free (PS_CHANGE_ROW (object)->tensor);
  G_OBJECT_CLASS (ps_change_row_parent_class)->finalize (object);
}

static void
ps_change_row_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id < 1 || id > PS_CHANGE_N_COLS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      return;
    }
  g_value_take_string (value, ps_change_row_text (PS_CHANGE_ROW (object), (PsChangeColumn) (id - 1)));
}

static void
ps_change_row_class_init (PsChangeRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = ps_change_row_finalize;
  object_class->get_property = ps_change_row_get_property;
  for (int col = 0; col < PS_CHANGE_N_COLS; col++)
    g_object_class_install_property (object_class, (guint) col + 1,
                                     g_param_spec_string (col_props[col], NULL, NULL, NULL,
                                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void ps_change_row_init (PsChangeRow *self) { (void) self; }

guint ps_change_row_get_rank (PsChangeRow *r) { return r->rank; }
const char *ps_change_row_get_tensor (PsChangeRow *r) { return r->tensor; }
double ps_change_row_get_rel (PsChangeRow *r) { return r->rel; }

static double
row_number (PsChangeRow *r, PsChangeColumn col)
{
  switch (col)
    {
    case PS_CHANGE_COL_RANK: return r->rank;
    case PS_CHANGE_COL_REL: return r->rel;
    case PS_CHANGE_COL_NORM_A: return r->norm_a;
    case PS_CHANGE_COL_NORM_B: return r->norm_b;
    case PS_CHANGE_COL_DIFF: return r->diff_norm;
    case PS_CHANGE_COL_TENSOR:
    case PS_CHANGE_N_COLS:
    default: return NAN;
    }
}

char *
ps_change_row_text (PsChangeRow *r, PsChangeColumn col)
{
  if (col == PS_CHANGE_COL_TENSOR)
    return g_strdup (r->tensor);
  if (col == PS_CHANGE_COL_RANK)
    return g_strdup_printf ("%u", r->rank);
  double v = row_number (r, col);
  return isnan (v) ? g_strdup ("—") : g_strdup_printf ("%.6g", v);
}

int
ps_change_row_compare (PsChangeRow *x, PsChangeRow *y, PsChangeColumn col)
{
  if (col == PS_CHANGE_COL_TENSOR)
    {
      int c = g_strcmp0 (x->tensor, y->tensor);
      return (c > 0) - (c < 0);
    }
  double u = row_number (x, col), v = row_number (y, col);
  if (isnan (u) || isnan (v))
    return isnan (u) - isnan (v);
  return u < v ? -1 : u > v ? 1 : 0;
}

GPtrArray *
ps_series_changes_compute (const char *a, const char *b, GCancellable *cancellable, GError **error)
{
  const char *paths[2] = { a, b };
  g_autoptr (PsCheckpointSeries) s = ps_checkpoint_series_open (paths, 2, error);
  if (s == NULL)
    return NULL;
  /* the series orders the two files itself: a is the one compared from */
  guint ia = g_strcmp0 (ps_checkpoint_series_get_path (s, 0), a) == 0 ? 0 : 1;
  g_autoptr (GArray) ch = ps_checkpoint_series_rank_changes (s, ia, 1 - ia, cancellable, error);
  if (ch == NULL)
    return NULL;
  GPtrArray *rows = g_ptr_array_new_full (ch->len, g_object_unref);
  for (guint i = 0; i < ch->len; i++)
    {
      PsSeriesChange *c = &g_array_index (ch, PsSeriesChange, i);
      PsChangeRow *r = g_object_new (PS_TYPE_CHANGE_ROW, NULL);
      r->rank = i + 1;
      r->tensor = g_strdup (ps_checkpoint_series_get_tensor_name (s, c->tensor));
      r->rel = c->rel;
      r->norm_a = c->norm_a;
      r->norm_b = c->norm_b;
      r->diff_norm = c->diff_norm;
      g_ptr_array_add (rows, r);
    }
  return rows;
}

static void
compute_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  char **files = data;
  GError *error = NULL;
  GPtrArray *rows = ps_series_changes_compute (files[0], files[1], cancellable, &error);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

void
ps_series_changes_compute_async (const char *a, const char *b, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_series_changes_compute_async);
  char **files = g_new0 (char *, 3);
  files[0] = g_strdup (a);
  files[1] = g_strdup (b);
  g_task_set_task_data (task, files, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, compute_thread);
}

GPtrArray *
ps_series_changes_compute_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
ps_series_changes_summary (guint n_rows, const char *a, const char *b)
{
  g_autofree char *la = g_path_get_basename (a), *lb = g_path_get_basename (b);
  if (n_rows == 0)
    return g_strdup_printf (_("No tensor is in both %s and %s with the same shape."), la, lb);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Relative change ‖b − a‖ / ‖a‖ of %u tensor from a = %s to b = %s",
                                       "Relative change ‖b − a‖ / ‖a‖ of %u tensors from a = %s to b = %s", n_rows),
                          n_rows, la, lb);
}

char *
ps_series_changes_to_csv (GListModel *rows, const char *a, const char *b)
{
  g_autofree char *la = a ? g_path_get_basename (a) : g_strdup ("");
  g_autofree char *lb = b ? g_path_get_basename (b) : g_strdup ("");
  GString *out = g_string_new ("rank,tensor,rel_change,norm_a,norm_b,diff_norm,file_a,file_b\n");
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PsChangeRow) r = g_list_model_get_item (rows, i);
      g_string_append_printf (out, "%u,", r->rank);
      ps_csv_append_field (out, r->tensor);
      const double numbers[] = { r->rel, r->norm_a, r->norm_b, r->diff_norm };
      for (guint k = 0; k < G_N_ELEMENTS (numbers); k++)
        {
          g_string_append_c (out, ',');
          ps_csv_append_number (out, "%.17g", numbers[k]);
        }
      g_string_append_c (out, ',');
      ps_csv_append_field (out, la);
      g_string_append_c (out, ',');
      ps_csv_append_field (out, lb);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

gboolean
ps_series_changes_write_csv (GListModel *rows, const char *a, const char *b, const char *path, GError **error)
{
  g_autofree char *csv = ps_series_changes_to_csv (rows, a, b);
  return ps_atomic_file_set_contents (path, csv, strlen (csv), error);
}
