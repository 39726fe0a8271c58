#!/usr/bin/python3
"""Training steps per second, Paramscope's train op against torch 1.13 in the same run, and whether
the trained parameters are bit-identical.

  /usr/bin/python3 bench/bench_train_torch.py build/bench/bench-train [case ...]

Cases (targets from issue #12):
  mlp      2-16-2 Tanh MLP on the xor toy set (n = 1024), batch 32, SGD(0.1, momentum 0.9), 2000 steps
           (target: >= 20x torch's steps/s)
  fmnist   784-256-256-10 ReLU MLP on Fashion-MNIST (first 6000 training images), batch 128,
           Adam(1e-3), 200 steps (target: >= 1.5x torch's steps/s)
  convnet  Conv2d(1, 8, 3) -> ReLU -> MaxPool2d(2) -> Conv2d(8, 16, 3) -> ReLU -> MaxPool2d(2) -> Flatten
           -> Linear(400, 10) on Fashion-MNIST 28x28 (first 6000 training images), batch 64,
           SGD(0.01, momentum 0.9), 100 steps (target: <= 1.0x torch's time, i.e. >= 1.0x its steps/s)
For each case the recipe is written to a temporary file; the C program and torch are timed
alternately (rounds) so load on a shared machine hits both alike; medians are reported, of the wall
time and of the process CPU time (every thread, OpenBLAS's too; less inflated by other processes on a
shared machine), with the load average at the end. The train op
records only its last step (record_every = steps), as a plain torch loop records nothing."""
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
exe = sys.argv[1]
cases = sys.argv[2:] or ["mlp", "fmnist", "convnet"]
ROUNDS = 3


def fnv(chunks):
    h = 0xcbf29ce484222325
    for b in chunks:
        for byte in b:
            h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def mlp_case():
    steps = 2000
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": 0, "root": "m", "ops": [
        {"op": "dataset", "id": "d", "type": "xor", "args": {"n": 1024}},
        {"op": "module", "id": "a", "type": "Linear", "args": {"in_features": 2, "out_features": 16}},
        {"op": "module", "id": "t", "type": "Tanh"},
        {"op": "module", "id": "b", "type": "Linear", "args": {"in_features": 16, "out_features": 2}},
        {"op": "module", "id": "m", "type": "Sequential", "children": ["a", "t", "b"]},
        {"op": "optimizer", "id": "o", "type": "SGD", "params": "m", "args": {"lr": 0.1, "momentum": 0.9}},
        {"op": "train", "model": "m", "optimizer": "o", "data": "d", "loss": {"type": "CrossEntropyLoss"},
         "batch_size": 32, "shuffle": True, "steps": steps, "record_every": steps}]}

    def setup():
        torch.manual_seed(0)
        X = torch.rand(1024, 2) * 2 - 1
        y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()
        X = X + 0.1 * torch.randn(1024, 2)
        m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        return m, opt, DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True), nn.CrossEntropyLoss()
    return recipe, setup, steps, 20.0


def fmnist_case():
    steps, limit = 200, 6000
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": 0, "root": "m", "ops": [
        {"op": "dataset", "id": "d", "type": "fashion_mnist", "args": {"split": "train", "limit": limit}},
        {"op": "module", "id": "f", "type": "Flatten"},
        {"op": "module", "id": "l1", "type": "Linear", "args": {"in_features": 784, "out_features": 256}},
        {"op": "module", "id": "r", "type": "ReLU"},
        {"op": "module", "id": "l2", "type": "Linear", "args": {"in_features": 256, "out_features": 256}},
        {"op": "module", "id": "l3", "type": "Linear", "args": {"in_features": 256, "out_features": 10}},
        {"op": "module", "id": "m", "type": "Sequential", "children": ["f", "l1", "r", "l2", "r", "l3"]},
        {"op": "optimizer", "id": "o", "type": "Adam", "params": "m", "args": {"lr": 0.001}},
        {"op": "train", "model": "m", "optimizer": "o", "data": "d", "loss": {"type": "CrossEntropyLoss"},
         "batch_size": 128, "shuffle": True, "steps": steps, "record_every": steps}]}

    def setup():
        d = "/usr/share/datasets/fashion-mnist"
        with gzip.open(f"{d}/train-images-idx3-ubyte.gz") as f:
            X = torch.tensor(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:limit].copy())
        with gzip.open(f"{d}/train-labels-idx1-ubyte.gz") as f:
            y = torch.tensor(np.frombuffer(f.read(), np.uint8, offset=8)[:limit].astype(np.int64))
        X = X.float() / 255
        torch.manual_seed(0)
        r = nn.ReLU()
        m = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), r, nn.Linear(256, 256), r, nn.Linear(256, 10))
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        return m, opt, DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True), nn.CrossEntropyLoss()
    return recipe, setup, steps, 1.5


def fmnist_tensors(limit):
    """The fashion_mnist dataset op's torch code: pixels / 255 as float32 (N, 1, 28, 28), int64 labels."""
    d = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{d}/train-images-idx3-ubyte.gz") as f:
        X = torch.tensor(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:limit].copy())
    with gzip.open(f"{d}/train-labels-idx1-ubyte.gz") as f:
        y = torch.tensor(np.frombuffer(f.read(), np.uint8, offset=8)[:limit].astype(np.int64))
    return X.float() / 255, y


def convnet_case():
    steps, limit = 100, 6000
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": 0, "root": "m", "ops": [
        {"op": "dataset", "id": "d", "type": "fashion_mnist", "args": {"split": "train", "limit": limit}},
        {"op": "module", "id": "c1", "type": "Conv2d", "args": {"in_channels": 1, "out_channels": 8, "kernel_size": 3}},
        {"op": "module", "id": "r1", "type": "ReLU"},
        {"op": "module", "id": "p1", "type": "MaxPool2d", "args": {"kernel_size": 2}},
        {"op": "module", "id": "c2", "type": "Conv2d", "args": {"in_channels": 8, "out_channels": 16, "kernel_size": 3}},
        {"op": "module", "id": "r2", "type": "ReLU"},
        {"op": "module", "id": "p2", "type": "MaxPool2d", "args": {"kernel_size": 2}},
        {"op": "module", "id": "f", "type": "Flatten"},
        {"op": "module", "id": "l", "type": "Linear", "args": {"in_features": 400, "out_features": 10}},
        {"op": "module", "id": "m", "type": "Sequential", "children": ["c1", "r1", "p1", "c2", "r2", "p2", "f", "l"]},
        {"op": "optimizer", "id": "o", "type": "SGD", "params": "m", "args": {"lr": 0.01, "momentum": 0.9}},
        {"op": "train", "model": "m", "optimizer": "o", "data": "d", "loss": {"type": "CrossEntropyLoss"},
         "batch_size": 64, "shuffle": True, "steps": steps, "record_every": steps}]}

    def setup():
        X, y = fmnist_tensors(limit)
        torch.manual_seed(0)
        m = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        return m, opt, DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True), nn.CrossEntropyLoss()
    return recipe, setup, steps, 1.0


def torch_run(setup, steps):
    m, opt, loader, loss_fn = setup()
    t0, c0 = time.perf_counter(), time.process_time()
    step = 0
    while step < steps:
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(m(xb), yb)
            loss.backward()
            opt.step()
            step += 1
            if step >= steps:
                break
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    h = fnv(p.detach().numpy().tobytes() for p in m.parameters())
    return dt * 1e3, dc * 1e3, h, loss.item()


for name in cases:
    recipe, setup, steps, target = {"mlp": mlp_case, "fmnist": fmnist_case, "convnet": convnet_case}[name]()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(recipe, f)
        path = f.name
    c_ms, t_ms, c_cpu, t_cpu = [], [], [], []
    for rnd in range(ROUNDS):
        out = subprocess.run([exe, path, "1"], check=True, capture_output=True, text=True).stdout
        res = dict(kv.split("=") for kv in out.strip().splitlines()[-1].split()[1:])
        c_ms.append(float(res["median_ms"]))
        c_cpu.append(float(res["cpu_ms"]))
        c_hash = int(res["hash"], 16)
        ms, cpu, t_hash, t_loss = torch_run(setup, steps)
        t_ms.append(ms)
        t_cpu.append(cpu)
    os.unlink(path)
    c, t = statistics.median(c_ms), statistics.median(t_ms)
    print(f"{name}: {steps} steps  paramscope {c:9.1f} ms ({steps / c * 1e3:8.1f} steps/s)  "
          f"torch {t:9.1f} ms ({steps / t * 1e3:8.1f} steps/s)  speed-up {t / c:5.2f}x (target >= {target}x)  "
          f"parameters {'bit-identical' if c_hash == t_hash else 'DIFFER'}")
    print(f"  rounds: paramscope {['%.1f' % v for v in c_ms]} ms, torch {['%.1f' % v for v in t_ms]} ms")
    cc, tc = statistics.median(c_cpu), statistics.median(t_cpu)
    print(f"  process CPU time (all threads), medians: paramscope {cc:.1f} ms, torch {tc:.1f} ms, "
          f"ratio {tc / cc:.2f}x; load average {os.getloadavg()[0]:.2f}")
