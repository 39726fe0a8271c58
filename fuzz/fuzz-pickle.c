/* libFuzzer harness: the restricted unpickler. The input is a data.pkl: it is parsed on its own
 * (zip and legacy storage ids, prefix mode), then wrapped into a well-formed torch.save archive with
 * four 64-byte storages "0".."3" (Float/Double/Half/Long would all fit) so the object walk, the
 * storage checks and the strided decoder run on whatever the pickle builds. The first byte chooses
 * the mode. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include "ps-pickle.h"
#include "ps-tensor.h"
#include "ps-torch-file.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
put16 (GByteArray *b, guint v)
{
  guint8 x[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (b, x, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, x, 4);
}

/* A stored zip of (name, bytes) records. */
static GByteArray *
make_zip (guint n, const char *const *names, const guint8 *const *datas, const gsize *lens)
{
  GByteArray *out = g_byte_array_new (), *cd = g_byte_array_new ();
  for (guint i = 0; i < n; i++)
    {
      guint32 off = out->len, crc = (guint32) crc32 (0, datas[i], (uInt) lens[i]);
      gsize nl = strlen (names[i]);
      put32 (out, 0x04034b50); put16 (out, 20); put16 (out, 0); put16 (out, 0); put16 (out, 0); put16 (out, 0);
      put32 (out, crc); put32 (out, (guint32) lens[i]); put32 (out, (guint32) lens[i]); put16 (out, (guint) nl);
      put16 (out, 0);
      g_byte_array_append (out, (const guint8 *) names[i], (guint) nl);
      g_byte_array_append (out, datas[i], (guint) lens[i]);
      put32 (cd, 0x02014b50); put16 (cd, 20); put16 (cd, 20); put16 (cd, 0); put16 (cd, 0); put16 (cd, 0);
      put16 (cd, 0); put32 (cd, crc); put32 (cd, (guint32) lens[i]); put32 (cd, (guint32) lens[i]);
      put16 (cd, (guint) nl); put16 (cd, 0); put16 (cd, 0); put16 (cd, 0); put16 (cd, 0); put32 (cd, 0);
      put32 (cd, off);
      g_byte_array_append (cd, (const guint8 *) names[i], (guint) nl);
    }
  guint32 cd_off = out->len, cd_len = cd->len;
  g_byte_array_append (out, cd->data, cd->len);
  g_byte_array_unref (cd);
  put32 (out, 0x06054b50); put16 (out, 0); put16 (out, 0); put16 (out, n); put16 (out, n);
  put32 (out, cd_len); put32 (out, cd_off); put16 (out, 0);
  return out;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static int fd = -1;
  static char path[64];
  static guint8 storage[64];
  if (fd < 0)
    {
      ps_tensor_set_max_bytes ((guint64) 64 << 20);
      fd = memfd_create ("fuzz-pickle", 0);
      g_assert (fd >= 0);
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      for (guint k = 0; k < sizeof storage; k++)
        storage[k] = (guint8) (k * 37 + 11);
    }
  if (size < 1)
    return 0;
  guint8 mode = data[0];
  data++;
  size--;
  g_autoptr (GError) error = NULL;
  PsPickleFlags pf = ((mode & 1) ? PS_PICKLE_OPEN_ANYWAY : 0) | ((mode & 2) ? PS_PICKLE_LEGACY | PS_PICKLE_PREFIX : 0);
  gsize used = 0;
  g_autoptr (PsPickle) p = ps_pickle_parse (data, size, pf, "fuzz", &used, &error);
  g_assert ((p == NULL) == (error != NULL));
  if (p != NULL)
    g_assert (used <= size && ps_pickle_get_root (p) != NULL);
  g_clear_error (&error);

  const char *names[] = { "archive/data.pkl", "archive/data/0", "archive/data/1", "archive/data/2", "archive/data/3",
                          "archive/version" };
  const guint8 *datas[] = { data, storage, storage, storage, storage, (const guint8 *) "3\n" };
  gsize lens[] = { size, 64, 32, 16, 8, 2 };
  g_autoptr (GByteArray) zip = make_zip (6, names, datas, lens);
  g_assert (ftruncate (fd, 0) == 0);
  g_assert (pwrite (fd, zip->data, zip->len, 0) == (ssize_t) zip->len);
  g_autoptr (PsTorchFile) tf = ps_torch_file_open (path, (mode & 1) ? PS_TORCH_OPEN_ANYWAY : PS_TORCH_OPEN_STRICT, &error);
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
  return 0;
}
