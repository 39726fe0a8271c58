/* ps-call-kwargs.c — see ps-call-kwargs.h. */
#include "ps-call-kwargs.h"

static __thread const PsCallKwargs *current_kwargs = NULL;

PsCallKwargs *
ps_call_kwargs_new (void)
{
  PsCallKwargs *kw = g_new0 (PsCallKwargs, 1);
  g_atomic_ref_count_init (&kw->ref_count);
  kw->need_weights = TRUE;
  kw->average_attn_weights = TRUE;
  return kw;
}

PsCallKwargs *
ps_call_kwargs_ref (PsCallKwargs *kw)
{
  g_atomic_ref_count_inc (&kw->ref_count);
  return kw;
}

void
ps_call_kwargs_unref (PsCallKwargs *kw)
{
  if (kw == NULL || !g_atomic_ref_count_dec (&kw->ref_count))
    return;
  ps_tensor_unref (kw->attn_mask);
  ps_tensor_unref (kw->key_padding_mask);
  g_free (kw);
}

const PsCallKwargs *
ps_call_kwargs_set (const PsCallKwargs *kw)
{
  const PsCallKwargs *old = current_kwargs;
  current_kwargs = kw;
  return old;
}

const PsCallKwargs *
ps_call_kwargs_current (void)
{
  return current_kwargs;
}

const char *
ps_call_kwargs_mask_dtype (const PsTensor *mask, gboolean is_bool)
{
  if (is_bool)
    return "torch.bool";
  return mask->dtype == PS_DTYPE_FLOAT32 ? "torch.float32" : "torch.int64";
}
