/* ps-sigbus-guard.c — see ps-sigbus-guard.h. */
#include "ps-sigbus-guard.h"
#include "ps-error.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static __thread sigjmp_buf *guard_jump;
static struct sigaction previous;

static void
on_sigbus (int sig, siginfo_t *info, void *context)
{
  sigjmp_buf *jump = guard_jump;
  if (jump != NULL)
    {
      guard_jump = NULL;
      siglongjmp (*jump, 1);
    }
  /* not ours: whatever was there before */
  if (previous.sa_flags & SA_SIGINFO)
    {
      if (previous.sa_sigaction != NULL)
        {
          previous.sa_sigaction (sig, info, context);
          return;
        }
    }
  else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)
    {
      previous.sa_handler (sig);
      return;
    }
  signal (SIGBUS, SIG_DFL);
  raise (SIGBUS);
}

static gpointer
install (gpointer unused)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGBUS, &sa, &previous);
  return NULL;
}

gboolean
ps_sigbus_guard_run (PsSigbusGuarded fn, gpointer data, const char *what, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, install, NULL);
  sigjmp_buf jump;
  /* volatile: read after a jump back */
  GError *volatile local = NULL;
  volatile gboolean ok = FALSE;
  if (sigsetjmp (jump, 1) == 0)
    {
      GError *e = NULL;
      guard_jump = &jump;
      ok = fn (data, &e);
      guard_jump = NULL;
      local = e;
    }
  else
    {
      guard_jump = NULL;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s changed while it was read (it is shorter than when it was opened)",
                   what);
      return FALSE;
    }
  if (!ok)
    g_propagate_error (error, local);
  return ok;
}
