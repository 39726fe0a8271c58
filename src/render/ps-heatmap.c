/* ps-heatmap.c — placeholder; to be implemented. */
#include <glib.h>
