/* paramscope-cli as a user (or an attacker) runs it, for issue #10: nothing a file, a recipe or an
 * output path contains may crash, hang, exhaust memory or destroy data. The built binary (PS_CLI)
 * is spawned with a timeout; each test counts the cases it tried. */
#include "ps-recipe.h"
#include "ps-safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

typedef struct {
  int status;     /* exit status, or 128 + signal */
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static guint n_cases;

/* Runs the CLI (argv NULL-terminated) under a 60 s timeout, so a hang fails instead of blocking the
 * suite; stdin is /dev/null. A death by signal is status 128 + signal. */
static void
runv (Result *r, const char *const *args)
{
  const char *cli = g_getenv ("PS_CLI");
  g_assert_nonnull (cli);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) "timeout");
  g_ptr_array_add (argv, (char *) "-s");
  g_ptr_array_add (argv, (char *) "KILL");
  g_ptr_array_add (argv, (char *) "60");
  g_ptr_array_add (argv, (char *) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &r->out,
                               &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  if (r->status == 137)
    g_error ("paramscope-cli %s %s: killed after 60 s (a hang)", args[0], args[1] ? args[1] : "");
  n_cases++;
}

#define run(r, ...) runv ((r), (const char *const[]) { __VA_ARGS__, NULL })

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
write_tmp (const char *name, const char *text)
{
  char *path = tmp_path (name);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* A recipe with the given top-level extra members ("" or ending in ',') and ops. */
static char *
recipe_text (const char *extra, const char *ops)
{
  return g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"m\", %s"
                          "\"ops\": [%s]}", extra, ops);
}

static char *
write_recipe (const char *name, const char *extra, const char *ops)
{
  g_autofree char *text = recipe_text (extra, ops);
  return write_tmp (name, text);
}

#define LINEAR "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}}"

/* ---- numbers beyond double range ---------------------------------------------------------- */

/* 1e400 and -1.8e308 read as ±inf (like Python's float('1e400')); nowhere in a recipe may they
 * abort a command. Each is run, described, stats'ed and exported to PyTorch. */
static void
test_out_of_range_numbers (void)
{
  static const struct {
    const char *extra, *ops;
    const char *err;   /* NULL: succeeds */
  } cases[] = {
    { "\"x-big\": 1e400,", LINEAR, NULL },
    { "\"x-big\": [-1.8e308, {\"a\": 1e999}],", LINEAR, NULL },
    { "", "{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", \"args\": {\"normalized_shape\": 3, \"eps\": 1e400}}", NULL },
    { "", "{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", \"args\": {\"normalized_shape\": 3, \"eps\": -1.8e308}}", NULL },
    { "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"constant_\", \"args\": {\"val\": 1e39}}",
      "error: op 2 (init): constant_: value cannot be converted to type float without overflow\n" },
    { "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"constant_\", \"args\": {\"val\": 1e400}}", NULL },
    { "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"kaiming_uniform_\", \"args\": {\"a\": 1e200}}",
      "error: op 2 (init): kaiming_uniform_: (34, 'Numerical result out of range')\n" },
    { "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"uniform_\", \"args\": {\"b\": 1e400}}",
      "error: op 2 (init): uniform_: to is out of bounds for float\n" },
    { "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": -1e400}}",
      "error: op 2 (init): normal_: normal expects std >= 0.0, but found std -inf\n" },
    { "", "{\"op\": \"module\", \"id\": \"m\", \"type\": \"LeakyReLU\", \"args\": {\"negative_slope\": 1e39}},"
          "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [2, 3]}}",
      "error: op 2 (forward): value cannot be converted to type float without overflow\n" },
    { "", "{\"op\": \"module\", \"id\": \"m\", \"type\": \"PReLU\", \"args\": {\"init\": -1e39}}",
      "error: op 1 (module): field 'args': value cannot be converted to type float without overflow\n" },
    { "", "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Dropout\", \"args\": {\"p\": 1e400}}",
      "error: op 1 (module): field 'args': dropout probability has to be between 0 and 1, but got inf\n" },
    { "", LINEAR ", {\"op\": \"forward\", \"target\": \"m\", \"input\": {\"value\": [[1e400, -1e400, 1e39]]}, \"name\": \"y\"}", NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_recipe ("big.json", cases[i].extra, cases[i].ops);
      const char *const commands[] = { "run", "describe", "stats", "to-pytorch" };
      for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
        {
          g_auto (Result) r = { 0 };
          run (&r, commands[c], path);
          if (cases[i].err == NULL || strcmp (commands[c], "to-pytorch") == 0)
            {
              if (r.status != 0)
                g_error ("case %u %s: exit %d: %s", i, commands[c], r.status, r.err);
            }
          else if (strcmp (commands[c], "stats") == 0)
            {
              /* stats shows the steps before a failing op, with a note */
              g_assert_cmpint (r.status, ==, 0);
              g_autofree char *msg = g_strndup (cases[i].err + strlen ("error: "), strlen (cases[i].err) - 8);
              g_assert_nonnull (strstr (r.err, msg));
            }
          else
            {
              if (r.status != 1)
                g_error ("case %u %s: exit %d: %s", i, commands[c], r.status, r.err);
              if (!g_str_has_suffix (r.err, cases[i].err))
                g_error ("case %u %s: got '%s', want '%s'", i, commands[c], r.err, cases[i].err);
            }
        }
    }

  /* a recipe holding ±inf survives load, copy, save and load again with the same values */
  g_autofree char *text = recipe_text ("\"x-big\": {\"v\": [1e400, -1.8e308]},",
                                       "{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", "
                                       "\"args\": {\"normalized_shape\": 3, \"eps\": 1e400}}");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r1 = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsRecipe) r2 = ps_recipe_copy (r1);
  g_autofree char *saved = ps_recipe_to_data (r2, NULL);
  g_assert_nonnull (strstr (saved, "1e999"));
  g_autoptr (PsRecipe) r3 = ps_recipe_load_from_data (saved, -1, &error);
  g_assert_no_error (error);
  g_autofree char *saved2 = ps_recipe_to_data (r3, NULL);
  g_assert_cmpstr (saved, ==, saved2);
  g_assert_nonnull (strstr (saved, "\"eps\" : 1e999"));
  g_assert_nonnull (strstr (saved, "-1e999"));
  g_test_message ("numbers beyond range: %u CLI runs", n_cases);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("ps-reliab-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/cli-reliability/out-of-range-numbers", test_out_of_range_numbers);
  int ret = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
  (void) system (cmd);
  g_free (tmpdir);
  return ret;
}
