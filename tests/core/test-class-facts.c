/* The facts every registered layer class states itself (src/core/ps-module.h), checked for
 * completeness and consistency over ps_module_classes() — so a layer added without one fails here
 * rather than falling back to a list elsewhere (issue #9: no list of types outside the layers):
 *   - every eager leaf class has its backward (a lazy class gets its eager class's at its first
 *     forward; containers only route);
 *   - every leaf class says what torch raises for a tuple input, or that it passes its input on;
 *   - the layout facts fit together: a backward that lays grad_input out like the saved input only
 *     matters for a layer that keeps the layout; an output swapped under batch_first needs that
 *     argument; a saturating range is a range;
 *   - ps_module_class_passes_input_on: Identity and an empty Sequential, nothing else;
 *   - ps_module_class_takes_attention_kwargs: MultiheadAttention only (the forward and train ops
 *     refuse key_padding_mask / attn_mask for any other class, test-attn-mask);
 *   - children_syntax: stated by every container and no leaf, one class per syntax (the exporter
 *     and the Python statement reader write / read a container's constructor by it), and the class
 *     user classes are built on runs its children (has a forward). */
#include "ps-autograd.h"
#include "ps-module.h"

#include <string.h>

static gboolean
has_arg (const PsModuleClass *k, const char *name)
{
  for (const PsArgSpec *s = k->args; s != NULL && s->name != NULL; s++)
    if (strcmp (s->name, name) == 0)
      return TRUE;
  return FALSE;
}

static void
test_backward_stated (void)
{
  const PsModuleClass *const *classes = ps_module_classes ();
  guint n = 0;
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      g_test_message ("%s", k->name);
      if (k->is_container || k->is_lazy)
        g_assert_null (ps_backward_lookup (k));
      else
        {
          g_assert_nonnull (ps_backward_lookup (k));
          n++;
        }
    }
  g_assert_cmpuint (n, >=, 39);   /* 44 registered: 3 containers, 2 lazy */
}

static void
test_tuple_input_stated (void)
{
  const PsModuleClass *const *classes = ps_module_classes ();
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      g_test_message ("%s", k->name);
      if (k->is_container)
        continue;
      /* exactly one of the three */
      g_assert_cmpint ((k->tuple_input_error != NULL) + (k->tuple_input_error_for != NULL) + (k->passes_input_on != 0),
                       ==, 1);
    }
}

static void
test_layout_facts_consistent (void)
{
  const PsModuleClass *const *classes = ps_module_classes ();
  guint keeps = 0, swaps = 0, saturating = 0, dead = 0;
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      g_test_message ("%s", k->name);
      if (k->grad_follows_saved)
        g_assert_true (k->output_keeps_layout);
      if (k->batch_first_swaps_output)
        g_assert_true (has_arg (k, "batch_first"));
      if (k->saturation_low != k->saturation_high)
        {
          g_assert_cmpfloat (k->saturation_low, <, k->saturation_high);
          saturating++;
        }
      if (k->is_container)
        g_assert_false (k->output_keeps_layout || k->batch_first_swaps_output || k->zero_output_is_dead);
      keeps += k->output_keeps_layout;
      swaps += k->batch_first_swaps_output;
      dead += k->zero_output_is_dead;
    }
  /* the counts the lists had (ps-loss.c, ps-train-figures.c at da0a9e1) */
  g_assert_cmpuint (keeps, ==, 8);
  g_assert_cmpuint (swaps, ==, 4);
  g_assert_cmpuint (saturating, ==, 2);
  g_assert_cmpuint (dead, ==, 1);
}

static void
test_passes_input_on (void)
{
  g_assert_true (ps_module_class_passes_input_on (ps_module_class_lookup ("Identity"), 0));
  g_assert_true (ps_module_class_passes_input_on (ps_module_class_lookup ("Sequential"), 0));
  g_assert_false (ps_module_class_passes_input_on (ps_module_class_lookup ("Sequential"), 1));
  g_assert_false (ps_module_class_passes_input_on (ps_module_class_lookup ("ModuleList"), 0));   /* no forward */
  g_assert_false (ps_module_class_passes_input_on (ps_module_class_lookup ("Dropout"), 0));
  g_assert_false (ps_module_class_passes_input_on (NULL, 0));
  guint n = 0;
  const PsModuleClass *const *classes = ps_module_classes ();
  for (guint i = 0; classes[i] != NULL; i++)
    n += ps_module_class_passes_input_on (classes[i], 0);
  g_assert_cmpuint (n, ==, 2);   /* Identity, Sequential */
}

static void
test_takes_attention_kwargs (void)
{
  const PsModuleClass *mha = ps_module_class_lookup ("MultiheadAttention");
  g_assert_nonnull (mha);
  g_assert_true (ps_module_class_takes_attention_kwargs (mha));
  g_assert_false (ps_module_class_takes_attention_kwargs (ps_module_class_lookup ("Linear")));
  g_assert_false (ps_module_class_takes_attention_kwargs (ps_module_class_lookup ("Sequential")));
  g_assert_false (ps_module_class_takes_attention_kwargs (NULL));
  guint n = 0;
  const PsModuleClass *const *classes = ps_module_classes ();
  for (guint i = 0; classes[i] != NULL; i++)
    {
      g_test_message ("%s", classes[i]->name);
      /* a class that derives from one that takes them takes them too (isinstance) */
      if (classes[i]->base != NULL && ps_module_class_takes_attention_kwargs (classes[i]->base))
        g_assert_true (ps_module_class_takes_attention_kwargs (classes[i]));
      n += ps_module_class_takes_attention_kwargs (classes[i]);
    }
  g_assert_cmpuint (n, ==, 1);   /* MultiheadAttention */
}

static void
test_children_syntax (void)
{
  guint per_syntax[PS_CHILDREN_DICT + 1] = { 0 };
  const PsModuleClass *const *classes = ps_module_classes ();
  for (guint i = 0; classes[i] != NULL; i++)
    {
      const PsModuleClass *k = classes[i];
      g_test_message ("%s", k->name);
      g_assert_cmpint (k->is_container, ==, k->children_syntax != PS_CHILDREN_NONE);
      g_assert_cmpint (k->children_syntax, <=, PS_CHILDREN_DICT);
      per_syntax[k->children_syntax]++;
    }
  g_assert_cmpuint (per_syntax[PS_CHILDREN_ARGS], ==, 1);
  g_assert_cmpuint (per_syntax[PS_CHILDREN_LIST], ==, 1);
  g_assert_cmpuint (per_syntax[PS_CHILDREN_DICT], ==, 1);
  g_assert_cmpint (ps_module_class_lookup ("Sequential")->children_syntax, ==, PS_CHILDREN_ARGS);
  g_assert_cmpint (ps_module_class_lookup ("ModuleList")->children_syntax, ==, PS_CHILDREN_LIST);
  g_assert_cmpint (ps_module_class_lookup ("ModuleDict")->children_syntax, ==, PS_CHILDREN_DICT);
  const PsModuleClass *user = ps_module_class_for_user_classes ();
  g_assert_nonnull (user);
  g_assert_true (user->is_container);
  g_assert_nonnull (user->forward);
  g_assert_true (ps_module_class_lookup (user->name) == user);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/class-facts/backward-stated", test_backward_stated);
  g_test_add_func ("/class-facts/tuple-input-stated", test_tuple_input_stated);
  g_test_add_func ("/class-facts/layout-facts-consistent", test_layout_facts_consistent);
  g_test_add_func ("/class-facts/passes-input-on", test_passes_input_on);
  g_test_add_func ("/class-facts/takes-attention-kwargs", test_takes_attention_kwargs);
  g_test_add_func ("/class-facts/children-syntax", test_children_syntax);
  return g_test_run ();
}
