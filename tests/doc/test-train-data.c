/* test-train-data.c — the dataset op's "file" form: TensorDataset(f[x], f[y]) of a user's .npz,
 * .safetensors or torch file, float32 or int64 arrays kept as they are, the SHA-256 pin over the
 * bytes read, and clear errors that change nothing (missing array, wrong pin, row mismatch,
 * unsupported format, memory budget); .npy inputs and targets in two files, each pinned; CSV tables
 * (header, "*" or named columns, integer or float targets, malformed tables); a file's raw bytes
 * count against the memory budget. Files are written here. */
#include <string.h>
#include <glib/gstdio.h>
#include "ps-npy.h"
#include "ps-npz.h"
#include "ps-op.h"
#include "ps-safetensors.h"
#include "ps-train-object.h"

static PsState *
try_apply (PsState *st, const char *json, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  g_autoptr (PsOp) op = ps_op_new_from_json (json_node_get_object (json_parser_get_root (p)), 1, error);
  if (op == NULL)
    return NULL;
  return ps_op_apply (st, op, 1, error);
}

static void
expect_error (PsState *st, const char *json, const char *needle)
{
  g_autoptr (GError) error = NULL;
  PsGenerator before = st->gen;
  g_assert_null (try_apply (st, json, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, needle) == NULL)
    g_error ("expected '%s' in: %s", needle, error->message);
  g_assert_true (ps_generator_equal (&before, &st->gen));
  g_assert_null (ps_state_get_train_object (st, "d"));
}

static char *
sha256_of (const char *path)
{
  gchar *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  g_free (data);
  return sum;
}

static void
test_file_datasets (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-train-data-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 10, 3, NULL);
  g_autoptr (PsTensor) xi = ps_tensor_new_2d (PS_DTYPE_INT64, 10, 4, NULL);
  g_autoptr (PsTensor) y = ps_tensor_new_1d (PS_DTYPE_INT64, 10, NULL);
  g_autoptr (PsTensor) yf = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 10, 1, NULL);
  g_autoptr (PsTensor) short_y = ps_tensor_new_1d (PS_DTYPE_INT64, 9, NULL);
  for (int64_t i = 0; i < 30; i++)
    ps_tensor_f32 (x)[i] = (float) i * 0.25f - 3.0f;
  for (int64_t i = 0; i < 40; i++)
    ps_tensor_i64 (xi)[i] = (i * 7) % 11;
  for (int64_t i = 0; i < 10; i++)
    {
      ps_tensor_i64 (y)[i] = i % 3;
      ps_tensor_f32 (yf)[i] = (float) i;
    }
  g_autofree char *npz = g_build_filename (dir, "data.npz", NULL);
  g_autofree char *st_path = g_build_filename (dir, "data.safetensors", NULL);
  const char *names[] = { "X", "Xi", "y", "yf", "short" };
  PsTensor *tensors[] = { x, xi, y, yf, short_y };
  g_assert_true (ps_npz_write (npz, 5, names, tensors, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (ps_safetensors_write (st_path, 5, names, tensors, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *sum = sha256_of (npz);
  g_autofree char *st_sum = sha256_of (st_path);

  const char *files[] = { npz, st_path };
  const char *sums[] = { sum, st_sum };
  for (int f = 0; f < 2; f++)
    {
      PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
      g_autofree char *op = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"y\","
                                             "\"sha256\":\"%s\"}", files[f], sums[f]);
      PsState *next = try_apply (st, op, &error);
      g_assert_no_error (error);
      PsTrainObject *o = ps_state_get_train_object (next, "d");
      g_assert_nonnull (o);
      g_assert_cmpint (o->dataset->x->dtype, ==, PS_DTYPE_FLOAT32);
      g_assert_cmpmem (ps_tensor_cf32 (o->dataset->x), 30 * sizeof (float), ps_tensor_cf32 (x), 30 * sizeof (float));
      g_assert_cmpmem (ps_tensor_ci64 (o->dataset->y), 10 * sizeof (int64_t), ps_tensor_ci64 (y), 10 * sizeof (int64_t));
      g_assert_cmpint (o->dataset->n_classes, ==, 3);
      g_assert_true (ps_generator_equal (&st->gen, &next->gen));   /* reading a file draws nothing */
      ps_state_unref (next);
      /* int64 inputs (an Embedding's indices) and float targets stay as they are */
      g_autofree char *op2 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"Xi\",\"y\":\"yf\"}",
                                              files[f]);
      next = try_apply (st, op2, &error);
      g_assert_no_error (error);
      o = ps_state_get_train_object (next, "d");
      g_assert_cmpint (o->dataset->x->dtype, ==, PS_DTYPE_INT64);
      g_assert_cmpint (o->dataset->y->dtype, ==, PS_DTYPE_FLOAT32);
      ps_state_unref (next);

      g_autofree char *e1 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"inputs\",\"y\":\"y\"}",
                                             files[f]);
      expect_error (st, e1, "field 'x': ");
      expect_error (st, e1, "has no array 'inputs' (it has ");
      g_autofree char *e2 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"short\"}",
                                             files[f]);
      expect_error (st, e2, "Size mismatch between tensors: X [10, 3] and y [9]");
      g_autofree char *e3 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"y\","
                                             "\"sha256\":\"%s\"}", files[f], sums[1 - f]);
      expect_error (st, e3, "field 'sha256': ");
      expect_error (st, e3, "not the one the recipe pins");
      /* over the memory budget: a clear error, nothing changed */
      ps_tensor_set_budget (ps_tensor_get_bytes_in_use () + 64);
      g_autofree char *e4 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"y\"}",
                                             files[f]);
      g_assert_null (try_apply (st, e4, &error));
      g_assert_nonnull (error);
      g_test_message ("over budget: %s", error->message);
      g_clear_error (&error);
      ps_tensor_set_budget (0);
      g_assert_null (ps_state_get_train_object (st, "d"));
      ps_state_unref (st);
    }
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  g_autofree char *missing = g_build_filename (dir, "nope.npz", NULL);
  g_autofree char *e5 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"y\"}", missing);
  expect_error (st, e5, "field 'file': ");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"data.npy\",\"x\":\"X\",\"y\":\"y.npy\"}",
                "field 'x': a .npy file holds one array");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"data.npy\",\"y\":\"y\"}",
                "field 'y': expected the targets' .npy file");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"data.npz\",\"x\":\"X\",\"y\":\"y\","
                "\"y_sha256\":\"00\"}", "field 'y_sha256': only for a .npy targets file");
  expect_error (st, "{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"data.npz\",\"x\":\"X\"}", "field 'y': missing");
  g_autofree char *e6 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"X\",\"y\":\"y\","
                                         "\"sha256\":\"abc\"}", npz);
  expect_error (st, e6, "expected 64 hexadecimal digits");
  ps_state_unref (st);
  g_unlink (npz);
  g_unlink (st_path);
  g_rmdir (dir);
}

/* .npy files (numpy.save): "file" is the inputs, "y" the targets' file, each pinned on its own;
 * errors name the field and change nothing. */
static void
test_npy (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-train-npy-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 6, 2, NULL);
  g_autoptr (PsTensor) y = ps_tensor_new_1d (PS_DTYPE_INT64, 6, NULL);
  g_autoptr (PsTensor) short_y = ps_tensor_new_1d (PS_DTYPE_INT64, 5, NULL);
  for (int64_t i = 0; i < 12; i++)
    ps_tensor_f32 (x)[i] = (float) i / 3.0f - 1.0f;
  for (int64_t i = 0; i < 6; i++)
    ps_tensor_i64 (y)[i] = i % 2;
  g_autofree char *xp = g_build_filename (dir, "X.npy", NULL);
  g_autofree char *yp = g_build_filename (dir, "y.npy", NULL);
  g_autofree char *sp = g_build_filename (dir, "short.npy", NULL);
  g_assert_true (ps_npy_write (xp, x, &error));
  g_assert_true (ps_npy_write (yp, y, &error));
  g_assert_true (ps_npy_write (sp, short_y, &error));
  g_autofree char *xs = sha256_of (xp), *ys = sha256_of (yp);
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  /* relative to the recipe's folder, pinned */
  g_autofree char *op = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"X.npy\",\"y\":\"y.npy\","
                                         "\"sha256\":\"%s\",\"y_sha256\":\"%s\"}", xs, ys);
  g_autoptr (JsonParser) jp = json_parser_new ();
  g_assert_true (json_parser_load_from_data (jp, op, -1, NULL));
  g_autoptr (PsOp) o = ps_op_new_from_json (json_node_get_object (json_parser_get_root (jp)), 1, &error);
  g_assert_no_error (error);
  const PsOpContext ctx = { dir };
  PsState *next = ps_op_apply_full (st, o, 1, &ctx, &error);
  g_assert_no_error (error);
  PsDataset *d = ps_state_get_train_object (next, "d")->dataset;
  g_assert_true (ps_tensor_equal (d->x, x));
  g_assert_true (ps_tensor_equal (d->y, y));
  ps_state_unref (next);
  g_autofree char *e1 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"y\":\"%s\","
                                         "\"y_sha256\":\"%s\"}", xp, yp, xs);
  expect_error (st, e1, "field 'y_sha256': ");
  expect_error (st, e1, "not the one the recipe pins");
  g_autofree char *e2 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"y\":\"%s\"}", xp, sp);
  expect_error (st, e2, "Size mismatch between tensors");
  g_autofree char *e3 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"y\":\"%s/none.npy\"}", xp, dir);
  expect_error (st, e3, "field 'y': ");
  g_autofree char *e4 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"y\":\"%s\"}", yp, xp);
  next = try_apply (st, e4, &error);   /* int64 inputs, float targets: kept as they are */
  g_assert_no_error (error);
  g_assert_cmpint (ps_state_get_train_object (next, "d")->dataset->x->dtype, ==, PS_DTYPE_INT64);
  ps_state_unref (next);
  ps_state_unref (st);
  g_unlink (xp);
  g_unlink (yp);
  g_unlink (sp);
  g_rmdir (dir);
}

static char *
write_text (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* A CSV table: header, "*" or named input columns, an integer or float target column. */
static void
test_csv (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-train-csv-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *ok = write_text (dir, "t.csv", "a, b,label,c\r\n1.5,-2,0,1e-3\r\n\r\n0.1,3,2,-0\n");
  g_autofree char *fl = write_text (dir, "f.csv", "a,b,t\n1,2,0.5\n3,4,-1\n");
  g_autofree char *bad = write_text (dir, "bad.csv", "a,b,t\n1,x,0\n");
  g_autofree char *ragged = write_text (dir, "ragged.csv", "a,b,t\n1,2\n");
  g_autofree char *quoted = write_text (dir, "q.csv", "a,b,t\n\"1\",2,3\n");
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  g_autofree char *op = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"label\"}", ok);
  PsState *next = try_apply (st, op, &error);
  g_assert_no_error (error);
  PsTrainObject *o = ps_state_get_train_object (next, "d");
  g_assert_cmpint (o->dataset->x->dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpint (o->dataset->x->shape[0], ==, 2);
  g_assert_cmpint (o->dataset->x->shape[1], ==, 3);
  const float want[6] = { 1.5f, -2.0f, (float) 1e-3, 0.1f, 3.0f, -0.0f };
  g_assert_cmpmem (ps_tensor_cf32 (o->dataset->x), sizeof want, want, sizeof want);
  g_assert_cmpint (o->dataset->y->dtype, ==, PS_DTYPE_INT64);
  g_assert_cmpint (ps_tensor_ci64 (o->dataset->y)[1], ==, 2);
  ps_state_unref (next);
  g_autofree char *op2 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"c, a\",\"y\":\"label\"}", ok);
  next = try_apply (st, op2, &error);
  g_assert_no_error (error);
  o = ps_state_get_train_object (next, "d");
  g_assert_cmpint (o->dataset->x->shape[1], ==, 2);
  g_assert_cmpfloat (ps_tensor_cf32 (o->dataset->x)[1], ==, 1.5f);
  ps_state_unref (next);
  g_autofree char *op3 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"t\"}", fl);
  next = try_apply (st, op3, &error);
  g_assert_no_error (error);
  o = ps_state_get_train_object (next, "d");
  g_assert_cmpint (o->dataset->y->dtype, ==, PS_DTYPE_FLOAT32);   /* 0.5: not all integers */
  ps_state_unref (next);
  g_autofree char *e1 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"target\"}", ok);
  expect_error (st, e1, "field 'y': ");
  expect_error (st, e1, "has no column 'target' (it has 'a', 'b', 'label', 'c')");
  g_autofree char *e2 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"a,z\",\"y\":\"label\"}", ok);
  expect_error (st, e2, "field 'x': ");
  g_autofree char *e3 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"t\"}", bad);
  expect_error (st, e3, "row 1: 'x' (column 'b') is not a number");
  g_autofree char *e4 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"t\"}", ragged);
  expect_error (st, e4, "line 2 has 2 fields, the header 3");
  g_autofree char *e5 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"t\"}", quoted);
  expect_error (st, e5, "quoted fields are not supported");
  /* the file's bytes count against the memory budget: a table of 200 long numbers (4 800 bytes of
   * text, 1 600 bytes of tensors) with room for the tensors but not the text is refused, naming
   * the budget, and changes nothing */
  GString *big = g_string_new ("a,t\n");
  for (int i = 0; i < 200; i++)
    g_string_append_printf (big, "%.15f,%d\n", i / 7.0, i % 2);
  g_autofree char *bigp = write_text (dir, "big.csv", big->str);
  g_assert_cmpuint (big->len, >, 4000);
  g_string_free (big, TRUE);
  g_autofree char *e6 = g_strdup_printf ("{\"op\":\"dataset\",\"id\":\"d\",\"file\":\"%s\",\"x\":\"*\",\"y\":\"t\"}", bigp);
  next = try_apply (st, e6, &error);   /* fits without a budget */
  g_assert_no_error (error);
  ps_state_unref (next);
  ps_tensor_set_budget (ps_tensor_get_bytes_in_use () + 3000);
  expect_error (st, e6, "for the bytes of");
  expect_error (st, e6, "the memory budget is");
  ps_tensor_set_budget (0);
  g_unlink (bigp);
  ps_state_unref (st);
  const char *files[] = { ok, fl, bad, ragged, quoted };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_unlink (files[i]);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-data/files", test_file_datasets);
  g_test_add_func ("/train-data/npy", test_npy);
  g_test_add_func ("/train-data/csv", test_csv);
  return g_test_run ();
}
