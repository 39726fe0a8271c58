/* libFuzzer harness: the .npy parser on a buffer in memory. */
#include "ps-npy.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  PsNpyHeader h;
  g_autoptr (PsTensor) t = ps_npy_load_from_data (data, size, &h, &error);
  g_assert ((t == NULL) == (error != NULL));
  if (t != NULL)
    {
      g_assert (h.data_offset + h.data_nbytes == size);
      /* Whatever we read, we write back and read again identically. */
      g_autoptr (GBytes) b = ps_npy_serialize (t, &error);
      g_assert (b != NULL);
      g_autoptr (PsTensor) t2 = ps_npy_load_from_data (g_bytes_get_data (b, NULL), g_bytes_get_size (b),
                                                       NULL, &error);
      g_assert (t2 != NULL && ps_tensor_equal (t, t2));
    }
  return 0;
}
