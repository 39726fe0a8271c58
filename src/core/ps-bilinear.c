/* ps-bilinear.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_bilinear_class = { .name = "Bilinear" };
