"""Helpers for per-layer golden fixtures: one small JSON file per layer type (read by the C
runner in tests/support/layer-golden.h). A new layer's script imports this module, declares its cases and
calls write():

    from layer_cases import Fixture
    fx = Fixture("instance-norm-golden.json", __file__)
    fx.forward("IN1d", "InstanceNorm1d", {"num_features": 3}, [{"shape": [2, 3, 5]}])
    fx.error("InstanceNorm1d", {"num_features": 3}, shape=[2, 3, 4, 4])
    fx.repr("InstanceNorm1d", {"num_features": 3})
    fx.write()

The format is the one of tests/data/conv/ (see tests/golden/gen_conv.py): cases
replayed from the seed (construct, init.uniform_ calls, inputs drawn with torch.randn), every
tensor as float32 hex / int64 ints, torch.rand(2) afterwards as the probe; errors with torch's
message; reprs. One thread, warnings off.
"""
import json
import os
import struct
import warnings

import torch
import torch.nn as nn
from torch.nn import init

warnings.simplefilter('ignore')
torch.set_num_threads(1)


def f32hex(t):
    return [struct.pack('>f', v).hex() for v in t.detach().reshape(-1).tolist()]


def enc(t):
    t = t.detach()
    d = {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', '')}
    if t.dtype == torch.int64:
        d['int'] = t.reshape(-1).tolist()
    else:
        d['hex'] = f32hex(t)
    return d


def pyargs(args):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def run_forward(type_, args, steps, seed=0, init_=(), mkldnn=True, after_step=None):
    """A forward case (the format above; gen_conv.py's too): manual_seed(seed); m = nn.type_(**args);
    init.uniform_(m.<p>, a, b) for init_; then per step x = torch.randn(shape) * scale + shift (or
    the int64 tensor st["idx"]), m.train() or m.eval(), y = m(x) (Bilinear: m(x, x)) with oneDNN
    on or off; after_step(m, i, x) is called inside that. Returns (m, tensors): "init.<name>" (the
    state_dict before the steps, lazy parameters left out), "x<i>", "y<i>", then "<name>" after."""
    torch.manual_seed(seed)
    m = getattr(nn, type_)(**pyargs(args))
    T = {}
    for p, a, b in init_:
        init.uniform_(getattr(m, p), a, b)
    for k, v in m.state_dict().items():
        if not isinstance(v, (nn.parameter.UninitializedParameter, nn.parameter.UninitializedBuffer)):
            T['init.' + k] = enc(v)
    for i, st in enumerate(steps):
        if 'idx' in st:
            x = torch.tensor(st['idx']['int'], dtype=torch.int64).reshape(st['idx']['shape'])
        else:
            x = torch.randn(*st['shape'])
            if st.get('scale', 1.0) != 1.0:
                x = x * st['scale']
            if st.get('shift', 0.0) != 0.0:
                x = x + st['shift']
        m.train(st.get('mode', 'train') != 'eval')
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=mkldnn):
            y = m(x, x) if type_ == 'Bilinear' else m(x)
            if after_step is not None:
                after_step(m, i, x)
        T['x%d' % i] = enc(x)
        T['y%d' % i] = enc(y)
    for k, v in m.state_dict().items():
        T[k] = enc(v)
    return m, T


class Fixture:
    def __init__(self, filename, script):
        self.path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', filename)
        self.script = os.path.relpath(os.path.abspath(script), os.path.join(os.path.dirname(self.path), '..', '..'))
        self.cases, self.errors, self.reprs = [], [], []

    def forward(self, name, type_, args, steps, seed=0, init_=()):
        """manual_seed(seed); m = nn.type_(**args); init.uniform_(m.<p>, a, b) for init_; then per
        step x = torch.randn(shape) * scale + shift, m.train() or m.eval(), y = m(x)."""
        m, T = run_forward(type_, args, steps, seed, init_)
        self.cases.append({'name': name, 'kind': 'forward', 'type': type_, 'args': args, 'seed': seed,
                           'init': [list(t) for t in init_], 'steps': steps, 'backend': [],
                           'class_after': type(m).__name__, 'tensors': T,
                           'order': list(m.state_dict().keys()), 'probe_after': f32hex(torch.rand(2))})

    def error(self, type_, args, shape=None, mode='train'):
        """A construction error (no shape) or a forward error on torch.zeros(shape): torch's text."""
        e = {'type': type_, 'args': args}
        try:
            m = getattr(nn, type_)(**pyargs(args))
            if shape is None:
                raise SystemExit('no error for %s %s' % (type_, args))
            m.train(mode != 'eval')
            e.update({'shape': shape, 'dtype': 'float32', 'mode': mode})
            with torch.no_grad():
                m(torch.zeros(*shape))
            raise SystemExit('no forward error for %s %s %s' % (type_, args, shape))
        except SystemExit:
            raise
        except Exception as ex:  # noqa: BLE001
            e['message'] = str(ex).split('\n')[0]
        self.errors.append(e)

    def repr(self, type_, args):
        self.reprs.append({'type': type_, 'args': args, 'repr': repr(getattr(nn, type_)(**pyargs(args)))})

    def write(self):
        meta = {'torch_version': torch.__version__, 'num_threads': torch.get_num_threads(), 'generator': self.script}
        with open(self.path, 'w') as f:
            json.dump({'meta': meta, 'cases': self.cases, 'errors': self.errors, 'reprs': self.reprs}, f,
                      separators=(',', ':'))
            f.write('\n')
        print('wrote %d cases, %d errors, %d reprs to %s (%d bytes)' % (
            len(self.cases), len(self.errors), len(self.reprs), self.path, os.path.getsize(self.path)))
