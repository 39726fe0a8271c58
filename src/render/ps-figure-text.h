/* ps-figure-text.h — what a figure page says to assistive technologies (a figure page is an
 * image): its name says what it shows ("Heatmap of 0.weight"), its description the numbers a
 * sighted user reads off it ("Step 3: shape [4, 3], 12 values from … to …, mean …, std …"), or
 * for several tensors or a chart of numbers the figure's own title. */
#pragma once

#include "ps-figure.h"

G_BEGIN_DECLS

/* `page_title` the page's name ("Heatmap"; NULL: none), `what` the figure's (NULL: its title),
 * `context` (may be NULL) what the numbers are of ("Step 3"). */
void ps_figure_text (PsFigure *fig, const char *page_title, const char *what, const char *context, char **label,
                     char **description);

G_END_DECLS
