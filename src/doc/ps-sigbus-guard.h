/* ps-sigbus-guard.h — reading a memory-mapped file that may shrink meanwhile.
 *
 * A training script that overwrites a checkpoint (torch.save opens the file with O_TRUNC) makes
 * every page past the new end of a mapping raise SIGBUS when touched. Work on mapped bytes runs
 * inside ps_sigbus_guard_run: a SIGBUS raised in that thread while it runs returns control to the
 * guard, which reports it as an error instead of ending the process. A SIGBUS anywhere else goes
 * to the handler that was installed before (or the default action), as without the guard. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*PsSigbusGuarded) (gpointer data, GError **error);

/* Runs fn(data, error). A SIGBUS during it: FALSE with PS_ERROR_IO "`what` changed while it was
 * read (it is shorter than when it was opened)". fn must not leave locks held or memory it owns
 * unreachable across the point of failure (the guard jumps out of it). */
gboolean ps_sigbus_guard_run (PsSigbusGuarded fn, gpointer data, const char *what, GError **error);

G_END_DECLS
