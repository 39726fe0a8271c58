/* ps-norm.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_layer_norm_class = { .name = "LayerNorm" };
const PsModuleClass ps_group_norm_class = { .name = "GroupNorm" };
const PsModuleClass ps_batch_norm1d_class = { .name = "BatchNorm1d" };
const PsModuleClass ps_batch_norm2d_class = { .name = "BatchNorm2d" };
