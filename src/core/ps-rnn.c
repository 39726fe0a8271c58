/* ps-rnn.c — placeholder: the classes are declared but not implemented yet. */
#include "ps-layers.h"

const PsModuleClass ps_rnn_class = { .name = "RNN" };
const PsModuleClass ps_lstm_class = { .name = "LSTM" };
const PsModuleClass ps_gru_class = { .name = "GRU" };
const PsModuleClass ps_rnn_cell_class = { .name = "RNNCell" };
const PsModuleClass ps_lstm_cell_class = { .name = "LSTMCell" };
const PsModuleClass ps_gru_cell_class = { .name = "GRUCell" };
