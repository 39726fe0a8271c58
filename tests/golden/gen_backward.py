#!/usr/bin/python3
"""Golden fixture for the layers' backward passes (tests/core/test-backward.c).

Run with Debian's torch 1.13.1, oneDNN capped at AVX2 and one intra-op thread, as tests/meson.build
pins the C side:
  ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \\
    /usr/bin/python3 tests/golden/gen_backward.py
Writes tests/data/backward-golden.json: {"meta", "cases": [case]}, a case being
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

import torch
import torch.nn as nn
from torch.nn import init

from layer_cases import enc, pyargs

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'backward-golden.json')
CASES = []
BIG = 3000


def enc2(t):
    """enc(), or for more than BIG elements {"shape", "sha256"} of the little-endian float32 bytes."""
    t = t.detach().contiguous()
    if t.numel() <= BIG or t.dtype != torch.float32:
        return enc(t)
    b = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
    return {'shape': list(t.shape), 'sha256': hashlib.sha256(b).hexdigest()}


def case(name, type_, args, shape, mode='train', seed=0, init_=(), scale=1.0, shift=0.0, grad_input=True,
         int_input=None):
    torch.manual_seed(seed)
    m = getattr(nn, type_)(**pyargs(args))
    for p, a, b in init_:
        init.uniform_(getattr(m, p), a, b)
    state = {k: enc(v) for k, v in m.state_dict().items()}
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
    y = m(x)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    grads = {k: enc2(p.grad) for k, p in m.named_parameters() if p.grad is not None}
    after = {k: enc2(v) for k, v in m.named_buffers()}
    CASES.append({'name': name, 'type': type_, 'args': args, 'mode': mode, 'seed': seed, 'init': [list(i) for i in init_],
                  'shape': list(shape), 'scale': scale, 'shift': shift, 'state': state,
                  'x': enc2(x), 'gy': enc2(gy), 'y': enc2(y),
                  'gx': enc2(x.grad) if (int_input is None and grad_input) else None,
                  'grads': grads, 'after': after, 'backend': backend})


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

fix = OUT
with open(fix, 'w') as f:
    json.dump({'meta': {'torch_version': torch.__version__, 'num_threads': torch.get_num_threads(),
                        'onednn_isa': os.environ.get('ONEDNN_MAX_CPU_ISA'), 'generator':
                        'tests/golden/gen_backward.py'}, 'cases': CASES}, f, separators=(',', ':'))
    f.write('\n')
print('wrote %d cases to %s (%d bytes)' % (len(CASES), fix, os.path.getsize(fix)))
for c in CASES:
    if c['backend']:
        print(c['name'], c['backend'])
