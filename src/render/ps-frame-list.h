/* ps-frame-list.h — a list of chosen frames typed by a person, for a contact sheet of chosen
 * steps: "1, 10, 50, last", ranges "5-8", "last" for the newest. Numbers are 1-based (as the
 * app's "Sub-step k of n" and `paramscope-cli animate --sub-steps --from/--to` count); the list
 * keeps the order typed (repeats allowed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends to `out` (a GArray of guint) the 0-based indices of the frames `text` names among
 * n_available; FALSE and an error naming the bad entry (empty, not a number, 0, beyond
 * n_available, a range going backwards, more than max_frames frames) with `out` as it was.
 * `unit` names the items in messages ("sub-step"). */
gboolean ps_frame_list_parse (const char *text, guint n_available, guint max_frames, const char *unit,
                              GArray *out, GError **error);

G_END_DECLS
