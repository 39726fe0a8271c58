/* ps-dataset.h — in-memory data sets and DataLoader batch order, as torch 1.13 produces them.
 *
 * Toy sets are drawn from the global generator with these exact torch expressions
 * (TRAINING-PARITY.md §6; the recipe documentation shows them beside the op):
 *   xor:     X = torch.rand(n, 2) * 2 - 1; y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long();
 *            X = X + 0.1 * torch.randn(n, 2)
 *   circles: X = torch.randn(n, 2); y = (X.pow(2).sum(1) < 1).long()
 *   blobs:   y = torch.randint(0, 3, (n,)); X = CENTERS[y] + 0.4 * torch.randn(n, 2),
 *            CENTERS = [[-2, -1], [2, -1], [0, 2]]
 * X is float32 (n, 2), y int64 (n). */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-generator.h"

G_BEGIN_DECLS

typedef struct {
  gatomicrefcount ref_count;
  PsTensor *x;        /* (n, …) float32, or int64 (indices for an Embedding) */
  PsTensor *y;        /* (n) int64 class indices, or (n, …) float32 targets */
  int64_t n_classes;  /* max(y) + 1 for int64 targets, 0 otherwise */
} PsDataset;

/* Takes refs on x and y; checks that their first dims agree. */
PsDataset  *ps_dataset_new       (PsTensor *x, PsTensor *y, GError **error);
PsDataset  *ps_dataset_ref       (PsDataset *d);
void        ps_dataset_unref     (PsDataset *d);
int64_t     ps_dataset_len       (const PsDataset *d);
/* type: "xor", "circles", "blobs"; n ≥ 1. On error the generator is unchanged. */
PsDataset  *ps_dataset_new_toy   (const char *type, int64_t n, PsGenerator *gen, GError **error);
/* Rows idx[0..count) of x and y stacked into a new batch (default_collate). */
gboolean    ps_dataset_batch     (const PsDataset *d, const int64_t *idx, int64_t count, PsTensor **x,
                                  PsTensor **y, GError **error);

/* One epoch's order of DataLoader(ds, batch_size, shuffle, drop_last), num_workers=0, no generator:
 * iter() draws one random64 (the base seed) from gen; with shuffle the RandomSampler draws
 * another (seed = random64 % 2^63), seeds a fresh generator with it and takes randperm(n) from
 * that. order receives n indices (0..n-1 without shuffle). */
gboolean    ps_data_loader_epoch_order (PsGenerator *gen, int64_t n, gboolean shuffle, int64_t *order,
                                        GError **error);
/* Batches per epoch: ceil(n / bs), or floor with drop_last. */
int64_t     ps_data_loader_n_batches   (int64_t n, int64_t batch_size, gboolean drop_last);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsDataset, ps_dataset_unref)

G_END_DECLS
