/* ps-export.c — placeholder; to be implemented. */
#include <glib.h>
