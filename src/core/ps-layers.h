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

/* torch's error texts for a tuple input (PsModuleClass.tuple_input_error) */
#define PS_TUPLE_NOT_TENSOR(fn, arg, pos) fn "(): argument '" arg "' (position " #pos ") must be Tensor, not tuple"
#define PS_TUPLE_NO_ATTR(a) "'tuple' object has no attribute '" a "'"

/* A layer's backward (PsBackwardFunc, ps-autograd.h), declared static in its file before the class
 * that names it in `.backward`. */
#define PS_DECLARE_BACKWARD(fn) \
  gboolean fn (PsModule *self, const PsTapeEntry *entry, PsTensor *grad_output, PsTensor **grad_input, \
               PsGradSink *sink, GError **error)

G_END_DECLS
