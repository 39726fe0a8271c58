/* ps-stall-measure.h — how long a main loop was held up between two ticks of a timer, with the
 * machine's load taken out, from the kernel's per-thread schedstat (time on a CPU, time runnable
 * but waiting for one). The app's stall watchdog (src/app/ps-stall-watchdog.c, for the monkey
 * test) samples it every tick. No GTK: tested headless (test-stall-measure).
 *
 * During a gap the main thread was running (its own work: always counted), waiting for a CPU (not
 * the app's: subtracted) or sleeping. Sleeping past the tick means waiting for someone: the
 * process's other threads, or peer processes it talks to synchronously (the X server); sleep is
 * subtracted up to what those waited for a CPU in the same gap, the rest counts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 cpu_us;              /* the calling thread on a CPU; −1: schedstat unreadable */
  gint64 wait_us;             /* the calling thread runnable, waiting for a CPU */
  gint64 others_wait_us;      /* the process's other threads and the peers, waiting for a CPU */
} PsStallSample;

typedef struct {
  gint64 gap_us;              /* how long the loop was late past the tick, load taken out */
  gint64 waited_us;           /* taken out: the thread waited for a CPU */
  gint64 excused_us;          /* taken out: it slept while its threads or peers waited for a CPU */
} PsStallGap;

/* "<on-cpu ns> <run-queue wait ns> <timeslices>" (a schedstat file's text) in µs; FALSE if it
 * does not start with a number (a missing second one reads 0). */
gboolean      ps_stall_parse_schedstat (const char *text, gint64 *cpu_us, gint64 *wait_us);
/* The calling thread's times, and the run-queue waits of the process's other threads and of every
 * thread of the `n_peers` processes `peers` (/proc; a peer that is gone counts 0). */
PsStallSample ps_stall_sample          (const int *peers, guint n_peers);
/* The gap between two samples `elapsed_us` apart, with a timer of `tick_us`. */
PsStallGap    ps_stall_gap             (const PsStallSample *before, const PsStallSample *now, gint64 elapsed_us,
                                        gint64 tick_us);

G_END_DECLS
