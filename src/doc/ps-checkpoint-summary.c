/* ps-checkpoint-summary.c — see ps-checkpoint-summary.h. */
#include "ps-checkpoint-summary.h"
#include "ps-count-text.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static void
dtype_count_free (gpointer p)
{
  PsCheckpointDtypeCount *d = p;
  g_free (d->dtype);
  g_free (d);
}

static void
layer_norm_free (gpointer p)
{
  PsCheckpointLayerNorm *l = p;
  g_free (l->path);
  g_free (l);
}

void
ps_checkpoint_summary_free (PsCheckpointSummary *s)
{
  if (s == NULL)
    return;
  g_clear_pointer (&s->dtypes, g_ptr_array_unref);
  g_clear_pointer (&s->layers, g_ptr_array_unref);
  g_free (s);
}

PsCheckpointSummary *
ps_checkpoint_summary_new (PsCheckpoint *ck, gboolean norms, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (ck != NULL, NULL);
  g_autoptr (PsCheckpointSummary) s = g_new0 (PsCheckpointSummary, 1);
  s->dtypes = g_ptr_array_new_with_free_func (dtype_count_free);
  s->layers = g_ptr_array_new_with_free_func (layer_norm_free);
  s->n_params = ps_checkpoint_get_tree (ck)->numel;
  s->n_tensors = ps_checkpoint_get_n_entries (ck);
  g_autoptr (GHashTable) dtypes = g_hash_table_new (g_str_hash, g_str_equal);   /* → PsCheckpointDtypeCount* */
  g_autoptr (GHashTable) layers = g_hash_table_new (g_str_hash, g_str_equal);   /* → PsCheckpointLayerNorm* */
  g_autoptr (GArray) sumsq = g_array_new (FALSE, TRUE, sizeof (double));        /* per layer, in order */
  for (guint i = 0; i < s->n_tensors; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      const PsCheckpointEntry *e = ps_checkpoint_get_entry (ck, i);
      PsCheckpointDtypeCount *d = g_hash_table_lookup (dtypes, e->dtype);
      if (d == NULL)
        {
          d = g_new0 (PsCheckpointDtypeCount, 1);
          d->dtype = g_strdup (e->dtype);
          g_ptr_array_add (s->dtypes, d);
          g_hash_table_insert (dtypes, d->dtype, d);
        }
      d->n_tensors++;
      if (e->alias_of == NULL)
        d->numel += e->numel;   /* shared storage: its values are counted once, under the stored name */
      if (!norms)
        continue;

      const char *dot = strrchr (e->name, '.');
      g_autofree char *prefix = dot ? g_strndup (e->name, (gsize) (dot - e->name)) : g_strdup ("");
      PsCheckpointLayerNorm *l = g_hash_table_lookup (layers, prefix);
      if (l == NULL)
        {
          l = g_new0 (PsCheckpointLayerNorm, 1);
          l->path = g_steal_pointer (&prefix);
          g_ptr_array_add (s->layers, l);
          g_hash_table_insert (layers, l->path, l);
          g_array_set_size (sumsq, s->layers->len);
        }
      g_autoptr (GError) local = NULL;
      g_autoptr (PsTensor) t = ps_checkpoint_load (ck, e->name, &local);
      if (t == NULL && g_error_matches (local, PS_ERROR, PS_ERROR_NOT_IMPLEMENTED))
        continue;   /* listed but not decoded (a torch complex tensor): no values to add */
      if (t == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      PsStats st;
      ps_stats_compute (t, &st);
      guint li;
      g_ptr_array_find (s->layers, l, &li);
      l->n_tensors++;
      if (e->alias_of != NULL)
        l->n_tied++;
      /* a tied weight is a parameter of each layer holding it, counted once per layer (as
       * layer.parameters() would): not again when its storage is stored in the same layer */
      const char *adot = e->alias_of != NULL ? strrchr (e->alias_of, '.') : NULL;
      if (e->alias_of != NULL && (adot != NULL ? (gsize) (adot - e->alias_of) == strlen (l->path) &&
                                                   strncmp (e->alias_of, l->path, strlen (l->path)) == 0
                                               : *l->path == '\0'))
        continue;
      if (st.n_finite > 0)   /* an empty tensor's stats are NaN: it adds nothing */
        g_array_index (sumsq, double, li) += st.l2_norm * st.l2_norm;
      l->numel += e->numel;
      l->n_nonfinite += st.n_nan + st.n_posinf + st.n_neginf;
    }
  for (guint i = 0; i < s->layers->len; i++)
    ((PsCheckpointLayerNorm *) s->layers->pdata[i])->l2_norm = sqrt (g_array_index (sumsq, double, i));
  s->has_norms = norms;
  return g_steal_pointer (&s);
}

char *
ps_checkpoint_summary_to_text (const PsCheckpointSummary *s)
{
  GString *out = g_string_new (NULL);
  g_autofree char *n_params = ps_count_text (s->n_params);
  g_string_append_printf (out, "%s parameter%s in %u tensor%s\n", n_params, s->n_params == 1 ? "" : "s", s->n_tensors,
                          s->n_tensors == 1 ? "" : "s");
  g_string_append (out, "\ndtypes:\n");
  for (guint i = 0; i < s->dtypes->len; i++)
    {
      const PsCheckpointDtypeCount *d = s->dtypes->pdata[i];
      double pct = s->n_params > 0 ? 100.0 * (double) d->numel / (double) s->n_params : 0;
      g_autofree char *numel = ps_count_text (d->numel);
      g_string_append_printf (out, "  %-6s %u tensor%s, %s value%s (%.1f%%)\n", d->dtype, d->n_tensors,
                              d->n_tensors == 1 ? "" : "s", numel, d->numel == 1 ? "" : "s", pct);
    }
  if (!s->has_norms)
    {
      g_string_append (out, "\nL2 norm per layer: computing (every tensor is read once)…\n");
      return g_string_free (out, FALSE);
    }
  g_string_append (out, "\nL2 norm per layer:\n");
  int width = 0;   /* names padded to one column */
  for (guint i = 0; i < s->layers->len; i++)
    width = MAX (width, (int) g_utf8_strlen (((PsCheckpointLayerNorm *) s->layers->pdata[i])->path, -1));
  width = MAX (width, 11);
  for (guint i = 0; i < s->layers->len; i++)
    {
      const PsCheckpointLayerNorm *l = s->layers->pdata[i];
      const char *name = *l->path ? l->path : "(top level)";
      g_string_append_printf (out, "  %s%*s  %12.6g  (", name, width - (int) g_utf8_strlen (name, -1), "",
                              l->l2_norm);
      g_autofree char *numel = ps_count_text (l->numel);
      g_string_append_printf (out, "%u tensor%s, %s value%s", l->n_tensors, l->n_tensors == 1 ? "" : "s", numel,
                              l->numel == 1 ? "" : "s");
      if (l->n_tied > 0 && l->n_tied == l->n_tensors)
        g_string_append (out, l->n_tied == 1 ? ", tied: stored under another name" : ", all tied: stored under other names");
      else if (l->n_tied > 0)
        g_string_append_printf (out, ", %u tied: stored under another name", l->n_tied);
      if (l->n_nonfinite > 0)
        {
          g_autofree char *bad = ps_count_text (l->n_nonfinite);
          g_string_append_printf (out, ", %s NaN/Inf left out", bad);
        }
      g_string_append (out, ")\n");
    }
  return g_string_free (out, FALSE);
}

char *
ps_checkpoint_describe_tensor (const PsCheckpointEntry *e, const PsTensor *t)
{
  GString *out = g_string_new (NULL);
  g_autofree char *shape = ps_shape_to_string (e->ndim, e->shape);
  g_string_append_printf (out, "%s\ndtype %s (shown as %s) · shape %s · %" PRId64 " values\n", e->name, e->dtype,
                          ps_dtype_name (t->dtype), shape, e->numel);
  if (e->alias_of != NULL)
    g_string_append_printf (out, "shares its storage with %s\n", e->alias_of);
  PsStats st;
  ps_stats_compute (t, &st);
  g_string_append_printf (out, "\nmean %.9g\nstd %.9g\nmin %.9g\nmax %.9g\nL2 norm %.9g\nmax |x| %.9g\n"
                          "zeros %" PRId64 "\nNaN %" PRId64 " · +Inf %" PRId64 " · −Inf %" PRId64 "\n",
                          st.mean, st.std, st.min, st.max, st.l2_norm, st.abs_max, st.n_zero, st.n_nan, st.n_posinf,
                          st.n_neginf);
  return g_string_free (out, FALSE);
}
