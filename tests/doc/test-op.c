/* Each recipe op on a document state, and atomicity: a failing op returns NULL and leaves the
 * previous state (modules, parameters, outputs, generator) exactly as it was. */
#include "ps-op.h"
#include "ps-recipe.h"
#include "ps-safetensors.h"
#include "ps-torch-file.h"

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

/* The op parsed (as op number `index`), or NULL with the parse error. */
static PsOp *
parse_op_as (const char *json, guint index, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (p, json, -1, &local))
    g_error ("bad test JSON %s: %s", json, local->message);
  return ps_op_new_from_json (json_node_get_object (json_parser_get_root (p)), index, error);
}

static PsOp *
parse_op (const char *json)
{
  g_autoptr (GError) error = NULL;
  PsOp *op = parse_op_as (json, 1, &error);
  g_assert_no_error (error);
  return op;
}

/* Applies op number state->step + 1; asserts success. Consumes `state`. */
static PsState *
step (PsState *state, const char *json)
{
  g_autoptr (PsOp) op = parse_op (json);
  g_autoptr (GError) error = NULL;
  PsState *next = ps_op_apply (state, op, state->step + 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (next);
  g_assert_cmpuint (next->step, ==, state->step + 1);
  ps_state_unref (state);
  return next;
}

/* A typo in "match" is an error when applied (user class names are only known then). */
static void
test_init_modules_unknown_class (void)
{
  PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  st = step (st, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}");
  st = step (st, "{\"op\":\"module\",\"id\":\"m\",\"type\":\"Sequential\",\"class\":\"Net\",\"children\":{\"a\":\"fc\"}}");
  g_autoptr (PsOp) bad = parse_op ("{\"op\":\"init_modules\",\"target\":\"m\",\"match\":\"Linearr\",\"weight\":{\"fn\":\"zeros_\"}}");
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_op_apply (st, bad, 3, &error));
  g_assert_nonnull (strstr (error->message, "unknown module type 'Linearr'"));
  /* the user class name matches the container itself: it has no weight, so nothing changes */
  st = step (st, "{\"op\":\"init_modules\",\"target\":\"m\",\"match\":\"Net\",\"weight\":{\"fn\":\"zeros_\"}}");
  ps_state_unref (st);
}

static PsParam *
param (PsState *s, const char *target)
{
  PsParam *p = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_state_resolve (s, target, NULL, &p, &error));
  g_assert_nonnull (p);
  return p;
}

/* fc = Linear(10, 5); s = Sequential(fc, fc) */
static PsState *
article3 (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "s");
  s = step (s, "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"fc\", \"fc\"]}");
  return s;
}

static void
test_module (void)
{
  g_autoptr (PsState) s0 = ps_state_new (0, PS_FLAVOUR_AVX2, "s");
  PsGenerator g0 = s0->gen;
  g_autoptr (PsState) s = article3 ();
  PsModule *fc = ps_state_get_module (s, "fc");
  PsModule *seq = ps_state_get_root (s);
  g_assert_nonnull (fc);
  g_assert_cmpstr (fc->id, ==, "fc");
  g_assert_true (ps_module_child_at (seq, 0) == fc);
  g_assert_true (ps_module_child_at (seq, 1) == fc);
  g_assert_cmpint (fc->created_step, ==, 1);
  g_assert_cmpint (seq->created_step, ==, 2);
  PsParam *w = param (s, "s.1.weight");
  g_assert_true (w == param (s, "fc.weight"));
  g_assert_cmpint (w->created_step, ==, 1);
  g_assert_cmpint (w->written_step, ==, 1);
  g_assert_cmpint (w->value->shape[0], ==, 5);
  g_assert_cmpint (w->value->shape[1], ==, 10);
  /* the default init drew 55 values: the generator moved on */
  g_assert_false (ps_generator_equal (&g0, &s->gen));
  PsGenerator probe = g0;
  for (int i = 0; i < 55; i++)
    ps_generator_random (&probe);
  g_assert_true (ps_generator_equal (&probe, &s->gen));

  /* a named container with a display class; children named by the object's keys, in order */
  s = step (g_steal_pointer (&s), "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"CustomModel\","
            " \"children\": {\"linear2\": \"fc\", \"linear1\": \"fc\"}}");
  PsModule *m = ps_state_get_module (s, "m");
  g_assert_cmpstr (ps_module_class_name (m), ==, "CustomModel");
  g_assert_cmpstr (ps_module_child_name_at (m, 0), ==, "linear2");
  g_assert_cmpstr (ps_module_child_name_at (m, 1), ==, "linear1");
  g_autoptr (PsOp) mop = parse_op ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\"}");
  g_autofree char *d = ps_op_describe (mop, NULL, s, NULL);
  g_assert_nonnull (strstr (d, "CustomModel (Sequential) created as m"));
}

/* a constructor's own submodules (MultiheadAttention.out_proj) are stamped like the module */
static void
test_module_with_submodules (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "mha");
  s = step (s, "{\"op\": \"module\", \"id\": \"mha\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 8, \"num_heads\": 2}}");
  PsParam *w = param (s, "mha.out_proj.weight");
  g_assert_cmpint (w->created_step, ==, 1);
  g_assert_cmpint (w->written_step, ==, 1);
  g_assert_cmpint (param (s, "mha.in_proj_weight")->created_step, ==, 1);
  s = step (s, "{\"op\": \"forward\", \"target\": \"mha\", \"input\": {\"randn\": [3, 8]}, \"name\": \"y\"}");
  g_assert_cmpint (ps_state_get_output (s, "y")->shape[1], ==, 8);
  g_assert_cmpint (param (s, "mha.out_proj.weight")->written_step, ==, 1);
  ps_state_unref (s);
}

/* BatchNorm's forward in training mode updates its running statistics */
static void
test_forward_writes_buffers (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "bn");
  s = step (s, "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 3}}");
  s = step (s, "{\"op\": \"forward\", \"target\": \"bn\", \"input\": {\"randn\": [4, 3]}}");
  PsParam *rm = param (s, "bn.running_mean");
  g_assert_cmpint (rm->created_step, ==, 1);
  g_assert_cmpint (rm->written_step, ==, 2);
  g_assert_cmpint (rm->init.dist, ==, PS_DIST_OTHER);
  g_autofree char *sum = ps_init_info_summary (&rm->init);
  g_assert_cmpstr (sum, ==, "updated by forward at step 2");
  g_assert_cmpint (param (s, "bn.weight")->written_step, ==, 1);
  s = step (s, "{\"op\": \"mode\", \"target\": \"bn\", \"train\": false}");
  PsTensor *before = param (s, "bn.running_mean")->value;
  s = step (s, "{\"op\": \"forward\", \"target\": \"bn\", \"input\": {\"randn\": [4, 3]}}");
  g_assert_true (param (s, "bn.running_mean")->value == before);   /* eval mode: untouched */
  g_assert_cmpint (param (s, "bn.running_mean")->written_step, ==, 2);
  ps_state_unref (s);
}

static void
test_clone_preserves_sharing (void)
{
  g_autoptr (PsState) s = article3 ();
  g_autoptr (PsState) c = ps_state_clone (s, NULL);
  PsModule *fc = ps_state_get_module (c, "fc");
  PsModule *seq = ps_state_get_module (c, "s");
  g_assert_true (fc != ps_state_get_module (s, "fc"));
  g_assert_true (ps_module_child_at (seq, 0) == fc);
  g_assert_true (ps_module_child_at (seq, 1) == fc);
  /* tensors are shared, not copied */
  g_assert_true (param (c, "fc.weight")->value == param (s, "fc.weight")->value);
  g_assert_true (param (c, "fc.weight") != param (s, "fc.weight"));
}

static void
test_init_and_copy_on_write (void)
{
  g_autoptr (PsState) s = article3 ();
  PsTensor *old = ps_tensor_ref (param (s, "fc.weight")->value);
  g_autoptr (PsTensor) old_copy = ps_tensor_copy (old, NULL);
  PsTensor *old_bias = param (s, "fc.bias")->value;
  g_autoptr (PsState) s2 = ps_state_ref (s);
  s2 = step (s2, "{\"op\": \"init\", \"target\": \"s.0.weight\", \"fn\": \"xavier_uniform_\", \"args\": {\"gain\": 2.0}}");
  PsParam *w = param (s2, "fc.weight");
  g_assert_true (w->value != old);
  g_assert_false (ps_tensor_equal (w->value, old));
  g_assert_cmpint (w->created_step, ==, 1);
  g_assert_cmpint (w->written_step, ==, 3);
  g_assert_cmpstr (w->init.fn, ==, "xavier_uniform_");
  g_assert_cmpint (w->init.dist, ==, PS_DIST_UNIFORM);
  /* bound = gain·√(6/(fan_in+fan_out)) = 2·√(6/15) */
  g_assert_cmpfloat_with_epsilon (w->init.b, 2.0 * sqrt (6.0 / 15.0), 1e-12);
  /* the bias was not written: same tensor, same stamp */
  g_assert_true (param (s2, "fc.bias")->value == old_bias);
  g_assert_cmpint (param (s2, "fc.bias")->written_step, ==, 1);
  /* the earlier state is untouched */
  g_assert_true (param (s, "fc.weight")->value == old);
  g_assert_true (ps_tensor_equal (old, old_copy));
  g_assert_cmpint (param (s, "fc.weight")->written_step, ==, 1);
  ps_tensor_unref (old);
}

static void
test_init_modules (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  s = step (s, "{\"op\": \"module\", \"id\": \"l1\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"l2\", \"type\": \"Linear\", \"args\": {\"in_features\": 5, \"out_features\": 2, \"bias\": false}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"CustomModel\", \"children\": {\"linear1\": \"l1\", \"linear2\": \"l2\", \"again\": \"l1\"}}");
  s = step (s, "{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear\", \"weight\": {\"fn\": \"xavier_uniform_\"}, \"bias\": {\"fn\": \"constant_\", \"args\": {\"val\": 0.5}}}");
  g_assert_cmpstr (param (s, "m.linear1.weight")->init.fn, ==, "xavier_uniform_");
  g_assert_cmpstr (param (s, "m.linear2.weight")->init.fn, ==, "xavier_uniform_");
  g_assert_cmpint (param (s, "m.linear2.weight")->written_step, ==, 4);
  g_assert_null (ps_module_get_param (ps_state_get_module (s, "l2"), "bias"));   /* skipped, not an error */
  PsParam *b = param (s, "m.again.bias");
  g_assert_cmpfloat (ps_tensor_cf32 (b->value)[0], ==, 0.5f);
  g_assert_cmpint (b->written_step, ==, 4);
  ps_state_unref (s);
}

static void
test_attach_detach_mode_seed (void)
{
  PsState *s = article3 ();
  s = step (s, "{\"op\": \"module\", \"id\": \"head\", \"type\": \"Linear\", \"args\": {\"in_features\": 5, \"out_features\": 2}}");
  s = step (s, "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"head\", \"child\": \"head\"}");
  g_assert_true (ps_module_get_child (ps_state_get_root (s), "head") == ps_state_get_module (s, "head"));
  g_assert_cmpint (param (s, "s.head.weight")->written_step, ==, 3);   /* attaching writes nothing */
  s = step (s, "{\"op\": \"mode\", \"target\": \"s\", \"train\": false}");
  g_assert_false (ps_state_get_module (s, "head")->training);
  g_assert_false (ps_state_get_module (s, "fc")->training);
  s = step (s, "{\"op\": \"detach\", \"parent\": \"s\", \"name\": \"head\"}");
  g_assert_null (ps_module_get_child (ps_state_get_root (s), "head"));
  g_assert_nonnull (ps_state_get_module (s, "head"));
  s = step (s, "{\"op\": \"manual_seed\", \"seed\": 7}");
  PsGenerator g;
  ps_generator_init (&g, 7, PS_FLAVOUR_AVX2);
  g_assert_true (ps_generator_equal (&g, &s->gen));
  s = step (s, "{\"op\": \"reset_parameters\", \"target\": \"fc\"}");
  g_assert_cmpstr (param (s, "fc.weight")->init.fn, ==, "kaiming_uniform_");
  g_assert_cmpint (param (s, "fc.weight")->written_step, ==, 8);
  g_assert_cmpint (param (s, "fc.bias")->written_step, ==, 8);
  g_assert_cmpint (param (s, "head.weight")->written_step, ==, 3);
  ps_state_unref (s);
}

/* The child names of a container, comma-separated. */
static char *
names_of (PsState *s, const char *id)
{
  PsModule *m = ps_state_get_module (s, id);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < ps_module_n_children (m); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", (char *) ps_module_child_name_at (m, i));
  return g_string_free (out, FALSE);
}

static char *
state_keys (PsState *s)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_state_get_root (s));
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < sd->len; i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", ((PsNamedItem *) g_ptr_array_index (sd, i))->path);
  return g_string_free (out, FALSE);
}

static void
test_rename_move (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
  s = step (s, "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"b\", \"type\": \"ReLU\"}");
  s = step (s, "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"children\": [\"a\", \"b\", \"a\"]}");
  PsState *before_rename = ps_state_ref (s);
  PsTensor *w = param (s, "m.0.weight")->value;
  s = step (s, "{\"op\": \"rename\", \"parent\": \"m\", \"name\": \"2\", \"new_name\": \"tied\"}");
  g_autofree char *n1 = names_of (s, "m");
  g_assert_cmpstr (n1, ==, "0,1,tied");
  g_autofree char *k1 = state_keys (s);
  g_assert_cmpstr (k1, ==, "0.weight,0.bias,tied.weight,tied.bias");
  /* still one module at both places, same tensors, nothing written */
  PsModule *m = ps_state_get_root (s);
  g_assert_true (ps_module_child_at (m, 0) == ps_module_child_at (m, 2));
  g_assert_true (param (s, "m.tied.weight")->value == w);
  g_assert_cmpint (param (s, "m.tied.weight")->written_step, ==, 1);
  /* the previous state (the timeline's snapshot) is untouched */
  g_autofree char *n0 = names_of (before_rename, "m");
  g_assert_cmpstr (n0, ==, "0,1,2");
  ps_state_unref (before_rename);

  s = step (s, "{\"op\": \"move\", \"parent\": \"m\", \"name\": \"tied\", \"index\": 0}");
  g_autofree char *n2 = names_of (s, "m");
  g_assert_cmpstr (n2, ==, "tied,0,1");
  s = step (s, "{\"op\": \"move\", \"parent\": \"m\", \"name\": \"tied\", \"index\": 2}");
  g_autofree char *n3 = names_of (s, "m");
  g_assert_cmpstr (n3, ==, "0,1,tied");
  s = step (s, "{\"op\": \"move\", \"parent\": \"m\", \"name\": \"1\", \"index\": 1}");   /* in place */
  g_autofree char *n4 = names_of (s, "m");
  g_assert_cmpstr (n4, ==, "0,1,tied");
  s = step (s, "{\"op\": \"rename\", \"parent\": \"m\", \"name\": \"1\", \"new_name\": \"1\"}");   /* no-op */
  s = step (s, "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Tanh\"}");
  s = step (s, "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"squash\", \"child\": \"c\", \"index\": 1}");
  g_autofree char *n5 = names_of (s, "m");
  g_assert_cmpstr (n5, ==, "0,squash,1,tied");
  s = step (s, "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"end\", \"child\": \"c\", \"index\": 4}");
  g_autofree char *n6 = names_of (s, "m");
  g_assert_cmpstr (n6, ==, "0,squash,1,tied,end");
  g_autofree char *repr = ps_module_repr (ps_state_get_root (s));
  g_assert_nonnull (strstr (repr, "(squash): Tanh()\n  (1): ReLU()\n  (tied): Linear"));
  ps_state_unref (s);
}

static void
test_module_child_api (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) c = ps_module_new_container ("ModuleDict", NULL, &error);
  g_autoptr (PsModule) x = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_true (ps_module_insert_child (c, -1, "a", x, &error));
  g_assert_true (ps_module_insert_child (c, 0, "b", x, &error));
  g_assert_false (ps_module_insert_child (c, 3, "c", x, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ps_module_insert_child (x, 0, "self", c, &error));   /* a cycle */
  g_clear_error (&error);
  g_assert_cmpuint (ps_module_n_children (x), ==, 0);
  g_assert_cmpstr (ps_module_child_name_at (c, 0), ==, "b");
  g_assert_false (ps_module_rename_child (c, "b", "a", &error));
  g_clear_error (&error);
  g_assert_false (ps_module_rename_child (c, "zz", "y", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ps_module_rename_child (c, "b", "y", &error));
  g_assert_true (ps_module_move_child (c, "y", 1, &error));
  g_assert_cmpstr (ps_module_child_name_at (c, 0), ==, "a");
  g_assert_cmpstr (ps_module_child_name_at (c, 1), ==, "y");
  g_assert_false (ps_module_move_child (c, "y", 2, &error));
  g_clear_error (&error);
  g_assert_true (ps_module_get_child (c, "y") == x);
}

static void
test_forward (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "fc");
  s = step (s, "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}}");
  PsGenerator before = s->gen;
  s = step (s, "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [4, 3]}, \"name\": \"y\"}");
  PsTensor *y = ps_state_get_output (s, "y");
  g_assert_nonnull (y);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 4);
  g_assert_cmpint (y->shape[1], ==, 2);
  /* the input was drawn as torch.randn(4, 3): normal_ on 12 contiguous floats */
  PsGenerator probe = before;
  float x[12];
  ps_generator_normal_f32 (&probe, x, 12, 0.0, 1.0, TRUE);
  g_assert_true (ps_generator_equal (&probe, &s->gen));
  /* default output names, and ones/zeros/value inputs draw nothing */
  s = step (s, "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"value\": [[1, 0, 0]], \"dtype\": \"float32\"}}");
  PsTensor *y2 = ps_state_get_output (s, "output3");
  g_assert_nonnull (y2);
  const float *w = ps_tensor_cf32 (param (s, "fc.weight")->value);
  const float *b = ps_tensor_cf32 (param (s, "fc.bias")->value);
  g_assert_cmpfloat (ps_tensor_cf32 (y2)[0], ==, w[0] + b[0]);
  g_assert_cmpfloat (ps_tensor_cf32 (y2)[1], ==, w[3] + b[1]);
  g_assert_true (ps_generator_equal (&probe, &s->gen));
  g_assert_cmpuint (s->output_names->len, ==, 2);
  ps_state_unref (s);
}

static void
test_lazy_materialization (void)
{
  PsState *s = ps_state_new (0, PS_FLAVOUR_AVX2, "lz");
  s = step (s, "{\"op\": \"module\", \"id\": \"lz\", \"type\": \"LazyLinear\", \"args\": {\"out_features\": 5}}");
  PsGenerator g0;
  ps_generator_init (&g0, 0, PS_FLAVOUR_AVX2);
  g_assert_true (ps_generator_equal (&g0, &s->gen));   /* construction draws nothing */
  PsParam *w = param (s, "lz.weight");
  g_assert_null (w->value);
  g_assert_cmpint (w->created_step, ==, 1);
  g_assert_cmpint (w->written_step, ==, -1);
  /* init on an uninitialized parameter fails */
  g_autoptr (PsOp) bad = parse_op ("{\"op\": \"init\", \"target\": \"lz.weight\", \"fn\": \"zeros_\"}");
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_op_apply (s, bad, 2, &error));
  g_assert_nonnull (strstr (error->message, "op 2 (init): field 'target': Attempted to use an uninitialized parameter"));
  s = step (s, "{\"op\": \"forward\", \"target\": \"lz\", \"input\": {\"randn\": [2, 10]}}");
  w = param (s, "lz.weight");
  g_assert_nonnull (w->value);
  g_assert_cmpint (w->value->shape[1], ==, 10);
  g_assert_cmpint (w->created_step, ==, 2);
  g_assert_cmpint (w->written_step, ==, 2);
  ps_state_unref (s);
}

/* ---------- atomicity ---------- */

typedef struct {
  GPtrArray *paths;      /* char* */
  GPtrArray *values;     /* PsTensor* (ref) */
  GPtrArray *copies;     /* PsTensor* deep copies */
  GArray *stamps;        /* int pairs */
  PsGenerator gen;
  guint n_modules, n_outputs;
  char *repr;
} Snapshot;

static Snapshot *
snapshot (PsState *s)
{
  Snapshot *snap = g_new0 (Snapshot, 1);
  snap->paths = g_ptr_array_new_with_free_func (g_free);
  snap->values = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  snap->copies = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  snap->stamps = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GPtrArray) items = ps_state_list_params (s);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      g_ptr_array_add (snap->paths, g_strdup (it->path));
      g_ptr_array_add (snap->values, it->param->value ? ps_tensor_ref (it->param->value) : NULL);
      g_ptr_array_add (snap->copies, it->param->value ? ps_tensor_copy (it->param->value, NULL) : NULL);
      g_array_append_val (snap->stamps, it->param->created_step);
      g_array_append_val (snap->stamps, it->param->written_step);
    }
  snap->gen = s->gen;
  snap->n_modules = ps_state_n_modules (s);
  snap->n_outputs = s->output_names->len;
  PsModule *root = ps_state_get_root (s);
  snap->repr = root ? ps_module_repr (root) : g_strdup ("");
  return snap;
}

static void
assert_unchanged (PsState *s, Snapshot *snap)
{
  g_autoptr (GPtrArray) items = ps_state_list_params (s);
  g_assert_cmpuint (items->len, ==, snap->paths->len);
  for (guint i = 0; i < items->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (items, i);
      g_assert_cmpstr (it->path, ==, g_ptr_array_index (snap->paths, i));
      g_assert_true (it->param->value == g_ptr_array_index (snap->values, i));
      if (it->param->value)
        g_assert_true (ps_tensor_equal (it->param->value, g_ptr_array_index (snap->copies, i)));
      g_assert_cmpint (it->param->created_step, ==, g_array_index (snap->stamps, int, 2 * i));
      g_assert_cmpint (it->param->written_step, ==, g_array_index (snap->stamps, int, 2 * i + 1));
    }
  g_assert_true (ps_generator_equal (&s->gen, &snap->gen));
  g_assert_cmpuint (ps_state_n_modules (s), ==, snap->n_modules);
  g_assert_cmpuint (s->output_names->len, ==, snap->n_outputs);
  PsModule *root = ps_state_get_root (s);
  g_autofree char *repr = root ? ps_module_repr (root) : g_strdup ("");
  g_assert_cmpstr (repr, ==, snap->repr);
}

static void
snapshot_free (Snapshot *snap)
{
  g_ptr_array_unref (snap->paths);
  g_ptr_array_unref (snap->values);
  g_ptr_array_unref (snap->copies);
  g_array_unref (snap->stamps);
  g_free (snap->repr);
  g_free (snap);
}

static const struct {
  const char *op;
  const char *message;
} failing[] = {
  { "{\"op\": \"init\", \"target\": \"nope.weight\", \"fn\": \"zeros_\"}", "op 5 (init): field 'target': no module with id 'nope'" },
  { "{\"op\": \"init\", \"target\": \"s.0.wieght\", \"fn\": \"zeros_\"}", "op 5 (init): field 'target': 's.0.wieght' not found" },
  { "{\"op\": \"init\", \"target\": \"s.0\", \"fn\": \"zeros_\"}", "op 5 (init): field 'target': 's.0' is a module, not a parameter" },
  { "{\"op\": \"init\", \"target\": \"fc.bias\", \"fn\": \"xavier_uniform_\"}", "op 5 (init): xavier_uniform_: Fan in and fan out can not be computed" },
  { "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"xavier_uniform_\", \"args\": {\"gain\": \"x\"}}", "op 5 (init): field 'fn': xavier_uniform_: argument 'gain'" },
  { "{\"op\": \"forward\", \"target\": \"s\", \"input\": {\"randn\": [1, 10]}}", "op 5 (forward): mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)" },
  { "{\"op\": \"attach\", \"parent\": \"fc\", \"name\": \"loop\", \"child\": \"s\"}", "op 5 (attach): field 'child': " },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"me\", \"child\": \"s\"}", "op 5 (attach): field 'child': " },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"0\", \"child\": \"fc\"}", "op 5 (attach): field 'name': 's' already has a child" },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"x\", \"child\": \"fc.weight\"}", "op 5 (attach): field 'child': 'fc.weight' is a parameter, not a module" },
  { "{\"op\": \"detach\", \"parent\": \"s\", \"name\": \"7\"}", "op 5 (detach): field 'name': " },
  { "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 1, \"out_features\": 1}}", "op 5 (module): field 'id': duplicate id 'fc'" },
  { "{\"op\": \"module\", \"id\": \"t\", \"type\": \"Sequential\", \"children\": [\"fc\", \"ghost\"]}", "op 5 (module): field 'children': no module with id 'ghost'" },
  { "{\"op\": \"module\", \"id\": \"t\", \"type\": \"Linear\", \"args\": {\"in_feature\": 1, \"out_features\": 1}}", "op 5 (module): field 'args': Linear: unknown argument 'in_feature'" },
  { "{\"op\": \"init_modules\", \"target\": \"s\", \"match\": \"Linear\", \"weight\": {\"fn\": \"zeros_\"}, \"bias\": {\"fn\": \"xavier_uniform_\"}}", "op 5 (init_modules): field 'bias': xavier_uniform_ on 0.bias: " },
  { "{\"op\": \"mode\", \"target\": \"ghost\", \"train\": true}", "op 5 (mode): field 'target': no module with id 'ghost'" },
  { "{\"op\": \"reset_parameters\", \"target\": \"fc.weight\"}", "op 5 (reset_parameters): field 'target': 'fc.weight' is a parameter, not a module" },
  { "{\"op\": \"load\", \"target\": \"s\", \"file\": \"w.safetensors\"}", "op 5 (load): field 'file': " },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"x\", \"child\": \"lz\", \"index\": 3}", "op 5 (attach): field 'index': 3 is out of range: 's' has 2 children, so 0 to 2" },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"x\", \"child\": \"lz\", \"index\": -1}", "op 5 (attach): field 'index': -1 is out of range" },
  { "{\"op\": \"attach\", \"parent\": \"s\", \"name\": \"x\", \"child\": \"lz\", \"index\": \"0\"}", "op 5 (attach): field 'index': expected an integer" },
  { "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"7\", \"new_name\": \"x\"}", "op 5 (rename): field 'name': 's' has no child named '7'" },
  { "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"0\", \"new_name\": \"1\"}", "op 5 (rename): field 'new_name': 's' already has a child, parameter or buffer named '1'" },
  { "{\"op\": \"rename\", \"parent\": \"fc\", \"name\": \"weight\", \"new_name\": \"w\"}", "op 5 (rename): field 'parent': 'fc' is a Linear: only the children of a Sequential, ModuleList or ModuleDict can be renamed or moved" },
  { "{\"op\": \"move\", \"parent\": \"fc\", \"name\": \"weight\", \"index\": 0}", "op 5 (move): field 'parent': 'fc' is a Linear" },
  { "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"0\", \"new_name\": \"a.b\"}", "op 5 (rename): field 'new_name': 'a.b' is not a valid child name" },
  { "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"0\", \"new_name\": \"\"}", "op 5 (rename): field 'new_name': '' is not a valid child name" },
  { "{\"op\": \"rename\", \"parent\": \"s\", \"name\": \"0\"}", "op 5 (rename): field 'new_name': missing" },
  { "{\"op\": \"rename\", \"parent\": \"ghost\", \"name\": \"0\", \"new_name\": \"x\"}", "op 5 (rename): field 'parent': no module with id 'ghost'" },
  { "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"0\", \"index\": 2}", "op 5 (move): field 'index': 2 is out of range: 's' has 2 children, so 0 to 1" },
  { "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"0\", \"index\": -1}", "op 5 (move): field 'index': -1 is out of range" },
  { "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"zz\", \"index\": 0}", "op 5 (move): field 'name': 's' has no child named 'zz'" },
  { "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"0\"}", "op 5 (move): field 'index': missing" },
  { "{\"op\": \"move\", \"parent\": \"s\", \"name\": \"0\", \"index\": 0, \"new_name\": \"x\"}", "op 5 (move): field 'new_name': unknown field" },
  { "{\"op\": \"frobnicate\"}", "op 5 (frobnicate): field 'op': unknown op" },
};

static void
test_atomicity (void)
{
  PsState *s = article3 ();
  s = step (s, "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [2, 10]}, \"name\": \"first\"}");
  s = step (s, "{\"op\": \"module\", \"id\": \"lz\", \"type\": \"LazyLinear\", \"args\": {\"out_features\": 3}}");
  g_assert_cmpuint (s->step, ==, 4);
  Snapshot *snap = snapshot (s);
  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_autoptr (GError) error = NULL;
      /* a structural error is found when the op is parsed, the others when it is applied */
      g_autoptr (PsOp) op = parse_op_as (failing[i].op, 5, &error);
      g_autoptr (PsState) next = op ? ps_op_apply (s, op, 5, &error) : NULL;
      if (next != NULL || error == NULL || !g_str_has_prefix (error->message, failing[i].message))
        g_error ("case %u: expected an error starting with \"%s\", got %s", i, failing[i].message,
                 error ? error->message : "success");
      assert_unchanged (s, snap);
      if (op == NULL)
        continue;
      g_autofree char *d = ps_op_describe (op, s, NULL, error);
      g_assert_nonnull (strstr (d, "failed: "));
      g_assert_null (strstr (d, "op 5 ("));
    }
  snapshot_free (snap);
  ps_state_unref (s);
}

static void
test_describe (void)
{
  g_autoptr (PsState) s0 = ps_state_new (0, PS_FLAVOUR_AVX2, "fc");
  g_autoptr (PsOp) op = parse_op ("{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}}");
  g_autoptr (PsState) s1 = ps_op_apply (s0, op, 1, NULL);
  g_autofree char *d = ps_op_describe (op, s0, s1, NULL);
  g_assert_true (g_str_has_prefix (d, "Linear(in_features=10, out_features=5, bias=True) created as fc: weight [5, 10] ~ U(\xe2\x88\x92" "0.316, 0.316)"));
  g_assert_nonnull (strstr (d, "bias [5] ~ U(\xe2\x88\x92" "0.316, 0.316)"));

  g_autoptr (PsOp) fwd = parse_op ("{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [1, 7]}}");
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_op_apply (s1, fwd, 2, &error));
  g_autofree char *f = ps_op_describe (fwd, s1, NULL, error);
  g_assert_cmpstr (f, ==, "forward through fc failed: mat1 and mat2 shapes cannot be multiplied (1x7 and 10x5)");
}

static PsState *
step_ctx (PsState *state, const char *json, const PsOpContext *ctx, GError **error)
{
  g_autoptr (PsOp) op = parse_op (json);
  return ps_op_apply_full (state, op, state->step + 1, ctx, error);
}

static void
test_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-load-XXXXXX", NULL);
  const PsOpContext ctx = { dir };
  g_autoptr (GError) error = NULL;

  /* the source: Linear(10, 5) drawn with seed 0, and the article's Sequential(l, l) */
  g_autoptr (PsState) src = article3 ();
  g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_state_get_module (src, "fc"));
  const char *names[2];
  PsTensor *tensors[2];
  for (guint i = 0; i < 2; i++)
    {
      names[i] = ((PsNamedItem *) g_ptr_array_index (sd, i))->path;
      tensors[i] = ((PsNamedItem *) g_ptr_array_index (sd, i))->param->value;
    }
  g_autofree char *full = g_build_filename (dir, "fc.safetensors", NULL);
  g_assert_true (ps_safetensors_write (full, 2, names, tensors, NULL, &error));
  g_autofree char *half = g_build_filename (dir, "weight.safetensors", NULL);
  g_assert_true (ps_safetensors_write (half, 1, names, tensors, NULL, &error));
  g_autoptr (GPtrArray) ssd = ps_module_state_dict (ps_state_get_module (src, "s"));
  const char *snames[4];
  PsTensor *stensors[4];
  for (guint i = 0; i < 4; i++)
    {
      snames[i] = ((PsNamedItem *) g_ptr_array_index (ssd, i))->path;
      stensors[i] = ((PsNamedItem *) g_ptr_array_index (ssd, i))->param->value;
    }
  g_autofree char *shared = g_build_filename (dir, "s.safetensors", NULL);
  g_assert_true (ps_safetensors_write (shared, 4, snames, stensors, NULL, &error));
  g_assert_no_error (error);

  PsState *s = ps_state_new (1, PS_FLAVOUR_AVX2, "g");
  s = step (s, "{\"op\": \"module\", \"id\": \"g\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"small\", \"type\": \"Linear\", \"args\": {\"in_features\": 9, \"out_features\": 5}}");
  s = step (s, "{\"op\": \"module\", \"id\": \"t\", \"type\": \"Sequential\", \"children\": [\"small\", \"small\"]}");
  g_assert_false (ps_tensor_equal (param (s, "g.weight")->value, tensors[0]));

  g_autoptr (GMappedFile) mf = g_mapped_file_new (full, FALSE, NULL);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) g_mapped_file_get_contents (mf),
                                                      g_mapped_file_get_length (mf));
  static const struct { const char *json; const char *message; } bad[] = {
    { "{\"op\": \"load\", \"target\": \"g\", \"file\": \"fc.safetensors\", \"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\"}",
      "op 4 (load): field 'sha256': " },
    { "{\"op\": \"load\", \"target\": \"g\", \"file\": \"weight.safetensors\"}",
      "op 4 (load): Error(s) in loading state_dict for Linear: Missing key(s) in state_dict: \"bias\"." },
    { "{\"op\": \"load\", \"target\": \"g\", \"file\": \"s.safetensors\"}",
      "op 4 (load): Error(s) in loading state_dict for Linear: Missing key(s) in state_dict: \"weight\", \"bias\". Unexpected key(s) in state_dict: " },
    { "{\"op\": \"load\", \"target\": \"small\", \"file\": \"fc.safetensors\"}",
      "op 4 (load): Error(s) in loading state_dict for Linear: size mismatch for weight: copying a param with shape torch.Size([5, 10]) from checkpoint, the shape in current model is torch.Size([5, 9])." },
    { "{\"op\": \"load\", \"target\": \"g\", \"file\": \"nope.safetensors\"}", "op 4 (load): field 'file': " },
  };
  Snapshot *snap = snapshot (s);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (PsState) next = step_ctx (s, bad[i].json, &ctx, &e);
      if (next != NULL || e == NULL || !g_str_has_prefix (e->message, bad[i].message))
        g_error ("load case %u: expected \"%s\", got %s", i, bad[i].message, e ? e->message : "success");
      assert_unchanged (s, snap);
    }
  snapshot_free (snap);

  /* strict load with the right checksum: values from the file, no draws, stamped and described */
  PsGenerator before = s->gen;
  g_autofree char *ok = g_strdup_printf ("{\"op\": \"load\", \"target\": \"g\", \"file\": \"fc.safetensors\", \"sha256\": \"%s\"}", sum);
  PsState *l = step_ctx (s, ok, &ctx, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (param (l, "g.weight")->value, tensors[0]));
  g_assert_true (ps_tensor_equal (param (l, "g.bias")->value, tensors[1]));
  g_assert_true (ps_generator_equal (&before, &l->gen));
  g_assert_cmpint (param (l, "g.weight")->written_step, ==, 4);
  g_assert_cmpint (param (l, "small.weight")->written_step, ==, 2);
  g_assert_cmpstr (param (l, "g.weight")->init.fn, ==, "load_state_dict");
  g_autoptr (PsOp) okop = parse_op (ok);
  g_autofree char *d = ps_op_describe (okop, s, l, NULL);
  g_assert_cmpstr (d, ==, "g.load_state_dict(fc.safetensors): g.weight, g.bias");
  ps_state_unref (l);

  /* non-strict: the missing bias is left as it was */
  l = step_ctx (s, "{\"op\": \"load\", \"target\": \"g\", \"file\": \"weight.safetensors\", \"strict\": false}", &ctx, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (param (l, "g.weight")->value, tensors[0]));
  g_assert_true (param (l, "g.bias")->value == param (s, "g.bias")->value);
  ps_state_unref (l);

  /* a shared module's state dict (aliases in the file) into another Sequential(l, l) of the right shape */
  l = step_ctx (s, "{\"op\": \"module\", \"id\": \"h\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}}", &ctx, &error);
  l = step (l, "{\"op\": \"module\", \"id\": \"u\", \"type\": \"Sequential\", \"children\": [\"h\", \"h\"]}");
  g_autofree char *abs = g_strdup_printf ("{\"op\": \"load\", \"target\": \"u\", \"file\": \"%s\"}", shared);
  l = step (l, abs);
  g_assert_true (ps_tensor_equal (param (l, "u.1.weight")->value, tensors[0]));
  ps_state_unref (l);
  ps_state_unref (s);

  g_unlink (full);
  g_unlink (half);
  g_unlink (shared);
  g_rmdir (dir);
}

/* load_state_dict from torch.save files: a plain state dict, the same in the legacy format, and
 * one nested in a training checkpoint under 'state_dict' with DataParallel's 'module.' prefix. */
static void
test_load_torch (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("PS_TEST_DATA"), "pt", "valid", NULL);
  const PsOpContext ctx = { dir };
  g_autoptr (GError) error = NULL;
  g_autofree char *ref_path = g_build_filename (dir, "linear_state_dict.pt", NULL);
  g_autoptr (PsTorchFile) ref = ps_torch_file_open (ref_path, PS_TORCH_OPEN_STRICT, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) w = ps_torch_file_load (ref, "weight", &error);
  g_autoptr (PsTensor) b = ps_torch_file_load (ref, "bias", &error);
  g_assert_no_error (error);

  PsState *s = ps_state_new (1, PS_FLAVOUR_AVX2, "g");
  s = step (s, "{\"op\": \"module\", \"id\": \"g\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}}");
  g_assert_false (ps_tensor_equal (param (s, "g.weight")->value, w));
  static const char *const files[] = { "linear_state_dict.pt", "linear_legacy.pt", "module_prefix.pt", "pytorch_model.bin" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"op\": \"load\", \"target\": \"g\", \"file\": \"%s\"}", files[i]);
      PsState *l = step_ctx (s, json, &ctx, &error);
      g_assert_no_error (error);
      g_assert_true (ps_tensor_equal (param (l, "g.weight")->value, w));
      g_assert_true (ps_tensor_equal (param (l, "g.bias")->value, b));
      ps_state_unref (l);
    }
  /* a pinned torch file: the hash of the bytes read; a wrong pin is refused */
  g_autoptr (GMappedFile) mf = g_mapped_file_new (ref_path, FALSE, NULL);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) g_mapped_file_get_contents (mf),
                                                      g_mapped_file_get_length (mf));
  g_autofree char *pinned = g_strdup_printf ("{\"op\": \"load\", \"target\": \"g\", \"file\": \"linear_state_dict.pt\", "
                                             "\"sha256\": \"%s\"}", sum);
  PsState *pl = step_ctx (s, pinned, &ctx, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tensor_equal (param (pl, "g.weight")->value, w));
  ps_state_unref (pl);
  pl = step_ctx (s, "{\"op\": \"load\", \"target\": \"g\", \"file\": \"linear_legacy.pt\", \"sha256\": "
                 "\"0000000000000000000000000000000000000000000000000000000000000000\"}", &ctx, &error);
  g_assert_null (pl);
  g_assert_nonnull (strstr (error->message, "field 'sha256': "));
  g_clear_error (&error);
  /* a training checkpoint whose model does not fit: torch's message, nothing changed */
  Snapshot *snap = snapshot (s);
  PsState *l = step_ctx (s, "{\"op\": \"load\", \"target\": \"g\", \"file\": \"checkpoint_sgd.pt\"}", &ctx, &error);
  g_assert_null (l);
  g_assert_nonnull (strstr (error->message, "Unexpected key(s) in state_dict: \"fc1.weight\""));
  g_clear_error (&error);
  /* a whole pickled module is refused (it would run code in torch.load) */
  l = step_ctx (s, "{\"op\": \"load\", \"target\": \"g\", \"file\": \"whole_module.pt\"}", &ctx, &error);
  g_assert_null (l);
  g_assert_nonnull (strstr (error->message, "forbidden global torch.nn.modules.container.Sequential"));
  assert_unchanged (s, snap);
  snapshot_free (snap);
  ps_state_unref (s);
  g_clear_error (&error);

  /* the model of a training checkpoint (gen_pt.py's MLP: fc1, bn, act, fc2) loads from its
   * nested state dict — under 'model' (SGD checkpoint) and 'model_state_dict' (Adam) — with every
   * parameter and BatchNorm buffer equal to the file's, the optimizer state left aside */
  static const char *const ckpts[][2] = { { "checkpoint_sgd.pt", "model." }, { "checkpoint_adam.pt", "model_state_dict." } };
  static const char *const keys[] = { "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                      "bn.running_var", "bn.num_batches_tracked", "fc2.weight", "fc2.bias" };
  PsState *m = ps_state_new (1, PS_FLAVOUR_AVX2, "m");
  m = step (m, "{\"op\": \"module\", \"id\": \"fc1\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 6}}");
  m = step (m, "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 6}}");
  m = step (m, "{\"op\": \"module\", \"id\": \"act\", \"type\": \"ReLU\"}");
  m = step (m, "{\"op\": \"module\", \"id\": \"fc2\", \"type\": \"Linear\", \"args\": {\"in_features\": 6, \"out_features\": 3}}");
  m = step (m, "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"class\": \"MLP\", "
               "\"children\": {\"fc1\": \"fc1\", \"bn\": \"bn\", \"act\": \"act\", \"fc2\": \"fc2\"}}");
  for (guint i = 0; i < G_N_ELEMENTS (ckpts); i++)
    {
      g_autofree char *cp = g_build_filename (dir, ckpts[i][0], NULL);
      g_autoptr (PsTorchFile) tf = ps_torch_file_open (cp, PS_TORCH_OPEN_STRICT, &error);
      g_assert_no_error (error);
      g_autofree char *json = g_strdup_printf ("{\"op\": \"load\", \"target\": \"m\", \"file\": \"%s\"}", ckpts[i][0]);
      PsState *ml = step_ctx (m, json, &ctx, &error);
      g_assert_no_error (error);
      g_assert_nonnull (ml);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *stored = g_strconcat (ckpts[i][1], keys[k], NULL);
          g_autofree char *target = g_strconcat ("m.", keys[k], NULL);
          g_autoptr (PsTensor) want = ps_torch_file_load (tf, stored, &error);
          g_assert_no_error (error);
          PsParam *p = param (ml, target);
          if (!ps_tensor_equal (p->value, want))
            g_error ("%s: %s differs from the file's %s", ckpts[i][0], target, stored);
          if (k == 0)   /* it did change something: the constructor's values were other ones */
            g_assert_false (ps_tensor_equal (param (m, target)->value, want));
        }
      ps_state_unref (ml);
    }
  ps_state_unref (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/op/init-modules-unknown-class", test_init_modules_unknown_class);
  g_test_add_func ("/op/module", test_module);
  g_test_add_func ("/op/module-with-submodules", test_module_with_submodules);
  g_test_add_func ("/op/clone-preserves-sharing", test_clone_preserves_sharing);
  g_test_add_func ("/op/forward-writes-buffers", test_forward_writes_buffers);
  g_test_add_func ("/op/init-copy-on-write", test_init_and_copy_on_write);
  g_test_add_func ("/op/init-modules", test_init_modules);
  g_test_add_func ("/op/attach-detach-mode-seed", test_attach_detach_mode_seed);
  g_test_add_func ("/op/forward", test_forward);
  g_test_add_func ("/op/rename-move", test_rename_move);
  g_test_add_func ("/op/module-child-api", test_module_child_api);
  g_test_add_func ("/op/lazy", test_lazy_materialization);
  g_test_add_func ("/op/atomicity", test_atomicity);
  g_test_add_func ("/op/describe", test_describe);
  g_test_add_func ("/op/load", test_load);
  g_test_add_func ("/op/load-torch", test_load_torch);
  return g_test_run ();
}
