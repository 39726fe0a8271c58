/* test-layers.c — Linear, LazyLinear, the activations, Flatten and Dropout against torch 1.13:
 * parameter bits and draw counts (torch-1.13-golden.json), forwards, Dropout masks, reprs and
 * error messages (data/layers/<Type>.json, made by tests/golden/gen_layers.py). */
#include <math.h>
#include <string.h>
#include "ps-layers.h"
#include "ps-ops.h"
#include "gen-golden-util.h"
#include <cblas.h>

/* ---------- helpers ---------- */

static PsTensor *
json_tensor (JsonObject *t)
{
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (t, "shape"), shape);
  JsonArray *hex = json_object_get_array_member (t, "hex");
  g_autoptr (PsTensor) x = ps_tensor_new_empty (PS_DTYPE_FLOAT32, nd, shape, NULL);
  g_assert_nonnull (x);
  g_assert_cmpuint (json_array_get_length (hex), ==, (guint) x->numel);
  for (int64_t i = 0; i < x->numel; i++)
    {
      uint32_t u = golden_hex32 (json_array_get_string_element (hex, (guint) i));
      memcpy (&ps_tensor_f32 (x)[i], &u, 4);
    }
  return g_steal_pointer (&x);
}

static void
assert_bits (const char *what, const PsTensor *t, JsonObject *want)
{
  g_assert_nonnull (t);
  golden_assert_shape (what, t, want);
  golden_assert_f32 (what, ps_tensor_cf32 (t), (size_t) t->numel, json_object_get_array_member (want, "hex"));
}

static PsModule *
make (const char *type, PsArgs *args, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  PsModule *m = ps_module_new (type, args, gen, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static PsModule *
make_linear (int64_t in, int64_t out, gboolean bias, PsGenerator *gen)
{
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_int (a, "in_features", in);
  ps_args_set_int (a, "out_features", out);
  if (!bias)
    ps_args_set_bool (a, "bias", FALSE);
  return make ("Linear", a, gen);
}

static PsModule *
make_plain (const char *type, PsGenerator *gen)
{
  g_autoptr (PsArgs) a = ps_args_new ();
  return make (type, a, gen);
}

static PsTensor *
randn (PsGenerator *gen, int ndim, const int64_t *shape)
{
  PsTensor *x = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, NULL);
  ps_generator_normal_f32 (gen, ps_tensor_f32 (x), (size_t) x->numel, 0.0, 1.0, TRUE);
  return x;
}

static PsTensor *
forward_ok (PsModule *m, PsTensor *x, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  PsTensor *y = ps_module_forward (m, x, gen, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  return y;
}

/* Compares a module's state_dict with the golden tensors named in `order` (all of them must be
 * state_dict entries unless listed as extra). */
static void
assert_state_dict (const char *what, PsModule *m, JsonObject *c)
{
  JsonObject *tensors = json_object_get_object_member (c, "tensors");
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  guint matched = 0;
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_assert_true (json_object_has_member (tensors, it->path));
      g_autofree char *w = g_strdup_printf ("%s %s", what, it->path);
      assert_bits (w, it->param->value, json_object_get_object_member (tensors, it->path));
      matched++;
    }
  g_assert_cmpuint (matched, >, 0);
}

/* ---------- the shared golden set ---------- */

static void
run_shared_linear (JsonParser *parser, const char *name, int64_t in, int64_t out, gboolean bias)
{
  JsonObject *c = golden_find (parser, name);
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make_linear (in, out, bias, &gen);
  assert_state_dict (name, m, c);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (c, "tensors")), ==, bias ? 2 : 1);
  golden_assert_probe (name, &gen, c);
  /* the init records how the values were drawn */
  PsParam *w = ps_module_get_param (m, "weight");
  g_assert_cmpstr (w->init.fn, ==, "kaiming_uniform_");
  g_assert_cmpint (w->init.dist, ==, PS_DIST_UNIFORM);
  g_assert_cmpfloat_with_epsilon (w->init.b, 1.0 / sqrt ((double) in), 1e-12);  /* gain·√3/√in = 1/√in */
  if (bias)
    {
      PsParam *b = ps_module_get_param (m, "bias");
      g_assert_cmpint (b->init.dist, ==, PS_DIST_UNIFORM);
      g_assert_cmpfloat (b->init.a, ==, -1.0 / sqrt ((double) in));
      g_assert_cmpfloat (b->init.b, ==, 1.0 / sqrt ((double) in));
      g_assert_true (b->init.has_fans);
      g_assert_cmpint (b->init.fan_in, ==, in);
    }
}

static PsModule *
make_mlp (PsGenerator *gen)
{
  /* nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 4), nn.Tanh()) */
  PsModule *s = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (PsModule) l0 = make_linear (8, 16, TRUE, gen);
  g_autoptr (PsModule) a1 = make_plain ("ReLU", gen);
  g_autoptr (PsModule) l2 = make_linear (16, 16, TRUE, gen);
  g_autoptr (PsModule) a3 = make_plain ("GELU", gen);
  g_autoptr (PsModule) l4 = make_linear (16, 4, TRUE, gen);
  g_autoptr (PsModule) a5 = make_plain ("Tanh", gen);
  PsModule *kids[] = { l0, a1, l2, a3, l4, a5 };
  for (int i = 0; i < 6; i++)
    {
      char name[4];
      g_snprintf (name, sizeof name, "%d", i);
      g_assert_true (ps_module_add_child (s, name, kids[i], NULL));
    }
  return s;
}

static void
test_shared_module_cases (void)
{
  g_autoptr (JsonParser) parser = golden_load ("torch-1.13-golden.json");
  run_shared_linear (parser, "module.Linear(10,5)", 10, 5, TRUE);
  run_shared_linear (parser, "module.Linear(10,5,bias=False)", 10, 5, FALSE);
  run_shared_linear (parser, "module.Linear(64,32)", 64, 32, TRUE);
  run_shared_linear (parser, "module.Linear(3,2)", 3, 2, TRUE);

  {
    const char *name = "module.Sequential(Linear(8,16),ReLU,Linear(16,16),GELU,Linear(16,4),Tanh)";
    JsonObject *c = golden_find (parser, name);
    PsGenerator gen;
    ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
    g_autoptr (PsModule) s = make_mlp (&gen);
    assert_state_dict (name, s, c);
    golden_assert_probe (name, &gen, c);
    g_autofree char *r = ps_module_repr (s);
    g_assert_cmpstr (r, ==, "Sequential(\n  (0): Linear(in_features=8, out_features=16, bias=True)\n  (1): ReLU()\n"
                     "  (2): Linear(in_features=16, out_features=16, bias=True)\n  (3): GELU(approximate='none')\n"
                     "  (4): Linear(in_features=16, out_features=4, bias=True)\n  (5): Tanh()\n)");
  }
  {
    const char *name = "module.PReLU()";
    JsonObject *c = golden_find (parser, name);
    PsGenerator gen;
    ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
    g_autoptr (PsModule) m = make_plain ("PReLU", &gen);
    assert_state_dict (name, m, c);
    golden_assert_probe (name, &gen, c);
    g_assert_cmpint (ps_module_get_param (m, "weight")->init.dist, ==, PS_DIST_CONSTANT);
  }
  {
    const char *name = "module.Linear(4,3)+Linear(3,2).sequential_construction";
    JsonObject *c = golden_find (parser, name);
    JsonObject *t = json_object_get_object_member (c, "tensors");
    PsGenerator gen;
    ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
    g_autoptr (PsModule) a = make_linear (4, 3, TRUE, &gen);
    g_autoptr (PsModule) b = make_linear (3, 2, TRUE, &gen);
    assert_bits ("a.weight", ps_module_get_param (a, "weight")->value, json_object_get_object_member (t, "a.weight"));
    assert_bits ("a.bias", ps_module_get_param (a, "bias")->value, json_object_get_object_member (t, "a.bias"));
    assert_bits ("b.weight", ps_module_get_param (b, "weight")->value, json_object_get_object_member (t, "b.weight"));
    assert_bits ("b.bias", ps_module_get_param (b, "bias")->value, json_object_get_object_member (t, "b.bias"));
    golden_assert_probe (name, &gen, c);
  }
  {
    const char *name = "module.LazyLinear(5).materialized_on_ones(2,7)";
    JsonObject *c = golden_find (parser, name);
    JsonObject *t = json_object_get_object_member (c, "tensors");
    PsGenerator gen;
    ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
    g_autoptr (PsArgs) a = ps_args_new ();
    ps_args_set_int (a, "out_features", 5);
    g_autoptr (PsModule) m = make ("LazyLinear", a, &gen);
    g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 7, NULL);
    for (int i = 0; i < 14; i++)
      ps_tensor_f32 (x)[i] = 1.0f;
    g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
    assert_bits ("weight", ps_module_get_param (m, "weight")->value, json_object_get_object_member (t, "weight"));
    assert_bits ("bias", ps_module_get_param (m, "bias")->value, json_object_get_object_member (t, "bias"));
    assert_bits ("y", y, json_object_get_object_member (t, "y"));
    golden_assert_probe (name, &gen, c);
    g_assert_true (m->klass == &ps_linear_class);
  }
  {
    const char *name = "module.LazyLinear(5).randn_input_before_forward";
    JsonObject *c = golden_find (parser, name);
    JsonObject *t = json_object_get_object_member (c, "tensors");
    PsGenerator gen;
    ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
    g_autoptr (PsArgs) a = ps_args_new ();
    ps_args_set_int (a, "out_features", 5);
    g_autoptr (PsModule) m = make ("LazyLinear", a, &gen);
    int64_t shape[2] = { 2, 7 };
    g_autoptr (PsTensor) x = randn (&gen, 2, shape);
    assert_bits ("x", x, json_object_get_object_member (t, "x"));
    g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
    assert_bits ("weight", ps_module_get_param (m, "weight")->value, json_object_get_object_member (t, "weight"));
    assert_bits ("bias", ps_module_get_param (m, "bias")->value, json_object_get_object_member (t, "bias"));
    assert_bits ("y", y, json_object_get_object_member (t, "y"));
    golden_assert_probe (name, &gen, c);
  }
}

static void
run_shared_linear_forward (JsonParser *parser, const char *name, int64_t in, int64_t out, int ndim,
                           const int64_t *xshape)
{
  JsonObject *c = golden_find (parser, name);
  JsonObject *t = json_object_get_object_member (c, "tensors");
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make_linear (in, out, TRUE, &gen);
  g_autoptr (PsTensor) x = randn (&gen, ndim, xshape);
  g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
  assert_bits ("weight", ps_module_get_param (m, "weight")->value, json_object_get_object_member (t, "weight"));
  assert_bits ("x", x, json_object_get_object_member (t, "x"));
  assert_bits (name, y, json_object_get_object_member (t, "y"));   /* bit-exact: same sgemm call */
  golden_assert_probe (name, &gen, c);
}

static void
test_shared_forward_cases (void)
{
  g_autoptr (JsonParser) parser = golden_load ("torch-1.13-golden.json");
  int64_t s1[2] = { 3, 10 }, s2[2] = { 4, 300 }, s3[1] = { 6 };
  run_shared_linear_forward (parser, "forward.Linear(10,5)", 10, 5, 2, s1);
  run_shared_linear_forward (parser, "forward.Linear(300,7)", 300, 7, 2, s2);
  run_shared_linear_forward (parser, "forward.Linear(6,4).1d_input", 6, 4, 1, s3);

  const char *name = "forward.MLP(ReLU,GELU,Tanh)";
  JsonObject *c = golden_find (parser, name);
  JsonObject *t = json_object_get_object_member (c, "tensors");
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) s = make_mlp (&gen);
  int64_t xs[2] = { 5, 8 };
  g_autoptr (PsTensor) x = randn (&gen, 2, xs);
  golden_assert_probe (name, &gen, c);
  assert_state_dict (name, s, c);
  assert_bits ("x", x, json_object_get_object_member (t, "x"));
  PsModule *k[6];
  for (int i = 0; i < 6; i++)
    k[i] = ps_module_child_at (s, i);
  /* h1 = ReLU(Linear(x)): exact */
  g_autoptr (PsTensor) z0 = forward_ok (k[0], x, &gen);
  g_autoptr (PsTensor) h1 = forward_ok (k[1], z0, &gen);
  assert_bits ("h1", h1, json_object_get_object_member (t, "h1"));
  /* h2 = GELU(Linear(h1)): exact too (oneDNN's gelu_erf kernel reproduced) */
  g_autoptr (PsTensor) z2 = forward_ok (k[2], h1, &gen);
  g_autoptr (PsTensor) h2 = forward_ok (k[3], z2, &gen);
  assert_bits ("h2", h2, json_object_get_object_member (t, "h2"));
  /* y = Tanh(Linear(h2)): exact (Sleef's tanhf reproduced) */
  g_autoptr (PsTensor) z4 = forward_ok (k[4], h2, &gen);
  g_autoptr (PsTensor) y = forward_ok (k[5], z4, &gen);
  assert_bits ("y", y, json_object_get_object_member (t, "y"));
  /* and the whole Sequential runs the same path */
  g_autoptr (PsTensor) y_all = forward_ok (s, x, &gen);
  assert_bits ("y (Sequential)", y_all, json_object_get_object_member (t, "y"));
}

/* The seed article's example 3: l = Linear(10, 5); Sequential(l, l)(randn(1, 10)). */
static void
test_shared_module_twice_fails (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) l = make_linear (10, 5, TRUE, &gen);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, NULL);
  g_assert_true (ps_module_add_child (s, "0", l, NULL));
  g_assert_true (ps_module_add_child (s, "1", l, NULL));
  g_assert_cmpint (ps_module_count_parameters (s, NULL), ==, 55);
  int64_t shape[2] = { 1, 10 };
  g_autoptr (PsTensor) x = randn (&gen, 2, shape);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) y = ps_module_forward (s, x, &gen, &error);
  g_assert_null (y);
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)");
}

/* ---------- layer goldens (data/layers/) ---------- */

/* The layer goldens (data/layers/, one file per layer type): each section's cases run through its
 * case runner, one table row per section. */
typedef void (*CaseRunner) (JsonObject *root, JsonObject *c, const char *name);

typedef struct {
  const char *path, *section;
  guint min_cases;
  CaseRunner run;
} GoldenSection;

static void
run_golden_section (gconstpointer data)
{
  const GoldenSection *gs = data;
  g_autoptr (JsonNode) golden = golden_merge_dir ("layers");
  JsonObject *root = json_node_get_object (golden);
  JsonArray *cases = json_object_get_array_member (root, gs->section);
  g_assert_cmpuint (json_array_get_length (cases), >=, gs->min_cases);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *name = json_object_has_member (c, "name") ? json_object_get_string_member (c, "name")
                                                            : json_object_get_string_member (c, "type");
      gs->run (root, c, name);
    }
}

/* Every activation is reproduced bit for bit (torch 1.13, AVX2, one intra-op thread, glibc 2.36):
 * see the kernels' notes in ps-activation.c. */

static void
run_forward_case (JsonObject *root, JsonObject *c, const char *name)
{
  JsonObject *inputs = json_object_get_object_member (root, "inputs");
  const char *type = json_object_get_string_member (c, "type");
  JsonNode *xn = json_object_get_member (c, "x");
  JsonObject *xo = JSON_NODE_HOLDS_VALUE (xn)
                     ? json_object_get_object_member (inputs, json_node_get_string (xn))
                     : json_node_get_object (xn);
  g_autoptr (PsTensor) x = json_tensor (xo);
  g_autoptr (PsArgs) args = golden_args (json_object_get_object_member (c, "args"));
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make (type, args, &gen);
  if (json_object_has_member (c, "params"))
    assert_bits (name, ps_module_get_param (m, "weight")->value,
                 json_object_get_object_member (json_object_get_object_member (c, "params"), "weight"));
  before = gen;
  g_autoptr (PsTensor) y = NULL;
  if (json_object_has_member (c, "one_element") && json_object_get_boolean_member (c, "one_element"))
    {
      /* torch evaluated each element as its own one-element tensor */
      y = ps_tensor_new_like (x, NULL);
      for (int64_t k = 0; k < x->numel; k++)
        {
          int64_t one = 1;
          g_autoptr (PsTensor) xk = ps_tensor_new_from_f32 (1, &one, ps_tensor_cf32 (x) + k, NULL);
          g_autoptr (PsTensor) yk = forward_ok (m, xk, &gen);
          ps_tensor_f32 (y)[k] = ps_tensor_cf32 (yk)[0];
        }
    }
  else
    y = forward_ok (m, x, &gen);
  g_assert_true (ps_generator_equal (&before, &gen));   /* activations never draw */
  assert_bits (name, y, json_object_get_object_member (c, "y"));
  /* the input was not modified */
  g_autoptr (PsTensor) x2 = json_tensor (xo);
  g_assert_true (ps_tensor_equal (x, x2));
}

static void
run_dropout_case (JsonObject *root, JsonObject *c, const char *name)
{
  g_autoptr (PsTensor) x = json_tensor (json_object_get_object_member (c, "x"));
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_double (args, "p", golden_number (c, "p"));
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make ("Dropout", args, &gen);
  ps_module_set_training (m, json_object_get_boolean_member (c, "train"));
  g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
  assert_bits (name, y, json_object_get_object_member (c, "y"));
  golden_assert_probe (name, &gen, c);
}

static void
run_linear_case (JsonObject *root, JsonObject *c, const char *name)
{
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make_linear (json_object_get_int_member (c, "in_features"),
                                        json_object_get_int_member (c, "out_features"),
                                        json_object_get_boolean_member (c, "bias"), &gen);
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (c, "input_shape"), shape);
  g_autoptr (PsTensor) x = ps_tensor_new_empty (PS_DTYPE_FLOAT32, nd, shape, NULL);
  ps_generator_uniform_f32 (&gen, ps_tensor_f32 (x), (size_t) x->numel, -1.0, 1.0);
  g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
  /* Bit-exact: the same OpenBLAS, the same call, the same thread count (see ps-ops.c). */
  assert_bits (name, y, json_object_get_object_member (c, "y"));
  golden_assert_probe (name, &gen, c);
}

static void
run_modules_case (JsonObject *root, JsonObject *c, const char *name)
{
  g_autoptr (PsArgs) args = golden_args (json_object_get_object_member (c, "args"));
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make (json_object_get_string_member (c, "type"), args, &gen);
  if (json_object_has_member (c, "input_shape"))
    {
      int64_t shape[PS_MAX_DIMS];
      int nd = golden_shape (json_object_get_array_member (c, "input_shape"), shape);
      g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
      for (int64_t k = 0; k < x->numel; k++)
        ps_tensor_f32 (x)[k] = 1.0f;
      g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
      if (json_object_get_boolean_member (c, "uninitialized"))
        golden_assert_shape (name, y, json_object_get_object_member (c, "y"));
      else
        assert_bits (name, y, json_object_get_object_member (c, "y"));
      g_autofree char *r = ps_module_describe (m);
      g_assert_cmpstr (r, ==, json_object_get_string_member (c, "repr_after"));
    }
  JsonObject *sdj = json_object_get_object_member (c, "state_dict");
  JsonArray *order = json_object_get_array_member (c, "order");
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  g_assert_cmpuint (sd->len, ==, json_array_get_length (order));
  for (guint k = 0; k < sd->len; k++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, k);
      g_assert_cmpstr (it->path, ==, json_array_get_string_element (order, k));
      g_autofree char *what = g_strdup_printf ("%s %s", name, it->path);
      if (json_object_get_boolean_member (c, "uninitialized"))
        {
          /* torch.empty in torch: shape only, and we say the values were never drawn */
          golden_assert_shape (what, it->param->value, json_object_get_object_member (sdj, it->path));
          g_assert_cmpint (it->param->init.dist, ==, PS_DIST_NONE);
        }
      else
        assert_bits (what, it->param->value, json_object_get_object_member (sdj, it->path));
    }
  golden_assert_probe (name, &gen, c);
}

static void
run_repr_case (JsonObject *root, JsonObject *c, const char *name)
{
  g_autoptr (PsArgs) args = golden_args (json_object_get_object_member (c, "args"));
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make (json_object_get_string_member (c, "type"), args, &gen);
  g_autofree char *r = ps_module_describe (m);
  g_assert_cmpstr (r, ==, json_object_get_string_member (c, "repr"));
  g_autofree char *r2 = ps_module_repr (m);
  g_assert_cmpstr (r2, ==, r);
}

static void
run_errors_case (JsonObject *root, JsonObject *c, const char *name)
{
  const char *type = json_object_get_string_member (c, "type");
  const char *want = json_object_get_string_member (c, "error");
  g_autoptr (PsArgs) args = golden_args (json_object_get_object_member (c, "args"));
  PsGenerator gen, before;
  ps_generator_init (&gen, 3, PS_FLAVOUR_AVX2);
  ps_generator_random (&gen);   /* a generator in mid-stream */
  g_autoptr (GError) error = NULL;
  if (!json_object_has_member (c, "input_shape"))
    {
      before = gen;
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, want);
      g_assert_true (ps_generator_equal (&before, &gen));  /* a failed construction draws nothing */
      return;
    }
  g_autoptr (PsModule) m = make (type, args, &gen);
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (c, "input_shape"), shape);
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
  for (int64_t k = 0; k < x->numel; k++)
    ps_tensor_f32 (x)[k] = 1.0f;
  before = gen;
  g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
  g_assert_null (y);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, want);
  g_assert_true (ps_generator_equal (&before, &gen));
  g_assert_true (m->klass->is_lazy == (strcmp (type, "LazyLinear") == 0));  /* a failed materialization stays lazy */
}

static const GoldenSection golden_sections[] = {
  { "/layers/golden/forward", "forward", 40, run_forward_case },
  { "/layers/golden/dropout", "dropout", 10, run_dropout_case },
  { "/layers/golden/linear", "linear", 8, run_linear_case },
  { "/layers/golden/modules", "modules", 10, run_modules_case },
  { "/layers/golden/repr", "repr", 25, run_repr_case },
  { "/layers/golden/errors", "errors", 20, run_errors_case },
};

/* ---------- semantics ---------- */

static void
test_bad_arguments (void)
{
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  before = gen;
  g_autoptr (GError) error = NULL;
  struct { const char *type; const char *k1; int kind; const char *expect; } cases[] = {
    { "Linear", "device", 0, "unknown argument 'device'" },
    { "Linear", "dtype", 0, "unknown argument 'dtype'" },
    /* a string where an int is needed: torch.empty((out_features, in_features))'s refusal, as torch's */
    { "Linear", "in_features", 1, "empty(): argument 'size' must be tuple of SymInts, but found element of type str at pos 2" },
    { "LazyLinear", "in_features", 0, "unknown argument 'in_features'" },
    /* Dropout(p='ten'): Python's `p < 0` refuses it, as torch's */
    { "Dropout", "p", 1, "'<' not supported between instances of 'str' and 'int'" },
    { "Softmax", "axis", 0, "unknown argument 'axis'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (PsArgs) a = ps_args_new ();
      if (strcmp (cases[i].type, "Linear") == 0)
        {
          ps_args_set_int (a, "in_features", 3);
          ps_args_set_int (a, "out_features", 2);
        }
      if (strcmp (cases[i].type, "LazyLinear") == 0)
        ps_args_set_int (a, "out_features", 2);
      if (cases[i].kind == 0)
        ps_args_set_string (a, cases[i].k1, "cpu");
      else if (cases[i].kind == 1)
        ps_args_set_string (a, cases[i].k1, "ten");
      else
        ps_args_set_string (a, cases[i].k1, "erf");
      g_autoptr (PsModule) m = ps_module_new (cases[i].type, a, &gen, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("%s: '%s' does not mention %s", cases[i].type, error->message, cases[i].expect);
      g_assert_true (ps_generator_equal (&before, &gen));
      g_clear_error (&error);
    }
  /* a missing required argument */
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_int (a, "in_features", 3);
  g_assert_null (ps_module_new ("Linear", a, &gen, &error));
  g_assert_nonnull (strstr (error->message, "out_features"));
  g_assert_true (ps_generator_equal (&before, &gen));
  g_clear_error (&error);
  /* NaN passes torch's Dropout constructor and fails every forward; so does GELU('erf'); nn.Identity
   * takes and ignores any argument */
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_autoptr (PsArgs) d = ps_args_new ();
  ps_args_set_double (d, "p", NAN);
  g_autoptr (PsModule) dm = ps_module_new ("Dropout", d, &gen, &error);
  g_assert_no_error (error);
  g_assert_null (ps_module_forward (dm, x, &gen, &error));
  g_assert_cmpstr (error->message, ==, "dropout probability has to be between 0 and 1, but got nan");
  g_clear_error (&error);
  g_autoptr (PsArgs) ga = ps_args_new ();
  ps_args_set_string (ga, "approximate", "erf");
  g_autoptr (PsModule) gm = ps_module_new ("GELU", ga, &gen, &error);
  g_assert_no_error (error);
  g_assert_null (ps_module_forward (gm, x, &gen, &error));
  g_assert_cmpstr (error->message, ==, "approximate argument must be either none or tanh.");
  g_clear_error (&error);
  g_autoptr (PsArgs) ia = ps_args_new ();
  ps_args_set_string (ia, "x", "cpu");
  g_autoptr (PsModule) im = ps_module_new ("Identity", ia, &gen, &error);
  g_assert_no_error (error);
  g_autofree char *ir = ps_module_describe (im);
  g_assert_cmpstr (ir, ==, "Identity()");
}

static void
test_lazy_linear_semantics (void)
{
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  before = gen;
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_int (a, "out_features", 5);
  g_autoptr (PsModule) m = make ("LazyLinear", a, &gen);
  g_assert_true (ps_generator_equal (&before, &gen));        /* construction draws nothing */
  g_autofree char *r0 = ps_module_describe (m);
  g_assert_cmpstr (r0, ==, "LazyLinear(in_features=0, out_features=5, bias=True)");
  int lazy = 0;
  g_assert_cmpint (ps_module_count_parameters (m, &lazy), ==, 0);
  g_assert_cmpint (lazy, ==, 2);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  g_assert_cmpuint (sd->len, ==, 2);
  g_assert_null (((PsNamedItem *) sd->pdata[0])->param->value);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_module_reset_parameters (m, &gen, &error));  /* nothing to reset, no draws */
  g_assert_true (ps_generator_equal (&before, &gen));

  /* materialize a clone: the original stays lazy */
  g_autoptr (PsModule) c = ps_module_clone_tree (m, NULL);
  int64_t shape[3] = { 2, 3, 7 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape, NULL);
  g_autoptr (PsTensor) y = forward_ok (c, x, &gen);
  g_assert_cmpint (y->ndim, ==, 3);
  g_assert_cmpint (y->shape[2], ==, 5);
  g_assert_true (c->klass == &ps_linear_class);
  g_assert_true (m->klass == &ps_lazy_linear_class);
  g_assert_null (ps_module_get_param (m, "weight")->value);
  g_autofree char *r1 = ps_module_describe (c);
  g_assert_cmpstr (r1, ==, "Linear(in_features=7, out_features=5, bias=True)");
  g_autofree char *args = ps_args_to_python (c->args);
  g_assert_cmpstr (args, ==, "in_features=7, out_features=5, bias=True");
  g_assert_cmpint (ps_module_count_parameters (c, &lazy), ==, 40);
  g_assert_cmpint (lazy, ==, 0);

  /* the same draws as Linear(7, 5) constructed at that point of the stream */
  PsGenerator g2 = before;
  g_autoptr (PsModule) eager = make_linear (7, 5, TRUE, &g2);
  g_assert_true (ps_generator_equal (&g2, &gen));
  g_assert_true (ps_tensor_equal (ps_module_get_param (eager, "weight")->value,
                                  ps_module_get_param (c, "weight")->value));
  g_assert_true (ps_tensor_equal (ps_module_get_param (eager, "bias")->value,
                                  ps_module_get_param (c, "bias")->value));
  g_assert_cmpstr (ps_module_get_param (c, "weight")->init.fn, ==, "kaiming_uniform_");

  /* a second forward does not draw again; an input of another width now fails like Linear */
  PsGenerator g3 = gen;
  g_autoptr (PsTensor) y2 = forward_ok (c, x, &gen);
  g_assert_true (ps_generator_equal (&g3, &gen));
  g_assert_true (ps_tensor_equal (y, y2));
  g_autoptr (PsTensor) x8 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 8, NULL);
  g_assert_null (ps_module_forward (c, x8, &gen, &error));
  g_assert_cmpstr (error->message, ==, "mat1 and mat2 shapes cannot be multiplied (2x8 and 7x5)");
}

static void
test_reset_parameters_never_writes_in_place (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 1, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = make_linear (6, 3, TRUE, &gen);
  g_autoptr (PsModule) snapshot = ps_module_clone_tree (m, NULL);
  PsTensor *old_w = ps_module_get_param (m, "weight")->value;
  g_autoptr (PsTensor) kept = ps_tensor_copy (old_w, NULL);
  g_autoptr (GError) error = NULL;
  PsGenerator before = gen;
  g_assert_true (ps_module_reset_parameters (m, &gen, &error));
  g_assert_false (ps_generator_equal (&before, &gen));
  PsTensor *new_w = ps_module_get_param (m, "weight")->value;
  g_assert_true (new_w != old_w);
  g_assert_false (ps_tensor_equal (new_w, kept));
  /* the snapshot still holds the old values */
  g_assert_true (ps_tensor_equal (ps_module_get_param (snapshot, "weight")->value, kept));
  /* 18 + 3 draws: reset again from `before` on a fresh Linear gives the same values */
  PsGenerator g2 = before;
  g_autoptr (PsModule) m2 = make_linear (6, 3, TRUE, &g2);
  g_assert_true (ps_tensor_equal (ps_module_get_param (m2, "weight")->value, new_w));
  g_assert_true (ps_generator_equal (&g2, &gen));

  /* PReLU's reset is a constant fill */
  g_autoptr (PsArgs) pa = ps_args_new ();
  ps_args_set_int (pa, "num_parameters", 3);
  ps_args_set_double (pa, "init", 0.1);
  g_autoptr (PsModule) p = make ("PReLU", pa, &gen);
  before = gen;
  g_assert_true (ps_module_reset_parameters (p, &gen, &error));
  g_assert_true (ps_generator_equal (&before, &gen));
  g_assert_cmpfloat (ps_tensor_cf32 (ps_module_get_param (p, "weight")->value)[2], ==, 0.1f);
}

static void
test_dropout_modes (void)
{
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  int64_t shape[2] = { 8, 16 };
  g_autoptr (PsTensor) x = randn (&gen, 2, shape);
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_double (a, "p", 0.5);
  g_autoptr (PsModule) m = make ("Dropout", a, &gen);
  before = gen;
  /* train: 2 draws per element, kept elements scaled by 2 exactly */
  g_autoptr (PsTensor) y = forward_ok (m, x, &gen);
  int kept = 0;
  for (int64_t i = 0; i < x->numel; i++)
    {
      float xi = ps_tensor_cf32 (x)[i], yi = ps_tensor_cf32 (y)[i];
      g_assert_true (yi == 0.0f || yi == xi * 2.0f);
      kept += yi != 0.0f;
    }
  g_assert_cmpint (kept, >, 32);
  g_assert_cmpint (kept, <, 96);
  PsGenerator expect = before;
  for (int i = 0; i < 2 * 128; i++)
    ps_generator_random (&expect);
  g_assert_true (ps_generator_equal (&expect, &gen));
  /* eval: identity, no draws */
  ps_module_set_training (m, FALSE);
  before = gen;
  g_autoptr (PsTensor) ye = forward_ok (m, x, &gen);
  g_assert_true (ps_tensor_equal (ye, x));
  g_assert_true (ps_generator_equal (&before, &gen));
}

/* Empty tensors with huge other dims: only the zero makes them small. (Dims whose product passes
 * int64 would already overflow in ps-tensor.c's stride computation, so stay just below.) */
static void
test_empty_huge_shapes (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  int64_t shape[4] = { 0, 3, (int64_t) 1 << 30, (int64_t) 1 << 30 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (x->numel, ==, 0);
  g_autoptr (PsArgs) pa = ps_args_new ();
  ps_args_set_int (pa, "num_parameters", 3);
  g_autoptr (PsModule) prelu = make ("PReLU", pa, &gen);
  g_autoptr (PsTensor) y = forward_ok (prelu, x, &gen);
  g_assert_cmpint (y->numel, ==, 0);
  const char *types[] = { "ReLU", "GELU", "Softmax", "Dropout", "Identity" };
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (PsModule) m = make_plain (types[i], &gen);
      g_autoptr (PsTensor) z = forward_ok (m, x, &gen);
      g_assert_true (ps_tensor_same_shape (z, x));
    }
  g_autoptr (PsModule) flatten = make_plain ("Flatten", &gen);
  g_autoptr (PsTensor) f = forward_ok (flatten, x, &gen);
  g_assert_cmpint (f->ndim, ==, 2);
  g_assert_cmpint (f->shape[1], ==, (int64_t) 3 << 60);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Linear outputs are bit-exact only with torch's OpenBLAS thread count, recorded by
   * gen_layers.py; pin it before the first BLAS call so the test does not depend on the
   * environment it runs in (OPENBLAS_NUM_THREADS, CPU count). */
  {
    g_autoptr (JsonNode) golden = golden_merge_dir ("layers");
    JsonObject *meta = json_object_get_object_member (json_node_get_object (golden), "meta");
    g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (meta, "openblas_num_threads"));
    g_setenv ("PS_BLAS_THREADS", n, TRUE);
    g_assert_cmpint (ps_ops_blas_threads (), ==, json_object_get_int_member (meta, "openblas_num_threads"));
    /* the kernel is chosen when the library loads (OPENBLAS_CORETYPE, else CPU detection) */
    const char *core = json_object_get_string_member (meta, "openblas_corename");
    if (g_ascii_strcasecmp (openblas_get_corename (), core) != 0)
      g_error ("the golden Linear outputs were made with OpenBLAS's %s kernels, this process uses %s: "
               "run with OPENBLAS_CORETYPE=%s (meson test sets it)", core, openblas_get_corename (), core);
  }
  g_test_add_func ("/layers/shared-golden/modules", test_shared_module_cases);
  g_test_add_func ("/layers/shared-golden/forward", test_shared_forward_cases);
  g_test_add_func ("/layers/shared-golden/module-used-twice", test_shared_module_twice_fails);
  for (guint i = 0; i < G_N_ELEMENTS (golden_sections); i++)
    g_test_add_data_func (golden_sections[i].path, &golden_sections[i], run_golden_section);
  g_test_add_func ("/layers/bad-arguments", test_bad_arguments);
  g_test_add_func ("/layers/lazy-linear", test_lazy_linear_semantics);
  g_test_add_func ("/layers/reset-never-writes-in-place", test_reset_parameters_never_writes_in_place);
  g_test_add_func ("/layers/dropout-modes", test_dropout_modes);
  g_test_add_func ("/layers/empty-huge-shapes", test_empty_huge_shapes);
  return g_test_run ();
}
