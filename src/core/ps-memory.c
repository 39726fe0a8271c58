/* ps-memory.c — see ps-memory.h. */
#include "ps-memory.h"
#include "ps-error.h"

static guint64 budget_bytes = 0;                /* accessed atomically */
static guint64 counted[PS_MEMORY_N_KINDS];      /* accessed atomically */
static guint64 total = 0;                       /* Σ counted, accessed atomically */

#define MAX_RECLAIMERS 8
G_LOCK_DEFINE_STATIC (reclaimers);
static PsMemoryReclaim reclaimer[MAX_RECLAIMERS];
static guint n_reclaimers;

void
ps_memory_set_budget (guint64 bytes)
{
  __atomic_store_n (&budget_bytes, bytes, __ATOMIC_RELAXED);
}

guint64
ps_memory_get_budget (void)
{
  return __atomic_load_n (&budget_bytes, __ATOMIC_RELAXED);
}

gboolean
ps_memory_budget_from_env (GError **error)
{
  const char *v = g_getenv ("PS_MEMORY_BUDGET_MB");
  if (v == NULL || *v == '\0')
    return TRUE;
  guint64 mb;
  if (!g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT64 >> 20, &mb, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "PS_MEMORY_BUDGET_MB=%s is not a whole number of MiB (0 = no budget)", v);
      return FALSE;
    }
  ps_memory_set_budget (mb << 20);
  return TRUE;
}

void
ps_memory_add_reclaimer (PsMemoryReclaim fn)
{
  G_LOCK (reclaimers);
  gboolean known = FALSE;
  for (guint i = 0; i < n_reclaimers; i++)
    known |= reclaimer[i] == fn;
  if (!known && n_reclaimers < MAX_RECLAIMERS)
    reclaimer[n_reclaimers++] = fn;
  G_UNLOCK (reclaimers);
}

void
ps_memory_reclaim (void)
{
  PsMemoryReclaim fns[MAX_RECLAIMERS];
  G_LOCK (reclaimers);
  guint n = n_reclaimers;
  for (guint i = 0; i < n; i++)
    fns[i] = reclaimer[i];
  G_UNLOCK (reclaimers);
  for (guint i = 0; i < n; i++)
    fns[i] ();
}

char *
ps_format_bytes (guint64 bytes)
{
  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  double v = (double) bytes / 1024.0;
  guint u = 0;
  while (v >= 1024.0 && u + 1 < G_N_ELEMENTS (units))
    {
      v /= 1024.0;
      u++;
    }
  return g_strdup_printf ("%.1f %s (%" G_GUINT64_FORMAT " bytes)", v, units[u], bytes);
}

/* Adds bytes to the total unless that passes the budget; the total before, through *before. */
static gboolean
try_add (guint64 bytes, guint64 budget, guint64 *before)
{
  guint64 cur = __atomic_load_n (&total, __ATOMIC_RELAXED);
  do
    {
      if (budget != 0 && (cur > budget || bytes > budget - cur))
        {
          *before = cur;
          return FALSE;
        }
    }
  while (!__atomic_compare_exchange_n (&total, &cur, cur + bytes, TRUE, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  *before = cur;
  return TRUE;
}

gboolean
ps_memory_reserve (PsMemoryKind kind, guint64 bytes, const char *what, GError **error)
{
  g_return_val_if_fail (kind < PS_MEMORY_N_KINDS, FALSE);
  guint64 budget = ps_memory_get_budget (), before;
  if (!try_add (bytes, budget, &before))
    {
      /* what is held only for reuse goes first */
      ps_memory_reclaim ();
      if (!try_add (bytes, budget, &before))
        {
          g_autofree char *b = ps_format_bytes (bytes), *m = ps_format_bytes (budget), *u = ps_format_bytes (before);
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                       "cannot allocate %s for %s: the memory budget is %s and %s are in use (PS_MEMORY_BUDGET_MB)",
                       b, what, m, u);
          return FALSE;
        }
    }
  __atomic_fetch_add (&counted[kind], bytes, __ATOMIC_RELAXED);
  return TRUE;
}

void
ps_memory_release (PsMemoryKind kind, guint64 bytes)
{
  g_return_if_fail (kind < PS_MEMORY_N_KINDS);
  __atomic_fetch_sub (&counted[kind], bytes, __ATOMIC_RELAXED);
  __atomic_fetch_sub (&total, bytes, __ATOMIC_RELAXED);
}

void
ps_memory_count (PsMemoryKind kind, guint64 bytes)
{
  g_return_if_fail (kind < PS_MEMORY_N_KINDS);
  __atomic_fetch_add (&counted[kind], bytes, __ATOMIC_RELAXED);
  __atomic_fetch_add (&total, bytes, __ATOMIC_RELAXED);
}

guint64
ps_memory_in_use (PsMemoryKind kind)
{
  if (kind >= PS_MEMORY_N_KINDS)
    return __atomic_load_n (&total, __ATOMIC_RELAXED);
  return __atomic_load_n (&counted[kind], __ATOMIC_RELAXED);
}

guint64
ps_memory_snapshot_budget (guint64 own_budget)
{
  guint64 budget = ps_memory_get_budget ();
  if (budget == 0 || own_budget == 0)
    return own_budget;
  return MAX (MIN (own_budget, budget / 2), 1);
}
