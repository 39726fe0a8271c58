/* The timeline's memory budget (issue #10): beyond it, old snapshots are dropped and rebuilt on
 * demand by replay from the nearest kept one — every step reads back bit for bit the same as in a
 * timeline that keeps everything, in any order, across undo/redo and a replay with a new seed. */
#include "ps-timeline.h"
#include "timeline-test-util.h"
#include "ps-document.h"
#include "ps-figure.h"
#include "ps-memory.h"

#include <string.h>

static PsRecipe *
recipe_from (const char *text)
{
  g_autoptr (GError) error = NULL;
  PsRecipe *r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  return r;
}

/* Every parameter, buffer, output and the generator of two states are bitwise equal. */
static void
assert_states_equal (PsState *a, PsState *b, guint step)
{
  g_assert_cmpuint (a->step, ==, b->step);
  if (!ps_generator_equal (&a->gen, &b->gen))
    g_error ("step %u: generators differ", step);
  g_autoptr (GPtrArray) la = ps_state_list_params (a);
  g_autoptr (GPtrArray) lb = ps_state_list_params (b);
  g_assert_cmpuint (la->len, ==, lb->len);
  for (guint i = 0; i < la->len; i++)
    {
      PsNamedItem *x = g_ptr_array_index (la, i), *y = g_ptr_array_index (lb, i);
      g_assert_cmpstr (x->path, ==, y->path);
      if ((x->param->value == NULL) != (y->param->value == NULL))
        g_error ("step %u: %s exists in one only", step, x->path);
      if (x->param->value != NULL && !ps_tensor_equal (x->param->value, y->param->value))
        g_error ("step %u: %s differs after a rebuild", step, x->path);
      g_assert_cmpint (x->param->written_step, ==, y->param->written_step);
    }
  g_assert_cmpuint (a->output_names->len, ==, b->output_names->len);
  for (guint i = 0; i < a->output_names->len; i++)
    {
      const char *n = g_ptr_array_index (a->output_names, i);
      g_assert_true (ps_tensor_equal (ps_state_get_output (a, n), ps_state_get_output (b, n)));
    }
}

static guint
n_kept (PsTimeline *tl)
{
  guint n = 0;
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    n += ps_timeline_is_kept (tl, k);
  return n;
}

/* A Linear re-initialized many times, forwards and a dropout (draws) in between. */
static PsRecipe *
reinit_recipe (guint n_inits)
{
  GString *s = g_string_new ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, \"root\": \"s\", \"ops\": ["
                             "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 64, \"out_features\": 32}},"
                             "{\"op\": \"module\", \"id\": \"d\", \"type\": \"Dropout\", \"args\": {\"p\": 0.3}},"
                             "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"l\", \"d\"]}");
  static const char *const fns[] = { "kaiming_uniform_", "normal_", "xavier_normal_", "orthogonal_", "trunc_normal_" };
  for (guint i = 0; i < n_inits; i++)
    {
      g_string_append_printf (s, ", {\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"%s\"}", fns[i % G_N_ELEMENTS (fns)]);
      if (i % 4 == 1)
        g_string_append_printf (s, ", {\"op\": \"forward\", \"target\": \"s\", \"input\": {\"randn\": [2, 64]}, \"name\": \"y%u\"}", i);
    }
  g_string_append (s, "]}");
  g_autofree char *text = g_string_free (s, FALSE);
  return recipe_from (text);
}

static void
test_budget_rebuilds_bit_identical (void)
{
  g_autoptr (PsRecipe) r = reinit_recipe (30);
  g_autoptr (PsTimeline) full = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (full));
  guint n = ps_timeline_get_n_steps (full);
  guint64 one = 64 * 32 * 4;   /* one weight */
  const guint64 budgets[] = { 0, one, 5 * one, 1000 * one };
  for (guint b = 0; b < G_N_ELEMENTS (budgets); b++)
    {
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, budgets[b]);
      g_assert_null (ps_timeline_get_error (tl));
      g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, n);
      if (budgets[b] == 0)
        g_assert_cmpuint (n_kept (tl), ==, 2);   /* step 0 and the last */
      else if (budgets[b] == 1000 * one)
        g_assert_cmpuint (n_kept (tl), ==, n + 1);
      /* the kept snapshots' tensors stay near the budget (one snapshot over it at most) */
      if (budgets[b] > 0 && budgets[b] < 1000 * one)
        g_assert_cmpuint (ps_timeline_storage_bytes (tl), <=, budgets[b] + 4 * one);
      /* forwards, backwards, and jumps */
      for (guint k = 0; k <= n; k++)
        assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
      for (guint k = n + 1; k-- > 0;)
        assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
      for (guint k = 0; k <= n; k += 7)
        {
          guint j = (k * 13) % (n + 1);
          PsState *a = ps_timeline_get_state (tl, k), *c = ps_timeline_get_state (tl, j);
          assert_states_equal (ps_timeline_get_state (full, k), a, k);   /* both still valid */
          assert_states_equal (ps_timeline_get_state (full, j), c, j);
        }
      /* compare (two rebuilt states at once) agrees */
      g_autoptr (GPtrArray) c1 = ps_timeline_compare (full, 3, n - 2);
      g_autoptr (GPtrArray) c2 = ps_timeline_compare (tl, 3, n - 2);
      g_assert_cmpuint (c1->len, ==, c2->len);
    }
}

static void
test_budget_undo_redo_replay (void)
{
  g_autoptr (PsRecipe) r = reinit_recipe (12);
  g_autoptr (PsTimeline) full = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
  guint n = ps_timeline_get_n_steps (tl);
  /* undo 5: the new last state (dropped before) is rebuilt and kept */
  for (int i = 0; i < 5; i++)
    {
      g_assert_true (ps_timeline_undo (tl));
      g_assert_true (ps_timeline_undo (full));
      guint last = ps_timeline_get_n_steps (tl);
      g_assert_true (ps_timeline_is_kept (tl, last));
      assert_states_equal (ps_timeline_get_last_state (full), ps_timeline_get_last_state (tl), last);
    }
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_timeline_redo (tl, &error));
      g_assert_true (ps_timeline_redo (full, &error));
    }
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, n - 2);
  /* a new seed rebuilds under the same budget */
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_timeline_replay_with_seed (tl, 77, &error));
  g_assert_true (ps_timeline_replay_with_seed (full, 77, &error));
  g_assert_cmpuint (n_kept (tl), ==, 2);
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
  /* the step shown stays kept while it is shown, and is dropped again after */
  guint last = ps_timeline_get_n_steps (tl);
  g_assert_false (ps_timeline_is_kept (tl, 4));
  g_assert_true (ps_timeline_go_to_step (tl, 4, NULL));
  g_assert_true (ps_timeline_is_kept (tl, 4));
  PsState *shown = ps_timeline_get_state (tl, 4);
  for (guint k = 1; k < last; k++)
    ps_timeline_get_state (tl, k);   /* rebuild many others */
  assert_states_equal (ps_timeline_get_state (full, 4), shown, 4);   /* still valid */
  g_assert_true (ps_timeline_go_to_step (tl, last, NULL));
  g_assert_false (ps_timeline_is_kept (tl, 4));
  g_assert_cmpuint (n_kept (tl), ==, 2);
  /* lowering the budget of a full timeline drops its snapshots; values unchanged */
  ps_timeline_set_memory_budget (full, 0);
  g_assert_cmpuint (n_kept (full), ==, 2);
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
}

/* Every example recipe (loads too) replays the same under a zero budget. */
static void
test_budget_examples (void)
{
  static const char *const names[] = { "demo.json", "lazy.json", "article-1-construction.json",
                                       "article-2-custom-init.json", "init-schemes.json" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (PsRecipe) r = load_example (names[i]);
      g_autoptr (PsTimeline) full = ps_timeline_new_from_recipe (r, -1, NULL);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
      for (guint k = ps_timeline_get_n_steps (tl) + 1; k-- > 0;)
        assert_states_equal (ps_timeline_get_state (full, k), ps_timeline_get_state (tl, k), k);
    }
}

/* A 256×256 Linear (256 KiB) re-initialized 20 times by schemes that write every element, an
 * init_modules loop, one op that fails (uniform_ with a > b) and a reset_parameters. */
static const char big_reinit_recipe[] =
  "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 5, \"root\": \"l\", \"ops\": ["
  "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 256, \"out_features\": 256, \"bias\": false}}"
  "%s]}";

static char *
reinit_text (guint n, const char *last)
{
  static const char *const fns[] = { "normal_", "uniform_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_" };
  GString *ops = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (ops, ", {\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"%s\"}", fns[i % 5]);
  g_string_append_printf (ops, ", {\"op\": \"init_modules\", \"target\": \"l\", \"match\": \"Linear\", "
                               "\"weight\": {\"fn\": \"constant_\", \"args\": {\"val\": 0.5}}}%s", last);
  g_autofree char *body = g_string_free (ops, FALSE);
  return g_strdup_printf (big_reinit_recipe, body);
}

/* A command keeping only the last state (budget 0) re-initializes a layer in place: under an
 * allocator budget of 1.5× the layer 20 re-inits succeed (each would need a second copy
 * otherwise), the result is bit-identical to a timeline that keeps every state, and every dropped
 * step rebuilds bit-identically; an op that fails leaves the last state's values untouched. */
static void
test_budget_reinit_in_place (void)
{
  const guint64 layer = 256 * 256 * 4;
  g_autofree char *text = reinit_text (20, ", {\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"uniform_\", "
                                           "\"args\": {\"a\": 2, \"b\": 1}}");
  g_autoptr (PsRecipe) r = recipe_from (text);
  g_autoptr (PsTimeline) all = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_nonnull (ps_timeline_get_error (all));   /* op 23 fails: uniform_ a > b */
  g_assert_cmpuint (ps_timeline_get_n_steps (all), ==, 22);
  /* the allocator's budget counts every live tensor: what `all` holds plus 1.5 layers */
  ps_tensor_set_budget (ps_tensor_get_bytes_in_use () + layer + layer / 2);
  g_autoptr (PsTimeline) last = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
  ps_tensor_set_budget (0);
  const GError *e = ps_timeline_get_error (last);
  g_assert_nonnull (e);
  if (strstr (e->message, "op 23 (init)") == NULL)
    g_error ("%s", e->message);
  g_assert_null (strstr (e->message, "memory budget"));
  g_assert_cmpuint (ps_timeline_get_n_steps (last), ==, 22);
  assert_states_equal (ps_timeline_get_last_state (all), ps_timeline_get_last_state (last), 22);
  /* a keep-everything timeline under the same allocator budget cannot do it */
  ps_tensor_set_budget (ps_tensor_get_bytes_in_use () + layer + layer / 2);
  g_autoptr (PsTimeline) all2 = ps_timeline_new_from_recipe (r, -1, NULL);
  ps_tensor_set_budget (0);
  g_assert_nonnull (strstr (ps_timeline_get_error (all2)->message, "memory budget"));
  /* the failed op changed nothing; appending it again fails the same way and still changes nothing */
  g_autoptr (PsState) before = ps_state_ref (ps_timeline_get_last_state (last));
  JsonObject *bad = json_object_new ();
  json_object_set_string_member (bad, "op", "init");
  json_object_set_string_member (bad, "target", "l.weight");
  json_object_set_string_member (bad, "fn", "kaiming_uniform_");
  JsonObject *args = json_object_new ();
  json_object_set_string_member (args, "nonlinearity", "no_such");
  json_object_set_object_member (bad, "args", args);
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_timeline_append_op (last, bad, &error));
  json_object_unref (bad);
  g_assert_nonnull (error);
  g_assert_true (ps_timeline_get_last_state (last) == before);
  assert_states_equal (ps_timeline_get_last_state (all), before, 22);
  /* every dropped step, rebuilt (in order and backwards), equals the kept one */
  for (guint k = 0; k <= 22; k++)
    assert_states_equal (ps_timeline_get_state (all, k), ps_timeline_get_state (last, k), k);
  for (guint k = 22; k-- > 0;)
    assert_states_equal (ps_timeline_get_state (all, k), ps_timeline_get_state (last, k), k);
}

/* A walk over the steps that releases what it got before each step (ps_timeline_release_rebuilt)
 * holds one rebuilt state at a time: with the allocator allowing 1.5 layers beyond what is live
 * (one rebuilt state and a little) every step of a 20-step re-init recipe reads back
 * bit-identical to a timeline that keeps everything — twice, as a figure walks. */
static void
test_budget_walk_one_at_a_time (void)
{
  const guint64 layer = 256 * 256 * 4;
  g_autofree char *text = reinit_text (20, "");
  g_autoptr (PsRecipe) r = recipe_from (text);
  g_autoptr (PsTimeline) all = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autoptr (PsTimeline) last = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, 0);
  g_assert_null (ps_timeline_get_error (last));
  guint n = ps_timeline_get_n_steps (last);
  g_assert_cmpuint (n, ==, 22);
  /* what `all` holds and `last` keeps (its last state: one layer) plus 1.5 layers */
  ps_tensor_set_budget (ps_tensor_get_bytes_in_use () + layer + layer / 2);
  for (int pass = 0; pass < 2; pass++)
    for (guint k = 0; k <= n; k++)
      {
        ps_timeline_release_rebuilt (last);
        assert_states_equal (ps_timeline_get_state (all, k), ps_timeline_get_state (last, k), k);
      }
  ps_tensor_set_budget (0);
}


/* Sets the process memory budget to what is in use now plus `headroom` bytes. */
static void
tight_budget (guint64 headroom)
{
  ps_memory_reclaim ();
  ps_memory_set_budget (ps_memory_in_use (PS_MEMORY_N_KINDS) + headroom);
}

static void
assert_rebuild_error (const GError *error, guint step)
{
  g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
  g_autofree char *want = g_strdup_printf ("step %u is not kept in memory, and rebuilding it by replay failed", step);
  if (strstr (error->message, want) == NULL || strstr (error->message, "memory budget") == NULL)
    g_error ("unexpected message: %s", error->message);
}

/* A dropped step that cannot be rebuilt (the process memory budget leaves less than one layer) is
 * an error at every entry point — get_state, go_to_step, compare, undo, the document, figures —
 * and changes nothing: the cursor, the steps, the pending ops and the kept states stay; with the
 * budget lifted the same calls succeed, bit-identical. (This aborted the process before.) */
static void
test_budget_rebuild_fails (void)
{
  const guint64 layer = 256 * 256 * 4;
  g_autofree char *text = reinit_text (20, "");
  g_autoptr (PsRecipe) r = recipe_from (text);
  g_autoptr (PsTimeline) all = ps_timeline_new_from_recipe (r, -1, NULL);
  const guint64 budgets[] = { 0, 2 * layer };   /* a command's, a view's */
  for (guint b = 0; b < G_N_ELEMENTS (budgets); b++)
    {
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe_with_budget (r, -1, NULL, budgets[b]);
      g_assert_null (ps_timeline_get_error (tl));
      guint n = ps_timeline_get_n_steps (tl);
      g_assert_false (ps_timeline_is_kept (tl, 5));
      PsState *last = ps_timeline_get_last_state (tl);
      guint kept = n_kept (tl);
      tight_budget (layer / 2);
      g_autoptr (GError) error = NULL;
      g_assert_null (ps_timeline_get_state_full (tl, 5, &error));
      assert_rebuild_error (error, 5);
      g_clear_error (&error);
      g_assert_false (ps_timeline_go_to_step (tl, 5, &error));
      assert_rebuild_error (error, 5);
      g_clear_error (&error);
      g_assert_cmpuint (ps_timeline_get_current (tl), ==, n);
      g_assert_null (ps_timeline_compare_full (tl, 5, n, &error));
      assert_rebuild_error (error, 5);
      g_clear_error (&error);
      g_assert_false (ps_timeline_undo_steps (tl, 3, &error));
      assert_rebuild_error (error, n - 3);
      g_clear_error (&error);
      /* a figure over the steps says why instead of aborting */
      PsFigureOptions o;
      ps_figure_options_init (&o);
      o.kind = PS_FIGURE_RIDGELINE;
      o.step = n;
      g_assert_null (ps_figure_new (tl, "l.weight", &o, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
      g_clear_error (&error);
      o.kind = PS_FIGURE_HEATMAP;
      o.step = 7;
      g_assert_null (ps_figure_new (tl, "l.weight", &o, &error));
      assert_rebuild_error (error, 7);
      g_clear_error (&error);
      /* the calls without an error say it by NULL or FALSE instead of aborting, and the steps
       * where a tensor changed are not known (not "unchanged") when a step cannot be rebuilt */
      g_assert_null (ps_timeline_get_state (tl, 5));
      g_assert_null (ps_timeline_compare (tl, 5, n));
      guint steps[PS_FIGURE_MAX_MULTIPLES];
      g_assert_cmpuint (ps_figure_steps_of_change (tl, "l.weight", steps, PS_FIGURE_MAX_MULTIPLES, &error), ==, 0);
      g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
      g_assert_nonnull (strstr (error->message, "step "));
      g_clear_error (&error);
      if (budgets[b] == 0)
        g_assert_false (ps_timeline_undo (tl));   /* the step before the last is dropped too */
      /* nothing changed: steps, cursor, pending ops, the last state, what is kept */
      g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, n);
      g_assert_cmpuint (ps_timeline_get_current (tl), ==, n);
      g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, 0);
      g_assert_true (ps_timeline_get_last_state (tl) == last);
      g_assert_cmpuint (n_kept (tl), ==, kept);
      /* kept steps need no memory */
      g_assert_nonnull (ps_timeline_get_state_full (tl, 0, &error));
      g_assert_nonnull (ps_timeline_get_state_full (tl, n, &error));
      g_assert_no_error (error);
      ps_memory_set_budget (0);
      /* with memory the same calls work, bit-identical */
      assert_states_equal (ps_timeline_get_state (all, 5), ps_timeline_get_state_full (tl, 5, &error), 5);
      g_assert_no_error (error);
      g_assert_true (ps_timeline_go_to_step (tl, 5, &error));
      g_assert_cmpuint (ps_timeline_get_current (tl), ==, 5);
      g_assert_true (ps_timeline_go_to_step (tl, n, &error));
      g_autoptr (GPtrArray) c = ps_timeline_compare_full (tl, 5, n, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (c->len, ==, 1);   /* l.weight */
      g_assert_true (ps_timeline_undo_steps (tl, 3, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, n - 3);
      g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, 3);
      assert_states_equal (ps_timeline_get_state (all, n - 3), ps_timeline_get_last_state (tl), n - 3);
      for (guint i = 0; i < 3; i++)
        {
          g_assert_true (ps_timeline_get_pending_op (tl, 0) == g_ptr_array_index (ps_timeline_get_recipe (all)->ops, n - 3 + i));
          g_assert_true (ps_timeline_redo (tl, &error));
        }
      g_assert_no_error (error);
      assert_states_equal (ps_timeline_get_last_state (all), ps_timeline_get_last_state (tl), n);
    }
}

/* The document reports a step it cannot rebuild (the app shows the message) and stays where it
 * was; an Undo of several steps at once (one user action) needs only the step before them. */
static void
test_budget_document_rebuild_fails (void)
{
  const guint64 layer = 256 * 256 * 4;
  g_autofree char *text = reinit_text (20, "");
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_load_data (doc, text, strlen (text), NULL, "t", NULL, &error));
  PsTimeline *tl = ps_document_get_timeline (doc);
  ps_timeline_set_memory_budget (tl, 2 * layer);
  JsonObject *ops[3];
  for (guint i = 0; i < 3; i++)
    {
      ops[i] = json_object_new ();
      json_object_set_string_member (ops[i], "op", "init");
      json_object_set_string_member (ops[i], "target", "l.weight");
      json_object_set_string_member (ops[i], "fn", "normal_");
    }
  g_assert_true (ps_document_apply_ops (doc, ops, 3, &error));
  for (guint i = 0; i < 3; i++)
    json_object_unref (ops[i]);
  guint n = ps_document_get_n_steps (doc);
  g_assert_cmpuint (n, ==, 25);
  g_assert_false (ps_timeline_is_kept (tl, n - 3));
  g_autoptr (PsState) before_undo = ps_state_ref (ps_timeline_get_state (tl, n - 3));   /* a rebuild, kept here */
  for (guint k = 1; k <= 3; k++)
    ps_timeline_get_state (tl, k);   /* the timeline's cache of rebuilt states forgets n − 3 */
  tight_budget (layer / 2);
  g_assert_false (ps_document_go_to_step (doc, 4, &error));
  assert_rebuild_error (error, 4);
  g_clear_error (&error);
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, n);
  ps_document_set_current_step (doc, 4);   /* the same, without the reason */
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, n);
  g_assert_false (ps_document_undo_full (doc, &error));
  assert_rebuild_error (error, n - 3);
  g_clear_error (&error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n);
  g_assert_true (ps_document_can_undo (doc));
  ps_memory_set_budget (0);
  g_assert_true (ps_document_undo_full (doc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, n - 3);   /* the three steps of the group */
  assert_states_equal (before_undo, ps_document_get_current_state (doc), n - 3);
  g_assert_true (ps_document_go_to_step (doc, 4, &error));
  g_assert_cmpuint (ps_document_get_current_step (doc), ==, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/timeline-budget/rebuilds-bit-identical", test_budget_rebuilds_bit_identical);
  g_test_add_func ("/timeline-budget/undo-redo-replay", test_budget_undo_redo_replay);
  g_test_add_func ("/timeline-budget/examples", test_budget_examples);
  g_test_add_func ("/timeline-budget/reinit-in-place", test_budget_reinit_in_place);
  g_test_add_func ("/timeline-budget/walk-one-at-a-time", test_budget_walk_one_at_a_time);
  g_test_add_func ("/timeline-budget/rebuild-fails", test_budget_rebuild_fails);
  g_test_add_func ("/timeline-budget/document-rebuild-fails", test_budget_document_rebuild_fails);
  return g_test_run ();
}
