/* bench-app-frames — the app's interactive costs, measured on the real window (run under a display:
 *   dbus-run-session -- xvfb-run -a env GSETTINGS_BACKEND=memory GSK_RENDERER=cairo build/bench/bench-app-frames
 * Prints medians; asserts nothing about time.
 *  1. startup: process start → the first frame painted, the demo loaded (goal ≤ 0.5 s);
 *  2. an 8192×8192 weight: building its heatmap figure (once per data change), then one pan/zoom
 *     frame (the cached picture scaled, nearest; goal ≤ 16 ms) and the sharp redraw of the visible
 *     region once zoom and pan rest. */
#include "ps-config.h"
#include "ps-window-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

/* CPU seconds of this process: on a loaded machine wall time says more about the neighbours */
static double
cpu_ms (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static gint64 t_start;
static gboolean painted;

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  if (!painted)
    {
      painted = TRUE;
      printf ("startup to first frame: %.1f ms wall, %.1f ms CPU (process start → first paint; "
              "excludes loading the dynamic libraries before main)\n",
              (g_get_monotonic_time () - t_start) / 1000.0, cpu_ms ());
    }
}

static void
on_realize (GtkWidget *w, gpointer data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (w);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return v[n / 2];
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char **argv)
{
  t_start = g_get_monotonic_time ();
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-app-frames needs a display (xvfb-run)\n");
      return 77;
    }
#define LAP(what) printf ("  %-32s %7.1f ms\n", what, (g_get_monotonic_time () - t_start) / 1000.0)
  LAP ("gtk_init");
  adw_init ();
  LAP ("adw_init");
  PsApplication *app = ps_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  LAP ("application registered");
  PsWindow *w = ps_window_new (app);
  g_signal_connect (w, "realize", G_CALLBACK (on_realize), NULL);
  LAP ("window built");
  ps_window_load_scenario (w, "demo");
  LAP ("demo loaded");
  gtk_window_present (GTK_WINDOW (w));
  LAP ("presented");
  while (!painted)
    g_main_context_iteration (NULL, TRUE);

  /* an 8192×8192 Linear as the model */
  const char *recipe =
    "{\"format\":\"paramscope-recipe\",\"version\":1,\"seed\":0,\"root\":\"big\",\"ops\":["
    "{\"op\":\"module\",\"id\":\"big\",\"type\":\"Linear\",\"args\":{\"in_features\":8192,\"out_features\":8192}}]}";
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  if (!ps_document_load_data (ps_window_get_document (w), recipe, strlen (recipe), NULL, "big", NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("8192×8192 Linear constructed (kaiming_uniform_ init): %.1f ms\n", (g_get_monotonic_time () - t0) / 1000.0);
  ps_window_select_path (w, "weight");
  adw_view_stack_set_visible_child_name (w->view_stack, "heatmap");
  iterate ();

  enum { N = 15 };
  double build[N], fast[N], sharp[N];
  PsPlotView *view = ps_figure_page_get_view (w->pages[PS_PAGE_HEATMAP]);
  for (int i = 0; i < N; i++)
    {
      gint64 a = g_get_monotonic_time ();
      ps_plot_view_invalidate (view);
      g_autoptr (GError) e = NULL;
      PsFigureOptions o;
      ps_window_fill_figure_options (w, &o, PS_PAGE_HEATMAP);
      PsFigure *fig = ps_figure_new (ps_document_get_timeline (ps_window_get_document (w)), "weight", &o, &e);
      build[i] = (g_get_monotonic_time () - a) / 1000.0;
      ps_figure_free (fig);
    }
  /* the cached picture at zoom 1 exists after this */
  cairo_surface_destroy (ps_plot_view_render_for_test (view, FALSE));
  ps_plot_view_set_zoom (view, 4.0, 300, 200);
  for (int i = 0; i < N; i++)
    {
      ps_plot_view_pan_by (view, i % 2 ? 13 : -13, i % 2 ? -7 : 7);
      gint64 a = g_get_monotonic_time ();
      cairo_surface_destroy (ps_plot_view_render_for_test (view, FALSE));
      fast[i] = (g_get_monotonic_time () - a) / 1000.0;
      a = g_get_monotonic_time ();
      cairo_surface_destroy (ps_plot_view_render_for_test (view, TRUE));
      sharp[i] = (g_get_monotonic_time () - a) / 1000.0;
    }
  GtkWidget *vw = GTK_WIDGET (view);
  printf ("plot view %d×%d px\n", gtk_widget_get_width (vw), gtk_widget_get_height (vw));
  printf ("8192×8192 heatmap figure build (stats, downsample, colorize): median %.1f ms\n", median (build, N));
  printf ("pan/zoom frame at 4× (cached picture, nearest): median %.2f ms (goal ≤ 16 ms)\n", median (fast, N));
  printf ("sharp redraw of the visible region at 4× (after zoom rests): median %.2f ms\n", median (sharp, N));
  gtk_window_destroy (GTK_WINDOW (w));
  iterate ();
  g_object_unref (app);
  return 0;
}
