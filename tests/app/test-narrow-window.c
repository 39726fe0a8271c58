/* test-narrow-window.c — GNOME's smallest window, 360 × 294, in normal and projector mode: the
 * main window takes that size (its minimum is below it), every widget outside the scrolling content
 * lies inside the window, the header folds to Step back / Step forward with every other header
 * command in the main menu, each page of the view stack shows there, the main menu pops up, and no
 * GLib/GTK warning is logged (a negative allocation, a label's negative minimum, a snapshot without
 * an allocation: g_test_init makes them fatal; they are also counted and printed). */
#include "ps-config.h"
#include "ps-window-private.h"
#include "layout-test-util.h"
#include "window-test-util.h"

#define SMALLEST_W 360
#define SMALLEST_H 294

/* Runs the main loop until `done` holds or 10 s pass (a loaded machine): a resize goes through the
 * X server and is laid out on the next frame clock cycles. */
static gboolean revealer_moving (GtkWidget *w);

static gboolean
window_at_most (GtkWidget *w, int width, int height)
{
  return gtk_widget_get_width (w) > 0 && gtk_widget_get_width (w) <= width && gtk_widget_get_height (w) <= height;
}

static void
resize_and_wait (GtkWidget *w, int width, int height)
{
  gtk_window_set_default_size (GTK_WINDOW (w), width, height);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  /* (the window widget is drawn inside the surface's client-side border: a few pixels less) */
  while (!(width <= SMALLEST_W ? window_at_most (w, width, height)
                               : gtk_widget_get_width (w) >= width - 20 && gtk_widget_get_height (w) >= height - 20)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  while (revealer_moving (w) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  /* then a few frames more: the new size reaches every widget */
  settle_frames ();
}

/* TRUE while a revealer (the error banner, the job bar, the toast) is still sliding: its child is
 * drawn partly above it until the transition ends */
static gboolean
revealer_moving (GtkWidget *w)
{
  if (GTK_IS_REVEALER (w) && gtk_revealer_get_reveal_child (GTK_REVEALER (w)) != gtk_revealer_get_child_revealed (GTK_REVEALER (w)))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (revealer_moving (c))
      return TRUE;
  return FALSE;
}

/* the mapped menu buttons with this icon */
static guint
shown_menu_buttons (GtkWidget *w, const char *icon)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_MENU_BUTTON (c) && gtk_widget_get_mapped (c) && gtk_widget_get_width (c) > 0 &&
          g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (c)), icon) == 0)
        n++;
      n += shown_menu_buttons (c, icon);
    }
  return n;
}

/* the header's main menu button (F10 opens it) */
static GtkWidget *
find_primary_menu_button (GtkWidget *w)
{
  if (GTK_IS_MENU_BUTTON (w) && gtk_menu_button_get_primary (GTK_MENU_BUTTON (w)))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *f = find_primary_menu_button (c);
      if (f != NULL)
        return f;
    }
  return NULL;
}

static gboolean
menu_has_action (GMenuModel *menu, const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *a = NULL;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &a) && g_strcmp0 (a, action) == 0)
        return TRUE;
      g_autoptr (GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);
      GMenuModel *sub;
      while (g_menu_link_iter_get_next (links, NULL, &sub))
        {
          gboolean found = menu_has_action (sub, action);
          g_object_unref (sub);
          if (found)
            return TRUE;
        }
    }
  return FALSE;
}

/* the mapped buttons of the header bar with this action */
static guint
header_buttons_for (GtkWidget *w, const char *action)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_ACTIONABLE (c) && gtk_widget_get_mapped (c) && gtk_widget_get_width (c) > 0 &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (c)), action) == 0)
        n++;
      n += header_buttons_for (c, action);
    }
  return n;
}

/* the header's commands: each on a shown header button or in the main menu */
static const char *const header_actions[] = {
  "win.first-step", "win.step-back", "win.play", "win.step-forward", "win.last-step", "win.replay", "win.reseed",
  "win.set-seed", "win.add-layer", "win.reuse-module", "win.remove-module", "win.initialize", "win.train",
};

/* Narrow: the plots are below the tree and the timeline (they used to sit to their right, the
 * window scrolling sideways to reach them): the content scrolls only up and down, the plot and
 * the Compare page's controls lie within the window's width. */
static void
check_stacked (PsWindow *w, const char *mode)
{
  GtkWidget *win = GTK_WIDGET (w);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!ps_window_get_stacked (w) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (ps_window_get_stacked (w));
  adw_view_stack_set_visible_child_name (w->view_stack, "compare");
  gtk_drop_down_set_selected (w->compare_of_dropdown, 1);
  resize_and_wait (win, SMALLEST_W, SMALLEST_H);
  GtkScrolledWindow *content = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (w->main_paned), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (content);
  g_test_message ("%s: stacked; content %.0f wide in a %.0f-px view", mode, gtk_adjustment_get_upper (h),
                  gtk_adjustment_get_page_size (h));
  g_assert_cmpfloat (gtk_adjustment_get_upper (h), <=, gtk_adjustment_get_page_size (h) + 1);
  GtkWidget *inside[] = { GTK_WIDGET (ps_figure_page_get_view (w->pages[PS_PAGE_COMPARE])), w->compare_box,
                          GTK_WIDGET (w->compare_of_dropdown), GTK_WIDGET (w->compare_dropdown),
                          GTK_WIDGET (w->compare_shared), GTK_WIDGET (w->tree_view) };
  for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
    {
      graphene_rect_t b;
      g_assert_true (gtk_widget_get_mapped (inside[i]));
      g_assert_true (gtk_widget_compute_bounds (inside[i], win, &b));
      g_test_message ("%s: %s at x %.0f–%.0f of %d", mode, G_OBJECT_TYPE_NAME (inside[i]), b.origin.x,
                      b.origin.x + b.size.width, gtk_widget_get_width (win));
      g_assert_cmpfloat (b.size.width, >, 0);
      g_assert_cmpfloat (b.origin.x, >=, 0);
      g_assert_cmpfloat (b.origin.x + b.size.width, <=, gtk_widget_get_width (win) + 0.5);
    }
  /* the plots below the tree */
  graphene_rect_t tb, pb;
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (w->tree_view), win, &tb));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (w->view_stack), win, &pb));
  g_assert_cmpfloat (pb.origin.y, >=, tb.origin.y + tb.size.height);
  g_autofree char *shot = g_strdup_printf ("%s-stacked-compare.png", mode[0] == 'n' ? "normal" : "projector");
  /* (scrolled down to the plots for the picture) */
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (content);
  gtk_adjustment_set_value (v, pb.origin.y - 120 + gtk_adjustment_get_value (v));
  resize_and_wait (win, SMALLEST_W, SMALLEST_H);
  save_widget_png (win, shot);
  gtk_adjustment_set_value (v, 0);
  adw_view_stack_set_visible_child_name (w->view_stack, "heatmap");
  iterate ();
}

static void
check_smallest (PsWindow *w, const char *mode)
{
  GtkWidget *win = GTK_WIDGET (w);
  resize_and_wait (win, SMALLEST_W, SMALLEST_H);
  int mw, mh;
  gtk_widget_measure (win, GTK_ORIENTATION_HORIZONTAL, -1, &mw, NULL, NULL, NULL);
  gtk_widget_measure (win, GTK_ORIENTATION_VERTICAL, SMALLEST_W, &mh, NULL, NULL, NULL);
  GtkWidget *header = find_type (win, ADW_TYPE_HEADER_BAR);
  g_assert_nonnull (header);
  int hw;
  gtk_widget_measure (header, GTK_ORIENTATION_HORIZONTAL, -1, &hw, NULL, NULL, NULL);
  g_test_message ("%s: minimum %d × %d (header %d), allocated %d × %d", mode, mw, mh, hw, gtk_widget_get_width (win),
                  gtk_widget_get_height (win));
  g_assert_cmpint (mw, <=, SMALLEST_W);
  g_assert_cmpint (mh, <=, SMALLEST_H);
  g_assert_cmpint (gtk_widget_get_width (win), <=, SMALLEST_W);
  g_assert_cmpint (gtk_widget_get_height (win), <=, SMALLEST_H);
  check_stacked (w, mode);

  /* a long error message wraps in the banner above the content, within the window */
  GString *long_error = g_string_new ("Step 12: step 1 (epoch 0, batch 0): ");
  for (int i = 0; i < 12; i++)
    g_string_append (long_error, "mat1_and_mat2_shapes_cannot_be_multiplied_(32x2_and_4x16) ");
  ps_window_show_error (w, long_error->str);
  g_string_free (long_error, TRUE);
  resize_and_wait (win, SMALLEST_W, SMALLEST_H);
  gtk_widget_measure (win, GTK_ORIENTATION_HORIZONTAL, -1, &mw, NULL, NULL, NULL);
  gtk_widget_measure (win, GTK_ORIENTATION_VERTICAL, SMALLEST_W, &mh, NULL, NULL, NULL);
  g_test_message ("%s with a long error: minimum %d × %d, allocated %d × %d", mode, mw, mh, gtk_widget_get_width (win),
                  gtk_widget_get_height (win));
  save_widget_png (win, mode[0] == 'n' ? "normal-error.png" : "projector-error.png");
  g_assert_cmpint (mw, <=, SMALLEST_W);
  g_assert_cmpint (mh, <=, SMALLEST_H);
  g_assert_cmpint (gtk_widget_get_width (win), <=, SMALLEST_W);
  g_assert_cmpint (gtk_widget_get_height (win), <=, SMALLEST_H);
  g_assert_cmpuint (check_inside (win, win, FALSE), >, 20);
  ps_window_clear_error (w);
  resize_and_wait (win, SMALLEST_W, SMALLEST_H);   /* (the banner slides away) */

  /* every page of the view stack, shown at this size */
  const char *pages[] = { "heatmap", "histogram", "difference", "over-time", "compare", "training", "explain" };
  guint shown_pages = 0;
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      if (adw_view_stack_get_child_by_name (w->view_stack, pages[i]) == NULL)
        continue;
      adw_view_stack_set_visible_child_name (w->view_stack, pages[i]);
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
      while (g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, FALSE);
      iterate ();
      guint checked = check_inside (win, win, FALSE);
      g_autofree char *shot = g_strdup_printf ("%s-%s.png", mode, pages[i]);
      save_widget_png (win, shot);
      g_test_message ("%s, page %s: %u widgets inside the window", mode, pages[i], checked);
      g_assert_cmpuint (checked, >, 20);
      shown_pages++;
    }
  g_assert_cmpuint (shown_pages, >=, 5);
  adw_view_stack_set_visible_child_name (w->view_stack, "heatmap");
  iterate ();

  /* stepping stays on buttons; every other header command is in the main menu */
  g_assert_cmpuint (header_buttons_for (header, "win.step-back"), ==, 1);
  g_assert_cmpuint (header_buttons_for (header, "win.step-forward"), ==, 1);
  GtkWidget *menu_button = find_primary_menu_button (header);
  g_assert_nonnull (menu_button);
  g_assert_true (gtk_widget_get_mapped (menu_button));
  /* its model: the button's, or the popover's when the window gives it a popover of its own */
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  if (menu == NULL && GTK_IS_POPOVER_MENU (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button))))
    menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button))));
  g_assert_nonnull (menu);
  for (guint i = 0; i < G_N_ELEMENTS (header_actions); i++)
    {
      guint on_button = header_buttons_for (header, header_actions[i]);
      gboolean in_menu = menu_has_action (menu, header_actions[i]);
      g_test_message ("%s: %s on %u header button(s), %s the main menu", mode, header_actions[i], on_button,
                      in_menu ? "in" : "not in");
      g_assert_true (on_button > 0 || in_menu);
      /* each action the window has */
      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (w), header_actions[i] + 4));
    }
  /* the main menu opens at this size */
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button));
  while ((popover == NULL || !gtk_widget_get_mapped (GTK_WIDGET (popover))) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button));
    }
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (popover)));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
  iterate ();
  g_assert_cmpuint (layout_warnings, ==, 0);
}

static void
test_smallest_window (void)
{
  GSettings *settings = ps_application_get_settings (app);
  g_settings_set_boolean (settings, "projector-mode", FALSE);
  PsWindow *w = new_window ("article-2-custom-init");
  ps_document_set_current_step (ps_window_get_document (w), 1);
  iterate ();
  GtkWidget *header = find_type (GTK_WIDGET (w), ADW_TYPE_HEADER_BAR);

  check_smallest (w, "normal mode");
  /* the folded header: no First step / Play / Last step button, no + menu button */
  g_assert_cmpuint (header_buttons_for (header, "win.first-step"), ==, 0);
  g_assert_cmpuint (shown_menu_buttons (header, "list-add-symbolic"), ==, 0);

  g_settings_set_boolean (settings, "projector-mode", TRUE);
  check_smallest (w, "projector mode");
  g_settings_set_boolean (settings, "projector-mode", FALSE);

  /* wide again: the whole navigation and the + menu are back on the header */
  resize_and_wait (GTK_WIDGET (w), 1200, 800);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (w)), >=, 1180);
  /* and the plots beside the tree again */
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (ps_window_get_stacked (w) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (ps_window_get_stacked (w));
  resize_and_wait (GTK_WIDGET (w), 1200, 800);
  static const char *const wide[] = { "win.first-step", "win.step-back", "win.play", "win.step-forward", "win.last-step" };
  for (guint i = 0; i < G_N_ELEMENTS (wide); i++)
    g_assert_cmpuint (header_buttons_for (header, wide[i]), ==, 1);
  g_assert_cmpuint (shown_menu_buttons (header, "list-add-symbolic"), ==, 1);
  /* and nothing scrolls: the content fits */
  g_assert_cmpuint (check_inside (GTK_WIDGET (w), GTK_WIDGET (w), FALSE), >, 20);
  g_assert_cmpuint (layout_warnings, ==, 0);
  gtk_window_destroy (GTK_WINDOW (w));
}

int
main (int argc, char **argv)
{
  layout_count_warnings ();
  if (!window_test_init (&argc, &argv))
    return 0;
  g_test_add_func ("/narrow-window/smallest-window", test_smallest_window);
  return window_test_run ();
}
