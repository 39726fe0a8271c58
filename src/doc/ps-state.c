/* ps-state.c — placeholder; to be implemented. */
#include <glib.h>
