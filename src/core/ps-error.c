#include "ps-error.h"

G_DEFINE_QUARK (paramscope-error-quark, ps_error)
