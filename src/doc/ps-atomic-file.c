/* ps-atomic-file.c — see ps-atomic-file.h. */
#include "ps-atomic-file.h"
#include "ps-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_TAG ".paramscope-"

struct _PsAtomicFile {
  char *path;        /* what the user named */
  char *target;      /* the file replaced: path with its symlinks followed */
  char *temp_path;   /* NULL when writing through (a device, a FIFO) */
  int fd;
  gboolean committed;
};

static void
set_errno_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s %s: %s", what, path, g_strerror (err));
}

static const char *
kind_name (mode_t m)
{
  if (S_ISDIR (m))
    return "a directory";
  if (S_ISBLK (m))
    return "a block device";
  if (S_ISSOCK (m))
    return "a socket";
  if (S_ISCHR (m))
    return "a character device";
  if (S_ISFIFO (m))
    return "a FIFO";
  return "not a regular file";
}

/* Follows the symlinks of `path` (also a dangling one: the file it names will be created).
 * Returns a newly allocated path, or NULL with errno set (ELOOP after 40 links). */
static char *
follow_links (const char *path)
{
  g_autofree char *cur = g_strdup (path);
  for (int hops = 0; hops < 40; hops++)
    {
      struct stat st;
      if (lstat (cur, &st) != 0 || !S_ISLNK (st.st_mode))
        return g_steal_pointer (&cur);   /* missing or not a link: this is the target */
      g_autofree char *link = g_file_read_link (cur, NULL);
      if (link == NULL)
        return NULL;
      if (!g_path_is_absolute (link))
        {
          g_autofree char *dir = g_path_get_dirname (cur);
          g_free (cur);
          cur = g_build_filename (dir, link, NULL);
        }
      else
        {
          g_free (cur);
          cur = g_steal_pointer (&link);
        }
    }
  errno = ELOOP;
  return NULL;
}

/* Removes ".BASE.paramscope-PID-XXXXXX" files in dir whose process is gone. */
static void
clean_stale_temps (const char *dir, const char *base)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autofree char *prefix = g_strdup_printf (".%s" TEMP_TAG, base);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_prefix (name, prefix))
        continue;
      const char *p = name + strlen (prefix);
      char *end = NULL;
      errno = 0;
      long long pid = strtoll (p, &end, 10);
      if (errno != 0 || end == p || *end != '-' || strlen (end + 1) != 6 || pid <= 0 || pid > G_MAXINT)
        continue;
      if ((pid_t) pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;   /* its writer may still run */
      g_autofree char *full = g_build_filename (dir, name, NULL);
      struct stat st;
      if (lstat (full, &st) == 0 && S_ISREG (st.st_mode))
        g_unlink (full);
    }
}

PsAtomicFile *
ps_atomic_file_new (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (*path == '\0')
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_IO, "cannot write to an empty file name");
      return NULL;
    }
  g_autofree char *target = follow_links (path);
  if (target == NULL)
    {
      set_errno_error (error, errno, "cannot follow the links of", path);
      return NULL;
    }
  /* stat follows /proc magic links (/dev/stdout → a pipe) that follow_links cannot name */
  struct stat st;
  gboolean exists = stat (path, &st) == 0;
  if (exists && !S_ISREG (st.st_mode))
    {
      if (!S_ISCHR (st.st_mode) && !S_ISFIFO (st.st_mode))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot write %s: it is %s, not a file", path,
                       kind_name (st.st_mode));
          return NULL;
        }
      /* a device, a terminal or a pipe: write through it, never replace it. A FIFO without a
       * reader would block the open: refuse it instead. */
      int fd = open (path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (S_ISFIFO (st.st_mode) ? O_NONBLOCK : 0));
      if (fd < 0)
        {
          if (errno == ENXIO)
            g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot write %s: it is a FIFO with no reader", path);
          else
            set_errno_error (error, errno, "cannot open", path);
          return NULL;
        }
      if (S_ISFIFO (st.st_mode))
        (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
      PsAtomicFile *f = g_new0 (PsAtomicFile, 1);
      f->path = g_strdup (path);
      f->target = g_strdup (path);
      f->fd = fd;
      return f;
    }

  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  clean_stale_temps (dir, base);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s" TEMP_TAG "%d-XXXXXX", dir, base, (int) getpid ());
  /* open(2) applies the umask to 0666, so a new file gets the usual permissions */
  int fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create a temporary file beside", path);
      return NULL;
    }
  if (exists)
    {
      /* keep the replaced file's permissions (and owner, where allowed) */
      if (fchmod (fd, st.st_mode & 07777) != 0)
        {
          int err = errno;
          close (fd);
          g_unlink (tmpl);
          set_errno_error (error, err, "cannot keep the permissions of", path);
          return NULL;
        }
      if (st.st_uid != geteuid () || st.st_gid != getegid ())
        (void) !fchown (fd, st.st_uid, st.st_gid);   /* only root may: best effort */
    }
  PsAtomicFile *f = g_new0 (PsAtomicFile, 1);
  f->path = g_strdup (path);
  f->target = g_steal_pointer (&target);
  f->temp_path = g_steal_pointer (&tmpl);
  f->fd = fd;
  return f;
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
          set_errno_error (error, errno, "cannot write", f->temp_path ? f->temp_path : f->path);
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
  if (f->temp_path == NULL)
    {
      int fd = f->fd;
      f->fd = -1;
      f->committed = TRUE;
      if (close (fd) != 0)
        {
          set_errno_error (error, errno, "cannot write", f->path);
          return FALSE;
        }
      return TRUE;
    }
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
  if (g_rename (f->temp_path, f->target) != 0)
    {
      set_errno_error (error, errno, "cannot rename the temporary file to", f->target);
      return FALSE;
    }
  f->committed = TRUE;
  g_autofree char *dir = g_path_get_dirname (f->target);
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
  if (!f->committed && f->temp_path != NULL)
    g_unlink (f->temp_path);
  g_free (f->path);
  g_free (f->target);
  g_free (f->temp_path);
  g_free (f);
}

gboolean
ps_atomic_file_set_contents (const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr (PsAtomicFile) f = ps_atomic_file_new (path, error);
  return f != NULL && ps_atomic_file_write (f, data, len, error) && ps_atomic_file_commit (f, error);
}

gboolean
ps_atomic_file_check_not_input (const char *output, const char *input, GError **error)
{
  struct stat so, si;
  if (output == NULL || input == NULL || stat (output, &so) != 0 || stat (input, &si) != 0)
    return TRUE;
  if (!S_ISREG (so.st_mode) || so.st_dev != si.st_dev || so.st_ino != si.st_ino)
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "refusing to write %s: it is the input %s", output, input);
  return FALSE;
}
