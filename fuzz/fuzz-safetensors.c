/* libFuzzer harness: the safetensors parser on a buffer in memory, then every tensor decoded.
 *
 * Each input is tried twice: as a whole file, and as "header text + data" with the 8-byte length
 * prefix computed here (the header ends after the last '}' of the first 64 KiB), so that mutated
 * headers keep a consistent length and reach the JSON and layout rules. */
#include <string.h>
#include "ps-safetensors.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
parse (const guint8 *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_new_from_bytes (bytes, &error);
  if (st == NULL)
    {
      g_assert (error != NULL);
      return;
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
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  parse (data, size);

  size_t n = 0;
  for (size_t i = 0; i < MIN (size, (size_t) 65536); i++)
    if (data[i] == '}')
      n = i + 1;
  if (n > 0)
    {
      /* An exact-size heap copy, so ASan sees any read past the end. */
      guint8 *buf = g_malloc (size + 8);
      guint64 le = GUINT64_TO_LE ((guint64) n);
      memcpy (buf, &le, 8);
      memcpy (buf + 8, data, size);
      parse (buf, size + 8);
      g_free (buf);
    }
  return 0;
}
