/* test-substep-tensors.c — PsSubstepTensors, the batch replay shared by Over Time (PsSubstepSeries)
 * and the Training page's ridgeline and bands (PsTrainSeries), whose own tests cover the figures,
 * a second request while one runs, another choice, forget and free mid-batch. Here: the picked
 * tensors kept by record index and equal to the unbudgeted run's, `pick` called only for the
 * current batch, keep_only, nothing to request, and a failed batch (the memory budget runs out
 * while it replays): its error kept, `ready` told, no new batch until forgotten. */
#include "ps-substep-tensors.h"
#include "train-records-test-util.h"
#include "ps-train-view.h"
#include "ps-memory.h"

static const char recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":5,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":32}},"
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":3}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"Adam\",\"args\":{\"lr\":0.01}},"
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":8,\"steps\":8,\"record_every\":1}]}";

typedef struct {
  TrainRecordsFixture fx;
  guint picks;
  const char *what;
  GPtrArray *owners;     /* the dropped records' owners, */
  GArray *ks, *indices;  /* their indices in the owners' logs and among the records */
} Fixture;

static PsTensor *
pick (PsState *st, gpointer data)
{
  Fixture *f = data;
  f->picks++;
  return ps_train_view_param_tensor (st, "mlp.0.weight", f->what, "", NULL, NULL);
}

static void
on_ready (gpointer data)
{
  ((Fixture *) data)->fx.n_ready++;
}

/* the records and their dropped ones (budget 0: all but the last) */
static void
fixture_init (Fixture *f)
{
  train_records_fixture_init (&f->fx, recipe);
  f->owners = g_ptr_array_new ();
  f->ks = g_array_new (FALSE, FALSE, sizeof (guint));
  f->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < ps_train_records_get_n (f->fx.recs); i++)
    {
      guint k = 0;
      PsState *owner = ps_train_records_get_owner (f->fx.recs, i, &k);
      if (ps_train_records_get_state (f->fx.recs, i) == NULL && owner != NULL)
        {
          g_ptr_array_add (f->owners, owner);
          g_array_append_val (f->ks, k);
          g_array_append_val (f->indices, i);
        }
    }
}

static void
fixture_clear (Fixture *f)
{
  g_ptr_array_unref (f->owners);
  g_array_unref (f->ks);
  g_array_unref (f->indices);
  train_records_fixture_clear (&f->fx);
}

static gboolean
even (guint i, gpointer data)
{
  return i % 2 == 0;
}

static void
test_batch (void)
{
  Fixture f = { .what = "exp_avg_sq" };
  fixture_init (&f);
  const guint n = f.indices->len;
  g_assert_cmpuint (n, >=, 7);
  PsSubstepTensors *t = ps_substep_tensors_new (pick, on_ready, &f);
  g_assert_false (ps_substep_tensors_request (t, NULL, NULL, NULL, 0));   /* nothing to do */
  g_assert_false (ps_substep_tensors_get_replaying (t));
  /* a batch that is forgotten: its result is not picked */
  g_assert_true (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                             (guint *) f.indices->data, n));
  ps_substep_tensors_forget (t);
  g_assert_false (ps_substep_tensors_get_replaying (t));
  /* the current one: every record's tensor, the unbudgeted run's */
  g_assert_true (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                             (guint *) f.indices->data, n));
  g_assert_true (ps_substep_tensors_get_replaying (t));
  g_assert_null (ps_substep_tensors_get (t, g_array_index (f.indices, guint, 0)));
  train_records_wait_ready (&f.fx, 1);
  train_records_run_for (200);   /* (the forgotten batch's late result meanwhile) */
  g_assert_cmpuint (f.fx.n_ready, ==, 1);
  g_assert_cmpuint (f.picks, ==, n);
  g_assert_false (ps_substep_tensors_get_replaying (t));
  g_assert_null (ps_substep_tensors_get_error (t));
  for (guint j = 0; j < n; j++)
    {
      guint i = g_array_index (f.indices, guint, j);
      g_autoptr (PsTensor) want = ps_train_view_param_tensor (ps_train_records_get_state (f.fx.all, i), "mlp.0.weight",
                                                              f.what, "", NULL, NULL);
      g_assert_nonnull (want);
      g_assert_true (ps_tensor_equal (ps_substep_tensors_get (t, i), want));
    }
  /* keep_only lets go of the others */
  ps_substep_tensors_keep_only (t, even, NULL);
  for (guint j = 0; j < n; j++)
    {
      guint i = g_array_index (f.indices, guint, j);
      g_assert_true ((ps_substep_tensors_get (t, i) != NULL) == (i % 2 == 0));
    }
  ps_substep_tensors_free (t);
  fixture_clear (&f);
}

static void
test_failed_batch (void)
{
  Fixture f = { .what = "value" };
  fixture_init (&f);
  const guint n = f.indices->len;
  PsSubstepTensors *t = ps_substep_tensors_new (pick, on_ready, &f);
  /* no room left for the replay's tensors */
  const guint64 before = ps_memory_get_budget ();
  ps_memory_set_budget (ps_memory_in_use (PS_MEMORY_N_KINDS) + 1);
  g_assert_true (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                             (guint *) f.indices->data, n));
  train_records_wait_ready (&f.fx, 1);
  ps_memory_set_budget (before);
  g_test_message ("the failed batch: %s", ps_substep_tensors_get_error (t));
  g_assert_nonnull (ps_substep_tensors_get_error (t));
  g_assert_cmpuint (f.picks, ==, 0);
  g_assert_false (ps_substep_tensors_get_replaying (t));
  /* no new batch until forgotten; then it goes through */
  g_assert_false (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                              (guint *) f.indices->data, n));
  g_assert_false (ps_substep_tensors_get_replaying (t));
  ps_substep_tensors_forget (t);
  g_assert_null (ps_substep_tensors_get_error (t));
  g_assert_true (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                             (guint *) f.indices->data, n));
  train_records_wait_ready (&f.fx, 2);
  g_assert_null (ps_substep_tensors_get_error (t));
  g_assert_cmpuint (f.picks, ==, n);
  /* freed mid-batch: nobody is told */
  ps_substep_tensors_forget (t);
  g_assert_true (ps_substep_tensors_request (t, (PsState *const *) f.owners->pdata, (guint *) f.ks->data,
                                             (guint *) f.indices->data, n));
  ps_substep_tensors_free (t);
  train_records_run_for (300);
  g_assert_cmpuint (f.fx.n_ready, ==, 2);
  g_assert_cmpuint (f.picks, ==, n);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/substep-tensors/batch", test_batch);
  g_test_add_func ("/substep-tensors/failed-batch", test_failed_batch);
  return g_test_run ();
}
