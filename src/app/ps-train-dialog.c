/* ps-train-dialog.c — see ps-train-dialog.h. */
#include "ps-config.h"
#include "ps-train-dialog.h"
#include "ps-file-chooser.h"
#include "ps-error.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsTrainDialog {
  AdwMessageDialog parent_instance;
  GtkLabel *applies_label;
  GtkDropDown *data_dropdown, *loss_dropdown, *optimizer_dropdown, *scheduler_dropdown, *unit_dropdown;
  GtkSpinButton *samples_spin, *batch_spin, *count_spin, *record_spin;
  GtkEntry *optimizer_args_entry, *scheduler_args_entry;
  GtkCheckButton *shuffle_check;
  GtkWidget *file_rows[6];                        /* labels and fields of the "file" data set */
  GtkEntry *file_entry, *x_entry, *y_entry;
  char *file, *x, *y;                             /* the last get_spec's */
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

/* a data set's first sample and batch counts: Fashion-MNIST a tenth of its 60,000 training images; the
 * small generated sets as in ui/ps-train-dialog.ui */
#define FASHION_MNIST_SAMPLES 6000
#define FASHION_MNIST_BATCH 64
#define DEFAULT_SAMPLES 200
#define DEFAULT_BATCH 32

static void
on_data (PsTrainDialog *self)
{
  gboolean fm = strcmp (selected (self->data_dropdown), "fashion_mnist") == 0;
  gboolean file = strcmp (selected (self->data_dropdown), "file") == 0;
  gtk_spin_button_set_value (self->samples_spin, fm ? FASHION_MNIST_SAMPLES : DEFAULT_SAMPLES);
  gtk_spin_button_set_value (self->batch_spin, fm ? FASHION_MNIST_BATCH : DEFAULT_BATCH);
  gtk_widget_set_sensitive (GTK_WIDGET (self->samples_spin), !file);   /* a file has its own rows */
  for (guint i = 0; i < G_N_ELEMENTS (self->file_rows); i++)
    gtk_widget_set_visible (self->file_rows[i], file);
}

/* CSV: every other column as inputs by default; arrays of npz/safetensors/torch files: X and y */
static void
on_file_changed (PsTrainDialog *self)
{
  const char *path = gtk_editable_get_text (GTK_EDITABLE (self->file_entry));
  const char *x = gtk_editable_get_text (GTK_EDITABLE (self->x_entry));
  gboolean csv = g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV");
  if (csv && strcmp (x, "X") == 0)
    gtk_editable_set_text (GTK_EDITABLE (self->x_entry), "*");
  else if (!csv && strcmp (x, "*") == 0)
    gtk_editable_set_text (GTK_EDITABLE (self->x_entry), "X");
}

static void
on_file_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  PsTrainDialog *self = data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->file_entry), path);
    }
  ps_file_chooser_release (chooser);
}

static void
on_choose_file (PsTrainDialog *self)
{
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Data Set File"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Arrays (npz, CSV, safetensors, torch)"));
  static const char *const patterns[] = { "*.npz", "*.csv", "*.safetensors", "*.pt", "*.pth", "*.bin", "*.ckpt" };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  /* no reference: once the dialog is gone the chooser is released without answering */
  ps_file_chooser_show (chooser, on_file_chosen, self);
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
  if (strcmp (spec->dataset, "file") == 0)
    {
      g_free (self->file);
      g_free (self->x);
      g_free (self->y);
      self->file = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->file_entry))));
      self->x = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->x_entry))));
      self->y = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->y_entry))));
      if (*self->file == '\0')
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "Data set file: choose an .npz, .csv, .safetensors or torch file");
          return FALSE;
        }
      spec->file = self->file;
      spec->x = self->x;
      spec->y = self->y;
    }
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
ps_train_dialog_set_file (PsTrainDialog *self, const char *path, const char *x, const char *y)
{
  ps_train_dialog_select (self, "data", "file");
  gtk_editable_set_text (GTK_EDITABLE (self->file_entry), path);
  if (x != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->x_entry), x);
  if (y != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->y_entry), y);
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
  g_clear_pointer (&self->file, g_free);
  g_clear_pointer (&self->x, g_free);
  g_clear_pointer (&self->y, g_free);
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
  BIND (file_entry);
  BIND (x_entry);
  BIND (y_entry);
#undef BIND
  static const char *const file_rows[G_N_ELEMENTS (((PsTrainDialog *) NULL)->file_rows)] = {
    "file_label", "file_field", "x_label", "x_entry", "y_label", "y_entry",
  };
  for (guint i = 0; i < G_N_ELEMENTS (file_rows); i++)
    gtk_widget_class_bind_template_child_full (widget_class, file_rows[i], FALSE,
                                               G_STRUCT_OFFSET (PsTrainDialog, file_rows[i]));
  gtk_widget_class_bind_template_callback (widget_class, on_file_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_file);
}

static void
ps_train_dialog_init (PsTrainDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  on_data (self);
  g_signal_connect_swapped (self->optimizer_dropdown, "notify::selected", G_CALLBACK (on_optimizer), self);
  g_signal_connect_swapped (self->scheduler_dropdown, "notify::selected", G_CALLBACK (on_scheduler), self);
  g_signal_connect_swapped (self->data_dropdown, "notify::selected", G_CALLBACK (on_data), self);
  on_optimizer (self);
  on_scheduler (self);
}
