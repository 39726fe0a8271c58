/* test-module-table.c — the persistent module table (ps-module-table.h): setting an entry makes a
 * new table and leaves every older one as it was, order is creation order, references are
 * released; and a recipe with thousands of module ops shares it between steps (each step's table
 * differs from the previous one by one id). Sizes stay below GLib's first quark block (2,048 quarks
 * per process): GLib never frees a quark array it outgrew, which LeakSanitizer would report. */
#include <string.h>
#include "ps-module-table.h"
#include "ps-op.h"
#include "ps-recipe.h"
#include "ps-timeline.h"

static PsModule *
identity (void)
{
  g_autoptr (PsArgs) args = ps_args_new ();
  PsModule *m = ps_module_new ("Identity", args, NULL, NULL);
  g_assert_nonnull (m);
  return m;
}

static guint
refs (PsModule *m)
{
  return g_atomic_int_get ((gint *) &m->ref_count);
}

/* id → the module on b's side (or a's when b lacks it) */
static void
collect_diff (const char *id, PsModule *in_a, PsModule *in_b, gpointer data)
{
  g_assert_true (in_a != in_b);
  g_assert_false (g_hash_table_contains (data, id));
  g_hash_table_insert (data, (gpointer) id, in_b != NULL ? in_b : in_a);
}

static void
test_persistent (void)
{
  enum { N = 1000 };
  PsModule *mods[N];
  PsModuleTable *versions[N + 1];
  versions[0] = ps_module_table_new ();
  for (guint i = 0; i < N; i++)
    {
      mods[i] = identity ();
      g_autofree char *id = g_strdup_printf ("m%u", i);
      versions[i + 1] = ps_module_table_set (versions[i], id, mods[i]);
    }
  /* every version holds exactly its own prefix, in order */
  for (guint v = 0; v <= N; v += 499)
    {
      g_assert_cmpuint (ps_module_table_size (versions[v]), ==, v);
      for (guint i = 0; i < N; i += 7)
        {
          g_autofree char *id = g_strdup_printf ("m%u", i);
          g_assert_true (ps_module_table_lookup (versions[v], id) == (i < v ? mods[i] : NULL));
          if (i < v)
            g_assert_cmpstr (ps_module_table_id_at (versions[v], i), ==, id);
        }
    }
  g_assert_null (ps_module_table_lookup (versions[N], "never-interned-id-xyz"));
  /* overwrite: keeps the place and the size; the old version still has the old module */
  PsModule *other = identity ();
  PsModuleTable *w = ps_module_table_set (versions[N], "m17", other);
  g_assert_cmpuint (ps_module_table_size (w), ==, N);
  g_assert_true (ps_module_table_lookup (w, "m17") == other);
  g_assert_true (ps_module_table_lookup (versions[N], "m17") == mods[17]);
  g_assert_cmpstr (ps_module_table_id_at (w, 17), ==, "m17");
  g_assert_cmpstr (ps_module_table_id_at (w, N - 1), ==, "m999");
  /* diff: what differs, both ways, and nothing when shared */
  {
    g_autoptr (GHashTable) got = g_hash_table_new (g_str_hash, g_str_equal);
    ps_module_table_diff (versions[100], versions[103], collect_diff, got);
    g_assert_cmpuint (g_hash_table_size (got), ==, 3);
    for (guint i = 100; i < 103; i++)
      {
        g_autofree char *id = g_strdup_printf ("m%u", i);
        g_assert_true (g_hash_table_lookup (got, id) == mods[i]);
      }
    g_hash_table_remove_all (got);
    ps_module_table_diff (versions[N], w, collect_diff, got);
    g_assert_cmpuint (g_hash_table_size (got), ==, 1);
    g_assert_true (g_hash_table_lookup (got, "m17") == other);
    g_hash_table_remove_all (got);
    ps_module_table_diff (w, w, collect_diff, got);
    ps_module_table_diff (versions[0], versions[0], collect_diff, got);
    g_assert_cmpuint (g_hash_table_size (got), ==, 0);
    ps_module_table_diff (versions[N], versions[0], collect_diff, got);   /* everything, missing in b */
    g_assert_cmpuint (g_hash_table_size (got), ==, N);
  }
  /* references: each module is held by the tables' shared leaves, all released at the end */
  g_assert_cmpuint (refs (other), ==, 2);
  ps_module_table_unref (w);
  g_assert_cmpuint (refs (other), ==, 1);
  ps_module_unref (other);
  for (guint v = 0; v <= N; v++)
    ps_module_table_unref (versions[v]);
  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpuint (refs (mods[i]), ==, 1);
      ps_module_unref (mods[i]);
    }
}

/* 500 module ops then a Sequential of them: every step shares the previous table, the modules
 * created earlier are the same PsModule in every later step, and stamps (created_step) stay those
 * of the op that created each. */
static void
test_recipe_steps (void)
{
  enum { N = 500 };
  g_autoptr (GString) s = g_string_new ("{\"format\":\"paramscope-recipe\",\"version\":1,\"seed\":0,\"root\":\"seq\",\"ops\":[");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (s, "{\"op\":\"module\",\"id\":\"l%u\",\"type\":\"Linear\",\"args\":{\"in_features\":2,"
                            "\"out_features\":2}},", i);
  g_string_append (s, "{\"op\":\"module\",\"id\":\"seq\",\"type\":\"Sequential\",\"children\":[");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (s, "%s\"l%u\"", i ? "," : "", i);
  g_string_append (s, "]}]}");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (s->str, -1, &error);
  g_assert_no_error (error);
  PsState **st = g_new0 (PsState *, N + 2);
  st[0] = ps_state_new (r->seed, r->flavour, r->root);
  for (guint i = 0; i < r->ops->len; i++)
    {
      st[i + 1] = ps_op_apply (st[i], g_ptr_array_index (r->ops, i), i + 1, &error);
      g_assert_no_error (error);
    }
  PsState *last = st[N + 1];
  g_assert_cmpuint (ps_state_n_modules (last), ==, N + 1);
  for (guint i = 0; i < N; i += 97)
    {
      g_autofree char *id = g_strdup_printf ("l%u", i);
      PsModule *m = ps_state_get_module (last, id);
      g_assert_true (m == ps_state_get_module (st[i + 1], id));   /* shared, not copied */
      g_assert_null (ps_state_get_module (st[i], id));           /* not yet there before its op */
      g_assert_cmpint (m->created_step, ==, (int) i + 1);
      g_assert_cmpint (ps_module_get_param (m, "weight")->created_step, ==, (int) i + 1);
      g_assert_cmpstr (ps_state_module_id (last, i), ==, id);
    }
  PsModule *seq = ps_state_get_root (last);
  g_assert_nonnull (seq);
  g_assert_cmpuint (seq->children->len, ==, N);
  g_assert_cmpint (seq->created_step, ==, N + 1);
  for (guint i = 0; i <= N + 1; i++)
    ps_state_unref (st[i]);
  g_free (st);
}

/* Attaching children one at a time (issue #10): 20,000 attach ops to one Sequential, each after
 * the op that makes its child. Every step's container lists its children from a storage shared
 * with the step before it (appends in place; a copy only when full), the children are the same
 * PsModule in every step (never copied by a later attach), and each attach copies one module (the
 * container). Before, each attach copied the container's list and every child: 2 × 10^8 module
 * copies here. Counted, not timed. */
static void
test_attach_many (void)
{
  enum { N = 20000 };
  g_autoptr (GString) s = g_string_new ("{\"format\":\"paramscope-recipe\",\"version\":1,\"seed\":0,\"root\":\"s\",\"ops\":["
                                        "{\"op\":\"module\",\"id\":\"s\",\"type\":\"Sequential\"}");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (s, ",{\"op\":\"module\",\"id\":\"r%u\",\"type\":\"%s\"%s}"
                            ",{\"op\":\"attach\",\"parent\":\"s\",\"name\":\"%u\",\"child\":\"r%u\"}",
                            i, i % 1000 ? "ReLU" : "Linear", i % 1000 ? "" : ",\"args\":{\"in_features\":1,\"out_features\":1}",
                            i, i);
  g_string_append (s, "]}");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (s->str, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);   /* keeps every step */
  g_assert_nonnull (tl);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 2 * N + 1);
  g_autoptr (GHashTable) stores = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) modules = g_hash_table_new (NULL, NULL);
  PsModule *prev_root = NULL;
  for (guint step = 1; step < 2 * N + 2; step++)
    {
      PsState *st = ps_timeline_get_state (tl, step);
      PsModule *root = ps_state_get_root (st);
      g_assert_cmpuint (root->children->len, ==, (step - 1) / 2);
      if (root->child_store != NULL)
        g_hash_table_add (stores, root->child_store);
      g_hash_table_add (modules, root);
      if (step % 2 == 0 && prev_root != NULL)
        g_assert_true (root == prev_root);   /* a module op leaves the container alone */
      prev_root = root;
    }
  /* one container per attach (and the first), never a copy of a child */
  g_assert_cmpuint (g_hash_table_size (modules), ==, N + 1);
  PsState *last = ps_timeline_get_last_state (tl);
  PsModule *root = ps_state_get_root (last);
  for (guint i = 0; i < N; i += 997)
    {
      g_autofree char *id = g_strdup_printf ("r%u", i);
      g_autofree char *name = g_strdup_printf ("%u", i);
      PsModule *c = ps_state_get_module (last, id);
      g_assert_true (g_ptr_array_index (root->children, i) == c);
      g_assert_true (ps_module_get_child (root, name) == c);
      /* the same module in the step that made it, and in every step's container after */
      g_assert_true (ps_state_get_module (ps_timeline_get_state (tl, 2 * i + 2), id) == c);
      g_assert_true (g_ptr_array_index (ps_state_get_root (ps_timeline_get_state (tl, 2 * i + 3))->children, i) == c);
      /* an earlier step's container does not list it */
      g_assert_null (ps_module_get_child (ps_state_get_root (ps_timeline_get_state (tl, 2 * i + 2)), name));
    }
  /* the lists: copied only when full (4, 8, …, 32768 slots: 14 storages), not once per step */
  g_assert_cmpuint (g_hash_table_size (stores), <=, 15);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
  g_assert_cmpuint (sd->len, ==, 2 * (N / 1000));
  g_assert_cmpstr (((PsNamedItem *) g_ptr_array_index (sd, 2))->path, ==, "1000.weight");

  /* the same recipe as `run` replays it (budget 0: only the last steps kept, the memory account
   * compares each step with the one before): the same final container */
  g_autoptr (PsTimeline) lean = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
  g_assert_nonnull (lean);
  PsModule *lroot = ps_state_get_root (ps_timeline_get_last_state (lean));
  g_assert_cmpuint (lroot->children->len, ==, N);
  for (guint i = 0; i < N; i += 1999)
    {
      g_autofree char *name = g_strdup_printf ("%u", i);
      g_assert_true (ps_module_get_child (lroot, name) == g_ptr_array_index (lroot->children, i));
      g_assert_cmpstr (g_ptr_array_index (lroot->child_names, i), ==, name);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module-table/persistent", test_persistent);
  g_test_add_func ("/module-table/recipe-steps", test_recipe_steps);
  g_test_add_func ("/module-table/attach-many", test_attach_many);
  return g_test_run ();
}
