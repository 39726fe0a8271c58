/* test-train-snapshots.c — PsTrainSnapshots, the Training page's snapshots of recorded sub-steps
 * (moved out of the GTK page): a kept snapshot at once; a dropped one (memory budget 0) replayed in
 * a worker — pending until `ready`, then the same values as the unbudgeted run's snapshot; a second
 * request for the same record starts nothing new; a newer request supersedes an older one (one
 * `ready`, the older result dropped); the newest PS_TRAIN_SNAPSHOTS_KEEP results kept; `now`
 * replays in the caller's thread; forgetting or freeing mid-replay drops the late result (no
 * `ready`). */
#include <string.h>

#include "ps-train-snapshots.h"
#include "train-records-test-util.h"

static const char recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":64}},"
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1}},"
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":12,\"record_every\":1}]}";

typedef TrainRecordsFixture Fixture;

static void
fixture_init (Fixture *fx)
{
  train_records_fixture_init (fx, recipe);
  g_assert_cmpuint (ps_train_records_get_n (fx->recs), ==, 12);
  g_assert_null (ps_train_records_get_state (fx->recs, 3));
  g_assert_nonnull (ps_train_records_get_state (fx->recs, 11));
}

static void
assert_same_weight (Fixture *fx, PsState *st, guint i)
{
  PsParam *p = NULL, *q = NULL;
  g_assert_true (ps_state_resolve (st, "fc.weight", NULL, &p, NULL));
  g_assert_true (ps_state_resolve (ps_train_records_get_state (fx->all, i), "fc.weight", NULL, &q, NULL));
  g_assert_cmpmem (ps_tensor_cf32 (p->value), 4 * sizeof (float), ps_tensor_cf32 (q->value), 4 * sizeof (float));
}

static void
test_replay (void)
{
  Fixture fx;
  fixture_init (&fx);
  PsTrainSnapshots *s = ps_train_snapshots_new (fx.recs, train_records_on_ready, &fx);
  gboolean pending = TRUE;
  /* kept: at once */
  g_autoptr (PsState) last = ps_train_snapshots_get (s, 11, FALSE, &pending);
  g_assert_false (pending);
  g_assert_true (last == ps_train_records_get_state (fx.recs, 11));
  /* dropped: in a worker */
  g_assert_null (ps_train_snapshots_get (s, 3, FALSE, &pending));
  g_assert_true (pending);
  g_assert_true (ps_train_snapshots_get_replaying (s));
  g_assert_null (ps_train_snapshots_get (s, 3, FALSE, &pending));   /* on its way: nothing new */
  g_assert_true (pending);
  train_records_wait_ready (&fx, 1);
  g_assert_false (ps_train_snapshots_get_replaying (s));
  g_assert_true (ps_train_snapshots_has_result (s, 3));
  g_assert_null (ps_train_snapshots_get_error (s, 3));
  g_assert_cmpfloat (ps_train_snapshots_get_last_ms (s), >, 0);
  g_autoptr (PsState) st = ps_train_snapshots_get (s, 3, FALSE, &pending);
  g_assert_false (pending);
  assert_same_weight (&fx, st, 3);
  train_records_run_for (50);
  g_assert_cmpuint (fx.n_ready, ==, 1);   /* one replay, one ready */
  /* `now`: in this thread, nothing kept */
  g_autoptr (PsState) now = ps_train_snapshots_get (s, 5, TRUE, &pending);
  g_assert_false (pending);
  g_assert_nonnull (now);
  assert_same_weight (&fx, now, 5);
  g_assert_false (ps_train_snapshots_has_result (s, 5));
  g_assert_false (ps_train_snapshots_get_replaying (s));
  ps_train_snapshots_free (s);
  train_records_fixture_clear (&fx);
}

static void
test_newer_wins_and_keep (void)
{
  Fixture fx;
  fixture_init (&fx);
  PsTrainSnapshots *s = ps_train_snapshots_new (fx.recs, train_records_on_ready, &fx);
  gboolean pending = FALSE;
  g_assert_null (ps_train_snapshots_get (s, 1, FALSE, &pending));
  g_assert_null (ps_train_snapshots_get (s, 2, FALSE, &pending));   /* supersedes 1 */
  train_records_wait_ready (&fx, 1);
  train_records_run_for (100);
  g_assert_cmpuint (fx.n_ready, ==, 1);
  g_assert_false (ps_train_snapshots_has_result (s, 1));
  g_assert_true (ps_train_snapshots_has_result (s, 2));
  /* the newest PS_TRAIN_SNAPSHOTS_KEEP results stay */
  for (guint i = 3; i < 3 + PS_TRAIN_SNAPSHOTS_KEEP; i++)
    {
      g_assert_null (ps_train_snapshots_get (s, i, FALSE, &pending));
      train_records_wait_ready (&fx, 1 + i - 2);
    }
  g_assert_false (ps_train_snapshots_has_result (s, 2));
  for (guint i = 3; i < 3 + PS_TRAIN_SNAPSHOTS_KEEP; i++)
    g_assert_true (ps_train_snapshots_has_result (s, i));
  /* an export's missing snapshots: neither kept (11) nor replayed here (3 … 6), each once, in order */
  {
    const guint want[] = { 0, 11, 3, 7, 0, 6, 10 };
    g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
    g_autoptr (GArray) in_log = g_array_new (FALSE, FALSE, sizeof (guint));
    g_autoptr (GPtrArray) owners = g_ptr_array_new ();
    ps_train_snapshots_missing (s, want, G_N_ELEMENTS (want), indices, owners, in_log);
    static const guint expect[] = { 0, 7, 10 };
    g_assert_cmpuint (indices->len, ==, G_N_ELEMENTS (expect));
    g_assert_cmpuint (owners->len, ==, G_N_ELEMENTS (expect));
    for (guint j = 0; j < G_N_ELEMENTS (expect); j++)
      {
        g_assert_cmpuint (g_array_index (indices, guint, j), ==, expect[j]);
        g_assert_true (owners->pdata[j] == ps_timeline_get_state (fx.thin, 5));
        g_assert_cmpuint (g_array_index (in_log, guint, j), ==, expect[j]);
      }
  }
  /* forgetting mid-replay: no ready, nothing kept */
  guint n = fx.n_ready;
  g_assert_null (ps_train_snapshots_get (s, 9, FALSE, &pending));
  ps_train_snapshots_forget (s);
  g_assert_false (ps_train_snapshots_get_replaying (s));
  train_records_run_for (300);
  g_assert_cmpuint (fx.n_ready, ==, n);
  g_assert_false (ps_train_snapshots_has_result (s, 9));
  g_assert_false (ps_train_snapshots_has_result (s, 3));
  /* freeing mid-replay: the late result finds nobody */
  g_assert_null (ps_train_snapshots_get (s, 8, FALSE, &pending));
  ps_train_snapshots_free (s);
  train_records_run_for (300);
  g_assert_cmpuint (fx.n_ready, ==, n);
  train_records_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-snapshots/replay", test_replay);
  g_test_add_func ("/train-snapshots/newer-wins-and-keep", test_newer_wins_and_keep);
  return g_test_run ();
}
