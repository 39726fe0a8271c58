#include "ps-config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "ps-application.h"
#include "ps-ops.h"
#include "ps-stall-watchdog.h"
#include "ps-tensor.h"

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, PS_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ps_stall_watchdog_install_from_env ();
  g_autoptr (GError) budget_error = NULL;
  if (!ps_tensor_budget_from_env (&budget_error))
    {
      g_printerr ("paramscope: %s\n", budget_error->message);
      return 2;
    }
  g_autoptr (PsApplication) app = ps_application_new ();
  /* One instance per session: a second launch (or Files opening a recipe) hands its files to the
   * running one over D-Bus and exits; the windows' actions are exported there too. In-process test
   * applications stay non-unique (ps_application_new). */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN);
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  if (ps_ops_blas_stuck ())
    {
      /* OpenBLAS could not map its work buffer (ps_ops_blas_ready): its exit handler would join a
       * worker that retries that allocation forever, so quitting would hang. Leave without it. */
      fflush (NULL);
      _exit (status);
    }
  return status;
}
