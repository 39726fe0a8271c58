/* The process-wide memory budget for tensor storage (issue #10: running out of memory is an
 * error at the op that asked for it, never an abort). With a small budget, a big module, init,
 * forward, LSTM forward (its scratch buffer) and a oneDNN convolution (its work buffers) each fail with PS_ERROR_NO_MEMORY naming the sizes, and
 * the timeline — its steps, every parameter and the generator — is exactly as it was. The CLI reads
 * PS_MEMORY_BUDGET_MB and reports the failing op with exit status 1. */
#include "ps-timeline.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cli-run.h"

static PsTimeline *
timeline_from (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  return tl;
}

/* What must not change: the number of steps, the generator, every parameter (same tensor). */
typedef struct {
  guint n_steps;
  PsGenerator gen;
  GPtrArray *paths;     /* char* */
  GPtrArray *values;    /* PsTensor* (ref) or NULL */
} Snapshot;

static void
snapshot_take (PsTimeline *tl, Snapshot *s)
{
  PsState *st = ps_timeline_get_last_state (tl);
  s->n_steps = ps_timeline_get_n_steps (tl);
  s->gen = st->gen;
  s->paths = g_ptr_array_new_with_free_func (g_free);
  s->values = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GPtrArray) items = ps_state_list_params (st);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      g_ptr_array_add (s->paths, g_strdup (it->path));
      g_assert_nonnull (it->param->value);
      g_ptr_array_add (s->values, ps_tensor_ref (it->param->value));
    }
}

static void
snapshot_assert_same (PsTimeline *tl, Snapshot *s)
{
  PsState *st = ps_timeline_get_last_state (tl);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, s->n_steps);
  g_assert_true (ps_generator_equal (&st->gen, &s->gen));
  g_autoptr (GPtrArray) items = ps_state_list_params (st);
  g_assert_cmpuint (items->len, ==, s->paths->len);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      g_assert_cmpstr (it->path, ==, g_ptr_array_index (s->paths, i));
      g_assert_true (it->param->value == g_ptr_array_index (s->values, i));
      g_assert_true (ps_tensor_equal (it->param->value, g_ptr_array_index (s->values, i)));
    }
}

static void
snapshot_clear (Snapshot *s)
{
  g_ptr_array_unref (s->paths);
  g_ptr_array_unref (s->values);
}

static JsonObject *
op_from (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  g_assert_no_error (error);
  JsonObject *o = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return o;
}

/* The op fails under the budget with a message containing every string of `want`, nothing changes;
 * without the budget the same op succeeds (so it was the budget that refused it). */
static void
assert_budget_refuses (PsTimeline *tl, guint64 headroom, const char *op_text, const char *const *want)
{
  Snapshot before;
  snapshot_take (tl, &before);
  guint64 in_use = ps_tensor_get_bytes_in_use ();
  ps_tensor_set_budget (in_use + headroom);
  g_autoptr (JsonObject) op = op_from (op_text);
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_timeline_append_op (tl, op, &error));
  ps_tensor_set_budget (0);
  g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
  g_test_message ("%s -> %s", op_text, error->message);
  g_assert_nonnull (strstr (error->message, "memory budget"));
  for (guint i = 0; want[i] != NULL; i++)
    if (strstr (error->message, want[i]) == NULL)
      g_error ("\"%s\" missing from: %s", want[i], error->message);
  snapshot_assert_same (tl, &before);
  /* nothing leaked into the count: the failed op released what it had allocated */
  g_assert_cmpuint (ps_tensor_get_bytes_in_use (), ==, in_use);
  g_autoptr (GError) again = NULL;
  g_autoptr (JsonObject) op2 = op_from (op_text);
  g_assert_true (ps_timeline_append_op (tl, op2, &again));
  g_assert_no_error (again);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, before.n_steps + 1);
  g_assert_true (ps_timeline_undo (tl));
  snapshot_clear (&before);
}

static const char recipe[] =
  "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 5, \"root\": \"s\", \"ops\": ["
  "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 1024, \"out_features\": 1024}},"
  "{\"op\": \"module\", \"id\": \"r\", \"type\": \"LSTM\", \"args\": {\"input_size\": 16, \"hidden_size\": 256}},"
  "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"l\"]},"
  "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Conv2d\", \"args\": {\"in_channels\": 16, \"out_channels\": 16, \"kernel_size\": 3}},"
  "{\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"normal_\"}]}";

static void
test_budget_refuses_ops (void)
{
  g_autoptr (PsTimeline) tl = timeline_from (recipe);
  guint64 mib = 1 << 20;
  /* a 4096×4096 Linear needs 64 MiB for its weight */
  assert_budget_refuses (tl, 8 * mib,
                         "{\"op\": \"module\", \"id\": \"big\", \"type\": \"Linear\", \"args\": {\"in_features\": 4096, \"out_features\": 4096}}",
                         (const char *const[]) { "64.0 MiB", "a tensor", NULL });
  /* re-initializing the 4 MiB weight needs a new 4 MiB tensor */
  assert_budget_refuses (tl, 1 * mib, "{\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"kaiming_uniform_\"}",
                         (const char *const[]) { "4.0 MiB", NULL });
  /* a forward of a 4096×1024 input (16 MiB) */
  assert_budget_refuses (tl, 8 * mib,
                         "{\"op\": \"forward\", \"target\": \"s\", \"input\": {\"randn\": [4096, 1024]}, \"name\": \"y\"}",
                         (const char *const[]) { "16.0 MiB", NULL });
  /* an LSTM over 1024 steps: input (64 KiB) and output (1 MiB) fit, the 4 MiB gate buffer does not */
  assert_budget_refuses (tl, 3 * mib,
                         "{\"op\": \"forward\", \"target\": \"r\", \"input\": {\"randn\": [1024, 1, 16]}, \"name\": \"z\"}",
                         (const char *const[]) { "RNN working buffer", "4.0 MiB", NULL });
  /* a batched Conv2d runs through oneDNN: its input (512 KiB) and output (480.5 KiB) fit,
   * the blocked copies oneDNN works on do not */
  assert_budget_refuses (tl, 1 * mib,
                         "{\"op\": \"forward\", \"target\": \"c\", \"input\": {\"randn\": [2, 16, 64, 64]}, \"name\": \"cz\"}",
                         (const char *const[]) { "oneDNN work buffer", NULL });
}

static void
test_budget_env_and_count (void)
{
  guint64 base = ps_tensor_get_bytes_in_use ();
  {
    g_autoptr (PsTimeline) tl = timeline_from (recipe);
    g_assert_cmpuint (ps_tensor_get_bytes_in_use (), >=, base + 4 * 1024 * 1024);
  }
  g_assert_cmpuint (ps_tensor_get_bytes_in_use (), ==, base);   /* freeing releases the count */

  g_setenv ("PS_MEMORY_BUDGET_MB", "12", TRUE);
  g_assert_true (ps_tensor_budget_from_env (NULL));
  g_assert_cmpuint (ps_tensor_get_budget (), ==, (guint64) 12 << 20);
  const char *bad[] = { "abc", "-1", "1.5", "99999999999999999999" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_setenv ("PS_MEMORY_BUDGET_MB", bad[i], TRUE);
      g_assert_false (ps_tensor_budget_from_env (&error));
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "PS_MEMORY_BUDGET_MB"));
      g_assert_cmpuint (ps_tensor_get_budget (), ==, (guint64) 12 << 20);   /* unchanged */
    }
  g_unsetenv ("PS_MEMORY_BUDGET_MB");
  ps_tensor_set_budget (0);
}

/* The CLI as a user runs it: PS_MEMORY_BUDGET_MB=16 and a recipe with a 4096×4096 Linear. */
static void
test_cli_budget (void)
{
  if (g_getenv ("PS_CLI") == NULL)
    {
      g_test_skip ("PS_CLI not set");
      return;
    }
  g_autofree char *dir = g_dir_make_tmp ("ps-budget-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.json", NULL);
  const char *text =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"l\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 4096, \"out_features\": 4096}}]}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  const char *budgets[] = { "16", "0", "lots" };
  const int want_status[] = { 1, 0, 2 };
  for (guint i = 0; i < G_N_ELEMENTS (budgets); i++)
    {
      g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "PS_MEMORY_BUDGET_MB", budgets[i], TRUE);
      g_auto (Result) r = { 0 };
      run_env (&r, env, "run", path);
      g_test_message ("PS_MEMORY_BUDGET_MB=%s: %s", budgets[i], r.err);
      g_assert_cmpint (r.status, ==, want_status[i]);
      if (want_status[i] == 1)
        {
          g_assert_nonnull (strstr (r.err, "64.0 MiB"));
          g_assert_nonnull (strstr (r.err, "memory budget is 16.0 MiB"));
        }
      if (want_status[i] == 2)
        g_assert_nonnull (strstr (r.err, "PS_MEMORY_BUDGET_MB=lots"));
    }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory-budget/refuses-ops", test_budget_refuses_ops);
  g_test_add_func ("/memory-budget/env-and-count", test_budget_env_and_count);
  g_test_add_func ("/memory-budget/cli", test_cli_budget);
  return g_test_run ();
}
