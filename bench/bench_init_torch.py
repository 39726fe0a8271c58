#!/usr/bin/python3
"""Times torch.nn.init.kaiming_uniform_ and normal_ on 4096x4096 (torch 1.13, /usr/bin/python3)
and runs bench-init (the C build) in the same session; prints medians, the ratio C/torch and
whether both produced identical bits (a hash of the first result after manual_seed(0)).

Usage: /usr/bin/python3 bench/bench_init_torch.py build/bench/bench-init [reps]
       ATEN_CPU_CAPABILITY=default /usr/bin/python3 bench/bench_init_torch.py ...   (DEFAULT flavour)
       PS_RNG_NO_SIMD=1 ...   (the C side uses its portable kernels)
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from torch.nn import init


def bits_hash(t):
    """Σ bits[i]·(2i+1) mod 2^64 over the float32 bit patterns (same as bench-init.c)."""
    b = t.contiguous().numpy().view(np.uint32).reshape(-1).astype(np.uint64)
    w = np.arange(b.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return '%016x' % int((b * w).sum(dtype=np.uint64))


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else 'build/bench/bench-init'
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    rows = cols = 4096
    torch.set_num_threads(1)
    c = {}
    # ATEN_CPU_CAPABILITY=default in the environment benchmarks the DEFAULT flavour on both sides
    flavour = 'default' if os.environ.get('ATEN_CPU_CAPABILITY') == 'default' else 'avx2'
    out = subprocess.run([exe, str(reps), str(rows), str(cols), flavour], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        c[r['fn']] = r
    w = torch.empty(rows, cols)
    fns = {'kaiming_uniform_': lambda: init.kaiming_uniform_(w),
           'normal_': lambda: init.normal_(w)}
    print('4096x4096 float32, flavour %s, %d repetitions, medians' % (flavour, reps))
    print('%-18s %12s %12s %8s  %s' % ('function', 'torch ms', 'C ms', 'C/torch', 'bits'))
    for name, fn in fns.items():
        torch.manual_seed(0)
        times = []
        for r in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
            if r == 0:
                h = bits_hash(w)
        tm = statistics.median(times)
        cm = c[name]['median_ms']
        same = 'identical' if h == c[name]['bits_hash'] else 'DIFFERENT'
        print('%-18s %12.2f %12.2f %8.3f  %s' % (name, tm, cm, cm / tm, same))


if __name__ == '__main__':
    main()
