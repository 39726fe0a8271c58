/* ps-onednn.c — see ps-onednn.h. oneDNN 2.6 C API; the sequences are ideep 77d662b's
 * (convolution_forward::compute_v3 → get_primitive_desc<with_bias, keep_format=false>,
 * convolution_backward_data::compute_v2, convolution_backward_weights::compute_v2,
 * eltwise_forward/backward::compute), as ONEDNN-PARITY.md §2–§5 traced them. */
#include "ps-onednn.h"
#include "ps-memory.h"
#include "ps-error.h"
#include "ps-threads.h"
#include "ps-tensor.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

/* ---------- engine, errors, small helpers ---------- */

static dnnl_engine_t
engine_get (GError **error)
{
  static gsize once = 0;
  static dnnl_engine_t engine = NULL;
  if (g_once_init_enter (&once))
    {
      if (dnnl_engine_create (&engine, dnnl_cpu, 0) != dnnl_success)
        engine = NULL;
      g_once_init_leave (&once, 1);
    }
  if (engine == NULL)
    g_set_error (error, PS_ERROR, PS_ERROR_FAILED, "oneDNN: no CPU engine");
  return engine;
}

static const char *
status_name (dnnl_status_t st)
{
  switch (st)
    {
    case dnnl_out_of_memory: return "out of memory";
    case dnnl_invalid_arguments: return "invalid arguments";
    case dnnl_unimplemented: return "unimplemented";
    case dnnl_iterator_ends: return "iterator ends";
    case dnnl_runtime_error: return "runtime error";
    case dnnl_not_required: return "not required";
    default: return "error";
    }
}

#define TRY(call)                                                                           \
  G_STMT_START {                                                                            \
    dnnl_status_t st_ = (call);                                                             \
    if (st_ != dnnl_success)                                                                \
      {                                                                                     \
        g_set_error (error, PS_ERROR, st_ == dnnl_out_of_memory ? PS_ERROR_NO_MEMORY : PS_ERROR_FAILED, \
                     "oneDNN: %s failed (%s)", what, status_name (st_));                   \
        goto out;                                                                           \
      }                                                                                     \
  } G_STMT_END

/* Work buffers (blocked copies, scratchpads) are kept per thread between calls: allocating and
 * freeing several MB per call made glibc map and unmap them each time, and the page faults cost
 * up to a quarter of a Conv2d's time. A few buffers per thread, freed when the thread ends.
 * Every new buffer — pooled, or left to oneDNN when the pool's slots are busy — is checked against
 * the process's memory limits first (ps_tensor_check_scratch: PS_MEMORY_BUDGET_MB, the largest
 * allocation): over them the call fails with a GError before anything is computed. A pooled
 * buffer stays counted in the memory ledger (ps-memory.h, PS_MEMORY_ONEDNN) until it is freed. */
#define POOL_SLOTS 6
typedef struct {
  void *ptr[POOL_SLOTS];
  gsize size[POOL_SLOTS];
  gboolean busy[POOL_SLOTS];
} Pool;

static void
pool_free (gpointer data)
{
  Pool *p = data;
  for (int i = 0; i < POOL_SLOTS; i++)
    if (p->ptr[i] != NULL)
      {
        free (p->ptr[i]);
        ps_memory_release (PS_MEMORY_ONEDNN, p->size[i]);
      }
  g_free (p);
}

static GPrivate pool_key = G_PRIVATE_INIT (pool_free);

static Pool *
pool_get (void)
{
  Pool *p = g_private_get (&pool_key);
  if (p == NULL)
    {
      p = g_new0 (Pool, 1);
      g_private_set (&pool_key, p);
    }
  return p;
}

/* A free buffer of at least `size` bytes (64-byte aligned), marked busy; NULL when every slot is
 * busy (then the caller lets oneDNN allocate), or NULL with *error set when the memory limits or
 * the allocator refuse it. */
static void *
pool_take (gsize size, GError **error)
{
  Pool *p = pool_get ();
  int best = -1, spare = -1;
  for (int i = 0; i < POOL_SLOTS; i++)
    {
      if (p->busy[i])
        continue;
      if (p->ptr[i] != NULL && p->size[i] >= size && (best < 0 || p->size[i] < p->size[best]))
        best = i;
      if (spare < 0 || p->ptr[i] == NULL || (p->ptr[spare] != NULL && p->size[i] < p->size[spare]))
        spare = i;
    }
  if (best < 0)
    {
      if (spare < 0)
        return NULL;
      if (p->ptr[spare] != NULL)
        {
          free (p->ptr[spare]);
          ps_memory_release (PS_MEMORY_ONEDNN, p->size[spare]);
        }
      p->ptr[spare] = NULL;
      p->size[spare] = 0;
      /* counted in the memory ledger for as long as the pool keeps it */
      if (!ps_tensor_check_scratch (MAX (size, 64), "a oneDNN work buffer", error)
          || !ps_memory_reserve (PS_MEMORY_ONEDNN, MAX (size, 64), "a oneDNN work buffer", error))
        return NULL;
      if (posix_memalign (&p->ptr[spare], 64, MAX (size, 64)) != 0)
        {
          p->ptr[spare] = NULL;
          ps_memory_release (PS_MEMORY_ONEDNN, MAX (size, 64));
          g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY, "oneDNN: out of memory for a work buffer of %" G_GSIZE_FORMAT
                       " bytes", size);
          return NULL;
        }
      p->size[spare] = MAX (size, 64);
      best = spare;
    }
  p->busy[best] = TRUE;
  return p->ptr[best];
}

static void
pool_give_back (void *ptr)
{
  Pool *p = pool_get ();
  for (int i = 0; i < POOL_SLOTS; i++)
    if (p->ptr[i] == ptr)
      p->busy[i] = FALSE;
}

/* One call's resources, released together. */
#define MAX_OWNED 16
typedef struct {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_attr_t attr_user;     /* scratchpad_mode = user */
  dnnl_memory_t mems[MAX_OWNED];
  int n_mems;
  dnnl_primitive_desc_t pds[MAX_OWNED];
  int n_pds;
  void *bufs[MAX_OWNED];               /* taken from the thread's pool */
  int n_bufs;
} Ctx;

static gboolean
ctx_init (Ctx *c, GError **error)
{
  const char *what = "stream";
  memset (c, 0, sizeof *c);
  ps_threads_enter ();
  if ((c->engine = engine_get (error)) == NULL)
    return FALSE;
  TRY (dnnl_stream_create (&c->stream, c->engine, dnnl_stream_default_flags));
  what = "attr";
  TRY (dnnl_primitive_attr_create (&c->attr_user));
  TRY (dnnl_primitive_attr_set_scratchpad_mode (c->attr_user, dnnl_scratchpad_mode_user));
  return TRUE;
out:
  return FALSE;
}

static void
ctx_clear (Ctx *c)
{
  for (int i = 0; i < c->n_mems; i++)
    dnnl_memory_destroy (c->mems[i]);
  for (int i = 0; i < c->n_bufs; i++)
    pool_give_back (c->bufs[i]);
  for (int i = 0; i < c->n_pds; i++)
    dnnl_primitive_desc_destroy (c->pds[i]);
  if (c->attr_user)
    dnnl_primitive_attr_destroy (c->attr_user);
  if (c->stream)
    dnnl_stream_destroy (c->stream);
}

static dnnl_memory_t
ctx_mem (Ctx *c, const dnnl_memory_desc_t *md, void *handle, GError **error)
{
  const char *what = "memory";
  dnnl_memory_t m = NULL;
  g_assert (c->n_mems < MAX_OWNED);
  TRY (dnnl_memory_create (&m, md, c->engine, handle));
  c->mems[c->n_mems++] = m;
  return m;
out:
  return NULL;
}

static const_dnnl_primitive_desc_t
ctx_pd (Ctx *c, const void *op_desc, const_dnnl_primitive_attr_t attr, const_dnnl_primitive_desc_t hint,
        const char *what, GError **error)
{
  dnnl_primitive_desc_t pd = NULL;
  g_assert (c->n_pds < MAX_OWNED);
  TRY (dnnl_primitive_desc_create (&pd, op_desc, attr, c->engine, hint));
  c->pds[c->n_pds++] = pd;
  return pd;
out:
  return NULL;
}

/* New memory of layout md backed by a pooled buffer (oneDNN's own allocation if none is free). */
/* A pooled buffer of `size` bytes (recorded in c), or NULL for oneDNN's own allocation; FALSE
 * with *error when the memory limits refuse either. */
static gboolean
ctx_take (Ctx *c, gsize size, void **buf, GError **error)
{
  GError *local = NULL;
  *buf = c->n_bufs < MAX_OWNED ? pool_take (size, &local) : NULL;
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (*buf != NULL)
    c->bufs[c->n_bufs++] = *buf;
  else if (!ps_tensor_check_scratch (size, "a oneDNN work buffer", error))
    return FALSE;
  return TRUE;
}

static dnnl_memory_t
ctx_work_mem (Ctx *c, const dnnl_memory_desc_t *md, GError **error)
{
  void *buf = NULL;
  if (!ctx_take (c, dnnl_memory_desc_get_size (md), &buf, error))
    return NULL;
  return ctx_mem (c, md, buf != NULL ? buf : DNNL_MEMORY_ALLOCATE, error);
}

/* Creates the primitive, gives it a user scratchpad when it asks for one, runs it, waits. */
static gboolean
run (Ctx *c, const_dnnl_primitive_desc_t pd, int nargs, const dnnl_exec_arg_t *args, const char *what,
     GError **error)
{
  dnnl_primitive_t prim = NULL;
  dnnl_memory_t scratch = NULL;
  dnnl_exec_arg_t all[8];
  gboolean ok = FALSE;
  g_assert (nargs < (int) G_N_ELEMENTS (all));
  memcpy (all, args, (gsize) nargs * sizeof *args);
  const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md (pd, dnnl_query_scratchpad_md, 0);
  if (smd != NULL && dnnl_memory_desc_get_size (smd) > 0)
    {
      void *buf = NULL;
      if (!ctx_take (c, dnnl_memory_desc_get_size (smd), &buf, error))
        goto out;
      TRY (dnnl_memory_create (&scratch, smd, c->engine, buf != NULL ? buf : DNNL_MEMORY_ALLOCATE));
      all[nargs++] = (dnnl_exec_arg_t) { DNNL_ARG_SCRATCHPAD, scratch };
    }
  TRY (dnnl_primitive_create (&prim, pd));
  TRY (dnnl_primitive_execute (prim, c->stream, nargs, all));
  TRY (dnnl_stream_wait (c->stream));
  ok = TRUE;
out:
  if (prim)
    dnnl_primitive_destroy (prim);
  if (scratch)
    dnnl_memory_destroy (scratch);
  return ok;
}

/* A reorder primitive (with a user scratchpad) that copies `from` (layout from_md) into `to`
 * (layout to_md), run at once. */
static gboolean
ctx_reorder (Ctx *c, dnnl_memory_t from, const dnnl_memory_desc_t *from_md, dnnl_memory_t to,
             const dnnl_memory_desc_t *to_md, GError **error)
{
  const char *what = "reorder";
  dnnl_primitive_desc_t rpd = NULL;
  TRY (dnnl_reorder_primitive_desc_create (&rpd, from_md, c->engine, to_md, c->engine, c->attr_user));
  g_assert (c->n_pds < MAX_OWNED);
  c->pds[c->n_pds++] = rpd;
  dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, to } };
  return run (c, rpd, 2, args, what, error);
out:
  return FALSE;
}

/* ideep's reorder_if_differ_in: `user` as is when its layout is the one wanted, else a copy in
 * the wanted layout. */
static dnnl_memory_t
reorder_in (Ctx *c, dnnl_memory_t user, const dnnl_memory_desc_t *user_md, const dnnl_memory_desc_t *want,
            GError **error)
{
  if (dnnl_memory_desc_equal (user_md, want))
    return user;
  dnnl_memory_t m = ctx_work_mem (c, want, error);
  if (m == NULL || !ctx_reorder (c, user, user_md, m, want, error))
    return NULL;
  return m;
}

/* The result side: the primitive writes `have` (its layout); copy it into the user's buffer. */
static gboolean
reorder_out (Ctx *c, dnnl_memory_t have, const dnnl_memory_desc_t *have_md, dnnl_memory_t user,
             const dnnl_memory_desc_t *user_md, GError **error)
{
  if (have == user)
    return TRUE;
  return ctx_reorder (c, have, have_md, user, user_md, error);
}

/* Memory for a primitive's output: the user's buffer when the layouts agree, else a new one. */
static dnnl_memory_t
out_mem (Ctx *c, dnnl_memory_t user, const dnnl_memory_desc_t *user_md, const dnnl_memory_desc_t *want,
         GError **error)
{
  if (dnnl_memory_desc_equal (user_md, want))
    return user;
  return ctx_work_mem (c, want, error);
}

/* ---------- convolution geometry ---------- */

typedef struct {
  int ndims;                  /* 4 (1-D and 2-D) or 5 */
  dnnl_dims_t src, dst, wei, bias;
  int wei_ndims;
  dnnl_format_tag_t data_tag, wei_tag;
  dnnl_dims_t strides, dilates, pad;
  dnnl_memory_desc_t src_md, dst_md, wei_md, bias_md;        /* plain (user) */
  dnnl_memory_desc_t any_src, any_dst, any_wei, any_bias;
} ConvGeo;

static gboolean
conv_geo (const PsConvShape *s, int nd, ConvGeo *g, GError **error)
{
  int64_t out[3];
  if (!ps_conv_output_size (s, out, error))
    return FALSE;
  g_return_val_if_fail (nd >= 1 && nd <= 3 && !s->transposed, FALSE);
  for (int d = 0; d < 3; d++)
    g_return_val_if_fail (s->pad_lo[d] == s->pad_hi[d], FALSE);
  memset (g, 0, sizeof *g);
  const int first = nd == 3 ? 0 : 1;      /* a 1-D convolution is a 2-D one with height 1 */
  const int sp = 3 - first;
  const int64_t G = s->groups;
  g->ndims = 2 + sp;
  g->src[0] = g->dst[0] = s->batch;
  g->src[1] = s->in_channels;
  g->dst[1] = s->out_channels;
  int w = 0;
  if (G > 1)
    g->wei[w++] = G;
  g->wei[w++] = s->out_channels / G;
  g->wei[w++] = s->in_channels / G;
  for (int d = first, i = 0; d < 3; d++, i++)
    {
      g->src[2 + i] = s->in[d];
      g->dst[2 + i] = out[d];
      g->wei[w++] = s->kernel[d];
      g->strides[i] = s->stride[d];
      g->dilates[i] = s->dilation[d] - 1;
      g->pad[i] = s->pad_lo[d];
    }
  g->wei_ndims = w;
  g->bias[0] = s->out_channels;
  static const dnnl_format_tag_t plain[] = { dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde, dnnl_abcdef };
  g->data_tag = plain[g->ndims - 1];
  g->wei_tag = plain[g->wei_ndims - 1];
  const char *what = "memory descriptor";
  TRY (dnnl_memory_desc_init_by_tag (&g->src_md, g->ndims, g->src, dnnl_f32, g->data_tag));
  TRY (dnnl_memory_desc_init_by_tag (&g->dst_md, g->ndims, g->dst, dnnl_f32, g->data_tag));
  TRY (dnnl_memory_desc_init_by_tag (&g->wei_md, g->wei_ndims, g->wei, dnnl_f32, g->wei_tag));
  TRY (dnnl_memory_desc_init_by_tag (&g->bias_md, 1, g->bias, dnnl_f32, dnnl_a));
  TRY (dnnl_memory_desc_init_by_tag (&g->any_src, g->ndims, g->src, dnnl_f32, dnnl_format_tag_any));
  TRY (dnnl_memory_desc_init_by_tag (&g->any_dst, g->ndims, g->dst, dnnl_f32, dnnl_format_tag_any));
  TRY (dnnl_memory_desc_init_by_tag (&g->any_wei, g->wei_ndims, g->wei, dnnl_f32, dnnl_format_tag_any));
  TRY (dnnl_memory_desc_init_by_tag (&g->any_bias, 1, g->bias, dnnl_f32, dnnl_format_tag_any));
  return TRUE;
out:
  return FALSE;
}

static gboolean
geo_empty (const ConvGeo *g)
{
  for (int i = 0; i < g->ndims; i++)
    if (g->src[i] == 0 || g->dst[i] == 0)
      return TRUE;
  return FALSE;
}

/* The forward pd (forward_training, direct, all `any`) — with `attr` (user scratchpad for the
 * forward itself, NULL = default for the backward hints) and with or without bias. */
static const_dnnl_primitive_desc_t
fwd_pd (Ctx *c, const ConvGeo *g, gboolean with_bias, const_dnnl_primitive_attr_t attr, GError **error)
{
  const char *what = "convolution forward descriptor";
  dnnl_convolution_desc_t cd;
  TRY (dnnl_dilated_convolution_forward_desc_init (&cd, dnnl_forward_training, dnnl_convolution_direct,
                                                   &g->any_src, &g->any_wei, with_bias ? &g->any_bias : NULL,
                                                   &g->any_dst, g->strides, g->dilates, g->pad, g->pad));
  return ctx_pd (c, &cd, attr, NULL, "convolution forward", error);
out:
  return NULL;
}

#define QMD(pd, q, i) dnnl_primitive_desc_query_md ((pd), (q), (i))

gboolean
ps_onednn_conv_forward (const PsConvShape *s, int nd, const float *x, const float *w, const float *bias,
                        float *y, GError **error)
{
  ConvGeo g;
  if (!conv_geo (s, nd, &g, error))
    return FALSE;
  if (geo_empty (&g))
    return TRUE;    /* nothing to compute (an empty batch or channel dim) */
  Ctx c;
  gboolean ok = FALSE;
  if (!ctx_init (&c, error))
    goto done;
  const_dnnl_primitive_desc_t pd = fwd_pd (&c, &g, bias != NULL, c.attr_user, error);
  if (pd == NULL)
    goto done;
  dnnl_memory_t ux, uw, ub = NULL, uy, mx, mw, my;
  if ((ux = ctx_mem (&c, &g.src_md, (void *) x, error)) == NULL
      || (uw = ctx_mem (&c, &g.wei_md, (void *) w, error)) == NULL
      || (uy = ctx_mem (&c, &g.dst_md, y, error)) == NULL
      || (bias != NULL && (ub = ctx_mem (&c, &g.bias_md, (void *) bias, error)) == NULL))
    goto done;
  if ((mx = reorder_in (&c, ux, &g.src_md, QMD (pd, dnnl_query_src_md, 0), error)) == NULL
      || (mw = reorder_in (&c, uw, &g.wei_md, QMD (pd, dnnl_query_weights_md, 0), error)) == NULL
      || (my = out_mem (&c, uy, &g.dst_md, QMD (pd, dnnl_query_dst_md, 0), error)) == NULL)
    goto done;
  /* the bias stays as given: the pd's bias layout is `a` */
  if (ub != NULL && (ub = reorder_in (&c, ub, &g.bias_md, QMD (pd, dnnl_query_weights_md, 1), error)) == NULL)
    goto done;
  dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, mx }, { DNNL_ARG_WEIGHTS, mw }, { DNNL_ARG_DST, my } };
  int nargs = 3;
  if (ub != NULL)
    args[nargs++] = (dnnl_exec_arg_t) { DNNL_ARG_BIAS, ub };
  if (!run (&c, pd, nargs, args, "convolution forward", error)
      || !reorder_out (&c, my, QMD (pd, dnnl_query_dst_md, 0), uy, &g.dst_md, error))
    goto done;
  ok = TRUE;
done:
  ctx_clear (&c);
  return ok;
}

gboolean
ps_onednn_conv_backward_data (const PsConvShape *s, int nd, const float *gy, const float *w, float *gx,
                              GError **error)
{
  ConvGeo g;
  if (!conv_geo (s, nd, &g, error))
    return FALSE;
  if (geo_empty (&g))
    {
      int64_t n = 1;
      for (int i = 0; i < g.ndims; i++)
        n *= g.src[i];
      memset (gx, 0, (gsize) n * sizeof (float));
      return TRUE;
    }
  Ctx c;
  gboolean ok = FALSE;
  const char *what = "convolution backward data descriptor";
  if (!ctx_init (&c, error))
    goto out;
  const_dnnl_primitive_desc_t hint = fwd_pd (&c, &g, FALSE, NULL, error);
  if (hint == NULL)
    goto out;
  dnnl_convolution_desc_t bd;
  TRY (dnnl_dilated_convolution_backward_data_desc_init (&bd, dnnl_convolution_direct, &g.any_src, &g.any_wei,
                                                         &g.any_dst, g.strides, g.dilates, g.pad, g.pad));
  const_dnnl_primitive_desc_t pd = ctx_pd (&c, &bd, c.attr_user, hint, "convolution backward data", error);
  if (pd == NULL)
    goto out;
  dnnl_memory_t ugy, uw, ugx, mgy, mw, mgx;
  if ((ugy = ctx_mem (&c, &g.dst_md, (void *) gy, error)) == NULL
      || (uw = ctx_mem (&c, &g.wei_md, (void *) w, error)) == NULL
      || (ugx = ctx_mem (&c, &g.src_md, gx, error)) == NULL)
    goto out;
  if ((mgy = reorder_in (&c, ugy, &g.dst_md, QMD (pd, dnnl_query_diff_dst_md, 0), error)) == NULL
      || (mw = reorder_in (&c, uw, &g.wei_md, QMD (pd, dnnl_query_weights_md, 0), error)) == NULL
      || (mgx = out_mem (&c, ugx, &g.src_md, QMD (pd, dnnl_query_diff_src_md, 0), error)) == NULL)
    goto out;
  dnnl_exec_arg_t args[] = { { DNNL_ARG_DIFF_DST, mgy }, { DNNL_ARG_WEIGHTS, mw }, { DNNL_ARG_DIFF_SRC, mgx } };
  if (!run (&c, pd, 3, args, "convolution backward data", error)
      || !reorder_out (&c, mgx, QMD (pd, dnnl_query_diff_src_md, 0), ugx, &g.src_md, error))
    goto out;
  ok = TRUE;
out:
  ctx_clear (&c);
  return ok;
}

gboolean
ps_onednn_conv_backward_weights (const PsConvShape *s, int nd, const float *x, const float *gy, float *gw,
                                 float *gb, GError **error)
{
  ConvGeo g;
  if (!conv_geo (s, nd, &g, error))
    return FALSE;
  if (geo_empty (&g))
    {
      int64_t n = 1;
      for (int i = 0; i < g.wei_ndims; i++)
        n *= g.wei[i];
      memset (gw, 0, (gsize) n * sizeof (float));
      if (gb != NULL)
        memset (gb, 0, (gsize) s->out_channels * sizeof (float));
      return TRUE;
    }
  Ctx c;
  gboolean ok = FALSE;
  const char *what = "convolution backward weights descriptor";
  if (!ctx_init (&c, error))
    goto out;
  const_dnnl_primitive_desc_t hint = fwd_pd (&c, &g, gb != NULL, NULL, error);
  if (hint == NULL)
    goto out;
  dnnl_convolution_desc_t wd;
  TRY (dnnl_dilated_convolution_backward_weights_desc_init (&wd, dnnl_convolution_direct, &g.any_src, &g.any_wei,
                                                            gb != NULL ? &g.any_bias : NULL, &g.any_dst,
                                                            g.strides, g.dilates, g.pad, g.pad));
  const_dnnl_primitive_desc_t pd = ctx_pd (&c, &wd, c.attr_user, hint, "convolution backward weights", error);
  if (pd == NULL)
    goto out;
  dnnl_memory_t ux, ugy, ugw, ugb = NULL, mx, mgy, mgw, mgb = NULL;
  if ((ux = ctx_mem (&c, &g.src_md, (void *) x, error)) == NULL
      || (ugy = ctx_mem (&c, &g.dst_md, (void *) gy, error)) == NULL
      || (ugw = ctx_mem (&c, &g.wei_md, gw, error)) == NULL
      || (gb != NULL && (ugb = ctx_mem (&c, &g.bias_md, gb, error)) == NULL))
    goto out;
  if ((mgy = reorder_in (&c, ugy, &g.dst_md, QMD (pd, dnnl_query_diff_dst_md, 0), error)) == NULL
      || (mx = reorder_in (&c, ux, &g.src_md, QMD (pd, dnnl_query_src_md, 0), error)) == NULL
      || (mgw = out_mem (&c, ugw, &g.wei_md, QMD (pd, dnnl_query_diff_weights_md, 0), error)) == NULL
      || (gb != NULL && (mgb = out_mem (&c, ugb, &g.bias_md, QMD (pd, dnnl_query_diff_weights_md, 1), error)) == NULL))
    goto out;
  dnnl_exec_arg_t args[4] = { { DNNL_ARG_DIFF_DST, mgy }, { DNNL_ARG_SRC, mx }, { DNNL_ARG_DIFF_WEIGHTS, mgw } };
  int nargs = 3;
  if (mgb != NULL)
    args[nargs++] = (dnnl_exec_arg_t) { DNNL_ARG_DIFF_BIAS, mgb };
  if (!run (&c, pd, nargs, args, "convolution backward weights", error))
    goto out;
  if (mgb != NULL && !reorder_out (&c, mgb, QMD (pd, dnnl_query_diff_weights_md, 1), ugb, &g.bias_md, error))
    goto out;
  if (!reorder_out (&c, mgw, QMD (pd, dnnl_query_diff_weights_md, 0), ugw, &g.wei_md, error))
    goto out;
  ok = TRUE;
out:
  ctx_clear (&c);
  return ok;
}

/* ---------- GELU ---------- */

static gboolean
plain_md (int ndim, const int64_t *shape, dnnl_memory_desc_t *md, GError **error)
{
  const char *what = "memory descriptor";
  if (ndim < 1 || ndim > DNNL_MAX_NDIMS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "oneDNN: %d dimensions are not supported", ndim);
      return FALSE;
    }
  dnnl_dims_t dims, strides;
  int64_t st = 1;
  for (int i = ndim - 1; i >= 0; i--)
    {
      dims[i] = shape[i];
      strides[i] = st;
      st *= MAX (shape[i], 1);
    }
  TRY (dnnl_memory_desc_init_by_strides (md, ndim, dims, dnnl_f32, strides));
  return TRUE;
out:
  return FALSE;
}

static const_dnnl_primitive_desc_t
gelu_fwd_pd (Ctx *c, const dnnl_memory_desc_t *md, const_dnnl_primitive_attr_t attr, GError **error)
{
  const char *what = "eltwise forward descriptor";
  dnnl_eltwise_desc_t ed;
  TRY (dnnl_eltwise_forward_desc_init (&ed, dnnl_forward_training, dnnl_eltwise_gelu_erf, md, 0.0f, 0.0f));
  return ctx_pd (c, &ed, attr, NULL, "GELU forward", error);
out:
  return NULL;
}

gboolean
ps_onednn_gelu_forward (int ndim, const int64_t *shape, const float *x, float *y, GError **error)
{
  dnnl_memory_desc_t md;
  if (!plain_md (ndim, shape, &md, error))
    return FALSE;
  if (dnnl_memory_desc_get_size (&md) == 0)
    return TRUE;
  Ctx c;
  gboolean ok = FALSE;
  if (!ctx_init (&c, error))
    goto done;
  const_dnnl_primitive_desc_t pd = gelu_fwd_pd (&c, &md, c.attr_user, error);
  dnnl_memory_t mx, my;
  if (pd == NULL || (mx = ctx_mem (&c, &md, (void *) x, error)) == NULL || (my = ctx_mem (&c, &md, y, error)) == NULL)
    goto done;
  dnnl_exec_arg_t args[] = { { DNNL_ARG_SRC, mx }, { DNNL_ARG_DST, my } };
  ok = run (&c, pd, 2, args, "GELU forward", error);
done:
  ctx_clear (&c);
  return ok;
}

gboolean
ps_onednn_gelu_backward (int ndim, const int64_t *shape, const float *gy, const float *x, float *gx,
                         GError **error)
{
  dnnl_memory_desc_t md;
  if (!plain_md (ndim, shape, &md, error))
    return FALSE;
  if (dnnl_memory_desc_get_size (&md) == 0)
    return TRUE;
  Ctx c;
  gboolean ok = FALSE;
  const char *what = "eltwise backward descriptor";
  if (!ctx_init (&c, error))
    goto out;
  const_dnnl_primitive_desc_t hint = gelu_fwd_pd (&c, &md, NULL, error);
  if (hint == NULL)
    goto out;
  dnnl_eltwise_desc_t ed;
  TRY (dnnl_eltwise_backward_desc_init (&ed, dnnl_eltwise_gelu_erf, QMD (hint, dnnl_query_dst_md, 0), &md,
                                        0.0f, 0.0f));
  const_dnnl_primitive_desc_t pd = ctx_pd (&c, &ed, c.attr_user, hint, "GELU backward", error);
  dnnl_memory_t mgy, mx, mgx;
  if (pd == NULL || (mgy = ctx_mem (&c, &md, (void *) gy, error)) == NULL
      || (mx = ctx_mem (&c, &md, (void *) x, error)) == NULL || (mgx = ctx_mem (&c, &md, gx, error)) == NULL)
    goto out;
  dnnl_exec_arg_t args[] = { { DNNL_ARG_DIFF_DST, mgy }, { DNNL_ARG_SRC, mx }, { DNNL_ARG_DIFF_SRC, mgx } };
  ok = run (&c, pd, 3, args, "GELU backward", error);
out:
  ctx_clear (&c);
  return ok;
}

/* ---------- report ---------- */

char *
ps_onednn_version (void)
{
  const dnnl_version_t *v = dnnl_version ();
  return g_strdup_printf ("%d.%d.%d (%s)", v->major, v->minor, v->patch, v->hash ? v->hash : "?");
}

const char *
ps_onednn_isa (void)
{
  switch (dnnl_get_effective_cpu_isa ())
    {
    case dnnl_cpu_isa_all: return "ALL";
    case dnnl_cpu_isa_sse41: return "SSE41";
    case dnnl_cpu_isa_avx: return "AVX";
    case dnnl_cpu_isa_avx2: return "AVX2";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2_VNNI";
    case dnnl_cpu_isa_avx512_mic: return "AVX512_MIC";
    case dnnl_cpu_isa_avx512_mic_4ops: return "AVX512_MIC_4OPS";
    case dnnl_cpu_isa_avx512_core: return "AVX512_CORE";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX512_CORE_VNNI";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX512_CORE_BF16";
    case dnnl_cpu_isa_avx512_core_amx: return "AVX512_CORE_AMX";
    default: return "unknown";
    }
}
