/* ps-cli.c — paramscope-cli: replay and describe recipes without a display.
 *
 * Commands are rows of one table (name, usage, summary, function); each parses its own options
 * with the small parser below so that `--help` and usage errors behave the same everywhere.
 * Exit status: 0 success, 1 a failing op or I/O error ("error: op N (KIND): MESSAGE"), 2 bad usage. */
#include "ps-cli.h"
#include "ps-tensor.h"
#include "ps-cli-private.h"
#include "ps-train-ops.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "ps-config.h"
#include "ps-timeline.h"
#include "ps-safetensors.h"
#include "ps-atomic-file.h"
#include "ps-threads.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- option parsing ---------- */

gboolean
ps_cli_parse (int argc, char **argv, const PsCliOption *options, GPtrArray *positional, gboolean *help,
              GError **error)
{
  *help = FALSE;
  gboolean only_positional = FALSE;
  for (int i = 0; i < argc; i++)
    {
      const char *a = argv[i];
      if (only_positional || a[0] != '-' || a[1] == '\0')
        {
          g_ptr_array_add (positional, (gpointer) a);
          continue;
        }
      if (strcmp (a, "--") == 0)
        {
          only_positional = TRUE;
          continue;
        }
      if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        {
          *help = TRUE;
          continue;
        }
      /* --name=value or --name value */
      const char *eq = strchr (a, '=');
      g_autofree char *name = eq ? g_strndup (a, (gsize) (eq - a)) : g_strdup (a);
      const PsCliOption *o = options;
      while (o && o->name && strcmp (o->name, name) != 0)
        o++;
      if (o == NULL || o->name == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "unknown option '%s'", name);
          return FALSE;
        }
      if (o->value == NULL)
        {
          if (eq != NULL)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "option '%s' takes no value", name);
              return FALSE;
            }
          *o->flag = TRUE;
          continue;
        }
      const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "option '%s' needs a value", name);
          return FALSE;
        }
      *o->value = v;
    }
  return TRUE;
}

gboolean
ps_cli_parse_count (const char *option, const char *text, guint64 max, guint64 *out, GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s expects a whole number between 0 and %" G_GUINT64_FORMAT ", not '%s'", option, max, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
ps_cli_parse_colormap (const char *text, PsColormapKind *out, GError **error)
{
  const PsColormap *cm = ps_colormap_by_name (text);
  if (cm == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "--colormap must be diverging, viridis or grayscale, got '%s'", text);
      return FALSE;
    }
  *out = cm->kind;
  return TRUE;
}

gboolean
ps_cli_parse_range (const char *text, PsHeatmapRange *out, GError **error)
{
  if (g_str_equal (text, "symmetric")) *out = PS_HEATMAP_RANGE_SYMMETRIC;
  else if (g_str_equal (text, "robust")) *out = PS_HEATMAP_RANGE_ROBUST;
  else if (g_str_equal (text, "minmax")) *out = PS_HEATMAP_RANGE_MINMAX;
  else
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--range must be symmetric, robust or minmax, got '%s'",
                   text);
      return FALSE;
    }
  return TRUE;
}

/* ---------- shared helpers ---------- */

int
ps_cli_usage_error (const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (command != NULL)
    fprintf (stderr, "paramscope-cli %s: %s\nTry 'paramscope-cli %s --help' for more information.\n", command,
             msg, command);
  else
    fprintf (stderr, "paramscope-cli: %s\nTry 'paramscope-cli --help' for more information.\n", msg);
  return 2;
}

int
ps_cli_parse_one (const char *command, const char *usage, int argc, char **argv, const PsCliOption *options,
                  GPtrArray *positional, const char *what)
{
  g_autoptr (GError) error = NULL;
  gboolean help = FALSE;
  if (!ps_cli_parse (argc, argv, options, positional, &help, &error))
    return ps_cli_usage_error (command, "%s", error->message);
  if (help)
    {
      fputs (usage, stdout);
      return 0;
    }
  if (positional->len != 1)
    return ps_cli_usage_error (command, "expected one %s, got %u arguments", what, positional->len);
  return -1;
}

gboolean
ps_cli_parse_double (const char *option, const char *text, double min, double max, double *out, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v) || v < min || v > max)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: expected a number in [%g, %g], got '%s'",
                   option, min, max, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

void
ps_cli_json_add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

void
ps_cli_print_json (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  puts (text);
}

int
ps_cli_error (const GError *error)
{
  fprintf (stderr, "error: %s\n", error->message);
  return 1;
}

gboolean
ps_cli_check_outputs (const char *const *outputs, guint n_outputs, const char *input, GError **error)
{
  for (guint i = 0; i < n_outputs; i++)
    {
      if (outputs[i] == NULL)
        continue;
      if (!ps_atomic_file_check_not_input (outputs[i], input, error))
        return FALSE;
      for (guint k = i + 1; k < n_outputs; k++)
        if (outputs[k] != NULL && (strcmp (outputs[i], outputs[k]) == 0
                                   || !ps_atomic_file_check_not_input (outputs[k], outputs[i], NULL)))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         "refusing to write %s twice: it is given for two outputs", outputs[k]);
            return FALSE;
          }
    }
  return TRUE;
}

/* Training progress on stderr (at most twice a second, from the second second of a train op on)
 * and Ctrl+C: the running train op stops cleanly (it fails as "interrupted"; nothing is written). */
static volatile sig_atomic_t interrupted = 0;

static void
on_sigint (int sig)
{
  interrupted = 1;
}

typedef struct {
  gint64 start, last;
  int64_t start_step;
} Progress;

static gboolean
train_progress (int64_t step, int64_t total, float loss, gpointer data)
{
  Progress *p = data;
  gint64 now = g_get_monotonic_time ();
  if (step == 1 || p->start == 0)
    {
      p->start = p->last = now;
      p->start_step = step;
    }
  if (now - p->start > G_USEC_PER_SEC && (now - p->last > G_USEC_PER_SEC / 2 || step == total))
    {
      double rate = (double) (step - p->start_step) / ((double) (now - p->start) / G_USEC_PER_SEC);
      fprintf (stderr, "\rtrain: step %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT ", %.0f steps/s, loss %.6g%s", step, total,
               rate, (double) loss, step == total ? "\n" : "");
      fflush (stderr);
      p->last = now;
    }
  if (interrupted && p->last != p->start)
    fputc ('\n', stderr);   /* end the progress line before the error */
  return !interrupted;
}

static gboolean load_timeline (const char *path, int until, gboolean clamp, guint64 budget, PsTimeline **out,
                               GError **error);

gboolean
ps_cli_load_timeline (const char *path, int until, PsTimeline **out, GError **error)
{
  return load_timeline (path, until, FALSE, 0, out, error);
}

gboolean
ps_cli_keep_partial (gboolean loaded, PsTimeline *const *tl, GError **error)
{
  if (loaded)
    return TRUE;
  if (*tl == NULL)
    return FALSE;
  fprintf (stderr, "note: %s; showing the steps before it\n", (*error)->message);
  g_clear_error (error);
  return TRUE;
}

gboolean
ps_cli_load_timeline_upto (const char *path, guint last_needed, PsTimeline **out, GError **error)
{
  return load_timeline (path, (int) MIN (last_needed, (guint) G_MAXINT), TRUE, 0, out, error);
}

gboolean
ps_cli_load_timeline_for_frames (const char *path, PsTimeline **out, GError **error)
{
  /* the app's document budget (ps-document.c): 1 GiB of snapshots, or PS_TIMELINE_BUDGET_MB */
  const char *env = g_getenv ("PS_TIMELINE_BUDGET_MB");
  double mb = 1024;
  if (env != NULL && *env != '\0')
    mb = g_ascii_strtod (env, NULL);
  guint64 budget = mb > 0 && mb < 1e12 ? MAX ((guint64) (mb * 1024 * 1024), 1) : 1;
  return load_timeline (path, -1, FALSE, budget, out, error);
}

static gboolean
load_timeline (const char *path, int until, gboolean clamp, guint64 budget, PsTimeline **out, GError **error)
{
  *out = NULL;
  static Progress progress;
  memset (&progress, 0, sizeof progress);
  signal (SIGINT, on_sigint);
  ps_train_ops_set_progress (train_progress, &progress);
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, error);
  if (recipe == NULL)
    return FALSE;
  if (clamp && until >= 0 && (guint) until > recipe->ops->len)
    until = -1;   /* a step beyond the recipe: the caller says it does not exist */
  if (until >= 0 && (guint) until > recipe->ops->len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "--until %d: the recipe has only %u ops", until,
                   recipe->ops->len);
      return FALSE;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  /* a command looks at one or a few steps: keep only step 0 and the last snapshot (and load
   * steps); any other step is rebuilt by replay when asked for (memory ∝ the model, not steps) */
  *out = ps_timeline_new_from_recipe_with_budget (recipe, until, dir, budget);
  const GError *e = ps_timeline_get_error (*out);
  if (e != NULL)
    {
      g_propagate_error (error, g_error_copy (e));
      return FALSE;
    }
  return TRUE;
}

/* ---------- tensor files ---------- */

gboolean
ps_cli_write_tensors (const char *path, const char *const *names, PsTensor *const *tensors, guint n,
                      GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "format", "pt");   /* what safetensors.torch writes */
  g_hash_table_insert (meta, "producer", "paramscope-cli " PS_VERSION);
  return ps_safetensors_write (path, n, names, tensors, meta, error);
}

/* ---------- dispatch ---------- */

static void
print_help (FILE *f)
{
  fprintf (f, "Usage: paramscope-cli COMMAND [ARGS…]\n\n"
              "Watch neural-network parameters as PyTorch 1.13 creates them, without a display.\n\n"
              "Commands:\n");
  for (const PsCliCommand *c = ps_cli_commands; c->name; c++)
    fprintf (f, "  %-12s %s\n", c->name, c->summary);
  fprintf (f, "\n  --version [--verbose]  the version; with --verbose also the CPU capability, thread count,\n"
              "                         OpenBLAS core and oneDNN ISA results depend on\n");
  fprintf (f, "\nRun 'paramscope-cli COMMAND --help' for a command's options.\n"
              "Exit status: 0 success, 1 a failing op or file error, 2 bad usage.\n");
}

static const PsCliCommand *
lookup (const char *name)
{
  for (const PsCliCommand *c = ps_cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

/* Output that did not reach standard output (a closed pipe, a full disk, /dev/full) is an error:
 * exit status 1 with a message, never a silent success with truncated output. */
static int
finish_stdout (int status)
{
  errno = 0;
  if (fflush (stdout) == 0 && !ferror (stdout))
    return status;
  int err = errno;
  fprintf (stderr, "error: cannot write to standard output%s%s\n", err ? ": " : "", err ? g_strerror (err) : "");
  return 1;
}

static int
dispatch (int argc, char **argv)
{
  if (argc < 2)
    {
      print_help (stderr);
      return 2;
    }
  const char *cmd = argv[1];
  if (strcmp (cmd, "--help") == 0 || strcmp (cmd, "-h") == 0 || strcmp (cmd, "help") == 0)
    {
      print_help (stdout);
      return 0;
    }
  if (strcmp (cmd, "--version") == 0)
    {
      if (argc > 2 && strcmp (argv[2], "--verbose") != 0)
        return ps_cli_usage_error (NULL, "--version takes only --verbose, not '%s'", argv[2]);
      printf ("paramscope-cli %s\n", PS_VERSION);
      if (argc > 2)
        {
          /* what decides bit-exactness with torch here: ISA, threads, OpenBLAS core, oneDNN */
          g_autofree char *report = ps_threads_runtime_report ();
          printf ("%s\n", report);
        }
      return 0;
    }
  const PsCliCommand *c = lookup (cmd);
  if (c == NULL)
    return ps_cli_usage_error (NULL, "unknown command '%s'", cmd);
  return c->run (argc - 2, argv + 2);
}

int
ps_cli_main (int argc, char **argv)
{
  /* a closed pipe is a write error (EPIPE) reported by finish_stdout, not a silent death */
  signal (SIGPIPE, SIG_IGN);
  ps_cli_escape_std_streams ();
  g_autoptr (GError) budget_error = NULL;
  if (!ps_tensor_budget_from_env (&budget_error))
    {
      g_printerr ("paramscope: %s\n", budget_error->message);
      return 2;
    }
  return finish_stdout (dispatch (argc, argv));
}
