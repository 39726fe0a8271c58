/* ps-train-dialog.c — see ps-train-dialog.h. */
#include "ps-config.h"
#include "ps-train-dialog.h"

#include <string.h>

struct _PsTrainDialog {
  AdwMessageDialog parent_instance;
  GtkLabel *applies_label;
  GtkDropDown *data_dropdown, *loss_dropdown, *optimizer_dropdown, *scheduler_dropdown, *unit_dropdown;
  GtkSpinButton *samples_spin, *batch_spin, *count_spin, *record_spin;
  GtkEntry *optimizer_args_entry, *scheduler_args_entry;
  GtkCheckButton *shuffle_check;
  JsonObject *optimizer_args, *scheduler_args;   /* the last get_spec's */
};

G_DEFINE_FINAL_TYPE (PsTrainDialog, ps_train_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* Defaults that train the toy sets visibly within a few hundred steps. */
static const char *const optimizer_defaults[][2] = {
  { "SGD", "lr=0.1, momentum=0.9" }, { "Adam", "lr=0.01" }, { "AdamW", "lr=0.01" },
  { "RMSprop", "lr=0.01" }, { "Adagrad", "lr=0.1" },
};
static const char *const scheduler_defaults[][2] = {
  { "None", "" }, { "StepLR", "step_size=100, gamma=0.5" }, { "MultiStepLR", "milestones=[100, 150], gamma=0.1" },
  { "ExponentialLR", "gamma=0.99" }, { "CosineAnnealingLR", "T_max=200" }, { "LinearLR", "total_iters=50" },
  { "OneCycleLR", "max_lr=0.5, total_steps=200" },
};

static const char *
selected (GtkDropDown *d)
{
  GtkStringObject *o = gtk_drop_down_get_selected_item (d);
  return o ? gtk_string_object_get_string (o) : "";
}

static void
on_optimizer (PsTrainDialog *self)
{
  const char *name = selected (self->optimizer_dropdown);
  for (guint i = 0; i < G_N_ELEMENTS (optimizer_defaults); i++)
    if (strcmp (optimizer_defaults[i][0], name) == 0)
      gtk_editable_set_text (GTK_EDITABLE (self->optimizer_args_entry), optimizer_defaults[i][1]);
}

static void
on_scheduler (PsTrainDialog *self)
{
  const char *name = selected (self->scheduler_dropdown);
  for (guint i = 0; i < G_N_ELEMENTS (scheduler_defaults); i++)
    if (strcmp (scheduler_defaults[i][0], name) == 0)
      gtk_editable_set_text (GTK_EDITABLE (self->scheduler_args_entry), scheduler_defaults[i][1]);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scheduler_args_entry), gtk_drop_down_get_selected (self->scheduler_dropdown) != 0);
}

static void
on_data (PsTrainDialog *self)
{
  gboolean fm = strcmp (selected (self->data_dropdown), "fashion_mnist") == 0;
  gtk_spin_button_set_value (self->samples_spin, fm ? 6000 : 200);
  gtk_spin_button_set_value (self->batch_spin, fm ? 64 : 32);
}

PsTrainDialog *
ps_train_dialog_new (GtkWindow *parent, const char *applies_to)
{
  PsTrainDialog *self = g_object_new (PS_TYPE_TRAIN_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  gtk_label_set_text (self->applies_label, applies_to);
  return self;
}

gboolean
ps_train_dialog_get_spec (PsTrainDialog *self, PsTrainSpec *spec, GError **error)
{
  ps_train_spec_init (spec);
  g_clear_pointer (&self->optimizer_args, json_object_unref);
  g_clear_pointer (&self->scheduler_args, json_object_unref);
  GError *e = NULL;
  self->optimizer_args = ps_edit_parse_kwargs (gtk_editable_get_text (GTK_EDITABLE (self->optimizer_args_entry)), &e);
  if (self->optimizer_args == NULL)
    {
      g_propagate_prefixed_error (error, e, "Optimizer arguments: ");
      return FALSE;
    }
  gboolean sched = gtk_drop_down_get_selected (self->scheduler_dropdown) != 0;
  if (sched)
    {
      self->scheduler_args = ps_edit_parse_kwargs (gtk_editable_get_text (GTK_EDITABLE (self->scheduler_args_entry)), &e);
      if (self->scheduler_args == NULL)
        {
          g_propagate_prefixed_error (error, e, "Scheduler arguments: ");
          return FALSE;
        }
    }
  spec->dataset = selected (self->data_dropdown);
  spec->n = gtk_spin_button_get_value_as_int (self->samples_spin);
  spec->loss = selected (self->loss_dropdown);
  spec->optimizer = selected (self->optimizer_dropdown);
  spec->optimizer_args = self->optimizer_args;
  spec->scheduler = sched ? selected (self->scheduler_dropdown) : NULL;
  spec->scheduler_args = self->scheduler_args;
  spec->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  spec->shuffle = gtk_check_button_get_active (self->shuffle_check);
  spec->by_epochs = gtk_drop_down_get_selected (self->unit_dropdown) == 1;
  spec->count = gtk_spin_button_get_value_as_int (self->count_spin);
  spec->record_every = gtk_spin_button_get_value_as_int (self->record_spin);
  return TRUE;
}

void
ps_train_dialog_select (PsTrainDialog *self, const char *field, const char *item)
{
  GtkDropDown *d = strcmp (field, "data") == 0 ? self->data_dropdown
                   : strcmp (field, "loss") == 0 ? self->loss_dropdown
                   : strcmp (field, "optimizer") == 0 ? self->optimizer_dropdown
                   : strcmp (field, "scheduler") == 0 ? self->scheduler_dropdown
                   : strcmp (field, "unit") == 0 ? self->unit_dropdown : NULL;
  g_return_if_fail (d != NULL);
  GListModel *m = gtk_drop_down_get_model (d);
  for (guint i = 0; i < g_list_model_get_n_items (m); i++)
    {
      g_autoptr (GtkStringObject) o = g_list_model_get_item (m, i);
      if (strcmp (gtk_string_object_get_string (o), item) == 0)
        gtk_drop_down_set_selected (d, i);
    }
}

void
ps_train_dialog_set_count (PsTrainDialog *self, int64_t count, int64_t record_every)
{
  gtk_spin_button_set_value (self->count_spin, (double) count);
  gtk_spin_button_set_value (self->record_spin, (double) record_every);
}

static void
ps_train_dialog_dispose (GObject *object)
{
  PsTrainDialog *self = PS_TRAIN_DIALOG (object);
  g_clear_pointer (&self->optimizer_args, json_object_unref);
  g_clear_pointer (&self->scheduler_args, json_object_unref);
  G_OBJECT_CLASS (ps_train_dialog_parent_class)->dispose (object);
}

static void
ps_train_dialog_class_init (PsTrainDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_train_dialog_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-train-dialog.ui");
#define BIND(x) gtk_widget_class_bind_template_child (widget_class, PsTrainDialog, x)
  BIND (applies_label);
  BIND (data_dropdown);
  BIND (loss_dropdown);
  BIND (optimizer_dropdown);
  BIND (scheduler_dropdown);
  BIND (unit_dropdown);
  BIND (samples_spin);
  BIND (batch_spin);
  BIND (count_spin);
  BIND (record_spin);
  BIND (optimizer_args_entry);
  BIND (scheduler_args_entry);
  BIND (shuffle_check);
#undef BIND
}

static void
ps_train_dialog_init (PsTrainDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->optimizer_dropdown, "notify::selected", G_CALLBACK (on_optimizer), self);
  g_signal_connect_swapped (self->scheduler_dropdown, "notify::selected", G_CALLBACK (on_scheduler), self);
  g_signal_connect_swapped (self->data_dropdown, "notify::selected", G_CALLBACK (on_data), self);
  on_optimizer (self);
  on_scheduler (self);
}
