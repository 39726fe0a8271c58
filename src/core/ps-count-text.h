/* ps-count-text.h — a count as people read it: 12,345,678 with the locale's thousands separator
 * ("12.345.678" in German), "," where the locale has none (C), as the plots write counts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A newly allocated string: n with its digits grouped by three. */
char *ps_count_text (gint64 n);

G_END_DECLS
