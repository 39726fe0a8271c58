/* ps-activation.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_relu_class = { .name = "ReLU" };
const PsModuleClass ps_leaky_relu_class = { .name = "LeakyReLU" };
const PsModuleClass ps_prelu_class = { .name = "PReLU" };
const PsModuleClass ps_gelu_class = { .name = "GELU" };
const PsModuleClass ps_tanh_class = { .name = "Tanh" };
const PsModuleClass ps_sigmoid_class = { .name = "Sigmoid" };
const PsModuleClass ps_silu_class = { .name = "SiLU" };
const PsModuleClass ps_softmax_class = { .name = "Softmax" };
const PsModuleClass ps_identity_class = { .name = "Identity" };
const PsModuleClass ps_flatten_class = { .name = "Flatten" };
