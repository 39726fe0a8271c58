/* ps-frame-list.c — see ps-frame-list.h. */
#include "ps-frame-list.h"
#include "ps-error.h"

#include <string.h>

/* one number or "last": 1..n */
static gboolean
parse_one (const char *s, guint n, const char *unit, guint *out, GError **error)
{
  if (g_ascii_strcasecmp (s, "last") == 0)
    {
      *out = n;
      return TRUE;
    }
  guint64 v = 0;
  if (*s == '\0' || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &v, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "'%s' is not a %s number (1 to %u, or last)", s,
                   unit, n);
      return FALSE;
    }
  if (v == 0 || v > n)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s %s does not exist (they are 1 to %u)", unit, s,
                   n);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

gboolean
ps_frame_list_parse (const char *text, guint n_available, guint max_frames, const char *unit, GArray *out,
                     GError **error)
{
  g_return_val_if_fail (text != NULL && unit != NULL && out != NULL, FALSE);
  if (n_available == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "there is no recorded %s to choose", unit);
      return FALSE;
    }
  g_autoptr (GArray) got = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (*p == '\0')
        {
          if (parts[i + 1] == NULL && i > 0)
            break;   /* a trailing comma */
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "an empty entry in the list of %ss", unit);
          return FALSE;
        }
      char *dash = strchr (p, '-');
      guint a, b;
      if (dash != NULL)
        {
          *dash = '\0';
          if (!parse_one (g_strstrip (p), n_available, unit, &a, error)
              || !parse_one (g_strstrip (dash + 1), n_available, unit, &b, error))
            return FALSE;
          if (a > b)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "the range %u-%u goes backwards", a, b);
              return FALSE;
            }
        }
      else
        {
          if (!parse_one (p, n_available, unit, &a, error))
            return FALSE;
          b = a;
        }
      if ((guint64) got->len + (b - a) + 1 > max_frames)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "more than %u frames on one sheet", max_frames);
          return FALSE;
        }
      for (guint k = a; k <= b; k++)
        {
          guint idx = k - 1;
          g_array_append_val (got, idx);
        }
    }
  if (got->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no %s given", unit);
      return FALSE;
    }
  g_array_append_vals (out, got->data, got->len);
  return TRUE;
}
