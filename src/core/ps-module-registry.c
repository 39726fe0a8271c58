/* ps-module-registry.c — every module class, in the order a type chooser shows them. Adding a
 * layer: its file, its test, and one line here. */
#include "ps-layers.h"

#include <string.h>

static const PsModuleClass *const classes[] = {
  &ps_linear_class,
  &ps_lazy_linear_class,
  &ps_bilinear_class,
  &ps_conv1d_class,
  &ps_conv2d_class,
  &ps_conv3d_class,
  &ps_lazy_conv2d_class,
  &ps_conv_transpose1d_class,
  &ps_conv_transpose2d_class,
  &ps_conv_transpose3d_class,
  &ps_embedding_class,
  &ps_layer_norm_class,
  &ps_group_norm_class,
  &ps_batch_norm1d_class,
  &ps_batch_norm2d_class,
  &ps_instance_norm1d_class, &ps_instance_norm2d_class,
  &ps_rnn_class,
  &ps_lstm_class,
  &ps_gru_class,
  &ps_rnn_cell_class,
  &ps_lstm_cell_class,
  &ps_gru_cell_class,
  &ps_multihead_attention_class,
  &ps_max_pool1d_class,
  &ps_max_pool2d_class,
  &ps_avg_pool1d_class,
  &ps_avg_pool2d_class,
  &ps_adaptive_avg_pool2d_class,
  &ps_relu_class,
  &ps_leaky_relu_class,
  &ps_prelu_class,
  &ps_gelu_class,
  &ps_tanh_class,
  &ps_sigmoid_class,
  &ps_silu_class,
  &ps_softmax_class,
  &ps_log_softmax_class,
  &ps_dropout_class,
  &ps_flatten_class,
  &ps_identity_class,
  &ps_sequential_class,
  &ps_module_list_class,
  &ps_module_dict_class,
  NULL
};

const PsModuleClass *const *
ps_module_classes (void)
{
  return classes;
}

const PsModuleClass *
ps_module_class_lookup (const char *name)
{
  for (guint i = 0; classes[i] != NULL; i++)
    if (strcmp (classes[i]->name, name) == 0)
      return classes[i];
  return NULL;
}
