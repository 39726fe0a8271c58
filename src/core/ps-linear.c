/* ps-linear.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_linear_class = { .name = "Linear" };
const PsModuleClass ps_lazy_linear_class = { .name = "LazyLinear" };
