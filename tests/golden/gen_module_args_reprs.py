#!/usr/bin/python3
"""Golden reprs: torch 1.13's repr() of every module that constructs in the generated argument
table (tests/data/module-args/, from gen_module_args_table.py) — the literals as torch prints
them, e.g. BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=2, track_running_stats=True) for
affine=2 — written to tests/data/module-args-reprs/<Type>.json (one file a layer type:
module_args_split.py) for /module-args/reprs in tests/doc/test-module-args.c (issue #10).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_module_args_reprs.py

Each entry: {"i": the case's index in module-args/<Type>.json, "p": repr(module)}. Only cases whose
result is "ok" or "forward" (the module op succeeded in torch) are listed.
"""
import json
import math
import warnings

import module_args_split


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
    out, seen = {}, {}
    for t, c in module_args_split.read_table():
        i = seen.get(t, 0)
        seen[t] = i + 1
        if c['r'] not in ('ok', 'forward'):
            continue
        args = {k: dec(v) for k, v in c['a'].items()}
        torch.manual_seed(0)
        m = getattr(torch.nn, c['t'])(**args)
        out.setdefault(t, []).append((i, repr(m)))
    meta = '{"torch_version": %s, "generator": "tests/golden/gen_module_args_reprs.py"}' % json.dumps(torch.__version__)
    module_args_split.write_reprs(meta, out)
    print('wrote %d reprs' % sum(len(v) for v in out.values()))


if __name__ == '__main__':
    main()
