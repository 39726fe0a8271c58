/* ps-module-registry.c — placeholder; to be implemented. */
#include "ps-tensor.h"
