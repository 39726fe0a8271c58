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

/* app.open-checkpoint (Ctrl+Shift+O) asks for a file with a chooser and calls this: the weights
 * file opens in a PsCheckpointWindow of its own (read in a worker). A failure shows in the banner
 * of asker (a PsWindow or PsCheckpointWindow; nothing if NULL or closed meanwhile) and changes
 * nothing else. */
void           ps_application_open_checkpoint     (PsApplication *self, GFile *file, GtkWindow *asker);
/* Several checkpoint files (chosen together, or given on the command line) as one series in a
 * checkpoint window, ordered by the step/epoch stored in them, else the numbers in their names;
 * one file: as ps_application_open_checkpoint. Failures show in asker's banner. */
void           ps_application_open_checkpoints    (PsApplication *self, GFile *const *files, guint n_files,
                                                   GtkWindow *asker);
/* A torch file the default open refused because it would build objects of a class (a whole
 * pickled module): ps_application_open_checkpoint then asks whether to open it anyway (those
 * objects listed inertly, never called). The question shown, or NULL (for tests). */
GtkWidget     *ps_application_get_anyway_dialog   (PsApplication *self);
/* The error of a job `window` asked for (opening a checkpoint, a drop on it) in its banner: a
 * PsWindow's (a cancelled job only says so in a toast) or a PsCheckpointWindow's; any other
 * window: nothing. */
void           ps_application_show_error          (GtkWindow *window, const GError *error);
/* Checkpoints still being opened. */
guint          ps_application_get_checkpoint_jobs (PsApplication *self);

G_END_DECLS
