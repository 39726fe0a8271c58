#!/usr/bin/python3
"""Golden table: which module arguments torch 1.13 accepts, at construction and at the first
forward (tests/data/module-args-golden/<Type>.json: one file per layer type, so a new layer's cases
add a file), for tests/doc/test-module-args.c.

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_module_args.py
Without torch: --split OLD.json writes the folder from the old single file (migration),
--verify OLD.json checks that every old case stands in its type's file, byte for byte.

These are the hand-picked cases; gen_module_args_table.py generates the table over every registered
type and every constructor argument (tests/data/module-args/<Type>.json, /module-args/generated).

Each file: {"meta", "cases": [...]} (the type's cases in generation order); each case: {type, args, input (shape of a randn input, or null: construct only),
            construct_error: null | {type, message}, forward_error: null | {type, message}}.
The C test builds a recipe (module op, then a forward op) and checks that the same op fails with
the same message, or that both succeed. Numbers beyond double range are written as 1e400.
"""
import json
import math
import os
import sys
import warnings

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'module-args-golden')


def cases():
    c = []

    def add(typ, args, shape):
        c.append((typ, args, shape))

    conv = {'Conv1d': ([1, 2, 8], 1), 'Conv2d': ([1, 2, 8, 8], 2), 'Conv3d': ([1, 2, 5, 5, 5], 3),
            'ConvTranspose1d': ([1, 2, 8], 1), 'ConvTranspose2d': ([1, 2, 6, 6], 2),
            'ConvTranspose3d': ([1, 2, 4, 4, 4], 3)}
    for typ, (shape, nd) in conv.items():
        base = {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3}
        for k in (0, -1, 1, 9, 20):
            add(typ, dict(base, kernel_size=k), shape)
        add(typ, dict(base, kernel_size=[3] * nd if nd > 1 else 3, stride=0), shape)
        add(typ, dict(base, stride=-1), shape)
        add(typ, dict(base, padding=-1), shape)
        add(typ, dict(base, dilation=0), shape)
        add(typ, dict(base, groups=0), shape)
        add(typ, dict(base, groups=2), shape)
        add(typ, dict(base, groups=4), shape)
        add(typ, dict(base, in_channels=0), shape)
        add(typ, dict(base, out_channels=0), shape)
        add(typ, dict(base, out_channels=-1), shape)
        if typ.startswith('Conv') and not typ.startswith('ConvTranspose'):
            add(typ, dict(base, padding='same'), shape)
            add(typ, dict(base, padding='same', stride=2), shape)
            add(typ, dict(base, padding='valid'), shape)
        else:
            add(typ, dict(base, output_padding=1), shape)
            add(typ, dict(base, output_padding=1, stride=2), shape)
    for typ, shape in (('Linear', [2, 4]),):
        for a in ({'in_features': 4, 'out_features': 0}, {'in_features': 0, 'out_features': 3},
                  {'in_features': -1, 'out_features': 3}, {'in_features': 4, 'out_features': -2},
                  {'in_features': 5, 'out_features': 3}):
            add(typ, a, shape)
    add('Bilinear', {'in1_features': 0, 'in2_features': 2, 'out_features': 3}, None)
    add('Bilinear', {'in1_features': -1, 'in2_features': 2, 'out_features': 3}, None)
    for a in ({'num_embeddings': 0, 'embedding_dim': 2}, {'num_embeddings': -1, 'embedding_dim': 2},
              {'num_embeddings': 4, 'embedding_dim': -1}, {'num_embeddings': 4, 'embedding_dim': 2, 'padding_idx': 4},
              {'num_embeddings': 4, 'embedding_dim': 2, 'padding_idx': -5},
              {'num_embeddings': 4, 'embedding_dim': 2, 'padding_idx': -4}):
        add('Embedding', a, None)
    for p in (-0.1, 0.0, 1.0, 1.5, math.inf):
        add('Dropout', {'p': p}, [2, 3])
    for typ, shape in (('BatchNorm1d', [4, 3]), ('BatchNorm2d', [2, 3, 2, 2]), ('InstanceNorm1d', [2, 3, 4]),
                       ('InstanceNorm2d', [2, 3, 2, 2])):
        for a in ({'num_features': 0}, {'num_features': -1}, {'num_features': 3, 'eps': -1.0},
                  {'num_features': 3, 'momentum': 2.0}, {'num_features': 3, 'eps': 0.0}, {'num_features': 5}):
            add(typ, a, shape)
    for a in ({'num_groups': 0, 'num_channels': 4}, {'num_groups': 3, 'num_channels': 4},
              {'num_groups': 2, 'num_channels': 4}, {'num_groups': -1, 'num_channels': 4},
              {'num_groups': -2, 'num_channels': 4}, {'num_groups': 2, 'num_channels': -4},
              {'num_groups': 2, 'num_channels': -4, 'affine': False}, {'num_groups': 2, 'num_channels': 0},
              {'num_groups': 3, 'num_channels': 3}):
        add('GroupNorm', a, [2, 4, 3])
    for a in ({'normalized_shape': 0}, {'normalized_shape': -1}, {'normalized_shape': [3, 0]},
              {'normalized_shape': 4}, {'normalized_shape': 3, 'eps': -1.0}):
        add('LayerNorm', a, [2, 3])
    for typ in ('RNN', 'LSTM', 'GRU'):
        for a in ({'input_size': 0, 'hidden_size': 2}, {'input_size': 3, 'hidden_size': 0},
                  {'input_size': 3, 'hidden_size': -1}, {'input_size': 3, 'hidden_size': 2, 'num_layers': 0},
                  {'input_size': 3, 'hidden_size': 2, 'num_layers': -1},
                  {'input_size': 3, 'hidden_size': 2, 'dropout': 0.5},
                  {'input_size': 3, 'hidden_size': 2, 'num_layers': 2, 'dropout': 1.5},
                  {'input_size': 4, 'hidden_size': 2}, {'input_size': -1, 'hidden_size': 2},
                  {'input_size': -1, 'hidden_size': 2, 'num_layers': 0}):
            add(typ, a, [5, 1, 3])
    for a in ({'input_size': 3, 'hidden_size': 2, 'proj_size': -1}, {'input_size': 3, 'hidden_size': 2, 'proj_size': 2},
              {'input_size': 3, 'hidden_size': 2, 'proj_size': 1}):
        add('LSTM', a, [5, 1, 3])
    for typ in ('RNNCell', 'LSTMCell', 'GRUCell'):
        for a in ({'input_size': 0, 'hidden_size': 2}, {'input_size': 3, 'hidden_size': 0},
                  {'input_size': 3, 'hidden_size': -1}, {'input_size': 4, 'hidden_size': 2}):
            add(typ, a, [2, 3])
    # self-attention forwards (query = key = value), as a recipe's forward op runs them
    for a in ({'embed_dim': 4, 'num_heads': 3}, {'embed_dim': 4, 'num_heads': 0}, {'embed_dim': 0, 'num_heads': 1},
              {'embed_dim': 4, 'num_heads': 2, 'dropout': 1.5}, {'embed_dim': 4, 'num_heads': -1},
              {'embed_dim': 4, 'num_heads': 2}, {'embed_dim': 4, 'num_heads': -4}, {'embed_dim': 4, 'num_heads': -3},
              {'embed_dim': -4, 'num_heads': 2}, {'embed_dim': 0, 'num_heads': 2}, {'embed_dim': -1, 'num_heads': 0},
              {'embed_dim': 4, 'num_heads': 2, 'kdim': -1}, {'embed_dim': 4, 'num_heads': 2, 'vdim': -2},
              {'embed_dim': 4, 'num_heads': 2, 'dropout': -0.5}, {'embed_dim': 4, 'num_heads': 2, 'dropout': 1.0}):
        add('MultiheadAttention', a, [5, 3, 4])
    for a in ({'num_parameters': 0}, {'num_parameters': -1}, {'num_parameters': 3}, {'num_parameters': 2}):
        add('PReLU', a, [2, 3])
    for a in ({'dim': 2}, {'dim': -3}, {'dim': 1}):
        add('Softmax', a, [2, 3])
    for a in ({'start_dim': 3}, {'start_dim': 1, 'end_dim': 0}, {'start_dim': -3}):
        add('Flatten', a, [2, 3])
    return c


def run():
    import torch
    warnings.simplefilter('ignore')
    out = []
    for typ, args, shape in cases():
        torch.manual_seed(0)
        case = {'type': typ, 'args': args, 'input': shape, 'construct_error': None, 'forward_error': None}
        try:
            m = getattr(torch.nn, typ)(**args)
        except Exception as e:  # noqa: BLE001 - torch's own message is the fixture
            case['construct_error'] = {'type': type(e).__name__, 'message': str(e).split('\n')[0]}
            out.append(case)
            continue
        if shape is not None:
            try:
                x = torch.randn(*shape)
                m(x, x, x) if typ == 'MultiheadAttention' else m(x)
            except Exception as e:  # noqa: BLE001
                case['forward_error'] = {'type': type(e).__name__, 'message': str(e).split('\n')[0]}
        out.append(case)
    return out


def encode(res):
    return json.dumps(res, indent=1).replace('-Infinity', '-1e400').replace('Infinity', '1e400') + '\n'


def by_type(res):
    files = {}
    for c in res['cases']:
        files.setdefault(c['type'], {'meta': res['meta'], 'cases': []})['cases'].append(c)
    return files


def write(res):
    os.makedirs(OUT, exist_ok=True)
    files = by_type(res)
    for name in os.listdir(OUT):   # a type that is gone leaves no stale file
        if name.endswith('.json') and name[:-5] not in files:
            os.unlink(os.path.join(OUT, name))
    for t, obj in files.items():
        with open(os.path.join(OUT, t + '.json'), 'w') as f:
            f.write(encode(obj))
    print('wrote %d cases in %d files to %s' % (len(res['cases']), len(files), OUT))


def verify(old_path):
    """Every case of the old file (its text as the generator writes it) stands in its type's file,
    in the same order, and each file holds nothing else."""
    with open(old_path) as f:
        old = json.load(f)
    want = by_type(old)
    assert sorted(want) == sorted(n[:-5] for n in os.listdir(OUT) if n.endswith('.json'))
    n = 0
    for t, obj in want.items():
        with open(os.path.join(OUT, t + '.json')) as f:
            text = f.read()
        assert text == encode(obj), t
        new = json.loads(text)
        assert new['meta'] == old['meta'], t
        assert [encode(c) for c in new['cases']] == [encode(c) for c in obj['cases']], t
        n += len(new['cases'])
    assert n == len(old['cases'])
    print('%d cases identical in %d files' % (n, len(want)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ('--split', '--verify'):
        if sys.argv[1] == '--verify':
            verify(sys.argv[2])
        else:
            with open(sys.argv[2]) as f:
                write(json.load(f))
        return
    import torch
    res = {'meta': {'torch_version': torch.__version__, 'generator': 'tests/golden/gen_module_args.py'},
           'cases': run()}
    write(res)


if __name__ == '__main__':
    main()
