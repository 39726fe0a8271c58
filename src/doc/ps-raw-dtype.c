/* ps-raw-dtype.c — see ps-raw-dtype.h for the decoding policy. */
#include "ps-raw-dtype.h"

#include <string.h>

static const struct {
  const char *st_name;
  gsize size;
} raw_info[] = {
  [PS_RAW_BOOL] = { "BOOL", 1 },
  [PS_RAW_U8] = { "U8", 1 },
  [PS_RAW_I8] = { "I8", 1 },
  [PS_RAW_U16] = { "U16", 2 },
  [PS_RAW_I16] = { "I16", 2 },
  [PS_RAW_U32] = { "U32", 4 },
  [PS_RAW_I32] = { "I32", 4 },
  [PS_RAW_U64] = { "U64", 8 },
  [PS_RAW_I64] = { "I64", 8 },
  [PS_RAW_F16] = { "F16", 2 },
  [PS_RAW_BF16] = { "BF16", 2 },
  [PS_RAW_F32] = { "F32", 4 },
  [PS_RAW_F64] = { "F64", 8 },
  [PS_RAW_F8_E4M3] = { "F8_E4M3", 1 },
  [PS_RAW_F8_E5M2] = { "F8_E5M2", 1 },
};

gsize
ps_raw_dtype_size (PsRawDType raw)
{
  g_return_val_if_fail ((guint) raw < G_N_ELEMENTS (raw_info), 0);
  return raw_info[raw].size;
}

PsDType
ps_raw_dtype_target (PsRawDType raw)
{
  switch (raw)
    {
    case PS_RAW_U32:
    case PS_RAW_I32:
    case PS_RAW_U64:
    case PS_RAW_I64:
      return PS_DTYPE_INT64;
    default:
      return PS_DTYPE_FLOAT32;
    }
}

gboolean
ps_raw_dtype_from_safetensors (const char *name, PsRawDType *raw)
{
  for (guint i = 0; i < G_N_ELEMENTS (raw_info); i++)
    if (strcmp (name, raw_info[i].st_name) == 0)
      {
        *raw = (PsRawDType) i;
        return TRUE;
      }
  return FALSE;
}

static const char *
ps_raw_dtype_safetensors_name (PsRawDType raw)
{
  g_return_val_if_fail ((guint) raw < G_N_ELEMENTS (raw_info), "?");
  return raw_info[raw].st_name;
}

static inline float
bits_to_float (guint32 bits)
{
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

float
ps_half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  if (exp == 0x1f)   /* inf, or NaN made quiet (payload kept) as torch's conversion does */
    return bits_to_float (sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0));
  if (exp == 0)
    {
      /* zero or subnormal: mant × 2^-24, exact in float32 */
      float f = (float) mant * 0x1p-24f;
      return sign ? -f : f;
    }
  return bits_to_float (sign | ((exp + 112) << 23) | (mant << 13));
}

float
ps_bfloat16_to_float (guint16 b)
{
  return bits_to_float ((guint32) b << 16);
}

/* Loads of unaligned little/big-endian integers (the mapped file is never cast). */
static inline guint16
load16 (const guint8 *p, gboolean be)
{
  return be ? (guint16) ((p[0] << 8) | p[1]) : (guint16) ((p[1] << 8) | p[0]);
}

static inline guint32
load32 (const guint8 *p, gboolean be)
{
  guint32 v;
  memcpy (&v, p, 4);
  return be ? GUINT32_FROM_BE (v) : GUINT32_FROM_LE (v);
}

static inline guint64
load64 (const guint8 *p, gboolean be)
{
  guint64 v;
  memcpy (&v, p, 8);
  return be ? GUINT64_FROM_BE (v) : GUINT64_FROM_LE (v);
}

gboolean
ps_raw_decode (PsRawDType raw, gboolean big_endian, const guint8 *src, gsize count, void *dst,
               GError **error)
{
  float *f = dst;
  int64_t *l = dst;
  gboolean be = big_endian;

  switch (raw)
    {
    case PS_RAW_BOOL:
      for (gsize i = 0; i < count; i++)
        f[i] = src[i] ? 1.0f : 0.0f;
      break;
    case PS_RAW_U8:
      for (gsize i = 0; i < count; i++)
        f[i] = (float) src[i];
      break;
    case PS_RAW_I8:
      for (gsize i = 0; i < count; i++)
        f[i] = (float) (gint8) src[i];
      break;
    case PS_RAW_U16:
      for (gsize i = 0; i < count; i++)
        f[i] = (float) load16 (src + 2 * i, be);
      break;
    case PS_RAW_I16:
      for (gsize i = 0; i < count; i++)
        f[i] = (float) (gint16) load16 (src + 2 * i, be);
      break;
    case PS_RAW_U32:
      for (gsize i = 0; i < count; i++)
        l[i] = (int64_t) load32 (src + 4 * i, be);
      break;
    case PS_RAW_I32:
      for (gsize i = 0; i < count; i++)
        l[i] = (int64_t) (gint32) load32 (src + 4 * i, be);
      break;
    case PS_RAW_U64:
      for (gsize i = 0; i < count; i++)
        {
          guint64 v = load64 (src + 8 * i, be);
          if (v > (guint64) INT64_MAX)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW,
                           "element %" G_GSIZE_FORMAT " (%" G_GUINT64_FORMAT ") of an unsigned 64-bit "
                           "tensor does not fit in int64", i, v);
              return FALSE;
            }
          l[i] = (int64_t) v;
        }
      break;
    case PS_RAW_I64:
      if (!be && G_BYTE_ORDER == G_LITTLE_ENDIAN)
        memcpy (dst, src, count * 8);
      else
        for (gsize i = 0; i < count; i++)
          l[i] = (int64_t) load64 (src + 8 * i, be);
      break;
    case PS_RAW_F16:
      for (gsize i = 0; i < count; i++)
        f[i] = ps_half_to_float (load16 (src + 2 * i, be));
      break;
    case PS_RAW_BF16:
      for (gsize i = 0; i < count; i++)
        f[i] = ps_bfloat16_to_float (load16 (src + 2 * i, be));
      break;
    case PS_RAW_F32:
      if (!be && G_BYTE_ORDER == G_LITTLE_ENDIAN)
        memcpy (dst, src, count * 4);
      else
        for (gsize i = 0; i < count; i++)
          f[i] = bits_to_float (load32 (src + 4 * i, be));
      break;
    case PS_RAW_F64:
      for (gsize i = 0; i < count; i++)
        {
          guint64 bits = load64 (src + 8 * i, be);
          double d;
          memcpy (&d, &bits, 8);
          f[i] = (float) d;
        }
      break;
    case PS_RAW_F8_E4M3:
    case PS_RAW_F8_E5M2:
    default:
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                   "decoding %s tensors is not supported", ps_raw_dtype_safetensors_name (raw));
      return FALSE;
    }
  return TRUE;
}
