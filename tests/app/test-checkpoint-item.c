/* The checkpoint tree model, headless: grouping by dotted name, dtypes, shapes, counts. */
#include <string.h>
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint-item/nested-dump", test_nested_dump);
  g_test_add_func ("/checkpoint-item/sharded-dump", test_sharded_dump);
  return g_test_run ();
}
