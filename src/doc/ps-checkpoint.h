/* ps-checkpoint.h — any weights file as a list of named tensors, and their module tree.
 *
 * One API over safetensors (single or sharded via *.index.json), PyTorch's torch.save files (.pt,
 * .pth, pytorch_model.bin, sharded via pytorch_model.bin.index.json; ps-torch-file.h), .npz and .npy
 * (the format is recognised from the file's first bytes, and ".index.json" from the name). Listing reads only
 * headers; a tensor is decoded when asked for (see ps-safetensors.h / ps-npz.h for the rules each
 * reader enforces). Each entry keeps the file's own dtype string for display.
 *
 * The tree groups entries by dotted name, like PyTorch's state_dict keys: "encoder.layers.0.weight"
 * → encoder / layers / 0 / weight. Children keep the file's order of first appearance. */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-zip-archive.h"

G_BEGIN_DECLS

typedef enum {
  PS_CHECKPOINT_SAFETENSORS,
  PS_CHECKPOINT_NPZ,
  PS_CHECKPOINT_NPY,
  PS_CHECKPOINT_TORCH,
} PsCheckpointFormat;

typedef enum {
  PS_CHECKPOINT_OPEN_DEFAULT = 0,
  /* torch files: whole pickled modules and other unknown classes shown as inert objects (never
   * called); system modules are refused even then */
  PS_CHECKPOINT_OPEN_ANYWAY = 1 << 0,
} PsCheckpointOpenFlags;

typedef struct {
  const char *name;           /* dotted name; for a .npy file, its base name without ".npy" */
  const char *dtype;          /* as in the file: "BF16", "<f4", … */
  PsDType target_dtype;       /* what ps_checkpoint_load returns */
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t numel;
  const char *alias_of;       /* safetensors aliases, torch tensors sharing one storage with the same
                                 geometry (tied weights): the first name, else NULL */
  const char *note;           /* torch: "optimizer state of model.fc1.weight", "view of storage 3", or NULL */
} PsCheckpointEntry;

typedef struct _PsCheckpointNode PsCheckpointNode;
struct _PsCheckpointNode {
  char *name;                 /* last component ("weight"); "" for the root */
  char *path;                 /* dotted prefix ("encoder.layers.0"); "" for the root */
  int entry;                  /* index of the entry with exactly this name, or -1 (a group) */
  GPtrArray *children;        /* PsCheckpointNode*, in first-appearance order */
  int64_t numel;              /* elements in this subtree, an aliased storage counted once */
  guint n_tensors;            /* entries in this subtree, aliases included */
};

typedef struct _PsCheckpoint PsCheckpoint;

PsCheckpoint *ps_checkpoint_open          (const char *path, GError **error);
PsCheckpoint *ps_checkpoint_open_full     (const char *path, PsCheckpointOpenFlags flags, GError **error);
/* The model's state dict in a weights file, for load_state_dict: the same API with only the state
 * dict's tensors, named by their state_dict keys. For a torch training checkpoint that is the dict
 * found under "model", "state_dict", … with its prefix (and a DataParallel "module.") removed;
 * other formats (and torch files that are a plain state dict) list every tensor unchanged.
 * With `sha256` non-NULL the file is read once and *sha256 is the SHA-256 of exactly the bytes
 * parsed and decoded (safetensors: ps_safetensors_open_hashed; torch: a copy in anonymous memory);
 * .npy/.npz and sharded torch checkpoints cannot be pinned (an error says so). */
PsCheckpoint *ps_checkpoint_open_state_dict (const char *path, char **sha256, GError **error);
/* What a checkpoint's file name (its extension, case-insensitive) is taken for; one table in
 * ps-checkpoint.c says which extension is taken for what. */
typedef enum {
  PS_CHECKPOINT_NAME_OPENS  = 1 << 0,   /* the app opens it as a checkpoint, not as a recipe:
                                           .safetensors .index.json .npy .npz .pt .pth .bin .ckpt */
  PS_CHECKPOINT_NAME_TORCH  = 1 << 1,   /* the torch reader takes it by name: .pt .pth .bin .ckpt .tar
                                           .bin.index.json */
  PS_CHECKPOINT_NAME_SERIES = 1 << 2,   /* a folder's file that joins a series: .pt .pth .bin .ckpt
                                           .safetensors .npz */
} PsCheckpointNameUse;

gboolean      ps_checkpoint_name_is       (const char *name, PsCheckpointNameUse use);
/* ps_checkpoint_name_is (name, PS_CHECKPOINT_NAME_OPENS). */
gboolean      ps_checkpoint_is_file_name  (const char *name);
void          ps_checkpoint_free          (PsCheckpoint *ck);

PsCheckpointFormat ps_checkpoint_get_format (PsCheckpoint *ck);
/* The format as people name it: "safetensors", "npz", "npy", "PyTorch". */
const char   *ps_checkpoint_format_name   (PsCheckpointFormat format);
guint         ps_checkpoint_get_n_entries (PsCheckpoint *ck);
const PsCheckpointEntry *ps_checkpoint_get_entry (PsCheckpoint *ck, guint index);
const PsCheckpointEntry *ps_checkpoint_lookup    (PsCheckpoint *ck, const char *name);
/* safetensors __metadata__, or a torch file's scalars ("epoch", "optimizer.param_groups.0.lr" →
 * Python-like repr); NULL for other formats or a missing key. */
const char   *ps_checkpoint_get_metadata  (PsCheckpoint *ck, const char *key);
/* Sorted, NULL-terminated (g_free the array only). */
const char  **ps_checkpoint_get_metadata_keys (PsCheckpoint *ck);
/* The entry name of a model state_dict key ("fc1.weight" → "model.fc1.weight" in a training
 * checkpoint), or NULL when the file has no such tensor. For formats other than torch: the key
 * itself when present. */
const char   *ps_checkpoint_state_dict_name (PsCheckpoint *ck, const char *key);
/* The prefix of the model's state dict in entry names ("model." in a torch training checkpoint),
 * "" when the entries are the state dict itself or for other formats. */
const char   *ps_checkpoint_get_state_dict_prefix (PsCheckpoint *ck);
PsTensor     *ps_checkpoint_load          (PsCheckpoint *ck, const char *name, GError **error);
/* A float32 tensor's values without copying, in place in a read-only mapping of the file
 * (safetensors; torch zip archives, whose records torch aligns to 64 bytes), CRC verified for
 * torch; valid while ck is open. NULL without an error when that tensor cannot be mapped so (other
 * formats and dtypes, strided views, misaligned data): ps_checkpoint_load it. Nothing is decoded,
 * so the memory budget is not charged. Touching the values raises SIGBUS if the file shrinks
 * meanwhile: call this and read the values under ps_sigbus_guard_run. */
const float  *ps_checkpoint_map_f32       (PsCheckpoint *ck, const char *name, int64_t *numel, GError **error);
/* The same, leaving a torch record's CRC check to the caller (see ps_torch_file_map_f32_unchecked;
 * crc->entry NULL: nothing to check). */
const float  *ps_checkpoint_map_f32_unchecked (PsCheckpoint *ck, const char *name, int64_t *numel, PsZipCrc *crc,
                                               GError **error);

/* The module tree (owned by ck, built on first call). */
const PsCheckpointNode *ps_checkpoint_get_tree (PsCheckpoint *ck);
/* The node of a dotted path ("" = root), or NULL. */
const PsCheckpointNode *ps_checkpoint_find_node (PsCheckpoint *ck, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsCheckpoint, ps_checkpoint_free)

G_END_DECLS
