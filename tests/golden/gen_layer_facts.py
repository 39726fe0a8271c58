#!/usr/bin/python3
"""Facts about every registered layer type, from torch 1.13.1 (tests/core/test-layer-facts.c).

Run with Debian's torch:  /usr/bin/python3 tests/golden/gen_layer_facts.py
Writes tests/data/layer-facts.json: {"TYPE": {"has_reset_parameters", "bases", "n_inputs",
"positional", "returns_tuple"}} for every class named in src/core (a PsModuleClass's .name, or the name in a
CONV_CLASS / RNN_CLASS line). `bases` are the other registered types it is a subclass of;
`n_inputs` the number of arguments forward needs; `positional` the constructor's arguments
that can be given by position, in order (a typed `nn.Linear(10, 5, False)`); `returns_tuple` whether forward, run on a small
input, returns a tuple (null for containers, which have no forward of their own).
"""
import glob
import inspect
import json
import os
import re

import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def registered_names():
    names = []
    for path in sorted(glob.glob(os.path.join(ROOT, "src", "core", "*.c"))):
        text = open(path).read()
        names += re.findall(r'\.name = "(\w+)"', text)
        names += re.findall(r'^\w+_CLASS \(\w+, "(\w+)"', text, re.M)
    # argument tables use .name too: keep the torch.nn module classes
    return sorted(n for n in set(names)
                  if isinstance(getattr(nn, n, None), type) and issubclass(getattr(nn, n), nn.Module))


def name_of_rnn(cls):
    return cls in (nn.RNN, nn.LSTM, nn.GRU)


def build(cls):
    """cls with every required constructor argument set to something small and valid."""
    args = {}
    init = cls.__init__
    if name_of_rnn(cls):   # RNN, LSTM, GRU take *args: their parameters are RNNBase's
        init = nn.RNNBase.__init__
    for p in list(inspect.signature(init).parameters.values())[1:]:
        if p.name == "mode":
            continue
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        args[p.name] = {"kernel_size": 3, "normalized_shape": [4]}.get(p.name, 4)
    return cls(**args)


def positional(cls):
    """The constructor's arguments that can be given by position, in torch's order (RNN, LSTM and
    GRU: RNNBase's, after its mode)."""
    init = nn.RNNBase.__init__ if name_of_rnn(cls) else cls.__init__
    out = []
    for p in list(inspect.signature(init).parameters.values())[1:]:
        if p.kind != p.POSITIONAL_OR_KEYWORD:
            break
        if name_of_rnn(cls) and p.name == "mode":
            continue
        out.append(p.name)
    return out


def n_inputs(cls):
    params = list(inspect.signature(cls.forward).parameters.values())[1:]
    return sum(1 for p in params if p.default is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def returns_tuple(cls, n):
    candidates = [torch.randn(5, 1, 4), torch.randn(1, 4), torch.randn(2, 4, 8),
                  torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8, 8), torch.randint(0, 4, (1, 5))]
    for x in candidates:
        try:
            y = build(cls)(*([x] * n))   # a fresh module: a lazy one materializes on the first try
        except Exception:
            continue
        return isinstance(y, tuple)
    raise SystemExit("no input runs %s" % cls.__name__)


def main():
    names = registered_names()
    facts = {}
    for name in names:
        cls = getattr(nn, name)
        container = name in ("Sequential", "ModuleList", "ModuleDict")
        n = 0 if name in ("ModuleList", "ModuleDict") else n_inputs(cls)
        facts[name] = {
            "has_reset_parameters": hasattr(cls, "reset_parameters"),
            "bases": sorted(b for b in names if b != name and issubclass(cls, getattr(nn, b))),
            "n_inputs": n,
            "positional": positional(cls),
            "returns_tuple": None if container else returns_tuple(cls, n),
        }
    out = os.path.join(ROOT, "tests", "data", "layer-facts.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "facts": facts}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
