/* test-substep-replay — several recorded sub-steps' states at once, replayed in a worker
 * (ps_substep_replay_start): each state equals ps_train_log_get_state's for the same record, in
 * the order asked (kept and dropped snapshots, from two train ops' logs), the progress counter
 * reaches n, and a cancelled batch ends with G_IO_ERROR_CANCELLED. */
#include <string.h>
#include "ps-timeline.h"
#include "ps-train-ops.h"
#include "ps-substep-replay.h"
#include "async-test-util.h"

/* a 2-8-2 MLP trained twice on xor, every step recorded: two train ops' logs */
static const char recipe_json[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":100}},"
  "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":8}},"
  "{\"op\":\"module\",\"id\":\"act\",\"type\":\"Tanh\"},"
  "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":8,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc1\",\"act\",\"head\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1,\"momentum\":0.9}},"
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","
  "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"shuffle\":true,\"steps\":30,\"record_every\":1},"
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","
  "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"shuffle\":true,\"steps\":20,\"record_every\":1}]}";

static PsTimeline *
replay (guint64 budget)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (recipe_json, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, NULL, budget);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s", ps_timeline_get_error (tl)->message);
  return tl;
}

/* every parameter's value, bit for bit */
static void
assert_same_params (const char *what, PsState *a, PsState *b)
{
  g_autoptr (GPtrArray) sa = ps_module_state_dict (ps_state_get_module (a, "mlp"));
  g_autoptr (GPtrArray) sb = ps_module_state_dict (ps_state_get_module (b, "mlp"));
  g_assert_cmpuint (sa->len, ==, sb->len);
  for (guint i = 0; i < sa->len; i++)
    {
      PsNamedItem *x = sa->pdata[i], *y = sb->pdata[i];
      g_assert_cmpstr (x->path, ==, y->path);
      const PsTensor *tx = x->param->value, *ty = y->param->value;
      g_assert_true (ps_tensor_same_shape (tx, ty));
      if (memcmp (tx->data, ty->data, ps_tensor_nbytes (tx)) != 0)
        g_error ("%s: %s differs", what, x->path);
    }
}

static void
test_batch (void)
{
  g_autoptr (PsTimeline) tl = replay (4 * 1024);   /* a few snapshots kept, the others dropped */
  const guint n_steps = ps_timeline_get_n_steps (tl);
  PsState *first = ps_timeline_get_state (tl, n_steps - 1), *second = ps_timeline_get_state (tl, n_steps);
  g_assert_nonnull (first->train_log);
  g_assert_nonnull (second->train_log);
  g_assert_cmpuint (first->train_log->records->len, ==, 30);
  g_assert_cmpuint (second->train_log->records->len, ==, 20);
  /* out of order, a repeat, both logs; some dropped, the newest (kept) of each */
  PsState *owners[] = { first, first, second, first, second, first, second };
  const guint indices[] = { 17, 3, 11, 29, 19, 17, 0 };
  const guint n = G_N_ELEMENTS (indices);
  guint dropped = 0;
  for (guint i = 0; i < n; i++)
    dropped += ((const PsTrainRecord *) owners[i]->train_log->records->pdata[indices[i]])->state == NULL;
  g_assert_cmpuint (dropped, >=, 3);

  GAsyncResult *result = NULL;
  g_autoptr (GTask) task = ps_substep_replay_start (owners, indices, n, NULL, store_result, &result);
  g_assert_nonnull (task);
  g_assert_cmpuint (ps_substep_replay_get_n (task), ==, n);
  wait_result (&result);
  g_assert_cmpuint (ps_substep_replay_get_done (task), ==, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_cmpuint (states->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PsState) want = ps_train_log_get_state (owners[i]->train_log, indices[i], &error);
      g_assert_no_error (error);
      g_autofree char *what = g_strdup_printf ("entry %u (record %u)", i, indices[i]);
      assert_same_params (what, want, states->pdata[i]);
    }
  /* the two logs differ: the same index of the other log is another state */
  g_autoptr (PsState) other = ps_train_log_get_state (second->train_log, 17, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) sa = ps_module_state_dict (ps_state_get_module (states->pdata[0], "mlp"));
  g_autoptr (GPtrArray) sb = ps_module_state_dict (ps_state_get_module (other, "mlp"));
  const PsTensor *ta = ((PsNamedItem *) sa->pdata[0])->param->value, *tb = ((PsNamedItem *) sb->pdata[0])->param->value;
  g_assert_true (memcmp (ta->data, tb->data, ps_tensor_nbytes (ta)) != 0);
}

/* cancelled before it starts: the worker stops and says so; nothing is returned */
static void
test_cancelled (void)
{
  g_autoptr (PsTimeline) tl = replay (0);   /* only the newest snapshot of each log */
  PsState *owner = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl) - 1);
  const guint indices[] = { 5, 20 };
  PsState *owners[] = { owner, owner };
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  GAsyncResult *result = NULL;
  g_autoptr (GTask) task = ps_substep_replay_start (owners, indices, 2, c, store_result, &result);
  wait_result (&result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) states = ps_substep_replay_finish (result, &error);
  g_object_unref (result);
  g_assert_null (states);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (ps_substep_replay_get_done (task), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/substep-replay/batch", test_batch);
  g_test_add_func ("/substep-replay/cancelled", test_cancelled);
  return g_test_run ();
}
