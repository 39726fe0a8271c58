/* test-train-view-live.c — the Training page's live picture of one sub-step is the render layer's
 * PsTrainFrames (ps-train-view), the frames exports and `paramscope-cli animate --view` draw, with
 * the page's captions and messages (PsTrainViewOptions.live): the loss curve's cursor at the shown
 * sub-step and its note when the axis continues across runs; the page's message (no "sub-step k of
 * n" prefix) for each view that does not apply; the Difference view (shown minus a reference
 * sub-step, live and over frames); a parameter view's tensor (the state's own) with the record's
 * description under it; the page's export plan and the optimizer whose state the views show. */
#include <math.h>
#include <string.h>

#include "ps-error.h"
#include "ps-train-records.h"
#include "ps-train-view.h"

static const char recipe_json[] =
  "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":3,\"root\":\"mlp\",\"ops\":["
  "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":64}},"
  "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":3}},"
  "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
  "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1,\"momentum\":0.9}},"
  /* step 5: 10 steps, every one recorded: x 1 … 10 */
  "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\",\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},"
  "\"batch_size\":16,\"steps\":10,\"record_every\":1}]}";

typedef struct {
  PsTimeline *tl;
  PsTrainRecords *recs;
} Fixture;

static void
fixture_init (Fixture *fx)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (recipe_json, -1, &error);
  g_assert_no_error (error);
  fx->tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (fx->tl));
  fx->recs = ps_train_records_new ();
  ps_train_records_index_timeline (fx->recs, fx->tl);
  g_assert_cmpuint (ps_train_records_get_n (fx->recs), ==, 10);
}

static void
fixture_clear (Fixture *fx)
{
  ps_train_records_free (fx->recs);
  ps_timeline_free (fx->tl);
}

static PsTrainFrames *
frames_new (Fixture *fx, PsTrainViewKind kind, gboolean live, const char *param, const char *what)
{
  PsTrainViewOptions vo;
  ps_train_view_options_init (&vo);
  vo.kind = kind;
  vo.live = live;
  vo.shared_range = !live;
  vo.param = param;
  vo.what = what;
  return ps_train_frames_new (&vo, ps_train_records_get_all (fx->recs), ps_train_records_get_xs (fx->recs),
                              ps_train_records_get_n (fx->recs));
}

/* The view at record i of the timeline (or a timeline step's state with no record: i ≥ n), live:
 * NULL and the message when it does not apply. */
static PsTrainFrames *
live_view (Fixture *fx, PsTrainViewKind kind, guint i, PsState *st, const char *param, char **message)
{
  g_autoptr (PsTrainFrames) f = frames_new (fx, kind, TRUE, param, NULL);
  g_autoptr (GError) error = NULL;
  if (st == NULL && i < ps_train_records_get_n (fx->recs))
    st = ps_train_records_get_state (fx->recs, i);
  const PsOp *op = ps_train_records_get_op (fx->recs, i, ps_timeline_get_recipe (fx->tl));
  if (!ps_train_frames_add (f, i, st, op, &error) || !ps_train_frames_finish (f, &error))
    {
      *message = g_strdup (error->message);
      return NULL;
    }
  *message = NULL;
  return g_steal_pointer (&f);
}

static void
test_loss (void)
{
  Fixture fx;
  fixture_init (&fx);
  g_autofree char *msg = NULL;
  g_autoptr (PsTrainFrames) f = live_view (&fx, PS_TRAIN_VIEW_LOSS, 4, NULL, NULL, &msg);
  g_assert_null (msg);
  const PsLossCurve *lc = ps_train_frames_get_loss_curve (f, 0);
  g_assert_nonnull (lc);
  g_assert_true (lc->o->show_cursor);
  g_assert_cmpint (lc->o->cursor_step, ==, 5);
  g_assert_null (lc->o->subtitle);   /* the page's line under the scale names the sub-step */
  g_assert_cmpuint (lc->losses[0].n, ==, 10);
  g_assert_cmpfloat (lc->losses[0].values[4], ==, ps_train_records_get (fx.recs, 4)->loss);
  g_assert_null (ps_train_frames_get_layer_diagnostics (f, 0));
  /* the axis continued across runs: the page says so */
  PsTrainViewOptions vo;
  ps_train_view_options_init (&vo);
  vo.kind = PS_TRAIN_VIEW_LOSS;
  vo.live = TRUE;
  vo.axis_continues = TRUE;
  g_autoptr (PsTrainFrames) g = ps_train_frames_new (&vo, ps_train_records_get_all (fx.recs),
                                                     ps_train_records_get_xs (fx.recs), 10);
  g_assert_true (ps_train_frames_add (g, 9, NULL, NULL, NULL) && ps_train_frames_finish (g, NULL));
  g_assert_cmpstr (ps_train_frames_get_loss_curve (g, 0)->o->subtitle, ==,
                   "x: training steps across the runs (a run with a new optimizer continues the count)");
  g_assert_cmpint (ps_train_frames_get_loss_curve (g, 0)->o->cursor_step, ==, 10);
  /* an export's frame names its sub-step */
  g_autoptr (PsTrainFrames) e = frames_new (&fx, PS_TRAIN_VIEW_LOSS, FALSE, NULL, NULL);
  g_assert_true (ps_train_frames_add (e, 4, NULL, NULL, NULL) && ps_train_frames_finish (e, NULL));
  g_assert_true (g_str_has_prefix (ps_train_frames_get_loss_curve (e, 0)->o->subtitle,
                                   "training step 5 (sub-step 5 of 10) · loss "));
  fixture_clear (&fx);
}

/* Each view that does not apply: the page's own message, not the export's "sub-step k of n: …". */
static void
test_messages (void)
{
  Fixture fx;
  fixture_init (&fx);
  PsState *before_model = ps_timeline_get_state (fx.tl, 2);   /* data set and fc, no model yet */
  PsState *untrained = ps_timeline_get_state (fx.tl, 4);      /* the model and its optimizer, no .grad */
  static const struct {
    PsTrainViewKind kind;
    guint step;
    const char *param, *message;
  } cases[] = {
    { PS_TRAIN_VIEW_WEIGHT_TILES, 5, NULL,
      "The weight tiles need a first Linear layer whose inputs are a square image (Fashion-MNIST: 784 = 28 × 28)." },
    { PS_TRAIN_VIEW_WEIGHT_TILES, 2, NULL, "No model at the shown step." },
    { PS_TRAIN_VIEW_BOUNDARY, 2, NULL, "The decision boundary is drawn for a model of 2-D points (xor, circles, blobs)." },
    { PS_TRAIN_VIEW_GRADIENTS, 4, NULL, "No parameter has a .grad at this sub-step." },
    { PS_TRAIN_VIEW_GRADIENTS, 2, NULL, "No model at the shown step." },
    { PS_TRAIN_VIEW_ACTIVATIONS, 2, NULL, "Activations need a model and a data set at the shown step." },
    { PS_TRAIN_VIEW_HEATMAP, 5, "mlp.9.weight", "Choose a parameter (and .grad or an optimizer state that exists at this sub-step)." },
    { PS_TRAIN_VIEW_HISTOGRAM, 5, NULL, "Choose a parameter (and .grad or an optimizer state that exists at this sub-step)." },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      PsState *st = cases[c].step == 2 ? before_model : cases[c].step == 4 ? untrained : NULL;
      guint i = st ? 10 : 9;   /* a state with no record (the page before training), or the last record */
      g_autofree char *msg = NULL;
      g_autoptr (PsTrainFrames) f = live_view (&fx, cases[c].kind, i, st, cases[c].param, &msg);
      g_assert_null (f);
      g_assert_cmpstr (msg, ==, cases[c].message);
    }
  /* no snapshot at all (no document yet) */
  g_autofree char *msg = NULL;
  g_autoptr (PsTrainFrames) none = live_view (&fx, PS_TRAIN_VIEW_BOUNDARY, 10, NULL, NULL, &msg);
  g_assert_cmpstr (msg, ==, "The decision boundary is drawn for a model of 2-D points (xor, circles, blobs).");
  /* the export's messages name the sub-step */
  g_autoptr (PsTrainFrames) e = frames_new (&fx, PS_TRAIN_VIEW_WEIGHT_TILES, FALSE, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_train_frames_add (e, 9, ps_train_records_get_state (fx.recs, 9), NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "sub-step 10 of 10 (training step 10): "));
  /* live, a state with no record draws: the page's activations before any training */
  g_autofree char *ok_msg = NULL;
  g_autoptr (PsTrainFrames) act = live_view (&fx, PS_TRAIN_VIEW_ACTIVATIONS, 10, untrained, NULL, &ok_msg);
  g_assert_null (ok_msg);
  g_assert_cmpuint (ps_train_frames_get_layer_diagnostics (act, 0)->n, >, 0);
  fixture_clear (&fx);
}

/* A parameter view shows the state's own tensor, titled by the parameter, the record described
 * under it; the Difference view the shown minus the reference sub-step, float32 as torch's b - a. */
static void
test_param_and_difference (void)
{
  Fixture fx;
  fixture_init (&fx);
  PsState *s2 = ps_train_records_get_state (fx.recs, 2), *s9 = ps_train_records_get_state (fx.recs, 9);
  PsParam *p2 = NULL, *p9 = NULL;
  g_assert_true (ps_state_resolve (s2, "fc.weight", NULL, &p2, NULL));
  g_assert_true (ps_state_resolve (s9, "fc.weight", NULL, &p9, NULL));
  g_autofree char *msg = NULL;
  g_autoptr (PsTrainFrames) h = live_view (&fx, PS_TRAIN_VIEW_HEATMAP, 9, NULL, "mlp.0.weight", &msg);
  g_assert_null (msg);
  g_assert_true (ps_train_frames_get_tensor (h, 0) == p9->value);
  PsFigure *fig = ps_train_frames_get_figure (h, 0);
  g_assert_cmpstr (ps_figure_get_title (fig), ==, "mlp.0.weight");
  g_autofree char *desc = ps_train_record_describe (ps_train_records_get (fx.recs, 9), 10);
  g_assert_cmpstr (ps_figure_get_subtitle (fig), ==, desc);
  /* an optimizer state: SGD's momentum buffer */
  g_autoptr (PsTrainFrames) m = frames_new (&fx, PS_TRAIN_VIEW_HISTOGRAM, TRUE, "mlp.0.weight", "momentum_buffer");
  g_assert_true (ps_train_frames_add (m, 9, s9, NULL, NULL) && ps_train_frames_finish (m, NULL));
  g_assert_true (g_str_has_prefix (ps_figure_get_title (ps_train_frames_get_figure (m, 0)), "mlp.0.weight · momentum_buffer"));
  g_assert_true (ps_train_frames_get_tensor (m, 0) != p9->value);

  /* the page's choice of a parameter's tensor (its ridgeline / bands draw these) */
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
  g_autoptr (PsTensor) v = ps_train_view_param_tensor (s9, "mlp.0.weight", "value", "", &t1, NULL);
  g_assert_true (v == p9->value);
  g_assert_cmpstr (t1, ==, "mlp.0.weight");
  g_autoptr (PsTensor) gr = ps_train_view_param_tensor (s9, "0.weight", "grad", "", &t2, NULL);
  g_assert_true (gr == p9->grad);
  g_assert_cmpstr (t2, ==, "mlp.0.weight · grad");
  g_autoptr (GError) perr = NULL;
  PsState *untrained = ps_timeline_get_state (fx.tl, 4);
  g_assert_null (ps_train_view_param_tensor (untrained, "mlp.0.weight", "grad", "at step 4", &t3, &perr));
  g_assert_cmpstr (t3, ==, "mlp.0.weight · grad");   /* the parameter is there, its .grad not yet */
  g_assert_cmpstr (perr->message, ==, "at step 4: 'mlp.0.weight' has no .grad");

  for (int live = 1; live >= 0; live--)
    {
      g_autoptr (PsTrainFrames) d = frames_new (&fx, PS_TRAIN_VIEW_DIFFERENCE, live, "mlp.0.weight", "value");
      g_autoptr (GError) error = NULL;
      g_assert_false (ps_train_frames_add (d, 9, s9, NULL, &error));   /* no reference yet */
      g_clear_error (&error);
      g_assert_true (ps_train_frames_set_reference (d, 2, s2, &error));
      g_assert_true (ps_train_frames_add (d, 9, s9, NULL, &error));
      g_assert_true (ps_train_frames_finish (d, &error));
      g_assert_no_error (error);
      PsTensor *t = ps_train_frames_get_tensor (d, 0);
      g_assert_cmpint (t->numel, ==, 6);
      for (int k = 0; k < 6; k++)
        g_assert_cmpfloat (ps_tensor_cf32 (t)[k], ==, ps_tensor_cf32 (p9->value)[k] - ps_tensor_cf32 (p2->value)[k]);
      if (live)
        {
          PsFigure *df = ps_train_frames_get_figure (d, 0);
          g_assert_cmpstr (ps_figure_get_title (df), ==, "Δ mlp.0.weight");
          g_assert_cmpstr (ps_figure_get_subtitle (df), ==, "training step 10 − step 3");
        }
      else
        {
          double lo, hi;
          g_assert_true (ps_train_frames_get_range (d, &lo, &hi));
          g_assert_null (ps_train_frames_get_figure (d, 0));   /* one sequence, one range */
        }
    }
  /* the reference not there: the page's message */
  g_autoptr (PsTrainFrames) d = frames_new (&fx, PS_TRAIN_VIEW_DIFFERENCE, TRUE, "mlp.0.weight", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_train_frames_set_reference (d, 2, NULL, &error));
  g_assert_cmpstr (error->message, ==, "Nothing to compare at the other sub-step.");
  g_assert_cmpstr (ps_train_view_name (PS_TRAIN_VIEW_DIFFERENCE), ==, "difference");
  PsTrainViewKind k;
  g_assert_false (ps_train_view_parse ("difference", &k));   /* not a CLI view */
  fixture_clear (&fx);
}

static void
test_plan_and_optimizer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) a = ps_train_view_plan_frames ("/tmp/x.GIF", 0, 12, 5, 13, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 4);
  static const guint want[] = { 0, 5, 10, 12 };
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (a, guint, i), ==, want[i]);
  g_assert_null (ps_train_view_plan_frames ("/tmp/x.txt", 0, 12, 5, 13, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "frames are written as .gif, .png or .svg"));
  g_clear_error (&error);
  g_assert_null (ps_train_view_plan_frames ("x.pdf", 0, 5000, 1, 5000, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a contact sheet's sub-steps as typed, 1-based; its columns */
  guint columns = 0;
  g_autoptr (GArray) sheet = ps_train_view_plan_sheet ("s.png", "1, 10, 5-6, last", 13, &columns, &error);
  g_assert_no_error (error);
  static const guint sheet_want[] = { 0, 9, 4, 5, 12 };
  g_assert_cmpuint (sheet->len, ==, G_N_ELEMENTS (sheet_want));
  for (guint i = 0; i < sheet->len; i++)
    g_assert_cmpuint (g_array_index (sheet, guint, i), ==, sheet_want[i]);
  g_assert_cmpuint (columns, ==, 3);   /* ⌈√5⌉ */
  columns = PS_TRAIN_VIEW_SHEET_PAGES;
  g_autoptr (GArray) pages = ps_train_view_plan_sheet ("s.pdf", "2", 13, &columns, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (columns, ==, 0);   /* a page per frame */
  columns = PS_TRAIN_VIEW_SHEET_PAGES;
  g_assert_null (ps_train_view_plan_sheet ("s.png", "2", 13, &columns, &error));
  g_assert_nonnull (strstr (error->message, "a page per frame needs a .pdf"));
  g_clear_error (&error);
  columns = 2;
  g_assert_null (ps_train_view_plan_sheet ("s.gif", "2", 13, &columns, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (ps_train_view_plan_sheet ("s.png", "14", 13, &columns, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  Fixture fx;
  fixture_init (&fx);
  g_assert_null (ps_train_view_optimizer (ps_timeline_get_state (fx.tl, 3)));
  PsTrainObject *o = ps_train_view_optimizer (ps_timeline_get_state (fx.tl, 5));
  g_assert_nonnull (o);
  g_assert_cmpint (o->kind, ==, PS_TRAIN_OPTIMIZER);
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-view-live/loss", test_loss);
  g_test_add_func ("/train-view-live/messages", test_messages);
  g_test_add_func ("/train-view-live/param-and-difference", test_param_and_difference);
  g_test_add_func ("/train-view-live/plan-and-optimizer", test_plan_and_optimizer);
  return g_test_run ();
}
