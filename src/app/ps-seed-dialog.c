/* ps-seed-dialog.c — see ps-seed-dialog.h. */
#include "ps-config.h"
#include "ps-seed-dialog.h"

#include <errno.h>
#include <inttypes.h>

struct _PsSeedDialog {
  AdwMessageDialog parent_instance;
  GtkEntry *entry;
  GtkButton *random_button;
};

G_DEFINE_FINAL_TYPE (PsSeedDialog, ps_seed_dialog, ADW_TYPE_MESSAGE_DIALOG)

gboolean
ps_seed_dialog_get_seed (PsSeedDialog *self, int64_t *seed)
{
  g_autofree char *t = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll (t, &end, 10);
  if (*t == '\0' || *end != '\0' || errno == ERANGE)
    return FALSE;
  *seed = v;
  return TRUE;
}

static void
on_changed (GtkEditable *entry, PsSeedDialog *self)
{
  int64_t s;
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "apply", ps_seed_dialog_get_seed (self, &s));
}

static void
on_random (GtkButton *button, PsSeedDialog *self)
{
  g_autofree char *t = g_strdup_printf ("%" PRId32, g_random_int_range (0, PS_RANDOM_SEED_LIMIT));
  gtk_editable_set_text (GTK_EDITABLE (self->entry), t);
}

PsSeedDialog *
ps_seed_dialog_new (GtkWindow *parent, int64_t current, int64_t suggestion)
{
  PsSeedDialog *self = g_object_new (PS_TYPE_SEED_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  g_autofree char *t = g_strdup_printf ("%" PRId64, suggestion);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), t);
  return self;
}

GtkEditable *
ps_seed_dialog_get_entry (PsSeedDialog *self)
{
  return GTK_EDITABLE (self->entry);
}

static void
ps_seed_dialog_class_init (PsSeedDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-seed-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsSeedDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, PsSeedDialog, random_button);
}

static void
ps_seed_dialog_init (PsSeedDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->entry, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->random_button, "clicked", G_CALLBACK (on_random), self);
}
