/* test-train-walk.c — ps_train_walk, the one walk over a timeline's train records behind the app's
 * Training page and sub-step slider and the CLI's loss-curve and training figures: records in
 * timeline order with their op step and index, the training x axis continued across runs (a new
 * optimizer's count starts again after the run before; a continued optimizer keeps its count),
 * only up to the step asked for, and the same axis when only counting (no callback). */
#include "ps-train-walk.h"

static const char recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":64}},"
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1}},"
  /* step 5: 10 steps, every one recorded: x 1 … 10 */
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":10,\"record_every\":1},"
  "{\"op\":\"module\",\"id\":\"spare\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}},"
  "{\"op\":\"optimizer\",\"id\":\"opt2\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.05}},"
  /* step 8: a new optimizer (its count starts at 1 again), every 2nd step: x 12, 14, 16 */
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt2\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":6,\"record_every\":2},"
  /* step 9: the first optimizer continued (its steps 11 … 14): x 17 … 20 */
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":4,\"record_every\":1}]}";

static const int64_t expected_x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 17, 18, 19, 20 };
static const guint expected_op[] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 8, 8, 8, 9, 9, 9, 9 };

typedef struct {
  GArray *x, *op, *index;
  GPtrArray *records;
} Seen;

static void
seen (const PsTrainWalkItem *item, gpointer data)
{
  Seen *s = data;
  g_assert_nonnull (item->state);
  g_assert_true (item->state->train_log->records->pdata[item->index] == item->record);
  g_array_append_val (s->x, item->x);
  g_array_append_val (s->op, item->op_step);
  g_array_append_val (s->index, item->index);
  g_ptr_array_add (s->records, (gpointer) item->record);
}

static PsTimeline *
timeline (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (recipe, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 9);
  return tl;
}

static void
seen_init (Seen *s)
{
  s->x = g_array_new (FALSE, FALSE, sizeof (int64_t));
  s->op = g_array_new (FALSE, FALSE, sizeof (guint));
  s->index = g_array_new (FALSE, FALSE, sizeof (guint));
  s->records = g_ptr_array_new ();
}

static void
seen_clear (Seen *s)
{
  g_array_unref (s->x);
  g_array_unref (s->op);
  g_array_unref (s->index);
  g_ptr_array_unref (s->records);
}

static void
test_whole (void)
{
  g_autoptr (PsTimeline) tl = timeline ();
  Seen s;
  seen_init (&s);
  PsTrainAxis axis = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_train_walk (tl, ps_timeline_get_n_steps (tl), NULL, &axis, seen, &s, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s.x->len, ==, G_N_ELEMENTS (expected_x));
  for (guint i = 0; i < s.x->len; i++)
    {
      g_assert_cmpint (g_array_index (s.x, int64_t, i), ==, expected_x[i]);
      g_assert_cmpuint (g_array_index (s.op, guint, i), ==, expected_op[i]);
    }
  /* indices restart at 0 in each op's log, in order */
  g_assert_cmpuint (g_array_index (s.index, guint, 10), ==, 0);
  g_assert_cmpuint (g_array_index (s.index, guint, 12), ==, 2);
  g_assert_cmpuint (g_array_index (s.index, guint, 16), ==, 3);
  /* the axis is left after the last record: a live run goes on from there */
  g_assert_cmpint (axis.last, ==, 20);
  seen_clear (&s);
}

static void
test_upto_and_count_only (void)
{
  g_autoptr (PsTimeline) tl = timeline ();
  Seen s;
  seen_init (&s);
  PsTrainAxis axis = { 0, 0, 0 };
  /* up to step 8 (the second train op), its state given as the one being built */
  g_assert_true (ps_train_walk (tl, 8, ps_timeline_get_state (tl, 8), &axis, seen, &s, NULL, NULL));
  g_assert_cmpuint (s.x->len, ==, 13);
  g_assert_cmpint (g_array_index (s.x, int64_t, 12), ==, 16);
  g_assert_cmpint (axis.last, ==, 16);
  /* steps before the first train op: nothing */
  PsTrainAxis none = { 0, 0, 0 };
  g_assert_true (ps_train_walk (tl, 4, NULL, &none, seen, &s, NULL, NULL));
  g_assert_cmpuint (s.x->len, ==, 13);
  g_assert_cmpint (none.last, ==, 0);
  /* counting only: the same axis as with a callback */
  PsTrainAxis counted = { 0, 0, 0 }, walked = { 0, 0, 0 };
  g_assert_true (ps_train_walk (tl, 9, NULL, &counted, NULL, NULL, NULL, NULL));
  g_assert_true (ps_train_walk (tl, 9, NULL, &walked, seen, &s, NULL, NULL));
  g_assert_cmpint (counted.last, ==, walked.last);
  g_assert_cmpint (counted.base, ==, walked.base);
  g_assert_cmpint (counted.end, ==, walked.end);
  /* and a run continued after the walk (the app's live run) counts on from the last record */
  g_assert_cmpint (ps_train_axis_next (&counted, 15), ==, 21);
  seen_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-walk/whole", test_whole);
  g_test_add_func ("/train-walk/upto-and-count-only", test_upto_and_count_only);
  return g_test_run ();
}
