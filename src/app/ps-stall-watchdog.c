/* ps-stall-watchdog.c — see ps-stall-watchdog.h.
 *
 * With PS_STALL_WATCHDOG=<ms> in the environment the app runs a high-priority timeout every 50 ms
 * and measures the gap between its dispatches: a draw, a layout or a handler that blocks the main
 * loop for longer than <ms> is logged as a g_warning with the gap, so a test that fails on any
 * warning fails on a freeze, measured where it happens rather than from the test's wall clock.
 *
 * Load-compensated, from the kernel's per-thread schedstat (time on a CPU, time runnable but
 * waiting for one): a busy machine delays the main loop without the app doing anything. During a
 * gap the main thread was running (its own work: always counted), waiting for a CPU (not the app's:
 * subtracted) or sleeping. Sleeping past the tick means waiting for someone: the app's other threads
 * (a forward pass on the OpenMP threads), or a peer process it talks to synchronously, the X server
 * (PS_STALL_WATCHDOG_PEERS=pid,pid; the monkey passes its Xvfb and window manager). Sleep is
 * subtracted up to what those waited for a CPU in the same gap; the rest counts.
 * At exit (SIGTERM quits the app cleanly) the longest gap seen is printed, for the campaign
 * figures. Off (no source, no signal handler) otherwise. */
#include "ps-stall-watchdog.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define TICK_MS 50

static gint64 last_tick;
static gint64 limit_us;
static gint64 longest_us;
static gboolean armed;
static GArray *peers;          /* pid_t of processes whose CPU waits excuse the main loop's sleep */

typedef struct {
  gint64 cpu_us;               /* the main thread on a CPU */
  gint64 wait_us;              /* the main thread runnable, waiting for a CPU */
  gint64 others_wait_us;       /* the app's other threads and the peers, waiting for a CPU */
} Sched;

static Sched last;

/* "<on-cpu ns> <run-queue wait ns> <timeslices>"; FALSE if unreadable */
static gboolean
read_schedstat (const char *path, gint64 *cpu_us, gint64 *wait_us)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  char *end = NULL;
  guint64 cpu = g_ascii_strtoull (text, &end, 10);
  if (end == text)
    return FALSE;
  guint64 wait = g_ascii_strtoull (end, NULL, 10);
  *cpu_us = (gint64) (cpu / 1000);
  *wait_us = (gint64) (wait / 1000);
  return TRUE;
}

/* the run-queue wait of every thread of /proc/<dir>/task but `skip` (0: none) */
static gint64
tasks_wait_us (const char *dir, long skip)
{
  g_autofree char *task_dir = g_build_filename (dir, "task", NULL);
  g_autoptr (GDir) d = g_dir_open (task_dir, 0, NULL);
  gint64 sum = 0;
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (skip != 0 && g_ascii_strtoll (name, NULL, 10) == skip)
        continue;
      g_autofree char *path = g_build_filename (task_dir, name, "schedstat", NULL);
      gint64 cpu, wait;
      if (read_schedstat (path, &cpu, &wait))
        sum += wait;
    }
  return sum;
}

static Sched
sample (void)
{
  Sched s = { 0, 0, 0 };
  if (!read_schedstat ("/proc/thread-self/schedstat", &s.cpu_us, &s.wait_us))
    return (Sched) { -1, -1, -1 };
  s.others_wait_us = tasks_wait_us ("/proc/self", (long) gettid ());
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      g_autofree char *dir = g_strdup_printf ("/proc/%d", g_array_index (peers, int, i));
      s.others_wait_us += tasks_wait_us (dir, 0);
    }
  return s;
}

static gboolean
tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  Sched s = sample ();
  gint64 gap = now - last_tick - TICK_MS * 1000;
  gint64 waited = 0, excused = 0;
  if (s.cpu_us >= 0 && last.cpu_us >= 0)
    {
      waited = s.wait_us - last.wait_us;
      gint64 ran = s.cpu_us - last.cpu_us;
      gint64 slept = MAX (0, now - last_tick - ran - waited - TICK_MS * 1000);
      excused = MIN (slept, MAX (0, s.others_wait_us - last.others_wait_us));
      gap -= waited + excused;
    }
  last_tick = now;
  last = s;
  if (!armed)
    {
      /* the first tick comes after start-up (the demo's replay), which is not a response to input */
      armed = TRUE;
      return G_SOURCE_CONTINUE;
    }
  if (gap > longest_us)
    longest_us = gap;
  if (gap > limit_us)
    g_warning ("main loop stalled for %" G_GINT64_FORMAT " ms (limit %" G_GINT64_FORMAT " ms; "
               "%" G_GINT64_FORMAT " ms waiting for a CPU and %" G_GINT64_FORMAT " ms asleep while its "
               "threads or the X server waited for one not counted)",
               gap / 1000, limit_us / 1000, waited / 1000, excused / 1000);
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

void
ps_stall_watchdog_install_from_env (void)
{
  const char *env = g_getenv ("PS_STALL_WATCHDOG");
  if (env == NULL || *env == '\0')
    return;
  gint64 ms = g_ascii_strtoll (env, NULL, 10);
  limit_us = (ms > 0 ? ms : 1000) * 1000;
  g_auto (GStrv) pids = g_strsplit (g_getenv ("PS_STALL_WATCHDOG_PEERS") ? g_getenv ("PS_STALL_WATCHDOG_PEERS") : "", ",", -1);
  peers = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; pids[i] != NULL; i++)
    {
      int pid = (int) g_ascii_strtoll (pids[i], NULL, 10);
      if (pid > 0)
        g_array_append_val (peers, pid);
    }
  last_tick = g_get_monotonic_time ();
  last = sample ();
  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, tick, NULL, NULL);
  g_unix_signal_add (SIGTERM, on_sigterm, NULL);
  if (g_strcmp0 (g_getenv ("PS_CRASH_STACK"), "1") == 0)   /* not under ASan: it reports better */
    {
      backtrace (&(void *) { NULL }, 1);   /* loads libgcc's unwinder now, not in the handler */
      signal (SIGSEGV, on_crash);
      signal (SIGBUS, on_crash);
      signal (SIGABRT, on_crash);
      signal (SIGTRAP, on_crash);   /* G_DEBUG=fatal-criticals: the stack of the first critical */
    }
  atexit (report);
}
