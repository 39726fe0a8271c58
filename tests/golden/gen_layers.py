#!/usr/bin/python3
"""Golden data for Linear, LazyLinear, the activations, Flatten and Dropout (tests/core/test-layers.c).

Run with Debian's torch 1.13.1:  /usr/bin/python3 tests/golden/gen_layers.py
Writes tests/data/layers/<Type>.json (one per layer type) and _shared.json (meta, inputs):
see layers_split.py. Format (like torch-1.13-golden.json, PYTORCH-PARITY.md §12):
float32 tensors are {"shape", "hex": [8-hex-digit IEEE bit patterns]}.

Sections:
  inputs    shared inputs {name: tensor}
  forward   activation forwards on stored inputs: {"type", "args", "x" (a tensor or the name of a
            shared input), "y", "params"?}
  dropout   train-mode masks: manual_seed(seed), then y = Dropout(p)(x) with x stored (drawn from a
            separate generator, so the global stream starts right at the dropout draws),
            probe_after = torch.rand(2) afterwards (checks the draw count)
  linear    Linear forwards re-created from the seed: manual_seed(seed); m = Linear(...);
            x = torch.empty(shape).uniform_(-1, 1); y = m(x) — only y is stored
  modules   manual_seed(seed); m = type(**args); for lazy ones y = m(torch.ones(input_shape)):
            {"state_dict", "order", "y"?, "repr_after"?, "probe_after"}
  repr      module reprs: {"type", "args", "repr"}
  errors    {"type", "args", "input_shape"?, "error"}: construction (no input_shape) or forward
            (on torch.ones(input_shape)) must fail with exactly this message
"""
import ctypes
import json
import math
import os
import struct
import sys
import warnings

import torch
import torch.nn as nn

warnings.simplefilter("ignore")

import layers_split


def hexes(t):
    t = t.detach().contiguous().to(torch.float32).flatten()
    return ["%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.tolist()]


def tensor(t):
    return {"shape": list(t.shape), "hex": hexes(t)}


def probe():
    return hexes(torch.rand(2))


def build(type_, args):
    return getattr(nn, type_)(**args)


def input_gen(seed):
    return torch.Generator().manual_seed(seed)


SPECIALS = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-30, -1e-30, 88.7, -88.7,
                         100.0, -100.0, 1e-45, 15.0, -15.0, 9.0, -9.0, 3.0, -3.0, 0.5, -0.5, 1e-7, -1e-7,
                         5.0, -5.0, 10.0, -10.0, 20.0, -20.0, 40.0, -40.0, 1.0, -1.0])

ELEMENTWISE = [
    ("ReLU", {}), ("ReLU", {"inplace": True}), ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
    ("LeakyReLU", {"negative_slope": -0.5}), ("GELU", {}), ("GELU", {"approximate": "tanh"}),
    ("Tanh", {}), ("Sigmoid", {}), ("SiLU", {}), ("Identity", {}), ("PReLU", {}),
    ("PReLU", {"init": -0.3}),
]


BIG = torch.randn(4096, generator=input_gen(7)) * 4


def forward_cases():
    cases = []
    big = BIG
    for type_, args in ELEMENTWISE:
        for label, x in (("specials", SPECIALS), ("randn4096", big)):
            m = build(type_, args)
            with torch.no_grad():
                y = m(x.clone())   # inplace=True must not change the shared input
            cases.append({"name": "%s(%s).%s" % (type_, args, label), "type": type_, "args": args,
                          "x": label, "y": tensor(y)})
    shaped = [
        ("PReLU", {"num_parameters": 3, "init": 0.1}, (2, 3, 4)),
        ("PReLU", {"num_parameters": 3}, (5, 3)),
        ("PReLU", {}, (2, 3, 4)),
        ("PReLU", {}, ()),
        ("Softmax", {}, (10,)),
        ("Softmax", {}, (4, 10)),
        ("Softmax", {}, (2, 3, 5)),
        ("Softmax", {}, (2, 3, 2, 5)),
        ("Softmax", {}, ()),
        ("Softmax", {"dim": -1}, (3, 37)),
        ("Softmax", {"dim": -1}, (2, 64)),
        ("Softmax", {"dim": 1}, (6, 7)),
        ("Softmax", {"dim": 0}, (5, 4)),
        ("Softmax", {"dim": 1}, (2, 20, 3)),
        ("Softmax", {"dim": 1}, (2, 20, 9)),
        ("Softmax", {"dim": 2}, (2, 3, 300)),
        ("Flatten", {}, (2, 3, 4, 5)),
        ("Flatten", {"start_dim": 0, "end_dim": 2}, (2, 3, 4, 5)),
        ("Flatten", {"start_dim": -3, "end_dim": -2}, (2, 3, 4, 5)),
        ("Flatten", {"start_dim": 1, "end_dim": 1}, (2, 3, 4)),
        ("Flatten", {"start_dim": 0, "end_dim": 0}, ()),
        ("Flatten", {}, (2, 0, 4)),
        ("Identity", {}, (2, 3)),
        ("GELU", {}, (3, 5)),
        # numel % 16 != 0: the last elements take ATen's scalar path (glibc expf)
        ("Sigmoid", {}, (3, 7)),
        ("Sigmoid", {}, (5,)),
        ("SiLU", {}, (37,)),
        ("SiLU", {}, (2, 3)),
        ("Tanh", {}, (3, 7)),
        ("GELU", {"approximate": "tanh"}, (3, 7)),
        ("GELU", {"approximate": "tanh"}, (4, 4, 4, 4, 4, 3)),
    ]
    for i, (type_, args, shape) in enumerate(shaped):
        x = torch.randn(shape, generator=input_gen(100 + i)) * 3
        m = build(type_, args)
        with torch.no_grad():
            y = m(x)
        case = {"name": "%s(%s).shape%s" % (type_, args, list(shape)), "type": type_, "args": args,
                "x": tensor(x), "y": tensor(y)}
        if type_ == "PReLU":
            case["params"] = {"weight": tensor(m.weight)}
        cases.append(case)
    # GELU on one-element tensors: torch skips oneDNN (numel <= 1) and runs ATen's scalar kernel
    xs = torch.cat([SPECIALS, torch.randn(200, generator=input_gen(300)) * 4])
    with torch.no_grad():
        ys = torch.stack([nn.GELU()(v.reshape(1)).reshape(()) for v in xs])
        y0 = nn.GELU()(xs[40].reshape(()))
    cases.append({"name": "GELU.one_element_each", "type": "GELU", "args": {}, "one_element": True,
                  "x": tensor(xs), "y": tensor(ys)})
    cases.append({"name": "GELU.0d", "type": "GELU", "args": {}, "x": tensor(xs[40].reshape(())),
                  "y": tensor(y0)})
    # a softmax row containing -inf, and one entirely -inf (NaN result)
    x = torch.tensor([[1.0, float("-inf"), 2.0, 0.5], [float("-inf")] * 4, [float("nan"), 1, 2, 3]])
    with torch.no_grad():
        y = nn.Softmax(dim=1)(x)
    cases.append({"name": "Softmax(dim=1).inf_nan", "type": "Softmax", "args": {"dim": 1},
                  "x": tensor(x), "y": tensor(y)})
    return cases


def dropout_cases():
    cases = []
    specs = [(0, 0.5, (10,)), (0, 0.5, (4, 25)), (1, 0.1, (64, 30)), (2, 0.9, (50, 7)),
             (3, 0.3, (3, 4, 5)), (4, 0.7, (100,)), (5, 0.0, (4, 5)), (6, 1.0, (4, 5)),
             (7, 0.25, (0, 5)), (8, 1e-3, (1000,)), (42, 0.5, (2, 3, 4, 5))]
    for i, (seed, p, shape) in enumerate(specs):
        x = torch.randn(shape, generator=input_gen(500 + i)) * 2
        if x.numel() >= 8:
            x.view(-1)[:4] = torch.tensor([float("inf"), -0.0, -1.5, float("nan")])
        m = nn.Dropout(p)
        torch.manual_seed(seed)
        y = m(x)
        cases.append({"name": "Dropout(%s).seed%d%s" % (p, seed, list(shape)), "p": p, "seed": seed,
                      "train": True, "x": tensor(x), "y": tensor(y), "probe_after": probe()})
    x = torch.randn(3, 4, generator=input_gen(900))
    m = nn.Dropout(0.5)
    m.eval()
    torch.manual_seed(9)
    y = m(x)
    cases.append({"name": "Dropout(0.5).eval", "p": 0.5, "seed": 9, "train": False, "x": tensor(x),
                  "y": tensor(y), "probe_after": probe()})
    return cases


def linear_cases():
    cases = []
    specs = [
        # (seed, in, out, bias, input shape): 2-D/3-D with bias → addmm; 1-D, ≥4-D, no bias → mm + add
        (0, 784, 256, True, (64, 784)),
        (1, 784, 64, True, (4, 16, 784)),
        (2, 784, 64, True, (2, 3, 4, 784)),
        (3, 784, 64, True, (784,)),
        (4, 784, 64, False, (32, 784)),
        (5, 1000, 50, True, (2, 1, 3, 2, 1000)),
        (6, 10, 5, True, (3, 10)),
        (7, 0, 4, True, (3, 0)),
        (8, 6, 0, True, (2, 6)),
        (9, 5, 3, True, (0, 5)),
    ]
    for seed, fin, fout, bias, shape in specs:
        torch.manual_seed(seed)
        m = nn.Linear(fin, fout, bias=bias)
        x = torch.empty(shape).uniform_(-1, 1)
        with torch.no_grad():
            y = m(x)
        cases.append({"name": "Linear(%d,%d,bias=%s).x%s" % (fin, fout, bias, list(shape)), "seed": seed,
                      "in_features": fin, "out_features": fout, "bias": bias, "input_shape": list(shape),
                      "y": tensor(y), "probe_after": probe()})
    return cases


MODULES = [
    # (seed, type, args, lazy input shape or None)
    (0, "Linear", {"in_features": 0, "out_features": 5}, None),
    (1, "Linear", {"in_features": 5, "out_features": 0}, None),
    (2, "Linear", {"in_features": 1, "out_features": 1}, None),
    (3, "Linear", {"in_features": 3, "out_features": 7, "bias": False}, None),
    (4, "PReLU", {"num_parameters": 0}, None),
    (5, "PReLU", {"num_parameters": 5, "init": -1.5}, None),
    (6, "LazyLinear", {"out_features": 4, "bias": False}, [6]),
    (7, "LazyLinear", {"out_features": 3}, [2, 2, 9]),
    (8, "LazyLinear", {"out_features": 3}, [3, 0]),
    (9, "LazyLinear", {"out_features": 6}, [2, 3, 4, 20]),
]


def module_cases():
    """manual_seed(seed); m = type(**args); [y = m(torch.ones(shape))]; state_dict; probe."""
    out = []
    for seed, type_, args, shape in MODULES:
        torch.manual_seed(seed)
        m = build(type_, args)
        case = {"name": "%s(%s)" % (type_, args), "seed": seed, "type": type_, "args": args}
        # LazyLinear materialized with in_features == 0 skips reset_parameters: its parameters
        # (and so y) are uninitialized memory; only shapes and the draw count are checked.
        uninit = type_ == "LazyLinear" and shape is not None and shape[-1] == 0
        if shape is not None:
            with torch.no_grad():
                y = m(torch.ones(shape))
            case["y"] = {"shape": list(y.shape)} if uninit else tensor(y)
            case["input_shape"] = shape
            case["repr_after"] = repr(m)
        case["uninitialized"] = uninit
        case["state_dict"] = {k: ({"shape": list(v.shape)} if uninit else tensor(v))
                              for k, v in m.state_dict().items()}
        case["order"] = list(m.state_dict().keys())
        case["probe_after"] = probe()
        out.append(case)
    return out


REPRS = [
    ("Linear", {"in_features": 10, "out_features": 5}), ("Linear", {"in_features": 3, "out_features": 4, "bias": False}),
    ("Linear", {"in_features": 0, "out_features": 5}), ("LazyLinear", {"out_features": 5}),
    ("LazyLinear", {"out_features": 5, "bias": False}), ("ReLU", {}), ("ReLU", {"inplace": True}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2, "inplace": True}), ("LeakyReLU", {"negative_slope": 1e-20}),
    ("PReLU", {}), ("PReLU", {"num_parameters": 4, "init": 0.1}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("Tanh", {}), ("Sigmoid", {}), ("SiLU", {}),
    ("SiLU", {"inplace": True}), ("Softmax", {}), ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}),
    ("Identity", {}), ("Flatten", {}), ("Flatten", {"start_dim": 0, "end_dim": 2}), ("Dropout", {}),
    ("Dropout", {"p": 0.3, "inplace": True}), ("Dropout", {"p": 1e-10}), ("Dropout", {"p": 0.1 + 0.2}),
    ("Dropout", {"p": 0.0}), ("Dropout", {"p": 1.0}),
]

ERRORS = [
    ("Linear", {"in_features": -1, "out_features": 5}, None),
    ("Linear", {"in_features": 5, "out_features": -1}, None),
    ("Dropout", {"p": 1.5}, None),
    ("Dropout", {"p": -0.1}, None),
    ("PReLU", {"num_parameters": -1}, None),
    ("Linear", {"in_features": 10, "out_features": 5}, [1, 5]),
    ("Linear", {"in_features": 10, "out_features": 5}, [2, 3, 5]),
    ("Linear", {"in_features": 10, "out_features": 5}, [2, 3, 4, 5]),
    ("Linear", {"in_features": 10, "out_features": 5}, [5]),
    ("Linear", {"in_features": 10, "out_features": 5, "bias": False}, [3, 0]),
    ("Linear", {"in_features": 10, "out_features": 5}, []),
    ("LazyLinear", {"out_features": 5}, []),
    ("LazyLinear", {"out_features": -2}, [3, 7]),
    ("Softmax", {"dim": 5}, [2, 3]),
    ("Softmax", {"dim": -3}, [2, 3]),
    ("Softmax", {"dim": 1}, []),
    ("Flatten", {}, [3]),
    ("Flatten", {"start_dim": 2, "end_dim": 1}, [2, 3, 4]),
    ("Flatten", {"start_dim": 0, "end_dim": 5}, [2, 3, 4]),
    ("Flatten", {"start_dim": -1, "end_dim": 0}, [2, 3, 4]),
    ("PReLU", {"num_parameters": 3}, [2, 4]),
    ("PReLU", {"num_parameters": 3}, []),
    ("PReLU", {"num_parameters": 3}, [3]),
]


def repr_cases():
    return [{"type": t, "args": a, "repr": repr(build(t, a))} for t, a in REPRS]


def error_cases():
    out = []
    for t, a, shape in ERRORS:
        try:
            m = build(t, a)
            if shape is None:
                raise SystemExit("%s(%s) constructed" % (t, a))
            m(torch.ones(shape))
            raise SystemExit("%s(%s) on %s succeeded" % (t, a, shape))
        except (RuntimeError, ValueError, IndexError) as e:
            case = {"type": t, "args": a, "error": str(e)}
            if shape is not None:
                case["input_shape"] = shape
            out.append(case)
    return out


def openblas():
    """(threads, core name) of the OpenBLAS torch uses: both decide sgemm's rounding."""
    try:
        lib = ctypes.CDLL("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_num_threads(), lib.openblas_get_corename().decode()
    except OSError:
        return None, None


def main():
    data = {
        "meta": {
            "torch_version": torch.__version__,
            "python": sys.version.split()[0],
            "torch_num_threads": torch.get_num_threads(),
            "openblas_num_threads": openblas()[0],
            "openblas_corename": openblas()[1],
            "env": {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "GOTO", "ATEN"))},
            "generator": "tests/golden/gen_layers.py",
        },
        "inputs": {"specials": tensor(SPECIALS), "randn4096": tensor(BIG)},
        "forward": forward_cases(),
        "dropout": dropout_cases(),
        "linear": linear_cases(),
        "modules": module_cases(),
        "repr": repr_cases(),
        "errors": error_cases(),
    }
    layers_split.write(data)


if __name__ == "__main__":
    main()
