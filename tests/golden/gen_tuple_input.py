#!/usr/bin/python3
"""MaxPool1d/2d(return_indices=True) in torch 1.13.1 — the (output, indices) tuple bit for bit — and what it does when a layer gets MaxPool2d(2, return_indices=True)'s tuple (output,
indices) as its input (tests/core/test-max-pool-indices.c), and what each loss says when the model's
output is that tuple.

Run with Debian's torch:  /usr/bin/python3 tests/golden/gen_tuple_input.py
Writes tests/data/tuple-input-errors.json:
  {"indices": [{"name", "type", "args", "x", "y", "indices"}] (tensors as layer_cases.enc writes them;
               inputs with ties, ±0, NaN, padding, dilation, ceil_mode, unbatched),
   "layers": {"TYPE": null (the tuple passes through) | "the exception's text"},
   "losses": {"LOSS": "the exception's text"}}
Layers are every registered class (gen_layer_facts.registered_names), built as gen_layer_facts
builds them and called with the tuple as each of their forward's inputs (Paramscope passes its one
input to each); ModuleList and ModuleDict have no forward and are left out.
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_layer_facts as facts  # noqa: E402
from layer_cases import enc  # noqa: E402

ROOT = facts.ROOT


def text(fn):
    try:
        y = fn()
    except Exception as e:  # the message torch shows
        return False, str(e)
    return True, y


def indices_cases():
    g = torch.Generator().manual_seed(7)
    ties = lambda *shape: torch.randint(-2, 3, shape, generator=g).float()   # many equal values
    rand = lambda *shape: torch.randn(*shape, generator=g)
    zeros = torch.tensor([[[0.0, -0.0, 0.0, -0.0, 1.0, -0.0, 0.0]]])
    nans = rand(1, 2, 6, 6)
    nans[0, 0, 1, 1] = float("nan")
    nans[0, 1, 3, 2] = float("nan")
    nans[0, 1, 3, 3] = float("nan")
    cases = [
        ("2d k2", "MaxPool2d", {"kernel_size": 2}, rand(2, 3, 8, 8)),
        ("2d ties k3 s1", "MaxPool2d", {"kernel_size": 3, "stride": 1}, ties(2, 3, 7, 7)),
        ("2d ties pad dil", "MaxPool2d", {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1],
                                          "dilation": [2, 1]}, ties(1, 2, 9, 8)),
        ("2d ceil", "MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, rand(2, 2, 8, 7)),
        ("2d ceil pad ties", "MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
         ties(1, 3, 5, 6)),
        ("2d unbatched", "MaxPool2d", {"kernel_size": 2}, rand(3, 6, 6)),
        ("2d nan", "MaxPool2d", {"kernel_size": 2, "stride": 1}, nans),
        ("1d k3", "MaxPool1d", {"kernel_size": 3}, rand(2, 3, 10)),
        ("1d ties pad dil ceil", "MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2,
                                               "ceil_mode": True}, ties(2, 2, 11)),
        ("1d zeros", "MaxPool1d", {"kernel_size": 2, "stride": 1}, zeros),
        ("1d unbatched", "MaxPool1d", {"kernel_size": 4, "stride": 3, "padding": 2}, ties(3, 12)),
    ]
    out = []
    for name, type_, args, x in cases:
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
        y, i = getattr(nn, type_)(return_indices=True, **kw)(x)
        assert i.dtype == torch.int64
        out.append({"name": name, "type": type_, "args": dict(args, return_indices=True), "x": enc(x),
                    "y": enc(y), "indices": enc(i)})
    return out


def main():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 8, 8)
    tup = nn.MaxPool2d(2, return_indices=True)(x)
    layers = {}
    for name in facts.registered_names():
        if name in ("ModuleList", "ModuleDict"):
            continue
        cls = getattr(nn, name)
        n = facts.n_inputs(cls)
        ok, y = text(lambda: facts.build(cls)(*([tup] * n)))
        if ok:
            assert y is tup, name
            layers[name] = None
        else:
            layers[name] = y
    losses = {}
    for name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                 "BCEWithLogitsLoss"):
        target = torch.rand(2, 4, 4, 4)
        if name in ("CrossEntropyLoss", "NLLLoss"):
            target = torch.randint(0, 4, (2, 4, 4))
        ok, y = text(lambda: getattr(nn, name)()(tup, target))
        assert not ok, name
        losses[name] = y
    # convolutions name the types of F.convNd's arguments: bias and padding change the text
    convs = {}
    for key, cls, kw in (("Conv2d bias=False", nn.Conv2d, {"bias": False}),
                         ("Conv2d padding='same'", nn.Conv2d, {"padding": "same"}),
                         ("Conv2d padding_mode='reflect'", nn.Conv2d, {"padding": 1, "padding_mode": "reflect"}),
                         ("Conv1d padding='valid' bias=False", nn.Conv1d, {"padding": "valid", "bias": False}),
                         ("Conv3d padding_mode='circular'", nn.Conv3d, {"padding": 1, "padding_mode": "circular"})):
        ok, y = text(lambda: cls(4, 4, 3, **kw)(tup))
        assert not ok
        convs[key] = {"type": cls.__name__, "args": dict(kw, in_channels=4, out_channels=4, kernel_size=3),
                      "text": y}
    out = os.path.join(ROOT, "tests", "data", "tuple-input-errors.json")
    with open(out, "w") as f:
        json.dump({"convs": convs, "indices": indices_cases(), "layers": layers,
                   "losses": losses}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
