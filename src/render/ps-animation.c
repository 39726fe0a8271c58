/* ps-animation.c — see ps-animation.h. */
#include "ps-animation.h"
#include "ps-atomic-file.h"
#include "ps-error.h"

#include <errno.h>
#include <gif_lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_SLOTS 224

void
ps_animation_options_init (PsAnimationOptions *o, double width, double height)
{
  memset (o, 0, sizeof *o);
  o->width = width;
  o->height = height;
  o->scale = 1;
  o->delay_cs = 50;
}

void
ps_animation_options_keep_colormap (PsAnimationOptions *o, PsColormapKind kind)
{
  static guint32 tables[PS_COLORMAP_N][259];
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      for (int k = 0; k < PS_COLORMAP_N; k++)
        {
          const PsColormap *cm = ps_colormap_get (k);
          memcpy (tables[k], cm->lut, sizeof cm->lut);
          tables[k][256] = cm->nan_color;
          tables[k][257] = cm->posinf_color;
          tables[k][258] = cm->neginf_color;
        }
      g_once_init_leave (&init, 1);
    }
  g_return_if_fail (kind < PS_COLORMAP_N);
  o->keep_colors = tables[kind];
  o->n_keep = 259;
}

/* ---- palette ---------------------------------------------------------------------------------- */

static int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static gssize
find_u32 (const guint32 *sorted, gsize n, guint32 v)
{
  gsize lo = 0, hi = n;
  while (lo < hi)
    {
      gsize mid = (lo + hi) / 2;
      if (sorted[mid] < v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < n && sorted[lo] == v ? (gssize) lo : -1;
}

typedef struct {
  guint32 color;
  guint32 count;
  gboolean keep;
} Entry;

static int
cmp_entry_color (const void *a, const void *b)
{
  const Entry *x = a, *y = b;
  return x->color < y->color ? -1 : x->color > y->color;
}

static int
cmp_priority (const void *a, const void *b)
{
  const Entry *x = a, *y = b;
  if (x->keep != y->keep)
    return x->keep ? -1 : 1;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->color < y->color ? -1 : x->color > y->color;
}

static int
cmp_channel (gconstpointer a, gconstpointer b, gpointer data)
{
  const Entry *x = a, *y = b;
  int sh = GPOINTER_TO_INT (data);
  int cx = (x->color >> sh) & 255, cy = (y->color >> sh) & 255;
  if (cx != cy)
    return cx - cy;
  return x->color < y->color ? -1 : x->color > y->color;
}

static int
channel_extent (const Entry *e, gsize n, int *channel)
{
  int best = -1;
  for (int sh = 0; sh < 24; sh += 8)
    {
      int lo = 255, hi = 0;
      for (gsize i = 0; i < n; i++)
        {
          int v = (e[i].color >> sh) & 255;
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
      if (hi - lo > best)
        {
          best = hi - lo;
          *channel = sh;
        }
    }
  return best;
}

/* Median cut of e[0..n) into at most k boxes; box means (count-weighted) into out. */
static guint
median_cut (Entry *e, gsize n, guint k, guint32 *out)
{
  if (n == 0 || k == 0)
    return 0;
  gsize *start = g_new (gsize, k + 1), *end = g_new (gsize, k + 1);
  guint nb = 1;
  start[0] = 0;
  end[0] = n;
  while (nb < k)
    {
      /* split the box with the widest channel extent (weighted by how many pixels it holds) */
      int best = -1, best_ch = 0;
      double best_score = 0;
      for (guint b = 0; b < nb; b++)
        {
          if (end[b] - start[b] < 2)
            continue;
          int ch = 0;
          int ext = channel_extent (e + start[b], end[b] - start[b], &ch);
          double w = 0;
          for (gsize i = start[b]; i < end[b]; i++)
            w += e[i].count;
          double score = ext * sqrt (w);
          if (ext > 0 && score > best_score)
            {
              best_score = score;
              best = (int) b;
              best_ch = ch;
            }
        }
      if (best < 0)
        break;
      /* sorting with data instead of a static channel: GIFs may be written from several threads */
      g_qsort_with_data (e + start[best], (gint) (end[best] - start[best]), sizeof *e, cmp_channel,
                         GINT_TO_POINTER (best_ch));
      double total = 0, acc = 0;
      for (gsize i = start[best]; i < end[best]; i++)
        total += e[i].count;
      gsize cut = start[best] + 1;
      for (gsize i = start[best]; i + 1 < end[best]; i++)
        {
          acc += e[i].count;
          cut = i + 1;
          if (acc >= total / 2)
            break;
        }
      start[nb] = cut;
      end[nb] = end[best];
      end[best] = cut;
      nb++;
    }
  for (guint b = 0; b < nb; b++)
    {
      double r = 0, g = 0, bl = 0, w = 0;
      for (gsize i = start[b]; i < end[b]; i++)
        {
          r += ((e[i].color >> 16) & 255) * (double) e[i].count;
          g += ((e[i].color >> 8) & 255) * (double) e[i].count;
          bl += (e[i].color & 255) * (double) e[i].count;
          w += e[i].count;
        }
      out[b] = ((guint32) lround (r / w) << 16) | ((guint32) lround (g / w) << 8) | (guint32) lround (bl / w);
    }
  g_free (start);
  g_free (end);
  return nb;
}

static guint
nearest (const guint32 *pal, guint n, guint32 c)
{
  guint best = 0;
  int best_d = G_MAXINT;
  int r = (c >> 16) & 255, g = (c >> 8) & 255, b = c & 255;
  for (guint i = 0; i < n; i++)
    {
      int dr = r - (int) ((pal[i] >> 16) & 255), dg = g - (int) ((pal[i] >> 8) & 255),
          db = b - (int) (pal[i] & 255);
      /* weights for perceived difference (green counts most) */
      int d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
      if (d < best_d)
        {
          best_d = d;
          best = i;
        }
    }
  return best;
}

guint
ps_animation_quantize (const guint8 *pixels, int w, int h, int stride, const guint32 *keep,
                       gsize n_keep, guint8 *indices, guint32 palette[256])
{
  gsize n = (gsize) w * h;
  if (n == 0)
    return 0;
  /* runs of equal pixels first (flat areas are most of a figure), then sort the runs: far fewer
   * items than pixels to sort */
  Entry *runs = g_new (Entry, n);
  gsize nr = 0;
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (pixels + (gsize) y * stride);
      for (int x = 0; x < w; x++)
        {
          guint32 c = row[x] & 0xffffffu;
          if (nr > 0 && runs[nr - 1].color == c)
            runs[nr - 1].count++;
          else
            runs[nr++] = (Entry) { c, 1, FALSE };
        }
    }
  qsort (runs, nr, sizeof *runs, cmp_entry_color);
  /* distinct colours and their counts */
  guint32 *colors = g_new (guint32, nr), *counts = g_new (guint32, nr);
  gsize nd = 0;
  for (gsize i = 0; i < nr; i++)
    {
      if (nd > 0 && colors[nd - 1] == runs[i].color)
        counts[nd - 1] += runs[i].count;
      else
        {
          colors[nd] = runs[i].color;
          counts[nd] = runs[i].count;
          nd++;
        }
    }
  g_free (runs);
  guint8 *slot = g_new (guint8, nd);
  guint n_pal;
  if (nd <= 256)
    {
      for (gsize i = 0; i < nd; i++)
        {
          palette[i] = colors[i];
          slot[i] = (guint8) i;
        }
      n_pal = (guint) nd;
    }
  else
    {
      guint32 *keep_sorted = g_new (guint32, n_keep + 1);
      for (gsize i = 0; i < n_keep; i++)
        keep_sorted[i] = keep[i] & 0xffffffu;
      qsort (keep_sorted, n_keep, sizeof *keep_sorted, cmp_u32);
      Entry *e = g_new (Entry, nd);
      for (gsize i = 0; i < nd; i++)
        e[i] = (Entry) { colors[i], counts[i], n_keep && find_u32 (keep_sorted, n_keep, colors[i]) >= 0 };
      g_free (keep_sorted);
      qsort (e, nd, sizeof *e, cmp_priority);
      guint n_exact = EXACT_SLOTS;
      for (guint i = 0; i < n_exact; i++)
        palette[i] = e[i].color;
      n_pal = n_exact + median_cut (e + n_exact, nd - n_exact, 256 - n_exact, palette + n_exact);
      for (gsize i = 0; i < nd; i++)
        {
          /* exact colours keep their slot; the others go to the nearest entry */
          gssize k = -1;
          for (guint j = 0; j < n_exact && k < 0; j++)
            if (palette[j] == colors[i])
              k = j;
          slot[i] = (guint8) (k >= 0 ? (guint) k : nearest (palette, n_pal, colors[i]));
        }
      g_free (e);
    }
  guint32 last = 0x1000000u;   /* no colour: the first pixel looks up */
  guint8 last_slot = 0;
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (pixels + (gsize) y * stride);
      for (int x = 0; x < w; x++)
        {
          guint32 c = row[x] & 0xffffffu;
          if (c != last)
            {
              last = c;
              last_slot = slot[find_u32 (colors, nd, c)];
            }
          indices[(gsize) y * w + x] = last_slot;
        }
    }
  g_free (slot);
  g_free (counts);
  g_free (colors);
  return n_pal;
}

/* ---- frames ----------------------------------------------------------------------------------- */

static gboolean
check_options (const char *path, guint n_frames, const PsAnimationOptions *o, GError **error)
{
  if (n_frames == 0 || n_frames > PS_ANIMATION_MAX_FRAMES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot write “%s”: %u frames is not in 1..%d", path, n_frames, PS_ANIMATION_MAX_FRAMES);
      return FALSE;
    }
  if (!(o->width > 0 && o->height > 0 && isfinite (o->width) && isfinite (o->height) &&
        o->scale > 0 && isfinite (o->scale)))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot write “%s”: frame size %g × %g at scale %g is not valid", path, o->width,
                   o->height, o->scale);
      return FALSE;
    }
  return TRUE;
}

/* The frame as opaque pixels (drawn over white). */
static cairo_surface_t *
render_frame (guint i, PsFrameDrawFunc draw, gpointer data, const PsAnimationOptions *o, int pw,
              int ph)
{
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_RGB24, pw, ph);
  cairo_t *cr = cairo_create (surf);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, o->scale, o->scale);
  cairo_save (cr);
  draw (cr, o->width, o->height, i, data);
  cairo_restore (cr);
  cairo_status_t st = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surf);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surf);
      return NULL;
    }
  return surf;
}

typedef struct {
  PsAtomicFile *file;
  GError *error;
} GifSink;

static int
gif_write (GifFileType *gif, const GifByteType *buf, int len)
{
  GifSink *sink = gif->UserData;
  if (sink->error)
    return 0;
  if (!ps_atomic_file_write (sink->file, buf, (gsize) len, &sink->error))
    return 0;
  return len;
}

static ColorMapObject *
make_map (const guint32 *pal, guint n)
{
  int size = 2;
  while (size < (int) n)
    size *= 2;
  GifColorType colors[256];
  memset (colors, 0, sizeof colors);
  for (guint i = 0; i < n; i++)
    colors[i] = (GifColorType) { (pal[i] >> 16) & 255, (pal[i] >> 8) & 255, pal[i] & 255 };
  return GifMakeMapObject (size, colors);
}

static gboolean
gif_failed (GError **error, const char *path, GifSink *sink, int code)
{
  if (sink->error)
    {
      g_propagate_error (error, sink->error);
      sink->error = NULL;
    }
  else
    g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot write the GIF “%s”: %s", path,
                 GifErrorString (code) ? GifErrorString (code) : "unknown giflib error");
  return FALSE;
}

gboolean
ps_animation_write_gif (const char *path, guint n_frames, PsFrameDrawFunc draw, gpointer data,
                        const PsAnimationOptions *o, GError **error)
{
  g_return_val_if_fail (path != NULL && draw != NULL && o != NULL, FALSE);
  if (!check_options (path, n_frames, o, error))
    return FALSE;
  double pwf = ceil (o->width * o->scale), phf = ceil (o->height * o->scale);
  if (pwf > PS_ANIMATION_GIF_MAX_SIDE || phf > PS_ANIMATION_GIF_MAX_SIDE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot write “%s”: %.0f × %.0f pixels is larger than %d per side", path, pwf,
                   phf, PS_ANIMATION_GIF_MAX_SIDE);
      return FALSE;
    }
  for (guint i = 0; o->delays_cs && i < n_frames; i++)
    if (o->delays_cs[i] > 65535)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "cannot write “%s”: frame %u's delay %u cs is more than 65535", path, i + 1,
                     o->delays_cs[i]);
        return FALSE;
      }
  if (o->delay_cs > 65535 || o->loop > 65535 || o->loop < -1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "cannot write “%s”: delay %u cs or loop count %d out of range", path,
                   o->delay_cs, o->loop);
      return FALSE;
    }
  int pw = (int) pwf, ph = (int) phf;
  g_autoptr (PsAtomicFile) file = ps_atomic_file_new (path, error);
  if (file == NULL)
    return FALSE;
  GifSink sink = { file, NULL };
  int code = 0;
  GifFileType *gif = EGifOpen (&sink, gif_write, &code);
  if (gif == NULL)
    return gif_failed (error, path, &sink, code);
  EGifSetGifVersion (gif, true);
  guint8 *indices = g_new (guint8, (gsize) pw * ph);
  gboolean ok = TRUE;
  for (guint i = 0; i < n_frames && ok; i++)
    {
      cairo_surface_t *surf = render_frame (i, draw, data, o, pw, ph);
      if (surf == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot draw frame %u of “%s”", i + 1, path);
          ok = FALSE;
          break;
        }
      guint32 pal[256];
      guint n_pal = ps_animation_quantize (cairo_image_surface_get_data (surf), pw, ph,
                                           cairo_image_surface_get_stride (surf), o->keep_colors,
                                           o->n_keep, indices, pal);
      cairo_surface_destroy (surf);
      ColorMapObject *map = make_map (pal, n_pal);
      if (i == 0)
        {
          if (EGifPutScreenDesc (gif, pw, ph, 8, 0, map) == GIF_ERROR)
            ok = FALSE;
          if (ok && o->loop >= 0)
            {
              unsigned char loop[3] = { 1, o->loop & 255, (o->loop >> 8) & 255 };
              ok = EGifPutExtensionLeader (gif, APPLICATION_EXT_FUNC_CODE) != GIF_ERROR &&
                   EGifPutExtensionBlock (gif, 11, "NETSCAPE2.0") != GIF_ERROR &&
                   EGifPutExtensionBlock (gif, 3, loop) != GIF_ERROR &&
                   EGifPutExtensionTrailer (gif) != GIF_ERROR;
            }
        }
      GraphicsControlBlock gcb = { DISPOSE_DO_NOT, false,
                                   (int) (o->delays_cs ? o->delays_cs[i] : o->delay_cs),
                                   NO_TRANSPARENT_COLOR };
      GifByteType ext[4];
      size_t len = EGifGCBToExtension (&gcb, ext);
      ok = ok && EGifPutExtension (gif, GRAPHICS_EXT_FUNC_CODE, (int) len, ext) != GIF_ERROR;
      /* frame 0 uses the global table (the same palette); later frames their own */
      ok = ok && EGifPutImageDesc (gif, 0, 0, pw, ph, false, i == 0 ? NULL : map) != GIF_ERROR;
      for (int y = 0; ok && y < ph; y++)
        ok = EGifPutLine (gif, indices + (gsize) y * pw, pw) != GIF_ERROR;
      GifFreeMapObject (map);
      if (!ok)
        code = gif->Error;
    }
  g_free (indices);
  if (!ok)
    {
      int ignored;
      EGifCloseFile (gif, &ignored);
      if (error && *error)
        return FALSE;
      return gif_failed (error, path, &sink, code);
    }
  if (EGifCloseFile (gif, &code) == GIF_ERROR)
    return gif_failed (error, path, &sink, code);
  if (sink.error)
    return gif_failed (error, path, &sink, 0);
  return ps_atomic_file_commit (file, error);
}

/* ---- series and contact sheets ---------------------------------------------------------------- */

typedef struct {
  PsFrameDrawFunc draw;
  gpointer data;
  guint frame;
} OneFrame;

static void
one_frame_draw (cairo_t *cr, double width, double height, gpointer data)
{
  OneFrame *f = data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  f->draw (cr, width, height, f->frame, f->data);
}

static const char *
format_ext (PsExportFormat f)
{
  return f == PS_EXPORT_PNG ? "png" : f == PS_EXPORT_SVG ? "svg" : "pdf";
}

gboolean
ps_animation_write_series (const char *dir, const char *stem, PsExportFormat format,
                           guint n_frames, PsFrameDrawFunc draw, gpointer data,
                           const PsAnimationOptions *o, GPtrArray *written, GError **error)
{
  g_return_val_if_fail (dir != NULL && stem != NULL && draw != NULL && o != NULL, FALSE);
  if (!check_options (dir, n_frames, o, error))
    return FALSE;
  if (*stem == '\0' || strchr (stem, '/') != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "series name “%s” must be a non-empty file name without '/'", stem);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int err = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "cannot create the folder “%s”: %s", dir,
                   g_strerror (err));
      return FALSE;
    }
  int digits = MAX (4, (int) floor (log10 (n_frames)) + 1);
  for (guint i = 0; i < n_frames; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%0*u.%s", stem, digits, i + 1, format_ext (format));
      g_autofree char *path = g_build_filename (dir, name, NULL);
      OneFrame f = { draw, data, i };
      g_autoptr (GError) local = NULL;
      if (!ps_export_picture (path, o->width, o->height, o->scale, o->dpi, one_frame_draw, &f, &local))
        {
          g_set_error (error, local->domain, local->code, "frame %u of %u: %s", i + 1, n_frames,
                       local->message);
          return FALSE;
        }
      if (written)
        g_ptr_array_add (written, g_steal_pointer (&path));
    }
  return TRUE;
}

typedef struct {
  PsFrameDrawFunc draw;
  gpointer data;
  guint n_frames, columns;
  double fw, fh, gap;
} Sheet;

static void
sheet_draw (cairo_t *cr, double width, double height, gpointer data)
{
  Sheet *sh = data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  for (guint i = 0; i < sh->n_frames; i++)
    {
      double x = sh->gap + (i % sh->columns) * (sh->fw + sh->gap);
      double y = sh->gap + (i / sh->columns) * (sh->fh + sh->gap);
      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rectangle (cr, 0, 0, sh->fw, sh->fh);
      cairo_clip (cr);
      sh->draw (cr, sh->fw, sh->fh, i, sh->data);
      cairo_restore (cr);
      /* a hairline frame so slides show where one picture ends */
      cairo_set_source_rgb (cr, 0.8, 0.8, 0.8);
      cairo_set_line_width (cr, 0.75);
      cairo_rectangle (cr, x - 0.375, y - 0.375, sh->fw + 0.75, sh->fh + 0.75);
      cairo_stroke (cr);
    }
}

gboolean
ps_animation_write_contact_sheet (const char *path, guint n_frames, PsFrameDrawFunc draw,
                                  gpointer data, guint columns, const PsAnimationOptions *o,
                                  GError **error)
{
  g_return_val_if_fail (path != NULL && draw != NULL && o != NULL, FALSE);
  if (!check_options (path, n_frames, o, error))
    return FALSE;
  PsExportFormat fmt;
  if (!ps_export_format_for_path (path, &fmt, error))
    return FALSE;
  if (columns == 0)
    {
      if (fmt != PS_EXPORT_PDF)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "cannot write “%s”: one frame per page needs a .pdf; give columns for a PNG or SVG sheet",
                       path);
          return FALSE;
        }
      OneFrame *frames = g_new (OneFrame, n_frames);
      PsDrawFunc *draws = g_new (PsDrawFunc, n_frames);
      gpointer *datas = g_new (gpointer, n_frames);
      for (guint i = 0; i < n_frames; i++)
        {
          frames[i] = (OneFrame) { draw, data, i };
          draws[i] = one_frame_draw;
          datas[i] = &frames[i];
        }
      gboolean ok = ps_export_pages (path, o->width, o->height, o->scale, o->dpi, n_frames, draws,
                                     datas, error);
      g_free (frames);
      g_free (draws);
      g_free (datas);
      return ok;
    }
  columns = MIN (columns, n_frames);
  guint rows = (n_frames + columns - 1) / columns;
  Sheet sh = { draw, data, n_frames, columns, o->width, o->height, 8 };
  double w = columns * (o->width + sh.gap) + sh.gap, h = rows * (o->height + sh.gap) + sh.gap;
  return ps_export_picture (path, w, h, o->scale, o->dpi, sheet_draw, &sh, error);
}

GArray *
ps_animation_frame_range (guint from, guint to, guint every, guint n_available, guint max_frames,
                          const char *unit, GError **error)
{
  if (n_available == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no recorded %s to export", unit);
      return NULL;
    }
  to = MIN (to, n_available - 1);
  every = MAX (every, 1);
  if (from > to)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s %u to %u: the range is empty", unit,
                   from + 1, to + 1);
      return NULL;
    }
  guint64 n = ((guint64) to - from) / every + 1 + (((guint64) to - from) % every != 0);
  if (n > max_frames)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%" G_GUINT64_FORMAT " frames: at most %u (record fewer %s or export every k-th)", n,
                   max_frames, unit);
      return NULL;
    }
  GArray *frames = g_array_sized_new (FALSE, FALSE, sizeof (guint), (guint) n);
  for (guint64 i = from; i <= to; i += every)
    {
      guint f = (guint) i;
      g_array_append_val (frames, f);
    }
  if (g_array_index (frames, guint, frames->len - 1) != to)
    g_array_append_val (frames, to);
  return frames;
}

gboolean
ps_animation_write_by_extension (const char *path, guint n_frames, PsFrameDrawFunc draw, gpointer data,
                                 const PsAnimationOptions *o, GError **error)
{
  const char *slash = strrchr (path, G_DIR_SEPARATOR);
  const char *dot = strrchr (path, '.');
  if (dot != NULL && slash != NULL && dot < slash)
    dot = NULL;
  g_autofree char *ext = dot ? g_ascii_strdown (dot + 1, -1) : g_strdup ("");
  if (strcmp (ext, "gif") == 0)
    return ps_animation_write_gif (path, n_frames, draw, data, o, error);
  if (strcmp (ext, "pdf") == 0)
    return ps_animation_write_contact_sheet (path, n_frames, draw, data, 0, o, error);
  if (strcmp (ext, "png") == 0 || strcmp (ext, "svg") == 0)
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *base = g_path_get_basename (path);
      base[strlen (base) - strlen (ext) - 1] = '\0';
      return ps_animation_write_series (dir, base, strcmp (ext, "png") == 0 ? PS_EXPORT_PNG : PS_EXPORT_SVG,
                                        n_frames, draw, data, o, NULL, error);
    }
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "'%s': frames are written as .gif, .png or .svg (a numbered series) or .pdf (a page per frame)",
               path);
  return FALSE;
}
