/* ps-embedding.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_embedding_class = { .name = "Embedding" };
