#!/usr/bin/python3
"""Golden reprs: torch 1.13's repr() of every module that constructs in the generated argument
table (tests/data/module-args.json, from gen_module_args_table.py) — the literals as torch prints
them, e.g. BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=2, track_running_stats=True) for
affine=2 — written to tests/data/module-args-reprs.json for /module-args/reprs in
tests/doc/test-module-args.c (issue #10).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_module_args_reprs.py

Each entry: {"i": the case's index in module-args.json, "p": repr(module)}. Only cases whose
result is "ok" or "forward" (the module op succeeded in torch) are listed.
"""
import json
import math
import os
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, '..', 'data', 'module-args.json')
OUT = os.path.join(HERE, '..', 'data', 'module-args-reprs.json')


def dec(v):
    """The table's spelling back to Python: "nan" is NaN (1e400 already reads as inf)."""
    if v == 'nan':
        return math.nan
    if isinstance(v, list):
        return [dec(x) for x in v]
    return v


def main():
    import torch
    warnings.simplefilter('ignore')
    cases = json.load(open(TABLE))['cases']
    out = []
    for i, c in enumerate(cases):
        if c['r'] not in ('ok', 'forward'):
            continue
        args = {k: dec(v) for k, v in c['a'].items()}
        torch.manual_seed(0)
        m = getattr(torch.nn, c['t'])(**args)
        out.append({'i': i, 'p': repr(m)})
    with open(OUT, 'w') as f:
        f.write('{"meta": {"torch_version": %s, "generator": "tests/golden/gen_module_args_reprs.py"},\n "reprs": [\n'
                % json.dumps(torch.__version__))
        f.write(',\n'.join(json.dumps(e) for e in out))
        f.write('\n]}\n')
    print('wrote %d reprs to %s' % (len(out), OUT))


if __name__ == '__main__':
    main()
