/* train-export.h — a recipe exported as a PyTorch script (ps_export_pytorch) against the golden
 * DIR/NAME.export.py, and against what torch computed running that script (DIR/NAME.export.json,
 * written by tests/golden/run_export.py): every parameter's bytes (SHA-256), every output — a
 * forward's value, or a train op's loss at every step — and torch.rand(2) afterwards must equal the
 * replay's. With `write` the golden script is rewritten instead. Returns the number of parameters
 * compared. */
#pragma once

#include <string.h>
#include "ps-export-pytorch.h"
#include "ps-recipe.h"
#include "ps-timeline.h"

static inline char *
tg_sha256_of_floats (const float *v, int64_t n)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) v, (gsize) n * sizeof (float));
}

static inline guint
tg_export_check (const char *path, const char *dir, const char *name, gboolean write)
{
  guint checked = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_autofree char *script = ps_export_pytorch (recipe, &error);
  g_assert_no_error (error);
  g_autofree char *spath = g_strdup_printf ("%s/%s.export.py", dir, name);
  if (write)
    {
      g_assert_true (g_file_set_contents (spath, script, -1, &error));
      return 0;
    }
  g_autofree char *want = NULL;
  g_assert_true (g_file_get_contents (spath, &want, NULL, &error));
  g_assert_cmpstr (script, ==, want);
  /* what torch computed running it */
  g_autofree char *epath = g_strdup_printf ("%s/%s.export.json", dir, name);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, epath, &error));
  JsonObject *res = json_node_get_object (json_parser_get_root (p));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (res, "error")));
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
  g_assert_null (ps_timeline_get_error (tl));
  guint last = ps_timeline_get_n_steps (tl);
  PsState *st = ps_timeline_get_state (tl, last);
  JsonObject *state = json_object_get_object_member (res, "state");
  g_autoptr (GList) keys = json_object_get_members (state);
  g_assert_cmpuint (g_list_length (keys), >, 0);
  for (GList *l = keys; l; l = l->next)
    {
      const char *key = l->data, *dot = strchr (key, '.');
      g_assert_nonnull (dot);
      g_autofree char *id = g_strndup (key, (gsize) (dot - key));
      PsModule *m = ps_state_get_module (st, id);
      PsParam *prm = NULL;
      g_assert_true (m != NULL && ps_module_resolve (m, dot + 1, NULL, &prm, NULL));
      g_autofree char *ours = g_compute_checksum_for_data (G_CHECKSUM_SHA256, prm->value->data,
                                                         ps_tensor_nbytes (prm->value));
      const char *theirs = json_object_get_string_member (json_object_get_object_member (state, key), "sha256");
      if (g_strcmp0 (ours, theirs) != 0)
        g_error ("%s: %s differs from what the exported script computed", name, key);
      checked++;
    }
  /* the outputs: a forward's loss, or a train op's loss at every step (outputs["train<N>"]) */
  JsonObject *outs = json_object_get_object_member (res, "outputs");
  g_autoptr (GList) onames = json_object_get_members (outs);
  g_assert_cmpuint (g_list_length (onames), >, 0);
  for (GList *l = onames; l; l = l->next)
    {
      const char *on = l->data;
      g_autofree char *ours = NULL;
      PsTensor *t = ps_state_get_output (st, on);
      JsonObject *theirs_t = json_object_get_object_member (outs, on);
      if (t != NULL)
        {
          /* every byte of any dtype (MaxPool's int64 indices, NAME[1]), its dtype and shape */
          ours = g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, ps_tensor_nbytes (t));
          g_assert_cmpstr (ps_dtype_name (t->dtype), ==, json_object_get_string_member (theirs_t, "dtype"));
          JsonArray *sh = json_object_get_array_member (theirs_t, "shape");
          g_assert_cmpuint (json_array_get_length (sh), ==, (guint) t->ndim);
          for (int d = 0; d < t->ndim; d++)
            g_assert_cmpint (json_array_get_int_element (sh, (guint) d), ==, t->shape[d]);
        }
      else
        {
          g_assert_true (g_str_has_prefix (on, "train") && st->train_log != NULL);
          guint nrec = st->train_log->records->len;
          g_autofree float *losses = g_new (float, MAX (nrec, 1));
          for (guint k = 0; k < nrec; k++)
            losses[k] = ((const PsTrainRecord *) st->train_log->records->pdata[k])->loss;
          ours = tg_sha256_of_floats (losses, nrec);
        }
      const char *theirs = json_object_get_string_member (theirs_t, "sha256");
      if (g_strcmp0 (ours, theirs) != 0)
        g_error ("%s: output %s differs from what the exported script computed", name, on);
    }
  /* torch.rand(2) after the script */
  PsGenerator gen = st->gen;
  float r2[2];
  ps_generator_uniform_f32 (&gen, r2, 2, 0.0, 1.0);
  JsonArray *probe = json_object_get_array_member (res, "probe_after");
  for (int i = 0; i < 2; i++)
    {
      uint32_t u;
      memcpy (&u, &r2[i], 4);
      g_autofree char *hx = g_strdup_printf ("%08x", u);
      g_assert_cmpstr (hx, ==, json_array_get_string_element (probe, (guint) i));
    }
  return checked;
}
