/* ps-open-anyway-dialog.h — "Open FILE anyway?" (Cancel, Open Anyway) for a torch file refused
 * because it would build objects of a class (a whole pickled module). A small AdwMessageDialog
 * subclass with its template in ui/ps-open-anyway-dialog.ui; the caller connects "response" and
 * opens the file inertly on "anyway" (Cancel is the default and the close response). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PS_TYPE_OPEN_ANYWAY_DIALOG (ps_open_anyway_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsOpenAnywayDialog, ps_open_anyway_dialog, PS, OPEN_ANYWAY_DIALOG, AdwMessageDialog)
/* Over parent (may be NULL); names file and says why it was refused (the open's error text). */
PsOpenAnywayDialog *ps_open_anyway_dialog_new (GtkWindow *parent, GFile *file, const char *why);

G_END_DECLS
