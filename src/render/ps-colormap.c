/* ps-colormap.c — see ps-colormap.h for the choice of maps. */
#include "ps-colormap.h"
#include "ps-plot.h"

#include <math.h>

typedef struct { double l, a, b; } Lab;

static double
srgb_to_linear (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
linear_to_srgb (double c)
{
  c = CLAMP (c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * pow (c, 1 / 2.4) - 0.055;
}

/* D65 white */
static const double Xn = 0.95047, Yn = 1.0, Zn = 1.08883;

static double
lab_f (double t)
{
  return t > 216.0 / 24389 ? cbrt (t) : (24389.0 / 27 * t + 16) / 116;
}

static double
lab_finv (double t)
{
  return t * t * t > 216.0 / 24389 ? t * t * t : (116 * t - 16) / (24389.0 / 27);
}

static Lab
hex_to_lab (guint32 rgb)
{
  double r = srgb_to_linear (((rgb >> 16) & 255) / 255.0);
  double g = srgb_to_linear (((rgb >> 8) & 255) / 255.0);
  double b = srgb_to_linear ((rgb & 255) / 255.0);
  double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
  double fx = lab_f (x / Xn), fy = lab_f (y / Yn), fz = lab_f (z / Zn);
  return (Lab) { 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz) };
}

static guint32
lab_to_argb (Lab c)
{
  double fy = (c.l + 16) / 116, fx = fy + c.a / 500, fz = fy - c.b / 200;
  double x = Xn * lab_finv (fx), y = Yn * lab_finv (fy), z = Zn * lab_finv (fz);
  double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
  double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  guint32 R = (guint32) lround (linear_to_srgb (r) * 255);
  guint32 G = (guint32) lround (linear_to_srgb (g) * 255);
  guint32 B = (guint32) lround (linear_to_srgb (b) * 255);
  return 0xff000000u | (R << 16) | (G << 8) | B;
}

/* Colour at t in [0, 1] along equally spaced control colours, interpolated in CIELAB. */
static guint32
ramp (const guint32 *ctl, int n, double t)
{
  double p = CLAMP (t, 0.0, 1.0) * (n - 1);
  int i = MIN ((int) p, n - 2);
  double f = p - i;
  Lab a = hex_to_lab (ctl[i]), b = hex_to_lab (ctl[i + 1]);
  if (f == 0)
    return 0xff000000u | ctl[i];
  if (f == 1)
    return 0xff000000u | ctl[i + 1];
  return lab_to_argb ((Lab) { a.l + f * (b.l - a.l), a.a + f * (b.a - a.a), a.b + f * (b.b - a.b) });
}

/* ColorBrewer RdBu (11 classes), from the negative end: dark blue … #f7f7f7 … dark red. */
static const guint32 rdbu[11] = {
  0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
  0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f,
};
/* viridis, 9 steps */
static const guint32 viridis[9] = {
  0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
};

static PsColormap maps[PS_COLORMAP_N];

static gpointer
build_maps (gpointer data)
{
  PsColormap *d = &maps[PS_COLORMAP_DIVERGING];
  d->kind = PS_COLORMAP_DIVERGING;
  d->name = "rdbu";
  d->diverging = TRUE;
  /* Entry 128 is exactly the centre (zero for a symmetric range, see ps_colormap_index):
   * 0..128 cover the blue half, 128..255 the red half. */
  for (int i = 0; i < 256; i++)
    {
      double t = i <= 128 ? 0.5 * i / 128.0 : 0.5 + 0.5 * (i - 128) / 127.0;
      d->lut[i] = ramp (rdbu, 11, t);
    }
  /* Outside the blue–white–red gamut: yellow, green, black. */
  d->nan_color = 0xffffd400;
  d->posinf_color = 0xff00a651;
  d->neginf_color = 0xff000000;

  PsColormap *v = &maps[PS_COLORMAP_VIRIDIS];
  v->kind = PS_COLORMAP_VIRIDIS;
  v->name = "viridis";
  for (int i = 0; i < 256; i++)
    v->lut[i] = ramp (viridis, 9, i / 255.0);
  /* Outside purple–teal–yellow: magenta, red, mid grey. */
  v->nan_color = 0xffff00ff;
  v->posinf_color = 0xffff2020;
  v->neginf_color = 0xff808080;

  PsColormap *g = &maps[PS_COLORMAP_GRAY];
  g->kind = PS_COLORMAP_GRAY;
  g->name = "gray";
  for (int i = 0; i < 256; i++)
    g->lut[i] = lab_to_argb ((Lab) { 100.0 * i / 255.0, 0, 0 });
  g->nan_color = 0xffff00ff;
  g->posinf_color = 0xffff2020;
  g->neginf_color = 0xff2060ff;
  return NULL;
}

const PsColormap *
ps_colormap_get (PsColormapKind kind)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, build_maps, NULL);
  g_return_val_if_fail (kind < PS_COLORMAP_N, NULL);
  return &maps[kind];
}

const PsColormap *
ps_colormap_by_name (const char *name)
{
  for (int k = 0; k < PS_COLORMAP_N; k++)
    if (g_ascii_strcasecmp (ps_colormap_get (k)->name, name) == 0)
      return ps_colormap_get (k);
  if (g_ascii_strcasecmp (name, "diverging") == 0)
    return ps_colormap_get (PS_COLORMAP_DIVERGING);
  if (g_ascii_strcasecmp (name, "grey") == 0 || g_ascii_strcasecmp (name, "grayscale") == 0)
    return ps_colormap_get (PS_COLORMAP_GRAY);
  return NULL;
}

guint32
ps_colormap_map (const PsColormap *cm, double v, double lo, double hi)
{
  if (isnan (v))
    return cm->nan_color;
  if (isinf (v))
    return v > 0 ? cm->posinf_color : cm->neginf_color;
  return cm->lut[ps_colormap_index (v, lo, hi)];
}

static const cairo_user_data_key_t dark_key;

void
ps_color_set_dark (cairo_t *cr, gboolean dark)
{
  cairo_set_user_data (cr, &dark_key, dark ? GINT_TO_POINTER (1) : NULL, NULL);
}

static gboolean
ps_color_get_dark (cairo_t *cr)
{
  return cairo_get_user_data (cr, &dark_key) != NULL;
}

/* The chrome's light colour → its dark-style one (RGB; the alpha is kept). */
static guint32
dark_chrome (guint32 argb)
{
  static const guint32 map[][2] = {
    { PS_PLOT_FG, PS_PLOT_DARK_FG }, { PS_PLOT_MUTED, PS_PLOT_DARK_MUTED }, { PS_PLOT_GRID, PS_PLOT_DARK_GRID },
    { PS_PLOT_BG, PS_PLOT_DARK_BG }, { PS_PLOT_WARN, PS_PLOT_DARK_WARN },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if ((argb & 0xffffffu) == (map[i][0] & 0xffffffu))
      return (argb & 0xff000000u) | (map[i][1] & 0xffffffu);
  return argb;
}

void
ps_color_set_source (cairo_t *cr, guint32 argb)
{
  if (ps_color_get_dark (cr))
    argb = dark_chrome (argb);
  cairo_set_source_rgba (cr, ((argb >> 16) & 255) / 255.0, ((argb >> 8) & 255) / 255.0,
                         (argb & 255) / 255.0, ((argb >> 24) & 255) / 255.0);
}

double
ps_color_luminance (guint32 argb)
{
  return 0.2126 * srgb_to_linear (((argb >> 16) & 255) / 255.0) +
         0.7152 * srgb_to_linear (((argb >> 8) & 255) / 255.0) +
         0.0722 * srgb_to_linear ((argb & 255) / 255.0);
}
