/* ps-ridgeline.c — placeholder; to be implemented. */
#include <glib.h>
