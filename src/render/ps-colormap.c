/* ps-colormap.c — placeholder; to be implemented. */
#include <glib.h>
