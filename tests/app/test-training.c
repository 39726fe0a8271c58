/* GUI tests of training in the app (#14), under Xvfb: the Train dialog starts a run in the worker
 * that the Training page follows live; Pause holds it, Cancel leaves the document exactly as it
 * was; a finished run's sub-steps are scrubbed to the same values `paramscope-cli run` computes
 * for that step; every view draws (or says why not) and exports; the classroom scenarios show
 * what they promise; the one-step teaching actions. Without a display: SKIP. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-train-dialog.h"
#include "ps-training-page.h"
#include "ps-safetensors.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static PsApplication *app;

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static PsWindow *
new_window (const char *scenario)
{
  PsWindow *w = ps_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (w), 1400, 900);
  gtk_window_present (GTK_WINDOW (w));
  g_assert_true (ps_window_load_scenario (w, scenario));
  adw_view_stack_set_visible_child_name (w->view_stack, "training");
  iterate ();
  return w;
}

static void
wait_job (PsWindow *w)
{
  PsDocument *doc = ps_window_get_document (w);
  gint64 end = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  while (ps_document_get_busy (doc))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  iterate ();
}

static gpointer
find_dialog (GType type)
{
  GListModel *tops = gtk_window_get_toplevels ();
  gpointer found = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GObject) t = g_list_model_get_item (tops, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (t, type) && gtk_widget_get_visible (GTK_WIDGET (t)))
        found = t;
    }
  return found;
}

/* Iterate the main loop (frames included) for about ms milliseconds. */
static void
run_for (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

/* With PS_SCREENSHOT_DIR set, the window as it is drawn now into DIR/name.png (to look at). */
static void
shot (PsWindow *w, const char *name)
{
  const char *dir = g_getenv ("PS_SCREENSHOT_DIR");
  if (dir == NULL)
    return;
  run_for (200);   /* a frame: the widget paintable draws what was allocated and drawn */
  int width = gtk_widget_get_width (GTK_WIDGET (w)), height = gtk_widget_get_height (GTK_WIDGET (w));
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (w));
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  if (node == NULL)
    {
      g_printerr ("# no picture for %s (%dx%d)\n", name, width, height);
      return;
    }
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (w));
  g_autoptr (GdkTexture) tex = gsk_renderer_render_texture (renderer, node, NULL);
  gsk_render_node_unref (node);
  g_autofree char *file = g_strdup_printf ("%s/%s.png", dir, name);
  gdk_texture_save_to_png (tex, file);
}

/* Opens Train…, sets the count, presses Train. */
static void
train_through_dialog (PsWindow *w, int64_t steps, int64_t every)
{
  g_action_group_activate_action (G_ACTION_GROUP (w), "train", NULL);
  iterate ();
  PsTrainDialog *d = find_dialog (PS_TYPE_TRAIN_DIALOG);
  g_assert_nonnull (d);
  ps_train_dialog_select (d, "optimizer", "SGD");
  ps_train_dialog_set_count (d, steps, every);
  /* the run starts in the response handler; no iterate () here: while a run is live, frames keep
   * events pending and "until nothing is pending" could last the whole run */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (d), "apply");
}

static void
test_live_pause_cancel (void)
{
  PsWindow *w = new_window ("train-xor");
  PsDocument *doc = ps_window_get_document (w);
  PsTrainingPage *page = w->training_page;
  guint n = ps_document_get_n_steps (doc);
  PsState *kept = ps_document_get_current_state (doc);
  guint kept_substeps = ps_training_page_get_n_substeps (page);
  g_assert_cmpuint (kept_substeps, ==, 20);   /* train-xor's own run, recorded every step */

  train_through_dialog (w, 500000, 50);
  g_assert_true (ps_document_get_busy (doc));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (w->view_stack), ==, "training");
  /* live: sub-steps arrive while the run goes on, the status says steps/s */
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (ps_training_page_get_n_substeps (page) < 3)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  run_for (250);
  g_assert_true (ps_document_get_busy (doc));
  g_assert_nonnull (strstr (ps_training_page_get_status (page), "steps/s"));
  g_assert_nonnull (ps_training_page_get_shown_state (page));
  g_assert_null (ps_training_page_get_empty_text (page));   /* the loss curve draws */
  shot (w, "live-training");

  /* Pause holds the run: the same step and the same sub-steps a while later */
  ps_training_page_press_pause (page, TRUE);
  run_for (300);
  g_autofree char *paused = g_strdup (ps_training_page_get_status (page));
  guint paused_n = ps_training_page_get_n_substeps (page);
  g_assert_nonnull (strstr (paused, "Paused at step"));
  run_for (400);
  g_assert_cmpstr (ps_training_page_get_status (page), ==, paused);
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, paused_n);
  /* the frame clock keeps ticking while paused (the window is not blocked) */
  guint rebuilds = ps_training_page_get_n_rebuilds (page);
  ps_training_page_set_view (page, PS_TRAINING_VIEW_RATIOS);
  run_for (50);
  g_assert_cmpuint (ps_training_page_get_n_rebuilds (page), >, rebuilds);
  /* Resume: sub-steps arrive again (however slow the build: a sanitized one is ~20× slower) */
  ps_training_page_press_pause (page, FALSE);
  end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (ps_training_page_get_n_substeps (page) <= paused_n && ps_document_get_busy (doc))
    {
      run_for (20);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  g_assert_true (ps_document_get_busy (doc));   /* 500,000 steps: still running */

  /* Cancel: the document exactly as before the run */
  ps_training_page_press_cancel (page);
  wait_job (w);
  g_assert_true (ps_document_get_current_state (doc) == kept);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_false (ps_document_get_modified (doc));
  g_assert_null (ps_window_get_error_text (w));
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, kept_substeps);
  gtk_window_destroy (GTK_WINDOW (w));
}

/* The recipe of the document with its last train op cut to `steps` steps, run by the CLI: the
 * state_dict it writes. */
static PsSafetensors *
cli_state_at (PsDocument *doc, int64_t steps, char **dir_out)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ps-training-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_assert_true (ps_document_save (doc, file, &error));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  JsonArray *ops = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "ops");
  JsonObject *last = json_array_get_object_element (ops, json_array_get_length (ops) - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "op"), ==, "train");
  json_object_set_int_member (last, "steps", steps);
  json_object_set_int_member (last, "record_every", steps);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (gen, path, &error));
  g_autofree char *out = g_build_filename (dir, "state.safetensors", NULL);
  const char *cli = g_getenv ("PS_CLI");
  g_assert_nonnull (cli);
  const char *argv[] = { cli, "run", path, "--state-dict", out, NULL };
  int status = 0;
  g_autofree char *err = NULL, *said = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &said, &err, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  PsSafetensors *st = ps_safetensors_open (out, &error);
  g_assert_no_error (error);
  *dir_out = dir;
  return st;
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_scrub_matches_cli_and_views (void)
{
  PsWindow *w = new_window ("train-xor");
  PsDocument *doc = ps_window_get_document (w);
  PsTrainingPage *page = w->training_page;
  guint n = ps_document_get_n_steps (doc);
  train_through_dialog (w, 60, 1);
  wait_job (w);
  g_assert_null (ps_window_get_error_text (w));
  /* dataset reused (same type and size), a new optimizer, the train op: one Undo */
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + 2);
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, 20 + 60);

  /* scrub to the run's 37th optimizer step: the values the CLI computes for 37 steps */
  ps_training_page_set_substep (page, 20 + 36);
  iterate ();
  g_assert_cmpuint (ps_training_page_get_substep (page), ==, 56);
  PsState *shown = ps_training_page_get_shown_state (page);
  g_autofree char *dir = NULL;
  g_autoptr (PsSafetensors) st = cli_state_at (doc, 37, &dir);
  const char *keys[][2] = { { "0.weight", "fc1.weight" }, { "0.bias", "fc1.bias" }, { "2.weight", "head.weight" },
                            { "2.bias", "head.bias" } };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsTensor) cli = ps_safetensors_load (st, keys[i][0], &error);
      g_assert_no_error (error);
      PsParam *p = NULL;
      g_assert_true (ps_state_resolve (shown, keys[i][1], NULL, &p, NULL));
      g_assert_true (ps_tensor_equal (cli, p->value));
    }
  remove_dir (dir);

  /* the selected parameter's value, .grad and momentum buffer at that sub-step */
  ps_training_page_set_view (page, PS_TRAINING_VIEW_HEATMAP);
  iterate ();
  g_assert_true (ps_training_page_select_param (page, "mlp.0.weight", "value"));
  iterate ();
  PsParam *w0 = NULL;
  g_assert_true (ps_state_resolve (shown, "fc1.weight", NULL, &w0, NULL));
  g_assert_true (ps_training_page_get_shown_tensor (page) == w0->value);
  g_assert_true (ps_training_page_select_param (page, "mlp.0.weight", "grad"));
  iterate ();
  g_assert_true (ps_training_page_get_shown_tensor (page) == w0->grad);
  g_assert_true (ps_training_page_select_param (page, "mlp.0.weight", "momentum_buffer"));
  iterate ();
  g_assert_nonnull (ps_training_page_get_shown_tensor (page));
  g_assert_null (ps_training_page_get_empty_text (page));
  /* the difference of two sub-steps is b − a of the two snapshots */
  ps_training_page_select_param (page, "mlp.0.weight", "value");
  ps_training_page_set_view (page, PS_TRAINING_VIEW_DIFFERENCE);
  ps_training_page_set_diff_from (page, 55);
  iterate ();
  g_assert_nonnull (ps_training_page_get_shown_tensor (page));
  g_autoptr (PsTensor) d = ps_tensor_ref (ps_training_page_get_shown_tensor (page));   /* kept: scrubbing rebuilds */
  ps_training_page_set_substep (page, 55);
  iterate ();
  PsParam *w55 = NULL;
  g_assert_true (ps_state_resolve (ps_training_page_get_shown_state (page), "fc1.weight", NULL, &w55, NULL));
  for (int64_t k = 0; k < d->numel; k++)
    g_assert_cmpfloat (ps_tensor_cf32 (d)[k], ==, ps_tensor_cf32 (w0->value)[k] - ps_tensor_cf32 (w55->value)[k]);

  /* every view draws at the last sub-step, or says why not (no square image for weight tiles) */
  ps_training_page_set_substep (page, 79);
  for (int v = 0; v < PS_TRAINING_N_VIEWS; v++)
    {
      ps_training_page_set_view (page, (PsTrainingView) v);
      iterate ();
      g_autofree char *name = g_strdup_printf ("view-%d", v);
      shot (w, name);
      if (v == PS_TRAINING_VIEW_WEIGHT_GRID)
        g_assert_nonnull (strstr (ps_training_page_get_empty_text (page), "square image"));
      else
        g_assert_null (ps_training_page_get_empty_text (page));
    }
  /* export: a PNG of the loss curve */
  ps_training_page_set_view (page, PS_TRAINING_VIEW_LOSS);
  iterate ();
  g_autofree char *png = g_build_filename (g_get_tmp_dir (), "ps-training-loss.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_training_page_export (page, png, 800, 500, &error));
  g_assert_no_error (error);
  g_autoptr (GdkTexture) tex = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (tex), ==, 800);
  g_unlink (png);

  /* the whole run is one Undo */
  g_action_group_activate_action (G_ACTION_GROUP (w), "undo", NULL);
  iterate ();
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, 20);
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_scenarios (void)
{
  /* zero init: the 8 hidden units stay identical through all 300 steps */
  PsWindow *w = new_window ("zero-init-symmetry");
  PsTrainingPage *page = w->training_page;
  g_assert_null (ps_window_get_error_text (w));
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, 60);
  ps_training_page_set_substep (page, 59);
  iterate ();
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (ps_training_page_get_shown_state (page), "fc1.weight", NULL, &p, NULL));
  const float *v = ps_tensor_cf32 (p->value);
  gboolean moved = FALSE;
  for (int r = 1; r < 8; r++)
    for (int c = 0; c < 2; c++)
      g_assert_cmpfloat (v[r * 2 + c], ==, v[c]);
  for (int c = 0; c < 2; c++)
    moved |= v[c] != 0.0f;
  g_assert_true (moved);   /* it trained: the rows moved, together */
  ps_training_page_set_view (page, PS_TRAINING_VIEW_HEATMAP);
  ps_training_page_select_param (page, "mlp.fc1.weight", "value");
  shot (w, "scenario-zero-init");
  gtk_window_destroy (GTK_WINDOW (w));

  /* lr = 50: the loss blows up far beyond its start */
  w = new_window ("lr-too-high");
  page = w->training_page;
  PsState *st = ps_document_get_current_state (ps_window_get_document (w));
  g_assert_nonnull (st->train_log);
  const PsTrainRecord *first = st->train_log->records->pdata[0];
  float worst = 0;
  for (guint i = 0; i < st->train_log->records->len; i++)
    {
      const PsTrainRecord *r = st->train_log->records->pdata[i];
      worst = isfinite (r->loss) ? MAX (worst, r->loss) : INFINITY;
    }
  g_assert_cmpfloat (worst, >, 20 * first->loss);
  ps_training_page_set_view (page, PS_TRAINING_VIEW_RATIOS);
  iterate ();
  g_assert_null (ps_training_page_get_empty_text (page));
  shot (w, "scenario-lr-too-high");
  gtk_window_destroy (GTK_WINDOW (w));
}

/* Fashion-MNIST: the first layer's 32 units as 28 × 28 tiles (skipped without the data set). */
static void
test_fashion_templates (void)
{
  const char *dir = g_getenv ("PS_FASHION_MNIST_DIR") ? g_getenv ("PS_FASHION_MNIST_DIR") : "/usr/share/datasets/fashion-mnist";
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);
  if (!g_file_test (images, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return;
    }
  PsWindow *w = new_window ("fashion-mnist-templates");
  PsTrainingPage *page = w->training_page;
  g_assert_null (ps_window_get_error_text (w));
  g_assert_cmpuint (ps_training_page_get_n_substeps (page), ==, 188 / 4);
  ps_training_page_set_view (page, PS_TRAINING_VIEW_WEIGHT_GRID);
  adw_view_stack_set_visible_child_name (w->view_stack, "training");
  iterate ();
  g_assert_null (ps_training_page_get_empty_text (page));
  shot (w, "fashion-templates");
  ps_training_page_set_view (page, PS_TRAINING_VIEW_ACTIVATIONS);
  iterate ();
  g_assert_null (ps_training_page_get_empty_text (page));
  shot (w, "fashion-activations");
  /* no boundary for 784-D inputs: the page says why */
  ps_training_page_set_view (page, PS_TRAINING_VIEW_BOUNDARY);
  iterate ();
  g_assert_nonnull (strstr (ps_training_page_get_empty_text (page), "2-D"));
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_teach_actions (void)
{
  PsWindow *w = new_window ("train-xor");
  PsDocument *doc = ps_window_get_document (w);
  guint n = ps_document_get_n_steps (doc);
  const char *actions[] = { "teach-forward", "teach-backward", "teach-step", "teach-zero-grad" };
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (w), actions[i]));
      g_action_group_activate_action (G_ACTION_GROUP (w), actions[i], NULL);
      iterate ();
      g_assert_null (ps_window_get_error_text (w));
      g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + i + 1);
    }
  PsState *st = ps_document_get_current_state (doc);
  g_assert_nonnull (ps_state_get_output (st, "loss"));
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (st, "fc1.weight", NULL, &p, NULL));
  for (int64_t k = 0; k < p->grad->numel; k++)
    g_assert_cmpfloat (ps_tensor_cf32 (p->grad)[k], ==, 0.0f);
  /* a second backward without a new forward: refused with torch's reason, nothing changes */
  g_action_group_activate_action (G_ACTION_GROUP (w), "teach-backward", NULL);
  iterate ();
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n + 4);
  gtk_window_destroy (GTK_WINDOW (w));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP %s\n", "no display: GUI tests run under xvfb-run (build-aux/test does that)");
      return 0;
    }
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_print ("1..0 # SKIP %s\n", "no session bus: GUI tests run under dbus-run-session (build-aux/test does that)");
      return 0;
    }
  adw_init ();
  app = ps_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/training/live-pause-cancel", test_live_pause_cancel);
  g_test_add_func ("/training/scrub-matches-cli-and-views", test_scrub_matches_cli_and_views);
  g_test_add_func ("/training/scenarios", test_scenarios);
  g_test_add_func ("/training/teach-actions", test_teach_actions);
  g_test_add_func ("/training/fashion-templates", test_fashion_templates);
  int ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
