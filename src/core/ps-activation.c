/* ps-activation.c — placeholder; to be implemented. */
#include "ps-tensor.h"
