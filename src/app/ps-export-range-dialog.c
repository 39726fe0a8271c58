/* ps-export-range-dialog.c — see ps-export-range-dialog.h. */
#include "ps-config.h"
#include "ps-export-range-dialog.h"
#include "ps-training-page.h"
#include "ps-frame-list.h"
#include "ps-error.h"

#include <glib/gi18n.h>

struct _PsExportRangeDialog {
  PsFormDialog parent_instance;
  guint n_substeps;
  GtkSpinButton *from_spin;
  GtkSpinButton *to_spin;
  GtkSpinButton *every_spin;
};

G_DEFINE_FINAL_TYPE (PsExportRangeDialog, ps_export_range_dialog, PS_TYPE_FORM_DIALOG)

enum { SIGNAL_CHOOSE_FILE, N_SIGNALS };
static guint signals[N_SIGNALS];

#define SUGGESTED_FRAMES 100   /* the first "every" keeps an export this short, however long the run */

guint
ps_export_range_default_every (guint n)
{
  return ps_frame_list_default_every (n, SUGGESTED_FRAMES);
}

static gboolean
check_range (guint n, guint from, guint to, guint every, guint *n_frames, GError **error)
{
  return ps_frame_list_check_range (n, from, to, every, PS_TRAINING_MAX_FRAMES, n_frames, error);
}

/* the three numbers as typed (a half-typed number counts) */
static void
range_values (PsExportRangeDialog *self, guint *from, guint *to, guint *every)
{
  GtkSpinButton *spins[3] = { self->from_spin, self->to_spin, self->every_spin };
  guint *out[3] = { from, to, every };
  for (guint i = 0; i < 3; i++)
    {
      gtk_spin_button_update (spins[i]);
      *out[i] = (guint) gtk_spin_button_get_value_as_int (spins[i]);
    }
}

/* the note under the numbers: how many frames, or what is wrong */
static void
on_value_changed (GtkSpinButton *spin, PsExportRangeDialog *self)
{
  guint from = 0, to = 0, every = 0, count = 0;
  g_autoptr (GError) error = NULL;
  range_values (self, &from, &to, &every);
  if (check_range (self->n_substeps, from, to, every, &count, &error))
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u frame: sub-steps %u to %u, every %u",
                                                            "%u frames: sub-steps %u to %u, every %u", count),
                                               count, from, to, every);
      ps_form_dialog_say (PS_FORM_DIALOG (self), text);
    }
  else
    ps_form_dialog_refuse (PS_FORM_DIALOG (self), error->message, NULL);
}

/* the range checked: a bad one is said in the dialog, which stays and nothing is written */
static void
ps_export_range_dialog_choose (PsFormDialog *dialog)
{
  PsExportRangeDialog *self = PS_EXPORT_RANGE_DIALOG (dialog);
  guint from = 0, to = 0, every = 0;
  g_autoptr (GError) error = NULL;
  if (!ps_export_range_dialog_get_range (self, &from, &to, &every, &error))
    {
      ps_form_dialog_refuse (dialog, error->message, GTK_WIDGET (self->from_spin));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CHOOSE_FILE], 0, from, to, every);
}

static void
ps_export_range_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PS_TYPE_EXPORT_RANGE_DIALOG);
  G_OBJECT_CLASS (ps_export_range_dialog_parent_class)->dispose (object);
}

static void
ps_export_range_dialog_class_init (PsExportRangeDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_export_range_dialog_dispose;
  PS_FORM_DIALOG_CLASS (klass)->choose = ps_export_range_dialog_choose;
  /* a good range: from, to (1-based sub-steps), every */
  signals[SIGNAL_CHOOSE_FILE] = g_signal_new ("choose-file", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                              NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-export-range-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsExportRangeDialog, from_spin);
  gtk_widget_class_bind_template_child (widget_class, PsExportRangeDialog, to_spin);
  gtk_widget_class_bind_template_child (widget_class, PsExportRangeDialog, every_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_value_changed);
}

static void
ps_export_range_dialog_init (PsExportRangeDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* a spin button over [lo, hi] at value (the range reaches one beyond the valid numbers, so a typed
 * number out of range is said, not silently clamped) */
static void
spin_range (GtkSpinButton *spin, guint lo, guint hi, guint value)
{
  gtk_spin_button_set_range (spin, lo, MAX (hi, lo));
  gtk_spin_button_set_value (spin, value);
}

PsExportRangeDialog *
ps_export_range_dialog_new (GtkWindow *parent, guint n)
{
  PsExportRangeDialog *self = g_object_new (PS_TYPE_EXPORT_RANGE_DIALOG, "transient-for", parent, NULL);
  self->n_substeps = n;
  g_autofree char *intro = g_strdup_printf (_("The Training page's view at the recorded sub-steps from – to, every "
                                              "k-th (and the last one), as an animated GIF, a numbered PNG or SVG "
                                              "series, or a PDF with a page per frame. Sub-steps are 1 to %u; at "
                                              "most %u frames."), n, PS_TRAINING_MAX_FRAMES);
  ps_form_dialog_set_intro (PS_FORM_DIALOG (self), intro);
  spin_range (self->from_spin, 0, n + 1, 1);
  spin_range (self->to_spin, 0, n + 1, n);
  spin_range (self->every_spin, 0, MAX (n, 1), ps_export_range_default_every (n));
  on_value_changed (NULL, self);
  return self;
}

gboolean
ps_export_range_dialog_get_range (PsExportRangeDialog *self, guint *from, guint *to, guint *every, GError **error)
{
  range_values (self, from, to, every);
  return check_range (self->n_substeps, *from, *to, *every, NULL, error);
}
