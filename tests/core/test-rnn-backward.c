/* test-rnn-backward.c — RNN, LSTM, GRU, their cells and MultiheadAttention (self-attention) trained
 * through the gradient tape against
 * torch 1.13 (tests/data/train-seq-golden/ "rnn", from tests/golden/gen_train_seq.py): the
 * forward output and every parameter's .grad after y.backward(gy), bit for bit. The model is
 * Sequential(Embedding(10, input_size), rnn), so the Embedding's gradient checks the RNN's grad_input;
 * layers, directions, batch_first, bias=False, proj_size, unbatched inputs, dropout between
 * layers (same draws), hidden sizes with and without a 16-element tail. */
#include <string.h>
#include "ps-autograd.h"
#include "ps-module.h"
#include "layer-golden.h"
#include "train-golden.h"

static PsModule *
build (JsonObject *c, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  JsonObject *args = json_object_get_object_member (c, "args");
  g_autoptr (PsArgs) la = ps_args_new ();
  ps_args_set_int (la, "num_embeddings", 10);
  ps_args_set_int (la, "embedding_dim", json_object_has_member (c, "emb_dim") ? json_object_get_int_member (c, "emb_dim")
                                                                             : json_object_get_int_member (args, "input_size"));
  g_autoptr (PsArgs) ra = layer_args (args);
  g_autoptr (PsArgs) none = ps_args_new ();
  PsModule *seq = ps_module_new ("Sequential", none, gen, &error);
  g_assert_no_error (error);
  PsModule *lin = ps_module_new ("Embedding", la, gen, &error);
  g_assert_no_error (error);
  PsModule *rnn = ps_module_new (json_object_get_string_member (c, "type"), ra, gen, &error);
  g_assert_no_error (error);
  g_assert_true (ps_module_add_child (seq, "0", lin, &error));
  g_assert_true (ps_module_add_child (seq, "1", rnn, &error));
  if (json_object_has_member (c, "train"))
    ps_module_set_training (seq, json_object_get_boolean_member (c, "train"));
  ps_module_unref (lin);
  ps_module_unref (rnn);
  JsonObject *params = json_object_get_object_member (c, "params");
  g_autoptr (GList) names = json_object_get_members (params);
  for (GList *l = names; l; l = l->next)
    {
      PsParam *p = NULL;
      g_assert_true (ps_module_resolve (seq, l->data, NULL, &p, NULL));
      g_autoptr (PsTensor) v = tg_tensor (json_object_get_object_member (params, l->data));
      g_assert_true (ps_tensor_same_shape (v, p->value));
      ps_param_set_value (p, v);
    }
  return seq;
}

static void
run_section (const char *section, guint min_cases)
{
  JsonArray *cases = tg_seq_section (section);
  g_assert_cmpuint (json_array_get_length (cases), >=, min_cases);
  guint64 before = tg_compared;
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
      g_autofree char *xs = ps_tensor_shape_string (x);
      g_autofree char *what = g_strdup_printf ("%s case %u: %s x %s", section, i, json_object_get_string_member (c, "type"), xs);
      g_autoptr (GError) error = NULL;
      PsTape *tape = ps_tape_new ();
      g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
      g_assert_no_error (error);
      tg_check (what, y, json_object_get_object_member (c, "y"));
      if (!ps_tape_backward (tape, gy, &error))
        g_error ("%s: %s", what, error->message);
      tg_check_grads (what, m, json_object_get_object_member (c, "grads"));
      ps_tape_free (tape);
    }
  g_test_message ("%s: %" G_GUINT64_FORMAT " outputs and gradients bit-identical to torch", section,
                  tg_compared - before);
}

static void
test_golden (void)
{
  run_section ("rnn", 30);
}

/* MultiheadAttention, self-attention: batch_first, unbatched, bias=False, one head, bmm through
 * sgemm, softmax rows with a lane tail, dropout on the weights (same draws), eval mode,
 * add_bias_kv and add_zero_attn. */
static void
test_attention (void)
{
  run_section ("attention", 16);
}

/* A second backward accumulates (.grad = old + new), and a missing dropout record is an error. */
static void
test_accumulate_and_errors (void)
{
  /* the first RNN case with 2 layers, bidirectional (RNN(4, 20, num_layers=2, bidirectional=True)) */
  JsonObject *c = NULL;
  JsonArray *all = tg_seq_section ("rnn");
  for (guint i = 0; i < json_array_get_length (all) && c == NULL; i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      JsonObject *a = json_object_get_object_member (o, "args");
      if (strcmp (json_object_get_string_member (o, "type"), "RNN") == 0
          && json_object_get_int_member_with_default (a, "num_layers", 1) == 2
          && json_object_get_boolean_member_with_default (a, "bidirectional", FALSE))
        c = o;
    }
  g_assert_nonnull (c);
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsModule) m = build (c, &gen);
  g_autoptr (PsTensor) x = tg_index_input (c);
  g_autoptr (PsTensor) gy = tg_tensor (json_object_get_object_member (c, "gy"));
  g_autoptr (GError) error = NULL;
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward (tape, gy, &error));
  PsParam *p = NULL;
  g_assert_true (ps_module_resolve (m, "1.weight_hh_l1_reverse", NULL, &p, NULL));
  g_autoptr (PsTensor) g1 = ps_tensor_ref (p->grad);
  g_assert_true (ps_tape_backward (tape, gy, &error));
  for (int64_t k = 0; k < g1->numel; k++)
    g_assert_cmpfloat (ps_tensor_cf32 (p->grad)[k], ==, ps_tensor_cf32 (g1)[k] + ps_tensor_cf32 (g1)[k]);
  ps_tape_free (tape);

  /* the dropout case replayed without its recorded noise */
  JsonObject *dc = NULL;
  JsonArray *cases = tg_seq_section ("rnn");
  for (guint i = 0; i < json_array_get_length (cases) && dc == NULL; i++)
    if (json_object_has_member (json_array_get_object_element (cases, i), "fwd_seed"))
      dc = json_array_get_object_element (cases, i);
  g_assert_nonnull (dc);
  g_autoptr (PsModule) dm = build (dc, &gen);
  PsModule *rnn = NULL;
  g_assert_true (ps_module_resolve (dm, "1", &rnn, NULL, NULL));
  g_autoptr (PsTensor) x0 = tg_index_input (dc);
  int64_t shape[3] = { x0->shape[0], x0->shape[1], json_object_get_int_member (json_object_get_object_member (dc, "args"),
                                                                                "input_size") };
  g_autoptr (PsTensor) dx = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape, NULL);
  PsTapeEntry e = { rnn, dx, NULL, NULL };
  PsBackwardFunc fn = ps_backward_lookup (rnn->klass);
  g_assert_nonnull (fn);
  g_autoptr (PsTensor) dgy = tg_tensor (json_object_get_object_member (dc, "gy"));
  g_assert_false (fn (rnn, &e, dgy, NULL, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

/* The ATEN_CPU_CAPABILITY=default flavour of these backwards: tests/core/test-backward.c ("default …" cases). */

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rnn-backward/golden", test_golden);
  g_test_add_func ("/rnn-backward/attention", test_attention);
  g_test_add_func ("/rnn-backward/accumulate-and-errors", test_accumulate_and_errors);
  return g_test_run ();
}
