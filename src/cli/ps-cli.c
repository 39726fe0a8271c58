/* ps-cli.c — placeholder; to be implemented. */
#include "ps-cli.h"
#include <stdio.h>

int
ps_cli_main (int argc, char **argv)
{
  fprintf (stderr, "paramscope-cli: not implemented yet\n");
  return 2;
}
