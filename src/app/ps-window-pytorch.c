/* ps-window-pytorch.c — the PyTorch line under the model tree: type (or paste) what the article
 * writes — fc = nn.Linear(10, 5), model = CustomModel(linear1, linear2), the init loop,
 * y = model(torch.randn(1, 10)) — and Enter applies it as one user action (one Undo), keeping the
 * focus for the next line. Ctrl+K (win.type-pytorch) or Alt+Y goes there. Bad text shows an error
 * naming the problem, stays in the entry to be fixed, and changes nothing. The lines are read by
 * ps-py-statement (doc); a line with a forward pass runs in the worker like the Forward dialog. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <glib/gi18n.h>

#include "ps-py-statement.h"

typedef struct {
  PsWindow *window;   /* ref */
  char *output;       /* the last forward's output name */
  GHashTable *inputs; /* the remembered inputs once the line is applied */
} LineJob;

/* The line was applied: its inputs are remembered, with the state they belong to. */
static void
line_applied (PsWindow *self, GHashTable *inputs)
{
  g_clear_pointer (&self->pytorch_inputs, g_hash_table_unref);
  self->pytorch_inputs = g_hash_table_ref (inputs);
  g_clear_pointer (&self->pytorch_state, ps_state_unref);
  self->pytorch_state = ps_state_ref (ps_document_get_current_state (self->document));
}

static void
on_line_done (GObject *source, GAsyncResult *result, gpointer data)
{
  LineJob *job = data;
  PsWindow *self = job->window;
  g_autoptr (GError) error = NULL;
  if (!ps_document_apply_op_finish (PS_DOCUMENT (source), result, &error))
    ps_window_job_failed (self, error);   /* the text stays, to be fixed */
  else
    {
      line_applied (self, job->inputs);
      ps_window_clear_error (self);
      gtk_editable_set_text (GTK_EDITABLE (self->pytorch_entry), "");
      PsTensor *y = ps_state_get_output (ps_document_get_current_state (self->document), job->output);
      if (y != NULL)
        {
          g_autofree char *shape = ps_tensor_shape_string (y);
          g_autofree char *msg = g_strdup_printf (_("Forward done: %s has shape %s"), job->output, shape);
          ps_window_toast (self, msg);
          g_autofree char *path = g_strconcat ("outputs/", job->output, NULL);
          ps_window_select_path (self, path);
        }
    }
  g_object_unref (job->window);
  g_free (job->output);
  g_hash_table_unref (job->inputs);
  g_free (job);
}

gboolean
ps_window_type_pytorch (PsWindow *self, const char *text)
{
  if (ps_document_get_current_step (self->document) != ps_document_get_n_steps (self->document))
    {
      ps_window_show_error (self, _("Go to the last step to add a step (the timeline is a recipe: steps are appended)"));
      return FALSE;
    }
  if (ps_document_get_busy (self->document))
    {
      ps_window_toast (self, _("Wait for the running job (or cancel it), then press Enter again"));
      return FALSE;
    }
  g_autoptr (GError) error = NULL;
  PsState *now = ps_document_get_current_state (self->document);
  if (self->pytorch_inputs == NULL)
    self->pytorch_inputs = ps_py_inputs_new ();
  /* a random input is drawn where the line using it runs: only exact while nothing else changed
   * the document since it was typed (an undo, a dialog, another recipe) */
  if (self->pytorch_state != now)
    ps_py_inputs_forget_random (self->pytorch_inputs);
  g_autoptr (GHashTable) inputs = ps_py_inputs_copy (self->pytorch_inputs);
  g_autoptr (GPtrArray) ops = ps_py_statements_parse (now, text, inputs, &error);
  if (ops == NULL)
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  if (ops->len == 0)
    {
      /* only inputs assigned (x = torch.randn(1, 10)): kept for the line that gives them to a module */
      line_applied (self, inputs);
      ps_window_clear_error (self);
      gtk_editable_set_text (GTK_EDITABLE (self->pytorch_entry), "");
      ps_window_toast (self, _("Input kept for a later line: y = model(x)"));
      return TRUE;
    }
  gboolean forward = FALSE;
  for (guint i = 0; i < ops->len; i++)
    forward = forward || ps_op_runs_forward (ops->pdata[i]);
  if (forward)
    {
      LineJob *job = g_new0 (LineJob, 1);
      job->window = g_object_ref (self);
      job->inputs = g_hash_table_ref (inputs);
      for (guint i = 0; i < ops->len; i++)
        if (ps_op_runs_forward (ops->pdata[i]))
          {
            g_free (job->output);
            job->output = g_strdup (ps_op_get_output_name (ops->pdata[i]) ? ps_op_get_output_name (ops->pdata[i]) : "");
          }
      g_autofree char *label = g_strdup_printf (_("Running the forward pass (output %s)…"), job->output);
      GCancellable *c = ps_window_begin_job (self, label);
      ps_document_train_parsed_async (self->document, (PsOp *const *) ops->pdata, ops->len, NULL, c, on_line_done, job);
      return TRUE;
    }
  if (!ps_document_apply_parsed_ops (self->document, (PsOp *const *) ops->pdata, ops->len, &error))
    {
      ps_window_show_error (self, error->message);
      return FALSE;
    }
  line_applied (self, inputs);
  ps_window_clear_error (self);
  gtk_editable_set_text (GTK_EDITABLE (self->pytorch_entry), "");
  /* the layer the line constructed is selected, as after Add Layer (the outermost: the last built) */
  const char *built = NULL;
  for (guint i = 0; i < ops->len; i++)
    if (ps_op_get_built_module (ops->pdata[i]) != NULL)
      built = ps_op_get_built_module (ops->pdata[i]);
  if (built != NULL)
    ps_window_select_module (self, built);
  return TRUE;
}

/* the entry's "activate" (ui/ps-window.ui) */
static void
on_pytorch_activate (GtkEntry *entry, PsWindow *self)
{
  ps_window_type_pytorch (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
type_pytorch_activated (GSimpleAction *a, GVariant *p, gpointer data)
{
  PsWindow *self = data;
  gtk_widget_grab_focus (GTK_WIDGET (self->pytorch_entry));
}

/* The PyTorch row is the window template's (ui/ps-window.ui: label, entry, tooltip, relation). */
void
ps_window_pytorch_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, PsWindow, pytorch_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_pytorch_activate);
}

void
ps_window_pytorch_init (PsWindow *self)
{
  static const GActionEntry entries[] = {
    { "type-pytorch", type_pytorch_activated },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
}

void
ps_window_pytorch_dispose (PsWindow *self)
{
  g_clear_pointer (&self->pytorch_inputs, g_hash_table_unref);
  g_clear_pointer (&self->pytorch_state, ps_state_unref);
}
