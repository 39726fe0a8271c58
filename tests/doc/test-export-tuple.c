/* The PyTorch export of a Sequential holding an RNN, LSTMCell or MultiheadAttention (its script's
 * UnpackSequential) and ending in MaxPool1d(return_indices=True): the script returns the
 * (output, indices) tuple as the model does; a user class holding an LSTM (explicit forward:
 * self.lstm(x)[0]) or a MultiheadAttention and a MaxPool (generic forward over _modules) passes on
 * [0] as Paramscope's does; a plain Sequential that gets its LSTM by a later attach is an
 * UnpackSequential too (attach-lstm). A plain nn.Sequential ending in MaxPool1d/2d(return_indices=True)
 * returns the pair too: directly (linear-pool, conv-pool2d), from an inner Sequential past an
 * Identity and an empty Sequential (nested-pool), as a user class's last child (class-seq-pool), and
 * past a last child Sequential(Identity()) that passes the pair on (seq-identity-pool: the script
 * once took the tuple for one output); a pool attached later returns the pair until it is detached
 * (attach-pool). tests/data/export-tuple/NAME.export.py is what the
 * exporter writes (compared as text); NAME.export.json is what torch computed running it
 * (tests/golden/gen_export_tuple.py --export, which also checks the script's model against the module
 * calls written out by hand): every parameter, both outputs "y" and "y[1]" (float32 and int64,
 * bytes, dtype and shape) and torch.rand(2) afterwards equal our replay's. PS_EXPORT_WRITE=1
 * rewrites the scripts instead. */
#include <json-glib/json-glib.h>
#include "train-export.h"

static void
test_export (void)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (data);
  g_autofree char *dir = g_build_filename (data, "export-tuple", NULL);
  static const char *const names[] = { "lstm-pool", "mha-pool", "gru-nested-pool", "lstmcell-pool", "class-lstm",
                                       "class-generic-mha-pool", "attach-lstm", "linear-pool", "conv-pool2d",
                                       "nested-pool", "class-seq-pool", "seq-identity-pool", "attach-pool" };
  gboolean write = g_getenv ("PS_EXPORT_WRITE") != NULL;
  guint checked = 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", names[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      checked += tg_export_check (path, dir, names[i], write);
    }
  if (!write)
    g_test_message ("%u exported scripts: %u parameters, the (output, indices) outputs equal to ours",
                    (guint) G_N_ELEMENTS (names), checked);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export-tuple/runs", test_export);
  return g_test_run ();
}
