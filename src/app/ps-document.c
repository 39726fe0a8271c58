/* ps-document.c — see ps-document.h. */
#include "ps-document.h"

#include <glib/gi18n.h>

struct _PsDocument {
  GObject parent_instance;
  PsTimeline *timeline;
  GFile *file;
  char *title;
  gboolean modified;
};

enum { PROP_0, PROP_CURRENT_STEP, PROP_N_STEPS, PROP_MODIFIED, PROP_TITLE, PROP_SEED, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PsDocument, ps_document, G_TYPE_OBJECT)

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
  PsTimeline *tl = ps_timeline_new_from_recipe (recipe, -1, base_dir);
  g_clear_pointer (&self->timeline, ps_timeline_free);
  self->timeline = tl;
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
ps_document_load_file (PsDocument *self, GFile *file, GError **op_error, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
    return FALSE;
  return ps_document_load_data (self, data, len, file, NULL, op_error, error);
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

void
ps_document_set_current_step (PsDocument *self, guint step)
{
  if (step > ps_timeline_get_n_steps (self->timeline) || step == ps_timeline_get_current (self->timeline))
    return;
  ps_timeline_go_to_step (self->timeline, step, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_STEP]);
}

gboolean
ps_document_apply_op (PsDocument *self, JsonObject *op, GError **error)
{
  if (!ps_timeline_append_op (self->timeline, op, error))
    return FALSE;
  emit_changed (self, TRUE);
  return TRUE;
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

gboolean
ps_document_undo (PsDocument *self)
{
  if (!ps_timeline_undo (self->timeline))
    return FALSE;
  emit_changed (self, TRUE);
  return TRUE;
}

gboolean
ps_document_redo (PsDocument *self, GError **error)
{
  if (!ps_timeline_redo (self->timeline, error))
    return FALSE;
  emit_changed (self, TRUE);
  return TRUE;
}

gboolean
ps_document_replay (PsDocument *self, GError **error)
{
  guint current = ps_timeline_get_current (self->timeline);
  if (!ps_timeline_replay (self->timeline, error))
    return FALSE;
  ps_timeline_go_to_step (self->timeline, MIN (current, ps_timeline_get_n_steps (self->timeline)), NULL);
  emit_changed (self, FALSE);
  return TRUE;
}

gboolean
ps_document_reseed (PsDocument *self, int64_t seed, GError **error)
{
  guint current = ps_timeline_get_current (self->timeline);
  if (!ps_timeline_replay_with_seed (self->timeline, seed, error))
    return FALSE;
  ps_timeline_go_to_step (self->timeline, MIN (current, ps_timeline_get_n_steps (self->timeline)), NULL);
  emit_changed (self, TRUE);
  return TRUE;
}

const GError *
ps_document_get_pending_error (PsDocument *self)
{
  return ps_timeline_get_error (self->timeline);
}

static void
ps_document_finalize (GObject *object)
{
  PsDocument *self = PS_DOCUMENT (object);
  g_clear_pointer (&self->timeline, ps_timeline_free);
  g_clear_object (&self->file);
  g_free (self->title);
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
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);
}

static void
ps_document_init (PsDocument *self)
{
  self->timeline = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  self->title = g_strdup (_("Untitled"));
}
