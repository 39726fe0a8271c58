/* test-train-records.c — PsTrainRecords, the recorded sub-steps the Training page scrubs through
 * (moved out of the GTK page): a timeline's train records in order with their place on the training
 * axis, their snapshots (NULL where the memory budget dropped them), the state whose log holds each
 * (a dropped one replays from it to the same values) and the train op that recorded it; a live run's
 * records continue the timeline's axis exactly where they will sit once the run is in the timeline;
 * clearing forgets everything; and the one-line description of a record. */
#include <math.h>
#include <string.h>

#include "ps-train-monitor.h"
#include "ps-train-ops.h"
#include "ps-train-records.h"

#define PREFIX_EVERY(k) "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["  \
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":64}},"                       \
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}," \
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"             \
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1}}," \
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","                     \
  "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"steps\":10,\"record_every\":" k "}"
#define PREFIX PREFIX_EVERY ("1")
#define OPT2 "{\"op\":\"optimizer\",\"id\":\"opt2\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.05}}"
#define TRAIN2 "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt2\",\"data\":\"d\"," \
  "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"steps\":6,\"record_every\":2}"

/* steps 1–5 train opt 10 steps (x 1 … 10); 6 a new optimizer; 7 trains it, every 2nd step (x 12, 14, 16) */
static const char recipe_two_runs[] = PREFIX "," OPT2 "," TRAIN2 "]}";
static const char recipe_one_run[] = PREFIX "]}";
/* the first run recorded at steps 4 and 8 of its 10: the live run starts after step 10, not 8 */
static const char recipe_every_4[] = PREFIX_EVERY ("4") "]}";
static const int64_t expected_x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16 };

static PsTimeline *
timeline (const char *json, guint64 budget)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, budget);
  g_assert_null (ps_timeline_get_error (tl));
  return tl;
}

static void
test_timeline (void)
{
  g_autoptr (PsTimeline) tl = timeline (recipe_two_runs, G_MAXUINT64);
  g_autoptr (PsTrainRecords) recs = ps_train_records_new ();
  ps_train_records_index_timeline (recs, tl);
  const PsRecipe *recipe = ps_timeline_get_recipe (tl);
  g_assert_cmpuint (ps_train_records_get_n (recs), ==, G_N_ELEMENTS (expected_x));
  g_assert_true (ps_train_records_axis_continues (recs));
  g_assert_null (ps_train_records_get_skipped (recs));
  for (guint i = 0; i < G_N_ELEMENTS (expected_x); i++)
    {
      g_assert_cmpint (ps_train_records_get_x (recs, i), ==, expected_x[i]);
      g_assert_cmpint (ps_train_records_get_xs (recs)[i], ==, expected_x[i]);
      const PsTrainRecord *r = ps_train_records_get (recs, i);
      g_assert_true (ps_train_records_get_all (recs)[i] == r);
      /* no budget: every snapshot kept */
      g_assert_true (ps_train_records_get_state (recs, i) == r->state);
      g_assert_nonnull (r->state);
      guint k = G_MAXUINT;
      PsState *owner = ps_train_records_get_owner (recs, i, &k);
      g_assert_nonnull (owner);
      g_assert_true (owner->train_log->records->pdata[k] == r);
      /* the train op that recorded it: the first run's records are step 5's, the second's step 7's */
      guint op_step = i < 10 ? 5 : 7;
      g_assert_true (owner == ps_timeline_get_state (tl, op_step));
      const PsOp *op = ps_train_records_get_op (recs, i, recipe);
      g_assert_true (op == recipe->ops->pdata[op_step - 1]);
      g_assert_cmpstr (ps_op_get_kind (op), ==, "train");
    }
  g_assert_cmpint (ps_train_records_get_x (recs, 99), ==, -1);
  g_assert_null (ps_train_records_get_state (recs, 99));
  guint k = 0;
  g_assert_null (ps_train_records_get_owner (recs, 99, &k));
  g_assert_null (ps_train_records_get_op (recs, 0, NULL));
  /* indexed again: the same, not appended */
  ps_train_records_index_timeline (recs, tl);
  g_assert_cmpuint (ps_train_records_get_n (recs), ==, G_N_ELEMENTS (expected_x));
  ps_train_records_clear (recs);
  g_assert_cmpuint (ps_train_records_get_n (recs), ==, 0);
  g_assert_false (ps_train_records_axis_continues (recs));
}

/* Under a memory budget of 0 only the last snapshot stays: the others are NULL, and their owner's log
 * replays each to the snapshot the unbudgeted run kept. */
static void
test_dropped (void)
{
  g_autoptr (PsTimeline) full = timeline (recipe_one_run, G_MAXUINT64);
  g_autoptr (PsTimeline) thin = timeline (recipe_one_run, 0);
  g_autoptr (PsTrainRecords) a = ps_train_records_new ();
  g_autoptr (PsTrainRecords) b = ps_train_records_new ();
  ps_train_records_index_timeline (a, full);
  ps_train_records_index_timeline (b, thin);
  g_assert_cmpuint (ps_train_records_get_n (b), ==, 10);
  guint dropped = 0;
  for (guint i = 0; i < 10; i++)
    {
      if (ps_train_records_get_state (b, i) != NULL)
        continue;
      dropped++;
      guint k = 0;
      PsState *owner = ps_train_records_get_owner (b, i, &k);
      g_assert_nonnull (owner);
      g_assert_cmpuint (k, ==, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsState) st = ps_train_log_get_state (owner->train_log, k, &error);
      g_assert_no_error (error);
      PsParam *p = NULL, *q = NULL;
      g_assert_true (ps_state_resolve (st, "fc.weight", NULL, &p, NULL));
      g_assert_true (ps_state_resolve (ps_train_records_get_state (a, i), "fc.weight", NULL, &q, NULL));
      g_assert_cmpmem (ps_tensor_cf32 (p->value), 4 * sizeof (float), ps_tensor_cf32 (q->value), 4 * sizeof (float));
    }
  g_assert_cmpuint (dropped, ==, 9);
}

/* A live run appended after the timeline's train ops: its records sit on the axis where they will
 * once the run is in the timeline (the two-run recipe indexed as a whole). */
static void
test_live (void)
{
  g_autoptr (PsTimeline) tl = timeline (recipe_every_4, G_MAXUINT64);
  g_autoptr (PsTrainRecords) recs = ps_train_records_new ();
  ps_train_records_index_timeline (recs, tl);
  ps_train_records_begin_live (recs, tl);
  g_assert_cmpuint (ps_train_records_get_n (recs), ==, 0);   /* the timeline's are only counted */
  g_autoptr (PsTrainMonitor) monitor = ps_train_monitor_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, OPT2, -1, &error));
  g_assert_true (ps_timeline_append_op (tl, json_node_get_object (json_parser_get_root (parser)), &error));
  g_assert_no_error (error);
  ps_train_monitor_attach (monitor, NULL);
  g_assert_true (json_parser_load_from_data (parser, TRAIN2, -1, &error));
  g_assert_true (ps_timeline_append_op (tl, json_node_get_object (json_parser_get_root (parser)), &error));
  ps_train_monitor_detach (monitor);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_train_monitor_get_n_records (monitor), ==, 3);
  ps_train_records_index_monitor (recs, monitor);
  ps_train_records_index_monitor (recs, monitor);   /* nothing new: nothing appended */
  g_assert_cmpuint (ps_train_records_get_n (recs), ==, 3);
  g_autoptr (PsTrainRecords) after = ps_train_records_new ();
  ps_train_records_index_timeline (after, tl);
  const guint first = ps_train_records_get_n (after) - 3;
  g_assert_cmpint (ps_train_records_get_x (after, first - 1), <, 10);   /* step 10 itself not recorded */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (ps_train_records_get_x (recs, i), ==, expected_x[10 + i]);
      g_assert_cmpint (ps_train_records_get_x (recs, i), ==, ps_train_records_get_x (after, first + i));
      g_assert_true (ps_train_records_get (recs, i) == ps_train_monitor_get_record (monitor, i));
      g_assert_null (ps_train_records_get_state (recs, i));
      guint k = 0;
      g_assert_null (ps_train_records_get_owner (recs, i, &k));
      g_assert_null (ps_train_records_get_op (recs, i, ps_timeline_get_recipe (tl)));
    }
}

static void
test_describe (void)
{
  PsTrainRecord r = { .step = 60, .epoch = 3, .loss = 0.31f, .accuracy = 0.75, .lr = 0.1, .grad_norm = 0.52 };
  g_autofree char *a = ps_train_record_describe (&r, 80);
  g_assert_cmpstr (a, ==, "training step 80 (optimizer step 60 of its run) · epoch 3 · loss 0.31 · accuracy 75.0 % "
                          "· lr 0.1 · ‖g‖ 0.52");
  r.accuracy = NAN;
  r.loss = NAN;
  g_autofree char *b = ps_train_record_describe (&r, 60);
  g_assert_cmpstr (b, ==, "training step 60 · epoch 3 · loss nan · lr 0.1 · ‖g‖ 0.52");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-records/timeline", test_timeline);
  g_test_add_func ("/train-records/dropped", test_dropped);
  g_test_add_func ("/train-records/live", test_live);
  g_test_add_func ("/train-records/describe", test_describe);
  return g_test_run ();
}
