/* ps-cli-escape.c — names are data, not terminal commands.
 *
 * Tensor names, file names and recipe strings reach the terminal inside every command's output.
 * A name holding ESC sequences could recolour, retitle or rewrite the user's terminal, so
 * standard output and standard error are filtered once, here, for every command: C0 control
 * bytes other than newline and tab, DEL and C1 controls (U+0080–U+009F) are written as \xNN /
 * \uNNNN, and bytes that are not UTF-8 as \xNN. Legitimate output (tables, JSON, scripts) holds
 * none of them, so it passes unchanged. */
#include "ps-cli-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  int fd;
  guint8 pending[4];   /* the start of a UTF-8 sequence split across two writes */
  gsize n_pending;
} Sink;

static gboolean
write_fd (int fd, const char *p, gsize n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += w;
      n -= (gsize) w;
    }
  return TRUE;
}

/* Escapes data into out; leaves an incomplete trailing UTF-8 sequence in s->pending. */
static void
escape_into (Sink *s, const guint8 *d, gsize n, gboolean final, GString *out)
{
  gsize i = 0;
  while (i < n)
    {
      guint8 c = d[i];
      if (c < 0x80)
        {
          if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            g_string_append_printf (out, "\\x%02x", c);
          else
            g_string_append_c (out, (char) c);
          i++;
          continue;
        }
      gunichar u = g_utf8_get_char_validated ((const char *) d + i, (gssize) (n - i));
      if (u == (gunichar) -2 && !final && n - i < 4)
        {
          memcpy (s->pending, d + i, n - i);
          s->n_pending = n - i;
          return;
        }
      if (u == (gunichar) -1 || u == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", c);
          i++;
          continue;
        }
      gsize len = (gsize) (g_utf8_next_char ((const char *) d + i) - ((const char *) d + i));
      if (u >= 0x80 && u <= 0x9f)
        g_string_append_printf (out, "\\u%04x", u);
      else
        g_string_append_len (out, (const char *) d + i, (gssize) len);
      i += len;
    }
}

static ssize_t
sink_write (void *cookie, const char *buf, size_t size)
{
  Sink *s = cookie;
  g_autoptr (GString) out = g_string_sized_new (size + 16);
  if (s->n_pending > 0)
    {
      /* a sequence split by the previous write continues here */
      g_autofree guint8 *joined = g_malloc (s->n_pending + size);
      memcpy (joined, s->pending, s->n_pending);
      memcpy (joined + s->n_pending, buf, size);
      gsize total = s->n_pending + size;
      s->n_pending = 0;
      escape_into (s, joined, total, FALSE, out);
    }
  else
    escape_into (s, (const guint8 *) buf, size, FALSE, out);
  return write_fd (s->fd, out->str, out->len) ? (ssize_t) size : -1;
}

static int
sink_close (void *cookie)
{
  Sink *s = cookie;
  int ret = 0;
  if (s->n_pending > 0)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      escape_into (s, s->pending, s->n_pending, TRUE, out);
      s->n_pending = 0;
      if (!write_fd (s->fd, out->str, out->len))
        ret = -1;
    }
  g_free (s);
  return ret;
}

static FILE *
escaping_stream (int fd, int mode)
{
  Sink *s = g_new0 (Sink, 1);
  s->fd = fd;
  cookie_io_functions_t io = { .write = sink_write, .close = sink_close };
  FILE *f = fopencookie (s, "w", io);
  if (f == NULL)
    {
      g_free (s);
      return NULL;
    }
  setvbuf (f, NULL, mode, BUFSIZ);
  return f;
}

void
ps_cli_escape_std_streams (void)
{
  FILE *out = escaping_stream (STDOUT_FILENO, isatty (STDOUT_FILENO) ? _IOLBF : _IOFBF);
  FILE *err = escaping_stream (STDERR_FILENO, _IONBF);
  if (out != NULL)
    stdout = out;
  if (err != NULL)
    stderr = err;
}

char *
ps_cli_json_string (const char *s)
{
  return g_utf8_make_valid (s, -1);
}
