#!/usr/bin/python3
"""Golden fixture for the pooling layers (tests/core/test-pool.c): MaxPool1d, MaxPool2d, AvgPool1d,
AvgPool2d, AdaptiveAvgPool2d.

Run with Debian's torch 1.13.1:  OMP_NUM_THREADS=1 /usr/bin/python3 tests/golden/gen_pool.py
(and with ATEN_CPU_CAPABILITY=avx512, which writes tests/data/pool-avx512/ instead: only the
AdaptiveAvgPool2d(1) means differ there). Writes tests/data/pool/, split per layer type
(golden_split.py: <Type>.json holds "meta" and that type's cases; a new pooling type adds one file), in
the format of tests/golden/layer_cases.py (forward "cases", "errors" with torch's text, "reprs") plus
"backward": cases in the format of gen_backward.py's, without parameters:
  torch.manual_seed(seed); m = nn.<type>(**args)
  x = (torch.randn(shape) * scale + shift).requires_grad_(); y = m(x)
  gy = torch.randn(y.shape); y.backward(gy)          -> "x", "y", "gy", "gx"
Inputs multiplied by 0 make ties (0 and -0 alike: the first element of a window wins); windows
overlap (stride < kernel) so gradients accumulate; ceil_mode windows run past the edge.
"""
import hashlib
import struct

import torch
import torch.nn as nn

from layer_cases import Fixture, enc, pyargs

fx = Fixture('pool', __file__)   # collects the cases; write_split() below writes them
BACKWARD = []


def enc2(t):
    """enc(), or above 3000 elements {"shape", "sha256"} of the little-endian float32 bytes."""
    t = t.detach().contiguous()
    if t.numel() <= 3000:
        return enc(t)
    b = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
    return {'shape': list(t.shape), 'sha256': hashlib.sha256(b).hexdigest()}


def both(name, type_, args, shape, seed=0, scale=1.0, shift=0.0, fwd=True):
    """A forward case (no grad; small inputs only) and a backward case on the same input."""
    st = {'shape': shape}
    if scale != 1.0:
        st['scale'] = scale
    if shift != 0.0:
        st['shift'] = shift
    if fwd:
        fx.forward(name, type_, args, [st], seed=seed)
    torch.manual_seed(seed)
    m = getattr(nn, type_)(**pyargs(args))
    x = torch.randn(*shape)
    if scale != 1.0:
        x = x * scale
    if shift != 0.0:
        x = x + shift
    x.requires_grad_(True)
    y = m(x)
    gy = torch.randn(*y.shape)
    y.backward(gy)
    BACKWARD.append({'name': name, 'type': type_, 'args': args, 'seed': seed, 'shape': shape, 'scale': scale,
                     'shift': shift, 'x': enc2(x), 'y': enc2(y), 'gy': enc2(gy), 'gx': enc2(x.grad)})


# ---- MaxPool: windows, strides, padding (-inf outside), dilation, ceil_mode, unbatched, ties
both('MP1d k2', 'MaxPool1d', {'kernel_size': 2}, [2, 3, 8])
both('MP1d k3 s1 overlap', 'MaxPool1d', {'kernel_size': 3, 'stride': 1}, [2, 2, 9], seed=1)
both('MP1d pad dil', 'MaxPool1d', {'kernel_size': 3, 'stride': 2, 'padding': 1, 'dilation': 2}, [1, 3, 11], seed=2)
both('MP1d ceil', 'MaxPool1d', {'kernel_size': 3, 'stride': 2, 'ceil_mode': True}, [2, 2, 10], seed=3)
both('MP1d unbatched', 'MaxPool1d', {'kernel_size': [2], 'stride': [1]}, [3, 6], seed=4)
both('MP1d ties', 'MaxPool1d', {'kernel_size': 3, 'stride': 1}, [1, 2, 7], seed=5, scale=0.0)
both('MP2d k2', 'MaxPool2d', {'kernel_size': 2}, [2, 3, 8, 8], seed=10)
both('MP2d k3 s2 p1', 'MaxPool2d', {'kernel_size': 3, 'stride': 2, 'padding': 1}, [2, 2, 9, 7], seed=11)
both('MP2d rect', 'MaxPool2d', {'kernel_size': [2, 3], 'stride': [1, 2]}, [1, 2, 6, 9], seed=12)
both('MP2d dilation', 'MaxPool2d', {'kernel_size': 2, 'dilation': 2, 'stride': 1}, [2, 1, 6, 6], seed=13)
both('MP2d ceil', 'MaxPool2d', {'kernel_size': 3, 'stride': 2, 'ceil_mode': True, 'padding': 1}, [1, 2, 8, 10],
     seed=14)
both('MP2d unbatched', 'MaxPool2d', {'kernel_size': 2}, [3, 6, 4], seed=15)
both('MP2d ties', 'MaxPool2d', {'kernel_size': 3, 'stride': 1}, [1, 1, 5, 5], seed=16, scale=0.0)
both('MP2d 28x28', 'MaxPool2d', {'kernel_size': 2}, [4, 4, 28, 28], seed=17, fwd=False)
# ---- AvgPool: count_include_pad, divisor_override, ceil_mode (windows clipped at the padded edge)
both('AP1d k3', 'AvgPool1d', {'kernel_size': 3}, [2, 3, 10], seed=20)
both('AP1d pad no count', 'AvgPool1d', {'kernel_size': 2, 'stride': 1, 'padding': 1, 'count_include_pad': False},
     [2, 2, 7], seed=21)
both('AP1d ceil pad', 'AvgPool1d', {'kernel_size': 3, 'stride': 2, 'padding': 1, 'ceil_mode': True}, [1, 3, 10],
     seed=22)
both('AP1d unbatched', 'AvgPool1d', {'kernel_size': 4, 'stride': 3}, [2, 13], seed=23)
both('AP2d k2', 'AvgPool2d', {'kernel_size': 2}, [2, 3, 8, 8], seed=30)
both('AP2d k3 s2 p1', 'AvgPool2d', {'kernel_size': 3, 'stride': 2, 'padding': 1}, [2, 2, 9, 7], seed=31, scale=3.0)
both('AP2d no count pad', 'AvgPool2d', {'kernel_size': 3, 'stride': 2, 'padding': 1, 'count_include_pad': False},
     [1, 2, 7, 8], seed=32)
both('AP2d divisor', 'AvgPool2d', {'kernel_size': [2, 3], 'stride': [2, 1], 'divisor_override': 7}, [2, 1, 6, 7],
     seed=33)
both('AP2d ceil', 'AvgPool2d', {'kernel_size': 3, 'stride': 2, 'ceil_mode': True, 'padding': 1}, [1, 2, 8, 10],
     seed=34)
both('AP2d ceil no count', 'AvgPool2d', {'kernel_size': 2, 'stride': 2, 'ceil_mode': True,
     'count_include_pad': False}, [1, 1, 7, 5], seed=35)
both('AP2d unbatched', 'AvgPool2d', {'kernel_size': 2, 'stride': 1}, [3, 5, 4], seed=36, scale=2.0, shift=1.0)
both('AP2d k7 large', 'AvgPool2d', {'kernel_size': 7}, [2, 3, 28, 28], seed=37, scale=5.0, fwd=False)
# ---- AdaptiveAvgPool2d: (1, 1) is x.mean((-1, -2)) (the cascade sum); others the window kernel
both('AAP2d 1', 'AdaptiveAvgPool2d', {'output_size': 1}, [2, 3, 7, 7], seed=40)
both('AAP2d 1 large', 'AdaptiveAvgPool2d', {'output_size': [1, 1]}, [2, 2, 40, 50], seed=41, scale=3.0, shift=1.0,
     fwd=False)
both('AAP2d 1 small', 'AdaptiveAvgPool2d', {'output_size': 1}, [2, 3, 2, 3], seed=49)
both('AAP2d 3 from 7', 'AdaptiveAvgPool2d', {'output_size': 3}, [2, 2, 7, 7], seed=42)
both('AAP2d 2x3 from 5x7', 'AdaptiveAvgPool2d', {'output_size': [2, 3]}, [1, 3, 5, 7], seed=43)
both('AAP2d same', 'AdaptiveAvgPool2d', {'output_size': [4, 5]}, [1, 2, 4, 5], seed=44)
both('AAP2d larger', 'AdaptiveAvgPool2d', {'output_size': [5, 3]}, [1, 1, 3, 2], seed=45)
both('AAP2d unbatched', 'AdaptiveAvgPool2d', {'output_size': 2}, [3, 6, 5], seed=46)
both('AAP2d unbatched 1', 'AdaptiveAvgPool2d', {'output_size': 1}, [3, 6, 5], seed=47)
both('AAP2d 7 from 28', 'AdaptiveAvgPool2d', {'output_size': 7}, [2, 2, 28, 28], seed=48, scale=2.0, fwd=False)
# None in output_size keeps that input size (F.adaptive_avg_pool2d's _list_with_default)
both('AAP2d None,3', 'AdaptiveAvgPool2d', {'output_size': [None, 3]}, [2, 2, 5, 7], seed=50)
both('AAP2d 2,None', 'AdaptiveAvgPool2d', {'output_size': [2, None]}, [1, 3, 6, 4], seed=51)
both('AAP2d None,None unbatched', 'AdaptiveAvgPool2d', {'output_size': [None, None]}, [2, 3, 4], seed=52)
both('AAP2d None,1 of one row (the mean path)', 'AdaptiveAvgPool2d', {'output_size': [None, 1]}, [2, 3, 1, 9], seed=53)
both('AAP2d None,4 larger', 'AdaptiveAvgPool2d', {'output_size': [None, 4]}, [1, 2, 3, 2], seed=54)
# without autograd torch's max_pool1d allows an empty output
fx.forward('MP1d empty', 'MaxPool1d', {'kernel_size': 5}, [{'shape': [1, 2, 3]}], seed=6)

e = fx.error
e('MaxPool2d', {'kernel_size': 3}, shape=[1, 1, 2, 2])
e('MaxPool2d', {'kernel_size': 2, 'padding': 2}, shape=[1, 1, 8, 8])
e('MaxPool2d', {'kernel_size': 2}, shape=[4, 4])
e('MaxPool2d', {'kernel_size': 2}, shape=[1, 1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': [2, 2, 2]}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'stride': [1, 1, 1]}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'padding': [0, 0, 0]}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'dilation': [1, 1, 1]}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'stride': 0}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 0}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': -2}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'padding': -1}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'dilation': 0}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2, 'stride': -1}, shape=[1, 1, 4, 4])
e('MaxPool2d', {'kernel_size': 2}, shape=[1, 0, 4, 4])
e('MaxPool2d', {'kernel_size': 2}, shape=[1, 1, 0, 4])
e('MaxPool2d', {'kernel_size': 3, 'dilation': 3}, shape=[1, 1, 6, 6])
e('MaxPool1d', {'kernel_size': 3}, shape=[1, 1, 1, 2])
e('MaxPool1d', {'kernel_size': 3}, shape=[4])
e('MaxPool1d', {'kernel_size': 2, 'padding': 2}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 2, 'dilation': 0}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 0}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 2, 'stride': 0}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 2, 'padding': -1}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': [2, 2]}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 2, 'stride': [1, 1]}, shape=[1, 1, 8])
e('MaxPool1d', {'kernel_size': 2}, shape=[1, 0, 4])
e('AvgPool2d', {'kernel_size': 2, 'padding': 2}, shape=[1, 1, 8, 8])
e('AvgPool2d', {'kernel_size': 2, 'divisor_override': 0}, shape=[1, 1, 8, 8])
e('AvgPool2d', {'kernel_size': 2}, shape=[8, 8])
e('AvgPool2d', {'kernel_size': 2}, shape=[1, 1, 1, 8, 8])
e('AvgPool2d', {'kernel_size': 3}, shape=[1, 1, 2, 2])
e('AvgPool2d', {'kernel_size': [2, 2, 2]}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 2, 'stride': [1, 1, 1]}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 2, 'padding': [1, 1, 1]}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 2, 'stride': 0}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 0}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 2, 'padding': -1}, shape=[1, 1, 4, 4])
e('AvgPool2d', {'kernel_size': 2}, shape=[1, 0, 4, 4])
e('AvgPool1d', {'kernel_size': 3}, shape=[1, 1, 2])
e('AvgPool1d', {'kernel_size': 3}, shape=[1, 1, 2, 2])
e('AvgPool1d', {'kernel_size': 3}, shape=[5])
e('AvgPool1d', {'kernel_size': 2, 'padding': 2}, shape=[1, 1, 8])
e('AvgPool1d', {'kernel_size': [2, 2]}, shape=[1, 1, 8])
e('AvgPool1d', {'kernel_size': 2, 'stride': 0}, shape=[1, 1, 8])
e('AvgPool1d', {'kernel_size': 0}, shape=[1, 1, 8])
e('AdaptiveAvgPool2d', {'output_size': 3}, shape=[4, 4])
e('AdaptiveAvgPool2d', {'output_size': 3}, shape=[1, 1, 4, 4, 4])
e('AdaptiveAvgPool2d', {'output_size': -1}, shape=[1, 4, 4])
e('AdaptiveAvgPool2d', {'output_size': 2}, shape=[1, 0, 4])
e('AdaptiveAvgPool2d', {'output_size': [2, 2, 2]}, shape=[1, 4, 4])
e('AdaptiveAvgPool2d', {'output_size': [2, 2, 2]}, shape=[1, 1, 4, 4])
e('AdaptiveAvgPool2d', {'output_size': [None, 2]}, shape=[4, 4])
e('AdaptiveAvgPool2d', {'output_size': [None, -2]}, shape=[1, 4, 4])
e('AdaptiveAvgPool2d', {'output_size': [None, 2, 2]}, shape=[1, 1, 4, 4])

r = fx.repr
r('MaxPool1d', {'kernel_size': 2})
r('MaxPool1d', {'kernel_size': [3], 'stride': [1], 'padding': 1, 'dilation': 2, 'ceil_mode': True})
r('MaxPool2d', {'kernel_size': 2})
r('MaxPool2d', {'kernel_size': [2, 3], 'stride': 1, 'padding': [1, 0], 'ceil_mode': True})
r('AvgPool1d', {'kernel_size': 2})
r('AvgPool1d', {'kernel_size': 3, 'stride': 1, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False})
r('AvgPool2d', {'kernel_size': 2})
r('AvgPool2d', {'kernel_size': [2, 3], 'stride': [1, 2], 'padding': 1, 'divisor_override': 3})
r('AdaptiveAvgPool2d', {'output_size': 1})
r('AdaptiveAvgPool2d', {'output_size': [7, 5]})
r('AdaptiveAvgPool2d', {'output_size': [None, 7]})
r('AdaptiveAvgPool2d', {'output_size': [None, None]})

def write_split():
    import os
    import golden_split
    meta = {'torch_version': torch.__version__, 'num_threads': torch.get_num_threads(), 'generator': fx.script}
    layout = 'pool-avx512' if os.environ.get('ATEN_CPU_CAPABILITY') == 'avx512' else 'pool'
    golden_split.write({'meta': meta, 'cases': fx.cases, 'errors': fx.errors, 'reprs': fx.reprs,
                        'backward': BACKWARD}, layout)
    print('%d cases, %d errors, %d reprs, %d backward cases' % (len(fx.cases), len(fx.errors), len(fx.reprs),
                                                               len(BACKWARD)))


write_split()
