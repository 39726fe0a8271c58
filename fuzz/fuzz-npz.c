/* libFuzzer harness: the .npz reader (libzip on a buffer in memory), every member decoded. */
#include "ps-npz.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsNpz) npz = ps_npz_new_from_bytes (bytes, &error);
  if (npz == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  for (guint i = 0; i < ps_npz_get_n_arrays (npz); i++)
    {
      g_autoptr (PsTensor) t = ps_npz_load (npz, ps_npz_get_info (npz, i)->name, &error);
      g_assert ((t == NULL) == (error != NULL));
      g_clear_error (&error);
    }
  return 0;
}
