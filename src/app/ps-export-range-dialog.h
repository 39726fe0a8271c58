/* ps-export-range-dialog.h — Export Over Sub-steps: the range of the Training page's recorded
 * sub-steps to export — From, To (1-based, as the CLI's animate --from/--to) and Every k (the last
 * one is always a frame), by default the whole run every ⌈n/100⌉. A PsFormDialog (the shared frame:
 * intro, fields, note, Cancel / Choose File…; Escape closes; a dialog to screen readers) with its
 * fields in ui/ps-export-range-dialog.ui. The note says how many frames the range makes, or what is
 * wrong with it; Choose File hands a good range over by the "choose-file" signal (from, to, every)
 * — the window then closes the dialog and asks where to write — and keeps a bad one, said. */
#pragma once

#include "ps-form-dialog.h"

G_BEGIN_DECLS

#define PS_TYPE_EXPORT_RANGE_DIALOG (ps_export_range_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsExportRangeDialog, ps_export_range_dialog, PS, EXPORT_RANGE_DIALOG, PsFormDialog)

/* Every k for at most 100 frames over n sub-steps. */
guint                ps_export_range_default_every   (guint n);

/* A modal dialog over `parent` for a page of `n_substeps` recorded sub-steps (the whole run). */
PsExportRangeDialog *ps_export_range_dialog_new       (GtkWindow *parent, guint n_substeps);
/* The range as typed (a half-typed number counts), checked. */
gboolean             ps_export_range_dialog_get_range (PsExportRangeDialog *self, guint *from, guint *to, guint *every,
                                                       GError **error);

G_END_DECLS
