/* libFuzzer harness: the safetensors parser on a buffer in memory, then every tensor decoded. */
#include "ps-safetensors.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_new_from_bytes (bytes, &error);
  if (st == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_autofree const char **keys = ps_safetensors_get_metadata_keys (st);
  for (guint i = 0; i < ps_safetensors_get_n_tensors (st); i++)
    {
      const PsSafetensorsInfo *info = ps_safetensors_get_info (st, i);
      g_assert (info->offset + info->nbytes <= size);
      g_autoptr (PsTensor) t = ps_safetensors_load (st, info->name, &error);
      g_assert ((t == NULL) == (error != NULL));
      g_clear_error (&error);
    }
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) tensors = NULL;
  if (!ps_safetensors_load_all (st, &names, &tensors, &error))
    g_assert (error != NULL);
  return 0;
}
