/* test-train-series.c — PsTrainSeries, the Training page's ridgeline / percentile bands of one
 * parameter over the recorded sub-steps (moved out of the GTK page): with every snapshot kept, the
 * figure at once (a row at each kept sub-step's training step, its tensor the snapshot's); with the
 * snapshots dropped (memory budget 0), pending while one batch recomputes them in a worker (asking
 * again starts nothing new), then each row's tensor the unbudgeted run's and the figure drawn pixel
 * for pixel as the unbudgeted one; `now` recomputes in the caller's thread and keeps nothing;
 * another choice, forgetting or freeing mid-batch drops the late result (no `ready`); no parameter
 * or a live run says why. */
#include <string.h>

#include "ps-train-series.h"
#include "train-records-test-util.h"
#include "ps-train-view.h"

static const char recipe[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":64}},"
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1,\"momentum\":0.9}},"
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":12,\"record_every\":1}]}";

typedef TrainRecordsFixture Fixture;

static void
fixture_init (Fixture *fx)
{
  train_records_fixture_init (fx, recipe);
  const guint n = ps_train_records_get_n (fx->recs);
  g_assert_cmpuint (n, ==, ps_train_records_get_n (fx->all));
  g_assert_cmpuint (n, >=, 12);
  for (guint i = 0; i + 1 < n; i++)
    g_assert_null (ps_train_records_get_state (fx->recs, i));
  g_assert_nonnull (ps_train_records_get_state (fx->recs, n - 1));
}

/* The figure drawn at 320 × 240 (a new surface). */
static cairo_surface_t *
draw (PsFigure *fig)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 320, 240);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  ps_figure_draw (fig, cr, 320, 240);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

static void
assert_same_picture (PsFigure *a, PsFigure *b)
{
  cairo_surface_t *sa = draw (a), *sb = draw (b);
  g_assert_cmpmem (cairo_image_surface_get_data (sa), 320 * 240 * 4, cairo_image_surface_get_data (sb), 320 * 240 * 4);
  cairo_surface_destroy (sa);
  cairo_surface_destroy (sb);
}

/* The figure's rows are the kept sub-steps at their training steps. */
static void
assert_rows (Fixture *fx, PsFigure *fig)
{
  const guint n = ps_train_records_get_n (fx->all);
  guint n_rows = 0, j = 0;
  const int64_t *rows = ps_figure_get_steps (fig, &n_rows);
  for (guint i = 0; i < n; i++)
    if (ps_figure_series_keeps (n, i))
      {
        g_assert_cmpuint (j, <, n_rows);
        g_assert_cmpint (rows[j], ==, ps_train_records_get_x (fx->all, i));
        j++;
      }
  g_assert_cmpuint (j, ==, n_rows);
}

static void
assert_same_tensor (Fixture *fx, PsTensor *t, guint i, const char *what)
{
  g_autoptr (PsTensor) want = ps_train_view_param_tensor (ps_train_records_get_state (fx->all, i), "mlp.0.weight", what, "",
                                                          NULL, NULL);
  g_assert_nonnull (t);
  g_assert_nonnull (want);
  g_assert_true (ps_tensor_equal (t, want));
}

static void
test_kept_and_replayed (void)
{
  Fixture fx;
  fixture_init (&fx);
  const guint n = ps_train_records_get_n (fx.recs);
  char *msg = NULL;
  /* every snapshot kept: at once, nothing recomputed */
  PsTrainSeries *full = ps_train_series_new (fx.all, train_records_on_ready, &fx);
  g_autoptr (PsFigure) want = ps_train_series_figure (full, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg);
  g_assert_nonnull (want);
  g_assert_null (msg);
  g_assert_false (ps_train_series_get_replaying (full));
  g_assert_cmpstr (ps_figure_get_title (want), ==, "mlp.0.weight");
  assert_rows (&fx, want);
  assert_same_tensor (&fx, ps_figure_get_tensor (want), n - 1, "value");   /* it ends at the last sub-step */
  /* dropped: one batch in a worker */
  PsTrainSeries *s = ps_train_series_new (fx.recs, train_records_on_ready, &fx);
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_autofree char *expect = g_strdup_printf ("Recomputing %u dropped sub-steps for the series…", n - 1);
  g_assert_cmpstr (msg, ==, expect);
  g_clear_pointer (&msg, g_free);
  g_assert_true (ps_train_series_get_replaying (s));
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_assert_cmpstr (msg, ==, expect);   /* on its way: nothing new */
  g_clear_pointer (&msg, g_free);
  train_records_wait_ready (&fx, 1);
  g_assert_false (ps_train_series_get_replaying (s));
  g_assert_null (ps_train_series_get_error (s));
  for (guint i = 0; i + 1 < n; i++)
    assert_same_tensor (&fx, ps_train_series_get_tensor (s, i), i, "value");
  g_assert_null (ps_train_series_get_tensor (s, n - 1));   /* kept: not recomputed */
  g_autoptr (PsFigure) got = ps_train_series_figure (s, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg);
  g_assert_nonnull (got);
  g_assert_null (msg);
  assert_rows (&fx, got);
  assert_same_picture (want, got);
  train_records_run_for (50);
  g_assert_cmpuint (fx.n_ready, ==, 1);   /* one batch, one ready */
  /* bands of the grad: another choice, another batch; the same as the unbudgeted run's */
  g_autoptr (PsFigure) want_g = ps_train_series_figure (full, "mlp.0.weight", "grad", PS_FIGURE_BANDS, FALSE, FALSE, &msg);
  g_assert_nonnull (want_g);
  g_assert_cmpstr (ps_figure_get_title (want_g), ==, "mlp.0.weight · grad");
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "grad", PS_FIGURE_BANDS, FALSE, FALSE, &msg));
  g_clear_pointer (&msg, g_free);
  g_assert_null (ps_train_series_get_tensor (s, 3));   /* the values' tensors were let go */
  train_records_wait_ready (&fx, 2);
  assert_same_tensor (&fx, ps_train_series_get_tensor (s, 3), 3, "grad");
  g_autoptr (PsFigure) got_g = ps_train_series_figure (s, "mlp.0.weight", "grad", PS_FIGURE_BANDS, FALSE, FALSE, &msg);
  g_assert_nonnull (got_g);
  assert_same_picture (want_g, got_g);
  ps_train_series_free (full);
  ps_train_series_free (s);
  train_records_fixture_clear (&fx);
}

static void
test_now_forget_and_messages (void)
{
  Fixture fx;
  fixture_init (&fx);
  char *msg = NULL;
  PsTrainSeries *full = ps_train_series_new (fx.all, train_records_on_ready, &fx);
  g_autoptr (PsFigure) want = ps_train_series_figure (full, "mlp.0.weight", "momentum_buffer", PS_FIGURE_BANDS, FALSE,
                                                      FALSE, &msg);
  g_assert_nonnull (want);
  /* `now`: in this thread, nothing kept */
  PsTrainSeries *s = ps_train_series_new (fx.recs, train_records_on_ready, &fx);
  g_autoptr (PsFigure) now = ps_train_series_figure (s, "mlp.0.weight", "momentum_buffer", PS_FIGURE_BANDS, FALSE, TRUE,
                                                     &msg);
  g_assert_nonnull (now);
  g_assert_null (msg);
  g_assert_false (ps_train_series_get_replaying (s));
  g_assert_null (ps_train_series_get_tensor (s, 3));
  assert_same_picture (want, now);
  /* another choice mid-batch: the older result dropped, only the newer one's ready */
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_clear_pointer (&msg, g_free);
  g_assert_null (ps_train_series_figure (s, "mlp.0.bias", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_clear_pointer (&msg, g_free);
  train_records_wait_ready (&fx, 1);
  train_records_run_for (300);
  g_assert_cmpuint (fx.n_ready, ==, 1);
  g_assert_cmpuint (ps_train_series_get_tensor (s, 2)->numel, ==, 2);   /* the bias's */
  /* forgetting mid-batch: no ready, nothing kept */
  ps_train_series_forget (s);
  g_assert_null (ps_train_series_get_tensor (s, 2));
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "value", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_clear_pointer (&msg, g_free);
  ps_train_series_forget (s);
  g_assert_false (ps_train_series_get_replaying (s));
  train_records_run_for (300);
  g_assert_cmpuint (fx.n_ready, ==, 1);
  g_assert_null (ps_train_series_get_tensor (s, 2));
  /* no parameter chosen, or one that is not there: why */
  g_assert_null (ps_train_series_figure (full, NULL, NULL, PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_assert_cmpstr (msg, ==, "Choose a parameter (and .grad or an optimizer state that exists at the recorded sub-steps).");
  g_clear_pointer (&msg, g_free);
  g_assert_null (ps_train_series_figure (full, "mlp.0.weight", "exp_avg", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_assert_cmpstr (msg, ==, "Choose a parameter (and .grad or an optimizer state that exists at the recorded sub-steps).");
  g_clear_pointer (&msg, g_free);
  g_assert_null (ps_train_series_figure (full, "mlp.0.weight", "exp_avg", PS_FIGURE_RIDGELINE, TRUE, FALSE, &msg));
  g_assert_cmpstr (msg, ==, "Over sub-steps: shown when the run has finished.");
  g_clear_pointer (&msg, g_free);
  /* freeing mid-batch: the late result finds nobody */
  g_assert_null (ps_train_series_figure (s, "mlp.0.weight", "grad", PS_FIGURE_RIDGELINE, FALSE, FALSE, &msg));
  g_clear_pointer (&msg, g_free);
  g_assert_true (ps_train_series_get_replaying (s));
  ps_train_series_free (s);
  train_records_run_for (300);
  g_assert_cmpuint (fx.n_ready, ==, 1);
  ps_train_series_free (full);
  train_records_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-series/kept-and-replayed", test_kept_and_replayed);
  g_test_add_func ("/train-series/now-forget-and-messages", test_now_forget_and_messages);
  return g_test_run ();
}
