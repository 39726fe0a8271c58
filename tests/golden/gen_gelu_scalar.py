#!/usr/bin/python3
"""Golden fixture for GELU(approximate='none') on tensors of one element (tests/core/test-log-softmax.c,
/gelu/one-element): torch 1.13 runs ATen's scalar GeluKernel / GeluBackwardKernel there (oneDNN only
above one element), whose backward dy·(cdf + x·pdf) GCC contracts into an FMA in the AVX2 build and
not in the portable DEFAULT build.

Run with Debian's torch 1.13.1:  /usr/bin/python3 tests/golden/gen_gelu_scalar.py
Writes tests/data/gelu-scalar-golden.json {"meta", "backward": [case]}, a case as in
gen_log_softmax.py's "backward" ({"name", "capability", "type", "args", "seed", "shape", "scale", "x",
"y", "gy", "gx"}):
  torch.manual_seed(seed); m = nn.GELU(); x = (torch.randn(shape) * scale).requires_grad_()
  y = m(x); gy = torch.randn(y.shape); y.backward(gy)
at ATen's AVX2 capability here and under ATEN_CPU_CAPABILITY=default in a child interpreter.
"""
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn

from layer_cases import enc

torch.set_num_threads(1)
SHAPES = [[1], [], [1, 1], [1, 1, 1]]


def cases(cap):
    out = []
    for i in range(48):
        seed, shape, scale = 500 + i, SHAPES[i % len(SHAPES)], 3.0
        torch.manual_seed(seed)
        m = nn.GELU()
        x = (torch.randn(shape) * scale).requires_grad_(True)
        y = m(x)
        gy = torch.randn(y.shape)
        y.backward(gy)
        out.append({'name': '%s GELU one element %d' % (cap, i), 'capability': cap, 'type': 'GELU', 'args': {},
                    'seed': seed, 'shape': shape, 'scale': scale, 'x': enc(x), 'y': enc(y), 'gy': enc(gy),
                    'gx': enc(x.grad)})
    return out


if os.environ.get('PS_GELU_CHILD'):
    json.dump(cases('default'), sys.stdout)
    sys.exit(0)
assert 'ATEN_CPU_CAPABILITY' not in os.environ and 'CPU capability usage: AVX2' in torch.__config__.show()
all_cases = cases('avx2')
child = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, check=True,
                       env=dict(os.environ, ATEN_CPU_CAPABILITY='default', PS_GELU_CHILD='1'))
all_cases += json.loads(child.stdout)
differ = sum(a['gx'] != b['gx'] for a, b in zip(all_cases[:48], all_cases[48:]))
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'gelu-scalar-golden.json')
with open(path, 'w') as f:
    json.dump({'meta': {'torch_version': torch.__version__, 'generator': 'tests/golden/gen_gelu_scalar.py',
                        'gx_differ_default_vs_avx2': differ}, 'backward': all_cases}, f, separators=(',', ':'))
    f.write('\n')
print('wrote %d cases; the DEFAULT build\'s x.grad differs from AVX2\'s in %d of 48' % (len(all_cases), differ))
