/* test-attn-mask.c — MultiheadAttention with key_padding_mask and attn_mask (bool and float, 2-D and
 * 3-D, merged, padded for add_bias_kv / add_zero_attn, unbatched, batch_first, dropout, eval, a
 * fully masked row, need_weights / average_attn_weights) through the gradient tape against torch
 * 1.13 (tests/data/attn-mask-golden.json from tests/golden/gen_attn_mask.py): the forward output
 * and every parameter's .grad after y.backward(gy), bit for bit; bad masks give torch's message and
 * the tape keeps each call's masks for its backward. */
#include <string.h>
#include "ps-autograd.h"
#include "ps-call-kwargs.h"
#include "ps-module.h"
#include "layer-golden.h"
#include "train-golden.h"

static JsonArray *
section (const char *name)
{
  return json_object_get_array_member (tg_root_of ("attn-mask-golden.json"), name);
}

/* {"dtype", "shape", "values" | "hex"} → a mask tensor (bool: INT64 0/1) */
static PsTensor *
mask_from_json (JsonObject *o, gboolean *is_bool)
{
  const char *dt = json_object_get_string_member (o, "dtype");
  *is_bool = strcmp (dt, "bool") == 0;
  if (strcmp (dt, "float32") == 0)
    return tg_tensor (o);
  return tg_int64_tensor (json_object_get_array_member (o, "shape"), json_object_get_array_member (o, "values"));
}

static PsCallKwargs *
kwargs_from_json (JsonObject *c)
{
  PsCallKwargs *kw = ps_call_kwargs_new ();
  JsonNode *am = json_object_get_member (c, "attn_mask");
  JsonNode *kp = json_object_get_member (c, "key_padding_mask");
  if (am != NULL && !JSON_NODE_HOLDS_NULL (am))
    kw->attn_mask = mask_from_json (json_node_get_object (am), &kw->attn_mask_bool);
  if (kp != NULL && !JSON_NODE_HOLDS_NULL (kp))
    kw->key_padding_mask = mask_from_json (json_node_get_object (kp), &kw->key_padding_mask_bool);
  if (json_object_has_member (c, "need_weights"))
    kw->need_weights = json_object_get_boolean_member (c, "need_weights");
  if (json_object_has_member (c, "average_attn_weights"))
    kw->average_attn_weights = json_object_get_boolean_member (c, "average_attn_weights");
  return kw;
}

/* Sequential(Embedding(10, E), MultiheadAttention(**args)) with torch's parameter values */
static PsModule *
build (JsonObject *c, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArgs) la = ps_args_new ();
  ps_args_set_int (la, "num_embeddings", 10);
  ps_args_set_int (la, "embedding_dim", json_object_get_int_member (c, "emb_dim"));
  g_autoptr (PsArgs) ra = layer_args (json_object_get_object_member (c, "args"));
  g_autoptr (PsArgs) none = ps_args_new ();
  PsModule *seq = ps_module_new ("Sequential", none, gen, &error);
  g_autoptr (PsModule) emb = ps_module_new ("Embedding", la, gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsModule) mha = ps_module_new ("MultiheadAttention", ra, gen, &error);
  g_assert_no_error (error);
  g_assert_true (ps_module_add_child (seq, "0", emb, &error));
  g_assert_true (ps_module_add_child (seq, "1", mha, &error));
  ps_module_set_training (seq, json_object_get_boolean_member (c, "train"));
  JsonObject *params = json_object_get_object_member (c, "params");
  g_autoptr (GList) names = json_object_get_members (params);
  for (GList *l = names; l; l = l->next)
    {
      PsParam *p = NULL;
      g_assert_true (ps_module_resolve (seq, l->data, NULL, &p, NULL));
      g_autoptr (PsTensor) v = tg_tensor (json_object_get_object_member (params, l->data));
      ps_param_set_value (p, v);
    }
  return seq;
}

static void
test_golden (void)
{
  JsonArray *cases = section ("cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 24);
  guint n_nan = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsModule) m = build (c, &gen);
      if (json_object_has_member (c, "fwd_seed"))
        ps_generator_init (&gen, (guint64) json_object_get_int_member (c, "fwd_seed"), PS_FLAVOUR_AVX2);
      g_autoptr (PsTensor) x = tg_index_input (c);
      g_autoptr (PsTensor) gy = tg_tensor (json_object_get_object_member (c, "gy"));
      g_autoptr (PsCallKwargs) kw = kwargs_from_json (c);
      g_autofree char *what = g_strdup_printf ("mask case %u", i);
      g_autoptr (GError) error = NULL;
      PsTape *tape = ps_tape_new ();
      const PsCallKwargs *old = ps_call_kwargs_set (kw);
      g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
      ps_call_kwargs_set (old);
      g_assert_no_error (error);
      tg_check (what, y, json_object_get_object_member (c, "y"));
      for (int64_t k = 0; k < y->numel; k++)
        n_nan += isnan (ps_tensor_cf32 (y)[k]) ? 1 : 0;
      /* the backward runs with no keywords current: the tape's entry has the call's */
      if (!ps_tape_backward (tape, gy, &error))
        g_error ("%s: %s", what, error->message);
      tg_check_grads (what, m, json_object_get_object_member (c, "grads"));
      ps_tape_free (tape);
    }
  g_assert_cmpuint (n_nan, >, 0);   /* the fully masked rows are NaN, as torch's */
  g_test_message ("%" G_GUINT64_FORMAT " outputs and gradients bit-identical to torch", tg_compared);
}

/* The same model without masks gives a different output: the masks are used. */
static void
test_masks_matter (void)
{
  JsonObject *c = json_array_get_object_element (section ("cases"), 0);
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = build (c, &gen);
  g_autoptr (PsTensor) x = tg_index_input (c);
  g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, NULL);
  g_autoptr (PsTensor) want = tg_tensor (json_object_get_object_member (c, "y"));
  g_assert_cmpint (memcmp (ps_tensor_cf32 (y), ps_tensor_cf32 (want), (size_t) y->numel * 4), !=, 0);
}

/* torch's messages for masks of the wrong dtype or shape */
static void
test_errors (void)
{
  JsonArray *errs = section ("errors");
  g_assert_cmpuint (json_array_get_length (errs), >=, 16);
  for (guint i = 0; i < json_array_get_length (errs); i++)
    {
      JsonObject *c = json_array_get_object_element (errs, i);
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) a = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) mha = ps_module_new ("MultiheadAttention", a, &gen, &error);
      g_assert_no_error (error);
      JsonArray *xs = json_object_get_array_member (c, "xshape");
      int64_t dims[3];
      int nd = (int) json_array_get_length (xs);
      for (int k = 0; k < nd; k++)
        dims[k] = json_array_get_int_element (xs, (guint) k);
      g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, nd, dims, NULL);
      for (int64_t k = 0; k < x->numel; k++)
        ps_tensor_f32 (x)[k] = (float) (k % 7) * 0.25f;
      g_autoptr (PsCallKwargs) kw = kwargs_from_json (c);
      const PsCallKwargs *old = ps_call_kwargs_set (kw);
      g_autoptr (PsTensor) y = ps_module_forward (mha, x, &gen, &error);
      ps_call_kwargs_set (old);
      g_assert_null (y);
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, json_object_get_string_member (c, "message"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attn-mask/golden", test_golden);
  g_test_add_func ("/attn-mask/masks-matter", test_masks_matter);
  g_test_add_func ("/attn-mask/errors", test_errors);
  return g_test_run ();
}
