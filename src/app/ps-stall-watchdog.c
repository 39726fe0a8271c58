/* ps-stall-watchdog.c — see ps-stall-watchdog.h.
 *
 * With PS_STALL_WATCHDOG=<ms> in the environment the app runs a high-priority timeout every 50 ms
 * and measures the gap between its dispatches: a draw, a layout or a handler that blocks the main
 * loop for longer than <ms> is logged as a g_warning with the gap, so a test that fails on any
 * warning fails on a freeze, measured where it happens rather than from the test's wall clock.
 *
 * Load-compensated (ps-stall-measure in src/doc: a busy machine delays the main loop without the
 * app doing anything; sleep while its threads or the X server — PS_STALL_WATCHDOG_PEERS=pid,pid,
 * the monkey passes its Xvfb and window manager — waited for a CPU does not count either).
 * At exit (SIGTERM quits the app cleanly) the longest gap seen is printed, for the campaign
 * figures. With PS_CRASH_STACK=1 as well, a crash prints its stack, and so does every warning or
 * critical (after the message): a GTK critical seen once in a loaded CI run (no stack, no replay
 * reproducing it) says where it came from next time. Off (no source, no signal handler, GLib's
 * own log writer) otherwise. */
#include "ps-stall-watchdog.h"
#include "ps-stall-measure.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define TICK_MS 50
#define DEFAULT_LIMIT_MS 1000   /* PS_STALL_WATCHDOG set but not a positive number */

static gint64 last_tick;
static gint64 limit_us;
static gint64 longest_us;
static gboolean armed;
static GArray *peers;          /* pid_t of processes whose CPU waits excuse the main loop's sleep */

static PsStallSample last;

static gboolean
tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  PsStallSample s = ps_stall_sample ((const int *) peers->data, peers->len);
  PsStallGap g = ps_stall_gap (&last, &s, now - last_tick, TICK_MS * 1000);
  last_tick = now;
  last = s;
  if (!armed)
    {
      /* the first tick comes after start-up (the demo's replay), which is not a response to input */
      armed = TRUE;
      return G_SOURCE_CONTINUE;
    }
  if (g.gap_us > longest_us)
    longest_us = g.gap_us;
  if (g.gap_us > limit_us)
    g_warning ("main loop stalled for %" G_GINT64_FORMAT " ms (limit %" G_GINT64_FORMAT " ms; "
               "%" G_GINT64_FORMAT " ms waiting for a CPU and %" G_GINT64_FORMAT " ms asleep while its "
               "threads or the X server waited for one not counted)",
               g.gap_us / 1000, limit_us / 1000, g.waited_us / 1000, g.excused_us / 1000);
  return G_SOURCE_CONTINUE;
}

static void
report (void)
{
  g_printerr ("ps-stall-watchdog: longest main-loop stall %" G_GINT64_FORMAT " ms\n", longest_us / 1000);
}

static gboolean
on_sigterm (gpointer data)
{
  /* a test ends the app with SIGTERM: quit through the main loop so the report above is printed
   * and the app's shutdown path runs too */
  GApplication *app = g_application_get_default ();
  if (app != NULL)
    g_application_quit (app);
  else
    exit (0);
  return G_SOURCE_REMOVE;
}

/* A crash under test input: print the stack (addresses and exported names are enough to find
 * the library and function) before dying with the same signal, so a campaign log shows where. */
static void
on_crash (int sig)
{
  void *frames[64];
  int n = backtrace (frames, G_N_ELEMENTS (frames));
  static const char head[] = "ps-stall-watchdog: fatal signal, stack:\n";
  if (write (STDERR_FILENO, head, sizeof head - 1) < 0)
    _exit (128 + sig);
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
  signal (sig, SIG_DFL);
  raise (sig);
}

/* GLib's writer, then — for a warning or a critical — the stack that logged it (before GLib aborts
 * on a fatal one). */
static GLogWriterOutput
write_with_stack (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, data);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      void *frames[64];
      int n = backtrace (frames, G_N_ELEMENTS (frames));
      static const char head[] = "ps-stall-watchdog: stack of the message above:\n";
      if (write (STDERR_FILENO, head, sizeof head - 1) > 0)
        backtrace_symbols_fd (frames, n, STDERR_FILENO);
    }
  return out;
}

void
ps_stall_watchdog_install_from_env (void)
{
  const char *env = g_getenv ("PS_STALL_WATCHDOG");
  if (env == NULL || *env == '\0')
    return;
  gint64 ms = g_ascii_strtoll (env, NULL, 10);
  limit_us = (ms > 0 ? ms : DEFAULT_LIMIT_MS) * 1000;
  g_auto (GStrv) pids = g_strsplit (g_getenv ("PS_STALL_WATCHDOG_PEERS") ? g_getenv ("PS_STALL_WATCHDOG_PEERS") : "", ",", -1);
  peers = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; pids[i] != NULL; i++)
    {
      int pid = (int) g_ascii_strtoll (pids[i], NULL, 10);
      if (pid > 0)
        g_array_append_val (peers, pid);
    }
  last_tick = g_get_monotonic_time ();
  last = ps_stall_sample ((const int *) peers->data, peers->len);
  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, tick, NULL, NULL);
  g_unix_signal_add (SIGTERM, on_sigterm, NULL);
  if (g_strcmp0 (g_getenv ("PS_CRASH_STACK"), "1") == 0)   /* not under ASan: it reports better */
    {
      backtrace (&(void *) { NULL }, 1);   /* loads libgcc's unwinder now, not in the handler */
      signal (SIGSEGV, on_crash);
      signal (SIGBUS, on_crash);
      signal (SIGABRT, on_crash);
      signal (SIGTRAP, on_crash);   /* G_DEBUG=fatal-criticals: the stack of the first critical */
      g_log_set_writer_func (write_with_stack, NULL, NULL);
    }
  atexit (report);
}
