/* ps-module-table.c — see ps-module-table.h.
 *
 * Each trie is a hash array mapped trie over 64-bit keys: a node has up to 32 slots, present
 * ones compacted behind a bitmap; a slot is a leaf (key, value) or a sub-node. The hash is a
 * bijection of the key (splitmix64's finalizer), so two different keys always part within the 13
 * levels 64 bits give and no collision lists are needed. Setting a key copies the nodes on its
 * path (taking references on everything else they point to); nodes are never written after they
 * are built. */
#include "ps-module-table.h"

typedef struct _Node Node;

typedef struct {
  guint64 key;      /* leaf: its key */
  gpointer value;   /* leaf: its value */
  Node *child;      /* non-NULL: a sub-node instead of a leaf */
} Slot;

struct _Node {
  gatomicrefcount ref_count;
  guint32 bitmap;
  guint n;
  Slot slots[];
};

struct _PsModuleTable {
  gatomicrefcount ref_count;
  guint size;
  Node *ids;     /* quark of the id → PsModule* (a ref per leaf) */
  Node *order;   /* creation index → quark (GUINT_TO_POINTER) */
};

static inline guint64
mix (guint64 x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

static Node *
node_alloc (guint n, guint32 bitmap)
{
  Node *x = g_malloc (sizeof (Node) + n * sizeof (Slot));
  g_atomic_ref_count_init (&x->ref_count);
  x->bitmap = bitmap;
  x->n = n;
  return x;
}

static void
node_unref (Node *x, gboolean modules)
{
  if (x == NULL || !g_atomic_ref_count_dec (&x->ref_count))
    return;
  for (guint i = 0; i < x->n; i++)
    if (x->slots[i].child != NULL)
      node_unref (x->slots[i].child, modules);
    else if (modules)
      ps_module_unref (x->slots[i].value);
  g_free (x);
}

/* A copy of slot s for a new node: takes the references the new node owns. */
static inline Slot
slot_share (const Slot *s, gboolean modules)
{
  if (s->child != NULL)
    g_atomic_ref_count_inc (&s->child->ref_count);
  else if (modules)
    ps_module_ref (s->value);
  return *s;
}

static inline Slot
leaf (guint64 key, gpointer value, gboolean modules)
{
  return (Slot) { key, modules ? ps_module_ref (value) : value, NULL };
}

/* x (may be NULL) with key → value, as a new node; *added when the key was not there. */
static Node *
insert (const Node *x, guint64 key, gpointer value, guint shift, gboolean modules, gboolean *added)
{
  g_assert (shift < 64);
  const guint32 bit = 1u << ((mix (key) >> shift) & 31);
  if (x == NULL)
    {
      Node *r = node_alloc (1, bit);
      r->slots[0] = leaf (key, value, modules);
      *added = TRUE;
      return r;
    }
  const guint pos = (guint) __builtin_popcount (x->bitmap & (bit - 1));
  if (!(x->bitmap & bit))
    {
      Node *r = node_alloc (x->n + 1, x->bitmap | bit);
      for (guint i = 0; i < pos; i++)
        r->slots[i] = slot_share (&x->slots[i], modules);
      r->slots[pos] = leaf (key, value, modules);
      for (guint i = pos; i < x->n; i++)
        r->slots[i + 1] = slot_share (&x->slots[i], modules);
      *added = TRUE;
      return r;
    }
  Node *r = node_alloc (x->n, x->bitmap);
  for (guint i = 0; i < x->n; i++)
    if (i != pos)
      r->slots[i] = slot_share (&x->slots[i], modules);
  const Slot *s = &x->slots[pos];
  if (s->child != NULL)
    r->slots[pos] = (Slot) { 0, NULL, insert (s->child, key, value, shift + 5, modules, added) };
  else if (s->key == key)
    r->slots[pos] = leaf (key, value, modules);
  else
    {
      /* two keys in one slot: a sub-node holding both */
      gboolean ignored = FALSE;
      Node *one = insert (NULL, s->key, s->value, shift + 5, modules, &ignored);
      r->slots[pos] = (Slot) { 0, NULL, insert (one, key, value, shift + 5, modules, added) };
      node_unref (one, modules);
    }
  return r;
}

static gpointer
lookup (const Node *x, guint64 key)
{
  const guint64 h = mix (key);
  for (guint shift = 0; x != NULL && shift < 64; shift += 5)
    {
      const guint32 bit = 1u << ((h >> shift) & 31);
      if (!(x->bitmap & bit))
        return NULL;
      const Slot *s = &x->slots[__builtin_popcount (x->bitmap & (bit - 1))];
      if (s->child == NULL)
        return s->key == key ? s->value : NULL;
      x = s->child;
    }
  return NULL;
}

PsModuleTable *
ps_module_table_new (void)
{
  PsModuleTable *t = g_new0 (PsModuleTable, 1);
  g_atomic_ref_count_init (&t->ref_count);
  return t;
}

PsModuleTable *
ps_module_table_ref (PsModuleTable *t)
{
  g_atomic_ref_count_inc (&t->ref_count);
  return t;
}

void
ps_module_table_unref (PsModuleTable *t)
{
  if (t == NULL || !g_atomic_ref_count_dec (&t->ref_count))
    return;
  node_unref (t->ids, TRUE);
  node_unref (t->order, FALSE);
  g_free (t);
}

guint
ps_module_table_size (const PsModuleTable *t)
{
  return t->size;
}

PsModule *
ps_module_table_lookup (const PsModuleTable *t, const char *id)
{
  GQuark q = id != NULL ? g_quark_try_string (id) : 0;
  return q != 0 ? lookup (t->ids, q) : NULL;
}

const char *
ps_module_table_id_at (const PsModuleTable *t, guint i)
{
  g_return_val_if_fail (i < t->size, NULL);
  return g_quark_to_string (GPOINTER_TO_UINT (lookup (t->order, i)));
}

PsModuleTable *
ps_module_table_set (const PsModuleTable *t, const char *id, PsModule *module)
{
  g_return_val_if_fail (id != NULL && module != NULL, NULL);
  const GQuark q = g_quark_from_string (id);
  PsModuleTable *r = ps_module_table_new ();
  gboolean added = FALSE;
  r->ids = insert (t->ids, q, module, 0, TRUE, &added);
  r->size = t->size + (added ? 1 : 0);
  if (added)
    {
      gboolean ignored = FALSE;
      r->order = insert (t->order, t->size, GUINT_TO_POINTER (q), 0, FALSE, &ignored);
    }
  else if (t->order != NULL)
    {
      g_atomic_ref_count_inc (&t->order->ref_count);
      r->order = t->order;
    }
  return r;
}

/* Every leaf under slot s (NULL: none) into out (key → value). */
static void
slot_leaves (const Slot *s, GHashTable *out)
{
  if (s == NULL)
    return;
  if (s->child == NULL)
    {
      g_hash_table_insert (out, GSIZE_TO_POINTER ((gsize) s->key), s->value);
      return;
    }
  for (guint i = 0; i < s->child->n; i++)
    slot_leaves (&s->child->slots[i], out);
}

static const Slot *
slot_for_bit (const Node *x, guint32 bit)
{
  if (x == NULL || !(x->bitmap & bit))
    return NULL;
  return &x->slots[__builtin_popcount (x->bitmap & (bit - 1))];
}

static void
diff_nodes (const Node *x, const Node *y, PsModuleTableDiffFunc fn, gpointer data)
{
  if (x == y)
    return;   /* shared: nothing below differs */
  const guint32 all = (x ? x->bitmap : 0) | (y ? y->bitmap : 0);
  for (guint b = 0; b < 32; b++)
    {
      const guint32 bit = 1u << b;
      if (!(all & bit))
        continue;
      const Slot *sx = slot_for_bit (x, bit), *sy = slot_for_bit (y, bit);
      if (sx != NULL && sy != NULL && sx->child != NULL && sy->child != NULL)
        {
          diff_nodes (sx->child, sy->child, fn, data);
          continue;
        }
      if (sx != NULL && sy != NULL && sx->child == NULL && sy->child == NULL && sx->key == sy->key)
        {
          if (sx->value != sy->value)
            fn (g_quark_to_string ((GQuark) sx->key), sx->value, sy->value, data);
          continue;
        }
      /* shapes differ here (a leaf pushed into a sub-node, or one side empty): compare the few
       * leaves below */
      g_autoptr (GHashTable) lx = g_hash_table_new (NULL, NULL), ly = g_hash_table_new (NULL, NULL);
      slot_leaves (sx, lx);
      slot_leaves (sy, ly);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, lx);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (g_hash_table_lookup (ly, k) != v)
          fn (g_quark_to_string ((GQuark) GPOINTER_TO_SIZE (k)), v, g_hash_table_lookup (ly, k), data);
      g_hash_table_iter_init (&it, ly);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (!g_hash_table_contains (lx, k))
          fn (g_quark_to_string ((GQuark) GPOINTER_TO_SIZE (k)), NULL, v, data);
    }
}

void
ps_module_table_diff (const PsModuleTable *a, const PsModuleTable *b, PsModuleTableDiffFunc fn, gpointer data)
{
  diff_nodes (a->ids, b->ids, fn, data);
}
