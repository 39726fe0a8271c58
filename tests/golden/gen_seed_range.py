#!/usr/bin/python3
"""Golden table: seeds at the edges of what torch.manual_seed takes (-2^63 .. 2^64-1, negative
ones mod 2^64), for tests/test-module-args.c (tests/data/seed-range-golden.json).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_seed_range.py

Strings are what torch.manual_seed does with them too: int(s) ('3' -> 3, ' -3 ' -> -3 mod 2^64,
'3.5' refused with Python's message), and True/False are 1/0.

Float seeds are what torch.manual_seed does with them: int(x) (1.5 -> 1, -1.5 -> -1), NaN and
infinity refused as int() refuses them. In a recipe NaN is the string "nan" and infinity 1e999.

Each case: {seed (the JSON text of the seed), error: null | message, initial_seed (decimal text),
            weight: uniform_ of a (1, 4) tensor right after manual_seed,
            linear_weight: nn.Linear(4, 1, bias=False).weight right after manual_seed,
            both as float32 bit patterns}.
"""
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'seed-range-golden.json')

SEEDS = [0, 1, 2**31, 2**32 + 7, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1, -1, -2, -2**63,
         2**64, 2**65, -2**63 - 1, -2**64,
         1.5, -1.5, 2.0, 0.99, -0.5, 1e19, 9.3e18, -9.2e18, 1e20, 1.8446744073709552e19, -1e19,
         float('inf'), float('-inf'), float('nan'),
         # strings are int(s) (Python's base-10 literal), bools are ints
         '3', '-3', ' 3', '+3', '1_000', '\t7\n', '0003', '  -0 ', '\u0663', '\uff13', '3\u00a0', '\x85 3',
         '18446744073709551615', '18446744073709551616', '-9223372036854775808', '-9223372036854775809',
         '3.5', '0x10', '1e3', '', 'abc', '1__0', '_1', '1_', '-', '- 3', "a'b", '\u00e9', '3\x01',
         '0' * 4301 + '3', True, False]


def json_text(s):
    """The seed as a recipe writes it: NaN as the string "nan", infinity as 1e999."""
    if isinstance(s, float) and s != s:
        return '"nan"'
    if s == float('inf'):
        return '1e999'
    if s == float('-inf'):
        return '-1e999'
    if isinstance(s, (str, bool)):
        return json.dumps(s)
    return repr(s)


def bits(t):
    return [struct.unpack('<I', struct.pack('<f', v))[0] for v in t.detach().flatten().tolist()]


def main():
    out = []
    for s in SEEDS:
        case = {'seed': json_text(s), 'error': None, 'initial_seed': None, 'weight': None, 'linear_weight': None}
        try:
            g = torch.manual_seed(s)
        except (RuntimeError, ValueError, OverflowError) as e:
            case['error'] = str(e)
            out.append(case)
            continue
        case['initial_seed'] = str(g.initial_seed())
        w = torch.empty(1, 4)
        torch.nn.init.uniform_(w)
        case['weight'] = bits(w)
        torch.manual_seed(s)
        case['linear_weight'] = bits(torch.nn.Linear(4, 1, bias=False).weight)
        out.append(case)
    with open(OUT, 'w') as f:
        f.write(json.dumps({'torch': torch.__version__, 'cases': out}, indent=1) + '\n')


if __name__ == '__main__':
    main()
