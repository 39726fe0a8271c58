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
at ATen's AVX2 capability here and under ATEN_CPU_CAPABILITY=default and =avx512 in child
interpreters (torch reads the variable once at start). Per capability also "per element" cases
(tests/core/test-log-softmax.c runs them in its /gelu/per-element): GELU(approximate='tanh') on rows
of every length class around the vector blocks (2 × 8 lanes at AVX2, 2 × 16 at AVX512: ATen's
GeluBackwardKernel runs the vector expression on whole blocks, the scalar one on the rest) and
GELU(approximate='none') on more than one element (oneDNN's eltwise_gelu_erf, capped like the tests
by ONEDNN_MAX_CPU_ISA=AVX2), tensors of more than 16 values as {"shape", "sha256"}.
Run with the tests' pins for the oneDNN cases:
  ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 /usr/bin/python3 tests/golden/gen_gelu_scalar.py
"""
import hashlib
import json
import os
import struct
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


def enc_compact(t, big=16):
    t = t.detach().contiguous()
    if t.numel() <= big:
        return enc(t)
    b = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
    return {'shape': list(t.shape), 'sha256': hashlib.sha256(b).hexdigest()}


ROW_LENGTHS = [2, 5, 8, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100]


def per_element_cases(cap):
    out = []
    for i, n in enumerate(ROW_LENGTHS):
        for approx in ('tanh', 'none'):
            seed = 600 + 2 * i + (approx == 'none')
            torch.manual_seed(seed)
            m = nn.GELU(approximate=approx)
            x = (torch.randn([3, n]) * 3.0).requires_grad_(True)
            y = m(x)
            gy = torch.randn(y.shape)
            y.backward(gy)
            out.append({'name': '%s GELU %s row %d' % (cap, approx, n), 'capability': cap, 'type': 'GELU',
                        'args': {'approximate': approx}, 'seed': seed, 'shape': [3, n], 'scale': 3.0,
                        'x': enc_compact(x), 'y': enc_compact(y), 'gy': enc_compact(gy), 'gx': enc_compact(x.grad)})
    return out


if os.environ.get('PS_GELU_CHILD'):
    cap = os.environ['ATEN_CPU_CAPABILITY']
    json.dump({'one': cases(cap), 'per_element': per_element_cases(cap)}, sys.stdout)
    sys.exit(0)
assert 'ATEN_CPU_CAPABILITY' not in os.environ and 'CPU capability usage: AVX2' in torch.__config__.show()
assert os.environ.get('ONEDNN_MAX_CPU_ISA') == 'AVX2', 'run with ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1'
by_cap = {'avx2': {'one': cases('avx2'), 'per_element': per_element_cases('avx2')}}
for cap in ('default', 'avx512'):
    child = subprocess.run([sys.executable, os.path.abspath(__file__)], capture_output=True, text=True, check=True,
                           env=dict(os.environ, ATEN_CPU_CAPABILITY=cap, PS_GELU_CHILD='1'))
    by_cap[cap] = json.loads(child.stdout)
    assert all(c['capability'] == cap for c in by_cap[cap]['one'])
all_cases = by_cap['avx2']['one'] + by_cap['default']['one'] + by_cap['avx512']['one']
per_element = by_cap['avx2']['per_element'] + by_cap['default']['per_element'] + by_cap['avx512']['per_element']


def differ(a, b):
    return sum(x['gx'] != y['gx'] for x, y in zip(by_cap[a]['one'], by_cap[b]['one']))


def differ_pe(a, b):
    return sum(x['gx'] != y['gx'] for x, y in zip(by_cap[a]['per_element'], by_cap[b]['per_element']))


path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'gelu-scalar-golden.json')
meta = {'torch_version': torch.__version__, 'generator': 'tests/golden/gen_gelu_scalar.py',
        'gx_differ_default_vs_avx2': differ('default', 'avx2'), 'gx_differ_avx512_vs_avx2': differ('avx512', 'avx2'),
        'per_element_gx_differ_default_vs_avx2': differ_pe('default', 'avx2'),
        'per_element_gx_differ_avx512_vs_avx2': differ_pe('avx512', 'avx2')}
with open(path, 'w') as f:
    json.dump({'meta': meta, 'backward': all_cases, 'per_element': per_element}, f, separators=(',', ':'))
    f.write('\n')
print('wrote %d one-element and %d per-element cases; %s' % (len(all_cases), len(per_element), meta))
