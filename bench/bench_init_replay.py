#!/usr/bin/python3
"""Replays a 4096x4096 Linear with its default init, then normal_, xavier_uniform_, kaiming_normal_
and trunc_normal_ on its weight: `paramscope-cli run RECIPE` as a whole process (start-up, recipe
parsing, the timeline's snapshots, exit) against the same ops in torch 1.13 in-process (after
import), alternately, several rounds; prints medians, the ratio (target <= 0.7x) and whether the
final weight and bias have identical bits (one extra run writes the C state_dict).

Usage: /usr/bin/python3 bench/bench_init_replay.py build/src/cli/paramscope-cli [rounds]"""
import hashlib
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn
from torch.nn import init

N = 4096
OPS = [("normal_", {}), ("xavier_uniform_", {}), ("kaiming_normal_", {}), ("trunc_normal_", {})]


def recipe():
    ops = [{"op": "module", "id": "fc", "type": "Linear", "args": {"in_features": N, "out_features": N}}]
    for fn, args in OPS:
        op = {"op": "init", "target": "fc.weight", "fn": fn}
        if args:
            op["args"] = args
        ops.append(op)
    return {"format": "paramscope-recipe", "version": 1, "seed": 0, "root": "fc", "ops": ops}


def torch_replay():
    torch.manual_seed(0)
    fc = nn.Linear(N, N)
    for fn, args in OPS:
        getattr(init, fn)(fc.weight, **args)
    return fc


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data[a:b], dtype=np.float32).reshape(v["shape"])
    return out


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "build/src/cli/paramscope-cli"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory() as tmp:
        rpath = os.path.join(tmp, "init.recipe.json")
        with open(rpath, "w") as f:
            json.dump(recipe(), f)
        spath = os.path.join(tmp, "state.safetensors")
        subprocess.run([cli, "run", rpath, "--state-dict", spath], check=True)
        st = read_safetensors(spath)
        fc = torch_replay()
        same = all(st[k].tobytes() == p.detach().numpy().tobytes() for k, p in fc.state_dict().items())
        torch_replay()   # warm-up
        c_times, t_times, c_cpu, t_cpu = [], [], [], []
        for _ in range(rounds):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([cli, "run", rpath], check=True)
            c_times.append((time.perf_counter() - t0) * 1e3)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            c_cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3)
            p0 = time.process_time()   # user + sys of every thread of this process
            t0 = time.perf_counter()
            torch_replay()
            t_times.append((time.perf_counter() - t0) * 1e3)
            t_cpu.append((time.process_time() - p0) * 1e3)
    cm, tm = statistics.median(c_times), statistics.median(t_times)
    ccm, tcm = statistics.median(c_cpu), statistics.median(t_cpu)
    print(f"Linear({N},{N}) default init + {', '.join(f for f, _ in OPS)}; {rounds} rounds, alternating")
    print(f"paramscope-cli run (whole process) median {cm:8.1f} ms  {['%.0f' % v for v in c_times]}")
    print(f"torch {torch.__version__} in-process   median {tm:8.1f} ms  {['%.0f' % v for v in t_times]} "
          f"(torch threads {torch.get_num_threads()})")
    print(f"ratio paramscope/torch: {cm / tm:.3f}x of medians (target <= 0.7x)")
    # CPU time (user + sys) does not depend on what else runs on the machine, wall time does
    print(f"CPU time (user+sys): paramscope-cli median {ccm:8.1f} ms, torch median {tcm:8.1f} ms, "
          f"ratio {ccm / tcm:.3f}x")
    print(f"weight sha256 paramscope {sha(st['weight'])} torch {sha(fc.weight.detach().numpy())}; "
          f"state_dict bits identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
