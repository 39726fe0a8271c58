/* ps-safetensors.h — safetensors checkpoints: a single file or a sharded set described by
 * model.safetensors.index.json.
 *
 * File layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON header (an object:
 * tensor name → {"dtype", "shape", "data_offsets": [begin, end]}, plus an optional
 * "__metadata__": string → string), then the data section. Offsets are relative to the data
 * section, sorted, contiguous from 0 and cover it exactly.
 *
 * Opening maps the file (GMappedFile) and parses only the header (with a strict pull JSON reader,
 * ps-json-reader.h), so listing a multi-GB file is immediate; a tensor is read (pread, into new
 * 64-byte-aligned storage, then converted) only when asked for, and a file truncated meanwhile
 * gives an error, not SIGBUS. Every rule of the format is enforced on open; an error names the
 * file, the tensor and the rule.
 *
 * Aliases: safetensors cannot store two names for one storage. The writer stores such tensors
 * once and records the other names in __metadata__["paramscope.aliases"] (a JSON object
 * alias → stored name); the reader lists aliases as tensors and loads them as the same PsTensor. */
#pragma once

#include <glib.h>
#include "ps-tensor.h"
#include "ps-raw-dtype.h"

G_BEGIN_DECLS

#define PS_SAFETENSORS_MAX_HEADER ((guint64) 100000000)
#define PS_SAFETENSORS_ALIASES_KEY "paramscope.aliases"

typedef struct _PsSafetensors PsSafetensors;

typedef struct {
  const char *name;
  const char *dtype;            /* as in the file: "F32", "BF16", … */
  PsRawDType raw_dtype;
  PsDType target_dtype;         /* what ps_safetensors_load returns */
  int ndim;
  int64_t shape[PS_MAX_DIMS];
  int64_t numel;
  guint64 nbytes;               /* bytes in the file */
  guint shard;                  /* index into the shard list (0 for a single file) */
  guint64 offset;               /* absolute byte offset of the data in its shard file */
  const char *alias_of;         /* NULL, or the stored tensor this name aliases */
} PsSafetensorsInfo;

/* A single .safetensors file, or a sharded checkpoint when the path ends in ".index.json". */
PsSafetensors *ps_safetensors_open        (const char *path, GError **error);
/* Reads every file into memory once (an index, then its shards in name order), parses those bytes
 * and returns their SHA-256 (lower-case hex) in *sha256: a pin checked against it pins exactly what
 * was loaded, even if the files change meanwhile. */
PsSafetensors *ps_safetensors_open_hashed (const char *path, char **sha256, GError **error);
/* Parse a single file held in memory (copied into no other buffer; `bytes` is referenced). */
PsSafetensors *ps_safetensors_new_from_bytes (GBytes *bytes, GError **error);

void           ps_safetensors_unref       (PsSafetensors *st);

/* Stored tensors in file order (shard, then offset), then aliases sorted by name. */
guint          ps_safetensors_get_n_tensors (PsSafetensors *st);
const PsSafetensorsInfo *ps_safetensors_get_info (PsSafetensors *st, guint index);
const PsSafetensorsInfo *ps_safetensors_lookup   (PsSafetensors *st, const char *name);
guint          ps_safetensors_get_n_shards (PsSafetensors *st);

/* __metadata__ of the file (for a sharded checkpoint: of the first shard, merged with the
 * string values of the index's "metadata"). NULL when absent. */
const char    *ps_safetensors_get_metadata (PsSafetensors *st, const char *key);
/* Sorted, NULL-terminated; free with g_free (the strings are owned by st). */
const char   **ps_safetensors_get_metadata_keys (PsSafetensors *st);

/* Decode one tensor (aliases load their stored tensor) into new aligned storage. */
PsTensor      *ps_safetensors_load        (PsSafetensors *st, const char *name, GError **error);
/* A float32 tensor's values in place in the file's read-only mapping (*numel values, valid while
 * st is open); NULL without an error when not mappable so (another dtype, misaligned, in memory):
 * read it with ps_safetensors_load. Touching them may raise SIGBUS if the file shrinks: use them
 * under ps_sigbus_guard_run. */
const float   *ps_safetensors_map_f32     (PsSafetensors *st, const char *name, int64_t *numel, GError **error);
/* Decode everything; aliases share storage with their stored tensor. Returns parallel arrays
 * (names: char*, tensors: PsTensor*) in ps_safetensors_get_info order. */
gboolean       ps_safetensors_load_all    (PsSafetensors *st, GPtrArray **names, GPtrArray **tensors,
                                           GError **error);

/* Write float32/int64 tensors. Stable order: int64 first, then float32, each by name (8-byte
 * alignment of every tensor). Tensors sharing storage with the same shape are stored once (under
 * the first of their names in the given order) and recorded as aliases. `metadata` (string → string) may be NULL. Atomic. */
gboolean       ps_safetensors_write       (const char *path, guint n_tensors,
                                           const char *const *names, PsTensor *const *tensors,
                                           GHashTable *metadata, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSafetensors, ps_safetensors_unref)

G_END_DECLS
