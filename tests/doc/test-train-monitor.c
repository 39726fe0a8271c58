/* Training in the worker as the app runs it (PsDocument + PsTrainMonitor + ps-edit-train): the
 * Train dialog's ops, live sub-steps while the op runs, pause/resume, a cancelled run leaving the
 * document exactly as it was, one Undo for the whole run, and a recorded sub-step holding the
 * same values as the same recipe stopped at that step (what `paramscope-cli` computes). */
#include "ps-document.h"
#include "ps-edit-train.h"
#include "ps-error.h"

#include <math.h>
#include <string.h>

static const char mlp_recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":0,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":16}},"
  "{\"op\":\"module\",\"id\":\"act\",\"type\":\"Tanh\"},"
  "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":16,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc1\",\"act\",\"head\"]}]}";

typedef struct {
  gboolean done, ok;
  GError *error;
} Wait;

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;
  w->ok = ps_document_apply_op_finish (PS_DOCUMENT (source), result, &w->error);
  w->done = TRUE;
}

static PsDocument *
mlp_document (void)
{
  PsDocument *doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_load_data (doc, mlp_recipe, strlen (mlp_recipe), NULL, "mlp", NULL, &error));
  g_assert_no_error (error);
  return doc;
}

static GPtrArray *
train_ops (PsDocument *doc, int64_t steps, int64_t every)
{
  PsTrainSpec spec;
  ps_train_spec_init (&spec);
  g_autoptr (JsonObject) args = json_object_new ();
  json_object_set_double_member (args, "lr", 0.1);
  json_object_set_double_member (args, "momentum", 0.9);
  spec.optimizer_args = args;
  spec.count = steps;
  spec.record_every = every;
  g_autoptr (GError) error = NULL;
  GPtrArray *ops = ps_edit_train_ops (ps_document_get_current_state (doc), &spec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, ==, 3);   /* dataset, optimizer, train */
  return ops;
}

static void
iterate_until (gboolean (*cond) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!cond (data))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
}

static gboolean started (gpointer m) { return ps_train_monitor_get_started (m); }
static gboolean held (gpointer m) { return ps_train_monitor_get_held (m); }
static gboolean finished (gpointer w) { return ((Wait *) w)->done; }

static void
test_live_pause_undo (void)
{
  g_autoptr (PsDocument) doc = mlp_document ();
  guint n = ps_document_get_n_steps (doc);
  g_autoptr (GPtrArray) ops = train_ops (doc, 300, 10);
  g_autoptr (PsTrainMonitor) mon = ps_train_monitor_new ();
  ps_train_monitor_set_paused (mon, TRUE);
  Wait w = { 0 };
  ps_document_train_async (doc, (JsonObject *const *) ops->pdata, ops->len, mon, NULL, on_done, &w);
  g_assert_true (ps_document_get_busy (doc));
  iterate_until (started, mon);
  /* paused in the first step's report: it waits there and stays */
  iterate_until (held, mon);
  g_usleep (100 * 1000);
  g_main_context_iteration (NULL, FALSE);
  g_assert_true (ps_train_monitor_get_held (mon));
  int64_t total = 0;
  g_assert_cmpint (ps_train_monitor_get_step (mon, &total), ==, 1);
  g_assert_cmpint (total, ==, 300);
  g_assert_cmpuint (ps_train_monitor_get_n_records (mon), ==, 0);
  g_assert_false (w.done);
  g_assert_true (isfinite (ps_train_monitor_get_last_loss (mon)));
  ps_train_monitor_set_paused (mon, FALSE);
  iterate_until (finished, &w);
  g_assert_false (ps_train_monitor_get_held (mon));
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + 3);
  g_assert_cmpint (ps_train_monitor_get_step (mon, NULL), ==, 300);
  g_assert_cmpfloat (ps_train_monitor_get_steps_per_second (mon), >, 0.0);

  /* the live records are the log's, in order, and the newest snapshot is the log's last */
  PsState *st = ps_document_get_current_state (doc);
  g_assert_nonnull (st->train_log);
  g_assert_cmpuint (st->train_log->records->len, ==, 30);
  g_assert_cmpuint (ps_train_monitor_get_n_records (mon), ==, 30);
  for (guint i = 0; i < 30; i++)
    {
      const PsTrainRecord *live = ps_train_monitor_get_record (mon, i);
      const PsTrainRecord *kept = st->train_log->records->pdata[i];
      g_assert_cmpint (live->step, ==, 10 * (i + 1));
      g_assert_cmpint (live->step, ==, kept->step);
      g_assert_true (memcmp (&live->loss, &kept->loss, sizeof (float)) == 0);
      g_assert_cmpuint (live->params->len, ==, kept->params->len);
      g_assert_cmpuint (live->layers->len, ==, kept->layers->len);
      g_assert_null (live->state);
    }
  g_autoptr (PsState) latest = ps_train_monitor_dup_latest_state (mon);
  g_assert_true (latest == ((PsTrainRecord *) st->train_log->records->pdata[29])->state);

  /* the whole run (data set, optimizer, train) is one Undo */
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_null (ps_document_get_current_state (doc)->train_log);
  g_assert_null (ps_state_get_train_object (ps_document_get_current_state (doc), "opt"));
}

static void
test_cancel_leaves_document (void)
{
  g_autoptr (PsDocument) doc = mlp_document ();
  guint n = ps_document_get_n_steps (doc);
  PsState *kept = ps_document_get_current_state (doc);
  gboolean could_undo = ps_document_can_undo (doc);
  int64_t seed = ps_document_get_seed (doc);
  g_autoptr (GPtrArray) ops = train_ops (doc, 100000, 100);
  g_autoptr (PsTrainMonitor) mon = ps_train_monitor_new ();
  g_autoptr (GCancellable) c = g_cancellable_new ();
  Wait w = { 0 };
  ps_document_train_async (doc, (JsonObject *const *) ops->pdata, ops->len, mon, c, on_done, &w);
  iterate_until (started, mon);
  /* cancel while paused, too: the waiting worker wakes and stops */
  ps_train_monitor_set_paused (mon, TRUE);
  iterate_until (held, mon);
  g_cancellable_cancel (c);
  iterate_until (finished, &w);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_assert_false (ps_document_get_busy (doc));
  g_assert_true (ps_document_get_current_state (doc) == kept);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_cmpint (ps_document_get_seed (doc), ==, seed);
  g_assert_cmpint (ps_document_can_undo (doc), ==, could_undo);
  g_assert_false (ps_document_get_modified (doc));
  g_assert_cmpint (ps_train_monitor_get_step (mon, NULL), <, 100000);
  g_assert_false (ps_train_monitor_get_held (mon));
}

/* Sub-step k of a run holds the values of the same recipe trained for k steps. */
static void
test_substep_equals_shorter_run (void)
{
  g_autoptr (PsDocument) doc = mlp_document ();
  g_autoptr (GPtrArray) ops = train_ops (doc, 60, 1);
  Wait w = { 0 };
  ps_document_train_async (doc, (JsonObject *const *) ops->pdata, ops->len, NULL, NULL, on_done, &w);
  iterate_until (finished, &w);
  g_assert_no_error (w.error);
  PsState *st = ps_document_get_current_state (doc);
  const PsTrainRecord *r = st->train_log->records->pdata[36];
  g_assert_cmpint (r->step, ==, 37);

  g_autoptr (PsDocument) shorter = mlp_document ();
  g_autoptr (GPtrArray) ops37 = train_ops (shorter, 37, 37);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_ops (shorter, (JsonObject *const *) ops37->pdata, ops37->len, &error));
  g_assert_no_error (error);
  const char *targets[] = { "fc1.weight", "fc1.bias", "head.weight", "head.bias" };
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      PsParam *a = NULL, *b = NULL;
      g_assert_true (ps_state_resolve (r->state, targets[i], NULL, &a, NULL));
      g_assert_true (ps_state_resolve (ps_document_get_current_state (shorter), targets[i], NULL, &b, NULL));
      g_assert_true (ps_tensor_equal (a->value, b->value));
      g_assert_true (ps_tensor_equal (a->grad, b->grad));
    }
}

static void
test_teach_ops (void)
{
  g_autoptr (PsDocument) doc = mlp_document ();
  g_autoptr (GError) error = NULL;
  /* no data set, no forward yet: the errors say what is missing */
  g_autoptr (GPtrArray) none = ps_edit_teach_forward_ops (ps_document_get_current_state (doc), NULL, 8, &error);
  g_assert_null (none);
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ps_edit_teach_backward_ops (ps_document_get_current_state (doc), &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ps_document_apply_op_json (doc, "{\"op\":\"dataset\",\"id\":\"data\",\"type\":\"xor\",\"args\":{\"n\":50}}", &error));
  /* forward + loss on the data's first 8 samples, backward, step (creating SGD), zero_grad */
  g_autoptr (GPtrArray) f = ps_edit_teach_forward_ops (ps_document_get_current_state (doc), NULL, 8, &error);
  g_assert_no_error (error);
  g_assert_true (ps_document_apply_ops (doc, (JsonObject *const *) f->pdata, f->len, &error));
  g_assert_no_error (error);
  PsTensor *loss = ps_state_get_output (ps_document_get_current_state (doc), "loss");
  g_assert_nonnull (loss);
  g_assert_cmpint (loss->numel, ==, 1);
  g_autoptr (GPtrArray) b = ps_edit_teach_backward_ops (ps_document_get_current_state (doc), &error);
  g_assert_true (ps_document_apply_ops (doc, (JsonObject *const *) b->pdata, b->len, &error));
  g_assert_no_error (error);
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "fc1.weight", NULL, &p, NULL));
  g_assert_nonnull (p->grad);
  g_autoptr (PsTensor) w_before = ps_tensor_ref (p->value);
  g_autoptr (GPtrArray) s = ps_edit_teach_step_ops (ps_document_get_current_state (doc), FALSE, &error);
  g_assert_cmpuint (s->len, ==, 2);   /* optimizer SGD(lr=0.1), then step */
  guint n = ps_document_get_n_steps (doc);
  g_assert_true (ps_document_apply_ops (doc, (JsonObject *const *) s->pdata, s->len, &error));
  g_assert_no_error (error);
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "fc1.weight", NULL, &p, NULL));
  g_assert_false (ps_tensor_equal (w_before, p->value));
  g_autoptr (GPtrArray) z = ps_edit_teach_step_ops (ps_document_get_current_state (doc), TRUE, &error);
  g_assert_cmpuint (z->len, ==, 1);   /* the optimizer exists now */
  g_assert_true (ps_document_apply_ops (doc, (JsonObject *const *) z->pdata, z->len, &error));
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "fc1.weight", NULL, &p, NULL));
  for (int64_t k = 0; k < p->grad->numel; k++)
    g_assert_cmpfloat (ps_tensor_cf32 (p->grad)[k], ==, 0.0f);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + 3);
}

static void
test_kwargs (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) a = ps_edit_parse_kwargs (" lr=0.01, betas=(0.9, 0.999),amsgrad=True ", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (json_object_get_double_member (a, "lr"), ==, 0.01);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a, "betas")), ==, 2);
  g_assert_true (json_object_get_boolean_member (a, "amsgrad"));
  g_autoptr (JsonObject) empty = ps_edit_parse_kwargs ("", &error);
  g_assert_cmpuint (json_object_get_size (empty), ==, 0);
  g_assert_null (ps_edit_parse_kwargs ("lr 0.1", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_null (ps_edit_parse_kwargs ("lr=(0.1", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "lr"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-monitor/live-pause-undo", test_live_pause_undo);
  g_test_add_func ("/train-monitor/cancel-leaves-document", test_cancel_leaves_document);
  g_test_add_func ("/train-monitor/substep-equals-shorter-run", test_substep_equals_shorter_run);
  g_test_add_func ("/train-monitor/teach-ops", test_teach_ops);
  g_test_add_func ("/train-monitor/kwargs", test_kwargs);
  return g_test_run ();
}
