/* tmp-dir-util.h — removing a test's temporary folder (g_dir_make_tmp) with everything in it.
 * Shared by the tests that write files (also through picture-test-util.h). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Removes dir and everything below it; what is not there is passed over. */
static inline void
rm_rf (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}
