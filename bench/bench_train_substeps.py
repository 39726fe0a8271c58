#!/usr/bin/python3
"""Any sub-step of a 10,000-step train op within the memory budget, against torch re-running to it
(issue #12: "10,000 steps of a 100k-parameter model with record_every 1: <= 2 GB, any step shown
within 100 ms").

  /usr/bin/python3 bench/bench_train_substeps.py build/bench/bench-train-substeps [steps] [probes]

The model of bench_train_memory.py: a 2-256-256-128-2 Tanh MLP (99,714 parameters) on the xor toy
set (n = 1024), batch 32, Adam(1e-3), one `train` op of 10,000 steps with record_every 1. The C
program loads it into a timeline with the app's snapshot budget (1024 MiB; PS_TIMELINE_BUDGET_MB
changes it) and gets 50 random recorded sub-steps (plus the one with the longest replay) the way
the app's views do; it prints each one's time, the process's peak RSS and the parameters' SHA-256.
torch runs the same loop once in this process, timing the cumulative wall time after each step:
without snapshots, showing step k means re-running to k, so its time to a step is that cumulative
time (setup included). Both report the median and the worst over the same steps, and the script
checks that every probed sub-step's parameters are torch's, bit for bit."""
import hashlib
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import json
import os
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from train_mlp_recipe import mlp_recipe

torch.set_num_threads(1)
exe = sys.argv[1] if len(sys.argv) > 1 else "build/bench/bench-train-substeps"
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
N_PROBES = int(sys.argv[3]) if len(sys.argv) > 3 else 50

RECIPE = mlp_recipe(STEPS, 1)


def sha(model):
    h = hashlib.sha256()
    for p in model.parameters():
        h.update(p.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def torch_run(probes):
    """Cumulative wall and CPU ms to reach each probed step from the start, and the parameters' SHA-256
    there."""
    want = set(probes)
    t0, c0 = time.perf_counter(), time.process_time()
    torch.manual_seed(0)
    X = torch.rand(1024, 2) * 2 - 1
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()
    X = X + 0.1 * torch.randn(1024, 2)
    t = nn.Tanh()
    m = nn.Sequential(nn.Linear(2, 256), t, nn.Linear(256, 256), t, nn.Linear(256, 128), t, nn.Linear(128, 2))
    opt = torch.optim.Adam(m.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    reach, reach_cpu, hashes, step, paused, paused_cpu = {}, {}, {}, 0, 0.0, 0.0
    while step < STEPS:
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(m(xb), yb).backward()
            opt.step()
            step += 1
            if step in want:
                reach[step] = (time.perf_counter() - t0 - paused) * 1e3
                reach_cpu[step] = (time.process_time() - c0 - paused_cpu) * 1e3
                p0, pc0 = time.perf_counter(), time.process_time()
                hashes[step] = sha(m)   # not part of torch's time
                paused += time.perf_counter() - p0
                paused_cpu += time.process_time() - pc0
            if step >= STEPS:
                break
    return reach, reach_cpu, hashes


def main():
    rng = random.Random(1)
    probes = sorted(rng.sample(range(1, STEPS + 1), min(N_PROBES, STEPS)))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "train.json")
        with open(path, "w") as f:
            json.dump(RECIPE, f)
        p = subprocess.run([exe, path] + [str(s) for s in probes], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed: %s" % (exe, p.stderr[-800:]))
    print(p.stdout.splitlines()[0])
    ours = {int(s): (float(ms), h) for s, ms, _, h in
            re.findall(r"probe step=(\d+) ms=([\d.]+) cpu_ms=([\d.]+) sha256=(\w+)", p.stdout)}
    lr = re.search(r"longest-replay step=(\d+) ms=([\d.]+) cpu_ms=([\d.]+) sha256=(\w+)", p.stdout)
    res = dict(re.findall(r"(\w+)=([\d.]+)", re.search(r"^result .*$", p.stdout, re.M).group(0)))
    train = re.search(r"train_ms ([\d.]+) cpu_ms ([\d.]+)", p.stdout)
    longest = int(lr.group(1))
    reach, reach_cpu, hashes = torch_run(probes + [longest])
    torch_times = [reach[s] for s in probes]
    torch_cpu = [reach_cpu[s] for s in probes]
    same = sum(ours[s][1] == hashes[s] for s in probes) + (lr.group(4) == hashes[longest])
    print("Paramscope: train %.0f ms wall, %.0f ms CPU (%d steps, every step recorded), peak RSS %.1f MiB" %
          (float(train.group(1)), float(train.group(2)), STEPS, float(res["peak_rss_mib"])))
    print("Paramscope: any sub-step (%d random + longest replay): median %.2f ms wall / %.2f ms CPU, worst "
          "%.2f ms wall / %.2f ms CPU (longest replay, step %d: %.2f / %.2f ms)" %
          (len(probes), float(res["median_ms"]), float(res["median_cpu_ms"]), float(res["worst_ms"]),
           float(res["worst_cpu_ms"]), longest, float(lr.group(2)), float(lr.group(3))))
    print("torch re-running to the same steps: median %.0f ms wall / %.0f ms CPU, worst %.0f / %.0f ms "
          "(step %d: %.0f / %.0f ms); torch process peak RSS %.1f MiB" %
          (statistics.median(torch_times), statistics.median(torch_cpu), max(torch_times), max(torch_cpu), longest,
           reach[longest], reach_cpu[longest], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print("ratio (medians): Paramscope %.4fx wall, %.4fx CPU of torch's time to a step; load average %.1f" %
          (float(res["median_ms"]) / statistics.median(torch_times),
           float(res["median_cpu_ms"]) / statistics.median(torch_cpu), os.getloadavg()[0]))
    print("parameters bit-identical to torch at %d of %d probed steps" % (same, len(probes) + 1))
    if same != len(probes) + 1:
        raise SystemExit("parameters differ from torch's")


if __name__ == "__main__":
    main()
