/* ps-regular-file.c — see ps-regular-file.h. */
#include "ps-regular-file.h"
#include "ps-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
kind_name (mode_t m)
{
  if (S_ISDIR (m))
    return "a directory";
  if (S_ISFIFO (m))
    return "a FIFO";
  if (S_ISSOCK (m))
    return "a socket";
  if (S_ISCHR (m))
    return "a character device";
  if (S_ISBLK (m))
    return "a block device";
  return "not a regular file";
}

static gboolean
check_kind (const char *path, const struct stat *st, GError **error)
{
  if (S_ISREG (st->st_mode))
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot read %s: it is %s, not a regular file", path,
               kind_name (st->st_mode));
  return FALSE;
}

int
ps_regular_file_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, -1);
  struct stat st;
  if (stat (path, &st) != 0)
    {
      int err = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, g_strerror (err));
      return -1;
    }
  if (!check_kind (path, &st, error))
    return -1;
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, g_strerror (err));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !check_kind (path, &st, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, g_strerror (errno));
      close (fd);
      return -1;
    }
  (void) fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

GBytes *
ps_regular_file_read (const char *path, guint64 max_bytes, GError **error)
{
  int fd = ps_regular_file_open (path, error);
  if (fd < 0)
    return NULL;
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot read %s: %s", path, g_strerror (errno));
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > max_bytes)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s: %" G_GUINT64_FORMAT " bytes, more than the limit of %" G_GUINT64_FORMAT " bytes", path,
                   (guint64) st.st_size, max_bytes);
      close (fd);
      return NULL;
    }
  /* read what is there now; a file growing meanwhile is read up to the limit */
  gsize cap = (gsize) st.st_size + 1, len = 0;
  guint8 *buf = g_try_malloc (cap);
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "cannot read %s: out of memory for %" G_GSIZE_FORMAT " bytes",
                   path, cap);
      close (fd);
      return NULL;
    }
  for (;;)
    {
      if (len == cap)
        {
          if ((guint64) cap > max_bytes)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                           "%s: more than the limit of %" G_GUINT64_FORMAT " bytes", path, max_bytes);
              g_free (buf);
              close (fd);
              return NULL;
            }
          gsize ncap = MIN ((guint64) cap * 2, max_bytes + 1);
          guint8 *nb = g_try_realloc (buf, ncap);
          if (nb == NULL)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "cannot read %s: out of memory", path);
              g_free (buf);
              close (fd);
              return NULL;
            }
          buf = nb;
          cap = ncap;
        }
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot read %s: %s", path, g_strerror (errno));
          g_free (buf);
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  return g_bytes_new_take (buf, len);
}

GMappedFile *
ps_regular_file_map (const char *path, GError **error)
{
  int fd = ps_regular_file_open (path, error);
  if (fd < 0)
    return NULL;
  g_autoptr (GError) local = NULL;
  GMappedFile *map = g_mapped_file_new_from_fd (fd, FALSE, &local);
  close (fd);   /* the mapping stays valid */
  if (map == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot open %s: %s", path, local->message);
  return map;
}

GBytes *
ps_regular_file_load (GFile *file, guint64 max_bytes, GError **error)
{
  const char *path = g_file_peek_path (file);
  if (path != NULL)
    return ps_regular_file_read (path, max_bytes, error);
  char *data = NULL;
  gsize len = 0;
  if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
    return NULL;
  if ((guint64) len > max_bytes)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s: %" G_GSIZE_FORMAT " bytes, more than the limit of %" G_GUINT64_FORMAT " bytes", uri, len,
                   max_bytes);
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}
