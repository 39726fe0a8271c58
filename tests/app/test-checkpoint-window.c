/* GUI tests of checkpoints and PyTorch export, driven through the main window as a user would:
 * Open Checkpoint… opens a window of its own; a malformed file only shows an error. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-checkpoint-window.h"
#include "ps-checkpoint-item.h"
#include "ps-export-pytorch.h"
#include "formats-test-util.h"
#include "checkpoint-test-util.h"

#include <string.h>
#include "layout-test-util.h"
#include "window-test-util.h"

/* Opens path through the window and waits for the worker; returns the new window or NULL. */
static PsCheckpointWindow *
open_checkpoint (PsWindow *w, const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  guint before = g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
  ps_application_open_checkpoint (PS_APPLICATION (app), file, GTK_WINDOW (w));
  while (ps_application_get_checkpoint_jobs (PS_APPLICATION (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  iterate ();
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  if (g_list_length (windows) == before)
    return NULL;
  g_assert_cmpuint (g_list_length (windows), ==, before + 1);
  g_assert_true (PS_IS_CHECKPOINT_WINDOW (windows->data));   /* the newest is first */
  PsCheckpointWindow *cw = windows->data;
  /* the tree is there at once; the per-layer norms follow from a worker */
  while (ps_checkpoint_window_get_busy (cw))
    g_main_context_iteration (NULL, TRUE);
  iterate ();
  return cw;
}

/* The selected tensor is read, described and drawn in a worker: wait for it to be shown. */
static void
wait_read (PsCheckpointWindow *cw)
{
  while (ps_checkpoint_window_get_reading (cw))
    g_main_context_iteration (NULL, TRUE);
  iterate ();
}

/* Paints page as the screen does, once its view has a size. wait_read () returns as soon as the
 * worker's figure is set, and the stack's newly shown page gets its size only at the window's next
 * layout: here after the X server has applied gtk_window_set_default_size (the window is still
 * 1190x790, mapped, on the heatmap page, while the view is 0 wide). On a loaded machine the reads
 * can finish before that frame: the first render was 0 wide in 9 of 52 runs on main and 11 of 32
 * on b0203b5 (before this session's changes to the window), and this wait was needed in 17 of 40
 * runs (2 to 6 polls, one frame). A user sees the picture at that frame; the test waits for it, at most
 * 20 s, and fails if it never comes. */
static cairo_surface_t *
render_when_sized (PsCheckpointWindow *cw, const char *page)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      cairo_surface_t *s = ps_checkpoint_window_render_for_test (cw, page);
      if (cairo_image_surface_get_width (s) > 0)
        return s;
      cairo_surface_destroy (s);
      g_assert_cmpint (g_get_monotonic_time (), <, end);   /* the page never got a size */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
assert_shown (PsCheckpointWindow *cw, const char *name, const char *page)
{
  g_assert_true (ps_checkpoint_window_select_path (cw, name));
  wait_read (cw);
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, page);
  PsFigure *heat = ps_checkpoint_window_get_figure (cw, "heatmap");
  PsFigure *hist = ps_checkpoint_window_get_figure (cw, "histogram");
  g_assert_nonnull (heat);
  g_assert_nonnull (hist);
  g_assert_cmpstr (ps_figure_get_title (heat), ==, name);
  /* what the views draw is exactly the fixture's values (written by torch 1.13) */
  fmt_assert_tensor (ps_figure_get_tensor (heat), "all_dtypes.safetensors", name);
  fmt_assert_tensor (ps_figure_get_tensor (hist), "all_dtypes.safetensors", name);
  g_assert_true (g_str_has_prefix (ps_checkpoint_window_get_statistics_text (cw), name));
}

static void
test_open_all_dtypes (void)
{
  PsWindow *w = new_window ("demo");
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  g_assert_null (ps_window_get_error_text (w));
  g_assert_null (ps_checkpoint_window_get_error_text (cw));
  /* the root shows the summary */
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, "summary");
  const char *summary = ps_checkpoint_window_get_summary_text (cw);
  g_assert_nonnull (strstr (summary, "in 17 tensors"));
  g_assert_nonnull (strstr (summary, "BF16"));
  g_assert_nonnull (strstr (summary, "L2 norm per layer"));
  g_autofree char *dump = ps_checkpoint_window_dump_tree (cw);
  g_assert_true (g_str_has_prefix (dump, "all_dtypes.safetensors "));
  g_assert_nonnull (strstr (dump, "\n  f16 F16 2 tensors "));
  g_assert_nonnull (strstr (dump, "\n    matrix BF16 [3, 5] 15\n"));
  g_assert_nonnull (strstr (dump, "\n  model F32 1 tensor 4\n"));

  assert_shown (cw, "f32.matrix", "heatmap");   /* from the summary to the first picture */
  assert_shown (cw, "f16.matrix", "heatmap");
  ps_checkpoint_window_set_page (cw, "statistics");
  assert_shown (cw, "bf16.matrix", "statistics");   /* the page chosen stays while browsing */
  g_assert_nonnull (strstr (ps_checkpoint_window_get_statistics_text (cw), "dtype BF16 (shown as float32)"));
  ps_checkpoint_window_set_page (cw, "histogram");
  assert_shown (cw, "model.layer.0.weight", "histogram");

  /* a group: its line, then the summary; no tensor pages */
  g_assert_true (ps_checkpoint_window_select_path (cw, "f16"));
  wait_read (cw);
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, "summary");
  g_assert_null (ps_checkpoint_window_get_figure (cw, "heatmap"));
  g_assert_true (g_str_has_prefix (ps_checkpoint_window_get_summary_text (cw), "f16: "));

  gtk_window_destroy (GTK_WINDOW (cw));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

static void
test_open_sharded_npz_npy (void)
{
  PsWindow *w = new_window ("demo");
  const char *files[] = { "sharded/model.safetensors.index.json", "deflated.npz", "fortran_f4.npy" };
  const char *firsts[] = { "  embed ", "  bias ", "  fortran_f4 " };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = fmt_data_path (files[i]);
      PsCheckpointWindow *cw = open_checkpoint (w, path);
      g_assert_nonnull (cw);
      g_autofree char *dump = ps_checkpoint_window_dump_tree (cw);
      g_assert_nonnull (strstr (dump, firsts[i]));
      gtk_window_destroy (GTK_WINDOW (cw));
      iterate ();
    }
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

static void
test_nested_tree (void)
{
  PsWindow *w = new_window ("empty");
  char *path = nested_write ();
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  g_autofree char *dump = ps_checkpoint_window_dump_tree (cw);
  g_assert_cmpstr (dump, ==, NESTED_TREE_DUMP);
  /* deep rows are reached by expanding their ancestors */
  g_assert_true (ps_checkpoint_window_select_path (cw, "encoder.layers.0.self_attn.q_proj.bias"));
  wait_read (cw);
  PsTensor *t = ps_figure_get_tensor (ps_checkpoint_window_get_figure (cw, "heatmap"));
  g_assert_cmpint (t->numel, ==, 2);
  g_assert_cmpfloat (ps_tensor_cf32 (t)[1], ==, (float) nested_value (1, 1));
  /* an int64 tensor is viewable too */
  g_assert_true (ps_checkpoint_window_select_path (cw, "step"));
  wait_read (cw);
  g_assert_nonnull (ps_checkpoint_window_get_figure (cw, "histogram"));
  g_assert_false (ps_checkpoint_window_select_path (cw, "encoder.nope"));
  gtk_window_destroy (GTK_WINDOW (cw));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
  nested_remove (path);
}

/* The colormap chosen in the app's menu applies to checkpoint heatmaps too, at once. */
static void
test_follows_colormap (void)
{
  PsWindow *w = new_window ("empty");
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  g_assert_true (ps_checkpoint_window_select_path (cw, "f32.matrix"));
  gtk_window_set_default_size (GTK_WINDOW (cw), 900, 600);
  wait_read (cw);
  GSettings *settings = ps_application_get_settings (app);
  g_assert_nonnull (settings);
  g_settings_set_string (settings, "colormap", "diverging");
  wait_read (cw);
  cairo_surface_t *a = render_when_sized (cw, "heatmap");
  g_settings_set_string (settings, "colormap", "grayscale");
  wait_read (cw);
  cairo_surface_t *b = render_when_sized (cw, "heatmap");
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  int w_ = cairo_image_surface_get_width (a), h_ = cairo_image_surface_get_height (a);
  g_assert_cmpint (w_, ==, cairo_image_surface_get_width (b));
  g_assert_cmpint (w_, >, 0);
  /* grayscale pixels have r = g = b; the diverging map's do not: count the coloured ones */
  guint coloured_a = 0, coloured_b = 0;
  for (int y = 0; y < h_; y++)
    for (int x = 0; x < w_; x++)
      {
        guint32 pa = ((guint32 *) (cairo_image_surface_get_data (a) + y * cairo_image_surface_get_stride (a)))[x];
        guint32 pb = ((guint32 *) (cairo_image_surface_get_data (b) + y * cairo_image_surface_get_stride (b)))[x];
        coloured_a += ((pa >> 16) & 0xff) != (pa & 0xff);
        coloured_b += ((pb >> 16) & 0xff) != (pb & 0xff);
      }
  g_assert_cmpuint (coloured_a, >, coloured_b + 1000);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  g_settings_reset (settings, "colormap");
  wait_read (cw);
  /* projector mode through the same helper as the main window: larger chrome, larger plot text */
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cw), "projector"));
  cairo_surface_t *small = render_when_sized (cw, "heatmap");
  g_settings_set_boolean (settings, "projector-mode", TRUE);
  wait_read (cw);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cw), "projector"));
  cairo_surface_t *large = render_when_sized (cw, "heatmap");
  /* the header's text is 1.6 times larger: the first row of cells starts lower */
  int first_small = -1, first_large = -1;
  for (int y = 0; y < h_ && (first_small < 0 || first_large < 0); y++)
    {
      guint32 ps = ((guint32 *) (cairo_image_surface_get_data (small) + y * cairo_image_surface_get_stride (small)))[w_ / 3];
      guint32 pl = ((guint32 *) (cairo_image_surface_get_data (large) + y * cairo_image_surface_get_stride (large)))[w_ / 3];
      if (first_small < 0 && ((ps >> 16) & 0xff) != (ps & 0xff))
        first_small = y;
      if (first_large < 0 && ((pl >> 16) & 0xff) != (pl & 0xff))
        first_large = y;
    }
  g_test_message ("first coloured row: %d (normal), %d (projector)", first_small, first_large);
  g_assert_cmpint (first_small, >, 0);
  g_assert_cmpint (first_large, >, first_small + 10);
  cairo_surface_destroy (small);
  cairo_surface_destroy (large);
  g_settings_set_boolean (settings, "projector-mode", FALSE);
  wait_read (cw);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cw), "projector"));
  gtk_window_destroy (GTK_WINDOW (cw));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

/* From a checkpoint window, another file opens beside it; a bad one shows in its banner. */
static void
test_open_from_checkpoint_window (void)
{
  PsWindow *w = new_window ("empty");
  g_autofree char *path = fmt_data_path ("fortran_f4.npy");
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  /* opening belongs to the application: the same action serves every window */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "open-checkpoint"));
  g_assert_false (g_action_group_has_action (G_ACTION_GROUP (cw), "open-checkpoint"));
  guint n = g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_autofree char *bad = fmt_data_path ("bad/st_hole.safetensors");
  g_autoptr (GFile) bad_file = g_file_new_for_path (bad);
  ps_application_open_checkpoint (PS_APPLICATION (app), bad_file, GTK_WINDOW (cw));
  while (ps_checkpoint_window_get_error_text (cw) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (ps_checkpoint_window_get_error_text (cw), "st_hole.safetensors"));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, n);
  g_autofree char *good = fmt_data_path ("stored.npz");
  g_autoptr (GFile) good_file = g_file_new_for_path (good);
  ps_application_open_checkpoint (PS_APPLICATION (app), good_file, GTK_WINDOW (cw));
  while (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))) == n)
    g_main_context_iteration (NULL, TRUE);
  PsCheckpointWindow *other = gtk_application_get_windows (GTK_APPLICATION (app))->data;
  g_assert_true (PS_IS_CHECKPOINT_WINDOW (other) && other != cw);
  while (ps_checkpoint_window_get_busy (other))
    g_main_context_iteration (NULL, TRUE);
  g_autofree char *dump = ps_checkpoint_window_dump_tree (other);
  g_assert_true (g_str_has_prefix (dump, "stored.npz "));
  gtk_window_destroy (GTK_WINDOW (other));
  gtk_window_destroy (GTK_WINDOW (cw));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

static guint n_found_late;

/* A bad header fails the opening: the banner of the window that asked says why. Bad data behind a
 * good header (a CRC error, a member shorter than declared) is found when the values are read: the
 * checkpoint window opens and its own banner says why. Either way the model is untouched. */
static void
assert_bad_keeps_model (const char *path, const char *file, const char *want)
{
  static PsWindow *w;
  if (w == NULL)
    w = new_window ("article-3-shared");
  PsDocument *doc = ps_window_get_document (w);
  guint steps = ps_document_get_n_steps (doc);
  g_autofree char *before = ps_window_dump_tree (w);
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  const char *err = cw ? ps_checkpoint_window_get_error_text (cw) : ps_window_get_error_text (w);
  if (err == NULL || strstr (err, want) == NULL || strstr (err, file) == NULL)
    g_error ("%s: banner '%s' should name the file and contain '%s'", file, err, want);
  if (cw != NULL)
    {
      g_assert_null (ps_window_get_error_text (w));
      n_found_late++;
      g_test_message ("%s: refused only when its values are read", file);
      gtk_window_destroy (GTK_WINDOW (cw));
      iterate ();
    }
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, steps);
  g_autofree char *after = ps_window_dump_tree (w);
  g_assert_cmpstr (after, ==, before);
  ps_window_clear_error (w);
}

static void
test_malformed_keeps_model (void)
{
  guint n = fmt_for_each_bad ("safetensors", assert_bad_keeps_model);
  n += fmt_for_each_bad ("npy", assert_bad_keeps_model);
  n += fmt_for_each_bad ("npz", assert_bad_keeps_model);
  g_assert_cmpuint (n, >, 40);
  g_assert_cmpuint (n_found_late, <, n / 4);   /* most are refused by their header */
}

/* Closing a checkpoint window while its norms are computed cancels them, and nothing breaks. */
static void
test_close_while_computing (void)
{
  PsWindow *w = new_window ("empty");
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  for (int round = 0; round < 5; round++)
    {
      ps_application_open_checkpoint (PS_APPLICATION (app), file, GTK_WINDOW (w));
      while (ps_application_get_checkpoint_jobs (PS_APPLICATION (app)) > 0)
        g_main_context_iteration (NULL, TRUE);
      GtkWindow *cw = gtk_application_get_windows (GTK_APPLICATION (app))->data;
      g_assert_true (PS_IS_CHECKPOINT_WINDOW (cw));
      g_object_add_weak_pointer (G_OBJECT (cw), (gpointer *) &cw);
      gtk_window_destroy (cw);
      /* the worker holds the window until it reports back; then it is finalized */
      while (cw != NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_null (ps_window_get_error_text (w));
  /* the asking window closed before a bad file's answer: nothing to show, nothing breaks */
  g_autofree char *bad = fmt_data_path ("bad/st_hole.safetensors");
  g_autoptr (GFile) bad_file = g_file_new_for_path (bad);
  ps_application_open_checkpoint (PS_APPLICATION (app), bad_file, GTK_WINDOW (w));
  g_object_ref (w);
  gtk_window_destroy (GTK_WINDOW (w));
  while (ps_application_get_checkpoint_jobs (PS_APPLICATION (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (w);
  iterate ();
}

static void
test_export_pytorch (void)
{
  PsWindow *w = new_window ("article-3-shared");
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (w), "export-pytorch"));
  g_assert_false (g_action_group_has_action (G_ACTION_GROUP (w), "open-checkpoint"));
  g_auto (GStrv) by_accel = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control><Shift>o");
  g_assert_cmpstr (by_accel[0], ==, "app.open-checkpoint");
  g_assert_null (by_accel[1]);
  g_autofree char *dir = g_dir_make_tmp ("ps-py-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.py", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_window_export_pytorch (w, path, &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_autoptr (PsRecipe) recipe = ps_timeline_to_recipe (ps_document_get_timeline (ps_window_get_document (w)));
  g_autofree char *want = ps_export_pytorch (recipe, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, want);
  g_assert_nonnull (strstr (text, "torch.manual_seed"));
  /* an unwritable place: an error, and the model stays */
  g_autofree char *bad = g_build_filename (dir, "no-such-dir", "x.py", NULL);
  g_assert_false (ps_window_export_pytorch (w, bad, &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

/* torch.save files open like the others: a training checkpoint's tree (model, optimizer state,
 * metadata kept out of the tree); a file that would run code in torch.load is refused in the main
 * window's banner and no window opens. */
static void
test_open_torch (void)
{
  PsWindow *w = new_window ("demo");
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "valid", "checkpoint_sgd.pt", NULL);
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  g_assert_null (ps_checkpoint_window_get_error_text (cw));
  g_autofree char *dump = ps_checkpoint_window_dump_tree (cw);
  g_assert_true (g_str_has_prefix (dump, "checkpoint_sgd.pt "));
  g_assert_nonnull (strstr (dump, "\n  model "));
  g_assert_nonnull (strstr (dump, "\n  optimizer "));
  g_assert_true (ps_checkpoint_window_select_path (cw, "model.fc1.weight"));
  wait_read (cw);
  PsFigure *heat = ps_checkpoint_window_get_figure (cw, "heatmap");
  g_assert_nonnull (heat);
  g_assert_cmpint (ps_figure_get_tensor (heat)->numel, ==, 24);
  gtk_window_destroy (GTK_WINDOW (cw));
  iterate ();

  g_autofree char *rce = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "malicious", "rce_os_system.pt", NULL);
  g_assert_null (open_checkpoint (w, rce));
  g_assert_nonnull (ps_window_get_error_text (w));
  g_assert_nonnull (strstr (ps_window_get_error_text (w), "forbidden global os.system"));
  g_assert_null (ps_application_get_anyway_dialog (PS_APPLICATION (app)));   /* a system module: never offered */
  ps_window_clear_error (w);

  /* a whole pickled module: refused, then the user is asked; Open Anyway lists its objects
   * inertly (nothing built or run) and its tensors as usual */
  g_autofree char *whole = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "valid", "whole_module.pt", NULL);
  g_assert_null (open_checkpoint (w, whole));
  g_assert_nonnull (strstr (ps_window_get_error_text (w), "forbidden global torch.nn.modules.container.Sequential"));
  GtkWidget *ask = ps_application_get_anyway_dialog (PS_APPLICATION (app));
  g_assert_nonnull (ask);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (ask)), "whole_module.pt"));
  guint before = g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
  /* what a click on Open Anyway does: the response, then the dialog closes */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (ask), "anyway");
  gtk_window_close (GTK_WINDOW (ask));
  while (ps_application_get_checkpoint_jobs (PS_APPLICATION (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  iterate ();
  g_assert_null (ps_application_get_anyway_dialog (PS_APPLICATION (app)));   /* answered and gone */
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  g_assert_cmpuint (g_list_length (windows), ==, before + 1);   /* the checkpoint's window */
  g_assert_true (PS_IS_CHECKPOINT_WINDOW (windows->data));
  PsCheckpointWindow *inert = windows->data;
  while (ps_checkpoint_window_get_busy (inert))
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ps_checkpoint_window_get_error_text (inert));
  g_autofree char *tree = ps_checkpoint_window_dump_tree (inert);
  g_assert_nonnull (strstr (tree, "running_var"));
  g_autoptr (GFile) wf = g_file_new_for_path (whole);
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open_full (whole, PS_CHECKPOINT_OPEN_ANYWAY, NULL);
  g_assert_nonnull (ck);
  const char *first = ps_checkpoint_get_entry (ck, 0)->name;
  g_assert_true (ps_checkpoint_window_select_path (inert, first));
  wait_read (inert);
  PsFigure *fig = ps_checkpoint_window_get_figure (inert, "heatmap");
  g_assert_nonnull (fig);
  g_autoptr (PsTensor) want = ps_checkpoint_load (ck, first, NULL);
  g_assert_cmpint (memcmp (ps_figure_get_tensor (fig)->data, want->data, ps_tensor_nbytes (want)), ==, 0);
  gtk_window_destroy (GTK_WINDOW (inert));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

/* The selected tensor is read, described and drawn in a worker: the first one shows a placeholder
 * until it is ready, a later one keeps the previous pictures and numbers meanwhile, and a selection
 * overtaken by a newer one is never shown. */
static void
test_reads_in_worker (void)
{
  PsWindow *w = new_window ("empty");
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  g_assert_cmpuint (ps_checkpoint_window_get_n_reads (cw), ==, 0);
  g_assert_true (ps_checkpoint_window_select_path (cw, "f32.matrix"));
  /* nothing read on the main thread: the answer comes back through the main loop */
  g_assert_true (ps_checkpoint_window_get_reading (cw));
  g_assert_true (ps_checkpoint_window_get_busy (cw));
  g_assert_null (ps_checkpoint_window_get_figure (cw, "heatmap"));
  g_assert_cmpstr (ps_checkpoint_window_get_message (cw, "heatmap"), ==, "Reading f32.matrix…");
  g_assert_cmpstr (ps_checkpoint_window_get_statistics_text (cw), ==, "Reading f32.matrix…");
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, "heatmap");
  wait_read (cw);
  g_assert_cmpuint (ps_checkpoint_window_get_n_reads (cw), ==, 1);
  g_assert_cmpstr (ps_figure_get_title (ps_checkpoint_window_get_figure (cw, "heatmap")), ==, "f32.matrix");
  fmt_assert_tensor (ps_figure_get_tensor (ps_checkpoint_window_get_figure (cw, "histogram")), "all_dtypes.safetensors",
                     "f32.matrix");
  g_autofree char *f32_stats = g_strdup (ps_checkpoint_window_get_statistics_text (cw));
  g_assert_true (g_str_has_prefix (f32_stats, "f32.matrix"));

  /* two selections in a row: the previous pictures stay while they are read; only the last is shown */
  ps_checkpoint_window_set_page (cw, "statistics");
  g_assert_true (ps_checkpoint_window_select_path (cw, "f16.matrix"));
  g_assert_true (ps_checkpoint_window_select_path (cw, "bf16.matrix"));
  g_assert_true (ps_checkpoint_window_get_reading (cw));
  g_assert_cmpstr (ps_figure_get_title (ps_checkpoint_window_get_figure (cw, "heatmap")), ==, "f32.matrix");
  g_assert_cmpstr (ps_checkpoint_window_get_statistics_text (cw), ==, f32_stats);
  wait_read (cw);
  g_assert_cmpuint (ps_checkpoint_window_get_n_reads (cw), ==, 2);
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, "statistics");
  g_assert_cmpstr (ps_figure_get_title (ps_checkpoint_window_get_figure (cw, "heatmap")), ==, "bf16.matrix");
  fmt_assert_tensor (ps_figure_get_tensor (ps_checkpoint_window_get_figure (cw, "heatmap")), "all_dtypes.safetensors",
                     "bf16.matrix");
  g_assert_true (g_str_has_prefix (ps_checkpoint_window_get_statistics_text (cw), "bf16.matrix"));
  g_assert_nonnull (strstr (ps_checkpoint_window_get_statistics_text (cw), "dtype BF16"));

  /* a group while a tensor is read: the read is dropped, the summary shows */
  g_assert_true (ps_checkpoint_window_select_path (cw, "f32.matrix"));
  g_assert_true (ps_checkpoint_window_select_path (cw, "f16"));
  g_assert_false (ps_checkpoint_window_get_reading (cw));
  wait_read (cw);
  iterate ();
  g_assert_cmpuint (ps_checkpoint_window_get_n_reads (cw), ==, 2);
  g_assert_cmpstr (ps_checkpoint_window_get_page (cw), ==, "summary");
  g_assert_null (ps_checkpoint_window_get_figure (cw, "heatmap"));

  /* closing the window while a tensor is read: the answer finds no window, nothing breaks */
  g_assert_true (ps_checkpoint_window_select_path (cw, "f32.matrix"));
  g_object_add_weak_pointer (G_OBJECT (cw), (gpointer *) &cw);
  gtk_window_destroy (GTK_WINDOW (cw));
  while (cw != NULL)
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

/* "text|tooltip" of every mapped GtkLabel under w, in widget order. */
static void
collect_labels (GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL (w) && gtk_widget_get_mapped (w))
    {
      const char *tip = gtk_widget_get_tooltip_text (w);
      g_string_append_printf (out, "%s|%s\n", gtk_label_get_text (GTK_LABEL (w)), tip ? tip : "");
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, out);
}

/* The tree's columns are GtkListItem templates in ui/ps-checkpoint-window.ui (GtkBuilderListItemFactory)
 * bound to the row's PsCheckpointItem: the cells drawn show the names with their paths as tooltips,
 * a group of many dtypes as "mixed (n)" with the list in its tooltip, shapes and counts. */
static void
test_column_templates (void)
{
  PsWindow *w = new_window ("empty");
  g_autofree char *path = fmt_data_path ("all_dtypes.safetensors");
  PsCheckpointWindow *cw = open_checkpoint (w, path);
  g_assert_nonnull (cw);
  GtkColumnView *view = GTK_COLUMN_VIEW (find_type (GTK_WIDGET (cw), GTK_TYPE_COLUMN_VIEW));
  g_assert_nonnull (view);
  GListModel *cols = gtk_column_view_get_columns (view);
  g_assert_cmpuint (g_list_model_get_n_items (cols), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (cols, i);
      g_assert_true (GTK_IS_BUILDER_LIST_ITEM_FACTORY (gtk_column_view_column_get_factory (c)));
    }
  g_assert_true (ps_checkpoint_window_select_path (cw, "f16.matrix"));   /* expands f16 */
  wait_read (cw);
  g_autoptr (GString) labels = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_string_truncate (labels, 0);
      collect_labels (GTK_WIDGET (view), labels);
      if (strstr (labels->str, "\nmatrix|f16.matrix\n") != NULL)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_test_message ("%s", labels->str);
  /* the root: its file name (no tooltip), many dtypes, its tensors, its values */
  g_assert_true (g_str_has_prefix (labels->str, "Name|\nDtype|\nShape|\nCount|\nall_dtypes.safetensors|\n"));
  g_autoptr (GError) error = NULL;
  g_autoptr (PsCheckpoint) ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsCheckpointItem) root = ps_checkpoint_item_new_root (g_steal_pointer (&ck), "all_dtypes.safetensors");
  g_autofree char *root_label = ps_checkpoint_item_get_dtype_label (root);
  g_assert_true (g_str_has_prefix (root_label, "mixed ("));
  g_autofree char *root_dtype = g_strdup_printf ("\n%s|%s\n", root_label, ps_checkpoint_item_get_dtype (root));
  g_assert_nonnull (strstr (labels->str, root_dtype));
  g_autofree char *root_count = g_strdup_printf ("\n%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "\n",
                                                 ps_checkpoint_item_get_numel (root), ps_checkpoint_item_get_numel (root));
  g_assert_nonnull (strstr (labels->str, root_count));
  g_assert_nonnull (strstr (labels->str, "\n17 tensors|17 tensors\n"));
  /* a group and a tensor in it */
  g_assert_nonnull (strstr (labels->str, "\nf16|f16\nF16|F16\n2 tensors|2 tensors\n"));
  g_assert_nonnull (strstr (labels->str, "\nmatrix|f16.matrix\nF16|F16\n"));
  g_assert_nonnull (strstr (labels->str, "\n[3, 5]|[3, 5]\n15|15\n"));
  gtk_window_destroy (GTK_WINDOW (cw));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

int
main (int argc, char **argv)
{
  if (!window_test_init (&argc, &argv))
    return 0;
  g_test_add_func ("/checkpoint-window/open-all-dtypes", test_open_all_dtypes);
  g_test_add_func ("/checkpoint-window/open-torch", test_open_torch);
  g_test_add_func ("/checkpoint-window/reads-in-worker", test_reads_in_worker);
  g_test_add_func ("/checkpoint-window/column-templates", test_column_templates);
  g_test_add_func ("/checkpoint-window/open-sharded-npz-npy", test_open_sharded_npz_npy);
  g_test_add_func ("/checkpoint-window/nested-tree", test_nested_tree);
  g_test_add_func ("/checkpoint-window/malformed-keeps-model", test_malformed_keeps_model);
  g_test_add_func ("/checkpoint-window/close-while-computing", test_close_while_computing);
  g_test_add_func ("/checkpoint-window/follows-colormap", test_follows_colormap);
  g_test_add_func ("/checkpoint-window/open-from-checkpoint-window", test_open_from_checkpoint_window);
  g_test_add_func ("/checkpoint-window/export-pytorch", test_export_pytorch);
  return window_test_run ();
}
