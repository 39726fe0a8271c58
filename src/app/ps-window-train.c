/* ps-window-train.c — the window's training commands: Train… (the dialog, then the run in the
 * worker, followed live on the Training page with Pause/Resume/Cancel), the one-step teaching
 * actions (forward with loss, backward, optimizer step, zero_grad) and exporting the Training
 * page's view. The ops come from ps-edit-train; each command is one Undo. */
#include "ps-config.h"
#include "ps-window-private.h"
#include "ps-train-dialog.h"
#include "ps-contact-sheet-dialog.h"
#include "ps-export-range-dialog.h"
#include "ps-training-page.h"
#include "ps-file-chooser.h"
#include "ps-edit-train.h"
#include "ps-projector.h"
#include "ps-frame-list.h"

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

/* an export's answer: the window to tell (gone first if it closed) and the path written */
typedef struct {
  GWeakRef window;
  char *path;
} ExportAnswer;

static ExportAnswer *
export_answer_new (PsWindow *self, const char *path)
{
  ExportAnswer *answer = g_new0 (ExportAnswer, 1);
  g_weak_ref_init (&answer->window, self);
  answer->path = g_strdup (path);
  return answer;
}

/* The view over every recorded sub-step (at most 100 frames, evenly), as the chosen file's
 * extension says: .gif, a numbered .png/.svg series, or a .pdf with a page per frame. Dropped
 * snapshots are recomputed in a worker first (the Training page shows the progress and Cancel). */
static void
on_frames_exported (GObject *source, GAsyncResult *result, gpointer data)
{
  ExportAnswer *answer = data;
  g_autoptr (PsWindow) self = g_weak_ref_get (&answer->window);
  g_autofree char *path = answer->path;
  g_weak_ref_clear (&answer->window);
  g_free (answer);
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
      g_autofree char *msg = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u frame to %s", "Exported %u frames to %s", frames),
                                              frames, path);
      ps_window_toast (self, msg);
    }
}

/* the frames of an export over sub-steps are the export dialog's size, capped at this (px)
 * (one export draws up to PS_TRAINING_MAX_FRAMES of them) */
#define FRAMES_MAX_WIDTH 1200
#define FRAMES_MAX_HEIGHT 800

/* what the chooser's answer runs: the Training page's view at sub-steps from..to every k (1-based) */
void
ps_window_train_export_frames (PsWindow *self, const char *path, guint from, guint to, guint every)
{
  ps_training_page_export_frames_async (self->training_page, path, from - 1, to - 1, every,
                                        MIN (self->export_width, FRAMES_MAX_WIDTH), MIN (self->export_height, FRAMES_MAX_HEIGHT), 0,
                                        on_frames_exported, export_answer_new (self, path));
}

/* what a Training page dialog chose, until its file chooser is done with it (answered, or released
 * unanswered when the window goes) */
typedef struct {
  PsWindow *window;   /* the chooser's parent: it answers only while the window is there */
  guint from, to, every;   /* Export Over Sub-steps: 1-based */
  char *steps;             /* Contact Sheet */
  guint columns, tile_width, tile_height;
} ExportRequest;

static void
export_request_free (gpointer data)
{
  ExportRequest *req = data;
  g_free (req->steps);
  g_free (req);
}

/* the dialog closes, then where to write; the chooser's answer gets req */
static void
ask_export_file (ExportRequest *req, GtkWindow *dialog, const char *title, const char *name,
                 PsFileChooserResponse response)
{
  gtk_window_destroy (dialog);
  /* as every chooser (ps-file-chooser): modal, one answer, none once the window is gone */
  GtkFileChooserNative *chooser = ps_file_chooser_new (title, GTK_WINDOW (req->window), GTK_FILE_CHOOSER_ACTION_SAVE,
                                                       _("_Export"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  ps_file_chooser_show_full (chooser, response, req, export_request_free);
}

static void
on_export_frames_response (GtkNativeDialog *chooser, int response, ExportRequest *req)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path == NULL)
        ps_window_show_error (req->window, _("Only local files can be written"));
      else
        ps_window_train_export_frames (req->window, path, req->from, req->to, req->every);
    }
  ps_file_chooser_release (chooser);
}

/* a good range (the dialog said a bad one itself) */
static void
on_frames_choose_file (PsExportRangeDialog *dialog, guint from, guint to, guint every, PsWindow *self)
{
  ExportRequest *req = g_new0 (ExportRequest, 1);
  *req = (ExportRequest) { .window = self, .from = from, .to = to, .every = every };
  ask_export_file (req, GTK_WINDOW (dialog), _("Export Training View Over Sub-steps"), "training.gif",
                   (PsFileChooserResponse) on_export_frames_response);
}

GtkWindow *
ps_window_train_open_frames_dialog (PsWindow *self)
{
  guint n = ps_training_page_get_n_substeps (self->training_page);
  PsExportRangeDialog *dialog = ps_export_range_dialog_new (GTK_WINDOW (self), n);
  ps_projector_apply (GTK_WIDGET (dialog), self->settings);
  g_signal_connect_object (dialog, "choose-file", G_CALLBACK (on_frames_choose_file), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
export_training_frames_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_train_open_frames_dialog (data);
}

/* Contact Sheet…: the sub-steps to show (typed: "1, 10, 50, last", ranges "5-8"), the number of
 * columns and the tile size, then where (.png, .svg or .pdf): the Training page's view at each
 * chosen sub-step, side by side on one page for slides (ps_training_page_export_sheet_async; a
 * worker, progress and Cancel as Export Over Sub-steps). */
static void
on_sheet_file_response (GtkNativeDialog *chooser, int response, ExportRequest *req)
{
  PsWindow *self = req->window;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path == NULL)
        ps_window_show_error (self, _("Only local files can be written"));
      else
        ps_training_page_export_sheet_async (self->training_page, path, req->steps, req->columns, req->tile_width,
                                             req->tile_height, on_frames_exported, export_answer_new (self, path));
    }
  ps_file_chooser_release (chooser);
}

/* a good list and size (the dialog said a bad one itself) */
static void
on_sheet_choose_file (PsContactSheetDialog *dialog, const char *steps, guint columns, guint width, guint height,
                      PsWindow *self)
{
  ExportRequest *req = g_new0 (ExportRequest, 1);
  *req = (ExportRequest) { .window = self, .steps = g_strdup (steps), .columns = columns, .tile_width = width,
                           .tile_height = height };
  ask_export_file (req, GTK_WINDOW (dialog), _("Export Contact Sheet"), "training-sheet.png",
                   (PsFileChooserResponse) on_sheet_file_response);
}

GtkWindow *
ps_window_train_open_sheet_dialog (PsWindow *self)
{
  guint n = ps_training_page_get_n_substeps (self->training_page);
  PsContactSheetDialog *dialog = ps_contact_sheet_dialog_new (GTK_WINDOW (self), n);
  ps_projector_apply (GTK_WIDGET (dialog), self->settings);
  g_autofree char *def = ps_frame_list_default_sheet (n);
  ps_contact_sheet_dialog_set_steps (dialog, def);
  g_signal_connect_object (dialog, "choose-file", G_CALLBACK (on_sheet_choose_file), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
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
