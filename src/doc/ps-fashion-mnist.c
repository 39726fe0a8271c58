/* ps-fashion-mnist.c — see ps-fashion-mnist.h. The idx format: big-endian magic (0x803 images,
 * 0x801 labels), counts and dimensions, then uint8 data; the package ships them gzipped. */
#include "ps-fashion-mnist.h"

#include <gio/gio.h>
#include <string.h>

static const char *
ps_fashion_mnist_dir (void)
{
  const char *d = g_getenv ("PS_FASHION_MNIST_DIR");
  return d && *d ? d : PS_FASHION_MNIST_DIR;
}

static GBytes *
read_gz (const char *path, GError **error)
{
  g_autoptr (GFile) f = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (f, NULL, error);
  if (in == NULL)
    return NULL;
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) s = g_converter_input_stream_new (G_INPUT_STREAM (in), G_CONVERTER (z));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (out, s, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

PsDataset *
ps_fashion_mnist_load (const char *split, int64_t limit, GError **error)
{
  if (g_strcmp0 (split, "train") != 0 && g_strcmp0 (split, "test") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "fashion_mnist: split must be \"train\" or \"test\", got \"%s\"",
                   split ? split : "");
      return NULL;
    }
  const char *dir = ps_fashion_mnist_dir ();
  const char *stem = g_str_equal (split, "train") ? "train" : "t10k";
  g_autofree char *ipath = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", dir, stem);
  g_autofree char *lpath = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", dir, stem);
  if (!g_file_test (ipath, G_FILE_TEST_EXISTS) || !g_file_test (lpath, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND,
                   "Fashion-MNIST is not installed: %s is missing (install the Debian package dataset-fashion-mnist)", ipath);
      return NULL;
    }
  g_autoptr (GBytes) ib = read_gz (ipath, error);
  g_autoptr (GBytes) lb = ib ? read_gz (lpath, error) : NULL;
  if (lb == NULL)
    {
      g_prefix_error (error, "fashion_mnist: ");
      return NULL;
    }
  gsize in_, ln;
  const guint8 *id = g_bytes_get_data (ib, &in_), *ld = g_bytes_get_data (lb, &ln);
  if (in_ < 16 || ln < 8 || be32 (id) != 0x803 || be32 (ld) != 0x801 || be32 (id + 8) != 28 || be32 (id + 12) != 28
      || be32 (id + 4) != be32 (ld + 4) || (guint64) in_ != 16 + (guint64) be32 (id + 4) * 784
      || (guint64) ln != 8 + (guint64) be32 (ld + 4))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "fashion_mnist: %s or its labels are not a valid idx file", ipath);
      return NULL;
    }
  int64_t n = be32 (id + 4);
  if (limit > 0 && limit < n)
    n = limit;
  int64_t xs[4] = { n, 1, 28, 28 };
  g_autoptr (PsTensor) x = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 4, xs, error);
  g_autoptr (PsTensor) y = x ? ps_tensor_new_1d (PS_DTYPE_INT64, n, error) : NULL;
  if (y == NULL)
    return NULL;
  float *X = ps_tensor_f32 (x);
  for (int64_t i = 0; i < n * 784; i++)
    X[i] = (float) id[16 + i] / 255.0f;   /* .float() / 255 */
  for (int64_t i = 0; i < n; i++)
    ps_tensor_i64 (y)[i] = ld[8 + i];
  return ps_dataset_new (x, y, error);
}
