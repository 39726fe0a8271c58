/* ps-window-train.c — the window's training commands: Train… (the dialog, then the run in the
 * worker, followed live on the Training page with Pause/Resume/Cancel), the one-step teaching
 * actions (forward with loss, backward, optimizer step, zero_grad) and exporting the Training
 * page's view. The ops come from ps-edit-train; each command is one Undo. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-train-dialog.h"
#include "ps-training-page.h"
#include "ps-file-chooser.h"
#include "ps-edit-train.h"
#include "ps-frame-list.h"
#include "ps-animation.h"
#include "ps-error.h"
#include "ps-projector.h"

#include <glib/gi18n.h>

static PsState *
state (PsWindow *self)
{
  return ps_document_get_current_state (self->document);
}

static gboolean
at_last_step (PsWindow *self)
{
  if (ps_document_get_current_step (self->document) == ps_document_get_n_steps (self->document))
    return TRUE;
  ps_window_toast (self, _("Go to the last step to add a step (the timeline is a recipe: steps are appended)"));
  return FALSE;
}

static void
show_training_page (PsWindow *self)
{
  adw_view_stack_set_visible_child_name (self->view_stack, "training");
}

typedef struct {
  PsWindow *window;   /* ref */
  PsTrainingPage *page;   /* ref: the window's children may be gone when the run ends */
} TrainRun;

static void
on_train_done (GObject *source, GAsyncResult *result, gpointer data)
{
  TrainRun *run = data;
  PsWindow *self = run->window;
  g_autoptr (GError) error = NULL;
  /* back to the document's records before the job's result is announced */
  ps_training_page_set_monitor (run->page, NULL, NULL);
  if (!ps_document_apply_op_finish (PS_DOCUMENT (source), result, &error))
    ps_window_job_failed (self, error);
  else
    {
      ps_window_clear_error (self);
      ps_window_toast (self, ps_timeline_get_description (ps_document_get_timeline (self->document),
                                                          ps_document_get_n_steps (self->document)));
    }
  g_object_unref (run->page);
  g_object_unref (run->window);
  g_free (run);
}

gboolean
ps_window_start_training (PsWindow *self, const PsTrainSpec *spec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_edit_train_ops (state (self), spec, &error);
  if (ops == NULL)
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  g_autoptr (PsTrainMonitor) monitor = ps_train_monitor_new ();
  g_autofree char *label = g_strdup_printf (_("Training %s…"), state (self)->root);
  GCancellable *c = ps_window_begin_job (self, label);
  TrainRun *run = g_new0 (TrainRun, 1);
  run->window = g_object_ref (self);
  run->page = g_object_ref (self->training_page);
  ps_document_train_async (self->document, (JsonObject *const *) ops->pdata, ops->len, monitor, c, on_train_done, run);
  if (ps_document_get_busy (self->document))
    ps_training_page_set_monitor (self->training_page, monitor, c);
  show_training_page (self);
  return TRUE;
}

static void
train_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  PsTrainSpec spec;
  g_autoptr (GError) error = NULL;
  if (!ps_train_dialog_get_spec (PS_TRAIN_DIALOG (dialog), &spec, &error))
    ps_window_show_error (self, error->message);
  else
    ps_window_start_training (self, &spec);
}

static void
train_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!at_last_step (self))
    return;
  PsState *st = state (self);
  PsModule *root = ps_state_get_root (st);
  if (root == NULL)
    {
      ps_window_toast (self, _("There is no model to train yet: add layers to a Sequential first"));
      return;
    }
  g_autofree char *what = g_strdup_printf (_("the whole model “%s” (%s)"), st->root, ps_module_class_name (root));
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (ps_train_dialog_new (GTK_WINDOW (self), what)), train_apply);
}

/* The one-step actions: their ops applied as one Undo, or the reason in a toast. */
static void
apply_teach (PsWindow *self, GPtrArray *ops, GError *error)
{
  if (ops == NULL)
    {
      ps_window_toast (self, error->message);
      return;
    }
  g_autoptr (GError) e = NULL;
  if (!ps_document_apply_ops (self->document, (JsonObject *const *) ops->pdata, ops->len, &e))
    ps_window_show_error (self, e->message);
  else
    {
      ps_window_clear_error (self);
      ps_window_toast (self, ps_timeline_get_description (ps_document_get_timeline (self->document),
                                                          ps_document_get_n_steps (self->document)));
    }
}

static void
teach_forward_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!at_last_step (self))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_edit_teach_forward_ops (state (self), "CrossEntropyLoss", 32, &error);
  apply_teach (self, ops, error);
}

static void
teach_backward_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!at_last_step (self))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_edit_teach_backward_ops (state (self), &error);
  apply_teach (self, ops, error);
}

static void
teach_step_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!at_last_step (self))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_edit_teach_step_ops (state (self), FALSE, &error);
  apply_teach (self, ops, error);
}

static void
teach_zero_grad_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!at_last_step (self))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ops = ps_edit_teach_step_ops (state (self), TRUE, &error);
  apply_teach (self, ops, error);
}

static void
on_export_response (GtkNativeDialog *chooser, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      if (path == NULL)
        ps_window_show_error (self, _("Only local files can be written"));
      else if (!ps_training_page_export (self->training_page, path, self->export_width, self->export_height, &error))
        ps_window_show_error (self, error->message);
      else
        {
          g_autofree char *msg = g_strdup_printf (_("Exported %s"), path);
          ps_window_toast (self, msg);
        }
    }
  ps_file_chooser_release (chooser);
}

static void
export_training_view_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  /* through ps_file_chooser_new/_show, as every chooser: modal, one answer, none once the window is
   * gone (ps_file_chooser_release asserted on a plain GtkFileChooserNative: monkey seed 513) */
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Export Training View"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "training.png");
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_export_response, self);
}

/* The view over every recorded sub-step (at most 100 frames, evenly), as the chosen file's
 * extension says: .gif, a numbered .png/.svg series, or a .pdf with a page per frame. Dropped
 * snapshots are recomputed in a worker first (the Training page shows the progress and Cancel). */
static void
on_frames_exported (GObject *source, GAsyncResult *result, gpointer data)
{
  GWeakRef *wr = data;
  g_autoptr (PsWindow) self = g_weak_ref_get (wr);
  g_weak_ref_clear (wr);
  g_free (wr);
  g_autoptr (GError) error = NULL;
  guint frames = 0;
  gboolean ok = ps_training_page_export_frames_finish (PS_TRAINING_PAGE (source), result, &frames, &error);
  if (self == NULL)
    return;
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ps_window_toast (self, _("Export cancelled: nothing was written"));
  else if (!ok)
    ps_window_show_error (self, error->message);
  else
    {
      g_autofree char *path = g_object_steal_data (G_OBJECT (self), "ps-export-frames-path");
      g_autofree char *msg = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u frame to %s", "Exported %u frames to %s", frames),
                                              frames, path ? path : "");
      ps_window_toast (self, msg);
    }
}

/* the range the Export Over Sub-steps dialog handed to its file chooser (1-based sub-steps) */
typedef struct {
  guint from, to, every;
} FramesRange;

void
ps_window_train_export_frames (PsWindow *self, const char *path, guint from, guint to, guint every)
{
  GWeakRef *wr = g_new0 (GWeakRef, 1);
  g_weak_ref_init (wr, self);
  g_object_set_data_full (G_OBJECT (self), "ps-export-frames-path", g_strdup (path), g_free);
  ps_training_page_export_frames_async (self->training_page, path, from - 1, to - 1, every,
                                        MIN (self->export_width, 1200), MIN (self->export_height, 800), 0,
                                        on_frames_exported, wr);
}

static void
on_export_frames_response (GtkNativeDialog *chooser, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      const FramesRange *r = g_object_get_data (G_OBJECT (chooser), "ps-frames-range");
      if (path == NULL)
        ps_window_show_error (self, _("Only local files can be written"));
      else
        ps_window_train_export_frames (self, path, r->from, r->to, r->every);
    }
  ps_file_chooser_release (chooser);
}

guint
ps_window_train_default_frames_every (guint n)
{
  return MAX (1, (n + 99) / 100);   /* at most 100 frames over the whole run */
}

gboolean
ps_window_train_frames_range_check (guint n, guint from, guint to, guint every, guint *n_frames, GError **error)
{
  if (n == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("There are no recorded sub-steps to export."));
      return FALSE;
    }
  if (from < 1 || to < 1 || from > n || to > n)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Sub-step %u does not exist: the sub-steps are 1 to %u."),
                   from < 1 || from > n ? from : to, n);
      return FALSE;
    }
  if (from > to)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("From (%u) is after To (%u): nothing to export."), from, to);
      return FALSE;
    }
  if (every < 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, _("Every must be at least 1."));
      return FALSE;
    }
  g_autoptr (GArray) frames = ps_animation_frame_range (from - 1, to - 1, every, n, PS_TRAINING_MAX_FRAMES, "sub-steps",
                                                        error);
  if (frames == NULL)
    return FALSE;
  if (n_frames != NULL)
    *n_frames = frames->len;
  return TRUE;
}

/* the dialog's three numbers as typed (a half-typed number counts) */
static void
frames_dialog_values (GtkWindow *dialog, guint *from, guint *to, guint *every)
{
  static const char *const keys[3] = { "ps-frames-from", "ps-frames-to", "ps-frames-every" };
  guint *out[3] = { from, to, every };
  for (guint i = 0; i < 3; i++)
    {
      GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), keys[i]);
      gtk_spin_button_update (spin);
      *out[i] = (guint) gtk_spin_button_get_value_as_int (spin);
    }
}

gboolean
ps_window_train_frames_dialog_range (GtkWindow *dialog, guint *from, guint *to, guint *every, GError **error)
{
  guint n = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "ps-frames-n"));
  frames_dialog_values (dialog, from, to, every);
  return ps_window_train_frames_range_check (n, *from, *to, *every, NULL, error);
}

/* the note under the numbers: how many frames, or what is wrong */
static void
frames_dialog_update_note (GtkWindow *dialog)
{
  GtkLabel *note = g_object_get_data (G_OBJECT (dialog), "ps-frames-note");
  guint n = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "ps-frames-n"));
  guint from = 0, to = 0, every = 0, count = 0;
  g_autoptr (GError) error = NULL;
  frames_dialog_values (dialog, &from, &to, &every);
  if (ps_window_train_frames_range_check (n, from, to, every, &count, &error))
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u frame: sub-steps %u to %u, every %u",
                                                            "%u frames: sub-steps %u to %u, every %u", count),
                                               count, from, to, every);
      gtk_label_set_text (note, text);
      gtk_widget_remove_css_class (GTK_WIDGET (note), "error");
    }
  else
    {
      gtk_label_set_text (note, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (note), "error");
    }
}

/* the range checked: a bad one is said in the dialog, which stays and nothing is written */
static void
on_frames_choose_file (GtkWidget *button, GtkWindow *dialog)
{
  PsWindow *self = PS_WINDOW (gtk_window_get_transient_for (dialog));
  FramesRange r = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  if (!ps_window_train_frames_dialog_range (dialog, &r.from, &r.to, &r.every, &error))
    {
      GtkLabel *note = g_object_get_data (G_OBJECT (dialog), "ps-frames-note");
      gtk_label_set_text (note, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (note), "error");
      gtk_widget_grab_focus (g_object_get_data (G_OBJECT (dialog), "ps-frames-from"));
      return;
    }
  gtk_window_destroy (dialog);
  /* as every chooser (ps-file-chooser): modal, one answer, none once the window is gone */
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Export Training View Over Sub-steps"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "training.gif");
  g_object_set_data_full (G_OBJECT (chooser), "ps-frames-range", g_memdup2 (&r, sizeof r), g_free);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_export_frames_response, self);
}

static GtkWidget *sheet_row (GtkGrid *grid, int row, const char *label, GtkWidget *w);

/* a dialog's box: margins, the intro text, the grid of labelled fields, the note; Cancel and the
 * suggested button at the bottom right (also the default widget) */
static GtkWidget *
dialog_frame (GtkWindow *dialog, PsWindow *self, const char *title, const char *intro, GtkWidget *grid,
              GtkWidget *note, GtkWidget *choose)
{
  gtk_window_set_title (dialog, title);
  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  gtk_window_set_modal (dialog, TRUE);
  gtk_window_set_destroy_with_parent (dialog, TRUE);
  ps_projector_apply (GTK_WIDGET (dialog), self->settings);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 10);
  gtk_widget_set_margin_start (box, 16);
  gtk_widget_set_margin_end (box, 16);
  gtk_widget_set_margin_top (box, 16);
  gtk_widget_set_margin_bottom (box, 16);
  GtkWidget *text = gtk_label_new (intro);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 40);
  gtk_box_append (GTK_BOX (box), text);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (note), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (note), 40);
  gtk_box_append (GTK_BOX (box), note);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), dialog);
  gtk_widget_add_css_class (choose, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), choose);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (dialog, box);
  gtk_window_set_default_widget (dialog, choose);
  /* Escape closes, as in every dialog */
  GtkEventController *keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (dialog), keys);
  return box;
}

/* a spin button for a whole number in [lo, hi] whose Enter applies the dialog (GTK 4.8's spin
 * buttons have no activates-default of their own, their text part has; the dialog's default
 * widget is its Choose File button) */
static GtkWidget *
number_spin (guint lo, guint hi, guint value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, MAX (hi, lo), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  for (GtkWidget *c = gtk_widget_get_first_child (spin); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TEXT (c))
      gtk_text_set_activates_default (GTK_TEXT (c), TRUE);
  return spin;
}

GtkWindow *
ps_window_train_open_frames_dialog (PsWindow *self)
{
  guint n = ps_training_page_get_n_substeps (self->training_page);
  GtkWindow *dialog = GTK_WINDOW (gtk_window_new ());
  g_autofree char *intro = g_strdup_printf (_("The Training page's view at the recorded sub-steps from – to, every "
                                              "k-th (and the last one), as an animated GIF, a numbered PNG or SVG "
                                              "series, or a PDF with a page per frame. Sub-steps are 1 to %u; at "
                                              "most %u frames."), n, PS_TRAINING_MAX_FRAMES);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *note = gtk_label_new ("");
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("Choose _File…"));
  g_signal_connect (choose, "clicked", G_CALLBACK (on_frames_choose_file), dialog);
  /* the spin buttons reach every sub-step and a little beyond, so a typed number out of range is
   * said, not silently clamped */
  GtkWidget *from = sheet_row (GTK_GRID (grid), 0, _("_From sub-step"), number_spin (0, n + 1, 1));
  GtkWidget *to = sheet_row (GTK_GRID (grid), 1, _("_To sub-step"), number_spin (0, n + 1, n));
  GtkWidget *every = sheet_row (GTK_GRID (grid), 2, _("_Every"),
                                number_spin (0, MAX (n, 1), ps_window_train_default_frames_every (n)));
  gtk_widget_set_tooltip_text (every, _("1: every sub-step; k: every k-th, and the last one"));
  dialog_frame (dialog, self, _("Export Over Sub-steps"), intro, grid, note, choose);
  g_object_set_data (G_OBJECT (dialog), "ps-frames-n", GUINT_TO_POINTER (n));
  g_object_set_data (G_OBJECT (dialog), "ps-frames-from", from);
  g_object_set_data (G_OBJECT (dialog), "ps-frames-to", to);
  g_object_set_data (G_OBJECT (dialog), "ps-frames-every", every);
  g_object_set_data (G_OBJECT (dialog), "ps-frames-note", note);
  g_object_set_data (G_OBJECT (dialog), "ps-frames-choose", choose);
  GtkWidget *spins[3] = { from, to, every };
  for (guint i = 0; i < 3; i++)
    g_signal_connect_swapped (spins[i], "value-changed", G_CALLBACK (frames_dialog_update_note), dialog);
  frames_dialog_update_note (dialog);
  gtk_window_present (dialog);
  return dialog;
}

static void
export_training_frames_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_train_open_frames_dialog (data);
}

/* Contact Sheet…: the sub-steps to show (typed: "1, 10, 50, last", ranges "5-8") and the number of
 * columns, then where (.png, .svg or .pdf): the Training page's view at each chosen sub-step, side by
 * side on one page for slides (ps_training_page_export_sheet_async; a worker, progress and Cancel as
 * Export Over Sub-steps). */
/* the tile size `paramscope-cli contact-sheet` draws by default, and the range of its --width/--height */
#define SHEET_TILE_W 480
#define SHEET_TILE_H 320
#define SHEET_TILE_MIN 16
#define SHEET_TILE_MAX 8192

static void
on_sheet_file_response (GtkNativeDialog *chooser, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      const char *steps = g_object_get_data (G_OBJECT (chooser), "ps-sheet-steps");
      guint columns = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "ps-sheet-columns"));
      guint tw = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "ps-sheet-width"));
      guint th = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (chooser), "ps-sheet-height"));
      if (path == NULL)
        ps_window_show_error (self, _("Only local files can be written"));
      else
        {
          GWeakRef *wr = g_new0 (GWeakRef, 1);
          g_weak_ref_init (wr, self);
          g_object_set_data_full (G_OBJECT (self), "ps-export-frames-path", g_strdup (path), g_free);
          ps_training_page_export_sheet_async (self->training_page, path, steps, columns, tw, th, on_frames_exported, wr);
        }
    }
  ps_file_chooser_release (chooser);
}

gboolean
ps_window_train_sheet_dialog_tile (GtkWindow *dialog, guint *width, guint *height, GError **error)
{
  GtkSpinButton *ws = g_object_get_data (G_OBJECT (dialog), "ps-sheet-width");
  GtkSpinButton *hs = g_object_get_data (G_OBJECT (dialog), "ps-sheet-height");
  gtk_spin_button_update (ws);
  gtk_spin_button_update (hs);
  int w = gtk_spin_button_get_value_as_int (ws), h = gtk_spin_button_get_value_as_int (hs);
  if (w < SHEET_TILE_MIN || w > SHEET_TILE_MAX || h < SHEET_TILE_MIN || h > SHEET_TILE_MAX)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   _("A tile is %d × %d points: each side must be %d to %d."), w, h, SHEET_TILE_MIN, SHEET_TILE_MAX);
      return FALSE;
    }
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

/* the typed list checked: a bad one is said in the dialog, which stays */
static void
on_sheet_choose_file (GtkWidget *button, GtkWindow *dialog)
{
  PsWindow *self = PS_WINDOW (gtk_window_get_transient_for (dialog));
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "ps-sheet-entry");
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), "ps-sheet-columns");
  GtkLabel *note = g_object_get_data (G_OBJECT (dialog), "ps-sheet-note");
  const char *text = gtk_editable_get_text (entry);
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GError) error = NULL;
  if (!ps_frame_list_parse (text, ps_training_page_get_n_substeps (self->training_page), PS_TRAINING_MAX_FRAMES,
                            "sub-step", frames, &error))
    {
      gtk_label_set_text (note, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (note), "error");
      gtk_widget_grab_focus (GTK_WIDGET (entry));
      return;
    }
  guint columns = (guint) gtk_spin_button_get_value_as_int (spin);
  guint tw = 0, th = 0;
  if (!ps_window_train_sheet_dialog_tile (dialog, &tw, &th, &error))
    {
      gtk_label_set_text (note, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (note), "error");
      gtk_widget_grab_focus (g_object_get_data (G_OBJECT (dialog), "ps-sheet-width"));
      return;
    }
  g_autofree char *steps = g_strdup (text);
  gtk_window_destroy (dialog);
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Export Contact Sheet"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "training-sheet.png");
  g_object_set_data_full (G_OBJECT (chooser), "ps-sheet-steps", g_steal_pointer (&steps), g_free);
  g_object_set_data (G_OBJECT (chooser), "ps-sheet-columns", GUINT_TO_POINTER (columns));
  g_object_set_data (G_OBJECT (chooser), "ps-sheet-width", GUINT_TO_POINTER (tw));
  g_object_set_data (G_OBJECT (chooser), "ps-sheet-height", GUINT_TO_POINTER (th));
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_sheet_file_response, self);
}

/* "1, ¼, ½, ¾, last" of n sub-steps, without repeats */
char *
ps_window_train_default_sheet_steps (guint n)
{
  GString *s = g_string_new ("");
  guint prev = 0;
  for (guint q = 0; q <= 4 && n > 0; q++)
    {
      guint k = q == 4 ? n : MAX (1, 1 + (guint) ((guint64) (n - 1) * q / 4));
      if (k == prev)
        continue;
      if (s->len)
        g_string_append (s, ", ");
      if (q == 4)
        g_string_append (s, "last");
      else
        g_string_append_printf (s, "%u", k);
      prev = k;
    }
  return g_string_free (s, FALSE);
}

static GtkWidget *
sheet_row (GtkGrid *grid, int row, const char *label, GtkWidget *w)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (label);
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), w);
  gtk_grid_attach (grid, l, 0, row, 1, 1);
  gtk_grid_attach (grid, w, 1, row, 1, 1);
  gtk_widget_set_hexpand (w, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_RELATION_LABELLED_BY, l, NULL, -1);
  return w;
}

GtkWindow *
ps_window_train_open_sheet_dialog (PsWindow *self)
{
  guint n = ps_training_page_get_n_substeps (self->training_page);
  GtkWindow *dialog = GTK_WINDOW (gtk_window_new ());
  g_autofree char *intro = g_strdup_printf (_("The Training page's view at the sub-steps you choose, side by side on "
                                              "one page (PNG, SVG or PDF). Sub-steps are 1 to %u; write numbers, "
                                              "ranges such as 5-8, and last."), n);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *note = gtk_label_new ("");
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("Choose _File…"));
  g_signal_connect (choose, "clicked", G_CALLBACK (on_sheet_choose_file), dialog);
  GtkWidget *entry = sheet_row (GTK_GRID (grid), 0, _("_Sub-steps"), gtk_entry_new ());
  g_autofree char *def = ps_window_train_default_sheet_steps (n);
  gtk_editable_set_text (GTK_EDITABLE (entry), def);
  g_signal_connect_swapped (entry, "activate", G_CALLBACK (gtk_widget_activate), choose);
  GtkWidget *spin = sheet_row (GTK_GRID (grid), 1, _("Col_umns"), gtk_spin_button_new_with_range (0, 20, 1));
  gtk_widget_set_tooltip_text (spin, _("0: as many as make a square"));
  /* as `paramscope-cli contact-sheet --width W --height H`: its default, its range (a typed number
   * beyond it is said, not clamped) */
  GtkWidget *tw = sheet_row (GTK_GRID (grid), 2, _("Tile _width"),
                             number_spin (1, SHEET_TILE_MAX + 1, SHEET_TILE_W));
  GtkWidget *th = sheet_row (GTK_GRID (grid), 3, _("Tile _height"),
                             number_spin (1, SHEET_TILE_MAX + 1, SHEET_TILE_H));
  gtk_widget_set_tooltip_text (tw, _("Each tile's width in points (the CLI's contact-sheet --width; default 480)"));
  gtk_widget_set_tooltip_text (th, _("Each tile's height in points (the CLI's contact-sheet --height; default 320)"));
  dialog_frame (dialog, self, _("Contact Sheet of Sub-steps"), intro, grid, note, choose);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-entry", entry);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-columns", spin);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-width", tw);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-height", th);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-note", note);
  g_object_set_data (G_OBJECT (dialog), "ps-sheet-choose", choose);
  gtk_window_present (dialog);
  return dialog;
}

static void
export_training_sheet_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_train_open_sheet_dialog (data);
}

static const GActionEntry train_actions[] = {
  { "train", train_activated },
  { "teach-forward", teach_forward_activated },
  { "teach-backward", teach_backward_activated },
  { "teach-step", teach_step_activated },
  { "teach-zero-grad", teach_zero_grad_activated },
  { "export-training-view", export_training_view_activated },
  { "export-training-frames", export_training_frames_activated },
  { "export-training-sheet", export_training_sheet_activated },
};

void
ps_window_train_init_actions (PsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), train_actions, G_N_ELEMENTS (train_actions), self);
}

void
ps_window_train_update_actions (PsWindow *self)
{
  gboolean idle = !ps_document_get_busy (self->document);
  gboolean has_model = idle && ps_state_get_root (state (self)) != NULL;
  static const char *const model_actions[] = { "train", "teach-forward", "teach-backward", "teach-step", "teach-zero-grad" };
  for (guint i = 0; i < G_N_ELEMENTS (model_actions); i++)
    {
      GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), model_actions[i]);
      if (a != NULL)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (a), has_model);
    }
}
