#include "ps-config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ps-application.h"
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
  return g_application_run (G_APPLICATION (app), argc, argv);
}
