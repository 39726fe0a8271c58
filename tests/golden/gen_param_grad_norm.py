#!/usr/bin/python3
"""The per-parameter gradient norm a train op records (the diagnostics' grad_norm: torch.norm(p.grad, 2),
as clip_grad_norm_ computes each parameter's) against torch 1.13 at ATen's three CPU capabilities
(ATEN_CPU_CAPABILITY=avx2, avx512, default; torch reads it at import, so each runs in its own
interpreter; "default" is the recipe flavour "default"). Writes tests/data/param-grad-norm-golden.json
{"recipe", "capabilities": {cap: {"steps": [the parameters' norms as 8 hex digits each, concatenated,
per step], "params": SHA-256 of the trained parameters' bytes}}} for
tests/doc/test-param-grad-norm.c.

The run is the recipe's torch code: 96 samples X (96, 2), y (96, 3) from numpy (written to
tests/data/param-grad-norm.npz, the recipe's data file); manual_seed(5); a ReLU MLP whose
parameter sizes (74, 37, 1073, 29, 87, 3) leave every remainder the capabilities' norms differ in;
SGD(0.01, momentum 0.9); MSELoss (CrossEntropyLoss at every capability: test-train-random-default,
test-loss-capability); DataLoader(batch_size=16, shuffle=True); 6 steps, each
recorded: torch.norm(p.grad, 2) of every parameter after loss.backward() (the step does not change
.grad), as big-endian float32 hex.

    /usr/bin/python3 tests/golden/gen_param_grad_norm.py
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

SEED, N, BATCH, STEPS = 5, 96, 16, 300
RECIPE = {"format": "paramscope-recipe", "version": 3, "seed": SEED, "root": "model", "ops": [
    {"op": "dataset", "id": "data", "file": "param-grad-norm.npz", "x": "X", "y": "y"},
    {"op": "module", "id": "l0", "type": "Linear", "args": {"in_features": 2, "out_features": 37}},
    {"op": "module", "id": "r0", "type": "ReLU"},
    {"op": "module", "id": "l1", "type": "Linear", "args": {"in_features": 37, "out_features": 29}},
    {"op": "module", "id": "r1", "type": "ReLU"},
    {"op": "module", "id": "l2", "type": "Linear", "args": {"in_features": 29, "out_features": 3}},
    {"op": "module", "id": "model", "type": "Sequential", "children": ["l0", "r0", "l1", "r1", "l2"]},
    {"op": "optimizer", "id": "opt", "type": "SGD", "params": "model", "args": {"lr": 0.01, "momentum": 0.9}},
    {"op": "train", "model": "model", "optimizer": "opt", "data": "data", "loss": {"type": "MSELoss"},
     "batch_size": BATCH, "shuffle": True, "steps": STEPS, "record_every": 1}]}


def fhex(v):
    return struct.pack(">f", v).hex()


def data():
    """X (96, 2) and y (96, 3) float32 from numpy's generator (written to tests/data/param-grad-norm.npz)."""
    import numpy as np
    import torch
    rng = np.random.default_rng(7)
    X = rng.standard_normal((N, 2)).astype(np.float32)
    y = rng.standard_normal((N, 3)).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy(y)


def run_capability():
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset
    torch.set_num_threads(1)
    X, y = data()
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(2, 37), nn.ReLU(), nn.Linear(37, 29), nn.ReLU(), nn.Linear(29, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.MSELoss()
    steps = []
    done = 0
    while done < STEPS:
        for xb, yb in DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
            steps.append("".join(fhex(torch.norm(p.grad.detach(), 2.0).item()) for p in model.parameters()))
            done += 1
            if done == STEPS:
                break
    h = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()
    return {"steps": steps, "params": h}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        json.dump(run_capability(), sys.stdout)
        return
    import torch
    out = {"torch": torch.__version__, "recipe": RECIPE, "capabilities": {}}
    for cap in ["avx2", "avx512", "default"]:
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS="1", OPENBLAS_CORETYPE="Haswell",
                   OPENBLAS_NUM_THREADS="2")
        res = subprocess.run([sys.executable, __file__, "--one"], env=env, check=True, capture_output=True)
        out["capabilities"][cap] = json.loads(res.stdout)
    here = os.path.dirname(os.path.abspath(__file__))
    import numpy as np
    X, y = data()
    np.savez(os.path.join(here, "..", "data", "param-grad-norm.npz"), X=X.numpy(), y=y.numpy())
    path = os.path.join(here, "..", "data", "param-grad-norm-golden.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    caps = out["capabilities"]
    flat = {c: [s[i:i + 8] for s in caps[c]["steps"] for i in range(0, len(s), 8)] for c in caps}
    print("wrote", path, "norms per capability:", len(flat["avx2"]),
          "avx512 != avx2:", sum(a != b for a, b in zip(flat["avx2"], flat["avx512"])),
          "default != avx2:", sum(a != b for a, b in zip(flat["avx2"], flat["default"])), file=sys.stderr)


if __name__ == "__main__":
    main()
