/* ps-figure-text.c — see the header. */
#include "ps-config.h"
#include "ps-figure-text.h"

#include <glib/gi18n.h>

#include "ps-count-text.h"
#include "ps-stats.h"

void
ps_figure_text (PsFigure *fig, const char *page_title, const char *what, const char *context, char **label,
                char **description)
{
  *label = g_strdup_printf (_("%s of %s"), page_title ? page_title : "", what ? what : ps_figure_get_title (fig));
  PsTensor *t = ps_figure_get_tensor (fig);
  g_autofree char *numbers = NULL;
  if (ps_figure_get_n_parts (fig) > 1 || t == NULL)
    /* several tensors (or a chart of numbers, no tensor): the figure's title says what they are */
    numbers = g_strdup (ps_figure_get_title (fig));
  else
    {
      PsStats st;
      ps_stats_compute (t, &st);
      g_autofree char *shape = ps_tensor_shape_string (t);
      g_autofree char *count = ps_count_text (st.count);
      numbers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "shape %s, %s value from %.4g to %.4g, mean %.4g, std %.4g",
                                              "shape %s, %s values from %.4g to %.4g, mean %.4g, std %.4g",
                                              (gulong) st.count), shape, count, st.min, st.max, st.mean, st.std);
    }
  *description = context ? g_strdup_printf ("%s: %s", context, numbers) : g_steal_pointer (&numbers);
}
