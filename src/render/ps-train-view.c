/* ps-train-view.c — see ps-train-view.h. */
#include "ps-config.h"
#include "ps-train-view.h"
#include <glib/gi18n.h>
#include "ps-decision-boundary.h"
#include "ps-difference.h"
#include "ps-animation.h"
#include "ps-error.h"
#include "ps-export.h"
#include "ps-frame-list.h"
#include "ps-figure-sequence.h"
#include "ps-layer-diagnostics.h"
#include "ps-loss-curve.h"
#include "ps-optimizer.h"
#include "ps-ratio-chart.h"
#include "ps-stats.h"
#include "ps-train-figures.h"
#include "ps-train-records.h"
#include "ps-weight-grid.h"

#include <math.h>
#include <string.h>

static const char *const view_names[] = {
  "loss", "ratios", "activations", "gradients", "output-gradients", "boundary", "weight-tiles", "heatmap",
  "histogram",
};

gboolean
ps_train_view_parse (const char *name, PsTrainViewKind *kind)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (view_names); i++)
    if (strcmp (name, view_names[i]) == 0)
      {
        *kind = (PsTrainViewKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ps_train_view_name (PsTrainViewKind kind)
{
  if (kind == PS_TRAIN_VIEW_DIFFERENCE)
    return "difference";
  return (guint) kind < G_N_ELEMENTS (view_names) ? view_names[kind] : "?";
}

const char *
ps_train_view_all_names (void)
{
  return "loss, ratios, activations, gradients, output-gradients, boundary, weight-tiles, heatmap, histogram";
}

gboolean
ps_train_view_needs_state (PsTrainViewKind kind)
{
  return kind != PS_TRAIN_VIEW_LOSS && kind != PS_TRAIN_VIEW_RATIOS;
}

void
ps_train_view_options_init (PsTrainViewOptions *o)
{
  memset (o, 0, sizeof *o);
  ps_figure_options_init (&o->figure);
  o->shared_range = TRUE;
  o->rows = PS_TRAIN_FIGURES_SAMPLE_ROWS;
  o->boundary_grid = PS_TRAIN_VIEW_BOUNDARY_GRID;
  o->scale = 1;
}

GArray *
ps_train_view_plan_frames (const char *path, guint from, guint to, guint every, guint n, GError **error)
{
  const char *dot = strrchr (path, '.');
  g_autofree char *ext = dot ? g_ascii_strdown (dot + 1, -1) : g_strdup ("");
  if (strcmp (ext, "gif") != 0 && strcmp (ext, "pdf") != 0 && strcmp (ext, "png") != 0 && strcmp (ext, "svg") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s': frames are written as .gif, .png or .svg (a numbered series) or .pdf (a page per frame)",
                   path);
      return NULL;
    }
  return ps_animation_frame_range (from, to, every, n, PS_TRAIN_VIEW_MAX_FRAMES, "sub-steps", error);
}

GArray *
ps_train_view_plan_sheet (const char *path, const char *steps, guint n, guint *columns, GError **error)
{
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint));
  PsExportFormat fmt;
  if (!ps_export_format_for_path (path, &fmt, error)
      || !ps_frame_list_parse (steps, n, PS_TRAIN_VIEW_MAX_FRAMES, "sub-step", frames, error))
    return NULL;
  if (*columns == PS_TRAIN_VIEW_SHEET_PAGES && fmt != PS_EXPORT_PDF)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "'%s': a page per frame needs a .pdf; give columns for a PNG or SVG sheet", path);
      return NULL;
    }
  if (*columns == 0)
    *columns = (guint) ceil (sqrt ((double) frames->len));
  else if (*columns == PS_TRAIN_VIEW_SHEET_PAGES)
    *columns = 0;
  return g_steal_pointer (&frames);
}

typedef struct {
  guint index;
  char *subtitle;
  /* layers */
  PsTrainLayerSet set;
  PsLayerDiagnosticsOptions ldo;
  PsLayerDiagnostics ld;
  /* boundary */
  float *db_values;
  PsTensor *db_x, *db_y;
  PsDecisionBoundaryOptions dbo;
  PsDecisionBoundary db;
  /* weight tiles */
  PsTensor *tiles;
  char *tiles_title;
  PsWeightGrid *wg;
} Frame;

struct _PsTrainFrames {
  PsTrainViewOptions o;
  char *param, *what;
  const PsTrainRecord *const *records;
  const int64_t *x;
  guint n_records;
  GPtrArray *frames;          /* Frame* */
  gboolean finished;
  /* loss */
  double *loss, *acc, *lr;
  PsSeries s_loss, s_acc, s_lr;
  PsLossCurveOptions lco;
  PsLossCurve lc;
  /* ratios */
  GPtrArray *names;
  GArray *ratio_g, *ratio_u;
  PsRatioChartOptions rco;
  PsRatioChart rc;
  /* heatmap / histogram */
  GPtrArray *tensors;         /* PsTensor* refs */
  GPtrArray *labels;          /* char* */
  char *param_title;
  PsTensor *ref;              /* difference: the tensor at the reference sub-step (ref) */
  guint ref_index;
  PsFigureSequence *seq;      /* one shared range */
  GPtrArray *figs;            /* PsFigure*: each frame its own range (shared_range FALSE) */
};

static void
frame_free (gpointer p)
{
  Frame *fr = p;
  g_free (fr->subtitle);
  if (fr->set.hists != NULL)
    ps_train_layer_set_free (&fr->set);
  g_free (fr->db_values);
  g_clear_pointer (&fr->db_x, ps_tensor_unref);
  g_clear_pointer (&fr->db_y, ps_tensor_unref);
  g_clear_pointer (&fr->tiles, ps_tensor_unref);
  g_free (fr->tiles_title);
  g_clear_pointer (&fr->wg, ps_weight_grid_free);
  g_free (fr);
}

PsTrainFrames *
ps_train_frames_new (const PsTrainViewOptions *o, const PsTrainRecord *const *records, const int64_t *x,
                     guint n_records)
{
  PsTrainFrames *f = g_new0 (PsTrainFrames, 1);
  f->o = *o;
  f->param = g_strdup (o->param);
  f->what = g_strdup (o->what && strcmp (o->what, "value") != 0 ? o->what : NULL);
  f->o.param = f->param;
  f->o.what = f->what;
  if (f->o.rows == 0)
    f->o.rows = PS_TRAIN_FIGURES_SAMPLE_ROWS;
  if (f->o.boundary_grid <= 0)
    f->o.boundary_grid = PS_TRAIN_VIEW_BOUNDARY_GRID;
  if (!(f->o.scale > 0))
    f->o.scale = 1;
  f->records = records;
  f->x = x;
  f->n_records = n_records;
  f->frames = g_ptr_array_new_with_free_func (frame_free);
  f->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  f->labels = g_ptr_array_new_with_free_func (g_free);
  f->names = g_ptr_array_new_with_free_func (g_free);
  f->ratio_g = g_array_new (FALSE, FALSE, sizeof (double));
  f->ratio_u = g_array_new (FALSE, FALSE, sizeof (double));
  guint n = n_records;
  if (o->kind == PS_TRAIN_VIEW_LOSS)
    {
      /* the Training page's loss view: every recorded sub-step's batch loss, accuracy and lr */
      f->loss = g_new (double, MAX (n, 1));
      f->acc = g_new (double, MAX (n, 1));
      f->lr = g_new (double, MAX (n, 1));
      gboolean any_acc = FALSE;
      for (guint i = 0; i < n; i++)
        {
          f->loss[i] = records[i]->loss;
          f->acc[i] = records[i]->accuracy;
          f->lr[i] = records[i]->lr;
          any_acc |= !isnan (records[i]->accuracy);
        }
      f->s_loss = (PsSeries) { _("train loss (batch)"), x, f->loss, n };
      f->s_acc = (PsSeries) { _("batch accuracy"), x, f->acc, n };
      f->s_lr = (PsSeries) { _("learning rate"), x, f->lr, n };
      ps_loss_curve_options_init (&f->lco);
      f->lco.title = _("Training loss");
      f->lco.show_cursor = TRUE;
      f->lco.scale = f->o.scale;
      f->lc = (PsLossCurve) { &f->s_loss, 1, any_acc ? &f->s_acc : NULL, any_acc ? 1 : 0, &f->s_lr, &f->lco };
    }
  else if (o->kind == PS_TRAIN_VIEW_RATIOS)
    {
      gboolean any_g = FALSE;
      guint np = ps_train_figures_ratios (records, n, f->names, f->ratio_g, f->ratio_u, &any_g);
      ps_ratio_chart_options_init (&f->rco);
      f->rco.title = _("How fast each parameter changes");
      f->rco.show_cursor = TRUE;
      f->rco.scale = f->o.scale;
      f->rc = (PsRatioChart) { (const char *const *) f->names->pdata, np, x, n,
                               any_g ? (const double *) f->ratio_g->data : NULL, (const double *) f->ratio_u->data,
                               &f->rco };
    }
  return f;
}

void
ps_train_frames_free (PsTrainFrames *f)
{
  if (f == NULL)
    return;
  g_ptr_array_unref (f->frames);
  g_ptr_array_unref (f->tensors);
  g_ptr_array_unref (f->labels);
  g_ptr_array_unref (f->names);
  g_array_unref (f->ratio_g);
  g_array_unref (f->ratio_u);
  g_free (f->loss);
  g_free (f->acc);
  g_free (f->lr);
  g_free (f->param);
  g_free (f->what);
  g_free (f->param_title);
  g_clear_pointer (&f->ref, ps_tensor_unref);
  g_clear_pointer (&f->seq, ps_figure_sequence_free);
  g_clear_pointer (&f->figs, g_ptr_array_unref);
  g_free (f);
}

PsTrainObject *
ps_train_view_optimizer (PsState *st)
{
  for (guint i = st->train_ids->len; i-- > 0;)
    {
      PsTrainObject *o = ps_state_get_train_object (st, g_ptr_array_index (st->train_ids, i));
      if (o->kind == PS_TRAIN_OPTIMIZER && g_strcmp0 (o->model_id, st->root) == 0)
        return o;
    }
  return NULL;
}

/* Live (the Training page's picture): its message instead of the frame's; takes msg. */
static void
live_message (PsTrainFrames *f, GError **error, char *msg)
{
  if (f->o.live)
    {
      g_clear_error (error);
      g_set_error_literal (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, msg);
    }
  g_free (msg);
}

/* The error's message now (before live_message replaces it). */
static const char *
message_of (GError **error)
{
  return *error ? (*error)->message : "";
}

PsTensor *
ps_train_view_param_tensor (PsState *st, const char *param, const char *what, const char *where, char **title,
                            GError **error)
{
  if (what != NULL && strcmp (what, "value") == 0)
    what = NULL;
  PsModule *root = ps_state_get_root (st);
  if (root == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no model", where);
      return NULL;
    }
  /* "0.weight" (a state_dict key of the model) or "mlp.0.weight" (a recipe target) */
  if (param == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no parameter chosen", where);
      return NULL;
    }
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  gsize rl = strlen (st->root);
  const char *key = param;
  if (strncmp (key, st->root, rl) == 0 && key[rl] == '.')
    {
      gboolean direct = FALSE;
      for (guint i = 0; i < items->len && !direct; i++)
        direct = strcmp (((PsNamedItem *) items->pdata[i])->path, key) == 0;
      if (!direct)
        key += rl + 1;
    }
  guint p = G_MAXUINT;
  for (guint i = 0; i < items->len && p == G_MAXUINT; i++)
    if (strcmp (((PsNamedItem *) items->pdata[i])->path, key) == 0)
      p = i;
  if (p == G_MAXUINT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: the model '%s' has no parameter '%s'", where, st->root,
                   param);
      return NULL;
    }
  if (title != NULL)
    *title = what ? g_strdup_printf ("%s.%s · %s", st->root, key, what) : g_strdup_printf ("%s.%s", st->root, key);
  PsParam *p_param = ((PsNamedItem *) items->pdata[p])->param;
  if (what == NULL || strcmp (what, "grad") == 0)
    {
      PsTensor *t = what ? p_param->grad : p_param->value;
      if (t == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, what ? "%s: '%s' has no .grad" : "%s: '%s' is uninitialized",
                       where, param);
          return NULL;
        }
      return ps_tensor_ref (t);
    }
  PsTrainObject *o = ps_train_view_optimizer (st);
  const char *sn[4] = { 0 };
  PsTensor *sv[4] = { 0 };
  guint k = o ? ps_optimizer_state_items (o->optimizer, p, sn, sv) : 0;
  PsTensor *found = NULL;
  g_autoptr (GString) have = g_string_new ("");
  for (guint i = 0; i < k; i++)
    {
      if (strcmp (sn[i], "step") != 0)
        {
          g_string_append_printf (have, "%s%s", have->len ? ", " : "", sn[i]);
          if (strcmp (sn[i], what) == 0 && found == NULL)
            found = ps_tensor_ref (sv[i]);
        }
      ps_tensor_unref (sv[i]);
    }
  if (found == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: '%s' has no optimizer state '%s' (%s%s%s)", where,
                 param, what, o == NULL ? "the model has no optimizer" : "its optimizer keeps: ",
                 o == NULL ? "" : have->len ? have->str : "nothing yet", "; or use value or grad");
  return found;
}

/* The Training page's decision boundary at st (its build_boundary): the model on a private copy,
 * the data's box + 10 %, logits. */
static gboolean
build_boundary (PsTrainFrames *f, Frame *fr, PsState *st, const char *where, GError **error)
{
  PsDataset *d = ps_train_figures_dataset (st);
  const char *not_2d = _("The decision boundary is drawn for a model of 2-D points (xor, circles, blobs).");
  if (ps_state_get_root (st) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no model", where);
      live_message (f, error, g_strdup (not_2d));
      return FALSE;
    }
  if (d == NULL || d->x->ndim != 2 || d->x->shape[1] != 2)
    {
      g_autofree char *shape = d ? ps_tensor_shape_string (d->x) : NULL;
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "%s: the decision boundary is drawn for a model of 2-D points (xor, circles, blobs); %s%s%s", where,
                   d ? "the data set's inputs are " : "there is no data set", d ? shape : "",
                   d ? ", not [n, 2]" : "");
      live_message (f, error, g_strdup (not_2d));
      return FALSE;
    }
  g_autoptr (PsState) copy = ps_state_clone (st, NULL);
  PsTrainBoundaryModel m = { ps_state_get_root (copy), copy->gen, 0 };
  PsTrainBoundaryModel pm = m;
  float p[2] = { 0, 0 };
  int64_t shape[2] = { 1, 2 };
  g_autoptr (GError) probe_error = NULL;
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, p, &probe_error);
  g_autoptr (PsTensor) y = x ? ps_module_forward_tensor (pm.module, x, &pm.gen, "the decision boundary", &probe_error)
                             : NULL;
  if (y == NULL || y->ndim != 2 || y->shape[1] < 1 || y->shape[1] > PS_DECISION_BOUNDARY_MAX_CLASSES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: the model is not a classifier of 2-D points: %s",
                   where, probe_error ? probe_error->message : "unexpected output shape");
      live_message (f, error, g_strdup_printf (_("The model is not a classifier of 2-D points: %s"),
                                               probe_error ? probe_error->message : _("unexpected output shape")));
      return FALSE;
    }
  m.n_classes = (int) y->shape[1];
  int64_t n = d->x->shape[0];
  double x0, x1, y0, y1;
  ps_decision_boundary_bounds (ps_tensor_cf32 (d->x), (gsize) n, 0.1, &x0, &x1, &y0, &y1);
  int g = f->o.boundary_grid;
  fr->db_values = ps_decision_boundary_sample (ps_train_boundary_model_run, &m, x0, x1, y0, y1, g, g, m.n_classes, error);
  if (fr->db_values == NULL)
    {
      if (!f->o.live)
        g_prefix_error (error, "%s: ", where);
      return FALSE;
    }
  fr->db_x = ps_tensor_ref (d->x);
  fr->db_y = d->y->dtype == PS_DTYPE_INT64 && d->y->ndim == 1 ? ps_tensor_ref (d->y) : NULL;
  ps_decision_boundary_options_init (&fr->dbo);
  fr->dbo.title = _("Decision boundary");
  fr->dbo.subtitle = fr->subtitle;
  fr->dbo.scale = f->o.scale;
  fr->db = (PsDecisionBoundary) { x0, x1, y0, y1, g, g, m.n_classes, fr->db_values, TRUE, ps_tensor_cf32 (fr->db_x),
                                  fr->db_y ? ps_tensor_ci64 (fr->db_y) : NULL, (gsize) n, &fr->dbo };
  if (fr->db_y != NULL)
    for (int64_t i = 0; i < n; i++)
      if (ps_tensor_ci64 (fr->db_y)[i] < 0 || ps_tensor_ci64 (fr->db_y)[i] >= MAX (m.n_classes, 2))
        fr->db.labels = NULL;
  if (!ps_decision_boundary_check (&fr->db, error))
    {
      g_prefix_error (error, "%s: the model's outputs cannot be drawn as classes: ", where);
      live_message (f, error, g_strdup (_("The model's outputs cannot be drawn as classes.")));
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_layers (PsTrainFrames *f, Frame *fr, PsState *st, const PsOp *train_op, const char *where, GError **error)
{
  ps_train_layer_set_init (&fr->set);
  ps_layer_diagnostics_options_init (&fr->ldo);
  fr->ldo.layout = PS_LAYER_DIAGNOSTICS_GRID;
  fr->ldo.subtitle = fr->subtitle;
  fr->ldo.scale = f->o.scale;
  gboolean ok;
  if (f->o.kind == PS_TRAIN_VIEW_ACTIVATIONS)
    {
      fr->ldo.title = _("Activations per layer");
      fr->ldo.value_label = _("activation");
      ok = ps_train_figures_activations (st, f->o.rows, &fr->set, error);
      if (!ok)
        live_message (f, error, g_error_matches (*error, PS_ERROR, PS_ERROR_NOT_FOUND)
                                ? g_strdup (_("Activations need a model and a data set at the shown step."))
                                : g_strdup_printf (_("Running the model on the data set failed: %s"), message_of (error)));
    }
  else if (f->o.kind == PS_TRAIN_VIEW_GRADIENTS)
    {
      fr->ldo.title = _("Gradients per layer (.grad at this sub-step)");
      fr->ldo.value_label = _("gradient");
      ok = ps_train_figures_gradients (st, &fr->set, error);
      if (!ok)
        live_message (f, error, g_strdup (_("No model at the shown step.")));
      else if (fr->set.layers->len == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no parameter has a .grad");
          live_message (f, error, g_strdup (_("No parameter has a .grad at this sub-step.")));
          ok = FALSE;
        }
    }
  else
    {
      fr->ldo.title = _("Gradients of layer outputs (d loss / d output)");
      fr->ldo.value_label = _("gradient");
      PsLoss loss;
      ok = ps_train_figures_op_loss (train_op, &loss, error);
      if (ok)
        {
          ok = ps_train_figures_output_gradients (st, f->o.rows, &loss, &fr->set, error);
          ps_loss_clear (&loss);
        }
      if (ok && fr->set.layers->len == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no layer output receives a gradient");
          live_message (f, error, g_strdup (_("No layer output receives a gradient.")));
          ok = FALSE;
        }
    }
  if (!ok)
    {
      if (!f->o.live)
        g_prefix_error (error, "%s: ", where);
      return FALSE;
    }
  fr->ld = (PsLayerDiagnostics) { (const PsLayerHistogram *) fr->set.layers->data, fr->set.layers->len, &fr->ldo };
  return TRUE;
}

/* The parameter's tensor at a frame: value, .grad or optimizer state, minus the reference for the
 * Difference view (a new ref), and the frame's label. */
static PsTensor *
param_frame (PsTrainFrames *f, Frame *fr, PsState *state, const PsTrainRecord *r, int64_t x, const char *where,
             char **label, GError **error)
{
  const gboolean diff = f->o.kind == PS_TRAIN_VIEW_DIFFERENCE;
  g_autofree char *title = NULL;
  g_autoptr (PsTensor) t = ps_train_view_param_tensor (state, f->param, f->what, where, &title, error);
  if (t == NULL)
    {
      live_message (f, error, g_strdup (_("Choose a parameter (and .grad or an optimizer state that exists at this sub-step).")));
      return NULL;
    }
  if (f->param_title == NULL)
    f->param_title = g_strdup_printf ("%s%s", diff ? "Δ " : "", title);
  guint n = f->n_records;
  int64_t rx = diff && f->ref_index < n ? f->x[f->ref_index] : 0;
  if (f->o.live)
    *label = diff ? g_strdup_printf (_("training step %lld − step %lld"), (long long) x, (long long) rx)
                  : r ? ps_train_record_describe (r, x) : NULL;
  else
    /* the labels and title the Training page's exports over sub-steps give (pixel-equal frames) */
    *label = diff ? g_strdup_printf ("training step %" G_GINT64_FORMAT " − step %" G_GINT64_FORMAT " (sub-step %u of %u)",
                                     x, rx, fr->index + 1, n)
                  : g_strdup_printf ("training step %" G_GINT64_FORMAT " (sub-step %u of %u)", x, fr->index + 1, n);
  if (!diff)
    return g_steal_pointer (&t);
  PsTensor *d = ps_difference_new (f->ref, t, error);
  if (d == NULL && !f->o.live)
    g_prefix_error (error, "%s: ", where);
  return d;
}

gboolean
ps_train_frames_set_reference (PsTrainFrames *f, guint index, PsState *state, GError **error)
{
  g_return_val_if_fail (f->o.kind == PS_TRAIN_VIEW_DIFFERENCE && f->frames->len == 0, FALSE);
  g_clear_pointer (&f->ref, ps_tensor_unref);
  f->ref_index = index;
  g_autofree char *where = g_strdup_printf ("sub-step %u of %u (the reference)", index + 1, f->n_records);
  if (state == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no snapshot", where);
  else
    f->ref = ps_train_view_param_tensor (state, f->param, f->what, where, NULL, error);
  if (f->ref == NULL)
    live_message (f, error, g_strdup (_("Nothing to compare at the other sub-step.")));
  return f->ref != NULL;
}

static gboolean
add_frame (PsTrainFrames *f, Frame *fr, PsState *state, const PsOp *train_op, GError **error)
{
  const guint index = fr->index;
  const PsTrainRecord *r = index < f->n_records ? f->records[index] : NULL;
  int64_t x = r ? f->x[index] : 0;
  g_autofree char *where = g_strdup_printf ("sub-step %u of %u (training step %" G_GINT64_FORMAT ")", index + 1,
                                            f->n_records, x);
  if (state == NULL && ps_train_view_needs_state (f->o.kind))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no snapshot", where);
      live_message (f, error, g_strdup (f->o.kind == PS_TRAIN_VIEW_ACTIVATIONS
                                        ? _("Activations need a model and a data set at the shown step.")
                                        : f->o.kind == PS_TRAIN_VIEW_BOUNDARY
                                        ? _("The decision boundary is drawn for a model of 2-D points (xor, circles, blobs).")
                                        : f->o.kind >= PS_TRAIN_VIEW_HEATMAP
                                        ? _("Choose a parameter (and .grad or an optimizer state that exists at this sub-step).")
                                        : _("No model at the shown step.")));
      return FALSE;
    }
  if (!f->o.live)
    fr->subtitle = g_strdup_printf ("training step %" G_GINT64_FORMAT " (sub-step %u of %u) · loss %.5g", x, index + 1,
                                    f->n_records, ps_train_figures_printable (r->loss));
  else if (f->o.kind == PS_TRAIN_VIEW_LOSS && f->o.axis_continues)
    fr->subtitle = g_strdup (_("x: training steps across the runs (a run with a new optimizer continues the count)"));
  switch (f->o.kind)
    {
    case PS_TRAIN_VIEW_LOSS:
    case PS_TRAIN_VIEW_RATIOS:
      if (f->o.kind == PS_TRAIN_VIEW_RATIOS && f->rc.n_params == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: the trained model has no parameters", where);
          live_message (f, error, g_strdup (_("No recorded sub-step yet.")));
          return FALSE;
        }
      return TRUE;
    case PS_TRAIN_VIEW_ACTIVATIONS:
    case PS_TRAIN_VIEW_GRADIENTS:
    case PS_TRAIN_VIEW_OUTPUT_GRADIENTS:
      return build_layers (f, fr, state, train_op, where, error);
    case PS_TRAIN_VIEW_BOUNDARY:
      return build_boundary (f, fr, state, where, error);
    case PS_TRAIN_VIEW_WEIGHT_TILES:
      {
        g_autofree char *path = NULL;
        fr->tiles = ps_train_figures_tile_weight (state, &path, error);
        if (fr->tiles == NULL)
          {
            g_prefix_error (error, "%s: ", where);
            live_message (f, error, g_strdup (ps_state_get_root (state) == NULL
                                              ? _("No model at the shown step.")
                                              : _("The weight tiles need a first Linear layer whose inputs are a square "
                                                  "image (Fashion-MNIST: 784 = 28 × 28).")));
            return FALSE;
          }
        fr->tiles_title = f->o.live ? g_strdup (_("First-layer weights, one tile per unit"))
                                    : g_strdup_printf (_("First-layer weights (%s)"), path);
        return TRUE;
      }
    case PS_TRAIN_VIEW_HEATMAP:
    case PS_TRAIN_VIEW_HISTOGRAM:
    case PS_TRAIN_VIEW_DIFFERENCE:
      {
        char *label = NULL;
        PsTensor *t = param_frame (f, fr, state, r, x, where, &label, error);
        if (t == NULL)
          return FALSE;
        g_ptr_array_add (f->tensors, t);
        g_ptr_array_add (f->labels, label);
        return TRUE;
      }
    }
  return FALSE;
}

gboolean
ps_train_frames_add (PsTrainFrames *f, guint index, PsState *state, const PsOp *train_op, GError **error)
{
  g_return_val_if_fail (!f->finished, FALSE);
  if (index >= f->n_records && !f->o.live)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "sub-step %u does not exist: %u recorded", index + 1,
                   f->n_records);
      return FALSE;
    }
  if (f->frames->len >= PS_TRAIN_VIEW_MAX_FRAMES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "more than %d frames", PS_TRAIN_VIEW_MAX_FRAMES);
      return FALSE;
    }
  if (f->o.kind == PS_TRAIN_VIEW_DIFFERENCE && f->ref == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no reference sub-step to subtract");
      return FALSE;
    }
  Frame *fr = g_new0 (Frame, 1);
  fr->index = index;
  g_autoptr (GError) local = NULL;
  if (!add_frame (f, fr, state, train_op, &local))
    {
      frame_free (fr);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_ptr_array_add (f->frames, fr);
  return TRUE;
}

gboolean
ps_train_frames_finish (PsTrainFrames *f, GError **error)
{
  if (f->frames->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "no frame to draw");
      return FALSE;
    }
  guint n = f->frames->len;
  if (f->o.kind == PS_TRAIN_VIEW_HEATMAP || f->o.kind == PS_TRAIN_VIEW_HISTOGRAM || f->o.kind == PS_TRAIN_VIEW_DIFFERENCE)
    {
      PsFigureOptions fo = f->o.figure;
      fo.kind = f->o.kind == PS_TRAIN_VIEW_HISTOGRAM ? PS_FIGURE_HISTOGRAM : PS_FIGURE_HEATMAP;
      fo.scale = f->o.scale;
      if (f->o.shared_range)
        {
          f->seq = ps_figure_sequence_new_for_tensors ((PsTensor *const *) f->tensors->pdata,
                                                       (const char *const *) f->labels->pdata, n, f->param_title, &fo,
                                                       error);
          if (f->seq == NULL)
            return FALSE;
        }
      else
        {
          f->figs = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_figure_free);
          for (guint i = 0; i < n; i++)
            {
              PsFigure *fig = ps_figure_new_for_tensor (f->tensors->pdata[i], f->param_title, f->labels->pdata[i],
                                                        &fo, error);
              if (fig == NULL)
                return FALSE;
              g_ptr_array_add (f->figs, fig);
            }
        }
    }
  if (f->o.kind == PS_TRAIN_VIEW_WEIGHT_TILES)
    {
      double m = 0;
      for (guint i = 0; i < n && f->o.shared_range; i++)
        {
          PsStats st;
          ps_stats_compute (((Frame *) f->frames->pdata[i])->tiles, &st);
          if (isfinite (st.abs_max))
            m = MAX (m, st.abs_max);
        }
      for (guint i = 0; i < n; i++)
        {
          Frame *fr = f->frames->pdata[i];
          PsWeightGridOptions o;
          ps_weight_grid_options_init (&o);
          o.title = fr->tiles_title;
          o.subtitle = fr->subtitle;
          o.scale = f->o.scale;
          o.fixed_max = m;
          fr->wg = ps_weight_grid_new (fr->tiles, &o, error);
          if (fr->wg == NULL)
            return FALSE;
        }
    }
  f->finished = TRUE;
  return TRUE;
}

guint
ps_train_frames_get_n (PsTrainFrames *f)
{
  return f->frames->len;
}

guint
ps_train_frames_get_index (PsTrainFrames *f, guint frame)
{
  g_return_val_if_fail (frame < f->frames->len, 0);
  return ((Frame *) f->frames->pdata[frame])->index;
}

gboolean
ps_train_frames_get_range (PsTrainFrames *f, double *lo, double *hi)
{
  if (f->seq != NULL)
    {
      ps_figure_sequence_get_range (f->seq, lo, hi);
      return TRUE;
    }
  if (f->o.kind == PS_TRAIN_VIEW_WEIGHT_TILES && f->frames->len > 0 && ((Frame *) f->frames->pdata[0])->wg)
    {
      ps_weight_grid_get_range (((Frame *) f->frames->pdata[0])->wg, lo, hi);
      return TRUE;
    }
  return FALSE;
}

void
ps_train_frames_draw_frame (cairo_t *cr, double width, double height, guint frame, gpointer data)
{
  PsTrainFrames *f = data;
  g_return_if_fail (f->finished && frame < f->frames->len);
  Frame *fr = f->frames->pdata[frame];
  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_restore (cr);
  switch (f->o.kind)
    {
    case PS_TRAIN_VIEW_LOSS:
      ps_train_frames_get_loss_curve (f, frame);   /* its cursor and subtitle at the frame */
      ps_loss_curve_draw_func (cr, width, height, &f->lc);
      break;
    case PS_TRAIN_VIEW_RATIOS:
      f->rco.cursor_step = fr->index < f->n_records ? f->x[fr->index] : 0;
      f->rco.subtitle = fr->subtitle;
      ps_ratio_chart_draw_func (cr, width, height, &f->rc);
      break;
    case PS_TRAIN_VIEW_ACTIVATIONS:
    case PS_TRAIN_VIEW_GRADIENTS:
    case PS_TRAIN_VIEW_OUTPUT_GRADIENTS:
      ps_layer_diagnostics_draw_func (cr, width, height, &fr->ld);
      break;
    case PS_TRAIN_VIEW_BOUNDARY:
      ps_decision_boundary_draw_func (cr, width, height, &fr->db);
      break;
    case PS_TRAIN_VIEW_WEIGHT_TILES:
      ps_weight_grid_draw_func (cr, width, height, fr->wg);
      break;
    case PS_TRAIN_VIEW_HEATMAP:
    case PS_TRAIN_VIEW_HISTOGRAM:
    case PS_TRAIN_VIEW_DIFFERENCE:
      if (f->seq != NULL)
        ps_figure_sequence_draw_frame (cr, width, height, frame, f->seq);
      else
        ps_figure_draw (f->figs->pdata[frame], cr, width, height);
      break;
    }
}

void
ps_train_frames_set_scale (PsTrainFrames *f, double scale)
{
  f->o.scale = scale;
  f->lco.scale = scale;
  f->rco.scale = scale;
  for (guint i = 0; i < f->frames->len; i++)
    {
      Frame *fr = f->frames->pdata[i];
      fr->ldo.scale = scale;
      fr->dbo.scale = scale;
    }
}

const PsLossCurve *
ps_train_frames_get_loss_curve (PsTrainFrames *f, guint frame)
{
  if (f->o.kind != PS_TRAIN_VIEW_LOSS || frame >= f->frames->len)
    return NULL;
  Frame *fr = f->frames->pdata[frame];
  f->lco.cursor_step = fr->index < f->n_records ? f->x[fr->index] : 0;
  f->lco.subtitle = fr->subtitle;
  return &f->lc;
}

const PsLayerDiagnostics *
ps_train_frames_get_layer_diagnostics (PsTrainFrames *f, guint frame)
{
  gboolean layers = f->o.kind == PS_TRAIN_VIEW_ACTIVATIONS || f->o.kind == PS_TRAIN_VIEW_GRADIENTS
                    || f->o.kind == PS_TRAIN_VIEW_OUTPUT_GRADIENTS;
  return layers && frame < f->frames->len ? &((Frame *) f->frames->pdata[frame])->ld : NULL;
}

PsFigure *
ps_train_frames_get_figure (PsTrainFrames *f, guint frame)
{
  return f->figs != NULL && frame < f->figs->len ? f->figs->pdata[frame] : NULL;
}

PsTensor *
ps_train_frames_get_tensor (PsTrainFrames *f, guint frame)
{
  return frame < f->tensors->len ? f->tensors->pdata[frame] : NULL;
}
