/* ps-atomic-file.h — write a file so that readers see either the old file or the complete new one,
 * and never destroy what is not the file's.
 *
 * A regular file (or a new one) is written through a temporary file in the same directory (so
 * rename(2) cannot cross file systems), which is fsync'ed and renamed over the destination on
 * commit; the directory is fsync'ed too so the rename survives a crash. The existing file's
 * permissions (and, for root, owner) are kept. A symlink is followed: its final target is
 * replaced, never the link. A destination that exists and is a character device, a FIFO or a
 * terminal (/dev/null, /dev/stdout, a named pipe) is written through directly (there is nothing
 * to replace atomically); a directory, a block device or a socket is refused.
 *
 * Temporary files are named ".NAME.paramscope-PID-XXXXXX"; one left by a process that no longer
 * runs (killed mid-write) is removed by the next write of the same NAME. Abort (or freeing an
 * uncommitted file) removes the temporary file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PsAtomicFile PsAtomicFile;

PsAtomicFile *ps_atomic_file_new       (const char *path, GError **error);
gboolean      ps_atomic_file_write     (PsAtomicFile *f, const void *data, gsize len, GError **error);
/* fsync, close, rename over the destination, fsync the directory (a device or FIFO: close). */
gboolean      ps_atomic_file_commit    (PsAtomicFile *f, GError **error);
/* Removes the temporary file (if not committed) and frees. */
void          ps_atomic_file_free      (PsAtomicFile *f);

/* Convenience: the whole contents at once. */
gboolean      ps_atomic_file_set_contents (const char *path, const void *data, gsize len,
                                           GError **error);

/* Refuses (FALSE with a message naming both) to write `output` when it is the same file as
 * `input` (same device and inode, through any link); TRUE when either does not exist. */
gboolean      ps_atomic_file_check_not_input (const char *output, const char *input, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsAtomicFile, ps_atomic_file_free)

G_END_DECLS
