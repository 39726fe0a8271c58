/* ps-autograd.c — see ps-autograd.h. */
#include "ps-autograd.h"
#include "ps-cpu.h"

#include <string.h>

/* s[k] = a[k] + b[k]: every gradient sum of a backward pass (InputBuffer::accumulate,
 * AccumulateGrad's variable.grad += new_grad). One float add per element, so the same bits at any
 * vector width; s may be a (in place). Eight at a time with AVX2 where the CPU has it: the scalar
 * loop was a tenth of a Fashion-MNIST MLP's training step (270k parameters summed every step). */
#if defined(__x86_64__) && defined(__GNUC__)
#define PS_GRAD_ADD_AVX2 1
#pragma GCC push_options
#pragma GCC target ("avx2")
#include <immintrin.h>

/* the leading multiple of 8; returns how many it did */
static int64_t
grad_add_avx2 (float *s, const float *a, const float *b, int64_t n)
{
  int64_t k = 0;
  for (; k + 32 <= n; k += 32)
    {
      const __m256 s0 = _mm256_add_ps (_mm256_loadu_ps (a + k), _mm256_loadu_ps (b + k));
      const __m256 s1 = _mm256_add_ps (_mm256_loadu_ps (a + k + 8), _mm256_loadu_ps (b + k + 8));
      const __m256 s2 = _mm256_add_ps (_mm256_loadu_ps (a + k + 16), _mm256_loadu_ps (b + k + 16));
      const __m256 s3 = _mm256_add_ps (_mm256_loadu_ps (a + k + 24), _mm256_loadu_ps (b + k + 24));
      _mm256_storeu_ps (s + k, s0);
      _mm256_storeu_ps (s + k + 8, s1);
      _mm256_storeu_ps (s + k + 16, s2);
      _mm256_storeu_ps (s + k + 24, s3);
    }
  for (; k + 8 <= n; k += 8)
    _mm256_storeu_ps (s + k, _mm256_add_ps (_mm256_loadu_ps (a + k), _mm256_loadu_ps (b + k)));
  return k;
}
#pragma GCC pop_options
#endif

static void
grad_add (float *s, const float *a, const float *b, int64_t n)
{
  int64_t k = 0;
#ifdef PS_GRAD_ADD_AVX2
  if ((ps_cpu_features () & PS_CPU_AVX2) != 0)
    k = grad_add_avx2 (s, a, b, n);
#endif
  for (; k < n; k++)
    s[k] = a[k] + b[k];
}


struct _PsTape {
  GArray *entries;   /* PsTapeEntry */
  PsTensor *root_output;
  PsTensor *root_input;   /* for ps_tape_backward_input */
  gboolean keep_grads;
  GPtrArray *out_grads;   /* PsTensor* (ref) or NULL per entry, after a backward with keep_grads */
};

struct _PsGradSink {
  GPtrArray *params;   /* PsParam*, first-reached order */
  GPtrArray *grads;    /* PsTensor*, parallel */
  GError *error;       /* a sum that did not fit in the memory budget (the backward then fails) */
};

static __thread PsTape *recording_tape = NULL;
static __thread gint open_call = -1;
static __thread PsFlavour recording_flavour = PS_FLAVOUR_AVX2;

static void
entry_clear (gpointer data)
{
  PsTapeEntry *e = data;
  if (e->module != NULL)
    ps_module_unref (e->module);
  ps_tensor_unref (e->input);
  ps_tensor_unref (e->output);
  ps_tensor_unref (e->saved);
  ps_call_kwargs_unref (e->kwargs);
  memset (e, 0, sizeof *e);
}

PsTape *
ps_tape_new (void)
{
  PsTape *tape = g_new0 (PsTape, 1);
  tape->entries = g_array_new (FALSE, TRUE, sizeof (PsTapeEntry));
  g_array_set_clear_func (tape->entries, entry_clear);
  tape->out_grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  return tape;
}

static void
ps_tape_clear (PsTape *tape)
{
  g_array_set_size (tape->entries, 0);
  g_ptr_array_set_size (tape->out_grads, 0);
  g_clear_pointer (&tape->root_output, ps_tensor_unref);
  g_clear_pointer (&tape->root_input, ps_tensor_unref);
}

void
ps_tape_free (PsTape *tape)
{
  if (tape == NULL)
    return;
  ps_tape_clear (tape);
  g_array_unref (tape->entries);
  g_ptr_array_unref (tape->out_grads);
  g_free (tape);
}

guint
ps_tape_n_entries (const PsTape *tape)
{
  return tape->entries->len;
}

const PsTapeEntry *
ps_tape_entry (const PsTape *tape, guint i)
{
  g_return_val_if_fail (i < tape->entries->len, NULL);
  return &g_array_index (tape->entries, PsTapeEntry, i);
}

PsTape *
ps_tape_copy_remapped (const PsTape *tape, GHashTable *map)
{
  PsTape *c = ps_tape_new ();
  for (guint i = 0; i < tape->entries->len; i++)
    {
      const PsTapeEntry *e = &g_array_index (tape->entries, PsTapeEntry, i);
      PsModule *m = map ? g_hash_table_lookup (map, e->module) : NULL;
      PsTapeEntry n = { ps_module_ref (m ? m : e->module), ps_tensor_ref (e->input),
                        e->output ? ps_tensor_ref (e->output) : NULL, e->saved ? ps_tensor_ref (e->saved) : NULL,
                        e->kwargs ? ps_call_kwargs_ref (e->kwargs) : NULL, e->flavour, e->grad_rows };
      g_array_append_val (c->entries, n);
    }
  c->root_output = tape->root_output ? ps_tensor_ref (tape->root_output) : NULL;
  c->root_input = tape->root_input ? ps_tensor_ref (tape->root_input) : NULL;
  return c;
}

void
ps_tape_keep_output_grads (PsTape *tape, gboolean keep)
{
  tape->keep_grads = keep;
}

PsTensor *
ps_tape_output_grad (const PsTape *tape, guint i)
{
  return i < tape->out_grads->len ? tape->out_grads->pdata[i] : NULL;
}

gboolean
ps_tape_recording (void)
{
  return recording_tape != NULL;
}

guint
ps_tape_begin_call (PsModule *m, PsTensor *input)
{
  g_return_val_if_fail (recording_tape != NULL, 0);
  const PsCallKwargs *kw = ps_call_kwargs_current ();
  PsTapeEntry e = { ps_module_ref (m), ps_tensor_ref (input), NULL, NULL,
                    kw ? ps_call_kwargs_ref ((PsCallKwargs *) kw) : NULL, recording_flavour };
  g_array_append_val (recording_tape->entries, e);
  open_call = (gint) recording_tape->entries->len - 1;
  return (guint) open_call;
}

void
ps_tape_end_call (guint index, PsTensor *output)
{
  g_return_if_fail (recording_tape != NULL && index < recording_tape->entries->len);
  PsTapeEntry *e = &g_array_index (recording_tape->entries, PsTapeEntry, index);
  e->output = ps_tensor_ref (output);
  open_call = -1;
}

/* requires_grad as torch propagates it over the first n calls of tape: a call's output requires grad
 * when its input does (already in requires) or its module has parameters */
static void
mark_requires_grad (const PsTape *tape, guint n, GHashTable *requires)
{
  for (guint i = 0; i < n; i++)
    {
      const PsTapeEntry *e = &g_array_index (tape->entries, PsTapeEntry, i);
      gboolean req = g_hash_table_contains (requires, e->input);
      for (guint k = 0; !req && k < e->module->params->len; k++)
        {
          const PsParam *p = g_ptr_array_index (e->module->params, k);
          req = !p->is_buffer && p->value != NULL;
        }
      if (req && e->output != NULL)
        g_hash_table_add (requires, e->output);
    }
}

gboolean
ps_tape_input_requires_grad (void)
{
  if (recording_tape == NULL || open_call < 0)
    return FALSE;
  /* the rule ps_tape_backward applies: the data does not require grad, a call's output does when
   * its input does or its module has parameters */
  g_autoptr (GHashTable) requires = g_hash_table_new (NULL, NULL);
  mark_requires_grad (recording_tape, (guint) open_call, requires);
  const PsTapeEntry *call = &g_array_index (recording_tape->entries, PsTapeEntry, open_call);
  return g_hash_table_contains (requires, call->input);
}

void
ps_tape_save (PsTensor *t)
{
  if (recording_tape == NULL || open_call < 0)
    return;
  PsTapeEntry *e = &g_array_index (recording_tape->entries, PsTapeEntry, open_call);
  PsTensor *old = e->saved;
  e->saved = ps_tensor_ref (t);
  ps_tensor_unref (old);
}

PsTensor *
ps_tape_forward (PsTape *tape, PsModule *root, PsTensor *input, PsGenerator *gen, GError **error)
{
  g_return_val_if_fail (recording_tape == NULL, NULL);   /* no nested tapes */
  ps_tape_clear (tape);
  recording_tape = tape;
  recording_flavour = gen != NULL ? gen->flavour : PS_FLAVOUR_AVX2;
  PsTensor *y = ps_module_forward (root, input, gen, error);
  recording_tape = NULL;
  open_call = -1;
  if (y != NULL)
    {
      tape->root_output = ps_tensor_ref (y);
      tape->root_input = ps_tensor_ref (input);
    }
  return y;
}

void
ps_grad_sink_add (PsGradSink *sink, PsParam *p, PsTensor *grad)
{
  for (guint i = 0; i < sink->params->len; i++)
    if (sink->params->pdata[i] == p)
      {
        /* InputBuffer::accumulate: old + new, a new tensor */
        PsTensor *old = sink->grads->pdata[i];
        g_return_if_fail (old->numel == grad->numel);
        PsTensor *sum = ps_tensor_new_empty (PS_DTYPE_FLOAT32, old->ndim, old->shape,
                                             sink->error == NULL ? &sink->error : NULL);
        if (sum == NULL)
          return;
        grad_add (ps_tensor_f32 (sum), ps_tensor_cf32 (old), ps_tensor_cf32 (grad), old->numel);
        ps_tensor_unref (old);
        sink->grads->pdata[i] = sum;
        return;
      }
  g_ptr_array_add (sink->params, p);
  g_ptr_array_add (sink->grads, ps_tensor_ref (grad));
}

/* Gradient routing: output tensor → its accumulated gradient. FALSE when the sum does not fit in
 * the memory budget. */
static gboolean
route_add (GHashTable *routes, PsTensor *t, PsTensor *g, GError **error)
{
  PsTensor *old = g_hash_table_lookup (routes, t);
  if (old == NULL)
    {
      g_hash_table_insert (routes, t, ps_tensor_ref (g));
      return TRUE;
    }
  PsTensor *sum = ps_tensor_new_empty (PS_DTYPE_FLOAT32, old->ndim, old->shape, error);
  if (sum == NULL)
    return FALSE;
  grad_add (ps_tensor_f32 (sum), ps_tensor_cf32 (old), ps_tensor_cf32 (g), old->numel);
  g_hash_table_insert (routes, t, sum);   /* unrefs old */
  return TRUE;
}

gboolean
ps_tape_backward (PsTape *tape, PsTensor *grad_output, GError **error)
{
  return ps_tape_backward_input (tape, grad_output, NULL, error);
}

void
ps_tape_mark_grad_rows (PsTape *tape, const PsModule *module)
{
  for (guint i = 0; i < tape->entries->len; i++)
    {
      PsTapeEntry *e = &g_array_index (tape->entries, PsTapeEntry, i);
      /* with dim 0 or 1 of size 1 the swapped view has contiguous strides once TensorIterator drops
       * the size-1 dim: it coalesces and runs over the whole tensor */
      if (e->module == module && e->input->ndim >= 3 && e->input->shape[0] > 1 && e->input->shape[1] > 1)
        e->grad_rows = TRUE;
    }
}

gboolean
ps_tape_backward_input (PsTape *tape, PsTensor *grad_output, PsTensor **grad_input, GError **error)
{
  if (tape->root_output == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "element 0 of tensors does not require grad and does not have a grad_fn");
      return FALSE;
    }
  if (!ps_tensor_same_shape (grad_output, tape->root_output) || grad_output->dtype != PS_DTYPE_FLOAT32)
    {
      g_autofree char *a = ps_tensor_shape_string (grad_output);
      g_autofree char *b = ps_tensor_shape_string (tape->root_output);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Mismatch in shape: grad_output[0] has a shape of %s and output[0] has a shape of %s", a, b);
      return FALSE;
    }
  g_autoptr (GHashTable) routes = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_tensor_unref);
  /* requires_grad, as torch propagates it: the data does not require grad; a call's output does when
   * its input does or its module has parameters. Calls whose output does not (a Flatten of the
   * data) are skipped, and no input gradient is computed for an input that does not (the first
   * Linear's grad_input). */
  g_autoptr (GHashTable) requires = g_hash_table_new (NULL, NULL);
  if (grad_input != NULL)
    g_hash_table_add (requires, tape->root_input);   /* x.requires_grad_() */
  mark_requires_grad (tape, tape->entries->len, requires);
  g_hash_table_insert (routes, tape->root_output, ps_tensor_ref (grad_output));
  g_ptr_array_set_size (tape->out_grads, 0);
  if (tape->keep_grads)
    g_ptr_array_set_size (tape->out_grads, tape->entries->len);
  PsGradSink sink = { g_ptr_array_new (), g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref), NULL };
  gboolean ok = TRUE;
  for (guint i = tape->entries->len; i-- > 0;)
    {
      const PsTapeEntry *e = &g_array_index (tape->entries, PsTapeEntry, i);
      PsTensor *g = NULL;
      if (!g_hash_table_contains (requires, e->output))
        continue;   /* nothing below it needs a gradient */
      if (!g_hash_table_steal_extended (routes, e->output, NULL, (gpointer *) &g))
        continue;   /* this output did not reach the root */
      if (tape->keep_grads)
        g_ptr_array_index (tape->out_grads, i) = ps_tensor_ref (g);   /* all of this output's uses summed */
      PsBackwardFunc fn = ps_backward_lookup (e->module->klass);
      if (fn == NULL)
        {
          ps_tensor_unref (g);
          g_set_error (error, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED,
                       "backward is not implemented for %s yet", ps_module_class_name (e->module));
          ok = FALSE;
          break;
        }
      gboolean need_input = g_hash_table_contains (requires, e->input);
      PsTensor *gi = NULL;
      ok = fn (e->module, e, g, need_input ? &gi : NULL, &sink, error);
      ps_tensor_unref (g);
      if (ok && sink.error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&sink.error));
          ok = FALSE;
        }
      if (ok && gi != NULL)
        ok = route_add (routes, e->input, gi, error);
      g_clear_pointer (&gi, ps_tensor_unref);
      if (!ok)
        break;
    }
  g_clear_error (&sink.error);
  /* the parameters' new gradients, all allocated before any is set: a backward that runs out of
   * memory leaves every .grad as it was */
  g_autoptr (GPtrArray) sums = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; ok && i < sink.params->len; i++)
    {
      PsParam *p = sink.params->pdata[i];
      PsTensor *g = sink.grads->pdata[i];
      PsTensor *sum = NULL;
      if (p->grad != NULL && !(ps_tensor_is_exclusive (p->grad) && p->grad->numel == g->numel)
          && (sum = ps_tensor_new_empty (PS_DTYPE_FLOAT32, g->ndim, g->shape, error)) == NULL)
        ok = FALSE;
      g_ptr_array_add (sums, sum);
    }
  if (ok)
    for (guint i = 0; i < sink.params->len; i++)
      {
        PsParam *p = sink.params->pdata[i];
        PsTensor *g = sink.grads->pdata[i];
        if (p->grad == NULL)
          ps_param_set_grad (p, g);
        else if (sums->pdata[i] == NULL)
          {
            /* nothing else holds .grad (zero_grad's zeros in the train loop): += in place, as torch */
            float *a = ps_tensor_f32 (p->grad);
            grad_add (a, a, ps_tensor_cf32 (g), g->numel);
          }
        else
          {
            /* AccumulateGrad: variable.grad += new_grad (after zero_grad(): 0 + g, so −0 → +0) */
            PsTensor *sum = sums->pdata[i];
            grad_add (ps_tensor_f32 (sum), ps_tensor_cf32 (p->grad), ps_tensor_cf32 (g), g->numel);
            ps_param_set_grad (p, sum);
          }
      }
  g_ptr_array_unref (sink.params);
  g_ptr_array_unref (sink.grads);
  if (ok && grad_input != NULL)
    {
      PsTensor *gi = NULL;
      if (g_hash_table_steal_extended (routes, tape->root_input, NULL, (gpointer *) &gi))
        *grad_input = gi;
      else   /* the output does not depend on the input */
        *grad_input = ps_tensor_new (PS_DTYPE_FLOAT32, tape->root_input->ndim, tape->root_input->shape, error);
      ok = *grad_input != NULL;
    }
  return ok;
}

PsBackwardFunc
ps_backward_lookup (const PsModuleClass *klass)
{
  return (PsBackwardFunc) klass->backward;
}
