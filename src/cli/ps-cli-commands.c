/* ps-cli-commands.c — the table of paramscope-cli commands, in the order --help lists them. */
#include "ps-cli-private.h"

const PsCliCommand ps_cli_commands[] = {
  { "run", "replay a recipe; write the state dict / outputs as safetensors", ps_cli_cmd_run },
  { "describe", "print a recipe's timeline, model and parameter table", ps_cli_cmd_describe },
  { NULL }
};
