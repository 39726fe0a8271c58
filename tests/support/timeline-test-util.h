/* timeline-test-util.h — what the headless timeline tests (test-timeline, test-timeline-budget,
 * test-recipe-robustness) share: an example recipe of examples/ loaded, and deep copies of a
 * state's values to compare bit for bit after a rebuild or a failed op. */
#pragma once

#include "ps-timeline.h"

/* examples/NAME (the source tree's, found through G_TEST_DIST) as a recipe. */
static inline PsRecipe *
load_example (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "examples", name, NULL);
  g_autoptr (GError) error = NULL;
  PsRecipe *r = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  return r;
}

/* Deep copies of every parameter value of s (NULL for a parameter without one), then of every
 * output, in their order. */
static inline GPtrArray *
state_values (PsState *s)
{
  GPtrArray *vals = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GPtrArray) items = ps_state_list_params (s);
  for (guint i = 0; i < items->len; i++)
    {
      PsParam *p = ((PsNamedItem *) g_ptr_array_index (items, i))->param;
      g_ptr_array_add (vals, p->value ? ps_tensor_copy (p->value, NULL) : NULL);
    }
  for (guint i = 0; i < s->output_names->len; i++)
    g_ptr_array_add (vals, ps_tensor_copy (ps_state_get_output (s, g_ptr_array_index (s->output_names, i)), NULL));
  return vals;
}
