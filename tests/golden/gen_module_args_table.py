#!/usr/bin/python3
"""Generated table: every registered layer type × every constructor argument × boundary values, as
torch 1.13 takes them (tests/data/module-args/<Type>.json, one file a layer type: module_args_split.py),
for /module-args/generated in tests/doc/test-module-args.c (issue #10: "where torch accepts, accept;
where it refuses, refuse").

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_module_args_table.py

The types and their arguments come from tests/data/layer-facts.json (gen_layer_facts.py: every class
of the registry, its constructor's arguments in torch's order); device, dtype and Embedding's _weight
(Python objects, not recipe values) and the containers' module lists (a recipe's "children") are left
out. For each type: one valid base configuration and input, then for each argument the base with that
argument replaced by each boundary value of its kind (sizes, tuples, floats, bools, enum strings,
dims), and one unknown keyword. torch.manual_seed(0), the module, then torch.randn/randint of the
input, then one forward (self-attention for MultiheadAttention, (x, x) for Bilinear), exactly as a
recipe's module op and forward op draw.

Each case, one per line: {"t": type, "k": the argument changed (null: the base), "a": args, "i": input ({"randn": shape} / {"randint": {...}}),
  "r": "ok" | "module" | "forward" | "big",  "e": error type, "m": torch's first message line,
  "h": FNV-1a 64 of the output's float32 bytes (ok only), "s": output shape}
"big": torch needs more than BIG_BYTES for the parameters or the forward (parameters measured on the
meta device; a forward under an address-space limit); "slow": torch took more than TIME_LIMIT seconds
(RNN(num_layers=2**31) builds 2**31 parameter objects; MaxPool1d(2**31) loops over the kernel) — the C test
then only asks for no crash: the C test runs with Paramscope's one-allocation
limit at BIG_BYTES, so Paramscope must refuse (at the module or the forward op), not crash.
Floats beyond double range are written 1e400 / -1e400, NaN as "nan" (the recipe's spelling).
"""
import json
import math
import os
import resource
import signal
import sys
import warnings

import module_args_split

# Python's set order (torch prints sets in messages) is fixed for the fixture
if os.environ.get('PYTHONHASHSEED') != '0':
    os.environ['PYTHONHASHSEED'] = '0'
    os.execv(sys.executable, [sys.executable] + sys.argv)
# as the test suite runs (tests/meson.build): oneDNN at AVX2, OpenBLAS's Haswell kernels on 2 threads,
# one intra-op thread; read when torch loads
os.environ['ONEDNN_MAX_CPU_ISA'] = 'AVX2'
os.environ.setdefault('OPENBLAS_CORETYPE', 'Haswell')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '2')
os.environ['OMP_NUM_THREADS'] = '1'

HERE = os.path.dirname(os.path.abspath(__file__))
FACTS = os.path.join(HERE, '..', 'data', 'layer-facts.json')
BIG_BYTES = 64 << 20
TIME_LIMIT = 10
SKIP_ARGS = {'device', 'dtype', '_weight', 'modules'}

R = lambda *s: {'randn': list(s)}  # noqa: E731
BASE = {
    'Linear': ({'in_features': 4, 'out_features': 3}, R(2, 4)),
    'LazyLinear': ({'out_features': 3}, R(2, 4)),
    'Bilinear': ({'in1_features': 4, 'in2_features': 4, 'out_features': 3}, R(2, 4)),
    'Conv1d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 8)),
    'Conv2d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 6, 6)),
    'Conv3d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 5, 5, 5)),
    'LazyConv2d': ({'out_channels': 4, 'kernel_size': 3}, R(1, 2, 6, 6)),
    'ConvTranspose1d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 6)),
    'ConvTranspose2d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 5, 5)),
    'ConvTranspose3d': ({'in_channels': 2, 'out_channels': 4, 'kernel_size': 3}, R(1, 2, 4, 4, 4)),
    'Embedding': ({'num_embeddings': 5, 'embedding_dim': 3}, {'randint': {'high': 5, 'size': [2, 3]}}),
    'LayerNorm': ({'normalized_shape': 4}, R(2, 4)),
    'GroupNorm': ({'num_groups': 2, 'num_channels': 4}, R(2, 4, 3)),
    'BatchNorm1d': ({'num_features': 3}, R(4, 3)),
    'BatchNorm2d': ({'num_features': 3}, R(2, 3, 2, 2)),
    'InstanceNorm1d': ({'num_features': 3}, R(2, 3, 4)),
    'InstanceNorm2d': ({'num_features': 3}, R(2, 3, 2, 2)),
    'RNN': ({'input_size': 3, 'hidden_size': 4}, R(5, 2, 3)),
    'LSTM': ({'input_size': 3, 'hidden_size': 4}, R(5, 2, 3)),
    'GRU': ({'input_size': 3, 'hidden_size': 4}, R(5, 2, 3)),
    'RNNCell': ({'input_size': 3, 'hidden_size': 4}, R(2, 3)),
    'LSTMCell': ({'input_size': 3, 'hidden_size': 4}, R(2, 3)),
    'GRUCell': ({'input_size': 3, 'hidden_size': 4}, R(2, 3)),
    'MultiheadAttention': ({'embed_dim': 4, 'num_heads': 2}, R(5, 2, 4)),
    'MaxPool1d': ({'kernel_size': 2}, R(1, 2, 8)),
    'MaxPool2d': ({'kernel_size': 2}, R(1, 2, 6, 6)),
    'AvgPool1d': ({'kernel_size': 2}, R(1, 2, 8)),
    'AvgPool2d': ({'kernel_size': 2}, R(1, 2, 6, 6)),
    'AdaptiveAvgPool2d': ({'output_size': 2}, R(1, 2, 6, 6)),
    'PReLU': ({}, R(2, 3, 4)),
    'Softmax': ({'dim': 1}, R(2, 3, 4)),
    'LogSoftmax': ({'dim': 1}, R(2, 3, 4)),
}
# the other classes take any input
DEFAULT_INPUT = R(2, 3, 4)

SIZE = {'in_features', 'out_features', 'in1_features', 'in2_features', 'in_channels', 'out_channels', 'groups',
        'num_embeddings', 'embedding_dim', 'num_features', 'num_groups', 'num_channels', 'input_size',
        'hidden_size', 'num_layers', 'proj_size', 'embed_dim', 'num_heads', 'num_parameters', 'kdim', 'vdim',
        'padding_idx', 'divisor_override'}
TUPLE = {'kernel_size', 'stride', 'padding', 'dilation', 'output_padding', 'output_size'}
FLOAT = {'eps', 'momentum', 'p', 'dropout', 'negative_slope', 'init', 'max_norm', 'norm_type'}
BOOL = {'bias', 'affine', 'track_running_stats', 'inplace', 'batch_first', 'bidirectional', 'add_bias_kv',
        'add_zero_attn', 'return_indices', 'ceil_mode', 'count_include_pad', 'elementwise_affine',
        'scale_grad_by_freq', 'sparse'}
ENUM = {'padding_mode': ['zeros', 'reflect', 'replicate', 'circular'], 'nonlinearity': ['tanh', 'relu'],
        'approximate': ['none', 'tanh']}
DIM = {'dim', 'start_dim', 'end_dim'}
LIST = {'normalized_shape'}

NAN = float('nan')
INF = float('inf')


def nd_of(typ):
    return 3 if typ.endswith('3d') else 1 if typ.endswith('1d') else 2


def values(typ, arg):
    if arg in SIZE:
        return [0, -1, 1, 2, 3, 5, 2 ** 31, 2 ** 63 - 1, 2.0, 2.5, True, False, None, 'x']
    if arg in TUPLE:
        n = nd_of(typ)
        v = [0, -1, 1, 2, 3, 7, 2 ** 31, 2.0, True, None, [], [2] * n, [1] * n, [0] * n, [-1] * n, [2] * (n + 1),
             [3, 1, 1, 1][:n] if n > 1 else [4]]
        if n > 1:
            v.append([2] * (n - 1))
        if typ.startswith('Conv') or typ.startswith('LazyConv'):
            v += ['same', 'valid', 'full']
        if arg == 'output_size':
            v += [[None, 2], [None, None]]
        return v
    if arg in FLOAT:
        return [0.0, -0.0, -1.0, 0.5, 1.0, 1.5, 2, 1e-30, 1e39, 1e300, INF, -INF, NAN, True, None, 'x']
    if arg in BOOL:
        return [True, False, 0, 1, 2, None, 'x']
    if arg in ENUM:
        return ENUM[arg] + ['bogus', '', ENUM[arg][0].upper(), 1, None]
    if arg in DIM:
        return [-4, -3, -2, -1, 0, 1, 2, 3, 2 ** 31, 1.0, True, None]
    if arg in LIST:
        return [0, -1, 1, 4, 2 ** 31, [4], [3, 4], [2, 3, 4], [1, 2, 3, 4], [], [0], [-4], [4.0], 4.0, True, None]
    raise SystemExit('no kind for %s.%s: add it to one of the sets' % (typ, arg))


def fnv(t):
    h = 0xcbf29ce484222325
    for b in t.detach().contiguous().float().numpy().tobytes():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return '%016x' % h


def make_input(spec):
    import torch
    if 'randn' in spec:
        return torch.randn(*spec['randn'])
    ri = spec['randint']
    return torch.randint(0, ri['high'], ri['size'])


def first(y):
    while isinstance(y, tuple):
        y = y[0]
    return y


def msg(e):
    return str(e).split('\n')[0]


class TooLong(Exception):
    pass


def alarm(signum, frame):
    raise TooLong('more than %d s' % TIME_LIMIT)


def is_big(e):
    s = str(e)
    return isinstance(e, MemoryError) or 'not enough memory' in s or 'bad_alloc' in s or 'Cannot allocate' in s


def run_case(typ, args, inp, has_device, key=None):
    signal.alarm(TIME_LIMIT)
    try:
        return run_case_timed(typ, args, inp, has_device, key)
    except TooLong:
        return {'t': typ, 'k': key, 'a': args, 'i': inp, 'r': 'slow'}
    finally:
        signal.alarm(0)


def run_case_timed(typ, args, inp, has_device, key):
    import torch
    cls = getattr(torch.nn, typ)
    case = {'t': typ, 'k': key, 'a': args, 'i': inp}
    if has_device:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                mm = cls(**args, device='meta')
            nbytes = sum(p.numel() * 4 for p in mm.parameters()) + sum(b.numel() * 8 for b in mm.buffers())
            if nbytes > BIG_BYTES:
                case['r'] = 'big'
                return case
        except TooLong:
            raise
        except Exception:  # noqa: BLE001 - the CPU construction below records it
            pass
    torch.manual_seed(0)
    try:
        m = cls(**args)
    except Exception as e:  # noqa: BLE001
        if isinstance(e, TooLong):
            raise
        case.update(r='big' if is_big(e) else 'module', e=type(e).__name__, m=msg(e))
        return case
    try:
        x = make_input(inp)
        if typ == 'MultiheadAttention':
            y = m(x, x, x)
        elif typ == 'Bilinear':
            y = m(x, x)
        else:
            y = m(x)
        y = first(y)
    except Exception as e:  # noqa: BLE001
        if isinstance(e, TooLong):
            raise
        case.update(r='big' if is_big(e) else 'forward', e=type(e).__name__, m=msg(e))
        return case
    if y.numel() * 4 > BIG_BYTES:
        case['r'] = 'big'
        return case
    case.update(r='ok', h=fnv(y), s=list(y.shape))
    return case


def cases():
    import torch
    facts = json.load(open(FACTS))['facts']
    out = []
    for typ in sorted(facts):
        cls = getattr(torch.nn, typ)
        base, inp = BASE.get(typ, ({}, DEFAULT_INPUT))
        argnames = [a for a in facts[typ]['positional'] if a not in SKIP_ARGS]
        if typ == 'RNN':
            argnames.append('nonlinearity')
        has_device = 'device' in facts[typ]['positional']
        out.append(run_case(typ, dict(base), inp, has_device))
        out.append(run_case(typ, dict(base, bogus=1), inp, has_device, 'bogus'))
        for arg in argnames:
            for v in values(typ, arg):
                args = dict(base)
                args[arg] = v
                if os.environ.get('GEN_VERBOSE'):
                    print(typ, enc(args), flush=True)
                out.append(run_case(typ, args, inp, has_device, arg))
    return out


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return '"nan"'
        if math.isinf(v):
            return '1e400' if v > 0 else '-1e400'
        if v == 0 and math.copysign(1, v) < 0:
            return '-0.0'
        return repr(v)
    if isinstance(v, dict):
        return '{' + ', '.join('%s: %s' % (json.dumps(k), enc(x)) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ', '.join(enc(x) for x in v) + ']'
    return json.dumps(v)


def main():
    import torch
    torch.set_num_threads(1)
    warnings.simplefilter('ignore')
    # a forward that needs more than a few GB fails as torch's "not enough memory" instead of swapping
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, alarm)
    cs = cases()
    # one file a layer type (module_args_split.py): tests/data/module-args/<Type>.json
    meta = ('{"torch_version": %s, "generator": "tests/golden/gen_module_args_table.py", "big_bytes": %d}'
            % (json.dumps(torch.__version__), BIG_BYTES))
    by_type = {}
    for c in cs:
        by_type.setdefault(c['t'], []).append(enc(c))
    module_args_split.write_table(meta, by_type)
    per = {}
    for c in cs:
        per.setdefault(c['t'], {}).setdefault(c['r'], 0)
        per[c['t']][c['r']] += 1
    for t in sorted(per):
        print(t, sum(per[t].values()), per[t])
    print('wrote %d cases' % len(cs))


if __name__ == '__main__':
    main()
