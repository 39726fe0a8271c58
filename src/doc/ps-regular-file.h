/* ps-regular-file.h — open a file for reading only if it is a regular file.
 *
 * Reading a FIFO blocks until a writer comes, /dev/zero never ends, a directory or a socket gives
 * an unclear error: every reader of a user-named file (recipes, checkpoints, load ops) opens it
 * here, which refuses anything but a regular file before reading a byte, naming the path and its
 * kind ("… is a FIFO, not a regular file"). The open itself cannot block (O_NONBLOCK, and the kind
 * is checked again on the descriptor, so a file swapped for a FIFO in between is refused too). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A read-only descriptor (close it), or -1 with an error. */
int          ps_regular_file_open (const char *path, GError **error);
/* The whole file, read once (at most max_bytes, else an error naming the limit). */
GBytes      *ps_regular_file_read (const char *path, guint64 max_bytes, GError **error);
/* A private read-only mapping of the whole file. */
GMappedFile *ps_regular_file_map  (const char *path, GError **error);
/* ps_regular_file_read for a local GFile; other URIs (GVFS) through g_file_load_contents, bounded. */
GBytes      *ps_regular_file_load (GFile *file, guint64 max_bytes, GError **error);

G_END_DECLS
