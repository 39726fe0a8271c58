/* ps-series-labels.c — see the header. */
#include "ps-config.h"
#include "ps-series-labels.h"

#include <glib/gi18n.h>

#include "ps-series-picture.h"

GStrv
ps_series_labels_compare_items (PsCheckpointSeries *series, guint n)
{
  GStrvBuilder *b = g_strv_builder_new ();
  g_strv_builder_add (b, _("previous checkpoint"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sn = ps_series_step_name (series, i);
      g_autofree char *item = g_strdup_printf ("%s · %s", sn, ps_checkpoint_series_get_label (series, i));
      g_strv_builder_add (b, item);
    }
  GStrv items = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return items;
}

char *
ps_series_labels_step_text (PsCheckpointSeries *series, guint i, guint n)
{
  if (n == 0)
    return g_strdup ("");
  g_autofree char *sn = ps_series_step_name (series, i);
  return g_strdup_printf (_("%s · %s (%u of %u)"), sn, ps_checkpoint_series_get_label (series, i), i + 1, n);
}

char *
ps_series_labels_no_tensor (const char *name)
{
  return name ? g_strdup_printf (_("%s is not a tensor of this series"), name)
              : g_strdup (_("Select a tensor to see it over the checkpoints"));
}

char *
ps_series_labels_norms_pending (const char *error)
{
  return error ? g_strdup_printf (_("No norms: %s"), error) : g_strdup (_("Computing the norms of every checkpoint…"));
}
