/* layer-golden.h — the generic runner for layer fixtures (tests/data/conv/, one file per type, made by
 * tests/golden/gen_conv.py; see its docstring for the format) and for the layer cases of the shared
 * tests/data/torch-1.13-golden.json. Used by test-conv.c and test-norm.c; its layer_args (a case's
 * keyword arguments) also by test-attn-mask.c and test-rnn-backward.c.
 *
 * A case is replayed from scratch: seed, construct (reset_parameters draws), optional init.uniform_
 * calls, then each step draws its input with torch.randn's stream and runs forward. Parameters,
 * buffers and inputs are compared bit for bit, the probe checks the number of draws, and outputs are
 * compared bit for bit where we reproduce torch's kernel (`exact`), else within
 * |c − t| ≤ 1e-5 + 1e-4·|t| (PYTORCH-PARITY.md §8). */
#pragma once

#include <math.h>
#include "gen-golden-util.h"
#include "ps-module.h"
#include "ps-im2col.h"

/* torch.randn(shape) * scale + shift on the generator's stream, as the golden scripts draw inputs and
 * output gradients (each operation rounded to float32 as torch does) */
static inline PsTensor *
golden_randn (PsGenerator *gen, int nd, const int64_t *shape, double scale, double shift)
{
  PsTensor *x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
  float *xd = ps_tensor_f32 (x);
  ps_generator_normal_f32 (gen, xd, (size_t) x->numel, 0.0, 1.0, TRUE);
  for (int64_t i = 0; i < x->numel; i++)
    {
      if (scale != 1.0)
        xd[i] = xd[i] * (float) scale;
      if (shift != 0.0)
        xd[i] = xd[i] + (float) shift;
    }
  return x;
}

/* JSON keyword arguments (ints, floats, bools, strings, null, int lists for tuples) → PsArgs. */
static inline PsArgs *
layer_args (JsonObject *o)
{
  PsArgs *args = ps_args_new ();
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *k = l->data;
      JsonNode *v = json_object_get_member (o, k);
      if (JSON_NODE_HOLDS_ARRAY (v))
        {
          JsonArray *a = json_node_get_array (v);
          int64_t list[8];
          int n = (int) json_array_get_length (a);
          for (int i = 0; i < n; i++)   /* (None, 7): null elements */
            list[i] = JSON_NODE_HOLDS_NULL (json_array_get_element (a, (guint) i))
                      ? PS_VALUE_LIST_NONE : json_array_get_int_element (a, (guint) i);
          g_assert_true (ps_args_set_int_list (args, k, list, n, NULL));
        }
      else if (JSON_NODE_HOLDS_NULL (v))
        ps_args_set_none (args, k);
      else
        {
          GType t = json_node_get_value_type (v);
          if (t == G_TYPE_BOOLEAN)
            ps_args_set_bool (args, k, json_node_get_boolean (v));
          else if (t == G_TYPE_INT64)
            ps_args_set_int (args, k, json_node_get_int (v));
          else if (t == G_TYPE_DOUBLE)
            ps_args_set_double (args, k, json_node_get_double (v));
          else
            ps_args_set_string (args, k, json_node_get_string (v));
        }
    }
  return args;
}

static inline PsTensor *
layer_tensor_from_json (JsonObject *t)
{
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (t, "shape"), shape);
  PsDType dt = json_object_has_member (t, "int") ? PS_DTYPE_INT64 : PS_DTYPE_FLOAT32;
  PsTensor *x = ps_tensor_new (dt, nd, shape, NULL);
  g_assert_nonnull (x);
  if (dt == PS_DTYPE_INT64)
    {
      JsonArray *a = json_object_get_array_member (t, "int");
      for (int64_t i = 0; i < x->numel; i++)
        ps_tensor_i64 (x)[i] = json_array_get_int_element (a, (guint) i);
    }
  else
    {
      JsonArray *a = json_object_get_array_member (t, "hex");
      for (int64_t i = 0; i < x->numel; i++)
        {
          uint32_t u = golden_hex32 (json_array_get_string_element (a, (guint) i));
          memcpy (ps_tensor_f32 (x) + i, &u, 4);
        }
    }
  return x;
}

/* Bitwise comparison with shape and dtype. */
static inline void
layer_assert_bits (const char *what, const PsTensor *got, JsonObject *want)
{
  g_assert_nonnull (got);
  golden_assert_shape (what, got, want);
  if (got->dtype == PS_DTYPE_INT64)
    golden_assert_i64 (what, ps_tensor_ci64 (got), (size_t) got->numel, json_object_get_array_member (want, "int"));
  else
    golden_assert_f32 (what, ps_tensor_cf32 (got), (size_t) got->numel, json_object_get_array_member (want, "hex"));
}

/* Tolerance comparison; returns the number of values that differ in bits (for reporting). */
static inline int64_t
layer_assert_close (const char *what, const PsTensor *got, JsonObject *want, double *max_abs)
{
  g_autoptr (PsTensor) t = layer_tensor_from_json (want);
  g_assert_true (ps_tensor_same_shape (got, t));
  int64_t differ = 0;
  *max_abs = 0;
  for (int64_t i = 0; i < t->numel; i++)
    {
      const double c = ps_tensor_cf32 (got)[i], w = ps_tensor_cf32 (t)[i];
      const double d = fabs (c - w);
      if (memcmp (ps_tensor_cf32 (got) + i, ps_tensor_cf32 (t) + i, 4) != 0)
        differ++;
      *max_abs = MAX (*max_abs, d);
      if (!(d <= 1e-5 + 1e-4 * fabs (w)))
        g_error ("%s: [%" G_GINT64_FORMAT "] got %.9g, torch %.9g (beyond 1e-5 + 1e-4·|t|)", what, i, c, w);
    }
  return differ;
}

typedef struct {
  gboolean shared;      /* tensors named as in torch-1.13-golden.json: weight…, x, y */
  gboolean exact;       /* outputs asserted bit for bit */
  gboolean check_init;  /* compare parameters right after construction (+ init) */
} LayerRunOpts;

static inline void
layer_uniform_ (PsModule *m, const char *name, double a, double b, PsGenerator *gen)
{
  PsParam *p = ps_module_get_param (m, name);
  g_assert_nonnull (p);
  g_autoptr (PsTensor) t = ps_param_new_like (p, NULL);
  g_assert_true (ps_init_uniform_ (t, a, b, gen, NULL, NULL));
  ps_param_set_value (p, t);
}

static inline PsTensor *
layer_state_value (PsModule *m, const char *name)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      if (strcmp (it->path, name) == 0)
        return it->param->value;
    }
  g_error ("state_dict has no %s", name);
  return NULL;
}

/* spec: {type, args, init?, steps?}; c: the case with tensors, order, probe_after (and seed). */
static inline void
layer_run_case (const char *name, JsonObject *spec, JsonObject *c, LayerRunOpts o)
{
  g_autoptr (GError) error = NULL;
  JsonObject *T = json_object_get_object_member (c, "tensors");
  PsGenerator gen;
  ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (spec, "args"));
  g_autoptr (PsModule) m = ps_module_new (json_object_get_string_member (spec, "type"), args, &gen, &error);
  g_assert_no_error (error);
  JsonArray *init = json_object_has_member (spec, "init") ? json_object_get_array_member (spec, "init") : NULL;
  for (guint i = 0; init && i < json_array_get_length (init); i++)
    {
      JsonArray *a = json_array_get_array_element (init, i);
      layer_uniform_ (m, json_array_get_string_element (a, 0), json_array_get_double_element (a, 1),
                      json_array_get_double_element (a, 2), &gen);
    }

  /* state_dict keys in torch's order (before the steps for lazy modules only their names) */
  JsonArray *order = json_object_get_array_member (c, "order");
  if (o.check_init)
    {
      g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
      for (guint i = 0; i < sd->len; i++)
        {
          PsNamedItem *it = g_ptr_array_index (sd, i);
          g_autofree char *key = o.shared ? g_strdup (it->path) : g_strconcat ("init.", it->path, NULL);
          g_autofree char *what = g_strdup_printf ("%s: %s", name, key);
          if (it->param->value == NULL)
            g_assert_false (json_object_has_member (T, key));
          else if (json_object_has_member (T, key))   /* large ones are left out of the fixture */
            layer_assert_bits (what, it->param->value, json_object_get_object_member (T, key));
        }
    }

  JsonArray *steps = json_object_has_member (spec, "steps") ? json_object_get_array_member (spec, "steps") : NULL;
  for (guint s = 0; steps && s < json_array_get_length (steps); s++)
    {
      JsonObject *st = json_array_get_object_element (steps, s);
      g_autoptr (PsTensor) x = NULL;
      g_autofree char *xk = o.shared ? g_strdup ("x") : g_strdup_printf ("x%u", s);
      g_autofree char *yk = o.shared ? g_strdup ("y") : g_strdup_printf ("y%u", s);
      if (json_object_has_member (st, "idx"))
        x = layer_tensor_from_json (json_object_get_object_member (st, "idx"));
      else if (json_object_has_member (st, "ones"))
        {
          int64_t shape[PS_MAX_DIMS];
          int nd = golden_shape (json_object_get_array_member (st, "ones"), shape);
          x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
          for (int64_t i = 0; i < x->numel; i++)
            ps_tensor_f32 (x)[i] = 1.0f;
        }
      else
        {
          int64_t shape[PS_MAX_DIMS];
          int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
          x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
          float *xd = ps_tensor_f32 (x);
          ps_generator_normal_f32 (&gen, xd, (size_t) x->numel, 0.0, 1.0, TRUE);
          const float scale = json_object_has_member (st, "scale") ? (float) golden_number (st, "scale") : 1.0f;
          const float shift = json_object_has_member (st, "shift") ? (float) golden_number (st, "shift") : 0.0f;
          for (int64_t i = 0; i < x->numel; i++)
            {
              if (scale != 1.0f)
                xd[i] = xd[i] * scale;
              if (shift != 0.0f)
                xd[i] = xd[i] + shift;
            }
        }
      if (json_object_has_member (T, xk))
        {
          g_autofree char *what = g_strdup_printf ("%s: input %s", name, xk);
          layer_assert_bits (what, x, json_object_get_object_member (T, xk));
        }
      const char *mode = json_object_has_member (st, "mode") ? json_object_get_string_member (st, "mode") : "train";
      ps_module_set_training (m, strcmp (mode, "train") == 0);
      g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
      g_assert_no_error (error);
      g_assert_nonnull (y);
      g_autofree char *what = g_strdup_printf ("%s: output %s", name, yk);
      if (!json_object_has_member (T, yk))
        continue;   /* module cases record the state only */
      if (o.exact)
        layer_assert_bits (what, y, json_object_get_object_member (T, yk));
      else
        {
          double max_abs;
          int64_t differ = layer_assert_close (what, y, json_object_get_object_member (T, yk), &max_abs);
          if (g_test_verbose ())
            g_test_message ("%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " differ in bits, max abs %.3g",
                            what, differ, y->numel, max_abs);
        }
    }

  /* state after everything, in state_dict order */
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();   /* order without the shared cases' x, y, idx */
  for (guint i = 0; i < json_array_get_length (order); i++)
    {
      const char *k = json_array_get_string_element (order, i);
      if (!o.shared || (strcmp (k, "x") != 0 && strcmp (k, "y") != 0 && strcmp (k, "idx") != 0))
        g_ptr_array_add (keys, (gpointer) k);
    }
  g_assert_cmpuint (sd->len, ==, keys->len);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_assert_cmpstr (it->path, ==, g_ptr_array_index (keys, i));
      if (json_object_has_member (T, it->path))
        {
          g_autofree char *what = g_strdup_printf ("%s: state %s", name, it->path);
          layer_assert_bits (what, layer_state_value (m, it->path), json_object_get_object_member (T, it->path));
        }
    }
  if (json_object_has_member (c, "class_after"))
    g_assert_cmpstr (m->klass->name, ==, json_object_get_string_member (c, "class_after"));
  golden_assert_probe (name, &gen, c);
}

/* ---- tests/data/conv/ (and the fixtures in its format) ---- */

static inline gboolean
layer_type_in (const char *type, const char *const *types)
{
  return g_strv_contains (types, type);
}

/* Runs every fixture case whose type is in `types`; exactness from the recorded conv backend or
 * the per-type rule `exact_types`. Returns the number of cases run. */
static inline int
layer_run_fixture_cases (JsonParser *p, const char *const *types, const char *const *exact_types)
{
  static const char *const exact_backends[] = {
    "Slow2d", "SlowDilated2d", "Slow3d", "SlowDilated3d", "SlowTranspose2d", "SlowTranspose3d",
    "explicit pad + Slow2d", "explicit pad + Slow3d",
    /* oneDNN through libdnnl: the fixture was made with ONEDNN_MAX_CPU_ISA=AVX2, as the tests run */
    "Mkldnn", "explicit pad + Mkldnn", NULL
  };
  JsonArray *cases = golden_cases (p);
  int n = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!layer_type_in (type, types))
        continue;
      JsonArray *be = json_object_get_array_member (c, "backend");
      const char *backend = json_array_get_length (be) ? json_array_get_string_element (be, 0) : "";
      gboolean exact = *backend ? g_strv_contains (exact_backends, backend) : layer_type_in (type, exact_types);
      LayerRunOpts o = { .shared = FALSE, .exact = exact, .check_init = TRUE };
      const char *name = json_object_get_string_member (c, "name");
      /* cases made under torch.backends.mkldnn.flags(enabled=False) */
      ps_conv_set_mkldnn_enabled (!json_object_has_member (c, "mkldnn") || json_object_get_boolean_member (c, "mkldnn"));
      if (g_test_verbose ())
        g_test_message ("%s [%s]: %s", name, *backend ? backend : type, exact ? "bit-exact" : "tolerance");
      layer_run_case (name, c, c, o);
      ps_conv_set_mkldnn_enabled (TRUE);
      n++;
    }
  return n;
}

/* Every construction/forward error of the fixture for these types, exact text. */
static inline int
layer_run_fixture_errors (JsonParser *p, const char *const *types)
{
  JsonArray *errs = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "errors");
  int n = 0;
  for (guint i = 0; i < json_array_get_length (errs); i++)
    {
      JsonObject *e = json_array_get_object_element (errs, i);
      const char *type = json_object_get_string_member (e, "type");
      if (!layer_type_in (type, types))
        continue;
      g_autoptr (GError) error = NULL;
      PsGenerator gen, before;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (e, "args"));
      before = gen;
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      if (json_object_has_member (e, "shape"))
        {
          g_assert_no_error (error);
          int64_t shape[PS_MAX_DIMS];
          int nd = golden_shape (json_object_get_array_member (e, "shape"), shape);
          gboolean i64 = strcmp (json_object_get_string_member (e, "dtype"), "int64") == 0;
          g_autoptr (PsTensor) x = ps_tensor_new (i64 ? PS_DTYPE_INT64 : PS_DTYPE_FLOAT32, nd, shape, NULL);
          ps_module_set_training (m, strcmp (json_object_get_string_member (e, "mode"), "train") == 0);
          g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
          g_assert_null (y);
        }
      else
        {
          g_assert_null (m);
          g_assert_true (ps_generator_equal (&gen, &before));
        }
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, json_object_get_string_member (e, "message"));
      n++;
    }
  return n;
}

static inline int
layer_run_fixture_reprs (JsonParser *p, const char *const *types)
{
  JsonArray *rs = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "reprs");
  int n = 0;
  for (guint i = 0; i < json_array_get_length (rs); i++)
    {
      JsonObject *r = json_array_get_object_element (rs, i);
      const char *type = json_object_get_string_member (r, "type");
      if (!layer_type_in (type, types))
        continue;
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (r, "args"));
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      g_autofree char *s = ps_module_repr (m);
      g_assert_cmpstr (s, ==, json_object_get_string_member (r, "repr"));
      n++;
    }
  return n;
}

/* A case of torch-1.13-golden.json, replayed with the given spec (JSON text). */
static inline void
layer_run_shared (JsonParser *shared, const char *name, const char *spec_json, gboolean exact)
{
  JsonObject *c = golden_find (shared, name);
  g_autoptr (JsonParser) sp = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (sp, spec_json, -1, &error);
  g_assert_no_error (error);
  JsonObject *spec = json_node_get_object (json_parser_get_root (sp));
  /* lazy modules are compared after their first forward only */
  gboolean lazy = g_str_has_prefix (json_object_get_string_member (spec, "type"), "Lazy");
  LayerRunOpts o = { .shared = TRUE, .exact = exact, .check_init = !lazy && !json_object_has_member (spec, "init") };
  layer_run_case (name, spec, c, o);
}
