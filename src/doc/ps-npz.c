/* ps-npz.c — placeholder; to be implemented. */
#include <glib.h>
