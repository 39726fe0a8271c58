#include "ps-cli.h"

int
main (int argc, char **argv)
{
  return ps_cli_main (argc, argv);
}
