/* test-module-table.c — the persistent module table (ps-module-table.h): setting an entry makes a
 * new table and leaves every older one as it was, order is creation order, references are
 * released; and a recipe with thousands of module ops shares it between steps (each step's table
 * differs from the previous one by one id). Sizes stay below GLib's first quark block (2,048 quarks
 * per process): GLib never frees a quark array it outgrew, which LeakSanitizer would report. */
#include <string.h>
#include "ps-child-seq.h"
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
  g_assert_cmpuint (ps_module_n_children (seq), ==, N);
  g_assert_cmpint (seq->created_step, ==, N + 1);
  for (guint i = 0; i <= N + 1; i++)
    ps_state_unref (st[i]);
  g_free (st);
}

/* Attaching children one at a time (issue #10): 200 modules, then 20,000 attach ops to one
 * Sequential (each module at 100 places), every step kept. Every step's container lists its
 * children from a storage shared with the step before it (appended in place; copied only when
 * full), the children are the same PsModule in every step (never copied by a later attach), and each
 * attach copies one module (the container). Before, each attach copied the container's list and
 * every child in it: 2 × 10^8 module copies here (a run was stopped after 10 minutes at 19 GB).
 * Counted, not timed. */
static char *
attach_recipe (guint n_modules, guint n_attach)
{
  GString *s = g_string_new ("{\"format\":\"paramscope-recipe\",\"version\":1,\"seed\":0,\"root\":\"s\",\"ops\":["
                             "{\"op\":\"module\",\"id\":\"s\",\"type\":\"Sequential\"}");
  for (guint i = 0; i < n_modules; i++)
    g_string_append_printf (s, ",{\"op\":\"module\",\"id\":\"r%u\",\"type\":\"%s\"%s}", i, i % 50 ? "ReLU" : "Linear",
                            i % 50 ? "" : ",\"args\":{\"in_features\":1,\"out_features\":1}");
  for (guint i = 0; i < n_attach; i++)
    g_string_append_printf (s, ",{\"op\":\"attach\",\"parent\":\"s\",\"name\":\"%u\",\"child\":\"r%u\"}", i, i % n_modules);
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static void
test_attach_many (void)
{
  enum { M = 200, N = 20000 };
  g_autofree char *text = attach_recipe (M, N);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  const guint n_ops = r->ops->len, first = M + 1;   /* step of the first attach: M + 2 */
  g_assert_cmpuint (n_ops, ==, 1 + M + N);
  PsState **st = g_new0 (PsState *, n_ops + 1);
  const guint64 before = ps_child_seq_nodes_built ();
  st[0] = ps_state_new (r->seed, r->flavour, r->root);
  for (guint i = 0; i < n_ops; i++)
    {
      st[i + 1] = ps_op_apply (st[i], g_ptr_array_index (r->ops, i), i + 1, &error);
      g_assert_no_error (error);
    }
  const guint64 built = ps_child_seq_nodes_built () - before;
  g_autoptr (GHashTable) roots = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) children = g_hash_table_new (NULL, NULL);
  for (guint k = first; k <= n_ops; k++)
    {
      PsModule *root = ps_state_get_root (st[k]);
      g_assert_cmpuint (ps_module_n_children (root), ==, k - first);
      g_hash_table_add (roots, root);
      if (k % 97 == 0 && ps_module_n_children (root) > 0)
        g_hash_table_add (children, ps_module_child_at (root, ps_module_n_children (root) - 1));
    }
  /* one container per attach (and the first), never a copy of a child: every child seen is one of
   * the M modules, the same PsModule as under its id */
  g_assert_cmpuint (g_hash_table_size (roots), ==, N + 1);
  g_assert_cmpuint (g_hash_table_size (children), <=, M);
  PsState *last = st[n_ops];
  GHashTableIter it;
  gpointer c;
  g_hash_table_iter_init (&it, children);
  while (g_hash_table_iter_next (&it, &c, NULL))
    g_assert_true (ps_state_get_module (last, ((PsModule *) c)->id) == c);
  /* the lists: O(log n) tree nodes per attach, not a copy of the list per step */
  g_assert_cmpuint (built, <=, (guint64) N * 8 * 20);
  PsModule *root = ps_state_get_root (last);
  for (guint i = 0; i < N; i += 997)
    {
      g_autofree char *id = g_strdup_printf ("r%u", i % M);
      g_autofree char *name = g_strdup_printf ("%u", i);
      PsModule *m = ps_state_get_module (last, id);
      g_assert_true (ps_module_child_at (root, i) == m);
      g_assert_true (ps_module_get_child (root, name) == m);
      /* listed from its attach on, not in the step before (the same storage, a shorter list) */
      g_assert_true (ps_module_get_child (ps_state_get_root (st[first + i + 1]), name) == m);
      g_assert_null (ps_module_get_child (ps_state_get_root (st[first + i]), name));
    }
  g_autoptr (GPtrArray) sd = ps_module_state_dict (root);
  g_assert_cmpuint (sd->len, ==, 2 * (N / 50));   /* a Linear (weight, bias) at every 50th place */
  g_assert_cmpstr (((PsNamedItem *) g_ptr_array_index (sd, 2))->path, ==, "50.weight");
  for (guint i = 0; i <= n_ops; i++)
    ps_state_unref (st[i]);
  g_free (st);

  /* as `run` replays a recipe (budget 0: the last steps kept, the memory account comparing each
   * step with the one before through the shared lists): the same container */
  g_autofree char *small = attach_recipe (20, 2000);
  g_autoptr (PsRecipe) r2 = ps_recipe_load_from_data (small, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) lean = ps_timeline_new_from_recipe_with_budget (r2, -1, NULL, 0);
  g_autoptr (PsTimeline) all = ps_timeline_new_from_recipe (r2, -1, NULL);
  PsModule *lroot = ps_state_get_root (ps_timeline_get_last_state (lean));
  PsModule *aroot = ps_state_get_root (ps_timeline_get_last_state (all));
  g_assert_cmpuint (ps_module_n_children (lroot), ==, 2000);
  for (guint i = 0; i < 2000; i++)
    {
      g_assert_cmpstr (ps_module_child_name_at (lroot, i), ==, ps_module_child_name_at (aroot, i));
      g_assert_cmpstr (((PsModule *) ps_module_child_at (lroot, i))->id, ==,
                       ((PsModule *) ps_module_child_at (aroot, i))->id);
    }
}

/* A container `s` (one Linear) deep in a large one (`big`: N ReLUs, then s), below the root: N
 * renames in s clone s, big and the root at each step, but big's clone lists big's children with
 * only s replaced, and the modules on the way are found without looking at big's N leaves — a
 * step builds O(log N) tree nodes (it rebuilt big's list, O(N) nodes, and walked its N children).
 * Every step's model is right: its own names in s, its state_dict entry count, big's other
 * children the very same modules. Counted, not timed. */
static void
test_change_deep_in_large_container (void)
{
  enum { N = 1000 };   /* ids m0… as in /module-table/persistent: GLib never frees a quark array it outgrew */
  GString *t = g_string_new ("{\"format\":\"paramscope-recipe\",\"version\":2,\"seed\":0,\"root\":\"root\",\"ops\":[");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (t, "{\"op\":\"module\",\"id\":\"m%u\",\"type\":\"ReLU\"},", i);
  g_string_append (t, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":1,\"out_features\":1}},"
                   "{\"op\":\"module\",\"id\":\"s\",\"type\":\"Sequential\",\"children\":[\"fc\"]},"
                   "{\"op\":\"module\",\"id\":\"big\",\"type\":\"Sequential\",\"children\":[");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (t, "\"m%u\",", i);
  g_string_append (t, "\"s\"]},{\"op\":\"module\",\"id\":\"root\",\"type\":\"Sequential\",\"children\":[\"big\"]}");
  for (guint i = 0; i < N; i++)
    g_string_append_printf (t, ",{\"op\":\"rename\",\"parent\":\"s\",\"name\":\"%s%u\",\"new_name\":\"r%u\"}",
                            i ? "r" : "", i ? i - 1 : 0, i);
  g_string_append (t, "]}");
  g_autofree char *text = g_string_free (t, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  const guint first = N + 4;   /* ops before the renames */
  g_assert_cmpuint (r->ops->len, ==, first + N);
  g_autoptr (PsState) prev = ps_state_new (r->seed, r->flavour, r->root);
  guint64 before = 0;
  for (guint i = 0; i < r->ops->len; i++)
    {
      if (i == first)
        before = ps_child_seq_nodes_built ();
      PsState *next = ps_op_apply (prev, g_ptr_array_index (r->ops, i), i + 1, &error);
      g_assert_no_error (error);
      g_assert_true (ps_state_check_size_since (next, prev, &error));
      if (i >= first && (i - first) % 97 == 0)
        {
          const guint k = i - first;
          PsModule *big = ps_state_get_module (next, "big"), *old_big = ps_state_get_module (prev, "big");
          PsModule *s = ps_state_get_module (next, "s");
          g_autofree char *name = g_strdup_printf ("r%u", k);
          g_assert_true (ps_module_get_child (s, name) == ps_state_get_module (next, "fc"));
          g_assert_true (ps_module_child_at (big, N) == s);
          g_assert_true (ps_module_child_at (ps_state_get_root (next), 0) == big);
          g_assert_true (big != old_big);
          for (guint j = 0; j < N; j += 111)
            g_assert_true (ps_module_child_at (big, j) == ps_module_child_at (old_big, j));
          g_assert_cmpuint (ps_module_count_entries (ps_state_get_root (next), 1000), ==, 2);
          g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_state_get_root (next));
          g_autofree char *path = g_strdup_printf ("0.%u.r%u.weight", N, k);
          g_assert_cmpuint (sd->len, ==, 2);
          g_assert_cmpstr (((PsNamedItem *) g_ptr_array_index (sd, 0))->path, ==, path);
        }
      ps_state_unref (prev);
      prev = next;
    }
  const guint64 built = ps_child_seq_nodes_built () - before;
  g_test_message ("%" G_GUINT64_FORMAT " tree nodes for %u renames below a container of %u", built, N, N);
  g_assert_cmpuint (built, <=, (guint64) N * 8 * 12);   /* 8 × (log2 N + 2) per step */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module-table/persistent", test_persistent);
  g_test_add_func ("/module-table/recipe-steps", test_recipe_steps);
  g_test_add_func ("/module-table/attach-many", test_attach_many);
  g_test_add_func ("/module-table/change-deep-in-large-container", test_change_deep_in_large_container);
  return g_test_run ();
}
