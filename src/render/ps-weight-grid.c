/* ps-weight-grid.c — see ps-weight-grid.h. */
#include "ps-weight-grid.h"
#include "ps-error.h"
#include "ps-plot.h"
#include "ps-stats.h"

#include <math.h>
#include <string.h>

struct _PsWeightGrid {
  PsTensor *w;
  PsWeightGridOptions o;
  char *title, *subtitle;
  int64_t units;
  int th, tw;
  double m;                    /* the scale is ±m */
  gboolean clipped;            /* some |w| > m */
  cairo_surface_t *img;        /* colorized for img_cols */
  int img_cols;
};

void
ps_weight_grid_options_init (PsWeightGridOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->colormap = PS_COLORMAP_DIVERGING;
  o->show_labels = TRUE;
}

PsWeightGrid *
ps_weight_grid_new (PsTensor *weight, const PsWeightGridOptions *o, GError **error)
{
  if (weight->ndim != 2 || weight->dtype != PS_DTYPE_FLOAT32)
    {
      g_autofree char *shape = ps_tensor_shape_string (weight);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "weight grid: expected a 2-D float32 weight (units × inputs), got %s %s",
                   ps_dtype_name (weight->dtype), shape);
      return NULL;
    }
  int64_t units = weight->shape[0], in = weight->shape[1];
  int th = o->tile_h, tw = o->tile_w;
  if (th == 0 && tw == 0)
    {
      int64_t r = (int64_t) llround (sqrt ((double) in));
      if (r * r != in)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "weight grid: %" G_GINT64_FORMAT " inputs are not a square image; give the tile size",
                       in);
          return NULL;
        }
      th = tw = (int) r;
    }
  if (th <= 0 || tw <= 0 || (int64_t) th * tw != in || units < 1 || in < 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "weight grid: tiles of %d × %d do not hold the %" G_GINT64_FORMAT " inputs of each of %" G_GINT64_FORMAT " units",
                   th, tw, in, units);
      return NULL;
    }
  if (o->robust_q != 0 && !(o->robust_q > 0.5 && o->robust_q < 1))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "weight grid: robust quantile %g is not in (0.5, 1)", o->robust_q);
      return NULL;
    }
  /* one colorized image must fit cairo's size limit: (cols·(tw+1)) × (rows·(th+1)) texels */
  int64_t side = (int64_t) ceil (sqrt ((double) units)) + 1;
  if (side * (MAX (th, tw) + 1) > 32767)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "weight grid: %" G_GINT64_FORMAT " tiles of %d × %d are too many to draw", units, th, tw);
      return NULL;
    }
  PsStats st;
  ps_stats_compute (weight, &st);
  double m = isfinite (st.abs_max) ? st.abs_max : 0;
  if (o->robust_q > 0 && st.n_finite > 0)
    {
      double q[2] = { 1 - o->robust_q, o->robust_q }, out[2];
      if (!ps_stats_quantiles (weight, q, 2, out, error))
        return NULL;
      m = MAX (fabs (out[0]), fabs (out[1]));
    }
  if (o->fixed_max > 0 && isfinite (o->fixed_max))
    m = o->fixed_max;
  if (!(m > 0))
    m = m == 0 && st.n_finite > 0 ? 1e-12 : 1;

  PsWeightGrid *wg = g_new0 (PsWeightGrid, 1);
  wg->w = ps_tensor_ref (weight);
  wg->o = *o;
  wg->title = g_strdup (o->title);
  wg->subtitle = g_strdup (o->subtitle);
  wg->o.title = wg->title;
  wg->o.subtitle = wg->subtitle;
  wg->units = units;
  wg->th = th;
  wg->tw = tw;
  wg->m = m;
  wg->clipped = st.n_finite > 0 && st.abs_max > m;
  return wg;
}

void
ps_weight_grid_free (PsWeightGrid *wg)
{
  if (wg == NULL)
    return;
  ps_tensor_unref (wg->w);
  g_free (wg->title);
  g_free (wg->subtitle);
  if (wg->img)
    cairo_surface_destroy (wg->img);
  g_free (wg);
}

void
ps_weight_grid_get_range (PsWeightGrid *wg, double *lo, double *hi)
{
  *lo = -wg->m;
  *hi = wg->m;
}

typedef struct {
  int cols, rows;
  double x0, y0, cell;      /* top-left of the image; size of one texel */
  double cb_x, cb_y, cb_h;  /* colorbar */
  double label_h;
} Layout;

static void
layout (PsWeightGrid *wg, double width, double height, Layout *L)
{
  const PsWeightGridOptions *o = &wg->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  double top = pad + ps_plot_header_height (o->title, NULL, o->subtitle, s) + 4 * s;
  double cbw = 16 * s + 6 * s + 48 * s;
  double aw = width - 2 * pad - cbw - 16 * s, ah = height - top - pad - 18 * s;
  L->label_h = o->show_labels ? 12 * s : 0;
  int cols = o->columns;
  if (cols <= 0)
    {
      /* the column count whose texels come out largest */
      double best = -1;
      for (int c = 1; c <= wg->units; c++)
        {
          int r = (int) ((wg->units + c - 1) / c);
          double cell = MIN (aw / (c * (wg->tw + 1.0)), (ah - r * L->label_h) / (r * (wg->th + 1.0)));
          if (cell > best)
            {
              best = cell;
              cols = c;
            }
          if (c > 4096)
            break;
        }
    }
  cols = (int) MIN ((int64_t) cols, wg->units);
  L->cols = MAX (cols, 1);
  L->rows = (int) ((wg->units + L->cols - 1) / L->cols);
  /* the labels only when a tile is tall enough to carry one */
  double cell = MIN (aw / (L->cols * (wg->tw + 1.0)),
                     (ah - L->rows * L->label_h) / (L->rows * (wg->th + 1.0)));
  if (L->label_h > 0 && cell * wg->th < 24 * s)
    {
      L->label_h = 0;
      cell = MIN (aw / (L->cols * (wg->tw + 1.0)), ah / (L->rows * (wg->th + 1.0)));
    }
  L->cell = MAX (cell, 0);
  L->x0 = pad;
  L->y0 = top;
  L->cb_x = pad + L->cols * (wg->tw + 1.0) * L->cell + 12 * s;
  L->cb_y = top;
  L->cb_h = MIN (ah, MAX (L->rows * ((wg->th + 1.0) * L->cell + L->label_h), 120 * s));
}

void
ps_weight_grid_get_layout (PsWeightGrid *wg, double width, double height, int *columns, int *rows)
{
  Layout L;
  layout (wg, width, height, &L);
  *columns = L.cols;
  *rows = L.rows;
}

/* one tile row of the picture: (th + 1) texels high, the gap texel at the bottom/right */
static cairo_surface_t *
colorize (PsWeightGrid *wg, int cols)
{
  int rows = (int) ((wg->units + cols - 1) / cols);
  int iw = cols * (wg->tw + 1), ih = rows * (wg->th + 1);
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, iw, ih);
  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS)
    return img;
  const PsColormap *cm = ps_colormap_get (wg->o.colormap);
  cairo_surface_flush (img);
  guint8 *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  memset (data, 0, (gsize) stride * ih);   /* gaps transparent: the background shows */
  const float *w = ps_tensor_cf32 (wg->w);
  int64_t in = (int64_t) wg->th * wg->tw;
  for (int64_t u = 0; u < wg->units; u++)
    {
      int tr = (int) (u / cols), tc = (int) (u % cols);
      for (int r = 0; r < wg->th; r++)
        {
          guint32 *row = (guint32 *) (data + (gsize) (tr * (wg->th + 1) + r) * stride) + tc * (wg->tw + 1);
          const float *src = w + u * in + (int64_t) r * wg->tw;
          for (int c = 0; c < wg->tw; c++)
            row[c] = ps_colormap_map (cm, src[c], -wg->m, wg->m);
        }
    }
  cairo_surface_mark_dirty (img);
  return img;
}

static void
ps_weight_grid_draw (PsWeightGrid *wg, cairo_t *cr, double width, double height)
{
  const PsWeightGridOptions *o = &wg->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  g_autofree char *extra = g_strdup_printf (g_dngettext (NULL, "%" G_GINT64_FORMAT " unit × %d×%d", "%" G_GINT64_FORMAT " units × %d×%d",
                                                         (gulong) wg->units), wg->units, wg->th, wg->tw);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, extra, o->subtitle, s);
  Layout L;
  layout (wg, width, height, &L);
  if (L.cell <= 0)
    {
      cairo_restore (cr);
      return;
    }
  if (wg->img == NULL || wg->img_cols != L.cols)
    {
      if (wg->img)
        cairo_surface_destroy (wg->img);
      wg->img = colorize (wg, L.cols);
      wg->img_cols = L.cols;
    }
  if (cairo_surface_status (wg->img) == CAIRO_STATUS_SUCCESS)
    {
      /* one tile row at a time, so unit labels can sit under each row */
      for (int tr = 0; tr < L.rows; tr++)
        {
          double y = L.y0 + tr * ((wg->th + 1) * L.cell + L.label_h);
          cairo_save (cr);
          cairo_rectangle (cr, L.x0, y, L.cols * (wg->tw + 1) * L.cell, wg->th * L.cell);
          cairo_clip (cr);
          cairo_translate (cr, L.x0, y - tr * (wg->th + 1) * L.cell);
          cairo_scale (cr, L.cell, L.cell);
          cairo_set_source_surface (cr, wg->img, 0, 0);
          cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
          cairo_paint (cr);
          cairo_restore (cr);
          if (L.label_h > 0)
            {
              ps_plot_set_font (cr, 9.5 * s, FALSE);
              ps_color_set_source (cr, PS_PLOT_MUTED);
              for (int tc = 0; tc < L.cols; tc++)
                {
                  int64_t u = (int64_t) tr * L.cols + tc;
                  if (u >= wg->units)
                    break;
                  char buf[32];
                  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, u);
                  ps_plot_text (cr, L.x0 + (tc * (wg->tw + 1) + wg->tw / 2.0) * L.cell,
                                y + wg->th * L.cell + 1.5 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
                }
            }
        }
    }
  ps_plot_colorbar (cr, L.cb_x, L.cb_y, L.cb_h, ps_colormap_get (o->colormap), -wg->m, wg->m,
                    wg->clipped, wg->clipped, s);
  cairo_restore (cr);
}

void
ps_weight_grid_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_weight_grid_draw (data, cr, width, height);
}

gboolean
ps_weight_grid_hit (PsWeightGrid *wg, double width, double height, double x, double y,
                    int64_t *unit, int *row, int *col)
{
  Layout L;
  layout (wg, width, height, &L);
  if (L.cell <= 0 || x < L.x0 || y < L.y0)
    return FALSE;
  double tile_h = (wg->th + 1) * L.cell + L.label_h;
  int tr = (int) floor ((y - L.y0) / tile_h);
  double ty = (y - L.y0) - tr * tile_h;
  int gx = (int) floor ((x - L.x0) / L.cell);
  int tc = gx / (wg->tw + 1), c = gx % (wg->tw + 1);
  int r = (int) floor (ty / L.cell);
  if (tr >= L.rows || tc >= L.cols || c >= wg->tw || r >= wg->th)
    return FALSE;
  int64_t u = (int64_t) tr * L.cols + tc;
  if (u >= wg->units)
    return FALSE;
  *unit = u;
  *row = r;
  *col = c;
  return TRUE;
}

gboolean
ps_weight_grid_pixel_point (PsWeightGrid *wg, double width, double height, int64_t unit, int row,
                            int col, double *x, double *y)
{
  if (unit < 0 || unit >= wg->units || row < 0 || row >= wg->th || col < 0 || col >= wg->tw)
    return FALSE;
  Layout L;
  layout (wg, width, height, &L);
  int tr = (int) (unit / L.cols), tc = (int) (unit % L.cols);
  *x = L.x0 + (tc * (wg->tw + 1) + col + 0.5) * L.cell;
  *y = L.y0 + tr * ((wg->th + 1) * L.cell + L.label_h) + (row + 0.5) * L.cell;
  return L.cell > 0;
}
