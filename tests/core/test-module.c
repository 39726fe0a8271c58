/* Module tree semantics (PYTORCH-PARITY.md §7) on containers with hand-registered parameters, so
 * this test does not depend on any layer implementation. */
#include "ps-module.h"
#include "ps-child-seq.h"

#include <string.h>

static PsModule *
fake_leaf (const char *id, int64_t out, int64_t in)
{
  PsModule *m = ps_module_new_container ("Sequential", "Leaf", NULL);
  m->id = g_strdup (id);
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, out, in, NULL);
  g_autoptr (PsTensor) b = ps_tensor_new_1d (PS_DTYPE_FLOAT32, out, NULL);
  g_autoptr (PsTensor) rm = ps_tensor_new_1d (PS_DTYPE_FLOAT32, out, NULL);
  ps_module_register (m, "weight", w, FALSE);
  ps_module_register (m, "bias", b, FALSE);
  ps_module_register (m, "running_mean", rm, TRUE);
  return m;
}

static char *
paths (GPtrArray *items)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((PsNamedItem *) g_ptr_array_index (items, i))->path);
  return g_string_free (s, FALSE);
}

static void
test_shared_module_listings (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) l = fake_leaf ("l", 5, 10);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_true (ps_module_add_child (s, "0", l, &error));
  g_assert_true (ps_module_add_child (s, "1", l, &error));

  g_autoptr (GPtrArray) np = ps_module_named_parameters (s);
  g_autofree char *a = paths (np);
  g_assert_cmpstr (a, ==, "0.weight 0.bias");
  g_assert_cmpint (ps_module_count_parameters (s, NULL), ==, 55);

  g_autoptr (GPtrArray) sd = ps_module_state_dict (s);
  g_autofree char *b = paths (sd);
  g_assert_cmpstr (b, ==, "0.weight 0.bias 0.running_mean 1.weight 1.bias 1.running_mean");
  /* the 1.x entries are the very same parameters */
  g_assert_true (((PsNamedItem *) sd->pdata[0])->param == ((PsNamedItem *) sd->pdata[3])->param);

  g_autoptr (GPtrArray) nm = ps_module_named_modules (s, TRUE);
  g_autofree char *c = paths (nm);
  g_assert_cmpstr (c, ==, " 0");
  g_autoptr (GPtrArray) nm2 = ps_module_named_modules (s, FALSE);
  g_autofree char *d = paths (nm2);
  g_assert_cmpstr (d, ==, " 0 1");
  g_autoptr (GPtrArray) nb = ps_module_named_buffers (s);
  g_autofree char *e = paths (nb);
  g_assert_cmpstr (e, ==, "0.running_mean");
}

/* Every lookup agrees with the order of child_names, across the sizes where the container
 * switches from a linear scan to its name index, after each kind of change. */
static void
check_children_agree (PsModule *s)
{
  for (guint i = 0; i < ps_module_n_children (s); i++)
    {
      const char *name = ps_module_child_name_at (s, i);
      g_assert_true (ps_module_get_child (s, name) == ps_module_child_at (s, i));
    }
  g_assert_null (ps_module_get_child (s, "absent"));
}

static void
test_many_children_lookup (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, &error);
  g_autoptr (GPtrArray) leaves = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("%u", i);
      PsModule *l = ps_module_new_container ("Sequential", NULL, &error);
      g_ptr_array_add (leaves, l);
      g_assert_true (ps_module_add_child (s, name, l, &error));
      check_children_agree (s);
      /* a duplicate is refused at every size */
      g_assert_false (ps_module_add_child (s, name, l, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_cmpuint (ps_module_n_children (s), ==, 40);
  g_assert_true (ps_module_rename_child (s, "7", "seven", &error));
  g_assert_null (ps_module_get_child (s, "7"));
  g_assert_true (ps_module_get_child (s, "seven") == leaves->pdata[7]);
  g_assert_false (ps_module_rename_child (s, "8", "seven", &error));
  g_clear_error (&error);
  check_children_agree (s);
  g_assert_true (ps_module_move_child (s, "39", 0, &error));
  g_assert_cmpstr (ps_module_child_name_at (s, 0), ==, "39");
  check_children_agree (s);
  g_assert_true (ps_module_insert_child (s, 5, "new", leaves->pdata[0], &error));
  g_assert_cmpstr (ps_module_child_name_at (s, 5), ==, "new");
  check_children_agree (s);
  g_assert_true (ps_module_insert_child (s, 0, "front", leaves->pdata[2], &error));
  g_assert_cmpstr (ps_module_child_name_at (s, 0), ==, "front");
  g_assert_true (ps_module_get_child (s, "front") == leaves->pdata[2]);
  g_assert_true (ps_module_move_child (s, "front", 41, &error));
  g_assert_cmpstr (ps_module_child_name_at (s, 41), ==, "front");
  g_assert_true (ps_module_rename_child (s, "front", "back", &error));
  g_assert_true (ps_module_get_child (s, "back") == leaves->pdata[2]);
  check_children_agree (s);
  g_assert_true (ps_module_remove_child (s, "back", &error));
  g_assert_null (ps_module_get_child (s, "back"));
  check_children_agree (s);
  g_autoptr (PsModule) c = ps_module_clone_tree (s, NULL);
  check_children_agree (c);
  g_assert_false (ps_module_add_child (c, "seven", leaves->pdata[1], &error));
  g_clear_error (&error);
  /* remove down below the index size and back up */
  for (guint i = 10; i < 39; i++)
    {
      g_autofree char *name = g_strdup_printf ("%u", i);
      g_assert_true (ps_module_remove_child (s, name, &error));
      g_assert_null (ps_module_get_child (s, name));
      check_children_agree (s);
    }
  g_assert_cmpuint (ps_module_n_children (s), ==, 12);
  g_assert_true (ps_module_add_child (s, "20", leaves->pdata[20], &error));
  check_children_agree (s);
  check_children_agree (c);
  g_assert_cmpuint (ps_module_n_children (c), ==, 41);
}

/* A container's list of children is persistent (ps-child-seq.h): a clone made by
 * ps_module_clone_tree_sharing lists the very same list, and a change to either leaves the other
 * as it was. ps_module_foreach_child_not_in names what one attached or detached since. */
static void
collect (gpointer child, gpointer data)
{
  g_ptr_array_add (data, child);
}

static void
test_children_list_shared (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) leaves = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  for (guint i = 0; i < 64; i++)
    g_ptr_array_add (leaves, fake_leaf (i % 2 ? NULL : "leaf", 1, 1));
  for (guint n = 3; n <= 40; n += 37)
    {
      g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, NULL);
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *name = g_strdup_printf ("%u", i);
          g_assert_true (ps_module_add_child (s, name, leaves->pdata[i], &error));
        }
      g_autoptr (GHashTable) shallow = g_hash_table_new (NULL, NULL);
      g_hash_table_add (shallow, s);
      g_autoptr (PsModule) a = ps_module_clone_tree_sharing (s, NULL, shallow);
      g_assert_true (ps_module_shares_children (a, s));
      g_autoptr (GPtrArray) diff = g_ptr_array_new ();
      g_assert_true (ps_module_foreach_child_not_in (a, s, collect, diff));
      g_assert_cmpuint (diff->len, ==, 0);
      /* a attaches: s does not see it */
      g_assert_true (ps_module_add_child (a, "new", leaves->pdata[50], &error));
      g_assert_false (ps_module_shares_children (a, s));
      g_assert_cmpuint (ps_module_n_children (a), ==, n + 1);
      g_assert_cmpuint (ps_module_n_children (s), ==, n);
      g_assert_null (ps_module_get_child (s, "new"));
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      g_assert_true (ps_module_foreach_child_not_in (a, s, collect, diff));
      g_assert_cmpuint (diff->len, ==, 1);
      g_assert_true (diff->pdata[0] == leaves->pdata[50]);
      g_ptr_array_set_size (diff, 0);
      g_assert_true (ps_module_foreach_child_not_in (s, a, collect, diff));
      g_assert_cmpuint (diff->len, ==, 0);
      check_children_agree (a);
      check_children_agree (s);
      /* b, a second clone of s, attaches another child under the same name */
      g_autoptr (PsModule) b = ps_module_clone_tree_sharing (s, NULL, shallow);
      g_assert_true (ps_module_add_child (b, "new", leaves->pdata[51], &error));
      g_assert_true (ps_module_get_child (b, "new") == leaves->pdata[51]);
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      g_assert_null (ps_module_get_child (s, "new"));
      /* two clones of s are not known to be related to each other */
      g_assert_false (ps_module_foreach_child_not_in (a, b, collect, diff));
      g_autoptr (PsModule) c = ps_module_clone_tree_sharing (s, NULL, shallow);
      g_assert_false (ps_module_add_child (a, "new", leaves->pdata[52], &error));
      g_clear_error (&error);
      g_assert_true (ps_module_add_child (c, "new", leaves->pdata[52], &error));
      g_assert_true (ps_module_get_child (c, "new") == leaves->pdata[52]);
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      /* rename, move and remove on a clone: the others keep theirs */
      g_autoptr (GHashTable) shallow_a = g_hash_table_new (NULL, NULL);
      g_hash_table_add (shallow_a, a);
      g_autoptr (PsModule) d = ps_module_clone_tree_sharing (a, NULL, shallow_a);
      g_assert_true (ps_module_shares_children (d, a));
      g_assert_true (ps_module_rename_child (d, "0", "zero", &error));
      g_assert_false (ps_module_shares_children (d, a));
      g_assert_nonnull (ps_module_get_child (a, "0"));
      g_assert_null (ps_module_get_child (a, "zero"));
      g_assert_true (ps_module_get_child (d, "zero") == ps_module_get_child (a, "0"));
      g_ptr_array_set_size (diff, 0);
      g_assert_true (ps_module_foreach_child_not_in (d, a, collect, diff));
      g_assert_true (ps_module_foreach_child_not_in (a, d, collect, diff));
      g_assert_cmpuint (diff->len, ==, 0);   /* a rename changes no child */
      g_assert_true (ps_module_move_child (c, "1", 0, &error));
      g_assert_cmpstr (ps_module_child_name_at (c, 0), ==, "1");
      g_assert_cmpstr (ps_module_child_name_at (s, 0), ==, "0");
      g_assert_cmpstr (ps_module_child_name_at (a, 0), ==, "0");
      g_autoptr (PsModule) e = ps_module_clone_tree_sharing (a, NULL, shallow_a);
      g_assert_true (ps_module_remove_child (e, "2", &error));
      g_assert_null (ps_module_get_child (e, "2"));
      g_assert_nonnull (ps_module_get_child (a, "2"));
      g_assert_cmpuint (ps_module_n_children (e), ==, n);
      g_assert_true (ps_module_foreach_child_not_in (a, e, collect, diff));
      g_assert_cmpuint (diff->len, ==, 1);
      g_assert_true (diff->pdata[0] == leaves->pdata[2]);
      check_children_agree (a);
      check_children_agree (c);
      check_children_agree (d);
      check_children_agree (e);
      check_children_agree (s);
    }
}

/* n renames, moves, inserts and detaches, each on a clone of the last container (as successive
 * steps of a timeline make them), build O(log n) tree nodes each — O(log² n) amortized for moves
 * and inserts crowded into one place, which relabel — where they used to copy the whole list of
 * n children (issue #10: renames8k took 40 s); and every earlier step keeps its list. */
static void
test_children_changes_cost_log_n (void)
{
  g_autoptr (GError) error = NULL;
  const guint n = 4096, log_n = 12;
  const guint bounds[] = { 8 * (log_n + 2), 2 * (log_n + 2) * (log_n + 2), 2 * (log_n + 2) * (log_n + 2),
                           8 * (log_n + 2) };   /* nodes per change: 112 and 392, against n = 4096 */
  g_autoptr (PsModule) leaf = fake_leaf (NULL, 1, 1);
  g_autoptr (PsModule) first = ps_module_new_container ("Sequential", NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%u", i);
      g_assert_true (ps_module_add_child (first, name, leaf, &error));
    }
  g_autoptr (GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  g_ptr_array_add (chain, ps_module_ref (first));
  const char *kinds[] = { "rename", "move", "insert", "detach" };
  for (guint kind = 0; kind < G_N_ELEMENTS (kinds); kind++)
    {
      guint64 before = ps_child_seq_nodes_built ();
      for (guint i = 0; i < n; i++)
        {
          PsModule *prev = g_ptr_array_index (chain, chain->len - 1);
          g_autoptr (GHashTable) shallow = g_hash_table_new (NULL, NULL);
          g_hash_table_add (shallow, prev);
          PsModule *next = ps_module_clone_tree_sharing (prev, NULL, shallow);
          g_autofree char *name = g_strdup_printf ("%u", i);
          g_autofree char *renamed = g_strdup_printf ("r%u", i);
          g_autofree char *added = g_strdup_printf ("a%u", i);
          guint len = ps_module_n_children (prev);
          if (kind == 0)
            g_assert_true (ps_module_rename_child (next, name, renamed, &error));
          else if (kind == 1)   /* the last child to the second place: always the same gap */
            g_assert_true (ps_module_move_child (next, ps_module_child_name_at (prev, len - 1), 1, &error));
          else if (kind == 2)   /* at the second place, again and again */
            g_assert_true (ps_module_insert_child (next, 1, added, leaf, &error));
          else
            g_assert_true (ps_module_remove_child (next, ps_module_child_name_at (prev, len / 2), &error));
          g_assert_no_error (error);
          g_ptr_array_add (chain, next);
        }
      guint64 built = ps_child_seq_nodes_built () - before;
      g_test_message ("%s: %" G_GUINT64_FORMAT " tree nodes for %u changes", kinds[kind], built, n);
      g_assert_cmpuint (built, <=, (guint64) bounds[kind] * n);
    }
  /* every step still lists what it listed: the first its n children "0" … in order, the step
   * after rename i has "r0" … "ri" and "i+1" … */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%u", i);
      g_assert_cmpstr (ps_module_child_name_at (first, i), ==, name);
    }
  for (guint k = 1; k <= n; k += 411)
    {
      PsModule *m = g_ptr_array_index (chain, k);
      g_assert_cmpuint (ps_module_n_children (m), ==, n);
      g_autofree char *last_renamed = g_strdup_printf ("r%u", k - 1);
      g_autofree char *not_yet = g_strdup_printf ("%u", k);
      g_assert_cmpstr (ps_module_child_name_at (m, k - 1), ==, last_renamed);
      if (k < n)
        g_assert_cmpstr (ps_module_child_name_at (m, k), ==, not_yet);
      check_children_agree (m);
    }
  PsModule *inserted = g_ptr_array_index (chain, 3 * n);
  g_assert_cmpuint (ps_module_n_children (inserted), ==, 2 * n);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *added = g_strdup_printf ("a%u", n - i);
      g_assert_cmpstr (ps_module_child_name_at (inserted, i), ==, added);
    }
  check_children_agree (inserted);
  PsModule *last = g_ptr_array_index (chain, chain->len - 1);
  g_assert_cmpuint (ps_module_n_children (last), ==, n);
  check_children_agree (last);
}

/* Random changes against a plain array of names: positions, lookups and earlier versions agree,
 * through many relabelings (inserts crowded into a few places). */
static void
test_children_random_changes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) leaf = fake_leaf (NULL, 1, 1);
  GRand *rng = g_rand_new_with_seed (10);
  g_autoptr (PsModule) m = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (GPtrArray) ref = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PsModule) snapshot = NULL;
  g_autoptr (GPtrArray) snapshot_ref = NULL;
  guint serial = 0;
  for (guint step = 0; step < 6000; step++)
    {
      guint len = ref->len, what = g_rand_int_range (rng, 0, 10);
      if (step == 3000)
        {
          snapshot = ps_module_clone_tree (m, NULL);
          snapshot_ref = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < ref->len; i++)
            g_ptr_array_add (snapshot_ref, g_strdup (ref->pdata[i]));
        }
      if (len == 0 || what < 5)
        {
          /* crowd inserts at a few places so that labels run out there */
          guint at = len == 0 ? 0 : MIN (len, (guint) g_rand_int_range (rng, 0, 3) * len / 2);
          char *name = g_strdup_printf ("c%u", serial++);
          g_assert_true (ps_module_insert_child (m, (int) at, name, leaf, &error));
          g_ptr_array_insert (ref, (int) at, name);
        }
      else if (what < 7)
        {
          guint from = g_rand_int_range (rng, 0, (gint32) len), to = g_rand_int_range (rng, 0, (gint32) len);
          char *name = g_ptr_array_steal_index (ref, from);
          g_assert_true (ps_module_move_child (m, name, (int) to, &error));
          g_ptr_array_insert (ref, (int) to, name);
        }
      else if (what < 8)
        {
          guint at = g_rand_int_range (rng, 0, (gint32) len);
          char *name = g_strdup_printf ("c%u", serial++);
          g_assert_true (ps_module_rename_child (m, ref->pdata[at], name, &error));
          g_free (ref->pdata[at]);
          ref->pdata[at] = name;
        }
      else
        {
          guint at = g_rand_int_range (rng, 0, (gint32) len);
          g_assert_true (ps_module_remove_child (m, ref->pdata[at], &error));
          g_ptr_array_remove_index (ref, at);
        }
      g_assert_no_error (error);
      if (step % 250 == 0)
        {
          g_assert_cmpuint (ps_module_n_children (m), ==, ref->len);
          for (guint i = 0; i < ref->len; i++)
            {
              g_assert_cmpstr (ps_module_child_name_at (m, i), ==, ref->pdata[i]);
              g_assert_cmpint (ps_module_child_index (m, ref->pdata[i]), ==, (int) i);
            }
        }
    }
  g_assert_cmpuint (ps_module_n_children (snapshot), ==, snapshot_ref->len);
  for (guint i = 0; i < snapshot_ref->len; i++)
    g_assert_cmpstr (ps_module_child_name_at (snapshot, i), ==, snapshot_ref->pdata[i]);
  g_rand_free (rng);
}

/* The list itself (ps-child-seq.c), every version kept: random inserts (crowded at the ends and
 * the middle, so that labels run out and ranges are relabeled), removes, renames and moves against
 * a plain array of names per version. At the end every version still lists, finds (with its
 * position) and misses exactly what its array says: no change touched a node another version
 * shares. */
static void
test_child_seq_versions (void)
{
  g_autoptr (PsModule) leaf = fake_leaf (NULL, 1, 1);
  GRand *rng = g_rand_new_with_seed (20261207);
  const guint steps = 3000;
  g_autoptr (GPtrArray) seqs = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_child_seq_unref);
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  PsChildSeq *cur = NULL;
  GPtrArray *ref = g_ptr_array_new_with_free_func (g_free);
  guint serial = 0;
  for (guint step = 0; step < steps; step++)
    {
      const guint len = ref->len, what = (guint) g_rand_int_range (rng, 0, 10);
      PsChildSeq *next;
      GPtrArray *nref = g_ptr_array_new_full (len + 1, g_free);
      for (guint i = 0; i < len; i++)
        g_ptr_array_add (nref, g_strdup (ref->pdata[i]));
      if (len == 0 || what < 5)
        {
          const guint at = len == 0 ? 0 : MIN (len, (guint) g_rand_int_range (rng, 0, 3) * len / 2);
          char *name = g_strdup_printf ("n%u", serial++);
          next = ps_child_seq_insert (cur, at, name, leaf);
          g_ptr_array_insert (nref, (int) at, name);
        }
      else if (what < 7)
        {
          const guint from = (guint) g_rand_int_range (rng, 0, (gint32) len);
          const guint to = (guint) g_rand_int_range (rng, 0, (gint32) len);
          next = ps_child_seq_move (cur, nref->pdata[from], to);
          char *name = g_ptr_array_steal_index (nref, from);
          g_ptr_array_insert (nref, (int) to, name);
        }
      else if (what < 8)
        {
          const guint at = (guint) g_rand_int_range (rng, 0, (gint32) len);
          char *name = g_strdup_printf ("n%u", serial++);
          next = ps_child_seq_rename (cur, nref->pdata[at], name);
          g_free (nref->pdata[at]);
          nref->pdata[at] = name;
        }
      else
        {
          const guint at = (guint) g_rand_int_range (rng, 0, (gint32) len);
          next = ps_child_seq_remove (cur, nref->pdata[at]);
          g_ptr_array_remove_index (nref, at);
        }
      g_ptr_array_add (seqs, next);
      g_ptr_array_add (models, nref);
      g_ptr_array_unref (ref);
      ref = g_ptr_array_ref (nref);
      cur = next;
    }
  g_ptr_array_unref (ref);
  for (guint v = 0; v < seqs->len; v++)
    {
      const PsChildSeq *sq = seqs->pdata[v];
      const GPtrArray *m = models->pdata[v];
      g_assert_cmpuint (ps_child_seq_len (sq), ==, m->len);
      guint i = 0;
      for (; i < m->len; i++)
        {
          const char *name = NULL;
          g_assert_true (ps_child_seq_nth (sq, i, &name) == leaf);
          g_assert_cmpstr (name, ==, m->pdata[i]);
          guint pos = G_MAXUINT;
          g_assert_true (ps_child_seq_lookup (sq, m->pdata[i], &pos) == leaf);
          g_assert_cmpuint (pos, ==, i);
        }
      /* names this version does not have: one never used, and every tenth name ever made */
      g_assert_null (ps_child_seq_lookup (sq, "absent", NULL));
      for (guint k = 0; k < serial; k += 10)
        {
          g_autofree char *name = g_strdup_printf ("n%u", k);
          gboolean listed = FALSE;
          for (guint j = 0; j < m->len && !listed; j++)
            listed = strcmp (m->pdata[j], name) == 0;
          g_assert_true ((ps_child_seq_lookup (sq, name, NULL) != NULL) == listed);
        }
    }
  g_rand_free (rng);
}

static void
test_cycle_and_duplicate_names_rejected (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) a = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (PsModule) b = ps_module_new_container ("Sequential", NULL, NULL);
  g_assert_true (ps_module_add_child (a, "b", b, &error));
  g_assert_false (ps_module_add_child (b, "a", a, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "cycle"));
  g_clear_error (&error);
  g_assert_false (ps_module_add_child (a, "a", a, &error));
  g_clear_error (&error);
  g_assert_false (ps_module_add_child (a, "b", b, &error));
  g_assert_nonnull (strstr (error->message, "already has a child named 'b'"));
  g_clear_error (&error);
  g_assert_false (ps_module_add_child (a, "x.y", b, &error));
  g_clear_error (&error);
  g_assert_cmpuint (ps_module_n_children (a), ==, 1);
  g_assert_true (ps_module_remove_child (a, "b", &error));
  g_assert_false (ps_module_remove_child (a, "b", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
}

static void
test_clone_preserves_sharing_and_shares_tensors (void)
{
  g_autoptr (PsModule) l = fake_leaf ("l", 2, 3);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", "Custom", NULL);
  ps_module_add_child (s, "first", l, NULL);
  ps_module_add_child (s, "second", l, NULL);
  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  g_autoptr (PsModule) c = ps_module_clone_tree (s, map);
  PsModule *c0 = ps_module_get_child (c, "first");
  PsModule *c1 = ps_module_get_child (c, "second");
  g_assert_true (c0 == c1);
  g_assert_true (c0 != l);
  g_assert_true (g_hash_table_lookup (map, l) == c0);
  g_assert_cmpstr (ps_module_class_name (c), ==, "Custom");
  PsParam *pw = ps_module_get_param (l, "weight");
  PsParam *cw = ps_module_get_param (c0, "weight");
  g_assert_true (pw != cw);
  g_assert_true (pw->value == cw->value);       /* tensors shared: copy-on-write snapshots */
  g_autoptr (PsTensor) fresh = ps_param_new_like (cw, NULL);
  ps_tensor_f32 (fresh)[0] = 1.0f;
  ps_param_set_value (cw, fresh);
  g_assert_cmpfloat (ps_tensor_f32 (pw->value)[0], ==, 0.0f); /* the original is untouched */
}

static void
test_resolve_paths (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) l = fake_leaf ("l", 2, 3);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, NULL);
  ps_module_add_child (s, "linear1", l, NULL);
  PsModule *m = NULL;
  PsParam *p = NULL;
  g_assert_true (ps_module_resolve (s, "linear1.bias", &m, &p, &error));
  g_assert_true (m == l);
  g_assert_cmpstr (p->name, ==, "bias");
  g_assert_true (ps_module_resolve (s, "linear1", &m, &p, &error));
  g_assert_null (p);
  g_assert_true (ps_module_resolve (s, "", &m, &p, &error));
  g_assert_true (m == s);
  g_assert_false (ps_module_resolve (s, "linear2.weight", &m, &p, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'linear2'"));
}

static void
test_module_list_has_no_forward (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) ml = ps_module_new_container ("ModuleList", NULL, NULL);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 1, 2, NULL);
  g_assert_null (ps_module_forward (ml, x, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED);
  g_assert_cmpstr (error->message, ==, "Module [ModuleList] is missing the required \"forward\" function");
}

static void
test_repr (void)
{
  g_autoptr (PsModule) inner = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (PsModule) leaf = ps_module_new_container ("ModuleList", NULL, NULL);
  ps_module_add_child (inner, "0", leaf, NULL);
  ps_module_add_child (s, "block", inner, NULL);
  g_autofree char *r = ps_module_repr (s);
  g_assert_cmpstr (r, ==, "Sequential(\n  (block): Sequential(\n    (0): ModuleList()\n  )\n)");
}

static void
test_unknown_type (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_module_new ("Linearr", NULL, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "unknown module type 'Linearr'");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module/shared-listings", test_shared_module_listings);
  g_test_add_func ("/module/cycle-and-duplicates", test_cycle_and_duplicate_names_rejected);
  g_test_add_func ("/module/many-children-lookup", test_many_children_lookup);
  g_test_add_func ("/module/children-list-shared", test_children_list_shared);
  g_test_add_func ("/module/children-changes-cost-log-n", test_children_changes_cost_log_n);
  g_test_add_func ("/module/children-random-changes", test_children_random_changes);
  g_test_add_func ("/module/child-seq-versions", test_child_seq_versions);
  g_test_add_func ("/module/clone", test_clone_preserves_sharing_and_shares_tensors);
  g_test_add_func ("/module/resolve", test_resolve_paths);
  g_test_add_func ("/module/module-list-no-forward", test_module_list_has_no_forward);
  g_test_add_func ("/module/repr", test_repr);
  g_test_add_func ("/module/unknown-type", test_unknown_type);
  return g_test_run ();
}
