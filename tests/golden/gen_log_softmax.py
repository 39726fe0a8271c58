#!/usr/bin/python3
"""Golden fixture for nn.LogSoftmax (tests/core/test-log-softmax.c).

Run with Debian's torch 1.13.1:  /usr/bin/python3 tests/golden/gen_log_softmax.py
Writes tests/data/log-softmax-golden.json: the format of tests/golden/layer_cases.py (forward cases,
errors, reprs) plus "backward": [case], each
  {"name", "capability": "avx2"|"default"|"avx512", "args", "seed", "shape", "scale",
   "x", "y", "gy", "gx"}
tensors of up to 16 elements as in layer_cases.py (big-endian float32 hex), larger ones as
{"shape", "sha256"} of the little-endian float32 bytes (as gen_backward.py does above its limit: x
and gy are replayed from the seed, y and gx are compared whole), made by
  torch.manual_seed(seed); m = nn.LogSoftmax(**args); x = (torch.randn(shape) * scale).requires_grad_()
  y = m(x); gy = torch.randn(y.shape); y.backward(gy)      (gx = x.grad)
once per ATEN_CPU_CAPABILITY (a child interpreter each for "default" and "avx512": torch reads the
variable once at start). Row lengths cover every residue modulo 8 and 16 (the vector lanes of the
last-dim kernels); other dims run host_softmax's scalar code with a double accumulator.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

import torch
import torch.nn as nn

from layer_cases import Fixture, enc

torch.set_num_threads(1)


def enc_compact(t, big=16):
    """enc(), or for more than `big` elements {"shape", "sha256"} of the little-endian float32 bytes."""
    t = t.detach().contiguous()
    if t.numel() <= big:
        return enc(t)
    b = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
    return {'shape': list(t.shape), 'sha256': hashlib.sha256(b).hexdigest()}


def backward_cases(cap):
    out = []

    def case(name, args, shape, seed, scale=1.0):
        torch.manual_seed(seed)
        m = nn.LogSoftmax(**args)
        x = torch.randn(shape)
        if scale != 1.0:
            x = x * scale
        x.requires_grad_(True)
        y = m(x)
        gy = torch.randn(y.shape)
        y.backward(gy)
        out.append({'name': '%s %s' % (cap, name), 'capability': cap, 'args': args, 'seed': seed, 'shape': shape,
                    'scale': scale, 'x': enc_compact(x), 'y': enc_compact(y), 'gy': enc_compact(gy),
                    'gx': enc_compact(x.grad)})

    for i, n in enumerate([1, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 23, 24, 31, 32, 33, 37, 47, 100, 200]):
        case('last %d' % n, {'dim': 1}, [3, n], seed=10 + i, scale=2.0)
    case('last of 3-D', {'dim': -1}, [2, 3, 37], seed=40, scale=3.0)
    case('last large values', {'dim': -1}, [4, 19], seed=41, scale=40.0)
    case('0-D', {'dim': 0}, [], seed=42)
    case('1-D implicit', {'dim': None}, [12], seed=43)
    case('dim0', {'dim': 0}, [7, 9], seed=44)
    case('dim1 of 3', {'dim': 1}, [2, 6, 11], seed=45, scale=2.0)
    case('dim -3 of 3', {'dim': -3}, [5, 4, 3], seed=46, scale=3.0)
    case('implicit 4-D', {'dim': None}, [2, 3, 4, 5], seed=47)
    case('implicit 3-D', {'dim': None}, [4, 5, 3], seed=48)
    case('implicit 2-D', {'dim': None}, [6, 20], seed=49)
    case('dim0 long', {'dim': 0}, [100, 2], seed=50, scale=5.0)
    return out


if os.environ.get('PS_LOG_SOFTMAX_CHILD'):
    json.dump(backward_cases(os.environ['ATEN_CPU_CAPABILITY']), sys.stdout)
    sys.exit(0)

fx = Fixture('log-softmax-golden.json', __file__)
f = fx.forward
f('LogSoftmax dim 1', 'LogSoftmax', {'dim': 1}, [{'shape': [4, 10]}, {'shape': [3, 37], 'scale': 3.0},
                                                  {'shape': [2, 3, 5]}])
f('LogSoftmax dim -1', 'LogSoftmax', {'dim': -1}, [{'shape': [2, 64], 'scale': 2.0}, {'shape': [5]},
                                                    {'shape': [2, 2, 17]}], seed=1)
f('LogSoftmax dim 0', 'LogSoftmax', {'dim': 0}, [{'shape': [5, 4]}, {'shape': [3]}], seed=2)
f('LogSoftmax implicit', 'LogSoftmax', {}, [{'shape': [10]}, {'shape': [4, 10]}, {'shape': [2, 3, 5]},
                                            {'shape': [2, 3, 2, 5]}], seed=3)
f('LogSoftmax dim 2 of 4', 'LogSoftmax', {'dim': 2}, [{'shape': [2, 3, 20, 3], 'scale': 4.0}], seed=4)

e = fx.error
e('LogSoftmax', {'dim': 5}, shape=[2, 3])
e('LogSoftmax', {'dim': -3}, shape=[2, 3])
e('LogSoftmax', {'dim': 3}, shape=[2, 3, 4])
e('LogSoftmax', {'dim': 1}, shape=[4])

r = fx.repr
r('LogSoftmax', {})
r('LogSoftmax', {'dim': 1})
r('LogSoftmax', {'dim': -1})
fx.write()

cases = backward_cases('avx2' if os.environ.get('ATEN_CPU_CAPABILITY') in (None, '', 'avx2') else 'other')
assert torch.__config__.show().find('CPU capability usage: AVX2') >= 0, 'run on an AVX2 machine without ATEN_CPU_CAPABILITY'
for cap in ('default', 'avx512'):
    child = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, check=True,
                           env=dict(os.environ, ATEN_CPU_CAPABILITY=cap, PS_LOG_SOFTMAX_CHILD='1'))
    cases += json.loads(child.stdout)
with open(fx.path) as fh:
    doc = json.load(fh)
doc['backward'] = cases
with open(fx.path, 'w') as fh:
    json.dump(doc, fh, separators=(',', ':'))
    fh.write('\n')
print('added %d backward cases' % len(cases))
