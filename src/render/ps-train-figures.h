/* ps-train-figures.h — the data of the Training page's diagnostics figures, computed from a
 * timeline's recorded sub-steps and snapshot states, so the app and paramscope-cli draw the same
 * pictures from the same numbers (the figures themselves are ps-ratio-chart, ps-layer-diagnostics
 * and ps-weight-grid):
 *   ratios       per parameter and recorded sub-step the grad/data and update/data ratios
 *                (PsParamStat, recorded by the train op on the step's batch);
 *   activations  one histogram per leaf-module output of the model run on the first rows of the
 *                state's newest data set, on a private copy (the document is not touched), with the
 *                dead share and — for Tanh and Sigmoid outputs only — the saturation share;
 *   gradients    one histogram per parameter's .grad at the state (what the optimizer step used);
 *   weight tiles the first 2-D float parameter whose inputs form a square image (784 = 28 × 28). */
#pragma once

#include <glib.h>
#include "ps-layer-diagnostics.h"
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
void      ps_train_layer_set_clear     (PsTrainLayerSet *set);   /* empties, keeps the arrays */
void      ps_train_layer_set_free      (PsTrainLayerSet *set);   /* frees the arrays */

/* The newest data set a state holds, or NULL. */
PsDataset *ps_train_figures_dataset    (PsState *st);
/* The saturation share of a layer output by its module class: |y| > 0.97 for Tanh, |2y − 1| > 0.97
 * for Sigmoid (the same point of the same curve: σ(x) = (1 + tanh(x/2)) / 2); NaN for any other
 * class (a Linear output has no saturation). */
double    ps_train_figures_saturation  (const PsTensor *y, const char *module_class);
/* Activations of the state's model on the first `rows` rows of its data set. Errors: no model, no
 * data set, the forward fails. */
gboolean  ps_train_figures_activations (PsState *st, guint rows, PsTrainLayerSet *out, GError **error);
/* Every parameter's .grad at the state, in model order. Error: no model. An empty set when no
 * parameter has a .grad. */
gboolean  ps_train_figures_gradients   (PsState *st, PsTrainLayerSet *out, GError **error);
/* The first-layer weight for tiles (a ref) and its path ("mlp.0.weight", free it). Error naming why. */
PsTensor *ps_train_figures_tile_weight (PsState *st, char **path, GError **error);

G_END_DECLS
