/* ps-checkpoint-series.h — several checkpoint files (a training run's folder) as one read-only
 * timeline.
 *
 * Files may mix formats (.pt/.pth/.bin, .safetensors, .npz). They are ordered by the "step" stored
 * in every one of them, else their "epoch", else the last number in their file names, else their
 * names (ties by name). Tensors are matched across files by name: a torch training checkpoint's
 * state dict is named by its state_dict keys ("fc1.weight", not "model.fc1.weight") so it matches a
 * safetensors export of the same model; other tensors keep their full path
 * ("optimizer.state.0.exp_avg"). A tensor absent from a checkpoint, or with another shape than in
 * the first checkpoint that has it, is marked so.
 *
 * Norms: per tensor and checkpoint the L2 norm (in double) and the relative change from the
 * previous checkpoint that has it with the same shape, ‖x_t − x_{t−1}‖ / ‖x_{t−1}‖, computed in a
 * worker (ps_checkpoint_series_compute_norms_async) that can be cancelled and reports progress.
 * The tensors are shared out over one thread per processor (each reading through checkpoints of
 * its own); float32 values are summed in place in the files' read-only mappings (nothing copied,
 * torch records CRC-checked on the mapped bytes, a file truncated meanwhile is an error, not a
 * SIGBUS), other values decoded under the memory budget. */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint.h"

G_BEGIN_DECLS

typedef enum {
  PS_SERIES_PRESENT,
  PS_SERIES_MISSING,
  PS_SERIES_SHAPE_CHANGED,
} PsSeriesPresence;

typedef enum {
  PS_SERIES_ORDER_STEP,       /* the "step" value stored in each file */
  PS_SERIES_ORDER_EPOCH,      /* the "epoch" value stored in each file */
  PS_SERIES_ORDER_FILE_NUMBER,/* the last number in each file name */
  PS_SERIES_ORDER_FILE_NAME,
} PsSeriesOrder;

typedef struct _PsCheckpointSeries PsCheckpointSeries;

/* `paths`: checkpoint files, or one folder (its .pt .pth .bin .ckpt .safetensors .npz files; other
 * files are ignored). A named file that cannot be read is an error; a file in a folder that cannot
 * be read (half-written, damaged) is skipped and listed by ps_checkpoint_series_get_skipped. */
PsCheckpointSeries *ps_checkpoint_series_open  (const char *const *paths, guint n_paths, GError **error);
void        ps_checkpoint_series_free          (PsCheckpointSeries *s);

/* Adds one more file (a watched folder's new checkpoint); re-orders. FALSE with an error when it
 * cannot be read yet (e.g. an interrupted or unfinished torch.save) or is already in the series.
 * Computed norms are kept: ps_checkpoint_series_update_norms then computes only the new file's
 * and, for each of its tensors, the relative change of the next checkpoint that has it. */
gboolean    ps_checkpoint_series_add_file      (PsCheckpointSeries *s, const char *path, GError **error);
/* TRUE when `path` has a checkpoint extension that a series folder takes. */
gboolean    ps_checkpoint_series_is_candidate  (const char *path);

guint       ps_checkpoint_series_get_n_steps   (PsCheckpointSeries *s);
PsSeriesOrder ps_checkpoint_series_get_order   (PsCheckpointSeries *s);
const char *ps_checkpoint_series_order_name    (PsSeriesOrder order);   /* "step", "epoch", … */
const char *ps_checkpoint_series_get_path      (PsCheckpointSeries *s, guint step);
const char *ps_checkpoint_series_get_label     (PsCheckpointSeries *s, guint step);  /* base name */
/* The value ordered by (step/epoch/number; the index for name order). */
int64_t     ps_checkpoint_series_get_order_value (PsCheckpointSeries *s, guint step);
/* "file: reason" for each skipped file, NULL-terminated. */
const char *const *ps_checkpoint_series_get_skipped (PsCheckpointSeries *s);

/* Tensor names in order of first appearance (first checkpoint first). */
guint       ps_checkpoint_series_get_n_tensors (PsCheckpointSeries *s);
const char *ps_checkpoint_series_get_tensor_name (PsCheckpointSeries *s, guint tensor);
/* Index of a name (also accepts the name as stored in the files, e.g. "model.fc1.weight"), or -1. */
int         ps_checkpoint_series_find_tensor   (PsCheckpointSeries *s, const char *name);
PsSeriesPresence ps_checkpoint_series_get_presence (PsCheckpointSeries *s, guint step, guint tensor);
/* The entry in that checkpoint, or NULL when missing (the series pane tells "missing" from "another shape"). */
const PsCheckpointEntry *ps_checkpoint_series_get_entry (PsCheckpointSeries *s, guint step, guint tensor);
PsTensor   *ps_checkpoint_series_load          (PsCheckpointSeries *s, guint step, guint tensor, GError **error);

typedef void (*PsSeriesProgress) (guint done, guint total, gpointer user_data);

/* Synchronous (call it from a worker): every tensor of every checkpoint read once, a tensor at a
 * time over the whole series. `progress` is called from the calling thread after each of its
 * tensors with the share of its values read so far (done of total). */
/* Threads for the norms: 0 (the default) = one per processor (at most 8). For benchmarks and tests. */
void        ps_checkpoint_series_set_threads   (guint n);
/* Float32 values are read in place from the files' mappings where they can be (the default), or
 * always decoded into tensors (FALSE). For benchmarks and tests. */
void        ps_checkpoint_series_set_mapping   (gboolean use);
/* The sums of squares add 2, 4 or 8 doubles per vector instruction (the baseline, AVX2, AVX-512;
 * 0, the default: the widest the processor has); the result is the same bits at every width.
 * Returns the width used from now on (at most the one asked for). For tests and benchmarks. */
guint       ps_checkpoint_series_set_sum_width (guint doubles);
gboolean    ps_checkpoint_series_compute_norms (PsCheckpointSeries *s, GCancellable *cancellable,
                                                PsSeriesProgress progress, gpointer user_data, GError **error);
void        ps_checkpoint_series_compute_norms_async  (PsCheckpointSeries *s, GCancellable *cancellable,
                                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean    ps_checkpoint_series_compute_norms_finish (PsCheckpointSeries *s, GAsyncResult *result,
                                                       GError **error);
/* Only the norms not known yet (after ps_checkpoint_series_add_file); all when none were computed. */
gboolean    ps_checkpoint_series_update_norms  (PsCheckpointSeries *s, GCancellable *cancellable,
                                                PsSeriesProgress progress, gpointer user_data, GError **error);
/* Cells (checkpoint × tensor) whose norms are not computed yet. */
guint       ps_checkpoint_series_get_n_unknown_norms (PsCheckpointSeries *s);
/* TRUE when every norm is known. */
gboolean    ps_checkpoint_series_has_norms     (PsCheckpointSeries *s);
/* NaN where not defined (missing, first appearance, shape changed, zero previous norm). */
double      ps_checkpoint_series_get_norm      (PsCheckpointSeries *s, guint step, guint tensor);
double      ps_checkpoint_series_get_rel_change (PsCheckpointSeries *s, guint step, guint tensor);

/* Largest changes between two checkpoints: every tensor present in both with the same shape and
 * dtype, read once from each, with ‖a‖, ‖b‖, ‖b − a‖ and the relative change ‖b − a‖ / ‖a‖ (NaN
 * when ‖a‖ is 0), sorted by relative change, largest first (NaN last, ties by name). Synchronous
 * (call it from a worker with a series of its own: the readers are not shared across threads).
 * Float32 values are read in place from the mappings, as for the norms. */
typedef struct {
  guint tensor;
  double norm_a, norm_b, diff_norm, rel;
} PsSeriesChange;

GArray     *ps_checkpoint_series_rank_changes  (PsCheckpointSeries *s, guint a, guint b, GCancellable *cancellable,
                                                GError **error);

/* CSV (RFC 4180 quoting, "\n" line ends): step_index,order,file,tensor,status,numel,norm,rel_change — norms must be computed. */
char       *ps_checkpoint_series_to_csv        (PsCheckpointSeries *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsCheckpointSeries, ps_checkpoint_series_free)

G_END_DECLS
