/* ps-checkpoint-series.c — see ps-checkpoint-series.h. */
#include "ps-checkpoint-series.h"
#include "ps-cpu.h"
#include "ps-csv.h"
#include "ps-sigbus-guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *path;
  char *label;
  PsCheckpoint *ck;
  gboolean has_step, has_epoch, has_number;
  int64_t step, epoch, number;
  GHashTable *entry_of;     /* series name → const PsCheckpointEntry* */
} Step;

struct _PsCheckpointSeries {
  GPtrArray *steps;         /* Step*, ordered */
  PsSeriesOrder order;
  GPtrArray *names;         /* char*, series tensor names, first appearance */
  GHashTable *name_index;   /* name → index + 1 */
  GHashTable *alias_index;  /* stored file name → index + 1 */
  GPtrArray *skipped;       /* char*, NULL-terminated */
  double *norms;            /* n_steps × n_tensors, or NULL */
  double *rel;
  guint8 *known;            /* n_steps × n_tensors: 1 where norms/rel are computed (or nothing to compute) */
  guint norms_steps;        /* the steps (the first ones of `steps` before a re-ordering) the arrays are laid out for */
};

static void
step_free (Step *st)
{
  g_free (st->path);
  g_free (st->label);
  ps_checkpoint_free (st->ck);
  if (st->entry_of)
    g_hash_table_unref (st->entry_of);
  g_free (st);
}

void
ps_checkpoint_series_free (PsCheckpointSeries *s)
{
  if (s == NULL)
    return;
  g_ptr_array_unref (s->steps);
  g_ptr_array_unref (s->names);
  g_hash_table_unref (s->name_index);
  g_hash_table_unref (s->alias_index);
  g_ptr_array_unref (s->skipped);
  g_free (s->norms);
  g_free (s->rel);
  g_free (s->known);
  g_free (s);
}

gboolean
ps_checkpoint_series_is_candidate (const char *path)
{
  return ps_checkpoint_name_is (path, PS_CHECKPOINT_NAME_SERIES);
}

static gboolean
parse_int_metadata (PsCheckpoint *ck, const char *key, int64_t *out)
{
  const char *v = ps_checkpoint_get_metadata (ck, key);
  if (v == NULL || *v == 0)
    return FALSE;
  char *end = NULL;
  gint64 x = g_ascii_strtoll (v, &end, 10);
  if (*end != 0)
    return FALSE;
  *out = x;
  return TRUE;
}

/* The last run of digits in the file name (extension excluded). */
static gboolean
name_number (const char *label, int64_t *out)
{
  const char *dot = strrchr (label, '.');
  gsize len = dot ? (gsize) (dot - label) : strlen (label);
  gssize end = -1;
  for (gssize i = (gssize) len - 1; i >= 0; i--)
    if (g_ascii_isdigit (label[i]))
      {
        end = i;
        break;
      }
  if (end < 0)
    return FALSE;
  gssize begin = end;
  while (begin > 0 && g_ascii_isdigit (label[begin - 1]))
    begin--;
  if (end - begin >= 18)
    return FALSE;
  int64_t v = 0;
  for (gssize i = begin; i <= end; i++)
    v = v * 10 + (label[i] - '0');
  *out = v;
  return TRUE;
}

static Step *
open_step (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  PsCheckpoint *ck = ps_checkpoint_open (path, &local);
  if (ck == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  Step *st = g_new0 (Step, 1);
  st->path = g_strdup (path);
  st->label = g_path_get_basename (path);
  st->ck = ck;
  st->has_step = parse_int_metadata (ck, "step", &st->step);
  st->has_epoch = parse_int_metadata (ck, "epoch", &st->epoch);
  st->has_number = name_number (st->label, &st->number);
  st->entry_of = g_hash_table_new (g_str_hash, g_str_equal);
  const char *prefix = ps_checkpoint_get_state_dict_prefix (ck);
  gsize plen = prefix ? strlen (prefix) : 0;
  for (guint i = 0; i < ps_checkpoint_get_n_entries (ck); i++)
    {
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, i);
      const char *name = plen && g_str_has_prefix (e->name, prefix) ? e->name + plen : e->name;
      g_hash_table_insert (st->entry_of, (gpointer) name, (gpointer) e);
    }
  return st;
}

static PsSeriesOrder order_kind;

static int64_t
order_value (const Step *st, PsSeriesOrder o)
{
  switch (o)
    {
    case PS_SERIES_ORDER_STEP: return st->step;
    case PS_SERIES_ORDER_EPOCH: return st->epoch;
    case PS_SERIES_ORDER_FILE_NUMBER: return st->number;
    case PS_SERIES_ORDER_FILE_NAME:
    default: return 0;
    }
}

static int
step_cmp (gconstpointer a, gconstpointer b)
{
  const Step *x = *(Step *const *) a, *y = *(Step *const *) b;
  int64_t vx = order_value (x, order_kind), vy = order_value (y, order_kind);
  if (vx != vy)
    return vx < vy ? -1 : 1;
  return g_utf8_collate (x->label, y->label);
}

static G_LOCK_DEFINE (order);

static const PsCheckpointEntry *entry_at (PsCheckpointSeries *s, guint step, guint tensor);

static gpointer
copy_string (gconstpointer src, gpointer data)
{
  return g_strdup (src);
}
static void remap_norms (PsCheckpointSeries *s, GPtrArray *old_steps, GPtrArray *old_names);

/* Chooses the ordering, sorts, and rebuilds the tensor name list; norms already computed are kept
 * (moved to the new layout) except where a new file changes them. */
static void
reorder (PsCheckpointSeries *s)
{
  g_autoptr (GPtrArray) old_steps = g_ptr_array_copy (s->steps, NULL, NULL);
  g_ptr_array_set_free_func (old_steps, NULL);   /* the copy takes the free function too: the steps stay */
  g_autoptr (GPtrArray) old_names = g_ptr_array_copy (s->names, copy_string, NULL);
  g_ptr_array_set_free_func (old_names, g_free);
  gboolean all_step = TRUE, all_epoch = TRUE, all_number = TRUE;
  for (guint i = 0; i < s->steps->len; i++)
    {
      Step *st = s->steps->pdata[i];
      all_step &= st->has_step;
      all_epoch &= st->has_epoch;
      all_number &= st->has_number;
    }
  s->order = all_step ? PS_SERIES_ORDER_STEP : all_epoch ? PS_SERIES_ORDER_EPOCH
             : all_number ? PS_SERIES_ORDER_FILE_NUMBER : PS_SERIES_ORDER_FILE_NAME;
  G_LOCK (order);
  order_kind = s->order;
  g_ptr_array_sort (s->steps, step_cmp);
  G_UNLOCK (order);

  g_ptr_array_set_size (s->names, 0);
  g_hash_table_remove_all (s->name_index);
  g_hash_table_remove_all (s->alias_index);
  for (guint i = 0; i < s->steps->len; i++)
    {
      Step *st = s->steps->pdata[i];
      PsCheckpoint *ck = st->ck;
      const char *prefix = ps_checkpoint_get_state_dict_prefix (ck);
      gsize plen = prefix ? strlen (prefix) : 0;
      for (guint k = 0; k < ps_checkpoint_get_n_entries (ck); k++)
        {
          const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, k);
          const char *name = plen && g_str_has_prefix (e->name, prefix) ? e->name + plen : e->name;
          if (!g_hash_table_contains (s->name_index, name))
            {
              char *copy = g_strdup (name);
              g_ptr_array_add (s->names, copy);
              g_hash_table_insert (s->name_index, copy, GUINT_TO_POINTER (s->names->len));
            }
          if (name != e->name && !g_hash_table_contains (s->alias_index, e->name))
            g_hash_table_insert (s->alias_index, g_strdup (e->name),
                                 g_hash_table_lookup (s->name_index, name));
        }
    }
  remap_norms (s, old_steps, old_names);
}

static gboolean has_tensor (PsCheckpointSeries *s, guint step, guint tensor) { return entry_at (s, step, tensor) != NULL; }

/* After re-ordering: the computed cells moved to the new layout. A file not there before has all
 * its cells to compute, and so has, for each of its tensors, the next checkpoint with that tensor
 * (its relative change is now from the new file). */
static void
remap_norms (PsCheckpointSeries *s, GPtrArray *old_steps, GPtrArray *old_names)
{
  if (s->norms == NULL)
    return;
  guint ns = s->steps->len, nt = s->names->len, ont = old_names->len;
  gsize cells = (gsize) ns * nt;
  double *norms = g_new (double, cells + 1), *rel = g_new (double, cells + 1);
  guint8 *known = g_new0 (guint8, cells + 1);
  for (gsize c = 0; c < cells; c++)
    norms[c] = rel[c] = NAN;
  g_autoptr (GHashTable) old_step = g_hash_table_new (NULL, NULL);
  /* a file just added is at the end of old_steps, not in the arrays */
  for (guint i = 0; i < old_steps->len && i < s->norms_steps; i++)
    g_hash_table_insert (old_step, old_steps->pdata[i], GUINT_TO_POINTER (i + 1));
  g_autoptr (GHashTable) old_tensor = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint k = 0; k < ont; k++)
    g_hash_table_insert (old_tensor, old_names->pdata[k], GUINT_TO_POINTER (k + 1));
  g_autofree int *old_k = g_new (int, nt + 1);
  for (guint k = 0; k < nt; k++)
    old_k[k] = (int) GPOINTER_TO_UINT (g_hash_table_lookup (old_tensor, s->names->pdata[k])) - 1;
  for (guint i = 0; i < ns; i++)
    {
      guint oi = GPOINTER_TO_UINT (g_hash_table_lookup (old_step, s->steps->pdata[i]));
      if (oi == 0)
        continue;   /* a new file */
      for (guint k = 0; k < nt; k++)
        {
          gsize c = (gsize) i * nt + k;
          if (old_k[k] < 0)
            {
              known[c] = !has_tensor (s, i, k);   /* a tensor only the new files have */
              continue;
            }
          gsize oc = (gsize) (oi - 1) * ont + (guint) old_k[k];
          norms[c] = s->norms[oc];
          rel[c] = s->rel[oc];
          known[c] = s->known[oc];
        }
    }
  for (guint i = 0; i < ns; i++)
    {
      if (g_hash_table_contains (old_step, s->steps->pdata[i]))
        continue;
      for (guint k = 0; k < nt; k++)
        {
          if (!has_tensor (s, i, k))
            {
              known[(gsize) i * nt + k] = 1;
              continue;
            }
          for (guint n = i + 1; n < ns; n++)
            if (has_tensor (s, n, k))
              {
                known[(gsize) n * nt + k] = 0;
                break;
              }
        }
    }
  g_free (s->norms);
  g_free (s->rel);
  g_free (s->known);
  s->norms = norms;
  s->rel = rel;
  s->known = known;
  s->norms_steps = ns;
}

static int
str_cmp (gconstpointer a, gconstpointer b)
{
  return g_utf8_collate (*(char *const *) a, *(char *const *) b);
}

PsCheckpointSeries *
ps_checkpoint_series_open (const char *const *paths, guint n_paths, GError **error)
{
  g_autoptr (PsCheckpointSeries) s = g_new0 (PsCheckpointSeries, 1);
  s->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  s->names = g_ptr_array_new_with_free_func (g_free);
  s->name_index = g_hash_table_new (g_str_hash, g_str_equal);
  s->alias_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->skipped = g_ptr_array_new_with_free_func (g_free);
  if (n_paths == 1 && g_file_test (paths[0], G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (GDir) dir = g_dir_open (paths[0], 0, &local);
      if (dir == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s", local->message);
          return NULL;
        }
      g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
      for (const char *f; (f = g_dir_read_name (dir)) != NULL;)
        if (ps_checkpoint_series_is_candidate (f))
          g_ptr_array_add (files, g_build_filename (paths[0], f, NULL));
      g_ptr_array_sort (files, str_cmp);
      for (guint i = 0; i < files->len; i++)
        {
          g_autoptr (GError) e = NULL;
          Step *st = open_step (files->pdata[i], &e);
          if (st == NULL)
            {
              g_ptr_array_add (s->skipped, g_strdup (e->message));
              continue;
            }
          g_ptr_array_add (s->steps, st);
        }
      if (s->steps->len == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s: no readable checkpoint (.pt .pth .bin .ckpt "
                       ".safetensors .npz) in this folder%s%s", paths[0], s->skipped->len ? "; skipped: " : "",
                       s->skipped->len ? (const char *) s->skipped->pdata[0] : "");
          return NULL;
        }
    }
  else
    {
      if (n_paths == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "a series needs checkpoint files or a folder");
          return NULL;
        }
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < n_paths; i++)
        {
          if (!g_hash_table_add (seen, (gpointer) paths[i]))
            {
              g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is given twice", paths[i]);
              return NULL;
            }
          Step *st = open_step (paths[i], error);
          if (st == NULL)
            return NULL;
          g_ptr_array_add (s->steps, st);
        }
    }
  g_ptr_array_add (s->skipped, NULL);
  reorder (s);
  return g_steal_pointer (&s);
}

gboolean
ps_checkpoint_series_add_file (PsCheckpointSeries *s, const char *path, GError **error)
{
  for (guint i = 0; i < s->steps->len; i++)
    if (strcmp (((Step *) s->steps->pdata[i])->path, path) == 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s is already in the series", path);
        return FALSE;
      }
  Step *st = open_step (path, error);
  if (st == NULL)
    return FALSE;
  g_ptr_array_add (s->steps, st);
  reorder (s);
  return TRUE;
}

guint ps_checkpoint_series_get_n_steps (PsCheckpointSeries *s) { return s->steps->len; }
PsSeriesOrder ps_checkpoint_series_get_order (PsCheckpointSeries *s) { return s->order; }

const char *
ps_checkpoint_series_order_name (PsSeriesOrder order)
{
  static const char *const names[] = { "step", "epoch", "file number", "file name" };
  return names[order];
}

static Step *
get_step (PsCheckpointSeries *s, guint step)
{
  g_return_val_if_fail (step < s->steps->len, NULL);
  return s->steps->pdata[step];
}

const char *ps_checkpoint_series_get_path (PsCheckpointSeries *s, guint step) { return get_step (s, step)->path; }
const char *ps_checkpoint_series_get_label (PsCheckpointSeries *s, guint step) { return get_step (s, step)->label; }

int64_t
ps_checkpoint_series_get_order_value (PsCheckpointSeries *s, guint step)
{
  if (s->order == PS_SERIES_ORDER_FILE_NAME)
    return step;
  return order_value (get_step (s, step), s->order);
}

const char *const *
ps_checkpoint_series_get_skipped (PsCheckpointSeries *s)
{
  return (const char *const *) s->skipped->pdata;
}

guint ps_checkpoint_series_get_n_tensors (PsCheckpointSeries *s) { return s->names->len; }

const char *
ps_checkpoint_series_get_tensor_name (PsCheckpointSeries *s, guint tensor)
{
  g_return_val_if_fail (tensor < s->names->len, NULL);
  return s->names->pdata[tensor];
}

int
ps_checkpoint_series_find_tensor (PsCheckpointSeries *s, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (s->name_index, name));
  if (i == 0)
    i = GPOINTER_TO_UINT (g_hash_table_lookup (s->alias_index, name));
  return (int) i - 1;
}

static const PsCheckpointEntry *
entry_at (PsCheckpointSeries *s, guint step, guint tensor)
{
  return g_hash_table_lookup (((Step *) s->steps->pdata[step])->entry_of, s->names->pdata[tensor]);
}

const PsCheckpointEntry *
ps_checkpoint_series_get_entry (PsCheckpointSeries *s, guint step, guint tensor)
{
  return g_hash_table_lookup (get_step (s, step)->entry_of, ps_checkpoint_series_get_tensor_name (s, tensor));
}

static gboolean
same_shape (const PsCheckpointEntry *a, const PsCheckpointEntry *b)
{
  return a->ndim == b->ndim && memcmp (a->shape, b->shape, sizeof (int64_t) * (gsize) a->ndim) == 0;
}

PsSeriesPresence
ps_checkpoint_series_get_presence (PsCheckpointSeries *s, guint step, guint tensor)
{
  const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (s, step, tensor);
  if (e == NULL)
    return PS_SERIES_MISSING;
  for (guint k = 0; k < step; k++)
    {
      const PsCheckpointEntry *first = ps_checkpoint_series_get_entry (s, k, tensor);
      if (first != NULL)
        return same_shape (first, e) ? PS_SERIES_PRESENT : PS_SERIES_SHAPE_CHANGED;
    }
  return PS_SERIES_PRESENT;
}

/* A reader's error about one checkpoint, named by its file once: the readers name the file in
 * most of their messages already ("epoch_002.pt: zip: record …"), not in others ("tensor \"x\":
 * …"); prefixing the label to every one said "epoch_002.pt: epoch_002.pt: …". */
static void
set_step_error (GError **error, const char *label, const GError *local)
{
  gsize n = strlen (label);
  if (strncmp (local->message, label, n) == 0 && local->message[n] == ':')
    g_set_error_literal (error, PS_ERROR, local->code, local->message);
  else
    g_set_error (error, PS_ERROR, local->code, "%s: %s", label, local->message);
}

PsTensor *
ps_checkpoint_series_load (PsCheckpointSeries *s, guint step, guint tensor, GError **error)
{
  const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (s, step, tensor);
  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NOT_FOUND, "%s has no tensor \"%s\"", get_step (s, step)->label,
                   ps_checkpoint_series_get_tensor_name (s, tensor));
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  PsTensor *t = ps_checkpoint_load (get_step (s, step)->ck, e->name, &local);
  if (t == NULL)
    set_step_error (error, get_step (s, step)->label, local);
  return t;
}

/* ---- norms --------------------------------------------------------------------------------- */

/* One tensor's values at one checkpoint: in place in the file's mapping (float32, nothing
 * copied) or decoded (a reference held). */
typedef struct {
  const float *f32;
  const int64_t *i64;
  int64_t n;
  PsTensor *owned;
} Vals;

static void
vals_clear (Vals *v)
{
  g_clear_pointer (&v->owned, ps_tensor_unref);
  memset (v, 0, sizeof *v);
}

static double
vals_at (const Vals *v, int64_t i)
{
  return v->f32 ? (double) v->f32[i] : (double) v->i64[i];
}

/* Σx² in double over 8-value groups: lane k of the running sums adds the squares of values 8g + k
 * in order, and the eight lanes are added as ((0 + 2) + (4 + 6)) + ((1 + 3) + (5 + 7)) at the end.
 * Each lane's additions are the same whatever the vector width, so the result is the same bits on
 * every processor: the build's baseline (SSE2: four vectors of two doubles), AVX2 (two of four) or
 * AVX-512 (one of eight) only change how many lanes one instruction adds. A result never depends
 * on where a pass was split either (splits fall on group boundaries; the last partial group is
 * added at the end). */
typedef double PsV8d __attribute__ ((vector_size (64)));
typedef float PsV8f __attribute__ ((vector_size (32)));

typedef struct {
  double s[8], d[8];         /* plain arrays: the state lives wherever its owner does (no 64-byte alignment) */
} SumState;

static void
sum_state_init (SumState *st)
{
  memset (st, 0, sizeof *st);
}

static inline __attribute__ ((always_inline)) void
load8 (const float *p, PsV8d *v)
{
  PsV8f f;
  memcpy (&f, p, sizeof f);
  *v = __builtin_convertvector (f, PsV8d);
}

/* values [i0, i1) of y (and x: the differences when x is non-NULL); i0, i1 multiples of 8 */
static inline __attribute__ ((always_inline)) void
sum_groups_body (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1)
{
  PsV8d s, d;
  memcpy (&s, st->s, sizeof s);
  if (x == NULL)
    for (int64_t i = i0; i < i1; i += 8)
      {
        PsV8d v;
        load8 (y + i, &v);
        s += v * v;
      }
  else
    {
      memcpy (&d, st->d, sizeof d);
      for (int64_t i = i0; i < i1; i += 8)
        {
          PsV8d v, u;
          load8 (y + i, &v);
          load8 (x + i, &u);
          PsV8d e = v - u;
          s += v * v;
          d += e * e;
        }
      memcpy (st->d, &d, sizeof d);
    }
  memcpy (st->s, &s, sizeof s);
}

static void
sum_groups_base (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1)
{
  sum_groups_body (st, x, y, i0, i1);
}

/* The wider copies: neither target includes FMA, so no multiply-add can be fused (the squares of
 * the differences would round differently). */
#if defined(__x86_64__) && defined(__GNUC__)
#define PS_SUM_X86 1
__attribute__ ((target ("avx2"))) static void
sum_groups_avx2 (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1)
{
  sum_groups_body (st, x, y, i0, i1);
}

__attribute__ ((target ("avx512f"))) static void
sum_groups_avx512 (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1)
{
  sum_groups_body (st, x, y, i0, i1);
}
#endif

typedef void (*SumGroups) (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1);
static guint sum_width_wanted;   /* 0: the widest the processor has */

static SumGroups
sum_groups_impl (guint *width)
{
#ifdef PS_SUM_X86
  const guint hw = ps_cpu_hw_features ();
  if ((sum_width_wanted == 0 || sum_width_wanted >= 8) && (hw & PS_CPU_AVX512F))
    {
      *width = 8;
      return sum_groups_avx512;
    }
  if ((sum_width_wanted == 0 || sum_width_wanted >= 4) && (hw & PS_CPU_AVX2))
    {
      *width = 4;
      return sum_groups_avx2;
    }
#endif
  *width = 2;
  return sum_groups_base;
}

static gpointer sum_groups_chosen;   /* SumGroups, chosen once (again after a set_sum_width) */

guint
ps_checkpoint_series_set_sum_width (guint doubles)
{
  sum_width_wanted = doubles;
  guint width;
  g_atomic_pointer_set (&sum_groups_chosen, (gpointer) sum_groups_impl (&width));
  return width;
}

static void
sum_groups (SumState *st, const float *x, const float *y, int64_t i0, int64_t i1)
{
  SumGroups fn = (SumGroups) g_atomic_pointer_get (&sum_groups_chosen);
  if (fn == NULL)
    {
      guint width;
      fn = sum_groups_impl (&width);
      g_atomic_pointer_set (&sum_groups_chosen, (gpointer) fn);
    }
  fn (st, x, y, i0, i1);
}

/* the partial group [i0, n), then the totals */
static void
sum_finish (SumState *st, const float *x, const float *y, int64_t i0, int64_t n, double *ss_y, double *ss_d)
{
  const double *a = st->s, *b = st->d;
  double s = ((a[0] + a[2]) + (a[4] + a[6])) + ((a[1] + a[3]) + (a[5] + a[7]));
  double d = ((b[0] + b[2]) + (b[4] + b[6])) + ((b[1] + b[3]) + (b[5] + b[7]));
  for (int64_t i = i0; i < n; i++)
    {
      double yi = y[i];
      s += yi * yi;
      if (x != NULL)
        {
          double e = yi - (double) x[i];
          d += e * e;
        }
    }
  *ss_y = s;
  if (ss_d != NULL)
    *ss_d = d;
}

/* Σy² and, with x, Σ(y − x)², in double, in one pass over both; with a CRC to check (crc->entry
 * set: y lies in that mapped record), the record's bytes are checked in the same pass, a cache-sized
 * piece at a time, so every byte comes from memory once. */
#define SUM_PIECE 8192   /* values: 32 KiB */

static gboolean
sum_f32 (const float *x, const float *y, int64_t n, PsZipCrc *crc, double *ss_y, double *ss_d, GError **error)
{
  SumState st;
  sum_state_init (&st);
  int64_t whole = n / 8 * 8;
  if (crc == NULL || crc->entry == NULL)
    sum_groups (&st, x, y, 0, whole);
  else
    {
      const guint8 *yb = (const guint8 *) y;
      ps_zip_crc_feed (crc, crc->record, (gsize) (yb - crc->record));
      for (int64_t i = 0; i < whole; i += SUM_PIECE)
        {
          int64_t k = MIN (whole - i, (int64_t) SUM_PIECE);
          ps_zip_crc_feed (crc, yb + i * 4, (gsize) k * 4);
          sum_groups (&st, x, y, i, i + k);
        }
      ps_zip_crc_feed (crc, yb + whole * 4, (gsize) (crc->entry->size - (guint64) (yb + whole * 4 - crc->record)));
      if (!ps_zip_crc_finish (crc, error))
        return FALSE;
    }
  sum_finish (&st, x, y, whole, n, ss_y, ss_d);
  return TRUE;
}

static double
sumsq (const Vals *v)
{
  if (v->f32)
    {
      double ss;
      sum_f32 (NULL, v->f32, v->n, NULL, &ss, NULL, NULL);
      return ss;
    }
  double ss = 0;
  for (int64_t j = 0; j < v->n; j++)
    ss += vals_at (v, j) * vals_at (v, j);
  return ss;
}

static double
sumsq_diff (const Vals *a, const Vals *b)
{
  double ds = 0;
  for (int64_t j = 0; j < a->n; j++)
    {
      double d = vals_at (b, j) - vals_at (a, j);
      ds += d * d;
    }
  return ds;
}

static guint series_threads;   /* 0: one per processor */
static gboolean series_no_map;

void
ps_checkpoint_series_set_mapping (gboolean use)
{
  series_no_map = !use;
}

void
ps_checkpoint_series_set_threads (guint n)
{
  series_threads = n;
}

/* One (checkpoint, tensor) cell, run under the SIGBUS guard: map or read the values, Σx², and
 * Σ(x − prev)² when prev has the same shape. */
typedef struct {
  PsCheckpointSeries *s;
  guint step, tensor;
  const Vals *prev;
  gboolean prev_same;     /* prev is comparable (same shape and kind) */
  Vals cur;               /* out */
  double ss, ds;          /* out; ds NaN when not compared */
  gboolean skipped;       /* out: listed but not decodable */
} Cell;

static gboolean
cell_run (gpointer data, GError **error)
{
  Cell *c = data;
  const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (c->s, c->step, c->tensor);
  Step *st = get_step (c->s, c->step);
  g_autoptr (GError) local = NULL;
  int64_t n = 0;
  PsZipCrc crc = { 0 };
  const float *f = series_no_map ? NULL : ps_checkpoint_map_f32_unchecked (st->ck, e->name, &n, &crc, &local);
  if (local != NULL)
    {
      set_step_error (error, st->label, local);
      return FALSE;
    }
  if (f != NULL)
    {
      c->cur.f32 = f;
      c->cur.n = n;
      c->ds = NAN;
      gboolean compare = c->prev_same && c->prev->n == n && c->prev->f32 != NULL;
      /* the record's CRC (when not checked yet) in the same pass as the sums */
      if (!sum_f32 (compare ? c->prev->f32 : NULL, f, n, &crc, &c->ss, compare ? &c->ds : NULL, &local))
        {
          c->cur.f32 = NULL;
          g_propagate_error (error, g_steal_pointer (&local));   /* the zip reader names the file */
          return FALSE;
        }
      return TRUE;
    }
  else
    {
      PsTensor *t = ps_checkpoint_series_load (c->s, c->step, c->tensor, &local);
      if (t == NULL)
        {
          if (g_error_matches (local, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED))
            {
              c->skipped = TRUE;   /* listed but not decodable (complex): no norm */
              return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      c->cur.owned = t;
      c->cur.n = t->numel;
      if (t->dtype == PS_DTYPE_FLOAT32)
        c->cur.f32 = t->data;
      else
        c->cur.i64 = t->data;
    }
  c->ds = NAN;
  gboolean compare = c->prev_same && c->prev->n == c->cur.n && (c->prev->f32 != NULL) == (c->cur.f32 != NULL);
  if (compare && c->cur.f32 != NULL)
    sum_f32 (c->prev->f32, c->cur.f32, c->cur.n, NULL, &c->ss, &c->ds, NULL);   /* one pass over both */
  else
    {
      c->ss = sumsq (&c->cur);
      if (compare)
        c->ds = sumsq_diff (c->prev, &c->cur);
    }
  return TRUE;
}

typedef struct {
  PsCheckpointSeries *own;     /* this worker's series (worker 0: the caller's) */
  PsCheckpointSeries *main;    /* the caller's: indices, outputs */
  GArray *tensors;             /* guint, the caller's tensor indices */
  const int64_t *size;         /* the values to read per tensor (the caller's indices) */
  double *norms, *rel;         /* the caller's n_steps × n_tensors; disjoint cells per worker */
  const guint8 *known;         /* cells not to compute (NULL: compute all) */
  GCancellable *cancellable;
  gint *stop;
  GError *error;
  PsSeriesProgress progress;   /* worker 0 only */
  gpointer user_data;
} Worker;

static gboolean
same_entry_shape (PsCheckpointSeries *s, guint step, guint prev_step, guint tensor)
{
  const PsCheckpointEntry *a = ps_checkpoint_series_get_entry (s, prev_step, tensor);
  const PsCheckpointEntry *b = ps_checkpoint_series_get_entry (s, step, tensor);
  return a && b && same_shape (a, b);
}

static gboolean
worker_stopped (Worker *w)
{
  return g_atomic_int_get (w->stop) || g_cancellable_set_error_if_cancelled (w->cancellable, &w->error);
}

/* A computed cell's norm √Σx², and (once the previous norm is stored) its relative change
 * √Σ(x − prev)² / ‖prev‖ — ds NaN when not compared. */
static void
store_norm (Worker *w, guint step, guint k, double ss)
{
  w->norms[(gsize) step * w->main->names->len + k] = sqrt (ss);
}

static void
store_rel (Worker *w, guint step, int prev_step, guint k, double ds)
{
  guint nt = w->main->names->len;
  double prev_norm = prev_step >= 0 ? w->norms[(gsize) prev_step * nt + k] : 0;
  if (!isnan (ds) && prev_norm > 0)
    w->rel[(gsize) step * nt + k] = sqrt (ds) / prev_norm;
}

/* One tensor over the series a checkpoint at a time, each cell's values mapped or decoded and the
 * previous checkpoint's kept for the differences: for a tensor whose values do not all lie mapped
 * as float32 (other dtypes, compressed records, the read mode). */
static void
tensor_by_cells (Worker *w, guint k, guint own)
{
  guint ns = w->main->steps->len, nt = w->main->names->len;
  Vals prev = { 0 };
  int prev_step = -1, prev_loaded = -1;   /* the step prev holds, −1 none */
  for (guint i = 0; i < ns && !worker_stopped (w); i++)
    {
      if (ps_checkpoint_series_get_entry (w->own, i, own) == NULL)
        continue;
      if (w->known != NULL && w->known[(gsize) i * nt + k])
        {
          if (!isnan (w->norms[(gsize) i * nt + k]))
            prev_step = (int) i;   /* computed before: its values are read only if a later cell needs them */
          continue;
        }
      if (prev_step >= 0 && prev_loaded != prev_step)
        {
          Cell pc = { w->own, (guint) prev_step, own, NULL, FALSE, { 0 }, 0, NAN, FALSE };
          vals_clear (&prev);
          prev_loaded = -1;
          if (!ps_sigbus_guard_run (cell_run, &pc, get_step (w->own, (guint) prev_step)->label, &w->error))
            {
              vals_clear (&pc.cur);
              break;
            }
          prev = pc.cur;
          prev_loaded = pc.skipped ? -1 : prev_step;
        }
      Cell c = { w->own, i, own, &prev, FALSE, { 0 }, 0, NAN, FALSE };
      c.prev_same = prev_step >= 0 && prev_loaded == prev_step && same_entry_shape (w->own, i, (guint) prev_step, own);
      if (!ps_sigbus_guard_run (cell_run, &c, get_step (w->own, i)->label, &w->error))
        {
          vals_clear (&c.cur);
          break;
        }
      if (c.skipped)
        continue;
      store_norm (w, i, k, c.ss);
      store_rel (w, i, prev_step, k, c.ds);
      /* keep these as the previous values (a missing checkpoint keeps the older ones) */
      vals_clear (&prev);
      prev = c.cur;
      prev_step = prev_loaded = (int) i;
    }
  vals_clear (&prev);
}

/* One tensor over the series when its values all lie mapped as float32 (the usual case): a piece
 * of every checkpoint in turn, so each piece is compared with the previous checkpoint's piece while
 * that is still in the cache and each record's CRC is fed in the same pass — every byte comes from
 * memory once (a checkpoint at a time, the previous checkpoint's values came from memory a second
 * time). A cell's sums are the same 8-value groups in the same order as sum_f32's, so the norms
 * are the same bit for bit. */
typedef struct {
  guint step;
  gboolean need;             /* a cell to compute (else only the previous values of one) */
  int prev;                  /* the member compared with, −1 none */
  int prev_step;             /* the step whose norm divides the change (as in tensor_by_cells), −1 */
  const float *f;
  int64_t n;
  PsZipCrc crc;
  SumState st;
  double ss, ds;
} Member;

typedef struct {
  Worker *w;
  guint k, own;
  GArray *m;                 /* Member, in step order */
  volatile guint at;         /* the member being read: its file is named on a SIGBUS */
  volatile gboolean returned;
  gboolean not_mapped;       /* out: some values are not mapped as float32 (nothing computed) */
  gboolean stopped;          /* out: cancelled, or another worker failed */
} Sweep;

/* the cells to compute and the ones they compare with */
static void
sweep_plan (Sweep *sw)
{
  Worker *w = sw->w;
  guint ns = w->main->steps->len, nt = w->main->names->len;
  g_autoptr (GArray) all = g_array_new (FALSE, TRUE, sizeof (Member));
  g_autofree int *remap = g_new (int, ns + 1);
  int last = -1;   /* the latest cell with a norm (computed or known), −1 none */
  for (guint i = 0; i < ns; i++)
    {
      if (ps_checkpoint_series_get_entry (w->own, i, sw->own) == NULL)
        continue;
      gboolean known = w->known != NULL && w->known[(gsize) i * nt + sw->k];
      if (known && isnan (w->norms[(gsize) i * nt + sw->k]))
        continue;
      Member mb = { .step = i, .need = !known, .prev = -1, .ds = NAN };
      mb.prev_step = last >= 0 ? (int) g_array_index (all, Member, last).step : -1;
      if (mb.need && last >= 0 && same_entry_shape (w->own, i, g_array_index (all, Member, last).step, sw->own))
        mb.prev = last;
      g_array_append_val (all, mb);
      last = (int) all->len - 1;
    }
  /* a known cell is read only when a computed one compares with it */
  g_autofree gboolean *used = g_new0 (gboolean, all->len + 1);
  for (guint a = 0; a < all->len; a++)
    {
      const Member *mb = &g_array_index (all, Member, a);
      used[a] = used[a] || mb->need;
      if (mb->need && mb->prev >= 0)
        used[mb->prev] = TRUE;
    }
  for (guint a = 0; a < all->len; a++)
    {
      remap[a] = -1;
      if (!used[a])
        continue;
      Member mb = g_array_index (all, Member, a);
      mb.prev = mb.prev >= 0 ? remap[mb.prev] : -1;
      remap[a] = (int) sw->m->len;
      g_array_append_val (sw->m, mb);
    }
}

static gboolean
sweep_run (gpointer data, GError **error)
{
  Sweep *sw = data;
  Worker *w = sw->w;
  sweep_plan (sw);
  Member *m = (Member *) (void *) sw->m->data;
  guint nm = sw->m->len;
  /* mapped (nothing read yet); one not mapped as float32: the tensor goes cell by cell */
  int64_t whole_max = 0;
  for (guint a = 0; a < nm; a++)
    {
      Step *st = get_step (w->own, m[a].step);
      const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (w->own, m[a].step, sw->own);
      g_autoptr (GError) local = NULL;
      sw->at = a;
      m[a].f = ps_checkpoint_map_f32_unchecked (st->ck, e->name, &m[a].n, &m[a].crc, &local);
      if (local != NULL)
        {
          set_step_error (error, st->label, local);
          sw->returned = TRUE;
          return FALSE;
        }
      if (m[a].f == NULL)
        {
          sw->not_mapped = TRUE;
          sw->returned = TRUE;
          return TRUE;
        }
      if (m[a].prev >= 0 && m[m[a].prev].n != m[a].n)
        m[a].prev = -1;
      sum_state_init (&m[a].st);
      whole_max = MAX (whole_max, m[a].n / 8 * 8);
    }
  /* the record bytes before the values, the values a piece at a time, the bytes after them */
  for (guint a = 0; a < nm; a++)
    if (m[a].crc.entry != NULL)
      {
        sw->at = a;
        ps_zip_crc_feed (&m[a].crc, m[a].crc.record, (gsize) ((const guint8 *) m[a].f - m[a].crc.record));
      }
  for (int64_t i0 = 0; i0 < whole_max; i0 += SUM_PIECE)
    {
      if (worker_stopped (w))
        {
          sw->stopped = TRUE;
          sw->returned = TRUE;
          return TRUE;
        }
      for (guint a = 0; a < nm; a++)
        {
          int64_t whole = m[a].n / 8 * 8;
          if (i0 >= whole)
            continue;
          int64_t kk = MIN (whole - i0, (int64_t) SUM_PIECE);
          sw->at = a;
          if (m[a].crc.entry != NULL)
            ps_zip_crc_feed (&m[a].crc, (const guint8 *) (m[a].f + i0), (gsize) kk * 4);
          if (m[a].need)
            sum_groups (&m[a].st, m[a].prev >= 0 ? m[m[a].prev].f : NULL, m[a].f, i0, i0 + kk);
        }
    }
  for (guint a = 0; a < nm; a++)
    {
      int64_t whole = m[a].n / 8 * 8;
      sw->at = a;
      if (m[a].crc.entry != NULL)
        {
          const guint8 *end = (const guint8 *) (m[a].f + whole);
          ps_zip_crc_feed (&m[a].crc, end, (gsize) (m[a].crc.entry->size - (guint64) (end - m[a].crc.record)));
          if (!ps_zip_crc_finish (&m[a].crc, error))   /* the zip reader names the file */
            {
              sw->returned = TRUE;
              return FALSE;
            }
        }
      if (m[a].need)
        sum_finish (&m[a].st, m[a].prev >= 0 ? m[m[a].prev].f : NULL, m[a].f, whole, m[a].n, &m[a].ss,
                    m[a].prev >= 0 ? &m[a].ds : NULL);
    }
  sw->returned = TRUE;
  return TRUE;
}

/* FALSE when the tensor is to be read cell by cell instead (nothing computed); w->error set on a
 * failure. */
static gboolean
tensor_sweep (Worker *w, guint k, guint own)
{
  Sweep sw = { w, k, own, g_array_new (FALSE, TRUE, sizeof (Member)), 0, FALSE, FALSE, FALSE };
  gboolean swept = TRUE;
  GError *local = NULL;
  if (!ps_sigbus_guard_run (sweep_run, &sw, "", &local))
    {
      if (!sw.returned)   /* a SIGBUS: name the file being read (the guard cannot know which) */
        {
          g_clear_error (&local);
          g_set_error (&local, PS_ERROR, PS_ERROR_IO, "%s changed while it was read (it is shorter than when it was opened)",
                       get_step (w->own, g_array_index (sw.m, Member, sw.at).step)->label);
        }
      w->error = local;
    }
  else if (sw.not_mapped)
    swept = FALSE;
  else if (!sw.stopped)
    {
      const Member *m = (const Member *) (void *) sw.m->data;
      for (guint a = 0; a < sw.m->len; a++)
        if (m[a].need)
          store_norm (w, m[a].step, k, m[a].ss);
      for (guint a = 0; a < sw.m->len; a++)   /* the previous norms are all stored now */
        if (m[a].need)
          store_rel (w, m[a].step, m[a].prev_step, k, m[a].ds);
    }
  g_array_unref (sw.m);
  return swept;
}

/* The worker's tensors one after the other, each over the whole series. */
static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  guint nk = w->tensors->len;
  double total = 0, done = 0;
  for (guint j = 0; j < nk; j++)
    total += (double) w->size[g_array_index (w->tensors, guint, j)];
  for (guint j = 0; j < nk && w->error == NULL && !worker_stopped (w); j++)
    {
      guint k = g_array_index (w->tensors, guint, j);
      int own = ps_checkpoint_series_find_tensor (w->own, w->main->names->pdata[k]);
      if (own >= 0 && !tensor_sweep (w, k, (guint) own) && w->error == NULL)
        tensor_by_cells (w, k, (guint) own);
      done += (double) w->size[k];
      if (w->error == NULL && w->progress && total > 0)
        w->progress ((guint) (1000 * done / total), 1000, w->user_data);
    }
  if (w->error != NULL)
    g_atomic_int_set (w->stop, 1);
  return NULL;
}

/* Computes the cells not known (all when `all`). */
static gboolean
compute_norms (PsCheckpointSeries *s, gboolean all, GCancellable *cancellable, PsSeriesProgress progress,
               gpointer user_data, GError **error)
{
  guint ns = s->steps->len, nt = s->names->len;
  gsize cells = (gsize) ns * nt;
  g_autofree double *norms = g_new (double, cells + 1);
  g_autofree double *rel = g_new (double, cells + 1);
  const guint8 *known = all || s->norms == NULL ? NULL : s->known;
  gsize n_needed = 0;
  for (gsize k = 0; k < cells; k++)
    {
      if (known != NULL && known[k])
        {
          norms[k] = s->norms[k];
          rel[k] = s->rel[k];
          continue;
        }
      norms[k] = rel[k] = NAN;
      n_needed++;
    }
  /* The tensors are shared out over the processors, the largest first to the least loaded; each
   * worker reads through checkpoints of its own (the readers are not shared across threads). */
  guint nw = series_threads ? series_threads : MIN (g_get_num_processors (), 8u);
  nw = MAX (1u, MIN (nw, MAX (nt, 1u)));
  g_autofree guint *order = g_new (guint, nt + 1);
  g_autofree int64_t *size = g_new0 (int64_t, nt + 1);
  for (guint k = 0; k < nt; k++)
    {
      order[k] = k;
      /* the values read: every needed cell (and the one before it) */
      for (guint i = 0; i < ns; i++)
        {
          const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (s, i, k);
          if (e != NULL && (known == NULL || !known[(gsize) i * nt + k]))
            size[k] += MAX (e->numel, 1) * (known ? 2 : 1);
        }
    }
  /* a few new cells (a file added to a computed series): one thread, no other readers to open */
  if (known != NULL && n_needed * 4 < cells)
    nw = 1;
  for (guint a = 1; a < nt; a++)   /* insertion sort by size, descending (stable) */
    for (guint b = a; b > 0 && size[order[b]] > size[order[b - 1]]; b--)
      {
        guint t = order[b];
        order[b] = order[b - 1];
        order[b - 1] = t;
      }
  g_autofree Worker *w = g_new0 (Worker, nw);
  g_autofree int64_t *load = g_new0 (int64_t, nw);
  gint stop = 0;
  for (guint j = 0; j < nw; j++)
    {
      w[j].main = s;
      w[j].own = s;
      w[j].tensors = g_array_new (FALSE, FALSE, sizeof (guint));
      w[j].size = size;
      w[j].norms = norms;
      w[j].rel = rel;
      w[j].known = known;
      w[j].cancellable = cancellable;
      w[j].stop = &stop;
    }
  w[0].progress = progress;
  w[0].user_data = user_data;
  for (guint a = 0; a < nt; a++)
    {
      if (size[order[a]] == 0)
        continue;   /* nothing to compute for this tensor */
      guint best = 0;
      for (guint j = 1; j < nw; j++)
        if (load[j] < load[best])
          best = j;
      g_array_append_val (w[best].tensors, order[a]);
      load[best] += size[order[a]];
    }
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  for (guint i = 0; i < ns; i++)
    g_ptr_array_add (paths, ((Step *) s->steps->pdata[i])->path);
  GError *first_error = NULL;
  for (guint j = 1; j < nw && first_error == NULL; j++)
    {
      w[j].own = ps_checkpoint_series_open ((const char *const *) paths->pdata, paths->len, &first_error);
      /* the same files in the same order (they were read once already) */
      for (guint i = 0; w[j].own && first_error == NULL && i < ns; i++)
        if (strcmp (get_step (w[j].own, i)->path, paths->pdata[i]) != 0)
          g_set_error (&first_error, PS_ERROR, PS_ERROR_IO, "%s changed while the norms were computed",
                       (const char *) paths->pdata[i]);
    }
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  if (first_error == NULL)
    {
      for (guint j = 1; j < nw; j++)
        g_ptr_array_add (threads, g_thread_new ("ps-series-norms", worker_run, &w[j]));
      worker_run (&w[0]);
      for (guint j = 0; j < threads->len; j++)
        g_thread_join (threads->pdata[j]);
    }
  for (guint j = 0; j < nw; j++)
    {
      if (first_error == NULL && w[j].error != NULL)
        first_error = g_steal_pointer (&w[j].error);
      g_clear_error (&w[j].error);
      g_array_unref (w[j].tensors);
      if (j > 0 && w[j].own)
        ps_checkpoint_series_free (w[j].own);
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  g_free (s->norms);
  g_free (s->rel);
  g_free (s->known);
  s->norms = g_steal_pointer (&norms);
  s->rel = g_steal_pointer (&rel);
  s->known = g_malloc (cells + 1);
  memset (s->known, 1, cells + 1);
  s->norms_steps = ns;
  return TRUE;
}

gboolean
ps_checkpoint_series_compute_norms (PsCheckpointSeries *s, GCancellable *cancellable, PsSeriesProgress progress,
                                    gpointer user_data, GError **error)
{
  return compute_norms (s, TRUE, cancellable, progress, user_data, error);
}

gboolean
ps_checkpoint_series_update_norms (PsCheckpointSeries *s, GCancellable *cancellable, PsSeriesProgress progress,
                                   gpointer user_data, GError **error)
{
  return compute_norms (s, FALSE, cancellable, progress, user_data, error);
}

guint
ps_checkpoint_series_get_n_unknown_norms (PsCheckpointSeries *s)
{
  gsize cells = (gsize) s->steps->len * s->names->len;
  if (s->norms == NULL)
    return (guint) MIN (cells, G_MAXUINT);
  gsize n = 0;
  for (gsize c = 0; c < cells; c++)
    n += !s->known[c];
  return (guint) MIN (n, G_MAXUINT);
}

static void
norms_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  (void) source;
  if (ps_checkpoint_series_compute_norms (data, cancellable, NULL, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ps_checkpoint_series_compute_norms_async (PsCheckpointSeries *s, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ps_checkpoint_series_compute_norms_async);
  g_task_set_task_data (task, s, NULL);
  g_task_run_in_thread (task, norms_thread);
}

gboolean
ps_checkpoint_series_compute_norms_finish (PsCheckpointSeries *s, GAsyncResult *result, GError **error)
{
  (void) s;
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ps_checkpoint_series_has_norms (PsCheckpointSeries *s)
{
  return s->norms != NULL && ps_checkpoint_series_get_n_unknown_norms (s) == 0;
}

double
ps_checkpoint_series_get_norm (PsCheckpointSeries *s, guint step, guint tensor)
{
  g_return_val_if_fail (s->norms != NULL && step < s->steps->len && tensor < s->names->len, NAN);
  return s->norms[(gsize) step * s->names->len + tensor];
}

double
ps_checkpoint_series_get_rel_change (PsCheckpointSeries *s, guint step, guint tensor)
{
  g_return_val_if_fail (s->rel != NULL && step < s->steps->len && tensor < s->names->len, NAN);
  return s->rel[(gsize) step * s->names->len + tensor];
}

static int
change_cmp (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const PsSeriesChange *x = pa, *y = pb;
  gboolean nx = isnan (x->rel), ny = isnan (y->rel);
  if (nx != ny)
    return nx ? 1 : -1;
  if (!nx && x->rel != y->rel)
    return x->rel > y->rel ? -1 : 1;
  return strcmp (ps_checkpoint_series_get_tensor_name (data, x->tensor),
                 ps_checkpoint_series_get_tensor_name (data, y->tensor));
}

GArray *
ps_checkpoint_series_rank_changes (PsCheckpointSeries *s, guint a, guint b, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (a < s->steps->len && b < s->steps->len, NULL);
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (PsSeriesChange));
  for (guint k = 0; k < s->names->len; k++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      const PsCheckpointEntry *ea = ps_checkpoint_series_get_entry (s, a, k);
      const PsCheckpointEntry *eb = ps_checkpoint_series_get_entry (s, b, k);
      if (ea == NULL || eb == NULL || !same_shape (ea, eb))
        continue;
      /* both read in place from the mappings where they can be (no copies), else decoded */
      Cell ca = { s, a, k, NULL, FALSE, { 0 }, 0, NAN, FALSE };
      if (!ps_sigbus_guard_run (cell_run, &ca, get_step (s, a)->label, error))
        return NULL;
      Cell cb = { s, b, k, &ca.cur, TRUE, { 0 }, 0, NAN, FALSE };
      gboolean ok = ca.skipped || ps_sigbus_guard_run (cell_run, &cb, get_step (s, b)->label, error);
      double sa = ca.ss, sb = cb.ss, sd = cb.ds;
      gboolean usable = !ca.skipped && !cb.skipped && !isnan (sd);   /* NaN: another kind of values */
      vals_clear (&ca.cur);
      vals_clear (&cb.cur);
      if (!ok)
        return NULL;
      if (!usable)
        continue;
      PsSeriesChange c = { k, sqrt (sa), sqrt (sb), sqrt (sd), NAN };
      if (c.norm_a > 0)
        c.rel = c.diff_norm / c.norm_a;
      g_array_append_val (out, c);
    }
  g_array_sort_with_data (out, change_cmp, s);
  return g_steal_pointer (&out);
}

char *
ps_checkpoint_series_to_csv (PsCheckpointSeries *s)
{
  g_return_val_if_fail (s->norms != NULL, NULL);
  GString *out = g_string_new ("step_index,");
  ps_csv_append_field (out, ps_checkpoint_series_order_name (s->order));
  g_string_append (out, ",file,tensor,status,numel,norm,rel_change\n");
  static const char *const status[] = { "present", "missing", "shape_changed" };
  for (guint i = 0; i < s->steps->len; i++)
    for (guint k = 0; k < s->names->len; k++)
      {
        const PsCheckpointEntry *e = ps_checkpoint_series_get_entry (s, i, k);
        g_string_append_printf (out, "%u,%" G_GINT64_FORMAT ",", i, ps_checkpoint_series_get_order_value (s, i));
        ps_csv_append_field (out, get_step (s, i)->label);
        g_string_append_c (out, ',');
        ps_csv_append_field (out, s->names->pdata[k]);
        g_string_append_printf (out, ",%s,", status[ps_checkpoint_series_get_presence (s, i, k)]);
        if (e)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, e->numel);
        g_string_append_c (out, ',');
        ps_csv_append_number (out, "%.9g", ps_checkpoint_series_get_norm (s, i, k));
        g_string_append_c (out, ',');
        ps_csv_append_number (out, "%.9g", ps_checkpoint_series_get_rel_change (s, i, k));
        g_string_append_c (out, '\n');
      }
  return g_string_free (out, FALSE);
}
