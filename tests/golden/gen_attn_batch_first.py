#!/usr/bin/python3
"""Train runs of a batch_first MultiheadAttention (tests/doc/test-attn-mask-recipe.c /export):
torch's output is attn_output.transpose(1, 0), a view whose memory is in (L, N, E) order, so the
element-wise loss tensor TensorIterator allocates for it follows that order and the mean/sum adds
in it (and SmoothL1Loss's backward iterates rows of E, its vector chunks never spanning rows).

Run with Debian's torch 1.13.1:
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_attn_batch_first.py
writes tests/data/attn-mask/bf.X.npy, bf.Y.npy and the recipes bf-<loss>.recipe.json; then
`PS_EXPORT_WRITE=1 build/tests/test-attn-mask-recipe -p /attn-mask-recipe/export` writes their
exported scripts NAME.export.py, and
  /usr/bin/python3 tests/golden/gen_attn_batch_first.py --export
runs those scripts with torch (tests/golden/run_export.py) into NAME.export.json.
"""
import json
import os
import sys

import numpy
import torch

from train_golden import run_exports

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "data", "attn-mask")
# name → (loss, optimizer); E = 40: rows of 32 vector + 8 scalar elements at 8 lanes
RUNS = {
    "bf-mse": ({"type": "MSELoss", "args": {}}, {"type": "SGD", "args": {"lr": 0.05, "momentum": 0.9}}),
    "bf-mse-sum": ({"type": "MSELoss", "args": {"reduction": "sum"}}, {"type": "SGD", "args": {"lr": 0.001}}),
    "bf-l1": ({"type": "L1Loss", "args": {}}, {"type": "Adam", "args": {"lr": 0.01}}),
    "bf-smooth-l1": ({"type": "SmoothL1Loss", "args": {"beta": 0.3}}, {"type": "SGD", "args": {"lr": 0.1}}),
    "bf-huber": ({"type": "HuberLoss", "args": {"delta": 0.7}}, {"type": "RMSprop", "args": {"lr": 0.01}}),
    "bf-bce-logits": ({"type": "BCEWithLogitsLoss", "args": {}}, {"type": "SGD", "args": {"lr": 0.1}}),
}


def write_data():
    g = torch.Generator().manual_seed(4242)
    X = torch.randn(16, 5, 40, generator=g)
    Y = torch.tanh(X.flip(1).cumsum(1) * 0.3)
    numpy.save(os.path.join(DIR, "bf.X.npy"), X.numpy())
    numpy.save(os.path.join(DIR, "bf.Y.npy"), ((Y + 1) / 2).numpy())   # in [0, 1] for BCEWithLogitsLoss too
    for i, (name, (loss, opt)) in enumerate(RUNS.items()):
        recipe = {
            "format": "paramscope-recipe", "version": 3, "seed": 30 + i, "root": "m",
            "description": "A batch_first MultiheadAttention trained with %s (tests/golden/gen_attn_batch_first.py): "
                           "torch's output is a transposed view, its loss is summed in (L, N, E) order" % loss["type"],
            "ops": [
                {"op": "module", "id": "m", "type": "MultiheadAttention",
                 "args": {"embed_dim": 40, "num_heads": 4, "dropout": 0.1, "batch_first": True}},
                {"op": "dataset", "id": "d", "file": "bf.X.npy", "y": "bf.Y.npy"},
                {"op": "optimizer", "id": "opt", "type": opt["type"], "params": "m", "args": opt["args"]},
                {"op": "train", "model": "m", "optimizer": "opt", "data": "d", "loss": loss,
                 "batch_size": 4, "shuffle": True, "epochs": 2},
            ]}
        with open(os.path.join(DIR, name + ".recipe.json"), "w") as f:
            json.dump(recipe, f, indent=1)
            f.write("\n")


def export_results():
    run_exports([(os.path.join(DIR, name + ".recipe.json"), os.path.join(DIR, name + ".export.py"),
                  os.path.join(DIR, name + ".export.json")) for name in RUNS])


if __name__ == "__main__":
    if "--export" in sys.argv:
        export_results()
    else:
        write_data()
