/* ps-module-table.h — a document state's module table (recipe id → PsModule, in creation order),
 * persistent: "setting" an entry returns a new table and leaves the old one as it was, and the two
 * share everything but the O(log n) nodes on the changed path (a hash array mapped trie keyed by
 * the id's quark, and one keyed by creation index for the order).
 *
 * Every step of a timeline holds a table; a step that creates or rewrites one module costs
 * O(log n) time and memory instead of a copy of the whole table (issue #10: 5,000 module ops took
 * 40–51 s when every step copied it). Tables are immutable once built, so states in several
 * threads may share them; references are atomic. Ids are only ever added, never removed. */
#pragma once

#include <glib.h>
#include "ps-module.h"

G_BEGIN_DECLS

typedef struct _PsModuleTable PsModuleTable;

/* The empty table. */
PsModuleTable *ps_module_table_new     (void);
PsModuleTable *ps_module_table_ref     (PsModuleTable *t);
void           ps_module_table_unref   (PsModuleTable *t);

guint          ps_module_table_size    (const PsModuleTable *t);
/* The module with this id, or NULL. */
PsModule      *ps_module_table_lookup  (const PsModuleTable *t, const char *id);
/* The i-th id in creation order (an interned string; i < size). */
const char    *ps_module_table_id_at   (const PsModuleTable *t, guint i);
/* A new table: t with id → module (a ref is taken). A new id goes last in the order; an existing
 * one keeps its place. t is unchanged. */
PsModuleTable *ps_module_table_set     (const PsModuleTable *t, const char *id, PsModule *module);

/* Calls fn for every id whose module differs between a and b (NULL on the side that lacks it),
 * in no particular order. Time: what differs times log n — subtrees the two tables share are
 * skipped — so comparing a step with the one before it does not walk the whole table. */
typedef void (*PsModuleTableDiffFunc) (const char *id, PsModule *in_a, PsModule *in_b, gpointer data);
void           ps_module_table_diff    (const PsModuleTable *a, const PsModuleTable *b, PsModuleTableDiffFunc fn,
                                        gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsModuleTable, ps_module_table_unref)

G_END_DECLS
