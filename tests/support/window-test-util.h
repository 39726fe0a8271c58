/* window-test-util.h — fixtures of the GUI tests (tests/app/test-window.c,
 * test-checkpoint-window.c, test-series-window.c, test-narrow-*.c, test-open-bad-recipes.c): one
 * application, a main window on a scenario, running the main loop until idle, until a job ended or
 * a resize settled, and the start of main() that reports the file as skipped without a display or
 * a session bus (TAP "1..0 # SKIP" and exit 0: meson counts SKIP, not OK). */
#pragma once

#include <adwaita.h>
#include "ps-application.h"
#include "ps-window.h"

static PsApplication *app;

/* Runs the main loop until nothing is pending. */
static inline void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A few frames more (a quarter of a second of the main loop, then until idle): after a resize
 * reached the window through the X server, its new size reaches every widget. */
static inline void
settle_frames (void)
{
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  iterate ();
}

/* Jobs (replay, new seed, loading) run in a worker: runs the main loop until the window's document
 * is idle again. */
static inline void
wait_job (PsWindow *w)
{
  PsDocument *doc = ps_window_get_document (w);
  while (ps_document_get_busy (doc))
    g_main_context_iteration (NULL, TRUE);
  iterate ();
}

/* A presented main window with `scenario` (a name of examples/) loaded. */
static inline PsWindow *
new_window (const char *scenario)
{
  PsWindow *w = ps_window_new (app);
  gtk_window_present (GTK_WINDOW (w));
  g_assert_true (ps_window_load_scenario (w, scenario));
  iterate ();
  return w;
}

/* g_test_init, then GTK, libadwaita and the application; FALSE (the skip printed) when there is no
 * display or no session bus: main then returns 0. Under protocol 'tap' meson counts the plan
 * "1..0 # SKIP" as SKIP only with exit status 0 (77 is ERROR there); tests/app/test-gui-skips.sh
 * checks every GUI test binary for it. */
static inline gboolean
window_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP %s\n", "no display: GUI tests run under xvfb-run (build-aux/test does that)");
      return FALSE;
    }
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      /* GtkApplication warns (fatally, in tests) without a session bus */
      g_print ("1..0 # SKIP %s\n", "no session bus: GUI tests run under dbus-run-session (build-aux/test does that)");
      return FALSE;
    }
  adw_init ();
  app = ps_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  return TRUE;
}

static inline int
window_test_run (void)
{
  int ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
