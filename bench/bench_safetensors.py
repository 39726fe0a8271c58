#!/usr/bin/python3
"""Runs bench-safetensors (C) and, in the same run, lists and loads the same 2 GiB file the way a
Python reader does (struct + json.loads of the header; numpy.fromfile for one tensor, then torch
.from_numpy). The safetensors package is not installed here, so this is the pure-Python baseline.

Usage: /usr/bin/python3 bench/bench_safetensors.py build/bench/bench-safetensors [path] [repeats]"""
import json, statistics, struct, subprocess, sys, time
import numpy as np
import torch

exe = sys.argv[1]
path = sys.argv[2] if len(sys.argv) > 2 else "/tmp/ps-bench-2g.safetensors"
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 21

out = subprocess.run([exe, path, str(reps)], check=True, capture_output=True, text=True).stdout
print(out, end="")
res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])


def list_py():
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    return header


def load_py(header, name):
    e = header[name]
    begin, end = e["data_offsets"]
    n = struct.unpack("<Q", open(path, "rb").read(8))[0]
    a = np.fromfile(path, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
    return torch.from_numpy(a.reshape(e["shape"]))


tl, td = [], []
for r in range(reps):
    t0 = time.perf_counter()
    h = list_py()
    t1 = time.perf_counter()
    names = [k for k in h if k != "__metadata__"]
    t = load_py(h, names[r % len(names)])
    t2 = time.perf_counter()
    tl.append((t1 - t0) * 1e3)
    td.append((t2 - t1) * 1e3)
ml, md = statistics.median(tl), statistics.median(td)
print(f"python json header list median {ml:8.2f} ms")
print(f"numpy.fromfile + torch load    {md:8.2f} ms median")
print(f"ratio list  (python / paramscope): {ml / float(res['list_ms']):.2f}x")
print(f"ratio load  (python / paramscope): {md / float(res['load_ms']):.2f}x")
