/* ps-atomic-file.c — see ps-atomic-file.h. */
#include "ps-atomic-file.h"
#include "ps-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

struct _PsAtomicFile {
  char *path;
  char *temp_path;
  int fd;
  gboolean committed;
};

static void
set_errno_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s %s: %s", what, path, g_strerror (err));
}

PsAtomicFile *
ps_atomic_file_new (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  /* open(2) applies the umask to 0666, so the file gets the usual permissions. */
  int fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create a temporary file beside", path);
      return NULL;
    }
  PsAtomicFile *f = g_new0 (PsAtomicFile, 1);
  f->path = g_strdup (path);
  f->temp_path = g_steal_pointer (&tmpl);
  f->fd = fd;
  return f;
}

const char *
ps_atomic_file_get_temp_path (PsAtomicFile *f)
{
  return f->temp_path;
}

gboolean
ps_atomic_file_write (PsAtomicFile *f, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      ssize_t n = write (f->fd, p, MIN (len, (gsize) 1 << 30));
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (error, errno, "cannot write", f->temp_path);
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
ps_atomic_file_commit (PsAtomicFile *f, GError **error)
{
  g_return_val_if_fail (!f->committed, FALSE);
  if (fsync (f->fd) != 0)
    {
      set_errno_error (error, errno, "cannot sync", f->temp_path);
      return FALSE;
    }
  int fd = f->fd;
  f->fd = -1;
  if (close (fd) != 0)
    {
      set_errno_error (error, errno, "cannot close", f->temp_path);
      return FALSE;
    }
  if (g_rename (f->temp_path, f->path) != 0)
    {
      set_errno_error (error, errno, "cannot rename the temporary file to", f->path);
      return FALSE;
    }
  f->committed = TRUE;
  g_autofree char *dir = g_path_get_dirname (f->path);
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      (void) fsync (dfd);   /* best effort: some file systems refuse fsync on directories */
      close (dfd);
    }
  return TRUE;
}

void
ps_atomic_file_free (PsAtomicFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  if (!f->committed)
    g_unlink (f->temp_path);
  g_free (f->path);
  g_free (f->temp_path);
  g_free (f);
}

gboolean
ps_atomic_file_set_contents (const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr (PsAtomicFile) f = ps_atomic_file_new (path, error);
  return f != NULL && ps_atomic_file_write (f, data, len, error) && ps_atomic_file_commit (f, error);
}
