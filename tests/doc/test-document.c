/* PsDocument without a display: one Undo per user action (Add Layer's construct + attach, New
 * Seed), all-or-nothing groups, background jobs with progress, cancellation (before a job starts and
 * while it runs), and refusal while busy. */
#include "ps-document.h"
#include "ps-error.h"

#include <string.h>

static JsonObject *
parse_op (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static PsDocument *
empty_model (void)
{
  PsDocument *doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}",
                                            &error));
  g_assert_no_error (error);
  return doc;
}

static PsTensor *
value_at (PsDocument *doc, const char *target)
{
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), target, NULL, &p, NULL));
  return p->value;
}

static void
test_groups (void)
{
  g_autoptr (PsDocument) doc = empty_model ();
  g_autoptr (JsonObject) m = parse_op ("{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":2}}");
  g_autoptr (JsonObject) at = parse_op ("{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  JsonObject *ops[] = { m, at };
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_ops (doc, ops, 2, &error));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 3);
  g_assert_true (ps_document_get_modified (doc));
  g_autoptr (PsTensor) w = ps_tensor_ref (value_at (doc, "model.0.weight"));
  /* one undo: both steps */
  g_assert_true (ps_document_can_undo (doc));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 1);
  g_assert_true (ps_document_can_redo (doc));
  g_assert_true (ps_document_redo (doc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 3);
  g_assert_true (ps_tensor_equal (w, value_at (doc, "model.0.weight")));
  g_assert_false (ps_document_can_redo (doc));

  /* a group whose second op fails changes nothing */
  g_autoptr (JsonObject) m2 = parse_op ("{\"op\":\"module\",\"id\":\"fc2\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}");
  g_autoptr (JsonObject) bad = parse_op ("{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc2\"}");
  JsonObject *ops2[] = { m2, bad };
  PsState *kept = ps_document_get_current_state (doc);
  g_assert_false (ps_document_apply_ops (doc, ops2, 2, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 3);
  g_assert_true (ps_document_get_current_state (doc) == kept);
  g_assert_false (ps_document_can_redo (doc));   /* the half-applied group is not "redoable" */
  g_assert_null (ps_state_get_module (ps_document_get_current_state (doc), "fc2"));

  /* older single steps still undo one at a time */
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 1);
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 0);
  g_assert_false (ps_document_undo (doc));
  g_assert_false (ps_document_can_undo (doc));
}

/* New Seed is undoable: Undo brings back the old seed and exactly the old values. */
static void
test_seed_undo (void)
{
  g_autoptr (PsDocument) doc = empty_model ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":4,\"out_features\":4}}", &error));
  g_autoptr (PsTensor) before = ps_tensor_ref (value_at (doc, "fc.weight"));
  g_assert_true (ps_document_reseed (doc, 1234, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ps_document_get_seed (doc), ==, 1234);
  g_assert_false (ps_tensor_equal (before, value_at (doc, "fc.weight")));
  g_autoptr (PsTensor) after = ps_tensor_ref (value_at (doc, "fc.weight"));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpint (ps_document_get_seed (doc), ==, 0);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 2);   /* the steps stay */
  g_assert_true (ps_tensor_equal (before, value_at (doc, "fc.weight")));
  g_assert_true (ps_document_redo (doc, &error));
  g_assert_cmpint (ps_document_get_seed (doc), ==, 1234);
  g_assert_true (ps_tensor_equal (after, value_at (doc, "fc.weight")));
  /* the same seed again is no action */
  g_assert_true (ps_document_reseed (doc, 1234, &error));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpint (ps_document_get_seed (doc), ==, 0);
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} Wait;

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;
  if (g_task_get_source_tag (G_TASK (result)) == ps_document_reseed_async)
    w->ok = ps_document_reseed_finish (PS_DOCUMENT (source), result, &w->error);
  else if (g_task_get_source_tag (G_TASK (result)) == ps_document_apply_op_async)
    w->ok = ps_document_apply_op_finish (PS_DOCUMENT (source), result, &w->error);
  else
    w->ok = ps_document_replay_finish (PS_DOCUMENT (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static PsDocument *
bigger_model (void)
{
  PsDocument *doc = empty_model ();
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"op\":\"module\",\"id\":\"l%d\",\"type\":\"Linear\","
                                               "\"args\":{\"in_features\":64,\"out_features\":64}}", i);
      g_assert_true (ps_document_apply_op_json (doc, json, NULL));
    }
  return doc;
}

static void
test_jobs (void)
{
  g_autoptr (PsDocument) doc = bigger_model ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint n = ps_document_get_n_steps (doc);
  g_autoptr (PsTensor) w0 = ps_tensor_ref (value_at (doc, "l3.weight"));

  /* a reseed in the worker: busy until done, then undoable like the synchronous one */
  Wait w = { loop, FALSE, NULL };
  ps_document_reseed_async (doc, 99, NULL, on_done, &w);
  g_assert_true (ps_document_get_busy (doc));
  g_assert_false (ps_document_can_undo (doc));
  g_assert_false (ps_document_undo (doc));   /* refused while busy */
  /* a second job is refused with BUSY and changes nothing */
  Wait w2 = { loop, FALSE, NULL };
  ps_document_replay_async (doc, NULL, on_done, &w2);
  g_main_loop_run (loop);   /* the refusal reports at once (idle) */
  if (w2.error == NULL)
    g_main_loop_run (loop);
  g_assert_error (w2.error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&w2.error);
  if (ps_document_get_busy (doc))
    g_main_loop_run (loop);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  g_assert_false (ps_document_get_busy (doc));
  g_assert_cmpint (ps_document_get_seed (doc), ==, 99);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_false (ps_tensor_equal (w0, value_at (doc, "l3.weight")));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpint (ps_document_get_seed (doc), ==, 0);
  g_assert_true (ps_tensor_equal (w0, value_at (doc, "l3.weight")));

  /* a forward appended in the worker is one undo step */
  g_autoptr (JsonObject) fwd = parse_op ("{\"op\":\"forward\",\"target\":\"l0\",\"input\":{\"randn\":[1,64]},\"name\":\"y\"}");
  Wait w3 = { loop, FALSE, NULL };
  ps_document_apply_op_async (doc, fwd, NULL, on_done, &w3);
  g_main_loop_run (loop);
  g_assert_no_error (w3.error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + 1);
  g_assert_nonnull (ps_state_get_output (ps_document_get_current_state (doc), "y"));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);

  /* a cancelled job leaves the document as it was */
  PsState *kept = ps_document_get_current_state (doc);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  Wait w4 = { loop, FALSE, NULL };
  ps_document_reseed_async (doc, 7, c, on_done, &w4);
  g_main_loop_run (loop);
  g_assert_error (w4.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w4.error);
  g_assert_false (ps_document_get_busy (doc));
  g_assert_true (ps_document_get_current_state (doc) == kept);
  g_assert_cmpint (ps_document_get_seed (doc), ==, 0);
}

/* A recipe whose replay takes a while: three long training runs (each far longer than the
 * document's 50 ms progress poll), then a cheap op. The worker checks the cancellable between ops. */
static const char long_recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":0,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"data\",\"type\":\"xor\",\"args\":{\"n\":64}},"
  "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":16}},"
  "{\"op\":\"module\",\"id\":\"act\",\"type\":\"Tanh\"},"
  "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":16,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc1\",\"act\",\"head\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"type\":\"SGD\",\"params\":\"mlp\",\"args\":{\"lr\":0.1,\"momentum\":0.9}},"
  "%s"
  "{\"op\":\"module\",\"id\":\"extra\",\"type\":\"ReLU\"}]}";
static const char long_train[] =
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"data\","
  "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"shuffle\":true,\"steps\":15000},";

typedef struct {
  GCancellable *cancellable;
  double seen;   /* the progress when it cancelled; 0 before */
  double most;   /* the most progress reported after that */
} CancelOnProgress;

/* notify::progress: the first report of a job under way (some ops done, not all) cancels it */
static void
cancel_on_progress (GObject *doc, GParamSpec *pspec, gpointer data)
{
  CancelOnProgress *c = data;
  double p = ps_document_get_progress (PS_DOCUMENT (doc));
  if (c->seen == 0 && p > 0 && p < 1)
    {
      c->seen = p;
      g_cancellable_cancel (c->cancellable);
    }
  c->most = MAX (c->most, p);
}

/* Cancelling a replay while its worker runs (seen through the progress it reports, after some ops
 * and before the last) stops the worker at its next op, fails with CANCELLED and leaves the
 * document, its timeline (every step's state, the recipe) and the generator exactly as they were. */
static void
test_cancel_running (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autofree char *trains = g_strconcat (long_train, long_train, long_train, NULL);
  g_autofree char *recipe = g_strdup_printf (long_recipe, trains);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_load_data (doc, recipe, strlen (recipe), NULL, "long", NULL, &error));
  g_assert_no_error (error);
  PsTimeline *tl = ps_document_get_timeline (doc);
  guint n = ps_document_get_n_steps (doc);
  g_assert_cmpuint (n, ==, 10);
  g_autoptr (GPtrArray) states = g_ptr_array_new ();
  for (guint k = 0; k <= n; k++)
    g_ptr_array_add (states, ps_timeline_get_state (tl, k));
  guint n_ops = ps_timeline_get_recipe (tl)->ops->len;
  PsState *kept = ps_document_get_current_state (doc);
  PsGenerator gen = kept->gen;
  guint step = ps_document_get_current_step (doc);
  gboolean could_undo = ps_document_can_undo (doc);
  g_autoptr (PsTensor) w = ps_tensor_ref (value_at (doc, "fc1.weight"));

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  CancelOnProgress cp = { c, 0, 0 };
  gulong id = g_signal_connect (doc, "notify::progress", G_CALLBACK (cancel_on_progress), &cp);
  Wait wt = { loop, FALSE, NULL };
  ps_document_replay_async (doc, c, on_done, &wt);
  g_assert_true (ps_document_get_busy (doc));
  g_main_loop_run (loop);
  g_signal_handler_disconnect (doc, id);

  g_test_message ("cancelled at progress %.3f, the most after it %.3f", cp.seen, cp.most);
  g_assert_cmpfloat (cp.seen, >, 0);   /* it was under way: some ops done, not all */
  g_assert_cmpfloat (cp.seen, <, 1);
  /* the worker stopped: at most the op running when it was cancelled was finished. (Cancelled
   * during the quick ops before the first training run, the worker may reach that run before it
   * sees the cancel, and finish it; it never starts a second one.) */
  const double first_train = 6;   /* ops before it: dataset, 4 modules, optimizer */
  g_assert_cmpfloat (cp.most * n, <=, MAX (cp.seen * n, first_train) + 1 + 1e-9);
  g_assert_false (wt.ok);
  g_assert_error (wt.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&wt.error);
  g_assert_false (ps_document_get_busy (doc));
  g_assert_true (ps_document_get_timeline (doc) == tl);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_cmpuint (ps_timeline_get_recipe (tl)->ops->len, ==, n_ops);
  for (guint k = 0; k <= n; k++)
    g_assert_true (ps_timeline_get_state (tl, k) == states->pdata[k]);
  g_assert_true (ps_document_get_current_state (doc) == kept);
  g_assert_true (memcmp (&kept->gen, &gen, sizeof gen) == 0);
  g_assert_true (ps_tensor_equal (w, value_at (doc, "fc1.weight")));
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, step);
  g_assert_cmpint (ps_document_get_seed (doc), ==, 0);
  g_assert_cmpint (ps_document_can_undo (doc), ==, could_undo);
  g_assert_false (ps_document_get_modified (doc));
}

/* Loading replaces the history: nothing of the old document can be undone into the new one. */
static void
test_load_forgets_history (void)
{
  g_autoptr (PsDocument) doc = empty_model ();
  g_assert_true (ps_document_reseed (doc, 5, NULL));
  const char *recipe = "{\"format\":\"paramscope-recipe\",\"version\":1,\"seed\":3,\"root\":\"m\",\"ops\":["
                       "{\"op\":\"module\",\"id\":\"m\",\"type\":\"ReLU\"}]}";
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_load_data (doc, recipe, strlen (recipe), NULL, "t", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ps_document_get_modified (doc));
  g_assert_false (ps_document_can_redo (doc));
  g_assert_true (ps_document_undo (doc));   /* the loaded step, one at a time */
  g_assert_cmpint (ps_document_get_seed (doc), ==, 3);
  g_assert_false (ps_document_undo (doc));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/document/groups", test_groups);
  g_test_add_func ("/document/seed-undo", test_seed_undo);
  g_test_add_func ("/document/jobs", test_jobs);
  g_test_add_func ("/document/cancel-running", test_cancel_running);
  g_test_add_func ("/document/load-forgets-history", test_load_forgets_history);
  return g_test_run ();
}
