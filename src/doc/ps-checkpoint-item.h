/* ps-checkpoint-item.h — one row of a checkpoint's tree: a group of tensors sharing a dotted
 * prefix ("encoder.layers.0") or one tensor, wrapping a PsCheckpointNode. Every item of a tree
 * shares the PsCheckpoint (kept alive while any item lives), so a row can decode its tensor on
 * demand. GtkTreeListModel expands an item through ps_checkpoint_item_get_children. Its read-only
 * properties "name", "tip" (the path; NULL for the root), "dtype", "dtype-label", "shape" and
 * "count" are what the tree's column templates bind. GIO only: tested without a display. */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_ITEM (ps_checkpoint_item_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointItem, ps_checkpoint_item, PS, CHECKPOINT_ITEM, GObject)

/* The root item, named `root_name` (the file's name); takes ownership of ck. */
PsCheckpointItem *ps_checkpoint_item_new_root (PsCheckpoint *ck, const char *root_name);
const char   *ps_checkpoint_item_get_path   (PsCheckpointItem *self);   /* "encoder.0.weight"; "" for the root */
/* The file's dtype ("BF16"); for a group, the distinct dtypes below it ("F32, BF16"). */
const char   *ps_checkpoint_item_get_dtype  (PsCheckpointItem *self);
/* What the dtype column shows: the dtype(s), or "mixed (3)" for more than two (newly allocated). */
char         *ps_checkpoint_item_get_dtype_label (PsCheckpointItem *self);
/* Elements in the subtree, each storage once: at the root the checkpoint's count (an aliased
 * storage counted once); an alias whose storage is stored outside the subtree counts there (a tied
 * decoder's row and group show its own count, not 0). */
int64_t       ps_checkpoint_item_get_numel  (PsCheckpointItem *self);
/* The tensor's entry, NULL for a group. */
const PsCheckpointEntry *ps_checkpoint_item_get_entry (PsCheckpointItem *self);
const PsCheckpointNode  *ps_checkpoint_item_get_node  (PsCheckpointItem *self);
PsCheckpoint *ps_checkpoint_item_get_checkpoint (PsCheckpointItem *self);   /* no ref */
/* GListModel of PsCheckpointItem, or NULL for a tensor. */
GListModel   *ps_checkpoint_item_get_children (PsCheckpointItem *self);
GListModel   *ps_checkpoint_item_create_children_model (gpointer item, gpointer user_data);
/* "name dtype shape count" per row, indented two spaces a level — for tests. */
char         *ps_checkpoint_item_to_string  (PsCheckpointItem *root);

G_END_DECLS
