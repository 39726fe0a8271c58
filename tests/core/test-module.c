/* Module tree semantics (PYTORCH-PARITY.md §7) on containers with hand-registered parameters, so
 * this test does not depend on any layer implementation. */
#include "ps-module.h"

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
  for (guint i = 0; i < s->child_names->len; i++)
    {
      const char *name = g_ptr_array_index (s->child_names, i);
      g_assert_true (ps_module_get_child (s, name) == g_ptr_array_index (s->children, i));
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
  g_assert_cmpuint (s->children->len, ==, 40);
  g_assert_true (ps_module_rename_child (s, "7", "seven", &error));
  g_assert_null (ps_module_get_child (s, "7"));
  g_assert_true (ps_module_get_child (s, "seven") == leaves->pdata[7]);
  g_assert_false (ps_module_rename_child (s, "8", "seven", &error));
  g_clear_error (&error);
  check_children_agree (s);
  g_assert_true (ps_module_move_child (s, "39", 0, &error));
  g_assert_cmpstr (g_ptr_array_index (s->child_names, 0), ==, "39");
  check_children_agree (s);
  /* inserting at a place, moving and renaming update the name index; they do not rebuild it
   * (an O(n) rehash per op made n inserts at the front quadratic) */
  gpointer index = s->child_store;
  g_assert_nonnull (index);
  g_assert_true (ps_module_insert_child (s, 5, "new", leaves->pdata[0], &error));
  g_assert_cmpstr (g_ptr_array_index (s->child_names, 5), ==, "new");
  check_children_agree (s);
  g_assert_true (ps_module_insert_child (s, 0, "front", leaves->pdata[2], &error));
  g_assert_cmpstr (g_ptr_array_index (s->child_names, 0), ==, "front");
  g_assert_true (ps_module_get_child (s, "front") == leaves->pdata[2]);
  g_assert_true (ps_module_move_child (s, "front", 41, &error));
  g_assert_cmpstr (g_ptr_array_index (s->child_names, 41), ==, "front");
  g_assert_true (ps_module_rename_child (s, "front", "back", &error));
  g_assert_true (ps_module_get_child (s, "back") == leaves->pdata[2]);
  g_assert_true (s->child_store == index);
  check_children_agree (s);
  g_assert_true (ps_module_remove_child (s, "back", &error));
  g_assert_null (ps_module_get_child (s, "back"));
  g_assert_true (s->child_store == index);
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
  g_assert_cmpuint (s->children->len, ==, 12);
  g_assert_true (ps_module_add_child (s, "20", leaves->pdata[20], &error));
  check_children_agree (s);
  check_children_agree (c);
  g_assert_cmpuint (c->children->len, ==, 41);
}

/* A container's list of children is shared between clones that list the same children
 * (ps_module_clone_tree_sharing): a clone appends past the end of the shared storage in place,
 * and neither the original nor another clone sees what it appended; every other change, and an
 * append to a list that is no longer the storage's whole content, copies first. Below and above
 * the name index's size (16). */
static void
test_children_storage_shared (void)
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
      g_assert_true (a->child_store == s->child_store);
      g_assert_true (a->children->pdata == s->children->pdata);
      g_assert_cmpuint (ps_module_shared_children (a, s), ==, n);
      /* a appends in place: s does not see it */
      g_assert_true (ps_module_add_child (a, "new", leaves->pdata[50], &error));
      g_assert_true (a->child_store == s->child_store);
      g_assert_cmpuint (a->children->len, ==, n + 1);
      g_assert_cmpuint (s->children->len, ==, n);
      g_assert_null (ps_module_get_child (s, "new"));
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      g_assert_cmpuint (ps_module_shared_children (a, s), ==, n);
      check_children_agree (a);
      check_children_agree (s);
      /* b, a second clone of s, appends another child under the same name: a copy */
      g_autoptr (PsModule) b = ps_module_clone_tree_sharing (s, NULL, shallow);
      g_assert_true (ps_module_add_child (b, "new", leaves->pdata[51], &error));
      g_assert_true (b->child_store != s->child_store);
      g_assert_cmpuint (ps_module_shared_children (b, s), ==, 0);
      g_assert_true (ps_module_get_child (b, "new") == leaves->pdata[51]);
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      g_assert_null (ps_module_get_child (s, "new"));
      /* s itself can still take a child named "new" (its list ends before a's) */
      g_autoptr (PsModule) c = ps_module_clone_tree_sharing (s, NULL, shallow);
      g_assert_false (ps_module_add_child (a, "new", leaves->pdata[52], &error));
      g_clear_error (&error);
      g_assert_true (ps_module_add_child (c, "new", leaves->pdata[52], &error));
      g_assert_true (ps_module_get_child (c, "new") == leaves->pdata[52]);
      g_assert_true (ps_module_get_child (a, "new") == leaves->pdata[50]);
      /* rename, move and remove on a shared list copy it: the others keep theirs */
      g_autoptr (GHashTable) shallow_a = g_hash_table_new (NULL, NULL);
      g_hash_table_add (shallow_a, a);
      g_autoptr (PsModule) d = ps_module_clone_tree_sharing (a, NULL, shallow_a);
      g_assert_true (d->child_store == a->child_store);
      g_assert_true (ps_module_rename_child (d, "0", "zero", &error));
      g_assert_true (d->child_store != a->child_store);
      g_assert_nonnull (ps_module_get_child (a, "0"));
      g_assert_null (ps_module_get_child (a, "zero"));
      g_assert_true (ps_module_move_child (c, "1", 0, &error));
      g_assert_cmpstr (g_ptr_array_index (c->child_names, 0), ==, "1");
      g_assert_cmpstr (g_ptr_array_index (s->child_names, 0), ==, "0");
      g_assert_cmpstr (g_ptr_array_index (a->child_names, 0), ==, "0");
      g_assert_true (ps_module_remove_child (a, "new", &error));
      g_assert_null (ps_module_get_child (a, "new"));
      g_assert_cmpuint (a->children->len, ==, n);
      check_children_agree (a);
      check_children_agree (c);
      check_children_agree (d);
      check_children_agree (s);
      /* children without a recipe id (odd positions here) */
      g_autoptr (GArray) anon = ps_module_anonymous_children (s, n);
      g_assert_cmpuint (anon->len, ==, n / 2);
      for (guint k = 0; k < anon->len; k++)
        g_assert_cmpuint (g_array_index (anon, guint, k), ==, 2 * k + 1);
    }
  /* n appends, each to a clone of the last: the storage is copied only when full (doubling) */
  g_autoptr (PsModule) first = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  g_ptr_array_add (chain, ps_module_ref (first));
  g_autoptr (GHashTable) stores = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < 4096; i++)
    {
      PsModule *prev = g_ptr_array_index (chain, chain->len - 1);
      g_autoptr (GHashTable) shallow = g_hash_table_new (NULL, NULL);
      g_hash_table_add (shallow, prev);
      PsModule *next = ps_module_clone_tree_sharing (prev, NULL, shallow);
      g_autofree char *name = g_strdup_printf ("c%u", i);
      g_assert_true (ps_module_add_child (next, name, leaves->pdata[i % 64], &error));
      g_hash_table_add (stores, next->child_store);
      g_ptr_array_add (chain, next);
    }
  g_assert_cmpuint (g_hash_table_size (stores), <=, 12);   /* 4, 8, …, 4096 */
  for (guint i = 0; i < chain->len; i += 511)
    {
      PsModule *m = g_ptr_array_index (chain, i);
      g_assert_cmpuint (m->children->len, ==, i);
      g_autofree char *name = g_strdup_printf ("c%u", i);
      g_assert_null (ps_module_get_child (m, name));
      if (i > 0)
        {
          g_autofree char *last = g_strdup_printf ("c%u", i - 1);
          g_assert_true (ps_module_get_child (m, last) == leaves->pdata[(i - 1) % 64]);
        }
    }
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
  g_assert_cmpuint (a->children->len, ==, 1);
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
  g_test_add_func ("/module/children-storage-shared", test_children_storage_shared);
  g_test_add_func ("/module/clone", test_clone_preserves_sharing_and_shares_tensors);
  g_test_add_func ("/module/resolve", test_resolve_paths);
  g_test_add_func ("/module/module-list-no-forward", test_module_list_has_no_forward);
  g_test_add_func ("/module/repr", test_repr);
  g_test_add_func ("/module/unknown-type", test_unknown_type);
  return g_test_run ();
}
