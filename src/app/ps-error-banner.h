/* ps-error-banner.h — the error banner both windows show under their header bar: an icon, the
 * message (selectable, wrapped) and Dismiss, in a revealer (AdwBanner is libadwaita 1.3). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_ERROR_BANNER (ps_error_banner_get_type ())
G_DECLARE_FINAL_TYPE (PsErrorBanner, ps_error_banner, PS, ERROR_BANNER, GtkWidget)

/* Shows text (a copy), or hides the banner when text is NULL. Dismiss hides it too. */
void        ps_error_banner_set_text (PsErrorBanner *self, const char *text);
/* The text shown, NULL while hidden. */
const char *ps_error_banner_get_text (PsErrorBanner *self);

G_END_DECLS
