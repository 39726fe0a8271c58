/* ps-child-seq.h — a container's list of children (name → module, in order), persistent: every
 * change returns a new list and leaves the old one as it was, the two sharing all but O(log n)
 * tree nodes (issue #10: a rename, move, insert or detach in a container of n children used to
 * copy its list, so n such steps cost O(n²) time).
 *
 * Two balanced (AVL) trees over the same immutable slots (name, child, order label): one ordered
 * by label, each node counting its subtree (the i-th child, a child's position), one ordered by
 * name (lookup, duplicate checks). Labels are 62-bit integers kept in list order by an
 * order-maintenance scheme (Bender et al. 2002: when two neighbours leave no label between them,
 * the smallest enclosing aligned label range that is sparse enough is spread evenly), so every
 * change costs O(log n) amortized — O(log² n) for the rare relabeling.
 *
 * Lists are immutable once built: several threads may read them; references are atomic. NULL is
 * the empty list. Only ps-module.c uses this; readers use ps-module.h's accessors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PsModule PsModule;
typedef struct _PsChildSeq PsChildSeq;

PsChildSeq *ps_child_seq_ref    (PsChildSeq *s);
void        ps_child_seq_unref  (PsChildSeq *s);

guint       ps_child_seq_len    (const PsChildSeq *s);
/* The i-th child (i < len) and its name (owned by the list). */
PsModule   *ps_child_seq_nth    (const PsChildSeq *s, guint i, const char **name);
/* The child named `name` or NULL; its position in *pos when pos is non-NULL. */
PsModule   *ps_child_seq_lookup (const PsChildSeq *s, const char *name, guint *pos);

/* New lists (the argument is unchanged). insert: name must be new, index ≤ len (takes a ref on
 * child). remove, rename, move: name must be in the list; new_name must not be; index < len. */
PsChildSeq *ps_child_seq_insert (const PsChildSeq *s, guint index, const char *name, PsModule *child);
PsChildSeq *ps_child_seq_remove (const PsChildSeq *s, const char *name);
PsChildSeq *ps_child_seq_rename (const PsChildSeq *s, const char *name, const char *new_name);
PsChildSeq *ps_child_seq_move   (const PsChildSeq *s, const char *name, guint index);
/* The child named `name` (which must be there) replaced by `child` in its place (takes a ref). */
PsChildSeq *ps_child_seq_replace (const PsChildSeq *s, const char *name, PsModule *child);

/* Calls fn for every child in order. */
typedef void (*PsChildSeqFunc) (const char *name, PsModule *child, gpointer data);
void        ps_child_seq_foreach (const PsChildSeq *s, PsChildSeqFunc fn, gpointer data);

/* Instrumentation for tests: tree nodes and slots built since the process started (all lists). A
 * change to a list of n children builds O(log n) of them, not O(n). */
guint64     ps_child_seq_nodes_built (void);

G_END_DECLS
