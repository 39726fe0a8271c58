/* ps-window-actions.c — every command of the window as a GAction (win.*), so the menus, the
 * buttons, the keyboard shortcuts (ps-application.c) and the tests drive the same code. Each
 * command that changes the model becomes one recipe op applied through the document. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <glib/gi18n.h>

#include <inttypes.h>

#include "ps-init.h"
#include "ps-atomic-file.h"
#include "ps-commands.h"
#include "ps-edit-add.h"
#include "ps-model-tree.h"
#include "ps-file-chooser.h"
#include "ps-export-pytorch.h"
#include "ps-edit.h"
#include "ps-py-literal.h"
#include "ps-add-layer-dialog.h"
#include "ps-export-dialog.h"
#include "ps-forward-dialog.h"
#include "ps-init-dialog.h"
#include "ps-seed-dialog.h"
#include "ps-save-changes-dialog.h"

/* ---------- helpers ---------- */

gboolean
ps_window_apply_op (PsWindow *self, JsonObject *op)
{
  g_autoptr (GError) error = NULL;
  if (!ps_document_apply_op (self->document, op, &error))
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  ps_window_clear_error (self);
  return TRUE;
}

static PsState *
state (PsWindow *self)
{
  return ps_document_get_current_state (self->document);
}

/* The tree's selection as an edit selection (nothing selected, or an output: the model root). */
static PsEditSelection
selection (PsWindow *self)
{
  PsEditSelection sel = { NULL, NULL, FALSE };
  ps_window_get_edit_selection (self, &sel);
  return sel;
}

/* Apply an op a builder made, or say why there is none. */
static void
apply_built (PsWindow *self, JsonObject *op, GError *error)
{
  if (op != NULL)
    ps_window_apply_op (self, op);
  else if (error != NULL)
    ps_window_toast (self, error->message);
}

static gboolean
at_last_step (PsWindow *self)
{
  return ps_document_get_current_step (self->document) == ps_document_get_n_steps (self->document);
}

static gboolean
require_last_step (PsWindow *self)
{
  if (at_last_step (self))
    return TRUE;
  ps_window_toast (self, _("Go to the last step to add a step (the timeline is a recipe: steps are appended)"));
  return FALSE;
}

/* ---------- timeline navigation ---------- */

static gboolean
step_to (PsWindow *self, int step)
{
  int n = (int) ps_document_get_n_steps (self->document);
  gboolean ok = ps_window_go_to_step (self, (guint) CLAMP (step, 0, n));
  ps_window_update_actions (self);
  return ok;
}

static void
first_step_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_to (data, 0);
}

static void
last_step_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_to (data, (int) ps_document_get_n_steps (PS_WINDOW (data)->document));
}

static void
step_back_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_to (data, (int) ps_document_get_current_step (PS_WINDOW (data)->document) - 1);
}

static void
step_forward_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  step_to (data, (int) ps_document_get_current_step (PS_WINDOW (data)->document) + 1);
}

#define PLAY_STEP_MS 1200
#define PLAY_SUBSTEP_MS 80

static gboolean play_tick (gpointer data);

static void
play_schedule (PsWindow *self, guint ms)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
  self->play_source = g_timeout_add (ms, play_tick, self);
}

/* One frame of Play: the next recorded sub-step of a train step (from its first when Play enters
 * it), else the next step; stops after the last step. */
static gboolean
play_tick (gpointer data)
{
  PsWindow *self = data;
  self->play_source = 0;
  if (ps_window_substeps_advance (self, FALSE))
    {
      play_schedule (self, PLAY_SUBSTEP_MS);
      return G_SOURCE_REMOVE;
    }
  if (at_last_step (self))
    {
      g_action_group_change_action_state (G_ACTION_GROUP (self), "play", g_variant_new_boolean (FALSE));
      return G_SOURCE_REMOVE;
    }
  if (!step_to (self, (int) ps_document_get_current_step (self->document) + 1))
    {
      /* the next step does not fit in memory (the banner says so): Play stops there */
      g_action_group_change_action_state (G_ACTION_GROUP (self), "play", g_variant_new_boolean (FALSE));
      return G_SOURCE_REMOVE;
    }
  if (ps_window_substeps_advance (self, TRUE))
    play_schedule (self, PLAY_SUBSTEP_MS);
  else
    play_schedule (self, PLAY_STEP_MS);
  return G_SOURCE_REMOVE;
}

static void
play_change_state (GSimpleAction *action, GVariant *value, gpointer data)
{
  PsWindow *self = data;
  gboolean on = g_variant_get_boolean (value);
  g_simple_action_set_state (action, value);
  g_clear_handle_id (&self->play_source, g_source_remove);
  if (on)
    {
      if (at_last_step (self) && (ps_window_get_n_substeps (self) == 0
                                  || ps_window_get_substep (self) >= ps_window_get_n_substeps (self)))
        step_to (self, 0);
      play_schedule (self, PLAY_STEP_MS);
    }
}

static void
undo_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  g_autoptr (GError) error = NULL;
  if (ps_document_undo_full (self->document, &error))
    ps_window_clear_error (self);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) && ps_document_get_n_steps (self->document) > 0)
    ps_window_show_error (self, error->message);
}

static void
redo_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  g_autoptr (GError) error = NULL;
  if (!ps_document_redo (self->document, &error) && error != NULL)
    ps_window_show_error (self, error->message);
}

static void
on_replay_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsWindow) self = data;
  g_autoptr (GError) error = NULL;
  if (!ps_document_replay_finish (PS_DOCUMENT (source), result, &error))
    ps_window_job_failed (self, error);
  else
    ps_window_toast (self, _("Replayed with the same seed: every value is identical"));
}

static void
replay_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  GCancellable *c = ps_window_begin_job (self, _("Replaying with the same seed…"));
  ps_document_replay_async (self->document, c, on_replay_done, g_object_ref (self));
}

static void
on_reseed_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsWindow) self = data;
  g_autoptr (GError) error = NULL;
  if (!ps_document_reseed_finish (PS_DOCUMENT (source), result, &error))
    ps_window_job_failed (self, error);
  else
    {
      g_autofree char *msg = g_strdup_printf (_("Replayed with the new seed %" PRId64),
                                              ps_document_get_seed (PS_DOCUMENT (source)));
      ps_window_toast (self, msg);
    }
}

static void
reseed_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  /* win.reseed: a random seed; win.reseed-to(x): this one (the Set Seed dialog) */
  int64_t seed = p != NULL ? g_variant_get_int64 (p) : g_random_int_range (0, PS_RANDOM_SEED_LIMIT);
  g_autofree char *label = g_strdup_printf (_("Replaying with the new seed %" PRId64 "…"), seed);
  GCancellable *c = ps_window_begin_job (self, label);
  ps_document_reseed_async (self->document, seed, c, on_reseed_done, g_object_ref (self));
}

static void
cancel_job_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);
}

/* ---------- model commands ---------- */

static void
reset_parameters_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  PsEditSelection sel = selection (self);
  g_autoptr (JsonObject) op = require_last_step (self) ? ps_edit_reset_op (state (self), &sel) : NULL;
  apply_built (self, op, NULL);
}

static void
toggle_train_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  PsEditSelection sel = selection (self);
  g_autoptr (JsonObject) op = require_last_step (self) ? ps_edit_mode_op (state (self), &sel) : NULL;
  apply_built (self, op, NULL);
}

static void
remove_module_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  PsEditSelection sel = selection (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) op = require_last_step (self) ? ps_edit_detach_op (state (self), &sel, &error) : NULL;
  apply_built (self, op, error);
}

/* ---------- dialogs: each collects what a user typed; the ops come from ps-edit ---------- */

static gboolean ps_window_add_module (PsWindow *self, const char *type, const char *id, JsonObject *args,
                                      const char *name, const char *const *children, const char *class_name);

gboolean
ps_window_add_layer (PsWindow *self, const char *type, const char *id, JsonObject *args, const char *name)
{
  return ps_window_add_module (self, type, id, args, name, NULL, NULL);
}

/* The same with a container's children (ids) and a user class name ("CustomModel"). */
static gboolean
ps_window_add_module (PsWindow *self, const char *type, const char *id, JsonObject *args, const char *name,
                      const char *const *children, const char *class_name)
{
  PsEditSelection sel = selection (self);
  g_auto (PsEditAdd) add;
  ps_edit_add_build (state (self), &sel, type, id, args, name, children, class_name, &add);
  g_autoptr (GError) error = NULL;
  if (!ps_document_apply_ops (self->document, add.ops, add.n_ops, &error))
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  ps_window_clear_error (self);
  ps_window_select_module (self, add.id);
  if (add.note != NULL)
    ps_window_toast (self, add.note);
  return TRUE;
}

gboolean
ps_window_select_module (PsWindow *self, const char *id)
{
  PsModule *m = id != NULL ? ps_state_get_module (state (self), id) : NULL;
  if (m == NULL || self->tree_model == NULL)
    return FALSE;
  GListModel *rows = G_LIST_MODEL (self->tree_model);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr (PsTreeNode) node = PS_TREE_NODE (gtk_tree_list_row_get_item (row));
      if (ps_tree_node_get_kind (node) != PS_TREE_NODE_MODULE || ps_tree_node_get_module (node) != m)
        continue;
      g_autofree char *path = ps_model_tree_module_path (node);
      return ps_window_select_path (self, path) || ps_window_select_path (self, ps_tree_node_get_path (node));
    }
  return FALSE;
}

/* After a forward wrote output `name`: its shape in a toast, and it is selected (nothing when the
 * step has no such output). */
static void
show_output (PsWindow *self, const char *name)
{
  PsTensor *y = ps_state_get_output (state (self), name);
  if (y == NULL)
    return;
  g_autofree char *shape = ps_tensor_shape_string (y);
  g_autofree char *msg = g_strdup_printf (_("Forward done: %s has shape %s"), name, shape);
  ps_window_toast (self, msg);
  g_autofree char *path = g_strconcat ("outputs/", name, NULL);
  ps_window_select_path (self, path);
}

typedef struct {
  PsWindow *window;   /* ref */
  char *name;         /* the output the forward writes */
} ForwardData;

static void
on_forward_done (GObject *source, GAsyncResult *result, gpointer data)
{
  ForwardData *fd = data;
  g_autoptr (GError) error = NULL;
  if (!ps_document_apply_op_finish (PS_DOCUMENT (source), result, &error))
    ps_window_job_failed (fd->window, error);
  else
    {
      ps_window_clear_error (fd->window);
      show_output (fd->window, fd->name);
    }
  g_object_unref (fd->window);
  g_free (fd->name);
  g_free (fd);
}

gboolean
ps_window_run_forward (PsWindow *self, const char *kind, const char *shape_text)
{
  g_autoptr (GError) error = NULL;
  PsEditSelection sel = selection (self);
  g_autoptr (JsonObject) op = ps_edit_forward_op (state (self), &sel, kind, shape_text, &error);
  if (op == NULL)
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  ForwardData *fd = g_new0 (ForwardData, 1);
  fd->window = g_object_ref (self);
  fd->name = g_strdup (json_object_get_string_member (op, "name"));
  g_autofree char *label = g_strdup_printf (_("Running the forward pass (output %s)…"), fd->name);
  GCancellable *c = ps_window_begin_job (self, label);
  ps_document_apply_op_async (self->document, op, c, on_forward_done, fd);
  return TRUE;
}

/* A presented dialog's answer: what its "apply" response runs, on which window. */
typedef struct {
  GWeakRef window;   /* PsWindow: gone first when the window closes with its dialog open */
  PsDialogApply apply;
} DialogAnswer;

static void
dialog_answer_free (gpointer data, GClosure *closure)
{
  DialogAnswer *answer = data;
  g_weak_ref_clear (&answer->window);
  g_free (answer);
}

/* Every dialog's response: "apply" runs `apply` with the dialog (then the dialog closes). */
static void
on_dialog_apply (AdwMessageDialog *dialog, const char *response, DialogAnswer *answer)
{
  g_autoptr (PsWindow) self = g_weak_ref_get (&answer->window);
  if (self == NULL)
    return;
  if (g_str_equal (response, "apply") || g_str_equal (response, "choose") || g_str_equal (response, "rename"))
    answer->apply (self, dialog);
}

void
ps_window_present_dialog (PsWindow *self, AdwMessageDialog *dialog, PsDialogApply apply)
{
  DialogAnswer *answer = g_new0 (DialogAnswer, 1);
  g_weak_ref_init (&answer->window, self);
  answer->apply = apply;
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_dialog_apply), answer, dialog_answer_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* What a command applies to, for its dialog. */
static char *
applies_to (PsWindow *self)
{
  PsEditSelection sel = selection (self);
  return ps_edit_describe (state (self), &sel);
}

static void
add_layer_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  PsAddLayerDialog *d = PS_ADD_LAYER_DIALOG (dialog);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) args = ps_args_editor_get_args (ps_add_layer_dialog_get_args (d), &error);
  g_auto (GStrv) children = ps_add_layer_dialog_dup_children (d);
  if (args == NULL)
    ps_window_show_error (self, error->message);
  else
    ps_window_add_module (self, ps_add_layer_dialog_get_type_name (d),
                          gtk_editable_get_text (ps_add_layer_dialog_get_id_entry (d)), args,
                          gtk_editable_get_text (ps_add_layer_dialog_get_name_entry (d)),
                          (const char *const *) children,
                          gtk_editable_get_text (ps_add_layer_dialog_get_class_entry (d)));
}

static void
add_layer_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  PsEditSelection sel = selection (self);
  g_autofree char *where = ps_edit_add_where (state (self), &sel);
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (ps_add_layer_dialog_new (GTK_WINDOW (self), where)),
                            add_layer_apply);
}

static void
initialize_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  PsInitDialog *d = PS_INIT_DIALOG (dialog);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) args = ps_args_editor_get_args (ps_init_dialog_get_args (d), &error);
  PsEditSelection sel = selection (self);
  if (!ps_init_dialog_get_for_param (d) && sel.is_param)
    sel = (PsEditSelection) { sel.base, NULL, FALSE };   /* the loop over the whole model (or object) */
  g_autoptr (JsonObject) op = args ? ps_edit_init_op (state (self), &sel, ps_init_dialog_get_function (d), args,
                                                      gtk_editable_get_text (ps_init_dialog_get_match_entry (d)),
                                                      ps_init_dialog_get_bias_function (d)) : NULL;
  if (op == NULL)
    ps_window_show_error (self, error->message);
  else
    ps_window_apply_op (self, op);
}

static void
initialize_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  PsEditSelection sel = selection (self);
  g_autofree char *target = ps_edit_target (state (self), &sel, FALSE);
  g_autofree char *scope = applies_to (self);
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (ps_init_dialog_new (GTK_WINDOW (self), scope,
                                                                          sel.is_param ? target : NULL)),
                            initialize_apply);
}

static void
forward_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  PsForwardDialog *d = PS_FORWARD_DIALOG (dialog);
  ps_window_run_forward (self, ps_forward_dialog_get_kind (d),
                         gtk_editable_get_text (ps_forward_dialog_get_shape_entry (d)));
}

static void
forward_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  PsEditSelection sel = selection (self);
  PsExampleInput ex = { PS_DTYPE_FLOAT32 };
  g_autofree char *shape = ps_edit_guess_input_shape (state (self), &sel, &ex);
  g_autofree char *what = applies_to (self);
  PsForwardDialog *dialog = ps_forward_dialog_new (GTK_WINDOW (self), what, shape);
  if (ex.dtype == PS_DTYPE_INT64)
    ps_forward_dialog_set_kind (dialog, "randint");   /* indices (Embedding) */
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (dialog), forward_apply);
}

static void
seed_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  int64_t seed;
  if (ps_seed_dialog_get_seed (PS_SEED_DIALOG (dialog), &seed))
    g_action_group_activate_action (G_ACTION_GROUP (self), "reseed-to", g_variant_new_int64 (seed));
}

static void
set_seed_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  int64_t seed = ps_document_get_seed (self->document);
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (ps_seed_dialog_new (GTK_WINDOW (self), seed,
                                                                          g_random_int_range (0, PS_RANDOM_SEED_LIMIT))),
                            seed_apply);
}

static void
reuse_module_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  PsEditSelection sel = selection (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) op = require_last_step (self) ? ps_edit_reuse_op (state (self), &sel, &error) : NULL;
  apply_built (self, op, error);
}

void
ps_window_show_new_output (PsWindow *self, PsState *before)
{
  const char *name = ps_state_find_new_output (state (self), before);
  if (name != NULL)
    show_output (self, name);
}

/* ---------- files ---------- */

static void
on_open_response (GtkNativeDialog *dialog, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)   /* GTK 4.8 can accept with no file (a name typed into the location entry) */
        ps_window_open_file (self, file);
    }
  ps_file_chooser_release (dialog);
}

static void
show_open_chooser (PsWindow *self, gpointer data)
{
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Open Recipe"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Paramscope recipes (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_open_response, self);
}

static void ps_window_confirm_replace (PsWindow *self, const char *body, PsWindowThen then, gpointer data,
                                       GDestroyNotify free_data);

static void
open_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_confirm_replace (data, _("The recipe has steps that are not saved. They are lost if you open another recipe "
                                     "without saving."), show_open_chooser, NULL, NULL);
}

static gboolean
save_to (PsWindow *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  if (!ps_document_save (self->document, file, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not save: %s"), error->message);
      ps_window_show_error (self, msg);
      return FALSE;
    }
  ps_window_toast (self, _("Saved"));
  return TRUE;
}

/* Something that replaces or closes the document, run once the user agreed (or saved). */
typedef struct {
  PsWindow *self;   /* a ref while owns_ref */
  gboolean owns_ref;
  PsWindowThen then;   /* NULL: nothing more */
  gpointer data;
  GDestroyNotify free_data;
  gboolean saved;   /* Save As answered and the save succeeded */
} Pending;

static Pending *
pending_new (PsWindow *self, PsWindowThen then, gpointer data, GDestroyNotify free_data)
{
  Pending *p = g_new0 (Pending, 1);
  *p = (Pending) { g_object_ref (self), TRUE, then, data, free_data, FALSE };
  return p;
}

static void
pending_finish (Pending *p, gboolean run)
{
  if (run && p->then != NULL)
    p->then (p->self, p->data);
  if (p->free_data != NULL)
    p->free_data (p->data);
  if (p->owns_ref)
    g_object_unref (p->self);
  g_free (p);
}

/* Save As is done with its Pending: run it if the save succeeded, else drop it (also when the
 * chooser is released unanswered because the window went away: the window's ref goes with it) */
static void
pending_after_save (gpointer p)
{
  pending_finish (p, ((Pending *) p)->saved);
}

static void
on_save_response (GtkNativeDialog *dialog, int response, Pending *pending)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      /* GTK 4.8 can accept with no file (a name typed into the location entry) */
      pending->saved = file != NULL && save_to (pending->self, file);
    }
  ps_file_chooser_release (dialog);
}

/* Save As; then `pending` runs if the save succeeded (NULL: nothing more). The chooser's answer
 * gets the Pending, freed by the chooser when it is done (ps_file_chooser_show_full). It holds no
 * reference on the window meanwhile: the chooser answers only while its window is there and is
 * released when the window goes — a reference would keep the window from going (a leak). */
static void
save_as (PsWindow *self, Pending *pending)
{
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Save Recipe"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "recipe.json");
  if (pending == NULL)
    pending = pending_new (self, NULL, NULL, NULL);
  if (pending->owns_ref)
    {
      pending->owns_ref = FALSE;
      g_object_unref (pending->self);
    }
  ps_file_chooser_show_full (chooser, (PsFileChooserResponse) on_save_response, pending, pending_after_save);
}

static void
on_unsaved_response (AdwMessageDialog *dialog, const char *response, Pending *p)
{
  if (g_str_equal (response, "discard"))
    pending_finish (p, TRUE);
  else if (g_str_equal (response, "save"))
    {
      GFile *file = ps_document_get_file (p->self->document);
      if (file == NULL)
        {
          save_as (p->self, p);   /* runs it after a successful save */
          return;
        }
      pending_finish (p, save_to (p->self, file));
    }
  else
    pending_finish (p, FALSE);
}

/* Run `then` now if the document has no unsaved changes, else after the user chose Discard or
 * saved (Save; Save As when it has no file); Cancel drops it. `body` says what is lost. Every path
 * that replaces or closes the document goes through here. */
static void
ps_window_confirm_replace (PsWindow *self, const char *body, PsWindowThen then, gpointer data,
                           GDestroyNotify free_data)
{
  Pending *p = pending_new (self, then, data, free_data);
  if (!ps_document_get_modified (self->document))
    {
      pending_finish (p, TRUE);
      return;
    }
  PsSaveChangesDialog *dialog = ps_save_changes_dialog_new (GTK_WINDOW (self), body);
  g_signal_connect (dialog, "response", G_CALLBACK (on_unsaved_response), p);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
save_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  GFile *file = ps_document_get_file (self->document);
  if (file != NULL)
    save_to (self, file);
  else
    save_as (self, NULL);
}

static void
save_as_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  save_as (data, NULL);
}

/* Export: the size, DPI and text scale are chosen first, then the file (GtkFileChooserNative; the
 * extension picks PNG, SVG or PDF). The choices are remembered for the next export. */
/* Every export: a save chooser with a suggested name, then a writer; its error goes to the banner,
 * success to a toast (done_fmt has one %s, the path). */
typedef gboolean (*ExportWriter) (PsWindow *self, const char *path, GError **error);

typedef struct {
  PsWindow *self;
  ExportWriter write;
  char *done_fmt;
} ExportJob;

static void
on_export_chooser_response (GtkNativeDialog *dialog, int response, ExportJob *job)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      if (path == NULL)
        ps_window_show_error (job->self, _("Choose a file on this computer to export to"));
      else if (!job->write (job->self, path, &error))
        ps_window_show_error (job->self, error->message);
      else
        {
          g_autofree char *msg = g_strdup_printf (job->done_fmt, path);
          ps_window_toast (job->self, msg);
        }
    }
  g_free (job->done_fmt);
  g_free (job);
  ps_file_chooser_release (dialog);
}


static void
export_with_chooser (PsWindow *self, const char *title, const char *ext, ExportWriter write, const char *done_fmt)
{
  GtkFileChooserNative *chooser = ps_file_chooser_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                                       _("_Export"));
  g_autofree char *name = ps_tree_node_export_name (ps_window_get_selected_node (self),
                                                   ps_document_get_current_step (self->document), ext);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  ExportJob *job = g_new0 (ExportJob, 1);
  job->self = self;
  job->write = write;
  job->done_fmt = g_strdup (done_fmt);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_export_chooser_response, job);
}

static gboolean
write_picture (PsWindow *self, const char *path, GError **error)
{
  return ps_window_export_picture_full (self, path, self->export_width, self->export_height, self->export_scale,
                                        self->export_dpi, error);
}

static void
export_picture_apply (PsWindow *self, AdwMessageDialog *dialog)
{
  ps_export_dialog_get_values (PS_EXPORT_DIALOG (dialog), &self->export_width, &self->export_height,
                               &self->export_scale, &self->export_dpi);
  export_with_chooser (self, _("Export Picture (PNG, SVG or PDF)"), ".png", write_picture, _("Exported %s"));
}

static void
export_picture_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (ps_window_get_selected_node (self) == NULL)
    {
      ps_window_toast (self, _("Select a parameter with values to export its picture"));
      return;
    }
  ps_window_present_dialog (self, ADW_MESSAGE_DIALOG (ps_export_dialog_new (GTK_WINDOW (self), self->export_width,
                                                                            self->export_height, self->export_scale,
                                                                            self->export_dpi)),
                            export_picture_apply);
}

static void
export_data_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  PsTreeNode *node = ps_window_get_selected_node (self);
  if (node == NULL || ps_tree_node_get_tensor (node) == NULL)
    {
      ps_window_toast (self, _("Select a parameter, buffer or output with values to export them"));
      return;
    }
  export_with_chooser (self, _("Export Data (.npy or .csv)"), ".npy", ps_window_export_data, _("Exported %s"));
}

/* ---------- PyTorch export ---------- */

gboolean
ps_window_export_pytorch (PsWindow *self, const char *path, GError **error)
{
  g_autoptr (PsRecipe) recipe = ps_timeline_to_recipe (ps_document_get_timeline (self->document));
  g_autofree char *text = ps_export_pytorch (recipe, error);
  if (text == NULL)
    return FALSE;
  return ps_atomic_file_set_contents (path, text, strlen (text), error);
}

static void
export_pytorch_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  export_with_chooser (self, _("Export as PyTorch Code"), ".py", ps_window_export_pytorch,
                       _("Exported %s: run it with python3 to get the same values"));
}

static void
load_scenario (PsWindow *self, gpointer name)
{
  ps_window_load_scenario_async (self, name);
}

static void
scenario_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_confirm_replace (data, _("The recipe has steps that are not saved. They are lost if you load a scenario "
                                     "without saving."), load_scenario, g_variant_dup_string (p, NULL), g_free);
}

static void
reset_document (PsWindow *self, gpointer data)
{
  ps_document_reset (self->document);
  ps_window_clear_error (self);
}

static void
new_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_confirm_replace (data, _("The recipe has steps that are not saved. They are lost if you start a new recipe "
                                     "without saving."), reset_document, NULL, NULL);
}

/* ---------- close with unsaved changes ---------- */

static gboolean
destroy_idle (gpointer window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  return G_SOURCE_REMOVE;
}

/* Runs from the "Save Changes?" dialog's response (or the save chooser's): destroying the window
 * there finalized it while that dialog, transient for it, was still alive; the dialog's dispose then
 * disconnected its handlers from the freed window ('instance with invalid (NULL) class pointer',
 * found by the monkey test after Ctrl+Q, seed 205). So the window goes once the dialog has closed. */
static void
destroy_window (PsWindow *self, gpointer data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, destroy_idle, g_object_ref (self), g_object_unref);
}

gboolean
ps_window_close_request_check (PsWindow *self)
{
  if (!ps_document_get_modified (self->document))
    return FALSE;
  ps_window_confirm_replace (self, _("The recipe has steps that are not saved. They are lost if you close without saving."),
                             destroy_window, NULL, NULL);
  return TRUE;
}

/* ---------- registration ---------- */

static void
open_file_then (PsWindow *self, gpointer file)
{
  ps_window_open_file (self, file);
}

static void
open_recent_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_confirm_replace (data, _("The recipe has steps that are not saved. They are lost if you open another recipe "
                                     "without saving."), open_file_then,
                             g_file_new_for_uri (g_variant_get_string (p, NULL)), g_object_unref);
}

/* Ctrl+0: every plot shows its whole picture again (as a double-click on it does) */
static void
zoom_reset_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  for (guint i = 0; i < PS_N_PLOT_PAGES; i++)
    if (self->pages[i] != NULL)
      ps_figure_page_reset_zoom (self->pages[i]);
}

static const GActionEntry win_actions[] = {
  { "zoom-reset", zoom_reset_activated },
  { "cancel-job", cancel_job_activated },
  { "export-data", export_data_activated },
  { "open-recent", open_recent_activated, "s" },
  { "first-step", first_step_activated },
  { "last-step", last_step_activated },
  { "step-back", step_back_activated },
  { "step-forward", step_forward_activated },
  { "play", NULL, NULL, "false", play_change_state },
  { "undo", undo_activated },
  { "redo", redo_activated },
  { "replay", replay_activated },
  { "reseed", reseed_activated },
  { "reseed-to", reseed_activated, "x" },
  { "set-seed", set_seed_activated },
  { "reset-parameters", reset_parameters_activated },
  { "initialize", initialize_activated },
  { "forward", forward_activated },
  { "add-layer", add_layer_activated },
  { "reuse-module", reuse_module_activated },
  { "remove-module", remove_module_activated },
  { "toggle-train", toggle_train_activated },
  { "open", open_activated },
  { "save", save_activated },
  { "save-as", save_as_activated },
  { "export-picture", export_picture_activated },
  { "scenario", scenario_activated, "s" },
  { "new", new_activated },
  { "export-pytorch", export_pytorch_activated },
};

/* Ctrl+Shift+I is Initialize… here, also while Initialize is disabled (a job running, no model):
 * GtkWindow binds the same keys to GTK's inspector (its "Do you want to use GTK Inspector?" prompt
 * with Debian's default settings), which the application accelerator only shadows while its action
 * is enabled (monkey seed 102 opened the inspector). */
static gboolean
initialize_shortcut (GtkWidget *widget, GVariant *args, gpointer data)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (widget), "initialize");
  if (a != NULL && g_action_get_enabled (a))
    g_action_activate (a, NULL);
  return TRUE;
}

void
ps_window_init_actions (PsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
  ps_window_restructure_init_actions (self);
  ps_window_train_init_actions (self);
  GtkEventController *keys = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_i, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                                                          gtk_callback_action_new (initialize_shortcut, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

/* Enables or disables the window action `name` (nothing when there is none). */
static void
ps_window_set_action_enabled (PsWindow *self, const char *name, gboolean enabled)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  if (a != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), enabled);
}

void
ps_window_update_actions (PsWindow *self)
{
  PsEditSelection sel;
  gboolean any = ps_window_get_edit_selection (self, &sel);
  PsCommandState states[PS_COMMANDS_MAX];
  guint n = ps_commands_get_states (self->document, any ? &sel : NULL, states);
  for (guint i = 0; i < n; i++)
    ps_window_set_action_enabled (self, states[i].name, states[i].enabled);
  ps_window_train_update_actions (self);
}
