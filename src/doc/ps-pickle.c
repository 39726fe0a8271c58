/* ps-pickle.c — see ps-pickle.h. */
#include "ps-pickle.h"
#include "ps-error.h"

#include <math.h>
#include <string.h>

static const struct {
  const char *cls, *dtype;
  gsize itemsize;
  int raw;                    /* PsRawDType, or -1 (complex) */
} storage_types[PS_TORCH_N_STORAGE_TYPES] = {
  [PS_TORCH_FLOAT] = { "FloatStorage", "F32", 4, PS_RAW_F32 },
  [PS_TORCH_DOUBLE] = { "DoubleStorage", "F64", 8, PS_RAW_F64 },
  [PS_TORCH_HALF] = { "HalfStorage", "F16", 2, PS_RAW_F16 },
  [PS_TORCH_BFLOAT16] = { "BFloat16Storage", "BF16", 2, PS_RAW_BF16 },
  [PS_TORCH_LONG] = { "LongStorage", "I64", 8, PS_RAW_I64 },
  [PS_TORCH_INT] = { "IntStorage", "I32", 4, PS_RAW_I32 },
  [PS_TORCH_SHORT] = { "ShortStorage", "I16", 2, PS_RAW_I16 },
  [PS_TORCH_CHAR] = { "CharStorage", "I8", 1, PS_RAW_I8 },
  [PS_TORCH_BYTE] = { "ByteStorage", "U8", 1, PS_RAW_U8 },
  [PS_TORCH_BOOL] = { "BoolStorage", "BOOL", 1, PS_RAW_BOOL },
  [PS_TORCH_COMPLEX_FLOAT] = { "ComplexFloatStorage", "C64", 8, -1 },
  [PS_TORCH_COMPLEX_DOUBLE] = { "ComplexDoubleStorage", "C128", 16, -1 },
};

const char *ps_torch_storage_class_name (PsTorchStorageType t) { return storage_types[t].cls; }
gsize ps_torch_storage_itemsize (PsTorchStorageType t) { return storage_types[t].itemsize; }
const char *ps_torch_storage_dtype_name (PsTorchStorageType t) { return storage_types[t].dtype; }

gboolean
ps_torch_storage_raw_dtype (PsTorchStorageType t, PsRawDType *raw)
{
  if (storage_types[t].raw < 0)
    return FALSE;
  *raw = (PsRawDType) storage_types[t].raw;
  return TRUE;
}

/* What an allowlisted global is. */
typedef enum {
  G_TOKEN,            /* unknown class, OPEN_ANYWAY only */
  G_DTYPE,            /* torch.float32 … (a value) */
  G_STORAGE,          /* torch.FloatStorage … (inside storage ids) */
  G_ORDERED_DICT,
  G_REBUILD_V2,
  G_REBUILD,
  G_PARAMETER,
  G_SIZE,
  G_DEVICE,
  G_SET,
  G_ENCODE,
} GlobalKind;

static const char *const dtype_names[] = {
  "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32",
  "int", "int16", "short", "int8", "uint8", "bool", "complex64", "cfloat", "complex128", "cdouble",
  "complex32", "chalf", NULL
};

/* Modules whose names never become inert tokens, even when opening anyway. */
static const char *const never_tokens[] = {
  "os", "posix", "nt", "sys", "subprocess", "builtins", "__builtin__", "pickle", "shutil", "socket",
  "importlib", "runpy", "code", "pty", "ctypes", "_codecs", "codecs", "io", "marshal", "types",
  "operator", "functools", "webbrowser", "multiprocessing", "signal", "tempfile", "glob", "commands",
  "popen2", "platform", "asyncio", "threading", "__main__.os", NULL
};

typedef struct {
  PsPickleValue *v;     /* NULL = MARK */
} Slot;

struct _PsPickle {
  GPtrArray *values;          /* arena, owns every PsPickleValue */
  GStringChunk *strings;
  PsPickleValue *root;
  GPtrArray *storages;        /* in order of first appearance */
  GHashTable *storage_by_key;
  GHashTable *unknown;        /* "module.name" set */
  char **unknown_sorted;
  GHashTable *gkinds;         /* PsPickleValue* (GLOBAL) → GlobalKind + 1 */
};

static void
value_free (PsPickleValue *v)
{
  if (v->items)
    g_ptr_array_unref (v->items);
  g_free (v->str);
  g_free (v);
}

void
ps_pickle_free (PsPickle *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->values, g_ptr_array_unref);
  g_clear_pointer (&p->strings, g_string_chunk_free);
  g_clear_pointer (&p->storages, g_ptr_array_unref);
  g_clear_pointer (&p->storage_by_key, g_hash_table_unref);
  g_clear_pointer (&p->unknown, g_hash_table_unref);
  g_clear_pointer (&p->gkinds, g_hash_table_unref);
  g_strfreev (p->unknown_sorted);
  g_free (p);
}

PsPickleValue *ps_pickle_get_root (PsPickle *p) { return p->root; }
guint ps_pickle_get_n_storages (PsPickle *p) { return p->storages->len; }

PsPickleValue *
ps_pickle_get_storage (PsPickle *p, guint index)
{
  g_return_val_if_fail (index < p->storages->len, NULL);
  return p->storages->pdata[index];
}

const char *const *
ps_pickle_get_unknown_globals (PsPickle *p)
{
  return (const char *const *) p->unknown_sorted;
}

PsPickleValue *
ps_pickle_dict_get (PsPickleValue *dict, const char *key)
{
  if (dict == NULL || dict->kind != PS_PV_DICT)
    return NULL;
  for (guint i = 0; i + 1 < dict->items->len; i += 2)
    {
      PsPickleValue *k = dict->items->pdata[i];
      if (k->kind == PS_PV_STR && strcmp (k->str, key) == 0)
        return dict->items->pdata[i + 1];
    }
  return NULL;
}

/* ---- the machine ------------------------------------------------------------------------ */

typedef struct {
  PsPickle *p;
  const guint8 *data;
  gsize len;
  gsize pos;                  /* next byte */
  gsize op_pos;               /* the current opcode's offset */
  guint8 op;
  PsPickleFlags flags;
  const char *label;
  GPtrArray *stack;           /* PsPickleValue*, NULL = MARK */
  GArray *marks;              /* stack positions of the MARKs (guint) */
  GPtrArray *memo;
} Machine;

static gboolean
err (Machine *m, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
err (Machine *m, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: opcode 0x%02x at byte %" G_GSIZE_FORMAT ": %s",
               m->label, m->op, m->op_pos, msg);
  return FALSE;
}

static PsPickleValue *
new_value (Machine *m, PsPickleKind kind)
{
  PsPickleValue *v = g_new0 (PsPickleValue, 1);
  v->kind = kind;
  v->id = m->p->values->len;
  g_ptr_array_add (m->p->values, v);
  if (kind == PS_PV_TUPLE || kind == PS_PV_LIST || kind == PS_PV_SET || kind == PS_PV_DICT)
    v->items = g_ptr_array_new ();
  return v;
}

static gboolean
need (Machine *m, gsize n, GError **error)
{
  if (m->len - m->pos < n)
    return err (m, error, "needs %" G_GSIZE_FORMAT " more bytes but the pickle ends", n);
  return TRUE;
}

static guint64
le (const guint8 *p, int n)
{
  guint64 v = 0;
  for (int k = n - 1; k >= 0; k--)
    v = (v << 8) | p[k];
  return v;
}

static guint
floor_pos (Machine *m)
{
  return m->marks->len ? g_array_index (m->marks, guint, m->marks->len - 1) + 1 : 0;
}

static gboolean
push (Machine *m, PsPickleValue *v, GError **error)
{
  if (m->stack->len >= PS_PICKLE_MAX_STACK)
    return err (m, error, "more than %d values on the stack", PS_PICKLE_MAX_STACK);
  g_ptr_array_add (m->stack, v);
  return TRUE;
}

/* Pops one value above the last MARK. */
static PsPickleValue *
pop (Machine *m, GError **error)
{
  if (m->stack->len <= floor_pos (m))
    {
      err (m, error, m->stack->len ? "stack underflow (reaches below a MARK)" : "stack underflow");
      return NULL;
    }
  return g_ptr_array_steal_index (m->stack, m->stack->len - 1);
}

static PsPickleValue *
top (Machine *m, GError **error)
{
  if (m->stack->len <= floor_pos (m))
    {
      err (m, error, "stack underflow");
      return NULL;
    }
  return m->stack->pdata[m->stack->len - 1];
}

/* The values since the last MARK (moved into `into`), and the MARK removed. */
static gboolean
pop_mark (Machine *m, GPtrArray *into, GError **error)
{
  if (m->marks->len == 0)
    return err (m, error, "no MARK to pop to");
  guint mark = g_array_index (m->marks, guint, m->marks->len - 1);
  g_array_set_size (m->marks, m->marks->len - 1);
  for (guint k = mark + 1; k < m->stack->len; k++)
    g_ptr_array_add (into, m->stack->pdata[k]);
  g_ptr_array_set_size (m->stack, mark);
  return TRUE;
}

static gboolean
hashable (PsPickleValue *v, int depth)
{
  switch (v->kind)
    {
    case PS_PV_NONE: case PS_PV_BOOL: case PS_PV_INT: case PS_PV_BIGINT: case PS_PV_FLOAT: case PS_PV_STR:
    case PS_PV_BYTES:
      return TRUE;
    case PS_PV_TUPLE:
      if (depth > 8)
        return FALSE;
      for (guint k = 0; k < v->items->len; k++)
        if (!hashable (v->items->pdata[k], depth + 1))
          return FALSE;
      return TRUE;
    default:
      return FALSE;
    }
}

static const char *
kind_name (PsPickleValue *v)
{
  static const char *const names[] = { "None", "bool", "int", "int", "float", "str", "bytes", "tuple",
    "list", "set", "dict", "global", "object", "storage", "tensor" };
  if (v->kind == PS_PV_DICT && v->ordered)
    return "OrderedDict";
  return names[v->kind];
}

static gboolean
set_items (Machine *m, PsPickleValue *dict, GPtrArray *kv, GError **error)
{
  if (dict->kind != PS_PV_DICT)
    return err (m, error, "SETITEM(S) onto a %s (only dicts may be filled)", kind_name (dict));
  if (kv->len % 2 != 0)
    return err (m, error, "SETITEMS with an odd number of values");
  for (guint k = 0; k < kv->len; k += 2)
    {
      PsPickleValue *key = kv->pdata[k];
      if (!hashable (key, 0))
        return err (m, error, "dict key of type %s is not hashable", kind_name (key));
      /* a repeated key is kept (torch never writes one); ps-torch-file refuses the second path */
      g_ptr_array_add (dict->items, key);
      g_ptr_array_add (dict->items, kv->pdata[k + 1]);
    }
  return TRUE;
}

static gboolean
read_line (Machine *m, char **out, GError **error)
{
  gsize start = m->pos;
  while (m->pos < m->len && m->data[m->pos] != '\n')
    {
      guint8 c = m->data[m->pos];
      if (c < 0x21 || c > 0x7e)
        return err (m, error, "GLOBAL name with a non-printable byte 0x%02x", c);
      if (m->pos - start >= 256)
        return err (m, error, "GLOBAL name longer than 256 bytes");
      m->pos++;
    }
  if (m->pos >= m->len)
    return err (m, error, "GLOBAL name without its newline");
  if (m->pos == start)
    return err (m, error, "empty GLOBAL name");
  *out = g_strndup ((const char *) m->data + start, m->pos - start);
  m->pos++;
  return TRUE;
}

static gboolean
in_list (const char *const *list, const char *s)
{
  for (guint k = 0; list[k]; k++)
    if (strcmp (list[k], s) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
resolve_global (Machine *m, const char *module, const char *name, GError **error)
{
  GlobalKind kind = G_TOKEN;
  gboolean known = TRUE;
  if (strcmp (module, "collections") == 0 && strcmp (name, "OrderedDict") == 0)
    kind = G_ORDERED_DICT;
  else if (strcmp (module, "torch._utils") == 0 && strcmp (name, "_rebuild_tensor_v2") == 0)
    kind = G_REBUILD_V2;
  else if (strcmp (module, "torch._utils") == 0 && strcmp (name, "_rebuild_tensor") == 0)
    kind = G_REBUILD;
  else if (strcmp (module, "torch._utils") == 0 && strcmp (name, "_rebuild_parameter") == 0)
    kind = G_PARAMETER;
  else if (strcmp (module, "torch") == 0 && strcmp (name, "Size") == 0)
    kind = G_SIZE;
  else if (strcmp (module, "torch") == 0 && strcmp (name, "device") == 0)
    kind = G_DEVICE;
  else if ((strcmp (module, "__builtin__") == 0 || strcmp (module, "builtins") == 0) && strcmp (name, "set") == 0)
    kind = G_SET;
  else if (strcmp (module, "_codecs") == 0 && strcmp (name, "encode") == 0)
    kind = G_ENCODE;
  else if (strcmp (module, "torch") == 0 && in_list (dtype_names, name))
    kind = G_DTYPE;
  else
    {
      known = FALSE;
      if (strcmp (module, "torch") == 0)
        for (int t = 0; t < PS_TORCH_N_STORAGE_TYPES; t++)
          if (strcmp (name, storage_types[t].cls) == 0)
            {
              kind = G_STORAGE;
              known = TRUE;
            }
    }
  if (!known)
    {
      g_autofree char *top_module = g_strndup (module, strcspn (module, "."));
      /* system modules first: opening anyway is not offered for them */
      if (in_list (never_tokens, top_module) || in_list (never_tokens, module))
        return err (m, error, "forbidden global %s.%s — never allowed, not even when opening anyway", module, name);
      if (!(m->flags & PS_PICKLE_OPEN_ANYWAY))
        return err (m, error, "forbidden global %s.%s — this file would run code or build objects of this "
                    "class if opened with torch.load; Paramscope never runs it (open anyway shows such "
                    "objects inertly)", module, name);
      g_autofree char *full = g_strdup_printf ("%s.%s", module, name);
      g_hash_table_add (m->p->unknown, g_steal_pointer (&full));
    }
  PsPickleValue *v = new_value (m, PS_PV_GLOBAL);
  v->module = g_string_chunk_insert_const (m->p->strings, module);
  v->name = g_string_chunk_insert_const (m->p->strings, name);
  v->is_token = kind == G_TOKEN;
  g_hash_table_insert (m->p->gkinds, v, GINT_TO_POINTER (kind + 1));
  return push (m, v, error);
}

static GlobalKind
global_kind (Machine *m, PsPickleValue *v)
{
  return (GlobalKind) (GPOINTER_TO_INT (g_hash_table_lookup (m->p->gkinds, v)) - 1);
}

static gboolean
get_int (Machine *m, PsPickleValue *v, const char *what, int64_t *out, GError **error)
{
  if (v->kind != PS_PV_INT)
    return err (m, error, "%s is a %s%s, not an int64", what, kind_name (v),
                v->kind == PS_PV_BIGINT ? " too large" : "");
  *out = v->i;
  return TRUE;
}

static gboolean
persistent_load (Machine *m, PsPickleValue *pid, PsPickleValue **out, GError **error)
{
  gboolean legacy = (m->flags & PS_PICKLE_LEGACY) != 0;
  if (pid->kind != PS_PV_TUPLE || pid->items->len == 0 || ((PsPickleValue *) pid->items->pdata[0])->kind != PS_PV_STR)
    return err (m, error, "persistent id is not a tuple starting with a string");
  PsPickleValue **it = (PsPickleValue **) pid->items->pdata;
  guint n = pid->items->len;
  if (strcmp (it[0]->str, "module") == 0 && legacy)
    {
      /* legacy whole modules: ('module', class, source file, source) — the class as a token */
      if (n != 4 || it[1]->kind != PS_PV_GLOBAL)
        return err (m, error, "malformed 'module' persistent id");
      if (!it[1]->is_token)
        return err (m, error, "'module' persistent id of %s.%s", it[1]->module, it[1]->name);
      *out = it[1];
      return TRUE;
    }
  if (strcmp (it[0]->str, "storage") != 0)
    return err (m, error, "persistent id of kind '%s' (only 'storage' is read)", it[0]->str);
  if (n != (legacy ? 6u : 5u))
    return err (m, error, "storage id with %u fields (%s files have %u)", n, legacy ? "legacy" : "zip",
                legacy ? 6u : 5u);
  if (it[1]->kind != PS_PV_GLOBAL || global_kind (m, it[1]) != G_STORAGE)
    return err (m, error, "storage id without a torch storage class");
  if (it[2]->kind != PS_PV_STR || it[2]->len == 0 || it[2]->len > 64)
    return err (m, error, "storage key is not a string of 1 to 64 characters");
  if (it[3]->kind != PS_PV_STR)
    return err (m, error, "storage location is not a string");
  int64_t numel = 0;
  if (!get_int (m, it[4], "storage numel", &numel, error))
    return FALSE;
  if (legacy && it[5]->kind != PS_PV_NONE)
    return err (m, error, "legacy storage id with view metadata (never written since torch 0.4)");
  PsTorchStorageType t = PS_TORCH_FLOAT;
  for (int k = 0; k < PS_TORCH_N_STORAGE_TYPES; k++)
    if (strcmp (it[1]->name, storage_types[k].cls) == 0)
      t = (PsTorchStorageType) k;
  if (numel < 0 || (guint64) numel > (guint64) G_MAXINT64 / storage_types[t].itemsize)
    return err (m, error, "storage '%s': numel %" G_GINT64_FORMAT " out of range", it[2]->str, numel);
  PsPickleValue *s = g_hash_table_lookup (m->p->storage_by_key, it[2]->str);
  if (s != NULL)
    {
      if (s->stype != t || s->numel != numel)
        return err (m, error, "storage key '%s' used as %s of %" G_GINT64_FORMAT " and as %s of %" G_GINT64_FORMAT
                    " elements (one record cannot hold two)", s->key, storage_types[s->stype].cls, s->numel,
                    storage_types[t].cls, numel);
      *out = s;
      return TRUE;
    }
  s = new_value (m, PS_PV_STORAGE);
  s->stype = t;
  s->key = g_string_chunk_insert (m->p->strings, it[2]->str);
  s->numel = numel;
  g_hash_table_insert (m->p->storage_by_key, (gpointer) s->key, s);
  g_ptr_array_add (m->p->storages, s);
  *out = s;
  return TRUE;
}

static gboolean
int_tuple (Machine *m, PsPickleValue *v, const char *what, int64_t *out, int *n, GError **error)
{
  if (v->kind != PS_PV_TUPLE)
    return err (m, error, "tensor %s is a %s, not a tuple", what, kind_name (v));
  if (v->items->len > PS_PICKLE_MAX_NDIM)
    return err (m, error, "tensor with %u dimensions (limit %d)", v->items->len, PS_PICKLE_MAX_NDIM);
  for (guint k = 0; k < v->items->len; k++)
    if (!get_int (m, v->items->pdata[k], what, &out[k], error))
      return FALSE;
  *n = (int) v->items->len;
  return TRUE;
}

static gboolean
rebuild_tensor (Machine *m, GlobalKind kind, PsPickleValue *args, PsPickleValue **out, GError **error)
{
  guint n = args->items->len;
  PsPickleValue **a = (PsPickleValue **) args->items->pdata;
  if (kind == G_REBUILD_V2 ? (n != 6 && n != 7) : n != 4)
    return err (m, error, "%s with %u arguments", kind == G_REBUILD_V2 ? "_rebuild_tensor_v2" : "_rebuild_tensor", n);
  if (a[0]->kind != PS_PV_STORAGE)
    return err (m, error, "tensor rebuilt from a %s, not a storage", kind_name (a[0]));
  PsPickleValue *t = new_value (m, PS_PV_TENSOR);
  t->storage = a[0];
  int ns, nt;
  if (!get_int (m, a[1], "storage offset", &t->offset, error) || !int_tuple (m, a[2], "size", t->size, &ns, error)
      || !int_tuple (m, a[3], "stride", t->stride, &nt, error))
    return FALSE;
  if (ns != nt)
    return err (m, error, "tensor size has %d dimensions but stride %d", ns, nt);
  t->ndim = ns;
  if (kind == G_REBUILD_V2)
    {
      if (a[4]->kind != PS_PV_BOOL)
        return err (m, error, "requires_grad is a %s, not a bool", kind_name (a[4]));
      t->requires_grad = a[4]->b;
      if (a[5]->kind != PS_PV_DICT)
        return err (m, error, "backward hooks are a %s, not an OrderedDict", kind_name (a[5]));
    }
  if (t->offset < 0)
    return err (m, error, "negative storage offset %" G_GINT64_FORMAT, t->offset);
  int64_t numel = 1, last = t->offset;
  for (int k = 0; k < t->ndim; k++)
    {
      if (t->size[k] < 0 || t->stride[k] < 0)
        return err (m, error, "negative %s %" G_GINT64_FORMAT " in dimension %d", t->size[k] < 0 ? "size" : "stride",
                    t->size[k] < 0 ? t->size[k] : t->stride[k], k);
      if (t->size[k] != 0 && numel > G_MAXINT64 / t->size[k])
        return err (m, error, "tensor size overflows int64");
      numel *= t->size[k];
    }
  if (numel > 0)
    {
      for (int k = 0; k < t->ndim; k++)
        {
          int64_t span;
          if (t->stride[k] != 0 && t->size[k] - 1 > G_MAXINT64 / t->stride[k])
            return err (m, error, "tensor extent overflows int64");
          span = (t->size[k] - 1) * t->stride[k];
          if (last > G_MAXINT64 - span)
            return err (m, error, "tensor extent overflows int64");
          last += span;
        }
      if (last >= t->storage->numel)
        return err (m, error, "view reaches element %" G_GINT64_FORMAT " of storage '%s', which has %" G_GINT64_FORMAT,
                    last, t->storage->key, t->storage->numel);
    }
  *out = t;
  return TRUE;
}

static gboolean
reduce (Machine *m, GError **error)
{
  PsPickleValue *args = pop (m, error), *fn = args ? pop (m, error) : NULL;
  if (fn == NULL)
    return FALSE;
  if (fn->kind != PS_PV_GLOBAL)
    return err (m, error, "REDUCE on a %s", kind_name (fn));
  if (args->kind != PS_PV_TUPLE)
    return err (m, error, "REDUCE arguments are a %s, not a tuple", kind_name (args));
  PsPickleValue **a = (PsPickleValue **) args->items->pdata;
  guint n = args->items->len;
  PsPickleValue *r = NULL;
  switch (global_kind (m, fn))
    {
    case G_ORDERED_DICT:
      if (n != 0)
        return err (m, error, "OrderedDict with arguments");
      r = new_value (m, PS_PV_DICT);
      r->ordered = TRUE;
      break;
    case G_REBUILD_V2:
    case G_REBUILD:
      if (!rebuild_tensor (m, global_kind (m, fn), args, &r, error))
        return FALSE;
      break;
    case G_PARAMETER:
      if (n != 3 || a[0]->kind != PS_PV_TENSOR || a[1]->kind != PS_PV_BOOL || a[2]->kind != PS_PV_DICT)
        return err (m, error, "_rebuild_parameter needs (tensor, bool, OrderedDict)");
      r = new_value (m, PS_PV_TENSOR);
      {
        guint id = r->id;
        *r = *a[0];
        r->id = id;
      }
      r->requires_grad = a[1]->b;
      r->is_parameter = TRUE;
      break;
    case G_SIZE:
      if (n != 1 || a[0]->kind != PS_PV_TUPLE)
        return err (m, error, "torch.Size needs one tuple");
      for (guint k = 0; k < a[0]->items->len; k++)
        if (((PsPickleValue *) a[0]->items->pdata[k])->kind != PS_PV_INT)
          return err (m, error, "torch.Size of a non-int");
      r = a[0];
      break;
    case G_DEVICE:
      if (n < 1 || n > 2 || a[0]->kind != PS_PV_STR || (n == 2 && a[1]->kind != PS_PV_INT))
        return err (m, error, "torch.device needs (str[, int])");
      r = new_value (m, PS_PV_OBJECT);
      r->module = fn->module;
      r->name = fn->name;
      r->args = args;
      break;
    case G_SET:
      if (n > 1 || (n == 1 && a[0]->kind != PS_PV_LIST))
        return err (m, error, "set needs one list");
      r = new_value (m, PS_PV_SET);
      if (n == 1)
        for (guint k = 0; k < a[0]->items->len; k++)
          {
            if (!hashable (a[0]->items->pdata[k], 0))
              return err (m, error, "set item of type %s is not hashable", kind_name (a[0]->items->pdata[k]));
            g_ptr_array_add (r->items, a[0]->items->pdata[k]);
          }
      break;
    case G_ENCODE:
      {
        if (n != 2 || a[0]->kind != PS_PV_STR || a[1]->kind != PS_PV_STR || strcmp (a[1]->str, "latin1") != 0)
          return err (m, error, "_codecs.encode needs (str, 'latin1')");
        r = new_value (m, PS_PV_BYTES);
        GString *b = g_string_new (NULL);
        for (const char *s = a[0]->str; *s; s = g_utf8_next_char (s))
          {
            gunichar c = g_utf8_get_char (s);
            if (c > 0xFF)
              {
                g_string_free (b, TRUE);
                return err (m, error, "_codecs.encode of a character above U+00FF");
              }
            g_string_append_c (b, (char) c);
          }
        r->len = b->len;
        r->str = g_string_free (b, FALSE);
        break;
      }
    case G_TOKEN:
    case G_DTYPE:
    case G_STORAGE:
    default:
      return err (m, error, "REDUCE calls %s.%s, which is never called (only the tensor, parameter, "
                  "OrderedDict, Size, device, set and bytes rebuilders are understood)", fn->module, fn->name);
    }
  return push (m, r, error);
}

static gboolean
read_string (Machine *m, gsize n, PsPickleKind kind, GError **error)
{
  if (!need (m, n, error))
    return FALSE;
  const char *s = (const char *) m->data + m->pos;
  if (kind == PS_PV_STR)
    {
      if (memchr (s, 0, n) != NULL)
        return err (m, error, "string contains a NUL character");
      if (!g_utf8_validate_len (s, n, NULL))
        return err (m, error, "string is not valid UTF-8");
    }
  PsPickleValue *v = new_value (m, kind);
  v->str = g_malloc (n + 1);
  memcpy (v->str, s, n);
  v->str[n] = 0;
  v->len = n;
  m->pos += n;
  return push (m, v, error);
}

static gboolean
memo_put (Machine *m, guint64 index, GError **error)
{
  PsPickleValue *v = top (m, error);
  if (v == NULL)
    return FALSE;
  if (index > m->memo->len)
    return err (m, error, "memo index %" G_GUINT64_FORMAT " past the memo size %u", index, m->memo->len);
  if (index == m->memo->len)
    g_ptr_array_add (m->memo, v);
  else
    m->memo->pdata[index] = v;
  return TRUE;
}

static gboolean
memo_get (Machine *m, guint64 index, GError **error)
{
  if (index >= m->memo->len)
    return err (m, error, "memo index %" G_GUINT64_FORMAT " not set (memo size %u)", index, m->memo->len);
  return push (m, m->memo->pdata[index], error);
}

static gboolean
step (Machine *m, gboolean *stop, GError **error)
{
  m->op_pos = m->pos;
  m->op = m->data[m->pos++];
  const guint8 *d = m->data;
  g_autoptr (GPtrArray) items = NULL;
  PsPickleValue *v = NULL, *w = NULL, *x = NULL;
  switch (m->op)
    {
    case 0x80: /* PROTO */
      if (m->op_pos != 0)
        return err (m, error, "PROTO after the first opcode");
      if (!need (m, 1, error))
        return FALSE;
      if (d[m->pos] < 2 || d[m->pos] > 5)
        return err (m, error, "pickle protocol %u (2 to 5 are read)", d[m->pos]);
      m->pos++;
      return TRUE;
    case 0x95: /* FRAME: a length hint */
      if (!need (m, 8, error))
        return FALSE;
      m->pos += 8;
      return TRUE;
    case '.': /* STOP */
      if (m->marks->len != 0)
        return err (m, error, "STOP with %u open MARKs", m->marks->len);
      if (m->stack->len != 1)
        return err (m, error, "STOP with %u values on the stack (1 expected)", m->stack->len);
      m->p->root = m->stack->pdata[0];
      *stop = TRUE;
      return TRUE;
    case '(': /* MARK */
      if (m->marks->len >= PS_PICKLE_MAX_MARKS)
        return err (m, error, "more than %d open MARKs", PS_PICKLE_MAX_MARKS);
      {
        guint pos = m->stack->len;
        g_array_append_val (m->marks, pos);
      }
      return push (m, NULL, error);
    case 't': /* TUPLE */
      items = g_ptr_array_new ();
      if (!pop_mark (m, items, error))
        return FALSE;
      v = new_value (m, PS_PV_TUPLE);
      g_ptr_array_extend (v->items, items, NULL, NULL);
      return push (m, v, error);
    case 0x85: case 0x86: case 0x87: /* TUPLE1/2/3 */
      {
        int n = m->op - 0x84;
        PsPickleValue *t[3];
        for (int k = n - 1; k >= 0; k--)
          if ((t[k] = pop (m, error)) == NULL)
            return FALSE;
        v = new_value (m, PS_PV_TUPLE);
        for (int k = 0; k < n; k++)
          g_ptr_array_add (v->items, t[k]);
        return push (m, v, error);
      }
    case ')':
      return push (m, new_value (m, PS_PV_TUPLE), error);
    case ']':
      return push (m, new_value (m, PS_PV_LIST), error);
    case '}':
      return push (m, new_value (m, PS_PV_DICT), error);
    case 'a': /* APPEND */
      if ((v = pop (m, error)) == NULL || (w = top (m, error)) == NULL)
        return FALSE;
      if (w->kind != PS_PV_LIST)
        return err (m, error, "APPEND onto a %s (only lists may be appended to)", kind_name (w));
      g_ptr_array_add (w->items, v);
      return TRUE;
    case 'e': /* APPENDS */
      items = g_ptr_array_new ();
      if (!pop_mark (m, items, error) || (w = top (m, error)) == NULL)
        return FALSE;
      if (w->kind != PS_PV_LIST)
        return err (m, error, "APPENDS onto a %s (only lists may be appended to)", kind_name (w));
      g_ptr_array_extend (w->items, items, NULL, NULL);
      return TRUE;
    case 's': /* SETITEM */
      items = g_ptr_array_new ();
      if ((v = pop (m, error)) == NULL || (x = pop (m, error)) == NULL || (w = top (m, error)) == NULL)
        return FALSE;
      g_ptr_array_add (items, x);
      g_ptr_array_add (items, v);
      return set_items (m, w, items, error);
    case 'u': /* SETITEMS */
      items = g_ptr_array_new ();
      if (!pop_mark (m, items, error) || (w = top (m, error)) == NULL)
        return FALSE;
      return set_items (m, w, items, error);
    case 'K': case 'M': case 'J':
      {
        int n = m->op == 'K' ? 1 : m->op == 'M' ? 2 : 4;
        if (!need (m, (gsize) n, error))
          return FALSE;
        v = new_value (m, PS_PV_INT);
        guint64 u = le (d + m->pos, n);
        v->i = n == 4 ? (int64_t) (gint32) (guint32) u : (int64_t) u;
        m->pos += (gsize) n;
        return push (m, v, error);
      }
    case 0x8a: /* LONG1 */
      {
        if (!need (m, 1, error))
          return FALSE;
        gsize n = d[m->pos++];
        if (!need (m, n, error))
          return FALSE;
        if (n <= 8)
          {
            v = new_value (m, PS_PV_INT);
            guint64 u = n ? le (d + m->pos, (int) n) : 0;
            if (n > 0 && n < 8 && (d[m->pos + n - 1] & 0x80))
              u |= ~(guint64) 0 << (8 * n);
            v->i = (int64_t) u;
          }
        else
          {
            v = new_value (m, PS_PV_BIGINT);
            v->str = g_memdup2 (d + m->pos, n);
            v->len = n;
          }
        m->pos += n;
        return push (m, v, error);
      }
    case 'G': /* BINFLOAT, big-endian */
      {
        if (!need (m, 8, error))
          return FALSE;
        guint64 u = 0;
        for (int k = 0; k < 8; k++)
          u = (u << 8) | d[m->pos + (gsize) k];
        v = new_value (m, PS_PV_FLOAT);
        memcpy (&v->f, &u, 8);
        m->pos += 8;
        return push (m, v, error);
      }
    case 'X': case 'B': /* BINUNICODE, BINBYTES */
      if (!need (m, 4, error))
        return FALSE;
      m->pos += 4;
      return read_string (m, (gsize) le (d + m->pos - 4, 4), m->op == 'X' ? PS_PV_STR : PS_PV_BYTES, error);
    case 0x8c: case 'C': /* SHORT_BINUNICODE, SHORT_BINBYTES */
      if (!need (m, 1, error))
        return FALSE;
      m->pos += 1;
      return read_string (m, d[m->pos - 1], m->op == 0x8c ? PS_PV_STR : PS_PV_BYTES, error);
    case 'N':
      return push (m, new_value (m, PS_PV_NONE), error);
    case 0x88: case 0x89:
      v = new_value (m, PS_PV_BOOL);
      v->b = m->op == 0x88;
      return push (m, v, error);
    case 'q':
      if (!need (m, 1, error))
        return FALSE;
      return memo_put (m, d[m->pos++], error);
    case 'r':
      if (!need (m, 4, error))
        return FALSE;
      m->pos += 4;
      return memo_put (m, le (d + m->pos - 4, 4), error);
    case 0x94: /* MEMOIZE */
      return memo_put (m, m->memo->len, error);
    case 'h':
      if (!need (m, 1, error))
        return FALSE;
      return memo_get (m, d[m->pos++], error);
    case 'j':
      if (!need (m, 4, error))
        return FALSE;
      m->pos += 4;
      return memo_get (m, le (d + m->pos - 4, 4), error);
    case 'c': /* GLOBAL */
      {
        g_autofree char *module = NULL, *name = NULL;
        if (!read_line (m, &module, error) || !read_line (m, &name, error))
          return FALSE;
        return resolve_global (m, module, name, error);
      }
    case 0x93: /* STACK_GLOBAL */
      if ((v = pop (m, error)) == NULL || (w = pop (m, error)) == NULL)
        return FALSE;
      if (v->kind != PS_PV_STR || w->kind != PS_PV_STR || v->len == 0 || w->len == 0 || v->len > 256 || w->len > 256)
        return err (m, error, "STACK_GLOBAL needs two strings of 1 to 256 bytes");
      for (const char *s = v->str; *s; s++)
        if ((guint8) *s < 0x21 || (guint8) *s > 0x7e)
          return err (m, error, "STACK_GLOBAL name with a non-printable character");
      for (const char *s = w->str; *s; s++)
        if ((guint8) *s < 0x21 || (guint8) *s > 0x7e)
          return err (m, error, "STACK_GLOBAL module with a non-printable character");
      return resolve_global (m, w->str, v->str, error);
    case 'R':
      return reduce (m, error);
    case 'b': /* BUILD */
      if ((v = pop (m, error)) == NULL || (w = top (m, error)) == NULL)
        return FALSE;
      if (w->kind == PS_PV_DICT && w->ordered)
        {
          if (v->kind != PS_PV_DICT || w->attrs != NULL)
            return err (m, error, "BUILD of an OrderedDict needs one dict of attributes");
          w->attrs = v;
          return TRUE;
        }
      if (w->kind == PS_PV_OBJECT && w->attrs == NULL && w->args != NULL && w->module != NULL
          && strcmp (w->module, "torch") != 0)
        {
          w->attrs = v;
          return TRUE;
        }
      return err (m, error, "BUILD on a %s (only OrderedDicts and inert objects take state)", kind_name (w));
    case 0x81: /* NEWOBJ */
      if ((v = pop (m, error)) == NULL || (w = pop (m, error)) == NULL)
        return FALSE;
      if (w->kind != PS_PV_GLOBAL || !w->is_token)
        return err (m, error, "NEWOBJ of %s%s%s (only inert classes, when opening anyway)",
                    w->kind == PS_PV_GLOBAL ? w->module : kind_name (w), w->kind == PS_PV_GLOBAL ? "." : "",
                    w->kind == PS_PV_GLOBAL ? w->name : "");
      if (v->kind != PS_PV_TUPLE)
        return err (m, error, "NEWOBJ arguments are a %s, not a tuple", kind_name (v));
      x = new_value (m, PS_PV_OBJECT);
      x->module = w->module;
      x->name = w->name;
      x->args = v;
      return push (m, x, error);
    case 'Q': /* BINPERSID */
      if ((v = pop (m, error)) == NULL || !persistent_load (m, v, &w, error))
        return FALSE;
      return push (m, w, error);
    default:
      return err (m, error, "unsupported opcode (torch.save never writes it)");
    }
}

static int
str_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

PsPickle *
ps_pickle_parse (const guint8 *data, gsize len, PsPickleFlags flags, const char *label, gsize *consumed,
                 GError **error)
{
  g_autoptr (PsPickle) p = g_new0 (PsPickle, 1);
  p->values = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);
  p->strings = g_string_chunk_new (1024);
  p->storages = g_ptr_array_new ();
  p->storage_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  p->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->gkinds = g_hash_table_new (NULL, NULL);
  Machine m = { p, data, len, 0, 0, 0, flags, label ? label : "pickle", g_ptr_array_new (),
                g_array_new (FALSE, FALSE, sizeof (guint)), g_ptr_array_new () };
  gboolean ok = TRUE, stop = FALSE;
  if (len == 0 || data[0] != 0x80)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not a pickle of protocol 2 or later (no PROTO opcode first)",
                   m.label);
      ok = FALSE;
    }
  while (ok && !stop)
    {
      if (m.pos >= len)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: the pickle ends without STOP", m.label);
          ok = FALSE;
          break;
        }
      ok = step (&m, &stop, error);
    }
  g_ptr_array_unref (m.stack);
  g_array_unref (m.marks);
  g_ptr_array_unref (m.memo);
  if (!ok)
    return NULL;
  if (!(flags & PS_PICKLE_PREFIX) && m.pos != len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: %" G_GSIZE_FORMAT " bytes after STOP", m.label, len - m.pos);
      return NULL;
    }
  if (consumed)
    *consumed = m.pos;
  guint n = 0;
  p->unknown_sorted = (char **) g_hash_table_get_keys_as_array (p->unknown, &n);
  for (guint k = 0; k < n; k++)
    p->unknown_sorted[k] = g_strdup (p->unknown_sorted[k]);
  qsort (p->unknown_sorted, n, sizeof (char *), str_ptr_cmp);
  return g_steal_pointer (&p);
}
