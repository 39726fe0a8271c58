/* test-stall-measure — the app's stall watchdog's measure (ps-stall-measure): reading a schedstat
 * line, the load-compensated gap (own work counts; waiting for a CPU does not; sleep does not as
 * far as the process's threads or its peers waited for a CPU meanwhile; an unreadable sample
 * counts the whole gap), and this thread's own sample from /proc growing with its CPU time. */
#include "ps-stall-measure.h"

#include <time.h>

static void
test_parse (void)
{
  gint64 cpu = -1, wait = -1;
  g_assert_true (ps_stall_parse_schedstat ("123456789 987654321 42\n", &cpu, &wait));
  g_assert_cmpint (cpu, ==, 123456);
  g_assert_cmpint (wait, ==, 987654);
  g_assert_true (ps_stall_parse_schedstat ("5000", &cpu, &wait));   /* the kernel writes three */
  g_assert_cmpint (cpu, ==, 5);
  g_assert_cmpint (wait, ==, 0);
  g_assert_false (ps_stall_parse_schedstat ("", &cpu, &wait));
  g_assert_false (ps_stall_parse_schedstat ("x 1 2", &cpu, &wait));
}

static void
test_gap (void)
{
  const gint64 tick = 50000, ms = 1000;
  const PsStallSample t0 = { 1000 * ms, 500 * ms, 200 * ms };
  static const struct {
    const char *what;
    gint64 elapsed, ran, waited, others;   /* ms between the samples */
    gint64 gap, excused;                   /* ms */
  } cases[] = {
    { "on time", 50, 1, 0, 0, 0, 0 },
    { "its own work counts", 1050, 1000, 0, 0, 1000, 0 },
    { "waiting for a CPU does not", 1050, 200, 800, 0, 200, 0 },
    { "asleep while its threads waited for a CPU", 1050, 100, 0, 500, 500, 500 },
    { "excused up to the sleep", 1050, 100, 0, 5000, 100, 900 },
    { "asleep, nobody waiting: counts", 1050, 100, 0, 0, 1000, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const PsStallSample t1 = { t0.cpu_us + cases[i].ran * ms, t0.wait_us + cases[i].waited * ms,
                                 t0.others_wait_us + cases[i].others * ms };
      PsStallGap g = ps_stall_gap (&t0, &t1, cases[i].elapsed * ms, tick);
      if (g.gap_us != cases[i].gap * ms || g.excused_us != cases[i].excused * ms
          || g.waited_us != cases[i].waited * ms)
        g_error ("%s: gap %" G_GINT64_FORMAT " us, excused %" G_GINT64_FORMAT ", waited %" G_GINT64_FORMAT,
                 cases[i].what, g.gap_us, g.excused_us, g.waited_us);
    }
  /* an unreadable sample: the whole delay counts */
  const PsStallSample none = { -1, -1, -1 }, t1 = { t0.cpu_us, t0.wait_us + 900 * ms, t0.others_wait_us };
  PsStallGap g = ps_stall_gap (&none, &t1, 1050 * ms, tick);
  g_assert_cmpint (g.gap_us, ==, 1000 * ms);
  g_assert_cmpint (g.waited_us + g.excused_us, ==, 0);
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* /proc's schedstat of this thread follows its CPU time (not a wall clock) */
static void
test_sample (void)
{
  PsStallSample a = ps_stall_sample (NULL, 0);
  if (a.cpu_us < 0)
    {
      g_test_skip ("no /proc/thread-self/schedstat");
      return;
    }
  g_assert_cmpint (a.wait_us, >=, 0);
  g_assert_cmpint (a.others_wait_us, >=, 0);
  const double start = thread_cpu_ms ();
  volatile double x = 0;
  while (thread_cpu_ms () - start < 40)
    for (int k = 0; k < 10000; k++)
      x += k;
  const int gone = G_MAXINT;   /* a peer that is not there counts nothing */
  PsStallSample b = ps_stall_sample (&gone, 1);
  g_assert_cmpint (b.cpu_us - a.cpu_us, >=, 30 * 1000);
  g_assert_cmpint (b.wait_us, >=, a.wait_us);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stall-measure/parse", test_parse);
  g_test_add_func ("/stall-measure/gap", test_gap);
  g_test_add_func ("/stall-measure/sample", test_sample);
  return g_test_run ();
}
