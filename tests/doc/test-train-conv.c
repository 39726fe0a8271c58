/* test-train-conv.c — convnets trained from recipes against torch 1.13: the recipes in
 * tests/data/train-conv (tests/golden/gen_train_conv.py) — a Conv2d/MaxPool2d/BatchNorm2d/AvgPool2d
 * net on the first 193 Fashion-MNIST images (batches of 32 through oneDNN, the last image through
 * Slow2d), a Conv1d/MaxPool1d/AvgPool1d net on sequences from an .npz, and a Conv2d/MaxPool2d/
 * AdaptiveAvgPool2d net on 8×8 images from an .npz — train with record_every 1; at every step the
 * loss, every parameter, every .grad and every float buffer (BatchNorm's running statistics) must be
 * torch's bit for bit, and the generator must end where torch's did.
 *
 * Export: the three recipes exported as PyTorch scripts (the Fashion-MNIST one reads the idx files
 * itself) must equal the golden NAME.export.py, and those scripts run by torch (gen_train_conv.py
 * --export) end with our parameters, losses and generator (tests/support/train-export.h). The
 * Fashion-MNIST run SKIPs without Debian's dataset-fashion-mnist. */
#include <string.h>
#include "ps-fashion-mnist.h"
#include "train-export.h"
#include "train-run.h"

static gboolean
have_fashion_mnist (void)
{
  const char *d = g_getenv ("PS_FASHION_MNIST_DIR");
  g_autofree char *f = g_build_filename (d && *d ? d : PS_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz", NULL);
  return g_file_test (f, G_FILE_TEST_EXISTS);
}

static JsonArray *
runs (void)
{
  return json_object_get_array_member (tg_root_of ("train-conv-golden.json"), "runs");
}

static void
test_runs (gconstpointer data)
{
  const char *which = data;
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "train-conv", NULL);
  if (strcmp (which, "fmnist-convnet") == 0 && !have_fashion_mnist ())
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  guint64 before = tg_compared;
  for (guint r = 0; r < json_array_get_length (runs ()); r++)
    {
      JsonObject *c = json_array_get_object_element (runs (), r);
      if (strcmp (json_object_get_string_member (c, "name"), which) == 0)
        {
          static const char *const sections[] = { "params", "grads", "buffers", NULL };
          tg_check_train_run (c, dir, sections, 2, 2);
          g_test_message ("%s: %" G_GUINT64_FORMAT " recorded values bit-identical to torch", which,
                          tg_compared - before);
          return;
        }
    }
  g_error ("no run %s in train-conv-golden.json", which);
}

static void
test_export (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "train-conv", NULL);
  const gboolean write = g_getenv ("PS_EXPORT_WRITE") != NULL;
  const char *names[] = { "conv1d-pool", "conv8-adaptive", "fmnist-convnet" };
  guint checked = 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (strcmp (names[i], "fmnist-convnet") == 0 && !have_fashion_mnist ())
        {
          g_test_message ("dataset-fashion-mnist is not installed: fmnist-convnet's export not checked");
          continue;
        }
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", names[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      checked += tg_export_check (path, dir, names[i], write);
    }
  if (!write)
    {
      g_test_message ("%u exported scripts: %u parameters, every loss and the generator equal to ours",
                      (guint) G_N_ELEMENTS (names), checked);
      g_assert_cmpuint (checked, >=, 10);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/train-conv/fmnist-convnet", "fmnist-convnet", test_runs);
  g_test_add_data_func ("/train-conv/conv1d-pool", "conv1d-pool", test_runs);
  g_test_add_data_func ("/train-conv/conv8-adaptive", "conv8-adaptive", test_runs);
  g_test_add_func ("/train-conv/export", test_export);
  return g_test_run ();
}
