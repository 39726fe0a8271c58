/* ps-dropout.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_dropout_class = { .name = "Dropout" };
