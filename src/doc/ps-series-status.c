/* ps-series-status.c — see ps-series-status.h. */
#include "ps-config.h"
#include "ps-series-status.h"

#include <glib/gi18n.h>

static void
add (GString *st, const char *part)
{
  g_string_append_printf (st, "%s%s", st->len ? " · " : "", part);
}

char *
ps_series_status_text (const PsSeriesActivity *a)
{
  GString *st = g_string_new (NULL);
  if (a->watching)
    add (st, _("Watching the folder"));
  if (a->n_pending)
    {
      g_autofree char *pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file not complete yet",
                                                               "%u files not complete yet", a->n_pending),
                                                  a->n_pending);
      add (st, pending);
    }
  if (a->computing_norms && a->norms_total > 0)
    {
      g_autofree char *norms = g_strdup_printf (_("computing norms… %u %%"),
                                                (guint) ((guint64) a->norms_done * 100 / a->norms_total));
      add (st, norms);
    }
  else if (a->computing_norms)
    add (st, _("computing norms…"));
  if (a->comparing)
    add (st, _("comparing…"));
  if (a->reading)
    add (st, _("reading…"));
  return g_string_free (st, FALSE);
}
