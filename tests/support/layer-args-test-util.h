/* layer-args-test-util.h — small valid constructor arguments for any registered layer type, for
 * the tests that walk the registry (test-layer-facts, test-max-pool-indices). */
#pragma once

#include "ps-module.h"

/* Every required argument of k set: ints 4, floats 0.5, TRUE, a string's first choice, kernel
 * sizes 3, shapes [4]. */
static inline PsArgs *
small_args (const PsModuleClass *k)
{
  PsArgs *a = ps_args_new ();
  for (const PsArgSpec *s = k->args; s != NULL && s->name != NULL; s++)
    {
      if (!s->required)
        continue;
      switch (s->kind)
        {
        case PS_ARG_INT: ps_args_set_int (a, s->name, 4); break;
        case PS_ARG_FLOAT: ps_args_set_double (a, s->name, 0.5); break;
        case PS_ARG_BOOL: ps_args_set_bool (a, s->name, TRUE); break;
        case PS_ARG_STRING: ps_args_set_string (a, s->name, s->choices ? s->choices[0] : "x"); break;
        case PS_ARG_INT_OR_TUPLE: ps_args_set_int (a, s->name, 3); break;
        case PS_ARG_INT_LIST: ps_args_set_int_list (a, s->name, (int64_t[]) { 4 }, 1, NULL); break;
        }
    }
  return a;
}
