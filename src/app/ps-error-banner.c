/* ps-error-banner.c — see ps-error-banner.h; the widgets are in ui/ps-error-banner.ui. */
#include "ps-config.h"
#include "ps-error-banner.h"

struct _PsErrorBanner {
  GtkWidget parent_instance;
  GtkRevealer *revealer;
  GtkLabel *label;
  char *text;
};

G_DEFINE_FINAL_TYPE (PsErrorBanner, ps_error_banner, GTK_TYPE_WIDGET)

void
ps_error_banner_set_text (PsErrorBanner *self, const char *text)
{
  g_return_if_fail (PS_IS_ERROR_BANNER (self));
  char *copy = g_strdup (text);
  g_free (self->text);
  self->text = copy;
  if (text != NULL)
    {
      gtk_label_set_text (self->label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->label), text);   /* a long one is cut at 6 lines */
    }
  gtk_revealer_set_reveal_child (self->revealer, text != NULL);
}

const char *
ps_error_banner_get_text (PsErrorBanner *self)
{
  g_return_val_if_fail (PS_IS_ERROR_BANNER (self), NULL);
  return self->text;
}

static void
on_dismiss (PsErrorBanner *self)
{
  ps_error_banner_set_text (self, NULL);
}

static void
ps_error_banner_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PS_TYPE_ERROR_BANNER);
  G_OBJECT_CLASS (ps_error_banner_parent_class)->dispose (object);
}

static void
ps_error_banner_finalize (GObject *object)
{
  g_free (PS_ERROR_BANNER (object)->text);
  G_OBJECT_CLASS (ps_error_banner_parent_class)->finalize (object);
}

static void
ps_error_banner_class_init (PsErrorBannerClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = ps_error_banner_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_error_banner_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paramscope/Paramscope/ps-error-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, PsErrorBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, PsErrorBanner, label);
  gtk_widget_class_bind_template_callback (widget_class, on_dismiss);
}

static void
ps_error_banner_init (PsErrorBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
