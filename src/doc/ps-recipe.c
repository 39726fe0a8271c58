/* ps-recipe.c — placeholder; to be implemented. */
#include <glib.h>
