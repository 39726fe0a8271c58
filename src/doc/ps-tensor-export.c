/* ps-tensor-export.c — see the header. */
#include "ps-config.h"
#include "ps-tensor-export.h"

#include <glib/gi18n.h>

#include "ps-csv.h"
#include "ps-error.h"
#include "ps-npy.h"

gboolean
ps_tensor_export (const PsTensor *t, const char *path, GError **error)
{
  if (t == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, _("Select a parameter, buffer or output with values to export them"));
      return FALSE;
    }
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".csv"))
    return ps_csv_write (path, t, error);
  if (g_str_has_suffix (lower, ".npy"))
    return ps_npy_write (path, t, error);
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Choose a file name ending in .npy or .csv"));
  return FALSE;
}
