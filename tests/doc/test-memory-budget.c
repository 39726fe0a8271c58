/* The process-wide memory budget for tensor storage (issue #10: running out of memory is an
 * error at the op that asked for it, never an abort). With a small budget, a big module, init,
 * forward, LSTM forward (its scratch buffer) and a oneDNN convolution (its work buffers) each fail with PS_ERROR_NO_MEMORY naming the sizes, and
 * the timeline — its steps, every parameter and the generator — is exactly as it was. (The CLI's
 * PS_MEMORY_BUDGET_MB: tests/cli/test-cli.c's /cli/memory-budget.) */
#include "ps-timeline.h"
#include "ps-memory.h"
#include "ps-checkpoint.h"

#include <glib/gstdio.h>
#include <string.h>


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
unref_value (gpointer t)
{
  if (t != NULL)
    ps_tensor_unref (t);
}

static void
snapshot_take (PsTimeline *tl, Snapshot *s)
{
  PsState *st = ps_timeline_get_last_state (tl);
  s->n_steps = ps_timeline_get_n_steps (tl);
  s->gen = st->gen;
  s->paths = g_ptr_array_new_with_free_func (g_free);
  s->values = g_ptr_array_new_with_free_func (unref_value);
  g_autoptr (GPtrArray) items = ps_state_list_params (st);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      g_ptr_array_add (s->paths, g_strdup (it->path));
      /* (NULL: a lazy module's, not made yet) */
      g_ptr_array_add (s->values, it->param->value ? ps_tensor_ref (it->param->value) : NULL);
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
      if (it->param->value != NULL)
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
  /* the budget counts everything in the ledger (ps-memory.h): what is held for reuse goes first */
  ps_memory_reclaim ();
  ps_tensor_set_budget (ps_memory_in_use (PS_MEMORY_N_KINDS) + headroom);
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

/* Training under a budget that runs out anywhere in it: the op at every headroom from none up to
 * enough, each optimizer (its lazily made state included), a loss with class weights and the teaching ops (a second backward
 * sums into the .grad it shares with the step before; the shared Linear's two uses are summed in
 * the backward). Each either fails with PS_ERROR_NO_MEMORY leaving the timeline as it was, or
 * succeeds; none aborts (the optimizer step and the gradient sums used to take an allocation that
 * failed for granted, and crashed on it). */
static const char train_recipe[] =
  "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 2, \"root\": \"m\", \"ops\": ["
  "{\"op\": \"dataset\", \"id\": \"d\", \"type\": \"xor\", \"args\": {\"n\": 16}},"
  "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 6}},"
  "{\"op\": \"module\", \"id\": \"h\", \"type\": \"Linear\", \"args\": {\"in_features\": 6, \"out_features\": 6}},"
  "{\"op\": \"module\", \"id\": \"t\", \"type\": \"Tanh\"},"
  "{\"op\": \"module\", \"id\": \"o\", \"type\": \"Linear\", \"args\": {\"in_features\": 6, \"out_features\": 2}},"
  "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"children\": [\"a\", \"h\", \"t\", \"h\", \"o\"]}]}";

/* Appends op_text at growing headroom until it succeeds; returns how many headrooms refused it. */
static guint
sweep_op (PsTimeline *tl, const char *op_text, guint64 step)
{
  guint refused = 0;
  for (guint64 headroom = 0;; headroom += step)
    {
      Snapshot before;
      snapshot_take (tl, &before);
      guint64 in_use = ps_tensor_get_bytes_in_use ();
      ps_memory_reclaim ();
      ps_tensor_set_budget (MAX (1, ps_memory_in_use (PS_MEMORY_N_KINDS) + headroom));   /* (0: no budget) */
      g_autoptr (JsonObject) op = op_from (op_text);
      g_autoptr (GError) error = NULL;
      gboolean ok = ps_timeline_append_op (tl, op, &error);
      ps_tensor_set_budget (0);
      if (ok)
        {
          g_assert_no_error (error);
          g_test_message ("%s: refused at %u headrooms, ran with %" G_GUINT64_FORMAT " bytes", op_text, refused,
                          headroom);
          snapshot_clear (&before);
          return refused;
        }
      g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
      snapshot_assert_same (tl, &before);
      g_assert_cmpuint (ps_tensor_get_bytes_in_use (), ==, in_use);
      snapshot_clear (&before);
      refused++;
      g_assert_cmpuint (headroom, <, 1 << 20);   /* (a small model: it fits long before) */
    }
}

static void
test_budget_training (void)
{
  static const char *const optimizers[] = {
    "{\"op\": \"optimizer\", \"id\": \"opt\", \"params\": \"m\", \"type\": \"SGD\", \"args\": {\"lr\": 0.1, \"momentum\": 0.9}}",
    "{\"op\": \"optimizer\", \"id\": \"opt\", \"params\": \"m\", \"type\": \"Adam\", \"args\": {\"lr\": 0.01, \"amsgrad\": true}}",
    "{\"op\": \"optimizer\", \"id\": \"opt\", \"params\": \"m\", \"type\": \"RMSprop\", \"args\": {\"lr\": 0.01, \"momentum\": 0.5, \"centered\": true}}",
    "{\"op\": \"optimizer\", \"id\": \"opt\", \"params\": \"m\", \"type\": \"Adagrad\", \"args\": {\"lr\": 0.1}}",
  };
  const char *train = "{\"op\": \"train\", \"model\": \"m\", \"optimizer\": \"opt\", \"data\": \"d\", "
                      "\"loss\": {\"type\": \"CrossEntropyLoss\", \"args\": {\"weight\": [1.0, 2.0]}}, \"batch_size\": 4, \"steps\": 3, "
                      "\"record_every\": 1}";
  for (guint i = 0; i < G_N_ELEMENTS (optimizers); i++)
    {
      g_autoptr (PsTimeline) tl = timeline_from (train_recipe);
      sweep_op (tl, optimizers[i], 64);
      g_assert_cmpuint (sweep_op (tl, train, 64), >, 0);
      /* the teaching ops: forward with a loss, backward twice (the second sums into .grad), step, zero_grad */
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [4, 2]}, "
                                      "\"name\": \"l1\", \"loss\": {\"type\": \"MSELoss\", \"args\": {}, "
                                      "\"target\": {\"randn\": [4, 2]}}}", 64), >, 0);
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"backward\", \"output\": \"l1\"}", 16), >, 0);
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [4, 2]}, "
                                      "\"name\": \"l2\", \"loss\": {\"type\": \"MSELoss\", \"args\": {}, "
                                      "\"target\": {\"randn\": [4, 2]}}}", 64), >, 0);
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"backward\", \"output\": \"l2\"}", 16), >, 0);
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"step\", \"optimizer\": \"opt\"}", 16), >, 0);
      g_assert_cmpuint (sweep_op (tl, "{\"op\": \"zero_grad\", \"optimizer\": \"opt\"}", 16), >, 0);
    }
}

/* Every op of every example recipe (examples/NAME.json) under a budget at headrooms 0, 8, 16, … 64,
 * then an eighth more each time, until it runs: refused with PS_ERROR_NO_MEMORY, the timeline as it was (the op still
 * pending, the steps, parameters and generator unchanged) and nothing left counted, or run. An op
 * that fails without a budget too (a data set not installed) ends that recipe. */
static void
test_budget_examples (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PS_SOURCE_DIR"), "examples", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint recipes = 0, ops = 0, refusals = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_file (path, &error);
      g_assert_no_error (error);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, 0, dir);   /* every op pending */
      recipes++;
      while (ps_timeline_get_n_pending (tl) > 0)
        {
          gboolean ran = FALSE, fails_anyway = FALSE;
          for (guint64 headroom = 0; !ran && !fails_anyway; headroom += MAX (8, headroom / 8))
            {
              Snapshot before;
              snapshot_take (tl, &before);
              const guint pending = ps_timeline_get_n_pending (tl);
              const guint64 in_use = ps_tensor_get_bytes_in_use ();
              ps_memory_reclaim ();
              ps_tensor_set_budget (MAX (1, ps_memory_in_use (PS_MEMORY_N_KINDS) + headroom));   /* (0: no budget) */
              g_autoptr (GError) e = NULL;
              ran = ps_timeline_redo (tl, &e);
              ps_tensor_set_budget (0);
              if (!ran && !g_error_matches (e, PS_ERROR, PS_ERROR_NO_MEMORY))
                {
                  g_test_message ("%s: op %u fails without the budget too: %s", name, before.n_steps + 1, e->message);
                  fails_anyway = TRUE;
                }
              else if (!ran)
                {
                  snapshot_assert_same (tl, &before);
                  g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, pending);
                  g_assert_cmpuint (ps_tensor_get_bytes_in_use (), ==, in_use);
                  refusals++;
                }
              snapshot_clear (&before);
              g_assert_cmpuint (headroom, <, (guint64) 1 << 34);
            }
          if (fails_anyway)
            break;
          ops++;
        }
    }
  g_test_message ("%u example recipes, %u ops run after %u refusals", recipes, ops, refusals);
  g_assert_cmpuint (recipes, >=, 10);
  g_assert_cmpuint (refusals, >, ops);
}

/* Opening a checkpoint and loading each of its tensors under a budget that runs out anywhere
 * (headrooms as above): NO_MEMORY and nothing left counted, or done. Every valid fixture of the
 * formats read (safetensors, .npy, .npz, torch's zip and legacy files). */
typedef struct {
  const char *path, *name;   /* name: the tensor to load, NULL to open the file */
  PsCheckpoint *ck;          /* loading: the opened file */
} LoadCase;

static gboolean
try_load (LoadCase *c, GError **error)
{
  if (c->name == NULL)
    {
      PsCheckpoint *ck = ps_checkpoint_open (c->path, error);
      if (ck != NULL)
        ps_checkpoint_free (ck);
      return ck != NULL;
    }
  PsTensor *t = ps_checkpoint_load (c->ck, c->name, error);
  if (t != NULL)
    ps_tensor_unref (t);
  return t != NULL;
}

static guint
sweep_load (LoadCase *c)
{
  guint refused = 0;
  for (guint64 headroom = 0;; headroom += MAX (8, headroom / 8))
    {
      const guint64 in_use = ps_tensor_get_bytes_in_use ();
      ps_memory_reclaim ();
      ps_tensor_set_budget (MAX (1, ps_memory_in_use (PS_MEMORY_N_KINDS) + headroom));   /* (0: no budget) */
      g_autoptr (GError) error = NULL;
      gboolean ok = try_load (c, &error);
      ps_tensor_set_budget (0);
      if (ok)
        return refused;
      if (!g_error_matches (error, PS_ERROR, PS_ERROR_NO_MEMORY))
        g_error ("%s %s: %s", c->path, c->name ? c->name : "(open)", error->message);
      g_assert_cmpuint (ps_tensor_get_bytes_in_use (), ==, in_use);
      refused++;
      g_assert_cmpuint (headroom, <, (guint64) 1 << 34);
    }
}

static void
test_budget_checkpoints (void)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  static const char *const dirs[] = { "formats", "pt/valid", "pt/series" };
  guint files = 0, tensors = 0, refusals = 0;
  for (guint k = 0; k < G_N_ELEMENTS (dirs); k++)
    {
      g_autofree char *dir = g_build_filename (data, dirs[k], NULL);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      g_assert_nonnull (d);
      for (const char *name; (name = g_dir_read_name (d)) != NULL;)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || !ps_checkpoint_is_file_name (name))
            continue;
          g_autoptr (GError) error = NULL;
          g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
          if (ck == NULL)
            {
              g_test_message ("%s: not opened without a budget either: %s", name, error->message);
              continue;
            }
          files++;
          LoadCase open = { path, NULL, NULL };
          refusals += sweep_load (&open);
          for (guint i = 0; i < ps_checkpoint_get_n_entries (ck); i++)
            {
              LoadCase load = { path, ps_checkpoint_get_entry (ck, i)->name, ck };
              g_autoptr (GError) e = NULL;
              if (!try_load (&load, &e))
                continue;   /* (not without a budget either: a dtype not decoded) */
              refusals += sweep_load (&load);
              tensors++;
            }
        }
    }
  g_test_message ("%u checkpoint files opened and %u tensors loaded after %u refusals", files, tensors, refusals);
  g_assert_cmpuint (files, >=, 30);
  g_assert_cmpuint (refusals, >, tensors);
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

/* One ledger (ps-memory.h) counts every kind of memory against the one budget: tensor storages,
 * the freed blocks kept for reuse (given back before an allocation is refused), oneDNN's pooled
 * work buffers (still counted after the call that made them), kernel scratch (checked against
 * all of it) and a view's timeline snapshots (kept within half of the budget). */
static void
test_ledger_kinds (void)
{
  const guint64 kib = 1024, mib = 1 << 20;
  g_autoptr (GError) error = NULL;
  /* the kinds add up to the total */
  guint64 sum = 0;
  for (int k = 0; k < PS_MEMORY_N_KINDS; k++)
    sum += ps_memory_in_use (k);
  g_assert_cmpuint (sum, ==, ps_memory_in_use (PS_MEMORY_N_KINDS));

  /* tensors: counted while they live */
  ps_memory_reclaim ();
  guint64 t0 = ps_memory_in_use (PS_MEMORY_TENSORS), c0 = ps_memory_in_use (PS_MEMORY_BLOCK_CACHE);
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 16 * 1024, &error);   /* 64 KiB */
  g_assert_no_error (error);
  g_assert_cmpuint (ps_memory_in_use (PS_MEMORY_TENSORS), ==, t0 + 64 * kib);
  ps_tensor_unref (t);
  g_assert_cmpuint (ps_memory_in_use (PS_MEMORY_TENSORS), ==, t0);
  /* block cache: the freed block is kept (not under AddressSanitizer, which keeps none) and stays
   * counted until the budget needs it back */
  guint64 cached = ps_memory_in_use (PS_MEMORY_BLOCK_CACHE) - c0;
  g_assert_true (cached == 0 || cached == 64 * kib);
  g_test_message ("a freed 64 KiB block: %" G_GUINT64_FORMAT " bytes kept for reuse", cached);
  if (cached > 0)
    {
      /* a budget that only fits a new 96 KiB tensor if the cached block is given back */
      ps_tensor_set_budget (ps_memory_in_use (PS_MEMORY_N_KINDS) + 32 * kib);
      PsTensor *u = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 24 * 1024, &error);
      ps_tensor_set_budget (0);
      g_assert_no_error (error);
      g_assert_cmpuint (ps_memory_in_use (PS_MEMORY_BLOCK_CACHE), ==, 0);
      ps_tensor_unref (u);
    }
  /* scratch is checked against everything counted, and leaves nothing counted */
  ps_memory_reclaim ();
  guint64 total = ps_memory_in_use (PS_MEMORY_N_KINDS);
  ps_tensor_set_budget (total + 1 * mib);
  g_assert_true (ps_tensor_check_scratch (512 * kib, "a test buffer", &error));
  g_assert_false (ps_tensor_check_scratch (2 * mib, "a test buffer", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
  g_assert_nonnull (strstr (error->message, "a test buffer"));
  g_clear_error (&error);
  ps_tensor_set_budget (0);
  g_assert_cmpuint (ps_memory_in_use (PS_MEMORY_SCRATCH), ==, 0);
  g_assert_cmpuint (ps_memory_in_use (PS_MEMORY_N_KINDS), ==, total);

  /* oneDNN: a batched Conv2d leaves its pooled work buffers counted; an allocation that fits
   * beside the tensors but not beside them too is refused, naming all that is in use */
  {
    g_autoptr (PsTimeline) tl = timeline_from (recipe);
    guint64 d0 = ps_memory_in_use (PS_MEMORY_ONEDNN);
    g_autoptr (JsonObject) op = op_from ("{\"op\": \"forward\", \"target\": \"c\", \"input\": {\"randn\": [2, 16, 64, 64]}, \"name\": \"cz\"}");
    g_assert_true (ps_timeline_append_op (tl, op, &error));
    g_assert_no_error (error);
    guint64 pooled = ps_memory_in_use (PS_MEMORY_ONEDNN);
    g_test_message ("oneDNN work buffers pooled: %" G_GUINT64_FORMAT " bytes (before %" G_GUINT64_FORMAT ")", pooled, d0);
    g_assert_cmpuint (pooled, >, 0);
    ps_memory_reclaim ();
    guint64 tensors = ps_memory_in_use (PS_MEMORY_TENSORS);
    ps_tensor_set_budget (tensors + pooled / 2 + 4 * kib);
    g_autoptr (PsTensor) big = ps_tensor_new_1d (PS_DTYPE_FLOAT32, (int64_t) (pooled / 2 / 4), &error);
    ps_tensor_set_budget (0);
    g_assert_null (big);
    g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
    g_clear_error (&error);
  }

  /* a view's timeline: its snapshots keep within half of the memory budget */
  {
    GString *text = g_string_new ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 1, \"ops\": ["
                                  "{\"op\": \"module\", \"id\": \"w\", \"type\": \"Linear\", \"args\": {\"in_features\": 512, \"out_features\": 512, \"bias\": false}}");
    for (int i = 0; i < 20; i++)
      g_string_append (text, ", {\"op\": \"init\", \"target\": \"w.weight\", \"fn\": \"normal_\"}");
    g_string_append (text, "]}");
    g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text->str, -1, &error);
    g_string_free (text, TRUE);
    g_assert_no_error (error);
    PsTimeline *keep = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, (guint64) 1 << 30);
    g_assert_cmpuint (ps_timeline_storage_bytes (keep), >=, 21 * mib);   /* no memory budget: all kept */
    ps_timeline_free (keep);
    ps_memory_reclaim ();
    const guint64 budget = ps_memory_in_use (PS_MEMORY_N_KINDS) + 4 * mib;
    ps_tensor_set_budget (budget);
    g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, (guint64) 1 << 30);
    g_assert_null (ps_timeline_get_error (tl));
    g_test_message ("snapshots: %" G_GUINT64_FORMAT " bytes kept under a budget of %" G_GUINT64_FORMAT,
                    ps_timeline_storage_bytes (tl), budget);
    /* half of the budget, plus the last two states that always stay */
    g_assert_cmpuint (ps_timeline_storage_bytes (tl), <=, budget / 2 + 2 * mib);
    g_assert_cmpuint (ps_timeline_storage_bytes (tl), <, 21 * mib);
    /* every step still reads back, rebuilt by replay within the budget by a walk that holds one
     * rebuilt step at a time */
    for (guint k = 0; k <= 21; k++)
      {
        ps_timeline_release_rebuilt (tl);
        g_assert_nonnull (ps_timeline_get_state (tl, k));
      }
    ps_tensor_set_budget (0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory-budget/refuses-ops", test_budget_refuses_ops);
  g_test_add_func ("/memory-budget/training", test_budget_training);
  g_test_add_func ("/memory-budget/examples", test_budget_examples);
  g_test_add_func ("/memory-budget/checkpoints", test_budget_checkpoints);
  g_test_add_func ("/memory-budget/env-and-count", test_budget_env_and_count);
  g_test_add_func ("/memory-budget/ledger-kinds", test_ledger_kinds);
  return g_test_run ();
}
