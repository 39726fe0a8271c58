/* ps-stall-measure.c — see ps-stall-measure.h. */
#include "ps-config.h"
#include "ps-stall-measure.h"

#include <unistd.h>

gboolean
ps_stall_parse_schedstat (const char *text, gint64 *cpu_us, gint64 *wait_us)
{
  char *end = NULL;
  guint64 cpu = g_ascii_strtoull (text, &end, 10);
  if (end == text)
    return FALSE;
  guint64 wait = g_ascii_strtoull (end, NULL, 10);
  *cpu_us = (gint64) (cpu / 1000);
  *wait_us = (gint64) (wait / 1000);
  return TRUE;
}

static gboolean
read_schedstat (const char *path, gint64 *cpu_us, gint64 *wait_us)
{
  g_autofree char *text = NULL;
  return g_file_get_contents (path, &text, NULL, NULL) && ps_stall_parse_schedstat (text, cpu_us, wait_us);
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

PsStallSample
ps_stall_sample (const int *peers, guint n_peers)
{
  PsStallSample s = { 0, 0, 0 };
  if (!read_schedstat ("/proc/thread-self/schedstat", &s.cpu_us, &s.wait_us))
    return (PsStallSample) { -1, -1, -1 };
  s.others_wait_us = tasks_wait_us ("/proc/self", (long) gettid ());
  for (guint i = 0; i < n_peers; i++)
    {
      g_autofree char *dir = g_strdup_printf ("/proc/%d", peers[i]);
      s.others_wait_us += tasks_wait_us (dir, 0);
    }
  return s;
}

PsStallGap
ps_stall_gap (const PsStallSample *before, const PsStallSample *now, gint64 elapsed_us, gint64 tick_us)
{
  PsStallGap g = { elapsed_us - tick_us, 0, 0 };
  if (now->cpu_us < 0 || before->cpu_us < 0)
    return g;
  g.waited_us = now->wait_us - before->wait_us;
  gint64 ran = now->cpu_us - before->cpu_us;
  gint64 slept = MAX (0, elapsed_us - ran - g.waited_us - tick_us);
  g.excused_us = MIN (slept, MAX (0, now->others_wait_us - before->others_wait_us));
  g.gap_us -= g.waited_us + g.excused_us;
  return g;
}
