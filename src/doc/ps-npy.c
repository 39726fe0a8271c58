/* ps-npy.c — see ps-npy.h for the layout and the rules enforced. */
#include "ps-npy.h"
#include "ps-atomic-file.h"
#include "ps-regular-file.h"

#include <string.h>

static const guint8 npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

#define FAIL(...) G_STMT_START { \
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

/* ---- the header dict: a tiny strict parser for the literal numpy writes ------------------- */

typedef struct {
  const char *p, *end;
} Lex;

static void
skip_ws (Lex *x)
{
  while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
    x->p++;
}

static gboolean
eat (Lex *x, char c)
{
  skip_ws (x);
  if (x->p < x->end && *x->p == c)
    {
      x->p++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted Python string without escapes (none of the valid keys or dtypes needs one). */
static gboolean
read_str (Lex *x, char *buf, gsize bufsize, GError **error)
{
  skip_ws (x);
  if (x->p >= x->end || (*x->p != '\'' && *x->p != '"'))
    FAIL (".npy header: expected a quoted string at '%.10s'", x->p < x->end ? x->p : "");
  char q = *x->p++;
  gsize n = 0;
  while (x->p < x->end && *x->p != q)
    {
      if (*x->p == '\\' || (guint8) *x->p < 0x20 || (guint8) *x->p >= 0x7f)
        FAIL (".npy header: unexpected character in a string");
      if (n + 1 >= bufsize)
        FAIL (".npy header: string too long");
      buf[n++] = *x->p++;
    }
  if (x->p >= x->end)
    FAIL (".npy header: unterminated string");
  x->p++;
  buf[n] = '\0';
  return TRUE;
}

static gboolean
read_int (Lex *x, int64_t *v, GError **error)
{
  skip_ws (x);
  const char *s = x->p;
  while (x->p < x->end && *x->p >= '0' && *x->p <= '9')
    x->p++;
  gsize n = (gsize) (x->p - s);
  if (n == 0)
    FAIL (".npy header: expected a non-negative integer in the shape");
  if (n > 19)
    FAIL (".npy header: shape dimension %.*s is too large", (int) MIN (n, 30), s);
  char buf[24];
  memcpy (buf, s, n);
  buf[n] = '\0';
  guint64 u;
  if (!g_ascii_string_to_unsigned (buf, 10, 0, G_MAXINT64, &u, NULL))
    FAIL (".npy header: shape dimension %s is too large", buf);
  *v = (int64_t) u;
  return TRUE;
}

static gboolean
parse_descr (const char *d, PsNpyHeader *h, GError **error)
{
  const char *p = d;
  gboolean be = (G_BYTE_ORDER == G_BIG_ENDIAN);
  if (*p == '<' || *p == '>' || *p == '|' || *p == '=')
    {
      if (*p == '<')
        be = FALSE;
      else if (*p == '>')
        be = TRUE;
      p++;
    }
  char kind = *p ? *p++ : '\0';
  if (kind == 'O')
    FAIL (".npy: object arrays (dtype '%s') are not supported: they need pickle", d);
  int size = 0;
  if (*p >= '1' && *p <= '8' && p[1] == '\0')
    size = *p - '0';
  static const struct { char kind; int size; PsRawDType raw; } types[] = {
    { 'f', 2, PS_RAW_F16 }, { 'f', 4, PS_RAW_F32 }, { 'f', 8, PS_RAW_F64 },
    { 'i', 1, PS_RAW_I8 }, { 'i', 2, PS_RAW_I16 }, { 'i', 4, PS_RAW_I32 }, { 'i', 8, PS_RAW_I64 },
    { 'u', 1, PS_RAW_U8 }, { 'u', 2, PS_RAW_U16 }, { 'u', 4, PS_RAW_U32 }, { 'u', 8, PS_RAW_U64 },
    { 'b', 1, PS_RAW_BOOL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (types[i].kind == kind && types[i].size == size)
      {
        h->raw_dtype = types[i].raw;
        h->big_endian = be;
        return TRUE;
      }
  FAIL (".npy: dtype '%s' is not supported (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)", d);
}

static gboolean
parse_dict (const char *text, gsize len, PsNpyHeader *h, GError **error)
{
  Lex x = { text, text + len };
  gboolean have_descr = FALSE, have_order = FALSE, have_shape = FALSE;
  if (!eat (&x, '{'))
    FAIL (".npy header: not a dict literal (does not start with '{')");
  for (;;)
    {
      if (eat (&x, '}'))
        break;
      char key[32];
      if (!read_str (&x, key, sizeof key, error))
        return FALSE;
      if (!eat (&x, ':'))
        FAIL (".npy header: expected ':' after '%s'", key);
      if (strcmp (key, "descr") == 0)
        {
          if (have_descr)
            FAIL (".npy header: duplicate key 'descr'");
          have_descr = TRUE;
          skip_ws (&x);
          if (x.p < x.end && (*x.p == '[' || *x.p == '('))
            FAIL (".npy: structured dtypes are not supported");
          if (!read_str (&x, h->descr, sizeof h->descr, error) || !parse_descr (h->descr, h, error))
            return FALSE;
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (have_order)
            FAIL (".npy header: duplicate key 'fortran_order'");
          have_order = TRUE;
          skip_ws (&x);
          if ((gsize) (x.end - x.p) >= 4 && memcmp (x.p, "True", 4) == 0)
            h->fortran_order = TRUE, x.p += 4;
          else if ((gsize) (x.end - x.p) >= 5 && memcmp (x.p, "False", 5) == 0)
            h->fortran_order = FALSE, x.p += 5;
          else
            FAIL (".npy header: fortran_order is not True or False");
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (have_shape)
            FAIL (".npy header: duplicate key 'shape'");
          have_shape = TRUE;
          if (!eat (&x, '('))
            FAIL (".npy header: shape is not a tuple");
          int n = 0;
          gboolean trailing_comma = FALSE;
          while (!eat (&x, ')'))
            {
              if (n == PS_MAX_DIMS)
                FAIL (".npy: more than %d dimensions are not supported", PS_MAX_DIMS);
              if (!read_int (&x, &h->shape[n], error))
                return FALSE;
              n++;
              trailing_comma = eat (&x, ',');
              if (!trailing_comma)
                {
                  if (!eat (&x, ')'))
                    FAIL (".npy header: malformed shape tuple");
                  break;
                }
            }
          if (n == 1 && !trailing_comma)
            FAIL (".npy header: shape (n) is not a tuple (a 1-tuple is written (n,))");
          h->ndim = n;
        }
      else
        FAIL (".npy header: unexpected key '%s' (expected exactly descr, fortran_order and shape)", key);
      if (!eat (&x, ','))
        {
          if (!eat (&x, '}'))
            FAIL (".npy header: expected ',' or '}' in the dict");
          break;
        }
    }
  skip_ws (&x);
  if (x.p != x.end)
    FAIL (".npy header: unexpected text after the dict");
  if (!have_descr || !have_order || !have_shape)
    FAIL (".npy header: missing key '%s'", !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
  return TRUE;
}

gboolean
ps_npy_parse_header (const guint8 *data, gsize len, PsNpyHeader *h, GError **error)
{
  g_return_val_if_fail (h != NULL, FALSE);
  memset (h, 0, sizeof *h);
  if (len < 10 || memcmp (data, npy_magic, 6) != 0)
    FAIL (".npy: bad magic (not a .npy file)");
  h->major = data[6];
  h->minor = data[7];
  gsize hlen, prefix;
  if (h->major == 1 && h->minor == 0)
    {
      hlen = (gsize) data[8] | ((gsize) data[9] << 8);
      prefix = 10;
    }
  else if ((h->major == 2 || h->major == 3) && h->minor == 0)
    {
      if (len < 12)
        FAIL (".npy: truncated header");
      hlen = (gsize) data[8] | ((gsize) data[9] << 8) | ((gsize) data[10] << 16) | ((gsize) data[11] << 24);
      prefix = 12;
    }
  else
    FAIL (".npy: unsupported format version %u.%u", h->major, h->minor);
  if (hlen > PS_NPY_MAX_HEADER)
    FAIL (".npy: header of %" G_GSIZE_FORMAT " bytes exceeds the limit of %d", hlen, PS_NPY_MAX_HEADER);
  if (hlen > len - prefix)
    FAIL (".npy: truncated header (%" G_GSIZE_FORMAT " bytes declared, %" G_GSIZE_FORMAT " present)",
          hlen, len - prefix);
  if (!parse_dict ((const char *) data + prefix, hlen, h, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  if (!ps_shape_numel (h->ndim, h->shape, &h->numel, &local))
    FAIL (".npy: %s", local->message);
  gsize es = ps_raw_dtype_size (h->raw_dtype);
  if ((guint64) h->numel > G_MAXUINT64 / es)
    FAIL (".npy: the byte size of the shape overflows");
  h->data_nbytes = (guint64) h->numel * es;
  h->data_offset = prefix + hlen;
  return TRUE;
}

/* Fortran (column-major) → C (row-major), on raw elements of `es` bytes. */
static void
fortran_to_c (const PsNpyHeader *h, gsize es, const guint8 *src, guint8 *dst)
{
  int64_t fstride[PS_MAX_DIMS], idx[PS_MAX_DIMS] = { 0 };
  int64_t s = 1;
  for (int d = 0; d < h->ndim; d++)
    {
      fstride[d] = s;
      s *= h->shape[d];
    }
  int64_t off = 0;   /* Fortran element offset of the current C-order index */
  for (int64_t i = 0; i < h->numel; i++)
    {
      memcpy (dst + (gsize) i * es, src + (gsize) off * es, es);
      for (int d = h->ndim - 1; d >= 0; d--)
        {
          idx[d]++;
          off += fstride[d];
          if (idx[d] < h->shape[d])
            break;
          off -= fstride[d] * idx[d];
          idx[d] = 0;
        }
    }
}

static PsTensor *
ps_npy_decode (const PsNpyHeader *h, const guint8 *data, gsize len, GError **error)
{
  if ((guint64) len != h->data_nbytes)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   ".npy: %" G_GSIZE_FORMAT " bytes of data where shape and dtype '%s' need %"
                   G_GUINT64_FORMAT "%s", len, h->descr, h->data_nbytes,
                   (guint64) len < h->data_nbytes ? " (truncated file)" : " (trailing bytes)");
      return NULL;
    }
  g_autoptr (PsTensor) t = ps_tensor_new_empty (ps_raw_dtype_target (h->raw_dtype), h->ndim,
                                                h->shape, error);
  if (t == NULL)
    return NULL;
  g_autofree guint8 *c_order = NULL;
  const guint8 *src = data;
  if (h->fortran_order && h->ndim > 1 && h->numel > 0)
    {
      c_order = g_try_malloc (len);
      if (c_order == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory transposing %" G_GSIZE_FORMAT
                       " bytes", len);
          return NULL;
        }
      fortran_to_c (h, ps_raw_dtype_size (h->raw_dtype), data, c_order);
      src = c_order;
    }
  if (!ps_raw_decode (h->raw_dtype, h->big_endian, src, (gsize) h->numel, t->data, error))
    return NULL;
  return g_steal_pointer (&t);
}

PsTensor *
ps_npy_load_from_data (const guint8 *data, gsize len, PsNpyHeader *header, GError **error)
{
  PsNpyHeader h;
  if (!ps_npy_parse_header (data, len, &h, error))
    return NULL;
  PsTensor *t = ps_npy_decode (&h, data + h.data_offset, len - h.data_offset, error);
  if (t != NULL && header != NULL)
    *header = h;
  return t;
}

PsTensor *
ps_npy_load (const char *path, PsNpyHeader *header, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) map = ps_regular_file_map (path, error);
  if (map == NULL)
    return NULL;
  PsTensor *t = ps_npy_load_from_data ((const guint8 *) g_mapped_file_get_contents (map),
                                       g_mapped_file_get_length (map), header, &local);
  if (t == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, PS_ERROR, local->code, "%s: %s", base, local->message);
    }
  return t;
}

/* ---- writing ----------------------------------------------------------------------------- */

GBytes *
ps_npy_serialize (const PsTensor *t, GError **error)
{
  g_return_val_if_fail (t != NULL, NULL);
  GString *dict = g_string_new (NULL);
  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                          t->dtype == PS_DTYPE_INT64 ? "<i8" : "<f4");
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (dict, "%s%" G_GINT64_FORMAT, d ? ", " : "", t->shape[d]);
  g_string_append (dict, t->ndim == 1 ? ",), }" : "), }");
  /* numpy pads magic + version + length + dict + '\n' to a multiple of 64 bytes. */
  gsize prefix = 10;
  gsize total = (prefix + dict->len + 1 + 63) & ~(gsize) 63;
  if (total - prefix > G_MAXUINT16)
    {
      prefix = 12;
      total = (prefix + dict->len + 1 + 63) & ~(gsize) 63;
    }
  while (prefix + dict->len + 1 < total)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');
  gsize nbytes = ps_tensor_nbytes (t);
  if (nbytes > G_MAXSIZE - total)
    {
      g_string_free (dict, TRUE);
      g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "tensor too large to serialize");
      return NULL;
    }
  guint8 *buf = g_try_malloc (total + nbytes);
  if (buf == NULL)
    {
      g_string_free (dict, TRUE);
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "out of memory serializing %" G_GSIZE_FORMAT
                   " bytes", total + nbytes);
      return NULL;
    }
  memcpy (buf, npy_magic, 6);
  gsize hlen = total - prefix;
  buf[6] = prefix == 10 ? 1 : 2;
  buf[7] = 0;
  buf[8] = hlen & 0xff;
  buf[9] = (hlen >> 8) & 0xff;
  if (prefix == 12)
    {
      buf[10] = (hlen >> 16) & 0xff;
      buf[11] = (hlen >> 24) & 0xff;
    }
  memcpy (buf + prefix, dict->str, dict->len);
  g_string_free (dict, TRUE);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (nbytes > 0)
    memcpy (buf + total, t->data, nbytes);
#else
  gsize es = ps_dtype_size (t->dtype);
  const guint8 *src = t->data;
  for (gsize i = 0; i < nbytes; i += es)
    for (gsize j = 0; j < es; j++)
      buf[total + i + j] = src[i + es - 1 - j];
#endif
  return g_bytes_new_take (buf, total + nbytes);
}

gboolean
ps_npy_write (const char *path, const PsTensor *t, GError **error)
{
  g_autoptr (GBytes) b = ps_npy_serialize (t, error);
  if (b == NULL)
    return FALSE;
  gsize len;
  const void *d = g_bytes_get_data (b, &len);
  return ps_atomic_file_set_contents (path, d, len, error);
}
