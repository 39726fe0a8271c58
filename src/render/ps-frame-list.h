/* ps-frame-list.h — a list of chosen frames typed by a person: "1, 10, 50, last", ranges "5-8",
 * "last" for the newest, in the order typed (repeats allowed; a trailing comma and spaces are
 * fine). One parser for every such list, with the numbering as an option:
 *  - from 1: sub-steps 1..n, as the app's "Sub-step k of n" and `paramscope-cli animate
 *    --sub-steps --from/--to` count them (the app's Contact Sheet…, `contact-sheet --sub-steps
 *    --steps`);
 *  - from 0: a timeline's steps 0..n−1, without "last" (`contact-sheet --param P --steps`);
 *  - values: the numbers are values of a list — the training step each recorded sub-step was
 *    taken at, the loss curve's x axis — and a frame is the first sub-step at that value; a single
 *    value must be there, a range takes the values in it (`contact-sheet --train-steps`). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PS_FRAME_LIST_FROM_1,
  PS_FRAME_LIST_FROM_0,
  PS_FRAME_LIST_VALUES,
} PsFrameNumbering;

typedef struct {
  PsFrameNumbering numbering;
  guint n;                    /* the frames there are (FROM_1, FROM_0) or the number of values */
  const gint64 *values;       /* VALUES: the value of each frame (e.g. its training step) */
  guint max_frames;           /* a list naming more is an error */
  const char *unit;           /* what a frame is, in messages: "sub-step", "step" */
  const char *value_unit;     /* VALUES: what a value is, in messages: "training step" */
} PsFrameListRules;

/* Appends to `out` (a GArray of guint) the 0-based indices of the frames `text` names; FALSE and
 * an error naming the bad entry with `out` as it was. The error is PS_ERROR_PARSE when the text is
 * malformed (empty entry, not a number, a range going backwards) and PS_ERROR_NOT_FOUND when it
 * names a frame that is not there (0, beyond n, a value not in the list, none at all);
 * PS_ERROR_INVALID_ARGUMENT for more than max_frames frames. */
gboolean ps_frame_list_parse_rules (const char *text, const PsFrameListRules *rules, GArray *out, GError **error);
/* Numbered from 1: ps_frame_list_parse_rules with PS_FRAME_LIST_FROM_1. */
gboolean ps_frame_list_parse (const char *text, guint n_available, guint max_frames, const char *unit,
                              GArray *out, GError **error);
/* The Contact Sheet's default list of n sub-steps (numbered from 1): "1, ¼, ½, ¾, last" — the
 * first, the quarters and "last", each once ("1, last" for 2, "1" for 1, "" for none). A list
 * ps_frame_list_parse reads back with the same n. */
char    *ps_frame_list_default_sheet (guint n);
/* Export Over Sub-steps' range of n recorded sub-steps numbered from 1 (the app's range dialog; the
 * CLI's `animate --sub-steps --from --to --every`): the first "every" keeps the export at most
 * `suggested_frames` long, ⌈n / suggested_frames⌉ (at least 1) … */
guint    ps_frame_list_default_every (guint n, guint suggested_frames);
/* … and whether from..to every `every` is a range to export: FALSE and an error saying what is
 * wrong (no sub-steps, a sub-step that does not exist, From after To, Every 0, more than
 * max_frames frames); `n_frames` (may be NULL) gets the number of frames. */
gboolean ps_frame_list_check_range (guint n, guint from, guint to, guint every, guint max_frames, guint *n_frames,
                                    GError **error);

G_END_DECLS
