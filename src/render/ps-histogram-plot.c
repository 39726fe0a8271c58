/* ps-histogram-plot.c — placeholder; to be implemented. */
#include <glib.h>
