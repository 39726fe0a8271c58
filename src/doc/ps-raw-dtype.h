/* ps-raw-dtype.h — element types as stored in files (safetensors, .npy), and their decoding into
 * PsTensor's two dtypes.
 *
 * Decoding policy: every conversion is exact except F64 → float32 (round to nearest, like torch's
 * .float()). Floats, bool and integers of at most 16 bits become float32 (all exactly
 * representable); I32, U32, I64 and U64 become int64 (U64 values above INT64_MAX are an error).
 * The original dtype is kept by the callers as a string for display. */
#pragma once

#include <glib.h>
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef enum {
  PS_RAW_BOOL,
  PS_RAW_U8,
  PS_RAW_I8,
  PS_RAW_U16,
  PS_RAW_I16,
  PS_RAW_U32,
  PS_RAW_I32,
  PS_RAW_U64,
  PS_RAW_I64,
  PS_RAW_F16,
  PS_RAW_BF16,
  PS_RAW_F32,
  PS_RAW_F64,
  PS_RAW_F8_E4M3,   /* listed (size known) but not decoded */
  PS_RAW_F8_E5M2,
} PsRawDType;

gsize     ps_raw_dtype_size        (PsRawDType raw);
/* The PsTensor dtype a stored type decodes to (see the policy above). */
PsDType   ps_raw_dtype_target      (PsRawDType raw);
/* safetensors names: "F32", "BF16", "BOOL", … */
gboolean  ps_raw_dtype_from_safetensors (const char *name, PsRawDType *raw);

/* Decode `count` elements of `raw` from `src` (any alignment, little- or big-endian) into `dst`,
 * which holds `count` elements of ps_raw_dtype_target (raw). Fails only for U64 values that do not
 * fit in int64 and for undecodable types. */
gboolean  ps_raw_decode            (PsRawDType raw, gboolean big_endian, const guint8 *src,
                                    gsize count, void *dst, GError **error);

/* IEEE half / bfloat16 to float32, exact, bit for bit as torch's .float(): half NaNs become quiet
 * NaNs with their payload (numpy keeps them signalling), bfloat16 is the top half of a float32. */
float     ps_half_to_float         (guint16 h);
float     ps_bfloat16_to_float     (guint16 b);

G_END_DECLS
