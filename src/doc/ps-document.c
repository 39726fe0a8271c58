/* ps-document.c — see ps-document.h. */
#include "ps-config.h"
#include "ps-document.h"
#include "ps-recipe.h"
#include "ps-regular-file.h"
#include "ps-train-monitor.h"

#include <glib/gi18n.h>
#include <inttypes.h>

struct _PsDocument {
  GObject parent_instance;
  PsTimeline *timeline;
  GFile *file;
  char *title;
  gboolean modified;
  gboolean busy;           /* a worker job runs */
  GTask *job;              /* its task (no reference: set_busy clears it when the job ends), or NULL */
  double progress;
  guint progress_source;
  /* What Undo and Redo take back: one user action each (a group of steps, or a seed change). When
   * the undo history is empty (steps that came with a loaded recipe) Undo takes back one step. */
  GArray *undo_stack;      /* UndoItem */
  GArray *redo_stack;
};

typedef enum { UNDO_STEPS, UNDO_SEED } UndoKind;

typedef struct {
  UndoKind kind;
  guint n_steps;           /* UNDO_STEPS: how many steps the action appended */
  int64_t seed_from, seed_to;
} UndoItem;

enum { PROP_0, PROP_CURRENT_STEP, PROP_N_STEPS, PROP_MODIFIED, PROP_TITLE, PROP_SEED, PROP_BUSY, PROP_PROGRESS, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PsDocument, ps_document, G_TYPE_OBJECT)

static void
record (PsDocument *self, UndoKind kind, guint n_steps, int64_t seed_from, int64_t seed_to)
{
  UndoItem item = { kind, n_steps, seed_from, seed_to };
  g_array_append_val (self->undo_stack, item);
  g_array_set_size (self->redo_stack, 0);
}

static void
forget_history (PsDocument *self)
{
  g_array_set_size (self->undo_stack, 0);
  g_array_set_size (self->redo_stack, 0);
}

static void
emit_changed (PsDocument *self, gboolean modified)
{
  if (modified && !self->modified)
    {
      self->modified = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
  g_signal_emit (self, signals[CHANGED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_STEP]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
}

PsDocument *
ps_document_new (void)
{
  return g_object_new (PS_TYPE_DOCUMENT, NULL);
}

/* Snapshots of a document's timeline beyond this many bytes of tensors are dropped (oldest
 * first) and rebuilt by replay when shown: training creates thousands of steps. 1 GiB, or
 * PS_TIMELINE_BUDGET_MB from the environment. */
static guint64
document_budget (void)
{
  const char *env = g_getenv ("PS_TIMELINE_BUDGET_MB");
  double mb = 1024;
  if (env != NULL && *env != '\0')
    mb = g_ascii_strtod (env, NULL);
  /* at least 1 byte: a zero budget (keep only the last state) is for commands, not views */
  return mb > 0 && mb < 1e12 ? MAX ((guint64) (mb * 1024 * 1024), 1) : 1;
}

gboolean
ps_document_load_data (PsDocument *self, const char *data, gsize len, GFile *file, const char *title,
                       GError **op_error, GError **error)
{
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (data, (gssize) len, error);
  if (recipe == NULL)
    return FALSE;
  g_autofree char *base_dir = NULL;
  if (file != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (file);
      base_dir = parent ? g_file_get_path (parent) : NULL;
    }
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, base_dir, document_budget ());
  g_clear_pointer (&self->timeline, ps_timeline_free);
  self->timeline = tl;
  forget_history (self);
  g_set_object (&self->file, file);
  g_free (self->title);
  self->title = g_strdup (title ? title : file ? g_file_peek_path (file) : _("Untitled"));
  if (file != NULL && title == NULL)
    {
      g_free (self->title);
      self->title = g_file_get_basename (file);
    }
  self->modified = FALSE;
  const GError *pending = ps_timeline_get_error (tl);
  if (pending != NULL && op_error != NULL)
    *op_error = g_error_copy (pending);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  emit_changed (self, FALSE);
  return TRUE;
}

gboolean
ps_document_save (PsDocument *self, GFile *file, GError **error)
{
  g_autoptr (PsRecipe) recipe = ps_timeline_to_recipe (self->timeline);
  g_autofree char *path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Only local files can be saved"));
      return FALSE;
    }
  if (!ps_recipe_save_to_file (recipe, path, error))
    return FALSE;
  g_set_object (&self->file, file);
  g_free (self->title);
  self->title = g_file_get_basename (file);
  self->modified = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  return TRUE;
}

void
ps_document_reset (PsDocument *self)
{
  g_return_if_fail (!self->busy);
  g_clear_pointer (&self->timeline, ps_timeline_free);
  self->timeline = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_clear_object (&self->file);
  g_free (self->title);
  self->title = g_strdup (_("Untitled"));
  self->modified = FALSE;
  forget_history (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  emit_changed (self, FALSE);
}

PsTimeline *ps_document_get_timeline (PsDocument *self) { return self->timeline; }

PsState *
ps_document_get_current_state (PsDocument *self)
{
  return ps_timeline_get_state (self->timeline, ps_timeline_get_current (self->timeline));
}

guint ps_document_get_current_step (PsDocument *self) { return ps_timeline_get_current (self->timeline); }
guint ps_document_get_n_steps (PsDocument *self) { return ps_timeline_get_n_steps (self->timeline); }
GFile *ps_document_get_file (PsDocument *self) { return self->file; }
const char *ps_document_get_title (PsDocument *self) { return self->title; }
gboolean ps_document_get_modified (PsDocument *self) { return self->modified; }

int64_t
ps_document_get_seed (PsDocument *self)
{
  return ps_timeline_get_recipe (self->timeline)->seed;
}

gboolean
ps_document_go_to_step (PsDocument *self, guint step, GError **error)
{
  if (step == ps_timeline_get_current (self->timeline))
    return TRUE;
  if (!ps_timeline_go_to_step (self->timeline, step, error))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_STEP]);
  return TRUE;
}

void
ps_document_set_current_step (PsDocument *self, guint step)
{
  if (step > ps_timeline_get_n_steps (self->timeline))
    return;
  ps_document_go_to_step (self, step, NULL);
}

gboolean
ps_document_apply_op (PsDocument *self, JsonObject *op, GError **error)
{
  return ps_document_apply_ops (self, &op, 1, error);
}

/* Takes back the last n steps (a group that could not be applied whole). Only the step before
 * them is needed, rebuilt if the memory budget dropped it; should even that fail, the error says
 * so and the steps stay. */
static void
take_back (PsDocument *self, guint n, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (n > 0 && !ps_timeline_undo_steps (self->timeline, n, &local) && error != NULL && *error != NULL)
    g_prefix_error (error, g_dngettext (NULL, "%s; and taking back the %u step it applied failed: ",
                                        "%s; and taking back the %u steps it applied failed: ", n), local->message, n);
}

/* ops as JSON objects (json) or parsed (parsed) */
static gboolean
apply_ops (PsDocument *self, JsonObject *const *json, PsOp *const *parsed, guint n_ops, GError **error)
{
  g_return_val_if_fail (n_ops > 0, FALSE);
  for (guint i = 0; i < n_ops; i++)
    if (json != NULL ? !ps_timeline_append_op (self->timeline, json[i], error)
                     : !ps_timeline_append_parsed_op (self->timeline, parsed[i], error))
      {
        /* all or nothing: take back the ones this call appended (redo must not bring them back) */
        take_back (self, i, error);
        ps_timeline_clear_pending (self->timeline);
        if (i > 0)
          emit_changed (self, FALSE);
        return FALSE;
      }
  record (self, UNDO_STEPS, n_ops, 0, 0);
  emit_changed (self, TRUE);
  return TRUE;
}

gboolean
ps_document_apply_ops (PsDocument *self, JsonObject *const *ops, guint n_ops, GError **error)
{
  return apply_ops (self, ops, NULL, n_ops, error);
}

gboolean
ps_document_apply_parsed_ops (PsDocument *self, PsOp *const *ops, guint n_ops, GError **error)
{
  return apply_ops (self, NULL, ops, n_ops, error);
}

gboolean
ps_document_apply_op_json (PsDocument *self, const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "an op must be a JSON object");
      return FALSE;
    }
  return ps_document_apply_op (self, json_node_get_object (root), error);
}

/* Rebuild with another seed, keeping the step being looked at. */
static gboolean
rebuild_with_seed (PsDocument *self, int64_t seed, GError **error)
{
  guint current = ps_timeline_get_current (self->timeline);
  if (!ps_timeline_replay_with_seed (self->timeline, seed, error))
    return FALSE;
  /* should the step shown not fit in memory any more, the last step (always kept) is shown */
  ps_timeline_go_to_step (self->timeline, MIN (current, ps_timeline_get_n_steps (self->timeline)), NULL);
  return TRUE;
}

gboolean
ps_document_can_undo (PsDocument *self)
{
  return !self->busy && (self->undo_stack->len > 0 || ps_timeline_get_n_steps (self->timeline) > 0);
}

gboolean
ps_document_can_redo (PsDocument *self)
{
  return !self->busy && (self->redo_stack->len > 0 || ps_timeline_get_n_pending (self->timeline) > 0);
}

gboolean
ps_document_undo (PsDocument *self)
{
  return ps_document_undo_full (self, NULL);
}

gboolean
ps_document_undo_full (PsDocument *self, GError **error)
{
  if (self->busy)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Another job is still running"));
      return FALSE;
    }
  UndoItem item = { UNDO_STEPS, 1, 0, 0 };
  if (self->undo_stack->len > 0)
    item = g_array_index (self->undo_stack, UndoItem, self->undo_stack->len - 1);
  if (item.kind == UNDO_SEED)
    {
      if (!rebuild_with_seed (self, item.seed_from, error))
        return FALSE;
    }
  else if (!ps_timeline_undo_steps (self->timeline, MIN (item.n_steps, ps_timeline_get_n_steps (self->timeline)),
                                    error))
    return FALSE;   /* nothing to undo, or the step before the group did not fit in memory */
  if (self->undo_stack->len > 0)
    g_array_set_size (self->undo_stack, self->undo_stack->len - 1);
  g_array_append_val (self->redo_stack, item);
  emit_changed (self, TRUE);
  return TRUE;
}

gboolean
ps_document_redo (PsDocument *self, GError **error)
{
  if (self->busy)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Another job is still running"));
      return FALSE;
    }
  UndoItem item = { UNDO_STEPS, 1, 0, 0 };
  if (self->redo_stack->len > 0)
    item = g_array_index (self->redo_stack, UndoItem, self->redo_stack->len - 1);
  if (item.kind == UNDO_SEED)
    {
      if (!rebuild_with_seed (self, item.seed_to, error))
        return FALSE;
    }
  else
    for (guint i = 0; i < item.n_steps; i++)
      if (!ps_timeline_redo (self->timeline, error))
        {
          /* the group cannot come back whole (a pending op fails): take back what came */
          take_back (self, i, error);
          if (i > 0)
            emit_changed (self, FALSE);
          return FALSE;
        }
  if (self->redo_stack->len > 0)
    g_array_set_size (self->redo_stack, self->redo_stack->len - 1);
  g_array_append_val (self->undo_stack, item);
  emit_changed (self, TRUE);
  return TRUE;
}

gboolean
ps_document_reseed (PsDocument *self, int64_t seed, GError **error)
{
  int64_t before = ps_document_get_seed (self);
  if (!rebuild_with_seed (self, seed, error))
    return FALSE;
  if (seed != before)
    record (self, UNDO_SEED, 0, before, seed);
  emit_changed (self, TRUE);
  return TRUE;
}

/* ---------- worker jobs ---------- */

typedef enum { JOB_LOAD, JOB_REPLAY, JOB_RESEED, JOB_APPEND } JobKind;

typedef struct {
  JobKind kind;
  PsRecipe *recipe;        /* private deep copy: applied ops, then pending ones */
  char *base_dir;
  guint n_apply;           /* ops the worker applies; the rest stay pending */
  guint cursor;            /* step to show afterwards (clamped) */
  gboolean retry_pending;  /* replay: the first pending op failed before; try it again so its error shows */
  GFile *file;
  char *title;
  gint done;               /* ops applied so far (atomic: read by the main thread) */
  guint n_new;             /* JOB_APPEND: the ops appended (one undo takes them all back) */
  PsTrainMonitor *monitor; /* reports the appended ops' training; or NULL */
} Job;

static void
job_free (gpointer p)
{
  Job *job = p;
  g_clear_pointer (&job->recipe, ps_recipe_free);
  g_free (job->base_dir);
  g_clear_object (&job->file);
  g_free (job->title);
  g_clear_object (&job->monitor);
  g_free (job);
}

static void
job_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  /* until = 0: every op starts pending, and redo applies them one at a time */
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (job->recipe, 0, job->base_dir, document_budget ());
  for (guint i = 0; i < job->n_apply; i++)
    {
      GError *error = NULL;
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          ps_timeline_free (tl);
          g_task_return_error (task, error);
          return;
        }
      const gboolean watch = job->monitor != NULL && i + job->n_new >= job->n_apply;
      if (watch)
        ps_train_monitor_attach (job->monitor, cancellable);
      gboolean ok = ps_timeline_redo (tl, &error);
      if (watch)
        ps_train_monitor_detach (job->monitor);
      if (job->kind == JOB_APPEND && g_cancellable_is_cancelled (cancellable))
        {
          /* a train op stopped by Cancel fails as "interrupted"; one that ended as Cancel was
           * pressed is dropped all the same: either way the document stays as it was */
          g_clear_error (&error);
          g_cancellable_set_error_if_cancelled (cancellable, &error);
          ok = FALSE;
        }
      if (!ok)
        {
          if (job->kind == JOB_LOAD)
            {
              /* like loading synchronously: the steps before the failing op exist, the error is kept */
              g_clear_error (&error);
              break;
            }
          ps_timeline_free (tl);
          g_task_return_error (task, error);
          return;
        }
      g_atomic_int_set (&job->done, (gint) i + 1);
    }
  if (job->retry_pending && ps_timeline_get_n_pending (tl) > 0)
    {
      /* records the error again, as the synchronous replay keeps it; should it pass now, it stays
       * pending (undone) — replay never adds steps */
      GError *error = NULL;
      if (ps_timeline_redo (tl, NULL) && !ps_timeline_undo_full (tl, &error))
        {
          ps_timeline_free (tl);
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_pointer (task, tl, (GDestroyNotify) ps_timeline_free);
}

static gboolean
poll_progress (gpointer data)
{
  PsDocument *self = data;
  GTask *task = self->job;
  Job *job = task ? g_task_get_task_data (task) : NULL;
  double p = job && job->n_apply > 0 ? (double) g_atomic_int_get (&job->done) / job->n_apply : 0;
  if (job != NULL && job->monitor != NULL && job->n_apply > 0)
    {
      /* a training run is one op: count its optimizer steps into the bar */
      int64_t total = 0, step = ps_train_monitor_get_step (job->monitor, &total);
      if (total > 0)
        p = MIN (1.0, ((double) g_atomic_int_get (&job->done) + (double) step / (double) total) / job->n_apply);
    }
  if (p != self->progress)
    {
      self->progress = p;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  return G_SOURCE_CONTINUE;
}

static void
set_busy (PsDocument *self, GTask *task)
{
  self->busy = task != NULL;
  self->job = task;
  g_clear_handle_id (&self->progress_source, g_source_remove);
  if (self->busy)
    self->progress_source = g_timeout_add (50, poll_progress, self);
  self->progress = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Runs on the main thread when the worker is done: swap the new timeline in. */
static void
job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *outer = data;   /* owned */
  PsDocument *self = PS_DOCUMENT (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  set_busy (self, NULL);
  GError *error = NULL;
  PsTimeline *tl = g_task_propagate_pointer (G_TASK (result), &error);
  if (tl == NULL)
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }
  int64_t seed_before = ps_document_get_seed (self);
  g_clear_pointer (&self->timeline, ps_timeline_free);
  self->timeline = tl;
  ps_timeline_go_to_step (tl, MIN (job->cursor, ps_timeline_get_n_steps (tl)), NULL);
  if (job->kind == JOB_APPEND)
    record (self, UNDO_STEPS, MAX (job->n_new, 1), 0, 0);
  else if (job->kind == JOB_RESEED && ps_document_get_seed (self) != seed_before)
    record (self, UNDO_SEED, 0, seed_before, ps_document_get_seed (self));
  if (job->kind == JOB_LOAD)
    {
      forget_history (self);
      g_set_object (&self->file, job->file);
      g_free (self->title);
      self->title = job->title ? g_strdup (job->title)
                    : job->file ? g_file_get_basename (job->file) : g_strdup (_("Untitled"));
      self->modified = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
  emit_changed (self, job->kind == JOB_RESEED || job->kind == JOB_APPEND);
  g_task_return_boolean (outer, TRUE);
  g_object_unref (outer);
}

static void
start_job (PsDocument *self, Job *job, gpointer tag, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, tag);
  if (self->busy)
    {
      job_free (job);
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_BUSY, _("Another job is still running"));
      g_object_unref (outer);
      return;
    }
  g_autoptr (GTask) inner = g_task_new (self, cancellable, job_done, outer);
  g_task_set_task_data (inner, job, job_free);
  set_busy (self, inner);
  g_task_run_in_thread (inner, job_thread);
}

static Job *
rebuild_job (PsDocument *self, JobKind kind, int64_t seed, GError **error)
{
  g_autoptr (PsRecipe) all = ps_timeline_to_recipe (self->timeline);
  all->seed = seed;
  /* a deep copy of the typed ops (ps_recipe_copy → ps_op_copy, x- members node by node, no text round
   * trip): the worker shares no JsonObject (whose refcounts are not atomic) with the timeline the
   * main thread keeps showing */
  PsRecipe *copy = ps_recipe_copy (all);
  Job *job = g_new0 (Job, 1);
  job->kind = kind;
  job->recipe = copy;
  job->n_apply = ps_timeline_get_n_steps (self->timeline);
  job->cursor = ps_timeline_get_current (self->timeline);
  job->retry_pending = ps_timeline_get_error (self->timeline) != NULL;
  if (self->file != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (self->file);
      job->base_dir = parent ? g_file_get_path (parent) : NULL;
    }
  return job;
}

void
ps_document_replay_async (PsDocument *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  GError *error = NULL;
  Job *job = rebuild_job (self, JOB_REPLAY, ps_document_get_seed (self), &error);
  if (job == NULL)
    {
      g_task_report_error (self, callback, user_data, ps_document_replay_async, error);
      return;
    }
  start_job (self, job, ps_document_replay_async, cancellable, callback, user_data);
}

gboolean
ps_document_replay_finish (PsDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ps_document_reseed_async (PsDocument *self, int64_t seed, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  GError *error = NULL;
  Job *job = rebuild_job (self, JOB_RESEED, seed, &error);
  if (job == NULL)
    {
      g_task_report_error (self, callback, user_data, ps_document_reseed_async, error);
      return;
    }
  start_job (self, job, ps_document_reseed_async, cancellable, callback, user_data);
}

gboolean
ps_document_reseed_finish (PsDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ps_document_load_async (PsDocument *self, GBytes *bytes, GFile *file, const char *title,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  g_return_if_fail (bytes != NULL);
  GError *error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  /* parsing is quick and reports a malformed recipe at once; replaying its ops is the slow part */
  PsRecipe *recipe = ps_recipe_load_from_data (data ? data : "", (gssize) len, &error);
  if (recipe == NULL)
    {
      g_task_report_error (self, callback, user_data, ps_document_load_async, error);
      return;
    }
  Job *job = g_new0 (Job, 1);
  job->kind = JOB_LOAD;
  job->recipe = recipe;
  job->n_apply = recipe->ops->len;
  job->cursor = G_MAXUINT;
  job->file = file ? g_object_ref (file) : NULL;
  job->title = g_strdup (title);
  if (file != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (file);
      job->base_dir = parent ? g_file_get_path (parent) : NULL;
    }
  start_job (self, job, ps_document_load_async, cancellable, callback, user_data);
}

gboolean
ps_document_load_finish (PsDocument *self, GAsyncResult *result, GError **op_error, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  const GError *pending = ps_timeline_get_error (self->timeline);
  if (pending != NULL && op_error != NULL)
    *op_error = g_error_copy (pending);
  return TRUE;
}

/* ops as JSON objects (json) or parsed (parsed) */
static void
append_async (PsDocument *self, JsonObject *const *json, PsOp *const *parsed, guint n_ops, PsTrainMonitor *monitor,
              gpointer tag, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  /* the applied ops and the new ones; pending (undone) ops are dropped, as appending does */
  g_autoptr (PsRecipe) all = ps_recipe_copy (ps_timeline_get_recipe (self->timeline));
  PsRecipe *deep = NULL;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n_ops; i++)
    if (json != NULL)
      ok = ps_recipe_append_op (all, json[i], &error);
    else
      g_ptr_array_add (all->ops, ps_op_ref (parsed[i]));
  /* the worker gets its own deep copy (ps_recipe_copy): no JsonObject is shared with this thread */
  if (ok)
    deep = ps_recipe_copy (all);
  if (deep == NULL)
    {
      g_task_report_error (self, callback, user_data, tag, error);
      return;
    }
  Job *job = g_new0 (Job, 1);
  job->kind = JOB_APPEND;
  job->recipe = deep;
  job->n_apply = deep->ops->len;
  job->n_new = n_ops;
  job->monitor = monitor ? g_object_ref (monitor) : NULL;
  job->cursor = G_MAXUINT;
  if (self->file != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (self->file);
      job->base_dir = parent ? g_file_get_path (parent) : NULL;
    }
  start_job (self, job, tag, cancellable, callback, user_data);
}

void
ps_document_apply_op_async (PsDocument *self, JsonObject *op, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  g_return_if_fail (op != NULL);
  append_async (self, &op, NULL, 1, NULL, ps_document_apply_op_async, cancellable, callback, user_data);
}

void
ps_document_train_async (PsDocument *self, JsonObject *const *ops, guint n_ops, PsTrainMonitor *monitor,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  g_return_if_fail (ops != NULL && n_ops > 0);
  append_async (self, ops, NULL, n_ops, monitor, ps_document_apply_op_async, cancellable, callback, user_data);
}

void
ps_document_train_parsed_async (PsDocument *self, PsOp *const *ops, guint n_ops, PsTrainMonitor *monitor,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_DOCUMENT (self));
  g_return_if_fail (ops != NULL && n_ops > 0);
  append_async (self, NULL, ops, n_ops, monitor, ps_document_apply_op_async, cancellable, callback, user_data);
}

gboolean
ps_document_apply_op_finish (PsDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean ps_document_get_busy (PsDocument *self) { return self->busy; }
double ps_document_get_progress (PsDocument *self) { return self->progress; }

static void
ps_document_finalize (GObject *object)
{
  PsDocument *self = PS_DOCUMENT (object);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_clear_pointer (&self->timeline, ps_timeline_free);
  g_clear_object (&self->file);
  g_free (self->title);
  g_array_unref (self->undo_stack);
  g_array_unref (self->redo_stack);
  G_OBJECT_CLASS (ps_document_parent_class)->finalize (object);
}

static void
ps_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsDocument *self = PS_DOCUMENT (object);
  switch (prop_id)
    {
    case PROP_CURRENT_STEP: g_value_set_uint (value, ps_document_get_current_step (self)); break;
    case PROP_N_STEPS: g_value_set_uint (value, ps_document_get_n_steps (self)); break;
    case PROP_MODIFIED: g_value_set_boolean (value, self->modified); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_SEED: g_value_set_int64 (value, ps_document_get_seed (self)); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_document_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PsDocument *self = PS_DOCUMENT (object);
  switch (prop_id)
    {
    case PROP_CURRENT_STEP: ps_document_set_current_step (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_document_class_init (PsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = ps_document_finalize;
  object_class->get_property = ps_document_get_property;
  object_class->set_property = ps_document_set_property;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_CURRENT_STEP] = g_param_spec_uint ("current-step", NULL, NULL, 0, G_MAXUINT, 0,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_STEPS] = g_param_spec_uint ("n-steps", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE, ro);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  properties[PROP_SEED] = g_param_spec_int64 ("seed", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);
}

static void
ps_document_init (PsDocument *self)
{
  self->timeline = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  ps_timeline_set_memory_budget (self->timeline, document_budget ());
  self->title = g_strdup (_("Untitled"));
  self->undo_stack = g_array_new (FALSE, FALSE, sizeof (UndoItem));
  self->redo_stack = g_array_new (FALSE, FALSE, sizeof (UndoItem));
}
