/* ps-train-figures.h — the data of the Training page's diagnostics figures, computed from a
 * timeline's recorded sub-steps and snapshot states, so the app and paramscope-cli draw the same
 * pictures from the same numbers (the figures themselves are ps-ratio-chart, ps-layer-diagnostics
 * and ps-weight-grid):
 *   ratios       per parameter and recorded sub-step the grad/data and update/data ratios
 *                (PsParamStat, recorded by the train op on the step's batch);
 *   activations  one histogram per leaf-module output of the model run on the first rows of the
 *                state's newest data set, on a private copy (the document is not touched), with the
 *                share of exact zeros ("dead" for ReLU outputs, "zero" elsewhere) and — for Tanh and
 *                Sigmoid outputs only — the saturation share;
 *   gradients    one histogram per parameter's .grad at the state (what the optimizer step used);
 *   output gradients  one histogram per leaf-module output's gradient (d loss / d output, torch's
 *                output.retain_grad()) of the train op's loss on the same first rows as the
 *                activations, with the state's parameters — makemore's "gradient distribution";
 *   weight tiles the first 2-D float parameter whose inputs form a square image (784 = 28 × 28). */
#pragma once

#include <glib.h>
#include "ps-layer-diagnostics.h"
#include "ps-loss.h"
#include "ps-op.h"
#include "ps-state.h"
#include "ps-train-object.h"

G_BEGIN_DECLS

/* Rows of the data set the activations are computed on (the app's view and the CLI). */
#define PS_TRAIN_FIGURES_SAMPLE_ROWS 256
#define PS_TRAIN_FIGURES_BINS 60

/* Parameter names (char*, appended to names) and the two ratios, n_params × n records row-major
 * (ratio[p·n + i]), of the n records; the parameters are those of the last record. Returns
 * n_params; *any_grad says whether any grad/data ratio is known (records of older logs lack it). */
guint     ps_train_figures_ratios      (const PsTrainRecord *const *records, guint n, GPtrArray *names,
                                        GArray *grad_ratio, GArray *update_ratio, gboolean *any_grad);

/* Layer histograms: hists (PsHistogram*, owning), stats (PsStats) and layers (PsLayerHistogram whose
 * hist/stats point into the other two, names interned) are appended to. */
typedef struct {
  GPtrArray *hists;
  GArray *stats;
  GArray *layers;
} PsTrainLayerSet;

void      ps_train_layer_set_init      (PsTrainLayerSet *set);
void      ps_train_layer_set_free      (PsTrainLayerSet *set);   /* frees the arrays */

/* x for printf: a NaN without its sign bit, so that "%g" prints "nan" as torch does (x86 sets the
 * sign of a NaN from 0·inf or inf − inf, and glibc prints it "-nan"). */
double    ps_train_figures_printable   (double x);
/* The newest data set a state holds, or NULL. */
PsDataset *ps_train_figures_dataset    (PsState *st);
/* A model of 2-D points for ps_decision_boundary_sample: its forward on n points (n × 2) gives
 * n rows of class scores (n_classes of them when n_classes > 0) — the Training page's and the
 * CLI frames' boundary (module and generator of a private copy of the state). */
typedef struct {
  PsModule *module;
  PsGenerator gen;
  int n_classes;
} PsTrainBoundaryModel;
gboolean  ps_train_boundary_model_run  (const float *xy, gsize n, float *out, gpointer model, GError **error);
/* The saturation share of a layer output by its module class (registered name), for a class that
 * states a saturating range (PsModuleClass saturation_low/high): the output mapped onto [−1, 1]
 * beyond ±0.97 — |y| > 0.97 for Tanh, |2y − 1| > 0.97 for Sigmoid (the same point of the same curve:
 * σ(x) = (1 + tanh(x/2)) / 2); NaN for any other class (a Linear output has no saturation). */
double    ps_train_figures_saturation  (const PsTensor *y, const char *module_class);
/* Activations of the state's model on the first `rows` rows of its data set. Errors: no model, no
 * data set, the forward fails. */
gboolean  ps_train_figures_activations (PsState *st, guint rows, PsTrainLayerSet *out, GError **error);
/* Every parameter's .grad at the state, in model order. Error: no model. An empty set when no
 * parameter has a .grad. */
gboolean  ps_train_figures_gradients   (PsState *st, PsTrainLayerSet *out, GError **error);
/* The loss a train op trains with (its "loss" field). */
gboolean  ps_train_figures_op_loss     (const PsOp *op, PsLoss *loss, GError **error);
/* Output gradients: the model run on the first `rows` rows of the state's data set, loss_fn(y, t)
 * against the same rows' targets (class labels as float (n, 1) for a float-target loss, as the
 * train op does), backward; layers numbered as ps_train_figures_activations numbers them. Runs on a
 * private copy. Errors: no model or data set, a failing forward, loss or backward. */
/* The same gradients as tensors (refs; the array frees them), their names appended to names. */
GPtrArray *ps_train_figures_output_grad_tensors (PsState *st, guint rows, const PsLoss *loss, GPtrArray *names,
                                                 GError **error);
gboolean  ps_train_figures_output_gradients (PsState *st, guint rows, const PsLoss *loss, PsTrainLayerSet *out,
                                             GError **error);
/* The first-layer weight for tiles (a ref) and its path ("mlp.0.weight", free it). Error naming why. */
PsTensor *ps_train_figures_tile_weight (PsState *st, char **path, GError **error);

G_END_DECLS
