/* ps-npy.c — placeholder; to be implemented. */
#include <glib.h>
