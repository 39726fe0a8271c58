/* ps-decision-boundary.c — see ps-decision-boundary.h. */
#include "ps-decision-boundary.h"
#include "ps-chart-axes.h"
#include "ps-error.h"
#include "ps-plot.h"

#include <math.h>
#include <string.h>

void
ps_decision_boundary_options_init (PsDecisionBoundaryOptions *o)
{
  memset (o, 0, sizeof *o);
  o->scale = 1;
  o->show_boundary = TRUE;
}

/* TF Playground's orange and blue first, then Okabe–Ito. */
static const guint32 class_colors[] = {
  0xfff59322u, 0xff0877bdu, 0xff009e73u, 0xffcc79a7u, 0xff8c6d1fu, 0xff56b4e9u, 0xffd55e00u,
  0xff000000u,
};

guint32
ps_decision_boundary_class_color (int cls)
{
  return class_colors[(guint) cls % G_N_ELEMENTS (class_colors)];
}

guint32
ps_decision_boundary_region_color (int cls, double p, int n_classes)
{
  guint32 c = ps_decision_boundary_class_color (cls);
  double k = MAX (n_classes, 2);
  double conf = CLAMP ((p - 1 / k) / (1 - 1 / k), 0.0, 1.0);
  double a = 0.12 + 0.5 * conf;   /* never as deep as the points, so they stay visible */
  guint32 out = 0xff000000u;
  for (int sh = 0; sh < 24; sh += 8)
    {
      double v = ((c >> sh) & 255) * a + 255 * (1 - a);
      out |= (guint32) lround (v) << sh;
    }
  return out;
}

void
ps_decision_boundary_bounds (const float *points, gsize n, double margin, double *xmin,
                             double *xmax, double *ymin, double *ymax)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (gsize i = 0; i < n; i++)
    if (isfinite (points[2 * i]) && isfinite (points[2 * i + 1]))
      {
        x0 = MIN (x0, points[2 * i]);
        x1 = MAX (x1, points[2 * i]);
        y0 = MIN (y0, points[2 * i + 1]);
        y1 = MAX (y1, points[2 * i + 1]);
      }
  if (!(x1 >= x0))
    {
      *xmin = *ymin = -1;
      *xmax = *ymax = 1;
      return;
    }
  double side = MAX (MAX (x1 - x0, y1 - y0), 1e-6);
  side *= 1 + 2 * MAX (margin, 0.0);
  double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  *xmin = cx - side / 2;
  *xmax = cx + side / 2;
  *ymin = cy - side / 2;
  *ymax = cy + side / 2;
}

static gboolean
check_grid (int grid_w, int grid_h, int n_outputs, double xmin, double xmax, double ymin,
            double ymax, GError **error)
{
  if (grid_w < 1 || grid_h < 1 || grid_w > PS_DECISION_BOUNDARY_MAX_GRID ||
      grid_h > PS_DECISION_BOUNDARY_MAX_GRID)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "decision boundary: a %d × %d grid is not in 1..%d per side", grid_w, grid_h,
                   PS_DECISION_BOUNDARY_MAX_GRID);
      return FALSE;
    }
  if (n_outputs < 1 || n_outputs > PS_DECISION_BOUNDARY_MAX_CLASSES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "decision boundary: %d outputs per sample, expected 1..%d", n_outputs,
                   PS_DECISION_BOUNDARY_MAX_CLASSES);
      return FALSE;
    }
  if (!(isfinite (xmin) && isfinite (xmax) && isfinite (ymin) && isfinite (ymax) && xmax > xmin &&
        ymax > ymin))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "decision boundary: the rectangle [%g, %g] × [%g, %g] is empty or not finite",
                   xmin, xmax, ymin, ymax);
      return FALSE;
    }
  return TRUE;
}

float *
ps_decision_boundary_sample (PsDecisionFunc func, gpointer data, double xmin, double xmax,
                             double ymin, double ymax, int grid_w, int grid_h, int n_outputs,
                             GError **error)
{
  if (!check_grid (grid_w, grid_h, n_outputs, xmin, xmax, ymin, ymax, error))
    return NULL;
  /* sizes are bounded by the checks above: 4096² × 64 floats fits in gsize on 64-bit; still, use
   * the checked allocator */
  float *out = g_try_malloc_n ((gsize) grid_w * grid_h, (gsize) n_outputs * sizeof (float));
  float *xy = g_try_malloc_n ((gsize) grid_w, 2 * sizeof (float));
  if (out == NULL || xy == NULL)
    {
      g_free (out);
      g_free (xy);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "decision boundary: not enough memory for a %d × %d grid", grid_w, grid_h);
      return NULL;
    }
  for (int r = 0; r < grid_h; r++)
    {
      double y = ymax - (r + 0.5) * (ymax - ymin) / grid_h;
      for (int c = 0; c < grid_w; c++)
        {
          xy[2 * c] = (float) (xmin + (c + 0.5) * (xmax - xmin) / grid_w);
          xy[2 * c + 1] = (float) y;
        }
      if (!func (xy, grid_w, out + (gsize) r * grid_w * n_outputs, data, error))
        {
          g_free (out);
          g_free (xy);
          return NULL;
        }
    }
  g_free (xy);
  return out;
}

gboolean
ps_decision_boundary_check (const PsDecisionBoundary *db, GError **error)
{
  if (!check_grid (db->grid_w, db->grid_h, db->n_outputs, db->xmin, db->xmax, db->ymin, db->ymax,
                   error))
    return FALSE;
  if (db->values == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "decision boundary: no values");
      return FALSE;
    }
  int k = db->n_outputs == 1 ? 2 : db->n_outputs;
  for (gsize i = 0; db->labels && i < db->n_points; i++)
    if (db->labels[i] < 0 || db->labels[i] >= k)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "decision boundary: point %" G_GSIZE_FORMAT " has label %" G_GINT64_FORMAT
                     ", expected 0..%d", i, db->labels[i], k - 1);
        return FALSE;
      }
  return TRUE;
}

/* Class probabilities of sample (r, c) into p (n_classes). Non-finite outputs give NaN. */
static int
probs_at (const PsDecisionBoundary *db, int r, int c, double *p)
{
  const float *v = db->values + ((gsize) r * db->grid_w + c) * db->n_outputs;
  if (db->n_outputs == 1)
    {
      double q = db->logits ? 1 / (1 + exp (-(double) v[0])) : v[0];
      p[0] = 1 - q;
      p[1] = q;
      return 2;
    }
  int k = db->n_outputs;
  if (db->logits)
    {
      double m = -INFINITY, sum = 0;
      for (int i = 0; i < k; i++)
        m = MAX (m, (double) v[i]);
      for (int i = 0; i < k; i++)
        sum += (p[i] = exp (v[i] - m));
      for (int i = 0; i < k; i++)
        p[i] /= sum;
    }
  else
    for (int i = 0; i < k; i++)
      p[i] = v[i];
  return k;
}

int
ps_decision_boundary_class_at (const PsDecisionBoundary *db, int r, int c, double *pbest)
{
  double p[PS_DECISION_BOUNDARY_MAX_CLASSES];
  int k = probs_at (db, r, c, p), best = -1;
  for (int i = 0; i < k; i++)
    if (isfinite (p[i]) && (best < 0 || p[i] > p[best]))
      best = i;
  if (pbest)
    *pbest = best >= 0 ? p[best] : NAN;
  return best;
}

typedef struct {
  double x0, y0, x1, y1;   /* the plane rectangle on screen */
  double legend_x;
} Layout;

static void
layout (const PsDecisionBoundary *db, double width, double height, Layout *L)
{
  const PsDecisionBoundaryOptions *o = db->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  double top = pad + ps_plot_header_height (o->title, NULL, o->subtitle, s) + 6 * s;
  double legend_w = 150 * s;
  double ax0 = pad + 48 * s, ax1 = width - pad - legend_w, ay0 = top, ay1 = height - pad - 36 * s;
  double dw = db->xmax - db->xmin, dh = db->ymax - db->ymin;
  double k = MIN ((ax1 - ax0) / dw, (ay1 - ay0) / dh);
  if (!(k > 0) || !isfinite (k))
    k = 0;
  double w = dw * k, h = dh * k;
  L->x0 = ax0 + ((ax1 - ax0) - w) / 2;
  L->x1 = L->x0 + w;
  L->y0 = ay0;
  L->y1 = ay0 + h;
  L->legend_x = L->x1 + 24 * s;
}

gboolean
ps_decision_boundary_to_screen (const PsDecisionBoundary *db, double width, double height,
                                double px, double py, double *x, double *y)
{
  Layout L;
  layout (db, width, height, &L);
  *x = L.x0 + (px - db->xmin) / (db->xmax - db->xmin) * (L.x1 - L.x0);
  *y = L.y1 - (py - db->ymin) / (db->ymax - db->ymin) * (L.y1 - L.y0);
  return isfinite (*x) && isfinite (*y) && *x >= L.x0 && *x <= L.x1 && *y >= L.y0 && *y <= L.y1;
}

/* margin of class cls at sample (r, c): p_cls − max of the others */
static double
margin (const PsDecisionBoundary *db, int r, int c, int cls)
{
  double p[PS_DECISION_BOUNDARY_MAX_CLASSES];
  int k = probs_at (db, r, c, p);
  double other = -INFINITY;
  for (int i = 0; i < k; i++)
    if (i != cls)
      other = MAX (other, p[i]);
  return p[cls] - other;
}

/* Marching squares over the grid's sample points: the zero contour of margin(·, cls). */
static void
contour (const PsDecisionBoundary *db, cairo_t *cr, const Layout *L, int cls)
{
  double cw = (L->x1 - L->x0) / db->grid_w, ch = (L->y1 - L->y0) / db->grid_h;
  int W = db->grid_w;
  double *row0 = g_new (double, W), *row1 = g_new (double, W);
  for (int c = 0; c < W; c++)
    row0[c] = margin (db, 0, c, cls);
  for (int r = 0; r + 1 < db->grid_h; r++)
    {
      for (int c = 0; c < W; c++)
        row1[c] = margin (db, r + 1, c, cls);
      for (int c = 0; c + 1 < W; c++)
        {
          /* corners: a (r,c) b (r,c+1) d (r+1,c+1) e (r+1,c), in order around the square */
          double v[4] = { row0[c], row0[c + 1], row1[c + 1], row1[c] };
          if (!(isfinite (v[0]) && isfinite (v[1]) && isfinite (v[2]) && isfinite (v[3])))
            continue;
          double px[4], py[4];
          double cx[4] = { c, c + 1, c + 1, c }, cy[4] = { r, r, r + 1, r + 1 };
          int n = 0;
          for (int e = 0; e < 4; e++)
            {
              double va = v[e], vb = v[(e + 1) % 4];
              if ((va < 0) != (vb < 0))
                {
                  double t = va / (va - vb);
                  double gx = cx[e] + t * (cx[(e + 1) % 4] - cx[e]);
                  double gy = cy[e] + t * (cy[(e + 1) % 4] - cy[e]);
                  px[n] = L->x0 + (gx + 0.5) * cw;
                  py[n] = L->y0 + (gy + 0.5) * ch;
                  n++;
                }
            }
          for (int i = 0; i + 1 < n; i += 2)
            {
              cairo_move_to (cr, px[i], py[i]);
              cairo_line_to (cr, px[i + 1], py[i + 1]);
            }
        }
      double *t = row0;
      row0 = row1;
      row1 = t;
    }
  g_free (row0);
  g_free (row1);
}

void
ps_decision_boundary_draw (const PsDecisionBoundary *db, cairo_t *cr, double width, double height)
{
  const PsDecisionBoundaryOptions *o = db->o;
  double s = o->scale > 0 ? o->scale : 1, pad = 14 * s;
  cairo_save (cr);
  ps_plot_background (cr, width, height);
  ps_plot_header (cr, pad, pad, width - 2 * pad, o->title, NULL, o->subtitle, s);
  if (!ps_decision_boundary_check (db, NULL))
    {
      cairo_restore (cr);
      return;
    }
  Layout L;
  layout (db, width, height, &L);
  if (L.x1 - L.x0 < 8 || L.y1 - L.y0 < 8)
    {
      cairo_restore (cr);
      return;
    }
  int k = db->n_outputs == 1 ? 2 : db->n_outputs;

  /* regions: one texel per sample, smoothed when scaled up */
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, db->grid_w, db->grid_h);
  if (cairo_surface_status (img) == CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_flush (img);
      guint8 *px = cairo_image_surface_get_data (img);
      int stride = cairo_image_surface_get_stride (img);
      for (int r = 0; r < db->grid_h; r++)
        for (int c = 0; c < db->grid_w; c++)
          {
            double p;
            int cls = ps_decision_boundary_class_at (db, r, c, &p);
            ((guint32 *) (px + (gsize) r * stride))[c] =
              cls < 0 ? 0xffd0d0d0u : ps_decision_boundary_region_color (cls, p, k);
          }
      cairo_surface_mark_dirty (img);
      cairo_save (cr);
      cairo_rectangle (cr, L.x0, L.y0, L.x1 - L.x0, L.y1 - L.y0);
      cairo_clip (cr);
      cairo_translate (cr, L.x0, L.y0);
      cairo_scale (cr, (L.x1 - L.x0) / db->grid_w, (L.y1 - L.y0) / db->grid_h);
      cairo_set_source_surface (cr, img, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
      cairo_restore (cr);
    }
  cairo_surface_destroy (img);

  if (o->show_boundary && db->grid_w > 1 && db->grid_h > 1)
    {
      cairo_save (cr);
      cairo_rectangle (cr, L.x0, L.y0, L.x1 - L.x0, L.y1 - L.y0);
      cairo_clip (cr);
      for (int cls = 0; cls < (k == 2 ? 1 : k); cls++)
        contour (db, cr, &L, cls);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.8);
      cairo_set_line_width (cr, 1.6 * s);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* points */
  double rad = (db->n_points > 2000 ? 2.5 : 4) * s;
  cairo_set_line_width (cr, 1.2 * s);
  for (gsize i = 0; db->points && i < db->n_points; i++)
    {
      double x, y;
      if (!ps_decision_boundary_to_screen (db, width, height, db->points[2 * i],
                                           db->points[2 * i + 1], &x, &y))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, rad, 0, 2 * G_PI);
      ps_color_set_source (cr, db->labels ? ps_decision_boundary_class_color ((int) db->labels[i])
                                          : 0xff808080u);
      cairo_fill_preserve (cr);
      ps_color_set_source (cr, 0xffffffffu);
      cairo_stroke (cr);
    }

  /* axes */
  PsChartAxes a = { L.x0, L.x1, L.y0, L.y1, db->xmin, db->xmax, db->ymin, db->ymax, FALSE, s };
  ps_chart_frame (cr, &a);
  double ticks[PS_PLOT_MAX_TICKS], step;
  int n = ps_plot_nice_ticks (db->xmin, db->xmax, MAX (2, MIN (9, (int) ((L.x1 - L.x0) / (60 * s)))), ticks, &step);
  ps_plot_set_font (cr, 11 * s, FALSE);
  ps_color_set_source (cr, PS_PLOT_FG);
  for (int i = 0; i < n; i++)
    {
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      ps_plot_text (cr, ps_chart_x (&a, ticks[i]), L.y1 + 5 * s, buf, PS_ALIGN_CENTER, PS_ALIGN_START);
    }
  n = ps_plot_nice_ticks (db->ymin, db->ymax, MAX (2, MIN (9, (int) ((L.y1 - L.y0) / (40 * s)))), ticks, &step);
  for (int i = 0; i < n; i++)
    {
      char buf[64];
      ps_plot_format_number (ticks[i], step, buf, sizeof buf);
      ps_plot_text (cr, L.x0 - 5 * s, ps_chart_y (&a, ticks[i]), buf, PS_ALIGN_END, PS_ALIGN_CENTER);
    }
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, (L.x0 + L.x1) / 2, L.y1 + 20 * s, "x₁", PS_ALIGN_CENTER, PS_ALIGN_START);
  ps_plot_text (cr, L.x0 - 36 * s, (L.y0 + L.y1) / 2, "x₂", PS_ALIGN_END, PS_ALIGN_CENTER);

  /* legend: classes with their point counts, then what the shading means */
  double ly = L.y0 + 8 * s;
  for (int cls = 0; cls < k && cls < 24; cls++)
    {
      gsize count = 0;
      for (gsize i = 0; db->labels && i < db->n_points; i++)
        count += db->labels[i] == cls;
      char label[128];
      const char *name = o->class_names ? o->class_names[cls] : NULL;
      g_autofree char *fallback = g_strdup_printf ("class %d", cls);
      if (db->labels && db->n_points > 0)
        g_snprintf (label, sizeof label, "%s (%" G_GSIZE_FORMAT ")", name ? name : fallback, count);
      else
        g_strlcpy (label, name ? name : fallback, sizeof label);
      ps_color_set_source (cr, ps_decision_boundary_class_color (cls));
      cairo_arc (cr, L.legend_x + 5 * s, ly, 5 * s, 0, 2 * G_PI);
      cairo_fill (cr);
      ps_plot_set_font (cr, 11.5 * s, FALSE);
      ps_color_set_source (cr, PS_PLOT_FG);
      ps_plot_text (cr, L.legend_x + 15 * s, ly, label, PS_ALIGN_START, PS_ALIGN_CENTER);
      ly += 19 * s;
    }
  ps_plot_set_font (cr, 10.5 * s, FALSE);
  ps_color_set_source (cr, PS_PLOT_MUTED);
  ps_plot_text (cr, L.legend_x, ly + 4 * s, "deeper shade =", PS_ALIGN_START, PS_ALIGN_CENTER);
  ps_plot_text (cr, L.legend_x, ly + 18 * s, "more confident", PS_ALIGN_START, PS_ALIGN_CENTER);
  cairo_restore (cr);
}

void
ps_decision_boundary_draw_func (cairo_t *cr, double width, double height, gpointer data)
{
  ps_decision_boundary_draw (data, cr, width, height);
}

gboolean
ps_decision_boundary_from_screen (const PsDecisionBoundary *db, double width, double height,
                                  double x, double y, double *px, double *py)
{
  Layout L;
  layout (db, width, height, &L);
  if (!(L.x1 > L.x0 && L.y1 > L.y0) || x < L.x0 || x > L.x1 || y < L.y0 || y > L.y1)
    return FALSE;
  *px = db->xmin + (x - L.x0) / (L.x1 - L.x0) * (db->xmax - db->xmin);
  *py = db->ymin + (L.y1 - y) / (L.y1 - L.y0) * (db->ymax - db->ymin);
  return TRUE;
}

gboolean
ps_decision_boundary_sample_at (const PsDecisionBoundary *db, double px, double py, int *row,
                                int *col)
{
  if (!(px >= db->xmin && px <= db->xmax && py >= db->ymin && py <= db->ymax))
    return FALSE;
  int c = (int) floor ((px - db->xmin) / (db->xmax - db->xmin) * db->grid_w);
  int r = (int) floor ((db->ymax - py) / (db->ymax - db->ymin) * db->grid_h);
  *col = CLAMP (c, 0, db->grid_w - 1);
  *row = CLAMP (r, 0, db->grid_h - 1);
  return TRUE;
}
