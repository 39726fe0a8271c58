#!/usr/bin/python3
"""Golden fixtures for the generator and torch.nn.init (tests/data/gen-init-golden.json).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_init.py
It re-runs itself in two subprocesses, with ATEN_CPU_CAPABILITY unset (AVX2 on this machine) and
=default, so every case exists in both flavours. The C tests (tests/core/test-generator.c,
tests/core/test-init.c) interpret the cases generically:

  case  = {name, flavour, seed (decimal string, seed mod 2**64), seed_py, steps, probe_after}
  step  = {op, ..., out | error}
    op "uniform"      shape, a, b            -> out: float32 hex
    op "uniform_f64"  n, a, b                -> out: float64 hex
    op "normal"       shape, mean, std, contiguous (False: t.t().normal_() on a 2-D tensor)
    op "randint"      low, high, n           -> out: ints
    op "randperm"     n                      -> out: ints
    op "dropout"      shape, p               -> out: F.dropout(ones(shape), p, training=True)
    op "dropout2d"    shape (N, C, H, W), p  -> out: F.dropout2d(ones(shape), p, training=True)
    op "init"         fn, shape, args        -> out (+ info) or error {type, message}
    op "gain"         nonlinearity, param    -> out: float64 hex, or error
    op "fans"         shape                  -> out: [fan_in, fan_out], or error
  probe_after = torch.rand(2) after the last step (checks the number of draws).
All values are bit patterns: the tests assert bits, not tolerances.
"""
import json
import math
import os
import struct
import subprocess
import sys
import warnings

OUT = os.environ.get('PS_GOLDEN_OUT') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'data',
    'overflow-golden.json' if os.environ.get('PS_GOLDEN_SET') == 'overflow' else 'gen-init-golden.json')


def f32hex(t):
    return [struct.pack('>f', v).hex() for v in t.reshape(-1).tolist()]


def f64hex(t):
    return [struct.pack('>d', v).hex() for v in t.reshape(-1).tolist()]


def h64(v):
    return struct.pack('>d', float(v)).hex()


def run_cases():
    import torch
    import torch.nn.functional as F
    from torch.nn import init
    warnings.simplefilter('ignore')
    torch.set_num_threads(1)
    cases = []
    overflow_set = os.environ.get('PS_GOLDEN_SET') == 'overflow'

    def case(name, seed, steps):
        torch.manual_seed(seed)
        done = []
        for st in steps:
            st = dict(st)
            try:
                out, info = st.pop('_run')()
                st['out'] = out
                if info is not None:
                    st['info'] = info
            except Exception as e:  # noqa: BLE001 - torch's own message is the fixture
                st['error'] = {'type': type(e).__name__, 'message': str(e).split('\n')[0]}
            done.append(st)
        probe = f32hex(torch.rand(2))
        c = {'name': name, 'seed': str(seed % 2**64), 'seed_py': seed, 'steps': done, 'probe_after': probe}
        if overflow_set and any('error' in st for st in done):
            del c['probe_after']   # torch may have drawn before raising; Paramscope's failed op did not
        cases.append(c)

    def uniform(shape, a, b):
        return {'op': 'uniform', 'shape': list(shape), 'a': a, 'b': b,
                '_run': lambda: (f32hex(torch.empty(*shape).uniform_(a, b)), None)}

    def uniform64(n, a, b):
        return {'op': 'uniform_f64', 'n': n, 'a': a, 'b': b,
                '_run': lambda: (f64hex(torch.empty(n, dtype=torch.float64).uniform_(a, b)), None)}

    def normal(shape, mean=0.0, std=1.0, contiguous=True):
        def run():
            if contiguous:
                t = torch.empty(*shape)
                t.normal_(mean, std)
            else:
                t = torch.empty(shape[1], shape[0])
                t.t().normal_(mean, std)   # memory order is what the C side fills
            return f32hex(t), None
        return {'op': 'normal', 'shape': list(shape), 'mean': mean, 'std': std,
                'contiguous': contiguous, '_run': run}

    def randint(low, high, n):
        return {'op': 'randint', 'low': low, 'high': high, 'n': n,
                '_run': lambda: (torch.randint(low, high, (n,), dtype=torch.int64).tolist(), None)}

    def randperm(n):
        return {'op': 'randperm', 'n': n, '_run': lambda: (torch.randperm(n).tolist(), None)}

    def dropout(shape, p):
        return {'op': 'dropout', 'shape': list(shape), 'p': p,
                '_run': lambda: (f32hex(F.dropout(torch.ones(*shape), p, training=True)), None)}

    def dropout2d(shape, p):
        # feature dropout: one bernoulli per (N, C), broadcast over the spatial dims
        return {'op': 'dropout2d', 'shape': list(shape), 'p': p,
                '_run': lambda: (f32hex(F.dropout2d(torch.ones(*shape), p, training=True)), None)}

    def gain(nl, param=None):
        return {'op': 'gain', 'nonlinearity': nl, 'param': param,
                '_run': lambda: ([h64(init.calculate_gain(nl, param))], None)}

    def fans(shape):
        return {'op': 'fans', 'shape': list(shape),
                '_run': lambda: (list(init._calculate_fan_in_and_fan_out(torch.empty(tuple(shape)))), None)}

    def info_for(fn, w, args):
        """What the C side reports in PsInitInfo, computed with torch's own helpers."""
        try:
            fi, fo = init._calculate_fan_in_and_fan_out(w)
        except ValueError:
            fi = fo = None
        if fn in ('kaiming_uniform_', 'kaiming_normal_'):
            if 0 in w.shape:
                return {'dist': 'none'}
            a = args.get('a', 0)
            fan = init._calculate_correct_fan(w, args.get('mode', 'fan_in'))
            g = init.calculate_gain(args.get('nonlinearity', 'leaky_relu'), a)
            std = g / math.sqrt(fan)
            bound = math.sqrt(3.0) * std
            if fn == 'kaiming_uniform_':
                return {'dist': 'uniform', 'a': h64(-bound), 'b': h64(bound), 'gain': h64(g),
                        'fan_in': fi, 'fan_out': fo}
            return {'dist': 'normal', 'mean': h64(0.0), 'std': h64(std), 'gain': h64(g),
                    'fan_in': fi, 'fan_out': fo}
        if fn in ('xavier_uniform_', 'xavier_normal_'):
            g = args.get('gain', 1.0)
            std = g * math.sqrt(2.0 / float(fi + fo))
            if fn == 'xavier_uniform_':
                a = math.sqrt(3.0) * std
                return {'dist': 'uniform', 'a': h64(-a), 'b': h64(a), 'gain': h64(g),
                        'fan_in': fi, 'fan_out': fo}
            return {'dist': 'normal', 'mean': h64(0.0), 'std': h64(std), 'gain': h64(g),
                    'fan_in': fi, 'fan_out': fo}
        if fn == 'uniform_':
            return {'dist': 'uniform', 'a': h64(args.get('a', 0.0)), 'b': h64(args.get('b', 1.0))}
        if fn == 'normal_':
            return {'dist': 'normal', 'mean': h64(args.get('mean', 0.0)), 'std': h64(args.get('std', 1.0))}
        if fn == 'trunc_normal_':
            return {'dist': 'trunc_normal', 'mean': h64(args.get('mean', 0.0)),
                    'std': h64(args.get('std', 1.0)), 'a': h64(args.get('a', -2.0)),
                    'b': h64(args.get('b', 2.0))}
        if fn in ('constant_', 'ones_', 'zeros_'):
            v = {'constant_': args.get('val'), 'ones_': 1.0, 'zeros_': 0.0}[fn]
            return {'dist': 'constant', 'value': h64(struct.unpack('>f', struct.pack('>f', v))[0])}
        if w.numel() == 0 and fn == 'orthogonal_':
            return {'dist': 'none'}   # a no-op
        return {'dist': 'other'}

    def ini(fn, shape, **args):
        def run():
            w = torch.empty(*shape)
            f = getattr(init, fn)
            f(w, **args)
            return f32hex(w), info_for(fn, w, args)
        return {'op': 'init', 'fn': fn, 'shape': list(shape), 'args': args, '_run': run}

    if overflow_set:
        # numbers beyond float32 and double range in every float argument (issue #10): a recipe's
        # 1e400 reads as inf, like Python's float('1e400')
        huge = (1e39, -1e39, 1e200, -1e200, math.inf, -math.inf)
        params = {'uniform_': ['a', 'b'], 'normal_': ['mean', 'std'], 'trunc_normal_': ['mean', 'std', 'a', 'b'],
                  'constant_': ['val'], 'xavier_uniform_': ['gain'], 'xavier_normal_': ['gain'],
                  'kaiming_uniform_': ['a'], 'kaiming_normal_': ['a'], 'orthogonal_': ['gain'],
                  'sparse_': ['sparsity', 'std'], 'dirac_': []}
        for fn, names in params.items():
            for p in names:
                for v in huge:
                    args = {'sparsity': 0.5} if fn == 'sparse_' else {'val': 0.0} if fn == 'constant_' else {}
                    args[p] = v
                    case('init.overflow.%s.%s=%r' % (fn, p, v), 3, [ini(fn, (4, 3), **args)])
        return cases

    # -- generator ------------------------------------------------------------------------------
    for seed in (0, 1, 42, 2**32 + 5, 5, -1, 2**63 + 7, 123456789):
        case('rng.randint32.seed%d' % seed, seed, [randint(0, 2**32 - 1, 40)])
    case('rng.uniform.blocks', 3, [uniform((1500,), -0.3, 0.7), uniform((7,), 0, 1)])
    case('rng.uniform.after_odd_draws', 4, [randint(0, 10, 5), uniform((700,), -0.31622776601683794, 0.31622776601683794)])
    case('rng.uniform.huge_bounds', 0, [uniform((16,), -1e30, 1e30)])
    case('rng.uniform.error.from_gt_to', 0, [uniform((4,), 1.0, 0.0)])
    case('rng.uniform.error.range_overflow', 0, [uniform((4,), -3e38, 3e38)])
    case('rng.uniform.error.inf', 0, [uniform((4,), 0.0, 1e39)])
    case('rng.uniform_f64', 9, [uniform64(30, -2.5, 0.1)])
    for n in (1, 3, 16, 17, 31, 48, 623, 625, 1249, 4099):
        case('rng.normal.n%d' % n, 11, [normal((n,), 0.25, 3.0)])
    case('rng.normal.cache_sequence', 2, [normal((5,)), uniform((3,), 0, 1), normal((1,), 1.0, 2.0),
                                          normal((20,)), normal((1,), -1.0, 0.5), normal((2,))])
    case('rng.normal.noncontig_32', 5, [normal((4, 8), 0.0, 1.0, contiguous=False)])
    case('rng.normal.noncontig_odd', 5, [normal((3, 7), 2.0, 0.5, contiguous=False), normal((3,))])
    case('rng.normal.std0', 6, [normal((20,), 1.5, 0.0), normal((3,), 1.5, 0.0)])
    case('rng.normal.error.negative_std', 6, [normal((20,), 0.0, -1.0)])
    for low, high, n in ((0, 10, 50), (-5, 5, 20), (0, 1, 5), (0, 2**32, 8), (0, 2**32 + 1, 8),
                         (-2**40, 2**40, 10), (3, 2**62, 6), (-2**63, 2**63 - 1, 4), (7, 7, 3), (9, 2, 3)):
        case('rng.randint.%d.%d' % (low, high), 13, [randint(low, high, n)])
    for n in (0, 1, 2, 3, 50, 1000):
        case('rng.randperm.n%d' % n, 17, [randperm(n)])
    case('rng.randperm.error.negative', 17, [randperm(-1)])
    for p in (0.0, 0.1, 0.5, 0.9, 1.0, 1.0 / 3):
        case('rng.dropout.p%g' % p, 21, [dropout((6, 7), p)])
    case('rng.dropout.after_init', 22, [ini('kaiming_uniform_', (4, 3)), dropout((3, 5), 0.25),
                                         dropout((0, 5), 0.25), dropout((17,), 0.2)])
    case('rng.dropout2d', 23, [dropout2d((2, 3, 4, 5), 0.4), dropout2d((1, 5, 2, 2), 0.5)])
    for seed in (2**32 + 5, -1, -12345):
        case('init.seed%d.kaiming_normal_' % seed, seed, [ini('kaiming_normal_', (20, 7)), ini('uniform_', (3,)),
                                                          ini('trunc_normal_', (9,))])

    # -- scalars --------------------------------------------------------------------------------
    case('init.gain', 0, [gain(n) for n in ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d',
                                          'conv_transpose2d', 'conv_transpose3d', 'sigmoid', 'tanh',
                                          'relu', 'leaky_relu', 'selu')]
         + [gain('leaky_relu', p) for p in (0, 0.2, math.sqrt(5), -0.5, 3, 1e-3)]
         + [gain('gelu'), gain('softmax', 1.0)])
    case('init.fans', 0, [fans(s) for s in ((5, 10), (8, 3, 3, 3), (7, 0), (0, 4, 2), (3, 4, 5, 6, 7),
                                           (10,), (), (1, 1))])

    # -- every init function, defaults and non-default args --------------------------------------
    I = ini
    steps_by_name = {
        'uniform_': [I('uniform_', (3, 5)), I('uniform_', (40, 30), a=-0.1, b=0.3),
                     I('uniform_', (7,), a=-2, b=-1), I('uniform_', (3, 3), a=1.0, b=0.5)],
        'normal_': [I('normal_', (3, 5)), I('normal_', (40, 30), mean=0.1, std=0.02),
                    I('normal_', (2, 3), mean=-3, std=4), I('normal_', (2, 3), std=-1.0)],
        'trunc_normal_': [I('trunc_normal_', (1000,)), I('trunc_normal_', (50, 20), std=0.02),
                          I('trunc_normal_', (40,), mean=0.5, std=1.0, a=0.0, b=1.0),
                          I('trunc_normal_', (300,), mean=-1.0, std=3.0, a=-10.0, b=0.0),
                          I('trunc_normal_', (64,), mean=0.0, std=1.0, a=-0.5, b=3.5),
                          I('trunc_normal_', (20,), mean=5.0, std=1.0, a=-2.0, b=2.0),
                          I('trunc_normal_', (8,), std=0.0),
                          I('trunc_normal_', (8,), a=2.0, b=-2.0)],
        'constant_': [I('constant_', (2, 3), val=0.3), I('constant_', (4,), val=-7),
                      I('constant_', (2, 2), val=1e-40)],
        'ones_': [I('ones_', (2, 3))],
        'zeros_': [I('zeros_', (2, 3))],
        'eye_': [I('eye_', (3, 5)), I('eye_', (5, 3)), I('eye_', (4,)), I('eye_', (2, 2, 2))],
        'dirac_': [I('dirac_', (4, 2, 3)), I('dirac_', (6, 4, 3, 3), groups=2),
                   I('dirac_', (2, 2, 1, 3, 3)), I('dirac_', (6, 3, 4, 4), groups=3),
                   I('dirac_', (3, 5, 2)), I('dirac_', (5, 2, 3), groups=2), I('dirac_', (4, 4)),
                   I('dirac_', (4, 2, 3), groups=0), I('dirac_', (4, 2, 3), groups=-2)],
        'xavier_uniform_': [I('xavier_uniform_', (30, 20)), I('xavier_uniform_', (5, 3, 3, 3), gain=1.4142135623730951),
                            I('xavier_uniform_', (7, 0)), I('xavier_uniform_', (0, 0)),
                            I('xavier_uniform_', (9,)), I('xavier_uniform_', (16, 8), gain=0.1)],
        'xavier_normal_': [I('xavier_normal_', (30, 20)), I('xavier_normal_', (2, 3), gain=2.5),
                           I('xavier_normal_', (4, 4, 5))],
        'kaiming_uniform_': [I('kaiming_uniform_', (30, 20)), I('kaiming_uniform_', (30, 20), a=math.sqrt(5)),
                             I('kaiming_uniform_', (8, 4, 3, 3), mode='fan_out', nonlinearity='relu'),
                             I('kaiming_uniform_', (10, 6), a=0.2, mode='FAN_IN', nonlinearity='leaky_relu'),
                             I('kaiming_uniform_', (10, 6), nonlinearity='tanh'),
                             I('kaiming_uniform_', (10, 6), nonlinearity='selu', mode='fan_out'),
                             I('kaiming_uniform_', (0, 6)), I('kaiming_uniform_', (0,)),
                             I('kaiming_uniform_', (6,)), I('kaiming_uniform_', (4, 6), mode='fan_avg'),
                             I('kaiming_uniform_', (4, 6), nonlinearity='gelu')],
        'kaiming_normal_': [I('kaiming_normal_', (30, 20)), I('kaiming_normal_', (16, 8, 3, 3), mode='fan_out', nonlinearity='relu'),
                            I('kaiming_normal_', (3, 4)), I('kaiming_normal_', (5, 7), a=1, nonlinearity='leaky_relu'),
                            I('kaiming_normal_', (0, 3)), I('kaiming_normal_', (3,), nonlinearity='bogus'),
                            I('kaiming_normal_', (3, 2), nonlinearity='bogus')],
        'orthogonal_': [I('orthogonal_', (6, 4)), I('orthogonal_', (4, 6)), I('orthogonal_', (5, 5)),
                        I('orthogonal_', (8, 2, 2, 2), gain=2.0), I('orthogonal_', (64, 32)),
                        I('orthogonal_', (32, 64), gain=0.5), I('orthogonal_', (100, 100)),
                        I('orthogonal_', (1, 7)), I('orthogonal_', (0, 3)), I('orthogonal_', (5,))],
        'sparse_': [I('sparse_', (10, 6), sparsity=0.3), I('sparse_', (40, 3), sparsity=0.1, std=0.5),
                    I('sparse_', (4, 5), sparsity=0.0), I('sparse_', (4, 5), sparsity=1.0),
                    I('sparse_', (7, 2), sparsity=-0.3), I('sparse_', (3, 3, 3), sparsity=0.5),
                    I('sparse_', (4, 4), sparsity=0.5, std=-1.0), I('sparse_', (4, 3), sparsity=3.0),
                    I('sparse_', (4, 3), sparsity=-5.0)],
    }
    for fn, steps in steps_by_name.items():
        for i, st in enumerate(steps):
            desc = 'x'.join(map(str, st['shape'])) + ''.join('.%s=%s' % kv for kv in sorted(st['args'].items()))
            case('init.%s.%d.%s' % (fn, i, desc), 0, [st])
    # one long stream through several functions (draw counts must line up)
    case('init.chain', 7, [I('kaiming_uniform_', (5, 3)), I('normal_', (3,)), I('xavier_normal_', (2, 2)),
                           I('orthogonal_', (3, 5)), I('sparse_', (5, 4), sparsity=0.4),
                           I('trunc_normal_', (33,), std=0.5), I('eye_', (2, 2)), I('kaiming_normal_', (17, 1))])
    return cases


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        print(json.dumps(run_cases()))
        return
    import torch
    result = {'meta': {'torch_version': torch.__version__, 'generator': 'tests/golden/gen_init.py',
                       'openblas_threads_env': os.environ.get('OPENBLAS_NUM_THREADS', '(unset)'),
                       'openblas_coretype_env': os.environ.get('OPENBLAS_CORETYPE', '(unset)'),
                       'nproc': os.cpu_count()},
              'cases': []}
    for flavour, cap in (('avx2', None), ('default', 'default')):
        env = dict(os.environ)
        env.pop('ATEN_CPU_CAPABILITY', None)
        if cap:
            env['ATEN_CPU_CAPABILITY'] = cap
        out = subprocess.run([sys.executable, os.path.abspath(__file__), '--child'], env=env,
                             check=True, capture_output=True, text=True).stdout
        for c in json.loads(out):
            c['flavour'] = flavour
            result['cases'].append(c)
    # Python writes infinity as Infinity, which is not JSON; 1e400 reads back as it (an argument's
    # repr inside a case name is "inf", not "Infinity")
    text = json.dumps(result, indent=None, separators=(',', ':'))
    text = text.replace('-Infinity', '-1e400').replace('Infinity', '1e400')
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print('wrote %d cases to %s (%d bytes)' % (len(result['cases']), OUT, os.path.getsize(OUT)))


if __name__ == '__main__':
    main()
