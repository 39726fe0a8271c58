/* ps-cli-export.h — `paramscope-cli to-pytorch RECIPE [-o SCRIPT.py]`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is the first argument after the command name (the ps-cli-private.h convention), so this
 * can be a row of ps_cli_commands as is. Writes the script to stdout, or atomically to -o FILE.
 * Exit status: 0, 1 (unreadable recipe, export error, write error), 2 (bad usage). */
int ps_cli_to_pytorch (int argc, char **argv);

G_END_DECLS
