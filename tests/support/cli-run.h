/* cli-run.h — spawning the built paramscope-cli (PS_CLI) as a user runs it and capturing its
 * exit status, standard output and standard error. Shared by the tests in tests/cli and the CLI
 * cases of other suites.
 *
 *   g_auto (Result) r = { 0 };
 *   run (&r, "describe", path);             (the argument list needs no NULL; one is harmless)
 *   run_env (&r, envp, "run", path);        (envp as g_environ_setenv returns it)
 *
 * A Result may be reused: each run frees what the previous one captured. Standard input is
 * /dev/null. With cli_run_timeout_s set, the CLI runs under `timeout -s KILL`: a hang fails the test
 * (g_error) instead of blocking the suite, and a death by a signal is reported as status
 * 128 + signal; without it, a death by a signal fails the test. cli_run_count counts the runs. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/wait.h>

typedef struct {
  int status;     /* exit status (or 128 + signal under a timeout) */
  char *out;
  char *err;
} Result;

static guint cli_run_timeout_s G_GNUC_UNUSED;   /* 0: no timeout */
static guint cli_run_count G_GNUC_UNUSED;

static inline void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* Runs PS_CLI with `args` (NULL-terminated) in the environment `envp` (NULL: this process's). */
static inline void
cli_run_env (Result *r, char **envp, const char *const *args)
{
  result_clear (r);
  const char *cli = g_getenv ("PS_CLI");
  g_assert_nonnull (cli);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  if (cli_run_timeout_s > 0)
    {
      g_ptr_array_add (argv, g_strdup ("timeout"));
      g_ptr_array_add (argv, g_strdup ("-s"));
      g_ptr_array_add (argv, g_strdup ("KILL"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", cli_run_timeout_s));
    }
  g_ptr_array_add (argv, g_strdup (cli));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &r->out,
                               &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  if (cli_run_timeout_s > 0 && r->status == 128 + SIGKILL)
    g_error ("paramscope-cli %s %s: killed after %u s (a hang)", args[0] ? args[0] : "", args[0] && args[1] ? args[1] : "",
             cli_run_timeout_s);
  cli_run_count++;
}

#define run(r, ...) cli_run_env ((r), NULL, (const char *const[]) { __VA_ARGS__, NULL })
#define run_env(r, envp, ...) cli_run_env ((r), (envp), (const char *const[]) { __VA_ARGS__, NULL })

/* g_test_init; FALSE (the file's test skipped) when PS_CLI is not set, i.e. not run through
 * `meson test`: then main returns g_test_run (). */
static inline gboolean
cli_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (g_getenv ("PS_CLI") == NULL)
    {
      g_test_skip ("PS_CLI is not set (run through meson test)");
      return FALSE;
    }
  return TRUE;
}
