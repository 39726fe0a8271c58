/* ps-application.h — the Paramscope application: app-wide actions, settings, windows. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_APPLICATION_ID "io.github.paramscope.Paramscope"
#define PS_TYPE_APPLICATION (ps_application_get_type ())
G_DECLARE_FINAL_TYPE (PsApplication, ps_application, PS, APPLICATION, AdwApplication)

PsApplication *ps_application_new          (void);
GSettings     *ps_application_get_settings (PsApplication *self);
/* Remember an opened recipe at the top of the recent-files list (at most PS_MAX_RECENT). */
#define PS_MAX_RECENT 10
void           ps_application_add_recent   (PsApplication *self, GFile *file);

G_END_DECLS
