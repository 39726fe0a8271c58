#!/usr/bin/python3
"""Runs bench-conv (C) and torch's nn.Conv2d(64, 64, 3, padding=1) on an (8, 64, 56, 56) input, same
seed, in the same run; prints medians, the ratio (target <= 1.0x), torch's conv backend and the
SHA-256 of both outputs (both run oneDNN through the same libdnnl: identical bits expected).

The two are timed alternately, several rounds each, so that load from other processes on a shared
machine hits both alike; the reported ratio is of the overall medians.

Usage: /usr/bin/python3 bench/bench_conv_torch.py build/bench/bench-conv [repeats rounds batch]"""
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

exe = sys.argv[1]
reps, rounds, batch = (int(a) for a in (sys.argv[2:5] + ["10", "3", "8"][len(sys.argv[2:5]):]))

torch.manual_seed(0)
m = torch.nn.Conv2d(64, 64, 3, padding=1)
x = torch.randn(batch, 64, 56, 56)
backend = torch._C._select_conv_backend(x, m.weight, m.bias, [1, 1], [1, 1], [1, 1], False, [0, 0], 1)

with torch.no_grad():
    y = m(x)
    m(x)
c_times, t_times, c_mins, t_mins = [], [], [], []
with tempfile.TemporaryDirectory() as tmp:
    dump = os.path.join(tmp, 'y.f32')
    for rnd in range(rounds):
        args = [exe, str(reps), str(batch)] + ([dump] if rnd == 0 else [])
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        if rnd == 0:
            print(out.splitlines()[0])
            yc = np.fromfile(dump, dtype=np.float32).reshape(tuple(y.shape))
        res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])
        c_times.append(float(res["median_ms"]))
        c_mins.append(float(res["min_ms"]))
        ts = []
        with torch.no_grad():
            for _ in range(reps):
                t0 = time.perf_counter()
                y = m(x)
                ts.append((time.perf_counter() - t0) * 1e3)
        t_times.append(statistics.median(ts))
        t_mins.append(min(ts))

yt = y.numpy()
d = np.abs(yc.astype(np.float64) - yt)
c_med, t_med = statistics.median(c_times), statistics.median(t_times)
print(f"torch {torch.__version__} nn.Conv2d(64->64, 3x3, pad 1) x({batch}, 64, 56, 56)  median {t_med:8.3f} ms "
      f"(threads: torch {torch.get_num_threads()}, backend {backend})")
print(f"per-round medians  paramscope {['%.2f' % v for v in c_times]}  torch {['%.2f' % v for v in t_times]}")
print(f"ratio paramscope/torch: {c_med / t_med:.3f}x of medians, {min(c_mins) / min(t_mins):.3f}x of minima "
      f"(paramscope {min(c_mins):.2f} ms, torch {min(t_mins):.2f} ms) (target <= 1.0x)")
print(f"sha256 paramscope {hashlib.sha256(yc.tobytes()).hexdigest()[:16]}  torch "
      f"{hashlib.sha256(np.ascontiguousarray(yt).tobytes()).hexdigest()[:16]}  bits identical: "
      f"{'yes' if yc.tobytes() == np.ascontiguousarray(yt).tobytes() else 'NO'}")
print(f"outputs: {np.mean(yc != yt) * 100:.1f} % differ in bits, max abs {d.max():.3g}, "
      f"max |c-t|/(1e-5+1e-4|t|) {np.max(d / (1e-5 + 1e-4 * np.abs(yt))):.3f}")
