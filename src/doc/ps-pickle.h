/* ps-pickle.h — a restricted unpickler for torch.save's data.pkl that never executes anything.
 *
 * It runs the opcode subset torch.save writes (protocol 2, and 4 with FRAME/MEMOIZE/
 * SHORT_BINUNICODE/STACK_GLOBAL; BINFLOAT included, which torch 1.13's own weights_only loader
 * lacks) and builds an inert tree of PsPickleValue. Globals are resolved against a fixed allowlist
 * (../shared/PT-FORMAT.md §9 G1): collections.OrderedDict, torch._utils._rebuild_tensor_v2,
 * _rebuild_tensor, _rebuild_parameter, the torch.<X>Storage classes (inside storage ids only), the
 * dtype names, torch.Size, torch.device, set, _codecs.encode. Any other global is refused with its
 * name — or, with PS_PICKLE_OPEN_ANYWAY, becomes an inert class token that NEWOBJ turns into an
 * inert object holding its BUILD state (still never called; system modules are never tokens).
 *
 * Validation (PT-FORMAT.md §9 P1–P6, T1, T2, T4, T5): unknown opcodes refused by byte; APPEND(S)
 * only onto lists, SETITEM(S) only onto dicts with hashable keys, BUILD only on OrderedDicts and
 * inert objects; stack operations never reach below the last MARK; memo PUT index ≤ memo size, GET
 * index < size; ≤ 10,000 open MARKs, ≤ 10^6 stack values, GLOBAL names ≤ 256 printable bytes;
 * strings strictly UTF-8 and inside the data; STOP leaves exactly one value and no MARK; nothing
 * after STOP (unless PS_PICKLE_PREFIX). Storage ids are checked (kind, known class, key ≤ 64
 * chars, numel × itemsize ≤ 2^63−1) and interned by key: one key has one (class, numel) per pickle.
 * Tensor geometry is checked against its storage with overflow-safe arithmetic.
 *
 * All values live in the PsPickle arena and are freed with it; the result can be a DAG (memo) or
 * even cyclic, so walks must keep a visited set (each value has a dense `id`). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "ps-raw-dtype.h"

G_BEGIN_DECLS

#define PS_PICKLE_MAX_MARKS  10000
#define PS_PICKLE_MAX_STACK  1000000
#define PS_PICKLE_MAX_NDIM   32
#define PS_PICKLE_MAX_DEPTH  256       /* for walks over the result (ps-torch-file.c) */

typedef enum {
  PS_PICKLE_STRICT        = 0,
  PS_PICKLE_OPEN_ANYWAY   = 1 << 0,   /* unknown classes become inert objects */
  PS_PICKLE_LEGACY        = 1 << 1,   /* storage ids are legacy 6-tuples (…, None) */
  PS_PICKLE_PREFIX        = 1 << 2,   /* data may continue after STOP (legacy files) */
} PsPickleFlags;

typedef enum {
  PS_PV_NONE,
  PS_PV_BOOL,
  PS_PV_INT,
  PS_PV_BIGINT,     /* LONG1 of more than 8 bytes: bytes kept (two's complement LE) */
  PS_PV_FLOAT,
  PS_PV_STR,
  PS_PV_BYTES,
  PS_PV_TUPLE,
  PS_PV_LIST,
  PS_PV_SET,
  PS_PV_DICT,       /* items = key, value, key, value…; `ordered` for OrderedDict */
  PS_PV_GLOBAL,     /* a name as a value: torch.float32, or an inert class token */
  PS_PV_OBJECT,     /* inert: class (module, name), args, BUILD state */
  PS_PV_STORAGE,
  PS_PV_TENSOR,
} PsPickleKind;

/* Storage classes torch 1.13 writes. */
typedef enum {
  PS_TORCH_FLOAT, PS_TORCH_DOUBLE, PS_TORCH_HALF, PS_TORCH_BFLOAT16, PS_TORCH_LONG, PS_TORCH_INT,
  PS_TORCH_SHORT, PS_TORCH_CHAR, PS_TORCH_BYTE, PS_TORCH_BOOL, PS_TORCH_COMPLEX_FLOAT,
  PS_TORCH_COMPLEX_DOUBLE,
  PS_TORCH_N_STORAGE_TYPES
} PsTorchStorageType;

typedef struct _PsPickleValue PsPickleValue;
struct _PsPickleValue {
  PsPickleKind kind;
  guint id;                   /* dense, 0 … n-1 in creation order */
  gboolean b;
  int64_t i;
  double f;
  char *str;                  /* STR (NUL-terminated, no NUL inside), BYTES, BIGINT */
  gsize len;
  GPtrArray *items;           /* TUPLE/LIST/SET/DICT (not owned) */
  gboolean ordered;           /* DICT: an OrderedDict */
  PsPickleValue *attrs;       /* DICT: BUILD state (e.g. _metadata); OBJECT: BUILD state */
  const char *module, *name;  /* GLOBAL, OBJECT */
  gboolean is_token;          /* GLOBAL: an unknown class allowed by OPEN_ANYWAY */
  PsPickleValue *args;        /* OBJECT: NEWOBJ/REDUCE arguments */
  /* STORAGE */
  PsTorchStorageType stype;
  const char *key;
  int64_t numel;
  /* TENSOR */
  PsPickleValue *storage;
  int64_t offset;
  int ndim;
  int64_t size[PS_PICKLE_MAX_NDIM];
  int64_t stride[PS_PICKLE_MAX_NDIM];
  gboolean requires_grad;
  gboolean is_parameter;
};

typedef struct _PsPickle PsPickle;

/* `label` prefixes error messages ("model.pt: data.pkl"). On success *consumed (may be NULL) is the
 * number of bytes up to and including STOP. */
PsPickle   *ps_pickle_parse         (const guint8 *data, gsize len, PsPickleFlags flags, const char *label,
                                     gsize *consumed, GError **error);
void        ps_pickle_free          (PsPickle *p);
PsPickleValue *ps_pickle_get_root   (PsPickle *p);
/* Storages in order of first appearance. */
guint       ps_pickle_get_n_storages (PsPickle *p);
PsPickleValue *ps_pickle_get_storage (PsPickle *p, guint index);
/* Globals seen that only OPEN_ANYWAY allowed ("module.name"), sorted, NULL-terminated (owned). */
const char *const *ps_pickle_get_unknown_globals (PsPickle *p);

/* "FloatStorage", element size, the file dtype shown to users ("F32"), and the raw decoding type
 * (FALSE for complex, which is listed but not decoded). */
const char *ps_torch_storage_class_name (PsTorchStorageType t);
gsize       ps_torch_storage_itemsize   (PsTorchStorageType t);
const char *ps_torch_storage_dtype_name (PsTorchStorageType t);
gboolean    ps_torch_storage_raw_dtype  (PsTorchStorageType t, PsRawDType *raw);

/* A dict's value for a string key, or NULL. */
PsPickleValue *ps_pickle_dict_get   (PsPickleValue *dict, const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsPickle, ps_pickle_free)

G_END_DECLS
