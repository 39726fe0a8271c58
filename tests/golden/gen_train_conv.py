#!/usr/bin/python3
"""Golden data for convnets trained from recipes (tests/doc/test-train-conv.c).

Run with Debian's torch 1.13.1, pinned as tests/meson.build pins the C side:
  ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \\
    /usr/bin/python3 tests/golden/gen_train_conv.py
Writes tests/data/train-conv-golden.json {"runs": [{"name", "record": [{"loss", "params", "grads",
"buffers"}], "probe"}]} and, per run, tests/data/train-conv/NAME.recipe.json (+ NAME.npz or
NAME.X.npy and NAME.y.npy for file data). Tensors of up to 64 elements are {"shape", "hex"} (big-endian float32 hex as
tests/golden/layer_cases.py), larger ones {"shape", "sha256"} of the little-endian float32 bytes.
With --export (after `PS_EXPORT_WRITE=1 build/tests/test-train-conv` wrote NAME.export.py) it
runs those exported scripts with torch into NAME.export.json (tests/golden/run_export.py).

Each run is the recipe's torch code: manual_seed(seed); the data set; model = nn.Sequential(*layers)
(default init); optimizer; loader = DataLoader(TensorDataset(X, y), batch_size, shuffle=True);
per batch: zero_grad(); loss_fn(model(xb), yb).backward(); step() — every step recorded.
  fmnist-convnet  the first 193 Fashion-MNIST training images (Debian's dataset-fashion-mnist, read
                  from the idx files as pixels/255 in float32, shape (N, 1, 28, 28)): Conv2d → ReLU
                  → MaxPool2d → Conv2d → BatchNorm2d → ReLU → AvgPool2d → Flatten → Linear, Adam;
                  batches of 32 run oneDNN's convolutions, the last one (1 image) Slow2d
  conv1d-pool     sequences (N, 2, 16) from two .npy files (X and y): Conv1d → ReLU → MaxPool1d → Conv1d →
                  AvgPool1d(ceil_mode) → Flatten → Linear, SGD with momentum
  conv8-adaptive  8×8 images (N, 1, 8, 8) from an .npz (a bright square in class 1): Conv2d →
                  BatchNorm2d → ReLU → MaxPool2d(3, 2, 1) → Conv2d → ReLU → AdaptiveAvgPool2d(1)
                  → Flatten → Linear, AdamW
"""
import gzip
import hashlib
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from train_golden import run_exports, train_record

warnings.simplefilter("ignore")
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "train-conv-golden.json")
DIR = os.path.join(HERE, "..", "data", "train-conv")
FMNIST = os.environ.get("PS_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"
RUNS = []


def tens(t):
    t = t.detach().contiguous().to(torch.float32)
    if t.numel() > 64:
        b = struct.pack("<%df" % t.numel(), *t.reshape(-1).tolist())
        return {"shape": list(t.shape), "sha256": hashlib.sha256(b).hexdigest()}
    return {"shape": list(t.shape), "hex": [struct.pack(">f", v).hex() for v in t.reshape(-1).tolist()]}


def fashion_mnist(split, limit):
    """The dataset op's torch code: the idx files, pixels / 255 as float32 (N, 1, 28, 28), int64 labels."""
    stem = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(FMNIST, stem + "-images-idx3-ubyte.gz")) as f:
        img = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(FMNIST, stem + "-labels-idx1-ubyte.gz")) as f:
        lab = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    X = torch.from_numpy(img[:limit].copy()).float() / 255
    y = torch.from_numpy(lab[:limit].astype(np.int64))
    return X, y


def run(name, seed, data, layers, opt, steps, bs, loss=("CrossEntropyLoss", {})):
    """data: ("fashion_mnist", split, limit) or ("file", X, y) saved as NAME.npz"""
    os.makedirs(DIR, exist_ok=True)
    torch.manual_seed(seed)
    if data[0] == "fashion_mnist":
        X, y = fashion_mnist(data[1], data[2])
        dop = {"op": "dataset", "id": "data", "type": "fashion_mnist", "args": {"split": data[1], "limit": data[2]}}
    elif data[0] == "npy":   # two numpy.save files
        X, y = data[1], data[2]
        np.save(os.path.join(DIR, name + ".X.npy"), X.numpy())
        np.save(os.path.join(DIR, name + ".y.npy"), y.numpy())
        dop = {"op": "dataset", "id": "data", "file": name + ".X.npy", "y": name + ".y.npy"}
    else:
        X, y = data[1], data[2]
        np.savez(os.path.join(DIR, name + ".npz"), X=X.numpy(), y=y.numpy())
        dop = {"op": "dataset", "id": "data", "file": name + ".npz", "x": "X", "y": "y"}
    model = nn.Sequential(*[getattr(nn, t)(**{k: tuple(v) if isinstance(v, list) else v for k, v in a.items()})
                            for t, a in layers])
    optim = getattr(torch.optim, opt[0])(model.parameters(), **opt[1])
    loss_fn = getattr(nn, loss[0])(**loss[1])
    loader = DataLoader(TensorDataset(X, y), batch_size=bs, shuffle=True)
    rec = train_record(model, optim, loss_fn, loader, steps,
                       lambda l: {"loss": tens(l.reshape(1)),
                                  "params": {k: tens(v) for k, v in model.named_parameters()},
                                  "grads": {k: tens(v.grad) for k, v in model.named_parameters()},
                                  "buffers": {k: tens(v) for k, v in model.named_buffers()
                                              if v.dtype == torch.float32}})
    ops = [dop]
    ops += [{"op": "module", "id": "l%d" % i, "type": t, "args": a} for i, (t, a) in enumerate(layers)]
    ops.append({"op": "module", "id": "model", "type": "Sequential", "children": ["l%d" % i for i in range(len(layers))]})
    ops.append({"op": "optimizer", "id": "opt", "type": opt[0], "params": "model", "args": opt[1]})
    ops.append({"op": "train", "model": "model", "optimizer": "opt", "data": "data",
                "loss": {"type": loss[0], "args": loss[1]}, "batch_size": bs, "shuffle": True, "steps": steps,
                "record_every": 1})
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": seed, "root": "model",
              "description": "tests/golden/gen_train_conv.py: " + name, "ops": ops}
    with open(os.path.join(DIR, name + ".recipe.json"), "w") as f:
        json.dump(recipe, f, indent=1)
        f.write("\n")
    RUNS.append({"name": name, "record": rec, "probe": torch.randint(0, 2 ** 31, (2,)).tolist()})


def main():
    run("fmnist-convnet", 21, ("fashion_mnist", "train", 193),
        [("Conv2d", {"in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1}), ("ReLU", {}),
         ("MaxPool2d", {"kernel_size": 2}),
         ("Conv2d", {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "padding": 1}),
         ("BatchNorm2d", {"num_features": 8}), ("ReLU", {}), ("AvgPool2d", {"kernel_size": 2}),
         ("Flatten", {}), ("Linear", {"in_features": 392, "out_features": 10})],
        ("Adam", {"lr": 0.01}), 14, 32)

    g = torch.Generator().manual_seed(2222)
    Xs = torch.randn(60, 2, 16, generator=g)
    ys = (Xs[:, 0, :8].sum(1) > Xs[:, 1, 8:].sum(1)).long()
    run("conv1d-pool", 22, ("npy", Xs, ys),
        [("Conv1d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3}), ("ReLU", {}),
         ("MaxPool1d", {"kernel_size": 2}),
         ("Conv1d", {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "padding": 1}),
         ("AvgPool1d", {"kernel_size": 2, "ceil_mode": True}),
         ("Flatten", {}), ("Linear", {"in_features": 16, "out_features": 2})],
        ("SGD", {"lr": 0.05, "momentum": 0.9}), 12, 16)

    y8 = torch.randint(0, 2, (50,), generator=g)
    X8 = torch.randn(50, 1, 8, 8, generator=g) * 0.5
    X8[:, 0, 2:6, 2:6] += y8[:, None, None]
    run("conv8-adaptive", 23, ("file", X8, y8),
        [("Conv2d", {"in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1}),
         ("BatchNorm2d", {"num_features": 4}), ("ReLU", {}),
         ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
         ("Conv2d", {"in_channels": 4, "out_channels": 8, "kernel_size": 3}), ("ReLU", {}),
         ("AdaptiveAvgPool2d", {"output_size": 1}), ("Flatten", {}),
         ("Linear", {"in_features": 8, "out_features": 2})],
        ("AdamW", {"lr": 0.02}), 12, 16)

    with open(OUT, "w") as f:
        json.dump({"meta": {"torch_version": torch.__version__, "onednn_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
                            "generator": "tests/golden/gen_train_conv.py"}, "runs": RUNS}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, len(RUNS), "runs", file=sys.stderr)


def export_results():
    """NAME.export.json: each golden NAME.export.py run by torch through run_export.py."""
    with open(OUT) as f:
        names = [r["name"] for r in json.load(f)["runs"]]
    # test-train-conv's /train-conv/export writes the scripts it checks: only those are run
    run_exports([(os.path.join(DIR, name + ".recipe.json"), os.path.join(DIR, name + ".export.py"),
                  os.path.join(DIR, name + ".export.json"))
                 for name in names if os.path.exists(os.path.join(DIR, name + ".export.py"))])


if __name__ == "__main__":
    if "--export" in sys.argv:
        export_results()
    else:
        main()
