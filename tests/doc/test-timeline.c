/* The timeline: undo/redo, go to step, replay with the same seed (bit-identical) and with a new
 * seed, created/written steps, comparing steps, and copy-on-write storage accounting. */
#include "ps-timeline.h"
#include "timeline-test-util.h"

#include <string.h>

static JsonObject *
parse_op (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static PsParam *
param (PsState *s, const char *target)
{
  PsParam *p = NULL;
  g_assert_true (ps_state_resolve (s, target, NULL, &p, NULL));
  g_assert_nonnull (p);
  return p;
}

/* Deep copies of every parameter value at every step, for bit comparisons after a rebuild. */
static GPtrArray *
capture (PsTimeline *tl)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint k = 0; k <= ps_timeline_get_n_steps (tl); k++)
    g_ptr_array_add (all, state_values (ps_timeline_get_state (tl, k)));
  return all;
}

static gboolean
same_as_captured (PsTimeline *tl, GPtrArray *captured)
{
  g_autoptr (GPtrArray) now = capture (tl);
  if (now->len != captured->len)
    return FALSE;
  for (guint k = 0; k < now->len; k++)
    {
      GPtrArray *a = g_ptr_array_index (now, k), *b = g_ptr_array_index (captured, k);
      if (a->len != b->len)
        return FALSE;
      for (guint i = 0; i < a->len; i++)
        {
          PsTensor *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);
          if ((x == NULL) != (y == NULL) || (x && !ps_tensor_equal (x, y)))
            return FALSE;
        }
    }
  return TRUE;
}

static void
test_steps_and_stamps (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-2-custom-init.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);
  g_assert_cmpuint (ps_timeline_get_current (tl), ==, 5);
  g_assert_cmpuint (ps_state_n_modules (ps_timeline_get_state (tl, 0)), ==, 0);
  g_assert_cmpuint (ps_state_n_modules (ps_timeline_get_state (tl, 1)), ==, 1);
  PsState *last = ps_timeline_get_last_state (tl);
  PsParam *w = param (last, "model.linear1.weight");
  g_assert_cmpint (w->created_step, ==, 1);
  g_assert_cmpint (w->written_step, ==, 4);
  g_assert_cmpstr (w->init.fn, ==, "xavier_uniform_");
  PsParam *w3 = param (ps_timeline_get_state (tl, 3), "model.linear1.weight");
  g_assert_cmpint (w3->written_step, ==, 1);
  g_assert_cmpstr (w3->init.fn, ==, "kaiming_uniform_");
  g_assert_true (g_str_has_prefix (ps_timeline_get_description (tl, 4), "init loop over model.modules()"));
  g_assert_true (g_str_has_prefix (ps_timeline_get_note (tl, 4), "for m in self.modules()"));
  g_assert_null (ps_timeline_get_note (tl, 0));

  /* go to a step: the cursor moves, nothing else changes */
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_timeline_go_to_step (tl, 2, &error));
  g_assert_cmpuint (ps_timeline_get_current (tl), ==, 2);
  g_assert_false (ps_timeline_go_to_step (tl, 6, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (ps_timeline_get_current (tl), ==, 2);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);

  /* --until */
  g_autoptr (PsTimeline) t3 = ps_timeline_new_from_recipe (r, 3, NULL);
  g_assert_cmpuint (ps_timeline_get_n_steps (t3), ==, 3);
  g_assert_cmpuint (ps_timeline_get_n_pending (t3), ==, 2);
  g_assert_null (ps_timeline_get_error (t3));
  g_assert_true (ps_tensor_equal (param (ps_timeline_get_last_state (t3), "model.linear2.weight")->value,
                                  param (ps_timeline_get_state (tl, 3), "model.linear2.weight")->value));
}

static void
test_undo_redo (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-2-custom-init.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autoptr (PsTensor) y = ps_tensor_copy (ps_state_get_output (ps_timeline_get_last_state (tl), "y"), NULL);
  PsState *s3 = ps_state_ref (ps_timeline_get_state (tl, 3));

  g_assert_true (ps_timeline_undo (tl));
  g_assert_true (ps_timeline_undo (tl));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 3);
  g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, 2);
  g_assert_cmpuint (ps_timeline_get_current (tl), ==, 3);
  g_assert_true (ps_timeline_get_last_state (tl) == s3);   /* undo keeps earlier snapshots as they were */
  g_assert_cmpstr (ps_op_get_kind (ps_timeline_get_pending_op (tl, 0)), ==, "init_modules");

  /* saving keeps the undone ops */
  g_autoptr (PsRecipe) saved = ps_timeline_to_recipe (tl);
  g_assert_cmpuint (saved->ops->len, ==, 5);

  g_autoptr (GError) error = NULL;
  g_assert_true (ps_timeline_redo (tl, &error));
  g_assert_true (ps_timeline_redo (tl, &error));
  g_assert_false (ps_timeline_redo (tl, &error));
  g_clear_error (&error);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);
  g_assert_true (ps_tensor_equal (ps_state_get_output (ps_timeline_get_last_state (tl), "y"), y));

  /* a new op after undo drops the redo list */
  g_assert_true (ps_timeline_undo (tl));
  g_autoptr (JsonObject) op = parse_op ("{\"op\": \"mode\", \"target\": \"model\", \"train\": false}");
  g_assert_true (ps_timeline_append_op (tl, op, &error));
  g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, 0);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);
  g_assert_cmpstr (ps_timeline_get_description (tl, 5), ==, "model.train(False): evaluation mode");

  /* a failing append changes nothing */
  PsState *before = ps_timeline_get_last_state (tl);
  g_autoptr (JsonObject) bad = parse_op ("{\"op\": \"init\", \"target\": \"model.linear3.weight\", \"fn\": \"zeros_\"}");
  g_assert_false (ps_timeline_append_op (tl, bad, &error));
  g_assert_true (g_str_has_prefix (error->message, "op 6 (init): field 'target': 'model.linear3.weight' not found"));
  g_assert_true (ps_timeline_get_last_state (tl) == before);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 5);
  g_assert_cmpuint (ps_timeline_get_state (tl, 5)->step, ==, 5);
  ps_state_unref (s3);
}

static void
test_failing_recipe (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-3-shared.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 2);
  g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, 1);
  const GError *e = ps_timeline_get_error (tl);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->message, ==, "op 3 (forward): mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)");
  g_assert_cmpstr (ps_timeline_get_error_description (tl), ==,
                   "forward through s failed: mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)");
  /* the generator is as before the failing op: the randn(1, 10) input draw was rolled back */
  PsState *s2 = ps_timeline_get_last_state (tl);
  PsGenerator g;
  ps_generator_init (&g, 0, PS_FLAVOUR_AVX2);
  for (int i = 0; i < 55; i++)
    ps_generator_random (&g);
  g_assert_true (ps_generator_equal (&g, &s2->gen));
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_timeline_redo (tl, &error));
  g_assert_nonnull (strstr (error->message, "mat1 and mat2"));
  g_assert_true (ps_timeline_get_last_state (tl) == s2);
}

static void
test_replay_same_and_new_seed (void)
{
  g_autoptr (PsRecipe) r = load_example ("demo.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  g_autoptr (GPtrArray) before = capture (tl);
  PsState *old_last = ps_state_ref (ps_timeline_get_last_state (tl));
  PsGenerator old_gen = old_last->gen;

  g_autoptr (GError) error = NULL;
  g_assert_true (ps_timeline_replay (tl, &error));
  g_assert_true (ps_timeline_get_last_state (tl) != old_last);    /* rebuilt … */
  g_assert_true (same_as_captured (tl, before));                  /* … bit-identical */
  g_assert_true (ps_generator_equal (&old_gen, &ps_timeline_get_last_state (tl)->gen));

  g_assert_true (ps_timeline_replay_with_seed (tl, 1, &error));
  g_assert_cmpint (ps_timeline_get_recipe (tl)->seed, ==, 1);
  g_assert_false (same_as_captured (tl, before));
  g_assert_false (ps_tensor_equal (param (old_last, "mlp.0.weight")->value,
                                   param (ps_timeline_get_last_state (tl), "mlp.0.weight")->value));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, r->ops->len);

  g_assert_true (ps_timeline_replay_with_seed (tl, r->seed, &error));
  g_assert_true (same_as_captured (tl, before));
  ps_state_unref (old_last);
}

static void
test_compare (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-2-custom-init.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autoptr (GPtrArray) c34 = ps_timeline_compare (tl, 3, 4);
  g_assert_cmpuint (c34->len, ==, 4);
  PsParamChange *c = g_ptr_array_index (c34, 0);
  g_assert_cmpstr (c->path, ==, "model.linear1.weight");
  g_assert_cmpint (c->kind, ==, PS_CHANGE_CHANGED);
  g_autoptr (GPtrArray) c45 = ps_timeline_compare (tl, 4, 5);
  g_assert_cmpuint (c45->len, ==, 0);   /* a forward through Linear layers writes no parameter */
  g_autoptr (GPtrArray) c01 = ps_timeline_compare (tl, 0, 1);
  g_assert_cmpuint (c01->len, ==, 2);
  g_assert_cmpint (((PsParamChange *) g_ptr_array_index (c01, 0))->kind, ==, PS_CHANGE_ADDED);
  g_autoptr (GPtrArray) c10 = ps_timeline_compare (tl, 1, 0);
  g_assert_cmpuint (c10->len, ==, 2);
  g_assert_cmpint (((PsParamChange *) g_ptr_array_index (c10, 0))->kind, ==, PS_CHANGE_REMOVED);
  /* a parameter seen under a new path after attaching is the same parameter, unchanged */
  g_autoptr (GPtrArray) c23 = ps_timeline_compare (tl, 2, 3);
  g_assert_cmpuint (c23->len, ==, 0);
}

static void
test_copy_on_write (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-2-custom-init.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, 4, NULL);
  guint64 bytes = ps_timeline_storage_bytes (tl);
  /* 2 Linear layers: (50 + 5 + 10 + 2) floats at construction, rewritten once by the init loop */
  g_assert_cmpuint (bytes, ==, 2 * (50 + 5 + 10 + 2) * 4);

  g_autoptr (GError) error = NULL;
  const char *nothing[] = {
    "{\"op\": \"mode\", \"target\": \"model\", \"train\": false}",
    "{\"op\": \"manual_seed\", \"seed\": 3}",
    "{\"op\": \"module\", \"id\": \"again\", \"type\": \"Sequential\", \"children\": [\"linear1\"]}",
    "{\"op\": \"attach\", \"parent\": \"model\", \"name\": \"extra\", \"child\": \"linear2\"}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (nothing); i++)
    {
      g_autoptr (JsonObject) op = parse_op (nothing[i]);
      g_assert_true (ps_timeline_append_op (tl, op, &error));
      g_assert_cmpuint (ps_timeline_storage_bytes (tl), ==, bytes);
    }
  g_autoptr (JsonObject) w = parse_op ("{\"op\": \"init\", \"target\": \"linear2.bias\", \"fn\": \"ones_\"}");
  g_assert_true (ps_timeline_append_op (tl, w, &error));
  g_assert_cmpuint (ps_timeline_storage_bytes (tl), ==, bytes + 2 * 4);
  /* only the written module and the modules containing it are new; the rest is shared */
  guint n = ps_timeline_get_n_steps (tl);
  PsState *a = ps_timeline_get_state (tl, n - 1), *b = ps_timeline_get_state (tl, n);
  g_assert_true (ps_state_get_module (a, "linear1") == ps_state_get_module (b, "linear1"));
  g_assert_true (ps_state_get_module (a, "linear2") != ps_state_get_module (b, "linear2"));
  g_assert_true (ps_state_get_module (a, "model") != ps_state_get_module (b, "model"));
  g_assert_true (ps_state_get_module (a, "again") == ps_state_get_module (b, "again"));
  g_assert_true (ps_module_get_child (ps_state_get_module (b, "model"), "linear1") == ps_state_get_module (b, "linear1"));
  g_assert_true (ps_module_get_child (ps_state_get_module (b, "model"), "linear2") == ps_state_get_module (b, "linear2"));
  g_assert_cmpint (param (a, "linear2.bias")->written_step, ==, 4);
  g_assert_cmpint (param (b, "linear2.bias")->written_step, ==, (int) n);
  /* undo releases it again */
  g_assert_true (ps_timeline_undo (tl));
  g_assert_cmpuint (ps_timeline_storage_bytes (tl), ==, bytes);
}

/* "flavour": "default" reproduces ATEN_CPU_CAPABILITY=default: Linear's uniform_ over the inexact
 * range ±1/√10 rounds differently from the AVX2 kernel (PYTORCH-PARITY.md §2). */
/* A forward that materializes a lazy module inside a container changes only the new step. */
static void
test_lazy_snapshots (void)
{
  g_autoptr (PsRecipe) r = load_example ("lazy.json");
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  PsState *s3 = ps_timeline_get_state (tl, 3), *s4 = ps_timeline_get_state (tl, 4);
  g_assert_null (param (s3, "model.lazy.weight")->value);
  g_assert_cmpstr (ps_state_get_module (s3, "lazy")->klass->name, ==, "LazyLinear");
  g_assert_nonnull (param (s4, "model.lazy.weight")->value);
  g_assert_cmpstr (ps_state_get_module (s4, "lazy")->klass->name, ==, "Linear");
  g_assert_cmpint (param (s4, "lazy.weight")->created_step, ==, 4);
  /* the eager module was not touched: shared between the two steps */
  g_assert_true (ps_state_get_module (s3, "eager") == ps_state_get_module (s4, "eager"));
  g_autoptr (GPtrArray) c = ps_timeline_compare (tl, 3, 4);
  g_assert_cmpuint (c->len, ==, 2);
  g_assert_cmpint (((PsParamChange *) g_ptr_array_index (c, 0))->kind, ==, PS_CHANGE_ADDED);
  g_assert_cmpstr (((PsParamChange *) g_ptr_array_index (c, 0))->path, ==, "model.lazy.weight");
}

static void
test_flavour (void)
{
  g_autoptr (PsRecipe) r = load_example ("article-1-construction.json");
  g_autoptr (PsTimeline) avx2 = ps_timeline_new_from_recipe (r, -1, NULL);
  r->flavour = PS_FLAVOUR_DEFAULT;
  g_autoptr (PsTimeline) dflt = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_cmpint (ps_timeline_get_last_state (dflt)->gen.flavour, ==, PS_FLAVOUR_DEFAULT);
  PsTensor *a = param (ps_timeline_get_last_state (avx2), "fc.weight")->value;
  PsTensor *b = param (ps_timeline_get_last_state (dflt), "fc.weight")->value;
  g_assert_false (ps_tensor_equal (a, b));
  /* the same draws: every value within one float rounding */
  for (int64_t i = 0; i < a->numel; i++)
    g_assert_cmpfloat_with_epsilon (ps_tensor_cf32 (a)[i], ps_tensor_cf32 (b)[i], 1e-7);
  g_autofree char *data = ps_recipe_to_data (ps_timeline_get_recipe (dflt), NULL);
  g_assert_nonnull (strstr (data, "\"flavour\" : \"default\""));
}

static void
check_digest (const char *what, PsTensor *t, JsonObject *d)
{
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, ps_tensor_nbytes (t));
  JsonArray *shape = json_object_get_array_member (d, "shape");
  g_assert_cmpint (t->ndim, ==, (int) json_array_get_length (shape));
  for (int i = 0; i < t->ndim; i++)
    g_assert_cmpint (t->shape[i], ==, json_array_get_int_element (shape, (guint) i));
  g_assert_cmpstr (ps_dtype_name (t->dtype), ==, json_object_get_string_member (d, "dtype"));
  if (strcmp (sum, json_object_get_string_member (d, "sha256")) != 0)
    g_error ("%s differs from torch", what);
}

/* Every example replayed equals what torch 1.13 computes for the same code
 * (tests/golden/gen_recipes.py): every state_dict entry, in order, and every output, bit for bit. */
static void
test_examples_match_torch (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), "recipes-torch.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  JsonObject *cases = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "cases");
  g_autoptr (GList) names = json_object_get_members (cases);
  g_assert_cmpuint (g_list_length (names), >=, 5);
  for (GList *l = names; l; l = l->next)
    {
      JsonObject *c = json_object_get_object_member (cases, l->data);
      g_autoptr (PsRecipe) r = load_example (l->data);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
      g_assert_null (ps_timeline_get_error (tl));
      PsState *s = ps_timeline_get_last_state (tl);
      g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_state_get_root (s));
      JsonArray *order = json_object_get_array_member (c, "state_dict_order");
      JsonObject *want = json_object_get_object_member (c, "state_dict");
      g_assert_cmpuint (sd->len, ==, json_array_get_length (order));
      for (guint i = 0; i < sd->len; i++)
        {
          PsNamedItem *it = g_ptr_array_index (sd, i);
          g_assert_cmpstr (it->path, ==, json_array_get_string_element (order, i));
          g_autofree char *what = g_strdup_printf ("%s: %s", (char *) l->data, it->path);
          check_digest (what, it->param->value, json_object_get_object_member (want, it->path));
        }
      JsonObject *outs = json_object_get_object_member (c, "outputs");
      g_autoptr (GList) onames = json_object_get_members (outs);
      g_assert_cmpuint (g_list_length (onames), ==, s->output_names->len);
      for (GList *o = onames; o; o = o->next)
        {
          g_autofree char *what = g_strdup_printf ("%s: output %s", (char *) l->data, (char *) o->data);
          PsTensor *y = ps_state_get_output (s, o->data);
          g_assert_nonnull (y);
          check_digest (what, y, json_object_get_object_member (outs, o->data));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/timeline/steps-and-stamps", test_steps_and_stamps);
  g_test_add_func ("/timeline/undo-redo", test_undo_redo);
  g_test_add_func ("/timeline/failing-recipe", test_failing_recipe);
  g_test_add_func ("/timeline/replay", test_replay_same_and_new_seed);
  g_test_add_func ("/timeline/compare", test_compare);
  g_test_add_func ("/timeline/copy-on-write", test_copy_on_write);
  g_test_add_func ("/timeline/examples-match-torch", test_examples_match_torch);
  g_test_add_func ("/timeline/flavour", test_flavour);
  g_test_add_func ("/timeline/lazy-snapshots", test_lazy_snapshots);
  return g_test_run ();
}
