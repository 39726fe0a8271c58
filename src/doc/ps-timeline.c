/* ps-timeline.c — placeholder; to be implemented. */
#include <glib.h>
