/* paramscope-cli as a user (or an attacker) runs it, for issue #10: nothing a file, a recipe or an
 * output path contains may crash, hang, exhaust memory or destroy data. The built binary (PS_CLI)
 * is spawned with a timeout; each test counts the cases it tried. */
#include "ps-npz.h"
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
#include <zip.h>

#include "cli-run.h"



/* Runs the CLI with its standard output on `out_fd` (stderr captured): for /dev/full and a pipe
 * whose reader is gone. */
static void
runv_fd (Result *r, int out_fd, const char *const *args)
{
  result_clear (r);
  const char *cli = g_getenv ("PS_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  GPid pid;
  int err_fd = -1;
  g_assert_true (g_spawn_async_with_pipes_and_fds (NULL, (const char *const *) argv->pdata, NULL,
                                                   G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1, out_fd, -1, NULL,
                                                   NULL, 0, &pid, NULL, NULL, &err_fd, &error));
  g_assert_no_error (error);
  GString *e = g_string_new (NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read (err_fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      g_string_append_len (e, buf, n);
  close (err_fd);
  int wait_status = 0;
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  r->out = g_strdup ("");
  r->err = g_string_free (e, FALSE);
  cli_run_count++;
}

#define run_fd(r, fd, ...) runv_fd ((r), (fd), (const char *const[]) { __VA_ARGS__, NULL })

static char *
example (const char *name)
{
  return g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", name, NULL);
}

static void
assert_stat_same (const char *path, const struct stat *before, gboolean follow)
{
  struct stat st;
  g_assert_cmpint (follow ? stat (path, &st) : lstat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_ino, ==, before->st_ino);
  g_assert_cmpuint (st.st_mode, ==, before->st_mode);
  g_assert_cmpuint (st.st_rdev, ==, before->st_rdev);
}

static gboolean
is_safetensors (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  return st != NULL;
}

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

/* ---- a real out-of-memory: OpenBLAS's work buffer ----------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define PS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PS_UNDER_ASAN 1
#endif
#endif

/* Under `ulimit -v 200000` (195 MiB of address space) OpenBLAS cannot map its 128 MiB work buffer,
 * and it retries that forever: the first forward of a Linear(8, 8) used to hang (a worker in that
 * loop, the main thread waiting for it; then OpenBLAS's exit handler waiting for it too). Now it is
 * PS_ERROR_NO_MEMORY at the op, exit 1, and the process ends. The CLI runs under `timeout -s KILL
 * 60`: a hang is status 137. Under ASan the address space is terabytes of shadow reservations, so a
 * limit that leaves OpenBLAS short cannot start the process at all: the test skips there. */
static void
test_real_out_of_memory (void)
{
#ifdef PS_UNDER_ASAN
  g_test_skip ("AddressSanitizer reserves terabytes of address space: no RLIMIT_AS can make only "
               "OpenBLAS's buffer fail");
  return;
#else
  g_autofree char *recipe = write_recipe ("oom-blas.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 8, \"out_features\": 8}},"
    "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [2, 8]}, \"name\": \"y\"}");
  const char *cli = g_getenv ("PS_CLI");
  const char *argv[] = { "sh", "-c", "ulimit -v 200000 && exec timeout -s KILL 60 \"$0\" run \"$1\"",
                         cli, recipe, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &wait_status, &error));
  g_assert_no_error (error);
  cli_run_count++;
  int status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  g_test_message ("real out of memory: status %d, %s", status, err);
  if (status == 128 + SIGKILL)
    g_error ("paramscope-cli run hung under ulimit -v 200000 (killed after 60 s)");
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "error: op 1 (module): out of memory: the BLAS library (OpenBLAS) needs "
                                 "128 MiB of address space"));

  /* a command that never calls BLAS: OpenBLAS's workers, started when the library loads, spin all
   * the same, and its exit handler used to wait for them (a hang even for --version) */
  const char *argv_version[] = { "sh", "-c", "ulimit -v 200000 && exec timeout -s KILL 60 \"$0\" --version",
                                 cli, NULL };
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) argv_version, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &wait_status, &error));
  g_assert_no_error (error);
  cli_run_count++;
  status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  if (status == 128 + SIGKILL)
    g_error ("paramscope-cli --version hung under ulimit -v 200000 (killed after 60 s)");
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "paramscope"));

  /* without a limit the same recipe runs */
  g_auto (Result) r = { 0 };
  run (&r, "run", recipe);
  g_assert_cmpint (r.status, ==, 0);
#endif
}

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
  g_test_message ("numbers beyond range: %u CLI runs", cli_run_count);
}


/* ---- outputs never destroy what is not theirs ---------------------------------------------- */

static void
test_outputs_devices_and_links (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *demo = example ("demo.json");
  struct stat full, null, so;
  g_assert_cmpint (stat ("/dev/full", &full), ==, 0);
  g_assert_cmpint (stat ("/dev/null", &null), ==, 0);
  gboolean have_stdout_link = lstat ("/dev/stdout", &so) == 0 && S_ISLNK (so.st_mode);

  /* a device is written through, never replaced; its write error is an error */
  g_auto (Result) a = { 0 };
  run (&a, "run", demo, "--state-dict", "/dev/full");
  g_assert_cmpint (a.status, ==, 1);
  g_assert_nonnull (strstr (a.err, "/dev/full"));
  g_assert_nonnull (strstr (a.err, g_strerror (ENOSPC)));
  assert_stat_same ("/dev/full", &full, FALSE);
  g_auto (Result) b = { 0 };
  run (&b, "run", demo, "--outputs", "/dev/null", "--state-dict", "/dev/null");
  g_assert_cmpint (b.status, ==, 1);   /* the same file twice */
  g_assert_nonnull (strstr (b.err, "twice"));
  g_auto (Result) b2 = { 0 };
  run (&b2, "run", demo, "--outputs", "/dev/null");
  g_assert_cmpint (b2.status, ==, 0);
  assert_stat_same ("/dev/null", &null, FALSE);
  g_auto (Result) c = { 0 };
  run (&c, "to-pytorch", demo, "-o", "/dev/stdout");
  g_assert_cmpint (c.status, ==, 0);
  g_assert_nonnull (strstr (c.out, "import torch"));
  if (have_stdout_link)
    assert_stat_same ("/dev/stdout", &so, FALSE);
  /* a picture through a link to /dev/null: written through, link and device stay */
  g_autofree char *null_png = tmp_path ("null.png");
  g_assert_cmpint (symlink ("/dev/null", null_png), ==, 0);
  struct stat nl;
  g_assert_cmpint (lstat (null_png, &nl), ==, 0);
  g_auto (Result) d = { 0 };
  run (&d, "heatmap", demo, "--param", "mlp.0.weight", "--out", null_png);
  g_assert_cmpint (d.status, ==, 0);
  assert_stat_same (null_png, &nl, FALSE);
  assert_stat_same ("/dev/null", &null, FALSE);

  /* a directory, a FIFO without a reader: refused at once with the kind */
  g_auto (Result) e = { 0 };
  run (&e, "run", demo, "--state-dict", tmpdir);
  g_assert_cmpint (e.status, ==, 1);
  g_assert_nonnull (strstr (e.err, "is a directory"));
  g_autofree char *fifo = tmp_path ("out.fifo");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_auto (Result) f = { 0 };
  run (&f, "to-pytorch", demo, "-o", fifo);
  g_assert_cmpint (f.status, ==, 1);
  g_assert_nonnull (strstr (f.err, "FIFO with no reader"));
  /* with a reader the FIFO gets the script, and stays a FIFO */
  int rfd = open (fifo, O_RDONLY | O_NONBLOCK);
  g_assert_cmpint (rfd, >=, 0);
  g_auto (Result) g = { 0 };
  run (&g, "to-pytorch", demo, "-o", fifo);
  g_assert_cmpint (g.status, ==, 0);
  char buf[256] = { 0 };
  g_assert_cmpint (read (rfd, buf, sizeof buf - 1), >, 0);
  g_assert_true (g_str_has_prefix (buf, "#") || strstr (buf, "import") != NULL);
  close (rfd);
  struct stat fst;
  g_assert_cmpint (lstat (fifo, &fst), ==, 0);
  g_assert_true (S_ISFIFO (fst.st_mode));

  /* a symlink: its target is written, the link stays; also a dangling one and a chain */
  g_autofree char *real = tmp_path ("real.safetensors");
  g_autofree char *link = tmp_path ("link.safetensors");
  g_autofree char *link2 = tmp_path ("link2.safetensors");
  g_assert_true (g_file_set_contents (real, "old", -1, NULL));
  g_assert_cmpint (symlink ("real.safetensors", link), ==, 0);
  g_assert_cmpint (symlink (link, link2), ==, 0);
  g_auto (Result) h = { 0 };
  run (&h, "run", demo, "--state-dict", link2);
  g_assert_cmpint (h.status, ==, 0);
  struct stat lst;
  g_assert_cmpint (lstat (link, &lst), ==, 0);
  g_assert_true (S_ISLNK (lst.st_mode));
  g_assert_cmpint (lstat (link2, &lst), ==, 0);
  g_assert_true (S_ISLNK (lst.st_mode));
  g_assert_true (is_safetensors (real));
  g_autofree char *dangling = tmp_path ("dangling.safetensors");
  g_autofree char *created = tmp_path ("created.safetensors");
  g_assert_cmpint (symlink ("created.safetensors", dangling), ==, 0);
  g_auto (Result) i = { 0 };
  run (&i, "run", demo, "--state-dict", dangling);
  g_assert_cmpint (i.status, ==, 0);
  g_assert_true (is_safetensors (created));
  g_assert_cmpint (lstat (dangling, &lst), ==, 0);
  g_assert_true (S_ISLNK (lst.st_mode));

  /* permissions of an existing file are kept */
  g_autofree char *perm = tmp_path ("perm.py");
  g_assert_true (g_file_set_contents (perm, "x", -1, NULL));
  g_assert_cmpint (chmod (perm, 0640), ==, 0);
  g_auto (Result) j = { 0 };
  run (&j, "to-pytorch", demo, "-o", perm);
  g_assert_cmpint (j.status, ==, 0);
  struct stat pst;
  g_assert_cmpint (stat (perm, &pst), ==, 0);
  g_assert_cmpuint (pst.st_mode & 07777, ==, 0640);
  g_autofree char *png = tmp_path ("perm.png");
  g_assert_true (g_file_set_contents (png, "x", -1, NULL));
  g_assert_cmpint (chmod (png, 0600), ==, 0);
  g_auto (Result) k = { 0 };
  run (&k, "heatmap", demo, "--param", "mlp.0.weight", "--out", png);
  g_assert_cmpint (k.status, ==, 0);
  g_assert_cmpint (stat (png, &pst), ==, 0);
  g_assert_cmpuint (pst.st_mode & 07777, ==, 0600);
  g_assert_cmpuint (pst.st_size, >, 100);
  g_test_message ("devices, FIFOs, links, permissions: %u CLI runs", cli_run_count - before_cases);
}

static void
test_outputs_inputs_and_temps (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *demo = example ("demo.json");
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (demo, &text, &len, NULL));
  g_autofree char *rec = write_tmp ("rec.json", text);
  g_autofree char *alias = tmp_path ("alias.json");
  g_assert_cmpint (link (rec, alias), ==, 0);
  g_autofree char *slink = tmp_path ("slink.json");
  g_assert_cmpint (symlink ("rec.json", slink), ==, 0);

  /* an output that is also the input: refused, the input unchanged */
  const char *const outs[] = { rec, alias, slink };
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      g_auto (Result) a = { 0 };
      run (&a, "run", rec, "--state-dict", outs[i]);
      g_assert_cmpint (a.status, ==, 1);
      g_assert_nonnull (strstr (a.err, "refusing to write"));
      g_auto (Result) b = { 0 };
      run (&b, "to-pytorch", rec, "-o", outs[i]);
      g_assert_cmpint (b.status, ==, 1);
      g_assert_nonnull (strstr (b.err, "it is the input"));
      g_auto (Result) c = { 0 };
      run (&c, "run", rec, "--outputs", outs[i]);
      g_assert_cmpint (c.status, ==, 1);
    }
  g_autofree char *after = NULL;
  g_assert_true (g_file_get_contents (rec, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, text);
  g_autofree char *same = tmp_path ("same.safetensors");
  g_auto (Result) d = { 0 };
  run (&d, "run", rec, "--state-dict", same, "--outputs", same);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_false (g_file_test (same, G_FILE_TEST_EXISTS));

  /* temporaries of a killed writer are named .NAME.paramscope-PID-XXXXXX and removed by the next
   * write of NAME; those of a live process (this test) are left alone */
  g_autofree char *out = tmp_path ("model.safetensors");
  g_autofree char *stale = tmp_path (".model.safetensors.paramscope-2147483000-a1b2c3");
  g_autofree char *live_name = g_strdup_printf (".model.safetensors.paramscope-%d-zzzzzz", (int) getpid ());
  g_autofree char *live = tmp_path (live_name);
  g_autofree char *other = tmp_path (".other.paramscope-2147483000-a1b2c3");
  g_assert_true (g_file_set_contents (stale, "partial", -1, NULL));
  g_assert_true (g_file_set_contents (live, "partial", -1, NULL));
  g_assert_true (g_file_set_contents (other, "partial", -1, NULL));
  g_auto (Result) e = { 0 };
  run (&e, "run", rec, "--state-dict", out);
  g_assert_cmpint (e.status, ==, 0);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_true (is_safetensors (out));
  /* a failed write leaves no temporary file behind */
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *name;
  guint temps = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    temps += strstr (name, ".paramscope-") != NULL;
  g_assert_cmpuint (temps, ==, 2);   /* live and other */
  g_unlink (live);
  g_unlink (other);
  g_test_message ("outputs that are inputs, temporaries: %u CLI runs", cli_run_count - before_cases);
}

/* Output that cannot be written to standard output is an error (exit 1 with a message). */
static void
test_stdout_errors (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *demo = example ("demo.json");
  g_autofree char *xor = example ("train-xor.json");
  g_autofree char *st = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "all_dtypes.safetensors", NULL);
  /* command, its input (NULL: none), an option */
  const struct { const char *cmd, *input, *opt; } commands[] = {
    { "describe", demo, NULL }, { "to-pytorch", demo, NULL }, { "stats", demo, NULL }, { "stats", demo, "--json" },
    { "run", demo, NULL }, { "--help", NULL, NULL }, { "--version", NULL, NULL },
    { "inspect", st, NULL }, { "inspect", st, "--json" },
    { "metrics", xor, NULL }, { "metrics", xor, "--json" }, { "metrics", xor, "--csv" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *cmd = commands[i].cmd, *input = commands[i].input, *opt = commands[i].opt;
      /* each prints something when standard output works */
      g_auto (Result) ok = { 0 };
      run (&ok, cmd, input, opt);
      if (ok.status != 0 || ok.out[0] == '\0')
        g_error ("%s %s: exit %d, no output: '%s'", cmd, opt ? opt : "", ok.status, ok.err);
      int full = open ("/dev/full", O_WRONLY);
      g_assert_cmpint (full, >=, 0);
      g_auto (Result) a = { 0 };
      run_fd (&a, full, cmd, input, opt);
      close (full);
      if (a.status != 1 || strstr (a.err, "cannot write to standard output") == NULL)
        g_error ("%s %s > /dev/full: exit %d, stderr '%s'", cmd, opt ? opt : "", a.status, a.err);
      int p[2];
      g_assert_cmpint (pipe (p), ==, 0);
      close (p[0]);   /* no reader */
      g_auto (Result) b = { 0 };
      run_fd (&b, p[1], cmd, input, opt);
      close (p[1]);
      if (b.status != 1 || strstr (b.err, "cannot write to standard output") == NULL)
        g_error ("%s %s | (closed): exit %d, stderr '%s'", cmd, opt ? opt : "", b.status, b.err);
    }
  g_test_message ("standard output errors: %u CLI runs", cli_run_count - before_cases);
}

/* ---- no hangs on special files -------------------------------------------------------------- */

static char *
make_socket (const char *name)
{
  char *path = tmp_path (name);
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);
  g_assert_cmpint (fd, >=, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_assert_cmpuint (strlen (path), <, sizeof sa.sun_path);
  strcpy (sa.sun_path, path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  close (fd);   /* the socket file stays */
  return path;
}

static void
test_special_files (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *fifo = tmp_path ("in.fifo");
  g_autofree char *fifo_st = tmp_path ("in.safetensors");
  g_autofree char *fifo_npy = tmp_path ("in.npy");
  g_autofree char *fifo_npz = tmp_path ("in.npz");
  g_autofree char *fifo_json = tmp_path ("in.json");
  g_autofree char *dir = tmp_path ("adir.safetensors");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (mkfifo (fifo_st, 0600), ==, 0);
  g_assert_cmpint (mkfifo (fifo_npy, 0600), ==, 0);
  g_assert_cmpint (mkfifo (fifo_npz, 0600), ==, 0);
  g_assert_cmpint (mkfifo (fifo_json, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_autofree char *sock = make_socket ("in.sock");
  g_autofree char *index = write_tmp ("fifo.safetensors.index.json",
                                      "{\"weight_map\": {\"weight\": \"in.safetensors\"}}");
  const struct { const char *path, *kind; } inputs[] = {
    { fifo, "a FIFO" }, { fifo_st, "a FIFO" }, { fifo_npy, "a FIFO" }, { fifo_npz, "a FIFO" },
    { dir, "a directory" }, { "/dev/zero", "a character device" }, { "/dev/null", "a character device" },
    { sock, "a socket" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *want = g_strdup_printf ("%s: it is %s, not a regular file", inputs[i].path, inputs[i].kind);
      g_auto (Result) a = { 0 };
      run (&a, "inspect", inputs[i].path);
      g_assert_cmpint (a.status, ==, 1);
      if (strstr (a.err, want) == NULL)
        g_error ("inspect %s: '%s'", inputs[i].path, a.err);
      /* a load op naming it, with and without a pin */
      for (int pinned = 0; pinned < 2; pinned++)
        {
          g_autofree char *ops = g_strdup_printf (LINEAR ", {\"op\": \"load\", \"target\": \"m\", \"file\": \"%s\"%s}",
                                                  inputs[i].path, pinned ? ", \"sha256\": \"" "0123456789abcdef0123456789abcdef"
                                                  "0123456789abcdef0123456789abcdef\"" : "");
          g_autofree char *rec = write_recipe ("load-special.json", "", ops);
          g_auto (Result) b = { 0 };
          run (&b, "run", rec);
          g_assert_cmpint (b.status, ==, 1);
          if (strstr (b.err, "error: op 2 (load): ") == NULL || strstr (b.err, want) == NULL)
            g_error ("load %s: '%s'", inputs[i].path, b.err);
        }
    }
  /* a recipe that is a FIFO, a directory, /dev/zero; an index whose shard is a FIFO */
  const char *const recipes[] = { fifo_json, tmpdir, "/dev/zero" };
  for (guint i = 0; i < G_N_ELEMENTS (recipes); i++)
    {
      g_auto (Result) a = { 0 };
      run (&a, "run", recipes[i]);
      g_assert_cmpint (a.status, ==, 1);
      g_assert_nonnull (strstr (a.err, "not a regular file"));
    }
  g_auto (Result) c = { 0 };
  run (&c, "inspect", index);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_nonnull (strstr (c.err, "it is a FIFO, not a regular file"));
  g_test_message ("special files: %u CLI runs", cli_run_count - before_cases);
}

/* ---- the SHA-256 pin pins what is loaded ---------------------------------------------------- */

static char *
sha256_of_files (const char *const *paths)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *d = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (paths[i], &d, &len, NULL));
      g_checksum_update (sum, (const guchar *) d, (gssize) len);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
write_one (const char *path, const char *name, PsTensor *t)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_safetensors_write (path, 1, &name, &t, NULL, &error));
  g_assert_no_error (error);
}

static void
test_sha256_pin (void)
{
  guint before_cases = cli_run_count;
  /* a Linear(3, 2) state dict in one file, and split in two shards behind an index */
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL);
  for (int i = 0; i < 6; i++)
    ps_tensor_f32 (w)[i] = (float) i * 0.25f;
  ps_tensor_f32 (b)[0] = 7.0f;
  ps_tensor_f32 (b)[1] = -7.0f;
  g_autofree char *single = tmp_path ("pin.safetensors");
  const char *names[] = { "weight", "bias" };
  PsTensor *ts[] = { w, b };
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_safetensors_write (single, 2, names, ts, NULL, &error));
  g_autofree char *sw = tmp_path ("shard-w.safetensors");
  g_autofree char *sb = tmp_path ("shard-b.safetensors");
  write_one (sw, "weight", w);
  write_one (sb, "bias", b);
  g_autofree char *index = write_tmp ("pin.safetensors.index.json",
                                      "{\"metadata\": {}, \"weight_map\": {\"weight\": \"shard-w.safetensors\", "
                                      "\"bias\": \"shard-b.safetensors\"}}");

  const char *const single_files[] = { single, NULL };
  /* an index pins itself and its shards, in name order */
  const char *const index_files[] = { index, sb, sw, NULL };
  g_autofree char *sum_single = sha256_of_files (single_files);
  g_autofree char *sum_index = sha256_of_files (index_files);
  const struct { const char *file, *sum; } pins[] = { { single, sum_single }, { index, sum_index } };
  for (guint i = 0; i < G_N_ELEMENTS (pins); i++)
    {
      g_autofree char *ops = g_strdup_printf (LINEAR ", {\"op\": \"load\", \"target\": \"m\", \"file\": \"%s\", "
                                              "\"sha256\": \"%s\"}", pins[i].file, pins[i].sum);
      g_autofree char *rec = write_recipe ("pin.json", "", ops);
      g_autofree char *out = tmp_path ("pinned-out.safetensors");
      g_auto (Result) ok = { 0 };
      run (&ok, "run", rec, "--state-dict", out);
      if (ok.status != 0)
        g_error ("pinned load of %s: %s", pins[i].file, ok.err);
      g_autoptr (PsSafetensors) st = ps_safetensors_open (out, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) got = ps_safetensors_load (st, "weight", &error);
      g_assert_no_error (error);
      g_assert_true (ps_tensor_equal (got, w));
    }
  /* a changed shard (same size, one byte) is refused; so is a changed single file */
  const char *const changed[] = { sb, single };
  for (guint i = 0; i < G_N_ELEMENTS (changed); i++)
    {
      g_autofree char *d = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (changed[i], &d, &len, NULL));
      d[len - 1] ^= 0x01;
      g_assert_true (g_file_set_contents (changed[i], d, (gssize) len, NULL));
      const char *file = i == 0 ? index : single;
      const char *sum = i == 0 ? sum_index : sum_single;
      g_autofree char *ops = g_strdup_printf (LINEAR ", {\"op\": \"load\", \"target\": \"m\", \"file\": \"%s\", "
                                              "\"sha256\": \"%s\"}", file, sum);
      g_autofree char *rec = write_recipe ("pin.json", "", ops);
      g_auto (Result) bad = { 0 };
      run (&bad, "run", rec);
      g_assert_cmpint (bad.status, ==, 1);
      if (strstr (bad.err, "not the one the recipe pins") == NULL)
        g_error ("changed %s: '%s'", changed[i], bad.err);
    }

  /* what is hashed is what is parsed and loaded: the bytes are read once, so rewriting the file
   * after the open changes neither the digest nor the values */
  g_assert_true (ps_safetensors_write (single, 2, names, ts, NULL, &error));
  g_autofree char *sum_now = sha256_of_files (single_files);
  g_autofree char *digest = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open_hashed (single, &digest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (digest, ==, sum_now);
  g_autoptr (PsTensor) w2 = ps_tensor_copy (w, NULL);
  ps_tensor_f32 (w2)[0] = 99.0f;
  PsTensor *ts2[] = { w2, b };
  g_autofree char *d = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (single, &d, &len, NULL));
  g_autoptr (GBytes) other = NULL;
  /* in place (same inode): the worst case for a mapping */
  {
    g_autofree char *tmp2 = tmp_path ("w2.safetensors");
    g_assert_true (ps_safetensors_write (tmp2, 2, names, ts2, NULL, &error));
    g_autofree char *d2 = NULL;
    gsize len2;
    g_assert_true (g_file_get_contents (tmp2, &d2, &len2, NULL));
    g_assert_cmpuint (len2, ==, len);
    int fd = open (single, O_WRONLY);
    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (pwrite (fd, d2, len2, 0), ==, (ssize_t) len2);
    close (fd);
  }
  g_autoptr (PsTensor) got = ps_safetensors_load (st, "weight", &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (got, w));
  g_test_message ("sha256 pins: %u CLI runs", cli_run_count - before_cases);
}

/* ---- bounded work for bounded input --------------------------------------------------------- */

/* An .npz with one deflated member "a.npy" whose .npy header declares `declared_numel` float32
 * values but which holds `real_numel` zeros; the zip's uncompressed sizes are patched to what the
 * header implies (a zip bomb's claim). */
static char *
make_npz (const char *name, guint64 declared_numel, gsize real_numel)
{
  g_autofree char *dict = g_strdup_printf ("{'descr': '<f4', 'fortran_order': False, 'shape': (%" G_GUINT64_FORMAT ",), }",
                                           declared_numel);
  gsize hlen = 10 + strlen (dict) + 1;
  gsize padded = (hlen + 63) / 64 * 64;
  GByteArray *npy = g_byte_array_new ();
  g_byte_array_append (npy, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  guint16 hl = (guint16) (padded - 10);
  guint8 le[2] = { hl & 255, hl >> 8 };
  g_byte_array_append (npy, le, 2);
  g_byte_array_append (npy, (const guint8 *) dict, (guint) strlen (dict));
  while (npy->len < padded - 1)
    g_byte_array_append (npy, (const guint8 *) " ", 1);
  g_byte_array_append (npy, (const guint8 *) "\n", 1);
  gsize data_len = npy->len + real_numel * 4;
  g_byte_array_set_size (npy, (guint) data_len);
  memset (npy->data + padded, 0, real_numel * 4);
  guint64 declared = padded + declared_numel * 4;

  char *path = tmp_path (name);
  int zerr = 0;
  zip_t *z = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  g_assert_nonnull (z);
  gsize len = npy->len;
  zip_source_t *src = zip_source_buffer (z, g_byte_array_free (npy, FALSE), len, 1);
  g_assert_nonnull (src);
  zip_int64_t idx = zip_file_add (z, "a.npy", src, ZIP_FL_OVERWRITE);
  g_assert_cmpint (idx, >=, 0);
  g_assert_cmpint (zip_set_file_compression (z, (zip_uint64_t) idx, ZIP_CM_DEFLATE, 9), ==, 0);
  g_assert_cmpint (zip_close (z), ==, 0);
  if (declared != data_len)
    {
      g_autofree guint8 *d = NULL;
      gsize n;
      g_assert_true (g_file_get_contents (path, (char **) &d, &n, NULL));
      g_assert_cmpuint (declared, <, G_MAXUINT32);
      guint8 v[4] = { declared & 255, (declared >> 8) & 255, (declared >> 16) & 255, (declared >> 24) & 255 };
      guint patched = 0;
      for (gsize i = 0; i + 46 <= n; i++)
        {
          if (memcmp (d + i, "PK\x03\x04", 4) == 0)
            memcpy (d + i + 22, v, 4), patched++;
          else if (memcmp (d + i, "PK\x01\x02", 4) == 0)
            memcpy (d + i + 24, v, 4), patched++;
        }
      g_assert_cmpuint (patched, ==, 2);
      g_assert_true (g_file_set_contents (path, (const char *) d, (gssize) n, NULL));
    }
  return path;
}

static void
put_le (GByteArray *a, guint64 v, guint bytes)
{
  for (guint i = 0; i < bytes; i++)
    {
      guint8 b = (guint8) (v >> (8 * i));
      g_byte_array_append (a, &b, 1);
    }
}

/* A zip64 .npz, written by hand, with one STORED member "a.npy" of `size` bytes (> 4 GiB): a
 * .npy header of 128 bytes for (size - 128) / 4 float32 values, then a hole (the file is sparse, so it costs no
 * disk). Its sizes agree everywhere (stored: compressed = uncompressed, so the ratio check passes,
 * and the .npy header implies exactly `size`): only PS_NPZ_MAX_MEMBER_BYTES can refuse it. */
static char *
make_sparse_zip64_npz (const char *name, guint64 size)
{
  g_assert_cmpuint ((size - 128) % 4, ==, 0);
  g_autofree char *dict = g_strdup_printf ("{'descr': '<f4', 'fortran_order': False, 'shape': (%" G_GUINT64_FORMAT ",), }",
                                           (size - 128) / 4);
  GByteArray *npy = g_byte_array_new ();
  g_byte_array_append (npy, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  put_le (npy, 128 - 10, 2);
  g_byte_array_append (npy, (const guint8 *) dict, (guint) strlen (dict));
  g_assert_cmpuint (npy->len, <, 128);
  while (npy->len < 127)
    g_byte_array_append (npy, (const guint8 *) " ", 1);
  g_byte_array_append (npy, (const guint8 *) "\n", 1);

  GByteArray *local = g_byte_array_new ();
  put_le (local, 0x04034b50, 4);
  put_le (local, 45, 2);                  /* version needed: zip64 */
  put_le (local, 0, 2);                   /* flags */
  put_le (local, 0, 2);                   /* stored */
  put_le (local, 0, 2);                   /* time */
  put_le (local, 0x21, 2);                /* date 1980-01-01 */
  put_le (local, 0, 4);                   /* crc-32 (not checked before the data's end) */
  put_le (local, 0xffffffff, 4);
  put_le (local, 0xffffffff, 4);
  put_le (local, 5, 2);
  put_le (local, 20, 2);
  g_byte_array_append (local, (const guint8 *) "a.npy", 5);
  put_le (local, 0x0001, 2);              /* zip64 extended information */
  put_le (local, 16, 2);
  put_le (local, size, 8);
  put_le (local, size, 8);
  guint64 cd_offset = local->len + size;

  GByteArray *tail = g_byte_array_new ();
  put_le (tail, 0x02014b50, 4);
  put_le (tail, 45, 2);
  put_le (tail, 45, 2);
  put_le (tail, 0, 2);
  put_le (tail, 0, 2);
  put_le (tail, 0, 2);
  put_le (tail, 0x21, 2);
  put_le (tail, 0, 4);
  put_le (tail, 0xffffffff, 4);
  put_le (tail, 0xffffffff, 4);
  put_le (tail, 5, 2);
  put_le (tail, 20, 2);
  put_le (tail, 0, 2);                    /* comment */
  put_le (tail, 0, 2);                    /* disk */
  put_le (tail, 0, 2);
  put_le (tail, 0, 4);
  put_le (tail, 0, 4);                    /* local header at 0 */
  g_byte_array_append (tail, (const guint8 *) "a.npy", 5);
  put_le (tail, 0x0001, 2);
  put_le (tail, 16, 2);
  put_le (tail, size, 8);
  put_le (tail, size, 8);
  guint64 cd_size = tail->len;
  guint64 eocd64 = cd_offset + cd_size;
  put_le (tail, 0x06064b50, 4);           /* zip64 end of central directory */
  put_le (tail, 44, 8);
  put_le (tail, 45, 2);
  put_le (tail, 45, 2);
  put_le (tail, 0, 4);
  put_le (tail, 0, 4);
  put_le (tail, 1, 8);
  put_le (tail, 1, 8);
  put_le (tail, cd_size, 8);
  put_le (tail, cd_offset, 8);
  put_le (tail, 0x07064b50, 4);           /* its locator */
  put_le (tail, 0, 4);
  put_le (tail, eocd64, 8);
  put_le (tail, 1, 4);
  put_le (tail, 0x06054b50, 4);           /* end of central directory */
  put_le (tail, 0, 2);
  put_le (tail, 0, 2);
  put_le (tail, 1, 2);
  put_le (tail, 1, 2);
  put_le (tail, cd_size, 4);
  put_le (tail, 0xffffffff, 4);
  put_le (tail, 0, 2);

  char *path = tmp_path (name);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, local->data, local->len), ==, (gssize) local->len);
  g_assert_cmpint (write (fd, npy->data, npy->len), ==, (gssize) npy->len);
  g_assert_cmpint (pwrite (fd, tail->data, tail->len, (off_t) cd_offset), ==, (gssize) tail->len);
  g_assert_cmpint (close (fd), ==, 0);
  g_byte_array_unref (local);
  g_byte_array_unref (npy);
  g_byte_array_unref (tail);
  return path;
}

static void
test_bounded_work (void)
{
  guint before_cases = cli_run_count;
  /* a member claiming 1 GiB from a few hundred bytes: refused before inflating */
  g_autofree char *bomb = make_npz ("bomb.npz", (guint64) 1 << 28, 1000);
  g_auto (Result) a = { 0 };
  run (&a, "inspect", bomb);
  g_assert_cmpint (a.status, ==, 1);
  if (strstr (a.err, "more than deflate can give (at most 1032:1): refusing to inflate it") == NULL)
    g_error ("bomb: '%s'", a.err);
  /* 4 MiB of zeros deflate about 1000:1: within what deflate gives, accepted */
  g_autofree char *zeros = make_npz ("zeros.npz", (guint64) 1 << 20, (gsize) 1 << 20);
  g_auto (Result) b = { 0 };
  run (&b, "inspect", zeros);
  if (b.status != 0)
    g_error ("zeros.npz: %s", b.err);
  g_assert_nonnull (strstr (b.out, "1048576"));

  /* a stored member of 4 GiB + 128 bytes (a sparse zip64 file): the ratio and the .npy header agree
   * with it, the absolute cap PS_NPZ_MAX_MEMBER_BYTES (4 GiB) refuses it; a small member built the
   * same way opens (so the refusal is the cap, not the hand-made zip64; one just under the cap
   * opens too, but listing it reads its 4 GiB: 8 s) */
  g_autofree char *over_cap = make_sparse_zip64_npz ("huge.npz", PS_NPZ_MAX_MEMBER_BYTES + 128);
  g_auto (Result) h = { 0 };
  run (&h, "inspect", over_cap);
  g_assert_cmpint (h.status, ==, 1);
  if (strstr (h.err, "member a.npy declares 4294967424 uncompressed bytes, more than the limit of 4294967296") == NULL)
    g_error ("huge.npz: status %d, '%s'", h.status, h.err);
  g_remove (over_cap);
  g_autofree char *under = make_sparse_zip64_npz ("zip64.npz", 128 + 4 * 4099);
  g_auto (Result) u = { 0 };
  run (&u, "inspect", under);
  if (u.status != 0)
    g_error ("zip64.npz: status %d, '%s'", u.status, u.err);
  g_assert_nonnull (strstr (u.out, "4099"));
  g_remove (under);

  /* a module listed ten times in each of ten nested containers: 2·10^10 state_dict paths in
   * torch; refused at the op that crosses 2^17 entries, for every command, in bounded time */
  GString *ops = g_string_new (LINEAR);
  for (int d = 1; d <= 10; d++)
    {
      g_string_append_printf (ops, ", {\"op\": \"module\", \"id\": \"s%d\", \"type\": \"Sequential\", \"children\": [", d);
      for (int k = 0; k < 10; k++)
        g_string_append_printf (ops, "%s\"%s%d\"", k ? ", " : "", d == 1 ? "m" : "s", d == 1 ? 0 : d - 1);
      g_string_append (ops, "]}");
    }
  /* "m0" is not an id: name the Linear "m" */
  g_autofree char *ops_s = g_string_free (ops, FALSE);
  char *p;
  while ((p = strstr (ops_s, "\"m0\"")) != NULL)
    memmove (p + 2, p + 3, strlen (p + 3) + 1);
  g_autofree char *rec = write_recipe ("explode.json", "\"x-note\": 0,", ops_s);
  const char *const commands[] = { "run", "describe", "stats" };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (Result) r = { 0 };
      run (&r, commands[i], rec);
      const char *want = "op 6 (module): s5 would have more than 131072 state_dict entries";
      if (strstr (r.err, want) == NULL)
        g_error ("%s explode.json: exit %d, '%s'", commands[i], r.status, r.err);
      g_assert_cmpint (r.status, ==, strcmp (commands[i], "stats") == 0 ? 0 : 1);
    }
  /* attaching into a module repeated 10^4 times multiplies paths too: 2·10^4 entries, then
   * 14·10^4 with an LSTM's 12 parameters under each copy */
  g_autofree char *rec2 = write_recipe ("explode-attach.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Sequential\", \"children\": [\"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\"]},"
    "{\"op\": \"module\", \"id\": \"b\", \"type\": \"Sequential\", \"children\": [\"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\"]},"
    "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Sequential\", \"children\": [\"b\", \"b\", \"b\", \"b\", \"b\", \"b\", \"b\", \"b\", \"b\", \"b\"]},"
    "{\"op\": \"module\", \"id\": \"d\", \"type\": \"Sequential\", \"children\": [\"c\", \"c\", \"c\", \"c\", \"c\", \"c\", \"c\", \"c\", \"c\", \"c\"]},"
    "{\"op\": \"module\", \"id\": \"big\", \"type\": \"LSTM\", \"args\": {\"input_size\": 2, \"hidden_size\": 2, \"num_layers\": 3}},"
    "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"x\", \"child\": \"big\"}");
  g_auto (Result) c = { 0 };
  run (&c, "run", rec2);
  g_assert_cmpint (c.status, ==, 1);
  if (strstr (c.err, "would have more than 131072 state_dict entries") == NULL)
    g_error ("attach explosion: '%s'", c.err);

  /* a recipe beyond the size limit: refused by its size, before it is read */
  g_autofree char *huge = tmp_path ("huge.json");
  int fd = open (huge, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, ((off_t) 64 << 20) + 1), ==, 0);   /* sparse */
  close (fd);
  g_auto (Result) d = { 0 };
  run (&d, "run", huge);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_nonnull (strstr (d.err, "67108865 bytes, more than the limit of 67108864 bytes"));
  g_unlink (huge);
  g_test_message ("bounded work: %u CLI runs", cli_run_count - before_cases);
}

/* ---- a dropped step that no longer fits ------------------------------------------------------ */

/* A command keeps only the last state and rebuilds any other step by replay. When the memory
 * budget (PS_MEMORY_BUDGET_MB) fits the run (a 4 MiB layer re-initialized in place) but not a
 * second copy of the layer, every command that looks at an earlier step fails with the reason and
 * exit status 1 and writes nothing — this aborted the process (SIGTRAP) before. */
static void
test_rebuild_under_budget (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *rec = write_recipe ("rebuild.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 1024, \"out_features\": 1024}},"
    "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 0.02}},"
    "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 0.03}},"
    "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 0.04}}");
  g_auto (GStrv) tight = g_environ_setenv (g_get_environ (), "PS_MEMORY_BUDGET_MB", "5", TRUE);
  g_auto (GStrv) roomy = g_environ_setenv (g_get_environ (), "PS_MEMORY_BUDGET_MB", "24", TRUE);
  g_auto (Result) r = { 0 };
  run_env (&r, tight, "stats", rec);   /* the last step is kept: fits */
  if (r.status != 0)
    g_error ("stats: %d '%s'", r.status, r.err);
  g_assert_nonnull (strstr (r.out, "step 4, seed 0"));
  g_autofree char *png = tmp_path ("rebuild.png");
  const char *const cases[][9] = {
    { "heatmap", "--param", "m.weight", "--step", "3", "--diff-from", "1", "--out", png },
    { "histogram", "--param", "m.weight", "--diff-from", "2", "--out", png },
    { "ridgeline", "--param", "m.weight", "--out", png },
    { "bands", "--param", "m.weight", "--out", png },
    { "contact-sheet", "--param", "m.weight", "--steps", "1,2,3", "--out", png },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[11] = { 0 };
      guint n = 0;
      for (; n < 9 && cases[i][n] != NULL; n++)
        argv[n] = cases[i][n];
      argv[n] = rec;
      cli_run_env (&r, tight, argv);
      if (r.status != 1 || strstr (r.err, "is not kept in memory, and rebuilding it by replay failed at op 1") == NULL
          || strstr (r.err, "PS_MEMORY_BUDGET_MB") == NULL)
        g_error ("%s under 5 MiB: exit %d, '%s'", cases[i][0], r.status, r.err);
      g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
      /* with room for the rebuild the same command works */
      cli_run_env (&r, roomy, argv);
      if (r.status != 0)
        g_error ("%s under 24 MiB: exit %d, '%s'", cases[i][0], r.status, r.err);
      g_unlink (png);
    }
  /* a picture or statistics of one step replays only up to it and holds that step alone: within
   * the budget that fits one copy of the layer, the same output as with room to spare (each
   * needed the last step's copy besides before: 2.07x the model's memory) */
  g_autofree char *png2 = tmp_path ("rebuild-roomy.png");
  run_env (&r, tight, "heatmap", rec, "--param", "m.weight", "--step", "1", "--out", png);
  if (r.status != 0)
    g_error ("heatmap --step 1 under 5 MiB: exit %d, '%s'", r.status, r.err);
  run_env (&r, roomy, "heatmap", rec, "--param", "m.weight", "--step", "1", "--out", png2);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true (g_file_get_contents (png, &a, &la, NULL) && g_file_get_contents (png2, &b, &lb, NULL));
  g_assert_true (la == lb && memcmp (a, b, la) == 0);
  run_env (&r, tight, "stats", rec, "--step", "2");
  if (r.status != 0)
    g_error ("stats --step 2 under 5 MiB: exit %d, '%s'", r.status, r.err);
  g_autofree char *tight_out = g_strdup (r.out);
  run_env (&r, roomy, "stats", rec, "--step", "2");
  g_assert_cmpstr (r.out, ==, tight_out);
  g_assert_nonnull (strstr (tight_out, "step 2, seed 0"));
  /* the training pictures of one step (weight tiles need a square input: 32 × 32) say it too
   * (they aborted with SIGTRAP: the step was asked for without an error) */
  g_autofree char *tiles = write_recipe ("rebuild-tiles.json", "",
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 1024, \"out_features\": 1024}},"
    "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 0.02}},"
    "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\", \"args\": {\"std\": 0.03}}");
  g_unlink (png);
  run_env (&r, tight, "weight-tiles", tiles, "--step", "1", "--out", png);
  if (r.status != 1 || strstr (r.err, "step 1 is not kept in memory, and rebuilding it by replay failed at op 1") == NULL)
    g_error ("weight-tiles --step 1 under 5 MiB: exit %d, '%s'", r.status, r.err);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  run_env (&r, roomy, "weight-tiles", tiles, "--step", "1", "--out", png);
  if (r.status != 0)
    g_error ("weight-tiles --step 1 under 24 MiB: exit %d, '%s'", r.status, r.err);
  g_unlink (png);
  /* a step beyond the recipe is still named as such */
  run_env (&r, tight, "stats", rec, "--step", "9");
  g_assert_cmpint (r.status, ==, 2);
  run_env (&r, tight, "heatmap", rec, "--param", "m.weight", "--step", "9", "--out", png);
  g_assert_cmpint (r.status, ==, 1);
  if (strstr (r.err, "step 9 does not exist (the timeline has steps 0 to 4)") == NULL)
    g_error ("heatmap --step 9: '%s'", r.err);
  g_test_message ("rebuild under budget: %u CLI runs", cli_run_count - before_cases);
}

/* ---- command lines as data ---------------------------------------------------------------- */

/* Random command lines from a fixed seed: every command with any mix of its options, other
 * commands' options, missing and doubled values, out-of-range and odd numbers, odd paths (a
 * directory, /dev/null, /dev/full, a missing file, an empty name, text with an escape sequence).
 * Each run ends with exit status 0, 1 or 2 (never a signal or a hang) and no GLib warning or
 * critical, sanitizer or UBSan report on standard error. */
static void
test_args_mutations (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *rec = write_recipe ("args.json", "", LINEAR ", {\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"normal_\"}");
  g_autofree char *out = tmp_path ("args-out.png");
  static const char *const commands[] = { "run", "describe", "metrics", "loss-curve", "stats", "heatmap", "histogram",
                                          "ridgeline", "bands", "animate", "contact-sheet", "boundary", "inspect",
                                          "series", "to-pytorch", "--version", "--help", "nope" };
  static const char *const options[] = { "--step", "--param", "--out", "--diff-from", "--json", "--csv", "--until",
                                         "--state-dict", "--outputs", "--colormap", "--range", "--bins", "--width",
                                         "--height", "--scale", "--dpi", "--steps", "--from", "--to", "--fps",
                                         "--smoothing", "--grid", "--module", "--log-y", "--downsample", "--verbose",
                                         "-o", "--", "-" };
  static const char *const values[] = { "0", "1", "2", "-1", "99999999999999999999", "1e400", "nan", "0x10", "",
                                        "m.weight", "weight", "m", "1,2", "2,1,0", "viridis", "robust", "mean",
                                        "/dev/null", "/dev/full", ".", "/nonexistent/x.png", "\x1b[31mred",
                                        "a.svg", "b.pdf", "c.gif", "\xff\xfe" };
  g_autoptr (GRand) r = g_rand_new_with_seed (10);
  const guint n_runs = 120;
  /* relative names ("a.svg", ".") land in the temporary directory */
  g_autofree char *cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (tmpdir), ==, 0);
  for (guint i = 0; i < n_runs; i++)
    {
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();
      g_ptr_array_add (argv, (char *) commands[g_rand_int_range (r, 0, G_N_ELEMENTS (commands))]);
      if (g_rand_int_range (r, 0, 8) != 0)
        g_ptr_array_add (argv, g_rand_boolean (r) ? rec : (char *) values[g_rand_int_range (r, 0, G_N_ELEMENTS (values))]);
      for (int k = g_rand_int_range (r, 0, 6); k > 0; k--)
        {
          g_ptr_array_add (argv, (char *) options[g_rand_int_range (r, 0, G_N_ELEMENTS (options))]);
          int v = g_rand_int_range (r, 0, 10);
          if (v < 7)
            g_ptr_array_add (argv, (char *) values[g_rand_int_range (r, 0, G_N_ELEMENTS (values))]);
          else if (v < 9)
            g_ptr_array_add (argv, out);   /* a writable place: the command may get that far */
        }
      g_ptr_array_add (argv, NULL);
      g_auto (Result) res = { 0 };
      cli_run_env (&res, NULL, (const char *const *) argv->pdata);
      g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);
      if (res.status > 2)
        g_error ("'%s': exit status %d, '%s'", line, res.status, res.err);
      if (strstr (res.err, "CRITICAL") || strstr (res.err, "WARNING") || strstr (res.err, "runtime error")
          || strstr (res.err, "Sanitizer"))
        g_error ("'%s': '%s'", line, res.err);
      g_unlink (out);
    }
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_test_message ("command lines: %u CLI runs", cli_run_count - before_cases);
}

/* ---- a listing shows everything it can -------------------------------------------------------- */

static void
test_inspect_lists_everything (void)
{
  guint before_cases = cli_run_count;
  /* u16, u32, u64 and an F8_E4M3 tensor "f8" that cannot be decoded */
  g_autofree char *file = g_build_filename (g_getenv ("PS_TEST_DATA"), "formats", "unsigned.safetensors", NULL);
  g_auto (Result) a = { 0 };
  run (&a, "inspect", file);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_nonnull (strstr (a.out, "u16 "));
  g_assert_nonnull (strstr (a.out, "u64 "));
  g_assert_nonnull (strstr (a.out, "not decoded: "));
  g_assert_nonnull (strstr (a.out, "decoding F8_E4M3 tensors is not supported"));
  g_assert_nonnull (strstr (a.out, "does not fit in int64"));   /* u64.too_big, listed after f8 */
  g_assert_nonnull (strstr (a.out, "5 tensors"));
  g_assert_nonnull (strstr (a.out, "some could not be decoded"));
  g_auto (Result) b = { 0 };
  run (&b, "inspect", file, "--json");
  g_assert_cmpint (b.status, ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, b.out, -1, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *ts = json_object_get_array_member (root, "tensors");
  g_assert_cmpuint (json_array_get_length (ts), ==, 5);
  g_assert_cmpint (json_object_get_int_member (root, "undecoded_count"), ==, 2);
  guint undecoded = 0;
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *t = json_array_get_object_element (ts, i);
      g_assert_true (json_object_has_member (t, "dtype") && json_object_has_member (t, "shape"));
      if (json_object_has_member (t, "decoded"))
        {
          g_assert_false (json_object_get_boolean_member (t, "decoded"));
          const char *dt = json_object_get_string_member (t, "dtype");
          g_assert_true (strcmp (dt, "F8_E4M3") == 0 || strcmp (dt, "U64") == 0);
          g_assert_nonnull (strstr (json_object_get_string_member (t, "error"), dt[0] == 'F' ? "F8_E4M3" : "int64"));
          undecoded++;
        }
      else
        g_assert_true (json_object_has_member (t, "mean"));
    }
  g_assert_cmpuint (undecoded, ==, 2);
  g_test_message ("listing: %u CLI runs", cli_run_count - before_cases);
}

/* ---- names are data, not terminal commands -------------------------------------------------- */

static void
assert_no_controls (const char *what, const char *s)
{
  for (const guint8 *p = (const guint8 *) s; *p; p++)
    if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
      g_error ("%s: raw control byte 0x%02x in output: '%s'", what, *p, s);
  if (!g_utf8_validate (s, -1, NULL))
    g_error ("%s: output is not UTF-8", what);
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      if (u >= 0x80 && u <= 0x9f)
        g_error ("%s: raw C1 control U+%04X in output", what, u);
    }
}

static void
test_names_are_data (void)
{
  guint before_cases = cli_run_count;
  /* tensor names that would retitle the terminal, clear it, or use an 8-bit CSI */
  static const char *const names[] = { "a\x1b]0;pwned\x07title", "b\x1b[2J\x1b[31mred", "c\xc2\x9b" "31m",
                                       "d\rreturn\bback", "e\x7f" "del" };
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL);
  PsTensor *ts[G_N_ELEMENTS (names)];
  g_autoptr (GPtrArray) copies = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      ts[i] = ps_tensor_copy (t, NULL);   /* distinct storages: no aliases */
      g_ptr_array_add (copies, ts[i]);
    }
  /* a file name that is not UTF-8 */
  g_autofree char *file = tmp_path ("names-\xff\xfe.safetensors");
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_safetensors_write (file, G_N_ELEMENTS (names), names, ts, NULL, &error));
  g_assert_no_error (error);

  g_auto (Result) a = { 0 };
  run (&a, "inspect", file);
  g_assert_cmpint (a.status, ==, 0);
  assert_no_controls ("inspect", a.out);
  g_assert_nonnull (strstr (a.out, "a\\x1b]0;pwned\\x07title"));
  g_assert_nonnull (strstr (a.out, "c\\u009b31m"));
  g_assert_nonnull (strstr (a.out, "e\\x7fdel"));

  g_auto (Result) b = { 0 };
  run (&b, "inspect", file, "--json");
  g_assert_cmpint (b.status, ==, 0);
  assert_no_controls ("inspect --json", b.out);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, b.out, -1, &error));
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  /* the names come back exactly; the file name's bad bytes as U+FFFD */
  JsonArray *arr = json_object_get_array_member (root, "tensors");
  g_assert_cmpuint (json_array_get_length (arr), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gboolean found = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        found |= strcmp (json_object_get_string_member (json_array_get_object_element (arr, k), "name"), names[i]) == 0;
      g_assert_true (found);
    }
  g_assert_true (g_str_has_suffix (json_object_get_string_member (root, "file"), "names-\xef\xbf\xbd\xef\xbf\xbd.safetensors"));

  /* an error naming a file or a recipe string escapes it too (stderr) */
  g_autofree char *missing = tmp_path ("gone-\x1b[31m-\xff.safetensors");
  g_auto (Result) c = { 0 };
  run (&c, "inspect", missing);
  g_assert_cmpint (c.status, ==, 1);
  assert_no_controls ("inspect error", c.err);
  g_assert_nonnull (strstr (c.err, "gone-\\x1b[31m-\\xff"));
  g_autofree char *rec = write_recipe ("names.json", "\"description\": \"\\u001b]0;x\\u0007\",",
                                       "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Lin\\u001b[2Jear\"}");
  const char *const commands[] = { "run", "describe", "stats", "to-pytorch" };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (Result) d = { 0 };
      run (&d, commands[i], rec);
      assert_no_controls (commands[i], d.out);
      assert_no_controls (commands[i], d.err);
      g_assert_nonnull (strstr (d.err, "Lin\\x1b[2Jear"));
    }
  g_autofree char *rec2 = write_recipe ("names2.json", "\"description\": \"\\u001b]0;x\\u0007 \\u009b\",",
                                        "{\"op\": \"module\", \"id\": \"m\\u001bx\", \"type\": \"Linear\", "
                                        "\"args\": {\"in_features\": 1, \"out_features\": 1}}");
  const char *const commands2[][2] = { { "describe", NULL }, { "stats", NULL }, { "stats", "--json" } };
  for (guint i = 0; i < G_N_ELEMENTS (commands2); i++)
    {
      g_auto (Result) d = { 0 };
      if (commands2[i][1])
        run (&d, commands2[i][0], rec2, commands2[i][1]);
      else
        run (&d, commands2[i][0], rec2);
      assert_no_controls (commands2[i][0], d.out);
      assert_no_controls (commands2[i][0], d.err);
      if (commands2[i][1])
        {
          g_autoptr (JsonParser) jp = json_parser_new ();
          g_assert_true (json_parser_load_from_data (jp, d.out, -1, NULL));
        }
    }
  g_test_message ("names: %u CLI runs", cli_run_count - before_cases);
}

/* A parameter and a layer named with ESC sequences (a rename op on a trained Sequential): `metrics
 * --json` is valid JSON giving the name back exactly, `metrics --csv` writes it escaped; neither
 * holds a raw control byte. */
static void
test_metrics_names_are_data (void)
{
  guint before_cases = cli_run_count;
  const char *evil = "fc\x1b]0;pwned\x07\x1b[2J";
  g_autofree char *rec = write_tmp ("metrics-names.json",
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 0, \"root\": \"mlp\", \"ops\": ["
    "{\"op\": \"dataset\", \"id\": \"data\", \"type\": \"xor\", \"args\": {\"n\": 40}},"
    "{\"op\": \"module\", \"id\": \"fc1\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 4}},"
    "{\"op\": \"module\", \"id\": \"act\", \"type\": \"Tanh\"},"
    "{\"op\": \"module\", \"id\": \"head\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"mlp\", \"type\": \"Sequential\", \"children\": [\"fc1\", \"act\", \"head\"]},"
    "{\"op\": \"rename\", \"parent\": \"mlp\", \"name\": \"0\", \"new_name\": \"fc\\u001b]0;pwned\\u0007\\u001b[2J\"},"
    "{\"op\": \"optimizer\", \"id\": \"opt\", \"type\": \"SGD\", \"params\": \"mlp\", \"args\": {\"lr\": 0.1}},"
    "{\"op\": \"train\", \"model\": \"mlp\", \"optimizer\": \"opt\", \"data\": \"data\", "
    "\"loss\": {\"type\": \"CrossEntropyLoss\", \"args\": {}}, \"batch_size\": 8, \"steps\": 2}]}");

  g_auto (Result) j = { 0 };
  run (&j, "metrics", rec, "--json");
  if (j.status != 0)
    g_error ("metrics --json: exit %d, '%s'", j.status, j.err);
  assert_no_controls ("metrics --json", j.out);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, j.out, -1, &error));
  g_assert_no_error (error);
  JsonArray *records = json_node_get_array (json_parser_get_root (p));
  g_assert_cmpuint (json_array_get_length (records), ==, 2);
  JsonArray *params = json_object_get_array_member (json_array_get_object_element (records, 0), "parameters");
  g_autofree char *want = g_strdup_printf ("mlp.%s.weight", evil);
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length (params); i++)
    found |= strcmp (json_object_get_string_member (json_array_get_object_element (params, i), "path"), want) == 0;
  if (!found)
    g_error ("metrics --json: no parameter named '%s': %s", want, j.out);

  g_auto (Result) c = { 0 };
  run (&c, "metrics", rec, "--csv");
  if (c.status != 0)
    g_error ("metrics --csv: exit %d, '%s'", c.status, c.err);
  assert_no_controls ("metrics --csv", c.out);
  g_assert_nonnull (strstr (c.out, "mlp.fc\\x1b]0;pwned\\x07\\x1b[2J.weight:grad_norm"));
  g_assert_nonnull (strstr (c.out, "fc\\x1b]0;pwned\\x07\\x1b[2J(Linear):mean"));

  g_auto (Result) t = { 0 };
  run (&t, "metrics", rec);
  g_assert_cmpint (t.status, ==, 0);
  assert_no_controls ("metrics", t.out);
  g_test_message ("metrics names: %u CLI runs", cli_run_count - before_cases);
}

/* ---- where torch accepts, accept; where it refuses, refuse — through the CLI ------------------- */

/* Float32 bit patterns of tensor `name` in the safetensors file `path` against a JSON array. */
static void
assert_bits (const char *path, const char *name, JsonArray *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) t = ps_safetensors_load (st, name, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpuint ((guint) t->numel, ==, json_array_get_length (want));
  const float *v = ps_tensor_cf32 (t);
  for (guint i = 0; i < json_array_get_length (want); i++)
    {
      guint32 b;
      memcpy (&b, &v[i], 4);
      if (b != (guint32) json_array_get_int_element (want, i))
        g_error ("%s %s[%u]: bits 0x%08x, torch 0x%08x", path, name, i, b,
                 (guint32) json_array_get_int_element (want, i));
    }
}

static JsonObject *
golden (JsonParser *p, const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (p));
}

/* Cases of the generated torch table's classes (tests/data/module-args/,
 * load-convert-golden.json, seed-range-golden.json; the same numbers the in-process
 * /module-args tests assert) run through the CLI as a user runs it: exit status, message, and the
 * values written by --state-dict, bit for bit torch's. */
static void
test_torch_parity (void)
{
  guint before_cases = cli_run_count;
  g_autofree char *out = tmp_path ("parity.safetensors");

  /* kernel_size 0: torch constructs the Conv2d, its forward fails */
  const char *const kernels[] = { "0", "[0, 0]", "[0, 3]" };
  const char *const kernel_msg[] = { "kernel_height: 0 kernel_width: 0", "kernel_height: 0 kernel_width: 0",
                                     "kernel_height: 0 kernel_width: 3" };
  for (guint i = 0; i < G_N_ELEMENTS (kernels); i++)
    {
      g_autofree char *ops = g_strdup_printf (
        "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Conv2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, "
        "\"kernel_size\": %s}}, {\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [1, 2, 6, 6]}}", kernels[i]);
      g_autofree char *rec = write_recipe ("kernel0.json", "", ops);
      g_autofree char *want = g_strdup_printf ("error: op 2 (forward): kernel size should be greater than zero, but got %s\n",
                                               kernel_msg[i]);
      g_auto (Result) r = { 0 };
      run (&r, "run", rec);
      if (r.status != 1 || !g_str_has_suffix (r.err, want))
        g_error ("kernel_size %s run: exit %d, '%s', want '%s'", kernels[i], r.status, r.err, want);
      g_auto (Result) d = { 0 };
      run (&d, "describe", rec);
      if (d.status != 1 || !g_str_has_suffix (d.err, want))
        g_error ("kernel_size %s describe: exit %d, '%s'", kernels[i], d.status, d.err);
      /* the construction itself is accepted, as torch's is */
      g_auto (Result) u = { 0 };
      run (&u, "run", rec, "--until", "1");
      if (u.status != 0)
        g_error ("kernel_size %s --until 1: exit %d, '%s'", kernels[i], u.status, u.err);
    }

  /* an int64 checkpoint loaded into a float Linear converts as torch's copy_ (2^24+1, 2^53+1, ±2^63) */
  g_autoptr (JsonParser) lp = json_parser_new ();
  JsonObject *lg = golden (lp, "load-convert-golden.json");
  g_autofree char *pt = g_build_filename (g_getenv ("PS_TEST_DATA"), "load-convert.pt", NULL);
  g_autofree char *load_ops = g_strdup_printf (
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 3}},"
    "{\"op\": \"load\", \"target\": \"m\", \"file\": \"%s\"}", pt);
  g_autofree char *load_rec = write_recipe ("load-convert.json", "", load_ops);
  g_auto (Result) l = { 0 };
  run (&l, "run", load_rec, "--state-dict", out);
  if (l.status != 0)
    g_error ("load-convert: exit %d, '%s'", l.status, l.err);
  assert_bits (out, "weight", json_object_get_array_member (lg, "weight"));
  assert_bits (out, "bias", json_object_get_array_member (lg, "bias"));

  /* seeds: 2^64-1 (as a number, a string, and -1, which torch takes as the same seed) draw torch's
   * first values; 2^64 is refused with torch's reason */
  g_autoptr (JsonParser) sp = json_parser_new ();
  JsonArray *cases = json_object_get_array_member (golden (sp, "seed-range-golden.json"), "cases");
  const char *const seeds[] = { "18446744073709551615", "\"18446744073709551615\"", "-1", "18446744073709551616" };
  guint n_found = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *seed = json_object_get_string_member (c, "seed");
      gboolean wanted = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (seeds); k++)
        wanted |= strcmp (seed, seeds[k]) == 0;
      if (!wanted)
        continue;
      n_found++;
      JsonNode *err = json_object_get_member (c, "error");
      for (int as_op = 0; as_op < 2; as_op++)
        {
          const char *lin = "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, "
                            "\"out_features\": 1, \"bias\": false}}";
          g_autofree char *text = as_op
            ? g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, \"root\": \"m\", \"ops\": [%s,"
                               "{\"op\": \"manual_seed\", \"seed\": %s}, {\"op\": \"init\", \"target\": \"m.weight\", "
                               "\"fn\": \"uniform_\"}]}", lin, seed)
            : g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": %s, \"root\": \"m\", "
                               "\"ops\": [%s]}", seed, lin);
          g_autofree char *rec = write_tmp ("seed.json", text);
          g_auto (Result) r = { 0 };
          run (&r, "run", rec, "--state-dict", out);
          if (!JSON_NODE_HOLDS_NULL (err))
            {
              if (r.status != 1 || strstr (r.err, json_node_get_string (err)) == NULL || strstr (r.err, seed) == NULL)
                g_error ("seed %s (%s): exit %d, '%s', want '%s'", seed, as_op ? "op" : "recipe", r.status, r.err,
                         json_node_get_string (err));
              g_test_message ("seed %s (%s): %s", seed, as_op ? "op" : "recipe", g_strchomp (r.err));
              continue;
            }
          if (r.status != 0)
            g_error ("seed %s (%s): exit %d, '%s'", seed, as_op ? "op" : "recipe", r.status, r.err);
          assert_bits (out, "weight", json_object_get_array_member (c, as_op ? "weight" : "linear_weight"));
        }
    }
  g_assert_cmpuint (n_found, ==, G_N_ELEMENTS (seeds));
  g_unlink (out);
  g_test_message ("torch parity: %u CLI runs", cli_run_count - before_cases);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_run_timeout_s = 60;
  tmpdir = g_dir_make_tmp ("ps-reliab-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/cli-reliability/out-of-range-numbers", test_out_of_range_numbers);
  g_test_add_func ("/cli-reliability/outputs-devices-and-links", test_outputs_devices_and_links);
  g_test_add_func ("/cli-reliability/outputs-inputs-and-temps", test_outputs_inputs_and_temps);
  g_test_add_func ("/cli-reliability/stdout-errors", test_stdout_errors);
  g_test_add_func ("/cli-reliability/special-files", test_special_files);
  g_test_add_func ("/cli-reliability/sha256-pin", test_sha256_pin);
  g_test_add_func ("/cli-reliability/bounded-work", test_bounded_work);
  g_test_add_func ("/cli-reliability/rebuild-under-budget", test_rebuild_under_budget);
  g_test_add_func ("/cli-reliability/inspect-lists-everything", test_inspect_lists_everything);
  g_test_add_func ("/cli-reliability/names-are-data", test_names_are_data);
  g_test_add_func ("/cli-reliability/args-mutations", test_args_mutations);
  g_test_add_func ("/cli-reliability/real-out-of-memory", test_real_out_of_memory);
  g_test_add_func ("/cli-reliability/torch-parity", test_torch_parity);
  g_test_add_func ("/cli-reliability/metrics-names-are-data", test_metrics_names_are_data);
  int ret = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
  (void) system (cmd);
  g_free (tmpdir);
  return ret;
}
