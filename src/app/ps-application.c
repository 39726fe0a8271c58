/* ps-application.c — app-wide actions (quit, about, shortcuts, projector mode, scenarios) and the
 * GSettings that outlive a window. */
#include "ps-config.h"
#include "ps-application.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "ps-window.h"
#include "ps-checkpoint-open.h"
#include "ps-checkpoint-window.h"
#include "ps-open-anyway-dialog.h"
#include "ps-file-chooser.h"
#include "ps-teardown.h"
#include "ps-threads.h"

struct _PsApplication {
  AdwApplication parent_instance;
  GSettings *settings;
  gboolean demo;
  guint checkpoint_jobs;   /* checkpoints being opened (each opens in a window of its own) */
  GtkWidget *anyway_dialog;   /* the "Open anyway?" question shown, weak */
};

G_DEFINE_FINAL_TYPE (PsApplication, ps_application, ADW_TYPE_APPLICATION)

static GSettings *
settings_new (void)
{
  /* Installed: the default source has the schema. Uninstalled (build-aux/demo, tests): the schema
   * compiled in the build tree. */
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, PS_APPLICATION_ID, TRUE) : NULL;
  if (schema == NULL)
    {
      g_autoptr (GSettingsSchemaSource) local =
        g_settings_schema_source_new_from_directory (PS_BUILD_DATA_DIR, source, FALSE, NULL);
      if (local != NULL)
        schema = g_settings_schema_source_lookup (local, PS_APPLICATION_ID, FALSE);
    }
  if (schema == NULL)
    {
      g_warning ("GSettings schema %s not found; settings will not be remembered", PS_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static PsWindow *
new_window (PsApplication *self)
{
  PsWindow *win = ps_window_new (self);
  gtk_window_present (GTK_WINDOW (win));
  return win;
}

static void
ps_application_activate (GApplication *app)
{
  PsApplication *self = PS_APPLICATION (app);
  GtkWindow *win = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (win == NULL)
    {
      PsWindow *w = new_window (self);
      ps_window_load_scenario (w, "demo");
    }
  else
    gtk_window_present (win);
}

static void
ps_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  PsApplication *self = PS_APPLICATION (app);
  /* several checkpoint files (`paramscope a.pt b.pt c.pt`): one series of them */
  g_autoptr (GPtrArray) checkpoints = g_ptr_array_new ();
  for (int i = 0; i < n_files; i++)
    if (g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY
        && ps_checkpoint_is_named (files[i]))
      g_ptr_array_add (checkpoints, files[i]);
  if (checkpoints->len >= 2)
    {
      PsWindow *w = new_window (self);
      ps_window_load_scenario (w, "demo");
      ps_application_open_checkpoints (self, (GFile **) checkpoints->pdata, checkpoints->len, GTK_WINDOW (w));
    }
  for (int i = 0; i < n_files; i++)
    {
      if (checkpoints->len >= 2 && g_ptr_array_find (checkpoints, files[i], NULL))
        continue;
      PsWindow *w = new_window (self);
      /* a folder is a training run's checkpoints: a series in a checkpoint window, watched */
      if (g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY
          || ps_checkpoint_is_named (files[i]))
        {
          /* weights open in a window of their own; this one (the demo) shows any error */
          ps_window_load_scenario (w, "demo");
          ps_application_open_checkpoint (self, files[i], GTK_WINDOW (w));
        }
      else
        ps_window_open_file (w, files[i]);
    }
}

/* ---------- opening a checkpoint ---------- */

typedef struct {
  PsApplication *app;   /* owned */
  GtkWindow *asker;     /* owned, nullable */
  GFile *file;          /* owned, one file (NULL: several) */
  gboolean anyway;      /* opened in the "open anyway" mode */
} OpenJob;

static void
open_job_free (OpenJob *job)
{
  g_clear_object (&job->asker);
  g_clear_object (&job->file);
  g_object_unref (job->app);
  g_free (job);
}

static void on_checkpoint_opened (GObject *source, GAsyncResult *result, gpointer data);

typedef struct {
  PsApplication *app;   /* owned */
  GFile *file;          /* owned */
  GtkWindow *asker;     /* owned, nullable */
  gboolean answered;
} AnywayQuestion;

static void
anyway_question_free (gpointer data, GClosure *closure)
{
  AnywayQuestion *q = data;
  g_object_unref (q->app);
  g_object_unref (q->file);
  g_clear_object (&q->asker);
  g_free (q);
}

static void ps_application_open_checkpoint_anyway (PsApplication *self, GFile *file, GtkWindow *asker);

/* Once: closing the dialog after a response answers again ("cancel"). */
static void
on_anyway_response (AdwMessageDialog *dialog, const char *response, AnywayQuestion *q)
{
  if (q->answered)
    return;
  q->answered = TRUE;
  if (g_strcmp0 (response, "anyway") == 0)
    ps_application_open_checkpoint_anyway (q->app, q->file, q->asker);
}

/* A torch file refused because it would build objects of a class (a whole pickled module): the
 * user may open it anyway — those objects listed inertly, never called. */
static void
ask_open_anyway (PsApplication *self, GFile *file, GtkWindow *asker, const char *why)
{
  GtkWidget *dialog = GTK_WIDGET (ps_open_anyway_dialog_new (asker, file, why));
  AnywayQuestion *q = g_new0 (AnywayQuestion, 1);
  q->app = g_object_ref (self);
  q->file = g_object_ref (file);
  q->asker = asker ? g_object_ref (asker) : NULL;
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_anyway_response), q, anyway_question_free, 0);
  g_set_weak_pointer (&self->anyway_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Opens a refused torch file anyway: those objects listed inertly, never called. */
static void
ps_application_open_checkpoint_anyway (PsApplication *self, GFile *file, GtkWindow *asker)
{
  g_return_if_fail (PS_IS_APPLICATION (self) && G_IS_FILE (file));
  OpenJob *job = g_new0 (OpenJob, 1);
  job->app = g_object_ref (self);
  job->asker = asker ? g_object_ref (asker) : NULL;
  job->file = g_object_ref (file);
  job->anyway = TRUE;
  self->checkpoint_jobs++;
  ps_checkpoint_window_open_anyway_async (GTK_APPLICATION (self), file, NULL, on_checkpoint_opened, job);
}

GtkWidget *
ps_application_get_anyway_dialog (PsApplication *self)
{
  return self->anyway_dialog;
}

static void
on_checkpoint_opened (GObject *source, GAsyncResult *result, gpointer data)
{
  OpenJob *job = data;
  g_autoptr (GError) error = NULL;
  PsCheckpointWindow *w = ps_checkpoint_window_open_finish (result, &error);
  job->app->checkpoint_jobs--;
  /* the asking window shows the outcome unless it was closed meanwhile */
  gboolean asker_open = job->asker != NULL && gtk_window_get_application (job->asker) != NULL;
  if (w == NULL)
    {
      /* only the banner: the model in the asking window is untouched */
      if (asker_open)
        ps_application_show_error (job->asker, error);
      if (job->file != NULL && !job->anyway && ps_checkpoint_window_error_allows_anyway (error))
        ask_open_anyway (job->app, job->file, asker_open ? job->asker : NULL, error->message);
    }
  else
    {
      if (asker_open && PS_IS_WINDOW (job->asker))
        ps_window_clear_error (PS_WINDOW (job->asker));
      gtk_window_present (GTK_WINDOW (w));
    }
  open_job_free (job);
}

void
ps_application_open_checkpoints (PsApplication *self, GFile *const *files, guint n_files, GtkWindow *asker)
{
  g_return_if_fail (PS_IS_APPLICATION (self) && files != NULL && n_files > 0);
  g_return_if_fail (asker == NULL || GTK_IS_WINDOW (asker));
  if (n_files == 1)
    {
      ps_application_open_checkpoint (self, files[0], asker);
      return;
    }
  OpenJob *job = g_new0 (OpenJob, 1);
  job->app = g_object_ref (self);
  job->asker = asker ? g_object_ref (asker) : NULL;
  self->checkpoint_jobs++;
  ps_checkpoint_window_open_series_async (GTK_APPLICATION (self), files, n_files, NULL, on_checkpoint_opened, job);
}

void
ps_application_open_checkpoint (PsApplication *self, GFile *file, GtkWindow *asker)
{
  g_return_if_fail (PS_IS_APPLICATION (self) && G_IS_FILE (file));
  g_return_if_fail (asker == NULL || GTK_IS_WINDOW (asker));
  OpenJob *job = g_new0 (OpenJob, 1);
  job->app = g_object_ref (self);
  job->asker = asker ? g_object_ref (asker) : NULL;
  job->file = g_object_ref (file);
  self->checkpoint_jobs++;
  ps_checkpoint_window_open_async (GTK_APPLICATION (self), file, NULL, on_checkpoint_opened, job);
}

void
ps_application_show_error (GtkWindow *window, const GError *error)
{
  g_return_if_fail (GTK_IS_WINDOW (window) && error != NULL);
  if (PS_IS_WINDOW (window))
    ps_window_job_failed (PS_WINDOW (window), error);
  else if (PS_IS_CHECKPOINT_WINDOW (window))
    ps_checkpoint_window_show_error (PS_CHECKPOINT_WINDOW (window), error->message);
}

guint
ps_application_get_checkpoint_jobs (PsApplication *self)
{
  g_return_val_if_fail (PS_IS_APPLICATION (self), 0);
  return self->checkpoint_jobs;
}

static void
on_open_checkpoint_response (GtkNativeDialog *dialog, int response, PsApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      /* several files chosen: one series of them; the window the chooser was opened over is the
       * one that shows a failure */
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; files != NULL && i < g_list_model_get_n_items (files); i++)
        g_ptr_array_add (list, g_list_model_get_item (files, i));
      if (list->len > 0)   /* GTK 4.8 can accept with no file */
        ps_application_open_checkpoints (self, (GFile *const *) list->pdata, list->len,
                                         gtk_native_dialog_get_transient_for (dialog));
    }
  ps_file_chooser_release (dialog);
}

static void
open_checkpoint_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Open Checkpoint"), parent,
                                                       GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"));
  /* several files: a series (a training run's checkpoints), ordered by the step/epoch in them */
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Weights (safetensors, sharded index, .npy, .npz)"));
  const char *patterns[] = { "*.safetensors", "*.index.json", "*.npy", "*.npz", "*.pt", "*.pth", "*.bin", "*.ckpt" };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_open_checkpoint_response, user_data);
}

static void
open_checkpoint_folder_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkFileChooserNative *chooser = ps_file_chooser_new (_("Open Checkpoint Folder"), parent,
                                                       GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"));
  ps_file_chooser_show (chooser, (PsFileChooserResponse) on_open_checkpoint_response, user_data);
}

/* ---------- the other app-wide actions ---------- */

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Paramscope developers", NULL };
  /* what decides bit-exactness with torch on this machine: ISA, threads, OpenBLAS core, oneDNN */
  g_autofree char *runtime = ps_threads_runtime_report ();
  /* GTK's about dialog, not libadwaita 1.2's about window: that one folds its leaflet while being
   * resized and snapshots a header-bar stack it has not allocated (a Gtk-WARNING), and its
   * "copied" toasts reach libadwaita 1.2's toast use-after-free (SIGSEGV under adw_animation_skip,
   * monkey seed 10 after the app's own toasts stopped using AdwToastOverlay). */
  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "system-information", runtime,
                         "program-name", _("Paramscope"),
                         "logo-icon-name", PS_APPLICATION_ID,
                         "version", PS_VERSION,
                         "comments", _("Watch neural-network parameters over time, bit for bit as PyTorch 1.13 makes them."),
                         "authors", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  /* Close the top-level windows one by one so each can ask about unsaved changes. Only those: the
   * application's list also holds the dialogs transient for them (a window closes its own). A copy
   * with a reference each: closing a window can take it out of the application's list while this
   * walks it. */
  GList *windows = gtk_application_get_windows (app);
  if (windows == NULL)
    g_application_quit (G_APPLICATION (app));
  GList *tops = NULL;
  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_window_get_transient_for (GTK_WINDOW (l->data)) == NULL)
      tops = g_list_prepend (tops, g_object_ref (l->data));
  for (GList *l = tops; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (tops, g_object_unref);
}

static void
new_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  PsWindow *w = new_window (PS_APPLICATION (user_data));
  ps_window_load_scenario (w, "empty");
}

static const GActionEntry app_actions[] = {
  { "about", about_activated },
  { "quit", quit_activated },
  { "new-window", new_activated },
  { "open-checkpoint", open_checkpoint_activated },
  { "open-checkpoint-folder", open_checkpoint_folder_activated },
};

static void
ps_application_startup (GApplication *app)
{
  PsApplication *self = PS_APPLICATION (app);
  G_APPLICATION_CLASS (ps_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  if (self->settings != NULL)
    {
      g_autoptr (GAction) projector = g_settings_create_action (self->settings, "projector-mode");
      g_action_map_add_action (G_ACTION_MAP (app), projector);
      g_autoptr (GAction) colormap = g_settings_create_action (self->settings, "colormap");
      g_action_map_add_action (G_ACTION_MAP (app), colormap);
    }

  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.new-window", { "<Control><Shift>n", NULL } },
    { "app.projector-mode", { "F5", NULL } },
    { "win.new", { "<Control>n", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.export-picture", { "<Control>e", NULL } },
    { "win.export-data", { "<Control><Shift>e", NULL } },
    { "app.open-checkpoint", { "<Control><Shift>o", NULL } },
    { "win.export-pytorch", { "<Control><Shift>p", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.zoom-reset", { "<Control>0", "<Control>KP_0", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    /* the single keys (space , .) are the window's own bindings: they must not fire while typing */
    { "win.step-back", { "<Alt>Left", NULL } },
    { "win.step-forward", { "<Alt>Right", NULL } },
    { "win.first-step", { "<Alt>Home", NULL } },
    { "win.last-step", { "<Alt>End", NULL } },
    { "win.replay", { "<Control>r", NULL } },
    { "win.reseed", { "<Control><Shift>r", NULL } },
    { "win.forward", { "<Control>f", NULL } },
    { "win.reset-parameters", { "<Control>i", NULL } },
    { "win.initialize", { "<Control><Shift>i", NULL } },
    { "win.add-layer", { "<Control>l", NULL } },
    { "win.type-pytorch", { "<Control>k", NULL } },
    { "win.toggle-train", { "<Control>t", NULL } },
    { "win.train", { "<Control><Shift>t", NULL } },
    { "win.rename-module", { "F2", NULL } },
    { "win.move-up", { "<Alt>Up", NULL } },
    { "win.move-down", { "<Alt>Down", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

/* every window closes its open popovers as it goes (ps-teardown.c: a drop-down's list left open
 * outlived its destroyed window) */
static void
ps_application_window_added (GtkApplication *app, GtkWindow *window)
{
  GTK_APPLICATION_CLASS (ps_application_parent_class)->window_added (app, window);
  g_signal_connect (window, "unmap", G_CALLBACK (ps_teardown_popdown_popovers), NULL);
}

static void
ps_application_dispose (GObject *object)
{
  PsApplication *self = PS_APPLICATION (object);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ps_application_parent_class)->dispose (object);
}

static void
ps_application_class_init (PsApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ps_application_dispose;
  G_APPLICATION_CLASS (klass)->activate = ps_application_activate;
  G_APPLICATION_CLASS (klass)->open = ps_application_open;
  G_APPLICATION_CLASS (klass)->startup = ps_application_startup;
  GTK_APPLICATION_CLASS (klass)->window_added = ps_application_window_added;
}

static void
ps_application_init (PsApplication *self)
{
  self->settings = settings_new ();
  const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, &self->demo, N_("Start with the built-in demo (the default)"), NULL },
    { NULL }
  };
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

PsApplication *
ps_application_new (void)
{
  return g_object_new (PS_TYPE_APPLICATION,
                       "application-id", PS_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/paramscope/Paramscope",
                       NULL);
}

void
ps_application_add_recent (PsApplication *self, GFile *file)
{
  g_return_if_fail (PS_IS_APPLICATION (self));
  if (self->settings == NULL)
    return;
  g_autofree char *uri = g_file_get_uri (file);
  g_auto (GStrv) old = g_settings_get_strv (self->settings, "recent-files");
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_add (b, uri);
  guint n = 1;
  for (guint i = 0; old[i] != NULL && n < PS_MAX_RECENT; i++)
    if (!g_str_equal (old[i], uri))
      {
        g_strv_builder_add (b, old[i]);
        n++;
      }
  g_auto (GStrv) list = g_strv_builder_end (b);
  g_settings_set_strv (self->settings, "recent-files", (const char *const *) list);
}

GSettings *
ps_application_get_settings (PsApplication *self)
{
  g_return_val_if_fail (PS_IS_APPLICATION (self), NULL);
  return self->settings;
}
