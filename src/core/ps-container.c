/* ps-container.c — Sequential, ModuleList, ModuleDict.
 *
 * A recipe's custom nn.Module subclass ("class": "CustomModel") is a Sequential with a display
 * class name: its forward runs its children in order. ModuleList and ModuleDict have no forward,
 * as in torch. */
#include "ps-layers.h"

static PsTensor *
sequential_forward (PsModule *self, PsTensor *input, PsGenerator *gen, GError **error)
{
  PsTensor *x = ps_tensor_ref (input);
  for (guint i = 0; i < ps_module_n_children (self); i++)
    {
      PsTensor *y = ps_module_forward (ps_module_child_at (self, i), x, gen, error);
      ps_tensor_unref (x);
      if (y == NULL)
        return NULL;
      x = y;
    }
  return x;
}

const PsModuleClass ps_sequential_class = {
  .name = "Sequential",
  .is_container = TRUE,
  .children_syntax = PS_CHILDREN_ARGS,
  .forward = sequential_forward,
};

const PsModuleClass ps_module_list_class = {
  .name = "ModuleList",
  .is_container = TRUE,
  .children_syntax = PS_CHILDREN_LIST,
};

const PsModuleClass ps_module_dict_class = {
  .name = "ModuleDict",
  .is_container = TRUE,
  .children_syntax = PS_CHILDREN_DICT,
};

const PsModuleClass *
ps_module_class_for_user_classes (void)
{
  return &ps_sequential_class;
}
