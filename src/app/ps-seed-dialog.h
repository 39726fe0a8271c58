/* ps-seed-dialog.h — New Seed: a seed typed, or a random one (the "apply" response is disabled while the text is not an integer).
 * A small AdwMessageDialog subclass with its template in ui/ps-seed-dialog.ui: it only collects what a
 * user typed; the window's action turns it into recipe ops (ps-edit) on the "apply" response. Its
 * fields are labelled (the label is the accessible name), Enter activates the default response,
 * and it says which module the command applies to. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A random seed (the dialog's Random button, win.reseed, the dialog's first suggestion) is drawn from
 * [0, PS_RANDOM_SEED_LIMIT): at most six digits. No other layer draws a seed (the CLI and the recipe
 * take one as given). */
#define PS_RANDOM_SEED_LIMIT 1000000

#define PS_TYPE_SEED_DIALOG (ps_seed_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsSeedDialog, ps_seed_dialog, PS, SEED_DIALOG, AdwMessageDialog)
PsSeedDialog     *ps_seed_dialog_new               (GtkWindow *parent, int64_t current, int64_t suggestion);
GtkEditable      *ps_seed_dialog_get_entry         (PsSeedDialog *self);
gboolean          ps_seed_dialog_get_seed          (PsSeedDialog *self, int64_t *seed);

G_END_DECLS
