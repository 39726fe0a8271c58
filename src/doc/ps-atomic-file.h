/* ps-atomic-file.h — write a file so that readers see either the old file or the complete new one.
 *
 * The data goes to a temporary file in the same directory (so rename(2) cannot cross file
 * systems), which is fsync'ed and renamed over the destination on commit; the directory is
 * fsync'ed too so the rename survives a crash. Abort (or freeing an uncommitted file) removes the
 * temporary file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PsAtomicFile PsAtomicFile;

PsAtomicFile *ps_atomic_file_new       (const char *path, GError **error);
/* The temporary file's path (for writers such as libzip that want a path). */
const char   *ps_atomic_file_get_temp_path (PsAtomicFile *f);
gboolean      ps_atomic_file_write     (PsAtomicFile *f, const void *data, gsize len, GError **error);
/* fsync, close, rename over the destination, fsync the directory. */
gboolean      ps_atomic_file_commit    (PsAtomicFile *f, GError **error);
/* Removes the temporary file (if not committed) and frees. */
void          ps_atomic_file_free      (PsAtomicFile *f);

/* Convenience: the whole contents at once. */
gboolean      ps_atomic_file_set_contents (const char *path, const void *data, gsize len,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsAtomicFile, ps_atomic_file_free)

G_END_DECLS
