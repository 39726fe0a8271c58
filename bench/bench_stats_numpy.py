#!/usr/bin/python3
"""Runs bench-stats (C) and times numpy on the same data in the same run; prints medians and ratios.

Usage: /usr/bin/python3 bench/bench_stats_numpy.py build/bench/bench-stats [n] [repeats]"""
import subprocess, sys, time, statistics
import numpy as np

exe = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 64 << 20
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 7

out = subprocess.run([exe, str(n), str(reps)], check=True, capture_output=True, text=True).stdout
print(out, end="")
res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])
fused = float(res["fused_ms"])

# The same shape of data as the C program (a sum of 4 uniforms in [-2, 2)); generating the C
# program's LCG sequence in numpy would be slow, and the histogram's speed depends only on the
# distribution, so numpy's own generator is used.
x = np.empty(n, dtype=np.float32)
rng = np.random.default_rng(12345)
x[:] = (rng.random(n, dtype=np.float32) + rng.random(n, dtype=np.float32) +
        rng.random(n, dtype=np.float32) + rng.random(n, dtype=np.float32) - 2.0)

def t(f):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)

th = t(lambda: np.histogram(x, bins=256, range=(-2.0, 2.0)))
ts = t(lambda: (x.mean(), x.std(), x.min(), x.max()))
print(f"numpy.histogram(256 bins)   median {th:8.2f} ms")
print(f"numpy mean+std+min+max      median {ts:8.2f} ms")
print(f"speed-up of one-pass stats+histogram over numpy.histogram alone: {th / fused:.2f}x (target >= 5x)")
print(f"speed-up over numpy histogram + stats: {(th + ts) / fused:.2f}x")
