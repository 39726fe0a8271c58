/* test-narrow-dialogs.c — the Train dialog on GNOME's smallest screen, 360 × 294: its minimum
 * size fits (its fields scroll), it takes that size when asked, everything outside the scrolling
 * fields (heading, responses) lies inside it, and each field, once focused, is scrolled into view
 * inside the dialog — with the plain data sets and with the "file" data set's extra rows. No GLib/GTK
 * warning (g_test_init makes them fatal; they are also counted). Before, the dialog's minimum was
 * 421 × 732 (openbox showed it 396 × 748): on such a screen its lower fields and the Train button
 * were off the screen. */
#include "ps-config.h"
#include "ps-train-dialog.h"
#include "layout-test-util.h"
#include "window-test-util.h"

#define SMALLEST_W 360
#define SMALLEST_H 294

/* Runs the main loop until `w` is mapped and at most width × height, or 10 s pass (a loaded
 * machine), then a few frames more so the size reaches every widget. */
static void
resize_and_wait (GtkWidget *w, int width, int height)
{
  gtk_window_set_default_size (GTK_WINDOW (w), width, height);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!(gtk_widget_get_mapped (w) && gtk_widget_get_width (w) > 0 && gtk_widget_get_width (w) <= width &&
           gtk_widget_get_height (w) <= height) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  iterate ();
}

/* With PS_SCREENSHOTS=dir the dialog is also saved there as train-dialog-WHAT.png. */
static void
save_screenshot (GtkWidget *widget, const char *what)
{
  g_autofree char *name = g_strdup_printf ("train-dialog-%s.png", what);
  g_strdelimit (name, " ", '-');
  save_widget_png (widget, name);
}

/* the mapped buttons whose label (mnemonic stripped) is `label` */
static guint
buttons_labelled (GtkWidget *w, const char *label)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_BUTTON (c) && gtk_widget_get_mapped (c) && gtk_button_get_label (GTK_BUTTON (c)) != NULL)
        {
          g_autofree char *l = g_strdup (gtk_button_get_label (GTK_BUTTON (c)));
          char *u = strchr (l, '_');
          if (u != NULL)
            memmove (u, u + 1, strlen (u));
          if (g_strcmp0 (l, label) == 0)
            n++;
        }
      n += buttons_labelled (c, label);
    }
  return n;
}

/* Focuses each field of the grid (column 1: spin buttons, drop-downs, entries, check buttons) and
 * waits until the scrolled window has brought it inside the dialog. Returns how many fields. */
static guint
check_fields_reachable (GtkWidget *dialog, GtkGrid *grid)
{
  guint n = 0;
  /* (from the last row up: the first field has the focus when the dialog opens) */
  for (int row = 63; row >= 0; row--)
    {
      GtkWidget *field = gtk_grid_get_child_at (grid, 1, row);
      if (field == NULL || !gtk_widget_get_visible (field))
        continue;
      /* the focusable part: an entry inside a box (the file rows), or the field itself */
      GtkWidget *target = GTK_IS_BOX (field) ? gtk_widget_get_first_child (field) : field;
      if (GTK_IS_LABEL (target) || !gtk_widget_is_sensitive (target))
        continue;   /* (the "Model" line: text, not a field; a field off for this choice) */
      g_assert_true (gtk_widget_grab_focus (target));
      graphene_rect_t b;
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (!(gtk_widget_get_mapped (target) && inside (target, dialog, &b)) && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE);
      iterate ();
      if (!inside (target, dialog, &b))
        g_error ("row %d's %s lies at %.0f, %.0f, %.0f × %.0f once focused: outside the %d × %d dialog", row,
                 G_OBJECT_TYPE_NAME (target), b.origin.x, b.origin.y, b.size.width, b.size.height,
                 gtk_widget_get_width (dialog), gtk_widget_get_height (dialog));
      n++;
    }
  return n;
}

static void
check_smallest (GtkWidget *dialog, const char *what, guint min_fields)
{
  resize_and_wait (dialog, SMALLEST_W, SMALLEST_H);
  int mw, mh;
  gtk_widget_measure (dialog, GTK_ORIENTATION_HORIZONTAL, -1, &mw, NULL, NULL, NULL);
  gtk_widget_measure (dialog, GTK_ORIENTATION_VERTICAL, SMALLEST_W, &mh, NULL, NULL, NULL);
  g_test_message ("Train dialog, %s: minimum %d × %d, allocated %d × %d", what, mw, mh, gtk_widget_get_width (dialog),
                  gtk_widget_get_height (dialog));
  save_screenshot (dialog, what);
  g_assert_cmpint (mw, <=, SMALLEST_W);
  g_assert_cmpint (mh, <=, SMALLEST_H);
  g_assert_cmpint (gtk_widget_get_width (dialog), <=, SMALLEST_W);
  g_assert_cmpint (gtk_widget_get_height (dialog), <=, SMALLEST_H);
  g_assert_cmpuint (check_inside (dialog, dialog, FALSE), >, 10);
  /* both responses on shown buttons inside the dialog */
  g_assert_cmpuint (buttons_labelled (dialog, "Train"), ==, 1);
  g_assert_cmpuint (buttons_labelled (dialog, "Cancel"), ==, 1);
  GtkGrid *grid = GTK_GRID (find_type (dialog, GTK_TYPE_GRID));
  g_assert_nonnull (grid);
  /* the fields scroll up and down only: nothing sideways */
  GtkScrolledWindow *scroll = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (grid), GTK_TYPE_SCROLLED_WINDOW));
  g_assert_nonnull (scroll);
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (scroll), *v = gtk_scrolled_window_get_vadjustment (scroll);
  g_test_message ("Train dialog, %s: fields %.0f × %.0f shown in %.0f × %.0f", what, gtk_adjustment_get_upper (h),
                  gtk_adjustment_get_upper (v), gtk_adjustment_get_page_size (h), gtk_adjustment_get_page_size (v));
  g_assert_cmpfloat (gtk_adjustment_get_upper (h), <=, gtk_adjustment_get_page_size (h) + 0.5);
  guint fields = check_fields_reachable (dialog, grid);
  g_test_message ("Train dialog, %s: %u fields scrolled into view", what, fields);
  g_assert_cmpuint (fields, >=, min_fields);
  g_assert_cmpuint (check_inside (dialog, dialog, FALSE), >, 10);
  g_assert_cmpuint (layout_warnings, ==, 0);
}

static void
test_train_dialog (void)
{
  PsWindow *w = new_window ("article-2-custom-init");
  PsTrainDialog *d = ps_train_dialog_new (GTK_WINDOW (w), "the whole model “model” (CustomModel)");
  gtk_window_present (GTK_WINDOW (d));
  /* on a large screen it opens at its natural size: every field shown, nothing to scroll */
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!(gtk_widget_get_mapped (GTK_WIDGET (d)) && gtk_widget_get_height (GTK_WIDGET (d)) > 400) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  iterate ();
  GtkWidget *grid = find_type (GTK_WIDGET (d), GTK_TYPE_GRID);
  GtkScrolledWindow *scroll = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (grid, GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroll), *h = gtk_scrolled_window_get_hadjustment (scroll);
  g_test_message ("Train dialog at its natural size: %d × %d, fields %.0f × %.0f shown in %.0f × %.0f",
                  gtk_widget_get_width (GTK_WIDGET (d)), gtk_widget_get_height (GTK_WIDGET (d)), gtk_adjustment_get_upper (h),
                  gtk_adjustment_get_upper (v), gtk_adjustment_get_page_size (h), gtk_adjustment_get_page_size (v));
  save_screenshot (GTK_WIDGET (d), "natural");
  g_assert_cmpfloat (gtk_adjustment_get_upper (v), <=, gtk_adjustment_get_page_size (v) + 0.5);
  g_assert_cmpfloat (gtk_adjustment_get_upper (h), <=, gtk_adjustment_get_page_size (h) + 0.5);
  /* the plain data sets: data set, samples, loss, optimizer and its arguments, scheduler, batch
   * size, shuffle, unit, count, record every */
  check_smallest (GTK_WIDGET (d), "xor", 10);
  /* the file data set adds its path and array rows */
  ps_train_dialog_set_file (d, "/nonexistent/data.npz", "x", "y");
  iterate ();
  check_smallest (GTK_WIDGET (d), "a file data set", 12);
  gtk_window_destroy (GTK_WINDOW (d));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
  g_assert_cmpuint (layout_warnings, ==, 0);
}

int
main (int argc, char **argv)
{
  layout_count_warnings ();
  if (!window_test_init (&argc, &argv))
    return 0;
  g_test_add_func ("/narrow-dialogs/train", test_train_dialog);
  return window_test_run ();
}
