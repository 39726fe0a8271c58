/* ps-explain.c — see the header. */
#include "ps-config.h"
#include "ps-explain.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ps-distribution.h"
#include "ps-stats.h"

static void
ps_explain_append_stats (GString *s, const PsTensor *t, const PsInitInfo *init)
{
  PsStats st;
  ps_stats_compute (t, &st);
  g_string_append_printf (s, _("count %" PRId64 "   mean %.6g   std %.6g (unbiased)\n"
                               "min %.6g   max %.6g   ‖x‖₂ %.6g\n"),
                          st.count, st.mean, st.std, st.min, st.max, st.l2_norm);
  if (st.n_nan || st.n_posinf || st.n_neginf)
    g_string_append_printf (s, _("⚠ NaN %" PRId64 "   +Inf %" PRId64 "   −Inf %" PRId64 "\n"),
                            st.n_nan, st.n_posinf, st.n_neginf);
  double mean, std;
  if (init != NULL && ps_distribution_moments (init, &mean, &std))
    g_string_append_printf (s, _("expected std %.6g, observed %.6g (mean %.3g vs %.3g)\n"), std, st.std, mean, st.mean);
}

char *
ps_explain_output (const char *name, const PsTensor *t)
{
  GString *s = g_string_new (NULL);
  g_autofree char *shape = ps_tensor_shape_string (t);
  g_string_append_printf (s, _("%s — forward output\nshape %s, %s\n\n"), name, shape, ps_dtype_name (t->dtype));
  ps_explain_append_stats (s, t, NULL);
  return g_string_free (s, FALSE);
}

char *
ps_explain_module (const PsModule *m, guint n_places)
{
  GString *s = g_string_new (NULL);
  g_autofree char *repr = ps_module_repr ((PsModule *) m);
  g_string_append_printf (s, "%s\n\n", repr);
  int lazy = 0;
  int64_t n = ps_module_count_parameters ((PsModule *) m, &lazy);
  g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " parameter", "%" PRId64 " parameters",
                                          (unsigned long) n), n);
  if (lazy)
    g_string_append_printf (s, _(", %d uninitialized"), lazy);
  g_string_append (s, m->training ? _(" — training mode\n") : _(" — eval mode\n"));
  if (n_places > 1)
    g_string_append_printf (s, _("Shared: this one module object appears at %u places; it owns one set of parameters.\n"),
                            n_places);
  return g_string_free (s, FALSE);
}

char *
ps_explain_param (const char *path, const PsParam *p)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s — %s\n", path, p->is_buffer ? _("buffer") : _("parameter"));
  if (p->value == NULL)
    g_string_append (s, _("uninitialized: a lazy parameter has no shape and no values until the first forward "
                          "materializes it.\n"));
  else
    {
      g_autofree char *shape = ps_tensor_shape_string (p->value);
      g_string_append_printf (s, _("shape %s, %s\n"), shape, ps_dtype_name (p->value->dtype));
    }
  if (p->created_step >= 0)
    g_string_append_printf (s, _("created at step %d"), p->created_step);
  if (p->written_step >= 0)
    g_string_append_printf (s, _(", last written at step %d"), p->written_step);
  g_string_append (s, "\n\n");
  if (p->init.fn[0])
    {
      g_string_append_printf (s, "%s(%s)\n", p->init.fn, p->init.args);
      if (p->init.formula[0])
        g_string_append_printf (s, "%s\n", p->init.formula);
      if (p->init.has_fans)
        g_string_append_printf (s, _("fan_in = %" PRId64 ", fan_out = %" PRId64 "\n"), p->init.fan_in, p->init.fan_out);
      g_autofree char *label = ps_distribution_label (&p->init);
      if (label && *label)
        g_string_append_printf (s, _("distribution: %s\n"), label);
      g_string_append (s, "\n");
    }
  if (p->value != NULL)
    ps_explain_append_stats (s, p->value, &p->init);
  return g_string_free (s, FALSE);
}

char *
ps_explain_changes (const PsTimeline *tl, guint a, guint b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changes = ps_timeline_compare_full (tl, a, b, &error);
  GString *s = g_string_new (NULL);
  if (changes == NULL)
    g_string_append (s, error->message);   /* a dropped step that does not fit in memory now */
  else if (a == b)
    g_string_append_printf (s, _("Comparing step %u with itself: choose another step."), b);
  else if (changes->len == 0)
    g_string_append_printf (s, _("Nothing changed between step %u and step %u."), a, b);
  else
    {
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%u tensor differs between step %u and step %u:",
                                              "%u tensors differ between step %u and step %u:", changes->len),
                              changes->len, a, b);
      for (guint i = 0; i < changes->len; i++)
        {
          PsParamChange *c = g_ptr_array_index (changes, i);
          const char *what = c->kind == PS_CHANGE_ADDED ? _("added") : c->kind == PS_CHANGE_REMOVED ? _("removed")
                             : _("changed");
          g_string_append_printf (s, "%s %s (%s)", i ? "," : "", c->path, what);
        }
    }
  return g_string_free (s, FALSE);
}

void
ps_explain_story (const PsTimeline *tl, guint step, char **heading, char **body)
{
  guint n = ps_timeline_get_n_steps (tl);
  const PsRecipe *recipe = ps_timeline_get_recipe (tl);
  if (step == 0 || step > n)
    {
      *heading = g_strdup_printf (_("Step 0 of %u"), n);
      GString *s = g_string_new (recipe->description ? recipe->description : "");
      if (s->len > 0)
        g_string_append (s, "\n\n");
      g_string_append_printf (s, _("torch.manual_seed(%" PRId64 "). "), recipe->seed);
      g_string_append (s, n == 0 ? _("Type a PyTorch line (Ctrl+K), add a layer with the + button, or open a scenario from the menu.")
                                 : _("Step forward (the . key or Alt+Right) to play the story."));
      *body = g_string_free (s, FALSE);
      return;
    }
  const char *what = ps_timeline_get_description (tl, step);
  const char *note = ps_timeline_get_note (tl, step);
  *heading = g_strdup_printf (_("Step %u of %u"), step, n);
  /* the article's sentence first, then what the step did in PyTorch's terms */
  if (note != NULL && what != NULL)
    *body = g_strdup_printf ("%s\n%s", note, what);
  else
    *body = g_strdup (note ? note : what ? what : "");
}

char *
ps_explain_error (const char *message)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const char *p = message;
  unsigned step = 0;
  int used = 0;
  if (sscanf (p, "op %u (%*[^)]): %n", &step, &used) == 1 && used > 0)
    {
      g_string_append_printf (s, _("Step %u: "), step);
      p += used;
    }
  /* "field 'args': " and the like name the file format's fields, not what the user did */
  while (g_str_has_prefix (p, "field '"))
    {
      const char *end = strstr (p + 7, "': ");
      if (end == NULL)
        break;
      p = end + 3;
    }
  g_string_append (s, p);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
ps_explain_plot_message (PsPlotSelection what, const char *name, const PsParam *param, gboolean has_model,
                         int diff_from)
{
  switch (what)
    {
    case PS_PLOT_SELECTION_OUTPUTS:
      return g_strdup (_("Select one of the outputs to see its values."));
    case PS_PLOT_SELECTION_OBJECTS:
      return g_strdup (_("Select a parameter of one of these modules to see its values."));
    case PS_PLOT_SELECTION_NONE:
      return g_strdup (!has_model
                       ? _("No model yet.\nType a PyTorch line (Ctrl+K), add a layer with the + button, or open a scenario from the menu.")
                       : _("Select a parameter or buffer in the tree to see its values."));
    case PS_PLOT_SELECTION_MODULE:
      return g_strdup_printf (_("“%s” is a module.\nSelect one of its parameters (e.g. its weight) to see values."), name);
    case PS_PLOT_SELECTION_TENSOR:
    default:
      break;
    }
  if (param != NULL && param->value == NULL)
    return g_strdup (_("Uninitialized (lazy): this parameter has no shape and no values yet.\n"
                       "Run a forward (Ctrl+F) to materialize it."));
  if (param != NULL && diff_from >= 0 && param->created_step > diff_from)
    /* nothing to subtract: say so, not "not a parameter at step 0" */
    return g_strdup_printf (_("%s did not exist yet at step %u: it was created at step %d.\n"
                              "Choose a later step under “Shown step minus” to compare."),
                            name, (guint) diff_from, param->created_step);
  return NULL;
}
