/* test-train-seq.c — end-to-end training of sequence models as recipes against torch 1.13: the
 * recipes in tests/data/train-seq (tests/golden/gen_train_seq.py: an Embedding bag with label
 * smoothing and Adam, an LSTM sequence classifier with SGD momentum, an Embedding → 2-layer
 * bidirectional GRU with dropout, RMSprop and clip_grad_norm_) read their data from .npz files next
 * to them and train 20 steps; every step's loss, parameters and .grad must be torch's bit for bit,
 * and the generator must end where torch's did (dropout and DataLoader draws).
 *
 * Export: each recipe (and examples/train-xor.json, and dissected.recipe.json: forward with a loss,
 * backward, step, scheduler_step, zero_grad) exported as a PyTorch script must equal the
 * golden NAME.export.py, and that script, run by torch (tests/golden/run_export.py, written to
 * NAME.export.json by gen_train_seq.py --export BUILD), must end with our parameters (SHA-256 of
 * their bytes), our losses and our generator state. PS_EXPORT_WRITE=1 rewrites the
 * golden scripts instead. */
#include <string.h>
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "train-export.h"
#include "train-run.h"

static void
test_runs (void)
{
  JsonArray *runs = tg_seq_section ("runs");
  g_assert_cmpuint (json_array_get_length (runs), >=, 3);
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "train-seq", NULL);
  guint64 before = tg_compared;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      static const char *const sections[] = { "params", "grads", NULL };
      tg_check_train_run (c, dir, sections, 2, 1);
    }
  g_test_message ("%u runs: %" G_GUINT64_FORMAT " recorded values bit-identical to torch",
                  json_array_get_length (runs), tg_compared - before);
}

static void
test_export (void)
{
  const char *data = g_getenv ("PS_TEST_DATA"), *src = g_getenv ("PS_SOURCE_DIR");
  g_assert_nonnull (src);
  g_autofree char *dir = g_build_filename (data, "train-seq", NULL);
  JsonArray *runs = tg_seq_section ("runs");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint r = 0; r < json_array_get_length (runs); r++)
    g_ptr_array_add (names, g_strdup (json_object_get_string_member (json_array_get_object_element (runs, r), "name")));
  g_ptr_array_add (names, g_strdup ("train-xor"));
  g_ptr_array_add (names, g_strdup ("dissected"));   /* forward with a loss, backward, step, … */
  gboolean write = g_getenv ("PS_EXPORT_WRITE") != NULL;
  guint checked = 0;
  for (guint r = 0; r < names->len; r++)
    {
      const char *name = names->pdata[r];
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", name);
      g_autofree char *path = g_str_equal (name, "train-xor") ? g_build_filename (src, "examples", "train-xor.json", NULL)
                                                             : g_build_filename (dir, file, NULL);
      checked += tg_export_check (path, dir, name, write);
    }
  if (!write)
    g_test_message ("%u exported scripts: %u parameters, every loss and the generator equal to ours", names->len, checked);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-seq/runs", test_runs);
  g_test_add_func ("/train-seq/export", test_export);
  return g_test_run ();
}
