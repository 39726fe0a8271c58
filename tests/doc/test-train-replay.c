/* test-train-replay.c — a train op's recorded sub-steps within the timeline's memory budget: beyond
 * it the op keeps every stride-th snapshot (the newest always) and ps_train_log_get_state replays
 * the others from the nearest kept one. A replayed sub-step must equal the one recorded without a
 * budget in every bit: every parameter and buffer, every .grad, the optimizer's state and step
 * count, the learning rate and the generator (dropout and DataLoader draws) — mid-epoch and at
 * epoch ends (an epoch-end scheduler.step() follows the snapshot), with record_every > 1, per-step
 * schedulers and a budget of 0 (only the last snapshot). And the case: record_every 1 over
 * 10,000 steps keeps a bounded number of snapshots, each replayed sub-step equal to the same recipe
 * stopped at that step. */
#include <string.h>
#include "ps-timeline.h"
#include "ps-train-ops.h"

static char *
recipe_json (const char *opt, const char *sched, const char *loop, gboolean dropout, int hidden)
{
  return g_strdup_printf (
    "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":7,\"root\":\"mlp\",\"ops\":["
    "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":200}},"
    "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":%d}},"
    "{\"op\":\"module\",\"id\":\"act\",\"type\":\"Tanh\"},"
    "{\"op\":\"module\",\"id\":\"drop\",\"type\":\"%s\"%s},"
    "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":%d,\"out_features\":2}},"
    "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc1\",\"act\",\"drop\",\"head\"]},"
    "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",%s}%s%s,"
    "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","
    "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":32,\"shuffle\":true,%s}]}",
    hidden, dropout ? "Dropout" : "Identity", dropout ? ",\"args\":{\"p\":0.2}" : "", hidden, opt,
    sched ? "," : "", sched ? sched : "", loop);
}

static PsTimeline *
replay (const char *json, guint64 budget)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, NULL, budget);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s", ps_timeline_get_error (tl)->message);
  return tl;
}

static PsTrainLog *
log_of (PsTimeline *tl)
{
  PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
  g_assert_nonnull (st->train_log);
  return st->train_log;
}

static void
assert_same_tensor (const char *what, const PsTensor *a, const PsTensor *b)
{
  if (a == NULL || b == NULL)
    {
      if (a != b)
        g_error ("%s: one is None", what);
      return;
    }
  g_assert_true (ps_tensor_same_shape (a, b));
  if (a->dtype != b->dtype || memcmp (a->data, b->data, ps_tensor_nbytes (a)) != 0)
    g_error ("%s differs", what);
}

/* Every bit a later step depends on. */
static void
assert_same_state (const char *what, PsState *a, PsState *b)
{
  PsModule *ma = ps_state_get_module (a, "mlp"), *mb = ps_state_get_module (b, "mlp");
  g_autoptr (GPtrArray) sa = ps_module_state_dict (ma);
  g_autoptr (GPtrArray) sb = ps_module_state_dict (mb);
  g_assert_cmpuint (sa->len, ==, sb->len);
  for (guint i = 0; i < sa->len; i++)
    {
      PsNamedItem *x = sa->pdata[i], *y = sb->pdata[i];
      g_autofree char *w = g_strdup_printf ("%s: %s", what, x->path);
      g_autofree char *wg = g_strdup_printf ("%s: %s.grad", what, x->path);
      g_assert_cmpstr (x->path, ==, y->path);
      assert_same_tensor (w, x->param->value, y->param->value);
      assert_same_tensor (wg, x->param->grad, y->param->grad);
    }
  PsTrainObject *oa = ps_state_get_train_object (a, "opt"), *ob = ps_state_get_train_object (b, "opt");
  g_assert_cmpint (oa->n_steps, ==, ob->n_steps);
  g_assert_cmpfloat (ps_optimizer_get_lr (oa->optimizer), ==, ps_optimizer_get_lr (ob->optimizer));
  g_autoptr (GPtrArray) params = ps_module_named_parameters (ma);
  for (guint i = 0; i < params->len; i++)
    {
      const char *na[4], *nb[4];
      PsTensor *va[4], *vb[4];
      guint ka = ps_optimizer_state_items (oa->optimizer, i, na, va), kb = ps_optimizer_state_items (ob->optimizer, i, nb, vb);
      g_assert_cmpuint (ka, ==, kb);
      for (guint k = 0; k < ka; k++)
        {
          g_autofree char *w = g_strdup_printf ("%s: optimizer state %u %s", what, i, na[k]);
          g_assert_cmpstr (na[k], ==, nb[k]);
          assert_same_tensor (w, va[k], vb[k]);
        }
    }
  if (!ps_generator_equal (&a->gen, &b->gen))
    g_error ("%s: the generator differs", what);
}

static guint
n_kept (const PsTrainLog *log)
{
  guint n = 0;
  for (guint i = 0; i < log->records->len; i++)
    n += ((const PsTrainRecord *) log->records->pdata[i])->state != NULL;
  return n;
}

/* The recipe with and without a budget: every sub-step of the budgeted run (kept or replayed)
 * equals the unbudgeted run's snapshot. Returns how many were replayed. */
static guint
check_all (const char *json, guint64 budget)
{
  g_autoptr (PsTimeline) full = replay (json, G_MAXUINT64);
  g_autoptr (PsTimeline) thin = replay (json, budget);
  PsTrainLog *a = log_of (full), *b = log_of (thin);
  g_assert_cmpuint (a->records->len, ==, b->records->len);
  g_assert_cmpuint (n_kept (a), ==, a->records->len);
  g_assert_nonnull (((PsTrainRecord *) b->records->pdata[b->records->len - 1])->state);   /* the newest stays */
  guint replayed = 0;
  for (guint i = 0; i < b->records->len; i++)
    {
      const PsTrainRecord *ra = a->records->pdata[i], *rb = b->records->pdata[i];
      g_assert_cmpfloat (ra->loss, ==, rb->loss);   /* metrics are kept for every record */
      replayed += rb->state == NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsState) st = ps_train_log_get_state (b, i, &error);
      g_assert_no_error (error);
      g_autofree char *what = g_strdup_printf ("sub-step %u%s", i + 1, rb->state ? " (kept)" : " (replayed)");
      assert_same_state (what, ra->state, st);
    }
  return replayed;
}

static void
test_replayed_equal (void)
{
  static const struct { const char *opt, *sched, *loop; gboolean dropout; } cases[] = {
    /* 7 batches per epoch (200 = 6·32 + 8); StepLR after each epoch; dropout draws */
    { "\"type\":\"SGD\",\"args\":{\"lr\":0.1,\"momentum\":0.9}",
      "{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"StepLR\",\"optimizer\":\"opt\",\"args\":{\"step_size\":2,\"gamma\":0.5}}",
      "\"steps\":45,\"scheduler\":\"s\",\"record_every\":1", TRUE },
    /* every 3rd step recorded, the scheduler every step */
    { "\"type\":\"Adam\",\"args\":{\"lr\":0.01}",
      "{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"ExponentialLR\",\"optimizer\":\"opt\",\"args\":{\"gamma\":0.98}}",
      "\"steps\":40,\"scheduler\":\"s\",\"scheduler_every\":\"step\",\"record_every\":3", TRUE },
    /* epochs, record_every 7 = one record per epoch end, no dropout */
    { "\"type\":\"RMSprop\",\"args\":{\"lr\":0.005}",
      "{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"StepLR\",\"optimizer\":\"opt\",\"args\":{\"step_size\":1,\"gamma\":0.7}}",
      "\"epochs\":6,\"scheduler\":\"s\",\"record_every\":7", FALSE },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *json = recipe_json (cases[c].opt, cases[c].sched, cases[c].loop, cases[c].dropout, 16);
      /* about four snapshots' worth (a 2-16-2 MLP: 50·4 bytes of values, grads, state) */
      guint replayed = check_all (json, 4 * 1024);
      g_test_message ("case %u: %u sub-steps replayed, all equal to the recorded ones", c, replayed);
      g_assert_cmpuint (replayed, >, 0);
      /* a budget of 0 (what `paramscope-cli run` uses): only the last snapshot stays */
      g_autoptr (PsTimeline) tl = replay (json, 0);
      g_assert_cmpuint (n_kept (log_of (tl)), ==, 1);
      check_all (json, 0);
    }
}

/* record_every 1 over 10,000 steps: a bounded number of snapshots, and sub-steps replayed from
 * them equal to the same recipe stopped at that step (no budget: its last state). */
static void
test_ten_thousand_steps (void)
{
  const char *opt = "\"type\":\"SGD\",\"args\":{\"lr\":0.05,\"momentum\":0.9}";
  g_autofree char *json = recipe_json (opt, NULL, "\"steps\":10000,\"record_every\":1", TRUE, 8);
  const guint64 budget = 256 * 1024;
  g_autoptr (PsTimeline) tl = replay (json, budget);
  PsTrainLog *log = log_of (tl);
  g_assert_cmpuint (log->records->len, ==, 10000);
  const guint kept = n_kept (log);
  g_test_message ("10,000 sub-steps, %u snapshots kept within %" G_GUINT64_FORMAT " bytes", kept, budget);
  g_assert_cmpuint (kept, >, 1);
  g_assert_cmpuint (kept, <, 1000);
  const guint probes[] = { 1, 2, 4999, 5000, 7777, 9999, 10000 };
  for (guint p = 0; p < G_N_ELEMENTS (probes); p++)
    {
      g_autofree char *loop = g_strdup_printf ("\"steps\":%u,\"record_every\":%u", probes[p], probes[p]);
      g_autofree char *cut = recipe_json (opt, NULL, loop, TRUE, 8);
      g_autoptr (PsTimeline) ref = replay (cut, G_MAXUINT64);
      PsState *want = ps_timeline_get_state (ref, ps_timeline_get_n_steps (ref));
      g_autoptr (GError) error = NULL;
      g_autoptr (PsState) got = ps_train_log_get_state (log, probes[p] - 1, &error);
      g_assert_no_error (error);
      g_autofree char *what = g_strdup_printf ("sub-step %u of 10,000", probes[p]);
      assert_same_state (what, want, got);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-replay/replayed-equal", test_replayed_equal);
  g_test_add_func ("/train-replay/ten-thousand-steps", test_ten_thousand_steps);
  return g_test_run ();
}
