/* ps-export-pytorch.c — placeholder; to be implemented. */
#include <glib.h>
