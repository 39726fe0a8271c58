/* ps-stall-watchdog.h — measures the main loop from inside the app (for the monkey test). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void ps_stall_watchdog_install_from_env (void);

G_END_DECLS
