/* ps-csv.c — see ps-csv.h. */
#include <errno.h>
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

/* ---------- reading a data table ---------- */

static gboolean
is_integer (const char *s)
{
  if (*s == '+' || *s == '-')
    s++;
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

gboolean
ps_csv_read_xy (GBytes *bytes, const char *name, const char *const *x_cols, const char *y_col, PsTensor **x,
                PsTensor **y, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, (gssize) len, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not a text file", name);
      return FALSE;
    }
  g_autofree char *text = g_strndup (data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto (GStrv) header = NULL;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *l = lines[i];
      gsize n = strlen (l);
      if (n > 0 && l[n - 1] == '\r')
        l[n - 1] = '\0';
      if (g_strstrip (l)[0] == '\0')
        continue;
      if (strchr (l, '"') != NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: line %u: quoted fields are not supported", name, i + 1);
          return FALSE;
        }
      char **f = g_strsplit (l, ",", -1);
      for (guint k = 0; f[k]; k++)
        g_strstrip (f[k]);
      if (header == NULL)
        header = f;
      else
        {
          if (g_strv_length (f) != g_strv_length (header))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: line %u has %u fields, the header %u", name, i + 1,
                           g_strv_length (f), g_strv_length (header));
              g_strfreev (f);
              return FALSE;
            }
          g_ptr_array_add (rows, f);
        }
    }
  if (header == NULL || rows->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: needs a header line and at least one row", name);
      return FALSE;
    }
  guint nc = g_strv_length (header);
  int yi = -1;
  for (guint k = 0; k < nc; k++)
    if (strcmp (header[k], y_col) == 0)
      yi = (int) k;
  if (yi < 0)
    {
      g_autofree char *cols = g_strjoinv ("', '", header);
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s has no column '%s' (it has '%s')", name, y_col, cols);
      return FALSE;
    }
  g_autoptr (GArray) xi = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint k = 0; x_cols == NULL && k < nc; k++)
    if ((int) k != yi)
      g_array_append_val (xi, k);
  for (guint j = 0; x_cols != NULL && x_cols[j] != NULL; j++)
    {
      guint k = 0;
      while (k < nc && strcmp (header[k], x_cols[j]) != 0)
        k++;
      if (k == nc)
        {
          g_autofree char *cols = g_strjoinv ("', '", header);
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s has no column '%s' (it has '%s')", name, x_cols[j], cols);
          return FALSE;
        }
      g_array_append_val (xi, k);
    }
  if (xi->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: no input columns", name);
      return FALSE;
    }
  gboolean y_int = TRUE;
  for (guint r = 0; r < rows->len && y_int; r++)
    y_int = is_integer (((char **) rows->pdata[r])[yi]);
  g_autoptr (PsTensor) tx = ps_tensor_new_2d (PS_DTYPE_FLOAT32, rows->len, xi->len, error);
  if (tx == NULL)
    return FALSE;
  g_autoptr (PsTensor) ty = ps_tensor_new_1d (y_int ? PS_DTYPE_INT64 : PS_DTYPE_FLOAT32, rows->len, error);
  if (ty == NULL)
    return FALSE;
  for (guint r = 0; r < rows->len; r++)
    {
      char **f = rows->pdata[r];
      for (guint j = 0; j <= xi->len; j++)
        {
          guint k = j < xi->len ? g_array_index (xi, guint, j) : (guint) yi;
          const char *v = f[k];
          if (j == xi->len && y_int)
            {
              errno = 0;
              ps_tensor_i64 (ty)[r] = g_ascii_strtoll (v, NULL, 10);
              if (errno == ERANGE)
                {
                  g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "%s: '%s' (column '%s') is out of int64 range",
                               name, v, header[k]);
                  return FALSE;
                }
              continue;
            }
          char *end = NULL;
          double d = g_ascii_strtod (v, &end);
          if (v[0] == '\0' || end == NULL || *end != '\0')
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: row %u: '%s' (column '%s') is not a number", name,
                           r + 1, v, header[k]);
              return FALSE;
            }
          if (j < xi->len)
            ps_tensor_f32 (tx)[(gsize) r * xi->len + j] = (float) d;
          else
            ps_tensor_f32 (ty)[r] = (float) d;
        }
    }
  *x = g_steal_pointer (&tx);
  *y = g_steal_pointer (&ty);
  return TRUE;
}

void
ps_csv_append_field (GString *out, const char *f)
{
  if (strpbrk (f, ",\"\r\n") == NULL)
    {
      g_string_append (out, f);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = f; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
ps_csv_append_number (GString *out, const char *format, double v)
{
  if (isnan (v))
    return;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, v));
}
