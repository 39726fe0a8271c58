/* ps-cli.h — the paramscope-cli commands, as a library so tests can call them in-process. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs the CLI with argv; returns the process exit status. Writes to stdout/stderr. */
int ps_cli_main (int argc, char **argv);

G_END_DECLS
