/* ps-train-object.h — the training things a document state holds besides modules and outputs:
 *   PsTrainObject  a data set, an optimizer (bound to a model id) or a scheduler (bound to an
 *                  optimizer id), by recipe id;
 *   PsTrainGraph   the autograd graph of the last forward with a loss, until backward consumes it;
 *   PsTrainLog     the sub-steps a train op recorded: per step the metrics and a snapshot state.
 * All are refcounted and immutable once stored in a state (an op that changes an optimizer stores a
 * new object made with ps_train_object_copy, which shares tensors). */
#pragma once

#include <glib.h>
#include "ps-autograd.h"
#include "ps-dataset.h"
#include "ps-optimizer.h"
#include "ps-scheduler.h"

G_BEGIN_DECLS

typedef enum {
  PS_TRAIN_DATASET,
  PS_TRAIN_OPTIMIZER,
  PS_TRAIN_SCHEDULER,
} PsTrainObjectKind;

typedef struct {
  gatomicrefcount ref_count;
  PsTrainObjectKind kind;
  char *type;               /* "xor", "SGD", "StepLR" … as the recipe names it */
  PsDataset *dataset;       /* DATASET */
  PsOptimizer *optimizer;   /* OPTIMIZER */
  char *model_id;           /* OPTIMIZER: the module whose parameters() it got */
  int64_t n_steps;          /* OPTIMIZER: step() calls so far */
  PsScheduler *scheduler;   /* SCHEDULER */
  char *optimizer_id;       /* SCHEDULER */
} PsTrainObject;

PsTrainObject *ps_train_object_new_dataset   (const char *type, PsDataset *d);
PsTrainObject *ps_train_object_new_optimizer (const char *type, PsOptimizer *opt, const char *model_id);   /* takes opt */
PsTrainObject *ps_train_object_new_scheduler (const char *type, PsScheduler *s, const char *optimizer_id);   /* takes s */
/* A deep-enough copy to change: the optimizer/scheduler struct is new, tensors shared. */
PsTrainObject *ps_train_object_copy          (const PsTrainObject *o);
PsTrainObject *ps_train_object_ref           (PsTrainObject *o);
void           ps_train_object_unref         (PsTrainObject *o);

typedef struct {
  gatomicrefcount ref_count;
  PsTape *tape;             /* the recorded forward */
  char *target_id;          /* module the forward ran */
  char *output;             /* name of the loss output */
  PsTensor *grad_output;    /* d loss / d model output (loss.backward()'s seed pushed through the loss) */
} PsTrainGraph;

PsTrainGraph  *ps_train_graph_new            (PsTape *tape, const char *target_id, const char *output,
                                              PsTensor *grad_output);   /* takes tape */
/* The same graph over cloned modules (map: old → new PsModule*). */
PsTrainGraph  *ps_train_graph_remap          (const PsTrainGraph *g, GHashTable *map);
void           ps_train_graph_unref          (PsTrainGraph *g);

/* Statistics of one parameter at a recorded step. */
typedef struct {
  char *path;               /* "<model id>.<param path>" */
  double grad_norm;         /* ‖.grad‖₂ (after clipping, what step() used) */
  double update_norm;       /* ‖θ_after − θ_before‖₂ */
  double update_ratio;      /* std(Δ)/std(θ_before) (unbiased std; 0 when std(θ) = 0) */
  double grad_ratio;        /* std(.grad)/std(θ_after) as makemore's p.grad.std() / p.data.std()
                             * (unbiased std); NaN without a .grad or when std(θ) = 0 */
} PsParamStat;

/* Statistics of one layer's output (each leaf module call of the forward). */
typedef struct {
  char *path;               /* module path below the model ("0", "encoder.fc"), "" for the model itself */
  char *klass;              /* "Tanh" */
  double mean, std;
  double saturated;         /* share of |y| > 0.97 */
  double dead;              /* share of y == 0 exactly */
} PsLayerStat;

typedef struct {
  int64_t step;             /* the optimizer's step count after this step (1-based) */
  int64_t run_step;         /* this step within its train op (1-based; 0: unknown) */
  int64_t run_steps;        /* the steps that op runs in all */
  int64_t epoch;            /* 0-based epoch of the batch */
  float loss;
  double accuracy;          /* batch accuracy for class-index targets, NAN otherwise */
  double lr;                /* the learning rate this step used */
  double grad_norm;         /* total ‖g‖₂ before clipping (clip_grad_norm_'s value) */
  GArray *params;           /* PsParamStat */
  GArray *layers;           /* PsLayerStat */
  struct _PsState *state;   /* snapshot after the step (its own train_log is NULL) */
} PsTrainRecord;

typedef struct {
  gatomicrefcount ref_count;
  GPtrArray *records;       /* PsTrainRecord*; a record's `state` is NULL when its snapshot was dropped
                             * to stay within the memory budget: ps_train_log_get_state
                             * (ps-train-ops.h) recomputes it */
  gpointer replay;          /* what that recomputation needs (ps-train-ops.c), or NULL */
  GDestroyNotify replay_free;
} PsTrainLog;

/* The training x axis: steps counted across a timeline's train ops in order — a run with a new
 * optimizer (whose own count starts at 1 again) continues after the last step of the run before;
 * a run that continues an optimizer keeps its count. Start zeroed ({ 0, 0 }) and feed every
 * record's optimizer step in timeline order; returns its place on the axis. The app's Training
 * page and main timeline and `paramscope-cli loss-curve` all count with it. */
typedef struct { int64_t last, base, end; } PsTrainAxis;
int64_t        ps_train_axis_next            (PsTrainAxis *axis, int64_t optimizer_step);
/* Before the records of each run (a train op's log, or a live run), with its first record: the
 * run starts where the one before ended (its last step, recorded or not) and counts on from the
 * optimizer's own step count at its start (torch's optimizer state 'step'): a new optimizer
 * recording every 50 after a 20-step run is numbered 70, 120, …; a continued optimizer keeps its
 * count. Without it (or for a record that does not know its run) the rule above applies. */
void           ps_train_axis_begin_run       (PsTrainAxis *axis, const PsTrainRecord *first);

PsTrainLog    *ps_train_log_new              (void);
void           ps_train_log_unref            (PsTrainLog *log);
PsTrainRecord *ps_train_record_new           (void);
void           ps_train_record_free          (PsTrainRecord *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainObject, ps_train_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainGraph, ps_train_graph_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainLog, ps_train_log_unref)

G_END_DECLS
