#!/usr/bin/python3
"""Golden: load_state_dict of int64 tensors into a float Linear (param.copy_ converts int64 → float32,
rounding to nearest), and of a float num_batches_tracked into BatchNorm's int64 buffer (truncation).
Writes tests/data/load-convert.pt and tests/data/load-convert-golden.json (float32 bit patterns /
int64 values after loading), for tests/test-module-args.c.

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_load_convert.py
"""
import json
import os
import struct

import torch

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data')


def main():
    w = torch.tensor([[0, 1, -1], [2**24 + 1, 2**53 + 1, -(2**63)], [2**63 - 1, 123456789, -987654321]],
                     dtype=torch.int64)
    b = torch.tensor([16777217, -16777219, 7], dtype=torch.int64)
    lin = torch.nn.Linear(3, 3)
    lin.load_state_dict({'weight': w, 'bias': b})
    bn = torch.nn.BatchNorm1d(2)
    sd = {'weight': torch.ones(2), 'bias': torch.zeros(2), 'running_mean': torch.zeros(2),
          'running_var': torch.ones(2), 'num_batches_tracked': torch.tensor(7.9)}
    bn.load_state_dict(sd)
    torch.save({'weight': w, 'bias': b}, os.path.join(DATA, 'load-convert.pt'))
    torch.save(sd, os.path.join(DATA, 'load-convert-bn.pt'))

    def bits(t):
        return [struct.unpack('<I', struct.pack('<f', v))[0] for v in t.detach().flatten().tolist()]
    golden = {'torch': torch.__version__, 'weight': bits(lin.weight), 'bias': bits(lin.bias),
              'num_batches_tracked': int(bn.num_batches_tracked)}
    with open(os.path.join(DATA, 'load-convert-golden.json'), 'w') as f:
        f.write(json.dumps(golden, indent=1) + '\n')


if __name__ == '__main__':
    main()
