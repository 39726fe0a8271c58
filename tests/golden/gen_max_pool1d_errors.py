#!/usr/bin/python3
"""nn.MaxPool1d's checks in torch 1.13.1: which path runs and what each invalid argument or input
says (tests/core/test-max-pool-indices.c, /max-pool-indices/errors-1d).

torch's max_pool1d checks the input's dimensions, then runs max_pool1d_with_indices when the input
requires grad under autograd (else check_max_pool1d + max_pool1d_impl); return_indices=True calls
max_pool1d_with_indices directly. max_pool1d_with_indices has its own dimension and size checks
and then runs max_pool2d_with_indices on x.unsqueeze(-2), whose texts differ from
check_max_pool1d's (and it refuses an empty output that max_pool1d_impl returns).

Each case runs with return_indices False and True, with the input not requiring grad (the pool
called on the data) and requiring grad (nn.Sequential(nn.PReLU(), pool): PReLU's output requires
grad), under grad mode.

Run with Debian's torch:  /usr/bin/python3 tests/golden/gen_max_pool1d_errors.py
Writes tests/data/max-pool1d-errors.json:
  {"torch": version, "cases": [{"name", "shape", "args", "return_indices", "requires_grad",
                                "error": text | null, "out_shape": shape | null}]}
"""
import json
import os

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = [
    ("empty-output", [1, 2, 3], {"kernel_size": 5}),
    ("empty-output-dilation", [1, 2, 4], {"kernel_size": 3, "dilation": 2}),
    ("empty-output-unbatched", [2, 2], {"kernel_size": 3}),
    ("kernel-0", [1, 2, 8], {"kernel_size": 0}),
    ("kernel-0-stride-2", [1, 2, 8], {"kernel_size": 0, "stride": 2}),
    ("kernel-negative", [1, 2, 8], {"kernel_size": -1}),
    ("stride-0", [1, 2, 8], {"kernel_size": 2, "stride": 0}),
    ("stride-negative", [1, 2, 8], {"kernel_size": 2, "stride": -1}),
    ("padding-negative", [1, 2, 8], {"kernel_size": 2, "padding": -1}),
    ("padding-over-half", [1, 2, 8], {"kernel_size": 3, "padding": 2}),
    ("dilation-0", [1, 2, 8], {"kernel_size": 2, "dilation": 0}),
    ("dilation-negative", [1, 2, 8], {"kernel_size": 2, "dilation": -2}),
    ("input-1d", [8], {"kernel_size": 2}),
    ("input-4d", [1, 1, 2, 8], {"kernel_size": 2}),
    ("zero-channels", [1, 0, 8], {"kernel_size": 2}),
    ("zero-length", [1, 2, 0], {"kernel_size": 2}),
    ("zero-batch", [0, 2, 8], {"kernel_size": 2}),
    ("unbatched-zero-channels", [0, 8], {"kernel_size": 2}),
    ("kernel-pair", [1, 2, 8], {"kernel_size": [2, 2]}),
    ("stride-pair", [1, 2, 8], {"kernel_size": 2, "stride": [1, 1]}),
    ("padding-pair", [1, 2, 8], {"kernel_size": 2, "padding": [0, 0]}),
    ("dilation-pair", [1, 2, 8], {"kernel_size": 2, "dilation": [1, 1]}),
    ("ceil-mode", [1, 2, 5], {"kernel_size": 2, "ceil_mode": True}),
    ("ceil-mode-padding", [2, 3, 7], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("valid", [2, 3, 9], {"kernel_size": 3, "stride": 2, "dilation": 2}),
]


def py_args(args):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def main():
    torch.manual_seed(0)
    out = []
    for name, shape, args in CASES:
        for ri in (False, True):
            for rg in (False, True):
                x = torch.randn(*shape)
                error, out_shape = None, None
                try:
                    pool = nn.MaxPool1d(return_indices=ri, **py_args(args))
                    model = nn.Sequential(nn.PReLU(), pool) if rg else pool
                    y = model(x)
                    out_shape = list((y[0] if ri else y).shape)
                    if ri:
                        assert list(y[1].shape) == out_shape and y[1].dtype == torch.int64
                except Exception as e:  # the message torch shows
                    error = str(e)
                out.append({"name": name, "shape": shape, "args": args, "return_indices": ri,
                            "requires_grad": rg, "error": error, "out_shape": out_shape})
    path = os.path.join(ROOT, "tests", "data", "max-pool1d-errors.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"torch": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("%d cases -> %s" % (len(out), path))


if __name__ == "__main__":
    main()
