/* bench-app-util.h — what the benchmarks that measure the app's own window share
 * (bench-app-substeps, bench-train-frames): GTK and libadwaita started (no display: the caller
 * exits 77), a presented 1400 × 900 main window with a recipe loaded, and frames that keep coming
 * (a tick callback) with a callback after each paint. */
#pragma once

#include <stdio.h>
#include <string.h>
#include "ps-window-private.h"
#include "bench-util.h"

/* FALSE, with "PROG needs a display (xvfb-run)" on stderr, when GTK cannot start. */
static inline gboolean
bench_app_init (const char *prog)
{
  if (!gtk_init_check ())
    {
      fprintf (stderr, "%s needs a display (xvfb-run)\n", prog);
      return FALSE;
    }
  adw_init ();
  return TRUE;
}

/* A new application's main window, 1400 × 900, presented, with `recipe` (JSON text) loaded (in
 * *load_s seconds of wall time, when not NULL: the ops, a train op's run included); NULL and the
 * error (of the file, else of its first failing op) when it does not load. The caller owns the
 * application's reference (gtk_window_get_application; unref it after destroying the window). */
static inline PsWindow *
bench_app_window (const char *recipe, double *load_s, GError **error)
{
  PsApplication *app = ps_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  PsWindow *w = ps_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (w), 1400, 900);
  gtk_window_present (GTK_WINDOW (w));
  GError *op_error = NULL;
  const gint64 t0 = g_get_monotonic_time ();
  gboolean loaded = ps_document_load_data (ps_window_get_document (w), recipe, strlen (recipe), NULL, "bench", &op_error, error);
  if (load_s != NULL)
    *load_s = (g_get_monotonic_time () - t0) / 1e6;
  if (!loaded)
    {
      g_clear_error (&op_error);
      return NULL;
    }
  if (op_error != NULL)
    {
      g_propagate_error (error, op_error);
      return NULL;
    }
  return w;
}

static gboolean
bench_app_keep_ticking (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Frames keep coming (a tick callback on w) and after_paint runs after each one is painted. */
static inline void
bench_app_follow_frames (PsWindow *w, void (*after_paint) (GdkFrameClock *clock, gpointer data))
{
  gtk_widget_add_tick_callback (GTK_WIDGET (w), bench_app_keep_ticking, NULL, NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (w)), "after-paint", G_CALLBACK (after_paint), NULL);
}
