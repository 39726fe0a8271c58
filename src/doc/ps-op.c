/* ps-op.c — placeholder; to be implemented. */
#include <glib.h>
