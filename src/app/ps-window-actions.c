/* ps-window-actions.c — every command of the window as a GAction (win.*), so the menus, the
 * buttons, the keyboard shortcuts (ps-application.c) and the tests drive the same code. Each
 * command that changes the model becomes one recipe op applied through the document. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <glib/gi18n.h>

#include <inttypes.h>

#include "ps-init.h"
#include "ps-atomic-file.h"
#include "ps-checkpoint-window.h"
#include "ps-export-pytorch.h"
#include "ps-edit.h"
#include "ps-py-literal.h"

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

static void
step_to (PsWindow *self, int step)
{
  int n = (int) ps_document_get_n_steps (self->document);
  ps_document_set_current_step (self->document, (guint) CLAMP (step, 0, n));
  ps_window_update_actions (self);
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

static gboolean
play_tick (gpointer data)
{
  PsWindow *self = data;
  if (at_last_step (self))
    {
      self->play_source = 0;
      g_action_group_change_action_state (G_ACTION_GROUP (self), "play", g_variant_new_boolean (FALSE));
      return G_SOURCE_REMOVE;
    }
  step_to (self, (int) ps_document_get_current_step (self->document) + 1);
  return G_SOURCE_CONTINUE;
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
      if (at_last_step (self))
        step_to (self, 0);
      self->play_source = g_timeout_add (1200, play_tick, self);
    }
}

static void
undo_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (ps_document_undo (self->document))
    ps_window_clear_error (self);
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
  int64_t seed = g_random_int_range (0, 1000000);
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

/* ---------- dialogs ---------- */

typedef struct {
  PsWindow *window;
  GtkWidget *grid;
  GtkDropDown *choice;
  GtkEntry *entry_a;
  GtkEntry *entry_b;
  GPtrArray *arg_entries;   /* GtkEntry*, name in "arg-name" data */
  const char *const *names;
  int kind;                 /* 0 add layer, 1 initialize, 2 forward */
} DialogData;

static void
dialog_data_free (gpointer p)
{
  DialogData *d = p;
  g_ptr_array_unref (d->arg_entries);
  g_free (d);
}

static GtkWidget *
labeled (GtkWidget *grid, int row, const char *label, GtkWidget *w)
{
  GtkWidget *l = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_grid_attach (GTK_GRID (grid), l, 0, row, 1, 1);
  gtk_widget_set_hexpand (w, TRUE);
  gtk_grid_attach (GTK_GRID (grid), w, 1, row, 1, 1);
  return w;
}

static void
rebuild_arg_rows (DialogData *d)
{
  /* remove old rows (from row 2 on) */
  for (guint i = 0; i < d->arg_entries->len; i++)
    {
      GtkWidget *e = g_ptr_array_index (d->arg_entries, i);
      GtkWidget *l = gtk_grid_get_child_at (GTK_GRID (d->grid), 0, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (e), "row")));
      gtk_grid_remove (GTK_GRID (d->grid), l);
      gtk_grid_remove (GTK_GRID (d->grid), e);
    }
  g_ptr_array_set_size (d->arg_entries, 0);
  guint sel = gtk_drop_down_get_selected (d->choice);
  if (sel == GTK_INVALID_LIST_POSITION)
    return;
  const PsArgSpec *specs = NULL;
  if (d->kind == 0)
    specs = ps_module_class_lookup (d->names[sel])->args;
  else if (d->kind == 1)
    specs = ps_init_function_args (d->names[sel]);
  int row = 3;
  for (const PsArgSpec *sp = specs; sp && sp->name; sp++, row++)
    {
      GtkWidget *e = gtk_entry_new ();
      if (!sp->required)
        {
          g_autoptr (PsArgs) empty = ps_args_new ();
          const PsArgSpec one[2] = { *sp, { NULL } };
          g_autoptr (PsArgs) def = ps_args_resolve (one, empty, NULL);
          if (def != NULL)
            {
              g_autofree char *py = ps_value_to_python (ps_args_value (def, 0));
              gtk_entry_set_placeholder_text (GTK_ENTRY (e), py);
            }
        }
      else
        gtk_entry_set_placeholder_text (GTK_ENTRY (e), _("required"));
      if (sp->doc)
        gtk_widget_set_tooltip_text (e, sp->doc);
      g_object_set_data (G_OBJECT (e), "arg-name", (gpointer) sp->name);
      g_object_set_data (G_OBJECT (e), "row", GINT_TO_POINTER (row));
      labeled (d->grid, row, sp->name, e);
      g_ptr_array_add (d->arg_entries, e);
    }
}

static void
on_choice_changed (GtkDropDown *dd, GParamSpec *pspec, DialogData *d)
{
  rebuild_arg_rows (d);
}

static JsonObject *
collect_args (DialogData *d, GError **error)
{
  g_autofree const char **names = g_new0 (const char *, d->arg_entries->len + 1);
  g_autofree const char **texts = g_new0 (const char *, d->arg_entries->len + 1);
  for (guint i = 0; i < d->arg_entries->len; i++)
    {
      GtkEntry *e = g_ptr_array_index (d->arg_entries, i);
      names[i] = g_object_get_data (G_OBJECT (e), "arg-name");
      texts[i] = gtk_editable_get_text (GTK_EDITABLE (e));
    }
  return ps_py_literal_args (names, texts, error);
}

gboolean
ps_window_add_layer (PsWindow *self, const char *type, const char *id, JsonObject *args, const char *name)
{
  return ps_window_add_module (self, type, id, args, name, NULL, NULL);
}

gboolean
ps_window_add_module (PsWindow *self, const char *type, const char *id, JsonObject *args, const char *name,
                      const char *const *children, const char *class_name)
{
  PsEditSelection sel = selection (self);
  g_autoptr (JsonObject) op = ps_edit_module_op (state (self), type, id, args, children, class_name);
  const char *new_id = json_object_get_string_member (op, "id");
  /* construct + attach to the container nearest the selection: one step for Undo */
  g_autoptr (JsonObject) at = ps_edit_attach_op (state (self), &sel, new_id, name);
  if (at != NULL && g_strcmp0 (new_id, state (self)->root) == 0)
    g_clear_pointer (&at, json_object_unref);   /* the model itself is attached nowhere */
  JsonObject *ops[2] = { op, at };
  g_autoptr (GError) error = NULL;
  if (!ps_document_apply_ops (self->document, ops, at != NULL ? 2 : 1, &error))
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  ps_window_clear_error (self);
  if (at == NULL && g_strcmp0 (new_id, state (self)->root) != 0)
    {
      g_autofree char *msg = g_strdup_printf (_("Created %s. Add a Sequential to make a model of it (its Children: %s)."),
                                              new_id, new_id);
      ps_window_toast (self, msg);
    }
  return TRUE;
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
      PsTensor *y = ps_state_get_output (state (fd->window), fd->name);
      if (y != NULL)
        {
          g_autofree char *shape = ps_tensor_shape_string (y);
          g_autofree char *msg = g_strdup_printf (_("Forward done: %s has shape %s"), fd->name, shape);
          ps_window_toast (fd->window, msg);
          g_autofree char *path = g_strconcat ("outputs/", fd->name, NULL);
          ps_window_select_path (fd->window, path);
        }
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

static void
on_dialog_response (AdwMessageDialog *dialog, const char *response, DialogData *d)
{
  PsWindow *self = d->window;
  if (!g_str_equal (response, "apply"))
    return;
  guint sel = gtk_drop_down_get_selected (d->choice);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) args = d->kind < 2 ? collect_args (d, &error) : NULL;
  if (error != NULL)
    {
      ps_window_show_error (self, error->message);
      return;
    }
  if (d->kind == 0)
    {
      ps_window_add_layer (self, d->names[sel], gtk_editable_get_text (GTK_EDITABLE (d->entry_a)), args,
                           gtk_editable_get_text (GTK_EDITABLE (d->entry_b)));
      return;
    }
  if (d->kind == 1)
    {
      const char *match = d->entry_a ? gtk_editable_get_text (GTK_EDITABLE (d->entry_a)) : NULL;
      PsEditSelection es = selection (self);
      g_autoptr (JsonObject) op = ps_edit_init_op (state (self), &es, d->names[sel], args, match, NULL);
      ps_window_apply_op (self, op);
      return;
    }
  static const char *kinds[] = { "randn", "rand", "ones", "zeros", "randint" };
  ps_window_run_forward (self, kinds[sel], gtk_editable_get_text (GTK_EDITABLE (d->entry_a)));
}

static AdwMessageDialog *
dialog_new (PsWindow *self, const char *heading, const char *body, DialogData **out)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "apply", _("_Apply"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "apply", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "apply");
  adw_message_dialog_set_close_response (dialog, "cancel");
  DialogData *d = g_new0 (DialogData, 1);
  d->window = self;
  d->arg_entries = g_ptr_array_new ();
  d->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (d->grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (d->grid), 12);
  adw_message_dialog_set_extra_child (dialog, d->grid);
  g_object_set_data_full (G_OBJECT (dialog), "dialog-data", d, dialog_data_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_dialog_response), d);
  *out = d;
  return dialog;
}

static void
add_layer_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  static const char *names[64];
  const PsModuleClass *const *classes = ps_module_classes ();
  guint n = 0;
  for (; classes[n] && n < G_N_ELEMENTS (names) - 1; n++)
    names[n] = classes[n]->name;
  names[n] = NULL;
  DialogData *d;
  AdwMessageDialog *dialog = dialog_new (self, _("Add a Layer"),
                                         _("Arguments are PyTorch's; empty fields take PyTorch's defaults. "
                                           "The layer is constructed now — its reset_parameters() runs in the constructor."),
                                         &d);
  d->kind = 0;
  d->names = names;
  d->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (names));
  gtk_drop_down_set_enable_search (d->choice, TRUE);
  labeled (d->grid, 0, _("Type"), GTK_WIDGET (d->choice));
  d->entry_a = GTK_ENTRY (labeled (d->grid, 1, _("Id"), gtk_entry_new ()));
  gtk_entry_set_placeholder_text (d->entry_a, _("automatic"));
  d->entry_b = GTK_ENTRY (labeled (d->grid, 2, _("Name in parent"), gtk_entry_new ()));
  gtk_entry_set_placeholder_text (d->entry_b, _("next index"));
  g_signal_connect (d->choice, "notify::selected", G_CALLBACK (on_choice_changed), d);
  rebuild_arg_rows (d);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
initialize_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  DialogData *d;
  PsEditSelection sel = selection (self);
  gboolean param = sel.path != NULL && sel.is_param;
  g_autofree char *body = param
    ? g_strdup_printf (_("Apply a torch.nn.init function to %s."), sel.path)
    : g_strdup (_("Apply a torch.nn.init function to the weight of every module of a type below the selection "
                  "(the article's loop over model.modules())."));
  AdwMessageDialog *dialog = dialog_new (self, _("Initialize"), body, &d);
  d->kind = 1;
  d->names = ps_init_function_names ();
  d->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (d->names));
  labeled (d->grid, 0, _("Function"), GTK_WIDGET (d->choice));
  d->entry_a = GTK_ENTRY (labeled (d->grid, 1, _("Module type"), gtk_entry_new ()));
  gtk_entry_set_placeholder_text (d->entry_a, "Linear");
  gtk_widget_set_sensitive (GTK_WIDGET (d->entry_a), !param);
  g_signal_connect (d->choice, "notify::selected", G_CALLBACK (on_choice_changed), d);
  rebuild_arg_rows (d);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
forward_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  if (!require_last_step (self))
    return;
  DialogData *d;
  AdwMessageDialog *dialog = dialog_new (self, _("Forward Pass"),
                                         _("Run the selected module on an input drawn from the generator, "
                                           "exactly as torch.randn / torch.rand would."), &d);
  d->kind = 2;
  const char *kinds[] = { "randn", "rand", "ones", "zeros", "randint(0, 10)", NULL };
  d->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (kinds));
  labeled (d->grid, 0, _("Input"), GTK_WIDGET (d->choice));
  d->entry_a = GTK_ENTRY (labeled (d->grid, 1, _("Shape"), gtk_entry_new ()));
  PsEditSelection sel = selection (self);
  PsExampleInput ex = { PS_DTYPE_FLOAT32 };
  g_autofree char *shape = ps_edit_guess_input_shape (state (self), &sel, &ex);
  gtk_editable_set_text (GTK_EDITABLE (d->entry_a), shape);
  if (ex.dtype == PS_DTYPE_INT64)
    gtk_drop_down_set_selected (d->choice, 4);   /* randint: indices (Embedding) */
  gtk_window_present (GTK_WINDOW (dialog));
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
  /* the output this forward wrote: the one whose tensor differs from the step before */
  PsState *after = state (self);
  const char *name = NULL;
  for (guint i = 0; i < after->output_names->len && name == NULL; i++)
    {
      const char *n = g_ptr_array_index (after->output_names, i);
      if (ps_state_get_output (after, n) != ps_state_get_output (before, n))
        name = n;
    }
  PsTensor *y = name ? ps_state_get_output (after, name) : NULL;
  if (y == NULL)
    return;
  g_autofree char *shape = ps_tensor_shape_string (y);
  g_autofree char *msg = g_strdup_printf (_("Forward done: %s has shape %s"), name, shape);
  ps_window_toast (self, msg);
  g_autofree char *path = g_strconcat ("outputs/", name, NULL);
  ps_window_select_path (self, path);
}

/* ---------- files ---------- */

static void
on_open_response (GtkNativeDialog *dialog, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      ps_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open Recipe"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Paramscope recipes (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_to (PsWindow *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  if (!ps_document_save (self->document, file, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not save: %s"), error->message);
      ps_window_show_error (self, msg);
    }
  else
    ps_window_toast (self, _("Saved"));
}

static void
on_save_response (GtkNativeDialog *dialog, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      save_to (self, file);
      if (g_object_get_data (G_OBJECT (dialog), "close-after"))
        gtk_window_destroy (GTK_WINDOW (self));
    }
  g_object_unref (dialog);
}

static void
save_as (PsWindow *self, gboolean close_after)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Save Recipe"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "recipe.json");
  if (close_after)
    g_object_set_data (G_OBJECT (chooser), "close-after", GINT_TO_POINTER (1));
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  GFile *file = ps_document_get_file (self->document);
  if (file != NULL)
    save_to (self, file);
  else
    save_as (self, FALSE);
}

static void
save_as_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  save_as (data, FALSE);
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
      g_autofree char *path = g_file_get_path (file);
      g_autoptr (GError) error = NULL;
      if (!job->write (job->self, path, &error))
        ps_window_show_error (job->self, error->message);
      else
        {
          g_autofree char *msg = g_strdup_printf (job->done_fmt, path);
          ps_window_toast (job->self, msg);
        }
    }
  g_free (job->done_fmt);
  g_free (job);
  g_object_unref (dialog);
}

static char *suggested_name (PsWindow *self, const char *ext);

static void
export_with_chooser (PsWindow *self, const char *title, const char *ext, ExportWriter write, const char *done_fmt)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                                               _("_Export"), _("_Cancel"));
  g_autofree char *name = suggested_name (self, ext);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  ExportJob *job = g_new0 (ExportJob, 1);
  job->self = self;
  job->write = write;
  job->done_fmt = g_strdup (done_fmt);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_chooser_response), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

typedef struct {
  PsWindow *window;
  GtkSpinButton *width, *height, *scale, *dpi;
} ExportDialog;

static gboolean
write_picture (PsWindow *self, const char *path, GError **error)
{
  return ps_window_export_picture_full (self, path, self->export_width, self->export_height, self->export_scale,
                                        self->export_dpi, error);
}

static char *
suggested_name (PsWindow *self, const char *ext)
{
  PsTreeNode *node = ps_window_get_selected_node (self);
  const char *what = node ? (ps_tree_node_get_output_name (node) ? ps_tree_node_get_output_name (node)
                             : ps_tree_node_get_path (node)) : "figure";
  g_autofree char *base = g_strdup_printf ("%s-step%u", *what ? what : "model",
                                           ps_document_get_current_step (self->document));
  g_strdelimit (base, "/\\:", '-');
  return g_strconcat (base, ext, NULL);
}

static void
on_export_dialog_response (AdwMessageDialog *dialog, const char *response, ExportDialog *d)
{
  PsWindow *self = d->window;
  if (g_str_equal (response, "choose"))
    {
      self->export_width = gtk_spin_button_get_value_as_int (d->width);
      self->export_height = gtk_spin_button_get_value_as_int (d->height);
      self->export_scale = gtk_spin_button_get_value (d->scale);
      self->export_dpi = gtk_spin_button_get_value (d->dpi);
      export_with_chooser (self, _("Export Picture (PNG, SVG or PDF)"), ".png", write_picture, _("Exported %s"));
    }
  g_free (d);
}

static GtkSpinButton *
export_spin (GtkWidget *grid, int row, const char *label, double lo, double hi, double step, int digits, double value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  GtkWidget *l = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (l), 1);
  gtk_grid_attach (GTK_GRID (grid), l, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), spin, 1, row, 1, 1);
  return GTK_SPIN_BUTTON (spin);
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
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Export Picture"),
                                              _("The picture is the one on screen, with title, colorbar, step and seed. "
                                                "The file name's extension chooses PNG, SVG or PDF. Width and height are "
                                                "points (SVG, PDF) or pixels (PNG, times the pixels per unit)."));
  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_halign (grid, GTK_ALIGN_CENTER);
  ExportDialog *d = g_new0 (ExportDialog, 1);
  d->window = self;
  /* width × height in points (SVG/PDF) or pixels before the PNG pixel scale; the text size is the
   * screen's (projector mode gives larger text) */
  d->width = export_spin (grid, 0, _("Width"), 100, 10000, 10, 0, self->export_width);
  d->height = export_spin (grid, 1, _("Height"), 100, 10000, 10, 0, self->export_height);
  d->scale = export_spin (grid, 2, _("PNG pixels per unit"), 0.5, 4, 0.5, 1, self->export_scale);
  d->dpi = export_spin (grid, 3, _("Resolution (DPI)"), 36, 1200, 1, 0, self->export_dpi);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), grid);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "choose", _("_Choose File…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "choose", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "choose");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_dialog_response), d);
  gtk_window_present (GTK_WINDOW (dialog));
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

/* ---------- checkpoints and PyTorch export ---------- */

static void
on_checkpoint_opened (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsWindow) self = data;
  g_autoptr (GError) error = NULL;
  PsCheckpointWindow *w = ps_checkpoint_window_open_finish (result, &error);
  self->checkpoint_jobs--;
  if (w == NULL)
    {
      /* only the banner: the model in this window is untouched (unless it was closed meanwhile) */
      if (gtk_window_get_application (GTK_WINDOW (self)) != NULL)
        ps_window_job_failed (self, error);
      return;
    }
  ps_window_clear_error (self);
  gtk_window_present (GTK_WINDOW (w));
}

void
ps_window_open_checkpoint (PsWindow *self, GFile *file)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  self->checkpoint_jobs++;
  ps_checkpoint_window_open_async (app, file, NULL, on_checkpoint_opened, g_object_ref (self));
}

gboolean
ps_window_is_checkpoint_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *lower = base ? g_ascii_strdown (base, -1) : g_strdup ("");
  return g_str_has_suffix (lower, ".safetensors") || g_str_has_suffix (lower, ".index.json")
         || g_str_has_suffix (lower, ".npy") || g_str_has_suffix (lower, ".npz");
}

guint
ps_window_get_checkpoint_jobs (PsWindow *self)
{
  return self->checkpoint_jobs;
}

static void
on_open_checkpoint_response (GtkNativeDialog *dialog, int response, PsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      ps_window_open_checkpoint (self, file);
    }
  g_object_unref (dialog);
}

static void
open_checkpoint_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open Checkpoint"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Weights (safetensors, sharded index, .npy, .npz)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_filter_add_pattern (filter, "*.index.json");
  gtk_file_filter_add_pattern (filter, "*.npy");
  gtk_file_filter_add_pattern (filter, "*.npz");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_checkpoint_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

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
scenario_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  ps_window_load_scenario_async (data, g_variant_get_string (p, NULL));
}

/* ---------- close with unsaved changes ---------- */

static void
on_close_response (AdwMessageDialog *dialog, const char *response, PsWindow *self)
{
  if (g_str_equal (response, "discard"))
    gtk_window_destroy (GTK_WINDOW (self));
  else if (g_str_equal (response, "save"))
    {
      GFile *file = ps_document_get_file (self->document);
      if (file != NULL)
        {
          g_autoptr (GError) error = NULL;
          if (ps_document_save (self->document, file, &error))
            gtk_window_destroy (GTK_WINDOW (self));
          else
            ps_window_show_error (self, error->message);
        }
      else
        save_as (self, TRUE);
    }
}

gboolean
ps_window_close_request_check (PsWindow *self)
{
  if (!ps_document_get_modified (self->document))
    return FALSE;
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"),
                                                 _("The recipe has steps that are not saved. They are lost if you close without saving.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "discard", _("_Discard"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ---------- registration ---------- */

static void
open_recent_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (p, NULL));
  ps_window_open_file (data, file);
}

static const GActionEntry win_actions[] = {
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
  { "open-checkpoint", open_checkpoint_activated },
  { "export-pytorch", export_pytorch_activated },
};

void
ps_window_init_actions (PsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
  ps_window_restructure_init_actions (self);
}

static void
set_enabled (PsWindow *self, const char *name, gboolean enabled)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  if (a != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), enabled);
}

void
ps_window_update_actions (PsWindow *self)
{
  guint step = ps_document_get_current_step (self->document);
  guint n = ps_document_get_n_steps (self->document);
  /* while a job rebuilds the timeline, nothing may change it under the job's feet */
  gboolean idle = !ps_document_get_busy (self->document);
  gboolean has_model = idle && ps_state_get_root (state (self)) != NULL;
  static const char *const mutating[] = { "replay", "reseed", "add-layer", "reuse-module", "remove-module", "open",
                                          "open-recent", "scenario", "save", "save-as" };
  for (guint i = 0; i < G_N_ELEMENTS (mutating); i++)
    set_enabled (self, mutating[i], idle);
  set_enabled (self, "cancel-job", !idle);
  set_enabled (self, "first-step", step > 0);
  set_enabled (self, "step-back", step > 0);
  set_enabled (self, "step-forward", step < n);
  set_enabled (self, "last-step", step < n);
  set_enabled (self, "undo", ps_document_can_undo (self->document));
  set_enabled (self, "redo", ps_document_can_redo (self->document));
  set_enabled (self, "reset-parameters", has_model);
  set_enabled (self, "initialize", has_model);
  set_enabled (self, "forward", has_model);
  set_enabled (self, "toggle-train", has_model);
  ps_window_restructure_update_actions (self);
}
