/* The checkpoint tree model, headless: grouping by dotted name, dtypes, shapes, counts. */
#include <string.h>
#include <locale.h>
#include <glib/gstdio.h>
#include "ps-safetensors.h"
#include "ps-checkpoint-item.h"
#include "formats-test-util.h"
#include "checkpoint-test-util.h"

static void
test_nested_dump (void)
{
  g_autoptr (GError) error = NULL;
  char *path = nested_write ();
  PsCheckpoint *ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointItem) root = ps_checkpoint_item_new_root (ck, "nested.safetensors");
  g_autofree char *dump = ps_checkpoint_item_to_string (root);
  g_assert_cmpstr (dump, ==, NESTED_TREE_DUMP);
  g_autoptr (GListModel) top = ps_checkpoint_item_get_children (root);
  g_autoptr (PsCheckpointItem) step = g_list_model_get_item (top, 0);
  g_assert_cmpstr (ps_checkpoint_item_get_path (step), ==, "step");
  g_assert_cmpstr (ps_checkpoint_item_get_entry (step)->name, ==, "step");
  g_assert_null (ps_checkpoint_item_get_children (step));
  g_autoptr (PsCheckpointItem) enc = g_list_model_get_item (top, 1);
  g_assert_null (ps_checkpoint_item_get_entry (enc));
  /* items keep the checkpoint alive after the root is gone: a row can still decode */
  g_clear_object (&root);
  g_autoptr (PsTensor) t = ps_checkpoint_load (ps_checkpoint_item_get_checkpoint (step), "step", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_tensor_ci64 (t)[0], ==, 7);
  nested_remove (path);
}

static void
test_sharded_dump (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fmt_data_path ("sharded/model.safetensors.index.json");
  PsCheckpoint *ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointItem) root = ps_checkpoint_item_new_root (ck, "index");
  g_autofree char *dump = ps_checkpoint_item_to_string (root);
  /* the four tensors of both shards, grouped */
  g_assert_nonnull (strstr (dump, "\n  layers "));
  g_assert_nonnull (strstr (dump, "\n    0 "));
  g_assert_nonnull (strstr (dump, "\n    1 "));
  g_assert_nonnull (strstr (dump, "\n  embed "));
  g_assert_nonnull (strstr (dump, "\n  head "));
  g_assert_cmpuint (ps_checkpoint_item_get_node (root)->n_tensors, ==, 4);
}

/* Tied weights (one storage under two names, as torch saves nn.Sequential(l, l) or a decoder tied
 * to its encoder): the checkpoint counts the storage once, and the alias's row and its group show
 * its own count — before, the second group showed Count 0. */
static void
test_alias_own_count (void)
{
  setlocale (LC_NUMERIC, "C");   /* no separator of its own: "," */
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ps-ck-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tied.safetensors", NULL);
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 30, 40, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 30, NULL);
  const char *names[] = { "enc.weight", "enc.bias", "dec.weight", "dec.tied.weight" };
  PsTensor *ts[] = { w, b, w, w };
  g_assert_true (ps_safetensors_write (path, 4, names, ts, NULL, &error));
  g_assert_no_error (error);
  PsCheckpoint *ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointItem) root = ps_checkpoint_item_new_root (ck, "tied.safetensors");
  g_autofree char *dump = ps_checkpoint_item_to_string (root);
  g_test_message ("%s", dump);
  g_assert_cmpstr (dump, ==,
                   "tied.safetensors F32 4 tensors 1230\n"     /* 1200 + 30: the storage once */
                   "  enc F32 2 tensors 1230\n"
                   "    bias F32 [30] 30\n"
                   "    weight F32 [30, 40] 1200\n"
                   "  dec F32 2 tensors 1200\n"                /* its two names share enc.weight: once */
                   "    tied F32 1 tensor 1200\n"
                   "      weight F32 [30, 40] 1200\n"
                   "    weight F32 [30, 40] 1200\n");
  g_autoptr (GListModel) top = ps_checkpoint_item_get_children (root);
  g_autoptr (PsCheckpointItem) dec = g_list_model_get_item (top, 1);
  GValue count = G_VALUE_INIT;
  g_object_get_property (G_OBJECT (dec), "count", (g_value_init (&count, G_TYPE_STRING), &count));
  g_assert_cmpstr (g_value_get_string (&count), ==, "1,200");   /* the column shows it grouped */
  g_value_unset (&count);
  g_clear_object (&root);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint-item/nested-dump", test_nested_dump);
  g_test_add_func ("/checkpoint-item/sharded-dump", test_sharded_dump);
  g_test_add_func ("/checkpoint-item/alias-own-count", test_alias_own_count);
  return g_test_run ();
}
