/* ps-call-kwargs.h — keyword arguments of one module call beyond its input tensor.
 *
 * torch passes them to the called module's forward only: MultiheadAttention's key_padding_mask,
 * attn_mask, need_weights and average_attn_weights (`mha(x, x, x, key_padding_mask=…, …)`). The
 * document layer makes them current around a call (ps_call_kwargs_set, per thread, like the
 * recording tape); a forward that takes keywords reads ps_call_kwargs_current(); the tape keeps
 * the call's keywords in its entry (PsTapeEntry.kwargs) so the backward replays the same call.
 *
 * Masks are bool or float in torch. PsTensor has no bool dtype: a bool mask is an INT64 tensor of
 * 0/1 with `*_bool` set; an INT64 tensor without it is torch.int64 (which attention refuses, with
 * torch's message). Immutable once made (shared by reference). */
#pragma once

#include <glib.h>
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef struct {
  gatomicrefcount ref_count;
  PsTensor *attn_mask;              /* NULL: None */
  gboolean attn_mask_bool;
  PsTensor *key_padding_mask;       /* NULL: None */
  gboolean key_padding_mask_bool;
  gboolean need_weights;            /* TRUE when not given (torch's default) */
  gboolean average_attn_weights;    /* TRUE when not given */
} PsCallKwargs;

/* No masks, need_weights and average_attn_weights True. */
PsCallKwargs       *ps_call_kwargs_new      (void);
PsCallKwargs       *ps_call_kwargs_ref      (PsCallKwargs *kw);
void                ps_call_kwargs_unref    (PsCallKwargs *kw);
/* Makes kw (may be NULL) current in this thread; returns the previous one (restore it after the
 * call). No reference is taken: kw must outlive the call. */
const PsCallKwargs *ps_call_kwargs_set      (const PsCallKwargs *kw);
const PsCallKwargs *ps_call_kwargs_current  (void);
/* torch's name of a mask's dtype: "torch.bool", "torch.float32", "torch.int64" */
const char         *ps_call_kwargs_mask_dtype (const PsTensor *mask, gboolean is_bool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsCallKwargs, ps_call_kwargs_unref)

G_END_DECLS
