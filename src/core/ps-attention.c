/* ps-attention.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_multihead_attention_class = { .name = "MultiheadAttention" };
