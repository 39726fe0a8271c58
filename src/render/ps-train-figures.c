/* ps-train-figures.c — see ps-train-figures.h. */
#include "ps-train-figures.h"
#include "ps-autograd.h"
#include "ps-error.h"
#include "ps-histogram.h"
#include "ps-stats.h"
#include "ps-threads.h"
#include "ps-train-ops.h"

#include <math.h>
#include <string.h>

guint
ps_train_figures_ratios (const PsTrainRecord *const *records, guint n, GPtrArray *names, GArray *grad_ratio,
                         GArray *update_ratio, gboolean *any_grad)
{
  const PsTrainRecord *last = n ? records[n - 1] : NULL;
  guint np = last ? last->params->len : 0;
  for (guint p = 0; p < np; p++)
    g_ptr_array_add (names, g_strdup (g_array_index (last->params, PsParamStat, p).path));
  g_array_set_size (grad_ratio, (gsize) np * n);
  g_array_set_size (update_ratio, (gsize) np * n);
  gboolean any = FALSE;
  for (guint i = 0; i < n; i++)
    for (guint p = 0; p < np; p++)
      {
        double u = NAN, g = NAN;
        if (records[i]->params->len == np)
          {
            const PsParamStat *s = &g_array_index (records[i]->params, PsParamStat, p);
            u = s->update_ratio;
            g = s->grad_ratio;
            any |= !isnan (g);
          }
        g_array_index (update_ratio, double, (gsize) p * n + i) = u;
        g_array_index (grad_ratio, double, (gsize) p * n + i) = g;
      }
  if (any_grad != NULL)
    *any_grad = any;
  return np;
}

void
ps_train_layer_set_init (PsTrainLayerSet *set)
{
  set->hists = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_histogram_free);
  set->stats = g_array_new (FALSE, FALSE, sizeof (PsStats));
  set->layers = g_array_new (FALSE, FALSE, sizeof (PsLayerHistogram));
}

void
ps_train_layer_set_free (PsTrainLayerSet *set)
{
  g_clear_pointer (&set->hists, g_ptr_array_unref);
  g_clear_pointer (&set->stats, g_array_unref);
  g_clear_pointer (&set->layers, g_array_unref);
}

/* One histogram of t (min–max range, PS_TRAIN_FIGURES_BINS bins) with its statistics; FALSE when t
 * has no finite value to bin. */
static gboolean
add_layer (PsTrainLayerSet *set, const PsTensor *t, const char *name, double saturated, double dead,
           gboolean dead_units)
{
  double lo, hi;
  if (!ps_histogram_auto_range (&t, 1, PS_HISTOGRAM_RANGE_MINMAX, 0, &lo, &hi, NULL))
    return FALSE;
  PsHistogram *h = ps_histogram_compute (t, PS_TRAIN_FIGURES_BINS, lo, hi, NULL);
  if (h == NULL)
    return FALSE;
  g_ptr_array_add (set->hists, h);
  PsStats s;
  ps_stats_compute (t, &s);
  g_array_append_val (set->stats, s);
  PsLayerHistogram lh = { g_intern_string (name), NULL, NULL, saturated, dead, dead_units };
  g_array_append_val (set->layers, lh);
  /* the arrays may have moved: point every layer at its own entries again */
  for (guint i = 0; i < set->layers->len; i++)
    {
      PsLayerHistogram *l = &g_array_index (set->layers, PsLayerHistogram, i);
      l->hist = set->hists->pdata[i];
      l->stats = &g_array_index (set->stats, PsStats, i);
    }
  return TRUE;
}

PsDataset *
ps_train_figures_dataset (PsState *st)
{
  for (guint i = st ? st->train_ids->len : 0; i-- > 0;)
    {
      PsTrainObject *o = ps_state_get_train_object (st, g_ptr_array_index (st->train_ids, i));
      if (o->kind == PS_TRAIN_DATASET)
        return o->dataset;
    }
  return NULL;
}

double
ps_train_figures_printable (double x)
{
  return isnan (x) ? NAN : x;
}

gboolean
ps_train_boundary_model_run (const float *xy, gsize n, float *out, gpointer model, GError **error)
{
  PsTrainBoundaryModel *m = model;
  int64_t shape[2] = { (int64_t) n, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new_from_f32 (2, shape, xy, error);
  g_autoptr (PsTensor) y = x ? ps_module_forward_tensor (m->module, x, &m->gen, "the decision boundary", error) : NULL;
  if (y == NULL)
    return FALSE;
  if (y->dtype != PS_DTYPE_FLOAT32 || y->ndim != 2 || y->shape[0] != (int64_t) n ||
      (m->n_classes > 0 && y->shape[1] != m->n_classes))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "the model does not give one row of class scores per point");
      return FALSE;
    }
  memcpy (out, ps_tensor_cf32 (y), (size_t) y->numel * sizeof (float));
  return TRUE;
}

double
ps_train_figures_saturation (const PsTensor *y, const char *module_class)
{
  const PsModuleClass *k = module_class != NULL ? ps_module_class_lookup (module_class) : NULL;
  if (k == NULL || k->saturation_low == k->saturation_high || y->dtype != PS_DTYPE_FLOAT32 || y->numel < 1)
    return NAN;
  /* the output mapped onto [−1, 1] (Tanh: v, Sigmoid: 2v − 1, exact in float32), compared in
   * float32 as torch's (h.abs() > 0.97) does for a float32 tensor */
  const float *v = ps_tensor_cf32 (y);
  const float th = (float) PS_LAYER_SATURATION_THRESHOLD;
  const float mid = k->saturation_low + k->saturation_high, half = k->saturation_high - k->saturation_low;
  int64_t sat = 0;
  for (int64_t i = 0; i < y->numel; i++)
    sat += fabsf ((2.0f * v[i] - mid) / half) > th;
  return (double) sat / (double) y->numel;
}

/* TRUE when a zero output of this module class is a dead unit (its class's zero_output_is_dead:
 * ReLU): the legend says "dead"; elsewhere (Linear, Tanh outputs, gradients) the share of exact
 * zeros is called "zero". */
static gboolean
ps_train_figures_dead_units (const char *module_class)
{
  /* a zero output of these is a unit that does not fire for that input (its gradient is 0 too) */
  const PsModuleClass *k = module_class != NULL ? ps_module_class_lookup (module_class) : NULL;
  return k != NULL && k->zero_output_is_dead;
}

/* The first rows of a data set's inputs, as a new tensor. */
static PsTensor *
first_rows (const PsTensor *x, int64_t rows, GError **error)
{
  int64_t shape[8];
  if (x->ndim < 1 || x->ndim > 8)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "the data set's inputs have %d dimensions", x->ndim);
      return NULL;
    }
  for (int d = 0; d < x->ndim; d++)
    shape[d] = x->shape[d];
  shape[0] = MIN (rows, x->shape[0]);
  PsTensor *t = ps_tensor_new (x->dtype, x->ndim, shape, error);
  if (t == NULL)
    return NULL;
  memcpy (t->data, x->data, (size_t) t->numel * ps_dtype_size (x->dtype));
  return t;
}

gboolean
ps_train_figures_activations (PsState *st, guint rows, PsTrainLayerSet *out, GError **error)
{
  PsDataset *d = ps_train_figures_dataset (st);
  if (st == NULL || ps_state_get_root (st) == NULL || d == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "activations need a model and a data set at this step");
      return FALSE;
    }
  g_autoptr (PsTensor) x = first_rows (d->x, rows, error);
  if (x == NULL)
    return FALSE;
  /* a private copy: running the model must not touch the document (dropout draws, lazy layers) */
  g_autoptr (PsState) copy = ps_state_clone (st, NULL);
  PsGenerator gen = copy->gen;
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, ps_state_get_root (copy), x, &gen, error);
  if (y == NULL)
    {
      ps_tape_free (tape);
      g_prefix_error (error, "running the model on the data set: ");
      return FALSE;
    }
  guint layer = 0;
  for (guint i = 0; i < ps_tape_n_entries (tape); i++)
    {
      const PsTapeEntry *e = ps_tape_entry (tape, i);
      if (e->output == NULL || e->output->dtype != PS_DTYPE_FLOAT32)
        continue;
      const char *klass = ps_module_class_name (e->module);
      double sat_ignored, dead;
      ps_layer_shares (e->output, PS_LAYER_SATURATION_THRESHOLD, &sat_ignored, &dead);
      g_autofree char *name = g_strdup_printf ("layer %u (%s)", ++layer, klass);
      add_layer (out, e->output, name, ps_train_figures_saturation (e->output, klass), dead,
                 ps_train_figures_dead_units (klass));
    }
  ps_tape_free (tape);
  return TRUE;
}

gboolean
ps_train_figures_gradients (PsState *st, PsTrainLayerSet *out, GError **error)
{
  PsModule *root = st ? ps_state_get_root (st) : NULL;
  if (root == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no model at this step");
      return FALSE;
    }
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      const PsTensor *g = it->param->grad;
      if (g == NULL || g->dtype != PS_DTYPE_FLOAT32 || g->numel < 1)
        continue;
      double sat, dead;
      ps_layer_shares (g, PS_LAYER_SATURATION_THRESHOLD, &sat, &dead);
      g_autofree char *name = g_strdup_printf ("%s.grad (%s)", it->path, ps_module_class_name (it->module));
      add_layer (out, g, name, NAN /* saturation is about activations */, dead, FALSE /* a zero gradient */);
    }
  return TRUE;
}

gboolean
ps_train_figures_op_loss (const PsOp *op, PsLoss *loss, GError **error)
{
  memset (loss, 0, sizeof *loss);
  if (op == NULL || !ps_op_records_training (op))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no train op (its loss is what the gradients are of)");
      return FALSE;
    }
  g_autoptr (JsonObject) json = ps_op_to_json (op);
  JsonNode *node = json_object_get_member (json, "loss");
  if (!ps_train_loss_from_json (node, loss, error))
    {
      ps_loss_clear (loss);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
ps_train_figures_output_grad_tensors (PsState *st, guint rows, const PsLoss *loss, GPtrArray *names, GError **error)
{
  PsDataset *d = ps_train_figures_dataset (st);
  if (st == NULL || ps_state_get_root (st) == NULL || d == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "output gradients need a model and a data set at this step");
      return NULL;
    }
  if (loss->reduction == PS_REDUCTION_NONE)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "grad can be implicitly created only for scalar outputs");
      return NULL;
    }
  g_autoptr (PsTensor) x = first_rows (d->x, rows, error);
  g_autoptr (PsTensor) t = x ? first_rows (d->y, rows, error) : NULL;
  if (t == NULL)
    return NULL;
  if (!ps_loss_wants_indices (loss) && t->dtype == PS_DTYPE_INT64 && t->ndim == 1)
    {
      /* float-target losses see class labels as y.float().unsqueeze(1), as the train op does */
      PsTensor *f = ps_tensor_new_2d (PS_DTYPE_FLOAT32, t->shape[0], 1, error);
      if (f == NULL)
        return NULL;
      for (int64_t k = 0; k < f->numel; k++)
        ps_tensor_f32 (f)[k] = (float) ps_tensor_ci64 (t)[k];
      ps_tensor_unref (t);
      t = f;
    }
  /* a private copy: the forward must not touch the document, nor backward its .grad */
  g_autoptr (PsState) copy = ps_state_clone (st, NULL);
  PsGenerator gen = copy->gen;
  PsTape *tape = ps_tape_new ();
  ps_tape_keep_output_grads (tape, TRUE);
  /* the sums' lanes and the loss follow the recipe's flavour, as in its train op */
  const PsFlavour flavour = ps_threads_set_flavour (gen.flavour);
  g_autoptr (PsTensor) y = ps_tape_forward (tape, ps_state_get_root (copy), x, &gen, error);
  g_autoptr (PsTensor) gy = NULL;
  g_autoptr (PsTensor) l = y ? ps_loss_compute_full (loss, y, ps_loss_input_swapped (ps_state_get_root (copy), y), t, &gy, error) : NULL;
  if (l != NULL)   /* the element-wise backwards' layout under this loss, as the train step marks it */
    ps_loss_mark_grad_rows (loss, ps_state_get_root (copy), y, tape);
  const gboolean ok = l != NULL && ps_tape_backward (tape, gy, error);
  ps_threads_set_flavour (flavour);
  if (!ok)
    {
      ps_tape_free (tape);
      g_prefix_error (error, "the loss's gradients on the data set: ");
      return NULL;
    }
  GPtrArray *grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  guint layer = 0;
  for (guint i = 0; i < ps_tape_n_entries (tape); i++)
    {
      const PsTapeEntry *e = ps_tape_entry (tape, i);
      if (e->output == NULL || e->output->dtype != PS_DTYPE_FLOAT32)
        continue;
      layer++;
      PsTensor *g = ps_tape_output_grad (tape, i);
      if (g == NULL)
        continue;   /* does not require grad (a Flatten of the data) */
      g_ptr_array_add (grads, ps_tensor_ref (g));
      g_ptr_array_add (names, g_strdup_printf ("layer %u (%s) output .grad", layer, ps_module_class_name (e->module)));
    }
  ps_tape_free (tape);
  return grads;
}

gboolean
ps_train_figures_output_gradients (PsState *st, guint rows, const PsLoss *loss, PsTrainLayerSet *out, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) grads = ps_train_figures_output_grad_tensors (st, rows, loss, names, error);
  if (grads == NULL)
    return FALSE;
  for (guint i = 0; i < grads->len; i++)
    {
      double sat, dead;
      ps_layer_shares (grads->pdata[i], PS_LAYER_SATURATION_THRESHOLD, &sat, &dead);
      add_layer (out, grads->pdata[i], names->pdata[i], NAN, dead, FALSE);
    }
  return TRUE;
}

PsTensor *
ps_train_figures_tile_weight (PsState *st, char **path, GError **error)
{
  PsModule *root = st ? ps_state_get_root (st) : NULL;
  if (root == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "no model at this step");
      return NULL;
    }
  g_autoptr (GPtrArray) items = ps_module_named_parameters (root);
  g_autofree char *found = NULL;
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = items->pdata[i];
      PsTensor *v = it->param->value;
      if (v == NULL || v->ndim != 2 || v->dtype != PS_DTYPE_FLOAT32)
        continue;
      int64_t in = v->shape[1], side = (int64_t) llround (sqrt ((double) in));
      if (side * side != in || side < 2)
        {
          /* the first layer's inputs are not a square image: say what it has */
          found = g_strdup_printf ("; the first one, %s.%s, has %" G_GINT64_FORMAT " input%s", st->root, it->path, in,
                                   in == 1 ? "" : "s");
          break;
        }
      if (path != NULL)
        *path = g_strdup_printf ("%s.%s", st->root, it->path);
      return ps_tensor_ref (v);
    }
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "the weight tiles need a first Linear layer whose inputs are a square image "
               "(Fashion-MNIST: 784 = 28 × 28)%s", found ? found : "; the model has no 2-D weight");
  return NULL;
}
