#include <glib/gstdio.h>
#include <string.h>
#include "ps-checkpoint.h"
#include "ps-checkpoint-series.h"
#include "ps-safetensors.h"
#include "formats-test-util.h"

static void
test_safetensors_tree (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_checkpoint_get_format (ck), ==, PS_CHECKPOINT_SAFETENSORS);
  g_assert_cmpuint (ps_checkpoint_get_n_entries (ck), ==, 17);
  const PsCheckpointEntry *e = ps_checkpoint_lookup (ck, "bf16.matrix");
  g_assert_cmpstr (e->dtype, ==, "BF16");
  g_assert_cmpint (e->numel, ==, 15);
  g_assert_cmpstr (ps_checkpoint_get_metadata (ck, "format"), ==, "pt");

  const PsCheckpointNode *root = ps_checkpoint_get_tree (ck);
  g_assert_cmpuint (root->n_tensors, ==, 17);
  int64_t total = 0;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (ck); i++)
    total += ps_checkpoint_get_entry (ck, i)->numel;
  g_assert_cmpint (root->numel, ==, total);
  const PsCheckpointNode *w = ps_checkpoint_find_node (ck, "model.layer.0.weight");
  g_assert_nonnull (w);
  g_assert_cmpstr (w->name, ==, "weight");
  g_assert_cmpint (w->entry, >=, 0);
  g_assert_cmpstr (ps_checkpoint_get_entry (ck, (guint) w->entry)->name, ==, "model.layer.0.weight");
  const PsCheckpointNode *layer = ps_checkpoint_find_node (ck, "model.layer");
  g_assert_cmpint (layer->entry, ==, -1);
  g_assert_cmpuint (layer->children->len, ==, 1);
  g_assert_cmpstr (((PsCheckpointNode *) layer->children->pdata[0])->name, ==, "0");
  g_assert_cmpint (layer->numel, ==, 4);
  const PsCheckpointNode *f16 = ps_checkpoint_find_node (ck, "f16");
  g_assert_cmpuint (f16->children->len, ==, 2);
  g_assert_null (ps_checkpoint_find_node (ck, "model.nope"));

  g_autoptr (PsTensor) t = ps_checkpoint_load (ck, "f64.values", &error);
  g_assert_no_error (error);
  fmt_assert_tensor (t, "all_dtypes.safetensors", "f64.values");
}

static void
test_aliases_counted_once (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-ck-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tied.safetensors", NULL);
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 3, 4, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL);
  const char *names[] = { "0.weight", "0.bias", "2.weight", "2.bias" };
  PsTensor *ts[] = { w, b, w, b };   /* one Linear placed twice, as in the article */
  g_assert_true (ps_safetensors_write (path, 4, names, ts, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_get_n_entries (ck), ==, 4);
  g_assert_cmpstr (ps_checkpoint_lookup (ck, "2.weight")->alias_of, ==, "0.weight");
  const PsCheckpointNode *root = ps_checkpoint_get_tree (ck);
  g_assert_cmpint (root->numel, ==, 15);         /* like named_parameters */
  g_assert_cmpuint (root->n_tensors, ==, 4);     /* like state_dict */
  g_assert_cmpint (ps_checkpoint_find_node (ck, "2")->numel, ==, 0);
  g_assert_cmpuint (ps_checkpoint_find_node (ck, "2")->n_tensors, ==, 2);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_npz_and_npy (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *npz = fmt_data_path ("deflated.npz");
  g_autoptr (PsCheckpoint) a = ps_checkpoint_open (npz, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_checkpoint_get_format (a), ==, PS_CHECKPOINT_NPZ);
  g_assert_cmpuint (ps_checkpoint_get_n_entries (a), ==, 4);
  g_assert_cmpstr (ps_checkpoint_lookup (a, "steps")->dtype, ==, "<i8");
  g_assert_cmpint (ps_checkpoint_lookup (a, "steps")->target_dtype, ==, PS_DTYPE_INT64);
  g_assert_null (ps_checkpoint_get_metadata (a, "format"));
  g_autoptr (PsTensor) t = ps_checkpoint_load (a, "weight", &error);
  g_assert_no_error (error);
  fmt_assert_tensor (t, "deflated.npz", "weight");

  g_autofree char *npy = fmt_data_path ("fortran_f4.npy");
  g_autoptr (PsCheckpoint) b = ps_checkpoint_open (npy, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_checkpoint_get_format (b), ==, PS_CHECKPOINT_NPY);
  g_assert_cmpuint (ps_checkpoint_get_n_entries (b), ==, 1);
  g_assert_cmpstr (ps_checkpoint_get_entry (b, 0)->name, ==, "fortran_f4");
  g_autoptr (PsTensor) u = ps_checkpoint_load (b, "fortran_f4", &error);
  g_assert_no_error (error);
  fmt_assert_tensor (u, "fortran_f4.npy", "");
  g_assert_null (ps_checkpoint_load (b, "x", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_autofree char *idx = fmt_data_path ("sharded/model.safetensors.index.json");
  g_autoptr (PsCheckpoint) c = ps_checkpoint_open (idx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_find_node (c, "layers")->children->len, ==, 2);
}

static void
test_open_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_checkpoint_open ("/nonexistent/x.safetensors", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  g_autofree char *bad = fmt_data_path ("bad/npy_object.npy");
  g_assert_null (ps_checkpoint_open (bad, &error));
  fmt_assert_error_contains (error, "npy_object.npy", "object arrays");
  g_clear_error (&error);
  /* the data's size is checked at open (no decoding), like safetensors' */
  g_autofree char *trunc = fmt_data_path ("bad/npy_truncated_data.npy");
  g_assert_null (ps_checkpoint_open (trunc, &error));
  fmt_assert_error_contains (error, "npy_truncated_data.npy", "(truncated file)");
  g_clear_error (&error);
  g_autofree char *trail = fmt_data_path ("bad/npy_trailing_data.npy");
  g_assert_null (ps_checkpoint_open (trail, &error));
  fmt_assert_error_contains (error, "npy_trailing_data.npy", "(trailing bytes)");
  g_clear_error (&error);
  /* a damaged .npy is reported by the .npy reader, whatever its first bytes */
  g_autofree char *magic = fmt_data_path ("bad/npy_bad_magic.npy");
  g_assert_null (ps_checkpoint_open (magic, &error));
  fmt_assert_error_contains (error, "npy_bad_magic.npy", "bad magic");
  g_clear_error (&error);
  g_autofree char *bomb = fmt_data_path ("bad/npz_bomb_size_mismatch.npz");
  g_assert_null (ps_checkpoint_open (bomb, &error));
  fmt_assert_error_contains (error, "npz_bomb_size_mismatch.npz", "but its .npy header implies");
}

/* What the app opens as a checkpoint (a drop, the command line, File → Open) rather than a recipe. */
static void
test_file_name (void)
{
  const char *yes[] = { "model.safetensors", "MODEL.SafeTensors", "model.safetensors.index.json",
                        "pytorch_model.bin.index.json", "w.npy", "w.NPZ", "epoch_003.pt", "/tmp/a b/x.pth",
                        "pytorch_model.bin", "last.ckpt" };
  const char *no[] = { "recipe.json", "model.safetensors.bak", "x.tar", "pt", "notes.txt", "", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (!ps_checkpoint_is_file_name (yes[i]))
      g_error ("%s is a checkpoint's name", yes[i]);
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    if (ps_checkpoint_is_file_name (no[i]))
      g_error ("%s is not a checkpoint's name", no[i]);
  /* the same table says what the torch reader takes by name and what joins a series from a folder */
  static const struct { const char *name; gboolean opens, torch, series; } uses[] = {
    { "a.safetensors", TRUE, FALSE, TRUE },       { "a.safetensors.index.json", TRUE, FALSE, FALSE },
    { "pytorch_model.bin.index.json", TRUE, TRUE, FALSE }, { "a.npy", TRUE, FALSE, FALSE },
    { "a.NPZ", TRUE, FALSE, TRUE },                { "a.pt", TRUE, TRUE, TRUE },
    { "a.pth", TRUE, TRUE, TRUE },                 { "a.bin", TRUE, TRUE, TRUE },
    { "a.ckpt", TRUE, TRUE, TRUE },                { "a.tar", FALSE, TRUE, FALSE },
    { "a.json", FALSE, FALSE, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (uses); i++)
    {
      if (ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_OPENS) != uses[i].opens
          || ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_TORCH) != uses[i].torch
          || ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_SERIES) != uses[i].series)
        g_error ("%s: opens %d torch %d series %d", uses[i].name,
                 ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_OPENS),
                 ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_TORCH),
                 ps_checkpoint_name_is (uses[i].name, PS_CHECKPOINT_NAME_SERIES));
      g_assert_cmpint (ps_checkpoint_series_is_candidate (uses[i].name), ==, uses[i].series);
    }
}

/* The format as the checkpoint window's header names it. */
static void
test_format_name (void)
{
  g_assert_cmpstr (ps_checkpoint_format_name (PS_CHECKPOINT_SAFETENSORS), ==, "safetensors");
  g_assert_cmpstr (ps_checkpoint_format_name (PS_CHECKPOINT_NPZ), ==, "npz");
  g_assert_cmpstr (ps_checkpoint_format_name (PS_CHECKPOINT_NPY), ==, "npy");
  g_assert_cmpstr (ps_checkpoint_format_name (PS_CHECKPOINT_TORCH), ==, "PyTorch");
  g_assert_cmpstr (ps_checkpoint_format_name ((PsCheckpointFormat) 99), ==, "?");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint/safetensors-tree", test_safetensors_tree);
  g_test_add_func ("/checkpoint/file-name", test_file_name);
  g_test_add_func ("/checkpoint/format-name", test_format_name);
  g_test_add_func ("/checkpoint/aliases-counted-once", test_aliases_counted_once);
  g_test_add_func ("/checkpoint/npz-and-npy", test_npz_and_npy);
  g_test_add_func ("/checkpoint/open-errors", test_open_errors);
  return g_test_run ();
}
