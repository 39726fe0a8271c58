#!/usr/bin/python3
"""Snapshot memory: Paramscope's copy-on-write timeline against the obvious PyTorch way of keeping
every step (a deep copy of the state_dict after each step), for the bench-timeline scenario: a
10M-parameter model (10 x Linear(1000, 1000)) and steps that each re-initialize one 1000-float bias.

Runs build/bench/bench-timeline (1000 steps, all kept) and, in the same session, torch with
state_dict deep copies for a few steps, extrapolating its memory per kept step; prints medians of
the per-step time and the memory ratio.

Usage: /usr/bin/python3 bench/bench_timeline_torch.py build/bench/bench-timeline [torch_steps]
"""
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else 'build/bench/bench-timeline'
    torch_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    out = subprocess.run([exe], capture_output=True, text=True).stdout
    print(out, end='')
    storage_mb = float(re.search(r'across all snapshots: ([0-9.]+) MB', out).group(1))
    c_us = float(re.search(r'median ([0-9.]+) us', out).group(1))
    n_steps = 1000

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(1000, 1000) for _ in range(10)])
    fns = [nn.init.normal_, nn.init.zeros_, nn.init.ones_, nn.init.uniform_]
    snapshots, times = [], []
    for k in range(torch_steps):
        t0 = time.perf_counter()
        with torch.no_grad():
            fns[k % 4](model[k % 10].bias)
        snapshots.append({n: t.clone() for n, t in model.state_dict().items()})
        times.append((time.perf_counter() - t0) * 1e6)
    per_snapshot_mb = sum(t.numel() * t.element_size() for t in snapshots[0].values()) / 1e6
    torch_mb = per_snapshot_mb * (n_steps + 1)
    print('torch, state_dict deep copy per step: median %.0f us per step, %.1f MB per kept step '
          '-> %.0f MB for %d steps (extrapolated from %d)' % (statistics.median(times), per_snapshot_mb,
                                                             torch_mb, n_steps, torch_steps))
    print('memory torch/Paramscope: %.0fx; time per step torch/Paramscope: %.1fx'
          % (torch_mb / storage_mb, statistics.median(times) / c_us))


if __name__ == '__main__':
    main()
