/* ps-count-text.c — counts with thousands separators (see the header). */
#include "ps-count-text.h"

#include <locale.h>
#include <string.h>

char *
ps_count_text (gint64 n)
{
  const struct lconv *lc = localeconv ();
  const char *sep = lc != NULL && lc->thousands_sep != NULL && *lc->thousands_sep ? lc->thousands_sep : ",";
  char digits[32];
  /* the magnitude as unsigned: -G_MAXINT64 - 1 has no positive int64 */
  guint64 mag = n < 0 ? (guint64) 0 - (guint64) n : (guint64) n;
  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, mag);
  gsize len = strlen (digits);
  GString *s = g_string_new (n < 0 ? "-" : "");
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (s, sep);
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}
