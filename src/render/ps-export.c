/* ps-export.c — see ps-export.h. */
#include "ps-export.h"
#include "ps-atomic-file.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

gboolean
ps_export_format_for_path (const char *path, PsExportFormat *format, GError **error)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');
  if (dot && (!slash || dot > slash))
    {
      if (g_ascii_strcasecmp (dot, ".png") == 0)
        *format = PS_EXPORT_PNG;
      else if (g_ascii_strcasecmp (dot, ".svg") == 0)
        *format = PS_EXPORT_SVG;
      else if (g_ascii_strcasecmp (dot, ".pdf") == 0)
        *format = PS_EXPORT_PDF;
      else
        dot = NULL;
    }
  else
    dot = NULL;
  if (dot == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot tell the picture format of “%s”: use a .png, .svg or .pdf name", path);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  PsAtomicFile *file;
  GError *err;   /* the first failed write */
} Sink;

static gboolean
write_all (Sink *s, const unsigned char *data, gsize len)
{
  return s->err == NULL && ps_atomic_file_write (s->file, data, len, &s->err);
}

static cairo_status_t
sink_write (void *closure, const unsigned char *data, unsigned int len)
{
  return write_all (closure, data, len) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_status_t
bytes_write (void *closure, const unsigned char *data, unsigned int len)
{
  g_byte_array_append (closure, data, len);
  return CAIRO_STATUS_SUCCESS;
}

static guint32
crc32_png (const guint8 *p, gsize n)
{
  static guint32 table[256];
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;
          for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[i] = c;
        }
      g_once_init_leave (&init, 1);
    }
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < n; i++)
    c = table[(c ^ p[i]) & 255] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* Insert a pHYs chunk (pixels per metre) right after IHDR (signature 8 + IHDR 25 bytes). */
static void
png_set_dpi (GByteArray *png, double dpi)
{
  if (png->len < 33 || dpi <= 0)
    return;
  guint32 ppm = (guint32) lround (dpi / 0.0254);
  guint8 chunk[21];
  put_be32 (chunk, 9);
  memcpy (chunk + 4, "pHYs", 4);
  put_be32 (chunk + 8, ppm);
  put_be32 (chunk + 12, ppm);
  chunk[16] = 1;   /* unit: metre */
  put_be32 (chunk + 17, crc32_png (chunk + 4, 13));
  g_byte_array_set_size (png, png->len + sizeof chunk);
  memmove (png->data + 33 + sizeof chunk, png->data + 33, png->len - 33 - sizeof chunk);
  memcpy (png->data + 33, chunk, sizeof chunk);
}

static gboolean
cairo_error (GError **error, const char *path, cairo_status_t st)
{
  g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot draw “%s”: %s", path,
               cairo_status_to_string (st));
  return FALSE;
}

static void
draw_page (cairo_t *cr, double width, double height, PsDrawFunc draw, gpointer data)
{
  cairo_save (cr);
  draw (cr, width, height, data);
  cairo_restore (cr);
}

/* Render into the open temporary file. */
static gboolean
render (Sink *sink, const char *path, PsExportFormat fmt, double width, double height,
        double scale, double dpi, guint n_pages, const PsDrawFunc *draws, gpointer const *datas,
        GError **error)
{
  cairo_status_t st;
  if (fmt == PS_EXPORT_PNG)
    {
      int pw = (int) ceil (width * scale), ph = (int) ceil (height * scale);
      cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
      cairo_t *cr = cairo_create (surf);
      cairo_scale (cr, scale, scale);
      draw_page (cr, width, height, draws[0], datas[0]);
      st = cairo_status (cr);
      cairo_destroy (cr);
      GByteArray *png = g_byte_array_new ();
      if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream (surf, bytes_write, png);
      cairo_surface_destroy (surf);
      if (st != CAIRO_STATUS_SUCCESS)
        {
          g_byte_array_unref (png);
          return cairo_error (error, path, st);
        }
      png_set_dpi (png, dpi);
      gboolean ok = write_all (sink, png->data, png->len);
      g_byte_array_unref (png);
      if (!ok)
        {
          g_propagate_error (error, g_steal_pointer (&sink->err));
          return FALSE;
        }
      return TRUE;
    }

  cairo_surface_t *surf;
  if (fmt == PS_EXPORT_SVG)
    surf = cairo_svg_surface_create_for_stream (sink_write, sink, width, height);
  else
    surf = cairo_pdf_surface_create_for_stream (sink_write, sink, width, height);
  cairo_t *cr = cairo_create (surf);
  for (guint i = 0; i < n_pages; i++)
    {
      draw_page (cr, width, height, draws[i], datas[i]);
      cairo_show_page (cr);
    }
  st = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surf);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status (surf);
  cairo_surface_destroy (surf);
  if (sink->err != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&sink->err));
      return FALSE;
    }
  if (st != CAIRO_STATUS_SUCCESS)
    return cairo_error (error, path, st);
  return TRUE;
}

gboolean
ps_export_pages (const char *path, double width, double height, double scale, double dpi,
                 guint n_pages, const PsDrawFunc *draws, gpointer const *datas, GError **error)
{
  g_return_val_if_fail (path != NULL && draws != NULL, FALSE);
  PsExportFormat fmt;
  if (!ps_export_format_for_path (path, &fmt, error))
    return FALSE;
  if (!(width > 0 && height > 0 && isfinite (width) && isfinite (height)) ||
      (fmt == PS_EXPORT_PNG && !(scale > 0 && isfinite (scale))) || !(dpi >= 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot export “%s”: size %g × %g at scale %g is not valid", path, width,
                   height, scale);
      return FALSE;
    }
  if (fmt == PS_EXPORT_PNG &&
      (ceil (width * scale) > PS_EXPORT_MAX_PIXELS || ceil (height * scale) > PS_EXPORT_MAX_PIXELS))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot export “%s”: %.0f × %.0f pixels is larger than %d per side", path,
                   ceil (width * scale), ceil (height * scale), PS_EXPORT_MAX_PIXELS);
      return FALSE;
    }
  if (n_pages == 0 || (n_pages > 1 && fmt != PS_EXPORT_PDF))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot export %u pages to “%s”: only PDF holds several pages", n_pages, path);
      return FALSE;
    }

  /* a temporary file renamed over a regular file; a device or pipe written through; links followed */
  g_autoptr (PsAtomicFile) file = ps_atomic_file_new (path, error);
  if (file == NULL)
    return FALSE;
  Sink sink = { file, NULL };
  gboolean ok = render (&sink, path, fmt, width, height, scale, dpi, n_pages, draws, datas, error);
  g_clear_error (&sink.err);
  return ok && ps_atomic_file_commit (file, error);
}

gboolean
ps_export_picture (const char *path, double width, double height, double scale, double dpi,
                   PsDrawFunc draw, gpointer data, GError **error)
{
  gpointer datas[1] = { data };
  return ps_export_pages (path, width, height, scale, dpi, 1, &draw, datas, error);
}
