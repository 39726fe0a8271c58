/* Convolutions, LazyConv2d, Embedding and Bilinear against torch 1.13: the shared golden cases,
 * tests/data/conv/ (tests/golden/gen_conv.py, one file per layer type), the im2col engine against the naive
 * direct kernel, and the lazy-module life cycle. */
#include "layer-golden.h"
#include "ps-im2col.h"
#include "ps-conv.h"

#include <math.h>
#include <string.h>

static const char *const conv_types[] = {
  "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv2d",
  "Embedding", "Bilinear", NULL
};
static const char *const exact_types[] = { "Embedding", "Bilinear", NULL };

/* The arguments of a convolution: in_channels, out_channels, kernel_size. */
static PsArgs *
conv_args (int64_t in_channels, int64_t out_channels, int64_t kernel_size)
{
  PsArgs *a = ps_args_new ();
  ps_args_set_int (a, "in_channels", in_channels);
  ps_args_set_int (a, "out_channels", out_channels);
  ps_args_set_int (a, "kernel_size", kernel_size);
  return a;
}

static void
test_fixture_forward (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_cases (p, conv_types, exact_types), >=, 40);
}

static void
test_fixture_errors (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_errors (p, conv_types), >=, 25);
}

static void
test_fixture_reprs (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_reprs (p, conv_types), >=, 12);
}

static void
test_shared_modules (void)
{
  g_autoptr (JsonParser) p = golden_load ("torch-1.13-golden.json");
  static const char *const cases[][2] = {
    { "module.Conv1d(4,6,3)", "{\"type\":\"Conv1d\",\"args\":{\"in_channels\":4,\"out_channels\":6,\"kernel_size\":3}}" },
    { "module.Conv2d(3,8,3)", "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":8,\"kernel_size\":3}}" },
    { "module.Conv2d(4,8,(3,5),groups=2)",
      "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":4,\"out_channels\":8,\"kernel_size\":[3,5],\"groups\":2}}" },
    { "module.Conv2d(8,8,3,groups=8)",
      "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":8,\"out_channels\":8,\"kernel_size\":3,\"groups\":8}}" },
    { "module.Conv2d(3,4,1,bias=False)",
      "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":4,\"kernel_size\":1,\"bias\":false}}" },
    { "module.Conv3d(2,4,(2,3,3))",
      "{\"type\":\"Conv3d\",\"args\":{\"in_channels\":2,\"out_channels\":4,\"kernel_size\":[2,3,3]}}" },
    { "module.ConvTranspose1d(4,6,3)",
      "{\"type\":\"ConvTranspose1d\",\"args\":{\"in_channels\":4,\"out_channels\":6,\"kernel_size\":3}}" },
    { "module.ConvTranspose2d(4,6,3,groups=2)",
      "{\"type\":\"ConvTranspose2d\",\"args\":{\"in_channels\":4,\"out_channels\":6,\"kernel_size\":3,\"groups\":2}}" },
    { "module.ConvTranspose3d(2,3,2)",
      "{\"type\":\"ConvTranspose3d\",\"args\":{\"in_channels\":2,\"out_channels\":3,\"kernel_size\":2}}" },
    { "module.Embedding(10,4)", "{\"type\":\"Embedding\",\"args\":{\"num_embeddings\":10,\"embedding_dim\":4}}" },
    { "module.Embedding(10,4,padding_idx=2)",
      "{\"type\":\"Embedding\",\"args\":{\"num_embeddings\":10,\"embedding_dim\":4,\"padding_idx\":2}}" },
    { "module.Embedding(6,3,padding_idx=-1)",
      "{\"type\":\"Embedding\",\"args\":{\"num_embeddings\":6,\"embedding_dim\":3,\"padding_idx\":-1}}" },
    { "module.Embedding(3,5)", "{\"type\":\"Embedding\",\"args\":{\"num_embeddings\":3,\"embedding_dim\":5}}" },
    { "module.Bilinear(3,4,5)",
      "{\"type\":\"Bilinear\",\"args\":{\"in1_features\":3,\"in2_features\":4,\"out_features\":5}}" },
    { "module.LazyConv2d(4,3).materialized_on_ones(1,3,8,8)",
      "{\"type\":\"LazyConv2d\",\"args\":{\"out_channels\":4,\"kernel_size\":3},\"steps\":[{\"ones\":[1,3,8,8]}]}" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    layer_run_shared (p, cases[i][0], cases[i][1], TRUE);
}

static void
test_shared_forward (void)
{
  g_autoptr (JsonParser) p = golden_load ("torch-1.13-golden.json");
  /* note: "conv backend: _ConvBackend.Slow2d" — reproduced bit for bit */
  g_assert_nonnull (strstr (json_object_get_string_member (golden_find (p, "forward.Conv2d(3,4,3,padding=1).N1"), "note"),
                            "Slow2d"));
  layer_run_shared (p, "forward.Conv2d(3,4,3,padding=1).N1",
                    "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":4,\"kernel_size\":3,\"padding\":1},"
                    "\"steps\":[{\"shape\":[1,3,6,6]}]}", TRUE);
  /* Mkldnn (oneDNN) in torch: tolerance */
  g_assert_nonnull (strstr (json_object_get_string_member (golden_find (p, "forward.Conv2d(3,8,3).N2"), "note"), "Mkldnn"));
  layer_run_shared (p, "forward.Conv2d(3,8,3).N2",
                    "{\"type\":\"Conv2d\",\"args\":{\"in_channels\":3,\"out_channels\":8,\"kernel_size\":3},"
                    "\"steps\":[{\"shape\":[2,3,8,8]}]}", FALSE);
  layer_run_shared (p, "forward.Embedding(10,4)",
                    "{\"type\":\"Embedding\",\"args\":{\"num_embeddings\":10,\"embedding_dim\":4,\"padding_idx\":0},"
                    "\"steps\":[{\"idx\":{\"shape\":[2,4],\"dtype\":\"int64\",\"int\":[1,2,4,5,4,3,0,9]}}]}", TRUE);
}

/* module.Sequential(Conv2d(1,4,3),ReLU,Conv2d(4,8,3,padding=1),Flatten,Linear(288,10)): children
 * constructed left to right on one stream. */
static void
test_shared_sequential (void)
{
  g_autoptr (JsonParser) p = golden_load ("torch-1.13-golden.json");
  JsonObject *c = golden_find (p, "module.Sequential(Conv2d(1,4,3),ReLU,Conv2d(4,8,3,padding=1),Flatten,Linear(288,10))");
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, &error);
  g_assert_no_error (error);
  const char *types[] = { "Conv2d", "ReLU", "Conv2d", "Flatten", "Linear" };
  PsArgs *args[5];
  for (int i = 0; i < 5; i++)
    args[i] = ps_args_new ();
  ps_args_set_int (args[0], "in_channels", 1);
  ps_args_set_int (args[0], "out_channels", 4);
  ps_args_set_int (args[0], "kernel_size", 3);
  ps_args_set_int (args[2], "in_channels", 4);
  ps_args_set_int (args[2], "out_channels", 8);
  ps_args_set_int (args[2], "kernel_size", 3);
  ps_args_set_int (args[2], "padding", 1);
  ps_args_set_int (args[4], "in_features", 288);
  ps_args_set_int (args[4], "out_features", 10);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr (PsModule) m = ps_module_new (types[i], args[i], &gen, &error);
      g_assert_no_error (error);
      g_autofree char *name = g_strdup_printf ("%d", i);
      g_assert_true (ps_module_add_child (s, name, m, &error));
      ps_args_free (args[i]);
    }
  g_autoptr (GPtrArray) sd = ps_module_state_dict (s);
  JsonArray *order = json_object_get_array_member (c, "order");
  JsonObject *T = json_object_get_object_member (c, "tensors");
  g_assert_cmpuint (sd->len, ==, json_array_get_length (order));
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_assert_cmpstr (it->path, ==, json_array_get_string_element (order, i));
      layer_assert_bits (it->path, it->param->value, json_object_get_object_member (T, it->path));
    }
  PsGenerator after = gen;
  golden_assert_probe ("Sequential(Conv2d…)", &gen, c);
  /* and it runs: (2, 1, 8, 8) → (2, 10) */
  gen = after;
  int64_t shape[4] = { 2, 1, 8, 8 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, NULL);
  g_autoptr (PsTensor) y = ps_module_forward (s, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 2);
  g_assert_cmpint (y->shape[1], ==, 10);
}

/* torch's backend choice, predicted for every recorded fixture forward (oneDNN enabled) */
static void
test_backend_prediction (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  const int threads = (int) json_object_get_int_member (json_object_get_object_member (root, "meta"), "num_threads");
  JsonArray *cases = golden_cases (p);
  int n = 0, exact = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!g_str_has_prefix (type, "Conv") && !g_str_has_prefix (type, "LazyConv"))
        continue;
      if (!json_object_get_boolean_member (c, "mkldnn"))
        continue;
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      JsonObject *st = json_array_get_object_element (json_object_get_array_member (c, "steps"), 0);
      int64_t shape[PS_MAX_DIMS];
      int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
      g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
      if (m->klass->is_lazy)
        {
          g_assert_null (ps_conv_module_torch_backend (m, x, threads, &error));
          g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
          g_clear_error (&error);
          g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
          g_assert_no_error (error);
        }
      const char *got = ps_conv_module_torch_backend (m, x, threads, &error);
      g_assert_no_error (error);
      const char *want = json_array_get_string_element (json_object_get_array_member (c, "backend"), 0);
      if (g_str_has_prefix (want, "explicit pad + "))
        want += strlen ("explicit pad + ");
      if (g_strcmp0 (got, want) != 0)
        g_error ("%s: predicted %s, torch %s", json_object_get_string_member (c, "name"), got, want);
      exact += g_str_has_prefix (got, "Slow");
      n++;
    }
  g_assert_cmpint (n, >=, 25);
  g_assert_cmpint (exact, >, 0);
  g_assert_cmpint (exact, <, n);
  /* a shape error is reported as the forward would */
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = conv_args (3, 2, 3);
  g_autoptr (PsModule) m = ps_module_new ("Conv2d", args, &gen, &error);
  g_autoptr (PsTensor) bad = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 3, 3, NULL);
  g_assert_null (ps_conv_module_torch_backend (m, bad, 1, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
}

/* Zero sizes, as torch 1.13 handles them (facts checked with torch): no draws for empty weights,
 * empty batches give empty outputs of the right shape. */
static void
test_zero_sizes (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen, fresh;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  fresh = gen;
  const int64_t cfg[][3] = { { 0, 8, 3 }, { 3, 0, 3 } };
  for (guint i = 0; i < G_N_ELEMENTS (cfg); i++)
    {
      g_autoptr (PsArgs) a = conv_args (cfg[i][0], cfg[i][1], cfg[i][2]);
      g_autoptr (PsModule) m = ps_module_new ("Conv2d", a, &gen, &error);
      g_assert_no_error (error);
      g_assert_true (ps_generator_equal (&gen, &fresh));
    }
  const char *types[] = { "Conv2d", "ConvTranspose2d" };
  const int64_t want[][4] = { { 0, 4, 3, 3 }, { 0, 4, 7, 7 } };
  for (int t = 0; t < 2; t++)
    {
      g_autoptr (PsArgs) a = conv_args (3, 4, 3);
      g_autoptr (PsModule) m = ps_module_new (types[t], a, &gen, &error);
      g_assert_no_error (error);
      int64_t shape[4] = { 0, 3, 5, 5 };
      g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, NULL);
      g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
      g_assert_no_error (error);
      g_assert_cmpint (y->ndim, ==, 4);
      g_assert_cmpmem (y->shape, 4 * sizeof (int64_t), want[t], 4 * sizeof (int64_t));
    }
  g_autoptr (PsArgs) ea = ps_args_new ();
  ps_args_set_int (ea, "num_embeddings", 5);
  ps_args_set_int (ea, "embedding_dim", 3);
  g_autoptr (PsModule) em = ps_module_new ("Embedding", ea, &gen, &error);
  g_autoptr (PsTensor) idx = ps_tensor_new_1d (PS_DTYPE_INT64, 0, NULL);
  g_autoptr (PsTensor) ey = ps_module_forward (em, idx, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ey->ndim, ==, 2);
  g_assert_cmpint (ey->shape[0], ==, 0);
  g_assert_cmpint (ey->shape[1], ==, 3);
  g_autoptr (PsArgs) ba = ps_args_new ();
  ps_args_set_int (ba, "in1_features", 3);
  ps_args_set_int (ba, "in2_features", 3);
  ps_args_set_int (ba, "out_features", 2);
  g_autoptr (PsModule) bl = ps_module_new ("Bilinear", ba, &gen, &error);
  g_autoptr (PsTensor) bx = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 0, 3, NULL);
  g_autoptr (PsTensor) by = ps_module_forward (bl, bx, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (by->shape[0], ==, 0);
  g_assert_cmpint (by->shape[1], ==, 2);
}

/* The gemm engine against the direct loops, over many geometries (all three dims, transposed,
 * groups, strides, dilations, asymmetric padding, bias or not). */
static void
test_engine_vs_naive (void)
{
  GRand *r = g_rand_new_with_seed (42);
  int checked = 0;
  for (int iter = 0; iter < 300; iter++)
    {
      PsConvShape s = { 0 };
      const int nd = g_rand_int_range (r, 1, 4);
      s.transposed = g_rand_boolean (r);
      s.groups = g_rand_int_range (r, 1, 4);
      s.batch = g_rand_int_range (r, 1, 3);
      s.in_channels = s.groups * g_rand_int_range (r, 1, 4);
      s.out_channels = s.groups * g_rand_int_range (r, 1, 4);
      for (int d = 0; d < 3; d++)
        {
          const gboolean used = d >= 3 - nd;
          s.in[d] = used ? g_rand_int_range (r, 1, 8) : 1;
          s.kernel[d] = used ? g_rand_int_range (r, 1, 4) : 1;
          s.stride[d] = used ? g_rand_int_range (r, 1, 3) : 1;
          s.dilation[d] = used ? g_rand_int_range (r, 1, 3) : 1;
          s.pad_lo[d] = used ? g_rand_int_range (r, 0, 3) : 0;
          s.pad_hi[d] = s.transposed || !used ? s.pad_lo[d] : s.pad_lo[d] + g_rand_int_range (r, 0, 2);
          s.output_padding[d] = s.transposed && used && s.stride[d] > 1 ? g_rand_int_range (r, 0, (gint32) s.stride[d]) : 0;
        }
      int64_t out[3], ny;
      if (!ps_conv_output_size (&s, out, NULL) || out[0] < 1 || out[1] < 1 || out[2] < 1)
        continue;
      g_assert_true (ps_conv_output_numel (&s, &ny, NULL));
      const int64_t kvol = s.kernel[0] * s.kernel[1] * s.kernel[2];
      const int64_t nx = s.batch * s.in_channels * s.in[0] * s.in[1] * s.in[2];
      const int64_t nw = s.transposed ? s.in_channels * (s.out_channels / s.groups) * kvol
                                      : s.out_channels * (s.in_channels / s.groups) * kvol;
      float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, s.out_channels);
      float *y1 = g_new (float, ny), *y2 = g_new (float, ny);
      for (int64_t i = 0; i < nx; i++)
        x[i] = (float) g_rand_double_range (r, -1, 1);
      for (int64_t i = 0; i < nw; i++)
        w[i] = (float) g_rand_double_range (r, -1, 1);
      for (int64_t i = 0; i < s.out_channels; i++)
        b[i] = (float) g_rand_double_range (r, -1, 1);
      const gboolean bias = g_rand_boolean (r);
      g_assert_true (ps_conv_forward_gemm (&s, x, w, bias ? b : NULL, y1, NULL));
      ps_conv_forward_naive (&s, x, w, bias ? b : NULL, y2);
      for (int64_t i = 0; i < ny; i++)
        if (!(fabsf (y1[i] - y2[i]) <= 1e-5f + 1e-4f * fabsf (y2[i])))
          g_error ("iter %d (nd %d, transposed %d, groups %" G_GINT64_FORMAT "): [%" G_GINT64_FORMAT "] gemm %.9g, naive %.9g",
                   iter, nd, s.transposed, s.groups, i, y1[i], y2[i]);
      g_free (x), g_free (w), g_free (b), g_free (y1), g_free (y2);
      checked++;
    }
  g_rand_free (r);
  g_assert_cmpint (checked, >, 150);
}

static void
test_lazy_lifecycle (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  before = gen;
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "out_channels", 4);
  ps_args_set_int (args, "kernel_size", 3);
  g_autoptr (PsModule) m = ps_module_new ("LazyConv2d", args, &gen, &error);
  g_assert_no_error (error);
  /* no draws at construction; parameters uninitialized */
  g_assert_true (ps_generator_equal (&gen, &before));
  int lazy = 0;
  g_assert_cmpint (ps_module_count_parameters (m, &lazy), ==, 0);
  g_assert_cmpint (lazy, ==, 2);
  g_autofree char *r0 = ps_module_repr (m);
  g_assert_cmpstr (r0, ==, "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))");
  /* reset_parameters on an unmaterialized lazy module is a no-op, like torch */
  g_assert_true (ps_module_reset_parameters (m, &gen, &error));
  g_assert_true (ps_generator_equal (&gen, &before));

  /* a clone materializes independently */
  g_autoptr (PsModule) c = ps_module_clone_tree (m, NULL);
  int64_t shape[4] = { 2, 5, 6, 6 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, NULL);
  g_autoptr (PsTensor) y = ps_module_forward (c, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_false (ps_generator_equal (&gen, &before));
  g_assert_cmpstr (c->klass->name, ==, "Conv2d");
  g_assert_cmpstr (m->klass->name, ==, "LazyConv2d");
  g_assert_null (ps_module_get_param (m, "weight")->value);
  g_assert_cmpint (ps_module_count_parameters (c, NULL), ==, 4 * 5 * 9 + 4);
  g_autofree char *r1 = ps_module_repr (c);
  g_assert_cmpstr (r1, ==, "Conv2d(5, 4, kernel_size=(3, 3), stride=(1, 1))");
  g_assert_cmpint (ps_args_get_int (c->args, "in_channels"), ==, 5);
  g_assert_cmpint (y->shape[1], ==, 4);
  g_assert_cmpint (y->shape[2], ==, 4);
  /* later forwards do not draw */
  PsGenerator mid = gen;
  g_autoptr (PsTensor) y2 = ps_module_forward (c, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_true (ps_generator_equal (&gen, &mid));
  g_assert_true (ps_tensor_equal (y, y2));
  /* the materialized weight carries its init info */
  g_assert_cmpint (ps_module_get_param (c, "weight")->init.dist, ==, PS_DIST_UNIFORM);
  g_assert_cmpint (ps_module_get_param (c, "bias")->init.dist, ==, PS_DIST_UNIFORM);
}

static void
test_reset_writes_new_tensors (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 1, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = conv_args (3, 2, 2);
  g_autoptr (PsModule) m = ps_module_new ("Conv2d", args, &gen, &error);
  g_assert_no_error (error);
  PsParam *w = ps_module_get_param (m, "weight");
  g_autoptr (PsTensor) old = ps_tensor_ref (w->value);
  g_autoptr (PsTensor) snapshot = ps_tensor_copy (old, NULL);
  g_assert_true (ps_module_reset_parameters (m, &gen, &error));
  g_assert_true (w->value != old);
  g_assert_true (ps_tensor_equal (old, snapshot));
  g_assert_false (ps_tensor_equal (w->value, old));
  /* init info: kaiming_uniform_(a=√5) → bound = 1/√fan_in; bias bound 1/√fan_in too */
  g_assert_true (w->init.has_fans);
  g_assert_cmpint (w->init.fan_in, ==, 12);
  g_assert_cmpfloat_with_epsilon (w->init.b, 1.0 / sqrt (12.0), 1e-12);
  PsParam *b = ps_module_get_param (m, "bias");
  g_assert_cmpfloat_with_epsilon (b->init.b, 1.0 / sqrt (12.0), 1e-12);
}

static void
test_argument_errors (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = conv_args (3, 2, 3);
  ps_args_set_string (args, "padding", "foo");
  g_autoptr (PsModule) m = ps_module_new ("Conv2d", args, &gen, &error);
  g_assert_null (m);
  g_assert_nonnull (strstr (error->message, "'valid', 'same'"));
  g_clear_error (&error);
  /* where torch has no string form, _pair wraps the string into a tuple of characters: the module
   * constructs and conv_transpose2d's argument parser refuses it at the forward */
  g_autoptr (PsModule) t = ps_module_new ("ConvTranspose2d", args, &gen, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  {
    const int64_t xs[4] = { 1, 3, 5, 5 };
    g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, xs, NULL);
    g_assert_null (ps_module_forward (t, x, &gen, &error));
    g_assert_cmpstr (error->message, ==, "conv_transpose2d(): argument 'padding' (position 5) must be tuple of ints, not tuple");
    g_clear_error (&error);
  }
  /* stride 0 and a too large output_padding construct, as in torch, and fail at the first
   * forward with torch's messages (tests/doc/test-module-args.c checks the whole table) */
  ps_args_set_int (args, "padding", 0);
  ps_args_set_int (args, "stride", 0);
  const int64_t x4[4] = { 1, 3, 5, 5 }, x3[3] = { 1, 4, 5 };
  g_autoptr (PsTensor) in4 = ps_tensor_new (PS_DTYPE_FLOAT32, 4, x4, NULL);
  g_autoptr (PsTensor) in3 = ps_tensor_new (PS_DTYPE_FLOAT32, 3, x3, NULL);
  g_autoptr (PsModule) s0 = ps_module_new ("Conv2d", args, &gen, &error);
  g_assert_no_error (error);
  g_assert_null (ps_module_forward (s0, in4, &gen, &error));
  g_assert_cmpstr (error->message, ==, "non-positive stride is not supported");
  g_clear_error (&error);
  ps_args_set_int (args, "stride", 1);
  int64_t op[2] = { 1, 1 };
  g_assert_true (ps_args_set_int_list (args, "output_padding", op, 2, NULL));
  g_autoptr (PsModule) t2 = ps_module_new ("ConvTranspose2d", args, &gen, &error);
  g_assert_no_error (error);
  g_assert_null (ps_module_forward (t2, in4, &gen, &error));
  g_assert_cmpstr (error->message, ==, "output padding must be smaller than either stride or dilation, but got "
                   "output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 "
                   "dilation_height: 1 dilation_width: 1");
  g_clear_error (&error);
  int64_t op1[1] = { 1 };
  g_autoptr (PsArgs) t1 = conv_args (4, 6, 3);
  g_assert_true (ps_args_set_int_list (t1, "output_padding", op1, 1, NULL));
  g_autoptr (PsModule) m1 = ps_module_new ("ConvTranspose1d", t1, &gen, &error);
  g_assert_no_error (error);
  g_assert_null (ps_module_forward (m1, in3, &gen, &error));
  g_assert_cmpstr (error->message, ==, "output padding must be smaller than either stride or dilation, but got "
                   "output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 "
                   "dilation_height: 1 dilation_width: 1");
  g_clear_error (&error);

  /* absurd sizes: an error, never an overflow */
  g_autoptr (PsArgs) big = conv_args (1, 1, 3);
  ps_args_set_int (big, "dilation", G_MAXINT64 / 2 + 1);
  g_autoptr (PsModule) bm = ps_module_new ("Conv1d", big, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) bx = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 1, 5, NULL);
  g_assert_null (ps_module_forward (bm, bx, &gen, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
  g_clear_error (&error);

  /* Bilinear with in1 != in2 constructs (draws like torch) but cannot run on one input */
  g_autoptr (PsArgs) ba = ps_args_new ();
  ps_args_set_int (ba, "in1_features", 3);
  ps_args_set_int (ba, "in2_features", 4);
  ps_args_set_int (ba, "out_features", 2);
  g_autoptr (PsModule) bl = ps_module_new ("Bilinear", ba, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
  g_assert_null (ps_module_forward (bl, x, &gen, &error));
  g_assert_nonnull (strstr (error->message, "in1_features == in2_features (got 3 and 4)"));
  g_clear_error (&error);

  /* Embedding: out-of-range indices */
  g_autoptr (PsArgs) ea = ps_args_new ();
  ps_args_set_int (ea, "num_embeddings", 4);
  ps_args_set_int (ea, "embedding_dim", 2);
  g_autoptr (PsModule) em = ps_module_new ("Embedding", ea, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) idx = ps_tensor_new_1d (PS_DTYPE_INT64, 3, NULL);
  ps_tensor_i64 (idx)[1] = 4;
  g_assert_null (ps_module_forward (em, idx, &gen, &error));
  g_assert_cmpstr (error->message, ==, "index out of range in self");
  g_clear_error (&error);
  ps_tensor_i64 (idx)[1] = -1;
  g_assert_null (ps_module_forward (em, idx, &gen, &error));
  g_assert_cmpstr (error->message, ==, "index out of range in self");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/fixture/forward", test_fixture_forward);
  g_test_add_func ("/conv/fixture/errors", test_fixture_errors);
  g_test_add_func ("/conv/fixture/reprs", test_fixture_reprs);
  g_test_add_func ("/conv/shared/modules", test_shared_modules);
  g_test_add_func ("/conv/shared/forward", test_shared_forward);
  g_test_add_func ("/conv/shared/sequential", test_shared_sequential);
  g_test_add_func ("/conv/engine-vs-naive", test_engine_vs_naive);
  g_test_add_func ("/conv/zero-sizes", test_zero_sizes);
  g_test_add_func ("/conv/backend-prediction", test_backend_prediction);
  g_test_add_func ("/conv/lazy-lifecycle", test_lazy_lifecycle);
  g_test_add_func ("/conv/reset-writes-new-tensors", test_reset_writes_new_tensors);
  g_test_add_func ("/conv/argument-errors", test_argument_errors);
  return g_test_run ();
}
