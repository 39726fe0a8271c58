/* libFuzzer harness: a whole PyTorch file (zip, legacy, anything) through ps_torch_file_open — the
 * strict zip reader (ps-zip-archive.c), the legacy five-pickle layout, the unpickler and the
 * object walk — then every tensor decoded. The first byte chooses strict or open-anyway mode. */
#include <sys/mman.h>
#include <unistd.h>
#include "ps-tensor.h"
#include "ps-torch-file.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static int fd = -1;
  static char path[64];
  if (fd < 0)
    {
      ps_tensor_set_max_bytes ((guint64) 64 << 20);
      fd = memfd_create ("fuzz-torch", 0);
      g_assert (fd >= 0);
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
    }
  if (size < 1)
    return 0;
  PsTorchOpenFlags flags = (data[0] & 1) ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT;
  g_assert (ftruncate (fd, 0) == 0);
  g_assert (pwrite (fd, data + 1, size - 1, 0) == (ssize_t) (size - 1));
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTorchFile) tf = ps_torch_file_open (path, flags, &error);
  if (tf == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  for (guint i = 0; i < ps_torch_file_get_n_tensors (tf); i++)
    {
      g_autoptr (PsTensor) t = ps_torch_file_load (tf, ps_torch_file_get_info (tf, i)->name, &error);
      g_assert ((t == NULL) == (error != NULL));
      g_clear_error (&error);
    }
  g_autofree const char **keys = ps_torch_file_get_metadata_keys (tf);
  for (guint k = 0; keys[k]; k++)
    g_assert (ps_torch_file_get_metadata (tf, keys[k]) != NULL);
  return 0;
}
