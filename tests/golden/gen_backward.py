#!/usr/bin/python3
"""Golden fixture for the layers' backward passes (tests/core/test-backward.c).

Run with Debian's torch 1.13.1, oneDNN capped at AVX2 and one intra-op thread, as tests/meson.build
pins the C side:
  ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \\
    /usr/bin/python3 tests/golden/gen_backward.py
With ATEN_CPU_CAPABILITY=avx512 (same line) it writes only tests/data/backward-avx512/ (avx512_cases
below, plus "sums" and "losses" sections in its _shared.json). Writes tests/data/backward/, split per
layer type (golden_split.py): <Type>.json holds {"meta", "cases": [case]} of that type, _shared.json
{"meta", "runs"}; a new layer type adds one file. A case is
  {"name", "type", "args", "mode": "train"|"eval", "state": {name: tensor} (state_dict before),
   "x", "gy", "y", "gx" (null when the input needs no gradient), "grads": {param: tensor},
   "after": {buffer: tensor} (state_dict buffers after the forward), "backend" (convolutions)}
with tensors as in layer_cases.py (float32 as big-endian hex, int64 as ints), or, above 3000 elements, as
{"shape", "sha256"} of the little-endian float32 bytes (x and gy are replayed from the seed). The torch code of a case:
  torch.manual_seed(seed); m = nn.<type>(**args); [init.uniform_(m.<p>, a, b) ...]; m.train(mode)
  x = (torch.randn(shape) * scale + shift).requires_grad_(grad_input); y = m(x)
  gy = torch.randn(y.shape); y.backward(gy)
"""
import hashlib
import json
import os
import struct
import sys

import torch
import torch.nn as nn
from torch.nn import init
from torch.utils.data import DataLoader, TensorDataset

import golden_split
from layer_cases import enc, pyargs

torch.set_num_threads(1)

CASES = []
BIG = 3000


def enc2(t, big=BIG):
    """enc(), or for more than `big` elements {"shape", "sha256"} of the little-endian float32 bytes."""
    t = t.detach().contiguous()
    if t.numel() <= big or t.dtype != torch.float32:
        return enc(t)
    b = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
    return {'shape': list(t.shape), 'sha256': hashlib.sha256(b).hexdigest()}


def case(name, type_, args, shape, mode='train', seed=0, init_=(), scale=1.0, shift=0.0, grad_input=True,
         int_input=None, threads=1):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    m = getattr(nn, type_)(**pyargs(args))
    for p, a, b in init_:
        init.uniform_(getattr(m, p), a, b)
    state = {k: enc2(v) for k, v in m.state_dict().items()}
    m.train(mode == 'train')
    if int_input is not None:
        x = torch.randint(0, int_input, shape)
    else:
        x = torch.randn(*shape)
        if scale != 1.0:
            x = x * scale
        if shift != 0.0:
            x = x + shift
        x.requires_grad_(grad_input)
    backend = None
    if type_.startswith('Conv') and not isinstance(m.padding, str):
        xb = x if x.dim() == len(m.stride) + 2 else x.unsqueeze(0)
        backend = str(torch._C._select_conv_backend(xb, m.weight, m.bias, m.stride, m.padding if not isinstance(
            m.padding, str) else (0,) * len(m.stride), m.dilation, m.transposed, m.output_padding,
            m.groups)).split('.')[-1] if not isinstance(m.padding, str) else None
    if type_ == 'Bilinear':
        y = m(x, x)   # Paramscope's Bilinear uses its one input twice
    elif type_ == 'MultiheadAttention':
        y = m(x, x, x)[0]   # self-attention
    else:
        y = m(x)
    if isinstance(y, tuple):
        y = y[0]   # RNN / LSTM / GRU: the output sequence
    gy = torch.randn(*y.shape)
    y.backward(gy)
    grads = {k: enc2(p.grad) for k, p in m.named_parameters() if p.grad is not None}
    after = {k: enc2(v) for k, v in m.named_buffers()}
    torch.set_num_threads(1)
    CASES.append({'name': name, 'type': type_, 'args': args, 'mode': mode, 'seed': seed, 'threads': threads, 'init': [list(i) for i in init_],
                  'shape': list(shape), 'scale': scale, 'shift': shift, 'state': state,
                  'x': enc2(x), 'gy': enc2(gy), 'y': enc2(y),
                  'gx': enc2(x.grad) if (int_input is None and grad_input) else None,
                  'grads': grads, 'after': after, 'backend': backend,
                  'capability': os.environ.get('ATEN_CPU_CAPABILITY', 'avx2')})


# ---- convolutions: Slow2d (batch 1) and oneDNN (batch > 1), Conv1d/3d, groups, stride, dilation
case('Conv2d b1 slow', 'Conv2d', {'in_channels': 1, 'out_channels': 4, 'kernel_size': 3, 'padding': 1}, [1, 1, 8, 8])
case('Conv2d b1 3->5 stride2', 'Conv2d', {'in_channels': 3, 'out_channels': 5, 'kernel_size': 3, 'stride': 2},
     [1, 3, 9, 7], seed=1)
case('Conv2d b4 mkldnn', 'Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3, 'padding': 1},
     [4, 3, 10, 10], seed=2)
case('Conv2d b2 5x5 nobias', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 5, 'bias': False},
     [2, 2, 11, 9], seed=3)
case('Conv2d b3 groups dil', 'Conv2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'groups': 2,
     'dilation': 2, 'padding': 2}, [3, 4, 7, 8], seed=4)
case('Conv2d b2 same', 'Conv2d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 4, 'padding': 'same'},
     [2, 2, 6, 6], seed=5)
case('Conv2d b2 first layer', 'Conv2d', {'in_channels': 1, 'out_channels': 4, 'kernel_size': 3}, [2, 1, 6, 6],
     seed=6, grad_input=False)
case('Conv2d b8 large', 'Conv2d', {'in_channels': 8, 'out_channels': 16, 'kernel_size': 3, 'padding': 1},
     [8, 8, 16, 16], seed=7)
case('Conv1d b3', 'Conv1d', {'in_channels': 3, 'out_channels': 4, 'kernel_size': 3}, [3, 3, 17], seed=8)
case('Conv1d b1', 'Conv1d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2, 'stride': 2}, [1, 2, 9], seed=9)
case('Conv3d b2', 'Conv3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2}, [2, 2, 4, 5, 3], seed=10)
case('Conv2d reflect', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'padding': 2,
     'padding_mode': 'reflect'}, [2, 2, 5, 6], seed=12)
case('Conv2d replicate b1', 'Conv2d', {'in_channels': 1, 'out_channels': 2, 'kernel_size': 3, 'padding': 1,
     'padding_mode': 'replicate'}, [1, 1, 4, 4], seed=13)
case('Conv1d reflect', 'Conv1d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 5, 'padding': 3,
     'padding_mode': 'reflect'}, [3, 2, 6], seed=14)
case('Conv2d circular first', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'padding': 1,
     'padding_mode': 'circular'}, [2, 2, 5, 5], seed=15, grad_input=False)
case('Conv2d circular', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'padding': 1,
     'padding_mode': 'circular'}, [2, 2, 5, 5], seed=16)
case('Conv2d circular b1 2x3', 'Conv2d', {'in_channels': 1, 'out_channels': 2, 'kernel_size': [5, 3], 'padding': [2, 1],
     'padding_mode': 'circular'}, [1, 1, 4, 6], seed=17)
case('Conv2d circular pad=size', 'Conv2d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 3, 'padding': 3,
     'padding_mode': 'circular'}, [3, 2, 3, 4], seed=18)
case('Conv1d circular', 'Conv1d', {'in_channels': 3, 'out_channels': 2, 'kernel_size': 5, 'padding': 2,
     'padding_mode': 'circular'}, [4, 3, 7], seed=19)
case('Conv3d circular', 'Conv3d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 3, 'padding': [1, 2, 1],
     'padding_mode': 'circular'}, [2, 2, 3, 4, 5], seed=25)
case('Conv2d circular same', 'Conv2d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 4, 'padding': 'same',
     'padding_mode': 'circular'}, [2, 2, 6, 5], seed=26)
case('ConvT2d b1', 'ConvTranspose2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3}, [1, 2, 4, 4], seed=130)
case('ConvT2d stride outpad', 'ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'stride': 2,
     'padding': 1, 'output_padding': 1}, [3, 4, 5, 5], seed=131)
case('ConvT2d groups dil nobias', 'ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': [2, 3],
     'groups': 2, 'dilation': 2, 'bias': False}, [2, 4, 5, 6], seed=132)
case('ConvT1d', 'ConvTranspose1d', {'in_channels': 3, 'out_channels': 2, 'kernel_size': 4, 'stride': 2}, [2, 3, 7], seed=133)
case('ConvT3d', 'ConvTranspose3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2, 'stride': 2}, [2, 2, 3, 3, 3],
     seed=134)
case('ConvT2d big', 'ConvTranspose2d', {'in_channels': 8, 'out_channels': 16, 'kernel_size': 3, 'padding': 1},
     [4, 8, 12, 12], seed=135)
case('ConvT2d 1x1', 'ConvTranspose2d', {'in_channels': 5, 'out_channels': 4, 'kernel_size': 1}, [2, 5, 3, 3], seed=136)
case('ConvT2d unbatched', 'ConvTranspose2d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 2, 'stride': 2},
     [2, 3, 3], seed=137)
case('Conv2d unbatched', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3}, [2, 6, 5], seed=11)

# ---- GELU (oneDNN eltwise_gelu_erf backward), approximate='tanh' (ATen)
case('GELU', 'GELU', {}, [4, 37], seed=20, scale=2.0)
case('GELU large', 'GELU', {}, [3, 11001], seed=21, scale=3.0)
case('GELU one element', 'GELU', {}, [1], seed=23, scale=2.0)
case('GELU one element b', 'GELU', {}, [1, 1], seed=24)
case('GELU tanh', 'GELU', {'approximate': 'tanh'}, [5, 19], seed=22, scale=2.0)

# ---- BatchNorm: contiguous kernel (spatial > 1, double accumulators) and the (N, C) kernel; eval
W = [('weight', 0.5, 1.5), ('bias', -0.5, 0.5)]
case('BN2d b4', 'BatchNorm2d', {'num_features': 3}, [4, 3, 5, 5], seed=30, init_=W, scale=2.0, shift=0.5)
case('BN2d b32 8x8', 'BatchNorm2d', {'num_features': 4}, [32, 4, 8, 8], seed=31, init_=W)
case('BN2d b1 odd', 'BatchNorm2d', {'num_features': 2}, [1, 2, 3, 7], seed=32, init_=W)
case('BN2d no affine', 'BatchNorm2d', {'num_features': 3, 'affine': False}, [2, 3, 2, 2], seed=33)
case('BN2d momentum None', 'BatchNorm2d', {'num_features': 2, 'momentum': None}, [3, 2, 4, 3], seed=34, init_=W)
case('BN2d no track', 'BatchNorm2d', {'num_features': 3, 'track_running_stats': False}, [2, 3, 3, 3], seed=35,
     init_=W, mode='eval')
case('BN2d eval', 'BatchNorm2d', {'num_features': 3}, [2, 3, 5, 4], seed=36, init_=W + [('running_mean', -1, 1),
     ('running_var', 0.5, 2)], mode='eval')
case('BN2d large', 'BatchNorm2d', {'num_features': 2}, [8, 2, 65, 65], seed=37, init_=W)
case('BN1d 2-D', 'BatchNorm1d', {'num_features': 5}, [16, 5], seed=38, init_=W, scale=3.0)
case('BN1d 2-D odd', 'BatchNorm1d', {'num_features': 17}, [9, 17], seed=39, init_=W)
case('BN1d 2-D large', 'BatchNorm1d', {'num_features': 3}, [33000, 3], seed=40, init_=W)
case('BN1d 3-D', 'BatchNorm1d', {'num_features': 4}, [3, 4, 7], seed=41, init_=W)
case('BN1d 3-D len13', 'BatchNorm1d', {'num_features': 2}, [5, 2, 13], seed=42, init_=W)
case('BN1d eval', 'BatchNorm1d', {'num_features': 6}, [7, 6], seed=43, init_=W + [('running_mean', -1, 1),
     ('running_var', 0.5, 2)], mode='eval')
case('BN1d first layer', 'BatchNorm1d', {'num_features': 3}, [4, 3], seed=44, init_=W, grad_input=False)

# ---- InstanceNorm: batch_norm on the (1, N·C, S) view, repeat()'s backward for weight and bias
case('IN1d', 'InstanceNorm1d', {'num_features': 3}, [2, 3, 9], seed=50)
case('IN1d affine', 'InstanceNorm1d', {'num_features': 4, 'affine': True}, [5, 4, 7], seed=51, init_=W)
case('IN2d affine track', 'InstanceNorm2d', {'num_features': 3, 'affine': True, 'track_running_stats': True},
     [3, 3, 6, 5], seed=52, init_=W)
case('IN2d eval track', 'InstanceNorm2d', {'num_features': 2, 'affine': True, 'track_running_stats': True},
     [4, 2, 4, 4], seed=53, init_=W + [('running_mean', -1, 1), ('running_var', 0.5, 2)], mode='eval')
case('IN2d unbatched affine', 'InstanceNorm2d', {'num_features': 2, 'affine': True}, [2, 5, 5], seed=54, init_=W)
case('IN2d b1 affine', 'InstanceNorm2d', {'num_features': 3, 'affine': True}, [1, 3, 4, 4], seed=55, init_=W)
case('IN1d affine b17', 'InstanceNorm1d', {'num_features': 9, 'affine': True}, [17, 9, 3], seed=56, init_=W)

# ---- LayerNorm: rows of N with the 8-lane reductions; elementwise_affine False; large rows
LW = [('weight', 0.5, 1.5), ('bias', -0.5, 0.5)]
case('LN 10', 'LayerNorm', {'normalized_shape': [10]}, [4, 10], seed=60, init_=LW, scale=2.0, shift=0.3)
case('LN 64', 'LayerNorm', {'normalized_shape': [64]}, [7, 64], seed=61, init_=LW)
case('LN 5 3-D', 'LayerNorm', {'normalized_shape': [5]}, [2, 3, 5], seed=62, init_=LW)
case('LN 2-D shape', 'LayerNorm', {'normalized_shape': [3, 7]}, [4, 3, 7], seed=63, init_=LW)
case('LN no affine', 'LayerNorm', {'normalized_shape': [33], 'elementwise_affine': False}, [5, 33], seed=64)
case('LN no affine 6', 'LayerNorm', {'normalized_shape': [6], 'elementwise_affine': False}, [3, 6], seed=65)
case('LN batch 1', 'LayerNorm', {'normalized_shape': [17]}, [1, 17], seed=66, init_=LW)
case('LN large row', 'LayerNorm', {'normalized_shape': [40000]}, [1, 40000], seed=67)
case('LN many rows', 'LayerNorm', {'normalized_shape': [8]}, [5000, 8], seed=68, init_=LW)
# torch.set_num_threads(2): the per-thread dgamma/dbeta rows (LayerNorm) and sum/dotp rows (BatchNorm (N, C))
case('LN many rows 2 threads', 'LayerNorm', {'normalized_shape': [8]}, [5001, 8], seed=70, init_=LW, threads=2)
case('LN 3 rows 2 threads', 'LayerNorm', {'normalized_shape': [10]}, [3, 10], seed=71, init_=LW, threads=2)
case('BN1d 2-D 2 threads', 'BatchNorm1d', {'num_features': 5}, [33, 5], seed=72, init_=W, threads=2)
case('BN1d 2-D large 2 threads', 'BatchNorm1d', {'num_features': 3}, [20001, 3], seed=73, init_=W, threads=2)
case('LN first layer', 'LayerNorm', {'normalized_shape': [9]}, [3, 9], seed=69, init_=LW, grad_input=False)

# ---- SiLU, Softmax (last dim: vectorised; other dims: host_softmax_backward), PReLU
case('SiLU', 'SiLU', {}, [3, 45], seed=70, scale=3.0)
case('SiLU large', 'SiLU', {}, [2, 5000], seed=71, scale=4.0)
case('Softmax last', 'Softmax', {'dim': -1}, [6, 10], seed=72, scale=2.0)
case('Softmax last 5', 'Softmax', {'dim': 1}, [4, 5], seed=73)
case('Softmax last 37', 'Softmax', {'dim': 2}, [2, 3, 37], seed=74, scale=3.0)
case('Softmax dim0', 'Softmax', {'dim': 0}, [7, 9], seed=75)
case('Softmax dim1 of 3', 'Softmax', {'dim': 1}, [2, 6, 11], seed=76, scale=2.0)
case('PReLU shared', 'PReLU', {}, [5, 13], seed=77)
case('PReLU shared 4-D', 'PReLU', {'init': 0.1}, [2, 3, 4, 5], seed=78)
case('PReLU channels 2-D', 'PReLU', {'num_parameters': 6}, [9, 6], seed=79)
case('PReLU channels 2-D b33', 'PReLU', {'num_parameters': 4}, [33, 4], seed=80)
case('PReLU channels 4-D', 'PReLU', {'num_parameters': 3}, [4, 3, 5, 5], seed=81, init_=[('weight', 0.0, 0.5)])
case('PReLU channels 3-D', 'PReLU', {'num_parameters': 2}, [3, 2, 19], seed=82)

# ---- Linear on 2-D / 3-D / 4-D inputs, Bilinear
case('Linear 2-D', 'Linear', {'in_features': 7, 'out_features': 5}, [9, 7], seed=90)
case('Linear 3-D', 'Linear', {'in_features': 6, 'out_features': 4}, [3, 5, 6], seed=91)
case('Linear 3-D nobias', 'Linear', {'in_features': 6, 'out_features': 3, 'bias': False}, [2, 7, 6], seed=92)
case('Linear 4-D', 'Linear', {'in_features': 5, 'out_features': 8}, [2, 3, 4, 5], seed=93)
case('Linear 3-D in1', 'Linear', {'in_features': 1, 'out_features': 3}, [1, 1, 1], seed=94)
case('Linear 1-D', 'Linear', {'in_features': 7, 'out_features': 5}, [7], seed=96)
case('Linear 1-D nobias', 'Linear', {'in_features': 9, 'out_features': 4, 'bias': False}, [9], seed=97)
case('Linear 1-D in1', 'Linear', {'in_features': 1, 'out_features': 6}, [1], seed=98)
case('Linear 1-D out1', 'Linear', {'in_features': 300, 'out_features': 1}, [300], seed=99)
case('Linear 1-D big', 'Linear', {'in_features': 200, 'out_features': 150}, [200], seed=89)
case('Bilinear', 'Bilinear', {'in1_features': 3, 'in2_features': 3, 'out_features': 2}, [4, 3], seed=120)
case('Bilinear nobias', 'Bilinear', {'in1_features': 5, 'in2_features': 5, 'out_features': 3, 'bias': False}, [6, 5], seed=121)
case('Bilinear big', 'Bilinear', {'in1_features': 24, 'in2_features': 24, 'out_features': 4}, [9, 24], seed=122)
case('Bilinear big rows', 'Bilinear', {'in1_features': 6, 'in2_features': 6, 'out_features': 3}, [40, 6], seed=123)
case('Bilinear 3-D', 'Bilinear', {'in1_features': 4, 'in2_features': 4, 'out_features': 5}, [2, 3, 4], seed=124)
case('Bilinear 1 row big', 'Bilinear', {'in1_features': 30, 'in2_features': 30, 'out_features': 2}, [1, 30], seed=125)
case('Bilinear 1-D', 'Bilinear', {'in1_features': 4, 'in2_features': 4, 'out_features': 3}, [4], seed=126)
case('Linear 3-D big', 'Linear', {'in_features': 64, 'out_features': 32}, [8, 50, 64], seed=95)

# ---- GroupNorm: ds/db per (sample, channel), then per (sample, group) with gamma; no affine; large groups
case('GN 2 groups', 'GroupNorm', {'num_groups': 2, 'num_channels': 4}, [3, 4, 5], seed=100, init_=W, scale=2.0, shift=0.3)
case('GN 4-D', 'GroupNorm', {'num_groups': 3, 'num_channels': 6}, [2, 6, 5, 7], seed=101, init_=W)
case('GN one group', 'GroupNorm', {'num_groups': 1, 'num_channels': 5}, [4, 5, 9], seed=102, init_=W)
case('GN per channel', 'GroupNorm', {'num_groups': 8, 'num_channels': 8}, [2, 8, 3, 3], seed=103, init_=W)
case('GN 2-D', 'GroupNorm', {'num_groups': 4, 'num_channels': 32}, [5, 32], seed=104, init_=W)
case('GN D 24', 'GroupNorm', {'num_groups': 2, 'num_channels': 48}, [3, 48, 4, 4], seed=105, init_=W)
case('GN no affine', 'GroupNorm', {'num_groups': 3, 'num_channels': 9, 'affine': False}, [2, 9, 11], seed=106)
case('GN large', 'GroupNorm', {'num_groups': 4, 'num_channels': 16}, [4, 16, 33, 33], seed=107, init_=W)
case('GN 3-D input', 'GroupNorm', {'num_groups': 2, 'num_channels': 4}, [2, 4, 3, 4, 5], seed=108, init_=W)
case('GN first layer', 'GroupNorm', {'num_groups': 2, 'num_channels': 6}, [3, 6, 8], seed=109, init_=W,
     grad_input=False)
case('GN batch 1', 'GroupNorm', {'num_groups': 5, 'num_channels': 10}, [1, 10, 17], seed=110, init_=W, scale=3.0)


# ---- RNN family and MultiheadAttention under ATEN_CPU_CAPABILITY=default (torch's portable kernels:
# no FMA contraction, libm tanh/exp, lanes folded in order), generated by a child interpreter (torch
# reads the variable once); test-backward replays them with PS_FLAVOUR_DEFAULT.
def default_cases():
    case('default RNN tanh', 'RNN', {'input_size': 4, 'hidden_size': 5}, [6, 3, 4], seed=140)
    case('default RNN relu 2 layers', 'RNN', {'input_size': 3, 'hidden_size': 4, 'nonlinearity': 'relu',
         'num_layers': 2}, [5, 2, 3], seed=141)
    case('default LSTM', 'LSTM', {'input_size': 4, 'hidden_size': 6}, [5, 2, 4], seed=142)
    case('default LSTM bi proj', 'LSTM', {'input_size': 3, 'hidden_size': 5, 'proj_size': 2, 'bidirectional': True,
         'num_layers': 2}, [4, 3, 3], seed=143)
    case('default GRU', 'GRU', {'input_size': 4, 'hidden_size': 5, 'batch_first': True}, [2, 6, 4], seed=144)
    case('default GRU big', 'GRU', {'input_size': 8, 'hidden_size': 20}, [7, 3, 8], seed=145)
    case('default LSTMCell', 'LSTMCell', {'input_size': 4, 'hidden_size': 6}, [3, 4], seed=146)
    case('default GRUCell', 'GRUCell', {'input_size': 4, 'hidden_size': 5}, [3, 4], seed=147)
    case('default RNNCell', 'RNNCell', {'input_size': 4, 'hidden_size': 5}, [3, 4], seed=148)
    case('default MHA', 'MultiheadAttention', {'embed_dim': 8, 'num_heads': 2}, [5, 3, 8], seed=150)
    case('default MHA big', 'MultiheadAttention', {'embed_dim': 16, 'num_heads': 4, 'batch_first': True}, [3, 12, 16],
         seed=151)
    case('default MHA rows 9', 'MultiheadAttention', {'embed_dim': 24, 'num_heads': 2}, [9, 2, 24], seed=152)
    case('default GN', 'GroupNorm', {'num_groups': 2, 'num_channels': 4}, [3, 4, 5], seed=154, init_=W, scale=2.0)
    case('default GN 4-D', 'GroupNorm', {'num_groups': 3, 'num_channels': 6}, [2, 6, 5, 7], seed=155, init_=W)
    case('default GN D 24', 'GroupNorm', {'num_groups': 2, 'num_channels': 48}, [3, 48, 4, 4], seed=156, init_=W)
    case('default GN no affine', 'GroupNorm', {'num_groups': 3, 'num_channels': 9, 'affine': False}, [2, 9, 11],
         seed=157)
    case('default MHA kv zero', 'MultiheadAttention', {'embed_dim': 8, 'num_heads': 2, 'add_bias_kv': True,
         'add_zero_attn': True}, [5, 3, 8], seed=153)
    # LayerNorm, BatchNorm, Softmax, SiLU, GELU forward and backward in torch's DEFAULT build
    case('default LN 10', 'LayerNorm', {'normalized_shape': [10]}, [4, 10], seed=160, init_=LW, scale=2.0, shift=0.3)
    case('default LN 37', 'LayerNorm', {'normalized_shape': [37]}, [9, 37], seed=161, init_=LW)
    case('default LN 5', 'LayerNorm', {'normalized_shape': [5]}, [2, 3, 5], seed=162, init_=LW)
    case('default LN no affine', 'LayerNorm', {'normalized_shape': [33], 'elementwise_affine': False}, [5, 33], seed=163)
    case('default LN 200 2 threads', 'LayerNorm', {'normalized_shape': [200]}, [7, 200], seed=164, init_=LW, threads=2)
    case('default BN2d', 'BatchNorm2d', {'num_features': 3}, [4, 3, 5, 5], seed=165, init_=W, scale=2.0, shift=0.5)
    case('default BN2d odd', 'BatchNorm2d', {'num_features': 2}, [2, 2, 7, 4], seed=166, init_=W)
    case('default BN2d eval', 'BatchNorm2d', {'num_features': 3}, [2, 3, 5, 4], seed=167,
         init_=W + [('running_mean', -1, 1), ('running_var', 0.5, 2)], mode='eval')
    case('default BN1d 2-D', 'BatchNorm1d', {'num_features': 5}, [16, 5], seed=168, init_=W, scale=3.0)
    case('default BN1d 3-D', 'BatchNorm1d', {'num_features': 4}, [3, 4, 37], seed=169, init_=W)
    case('default BN1d eval', 'BatchNorm1d', {'num_features': 6}, [7, 6], seed=170,
         init_=W + [('running_mean', -1, 1), ('running_var', 0.5, 2)], mode='eval')
    case('default Softmax 10', 'Softmax', {'dim': -1}, [6, 10], seed=171, scale=2.0)
    case('default Softmax 37', 'Softmax', {'dim': 2}, [2, 3, 37], seed=172, scale=3.0)
    case('default Softmax dim0', 'Softmax', {'dim': 0}, [7, 9], seed=173)
    case('default SiLU', 'SiLU', {}, [3, 45], seed=174, scale=3.0)
    case('default GELU', 'GELU', {}, [4, 37], seed=175, scale=2.0)
    case('default GELU tanh', 'GELU', {'approximate': 'tanh'}, [5, 19], seed=176, scale=2.0)
    case('default Tanh', 'Tanh', {}, [3, 45], seed=177, scale=2.0)
    case('default Sigmoid', 'Sigmoid', {}, [3, 45], seed=178, scale=3.0)
    # InstanceNorm (batch_norm on the (1, N·C, S) view) in torch's DEFAULT build
    case('default IN1d affine', 'InstanceNorm1d', {'num_features': 4, 'affine': True}, [5, 4, 37], seed=179, init_=W,
         scale=2.0, shift=0.5)
    case('default IN2d affine track', 'InstanceNorm2d', {'num_features': 3, 'affine': True,
         'track_running_stats': True}, [2, 3, 5, 7], seed=180, init_=W)
    case('default IN2d eval track', 'InstanceNorm2d', {'num_features': 2, 'affine': True, 'track_running_stats': True},
         [3, 2, 4, 5], seed=181, init_=W + [('running_mean', -1, 1), ('running_var', 0.5, 2)], mode='eval')
    case('default IN1d', 'InstanceNorm1d', {'num_features': 3}, [2, 3, 9], seed=182, scale=3.0)


# ---- the norm layers, Softmax and the reductions at ATEN_CPU_CAPABILITY=avx512 (Vectorized<float> of
# 16 lanes, VecReduceAllSIMD's AVX512 fold): row lengths and spatial sizes over every residue mod 16.
# Written to tests/data/backward-avx512/ by a child interpreter (see the end of the cases);
# test-backward-avx512 and test-loss-avx512 replay them with ATEN_CPU_CAPABILITY=avx512.
def avx512_cases():
    for t in range(16):
        case('512 LN %d' % (16 + t), 'LayerNorm', {'normalized_shape': [16 + t]}, [3, 16 + t], seed=300 + t, init_=LW)
        case('512 GN HxW %d' % (16 + t), 'GroupNorm', {'num_groups': 2, 'num_channels': 4}, [2, 4, 16 + t],
             seed=320 + t, init_=W, scale=2.0, shift=0.3)
        case('512 BN1d 3-D len %d' % (16 + t), 'BatchNorm1d', {'num_features': 3}, [2, 3, 16 + t], seed=340 + t,
             init_=W)
        case('512 Softmax %d' % (16 + t), 'Softmax', {'dim': -1}, [3, 16 + t], seed=360 + t, scale=2.0)
    for d in (5, 8, 12, 16, 20, 24, 40):
        case('512 GN D %d' % d, 'GroupNorm', {'num_groups': 2, 'num_channels': 2 * d}, [2, 2 * d, 3, 3], seed=380 + d,
             init_=W)
    case('512 LN 10', 'LayerNorm', {'normalized_shape': [10]}, [4, 10], seed=60, init_=LW, scale=2.0, shift=0.3)
    case('512 LN 64', 'LayerNorm', {'normalized_shape': [64]}, [7, 64], seed=61, init_=LW)
    case('512 LN 2-D shape', 'LayerNorm', {'normalized_shape': [3, 7]}, [4, 3, 7], seed=63, init_=LW)
    case('512 LN no affine', 'LayerNorm', {'normalized_shape': [33], 'elementwise_affine': False}, [5, 33], seed=64)
    case('512 LN 200', 'LayerNorm', {'normalized_shape': [200]}, [3, 200], seed=420, init_=LW)
    case('512 LN large row', 'LayerNorm', {'normalized_shape': [40000]}, [1, 40000], seed=67)
    case('512 LN many rows 2 threads', 'LayerNorm', {'normalized_shape': [8]}, [5001, 8], seed=70, init_=LW, threads=2)
    case('512 GN 4-D', 'GroupNorm', {'num_groups': 3, 'num_channels': 6}, [2, 6, 5, 7], seed=101, init_=W)
    case('512 GN per channel', 'GroupNorm', {'num_groups': 8, 'num_channels': 8}, [2, 8, 3, 3], seed=103, init_=W)
    case('512 GN 2-D', 'GroupNorm', {'num_groups': 4, 'num_channels': 32}, [5, 32], seed=104, init_=W)
    case('512 GN no affine', 'GroupNorm', {'num_groups': 3, 'num_channels': 9, 'affine': False}, [2, 9, 11], seed=106)
    case('512 GN large', 'GroupNorm', {'num_groups': 4, 'num_channels': 16}, [4, 16, 33, 33], seed=107, init_=W)
    case('512 BN2d b4', 'BatchNorm2d', {'num_features': 3}, [4, 3, 5, 5], seed=30, init_=W, scale=2.0, shift=0.5)
    case('512 BN2d b32 8x8', 'BatchNorm2d', {'num_features': 4}, [32, 4, 8, 8], seed=31, init_=W)
    case('512 BN2d b1 odd', 'BatchNorm2d', {'num_features': 2}, [1, 2, 3, 7], seed=32, init_=W)
    case('512 BN2d eval', 'BatchNorm2d', {'num_features': 3}, [2, 3, 5, 4], seed=36, init_=W + [('running_mean', -1, 1),
         ('running_var', 0.5, 2)], mode='eval')
    case('512 BN2d large', 'BatchNorm2d', {'num_features': 2}, [8, 2, 65, 65], seed=37, init_=W)
    case('512 BN1d 2-D', 'BatchNorm1d', {'num_features': 5}, [16, 5], seed=38, init_=W, scale=3.0)
    case('512 BN1d 2-D 2 threads', 'BatchNorm1d', {'num_features': 5}, [33, 5], seed=72, init_=W, threads=2)
    case('512 BN1d eval', 'BatchNorm1d', {'num_features': 6}, [7, 6], seed=43, init_=W + [('running_mean', -1, 1),
         ('running_var', 0.5, 2)], mode='eval')
    case('512 Softmax 5', 'Softmax', {'dim': 1}, [4, 5], seed=73)
    case('512 Softmax 100', 'Softmax', {'dim': 1}, [4, 100], seed=421, scale=3.0)
    # InstanceNorm, MultiheadAttention and the RNN family at 16 lanes
    for t in (0, 3, 8, 15):
        case('512 IN1d affine %d' % (16 + t), 'InstanceNorm1d', {'num_features': 3, 'affine': True}, [2, 3, 16 + t],
             seed=440 + t, init_=W, scale=2.0)
    case('512 IN2d affine track', 'InstanceNorm2d', {'num_features': 3, 'affine': True, 'track_running_stats': True},
         [2, 3, 5, 7], seed=460, init_=W)
    case('512 IN2d eval track', 'InstanceNorm2d', {'num_features': 2, 'affine': True, 'track_running_stats': True},
         [3, 2, 4, 5], seed=461, init_=W + [('running_mean', -1, 1), ('running_var', 0.5, 2)], mode='eval')
    case('512 MHA', 'MultiheadAttention', {'embed_dim': 8, 'num_heads': 2}, [5, 3, 8], seed=470)
    case('512 MHA rows 9', 'MultiheadAttention', {'embed_dim': 24, 'num_heads': 2}, [9, 2, 24], seed=471)
    case('512 MHA rows 20', 'MultiheadAttention', {'embed_dim': 32, 'num_heads': 4, 'batch_first': True}, [2, 20, 32],
         seed=472)
    case('512 MHA kv zero', 'MultiheadAttention', {'embed_dim': 8, 'num_heads': 2, 'add_bias_kv': True,
         'add_zero_attn': True}, [17, 2, 8], seed=473)
    case('512 RNN tanh H20', 'RNN', {'input_size': 4, 'hidden_size': 20}, [6, 3, 4], seed=480)
    case('512 LSTM H20', 'LSTM', {'input_size': 4, 'hidden_size': 20}, [5, 2, 4], seed=481)
    case('512 GRU H33', 'GRU', {'input_size': 8, 'hidden_size': 33}, [4, 3, 8], seed=482)
    case('512 LSTM bi H40 2 layers', 'LSTM', {'input_size': 6, 'hidden_size': 40, 'num_layers': 2,
         'bidirectional': True}, [4, 2, 6], seed=483)
    case('512 GRU H24 batch_first', 'GRU', {'input_size': 5, 'hidden_size': 24, 'batch_first': True}, [3, 4, 5],
         seed=484)


def avx512_sums():
    """x.sum(), x.sum(0), x.sum(1) of float32 data: the cascade sum with 16 lanes."""
    from train_golden import tens
    g = torch.Generator().manual_seed(4321)
    sums = []
    for n in [1, 5, 15, 16, 17, 31, 32, 33, 47, 100, 257, 1000, 4099, 30000]:
        x = torch.randn(n, generator=g)
        sums.append({'op': 'sum', 'x': tens(x), 'out': tens(x.sum().reshape(1))})
    for r, c in [(32, 5), (32, 16), (33, 17), (100, 40), (7, 70), (64, 10), (32, 64), (50, 100), (3, 200)]:
        x = torch.randn(r, c, generator=g)
        sums.append({'op': 'sum0', 'x': tens(x), 'out': tens(x.sum(0))})
        sums.append({'op': 'sum1', 'x': tens(x), 'out': tens(x.sum(1))})
    return sums


def avx512_losses():
    """gen_train.py's loss cases (its format) for the row lengths where 16 lanes matter."""
    from train_golden import loss_case
    g = torch.Generator().manual_seed(1235)
    losses = []
    for (N, C) in [(7, 3), (8, 9), (32, 10), (33, 17), (16, 40), (100, 5)]:
        for red in ['mean', 'sum', 'none']:
            x = torch.randn(N, C, generator=g) * 3.0
            t = torch.randint(0, C, (N,), generator=g)
            loss_case(losses, 'CrossEntropyLoss', {'reduction': red}, x, t)
            loss_case(losses, 'NLLLoss', {'reduction': red}, torch.log_softmax(x, 1), t)
            x = torch.randn(N, C, generator=g) * 2.0
            tt = torch.randn(N, C, generator=g) * 2.0
            for typ, extra in [('MSELoss', {}), ('L1Loss', {}), ('SmoothL1Loss', {}), ('HuberLoss', {'delta': 0.7})]:
                loss_case(losses, typ, dict(extra, reduction=red), x, tt)
            tb = torch.rand(N, C, generator=g)
            loss_case(losses, 'BCEWithLogitsLoss', {'reduction': red}, x, tb)
            loss_case(losses, 'BCELoss', {'reduction': red}, torch.sigmoid(x), tb)
    return losses


if os.environ.get('ATEN_CPU_CAPABILITY') == 'avx512':
    CASES.clear()
    avx512_cases()
    golden_split.write({'meta': {'torch_version': torch.__version__, 'capability': 'avx512',
                                 'onednn_isa': os.environ.get('ONEDNN_MAX_CPU_ISA'),
                                 'generator': 'ATEN_CPU_CAPABILITY=avx512 tests/golden/gen_backward.py'},
                        'cases': CASES, 'runs': [], 'sums': avx512_sums(), 'losses': avx512_losses()},
                       'backward-avx512')
    print('wrote %d cases' % len(CASES))
    sys.exit(0)
if os.environ.get('ATEN_CPU_CAPABILITY') == 'default':
    CASES.clear()   # the cases above ran again under this capability; only these are wanted
    default_cases()
    json.dump(CASES, sys.stdout)
    sys.exit(0)
import subprocess
child = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, check=True,
                       env=dict(os.environ, ATEN_CPU_CAPABILITY='default'))
CASES += json.loads(child.stdout)


# ---------------- end-to-end training runs (tests/core/test-backward.c /backward/runs) ----------------
RUNS = []


def conv8(n):
    """The conv toy set of TRAINING-PARITY.md §6: a bright 4×4 square in class-1 images."""
    y = torch.randint(0, 2, (n,))
    X = torch.randn(n, 1, 8, 8) * 0.5
    X[:, 0, 2:6, 2:6] += y[:, None, None]
    return X, y


def run(name, seed, data, spec, opt, steps, bs, n, toy=None):
    """manual_seed(seed); data; model = Sequential(*spec) (default init); the canonical loop:
    per batch of DataLoader(TensorDataset(X, y), bs, shuffle=True): zero_grad, CrossEntropyLoss, backward,
    step. Every step: loss, every parameter, .grad and buffer."""
    torch.manual_seed(seed)
    if data == 'conv8':
        X, y = conv8(n)
    else:   # blobs, as gen_train.py's toy()
        y = torch.randint(0, 3, (n,))
        X = torch.tensor([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])[y] + 0.4 * torch.randn(n, 2)
    model = nn.Sequential(*[getattr(nn, t)(**pyargs(a)) for t, a in spec])
    optim = getattr(torch.optim, opt[0])(model.parameters(), **opt[1])
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=bs, shuffle=True)
    from train_golden import train_record
    rec = train_record(model, optim, loss_fn, loader, steps,
                       lambda l: {'loss': enc(l.reshape(1)),
                                  'params': {k: enc2(v, 64) for k, v in model.named_parameters()},
                                  'grads': {k: enc2(v.grad, 64) for k, v in model.named_parameters()},
                                  'buffers': {k: enc(v) for k, v in model.named_buffers()}})
    RUNS.append({'name': name, 'seed': seed, 'data': data, 'n': n, 'model': [[t, a] for t, a in spec],
                 'opt': [opt[0], opt[1]], 'batch_size': bs, 'steps': steps, 'record': rec,
                 'probe': torch.randint(0, 2 ** 31, (2,)).tolist()})


CONVNET = [('Conv2d', {'in_channels': 1, 'out_channels': 4, 'kernel_size': 3, 'padding': 1}),
           ('BatchNorm2d', {'num_features': 4}), ('ReLU', {}),
           ('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'stride': 2, 'padding': 1}),
           ('ReLU', {}), ('Flatten', {}), ('Linear', {'in_features': 128, 'out_features': 2})]
# 65 samples in batches of 16: four batches through oneDNN's convolutions, the fifth (one sample)
# through Slow2d, every epoch
run('convnet-sgd', 0, 'conv8', CONVNET, ('SGD', {'lr': 0.05, 'momentum': 0.9}), 20, 16, 65)
run('convnet-adam', 1, 'conv8', CONVNET, ('Adam', {'lr': 0.01}), 20, 16, 65)
run('ln-gelu-mlp', 2, 'blobs', [('Linear', {'in_features': 2, 'out_features': 16}),
                                ('LayerNorm', {'normalized_shape': [16]}), ('GELU', {}),
                                ('Linear', {'in_features': 16, 'out_features': 16}), ('SiLU', {}),
                                ('BatchNorm1d', {'num_features': 16}),
                                ('Linear', {'in_features': 16, 'out_features': 3})],
    ('AdamW', {'lr': 0.01}), 20, 32, 200)

golden_split.write({'meta': {'torch_version': torch.__version__, 'num_threads': torch.get_num_threads(),
                             'onednn_isa': os.environ.get('ONEDNN_MAX_CPU_ISA'), 'generator':
                             'tests/golden/gen_backward.py'}, 'cases': CASES, 'runs': RUNS}, 'backward')
print('wrote %d cases' % len(CASES))
for c in CASES:
    if c['backend']:
        print(c['name'], c['backend'])
