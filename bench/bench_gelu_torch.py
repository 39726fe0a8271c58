#!/usr/bin/python3
"""Runs bench-gelu (C) and torch's GELU (approximate='none') forward and backward on a 4096x4096
input, same seed, alternately in the same run; prints medians, ratios (target <= 1.0x) and whether
both produced identical bits (both run oneDNN's eltwise_gelu_erf through the same libdnnl).

Usage: /usr/bin/python3 bench/bench_gelu_torch.py build/bench/bench-gelu [reps rounds]"""
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def bits_hash(t):
    """Σ bits[i]·(2i+1) mod 2^64 over the float32 bit patterns (as bench-gelu.c)."""
    b = t.contiguous().numpy().view(np.uint32).reshape(-1).astype(np.uint64)
    w = np.arange(b.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return '%016x' % int((b * w).sum(dtype=np.uint64))


exe = sys.argv[1]
reps, rounds = (int(a) for a in (sys.argv[2:4] + ["11", "3"][len(sys.argv[2:4]):]))
torch.manual_seed(0)
x = torch.randn(4096, 4096)
gy = torch.randn(4096, 4096)
y = F.gelu(x)
gx = torch.ops.aten.gelu_backward(gy, x)
hf, hb = bits_hash(y), bits_hash(gx)
cf, cb, tf, tb = [], [], [], []
for rnd in range(rounds):
    out = subprocess.run([exe, str(reps)], check=True, capture_output=True, text=True).stdout
    res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])
    if rnd == 0:
        print(out.splitlines()[0])
        same_f, same_b = res["fwd_hash"] == hf, res["bwd_hash"] == hb
    cf.append(float(res["fwd_ms"]))
    cb.append(float(res["bwd_ms"]))
    f, b = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        F.gelu(x)
        t1 = time.perf_counter()
        torch.ops.aten.gelu_backward(gy, x)
        t2 = time.perf_counter()
        f.append((t1 - t0) * 1e3)
        b.append((t2 - t1) * 1e3)
    tf.append(statistics.median(f))
    tb.append(statistics.median(b))
print(f"torch {torch.__version__} GELU 4096x4096  forward median {statistics.median(tf):8.3f} ms  backward median "
      f"{statistics.median(tb):8.3f} ms  (torch threads {torch.get_num_threads()})")
print(f"ratio paramscope/torch: forward {statistics.median(cf) / statistics.median(tf):.3f}x, backward "
      f"{statistics.median(cb) / statistics.median(tb):.3f}x of medians (target <= 1.0x)")
print(f"bits identical: forward {'yes' if same_f else 'NO'} ({hf}), backward {'yes' if same_b else 'NO'} ({hb})")
