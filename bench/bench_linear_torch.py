#!/usr/bin/python3
"""Runs bench-linear (C) and torch's nn.Linear on the same seed in the same run; prints medians,
the ratio (target <= 1.05x) and whether the outputs are bit-identical.

The two are timed alternately, several rounds each, so that load from other processes on a shared
machine hits both alike; the reported ratio is of the overall medians.

Usage: /usr/bin/python3 bench/bench_linear_torch.py build/bench/bench-linear [batch in out repeats rounds]"""
import statistics
import subprocess
import sys
import time

import torch

exe = sys.argv[1]
batch, fin, fout, reps, rounds = (int(a) for a in (sys.argv[2:7] + ["256", "4096", "4096", "15", "3"][len(sys.argv[2:7]):]))

torch.manual_seed(0)
m = torch.nn.Linear(fin, fout)
x = torch.empty(batch, fin).uniform_(-1, 1)


def fnv(b):
    h = 0xcbf29ce484222325
    for byte in b:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


with torch.no_grad():
    y = m(x)
    m(x)
torch_hash = None
c_times, t_times, c_mins, t_mins = [], [], [], []
c_hash = None
for rnd in range(rounds):
    out = subprocess.run([exe, str(batch), str(fin), str(fout), str(reps)], check=True, capture_output=True,
                         text=True).stdout
    if rnd == 0:
        print(out.splitlines()[0])
    res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])
    c_times.append(float(res["median_ms"]))
    c_mins.append(float(res["min_ms"]))
    c_hash = res["hash"]
    ts = []
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            y = m(x)
            ts.append((time.perf_counter() - t0) * 1e3)
    t_times.append(statistics.median(ts))
    t_mins.append(min(ts))

if torch_hash is None:
    # hashing 4M bytes in Python is slow; only do it once, at the end
    torch_hash = "%016x" % fnv(y.numpy().tobytes())
c_med, t_med = statistics.median(c_times), statistics.median(t_times)
print(f"torch {torch.__version__} nn.Linear({fin}->{fout}) x({batch}, {fin})  median {t_med:8.3f} ms "
      f"(threads: torch {torch.get_num_threads()})")
print(f"per-round medians  paramscope {['%.2f' % v for v in c_times]}  torch {['%.2f' % v for v in t_times]}")
print(f"ratio paramscope/torch: {c_med / t_med:.3f}x of medians (target <= 1.05x), "
      f"{min(c_mins) / min(t_mins):.3f}x of minima ({min(c_mins):.2f} vs {min(t_mins):.2f} ms)")
print(f"outputs bit-identical: {c_hash == torch_hash} (paramscope {c_hash}, torch {torch_hash})")
