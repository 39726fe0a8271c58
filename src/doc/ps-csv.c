/* ps-csv.c — see ps-csv.h. */
#include "ps-csv.h"
#include "ps-atomic-file.h"

#include <math.h>
#include <string.h>

static void
append_value (GString *s, const PsTensor *t, int64_t i)
{
  if (t->dtype == PS_DTYPE_INT64)
    {
      g_string_append_printf (s, "%" G_GINT64_FORMAT, ps_tensor_ci64 (t)[i]);
      return;
    }
  float v = ps_tensor_cf32 (t)[i];
  if (isnan (v))
    g_string_append (s, "nan");
  else if (isinf (v))
    g_string_append (s, v > 0 ? "inf" : "-inf");
  else
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", (double) v));
    }
}

char *
ps_csv_format (const PsTensor *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  GString *s = g_string_new (NULL);
  if (t->ndim == 2)
    {
      for (int64_t r = 0; r < t->shape[0]; r++)
        {
          for (int64_t c = 0; c < t->shape[1]; c++)
            {
              if (c > 0)
                g_string_append_c (s, ',');
              append_value (s, t, r * t->shape[1] + c);
            }
          g_string_append_c (s, '\n');
        }
    }
  else
    {
      g_autofree char *shape = ps_tensor_shape_string (t);
      g_string_append_printf (s, "# shape: %s\n", shape);
      for (int64_t i = 0; i < t->numel; i++)
        {
          append_value (s, t, i);
          g_string_append_c (s, '\n');
        }
    }
  return g_string_free (s, FALSE);
}

gboolean
ps_csv_write (const char *path, const PsTensor *t, GError **error)
{
  g_autofree char *text = ps_csv_format (t);
  return ps_atomic_file_set_contents (path, text, strlen (text), error);
}
