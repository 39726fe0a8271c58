/* ps-checkpoint-summary.h — what a whole checkpoint holds, at a glance: the parameter count, the
 * mix of dtypes and, per layer (the dotted prefix that owns the tensors: "encoder.layers.0.fc1"),
 * the L2 norm of all its values (a tied weight counts in each layer that holds it, as
 * layer.parameters() would; the parameter total counts its storage once). Norms need every tensor decoded: they are, one at a time (the
 * peak memory is one tensor), so build it off the UI thread. Also the text the app shows for one
 * tensor (dtype, shape, statistics). */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint.h"
#include "ps-stats.h"

G_BEGIN_DECLS

typedef struct {
  char *dtype;          /* as in the file ("BF16", "<f4") */
  guint n_tensors;      /* aliases included */
  int64_t numel;        /* an aliased storage counted once */
} PsCheckpointDtypeCount;

typedef struct {
  char *path;           /* the dotted prefix, "" for tensors at the top level */
  guint n_tensors;      /* its tensors, tied ones (aliases of a storage stored under another name) included */
  guint n_tied;         /* of those, the aliases: a group of tied weights only still has its row */
  int64_t numel;        /* its own elements (a tied weight counts here: it is this layer's parameter) */
  double l2_norm;       /* sqrt(Σ x²) over the finite values of its tensors */
  int64_t n_nonfinite;  /* NaN and ±Inf, left out of the norm */
} PsCheckpointLayerNorm;

typedef struct {
  int64_t n_params;     /* elements, aliases counted once (like named_parameters) */
  guint n_tensors;      /* entries (like state_dict) */
  GPtrArray *dtypes;    /* PsCheckpointDtypeCount*, in order of first appearance */
  GPtrArray *layers;    /* PsCheckpointLayerNorm*, in order of first appearance */
  gboolean has_norms;   /* FALSE: counts only, `layers` empty */
} PsCheckpointSummary;

/* With norms, decodes every stored tensor (checking the cancellable between tensors); without,
 * reads only the entries (instant). */
PsCheckpointSummary *ps_checkpoint_summary_new  (PsCheckpoint *ck, gboolean norms, GCancellable *cancellable,
                                                 GError **error);
void                 ps_checkpoint_summary_free (PsCheckpointSummary *s);
/* Plain text, one fact a line, for the summary page and tests. */
char                *ps_checkpoint_summary_to_text (const PsCheckpointSummary *s);
/* "BF16 → float32 · [3, 5] · 15 values\nmean …" for one decoded entry. */
char                *ps_checkpoint_describe_tensor (const PsCheckpointEntry *e, const PsTensor *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsCheckpointSummary, ps_checkpoint_summary_free)

G_END_DECLS
