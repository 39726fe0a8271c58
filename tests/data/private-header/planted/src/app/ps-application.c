/* A planted violation for check-private-header.sh: the application reaching into the main window. */
#include "ps-window-private.h"
