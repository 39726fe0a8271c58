/* ps-rnn.c — placeholder; to be implemented. */
#include "ps-tensor.h"
