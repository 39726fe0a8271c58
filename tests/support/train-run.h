/* train-run.h — a training recipe replayed against a golden run of torch (test-train-conv,
 * test-train-seq): DIR/NAME.recipe.json is replayed (its data files relative to DIR) and every
 * recorded step of its train op must equal the run's "record" — the loss, and per section
 * ("params", "grads", "buffers") each named tensor of the module "model" bit for bit — and the
 * generator must end where torch's did ("probe": torch.randint(0, 2^31, (2,)) afterwards). */
#pragma once

#include "ps-recipe.h"
#include "ps-timeline.h"
#include "train-golden.h"

/* sections: NULL-terminated; each of the first `checked` sections must name at least `min_names`
 * tensors at every step (a run that records nothing there fails). */
static inline void
tg_check_train_run (JsonObject *c, const char *dir, const char *const *sections, guint checked, guint min_names)
{
  const char *name = json_object_get_string_member (c, "name");
  g_autofree char *file = g_strdup_printf ("%s.recipe.json", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_recipe_required_version (recipe), >=, 3);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s: %s", name, ps_timeline_get_error (tl)->message);
  PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
  g_assert_nonnull (st->train_log);
  JsonArray *rec = json_object_get_array_member (c, "record");
  g_assert_cmpuint (st->train_log->records->len, ==, json_array_get_length (rec));
  for (guint k = 0; k < json_array_get_length (rec); k++)
    {
      JsonObject *e = json_array_get_object_element (rec, k);
      const PsTrainRecord *tr = st->train_log->records->pdata[k];
      g_autofree char *what = g_strdup_printf ("%s step %" G_GINT64_FORMAT, name, tr->step);
      tg_check_values (what, &tr->loss, 1, json_object_get_object_member (e, "loss"));
      PsModule *model = ps_state_get_module (tr->state, "model");
      for (guint s = 0; sections[s] != NULL; s++)
        {
          JsonObject *ps = json_object_get_object_member (e, sections[s]);
          g_autoptr (GList) names = json_object_get_members (ps);
          if (s < checked)
            g_assert_cmpuint (g_list_length (names), >=, min_names);
          const gboolean grads = strcmp (sections[s], "grads") == 0;
          for (GList *l = names; l; l = l->next)
            {
              PsParam *p = NULL;
              g_assert_true (ps_module_resolve (model, l->data, NULL, &p, NULL));
              g_autofree char *w2 = g_strdup_printf ("%s %s %s", what, sections[s], (char *) l->data);
              tg_check (w2, grads ? p->grad : p->value, json_object_get_object_member (ps, l->data));
            }
        }
    }
  int64_t v[2];
  PsGenerator gen = st->gen;
  g_assert_true (ps_generator_randint (&gen, 0, (int64_t) 1 << 31, v, 2, NULL));
  JsonArray *probe = json_object_get_array_member (c, "probe");
  g_assert_cmpint (v[0], ==, json_array_get_int_element (probe, 0));
  g_assert_cmpint (v[1], ==, json_array_get_int_element (probe, 1));
}
