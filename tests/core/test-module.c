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
  GHashTable *index = s->child_index;
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
  g_assert_true (s->child_index == index);
  check_children_agree (s);
  g_assert_true (ps_module_remove_child (s, "back", &error));
  g_assert_null (ps_module_get_child (s, "back"));
  g_assert_true (s->child_index == index);
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
  g_test_add_func ("/module/clone", test_clone_preserves_sharing_and_shares_tensors);
  g_test_add_func ("/module/resolve", test_resolve_paths);
  g_test_add_func ("/module/module-list-no-forward", test_module_list_has_no_forward);
  g_test_add_func ("/module/repr", test_repr);
  g_test_add_func ("/module/unknown-type", test_unknown_type);
  return g_test_run ();
}
