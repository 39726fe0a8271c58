/* GUI tests: drive the real window through its actions and document, under Xvfb (CI runs
 * `xvfb-run meson test`). Without a display they are skipped, and say so. */
#include "ps-window-private.h"

#include <glib/gstdio.h>
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
  gtk_window_present (GTK_WINDOW (w));
  g_assert_true (ps_window_load_scenario (w, scenario));
  iterate ();
  return w;
}

static void
activate (PsWindow *w, const char *action, GVariant *param)
{
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (w), action));
  g_action_group_activate_action (G_ACTION_GROUP (w), action, param);
  iterate ();
}

static void
apply (PsWindow *w, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (ps_window_get_document (w), json, &error));
  g_assert_no_error (error);
  iterate ();
}

/* The article's example 3 built by hand: l = Linear(10, 5); model = [l, l]; forward fails. */
static void
test_article_example_3_by_hand (void)
{
  PsWindow *w = new_window ("empty");
  PsDocument *doc = ps_window_get_document (w);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 1);
  apply (w, "{\"op\":\"module\",\"id\":\"l\",\"type\":\"Linear\",\"args\":{\"in_features\":10,\"out_features\":5}}");
  apply (w, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"l\"}");
  /* "reuse this module here": select it in the tree, run the action */
  g_assert_true (ps_window_select_path (w, "0"));
  activate (w, "reuse-module", NULL);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 4);

  g_autofree char *tree = ps_window_dump_tree (w);
  g_assert_nonnull (strstr (tree, "  0 Linear(in_features=10, out_features=5, bias=True) 55 parameters [shared]"));
  g_assert_nonnull (strstr (tree, "  1 Linear(in_features=10, out_features=5, bias=True) 55 parameters [shared]"));
  g_assert_nonnull (strstr (tree, "model Sequential() 55 parameters"));  /* counted once */

  /* selecting one place highlights both */
  g_assert_true (ps_window_select_path (w, "1.weight"));
  iterate ();
  g_autofree char *lit = ps_window_dump_tree (w);
  g_assert_nonnull (strstr (lit, "  0 Linear(in_features=10, out_features=5, bias=True) 55 parameters [shared] [highlight]"));
  g_assert_nonnull (strstr (lit, "  1 Linear(in_features=10, out_features=5, bias=True) 55 parameters [shared] [highlight]"));
  g_assert_null (strstr (lit, "model Sequential() 55 parameters [highlight]"));

  /* the forward fails with PyTorch's message; model, timeline and generator are unchanged */
  PsState *before = ps_document_get_current_state (doc);
  PsGenerator gen = before->gen;
  PsParam *wparam = NULL;
  g_assert_true (ps_state_resolve (before, "model.0.weight", NULL, &wparam, NULL));
  PsTensor *wvalue = wparam->value;
  g_autoptr (JsonObject) op = json_object_new ();
  json_object_set_string_member (op, "op", "forward");
  json_object_set_string_member (op, "target", "model");
  JsonObject *input = json_object_new ();
  JsonArray *shape = json_array_new ();
  json_array_add_int_element (shape, 1);
  json_array_add_int_element (shape, 10);
  json_object_set_array_member (input, "randn", shape);
  json_object_set_object_member (op, "input", input);
  g_assert_false (ps_window_apply_op (w, op));
  iterate ();
  g_assert_nonnull (ps_window_get_error_text (w));
  g_assert_nonnull (strstr (ps_window_get_error_text (w), "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)"));
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 4);
  PsState *after = ps_document_get_current_state (doc);
  g_assert_true (after == before);
  g_assert_true (ps_generator_equal (&after->gen, &gen));
  g_assert_true (wparam->value == wvalue);

  /* undo and redo through the actions */
  activate (w, "undo", NULL);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 3);
  g_autofree char *undone = ps_window_dump_tree (w);
  g_assert_null (strstr (undone, "[shared]"));
  activate (w, "redo", NULL);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 4);
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_scenario_steps_and_export (void)
{
  PsWindow *w = new_window ("article-3-shared");
  PsDocument *doc = ps_window_get_document (w);
  /* loading the scenario shows the error of its failing last op */
  g_assert_nonnull (ps_window_get_error_text (w));
  g_assert_nonnull (strstr (ps_window_get_error_text (w), "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)"));
  guint n = ps_document_get_n_steps (doc);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, n);
  activate (w, "first-step", NULL);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, 0);
  activate (w, "step-forward", NULL);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, 1);
  activate (w, "step-forward", NULL);
  activate (w, "step-forward", NULL);   /* clamps at the last step */
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, n);
  activate (w, "step-back", NULL);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, n - 1);
  activate (w, "last-step", NULL);

  /* export the heatmap of the selected weight */
  g_assert_true (ps_window_select_path (w, "0.weight"));
  iterate ();
  g_autofree char *dir = g_dir_make_tmp ("ps-window-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "heatmap.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_window_export_picture (w, png, 800, 500, 1.0, &error));
  g_assert_no_error (error);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (png, &data, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0);
  g_autoptr (GdkTexture) tex = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (tex), ==, 800);
  g_assert_cmpint (gdk_texture_get_height (tex), ==, 500);
  g_unlink (png);
  g_rmdir (dir);

  /* replay with the same seed keeps every value; a new seed changes them */
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "l.weight", NULL, &p, NULL));
  g_autoptr (PsTensor) old = ps_tensor_ref (p->value);
  activate (w, "replay", NULL);
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "l.weight", NULL, &p, NULL));
  g_assert_true (ps_tensor_equal (old, p->value));
  activate (w, "reseed", NULL);
  g_assert_true (ps_state_resolve (ps_document_get_current_state (doc), "l.weight", NULL, &p, NULL));
  g_assert_false (ps_tensor_equal (old, p->value));
  g_assert_true (ps_document_get_modified (doc));
  /* a modified document asks before closing: the window stays */
  gtk_window_close (GTK_WINDOW (w));
  iterate ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (w)));
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_every_scenario_loads (void)
{
  const char *names[] = { "demo", "article-1-construction", "article-2-custom-init", "lazy", "init-schemes", NULL };
  for (int i = 0; names[i]; i++)
    {
      PsWindow *w = new_window (names[i]);
      g_assert_null (ps_window_get_error_text (w));
      g_assert_cmpuint (ps_document_get_n_steps (ps_window_get_document (w)), >, 0);
      for (int page = 0; page < PS_N_PLOT_PAGES; page++)
        {
          adw_view_stack_set_visible_child_name (w->view_stack, (const char *[]) { "heatmap", "histogram", "over-time", "difference" }[page]);
          iterate ();
        }
      gtk_window_destroy (GTK_WINDOW (w));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display: GUI tests run under xvfb-run (build-aux/test does that)");
      g_test_add_func ("/window/skipped", (GTestFunc) g_test_incomplete);
      return g_test_run ();
    }
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      /* GtkApplication warns (fatally, in tests) without a session bus */
      g_test_skip ("no session bus: GUI tests run under dbus-run-session (build-aux/test does that)");
      g_test_add_func ("/window/skipped", (GTestFunc) g_test_incomplete);
      return g_test_run ();
    }
  adw_init ();
  app = ps_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/window/article-example-3-by-hand", test_article_example_3_by_hand);
  g_test_add_func ("/window/scenario-steps-and-export", test_scenario_steps_and_export);
  g_test_add_func ("/window/every-scenario-loads", test_every_scenario_loads);
  int ret = g_test_run ();
  g_object_unref (app);
  return ret;
}
