/* ps-conv.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_conv1d_class = { .name = "Conv1d" };
const PsModuleClass ps_conv2d_class = { .name = "Conv2d" };
const PsModuleClass ps_conv3d_class = { .name = "Conv3d" };
const PsModuleClass ps_conv_transpose1d_class = { .name = "ConvTranspose1d" };
const PsModuleClass ps_conv_transpose2d_class = { .name = "ConvTranspose2d" };
const PsModuleClass ps_conv_transpose3d_class = { .name = "ConvTranspose3d" };
const PsModuleClass ps_lazy_conv2d_class = { .name = "LazyConv2d" };
