/* ps-torch-file.h — PyTorch checkpoints written by torch.save (.pt, .pth, pytorch_model.bin), read
 * without executing anything.
 *
 * Formats (../shared/PT-FORMAT.md): the zip format of torch ≥ 1.6 (ps-zip-archive.h; records
 * P/data.pkl, P/data/<key>, P/version), the legacy format (five pickles, then raw storages), and a
 * sharded set described by pytorch_model.bin.index.json. TorchScript archives (torch.jit.save) and
 * the file an interrupted torch.save leaves (a zip holding only its version record) are refused
 * with messages saying so. data.pkl runs through the restricted unpickler (ps-pickle.h).
 *
 * Naming: tensors are named by the path of dict keys and list indices that reaches them, joined
 * with "." ("model.fc1.weight", "optimizer.state.0.exp_avg"), exactly torch's state_dict keys; a
 * whole pickled nn.Module (open-anyway mode only) is named by its state_dict names. A tensor reached
 * twice, and a tensor with the same storage and geometry as an earlier one (tied weights), is an
 * alias of the first name and loads as the same PsTensor; other views of one storage are separate
 * tensors. Optimizer state ("optimizer.state.<i>.exp_avg") is matched to the parameter it belongs
 * to (`param_of`). Scalars and short lists (epoch, step, loss, lr …) become metadata.
 *
 * Values: decoded from the record on demand (pread; CRC-32 of the record checked the first time it
 * is read), honouring offset and strides, into a new contiguous PsTensor: F32/F16/BF16/F64/bool/
 * 8- and 16-bit integers → float32 (F64 rounded to nearest, all others exact), I32/I64 → int64.
 * Complex tensors are listed, not decoded. */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-pickle.h"
#include "ps-zip-archive.h"

G_BEGIN_DECLS

typedef enum {
  PS_TORCH_FILE_ZIP,
  PS_TORCH_FILE_LEGACY,
  PS_TORCH_FILE_SHARDED,
} PsTorchFileFormat;

typedef enum {
  PS_TORCH_OPEN_STRICT = 0,
  PS_TORCH_OPEN_ANYWAY = 1 << 0,   /* unknown classes (whole modules) shown as inert objects */
} PsTorchOpenFlags;

typedef struct {
  const char *name;
  const char *dtype;               /* "F32", "BF16", "I64", "BOOL", "C64", … */
  PsTorchStorageType stype;
  PsDType target_dtype;
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t stride[PS_MAX_DIMS];
  int64_t offset;                  /* in elements of the storage */
  int64_t numel;
  const char *storage_key;         /* record name under data/ (legacy: the pickle's key) */
  int64_t storage_numel;
  guint shard;
  gboolean is_parameter;
  gboolean requires_grad;
  gboolean is_view;                /* not the whole storage, or not contiguous */
  const char *alias_of;            /* same tensor, or same storage and geometry: the first name */
  const char *param_of;            /* optimizer state: the parameter's name */
} PsTorchTensorInfo;

typedef struct _PsTorchFile PsTorchFile;

/* TRUE when the first bytes are a zip or legacy torch file (magic only, nothing validated). */
gboolean     ps_torch_file_sniff      (const guint8 *head, gsize n);

PsTorchFile *ps_torch_file_open       (const char *path, PsTorchOpenFlags flags, GError **error);
/* A single file already open (the descriptor is duplicated); `label` names it in errors. */
PsTorchFile *ps_torch_file_open_fd    (int fd, const char *label, PsTorchOpenFlags flags, GError **error);
void         ps_torch_file_free       (PsTorchFile *tf);

guint        ps_torch_file_get_n_tensors (PsTorchFile *tf);
const PsTorchTensorInfo *ps_torch_file_get_info (PsTorchFile *tf, guint index);
const PsTorchTensorInfo *ps_torch_file_lookup   (PsTorchFile *tf, const char *name);

/* Scalars found in the object (path → Python-like repr), sorted keys, NULL-terminated (g_free the
 * array, not the strings). */
const char  *ps_torch_file_get_metadata      (PsTorchFile *tf, const char *key);
const char **ps_torch_file_get_metadata_keys (PsTorchFile *tf);
/* Classes only open-anyway mode allowed ("__main__.Net"), NULL-terminated; empty when strict. */
const char *const *ps_torch_file_get_unknown_globals (PsTorchFile *tf);

/* The model's state dict inside the file: the prefix its names carry ("" for a plain state dict,
 * "model." or "state_dict." in a training checkpoint), with "module." (DataParallel) included when
 * every key has it. NULL if no dict of tensors was found. */
const char  *ps_torch_file_get_state_dict_prefix (PsTorchFile *tf);

PsTensor    *ps_torch_file_load       (PsTorchFile *tf, const char *name, GError **error);
/* The values of a contiguous little-endian float32 tensor in a zip archive, in place in a
 * read-only mapping of the file (64-byte-aligned records, as torch writes them), the record's
 * CRC verified on the mapped bytes; *numel values, valid while tf is open. NULL without an error
 * when the tensor cannot be mapped so (legacy format, other dtype, strided view, misaligned): read
 * it with ps_torch_file_load. Touching mapped bytes may raise SIGBUS if the file shrinks: call
 * this and use the values under ps_sigbus_guard_run. */
const float *ps_torch_file_map_f32    (PsTorchFile *tf, const char *name, int64_t *numel, GError **error);
/* The same, with the record's CRC check left to the caller when it was not done yet: then
 * crc->entry is set and every byte of the record must be fed (ps_zip_crc_feed), in order, and
 * ps_zip_crc_finish must succeed before the values count — one pass over the bytes for both. */
const float *ps_torch_file_map_f32_unchecked (PsTorchFile *tf, const char *name, int64_t *numel, PsZipCrc *crc,
                                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTorchFile, ps_torch_file_free)

G_END_DECLS
