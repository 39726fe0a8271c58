/* ps-layers.h — the module classes, one per layer type (private to the core). Each is defined in
 * the file that implements it; ps-module-registry.c lists them for lookup. */
#pragma once

#include "ps-module.h"
#include "ps-autograd.h"

G_BEGIN_DECLS

/* ps-container.c */
extern const PsModuleClass ps_sequential_class;
extern const PsModuleClass ps_module_list_class;
extern const PsModuleClass ps_module_dict_class;
/* ps-linear.c */
extern const PsModuleClass ps_linear_class;
extern const PsModuleClass ps_lazy_linear_class;
/* ps-bilinear.c */
extern const PsModuleClass ps_bilinear_class;
/* ps-conv.c */
extern const PsModuleClass ps_conv1d_class;
extern const PsModuleClass ps_conv2d_class;
extern const PsModuleClass ps_conv3d_class;
extern const PsModuleClass ps_conv_transpose1d_class;
extern const PsModuleClass ps_conv_transpose2d_class;
extern const PsModuleClass ps_conv_transpose3d_class;
extern const PsModuleClass ps_lazy_conv2d_class;
/* ps-embedding.c */
extern const PsModuleClass ps_embedding_class;
/* ps-norm.c */
extern const PsModuleClass ps_layer_norm_class;
extern const PsModuleClass ps_group_norm_class;
extern const PsModuleClass ps_batch_norm1d_class;
extern const PsModuleClass ps_batch_norm2d_class;
/* ps-instance-norm.c */
extern const PsModuleClass ps_instance_norm1d_class;
extern const PsModuleClass ps_instance_norm2d_class;
/* ps-rnn.c */
extern const PsModuleClass ps_rnn_class;
extern const PsModuleClass ps_lstm_class;
extern const PsModuleClass ps_gru_class;
extern const PsModuleClass ps_rnn_cell_class;
extern const PsModuleClass ps_lstm_cell_class;
extern const PsModuleClass ps_gru_cell_class;
/* ps-attention.c */
extern const PsModuleClass ps_multihead_attention_class;
/* ps-activation.c */
extern const PsModuleClass ps_relu_class;
extern const PsModuleClass ps_leaky_relu_class;
extern const PsModuleClass ps_prelu_class;
extern const PsModuleClass ps_gelu_class;
extern const PsModuleClass ps_tanh_class;
extern const PsModuleClass ps_sigmoid_class;
extern const PsModuleClass ps_silu_class;
extern const PsModuleClass ps_softmax_class;
/* ps-log-softmax.c */
extern const PsModuleClass ps_log_softmax_class;
extern const PsModuleClass ps_identity_class;
extern const PsModuleClass ps_flatten_class;
/* ps-dropout.c */
extern const PsModuleClass ps_dropout_class;
/* ps-max-pool.c */
extern const PsModuleClass ps_max_pool1d_class;
extern const PsModuleClass ps_max_pool2d_class;
/* ps-avg-pool.c */
extern const PsModuleClass ps_avg_pool1d_class;
extern const PsModuleClass ps_avg_pool2d_class;
/* ps-adaptive-avg-pool.c */
extern const PsModuleClass ps_adaptive_avg_pool2d_class;

/* Backward functions (PsBackwardFunc, ps-autograd.h), each in its layer's file. */
#define PS_DECLARE_BACKWARD(fn) \
  gboolean fn (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input, \
               PsGradSink *sink, GError **error)
PS_DECLARE_BACKWARD (ps_linear_backward);
PS_DECLARE_BACKWARD (ps_relu_backward);
PS_DECLARE_BACKWARD (ps_leaky_relu_backward);
PS_DECLARE_BACKWARD (ps_tanh_backward);
PS_DECLARE_BACKWARD (ps_sigmoid_backward);
PS_DECLARE_BACKWARD (ps_identity_backward);
PS_DECLARE_BACKWARD (ps_flatten_backward);
PS_DECLARE_BACKWARD (ps_dropout_backward);
PS_DECLARE_BACKWARD (ps_embedding_backward);
PS_DECLARE_BACKWARD (ps_conv_backward_module);
PS_DECLARE_BACKWARD (ps_gelu_backward);
PS_DECLARE_BACKWARD (ps_silu_backward);
PS_DECLARE_BACKWARD (ps_softmax_backward);
PS_DECLARE_BACKWARD (ps_prelu_backward);
PS_DECLARE_BACKWARD (ps_batch_norm_backward);
PS_DECLARE_BACKWARD (ps_layer_norm_backward);
PS_DECLARE_BACKWARD (ps_instance_norm_backward);

G_END_DECLS
