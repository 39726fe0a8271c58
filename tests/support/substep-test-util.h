/* substep-test-util.h — a timeline with two train ops whose sub-steps are partly dropped under the
 * memory budget, and a main-loop wait with a limit: shared by test-substep-cursor (doc) and
 * test-substep-figure (render). */
#pragma once

#include "ps-timeline.h"
#include "ps-train-ops.h"

#include <string.h>

/* A 2-8-2 MLP on xor: step 7 a train op of `steps1` SGD steps, step 8 one of 20 more with the same
 * optimizer (its records continue the optimizer's count), every step recorded. */
static inline PsTimeline *
substep_test_timeline (guint steps1, guint64 budget)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\":\"paramscope-recipe\",\"version\":3,\"seed\":5,\"root\":\"mlp\",\"ops\":["
    "{\"op\":\"dataset\",\"id\":\"d\",\"type\":\"xor\",\"args\":{\"n\":100}},"
    "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":8}},"
    "{\"op\":\"module\",\"id\":\"act\",\"type\":\"Tanh\"},"
    "{\"op\":\"module\",\"id\":\"head\",\"type\":\"Linear\",\"args\":{\"in_features\":8,\"out_features\":2}},"
    "{\"op\":\"module\",\"id\":\"mlp\",\"type\":\"Sequential\",\"children\":[\"fc1\",\"act\",\"head\"]},"
    "{\"op\":\"optimizer\",\"id\":\"opt\",\"params\":\"mlp\",\"type\":\"SGD\",\"args\":{\"lr\":0.1}},"
    "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","
    "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"shuffle\":true,\"steps\":%u,\"record_every\":1},"
    "{\"op\":\"train\",\"model\":\"mlp\",\"optimizer\":\"opt\",\"data\":\"d\","
    "\"loss\":{\"type\":\"CrossEntropyLoss\",\"args\":{}},\"batch_size\":16,\"shuffle\":true,\"steps\":20,\"record_every\":1}]}",
    steps1);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  PsTimeline *tl = ps_timeline_new_from_recipe_with_budget (recipe, -1, NULL, budget);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s", ps_timeline_get_error (tl)->message);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 8);
  return tl;
}

/* The first record at or after `from` of `st`'s log whose snapshot was dropped (or kept). */
static inline guint
substep_test_find (PsState *st, guint from, gboolean dropped)
{
  for (guint i = from; i < st->train_log->records->len; i++)
    if ((((const PsTrainRecord *) st->train_log->records->pdata[i])->state == NULL) == dropped)
      return i;
  g_error ("no %s record from %u", dropped ? "dropped" : "kept", from);
}

/* Runs the default main context until *count reaches `want` (at most 60 s). */
static inline void
substep_test_wait (const guint *count, guint want)
{
  const gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (*count < want)
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (1000);
    }
}

/* Every parameter of the two states' MLP is the same, bit for bit. */
static inline gboolean
substep_test_same (PsState *a, PsState *b)
{
  g_autoptr (GPtrArray) sa = ps_module_state_dict (ps_state_get_module (a, "mlp"));
  g_autoptr (GPtrArray) sb = ps_module_state_dict (ps_state_get_module (b, "mlp"));
  if (sa->len != sb->len)
    return FALSE;
  for (guint i = 0; i < sa->len; i++)
    {
      const PsTensor *x = ((PsNamedItem *) sa->pdata[i])->param->value, *y = ((PsNamedItem *) sb->pdata[i])->param->value;
      if (!ps_tensor_same_shape (x, y) || memcmp (x->data, y->data, ps_tensor_nbytes (x)) != 0)
        return FALSE;
    }
  return TRUE;
}
