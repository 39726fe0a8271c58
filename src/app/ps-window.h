/* ps-window.h — the main window: model tree, parameter views, timeline. */
#pragma once

#include <adwaita.h>
#include "ps-application.h"
#include "ps-document.h"

G_BEGIN_DECLS

#define PS_TYPE_WINDOW (ps_window_get_type ())
G_DECLARE_FINAL_TYPE (PsWindow, ps_window, PS, WINDOW, AdwApplicationWindow)

PsWindow   *ps_window_new            (PsApplication *app);
PsDocument *ps_window_get_document   (PsWindow *self);
/* A built-in scenario by name ("demo", "article-3-shared", …), from the resources. */
gboolean    ps_window_load_scenario  (PsWindow *self, const char *name);
/* Both replay the recipe in a worker (progress and Cancel show meanwhile). */
void        ps_window_load_scenario_async (PsWindow *self, const char *name);
void        ps_window_open_file      (PsWindow *self, GFile *file);
/* Select the tree row with this state_dict-style path ("0.weight", "" = root). */
gboolean    ps_window_select_path    (PsWindow *self, const char *path);
/* The error shown in the banner, or NULL when none is shown (for tests). */
const char *ps_window_get_error_text (PsWindow *self);
/* A job (here or one the window asked for, as opening a checkpoint) ended with this error: the
 * banner shows it; a cancelled one only says so in a toast. */
void        ps_window_job_failed     (PsWindow *self, const GError *error);
/* The banner's error is gone (a later attempt succeeded). */
void        ps_window_clear_error    (PsWindow *self);
/* Tree as text (names, types, shared and highlight marks) — for tests. */
char       *ps_window_dump_tree      (PsWindow *self);
/* Export the current picture to a file (.png/.svg/.pdf) at the given size. */
gboolean    ps_window_export_picture (PsWindow *self, const char *path, int width, int height, double scale,
                                      GError **error);

/* The same with a resolution recorded in the file (PNG pHYs; dpi ≤ 0: none). */
gboolean    ps_window_export_picture_full (PsWindow *self, const char *path, int width, int height, double scale,
                                           double dpi, GError **error);
/* The selected tensor's values: .npy (exact, float32) or .csv, by extension. */
gboolean    ps_window_export_data    (PsWindow *self, const char *path, GError **error);

G_END_DECLS
