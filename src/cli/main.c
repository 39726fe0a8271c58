#include "ps-cli.h"
#include "ps-ops.h"

#include <stdio.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  int status = ps_cli_main (argc, argv);
  if (ps_ops_blas_stuck ())
    {
      /* OpenBLAS could not map its work buffer (see ps_ops_blas_ready): its exit handler would join
       * a worker that retries that allocation forever, so the error exit would hang. Leave without
       * running it, once everything we wrote is flushed. */
      if (fflush (NULL) != 0 && status == 0)
        status = 1;
      _exit (status);
    }
  return status;
}
