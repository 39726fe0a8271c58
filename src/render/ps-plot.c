/* ps-plot.c — see ps-plot.h. */
#include "ps-plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
ps_plot_set_font (cairo_t *cr, double size, gboolean bold)
{
  cairo_select_font_face (cr, PS_PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

double
ps_plot_text_width (cairo_t *cr, const char *s)
{
  cairo_text_extents_t e;
  cairo_text_extents (cr, s, &e);
  return e.x_advance;
}

void
ps_plot_text (cairo_t *cr, double x, double y, const char *s, PsAlign ha, PsAlign va)
{
  cairo_font_extents_t fe;
  cairo_font_extents (cr, &fe);
  double w = ps_plot_text_width (cr, s);
  double bx = ha == PS_ALIGN_START ? x : ha == PS_ALIGN_CENTER ? x - w / 2 : x - w;
  /* Use the font's ascent/descent, not the string's ink, so labels line up. */
  double asc = fe.ascent * 0.82, desc = fe.descent * 0.6;
  double by = va == PS_ALIGN_START ? y + asc : va == PS_ALIGN_CENTER ? y + (asc - desc) / 2 : y - desc;
  cairo_move_to (cr, bx, by);
  cairo_show_text (cr, s);
}

int
ps_plot_nice_ticks (double lo, double hi, int max_ticks, double *ticks, double *step_out)
{
  max_ticks = CLAMP (max_ticks, 2, PS_PLOT_MAX_TICKS);
  if (!(hi > lo) || !isfinite (lo) || !isfinite (hi))
    {
      ticks[0] = lo;
      *step_out = 1;
      return 1;
    }
  double rough = (hi - lo) / (max_ticks - 1);
  double mag = pow (10, floor (log10 (rough)));
  double norm = rough / mag;
  double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  double first = ceil (lo / step - 1e-9) * step;
  int n = 0;
  for (double t = first; t <= hi + step * 1e-9 && n < PS_PLOT_MAX_TICKS; t = first + n * step)
    ticks[n++] = fabs (t) < step * 1e-9 ? 0.0 : t;
  *step_out = step;
  return n;
}

static void
use_unicode_minus (const char *in, char *buf, gsize len)
{
  if (in[0] == '-')
    g_snprintf (buf, len, "\u2212%s", in + 1);
  else
    g_strlcpy (buf, in, len);
}

void
ps_plot_format_number (double v, double step, char *buf, gsize len)
{
  char tmp[64];
  double a = fabs (v);
  if (v == 0)
    g_strlcpy (tmp, "0", sizeof tmp);
  else if (a >= 1e5 || (step > 0 && step < 1e-4) || a < 1e-4)
    g_snprintf (tmp, sizeof tmp, "%.3g", v);
  else
    {
      int dec = step > 0 ? (int) MAX (0, -floor (log10 (step) + 1e-9)) : 3;
      g_snprintf (tmp, sizeof tmp, "%.*f", MIN (dec, 8), v);
    }
  use_unicode_minus (tmp, buf, len);
}

void
ps_plot_format_value (double v, char *buf, gsize len)
{
  char tmp[64];
  if (isnan (v))
    g_strlcpy (tmp, "NaN", sizeof tmp);
  else if (isinf (v))
    g_strlcpy (tmp, v > 0 ? "+Inf" : "-Inf", sizeof tmp);
  else
    g_snprintf (tmp, sizeof tmp, "%.4g", v);
  use_unicode_minus (tmp, buf, len);
}

void
ps_plot_format_count (int64_t v, char *buf, gsize len)
{
  char digits[32];
  g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, v < 0 ? -v : v);
  GString *s = g_string_new (v < 0 ? "-" : "");
  int n = strlen (digits);
  for (int i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  g_strlcpy (buf, s->str, len);
  g_string_free (s, TRUE);
}

void
ps_plot_background (cairo_t *cr, double width, double height)
{
  ps_color_set_source (cr, PS_PLOT_BG);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

char *
ps_plot_fit_text (cairo_t *cr, const char *s, double max_w)
{
  if (ps_plot_text_width (cr, s) <= max_w)
    return g_strdup (s);
  glong n = g_utf8_strlen (s, -1), lo = 0, hi = n;
  while (lo < hi)
    {
      glong mid = (lo + hi + 1) / 2;
      g_autofree char *head = g_utf8_substring (s, 0, mid);
      g_autofree char *t = g_strconcat (head, "…", NULL);
      if (ps_plot_text_width (cr, t) <= max_w)
        lo = mid;
      else
        hi = mid - 1;
    }
  g_autofree char *head = g_utf8_substring (s, 0, lo);
  return g_strconcat (head, "…", NULL);
}

double
ps_plot_header (cairo_t *cr, double x, double y, double width, const char *title,
                const char *title_extra, const char *subtitle, double scale)
{
  double h = 0;
  gboolean has_title = (title && *title) || (title_extra && *title_extra);
  if (has_title)
    {
      double size = 17 * scale;
      double tx = x;
      if (title && *title)
        {
          ps_plot_set_font (cr, size, TRUE);
          ps_color_set_source (cr, PS_PLOT_FG);
          g_autofree char *t = ps_plot_fit_text (cr, title, width);
          ps_plot_text (cr, tx, y, t, PS_ALIGN_START, PS_ALIGN_START);
          tx += ps_plot_text_width (cr, t) + 0.6 * size;
        }
      if (title_extra && *title_extra)
        {
          ps_plot_set_font (cr, size, FALSE);
          ps_color_set_source (cr, PS_PLOT_MUTED);
          if (x + width - tx > size)
            {
              g_autofree char *t = ps_plot_fit_text (cr, title_extra, x + width - tx);
              ps_plot_text (cr, tx, y, t, PS_ALIGN_START, PS_ALIGN_START);
            }
        }
      h += size * 1.35;
    }
  if (subtitle && *subtitle)
    {
      double size = 12.5 * scale;
      ps_plot_set_font (cr, size, FALSE);
      ps_color_set_source (cr, PS_PLOT_MUTED);
      g_autofree char *t = ps_plot_fit_text (cr, subtitle, width);
      ps_plot_text (cr, x, y + h, t, PS_ALIGN_START, PS_ALIGN_START);
      h += size * 1.45;
    }
  return h > 0 ? h + 6 * scale : 0;
}

double
ps_plot_header_height (const char *title, const char *title_extra, const char *subtitle,
                       double scale)
{
  double h = 0;
  if ((title && *title) || (title_extra && *title_extra))
    h += 17 * scale * 1.35;
  if (subtitle && *subtitle)
    h += 12.5 * scale * 1.45;
  return h > 0 ? h + 6 * scale : 0;
}

double
ps_plot_colorbar_width (cairo_t *cr, double lo, double hi, double scale)
{
  double ticks[PS_PLOT_MAX_TICKS], step;
  int n = ps_plot_nice_ticks (lo, hi, 7, ticks, &step);
  ps_plot_set_font (cr, 11.5 * scale, FALSE);
  double w = 0;
  for (int i = 0; i < n; i++)
    {
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      w = MAX (w, ps_plot_text_width (cr, buf));
    }
  return 16 * scale + 6 * scale + w;
}

void
ps_plot_colorbar (cairo_t *cr, double x, double y, double h, const PsColormap *cm, double lo,
                  double hi, gboolean ext_lo, gboolean ext_hi, double scale)
{
  double bw = 16 * scale;
  double tri = ext_lo || ext_hi ? bw * 0.9 : 0;
  double y0 = y + (ext_hi ? tri : 0), y1 = y + h - (ext_lo ? tri : 0);
  if (y1 - y0 < 10)
    return;
  /* the LUT as a 1×256 image, top = hi */
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 256);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img) / 4;
  cairo_surface_flush (img);
  for (int i = 0; i < 256; i++)
    px[i * stride] = cm->lut[255 - i];
  cairo_surface_mark_dirty (img);
  cairo_save (cr);
  cairo_rectangle (cr, x, y0, bw, y1 - y0);
  cairo_clip (cr);
  cairo_translate (cr, x, y0);
  cairo_scale (cr, bw, (y1 - y0) / 256.0);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);

  /* clipped ends: triangles in the end colours */
  cairo_set_line_width (cr, 1 * scale);
  if (ext_hi)
    {
      cairo_move_to (cr, x, y0);
      cairo_line_to (cr, x + bw / 2, y);
      cairo_line_to (cr, x + bw, y0);
      cairo_close_path (cr);
      ps_color_set_source (cr, cm->lut[255]);
      cairo_fill (cr);
    }
  if (ext_lo)
    {
      cairo_move_to (cr, x, y1);
      cairo_line_to (cr, x + bw / 2, y + h);
      cairo_line_to (cr, x + bw, y1);
      cairo_close_path (cr);
      ps_color_set_source (cr, cm->lut[0]);
      cairo_fill (cr);
    }
  ps_color_set_source (cr, PS_PLOT_MUTED);
  cairo_rectangle (cr, x, y0, bw, y1 - y0);
  cairo_stroke (cr);

  double ticks[PS_PLOT_MAX_TICKS], step;
  int want = MAX (2, MIN (9, (int) ((y1 - y0) / (28 * scale))));
  int n = ps_plot_nice_ticks (lo, hi, want, ticks, &step);
  /* at least three labels when there is room for them */
  for (int m = want + 1; n < 3 && m <= 12 && (y1 - y0) >= 3 * 14 * scale; m++)
    n = ps_plot_nice_ticks (lo, hi, m, ticks, &step);
  ps_plot_set_font (cr, 11.5 * scale, FALSE);
  for (int i = 0; i < n; i++)
    {
      double ty = y1 - (ticks[i] - lo) / (hi - lo) * (y1 - y0);
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      ps_color_set_source (cr, PS_PLOT_FG);
      cairo_move_to (cr, x + bw, ty);
      cairo_line_to (cr, x + bw + 4 * scale, ty);
      cairo_stroke (cr);
      ps_plot_text (cr, x + bw + 6 * scale, ty, buf, PS_ALIGN_START, PS_ALIGN_CENTER);
    }
}

void
ps_plot_glyph (cairo_t *cr, double cx, double cy, double size, char glyph, guint32 over)
{
  if (glyph == 0)
    return;
  double r = size * 0.3;
  cairo_save (cr);
  ps_color_set_source (cr, ps_color_luminance (over) > 0.35 ? 0xff000000u : 0xffffffffu);
  cairo_set_line_width (cr, MAX (1.0, size * 0.12));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (glyph == 'x')
    {
      cairo_move_to (cr, cx - r, cy - r);
      cairo_line_to (cr, cx + r, cy + r);
      cairo_move_to (cr, cx + r, cy - r);
      cairo_line_to (cr, cx - r, cy + r);
    }
  else
    {
      cairo_move_to (cr, cx - r, cy);
      cairo_line_to (cr, cx + r, cy);
      if (glyph == '+')
        {
          cairo_move_to (cr, cx, cy - r);
          cairo_line_to (cr, cx, cy + r);
        }
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

double
ps_plot_swatch (cairo_t *cr, double x, double y, guint32 color, char glyph, const char *label,
                double scale)
{
  double s = 13 * scale;
  ps_color_set_source (cr, color);
  cairo_rectangle (cr, x, y - s / 2, s, s);
  cairo_fill_preserve (cr);
  ps_color_set_source (cr, PS_PLOT_MUTED);
  cairo_set_line_width (cr, 1 * scale);
  cairo_stroke (cr);
  ps_plot_glyph (cr, x + s / 2, y, s, glyph, color);
  ps_plot_set_font (cr, 11.5 * scale, FALSE);
  ps_color_set_source (cr, PS_PLOT_FG);
  ps_plot_text (cr, x + s + 5 * scale, y, label, PS_ALIGN_START, PS_ALIGN_CENTER);
  return s + 5 * scale + ps_plot_text_width (cr, label) + 14 * scale;
}

int
ps_plot_count_ticks (double hi, int max_ticks, double *ticks, double *step)
{
  /* at least two labels: a coarse step (50 for a top of 43) would leave only the 0 */
  int n = ps_plot_nice_ticks (0, hi, max_ticks, ticks, step);
  for (int m = max_ticks + 1; n < 2 && m <= PS_PLOT_MAX_TICKS; m++)
    n = ps_plot_nice_ticks (0, hi, m, ticks, step);
  if (*step >= 1)
    return n;
  /* whole counts only: 0, 1, …, ⌊hi⌋ thinned to max_ticks (a tick above hi is outside the axis) */
  int top = (int) floor (hi);
  int every = MAX (1, (top + max_ticks - 1) / MAX (1, max_ticks - 1));
  n = 0;
  for (int v = 0; v <= top && n < PS_PLOT_MAX_TICKS; v += every)
    ticks[n++] = v;
  *step = every;
  return n;
}
