/* ps-safetensors.c — placeholder; to be implemented. */
#include <glib.h>
