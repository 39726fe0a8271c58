/* test-stall-watchdog.c — the app's stall watchdog (src/app/ps-stall-watchdog.c, compiled into the
 * executable only): with PS_CRASH_STACK=1 every warning and critical is followed by the stack that
 * logged it (a GTK critical seen once in a loaded CI run carries its origin next time); without
 * it GLib's own writer prints the message alone. Headless: the watchdog uses GIO only. */
#include "ps-stall-watchdog.h"

#include <glib.h>

static void
log_two (const char *crash_stack)
{
  g_setenv ("PS_STALL_WATCHDOG", "100000", TRUE);
  if (crash_stack != NULL)
    g_setenv ("PS_CRASH_STACK", crash_stack, TRUE);
  else
    g_unsetenv ("PS_CRASH_STACK");
  ps_stall_watchdog_install_from_env ();
  g_log_set_always_fatal (G_LOG_FATAL_MASK);   /* g_test_init made them fatal: here they are logged */
  g_critical ("planted critical");
  g_warning ("planted warning");
  g_message ("planted message");
}

static void
test_stack_after_warnings (void)
{
  if (g_test_subprocess ())
    {
      log_two ("1");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* the frames name this program (backtrace_symbols_fd: "object(symbol+offset)[address]") */
  g_test_trap_assert_stderr ("*planted critical\n"
                             "ps-stall-watchdog: stack of the message above:\n*test-stall-watchdog*"
                             "*planted warning\n"
                             "ps-stall-watchdog: stack of the message above:\n*test-stall-watchdog*");
  /* a message is not a fault: no stack after it */
  g_test_trap_assert_stderr_unmatched ("*planted message\nps-stall-watchdog: stack*");
}

static void
test_no_stack_without_crash_stack (void)
{
  if (g_test_subprocess ())
    {
      log_two (NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*planted critical*planted warning*");
  g_test_trap_assert_stderr_unmatched ("*stack of the message above*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stall-watchdog/stack-after-warnings", test_stack_after_warnings);
  g_test_add_func ("/stall-watchdog/no-stack-without-crash-stack", test_no_stack_without_crash_stack);
  return g_test_run ();
}
