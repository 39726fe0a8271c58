/* test-narrow-dialogs.c — the Train dialog on GNOME's smallest screen, 360 × 294: its minimum
 * size fits (its fields scroll), it takes that size when asked, everything outside the scrolling
 * fields (heading, responses) lies inside it, and each field, once focused, is scrolled into view
 * inside the dialog — with the plain data sets and with the "file" data set's extra rows. No GLib/GTK
 * warning (g_test_init makes them fatal; they are also counted). Before, the dialog's minimum was
 * 421 × 732 (openbox showed it 396 × 748): on such a screen its lower fields and the Train button
 * were off the screen. Also the Training page's Contact Sheet dialog (its template): it fits 360 px
 * and its fields are reached through their labels and work. */
#include "ps-config.h"
#include "ps-train-dialog.h"
#include "ps-contact-sheet-dialog.h"
#include "ps-window-private.h"
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
  settle_frames ();
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

/* The label whose text (mnemonic stripped) is `text`, below w. */
static GtkLabel *
label_with_text (GtkWidget *w, const char *text)
{
  if (GTK_IS_LABEL (w) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (w)), text) == 0)
    return GTK_LABEL (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *l = label_with_text (c, text);
      if (l != NULL)
        return l;
    }
  return NULL;
}

/* the field a label names: its mnemonic (Alt+key) and its mnemonic widget, a `type` inside the dialog */
static GtkWidget *
labelled_field (GtkWidget *dialog, const char *text, guint keyval, GType type)
{
  GtkLabel *label = label_with_text (dialog, text);
  g_assert_nonnull (label);
  g_assert_cmpuint (gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (label)), ==, keyval);
  GtkWidget *field = gtk_label_get_mnemonic_widget (label);
  g_assert_nonnull (field);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (field, type));
  g_assert_true (gtk_widget_is_ancestor (field, dialog));
  g_assert_true (gtk_widget_get_mapped (field) && gtk_widget_is_sensitive (field));
  graphene_rect_t b;
  g_assert_true (gtk_widget_grab_focus (field));
  g_assert_true (inside (field, dialog, &b));
  return field;
}

typedef struct {
  guint n;
  char *steps;
  guint columns, width, height;
} Chosen;

static void
on_chosen (PsContactSheetDialog *d, const char *steps, guint columns, guint width, guint height, Chosen *c)
{
  c->width = width;
  c->height = height;
  c->n++;
  g_free (c->steps);
  c->steps = g_strdup (steps);
  c->columns = columns;
}

static gboolean note_said (gpointer d) { return *ps_contact_sheet_dialog_get_note (d) != 0; }
static gboolean handed_over (gpointer c) { return ((Chosen *) c)->n > 0; }

/* runs the main loop until done (data) or 10 s pass (a loaded machine) */
static void
wait_for (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  iterate ();
}

/* Contact Sheet… (a PsContactSheetDialog from its template): opened by the Training page's action
 * with the default list; at 360 × 294 everything lies inside it; its two fields are reached by their
 * labels' mnemonics (Alt+S, Alt+U); Enter in the list is Choose File; a bad list is said in the note
 * and the dialog stays, a good one is handed over with the columns typed. */
static void
test_contact_sheet_dialog (void)
{
  PsWindow *w = new_window ("train-xor");
  adw_view_stack_set_visible_child_name (w->view_stack, "training");   /* its records are read when shown */
  iterate ();
  guint n = ps_training_page_get_n_substeps (w->training_page);
  g_assert_cmpuint (n, ==, 20);
  g_action_group_activate_action (G_ACTION_GROUP (w), "export-training-sheet", NULL);
  iterate ();
  PsContactSheetDialog *d = NULL;
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops) && d == NULL; i++)
    {
      g_autoptr (GObject) t = g_list_model_get_item (tops, i);
      if (PS_IS_CONTACT_SHEET_DIALOG (t))
        d = PS_CONTACT_SHEET_DIALOG (t);
    }
  g_assert_nonnull (d);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (d)) == GTK_WINDOW (w));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (d)));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (d)), ==, GTK_ACCESSIBLE_ROLE_DIALOG);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (d)), ==, "Contact Sheet of Sub-steps");
  g_assert_cmpstr (ps_contact_sheet_dialog_get_steps (d), ==, "1, 5, 10, 15, last");
  g_assert_nonnull (label_with_text (GTK_WIDGET (d), "The Training page's view at the sub-steps you choose, side by side "
                                                     "on one page (PNG, SVG or PDF). Sub-steps are 1 to 20; write numbers, "
                                                     "ranges such as 5-8, and last."));

  GtkWidget *dw = GTK_WIDGET (d);
  resize_and_wait (dw, SMALLEST_W, SMALLEST_H);
  int mw, mh;
  gtk_widget_measure (dw, GTK_ORIENTATION_HORIZONTAL, -1, &mw, NULL, NULL, NULL);
  gtk_widget_measure (dw, GTK_ORIENTATION_VERTICAL, SMALLEST_W, &mh, NULL, NULL, NULL);
  g_test_message ("Contact Sheet dialog: minimum %d × %d, allocated %d × %d", mw, mh, gtk_widget_get_width (dw),
                  gtk_widget_get_height (dw));
  g_assert_cmpint (mw, <=, SMALLEST_W);
  g_assert_cmpint (gtk_widget_get_width (dw), <=, SMALLEST_W);
  g_assert_cmpuint (check_inside (dw, dw, FALSE), >, 8);
  g_assert_cmpuint (buttons_labelled (dw, "Cancel"), ==, 1);
  g_assert_cmpuint (buttons_labelled (dw, "Choose File…"), ==, 1);

  GtkWidget *entry = labelled_field (dw, "Sub-steps", GDK_KEY_s, GTK_TYPE_ENTRY);
  GtkWidget *spin = labelled_field (dw, "Columns", GDK_KEY_u, GTK_TYPE_SPIN_BUTTON);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (spin), ==, "0: as many as make a square");
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (d)) != NULL);

  /* a bad list, by Enter in the field: said in the note, the dialog stays, nothing handed over */
  Chosen chosen = { 0, NULL, 0, 0, 0 };
  g_signal_connect (d, "choose-file", G_CALLBACK (on_chosen), &chosen);
  gtk_editable_set_text (GTK_EDITABLE (entry), "0, 5");
  g_signal_emit_by_name (entry, "activate");   /* what Enter in it does: Choose File, pressed for 250 ms */
  wait_for (note_said, d);
  g_test_message ("note: %s (handed over %u)", ps_contact_sheet_dialog_get_note (d), chosen.n);
  g_assert_nonnull (strstr (ps_contact_sheet_dialog_get_note (d), "does not exist"));
  g_assert_nonnull (label_with_text (dw, ps_contact_sheet_dialog_get_note (d)));
  g_assert_cmpuint (chosen.n, ==, 0);
  g_assert_true (gtk_widget_get_visible (dw));

  /* a good one and 3 columns, by the default button: handed over as typed (the window then closes
   * the dialog and asks for the file: a second handler stops before the chooser) */
  g_signal_handlers_disconnect_matched (d, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, w);
  gtk_editable_set_text (GTK_EDITABLE (entry), "1, 3-4, last");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 3);
  g_assert_cmpuint (ps_contact_sheet_dialog_get_columns (d), ==, 3);
  gtk_widget_activate (gtk_window_get_default_widget (GTK_WINDOW (d)));
  wait_for (handed_over, &chosen);
  g_assert_cmpuint (chosen.n, ==, 1);
  g_assert_cmpstr (chosen.steps, ==, "1, 3-4, last");
  g_assert_cmpuint (chosen.columns, ==, 3);
  g_assert_cmpuint (chosen.width, ==, 480);   /* the CLI's contact-sheet default tile */
  g_assert_cmpuint (chosen.height, ==, 320);
  g_free (chosen.steps);
  g_assert_cmpuint (layout_warnings, ==, 0);
  gtk_window_destroy (GTK_WINDOW (d));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
}

int
main (int argc, char **argv)
{
  layout_count_warnings ();
  if (!window_test_init (&argc, &argv))
    return 0;
  g_test_add_func ("/narrow-dialogs/train", test_train_dialog);
  g_test_add_func ("/narrow-dialogs/contact-sheet", test_contact_sheet_dialog);
  return window_test_run ();
}
