/* ps-child-seq.c — a container's persistent list of children (see ps-child-seq.h). */
#include "ps-child-seq.h"
#include "ps-module.h"

#include <string.h>

/* An entry of the list: never changed once made (a rename or a relabeling makes a new one). */
typedef struct {
  gatomicrefcount ref;
  guint64 label;   /* the order: 1 .. LABEL_END - 1 */
  char *name;
  PsModule *child; /* a ref */
} Slot;

typedef struct Node {
  gatomicrefcount ref;
  struct Node *l, *r;
  Slot *slot;
  guint size;     /* nodes in this subtree */
  guint height;
} Node;

struct _PsChildSeq {
  gatomicrefcount ref;
  Node *by_label;
  Node *by_name;
};

#define LABEL_BITS 62
#define LABEL_END ((guint64) 1 << LABEL_BITS)
/* room left after an appended child, so appends never relabel */
#define APPEND_GAP ((guint64) 1 << 32)

static guint64 built;

guint64
ps_child_seq_nodes_built (void)
{
  return __atomic_load_n (&built, __ATOMIC_RELAXED);
}

static void
count_built (void)
{
  __atomic_fetch_add (&built, 1, __ATOMIC_RELAXED);
}

/* ---------- slots ---------- */

static Slot *
slot_new (guint64 label, const char *name, PsModule *child)
{
  Slot *s = g_new (Slot, 1);
  g_atomic_ref_count_init (&s->ref);
  s->label = label;
  s->name = g_strdup (name);
  s->child = ps_module_ref (child);
  count_built ();
  return s;
}

static Slot *
slot_ref (Slot *s)
{
  g_atomic_ref_count_inc (&s->ref);
  return s;
}

static void
slot_unref (Slot *s)
{
  if (!g_atomic_ref_count_dec (&s->ref))
    return;
  g_free (s->name);
  ps_module_unref (s->child);
  g_free (s);
}

static int
by_label (const Slot *a, const Slot *b)
{
  return a->label < b->label ? -1 : a->label > b->label;
}

static int
by_name (const Slot *a, const Slot *b)
{
  return strcmp (a->name, b->name);
}

typedef int (*Cmp) (const Slot *a, const Slot *b);

/* ---------- persistent AVL trees (arguments borrowed, results owned) ---------- */

static guint
height (const Node *n)
{
  return n ? n->height : 0;
}

static guint
size (const Node *n)
{
  return n ? n->size : 0;
}

static Node *
node_ref (Node *n)
{
  if (n != NULL)
    g_atomic_ref_count_inc (&n->ref);
  return n;
}

static void
node_unref (Node *n)
{
  if (n == NULL || !g_atomic_ref_count_dec (&n->ref))
    return;
  node_unref (n->l);
  node_unref (n->r);
  slot_unref (n->slot);
  g_free (n);
}

static Node *
node_new (Node *l, Slot *slot, Node *r)
{
  Node *n = g_new (Node, 1);
  g_atomic_ref_count_init (&n->ref);
  n->l = node_ref (l);
  n->r = node_ref (r);
  n->slot = slot_ref (slot);
  n->size = size (l) + size (r) + 1;
  n->height = MAX (height (l), height (r)) + 1;
  count_built ();
  return n;
}

/* A node of l, slot, r whose heights differ by at most 2: one single or double rotation. */
static Node *
balance (Node *l, Slot *slot, Node *r)
{
  Node *a, *b, *res;
  if (height (l) > height (r) + 1)
    {
      if (height (l->l) >= height (l->r))
        {
          a = node_new (l->r, slot, r);
          res = node_new (l->l, l->slot, a);
          node_unref (a);
          return res;
        }
      a = node_new (l->l, l->slot, l->r->l);
      b = node_new (l->r->r, slot, r);
      res = node_new (a, l->r->slot, b);
      node_unref (a);
      node_unref (b);
      return res;
    }
  if (height (r) > height (l) + 1)
    {
      if (height (r->r) >= height (r->l))
        {
          a = node_new (l, slot, r->l);
          res = node_new (a, r->slot, r->r);
          node_unref (a);
          return res;
        }
      a = node_new (l, slot, r->l->l);
      b = node_new (r->l->r, r->slot, r->r);
      res = node_new (a, r->l->slot, b);
      node_unref (a);
      node_unref (b);
      return res;
    }
  return node_new (l, slot, r);
}

/* t with slot in its place (replacing the entry that compares equal, if any). */
static Node *
tree_put (Node *t, Slot *slot, Cmp cmp)
{
  if (t == NULL)
    return node_new (NULL, slot, NULL);
  int c = cmp (slot, t->slot);
  if (c == 0)
    return node_new (t->l, slot, t->r);
  Node *sub = tree_put (c < 0 ? t->l : t->r, slot, cmp);
  Node *res = c < 0 ? balance (sub, t->slot, t->r) : balance (t->l, t->slot, sub);
  node_unref (sub);
  return res;
}

/* t without its first entry, which goes to *min (alive as long as t). */
static Node *
tree_remove_min (Node *t, Slot **min)
{
  if (t->l == NULL)
    {
      *min = t->slot;
      return node_ref (t->r);
    }
  Node *sub = tree_remove_min (t->l, min);
  Node *res = balance (sub, t->slot, t->r);
  node_unref (sub);
  return res;
}

/* t without the entry equal to key (which must be there). */
static Node *
tree_remove (Node *t, const Slot *key, Cmp cmp)
{
  g_assert (t != NULL);
  int c = cmp (key, t->slot);
  if (c != 0)
    {
      Node *sub = tree_remove (c < 0 ? t->l : t->r, key, cmp);
      Node *res = c < 0 ? balance (sub, t->slot, t->r) : balance (t->l, t->slot, sub);
      node_unref (sub);
      return res;
    }
  if (t->l == NULL)
    return node_ref (t->r);
  if (t->r == NULL)
    return node_ref (t->l);
  Slot *min;
  Node *sub = tree_remove_min (t->r, &min);
  Node *res = balance (t->l, min, sub);
  node_unref (sub);
  return res;
}

static Slot *
tree_find (const Node *t, const Slot *key, Cmp cmp, guint *rank)
{
  guint r = 0;
  while (t != NULL)
    {
      int c = cmp (key, t->slot);
      if (c == 0)
        {
          if (rank != NULL)
            *rank = r + size (t->l);
          return t->slot;
        }
      if (c > 0)
        r += size (t->l) + 1;
      t = c < 0 ? t->l : t->r;
    }
  return NULL;
}

static Slot *
tree_nth (const Node *t, guint i)
{
  while (t != NULL)
    {
      guint k = size (t->l);
      if (i == k)
        return t->slot;
      if (i < k)
        t = t->l;
      else
        {
          i -= k + 1;
          t = t->r;
        }
    }
  g_assert_not_reached ();
}

/* How many labels are below `label`. */
static guint
tree_rank (const Node *t, guint64 label)
{
  guint r = 0;
  while (t != NULL)
    if (label <= t->slot->label)
      t = t->l;
    else
      {
        r += size (t->l) + 1;
        t = t->r;
      }
  return r;
}

static void
tree_foreach (const Node *t, PsChildSeqFunc fn, gpointer data)
{
  while (t != NULL)
    {
      tree_foreach (t->l, fn, data);
      fn (t->slot->name, t->slot->child, data);
      t = t->r;
    }
}

/* ---------- lists ---------- */

static PsChildSeq *
seq_new (Node *labels, Node *names)
{
  if (labels == NULL)
    {
      g_assert (names == NULL);
      return NULL;
    }
  PsChildSeq *s = g_new (PsChildSeq, 1);
  g_atomic_ref_count_init (&s->ref);
  s->by_label = labels;
  s->by_name = names;
  return s;
}

PsChildSeq *
ps_child_seq_ref (PsChildSeq *s)
{
  if (s != NULL)
    g_atomic_ref_count_inc (&s->ref);
  return s;
}

void
ps_child_seq_unref (PsChildSeq *s)
{
  if (s == NULL || !g_atomic_ref_count_dec (&s->ref))
    return;
  node_unref (s->by_label);
  node_unref (s->by_name);
  g_free (s);
}

guint
ps_child_seq_len (const PsChildSeq *s)
{
  return s ? size (s->by_label) : 0;
}

PsModule *
ps_child_seq_nth (const PsChildSeq *s, guint i, const char **name)
{
  g_return_val_if_fail (i < ps_child_seq_len (s), NULL);
  Slot *slot = tree_nth (s->by_label, i);
  if (name != NULL)
    *name = slot->name;
  return slot->child;
}

static Slot *
find_name (const PsChildSeq *s, const char *name)
{
  if (s == NULL)
    return NULL;
  Slot key = { .name = (char *) name };
  return tree_find (s->by_name, &key, by_name, NULL);
}

PsModule *
ps_child_seq_lookup (const PsChildSeq *s, const char *name, guint *pos)
{
  Slot *slot = find_name (s, name);
  if (slot == NULL)
    return NULL;
  if (pos != NULL)
    tree_find (s->by_label, slot, by_label, pos);
  return slot->child;
}

/* Both trees with `slot` put in (replacing the slot of the same label and the one of the same
 * name); updates *labels and *names. */
static void
put_both (Node **labels, Node **names, Slot *slot)
{
  Node *l = tree_put (*labels, slot, by_label), *n = tree_put (*names, slot, by_name);
  node_unref (*labels);
  node_unref (*names);
  *labels = l;
  *names = n;
}

/* t with the slots at ranks [r0, r0 + slots->len) replaced by `slots` (in order, their labels in
 * the same order as the old ones': the shape stays). O(len + log n) nodes. */
static Node *
tree_replace_range (Node *t, guint offset, guint r0, GPtrArray *slots)
{
  guint r1 = r0 + slots->len;
  if (t == NULL || offset + t->size <= r0 || offset >= r1)
    return node_ref (t);
  guint here = offset + size (t->l);
  Node *l = tree_replace_range (t->l, offset, r0, slots);
  Node *r = tree_replace_range (t->r, here + 1, r0, slots);
  Node *res = node_new (l, here >= r0 && here < r1 ? g_ptr_array_index (slots, here - r0) : t->slot, r);
  node_unref (l);
  node_unref (r);
  return res;
}

/* No free label between the neighbours of position k: the smallest aligned label range around
 * them whose density is at most (4/3)^i / 2^i (i its size's log, T = 1.5 in Bender et al.) is
 * spread evenly, the new child at position k among them. */
static void
relabel_insert (Node **labels, Node **names, guint k, guint64 near, const char *name, PsModule *child)
{
  guint64 base = 0, end = LABEL_END;
  guint r0 = 0, r1 = size (*labels);
  double limit = 1.0;
  for (guint i = 1; i <= LABEL_BITS; i++)
    {
      limit *= 4.0 / 3.0;
      base = i == LABEL_BITS ? 0 : (near >> i) << i;
      end = i == LABEL_BITS ? LABEL_END : base + ((guint64) 1 << i);
      r0 = tree_rank (*labels, base);
      r1 = tree_rank (*labels, end);
      double count = (double) (r1 - r0) + 1;
      if (count + 1 < (double) (end - base) && (count <= limit || i == LABEL_BITS))
        break;
    }
  g_assert (r0 <= k && k <= r1);
  guint count = r1 - r0 + 1;
  guint64 step = (end - base) / ((guint64) count + 1);
  g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_unref);
  for (guint j = r0, o = 0; j < r1; j++, o++)
    {
      const Slot *old = tree_nth (*labels, j);
      g_ptr_array_add (fresh, slot_new (base + (o + (j >= k) + 1) * step, old->name, old->child));
    }
  Node *t = tree_replace_range (*labels, 0, r0, fresh);
  node_unref (*labels);
  *labels = t;
  for (guint j = 0; j < fresh->len; j++)
    {
      t = tree_put (*names, g_ptr_array_index (fresh, j), by_name);
      node_unref (*names);
      *names = t;
    }
  Slot *s = slot_new (base + (k - r0 + 1) * step, name, child);
  put_both (labels, names, s);
  slot_unref (s);
}

PsChildSeq *
ps_child_seq_insert (const PsChildSeq *s, guint index, const char *name, PsModule *child)
{
  guint len = ps_child_seq_len (s);
  g_return_val_if_fail (index <= len && find_name (s, name) == NULL, NULL);
  Node *labels = node_ref (s ? s->by_label : NULL), *names = node_ref (s ? s->by_name : NULL);
  guint64 lo = index > 0 ? tree_nth (labels, index - 1)->label : 0;
  guint64 hi = index < len ? tree_nth (labels, index)->label : LABEL_END;
  if (hi - lo >= 2)
    {
      guint64 label = lo + (index == len ? MIN (APPEND_GAP, (hi - lo) / 2) : (hi - lo) / 2);
      Slot *slot = slot_new (label, name, child);
      put_both (&labels, &names, slot);
      slot_unref (slot);
    }
  else
    relabel_insert (&labels, &names, index, index > 0 ? lo : hi, name, child);
  return seq_new (labels, names);
}

PsChildSeq *
ps_child_seq_remove (const PsChildSeq *s, const char *name)
{
  Slot *slot = find_name (s, name);
  g_return_val_if_fail (slot != NULL, NULL);
  return seq_new (tree_remove (s->by_label, slot, by_label), tree_remove (s->by_name, slot, by_name));
}

PsChildSeq *
ps_child_seq_rename (const PsChildSeq *s, const char *name, const char *new_name)
{
  Slot *slot = find_name (s, name);
  g_return_val_if_fail (slot != NULL && find_name (s, new_name) == NULL, NULL);
  Slot *renamed = slot_new (slot->label, new_name, slot->child);
  Node *labels = tree_put (s->by_label, renamed, by_label);
  Node *names = tree_remove (s->by_name, slot, by_name);
  Node *n = tree_put (names, renamed, by_name);
  node_unref (names);
  slot_unref (renamed);
  return seq_new (labels, n);
}

PsChildSeq *
ps_child_seq_move (const PsChildSeq *s, const char *name, guint index)
{
  Slot *slot = find_name (s, name);
  g_return_val_if_fail (slot != NULL && index < ps_child_seq_len (s), NULL);
  PsChildSeq *without = ps_child_seq_remove (s, name);
  PsChildSeq *moved = ps_child_seq_insert (without, index, slot->name, slot->child);
  ps_child_seq_unref (without);
  return moved;
}

PsChildSeq *
ps_child_seq_replace (const PsChildSeq *s, const char *name, PsModule *child)
{
  Slot *slot = find_name (s, name);
  g_return_val_if_fail (slot != NULL, NULL);
  Slot *replaced = slot_new (slot->label, slot->name, child);
  Node *labels = node_ref (s->by_label), *names = node_ref (s->by_name);
  put_both (&labels, &names, replaced);
  slot_unref (replaced);
  return seq_new (labels, names);
}

void
ps_child_seq_foreach (const PsChildSeq *s, PsChildSeqFunc fn, gpointer data)
{
  if (s != NULL)
    tree_foreach (s->by_label, fn, data);
}
