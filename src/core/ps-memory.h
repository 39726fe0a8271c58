/* ps-memory.h — the process's one memory ledger (issue #10).
 *
 * Every large allocation Paramscope makes is counted here, by kind, against one budget
 * (PS_MEMORY_BUDGET_MB; 0 = none): tensor storages, the freed blocks the tensor allocator keeps for
 * reuse, oneDNN work buffers kept per thread, and kernel scratch while it is in use. Reserving more
 * than the budget allows fails with PS_ERROR_NO_MEMORY naming what asked, the budget and what is
 * in use, so the op that asked fails with a GError and changes nothing. Memory held only for reuse
 * (the block cache, idle pooled buffers) is given back first (the reclaimers) before a reservation
 * is refused. The document's timeline keeps its snapshots within the same budget
 * (ps_memory_snapshot_budget). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PS_MEMORY_TENSORS,      /* live tensor storages */
  PS_MEMORY_BLOCK_CACHE,  /* freed storage blocks kept for the next allocation of their size */
  PS_MEMORY_ONEDNN,       /* oneDNN work buffers kept per thread (busy or idle) */
  PS_MEMORY_SCRATCH,      /* kernel work memory while a kernel runs */
  PS_MEMORY_N_KINDS
} PsMemoryKind;

void        ps_memory_set_budget   (guint64 bytes);   /* 0 = no budget */
guint64     ps_memory_get_budget   (void);
/* PS_MEMORY_BUDGET_MB (whole MiB); an error for anything else. */
gboolean    ps_memory_budget_from_env (GError **error);
/* "64.0 MiB (67108864 bytes)", the words of every memory message; free with g_free. */
char       *ps_format_bytes        (guint64 bytes);

/* Counts `bytes` of `kind`. FALSE (nothing counted) with PS_ERROR_NO_MEMORY when the budget would
 * be exceeded even after the reclaimers gave back what they hold; `what` names the allocation in
 * the message ("a tensor", "a oneDNN work buffer"). */
gboolean    ps_memory_reserve      (PsMemoryKind kind, guint64 bytes, const char *what, GError **error);
void        ps_memory_release      (PsMemoryKind kind, guint64 bytes);
/* Counts bytes that are already allocated, whatever the budget (a freed block the allocator keeps
 * for reuse instead of giving it back: the reclaimers free it under pressure). */
void        ps_memory_count        (PsMemoryKind kind, guint64 bytes);
/* What is counted: one kind, or (PS_MEMORY_N_KINDS) all of them. */
guint64     ps_memory_in_use       (PsMemoryKind kind);

/* A function that frees memory held only for reuse and releases it from the ledger; called (in
 * registration order, outside any lock of the ledger) when a reservation would not fit. */
typedef void (*PsMemoryReclaim) (void);
void        ps_memory_add_reclaimer (PsMemoryReclaim fn);
/* Runs the reclaimers now (what is left counted is what is in use). */
void        ps_memory_reclaim      (void);

/* How many bytes of snapshots a timeline that keeps old states for a view (a non-zero budget of
 * its own) may hold: its own budget, and with a memory budget at most half of that (the other half
 * for the ops and views). */
guint64     ps_memory_snapshot_budget (guint64 own_budget);

G_END_DECLS
