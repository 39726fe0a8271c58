/* ps-cli-private.h — what paramscope-cli's command files share.
 *
 * Adding a command: write ps-cli-NAME.c with `int ps_cli_cmd_NAME (int argc, char **argv)`
 * (argv[0] is the first argument after the command name), declare it below, add one row to
 * ps-cli-commands.c and the file to meson.build. Use ps_cli_parse for options so --help and usage
 * errors behave like everywhere else: exit 0 for --help, 1 for a failing op or I/O error
 * ("error: MESSAGE" on stderr, see ps_cli_error), 2 for bad usage (ps_cli_usage_error). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ps-timeline.h"
#include "ps-colormap.h"
#include "ps-heatmap.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  const char *summary;     /* one line for the command list */
  int (*run) (int argc, char **argv);
} PsCliCommand;

/* ps-cli-commands.c: NULL-terminated by a row with name NULL */
extern const PsCliCommand ps_cli_commands[];

typedef struct {
  const char *name;        /* "--until" */
  const char **value;      /* set for options taking a value (--name VALUE or --name=VALUE) */
  gboolean *flag;          /* set to TRUE for flags (value == NULL) */
} PsCliOption;             /* tables end with { NULL } */

/* Splits argv into options and positional arguments; -h/--help sets *help. Unknown options and
 * missing values are errors (report them with ps_cli_usage_error). */
gboolean  ps_cli_parse              (int argc, char **argv, const PsCliOption *options, GPtrArray *positional,
                                     gboolean *help, GError **error);
gboolean  ps_cli_parse_count        (const char *option, const char *text, guint64 max, guint64 *out,
                                     GError **error);
/* A finite number in [min, max] (an error naming the option otherwise). */
gboolean  ps_cli_parse_double       (const char *option, const char *text, double min, double max, double *out,
                                     GError **error);
/* The values of the picture options that several commands take: --colormap (ps_colormap_by_name's
 * names) and --range (symmetric, robust, minmax). */
gboolean  ps_cli_parse_colormap     (const char *text, PsColormapKind *out, GError **error);
gboolean  ps_cli_parse_range        (const char *text, PsHeatmapRange *out, GError **error);
/* ps_cli_parse for a command that takes exactly one positional argument, named `what` ("RECIPE",
 * "FILE") in the message: prints `usage` for --help. Returns -1 to go on, else the exit status to
 * return (0 after --help, 2 for bad usage). */
int       ps_cli_parse_one          (const char *command, const char *usage, int argc, char **argv,
                                     const PsCliOption *options, GPtrArray *positional, const char *what);
/* ps-cli-escape.c: standard output and error escape control characters and non-UTF-8 bytes
 * (names are data, not terminal commands); call once at start. */
void      ps_cli_escape_std_streams (void);
/* "name": v, or null where v is NaN or infinite (JSON has no literal for them). */
void      ps_cli_json_add_number    (JsonBuilder *b, const char *name, double v);
/* Prints the builder's value as indented JSON and a newline on standard output (--json). */
void      ps_cli_print_json         (JsonBuilder *b);
/* A string for a JSON value: invalid UTF-8 (a file name) replaced by U+FFFD. Free it. */
char     *ps_cli_json_string        (const char *s);
/* Prints "paramscope-cli COMMAND: MESSAGE" and a hint to stderr; returns 2. */
int       ps_cli_usage_error        (const char *command, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Prints "error: MESSAGE" to stderr; returns 1. */
int       ps_cli_error              (const GError *error);
/* FALSE (with a message) when an output is one of the inputs, or two outputs are the same file. */
gboolean  ps_cli_check_outputs      (const char *const *outputs, guint n_outputs, const char *input,
                                     GError **error);
/* Loads RECIPE and replays the first `until` ops (-1 = all). When an op fails, *out still holds the
 * timeline up to it and the op's error ("op N (KIND): …") is returned. An --until beyond the
 * recipe is PS_ERROR_INVALID_ARGUMENT with *out NULL. */
/* The recorded sub-steps of a timeline in order, with their places on the training axis. */
typedef struct {
  GPtrArray *records;   /* const PsTrainRecord* (owned by the timeline's states) */
  GArray *x;            /* int64 */
  GPtrArray *logs;      /* const PsTrainLog* of each record */
  GArray *index;        /* guint: the record's index in its log */
  GArray *op_step;      /* guint: the timeline step of the record's train op */
  GPtrArray *held;      /* PsState refs of the states that own the logs (a command's timeline keeps
                         * only the last state: the others are rebuilt on demand and dropped) */
} PsCliRecords;
/* FALSE when a step dropped to keep within the memory budget cannot be rebuilt (the error says
 * which and why); rs is then still to be cleared. */
gboolean  ps_cli_records_collect    (PsTimeline *tl, PsCliRecords *rs, GError **error);
void      ps_cli_records_clear      (PsCliRecords *rs);

gboolean  ps_cli_load_timeline      (const char *path, int until, PsTimeline **out, GError **error);
/* The same, replaying only the ops up to step `last_needed` (all when the recipe is shorter): a
 * command that looks at one step keeps one snapshot of it, not the last step's besides. */
gboolean  ps_cli_load_timeline_upto (const char *path, guint last_needed, PsTimeline **out, GError **error);
/* ps_cli_load_timeline keeping snapshots as the app's document does (1 GiB, or PS_TIMELINE_BUDGET_MB): a
 * train op's sub-step snapshots are kept within it and a dropped one is replayed from the nearest
 * kept one — what frames over many sub-steps need (a zero budget replays each from the op's start). */
gboolean  ps_cli_load_timeline_for_frames (const char *path, PsTimeline **out, GError **error);
/* After a load: a recipe that fails at some op still gives the steps before it, which pictures
 * may show — then notes the failure on stderr, clears the error and returns TRUE. FALSE (the
 * error kept) only when there is no timeline at all. `tl` is read after the load (the load's
 * out-argument, so that it can be called on the load's result). */
gboolean  ps_cli_keep_partial       (gboolean loaded, PsTimeline *const *tl, GError **error);
/* Writes named tensors as a safetensors file (F32 / I64). */
gboolean  ps_cli_write_tensors      (const char *path, const char *const *names, PsTensor *const *tensors,
                                     guint n, GError **error);

int       ps_cli_cmd_run            (int argc, char **argv);
int       ps_cli_cmd_describe       (int argc, char **argv);
/* ps-cli-picture.c */
int       ps_cli_cmd_heatmap        (int argc, char **argv);
int       ps_cli_cmd_histogram      (int argc, char **argv);
int       ps_cli_cmd_ridgeline      (int argc, char **argv);
int       ps_cli_cmd_bands          (int argc, char **argv);
int       ps_cli_cmd_stats          (int argc, char **argv);
/* ps-cli-metrics.c */
int       ps_cli_cmd_metrics        (int argc, char **argv);
int       ps_cli_cmd_loss_curve     (int argc, char **argv);
/* ps-cli-train-figures.c */
int       ps_cli_cmd_ratios         (int argc, char **argv);
int       ps_cli_cmd_activations    (int argc, char **argv);
int       ps_cli_cmd_gradients      (int argc, char **argv);
int       ps_cli_cmd_weight_tiles   (int argc, char **argv);
/* ps-cli-animate.c */
int       ps_cli_cmd_animate        (int argc, char **argv);
int       ps_cli_cmd_contact_sheet  (int argc, char **argv);
/* ps-cli-boundary.c */
int       ps_cli_cmd_boundary       (int argc, char **argv);
/* ps-cli-inspect.c */
int       ps_cli_cmd_inspect        (int argc, char **argv);
int       ps_cli_cmd_series         (int argc, char **argv);

G_END_DECLS
